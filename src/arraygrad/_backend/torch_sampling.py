"""PyTorch's CPU sampling algorithms, on the 32-bit words of an MT19937 stream.

Part of the one door to array libraries (see :mod:`arraygrad._backend.random`, which owns the
generators and calls these): every function here takes a source of words (``words(n)``, the
next ``n`` outputs of the generator as a ``uint64`` array of values below ``2**32``, in
order) and turns them, vectorised, into the numbers torch 2.13's CPU kernels make of the same
words, element for element. The formulas were found by experiment against torch and its
sources (``aten/src/ATen/core/DistributionsHelper.h``, ``TransformationHelper.h``,
``native/cpu/DistributionTemplates.h``); each function says what it reproduces.

No NumPy random module here: only arithmetic on the words.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

Words = Callable[[int], np.ndarray]

_MASK53 = np.uint64(2**53 - 1)
_MASK24 = np.uint64(2**24 - 1)


def words64(words: Words, n: int) -> np.ndarray:
    """``n`` 64-bit draws (torch's ``random64``): two words each, the first the high half."""
    w = words(2 * n)
    return (w[0::2] << np.uint64(32)) | w[1::2]


def uniform_double(words: Words, n: int) -> np.ndarray:
    """``n`` doubles in ``[0, 1)``: the low 53 bits of a 64-bit draw times ``2**-53``."""
    return (words64(words, n) & _MASK53).astype(np.float64) * 2.0**-53


def uniform_float(words: Words, n: int) -> np.ndarray:
    """``n`` float32 in ``[0, 1)``: the low 24 bits of one word times ``2**-24``."""
    return (words(n) & _MASK24).astype(np.float32) * np.float32(2.0**-24)


def uniform(words: Words, n: int, dtype: np.dtype, low: float, high: float) -> np.ndarray:
    """torch's ``uniform_(low, high)`` into ``n`` elements of ``dtype`` (a NumPy float dtype).

    ``x * (high - low) + low`` with ``x`` uniform in ``[0, 1)``, the multiply and add fused
    (one rounding, as torch's compiled kernel does it): in float64 from a 64-bit draw for
    float64; otherwise in float32 from one word (float16 and bfloat16 compute in float32 and
    round). A value that rounds up to ``high`` becomes ``low``, as torch's kernel makes it (so
    the range stays half-open)."""
    if low == 0.0 and high == 1.0 and dtype in (np.float32, np.float64):
        # x * 1 + 0 is x, below 1: ``rand``'s common case, without the arithmetic
        return uniform_double(words, n) if dtype == np.float64 else uniform_float(words, n)
    if dtype == np.float64:
        out = fma64(uniform_double(words, n), high - low, low)
        bottom, top = np.asarray(low, np.float64), np.asarray(high, np.float64)
    else:
        lo, hi = np.float32(low), np.float32(high)
        out = _fma(uniform_float(words, n), hi - lo, lo).astype(dtype)
        bottom, top = (np.asarray(v).astype(dtype) for v in (lo, hi))
    return np.where(out == top, bottom, out)


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = a * 134217729.0  # 2**27 + 1: Dekker's split into two halves of 26 bits
    high = t - (t - a)
    return high, a - high


def fma64(a: Any, b: float, c: float) -> np.ndarray:
    """``a * b + c`` in float64 with (nearly always) one rounding, as an FMA instruction:
    the product's rounding error by Dekker's exact product, the sum's by Knuth's TwoSum, both
    added back before the last rounding."""
    a = np.asarray(a, np.float64)
    b_, c_ = np.float64(b), np.float64(c)
    if b_ == 1.0 and c_ == 0.0:  # exact (uniform on [0, 1), a standard normal): nothing to fuse
        return a
    p = a * b_
    ah, al = _split(a)
    bh, bl = _split(np.asarray(b_))
    err = ((ah * bh - p) + ah * bl + al * bh) + al * bl  # a * b - p, exactly
    s = p + c_
    back = s - p
    sum_err = (p - (s - back)) + (c_ - back)  # p + c - s, exactly
    return s + (sum_err + err)


# --- normal -----------------------------------------------------------------------------------


class NormalCache:
    """The second normal of torch's last Box-Muller pair, kept by a generator for its next
    single draw (``None``: none kept)."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: float | None = None


def normal_serial(words: Words, n: int, cache: NormalCache) -> np.ndarray:
    """``n`` standard normals, float64, as torch's element-by-element kernel (tensors of
    fewer than 16 elements, or not contiguous): ``at::normal_distribution<double>``.

    Each new pair takes two uniform doubles ``u1, u2``: ``r = sqrt(-2 log1p(-u2))``,
    ``theta = 2 pi u1``; it returns ``r cos(theta)`` and keeps ``r sin(theta)`` for the next
    draw, also across calls (``cache``)."""
    out = np.empty(n)
    first = 0
    if n and cache.value is not None:
        out[0], cache.value, first = cache.value, None, 1
    pairs = (n - first + 1) // 2
    if pairs:
        u = uniform_double(words, 2 * pairs)
        r = np.sqrt(-2.0 * _libm(math.log1p, -u[1::2]))
        theta = 2.0 * math.pi * u[0::2]
        values = np.empty(2 * pairs)
        values[0::2], values[1::2] = r * _libm(math.cos, theta), r * _libm(math.sin, theta)
        out[first:] = values[: n - first]
        if (n - first) % 2:
            cache.value = float(values[-1])
    return out


def _libm(function: Callable[[float], float], x: np.ndarray) -> np.ndarray:
    """``function`` (of the math module, i.e. the C library's, which torch calls) of each
    element of float64 ``x``. NumPy's own float64 loops (SIMD code) round some results
    differently."""
    return np.fromiter(
        map(function, x.reshape(-1).tolist()), dtype=np.float64, count=x.size
    ).reshape(x.shape)


def normal_fill(words: Words, n: int, dtype: np.dtype, mean: float, std: float) -> np.ndarray:
    """torch's ``normal_fill`` (contiguous tensors of 16 elements or more): uniforms first,
    then per block of 16, with ``u1 = 1 - x[j]``, ``u2 = x[j + 8]`` (``j < 8``),
    ``x[j] = sqrt(-2 log u1) cos(2 pi u2) std + mean`` and ``x[j + 8]`` the same with sin;
    when 16 does not divide ``n`` the last 16 elements are drawn again (16 new uniforms) and
    transformed again.

    float32 reproduces torch's AVX2 kernel (Cephes polynomials, :func:`_log_ps`,
    :func:`_sincos_ps`), float64 its scalar one with libm. float16 and bfloat16 are float32's
    numbers rounded, but only the whole blocks' uniforms are drawn before the last block's
    (found by experiment: torch computes them in a float32 buffer of whole blocks)."""
    reduced = dtype not in (np.float32, np.float64)
    work = np.dtype(np.float32) if reduced else dtype
    whole = n - n % 16
    data = uniform(words, whole if reduced else n, work, 0.0, 1.0)
    out = np.empty(n, dtype=work)
    out[:whole] = _boxmuller16(data[:whole], work, mean, std)
    if n % 16:
        out[n - 16 :] = _boxmuller16(uniform(words, 16, work, 0.0, 1.0), work, mean, std)
    return out.astype(dtype) if reduced else out


def _boxmuller16(x: np.ndarray, dtype: np.dtype, mean: float, std: float) -> np.ndarray:
    blocks = x.reshape(-1, 2, 8)
    if dtype == np.float32:
        u1 = np.float32(1.0) - blocks[:, 0]
        u2 = blocks[:, 1]
        radius = np.sqrt(np.float32(-2.0) * _log_ps(u1))
        theta = np.float32(2.0 * math.pi) * u2
        sin, cos = _sincos_ps(theta)
        pair = np.stack([radius * cos, radius * sin], axis=1)
        return _fma(pair, _f(std), _f(mean)).reshape(-1)  # _mm256_fmadd_ps
    r = np.sqrt(-2.0 * _libm(math.log, 1.0 - blocks[:, 0]))
    angle = 2.0 * math.pi * blocks[:, 1]
    # NumPy's float64 cos and sin gave libm's values on all of a million angles in [0, 2 pi)
    # (its log and log1p did not: those go through the math module).
    both = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
    return fma64(both, std, mean).reshape(-1)  # fused, as torch's compiled kernel


# Cephes' single-precision coefficients (Moshier's ``logf``, ``sinf``, ``cosf``), as in the
# AVX2 routines torch's kernel calls; each step below is one float32 operation of theirs.
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
_LOG_Q1, _LOG_Q2 = -2.12194440e-4, 0.693359375
_SQRT_HALF = 0.707106781186547524
_DP = (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8)
_SIN_P = (-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1)
_COS_P = (2.443315711809948e-005, -1.388731625493765e-003, 4.166664568298827e-002)
_FOUR_OVER_PI = 1.27323954473516


def _f(value: float) -> np.float32:
    return np.float32(value)


def _fma(a: Any, b: Any, c: Any) -> np.ndarray:
    """``a * b + c`` in float32 with one rounding (an FMA instruction): the product is exact
    in float64, and so is the float64 sum unless it rounds. Rounding it again to float32 then
    errs only where it lands exactly halfway between two float32 numbers (its low 29 bits
    ``0x10000000``): there it is moved one float64 step towards the exact sum first."""
    p = np.asarray(a, np.float64) * np.asarray(b, np.float64)
    s = p + np.asarray(c, np.float64)
    tie = (s.view(np.uint64) & np.uint64(2**29 - 1)) == np.uint64(2**28)
    if tie.any():
        p_t, c_t = np.broadcast_to(p, s.shape)[tie], np.broadcast_to(c, s.shape)[tie]
        s_t = s[tie]
        back = s_t - p_t
        err = (p_t - (s_t - back)) + (c_t - back)  # the exact sum - s (Knuth's TwoSum)
        s = s.copy()
        s[tie] = np.where(err == 0, s_t, np.nextafter(s_t, s_t + err))
    return s.astype(np.float32)


# GCC fuses a multiply and the add that consumes it into one FMA when it compiles torch's AVX2
# kernel (-mfma, contraction on by default), so the routines below fuse where it does (found by
# testing each choice against torch: these reproduce its numbers bit for bit).


def _log_ps(x: np.ndarray) -> np.ndarray:
    """Natural log of positive normal float32 ``x``, step for step as ``log256_ps``: split
    ``x = m 2**e`` with ``m`` in ``[sqrt(1/2), sqrt(2))``, then ``log(1 + f)`` by a degree-9
    polynomial and ``e log 2`` in two parts."""
    bits = x.view(np.uint32)
    e = ((bits >> np.uint32(23)).astype(np.int32) - 127).astype(np.float32) + _f(1.0)
    m = ((bits & np.uint32(0x807FFFFF)) | np.uint32(0x3F000000)).view(np.float32)  # [0.5, 1)
    small = m < _f(_SQRT_HALF)
    e = e - np.where(small, _f(1.0), _f(0.0))
    f = (m - _f(1.0)) + np.where(small, m, _f(0.0))
    z = f * f
    y = np.full_like(f, _f(_LOG_P[0]))
    for c in _LOG_P[1:]:
        y = _fma(y, f, _f(c))
    y = _fma(y * f, z, e * _f(_LOG_Q1))
    y = y - z * _f(0.5)
    return (f + y) + e * _f(_LOG_Q2)


def _sincos_ps(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sine and cosine of float32 ``x >= 0``, step for step as ``sincos256_ps``: reduce by
    multiples ``j`` of pi/4 (``j`` even, subtracted in three parts), evaluate both polynomials
    and pick and sign them by ``j``."""
    j = (x * _f(_FOUR_OVER_PI)).astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(np.float32)
    for part in _DP:  # y * part is exact for the first two parts
        x = x + y * _f(part)
    z = x * x
    c = _fma(_fma(_f(_COS_P[0]), z, _f(_COS_P[1])), z, _f(_COS_P[2])) * z
    c = _fma(c, z, -(z * _f(0.5))) + _f(1.0)
    s = _fma(_fma(_f(_SIN_P[0]), z, _f(_SIN_P[1])), z, _f(_SIN_P[2])) * z
    s = _fma(s, x, x)
    sine_first = (j & 2) == 0  # which polynomial is the sine's
    sin = np.where(sine_first, s, c)
    cos = np.where(sine_first, c, s)
    return np.where((j & 4) != 0, -sin, sin), np.where(((j - 2) & 4) == 0, -cos, cos)


# --- integers ---------------------------------------------------------------------------------


def integers(words: Words, n: int, low: int, high: int) -> np.ndarray:
    """torch's ``random_(low, high)`` (``randint``): ``w % (high - low) + low`` as int64, with
    ``w`` one word, or a 64-bit draw when the range is ``2**28`` or more (torch 2.13 switches
    there, found by experiment, for int32, int64 and float64 results alike)."""
    span = high - low
    w = words64(words, n) if span >= 2**28 else words(n)
    # C++'s unsigned arithmetic: the sum wraps modulo 2**64 before it is read as int64.
    return ((w % np.uint64(span)) + np.uint64(low % 2**64)).view(np.int64)


def permutation(words: Words, n: int) -> list[int]:
    """torch's CPU ``randperm(n)`` for ``n < 2**32 / 20``: Fisher-Yates from the front,
    swapping ``i`` with ``i + w_i % (n - i)`` for ``i < n - 1``."""
    order = list(range(n))
    if n > 1:
        index = np.arange(n - 1, dtype=np.uint64)
        targets = (index + words(n - 1) % (np.uint64(n) - index)).tolist()  # the other ends
        for i, k in enumerate(targets):
            order[i], order[k] = order[k], order[i]
    return order


def random63(words: Words) -> int:
    """torch's ``empty((), dtype=int64).random_()``: a 64-bit draw modulo ``2**63``."""
    return int(words64(words, 1)[0]) % 2**63


def bernoulli(words: Words, p: float, n: int) -> np.ndarray:
    """``n`` booleans ``u < p``: torch's scalar ``bernoulli_(p)`` kernel, ``u`` a uniform
    double per element. (A tensor of probabilities is a uniform draw and a comparison in
    ``arraygrad._random.bernoulli_tensor``.)"""
    return uniform_double(words, n) < p


def categorical(words: Words, cdf: np.ndarray, samples: int) -> np.ndarray:
    """torch's ``multinomial`` with replacement: per row, ``samples`` uniform doubles, each the
    index of the first normalised cumulative weight ``>=`` it (a leftmost binary search)."""
    rows = cdf.shape[0]
    u = uniform_double(words, rows * samples).reshape(rows, samples)
    index = np.empty((rows, samples), dtype=np.int64)
    for row in range(rows):
        index[row] = np.searchsorted(cdf[row], u[row], side="left")
    return index


# --- other distributions (torch's element-by-element kernels, in float64) ---------------------


def exponential(words: Words, n: int, rate: float) -> np.ndarray:
    """torch's ``exponential_(rate)``: ``(-1 / rate) log1p(-u)``, ``u`` a uniform double."""
    return (-1.0 / rate) * _libm(math.log1p, -uniform_double(words, n))


def cauchy(words: Words, n: int, median: float, sigma: float) -> np.ndarray:
    """torch's ``cauchy_(median, sigma)``: ``median + sigma tan(pi (u - 1/2))``, fused."""
    return fma64(_libm(math.tan, math.pi * (uniform_double(words, n) - 0.5)), sigma, median)


def geometric(words: Words, n: int, p: float) -> np.ndarray:
    """torch's ``geometric_(p)``: ``ceil(log(u) / log1p(-p))``, ``u`` a uniform double."""
    with np.errstate(divide="ignore"):
        return np.ceil(_libm(_log_or_minus_inf, uniform_double(words, n)) / math.log1p(-p))


def _log_or_minus_inf(x: float) -> float:
    return math.log(x) if x > 0 else -math.inf


def log_normal(words: Words, n: int, mean: float, std: float, cache: NormalCache) -> np.ndarray:
    """torch's ``log_normal_(mean, std)``: ``exp`` of its element-by-element normal (whatever
    the size, with the kept second normal, see :func:`normal_serial`)."""
    return _libm(math.exp, fma64(normal_serial(words, n, cache), std, mean))
