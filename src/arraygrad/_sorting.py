"""Reductions that pick elements: ``max``/``min`` (with and without ``dim``), ``sort``,
``argsort``, ``topk``, ``kthvalue`` and ``median``.

Each finds its indices on raw arrays (no gradient flows through a comparison), then gathers the
values with the ``getitem`` primitive, so the gradient goes to exactly the chosen elements
(scatter-added). Over all elements ``max``, ``min`` and ``median`` split the gradient evenly among
tied elements, as PyTorch does.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend, _dtype, ops, return_types
from arraygrad._dims import normalize_dim
from arraygrad._grad_mode import grad_enabled
from arraygrad._indexing import take_along
from arraygrad._out import written, written_each, written_exactly, written_reduced
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor
from arraygrad._unary import not_implemented

__all__ = [
    "argsort",
    "kthvalue",
    "max",
    "median",
    "min",
    "msort",
    "sort",
    "topk",
]


def _indices(array: Any) -> Tensor:
    return Tensor._wrap(_backend.xp.astype(array, _dtype.to_xp(_dtype.int64)))


def _argsort(x: Any, axis: int, descending: bool) -> Any:
    """Stable argsort along ``axis``; descending keeps tied elements in their original order
    (``_backend.stable_argsort``, through the namespace: arraygrad.compile records it)."""
    _refuse_complex(x, "sort", RuntimeError)
    return _backend.stable_argsort(_backend.xp, x, axis, descending)


def _refuse_complex(x: Any, name: str, error: type[Exception] = NotImplementedError) -> None:
    # Complex numbers have no order: PyTorch refuses every sorting and extremum op on them
    # (NumPy would order them by real part, then imaginary part), sorts with a RuntimeError.
    # (float32 and float64, the common case, by one lookup of their ids)
    native = x.dtype
    if id(native) not in _dtype.WIDE_FLOAT_IDS and _dtype.from_xp(native).is_complex:
        raise error(
            f"{name} is not supported for complex tensors: they have no order. Fix: order by a "
            "real key, e.g. x.abs() or x.real."
        )


def _evenly(input: Tensor, value: Any) -> Tensor:
    """The 0-d tensor ``value`` (an element of ``input``) whose gradient is shared equally by
    all elements equal to it, as PyTorch's ``evenly_distribute_backward``."""
    xp = _backend.xp
    x = input._data
    if (not input._rg or not grad_enabled.get()) and "_fw_tangent" not in input.__dict__:
        # Nothing to record (nor a forward-AD tangent): the value as it is.
        return Tensor._wrap(xp.asarray(value, dtype=x.dtype))
    nan = value != value
    mask = (x != x) if nan else (x == value)
    if nan or not math.isfinite(value):
        # x - value is nan at infinite ties: average the tied elements themselves instead.
        return ops.mean(ops.getitem(input, key=mask), axis=None, keepdims=False)
    if "_fw_tangent" not in input.__dict__ and int(xp.count_nonzero(mask)) == 1:
        # No tie (the common case): the element itself, whose gradient is all of it, the same
        # bits as the mean below gives it (-(-g / 1)), in two recorded ops rather than four.
        return ops.reshape(ops.getitem(input, key=mask), shape=())
    # value - mean(value - x[mask]): exactly value, with gradient 1/count to each tie. (The
    # mean is +0.0: value + 0.0 would turn a maximum of -0.0 into +0.0, value - 0.0 keeps it.)
    offset = ops.subtract(value, ops.getitem(input, key=mask))
    return ops.subtract(value, ops.mean.apply1(offset))


def _full_reduction(name: str, input: Tensor, pick: Any) -> Tensor:
    if input.numel() == 0:
        raise RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
            "the reduction dim with the 'dim' argument."
        )
    return _evenly(input, _backend.item(pick(input._data)))


# The names of the backward nodes of the values that _along picks, PyTorch's for each function.
_ALONG_LABELS = {
    "max": "MaxBackward0",
    "min": "MinBackward0",
    "kthvalue": "KthvalueBackward0",
    "median": "MedianBackward1",
    "nanmedian": "NanmedianBackward1",
    "mode": "ModeBackward0",
}


def _along(name: str, input: Tensor, dim: int, keepdim: bool, index: Any) -> Any:
    """``(values, indices)`` picked at ``index`` (keepdims layout) along ``dim``, the values'
    node named as PyTorch names ``name``'s."""
    if not keepdim and input._data.ndim >= 2:
        return _along_dropped(name, input, dim, index)
    x = input if input.ndim else ops.reshape(input, shape=(1,))
    values = take_along(x, index, dim)
    out_shape = tuple(index.shape)
    if not keepdim or input.ndim == 0:
        out_shape = out_shape[:dim] + out_shape[dim + 1 :] if input.ndim else ()
        values = ops.reshape(values, shape=out_shape)
    indices = _indices(_backend.xp.reshape(index, out_shape))
    return getattr(return_types, name)(labelled(values, _ALONG_LABELS[name]), indices)


def _along_dropped(name: str, input: Tensor, dim: int, index: Any) -> Any:
    """:func:`_along` without ``keepdim``, for an input of two dimensions or more: the values
    picked by one indexing with ``index`` without ``dim``, in their final shape, where a gather
    and a reshape of its result would record two ops (PyTorch records one)."""
    xp = _backend.xp
    shape = tuple(index.shape)
    out_shape = shape[:dim] + shape[dim + 1 :]
    picked = xp.reshape(index, out_shape)
    key: list[Any] = []
    for d, size in enumerate(shape):
        if d == dim:
            key.append(picked)
        else:  # (every other dimension's positions, broadcast against the picked ones)
            view = [1] * len(out_shape)
            view[d if d < dim else d - 1] = size
            key.append(xp.reshape(xp.arange(size), tuple(view)))
    values = labelled(ops.getitem(input, key=tuple(key)), _ALONG_LABELS[name])
    return getattr(return_types, name)(values, _indices(picked))


def _reduce_dim(name: str, input: Tensor, dim: int) -> tuple[Tensor, int]:
    axis = normalize_dim(dim, input.ndim)
    if input.ndim and input._data.shape[axis] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {axis} to have non-zero size.")
    return (input if input.ndim else ops.reshape(input, shape=(1,))), axis


def _extremum(name: str, input: Tensor, dim: Any, keepdim: bool) -> Any:
    if isinstance(dim, Tensor):  # max(input, other): the element-wise maximum
        import arraygrad

        return getattr(arraygrad, "maximum" if name == "max" else "minimum")(input, dim)
    xp = _backend.xp
    # (grad_fn as PyTorch names them: its overload over all elements is its second)
    if dim is None:
        if input.dtype.is_complex:
            raise not_implemented(
                f"{name}_all",
                input,
                "complex numbers have no order: order by a real key, e.g. x.abs() or x.real.",
            )
        result = _full_reduction(name, input, xp.max if name == "max" else xp.min)
        return labelled(result, f"{name.capitalize()}Backward1")
    x, axis = _reduce_dim(name, input, dim)
    # (along a dim, PyTorch checks the dim first, and refuses complex numbers with this error)
    _refuse_complex(input._data, f"{name}()", RuntimeError)
    pick = xp.argmax if name == "max" else xp.argmin
    index = pick(x._data, axis=axis, keepdims=True)
    return _along(name, input, axis, keepdim, index)


def _extremum_into(name: str, out: Any, input: Tensor, dim: Any, keepdim: bool) -> Any:
    """``max``/``min`` with ``out=``: PyTorch's three forms take a tensor (all elements, or
    beside another tensor: ``maximum``/``minimum``), cast into, or a tuple ``(values,
    indices)`` (along ``dim``)."""
    function = max if name == "max" else min
    if isinstance(dim, Tensor):
        return written(name, out, function, input, dim)
    if dim is None:
        return written_reduced(name, out, function, input)
    return written_each(name, out, function, input, dim, keepdim)


def max(
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    out: Tensor | tuple[Tensor, ...] | None = None,
) -> Any:
    """The largest element, or ``(values, indices)`` of the largest along ``dim``.

    The gradient goes to the chosen element; over all elements ties share it equally.

    >>> import arraygrad
    >>> arraygrad.tensor([[1.0, 5.0], [7.0, 2.0]]).max(dim=0).indices.tolist()
    [1, 0]
    """
    if out is not None:
        return _extremum_into("max", out, input, dim, keepdim)
    return _extremum("max", input, dim, keepdim)


def min(
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    out: Tensor | tuple[Tensor, ...] | None = None,
) -> Any:
    """The smallest element, or ``(values, indices)`` of the smallest along ``dim``; ``nan``
    propagates. ``min(input, other)`` is :func:`minimum`.

    The gradient goes to the chosen element (the first of ties) with ``dim``; without it, tied
    elements share it equally, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.min(arraygrad.tensor([[3.0, 1.0], [0.0, 5.0]]), dim=1)
    arraygrad.return_types.min(
    values=tensor([1., 0.]),
    indices=tensor([1, 0]))
    """
    if out is not None:
        return _extremum_into("min", out, input, dim, keepdim)
    return _extremum("min", input, dim, keepdim)


def sort(
    input: Tensor,
    dim: int = -1,
    descending: bool = False,
    *,
    stable: bool = False,
    out: tuple[Tensor, ...] | None = None,
) -> Any:
    """``(values, indices)`` of ``input`` sorted along ``dim``; ties keep their order.

    >>> import arraygrad
    >>> arraygrad.tensor([3.0, 1.0, 2.0]).sort().indices.tolist()
    [1, 2, 0]
    """
    if out is not None:
        return written_each("sort", out, sort, input, dim, descending, stable=stable)
    axis = normalize_dim(dim, input.ndim)
    if input.ndim == 0:
        values = labelled(ops.clone(input), "SortBackward0")
        return return_types.sort(values, _indices(_backend.xp.asarray(0)))
    index = _argsort(input._data, axis, descending)
    values = labelled(take_along(input, index, axis), "SortBackward0")
    return return_types.sort(values, _indices(index))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False) -> Tensor:
    """The int64 indices that sort ``input`` along ``dim`` (ascending unless ``descending``).

    ``nan`` sorts as the largest value; ``stable=True`` keeps tied elements in their order.

    >>> import arraygrad
    >>> arraygrad.argsort(arraygrad.tensor([3.0, 1.0, 2.0]))
    tensor([1, 2, 0])
    """
    if input.ndim == 0:
        normalize_dim(dim, 0)
        return _indices(_backend.xp.asarray(0))
    return _indices(_argsort(input._data, normalize_dim(dim, input.ndim), descending))


def msort(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``input`` sorted along its first dimension: ``sort(input, dim=0).values``.

    >>> import arraygrad
    >>> arraygrad.msort(arraygrad.tensor([[3.0, 1.0], [2.0, 5.0]]))
    tensor([[2., 1.],
            [3., 5.]])
    """
    if out is not None:
        return written_exactly("msort", out, msort, input)
    return sort(input, dim=0).values


def _check_k(name: str, input: Tensor, k: int, axis: int, low: int) -> int:
    size = input._data.shape[axis] if input.ndim else 1
    if not low <= k <= size:
        message = (
            "selected index k out of range"
            if name == "topk"
            else f"kthvalue(): selected number k out of range for dimension {axis}"
        )
        raise RuntimeError(
            f"{message}: k = {k} for a dimension of size {size} (input shape "
            f"{list(input.shape)}). Fix: choose k in [{low}, {size}]."
        )
    return size


def topk(
    input: Tensor,
    k: int,
    dim: int = -1,
    largest: bool = True,
    sorted: bool = True,
    *,
    out: tuple[Tensor, ...] | None = None,
) -> Any:
    """``(values, indices)`` of the ``k`` largest (or smallest) elements along ``dim``.

    >>> import arraygrad
    >>> arraygrad.tensor([1.0, 4.0, 2.0]).topk(2).values.tolist()
    [4.0, 2.0]
    """
    if out is not None:
        return written_each("topk", out, topk, input, k, dim, largest, sorted)
    if input.dtype is _dtype.bool_:
        normalize_dim(dim, input.ndim)  # (PyTorch checks the dim first)
        raise RuntimeError(
            "topk does not support bool dtypes on CPU. Fix: convert the tensor first, e.g. "
            "x.long()."
        )
    axis = normalize_dim(dim, input.ndim)
    _check_k("topk", input, k, axis, 0)
    if not input.ndim:
        k = 1  # (PyTorch's top 0 of a 0-d tensor is its one element too)
    x = input if input.ndim else ops.reshape(input, shape=(1,))
    index = _first_sorted(x._data, k, axis, largest)
    values = take_along(x, index, axis)
    if input.ndim == 0:
        values, index = ops.reshape(values, shape=()), _backend.xp.reshape(index, ())
    return return_types.topk(labelled(values, "TopkBackward0"), _indices(index))


def _partial_order(x: Any) -> bool:
    """Whether the namespace orders ``x`` by a partition (NumPy's, on its own dtypes: not on
    ml_dtypes' bfloat16) rather than by sorting all of it."""
    return _backend.is_numpy and x.dtype.kind in "fiu"


def _first_sorted(x: Any, k: int, axis: int, descending: bool) -> Any:
    """The first ``k`` of ``_argsort(x, axis, descending)`` along ``axis``."""
    if _partial_order(x):
        return _backend.xp.first_sorted(x, k, axis, descending)
    order = _argsort(x, axis, descending)
    return order[(slice(None),) * axis + (slice(0, k), Ellipsis)]


def _kth_index(x: Any, k: int, axis: int) -> Any:
    """The index of the ``k``-th (1-based) of ``_argsort(x, axis)``, ``axis`` kept (size 1)."""
    if _partial_order(x):
        return _backend.xp.kth_index(x, k, axis)
    order = _argsort(x, axis, descending=False)
    return order[(slice(None),) * axis + (slice(k - 1, k), Ellipsis)]


def kthvalue(
    input: Tensor,
    k: int,
    dim: int = -1,
    keepdim: bool = False,
    *,
    out: tuple[Tensor, ...] | None = None,
) -> Any:
    """``(values, indices)`` of the ``k``-th smallest element (1-based) along ``dim``.

    ``nan`` counts as the largest value; ``k`` outside ``[1, size]`` raises ``RuntimeError``. The
    gradient goes to the chosen element.

    >>> import arraygrad
    >>> arraygrad.kthvalue(arraygrad.tensor([3.0, 1.0, 2.0, 5.0]), 2)
    arraygrad.return_types.kthvalue(
    values=tensor(2.),
    indices=tensor(2))
    """
    if out is not None:
        return written_each("kthvalue", out, kthvalue, input, k, dim, keepdim)
    x, axis = _reduce_dim("kthvalue", input, dim)
    _check_k("kthvalue", input, k, axis, 1)
    # (PyTorch checks the dim and k first)
    _dtype.check_not_bool("kthvalue_cpu", input.dtype)
    if input.dtype.is_complex:
        raise not_implemented(
            "kthvalue_cpu",
            input,
            "complex numbers have no order: take a real key, e.g. x.abs() or x.real.",
        )
    return _along("kthvalue", input, axis, keepdim, _kth_index(x._data, k, axis))


def check_median_dtype(input: Tensor, dim: Any) -> None:
    """PyTorch's NotImplementedError for a median of bool or complex tensors, which have no
    median kernel (complex numbers have no order), after checking ``dim``."""
    if input.dtype is not _dtype.bool_ and not input.dtype.is_complex:
        return
    if dim is not None:
        normalize_dim(dim, input.ndim)
    _dtype.check_not_bool("median_cpu" if dim is None else "median_out", input.dtype)
    if input.dtype.is_complex:
        raise not_implemented(
            "median_cpu" if dim is None else "median_out",
            input,
            "complex numbers have no order: take the median of a real key, e.g. x.abs() or x.real.",
        )


def median(
    input: Tensor, dim: Any = None, keepdim: bool = False, *, out: tuple[Tensor, ...] | None = None
) -> Any:
    """The lower median (the ``(n - 1) // 2``-th smallest element), over all elements or as
    ``(values, indices)`` along ``dim``. Over all elements ties share the gradient equally.

    As in PyTorch, nan propagates (``nanmedian`` is the one that skips it): the median of
    values with a nan is nan, along ``dim`` with the index of the first nan.

    >>> import arraygrad
    >>> arraygrad.tensor([4.0, 1.0, 3.0, 2.0]).median().item()
    2.0
    """
    if out is not None:
        return written_each("median", out, median, input, dim, keepdim)
    xp = _backend.xp
    check_median_dtype(input, dim)
    if dim is None:
        if input.numel() == 0:  # nan, still in the graph (its gradient is empty), as in torch
            return ops.sum(input, axis=None, keepdims=False) + math.nan
        flat = xp.reshape(input._data, (-1,))
        if _backend.item(xp.any(xp.isnan(flat))):
            value = math.nan  # the gradient goes to the nans, shared
        else:
            middle = (flat.shape[0] - 1) // 2
            value = _backend.item(flat[_backend.item(_kth_index(flat, middle + 1, 0)[0])])
        return labelled(_evenly(input, value), "MedianBackward0")  # (PyTorch's name)
    x, axis = _reduce_dim("median", input, dim)
    k = (x._data.shape[axis] - 1) // 2 + 1
    index = _kth_index(x._data, k, axis)
    # Sorting puts nans last, so a row's lower median would skip them; PyTorch's is its first
    # nan instead.
    nan = xp.isnan(x._data)
    first_nan = xp.argmax(xp.astype(nan, xp.int8), axis=axis, keepdims=True)
    index = xp.where(
        xp.any(nan, axis=axis, keepdims=True), xp.astype(first_nan, index.dtype), index
    )
    return _along("median", input, axis, keepdim, index)
