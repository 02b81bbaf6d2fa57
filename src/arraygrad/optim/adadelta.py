"""Adadelta: steps scaled by the ratio of running root mean squares of updates and gradients."""

from __future__ import annotations

from typing import Any

from arraygrad import _backend, _primitive
from arraygrad._tensor import Tensor
from arraygrad.optim._updates import (
    average_square_into,
    compute_into,
    grad_of,
    increment,
    new_array,
    new_step,
    weight_decayed,
    zeros_like,
)
from arraygrad.optim.optimizer import (
    Optimizer,
    check_options,
    lr_number,
    refuse_differentiable,
    to_scalar,
)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta, with PyTorch's update (weight decay, maximize).

    .. math::
        g &\leftarrow g + \lambda\theta, \qquad v \leftarrow \rho v + (1-\rho) g^2 \\
        \Delta &= \frac{\sqrt{u + \epsilon}}{\sqrt{v + \epsilon}}\, g, \qquad
            u \leftarrow \rho u + (1-\rho) \Delta^2, \qquad
            \theta \leftarrow \theta - \gamma \Delta

    with :math:`g` negated first when ``maximize``. :math:`\theta`, :math:`v` (``square_avg``)
    and :math:`u` (``acc_delta``) are updated in place, with two temporary arrays of the
    parameter's size (three with weight decay); ``p.grad`` is left as it is. Under
    :func:`arraygrad.compile`, the first step (which makes the state) runs eagerly and the next
    call is traced.

    >>> import arraygrad
    >>> w = arraygrad.tensor([1.0], requires_grad=True)
    >>> opt = arraygrad.optim.Adadelta([w], lr=1.0, rho=0.0, eps=0.5625)
    >>> w.sum().backward()  # g = 1: Δ = √0.5625 / √1.5625 = 0.75 / 1.25
    >>> opt.step()
    >>> w
    tensor([0.4000], requires_grad=True)
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        lr_value = lr_number(lr)  # (the groups keep lr itself: a tensor stays one)
        check_options(
            [
                (lr_value >= 0.0, f"Invalid learning rate: {lr_value}", "lr >= 0.0"),
                (0.0 <= rho <= 1.0, f"Invalid rho value: {rho}", "0.0 <= rho <= 1.0"),
                (eps >= 0.0, f"Invalid epsilon value: {eps}", "eps >= 0.0"),
                (
                    weight_decay >= 0.0,
                    f"Invalid weight_decay value: {weight_decay}",
                    "weight_decay >= 0.0",
                ),
            ]
        )
        refuse_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        # Every update is written into the memory of the parameter and of its state buffers, with
        # two temporaries of the parameter's size (√(u + ε) must exist next to √(v + ε), and u
        # is still needed after Δ) and a third for weight decay's g + λθ (p.grad itself is never
        # written). The arithmetic is PyTorch's, rearranged only in ways that give the same bits:
        # with maximize, Δ = r·(-g) = -(r·g), whose square is the same, and θ - γ(-Δ) = θ + γΔ,
        # so the sign is carried into the last operation instead of negating an array.
        lr = to_scalar(group["lr"])
        rho, eps, weight_decay = group["rho"], group["eps"], group["weight_decay"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = new_step()
                state["square_avg"] = zeros_like(p)
                state["acc_delta"] = zeros_like(p)
            square_avg = state["square_avg"]
            acc_delta = state["acc_delta"]
            increment(state["step"])
            param, grad = p._data, grad_of(p)
            negate = group["maximize"]
            if weight_decay != 0:
                grad, negate = weight_decayed(param, grad, weight_decay, negate), False

            scratch = average_square_into(square_avg._data, grad, rho)  # v ← ρ v + (1 - ρ) g²
            _primitive.bump_version(square_avg)
            compute_into("add", scratch, square_avg._data, eps)  # √(v + ε)
            compute_into("sqrt", scratch, scratch)
            delta = new_array("add", acc_delta._data, eps)  # Δ = √(u + ε) / √(v + ε) · g
            compute_into("sqrt", delta, delta)
            compute_into("divide", delta, delta, scratch)
            compute_into("multiply", delta, delta, grad)  # -Δ when negate
            # u ← ρ u + ((1 - ρ) Δ) Δ, the order of PyTorch's addcmul
            compute_into("multiply", scratch, delta, 1 - rho)
            compute_into("multiply", scratch, scratch, delta)
            compute_into("multiply", acc_delta._data, acc_delta._data, rho)
            compute_into("add", acc_delta._data, acc_delta._data, scratch)
            _primitive.bump_version(acc_delta)
            # θ ← θ + (-γ) Δ, as PyTorch's add_(Δ, alpha=-γ)
            _backend.subtract_scaled_into(param, -lr if negate else lr, delta)
            _primitive.bump_version(p)
