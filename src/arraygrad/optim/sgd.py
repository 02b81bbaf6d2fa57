"""Stochastic gradient descent, with momentum, dampening, Nesterov momentum and weight decay."""

from __future__ import annotations

from typing import Any

from arraygrad import _backend
from arraygrad._tensor import Tensor
from arraygrad.optim.optimizer import (
    Optimizer,
    check_options,
    grad_of,
    refuse_differentiable,
    to_scalar,
    write_param,
)

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent, with PyTorch's update.

    For each parameter :math:`\theta` with gradient :math:`g` (negated when ``maximize``):

    .. math::
        g &\leftarrow g + \lambda \theta \\
        b &\leftarrow \mu b + (1 - \tau) g \quad (b = g \text{ on the first step}) \\
        g &\leftarrow g + \mu b \text{ if nesterov else } b \\
        \theta &\leftarrow \theta - \gamma g

    with learning rate :math:`\gamma` (``lr``), momentum :math:`\mu`, dampening :math:`\tau` and
    weight decay :math:`\lambda`.

    >>> import arraygrad
    >>> w = arraygrad.tensor([1.0], requires_grad=True)
    >>> opt = arraygrad.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> (2 * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([0.8000], requires_grad=True)
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        lr = to_scalar(lr)
        check_options(
            [
                (lr >= 0.0, f"Invalid learning rate: {lr}"),
                (momentum >= 0.0, f"Invalid momentum value: {momentum}"),
                (weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}"),
                (
                    not (nesterov and (momentum <= 0 or dampening != 0)),
                    "Nesterov momentum requires a momentum and zero dampening",
                ),
            ]
        )
        refuse_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        lr = to_scalar(group["lr"])
        momentum = group["momentum"]
        dampening = group["dampening"]
        weight_decay = group["weight_decay"]
        for p in params:
            grad = grad_of(p)
            if group["maximize"]:
                grad = -grad
            if weight_decay != 0:
                grad = grad + weight_decay * p._data
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = Tensor._wrap(_backend.copy(grad))
                else:
                    buf._data = buf._data * momentum + (1 - dampening) * grad
                grad = grad + momentum * buf._data if group["nesterov"] else buf._data
            write_param(p, p._data - lr * grad)
