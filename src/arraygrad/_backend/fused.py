"""A fused multiply-add ``base + alpha * update`` rounded once, as PyTorch's CPU kernels compute
``base.add_(update, alpha=alpha)``: part of the one door to array libraries (see
:mod:`arraygrad._backend`, which re-exports :func:`fused_add`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from arraygrad import _backend

# Veltkamp's splitting constants 2**ceil(p / 2) + 1 (p the precision in bits): multiplying by
# one splits a number into two halves whose products with other halves are exact.
SPLITTERS = {np.dtype(np.float64): 134217729.0, np.dtype(np.float32): 4097.0}
_BITS = {np.dtype(np.float64): np.int64, np.dtype(np.float32): np.int32}


def two_sum(a: Any, b: Any) -> tuple[Any, Any]:
    """``(s, e)`` with ``s = a + b`` rounded and ``s + e = a + b`` exactly (Knuth)."""
    s = a + b
    b_part = s - a
    return s, (a - (s - b_part)) + (b - b_part)


def split(a: Any, splitter: float) -> tuple[Any, Any]:
    """``(hi, lo)`` with ``hi + lo = a`` and each half at most half the precision (Veltkamp)."""
    t = a * splitter
    hi = t - (t - a)
    return hi, a - hi


def fused_add(base: Any, alpha: Any, update: Any) -> Any:
    """``base + alpha * update`` rounded once, as PyTorch's ``base.add_(update, alpha=alpha)``
    computes it on the CPU (a fused multiply-add), ``alpha`` taken at ``update``'s dtype.

    NumPy has no fused multiply-add: it is emulated (Boldo and Melquiond, "Emulation of FMA and
    correctly rounded sums: proved algorithms using rounding to odd", 2008) from an exact
    product ``ph + pl`` (Dekker), an exact sum ``sh + sl = base + ph``, ``sl + pl`` rounded to
    odd and a last rounded sum. Elements where an intermediate overflows (magnitudes near the
    dtype's largest) take the twice-rounded ``base + alpha * update``, as do other libraries.
    """
    dtype = update.dtype
    if not _backend.is_numpy or np.dtype(dtype) not in SPLITTERS:
        return base + alpha * update  # other libraries: rounded twice
    a = np.asarray(float(alpha), dtype=dtype)
    with np.errstate(all="ignore"):
        splitter = SPLITTERS[np.dtype(dtype)]
        ph = a * update
        a_hi, a_lo = split(a, splitter)
        u_hi, u_lo = split(update, splitter)
        pl = ((a_hi * u_hi - ph) + a_hi * u_lo + a_lo * u_hi) + a_lo * u_lo
        sh, sl = two_sum(base, ph)
        v, e = two_sum(sl, pl)
        v = np.asarray(v)
        # Round to odd: an inexact v whose last bit is even moves one ulp towards the exact sum.
        even = (v.view(_BITS[np.dtype(dtype)]) & 1) == 0
        v = np.where((e != 0) & even, np.nextafter(v, np.copysign(np.inf, e).astype(dtype)), v)
        fused = sh + v
        return np.where(np.isfinite(fused), fused, base + a * update)


def fused_lerp(start: Any, end: Any, weight: float) -> Any:
    """``start + weight (end - start)`` rounded as PyTorch's CPU ``lerp`` rounds it: one fused
    multiply-add from the nearer end, ``start + w (end - start)`` for ``|w| < 0.5``, else
    ``end - (1 - w)(end - start)``, with ``w`` the weight in ``start``'s dtype (emulated as in
    :func:`fused_add`; rounded twice on other libraries)."""
    w = float(np.asarray(weight, dtype=start.dtype)) if _backend.is_numpy else weight
    difference = end - start
    if abs(w) < 0.5:
        return fused_add(start, w, difference)
    return fused_add(end, -(1 - w), difference)
