"""RMSprop: scale each step by a running root mean square of the gradients."""

from __future__ import annotations

from typing import Any

from arraygrad import _backend, _primitive
from arraygrad._tensor import Tensor
from arraygrad.optim._updates import (
    average_square_into,
    buffer_of,
    compute_into,
    grad_of,
    increment,
    lerp_into,
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

    The parameter and the state buffers are updated in place, with one temporary array of the
    parameter's size (two with weight decay, or centered with ``alpha <= 0.5``); ``p.grad`` is
    left as it is. Under :func:`arraygrad.compile`, the first step (which makes the state) runs
    eagerly and the next call is traced.

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
        lr_value = lr_number(lr)  # (the groups keep lr itself: a tensor stays one)
        check_options(
            [
                (lr_value >= 0.0, f"Invalid learning rate: {lr_value}", "lr >= 0.0"),
                (eps >= 0.0, f"Invalid epsilon value: {eps}", "eps >= 0.0"),
                (momentum >= 0.0, f"Invalid momentum value: {momentum}", "momentum >= 0.0"),
                (
                    weight_decay >= 0.0,
                    f"Invalid weight_decay value: {weight_decay}",
                    "weight_decay >= 0.0",
                ),
                (alpha >= 0.0, f"Invalid alpha value: {alpha}", "alpha >= 0.0"),
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
        # Every update is written into the memory of the parameter and of its state buffers, with
        # one temporary of the parameter's size (two with weight decay, whose g + λθ is a new
        # array; p.grad itself is never written). The arithmetic is PyTorch's, rearranged only
        # in ways that give the same bits: with maximize, (-g)/a = -(g/a) and (-γ)(-g) = γg,
        # and the sign is carried into the next operation instead of negating an array.
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
            square_avg = state["square_avg"]
            increment(state["step"])
            param, grad = p._data, grad_of(p)
            negate = group["maximize"]  # the update direction is -grad, not made as an array
            if weight_decay != 0:
                grad, negate = weight_decayed(param, grad, weight_decay, negate), False
            if negate and group["centered"] and abs(1 - alpha) >= 0.5:
                grad, negate = new_array("negative", grad), False  # lerp_into reads it twice

            scratch = average_square_into(square_avg._data, grad, alpha)  # v ← α v + (1 - α) g²
            _primitive.bump_version(square_avg)
            if group["centered"]:  # ḡ ← lerp(ḡ, g, 1 - α), a = sqrt(v - ḡ²)
                grad_avg = buffer_of(state, "grad_avg", p)
                lerp_into(grad_avg._data, grad, 1 - alpha, scratch, negate)
                _primitive.bump_version(grad_avg)
                compute_into("multiply", scratch, grad_avg._data, grad_avg._data)
                compute_into("subtract", scratch, square_avg._data, scratch)
                compute_into("sqrt", scratch, scratch)
            else:
                compute_into("sqrt", scratch, square_avg._data)
            compute_into("add", scratch, scratch, eps)
            if momentum > 0:  # b ← μ b + g / a, θ ← θ - γ b
                compute_into("divide", scratch, grad, scratch)  # g / a (negated when negate)
                buf = buffer_of(state, "momentum_buffer", p)
                compute_into("multiply", buf._data, buf._data, momentum)
                compute_into("subtract" if negate else "add", buf._data, buf._data, scratch)
                _primitive.bump_version(buf)
                _backend.subtract_scaled_into(param, lr, buf._data)
            else:
                # θ ← θ + ((-γ) g) / a, in the order of PyTorch's addcdiv, which divides the
                # scaled gradient (γ (g / a) can differ in the last bit); γg when negated
                _backend.add_scaled_quotient_into(param, lr if negate else -lr, grad, scratch)
            _primitive.bump_version(p)
