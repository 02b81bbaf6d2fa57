"""torch's AVX2 float32 Box-Muller kernel, operation for operation, on NumPy arrays.

Part of the one door to array libraries (see :mod:`arraygrad._backend.torch_sampling`, which
calls :func:`box_muller` for float32 normals). torch 2.13's ``normal_fill_16_AVX2`` turns 8
pairs of uniforms at a time into normals with Cephes' ``log256_ps`` and ``sincos256_ps``
(Moshier's single-precision polynomials), compiled by GCC with FMA contraction: a multiply
and the add that consumes it are one fused operation wherever GCC fused them (found by
testing each choice against torch). Each step below is one float32 operation of theirs.

A fused ``a * b + c`` is computed in float64, where the product of two float32 numbers is
exact; see :func:`_round_fused`. The work runs on slices of :data:`CHUNK` pairs, mostly in
place, so that its ~80 NumPy passes stay in the processor's cache: on whole megabyte-sized
arrays they cost about twice as much, in memory traffic and page faults.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

# Cephes' single-precision coefficients (logf, sinf, cosf), as in the AVX2 routines.
_LOG_P = (
    7.0376836292e-2,
    -1.1514610310e-1,
    1.1676998740e-1,
    -1.2420140846e-1,
    1.4249322787e-1,
    -1.6668057665e-1,
    2.0000714765e-1,
    -2.4999993993e-1,
    3.3333331174e-1,
)
_LOG_Q1, _LOG_Q2 = np.float32(-2.12194440e-4), np.float32(0.693359375)
_DP = tuple(
    np.float32(v) for v in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8)
)
# the cosine's polynomial (row 0) and the sine's (row 1), evaluated side by side
_COS_SIN_P = np.array(
    [
        [2.443315711809948e-005, -1.388731625493765e-003, 4.166664568298827e-002],
        [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1],
    ],
    dtype=np.float32,
)
_FOUR_OVER_PI = np.float32(1.27323954473516)
_ONE, _HALF, _ZERO = np.float32(1.0), np.float32(0.5), np.float32(0.0)
_TWO_PI = np.float32(2.0 * math.pi)

CHUNK = 32768  # pairs per slice (256 KiB per float64 temporary)

_TIE_BITS, _TIE = np.uint64(2**29 - 1), np.uint64(2**28)


def fma(a: Any, b: Any, c: Any) -> np.ndarray:
    """``a * b + c`` for float32 operands with one rounding (an FMA instruction), as float32.
    ``b`` may be given in float64 already (the same numbers: the conversion is exact)."""
    s = np.multiply(a, b, dtype=np.float64)
    s += c
    return _round_fused(s, a, b, c)


def _round_fused(s: np.ndarray, a: Any, b: Any, c: Any) -> np.ndarray:
    """``s``, the float64 sum ``fl(p + c)`` of the exact float64 product ``p = a * b`` and
    ``c``, rounded to float32 as the exact ``p + c`` rounds.

    Rounding ``s`` again can only err where ``s`` lies exactly halfway between two float32
    numbers (its low 29 bits ``0x10000000``) while the float64 sum was inexact: there ``s``
    is first moved one float64 step towards the exact sum (Knuth's TwoSum error)."""
    tie = (s.view(np.uint64) & _TIE_BITS) == _TIE
    if tie.any():
        where = np.flatnonzero(tie)
        p = np.multiply(_at(a, where, s.shape), _at(b, where, s.shape), dtype=np.float64)
        c_t = _at(c, where, s.shape).astype(np.float64)
        s_t = s.reshape(-1)[where]
        back = s_t - p
        err = (p - (s_t - back)) + (c_t - back)
        s.reshape(-1)[where] = np.where(err == 0, s_t, np.nextafter(s_t, s_t + err))
    return s.astype(np.float32)


def _at(value: Any, index: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The elements at flat ``index`` of ``value`` broadcast to ``shape`` (a scalar ``value``
    as it is, which broadcasts against them)."""
    value = np.asarray(value)
    if not value.ndim:
        return value
    if value.shape != shape:
        value = np.broadcast_to(value, shape)
    return value.reshape(-1)[index]


def _horner(y64: np.ndarray, x64: np.ndarray, coefficients: tuple[float, ...]) -> np.ndarray:
    """Fused Horner steps ``y = y x + c`` from ``y64`` (float64 holding the float32 result of
    the first step), each rounded to float32; the float64 sums must be exact (the callers
    say why), so that rounding them is the fused result."""
    y = y64.astype(np.float32)
    for c in coefficients:
        np.multiply(y, x64, out=y64)
        y64 += float(np.float32(c))
        y[...] = y64
    return y


def log_ps(x: np.ndarray) -> np.ndarray:
    """Natural log of positive normal float32 ``x`` (1-D), as ``log256_ps``: ``x = m 2**e``
    with ``m`` in ``[sqrt(1/2), sqrt(2))``, ``log(1 + f)`` by a degree-9 polynomial, plus
    ``e log 2`` in two parts."""
    # Cephes takes m in [1/2, 1) and, below sqrt(1/2) (0x3F3504F3 in float32), e - 1 and
    # f = (m - 1) + m, both exact: the same as subtracting sqrt(1/2)'s bits first, which
    # brings e down by one there, and taking f = m - 1 for m in [sqrt(1/2), sqrt(2)) (exact).
    shifted = x.view(np.int32) - np.int32(0x3F3504F3)
    e = (shifted >> 23).astype(np.float32)
    f = (x.view(np.int32) - (shifted & np.int32(-(1 << 23)))).view(np.float32)
    f -= _ONE
    z = f * f
    # Horner's steps y f + c: y stays above 2**-5 in size and f is a multiple of 2**-24
    # below 1/2, so each float64 sum is a multiple of 2**-52 below 1: exact.
    f64 = f.astype(np.float64)
    y64 = f64 * float(np.float32(_LOG_P[0]))
    y64 += float(np.float32(_LOG_P[1]))
    y = _horner(y64, f64, _LOG_P[2:])
    y *= f
    y = fma(y, z.astype(np.float64), e * _LOG_Q1)  # y * z + e * q1, fused
    y -= z * _HALF
    y += f
    y += e * _LOG_Q2
    return y


def sincos_ps(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sine and cosine of float32 ``x >= 0`` (1-D), as ``sincos256_ps``: reduce by multiples
    ``j`` of pi/4 (``j`` even, subtracted in three parts), evaluate both polynomials in
    ``z = x**2`` and pick and sign them by ``j``."""
    j = (x * _FOUR_OVER_PI).astype(np.int32)
    j += 1
    j &= ~1
    y = j.astype(np.float32)
    x = x + y * _DP[0]  # y * part is exact for the first two parts: fused or not, the same
    x += y * _DP[1]
    x = fma(y, _DP[2], x)  # fused (it matters where x nearly cancels: angles near j pi / 4)
    z = x * x
    z64 = z.astype(np.float64)
    both = fma(_COS_SIN_P[:, :1], z64, _COS_SIN_P[:, 1:2])
    both = fma(both, z64, _COS_SIN_P[:, 2:])
    both *= z
    c = fma(both[0], z64, -(z * _HALF))
    c += _ONE
    s = fma(both[1], x.astype(np.float64), x)
    # The sine is the polynomial s where j & 2 is 0, else c: swap the two there (bitwise).
    swap = (j >> 1) & 1
    np.negative(swap, out=swap)  # all ones where j & 2
    s_bits, c_bits = s.view(np.int32), c.view(np.int32)
    diff = s_bits ^ c_bits
    diff &= swap
    s_bits ^= diff
    c_bits ^= diff
    # signs: flip the sine where j & 4, the cosine where (j - 2) & 4 is 0 (bit 2 to bit 31)
    s_bits ^= (j & 4) << 29
    j -= 2
    np.invert(j, out=j)
    c_bits ^= (j & 4) << 29
    return s, c


def box_muller(x: np.ndarray, out: np.ndarray, mean: float, std: float) -> None:
    """Fill float32 ``out`` with the normals of the uniforms ``x`` (float32, whole blocks of
    16: ``u1 = 1 - x[j]``, ``u2 = x[j + 8]`` for ``j < 8``; ``out[j]`` gets ``r cos`` and
    ``out[j + 8]`` ``r sin``, times ``std`` plus ``mean``, fused)."""
    step = 2 * CHUNK  # elements per slice: CHUNK pairs
    for start in range(0, x.shape[0], step):
        target = out[start : start + step]
        radial(x[start : start + step], target)
        finish(target, target, mean, std)


def radial(x: np.ndarray, into: np.ndarray) -> None:
    """Write into float32 ``into`` the normals of the uniforms ``x`` (whole blocks of 16, as
    :func:`box_muller`) before their last step: ``r cos`` and ``r sin``."""
    blocks, target = x.reshape(-1, 2, 8), into.reshape(-1, 2, 8)
    radius = log_ps((_ONE - blocks[:, 0]).reshape(-1))
    radius *= np.float32(-2.0)
    np.sqrt(radius, out=radius)
    sin, cos = sincos_ps((_TWO_PI * blocks[:, 1]).reshape(-1))
    radius = radius.reshape(-1, 8)
    np.multiply(cos.reshape(-1, 8), radius, out=target[:, 0])
    np.multiply(sin.reshape(-1, 8), radius, out=target[:, 1])


def finish(values: np.ndarray, out: np.ndarray, mean: float, std: float) -> None:
    """The last step of torch's kernel on :func:`radial`'s ``values`` (float32), into ``out``
    (which may be ``values``): ``values * std + mean``, fused."""
    if std == 1.0 and mean == 0.0:  # randn's (tested first: each float32 made costs more)
        np.add(values, _ZERO if math.copysign(1.0, mean) > 0.0 else -_ZERO, out=out)
        return
    std32, mean32 = np.float32(std), np.float32(mean)
    if std32 == 1 and mean32 == 0:  # fma(v, 1, 0) = v + 0: -0.0 becomes +0.0
        np.add(values, mean32, out=out)
    else:  # _mm256_fmadd_ps
        out[...] = fma(values, std32, mean32)
