"""Adam and AdamW: adaptive moment estimation, with coupled or decoupled weight decay."""

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
    refuse_fused_with_foreach,
    to_scalar,
)

__all__ = ["Adam", "AdamW"]


def check_adam_options(
    lr: float, betas: tuple[float, float], eps: float, weight_decay: float
) -> None:
    """The checks PyTorch's Adam, AdamW, NAdam, RAdam and Adamax share, in its order."""
    check_options(
        [
            (lr >= 0.0, f"Invalid learning rate: {lr}", "lr >= 0.0"),
            (eps >= 0.0, f"Invalid epsilon value: {eps}", "eps >= 0.0"),
            (
                0.0 <= betas[0] < 1.0,
                f"Invalid beta parameter at index 0: {betas[0]}",
                "0.0 <= betas[0] < 1.0",
            ),
            (
                0.0 <= betas[1] < 1.0,
                f"Invalid beta parameter at index 1: {betas[1]}",
                "0.0 <= betas[1] < 1.0",
            ),
            (
                weight_decay >= 0.0,
                f"Invalid weight_decay value: {weight_decay}",
                "weight_decay >= 0.0",
            ),
        ]
    )


def decayed_gradient(
    group: dict[str, Any], p: Tensor, negate: bool, lerp_weight: float
) -> tuple[Any, bool]:
    """The gradient the update uses, and whether it is still to be negated (``maximize``), after
    the weight decay: decoupled (``θ ← θ(1 - γλ)``, in place) or L2 (``g + λθ``, a new array).
    With ``|lerp_weight| >= 0.5`` the lerp kernel reads the negated gradient twice: it is then
    made as an array, as PyTorch makes ``-grad``."""
    param, grad = p._data, grad_of(p)
    weight_decay = group["weight_decay"]
    if weight_decay != 0:
        if group.get("decoupled_weight_decay", False):
            lr = to_scalar(group["lr"])
            compute_into("multiply", param, param, 1 - lr * weight_decay)
        else:
            grad, negate = weight_decayed(param, grad, weight_decay, negate), False
    if negate and abs(lerp_weight) >= 0.5:
        grad, negate = new_array("negative", grad), False
    return grad, negate


def _negated_step_size(step: float, lr: float, beta1: float) -> float:
    """``-lr / (1 - beta1 ** step)``: the factor of ``m / denom`` (PyTorch's ``-step_size``)."""
    bias_correction1 = 1 - beta1**step
    return -(lr / bias_correction1)


def _bias_correction2_sqrt(step: float, beta2: float) -> float:
    """``sqrt(1 - beta2 ** step)``, as PyTorch computes it (``** 0.5`` on a Python float)."""
    bias_correction2 = 1 - beta2**step
    return bias_correction2**0.5


_TENSOR_LR_WITH_FOREACH = (
    "lr as a Tensor is not supported for capturable=False and foreach=True"
    ". Fix: pass lr as a float (lr.item()), or foreach=False."
)


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

    :math:`\theta`, :math:`m`, :math:`v` and :math:`\hat v` are updated in place, with one
    temporary array of the parameter's size (two with L2 weight decay, or with ``maximize`` and
    ``beta1 <= 0.5``); ``p.grad`` is left as it is. Under :func:`arraygrad.compile`, the first
    step (which makes the state) runs eagerly and the next call is traced; each replay computes
    the bias corrections from the step count.

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
        # PyTorch refuses this before checking any value
        if isinstance(lr, Tensor) and foreach and not capturable:
            raise ValueError(_TENSOR_LR_WITH_FOREACH)
        lr_value = lr_number(lr)  # (the groups keep lr itself: a tensor stays one)
        betas = (to_scalar(betas[0]), to_scalar(betas[1]))
        check_adam_options(lr_value, betas, eps, weight_decay)
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
        refuse_fused_with_foreach(fused, foreach)

    def _new_state(self, p: Tensor, amsgrad: bool) -> None:
        state = self.state[p]
        state["step"] = new_step()
        state["exp_avg"] = zeros_like(p)
        state["exp_avg_sq"] = zeros_like(p)
        if amsgrad:
            state["max_exp_avg_sq"] = zeros_like(p)

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        # Every update is written into the memory of the parameter and of its state buffers, with
        # one temporary of the parameter's size (two with L2 weight decay, whose g + λθ is a new
        # array; p.grad itself is never written). The arithmetic is PyTorch's, rearranged only
        # in ways that give the same bits. The numbers that depend on the step count are
        # computed from the step tensor by _backend.scalar_from, so that a compiled step
        # computes them again on each replay.
        lr = to_scalar(group["lr"])
        beta1, beta2 = (to_scalar(b) for b in group["betas"])
        eps = group["eps"]
        amsgrad = group["amsgrad"]
        weight = 1 - beta1
        for p in params:
            if len(self.state[p]) == 0:
                self._new_state(p, amsgrad)
        # A tensor lr reaching the foreach path (a group's own, or one written into a group):
        # PyTorch raises once the group's state is made, leaving earlier groups updated
        if group["foreach"] and isinstance(group["lr"], Tensor) and not group["capturable"]:
            raise RuntimeError(_TENSOR_LR_WITH_FOREACH)
        for p in params:
            state = self.state[p]
            step, exp_avg, exp_avg_sq = state["step"], state["exp_avg"], state["exp_avg_sq"]
            increment(step)
            # negate: the update direction is -grad, not made as an array (unless lerp needs it)
            grad, negate = decayed_gradient(group, p, group["maximize"], weight)

            scratch = average_square_into(exp_avg_sq._data, grad, beta2)  # v ← β2 v + (1 - β2) g²
            # m ← lerp(m, g, 1 - β1)
            lerp_into(exp_avg._data, grad, weight, scratch, negate)

            second = exp_avg_sq._data
            if amsgrad:
                # with state from an optimizer built without amsgrad, start the max from zeros
                running_max = buffer_of(state, "max_exp_avg_sq", p)
                compute_into("maximum", running_max._data, running_max._data, second)
                _primitive.bump_version(running_max)
                second = running_max._data
            # θ ← θ + (-step_size · m) / (sqrt(v̂) / sqrt(1 - β2^t) + ε)
            param, dtype = p._data, p._data.dtype
            compute_into("sqrt", scratch, second)
            root = _backend.scalar_from(_bias_correction2_sqrt, dtype, step._data, beta2)
            compute_into("divide", scratch, scratch, root)
            compute_into("add", scratch, scratch, eps)
            factor = _backend.scalar_from(_negated_step_size, dtype, step._data, lr, beta1)
            _backend.add_scaled_quotient_into(param, factor, exp_avg._data, scratch)
            _primitive.bump_version(exp_avg)
            _primitive.bump_version(exp_avg_sq)
            _primitive.bump_version(p)


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
