"""The error function family: ``erf``, ``erfc``, ``erfinv``, ``erfcx`` and the normal
distribution's ``log_ndtr`` and ``ndtri``."""

from __future__ import annotations

import math
from typing import Any

from arraygrad._special._common import (
    _FMAX,
    _INF,
    _LOG_FMAX,
    _NAN,
    _TWO_OVER_SQRT_PI,
    _drop_nan,
    _from_f64,
    _full,
    _poly,
    _poly1,
    _put_nan,
    _to_f64,
)

__all__ = ["erf", "erfc", "erfcx", "erfinv", "log_ndtr", "ndtri"]


# ---------------------------------------------------------------------------------------------
# erf / erfc  (Cephes ndtr.c rational approximations, S. L. Moshier)
# ---------------------------------------------------------------------------------------------

# erf(x) = x * T(x^2) / U(x^2) for |x| <= 1.
_ERF_T = (
    9.60497373987051638749e0,
    9.00260197203842689217e1,
    2.23200534594684319226e3,
    7.00332514112805075473e3,
    5.55923013010394962768e4,
)
_ERF_U = (  # monic
    3.35617141647503099647e1,
    5.21357949780152679795e2,
    4.59432382970980127987e3,
    2.26290000613890934246e4,
    4.92673942608635921086e4,
)
# erfc(x) = exp(-x^2) * P(x) / Q(x) for 1 <= x < 8.
_ERFC_P = (
    2.46196981473530512524e-10,
    5.64189564831068821977e-1,
    7.46321056442269912687e0,
    4.86371970985681366614e1,
    1.96520832956077098242e2,
    5.26445194995477358631e2,
    9.34528527171957607540e2,
    1.02755188689515710272e3,
    5.57535335369399327526e2,
)
_ERFC_Q = (  # monic
    1.32281951154744992508e1,
    8.67072140885989742329e1,
    3.54937778887819891062e2,
    9.75708501743205489753e2,
    1.82390916687909736289e3,
    2.24633760818710981792e3,
    1.65666309194161350182e3,
    5.57535340817727675546e2,
)
# erfc(x) = exp(-x^2) * R(x) / S(x) for x >= 8.
_ERFC_R = (
    5.64189583547755073984e-1,
    1.27536670759978104416e0,
    5.01905042251180477414e0,
    6.16021097993053585195e0,
    7.40974269950448939160e0,
    2.97886665372100240670e0,
)
_ERFC_S = (  # monic
    2.26052863220117276590e0,
    9.39603524938001434673e0,
    1.20489539808096656605e1,
    1.70814450747565897222e1,
    9.60896809063285878198e0,
    3.36907645100081516050e0,
)


def _erf_small(xp: Any, x: Any) -> Any:
    """erf(x) for |x| <= 1 (callers pass a sanitised x)."""
    z = x * x
    return x * (_poly(xp, z, _ERF_T) / _poly1(xp, z, _ERF_U))


def _erfc_ratio(xp: Any, a: Any) -> Any:
    """``erfcx(a) = exp(a^2) erfc(a)`` for 1 <= a <= 28: the Cephes rational of erfc."""
    far = _poly(xp, a, _ERFC_R) / _poly1(xp, a, _ERFC_S)
    return xp.where(a < 8.0, _erfc_ratio_mid(xp, a), far)


def _erfc_ratio_mid(xp: Any, a: Any) -> Any:
    """:func:`_erfc_ratio` for 1 <= a < 8."""
    return _poly(xp, a, _ERFC_P) / _poly1(xp, a, _ERFC_Q)


def _exp_square(xp: Any, a: Any) -> Any:
    """``exp(a^2)`` for ``|a| <= 26.63`` (up to the float64 limit), without the rounding error
    of forming ``a*a`` (split as in :func:`_erfc_large`). The exponent is shifted by 2 between
    the factors so that neither overflows where the product does not."""
    m = xp.floor(a * 128.0 + 0.5) * (1.0 / 128.0)
    f = a - m
    return xp.exp(m * m - 2.0) * xp.exp((2.0 * m + f) * f + 2.0)


def _erfc_large(xp: Any, a: Any) -> Any:
    """erfc(a) for a >= 1 (callers pass a sanitised a; a is clamped to 28 where erfc == 0)."""
    a = xp.where(a > 28.0, _full(xp, a, 28.0), a)  # erfc(27.3) already underflows to 0
    return _times_gaussian(xp, a, _erfc_ratio(xp, a))


def _times_gaussian(xp: Any, a: Any, ratio: Any) -> Any:
    """``exp(-a^2) * ratio`` for 1 <= a <= 28 and ``ratio ~ 1/a``."""
    # exp(-a*a) without the rounding error of forming a*a: that error is ~a^2 * 1e-16 absolute
    # in the exponent, i.e. ~1e-13 relative in erfc(26). Split a = m + f with m a multiple of
    # 1/128 (m*m is then exact) and |f| <= 1/256 (exact too), so a^2 = m^2 + (2m + f) f.
    m = xp.floor(a * 128.0 + 0.5) * (1.0 / 128.0)
    f = a - m
    # ratio ~ 1/a is multiplied in first so only the final product can be subnormal.
    return xp.exp(-(m * m)) * (xp.exp(-((2.0 * m + f) * f)) * ratio)


def _erf_erfc(xp: Any, x: Any) -> tuple[Any, Any]:
    """(erf(x), erfc(x)) for float64 x, sharing the rational evaluations."""
    x, nan = _drop_nan(xp, x, 0.0)
    ax = xp.abs(x)
    small = ax <= 1.0
    one = _full(xp, x, 1.0)
    e_small = _erf_small(xp, xp.where(small, x, xp.zeros_like(x)))
    # For |x| > 1 erfc is evaluated directly (no cancellation), erf = 1 - erfc.
    c_large = _erfc_large(xp, xp.where(small, one, ax))
    neg = x < 0.0
    erf_v = xp.where(small, e_small, xp.where(neg, c_large - 1.0, 1.0 - c_large))
    erfc_v = xp.where(small, 1.0 - e_small, xp.where(neg, 2.0 - c_large, c_large))
    return _put_nan(xp, erf_v, nan), _put_nan(xp, erfc_v, nan)


def erf(xp: Any, x: Any) -> Any:
    """Error function, elementwise.

    .. math:: \\operatorname{erf}(x) = \\frac{2}{\\sqrt{\\pi}} \\int_0^x e^{-t^2}\\,dt

    Uses the Cephes rational approximations: ``x T(x^2)/U(x^2)`` for ``|x| <= 1`` and
    ``1 - erfc(|x|)`` (with the sign of ``x``) beyond. ``erf(+-inf) = +-1``.

    >>> import numpy as np
    >>> round(float(erf(np, np.asarray(0.5))), 12)
    0.520499877813
    """
    x64, dtype = _to_f64(xp, x)
    return _from_f64(xp, _erf_erfc(xp, x64)[0], dtype)


def erfc(xp: Any, x: Any) -> Any:
    """Complementary error function ``1 - erf(x)``, elementwise, accurate for large ``x``.

    .. math:: \\operatorname{erfc}(x) = \\frac{2}{\\sqrt{\\pi}} \\int_x^\\infty e^{-t^2}\\,dt

    For ``|x| >= 1`` it is ``exp(-x^2) R(|x|)`` with a Cephes rational ``R`` (no cancellation),
    reflected as ``2 - erfc(-x)`` for negative ``x``; it underflows to 0 beyond x ~ 27.3.

    >>> import numpy as np
    >>> float(erfc(np, np.asarray(10.0)))  # doctest: +ELLIPSIS
    2.08848758376254...e-45
    """
    x64, dtype = _to_f64(xp, x)
    return _from_f64(xp, _erf_erfc(xp, x64)[1], dtype)


# ---------------------------------------------------------------------------------------------
# erfinv
# ---------------------------------------------------------------------------------------------

# Initial rational approximation (G. L. Pavlis 1996, the one torch historically used); good to
# ~1e-7 centrally, 6e-5 in the far tail. The two Halley steps below make it exact.
_ERFINV_A = (-0.140543331, 0.914624893, -1.645349621, 0.886226899)
_ERFINV_B = (0.012229801, -0.329097515, 1.442710462, -2.118377725, 1.0)
_ERFINV_C = (1.641345311, 3.429567803, -1.624906493, -1.970840454)
_ERFINV_D = (1.637067800, 3.543889200, 1.0)


def erfinv(xp: Any, x: Any) -> Any:
    """Inverse error function, elementwise: ``erfinv(erf(y)) == y``.

    ``erfinv(+-1) = +-inf``, ``|x| > 1`` or nan gives nan, ``erfinv(-0.0) = -0.0``.

    A rational first guess (Pavlis) is polished by two Halley steps on
    ``f(y) = erf(y) - |x|`` (``f'' / f' = -2y`` makes Halley's step cheap:
    ``y -= d / (1 + y d)`` with Newton step ``d = f/f'``). Convergence is cubic: the worst
    first guess (6e-5 relative, at ``x = 1 - 2**-53``) becomes 1e-10, then full precision.
    For ``|x| > 1/2`` the residual is formed as ``(1 - |x|) - erfc(y)``, where ``1 - |x|`` is
    exact: forming ``erf(y) - |x|`` near 1 would lose all digits of the residual and limit the
    result to ~1e-5 accuracy for ``x = 1 - 1e-12``.

    >>> import numpy as np
    >>> round(float(erfinv(np, np.asarray(0.5))), 12)
    0.476936276204
    """
    x64, dtype = _to_f64(xp, x)
    ax = xp.abs(x64)
    ok = ax < 1.0  # excludes nan and |x| >= 1
    a = xp.where(ok, ax, _full(xp, x64, 0.5))
    q = 1.0 - a  # exact for a >= 1/2 (Sterbenz), the only place it is used
    z = a * a
    central = a * (_poly(xp, z, _ERFINV_A) / _poly(xp, z, _ERFINV_B))
    t = xp.sqrt(-xp.log(xp.where(a > 0.7, q, _full(xp, q, 0.5)) * 0.5))
    tail = _poly(xp, t, _ERFINV_C) / _poly(xp, t, _ERFINV_D)
    y = xp.where(a <= 0.7, central, tail)
    upper = a > 0.5
    for _ in range(2):
        e, ec = _erf_erfc(xp, y)
        resid = xp.where(upper, q - ec, e - a)
        d = resid / (_TWO_OVER_SQRT_PI * xp.exp(-(y * y)))
        y = y - d / (1.0 + y * d)
    inf = _full(xp, x64, _INF)
    y = xp.where(ok, y, xp.where(ax == 1.0, inf, _full(xp, x64, _NAN)))
    return _from_f64(xp, xp.copysign(y, x64), dtype)


# ---------------------------------------------------------------------------------------------
# erfcx, log_ndtr, ndtri
# ---------------------------------------------------------------------------------------------

_SQRT_PI = math.sqrt(math.pi)
_SQRT1_2 = math.sqrt(0.5)
_SQRT2 = math.sqrt(2.0)
_LOG2 = math.log(2.0)
# Beyond this, erfcx(x) = 1/(x sqrt(pi)) sum_k (-1)^k (2k-1)!! / (2x^2)^k: at x = 26 the tenth
# term is 3e-23 of the first.
_ERFCX_ASYMPTOTIC = 26.0
_ERFCX_SERIES = tuple(float((-1) ** k * math.prod(range(1, 2 * k, 2))) for k in range(10, -1, -1))
# erfcx(x) ~ 2 exp(x^2) overflows for x below -sqrt(log(max / 2)) (-26.6287...); the 1e-9
# margin keeps the last finite values from rounding up in the product of the two factors.
_ERFCX_OVERFLOW = -math.sqrt(_LOG_FMAX - _LOG2) + 1e-9
# log_ndtr(x) ~ -x^2 / 2 overflows below -sqrt(2 max) = -1.8962e154 (1e-15 inside, for rounding).
_LOG_NDTR_HUGE = -math.sqrt(2.0) * math.sqrt(_FMAX) * (1.0 - 1e-15)


def _erfcx_f64(xp: Any, x: Any) -> Any:
    """erfcx on float64 ``x`` (nan propagates)."""
    x, nan = _drop_nan(xp, x, 0.0)
    one = _full(xp, x, 1.0)
    ax = xp.abs(x)
    small = ax < 1.0
    # |x| < 1: exp(x^2) erfc(x), erfc between 0.157 and 1.85 (no cancellation).
    xs = xp.where(small, x, xp.zeros_like(x))
    v_small = xp.exp(xs * xs) * _erf_erfc(xp, xs)[1]
    # 1 <= |x| < 26: the Cephes rational R with erfc(a) = exp(-a^2) R(a) is erfcx itself.
    a = xp.where(small | (ax >= _ERFCX_ASYMPTOTIC), one, ax)
    ratio = _erfc_ratio(xp, a)
    r = 1.0 / xp.where(ax >= _ERFCX_ASYMPTOTIC, ax, _full(xp, x, _ERFCX_ASYMPTOTIC))
    z = (r * r) * 0.5  # not 1/(2 x^2): x*x overflows (with a warning) for x > 1.3e154
    v_far = _poly(xp, z, _ERFCX_SERIES) * (r / _SQRT_PI)
    v_pos = xp.where(ax >= _ERFCX_ASYMPTOTIC, v_far, ratio)
    # x <= -1: erfcx(x) = 2 exp(x^2) - erfcx(-x); below _ERFCX_OVERFLOW it is inf.
    over = x < _ERFCX_OVERFLOW
    xn = xp.where((x <= -1.0) & ~over, x, -one)
    v_neg = 2.0 * _exp_square(xp, xn) - v_pos
    out = xp.where(small, v_small, xp.where(x > 0.0, v_pos, v_neg))
    out = xp.where(over, _full(xp, x, _INF), out)
    return _put_nan(xp, out, nan)


def erfcx(xp: Any, x: Any) -> Any:
    """Scaled complementary error function ``exp(x^2) erfc(x)``, elementwise.

    Accurate where erfc underflows: for ``1 <= x < 26`` it is the Cephes rational that
    :func:`erfc` multiplies by ``exp(-x^2)``, beyond that its asymptotic series
    ``1/(x sqrt(pi)) (1 - 1/(2x^2) + 3/(4x^4) - ...)``; below -1 it is ``2 exp(x^2) - erfcx(-x)``
    (``inf`` below -26.63, where it overflows). ``erfcx(inf) = 0``, ``erfcx(-inf) = inf``.

    >>> import numpy as np
    >>> float(erfcx(np, np.asarray(30.0)))  # doctest: +ELLIPSIS
    0.01879588886141...
    """
    x64, dtype = _to_f64(xp, x)
    return _from_f64(xp, _erfcx_f64(xp, x64), dtype)


def log_ndtr(xp: Any, x: Any) -> Any:
    """Log of the standard normal CDF, ``log(ndtr(x))``, elementwise, accurate in both tails.

    As torch: ``log(erfcx(-x/sqrt2) / 2) - x^2/2`` for ``x < -1`` (no underflow: ``log_ndtr(-1e3)``
    is -500007.83) and ``log1p(-erfc(x/sqrt2) / 2)`` for ``|x| <= 1``; for ``x > 1``,
    ``log1p(-erfcx(x/sqrt2) exp(-x^2/2) / 2)``, which keeps full relative accuracy in the upper
    tail (-0.0 where that is below the smallest float). ``log_ndtr(-inf) = -inf``,
    ``log_ndtr(inf) = -0.0``.

    >>> import numpy as np
    >>> round(float(log_ndtr(np, np.asarray(-40.0))), 9)
    -804.608442014
    """
    x64, dtype = _to_f64(xp, x)
    x64, nan = _drop_nan(xp, x64, 0.0)
    huge = x64 < _LOG_NDTR_HUGE
    low = (x64 < -1.0) & ~huge
    xl = xp.where(low, x64, _full(xp, x64, -2.0))
    v_low = xp.log(_erfcx_f64(xp, xl * -_SQRT1_2) * 0.5) - (xl * 0.5) * xl
    middle = (x64 >= -1.0) & (x64 <= 1.0)
    xm = xp.where(middle, x64, xp.zeros_like(x64))
    v_middle = xp.log1p(_erf_erfc(xp, xm * _SQRT1_2)[1] * -0.5)
    # x > 1: ndtr(-x) = erfcx(x/sqrt2) exp(-x^2/2) / 2 with exp(-x^2/2) from x itself. torch's
    # erfc(x/sqrt2) would amplify the rounding of x/sqrt2 by 2 (x/sqrt2)^2 (2e-14 relative at
    # x = 12); erfcx barely feels it. Past 40, ndtr(-x) underflows: the result is -0.0.
    xh = xp.where(x64 > 1.0, xp.minimum(x64, _full(xp, x64, 40.0)), _full(xp, x64, 2.0))
    m = xp.floor(xh * 128.0 + 0.5) * (1.0 / 128.0)  # x^2 = m^2 + (2m + f) f, m^2 exact
    f = xh - m
    gauss = xp.exp(-0.5 * (m * m)) * xp.exp(-0.5 * ((2.0 * m + f) * f))
    v_high = xp.log1p(_erfcx_f64(xp, xh * _SQRT1_2) * gauss * -0.5)
    out = xp.where(middle, v_middle, v_high)
    out = xp.where(low, v_low, xp.where(huge, _full(xp, x64, -_INF), out))
    return _from_f64(xp, _put_nan(xp, out, nan), dtype)


def _erfcinv(xp: Any, q: Any) -> Any:
    """``erfcinv(q)`` for 0 < q <= 1/2 (callers sanitise), down to the smallest subnormal q.

    Pavlis's first guess (as :func:`erfinv`), then Newton on ``F(y) = log erfc(y) - log q``
    with ``log erfc(y) = log erfcx(y) - y^2``: no underflow, ``F`` nearly quadratic, so four
    steps reach full precision from the guess's worst 1e-4.
    """
    log_q = xp.log(q)
    tail = q < 0.3
    t = xp.sqrt(_LOG2 - xp.where(tail, log_q, _full(xp, q, -1.0)))  # sqrt(-log(q / 2))
    y_tail = _poly(xp, t, _ERFINV_C) / _poly(xp, t, _ERFINV_D)
    a = 1.0 - xp.where(tail, _full(xp, q, 0.5), q)
    z = a * a
    y_central = a * (_poly(xp, z, _ERFINV_A) / _poly(xp, z, _ERFINV_B))
    y = xp.where(tail, y_tail, y_central)
    for _ in range(4):
        e = _erfcx_f64(xp, y)
        y = y + (xp.log(e) - y * y - log_q) * (0.5 * _SQRT_PI) * e
    return y


def ndtri(xp: Any, p: Any) -> Any:
    """Inverse of the standard normal CDF: ``ndtr(ndtri(p)) == p``, elementwise.

    ``sqrt2 * erfinv(2p - 1)`` for ``1/4 <= p <= 3/4`` (where ``2p - 1`` is exact); in the tails
    ``-+sqrt2 * erfcinv(2 min(p, 1 - p))`` (``1 - p`` is exact for p >= 1/2), which keeps full
    relative accuracy down to subnormal ``p``. ``ndtri(0) = -inf``, ``ndtri(1) = inf``, nan
    outside [0, 1].

    >>> import numpy as np
    >>> round(float(ndtri(np, np.asarray(0.975))), 11)
    1.95996398454
    """
    p64, dtype = _to_f64(xp, p)
    p64, nan = _drop_nan(xp, p64, 0.5)
    half = _full(xp, p64, 0.5)
    central = (p64 >= 0.25) & (p64 <= 0.75)
    low = (p64 > 0.0) & (p64 < 0.25)
    high = (p64 > 0.75) & (p64 < 1.0)
    v_central = _SQRT2 * erfinv(xp, 2.0 * xp.where(central, p64, half) - 1.0)
    tail_p = xp.where(low, p64, xp.where(high, 1.0 - p64, _full(xp, p64, 0.25)))
    v_tail = _SQRT2 * _erfcinv(xp, 2.0 * tail_p)
    out = xp.where(central, v_central, xp.where(low, -v_tail, v_tail))
    inf = _full(xp, p64, _INF)
    out = xp.where(p64 == 0.0, -inf, xp.where(p64 == 1.0, inf, out))
    out = xp.where(central | low | high | (p64 == 0.0) | (p64 == 1.0), out, _full(xp, p64, _NAN))
    return _from_f64(xp, _put_nan(xp, out, nan), dtype)
