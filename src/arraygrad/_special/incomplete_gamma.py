"""The regularised incomplete gamma functions ``gammainc`` (P) and ``gammaincc`` (Q).

.. math:: P(a, x) = \\frac{1}{\\Gamma(a)} \\int_0^x t^{a-1} e^{-t}\\,dt, \\quad Q = 1 - P

Both are computed together, elementwise over the broadcast ``a`` and ``x``: for ``x < a + 1``
the power series ``P = x^a e^-x / Gamma(a+1) * sum_n x^n / ((a+1)...(a+n))`` (all terms
positive), otherwise the continued fraction of ``Q`` (modified Lentz), and the other one as
``1 - `` it. The loops run until every element has converged (the terms needed grow like
``sqrt(a)`` where ``x`` is close to ``a``). For ``a >= 1e4`` both come instead from Temme's
uniform asymptotic expansion (DLMF 8.12.3-8.12.10), which a series capped at ``_MAX_TERMS``
terms cannot replace: it stopped short beyond ``a`` ~ 1e8 and gave ``P(1e10, 1e10)`` = 0.08,
not 0.5. For ``a < 0.25`` in the series' region, where Q is small (about ``a E1(x)``), Q
is summed directly (:func:`_q_small_a`) rather than taken as ``1 - P``. Accuracy is ~1e-14
relative where the result is not tiny; a result computed as ``1 - `` the other one loses
relative accuracy where it is much smaller than 1. The prefactor
``exp(a log x - x - lgamma(a))`` loses ~``a * 1e-16`` relative for large ``a``.

Edge values as torch: nan for ``a < 0``, ``x < 0``, nan, ``a == x == 0`` and ``a == x == inf``;
``P(0, x > 0) = 1``, ``P(a, 0) = 0``, ``P(a, inf) = 1``, ``P(inf, x) = 0``.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from arraygrad._special._common import _EULER, _INF, _NAN, _from_f64, _full, _poly
from arraygrad._special.error_function import _erf_erfc
from arraygrad._special.gamma import _EM_SHIFT, _em_coeffs, lgamma

__all__ = ["gammainc", "gammaincc"]

_EPS = 2.0**-53
# A continued-fraction factor converges to 1 within rounding: 1 +- 2 ulp, never exactly 1.
_CF_EPS = 2.0**-51
_TINY = 1e-300  # Lentz's guard against a zero denominator
_MAX_TERMS = 20000
_CHECK_EVERY = 8  # convergence is tested every few terms (the test reads the array back)


# Temme's expansion is used from this a on (the series and continued fraction are accurate
# below it and up to ~1e7; 1e4 keeps the loops short and the expansion's truncation, the
# omitted c_4 / a^4 term, below 1e-16).
_TEMME_MIN_A = 1e4
# Taylor coefficients in eta of Temme's c_k(eta), k = 0..3, lowest power first: DLMF 8.12.9
# c_0 = 1/(lambda - 1) - 1/eta and 8.12.10 c_k = c_{k-1}'(eta)/eta + (-1)^k g_k / (lambda - 1)
# (g_k the Stirling coefficients 1, 1/12, 1/288, -139/51840), expanded with exact rationals by
# reverting eta^2 / 2 = mu - log1p(mu), mu = lambda - 1 (tests/_special/test_incomplete_gamma.py
# rederives them). Their radius is 2 sqrt(pi); where the result does not underflow, a >= 1e4
# puts |eta| below 0.45, where these many terms of each reach 1e-17 relative to c_0.
_TEMME_C = (
    (
        -0.3333333333333333,
        0.08333333333333333,
        -0.014814814814814815,
        0.0011574074074074073,
        0.0003527336860670194,
        -0.0001787551440329218,
        3.919263178522438e-05,
        -2.185448510679992e-06,
        -1.85406221071516e-06,
        8.296711340953087e-07,
        -1.7665952736826078e-07,
        6.707853543401498e-09,
        1.0261809784240309e-08,
        -4.382036018453353e-09,
        9.14769958223679e-10,
        -2.5514193994946248e-11,
        -5.830772132550426e-11,
        2.4361948020667415e-11,
        -5.0276692801141755e-12,
        1.1004392031956135e-13,
    ),
    (
        -0.001851851851851852,
        -0.003472222222222222,
        0.0026455026455026454,
        -0.0009902263374485596,
        0.00020576131687242798,
        -4.018775720164609e-07,
        -1.8098550334489977e-05,
        7.64916091608111e-06,
        -1.6120900894563446e-06,
        4.647127802807434e-09,
        1.378633446915721e-07,
        -5.752545603517705e-08,
        1.1951628599778148e-08,
        -1.7543241719747647e-11,
    ),
    (
        0.004133597883597883,
        -0.0026813271604938273,
        0.0007716049382716049,
        2.0093878600823047e-06,
        -0.0001073665322636516,
        5.2923448829120125e-05,
        -1.2760635188618728e-05,
        3.423578734096138e-08,
        1.3721957309062934e-06,
        -6.298992138380055e-07,
    ),
    (
        0.0006494341563786008,
        0.00022947209362139917,
        -0.0004691894943952557,
        0.00026772063206283885,
        -7.561801671883977e-05,
        -2.396505113867297e-07,
    ),
)
_TEMME_MAX_ETA = 0.45  # beyond it (a >= 1e4) exp(-a eta^2 / 2) underflows: clamp the series
# mu - log1p(mu) = sum_{k>=2} (-1)^k mu^k / k for |mu| <= 1/2 (highest power of mu first, the
# mu^2 factored out): no cancellation near mu = 0, where a times its rounding error would show.
_LOG1PMX_SERIES = tuple((-1.0) ** j / (j + 2) for j in range(60, -1, -1))


def _temme(xp: Any, a: Any, x: Any) -> tuple[Any, Any]:
    """(P, Q) for large ``a`` (callers sanitise: a >= 1e4, 0 < x < inf)."""
    mu = (x - a) / a  # x - a is exact where x is close to a
    small = xp.abs(mu) <= 0.5
    mu_small = xp.where(small, mu, xp.zeros_like(mu))
    series = _poly(xp, mu_small, _LOG1PMX_SERIES) * (mu_small * mu_small)
    # Far from a both clamps leave exp(-a eta^2 / 2) underflowing (a >= 1e4), with no log1p(-1)
    # where x / a rounds mu to -1 and no overflow of a * eta^2 / 2.
    far = xp.clip(xp.where(small, xp.zeros_like(mu), mu), -0.99, 1e4)
    half_eta2 = xp.where(small, series, far - xp.log1p(far))
    eta = xp.sqrt(2.0 * xp.maximum(half_eta2, xp.zeros_like(half_eta2)))
    eta = xp.where(mu < 0.0, -eta, eta)
    clamped = xp.clip(eta, -_TEMME_MAX_ETA, _TEMME_MAX_ETA)
    inv_a = 1.0 / a
    total = xp.zeros_like(a)
    for coefficients in _TEMME_C[::-1]:  # Horner in 1/a over c_3..c_0
        total = total * inv_a + _poly(xp, clamped, coefficients[::-1])
    r = xp.exp(-a * half_eta2) / xp.sqrt(2.0 * math.pi * a) * total
    z = eta * xp.sqrt(a * 0.5)
    _, erfc_z = _erf_erfc(xp, z)
    _, erfc_minus_z = _erf_erfc(xp, -z)
    return 0.5 * erfc_minus_z - r, 0.5 * erfc_z + r


def _prefactor(xp: Any, a: Any, x: Any, log_gamma: Any) -> Any:
    return xp.exp(a * xp.log(x) - x - log_gamma)


def _series(xp: Any, a: Any, x: Any) -> Any:
    """P(a, x) for 0 < x < a + 1 (callers sanitise)."""
    term = xp.ones_like(x)
    total = xp.ones_like(x)
    denominator = a
    for n in range(1, _MAX_TERMS + 1):
        denominator = denominator + 1.0
        term = term * (x / denominator)
        total = total + term
        if n % _CHECK_EVERY == 0 and bool(xp.all(term <= total * _EPS)):
            break
    return _prefactor(xp, a, x, lgamma(xp, a + 1.0)) * total


# Below this a, Q in the series' region (x < a + 1) is computed by _q_small_a, not as 1 - P:
# there Q ~ a E1(x) is small (2e-11 at a = 1e-10, x = 1), and 1 - P kept only its first few
# digits (2e-6 relative; torch: 2e-7).
_SMALL_A = 0.25
# Terms of lgamma(1 + a)'s power series (0.25**30 / 30 < 1e-19) and of Q's alternating series
# in x < 1.25 (1.25**30 / 30! < 1e-29).
_SMALL_A_TERMS = 30


def _zeta_of_integer(k: int) -> float:
    """zeta(k) for an integer k >= 2: the sum of 1/n^k, the first nine terms directly and the
    rest by Euler-Maclaurin from n = 10 (the method and coefficients of gamma's zeta)."""
    w = float(_EM_SHIFT + 1)
    tail = w ** -float(k)
    correction = 0.0
    for c in _em_coeffs(float(k)):  # highest order first, in powers of 1 / w^2
        correction = correction / (w * w) + c
    head = math.fsum(n ** -float(k) for n in range(1, _EM_SHIFT + 1))
    return head + (w ** (1.0 - k) / (k - 1.0) + 0.5 * tail + correction * tail / w)


@functools.cache
def _log_gamma_1p_coeffs() -> tuple[float, ...]:
    """c_k, highest k first, with lgamma(1 + a) = a * sum_k c_k a^(k-1) for |a| < 1:
    c_1 = -Euler's gamma, c_k = (-1)^k zeta(k) / k (made on first use, not at import)."""
    rest = [(-1.0) ** k * _zeta_of_integer(k) / k for k in range(2, _SMALL_A_TERMS + 1)]
    return tuple(reversed([-_EULER, *rest]))


def _q_small_a(xp: Any, a: Any, x: Any) -> Any:
    """Q(a, x) for 0 < a < _SMALL_A and 0 < x < a + 1 (callers sanitise), without 1 - P.

    From P = x^a / Gamma(1 + a) * (1 + a S), S = sum_{n>=1} (-x)^n / (n! (a + n)):
    Q = -expm1(a log x - lgamma(1 + a)) - x^a / Gamma(1 + a) * a S, where lgamma(1 + a) is
    summed from its power series (lgamma of the rounded 1 + a would lose a's low digits).
    """
    log_ratio = a * xp.log(x) - a * _poly(xp, a, _log_gamma_1p_coeffs())
    term = xp.ones_like(x)
    total = xp.zeros_like(x)
    for n in range(1, _SMALL_A_TERMS + 1):
        term = term * (-x / float(n))
        total = total + term / (a + float(n))
    return -xp.expm1(log_ratio) - xp.exp(log_ratio) * (a * total)


def _continued_fraction(xp: Any, a: Any, x: Any) -> Any:
    """Q(a, x) for x >= a + 1 (callers sanitise), by the modified Lentz method on
    Q = x^a e^-x / Gamma(a) * 1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - 2 (2 - a) / (...)))."""
    tiny = _full(xp, x, _TINY)
    b = x + 1.0 - a
    c = _full(xp, x, 1.0 / _TINY)
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_TERMS + 1):
        an = -float(i) * (float(i) - a)
        b = b + 2.0
        d = an * d + b
        d = xp.where(xp.abs(d) < _TINY, tiny, d)
        c = b + an / c
        c = xp.where(xp.abs(c) < _TINY, tiny, c)
        d = 1.0 / d
        delta = d * c
        h = h * delta
        if i % _CHECK_EVERY == 0 and bool(xp.all(xp.abs(delta - 1.0) <= _CF_EPS)):
            break
    return _prefactor(xp, a, x, lgamma(xp, a)) * h


def _p_and_q(xp: Any, a: Any, x: Any) -> tuple[Any, Any, Any]:
    """(P, Q, dtype) on the broadcast float64 arrays of ``a`` and ``x``."""
    a, x = xp.asarray(a), xp.asarray(x)
    for v in (a, x):
        if not xp.isdtype(v.dtype, "real floating"):
            raise TypeError(f"expected a real floating-point array, got dtype {v.dtype}")
    dtype = xp.result_type(a, x)
    a, x = xp.broadcast_arrays(xp.astype(a, xp.float64), xp.astype(x, xp.float64))
    # PyTorch's boundary cases, in its order (a NaN fails every comparison, so a NaN a with
    # x == 0 has P = 0, and a == inf with a NaN x too): NaN where x < 0 or a < 0; at a == 0,
    # P = 1 for x > 0, else NaN; then P = 0 at x == 0; at a == inf, NaN for an infinite x,
    # else P = 0; then P = 1 at x == inf. (The other, Q, is 1 - P.)
    outside = (a < 0.0) | (x < 0.0)
    at_zero = ~outside & (a == 0.0)
    x_zero = ~outside & ~at_zero & (x == 0.0)
    a_inf = ~(outside | at_zero | x_zero) & (a == _INF)
    x_inf = ~(outside | at_zero | x_zero | a_inf) & (x == _INF)
    known = outside | at_zero | x_zero | a_inf | x_inf
    bad = outside | (at_zero & ~(x > 0.0)) | (a_inf & (x == _INF))
    bad = bad | (~known & (xp.isnan(a) | xp.isnan(x)))
    one = xp.ones_like(x)
    zero = xp.zeros_like(x)
    p_one = ~bad & (at_zero | x_inf)
    p_zero = ~bad & (x_zero | a_inf)
    regular = ~(bad | p_one | p_zero)
    large = regular & (a >= _TEMME_MIN_A)
    regular = regular & ~large
    series = regular & (x < a + 1.0)
    fraction = regular & ~series
    # Each branch sees harmless values where it is not used, (a, x) = (1, 1/2) for the series
    # and (1, 3) for the continued fraction: both converge in a few terms there.
    p_series = _series(xp, xp.where(series, a, one), xp.where(series, x, _full(xp, x, 0.5)))
    q_fraction = _continued_fraction(
        xp, xp.where(fraction, a, one), xp.where(fraction, x, _full(xp, x, 3.0))
    )
    # (a, x) = (1e4, 1e4) where the expansion is not used.
    big = _full(xp, x, _TEMME_MIN_A)
    p_large, q_large = _temme(xp, xp.where(large, a, big), xp.where(large, x, big))
    small = series & (a < _SMALL_A)
    # (a, x) = (0.1, 0.5) where the small-a form is not used
    q_small = _q_small_a(
        xp, xp.where(small, a, _full(xp, x, 0.1)), xp.where(small, x, _full(xp, x, 0.5))
    )
    p = xp.where(series, p_series, xp.where(large, p_large, 1.0 - q_fraction))
    q_series = xp.where(small, q_small, 1.0 - p_series)
    q = xp.where(series, q_series, xp.where(large, q_large, q_fraction))
    p = xp.where(p_one, one, xp.where(p_zero, zero, p))
    q = xp.where(p_one, zero, xp.where(p_zero, one, q))
    nans = _full(xp, x, _NAN)
    return xp.where(bad, nans, p), xp.where(bad, nans, q), dtype


def gammainc(xp: Any, a: Any, x: Any) -> Any:
    """Regularised lower incomplete gamma function ``P(a, x)`` (torch's ``igamma``).

    >>> import numpy as np
    >>> round(float(gammainc(np, np.asarray(1.0), np.asarray(2.0))), 12)  # 1 - exp(-2)
    0.864664716763
    """
    p, _, dtype = _p_and_q(xp, a, x)
    return _from_f64(xp, p, dtype)


def gammaincc(xp: Any, a: Any, x: Any) -> Any:
    """Regularised upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)`` (``igammac``).

    >>> import numpy as np
    >>> round(float(gammaincc(np, np.asarray(1.0), np.asarray(2.0))), 12)  # exp(-2)
    0.135335283237
    """
    _, q, dtype = _p_and_q(xp, a, x)
    return _from_f64(xp, q, dtype)
