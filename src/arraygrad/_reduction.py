"""PyTorch's reductions and scans on top of the reduction primitives.

``sum``, ``mean``, ``prod``, ``amax``, ``amin``, ``argmax``, ``argmin``, ``all``, ``any``,
``cumsum`` and ``cumprod`` with PyTorch's ``dim``/``keepdim``/``dtype`` arguments and result
dtypes (integer sums and products are int64, ``all``/``any`` give bool). Statistics and norms
built from these are in :mod:`arraygrad._statistics`.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _dtype, ops
from arraygrad._dims import normalize_dim, normalize_dims
from arraygrad._tensor import Tensor, describe

__all__ = [
    "all",
    "amax",
    "amin",
    "any",
    "argmax",
    "argmin",
    "cumprod",
    "cumsum",
    "mean",
    "prod",
    "sum",
]


def sum(
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: _dtype.dtype | None = None,
) -> Tensor:
    """Sum over the dimensions ``dim`` (an int, a tuple, or ``None`` for all).

    Integer and bool tensors sum to int64, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(dim=0)
    tensor([4., 6.])
    """
    if dtype is not None:
        input = ops.astype(input, dtype)
    elif not input.dtype.is_floating_point:
        input = ops.astype(input, _dtype.int64)
    if dim is None and not keepdim:
        return ops.sum.apply1(input)  # the defaults: everything
    return ops.sum.apply1(
        input, {"axis": normalize_dims(dim, input.ndim), "keepdims": bool(keepdim)}
    )


def mean(
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: _dtype.dtype | None = None,
) -> Tensor:
    """Mean over the dimensions ``dim`` (all when ``None``); floating-point tensors only."""
    if dtype is not None:
        input = ops.astype(input, dtype)
    if not _dtype.from_xp(input._data.dtype).is_floating_point:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {input.dtype.name}. Fix: call .float() first or pass "
            "dtype=arraygrad.float32."
        )
    if dim is None and not keepdim:
        return ops.mean.apply1(input)  # the defaults: every element
    return ops.mean.apply1(
        input, {"axis": normalize_dims(dim, input._data.ndim), "keepdims": bool(keepdim)}
    )


def _integer_accumulator(input: Tensor, dtype: _dtype.dtype | None) -> Tensor:
    # Sums and products of integers and bools accumulate in int64, as in PyTorch.
    if dtype is not None:
        return ops.astype(input, dtype)
    if not input.dtype.is_floating_point:
        return ops.astype(input, _dtype.int64)
    return input


def prod(
    input: Tensor,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    dtype: _dtype.dtype | None = None,
) -> Tensor:
    """Product of all elements, or over the single dimension ``dim``.

    The gradient is exact where the input has zeros: a lone zero gets the product of the other
    elements, every other element 0 (no ``0/0``).

    >>> import arraygrad
    >>> arraygrad.tensor([[1.0, 2.0], [3.0, 4.0]]).prod(1)
    tensor([ 2., 12.])
    """
    if dim is not None and not isinstance(dim, int):
        raise TypeError(
            f"prod(): argument 'dim' must be int, not {type(dim).__name__} ({dim!r}): torch.prod "
            "reduces one dimension or all. Fix: call prod once per dimension."
        )
    input = _integer_accumulator(input, dtype)
    axis = None if dim is None else normalize_dims(dim, input.ndim)
    return ops.prod(input, axis=axis, keepdims=bool(keepdim) and dim is not None)


def _extremum(prim: Any, name: str, input: Tensor, dim: Any, keepdim: bool) -> Tensor:
    axis = normalize_dims(dim, input.ndim)
    _check_nonempty(name, input, axis)
    return prim(input, axis=axis, keepdims=bool(keepdim))


def _check_nonempty(
    name: str, input: Tensor, axis: tuple[int, ...] | None, error: type[Exception] = RuntimeError
) -> None:
    # A maximum over nothing is undefined (no identity): PyTorch refuses, naming the dim.
    shape = tuple(input._data.shape)
    if axis is None:
        if input.numel() == 0:
            raise error(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                f"Specify the reduction dim with the 'dim' argument (input: {describe(input)})."
            )
        return
    for a in axis:
        if shape[a] == 0:
            raise IndexError(
                f"{name}(): Expected reduction dim {a} to have non-zero size (input: "
                f"{describe(input)}). Fix: reduce over a non-empty dimension."
            )


def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Maximum over ``dim`` (all dimensions by default); elements tied for the maximum share
    its gradient evenly.

    >>> import arraygrad
    >>> arraygrad.tensor([[1.0, 5.0], [7.0, 2.0]]).amax(dim=1)
    tensor([5., 7.])
    """
    return _extremum(ops.max, "amax", input, dim, keepdim)


def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """Minimum over ``dim`` (all dimensions by default); ties share the gradient evenly."""
    return _extremum(ops.min, "amin", input, dim, keepdim)


def _arg_extremum(prim: Any, name: str, input: Tensor, dim: int | None, keepdim: bool) -> Tensor:
    if input.dtype is _dtype.bool_:
        raise RuntimeError(f"{name}(): does not support bool input. Fix: convert it with .long().")
    if dim is None:
        _check_nonempty(name, input, None, IndexError)  # PyTorch's class for argmax
        flat = prim(ops.reshape(input, shape=(-1,)), axis=0, keepdims=False)
        if keepdim:  # PyTorch keeps every dimension, each of size 1
            return ops.reshape(flat, shape=(1,) * input.ndim)
        return flat
    axis = normalize_dim(dim, input.ndim)
    if input.ndim == 0:
        return prim(ops.reshape(input, shape=(1,)), axis=0, keepdims=False)
    _check_nonempty(name, input, (axis,))
    return prim(input, axis=axis, keepdims=bool(keepdim))


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the (first) maximum, over the flattened tensor when ``dim`` is None; ``nan``
    counts as the maximum.

    >>> import arraygrad
    >>> arraygrad.tensor([[1.0, 5.0], [7.0, 2.0]]).argmax(dim=1)
    tensor([1, 0])
    """
    return _arg_extremum(ops.argmax, "argmax", input, dim, keepdim)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the (first) minimum, over the flattened tensor when ``dim`` is None."""
    return _arg_extremum(ops.argmin, "argmin", input, dim, keepdim)


def _truth_reduction(prim: Any, input: Tensor, dim: Any, keepdim: bool) -> Tensor:
    x = input if input.dtype is _dtype.bool_ else ops.not_equal(input, 0)
    if dim is not None and not isinstance(dim, int) and len(tuple(dim)) == 0:
        result = x  # PyTorch: an empty dim list reduces nothing for all/any
    else:
        result = prim(x, axis=normalize_dims(dim, x.ndim), keepdims=bool(keepdim))
    if input.dtype is _dtype.uint8:  # PyTorch keeps uint8 for uint8 input
        return ops.astype(result, _dtype.uint8)
    return result


def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Whether every element (over ``dim``) is non-zero; a bool tensor."""
    return _truth_reduction(ops.all, input, dim, keepdim)


def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Whether some element (over ``dim``) is non-zero; a bool tensor."""
    return _truth_reduction(ops.any, input, dim, keepdim)


def _scan(prim: Any, input: Tensor, dim: int, dtype: _dtype.dtype | None) -> Tensor:
    input = _integer_accumulator(input, dtype)
    axis = normalize_dim(dim, input.ndim)
    if input.ndim == 0:  # a 0-d tensor scans as one element
        return ops.reshape(prim(ops.reshape(input, shape=(1,)), axis=0), shape=())
    return prim(input, axis=axis)


def cumsum(input: Tensor, dim: int, *, dtype: _dtype.dtype | None = None) -> Tensor:
    """Cumulative sums along ``dim``; integer tensors accumulate in int64.

    >>> import arraygrad
    >>> arraygrad.tensor([1.0, 2.0, 3.0]).cumsum(0)
    tensor([1., 3., 6.])
    """
    return _scan(ops.cumulative_sum, input, dim, dtype)


def cumprod(input: Tensor, dim: int, *, dtype: _dtype.dtype | None = None) -> Tensor:
    """Cumulative products along ``dim``, with an exact gradient where the input has zeros."""
    return _scan(ops.cumulative_prod, input, dim, dtype)
