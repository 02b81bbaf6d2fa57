"""The classical orthogonal polynomials of ``torch.special``, elementwise over broadcast arrays
``x`` and ``n`` (the degree): Chebyshev ``T``, ``U``, ``V``, ``W`` and their shifted forms
(``T*(x) = T(2x - 1)``, ...), the physicists' and probabilists' Hermite ``H`` and ``He``,
Laguerre ``L`` and Legendre ``P``.

The degree follows torch 2.13: ``n`` is truncated toward zero (2.5 is 2, -0.5 is 0); a negative,
nan or infinite ``n`` gives 0 and degree 0 gives 1, even at ``x = nan``.

Methods, as torch's (black-box measurements; see tests/ops/test_special_namespace.py):

* Each polynomial's three-term recurrence from ``p_0 = 1``, ``p_1``, elementwise up to the
  element's degree. At ``x = +-inf`` and past float64's range it yields what torch's does
  (``T_2(inf) = inf``, then ``inf - inf = nan`` from degree 3 on), not the limit.
* Chebyshev at ``|y| = 1`` (``y`` is ``x``, or ``2x - 1`` when shifted): the closed values
  (``U_n(1) = n + 1``, ``V_n(-1) = (-1)^n (2n + 1)``, ...).
* Chebyshev inside ``(-1, 1)`` above a degree (6 for ``T`` and the shifted ``T``, ``U``, ``V``;
  8 for ``U``, ``V``, ``W``; 5 for the shifted ``W``): the trigonometric forms with
  ``theta = acos(y)``: ``cos(n theta)``, ``sin((n + 1) theta) / sin(theta)``,
  ``cos((n + 1/2) theta) / cos(theta / 2)``, ``sin((n + 1/2) theta) / sin(theta / 2)``. These
  keep the cost independent of ``n`` and the error at ~``n`` ulps of ``theta`` absolute.

Accuracy: torch's recurrence steps are compiled with fused multiply-adds, which the Array API
has not, so values agree with torch's to a few ulps (relative where the polynomial is not near
one of its zeros, absolute of the terms' size next to one), not bit for bit.

Differences from torch, deliberate: at ``x = nan`` and degree >= 1 the result is nan; torch's
varies from call to call for some of these (``chebyshev_polynomial_u(nan, 2)`` gave 0 or inf,
``laguerre_polynomial_l(nan, 2)`` a subnormal). The recurrence costs one array step per degree
up to the largest degree it serves (torch loops per element), stopping early once every
unfinished element is nan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arraygrad._special._common import _NAN, _from_f64, _full

__all__ = [
    "chebyshev_t",
    "chebyshev_u",
    "chebyshev_v",
    "chebyshev_w",
    "hermite_h",
    "hermite_he",
    "laguerre_l",
    "legendre_p",
    "shifted_chebyshev_t",
    "shifted_chebyshev_u",
    "shifted_chebyshev_v",
    "shifted_chebyshev_w",
]

# A step of a recurrence: (j, p_{j-1}, p_j) -> p_{j+1}, for the arguments it closes over.
_Step = Callable[[int, Any, Any], Any]
# How often (in degrees) the recurrence checks whether everything left is nan.
_NAN_CHECK_EVERY = 32


def _operands(xp: Any, x: Any, n: Any) -> tuple[Any, Any, Any]:
    """(x, n) as broadcast float64 arrays and the result dtype; only real floating input."""
    x, n = xp.asarray(x), xp.asarray(n)
    for v in (x, n):
        if not xp.isdtype(v.dtype, "real floating"):
            raise TypeError(f"expected a real floating-point array, got dtype {v.dtype}")
    dtype = xp.result_type(x, n)
    x, n = xp.broadcast_arrays(xp.astype(x, xp.float64), xp.astype(n, xp.float64))
    return x, n, dtype


def _degree(xp: Any, n: Any) -> tuple[Any, Any]:
    """(the degree, truncated, 0 where it is not valid; where it is valid: finite and >= 0)."""
    safe = xp.where(xp.isfinite(n), n, _full(xp, n, -1.0))
    k = xp.trunc(safe)
    valid = k >= 0.0
    return xp.where(valid, k, _full(xp, k, 0.0)), valid


def _recurrence(xp: Any, k: Any, first: Any, step: _Step) -> Any:
    """``p_k`` elementwise for degrees ``k`` (float64 whole numbers) from ``p_0 = 1``,
    ``p_1 = first`` and ``p_{j+1} = step(j, p_{j-1}, p_j)``."""
    out = xp.where(k == 1.0, first, _full(xp, first, 1.0))
    top = int(xp.max(k)) if k.size else 0
    prev, cur = _full(xp, first, 1.0), first
    for j in range(1, top):
        prev, cur = cur, step(j, prev, cur)
        out = xp.where(k == float(j + 1), cur, out)
        if j % _NAN_CHECK_EVERY == 0:
            # Once both terms are nan every later one is: stop, and give nan to the rest.
            left = k > float(j + 1)
            if not bool(xp.any(left & ~(xp.isnan(prev) & xp.isnan(cur)))):
                return xp.where(left, _full(xp, out, _NAN), out)
    return out


def _finish(xp: Any, values: Any, k: Any, valid: Any, dtype: Any) -> Any:
    """Degree 0 gives 1 (whatever ``x``), an invalid degree 0; cast to ``dtype``."""
    out = xp.where(k == 0.0, _full(xp, values, 1.0), values)
    return _from_f64(xp, xp.where(valid, out, _full(xp, out, 0.0)), dtype)


def _chebyshev(xp: Any, x: Any, n: Any, kind: str, shifted: bool, trig_above: int) -> Any:
    x, n, dtype = _operands(xp, x, n)
    k, valid = _degree(xp, n)
    y = x + x - 1.0 if shifted else x
    two_y = y + y
    first = {"t": y, "u": two_y, "v": two_y - 1.0, "w": two_y + 1.0}[kind]
    inside = xp.abs(y) < 1.0
    trig = inside & (k > float(trig_above))
    edge = xp.abs(y) == 1.0
    # The recurrence serves the rest: degree 0 there keeps its loop short.
    values = _recurrence(
        xp,
        xp.where(trig | edge, _full(xp, k, 0.0), k),
        first,
        lambda j, prev, cur: two_y * cur - prev,
    )
    # theta where it is used; a harmless 0.5 elsewhere (acos of nan or |y| > 1 is nan)
    theta = xp.acos(xp.where(inside, y, _full(xp, y, 0.5)))
    if kind == "t":
        trig_values = xp.cos(k * theta)
    elif kind == "u":
        trig_values = xp.sin((k + 1.0) * theta) / xp.sin(theta)
    elif kind == "v":
        trig_values = xp.cos((k + 0.5) * theta) / xp.cos(theta / 2.0)
    else:
        trig_values = xp.sin((k + 0.5) * theta) / xp.sin(theta / 2.0)
    values = xp.where(trig, trig_values, values)
    # at y = +-1: T_n(1) = 1, U_n(1) = n + 1, V_n(1) = 1, W_n(1) = 2n + 1; at -1 the other pair
    # of values, times (-1)^n
    ones = _full(xp, k, 1.0)
    sign = xp.where(k % 2.0 == 0.0, ones, -ones)
    at_one = {"t": ones, "u": k + 1.0, "v": ones, "w": 2.0 * k + 1.0}[kind]
    at_minus_one = sign * {"t": ones, "u": k + 1.0, "v": 2.0 * k + 1.0, "w": ones}[kind]
    values = xp.where(y == 1.0, at_one, xp.where(y == -1.0, at_minus_one, values))
    return _finish(xp, values, k, valid, dtype)


def chebyshev_t(xp: Any, x: Any, n: Any) -> Any:
    """Chebyshev polynomial of the first kind ``T_n(x)`` (``cos(n theta)``, ``x = cos(theta)``).

    >>> import numpy as np
    >>> [float(v) for v in chebyshev_t(np, np.asarray([0.5, 2.0]), np.asarray(3.0))]
    [-1.0, 26.0]
    """
    return _chebyshev(xp, x, n, "t", shifted=False, trig_above=6)


def chebyshev_u(xp: Any, x: Any, n: Any) -> Any:
    """Chebyshev polynomial of the second kind ``U_n(x)``."""
    return _chebyshev(xp, x, n, "u", shifted=False, trig_above=8)


def chebyshev_v(xp: Any, x: Any, n: Any) -> Any:
    """Chebyshev polynomial of the third kind ``V_n(x)``."""
    return _chebyshev(xp, x, n, "v", shifted=False, trig_above=8)


def chebyshev_w(xp: Any, x: Any, n: Any) -> Any:
    """Chebyshev polynomial of the fourth kind ``W_n(x)``."""
    return _chebyshev(xp, x, n, "w", shifted=False, trig_above=8)


def shifted_chebyshev_t(xp: Any, x: Any, n: Any) -> Any:
    """``T_n(2x - 1)``, orthogonal on ``[0, 1]``."""
    return _chebyshev(xp, x, n, "t", shifted=True, trig_above=6)


def shifted_chebyshev_u(xp: Any, x: Any, n: Any) -> Any:
    """``U_n(2x - 1)``."""
    return _chebyshev(xp, x, n, "u", shifted=True, trig_above=6)


def shifted_chebyshev_v(xp: Any, x: Any, n: Any) -> Any:
    """``V_n(2x - 1)``."""
    return _chebyshev(xp, x, n, "v", shifted=True, trig_above=6)


def shifted_chebyshev_w(xp: Any, x: Any, n: Any) -> Any:
    """``W_n(2x - 1)``."""
    return _chebyshev(xp, x, n, "w", shifted=True, trig_above=5)


def _by_recurrence(
    xp: Any, x: Any, n: Any, first: Callable[[Any], Any], step: Callable[[Any], _Step]
) -> Any:
    x, n, dtype = _operands(xp, x, n)
    k, valid = _degree(xp, n)
    return _finish(xp, _recurrence(xp, k, first(x), step(x)), k, valid, dtype)


def hermite_h(xp: Any, x: Any, n: Any) -> Any:
    """Physicists' Hermite polynomial ``H_n(x)``: ``H_{j+1} = 2x H_j - 2j H_{j-1}``.

    >>> import numpy as np
    >>> [float(v) for v in hermite_h(np, np.asarray([0.5, 1.0]), np.asarray(3.0))]
    [-5.0, -4.0]
    """

    def step(x: Any) -> _Step:
        two_x = x + x
        return lambda j, prev, cur: two_x * cur - (2.0 * j) * prev

    return _by_recurrence(xp, x, n, lambda x: x + x, step)


def hermite_he(xp: Any, x: Any, n: Any) -> Any:
    """Probabilists' Hermite polynomial ``He_n(x)``: ``He_{j+1} = x He_j - j He_{j-1}``."""
    return _by_recurrence(
        xp, x, n, lambda x: x, lambda x: lambda j, prev, cur: x * cur - float(j) * prev
    )


def laguerre_l(xp: Any, x: Any, n: Any) -> Any:
    """Laguerre polynomial ``L_n(x)``: ``(j + 1) L_{j+1} = (2j + 1 - x) L_j - j L_{j-1}``.

    >>> import numpy as np
    >>> [float(v) for v in laguerre_l(np, np.asarray([0.0, 2.0]), np.asarray(2.0))]
    [1.0, -1.0]
    """
    return _by_recurrence(
        xp,
        x,
        n,
        lambda x: 1.0 - x,
        lambda x: lambda j, prev, cur: ((2.0 * j + 1.0 - x) * cur - float(j) * prev) / (j + 1.0),
    )


def legendre_p(xp: Any, x: Any, n: Any) -> Any:
    """Legendre polynomial ``P_n(x)``: ``(j + 1) P_{j+1} = (2j + 1) x P_j - j P_{j-1}``.

    >>> import numpy as np
    >>> [float(v) for v in legendre_p(np, np.asarray([0.5, 2.0]), np.asarray(2.0))]
    [-0.125, 5.5]
    """
    return _by_recurrence(
        xp,
        x,
        n,
        lambda x: x,
        lambda x: lambda j, prev, cur: ((2.0 * j + 1.0) * x * cur - float(j) * prev) / (j + 1.0),
    )
