"""Normalisation of activations: ``layer_norm``, ``group_norm``, ``batch_norm``,
``instance_norm``, ``rms_norm`` and ``local_response_norm`` (vectors divided by their norms,
``normalize`` and ``cosine_similarity``, are in :mod:`arraygrad.nn._vector_normalization`)."""

from __future__ import annotations

import math
from typing import Any

from arraygrad import (
    _backend,
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
from arraygrad._tensor import Tensor, c_ordered, c_ordered_result

__all__ = [
    "batch_norm",
    "group_norm",
    "instance_norm",
    "layer_norm",
    "local_response_norm",
    "rms_norm",
]

# (the ids of the array dtypes of float32 and float64: a call with both operands of one of
# them skips the dtype checks for other dtypes)
_WIDE_FLOAT_IDS = _dtype.WIDE_FLOAT_IDS


def _moments(input: Tensor, dims: tuple[int, ...]) -> tuple[Tensor, Tensor]:
    """Mean and biased variance over ``dims`` (kept), by the two-pass formula."""
    mean = _reduction.mean(input, dims, keepdim=True)
    centred = input - mean
    return mean, _reduction.mean(centred * centred, dims, keepdim=True)


def layer_norm(
    input: Tensor,
    normalized_shape: Any,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """``(x - mean) / sqrt(var + eps) * weight + bias`` over the last ``len(normalized_shape)``
    dimensions (biased variance).

    >>> import arraygrad
    >>> layer_norm(arraygrad.tensor([[1.0, 3.0]]), [2])
    tensor([[-1.0000,  1.0000]])
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    have = tuple(input._data.shape) if input.__class__ is Tensor else None
    native = input._data.dtype if have is not None else None
    count = len(shape)
    if (
        have is not None
        and id(native) in _WIDE_FLOAT_IDS
        and 0 < count <= len(have)
        and have[len(have) - count :] == shape
        and _of_shape_and_dtype(weight, shape, native)
        and _of_shape_and_dtype(bias, shape, native)
    ):
        # float32 or float64 with parameters of its dtype and the normalized shape (the common
        # call): every check of _layer_norm passes, and its two primitives follow directly.
        dims = tuple(range(len(have) - count, len(have)))
        moments = ops.layer_norm_statistics.apply1(input, {"dims": dims, "eps": float(eps)})
        out = ops.layer_norm_apply(input, moments, weight, bias, dims=dims, eps=float(eps))
    else:
        out = _layer_norm(input, shape, weight, bias, eps)
    # C-ordered, as PyTorch's result, and named as its node (c_ordered_result and
    # labelled_result, written out: two calls fewer)
    return labelled(c_ordered(out), "NativeLayerNormBackward0")


def _of_shape_and_dtype(tensor: Any, shape: tuple[int, ...], native: Any) -> bool:
    """Whether ``tensor`` is None or a tensor of ``shape`` whose array has the dtype
    ``native``."""
    return tensor is None or (
        isinstance(tensor, Tensor)
        and tensor._data.dtype is native
        and tuple(tensor._data.shape) == shape
    )


def _layer_norm(
    input: Tensor,
    shape: tuple[Any, ...],
    weight: Tensor | None,
    bias: Tensor | None,
    eps: float,
) -> Tensor:
    """:func:`layer_norm` of ``shape`` (a tuple), with every check, for any dtype."""
    count = len(shape)
    if count == 0 or tuple(input.shape[input.ndim - count :]) != shape or input.ndim < count:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)}"
        )
    mixed = False
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tuple(tensor.shape) != shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
                f"shape {list(tensor.shape)} and normalized_shape = {list(shape)}"
            )
        mixed = mixed or (tensor is not None and tensor.dtype != input.dtype)
    if mixed:
        _check_mixed_parameters(input, weight, bias)
    dims = tuple(range(input.ndim - count, input.ndim))
    if _reduced_floats.is_reduced(input):
        # PyTorch's fused kernel: in float32, rounded once; its backward reads the statistics
        # it saved in the parameters' dtype (float32 beside float32 parameters).
        stats = "float32" if mixed else input.dtype.name
        layer_norm_reduced = _reduced_floats.twin(ops.layer_norm_reduced)
        return layer_norm_reduced(input, weight, bias, dims=dims, eps=float(eps), stats=stats)
    if input.dtype is _dtype.float32 or input.dtype is _dtype.float64:
        # PyTorch's kernel and backward as two primitives (ops/nn.py): the statistics, made once
        # and read by the backward, and the normalisation, whose rules are PyTorch's formula.
        # The composite's chain of a dozen recorded ops made three times the passes.
        moments = ops.layer_norm_statistics(input, dims=dims, eps=float(eps))
        return ops.layer_norm_apply(input, moments, weight, bias, dims=dims, eps=float(eps))
    mean, var = _moments(input, dims)
    out = (input - mean) / _math.sqrt(var + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def _check_mixed_parameters(
    input: Tensor, *parameters: Tensor | None, op: str = "layer_norm"
) -> None:
    """PyTorch's rule for parameters (weight, bias, running statistics) of another dtype than
    the input: its CPU kernels take the first given parameter's dtype as the parameters'
    (mixed when it is not the input's): then every parameter must be float32 and the input
    float16 or bfloat16; otherwise every parameter must have the input's dtype."""
    given = [tensor for tensor in parameters if tensor is not None]
    if not given or all(t.dtype == input.dtype for t in given):
        return
    name = _dtype.torch_type_name
    dtypes = [t.dtype.name for t in given]
    fix = "Fix: give the parameters the input's dtype (or float32 for a float16 or bfloat16 input)."
    if given[0].dtype == input.dtype:
        other = next(t for t in given if t.dtype != input.dtype)
        raise RuntimeError(
            f"expected scalar type {name(input.dtype)} but found {name(other.dtype)}: {op}'s "
            f"parameters have dtypes {dtypes} for an input of {input.dtype.name}. {fix}"
        )
    if any(t.dtype != _dtype.float32 for t in given):
        raise RuntimeError(
            f"mixed dtype (CPU): expect parameter to have scalar type of Float ({op} of "
            f"{input.dtype.name} input with parameters of {dtypes}). {fix}"
        )
    if input.dtype not in _dtype.REDUCED_FLOATS:
        raise RuntimeError(
            f"mixed dtype (CPU): all inputs must share same datatype. ({op} of "
            f"{input.dtype.name} input with float32 parameters). {fix}"
        )


@c_ordered_result
def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each example's channels in ``num_groups`` groups: ``(x - mean) / sqrt(var +
    eps)`` over a group's channels and positions (biased variance), then ``* weight + bias``
    per channel.

    >>> import arraygrad
    >>> group_norm(arraygrad.tensor([[1.0, 3.0, 5.0, 5.0]]), 2)
    tensor([[-1.0000,  1.0000,  0.0000,  0.0000]])
    """
    if input.ndim < 2:
        raise RuntimeError(
            f"Expected at least 2 dimensions for input tensor but received {input.ndim}. Fix: "
            "pass (batch, channels, ...) input; unsqueeze(0) a single example."
        )
    shape = tuple(input.shape)
    channels = shape[1]
    if num_groups == 0:
        raise ZeroDivisionError(
            "group_norm: num_groups is 0, and the channels are divided among the groups. Fix: "
            "pass num_groups >= 1 that divides the number of channels."
        )
    # PyTorch views the input as (batch * channels // groups, groups, *spatial) and refuses it,
    # in any mode and before the divisibility check, when that leaves one value per "channel"
    viewed = [shape[0] * channels // num_groups, num_groups, *shape[2:]]
    if viewed[0] * math.prod(shape[2:]) == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {viewed}"
        )
    if num_groups < 0 or channels % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input "
            f"of shape {list(shape)} and num_groups={num_groups}"
        )
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tuple(tensor.shape) != (channels,):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in "
                f"input, but got {name} of shape {list(tensor.shape)} and input of shape "
                f"{list(shape)}"
            )
    _check_mixed_parameters(input, weight, bias, op="group_norm")
    if _reduced_floats.is_reduced(input):
        # PyTorch's CPU kernel: in float32 (float16/bfloat16 or float32 parameters widened
        # too), the output rounded once to the input's dtype
        w32, b32 = (None if t is None else ops.astype(t, _dtype.float32) for t in (weight, bias))
        out32 = group_norm(ops.astype(input, _dtype.float32), num_groups, w32, b32, eps)
        return ops.astype(out32, input.dtype)
    if not input.dtype.is_floating_point:  # (PyTorch's kernel has real float loops only)
        raise _unary.not_implemented(
            "GroupNormKernelImpl", input, "convert the input with .float()."
        )
    per_group = (channels // num_groups) * math.prod(shape[2:])  # not -1: the batch may be empty
    grouped = _shape.reshape(input, (shape[0], num_groups, per_group))
    if input.dtype is _dtype.float32 or input.dtype is _dtype.float64:
        # layer_norm's primitives, their gradient PyTorch's formula (about 7 passes over the
        # input) where the composite's chain of recorded ops makes twice as many, with a
        # full-size temporary each; the forward is the composite's, bit for bit.
        stats = ops.layer_norm_statistics(grouped, dims=(2,), eps=float(eps))
        normed = ops.layer_norm_apply(grouped, stats, None, None, dims=(2,), eps=float(eps))
    else:
        mean, var = _moments(grouped, (2,))
        normed = (grouped - mean) / _math.sqrt(var + eps)
    out = _shape.reshape(normed, shape)
    per_channel = (channels,) + (1,) * (len(shape) - 2)
    if weight is not None:
        out = out * _shape.reshape(weight, per_channel)
    if bias is not None:
        out = out + _shape.reshape(bias, per_channel)
    return out


@c_ordered_result
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
        )
    # Values per channel: PyTorch refuses one in training before it looks at the per-channel
    # tensors (a mismatched weight then raises this ValueError, not its RuntimeError). None
    # (an empty input) is no error: PyTorch returns at once, before its other checks.
    shape = input.shape
    per_channel = shape[0] * math.prod(shape[2:])
    if training and per_channel == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {input.shape}"
        )
    if not per_channel * shape[1]:
        return _batch_norm_of_nothing(input, weight, bias)
    _check_per_channel("batch_norm", input, running_mean, running_var, weight, bias)
    _refuse_differentiable_statistics(running_mean, running_var)
    if not input.dtype.is_floating_point:  # (PyTorch's kernel has float loops only)
        raise _unary.not_implemented("batch_norm", input, "convert the input with .float().")
    parameters = (weight, bias, running_mean, running_var)
    _check_mixed_parameters(input, *parameters, op="batch_norm")
    if _reduced_floats.is_reduced(input):
        return _batch_norm_in_float32(input, *parameters, training, momentum, eps)
    return _batch_norm_float(
        input, running_mean, running_var, weight, bias, training, momentum, eps, None
    )


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


def rms_norm(
    input: Tensor,
    normalized_shape: Any,
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """``x / sqrt(mean(x ** 2) + eps) * weight`` over the last ``len(normalized_shape)``
    dimensions; ``eps`` defaults to the machine epsilon of the input's dtype. For a complex
    ``x``, as in PyTorch, ``x ** 2`` is the complex square (not ``|x| ** 2``) and the square root
    the principal one.

    >>> import arraygrad
    >>> rms_norm(arraygrad.tensor([[3.0, 4.0]]), [2], eps=0.0)
    tensor([[0.8485, 1.1314]])
    """
    if isinstance(normalized_shape, int):
        raise TypeError(
            "rms_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
            f"int. Fix: pass [{normalized_shape}]."
        )
    shape = tuple(int(size) for size in normalized_shape)
    count = len(shape)
    if count == 0:
        raise RuntimeError(
            "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least "
            f"one element, but got normalized_shape = {list(shape)}"
        )
    if input.ndim < count:
        raise ValueError(
            f"Input tensor must have at least {count} dimensions, but got {input.ndim}"
        )
    if tuple(input.shape[input.ndim - count :]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)}"
        )
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(
            "Expected weight to be of same shape as normalized_shape, but got weight of shape "
            f"{list(weight.shape)} and normalized_shape = {list(shape)}"
        )
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        raise NotImplementedError(
            f"\"rms_norm\" not implemented for '{_dtype.torch_type_name(input.dtype)}'. Fix: "
            "convert the input with .float()."
        )
    if eps is None:
        # PyTorch's: the epsilon of the dtype it computes in, float32 for float16 and bfloat16
        # (NumPy's finfo knows no bfloat16), that of the parts for a complex dtype
        computed = _dtype.float32 if input.dtype in _dtype.REDUCED_FLOATS else input.dtype
        eps = _backend.float_info(_dtype.COMPONENT.get(computed, computed).name)["eps"]
    dims = tuple(range(input.ndim - count, input.ndim))
    out = input * _unary.rsqrt(_reduction.mean(input * input, dims, keepdim=True) + eps)
    if weight is not None:
        # PyTorch keeps the input's dtype whatever the weight's.
        out = _math.astype(out * weight, input.dtype)
    return c_ordered(out)


def local_response_norm(
    input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """``x / (k + alpha * mean(x^2 over size neighbouring channels)) ** beta``: the mean is over
    channels ``c - size // 2 .. c + (size - 1) // 2`` of dimension 1, missing ones counted as 0.

    >>> import arraygrad
    >>> local_response_norm(arraygrad.ones(1, 2, 1), 2, alpha=1.0, beta=1.0, k=0.0).flatten()
    tensor([2., 1.])
    """
    if input.ndim < 3:
        raise ValueError(
            f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions). Fix: "
            "pass (N, C, *) input."
        )
    if size <= 0:
        raise RuntimeError(
            f"local_response_norm: kernel size should be greater than zero, but got size={size}"
        )
    if input.numel() == 0:
        return input
    from arraygrad.nn import _padding, _pooling

    shape = tuple(input.shape)
    squares = _shape.reshape(input * input, (shape[0], 1, shape[1], -1))
    # PyTorch's way: zero-pad the channel axis and average windows of `size` channels.
    squares = _padding.pad(squares, (0, 0, size // 2, (size - 1) // 2))
    mean = _shape.reshape(_pooling.avg_pool2d(squares, (size, 1), stride=1), shape)
    return input / (mean * alpha + k) ** beta
