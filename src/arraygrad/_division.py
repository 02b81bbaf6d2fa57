"""PyTorch's divisions: true division (``/``, ``div``, ``true_divide``), the rounded ones
(``rounding_mode="floor"`` and ``"trunc"``, ``//``, ``floor_divide``) and the remainders
(``remainder``, ``%``, ``fmod``), with PyTorch's promotion (integers divide to the default float
dtype), its errors (an integer division by zero) and its float16 cases (a number kept in float32,
a number past float16's range), on the element-wise machinery of :mod:`arraygrad._math`.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _backend, _dtype, _reduced_floats, ops
from arraygrad._elementwise_operands import (
    _broadcast_error,
    _cast,
    _is_numpy_real,
    _operands,
    _python_number,
    as_tensor,
)
from arraygrad._math import _FLOAT, binary
from arraygrad._out import written
from arraygrad._tensor import Tensor

__all__ = ["div", "divide", "floor_divide", "fmod", "remainder", "true_divide"]


def div(
    input: Any, other: Any, *, rounding_mode: str | None = None, out: Tensor | None = None
) -> Tensor:
    """``input / other``: true division, or rounded with ``rounding_mode``.

    ``None``: true division (integer operands give the default float dtype). ``"trunc"``: rounded
    toward 0 (C's integer division); ``"floor"``: rounded toward -inf (Python's ``//``). The
    rounded forms keep integer dtypes, raise on integer division by zero and have zero gradient,
    as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.div(arraygrad.tensor([-7, 7]), 2, rounding_mode="trunc")
    tensor([-3,  3])
    """
    if out is not None:
        return written("div", out, div, input, other, rounding_mode=rounding_mode)
    if rounding_mode is not None:
        return _rounded_div(input, other, rounding_mode)
    # The common case, a float tensor divided by a Python number or a tensor of its own dtype,
    # needs no promotion: straight to the primitive.
    if input.__class__ is Tensor and _dtype.from_xp(input._data.dtype).category == _FLOAT:
        kind = other.__class__
        if (
            kind is float
            or kind is int
            or (kind is Tensor and other._data.dtype == input._data.dtype)
        ):
            return binary(ops.divide, input, other)
    if _is_numpy_real(other) or _is_numpy_real(input):
        # A NumPy scalar divides as the Python number it holds, as in PyTorch (see binary).
        return div(_python_number(input), _python_number(other))
    if other.__class__ is Tensor and input.__class__ is Tensor and other._data.ndim == 0:
        if (scaled := _reduced_floats.scaled(ops.divide, input, other)) is not None:
            return scaled  # a float16 tensor / a 0-d float32 one: in float32, as PyTorch
        # (a float16 tensor / a 0-d 2**40)
        widened = _reduced_floats.half_in_float32(ops.divide, input, other)
        if widened is not None:
            return widened
    a, b = _operands(input, other)
    target = _dtype.result_type(a, b)
    if target.category < _FLOAT:
        # Integers divide in the default float dtype, each operand converted straight to it
        # (through their common integer dtype, a 0-d uint8 200 beside int8 would wrap to -56).
        target = _dtype.get_default_dtype()
        a, b = _cast(as_tensor(input), target), _cast(other, target)
    return binary(ops.divide, a, b)


def reflected_div(number: Any, tensor: Tensor) -> Tensor:
    """``number / tensor``, the operator's reflected form, as PyTorch's operator computes it:
    ``tensor.reciprocal() * number`` (a ``MulBackward0`` node over a ``ReciprocalBackward0``),
    which rounds twice, so a quarter of float32 and float64 results differ in the last bit from
    ``torch.div(number, tensor)``. Beside a float16 tensor a number beyond float16's range
    stays in float32, as PyTorch carries an operator's number (``2**31 / x`` at x = inf is 0),
    where ``torch.div(2**31, x)`` rounds it to float16 first (nan there)."""
    from arraygrad._unary import reciprocal  # (_unary is built on this module's div)

    if _is_numpy_real(number):  # a NumPy scalar divides as the Python number it holds
        number = _python_number(number)
    if number.__class__ is bool:  # (multiplies as its int)
        number = int(number)
    kind = number.__class__
    if kind is float or kind is int or kind is complex:
        if _reduced_floats.is_reduced(tensor) and kind is not complex:
            # The reciprocal rounded to the tensor's float16 or bfloat16, then multiplied by
            # the number in float32.
            return _reduced_floats.scaled(ops.multiply, reciprocal(tensor), number)  # type: ignore[return-value]
        return binary(ops.multiply, reciprocal(tensor), number)
    return div(number, tensor)


def _check_integer_divisor(a: Any, b: Any, op: str, kernel: str) -> None:
    # NumPy quietly returns 0 for an integer division by zero; PyTorch raises.
    target = _dtype.result_type(a, b)
    if target.category == _FLOAT:
        return
    # (a refusal of the dtype comes after the shapes' own, as in torch)
    if target.is_complex:  # (before the zero check: PyTorch has no complex kernel at all)
        raise _broadcast_error(
            a,
            b,
            NotImplementedError(
                f"\"{kernel}\" not implemented for '{_dtype.torch_type_name(target)}': {op} is "
                "not defined for complex values. Fix: compute it on the real and imaginary parts "
                "(x.real, x.imag) or on abs(x)."
            ),
        )
    if target is _dtype.bool_:
        # PyTorch has no bool kernel for the rounded divisions and moduli (NumPy computes in
        # int8); ``kernel`` is the name its error gives.
        raise _broadcast_error(
            a,
            b,
            NotImplementedError(
                f"\"{kernel}\" not implemented for 'Bool'. Fix: convert the operands first, "
                "e.g. x.long(), or use logical operations for truth values."
            ),
        )
    divisor = b._data if isinstance(b, Tensor) else b
    if bool(_backend.xp.any(_backend.xp.asarray(divisor) == 0)):
        raise RuntimeError(
            f"ZeroDivisionError: integer division by zero in {op} (a {target.name} result). Fix: "
            "make the divisor non-zero, or divide floating-point tensors (x.float())."
        )


def _rounded_div(input: Any, other: Any, rounding_mode: str) -> Tensor:
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"{rounding_mode!r}"
        )
    a, b = _operands(input, other, wrap=True)
    _check_integer_divisor(
        a, b, f"div(rounding_mode={rounding_mode!r})", f"div_{rounding_mode}_cpu"
    )
    if rounding_mode == "floor":
        return binary(ops.floor_divide, a, b)
    if _dtype.result_type(a, b).category == _FLOAT:
        return binary(ops.trunc_divide, a, b)
    # Integer division toward 0: floor division, plus one where it rounded a negative inexact
    # quotient down. Integers are never differentiable, so this works on the raw arrays.
    xp = _backend.xp
    x = a._data if isinstance(a, Tensor) else a
    y = b._data if isinstance(b, Tensor) else b
    quotient = xp.floor_divide(x, y)
    inexact = xp.remainder(x, y) != 0
    negative = (xp.asarray(x) < 0) != (xp.asarray(y) < 0)
    return Tensor._wrap(_backend.ensure_array(xp.where(inexact & negative, quotient + 1, quotient)))


divide = div


def true_divide(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Alias of :func:`div` without rounding."""
    if out is not None:
        return written("true_divide", out, true_divide, input, other)
    return div(input, other)


def floor_divide(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input // other``, rounded toward -inf (Python's rule, not C's).

    Its gradient is zero (PyTorch raises instead: it implements no derivative).

    >>> import arraygrad
    >>> arraygrad.tensor([-7, 7]) // 2
    tensor([-4,  3])
    """
    if out is not None:
        return written("floor_divide", out, floor_divide, input, other)
    return _rounded_div(input, other, "floor")


def remainder(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Python's modulus ``input - floor(input / other) * other``: the result has the sign of
    ``other``.

    Gradients: 1 for ``input``, ``-floor_divide(input, other)`` for ``other``. A float divisor of
    0 gives ``nan``; an integer one raises ``RuntimeError`` (``ZeroDivisionError``).

    >>> import arraygrad
    >>> arraygrad.remainder(arraygrad.tensor([-7, 7]), 3)
    tensor([2, 1])
    """
    if out is not None:
        return written("remainder", out, remainder, input, other)
    a, b = _operands(input, other, wrap=True)
    _check_integer_divisor(a, b, "remainder", "remainder_cpu")
    return binary(ops.remainder, a, b)


def fmod(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """C's modulus ``input - trunc(input / other) * other``: the result has the sign of ``input``.

    Gradients: 1 for ``input``, ``-trunc(input / other)`` for ``other``. A float divisor of 0
    gives ``nan``; an integer one raises ``RuntimeError`` (``ZeroDivisionError``).

    >>> import arraygrad
    >>> arraygrad.fmod(arraygrad.tensor([-7, 7]), 3)
    tensor([-1,  1])
    """
    if out is not None:
        return written("fmod", out, fmod, input, other)
    a, b = _operands(input, other, wrap=True)
    _check_integer_divisor(a, b, "fmod", "fmod_cpu")
    return binary(ops.fmod, a, b)
