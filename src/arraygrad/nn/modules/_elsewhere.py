"""Names a layer module offers under PyTorch's import path but defines in another module that
imports it (``conv`` offers the lazy convolutions of ``lazy``, which builds on ``conv``): read
on first use through the module's ``__getattr__``, as a plain import would be circular."""

from __future__ import annotations

import importlib
from typing import Any


def defined_elsewhere(module: str, name: str, sources: dict[str, str]) -> Any:
    """``name`` of ``module`` (for its ``__getattr__``), found in the sibling module
    ``sources[name]`` of ``arraygrad.nn.modules``; AttributeError for any other name."""
    if name in sources:
        return getattr(importlib.import_module(f"arraygrad.nn.modules.{sources[name]}"), name)
    raise AttributeError(f"module {module!r} has no attribute {name!r}")
