"""Indexing with PyTorch's rules: ``x[key]``, gather, take, masks (``x[key] = v`` is in
:mod:`arraygrad._setitem`).

Every function here reads or writes elements chosen by an index and is built on three
primitives: ``basic_getitem`` (ints, slices, ``None``, ``...``: a view), ``getitem`` (integer or
boolean arrays in the key: a copy) and their adjoints ``index_add_zeros`` / ``index_put``. An
index "along a dimension" (gather, the indices of ``max``/``sort``) becomes a full advanced-index
key whose other entries are broadcast ``arange``s, so the VJP of every gather-type op is the
scatter-add of ``index_add_zeros`` (repeated indices accumulate).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

from arraygrad import _backend, _dtype, _grad_mode, _inference, ops
from arraygrad._dims import normalize_dim
from arraygrad._out import written_exactly
from arraygrad._primitive import labelled, labelled_result
from arraygrad._tensor import Tensor, c_ordered_result

__all__ = [
    "gather",
    "index_select",
    "masked_fill",
    "take",
    "take_along_dim",
]


# The classes of the parts of a basic key that normalize_key passes through as they are.
_BASIC_PARTS = frozenset((int, bool, slice, type(None), type(Ellipsis)))


def _is_basic(key: Any) -> bool:
    parts = key if isinstance(key, tuple) else (key,)
    return all(isinstance(p, (int, slice, type(None), type(Ellipsis))) for p in parts)


def _index_part(part: Any, write: tuple[Tensor, Any, Any] | None = None) -> Any:
    if isinstance(part, Tensor):
        see_index(part)
        if part.dtype.is_floating_point:
            raise IndexError(
                "tensors used as indices must be long, int, byte or bool tensors, got a "
                f"{part.dtype.name} tensor. Fix: convert it with .long() (or build a bool mask)."
            )
        if part.dtype is _dtype.uint8:
            if write is not None:
                from arraygrad._setitem import check_uint8_fill  # the writes build on this module

                check_uint8_fill(*write)
            # PyTorch still reads a uint8 index as a mask, with this warning.
            warnings.warn(
                "indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                "torch.bool instead. Fix: index with mask.bool().",
                UserWarning,
                stacklevel=5,  # the caller of x[key], x[key] = v or x.index_put(...)
            )
            return _backend.xp.astype(part._data, _backend.xp.bool)
        return part._data
    if isinstance(part, list):
        from arraygrad._creation import tensor

        return _index_part(tensor(part))
    if isinstance(part, bool):  # x[True] is x[None]; NumPy reads it the same way
        return part
    return part


def see_index(index: Tensor) -> None:
    """Under ``arraygrad.compile``, register an index tensor (a key, gather's index, a loss's
    target) whose array the caller reads directly: one from outside the function (a captured
    permutation, a module buffer, fixed labels) is then read from it on each replay. Unseen,
    its array was a constant of the program, and a replay kept using it after
    ``index.data = ...`` gave the tensor another."""
    tracer = _backend.tracer
    if tracer is not None:
        tracer.see_index(index)


def _list_key(key: list[Any]) -> Any:
    """A list key as PyTorch reads it: as a tuple of indices where it has fewer than 32 items
    and one is a tensor, a sequence, a slice, ``None`` or ``...`` (NumPy's old rule:
    ``x[[[0], [1]]]`` is ``x[[0], [1]]``); as one index otherwise."""
    if len(key) < 32 and any(
        isinstance(part, (Tensor, list, tuple, slice))
        or _backend.is_array(part)
        or part is None
        or part is Ellipsis
        for part in key
    ):
        warnings.warn(
            "Using a non-tuple sequence for multidimensional indexing is deprecated and will "
            "be changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 "
            "this will be interpreted as tensor index, x[torch.tensor(seq)], which will result "
            "either in an error or a different result",
            UserWarning,
            stacklevel=4,  # the caller of x[key] or x[key] = v
        )
        return tuple(key)
    return key


def normalize_key(key: Any, write: tuple[Tensor, Any, Any] | None = None) -> Any:
    """``key`` with tensors and lists replaced by arrays of the backend. ``write``: the target,
    key and value of ``target[key] = value``, which a uint8 mask in the key checks first
    (:func:`arraygrad._setitem.check_uint8_fill`; checked there, where the dtype is read
    anyway, so that other writes pay nothing)."""
    if isinstance(key, tuple):
        return tuple(_index_part(p, write) for p in key)
    return _index_part(key, write)


def saved_indices(key: Any) -> list[Tensor]:
    """The index tensors of ``key`` that PyTorch's indexing saves for backward: all but the
    0-d ones, which it reads as an int (a ``select``) or a bool (``None`` or an empty slice)."""
    parts = key if isinstance(key, tuple) else (key,)
    return [part for part in parts if isinstance(part, Tensor) and part.ndim]


def _index_error(input: Tensor, key: Any, error: Exception) -> IndexError:
    return IndexError(
        f"{error} (indexing a tensor of shape {list(input._data.shape)}). Fix: keep every "
        "index within [-size, size) of its dimension and make boolean masks match the shape of "
        "the dimensions they index."
    )


def getitem(input: Tensor, key: Any) -> Tensor:
    """``input[key]`` with ints, slices, ``None``, ``...``, integer and boolean index tensors.

    Basic keys give a view; keys with index tensors give a copy whose gradient is scattered
    back with repeated indices accumulating.

    >>> import arraygrad
    >>> x = arraygrad.arange(6.0).reshape(2, 3)
    >>> x[1, ::2].tolist(), x[:, [0, 0]].tolist()
    ([3.0, 5.0], [[0.0, 0.0], [3.0, 3.0]])
    """
    if key.__class__ is int:  # x[i], the commonest key (not a bool: x[True] is x[None])
        shape = input._data.shape
        if shape and -shape[0] <= key < shape[0]:
            return ops.basic_getitem.apply1(input, {"key": key})
    elif key.__class__ is slice:  # x[a:b]: nothing to convert; only a step to check
        if key.step is None and input._data.shape:
            return ops.basic_getitem.apply1(input, {"key": key})
    elif key.__class__ is tuple and all(part.__class__ in _BASIC_PARTS for part in key):
        _check_bounds(input, key)  # (x[:, 0]: nothing to convert either)
        return ops.basic_getitem.apply1(input, {"key": key})
    if key.__class__ is list:
        key = _list_key(key)
    given = key
    key = normalize_key(key)
    if _is_basic(key):
        _check_bounds(input, key)
        return ops.basic_getitem(input, key=key)
    if _grad_mode.inference_used:
        _inference.check_kept(saved_indices(given), "an index", input)
    try:
        return ops.getitem(input, key=key)
    except IndexError as error:
        raise _index_error(input, key, error) from None


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
        if isinstance(part, slice) and part.step is not None and part.step <= 0:
            raise ValueError(
                f"step must be greater than zero, got {part.step} (PyTorch has no negative "
                "slice steps). Fix: use .flip(dim) to reverse a dimension."
            )
        if isinstance(part, int):
            if dim >= len(shape):
                raise IndexError(
                    f"too many indices for tensor of dimension {len(shape)} (shape {list(shape)})"
                    f". Fix: index with at most {len(shape)} indices (use ... or :"
                    " for the dimensions to keep)."
                )
            if not -shape[dim] <= part < shape[dim]:
                raise IndexError(
                    f"index {part} is out of bounds for dimension {dim} with size {shape[dim]}"
                    f". Fix: keep the index in [-{shape[dim]}, {shape[dim] - 1}]."
                )
        dim += 1
    if dim > len(shape):
        raise IndexError(
            f"too many indices for tensor of dimension {len(shape)} (shape {list(shape)})"
            f". Fix: index with at most {len(shape)} indices (use ... or :"
            " for the dimensions to keep)."
        )


def along_key(index: Any, dim: int) -> tuple[Any, ...]:
    """The advanced-index key that picks ``x[..., index[...], ...]`` along ``dim``.

    For ``out[i][j] = x[i][index[i][j]]`` (``dim=1``) the key is ``(arange(n)[:, None], index)``:
    ``arange`` on every other dimension, broadcast against ``index``.
    """
    xp = _backend.xp
    shape = tuple(index.shape)
    parts: list[Any] = []
    for d, size in enumerate(shape):
        if d == dim:
            parts.append(index)
        else:
            view = [1] * len(shape)
            view[d] = size
            parts.append(xp.reshape(xp.arange(size), tuple(view)))
    return tuple(parts)


def one_element_as_vector(x: Tensor) -> Tensor:
    """``x`` as a vector of one element where it is 0-d (a scatter's index or src, which
    PyTorch reads so); ``x`` itself otherwise."""
    return ops.reshape(x, shape=(1,)) if x.ndim == 0 else x


def take_along(input: Tensor, index: Any, dim: int) -> Tensor:
    """``input`` gathered along ``dim`` at the raw integer array ``index`` (same ndim)."""
    return ops.getitem(input, key=along_key(index, dim))


def _check_index_dtype(name: str, index: Any) -> Tensor:
    if not isinstance(index, Tensor) or index.dtype not in (_dtype.int64, _dtype.int32):
        got = index.dtype.name if isinstance(index, Tensor) else type(index).__name__
        raise RuntimeError(
            f"{name}(): Expected dtype int32/int64 for index, got {got}. Fix: pass an integer "
            "tensor, e.g. index.long()."
        )
    return index


def _check_along(
    name: str, input: Tensor, dim: int, index: Tensor, src: Any = None, *, bounds: bool = True
) -> int:
    """Validate a gather/scatter index as PyTorch does; return the normalized ``dim``.
    ``bounds=False``: its shape only, not its values (a scatter reads them later)."""
    see_index(index)
    shape = tuple(input._data.shape)
    ishape = tuple(index._data.shape)
    axis = normalize_dim(dim, len(shape))
    if len(ishape) != len(shape) and not (len(ishape) <= 1 and len(shape) <= 1):
        raise RuntimeError(
            f"Index tensor must have the same number of dimensions as input tensor: {name}() "
            f"got index of shape {list(ishape)} for input of shape {list(shape)}."
            f" Fix: give the index {len(shape)} dimensions (e.g. "
            "index.unsqueeze or expand it to the input's rank)."
        )
    # A 0-d src counts as one element in every dimension (PyTorch's ensure_nonempty_size).
    src_shape = tuple(src.shape) if src is not None else ()
    for d, (have, size) in enumerate(zip(ishape, shape, strict=False)):
        if d != axis and have > size:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(ishape)} to be no "
                f"larger than self {list(shape)} apart from dimension {axis}"
                ". Fix: make the index no larger than the input in every "
                f"dimension except {axis}."
            )
        if src is not None and src_shape and d >= len(src_shape):  # src.size(d) is read first
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-len(src_shape)}, "
                f"{len(src_shape) - 1}], but got {d}): {name}() got index of shape "
                f"{list(ishape)} for src of shape {list(src.shape)}. Fix: give src the "
                "index's number of dimensions."
            )
        if src is not None and have > (src_shape[d] if src_shape else 1):
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(ishape)} to be no "
                f"larger than src {list(src.shape)}"
                ". Fix: make the index no larger than src in every dimension."
            )
    if src is not None and max(len(src_shape), 1) != max(len(ishape), 1):
        raise RuntimeError(
            f"Index tensor must have the same number of dimensions as src tensor: {name}() "
            f"got index of shape {list(ishape)} for src of shape {list(src.shape)}."
            " Fix: give the index and src the same number of dimensions."
        )
    if bounds and index.numel():
        check_values(_raise_out_of_bounds, name, index._data, axis, shape[axis] if shape else 1)
    return axis


def check_values(check: Callable[..., None], *arguments: Any) -> None:
    """Run ``check(*arguments)``, a validation of array values that raises on bad ones (an
    index out of bounds). Under ``arraygrad.compile`` it is a step of the recorded program, so
    that each replay checks its own call's values: the check reads them into Python, which a
    trace cannot replay, and a training step that gathered or selected by index ran eagerly."""
    tracer = _backend.tracer
    if tracer is None:
        check(*arguments)
    else:
        tracer.call(check, arguments)


def out_of_range(index: Any, lowest: int, size: int) -> int | None:
    """The index PyTorch's bounds checks name when ``index`` (a non-empty integer array) has
    one outside ``[lowest, size)``: the largest where one is too large, else the smallest;
    ``None`` when all are in range. Two reductions, where a mask would take a pass and a
    search."""
    xp = _backend.xp
    low, high = _backend.item(xp.min(index)), _backend.item(xp.max(index))
    if high >= size:
        return int(high)
    return int(low) if low < lowest else None


def _raise_out_of_bounds(name: str, index: Any, axis: int, limit: int) -> None:
    """PyTorch's refusal of an index outside ``[0, limit)`` along ``axis``: gather reads no
    negative index (``take_along_dim`` with a ``dim`` wraps them before it gathers)."""
    bad = out_of_range(index, 0, limit)
    if bad is not None:
        raise RuntimeError(
            f"{name}(): index {bad} is out of bounds for dimension {axis} with size {limit}"
            f". Fix: keep indices in [-{limit}, {limit - 1}]."
        )


@labelled_result("GatherBackward0")
def gather(
    input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False, out: Tensor | None = None
) -> Tensor:
    """``out[i][j] = input[i][index[i][j]]`` for ``dim=1`` (likewise for other dims).

    The gradient is scattered back to ``input``, accumulating where an index repeats.

    >>> import arraygrad
    >>> x = arraygrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> arraygrad.gather(x, 1, arraygrad.tensor([[0, 0], [1, 0]])).tolist()
    [[1.0, 1.0], [4.0, 3.0]]
    """
    if out is not None:
        return written_exactly("gather", out, gather, input, dim, index, sparse_grad=sparse_grad)
    index = _check_index_dtype("gather", index)
    axis = _check_along("gather", input, dim, index)
    if _grad_mode.inference_used:
        _inference.check_kept(index, "the index of gather", input)
    if input.ndim == 0 or index.ndim == 0:
        # A scalar gathers like a 1-element vector, and a 0-d index is one element: the
        # result has the index's shape.
        flat = take_along(ops.reshape(input, shape=(-1,)), ops.reshape(index, shape=(-1,))._data, 0)
        return ops.reshape(flat, shape=tuple(index._data.shape))
    return take_along(input, index._data, axis)


def take_along_dim(
    input: Tensor, indices: Tensor, dim: int | None = None, *, out: Tensor | None = None
) -> Tensor:
    """Like :func:`gather` with ``input`` and ``indices`` broadcast against each other (except
    along ``dim``); with ``dim=None`` both are flattened first.

    It picks the values that ``argmax(..., keepdim=True)`` or ``argsort`` indices point to.

    >>> import arraygrad
    >>> x = arraygrad.tensor([[10, 30, 20], [60, 40, 50]])
    >>> arraygrad.take_along_dim(x, arraygrad.argmax(x, dim=1, keepdim=True), dim=1)
    tensor([[30],
            [60]])
    """
    if out is not None:
        return written_exactly("take_along_dim", out, take_along_dim, input, indices, dim)
    if dim is None:
        return gather(ops.reshape(input, shape=(-1,)), 0, ops.reshape(indices, shape=(-1,)))
    if input.ndim != indices.ndim:
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of "
            f"dimensions, but got {input.ndim} dimensions for input, and {indices.ndim} "
            "dimensions for indices. Fix: unsqueeze the indices (or use dim=None)."
        )
    axis = normalize_dim(dim, input.ndim)
    shape = list(input._data.shape)
    ishape = list(indices._data.shape)
    shape[axis] = ishape[axis] = 1
    xp = _backend.xp
    common = list(xp.broadcast_shapes(tuple(shape), tuple(ishape)))
    in_shape, idx_shape = list(common), list(common)
    in_shape[axis] = input._data.shape[axis]
    idx_shape[axis] = indices._data.shape[axis]
    from arraygrad._shape import expand

    # PyTorch's take_along_dim along a dim reads -k as size - k (gather refuses it)
    size = input._data.shape[axis]
    indices = indices.where(indices >= 0, indices + size)
    return gather(expand(input, *in_shape), axis, expand(indices, *idx_shape))


@c_ordered_result
def index_select(input: Tensor, dim: int, index: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The slices of ``input`` at positions ``index`` (1-D, int64 or int32) along ``dim``; repeats
    allowed. A copy: ``input[..., index, ...]``.

    The gradient of a repeated position is the sum over its repeats.

    >>> import arraygrad
    >>> x = arraygrad.tensor([[1, 2], [3, 4], [5, 6]])
    >>> arraygrad.index_select(x, 0, arraygrad.tensor([2, 0, 2]))
    tensor([[5, 6],
            [1, 2],
            [5, 6]])
    """
    if out is not None:
        return written_exactly("index_select", out, index_select, input, dim, index)
    if not isinstance(index, Tensor) or index.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError(
            "index_select(): Expected dtype int32 or int64 for index. Fix: pass index.long()."
        )
    if index.ndim > 1:
        raise IndexError(
            f"index_select(): Index is supposed to be a vector, got shape {list(index.shape)}"
            ". Fix: pass a 1-D index (e.g. index.flatten())."
        )
    axis = normalize_dim(dim, input.ndim)
    if _grad_mode.inference_used:
        _inference.check_kept(index, "the index of index_select", input)
    flat = ops.reshape(index, shape=(-1,))
    if flat.numel():
        check_values(_raise_for_selection, flat._data, axis, tuple(input._data.shape))
    if input.ndim == 0:
        if flat.numel() != 1:
            raise RuntimeError(
                f"index_select(): Index to scalar can have only 1 value, got {flat.numel()} "
                "value(s): a 0-d input has one element to select. Fix: pass a one-element "
                "index, e.g. torch.tensor([0])."
            )
        # (PyTorch's selection from a 0-d tensor is 0-d too)
        return ops.reshape(ops.getitem(ops.reshape(input, shape=(1,)), key=(flat._data,)), shape=())
    return ops.getitem(input, key=(slice(None),) * axis + (flat._data, Ellipsis))


def _raise_for_selection(index: Any, axis: int, shape: tuple[int, ...]) -> None:
    """index_select's refusal of an index outside ``[0, size)`` along ``axis``."""
    size = shape[axis] if shape else 1
    bad = out_of_range(index, 0, size)
    if bad is not None and not size and len(shape) > 1:
        raise RuntimeError(
            f"index_select(): self indexing axis dim should be positive: dimension {axis} of "
            f"the input (shape {list(shape)}) is empty, so index {bad} selects nothing. Fix: "
            "select with an empty index, or from a non-empty dimension."
        )
    if bad is not None:
        # PyTorch's kernel for selecting whole rows (dim 0, non-empty rows) raises
        # IndexError; its general kernel raises RuntimeError.
        rows = math.prod(shape[1:])
        error = IndexError if axis == 0 and rows > 0 else RuntimeError
        raise error(
            f"index out of range in self: index_select() got index {bad} for dimension "
            f"{axis} of size {size} (input shape {list(shape)})"
        )


@c_ordered_result
def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``input`` with ``value`` where the boolean ``mask`` (broadcast to ``input``) is True.

    ``value`` (a number or a 0-d tensor) is converted to ``input``'s dtype; the filled elements get
    zero gradient, and a 0-d tensor ``value`` gets the sum of theirs.

    >>> import arraygrad
    >>> x = arraygrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> arraygrad.masked_fill(x, arraygrad.tensor([True, False]), 0.0)
    tensor([[0., 2.],
            [0., 4.]])
    """
    if not isinstance(mask, Tensor) or mask.dtype is not _dtype.bool_:
        got = mask.dtype.name if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(
            f"masked_fill_ only supports boolean masks, but got mask with dtype {got}. Fix: "
            "build the mask with a comparison (x > 0) or convert it with .bool()."
        )
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value.ndim} dimension(s)."
                " Fix: pass a Python number or a 0-dim tensor (e.g. "
                "value.item() or value.reshape(()))."
            )
        if value.dtype is not input.dtype:
            if value.dtype.is_complex and not input.dtype.is_complex:
                # PyTorch reads the value as a number: an imaginary part is refused (rare: the
                # read of the value is paid only here)
                _dtype.checked_scalar(value.item(), input.dtype)
            value = ops.astype(value, input.dtype)
    elif input.dtype.is_floating_point:
        value = float(_dtype.checked_scalar(value, input.dtype))
    elif input.dtype.is_complex:
        value = complex(value)
    else:
        value = (
            bool(value)
            if input.dtype is _dtype.bool_
            else int(_dtype.checked_scalar(value, input.dtype))
        )
    shape = tuple(input._data.shape)
    try:  # the out-of-place op broadcasts input and mask against each other, as PyTorch does
        _backend.xp.broadcast_shapes(tuple(mask._data.shape), shape)
    except ValueError:
        raise RuntimeError(
            f"The size of the mask {list(mask.shape)} does not broadcast with the shape of the "
            f"input {list(shape)} in masked_fill. Fix: reshape or unsqueeze the mask."
        ) from None
    # PyTorch's overloads: a number is MaskedFillBackward0, a tensor MaskedFillBackward1.
    name = "MaskedFillBackward1" if isinstance(value, Tensor) else "MaskedFillBackward0"
    if not isinstance(value, Tensor):
        value = _backend.xp.asarray(value, dtype=input._data.dtype)
    return labelled(ops.where(mask, value, input), name)


# take: indexing the flattened tensor.


def take(input: Tensor, index: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``input.flatten()[index]``: elements of ``input`` read as a 1-D tensor (row-major), in
    the shape of ``index``; negative indices count from the end.

    >>> import arraygrad
    >>> x = arraygrad.tensor([[1, 2], [3, 4]])
    >>> arraygrad.take(x, arraygrad.tensor([[0, -1]])).tolist()
    [[1, 4]]
    """
    if out is not None:
        return written_exactly("take", out, take, input, index)
    if not isinstance(index, Tensor) or index.dtype is not _dtype.int64:
        got = _dtype.torch_type_name(index.dtype) if isinstance(index, Tensor) else "non-tensor"
        raise RuntimeError(
            f"take(): Expected a long tensor for index, but got {got}. Fix: pass index.long()."
        )
    see_index(index)
    if _grad_mode.inference_used:
        _inference.check_kept(index, "the index of take", input)
    count = input.numel()
    flat = ops.reshape(input, shape=(count,))
    if index.numel():
        if count == 0:
            raise IndexError(
                f"take(): tried to take from an empty tensor (shape {list(input.shape)})"
                ". Fix: take from a non-empty tensor, or pass an empty index."
            )
        # (a step of arraygrad.compile's program: read into Python during a trace, the values
        # made every step that called take run eagerly)
        check_values(_raise_for_take, index._data, count)
    return ops.getitem(flat, key=(index._data,))


def _raise_for_take(index: Any, count: int) -> None:
    """take's refusal of an index outside ``[-count, count)``."""
    bad = out_of_range(index, -count, count)
    if bad is not None:
        raise IndexError(
            f"out of range: tried to access index {bad} on a tensor of {count} elements. "
            f"Fix: keep indices in [{-count}, {count})."
        )
