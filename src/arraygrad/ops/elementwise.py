"""Element-wise primitives: each is one statement, its forward beside its VJP rules.

Rules follow PyTorch's derivative choices at kinks and domain edges; comments say which.
"""

from __future__ import annotations

from typing import Any

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
)
divide = Primitive(
    "div",
    forward=lambda xp, x, y: x / y,
    vjp=(lambda ns, g, out, x, y: g / y, lambda ns, g, out, x, y: -g * x / (y * y)),
)


def _pow_vjp_base(ns: Any, g: Any, out: Any, x: Any, y: Any) -> Any:
    # d(x**y)/dx = y * x**(y-1). PyTorch defines it as 0 where y == 0, also at x == 0 where the
    # formula would give 0 * inf = nan.
    if isinstance(y, (int, float)):
        return g * 0 if y == 0 else g * y * x ** (y - 1)
    return ns.where(y == 0, 0.0, g * y * x ** (y - 1))


def _pow_vjp_exponent(ns: Any, g: Any, out: Any, x: Any, y: Any) -> Any:
    # d(x**y)/dy = x**y * log(x). PyTorch takes 0 where x == 0 and y >= 0 (the limit of
    # x**y * log(x) as x -> 0+); log is evaluated on a safe stand-in there to avoid -inf * 0.
    at_zero = (x == 0) & (y >= 0)
    return ns.where(at_zero, 0.0, g * out * ns.log(ns.where(at_zero, 1.0, x)))


pow = Primitive(
    "pow",
    forward=lambda xp, x, y: x**y,
    vjp=(_pow_vjp_base, _pow_vjp_exponent),
    reads_output=True,
)
negative = Primitive(
    "neg",
    forward=lambda xp, x: -x,
    vjp=(lambda ns, g, out, x: -g,),
    reads_inputs=False,
)
# |x|' = sign(x): PyTorch's subgradient at 0 is 0.
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
    # exp(-|x|) never overflows; the two branches are the same function rearranged so that
    # neither divides large by large.
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


sigmoid = Primitive(
    "sigmoid",
    forward=_sigmoid,
    vjp=(lambda ns, g, out, x: g * out * (1 - out),),
    reads_inputs=False,
    reads_output=True,
)
# relu'(0) = 0, as in PyTorch (threshold_backward passes the gradient only where out > 0).
relu = Primitive(
    "relu",
    forward=lambda xp, x: xp.where(x <= 0, 0, x),  # keeps nan, as PyTorch does
    vjp=(lambda ns, g, out, x: ns.where(out > 0, g, 0.0),),
    reads_inputs=False,
    reads_output=True,
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
where = Primitive(
    "where",
    forward=lambda xp, condition, x, y: xp.where(condition, x, y),
    vjp=(
        None,
        lambda ns, g, out, condition, x, y: ns.where(condition, g, 0.0),
        lambda ns, g, out, condition, x, y: ns.where(condition, 0.0, g),
    ),
)
astype = Primitive(
    "to_copy",
    forward=lambda xp, x, *, dtype: xp.astype(x, dtype),
    vjp=(lambda ns, g, out, x, *, dtype: ns.astype(g, x.dtype),),
    reads_inputs=False,
)
clone = Primitive(
    "clone",
    forward=lambda xp, x: xp.asarray(x, copy=True),
    vjp=(lambda ns, g, out, x: g,),
    reads_inputs=False,
)

# Not differentiable: their outputs are bool or piecewise constant.
sign = Primitive("sign", forward=lambda xp, x: xp.sign(x), vjp=None)
equal = Primitive("eq", forward=lambda xp, x, y: x == y, vjp=None)
not_equal = Primitive("ne", forward=lambda xp, x, y: x != y, vjp=None)
less = Primitive("lt", forward=lambda xp, x, y: x < y, vjp=None)
less_equal = Primitive("le", forward=lambda xp, x, y: x <= y, vjp=None)
greater = Primitive("gt", forward=lambda xp, x, y: x > y, vjp=None)
greater_equal = Primitive("ge", forward=lambda xp, x, y: x >= y, vjp=None)
bitwise_and = Primitive("bitwise_and", forward=lambda xp, x, y: x & y, vjp=None)
bitwise_or = Primitive("bitwise_or", forward=lambda xp, x, y: x | y, vjp=None)
bitwise_xor = Primitive("bitwise_xor", forward=lambda xp, x, y: x ^ y, vjp=None)
bitwise_invert = Primitive("bitwise_not", forward=lambda xp, x: ~x, vjp=None)

__all__ = [
    "abs",
    "add",
    "astype",
    "bitwise_and",
    "bitwise_invert",
    "bitwise_or",
    "bitwise_xor",
    "clip",
    "clone",
    "cos",
    "divide",
    "equal",
    "exp",
    "greater",
    "greater_equal",
    "less",
    "less_equal",
    "log",
    "multiply",
    "negative",
    "not_equal",
    "pow",
    "relu",
    "sigmoid",
    "sign",
    "sin",
    "sqrt",
    "subtract",
    "tanh",
    "where",
]
