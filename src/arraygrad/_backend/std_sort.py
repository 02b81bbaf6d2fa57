"""The order in which libstdc++'s ``std::sort`` leaves a row of numbers compared with ``<``.

PyTorch's CPU ``mode`` sorts each row's ``(value, index)`` pairs with ``std::sort`` and the
comparator ``a.first < b.first``. Past 16 elements this introsort is unstable, so which of the
equal values ends a run is whatever it happens to do; NaN compares false with everything, so
where a row holds one, its place is too. This module replays the sort step for step (insertion
sort up to 16 elements; above that median-of-three quicksort down to 16-element blocks,
heapsort past ``2 * floor(log2(n))`` levels, then one insertion pass), so that
``arraygrad.mode`` finds the value and index PyTorch finds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["rows_as_std_sort", "std_sort_order"]

_THRESHOLD = 16  # libstdc++'s _S_threshold


def std_sort_order(values: Sequence[float]) -> list[int]:
    """The indices of ``values`` in the order ``std::sort(pairs, a.first < b.first)`` leaves.

    >>> std_sort_order([2.0, float("nan"), 1.0])  # 1.0 goes first; the NaN stays after 2.0
    [2, 0, 1]
    >>> std_sort_order([3.0, 1.0, 2.0])
    [1, 2, 0]
    """
    keys = list(values)
    order = list(range(len(keys)))
    n = len(order)
    if n > 1:
        _introsort_loop(keys, order, 0, n, 2 * (n.bit_length() - 1))
        if not any(k != k for k in keys):
            # Without NaN, ``<`` orders strictly, and the final insertion sort (which moves an
            # element past strictly greater ones only) is a stable sort: Python's, in C, 20
            # times faster than the replay below, which NaN (never moved past) needs.
            order.sort(key=keys.__getitem__)
        elif n > _THRESHOLD:
            _insertion_sort(keys, order, 0, _THRESHOLD)
            for i in range(_THRESHOLD, n):  # __unguarded_insertion_sort
                _linear_insert(keys, order, i)
        else:
            _insertion_sort(keys, order, 0, n)
    return order


def _less(keys: list[float], a: int, b: int) -> bool:
    return keys[a] < keys[b]


def _insertion_sort(keys: list[float], order: list[int], first: int, last: int) -> None:
    for i in range(first + 1, last):
        if _less(keys, order[i], order[first]):
            order[first + 1 : i + 1], order[first] = order[first:i], order[i]
        else:
            _linear_insert(keys, order, i)


def _linear_insert(keys: list[float], order: list[int], last: int) -> None:
    value = order[last]
    while _less(keys, value, order[last - 1]):  # unguarded: a smaller element stops it
        order[last] = order[last - 1]
        last -= 1
    order[last] = value


def _introsort_loop(keys: list[float], order: list[int], first: int, last: int, depth: int) -> None:
    while last - first > _THRESHOLD:
        if depth == 0:
            _heap_sort(keys, order, first, last)  # std::__partial_sort(first, last, last)
            return
        depth -= 1
        cut = _partition_pivot(keys, order, first, last)
        _introsort_loop(keys, order, cut, last, depth)
        last = cut


def _partition_pivot(keys: list[float], order: list[int], first: int, last: int) -> int:
    middle = first + (last - first) // 2
    _median_to_first(keys, order, first, first + 1, middle, last - 1)
    left, right = first + 1, last  # __unguarded_partition(first + 1, last, first)
    pivot = keys[order[first]]  # (order[first] stays put: the scans stop before it)
    while True:  # (comparisons inlined: this loop is most of the replay's time)
        while keys[order[left]] < pivot:
            left += 1
        right -= 1
        while pivot < keys[order[right]]:
            right -= 1
        if not left < right:
            return left
        order[left], order[right] = order[right], order[left]
        left += 1


def _median_to_first(
    keys: list[float], order: list[int], result: int, a: int, b: int, c: int
) -> None:
    def less(i: int, j: int) -> bool:
        return _less(keys, order[i], order[j])

    if less(a, b):
        pick = b if less(b, c) else (c if less(a, c) else a)
    else:
        pick = a if less(a, c) else (c if less(b, c) else b)
    order[result], order[pick] = order[pick], order[result]


def _heap_sort(keys: list[float], order: list[int], first: int, last: int) -> None:
    """``std::__make_heap`` then ``std::__sort_heap`` on ``order[first:last]``."""
    length = last - first
    if length < 2:
        return
    parent = (length - 2) // 2
    while True:
        _adjust_heap(keys, order, first, parent, length, order[first + parent])
        if parent == 0:
            break
        parent -= 1
    while last - first > 1:
        last -= 1
        value = order[last]
        order[last] = order[first]
        _adjust_heap(keys, order, first, 0, last - first, value)


def _adjust_heap(
    keys: list[float], order: list[int], first: int, hole: int, length: int, value: int
) -> None:
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if _less(keys, order[first + child], order[first + child - 1]):
            child -= 1
        order[first + hole] = order[first + child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        order[first + hole] = order[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2  # __push_heap
    while hole > top and _less(keys, order[first + parent], value):
        order[first + hole] = order[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    order[first + hole] = value


def rows_as_std_sort(x: Any, axis: int, order: Any, rows: Any) -> Any:
    """``order`` (indices sorting ``x`` along ``axis``) with the ``rows`` picked (a bool array
    of ``x``'s shape without ``axis``) replaced by :func:`std_sort_order`'s; ``None`` for an
    array that is not NumPy's (a lazy or device array, left as its library sorts it).

    The replay is Python, about 2 microseconds an element: callers pick the rows where the
    order of equal values (or of NaN) changes their answer, not every row.
    """
    if not isinstance(x, np.ndarray):
        return None
    rows = np.asarray(rows)
    if not rows.any():  # (the usual case: no copy, no Python loop)
        return order
    lines = np.moveaxis(x, axis, -1)
    exact = lines.astype(np.float64) if lines.dtype.kind == "f" else lines  # (float16 too)
    replaced = np.moveaxis(order, axis, -1).copy()
    for where in map(tuple, np.argwhere(rows)):  # (a 0-d rows for one row too)
        replaced[where] = std_sort_order(exact[where].tolist())
    return np.moveaxis(replaced, -1, axis)
