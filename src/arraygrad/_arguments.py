"""PyTorch's TypeError for an argument that is not a tensor where a function takes only
tensors, as its argument parsing words it: ``maximum(): argument 'other' (position 2) must be
Tensor, not float``; and for a tensor where it takes a bool, a number, an int or a string
(``linalg_svd(): argument 'full_matrices' (position 2) must be bool, not Tensor``). One place
for the words, used by every function that checks."""

from __future__ import annotations

import numbers
import operator
from typing import Any

from arraygrad import _dtype
from arraygrad._size import type_name
from arraygrad._tensor import Tensor

__all__ = [
    "bool_argument",
    "index_argument",
    "int_argument",
    "int_list_argument",
    "not_tensor_error",
    "number_argument",
    "require_tensor",
    "str_argument",
    "symint_argument",
    "where_operand_missing",
]


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


def where_out_operands(condition: Any, input: Any, other: Any) -> None:
    """PyTorch's TypeError for ``where(condition, input, other, out=...)`` given a number or
    a list: that form has no overload for numbers, each operand must be a tensor (without
    ``out``, a number beside a tensor is taken)."""
    operands = {"condition": condition, "input": input, "other": other}
    for position, (name, value) in enumerate(operands.items(), 1):
        if not isinstance(value, Tensor):
            fix = f"pass {name} as a tensor (arraygrad.tensor(...)), or drop out=."
            raise not_tensor_error("where", value, name=name, position=position, fix=fix)


def _tensor_given(op: str, name: str, position: int | None, kind: str, fix: str) -> TypeError:
    where = f"argument '{name}'" + ("" if position is None else f" (position {position})")
    head = f"{op}(): " if op else ""  # (no op: a helper shared by several, e.g. nn's ntuple)
    return TypeError(f"{head}{where} must be {kind}, not Tensor. Fix: {fix}")


def bool_argument(op: str, name: str, value: Any, position: int | None = None) -> Any:
    """``value``, given to ``op`` for its bool argument ``name``: PyTorch's parser refuses a
    tensor there (even a 0-d bool one), where ``if value:`` would read one element or raise
    about an ambiguous truth value."""
    if isinstance(value, Tensor):
        fix = f"pass True or False (bool({name}) of a one-element tensor)."
        raise _tensor_given(op, name, position, "bool", fix)
    return value


def number_argument(
    op: str, name: str, value: Any, position: int | None = None, kind: str = "Number"
) -> Any:
    """``value``, given to ``op`` for its number argument ``name`` (``kind`` as PyTorch names
    it): a 0-d tensor that does not require grad is read as its number, as PyTorch's parser
    reads it (for a ``"float"``, a complex one as its real part, an overflow error where its
    imaginary part is not 0); any other tensor is its TypeError."""
    if isinstance(value, Tensor):
        if value.ndim != 0 or value.requires_grad:
            fix = f"pass a number, e.g. {name}.item() of a one-element tensor."
            raise _tensor_given(op, name, position, kind, fix)
        number = value.item()
        return _dtype.checked_scalar(number, _dtype.float64) if kind == "float" else number
    return value


def index_argument(op: str, name: str, position: int, value: Any, fix: str | None = None) -> int:
    """``value``, given to ``op`` for its int argument ``name`` (at ``position``), as an int:
    PyTorch's parser takes an int or an object with ``__index__`` (a NumPy integer), never a
    bool or a float (its TypeError, with ``fix`` after it)."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        message = f"{op}(): argument '{name}' (position {position}) must be int, not "
        message += type_name(value)
        raise TypeError(message if fix is None else f"{message}. Fix: {fix}")
    return operator.index(value)


def int_argument(op: str, name: str, value: Any, position: int | None = None) -> Any:
    """``value``, given to ``op`` for its int argument ``name``: a 0-d integer tensor is read
    as its int, as PyTorch's parser reads it; any other tensor is its TypeError."""
    if isinstance(value, Tensor):
        dtype = value.dtype
        if value.ndim != 0 or dtype.is_floating_point or dtype.is_complex or dtype.name == "bool":
            raise _tensor_given(op, name, position, "int", f"pass an int, e.g. int({name}).")
        return int(value.item())
    return value


def str_argument(op: str, name: str, value: Any, position: int | None = None) -> Any:
    """``value``, given to ``op`` for its string argument ``name``: a tensor is PyTorch's
    TypeError."""
    if isinstance(value, Tensor):
        raise _tensor_given(op, name, position, "str", "pass the name as a string.")
    return value


def int_sequence_argument(op: str, name: str, value: Any, position: int | None = None) -> Any:
    """``value``, given to ``op`` for its argument ``name`` of any number of ints (PyTorch's
    ``int[]``, such as ``unflatten``'s sizes): PyTorch's parser refuses a tensor there, even a
    one-element one (which an ``int[N]`` reads, :func:`int_list_argument`).

    >>> import arraygrad
    >>> int_sequence_argument("unflatten", "sizes", arraygrad.tensor([2, 2]), 3)
    Traceback (most recent call last):
      ...
    TypeError: unflatten(): argument 'sizes' (position 3) must be tuple of ints, not Tensor. \
Fix: pass sizes.tolist().
    """
    if isinstance(value, Tensor):
        raise _tensor_given(op, name, position, "tuple of ints", f"pass {name}.tolist().")
    if isinstance(value, list | tuple):
        return tuple(_int_element(op, name, position, i, v) for i, v in enumerate(value))
    return value


def _int_element(op: str, name: str, position: int | None, index: int, value: Any) -> Any:
    """Element ``index`` of an ``int[]`` argument as PyTorch's parser reads it: an int (a bool
    after the first), a one-element integer tensor's int (a bool one trips its internal
    assert); anything else its TypeError, worded by whether it is the first element."""
    if isinstance(value, numbers.Integral) and not (index == 0 and isinstance(value, bool)):
        return int(value)
    if isinstance(value, Tensor) and _one_integer(value):
        if value.dtype is _dtype.bool_:
            raise RuntimeError(
                "Expected scalar.isIntegral( false) to be true, but got false.  (Could this "
                "error message be improved?  If so, please report an enhancement request to "
                f"PyTorch.) ({op}(): element {index} of '{name}' is a bool tensor.) Fix: pass "
                "ints, e.g. int(t)."
            )
        return int(value.item())
    kind = type(value).__name__
    if index == 0:
        where = f"argument '{name}'" + ("" if position is None else f" (position {position})")
        raise TypeError(
            f"{op}(): {where} must be tuple of ints, but found element of type {kind} at pos 0"
            f". Fix: pass ints, e.g. int(t) of a one-element tensor."
        )
    raise TypeError(
        f"{op}(): argument '{name}' failed to unpack the object at pos {index + 1} with error "
        f'"type must be tuple of ints,but got {kind}". Fix: pass ints, e.g. int(t) of a '
        "one-element tensor."
    )


def _one_integer(value: Tensor) -> bool:
    """Whether PyTorch's parser reads ``value`` as a SymInt: one element (of any shape) of an
    integer or bool dtype."""
    dtype = value.dtype
    return value.numel() == 1 and not (dtype.is_floating_point or dtype.is_complex)


def symint_argument(op: str, name: str, value: Any, position: int | None = None) -> Any:
    """``value``, given to ``op`` for its SymInt argument ``name``: a one-element integer tensor
    of any shape is read as its int, as PyTorch's parser reads it; a bool one fails PyTorch's
    internal assert (a RuntimeError); any other tensor is its TypeError.

    >>> import arraygrad
    >>> symint_argument("unsafe_split", "split_size", arraygrad.tensor([2]))
    2
    """
    if not isinstance(value, Tensor):
        return value
    if not _one_integer(value):
        raise _tensor_given(op, name, position, "int", f"pass an int, e.g. int({name}).")
    if value.dtype is _dtype.bool_:
        raise RuntimeError(
            f"{op}(): argument '{name}' is a bool tensor, which PyTorch's parser fails to read "
            f"as an int (scalar.isIntegral(false) INTERNAL ASSERT FAILED). Fix: pass an int, "
            f"e.g. int({name})."
        )
    return int(value.item())


def int_list_argument(op: str, name: str, value: Any, position: int | None = None) -> Any:
    """``value``, given to ``op`` for its argument ``name`` of a fixed number of ints
    (PyTorch's ``int[N]``, which also takes one int for all N): a one-element integer or bool
    tensor of any shape is read as that one int, as PyTorch's parser reads it; any other
    tensor is its TypeError. Sequences are left to the caller.

    >>> import arraygrad
    >>> int_list_argument("roll", "shifts", arraygrad.tensor(True))
    1
    """
    if not isinstance(value, Tensor):
        return value
    if not _one_integer(value):
        fix = f"pass ints, e.g. {name}.tolist() (one int stands for all)."
        raise _tensor_given(op, name, position, "tuple of ints", fix)
    return int(value.item())
