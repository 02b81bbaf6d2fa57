"""Updating whole slices of a copy of a tensor, picked by a 1-D index along a dimension:
``index_add``, ``index_copy``, ``index_fill``, ``index_reduce``, and ``index_put`` (any
advanced-index key).

Composites of the indexing primitives like the scatters of ``_scatter``: ``index_put`` for
overwrites, ``index_add_zeros`` for sums; ``index_reduce`` is ``scatter_reduce`` with the index
spread over ``source``'s shape.
"""

from __future__ import annotations

from typing import Any

from arraygrad import (
    _autocast_flag,
    _backend,
    _dtype,
    _grad_mode,
    _inference,
    _inplace,
    _memory_overlap,
    ops,
)
from arraygrad._dims import normalize_dim
from arraygrad._indexing import _check_index_dtype, check_values, out_of_range, see_index
from arraygrad._indexing import normalize_key as _normalize_key
from arraygrad._out import written_exactly
from arraygrad._scatter import (
    _as_vector,
    _check_tensors,
    _same_dtype,
    check_reduce_kernel,
    scatter_reduce,
)
from arraygrad._setitem import _as_value, _check_values_shape, _drop_leading_ones, _indexed_shape
from arraygrad._tensor import Tensor, describe

__all__ = ["index_add", "index_copy", "index_fill", "index_put", "index_put_", "index_reduce"]


def _index_func_args(
    name: str, input: Tensor, dim: int, index: Any, source: Any
) -> tuple[int, Tensor, Tensor]:
    """PyTorch's checks of the arguments of ``index_add_`` and ``index_reduce_``, in its
    order; it makes them all before comparing memory, so an in-place call that also shares
    memory gets their error (``_inplace.apply_as``'s ``checks``). Returns the normalized dim,
    the index and the source; the index's values are checked later (:func:`_check_bounds`)."""
    _check_tensors(name, index=index, source=source)
    axis = normalize_dim(dim, input.ndim)
    if isinstance(index, Tensor) and index.ndim > 1:
        raise IndexError(
            f"{name}(): Index is supposed to be a vector, but got an index of shape "
            f"{list(index.shape)}. Fix: flatten the index."
        )
    index = _check_index_dtype(name, index)
    source = _same_dtype(name, input, source, "source")
    if axis != 0 and axis >= source.ndim:
        raise RuntimeError(
            f"{name}(): Indexing dim {axis} is out of bounds of the source tensor with dim "
            f"{source.ndim} (shape {list(source.shape)}). Fix: give source the dimensions of "
            "self."
        )
    count = index.numel()
    if source.ndim == 0 and count != 1:
        # PyTorch reads source.size(dim) of the 0-d source for its message: an IndexError
        raise IndexError(
            f"{name}(): Number of indices ({count}) should be equal to source.size(dim), but "
            "source is 0-d (one element). Fix: give source one slice per index."
        )
    if source.ndim and count != source._data.shape[axis]:
        raise RuntimeError(
            f"{name}(): Number of indices ({count}) should be equal to source.size(dim): "
            f"({source._data.shape[axis]}), for dim: {axis} (source of shape "
            f"{list(source.shape)}). Fix: give source one slice per index."
        )
    _check_source(name, input, axis, count, source)
    return axis, index, source


def _check_index_add_args(
    input: Tensor, dim: int, index: Any, source: Any, *, alpha: Any = 1
) -> None:
    """``index_add_``'s checks made before PyTorch compares memory (``apply_as``'s checks)."""
    _index_func_args("index_add_", input, dim, index, source)


def _check_index_reduce_args(
    input: Tensor,
    dim: int,
    index: Any,
    source: Any,
    reduce: str,
    *,
    include_self: bool = True,
) -> None:
    """``index_reduce_``'s checks made before PyTorch compares memory."""
    _index_reduce_args(input, dim, index, source, reduce)


def _index_reduce_args(
    input: Tensor, dim: int, index: Any, source: Any, reduce: str
) -> tuple[int, Tensor, Tensor]:
    """:func:`_index_func_args` for ``index_reduce_``, whose ``reduce`` PyTorch checks first,
    once its argument parsing has refused a non-tensor index or source (a TypeError)."""
    _check_tensors("index_reduce_", index=index, source=source)
    _check_reduce(reduce)
    return _index_func_args("index_reduce_", input, dim, index, source)


def _check_index_copy_args(input: Tensor, dim: int, index: Any, source: Any) -> None:
    """``index_copy_``'s checks made before PyTorch compares memory: only the dim's; the
    rest come after (:func:`_index_copy_args`), so an index or a source sharing memory is
    refused whatever its shape."""
    _check_tensors("index_copy_", index=index, source=source)
    normalize_dim(dim, input.ndim)


def _index_copy_args(input: Tensor, axis: int, index: Any, source: Any) -> tuple[Tensor, Tensor]:
    """PyTorch's checks of ``index_copy_``'s index and source, in its order (after the dim's
    and the memory comparison); returns them."""
    if isinstance(index, Tensor) and index.ndim > 1:
        raise IndexError(
            f"index_copy_(): Index should have dimension 1 or 0, but got an index of shape "
            f"{list(index.shape)}. Fix: flatten the index."
        )
    if isinstance(index, Tensor) and isinstance(source, Tensor):
        count = index.numel()
        if source.ndim == 0 and count != 1:
            raise IndexError(
                f"index_copy_(): When source is scalar, index should have one element (got "
                f"{count}). Fix: pass one index, or a source with one slice per index."
            )
        if source.ndim != input.ndim and source.ndim and input.ndim:
            raise IndexError(
                "index_copy_(): When source and destination are not scalars, their "
                f"dimensionality must match. Source shape {list(source.shape)}, destination "
                f"shape {list(input.shape)}. Fix: give source the dimensions of self."
            )
    if not isinstance(index, Tensor) or index.dtype is not _dtype.int64:
        got = index.dtype.name if isinstance(index, Tensor) else type(index).__name__
        raise RuntimeError(
            f"index_copy_(): Expected a long tensor for index, but got {got}. Fix: pass "
            "index.long()."
        )
    source = _same_dtype("index_copy_", input, source, "source")
    want = [n for d, n in enumerate(input._data.shape) if d != axis]
    have = [n for d, n in enumerate(source._data.shape) if d != axis]
    if want != have:
        raise RuntimeError(
            "index_copy_(): Source/destination tensor must have same slice shapes. "
            f"Destination slice shape: {want} at dimension {axis} and source slice shape: "
            f"{have} at dimension 0 (source of shape {list(source.shape)}). Fix: give source "
            "the shape of self apart from dimension dim."
        )
    count = index.numel()
    if source.ndim and count != source._data.shape[axis]:
        raise IndexError(
            f"index_copy_(): Number of indices ({count}) should be equal to source.size(dim) "
            f"({source._data.shape[axis]}). Fix: give source one slice per index."
        )
    return index, source


def _check_index_fill_args(input: Tensor, dim: int, index: Any, value: Any) -> None:
    """``index_fill_``'s checks made before PyTorch compares memory: the value's, then the
    index's dtype (int64 only); its dim and the index's dimensions come after."""
    _check_tensors("index_fill_", index=index)
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(
            "index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value.ndim} dimension(s). Fix: pass a number or a 0-d tensor."
        )
    complex_value = (
        value.dtype.is_complex if isinstance(value, Tensor) else value.__class__ is complex
    )
    if complex_value and not input.dtype.is_complex:
        raise RuntimeError(
            "index_fill_(): Converting complex Scalar to non-complex type is not supported: "
            f"the value {value!r} into a {describe(input)}. Fix: pass value.real."
        )
    if not isinstance(index, Tensor) or index.dtype is not _dtype.int64:
        got = index.dtype.name if isinstance(index, Tensor) else type(index).__name__
        raise IndexError(
            f"index_fill_(): Expected dtype int64 for index, got {got}. Fix: pass index.long()."
        )


def _check_bounds(
    name: str, input: Tensor, axis: int, index: Tensor, *, negative: bool = False
) -> Any:
    """Check an index's values along ``axis`` (PyTorch does last, after comparing memory);
    return the index as a raw vector.

    Only ``index_fill`` reads negative indices from the end (``negative=True``); PyTorch's
    other index_* kernels reject them like any index out of range, with IndexError (with
    RuntimeError for ``index_add`` on more than one dimension)."""
    see_index(index)
    size = input._data.shape[axis] if input.ndim else 1
    xp = _backend.xp
    raw = xp.reshape(index._data, (-1,))  # an array, not a tensor: no graph node to make
    if raw.shape[0]:
        # (a step of arraygrad.compile's program: read into Python during a trace, the values
        # made every step that called index_add, index_copy or index_fill run eagerly)
        check_values(_raise_out_of_bounds, name, input.ndim, raw, axis, size, negative)
    return raw


def _raise_out_of_bounds(
    name: str, ndim: int, raw: Any, axis: int, size: int, negative: bool
) -> None:
    lowest = -size if negative else 0
    bad = out_of_range(raw, lowest, size)
    if bad is not None:
        error = RuntimeError if name == "index_add_" and ndim > 1 else IndexError
        if size == 0 and name in ("index_fill_", "index_copy_"):
            error = RuntimeError  # PyTorch fails allocating the write, not checking it
        raise error(
            f"{name}(): index {bad} is out of bounds for dimension {axis} with size {size}. "
            f"Fix: keep indices in [{lowest}, {size})."
        )


def _check_source(name: str, input: Tensor, axis: int, count: int, source: Tensor) -> None:
    want = list(input._data.shape)
    if input.ndim:
        want[axis] = count
    if input.ndim == 0 and source.ndim == 1 and tuple(source.shape) == (count,):
        return
    if list(source._data.shape) != want:
        raise RuntimeError(
            f"{name}(): source tensor shape must match self tensor shape, excluding the "
            f"specified dimension: source must have the shape {want} of self with the number "
            f"of indices ({count}) at dim {axis}, got source of shape {list(source.shape)}. "
            "Fix: give source one slice of self's shape per index."
        )


def _slices_key(input: Tensor, axis: int, raw: Any) -> tuple[Any, ...]:
    return (slice(None),) * axis + (raw, Ellipsis)


def index_add(
    input: Tensor,
    dim: int,
    index: Tensor,
    source: Tensor,
    *,
    alpha: Any = 1,
    out: Tensor | None = None,
) -> Tensor:
    """``input`` with ``alpha * source[i]`` added to the slice ``index[i]`` along ``dim``;
    repeated indices accumulate.

    >>> import arraygrad
    >>> x = arraygrad.zeros(3)
    >>> x.index_add(0, arraygrad.tensor([0, 2, 0]), arraygrad.tensor([1.0, 2.0, 3.0])).tolist()
    [4.0, 0.0, 2.0]
    """
    if out is not None:
        return written_exactly("index_add", out, index_add, input, dim, index, source, alpha=alpha)
    axis, index, source = _index_func_args("index_add_", input, dim, index, source)
    raw = _check_bounds("index_add_", input, axis, index)
    if _grad_mode.inference_used:  # (input's gradient does not read it: only source's)
        _inference.check_kept(index, "the index of index_add", source)
    if input.dtype.is_complex:
        if alpha != 1:  # (the complex product, whose rule conjugates a complex alpha)
            source = ops.complex_ops.multiply(source, complex(alpha))
    else:
        if not input.dtype.is_floating_point:
            alpha = _integer_alpha(input, alpha)
        elif input.dtype in _dtype.REDUCED_FLOATS:  # (float32's check comes with the product)
            alpha = _dtype.checked_scalar(alpha, input.dtype)
        if alpha is not True and alpha != 1:
            source = ops.multiply(source, alpha)
    if input.ndim == 0:
        added = ops.index_add_zeros(_as_vector(source), shape=(1,), key=(raw,))
        return ops.add(input, ops.reshape(added, shape=()))
    shape = tuple(input._data.shape)
    return ops.add(
        input, ops.index_add_zeros(source, shape=shape, key=_slices_key(input, axis, raw))
    )


def _integer_alpha(input: Tensor, alpha: Any) -> Any:
    """``alpha`` converted to ``input``'s integer or bool dtype, as PyTorch does before adding:
    truncated toward zero (2.5 adds twice the source), and an error where it does not fit."""
    if input.dtype == _dtype.bool_:
        return bool(alpha)
    value = int(alpha)
    info = _backend.xp.iinfo(input._data.dtype)
    if not info.min <= value <= info.max:
        raise RuntimeError(
            "index_add_(): value cannot be converted to type "
            f"{_dtype.overflow_type_name(input.dtype)} without "
            f"overflow: alpha={alpha!r} is outside [{info.min}, {info.max}]. Fix: pass an alpha "
            "that fits the input's dtype, or convert the input to a wider dtype first."
        )
    return value


def index_copy(
    input: Tensor, dim: int, index: Tensor, source: Tensor, *, out: Tensor | None = None
) -> Tensor:
    """``input`` with its slice ``index[i]`` along ``dim`` replaced by ``source[i]``.

    >>> import arraygrad
    >>> x = arraygrad.zeros(2, 2)
    >>> x.index_copy(1, arraygrad.tensor([1]), arraygrad.ones(2, 1)).tolist()
    [[0.0, 1.0], [0.0, 1.0]]
    """
    if out is not None:
        return written_exactly("index_copy", out, index_copy, input, dim, index, source)
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts index_copy to the widest dtype
        from arraygrad.amp import _casts

        return _casts.widest(index_copy, input, dim, index, source)
    _check_index_copy_args(input, dim, index, source)
    axis = normalize_dim(dim, input.ndim)
    index, source = _index_copy_args(input, axis, index, source)
    raw = _check_bounds("index_copy_", input, axis, index)
    if _grad_mode.inference_used:
        _inference.check_kept(index, "the index of index_copy", input, source)
    if input.ndim == 0:
        put = ops.index_put(_as_vector(input), _as_vector(source), key=(raw,))
        return ops.reshape(put, shape=())
    return ops.index_put(input, source, key=_slices_key(input, axis, raw))


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """``input`` with every slice ``index[i]`` along ``dim`` set to ``value`` (a number or a
    0-d tensor, which then gets the summed gradient of the places it fills).

    >>> import arraygrad
    >>> arraygrad.zeros(2, 2).index_fill(0, arraygrad.tensor([1]), 5.0).tolist()
    [[0.0, 0.0], [5.0, 5.0]]
    """
    _check_index_fill_args(input, dim, index, value)
    axis = normalize_dim(dim, input.ndim)
    if index.ndim > 1:
        raise RuntimeError(
            f"index_fill_(): Index has to be a vector/scalar, but got an index of shape "
            f"{list(index.shape)}. Fix: flatten the index."
        )
    raw = _check_bounds("index_fill_", input, axis, index, negative=True)
    value = _as_value(input, value)
    if _grad_mode.inference_used:
        _inference.check_kept(index, "the index of index_fill", input, value)
    if input.ndim == 0:
        return ops.reshape(ops.index_put(_as_vector(input), value, key=(raw,)), shape=())
    return ops.index_put(input, value, key=_slices_key(input, axis, raw))


def index_put(input: Tensor, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
    """``input`` with ``input[indices] = values`` (``+=`` with ``accumulate=True``, where
    repeated indices accumulate); ``indices`` is a tuple of index tensors.

    >>> import arraygrad
    >>> x = arraygrad.zeros(3)
    >>> x.index_put((arraygrad.tensor([0, 0]),), arraygrad.ones(2), accumulate=True).tolist()
    [2.0, 0.0, 0.0]
    """
    # PyTorch writes a one-element value through one mask with masked_fill_, which converts
    # it to input's dtype (and refuses a uint8 mask, whatever the value's dtype)
    filling = (
        isinstance(values, Tensor)
        and not accumulate
        and values.numel() == 1
        and _memory_overlap.masked_fill_mask(tuple(input._data.shape), tuple(indices)) is not None
    )
    if not isinstance(values, Tensor) or values.dtype is not input.dtype:
        if not filling:
            got = values.dtype.name if isinstance(values, Tensor) else type(values).__name__
            raise RuntimeError(
                "Index put requires the source and destination dtypes match, got "
                f"{input.dtype.name} for the destination and {got} for the source. Fix: "
                "convert values with .to(input.dtype)."
            )
        values = ops.astype(values, input.dtype)
    key = _normalize_key(tuple(indices))
    xp = _backend.xp
    try:
        target = xp.getitem(input._data, key)
    except IndexError as error:
        # PyTorch compares the values' shape with the indexed shape before it reads the
        # indices' values: a value of the wrong shape is that error, not the index's.
        shape = _indexed_shape(input, key)
        if shape is not None:
            _check_values_shape(values, shape)
        raise IndexError(
            f"{error} (index_put on a tensor of shape {list(input.shape)}). Fix: keep every "
            "index within [-size, size) of its dimension."
        ) from None
    values = _drop_leading_ones(values, target.ndim)
    _check_values_shape(values, tuple(target.shape))
    if _grad_mode.inference_used:
        _inference.check_kept(tuple(indices), "an index of index_put", input, values)
    if not accumulate:
        return ops.index_put(input, values, key=key)
    spread = ops.broadcast_to(values, shape=tuple(target.shape))
    return ops.add(input, ops.index_add_zeros(spread, shape=tuple(input._data.shape), key=key))


def index_put_(input: Tensor, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
    """In place: :func:`index_put`, written into ``input``'s memory.

    >>> import arraygrad
    >>> x = arraygrad.zeros(3)
    >>> arraygrad.index_put_(x, (arraygrad.tensor([1]),), arraygrad.tensor(4.0)).tolist()
    [0.0, 4.0, 0.0]
    """
    # As for x[index] = values: values or indices sharing memory with input are refused, as
    # in PyTorch (checked here; the write itself compares nothing more).
    _memory_overlap.check_index_put(input, tuple(indices), values, accumulate=accumulate)
    return _inplace.apply_as(
        _memory_overlap.UNCHECKED, input, index_put, indices, values, accumulate
    )


def _check_reduce(reduce: str) -> None:
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(
            "index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got "
            f"{reduce!r}. Fix: for a sum use index_add."
        )


def index_reduce(
    input: Tensor,
    dim: int,
    index: Tensor,
    source: Tensor,
    reduce: str,
    *,
    include_self: bool = True,
    out: Tensor | None = None,
) -> Tensor:
    """``input`` with the slices ``source[i]`` reduced into the slice ``index[i]`` along
    ``dim``; ``reduce`` is ``'prod'``, ``'mean'``, ``'amax'`` or ``'amin'`` (see
    :func:`scatter_reduce`, which this is with ``index`` spread over ``source``'s shape).

    >>> import arraygrad
    >>> x = arraygrad.full((2,), 2.0)
    >>> x.index_reduce(0, arraygrad.tensor([0, 0]), arraygrad.tensor([3.0, 4.0]), "prod").tolist()
    [24.0, 2.0]
    """
    if out is not None:
        return written_exactly(
            "index_reduce",
            out,
            index_reduce,
            input,
            dim,
            index,
            source,
            reduce,
            include_self=include_self,
        )
    axis, index, source = _index_reduce_args(input, dim, index, source, reduce)
    raw = _check_bounds("index_reduce_", input, axis, index)
    # (PyTorch's kernels: a floor division for the mean, maximum and minimum for the others)
    kernel = {"mean": "div_floor_cpu", "amax": "maximum_cpu", "amin": "minimum_cpu"}
    check_reduce_kernel(input, reduce, kernel.get(reduce, ""))
    if _grad_mode.inference_used:
        _inference.check_kept(index, "the index of index_reduce", input, source)
    if input.ndim == 0:
        flat = index_reduce(
            _as_vector(input), 0, index, _as_vector(source), reduce, include_self=include_self
        )
        return ops.reshape(flat, shape=())
    xp = _backend.xp
    view = [1] * source.ndim
    view[axis] = raw.shape[0]
    spread = xp.broadcast_to(xp.reshape(raw, tuple(view)), tuple(source._data.shape))
    full_index = Tensor._wrap(xp.asarray(spread, copy=True), False)
    return scatter_reduce(input, axis, full_index, source, reduce, include_self=include_self)
