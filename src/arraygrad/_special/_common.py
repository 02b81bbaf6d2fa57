"""Constants and array helpers shared by the special functions (float64 work, safe branches)."""

from __future__ import annotations

import math
import sys
from typing import Any

_INF = math.inf
_NAN = math.nan
_FMAX = sys.float_info.max
_LOG_FMAX = math.log(_FMAX)
_EULER = 0.57721566490153286061  # Euler-Mascheroni constant gamma
_LOG_PI = math.log(math.pi)
_ZETA2 = math.pi**2 / 6.0
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
# 1/x overflows float64 exactly when |x| <= 2**-1024 (a subnormal number).
_RECIP_OVERFLOW = 2.0**-1024


# The Bernoulli numbers B_0, B_2, ..., B_24 as exact fractions (numerator, denominator): the
# coefficients of Stirling's series and of Euler-Maclaurin summation. Integer pairs rather than
# fractions.Fraction, whose import (with decimal's) would cost 3 ms of `import arraygrad`;
# tests/test_special.py checks them against the classic recurrence.
_BERNOULLI_EVEN = (
    (1, 1),
    (1, 6),
    (-1, 30),
    (1, 42),
    (-1, 30),
    (5, 66),
    (-691, 2730),
    (7, 6),
    (-3617, 510),
    (43867, 798),
    (-174611, 330),
    (854513, 138),
    (-236364091, 2730),
)


def _bernoulli_over(k: int, divisor: int) -> float:
    """B_2k / divisor, correctly rounded to float64 (Python divides integers exactly rounded).

    >>> _bernoulli_over(1, 2)  # B_2 / 2 = 1/12
    0.08333333333333333
    """
    numerator, denominator = _BERNOULLI_EVEN[k]
    return numerator / (denominator * divisor)


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _to_f64(xp: Any, x: Any) -> tuple[Any, Any]:
    """Return (x as float64, original dtype); reject non-floating input."""
    x = xp.asarray(x)
    if not _real_floating(xp, x.dtype):
        raise TypeError(f"expected a real floating-point array, got dtype {x.dtype}")
    return xp.astype(x, xp.float64), x.dtype


def _real_floating(xp: Any, dtype: Any) -> bool:
    try:
        return bool(xp.isdtype(dtype, "real floating"))
    except TypeError:  # NumPy's isdtype refuses other packages' dtypes: ml_dtypes' bfloat16
        return str(dtype) == "bfloat16"


def _from_f64(xp: Any, y: Any, dtype: Any) -> Any:
    """Cast a float64 result back to ``dtype``, turning would-be overflows into +-inf.

    NumPy warns ("overflow encountered in cast") when a finite float64 becomes inf in a
    narrower type, so values that round to inf are replaced by inf *before* the cast. A value
    rounds to inf when it is at least max + ulp(max)/2 = 2**emax * (2 - eps/2).
    """
    if dtype == xp.float64:
        return y
    if not (dtype == xp.float32 or dtype == xp.float16):
        # bfloat16 (ml_dtypes'), which finfo does not know: through float32, whose exponent
        # range it shares (so overflows are float32's), rounded again, as a double converts
        return xp.astype(_from_f64(xp, y, xp.float32), dtype)
    fi = xp.finfo(dtype)
    eps = float(fi.eps)
    big = float(fi.max) / (2.0 - eps) * (2.0 - eps / 2.0)
    inf = xp.full_like(y, _INF)
    y = xp.where(y >= big, inf, xp.where(y <= -big, -inf, y))
    return xp.astype(y, dtype)


def _full(xp: Any, like: Any, value: float) -> Any:
    return xp.full_like(like, value)


def _drop_nan(xp: Any, x: Any, safe: float) -> tuple[Any, Any]:
    """Replace nan by ``safe``; return (clean x, nan mask).

    Arithmetic on a *signalling* nan raises NumPy's "invalid value" warning (quiet nans do
    not), so nans are kept out of every computation and a quiet nan is put back at the end.
    """
    nan = xp.isnan(x)
    return xp.where(nan, _full(xp, x, safe), x), nan


def _put_nan(xp: Any, out: Any, nan: Any) -> Any:
    return xp.where(nan, _full(xp, out, _NAN), out)


def _poly(xp: Any, z: Any, coeffs: list[float] | tuple[float, ...]) -> Any:
    """Horner evaluation of sum(coeffs[i] * z**(n-i)) (highest degree first)."""
    acc = _full(xp, z, coeffs[0])
    for c in coeffs[1:]:
        # In place (acc is ours): the same roundings without a new array per step; a library
        # without in-place operators rebinds acc instead.
        acc *= z
        acc += c
    return acc


def _needed(xp: Any, mask: Any) -> bool:
    """Whether some element of ``mask`` is set: a branch computed for those elements only can
    be skipped where none is (``where(mask, branch, other)`` is then ``other``, bit for bit).
    A lazy library's mask is not read, which would compute it: there every branch runs."""
    from arraygrad import _backend  # (imported late: _backend imports this package)

    return _backend.is_lazy or bool(xp.any(mask))


def _masked(xp: Any, mask: Any, fn: Any, x: Any, fill: float) -> Any:
    """``fn(x)`` where ``mask`` is set, for a ``where(mask, ...)`` to pick: the other elements
    are left unspecified. An eager library evaluates the elementwise ``fn`` on the masked
    elements only (the same bits there, less work for a branch few elements take); a lazy
    one, whose masks are not read, on all of ``x`` with ``fill`` (a safe argument) elsewhere."""
    from arraygrad import _backend

    if _backend.is_lazy:
        return fn(xp.where(mask, x, _full(xp, x, fill)))
    out = xp.zeros_like(x)
    _on_range(xp, mask, fn, x, into=out)
    return out


def _on_range(xp: Any, mask: Any, fn: Any, *args: Any, into: Any) -> None:
    """``into[mask] = fn(*(arg[mask] for arg in args))``: the elementwise ``fn`` computed on
    the masked elements only and written back there, in place (an eager library's arrays);
    ``into`` may be a tuple of arrays, one per result of ``fn``. Nothing is computed where no
    element is set (``fn``'s dozens of calls on empty arrays would cost more than the test).
    The elements are picked as the backend finds fastest (``blockwise.range_index``)."""
    import arraygrad._backend.blockwise as blockwise  # (late: _backend imports this package)

    index = blockwise.range_index(xp, mask)
    if index is None:
        return
    values = fn(*[arg[index] for arg in args])
    if into.__class__ is tuple:
        for out, part in zip(into, values, strict=True):
            out[index] = part
    else:
        into[index] = values


def _poly1(xp: Any, z: Any, coeffs: list[float] | tuple[float, ...]) -> Any:
    """Horner evaluation of a monic polynomial: z**n + sum(coeffs[i] * z**(n-1-i))."""
    acc = z + coeffs[0]
    for c in coeffs[1:]:
        acc = acc * z + c
    return acc


def _cot_pi(xp: Any, r: Any) -> Any:
    """cot(pi*r) for |r| <= 1/2, r != 0 (argument already reduced so pi*r is accurate).

    cos(pi*r) is computed as sin(pi*(1/2 - |r|)): ``cos(pi * 0.5)`` is 6e-17 in floating point,
    not 0, and that would swamp the small values even-order polygamma takes at negative
    half-integers (the reflection polynomial in cot vanishes there). 1/2 - |r| is exact where
    it matters (|r| >= 1/4).
    """
    return xp.sin((0.5 - xp.abs(r)) * math.pi) / xp.sin(r * math.pi)
