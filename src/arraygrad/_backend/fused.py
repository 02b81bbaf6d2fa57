"""A fused multiply-add ``base + alpha * update`` rounded once, as PyTorch's CPU kernels compute
``base.add_(update, alpha=alpha)``, and the lines of PyTorch's CPU ``linspace``, made of such
multiply-adds: part of the one door to array libraries (see :mod:`arraygrad._backend`, which
re-exports :func:`fused_add`, :func:`fused_lerp`, :func:`linspace`, which makes lines of
every dtype but bool, :func:`float_range` (``arange``'s floats), :func:`logspace`,
:func:`c_pow` and :func:`c_cpow`).
"""

from __future__ import annotations

import contextlib
import ctypes
import math
from typing import Any

import numpy as np

from arraygrad import _backend

# Veltkamp's splitting constants 2**ceil(p / 2) + 1 (p the precision in bits): multiplying by
# one splits a number into two halves whose products with other halves are exact.
SPLITTERS = {np.dtype(np.float64): 134217729.0, np.dtype(np.float32): 4097.0}
# Lines whose ends or step reach _HUGE are made scaled by _SHRINK (the split multiplies the
# step by about 2**27, which must stay below float64's 2**1024).
_HUGE, _SHRINK = 2.0**960, 2.0**-64
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
    """PyTorch's float32 or float64 line (see :func:`linspace`): ``start + step k`` for the
    first half, ``end - step k`` for the rest, each rounded once (:func:`_fused_line`); where
    that arithmetic overflows or meets zeros, as IEEE arithmetic makes it."""
    xp = _backend.xp
    wide = xp.float64
    first, last, stride = _line_step(start, end, steps, dtype)
    index = xp.arange(steps, dtype=wide)
    rising = index < steps // 2
    base = xp.where(rising, xp.asarray(first, dtype=wide), xp.asarray(last, dtype=wide))
    if not math.isfinite(stride):  # an infinite end, or ends whose difference overflows:
        # PyTorch's formula as IEEE arithmetic computes it (inf * 0 and inf - inf are NaN)
        count = xp.where(rising, index, float(steps - 1) - index)  # k, from the nearer end
        with np.errstate(invalid="ignore"):
            product = stride * count
            return xp.astype(xp.where(rising, base + product, base - product), dtype)
    huge = max(abs(start), abs(end), abs(stride)) >= _HUGE
    if huge:
        # Dekker's split of the step would overflow: the line of the ends scaled down by a
        # power of two (exact, and moving no rounding), scaled back (past dtype's largest: inf)
        scaled = _float_line(start * _SHRINK, end * _SHRINK, steps, dtype)
        with np.errstate(over="ignore"):
            line = xp.astype(xp.astype(scaled, wide) * (1.0 / _SHRINK), dtype)
    else:
        # k signed, from the nearer end: i before the middle, i - (steps - 1) after (its
        # zero's sign, which a zero end would see, is set right below)
        factor = xp.where(rising, index, index - float(steps - 1))
        exact = dtype != wide and _sums_exact(stride, steps, first, last)
        line = _fused_line(base, stride, factor, dtype, exact=exact)
    if start == 0.0 or end == 0.0 or stride == 0.0 or huge:
        # Where step * k is zero, the value is the end plus or minus a zero, which nothing
        # rounds: the end itself (kept exactly, a tiny one too), or a zero signed as IEEE
        # signs a sum (-0.0 + 0.0 is 0.0, -0.0 - 0.0 is -0.0).
        if huge or stride == 0.0 or not _backend.is_numpy:
            count = xp.where(rising, index, float(steps - 1) - index)
            product = stride * count
            exact_line = xp.where(rising, base + product, base - product)
            line = xp.where(product == 0.0, xp.astype(exact_line, dtype), line)
        else:  # (a finite step, not 0: only the two ends have k = 0)
            line[0], line[-1] = first + stride * 0.0, last - stride * 0.0
    return line


def _line_step(start: float, end: float, steps: int, dtype: Any) -> tuple[float, float, float]:
    """The ends of a float32 or float64 line rounded to ``dtype`` and its step ``(end - start)
    / (steps - 1)`` computed in ``dtype``, as Python floats (float64 holds them exactly)."""
    xp = _backend.xp
    if dtype == xp.float64:  # Python's float arithmetic is float64's
        return start, end, (end - start) / (steps - 1)
    if max(abs(start), abs(end)) < 2.0**126:  # float32 scalars, whose difference cannot overflow
        first, last = np.float32(start), np.float32(end)
        return float(first), float(last), float((last - first) / np.float32(steps - 1))
    first_end, last_end = xp.asarray(start, dtype=dtype), xp.asarray(end, dtype=dtype)
    with np.errstate(over="ignore", invalid="ignore"):  # (the ends' difference beyond dtype)
        step = (last_end - first_end) / xp.asarray(steps - 1, dtype=dtype)
    return float(first_end), float(last_end), float(step)


def _sums_exact(
    step: float, count: int, first: float, last: float, bits: int = 53, finest: int = 1074
) -> bool:
    """Whether every ``first + step k`` and ``last - step k`` (``k < count``, finite numbers)
    and every product and sum on the way are exact in a float format of ``bits`` significand
    bits whose smallest subnormal is ``2**-finest`` (float64's by default): all are whole
    multiples ``m / unit`` of the finest quantum ``1 / unit`` of the three numbers (a power of
    two) with ``|m| < 2**bits``, and ``1 / unit`` is no finer than ``2**-finest``."""
    (step_top, step_bottom), (first_top, first_bottom), (last_top, last_bottom) = (
        step.as_integer_ratio(),
        first.as_integer_ratio(),
        last.as_integer_ratio(),
    )
    unit = max(step_bottom, first_bottom, last_bottom)
    if unit.bit_length() > finest + 1:  # (unit is 2**(bit_length - 1))
        return False
    reach = max(abs(first_top) * (unit // first_bottom), abs(last_top) * (unit // last_bottom))
    return reach + abs(step_top) * (unit // step_bottom) * count < 1 << bits


def _fused_line(base: Any, step: Any, factor: Any, dtype: Any, exact: bool = False) -> Any:
    """``base + step * factor`` (float64 arrays or floats; ``factor`` whole, under 2**26) rounded
    once to ``dtype``, float32 or float64: the fused multiply-add of PyTorch's line. ``exact``:
    the caller knows that float64 holds every such sum (and dtype is float32)."""
    xp = _backend.xp
    wide = xp.float64
    product = step * factor
    if dtype != wide:  # float32: step * factor is exact in float64, base + it nearly so
        if exact:  # (nothing left out of the sum: its one rounding is the conversion)
            return xp.astype(base + product, dtype)
        total, sticky = two_sum(base, product)
        rounded = xp.astype(total, dtype)
        if not xp.any(sticky):  # (most short lines: nothing to correct)
            return rounded
        return _round_ties_by(rounded, total - xp.astype(rounded, wide), sticky)
    if (
        base.__class__ is float
        and base == 0.0
        and math.copysign(1.0, base) > 0.0
        and abs(step) > 2.0**-900  # (no product or error term near the subnormals)
    ):
        # 0 + step * factor: step * factor rounded once is the product itself (+ 0.0 turns a
        # -0.0 product into 0.0, as the fused sum does)
        return product + 0.0
    # float64: the product's rounding error (Dekker; factor has under 27 bits) ...
    step_high, step_low = split(step, SPLITTERS[np.dtype(np.float64)])
    error = (step_high * factor - product) + step_low * factor
    # ... then base + product + error, summed with every rounding error kept.
    total, rounding = two_sum(base, product)
    small, sticky = two_sum(rounding, error)
    rounded, missed = two_sum(total, small)
    return _round_ties_by(rounded, missed, sticky)


# PyTorch's CPU arange kernel runs at AVX2 on AVX512 machines too (it registers no AVX512
# kernel), so its vectors hold 32 bytes; at::parallel_for splits ranges past _GRAIN values.
_VECTOR_BYTES, _GRAIN = 32, 32768
_QUIET = contextlib.nullcontext()  # (for ranges that cannot overflow: no errstate to set)


def float_range(start: float, step: float, count: int, dtype: Any, threads: int = 1) -> Any:
    """``count`` values ``start + step i`` of the float dtype ``dtype``, exactly as PyTorch's
    CPU ``arange`` makes them on ``threads`` threads.

    Its kernel computes in the accumulate type (float64, float32 for float16 and bfloat16),
    each ``a + step k`` a fused multiply-add rounded once to it, then to ``dtype``. Over the
    range's part (one per thread when it is past 32768 values: ``ceil(count / parts)`` each)
    it fills vectors of ``w`` values (32 bytes of ``dtype``) two at a time: a vector from index
    ``c`` holds ``base + step k`` (``k < w``) with ``base = start + step c`` rounded to
    ``dtype``; the part's last ``length mod 2w`` values are ``start + step i`` one by one.
    ``start + step i`` rounded once differs from it in a last bit on about two thirds of
    float64 ranges. While :func:`arraygrad.compile` traces, the range is one recorded call.
    """
    if _backend.tracer is not None:
        return _backend.tracer.call_with(float_range, start, step, count, dtype, threads)
    xp = _backend.xp
    wide = xp.float64
    reduced = _backend.is_reduced_target(dtype)
    if reduced:  # (the bounds as float32: float16 and bfloat16 accumulate in it)
        with np.errstate(over="ignore"):
            start, step = (float(np.float32(v)) for v in (start, step))
    if (
        not count
        or _exact_range(start, step, count, dtype, reduced)
        or count >= 2**26
        or max(abs(start), abs(step) * count) >= _HUGE
    ):
        # start + step i as NumPy computes it: where no rounding happens anywhere, whatever
        # the order of the operations (arange(10.0), arange(0, 2, 0.25)), and beyond what
        # _fused_line's exact products allow (each value rounded twice there)
        with np.errstate(over="ignore"):
            return xp.astype(start + xp.arange(count, dtype=wide) * step, dtype)
    accumulate = xp.float32 if reduced else wide
    width = 4 if dtype == wide else 8 if dtype == xp.float32 else 16
    # (values past float32's or float16's largest are inf, as PyTorch's, and so are the bases
    # of their vectors: inf - inf on the way, whose NaN no value keeps; no value reaches
    # float16's largest where the ends stay below it)
    reach = abs(start) + abs(step) * count
    with _QUIET if reach < 65504.0 else np.errstate(over="ignore", invalid="ignore"):
        values = _vector_range(start, step, count, dtype, accumulate, width, threads)
    if start == 0.0 and step < 0.0 and math.copysign(1.0, start) < 0.0:
        # the first value, -0.0 + step * 0, is -0.0 + -0.0: -0.0 (the fused line's is 0.0)
        values = xp.where(xp.arange(count) == 0, xp.asarray(-0.0, dtype=dtype), values)
    return values


def _vector_range(
    first: float, step: float, count: int, dtype: Any, accumulate: Any, width: int, threads: int
) -> Any:
    """:func:`float_range`'s values from its ``first``, as PyTorch's kernel makes them: the
    values of vectors of ``width`` from their bases, the rest one by one."""
    xp = _backend.xp
    wide = xp.float64

    def line(base: Any, factor: Any) -> Any:  # base + step factor, rounded once to dtype
        # (step a Python float: splitting it costs no array operations)
        return xp.astype(_fused_line(base, step, factor, accumulate), dtype)

    if count < 2 * width:  # (most small ranges) one by one
        return line(first, xp.arange(count, dtype=wide))
    # Each thread's part: [begin, end), its first `vectors` values in vectors, then the rest.
    size = -(-count // min(threads, -(-count // _GRAIN)))
    bounds = [(begin, min(begin + size, count)) for begin in range(0, count, size)]
    parts = [(begin, end, end - begin - (end - begin) % (2 * width)) for begin, end in bounds]
    # The vectors' bases and the values made one by one are both start + step i.
    factors = [xp.arange(begin, begin + vectors, width, dtype=wide) for begin, _, vectors in parts]
    factors += [xp.arange(begin + vectors, end, dtype=wide) for begin, end, vectors in parts]
    firsts = line(first, xp.concat(factors) if len(factors) > 1 else factors[0])
    chunks = sum(vectors for _, _, vectors in parts) // width
    bases = xp.reshape(xp.astype(firsts[:chunks], wide), (chunks, 1))
    lanes = xp.reshape(xp.arange(width, dtype=wide), (1, width))
    lined = xp.reshape(line(bases, lanes), (chunks * width,))
    if len(parts) == 1:
        return xp.concat([lined, firsts[chunks:]])
    pieces, done, single = [], 0, chunks
    for begin, end, vectors in parts:  # in order: each part's vectors, then its rest
        pieces += [lined[done : done + vectors], firsts[single : single + end - begin - vectors]]
        done, single = done + vectors, single + end - begin - vectors
    return xp.concat(pieces)


def _exact_range(start: float, step: float, count: int, dtype: Any, reduced: bool) -> bool:
    """Whether ``dtype`` holds every ``start + step k`` (``k < count``) and every product and
    sum on the way exactly (:func:`_sums_exact` in ``dtype``'s format)."""
    xp = _backend.xp
    if not (math.isfinite(start) and math.isfinite(step)):  # (bounds past float32's)
        return False
    if reduced:  # (libraries other than NumPy have no bfloat16)
        bits, finest = (
            (11, 24) if not _backend.is_numpy or np.dtype(dtype) == np.float16 else (8, 133)
        )
    else:
        bits, finest = (53, 1074) if dtype == xp.float64 else (24, 149)
    return _sums_exact(step, count, start, start, bits, finest)


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
        return _positive_nans(xp.astype(xp.where(rising, first + product, last - product), dtype))


def _positive_nans(line: Any) -> Any:
    """``line`` with its NaNs made the positive quiet NaN where it is bfloat16: PyTorch's
    ``BFloat16`` arithmetic rounds each float result through its own conversion, which makes
    every NaN ``0x7FC0`` (NumPy keeps the sign of ``inf - inf``, negative on x86)."""
    bfloat16 = _backend.bfloat16.loaded()  # (None, which NumPy takes for float64: no bfloat16)
    if bfloat16 is None or line.dtype != bfloat16 or not _backend.is_numpy:
        return line
    return np.where(np.isnan(line), np.asarray(np.nan, dtype=line.dtype), line)


def logspace(start: Any, end: Any, steps: int, base: float, dtype: Any) -> Any:
    """``base`` to the powers of a line of ``steps`` (at least 2) exponents from ``start`` to
    ``end`` (numbers that ``dtype`` holds), as PyTorch's CPU ``logspace`` makes them: the ends
    taken in ``dtype`` and their difference computed in its arithmetic (narrow ints promoted to
    int), ``step`` that difference over ``steps - 1`` in float64, the exponents ``start + step
    i`` up to the middle and ``end - step (steps - 1 - i)`` after (each product and sum rounded:
    this kernel fuses none), :func:`c_pow` of each, converted to ``dtype`` (integers truncated).

    A complex line computes its exponents in ``dtype`` and takes the C library's complex
    ``pow`` of each (:func:`c_cpow`), as PyTorch's ``std::pow``.
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
        return c_cpow(complex(base), exponent)
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
            return _positive_nans(_backend.convert(powers, dtype))
        return xp.astype(powers, dtype)


def c_pow(base: float, exponents: Any) -> Any:
    """``base ** exponents`` for a float64 array ``exponents``, as the C library's ``pow``
    computes each, which PyTorch's CPU kernels call: on NumPy, :func:`math.pow` per element
    (NumPy's own SIMD ``power`` differs from it in the last bit on a third of values), with
    C's inf and NaN where Python's raises; the library's ``pow`` elsewhere."""
    xp = _backend.xp
    if not _backend.is_numpy:
        return xp.pow(xp.asarray(base, dtype=xp.float64), exponents)
    values = (_number_pow(base, exponent) for exponent in exponents.tolist())
    return np.fromiter(values, dtype=np.float64, count=len(exponents))


def _number_pow(base: float, exponent: float) -> float:
    """The C library's ``pow(base, exponent)`` of two floats: Python's, with C's inf and NaN
    where Python's raises."""
    try:
        return math.pow(base, exponent)
    except OverflowError:  # (C's pow returns inf, with its sign for a negative base)
        return math.copysign(math.inf, base) if exponent % 2 == 1 else math.inf
    except ValueError:  # a negative base to a non-integer power
        return math.nan


class _Complex128(ctypes.Structure):
    """C's ``double complex``, passed and returned as its two parts."""

    _fields_ = [("real", ctypes.c_double), ("imag", ctypes.c_double)]


class _Complex64(ctypes.Structure):
    """C's ``float complex``, passed and returned as its two parts."""

    _fields_ = [("real", ctypes.c_float), ("imag", ctypes.c_float)]


# The C library's cpow and cpowf once looked up, or None where they cannot be called.
_CPOW: list[tuple[Any, Any] | None] = []


def _c_complex_pows() -> tuple[Any, Any] | None:
    """The C library's ``cpow`` and ``cpowf`` through ctypes, or None without them."""
    if not _CPOW:
        _CPOW.append(_load_cpow())
    return _CPOW[0]


def _load_cpow() -> tuple[Any, Any] | None:
    import ctypes.util  # (late: it imports subprocess, shutil and tempfile, which few need)

    try:
        library = ctypes.CDLL(ctypes.util.find_library("m"))
        double, single = library.cpow, library.cpowf
    except (OSError, AttributeError, TypeError):  # (no C math library found, or no cpow)
        return None
    double.restype, double.argtypes = _Complex128, [_Complex128, _Complex128]
    single.restype, single.argtypes = _Complex64, [_Complex64, _Complex64]
    # C passes a complex number as the pair of its parts on x86-64 and ARM64, as the structures
    # above are passed; where it does not, this check fails and the library's pow is used.
    for function, kind in ((double, _Complex128), (single, _Complex64)):
        got = function(kind(2.0, 1.0), kind(1.5, -0.5))
        want = complex(2.0, 1.0) ** complex(1.5, -0.5)
        if not abs(complex(got.real, got.imag) - want) <= 1e-5 * abs(want):
            return None
    return double, single


def c_cpow(base: complex, exponents: Any) -> Any:
    """``base ** exponents`` for a complex64 or complex128 array ``exponents``, as the C
    library's ``cpowf`` or ``cpow`` (``cexp(y clog(x))`` in glibc) computes each, which
    PyTorch's CPU ``logspace`` calls through ``std::pow``: on NumPy, through ctypes per element
    (NumPy's own complex ``power`` multiplies for whole exponents and differs from it in the
    last bits on about a fifth of values); the library's ``pow`` elsewhere."""
    xp = _backend.xp
    pows = _c_complex_pows() if _backend.is_numpy else None
    if pows is None:
        return xp.pow(xp.asarray(base, dtype=exponents.dtype), exponents)
    single = exponents.dtype == np.complex64
    function, kind = (pows[1], _Complex64) if single else (pows[0], _Complex128)
    c_base = kind(base.real, base.imag)  # (rounded to float for cpowf, as PyTorch's cast)

    def power(exponent: complex) -> complex:
        result = function(c_base, kind(exponent.real, exponent.imag))
        return complex(result.real, result.imag)

    values = map(power, exponents.tolist())
    return np.fromiter(values, dtype=exponents.dtype, count=exponents.shape[0])


def real_cpow(base: float, exponent: complex) -> complex:
    """``base ** exponent`` for a real ``base``, as C++'s ``std::pow(double, complex<double>)``
    computes it (PyTorch's one-value complex ``logspace``): ``polar(pow(base, re), im *
    log(base))`` for a positive base, else the C library's complex pow (:func:`c_cpow`)."""
    if base > 0:
        radius, angle = _number_pow(base, exponent.real), exponent.imag * math.log(base)
        if not math.isfinite(angle):  # (C's cos and sin of inf are NaN; Python's raise)
            return complex(math.nan, math.nan)
        return complex(radius * math.cos(angle), radius * math.sin(angle))
    pows = _c_complex_pows()
    if pows is None:
        return complex(base) ** exponent
    result = pows[0](_Complex128(base, 0.0), _Complex128(exponent.real, exponent.imag))
    return complex(result.real, result.imag)
