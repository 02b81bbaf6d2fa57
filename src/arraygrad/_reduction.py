"""PyTorch's reductions and scans on top of the reduction primitives.

``sum``, ``mean``, ``prod``, ``amax``, ``amin``, ``argmax``, ``argmin``, ``all``, ``any``,
``cumsum`` and ``cumprod`` with PyTorch's ``dim``/``keepdim``/``dtype`` arguments and result
dtypes (integer sums and products are int64, ``all``/``any`` give bool). Statistics and norms
built from these are in :mod:`arraygrad._statistics`.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _autocast_flag, _backend, _dtype, _reduced_floats, ops
from arraygrad._dims import is_one_dim, normalize_dim, normalize_dims
from arraygrad._math import complex_unsupported
from arraygrad._out import (
    computed_in,
    written,
    written_bool,
    written_each,
    written_exactly,
    written_same,
)
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor, describe

_FLOAT = _dtype._FLOAT

__all__ = [
    "all",
    "amax",
    "amin",
    "aminmax",
    "any",
    "argmax",
    "argmin",
    "count_nonzero",
    "cumprod",
    "cumsum",
    "mean",
    "nanmean",
    "nansum",
    "prod",
    "sum",
]


def _require_dim_for_out(name: str, dim: Any) -> None:
    if dim is None:  # PyTorch's form without dim takes no out
        raise TypeError(
            f"{name}(): out= is taken with dim only ({name}(input, dim, keepdim, *, dtype, out)). "
            f"Fix: pass the dimensions (all of them: dim=tuple(range(x.ndim))), or drop out=."
        )


def sum(
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: _dtype.dtype | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """Sum over the dimensions ``dim`` (an int, a tuple, or ``None`` for all).

    Integer and bool tensors sum to int64, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(dim=0)
    tensor([4., 6.])
    """
    if out is not None:
        _require_dim_for_out("sum", dim)
        return computed_in("sum", out, sum, input, dim, keepdim, dtype=dtype)
    prim = ops.sum
    if dtype is not None:
        input = ops.astype(input, dtype)
    elif (accumulator := _SUM_ACCUMULATORS.get(_dtype.from_xp(input._data.dtype))) is not None:
        if accumulator is _dtype.int64:  # (complex tensors sum as they are: a real rule)
            input = ops.astype(input, _dtype.int64)
        else:  # float16 and bfloat16 sum in float32, rounded once, as PyTorch's kernel
            prim = _reduced_floats.twin(ops.sum)
    if dim is None and not keepdim:
        return prim.apply1(input)  # the defaults: everything
    # (PyTorch's overload with dims is its second: SumBackward1, as grad_fn prints)
    return labelled(
        prim.apply1(input, {"axis": normalize_dims(dim, input.ndim), "keepdims": bool(keepdim)}),
        "SumBackward1",
    )


# The dtype a sum of each dtype accumulates in where it is not its own: integers and bools in
# int64, float16 and bfloat16 in float32 (rounded back once), as in PyTorch.
_SUM_ACCUMULATORS = {
    **{d: _dtype.int64 for d in _dtype.ALL_DTYPES if d.category < _FLOAT},
    _dtype.float16: _dtype.float32,
    _dtype.bfloat16: _dtype.float32,
}


def mean(
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: _dtype.dtype | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """Mean ``sum(input) / n`` over the dimensions ``dim`` (all when ``None``); nan when empty.

    Floating-point and complex tensors only: an integer tensor raises ``RuntimeError`` unless a
    floating ``dtype=`` is given. The gradient is ``1 / n`` for every element.

    >>> import arraygrad
    >>> arraygrad.mean(arraygrad.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=0)
    tensor([2., 3.])
    >>> arraygrad.mean(arraygrad.tensor([1, 2]), dtype=arraygrad.float64)
    tensor(1.5000, dtype=arraygrad.float64)
    """
    if out is not None:
        return written("mean", out, mean, input, dim, keepdim, dtype=dtype)
    if dtype is not None:
        input = ops.astype(input, dtype)
    prim = _MEAN_PRIMITIVES.get(_dtype.from_xp(input._data.dtype), ops.mean)  # (not .dtype: hot)
    if prim is None:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {input.dtype.name}. Fix: call .float() first or pass "
            "dtype=arraygrad.float32."
        )
    if dim is None and not keepdim:
        return prim.apply1(input)  # the defaults: every element
    return labelled(  # (PyTorch's overload with dims: MeanBackward1)
        prim.apply1(
            input, {"axis": normalize_dims(dim, input._data.ndim), "keepdims": bool(keepdim)}
        ),
        "MeanBackward1",
    )


def _mean_primitives() -> dict[_dtype.dtype, Any]:
    # None for the dtypes PyTorch refuses (integers, bools); float16 and bfloat16 in float32,
    # rounded once.
    primitives: dict[_dtype.dtype, Any] = {
        d: None for d in _dtype.ALL_DTYPES if d.category < _FLOAT
    }
    for reduced in _dtype.REDUCED_FLOATS:
        primitives[reduced] = _reduced_floats.twin(ops.mean)
    return primitives


_MEAN_PRIMITIVES = _mean_primitives()


def _integer_accumulator(input: Tensor, dtype: _dtype.dtype | None) -> Tensor:
    # Sums and products of integers and bools accumulate in int64, as in PyTorch.
    refuse_complex(input, "this reduction")
    if dtype is not None:
        return ops.astype(input, dtype)
    if not input.dtype.is_floating_point:
        return ops.astype(input, _dtype.int64)
    return input


def _accumulator(input: Tensor, dtype: _dtype.dtype | None) -> Tensor:
    """The input of a product or a scan: :func:`_integer_accumulator`'s, complex tensors (and a
    complex ``dtype``) as they are."""
    if input.dtype.is_complex or (dtype is not None and dtype.is_complex):
        return input if dtype is None else ops.astype(input, dtype)
    return _integer_accumulator(input, dtype)


def prod(
    input: Tensor,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    dtype: _dtype.dtype | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """Product of all elements, or over the single dimension ``dim``.

    The gradient is exact where the input has zeros: a lone zero gets the product of the other
    elements, every other element 0 (no ``0/0``).

    >>> import arraygrad
    >>> arraygrad.tensor([[1.0, 2.0], [3.0, 4.0]]).prod(1)
    tensor([ 2., 12.])
    """
    if out is not None:
        _require_dim_for_out("prod", dim)
        return computed_in("prod", out, prod, input, dim, keepdim, dtype=dtype)
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts prod to float32
        from arraygrad.amp import _casts

        return _casts.full(prod, input, dim, keepdim, dtype=dtype)
    if dim is not None and not is_one_dim(dim):
        raise TypeError(
            f"prod(): argument 'dim' must be int, not {type(dim).__name__} ({dim!r}): torch.prod "
            "reduces one dimension or all. Fix: call prod once per dimension."
        )
    input = _accumulator(input, dtype)
    # (float16 as it is: PyTorch's kernel rounds each partial product to float16 too)
    prim = ops.complex_ops.prod if input.dtype.is_complex else ops.prod
    if input.dtype is _dtype.bfloat16:  # (its gradient rule's Python floats would widen it)
        prim = _reduced_floats.narrowed(prim)
    axis = None if dim is None else normalize_dims(dim, input.ndim)
    result = prim(input, axis=axis, keepdims=bool(keepdim) and dim is not None)
    return result if dim is None else labelled(result, "ProdBackward1")


def refuse_complex(input: Tensor, name: str) -> None:
    """The refusal of a reduction that has no complex rules (yet: PyTorch refuses orderings)."""
    if input.dtype.is_complex:
        raise complex_unsupported(name)


def _extremum(prim: Any, name: str, input: Tensor, dim: Any, keepdim: bool) -> Tensor:
    axis = normalize_dims(dim, input.ndim)  # (checked before the dtype, as PyTorch does)
    refuse_complex(input, name)
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


def amax(
    input: Tensor, dim: Any = (), keepdim: bool = False, *, out: Tensor | None = None
) -> Tensor:
    """Maximum over ``dim`` (all dimensions by default); elements tied for the maximum share
    its gradient evenly.

    >>> import arraygrad
    >>> arraygrad.tensor([[1.0, 5.0], [7.0, 2.0]]).amax(dim=1)
    tensor([5., 7.])
    """
    if out is not None:
        return written_same("amax", out, amax, input, dim, keepdim)
    return _extremum(ops.max, "amax", input, dim, keepdim)


def amin(
    input: Tensor, dim: Any = (), keepdim: bool = False, *, out: Tensor | None = None
) -> Tensor:
    """Minimum over ``dim`` (all dimensions by default); ``nan`` propagates.

    Elements tied for the minimum share its gradient evenly (unlike :func:`min` with ``dim``,
    which sends it to one index). An empty tensor needs ``dim`` (``RuntimeError``).

    >>> import arraygrad
    >>> x = arraygrad.tensor([[3.0, 1.0, 1.0], [2.0, 5.0, 4.0]], requires_grad=True)
    >>> arraygrad.amin(x, dim=1).sum().backward()
    >>> x.grad
    tensor([[0.0000, 0.5000, 0.5000],
            [1.0000, 0.0000, 0.0000]])
    """
    if out is not None:
        return written_same("amin", out, amin, input, dim, keepdim)
    return _extremum(ops.min, "amin", input, dim, keepdim)


def _arg_extremum(prim: Any, name: str, input: Tensor, dim: int | None, keepdim: bool) -> Tensor:
    dtype = input.dtype
    if dtype is _dtype.bool_ or dtype.is_complex:
        kind, fix = (
            ("bool", "convert it with .long()")
            if dtype is _dtype.bool_
            else (
                "complex",
                "order by a real key, e.g. x.abs()",
            )
        )
        raise RuntimeError(f"{name}(): does not support {kind} input. Fix: {fix}.")
    if dim is None:
        _check_nonempty(name, input, None, IndexError)  # PyTorch's class for argmax
        if not keepdim:
            # The index into the flattened tensor: the library's own for axis=None (which
            # flattens in C order, as reshape(-1) does), without the flattened tensor.
            return prim.apply1(input, {"axis": None, "keepdims": False})  # type: ignore[no-any-return]
        flat = prim(ops.reshape(input, shape=(-1,)), axis=0, keepdims=False)
        return ops.reshape(flat, shape=(1,) * input.ndim)  # PyTorch keeps every dimension
    axis = normalize_dim(dim, input.ndim)
    if input.ndim == 0:
        return prim(ops.reshape(input, shape=(1,)), axis=0, keepdims=False)
    _check_nonempty(name, input, (axis,))
    return prim(input, axis=axis, keepdims=bool(keepdim))


def argmax(
    input: Tensor, dim: int | None = None, keepdim: bool = False, *, out: Tensor | None = None
) -> Tensor:
    """Index of the (first) maximum, over the flattened tensor when ``dim`` is None; ``nan``
    counts as the maximum.

    >>> import arraygrad
    >>> arraygrad.tensor([[1.0, 5.0], [7.0, 2.0]]).argmax(dim=1)
    tensor([1, 0])
    """
    if out is not None:
        return written_exactly("argmax", out, argmax, input, dim, keepdim)
    return _arg_extremum(ops.argmax, "argmax", input, dim, keepdim)


def argmin(
    input: Tensor, dim: int | None = None, keepdim: bool = False, *, out: Tensor | None = None
) -> Tensor:
    """Index (int64) of the first minimum along ``dim``, or in the flattened tensor when ``dim`` is
    None; ``nan`` counts as the minimum.

    >>> import arraygrad
    >>> arraygrad.argmin(arraygrad.tensor([[3.0, 1.0, 1.0], [2.0, 5.0, 0.0]]), dim=1)
    tensor([1, 2])
    """
    if out is not None:
        return written_exactly("argmin", out, argmin, input, dim, keepdim)
    return _arg_extremum(ops.argmin, "argmin", input, dim, keepdim)


def _truth_reduction(prim: Any, input: Tensor, dim: Any, keepdim: bool) -> Tensor:
    x = input if input.dtype is _dtype.bool_ else ops.not_equal(input, 0)
    if dim is not None and not is_one_dim(dim) and len(tuple(dim)) == 0:
        result = x  # PyTorch: an empty dim list reduces nothing for all/any
    else:
        result = prim(x, axis=normalize_dims(dim, x.ndim), keepdims=bool(keepdim))
    if input.dtype is _dtype.uint8:  # PyTorch keeps uint8 for uint8 input
        return ops.astype(result, _dtype.uint8)
    return result


def all(
    input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Tensor | None = None
) -> Tensor:
    """Whether every element (over ``dim``) is non-zero, ``nan`` included; a bool tensor.

    An empty reduction gives True. As in PyTorch, a uint8 tensor gives uint8 (0 or 1).

    >>> import arraygrad
    >>> arraygrad.all(arraygrad.tensor([[1, 0], [2, 3]]), dim=1)
    tensor([False,  True])
    """
    if out is not None:
        return written_bool("all", out, all, input, dim, keepdim)
    return _truth_reduction(ops.all, input, dim, keepdim)


def any(
    input: Tensor, dim: Any = None, keepdim: bool = False, *, out: Tensor | None = None
) -> Tensor:
    """Whether some element (over ``dim``) is non-zero, ``nan`` included; a bool tensor.

    An empty reduction gives False. As in PyTorch, a uint8 tensor gives uint8 (0 or 1).

    >>> import arraygrad
    >>> arraygrad.any(arraygrad.tensor([[1, 0], [0, 0]]), dim=1)
    tensor([ True, False])
    """
    if out is not None:
        return written_bool("any", out, any, input, dim, keepdim)
    return _truth_reduction(ops.any, input, dim, keepdim)


def _scan(prim: Any, input: Tensor, dim: int, dtype: _dtype.dtype | None) -> Tensor:
    if dtype is _dtype.bool_ and input.ndim:  # PyTorch has no bool accumulation kernel (a 0-d
        # scan is a copy, which it makes)
        kernel = "cumsum_out_cpu" if prim is ops.cumulative_sum else "cumprod_out_cpu"
        _dtype.check_not_bool(kernel, dtype)
    input = _accumulator(input, dtype)
    if prim is ops.cumulative_prod and input.dtype.is_complex:
        prim = ops.complex_ops.cumulative_prod
    elif input.dtype in _dtype.REDUCED_FLOATS:  # in float32, each sum rounded once, as PyTorch's
        prim = _reduced_floats.twin(prim)
    # (cumsum: a linear map with real coefficients, whose real rule is the complex one)
    axis = normalize_dim(dim, input.ndim)
    if input.ndim == 0:  # a 0-d tensor scans as one element: a copy, nothing to accumulate
        return ops.reshape(prim(ops.reshape(input, shape=(1,)), axis=0), shape=())
    if input.dtype is _dtype.float32 or input.dtype is _dtype.complex64:
        return prim(input, axis=axis, wide=True)  # in double, as PyTorch's CPU kernels
    return prim(input, axis=axis)


def cumsum(
    input: Tensor, dim: int, *, dtype: _dtype.dtype | None = None, out: Tensor | None = None
) -> Tensor:
    """Cumulative sums along ``dim``; integer tensors accumulate in int64.

    >>> import arraygrad
    >>> arraygrad.tensor([1.0, 2.0, 3.0]).cumsum(0)
    tensor([1., 3., 6.])
    """
    if out is not None:
        return computed_in("cumsum", out, cumsum, input, dim, dtype=dtype)
    return _scan(ops.cumulative_sum, input, dim, dtype)


def cumprod(
    input: Tensor, dim: int, *, dtype: _dtype.dtype | None = None, out: Tensor | None = None
) -> Tensor:
    """Cumulative products along ``dim``: ``out[i] = input[0] * ... * input[i]``.

    The gradient is exact where the input has zeros (no ``0/0``). Integer and bool tensors
    accumulate in int64, as in PyTorch.

    >>> import arraygrad
    >>> x = arraygrad.tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> arraygrad.cumprod(x, 0).sum().backward()
    >>> x.grad
    tensor([1., 8., 0.])
    """
    if out is not None:
        return computed_in("cumprod", out, cumprod, input, dim, dtype=dtype)
    return _scan(ops.cumulative_prod, input, dim, dtype)


# --- nan-skipping sums, counts and the min/max pair ----------------------------------------------


def _nan_as_zero(input: Tensor) -> Tensor:
    # Only floating tensors hold nan; the gradient of where() is 0 at the replaced elements,
    # which is PyTorch's nansum gradient.
    _refuse_complex_nansum(input, None)
    if not input.dtype.is_floating_point:
        return input
    return ops.where(ops.isnan(input), _zero_like(input), input)


def _zero_like(input: Tensor) -> Any:
    return _backend.xp.zeros((), dtype=input._data.dtype)


def nansum(
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: _dtype.dtype | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """Sum over ``dim`` treating ``nan`` as 0; ``nan`` elements get a zero gradient.

    >>> import arraygrad
    >>> arraygrad.nansum(arraygrad.tensor([1.0, float("nan"), 2.0]))
    tensor(3.)
    """
    if out is not None:
        if not _check_nansum_out(input, out):  # integers hold no nan: PyTorch sums them
            return computed_in("nansum", out, sum, input, dim, keepdim, dtype=dtype)
        return computed_in("nansum", out, nansum, input, dim, keepdim, dtype=dtype)
    _refuse_complex_nansum(input, dtype, dim)
    return labelled(sum(_nan_as_zero(input), dim, keepdim, dtype=dtype), "NansumBackward0")


def _check_nansum_out(input: Tensor, out: Any) -> bool:
    """Whether ``input`` may hold nan (a float or complex tensor), checking that PyTorch's
    nansum kernel, which runs in out's dtype, has one for it (real floating ones only)."""
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        return False
    if isinstance(out, Tensor) and not out.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"nansum_cpu\" not implemented for '{_dtype.torch_type_name(out.dtype)}'. Fix: "
            "give a float out tensor."
        )
    return True


def _refuse_complex_nansum(input: Tensor, dtype: _dtype.dtype | None, dim: Any = None) -> None:
    """PyTorch's CPU nansum (and so nanmean) refuses complex inputs (after checking ``dim``)
    and complex results."""
    if input.dtype.is_complex:
        normalize_dims(dim, input.ndim)
        raise RuntimeError(
            f"nansum on CPU does not support complex inputs: got a {describe(input)}. Fix: "
            "sum the parts, e.g. arraygrad.view_as_real(x).nansum(...)."
        )
    if dtype is not None and dtype.is_complex:
        raise NotImplementedError(
            f"\"nansum_cpu\" not implemented for '{_dtype.torch_type_name(dtype)}'"
        )


def nanmean(
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: _dtype.dtype | None = None,
    out: Tensor | None = None,
) -> Tensor:
    """Mean of the non-``nan`` elements over ``dim``: ``nansum / count(not nan)`` (``nan`` when
    every element is ``nan``).

    >>> import arraygrad
    >>> arraygrad.tensor([[1.0, float("nan")], [2.0, 4.0]]).nanmean(dim=1)
    tensor([1., 3.])
    """
    if out is not None:
        if not _check_nansum_out(input, out):
            return nanmean(input, dim, keepdim)  # integers: its refusal, whatever out is
        return computed_in("nanmean", out, nanmean, input, dim, keepdim, dtype=dtype)
    _refuse_complex_nansum(input, dtype, dim)
    if not input.dtype.is_floating_point:  # checked before dtype=, as PyTorch does
        raise RuntimeError(
            "nanmean(): expected input to have floating point or complex dtype but got "
            f"{input.dtype.name} ({describe(input)}). Fix: call .float() first."
        )
    if dtype is not None:
        if not dtype.is_floating_point:
            raise RuntimeError(
                "nanmean(): could not infer output dtype. Optional dtype must be either a "
                f"floating point or complex dtype. Got: {_dtype.torch_type_name(dtype)}. Fix: "
                "pass a floating dtype, or none."
            )
        input = ops.astype(input, dtype)
    present = ops.bitwise_invert(ops.isnan(input))
    count = sum(ops.astype(present, input.dtype), dim, keepdim)
    return ops.divide(nansum(input, dim, keepdim), count)


def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:
    """The number of non-zero elements over ``dim`` (an int or a tuple; all when ``None``), an
    int64 tensor. ``nan`` is non-zero.

    >>> import arraygrad
    >>> arraygrad.count_nonzero(arraygrad.tensor([[0, 1, 2], [0, 0, 3]]), dim=1)
    tensor([2, 1])
    """
    nonzero = input if input.dtype is _dtype.bool_ else ops.not_equal(input, 0)
    return sum(nonzero, dim)


def aminmax(
    input: Tensor,
    *,
    dim: int | None = None,
    keepdim: bool = False,
    out: tuple[Tensor, ...] | None = None,
) -> Any:
    """``(min, max)`` over ``dim`` (all elements when ``None``) as ``return_types.aminmax``;
    tied elements share each gradient evenly, as with :func:`amin` and :func:`amax`.

    >>> import arraygrad
    >>> arraygrad.aminmax(arraygrad.tensor([[1.0, 5.0], [7.0, 2.0]]), dim=1).max
    tensor([5., 7.])
    """
    if out is not None:
        return written_each("aminmax", out, aminmax, input, dim=dim, keepdim=keepdim)
    from arraygrad import return_types

    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(
                "aminmax(): cannot compute aminmax over an empty dimension as the operation has "
                f"no identity (input: {describe(input)}). Fix: pass dim= to reduce a non-empty "
                "dimension."
            )
        reduced: Any = ()
    else:
        axis = normalize_dim(dim, input.ndim)
        if input.ndim and input._data.shape[axis] == 0:
            raise IndexError(
                f"aminmax: Expected reduction dim {axis} to have non-zero size (input: "
                f"{describe(input)}). Fix: reduce over a non-empty dimension."
            )
        reduced = axis
    return return_types.aminmax(amin(input, reduced, keepdim), amax(input, reduced, keepdim))
