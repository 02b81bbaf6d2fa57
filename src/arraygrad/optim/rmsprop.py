"""RMSprop: scale each step by a running root mean square of the gradients."""

from __future__ import annotations

from typing import Any

from arraygrad import _backend
from arraygrad._tensor import Tensor
from arraygrad.optim.adam import lerp
from arraygrad.optim.optimizer import (
    Optimizer,
    check_options,
    grad_of,
    increment,
    new_step,
    refuse_differentiable,
    to_scalar,
    write_param,
    zeros_like,
)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop, with PyTorch's update (centered variant, momentum, weight decay, maximize).

    .. math::
        g &\leftarrow g + \lambda\theta, \qquad v \leftarrow \alpha v + (1-\alpha) g^2 \\
        \tilde v &= v - \bar g^2 \text{ with } \bar g \leftarrow \alpha \bar g + (1-\alpha) g
            \text{ if centered, else } v \\
        b &\leftarrow \mu b + g / (\sqrt{\tilde v} + \epsilon), \qquad
            \theta \leftarrow \theta - \gamma b
            \quad (\text{without momentum: } \theta \leftarrow \theta - \gamma g/(\sqrt{\tilde v}
            + \epsilon))

    >>> import arraygrad
    >>> w = arraygrad.tensor([1.0], requires_grad=True)
    >>> opt = arraygrad.optim.RMSprop([w], lr=0.01, alpha=0.75)
    >>> (2 * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([0.9800], requires_grad=True)
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        lr = to_scalar(lr)
        check_options(
            [
                (lr >= 0.0, f"Invalid learning rate: {lr}"),
                (eps >= 0.0, f"Invalid epsilon value: {eps}"),
                (momentum >= 0.0, f"Invalid momentum value: {momentum}"),
                (weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}"),
                (alpha >= 0.0, f"Invalid alpha value: {alpha}"),
            ]
        )
        refuse_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        xp = _backend.xp
        lr = to_scalar(group["lr"])
        alpha, eps = group["alpha"], group["eps"]
        weight_decay, momentum = group["weight_decay"], group["momentum"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = new_step()
                state["square_avg"] = zeros_like(p)
                if momentum > 0:
                    state["momentum_buffer"] = zeros_like(p)
                if group["centered"]:
                    state["grad_avg"] = zeros_like(p)
            grad = grad_of(p)
            if group["maximize"]:
                grad = -grad
            increment(state["step"])
            if weight_decay != 0:
                grad = grad + weight_decay * p._data
            square_avg = state["square_avg"]
            square_avg._data = square_avg._data * alpha + (1 - alpha) * grad * grad
            if group["centered"]:
                grad_avg = state.setdefault("grad_avg", zeros_like(p))
                grad_avg._data = lerp(grad_avg._data, grad, 1 - alpha)
                avg = xp.sqrt(square_avg._data - grad_avg._data * grad_avg._data)
            else:
                avg = xp.sqrt(square_avg._data)
            avg = avg + eps
            if momentum > 0:
                buf = state.setdefault("momentum_buffer", zeros_like(p))
                buf._data = buf._data * momentum + grad / avg
                write_param(p, p._data - lr * buf._data)
            else:
                write_param(p, p._data + (-lr) * (grad / avg))
