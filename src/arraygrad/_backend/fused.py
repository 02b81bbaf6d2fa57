"""A fused multiply-add ``base + alpha * update`` rounded once, as PyTorch's CPU kernels compute
``base.add_(update, alpha=alpha)``, and the lines of PyTorch's CPU ``linspace``, made of such
multiply-adds: part of the one door to array libraries (see :mod:`arraygrad._backend`, which
re-exports :func:`fused_add`, :func:`fused_lerp` and :func:`linspace`).
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


def _round_ties_by(rounded: Any, missed: Any, sticky: Any) -> Any:
    """``rounded``, the value ``rounded + missed`` (float64) rounded to its dtype, corrected where
    that value lay exactly halfway to the next one and the part ``sticky`` left out of it says
    the exact value lay beyond the halfway point (rounding to even picked the wrong side)."""
    xp = _backend.xp
    if not xp.any(sticky):  # nothing left out anywhere (most short lines): nothing to correct
        return rounded
    wide = missed.dtype
    away = xp.where(missed > 0, xp.asarray(np.inf, dtype=rounded.dtype), -np.inf)
    neighbour = xp.nextafter(rounded, away)
    gap = xp.astype(neighbour, wide) - xp.astype(rounded, wide)
    beyond = (missed != 0) & (gap == missed * 2.0) & (sticky * missed > 0)
    return xp.where(beyond, neighbour, rounded)


def linspace(start: float, end: float, steps: int, dtype: Any) -> Any:
    """``steps`` (at least 2) values from ``start`` to ``end`` of the float32 or float64 dtype
    ``dtype``, exactly as PyTorch's CPU ``linspace`` makes them: ``step = (end - start) /
    (steps - 1)`` rounded to ``dtype``, then ``start + step i`` up to the middle and ``end -
    step (steps - 1 - i)`` after, each a fused multiply-add rounded once.

    NumPy's ``linspace`` (``start + i step``, the last value set to ``end``) differs from it in
    a last bit on about two thirds of float lines, which matters where values land on a line's
    points: ``histogram``'s bin edges, ``affine_grid``'s sampling points (a point exactly on a
    pixel is a kink of bilinear sampling). While :func:`arraygrad.compile` traces, the line is
    one recorded call, which a trace makes once from constant ends.
    """
    if _backend.tracer is not None:
        return _backend.tracer.call_with(linspace, start, end, steps, dtype)
    xp = _backend.xp
    wide = xp.float64
    first, last = xp.asarray(start, dtype=dtype), xp.asarray(end, dtype=dtype)
    step = xp.astype((last - first) / xp.asarray(steps - 1, dtype=dtype), wide)
    index = xp.arange(steps, dtype=wide)
    rising = index < steps // 2
    base = xp.astype(xp.where(rising, first, last), wide)
    factor = xp.where(rising, index, index - float(steps - 1))
    product = step * factor
    if dtype != wide:  # float32: step * factor is exact in float64, base + it nearly so
        total, sticky = two_sum(base, product)
        rounded = xp.astype(total, dtype)
        return _round_ties_by(rounded, total - xp.astype(rounded, wide), sticky)
    # float64: the product's rounding error (Dekker; factor has under 27 bits) ...
    step_high, step_low = split(step, SPLITTERS[np.dtype(np.float64)])
    error = (step_high * factor - product) + step_low * factor
    # ... then base + product + error, summed with every rounding error kept.
    total, rounding = two_sum(base, product)
    small, sticky = two_sum(rounding, error)
    rounded, missed = two_sum(total, small)
    return _round_ties_by(rounded, missed, sticky)
