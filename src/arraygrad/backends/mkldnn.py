"""``arraygrad.backends.mkldnn``: PyTorch's oneDNN (MKL-DNN) switches. arraygrad does not use
oneDNN, so ``is_available()`` is False; ``enabled`` and ``deterministic`` hold what is set, with
PyTorch's defaults, and change nothing (NumPy's kernels are deterministic already).

>>> import arraygrad
>>> arraygrad.backends.mkldnn.is_available(), arraygrad.backends.mkldnn.enabled
(False, True)
"""

from __future__ import annotations

import sys
import types
from typing import Any

from arraygrad.backends._switches import switch

__all__ = ["is_available"]

_values: dict[str, Any] = {"enabled": True, "deterministic": False}


def is_available() -> bool:
    """False: arraygrad's CPU kernels are NumPy's, not oneDNN's."""
    return False


class _MkldnnModule(types.ModuleType):
    """This module, with flags that refuse non-bools as PyTorch's do."""

    enabled = switch(_values, "enabled", "set_enabled_mkldnn")
    deterministic = switch(_values, "deterministic", "set_deterministic_mkldnn")


sys.modules[__name__].__class__ = _MkldnnModule
