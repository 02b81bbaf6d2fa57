"""PyTorch's shape functions (``reshape``, ``transpose``, ``unsqueeze``, ...; cutting a tensor
into pieces is in ``_splitting``, joining them (``cat``, ``stack``) in ``_concatenation``).

All are compositions of the three view primitives ``reshape``, ``permute_dims`` and
``broadcast_to`` plus indexing; this module validates arguments and words errors as PyTorch does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from arraygrad import _backend, ops
from arraygrad._arguments import int_list_argument, int_sequence_argument
from arraygrad._concatenation import cat, concat, concatenate, stack  # re-exported: _shape.cat
from arraygrad._dims import _shape_arg, dim_index, is_one_dim, normalize_dim, normalize_dims
from arraygrad._indexing import getitem as getitem  # Tensor.__getitem__ resolves it here
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor, c_ordered_result
from arraygrad._tensor_shape import ALL_DIMS, dim_given

__all__ = [
    "cat",
    "concat",
    "concatenate",
    "detach",
    "flatten",
    "flip",
    "movedim",
    "permute",
    "reshape",
    "roll",
    "squeeze",
    "stack",
    "t",
    "tile",
    "transpose",
    "unflatten",
    "unsqueeze",
]


def infer_shape(shape: tuple[int, ...], numel: int, have: tuple[int, ...]) -> tuple[int, ...]:
    """Resolve one ``-1`` in ``shape`` and check the element count, with PyTorch's error."""
    if -1 not in shape and math.prod(shape) == numel and (not shape or min(shape) >= 0):
        return shape  # the common case: every size given, and they fit
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


def reshape(input: Tensor, shape: Any) -> Tensor:
    """The same elements in a new shape; one size may be ``-1``.

    ``shape``: one sequence, as in ``torch.reshape(input, shape)`` (``()``: 0-d); ``Tensor.reshape``
    passes its ``*shape`` tuple, which may hold one sequence.

    >>> import arraygrad
    >>> arraygrad.arange(6).reshape(2, -1).shape
    arraygrad.Size([2, 3])
    """
    have = tuple(input._data.shape)
    sizes = _shape_arg(shape if shape.__class__ is tuple else (shape,))
    target = infer_shape(sizes, math.prod(have), have)
    # Even to the same shape the result is a new view, as in PyTorch: returning ``input`` would
    # make a later in-place shape change (t_()) or .grad of the result land on ``input``.
    # A layout that cannot take the shape without a copy (a transposed matrix flattened) gives
    # a result that owns its memory, as in PyTorch: not a view (see _view_history.made_view).
    return ops.reshape.apply1(input, {"shape": target})


def view(input: Tensor, *shape: Any) -> Tensor:
    """The same elements in a new shape, sharing memory with ``input``; one size may be ``-1``.

    As in PyTorch, a layout that cannot take the shape without a copy (a transposed matrix
    flattened, say) is an error, so that a write through the view always reaches ``input``.

    >>> import arraygrad
    >>> arraygrad.arange(6).view(3, 2).tolist()
    [[0, 1], [2, 3], [4, 5]]
    """
    have = tuple(input._data.shape)
    target = infer_shape(_shape_arg(shape), math.prod(have), have)
    if target != have and not _backend.reshapes_as_view(input._data, target):
        raise RuntimeError(
            f"view size is not compatible with input tensor's size and stride (at least one "
            f"dimension spans across two contiguous subspaces): a tensor of shape {list(have)} "
            f"and strides {list(_backend.element_strides(input._data))} cannot be viewed as "
            f"{list(target)}. Fix: use .reshape(...) instead, which copies where it must."
        )
    return ops.reshape.apply1(input, {"shape": target})


def permute(input: Tensor, dims: Any) -> Tensor:
    """A view with reordered dimensions: ``out.shape[i] == input.shape[dims[i]]``; ``dims`` as
    ``reshape``'s ``shape`` (``torch.permute(input, dims)``; ``Tensor.permute``'s ``*dims`` tuple).

    ``dims`` must name every dimension once (``RuntimeError`` otherwise).

    >>> import arraygrad
    >>> arraygrad.permute(arraygrad.zeros(2, 3, 4), (2, 0, 1)).shape
    arraygrad.Size([4, 2, 3])
    """
    order = _shape_arg(dims if dims.__class__ is tuple else (dims,))
    ndim = input.ndim
    try:  # (free in Python 3.11+ while nothing is raised)
        axes = tuple(normalize_dim(d, ndim) for d in order)
    except IndexError:
        if len(order) == ndim:
            raise
        axes = order  # PyTorch checks the count first
    if sorted(axes) != list(range(ndim)):
        raise _permute_error(ndim, order)
    return ops.permute_dims.apply1(input, {"axes": axes})  # a new view even when nothing moves


def _permute_error(ndim: int, order: tuple[int, ...]) -> RuntimeError:
    """PyTorch's error for ``permute`` dims that are not an ordering of the ``ndim``
    dimensions (each in range): too few or too many, or one named twice."""
    if len(order) != ndim:
        return RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {ndim} is not "
            f"equal to len(dims) = {len(order)}. Fix: pass a permutation of range({ndim}), one "
            "dim per dimension."
        )
    return RuntimeError(
        f"permute(): duplicate dims are not allowed: dims {list(order)} name a dimension more "
        f"than once. Fix: pass a permutation of range({ndim}), each dimension once."
    )


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap dimensions ``dim0`` and ``dim1`` (a view, no longer contiguous in general).

    >>> import arraygrad
    >>> arraygrad.transpose(arraygrad.zeros(2, 3, 4), 0, 2).shape
    arraygrad.Size([4, 3, 2])
    """
    ndim = input.ndim
    if ndim == 0:
        normalize_dim(dim0, 0), normalize_dim(dim1, 0)
        return labelled(ops.reshape(input, shape=()), "TransposeBackward0")  # a new view
    axes = list(range(ndim))
    a, b = normalize_dim(dim0, ndim), normalize_dim(dim1, ndim)
    axes[a], axes[b] = axes[b], axes[a]
    return labelled(ops.permute_dims.apply1(input, {"axes": tuple(axes)}), "TransposeBackward0")


def t(input: Tensor) -> Tensor:
    """Transpose a tensor of at most two dimensions (a view); 0-d and 1-d tensors are returned as
    they are. Three or more dimensions raise ``RuntimeError`` (use :func:`transpose` or ``.mT``).

    >>> import arraygrad
    >>> arraygrad.t(arraygrad.tensor([[1, 2, 3], [4, 5, 6]]))
    tensor([[1, 4],
            [2, 5],
            [3, 6]])
    """
    ndim = len(input._data.shape)
    if ndim == 2:
        return labelled(ops.permute_dims.apply1(input, {"axes": (1, 0)}), "TBackward0")
    if ndim > 2:
        raise RuntimeError(
            f"t() expects a tensor with <= 2 dimensions, but self is {ndim}D. Fix: use "
            ".transpose(dim0, dim1) or .mT for batches of matrices."
        )
    return labelled(ops.reshape.apply1(input, {"shape": tuple(input._data.shape)}), "TBackward0")


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at position ``dim`` (``-1`` appends one), a view.

    >>> import arraygrad
    >>> arraygrad.unsqueeze(arraygrad.tensor([1, 2, 3]), 1)
    tensor([[1],
            [2],
            [3]])
    """
    shape = list(input._data.shape)
    position = normalize_dim(dim, len(shape) + 1)
    shape.insert(position, 1)
    return labelled(ops.reshape.apply1(input, {"shape": tuple(shape)}), "UnsqueezeBackward0")


def squeeze(input: Tensor, dim: Any = ALL_DIMS) -> Tensor:
    """Remove dimensions of size 1 (only those in ``dim``, an int or a tuple, when it is given).

    A view; a dimension in ``dim`` whose size is not 1 is kept, without error, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.squeeze(arraygrad.zeros(2, 1, 3, 1)).shape
    arraygrad.Size([2, 3])
    """
    shape = tuple(input._data.shape)
    if dim is ALL_DIMS:
        axes = {i for i, size in enumerate(shape) if size == 1}
    else:
        given = normalize_dims(dim_given("squeeze", dim), len(shape)) or ()
        axes = {a for a in given if shape[a] == 1}
    # With nothing to remove, still a new view, as in PyTorch, whose backward is named by the
    # form of ``dim``: none, one or several.
    out = ops.reshape.apply1(
        input, {"shape": tuple(s for i, s in enumerate(shape) if i not in axes)}
    )
    form = 0 if dim is ALL_DIMS else 1 if is_one_dim(dim) else 2
    return labelled(out, f"SqueezeBackward{form}")


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim`` to ``end_dim`` (inclusive) into one of their product's size.

    A view where the strides allow it, else a copy (as ``reshape``); a 0-d tensor gives shape
    ``[1]``.

    >>> import arraygrad
    >>> arraygrad.flatten(arraygrad.zeros(2, 3, 4), 1).shape
    arraygrad.Size([2, 12])
    """
    shape = tuple(input._data.shape)
    # checked first: a 0-d tensor still refuses dims outside [-1, 0] (IndexError, as PyTorch)
    start, end = normalize_dim(start_dim, len(shape)), normalize_dim(end_dim, len(shape))
    if not shape:
        return reshape(input, 1)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input  # PyTorch returns the tensor itself here
    merged = math.prod(shape[start : end + 1])
    return reshape(input, (*shape[:start], merged, *shape[end + 1 :]))


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """Broadcast to ``sizes`` without copying; ``-1`` keeps a dimension's size."""
    target = _shape_arg(sizes)
    shape = tuple(input._data.shape)
    lead = len(target) - len(shape)
    if lead < 0:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(target)}) must be greater or equal to "
            f"the number of dimensions in the tensor ({len(shape)}) (sizes {list(target)} for "
            f"shape {list(shape)}). Fix: give one size per dimension (-1 keeps a size), e.g. "
            f"expand({', '.join(['-1'] * len(shape))})."
        )
    if target[lead:] != shape:  # (equal: every existing dimension kept, nothing to check)
        resolved = list(target)
        for i, size in enumerate(shape):
            wanted = resolved[lead + i]
            if wanted == -1:
                resolved[lead + i] = size
            elif size not in (1, wanted):
                raise RuntimeError(
                    f"The expanded size of the tensor ({wanted}) must match the existing size "
                    f"({size}) at non-singleton dimension {lead + i}.  Target sizes: "
                    f"{list(sizes)}.  Tensor sizes: {list(shape)}. Fix: expand only dimensions "
                    "of size 1 (use repeat to copy a larger dimension, or -1 to keep it)."
                )
        target = tuple(resolved)
    if target == shape:
        out = ops.reshape.apply1(input, {"shape": shape})  # a new view, no element repeated
    else:
        if min(target) < 0:  # still negative once -1 kept existing sizes: NumPy's ValueError
            raise _negative_expanded_size(sizes, target, shape, lead)
        out = ops.broadcast_to.apply1(input, {"shape": target})
    return labelled(out, "ExpandBackward0")


def _negative_expanded_size(
    sizes: tuple[Any, ...], target: tuple[int, ...], shape: tuple[int, ...], lead: int
) -> RuntimeError:
    """PyTorch's RuntimeError for a negative size left once -1 kept the existing dimensions:
    -1 in a new leading dimension (there is no size to keep), or any other negative size."""
    if -1 in target[:lead]:
        dim = target.index(-1)
        problem = (
            f"The expanded size of the tensor (-1) isn't allowed in a leading, non-existing "
            f"dimension {dim}"
        )
    else:
        dim, wanted = next((i, n) for i, n in enumerate(target) if n < 0)
        # (PyTorch's words: the element count of a negative size overflows)
        problem = (
            f"numel: integer multiplication overflow: the expanded size of the tensor "
            f"({wanted}) at dimension {dim} is negative"
        )
    return RuntimeError(
        f"{problem}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(shape)}. Fix: give every "
        "size >= 0, or -1 only where it keeps an existing dimension's size."
    )


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """:func:`expand` to ``other``'s shape."""
    return expand(input, *other.shape)


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split dimension ``dim`` into ``sizes``, whose product must be its size (one may be ``-1``).

    >>> import arraygrad
    >>> arraygrad.unflatten(arraygrad.zeros(2, 6), 1, (-1, 2)).shape
    arraygrad.Size([2, 3, 2])
    """
    sizes = int_sequence_argument("unflatten", "sizes", sizes, 3)
    shape = tuple(input._data.shape)
    sizes = tuple(int(s) for s in sizes)
    if not sizes:  # (checked first, as in PyTorch: before the dimension)
        raise RuntimeError("unflatten: sizes must be non-empty")
    axis = normalize_dim(dim, len(shape))
    if not shape:
        # a 0-d tensor has no dimension to split, though 0 and -1 name one elsewhere
        raise RuntimeError(
            "unflatten got an unexpected error:\nDimension specified as 0 but tensor has no "
            "dimensions. Fix: unsqueeze the tensor first (t.reshape(1)), or reshape it."
        )
    try:
        inner = infer_shape(sizes, shape[axis], (shape[axis],))
    except RuntimeError:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim "
            f"{axis} ({shape[axis]}) in the input tensor"
        ) from None
    return reshape(input, (*shape[:axis], *inner, *shape[axis + 1 :]))


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    """A view with dimensions ``source`` moved to positions ``destination``, the others in order.

    >>> import arraygrad
    >>> arraygrad.movedim(arraygrad.zeros(2, 3, 4), 0, -1).shape
    arraygrad.Size([3, 4, 2])
    """
    ndim = input.ndim
    src = [source] if is_one_dim(source) else list(source)
    dst = [destination] if is_one_dim(destination) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({src} dims) should contain "
            f"the same number of dims as destination ({dst} dims). Fix: pass one destination "
            "per source dimension."
        )
    src = [normalize_dim(d, ndim) for d in src]
    dst = [normalize_dim(d, ndim) for d in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in source ({src}) or destination ({dst})")
    rest = iter(d for d in range(ndim) if d not in src)
    placed = dict(zip(dst, src, strict=True))
    order = [placed[i] if i in placed else next(rest) for i in range(ndim)]
    return permute(input, tuple(order))


def repeat(input: Tensor, *sizes: Any) -> Tensor:
    """``input`` tiled ``sizes[i]`` times along dimension ``i`` (``Tensor.repeat``); extra
    leading sizes add new dimensions.

    >>> import arraygrad
    >>> arraygrad.tensor([1, 2]).repeat(2, 2).tolist()
    [[1, 2, 1, 2], [1, 2, 1, 2]]
    """
    reps = _shape_arg(sizes)
    shape = tuple(input._data.shape)
    if len(reps) < len(shape):
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions of "
            f"tensor: got {len(reps)} sizes {list(reps)} for a tensor of shape {list(shape)}. "
            "Fix: give one repeat count per dimension (1 to keep it)."
        )
    if any(r < 0 for r in reps):
        raise RuntimeError(f"Trying to create tensor with negative dimension: repeats {list(reps)}")
    padded = (1,) * (len(reps) - len(shape)) + shape
    x = input if padded == shape else ops.reshape(input, shape=padded)
    return ops.tile(x, repetitions=reps)


def tile(input: Tensor, dims: Sequence[int]) -> Tensor:
    """Repeat ``input`` ``dims[i]`` times along each dimension (a copy), as ``Tensor.repeat``.

    Fewer ``dims`` than dimensions repeat the last ones (``dims`` is padded with ones in front).

    >>> import arraygrad
    >>> arraygrad.tile(arraygrad.tensor([[1, 2], [3, 4]]), (2,))
    tensor([[1, 2, 1, 2],
            [3, 4, 3, 4]])
    """
    reps = tuple(int(d) for d in dims)
    reps = (1,) * (input.ndim - len(reps)) + reps
    return repeat(input, *reps)


def _dims_list(name: str, dims: Any, ndim: int) -> tuple[int, ...]:
    dims = (dim_index(dims),) if is_one_dim(dims) else tuple(dims)
    axes = tuple(normalize_dim(d, ndim) for d in dims)
    for d in axes:
        if axes.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims ({name})")
    return axes


def flip(input: Tensor, dims: Any) -> Tensor:
    """Reverse the order of elements along ``dims`` (a copy, as in PyTorch, not a view).

    >>> import arraygrad
    >>> arraygrad.flip(arraygrad.tensor([[0, 1, 2], [3, 4, 5]]), [1])
    tensor([[2, 1, 0],
            [5, 4, 3]])
    """
    axes = _dims_list("flip", dims, input.ndim)
    if input.ndim == 0 or not axes:
        return ops.clone(input)
    return ops.flip(input, axis=axes)


@c_ordered_result
def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """Shift elements circularly by ``shifts`` along ``dims`` (the flattened tensor when
    ``dims`` is ``None``).

    >>> import arraygrad
    >>> arraygrad.roll(arraygrad.tensor([1, 2, 3]), 1).tolist()
    [3, 1, 2]
    """
    # (a one-element integer tensor is the one shift, as PyTorch's int list reads it)
    shifts = int_list_argument("roll", "shifts", shifts, 2)
    shift = (shifts,) if isinstance(shifts, int) else tuple(int(s) for s in shifts)
    if not shift:
        raise RuntimeError(
            "`shifts` required: roll() got no shifts (an empty sequence). Fix: pass one shift "
            "per dimension in dims (fft.fftshift of a 0-d tensor has no dimension to shift)."
        )
    if dims is None:
        if len(shift) != 1:
            raise RuntimeError(
                f"roll: with dims=None, shifts must be one number, got {list(shift)}. Fix: pass "
                "one shift per dimension in dims, or a single shift for the flattened tensor."
            )
        flat = ops.reshape(input, shape=(-1,))
        return ops.reshape(ops.roll(flat, shift=shift, axis=(0,)), shape=tuple(input.shape))
    axes = (dim_index(dims),) if is_one_dim(dims) else tuple(dims)
    if len(axes) != len(shift):
        raise RuntimeError(
            f"shifts and dimensions must align. shifts: {len(shift)}, dims:{len(axes)}. Fix: "
            f"pass one shift per dimension (shifts={list(shift)}, dims={list(axes)})."
        )
    if input.ndim == 0:  # (PyTorch takes no dim of a 0-d tensor here, not even 0 or -1)
        raise IndexError(
            f"Dimension specified as {axes[0]} but tensor has no dimensions: roll() of a 0-d "
            "tensor along a dimension. Fix: roll it without dims (roll(x, shift)), or reshape "
            "it first (t.reshape(1))."
        )
    axes = tuple(normalize_dim(d, input.ndim) for d in axes)
    return ops.roll(input, shift=shift, axis=axes)


def detach(input: Tensor) -> Tensor:
    """A new leaf sharing ``input``'s memory, outside the graph (``requires_grad=False``).

    Writes to either are seen by both; no gradient flows back through it.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, 2.0], requires_grad=True)
    >>> arraygrad.detach(x)
    tensor([1., 2.])
    """
    return input.detach()
