"""``arraygrad.backends.mkldnn``: PyTorch's oneDNN (MKL-DNN) switches. arraygrad does not use
oneDNN, so ``is_available()`` is False; ``enabled`` and ``deterministic`` hold what is set, with
PyTorch's defaults, and change nothing (NumPy's kernels are deterministic already).

>>> import arraygrad
>>> arraygrad.backends.mkldnn.is_available(), arraygrad.backends.mkldnn.enabled
(False, True)
"""

from __future__ import annotations

import sys as _sys
import types as _types
from typing import TYPE_CHECKING

from arraygrad.backends._switches import switch as _switch

if TYPE_CHECKING:
    from typing import Any

__all__ = ["is_available"]

_values: dict[str, Any] = {"enabled": True, "deterministic": False}


def is_available() -> bool:
    """False: arraygrad's CPU kernels are NumPy's, not oneDNN's."""
    return False


class _MkldnnModule(_types.ModuleType):
    """This module, with flags that refuse non-bools as PyTorch's do."""

    enabled = _switch(_values, "enabled", "set_enabled_mkldnn")
    deterministic = _switch(_values, "deterministic", "set_deterministic_mkldnn")


_sys.modules[__name__].__class__ = _MkldnnModule
