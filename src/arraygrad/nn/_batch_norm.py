"""``batch_norm`` and ``instance_norm``: normalisation over the batch (and, for instance norm,
per sample) with running statistics, as PyTorch's CPU kernels compute them (float16 and
bfloat16 in float32, rounded as PyTorch rounds).
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import (
    _dtype,
    _grad_mode,
    _inference,
    _math,
    _reduced_floats,
    _reduction,
    _shape,
    _unary,
    ops,
)
from arraygrad._arguments import not_tensor_error
from arraygrad._grad_mode import grad_enabled, no_grad
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor, c_ordered
from arraygrad.nn._normalization import _check_mixed_parameters, _moments

__all__ = ["batch_norm", "instance_norm"]


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float | Tensor = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dimension 1) by its batch statistics (``training``) or by the
    running ones, then scale by ``weight`` and shift by ``bias``.

    In training the running statistics, when given, are updated in place as in PyTorch:
    ``running = (1 - momentum) * running + momentum * batch`` (the variance unbiased).
    ``momentum`` may be a 0-d tensor (BatchNorm's cumulative average passes ``1 / n`` so).

    >>> import arraygrad
    >>> x = arraygrad.tensor([[1.0], [3.0]])
    >>> mean, var = arraygrad.zeros(1), arraygrad.ones(1)
    >>> batch_norm(x, mean, var, training=True)
    tensor([[-1.0000],
            [ 1.0000]])
    >>> mean  # updated in place: 0.9 * 0 + 0.1 * 2
    tensor([0.2000])
    """
    if input.ndim < 2:
        raise ValueError(
            f"batch_norm expects an input of shape (N, C, ...) with at least 2 dimensions, but "
            f"got input of shape {list(input.shape)}"
            ". Fix: pass (N, C) or (N, C, *); add a batch dimension with "
            "unsqueeze(0)."
        )
    # Values per channel: PyTorch refuses one in training before it looks at the per-channel
    # tensors (a mismatched weight then raises this ValueError, not its RuntimeError). None
    # (an empty input) is no error: PyTorch returns at once, before its other checks.
    shape = input.shape
    per_channel = shape[0] * math.prod(shape[2:])
    if training and per_channel == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {input.shape}"
            ". Fix: pass a batch with more than one value per channel, or call "
            ".eval() to use the running statistics."
        )
    if not per_channel * shape[1]:
        return c_ordered(_batch_norm_of_nothing(input, weight, bias))
    _check_per_channel("batch_norm", input, running_mean, running_var, weight, bias)
    _refuse_differentiable_statistics(running_mean, running_var)
    if not input.dtype.is_floating_point:  # (PyTorch's kernel has float loops only)
        raise _unary.not_implemented("batch_norm", input, "convert the input with .float().")
    parameters = (weight, bias, running_mean, running_var)
    _check_mixed_parameters(input, *parameters, op="batch_norm")
    if _reduced_floats.is_reduced(input):
        out = _batch_norm_in_float32(input, *parameters, training, momentum, eps)
    else:
        out = _batch_norm_float(
            input, running_mean, running_var, weight, bias, training, momentum, eps, None
        )
    # C-ordered, its node named, as PyTorch's kernel's result
    return labelled(c_ordered(out), "NativeBatchNormBackward0")


def _batch_norm_of_nothing(input: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    """PyTorch's batch norm of an empty input, before any other check: a copy, times the first
    weight and plus the first bias (so that the gradient reaches them, as zeros), the running
    statistics untouched (an empty batch has no statistics to update them with)."""
    out = ops.clone(input)
    if weight is not None:
        out = out * weight[0]
    if bias is not None:
        out = out + bias[0]
    return out


def _batch_norm_float(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None,
    bias: Tensor | None,
    training: bool,
    momentum: Any,
    eps: float,
    stats_dtype: _dtype.dtype | None,
) -> Tensor:
    """:func:`batch_norm` of a float32 or float64 input, checked; ``stats_dtype``: the dtype
    PyTorch's kernel saves a training batch's mean and ``1 / std`` in and normalises with (a
    float16 or bfloat16 input's own, beside parameters of its dtype), else ``None``."""
    channels = input.shape[1]
    stat_shape = (1, channels) + (1,) * (input.ndim - 2)
    count = math.prod(input.shape) // channels if channels else 0
    dims = (0,) + tuple(range(2, input.ndim))
    if training:
        if (running_mean is None) != (running_var is None):
            # (one alone would be updated with the other's statistics lost: PyTorch refuses)
            raise ValueError(
                "running_mean and running_var must either both be None or neither be None"
                ". Fix: pass both running_mean and running_var, or neither."
            )
        mean, var = _moments(input, dims)
        if running_mean is not None or running_var is not None:
            with no_grad():
                if running_mean is not None:
                    batch_mean = _shape.reshape(mean.detach(), channels)
                    running_mean.copy_(running_mean * (1 - momentum) + batch_mean * momentum)
                if running_var is not None:
                    unbiased = _shape.reshape(var.detach(), channels) * (count / (count - 1))
                    running_var.copy_(running_var * (1 - momentum) + unbiased * momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError(
                "running_mean and running_var must be defined in evaluation mode "
                "(training=False). Fix: pass the running statistics or training=True."
            )
        if _grad_mode.inference_used:  # PyTorch's kernel saves them; the composition does not
            running = (running_mean, running_var)
            what = "the running statistics of batch_norm"
            _inference.check_kept(running, what, input, weight, bias)
        mean = _shape.reshape(running_mean, stat_shape)
        var = _shape.reshape(running_var, stat_shape)
    if training and stats_dtype is not None:
        mean = ops.astype(ops.astype(mean, stats_dtype), input.dtype)
        inverse_std = ops.astype(ops.astype(1 / _math.sqrt(var + eps), stats_dtype), input.dtype)
        out = (input - mean) * inverse_std
    else:
        out = (input - mean) / _math.sqrt(var + eps)
    if weight is not None:
        out = out * _shape.reshape(weight, stat_shape)
    if bias is not None:
        out = out + _shape.reshape(bias, stat_shape)
    return out


def _batch_norm_in_float32(
    input: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    training: bool,
    momentum: Any,
    eps: float,
) -> Tensor:
    """``batch_norm`` of a float16 or bfloat16 input as PyTorch's CPU kernel computes it: in
    float32 (its parameters, of the input's dtype or float32, widened too), the output
    rounded once to the input's dtype and each running statistic once to its own."""

    def wide(tensor: Tensor | None) -> Tensor | None:
        return None if tensor is None else ops.astype(tensor, _dtype.float32)

    with no_grad():  # float32 copies of the running statistics, updated in place below
        mean32, var32 = (
            None if t is None else t.to(_dtype.float32, copy=True)
            for t in (running_mean, running_var)
        )
    # (PyTorch's kernel keeps the batch's statistics in the parameters' dtype: the input's
    # where every parameter has it, float32 beside float32 parameters)
    mixed = any(t is not None and t.dtype != input.dtype for t in (weight, bias, running_mean))
    out = _batch_norm_float(
        ops.astype(input, _dtype.float32),
        mean32,
        var32,
        wide(weight),
        wide(bias),
        training,
        momentum,
        eps,
        None if mixed else input.dtype,
    )
    if training:
        with no_grad():
            if running_mean is not None and mean32 is not None:
                running_mean.copy_(mean32)
            if running_var is not None and var32 is not None:
                running_var.copy_(var32)
    return ops.astype(out, input.dtype)


def _check_per_channel(
    op: str,
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None,
    bias: Tensor | None,
) -> None:
    """PyTorch's RuntimeError when a per-channel tensor has not one element per channel
    (dimension 1) of ``input``, and its TypeError when one is not a tensor (a module assigned
    over a BatchNorm's buffer), which PyTorch's native function refuses by its position while
    it parses its arguments: before any size check."""
    for position, tensor in enumerate((weight, bias, running_mean, running_var), start=2):
        if tensor is not None and not isinstance(tensor, Tensor):
            name = ("weight", "bias", "running_mean", "running_var")[position - 2]
            raise not_tensor_error(op, tensor, name=name, position=position)
    channels = input.shape[1]
    for name, tensor in (
        ("running_mean", running_mean),
        ("running_var", running_var),
        ("weight", weight),
        ("bias", bias),
    ):
        if tensor is not None and tensor.numel() != channels:
            raise RuntimeError(
                f"{op}: {name} should contain {channels} elements (one per channel of "
                f"input {list(input.shape)}), but got {name} of shape {list(tensor.shape)}"
                f". Fix: pass {name} with {channels} elements, or build the layer with "
                f"num_features={channels}."
            )


def _refuse_differentiable_statistics(
    running_mean: Tensor | None, running_var: Tensor | None
) -> None:
    """PyTorch's error for running statistics that require grad, while grad mode is on.

    The running statistics are state, not inputs: no gradient flows to them, so PyTorch
    refuses one that asks for it (a Parameter assigned over a BatchNorm's buffer).
    """
    if not grad_enabled.get():
        return
    for name, stat in (("running_mean", running_mean), ("running_var", running_var)):
        if stat is not None and stat.requires_grad:
            raise RuntimeError(
                f"The function 'native_batch_norm' is not differentiable with respect to "
                f"argument '{name}'. This input cannot have requires_grad True. Fix: pass "
                f"running statistics that do not require grad (buffers, or .detach())."
            )


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of each example over its positions: ``(x - mean) / sqrt(var +
    eps) * weight + bias`` (biased variance), the statistics of one ``(n, c)`` slice.

    As in PyTorch it is :func:`batch_norm` of the input seen as one example with ``N * C``
    channels; given running statistics, they are updated in place with the batch mean of the
    per-example statistics (or used instead, when ``use_input_stats=False``).

    >>> import arraygrad
    >>> instance_norm(arraygrad.tensor([[[1.0, 3.0]]]))
    tensor([[[-1.0000,  1.0000]]])
    """
    shape = tuple(input.shape)
    # (PyTorch refuses one position only: none, an empty input, normalises nothing)
    if use_input_stats and (input.ndim < 2 or math.prod(shape[2:]) == 1):
        raise ValueError(
            "Expected more than 1 spatial element when training, got input size "
            f"{input.shape}. Fix: pass (N, C, *spatial) input with more than one position."
        )
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError(
            "Expected running_mean and running_var to be defined when use_input_stats is false."
            " Fix: pass the running statistics or use_input_stats=True."
        )
    batch, channels = shape[0], shape[1]
    _check_per_channel("instance_norm", input, running_mean, running_var, weight, bias)
    # checked here: the per-example copies below are detached
    _refuse_differentiable_statistics(running_mean, running_var)

    def per_example(tensor: Tensor | None) -> Tensor | None:
        return None if tensor is None else _shape.repeat(tensor, batch)

    means, variances = per_example(running_mean), per_example(running_var)
    if means is not None:
        means = means.detach()  # repeat's copies, written by batch_norm instead of the caller's
    if variances is not None:
        variances = variances.detach()
    folded = _shape.reshape(input, (1, batch * channels) + shape[2:])
    out = batch_norm(
        folded,
        means,
        variances,
        per_example(weight),
        per_example(bias),
        use_input_stats,
        momentum,
        eps,
    )
    with no_grad():
        for running, updated in ((running_mean, means), (running_var, variances)):
            if running is not None and updated is not None and use_input_stats:
                running.copy_(_reduction.mean(_shape.reshape(updated, (batch, channels)), 0))
    return _shape.reshape(out, shape)
