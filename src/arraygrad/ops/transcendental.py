"""Transcendental and special-function primitives: exponentials, logarithms, trigonometry, erf.

Each is one statement, its forward beside its VJP rule. The rules follow PyTorch's derivative
formulas (``tools/autograd/derivatives.yaml``), so the values at domain edges match too: the
derivative of ``asin`` at 1 is ``inf``, that of ``erfinv`` at 1 is ``inf``, and so on.

``erf``, ``erfinv``, ``lgamma``, ``digamma`` and ``polygamma`` are not in the Array API; the raw
namespace provides them (see :mod:`arraygrad._special`), so the same rules run on raw arrays and,
with ``create_graph=True``, on Tensors through these very primitives.
"""

from __future__ import annotations

import math

from arraygrad._primitive import Primitive

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI_OVER_TWO = math.sqrt(math.pi) / 2.0

# d expm1(x) = exp(x) = expm1(x) + 1: reading the output avoids recomputing exp.
expm1 = Primitive(
    "expm1",
    forward=lambda xp, x: xp.expm1(x),
    vjp=(lambda ns, g, out, x: g * (out + 1),),
    reads_inputs=False,
    reads_output=True,
)
log1p = Primitive(
    "log1p",
    forward=lambda xp, x: xp.log1p(x),
    vjp=(lambda ns, g, out, x: g / (x + 1),),
)
log2 = Primitive(
    "log2",
    forward=lambda xp, x: xp.log2(x),
    vjp=(lambda ns, g, out, x: g / (x * _LN2),),
)
log10 = Primitive(
    "log10",
    forward=lambda xp, x: xp.log10(x),
    vjp=(lambda ns, g, out, x: g / (x * _LN10),),
)
tan = Primitive(
    "tan",
    forward=lambda xp, x: xp.tan(x),
    vjp=(lambda ns, g, out, x: g * (1 + out * out),),
    reads_inputs=False,
    reads_output=True,
)
# asin'(x) = 1 / sqrt(1 - x^2): inf at |x| = 1 and nan beyond, as in PyTorch.
asin = Primitive(
    "asin",
    forward=lambda xp, x: xp.asin(x),
    vjp=(lambda ns, g, out, x: g / ns.sqrt(1 - x * x),),
)
acos = Primitive(
    "acos",
    forward=lambda xp, x: xp.acos(x),
    vjp=(lambda ns, g, out, x: -g / ns.sqrt(1 - x * x),),
)
atan = Primitive(
    "atan",
    forward=lambda xp, x: xp.atan(x),
    vjp=(lambda ns, g, out, x: g / (1 + x * x),),
)
sinh = Primitive(
    "sinh",
    forward=lambda xp, x: xp.sinh(x),
    vjp=(lambda ns, g, out, x: g * ns.cosh(x),),
)
cosh = Primitive(
    "cosh",
    forward=lambda xp, x: xp.cosh(x),
    vjp=(lambda ns, g, out, x: g * ns.sinh(x),),
)
asinh = Primitive(
    "asinh",
    forward=lambda xp, x: xp.asinh(x),
    vjp=(lambda ns, g, out, x: g / ns.sqrt(x * x + 1),),
)
# acosh'(x) = 1 / sqrt(x^2 - 1): inf at x = 1, as in PyTorch.
acosh = Primitive(
    "acosh",
    forward=lambda xp, x: xp.acosh(x),
    vjp=(lambda ns, g, out, x: g / ns.sqrt(x * x - 1),),
)
atanh = Primitive(
    "atanh",
    forward=lambda xp, x: xp.atanh(x),
    vjp=(lambda ns, g, out, x: g / (1 - x * x),),
)
erf = Primitive(
    "erf",
    forward=lambda xp, x: xp.erf(x),
    vjp=(lambda ns, g, out, x: g * _TWO_OVER_SQRT_PI * ns.exp(-(x * x)),),
)
# A primitive, not 1 - erf(x): that loses every digit once erf(x) rounds to 1 (erfc(10) is
# 2e-45, 1 - erf(10) is 0).
erfc = Primitive(
    "erfc",
    forward=lambda xp, x: xp.erfc(x),
    vjp=(lambda ns, g, out, x: -g * _TWO_OVER_SQRT_PI * ns.exp(-(x * x)),),
)
# erfinv'(x) = sqrt(pi)/2 * exp(erfinv(x)^2): inf at x = +-1 (where the output is +-inf).
erfinv = Primitive(
    "erfinv",
    forward=lambda xp, x: xp.erfinv(x),
    vjp=(lambda ns, g, out, x: g * _SQRT_PI_OVER_TWO * ns.exp(out * out),),
    reads_inputs=False,
    reads_output=True,
)
lgamma = Primitive(
    "lgamma",
    forward=lambda xp, x: xp.lgamma(x),
    vjp=(lambda ns, g, out, x: g * ns.digamma(x),),
)
digamma = Primitive(
    "digamma",
    forward=lambda xp, x: xp.digamma(x),
    vjp=(lambda ns, g, out, x: g * ns.polygamma(1, x),),
)
# log(exp(x) + exp(y)) as max + log1p(exp(-|x - y|)) (no overflow), and x itself where x and y
# are the same infinity (where x - y is nan). The derivatives are PyTorch's 1 / (1 + exp(y - x)):
# nan at equal infinities, which a composition of max and log1p cannot give.
logaddexp = Primitive(
    "logaddexp",
    forward=lambda xp, x, y: xp.where(
        xp.isinf(x) & (x == y), x, xp.maximum(x, y) + xp.log1p(xp.exp(-xp.abs(x - y)))
    ),
    vjp=(
        lambda ns, g, out, x, y: g / (1 + ns.exp(y - x)),
        lambda ns, g, out, x, y: g / (1 + ns.exp(x - y)),
    ),
)
# polygamma(n, x): ``n`` is a Python int passed positionally, like the raw namespace's
# ``polygamma(n, x)``, so that rules can call ``ns.polygamma(n, x)`` on either namespace.
polygamma = Primitive(
    "polygamma",
    forward=lambda xp, n, x: xp.polygamma(n, x),
    vjp=(None, lambda ns, g, out, n, x: g * ns.polygamma(n + 1, x)),
)

__all__ = [
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atanh",
    "cosh",
    "digamma",
    "erf",
    "erfc",
    "erfinv",
    "expm1",
    "lgamma",
    "log1p",
    "log2",
    "log10",
    "logaddexp",
    "polygamma",
    "sinh",
    "tan",
]
