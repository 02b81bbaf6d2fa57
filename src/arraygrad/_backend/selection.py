"""NumPy's partial orders for ``topk``, ``kthvalue`` and ``median``: a partition finds the
candidates and only they are sorted, with exactly the results of a full stable sort.

The order is :func:`stable_argsort`'s, which ``arraygrad.sort`` uses too: ascending puts nan
last, descending puts it first, and equal elements (nan with nan, ``-0.0`` with ``0.0``) keep
their index order.
A partition (``np.argpartition``, O(n) per row) sorts nan as the largest value too, but leaves
the order of equal elements to chance: where the k-th value has ties outside the candidates,
the row is ordered by a full stable sort instead (rare in float data; always correct).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from arraygrad._backend import bfloat16


def _is_bfloat16(dtype: Any) -> bool:
    # ml_dtypes' bfloat16, a NumPy user dtype whose sorts and partitions compare NaN as equal
    # to everything: a row with a NaN came out unsorted. Its values are widened to float32
    # (exactly, in the same order) to be ordered.
    native = bfloat16.loaded()
    return native is not None and dtype == native


def orderable(xp: Any, x: Any) -> Any:
    """``x`` in a dtype the namespace ``xp`` sorts right, NaN last: bfloat16 widened to
    float32 (see :func:`_is_bfloat16`), other dtypes as they are."""
    return xp.astype(x, xp.float32) if _is_bfloat16(x.dtype) else x


def first_sorted(x: Any, k: int, axis: int, descending: bool) -> Any:
    """The first ``k`` indices of the stable (descending: reversed-stable) order of ``x``
    along ``axis``, as int64: ``_argsort(x, axis, descending)[..., :k, ...]``."""
    rows = _last(x, axis)
    if _is_bfloat16(rows.dtype):
        rows = rows.astype(np.float32)
    n = rows.shape[-1]
    if k == 0:
        return _back(np.zeros((*rows.shape[:-1], 0), np.intp), axis)
    if 2 * k >= n:  # a partition saves little over the sort
        return _back(stable_argsort(np, rows, -1, descending)[..., :k], axis)
    pivot = n - k if descending else k - 1
    part = np.argpartition(rows, pivot, axis=-1)
    threshold = np.take_along_axis(rows, part[..., pivot : pivot + 1], -1)
    candidates = part[..., pivot:] if descending else part[..., :k]
    candidates.sort(axis=-1)  # index order: the stable sort below keeps equal values in it
    # The candidates are exactly the elements at or beyond the threshold (nan counted beyond
    # any number) unless the threshold value has ties outside them, or is nan (x < nan and
    # x <= nan are False).
    if descending:
        beyond = n - np.count_nonzero(rows < threshold, axis=-1)
    else:
        beyond = np.count_nonzero(rows <= threshold, axis=-1)
    values = np.take_along_axis(rows, candidates, -1)
    result = np.take_along_axis(candidates, stable_argsort(np, values, -1, descending), -1)
    tied = np.flatnonzero(beyond != k)
    if tied.size:
        flat_result = result.reshape(-1, k)
        flat_result[tied] = stable_argsort(np, rows.reshape(-1, n)[tied], -1, descending)[:, :k]
        result = flat_result.reshape(result.shape)
    return _back(result, axis)


def _last(x: Any, axis: int) -> Any:
    """``x`` with ``axis`` moved last (``np.moveaxis``, whose wrapper costs ~2 us: skipped
    where it is last already)."""
    return x if axis in (-1, x.ndim - 1) else np.moveaxis(x, axis, -1)


def _back(rows: Any, axis: int) -> Any:
    """:func:`_last` undone: the last axis of ``rows`` moved to ``axis``."""
    return rows if axis in (-1, rows.ndim - 1) else np.moveaxis(rows, -1, axis)


def kth_index(x: Any, k: int, axis: int) -> Any:
    """The index (kept as a size-1 ``axis``) of the ``k``-th (1-based) element of the stable
    ascending order of ``x`` along ``axis``: the ``r``-th of the elements equal to the k-th
    value, ``r = k - 1 - (how many are smaller)``, nan after every number."""
    rows = _last(x, axis)
    if _is_bfloat16(rows.dtype):
        rows = rows.astype(np.float32)
    threshold = np.partition(rows, k - 1, axis=-1)[..., k - 1 : k]
    less = rows < threshold
    equal = rows == threshold
    if rows.dtype.kind in "fc":
        nan_threshold = np.isnan(threshold)
        if nan_threshold.any():  # the numbers precede it; nan equals nan in the order
            nan = np.isnan(rows)
            less |= nan_threshold & ~nan
            equal |= nan_threshold & nan
    rank = k - 1 - np.count_nonzero(less, axis=-1, keepdims=True)
    index = np.argmax(np.cumsum(equal, axis=-1) > rank, axis=-1, keepdims=True)
    return _back(index, axis)


def stable_argsort(xp: Any, x: Any, axis: int, descending: bool) -> Any:
    """Stable argsort of ``x`` along ``axis`` on the namespace ``xp`` (``arraygrad.sort``'s
    order, and the full sort the partial orders above fall back to); descending as the
    reversed stable ascending sort of the reversed array, which keeps ties first-come and nan
    first (negating would not: it breaks ints at their minimum and nan's place). Each step is
    a namespace call, which ``arraygrad.compile`` records when ``xp`` is ``_backend.xp``."""
    x = orderable(xp, x)
    if not descending:
        return xp.argsort(x, axis=axis, stable=True)
    if xp is np and x.ndim:  # np.flip is this slice, behind a wrapper that costs ~1.5 us
        reverse = (slice(None),) * (axis % x.ndim) + (slice(None, None, -1),)
        # (the method np.argsort's two wrappers call)
        order = x[reverse].argsort(axis=axis, kind="stable")[reverse]
    else:
        order = xp.flip(xp.argsort(xp.flip(x, axis=axis), axis=axis, stable=True), axis=axis)
    return xp.subtract(x.shape[axis] - 1, order)
