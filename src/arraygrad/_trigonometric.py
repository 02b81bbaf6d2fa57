"""PyTorch's trigonometric and hyperbolic functions of one tensor (radians), their inverses,
``sinc`` and the conversions between degrees and radians.

Integer and bool tensors become the default float dtype first, as in PyTorch. The inverse
functions are ``nan`` outside their domains, and their gradients are PyTorch's at the domain's
edges (``asin``'s is ``inf`` at +-1). ``sin`` and ``cos`` themselves are primitives in ``_math``.
"""

from __future__ import annotations

import math

from arraygrad import _reduced_floats, ops
from arraygrad._division import div
from arraygrad._math import (
    _floating,
    float_function,
    mul,
    sin,
    where,
)
from arraygrad._out import written
from arraygrad._tensor import Tensor, describe

__all__ = [
    "acos",
    "acosh",
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
    "cosh",
    "deg2rad",
    "rad2deg",
    "sinc",
    "sinh",
    "tan",
]


# Below this |pi x|, sinc is its Taylor series (see sinc): sum over k of (-a^2)^k / (2k + 1)!,
# highest power first.
_SINC_SERIES_BELOW = 0.5
_SINC_SERIES = tuple((-1) ** k / math.factorial(2 * k + 1) for k in range(7, -1, -1))


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
