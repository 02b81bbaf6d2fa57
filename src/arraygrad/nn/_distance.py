"""``pairwise_distance``: the ``p``-norm distance between matching rows of two tensors;
``pdist`` (the same as ``arraygrad.pdist``): between every pair of rows of one tensor."""

from __future__ import annotations

from arraygrad import _statistics
from arraygrad._distances import pdist
from arraygrad._tensor import Tensor

__all__ = ["pairwise_distance", "pdist"]


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """``||x1 - x2 + eps||_p`` over the last dimension (after broadcasting ``x1`` and ``x2``).

    ``eps`` is added to the difference, as in PyTorch, so that the norm (and its gradient) stays
    away from the kink at 0. ``p`` may be any number, ``inf`` or 0; two 0-d inputs give
    ``|x1 - x2 + eps|``.

    >>> import arraygrad
    >>> pairwise_distance(arraygrad.tensor([[3.0, 0.0]]), arraygrad.tensor([[0.0, 4.0]]), eps=0.0)
    tensor([5.])
    """
    difference = x1 - x2 + eps
    if difference.ndim == 0:
        # PyTorch reduces a 0-d difference over "dimension -1": the element itself.
        return _statistics.vector_norm(difference, p, None, keepdim)
    return _statistics.vector_norm(difference, p, -1, keepdim)
