"""Normals of the words ahead in a generator's MT19937 block, computed a batch at a time.

Part of the one door to array libraries (see :mod:`arraygrad._backend.random`, whose
generators keep one :class:`NormalsAhead` each). torch's ``normal_fill`` kernel, emulated in
:mod:`arraygrad._backend.torch_sampling`, takes ~100 NumPy passes whatever the size, which
costs about 70 us on a tensor of 16 elements: a loop of ``randn(4, 4)`` would spend all its
time in them. Its blocks of 16 normals are each a function of 16 words of the stream (32 in
float64), so the normals of the words that a small draw will read, and of the words after
them, can be computed in one go and served to the draws that follow.

MT19937 outputs its block of 624 words as ``temper(key[pos])``, ``pos`` counting up, and
makes the next block (the "twist") only when it has given them all: the words ahead up to the
block's end are the tempered ``key[pos:]``, readable without drawing them, in the generator's
own state (NumPy's ``mt19937_state``: ``uint32 key[624]; int pos``, reached through the bit
generator's documented ``ctypes.state_address``). Each batch keeps the key values it was
computed from; a draw is served from a batch only where the key still holds those values
(a reseed, a set state or a twist changes them), so what it returns is always what computing
its blocks from the stream gives, bit for bit. The state is only read: the words are then
taken by drawing them (``random_raw``), which inside the block only moves ``pos`` on. A draw
whose words cross the block's end is left to the direct computation.

A batch for a draw covers that draw's words only, unless the batch before it (of the same
alignment, see :meth:`NormalsAhead._radial`) served a later draw or ends where this draw's
words begin: then it covers four times as many words as that one did, up to the block's end.
A single draw costs what it did; a loop of them a few batches per block of 624 words.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

from arraygrad._backend import torch_avx2 as avx2
from arraygrad._backend import torch_sampling as ts

_BLOCK = 624  # words per MT19937 block
_GROWTH = 4  # how many times larger a batch is than the one before it, in a loop of draws
_FLOAT32, _FLOAT64 = np.dtype(np.float32), np.dtype(np.float64)


def _temper(key: np.ndarray) -> np.ndarray:
    """MT19937's outputs of the state words ``key`` (uint32), as ``uint64``."""
    y = key.copy()
    y ^= y >> 11
    y ^= (y << 7) & np.uint32(0x9D2C5680)
    y ^= (y << 15) & np.uint32(0xEFC60000)
    y ^= y >> 18
    return y.astype(np.uint64)


class _Batch:
    """The normals (before ``* std + mean``) of the words ``key[start : start + len(keys)]``
    while the key held ``keys``; ``hits``: the draws it served after the one it was made
    for."""

    __slots__ = ("hits", "keys", "start", "values")

    def __init__(self, start: int, keys: np.ndarray, values: np.ndarray) -> None:
        self.start, self.keys, self.values, self.hits = start, keys, values, 0


class NormalsAhead:
    """The batches of normals of one MT19937 bit generator (see the module's docstring)."""

    __slots__ = ("_batches", "_bit_generator", "_mt")

    def __init__(self, bit_generator: Any) -> None:
        self._bit_generator = bit_generator
        state = (ctypes.c_uint32 * (_BLOCK + 1)).from_address(bit_generator.ctypes.state_address)
        mt = np.ctypeslib.as_array(state)  # key[0:624], then pos (non-negative)
        mt.flags.writeable = False  # read only: NumPy alone moves its generator on
        # The layout is NumPy's (since 1.17): checked once against the documented state, and
        # where it differs nothing is served (every draw computed directly).
        known = bit_generator.state["state"]
        same = np.array_equal(mt[:_BLOCK], known["key"]) and int(mt[_BLOCK]) == known["pos"]
        self._mt: np.ndarray | None = mt if same else None
        self._batches: dict[tuple[int, int], _Batch] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        # The view of the state is an address in this process: a copy makes its own.
        return NormalsAhead, (self._bit_generator,)

    def fill(self, n: int, dtype: np.dtype, mean: float, std: float) -> np.ndarray | None:
        """``torch_sampling.normal_fill(words, n, dtype, mean, std)`` with ``words`` this
        generator's, for ``n >= 16``, taking the same words; ``None`` (nothing taken) where the
        words it reads cross the end of the block."""
        width = 2 if dtype == _FLOAT64 else 1  # words per element
        reduced = dtype not in (_FLOAT32, _FLOAT64)
        whole = n - n % 16
        # normal_fill's uniforms first (whole blocks only in float16 and bfloat16), then the
        # last block's 16 when 16 does not divide n
        first = (whole if reduced else n) * width
        total = first + (16 * width if n % 16 else 0)
        mt = self._mt
        if mt is None:
            return None
        pos, taken = int(mt[_BLOCK]), 0
        if pos == _BLOCK:  # the block is spent: draw its successor's first word to make it
            if total > _BLOCK:
                return None
            self._bit_generator.random_raw(1)
            pos, taken = 0, 1
        elif pos + total > _BLOCK:
            return None
        work = _FLOAT64 if width == 2 else _FLOAT32
        out = np.empty(n, dtype=work)
        out[:whole] = self._radial(mt[:_BLOCK], pos, whole * width, width)
        if n % 16:
            out[n - 16 :] = self._radial(mt[:_BLOCK], pos + first, 16 * width, width)
        # The words are taken by drawing them: within the block that only moves ``pos`` on
        # (0.6 us for 32 words), and the state is never written but by NumPy itself.
        self._bit_generator.random_raw(total - taken)
        (ts.finish64 if width == 2 else avx2.finish)(out, out, mean, std)
        return out.astype(dtype) if reduced else out

    def _radial(self, key: np.ndarray, start: int, count: int, width: int) -> np.ndarray:
        """The normals before their last step (``radial``) of the whole blocks in words
        ``start .. start + count`` of the current block, whose state words are ``key``,
        ``width`` words per element.

        Batches are kept per alignment (``start`` modulo a block of normals' words): draws
        one after another of one size keep to one, a draw of another length moves on to
        another."""
        align = (width, start % (16 * width))
        batch = self._batches.get(align)
        if batch is not None:
            at = start - batch.start
            if (
                at >= 0
                and at + count <= batch.keys.shape[0]
                and batch.keys[at : at + count].tobytes() == key[start : start + count].tobytes()
            ):
                batch.hits += 1
                return batch.values[at // width : (at + count) // width]
        span = count
        if batch is not None and (batch.hits or start == batch.start + batch.keys.shape[0]):
            # a loop of draws (this one follows the batch's words, or the batch served one):
            # a larger batch, of whole blocks of normals up to the end of the block of words
            span = max(count, _GROWTH * batch.keys.shape[0])
            span = min(span, (_BLOCK - start) // (16 * width) * (16 * width))
        keys = key[start : start + span].copy()
        words = _temper(keys)
        values = np.empty(span // width, dtype=_FLOAT64 if width == 2 else _FLOAT32)
        if width == 2:
            ts.radial64(ts.uniform_double(lambda _: words, span // 2), values)
        else:
            avx2.radial(ts.uniform_float(lambda _: words, span), values)
        self._batches[align] = _Batch(start, keys, values)
        return values[: count // width]
