"""Module attributes that check what is assigned to them, as PyTorch's backend flags do
(``torch.backends.cudnn.benchmark = 1`` is a RuntimeError, not a truthy flag)."""

from __future__ import annotations

import builtins
from typing import Any


def check_bool(value: Any, setter: str) -> None:
    """Raise PyTorch's RuntimeError unless ``value`` is a bool (``setter`` names the switch in
    the message, as PyTorch's does)."""
    if value.__class__ is not builtins.bool:
        raise RuntimeError(f"{setter} expects a bool, but got {type(value).__name__}")


def switch(values: dict[str, Any], key: str, setter: str) -> property:
    """A property over ``values[key]`` taking only bools: a module's class gets these as its
    settable flags."""

    def read(_: object) -> Any:
        return values[key]

    def write(_: object, value: Any) -> None:
        check_bool(value, setter)
        values[key] = value

    return property(read, write, doc=f"A flag (default {values[key]!r}); set it to a bool.")
