"""Writing into a copy of a tensor at indices: ``scatter``, ``scatter_reduce``,
``masked_scatter`` and ``put`` (the ``index_*`` family is in ``_index_updates``).

Every function is a composite of the indexing primitives (``index_put`` for overwrites,
``index_add_zeros`` for sums), so the gradients follow PyTorch's: an overwritten element of
``input`` gets none, and each element of ``src`` gets the gradient of the place it was written
to, also when several elements are written to the same place. The in-place ``X_`` forms are
Tensor methods that run these through ``_inplace.apply``.

The maximum and minimum reductions find their winners with a stable sort and build the
result from them (ties share the gradient evenly, as in PyTorch). The product sorts the
values by destination into the rows of a matrix padded with ones and reduces it with ``prod``
(its memory is the number of places written times the most values written to one place).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from arraygrad import _backend, _dtype, _grad_mode, _inference, ops
from arraygrad._arguments import not_tensor_error
from arraygrad._dims import normalize_dim
from arraygrad._indexing import (
    _check_along,
    _check_index_dtype,
    along_key,
    check_values,
    one_element_as_vector,
    out_of_range,
)
from arraygrad._out import written_exactly
from arraygrad._tensor import Tensor, c_ordered_result, describe

__all__ = [
    "masked_scatter",
    "put",
    "scatter",
    "scatter_add",
    "scatter_reduce",
]

_SCATTER_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def _same_dtype(name: str, input: Tensor, src: Any, what: str = "src") -> Tensor:
    if not isinstance(src, Tensor) or src.dtype is not input.dtype:
        got = src.dtype.name if isinstance(src, Tensor) else type(src).__name__
        raise RuntimeError(
            f"{name}(): Expected self.dtype to be equal to {what}.dtype, got "
            f"{input.dtype.name} and {got}. Fix: convert {what} with .to(input.dtype)."
        )
    return src


def _check_tensors(name: str, **arguments: Any) -> None:
    """Refuse an argument that is not a tensor where PyTorch takes only tensors, with the
    TypeError of its argument parsing (before any other check)."""
    for what, argument in arguments.items():
        if not isinstance(argument, Tensor):
            raise not_tensor_error(
                name, argument, name=what, fix=f"pass {what} as a tensor (arraygrad.tensor(...))."
            )


def _as_vector(x: Tensor) -> Tensor:
    return ops.reshape(x, shape=(-1,))


def _leading_block(src: Tensor, shape: tuple[int, ...]) -> Tensor:
    # PyTorch reads only the leading block of src that has the index's shape.
    if tuple(src._data.shape) == shape:
        return src
    return ops.basic_getitem(src, key=tuple(slice(0, n) for n in shape))


def _scatter_args(name: str, input: Tensor, dim: int, index: Any, src: Any) -> int:
    """PyTorch's checks of a scatter's arguments, in its order (dim, dtypes, then shapes: an
    empty index is not read); it makes them all before comparing memory, so an in-place call
    that also shares memory gets their error (``_inplace.apply_as``'s ``checks``). ``src``:
    a tensor, or ``None`` for a number. Returns the normalized dim; the index's values are
    checked later (:func:`_scatter_bounds`)."""
    if src is None:
        _check_tensors(name, index=index)
    else:
        _check_tensors(name, index=index, src=src)
    axis = normalize_dim(dim, input.ndim)
    empty = index.numel() == 0
    if not empty:
        index = _check_index_dtype(name, index)
    if src is not None:
        src = _same_dtype(name, input, src)
    if not empty:
        try:
            _check_along(
                name, input, axis, index, src._data if src is not None else None, bounds=False
            )
        except RuntimeError as error:
            raise RuntimeError(
                f"{error}. Fix: give index the ndim of input, no larger than src, with "
                "non-negative values below the size of the dimension."
            ) from None
    return axis


def _scatter_bounds(name: str, input: Tensor, axis: int, index: Tensor) -> None:
    """Check a scatter index's values (``[0, size)``: scatter reads no negative index)."""
    if index.numel():
        size = input._data.shape[axis] if input.ndim else 1
        # (a step of arraygrad.compile's program: each replay checks its own indices)
        check_values(_raise_out_of_scatter_bounds, name, index._data, axis, size)


def _raise_out_of_scatter_bounds(name: str, index: Any, axis: int, size: int) -> None:
    bad = out_of_range(index, 0, size)
    if bad is not None:
        raise RuntimeError(
            f"{name}(): index {bad} is out of bounds for dimension {axis} with size {size}. "
            f"Fix: keep indices in [0, {size}); scatter reads no negative index (add {size} "
            "to negative indices)."
        )


def _check_scatter_args(
    input: Tensor, dim: int, index: Any, src: Any = None, *, value: Any = None, reduce: Any = None
) -> None:
    """``scatter_``'s checks made before PyTorch compares memory (a number src: no dtype)."""
    number = _value_as_number(value) if src is None else src
    _scatter_args("scatter", input, dim, index, _tensor_src(number))


def _value_as_number(value: Any) -> Any:
    """scatter's ``value``, which PyTorch takes as a number (a Scalar): a 0-d tensor that
    requires no grad is read as the number it holds; other tensors are refused, with its
    argument parsing's TypeError."""
    if not isinstance(value, Tensor):
        return value
    if value.ndim or value.requires_grad:
        raise TypeError(
            "scatter() received an invalid combination of arguments - got value=Tensor of "
            f"shape {list(value.shape)} (requires_grad={value.requires_grad}): value is a "
            "number, which a tensor can stand for only when 0-d and not requiring grad. Fix: "
            "pass value.item(), or the tensor as src."
        )
    return value.item()


def _tensor_src(src: Any) -> Any:
    """A scatter's ``src`` as :func:`_scatter_args` takes it: ``None`` for a number (PyTorch's
    ``value`` form), else the argument itself (a tensor, or anything else to refuse)."""
    return None if isinstance(src, numbers.Number) else src


def _check_scatter_add_args(input: Tensor, dim: int, index: Any, src: Any) -> None:
    """``scatter_add_``'s checks made before PyTorch compares memory."""
    _scatter_args("scatter_add", input, dim, index, src)


def _check_scatter_reduce_args(
    input: Tensor, dim: int, index: Any, src: Any, reduce: str, *, include_self: bool = True
) -> None:
    """``scatter_reduce_``'s checks made before PyTorch compares memory."""
    _scatter_args("scatter_reduce", input, dim, index, src)


# scatter: out[index[i][j]][j] = src[i][j] (dim 0).


@c_ordered_result
def scatter(
    input: Tensor,
    dim: int,
    index: Tensor,
    src: Any = None,
    *,
    value: Any = None,
    reduce: str | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """A copy of ``input`` with ``src`` (a tensor, or the number ``value``) written at ``index``
    along ``dim``: for ``dim=0``, ``out[index[i][j]][j] = src[i][j]``. ``out``: written into
    in ``input``'s dtype only, as PyTorch's ``scatter``, ``scatter_add`` and ``scatter_reduce``.

    ``reduce='add'`` / ``'multiply'`` combine with the old value instead of overwriting. Each
    element of ``src`` gets the gradient of the place it was written to (PyTorch's rule, also
    at repeated indices); overwritten elements of ``input`` get none.

    >>> import arraygrad
    >>> x = arraygrad.zeros(2, 3)
    >>> x.scatter(1, arraygrad.tensor([[2], [0]]), arraygrad.ones(2, 1)).tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    if out is not None:
        return written_exactly(
            "scatter", out, scatter, input, dim, index, src, value=value, reduce=reduce
        )
    if src is None:
        src = _value_as_number(value)
    axis = _scatter_args("scatter", input, dim, index, _tensor_src(src))
    if _grad_mode.inference_used:
        if reduce is None:
            _inference.check_kept(index, "the index of scatter", input, src)
        else:  # PyTorch's scatter with a reduce has no gradient, and so saves no index
            index = index.clone()  # (outside inference mode: a normal tensor)
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError(
            f"reduce argument must be either add or multiply, got {reduce!r}. Fix: use "
            "scatter_reduce for 'sum', 'prod', 'mean', 'amax' or 'amin'."
        )
    if not isinstance(src, Tensor):
        from arraygrad._creation import full

        src = full(tuple(index._data.shape), src, dtype=input.dtype)
    if reduce == "add":
        return scatter_add(input, dim, index, src)
    if reduce == "multiply":
        return scatter_reduce(input, dim, index, src, "prod")
    if index.numel() == 0:
        return ops.clone(input)
    if input.ndim == 1:  # PyTorch reads a 0-d src or index as one element
        src, index = one_element_as_vector(src), one_element_as_vector(index)
    _scatter_bounds("scatter", input, axis, index)
    if input.ndim == 0:  # a scalar scatters like a 1-element vector
        flat = scatter(_as_vector(input), 0, _as_vector(index), _as_vector(src))
        return ops.reshape(flat, shape=())
    src = _leading_block(src, tuple(index._data.shape))
    return ops.index_put(input, src, key=along_key(index._data, axis))


def scatter_add(
    input: Tensor, dim: int, index: Tensor, src: Tensor, *, out: Tensor | None = None
) -> Tensor:
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim``: for ``dim=0``,
    ``out[index[i][j]][j] += src[i][j]``; repeated indices accumulate.

    >>> import arraygrad
    >>> arraygrad.zeros(3).scatter_add(0, arraygrad.tensor([0, 2, 0]), arraygrad.ones(3)).tolist()
    [2.0, 0.0, 1.0]
    """
    if out is not None:
        return written_exactly("scatter_add", out, scatter_add, input, dim, index, src)
    axis = _scatter_args("scatter_add", input, dim, index, src)
    if _grad_mode.inference_used:  # (input's gradient does not read it: only src's)
        _inference.check_kept(index, "the index of scatter_add", src)
    if index.numel() == 0:
        return ops.clone(input)
    _scatter_bounds("scatter_add", input, axis, index)
    if input.ndim == 1:  # PyTorch reads a 0-d index or src as one element
        index, src = one_element_as_vector(index), one_element_as_vector(src)
    src = _leading_block(src, tuple(index._data.shape))
    if input.ndim == 0:
        added = ops.index_add_zeros(src, shape=(), key=(Ellipsis,))
    else:
        key = along_key(index._data, axis)
        added = ops.index_add_zeros(src, shape=tuple(input._data.shape), key=key)
    return ops.add(input, added)


def scatter_reduce(
    input: Tensor,
    dim: int,
    index: Tensor,
    src: Tensor,
    reduce: str,
    *,
    include_self: bool = True,
    out: Tensor | None = None,
) -> Tensor:
    """``input`` with the elements of ``src`` reduced into the places ``index`` names along
    ``dim``: ``reduce`` is ``'sum'``, ``'prod'``, ``'mean'``, ``'amax'`` or ``'amin'``.

    ``include_self=False`` leaves the old value out of the reduction at every place written to.
    For ``'mean'`` each place is divided by the number of values reduced into it (floor division
    for integer dtypes); ties of ``'amax'`` / ``'amin'`` share the gradient evenly.

    >>> import arraygrad
    >>> src = arraygrad.tensor([1.0, 5.0, 3.0])
    >>> arraygrad.ones(2).scatter_reduce(0, arraygrad.tensor([0, 0, 1]), src, "amax").tolist()
    [5.0, 3.0]
    """
    if out is not None:
        arguments = (input, dim, index, src, reduce)
        return written_exactly(
            "scatter_reduce", out, scatter_reduce, *arguments, include_self=include_self
        )
    # PyTorch checks the reduce after the other arguments (and the memory), before the index's
    # values.
    axis = _scatter_args("scatter_reduce", input, dim, index, src)
    if _grad_mode.inference_used:
        _inference.check_kept(index, "the index of scatter_reduce", input, src)
    # PyTorch also accepts "max" and "min" (undocumented) for "amax" and "amin".
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)
    if reduce not in _SCATTER_REDUCES:
        raise RuntimeError(
            f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce!r}. "
            "Fix: pass one of those strings."
        )
    if index.numel() == 0:
        return ops.clone(input)
    check_reduce_kernel(input, reduce, "scatter_gather_tensor_cpu_reduce_{}")
    if input.ndim == 1:  # PyTorch reads a 0-d src or index as one element
        src, index = one_element_as_vector(src), one_element_as_vector(index)
    _scatter_bounds("scatter_reduce", input, axis, index)
    if input.ndim == 0:
        flat = scatter_reduce(
            _as_vector(input),
            0,
            _as_vector(index),
            _as_vector(src),
            reduce,
            include_self=include_self,
        )
        return ops.reshape(flat, shape=())
    src = _leading_block(src, tuple(index._data.shape))
    if reduce in ("sum", "mean"):
        return _scatter_sum(
            input, axis, index, src, mean=reduce == "mean", include_self=include_self
        )
    if reduce == "prod":
        return _scatter_prod(input, axis, index, src, include_self)
    return _scatter_extreme(input, axis, index, src, reduce, include_self)


def check_reduce_kernel(input: Tensor, reduce: str, kernel: str) -> None:
    """PyTorch's NotImplementedError for a reduction its kernels lack: the ``'mean'`` of bools
    and the order (``'amax'``, ``'amin'``) of complex numbers. ``kernel``: the name PyTorch's
    message gives, ``{}`` standing for the reduction."""
    dtype = input.dtype
    if (reduce == "mean" and dtype is _dtype.bool_) or (
        dtype.is_complex and reduce in ("amax", "amin")
    ):
        raise NotImplementedError(
            f"\"{kernel.format(reduce)}\" not implemented for '{_dtype.torch_type_name(dtype)}': "
            f"the {reduce!r} reduction of a {describe(input)}. Fix: "
            + (
                "convert it first (x.long() or x.float())."
                if dtype is _dtype.bool_
                else "reduce a real key, e.g. x.real or x.abs()."
            )
        )


def _scatter_sum(
    input: Tensor, axis: int, index: Tensor, src: Tensor, *, mean: bool, include_self: bool
) -> Tensor:
    xp = _backend.xp
    shape = tuple(input._data.shape)
    key = along_key(index._data, axis)
    base = input if include_self else ops.index_put(input, 0, key=key)
    total = ops.add(base, ops.index_add_zeros(src, shape=shape, key=key))
    if not mean:
        return total
    ones = xp.ones(tuple(src._data.shape), dtype=input._data.dtype)
    # Namespace calls, not operators: arraygrad.compile records them, so that a replay counts
    # its own call's index.
    counts = xp.index_add_zeros(ones, shape, key)
    one = xp.ones_like(counts)
    # The old value counts once; without it, places nothing was written to keep their value
    # (divided by 1).
    counts = xp.add(counts, one) if include_self else xp.maximum(counts, one)
    if input.dtype.is_floating_point or input.dtype.is_complex:
        return ops.divide(total, counts)
    return ops.floor_divide(total, counts)


def _scatter_extreme(
    input: Tensor, axis: int, index: Tensor, src: Tensor, reduce: str, include_self: bool
) -> Tensor:
    """``amax`` / ``amin`` scatter in O(n log n): the winners are found on the arrays (a stable
    sort of ``src`` by value, then by destination), and the result is built from them with
    PyTorch's gradient rule: the ``N`` values tied for a place each get ``1/N`` of its
    gradient, the old value counting among them (also, as in PyTorch, without
    ``include_self``, where it then gets none)."""
    xp = _backend.xp
    shape = tuple(input._data.shape)
    ishape = tuple(index._data.shape)
    key = along_key(index._data, axis)
    # The flat destination of every element of src, and the elements sorted by it.
    pos = _destinations(shape, key, ishape)
    vals = xp.reshape(src._data, (-1,))
    order = xp.argsort(vals, stable=True)
    order = xp.take(order, xp.argsort(xp.take(pos, order, axis=0), stable=True), axis=0)
    spos, svals = xp.take(pos, order, axis=0), xp.take(vals, order, axis=0)
    change = xp.not_equal(xp.getitem(spos, (slice(1, None),)), xp.getitem(spos, (slice(None, -1),)))
    edge = xp.asarray([True])
    # Sorted ascending within a destination: its maximum is last, its minimum first.
    pick = xp.concat((change, edge)) if reduce == "amax" else xp.concat((edge, change))
    count = math.prod(shape)
    old = xp.reshape(input._data, (-1,))
    # Every sorted value is written, the unpicked ones to a spare place past the end (dropped),
    # so that the shapes do not depend on how many places are written to: arraygrad.compile
    # replays the same steps for every index, and a lazy library computes nothing to size a
    # mask's selection.
    aside = xp.where(pick, spos, xp.asarray(count, dtype=spos.dtype))
    best = xp.index_put(xp.zeros((count + 1,), dtype=old.dtype), svals, key=(aside,))
    best = xp.getitem(best, (slice(0, count),))
    hits = xp.index_add_zeros(xp.ones(vals.shape, dtype=xp.int64), (count,), (pos,))
    written = xp.greater(hits, xp.zeros((), dtype=hits.dtype))
    floating = input.dtype.is_floating_point
    if floating:  # a nan among the values reduced makes the place nan, as in PyTorch
        nans = xp.index_add_zeros(xp.astype(xp.isnan(vals), xp.int64), (count,), (pos,))
        nan = xp.asarray(math.nan, dtype=best.dtype)
        best = xp.where(xp.greater(nans, xp.zeros((), dtype=nans.dtype)), nan, best)
    if include_self:
        best = (xp.maximum if reduce == "amax" else xp.minimum)(old, best)
    result = xp.where(written, best, old)
    if not floating or not (
        input._rg or src._rg or "_fw_tangent" in input.__dict__ or "_fw_tangent" in src.__dict__
    ):  # (nor a forward-mode AD tangent: forward_ad)
        return Tensor._wrap(xp.reshape(result, shape))

    def ties(values: Any, target: Any) -> Any:
        both_nan = xp.logical_and(xp.isnan(values), xp.isnan(target))
        return xp.logical_or(xp.equal(values, target), both_nan)

    own_tie = ties(old, result)
    src_tie = ties(vals, xp.take(result, pos, axis=0))
    zero = xp.zeros((), dtype=old.dtype)
    ones = xp.ones((), dtype=old.dtype)
    shared = xp.add(
        xp.where(own_tie, ones, zero),
        xp.index_add_zeros(xp.where(src_tie, ones, zero), (count,), (pos,)),
    )
    share = xp.divide(ones, xp.where(xp.greater(shared, zero), shared, ones))
    # A nan result equals none of its values: PyTorch's gradient there is grad / 0 * 0, nan
    # for the old value (where it takes part) and for every value written there.
    lost = xp.isnan(result)
    share = xp.where(lost, xp.asarray(math.nan, dtype=old.dtype), share)
    own_weight = share if include_self else xp.where(written, zero, share)
    own_mask = xp.logical_and(
        xp.logical_or(own_tie, lost), xp.logical_not(xp.equal(own_weight, zero))
    )
    src_mask = xp.logical_or(src_tie, xp.take(lost, pos, axis=0))
    src_weight = xp.take(share, pos, axis=0)
    # Winners times their share, losers dropped by where (not multiplied by 0: they may be
    # inf, and inf * 0 would warn): their weight is 1 inside the where.
    own_weight = xp.reshape(xp.where(own_mask, own_weight, ones), shape)
    src_weight = xp.reshape(xp.where(src_mask, src_weight, ones), ishape)
    mine = ops.where(xp.reshape(own_mask, shape), ops.multiply(input, own_weight), zero)
    theirs = ops.where(xp.reshape(src_mask, ishape), ops.multiply(src, src_weight), zero)
    total = ops.add(mine, ops.index_add_zeros(theirs, shape=shape, key=key))
    # The shares add up to the winning value only up to rounding, and not at all where an old
    # value that is left out shares the gradient: a constant brings the values to the result.
    # (Only finite places are corrected; inf - inf would warn.)
    result = xp.reshape(result, shape)
    finite = xp.isfinite(result)
    correction = xp.subtract(xp.where(finite, result, zero), xp.where(finite, total._data, zero))
    return ops.add(total, correction)


def _destinations(shape: tuple[int, ...], key: tuple[Any, ...], ishape: tuple[int, ...]) -> Any:
    """The flat position in ``shape`` each element of an index of shape ``ishape`` writes to."""
    # Namespace calls, not operators on the arrays: arraygrad.compile records them as steps,
    # so that a replay computes the positions of its own call's index (the bounds check no
    # longer makes the step run eagerly).
    xp = _backend.xp
    pos = xp.zeros(ishape, dtype=xp.int64)
    for d, part in enumerate(key):
        stride = xp.asarray(math.prod(shape[d + 1 :]), dtype=xp.int64)
        pos = xp.add(pos, xp.multiply(xp.astype(part, xp.int64), stride))
    return xp.reshape(pos, (-1,))


def _scatter_prod(
    input: Tensor, axis: int, index: Tensor, src: Tensor, include_self: bool
) -> Tensor:
    """The product scatter: the elements of ``src`` are sorted by destination into the rows of
    a ``(places written, most values per place)`` matrix padded with ones, and each row is
    reduced with ``prod``, whose gradient is PyTorch's exact product of the others (zeros
    included) and differentiates again.

    The matrix's shape depends on the index's values (``nonzero``, the largest rank), so a
    step that calls it runs eagerly under arraygrad.compile, saying so: a shape fixed by the
    index's shape alone would take ``numel(index) * index.size(dim)`` memory for the same
    results (a 1-D index of n elements: n * n)."""
    from arraygrad._reduction import prod

    xp = _backend.xp
    shape = tuple(input._data.shape)
    ishape = tuple(index._data.shape)
    pos = _destinations(shape, along_key(index._data, axis), ishape)
    order = xp.argsort(pos, stable=True)
    spos = xp.take(pos, order, axis=0)
    starts = xp.concat((xp.asarray([True]), spos[1:] != spos[:-1]))
    group = xp.cumulative_sum(xp.astype(starts, xp.int64)) - 1
    first = xp.nonzero(starts)[0]
    rank = xp.arange(spos.shape[0], dtype=xp.int64) - xp.take(first, group, axis=0)
    rows = (int(first.shape[0]), int(_backend.item(xp.max(rank))) + 1)
    values = ops.getitem(ops.reshape(src, shape=(-1,)), key=(order,))
    table = ops.index_put(xp.ones(rows, dtype=input._data.dtype), values, key=(group, rank))
    products = prod(table, 1)
    places = xp.take(spos, first, axis=0)
    flat = ops.reshape(input, shape=(math.prod(shape),))
    if include_self:
        products = ops.multiply(ops.getitem(flat, key=(places,)), products)
    return ops.reshape(ops.index_put(flat, products, key=(places,)), shape=shape)


# masks and flat indices.


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """``input`` with the places where ``mask`` is True filled, in row-major order, by the
    leading elements of ``source``; ``input`` and ``mask`` broadcast against each other.

    >>> import arraygrad
    >>> mask = arraygrad.tensor([True, False, True])
    >>> arraygrad.zeros(3).masked_scatter(mask, arraygrad.tensor([7.0, 8.0, 9.0])).tolist()
    [7.0, 0.0, 8.0]
    """
    if not isinstance(mask, Tensor) or mask.dtype is not _dtype.bool_:
        got = mask.dtype.name if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(
            f"masked_scatter_ only supports boolean masks, but got mask with dtype {got}. Fix: "
            "build the mask with a comparison (x > 0) or convert it with .bool()."
        )
    if not isinstance(source, Tensor) or source.dtype is not input.dtype:
        got = source.dtype.name if isinstance(source, Tensor) else type(source).__name__
        raise RuntimeError(
            "masked_scatter: expected self and source to have same dtypes but got "
            f"{input.dtype.name} and {got}. Fix: convert source with .to(input.dtype)."
        )
    xp = _backend.xp
    shape = tuple(input._data.shape)
    try:
        common = tuple(xp.broadcast_shapes(tuple(mask._data.shape), shape))
    except ValueError:
        raise RuntimeError(
            f"The size of the mask {list(mask.shape)} does not broadcast with the shape of the "
            f"input {list(shape)} in masked_scatter. Fix: reshape or unsqueeze the mask."
        ) from None
    if common != shape:
        input = ops.broadcast_to(input, shape=common)
    where = xp.broadcast_to(mask._data, common)
    count = int(_backend.item(xp.sum(xp.astype(where, xp.int64))))
    if count > source.numel():
        raise RuntimeError(
            f"Number of elements of source < number of ones in mask: source has "
            f"{source.numel()} elements, mask has {count} True places. Fix: give source at "
            "least as many elements as the mask selects."
        )
    if _grad_mode.inference_used:
        _inference.check_kept(mask, "the mask of masked_scatter", input, source)
    values = ops.basic_getitem(_as_vector(source), key=(slice(0, count),))
    return ops.index_put(input, values, key=(where,))


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """``input`` with ``input.flatten()[index] = source`` (``+=`` with ``accumulate=True``),
    reading ``input`` as a 1-D tensor in row-major order.

    >>> import arraygrad
    >>> x = arraygrad.zeros(2, 2)
    >>> x.put(arraygrad.tensor([3, 0]), arraygrad.tensor([1.0, 2.0])).tolist()
    [[2.0, 0.0], [0.0, 1.0]]
    """
    if not isinstance(index, Tensor) or index.dtype is not _dtype.int64:
        got = _dtype.torch_type_name(index.dtype) if isinstance(index, Tensor) else "non-tensor"
        raise RuntimeError(
            f"put_(): Expected a long tensor for index, but got {got}. Fix: pass index.long()."
        )
    source = _same_dtype("put_", input, source, "source")
    if source.numel() != index.numel():
        raise IndexError(
            "put_(): Expected source and index to have the same number of elements, but got "
            f"source.numel() = {source.numel()}, index.numel() = {index.numel()}. Fix: give "
            "one source element per index."
        )
    if _grad_mode.inference_used:
        _inference.check_kept(index, "the index of put", input, source)
    count = input.numel()
    raw = _as_vector(index)._data
    if raw.shape[0]:
        bad = out_of_range(raw, -count, count)
        if bad is not None:
            raise IndexError(
                f"out of range: tried to access index {bad} on a tensor of {count} elements. "
                f"Fix: keep indices in [{-count}, {count})."
            )
    flat = ops.reshape(input, shape=(count,))
    values = _as_vector(source)
    if accumulate:
        out = ops.add(flat, ops.index_add_zeros(values, shape=(count,), key=(raw,)))
    else:
        out = ops.index_put(flat, values, key=(raw,))
    return ops.reshape(out, shape=tuple(input._data.shape))
