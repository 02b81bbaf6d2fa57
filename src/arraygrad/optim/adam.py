"""Adam and AdamW: adaptive moment estimation, with coupled or decoupled weight decay."""

from __future__ import annotations

from typing import Any

from arraygrad import _backend
from arraygrad._tensor import Tensor
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

__all__ = ["Adam", "AdamW"]


def lerp(start: Any, end: Any, weight: float) -> Any:
    """``start + weight * (end - start)``, evaluated as PyTorch's kernel does for accuracy."""
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


class Adam(Optimizer):
    r"""Adam, with PyTorch's update (AMSGrad, L2 or decoupled weight decay, maximize).

    For step :math:`t` and gradient :math:`g` (negated when ``maximize``; plus
    :math:`\lambda\theta` for L2 weight decay, or :math:`\theta \leftarrow \theta(1-\gamma\lambda)`
    first when the decay is decoupled):

    .. math::
        m &\leftarrow \beta_1 m + (1-\beta_1) g, \qquad v \leftarrow \beta_2 v + (1-\beta_2) g^2 \\
        \hat v &= \max(\hat v, v) \text{ with amsgrad, else } v \\
        \theta &\leftarrow \theta - \frac{\gamma}{1-\beta_1^t}
            \frac{m}{\sqrt{\hat v}/\sqrt{1-\beta_2^t} + \epsilon}

    >>> import arraygrad
    >>> w = arraygrad.tensor([1.0], requires_grad=True)
    >>> opt = arraygrad.optim.Adam([w], lr=0.1)
    >>> (3 * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([0.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        lr = to_scalar(lr)
        betas = (to_scalar(betas[0]), to_scalar(betas[1]))
        check_options(
            [
                (lr >= 0.0, f"Invalid learning rate: {lr}"),
                (eps >= 0.0, f"Invalid epsilon value: {eps}"),
                (0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}"),
                (0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}"),
                (weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}"),
            ]
        )
        refuse_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        xp = _backend.xp
        lr = to_scalar(group["lr"])
        beta1, beta2 = (to_scalar(b) for b in group["betas"])
        eps = group["eps"]
        weight_decay = group["weight_decay"]
        amsgrad = group["amsgrad"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = new_step()
                state["exp_avg"] = zeros_like(p)
                state["exp_avg_sq"] = zeros_like(p)
                if amsgrad:
                    state["max_exp_avg_sq"] = zeros_like(p)
            grad = grad_of(p)
            if group["maximize"]:
                grad = -grad
            step = increment(state["step"])
            param = p._data
            if weight_decay != 0:
                if group["decoupled_weight_decay"]:
                    param = param * (1 - lr * weight_decay)
                else:
                    grad = grad + weight_decay * param
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            exp_avg._data = lerp(exp_avg._data, grad, 1 - beta1)
            exp_avg_sq._data = exp_avg_sq._data * beta2 + (1 - beta2) * grad * grad

            bias_correction1 = 1 - beta1**step
            bias_correction2 = 1 - beta2**step
            step_size = lr / bias_correction1
            bias_correction2_sqrt = bias_correction2**0.5
            second = exp_avg_sq._data
            if amsgrad:
                # with state from an optimizer built without amsgrad, start the max from zeros
                running_max = state.setdefault("max_exp_avg_sq", zeros_like(p))
                running_max._data = xp.maximum(running_max._data, second)
                second = running_max._data
            denom = xp.sqrt(second) / bias_correction2_sqrt + eps
            write_param(p, param + (-step_size) * exp_avg._data / denom)


class AdamW(Adam):
    r"""Adam with decoupled weight decay: :math:`\theta \leftarrow \theta(1 - \gamma\lambda)`
    before the Adam step, so the decay does not pass through the moment estimates.

    >>> import arraygrad
    >>> w = arraygrad.tensor([1.0], requires_grad=True)
    >>> opt = arraygrad.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (3 * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([0.8500], requires_grad=True)
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """As :meth:`Optimizer.load_state_dict`; the decay always stays decoupled."""
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
