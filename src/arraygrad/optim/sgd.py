"""Stochastic gradient descent, with momentum, dampening, Nesterov momentum and weight decay."""

from __future__ import annotations

from typing import Any

from arraygrad import _backend, _primitive
from arraygrad._tensor import Tensor
from arraygrad.optim._updates import (
    compute_into,
    grad_of,
    new_array,
    subtract_scaled,
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
    weight decay :math:`\lambda`. :math:`\theta` and :math:`b` are updated in place, plain SGD
    with no temporary array of the parameter's size; ``p.grad`` is left as it is.

    Under :func:`arraygrad.compile`, the first step with momentum (which makes the buffers) runs
    eagerly and the next call is traced; a replay reads ``lr`` and ``momentum`` anew (a
    scheduler may change them between calls: ``OneCycleLR`` cycles the momentum), and a
    compiled step is traced again when another option changes or the state is replaced
    (``load_state_dict``).

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
        lr_value = lr_number(lr)  # (the groups keep lr itself: a tensor stays one)
        check_options(
            [
                (lr_value >= 0.0, f"Invalid learning rate: {lr_value}", "lr >= 0.0"),
                (momentum >= 0.0, f"Invalid momentum value: {momentum}", "momentum >= 0.0"),
                (
                    weight_decay >= 0.0,
                    f"Invalid weight_decay value: {weight_decay}",
                    "weight_decay >= 0.0",
                ),
                (
                    not (nesterov and (momentum <= 0 or dampening != 0)),
                    "Nesterov momentum requires a momentum and zero dampening",
                    f"momentum > 0 and dampening=0 with nesterov=True (got momentum={momentum}, "
                    f"dampening={dampening})",
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
        refuse_fused_with_foreach(fused, foreach)

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        # Every update is written into the parameter's and the momentum buffer's memory, with
        # temporaries only where the math needs a new array (weight decay's g + λθ, Nesterov's
        # g + μb: p.grad itself is never written, users read it after step()). The arithmetic
        # is PyTorch's, rearranged only in ways that give the same bits: -(c·x) = (-c)·x and
        # a + (-x) = a - x, so a negated gradient is carried as a sign instead of an array.
        lr = to_scalar(group["lr"])
        momentum = group["momentum"]
        dampening = group["dampening"]
        weight_decay = group["weight_decay"]
        nesterov = group["nesterov"]
        for p in params:
            grad = grad_of(p)
            # The update direction is sign * grad; grad is p.grad's array until it is one of ours.
            sign = -1.0 if group["maximize"] else 1.0
            owned = False
            if weight_decay != 0:
                grad, sign, owned = weight_decayed(p._data, grad, weight_decay, sign < 0), 1.0, True
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    if owned and not nesterov:
                        first = grad  # nothing else writes it
                    elif sign < 0:
                        first = _backend.ensure_array(_backend.xp.negative(grad))
                    else:
                        first = _backend.copy(grad)
                    buf = state["momentum_buffer"] = Tensor._wrap(first)
                else:
                    # b ← μ b + (1 - τ) g, as b·μ then b - (-(1 - τ))·g, or b ± g when τ = 0
                    compute_into("multiply", buf._data, buf._data, momentum)
                    if dampening == 0:
                        compute_into("add" if sign > 0 else "subtract", buf._data, buf._data, grad)
                    else:
                        _backend.subtract_scaled_into(buf._data, -sign * (1 - dampening), grad)
                    _primitive.bump_version(buf)
                if nesterov:  # g + μ b
                    if owned:
                        _backend.subtract_scaled_into(grad, -momentum, buf._data)
                    else:
                        ahead = new_array("multiply", buf._data, momentum)
                        compute_into("add" if sign > 0 else "subtract", ahead, ahead, grad)
                        grad, sign = ahead, 1.0
                else:
                    grad, sign = buf._data, 1.0
            subtract_scaled(p, sign * lr, grad)
