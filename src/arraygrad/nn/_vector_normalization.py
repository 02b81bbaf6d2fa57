"""Vectors divided by their norms: ``normalize`` and ``cosine_similarity``."""

from __future__ import annotations

from arraygrad import _clamp, _dtype, _reduction
from arraygrad._dims import normalize_dim
from arraygrad._statistics import vector_norm
from arraygrad._tensor import Tensor, describe
from arraygrad._views import broadcast_tensors
from arraygrad.nn._common import clamp_min_straight_through

__all__ = ["cosine_similarity", "normalize"]


def normalize(
    input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None
) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim``.

    >>> import arraygrad
    >>> normalize(arraygrad.tensor([[3.0, 4.0]]))
    tensor([[0.6000, 0.8000]])
    >>> normalize(arraygrad.tensor([[3.0, 0.0, 1.0]]), p=0)  # p = 0 counts the nonzero entries
    tensor([[1.5000, 0.0000, 0.5000]])
    """
    axis = normalize_dim(dim, input.ndim)
    # PyTorch's composite: the p-norm for any p, 0 and negative ones included (its rule gives a
    # nan second derivative at a zero vector, as PyTorch's does), clamped with a gradient and
    # expanded, so that the graph has PyTorch's nodes.
    norm = _clamp.clamp_min(vector_norm(input, p, axis, keepdim=True), eps).expand_as(input)
    result = input / norm
    if out is not None:
        out.copy_(result)
        return out
    return result


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim``.

    As in PyTorch, each input is divided by its own (clamped) norm before the product, and the
    clamp is applied outside the graph: the gradient flows through the unclamped norm.

    >>> import arraygrad
    >>> cosine_similarity(arraygrad.tensor([[1.0, 0.0]]), arraygrad.tensor([[1.0, 1.0]]))
    tensor([0.7071])
    """
    if not _dtype.one_wide_float(x1, x2):
        x1, x2 = _floating_operands(x1, x2)
    ndim = max(x1.ndim, x2.ndim)
    axis = normalize_dim(dim, ndim)
    x1, x2 = broadcast_tensors(x1, x2)
    parts = []
    for x in (x1, x2):
        parts.append(x / clamp_min_straight_through(vector_norm(x, 2, axis, keepdim=True), eps))
    return _reduction.sum(parts[0] * parts[1], axis)


def _floating_operands(x1: Tensor, x2: Tensor) -> tuple[Tensor, Tensor]:
    """``x1`` and ``x2`` as PyTorch's ``cosine_similarity`` takes them: their promoted dtype
    must be floating point, and only an integer (or bool) input is converted to it. A floating
    one keeps its dtype, so each norm and quotient is taken in its own input's dtype (float16
    beside float64 rounds its norm in float16); the product then promotes."""
    common = _dtype.promote_types(x1.dtype, x2.dtype)
    if not common.is_floating_point:
        raise RuntimeError(
            "expected common dtype to be floating point, yet common dtype is "
            f"{_dtype.torch_type_name(common)} (cosine_similarity of {describe(x1)} and "
            f"{describe(x2)}). Fix: convert them to a floating-point dtype, e.g. x1.float()."
        )
    x1, x2 = (x if x.dtype.is_floating_point or x.is_complex() else x.to(common) for x in (x1, x2))
    return x1, x2
