"""Joining tensors along a dimension: ``cat`` (with its aliases ``concat`` and ``concatenate``)
and ``stack``.

Both are a balanced tree of the two-input ``concat`` primitive; this module promotes dtypes,
skips PyTorch's legacy empty 1-D inputs and words errors as PyTorch does. ``_shape`` re-exports
these, so ``arraygrad._shape.cat`` keeps working.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arraygrad import _dtype, ops
from arraygrad._dims import normalize_dim
from arraygrad._out import written_joined
from arraygrad._primitive import labelled, labelled_result
from arraygrad._tensor import Tensor, c_ordered_result

__all__ = ["cat", "concat", "concatenate", "stack"]


def _cat_inputs(name: str, tensors: Any) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, Sequence):
        raise TypeError(
            f"{name}(): argument 'tensors' must be a tuple or list of Tensors, not "
            f"{type(tensors).__name__}. Fix: pass a list of tensors, e.g. {name}([a, b])."
        )
    if not tensors:  # PyTorch raises ValueError for cat, RuntimeError for stack
        if name == "stack":
            raise RuntimeError("stack expects a non-empty TensorList")
        raise ValueError(f"{name}(): expected a non-empty list of Tensors")
    first = tensors[0]
    if first.__class__ is Tensor:
        native = first._data.dtype
        if all(t.__class__ is Tensor and t._data.dtype is native for t in tensors):
            return list(tensors)  # tensors of one dtype (the common case): nothing to convert
    from arraygrad._math import as_tensor

    items = [as_tensor(t) for t in tensors]
    target = items[0].dtype
    for t in items[1:]:
        target = _dtype.promote_types(target, t.dtype)
    return [t if t.dtype is target else ops.astype(t, target) for t in items]


def _join(tensors: list[Tensor], axis: int) -> Tensor:
    # A balanced tree of two-input concatenations: every element is copied log2(n) times and
    # each backward node only slices its own gradient.
    count = len(tensors)
    if count == 2:  # (the commonest: no slicing and recursion)
        return ops.concat(tensors[0], tensors[1], axis=axis)
    if count == 1:
        return tensors[0]
    middle = count // 2
    return ops.concat(_join(tensors[:middle], axis), _join(tensors[middle:], axis), axis=axis)


@c_ordered_result
def cat(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Join tensors along an existing dimension ``dim``; dtypes are promoted as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.cat([arraygrad.zeros(1, 2), arraygrad.ones(2, 2)]).shape
    arraygrad.Size([3, 2])
    """
    if out is not None:
        return written_joined("cat", out, cat, tensors, dim)
    items = _cat_inputs("cat", tensors)
    reference = tuple(items[0]._data.shape)
    if len(items) > 1 and reference and all(tuple(t._data.shape) == reference for t in items):
        # One shape of at least one dimension (the common case): every check below passes.
        return _join(items, normalize_dim(dim, len(reference)))
    # PyTorch skips legacy empty 1-D tensors of shape (0,) when the others have more dimensions.
    kept = [t for t in items if tuple(t._data.shape) != (0,)] or items[:1]
    if kept[0].ndim == 1:
        kept = items  # all 1-D: the empty ones join like any other
    kept_ids = {id(t) for t in kept}
    reference = tuple(kept[0]._data.shape)
    for position, t in enumerate(items):
        if t.ndim == 0:
            raise RuntimeError(
                f"zero-dimensional tensor (at position {position}) cannot be concatenated. Fix: "
                "use arraygrad.stack, or .unsqueeze(0) the scalars first."
            )
    axis = normalize_dim(dim, len(reference))
    for position, t in enumerate(items):
        shape = tuple(t._data.shape)
        if id(t) not in kept_ids:
            continue
        if len(shape) != len(reference):
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {len(reference)} and "
                f"{len(shape)} (shapes {list(reference)} and {list(shape)} at position "
                f"{position}). Fix: reshape or unsqueeze the tensors to one number of dimensions."
            )
        for d, (want, have) in enumerate(zip(reference, shape, strict=True)):
            if d != axis and want != have:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {axis}. Expected size "
                    f"{want} but got size {have} for tensor number {position} in the list "
                    f"(shapes {list(reference)} and {list(shape)}). Fix: make every size but "
                    f"dimension {axis}'s equal, or join along the dimension that differs."
                )
    if len(kept) == 1:
        return ops.clone(kept[0])
    return _join(kept, axis)


def concat(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Alias of :func:`cat`."""
    if out is not None:
        return written_joined("concat", out, concat, tensors, dim)
    return cat(tensors, dim)


def concatenate(tensors: Sequence[Tensor], axis: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Alias of :func:`cat` (NumPy's name)."""
    if out is not None:
        return written_joined("concatenate", out, concatenate, tensors, axis)
    return cat(tensors, axis)


@labelled_result("StackBackward0")
@c_ordered_result
def stack(tensors: Sequence[Tensor], dim: int = 0, *, out: Tensor | None = None) -> Tensor:
    """Join tensors of equal shape along a new dimension ``dim``.

    >>> import arraygrad
    >>> arraygrad.stack([arraygrad.zeros(2), arraygrad.ones(2)], dim=1).tolist()
    [[0.0, 1.0], [0.0, 1.0]]
    """
    if out is not None:
        return written_joined("stack", out, stack, tensors, dim)
    items = _cat_inputs("stack", tensors)
    reference = tuple(items[0]._data.shape)
    for position, t in enumerate(items):
        if tuple(t._data.shape) != reference:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(reference)} at entry "
                f"0 and {list(t.shape)} at entry {position}. Fix: give every tensor the same "
                "shape (use cat to join tensors of different sizes along an existing dimension)."
            )
    axis = normalize_dim(dim, len(reference) + 1)
    # cat's checks hold already (one dtype, one shape, at least one dimension): its join.
    shape = reference[:axis] + (1,) + reference[axis:]
    parts = [labelled(ops.reshape.apply1(t, {"shape": shape}), "UnsqueezeBackward0") for t in items]
    return ops.clone(parts[0]) if len(parts) == 1 else _join(parts, axis)
