"""ASGD: stochastic gradient descent with a decaying step size and a running average of the
parameters."""

from __future__ import annotations

import math
import struct
from typing import Any

from arraygrad import _backend, _dtype, _primitive
from arraygrad._tensor import Tensor
from arraygrad.optim._updates import (
    compute_into,
    grad_of,
    increment,
    new_array,
    new_step,
    scalar_dtype,
    scalar_state,
    weight_decayed,
    zeros_like,
)
from arraygrad.optim.optimizer import (
    Optimizer,
    check_options,
    lr_number,
    refuse_differentiable,
)

__all__ = ["ASGD"]


def _decay_factor(eta: float, lambd: float) -> float:
    """``1 - lambd * eta``: the factor PyTorch multiplies the parameter by before the step."""
    return 1 - lambd * eta


def _signed(eta: float, sign: float) -> float:
    """``sign * eta``: the factor of ``g`` subtracted from the parameter (``-eta`` for
    maximize, exact)."""
    return sign * eta


def _as_tensor(value: float) -> float:
    """``value`` rounded as PyTorch's ``torch.as_tensor(value)`` rounds it: to float32 unless
    the default dtype is float64. It matters once ``eta`` and ``mu`` are
    float64 while the default dtype is float32 (``load_state_dict`` gives them the dtype of a
    float64 parameter): PyTorch still writes float32 values into them."""
    # struct's 'f' rounds to the nearest float32, ties to even, as a float32 tensor does (eta
    # and mu are at most lr and 1: far from float32's overflow, where struct would raise).
    # The default dtype is read here, on each call: under arraygrad.compile this runs in a step
    # of the program (scalar_from), so a replay follows set_default_dtype as eager code does.
    single = scalar_dtype() is _dtype.float32
    return struct.unpack("f", struct.pack("f", value))[0] if single else value


def _next_eta(step: float, lr: float, lambd: float, alpha: float) -> float:
    """``lr / (1 + lambd lr t)^alpha`` on Python floats, as PyTorch's single-tensor path."""
    return _as_tensor(lr / ((1 + lambd * lr * step) ** alpha))


def _next_eta_foreach(step: float, lr: float, lambd: float, alpha: float) -> float:
    """``lr * (1 / (1 + t (lambd lr))^alpha)`` as PyTorch's foreach path computes it: one
    operation at a time on the step tensor, so each result is rounded to the step's dtype
    (float32 unless the default dtype is float64), and the Python numbers ``lambd * lr`` and
    ``lr`` are rounded to it as operands. The single-tensor formula differs from it in the last
    bit of a float32 ``eta`` for some steps."""
    # Each float32 operation is done on Python floats and rounded once: a product or quotient
    # of float32 values rounded from the exact double result is the float32 operation's result
    # (double carries more than twice float32's precision).
    r = _as_tensor
    x = r(r(step) * r(lambd * lr))
    x = r(x + 1)
    x = r(x ** r(alpha))
    return r(r(1 / x) * r(lr))


def _rounded_to(single: bool) -> Any:
    """A function rounding a Python float as an operation of a tensor lr's dtype rounds its
    result: to float32 (``single``), or not at all (float64)."""
    if single:
        return lambda value: struct.unpack("f", struct.pack("f", value))[0]
    return float


def _tensor_power(base: float, exponent: float, r: Any) -> float:
    """``tensor ** exponent`` for a 0-d tensor ``base`` and a Python ``exponent``, as PyTorch
    computes it on the CPU: the exponents 0.5, 2, 3, -0.5, -1 and -2 as square roots, products
    and reciprocals (not ``pow``, which can differ from them in the last bit), any other by
    ``pow`` on doubles with the exponent unrounded; ``r`` rounds each result (see
    :func:`_rounded_to`). (PyTorch's float64 ``sqrt`` is not always the correctly rounded
    one that ``math.sqrt`` gives: with ``alpha=0.5`` eta can differ from it in the last bit.)"""
    if exponent == 0.5:
        return r(math.sqrt(base))
    if exponent == 2:
        return r(base * base)
    if exponent == 3:
        return r(r(base * base) * base)
    if exponent == -0.5:
        return r(1 / r(math.sqrt(base)))
    if exponent == -1:
        return r(1 / base)
    if exponent == -2:
        return r(1 / r(base * base))
    return r(base**exponent)


def _next_eta_of_tensor(step: float, lr: float, lambd: float, alpha: float, single: bool) -> float:
    """``lr / (1 + lambd lr t)^alpha`` as PyTorch computes it when ``lr`` is a tensor (of
    float32 when ``single``, else float64): tensor operations in the lr's dtype, each result
    rounded to it, a Python operand of a product rounded to it first. Unlike a number lr's
    (:func:`_next_eta`), the result is not rounded through ``torch.as_tensor``'s float32; only
    the copy into ``eta`` rounds it, to ``eta``'s dtype (float64 once ``load_state_dict`` has
    given it a float64 parameter's)."""
    r = _rounded_to(single)
    x = r(r(lambd) * lr)
    x = r(x * r(step))
    return r(lr / _tensor_power(r(1 + x), alpha, r))


def _next_mu(step: float, t0: float) -> float:
    """``1 / max(1, t - t0)`` on Python floats, as PyTorch's single-tensor path."""
    return _as_tensor(1 / max(1, step - t0))


def _average_into(average: Any, param: Any, mu: Any) -> None:
    """``ax ← ax + (θ - ax)·μ``, or ``ax ← θ`` while ``μ`` is 1, as PyTorch branches on
    ``mu.item() != 1`` (``ax + (θ - ax)`` need not be ``θ``). The branch is taken on every call:
    under :func:`arraygrad.compile` this function is one step of the program, so a replay
    reads ``μ`` anew instead of repeating the traced call's choice."""
    if _backend.tracer is not None:
        _backend.tracer.call(_average_into, (average, param, mu))
        return
    weight = float(mu)
    if weight != 1:
        # μ at the parameter's dtype, as PyTorch computes (θ - ax)·μ with a 0-d μ
        difference = new_array("subtract", param, average)
        compute_into("multiply", difference, difference, _backend.asarray(weight, param.dtype))
        compute_into("add", average, average, difference)
    else:
        _backend.assign(average, param)


class ASGD(Optimizer):
    r"""Averaged stochastic gradient descent, with PyTorch's update (weight decay, maximize).

    For step :math:`t` and gradient :math:`g` (negated when ``maximize``; plus
    :math:`\lambda_{wd}\theta` with weight decay), with :math:`\eta` and :math:`\mu` starting at
    ``lr`` and 1:

    .. math::
        \theta &\leftarrow \theta (1 - \lambda\eta) - \eta g, \qquad
            \bar\theta \leftarrow \bar\theta + \mu(\theta - \bar\theta)
            \quad (\bar\theta \leftarrow \theta \text{ while } \mu = 1) \\
        \eta &\leftarrow \frac{\gamma}{(1 + \lambda\gamma t)^\alpha}, \qquad
            \mu \leftarrow \frac{1}{\max(1, t - t_0)}

    with ``lambd`` :math:`\lambda`. :math:`\bar\theta` (``ax``) is the average, which the
    optimizer keeps but does not use. :math:`\eta` and :math:`\mu` are 0-d state tensors (``eta``,
    ``mu``) like ``step``, computed on Python floats as PyTorch's single-tensor path does (for
    a tensor ``lr``, :math:`\eta` as PyTorch's tensor operations in the lr's dtype).
    :math:`\theta` and :math:`\bar\theta` are updated in place, with at most one temporary of the
    parameter's size (two with weight decay); ``p.grad`` is left as it is. Under
    :func:`arraygrad.compile`, the first step (which makes the state) runs eagerly and the next
    call is traced; each replay computes :math:`\eta`, :math:`\mu` and the factors that depend
    on them from the state, and takes the :math:`\mu = 1` branch or not anew.

    >>> import arraygrad
    >>> w = arraygrad.tensor([1.0], requires_grad=True)
    >>> opt = arraygrad.optim.ASGD([w], lr=0.5, lambd=0.0)
    >>> (2 * w).sum().backward()
    >>> opt.step()
    >>> w, opt.state[w]["ax"]
    (tensor([0.], requires_grad=True), tensor([0.]))
    """

    _tensor_numbers = ("step", "eta", "mu")  # loaded as 0-d tensors when saved as numbers

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        lr_value = lr_number(lr)  # (the groups keep lr itself: a tensor stays one)
        check_options(
            [
                (lr_value >= 0.0, f"Invalid learning rate: {lr_value}", "lr >= 0.0"),
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
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        # The parameter and the average are written in place; p.grad is never written. The
        # numbers PyTorch reads from its 0-d eta, mu and step tensors with .item() are computed
        # by _backend.scalar_from from the state arrays, and eta and mu are written back the
        # same way, so that a compiled step computes them again on each replay. With maximize,
        # θ + (-η)(-g) = θ - (-η) g: the sign goes into the factor instead of an array.
        lr = group["lr"]
        lambd, alpha, t0 = group["lambd"], group["alpha"], group["t0"]
        if isinstance(lr, Tensor):
            # PyTorch computes the next eta from a tensor lr with tensor operations, in the
            # lr's dtype, on the value the last scheduler step wrote into it (under
            # arraygrad.compile, item() gives a number each replay reads from the tensor anew)
            single = lr.dtype is _dtype.float32
            lr = lr.item()
            next_eta: Any = _next_eta_of_tensor
            eta_operands: tuple[Any, ...] = (lr, lambd, alpha, single)
        else:
            next_eta = _next_eta_foreach if group["foreach"] else _next_eta
            eta_operands = (lr, lambd, alpha)
        weight_decay = group["weight_decay"]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = new_step()
                state["eta"] = scalar_state(lr)
                state["mu"] = scalar_state(1.0)
                state["ax"] = zeros_like(p)
            step, eta, mu = state["step"], state["eta"], state["mu"]
            average = state["ax"]
            increment(step)
            param, grad = p._data, grad_of(p)
            sign = -1.0 if group["maximize"] else 1.0
            if weight_decay != 0:
                grad, sign = weight_decayed(param, grad, weight_decay, sign < 0), 1.0

            dtype = param.dtype
            decay = _backend.scalar_from(_decay_factor, dtype, eta._data, lambd)
            compute_into("multiply", param, param, decay)  # θ ← θ (1 - λη)
            scale = _backend.scalar_from(_signed, dtype, eta._data, sign)
            _backend.subtract_scaled_into(param, scale, grad)  # θ ← θ + (-η) g
            _primitive.bump_version(p)

            _average_into(average._data, param, mu._data)
            _primitive.bump_version(average)

            _backend.assign(
                eta._data,
                _backend.scalar_from(next_eta, eta._data.dtype, step._data, *eta_operands),
            )
            _primitive.bump_version(eta)
            _backend.assign(
                mu._data, _backend.scalar_from(_next_mu, mu._data.dtype, step._data, t0)
            )
            _primitive.bump_version(mu)
