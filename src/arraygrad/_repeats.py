"""Repeating and windowing along a dimension: ``repeat_interleave``, ``Tensor.unfold``'s sliding
windows, ``sum_to_size`` (the adjoint of ``expand``) and ``split_with_sizes``.

Repeats and windows are gathers with an integer index built from the sizes, so their gradient
is the scatter-add of the indexing primitive (overlapping windows accumulate).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arraygrad import _backend, _dtype, _reduction, ops
from arraygrad._dims import normalize_dim
from arraygrad._splitting import split
from arraygrad._tensor import Tensor
from arraygrad._unary import not_implemented

__all__ = ["repeat_interleave", "split_with_sizes"]


def _check_count_dtype(repeats: Tensor) -> None:
    """PyTorch's NotImplementedError for counts that are not int32 or int64: its kernel has
    no other loops (not even for the smaller integers)."""
    if repeats.dtype is not _dtype.int64 and repeats.dtype is not _dtype.int32:
        raise not_implemented(
            "repeat_interleave_cpu", repeats, "pass int64 or int32 counts (repeats.long())."
        )


def _repeat_counts(repeats: Any, size: int) -> Any:
    """``repeats`` (an int or a 0-d / 1-d integer tensor) as an integer array of ``size``."""
    xp = _backend.xp
    if isinstance(repeats, Tensor):
        _check_count_dtype(repeats)
        if repeats.ndim > 1:
            raise RuntimeError(
                f"repeats must be 0-dim or 1-dim tensor, got shape {list(repeats.shape)}. Fix: "
                "flatten repeats."
            )
        counts = xp.reshape(repeats._data, (-1,))
        if counts.shape[0] == 1:
            counts = xp.broadcast_to(counts, (size,))
        elif counts.shape[0] != size:
            raise RuntimeError(
                "repeats must have the same size as input along dim, but got repeats.size(0) = "
                f"{counts.shape[0]} and input.size(0) = {size}. Fix: give one count per slice."
            )
        if counts.shape[0] and _backend.item(xp.min(counts)) < 0:
            raise RuntimeError(
                "repeats can not be negative, got "
                f"{_backend.to_list(counts)}. Fix: use counts >= 0."
            )
        return counts
    repeats = int(repeats)
    if repeats < 0:
        raise RuntimeError(f"Repeats must be non-negative, got {repeats}. Fix: use a count >= 0.")
    return xp.full((size,), repeats, dtype=xp.int64)


def repeat_interleave(
    input: Tensor,
    repeats: Any = None,
    dim: int | None = None,
    *,
    output_size: int | None = None,
) -> Tensor:
    """Each slice of ``input`` along ``dim`` repeated ``repeats`` times in place (``repeats``
    an int or one count per slice); ``dim=None`` flattens ``input`` first.

    With only an integer tensor ``repeats = input``, returns ``arange(len(repeats))`` with
    element ``i`` repeated ``repeats[i]`` times. ``output_size`` is the known total length
    (accepted for PyTorch compatibility; the length is computed either way).

    >>> import arraygrad
    >>> arraygrad.tensor([1, 2]).repeat_interleave(2).tolist()
    [1, 1, 2, 2]
    >>> arraygrad.repeat_interleave(arraygrad.tensor([2, 0, 1])).tolist()
    [0, 0, 2]
    """
    xp = _backend.xp
    if repeats is None:  # the one-argument form: the counts are the input
        _check_count_dtype(input)
        if input.ndim != 1:
            raise RuntimeError(
                "repeat_interleave only accept 1D vector as repeat, got a tensor of shape "
                f"{list(input.shape)}. Fix: pass a 1-D tensor of counts."
            )
        counts = _repeat_counts(input, input.numel())
        # (the counts' own dtype, int32 or int64, as PyTorch's result)
        picks = xp.repeat(xp.arange(counts.shape[0], dtype=input._data.dtype), counts)
        _check_output_size(output_size, picks.shape[0])
        return Tensor._wrap(picks)
    if dim is None:
        input = ops.reshape(input, shape=(-1,))
        axis = 0
    else:
        axis = normalize_dim(dim, input.ndim)
    if input.ndim == 0:
        input = ops.reshape(input, shape=(1,))
    size = input._data.shape[axis]
    counts = _repeat_counts(repeats, size)
    picks = xp.repeat(xp.arange(size, dtype=xp.int64), counts)
    _check_output_size(output_size, picks.shape[0])
    return ops.getitem(input, key=(slice(None),) * axis + (picks, Ellipsis))


def _check_output_size(output_size: int | None, total: int) -> None:
    if output_size is not None and int(output_size) != total:
        raise RuntimeError(
            f"repeat_interleave(): output_size is {output_size} but the repeats add up to "
            f"{total}. Fix: pass the sum of repeats, or leave output_size out."
        )


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Every window of ``size`` elements along ``dimension``, ``step`` apart, as a new last
    dimension: ``out[..., i, ..., j] = input[..., i * step + j, ...]``.

    The windows are a view of ``input``, as in PyTorch, so writes through them reach it.
    Windows that do not overlap (``step >= size``, with ``count * step`` elements in the
    dimension) are basic views on every array library: the dimension cut into rows of ``step``
    elements, each row's first ``size``. Others are a strided view on NumPy (a copy on other
    libraries); where they overlap, an element's gradients from its windows add up, and
    element-wise writes through them (``add_``) are refused, as for an expanded tensor: the
    result would depend on the order of the writes. ``fill_`` and writes of distinct elements
    are allowed.
    """
    axis = normalize_dim(dimension, max(input.ndim, 1))
    if input.ndim == 0:  # PyTorch: a scalar's only window is itself, of shape (size,)
        return ops.reshape(unfold(ops.reshape(input, shape=(1,)), 0, size, step), shape=(size,))
    length = input._data.shape[axis]
    if size > length:
        raise RuntimeError(
            f"maximum size for tensor at dimension {axis} is {length} but size is {size}. Fix: "
            "use a window no longer than the dimension."
        )
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0. Fix: pass a non-negative size.")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0. Fix: pass a positive step.")
    count = (length - size) // step + 1
    if step >= size and count * step <= length:
        windows = _window_rows(input, axis, size, step, count)
    elif _backend.is_numpy:
        return ops.unfold_windows.apply1(input, {"axis": axis, "size": size, "step": step})
    else:
        picks = _backend.window_picks(count, size, step)
        windows = ops.getitem(input, key=(slice(None),) * axis + (picks, Ellipsis))
    # windows is (..., count, size, ...): the window's own axis goes last.
    order = list(range(windows.ndim))
    order.append(order.pop(axis + 1))
    return ops.permute_dims(windows, axes=tuple(order))


def _window_rows(input: Tensor, axis: int, size: int, step: int, count: int) -> Tensor:
    """Non-overlapping windows as views, ``(..., count, size, ...)``: the first ``count * step``
    elements of ``axis`` cut into ``(count, step)`` (splitting one strided axis never copies),
    each row's first ``size``."""
    shape = tuple(input._data.shape)
    before = (slice(None),) * axis
    rows = ops.basic_getitem(input, key=(*before, slice(0, count * step), Ellipsis))
    cut = ops.reshape(rows, shape=(*shape[:axis], count, step, *shape[axis + 1 :]))
    return ops.basic_getitem(cut, key=(*before, slice(None), slice(0, size), Ellipsis))


def sum_to_size(input: Tensor, *size: Any) -> Tensor:
    """``input`` summed down to ``size``, the inverse of ``expand``: leading dimensions are
    summed away and dimensions of size 1 in ``size`` are summed with ``keepdim``."""
    if not size:
        raise TypeError(
            'sum_to_size() missing 1 required positional arguments: "size". Fix: pass the '
            "target shape, e.g. x.sum_to_size(1, 3)."
        )
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    target = tuple(int(s) for s in size)
    shape = tuple(input._data.shape)
    lead = len(shape) - len(target)
    fits = lead >= 0 and all(t == s or t == 1 for t, s in zip(target, shape[lead:], strict=True))
    if not fits:
        raise RuntimeError(
            f"size {{{list(target)}}} is not expandable to size {{{list(shape)}}}. Fix: pass a "
            "shape that broadcasts to the tensor's."
        )
    if not target:  # PyTorch sums it all: a new tensor (SumBackward0), int64 for integers
        return _reduction.sum(input)
    if target == shape:
        return input
    axes = tuple(range(lead)) + tuple(
        lead + d for d, t in enumerate(target) if t == 1 and shape[lead + d] != 1
    )
    # (the reduction's sum: integers and bools sum to int64, as PyTorch's sum_to_size)
    summed = _reduction.sum(input, axes, keepdim=True)
    return ops.reshape(summed, shape=target)


def split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Views of ``input`` along ``dim`` of the listed sizes, which must add up to its length.

    >>> import arraygrad
    >>> [p.tolist() for p in arraygrad.arange(5).split_with_sizes([2, 3])]
    [[0, 1], [2, 3, 4]]
    """
    if input.ndim == 0:
        raise RuntimeError("split_with_sizes expects at least a 1-dimensional tensor")
    axis = normalize_dim(dim, input.ndim)
    sizes = [int(s) for s in split_sizes]
    length = input._data.shape[axis]
    if sum(sizes) != length or any(s < 0 for s in sizes):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {length} (input tensor's "
            f"size at dimension {axis}), but got split_sizes={sizes}. Fix: make the sizes "
            "non-negative and add up to the dimension's length."
        )
    return split(input, sizes, axis)
