"""NAdam, RAdam and Adamax: Adam with Nesterov momentum, with a rectified variance, and with the
infinity norm in place of the second moment."""

from __future__ import annotations

from typing import Any

from arraygrad import _backend, _primitive
from arraygrad._tensor import Tensor
from arraygrad.optim._updates import (
    average_square_into,
    compute_into,
    increment,
    lerp_into,
    new_array,
    new_step,
    scalar_state,
    zeros_like,
)
from arraygrad.optim.adam import _negated_step_size, check_adam_options, decayed_gradient
from arraygrad.optim.optimizer import (
    Optimizer,
    check_options,
    lr_number,
    refuse_differentiable,
    to_scalar,
)

__all__ = ["Adamax", "NAdam", "RAdam"]


def _bias_correction(step: float, beta: float) -> float:
    """``1 - beta ** step`` on Python floats, as PyTorch's eager path computes it."""
    return 1 - beta**step


def _momentum(step: float, beta1: float, momentum_decay: float) -> float:
    """NAdam's momentum ``μ_t = β1 (1 - 0.96^(t ψ) / 2)``."""
    return beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))


def _gradient_factor(
    step: float, mu_product: float, lr: float, beta1: float, momentum_decay: float, sign: float
) -> float:
    """``-γ (1 - μ_t) / (1 - Π_{i<=t} μ_i)``, the factor of ``g / denom`` (times ``sign``:
    -1 negates it for a gradient not negated yet, exactly, as float rounding is symmetric)."""
    mu = _momentum(step, beta1, momentum_decay)
    return sign * (-lr * (1.0 - mu) / (1.0 - mu_product))


def _average_factor(
    step: float, mu_product: float, lr: float, beta1: float, momentum_decay: float
) -> float:
    """``-γ μ_{t+1} / (1 - Π_{i<=t+1} μ_i)``, the factor of ``m / denom``."""
    mu_next = _momentum(step + 1, beta1, momentum_decay)
    return (-lr * mu_next) / (1.0 - mu_product * mu_next)


class NAdam(Optimizer):
    r"""NAdam, Adam with Nesterov momentum, with PyTorch's update (L2 or decoupled weight decay,
    maximize).

    For step :math:`t`, gradient :math:`g` (negated when ``maximize``; plus
    :math:`\lambda\theta` for L2 weight decay, or :math:`\theta \leftarrow \theta(1-\gamma\lambda)`
    first when the decay is decoupled) and ``momentum_decay`` :math:`\psi`:

    .. math::
        \mu_t &= \beta_1 \big(1 - \tfrac12 \, 0.96^{t\psi}\big), \qquad
            \pi_t = \textstyle\prod_{i \le t} \mu_i \\
        m &\leftarrow \beta_1 m + (1-\beta_1) g, \qquad v \leftarrow \beta_2 v + (1-\beta_2) g^2,
            \qquad d = \sqrt{v / (1 - \beta_2^t)} + \epsilon \\
        \theta &\leftarrow \theta - \frac{\gamma (1-\mu_t)}{1 - \pi_t} \frac{g}{d}
            - \frac{\gamma \mu_{t+1}}{1 - \pi_t \mu_{t+1}} \frac{m}{d}

    The state holds :math:`\pi_t` as ``mu_product`` (a 0-d tensor like ``step``).
    :math:`\theta`, :math:`m`, :math:`v` and :math:`\pi` are updated in place, with one
    temporary array of the parameter's size (two with L2 weight decay, or with ``maximize`` and
    ``beta1 <= 0.5``); ``p.grad`` is left as it is. Under :func:`arraygrad.compile` each replay
    computes :math:`\mu_t`, :math:`\mu_{t+1}` and the bias correction from the step count.

    >>> import arraygrad
    >>> w = arraygrad.tensor([1.0], requires_grad=True)
    >>> opt = arraygrad.optim.NAdam([w], lr=0.1)
    >>> (3 * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([0.8944], requires_grad=True)
    """

    _tensor_numbers = ("step", "mu_product")  # loaded as 0-d tensors when saved as numbers

    def __init__(
        self,
        params: Any,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        lr_value = lr_number(lr)  # (the groups keep lr itself: a tensor stays one)
        betas = (to_scalar(betas[0]), to_scalar(betas[1]))
        check_adam_options(lr_value, betas, eps, weight_decay)
        check_options(
            [
                (
                    momentum_decay >= 0.0,
                    f"Invalid momentum_decay value: {momentum_decay}",
                    "momentum_decay >= 0.0",
                )
            ]
        )
        refuse_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        # PyTorch's arithmetic on the parameter's and the state's own memory, rearranged only in
        # ways that give the same bits; the numbers that depend on the step count or on
        # mu_product are computed by _backend.scalar_from, so that a compiled step computes
        # them again on each replay.
        lr = to_scalar(group["lr"])
        beta1, beta2 = (to_scalar(b) for b in group["betas"])
        momentum_decay, eps = group["momentum_decay"], group["eps"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = new_step()
                state["mu_product"] = scalar_state(1.0)
                state["exp_avg"] = zeros_like(p)
                state["exp_avg_sq"] = zeros_like(p)
            step, mu_product = state["step"], state["mu_product"]
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            increment(step)
            grad, negate = decayed_gradient(group, p, group["maximize"], 1 - beta1)
            # π ← π μ_t, with μ_t rounded to π's dtype as PyTorch's mu_product *= mu
            product = mu_product._data
            mu = _backend.scalar_from(_momentum, product.dtype, step._data, beta1, momentum_decay)
            compute_into("multiply", product, product, mu)
            _primitive.bump_version(mu_product)

            scratch = average_square_into(exp_avg_sq._data, grad, beta2)  # v ← β2 v + (1 - β2) g²
            lerp_into(exp_avg._data, grad, 1 - beta1, scratch, negate)  # m ← lerp(m, g, 1 - β1)
            # d = sqrt(v / (1 - β2^t)) + ε
            param, dtype = p._data, p._data.dtype
            correction = _backend.scalar_from(_bias_correction, dtype, step._data, beta2)
            compute_into("divide", scratch, exp_avg_sq._data, correction)
            compute_into("sqrt", scratch, scratch)
            compute_into("add", scratch, scratch, eps)
            # θ ← θ + (f_g g) / d + (f_m m) / d: PyTorch's two addcdiv_, in its order
            sign = -1.0 if negate else 1.0
            factor = _backend.scalar_from(
                _gradient_factor, dtype, step._data, product, lr, beta1, momentum_decay, sign
            )
            _backend.add_scaled_quotient_into(param, factor, grad, scratch)
            factor = _backend.scalar_from(
                _average_factor, dtype, step._data, product, lr, beta1, momentum_decay
            )
            _backend.add_scaled_quotient_into(param, factor, exp_avg._data, scratch)
            _primitive.bump_version(exp_avg)
            _primitive.bump_version(exp_avg_sq)
            _primitive.bump_version(p)


def _rectified_update_into(
    param: Any,
    exp_avg: Any,
    exp_avg_sq: Any,
    step: Any,
    lr: float,
    betas: tuple[float, float],
    eps: float,
) -> None:
    """RAdam's ``θ ← θ - γ m̂ r_t sqrt(1 - β2^t) / (sqrt(v) + ε)`` where ``ρ_t > 5``, else
    ``θ ← θ - γ m̂`` (``m̂ = m / (1 - β1^t)``), in ``param``'s memory, with PyTorch's order of
    operations, in slabs (no temporary of the parameter's size on NumPy).

    The branch depends on the step count, so under :func:`arraygrad.compile` the whole call is
    one step of the program: each replay reads the step and takes the branch again.
    """
    if _backend.tracer is not None:
        return _backend.tracer.call(
            _rectified_update_into, (param, exp_avg, exp_avg_sq, step, lr, betas, eps)
        )
    beta1, beta2 = betas
    t = float(step)
    correction1, correction2 = _bias_correction(t, beta1), _bias_correction(t, beta2)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * (beta2**t) / correction2
    rectified = rho_t > 5.0
    if rectified:
        rect = (
            (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
        ) ** 0.5
    for part, average, square in _backend.slabs(param, exp_avg, exp_avg_sq):
        update = new_array("divide", average, correction1)  # m̂ γ
        compute_into("multiply", update, update, lr)
        if rectified:
            # PyTorch's ((m̂ γ) (sqrt(1 - β2^t) / (sqrt(v) + ε))) r_t, the quotient taken as
            # its Tensor.__rtruediv__ takes it: reciprocal, then times the number
            adaptive = new_array("sqrt", square)
            compute_into("add", adaptive, adaptive, eps)
            compute_into("divide", adaptive, 1.0, adaptive)
            compute_into("multiply", adaptive, adaptive, correction2**0.5)
            compute_into("multiply", update, update, adaptive)
            compute_into("multiply", update, update, rect)
        compute_into("subtract", part, part, update)
    return None


class RAdam(Optimizer):
    r"""RAdam, Adam with a rectified variance, with PyTorch's update (L2 or decoupled weight
    decay, maximize).

    With the moments :math:`m`, :math:`v` updated as Adam's,
    :math:`\rho_\infty = 2/(1-\beta_2) - 1` and
    :math:`\rho_t = \rho_\infty - 2t\beta_2^t/(1-\beta_2^t)`:

    .. math::
        \hat m &= m / (1 - \beta_1^t) \\
        \theta &\leftarrow \theta - \gamma \hat m \, r_t \frac{\sqrt{1-\beta_2^t}}{\sqrt v
            + \epsilon}, \quad r_t = \sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}
            {(\rho_\infty-4)(\rho_\infty-2)\rho_t}} \quad \text{if } \rho_t > 5, \text{ else }
            \theta \leftarrow \theta - \gamma \hat m

    :math:`\theta`, :math:`m` and :math:`v` are updated in place, with one temporary array of
    the parameter's size (two with L2 weight decay, or with ``maximize`` and ``beta1 <= 0.5``)
    and the final update computed in slabs; ``p.grad`` is left as it is. Under
    :func:`arraygrad.compile` each replay takes the branch on :math:`\rho_t` again.

    >>> import arraygrad
    >>> w = arraygrad.tensor([1.0], requires_grad=True)
    >>> opt = arraygrad.optim.RAdam([w], lr=0.1)
    >>> (3 * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([0.7000], requires_grad=True)
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        lr_value = lr_number(lr)  # (the groups keep lr itself: a tensor stays one)
        betas = (to_scalar(betas[0]), to_scalar(betas[1]))
        check_adam_options(lr_value, betas, eps, weight_decay)
        refuse_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        lr = to_scalar(group["lr"])
        betas = tuple(to_scalar(b) for b in group["betas"])
        beta1, beta2 = betas
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = new_step()
                state["exp_avg"] = zeros_like(p)
                state["exp_avg_sq"] = zeros_like(p)
            step, exp_avg, exp_avg_sq = state["step"], state["exp_avg"], state["exp_avg_sq"]
            increment(step)
            grad, negate = decayed_gradient(group, p, group["maximize"], 1 - beta1)
            # v ← β2 v + (1 - β2) g², m ← lerp(m, g, 1 - β1); the scratch array of the square
            # is freed before the update, which needs only slabs
            scratch = average_square_into(exp_avg_sq._data, grad, beta2)
            lerp_into(exp_avg._data, grad, 1 - beta1, scratch, negate)
            del scratch, grad
            _rectified_update_into(
                p._data, exp_avg._data, exp_avg_sq._data, step._data, lr, betas, group["eps"]
            )
            _primitive.bump_version(exp_avg)
            _primitive.bump_version(exp_avg_sq)
            _primitive.bump_version(p)


class Adamax(Optimizer):
    r"""Adamax, Adam with the infinity norm, with PyTorch's update (weight decay, maximize).

    With :math:`g` negated when ``maximize``, plus :math:`\lambda\theta` with weight decay:

    .. math::
        m &\leftarrow \beta_1 m + (1-\beta_1) g, \qquad
            u \leftarrow \max(\beta_2 u, |g| + \epsilon) \\
        \theta &\leftarrow \theta - \frac{\gamma}{1-\beta_1^t} \frac{m}{u}

    :math:`\theta`, :math:`m` and :math:`u` (``exp_inf``) are updated in place, with one
    temporary array of the parameter's size (two with weight decay, or with ``maximize`` and
    ``beta1 <= 0.5``); ``p.grad`` is left as it is. Under :func:`arraygrad.compile` each replay
    computes the bias correction from the step count.

    >>> import arraygrad
    >>> w = arraygrad.tensor([1.0], requires_grad=True)
    >>> opt = arraygrad.optim.Adamax([w], lr=0.1)
    >>> (3 * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([0.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: Any,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        lr_value = lr_number(lr)  # (the groups keep lr itself: a tensor stays one)
        betas = (to_scalar(betas[0]), to_scalar(betas[1]))
        check_adam_options(lr_value, betas, eps, weight_decay)
        refuse_differentiable(differentiable)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        lr = to_scalar(group["lr"])
        beta1, beta2 = (to_scalar(b) for b in group["betas"])
        eps = group["eps"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = new_step()
                state["exp_avg"] = zeros_like(p)
                state["exp_inf"] = zeros_like(p)
            step, exp_avg, exp_inf = state["step"], state["exp_avg"], state["exp_inf"]
            increment(step)
            grad, negate = decayed_gradient(group, p, group["maximize"], 1 - beta1)
            # u ← max(β2 u, |g| + ε) (|-g| = |g|: the sign needs no array here)
            scratch = new_array("abs", grad)
            compute_into("add", scratch, scratch, eps)
            compute_into("multiply", exp_inf._data, exp_inf._data, beta2)
            compute_into("maximum", exp_inf._data, exp_inf._data, scratch)
            lerp_into(exp_avg._data, grad, 1 - beta1, scratch, negate)  # m ← lerp(m, g, 1 - β1)
            # θ ← θ + (-γ / (1 - β1^t)) m / u, in the order of PyTorch's addcdiv_
            factor = _backend.scalar_from(_negated_step_size, p._data.dtype, step._data, lr, beta1)
            _backend.add_scaled_quotient_into(p._data, factor, exp_avg._data, exp_inf._data)
            _primitive.bump_version(exp_avg)
            _primitive.bump_version(exp_inf)
            _primitive.bump_version(p)
