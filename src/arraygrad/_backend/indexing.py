"""Indexing raw arrays the way PyTorch indexes tensors, on any library: reading ``x[key]``,
writing ``x[key] = values`` and the adjoint scatter-adds that are their gradients.

NumPy takes every key PyTorch does. The standard's integer-array indexing is narrower, so other
libraries go through NumPy for advanced keys, and lazy ones (Dask's) through flat positions
(``lazy.py``) that keep them lazy. Part of the one door to arrays (``_backend``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from arraygrad import _backend
from arraygrad._backend import lazy
from arraygrad._backend.scatter_add import add_at


def index_put(x: Any, values: Any, key: Any) -> Any:
    """A copy of ``x`` with ``values`` (broadcast) written at ``[key]``."""
    out = _backend.asarray(x, copy=True)  # also turns a NumPy scalar (a 0-d gradient) into an array
    if _backend.is_numpy:
        out[key] = values
    elif _backend.is_lazy and (_is_advanced(key) or _has_none(key)):
        return lazy.index_put(_backend.module, out, values, key)
    elif _is_advanced(key) or _has_none(key):
        written = np.array(_backend.to_numpy(out), copy=True)
        written[_numpy_key(key)] = (
            _backend.to_numpy(values) if _backend.is_array(values) else values
        )
        return _from_numpy(written, out.dtype)
    else:
        out[_full_key(key)] = values
    return out


def numpy_getitem(x: Any, key: Any) -> Any:
    """:func:`getitem` on NumPy, the namespace's own there (no test of the library per call)."""
    out = x[key]
    if out.__class__ is not np.ndarray and x.__class__ is np.ndarray:
        # An integer for every axis gives a NumPy scalar, a copy: with a trailing ``...``
        # NumPy gives the element as a 0-d view, so that writes through it reach x.
        out = x[_full_key(key)]
    return out


def getitem(x: Any, key: Any) -> Any:
    """``x[key]``, as a function so that VJP rules can name it on any namespace."""
    if _backend.is_numpy:
        return numpy_getitem(x, key)
    if _backend.is_lazy and _is_advanced(key):
        return lazy.getitem(_backend.module, x, key)
    if _is_advanced(key):  # the standard's integer-array indexing is narrower than PyTorch's
        return _from_numpy(_backend.to_numpy(x)[_numpy_key(key)], x.dtype)
    return x[_full_key(key)]


def _full_key(key: Any) -> Any:
    """``key`` with a trailing ``...``: the same selection, which strict libraries require."""
    parts = key if isinstance(key, tuple) else (key,)
    if any(p is Ellipsis for p in parts):
        return parts
    return (*parts, Ellipsis)


def _has_none(key: Any) -> bool:
    # The standard allows None (a new axis) when reading, not when writing.
    return any(p is None for p in (key if isinstance(key, tuple) else (key,)))


def _numpy_key(key: Any) -> Any:
    parts = key if isinstance(key, tuple) else (key,)
    return tuple(_backend.to_numpy(p) if isinstance(p, _backend.array_type) else p for p in parts)


def _from_numpy(values: Any, dtype: Any) -> Any:
    lib = _backend.module
    values = np.asarray(values)  # tolist() loses the shape of empty arrays: reshape after
    return lib.reshape(lib.asarray(values.tolist(), dtype=dtype), values.shape)


def set_at(x: Any, key: Any, values: Any) -> None:
    """``x[key] = values`` in place, for any key PyTorch accepts, on any backend."""
    if _backend.tracer is not None:  # arraygrad.compile writes the write down too
        return _backend.tracer.call(set_at, (x, key, values))
    if _backend.is_numpy:
        x[key] = values
    elif _is_advanced(key) or _has_none(key):
        x[...] = index_put(x, values, key)
    else:
        x[_full_key(key)] = values


def index_add_zeros(values: Any, shape: tuple[int, ...], key: Any) -> Any:
    """A zero array of ``shape`` with ``values`` added at ``x[key]``, repeated indices summing.

    It is the adjoint of ``x[key]``: the gradient of indexing scatters back to the indexed places.
    """
    out = _backend.module.zeros(shape, dtype=values.dtype)
    if _backend.is_numpy:
        if _is_advanced(key):
            add_at(out, key, values)  # sums where an index repeats; plain assignment would not
        else:  # (a None too: NumPy writes through it)
            out[key] = values
    elif _backend.is_lazy and (_is_advanced(key) or _has_none(key)):
        # (a None too: the NumPy round trip below would compute the gradient's graph)
        return lazy.index_add_zeros(_backend.module, values, shape, key)
    elif _is_advanced(key) or _has_none(key):  # other libraries: scatter-add in NumPy
        scattered = np.zeros(shape, dtype=_backend.to_numpy(out).dtype)
        add_at(scattered, _numpy_key(key), _backend.to_numpy(values))
        return _from_numpy(scattered, out.dtype)
    elif 0 not in tuple(values.shape):  # (Dask refuses to write an empty block, even in place of
        # an empty one, "value array of shape (2, 0) could not be broadcast to ... (2, 0)")
        out[_full_key(key)] = values
    return out


def index_add_into(total: Any, values: Any, key: Any) -> Any:
    """``total + index_add_zeros(values, total.shape, key)`` for a basic ``key`` (ints, slices,
    ``None``, ``...``: no element twice), added into ``total``'s memory where the library allows
    it: the backward engine's way to add the gradient of a view into the gradient of its base,
    an array only the engine holds, at the cost of the view's size instead of the base's.

    The sums are the same except for the sign of a zero: an element outside ``key`` that holds
    -0.0 keeps it here, where the out-of-place sum adds +0.0 (giving +0.0). Eager backward
    and compiled replays both add in place, so their bits agree.
    """
    # (The engine's own arrays, which it made, are writable; a 0-d gradient may come as a NumPy
    # scalar. Plain indexing and arithmetic: arraygrad.compile's recorder follows them as
    # writes into ``total``.)
    if (
        _backend.is_numpy
        and total.__class__ is np.ndarray
        and total.dtype == values.dtype
        and not _is_advanced(key)
    ):
        total[key] += values
        return total
    return total + index_add_zeros(values, tuple(total.shape), key)


def index_put_into(x: Any, values: Any, key: Any) -> Any:
    """``index_put(x, values, key)`` written into ``x`` itself where the library allows it: the
    backward engine's way to zero the overwritten places of a gradient only it holds, at the
    cost of those places instead of a copy of all of it."""
    if _backend.is_numpy and x.__class__ is np.ndarray:  # (an array the engine made, as above)
        x[key] = values
        return x
    return index_put(x, values, key)


def _is_advanced(key: Any) -> bool:
    parts = key if isinstance(key, tuple) else (key,)
    return any(not isinstance(p, (int, slice, type(None), type(Ellipsis))) for p in parts)


def take_add_zeros(values: Any, indices: Any, shape: tuple[int, ...], axis: int) -> Any:
    """Zeros of ``shape`` with ``values`` added at ``indices`` along ``axis``, repeats summing.

    The adjoint of ``take(x, indices, axis=axis)`` (1-D ``indices``).
    """
    if _backend.is_numpy:
        out = np.zeros(shape, dtype=values.dtype)
        if indices.shape[0] == 0:
            return out
        lead = (slice(None),) * axis
        # add.at's wrap of negatives: -1 and size - 1 name one place, ranked as one below
        targets = np.where(indices < 0, indices + shape[axis], indices)
        occurrences = None  # (the ranking both sliced and round-wise adds start from)
        if values.size >= _FEW and _in_runs(targets):
            occurrences = _occurrences(targets)
            pieces = _slice_pieces(targets, *occurrences)
            if pieces is not None:
                for into, sources in pieces:
                    # no target twice within a piece: a plain sliced add is np.add.at's sum
                    out[lead + (into,)] += values[lead + (sources,)]
                return out
        if not _added_in_rounds(out, values, targets, axis, occurrences):
            add_at(out, lead + (indices,), values)
        return out
    # The standard has no scatter-add: sum through a one-hot matrix instead.
    lib = _backend.module
    one_hot = lib.reshape(indices, (-1, 1)) == lib.arange(shape[axis], dtype=indices.dtype)
    moved = lib.moveaxis(values, axis, -1)
    return lib.moveaxis(moved @ lib.astype(one_hot, values.dtype), -1, axis)


def gather_add(values: Any, take: Any, put: Any, shape: tuple[int, ...]) -> Any:
    """Zeros of ``shape`` with the row ``values[take[i]]`` added at row ``put[i]``, position
    after position (1-D ``take`` and ``put`` of one length): the bags of ``embedding_bag``
    (``take`` the embedding rows, ``put`` their bags) and, indexes swapped, its gradient.

    It is ``take_add_zeros(take(values, take), put, shape, 0)``, the same sums in the same
    order, without the gathered rows (one per position) in memory: on NumPy in rounds of
    distinct places, as :func:`_added_in_rounds`, each round's rows gathered from ``values``.
    """
    if not _backend.is_numpy:
        rows = _backend.xp.take(values, take, axis=0)
        return take_add_zeros(rows, put, shape, 0)
    out = np.zeros(shape, dtype=values.dtype)
    width = math.prod(shape[1:])
    if put.shape[0] * width < _FEW:  # (few values: add.at's loop costs less than the rounds)
        add_at(out, (put,), np.take(values, take, axis=0))
        return out
    targets = np.where(put < 0, put + shape[0], put)
    order, rank = _occurrences(targets)
    rounds = int(rank.max()) + 1
    if rounds > _MAX_ROUNDS and rounds * _ROUND_WORK > put.shape[0] * width:
        add_at(out, (targets,), np.take(values, take, axis=0))
        return out
    ordered, picked = targets[order], take[order]
    for r in range(rounds):
        in_round = rank == r
        out[_as_slice(ordered[in_round])] += np.take(values, picked[in_round], axis=0)
    return out


# A scatter-add (add_at: np.add.at's sums) costs a few ns per element but little per call:
# below this many values, or for indices that are not a few runs of consecutive ones (an
# embedding's, a random selection's: a pass per run or an indexed pass per repeat would cost
# more), it does the work.
_FEW = 4096
_MAX_PIECES = 8


def _occurrences(targets: Any) -> tuple[Any, Any]:
    """The stable order of the 1-D ``targets`` and, along it, each entry's rank among the equal
    targets before it (0 for an index's first occurrence, 1 for its second, ...): the layers or
    rounds of a scatter-add in which no place is named twice."""
    order = np.argsort(targets, kind="stable")
    ranked = targets[order]
    starts = np.flatnonzero(np.diff(ranked)) + 1
    first = np.zeros(ranked.size, dtype=np.intp)
    first[starts] = starts
    return order, np.arange(ranked.size) - np.maximum.accumulate(first)


def _in_runs(targets: Any) -> bool:
    """A quick look: whether ``targets`` could be a few runs of consecutive places (padding's),
    not scattered indices."""
    return bool(np.count_nonzero(np.abs(np.diff(targets)) != 1) <= 2 * _MAX_PIECES)


def _slice_pieces(targets: Any, order: Any, rank: Any) -> list[tuple[slice, slice]] | None:
    """``take_add_zeros``'s scatter-add at the places ``targets`` (their :func:`_occurrences`
    ``order`` and ``rank``) as sliced adds, ``(targets, sources)`` slice pairs along the axis,
    or ``None`` where it takes more than :data:`_MAX_PIECES` of them.

    Layer ``r`` holds the ``r``-th occurrence of each index, so no layer names a target twice,
    and adding layer after layer adds each target's values in the order of their positions,
    as ``np.add.at`` does: element by element the same sums. Padding's positions (an edge
    repeated, a reflection, a wrap) make a layer or three of a few runs of consecutive
    positions with consecutive targets: slices, which NumPy adds without an index per element.
    """
    pieces: list[tuple[slice, slice]] = []
    for r in range(int(rank.max()) + 1):
        sources = np.sort(order[rank == r])
        runs = _runs(targets[sources], sources, _MAX_PIECES - len(pieces))
        if runs is None:
            return None
        pieces.extend(runs)
    return pieces


def _runs(targets: Any, sources: Any, most: int) -> list[tuple[slice, slice]] | None:
    """Split (distinct ``targets``, increasing ``sources``) where a source or a target is not
    its predecessor's neighbour: runs whose targets step by +1 or -1 (never both: that would
    name a target twice), as slice pairs; ``None`` if there are more than ``most``."""
    step = np.diff(targets)
    breaks = (np.flatnonzero((np.diff(sources) != 1) | (np.abs(step) != 1)) + 1).tolist()
    if len(breaks) >= most:
        return None
    runs = []
    for lo, hi in zip([0, *breaks], [*breaks, sources.size], strict=True):
        first, last = int(targets[lo]), int(targets[hi - 1])
        down = last < first
        stop = (last - 1 if last else None) if down else last + 1
        runs.append(
            (
                slice(first, stop, -1 if down else 1),
                slice(int(sources[lo]), int(sources[hi - 1]) + 1),
            )
        )
    return runs


# Above this many occurrences of one index, the rounds of _added_in_rounds would cost more in
# Python than the scatter-add's element-by-element loop saves, unless each round adds at least
# _ROUND_WORK elements on average (an embedding's gradient of wide rows: 4096 rows of 1024 into
# 512, up to ~20 occurrences, 1.6x faster in rounds).
_MAX_ROUNDS = 16
_ROUND_WORK = 1 << 15


def _added_in_rounds(
    out: Any, values: Any, targets: Any, axis: int, occurrences: tuple[Any, Any] | None
) -> bool:
    """``take_add_zeros``'s scatter-add of ``values`` into the zeros ``out`` at the places
    ``targets`` (non-negative; their :func:`_occurrences`, if already ranked), in rounds of
    distinct indices, where that is faster than :func:`add_at`; ``False`` (``out`` untouched)
    where it is not: an index occurring more than :data:`_MAX_ROUNDS` times (but for rounds of
    many elements), or a few single columns of a wide last axis.

    Round ``r`` adds, at once, the slices of ``values`` whose index occurs for the ``r``-th time.
    Within a round no index repeats, so a fancy-indexed ``+=`` is exact; and each element gets
    its terms in the order of their positions, as ``np.add.at`` adds them: the same bits, signed
    zeros included (an embedding's gradient, an upsampling's: 1.3-3.5x faster than add_at). The
    arrays are viewed as ``(before, axis, after)``, where NumPy's take runs fastest.
    """
    count = targets.shape[0]
    size = out.shape[axis]
    after = math.prod(out.shape[axis + 1 :])
    if after == 1 and size > 4 * count:
        # (single columns picked from a wide axis, index_select's gradient: add_at's flat
        # positions are about twice as fast as a fancy-indexed += into rows that wide)
        return False
    order, rank = _occurrences(targets) if occurrences is None else occurrences
    rounds = int(rank.max()) + 1
    if rounds > _MAX_ROUNDS and rounds * _ROUND_WORK > values.size:
        return False
    target = out.reshape(math.prod(out.shape[:axis]), size, after)
    source = values.reshape(target.shape[0], count, after)
    if rounds == 1:  # no index repeats: one round, in the positions' own order
        target[:, _as_slice(targets)] += source
        return True
    ordered = targets[order]
    for r in range(rounds):
        in_round = rank == r
        positions = _as_slice(order[in_round])
        if isinstance(positions, slice):
            taken = source[:, positions]
        else:
            taken = np.take(source, positions, axis=1)
        target[:, _as_slice(ordered[in_round])] += taken
    return True


def _as_slice(positions: Any) -> Any:
    """Increasing, evenly spaced ``positions`` as the slice that picks them (a view, where an
    integer array would gather a copy: the rows of an upsampling's gradient are such); any
    others as they are."""
    if positions.shape[0] < 2:
        return positions
    steps = np.diff(positions)
    step = int(steps[0])
    if step <= 0 or not (steps == step).all():
        return positions
    start = int(positions[0])
    return slice(start, start + step * positions.shape[0], step)


def bag_bookkeeping(
    indices: Any,
    offsets: Any,
    bags: int,
    mode: str,
    padding: int | None,
    include_last_offset: bool,
    table: Any,
) -> tuple[Any, Any, Any]:
    """PyTorch's ``embedding_bag`` bookkeeping, as int64 arrays of the active namespace:
    ``offset2bag`` (the bag of each index), ``bag_size`` (each bag's count of indices other
    than ``padding``; zeros in sum mode) and ``max_indices`` (max mode: the first row holding
    each column's maximum, 0 for an empty bag, from ``table``, the weight's values; mean mode:
    the bag sizes; sum mode: zeros). Integers outside the graph, counted on the host."""
    flat = np.asarray(_backend.to_numpy(indices), dtype=np.int64).reshape(-1)
    starts = np.asarray(_backend.to_numpy(offsets), dtype=np.int64).reshape(-1)
    bag_of = np.searchsorted(starts, np.arange(flat.size), side="right") - 1
    if include_last_offset:
        bag_of = np.minimum(bag_of, bags - 1)
    kept = (bag_of >= 0) & (bag_of < bags)
    if padding is not None:
        kept &= flat != padding
    sizes = np.bincount(bag_of[kept], minlength=bags)[:bags]
    max_indices: Any
    if mode == "max":
        values = np.asarray(_backend.to_numpy(table))
        max_indices = np.zeros((bags, values.shape[1]), np.int64)
        for bag in range(bags):
            members = flat[kept & (bag_of == bag)]
            if members.size:
                max_indices[bag] = members[np.argmax(values[members], axis=0)]
    elif mode == "mean":
        max_indices = sizes
    else:
        max_indices = np.zeros(bags, np.int64)
    bag_size = np.zeros(bags, np.int64) if mode == "sum" else sizes
    return tuple(  # type: ignore[return-value]
        _backend.xp.asarray(np.ascontiguousarray(a, dtype=np.int64))
        for a in (bag_of, bag_size, max_indices)
    )
