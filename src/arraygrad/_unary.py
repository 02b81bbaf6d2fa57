"""PyTorch's element-wise functions of one tensor: exponentials, logarithms, trigonometry,
special functions and rounding.

Floating functions (``exp2``, ``log1p``, ``erf``, ...) turn integer and bool tensors into the
default float dtype first, as PyTorch does; rounding functions keep integer tensors as they are.
The accurate ones are primitives (``expm1``, ``log1p``, ``erfinv``, ...); the others are short
compositions whose gradients come out right, including at the domain edges (``rsqrt`` at 0 gives
``-inf``, ``logit`` at 0 gives ``inf``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from arraygrad import _dtype, _reduced_floats, ops, return_types
from arraygrad._arguments import require_tensor
from arraygrad._division import div
from arraygrad._math import (
    _floating,
    abs,
    as_tensor,
    complex_unsupported,
    float_function,
    lt,
    mul,
    sin,
    sub,
    where,
)
from arraygrad._out import written, written_bool, written_each, written_same
from arraygrad._power import pow
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor, describe

__all__ = [
    "absolute",
    "acos",
    "acosh",
    "angle",
    "arccos",
    "arccosh",
    "arcsin",
    "arcsinh",
    "arctan",
    "arctanh",
    "asin",
    "asinh",
    "atan",
    "atanh",
    "ceil",
    "cosh",
    "deg2rad",
    "digamma",
    "erf",
    "erfc",
    "erfinv",
    "exp2",
    "expm1",
    "fix",
    "floor",
    "frac",
    "frexp",
    "lgamma",
    "log1p",
    "log2",
    "log10",
    "logit",
    "polygamma",
    "positive",
    "rad2deg",
    "reciprocal",
    "round",
    "rsqrt",
    "sgn",
    "sign",
    "signbit",
    "sinc",
    "sinh",
    "square",
    "tan",
    "trunc",
]

# Below this |pi x|, sinc is its Taylor series (see sinc): sum over k of (-a^2)^k / (2k + 1)!,
# highest power first.
_SINC_SERIES_BELOW = 0.5
_SINC_SERIES = tuple((-1) ** k / math.factorial(2 * k + 1) for k in range(7, -1, -1))


def require_tensors(tensors: Sequence[Any]) -> None:
    """PyTorch's TypeError for a non-tensor among the tensors passed as separate arguments
    (``broadcast_tensors``, ``cartesian_prod``, ``block_diag``, ...)."""
    for position, value in enumerate(tensors):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"expected Tensor as element {position} in argument 0, but got "
                f"{type(value).__name__}. Fix: pass tensors as separate arguments."
            )


def not_implemented(kernel: str, x: Tensor, fix: str) -> NotImplementedError:
    """PyTorch's error for an op called on a dtype it has no kernel for, with a fix."""
    return NotImplementedError(
        f"\"{kernel}\" not implemented for '{_dtype.torch_type_name(x.dtype)}': got a "
        f"{describe(x)}. Fix: {fix}"
    )


def exp2(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``2 ** input``.

    >>> import arraygrad
    >>> arraygrad.exp2(arraygrad.tensor([3.0]))
    tensor([8.])
    """
    if out is not None:
        return written("exp2", out, exp2, input)
    x = as_tensor(input)
    return labelled(pow(2.0, x if x.dtype.is_complex else _floating(x)), "Exp2Backward0")


def expm1(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``exp(input) - 1``, elementwise, accurate for small ``input`` (where ``exp(x) - 1`` cancels).

    Integer tensors are promoted to the default float dtype; the gradient is ``exp(input)``.

    >>> import arraygrad
    >>> arraygrad.expm1(arraygrad.tensor([1e-10]))
    tensor([1.0000e-10])
    >>> arraygrad.exp(arraygrad.tensor([1e-10])) - 1
    tensor([0.])
    """
    if out is not None:
        return written("expm1", out, expm1, input)
    return float_function(ops.expm1, input)


def log1p(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``log(1 + input)``, elementwise, accurate for small ``input``: ``-inf`` at -1, ``nan`` below.

    Integer tensors are promoted to the default float dtype; the gradient is ``1 / (1 + input)``.

    >>> import arraygrad
    >>> arraygrad.log1p(arraygrad.tensor([1e-10, -1.0]))
    tensor([1.0000e-10,       -inf])
    """
    if out is not None:
        return written("log1p", out, log1p, input)
    return float_function(ops.log1p, input)


def log2(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Base-2 logarithm ``log2(input)``, elementwise: exact at powers of two, ``-inf`` at 0, ``nan``
    below; integer tensors are promoted to the default float dtype.

    >>> import arraygrad
    >>> arraygrad.log2(arraygrad.tensor([8.0, 0.5, 0.0, -1.0]))
    tensor([ 3., -1., -inf, nan])
    """
    if out is not None:
        return written("log2", out, log2, input)
    return float_function(ops.log2, input)


def log10(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Base-10 logarithm ``log10(input)``, elementwise: ``-inf`` at 0, ``nan`` below.

    Integer tensors are promoted to the default float dtype; the gradient is
    ``1 / (input * ln 10)``.

    >>> import arraygrad
    >>> arraygrad.log10(arraygrad.tensor([1, 10]))
    tensor([0., 1.])
    """
    if out is not None:
        return written("log10", out, log10, input)
    return float_function(ops.log10, input)


def reciprocal(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``1 / input``, elementwise: ``+-inf`` at ``+-0``, gradient ``-1 / input**2``.

    Integer tensors give the default float dtype.

    >>> import arraygrad
    >>> arraygrad.reciprocal(arraygrad.tensor([2, 0, -4]))
    tensor([ 0.5000,     inf, -0.2500])
    """
    if out is not None:
        return written("reciprocal", out, reciprocal, input)
    if isinstance(input, Tensor) and input.dtype.is_complex:
        return ops.complex_ops.reciprocal(input)
    return labelled(div(1.0, _floating(input)), "ReciprocalBackward0")


def rsqrt(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``1 / sqrt(input)``, elementwise: ``inf`` at 0, with gradient ``-inf`` there, as in PyTorch;
    ``nan`` below 0. Integer tensors are promoted to the default float dtype.

    >>> import arraygrad
    >>> x = arraygrad.tensor([4.0, 0.0], requires_grad=True)
    >>> arraygrad.rsqrt(x).sum().backward()
    >>> x.grad
    tensor([-0.0625,    -inf])
    """
    if out is not None:
        return written("rsqrt", out, rsqrt, input)
    if _reduced_floats.is_reduced(input):  # PyTorch's one kernel: in float32, rounded once
        result = _reduced_floats.in_float32(rsqrt, input)
    else:
        result = div(1.0, float_function(ops.sqrt, input))
    return labelled(result, "RsqrtBackward0")


def square(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``input * input``, elementwise; integer tensors stay integer and bool tensors become int64.

    The gradient is ``2 * input``.

    >>> import arraygrad
    >>> arraygrad.square(arraygrad.tensor([2, -3]))
    tensor([4, 9])
    """
    if out is not None:
        return written("square", out, square, input)
    return pow(input, 2)


def tan(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Tangent ``sin(input) / cos(input)`` (radians), elementwise; the gradient is
    ``1 + tan(input)**2``. Integer tensors are promoted to the default float dtype.

    >>> import arraygrad
    >>> x = arraygrad.tensor([0.0, 0.7853982], requires_grad=True)
    >>> arraygrad.tan(x).sum().backward()
    >>> x.grad
    tensor([1., 2.])
    """
    if out is not None:
        return written("tan", out, tan, input)
    return float_function(ops.tan, input)


def asin(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Inverse sine ``arcsin(input)``, elementwise, in ``[-pi/2, pi/2]``; nan outside ``[-1, 1]``.

    The gradient ``1 / sqrt(1 - input**2)`` is ``inf`` at ``+-1``. Integer tensors are promoted to
    the default float dtype.

    >>> import arraygrad
    >>> arraygrad.asin(arraygrad.tensor([0.0, 1.0, 2.0]))
    tensor([0.0000, 1.5708,    nan])
    """
    if out is not None:
        return written("asin", out, asin, input)
    return float_function(ops.asin, input)


def acos(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Inverse cosine ``arccos(input)``, elementwise, in ``[0, pi]``; ``nan`` outside ``[-1, 1]``.

    The gradient ``-1 / sqrt(1 - input**2)`` is ``-inf`` at ``+-1``. Integer tensors are promoted
    to the default float dtype.

    >>> import arraygrad
    >>> arraygrad.acos(arraygrad.tensor([1.0, 0.0, -1.0, 2.0]))
    tensor([0.0000, 1.5708, 3.1416,    nan])
    """
    if out is not None:
        return written("acos", out, acos, input)
    return float_function(ops.acos, input)


def atan(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Inverse tangent ``arctan(input)``, elementwise, in ``[-pi/2, pi/2]`` (the ends at ``+-inf``).

    The gradient is ``1 / (1 + input**2)``; integer tensors are promoted to the default float dtype.

    >>> import arraygrad
    >>> x = arraygrad.tensor([0.0, 1.0], requires_grad=True)
    >>> arraygrad.atan(x).sum().backward()
    >>> x.grad
    tensor([1.0000, 0.5000])
    """
    if out is not None:
        return written("atan", out, atan, input)
    return float_function(ops.atan, input)


def sinh(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Hyperbolic sine ``(e**x - e**-x) / 2``, elementwise; ``+-inf`` once it overflows.

    The gradient is ``cosh(input)``; integer tensors are promoted to the default float dtype.

    >>> import arraygrad
    >>> arraygrad.sinh(arraygrad.tensor([0.0, 1.0]))
    tensor([0.0000, 1.1752])
    """
    if out is not None:
        return written("sinh", out, sinh, input)
    return float_function(ops.sinh, input)


def cosh(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Hyperbolic cosine ``(e**x + e**-x) / 2``, elementwise; ``inf`` once it overflows.

    The gradient is ``sinh(input)``; integer tensors are promoted to the default float dtype.

    >>> import arraygrad
    >>> arraygrad.cosh(arraygrad.tensor([0.0, 1.0]))
    tensor([1.0000, 1.5431])
    """
    if out is not None:
        return written("cosh", out, cosh, input)
    return float_function(ops.cosh, input)


def asinh(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Inverse hyperbolic sine ``log(x + sqrt(x**2 + 1))``, elementwise, defined everywhere.

    The gradient is ``1 / sqrt(1 + input**2)``; integer tensors are promoted to the default float
    dtype.

    >>> import arraygrad
    >>> arraygrad.asinh(arraygrad.tensor([0.0, 1.0]))
    tensor([0.0000, 0.8814])
    """
    if out is not None:
        return written("asinh", out, asinh, input)
    return float_function(ops.asinh, input)


def acosh(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Inverse hyperbolic cosine ``log(x + sqrt(x**2 - 1))``, elementwise: ``nan`` below 1.

    The gradient ``1 / sqrt(input**2 - 1)`` is ``inf`` at 1. Integer tensors are promoted to the
    default float dtype.

    >>> import arraygrad
    >>> arraygrad.acosh(arraygrad.tensor([1.0, 2.0, 0.5]))
    tensor([0.0000, 1.3170,    nan])
    """
    if out is not None:
        return written("acosh", out, acosh, input)
    return float_function(ops.acosh, input)


def atanh(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Inverse hyperbolic tangent ``log((1 + x) / (1 - x)) / 2``, elementwise: ``+-inf`` at ``+-1``,
    ``nan`` outside ``[-1, 1]``.

    The gradient is ``1 / (1 - input**2)`` (``inf`` at ``+-1``); integer tensors are promoted to
    the default float dtype.

    >>> import arraygrad
    >>> arraygrad.atanh(arraygrad.tensor([0.0, 1.0, -1.0, 2.0]))
    tensor([0., inf, -inf, nan])
    """
    if out is not None:
        return written("atanh", out, atanh, input)
    return float_function(ops.atanh, input)


arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh


def logit(input: Tensor, eps: float | None = None, *, out: Tensor | None = None) -> Tensor:
    """``log(p / (1 - p))``, the inverse of :func:`sigmoid`.

    With ``eps``, ``p`` is first clamped into ``[eps, 1 - eps]`` (the gradient is 0 outside).
    Without it the gradient is ``inf`` at 0 and 1 and ``nan`` outside ``[0, 1]``, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.logit(arraygrad.tensor([0.5]))
    tensor([0.])
    """
    if out is not None:
        return written("logit", out, logit, input, eps)
    return ops.logit(_floating(input), eps=None if eps is None else float(eps))


def erf(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The error function ``2/sqrt(pi) * integral_0^x exp(-t^2) dt``, elementwise, in ``[-1, 1]``.

    The gradient is ``2/sqrt(pi) * exp(-input**2)``; integer tensors are promoted to the default
    float dtype.

    >>> import arraygrad
    >>> x = arraygrad.tensor([0.0, 1.0], requires_grad=True)
    >>> y = arraygrad.erf(x)
    >>> y
    tensor([0.0000, 0.8427], grad_fn=<ErfBackward0>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([1.1284, 0.4151])
    """
    if out is not None:
        return written("erf", out, erf, input)
    return ops.erf(_floating(input))


def erfc(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The complementary error function ``1 - erf(x)``, accurate where it is tiny (large x).

    >>> import arraygrad
    >>> arraygrad.erfc(arraygrad.tensor([0.0, 10.0], dtype=arraygrad.float64))
    tensor([1.0000e+00, 2.0885e-45], dtype=arraygrad.float64)
    """
    if out is not None:
        return written("erfc", out, erfc, input)
    return ops.erfc(_floating(input))


def sinc(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The normalised sinc ``sin(pi x) / (pi x)``, 1 at 0 (with gradient 0 there).

    >>> import arraygrad
    >>> arraygrad.sinc(arraygrad.tensor([0.0, 0.5]))
    tensor([1.0000, 0.6366])
    """
    if out is not None:
        return written("sinc", out, sinc, input)
    if _reduced_floats.is_reduced(input):  # PyTorch's one kernel: in float32, rounded once
        # (stepwise in float16, pi x rounds off pi: sinc(1) was 3e-4, not -0)
        return _reduced_floats.in_float32(sinc, input)  # type: ignore[no-any-return]
    if isinstance(input, Tensor) and input.dtype.is_complex:
        return _complex_sinc(input)
    angle = mul(_floating(input), math.pi)
    # Near 0 the quotient's derivative, cos(a)/a - sin(a)/a^2, is a difference of two large
    # terms whose digits cancel (x = 1e-10: 1.9e-7 instead of -3.3e-10; float32 loses 5 digits
    # by |a| = 0.1). There the Taylor series of sin(a)/a is used instead: eight terms, exact to
    # rounding for |a| < 0.5. Each branch is computed on a stand-in where where() discards it,
    # so that neither 0/0 nor a series of huge values turns a zero gradient into nan.
    near_zero = ops.abs(angle) < _SINC_SERIES_BELOW
    small = where(near_zero, angle, 0.0)
    square = mul(small, small)
    series = square * _SINC_SERIES[0] + _SINC_SERIES[1]
    for coefficient in _SINC_SERIES[2:]:
        series = series * square + coefficient
    large = where(near_zero, 1.0, angle)
    return where(near_zero, series, div(ops.sin(large), large))


def _complex_sinc(z: Tensor) -> Tensor:
    """sinc of a complex tensor as PyTorch's complex kernel: ``sin(pi z) / (pi z)`` and 1 where
    ``z == 0``, no series near 0, so values and gradients (the conjugated derivative
    ``(pi z cos(pi z) - sin(pi z)) / (pi z^2)``, 0 at 0) match its own. The quotient sees 1 in
    place of 0 so that the discarded branch's 0/0 cannot turn the zero gradient into nan."""
    at_zero = ops.equal(z.detach(), 0)
    angle = mul(where(at_zero, 1.0, z), math.pi)
    return where(at_zero, 1.0, div(sin(angle), angle))


def angle(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The angle of each element as a point of the complex plane: ``pi`` where it is negative
    (``-inf`` too), ``0`` where it is not (``-0.0`` too), ``nan`` for ``nan``. Integer and bool
    tensors give the default float dtype. Its gradient is zero, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.angle(arraygrad.tensor([-2.0, 0.0, 3.0]))
    tensor([3.1416, 0.0000, 0.0000])

    Of a complex tensor: the argument ``atan2(imag, real)``, a real tensor, differentiable.
    """
    if out is not None:
        return written("angle", out, angle, input)
    if isinstance(input, Tensor) and input.dtype.is_complex:
        return ops.complex_ops.angle(input)
    # Only from primitives with a zero gradient (sign, trunc), so that the gradient is zero
    # everywhere, nan included, and needs no rule of its own. From sign s: (s * s - s) is 2 for
    # s = -1, +0 for s = 0 (-0.0 too) and s = 1; halving pi before doubling keeps float16's pi.
    # sign(nan) is 0: trunc carries the nan through instead.
    x = _floating(input)
    s = ops.sign(x)
    return where(ops.isnan(x), ops.trunc(x), mul(sub(mul(s, s), s), math.pi / 2))


def deg2rad(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Degrees to radians, ``input * pi / 180``; integer tensors give the default float dtype.

    >>> import arraygrad
    >>> arraygrad.deg2rad(arraygrad.tensor([180, 90]))
    tensor([3.1416, 1.5708])
    """
    if out is not None:
        return written("deg2rad", out, deg2rad, input)
    return mul(_angle_units("deg2rad", input), math.pi / 180.0)


def rad2deg(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Radians to degrees, ``input * 180 / pi``; integer tensors give the default float dtype.

    >>> import arraygrad
    >>> arraygrad.rad2deg(arraygrad.tensor([3.1415927, 1.0]))
    tensor([180.0000,  57.2958])
    """
    if out is not None:
        return written("rad2deg", out, rad2deg, input)
    return mul(_angle_units("rad2deg", input), 180.0 / math.pi)


def _angle_units(op: str, input: Tensor) -> Tensor:
    """``input`` in a float dtype for ``op``; PyTorch's RuntimeError for a complex tensor,
    whose angle is not one number."""
    if isinstance(input, Tensor) and input.dtype.is_complex:
        raise RuntimeError(
            f"{op} is not supported for complex tensors: got a {describe(input)}. Fix: convert "
            "its argument instead (arraygrad.angle(z)) or the real and imaginary parts apart."
        )
    return _floating(input)


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


def positive(input: Tensor) -> Tensor:
    """``input`` itself (unary ``+``), the same object; a bool tensor raises ``RuntimeError``.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1, -2])
    >>> arraygrad.positive(x) is x
    True
    """
    if require_tensor("positive", "input", 1, input).dtype is _dtype.bool_:
        raise RuntimeError(
            "The `+` operator, on a bool tensor is not supported. Fix: use the tensor itself, or "
            "convert it first (x.long())."
        )
    return input


def erfinv(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse of :func:`erf`, elementwise: ``+-inf`` at ``+-1`` (with infinite gradient),
    ``nan`` outside ``[-1, 1]``.

    The gradient is ``sqrt(pi)/2 * exp(erfinv(input)**2)``; integer tensors are promoted to the
    default float dtype.

    >>> import arraygrad
    >>> arraygrad.erfinv(arraygrad.tensor([0.0, 0.5, 1.0, 2.0]))
    tensor([0.0000, 0.4769,    inf,    nan])
    """
    if out is not None:
        return written("erfinv", out, erfinv, input)
    return ops.erfinv(_floating(input))


def lgamma(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``log |Gamma(input)|``, elementwise; its derivative is :func:`digamma`.

    ``inf`` at 0 and the negative integers (the poles), where the gradient is ``-inf`` at 0 and
    ``nan`` at the negative integers, as in PyTorch. Integer tensors are promoted to the default
    float dtype.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, 3.0], requires_grad=True)
    >>> arraygrad.lgamma(x)
    tensor([0.0000, 0.6931], grad_fn=<LgammaBackward0>)
    >>> arraygrad.lgamma(x).sum().backward()
    >>> x.grad
    tensor([-0.5772,  0.9228])
    """
    if out is not None:
        return written("lgamma", out, lgamma, input)
    return ops.lgamma(_floating(input))


def digamma(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``d/dx log Gamma(x)``, elementwise (also ``special.psi``): ``-inf`` at 0, ``inf`` at -0.0,
    ``nan`` at the negative integers.

    Its gradient is ``polygamma(1, input)``; integer tensors are promoted to the default float
    dtype.

    >>> import arraygrad
    >>> arraygrad.digamma(arraygrad.tensor([1.0, 0.5, 0.0, -1.0]))
    tensor([-0.5772, -1.9635,    -inf,     nan])
    """
    if out is not None:
        return written("digamma", out, digamma, input)
    return ops.digamma(_floating(input))


def polygamma(n: int, input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The ``n``-th derivative of :func:`digamma`, elementwise (``polygamma(0, x) == digamma(x)``).

    A negative ``n`` raises ``RuntimeError``; integer tensors are promoted to the default float
    dtype.

    >>> import arraygrad
    >>> arraygrad.polygamma(1, arraygrad.tensor([1.0, 0.5]))
    tensor([1.6449, 4.9348])
    """
    if out is not None:
        return written("polygamma", out, polygamma, n, input)
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n: got n={n!r}.")
    x = _floating(input)
    return ops.digamma(x) if n == 0 else ops.polygamma(n, x)


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
    return sub(x, ops.trunc(x))


absolute = abs


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
