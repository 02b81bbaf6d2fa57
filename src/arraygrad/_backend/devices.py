"""Where arrays live: PyTorch's device names for an array library's memory, and the few
device calls a GPU library needs (how many devices, waiting for queued work)."""

from __future__ import annotations

from typing import Any

import numpy as np

#: DLPack's device types (``dlpack.h``) by PyTorch's names: host memory is the CPU, ROCm's
#: devices are "cuda" as in PyTorch's HIP builds.
_DLPACK_DEVICES = {
    1: "cpu",  # kDLCPU
    2: "cuda",  # kDLCUDA
    3: "cpu",  # kDLCUDAHost: pinned host memory
    8: "mps",  # kDLMetal
    10: "cuda",  # kDLROCM
    11: "cpu",  # kDLROCMHost
    13: "cuda",  # kDLCUDAManaged
    14: "xpu",  # kDLOneAPI
}


def device_of(array: Any) -> tuple[str, int | None]:
    """Where ``array``'s memory is, by PyTorch's names: ``("cpu", None)`` or ``("cuda", 0)``.

    Read from the standard's ``__dlpack_device__``, which every Array API library implements;
    an array without it (or with a device DLPack has no name for) is taken to be on the CPU.
    """
    if array.__class__ is np.ndarray:
        return ("cpu", None)
    probe = getattr(array, "__dlpack_device__", None)
    try:
        kind, index = probe()  # type: ignore[misc]
    except (TypeError, AttributeError, RuntimeError, BufferError, ValueError):
        return ("cpu", None)
    name = _DLPACK_DEVICES.get(int(kind), "cpu")
    return (name, None) if name == "cpu" else (name, int(index))


def device_count(lib: Any) -> int:
    """The number of devices ``lib`` sees, from the standard's inspection namespace where the
    library has one, else CuPy's runtime."""
    info = getattr(lib, "__array_namespace_info__", None)
    if info is not None:
        return len(info().devices())
    runtime = getattr(getattr(lib, "cuda", None), "runtime", None)
    return int(runtime.getDeviceCount()) if runtime is not None else 1


def synchronize(lib: Any) -> None:
    """Wait until ``lib``'s device has run the work queued on it."""
    runtime = getattr(getattr(lib, "cuda", None), "runtime", None)
    if runtime is not None:  # CuPy: every stream of the device
        runtime.deviceSynchronize()
    else:  # reading a value back waits for the work queued before it on the default stream
        lib.asarray(0).tolist()


def cpu_capability() -> str:
    """The CPU's widest vector instruction set by PyTorch's names (``"AVX512"``, ``"AVX2"``,
    ``"SVE256"``, else ``"DEFAULT"``), from the features NumPy detected when it loaded."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # NumPy keeps the table private; without it, claim nothing
        return "DEFAULT"
    if all(features.get(name) for name in ("AVX512F", "AVX512BW", "AVX512VL", "AVX512DQ")):
        return "AVX512"
    if features.get("AVX2") and features.get("FMA3"):
        return "AVX2"
    if features.get("SVE"):
        return "SVE256"
    return "DEFAULT"
