"""Negative log-likelihood losses of parametric distributions: Poisson and Gaussian."""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _autocast_flag, _backend, _math
from arraygrad._like_creation import full_like
from arraygrad._tensor import Tensor
from arraygrad.nn._common import (
    apply_reduction,
    check_reduction,
    clamp_min_straight_through,
    legacy_reduction,
)
from arraygrad.nn._loss import _check

__all__ = ["gaussian_nll_loss", "poisson_nll_loss"]


def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    size_average: bool | None = None,
    eps: float = 1e-8,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Poisson negative log-likelihood of ``target`` counts with rate ``exp(input)``:
    ``exp(input) - target * input`` (``log_input``), else ``input - target * log(input + eps)``.

    ``full`` adds Stirling's approximation of ``log(target!)``,
    ``t log t - t + 0.5 log(2 pi t)``, for the targets above 1.

    >>> import arraygrad
    >>> poisson_nll_loss(arraygrad.tensor([0.0, 1.0]), arraygrad.tensor([1.0, 2.0]))
    tensor(0.8591)
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the losses to float32
        from arraygrad.amp import _casts

        return _casts.full(
            poisson_nll_loss, input, target, log_input, full, size_average, eps, reduce, reduction
        )
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)
    if log_input:
        loss = _math.exp(input) - target * input
    else:
        loss = input - target * _math.log(input + eps)
    if full:
        # The term is masked where target <= 1; its logs see 1 there so that the masked
        # entries give a gradient of 0, not 0 * log(0) = nan.
        above = target > 1
        safe = _math.where(above, target, 1.0)
        stirling = safe * _math.log(safe) - safe + 0.5 * _math.log(2 * math.pi * safe)
        loss = loss + _math.where(above, stirling, 0.0)
    return apply_reduction(loss, reduction)


def gaussian_nll_loss(
    input: Tensor,
    target: Tensor,
    var: Tensor | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """Gaussian negative log-likelihood ``0.5 (log(var) + (input - target)^2 / var)`` (plus
    ``0.5 log(2 pi)`` when ``full``).

    ``var`` has ``input``'s shape, or one dimension of size 1 (or the last one missing) for a
    variance shared along it, or is a float. It is clamped at ``eps`` for stability; as in
    PyTorch the clamp is outside the graph, so the gradient is the unclamped one.

    >>> import arraygrad
    >>> gaussian_nll_loss(arraygrad.tensor([1.0]), arraygrad.tensor([3.0]), 4.0)
    tensor(1.1931)
    """
    if isinstance(var, float):
        if var < 0:
            raise ValueError(
                "var has negative entry/entries"
                f" (got var={var}). Fix: pass a variance >= 0 (e.g. its exp() or square)."
            )
        var = full_like(input, var)
    elif not isinstance(var, Tensor):
        raise TypeError(
            f"var must be a Tensor or a float, got {type(var).__name__}. Fix: pass "
            f"float({var!r}) or a tensor of variances."
        )
    else:
        _check(_raise_for_negative_variance, var)
    if tuple(var.shape) != tuple(input.shape):
        in_shape, var_shape = tuple(input.shape), tuple(var.shape)
        if in_shape[:-1] == var_shape:
            var = var.unsqueeze(-1)  # one variance per row, shared along the last dimension
        elif not (
            len(in_shape) == len(var_shape)
            and sum(v for i, v in zip(in_shape, var_shape, strict=True) if i != v) == 1
        ):
            raise ValueError(
                f"var is of incorrect size: {list(var_shape)} for input of size "
                f"{list(in_shape)}. Fix: give var input's shape, or size 1 in one dimension, or "
                "drop its last dimension."
            )
    check_reduction(reduction, "is not valid")
    var = clamp_min_straight_through(var, eps)
    diff = input - target
    loss = 0.5 * (_math.log(var) + diff * diff / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return apply_reduction(loss, reduction)


def _raise_for_negative_variance(data: Any) -> None:
    xp = _backend.xp
    if bool(xp.any(data < 0)):
        raise ValueError(
            "var has negative entry/entries: variances must be >= 0. Fix: pass var.exp() or "
            "softplus(var) of an unconstrained parameter."
        )
