"""Bessel functions of the first and second kind of orders 0 and 1 (``j0``, ``j1``, ``y0``,
``y1``: torch's ``special.bessel_j0/j1/y0/y1``), elementwise on real floating arrays.

Two ranges, each a Chebyshev expansion fitted here (mpmath, 50 digits, 60 Chebyshev nodes, kept
while above 1e-18 of the largest coefficient):

* ``|x| <= 8``, in ``u = x^2 / 32 - 1``: ``J0(x) / prod (x^2 - z^2)`` and
  ``J1(x) / (x prod (x^2 - z^2))`` with ``z`` J0's zeros below 8.66 (J1's below 8), kept
  as two doubles each so that ``x - z`` is exact next to a zero and ``J0``/``J1`` keep their
  *relative* accuracy there; ``Y0(x) - 2/pi log(x) J0(x)`` and
  ``(Y1(x) - 2/pi (log(x) J1(x) - 1/x)) / x`` (both entire functions of ``x^2``).
* ``|x| > 8``, in ``u = 128 / x^2 - 1``: Hankel's ``P_nu`` and ``x Q_nu`` in
  ``J_nu = sqrt(2 / (pi x)) (P cos(chi) - Q sin(chi))``, ``Y_nu = sqrt(2 / (pi x)) (P sin(chi)
  + Q cos(chi))``, ``chi = x - (2 nu + 1) pi / 4``. ``cos(chi)`` and ``sin(chi)`` are formed from
  ``cos(x)`` and ``sin(x)`` (``(cos x + sin x) / sqrt 2``, ...), never from ``x - pi/4``, which
  loses the phase once ``ulp(x)`` is not small (torch's ``bessel_j0(1e17)`` equals its
  ``bessel_j1(1e17)``; ours are both right).

Accuracy (float64, against mpmath): a few ulps relative for ``|x| <= 8`` (also next to the zeros
of ``J0``, ``J1``; ``Y0`` and ``Y1`` are a few ulps *absolute* next to theirs, where the two terms
cancel) and a few ulps absolute beyond 8, where ``cos(x) + sin(x)`` cancels next to each zero.

Edges as torch: ``J0(+-inf)``, ``J1(+-inf)``, ``Y0(inf)``, ``Y1(inf)`` are nan (torch's
``x - pi/4`` is ``inf``); ``Y0``, ``Y1`` are ``-inf`` at ``+-0`` and nan below 0; ``J0`` is
even, ``J1`` odd (``J1(-0.0)`` is ``-0.0``). ``Y1`` is ``-inf`` where ``2 / (pi x)`` overflows
(below 3.5e-309); torch's already from 5.6e-309, where its ``1 / x`` does.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad._special._common import (
    _FMAX,
    _INF,
    _NAN,
    _drop_nan,
    _from_f64,
    _full,
    _put_nan,
    _to_f64,
)
from arraygrad._special.bessel import _chebyshev

__all__ = ["j0", "j1", "y0", "y1"]

_NEAR_MAX = 8.0
_TWO_OVER_PI = 2.0 / math.pi
_RSQRT_PI = 1.0 / math.sqrt(math.pi)
# Y1 ~ -2 / (pi x) is -inf below this (a subnormal; the margin covers its rounding)
_Y1_POLE = _TWO_OVER_PI / _FMAX * (1.0 + 1e-14)

# The zeros of J0 below 8.66 and of J1 below 8 as (nearest double, remainder); the expansions.
_J0_ZEROS = (
    (2.404825557695773, -1.176691651530894e-16),
    (5.520078110286311, 8.088597146146722e-17),
    (8.653727912911013, -2.92812607320779e-16),
)
_J1_ZEROS = (
    (3.8317059702075125, -1.5269184090088067e-16),
    (7.015586669815619, -9.414165653410389e-17),
)
_J0_NEAR = (
    -3.418912467343792e-05,
    3.275539238265576e-05,
    -7.631650837510544e-06,
    1.086700486952261e-06,
    -1.0588155950196776e-07,
    7.558465121356463e-09,
    -4.140375614344942e-10,
    1.799863023385093e-11,
    -6.370558956177209e-13,
    1.8735723318054736e-14,
    -4.654628053852989e-16,
    9.903132380228728e-18,
    -1.8254143152188351e-19,
    2.944153449430916e-21,
    -4.190889631931292e-23,
)
_J1_NEAR = (
    0.00027895709887613106,
    -0.0003115684036643562,
    8.553646588540538e-05,
    -1.4149356425623485e-05,
    1.576470099225889e-06,
    -1.269075502369425e-07,
    7.747614077073057e-09,
    -3.716577146675772e-10,
    1.4395417669312554e-11,
    -4.60007822413452e-13,
    1.2341465589619718e-14,
    -2.8205466239524856e-16,
    5.558821065951572e-18,
    -9.546930865755219e-20,
    1.4418291781315051e-21,
)
_Y0_NEAR = (
    -0.03314611320328494,
    -0.2744743055297453,
    0.17903431407718265,
    0.26156734625504663,
    -0.17730201278114358,
    0.04719668959576339,
    -0.007287962479552079,
    0.0007531135932577742,
    -5.632079141056987e-05,
    3.206532537654801e-06,
    -1.44072332740187e-07,
    5.248794787330516e-09,
    -1.5837552541812015e-10,
    4.02633081830612e-12,
    -8.747341203310769e-14,
    1.6434898714919468e-15,
    -2.6977881152566837e-17,
    3.9032584173475982e-19,
)
_Y1_NEAR = (
    0.0025380132357417816,
    -0.01608717304766875,
    -0.09591204536083074,
    0.08445197259652346,
    -0.028328123944594365,
    0.005289897544167113,
    -0.0006414551451326356,
    5.505982873338744e-05,
    -3.53808001868935e-06,
    1.7707804556154404e-07,
    -7.11055004989928e-09,
    2.344337905911516e-10,
    -6.4651518414115946e-12,
    1.51429151205002e-13,
    -3.0511859694473254e-15,
    5.34668038572867e-17,
    -8.224911372021585e-19,
)
_P0_FAR = (
    0.9994603493475187,
    -0.0005365220468132117,
    3.0751847875194745e-06,
    -5.1705945376060975e-08,
    1.6306464635151382e-09,
    -7.86409137723707e-11,
    5.168262387349193e-12,
    -4.3045788699253914e-13,
    4.3265957431549404e-14,
    -5.069034095935236e-15,
    6.748072215733873e-16,
    -1.0011513723467786e-16,
    1.6305919233744186e-17,
    -2.880866169482871e-18,
)
_Q0_FAR = (
    -0.12444683684269607,
    0.0005470815954089319,
    -5.9315987288485175e-06,
    1.4377965798375193e-07,
    -5.817532749493056e-09,
    3.376097523734991e-10,
    -2.565397936797308e-11,
    2.404916100281365e-12,
    -2.6690625482579414e-13,
    3.4041800321963686e-14,
    -4.87994410531204e-15,
    7.729703176242605e-16,
    -1.3348852171502517e-16,
    2.4865952389390515e-17,
    -4.952892629886516e-18,
    1.0473158973776097e-18,
    -2.336930172211422e-19,
)
_P1_FAR = (
    1.0009030408600137,
    0.0008989898330859408,
    -3.987284300488908e-06,
    6.177633960644299e-08,
    -1.8718907491063067e-09,
    8.816898659582339e-11,
    -5.704863640395645e-12,
    4.699195515230542e-13,
    -4.6842237839904895e-14,
    5.452674896044717e-15,
    -7.221180842274018e-16,
    1.0667689114335412e-16,
    -1.7312313216116335e-17,
    3.0492991197665872e-18,
)
_Q1_FAR = (
    0.3742222965562826,
    -0.0007702178839325664,
    7.3108922063643636e-06,
    -1.676782510726674e-07,
    6.583354662120443e-09,
    -3.749090950541556e-10,
    2.8121750359748866e-11,
    -2.61145253946232e-12,
    2.8774212663332235e-13,
    -3.649001916061838e-14,
    5.206626366226707e-15,
    -8.215318025458595e-16,
    1.4141084390211833e-16,
    -2.626761589838529e-17,
    5.2192649196714085e-18,
    -1.101261718787959e-18,
)


def _zero_factors(xp: Any, x: Any, zeros: tuple[tuple[float, float], ...]) -> Any:
    """prod (x - z)(x + z) over ``zeros``: ``x - z_hi`` is exact near ``z_hi`` (Sterbenz), so
    subtracting ``z_lo`` afterwards leaves the product relatively accurate next to each zero."""
    prod = xp.ones_like(x)
    for hi, lo in zeros:
        prod = prod * (((x - hi) - lo) * ((x + hi) + lo))
    return prod


def _near(xp: Any, x: Any, order: int) -> tuple[Any, Any]:
    """(J_order(x), the smooth part of Y_order(x)) for ``|x| <= 8`` (``x`` sanitised there)."""
    u = (x * x) * (1.0 / 32.0) - 1.0
    if order == 0:
        j = _zero_factors(xp, x, _J0_ZEROS) * _chebyshev(xp, u, _J0_NEAR)
        return j, _chebyshev(xp, u, _Y0_NEAR)
    # x last: J1 = x/2 rounds correctly once (J1(5e-324) is 0, as torch)
    j = x * (_zero_factors(xp, x, _J1_ZEROS) * _chebyshev(xp, u, _J1_NEAR))
    return j, x * _chebyshev(xp, u, _Y1_NEAR)


def _far(xp: Any, ax: Any, order: int) -> tuple[Any, Any]:
    """(J_order(ax), Y_order(ax)) for ``ax > 8`` (finite, sanitised)."""
    w = 8.0 / ax
    u = 2.0 * (w * w) - 1.0  # 128 / x^2 - 1 without squaring a large x
    amp = _RSQRT_PI / xp.sqrt(ax)  # sqrt(2 / (pi x)) / sqrt(2), the 1/sqrt2 of cos(chi)
    c, s = xp.cos(ax), xp.sin(ax)
    if order == 0:
        p, q = _chebyshev(xp, u, _P0_FAR), _chebyshev(xp, u, _Q0_FAR) / ax
        # chi = x - pi/4: sqrt2 cos(chi) = c + s, sqrt2 sin(chi) = s - c
        return amp * (p * (c + s) - q * (s - c)), amp * (p * (s - c) + q * (c + s))
    p, q = _chebyshev(xp, u, _P1_FAR), _chebyshev(xp, u, _Q1_FAR) / ax
    # chi = x - 3 pi/4: sqrt2 cos(chi) = s - c, sqrt2 sin(chi) = -(s + c)
    return amp * (p * (s - c) + q * (s + c)), amp * (q * (s - c) - p * (s + c))


def _first_kind(xp: Any, x: Any, order: int) -> Any:
    x, nan = _drop_nan(xp, x, 0.0)
    infinite = xp.isinf(x)
    ax = xp.abs(x)
    near = ax <= _NEAR_MAX
    j_near, _ = _near(xp, xp.where(near, x, xp.zeros_like(x)), order)
    j_far, _ = _far(xp, xp.where(near | infinite, _full(xp, x, 16.0), ax), order)
    if order == 1:
        j_far = xp.where(x < 0.0, -j_far, j_far)
    out = xp.where(near, j_near, j_far)
    return _put_nan(xp, xp.where(infinite, _full(xp, x, _NAN), out), nan)


def _second_kind(xp: Any, x: Any, order: int) -> Any:
    x, nan = _drop_nan(xp, x, 1.0)
    # the pole at 0, and for Y1 ~ -2 / (pi x) wherever that quotient overflows
    pole = x <= 0.0 if order == 0 else x < _Y1_POLE
    pole = pole & (x >= 0.0)
    near = (x > 0.0) & (x <= _NEAR_MAX) & ~pole
    xn = xp.where(near, x, _full(xp, x, 1.0))
    j, smooth = _near(xp, xn, order)
    if order == 0:
        y_near = _TWO_OVER_PI * (xp.log(xn) * j) + smooth
    else:
        # (2/pi) / x, not 2/pi * (1/x): 1/x overflows first, from x ~ 5.6e-309
        y_near = (_TWO_OVER_PI * (xp.log(xn) * j) - _TWO_OVER_PI / xn) + smooth
    far = (x > _NEAR_MAX) & ~xp.isinf(x)
    _, y_far = _far(xp, xp.where(far, x, _full(xp, x, 16.0)), order)
    out = xp.where(near, y_near, xp.where(far, y_far, _full(xp, x, _NAN)))
    out = xp.where(pole, _full(xp, x, -_INF), out)
    return _put_nan(xp, out, nan)


def j0(xp: Any, x: Any) -> Any:
    """Bessel function of the first kind of order 0, ``J0(x)``, elementwise (even).

    >>> import numpy as np
    >>> round(float(j0(np, np.asarray(1.0))), 12)
    0.765197686558
    """
    x64, dtype = _to_f64(xp, x)
    return _from_f64(xp, _first_kind(xp, x64, 0), dtype)


def j1(xp: Any, x: Any) -> Any:
    """Bessel function of the first kind of order 1, ``J1(x)``, elementwise (odd).

    >>> import numpy as np
    >>> round(float(j1(np, np.asarray(1.0))), 12)
    0.440050585745
    """
    x64, dtype = _to_f64(xp, x)
    return _from_f64(xp, _first_kind(xp, x64, 1), dtype)


def y0(xp: Any, x: Any) -> Any:
    """Bessel function of the second kind of order 0, ``Y0(x)``, for ``x >= 0``.

    >>> import numpy as np
    >>> round(float(y0(np, np.asarray(1.0))), 12)
    0.088256964216
    """
    x64, dtype = _to_f64(xp, x)
    return _from_f64(xp, _second_kind(xp, x64, 0), dtype)


def y1(xp: Any, x: Any) -> Any:
    """Bessel function of the second kind of order 1, ``Y1(x)``, for ``x >= 0``.

    >>> import numpy as np
    >>> round(float(y1(np, np.asarray(2.0))), 12)
    -0.107032431541
    """
    x64, dtype = _to_f64(xp, x)
    return _from_f64(xp, _second_kind(xp, x64, 1), dtype)
