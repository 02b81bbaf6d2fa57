"""Devices, layouts and memory formats: PyTorch's names for where and how a tensor's memory is
laid out, so that PyTorch programs that name them run unchanged.

arraygrad computes where its array library does (NumPy: the CPU), on strided arrays: ``device``
parses and compares devices as PyTorch does, and tensors report ``device("cpu")``; moving a
tensor to another device is refused (``Tensor.to``). ``strided``, ``contiguous_format`` and
the other layouts and formats are names that factory functions accept and ignore.

>>> import arraygrad
>>> arraygrad.device("cuda:1")
device(type='cuda', index=1)
>>> arraygrad.zeros(2).device
device(type='cpu')
"""

from __future__ import annotations

from typing import Any

# PyTorch's device types, in the order of its error message.
_TYPES = [
    "cpu",
    "cuda",
    "ipu",
    "xpu",
    "mkldnn",
    "opengl",
    "opencl",
    "ideep",
    "hip",
    "ve",
    "fpga",
    "maia",
    "xla",
    "lazy",
    "vulkan",
    "mps",
    "meta",
    "hpu",
    "mtia",
    "privateuseone",
]


class device:  # noqa: N801 - PyTorch's name
    """A device: a type (``"cpu"``, ``"cuda"``, ...) and an optional index, as ``torch.device``.

    ``device("cuda:0")``, ``device("cuda", 0)`` and ``device(other_device)`` are accepted;
    devices are equal when their types and indices are (a device is not equal to a string).
    """

    __slots__ = ("index", "type")

    type: str
    index: int | None

    def __init__(self, type: Any, index: int | None = None) -> None:
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(device, index): give the index in the device instead")
            type, index = type.type, type.index
        elif not isinstance(type, str):
            raise TypeError(f"device() expects a string or a device, got {type!r}")
        elif ":" in type:
            if index is not None:
                raise RuntimeError(
                    f"type (string) must not include an index because index was passed "
                    f"explicitly: {type}"
                )
            type, _, number = type.partition(":")
            if not number.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}:{number}'")
            index = int(number)
        if type not in _TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(_TYPES)} device type at start of device string: {type}"
            )
        if index is not None and (not isinstance(index, int) or index < 0):
            raise RuntimeError(f"Device index must not be negative, got {index!r}")
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "index", index)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"device objects are immutable (cannot set {name!r})")

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return NotImplemented
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self) -> Any:
        return (device, (self.type, self.index))


CPU = device("cpu")


def on_cpu(where: Any) -> bool:
    """Whether ``where`` (a device, or a string naming one) is the CPU, where arraygrad
    computes; raises PyTorch's error for a string that names no device."""
    return device(where).type == "cpu"


class _Name:
    """A layout or memory format: only its name (factory functions accept and ignore it)."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"arraygrad.{self._name}"

    def __reduce__(self) -> str:
        return self._name  # pickles as the module attribute


class layout(_Name):  # noqa: N801 - PyTorch's name
    """A memory layout; arraygrad's tensors are all ``strided``."""

    __slots__ = ()


class memory_format(_Name):  # noqa: N801 - PyTorch's name
    """A memory format, as ``Tensor.contiguous(memory_format=...)`` takes."""

    __slots__ = ()


strided = layout("strided")
contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")

__all__ = [
    "channels_last",
    "channels_last_3d",
    "contiguous_format",
    "device",
    "layout",
    "memory_format",
    "preserve_format",
    "strided",
]
