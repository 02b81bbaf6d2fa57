"""PyTorch's shape functions (``reshape``, ``transpose``, ``unsqueeze``, indexing, ...).

All are compositions of the three view primitives ``reshape``, ``permute_dims`` and
``broadcast_to`` plus indexing; this module validates arguments and words errors as PyTorch does.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import ops
from arraygrad._dims import _shape_arg, normalize_dim, normalize_dims
from arraygrad._tensor import Tensor

__all__ = [
    "flatten",
    "permute",
    "reshape",
    "squeeze",
    "t",
    "transpose",
    "unsqueeze",
]


def infer_shape(shape: tuple[int, ...], numel: int, have: tuple[int, ...]) -> tuple[int, ...]:
    """Resolve one ``-1`` in ``shape`` and check the element count, with PyTorch's error."""
    unknown = [i for i, size in enumerate(shape) if size == -1]
    known = math.prod(size for size in shape if size != -1)
    valid = len(unknown) <= 1 and all(size >= -1 for size in shape)
    if valid and unknown:
        valid = known != 0 and numel % known == 0
        if valid:
            shape = shape[: unknown[0]] + (numel // known,) + shape[unknown[0] + 1 :]
    elif valid:
        valid = known == numel
    if not valid:
        raise RuntimeError(
            f"shape '{list(shape)}' is invalid for input of size {numel} (input shape "
            f"{list(have)}). Fix: the sizes must multiply to {numel}; use -1 for one size to have "
            "it inferred."
        )
    return shape


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """The same elements in a new shape; one size may be ``-1``.

    >>> import arraygrad
    >>> arraygrad.arange(6).reshape(2, -1).shape
    arraygrad.Size([2, 3])
    """
    have = tuple(input._data.shape)
    target = infer_shape(_shape_arg(shape), math.prod(have), have)
    if target == have:
        return input
    return ops.reshape(input, shape=target)


def view(input: Tensor, *shape: Any) -> Tensor:
    """Like :func:`reshape`; the result shares memory with ``input`` where the layout allows."""
    return reshape(input, *shape)


def permute(input: Tensor, *dims: Any) -> Tensor:
    """Reorder dimensions: ``out.shape[i] == input.shape[dims[i]]``."""
    axes = tuple(normalize_dim(d, input.ndim) for d in _shape_arg(dims))
    if sorted(axes) != list(range(input.ndim)):
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {input.ndim} is not "
            f"equal to len(dims) = {len(axes)}, or dims {list(axes)} repeat a dimension"
        )
    if axes == tuple(range(input.ndim)):
        return input
    return ops.permute_dims(input, axes=axes)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap dimensions ``dim0`` and ``dim1``."""
    ndim = input.ndim
    if ndim == 0:
        normalize_dim(dim0, 0), normalize_dim(dim1, 0)
        return input
    axes = list(range(ndim))
    a, b = normalize_dim(dim0, ndim), normalize_dim(dim1, ndim)
    axes[a], axes[b] = axes[b], axes[a]
    return permute(input, *axes)


def t(input: Tensor) -> Tensor:
    """Transpose a tensor of at most two dimensions."""
    if input.ndim > 2:
        raise RuntimeError(
            f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D. Fix: use "
            ".transpose(dim0, dim1) or .mT for batches of matrices."
        )
    return transpose(input, 0, -1) if input.ndim == 2 else input


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at position ``dim``."""
    shape = list(input._data.shape)
    position = normalize_dim(dim, len(shape) + 1)
    shape.insert(position, 1)
    return ops.reshape(input, shape=tuple(shape))


def squeeze(input: Tensor, dim: Any = None) -> Tensor:
    """Remove dimensions of size 1 (only those in ``dim`` when it is given)."""
    shape = tuple(input._data.shape)
    if dim is None:
        axes = {i for i, size in enumerate(shape) if size == 1}
    else:
        axes = {a for a in (normalize_dims(dim, len(shape)) or ()) if shape[a] == 1}
    if not axes:
        return input
    return ops.reshape(input, shape=tuple(s for i, s in enumerate(shape) if i not in axes))


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim`` to ``end_dim`` into one."""
    shape = tuple(input._data.shape)
    if not shape:
        return reshape(input, 1)
    start, end = normalize_dim(start_dim, len(shape)), normalize_dim(end_dim, len(shape))
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    merged = math.prod(shape[start : end + 1])
    return reshape(input, *shape[:start], merged, *shape[end + 1 :])


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """Broadcast to ``sizes`` without copying; ``-1`` keeps a dimension's size."""
    target = list(_shape_arg(sizes))
    shape = tuple(input._data.shape)
    lead = len(target) - len(shape)
    if lead < 0:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(target)}) must be greater or equal to "
            f"the number of dimensions in the tensor ({len(shape)})"
        )
    for i, size in enumerate(shape):
        wanted = target[lead + i]
        if wanted == -1:
            target[lead + i] = size
        elif size not in (1, wanted):
            raise RuntimeError(
                f"The expanded size of the tensor ({wanted}) must match the existing size "
                f"({size}) at non-singleton dimension {lead + i}.  Target sizes: {list(sizes)}.  "
                f"Tensor sizes: {list(shape)}"
            )
    if tuple(target) == shape:
        return input
    return ops.broadcast_to(input, shape=tuple(target))


def _is_basic(key: Any) -> bool:
    parts = key if isinstance(key, tuple) else (key,)
    return all(isinstance(p, (int, slice, type(None), type(Ellipsis))) for p in parts)


def _index_part(part: Any) -> Any:
    if isinstance(part, Tensor):
        return part._data
    if isinstance(part, list):
        from arraygrad._creation import tensor

        return tensor(part)._data
    return part


def getitem(input: Tensor, key: Any) -> Tensor:
    """``input[key]`` with ints, slices, ``None``, ``...``, integer and boolean index tensors."""
    if isinstance(key, tuple):
        key = tuple(_index_part(p) for p in key)
    else:
        key = _index_part(key)
    if _is_basic(key):
        _check_bounds(input, key)
        return ops.basic_getitem(input, key=key)
    return ops.getitem(input, key=key)


def _check_bounds(input: Tensor, key: Any) -> None:
    # NumPy raises IndexError too, but PyTorch's message names the dimension and size.
    parts = key if isinstance(key, tuple) else (key,)
    shape = tuple(input._data.shape)
    dim = 0
    for part in parts:
        if part is Ellipsis:
            dim = len(shape) - sum(1 for p in parts if p is not None and p is not Ellipsis)
            continue
        if part is None:
            continue
        if isinstance(part, int):
            if dim >= len(shape):
                raise IndexError(
                    f"too many indices for tensor of dimension {len(shape)} (shape {list(shape)})"
                )
            if not -shape[dim] <= part < shape[dim]:
                raise IndexError(
                    f"index {part} is out of bounds for dimension {dim} with size {shape[dim]}"
                )
        dim += 1
    if dim > len(shape):
        raise IndexError(
            f"too many indices for tensor of dimension {len(shape)} (shape {list(shape)})"
        )
