"""``segment_reduce``: reductions over consecutive runs (segments) of one axis, the runs given
by their ``lengths`` or ``offsets``.

The segments are read into a padded ``(..., segments, longest, ...)`` layout by one gather,
the padding replaced by the reduction's identity, and reduced over the padded axis, so the
result and its gradients are those of ``gather``, ``where`` and the ordinary reductions (ties
of ``max``/``min`` share the gradient, as PyTorch's do; ``prod`` differentiates through
zeros).

>>> import arraygrad
>>> data = arraygrad.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
>>> arraygrad.segment_reduce(data, "sum", lengths=arraygrad.tensor([2, 0, 3])).tolist()
[3.0, 0.0, 12.0]
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _clamp, _comparison, _creation, _dtype, _indexing, _math, _reduction, _shape
from arraygrad._dims import normalize_dim
from arraygrad._dtype import torch_type_name
from arraygrad._tensor import Tensor

__all__ = ["segment_reduce"]

_REDUCTIONS = ("sum", "prod", "mean", "max", "min")
# The value of an empty segment (without ``initial``) and the padding that changes nothing.
_IDENTITY = {"sum": 0.0, "mean": 0.0, "prod": 1.0, "max": -math.inf, "min": math.inf}


def segment_reduce(
    data: Tensor,
    reduce: str,
    *,
    lengths: Tensor | None = None,
    indices: Tensor | None = None,
    offsets: Tensor | None = None,
    axis: int = 0,
    unsafe: bool = False,
    initial: Any = None,
) -> Tensor:
    """Reduce ``data`` over the segments of ``axis``: ``reduce`` is ``"sum"``, ``"mean"``,
    ``"max"``, ``"min"`` or ``"prod"`` (``"amax"``/``"amin"`` too). The segments are
    ``lengths`` (their sizes, which must add up to the axis unless ``unsafe``) or ``offsets``
    (their boundaries, one more than the segments); both have ``data``'s dimensions before
    ``axis``, which must be their last. ``initial`` takes part in every segment's reduction
    (an empty segment gives it); without it an empty segment gives 0 (sum), NaN (mean),
    -inf (max), inf (min) or 1 (prod).

    >>> import arraygrad
    >>> data = arraygrad.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
    >>> arraygrad.segment_reduce(data, "sum", lengths=arraygrad.tensor([2, 0, 3]))
    tensor([ 3.,  0., 12.])
    """
    name = {"amax": "max", "amin": "min"}.get(reduce, reduce)
    if name not in _REDUCTIONS:
        raise RuntimeError(
            f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}"
            ". Fix: pass reduce='sum', 'prod', 'mean', 'max' or 'min'."
        )
    if indices is not None:
        raise RuntimeError(
            "segment_reduce(): indices based reduction is not supported yet."
            " Fix: pass lengths or offsets instead of indices."
        )
    if lengths is None and offsets is None:
        raise RuntimeError(
            "segment_reduce(): Either lengths or offsets must be defined."
            " Fix: pass lengths (the size of each segment) or offsets (where each "
            "segment starts)."
        )
    if not data.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"_segment_reduce_cpu\" not implemented for '{torch_type_name(data.dtype)}'. Fix: "
            "convert the data to a floating dtype, e.g. data.float()."
        )
    given = lengths if lengths is not None else offsets
    assert given is not None
    if given.dtype.is_floating_point or given.dtype.name == "bool":
        raise NotImplementedError(
            f'"_segment_reduce_lengths_cpu_kernel1" not implemented for '
            f"'{torch_type_name(given.dtype)}'. Fix: pass integer lengths or offsets."
        )
    axis = normalize_dim(axis, data.ndim)
    if axis != given.ndim - 1:
        raise RuntimeError(
            f"segment_reduce(): Expected axis to be the last dimension of lengths but got {axis}."
            f" Fix: pass axis={given.ndim - 1} (lengths has {given.ndim} dimensions)."
        )
    # The layout is integer arithmetic on the (untracked) lengths or offsets, as tensors.
    if lengths is not None:
        sizes = lengths.detach().long()
        starts = sizes.cumsum(-1) - sizes
    else:
        bounds = given.detach().long()
        sizes = bounds[..., 1:] - bounds[..., :-1]
        starts = bounds[..., :-1]
    if bool((sizes < 0).any()):
        raise RuntimeError(
            "lengths contains negative value!"
            " Fix: pass non-negative lengths (or non-decreasing offsets)."
        )
    if (
        not unsafe
        and lengths is not None
        and bool((_reduction.sum(sizes, -1) != data.shape[axis]).any())
    ):
        raise RuntimeError(
            "segment_reduce(): Expected all rows of lengths along axis to sum to "
            "data.size(lengths.dim()-1) when !unsafe."
            f" Fix: pass lengths that sum to {data.shape[axis]} in every row, or "
            "unsafe=True to skip the check."
        )
    segments = sizes.shape[-1]
    longest = int(sizes.max()) if sizes.numel() else 0
    # Where each padded slot reads along the axis, and which slots are real elements.
    slots = _creation.arange(longest, dtype=_dtype.int64)
    filled = slots < sizes.unsqueeze(-1)  # (..., segments, longest)
    where = _math.where(filled, starts.unsqueeze(-1) + slots, 0)
    trailing = data.ndim - axis - 1
    index_shape = tuple(where.shape[:-2]) + (segments * longest,) + (1,) * trailing
    full_shape = index_shape[: axis + 1] + tuple(data.shape[axis + 1 :])
    index = _shape.reshape(where, index_shape)
    gathered = _indexing.gather(data, axis, index.expand(*full_shape))
    padded_shape = tuple(data.shape[:axis]) + (segments, longest) + tuple(data.shape[axis + 1 :])
    gathered = _shape.reshape(gathered, padded_shape)
    mask = _shape.reshape(filled, tuple(filled.shape) + (1,) * trailing)
    values = _math.where(mask, gathered, _IDENTITY[name])
    slot_axis = axis + 1
    if name in ("sum", "mean"):
        out = _reduction.sum(values, slot_axis)
    elif name == "prod":
        out = _reduction.prod(values, slot_axis)
    elif name == "max":
        out = _reduction.amax(values, slot_axis)
    else:
        out = _reduction.amin(values, slot_axis)
    counts = _shape.reshape(sizes, tuple(sizes.shape) + (1,) * trailing).to(data.dtype)
    if initial is not None:
        if name == "sum":
            out = out + initial
        elif name == "prod":
            out = out * initial
        elif name == "max":
            out = _clamp.clamp(out, min=initial)
        elif name == "min":
            out = _clamp.clamp(out, max=initial)
        else:  # the mean of the segment with initial added to its sum; initial when empty
            empty = _comparison.eq(counts, 0)
            out = _math.where(empty, initial, (out + initial) / _math.where(empty, 1, counts))
        return out
    if name == "mean":
        out = out / counts  # an empty segment: 0 / 0, NaN as in PyTorch
    return out
