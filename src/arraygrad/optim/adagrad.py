"""Adagrad: per-coordinate steps scaled by the root of the summed squared gradients."""

from __future__ import annotations

from typing import Any

from arraygrad import _backend, _primitive
from arraygrad._tensor import Tensor
from arraygrad.optim._updates import (
    compute_into,
    grad_of,
    increment,
    new_array,
    new_step,
    weight_decayed,
)
from arraygrad.optim.optimizer import (
    Optimizer,
    check_options,
    lr_number,
    refuse_differentiable,
    refuse_fused_with_foreach,
    to_scalar,
)

__all__ = ["Adagrad"]


def _decayed_lr(step: float, lr: float, lr_decay: float, sign: float) -> float:
    """``-sign * lr / (1 + (step - 1) * lr_decay)``: the factor that scales ``g`` before the
    division by ``sqrt(s) + eps`` (PyTorch's ``-clr``), negated again for maximize (exact: float
    rounding is symmetric)."""
    return -sign * (lr / (1 + (step - 1) * lr_decay))


class Adagrad(Optimizer):
    r"""Adagrad, with PyTorch's update (learning-rate decay, weight decay, maximize).

    .. math::
        g &\leftarrow g + \lambda\theta, \qquad
            \tilde\gamma = \frac{\gamma}{1 + (t - 1)\eta} \\
        s &\leftarrow s + g^2, \qquad
            \theta \leftarrow \theta - \tilde\gamma \frac{g}{\sqrt{s} + \epsilon}

    with ``lr_decay`` :math:`\eta` and :math:`s` starting at ``initial_accumulator_value`` (the
    constructor's, for every group: PyTorch ignores a group's own value).
    :math:`\theta` and :math:`s` are updated in place, with one temporary array of the
    parameter's size (two with weight decay); ``p.grad`` is left as it is. A compiled step
    replays from its first call; each replay computes :math:`\tilde\gamma` from the step count.

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
        lr_value = lr_number(lr)  # (the groups keep lr itself: a tensor stays one)
        check_options(
            [
                (lr_value >= 0.0, f"Invalid learning rate: {lr_value}", "lr >= 0.0"),
                (lr_decay >= 0.0, f"Invalid lr_decay value: {lr_decay}", "lr_decay >= 0.0"),
                (
                    weight_decay >= 0.0,
                    f"Invalid weight_decay value: {weight_decay}",
                    "weight_decay >= 0.0",
                ),
                (
                    initial_accumulator_value >= 0.0,
                    f"Invalid initial_accumulator_value value: {initial_accumulator_value}",
                    "initial_accumulator_value >= 0.0",
                ),
                (eps >= 0.0, f"Invalid epsilon value: {eps}", "eps >= 0.0"),
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
        refuse_fused_with_foreach(fused, foreach)
        # PyTorch creates Adagrad's state eagerly, so a fresh optimizer's state_dict has it.
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p: Tensor) -> dict[str, Any]:
        state = self.state[p]
        if len(state) == 0:
            state["step"] = new_step()
            # PyTorch starts every sum at the constructor's value (self.defaults), also for a
            # group that sets its own initial_accumulator_value or is added later.
            value = self.defaults["initial_accumulator_value"]
            state["sum"] = Tensor._wrap(_backend.xp.full(p._data.shape, value, dtype=p._data.dtype))
        return state

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        # Every update is written into the memory of the parameter and of its sum, with one
        # temporary of the parameter's size (two with weight decay, whose g + λθ is a new array;
        # p.grad itself is never written). The arithmetic is PyTorch's, rearranged only in ways
        # that give the same bits: with maximize, ((-γ')(-g))/s = (γ' g)/s, so the sign goes
        # into the learning rate instead of an array. With lr_decay, the step's learning rate is
        # computed from the step tensor by _backend.scalar_from, so that a compiled step
        # computes it again on each replay.
        lr = to_scalar(group["lr"])
        lr_decay, eps, weight_decay = group["lr_decay"], group["eps"], group["weight_decay"]
        for p in params:
            state = self._init_state(p)  # parameters added later get state here
            step, state_sum = state["step"], state["sum"]
            increment(step)
            param, grad = p._data, grad_of(p)
            sign = -1.0 if group["maximize"] else 1.0
            if weight_decay != 0:
                grad, sign = weight_decayed(param, grad, weight_decay, sign < 0), 1.0
            # s ← s + g², θ ← θ + ((-γ') g) / (sqrt(s) + ε) with γ' = γ / (1 + (t - 1) η): the
            # order of PyTorch's addcdiv, which divides the scaled gradient (γ' (g / a) can
            # differ in the last bit)
            scratch = new_array("multiply", grad, grad)
            compute_into("add", state_sum._data, state_sum._data, scratch)
            _primitive.bump_version(state_sum)
            compute_into("sqrt", scratch, state_sum._data)
            compute_into("add", scratch, scratch, eps)
            if lr_decay == 0:  # γ / (1 + (t - 1)·0) is γ itself, whatever the step
                factor: Any = -sign * lr
            else:
                factor = _backend.scalar_from(
                    _decayed_lr, param.dtype, step._data, lr, lr_decay, sign
                )
            _backend.add_scaled_quotient_into(param, factor, grad, scratch)
            _primitive.bump_version(p)
