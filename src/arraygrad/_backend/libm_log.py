"""The C library's ``log`` of many float64 numbers at NumPy speed, bit for bit.

Part of the one door to array libraries (see :mod:`arraygrad._backend.torch_sampling`, which
calls it for torch's float64 normals). Torch's kernel calls the C library's ``log`` per
element; NumPy's own float64 ``log`` (SIMD code) rounds about 0.1% of results differently, and
calling ``math.log`` per element costs ~60 ns each. Here:

1. ``log x`` is computed as a double-double ``hi + lo`` (vectorised, relative error below
   ``2**-62``), ``hi`` the nearest double to it;
2. wherever ``log x`` might lie within 0.035 units in the last place (ulp) of a point halfway
   between two doubles, ``math.log`` is called for that element (about 7% of them).

Elsewhere every C library this runs on returns ``hi``: glibc's ``log`` (2.28 and later, the
Arm optimized-routines one, also musl's) errs by at most ``0.5 + 2.06/128`` ulp plus its
polynomial's error where ``|log x| > 2**-4`` and about 0.507 ulp nearer 1 (its source says
so), below 0.52 ulp, so it can only round the other way when the exact value lies within 0.02
ulp of a halfway point; older glibc and CORE-MATH's (glibc 2.41+) round correctly, a
fortiori. Tested against ``math.log`` on 150 million values, none differ.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np

from arraygrad._backend.fused import two_sum

# x = 2**k z with z in [0.6875 - 2**-10, 1.375 - 2**-9): ``z``'s bits are x's minus whole
# exponents, counted from _OFFSET, whose 256 cells of 2**44 bit patterns (2**-9 wide below 1,
# 2**-8 above) each get a reciprocal r of their middle, so that |z r - 1| < 2**-8.7. The cells
# are placed so that 1.0 lies inside one (r = 1 there): near x = 1, log x is z - 1 plus small
# terms, with no cancellation against a tabulated log r.
_OFFSET = 0x3FE6000000000000 - (1 << 43)
_CELL_BITS = 44
# r has 14 significant bits and z is cut after 39: z_high * r and z_low * r are then exact.
_R_BITS = 14
_Z_HIGH_MASK = np.int64(-(1 << _R_BITS))  # z keeps its top 53 - _R_BITS bits
_EXPONENT_MASK = np.int64(0x7FF0000000000000)
_MANTISSA_MASK = np.int64((1 << 52) - 1)
# |lo| beyond this many ulps of hi: too near a halfway point (0.5 - 0.035) to trust hi
_NEAR_HALF = 0.465 * 2.0**-52
_CHUNK = 16384  # elements per pass: the temporaries stay in the processor's cache


@cache
def _tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    """Per cell: r, and -log r as ``high + low`` with ``high`` a multiple of ``2**-42`` (so
    ``k log2_high + high`` is exact); then log 2 split the same way. Computed once, to 60
    digits, with the decimal module."""
    from decimal import Decimal, localcontext  # (here: its import would slow `import arraygrad`)

    r, high, low = np.empty(256), np.empty(256), np.empty(256)
    with localcontext() as context:
        context.prec = 60
        for i in range(256):
            edges = np.array([_OFFSET + (i << _CELL_BITS), _OFFSET + ((i + 1) << _CELL_BITS)])
            start, end = edges.astype(np.uint64).view(np.float64).tolist()
            if start <= 1.0 < end:
                r[i] = 1.0
            else:
                mantissa, exponent = math.frexp(2.0 / (start + end))
                r[i] = math.ldexp(round(mantissa * 2**_R_BITS), exponent - _R_BITS)
            high[i], low[i] = _split42(-Decimal(r[i]).ln())
        ln2_high, ln2_low = _split42(Decimal(2).ln())
    return r, high, low, ln2_high, ln2_low


def _split42(value: Any) -> tuple[float, float]:
    """A decimal ``value`` as ``high + low``, ``high`` a multiple of ``2**-42``."""
    high = float(round(value * 2**42)) / 2**42
    return high, float(value - type(value)(high))


def log_double_double(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``hi + lo = log x`` (relative error below ``2**-62``) for positive normal float64
    ``x``, with ``hi`` the double nearest to ``hi + lo``.

    ``log x = k log 2 - log r + log1p(t)``, ``t = z r - 1`` exact as a double-double
    ``th + tl``; ``log1p(t) - t`` by its series to ``t**8`` (``|t| < 2**-8.7``, the rest below
    ``2**-72``); the first sum is exact by construction, the second (with ``th``) by TwoSum."""
    r_table, high_table, low_table, ln2_high, ln2_low = _tables()
    bits = x.view(np.int64)
    shifted = bits - np.int64(_OFFSET)
    k = (shifted >> 52).astype(np.float64)  # arithmetic shift: the exponent, signed
    cell = (shifted >> _CELL_BITS) & 255
    z_bits = bits - (shifted & np.int64(-1 << 52))
    z = z_bits.view(np.float64)
    z_high = (z_bits & _Z_HIGH_MASK).view(np.float64)
    r = r_table[cell]
    # z_high r lies within a factor 2 of 1: subtracting 1 is exact (Sterbenz)
    th, tl = two_sum(z_high * r - 1.0, (z - z_high) * r)
    big, err = two_sum(k * ln2_high + high_table[cell], th)
    series = th * (-1.0 / 8) + 1.0 / 7
    for coefficient in (-1.0 / 6, 1.0 / 5, -1.0 / 4, 1.0 / 3, -0.5):
        series *= th
        series += coefficient
    series *= th * th
    series -= th * tl  # the cross term of -t**2 / 2
    series += k * ln2_low + low_table[cell]
    series += tl
    series += err
    hi = big + series  # |series| is far below |big|: Fast2Sum
    return hi, series - (hi - big)


def libm_log(x: np.ndarray) -> np.ndarray:
    """``math.log`` of each element of 1-D float64 ``x``, whose elements are positive normal
    numbers (see the module's docstring)."""
    out = np.empty_like(x)
    for start in range(0, x.size, _CHUNK):
        part = x[start : start + _CHUNK]
        hi, lo = log_double_double(part)
        hi_bits = hi.view(np.int64)
        ulp = (hi_bits & _EXPONENT_MASK).view(np.float64)  # 2**52 ulps: hi's power of two
        doubtful = np.abs(lo) > ulp * _NEAR_HALF
        # a power of two has a closer neighbour below: its lower halfway point is nearer
        doubtful |= (hi_bits & _MANTISSA_MASK) == 0
        redo = np.flatnonzero(doubtful)
        hi[redo] = np.fromiter(map(math.log, part[redo].tolist()), np.float64, redo.size)
        out[start : start + _CHUNK] = hi
    return out
