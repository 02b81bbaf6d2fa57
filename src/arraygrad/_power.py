"""``arraygrad.pow`` (``input ** exponent``) with PyTorch's rules: a float tensor to a Python
number straight to the primitive, bool powers, integer tensors to negative powers refused, an
exponent a float16 base cannot hold refused, and its ``grad_fn`` overload names."""

from __future__ import annotations

import numbers
from typing import Any

from arraygrad import _backend, _dtype, _reduced_floats, ops
from arraygrad._elementwise_operands import _broadcast_error, _fitting, _scalar
from arraygrad._math import _COMPLEX, _FLOAT, _WIDE_FLOAT_IDS, as_tensor, binary
from arraygrad._out import written
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor, describe

__all__ = ["pow"]


def pow(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:
    """``input ** exponent``, elementwise with broadcasting; either may be a Python number.

    Integers stay integer (a negative integer exponent raises ``RuntimeError``); a float
    exponent makes them float. The derivative in the base is 0 where the exponent is 0; the
    derivative in the exponent is 0 where the base is 0 and the exponent non-negative
    (PyTorch's choices).

    >>> import arraygrad
    >>> arraygrad.pow(arraygrad.tensor([2, 3]), 2)
    tensor([4, 9])
    >>> arraygrad.pow(2, arraygrad.tensor([1.0, 0.5]))
    tensor([2.0000, 1.4142])
    """
    if out is not None:
        return written("pow", out, pow, input, exponent)
    if input.__class__ is Tensor and (exponent.__class__ is int or exponent.__class__ is float):
        # A float tensor to a Python number (``r ** 2``): no promotion, no broadcasting error
        # and no integer check can apply, so straight to the primitive. Only float16 cannot
        # hold every exponent, which PyTorch converts to the tensor's dtype, and an int past 64
        # bits is no exponent at all.
        if id(input._data.dtype) in _WIDE_FLOAT_IDS and (
            exponent.__class__ is float or -(2**63) <= exponent < 2**64
        ):
            return ops.pow.apply2(input, exponent)
        base_dtype = _dtype.from_xp(input._data.dtype)
        if base_dtype.category == _COMPLEX:
            return ops.complex_ops.pow.apply2(input, exponent)
        if base_dtype is _dtype.bfloat16:  # in float32, rounded once (NumPy: float32)
            return _reduced_floats.twin(ops.pow).apply2(input, exponent)
        if base_dtype.category == _FLOAT:
            if base_dtype is _dtype.float16 or (
                exponent.__class__ is int and not -(2**63) <= exponent < 2**64
            ):
                _checked_exponent(exponent, base_dtype)
            return ops.pow.apply2(input, exponent)
    if _is_bool(input) and _is_bool(exponent):
        if isinstance(input, Tensor) and exponent.__class__ is bool:
            # PyTorch's bool tensor to a Python bool stays bool: x ** True is x, x ** False
            # is all True, which is x | (not exponent).
            return binary(ops.bitwise_or, input, not exponent)
        refusal = NotImplementedError(
            "\"pow\" not implemented for 'Bool'. Fix: convert the base first, e.g. x.long() ** y."
        )
        raise _broadcast_error(input, exponent, refusal)  # (the shapes' error first, as torch)
    if isinstance(input, Tensor) and isinstance(exponent, numbers.Number):
        _checked_exponent(exponent, input.dtype)  # NumPy's scalars too
    if (
        isinstance(exponent, int)
        and exponent < 0
        and isinstance(input, Tensor)
        and input.dtype.category < _FLOAT
    ):
        raise RuntimeError(
            f"Integers to negative integer powers are not allowed: {describe(input)} ** "
            f"{exponent}. Fix: convert the base first, e.g. x.float() ** {exponent}."
        )
    if isinstance(input, Tensor) and exponent.__class__ is int:
        exponent = _fitting(exponent, input)  # int8 ** 200 overflows in PyTorch, no wrapping
    # PyTorch numbers pow's overloads in grad_fn: a number exponent is PowBackward0, a tensor
    # one PowBackward1 and a number base PowBackward2.
    if not isinstance(input, Tensor):  # 2 ** t: the base becomes a tensor so log(base) is typed
        target = _dtype.result_type(_scalar(input), exponent)
        input = as_tensor(_backend.asarray(_scalar(input)), target)
        return labelled(binary(ops.pow, input, exponent), "PowBackward2")
    result = binary(ops.pow, input, exponent)
    return labelled(result, "PowBackward1") if isinstance(exponent, Tensor) else result


def _is_bool(value: Any) -> bool:
    """Whether ``value`` is a Python bool or a bool tensor."""
    return value.__class__ is bool or (
        value.__class__ is Tensor and _dtype.from_xp(value._data.dtype) is _dtype.bool_
    )


def _checked_exponent(exponent: Any, base: _dtype.dtype) -> None:
    """PyTorch's errors for a number exponent: an int past 64 bits cannot be a Scalar at all,
    and a float16 base cannot hold a larger finite exponent (PyTorch converts it)."""
    if isinstance(exponent, numbers.Integral) and not -(2**63) <= int(exponent) < 2**64:
        raise OverflowError(
            f"int too big to convert: the exponent {exponent} has more than 64 bits"
        )
    if base is _dtype.float16 and not isinstance(exponent, bool):
        _dtype.checked_scalar(exponent, base)
