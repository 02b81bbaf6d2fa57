"""PyTorch's other names and shortcuts for moving dimensions: broadcasting, swaps, diagonals,
``select``, flips and rotations, ``atleast_Nd``.

Each is a composition of the shape functions of ``_shape`` (themselves the view primitives
``reshape``, ``permute_dims``, ``broadcast_to`` plus indexing); this module adds the argument
checks and PyTorch's wording of errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arraygrad import _backend, _dtype, _shape, _splitting, ops
from arraygrad._arguments import not_tensor_error
from arraygrad._dims import _shape_arg, normalize_dim
from arraygrad._out import written_exactly
from arraygrad._primitive import labelled
from arraygrad._tensor import Size, Tensor
from arraygrad._unary import require_tensors

__all__ = [
    "as_strided",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "broadcast_shapes",
    "broadcast_tensors",
    "broadcast_to",
    "diagonal",
    "fliplr",
    "flipud",
    "moveaxis",
    "narrow_copy",
    "ravel",
    "rot90",
    "select",
    "swapaxes",
    "swapdims",
]


def as_strided(
    input: Tensor, size: Sequence[int], stride: Sequence[int], storage_offset: int | None = None
) -> Tensor:
    """A view of ``input``'s memory (its storage, not only its own elements) in which element
    ``i`` is the memory element ``storage_offset + sum(i[k] * stride[k])``;
    ``storage_offset`` defaults to ``input``'s own (:meth:`Tensor.storage_offset`).

    Windows may overlap (``stride < size``): the gradient of a memory element is then the sum
    of those of every element of the result that reads it. Writes through the view reach
    ``input``, as with any view.

    >>> import arraygrad
    >>> arraygrad.arange(5).as_strided((3, 2), (1, 1)).tolist()
    [[0, 1], [1, 2], [2, 3]]
    >>> arraygrad.arange(6)[2:].as_strided((2,), (2,)).tolist()
    [2, 4]
    """
    return strided(input, size, stride, storage_offset, 2)


def strided(input: Tensor, size: Any, stride: Any, storage_offset: Any, position: int) -> Tensor:
    """:func:`as_strided`, its errors naming the arguments from ``position`` (that of ``size``:
    1 for the method, 2 for the function)."""
    shape = _int_list(size, "size", position)
    strides = _int_list(stride, "stride", position + 1)
    if storage_offset is None:
        offset = _backend.element_offset(input._data)
    elif isinstance(storage_offset, bool) or not isinstance(storage_offset, int):
        raise TypeError(
            f"as_strided(): argument 'storage_offset' (position {position + 2}) must be int, not "
            f"{type(storage_offset).__name__}. Fix: pass a whole number of elements."
        )
    else:
        offset = int(storage_offset)
    if len(shape) != len(strides):
        raise RuntimeError(
            "mismatch in length of strides and shape. Fix: give one stride per dimension of size."
        )
    if any(step < 0 for step in strides):
        raise RuntimeError(
            f"as_strided: Negative strides are not supported at the moment, got strides: "
            f"{strides}. Fix: flip the result instead."
        )
    if any(n < 0 for n in shape):
        raise RuntimeError(
            f"Storage size calculation overflowed with sizes={shape} and strides={strides}. "
            "Fix: sizes must be >= 0."
        )
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}. Fix: it must be >= 0.")
    itemsize = input.element_size()
    pairs = zip(shape, strides, strict=True)
    needed = 0 if 0 in shape else offset + 1 + sum((n - 1) * s for n, s in pairs)
    have = _backend.storage_numel(input._data)
    if needed > have:
        raise RuntimeError(
            f"setStorage: sizes {shape}, strides {strides}, storage offset {offset}, and itemsize "
            f"{itemsize} requiring a storage size of {needed * itemsize} are out of bounds for "
            f"storage of size {have * itemsize}. Fix: the last element read, offset + "
            "sum((size - 1) * stride), must lie inside the tensor's storage."
        )
    tracer = _backend.tracer
    if tracer is not None and (offset or _backend.element_offset(input._data)):
        # A compiled step guards on its inputs' shapes and strides, not on where in their
        # memory they start: a replay could read other elements than the trace did.
        tracer.untraceable("as_strided reads memory outside its input's own elements")
    elif tracer is not None:
        # Both the defaulted offset and the gradient's ``source`` are the input's offset now:
        # a replay is right only for inputs that start at the same place in their memory.
        tracer.pins_offsets = True
    source = (_backend.element_offset(input._data), _backend.element_strides(input._data))
    params = {"size": tuple(shape), "stride": tuple(strides), "offset": offset, "source": source}
    return ops.as_strided.apply1(input, params)


def view_dtype(input: Tensor, dtype: _dtype.dtype) -> Tensor:
    """``input``'s memory read as elements of ``dtype`` (``Tensor.view(dtype)``): the same bytes,
    no copy, so that writes through either show in the other.

    With elements of another size the last dimension (contiguous) holds ``r`` times as many
    of them, or ``1/r`` as many, where ``r`` is the ratio of the element sizes; the other
    strides and the storage offset scale by ``r`` too, and must divide by it when the
    elements grow. As in PyTorch the result is outside autograd (a reinterpretation of bits
    has no derivative): it never requires grad, and writes through it are not recorded, but
    it shares ``input``'s version counter.

    >>> import arraygrad
    >>> arraygrad.tensor([1.0, -2.0]).view(arraygrad.int32).tolist()
    [1065353216, -1073741824]
    >>> arraygrad.zeros(2, 4, dtype=arraygrad.uint8).view(arraygrad.int32).shape
    arraygrad.Size([2, 1])
    """
    old, new = input.element_size(), dtype.itemsize
    if old != new:
        _check_bit_view(input, dtype, old, new)
    array = _backend.xp.bit_view(input._data, _dtype.to_xp(dtype))
    if array is None:
        raise NotImplementedError(
            f"view(dtype) reads a tensor's memory as another dtype, which arraygrad's backend "
            f"{_backend.module.__name__!r} does not expose. Fix: compute on NumPy "
            "(arraygrad.set_backend('numpy')), or convert the values with .to(dtype)."
        )
    out = input.detach()  # the same memory and version counter, outside the graph
    out._data = array
    if old > new and "_view_detached" in out.__dict__:
        # A detached expansion or overlapping windows, in smaller elements: its writes are
        # checked for elements sharing memory by their positions in the root's elements,
        # where the pieces of one element all count as that element. Right where the elements
        # repeat (the pieces of one repeat too); otherwise no check is due.
        root = input._base
        assert root is not None
        positions = _backend.memory_positions(input._data, root._data)
        if _backend.has_repeats(positions) is False:
            del out.__dict__["_view_detached"], out.__dict__["_view_steps"]
            out._base = None
    return out


def _check_bit_view(input: Tensor, dtype: _dtype.dtype, old: int, new: int) -> None:
    """PyTorch's conditions for reading ``input``'s memory as elements of another size."""
    what = (
        f"to view {_dtype.torch_type_name(input.dtype)} as {_dtype.torch_type_name(dtype)} "
        "(different element sizes)"
    )
    if input.ndim == 0:
        raise RuntimeError(
            f"self.dim() cannot be 0 {what}. Fix: view a 1-d tensor, e.g. x.reshape(1).view(...)."
        )
    ratio = max(old, new) // min(old, new)
    strides, offset, last = input.stride(), input.storage_offset(), input.shape[-1]
    fix = (
        "view a contiguous copy, x.contiguous().view(dtype), or convert the values with .to(dtype)"
    )
    if new > old and last % ratio:
        problem = f"self.size(-1) must be divisible by {ratio} {what}, but got {last}"
        fix = f"the last dimension must hold whole elements of {dtype}: slice or pad it"
    elif new > old and offset % ratio:
        problem = f"self.storage_offset() must be divisible by {ratio} {what}, but got {offset}"
        fix = "view a copy of the tensor, x.clone().view(dtype), which starts its own memory"
    elif strides[-1] != 1:
        problem = f"self.stride(-1) must be 1 {what}, but got {strides[-1]}"
    else:
        bad = [d for d, step in enumerate(strides[:-1]) if new > old and step % ratio]
        if not bad:
            return
        problem = f"self.stride({bad[0]}) must be divisible by {ratio} {what}, but got "
        problem += str(strides[bad[0]])
    raise RuntimeError(f"{problem}. Fix: {fix}.")


def _int_list(value: Any, name: str, position: int) -> list[int]:
    """``value``, a sequence of ints (PyTorch's ``SymInt[]`` argument), as a list."""
    if isinstance(value, int) and not isinstance(value, bool):
        return [int(value)]
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise TypeError(
            f"as_strided(): argument '{name}' (position {position}) must be tuple of ints, not "
            f"{type(value).__name__}. Fix: pass a list or tuple of ints."
        )
    out = []
    for item in value:
        if isinstance(item, Tensor):
            item = item.item()
        if isinstance(item, bool) or not isinstance(item, int):
            raise TypeError(
                f"as_strided(): argument '{name}' (position {position}) must be tuple of ints, "
                f"but found element of type {type(item).__name__} at pos 0. Fix: pass ints."
            )
        out.append(int(item))
    return out


def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:
    """``input`` broadcast to ``size`` without copying (``-1`` keeps a size), as ``expand``.

    >>> import arraygrad
    >>> arraygrad.broadcast_to(arraygrad.tensor([1, 2]), (2, 2)).tolist()
    [[1, 2], [1, 2]]
    """
    if not isinstance(size, Sequence):
        raise TypeError(
            f"broadcast_to(): argument 'size' (position 2) must be tuple of ints, not "
            f"{type(size).__name__}. Fix: pass a shape such as (2, 3)."
        )
    return _shape.expand(input, *_shape_arg((size,)))


def broadcast_shapes(*shapes: Any) -> Size:
    """The shape that tensors of ``shapes`` broadcast to; an int ``n`` stands for ``(n,)``.

    Aligned from the right, each size must equal the others or be 1.

    >>> import arraygrad
    >>> arraygrad.broadcast_shapes((2, 1), (3,))
    arraygrad.Size([2, 3])
    """
    given = []
    for shape in shapes:
        if not isinstance(shape, (int, Sequence)) or isinstance(shape, str):
            raise RuntimeError(
                "Input shapes should be of type ints, a tuple of ints, or a list of ints, got "
                f"{shape!r}"
            )
        given.append((int(shape),) if isinstance(shape, int) else tuple(int(n) for n in shape))
    result: list[int] = [1] * max((len(s) for s in given), default=0)
    for position, shape in enumerate(given):
        for offset, size in enumerate(reversed(shape), start=1):
            if size < 0:
                raise ValueError(
                    f"Attempting to broadcast a dimension with negative length! (argument "
                    f"{position} has shape {shape}). Fix: sizes must be >= 0."
                )
            have = result[-offset]
            if have == 1:
                result[-offset] = size
            elif size not in (1, have):
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {size} at -{offset}! "
                    f"Mismatching argument at index {position} had {shape}; but expected shape "
                    f"should be broadcastable to {result}. Fix: each size must equal the others "
                    "or be 1."
                )
    return Size(result)


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """``tensors`` expanded (without copying) to their common broadcast shape.

    >>> import arraygrad
    >>> a, b = arraygrad.broadcast_tensors(arraygrad.zeros(2, 1), arraygrad.ones(3))
    >>> tuple(a.shape), tuple(b.shape)
    ((2, 3), (2, 3))
    """
    require_tensors(tensors)
    target = broadcast_shapes(*(tuple(t.shape) for t in tensors))
    return tuple(_shape.expand(t, *target) for t in tensors)


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """Alias of :func:`arraygrad.transpose` (NumPy's name)."""
    return _shape.transpose(input, axis0, axis1)


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Alias of :func:`arraygrad.transpose`."""
    return _shape.transpose(input, dim0, dim1)


def moveaxis(input: Tensor, source: Any, destination: Any) -> Tensor:
    """Alias of :func:`arraygrad.movedim` (NumPy's name)."""
    return _shape.movedim(input, source, destination)


def ravel(input: Tensor) -> Tensor:
    """The elements as a 1-D tensor (a 0-d tensor gives shape ``(1,)``).

    >>> import arraygrad
    >>> arraygrad.ravel(arraygrad.tensor([[1, 2], [3, 4]])).tolist()
    [1, 2, 3, 4]
    """
    return ops.reshape(input, shape=(input.numel(),))


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The ``offset``-th diagonal of the matrices spanned by ``dim1`` and ``dim2``.

    ``out[..., i] = input[..., i, i + offset, ...]`` (for ``offset >= 0``): both dimensions are
    removed and the diagonal becomes the last one. ``offset > 0`` is above the main diagonal.

    As in PyTorch it is a view, so writes through it reach ``input``
    (``x.diagonal().fill_(1)``). Where the two dimensions, or the same two transposed, can be
    flattened into one without a copy (any C-ordered tensor and its transpose), it is every
    ``(cols + 1)``-th element of that flattened dimension, a view on every array library; other
    layouts (``x[::2]``, a permuted tensor whose two dimensions are not adjacent in memory)
    get a strided view on NumPy and a copy on other libraries.

    >>> import arraygrad
    >>> arraygrad.arange(9).reshape(3, 3).diagonal(1).tolist()
    [1, 5]
    >>> x = arraygrad.zeros(2, 2)
    >>> _ = x.diagonal().fill_(1.0)
    >>> x.tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    moved, _, _ = _diagonal_dims_last(input, dim1, dim2)
    view = _flat_diagonal(moved, offset)
    if view is None:  # a transposed block: the same elements are its transpose's -offset-th
        view = _flat_diagonal(_shape.transpose(moved, -2, -1), -offset)
    if view is None:
        if _backend.is_numpy:
            view = ops.diagonal_view.apply1(moved, {"offset": offset})
        else:
            view = ops.getitem(moved, key=_diagonal_key(moved, offset))
    return labelled(view, "DiagonalBackward0")


def _flat_diagonal(block: Tensor, offset: int) -> Tensor | None:
    """The ``offset``-th diagonal of ``block``'s last two dimensions as a view, when they can be
    flattened into one without a copy; else ``None``."""
    *batch, rows, cols = block.shape
    flat = (*batch, rows * cols)
    if not _backend.reshapes_as_view(block._data, flat):
        return None
    # Element (i, j) of the flattened pair is at i * cols + j: the diagonal steps one row and
    # one column at a time from its first element.
    first_row, first_col, count = _backend.diagonal_span(rows, cols, offset)
    start = first_row * cols + first_col
    step = cols + 1
    stride = slice(start, start + (count - 1) * step + 1, step) if count else slice(0, 0)
    return ops.basic_getitem(_shape.reshape(block, flat), key=(Ellipsis, stride))


def _diagonal_dims_last(input: Tensor, dim1: int, dim2: int) -> tuple[Tensor, int, int]:
    """For the diagonal of ``dim1`` and ``dim2`` (checked): ``input`` with those dimensions
    last (``input`` itself when they are already, in that order), and the two dimensions,
    normalized (to move them back). Shared by ``diagonal`` and ``diagonal_scatter``."""
    ndim = input.ndim
    first, second = normalize_dim(dim1, ndim), normalize_dim(dim2, ndim)
    if first == second:
        raise RuntimeError(
            f"diagonal dimensions cannot be identical {dim1}, {dim2}. Fix: pass two different "
            f"dimensions of the {ndim}-d input."
        )
    if (first, second) == (ndim - 2, ndim - 1):
        return input, first, second  # nothing to move: no view in between
    return _shape.movedim(input, (first, second), (-2, -1)), first, second


def _diagonal_key(block: Tensor, offset: int) -> tuple[Any, ...]:
    """The index of the ``offset``-th diagonal of ``block``'s last two dimensions."""
    rows, cols = block.shape[-2:]
    return (Ellipsis, *_backend.diagonal_indices(rows, cols, offset))


def select(input: Tensor, dim: int, index: Any) -> Tensor:
    """The slice ``input[..., index, ...]`` at ``index`` along ``dim``, that dimension removed.

    >>> import arraygrad
    >>> arraygrad.arange(6).reshape(2, 3).select(1, -1).tolist()
    [2, 5]
    """
    if input.ndim == 0:
        raise IndexError(
            "select() cannot be applied to a 0-dim tensor. Fix: index a tensor with at least "
            "one dimension."
        )
    axis = normalize_dim(dim, input.ndim)
    size = input.shape[axis]
    index = int(index)
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
            f"dimension {axis}. Fix: use an index in [{-size}, {size})."
        )
    return ops.basic_getitem(input, key=(slice(None),) * axis + (index, Ellipsis))


def narrow_copy(
    input: Tensor, dim: int, start: Any, length: int, *, out: Tensor | None = None
) -> Tensor:
    """Like :func:`arraygrad.narrow`, but a copy that does not share memory with ``input``:
    ``input[..., start:start + length, ...]`` along ``dim``.

    >>> import arraygrad
    >>> arraygrad.narrow_copy(arraygrad.arange(5), 0, 1, 3)
    tensor([1, 2, 3])
    """
    if out is not None:
        return written_exactly("narrow_copy", out, narrow_copy, input, dim, start, length)
    return ops.clone(_splitting.narrow(input, dim, start, length))


def fliplr(input: Tensor) -> Tensor:
    """Reverse the order of the columns (dimension 1) of a tensor of at least 2 dimensions.

    >>> import arraygrad
    >>> arraygrad.fliplr(arraygrad.tensor([[1, 2], [3, 4]])).tolist()
    [[2, 1], [4, 3]]
    """
    if input.ndim < 2:
        raise RuntimeError(
            f"Input must be >= 2-d. (got shape {list(input.shape)}). Fix: fliplr flips dimension "
            "1; use flip(input, [0]) for a vector."
        )
    return _shape.flip(input, (1,))


def flipud(input: Tensor) -> Tensor:
    """Reverse the order of the rows (dimension 0).

    >>> import arraygrad
    >>> arraygrad.flipud(arraygrad.tensor([1, 2, 3])).tolist()
    [3, 2, 1]
    """
    if input.ndim < 1:
        raise RuntimeError(
            "Input must be >= 1-d. (got a 0-d tensor). Fix: a 0-d tensor has no rows to flip."
        )
    return _shape.flip(input, (0,))


def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """Rotate by ``k`` quarter turns in the plane of ``dims``, from ``dims[0]`` towards
    ``dims[1]`` (counter-clockwise for a matrix); negative ``k`` turns the other way.

    >>> import arraygrad
    >>> arraygrad.rot90(arraygrad.tensor([[1, 2], [3, 4]])).tolist()
    [[2, 4], [1, 3]]
    """
    dims = tuple(dims)
    ndim = input.ndim
    if len(dims) != 2:
        raise RuntimeError(
            f"expected total rotation dims == 2, but got dims = {len(dims)} ({list(dims)}). Fix: "
            "name the two dimensions of the plane to rotate in."
        )
    if ndim < 2:
        raise RuntimeError(
            f"expected total dims >= 2, but got total dims = {ndim}. Fix: rot90 rotates in a "
            "plane of two dimensions."
        )
    a, b = normalize_dim(dims[0], ndim), normalize_dim(dims[1], ndim)
    if a == b:
        raise RuntimeError(
            f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = "
            f"{dims[1]}. Fix: name two different dimensions."
        )
    # The same sequence of flips and transposes as PyTorch, so that results match exactly.
    turns = k % 4
    if turns == 1:
        return _shape.transpose(_shape.flip(input, (b,)), a, b)
    if turns == 2:
        return _shape.flip(input, (a, b))
    if turns == 3:
        return _shape.transpose(_shape.flip(input, (a,)), a, b)
    return ops.clone(input)


def _atleast(name: str, ndim: int, tensors: tuple[Any, ...]) -> Any:
    single = len(tensors) == 1 and not isinstance(tensors[0], (list, tuple))
    items = tuple(tensors[0]) if len(tensors) == 1 and not single else tensors
    out = []
    for position, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise not_tensor_error(
                name, t, position=position, fix="wrap numbers with arraygrad.tensor()."
            )
        shape = tuple(t.shape)
        if len(shape) >= ndim:
            out.append(t)
            continue
        # 0-d -> (1,) (1, 1) (1, 1, 1); 1-d (n) -> (1, n) (1, n, 1); 2-d (m, n) -> (m, n, 1).
        if len(shape) == 0:
            padded: tuple[int, ...] = (1,) * ndim
        elif len(shape) == 1:
            padded = (1, *shape, 1)[:ndim]
        else:
            padded = (*shape, 1)
        out.append(ops.reshape(t, shape=padded))
    return out[0] if single else tuple(out)


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least one dimension (0-d becomes shape ``(1,)``); one tensor in, one
    out, several (or a list) in, a tuple out.

    >>> import arraygrad
    >>> arraygrad.atleast_1d(arraygrad.tensor(1.0)).shape
    arraygrad.Size([1])
    """
    return _atleast("atleast_1d", 1, tensors)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least two dimensions: a vector of ``n`` becomes ``(1, n)``.

    >>> import arraygrad
    >>> arraygrad.atleast_2d(arraygrad.ones(3)).shape
    arraygrad.Size([1, 3])
    """
    return _atleast("atleast_2d", 2, tensors)


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least three dimensions: ``(n,)`` becomes ``(1, n, 1)`` and
    ``(m, n)`` becomes ``(m, n, 1)``.

    >>> import arraygrad
    >>> arraygrad.atleast_3d(arraygrad.ones(2, 3)).shape
    arraygrad.Size([2, 3, 1])
    """
    return _atleast("atleast_3d", 3, tensors)
