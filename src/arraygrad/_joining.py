"""Joining and splitting along named directions: ``hstack``/``vstack``/``dstack``,
``column_stack``, ``tensor_split`` and ``hsplit``/``vsplit``/``dsplit``, and grids of
coordinates: ``meshgrid``, ``cartesian_prod``, ``combinations``.

All are compositions of ``cat``, slicing views, ``reshape``/``expand`` and indexing, so their
gradients come from those ops.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from arraygrad import _backend, _dtype, _shape, _splitting, _views, ops
from arraygrad._dims import normalize_dim
from arraygrad._out import written_joined
from arraygrad._tensor import Tensor
from arraygrad._unary import require_tensors

__all__ = [
    "cartesian_prod",
    "column_stack",
    "combinations",
    "dsplit",
    "dstack",
    "hsplit",
    "hstack",
    "meshgrid",
    "row_stack",
    "tensor_split",
    "vsplit",
    "vstack",
]


def _tensor_list(name: str, tensors: Any) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, Sequence):
        raise TypeError(
            f"{name}(): argument 'tensors' must be a tuple or list of Tensors, not "
            f"{type(tensors).__name__}"
            f". Fix: wrap the tensors in a list, e.g. {name}([a, b])."
        )
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList. Fix: pass at least one tensor.")
    return list(tensors)


def hstack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """Join horizontally: along dimension 1, or 0 when the tensors are vectors (0-d tensors
    count as vectors of one element).

    >>> import arraygrad
    >>> arraygrad.hstack([arraygrad.tensor([1, 2]), arraygrad.tensor([3])]).tolist()
    [1, 2, 3]
    """
    if out is not None:
        return written_joined("hstack", out, hstack, tensors)
    items = _views.atleast_1d(_tensor_list("hstack", tensors))
    return _shape.cat(items, 0 if items[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """Join vertically, along dimension 0, after making each tensor at least 2-D (a vector of
    ``n`` becomes one row ``(1, n)``).

    >>> import arraygrad
    >>> arraygrad.vstack([arraygrad.tensor([1, 2]), arraygrad.tensor([3, 4])]).tolist()
    [[1, 2], [3, 4]]
    """
    if out is not None:
        return written_joined("vstack", out, vstack, tensors)
    return _shape.cat(_views.atleast_2d(_tensor_list("vstack", tensors)), 0)


def row_stack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """Alias of :func:`vstack`."""
    if out is not None:
        return written_joined("row_stack", out, row_stack, tensors)
    return _shape.cat(_views.atleast_2d(_tensor_list("row_stack", tensors)), 0)


def dstack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """Join in depth, along dimension 2, after making each tensor at least 3-D (see
    :func:`arraygrad.atleast_3d`).

    >>> import arraygrad
    >>> arraygrad.dstack([arraygrad.tensor([1, 2]), arraygrad.tensor([3, 4])]).tolist()
    [[[1, 3], [2, 4]]]
    """
    if out is not None:
        return written_joined("dstack", out, dstack, tensors)
    return _shape.cat(_views.atleast_3d(_tensor_list("dstack", tensors)), 2)


def column_stack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """Join as columns, along dimension 1: 0-d and 1-D tensors become one column ``(n, 1)``.

    >>> import arraygrad
    >>> arraygrad.column_stack([arraygrad.tensor([1, 2]), arraygrad.tensor([3, 4])]).tolist()
    [[1, 3], [2, 4]]
    """
    if out is not None:
        return written_joined("column_stack", out, column_stack, tensors)
    items = _tensor_list("column_stack", tensors)
    columns = [ops.reshape(t, shape=(t.numel(), 1)) if t.ndim <= 1 else t for t in items]
    return _shape.cat(columns, 1)


def _split_points(indices_or_sections: Any) -> int | list[int]:
    """The sections (an int) or split indices (a list) of ``tensor_split``'s argument."""
    arg = indices_or_sections
    if isinstance(arg, Tensor):
        if arg.dtype is not _dtype.int64:
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                f"{arg.dtype.name}. Fix: convert it with .long()."
            )
        if arg.ndim > 1:
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                f"one-dimensional tensor, but got a tensor with {arg.ndim} dims"
                ". Fix: pass the indices as a 1-D tensor (e.g. "
                "indices.flatten()), or an int."
            )
        return int(arg.item()) if arg.ndim == 0 else [int(i) for i in arg.tolist()]
    if isinstance(arg, int) and not isinstance(arg, bool):
        return arg
    if isinstance(arg, Sequence):
        return [int(i) for i in arg]
    raise TypeError(
        "tensor_split(): argument 'indices_or_sections' must be an int, a sequence of ints or "
        f"an int64 tensor, not {type(arg).__name__}"
        ". Fix: pass an int, a list of ints or an int64 tensor."
    )


def _one_split_arg(name: str, **given: Any) -> Any:
    # PyTorch's overloads name the argument indices_or_sections, indices, sections or
    # tensor_indices_or_sections; exactly one of them must be passed.
    passed = {key: value for key, value in given.items() if value is not None}
    if len(passed) != 1:
        raise TypeError(
            f"{name}() received an invalid combination of arguments: pass exactly one of "
            f"{', '.join(given)}, got {sorted(passed) or 'none'}"
        )
    return next(iter(passed.values()))


def tensor_split(
    input: Tensor,
    indices_or_sections: Any = None,
    dim: int = 0,
    *,
    indices: Sequence[int] | None = None,
    sections: int | None = None,
    tensor_indices_or_sections: Tensor | None = None,
) -> tuple[Tensor, ...]:
    """Views of ``input`` split along ``dim``.

    An int ``n`` gives ``n`` pieces whose sizes differ by at most one (the first
    ``size % n`` are one longer); a list of indices splits before each index, as the Python
    slices ``[:i0], [i0:i1], ..., [ik:]`` (so indices may be negative, decreasing or past the
    end, giving empty pieces).

    >>> import arraygrad
    >>> [p.tolist() for p in arraygrad.arange(7).tensor_split(3)]
    [[0, 1, 2], [3, 4], [5, 6]]
    """
    if input.ndim == 0:
        raise RuntimeError(
            "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 "
            "dims. Fix: reshape it to at least one dimension."
        )
    axis = normalize_dim(dim, input.ndim)
    size = input.shape[axis]
    arg = _one_split_arg(
        "tensor_split",
        indices_or_sections=indices_or_sections,
        indices=indices,
        sections=sections,
        tensor_indices_or_sections=tensor_indices_or_sections,
    )
    points = _split_points(arg)
    if isinstance(points, int):
        if points <= 0:
            raise RuntimeError(
                f"number of sections must be larger than 0, got {points}. Fix: ask for at least "
                "one section."
            )
        base, extra = divmod(size, points)
        return _splitting._slices(input, axis, [base + (i < extra) for i in range(points)])
    pieces = []
    for low, high in zip([0, *points], [*points, None], strict=True):
        start, stop, _ = slice(low, high).indices(size)
        key = (slice(None),) * axis + (slice(start, max(start, stop)), Ellipsis)
        pieces.append(ops.basic_getitem(input, key=key))
    return tuple(pieces)


def _split_along(
    name: str, input: Tensor, given: dict[str, Any], min_dims: int, dim: int
) -> tuple[Tensor, ...]:
    indices_or_sections = _one_split_arg(name, **given)
    if input.ndim < min_dims:
        raise RuntimeError(
            f"torch.{name} requires a tensor with at least {min_dims} dimension, but got a "
            f"tensor with {input.ndim} dimensions! (shape {list(input.shape)})"
            f" Fix: pass a tensor of at least {min_dims} dimensions (e.g. "
            "reshape or unsqueeze it)."
        )
    if isinstance(indices_or_sections, int) and not isinstance(indices_or_sections, bool):
        size = input.shape[dim]
        if indices_or_sections == 0 or size % indices_or_sections != 0:
            raise RuntimeError(
                f"torch.{name} attempted to split along dimension {dim}, but the size of the "
                f"dimension {size} is not divisible by the split_size {indices_or_sections}! "
                "Fix: use a divisor of the size, or tensor_split for unequal pieces."
            )
    return tensor_split(input, indices_or_sections, dim)


def hsplit(
    input: Tensor,
    indices_or_sections: Any = None,
    *,
    indices: Sequence[int] | None = None,
    sections: int | None = None,
) -> tuple[Tensor, ...]:
    """Split horizontally: :func:`tensor_split` along dimension 1 (0 for a vector); an int
    must divide the size.

    >>> import arraygrad
    >>> [p.shape for p in arraygrad.zeros(2, 4).hsplit(2)]
    [arraygrad.Size([2, 2]), arraygrad.Size([2, 2])]
    """
    given = {"indices_or_sections": indices_or_sections, "indices": indices, "sections": sections}
    return _split_along("hsplit", input, given, 1, 1 if input.ndim > 1 else 0)


def vsplit(
    input: Tensor,
    indices_or_sections: Any = None,
    *,
    indices: Sequence[int] | None = None,
    sections: int | None = None,
) -> tuple[Tensor, ...]:
    """Split vertically: :func:`tensor_split` along dimension 0 of a tensor of at least 2-D.

    An int must divide that dimension's size (``RuntimeError`` otherwise); a list gives the
    indices to split before. The pieces are views.

    >>> import arraygrad
    >>> arraygrad.vsplit(arraygrad.arange(6).reshape(3, 2), 3)
    (tensor([[0, 1]]), tensor([[2, 3]]), tensor([[4, 5]]))
    """
    given = {"indices_or_sections": indices_or_sections, "indices": indices, "sections": sections}
    return _split_along("vsplit", input, given, 2, 0)


def dsplit(
    input: Tensor,
    indices_or_sections: Any = None,
    *,
    indices: Sequence[int] | None = None,
    sections: int | None = None,
) -> tuple[Tensor, ...]:
    """Split in depth: :func:`tensor_split` along dimension 2 of a tensor of at least 3-D.

    An int must divide that dimension's size (``RuntimeError`` otherwise); a list gives the
    indices to split before. The pieces are views.

    >>> import arraygrad
    >>> [p.shape for p in arraygrad.dsplit(arraygrad.zeros(2, 2, 4), [1, 3])]
    [arraygrad.Size([2, 2, 1]), arraygrad.Size([2, 2, 2]), arraygrad.Size([2, 2, 1])]
    """
    given = {"indices_or_sections": indices_or_sections, "indices": indices, "sections": sections}
    return _split_along("dsplit", input, given, 3, 2)


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids of 1-D (or 0-d) tensors ``x0, x1, ...`` of sizes ``n0, n1, ...``.

    With ``indexing="ij"`` every grid has shape ``(n0, n1, ...)`` and ``grid_k[i0, i1, ...] =
    xk[ik]``; ``"xy"`` swaps the first two dimensions (Cartesian, as NumPy's default). The grids
    are expanded views. Leaving ``indexing`` out warns, as PyTorch does, and means ``"ij"``.

    >>> import arraygrad
    >>> x, y = arraygrad.meshgrid(arraygrad.tensor([1, 2]), arraygrad.tensor([3, 4, 5]),
    ...                           indexing="ij")
    >>> x.tolist(), y.tolist()
    ([[1, 1, 1], [2, 2, 2]], [[3, 4, 5], [3, 4, 5]])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
            "argument.",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList. Fix: pass some tensors.")
    if indexing not in ("ij", "xy"):
        raise RuntimeError(
            f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}'
            ". Fix: pass indexing='ij' or indexing='xy'."
        )
    for position, t in enumerate(tensors):
        if t.ndim > 1:
            raise RuntimeError(
                "torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a tensor of "
                f"shape {list(t.shape)} at position {position}. Fix: flatten it first."
            )
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError(
                f"meshgrid expects all tensors to have the same dtype (got {tensors[0].dtype} "
                f"and {t.dtype}). Fix: convert them to one dtype first."
            )
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(axes) >= 2:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(tensors)
    for axis, t in zip(axes, tensors, strict=True):
        shape[axis] = t.numel()
    grids = []
    for axis, t in zip(axes, tensors, strict=True):
        column = [1] * len(shape)
        column[axis] = shape[axis]
        grids.append(_shape.expand(ops.reshape(t, shape=tuple(column)), *shape))
    return tuple(grids)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """All tuples ``(x0[i0], x1[i1], ...)`` of 1-D tensors, one per row, the last index
    varying fastest (``itertools.product``); one tensor is returned as it is.

    >>> import arraygrad
    >>> arraygrad.cartesian_prod(arraygrad.tensor([1, 2]), arraygrad.tensor([3, 4])).tolist()
    [[1, 3], [1, 4], [2, 3], [2, 4]]
    """
    require_tensors(tensors)
    for t in tensors:
        if t.ndim != 1:
            raise RuntimeError(
                f"Expect a 1D vector, but got shape {list(t.shape)}. Fix: cartesian_prod takes "
                "1-D tensors; flatten the others first."
            )
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return _shape.stack([ops.reshape(g, shape=(-1,)) for g in grids], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The ``r``-element combinations of a 1-D tensor's elements, one per row, in the order of
    ``itertools.combinations`` (``combinations_with_replacement`` with ``with_replacement``).

    >>> import arraygrad
    >>> arraygrad.combinations(arraygrad.tensor([1, 2, 3])).tolist()
    [[1, 2], [1, 3], [2, 3]]
    """
    if input.ndim != 1:
        raise RuntimeError(
            f"Expect a 1D vector, but got shape {list(input.shape)}. Fix: flatten the input."
        )
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}. Fix: pass r >= 0.")
    if r == 0:  # PyTorch returns a new empty vector here (outside the graph), not (1, 0)
        return Tensor._wrap(_backend.xp.zeros((0,), dtype=input._data.dtype))
    # Grow the index rows one column at a time: each row is followed by every larger index (or
    # equal, with replacement). nonzero walks the (row, next index) grid in row-major order, so
    # rows stay in itertools' lexicographic order; the work is one array op per column, not a
    # Python loop over the combinations.
    xp = _backend.xp
    n = input.shape[0]
    indices = xp.reshape(xp.arange(n, dtype=xp.int64), (n, 1))
    after = xp.reshape(xp.arange(n, dtype=xp.int64), (1, n))
    for _ in range(r - 1):
        last = indices[:, -1:]
        rows, nexts = xp.nonzero(after >= last if with_replacement else after > last)
        indices = xp.concat([xp.take(indices, rows, axis=0), xp.reshape(nexts, (-1, 1))], axis=1)
    return input[Tensor._wrap(indices)]
