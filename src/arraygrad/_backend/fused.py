"""A fused multiply-add ``base + alpha * update`` rounded once, as PyTorch's CPU kernels compute
``base.add_(update, alpha=alpha)``, and the lines of PyTorch's CPU ``linspace``, made of such
multiply-adds: part of the one door to array libraries (see :mod:`arraygrad._backend`, which
re-exports :func:`fused_add`, :func:`fused_lerp`, :func:`linspace`, which makes lines of
every dtype but bool, :func:`logspace` and :func:`c_pow`).
"""

from __future__ import annotations

import math
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


def linspace(start: Any, end: Any, steps: int, dtype: Any) -> Any:
    """``steps`` (at least 2) values from ``start`` to ``end`` (numbers that ``dtype`` holds)
    of the array dtype ``dtype``, exactly as PyTorch's CPU ``linspace`` makes them: ``step =
    (end - start) / (steps - 1)``, then ``start + step i`` up to the middle and ``end - step
    (steps - 1 - i)`` after, in PyTorch's arithmetic for each dtype:

    - float32 and float64: the step rounded to ``dtype``, each value a fused multiply-add
      rounded once (:func:`_float_line`);
    - complex: the line of each part, in the parts' float dtype;
    - integers: the float64 line between the ends, truncated (PyTorch's step is a double);
    - float16 and bfloat16: each operation in float32 rounded to ``dtype`` (:func:`_reduced_line`).

    NumPy's ``linspace`` (``start + i step``, the last value set to ``end``) differs from it in
    a last bit on about two thirds of float lines, which matters where values land on a line's
    points: ``histogram``'s bin edges, ``affine_grid``'s sampling points (a point exactly on a
    pixel is a kink of bilinear sampling). While :func:`arraygrad.compile` traces, the line is
    one recorded call, which a trace makes once from constant ends.
    """
    if _backend.tracer is not None:
        return _backend.tracer.call_with(linspace, start, end, steps, dtype)
    xp = _backend.xp
    if dtype in (xp.float32, xp.float64):
        return _float_line(float(start), float(end), steps, dtype)
    if _backend.is_reduced_target(dtype):
        return _reduced_line(float(start), float(end), steps, dtype)
    if xp.isdtype(dtype, "complex floating"):
        part = xp.float32 if dtype == xp.complex64 else xp.float64
        first, last = complex(start), complex(end)
        real = _float_line(first.real, last.real, steps, part)
        imag = _float_line(first.imag, last.imag, steps, part)
        return xp.complex_from_parts(real, imag)
    return xp.astype(_float_line(float(start), float(end), steps, xp.float64), dtype)


def _float_line(start: float, end: float, steps: int, dtype: Any) -> Any:
    """PyTorch's float32 or float64 line (see :func:`linspace`)."""
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


def _reduced_line(start: float, end: float, steps: int, dtype: Any) -> Any:
    """PyTorch's float16 or bfloat16 line: its ``Half`` arithmetic computes each operation in
    float32 and rounds the result to ``dtype``, the count ``i`` (and ``steps - 1``) included,
    so there is no fused multiply-add (see :func:`linspace`)."""
    xp = _backend.xp
    single = xp.float32

    def rounded(value: Any) -> Any:
        return xp.astype(xp.astype(value, dtype), single)

    with np.errstate(over="ignore", invalid="ignore"):  # (inf ends, and steps past 65504)
        first = rounded(xp.asarray(start, dtype=single))
        last = rounded(xp.asarray(end, dtype=single))
        step = rounded(rounded(last - first) / rounded(xp.asarray(steps - 1, dtype=single)))
        index = xp.arange(steps, dtype=single)
        rising = index < steps // 2
        product = rounded(step * rounded(xp.where(rising, index, float(steps - 1) - index)))
        return xp.astype(xp.where(rising, first + product, last - product), dtype)


def logspace(start: Any, end: Any, steps: int, base: float, dtype: Any) -> Any:
    """``base`` to the powers of a line of ``steps`` (at least 2) exponents from ``start`` to
    ``end`` (numbers that ``dtype`` holds), as PyTorch's CPU ``logspace`` makes them: the ends
    taken in ``dtype`` and their difference computed in its arithmetic (narrow ints promoted to
    int), ``step`` that difference over ``steps - 1`` in float64, the exponents ``start + step
    i`` up to the middle and ``end - step (steps - 1 - i)`` after (each product and sum rounded:
    this kernel fuses none), :func:`c_pow` of each, converted to ``dtype`` (integers truncated).

    A complex line computes its exponents in ``dtype`` and takes the library's ``pow``: close
    to PyTorch's (the C library's complex ``pow``), not always in the last bit.
    """
    if _backend.tracer is not None:
        return _backend.tracer.call_with(logspace, start, end, steps, base, dtype)
    xp = _backend.xp
    wide = xp.float64
    reduced = _backend.is_reduced_target(dtype)
    if not reduced and xp.isdtype(dtype, "complex floating"):
        first, last = xp.asarray(start, dtype=dtype), xp.asarray(end, dtype=dtype)
        step = (last - first) / xp.asarray(steps - 1, dtype=dtype)
        index = xp.astype(xp.arange(steps), dtype)
        exponent = xp.where(
            xp.real(index) < steps // 2, first + step * index, last - step * (steps - 1 - index)
        )
        return xp.pow(xp.asarray(base, dtype=dtype), exponent)
    if not reduced and xp.isdtype(dtype, "integral"):
        first, last, difference = float(start), float(end), float(end - start)
    else:
        ends = xp.astype(_backend.convert(xp.asarray([start, end], dtype=wide), dtype), wide)
        first, last = float(ends[0]), float(ends[1])
        difference = float(_backend.convert(ends[1:] - ends[:1], dtype)[0])
    step = difference / (steps - 1)
    index = xp.arange(steps, dtype=wide)
    rising = index < steps // 2
    exponent = xp.where(rising, first + step * index, last - step * (float(steps - 1) - index))
    powers = c_pow(base, exponent)
    with np.errstate(over="ignore", invalid="ignore"):  # (beyond the dtype: inf, or wrapped)
        if reduced or xp.isdtype(dtype, "real floating"):
            return _backend.convert(powers, dtype)
        return xp.astype(powers, dtype)


def c_pow(base: float, exponents: Any) -> Any:
    """``base ** exponents`` for a float64 array ``exponents``, as the C library's ``pow``
    computes each, which PyTorch's CPU kernels call: on NumPy, :func:`math.pow` per element
    (NumPy's own SIMD ``power`` differs from it in the last bit on a third of values), with
    C's inf and NaN where Python's raises; the library's ``pow`` elsewhere."""
    xp = _backend.xp
    if not _backend.is_numpy:
        return xp.pow(xp.asarray(base, dtype=xp.float64), exponents)

    def power(exponent: float) -> float:
        try:
            return math.pow(base, exponent)
        except OverflowError:  # (C's pow returns inf, with its sign for a negative base)
            return math.copysign(math.inf, base) if exponent % 2 == 1 else math.inf
        except ValueError:  # a negative base to a non-integer power
            return math.nan

    return np.fromiter(map(power, exponents.tolist()), dtype=np.float64, count=len(exponents))
