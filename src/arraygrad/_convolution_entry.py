"""PyTorch's general convolution entry, ``arraygrad.convolution`` (any dimension, transposed or
not, from its schema's lists), and ``conv_tbc``, the time-batch-channel convolution.

Separate from :mod:`arraygrad._nn_aliases` (top-level forms of ``nn.functional`` with
PyTorch's top-level signatures): these are kernel-level entries with argument checks of their
own (``int_list_argument``, shared with ``native_layer_norm``), dispatching to the
``nn.functional`` convolutions.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _math, ops
from arraygrad._arguments import not_tensor_error
from arraygrad._tensor import Tensor
from arraygrad.nn import functional as _functional

__all__ = ["conv_tbc", "convolution"]


def int_list_argument(op: str, name: str, position: int, value: Any) -> list[int]:
    """A list/tuple-of-ints argument of the function ``op``, with PyTorch's TypeError
    otherwise (``convolution``'s strides, ``native_layer_norm``'s shape)."""
    if not isinstance(value, (list, tuple)) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise TypeError(
            f"{op}(): argument '{name}' (position {position}) must be tuple of ints, not "
            f"{type(value).__name__}"
            f". Fix: pass {name} as an int or a tuple of ints."
        )
    return list(value)


def convolution(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: Any,
    padding: Any,
    dilation: Any,
    transposed: bool,
    output_padding: Any,
    groups: int,
) -> Tensor:
    """The convolution behind every ``conv*d`` and ``conv_transpose*d``: ``weight.ndim - 2``
    spatial dimensions (1 to 3 in arraygrad), batched input only, each list argument of one value
    or one per dimension; ``output_padding`` is read only when ``transposed``.

    >>> import arraygrad
    >>> x, w = arraygrad.ones(1, 1, 4), arraygrad.ones(1, 1, 2)
    >>> convolution(x, w, None, [1], [0], [1], False, [0], 1).tolist()
    [[[2.0, 2.0, 2.0]]]
    """
    lists = [
        int_list_argument("convolution", name, position, value)
        for name, position, value in (
            ("stride", 4, stride),
            ("padding", 5, padding),
            ("dilation", 6, dilation),
            ("output_padding", 8, output_padding),
        )
    ]
    if not isinstance(transposed, bool):
        raise TypeError(
            "convolution(): argument 'transposed' (position 7) must be bool, not "
            f"{type(transposed).__name__}"
            ". Fix: pass transposed=True or transposed=False."
        )
    if weight.ndim < 3:
        raise RuntimeError(
            "weight should have at least three dimensions"
            f", got a weight of shape {list(weight.shape)}. Fix: pass a "
            "weight of shape (out_channels, in_channels / groups, "
            "*kernel_size)."
        )
    if input.ndim != weight.ndim:
        raise RuntimeError(
            f"Expected {weight.ndim}-dimensional input for {weight.ndim}-dimensional weight "
            f"{list(weight.shape)}, but got {input.ndim}-dimensional input of size "
            f"{list(input.shape)} instead"
            ". Fix: pass an input of shape (batch, channels, *spatial), "
            "e.g. input.unsqueeze(0) for one sample."
        )
    dims = weight.ndim - 2
    if dims > 3:
        raise RuntimeError(
            f"convolution: arraygrad convolves over 1 to 3 spatial dimensions, not {dims} "
            f"(weight of size {list(weight.shape)})."
        )
    names = ("stride", "padding", "dilation", "output_padding")
    for name, values in zip(names, lists, strict=True):
        if len(values) not in (1, dims):
            raise RuntimeError(
                f"expected {name} to be a single integer value or a list of {dims} values to "
                f"match the convolution dimensions, but got {name}={values}"
                f". Fix: pass {name} as one int or a list of {dims} ints."
            )
    stride_, padding_, dilation_, output_padding_ = (
        values * dims if len(values) == 1 else values for values in lists
    )
    # PyTorch's checks of the general entry, in its words (conv*d's own say more)
    if any(s <= 0 for s in stride_):
        raise RuntimeError(
            f"non-positive stride is not supported, got stride={stride_}. Fix: pass strides >= 1."
        )
    if any(p < 0 for p in padding_):
        raise RuntimeError(
            "negative padding is not supported"
            f", got padding={padding_}. Fix: pass padding >= 0 (crop the "
            "input with slicing instead)."
        )
    if any(p < 0 for p in output_padding_):
        raise RuntimeError(
            "negative output_padding is not supported"
            f", got output_padding={output_padding_}. Fix: pass "
            "output_padding >= 0."
        )
    if any(d <= 0 for d in dilation_):
        raise RuntimeError(
            f"dilation should be greater than zero, but got {dilation_}. Fix: pass dilation >= 1."
        )
    if groups <= 0:
        raise RuntimeError(
            f"non-positive groups is not supported, got groups={groups}. Fix: pass groups >= 1."
        )
    if transposed:
        transpose = getattr(_functional, f"conv_transpose{dims}d")
        return transpose(input, weight, bias, stride_, padding_, output_padding_, groups, dilation_)
    forward = getattr(_functional, f"conv{dims}d")
    out = forward(input, weight, bias, stride_, padding_, dilation_, groups)
    if any(output_padding_):  # PyTorch computes it but refuses to differentiate it
        given = " ".join(str(p) for p in output_padding_)
        message = f"output_padding is not supported for non-transposed convolutions; got: {given}"
        out = ops.backward_refused(out, message=message)
    return out


def conv_tbc(input: Tensor, weight: Tensor, bias: Tensor, pad: int = 0) -> Tensor:
    """1-D convolution over time of ``input (time, batch, in_channels)`` with ``weight
    (kernel_width, in_channels, out_channels)`` plus ``bias (out_channels,)``, ``pad`` zeros
    before and after the time axis (a negative ``pad`` drops that many steps at each end);
    the result is ``(time + 2 pad - kernel_width + 1, batch, out_channels)``.

    >>> import arraygrad
    >>> x, w = arraygrad.ones(4, 1, 1), arraygrad.ones(2, 1, 1)
    >>> conv_tbc(x, w, arraygrad.zeros(1)).flatten().tolist()
    [2.0, 2.0, 2.0]
    """
    if not isinstance(bias, Tensor):
        raise not_tensor_error("conv_tbc", bias, name="bias", position=3)
    if isinstance(pad, bool) or not isinstance(pad, int):
        raise TypeError(
            f"conv_tbc(): argument 'pad' (position 4) must be int, not {type(pad).__name__}"
            ". Fix: pass pad as an int."
        )
    if input.ndim != 3:
        raise RuntimeError(
            "Input must have 3 dims: time, batch, in_channel"
            f", got shape {list(input.shape)}. Fix: pass input of shape "
            "(time, batch, in_channels)."
        )
    if weight.ndim != 3:
        raise RuntimeError(
            "Weight tensor must have 3 dims: kernel_width, in_channels, out_channels."
            f" Got shape {list(weight.shape)}. Fix: pass a weight of shape"
            " (kernel_width, in_channels, out_channels)."
        )
    if bias.ndim != 1:
        raise RuntimeError(
            "Bias must be 1-D"
            f", got shape {list(bias.shape)}. Fix: pass a bias of shape "
            f"({weight.shape[2]},)."
        )
    if bias.shape[0] != weight.shape[2]:
        raise RuntimeError(
            "Bias size must equal dim 2 in the weight tensor (output channels)."
            f" Got {bias.shape[0]} and {weight.shape[2]}. Fix: pass a bias"
            f" of shape ({weight.shape[2]},)."
        )
    if input.shape[2] != weight.shape[1]:
        raise RuntimeError(
            "Input dim 2 (input channels) is not == dim 1 in the weight tensor"
            f": got {input.shape[2]} and {weight.shape[1]}. Fix: give the "
            f"input {weight.shape[1]} channels, or the weight "
            f"{input.shape[2]} input channels."
        )
    time, batch, _ = input.shape
    kernel, _, channels_out = weight.shape
    steps = time + 2 * pad - kernel + 1
    if steps < 0:
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {steps}: "
            f"[{steps}, {batch}, {channels_out}]"
            ". Fix: use a kernel no longer than the padded input (time + "
            "2 * pad >= kernel_width - 1)."
        )
    if kernel == 0 or steps == 0:
        # No taps, or no steps: the bias at each step. The sums of the empty weight or empty
        # slice of input are exact zeros that keep both in the graph, for their zero gradients.
        return _math.add(bias.expand(steps, batch, channels_out), input[:0].sum() + weight.sum())
    if pad < 0:  # a negative padding crops, which conv1d's padding cannot say
        input = input[-pad : time + pad]
        pad = 0
    # (T, B, C) as conv1d's (B, C, T), weight (K, C_in, C_out) as (C_out, C_in, K)
    out = _functional.conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, padding=pad)
    return out.permute(2, 0, 1)
