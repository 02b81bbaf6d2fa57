"""``renorm``: rescale the slices of a tensor whose p-norm exceeds a bound (the max-norm
constraint of embedding rows and weight vectors)."""

from __future__ import annotations

from arraygrad._dims import normalize_dim
from arraygrad._division import div
from arraygrad._math import add, gt, mul, where
from arraygrad._statistics import vector_norm
from arraygrad._tensor import Tensor, c_ordered_result, describe

__all__ = ["renorm"]


@c_ordered_result
def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each slice ``input.select(dim, i)`` whose ``p``-norm exceeds ``maxnorm`` is scaled by
    ``maxnorm / (norm + 1e-7)`` (PyTorch's factor); the other slices are kept as they are.

    >>> import arraygrad
    >>> arraygrad.renorm(arraygrad.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0)
    tensor([[0.6000, 0.8000],
            [0.3000, 0.4000]])
    """
    if input.ndim < 2:
        raise RuntimeError(
            f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions "
            f"({describe(input)}). Fix: renorm scales slices along dim; use "
            "x * (maxnorm / x.norm(p)).clamp(max=1) for a single vector."
        )
    if not p > 0:
        raise RuntimeError(
            f"renorm: non-positive-norm not supported (got p={p}). Fix: use p > 0, e.g. 2."
        )
    if maxnorm < 0:
        raise RuntimeError(
            f"renorm: expected maxnorm to be >= 0 but got {maxnorm}. Fix: pass the largest "
            "norm a slice may keep."
        )
    axis = normalize_dim(dim, input.ndim)
    others = tuple(i for i in range(input.ndim) if i != axis)
    norm = vector_norm(input, p, others, keepdim=True)
    factor = where(gt(norm, maxnorm), div(maxnorm, add(norm, 1e-7)), 1.0)
    return mul(input, factor)
