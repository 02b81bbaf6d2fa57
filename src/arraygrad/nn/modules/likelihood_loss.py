"""Negative log-likelihood loss modules of the Poisson and Gaussian distributions.

>>> import arraygrad
>>> GaussianNLLLoss()(arraygrad.tensor([1.0]), arraygrad.tensor([3.0]), arraygrad.tensor([4.0]))
tensor(1.1931)
"""

from __future__ import annotations

from arraygrad._tensor import Tensor
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's convention
from arraygrad.nn.modules.loss import _Loss

__all__ = ["GaussianNLLLoss", "PoissonNLLLoss"]


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood: ``exp(x) - y x`` for ``log_input=True`` (``x`` the log
    rate), else ``x - y log(x + eps)`` (``x`` the rate).

    ``full=True`` adds Stirling's ``y log y - y + 0.5 log(2 pi y)`` where ``y > 1``. Input
    ``(*)``, target the same shape; output a scalar, or ``(*)`` for ``reduction="none"``.

    >>> import arraygrad
    >>> loss = arraygrad.nn.PoissonNLLLoss(reduction="none")
    >>> loss(arraygrad.tensor([0.0, 1.0]), arraygrad.tensor([1.0, 2.0]))
    tensor([1.0000, 0.7183])
    """

    def __init__(
        self,
        log_input: bool = True,
        full: bool = False,
        size_average: bool | None = None,
        eps: float = 1e-8,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        return F.poisson_nll_loss(
            log_input,
            target,
            log_input=self.log_input,
            full=self.full,
            eps=self.eps,
            reduction=self.reduction,
        )


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood ``0.5 (log(var) + (x - y)^2 / var)``, with ``var``
    clamped to at least ``eps`` outside autograd, as in PyTorch (a clamped entry gets the
    gradient at ``var = eps``).

    ``full=True`` adds ``0.5 log(2 pi)``. Input ``(N, *)`` or ``(*)``, target the same shape,
    ``var`` the same shape, one dimension of size 1 fewer or 1 (one variance shared), or a float.
    Output a scalar, or the input's shape for ``reduction="none"``.

    >>> import arraygrad
    >>> loss = arraygrad.nn.GaussianNLLLoss(reduction="none")
    >>> x, var = arraygrad.tensor([1.0, 2.0]), arraygrad.tensor([4.0, 1.0])
    >>> loss(x, arraygrad.tensor([3.0, 2.0]), var)
    tensor([1.1931, 0.0000])
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:
        return F.gaussian_nll_loss(
            input, target, var, full=self.full, eps=self.eps, reduction=self.reduction
        )
