"""PyTorch's TypeError for an argument that is not a tensor where a function takes only
tensors, as its argument parsing words it: ``maximum(): argument 'other' (position 2) must be
Tensor, not float``. One place for the words, used by every function that checks."""

from __future__ import annotations

from typing import Any

from arraygrad._size import type_name
from arraygrad._tensor import Tensor

__all__ = ["not_tensor_error", "require_tensor", "where_operand_missing"]


def not_tensor_error(
    op: str,
    value: Any,
    *,
    name: str | None = None,
    position: int | None = None,
    fix: str | None = None,
) -> TypeError:
    """The TypeError for ``value`` given to ``op`` as its argument ``name`` (at ``position``,
    where PyTorch's message gives it; a bare position where it names none), with ``fix``
    after it. The type is named as PyTorch prints it (``numpy.ndarray``, ``list``)."""
    if name is None:
        argument = f"argument {position}"
    elif position is None:
        argument = f"argument '{name}'"
    else:
        argument = f"argument '{name}' (position {position})"
    message = f"{op}(): {argument} must be Tensor, not {type_name(value)}"
    return TypeError(message if fix is None else f"{message}. Fix: {fix}")


def require_tensor(
    op: str,
    name: str,
    position: int,
    value: Any,
    fix: str = "wrap it, e.g. arraygrad.tensor(value).",
) -> Tensor:
    """``value``, or :func:`not_tensor_error` when it is not a tensor: functions such as
    maximum and positive take tensors only, not Python numbers."""
    if not isinstance(value, Tensor):
        raise not_tensor_error(op, value, name=name, position=position, fix=fix)
    return value


def where_operand_missing() -> TypeError:
    """PyTorch's TypeError for ``where`` given one of ``input`` and ``other``."""
    return TypeError(
        "where() received an invalid combination of arguments: got a condition and only one "
        "of input and other. Fix: pass both (where(condition, input, other)), or the condition "
        "alone for the indices where it holds."
    )
