"""Element-wise primitives: each is one statement, its forward beside its VJP rules.

Rules follow PyTorch's derivative choices at kinks and domain edges; comments say which.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend, _dtype
from arraygrad._primitive import Primitive

add = Primitive(
    "add",
    forward=lambda xp, x, y: x + y,
    vjp=(lambda ns, g, out, x, y: g, lambda ns, g, out, x, y: g),
    reads_inputs=False,
)
subtract = Primitive(
    "sub",
    forward=lambda xp, x, y: x - y,
    vjp=(lambda ns, g, out, x, y: g, lambda ns, g, out, x, y: -g),
    reads_inputs=False,
)
multiply = Primitive(
    "mul",
    forward=lambda xp, x, y: x * y,
    vjp=(lambda ns, g, out, x, y: g * y, lambda ns, g, out, x, y: g * x),
    rule_reads=((1,), (0,)),
)
divide = Primitive(
    "div",
    forward=lambda xp, x, y: x / y,
    # d(x/y)/dy = -x/y^2, as PyTorch computes it: (x / y) / y, where y * y would overflow or
    # underflow long before the quotient does (x = y = 1e-170: -1e170, not -inf).
    vjp=(lambda ns, g, out, x, y: g / y, lambda ns, g, out, x, y: -g * (x / y / y)),
    rule_reads=((1,), (0, 1)),
)


def _pow_vjp_base(ns: Any, g: Any, out: Any, x: Any, y: Any) -> Any:
    # d(x**y)/dx = y * x**(y-1). PyTorch defines it as 0 where y == 0, also at x == 0 where the
    # formula would give 0 * inf = nan.
    if isinstance(y, (int, float)):
        if y == 0:
            return g * 0
        if y == 2:
            # The common square. 2g is exact, as 2x is: x * 2g has the bits of PyTorch's
            # 2x * g (but where one of the doublings overflows), and x ** 1 would be a pass for
            # nothing. Doubling g, not x: a loss's mean((...) ** 2) sends one value broadcast,
            # which arraygrad.compile doubles once (see _compile_passes._uniform_result), so
            # that a replay makes one pass over x where 2x * g makes two.
            return x * (g + g)
        return g * y * _number_power(ns, x, y - 1)
    return ns.where(y == 0, 0.0, g * y * x ** (y - 1))


# The Python-number exponents other than 2, -1 and 0.5 (which NumPy computes as x * x, 1 / x and
# sqrt(x) already) that PyTorch 2.13's pow kernel computes without calling pow: exactly x*x*x,
# 1/(x*x) and 1/sqrt(x) (checked against torch, -0, inf and nan included), also at least 30
# times faster than the C library's pow per element; on float32 and float64 arrays (float16:
# NumPy's pow).
_PRODUCT_POWERS = frozenset([3, -2, -0.5])


def _number_power(xp: Any, x: Any, y: Any) -> Any:
    """``x ** y`` for a Python-number ``y``, as PyTorch computes the powers it special-cases.
    Anything but a float32 or float64 array (a Tensor under ``create_graph``, whose ``**`` comes
    back to :func:`_power` through the primitive) takes ``**``."""
    if y in _PRODUCT_POWERS and _dtype.is_wide_float_native(getattr(x, "dtype", None)):
        return _product_power(xp, x, y)
    return x**y


def _product_power(xp: Any, x: Any, y: Any) -> Any:
    if y == 3:
        return x * x * x
    if y == -2:
        return 1 / (x * x)
    return 1 / xp.sqrt(x)  # y == -0.5


def _pow_vjp_exponent(ns: Any, g: Any, out: Any, x: Any, y: Any) -> Any:
    # d(x**y)/dy = x**y * log(x). PyTorch takes 0 where x == 0 and y >= 0 (the limit of
    # x**y * log(x) as x -> 0+), in its formula g * where(x == 0 & y >= 0, 0, out * log(x)):
    # log(0) = -inf stays in the discarded branch, so a second derivative there is nan
    # (0 * -inf), as PyTorch's is.
    at_zero = (x == 0) & (y >= 0)
    return g * ns.where(at_zero, 0.0, out * ns.log(x))


def _power(xp: Any, x: Any, y: Any) -> Any:
    if (
        (y.__class__ is int or y.__class__ is float)
        and y in _PRODUCT_POWERS
        and _dtype.is_wide_float_native(x.dtype)
    ):
        return _product_power(xp, x, y)
    try:
        out = x**y
    except ValueError:
        # NumPy refuses an integer array to negative integer powers; PyTorch computes them
        # (its Python-number exponents are refused before here, in _power.pow): 1 ** -n is 1,
        # (-1) ** -n is 1 or -1 by the parity of n, any other base gives 0 (0 ** -n too).
        negative = y < 0
        magnitude = x ** xp.where(negative, xp.zeros_like(y), y)
        odd = (y % 2) != 0
        one = xp.ones_like(magnitude)
        unit = xp.where((x == -1) & odd, -one, one) if bool(xp.any(x < 0)) else one
        inverse = xp.where((x == 1) | (x == -1), unit, xp.zeros_like(magnitude))
        return xp.where(negative, inverse, magnitude)
    if y.__class__ is float:
        # NumPy computes x ** 0.5 as sqrt(x), as PyTorch does for a Python 0.5, but for a
        # float16 base, which PyTorch raises to the power with pow: +inf at -inf and +0 at -0
        # (sqrt's nan and -0), as C's pow gives.
        if y == 0.5 and _backend.is_float16(x.dtype):
            out = xp.where((x == 0) | (x == -math.inf), xp.abs(x), out)
    elif (
        y.__class__ is not int
        and getattr(y, "size", 0) == 1
        and bool(xp.all(y == 0.5))
        and _backend.is_real_floating(x.dtype)
    ):
        # A one-element exponent array: NumPy takes sqrt where it is 0.5; PyTorch's tensor
        # exponent always takes pow (see above). Only -inf and -0 differ: pow gives |x| there.
        out = xp.where((x == 0) | (x == -math.inf), xp.abs(x), out)
    return out


pow = Primitive(
    "pow",
    forward=_power,
    vjp=(_pow_vjp_base, _pow_vjp_exponent),
    reads_output=True,
    rule_reads=((0, 1), (0, 1, "out")),  # only the exponent's rule reads out
    exact_scalars=True,  # the rule's y - 1 is computed in double precision, as PyTorch does
)
negative = Primitive(
    "neg",
    forward=lambda xp, x: -x,
    vjp=(lambda ns, g, out, x: -g,),
    reads_inputs=False,
)
# |x|' = sign(x): PyTorch's subgradient at 0 is 0, and at nan 0 too (the namespace's sign is
# PyTorch's, see _backend.extensions._sign).
abs = Primitive(
    "abs",
    forward=lambda xp, x: xp.abs(x),
    vjp=(lambda ns, g, out, x: g * ns.sign(x),),
)
exp = Primitive(
    "exp",
    forward=lambda xp, x: xp.exp(x),
    vjp=(lambda ns, g, out, x: g * out,),
    reads_inputs=False,
    reads_output=True,
)
# 1 / x with PyTorch's ReciprocalBackward0 rule, -g * out**2 (not divide's -g * 1 / x**2,
# which rounds differently).
reciprocal = Primitive(
    "reciprocal",
    forward=lambda xp, x: xp.divide(1.0, x),
    vjp=(lambda ns, g, out, x: -g * (out * out),),
    reads_inputs=False,
    reads_output=True,
)
log = Primitive(
    "log",
    forward=lambda xp, x: xp.log(x),
    vjp=(lambda ns, g, out, x: g / x,),
)
sqrt = Primitive(
    "sqrt",
    forward=lambda xp, x: xp.sqrt(x),
    vjp=(lambda ns, g, out, x: g / (2 * out),),
    reads_inputs=False,
    reads_output=True,
)
sin = Primitive(
    "sin",
    forward=lambda xp, x: xp.sin(x),
    vjp=(lambda ns, g, out, x: g * ns.cos(x),),
)
cos = Primitive(
    "cos",
    forward=lambda xp, x: xp.cos(x),
    vjp=(lambda ns, g, out, x: -g * ns.sin(x),),
)
tanh = Primitive(
    "tanh",
    forward=lambda xp, x: xp.tanh(x),
    vjp=(lambda ns, g, out, x: g * (1 - out * out),),
    reads_inputs=False,
    reads_output=True,
)


def _sigmoid(xp: Any, x: Any) -> Any:
    # PyTorch's own formula: exp(-x) overflows to inf below about -88 (float32) or -745, where
    # 1 / inf gives its 0, and 1 + exp(-x) never cancels, so the relative error stays a few
    # ulp everywhere. Four passes, no per-element branch: half the time of exp(-|x|) with
    # where(x >= 0, 1 / (1 + e), e / (1 + e)), and torch's bits about twice as often.
    return 1 / (1 + xp.exp(-x))


sigmoid = Primitive(
    "sigmoid",
    forward=_sigmoid,
    vjp=(lambda ns, g, out, x: g * out * (1 - out),),
    reads_inputs=False,
    reads_output=True,
)
# relu'(0) = 0 and relu'(nan) = 1, as in PyTorch: its threshold_backward zeroes the gradient
# where out <= 0, which nan is not.
relu = Primitive(
    "relu",
    # max(x, 0), nan kept as PyTorch keeps it (_backend/activations.py: on NumPy the clip
    # ufunc, three times faster than maximum beside a scalar, and -0.0 kept as in PyTorch).
    forward=lambda xp, x: xp.relu(x),
    vjp=(lambda ns, g, out, x: ns.relu_backward(g, out),),
    reads_inputs=False,
    reads_output=True,
)
# ReLU's VJP as a primitive of its own, PyTorch's threshold_backward: linear in g, with a zero
# derivative in the output it reads. So a second derivative of a ReLU network reaches its
# input (with zeros where nothing else depends on it) instead of being cut by the mask.
relu_backward = Primitive(
    "threshold_backward",
    forward=lambda xp, g, out: xp.relu_backward(g, out),
    vjp=(
        lambda ns, gg, result, g, out: ns.relu_backward(gg, out),
        lambda ns, gg, result, g, out: ns.zeros_like(out),
    ),
)
# clamp passes the gradient at the bounds themselves (min <= x <= max), as PyTorch does.
clip = Primitive(
    "clamp",
    forward=lambda xp, x, *, min, max: xp.clip(x, min, max),
    vjp=(
        lambda ns, g, out, x, *, min, max: ns.where(
            ((x >= min) if min is not None else True) & ((x <= max) if max is not None else True),
            g,
            0.0,
        ),
    ),
)
# clamp with tensor bounds, PyTorch's clamp_backward_min_max: x gets the gradient where
# min <= x <= max, min where x < min < max, max where x > max or max < min. So where min == max
# and x lies outside, neither bound gets it, and a NaN operand sends none to x; the value is
# NaN where any operand is (maximum and minimum propagate NaN, as PyTorch's clamp does).
clamp_tensor = Primitive(
    "clamp",
    forward=lambda xp, x, low, high: xp.minimum(xp.maximum(x, low), high),
    vjp=(
        lambda ns, g, out, x, low, high: ns.where((x >= low) & (x <= high), g, 0.0),
        lambda ns, g, out, x, low, high: ns.where((x < low) & (low < high), g, 0.0),
        lambda ns, g, out, x, low, high: ns.where((x > high) | (high < low), g, 0.0),
    ),
)
# clamp_min and clamp_max with a tensor bound: the bound gets the gradient where it is the result
# (x < min, x > max), x where it is (ties included).
clamp_min_tensor = Primitive(
    "clamp_min",
    forward=lambda xp, x, low: xp.maximum(x, low),
    vjp=(
        lambda ns, g, out, x, low: ns.where(x >= low, g, 0.0),
        lambda ns, g, out, x, low: ns.where(x < low, g, 0.0),
    ),
)
clamp_max_tensor = Primitive(
    "clamp_max",
    forward=lambda xp, x, high: xp.minimum(x, high),
    vjp=(
        lambda ns, g, out, x, high: ns.where(x <= high, g, 0.0),
        lambda ns, g, out, x, high: ns.where(x > high, g, 0.0),
    ),
)
where = Primitive(
    "where",
    forward=lambda xp, condition, x, y: xp.where(condition, x, y),
    vjp=(
        None,
        lambda ns, g, out, condition, x, y: ns.where(condition, g, 0.0),
        lambda ns, g, out, condition, x, y: ns.where(condition, 0.0, g),
    ),
    rule_reads=((), (0,), (0,)),  # the condition only
)
astype = Primitive(
    "to_copy",
    # (float64 to float16 or bfloat16 through float32, as PyTorch: _backend.convert). ``order``
    # (``Tensor.to(dtype, memory_format=...)``): the result laid out with its dims in memory
    # outermost first in that order, in the one step PyTorch's _to_copy takes.
    forward=lambda xp, x, *, dtype, order=None: (
        _backend.convert(x, dtype)
        if order is None
        else _backend.laid_out(_backend.convert(x, dtype), order)
    ),
    vjp=(lambda ns, g, out, x, *, dtype, order=None: ns.astype(g, x.dtype),),
    reads_inputs=False,
)
clone = Primitive(
    "clone",
    # ``order`` None (preserve_format): the copy is laid out as ``x`` is (C order where ``x``
    # is expanded); else with its dims in memory outermost first in that order (a memory
    # format's: contiguous_format, channels_last). Layouts change no value: the gradient is g.
    forward=lambda xp, x, *, order=None: (
        _backend.like_layout(xp.asarray(x, copy=True), x)
        if order is None
        else _backend.laid_out(x, order)
    ),
    vjp=(lambda ns, g, out, x, *, order=None: g,),
    reads_inputs=False,
)


def _zero_grad(ns: Any, g: Any, out: Any, *inputs: Any, **params: Any) -> Any:
    # PyTorch gives piecewise-constant ops a gradient of zeros (not "no gradient"): the output
    # requires grad and the inputs' .grad fill with zeros. zeros_like (not g * 0) keeps inf out.
    return ns.zeros_like(g)


# Not differentiable: its output never requires grad. Rules use it for zero gradients.
zeros_like = Primitive("zeros_like", forward=lambda xp, x: xp.zeros_like(x), vjp=None)


# Piecewise constant: zero gradient everywhere, as in PyTorch. PyTorch's values: 0 at nan (the
# namespace's sign is PyTorch's, see _backend.extensions._sign).
sign = Primitive("sign", forward=lambda xp, x: xp.sign(x), vjp=(_zero_grad,), reads_inputs=False)
floor = Primitive("floor", forward=lambda xp, x: xp.floor(x), vjp=(_zero_grad,), reads_inputs=False)
ceil = Primitive("ceil", forward=lambda xp, x: xp.ceil(x), vjp=(_zero_grad,), reads_inputs=False)
trunc = Primitive("trunc", forward=lambda xp, x: xp.trunc(x), vjp=(_zero_grad,), reads_inputs=False)


def _round(xp: Any, x: Any, *, decimals: int = 0) -> Any:
    # Half to even, like PyTorch; with decimals, PyTorch's own scaling (divide by 10**-d when d
    # is negative so that the scale stays an exact integer).
    if decimals == 0:
        return xp.round(x)
    if decimals > 0:
        scale = 10.0**decimals
        return xp.round(x * scale) / scale
    scale = 10.0**-decimals
    return xp.round(x / scale) * scale


round = Primitive("round", forward=_round, vjp=(_zero_grad,), reads_inputs=False)
# Floor division rounds toward -inf (Python's rule); its gradient is zero, as for PyTorch's
# div(rounding_mode="floor").
floor_divide = Primitive(
    "floor_divide",
    forward=lambda xp, x, y: xp.floor_divide(x, y),
    vjp=(_zero_grad, _zero_grad),
    reads_inputs=False,
)
# x / y rounded toward 0 (div with rounding_mode="trunc"): one primitive, so that its zero
# gradient is not trunc's zero times the quotient's infinite partials at y = 0 (nan).
trunc_divide = Primitive(
    "trunc_divide",
    forward=lambda xp, x, y: xp.trunc_divide(x, y),
    vjp=(_zero_grad, _zero_grad),
    reads_inputs=False,
)


def _maximum_vjp(ns: Any, g: Any, out: Any, x: Any, y: Any) -> Any:
    # Ties split the gradient evenly between the operands (PyTorch's choice).
    return ns.where(x == y, g / 2, ns.where(x < y, 0.0, g))


def _minimum_vjp(ns: Any, g: Any, out: Any, x: Any, y: Any) -> Any:
    return ns.where(x == y, g / 2, ns.where(x > y, 0.0, g))


maximum = Primitive(
    "maximum",
    forward=lambda xp, x, y: xp.maximum(x, y),
    vjp=(_maximum_vjp, lambda ns, g, out, x, y: _maximum_vjp(ns, g, out, y, x)),
)
minimum = Primitive(
    "minimum",
    forward=lambda xp, x, y: xp.minimum(x, y),
    vjp=(_minimum_vjp, lambda ns, g, out, x, y: _minimum_vjp(ns, g, out, y, x)),
)


def _atan2_recip(ns: Any, x: Any, y: Any) -> Any:
    # 1 / (x^2 + y^2), taken as 0 at the origin where PyTorch's gradient is 0 (not nan). As in
    # PyTorch, 1 / 0 is computed and then masked, so a second derivative there is nan, as
    # PyTorch's is (the masked branch's derivative is 0 * inf).
    r2 = x * x + y * y
    return ns.where(r2 == 0, 0.0, 1 / r2)


atan2 = Primitive(
    "atan2",
    forward=lambda xp, x, y: xp.atan2(x, y),
    vjp=(
        lambda ns, g, out, x, y: g * y * _atan2_recip(ns, x, y),
        lambda ns, g, out, x, y: g * -x * _atan2_recip(ns, x, y),
    ),
)
# hypot'(x) = x / hypot(x, y): nan at the origin, as in PyTorch.
hypot = Primitive(
    "hypot",
    forward=lambda xp, x, y: xp.hypot(x, y),
    vjp=(lambda ns, g, out, x, y: g * x / out, lambda ns, g, out, x, y: g * y / out),
    reads_output=True,
)
# copysign'(x) is PyTorch's out / x, taken as 0 at x == 0 (and nan at x = +-inf, inf / inf);
# 0 / 0 is computed and then masked, as PyTorch does, so a second derivative at 0 is its nan.
# y's gradient is 0. A primitive rather than the composite where(signbit(y), -abs(x), abs(x)):
# that one has the same values and gradients except at x = +-inf, where abs gives +-1, not
# PyTorch's nan.
copysign = Primitive(
    "copysign",
    forward=lambda xp, x, y: xp.copysign(x, y),
    vjp=(
        lambda ns, g, out, x, y: g * ns.where(x == 0, 0.0, out / x),
        lambda ns, g, out, x, y: ns.zeros_like(y),
    ),
    reads_output=True,
)
# PyTorch's derivative: the step to the neighbouring float is constant between floats (as in
# x + c), so d/dx is 1, but 0 where x == y (the result is y itself); y only picks the
# direction: d/dy is 0 everywhere (a zero gradient, not none), the tie included.
nextafter = Primitive(
    "nextafter",
    forward=lambda xp, x, y: xp.nextafter(x, y),
    vjp=(
        lambda ns, g, out, x, y: ns.where(x != y, g, 0.0),
        lambda ns, g, out, x, y: ns.zeros_like(y),
    ),
    rule_reads=((0, 1), ()),
)


def _fmod(xp: Any, x: Any, y: Any) -> Any:
    # C's fmod (the sign of the dividend). The Array API only has remainder (the sign of the
    # divisor); both are exact, and they differ by y exactly where their signs disagree.
    if hasattr(xp, "fmod"):
        return xp.fmod(x, y)
    r = xp.remainder(x, y)
    return xp.where((r != 0) & ((r < 0) != (x < 0)), r - y, r)


fmod = Primitive(
    "fmod",
    forward=_fmod,
    vjp=(
        lambda ns, g, out, x, y: g,
        lambda ns, g, out, x, y: -g * ns.trunc_divide(x, y),
    ),
)
remainder = Primitive(
    "remainder",
    forward=lambda xp, x, y: xp.remainder(x, y),
    vjp=(
        lambda ns, g, out, x, y: g,
        lambda ns, g, out, x, y: -g * ns.floor_divide(x, y),
    ),
)


def _xlogy_zero(ns: Any, x: Any, y: Any) -> Any:
    # Where x * log(y) is 0 by definition: x == 0, unless y is nan (then the result is nan).
    return (x == 0) & ~ns.isnan(y)


def _xlogy(xp: Any, x: Any, y: Any) -> Any:
    zero = _xlogy_zero(xp, x, y)
    return xp.where(zero, 0.0, x * xp.log(xp.where(zero, 1.0, y)))


def _xlogy_vjp_x(ns: Any, g: Any, out: Any, x: Any, y: Any) -> Any:
    # PyTorch: xlogy(g, y), then 0 where x == 0 and y <= 0 (where log y is -inf or nan).
    zero = ((x == 0) & (y <= 0)) | _xlogy_zero(ns, g, y)
    return ns.where(zero, 0.0, g * ns.log(ns.where(zero, 1.0, y)))


# d/dy = x / y, which is nan at x == y == 0, exactly as in PyTorch.
xlogy = Primitive(
    "xlogy",
    forward=_xlogy,
    vjp=(_xlogy_vjp_x, lambda ns, g, out, x, y: g * x / y),
)

__all__ = [
    "abs",
    "add",
    "atan2",
    "ceil",
    "clamp_max_tensor",
    "clamp_min_tensor",
    "clamp_tensor",
    "clip",
    "clone",
    "copysign",
    "cos",
    "divide",
    "exp",
    "floor",
    "floor_divide",
    "fmod",
    "hypot",
    "log",
    "maximum",
    "minimum",
    "multiply",
    "negative",
    "nextafter",
    "pow",
    "reciprocal",
    "relu",
    "relu_backward",
    "remainder",
    "round",
    "sigmoid",
    "sign",
    "sin",
    "sqrt",
    "subtract",
    "tanh",
    "trunc",
    "trunc_divide",
    "where",
    "xlogy",
    "zeros_like",
]
