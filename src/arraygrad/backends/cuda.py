"""``arraygrad.backends.cuda``: PyTorch's cuBLAS and attention switches.

``matmul.allow_tf32`` and the reduced-precision flags hold what is set, with PyTorch's defaults
and checks; ``allow_tf32`` is :func:`arraygrad.set_float32_matmul_precision` under another name
(True is ``"high"``, False ``"highest"``), as in PyTorch. None of them changes a result:
arraygrad's matrix products run in the array library's full precision (NumPy has no
TensorFloat-32; arraygrad does not ask CuPy for it). The attention switches
(``enable_flash_sdp``...) are kept likewise: ``scaled_dot_product_attention`` always computes
the plain softmax(QKᵀ/√d)V formula, whichever are enabled.

>>> import arraygrad
>>> arraygrad.backends.cuda.matmul.allow_tf32 = True
>>> arraygrad.get_float32_matmul_precision()
'high'
>>> arraygrad.backends.cuda.matmul.allow_tf32 = False
"""

from __future__ import annotations

import builtins as _builtins
from importlib import util as _importlib_util
from typing import Any

from arraygrad import _backend, _flags
from arraygrad.backends._switches import check_bool as _check_bool

__all__ = [
    "cudnn_sdp_enabled",
    "enable_cudnn_sdp",
    "enable_flash_sdp",
    "enable_math_sdp",
    "enable_mem_efficient_sdp",
    "flash_sdp_enabled",
    "is_built",
    "math_sdp_enabled",
    "matmul",
    "mem_efficient_sdp_enabled",
]


def is_built() -> bool:
    """Whether arraygrad can compute on CUDA: it computes there now, or CuPy (its GPU array
    library) is installed. Like PyTorch's, True does not mean a GPU is present."""
    return _backend.device[0] == "cuda" or _importlib_util.find_spec("cupy") is not None


class _Matmul:
    """``backends.cuda.matmul``: cuBLAS's precision switches. Unknown names are refused both
    ways, as in PyTorch, so that a misspelt flag is not silently kept."""

    _NAMES = frozenset(
        [
            "allow_tf32",
            "allow_fp16_reduced_precision_reduction",
            "allow_bf16_reduced_precision_reduction",
            "allow_fp16_accumulation",
        ]
    )
    _reduced: dict[str, tuple[bool, bool]]
    _fp16_accumulation: bool

    def __init__(self) -> None:
        # (reduced-precision reductions allowed, split-K allowed), PyTorch's defaults
        object.__setattr__(self, "_reduced", {"fp16": (True, True), "bf16": (True, True)})
        object.__setattr__(self, "_fp16_accumulation", False)

    def __getattr__(self, name: str) -> Any:  # called only for names not found
        raise AttributeError(f"Unknown attribute {name}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._NAMES:
            raise AttributeError(
                f"Unknown attribute {name}. Fix: set one of {sorted(self._NAMES)}."
            )
        object.__setattr__(self, name, value)

    @property
    def allow_tf32(self) -> bool:
        """Whether float32 products may use TensorFloat-32: the float32 matmul precision is
        not ``"highest"``."""
        return _flags.get_float32_matmul_precision() != "highest"

    @allow_tf32.setter
    def allow_tf32(self, value: Any) -> None:
        _check_bool(value, "set_allow_tf32_cublas")
        _flags.set_float32_matmul_precision("high" if value else "highest")

    @property
    def allow_fp16_reduced_precision_reduction(self) -> bool:
        """Whether float16 products may reduce in float16 (default True)."""
        return self._reduced["fp16"][0]

    @allow_fp16_reduced_precision_reduction.setter
    def allow_fp16_reduced_precision_reduction(self, value: Any) -> None:
        self._reduced["fp16"] = _reduction_setting(value, "allow_fp16_reduced_precision_reduction")

    @property
    def allow_fp16_reduced_precision_reduction_split_k(self) -> bool:
        """Whether those float16 reductions may split K (the second of a tuple set above)."""
        return self._reduced["fp16"][1]

    @property
    def allow_bf16_reduced_precision_reduction(self) -> bool:
        """Whether bfloat16 products may reduce in bfloat16 (default True)."""
        return self._reduced["bf16"][0]

    @allow_bf16_reduced_precision_reduction.setter
    def allow_bf16_reduced_precision_reduction(self, value: Any) -> None:
        self._reduced["bf16"] = _reduction_setting(value, "allow_bf16_reduced_precision_reduction")

    @property
    def allow_bf16_reduced_precision_reduction_split_k(self) -> bool:
        """Whether those bfloat16 reductions may split K."""
        return self._reduced["bf16"][1]

    @property
    def allow_fp16_accumulation(self) -> bool:
        """Whether float16 products may accumulate in float16 (default False)."""
        return self._fp16_accumulation

    @allow_fp16_accumulation.setter
    def allow_fp16_accumulation(self, value: Any) -> None:
        _check_bool(value, "set_allow_fp16_accumulation_cublas")
        object.__setattr__(self, "_fp16_accumulation", value)


def _reduction_setting(value: Any, name: str) -> tuple[bool, bool]:
    """A reduced-precision flag's value: a bool, or ``(allowed, split_k)`` as PyTorch takes
    it (split-K defaulting to True, and refused off while the reduction is allowed)."""
    if value.__class__ is _builtins.bool:
        return (value, True)
    if not isinstance(value, (tuple, list)):
        raise TypeError(
            f"{name} expects a bool or a tuple/list of bools, but got {type(value)}"
            ". Fix: pass True or False, or a tuple such as (True, False)."
        )
    if not value:
        raise TypeError(
            f"{name} expects at least one boolean argument"
            ". Fix: pass True or False, or a tuple such as (True, False)."
        )
    if len(value) > 2:
        raise TypeError(
            f"{name} expects at most two boolean arguments"
            f" (got {len(value)}). Fix: pass (allow_reduced_precision, allow_splitk)."
        )
    allowed, split_k = (*value, True)[:2]
    for flag, role in ((allowed, "allow_reduced_precision"), (split_k, "allow_splitk")):
        if flag.__class__ is not _builtins.bool:
            raise TypeError(
                f"{name} expects a bool for {role}, but got {type(flag)}. Fix: pass True or False."
            )
    if allowed and not split_k:
        raise RuntimeError(
            "allow_splitk=False is not supported when reduced precision reductions are enabled"
            ". Fix: pass allow_splitk=True, or turn reduced precision reductions off "
            "((False, False))."
        )
    return (allowed, split_k)


matmul = _Matmul()

# Which fused attention kernels PyTorch may pick; arraygrad has only the math one.
_attention = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def _enable(kind: str, enabled: Any) -> None:
    _check_bool(enabled, f"set_sdp_use_{kind}")
    _attention[kind] = enabled


def enable_flash_sdp(enabled: bool) -> None:
    """Allow (or not) the flash attention kernel; kept for :func:`flash_sdp_enabled`."""
    _enable("flash", enabled)


def flash_sdp_enabled() -> bool:
    """What :func:`enable_flash_sdp` last set (default True)."""
    return _attention["flash"]


def enable_mem_efficient_sdp(enabled: bool) -> None:
    """Allow (or not) the memory-efficient attention kernel; kept for reading back."""
    _enable("mem_efficient", enabled)


def mem_efficient_sdp_enabled() -> bool:
    """What :func:`enable_mem_efficient_sdp` last set (default True)."""
    return _attention["mem_efficient"]


def enable_math_sdp(enabled: bool) -> None:
    """Allow (or not) the math attention kernel, the one arraygrad computes with either way."""
    _enable("math", enabled)


def math_sdp_enabled() -> bool:
    """What :func:`enable_math_sdp` last set (default True)."""
    return _attention["math"]


def enable_cudnn_sdp(enabled: bool) -> None:
    """Allow (or not) cuDNN's attention kernel; kept for :func:`cudnn_sdp_enabled`."""
    _enable("cudnn", enabled)


def cudnn_sdp_enabled() -> bool:
    """What :func:`enable_cudnn_sdp` last set (default True)."""
    return _attention["cudnn"]
