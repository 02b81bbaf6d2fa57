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
whose words cross the block's end is left to the direct computation, unless a batch foresaw
the next block (below).

A batch for a draw covers that draw's words only, unless the batch before it (of the same
alignment, see :meth:`NormalsAhead._radial`) served a later draw or ends where this draw's
words begin: then it covers four times as many words as that one did, up to the block's end,
and for float32 draws on into the blocks after it (up to :data:`_BLOCKS_AHEAD` of them),
whose state words it makes by MT19937's twist of the current ones (:func:`_twisted`): a batch
costs about as much for 16 words as for a few thousand. A draw is served from such a batch
where the key it reads holds the words the batch was computed from, in whichever block of the
batch that is (a twist the batch did not foresee, a reseed or a set state matches none); a
draw of whole blocks of float32 normals whose words cross a block's end, where the whole state
of the block is the one the batch twisted (:meth:`NormalsAhead._across`). A single draw costs
what it did; a loop of them one batch per few blocks of 624 words.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

from arraygrad._backend import torch_avx2 as avx2
from arraygrad._backend import torch_sampling as ts

_BLOCK = 624  # words per MT19937 block
_GROWTH = 4  # how many times larger a batch is than the one before it, in a loop of draws
# The blocks after the current one that a float32 batch may cover (its flat cost, ~100 NumPy
# passes, then spread over about 300 draws of 16 normals)
_BLOCKS_AHEAD = 7
_SHIFT = 397  # MT19937's M: word i of a new block mixes in word i + M (of the old one, or new)
_UPPER, _LOWER, _MATRIX = np.uint32(0x80000000), np.uint32(0x7FFFFFFF), np.uint32(0x9908B0DF)
_FLOAT32, _FLOAT64 = np.dtype(np.float32), np.dtype(np.float64)


def _temper(key: np.ndarray) -> np.ndarray:
    """MT19937's outputs of the state words ``key`` (uint32), as ``uint64``."""
    y = key.copy()
    y ^= y >> 11
    y ^= (y << 7) & np.uint32(0x9D2C5680)
    y ^= (y << 15) & np.uint32(0xEFC60000)
    y ^= y >> 18
    return y.astype(np.uint64)


def _twisted(key: np.ndarray) -> np.ndarray:
    """The state words (uint32) of the block after the one whose words are ``key``: MT19937's
    twist (NumPy's ``mt19937_gen``), word by word ``new[i] = x[i + M] ^ (y >> 1) ^ (y odd ? A :
    0)``, ``y`` the top bit of ``x[i]`` and the low 31 of ``x[i + 1]``, where ``x[j]`` is the
    word ``j`` made before it (``new[j - 624]`` past the end): in runs of ``624 - M = 227``
    words, each reading only words made before it."""
    run = _BLOCK - _SHIFT
    new = np.empty(_BLOCK, dtype=np.uint32)
    following = np.empty(_BLOCK + 1, dtype=np.uint32)  # x[i + 1]: the old words, then new[0]
    following[:_BLOCK] = key
    for begin in (0, run, 2 * run):
        end = min(begin + run, _BLOCK)
        if end == _BLOCK:
            following[_BLOCK] = new[0]
        y = key[begin:end] & _UPPER
        y |= following[begin + 1 : end + 1] & _LOWER
        mixed = key[begin + _SHIFT : end + _SHIFT] if begin == 0 else new[begin - run : end - run]
        odd = (y & np.uint32(1)) * _MATRIX
        y >>= np.uint32(1)
        y ^= mixed
        y ^= odd
        new[begin:end] = y
    return new


class _Batch:
    """The normals (before ``* std + mean``) of the words ``start .. start + len(keys)`` of the
    stream from the current block's word ``start`` on (past the block's end, those of the
    blocks after it), while the state words were ``keys``; ``states``: the whole state of each
    block it reaches, where it reaches past its first (else empty); ``hits``: the draws it
    served after the one it was made for; ``block``: the block of the batch (0: the one it was
    made in) of the last draw it served."""

    __slots__ = ("block", "hits", "keys", "start", "states", "values")

    def __init__(
        self, start: int, keys: np.ndarray, values: np.ndarray, states: list[np.ndarray]
    ) -> None:
        self.start, self.keys, self.values, self.states = start, keys, values, states
        self.hits, self.block = 0, 0

    def serve(self, key: np.ndarray, start: int, count: int, width: int) -> np.ndarray | None:
        """The normals of words ``start .. start + count`` of ``key`` (the current block's
        state), where this batch holds them: in the block of its last draw or the next."""
        size = self.keys.shape[0]
        wanted = key[start : start + count].tobytes()
        for block in (self.block, self.block + 1):
            at = start + block * _BLOCK - self.start
            if at < 0 or at + count > size:
                continue
            if self.keys[at : at + count].tobytes() == wanted:
                self.hits += 1
                self.block = block
                return self.values[at // width : (at + count) // width]
        return None


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
        words it reads cross the end of the block and no batch foresaw the next one."""
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
        if pos + total > _BLOCK:
            # (whole blocks of float32 normals only: one run of words, one batch's alignment)
            across = None if width == 2 or n % 16 else self._across(mt[:_BLOCK], pos, n)
            if across is None:
                return None
            out = across.copy()
        else:
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

    def _across(self, key: np.ndarray, start: int, count: int) -> np.ndarray | None:
        """The float32 normals before their last step of words ``start .. start + count`` of
        the stream, which cross the end of the current block (whose state words are ``key``),
        where a batch holds them: one that covers the words of this block and of the next, and
        whose state of this block is ``key`` (all of it: the next block's words are its twist),
        so that its words ahead are the stream's."""
        batch = self._batches.get((1, start % 16))
        if batch is None:
            return None
        for block in (batch.block, batch.block + 1):
            at = start + block * _BLOCK - batch.start
            if (
                at >= 0
                and at + count <= batch.keys.shape[0]
                and block < len(batch.states)
                and batch.states[block].tobytes() == key.tobytes()
            ):
                batch.hits += 1
                batch.block = block + 1  # (the draws after it read the next block)
                return batch.values[at : at + count]
        return None

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
            served = batch.serve(key, start, count, width)
            if served is not None:
                return served
        span = count
        if batch is not None and (batch.hits or start == batch.start + batch.keys.shape[0]):
            # a loop of draws (this one follows the batch's words, or the batch served one):
            # a larger batch, of whole blocks of normals up to the end of the block of words,
            # or for float32 (whose blocks of normals stay aligned from one block of words to
            # the next: 16 divides 624) up to the end of some blocks after it
            span = max(count, _GROWTH * batch.keys.shape[0])
            if width == 1:  # (up to the draw that crosses the last block's end, included)
                span = min(span, -(-(_BLOCK * (_BLOCKS_AHEAD + 1) - start) // 16) * 16)
            else:
                span = min(span, (_BLOCK - start) // 32 * 32)
        keys = key[start : start + span].copy()
        states = []
        if start + span > _BLOCK:  # the blocks after this one: their words, twisted ahead
            states.append(np.array(key))
            for _ in range(-(-(start + span) // _BLOCK) - 1):
                states.append(_twisted(states[-1]))
            keys = np.concatenate([keys, *states[1:]])[:span]
        words = _temper(keys)
        values = np.empty(span // width, dtype=_FLOAT64 if width == 2 else _FLOAT32)
        if width == 2:
            ts.radial64(ts.uniform_double(lambda _: words, span // 2), values)
        else:
            avx2.radial(ts.uniform_float(lambda _: words, span), values)
        self._batches[align] = _Batch(start, keys, values, states)
        return values[: count // width]
