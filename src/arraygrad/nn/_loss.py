"""Regression and binary loss functions with PyTorch's signatures, reductions and edge cases,
and the argument checks the other losses share (``nll_loss`` and ``cross_entropy`` are in
:mod:`arraygrad.nn._class_loss`).

Logit losses go through the stable ``softplus`` composition, so logits of magnitude 1e4 give
finite values and gradients in float32.
"""

from __future__ import annotations

import warnings
from typing import Any

from arraygrad import (
    _autocast_flag,
    _backend,
    _binary,
    _dtype,
    _grad_mode,
    _inference,
    _math,
    _reduced_floats,
    ops,
)
from arraygrad._grad_mode import grad_enabled
from arraygrad._math import check_bool_subtraction
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor, describe
from arraygrad.nn._activation import _stable_softplus, check_log_sigmoid
from arraygrad.nn._common import (
    apply_reduction,
    cast_error,
    check_reduction,
    floating_operands,
    legacy_reduction,
    no_kernel,
    refuse_complex_autograd,
    target_for_input_dtype,
)

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "mse_loss",
    "smooth_l1_loss",
]

# (the ids of the array dtypes of float32 and float64: an input of one of them skips the
# dtype checks for other dtypes)
_WIDE_FLOAT_IDS = _dtype.WIDE_FLOAT_IDS


def _shape_warning(input: Tensor, target: Tensor) -> None:
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            stacklevel=3,
        )


def _check_saved(name: str, input: Tensor, target: Any) -> None:
    """Refuse an inference tensor as ``input`` or ``target`` of a loss whose PyTorch kernel
    saves both for backward, where arraygrad's composition reads neither (its rules read
    their difference): see :func:`arraygrad._inference.check_kept`."""
    if _grad_mode.inference_used:
        _inference.check_kept((input, target), f"the input or target of {name}", input, target)


def _weighted(loss: Tensor, weight: Tensor | None, reduction: str, mean_by_weight: bool) -> Tensor:
    """``loss * weight`` reduced as PyTorch's weighted ``mse_loss`` / ``l1_loss`` /
    ``huber_loss`` do (the mean divides by ``weight.sum()`` when ``mean_by_weight``)."""
    check_reduction(reduction)
    if weight is None:
        return apply_reduction(loss, reduction)
    if tuple(weight.shape) != tuple(loss.shape):
        raise ValueError(
            f"Weights and input must have the same size: weight has shape {list(weight.shape)}, "
            f"input {list(loss.shape)}. Fix: pass a weight of shape {list(loss.shape)} (expand "
            "it, e.g. weight.expand_as(input))."
        )
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return apply_reduction(loss, reduction)


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean squared error ``(input - target) ** 2``, reduced by ``reduction``.

    >>> import arraygrad
    >>> mse_loss(arraygrad.tensor([1.0, 3.0]), arraygrad.tensor([0.0, 0.0]))
    tensor(5.)
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the losses to float32
        from arraygrad.amp import _casts

        return _casts.full(mse_loss, input, target, size_average, reduce, reduction, weight)
    _shape_warning(input, target)
    if not _dtype.one_wide_float(input, target):
        input, target = floating_operands("mse_cpu", input, target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_saved("mse_loss", input, target)
    diff = input - target
    loss = _weighted(diff * diff, weight, reduction, mean_by_weight=True)
    # PyTorch's own kernel without weight; with one, a composition ending in its division.
    return loss if weight is not None else labelled(loss, "MseLossBackward0")


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Mean absolute error ``|input - target|`` (gradient 0 where they are equal).

    ``reduction`` is ``"mean"``, ``"sum"`` or ``"none"``; ``weight`` multiplies each element's
    loss, and ``"mean"`` then divides by the sum of the weights. A target of another shape is
    broadcast with PyTorch's warning.

    >>> import arraygrad
    >>> F = arraygrad.nn.functional
    >>> x = arraygrad.tensor([1.0, 2.0, 5.0], requires_grad=True)
    >>> F.l1_loss(x, arraygrad.tensor([1.0, 0.0, 6.0]), reduction="sum").backward()
    >>> x.grad
    tensor([ 0.,  1., -1.])
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the losses to float32
        from arraygrad.amp import _casts

        return _casts.full(l1_loss, input, target, size_average, reduce, reduction, weight)
    _shape_warning(input, target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    return _weighted(_math.abs(input - target), weight, reduction, mean_by_weight=True)


def _huber(diff: Tensor, delta: float, scale: float) -> Tensor:
    # 0.5 d^2 inside |d| < delta, delta (|d| - delta / 2) outside; ``scale`` divides the result
    # (smooth_l1 is huber / beta). As in PyTorch's kernels nan takes the quadratic piece (its
    # gradient d is nan), and the quadratic piece sees 0 where it is not used, so that its
    # discarded gradient 0 * 2d cannot be 0 * inf = nan at d = +-inf (PyTorch: +-delta there).
    size = _math.abs(diff)
    outside = size >= delta
    inside = _math.where(outside, 0.0, diff)
    quadratic = inside * inside * (0.5 / scale)
    linear = size - 0.5 * delta
    if delta != scale:  # (times 1.0 is a pass for nothing: smooth_l1's, and huber's delta 1)
        linear = linear * (delta / scale)
    return _math.where(outside, linear, quadratic)


def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - beta / 2`` (``d = input - target``).

    >>> import arraygrad
    >>> smooth_l1_loss(arraygrad.tensor([0.5, 3.0]), arraygrad.tensor([0.0, 0.0]))
    tensor(1.3125)
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the losses to float32
        from arraygrad.amp import _casts

        return _casts.full(smooth_l1_loss, input, target, size_average, reduce, reduction, beta)
    _shape_warning(input, target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)  # (PyTorch reads it, in Python, before its kernel checks beta)
    if beta < 0:
        raise RuntimeError(
            f"smooth_l1_loss does not support negative values for beta (got beta={beta}). Fix: "
            "pass beta >= 0 (0 is the L1 loss)."
        )
    if beta:  # (PyTorch's beta=0 is l1_loss, which saves neither, and takes other dtypes)
        _check_saved("smooth_l1_loss", input, target)
        if not _dtype.one_wide_float(input, target):
            input, target = floating_operands("smooth_l1_cpu", input, target)
    diff = input - target
    if beta == 0:
        loss = _math.abs(diff)
    elif diff.dtype.is_floating_point and not _reduced_floats.is_reduced(diff):
        loss = ops.smooth_l1(diff, beta=float(beta))  # (PyTorch's kernel: ops/losses.py)
    else:
        loss = _huber(diff, beta, beta)
    loss = apply_reduction(loss, reduction)
    return loss if beta == 0 else labelled(loss, "SmoothL1LossBackward0")


def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """``0.5 d^2`` where ``|d| < delta``, else ``delta (|d| - delta / 2)``; ``d = input - target``.

    The gradient is ``d`` inside and ``+-delta`` outside; ``delta`` must be positive. ``weight``
    multiplies each element's loss (``"mean"`` still divides by the number of elements, as in
    PyTorch; :func:`l1_loss` divides by the weights' sum).

    >>> import arraygrad
    >>> F = arraygrad.nn.functional
    >>> x = arraygrad.tensor([0.5, 3.0], requires_grad=True)
    >>> F.huber_loss(x, arraygrad.zeros(2), reduction="sum", delta=2.0).backward()
    >>> x.grad
    tensor([0.5000, 2.0000])
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the losses to float32
        from arraygrad.amp import _casts

        return _casts.full(huber_loss, input, target, reduction, delta, weight)
    if weight is None:  # PyTorch reads the reduction before its kernel checks delta
        check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError(
            f"huber_loss does not support non-positive values for delta (got {delta}). Fix: "
            "pass delta > 0."
        )
    _shape_warning(input, target)
    _check_saved("huber_loss", input, target)
    if not _dtype.one_wide_float(input, target):
        target = target_for_input_dtype("huber_loss", "huber_cpu", input, target)
    loss = _huber(input - target, delta, 1.0)
    if loss.dtype != input.dtype:
        # PyTorch's kernel writes into a tensor like the input: computed in the promoted
        # dtype, stored (and reduced) in the input's
        loss = loss.to(input.dtype)
    if weight is None:  # (PyTorch's one kernel; a weight multiplies and reduces its result)
        return labelled(_weighted(loss, weight, reduction, False), "HuberLossBackward0")
    return _weighted(loss, weight, reduction, mean_by_weight=False)


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Kullback-Leibler divergence of ``target`` from the distribution whose log-probabilities
    are ``input``: ``target * (log(target) - input)`` element-wise (0 where ``target`` is 0), or
    ``exp(target) * (target - input)`` when ``log_target`` says the target is in log space too.

    ``reduction="batchmean"`` divides the sum by the batch size (the first dimension): the KL
    divergence per example. ``"mean"`` divides by the number of elements, as PyTorch does (with
    its warning that this is not the divergence).

    >>> import arraygrad
    >>> kl_div(arraygrad.tensor([[-1.0, -2.0]]), arraygrad.tensor([[0.0, 0.5]]), reduction="sum")
    tensor(0.6534)
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the losses to float32
        from arraygrad.amp import _casts

        return _casts.full(kl_div, input, target, size_average, reduce, reduction, log_target)
    legacy = size_average is not None or reduce is not None
    reduction = legacy_reduction(size_average, reduce, reduction)
    if reduction != "batchmean":
        check_reduction(reduction)
    if reduction == "mean" and not legacy:  # (PyTorch gives the legacy flags' warning alone)
        warnings.warn(
            "kl_div with reduction='mean' divides the summed loss by the number of elements, "
            "that is by the batch size times the size of each distribution; "
            "reduction='batchmean' divides by the batch size alone, which gives the KL "
            "divergence per example.",
            UserWarning,
            stacklevel=2,
        )
    if not _dtype.one_wide_float(input, target):
        _check_kl_dtypes(input, target)
    if log_target:
        losses = _math.exp(target) * (target - input)
    else:  # xlogy: 0 * log(0) is 0, where the target gives a class no probability
        losses = _binary.xlogy(target, target) - target * input
    if reduction == "batchmean":
        total = losses.sum()
        return total / input.shape[0] if input.ndim else total
    return apply_reduction(losses, reduction)


def _check_kl_dtypes(input: Tensor, target: Tensor) -> None:
    """PyTorch's refusal of complex, then integral (bool included), operands of ``kl_div``."""
    operands = f"input {describe(input)}, target {describe(target)}"
    if input.dtype.is_complex or target.dtype.is_complex:
        raise RuntimeError(
            f"kl_div: Complex inputs not supported ({operands}). Fix: compute the divergence "
            "of real log-probabilities and probabilities."
        )
    if not (input.dtype.is_floating_point and target.dtype.is_floating_point):
        raise RuntimeError(
            f"kl_div: Integral inputs not supported ({operands}). Fix: convert them to a "
            "floating-point dtype, e.g. target.float()."
        )


def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """``-w (t log x + (1 - t) log(1 - x))`` for probabilities ``x`` and targets ``t`` in
    ``[0, 1]``, each log clamped at -100 (``log(1 - x)`` computed as ``log1p(-x)``), reduced by
    ``reduction``.

    As in PyTorch, this is one op with its own gradient (not the derivative of the clamped logs):
    ``g (x - t) / max((1 - x) x, EPS)`` for ``x``, ``EPS`` being 1e-12 rounded to float32. So a
    sigmoid saturated to exactly 0 or 1 still gets a gradient of about ``1e12`` pulling it back
    where the target disagrees, and 0 where it agrees. For ``t`` the gradient is
    ``-g logit(x)``, unclamped (``inf`` at ``x = 0``). Second derivatives are PyTorch's double
    backward, ``g (x^2 - 2xt + t) / ((x + eps)^2 (1 - x + eps)^2)`` with ``eps = 1e-12``.
    Inputs or targets outside ``[0, 1]`` (or nan) raise ``RuntimeError``.

    >>> import arraygrad
    >>> x = arraygrad.tensor([0.0, 0.5], requires_grad=True)
    >>> binary_cross_entropy(x, arraygrad.tensor([0.0, 1.0]))
    tensor(0.3466, grad_fn=<BinaryCrossEntropyBackward0>)
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the losses to float32
        from arraygrad.amp import _casts

        return _casts.full(
            binary_cross_entropy, input, target, weight, size_average, reduce, reduction
        )
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)  # (PyTorch reads it first)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size. Fix: reshape "
            f"the target to {list(input.shape)} (e.g. target.view_as(input))."
        )
    _refuse_gradient("binary_cross_entropy", "weight", weight)  # before the dtypes, as PyTorch
    if target.dtype is not input.dtype:
        raise RuntimeError(
            f"Found dtype {_dtype.torch_type_name(target.dtype)} but expected "
            f"{_dtype.torch_type_name(input.dtype)}: binary_cross_entropy's target must have the "
            f"input's dtype. Fix: target.to(input.dtype)."
        )
    if id(input._data.dtype) not in _WIDE_FLOAT_IDS and not input.dtype.is_floating_point:
        fix = "pass probabilities in a floating-point dtype, e.g. input.float(), target.float()."
        raise no_kernel("binary_cross_entropy", input.dtype, fix)
    _check(_raise_for_non_probabilities, input, target)
    loss = ops.binary_cross_entropy(input, target)
    if weight is not None:  # PyTorch's loss.mul_(weight): stored in the input's dtype
        loss = _stored_in(loss * weight, loss, "binary_cross_entropy scales the loss in place")
    return labelled(apply_reduction(loss, reduction), "BinaryCrossEntropyBackward0")


def _stored_in(value: Tensor, into: Tensor, written: str) -> Tensor:
    """``value`` stored in ``into``'s dtype, as a PyTorch kernel's in-place op stores its result
    (computed in the promoted dtype): refused, with PyTorch's error, where ``value`` is complex
    and ``into`` real (a complex weight); ``written`` says where the kernel writes."""
    if value.dtype is into.dtype:
        return value
    if value.dtype.is_complex and not into.dtype.is_complex:
        raise cast_error(value.dtype, into, written)
    return value.to(into.dtype)


def _refuse_gradient(function: str, argument: str, tensor: Tensor | None) -> None:
    """PyTorch's refusal of an argument its op does not differentiate (a class or sample
    weight) when that argument requires grad."""
    if tensor is not None and tensor.requires_grad and grad_enabled.get():
        raise RuntimeError(
            f"The function '{function}' is not differentiable with respect to argument "
            f"'{argument}'. This input cannot have requires_grad True. Fix: pass "
            f"{argument}.detach()."
        )


def _raise_for_non_probabilities(input: Any, target: Any) -> None:
    # Written as "not inside" so that nan is refused too, as PyTorch's kernel refuses it.
    xp = _backend.xp
    for name, data in (("input", input), ("target", target)):
        outside = xp.logical_not(xp.logical_and(data >= 0, data <= 1))
        if bool(xp.any(outside)):
            value = float(xp.reshape(data[outside], (-1,))[0])
            fix = (
                "apply sigmoid first, or use binary_cross_entropy_with_logits"
                if name == "input"
                else "targets are probabilities of the positive class; clamp or rescale them"
            )
            raise RuntimeError(
                f"all elements of {name} should be between 0 and 1 (found {value}): "
                f"binary_cross_entropy expects probabilities. Fix: {fix}."
            )


def _check(check: Any, *arguments: Any) -> None:
    """Run ``check(*arguments)``, a validation of array values that raises on bad ones; a
    Tensor among ``arguments`` is passed as its array.

    Under ``arraygrad.compile`` it becomes a step of the recorded program, so that every replay
    checks the values of its own call. Tensors are passed as tensors so that one from outside
    the function (a target the step captures) is first made known to the recorder, which then
    reads its array on each replay: its bare array would be a float array of unknown origin.
    """
    tracer = _backend.tracer
    if tracer is None:  # (a list comprehension: a generator costs a loss a microsecond)
        check(*[a._data if isinstance(a, Tensor) else a for a in arguments])
        return
    for argument in arguments:
        if isinstance(argument, Tensor):
            tracer.see_tensor(argument)
    tracer.call(check, tuple(a._data if isinstance(a, Tensor) else a for a in arguments))


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """``binary_cross_entropy(sigmoid(input), target)`` computed stably from logits:
    ``(1 - t) x + (1 + (pos_weight - 1) t) softplus(-x)``, finite for any logit.

    >>> import arraygrad
    >>> binary_cross_entropy_with_logits(arraygrad.tensor([1e4]), arraygrad.tensor([0.0]))
    tensor(10000.)
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the losses to float32
        from arraygrad.amp import _casts

        return _casts.full(
            binary_cross_entropy_with_logits,
            input,
            target,
            weight,
            size_average,
            reduce,
            reduction,
            pos_weight,
        )
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(reduction)  # (PyTorch reads it first)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Target size ({target.shape}) must be the same as input size ({input.shape}). Fix: "
            f"reshape the target to {list(input.shape)} (e.g. target.view_as(input))."
        )
    _refuse_gradient("binary_cross_entropy_with_logits", "weight", weight)
    _refuse_gradient("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    if not _dtype.one_wide_float(input, target):
        _check_logits_dtypes(input, target, weight, pos_weight)
    if _grad_mode.inference_used:  # PyTorch's kernel saves them all; the composition does not
        kept = (input, target, pos_weight)
        what = "the input, target or pos_weight of binary_cross_entropy_with_logits"
        _inference.check_kept(kept, what, input, target)
    softplus_neg = _stable_softplus(-input)
    if pos_weight is not None:
        softplus_neg = softplus_neg * ((pos_weight - 1) * target + 1)
    complement = 1 - target
    loss = complement * input + softplus_neg
    if weight is not None:
        loss = loss * weight
    if loss.dtype != complement.dtype:
        loss = _in_place_of(complement, input, softplus_neg, weight)
    return labelled(apply_reduction(loss, reduction), "BinaryCrossEntropyWithLogitsBackward0")


def _check_logits_dtypes(
    input: Tensor, target: Tensor, weight: Tensor | None, pos_weight: Tensor | None
) -> None:
    """PyTorch's errors for ``binary_cross_entropy_with_logits`` of other dtypes: its kernel
    takes ``log_sigmoid(input)`` (floating point only) and computes in place in ``1 - target``
    (an integer target cannot hold the float loss, a bool one cannot subtract); a complex
    target gives a complex loss, without a gradient (and with ``pos_weight``, an error)."""
    check_log_sigmoid(input)
    if target.dtype is _dtype.bool_:
        check_bool_subtraction(target, target)
    if not (target.dtype.is_floating_point or target.dtype.is_complex):
        written = "binary_cross_entropy_with_logits computes in place in 1 - target"
        raise cast_error(input.dtype, target, written)
    if target.dtype.is_complex:
        name = "binary_cross_entropy_with_logits"
        if pos_weight is not None:  # it scales log_sigmoid(input) in place by complex weights
            promoted = _dtype.promote_types(input.dtype, target.dtype)
            raise cast_error(promoted, input, f"{name} scales log_sigmoid(input) in place")
        refuse_complex_autograd(name, input, target, weight, pos_weight)


def _in_place_of(
    complement: Tensor, input: Tensor, softplus_neg: Tensor, weight: Tensor | None
) -> Tensor:
    """PyTorch's ``(1 - target).mul_(input).sub_(log_sigmoid(input))`` (``.mul_(weight)``)
    where the other operands' dtype is wider than ``1 - target``'s: each step computed in the
    promoted dtype and stored in ``1 - target``'s, as its in-place ops do."""
    written = "binary_cross_entropy_with_logits computes in place in 1 - target"
    loss = _stored_in(complement * input, complement, written)
    loss = _stored_in(loss + softplus_neg, complement, written)
    return loss if weight is None else _stored_in(loss * weight, complement, written)
