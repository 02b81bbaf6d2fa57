"""``unique`` and ``unique_consecutive``: the distinct elements (or rows along a dim) of a
tensor, sorted or in runs, with the inverse indices and counts PyTorch returns on request.

Computed on raw arrays: the values carry no gradient, and the indices and counts are int64.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend, _dtype, ops
from arraygrad._dims import normalize_dim
from arraygrad._searching import _long
from arraygrad._tensor import Tensor, describe

__all__ = ["unique", "unique_consecutive"]


def _sortable(array: Any) -> Any:
    # The Array API sorts numbers only: bools sort as 0 and 1 (and bfloat16 as float32, which
    # NumPy sorts with NaN last: _backend.orderable).
    xp = _backend.xp
    return xp.astype(array, xp.int8) if array.dtype == xp.bool else _backend.orderable(xp, array)


def _row_order(rows: Any) -> Any:
    """The stable order that sorts the rows of a 2-D array lexicographically."""
    xp = _backend.xp
    order = xp.arange(rows.shape[0])
    for column in range(rows.shape[1] - 1, -1, -1):  # least significant column first
        keys = xp.take(_sortable(rows[:, column]), order, axis=0)
        order = xp.take(order, xp.argsort(keys, stable=True), axis=0)
    return order


def _runs(rows: Any) -> tuple[Any, Any]:
    """For consecutive rows: where each run of equal rows starts, and each row's run number.

    NaN differs from everything (itself included), as in PyTorch.
    """
    xp = _backend.xp
    n = rows.shape[0]
    if rows.shape[1]:
        changed = xp.any(rows[1:, :] != rows[:-1, :], axis=1)
    else:  # empty slices are all equal
        changed = xp.zeros(max(n - 1, 0), dtype=xp.bool)
    new = xp.concat([xp.ones(min(n, 1), dtype=xp.bool), changed])
    run = xp.cumulative_sum(xp.astype(new, xp.int64)) - 1
    return xp.nonzero(new)[0], run


def _unique(
    name: str,
    input: Tensor,
    sort: bool,
    return_inverse: bool,
    return_counts: bool,
    dim: int | None,
) -> Any:
    if input.dtype.is_complex:  # PyTorch has no complex kernel (complex numbers have no order)
        raise NotImplementedError(
            f"\"unique\" not implemented for '{_dtype.torch_type_name(input.dtype)}'. Fix: "
            "compare the parts, e.g. unique over view_as_real(x) with dim=0."
        )
    xp = _backend.xp
    data = input._data
    if dim is None:
        rows = xp.reshape(data, (-1, 1))
        axis = None
    else:
        axis = normalize_dim(dim, data.ndim)
        moved = xp.moveaxis(data, axis, 0) if data.ndim else xp.reshape(data, (1,))
        if moved.shape[0] > 0 and math.prod(moved.shape[1:]) == 0:
            raise RuntimeError(
                f"{name}: There are 0 sized dimensions, and they aren't selected, so unique "
                f"cannot be applied ({describe(input)}, dim={dim}). Fix: select a dimension "
                "whose slices are non-empty."
            )
        rest = tuple(moved.shape[1:])
        rows = xp.reshape(moved, (moved.shape[0], math.prod(rest)))
    n = rows.shape[0]
    order = _row_order(rows) if sort else xp.arange(n)
    ordered = xp.take(rows, order, axis=0)
    starts, run = _runs(ordered)
    picked = xp.take(ordered, starts, axis=0)
    if axis is None:
        values = xp.reshape(picked, (-1,))
    else:
        picked = xp.reshape(picked, (picked.shape[0], *rest))
        values = xp.moveaxis(picked, 0, axis) if data.ndim else picked
    # PyTorch's values require grad where the input does, from a node whose backward raises
    which = name if name == "unique_consecutive" else ("_unique2" if axis is None else "unique_dim")
    node = "".join(part.capitalize() for part in which.strip("_").split("_")) + "Backward0"
    message = f"the derivative for '{which}' is not implemented"
    first = ops.without_derivative(
        Tensor._wrap(values), [input], message, error=NotImplementedError, name=node
    )
    results: list[Any] = [first]
    if return_inverse:
        # run[k] is the group of the k-th row in sorted order; undo the sort.
        inverse = xp.take(run, xp.argsort(order, stable=True), axis=0) if n else run
        results.append(_long(xp.reshape(inverse, tuple(data.shape) if axis is None else (n,))))
    if return_counts:
        ends = xp.concat([starts[1:], xp.asarray([n], dtype=starts.dtype)]) if n else starts
        results.append(_long(ends - starts))
    return results[0] if len(results) == 1 else tuple(results)


def unique(
    input: Tensor,
    sorted: bool = True,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    """The distinct elements of ``input`` (or distinct slices along ``dim``), sorted; with
    ``return_inverse`` the index of each element's value in the result, with ``return_counts``
    how often each occurs. NaNs are all distinct, and sorted last. The results carry no
    gradient.

    ``sorted=False`` gives sorted results too (allowed: PyTorch's order is then unspecified).

    >>> import arraygrad
    >>> values, inverse = arraygrad.unique(arraygrad.tensor([3, 1, 3]), return_inverse=True)
    >>> values.tolist(), inverse.tolist()
    ([1, 3], [1, 0, 1])
    """
    return _unique("unique", input, True, return_inverse, return_counts, dim)


def unique_consecutive(
    input: Tensor,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    """``input`` with each run of equal consecutive elements (or slices along ``dim``) kept once;
    ``return_inverse`` and ``return_counts`` as in :func:`unique`.

    >>> import arraygrad
    >>> arraygrad.unique_consecutive(arraygrad.tensor([1, 1, 2, 1]), return_counts=True)[1]
    tensor([2, 1, 1])
    """
    return _unique("unique_consecutive", input, False, return_inverse, return_counts, dim)
