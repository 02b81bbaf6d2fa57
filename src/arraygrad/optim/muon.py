"""Muon: momentum steps orthogonalised by a Newton-Schulz iteration, for 2-D parameters."""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend, _primitive
from arraygrad._tensor import Tensor
from arraygrad.optim._updates import (
    compute_into,
    grad_of,
    lerp_into,
    new_array,
    subtract_scaled,
    zeros_like,
)
from arraygrad.optim.optimizer import Optimizer, check_options, lr_number, to_scalar

__all__ = ["Muon"]

_ADJUST_LR_FNS = (None, "original", "match_rms_adamw")


def adjusted_lr(lr: Any, shape: tuple[int, ...], adjust_lr_fn: str | None) -> Any:
    """The step size of a parameter of ``shape`` (rows, columns): ``lr·sqrt(max(1, rows/cols))``
    (``"original"``, the default) or ``lr·0.2·sqrt(max(rows, cols))`` (``"match_rms_adamw"``,
    the RMS of AdamW's update), in PyTorch's order of operations."""
    rows, cols = shape
    if adjust_lr_fn == "match_rms_adamw":
        return lr * (0.2 * math.sqrt(max(rows, cols)))
    return lr * math.sqrt(max(1, rows / cols))


class Muon(Optimizer):
    r"""Muon, with PyTorch's update: for 2-D parameters only (as PyTorch, any other raises
    ``ValueError``, here or at the step of a group added later).

    For gradient :math:`g`, momentum :math:`\mu` and weight decay :math:`\lambda`:

    .. math::
        B &\leftarrow B + (1 - \mu)(g - B), \qquad
        \tilde B = g + \mu (B - g) \text{ with nesterov, else } B \\
        O &= \mathrm{NS}^{(a,b,c)}_k(\tilde B; \epsilon), \qquad
        \theta \leftarrow \theta (1 - \gamma\lambda) - \gamma' O

    with ``ns_coefficients`` :math:`(a, b, c)`, ``ns_steps`` :math:`k` (see
    :func:`arraygrad._backend.newton_schulz_bfloat16`, computed in bfloat16 as PyTorch does)
    and :math:`\gamma'` the ``lr`` adjusted to the parameter's shape by ``adjust_lr_fn``
    (:func:`adjusted_lr`). The state is the ``momentum_buffer``. Under
    :func:`arraygrad.compile`, the first step (which makes the state) runs eagerly; replays read
    ``lr`` and ``momentum`` anew.

    >>> import arraygrad
    >>> w = arraygrad.tensor([[1.0, 0.0], [0.0, 1.0]], requires_grad=True)
    >>> opt = arraygrad.optim.Muon([w], lr=0.1, weight_decay=0.0, ns_steps=0)
    >>> (w * arraygrad.tensor([[3.0, 0.0], [0.0, 4.0]])).sum().backward()
    >>> opt.step()
    >>> w
    tensor([[0.9398, 0.0000],
            [0.0000, 0.9199]], requires_grad=True)
    """

    _supports_complex = False  # PyTorch refuses complex parameters (see _complex_params)

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        weight_decay: float = 0.1,
        momentum: float = 0.95,
        nesterov: bool = True,
        ns_coefficients: tuple[float, float, float] = (3.4445, -4.775, 2.0315),
        eps: float = 1e-7,
        ns_steps: int = 5,
        adjust_lr_fn: str | None = None,
    ) -> None:
        lr_value = lr_number(lr)  # (the groups keep lr itself: a tensor stays one)
        check_options(
            [
                (lr_value >= 0.0, f"Learning rate should be >= 0 but is: {lr_value}", "lr >= 0"),
                (momentum >= 0.0, f"momentum should be >= 0 but is: {momentum}", "momentum >= 0"),
                (
                    weight_decay >= 0.0,
                    f"weight decay should be >= 0 but is: {weight_decay}",
                    "weight_decay >= 0",
                ),
                (
                    adjust_lr_fn in _ADJUST_LR_FNS,
                    f"Adjust learning rate function {adjust_lr_fn} is not supported",
                    "adjust_lr_fn=None, 'original' or 'match_rms_adamw'",
                ),
            ]
        )
        defaults = {
            "lr": lr,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "nesterov": nesterov,
            "ns_coefficients": ns_coefficients,
            "eps": eps,
            "ns_steps": ns_steps,
            "adjust_lr_fn": adjust_lr_fn,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(
                        "Muon only supports 2D parameters whereas we found a parameter with "
                        f"size: {p.size()}"
                        ". Fix: give Muon only 2-D weights; optimize biases, norms "
                        "and embeddings with AdamW in a second optimizer."
                    )

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        # As PyTorch: every parameter of the group gets its buffer before the first update, and
        # a gradient that is not 2-D (a group added later) raises when its turn comes.
        for p in params:
            if len(self.state[p]) == 0:
                self.state[p]["momentum_buffer"] = zeros_like(p)
        lr = to_scalar(group["lr"])
        momentum, weight_decay = group["momentum"], group["weight_decay"]
        for p in params:
            grad = grad_of(p)
            if len(grad.shape) != 2:
                raise ValueError(
                    "Param gradient must be a 2D matrix"
                    f", got shape {list(grad.shape)}. Fix: give Muon only 2-D "
                    "parameters; optimize the others with AdamW."
                )
            buffer = self.state[p]["momentum_buffer"]
            scratch = new_array("multiply", grad, 1)  # a copy of g, for the lerps
            lerp_into(buffer._data, grad, 1 - momentum, scratch)  # B ← lerp(B, g, 1 - μ)
            _primitive.bump_version(buffer)
            if group["nesterov"]:
                compute_into("multiply", scratch, grad, 1)
                lerp_into(scratch, buffer._data, momentum, new_array("multiply", grad, 1))
                direction = scratch  # lerp(g, B, μ)
            else:
                direction = buffer._data
            ortho = _backend.newton_schulz_bfloat16(
                direction, group["ns_coefficients"], group["ns_steps"], group["eps"]
            )
            param = p._data
            compute_into("multiply", param, param, 1 - lr * weight_decay)
            _primitive.bump_version(p)
            step_size = adjusted_lr(lr, tuple(param.shape), group["adjust_lr_fn"])
            subtract_scaled(p, step_size, ortho)
