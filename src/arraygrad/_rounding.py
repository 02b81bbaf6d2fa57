"""PyTorch's rounding and sign functions: ``floor``, ``ceil``, ``trunc`` (``fix``), ``round``
(with ``decimals``), ``frac``, ``sign``, ``sgn``, ``signbit`` and ``frexp``.

Rounding keeps integer tensors as they are (no kernel rounds a bool, as in PyTorch). The
gradient of a rounding function is 0 wherever it is defined: PyTorch's choice at the jumps too.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _dtype, ops, return_types
from arraygrad._arguments import require_tensor
from arraygrad._comparison import lt
from arraygrad._math import as_tensor, complex_unsupported, mul, sub
from arraygrad._out import written_bool, written_each, written_same
from arraygrad._power import pow
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor, describe
from arraygrad._unary import not_implemented

__all__ = [
    "ceil",
    "fix",
    "floor",
    "frac",
    "frexp",
    "round",
    "sgn",
    "sign",
    "signbit",
    "trunc",
]


def signbit(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Whether each element's sign bit is set (True for -0.0 and negative numbers, also of
    integer tensors); not differentiable.

    >>> import arraygrad
    >>> arraygrad.signbit(arraygrad.tensor([-0.0, 0.0, -2.0]))
    tensor([ True, False,  True])
    """
    if out is not None:
        return written_bool("signbit", out, signbit, input)
    x = as_tensor(input)
    if not x.dtype.is_floating_point:
        return lt(x, 0)  # the standard's signbit takes floating arrays only
    return ops.signbit(x)


def sign(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """-1, 0 or 1 by the sign of each element (``sign(-0.0)`` and ``sign(nan)`` are 0); same dtype.

    Bool tensors are returned as a copy; complex tensors raise ``NotImplementedError`` (use
    :func:`sgn`). Its gradient is zero, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.sign(arraygrad.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """
    if out is not None:
        return written_same("sign", out, sign, input)
    x = as_tensor(input)
    if x.dtype is _dtype.bool_:
        return ops.clone(x)
    if x.dtype.is_complex:
        raise NotImplementedError(
            "Unlike NumPy, torch.sign is not intended to support complex numbers. Please use "
            "torch.sgn instead."
        )
    return ops.sign(x)


def sgn(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``input / |input|`` (0 at 0) for complex tensors, :func:`sign` for real ones.

    >>> import arraygrad
    >>> arraygrad.sgn(arraygrad.tensor([3 + 4j, 0j]))
    tensor([0.6000+0.8000j, 0.0000+0.0000j])
    """
    if out is not None:
        return written_same("sgn", out, sgn, input)
    x = as_tensor(input)
    if x.dtype.is_complex:
        return ops.complex_ops.sgn(x)
    return sign(x)


def _rounding(prim: Any, kernel: str, input: Tensor) -> Tensor:
    x = as_tensor(input)
    if x.dtype is _dtype.bool_:
        raise not_implemented(kernel, x, "convert the tensor first, e.g. x.long() or x.float().")
    if x.dtype.is_complex:
        raise complex_unsupported(kernel)
    if not x.dtype.is_floating_point:
        return ops.clone(x)  # integers are already whole
    return prim(x)


def floor(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The largest integer ``<= input``, elementwise, in the input's dtype; zero gradient.

    Integer tensors are returned unchanged (a copy); bool tensors raise ``NotImplementedError``.

    >>> import arraygrad
    >>> arraygrad.floor(arraygrad.tensor([-1.5, 1.5]))
    tensor([-2.,  1.])
    """
    if out is not None:
        return written_same("floor", out, floor, input)
    return _rounding(ops.floor, "floor_vml_cpu", input)


def ceil(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The smallest integer ``>= input``, elementwise, in the input's dtype; zero gradient.

    Integer tensors are returned unchanged (a copy); bool tensors raise ``NotImplementedError``.

    >>> import arraygrad
    >>> arraygrad.ceil(arraygrad.tensor([-1.5, 1.5]))
    tensor([-1.,  2.])
    """
    if out is not None:
        return written_same("ceil", out, ceil, input)
    return _rounding(ops.ceil, "ceil_vml_cpu", input)


def trunc(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The integer part, rounding toward 0, elementwise, in the input's dtype; zero gradient.

    Integer tensors are returned unchanged (a copy); bool tensors raise ``NotImplementedError``.

    >>> import arraygrad
    >>> arraygrad.trunc(arraygrad.tensor([-1.5, 1.5]))
    tensor([-1.,  1.])
    """
    if out is not None:
        return written_same("trunc", out, trunc, input)
    return _rounding(ops.trunc, "trunc_vml_cpu", input)


fix = trunc


def round(input: Tensor, *, decimals: int | None = None, out: Tensor | None = None) -> Tensor:
    """Round half to even, to ``decimals`` decimal places; zero gradient.

    As in PyTorch, integer tensors are returned unchanged without ``decimals`` and refused
    with it, even ``decimals=0`` (that form has no integer kernel).

    >>> import arraygrad
    >>> arraygrad.round(arraygrad.tensor([0.5, 1.5, 2.25]), decimals=0)
    tensor([0., 2., 2.])
    """
    if out is not None:
        return written_same("round", out, round, input, decimals=decimals)
    x = as_tensor(input)
    if decimals is None:
        return _rounding(ops.round, "round_vml_cpu", x)
    if not x.dtype.is_floating_point:
        kernel = "round_vml_cpu" if decimals == 0 else "round_cpu"
        raise not_implemented(kernel, x, "convert the tensor with .float() first.")
    if decimals == 0:
        return ops.round(x)
    return ops.round(x, decimals=int(decimals))


def frac(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The fractional part ``input - trunc(input)``, elementwise, with the sign of ``input``.

    Its gradient is 1; integer and bool tensors raise ``NotImplementedError``.

    >>> import arraygrad
    >>> arraygrad.frac(arraygrad.tensor([-1.5, 2.25]))
    tensor([-0.5000,  0.2500])
    """
    if out is not None:
        return written_same("frac", out, frac, input)
    x = as_tensor(input)
    if not x.dtype.is_floating_point:
        raise not_implemented("frac_cpu", x, "integers have no fractional part; use .float().")
    return labelled(sub(x, ops.trunc(x)), "FracBackward0")


def frexp(input: Tensor, *, out: tuple[Tensor, ...] | None = None) -> Any:
    """Split floats into ``(mantissa, exponent)`` with ``input = mantissa * 2**exponent``,
    ``0.5 <= |mantissa| < 1`` (0, inf and nan have exponent 0); exponents are int32.

    The mantissa's gradient is ``1 / 2**exponent``, as in PyTorch.

    >>> import arraygrad
    >>> mantissa, exponent = arraygrad.frexp(arraygrad.tensor([8.0, -3.0, 0.0]))
    >>> mantissa, exponent
    (tensor([ 0.5000, -0.7500,  0.0000]), tensor([4, 2, 0], dtype=arraygrad.int32))
    """
    if out is not None:
        return written_each("frexp", out, frexp, input)
    x = require_tensor("frexp", "input", 1, input)
    if not x.dtype.is_floating_point:
        raise RuntimeError(
            f"torch.frexp() only supports floating-point dtypes: got a {describe(x)}. Fix: "
            "convert it first (x.float() or x.double())."
        )
    exponent = ops.frexp_exponent(x)
    # mantissa = x / 2**e, as two exact scalings by powers of two: 2**e itself can overflow
    # (e = 1024 for float64's largest numbers) or 2**-e (subnormal x). Computed with ops, so
    # that arraygrad.compile replays it on new values.
    half = ops.floor_divide(exponent, 2)
    first = pow(2.0, ops.astype(ops.negative(half), x.dtype))
    second = pow(2.0, ops.astype(ops.subtract(half, exponent), x.dtype))
    mantissa = mul(mul(x, first), second)
    return return_types.frexp(mantissa, exponent)
