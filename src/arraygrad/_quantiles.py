"""Order statistics: ``quantile``, ``nanquantile``, ``nanmedian`` and ``mode``.

Each sorts on raw arrays (no gradient flows through a comparison) and gathers the chosen
elements, so the gradient goes to exactly those elements; ``quantile`` interpolates between two
of them with PyTorch's ``lerp``, splitting the gradient by the interpolation weight.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from arraygrad import _backend, ops
from arraygrad._dims import normalize_dim
from arraygrad._indexing import take_along
from arraygrad._scans import _part, _running_index
from arraygrad._sorting import _along, _argsort, _evenly, _reduce_dim
from arraygrad._tensor import Tensor, describe

__all__ = [
    "mode",
    "nanmedian",
    "nanquantile",
    "quantile",
]

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _q_array(name: str, input: Tensor, q: Any) -> tuple[Any, bool]:
    """``q`` as a raw 0-d or 1-D array of the input's dtype, and whether it was a scalar."""
    xp = _backend.xp
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor, got {describe(q)}.")
        if q.dtype is not input.dtype:
            raise RuntimeError(
                f"{name}() q tensor must be same dtype as the input tensor, got {q.dtype.name} "
                f"and {input.dtype.name}. Fix: q.to(input.dtype)."
            )
        values, scalar = q._data, q.ndim == 0
    elif isinstance(q, numbers.Real) and not isinstance(q, bool):
        values, scalar = xp.asarray(float(q), dtype=input._data.dtype), True
    else:
        raise TypeError(
            f"{name}() received an invalid combination of arguments: q must be a float or a "
            f"Tensor, got {type(q).__name__}. Fix: pass a tensor, e.g. torch.tensor(q)."
        )
    if values.ndim == 0 or values.shape[0]:  # an empty q has nothing to check
        low, high = _backend.item(xp.min(values)), _backend.item(xp.max(values))
        if not (low >= 0 and high <= 1):
            bad = low if not low >= 0 else high
            raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {bad}")
    return xp.reshape(values, (-1,)), scalar


def _quantile(
    name: str,
    input: Tensor,
    q: Any,
    dim: int | None,
    keepdim: bool,
    interpolation: str,
    ignore_nan: bool,
) -> Tensor:
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"{name}() input tensor must be either float or double dtype, got "
            f"{input.dtype.name}. Fix: convert it with .float()."
        )
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(
            f"{name}() interpolation must be one of linear, lower, higher, midpoint or "
            f"nearest, but got {interpolation}"
        )
    qs, scalar = _q_array(name, input, q)
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty ({describe(input)}).")
    xp = _backend.xp
    if dim is None:
        x, axis = ops.reshape(input, shape=(-1,)), 0
    else:
        axis = normalize_dim(dim, input.ndim)
        x = input if input.ndim else ops.reshape(input, shape=(1,))
    # Move the reduced dimension last and sort it (NaNs go last).
    last = x.ndim - 1
    if axis != last:
        order_axes = (*(d for d in range(x.ndim) if d != axis), axis)
        x = ops.permute_dims(x, axes=order_axes)
    order = _argsort(x._data, last, descending=False)
    ordered = take_along(x, order, last)  # [..., n]
    n = ordered._data.shape[-1]
    kind = ordered._data.dtype
    nan = xp.isnan(ordered._data)
    if ignore_nan:
        count = xp.sum(xp.astype(~nan, kind), axis=-1, keepdims=True)
        ranks = xp.reshape(qs, (-1,) + (1,) * ordered.ndim) * (count - 1)
        ranks = xp.where(ranks < 0, xp.zeros_like(ranks), ranks)  # an all-NaN row: NaN anyway
    else:
        ranks = xp.reshape(qs, (-1,) + (1,) * ordered.ndim) * xp.asarray(n - 1, dtype=kind)
        any_nan = xp.any(nan, axis=-1, keepdims=True)
        ranks = xp.where(any_nan, xp.asarray(n - 1, dtype=kind), ranks)  # NaN propagates
    # ranks: [Q, ..., 1]; gather from the sorted values broadcast to one copy per q.
    stacked = ops.broadcast_to(ordered, shape=(qs.shape[0], *ordered._data.shape))
    ranks = xp.broadcast_to(ranks, (qs.shape[0], *ordered._data.shape[:-1], 1))

    def pick(positions: Any) -> Tensor:
        return take_along(stacked, xp.astype(positions, xp.int64), stacked.ndim - 1)

    if interpolation == "lower":
        out = pick(xp.floor(ranks))
    elif interpolation == "higher":
        out = pick(xp.ceil(ranks))
    elif interpolation == "nearest":
        out = pick(xp.round(ranks))  # halves to even, as torch.round
    else:
        below, above = xp.floor(ranks), xp.ceil(ranks)
        weight = ranks - below if interpolation == "linear" else xp.full_like(ranks, 0.5)
        out = _lerp(pick(below), pick(above), weight)
    out_shape = list(out._data.shape[:-1])  # [Q, kept dims...]
    if keepdim:
        if dim is None:
            out_shape = [out_shape[0]] + [1] * input.ndim
        elif input.ndim:
            out_shape.insert(axis + 1, 1)
    if scalar:
        out_shape = out_shape[1:]
    return ops.reshape(out, shape=tuple(out_shape))


def _lerp(start: Tensor, end: Tensor, weight: Any) -> Tensor:
    """PyTorch's lerp: ``start + w (end - start)`` for ``w < 0.5``, else ``end - (end -
    start)(1 - w)`` (exact at both ends)."""
    step = ops.subtract(end, start)
    near_start = ops.add(start, ops.multiply(step, Tensor._wrap(weight)))
    near_end = ops.subtract(end, ops.multiply(step, Tensor._wrap(1 - weight)))
    return ops.where(weight < 0.5, near_start, near_end)


def quantile(
    input: Tensor,
    q: Any,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
) -> Tensor:
    """The ``q``-th quantiles (``q`` a float or a 1-D tensor in ``[0, 1]``) over ``dim`` (all
    elements when ``None``): the value at rank ``q (n - 1)`` of the sorted elements, between
    ranks by ``interpolation`` (``linear``, ``lower``, ``higher``, ``midpoint``, ``nearest``).
    A 1-D ``q`` puts one result per quantile in a new first dimension; NaN propagates.

    >>> import arraygrad
    >>> arraygrad.tensor([1.0, 2.0, 3.0, 4.0]).quantile(0.5)
    tensor(2.5000)
    """
    return _quantile("quantile", input, q, dim, keepdim, interpolation, ignore_nan=False)


def nanquantile(
    input: Tensor,
    q: Any,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
) -> Tensor:
    """:func:`quantile` of the non-NaN elements (NaN where all of them are NaN).

    >>> import arraygrad
    >>> arraygrad.tensor([1.0, float("nan"), 3.0]).nanquantile(0.5)
    tensor(2.)
    """
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, ignore_nan=True)


def nanmedian(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """The lower median of the non-NaN elements, over all elements or as ``(values, indices)``
    along ``dim``; NaN where every element is NaN. Over all elements ties share the gradient.

    >>> import arraygrad
    >>> arraygrad.tensor([4.0, float("nan"), 1.0, 3.0]).nanmedian()
    tensor(3.)
    """
    xp = _backend.xp
    if dim is None:
        if input.numel() == 0:  # nan, still in the graph (its gradient is empty), as in torch
            return ops.add(ops.sum(input, axis=None, keepdims=False), math.nan)
        flat = xp.reshape(input._data, (-1,))
        present = flat[~xp.isnan(flat)] if input.dtype.is_floating_point else flat
        if present.shape[0] == 0:
            return _evenly(input, math.nan)
        middle = (present.shape[0] - 1) // 2
        value = xp.sort(present)[middle]
        return _evenly(input, _backend.item(value))
    x, axis = _reduce_dim("nanmedian", input, dim)
    order = _argsort(x._data, axis, descending=False)  # NaNs sort last
    if input.dtype.is_floating_point:
        count = xp.sum(xp.astype(~xp.isnan(x._data), xp.int64), axis=axis, keepdims=True)
    else:
        kept = tuple(1 if d == axis else s for d, s in enumerate(x._data.shape))
        count = xp.full(kept, x._data.shape[axis], dtype=xp.int64)
    middle = xp.where(count > 0, (count - 1) // 2, xp.zeros_like(count))
    index = xp.take_along_axis(order, middle, axis=axis)
    return _along("nanmedian", input, axis, keepdim, index)


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> Any:
    """``(values, indices)`` of the most frequent value along ``dim`` (the smallest of those
    tied for most frequent) and the index of its last occurrence; the gradient goes to that
    element.

    >>> import arraygrad
    >>> values, indices = arraygrad.tensor([1.0, 2.0, 2.0, 1.0, 3.0]).mode()
    >>> values.item(), indices.item()
    (1.0, 3)
    """
    xp = _backend.xp
    axis = normalize_dim(dim, input.ndim)
    x = input if input.ndim else ops.reshape(input, shape=(1,))
    if x._data.shape[axis] == 0:
        raise IndexError(
            f"mode(): Expected reduction dim {axis} to have non-zero size ({describe(input)}). "
            "Fix: reduce over a non-empty dimension."
        )
    data = x._data
    n = data.shape[axis]
    order = _argsort(data, axis, descending=False)  # stable: equal values keep their order
    ordered = xp.take_along_axis(data, order, axis=axis)
    view = [1] * data.ndim
    view[axis] = n
    position = xp.broadcast_to(xp.reshape(xp.arange(n, dtype=xp.int64), tuple(view)), data.shape)
    # Where each run of equal sorted values starts, then the run length so far at each place.
    head = xp.ones(tuple(1 if d == axis else s for d, s in enumerate(data.shape)), dtype=xp.bool)
    changed = _part(ordered, axis, 1, None) != _part(ordered, axis, None, -1)
    starts = xp.where(xp.concat([head, changed], axis=axis), position, xp.zeros_like(position))
    # The latest start so far is the running maximum of the start positions.
    run_start = xp.take_along_axis(starts, _running_index(starts, axis, True), axis=axis)
    length = position - run_start + 1
    # The first place reaching the longest run is the end of the smallest most frequent value,
    # whose last occurrence (stable sort) is the largest original index among its equals.
    best = xp.argmax(length, axis=axis, keepdims=True)
    index = xp.take_along_axis(order, best, axis=axis)
    return _along("mode", input, axis, keepdim, index)
