"""The gamma function family: ``lgamma``, ``digamma``, ``polygamma`` and Hurwitz ``zeta``."""

from __future__ import annotations

import functools
import math
import operator
from typing import Any

from arraygrad._special._common import (
    _EULER,
    _FMAX,
    _INF,
    _LOG_FMAX,
    _LOG_PI,
    _NAN,
    _RECIP_OVERFLOW,
    _ZETA2,
    _bernoulli_over,
    _cot_pi,
    _drop_nan,
    _from_f64,
    _full,
    _masked,
    _needed,
    _poly,
    _put_nan,
    _to_f64,
)

__all__ = ["digamma", "lgamma", "polygamma", "zeta", "zeta_elementwise"]


# ---------------------------------------------------------------------------------------------
# lgamma
# ---------------------------------------------------------------------------------------------

# c_k = (zeta(k) - 1 - 2**-k) / k for k = 2..25 (mpmath, 60 digits). Used in
#   lgamma(1+t) = (3/2 - gamma) t - log1p(t) - log1p(t/2) + sum_{k>=2} c_k (-t)^k,
# the Taylor series of lgamma around 1 with the n = 1 and n = 2 terms of
# zeta(k) = sum_n n^-k summed in closed form; what remains decays like (t/3)^k, so 24 terms
# reach 1e-19 for |t| <= 1/2.
_LGAMMA_C = (
    0.19746703342411323,
    0.025685634386531427,
    0.004955808427784548,
    0.0011355510286739853,
    0.0002863436640748566,
    7.66824831318324e-05,
    2.1388274743042423e-05,
    6.140869564690491e-06,
    1.8012627818085338e-06,
    5.370321926785962e-07,
    1.6216069233735823e-07,
    4.946423680685744e-08,
    1.5212772050344947e-08,
    4.710545468032904e-09,
    1.4668966344919833e-09,
    4.5900627351542783e-10,
    1.4422218749110315e-10,
    4.54780916546803e-11,
    1.4385873327305658e-11,
    4.563265937212529e-12,
    1.4510739168404548e-12,
    4.624528056444812e-13,
    1.4767816120227553e-13,
    4.7245078278707445e-14,
)
# Stirling series lgamma(x) = (x - 1/2) log x - x + log(2 pi)/2 + sum B_2k / (2k (2k-1) x^(2k-1))
# for k = 1..7, highest power first; at x >= 8 the first omitted term is < 1e-15.
_STIRLING = tuple(_bernoulli_over(k, 2 * k * (2 * k - 1)) for k in range(7, 0, -1))
_STIRLING_X0 = 8.0
_HALF_LOG_2PI_M_HALF = 0.5 * math.log(2.0 * math.pi) - 0.5


def _lgamma1p(xp: Any, t: Any) -> Any:
    """lgamma(1 + t) for |t| <= 1/2 with t exact: relative accuracy even at the zeros t = 0."""
    u = -t
    tail = _poly(xp, u, _LGAMMA_C[::-1]) * (u * u)
    return t * (1.5 - _EULER) - xp.log1p(t) - xp.log1p(t * 0.5) + tail


def _lgamma_core(xp: Any, x: Any) -> Any:
    """lgamma(x) for x > -1/2, x != 0, x finite (callers sanitise)."""
    # Region |x| < 1/2: lgamma(x) = lgamma(1+x) - log|x|.
    # Region [1/2, 3/2): lgamma(x) = lgamma(1+t), t = x-1 exact.
    # Region [3/2, 8): Gamma(x) = (x-1)...(x-k) Gamma(x-k) down to x-k in [3/2, 5/2), then
    #   lgamma(2+t) = lgamma(1+t) + log1p(t), t = x-k-2. All subtractions x - j are exact,
    #   which is what keeps the zeros at x = 1 and x = 2 accurate to full *relative* precision.
    # Region x >= 8: Stirling series.
    # Each region is computed on its own elements only (_masked).
    small = x < _STIRLING_X0
    lg_small = _masked(xp, small, functools.partial(_lgamma_below_8, xp), x, 2.0)
    lg_large = _masked(xp, ~small, functools.partial(_lgamma_stirling, xp), x, _STIRLING_X0)
    return xp.where(small, lg_small, lg_large)


def _lgamma_stirling(xp: Any, xl: Any) -> Any:
    """lgamma(x) for x >= 8 (see :func:`_lgamma_core`)."""
    # (x - 1/2)(log x - 1) overflows for x > ~2.5e305; compute it scaled by 2**-12 (exact),
    # and report inf where the unscaled value would exceed the float64 range.
    hy = ((xl - 0.5) * 2.0**-12) * (xp.log(xl) - 1.0)
    over = hy > _FMAX * 2.0**-12
    hy = xp.where(over, xp.zeros_like(hy), hy)
    r = 1.0 / xl
    series = _poly(xp, r * r, _STIRLING) * r
    lg_large = hy * 4096.0 + (_HALF_LOG_2PI_M_HALF + series)
    return xp.where(over, _full(xp, xl, _INF), lg_large)


def _lgamma_below_8(xp: Any, xs: Any) -> Any:
    """lgamma(x) for -1/2 < x < 8, x != 0 (see :func:`_lgamma_core`)."""
    k = xp.where(xs >= 1.5, xp.floor(xs - 1.5), xp.zeros_like(xs))  # 0..6
    prod = xp.ones_like(xs)
    for j in range(1, 7):  # at most 6 downward steps from [7.5, 8) to [1.5, 2.5)
        steps = k >= j
        if not _needed(xp, steps):
            break  # (k >= j + 1 nowhere either)
        prod = xp.where(steps, prod * (xs - float(j)), prod)
    red = xs - k
    t = xp.where(xs < 0.5, xs, xp.where(xs < 1.5, xs - 1.0, red - 2.0))
    core = _lgamma1p(xp, t)
    absx = xp.where(xs < 0.5, xp.abs(xs), xp.ones_like(xs))
    extra = xp.where(
        xs < 0.5,
        -xp.log(absx),
        xp.where(xs < 1.5, xp.zeros_like(xs), xp.log(prod) + xp.log1p(t)),
    )
    return core + extra


def lgamma(xp: Any, x: Any) -> Any:
    """Natural log of the absolute value of the gamma function, elementwise.

    .. math:: \\operatorname{lgamma}(x) = \\log|\\Gamma(x)|

    ``+inf`` at 0, at the negative integers and at ``+-inf`` (as ``torch.lgamma``).
    For ``x > -1/2`` a Taylor series around 1 and 2 plus exact downward recurrence (x < 8) or
    the Stirling series (x >= 8); for ``x <= -1/2`` the reflection formula
    ``log|Gamma(x)| = log(pi) - log|sin(pi x)| - log(-x) - lgamma(-x)`` (from
    ``Gamma(x) Gamma(1-x) = pi / sin(pi x)`` and ``Gamma(1-x) = -x Gamma(-x)``; ``-x`` is exact
    where ``1 - x`` would round), with ``sin(pi x)`` evaluated on ``x - round(x)``.

    >>> import numpy as np
    >>> round(float(lgamma(np, np.asarray(0.5))), 12)  # log(sqrt(pi))
    0.572364942925
    """
    x64, dtype = _to_f64(xp, x)
    x64, nan = _drop_nan(xp, x64, 1.0)
    pole = (x64 <= 0.0) & (x64 == xp.floor(x64))  # 0, -0, negative integers, -inf
    good = ~pole & ~xp.isinf(x64) & ~nan
    refl = good & (x64 <= -0.5)
    one = xp.ones_like(x64)
    arg = xp.where(refl, -x64, xp.where(good, x64, one))
    out = core = _lgamma_core(xp, arg)
    if _needed(xp, refl):
        xn = xp.where(refl, x64, _full(xp, x64, -0.5))
        r = xn - xp.round(xn)
        sin_abs = xp.abs(xp.sin(r * math.pi))
        reflected = _LOG_PI - xp.log(sin_abs) - xp.log(-xn) - core
        out = xp.where(refl, reflected, core)
    out = xp.where(good, out, _full(xp, x64, _INF))
    return _from_f64(xp, _put_nan(xp, out, nan), dtype)


# ---------------------------------------------------------------------------------------------
# digamma
# ---------------------------------------------------------------------------------------------

# psi(x) ~ log x - 1/(2x) - sum_k B_2k / (2k x^2k), k = 1..7 (highest power of 1/x^2 first);
# at x >= 10 the first omitted term (k = 8) is ~4e-17 relative.
_PSI_ASYM = tuple(_bernoulli_over(k, 2 * k) for k in range(7, 0, -1))


# psi has its only positive zero at x0 = 1.46163214496836234126...; any formula that adds
# terms of size ~1 leaves an absolute error of a few 1e-16 there. Within 0.2 of the
# zero we instead sum the Taylor series psi(x) = sum_k c_k t^k, t = x - x0 (x0 split into hi +
# lo so that t is accurate), c_k = psi^(k)(x0) / k! (mpmath, 60 digits), k = 1..22, highest
# first. The series has radius x0 (the pole at 0): 22 terms reach 1e-18 relative at |t| = 0.2.
_PSI_ROOT_HI = 1.4616321449683622
_PSI_ROOT_LO = 9.549995429965697e-17
_PSI_ROOT_C = (
    -0.00016170622091974803,
    0.00023635601564027053,
    -0.0003454680251063077,
    0.000504953265834602,
    -0.0007380709389960052,
    0.0010788252019162967,
    -0.0015769367714301972,
    0.002305126326734928,
    -0.003369801655439328,
    0.004926781395729853,
    -0.007204534386356869,
    0.010538791616612175,
    -0.01542476590494896,
    0.022597648232218104,
    -0.03316112647484736,
    0.04880428816414311,
    -0.07219956125645471,
    0.10782405069126237,
    -0.16394270544240652,
    0.258499760955651,
    -0.4427631689835921,
    0.9676722454476212,
)


# Derivative of the lgamma(1+t) series: psi(1+t) = (3/2 - gamma) - 1/(1+t) - 1/(2+t)
# - sum_{k>=2} k c_k (-t)^(k-1); coefficients k c_k for the powers (-t)^(k-2), highest first.
_PSI_SERIES = tuple(k * c for k, c in enumerate(_LGAMMA_C, start=2))[::-1]


def _digamma_pos(xp: Any, x: Any) -> Any:
    """psi(x) for x >= 2**-30 (callers sanitise)."""
    # 0 < x < 2.5: the zeta series around 1 or 2 (t = x - 1 or x - 2 exact, |t| <= 1/2) with
    # the pole terms in closed form. It subtracts fewer O(1) numbers than the recurrence, so
    # psi(1) = -gamma and psi(2) = 1 - gamma come out to the last bit:
    #   x < 1/2:        psi(x) = psi(1+x) - 1/x
    #   1/2 <= x < 3/2: psi(x) = (3/2 - gamma) - 1/x - 1/(x+1) + t P(-t),  t = x - 1
    #   3/2 <= x < 5/2: psi(x) = psi(x-1) + 1/(x-1) = (3/2 - gamma) - 1/x + t P(-t),  t = x - 2
    # Each part is computed on the elements it serves only (_masked).
    small = x < 2.5
    v_small = _masked(xp, small, functools.partial(_psi_below_2_5, xp), x, 1.0)
    v_large = _masked(xp, ~small, functools.partial(_psi_from_10, xp), x, 10.0)
    out = xp.where(small, v_small, v_large)
    t = (x - _PSI_ROOT_HI) - _PSI_ROOT_LO  # x - hi is exact (Sterbenz) in the root window
    near_root = xp.abs(t) < 0.2
    # (filled with 0 elsewhere: t**22 would overflow for large x)
    v_root = _masked(xp, near_root, lambda t: t * _poly(xp, t, _PSI_ROOT_C), t, 0.0)
    return xp.where(near_root, v_root, out)


def _psi_below_2_5(xp: Any, xs: Any) -> Any:
    """psi(x) for 0 < x < 2.5, by the series of :func:`_digamma_pos`."""
    zero = xp.zeros_like(xs)
    t = xp.where(xs < 0.5, xs, xp.where(xs < 1.5, xs - 1.0, xs - 2.0))
    v_small = (1.5 - _EULER) + t * _poly(xp, -t, _PSI_SERIES) - 1.0 / xs
    v_small = v_small - xp.where(xs < 1.5, 1.0 / (xs + 1.0), zero)
    return v_small - xp.where(xs < 0.5, 1.0 / (xs + 2.0), zero)


def _psi_from_10(xp: Any, y: Any) -> Any:
    """psi(x) for x >= 2.5: the recurrence psi(x) = psi(x+1) - 1/x moves x to [10, 11) (8
    masked steps suffice), where the asymptotic series is accurate to double precision."""
    acc = xp.zeros_like(y)
    for _ in range(8):
        m = y < 10.0
        if not _needed(xp, m):
            break  # every y has reached [10, oo): the remaining steps change nothing
        acc = xp.where(m, acc - 1.0 / y, acc)
        y = xp.where(m, y + 1.0, y)
    r = 1.0 / y
    z = r * r  # not 1/(y*y): y*y overflows (with a warning) for y > 1.3e154
    return acc + (xp.log(y) - 0.5 / y - z * _poly(xp, z, _PSI_ASYM))


def digamma(xp: Any, x: Any) -> Any:
    """Digamma function ``psi(x) = d/dx log Gamma(x)``, elementwise.

    Edge cases as ``torch.digamma``: ``psi(+0) = -inf``, ``psi(-0) = +inf``, nan at negative
    integers and at ``-inf``, ``psi(+inf) = +inf``.

    * ``0 < |x| < 2**-30``: ``psi(x) = -1/x - gamma + zeta(2) x`` (next term ~ x^2).
    * ``0 < x < 2.5``: the Taylor series of ``psi`` around 1 or 2 (the derivative of the one
      :func:`lgamma` uses); within 0.2 of the zero ``x0 = 1.4616...`` a Taylor series in
      ``x - x0`` instead, which keeps full relative accuracy there.
    * ``x >= 2.5``: recurrence ``psi(x) = psi(x+1) - 1/x`` up to x >= 10, then the asymptotic
      series ``log x - 1/(2x) - sum B_2k / (2k x^2k)``.
    * ``x < 0``: reflection ``psi(x) = psi(1-x) - pi cot(pi x)``, with ``cot`` evaluated on
      ``x - round(x)`` so that ``pi * r`` is exact to 1 ulp even next to the poles.

    >>> import numpy as np
    >>> round(float(digamma(np, np.asarray(1.0))), 12)  # -gamma
    -0.577215664902
    """
    x64, dtype = _to_f64(xp, x)
    x64, nan = _drop_nan(xp, x64, 1.0)
    ax = xp.abs(x64)
    zero_like = ax <= _RECIP_OVERFLOW  # -1/x overflows: +-0 and the tiniest subnormals
    pole = (x64 < 0.0) & (x64 == xp.floor(x64))  # negative integers and -inf
    posinf = x64 == _INF
    good = ~(nan | zero_like | pole | posinf)
    tiny = good & (ax < 2.0**-30)
    pos = good & ~tiny & (x64 > 0.0)
    neg = good & ~tiny & (x64 < 0.0)

    one = xp.ones_like(x64)
    # psi(x) for the positive branch and psi(1 - x) for the negative one share one call.
    arg = xp.where(pos, x64, xp.where(neg, 1.0 - x64, one))
    out = v_pos = _digamma_pos(xp, arg)
    if _needed(xp, neg):
        xn = xp.where(neg, x64, _full(xp, x64, -0.5))
        v_neg = v_pos - math.pi * _cot_pi(xp, xn - xp.round(xn))
        out = xp.where(neg, v_neg, v_pos)
    if _needed(xp, tiny):
        xt = xp.where(tiny, x64, one)
        v_tiny = -1.0 / xt - _EULER + _ZETA2 * xt
        out = xp.where(tiny, v_tiny, out)
    inf = _full(xp, x64, _INF)
    out = xp.where(zero_like, xp.copysign(inf, -x64), out)
    out = xp.where(pole, _full(xp, x64, _NAN), out)
    out = xp.where(posinf, inf, out)
    return _from_f64(xp, _put_nan(xp, out, nan), dtype)


# ---------------------------------------------------------------------------------------------
# Hurwitz zeta and polygamma
# ---------------------------------------------------------------------------------------------

_EM_TERMS = 12  # Euler-Maclaurin correction terms, as in Cephes zeta.c
_EM_SHIFT = 9  # direct terms q, q+1, ..., q+9 before Euler-Maclaurin (as Cephes for q > 0)
# For s >= 400 the tail terms w**-s (w >= 9) underflow to exactly 0, so Euler-Maclaurin adds
# nothing; skipping it also avoids its coefficients, which overflow for astronomically large s.
_EM_MAX_S = 400.0
# Largest integer s for which negative q is evaluated by reflection (that is polygamma order
# 170, the largest n with a finite n!); beyond it the cot-derivative polynomial's pi**s factors
# leave the float64 range.
_REFLECT_MAX_S = 171


@functools.lru_cache(maxsize=64)
def _em_coeffs(s: float) -> tuple[float, ...]:
    """c_j = B_2j s(s+1)...(s+2j-2) / (2j)!, j = 1..12, highest j first.

    Euler-Maclaurin: sum_{k>=N} (k+q)^-s = w^(1-s)/(s-1) + w^-s/2
    + sum_j c_j w^(-s-2j+1),  w = N + q.
    """
    out = []
    rising = 1.0
    for j in range(1, _EM_TERMS + 1):
        rising *= s + 2 * j - 2
        out.append(_bernoulli_over(j, math.factorial(2 * j)) * rising)
        rising *= s + 2 * j - 1
    return tuple(reversed(out))


def _zeta_pos(xp: Any, s: float, q: Any, coeffs: tuple[float, ...]) -> Any:
    """Hurwitz zeta(s, q) for s > 1, finite q > 0 with q**-s finite (callers sanitise).

    Cephes method: sum the first ten terms directly, then Euler-Maclaurin at w = q + 9 >= 9,
    where the 12-term correction series has converged to double precision. The integral term is
    computed as ``w**(1-s)/(s-1)`` (not ``w**-s * w``) so that huge q does not underflow to 0.
    """
    total = q ** (-s)
    a = q
    b = total
    for _ in range(_EM_SHIFT):
        a = a + 1.0
        b = a ** (-s)
        total = total + b
    if s >= _EM_MAX_S:
        return total
    w = a
    u = (1.0 / w) * (1.0 / w)  # not 1/(w*w), which overflows for huge q
    corr = _poly(xp, u, coeffs) * (b / w)
    return total + (w ** (1.0 - s) / (s - 1.0) - 0.5 * b + corr)


def _cot_deriv_coeffs(n: int) -> list[int]:
    """Integer coefficients of P_n with d^n/dx^n cot(pi x) = pi^n P_n(cot(pi x)), lowest first.

    P_0(c) = c and P_{k+1}(c) = -(1 + c^2) P_k'(c), since d/dx cot(pi x) = -pi (1 + cot^2).
    """
    p = [0, 1]
    for _ in range(n):
        dp = [i * p[i] for i in range(1, len(p))]  # P'
        new = [0] * (len(dp) + 2)
        for i, c in enumerate(dp):
            new[i] -= c
            new[i + 2] -= c
        p = new
    return p


@functools.lru_cache(maxsize=64)
def _reflection_coeffs(n: int) -> tuple[float, ...]:
    """Coefficients of pi^(n+1) P_n(c) / n!, highest power first (see :func:`_zeta_neg`)."""
    factorial = math.factorial(n)
    # c / n! as one correctly rounded division of integers, then the power of pi
    lowest_first = [c / factorial * math.pi ** (n + 1) for c in _cot_deriv_coeffs(n)]
    return tuple(reversed(lowest_first))


def _zeta_neg(xp: Any, n: int, r: Any, q1: Any, em: tuple[float, ...]) -> Any:
    """zeta(n+1, x) for negative non-integer x via reflection (callers sanitise).

    r = x - round(x) in [-1/2, 1/2] \\ {0} and q1 = 1 - x. With
    Q_n(r) = pi^(n+1) P_n(cot(pi r)) / n! = (-1)^n sum_{k in Z} (r+k)^-(n+1),
    zeta(n+1, x) = (-1)^n (Q_n(r) + zeta(n+1, 1-x)).
    Q_n is evaluated by Horner with the coefficients pre-scaled by pi^(n+1)/n!, so no
    intermediate exceeds |Q_n|, which is ~|r|^-(n+1) (callers exclude |r| so small that this
    overflows).
    """
    qn = _poly(xp, _cot_pi(xp, r), _reflection_coeffs(n))
    total = qn + _zeta_pos(xp, float(n + 1), q1, em)
    return total if n % 2 == 0 else -total


def _zeta_impl(xp: Any, s: float, q: Any) -> Any:
    """Hurwitz zeta on float64 q following torch.special.zeta's conventions."""
    if math.isnan(s):
        return _full(xp, q, _NAN)
    if s == 1.0:
        return _full(xp, q, _INF)
    if s < 1.0:
        return _full(xp, q, _NAN)
    em = _em_coeffs(s) if s < _EM_MAX_S else ()
    inf = _full(xp, q, _INF)
    one = xp.ones_like(q)
    q, nan = _drop_nan(xp, q, 1.0)
    pole = (q <= 0.0) & (q == xp.floor(q))  # 0, negative integers and -inf: +inf (Cephes)
    finite_pos = (q > 0.0) & (q < _INF)
    # q**-s overflows when -log(q) > log(max)/s; the result there is +inf. The test is done on
    # log(q) (accurate to 1 ulp whatever s is) with a 1e-9 margin in the exponent, so every q we
    # do evaluate stays safely below the float64 limit.
    lim = (_LOG_FMAX - 1e-9) / s
    pos = finite_pos & (-xp.log(xp.where(finite_pos, q, one)) <= lim)
    out = _zeta_pos(xp, s, xp.where(pos, q, one), em)
    out = xp.where(finite_pos & ~pos, inf, out)
    if s == math.floor(s) and s <= _REFLECT_MAX_S:
        # Negative non-integer q with integer s: the series converges (it is a polygamma
        # value); use the reflection formula instead of summing |q| terms like Cephes.
        n = int(s) - 1
        neg = (q < 0.0) & ~pole & ~nan
        qn = xp.where(neg, q, _full(xp, q, -0.5))
        r = qn - xp.round(qn)  # != 0 on `neg`; -0.5 elsewhere
        # |zeta| ~ |r|**-s > float64 max: infinite with the pole's sign (same test as above).
        near = neg & (-xp.log(xp.abs(r)) > lim)
        rs = xp.where(near, _full(xp, q, 0.5), r)
        v = _zeta_neg(xp, n, rs, 1.0 - qn, em)
        sign_inf = inf if n % 2 == 1 else xp.copysign(inf, r)
        out = xp.where(neg, xp.where(near, sign_inf, v), out)
    else:
        # Non-integer s: (k+q)**-s is not real for k+q < 0, nan as in Cephes. (Integer
        # s > 171 with negative q is not supported and also gives nan.)
        out = xp.where((q < 0.0) & ~pole, _full(xp, q, _NAN), out)
    out = xp.where(pole, inf, out)
    out = xp.where(q == _INF, _full(xp, q, _NAN), out)  # torch: inf**-s * inf -> nan
    return _put_nan(xp, out, nan)


def zeta(xp: Any, s: float, q: Any) -> Any:
    """Hurwitz zeta function, elementwise in ``q`` for a Python float ``s``.

    .. math:: \\zeta(s, q) = \\sum_{k=0}^\\infty (k + q)^{-s}

    Conventions of ``torch.special.zeta`` (Cephes): ``s == 1`` gives inf, ``s < 1`` nan;
    ``q`` a non-positive integer (or ``-inf``) gives inf; negative non-integer ``q`` gives the
    (convergent) series value when ``s`` is an integer (up to 171; larger integer ``s`` is not
    supported there and gives nan) and nan otherwise; ``q = +inf`` gives nan.
    For ``q > 0``: ten direct terms then Euler-Maclaurin summation (Cephes ``zeta.c``).

    >>> import numpy as np
    >>> round(float(zeta(np, 2.0, np.asarray(1.0))), 12)  # pi**2 / 6
    1.644934066848
    """
    q64, dtype = _to_f64(xp, q)
    return _from_f64(xp, _zeta_impl(xp, float(s), q64), dtype)


def polygamma(xp: Any, n: int, x: Any) -> Any:
    """Polygamma function ``psi^(n)(x) = d^n/dx^n digamma(x)``, elementwise, integer ``n >= 0``.

    .. math:: \\psi^{(n)}(x) = (-1)^{n+1}\\, n!\\, \\zeta(n+1, x), \\quad n \\ge 1

    ``n = 0`` is :func:`digamma`. For ``x > 0`` the Hurwitz zeta is summed directly; for negative
    non-integer ``x`` the reflection formula
    ``psi^(n)(x) = -pi^(n+1) P_n(cot(pi x)) - n! zeta(n+1, 1-x)`` (``P_n`` from the derivatives of
    ``cot``) is used. Poles (0, negative integers) give ``(-1)^(n+1) inf`` like torch; also like
    torch, ``x = -inf`` gives ``(-1)^(n+1) inf`` for ``n >= 2`` (nan for ``n = 1``) and
    ``x = +inf`` gives nan for ``n >= 2`` (0 for ``n = 1``). Results beyond the float64 range
    are ``+-inf``. ``n`` must be at most 170 (``n!`` must be a finite float64). Relative accuracy
    is ~1e-15 for small ``n`` and degrades like ``(n+1) * 1e-16`` for negative ``x`` (the
    ``(n+1)``-th power of ``cot(pi x)`` amplifies its last-bit error).

    >>> import numpy as np
    >>> round(float(polygamma(np, 1, np.asarray(1.0))), 12)  # pi**2 / 6
    1.644934066848
    """
    n = operator.index(n)
    if n < 0:
        raise ValueError(f"polygamma order n must be >= 0, got {n}")
    if n == 0:
        return digamma(xp, x)
    if n > 170:
        raise ValueError(f"polygamma order n must be <= 170 (n! overflows float64), got {n}")
    x64, dtype = _to_f64(xp, x)
    z = _zeta_impl(xp, float(n + 1), x64)
    fact = float(math.factorial(n))
    sign = -1.0 if n % 2 == 0 else 1.0
    inf = _full(xp, x64, _INF)
    # n! * zeta overflows exactly when |zeta| > max / n!; the 2**-40 band keeps the product
    # itself from rounding up to inf (values that close to the limit are reported as inf).
    over = xp.abs(z) > (_FMAX / fact) * (1.0 - 2.0**-40)
    finite = ~xp.isinf(z) & ~xp.isnan(z)
    zs = xp.where(over & finite, xp.zeros_like(z), z)
    out = xp.where(over & finite, xp.copysign(inf, z), zs * fact) * sign
    if n == 1:
        # torch's dedicated trigamma returns 0 at +inf and nan at -inf (unlike its n >= 2 path).
        out = xp.where(x64 == _INF, xp.zeros_like(x64), out)
        out = xp.where(x64 == -_INF, _full(xp, x64, _NAN), out)
    return _from_f64(xp, out, dtype)


def zeta_elementwise(xp: Any, s: Any, q: Any) -> Any:
    """Hurwitz zeta ``zeta(s, q)`` elementwise over the broadcast arrays ``s`` and ``q``
    (torch's ``special.zeta(input, other)``), with :func:`zeta`'s conventions.

    Evaluated once per distinct value of ``s`` (its Euler-Maclaurin coefficients and, for
    negative ``q``, its reflection polynomial depend on it), so it suits the usual few orders;
    ``n`` distinct orders cost ``n`` passes over the array.

    >>> import numpy as np
    >>> [round(float(v), 9) for v in zeta_elementwise(np, np.asarray([2.0, 3.0]), np.asarray(1.0))]
    [1.644934067, 1.202056903]
    """
    s, q = xp.asarray(s), xp.asarray(q)
    for v in (s, q):
        if not xp.isdtype(v.dtype, "real floating"):
            raise TypeError(f"expected a real floating-point array, got dtype {v.dtype}")
    dtype = xp.result_type(s, q)
    s, q = xp.broadcast_arrays(xp.astype(s, xp.float64), xp.astype(q, xp.float64))
    out = _full(xp, q, _NAN)  # also the result where s is nan
    finite_or_inf = ~xp.isnan(s)
    if bool(xp.any(finite_or_inf)):
        for order in xp.unique_values(xp.where(finite_or_inf, s, _full(xp, s, 2.0))):
            here = (s == order) & finite_or_inf
            # s = +inf is taken as the largest float (zeta's large-s rules: 1 at q = 1, 0
            # beyond, where torch's Cephes gives nan).
            out = xp.where(here, _zeta_impl(xp, min(float(order), _FMAX), q), out)
    return _from_f64(xp, out, dtype)
