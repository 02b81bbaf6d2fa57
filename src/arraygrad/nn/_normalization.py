"""Normalisation of activations: ``layer_norm``, ``group_norm``, ``rms_norm`` and
``local_response_norm`` (``batch_norm`` and ``instance_norm``, with running statistics, are in
:mod:`arraygrad.nn._batch_norm`; vectors divided by their norms, ``normalize`` and
``cosine_similarity``, in :mod:`arraygrad.nn._vector_normalization`)."""

from __future__ import annotations

import math
from typing import Any

from arraygrad import (
    _backend,
    _dtype,
    _math,
    _reduced_floats,
    _reduction,
    _shape,
    _unary,
    ops,
)
from arraygrad._primitive import labelled, labelled_result
from arraygrad._tensor import Tensor, c_ordered, c_ordered_result
from arraygrad.nn._common import no_kernel

__all__ = [
    "group_norm",
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
            f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)}. "
            f"Fix: pass the input's trailing sizes as normalized_shape, or reshape the input to "
            f"end in {list(shape)}."
        )
    mixed = False
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tuple(tensor.shape) != shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
                f"shape {list(tensor.shape)} and normalized_shape = {list(shape)}. Fix: pass a "
                f"{name} of shape {list(shape)}."
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


@labelled_result("NativeGroupNormBackward0")  # (PyTorch's kernel's node)
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
            f"Expected more than 1 value per channel when training, got input size {viewed}. "
            "Fix: pass a batch of more than one example, or more spatial positions per group."
        )
    if num_groups < 0 or channels % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input "
            f"of shape {list(shape)} and num_groups={num_groups}. Fix: pass num_groups that "
            f"divides the {channels} channels."
        )
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tuple(tensor.shape) != (channels,):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in "
                f"input, but got {name} of shape {list(tensor.shape)} and input of shape "
                f"{list(shape)}. Fix: pass a {name} of shape [{channels}]."
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
            f"one element, but got normalized_shape = {list(shape)}. Fix: pass the trailing "
            "sizes to normalize over, e.g. normalized_shape=[input.shape[-1]]."
        )
    if input.ndim < count:
        raise ValueError(
            f"Input tensor must have at least {count} dimensions, but got {input.ndim}. Fix: "
            f"pass a normalized_shape of at most {input.ndim} sizes (the input's trailing ones)."
        )
    if tuple(input.shape[input.ndim - count :]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size{list(input.shape)}. "
            f"Fix: pass normalized_shape={list(input.shape[-count:])} (the input's trailing "
            "sizes), or reshape the input."
        )
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(
            "Expected weight to be of same shape as normalized_shape, but got weight of shape "
            f"{list(weight.shape)} and normalized_shape = {list(shape)}. Fix: pass a weight of "
            f"shape {list(shape)}."
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
            f"local_response_norm: kernel size should be greater than zero, but got size={size}."
            " Fix: pass size >= 1 (the number of neighbouring channels)."
        )
    if input.numel() == 0:
        return input
    if input.ndim > 3 and input.dtype in _dtype.REDUCED_FLOATS:
        # PyTorch averages 4-d and larger inputs with avg_pool3d, which has no half loop
        raise no_kernel(
            "avg_pool3d_out_frame",
            input.dtype,
            "convert the input with .float() (3-d input, pooled in 2-d, takes half).",
        )
    from arraygrad.nn import _padding, _pooling

    shape = tuple(input.shape)
    squares = _shape.reshape(input * input, (shape[0], 1, shape[1], -1))
    # PyTorch's way: zero-pad the channel axis and average windows of `size` channels.
    squares = _padding.padded(squares, (0, 0, size // 2, (size - 1) // 2))
    mean = _shape.reshape(_pooling.avg_pool2d(squares, (size, 1), stride=1), shape)
    return input / (mean * alpha + k) ** beta
