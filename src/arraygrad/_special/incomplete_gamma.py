"""The regularised incomplete gamma functions ``gammainc`` (P) and ``gammaincc`` (Q).

.. math:: P(a, x) = \\frac{1}{\\Gamma(a)} \\int_0^x t^{a-1} e^{-t}\\,dt, \\quad Q = 1 - P

Both are computed together, elementwise over the broadcast ``a`` and ``x``: for ``x < a + 1``
the power series ``P = x^a e^-x / Gamma(a+1) * sum_n x^n / ((a+1)...(a+n))`` (all terms
positive), otherwise the continued fraction of ``Q`` (modified Lentz), and the other one as
``1 - `` it. The loops run until every element has converged (at most ``_MAX_TERMS`` terms,
which covers ``a`` up to ~1e5 where ``x`` is close to ``a``; the terms needed grow like
``sqrt(a)``). Accuracy is ~1e-14 relative where the result is not tiny; a result computed as
``1 - `` the other one loses relative accuracy where it is much smaller than 1 (torch's Cephes
code, with Temme's expansion for large ``a``, is more accurate there). The prefactor
``exp(a log x - x - lgamma(a))`` loses ~``a * 1e-16`` relative for large ``a``.

Edge values as torch: nan for ``a < 0``, ``x < 0``, nan, ``a == x == 0`` and ``a == x == inf``;
``P(0, x > 0) = 1``, ``P(a, 0) = 0``, ``P(a, inf) = 1``, ``P(inf, x) = 0``.
"""

from __future__ import annotations

from typing import Any

from arraygrad._special._common import _INF, _NAN, _from_f64, _full
from arraygrad._special.gamma import lgamma

__all__ = ["gammainc", "gammaincc"]

_EPS = 2.0**-53
# A continued-fraction factor converges to 1 within rounding: 1 +- 2 ulp, never exactly 1.
_CF_EPS = 2.0**-51
_TINY = 1e-300  # Lentz's guard against a zero denominator
_MAX_TERMS = 20000
_CHECK_EVERY = 8  # convergence is tested every few terms (the test reads the array back)


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
    nan = xp.isnan(a) | xp.isnan(x)
    bad = nan | (a < 0.0) | (x < 0.0) | ((a == 0.0) & (x == 0.0)) | ((a == _INF) & (x == _INF))
    one = xp.ones_like(x)
    zero = xp.zeros_like(x)
    # Where P is known without computing (the other Q is 1 - P): 1 at a == 0 or x == inf,
    # 0 at x == 0 or a == inf.
    p_one = ~bad & ((a == 0.0) | (x == _INF))
    p_zero = ~bad & ((x == 0.0) | (a == _INF))
    regular = ~(bad | p_one | p_zero)
    series = regular & (x < a + 1.0)
    fraction = regular & ~series
    # Each branch sees harmless values where it is not used, (a, x) = (1, 1/2) for the series
    # and (1, 3) for the continued fraction: both converge in a few terms there.
    p_series = _series(xp, xp.where(series, a, one), xp.where(series, x, _full(xp, x, 0.5)))
    q_fraction = _continued_fraction(
        xp, xp.where(fraction, a, one), xp.where(fraction, x, _full(xp, x, 3.0))
    )
    p = xp.where(series, p_series, 1.0 - q_fraction)
    q = xp.where(series, 1.0 - p_series, q_fraction)
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
