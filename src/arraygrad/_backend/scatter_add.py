"""``np.add.at`` with the same sums in the same order, faster: the scatter-add behind the
gradients of advanced indexing, ``scatter_add``, ``index_add`` and ``embedding_bag``.

NumPy's ``add.at`` is fast (a few ns an element) only for one 1-D index into a 1-D array; with
several index arrays or rows to add (``out[idx] += rows``) it walks a general iterator, 5-10x
slower. :func:`add_at` turns the key into flat positions in ``out``'s memory and adds there,
in slabs that stay in cache. Each element of ``out`` receives its contributions one at a time in
the order ``add.at`` gives them (the key's broadcast order), so every dtype sums to the same bits,
float16 included. Part of the one door to arrays (``_backend``): NumPy only.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

#: Elements added per ``add.at`` call: big enough to spread the call's cost, small enough that
#: the positions (int64) and values of a slab stay in cache.
_SLAB = 1 << 16
#: Rows at least this wide are summed segment by segment when their index is sorted.
_WIDE = 16
#: What one round of :func:`_sorted_rows` costs, in elements ``add.at`` adds in that time.
_ROUND = 2048
#: Below this many values ``add.at`` itself is faster than planning flat positions (a max's
#: or a gather's gradient of one value per row: 512 values, 5 us against 20 us).
_FEW = 4096


def _few(key: Any, values: Any) -> bool:
    """Whether ``out[key] += values`` adds fewer than :data:`_FEW` elements for certain: few
    values, and a key of index arrays alone, each of fewer elements (a slice could spread the
    values over many places)."""
    if values.__class__ is not np.ndarray or values.size >= _FEW:
        return False
    parts = key if key.__class__ is tuple else (key,)
    return all(part.__class__ is np.ndarray and part.size < _FEW for part in parts)


def add_at(out: np.ndarray, key: Any, values: Any) -> None:
    """``np.add.at(out, key, values)``: ``out[key] += values`` with repeated places summing.

    Keys of integer arrays, ints, slices and ``...`` into a C-contiguous ``out`` go through flat
    positions; anything else (boolean masks, ``None``, an index out of range, which ``add.at``
    reports, values that are not an array) goes to ``add.at`` itself.
    """
    if _few(key, values):
        np.add.at(out, key, values)
        return
    if _sorted_rows(out, key, values):
        return
    # (values that are not arrays, Python numbers, go to add.at: broadcast here, they would
    # become float64 arrays and add in float64 where add.at adds a weak scalar in out's dtype)
    plan = _flat_plan(out, key) if values.__class__ is np.ndarray else None
    if plan is None:
        np.add.at(out, key, values)
        return
    parts, shape = plan
    if len(shape) == 1 and out.ndim == 1:  # add.at's own fast case already
        np.add.at(out, np.broadcast_to(parts[0], shape), values)
        return
    if 0 in shape:
        return
    flat = out.reshape(-1)  # a view: out is C-contiguous
    values = np.broadcast_to(values, shape)
    if not shape:  # every index 0-d: one place
        np.add.at(flat, sum(parts, np.int64(0)), values)
        return
    # Slabs along the result's first axis: the parts that vary along it are sliced, the rest
    # broadcast. Slabs go in order, so each place still gets its contributions in key order.
    step = max(1, _SLAB // max(1, math.prod(shape[1:])))
    for start in range(0, shape[0], step):
        stop = min(start + step, shape[0])
        pieces = [part[start:stop] if part.shape[0] > 1 else part for part in parts]
        positions = pieces[0]
        for piece in pieces[1:]:
            positions = positions + piece
        slab = (stop - start, *shape[1:])
        flat_positions = np.broadcast_to(positions, slab).reshape(-1)
        np.add.at(flat, flat_positions, values[start:stop].reshape(-1))


def _sorted_rows(out: Any, key: Any, values: Any) -> bool:
    """``add_at`` for one non-decreasing 1-D index of wide rows (``embedding_bag``'s bags, a
    segment sum): round ``r`` adds the ``r``-th row of every segment longer than ``r``, so each
    row of ``out`` gets its rows in order, as ``add.at`` adds them. False (nothing done) for
    other keys, narrow rows or segments so long that the rounds would cost more."""
    index = key[0] if isinstance(key, tuple) and len(key) == 1 else key
    if (
        out.__class__ is not np.ndarray
        or out.ndim < 2
        or values.__class__ is not np.ndarray
        or index.__class__ is not np.ndarray
        or index.ndim != 1
        or index.dtype.kind not in "iu"
        or index.size < 2
    ):
        return False
    count, width = index.shape[0], math.prod(out.shape[1:])
    if width < _WIDE or index[0] < 0 or index[-1] >= out.shape[0]:
        return False
    steps = index[1:] != index[:-1]
    if bool((index[1:] < index[:-1]).any()):
        return False
    starts = np.flatnonzero(steps) + 1
    starts = np.concatenate(([0], starts))
    lengths = np.diff(np.append(starts, count))
    rounds = int(lengths.max())
    if rounds * _ROUND > count * width:
        return False
    rows = np.broadcast_to(values, (count, *out.shape[1:]))
    segments = index[starts]
    if int(lengths.min()) == rounds:  # equal segments: each round is a strided slice
        blocks = rows.reshape(starts.shape[0], rounds, *out.shape[1:])
        first, last = int(segments[0]), int(segments[-1])
        # consecutive segments (every bag of embedding_bag holding rows): a slice of out, added
        # into in place, where an index would gather its rows and scatter them back
        into = slice(first, last + 1) if last - first + 1 == segments.shape[0] else segments
        for r in range(rounds):
            out[into] += blocks[:, r]
        return True
    for r in range(rounds):
        alive = lengths > r
        out[segments[alive]] += rows[starts[alive] + r]
    return True


def _flat_plan(out: Any, key: Any) -> tuple[list[np.ndarray], tuple[int, ...]] | None:
    """The flat positions ``key`` selects in ``out``, as int64 parts that broadcast (by adding)
    to the selection's shape, which comes second; None where :func:`add_at` leaves the key to
    ``add.at``."""
    if out.__class__ is not np.ndarray or not out.flags.c_contiguous:
        return None
    parts = list(key) if isinstance(key, tuple) else [key]
    ellipses = [i for i, p in enumerate(parts) if p is Ellipsis]
    if len(ellipses) > 1 or any(p is None for p in parts):
        return None
    if ellipses:
        at = ellipses[0]
        parts[at : at + 1] = [slice(None)] * (out.ndim - len(parts) + 1)
    if len(parts) > out.ndim:
        return None
    parts += [slice(None)] * (out.ndim - len(parts))
    strides = [math.prod(out.shape[d + 1 :]) for d in range(out.ndim)]
    advanced: list[tuple[int, np.ndarray]] = []
    shapes: list[tuple[int, ...]] = []  # the indices' own shapes, which broadcast to the result
    for d, part in enumerate(parts):
        if isinstance(part, slice):
            continue
        index = np.asarray(part)  # an int is advanced too where arrays are (NumPy's rule)
        if index.dtype.kind not in "iu":
            return None
        shapes.append(index.shape)
        # An expanded index (stride 0: scatter's index broadcast along a dimension) is read
        # as the one slice it repeats, broadcast again when the positions are summed.
        index = index[tuple(slice(0, 1) if st == 0 else slice(None) for st in index.strides)]
        size = out.shape[d]
        if index.size:
            low, high = int(index.min()), int(index.max())
            if low < -size or high >= size:
                return None  # add.at raises the IndexError
            if low < 0:
                index = np.where(index < 0, index + size, index)
        advanced.append((d, index.astype(np.int64, copy=False) * strides[d]))
    if not advanced:
        return None
    dims = [d for d, _ in advanced]
    broadcast = np.broadcast_shapes(*shapes)
    # NumPy puts the broadcast index's axes where the advanced indices stand when they are
    # adjacent, and first when a slice separates them.
    first = dims[0] if dims == list(range(dims[0], dims[-1] + 1)) else 0
    basic = [d for d in range(out.ndim) if d not in dims]
    lengths = [len(range(*parts[d].indices(out.shape[d]))) for d in basic]
    shape = (*lengths[:first], *broadcast, *lengths[first:])
    rank = len(shape)
    offsets: list[np.ndarray] = []
    for axis, d in enumerate(basic):
        where = axis if axis < first else axis + len(broadcast)
        positions = np.arange(*parts[d].indices(out.shape[d]), dtype=np.int64) * strides[d]
        offsets.append(positions.reshape((1,) * where + (-1,) + (1,) * (rank - where - 1)))
    for _, index in advanced:  # each on the broadcast index's axes, summed slab by slab
        lead = (1,) * (first + len(broadcast) - index.ndim)
        offsets.append(index.reshape(lead + index.shape + (1,) * (rank - first - len(broadcast))))
    return offsets, shape
