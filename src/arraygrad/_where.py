"""``where(condition, input, other)``: ``input`` where ``condition`` holds, else ``other``,
with PyTorch's checks of the condition (bool, or uint8 with a deprecation warning) and of
Python numbers beside a tensor; ``where(condition)`` alone is ``nonzero(condition,
as_tuple=True)``. Re-exported by :mod:`arraygrad._math`, beside the other elementwise
functions.
"""

from __future__ import annotations

import warnings
from typing import Any, overload

from arraygrad import _dtype, _reduced_floats, ops
from arraygrad._arguments import where_operand_missing, where_out_operands
from arraygrad._elementwise_operands import _fitting, _operands, as_tensor, broadcast_error_of
from arraygrad._out import written_same
from arraygrad._tensor import Tensor

__all__ = ["where"]


# where's input and other when not given: where(condition) is nonzero(condition, as_tuple=True)
_CONDITION_ONLY: Any = object()


@overload
def where(condition: Any) -> tuple[Tensor, ...]: ...


@overload
def where(condition: Any, input: Any, other: Any, *, out: Tensor | None = None) -> Tensor: ...


def where(
    condition: Any,
    input: Any = _CONDITION_ONLY,
    other: Any = _CONDITION_ONLY,
    *,
    out: Tensor | None = None,
) -> Any:
    """``input`` where ``condition`` holds, else ``other``; with ``condition`` alone, the
    indices where it is non-zero, one 1-D int64 tensor per dimension (``nonzero(condition,
    as_tuple=True)``).

    A Python int beside an integer tensor must fit that tensor's dtype (PyTorch's overflow
    error otherwise), since it is written into the result as it is.

    >>> import arraygrad
    >>> arraygrad.where(arraygrad.tensor([[0, 1], [2, 0]]))
    (tensor([0, 1]), tensor([1, 0]))
    """
    if out is not None:
        if input is _CONDITION_ONLY or other is _CONDITION_ONLY:
            raise TypeError(
                "where(): out= is taken by where(condition, input, other) only: where(condition) "
                "returns a tuple of index tensors. Fix: drop out=, or pass input and other."
            )
        where_out_operands(condition, input, other)
        return written_same("where", out, where, condition, input, other)
    if isinstance(input, Tensor):
        other = _where_number(other, input)
    elif isinstance(other, Tensor):
        input = _where_number(input, other)
    elif input is _CONDITION_ONLY or other is _CONDITION_ONLY:  # (never with a tensor operand)
        if input is not other:
            raise where_operand_missing()
        from arraygrad._searching import where_condition_only  # (a module above this one)

        return where_condition_only(condition)
    a, b = _operands(input, other)
    mask = _condition(as_tensor(condition))
    try:
        if _reduced_floats.has_bfloat16(a, b):  # (NumPy makes bfloat16, Python float float64)
            return _reduced_floats.twin(ops.where)(mask, a, b)
        return ops.where(mask, a, b)
    except ValueError as error:  # shapes that do not broadcast: PyTorch's RuntimeError
        what = "where's condition, input and other"
        raise broadcast_error_of((mask, a, b), error, what) from None


def _condition(mask: Tensor) -> Tensor:
    """``where``'s condition checked as PyTorch checks it, before any broadcasting: bool, or
    uint8 with its deprecation warning (non-zero is true); any other dtype is refused."""
    dtype = mask.dtype
    if dtype is _dtype.bool_:
        return mask
    if dtype is _dtype.uint8:
        warnings.warn(
            "where received a uint8 condition tensor. This behavior is deprecated and will be "
            "removed in a future version of PyTorch. Use a boolean condition instead.",
            UserWarning,
            stacklevel=3,
        )
        return mask
    raise RuntimeError(
        "where expected condition to be a boolean tensor, but got a tensor with dtype "
        f"{_dtype.torch_type_name(dtype)}. Fix: pass a comparison (cond != 0) or cond.bool()."
    )


def _where_number(number: Any, tensor: Tensor) -> Any:
    """A Python number beside ``tensor`` in :func:`where`, checked as PyTorch converts it to
    the result: an int against an integer tensor's dtype (:func:`_fitting`, since it is written
    in as it is); a float against a float32 result (the dtype of a float32, integer or bool
    tensor beside a float, with the default dtype float32), where a finite number beyond
    float32's range is the overflow error (float16 and bfloat16 results take it as a float
    first: inf, unchecked; float16 rounds it to float32 before its own dtype, as PyTorch).
    Anything else as it is."""
    if number.__class__ is int:
        return _fitting(number, tensor)
    if number.__class__ is not float:
        if number is _CONDITION_ONLY:
            raise where_operand_missing()
        return number
    dtype = tensor.dtype
    if not (dtype.is_floating_point or dtype.is_complex):
        dtype = _dtype.get_default_dtype()
    if dtype is _dtype.float32:
        return _dtype.checked_scalar(number, dtype)
    if dtype is _dtype.float16 and -65504.0 <= number <= 65504.0:
        return _dtype.float16_operand(number)  # (through float32, as PyTorch)
    return number
