"""``arraygrad.backends.cudnn``: PyTorch's cuDNN switches. arraygrad never calls cuDNN (its
convolutions are its array library's matrix products), so ``is_available()`` is False and
``version()`` None; ``enabled``, ``benchmark``, ``deterministic`` and ``allow_tf32`` hold what
is set, with PyTorch's defaults, and change nothing: arraygrad's results are deterministic and
computed in full float32 already, and there are no algorithms to benchmark.

>>> import arraygrad.backends.cudnn as cudnn
>>> cudnn.benchmark = True
>>> cudnn.benchmark, cudnn.deterministic
(True, False)
>>> cudnn.benchmark = False
"""

from __future__ import annotations

import sys as _sys
import types as _types
from typing import TYPE_CHECKING

from arraygrad.backends._switches import switch as _switch

if TYPE_CHECKING:
    from typing import Any

__all__ = ["is_available", "version"]

_values: dict[str, Any] = {
    "enabled": True,
    "benchmark": False,
    "deterministic": False,
    "allow_tf32": True,
}


def is_available() -> bool:
    """False: arraygrad computes without cuDNN, on NumPy and on CuPy alike."""
    return False


def version() -> None:
    """cuDNN's version: ``None``, as PyTorch gives without cuDNN."""
    return None


class _CudnnModule(_types.ModuleType):
    """This module, with flags that refuse non-bools as PyTorch's do; other attributes are set
    as on any module (``benchmark_limit``)."""

    enabled = _switch(_values, "enabled", "set_enabled_cudnn")
    benchmark = _switch(_values, "benchmark", "set_benchmark_cudnn")
    deterministic = _switch(_values, "deterministic", "set_deterministic_cudnn")
    # PyTorch's message names cuBLAS here too
    allow_tf32 = _switch(_values, "allow_tf32", "set_allow_tf32_cublas")


benchmark_limit: int | None = None  # PyTorch's default without cuDNN

_sys.modules[__name__].__class__ = _CudnnModule
