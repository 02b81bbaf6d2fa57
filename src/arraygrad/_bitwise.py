"""Bitwise operations on bool and integer tensors: ``bitwise_left_shift``, ``bitwise_right_shift``
and the dtype-checked ``&``, ``|``, ``^``, ``~`` behind the Tensor methods of those names.

None of them is differentiable (PyTorch defines no gradient for integer results).
"""

from __future__ import annotations

from typing import Any

from arraygrad import _dtype, ops
from arraygrad._elementwise_operands import _broadcast_error, _wrapped
from arraygrad._math import _operands, as_tensor, binary, where
from arraygrad._out import written, written_same
from arraygrad._tensor import Tensor

__all__ = [
    "bitwise_and",
    "bitwise_left_shift",
    "bitwise_not",
    "bitwise_or",
    "bitwise_right_shift",
    "bitwise_xor",
]


def _promoted(input: Any, other: Any) -> tuple[Tensor, Tensor]:
    # PyTorch's promotion; a Python number left as is by it takes the tensor's dtype.
    a, b = _operands(input, other, wrap=True)
    if not isinstance(a, Tensor):
        a = as_tensor(a, dtype=b.dtype)
    if not isinstance(b, Tensor):
        b = as_tensor(b, dtype=a.dtype)
    return a, b


def _check_integral(name: str, *tensors: Tensor, bool_ok: bool = True) -> None:
    # PyTorch's kernels exist for bool (logical and/or/xor/not) and integer dtypes only.
    for t in tensors:
        d = t.dtype
        if d.category >= _dtype._FLOAT or (d is _dtype.bool_ and not bool_ok):  # complex too
            refusal = NotImplementedError(
                f"\"{name}_cpu\" not implemented for '{_dtype.torch_type_name(d)}'. Fix: bitwise "
                "operations take bool or integer tensors; convert with .long() or .bool(), or use "
                "logical_and/logical_or for truth values."
            )
            # (as torch, two operands' shapes that do not broadcast are refused first)
            raise _broadcast_error(*tensors, refusal) if len(tensors) == 2 else refusal


def bitwise_and(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input & other`` of bool or integer tensors (a float raises ``NotImplementedError``).

    >>> import arraygrad
    >>> arraygrad.bitwise_and(arraygrad.tensor([12, 10]), arraygrad.tensor([10, 6]))
    tensor([8, 2])
    """
    if out is not None:
        return written("bitwise_and", out, bitwise_and, input, other)
    a, b = _promoted(input, other)
    _check_integral("bitwise_and", a, b)
    return binary(ops.bitwise_and, a, b)


def bitwise_or(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input | other`` of bool or integer tensors (a float raises ``NotImplementedError``).

    >>> import arraygrad
    >>> arraygrad.bitwise_or(arraygrad.tensor([12, 10]), arraygrad.tensor([10, 6]))
    tensor([14, 14])
    """
    if out is not None:
        return written("bitwise_or", out, bitwise_or, input, other)
    a, b = _promoted(input, other)
    _check_integral("bitwise_or", a, b)
    return binary(ops.bitwise_or, a, b)


def bitwise_xor(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input ^ other`` of bool or integer tensors (a float raises ``NotImplementedError``).

    >>> import arraygrad
    >>> arraygrad.bitwise_xor(arraygrad.tensor([True, False]), arraygrad.tensor([True, True]))
    tensor([False,  True])
    """
    if out is not None:
        return written("bitwise_xor", out, bitwise_xor, input, other)
    a, b = _promoted(input, other)
    _check_integral("bitwise_xor", a, b)
    return binary(ops.bitwise_xor, a, b)


def bitwise_not(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``~input``: logical not of a bool tensor, two's-complement inversion ``-input - 1`` of a
    signed integer one (``255 - input`` for uint8); a float raises ``NotImplementedError``.

    >>> import arraygrad
    >>> arraygrad.bitwise_not(arraygrad.tensor([0, 5, -1]))
    tensor([-1, -6,  0])
    """
    if out is not None:
        return written_same("bitwise_not", out, bitwise_not, input)
    _check_integral("bitwise_not", input)
    return ops.bitwise_invert(input)


def _shift(name: str, input: Any, other: Any, left: bool) -> Tensor:
    if isinstance(input, Tensor) and other.__class__ is int and input.dtype is not _dtype.bool_:
        # A Python count keeps the tensor's dtype and may lie outside it (uint8 << -1).
        _check_integral("lshift" if left else "rshift", input, bool_ok=False)
        # PyTorch converts the count to the tensor's dtype first, wrapping around: an int8
        # tensor shifted by -2**40 is shifted by 0.
        other = _wrapped(other, input)
        bits = 8 * input.dtype.itemsize
        if 0 <= other < bits:
            return binary(_LEFT if left else _RIGHT, input, other)
        if left or not input.dtype.is_signed:
            return binary(ops.bitwise_and, input, 0)  # zeros of the tensor's dtype
        return binary(_RIGHT, input, bits - 1)  # the sign: 0 or -1
    a, b = _promoted(input, other)
    _check_integral("lshift" if left else "rshift", a, b, bool_ok=False)
    bits = 8 * a.dtype.itemsize
    # A shift by a negative count or by the width or more is undefined in C; PyTorch defines it
    # as a left shift giving 0 and a right shift giving the sign (0 or -1), as an arithmetic
    # shift by ``bits - 1`` does. The count is clipped first so the array library never sees it.
    out_of_range = (b < 0) | (b >= bits)
    count = where(out_of_range, as_tensor(0, dtype=b.dtype), b)
    if left:
        shifted = binary(_LEFT, a, count)
        return where(out_of_range, as_tensor(0, dtype=shifted.dtype), shifted)
    shifted = binary(_RIGHT, a, count)
    if a.dtype.is_signed:
        sign = binary(_RIGHT, a, as_tensor(bits - 1, dtype=b.dtype))  # 0 or -1
    else:
        sign = as_tensor(0, dtype=shifted.dtype)
    return where(out_of_range, sign, shifted)


def bitwise_left_shift(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input << other`` of integer tensors: ``input * 2**other`` wrapped to the dtype's width.

    A count below 0 or not below the width gives 0, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.bitwise_left_shift(arraygrad.tensor([1, -3]), 2)
    tensor([  4, -12])
    """
    if out is not None:
        return written("bitwise_left_shift", out, bitwise_left_shift, input, other)
    return _shift("bitwise_left_shift", input, other, left=True)


def bitwise_right_shift(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input >> other`` of integer tensors: ``floor(input / 2**other)`` (arithmetic shift).

    A count below 0 or not below the width gives the sign (0 or -1), as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.bitwise_right_shift(arraygrad.tensor([16, -3]), 2)
    tensor([ 4, -1])
    """
    if out is not None:
        return written("bitwise_right_shift", out, bitwise_right_shift, input, other)
    return _shift("bitwise_right_shift", input, other, left=False)


_LEFT = ops.bitwise_left_shift
_RIGHT = ops.bitwise_right_shift
