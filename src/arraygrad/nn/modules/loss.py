"""Loss modules: they hold the options and call :mod:`arraygrad.nn.functional`.

``reduction`` is ``"mean"`` (default), ``"sum"`` or ``"none"``; PyTorch's deprecated
``size_average``/``reduce`` arguments are translated the way PyTorch does.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from arraygrad._tensor import Tensor
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's convention
from arraygrad.nn._common import legacy_reduction
from arraygrad.nn.modules._elsewhere import defined_elsewhere
from arraygrad.nn.modules.module import Module

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CTCLoss",
    "CrossEntropyLoss",
    "HuberLoss",
    "KLDivLoss",
    "L1Loss",
    "LinearCrossEntropyLoss",
    "MSELoss",
    "NLLLoss",
    "NLLLoss2d",
    "SmoothL1Loss",
]

# PyTorch's path for the losses that ``likelihood_loss`` and ``margin_loss`` define on
# _Loss and _WeightedLoss
_ELSEWHERE = {
    "PoissonNLLLoss": "likelihood_loss",
    "GaussianNLLLoss": "likelihood_loss",
    "HingeEmbeddingLoss": "margin_loss",
    "MultiLabelMarginLoss": "margin_loss",
    "SoftMarginLoss": "margin_loss",
    "MultiLabelSoftMarginLoss": "margin_loss",
    "CosineEmbeddingLoss": "margin_loss",
    "MarginRankingLoss": "margin_loss",
    "MultiMarginLoss": "margin_loss",
    "TripletMarginLoss": "margin_loss",
    "TripletMarginWithDistanceLoss": "margin_loss",
}
__all__ += [name for name in _ELSEWHERE if not name.startswith("_")]


def __getattr__(name: str) -> Any:
    return defined_elsewhere(__name__, name, _ELSEWHERE)


class _Loss(Module):
    """Base of the losses: holds ``reduction`` (``"mean"``, ``"sum"`` or ``"none"``), which
    PyTorch's deprecated ``size_average``/``reduce`` override when either is given. Custom
    losses subclass it, as in PyTorch."""

    def __init__(
        self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean"
    ) -> None:
        super().__init__()
        # (the deprecated flags, where given, replace reduction with PyTorch's warning)
        self.reduction = legacy_reduction(size_average, reduce, reduction)


class _WeightedLoss(_Loss):
    """A :class:`_Loss` with a ``weight`` buffer (per class; None when not given)."""

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.weight: Tensor | None


class L1Loss(_Loss):
    """Mean absolute error: the mean (or sum) of ``|input - target|``.

    Input ``(*)``, target the same shape (a broadcast target warns, as in PyTorch); output a
    scalar, or ``(*)`` for ``reduction="none"``. The gradient where ``input == target`` is 0.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, 2.0, 5.0], requires_grad=True)
    >>> loss = arraygrad.nn.L1Loss()(x, arraygrad.tensor([1.0, 0.0, 6.0]))
    >>> loss
    tensor(1., grad_fn=<MeanBackward0>)
    >>> loss.backward()
    >>> x.grad
    tensor([ 0.0000,  0.3333, -0.3333])
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error: the mean (or sum) of ``(input - target) ** 2``.

    Input ``(*)``, target the same shape (a broadcast target warns, as in PyTorch); output a
    scalar, or ``(*)`` for ``reduction="none"``. Floating-point input only.

    >>> import arraygrad
    >>> arraygrad.nn.MSELoss()(arraygrad.tensor([1.0, 2.0]), arraygrad.tensor([0.0, 4.0]))
    tensor(2.5000)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``; ``d = input - target``.

    Quadratic near 0, linear (gradient +-1) beyond ``beta``; ``beta=0`` is the L1 loss, and a
    negative ``beta`` is refused. Input ``(*)``, target the same shape; output a scalar, or
    ``(*)`` for ``reduction="none"``.

    >>> import arraygrad
    >>> loss = arraygrad.nn.SmoothL1Loss(reduction="none")
    >>> loss(arraygrad.tensor([0.5, 3.0]), arraygrad.zeros(2))
    tensor([0.1250, 2.5000])
    """

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        beta: float = 1.0,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``; ``d = input - target``.

    ``delta * SmoothL1Loss(beta=delta)``: the gradient is ``d`` inside and ``+-delta`` outside;
    ``delta`` must be positive. Input ``(*)``, target the same shape; output a scalar, or
    ``(*)`` for ``reduction="none"``.

    >>> import arraygrad
    >>> loss = arraygrad.nn.HuberLoss(reduction="none", delta=2.0)
    >>> loss(arraygrad.tensor([1.0, 3.0]), arraygrad.zeros(2))
    tensor([0.5000, 4.0000])
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(_WeightedLoss):
    """Binary cross entropy ``-w (t log p + (1 - t) log(1 - p))`` of probabilities ``p = input``.

    Each ``log`` is clamped at -100, as in PyTorch, so ``p`` of exactly 0 or 1 gives a finite
    loss; ``p`` outside [0, 1] is a RuntimeError. Prefer :class:`BCEWithLogitsLoss` on logits.
    Input ``(*)``, target the same shape (ValueError otherwise); output a scalar, or ``(*)``.

    >>> import arraygrad
    >>> arraygrad.nn.BCELoss()(arraygrad.tensor([0.8, 0.2]), arraygrad.tensor([1.0, 0.0]))
    tensor(0.2231)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross entropy of ``sigmoid(input)``: ``-w (pos_weight t log s + (1 - t) log(1 - s))``
    with ``s = sigmoid(input)``, computed from the logits with ``log-sigmoid``.

    Finite and accurate for logits of any size (no ``log(0)``). ``pos_weight`` weighs the
    positive term per class (it broadcasts along the last dimension). Input ``(*)``, target the
    same shape (ValueError otherwise); output a scalar, or ``(*)`` for ``reduction="none"``.

    >>> import arraygrad
    >>> logits = arraygrad.tensor([0.0, 1000.0, -1000.0])
    >>> arraygrad.nn.BCEWithLogitsLoss(reduction="none")(logits, arraygrad.ones(3))
    tensor([6.9315e-01, 0.0000e+00, 1.0000e+03])
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        pos_weight: Tensor | None = None,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)
        self.weight: Tensor | None
        self.pos_weight: Tensor | None

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input,
            target,
            self.weight,
            pos_weight=self.pos_weight,
            reduction=self.reduction,
        )


class NLLLoss(_WeightedLoss):
    """Negative log likelihood ``-w[t] * input[n, t]`` of log-probabilities ``input`` at the class
    indices ``t = target[n]``.

    Input ``(N, C)``, ``(C,)`` or ``(N, C, d1, ...)``; target ``(N)``, ``()`` or ``(N, d1, ...)``
    of int64 indices in ``[0, C)`` (IndexError otherwise). ``"mean"`` divides by the sum of
    ``w[t]`` over the targets that are not ``ignore_index``: nan when every target is ignored.

    >>> import arraygrad
    >>> logp = arraygrad.tensor([[-1.0, -2.0, -3.0], [-0.5, -1.5, -2.5]])
    >>> target = arraygrad.tensor([2, 0])
    >>> arraygrad.nn.NLLLoss()(logp, target)
    tensor(1.7500)
    >>> arraygrad.nn.NLLLoss(weight=arraygrad.tensor([1.0, 1.0, 3.0]))(logp, target)
    tensor(2.3750)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )


class NLLLoss2d(NLLLoss):
    """PyTorch's deprecated name for :class:`NLLLoss` on ``(N, C, H, W)`` input, which
    :class:`NLLLoss` takes itself; warns (FutureWarning) when built.

    >>> import arraygrad, warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     loss = arraygrad.nn.NLLLoss2d()
    >>> caught[0].category.__name__
    'FutureWarning'
    >>> loss(arraygrad.zeros(1, 3, 2, 2), arraygrad.zeros(1, 2, 2, dtype=arraygrad.long))
    tensor(0.)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        warnings.warn(
            "`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a drop-in "
            "replacement and see https://pytorch.org/docs/main/nn.html#torch.nn.NLLLoss for "
            "more details.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__(weight, size_average, ignore_index, reduce, reduction)


class CrossEntropyLoss(_WeightedLoss):
    """``nll_loss(log_softmax(input, 1), target)``; targets are class indices or probabilities.

    Input ``(N, C)``, ``(C,)`` or ``(N, C, d1, ...)`` logits; target ``(N)``, ``()`` or
    ``(N, d1, ...)`` class indices, or class probabilities of the input's shape. Stable for
    logits of any size (log-softmax on ``x - max(x)``); the gradient is
    ``softmax(input) - onehot(target)`` (over N for ``"mean"``). ``label_smoothing`` mixes the
    target with the uniform distribution over the C classes.

    >>> import arraygrad
    >>> logits = arraygrad.tensor([[0.0, 0.0], [1000.0, 0.0]], requires_grad=True)
    >>> loss = arraygrad.nn.CrossEntropyLoss()(logits, arraygrad.tensor([0, 0]))
    >>> loss
    tensor(0.3466, grad_fn=<NllLossBackward0>)
    >>> loss.backward()
    >>> logits.grad
    tensor([[-0.2500,  0.2500],
            [ 0.0000,  0.0000]])
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class LinearCrossEntropyLoss(_WeightedLoss):
    """Cross entropy of ``linear(input)`` against ``target``, the classifier's ``Linear``
    (``self.linear``, no bias by default) held by the loss: ``C * prod(out_features)`` outputs,
    viewed as ``(C, *out_features)`` classes per sample (see
    :func:`functional.linear_cross_entropy`). ``weight`` is a buffer (None when not given).

    Input ``(N, in_features)``, target ``(N)`` class indices; output a scalar, or ``(N)``.

    >>> import arraygrad
    >>> loss = arraygrad.nn.LinearCrossEntropyLoss(4, 3)
    >>> loss.linear.weight.shape
    arraygrad.Size([3, 4])
    >>> loss(arraygrad.zeros(2, 4), arraygrad.tensor([0, 2]))
    tensor(1.0986, grad_fn=<NllLossBackward0>)
    """

    def __init__(
        self,
        in_features: int,
        num_classes: int,
        *,
        out_features: tuple[int, ...] = (),
        bias: bool = False,
        device: Any = None,
        dtype: Any = None,
        reduction: str = "mean",
        weight: Tensor | None = None,
        ignore_index: int | None = None,
        label_smoothing: float = 0.0,
        options: Any = None,
    ) -> None:
        from arraygrad.nn.modules.linear import Linear

        super().__init__(weight, reduction=reduction)
        self.num_classes = num_classes
        self.out_features = out_features
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing
        self.options = options
        outputs = num_classes * math.prod(out_features)
        self.linear = Linear(in_features, outputs, bias=bias, device=device, dtype=dtype)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        in_features = self.linear.in_features
        shape = (self.num_classes, *self.out_features)
        bias = self.linear.bias
        return F.linear_cross_entropy(
            input,
            self.linear.weight.reshape(*shape, in_features),
            target,
            linear_bias=None if bias is None else bias.reshape(shape),
            weight=self.weight,
            reduction=self.reduction,
            ignore_index=self.ignore_index,
            label_smoothing=self.label_smoothing,
            options=self.options,
        )

    def extra_repr(self) -> str:
        return (
            f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
            f"out_features={self.out_features}, bias={self.linear.bias is not None}, "
            f"reduction={self.reduction}, ignore_index={self.ignore_index}, "
            f"label_smoothing={self.label_smoothing}, options={self.options}"
        )


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence of ``target`` from ``exp(input)``, pointwise
    ``target * (log(target) - input)`` (0 where ``target`` is 0); ``input`` holds
    log-probabilities, and so does ``target`` when ``log_target=True``.

    ``reduction="batchmean"`` divides the sum by the batch size: the divergence per example.
    ``"mean"`` divides by the number of elements instead, and warns as PyTorch does.
    Input ``(*)``, target the same shape; output a scalar, or ``(*)`` for ``"none"``.

    >>> import arraygrad
    >>> target = arraygrad.tensor([[0.5, 0.5]])
    >>> loss = arraygrad.nn.KLDivLoss(reduction="batchmean")
    >>> loss(arraygrad.tensor([[0.25, 0.75]]).log(), target)
    tensor(0.1438)
    """

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        log_target: bool = False,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class CTCLoss(_Loss):
    """The connectionist temporal classification loss of per-frame log-probabilities against
    label sequences, summed over every alignment (see :func:`arraygrad.nn.functional.ctc_loss`).

    >>> import arraygrad
    >>> loss = CTCLoss(reduction="sum")
    >>> lp = arraygrad.tensor([[0.9, 0.1], [0.1, 0.9], [0.9, 0.1]]).log()
    >>> loss(lp, arraygrad.tensor([1]), (3,), (1,))
    tensor(0.0856)
    """

    def __init__(
        self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False
    ) -> None:
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(
        self, log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any
    ) -> Tensor:
        return F.ctc_loss(
            log_probs,
            targets,
            input_lengths,
            target_lengths,
            self.blank,
            self.reduction,
            self.zero_infinity,
        )
