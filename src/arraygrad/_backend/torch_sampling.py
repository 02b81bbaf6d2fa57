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

from arraygrad._backend import torch_avx2 as avx2
from arraygrad._backend.fused import SPLITTERS, split, two_sum
from arraygrad._backend.libm_log import libm_log

Words = Callable[[int], np.ndarray]

_MASK53 = np.uint64(2**53 - 1)
# Elements per slice where a draw takes many NumPy passes: their float64 temporaries (128 KiB)
# stay in the processor's cache, where whole megabyte-sized arrays would cost memory traffic and
# page faults on every pass.
_CHUNK = 16384


def words64(words: Words, n: int) -> np.ndarray:
    """``n`` 64-bit draws (torch's ``random64``): two words each, the first the high half."""
    w = words(2 * n)
    high = w[0::2] << np.uint64(32)
    high |= w[1::2]
    return high


def uniform_double(words: Words, n: int) -> np.ndarray:
    """``n`` doubles in ``[0, 1)``: the low 53 bits of a 64-bit draw times ``2**-53``."""
    draws = words64(words, n)
    draws &= _MASK53
    x = draws.astype(np.float64)
    x *= 2.0**-53
    return x


def uniform_float(words: Words, n: int) -> np.ndarray:
    """``n`` float32 in ``[0, 1)``: the low 24 bits of one word times ``2**-24``."""
    low = words(n).astype(np.uint32)  # (the words are below 2**32: nothing lost)
    low &= 2**24 - 1
    x = low.astype(np.float32)
    x *= np.float32(2.0**-24)
    return x


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
    x = uniform_double(words, n) if dtype == np.float64 else uniform_float(words, n)
    out = np.empty(n, dtype=dtype)
    exact = dtype != np.float64 and _exact_in_float64(np.float32(high) - np.float32(low), low)
    for start in range(0, n, _CHUNK):  # in slices, for the cache
        part = x[start : start + _CHUNK]
        out[start : start + _CHUNK] = _scale(part, dtype, low, high, exact)
    return out


def _exact_in_float64(span: np.float32, low: float) -> bool:
    """Whether ``x span + low`` (float32 ``low``) is exact in float64 for every uniform
    float32 ``x``: ``x`` is a multiple of ``2**-24`` below 1, so the sum is a multiple of the
    finer of ``2**-24 ulp(span)`` and ``ulp(low)`` below ``|span| + |low|``, and 53 bits hold
    it when that quotient is below ``2**53`` (bounds within a factor ~2**5 of each other)."""
    from fractions import Fraction  # (here: importing it costs `import arraygrad` 1.5 ms)

    low32 = np.float32(low)
    with np.errstate(over="ignore"):  # the spacing of float32's largest number is inf
        span_ulp, low_ulp = np.spacing(abs(span)), np.spacing(abs(low32))
    if not (np.isfinite(span_ulp) and np.isfinite(low_ulp)):
        # an infinite bound or width (whose spacing is nan), or one at float32's largest
        # number: the fused arithmetic decides
        return False
    grains = [Fraction(float(span_ulp)) / 2**24] if span else []
    grains += [Fraction(float(low_ulp))] if low32 else []
    if not grains:
        return True
    return abs(Fraction(float(span))) + abs(Fraction(float(low32))) < min(grains) * 2**53


def _scale(x: np.ndarray, dtype: np.dtype, low: float, high: float, exact: bool) -> np.ndarray:
    bottom: Any
    top: Any
    if dtype == np.float64:
        out = fma64(x, high - low, low)
        bottom, top = np.float64(low), np.float64(high)
    else:
        lo, hi = np.float32(low), np.float32(high)
        if exact:  # the fused result is the exact sum rounded once, to float32
            wide = np.multiply(x, hi - lo, dtype=np.float64)
            wide += lo
            out = wide.astype(np.float32).astype(dtype, copy=False)
        else:
            out = avx2.fma(x, hi - lo, lo).astype(dtype, copy=False)
        bottom, top = (np.asarray(v).astype(dtype) for v in (lo, hi))
    reached = out == top
    if reached.any():
        out[reached] = bottom
    return out


_DOUBLE_SPLITTER = SPLITTERS[np.dtype(np.float64)]  # 2**27 + 1


def fma64(a: Any, b: float, c: float) -> np.ndarray:
    """``a * b + c`` in float64 with (nearly always) one rounding, as an FMA instruction:
    the product's rounding error by Dekker's exact product, the sum's by Knuth's TwoSum, both
    added back before the last rounding."""
    a = np.asarray(a, np.float64)
    b_, c_ = np.float64(b), np.float64(c)
    if b_ == 1.0 and c_ == 0.0:  # a standard normal: nothing to fuse, but -0 + 0 is +0
        return a + c_
    if max(abs(b_), abs(c_)) > 2.0**1000:
        # Dekker's split (a multiply by 2**27) or a * b could overflow where the fused result
        # does not: compute it scaled down by a power of two, exact both ways for these
        # magnitudes. (A zero a is the exception: c alone, which the scaling could round.)
        with np.errstate(over="ignore"):
            out = fma64(a, b_ * 2.0**-64, c_ * 2.0**-64) * 2.0**64
        return np.where(a == 0, a * b_ + c_, out)
    p = a * b_
    ah, al = split(a, _DOUBLE_SPLITTER)
    bh, bl = split(np.asarray(b_), _DOUBLE_SPLITTER)
    err = ((ah * bh - p) + ah * bl + al * bh) + al * bl  # a * b - p, exactly
    s, sum_err = two_sum(p, c_)  # p + c - s, exactly
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

    float32 reproduces torch's AVX2 kernel (:mod:`arraygrad._backend.torch_avx2`), float64
    its scalar one with libm. float16 and bfloat16 are float32's numbers rounded, but only the
    whole blocks' uniforms are drawn before the last block's (found by experiment: torch
    computes them in a float32 buffer of whole blocks)."""
    reduced = dtype not in (np.float32, np.float64)
    work = np.dtype(np.float32) if reduced else dtype
    whole = n - n % 16
    data = uniform(words, whole if reduced else n, work, 0.0, 1.0)
    out = np.empty(n, dtype=work)
    box_muller = avx2.box_muller if work == np.float32 else _box_muller64
    box_muller(data[:whole], out[:whole], mean, std)
    if n % 16:
        last = np.empty(16, dtype=work)
        box_muller(uniform(words, 16, work, 0.0, 1.0), last, mean, std)
        out[n - 16 :] = last
    return out.astype(dtype) if reduced else out


def _box_muller64(x: np.ndarray, out: np.ndarray, mean: float, std: float) -> None:
    """torch's scalar kernel for float64, on whole blocks of 16, in slices of :data:`_CHUNK`:
    :func:`radial64`, then :func:`finish64`."""
    for start in range(0, x.shape[0], _CHUNK):
        target = out[start : start + _CHUNK]
        radial64(x[start : start + _CHUNK], target)
        finish64(target, target, mean, std)


def radial64(x: np.ndarray, into: np.ndarray) -> None:
    """Write into float64 ``into`` the normals of the uniforms ``x`` (whole blocks of 16, as
    :func:`normal_fill`) before their last step: ``r cos`` and ``r sin``, ``log`` by the C
    library's rounding (:func:`libm_log`)."""
    blocks, target = x.reshape(-1, 2, 8), into.reshape(-1, 2, 8)
    r = libm_log((1.0 - blocks[:, 0]).reshape(-1)).reshape(-1, 8)
    r *= -2.0
    np.sqrt(r, out=r)
    angle = blocks[:, 1] * (2.0 * math.pi)
    # NumPy's float64 cos and sin call the C library's (here: 40 million angles 2 pi u,
    # many next to multiples of pi/4, gave math.cos's and math.sin's bits); its log is
    # its own SIMD code (see libm_log).
    np.multiply(np.cos(angle), r, out=target[:, 0])
    np.multiply(np.sin(angle, out=angle), r, out=target[:, 1])


def finish64(values: np.ndarray, out: np.ndarray, mean: float, std: float) -> None:
    """The last step of torch's float64 kernel on :func:`radial64`'s ``values``, into ``out``
    (which may be ``values``): ``values * std + mean``, fused."""
    if std == 1.0 and mean == 0.0:  # fma(v, 1, 0) = v + 0: -0.0 becomes +0.0
        np.add(values, 0.0, out=out)
    else:
        out[...] = fma64(values, std, mean)  # fused, as torch's compiled kernel


# --- integers ---------------------------------------------------------------------------------


def integers(words: Words, n: int, low: int, high: int) -> np.ndarray:
    """torch's ``random_(low, high)`` (``randint``): ``w % (high - low) + low`` as int64, with
    ``w`` one word, or a 64-bit draw when the range is ``2**28`` or more (torch 2.13 switches
    there, found by experiment, for int32, int64 and float64 results alike)."""
    span = high - low
    w = words64(words, n) if span >= 2**28 else words(n)
    np.remainder(w, np.uint64(span), out=w)
    # C++'s unsigned arithmetic: the sum wraps modulo 2**64 before it is read as int64.
    w += np.uint64(low % 2**64)
    return w.view(np.int64)


def permutation(words: Words, n: int) -> np.ndarray:
    """torch's CPU ``randperm(n)`` for ``n < 2**32 / 20``, as int64: Fisher-Yates from the
    front, swapping ``i`` with ``t_i = i + w_i % (n - i)`` for ``i < n - 1``.

    The swaps run in one sequence, but what each leaves behind can be read off all the targets
    at once (a loop over the swaps in Python cost 0.4 s for a million). Position ``i`` is final
    after swap ``i`` (later swaps touch only later positions), and swap ``i`` fetches the value
    at ``t_i`` then. Call ``W(k)`` the value at position ``k`` just before swap ``k``. Position
    ``p`` is written before swap ``p`` only by the swaps ``j < p`` with ``t_j = p``, each
    putting ``W(j)`` there, so:

    - ``result[i] = W(j)`` for the last earlier swap ``j`` with ``t_j = t_i``, or ``t_i`` when
      there is none (``t_i = i`` included: then ``j`` is the last swap before ``i`` aimed at
      ``i``, and the result ``W(i)``);
    - ``W(k) = W(j)`` for the last swap ``j < k`` with ``t_j = k``, else ``k``: a forest
      whose parents lie below their children, its roots found block by block (see
      :func:`_roots`);
    - ``result[n - 1] = W(n - 1)``.

    Sorting the swaps by target (then by index) puts each swap's predecessor with the same
    target just before it."""
    if n <= 1:
        return np.arange(n, dtype=np.int64)
    i = np.arange(n - 1, dtype=np.uint64)
    key = np.uint64(n) - i
    np.remainder(words(n - 1), key, out=key)
    key += i  # the targets
    shift = np.uint64((n - 1).bit_length())
    key <<= shift  # (target, index) in one sortable number
    key |= i
    key.sort()
    index = (key & np.uint64((1 << int(shift)) - 1)).view(np.int64)
    target = (key >> shift).view(np.int64)
    first = np.empty(n - 1, dtype=bool)  # the first swap aimed at its target
    first[0] = True
    np.not_equal(target[1:], target[:-1], out=first[1:])
    # The parent of node k in W's forest: the last swap j < k aimed at k (the group's last,
    # or the one before it when the last is swap k itself).
    last = np.flatnonzero(np.append(first[1:], True))
    kid, parent_of_kid = target[last], index[last]
    own = np.flatnonzero(parent_of_kid == kid)
    has_before = own[~first[last[own]]]
    parent_of_kid[own] = -1
    parent_of_kid[has_before] = index[last[has_before] - 1]
    root = np.arange(n, dtype=np.int64)
    linked = parent_of_kid >= 0
    root[kid[linked]] = parent_of_kid[linked]
    _roots(root)
    values = target  # result[index[m]]: target[m], or W of the swap before it in its group
    later = np.flatnonzero(~first)
    values[later] = root[index[later - 1]]
    result = np.empty(n, dtype=np.int64)
    result[index] = values
    result[n - 1] = root[n - 1]
    return result


def _roots(up: np.ndarray) -> None:
    """Turn ``up``, each node's parent (itself for a root, else a smaller index), into each
    node's root, in place.

    Blocks of nodes in increasing order: a parent below the block already holds its root, so
    one gather settles every node whose parent lies there (most: a swap's target is spread over
    the rest of the array). The few whose parent lies in the block follow their pointers,
    which always lead to ancestors, until they reach a root."""
    for start in range(0, up.size, _ROOTS_BLOCK):
        block = up[start : start + _ROOTS_BLOCK]
        inside = np.flatnonzero(block >= start)
        block[...] = up[block]
        while inside.size:
            node = block[inside]
            above = up[node]
            block[inside] = above
            inside = inside[above != node]


_ROOTS_BLOCK = 32768


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
    u = uniform_double(words, n)
    logs = np.full(n, -np.inf)
    drawn = u > 0  # a multiple of 2**-53: positive ones are normal numbers, as libm_log needs
    logs[drawn] = libm_log(u[drawn])
    with np.errstate(divide="ignore"):
        return np.ceil(logs / math.log1p(-p))


def log_normal(words: Words, n: int, mean: float, std: float, cache: NormalCache) -> np.ndarray:
    """torch's ``log_normal_(mean, std)``: ``exp`` of its element-by-element normal (whatever
    the size, with the kept second normal, see :func:`normal_serial`)."""
    return _libm(math.exp, fma64(normal_serial(words, n, cache), std, mean))
