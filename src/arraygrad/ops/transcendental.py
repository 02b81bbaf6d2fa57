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
from collections.abc import Callable
from typing import Any

from arraygrad._primitive import Primitive
from arraygrad.ops.elementwise import _xlogy_zero

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI_OVER_TWO = math.sqrt(math.pi) / 2.0
_INF = math.inf
_NAN = math.nan

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
    backward_name="Log1PBackward0",  # PyTorch's spelling
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


def _logit(xp: Any, x: Any) -> Any:
    return xp.log(x / (1 - x))


def _clamped_logit(xp: Any, x: Any, eps: float) -> Any:
    # PyTorch's kernel: x < lo ? lo : (x > hi ? hi : x), its bounds in x's dtype (an eps above
    # 0.5 crosses them; NaN passes; clip would make a float32 result of a bfloat16 x).
    low = xp.asarray(eps, dtype=x.dtype)
    high = 1 - low
    return _logit(xp, xp.where(x < low, low, xp.where(x > high, high, x)))


def _logit_vjp(ns: Any, g: Any, x: Any, eps: float | None) -> Any:
    # g / (x (1 - x)), as PyTorch's logit_backward divides. The denominators it does not use
    # are replaced by constants, so that a second derivative sees no 0 / 0 from them.
    if eps is None or eps < 0:  # (a negative eps clamps nothing in [0, 1]: PyTorch's nan too)
        # inf at 0 and 1 whatever the zero's sign (-0.0 would give -inf); nan outside [0, 1]
        denominator = ns.where((x == 0) | (x == 1), 0.0, x * (1 - x))
        return ns.where((x < 0) | (x > 1), _NAN, g / denominator)
    clamped = (x < eps) | (x > 1 - eps)  # 0 there; NaN passes through
    return ns.where(clamped, 0.0, g / ns.where(clamped, 1.0, x * (1 - x)))


# logit(x) = log(x / (1 - x)), computed as PyTorch does; with eps, x is first clamped into
# [eps, 1 - eps]. Its gradient is 1 / (x (1 - x)), with PyTorch's values at the edges.
logit = Primitive(
    "logit",
    forward=lambda xp, x, *, eps: _logit(xp, x) if eps is None else _clamped_logit(xp, x, eps),
    vjp=(lambda ns, g, out, x, *, eps: _logit_vjp(ns, g, x, eps),),
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


# ---------------------------------------------------------------------------------------------
# torch.special's own functions (arraygrad.special); forwards in arraygrad._special, derivative
# formulas and backward names as torch's.
# ---------------------------------------------------------------------------------------------

_SQRT_2PI = math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_SQRT1_2 = math.sqrt(0.5)


def _no_derivative(what: str) -> Callable[..., Any]:
    """A rule for an input torch does not differentiate: it raises torch's error when a
    gradient is asked of that input (not when the op is recorded)."""

    def rule(*_: Any) -> Any:
        raise NotImplementedError(
            f"the derivative for '{what}' is not implemented. Fix: detach that argument "
            "(arraygrad, like torch, differentiates this function only where its rule is known)."
        )

    return rule


# erfcx'(x) = 2 x erfcx(x) - 2/sqrt(pi) (torch's formula, so its cancellation for large x too).
erfcx = Primitive(
    "erfcx",
    forward=lambda xp, x: xp.erfcx(x),
    vjp=(lambda ns, g, out, x: g * (2.0 * x * out - _TWO_OVER_SQRT_PI),),
    reads_output=True,
    backward_name="SpecialErfcxBackward0",
)
# d log ndtr(x) = pdf(x) / ndtr(x) = sqrt(2/pi) / erfcx(-x/sqrt2): no exp(x^2/2) to overflow and
# no cancellation of log_ndtr against x^2/2 (torch's exp(-(result + x^2/2)) / sqrt(2 pi) has both).
# At x = -inf it gives the limit inf where torch's gives nan (-inf + inf).
log_ndtr = Primitive(
    "log_ndtr",
    forward=lambda xp, x: xp.log_ndtr(x),
    vjp=(lambda ns, g, out, x: g * _SQRT_2_OVER_PI / ns.erfcx(x * -_SQRT1_2),),
    backward_name="SpecialLogNdtrBackward0",
)
# ndtri'(p) = sqrt(2 pi) exp(ndtri(p)^2 / 2): inf at p = 0 and 1.
ndtri = Primitive(
    "ndtri",
    forward=lambda xp, x: xp.ndtri(x),
    vjp=(lambda ns, g, out, x: g * _SQRT_2PI * ns.exp(out * out * 0.5),),
    reads_inputs=False,
    reads_output=True,
    backward_name="SpecialNdtriBackward0",
)


def _entr(xp: Any, x: Any) -> Any:
    # -x log x for x > 0, 0 at 0, -inf below (torch), nan at nan; log sees 1 where unused.
    # Each step in x's dtype (PyTorch's float16/bfloat16 kernel rounds each), its constants as
    # arrays of that dtype: NumPy makes a bfloat16 array and a Python float a float64 result.
    positive = x > 0
    value = -x * xp.log(xp.where(positive, x, xp.ones_like(x)))
    edge = xp.where(x < 0, xp.full_like(x, -math.inf), x)
    return xp.where(positive, value, xp.where(x == 0, xp.zeros_like(x), edge))


# entr'(x) = -(1 + log x): inf at 0 and nan below, as torch.
entr = Primitive(
    "entr",
    forward=_entr,
    vjp=(lambda ns, g, out, x: g * -(1 + ns.log(x)),),
    backward_name="SpecialEntrBackward0",
)


def _xlog1py(xp: Any, x: Any, y: Any) -> Any:
    # x * log1p(y) is 0 by definition where x * log(y) is: x == 0, unless y is nan.
    zero = _xlogy_zero(xp, x, y)
    return xp.where(zero, 0.0, x * xp.log1p(xp.where(zero, 0.0, y)))


def _xlog1py_vjp_x(ns: Any, g: Any, out: Any, x: Any, y: Any) -> Any:
    # torch: xlog1py(g, y), then 0 where x == 0 and y <= -1 (where log1p y is -inf or nan).
    zero = ((x == 0) & (y <= -1)) | _xlogy_zero(ns, g, y)
    return ns.where(zero, 0.0, g * ns.log1p(ns.where(zero, 0.0, y)))


xlog1py = Primitive(
    "xlog1py",
    forward=_xlog1py,
    vjp=(_xlog1py_vjp_x, lambda ns, g, out, x, y: g * x / (y + 1)),
    backward_name="SpecialXlog1PyBackward0",
)

# I0'(x) = I1(x), as PyTorch's i0 backward (so nan at nan, -inf far below 0).
i0 = Primitive(
    "i0",
    forward=lambda xp, x: xp.bessel_i0(x),
    vjp=(lambda ns, g, out, x: g * ns.i1(x),),
)
# i0e'(x) = i1e(x) - sgn(x) i0e(x) (0 at 0, torch's sgn).
i0e = Primitive(
    "i0e",
    forward=lambda xp, x: xp.i0e(x),
    vjp=(lambda ns, g, out, x: g * (ns.i1e(x) - ns.sign(x) * out),),
    reads_output=True,
    backward_name="SpecialI0EBackward0",
)


def _i1_vjp(ns: Any, g: Any, out: Any, x: Any) -> Any:
    # I1'(x) = I0(x) - I1(x) / x, 1/2 at 0 (torch). I0 = i0e e^|x| with e^|x| as two halves, so
    # it stays finite up to I0's own overflow; x is 1 where unused, keeping 0/0 out of backward.
    at_zero = x == 0
    half = ns.exp(ns.abs(x) * 0.5)
    i0 = ns.i0e(x) * half * half
    return g * ns.where(at_zero, 0.5, i0 - out / ns.where(at_zero, 1.0, x))


def _i1e_vjp(ns: Any, g: Any, out: Any, x: Any) -> Any:
    # i1e'(x) = i0e(x) - i1e(x) (sgn(x) + 1/x), 1/2 at 0 (torch).
    at_zero = x == 0
    inverse = 1.0 / ns.where(at_zero, 1.0, x)
    return g * ns.where(at_zero, 0.5, ns.i0e(x) - out * (ns.sign(x) + inverse))


i1 = Primitive(
    "i1",
    forward=lambda xp, x: xp.i1(x),
    vjp=(_i1_vjp,),
    reads_output=True,
    backward_name="SpecialI1Backward0",
)
i1e = Primitive(
    "i1e",
    forward=lambda xp, x: xp.i1e(x),
    vjp=(_i1e_vjp,),
    reads_output=True,
    backward_name="SpecialI1EBackward0",
)


def _igamma_density(ns: Any, a: Any, x: Any) -> Any:
    # dP(a, x)/dx = x^(a-1) e^-x / Gamma(a), in torch's form exp((a-1) log x - x - lgamma(a)).
    return ns.exp((a - 1) * ns.log(x) - x - ns.lgamma(a))


# Differentiable in x only; asking for the gradient of a raises torch's NotImplementedError.
gammainc = Primitive(
    "igamma",
    forward=lambda xp, a, x: xp.gammainc(a, x),
    vjp=(
        _no_derivative("igamma: input"),
        lambda ns, g, out, a, x: g * _igamma_density(ns, a, x),
    ),
)
gammaincc = Primitive(
    "igammac",
    forward=lambda xp, a, x: xp.gammaincc(a, x),
    vjp=(
        _no_derivative("igammac: input"),
        lambda ns, g, out, a, x: -g * _igamma_density(ns, a, x),
    ),
)
# Not differentiable in torch (their results never require grad).
modified_bessel_i0 = Primitive(
    "modified_bessel_i0", forward=lambda xp, x: xp.bessel_i0(x), vjp=None
)
modified_bessel_i1 = Primitive("modified_bessel_i1", forward=lambda xp, x: xp.i1(x), vjp=None)
modified_bessel_k0 = Primitive("modified_bessel_k0", forward=lambda xp, x: xp.k0(x), vjp=None)
modified_bessel_k1 = Primitive("modified_bessel_k1", forward=lambda xp, x: xp.k1(x), vjp=None)
scaled_modified_bessel_k0 = Primitive(
    "scaled_modified_bessel_k0", forward=lambda xp, x: xp.k0e(x), vjp=None
)
scaled_modified_bessel_k1 = Primitive(
    "scaled_modified_bessel_k1", forward=lambda xp, x: xp.k1e(x), vjp=None
)
spherical_bessel_j0 = Primitive(
    "spherical_bessel_j0", forward=lambda xp, x: xp.spherical_j0(x), vjp=None
)
bessel_j0 = Primitive("bessel_j0", forward=lambda xp, x: xp.bessel_j0(x), vjp=None)
bessel_j1 = Primitive("bessel_j1", forward=lambda xp, x: xp.bessel_j1(x), vjp=None)
bessel_y0 = Primitive("bessel_y0", forward=lambda xp, x: xp.bessel_y0(x), vjp=None)
bessel_y1 = Primitive("bessel_y1", forward=lambda xp, x: xp.bessel_y1(x), vjp=None)
airy_ai = Primitive("airy_ai", forward=lambda xp, x: xp.airy_ai(x), vjp=None)
# torch's orthogonal polynomials p_n(x): not differentiable there (results never require grad)
chebyshev_polynomial_t = Primitive(
    "chebyshev_polynomial_t", forward=lambda xp, x, n: xp.chebyshev_polynomial_t(x, n), vjp=None
)
chebyshev_polynomial_u = Primitive(
    "chebyshev_polynomial_u", forward=lambda xp, x, n: xp.chebyshev_polynomial_u(x, n), vjp=None
)
chebyshev_polynomial_v = Primitive(
    "chebyshev_polynomial_v", forward=lambda xp, x, n: xp.chebyshev_polynomial_v(x, n), vjp=None
)
chebyshev_polynomial_w = Primitive(
    "chebyshev_polynomial_w", forward=lambda xp, x, n: xp.chebyshev_polynomial_w(x, n), vjp=None
)
shifted_chebyshev_polynomial_t = Primitive(
    "shifted_chebyshev_polynomial_t",
    forward=lambda xp, x, n: xp.shifted_chebyshev_polynomial_t(x, n),
    vjp=None,
)
shifted_chebyshev_polynomial_u = Primitive(
    "shifted_chebyshev_polynomial_u",
    forward=lambda xp, x, n: xp.shifted_chebyshev_polynomial_u(x, n),
    vjp=None,
)
shifted_chebyshev_polynomial_v = Primitive(
    "shifted_chebyshev_polynomial_v",
    forward=lambda xp, x, n: xp.shifted_chebyshev_polynomial_v(x, n),
    vjp=None,
)
shifted_chebyshev_polynomial_w = Primitive(
    "shifted_chebyshev_polynomial_w",
    forward=lambda xp, x, n: xp.shifted_chebyshev_polynomial_w(x, n),
    vjp=None,
)
hermite_polynomial_h = Primitive(
    "hermite_polynomial_h", forward=lambda xp, x, n: xp.hermite_polynomial_h(x, n), vjp=None
)
hermite_polynomial_he = Primitive(
    "hermite_polynomial_he", forward=lambda xp, x, n: xp.hermite_polynomial_he(x, n), vjp=None
)
laguerre_polynomial_l = Primitive(
    "laguerre_polynomial_l", forward=lambda xp, x, n: xp.laguerre_polynomial_l(x, n), vjp=None
)
legendre_polynomial_p = Primitive(
    "legendre_polynomial_p", forward=lambda xp, x, n: xp.legendre_polynomial_p(x, n), vjp=None
)
# Differentiable in q only, as in torch: d zeta(s, q) / dq = -s zeta(s + 1, q).
zeta = Primitive(
    "zeta",
    forward=lambda xp, s, q: xp.zeta(s, q),
    vjp=(_no_derivative("zeta"), lambda ns, g, out, s, q: g * -s * ns.zeta(s + 1, q)),
    backward_name="SpecialZetaBackward0",
)

__all__ = [
    "acos",
    "acosh",
    "airy_ai",
    "asin",
    "asinh",
    "atan",
    "atanh",
    "bessel_j0",
    "bessel_j1",
    "bessel_y0",
    "bessel_y1",
    "chebyshev_polynomial_t",
    "chebyshev_polynomial_u",
    "chebyshev_polynomial_v",
    "chebyshev_polynomial_w",
    "cosh",
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfcx",
    "erfinv",
    "expm1",
    "gammainc",
    "gammaincc",
    "hermite_polynomial_h",
    "hermite_polynomial_he",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "laguerre_polynomial_l",
    "legendre_polynomial_p",
    "lgamma",
    "log1p",
    "log2",
    "log10",
    "log_ndtr",
    "logaddexp",
    "logit",
    "modified_bessel_i0",
    "modified_bessel_i1",
    "modified_bessel_k0",
    "modified_bessel_k1",
    "ndtri",
    "polygamma",
    "scaled_modified_bessel_k0",
    "scaled_modified_bessel_k1",
    "shifted_chebyshev_polynomial_t",
    "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w",
    "sinh",
    "spherical_bessel_j0",
    "tan",
    "xlog1py",
    "zeta",
]
