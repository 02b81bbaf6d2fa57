"""PyTorch's reductions (``sum``, ``mean``) on top of the reduction primitives."""

from __future__ import annotations

from typing import Any

from arraygrad import _dtype, ops
from arraygrad._dims import normalize_dims
from arraygrad._tensor import Tensor

__all__ = [
    "mean",
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
    return ops.sum(input, axis=normalize_dims(dim, input.ndim), keepdims=bool(keepdim))


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
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {input.dtype.name}. Fix: call .float() first or pass "
            "dtype=arraygrad.float32."
        )
    return ops.mean(input, axis=normalize_dims(dim, input.ndim), keepdims=bool(keepdim))
