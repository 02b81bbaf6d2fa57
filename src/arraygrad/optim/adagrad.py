"""Adagrad: per-coordinate steps scaled by the root of the summed squared gradients."""

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
)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad, with PyTorch's update (learning-rate decay, weight decay, maximize).

    .. math::
        g &\leftarrow g + \lambda\theta, \qquad
            \tilde\gamma = \frac{\gamma}{1 + (t - 1)\eta} \\
        s &\leftarrow s + g^2, \qquad
            \theta \leftarrow \theta - \tilde\gamma \frac{g}{\sqrt{s} + \epsilon}

    with ``lr_decay`` :math:`\eta` and :math:`s` starting at ``initial_accumulator_value``.

    >>> import arraygrad
    >>> w = arraygrad.tensor([1.0], requires_grad=True)
    >>> opt = arraygrad.optim.Adagrad([w], lr=0.5)
    >>> (2 * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([0.5000], requires_grad=True)
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        lr = to_scalar(lr)
        check_options(
            [
                (lr >= 0.0, f"Invalid learning rate: {lr}"),
                (lr_decay >= 0.0, f"Invalid lr_decay value: {lr_decay}"),
                (weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}"),
                (
                    initial_accumulator_value >= 0.0,
                    f"Invalid initial_accumulator_value value: {initial_accumulator_value}",
                ),
                (eps >= 0.0, f"Invalid epsilon value: {eps}"),
            ]
        )
        refuse_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        # PyTorch creates Adagrad's state eagerly, so a fresh optimizer's state_dict has it.
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        state = self.state[p]
        if len(state) == 0:
            state["step"] = new_step()
            value = group["initial_accumulator_value"]
            state["sum"] = Tensor._wrap(_backend.xp.full(p._data.shape, value, dtype=p._data.dtype))
        return state

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        xp = _backend.xp
        lr = to_scalar(group["lr"])
        lr_decay, eps, weight_decay = group["lr_decay"], group["eps"], group["weight_decay"]
        for p in params:
            state = self._init_state(p, group)  # parameters added later get state here
            step = increment(state["step"])
            grad = grad_of(p)
            if group["maximize"]:
                grad = -grad
            if weight_decay != 0:
                grad = grad + weight_decay * p._data
            clr = lr / (1 + (step - 1) * lr_decay)
            state_sum = state["sum"]
            state_sum._data = state_sum._data + grad * grad
            std = xp.sqrt(state_sum._data) + eps
            write_param(p, p._data + (-clr) * (grad / std))
