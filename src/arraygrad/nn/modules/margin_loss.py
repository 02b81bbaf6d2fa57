"""Margin and embedding loss modules: they hold the options and call
:mod:`arraygrad.nn.functional`.

>>> import arraygrad
>>> MarginRankingLoss(margin=0.5)(
...     arraygrad.tensor([1.0]), arraygrad.tensor([0.8]), arraygrad.tensor([1.0])
... )
tensor(0.3000)
"""

from __future__ import annotations

from collections.abc import Callable

from arraygrad._tensor import Tensor
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's convention
from arraygrad.nn.modules.distance import PairwiseDistance
from arraygrad.nn.modules.loss import _Loss, _WeightedLoss

__all__ = [
    "CosineEmbeddingLoss",
    "HingeEmbeddingLoss",
    "MarginRankingLoss",
    "MultiLabelMarginLoss",
    "MultiLabelSoftMarginLoss",
    "MultiMarginLoss",
    "SoftMarginLoss",
    "TripletMarginLoss",
    "TripletMarginWithDistanceLoss",
]


class MarginRankingLoss(_Loss):
    """``max(0, -y * (x1 - x2) + margin)`` for targets ``y`` in {1, -1}: ``y = 1`` asks for
    ``x1 > x2 + margin``, ``y = -1`` for ``x2 > x1 + margin``.

    ``input1``, ``input2`` and ``target`` ``(N)`` or ``()``; output a scalar, or ``(N)`` for
    ``reduction="none"``.

    >>> import arraygrad
    >>> loss = arraygrad.nn.MarginRankingLoss(margin=1.0, reduction="none")
    >>> loss(arraygrad.tensor([3.0, 1.0]), arraygrad.tensor([1.0, 1.0]), arraygrad.tensor([1, -1]))
    tensor([0., 1.])
    """

    def __init__(
        self,
        margin: float = 0.0,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.margin_ranking_loss(
            input1, input2, target, margin=self.margin, reduction=self.reduction
        )


class HingeEmbeddingLoss(_Loss):
    """``x`` where ``y`` is 1, ``max(0, margin - x)`` where ``y`` is -1 (``x`` typically a
    distance between two inputs).

    Input ``(*)``, target the same shape with values 1 or -1; output a scalar, or ``(*)``.

    >>> import arraygrad
    >>> loss = arraygrad.nn.HingeEmbeddingLoss(reduction="none")
    >>> loss(arraygrad.tensor([0.3, 0.3, 2.0]), arraygrad.tensor([1.0, -1.0, -1.0]))
    tensor([0.3000, 0.7000, 0.0000])
    """

    def __init__(
        self,
        margin: float = 1.0,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """Two-class logistic loss ``log(1 + exp(-y x))`` for targets ``y`` in {1, -1}.

    Computed as a stable softplus: finite for any input, where PyTorch's overflows to inf
    (for ``-y x`` beyond about 88 in float32). Input ``(*)``, target the same shape; output a
    scalar, or ``(*)`` for ``reduction="none"``.

    >>> import arraygrad
    >>> loss = arraygrad.nn.SoftMarginLoss(reduction="none")
    >>> loss(arraygrad.tensor([0.0, 1000.0]), arraygrad.tensor([1.0, 1.0]))
    tensor([0.6931, 0.0000])
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """``1 - cos(x1, x2)`` where ``y`` is 1, ``max(0, cos(x1, x2) - margin)`` where it is -1.

    ``cos`` is taken along the last dimension. ``input1``, ``input2`` ``(N, D)`` or ``(D)``,
    target ``(N)`` or ``()``; output a scalar, or ``(N)`` for ``reduction="none"``.

    >>> import arraygrad
    >>> x1 = arraygrad.tensor([[1.0, 0.0], [1.0, 0.0]])
    >>> x2 = arraygrad.tensor([[0.0, 2.0], [3.0, 0.0]])
    >>> arraygrad.nn.CosineEmbeddingLoss(reduction="none")(x1, x2, arraygrad.tensor([1, -1]))
    tensor([1., 1.])
    """

    def __init__(
        self,
        margin: float = 0.0,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.cosine_embedding_loss(
            input1, input2, target, margin=self.margin, reduction=self.reduction
        )


class TripletMarginLoss(_Loss):
    """``max(0, d(a, p) - d(a, n) + margin)`` with ``d(x, y) = ||x - y + eps||_p`` (the pairwise
    distance); ``swap=True`` uses ``min(d(a, n), d(p, n))`` for the negative distance.

    ``anchor``, ``positive``, ``negative`` ``(N, D)`` or ``(D)``; output a scalar, or ``(N)``.
    ``margin`` must be positive (ValueError).

    >>> import arraygrad
    >>> anchor, positive = arraygrad.zeros(1, 2), arraygrad.tensor([[3.0, 4.0]])
    >>> arraygrad.nn.TripletMarginLoss(margin=1.0)(anchor, positive, arraygrad.tensor([[0.0, 1.0]]))
    tensor(5.0000)
    """

    def __init__(
        self,
        margin: float = 1.0,
        p: float = 2.0,
        eps: float = 1e-6,
        swap: bool = False,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(
                f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead"
                ". Fix: pass margin > 0, e.g. margin=1.0."
            )
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_loss(
            anchor,
            positive,
            negative,
            margin=self.margin,
            p=self.p,
            eps=self.eps,
            swap=self.swap,
            reduction=self.reduction,
        )


class TripletMarginWithDistanceLoss(_Loss):
    """``max(0, d(a, p) - d(a, n) + margin)`` with any ``distance_function`` ``d`` (default
    ``PairwiseDistance()``, the Euclidean distance); ``swap=True`` uses ``min(d(a, n), d(p, n))``.

    ``d`` maps two ``(N, D)`` tensors to ``(N)`` distances; output a scalar, or ``(N)``.

    >>> import arraygrad
    >>> l1 = lambda x, y: (x - y).abs().sum(-1)
    >>> loss = arraygrad.nn.TripletMarginWithDistanceLoss(distance_function=l1, margin=1.0)
    >>> loss(arraygrad.zeros(1, 2), arraygrad.tensor([[3.0, 4.0]]), arraygrad.tensor([[0.0, 1.0]]))
    tensor(7.)
    """

    def __init__(
        self,
        *,
        distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
        margin: float = 1.0,
        swap: bool = False,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average=None, reduce=None, reduction=reduction)
        if margin <= 0:
            raise ValueError(
                "TripletMarginWithDistanceLoss: expected margin to be greater than 0, got "
                f"{margin} instead"
                ". Fix: pass margin > 0, e.g. margin=1.0."
            )
        # PyTorch's default is a PairwiseDistance submodule (it shows in the repr).
        self.distance_function = (
            distance_function if distance_function is not None else PairwiseDistance()
        )
        self.margin = margin
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_with_distance_loss(
            anchor,
            positive,
            negative,
            distance_function=self.distance_function,
            margin=self.margin,
            swap=self.swap,
            reduction=self.reduction,
        )


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """One-versus-all logistic loss per sample, for 0/1 targets ``y``:
    ``-mean_c w_c (y_c log sigmoid(x_c) + (1 - y_c) log sigmoid(-x_c))``.

    Input ``(N, C)``, target ``(N, C)``; output a scalar, or ``(N)`` for ``reduction="none"``.

    >>> import arraygrad
    >>> loss = arraygrad.nn.MultiLabelSoftMarginLoss()
    >>> loss(arraygrad.tensor([[0.0, 0.0]]), arraygrad.tensor([[1.0, 0.0]]))
    tensor(0.6931)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multilabel_soft_margin_loss(
            input, target, weight=self.weight, reduction=self.reduction
        )


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss ``sum_{i != y} w_y max(0, margin - x[y] + x[i])^p / C``.

    Input ``(N, C)`` or ``(C)``, target ``(N)`` or ``()`` class indices; ``p`` is 1 or 2.
    Output a scalar, or ``(N)`` for ``reduction="none"``.

    >>> import arraygrad
    >>> loss = arraygrad.nn.MultiMarginLoss()
    >>> loss(arraygrad.tensor([[0.1, 0.2, 0.4, 0.8]]), arraygrad.tensor([3]))
    tensor(0.3250)
    """

    def __init__(
        self,
        p: int = 1,
        margin: float = 1.0,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError(f"only p == 1 and p == 2 supported (got p={p}). Fix: pass p=1 or p=2.")
        if weight is not None and weight.dim() != 1:
            raise ValueError(
                f"MultiMarginLoss: expected weight to be None or 1D tensor, got "
                f"{weight.dim()}D instead"
                f" (shape {list(weight.shape)}). Fix: pass one weight per class as a 1-D "
                "tensor."
            )
        self.p = p
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multi_margin_loss(
            input,
            target,
            p=self.p,
            margin=self.margin,
            weight=self.weight,
            reduction=self.reduction,
        )


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss ``sum_{j in y, i not in y} max(0, 1 - (x[j] - x[i])) / C``.

    Each target row lists the sample's class indices, ended by the first -1 (the rest is
    ignored). Input ``(C)`` or ``(N, C)``, target the same shape (int64); output a scalar, or
    ``(N)`` for ``reduction="none"``.

    >>> import arraygrad
    >>> loss = arraygrad.nn.MultiLabelMarginLoss()
    >>> loss(arraygrad.tensor([[0.1, 0.2, 0.4, 0.8]]), arraygrad.tensor([[3, 0, -1, 1]]))
    tensor(0.8500)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)
