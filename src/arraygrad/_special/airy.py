"""The Airy function ``Ai(x)`` (torch's ``special.airy_ai``), elementwise on real floating arrays.

Four ranges, each a Chebyshev expansion fitted for this module (mpmath, 50 digits, 80 nodes,
kept while above 1e-18 of the largest coefficient), with
``zeta = 2/3 |x|^(3/2)``:

* ``-6 <= x < -2``: ``Ai(x) / prod (x - a_k)`` over the first four zeros ``a_k`` (two doubles
  each, so ``Ai`` keeps its relative accuracy next to them); ``-2 <= x <= 2``: ``Ai(x)``;
* ``x > 2``, in ``u = 2 zeta(2) / zeta - 1``: ``2 sqrt(pi) x^(1/4) exp(zeta) Ai(x)`` (1 at
  infinity); ``exp(-zeta)`` is applied in two halves so that it reaches the subnormal range;
* ``x < -6``, in ``u = 2 zeta(6) / zeta - 1``: ``P`` and ``zeta Q`` in ``Ai(-x) = (cos(theta) P +
  sin(theta) Q) / (sqrt(pi) x^(1/4))``, ``theta = zeta - pi/4``.

``zeta`` is carried as two doubles (Dekker's exact products), so neither ``exp(-zeta)`` nor the
phase ``theta`` inherits its rounding error, ``zeta * eps``: torch's ``airy_ai(-1e10)`` has the
wrong sign (its phase is ~0.1 rad off), ours matches mpmath to a few ulps absolute.

Accuracy (float64, against mpmath): a few ulps relative for ``x >= -6`` and a few ulps
absolute (relative to the envelope ``x^(-1/4) / sqrt(pi)``) below, out to ``x = -1e8``;
further out the two-double ``zeta`` is ~``zeta * 1e-32`` rad off (30 ulps at -7e11).

Edges as torch: nan at ``+-inf``; 0 past ``x`` ~ 104 (underflow). Below ``x = -1e200``,
where ``zeta`` leaves float64 and the phase is unknown, nan (torch: nan from about -1e205).
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad._special._common import _NAN, _drop_nan, _from_f64, _full, _put_nan, _to_f64
from arraygrad._special.bessel import _chebyshev

__all__ = ["airy_ai"]

_MID_LO, _MID_SPLIT, _MID_HI = -6.0, -2.0, 2.0
_ZETA_HI = 2.0 / 3.0 * _MID_HI**1.5  # zeta(2) and zeta(6): the far ranges' variables
_ZETA_LO = 2.0 / 3.0 * (-_MID_LO) ** 1.5
_FAR_MAX = 1e200  # x^(3/2) and Dekker's split of it stay finite up to here
_SPLIT = 134217729.0  # 2**27 + 1: Dekker's splitting constant for float64
_TWO_THIRDS_HI = 2.0 / 3.0
_TWO_THIRDS_LO = 3.700743415417188e-17  # 2/3 - _TWO_THIRDS_HI
_RSQRT_PI = 1.0 / math.sqrt(math.pi)
_RSQRT2 = math.sqrt(0.5)

_AI_ZEROS = (
    (-2.338107410459767, -3.912260409818305e-17),
    (-4.08794944413097, -3.387261694242901e-16),
    (-5.520559828095551, -2.674142599618633e-16),
    (-6.786708090071759, -9.56301343655757e-17),
)
_AI_MID = (
    0.09381221180003951,
    -0.06742006931517157,
    -0.021086170082987937,
    0.015819385428230987,
    -0.0011300969680320184,
    -0.0011820785073561504,
    0.0002969580188058415,
    2.1985745292110047e-05,
    -1.9047850730166908e-05,
    1.8573834913686215e-06,
    5.038552560867295e-07,
    -1.3604875751292625e-07,
    1.487393041249384e-09,
    3.834735149167722e-09,
    -5.092346892364821e-10,
    -3.508052188950586e-11,
    1.573040431872835e-11,
    -1.0051732109960078e-12,
    -2.0380360668877712e-13,
    4.021946708881881e-14,
    -5.854482943119456e-16,
    -6.016198021281159e-16,
    6.816606301607965e-17,
    2.268174813204386e-18,
    -1.1601417872951497e-18,
)
_AI_MID_POS = (
    0.26381798191440015,
    -0.19176745775077353,
    -0.11544587863809751,
    0.10129229869705277,
    -0.020634225363441998,
    -0.005263460235879724,
    0.003521327342050992,
    -0.0005522127136308693,
    -8.722346961097546e-05,
    4.9972155304858785e-05,
    -6.58209616965938e-06,
    -7.465940980665808e-07,
    3.8371005050115145e-07,
    -4.427726202518875e-08,
    -3.901520676114033e-09,
    1.8443828865292734e-09,
    -1.9121426939191717e-10,
    -1.3741370931826864e-11,
    6.069496004903079e-12,
    -5.749799143489761e-13,
    -3.483089713417748e-14,
    1.452966097730621e-14,
    -1.2731201711598244e-15,
    -6.658181469864444e-17,
    2.6436799630296418e-17,
    -2.162377737234879e-18,
)
_AI_POS = (
    0.9844053049171552,
    -0.014792784850104199,
    0.0007327177465426715,
    -6.12595423417825e-05,
    6.83476697557269e-06,
    -9.237229735403982e-07,
    1.436225340438052e-07,
    -2.489319422322096e-08,
    4.709793440054328e-09,
    -9.583863708112733e-10,
    2.0745855483677591e-10,
    -4.737267332192277e-11,
    1.1336099808224236e-11,
    -2.827706782319351e-12,
    7.320712095125598e-13,
    -1.9599793911089723e-13,
    5.4101162570683925e-14,
    -1.5356466802223836e-14,
    4.472340393300025e-15,
    -1.3338094674756683e-15,
    4.066582046456231e-16,
    -1.265583225645289e-16,
    4.015126334015871e-17,
    -1.2969972135960937e-17,
    4.2613499074124e-18,
    -1.422676842293507e-18,
)
_AI_NEG_P = (
    0.999856589561758,
    -0.00019078342183261697,
    -4.705464179669621e-05,
    3.595995053739612e-07,
    3.9879142697828783e-08,
    -1.458259325111554e-09,
    -7.09017813449333e-11,
    8.796151544734064e-12,
    -5.5189585065552563e-14,
    -5.809431946480868e-14,
    4.7332717975047195e-15,
    1.9335892199878854e-16,
    -7.535702445494624e-17,
    5.5057111519482636e-18,
)
_AI_NEG_Q = (
    0.06929927878740784,
    -0.00019271043853975745,
    -4.6924941906075203e-05,
    6.963706753357986e-07,
    7.268864110368589e-08,
    -4.025745562274375e-09,
    -1.5290420537679052e-10,
    2.994725353021156e-11,
    -6.945435921622674e-13,
    -2.1325303559855256e-13,
    2.4992400803212528e-14,
    2.376656178866223e-16,
    -3.760868008667771e-16,
    4.074094746324345e-17,
    1.3670652413939517e-18,
    -9.898472780933213e-19,
    1.214835385055165e-19,
)


def _two_product(a: Any, b: Any) -> tuple[Any, Any]:
    """(p, e) with p = fl(a * b) and p + e = a * b exactly (Dekker; no fma in the Array API)."""
    p = a * b
    ca, cb = _SPLIT * a, _SPLIT * b
    ah = ca - (ca - a)
    bh = cb - (cb - b)
    al, bl = a - ah, b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _zeta(xp: Any, ax: Any) -> tuple[Any, Any]:
    """``2/3 ax^(3/2)`` as an unevaluated sum hi + lo, for 0 < ax <= 1e200."""
    s = xp.sqrt(ax)
    p, e = _two_product(s, s)
    s_lo = ((ax - p) - e) / (2.0 * s)  # sqrt(ax) = s + s_lo; ax - p is exact (Sterbenz)
    m, m_err = _two_product(ax, s)
    m_lo = m_err + ax * s_lo
    z, z_err = _two_product(m, _full(xp, m, _TWO_THIRDS_HI))
    z_lo = z_err + (m * _TWO_THIRDS_LO + m_lo * _TWO_THIRDS_HI)
    hi = z + z_lo
    return hi, z_lo - (hi - z)


def _mid(xp: Any, x: Any) -> Any:
    prod = xp.ones_like(x)
    for hi, lo in _AI_ZEROS:
        prod = prod * ((x - hi) - lo)
    u_neg = (x - _MID_LO) * (2.0 / (_MID_SPLIT - _MID_LO)) - 1.0
    u_pos = (x - _MID_SPLIT) * (2.0 / (_MID_HI - _MID_SPLIT)) - 1.0
    # the zeros' product grows much faster than Ai right of its first zero, and the quotient's
    # expansion would cancel: above -2 (no zero) Ai is fitted directly
    return xp.where(
        x < _MID_SPLIT,
        prod * _chebyshev(xp, u_neg, _AI_MID),
        _chebyshev(xp, u_pos, _AI_MID_POS),
    )


def _positive(xp: Any, x: Any) -> Any:
    """``Ai(x)`` for ``2 < x <= 1e200`` (sanitised)."""
    hi, lo = _zeta(xp, x)
    f = _chebyshev(xp, (2.0 * _ZETA_HI) / hi - 1.0, _AI_POS)
    # exp(-zeta) = exp(-hi/2)^2 exp(-lo): the halves stay normal while the result is, and
    # exp(-lo) ~ 1 - lo is what float64 can hold of the low part
    half = xp.exp(-0.5 * hi)
    return ((f * (1.0 - lo) * half) * (0.5 * _RSQRT_PI / xp.sqrt(xp.sqrt(x)))) * half


def _negative(xp: Any, ax: Any) -> Any:
    """``Ai(-ax)`` for ``6 < ax <= 1e200`` (sanitised)."""
    hi, lo = _zeta(xp, ax)
    u = (2.0 * _ZETA_LO) / hi - 1.0
    p, q = _chebyshev(xp, u, _AI_NEG_P), _chebyshev(xp, u, _AI_NEG_Q) / hi
    # cos and sin of zeta = hi + lo (lo is not negligible: up to ulp(hi)/2), then of theta =
    # zeta - pi/4 as (cos + sin) / sqrt2, (sin - cos) / sqrt2
    ch, sh, cl, sl = xp.cos(hi), xp.sin(hi), xp.cos(lo), xp.sin(lo)
    c = ch * cl - sh * sl
    s = sh * cl + ch * sl
    amp = _RSQRT_PI * _RSQRT2 / xp.sqrt(xp.sqrt(ax))
    return amp * (p * (c + s) + q * (s - c))


def airy_ai(xp: Any, x: Any) -> Any:
    """The Airy function of the first kind ``Ai(x)``, elementwise.

    >>> import numpy as np
    >>> round(float(airy_ai(np, np.asarray(1.0))), 12)
    0.135292416313
    """
    x64, dtype = _to_f64(xp, x)
    x64, nan = _drop_nan(xp, x64, 0.0)
    mid = (x64 >= _MID_LO) & (x64 <= _MID_HI)
    pos = (x64 > _MID_HI) & (x64 <= _FAR_MAX)
    neg = (x64 < _MID_LO) & (x64 >= -_FAR_MAX)
    out = _mid(xp, xp.where(mid, x64, xp.zeros_like(x64)))
    out = xp.where(pos, _positive(xp, xp.where(pos, x64, _full(xp, x64, 4.0))), out)
    out = xp.where(neg, _negative(xp, xp.where(neg, -x64, _full(xp, x64, 8.0))), out)
    # past 1e200 Ai underflows to 0; below -1e200 the phase is lost; +-inf are nan as torch
    out = xp.where(x64 > _FAR_MAX, xp.zeros_like(x64), out)
    out = xp.where((x64 < -_FAR_MAX) | xp.isinf(x64), _full(xp, x64, _NAN), out)
    return _from_f64(xp, _put_nan(xp, out, nan), dtype)
