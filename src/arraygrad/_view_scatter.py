"""The inverses of taking a view: ``select_scatter``, ``slice_scatter``, ``diagonal_scatter``,
``as_strided_scatter`` (a copy of ``input`` with ``src`` written where the view would read) and
``fill_diagonal_``'s out-of-place helper.

Each is one ``index_put`` with the view's key, so ``src`` gets the gradient of the view and
``input`` the gradient everywhere else.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend, _grad_mode, _shape, ops
from arraygrad._arguments import not_tensor_error
from arraygrad._dims import normalize_dim
from arraygrad._out import written_exactly
from arraygrad._setitem import _as_value
from arraygrad._tensor import Tensor
from arraygrad._views import _diagonal_dims_last, _diagonal_key

__all__ = ["as_strided_scatter", "diagonal_scatter", "select_scatter", "slice_scatter"]


def _put_view(input: Tensor, src: Tensor, key: Any) -> Tensor:
    if not isinstance(src, Tensor):
        raise TypeError(
            f"src must be a Tensor, got {type(src).__name__}. Fix: wrap it in tensor()."
        )
    want = tuple(_backend.xp.getitem(input._data, key).shape)
    if tuple(src._data.shape) != want:
        raise RuntimeError(
            f"expected src to have a size equal to the slice of self. src size = "
            f"{list(src.shape)}, slice size = {list(want)}. Fix: give src the view's shape."
        )
    return ops.index_put(input, _as_value(input, src), key=key)


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of ``input`` with ``src`` written into ``input.select(dim, index)``.

    >>> import arraygrad
    >>> arraygrad.select_scatter(arraygrad.zeros(2, 2), arraygrad.ones(2), 0, 1).tolist()
    [[0.0, 0.0], [1.0, 1.0]]
    """
    if input.ndim == 0:
        raise IndexError(
            "select_scatter() cannot be applied to a 0-dim tensor. Fix: index a tensor with at "
            "least one dimension."
        )
    axis = normalize_dim(dim, input.ndim)
    size = input._data.shape[axis]
    index = int(index)
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
            f"dimension {axis}. Fix: use an index in [{-size}, {size})."
        )
    return _put_view(input, src, (slice(None),) * axis + (index, Ellipsis))


def slice_scatter(
    input: Tensor,
    src: Tensor,
    dim: int = 0,
    start: int | None = None,
    end: int | None = None,
    step: int = 1,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """A copy of ``input`` with ``src`` written into ``input[..., start:end:step, ...]`` (the
    slice along ``dim``). ``out``, of the result's dtype, takes the result (the other scatters
    take none, as in PyTorch).

    >>> import arraygrad
    >>> arraygrad.slice_scatter(arraygrad.zeros(4), arraygrad.ones(2), start=1, step=2).tolist()
    [0.0, 1.0, 0.0, 1.0]
    """
    if out is not None:
        return written_exactly(
            "slice_scatter", out, slice_scatter, input, src, dim, start, end, step
        )
    if step <= 0:
        raise RuntimeError(
            f"slice step must be positive, got {step}. Fix: use .flip(dim) to reverse a dimension."
        )
    axis = normalize_dim(dim, max(input.ndim, 1))
    key = (slice(None),) * axis + (slice(start, end, step), Ellipsis)
    return _put_view(input, src, key)


def diagonal_scatter(
    input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1
) -> Tensor:
    """A copy of ``input`` with ``src`` written into ``input.diagonal(offset, dim1, dim2)``
    (whose diagonal is ``src``'s last dimension).

    >>> import arraygrad
    >>> arraygrad.diagonal_scatter(arraygrad.zeros(2, 2), arraygrad.ones(2)).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    moved, first, second = _diagonal_dims_last(input, dim1, dim2)
    key = _diagonal_key(moved, offset)
    put = _put_view(moved, src, key)
    return _shape.movedim(put, (-2, -1), (first, second))


def fill_diagonal(input: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:
    """A copy of ``input`` with ``fill_value`` on its main diagonal (``input[i, i, ..., i]``);
    with ``wrap=True`` a tall matrix's diagonal starts again after every ``cols + 1`` rows.
    The out-of-place form of :meth:`Tensor.fill_diagonal_`."""
    shape = tuple(input._data.shape)
    if len(shape) < 2:
        raise RuntimeError(
            f"dimensions must larger than 1, got a tensor of shape {list(shape)}. Fix: "
            "fill_diagonal_ needs a matrix or a tensor with equal dimensions."
        )
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError(
            f"all dimensions of input must be of equal length, got shape {list(shape)}. Fix: "
            "use a 2-D matrix or a tensor whose dimensions all have one size."
        )
    count = input.numel()
    # Along the flat tensor, the diagonal advances by 1 + cols + cols*rows + ... each step.
    stride = 1 + sum(math.prod(shape[d + 1 :]) for d in range(len(shape) - 1))
    xp = _backend.xp
    positions = xp.arange(0, count, stride) if count else xp.arange(0)
    if not (wrap and len(shape) == 2):
        positions = positions[: min(shape)]
    flat = ops.reshape(input, shape=(count,))
    out = ops.index_put(flat, _as_value(input, fill_value), key=(positions,))
    return ops.reshape(out, shape=shape)


def as_strided_scatter(
    input: Tensor, src: Tensor, size: Any, stride: Any, storage_offset: int | None = None
) -> Tensor:
    """A copy of ``input`` with ``src`` written where ``input.as_strided(size, stride,
    storage_offset)`` would read: memory element ``storage_offset + sum(i[k] * stride[k])``
    of ``input``'s storage gets ``src[i]``, and ``input``'s elements that lie there take it.

    As in PyTorch, places of the storage outside ``input``'s elements are written to no
    effect, and an ``input`` whose elements share memory (``expand``) is first made
    contiguous, its offset 0. Where windows overlap the last write in ``src``'s order stays.
    The gradient is ``input``'s everywhere not written over, and each kept element of
    ``src`` gets its place's (torch 2.13 instead gives ``input`` the gradient of the places
    written over, which fails its own gradcheck).

    >>> import arraygrad
    >>> out = arraygrad.as_strided_scatter(arraygrad.zeros(2, 3), arraygrad.ones(2), (2,), (2,))
    >>> out.tolist()
    [[1.0, 0.0, 1.0], [0.0, 0.0, 0.0]]
    """
    from arraygrad._views import _int_list, strided

    if not isinstance(src, Tensor):
        raise not_tensor_error("as_strided_scatter", src, name="src", position=2)
    xp = _backend.xp
    count = input.numel()
    shape = tuple(input._data.shape)
    offset = _backend.element_offset(input._data)
    steps = _backend.element_strides(input._data)
    # Each element's place in memory (int64, input's shape).
    places = xp.full(shape, offset, dtype=xp.int64)
    for axis, step in enumerate(steps):
        index_shape = [1] * len(shape)
        index_shape[axis] = shape[axis]
        along = xp.reshape(xp.arange(shape[axis], dtype=xp.int64), tuple(index_shape))
        places = xp.add(places, xp.multiply(along, step))
    flat_places = xp.reshape(places, (count,))
    ascending = xp.sort(flat_places)
    shared = count > 1 and bool(_backend.item(xp.any(ascending[1:] == ascending[:-1])))
    base = input.contiguous() if shared else input
    if shared:  # elements sharing memory: PyTorch writes into a contiguous copy
        flat_places = xp.arange(count, dtype=xp.int64)
    with _grad_mode.no_grad():  # as_strided's checks of the geometry, with its messages
        view = strided(base.detach(), size, stride, storage_offset, 3)
    if tuple(src.shape) != tuple(view.shape):
        raise RuntimeError(
            "expected src to have a size equal to the slice of self. src size = "
            f"{list(src.shape)}, slice size = {list(view.shape)}"
        )
    view_steps = _int_list(stride, "stride", 4)
    if any(n > 1 and step == 0 for n, step in zip(view.shape, view_steps, strict=True)):
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation."
        )
    # The memory places the view reads, in src's order.
    first = 0 if shared else offset
    first = first if storage_offset is None else storage_offset
    view_places = xp.full(tuple(view.shape), int(first), dtype=xp.int64)
    for axis, step in enumerate(view_steps):
        index_shape = [1] * view.ndim
        index_shape[axis] = view.shape[axis]
        along = xp.reshape(xp.arange(view.shape[axis], dtype=xp.int64), tuple(index_shape))
        view_places = xp.add(view_places, xp.multiply(along, step))
    written = xp.reshape(view_places, (src.numel(),))
    # Which element of input holds each written place (none: the write is lost).
    order = xp.argsort(flat_places)
    sorted_places = xp.take(flat_places, order)
    where = xp.searchsorted(sorted_places, written)
    where = xp.minimum(where, max(count - 1, 0))
    hit = (
        xp.take(sorted_places, where) == written
        if count
        else xp.zeros(written.shape, dtype=xp.bool)
    )
    targets = xp.take(order, where) if count else where
    # Of several writes to one element the last stays: keep each target's last occurrence.
    positions = xp.arange(src.numel(), dtype=xp.int64)
    ranked = xp.argsort(xp.where(hit, targets, -1), stable=True)
    ranked_targets = xp.take(xp.where(hit, targets, -1), ranked)
    last = xp.concat(
        [ranked_targets[1:] != ranked_targets[:-1], xp.ones((min(src.numel(), 1),), dtype=xp.bool)]
    )
    keep = xp.logical_and(last, xp.take(hit, ranked))
    # Made concrete: a lazy library (Dask) gives a masked selection an unknown length.
    chosen = _backend.asarray(_backend.to_numpy(xp.take(positions, ranked)[keep]))
    flat_base = ops.reshape(base, shape=(count,))
    values = ops.reshape(_as_value(input, src), shape=(src.numel(),))[chosen]
    out = ops.index_put(flat_base, values, key=(xp.take(targets, chosen),))
    return ops.reshape(out, shape=shape)
