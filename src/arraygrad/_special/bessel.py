"""Modified Bessel functions of the first kind (``i0``, ``i0e``, ``i1``, ``i1e``) and second
kind (``k0``, ``k1``, ``k0e``, ``k1e``), and the spherical Bessel function ``spherical_j0``.

Chebyshev expansions on two ranges, as Cephes (and so torch) does, with coefficients fitted
here (mpmath, 50 digits, at the Chebyshev nodes; kept while above 1e-18 of the largest):

* ``0 <= |x| <= 8``, ``u = |x| / 4 - 1``: ``exp(-|x|) I0(|x|)`` and ``exp(-|x|) I1(|x|) / |x|``
  (divided by ``|x|`` so that ``i1e`` keeps full relative accuracy near 0);
* ``|x| > 8``, ``u = 16 / |x| - 1``: ``sqrt(|x|) exp(-|x|) I_nu(|x|)``, smooth in ``1 / |x|``
  and ``1 / sqrt(2 pi)`` at infinity.

Edge values as torch: ``i0e(+-inf) = 0``, ``i1e(+-inf) = +-0``, ``i1(+-inf) = nan`` (torch's
``exp(x) / sqrt(x)`` is ``inf / inf`` there); ``i1`` overflows to ``+-inf`` past ``|x|`` ~ 714.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad._special._common import (
    _INF,
    _LOG_FMAX,
    _NAN,
    _RECIP_OVERFLOW,
    _drop_nan,
    _from_f64,
    _full,
    _poly,
    _put_nan,
    _to_f64,
)

__all__ = ["i0", "i0e", "i1", "i1e", "k0", "k0e", "k1", "k1e", "spherical_j0"]

_NEAR_MAX = 8.0

_I0E_NEAR = (
    0.33839763720473803,
    -0.3046826723431984,
    0.17162090152220877,
    -0.09490109704804764,
    0.04930528423967071,
    -0.02373741480589947,
    0.010546460394594998,
    -0.004324309995050576,
    0.0016394756169413357,
    -0.0005763755745385824,
    0.00018850288509584165,
    -5.754195010082104e-05,
    1.6448448070728896e-05,
    -4.4167383584587505e-06,
    1.1173875391201037e-06,
    -2.670793853940612e-07,
    6.046995022541919e-08,
    -1.300025009986248e-08,
    2.6598237246823866e-09,
    -5.189795601635263e-10,
    9.675809035373237e-11,
    -1.726826291441556e-11,
    2.95505266312964e-12,
    -4.856446783111929e-13,
    7.676185498604936e-14,
    -1.1685332877993451e-14,
    1.715391285555133e-15,
    -2.431279846547955e-16,
    3.3307945188222384e-17,
    -4.4153416464793395e-18,
    5.669178006921496e-19,
)
_I1E_NEAR = (
    0.12629359322181682,
    -0.17641651835783406,
    0.1026436586898471,
    -0.05294598120809499,
    0.024726449030626516,
    -0.010564084894626197,
    0.004156422944312888,
    -0.0015135724506312532,
    0.0005122859561685758,
    -0.00016176081582589674,
    4.781565107550054e-05,
    -1.3273163656039436e-05,
    3.4702513081376785e-06,
    -8.568720264695455e-07,
    2.0032947535521353e-07,
    -4.445059128796328e-08,
    9.381537386495773e-09,
    -1.8872497517228294e-09,
    3.625590281552117e-10,
    -6.663489723502027e-11,
    1.1736186298890901e-11,
    -1.9839743977649436e-12,
    3.223793365945575e-13,
    -5.042185504727912e-14,
    7.600684294735408e-15,
    -1.1055969477353862e-15,
    1.5536319577362005e-16,
    -2.111421214358166e-17,
    2.7779141127610464e-18,
    -3.541581772542136e-19,
)
_I0E_FAR = (
    0.4022452055070544,
    0.0033691164782556943,
    6.889758346916825e-05,
    2.8913705208347567e-06,
    2.0489185894690638e-07,
    2.266668990498178e-08,
    3.3962320257083865e-09,
    4.94060238822497e-10,
    1.1889147107846439e-11,
    -3.1499165279632416e-11,
    -1.3215811840447713e-11,
    -1.7941785315068062e-12,
    7.180124451383666e-13,
    3.8527783827421426e-13,
    1.54008621752141e-14,
    -4.150569347287222e-14,
    -9.554846698828307e-15,
    3.8116806693526224e-15,
    1.7725601330565263e-15,
    -3.425485619677219e-16,
    -2.8276239805165836e-16,
    3.461222867697461e-17,
    4.46562142029676e-17,
    -4.830504485944182e-18,
    -7.233180487874754e-18,
    9.921475412173699e-19,
    1.193650890845982e-18,
)
_I1E_FAR = (
    0.38928811750914005,
    -0.009761097491361469,
    -0.00011058893876262371,
    -3.882564808877691e-06,
    -2.512236237870209e-07,
    -2.6314688468895196e-08,
    -3.835380385964237e-09,
    -5.589743462196584e-10,
    -1.8974958123505413e-11,
    3.2526035830154884e-11,
    1.4125807436613782e-11,
    2.0356285441470896e-12,
    -7.198551776245908e-13,
    -4.0835511110921974e-13,
    -2.1015418427726643e-14,
    4.272440016711951e-14,
    1.0420276984128802e-14,
    -3.8144030724370075e-15,
    -1.8803547755107825e-15,
    3.3082023109209285e-16,
    2.96262899764595e-16,
    -3.209525921993424e-17,
    -4.6503053684893586e-17,
    4.414348323071708e-18,
    7.517296310842105e-18,
    -9.314178867326884e-19,
    -1.242193275194891e-18,
)

# Modified Bessel functions of the second kind, as above: for 0 < x <= 2, u = x^2 / 2 - 1,
# K0(x) + log(x/2) I0(x) and x (K1(x) - log(x/2) I1(x)) (smooth in x^2); for x > 2, u = 4/x - 1,
# sqrt(x) exp(x) K_nu(x) (sqrt(pi/2) at infinity).
_K_NEAR_MAX = 2.0
_K0_NEAR = (
    -0.2676636966169514,
    0.3442898999246285,
    0.0359799365153615,
    0.001264615411446926,
    2.286212103119452e-05,
    2.5347910790261494e-07,
    1.904516377220209e-09,
    1.0349695257633625e-11,
    4.2598161427910826e-14,
    1.3744654358807508e-16,
    3.5708965285083736e-19,
)
_K1_NEAR = (
    0.7626501136694739,
    -0.3531559607765449,
    -0.12261118082265715,
    -0.006975723859639864,
    -0.0001730288957513052,
    -2.4334061415659684e-06,
    -2.213387630734726e-08,
    -1.4114883926335278e-10,
    -6.666901694199329e-13,
    -2.427449850519366e-15,
    -7.023863479386288e-18,
)
_K0_FAR = (
    1.2201515410329777,
    -0.0314481013119645,
    0.0015698838857300533,
    -0.00012849549581627802,
    1.39498137188765e-05,
    -1.8317555227191195e-06,
    2.766813639445015e-07,
    -4.660489897687948e-08,
    8.574034017414225e-09,
    -1.6975345093890614e-09,
    3.5773972814003283e-10,
    -7.957489244477396e-11,
    1.8559491149549264e-11,
    -4.514597883374519e-12,
    1.1403405882073441e-12,
    -2.9800969231481784e-13,
    8.032890775068375e-14,
    -2.2275133267462965e-14,
    6.340076476276646e-15,
    -1.848593377920907e-15,
    5.5120559994043335e-16,
    -1.6782311257549006e-16,
    5.2103917776435543e-17,
    -1.6475805939842632e-17,
    5.3004337711773354e-18,
    -1.7331712005821001e-18,
)
_K1_FAR = (
    1.3603130952422213,
    0.10392373657681724,
    -0.002857816859622779,
    0.00019521551847135162,
    -1.936197974166083e-05,
    2.406484947837217e-06,
    -3.5019606030878126e-07,
    5.7410841254500495e-08,
    -1.0345762465678097e-08,
    2.0150497551970347e-09,
    -4.1903547593419254e-10,
    9.218315187605315e-11,
    -2.129967838427791e-11,
    5.139639673482343e-12,
    -1.2891739609498229e-12,
    3.348419666052243e-13,
    -8.976705182010146e-14,
    2.4771544242195988e-14,
    -7.0198370892147685e-15,
    2.038703166239861e-15,
    -6.057047270643018e-16,
    1.8380935752430455e-16,
    -5.689462849193648e-17,
    1.7940510478863572e-17,
    -5.7567444820733025e-18,
    1.8778651901623268e-18,
)


def _chebyshev(xp: Any, u: Any, coeffs: tuple[float, ...]) -> Any:
    """Clenshaw's sum of ``coeffs[k] T_k(u)`` for ``u`` in [-1, 1]."""
    b1 = xp.zeros_like(u)
    b2 = xp.zeros_like(u)
    two_u = 2.0 * u
    for c in coeffs[:0:-1]:
        b1, b2 = c + two_u * b1 - b2, b1
    return coeffs[0] + u * b1 - b2


def _scaled(xp: Any, ax: Any, order: int) -> Any:
    """``exp(-ax) I_order(ax)`` for ``ax >= 0`` (nan-free input; ``inf`` gives 0)."""
    near = ax <= _NEAR_MAX
    u_near = xp.where(near, ax, _full(xp, ax, 0.0)) * 0.25 - 1.0
    # 16 / inf is 0, so u = -1 at infinity: the expansion's limit 1 / sqrt(2 pi), then / inf = 0.
    u_far = 16.0 / xp.where(near, _full(xp, ax, 16.0), ax) - 1.0
    if order == 0:
        v_near = _chebyshev(xp, u_near, _I0E_NEAR)
        far = _chebyshev(xp, u_far, _I0E_FAR)
    else:
        v_near = _chebyshev(xp, u_near, _I1E_NEAR) * ax
        far = _chebyshev(xp, u_far, _I1E_FAR)
    v_far = far / xp.sqrt(xp.where(near, _full(xp, ax, 16.0), ax))
    return xp.where(near, v_near, v_far)


def i0e(xp: Any, x: Any) -> Any:
    """Exponentially scaled modified Bessel function ``exp(-|x|) I0(x)``, elementwise.

    >>> import numpy as np
    >>> round(float(i0e(np, np.asarray(1.0))), 12)
    0.465759607594
    """
    x64, dtype = _to_f64(xp, x)
    x64, nan = _drop_nan(xp, x64, 0.0)
    return _from_f64(xp, _put_nan(xp, _scaled(xp, xp.abs(x64), 0), nan), dtype)


def i1e(xp: Any, x: Any) -> Any:
    """Exponentially scaled modified Bessel function ``exp(-|x|) I1(x)``, elementwise (odd).

    >>> import numpy as np
    >>> round(float(i1e(np, np.asarray(-1.0))), 12)
    -0.20791041535
    """
    x64, dtype = _to_f64(xp, x)
    x64, nan = _drop_nan(xp, x64, 0.0)
    v = _scaled(xp, xp.abs(x64), 1)
    # -v only where x < 0, as torch: i1e(-0.0) is +0.0, i1e(-inf) is -0.0.
    return _from_f64(xp, _put_nan(xp, xp.where(x64 < 0.0, -v, v), nan), dtype)


def _unscaled(xp: Any, x: Any, order: int) -> Any:
    """``I_order(x)`` = ``exp(|x|) * i{order}e(x)`` on float64 ``x``, the exponential split in
    halves so that it stays finite as far as float64 reaches (``|x|`` ~ 714); ``inf`` beyond,
    ``nan`` at ``+-inf`` as torch."""
    x64, nan = _drop_nan(xp, x, 0.0)
    infinite = xp.isinf(x64)
    ax = xp.abs(xp.where(infinite, _full(xp, x64, 1.0), x64))
    scaled = _scaled(xp, ax, order)
    # log I = ax + log(scaled): beyond the float64 range the result is inf (found before the
    # multiplication, which would warn); the 1e-9 margin keeps the product itself finite.
    positive = scaled > 0.0
    over = ax + xp.log(xp.where(positive, scaled, _full(xp, ax, 1.0))) > _LOG_FMAX - 1e-9
    half = xp.exp(xp.where(over, _full(xp, ax, 0.0), ax) * 0.5)
    v = xp.where(over, _full(xp, ax, _INF), (scaled * half) * half)
    if order == 1:
        v = xp.where(x64 < 0.0, -v, v)
    v = xp.where(infinite, _full(xp, x64, _NAN), v)
    return _put_nan(xp, v, nan)


def i1(xp: Any, x: Any) -> Any:
    """Modified Bessel function of the first kind of order 1, ``I1(x)``, elementwise (odd).

    ``exp(|x|) * i1e(x)``, finite as far as float64 reaches (``|x|`` ~ 714, where torch's
    overflows from 709.8); ``+-inf`` beyond, ``nan`` at ``+-inf`` as torch.

    >>> import numpy as np
    >>> round(float(i1(np, np.asarray(1.0))), 12)
    0.565159103992
    """
    x64, dtype = _to_f64(xp, x)
    return _from_f64(xp, _unscaled(xp, x64, 1), dtype)


def i0(xp: Any, x: Any) -> Any:
    """Modified Bessel function of the first kind of order 0, ``I0(x)`` (torch's
    ``special.modified_bessel_i0``: ``nan`` at ``+-inf``), elementwise.

    >>> import numpy as np
    >>> round(float(i0(np, np.asarray(1.0))), 12)
    1.266065877752
    """
    x64, dtype = _to_f64(xp, x)
    return _from_f64(xp, _unscaled(xp, x64, 0), dtype)


# sin(x)/x = sum_k (-x^2)^k / (2k+1)! below |x| = 1/2 (8 terms reach 1e-20 there), highest first
_SINC_SERIES = tuple((-1.0) ** k / math.factorial(2 * k + 1) for k in range(8, -1, -1))


def spherical_j0(xp: Any, x: Any) -> Any:
    """Spherical Bessel function of the first kind of order 0, ``sin(x) / x``, elementwise:
    1 at 0, 0 at ``+-inf`` (as torch), its Taylor series below ``|x| = 1/2``.

    >>> import numpy as np
    >>> round(float(spherical_j0(np, np.asarray(3.0))), 12)
    0.047040002687
    """
    x64, dtype = _to_f64(xp, x)
    x64, nan = _drop_nan(xp, x64, 0.0)
    small = xp.abs(x64) < 0.5
    infinite = xp.isinf(x64)
    xs = xp.where(small, x64, xp.zeros_like(x64))
    v_small = _poly(xp, xs * xs, _SINC_SERIES)
    xl = xp.where(small | infinite, _full(xp, x64, 1.0), x64)
    v = xp.where(small, v_small, xp.sin(xl) / xl)
    v = xp.where(infinite, xp.zeros_like(x64), v)
    return _from_f64(xp, _put_nan(xp, v, nan), dtype)


def _second_kind(xp: Any, x: Any, order: int, scaled: bool) -> Any:
    """``K_order(x)`` (times ``exp(x)`` when ``scaled``) on float64 ``x``, torch's edges:
    ``inf`` at +-0, ``nan`` below 0 and at ``-inf``, 0 at ``inf``."""
    x, nan = _drop_nan(xp, x, 1.0)
    # the pole at 0; K1 ~ 1/x is inf also where 1/x overflows (x <= 2**-1024)
    pole = x <= (_RECIP_OVERFLOW if order == 1 else 0.0)
    pole = pole & (x >= 0.0)
    near = (x > 0.0) & (x <= _K_NEAR_MAX) & ~pole
    xn = xp.where(near, x, _full(xp, x, 1.0))
    u = (xn * xn) * 0.5 - 1.0
    log_half = xp.log(xn) - math.log(2.0)  # not log(x/2): x/2 underflows to 0 for 5e-324
    if order == 0:
        v_near = _chebyshev(xp, u, _K0_NEAR) - log_half * _unscaled(xp, xn, 0)
    else:
        v_near = log_half * _unscaled(xp, xn, 1) + _chebyshev(xp, u, _K1_NEAR) / xn
    if scaled:
        v_near = v_near * xp.exp(xn)
    far = x > _K_NEAR_MAX
    xf = xp.where(far, x, _full(xp, x, 4.0))
    v_far = _chebyshev(xp, 4.0 / xf - 1.0, _K0_FAR if order == 0 else _K1_FAR) / xp.sqrt(xf)
    if not scaled:
        v_far = v_far * xp.exp(-xf)
    out = xp.where(near, v_near, v_far)
    out = xp.where(pole, _full(xp, x, _INF), out)
    out = xp.where(x < 0.0, _full(xp, x, _NAN), out)
    return _put_nan(xp, out, nan)


def k0(xp: Any, x: Any) -> Any:
    """Modified Bessel function of the second kind of order 0, ``K0(x)``, for ``x >= 0``.

    >>> import numpy as np
    >>> round(float(k0(np, np.asarray(1.0))), 12)
    0.421024438241
    """
    x64, dtype = _to_f64(xp, x)
    return _from_f64(xp, _second_kind(xp, x64, 0, False), dtype)


def k1(xp: Any, x: Any) -> Any:
    """Modified Bessel function of the second kind of order 1, ``K1(x)``, for ``x >= 0``.

    >>> import numpy as np
    >>> round(float(k1(np, np.asarray(1.0))), 12)
    0.601907230197
    """
    x64, dtype = _to_f64(xp, x)
    return _from_f64(xp, _second_kind(xp, x64, 1, False), dtype)


def k0e(xp: Any, x: Any) -> Any:
    """Exponentially scaled ``exp(x) K0(x)``, for ``x >= 0``.

    >>> import numpy as np
    >>> round(float(k0e(np, np.asarray(1.0))), 12)
    1.144463079807
    """
    x64, dtype = _to_f64(xp, x)
    return _from_f64(xp, _second_kind(xp, x64, 0, True), dtype)


def k1e(xp: Any, x: Any) -> Any:
    """Exponentially scaled ``exp(x) K1(x)``, for ``x >= 0``.

    >>> import numpy as np
    >>> round(float(k1e(np, np.asarray(1.0))), 12)
    1.636153486263
    """
    x64, dtype = _to_f64(xp, x)
    return _from_f64(xp, _second_kind(xp, x64, 1, True), dtype)
