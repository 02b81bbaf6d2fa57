"""Order statistics: ``quantile``, ``nanquantile``, ``nanmedian`` and ``mode``.

Each sorts on raw arrays (no gradient flows through a comparison) and gathers the chosen
elements, so the gradient goes to exactly those elements; ``quantile`` interpolates between two
of them with PyTorch's ``lerp``, splitting the gradient by the interpolation weight.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from arraygrad import _autocast_flag, _backend, _dtype, ops
from arraygrad._binary import lerp
from arraygrad._comparison import isnan, logical_not, lt
from arraygrad._dims import normalize_dim
from arraygrad._indexing import take_along
from arraygrad._math import as_tensor, astype, mul, sub, where
from arraygrad._out import written_each, written_exactly
from arraygrad._primitive import labelled
from arraygrad._sorting import _along, _argsort, _evenly, _reduce_dim, check_median_dtype
from arraygrad._tensor import Tensor, describe
from arraygrad._unary import not_implemented

__all__ = [
    "mode",
    "nanmedian",
    "nanquantile",
    "quantile",
]

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _q_tensor(name: str, input: Tensor, q: Any) -> tuple[Tensor, bool]:
    """``q`` as a 1-D tensor of the input's dtype (a tensor ``q`` keeps its graph: the result
    is differentiable in it), and whether it was a scalar."""
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(
                f"{name}() q must be a scalar or 1D tensor, got {describe(q)}."
                " Fix: pass q as a number or a 1-D tensor (e.g. q.flatten())."
            )
        if q.dtype is not input.dtype:
            raise RuntimeError(
                f"{name}() q tensor must be same dtype as the input tensor, got {q.dtype.name} "
                f"and {input.dtype.name}. Fix: q.to(input.dtype)."
            )
        xp = _backend.xp
        if q.numel():  # an empty q has nothing to check; a read into Python (compile: eager)
            low, high = _backend.item(xp.min(q._data)), _backend.item(xp.max(q._data))
            if not (low >= 0 and high <= 1):
                bad = low if not low >= 0 else high
                raise RuntimeError(
                    f"{name}() q must be in the range [0, 1] but got {bad}"
                    ". Fix: pass q in [0, 1] (divide percentages by 100)."
                )
        return ops.reshape(q, shape=(-1,)), q.ndim == 0
    if isinstance(q, numbers.Real):  # (a bool too: PyTorch reads True as q = 1.0)
        if not 0 <= float(q) <= 1:
            raise RuntimeError(
                f"{name}() q must be in the range [0, 1] but got {q}"
                ". Fix: pass q in [0, 1] (divide percentages by 100)."
            )
        return as_tensor([float(q)], dtype=input.dtype), True
    raise TypeError(
        f"{name}() received an invalid combination of arguments: q must be a float or a "
        f"Tensor, got {type(q).__name__}. Fix: pass a tensor, e.g. torch.tensor(q)."
    )


def _quantile(
    name: str,
    input: Tensor,
    q: Any,
    dim: int | None,
    keepdim: bool,
    interpolation: str,
    ignore_nan: bool,
) -> Tensor:
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"{name}() input tensor must be either float or double dtype, got "
            f"{input.dtype.name}. Fix: convert it with .float()."
        )
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(
            f"{name}() interpolation must be one of linear, lower, higher, midpoint or "
            f"nearest, but got {interpolation}"
            ". Fix: pass one of those."
        )
    qs, scalar = _q_tensor(name, input, q)
    if input.numel() == 0:
        raise RuntimeError(
            f"{name}() input tensor must be non-empty ({describe(input)})."
            " Fix: pass a non-empty tensor (nanquantile of all-NaN rows "
            "returns NaN)."
        )
    if dim is None:
        x, axis = ops.reshape(input, shape=(-1,)), 0
    else:
        axis = normalize_dim(dim, input.ndim)
        x = input if input.ndim else ops.reshape(input, shape=(1,))
    # Move the reduced dimension last and sort it (NaNs go last).
    last = x.ndim - 1
    if axis != last:
        order_axes = (*(d for d in range(x.ndim) if d != axis), axis)
        x = ops.permute_dims(x, axes=order_axes)
    order = _argsort(x._data, last, descending=False)
    ordered = take_along(x, order, last)  # [..., n]
    n = ordered.shape[-1]
    nan = isnan(ordered.detach())
    # The rank q (n - 1) of each q, as a tensor: differentiable in q (and in nothing else).
    column = ops.reshape(qs, shape=(-1,) + (1,) * ordered.ndim)  # [Q, 1, ..., 1]
    if ignore_nan:
        count = ops.sum(astype(logical_not(nan), x.dtype), axis=(last,), keepdims=True)
        ranks = mul(column, sub(count, 1.0))
        ranks = where(lt(ranks, 0.0), 0.0, ranks)  # an all-NaN row: NaN anyway
    else:
        ranks = mul(column, float(n - 1))
        any_nan = ops.any(nan, axis=(last,), keepdims=True)
        ranks = where(any_nan, float(n - 1), ranks)  # NaN propagates
    # ranks: [Q, ..., 1]; gather from the sorted values broadcast to one copy per q.
    stacked = ops.broadcast_to(ordered, shape=(qs.shape[0], *ordered.shape))
    ranks = ops.broadcast_to(ranks, shape=(qs.shape[0], *ordered.shape[:-1], 1))
    fixed = ranks.detach()

    def pick(positions: Tensor) -> Tensor:
        index = ops.astype(positions, _dtype.int64)._data
        return take_along(stacked, index, stacked.ndim - 1)

    if interpolation == "lower":
        out = pick(ops.floor(fixed))
    elif interpolation == "higher":
        out = pick(ops.ceil(fixed))
    elif interpolation == "nearest":
        out = pick(ops.round(fixed))  # halves to even, as torch.round
    else:
        below, above = ops.floor(fixed), ops.ceil(fixed)
        weight = sub(ranks, below) if interpolation == "linear" else 0.5
        out = lerp(pick(below), pick(above), weight)
    out_shape = list(out.shape[:-1])  # [Q, kept dims...]
    if keepdim:
        if dim is None:
            out_shape = [out_shape[0]] + [1] * input.ndim
        elif input.ndim:
            out_shape.insert(axis + 1, 1)
    if scalar:
        out_shape = out_shape[1:]
    return ops.reshape(out, shape=tuple(out_shape))


def quantile(
    input: Tensor,
    q: Any,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
    out: Tensor | None = None,
) -> Tensor:
    """The ``q``-th quantiles (``q`` a float or a 1-D tensor in ``[0, 1]``) over ``dim`` (all
    elements when ``None``): the value at rank ``q (n - 1)`` of the sorted elements, between
    ranks by ``interpolation`` (``linear``, ``lower``, ``higher``, ``midpoint``, ``nearest``).
    A 1-D ``q`` puts one result per quantile in a new first dimension; NaN propagates.

    >>> import arraygrad
    >>> arraygrad.tensor([1.0, 2.0, 3.0, 4.0]).quantile(0.5)
    tensor(2.5000)
    """
    if out is not None:
        return written_exactly(
            "quantile", out, quantile, input, q, dim, keepdim, interpolation=interpolation
        )
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts quantile to float32
        from arraygrad.amp import _casts

        return _casts.full(quantile, input, q, dim, keepdim, interpolation=interpolation)
    return _quantile("quantile", input, q, dim, keepdim, interpolation, ignore_nan=False)


def nanquantile(
    input: Tensor,
    q: Any,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
    out: Tensor | None = None,
) -> Tensor:
    """:func:`quantile` of the non-NaN elements (NaN where all of them are NaN).

    >>> import arraygrad
    >>> arraygrad.tensor([1.0, float("nan"), 3.0]).nanquantile(0.5)
    tensor(2.)
    """
    if out is not None:
        return written_exactly(
            "nanquantile", out, nanquantile, input, q, dim, keepdim, interpolation=interpolation
        )
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts quantile to float32
        from arraygrad.amp import _casts

        return _casts.full(nanquantile, input, q, dim, keepdim, interpolation=interpolation)
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, ignore_nan=True)


def nanmedian(
    input: Tensor, dim: Any = None, keepdim: bool = False, *, out: tuple[Tensor, ...] | None = None
) -> Any:
    """The lower median of the non-NaN elements, over all elements or as ``(values, indices)``
    along ``dim``; NaN where every element is NaN. Over all elements ties share the gradient.

    >>> import arraygrad
    >>> arraygrad.tensor([4.0, float("nan"), 1.0, 3.0]).nanmedian()
    tensor(3.)
    """
    if out is not None:
        return written_each("nanmedian", out, nanmedian, input, dim, keepdim)
    xp = _backend.xp
    check_median_dtype(input, dim)
    if dim is None:
        if input.numel() == 0:  # nan, still in the graph (its gradient is empty), as in torch
            return ops.add(ops.sum(input, axis=None, keepdims=False), math.nan)
        flat = xp.reshape(input._data, (-1,))
        # (xp.getitem, not flat[mask]: a lazy library's mask is read there to size the result)
        present = xp.getitem(flat, ~xp.isnan(flat)) if input.dtype.is_floating_point else flat
        if present.shape[0] == 0:
            value = math.nan
        else:
            value = _backend.item(xp.sort(present)[(present.shape[0] - 1) // 2])
        return labelled(_evenly(input, value), "NanmedianBackward0")  # (PyTorch's name)
    x, axis = _reduce_dim("nanmedian", input, dim)
    order = _argsort(x._data, axis, descending=False)  # NaNs sort last
    if input.dtype.is_floating_point:
        present = xp.logical_not(xp.isnan(x._data))
        count = xp.sum(xp.astype(present, xp.int64), axis=axis, keepdims=True)
    else:
        kept = tuple(1 if d == axis else s for d, s in enumerate(x._data.shape))
        count = xp.full(kept, x._data.shape[axis], dtype=xp.int64)
    # Through the namespace, not operators: arraygrad.compile records namespace calls.
    middle = xp.where(
        xp.greater(count, 0), xp.floor_divide(xp.subtract(count, 1), 2), xp.zeros_like(count)
    )
    index = xp.take_along_axis(order, middle, axis=axis)
    return _along("nanmedian", input, axis, keepdim, index)


def mode(
    input: Tensor, dim: int = -1, keepdim: bool = False, *, out: tuple[Tensor, ...] | None = None
) -> Any:
    """``(values, indices)`` of the most frequent value along ``dim`` (the smallest of those
    tied for most frequent) and the index of one of its occurrences; the gradient goes to that
    element. The index is PyTorch's: the occurrence its CPU sort (libstdc++'s ``std::sort``)
    leaves last, which is the last in index order for up to 16 elements. Past 16, where the
    value occurs more than once, arraygrad replays that sort in Python on the row (about 2
    microseconds an element).

    >>> import arraygrad
    >>> values, indices = arraygrad.tensor([1.0, 2.0, 2.0, 1.0, 3.0]).mode()
    >>> values.item(), indices.item()
    (1.0, 3)
    """
    if out is not None:
        return written_each("mode", out, mode, input, dim, keepdim)
    axis = normalize_dim(dim, input.ndim)  # (checked before the dtype, as PyTorch does)
    if input.dtype.is_complex:
        raise not_implemented(
            "mode_cpu", input, "complex numbers have no order: take the mode of x.real or x.imag."
        )
    x = input if input.ndim else ops.reshape(input, shape=(1,))
    if x._data.shape[axis] == 0:
        raise IndexError(
            f"mode(): Expected reduction dim {axis} to have non-zero size ({describe(input)}). "
            "Fix: reduce over a non-empty dimension."
        )
    index = ops.mode_index(x.detach(), axis=axis)._data
    return _along("mode", input, axis, keepdim, index)
