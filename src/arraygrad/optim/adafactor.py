"""Adafactor: Adam-like steps with a second moment kept as row and column factors."""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend, _dtype, _primitive
from arraygrad._tensor import Tensor
from arraygrad.optim._updates import (
    compute_into,
    grad_of,
    increment,
    new_array,
    new_step,
    zeros_like,
)
from arraygrad.optim.optimizer import Optimizer, check_options, lr_number, to_scalar

__all__ = ["Adafactor"]


def _beta2(step: float, beta2_decay: float) -> float:
    """The step's second-moment decay, ``1 - t ** beta2_decay`` (0 at the first step)."""
    return 1 - step**beta2_decay


def _relative_step(step: float, lr: float) -> float:
    """``min(lr, 1 / sqrt(t))``: the step size before it is scaled by the parameter's RMS."""
    return min(lr, 1 / step**0.5)


def _factored_shapes(shape: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The shapes of the row and column factors of a parameter of ``shape`` (2 or more dims):
    its last dimension, then its second to last, reduced to 1."""
    return (*shape[:-1], 1), (*shape[:-2], 1, shape[-1])


class Adafactor(Optimizer):
    r"""Adafactor, with PyTorch's update (its ``lr``, weight decay, ``maximize``).

    For step :math:`t` and gradient :math:`G` (negated when ``maximize``), with
    :math:`\hat\beta_2 = 1 - t^{\tau}` (``beta2_decay`` :math:`\tau`),
    :math:`\rho = \min(\gamma, 1/\sqrt t)` and
    :math:`\alpha = \rho \max(\epsilon_2, \mathrm{RMS}(\theta))`:

    .. math::
        \theta &\leftarrow \theta (1 - \gamma\lambda) \\
        R &\leftarrow \hat\beta_2 R + (1 - \hat\beta_2)\,\mathrm{mean}_{\text{last}}(G^2), \qquad
        C \leftarrow \hat\beta_2 C + (1 - \hat\beta_2)\,\mathrm{mean}_{\text{2nd last}}(G^2) \\
        \hat V &= R C / \max(\mathrm{mean}(R), \epsilon_1) \quad \text{(2 or more dims; else }
            \hat V \leftarrow \hat\beta_2 \hat V + (1 - \hat\beta_2) G^2\text{)} \\
        U &= G / \sqrt{\max(\hat V, \epsilon_1^2)}, \qquad
        \theta \leftarrow \theta - \alpha\, U / \max(1, \mathrm{RMS}(U) / d)

    ``eps`` is :math:`(\epsilon_1, \epsilon_2)`; :math:`\epsilon_1` ``None`` stands for the
    machine epsilon of the parameter's dtype. A parameter of 2 or more dimensions keeps the
    factors ``row_var`` and ``col_var`` (one per matrix of its last two dimensions), others a
    full ``variance``; each keeps a ``step``. ``foreach`` is accepted and changes nothing. As
    PyTorch, a step over a parameter with no elements raises ``ZeroDivisionError`` (its RMS).
    Under :func:`arraygrad.compile`, the first step (which makes the state) runs eagerly and
    each replay computes :math:`\hat\beta_2` and :math:`\rho` from the step count.

    >>> import arraygrad
    >>> w = arraygrad.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = arraygrad.optim.Adafactor([w], lr=0.1)
    >>> (3 * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([ 0.9000, -1.1000], requires_grad=True)
    """

    _supports_complex = False  # PyTorch refuses complex parameters (see _complex_params)

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        beta2_decay: float = -0.8,
        eps: tuple[float | None, float] = (None, 1e-3),
        d: float = 1.0,
        weight_decay: float = 0.0,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
    ) -> None:
        lr_value = lr_number(lr)  # (the groups keep lr itself: a tensor stays one)
        check_options(
            [
                (lr_value >= 0.0, f"Learning rate should be >= 0 but is: {lr_value}", "lr >= 0"),
                (
                    beta2_decay <= 0.0,
                    f"beta2_decay should be <= 0 but is: {beta2_decay}",
                    "beta2_decay <= 0",
                ),
                (
                    eps[0] is None or eps[0] >= 0.0,
                    f"epsilon1 should be >= 0 but is: {eps[0]}",
                    "eps[0] >= 0 or None",
                ),
                (eps[1] >= 0.0, f"epsilon2 should be >= 0 but is: {eps[1]}", "eps[1] >= 0"),
                (d >= 1.0, f"Clipping threshold d should be >= 1 but is: {d}", "d >= 1"),
                (
                    weight_decay >= 0.0,
                    f"weight_decay should be >= 0 but is: {weight_decay}",
                    "weight_decay >= 0",
                ),
            ]
        )
        defaults = {
            "lr": lr,
            "beta2_decay": beta2_decay,
            "eps": eps,
            "d": d,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor) -> dict[str, Any]:
        state = self.state[p]
        if len(state) == 0:
            state["step"] = new_step()
            shape, dtype = p._data.shape, p._data.dtype
            if len(shape) >= 2:
                rows, cols = _factored_shapes(shape)
                state["row_var"] = Tensor._wrap(_backend.xp.zeros(rows, dtype=dtype))
                state["col_var"] = Tensor._wrap(_backend.xp.zeros(cols, dtype=dtype))
            else:
                state["variance"] = zeros_like(p)
        return state

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        # PyTorch makes the state of every parameter of the group before it updates the first
        # one: a parameter that raises (no elements) leaves the later ones with fresh state.
        for p in params:
            self._init_state(p)
        lr = to_scalar(group["lr"])
        eps1, eps2 = group["eps"]
        for p in params:
            self._update_one(p, self.state[p], group, lr, eps1, eps2)

    def _update_one(
        self, p: Tensor, state: dict[str, Any], group: dict[str, Any], lr: Any, eps1: Any, eps2: Any
    ) -> None:
        xp = _backend.xp
        step = state["step"]
        increment(step)
        param, grad = p._data, grad_of(p)
        size = math.prod(param.shape)
        if size == 0:
            # PyTorch's RMS of the parameter divides by the square root of its size as Python
            # floats, after the step count moved.
            raise ZeroDivisionError("float division by zero")
        dtype = param.dtype
        if eps1 is None:
            eps1 = _backend.float_info(_dtype.from_xp(dtype).name)["eps"]
        # α = max(ε2, RMS(θ)) · min(lr, 1/√t), from θ before the weight decay; the numbers that
        # follow the step count come from scalar_from, so that a replay computes them anew.
        rho = _backend.scalar_from(_relative_step, dtype, step._data, lr)
        rms = new_array("sqrt", new_array("mean", new_array("multiply", param, param)))
        alpha = new_array("multiply", new_array("maximum", rms, eps2), rho)
        weight_decay = group["weight_decay"]
        if weight_decay != 0:
            compute_into("multiply", param, param, 1 - lr * weight_decay)
        beta2 = _backend.scalar_from(_beta2, dtype, step._data, group["beta2_decay"])
        weight = new_array("subtract", 1, beta2)  # the moving averages' lerp weight, 1 - β̂2
        square = new_array("multiply", grad, grad)  # G², the same with maximize
        if len(param.shape) >= 2:
            row_var, col_var = state["row_var"], state["col_var"]
            _average_into(row_var._data, xp.mean(square, axis=-1, keepdims=True), weight)
            _average_into(col_var._data, xp.mean(square, axis=-2, keepdims=True), weight)
            _primitive.bump_version(row_var)
            _primitive.bump_version(col_var)
            scale = new_array("maximum", xp.mean(row_var._data, axis=-2, keepdims=True), eps1)
            variance = new_array("multiply", row_var._data, col_var._data)
            compute_into("divide", variance, variance, scale)
        else:
            variance_state = state["variance"]
            _average_into(variance_state._data, square, weight)
            _primitive.bump_version(variance_state)
            variance = new_array("maximum", variance_state._data, eps1 * eps1)
        if len(param.shape) >= 2:
            compute_into("maximum", variance, variance, eps1 * eps1)
        # U = G / √max(V̂, ε1²), clipped to an RMS of at most d; θ ← θ - α U (α negated for
        # maximize, which negates U)
        compute_into("sqrt", variance, variance)
        update = new_array("divide", grad, variance)
        update_rms = new_array("sqrt", new_array("mean", new_array("multiply", update, update)))
        clip = new_array("maximum", new_array("divide", update_rms, group["d"]), 1.0)
        compute_into("divide", update, update, clip)
        if group["maximize"]:
            compute_into("negative", alpha, alpha)
        compute_into("multiply", update, update, alpha)
        compute_into("subtract", param, param, update)
        _primitive.bump_version(p)


def _average_into(average: Any, values: Any, weight: Any) -> None:
    """``a ← a + w (x - a)`` in ``a``'s memory (``w`` a 0-d array, ``x`` a new array the
    caller gives up)."""
    compute_into("subtract", values, values, average)
    compute_into("multiply", values, values, weight)
    compute_into("add", average, average, values)
