"""Special functions that NumPy lacks, written once against an Array API namespace.

Every public function takes the namespace ``xp`` as its first argument (``numpy`` itself,
``array_api_strict``, ...) and uses only functions of the Array API standard 2023.12, so the
same code runs on every conforming library. The functions are elementwise: the input must be
a real floating array (float16/float32/float64); the work is done in float64 and the result
is cast back to the input dtype, overflowing to ``inf`` rather than warning.

Branches are computed with ``xp.where``, so *every* branch is evaluated on every element.
To keep NumPy free of ``RuntimeWarning`` s (divide by zero, invalid value, overflow) under
``warnings.simplefilter("error")``, each branch is fed a *sanitised* copy of the input in
which the elements it does not own are replaced by a harmless value, and values that would
overflow are detected beforehand and produced as ``inf`` directly.

Accuracy (float64, measured against mpmath): about 1e-15 relative for ``erf``, ``erfc``,
``erfinv``, ``lgamma`` (x > 0), ``digamma`` (x > 0), ``polygamma`` and ``zeta`` for q > 0.
Near the zeros of ``lgamma``/``digamma`` on the negative axis the error is a few ulp
*absolute* (the reflection formula subtracts two numbers of size ~log|x|).

Also ``erfcx``, ``log_ndtr``, ``ndtri`` (error_function.py), ``i0e``, ``i1``, ``i1e``
(bessel.py), ``j0``, ``j1``, ``y0``, ``y1`` (bessel_jy.py), ``airy_ai`` (airy.py),
``gammainc``/``gammaincc`` (incomplete_gamma.py) and torch's orthogonal polynomials
(orthogonal.py); their modules give their methods and accuracy.

Edge cases follow ``torch`` 2.13 (``torch.special.erf/erfc/erfinv``, ``torch.lgamma``,
``torch.digamma``, ``torch.polygamma``, ``torch.special.zeta``), with these deliberate
exceptions, where torch is inaccurate and we return the mathematically correct value:

* ``i1(x)`` for 709.8 < ``|x|`` < 714: finite (torch's ``exp(x)`` overflows first, giving inf).
* ``k1(x)``, ``k1e(x)`` for subnormal ``x`` where ``1/x`` overflows: inf (torch: nan).
* ``zeta(inf, q)``: taken as the largest finite ``s`` (0 for ``q > 1``, where torch gives nan).

* ``polygamma(1, x)``: torch uses a short asymptotic series (about 5e-10 relative error) and
  an unreduced ``sin(pi*x)`` (relative error up to ~1e-5 close to negative integers, and a
  finite ~1e32 instead of ``inf`` *at* negative integers).
* ``digamma(x)`` just above a negative integer: torch reduces the argument with ``modf`` so
  ``tan(pi*r)`` loses digits (relative error ~1e-8 at distance 1e-9 from the pole).
* ``zeta(s, q)`` / ``polygamma(n, x)`` for large q: torch's Cephes code sums ``q**-s`` terms
  that are subnormal or 0 and loses digits or returns 0 (e.g. ``zeta(2, 1e300)`` = 0,
  ``polygamma(8, 2.4e35)`` off by 6e-7); the integral term ``w**(1-s)/(s-1)`` keeps ours exact.
* ``polygamma(n, x)`` / ``zeta`` for even ``n`` at negative ``x``: torch sums |x| alternating
  terms directly (cancellation, e.g. 6e-8 relative error for ``polygamma(4, -49.5)``); we use
  the reflection formula.
"""

from __future__ import annotations

from arraygrad._special.airy import airy_ai
from arraygrad._special.bessel import i0, i0e, i1, i1e, k0, k0e, k1, k1e, spherical_j0
from arraygrad._special.bessel_jy import j0, j1, y0, y1
from arraygrad._special.error_function import erf, erfc, erfcx, erfinv, log_ndtr, ndtri
from arraygrad._special.gamma import digamma, lgamma, polygamma, zeta, zeta_elementwise
from arraygrad._special.incomplete_gamma import gammainc, gammaincc
from arraygrad._special.orthogonal import (
    chebyshev_t,
    chebyshev_u,
    chebyshev_v,
    chebyshev_w,
    hermite_h,
    hermite_he,
    laguerre_l,
    legendre_p,
    shifted_chebyshev_t,
    shifted_chebyshev_u,
    shifted_chebyshev_v,
    shifted_chebyshev_w,
)

__all__ = [
    "airy_ai",
    "chebyshev_t",
    "chebyshev_u",
    "chebyshev_v",
    "chebyshev_w",
    "digamma",
    "erf",
    "erfc",
    "erfcx",
    "erfinv",
    "gammainc",
    "gammaincc",
    "hermite_h",
    "hermite_he",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "j0",
    "j1",
    "k0",
    "k0e",
    "k1",
    "k1e",
    "laguerre_l",
    "legendre_p",
    "lgamma",
    "log_ndtr",
    "ndtri",
    "polygamma",
    "shifted_chebyshev_t",
    "shifted_chebyshev_u",
    "shifted_chebyshev_v",
    "shifted_chebyshev_w",
    "spherical_j0",
    "y0",
    "y1",
    "zeta",
    "zeta_elementwise",
]
