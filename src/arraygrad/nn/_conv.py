"""Convolutions: argument checks and padding here, the arithmetic in the ``conv`` primitive.

``ops.conv`` computes ``conv2d`` as im2col and one matrix product per group: the windows of the
padded input ``(N, C, H, W)``, read batch-last as ``(C, kh * kw, OH * OW * N)``, multiplied by
the weight viewed as ``(O, C * kh * kw)``, for the whole batch at once (in slabs of output rows
that fit in cache). Its gradients, ``conv_input_grad`` (the transposed convolution: the windows'
gradients scatter-added back, col2im) and ``conv_weight_grad``, are primitives too, each the
others' VJP, so double backward works. The output is a batch-last view, which NumPy's
element-wise ops keep, so that a following convolution reads its input without a copy.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _autocast_flag, _dtype, _reduced_floats, _shape, ops
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor
from arraygrad.nn._common import no_kernel, ntuple
from arraygrad.nn._padding import padded as _pad

__all__ = ["conv1d", "conv2d", "conv3d"]


def _padding(
    padding: Any,
    n: int,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
) -> list[tuple[int, int]]:
    """``(before, after)`` per spatial dimension, from ints or ``"same"`` / ``"valid"``."""
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * n
        if padding != "same":  # (the modules refuse it when made, with a ValueError)
            raise RuntimeError(
                f"Invalid padding string: {padding!r}. Fix: 'valid', 'same' or numbers."
            )
        if any(s != 1 for s in stride):
            raise RuntimeError(
                f"padding='same' is not supported for strided convolutions (stride={list(stride)})."
                " Fix: use stride=1 or give the padding as numbers."
            )
        # PyTorch puts the odd extra element of the total padding on the right.
        totals = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
        return [(total // 2, total - total // 2) for total in totals]
    sizes = ntuple(padding, n, "padding")
    if any(p < 0 for p in sizes):
        raise RuntimeError(
            f"negative padding is not supported, got padding={list(sizes)}. Fix: pass padding "
            ">= 0 (crop the input first, e.g. with F.pad and negative values)."
        )
    return [(p, p) for p in sizes]


def _batched_groups(input: Tensor, weight: Tensor, groups: int, n: int) -> tuple[Tensor, bool]:
    """The input with a batch axis and whether it had none, after PyTorch's checks of
    ``groups`` shared by convolutions and transposed ones (``weight.shape[0]`` is split into
    the groups: the output channels of one, the input channels of the other)."""
    unbatched = len(input._data.shape) == n + 1
    if unbatched:
        input = _shape.unsqueeze(input, 0)
    if groups <= 0:
        raise RuntimeError(
            f"non-positive groups is not supported (got groups={groups}). Fix: pass groups >= 1."
        )
    if weight._data.shape[0] < groups:  # (an empty weight too: no channel in a group)
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, "
            f"but got weight of size {list(weight.shape)} instead. Fix: give each group at "
            "least one channel (weight.shape[0] a positive multiple of groups)."
        )
    if weight._data.shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size {list(weight.shape)} instead. Fix: make weight.shape[0] a "
            f"multiple of groups={groups}."
        )
    return input, unbatched


def _all_bfloat16(input: Tensor, weight: Tensor, bias: Tensor | None) -> bool:
    """Whether the input, the weight and the bias (if any) are all bfloat16 tensors (others
    of mixed dtypes go on to the dtype check)."""
    dtype = _dtype.bfloat16
    return input.dtype is dtype and weight.dtype is dtype and (bias is None or bias.dtype is dtype)


def _conv(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
    n: int,
) -> Tensor:
    if _all_bfloat16(input, weight, bias):
        # PyTorch's bfloat16 kernels add the bias to the float32 sums and round once (the
        # array loops would round the sums, then the biased values), and compute the
        # gradients in float32 too, each rounded once
        return _reduced_floats.in_float32(  # type: ignore[no-any-return]
            _conv, input, weight, bias, stride, padding, dilation, groups, n
        )
    name = f"conv{n}d"
    # (the arrays' own shapes: no Size made for each test below)
    w_shape = weight._data.shape
    if len(w_shape) != n + 2:
        raise RuntimeError(
            f"{name}: expected weight to be {n + 2}-D (out_channels, in_channels / groups, "
            f"*kernel_size), but got weight of shape {list(weight.shape)}. Fix: pass a weight "
            f"of {n + 2} dimensions, or call the conv function of its dimensionality."
        )
    if len(input._data.shape) not in (n + 1, n + 2):
        raise RuntimeError(
            f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {name}, but got input "
            f"of size: {list(input.shape)}. Fix: pass (C, *spatial) or (N, C, *spatial) input "
            f"with {n} spatial dimensions."
        )
    input, unbatched = _batched_groups(input, weight, groups, n)
    group_channels = w_shape[1]
    kernel = tuple(w_shape[2:])
    channels = input._data.shape[1]
    if channels != group_channels * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
            f"{list(input.shape)} to have {group_channels * groups} channels, but got {channels} "
            f"channels instead. Fix: the input's dimension 1 must equal in_channels "
            f"(= weight.shape[1] * groups)."
        )
    if bias is not None and tuple(bias.shape) != (w_shape[0],):
        raise RuntimeError(
            f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
            f"{weight.shape[0]} elements, but got bias of size {list(bias.shape)} instead. Fix: "
            f"pass a bias of shape [{weight.shape[0]}] (one per output channel), or None."
        )
    dtype = input.dtype
    # A bool input meets PyTorch's missing bool kernel (below, after the shape checks); its
    # type check compares it with the bias only
    mismatched = dtype is not weight.dtype and dtype is not _dtype.bool_
    if mismatched or (bias is not None and bias.dtype is not dtype):
        raise RuntimeError(
            f"Input type ({input.dtype.name}) and weight type ({weight.dtype.name})"
            + (f" and bias type ({bias.dtype.name})" if bias is not None else "")
            + " should be the same. Fix: convert them to one dtype, e.g. with .to(weight.dtype)."
        )
    stride_t = ntuple(stride, n, "stride")
    dilation_t = ntuple(dilation, n, "dilation")
    if any(s <= 0 for s in stride_t) or any(d <= 0 for d in dilation_t):
        raise RuntimeError(
            f"{name}: stride and dilation must be positive, got stride={list(stride_t)}, "
            f"dilation={list(dilation_t)}. Fix: pass stride >= 1 and dilation >= 1."
        )
    pads = _padding(padding, n, kernel, stride_t, dilation_t)
    if any(before or after for before, after in pads):
        flat = [size for pair in reversed(pads) for size in pair]
        input = _pad(input, flat)
    spatial = tuple(input._data.shape[2:])
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation_t, strict=True))
    if any(size < extent for size, extent in zip(spatial, span, strict=True)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, spatial))}). "
            f"Kernel size: ({' x '.join(map(str, span))}). Kernel size can't be greater than "
            "actual input size. Fix: pass a larger input, more padding, or a smaller kernel or "
            "dilation."
        )
    if dtype is _dtype.bool_ and input._data.size:
        # (its kernels: the dilated one, else the 2-d one, which takes 1-d input too, or 3-d)
        loop = "slow_conv2d_cpu" if n < 3 else "compute_columns3d"
        loop = "slow_conv_dilated<>" if any(d > 1 for d in dilation_t) else loop
        raise no_kernel(loop, dtype, "convert the input and weight, e.g. with .float().")
    prim = ops.conv
    if bias is not None and dtype is _dtype.float16:
        # PyTorch's float16 kernel adds the bias to the float32 sums and rounds once too, and
        # sums the bias's gradient in float32; the input's and weight's are those of the
        # float16 arrays
        prim = _reduced_floats.twin_wide_at(ops.conv, 2)
    out = prim(input, weight, bias, stride=stride_t, dilation=dilation_t, groups=groups)
    if not channels:
        # PyTorch's result for an input without channels has none either, whatever the
        # weight's out_channels (no bias added); its gradients are zeros
        out = labelled(ops.getitem(out, key=(slice(None), slice(0, 0))), "ConvolutionBackward0")
    if unbatched:
        out = _shape.squeeze(out, 0)
    return out


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """1-D cross-correlation of ``input (N, C, L)`` with ``weight (O, C / groups, k)``.

    >>> import arraygrad
    >>> conv1d(arraygrad.ones(1, 1, 5), arraygrad.ones(1, 1, 3)).tolist()
    [[[3.0, 3.0, 3.0]]]
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the convolutions to its dtype
        from arraygrad.amp import _casts

        return _casts.lower(conv1d, input, weight, bias, stride, padding, dilation, groups)
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation: ``out[n, o, i, j] = bias[o] + sum_{c, p, q} weight[o, c, p, q] *
    input[n, g * C/groups + c, i * stride + p * dilation, j * stride + q * dilation]`` (padded).

    ``padding`` is an int, a pair, ``"valid"`` (none) or ``"same"`` (output size = input size,
    stride 1 only).

    >>> import arraygrad
    >>> conv2d(arraygrad.ones(1, 1, 3, 3), arraygrad.ones(2, 1, 2, 2), padding="same").shape
    arraygrad.Size([1, 2, 3, 3])
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the convolutions to its dtype
        from arraygrad.amp import _casts

        return _casts.lower(conv2d, input, weight, bias, stride, padding, dilation, groups)
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2)


def conv3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """3-D cross-correlation of ``input (N, C, D, H, W)`` with ``weight (O, C/g, kd, kh, kw)``.

    ``out[n, o, d, h, w] = bias[o] + sum_{c, i, j, k} weight[o, c, i, j, k] * input[n, c,
    d * s + i * dil, h * s + j * dil, w * s + k * dil]`` on the padded input, per group;
    ``padding`` as in :func:`conv2d` (an int, a triple, ``"valid"`` or ``"same"``).

    >>> import arraygrad
    >>> x = arraygrad.ones(1, 1, 3, 3, 3)
    >>> arraygrad.nn.functional.conv3d(x, arraygrad.ones(2, 1, 3, 3, 3), padding=1).shape
    arraygrad.Size([1, 2, 3, 3, 3])
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the convolutions to its dtype
        from arraygrad.amp import _casts

        return _casts.lower(conv3d, input, weight, bias, stride, padding, dilation, groups)
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3)
