"""Transposed convolutions: the input-gradient of a convolution, used as a layer.

``conv_transposeNd(x, w)`` is what ``convNd`` sends back to its input: every input element
scatters ``x[n, c] * w[c, o]`` into the output around ``stride`` times its position. That is
exactly the ``conv_input_grad`` primitive with ``x`` as the incoming gradient, so the forward is
one call to it and every gradient, of any order, is a convolution already written (its VJPs are
``conv`` and ``conv_weight_grad``); nothing here has a gradient rule of its own. ``padding``
then crops the result on both sides and ``output_padding`` adds zeros after it (the sizes a
strided convolution maps to one).
"""

from __future__ import annotations

from typing import Any

from arraygrad import _autocast_flag, _dtype, _reduced_floats, _shape, ops
from arraygrad._tensor import Tensor
from arraygrad.nn._common import no_kernel, ntuple
from arraygrad.nn._conv import _all_bfloat16, _batched_groups
from arraygrad.nn._padding import padded as _pad

__all__ = ["conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]


def _check(
    input: Tensor, weight: Tensor, bias: Tensor | None, groups: int, n: int
) -> tuple[Tensor, bool]:
    """PyTorch's checks of the tensors, and the input with a batch axis."""
    name = f"conv_transpose{n}d"
    if weight.ndim < 3:
        raise RuntimeError(
            f"weight should have at least three dimensions, but got weight of shape "
            f"{list(weight.shape)}. Fix: pass weight of shape (in_channels, out_channels / "
            f"groups, *kernel_size)."
        )
    if input.ndim not in (n + 1, n + 2) or weight.ndim != n + 2:
        raise RuntimeError(
            f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to {name}, but got input "
            f"of size: {list(input.shape)} (and weight of size {list(weight.shape)}). Fix: pass "
            f"(C, *spatial) or (N, C, *spatial) input with {n} spatial dimensions, and a "
            f"{n + 2}-D weight."
        )
    input, unbatched = _batched_groups(input, weight, groups, n)
    if input.shape[1] != weight.shape[0]:
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected input"
            f"{list(input.shape)} to have {weight.shape[0]} channels, but got {input.shape[1]} "
            "channels instead. Fix: the input's dimension 1 must equal weight.shape[0] "
            "(in_channels)."
        )
    out_channels = weight.shape[1] * groups
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected bias to be "
            f"1-dimensional with {out_channels} elements, but got bias of size "
            f"{list(bias.shape)} instead. Fix: pass a bias of shape [{out_channels}] (one per "
            "output channel), or None."
        )
    if input.dtype is _dtype.bool_:
        return input, unbatched  # (no type check: PyTorch's missing bool kernel, raised later)
    if input.dtype is not weight.dtype:
        raise RuntimeError(
            f"expected scalar type {weight.dtype.name} but found {input.dtype.name}: the "
            f"input is {input.dtype.name}, the weight {weight.dtype.name}. Fix: convert them "
            "to one dtype, e.g. input.to(weight.dtype)."
        )
    if bias is not None and bias.dtype is not input.dtype:
        # (PyTorch's oneDNN path refuses it; its reference path, which it takes for some small
        # inputs, adds it)
        raise RuntimeError(
            f"Input type ({input.dtype.name}) and bias type ({bias.dtype.name}) should be the "
            f"same. Fix: convert the bias, e.g. bias.to({input.dtype})."
        )
    return input, unbatched


def _conv_transpose(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: Any,
    padding: Any,
    output_padding: Any,
    groups: int,
    dilation: Any,
    n: int,
) -> Tensor:
    if _all_bfloat16(input, weight, bias):
        # PyTorch's bfloat16 kernels add the bias to the float32 sums and round once (the
        # array loops would round the sums, then the biased values), and compute the
        # gradients in float32 too, each rounded once (its float16 path adds the bias to the
        # rounded sums, as below)
        return _reduced_floats.in_float32(  # type: ignore[no-any-return]
            _conv_transpose,
            input,
            weight,
            bias,
            stride,
            padding,
            output_padding,
            groups,
            dilation,
            n,
        )
    input, unbatched = _check(input, weight, bias, groups, n)
    if isinstance(padding, str):
        raise TypeError(
            f"conv_transpose{n}d(): argument 'padding' must be tuple of ints, not str. Fix: give "
            "the padding as numbers."
        )
    stride_t = ntuple(stride, n, "stride")
    pads = ntuple(padding, n, "padding")
    extra = ntuple(output_padding, n, "output_padding")
    dilation_t = ntuple(dilation, n, "dilation")
    if any(s <= 0 for s in stride_t):
        raise RuntimeError(
            f"non-positive stride is not supported (got stride={list(stride_t)}). Fix: pass "
            "stride >= 1."
        )
    if any(d <= 0 for d in dilation_t):
        raise RuntimeError(
            f"dilation should be greater than zero (got dilation={list(dilation_t)}). Fix: pass "
            "dilation >= 1."
        )
    if any(p < 0 for p in pads):
        raise RuntimeError(
            f"negative padding is not supported (got padding={list(pads)}). Fix: pass padding >= 0."
        )
    if any(p < 0 for p in extra):
        raise RuntimeError(
            f"negative output_padding is not supported (got output_padding={list(extra)}). "
            "Fix: pass output_padding >= 0."
        )
    # More would add a row no input element reaches: a strided convolution of the result would
    # not see it, so PyTorch refuses it.
    for p, s, d in zip(extra, stride_t, dilation_t, strict=True):
        if p >= s and p >= d:
            raise RuntimeError(
                "output padding must be smaller than either stride or dilation, but got "
                f"output_padding={list(extra)}, stride={list(stride_t)}, "
                f"dilation={list(dilation_t)}. Fix: pass output_padding smaller than the stride "
                "or the dilation of each dimension."
            )
    kernel = tuple(weight.shape[2:])
    sizes = tuple(input.shape[2:])
    # Before cropping: (L - 1) * stride + the dilated kernel's span, which conv reads in full.
    full = tuple(
        (size - 1) * s + d * (k - 1) + 1
        for size, s, d, k in zip(sizes, stride_t, dilation_t, kernel, strict=True)
    )
    out_sizes = [f - 2 * p + e for f, p, e in zip(full, pads, extra, strict=True)]
    # PyTorch (its float64 reference path) accepts an output size of 0 only for an empty batch
    smallest = 0 if input.shape[0] == 0 else 1
    if any(size < smallest for size in out_sizes) or any(size == 0 for size in sizes):
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(map(str, sizes))}). Calculated output "
            f"size per channel: ({' x '.join(map(str, out_sizes))}). Output size is too small. "
            "Fix: use less padding or a larger input."
        )
    if input.dtype is _dtype.bool_ and input._data.size:
        loop = f"slow_conv_transpose{2 if n < 3 else 3}d_out_cpu"  # (1-d runs the 2-d one)
        raise no_kernel(loop, input.dtype, "convert the input and weight, e.g. with .float().")
    out_channels = weight.shape[1] * groups
    shape = (input.shape[0], out_channels) + full
    out = ops.conv_input_grad(
        input, weight, shape=shape, stride=stride_t, dilation=dilation_t, groups=groups
    )
    if any(pads) or any(extra):
        # F.pad's pairs start from the last axis; a negative size crops.
        flat: list[int] = []
        for p, e in zip(reversed(pads), reversed(extra), strict=True):
            flat += [-p, e - p]
        out = _pad(out, flat)
    if bias is not None:
        out = out + _shape.reshape(bias, (out_channels,) + (1,) * n)
    if unbatched:
        out = _shape.squeeze(out, 0)
    return out


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """1-D transposed convolution of ``input (N, C_in, L)`` with ``weight (C_in, C_out / groups,
    k)`` (see :func:`conv_transpose2d`); ``L_out = (L - 1) stride - 2 padding + dilation (k - 1)
    + output_padding + 1``.

    >>> import arraygrad
    >>> conv_transpose1d(arraygrad.ones(1, 1, 3), arraygrad.ones(1, 1, 2)).tolist()
    [[[1.0, 2.0, 2.0, 1.0]]]
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the convolutions to its dtype
        from arraygrad.amp import _casts

        return _casts.lower(
            conv_transpose1d, input, weight, bias, stride, padding, output_padding, groups, dilation
        )
    return _conv_transpose(
        input, weight, bias, stride, padding, output_padding, groups, dilation, 1
    )


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """2-D transposed convolution ("deconvolution"), the gradient of :func:`conv2d` for its
    input: ``out[n, g * C_out/groups + o, i * stride + p * dilation - padding, ...] +=
    input[n, c, i, ...] * weight[c, o, p, ...]`` for ``c`` in group ``g``, plus ``bias[o]``.

    ``weight`` has shape ``(C_in, C_out / groups, kh, kw)``; ``output_padding`` adds that many
    places after the output (less than the stride or the dilation), to pick one of the sizes a
    strided convolution maps to the input's.

    >>> import arraygrad
    >>> conv_transpose2d(arraygrad.ones(1, 2, 3, 3), arraygrad.ones(2, 4, 2, 2), stride=2).shape
    arraygrad.Size([1, 4, 6, 6])
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the convolutions to its dtype
        from arraygrad.amp import _casts

        return _casts.lower(
            conv_transpose2d, input, weight, bias, stride, padding, output_padding, groups, dilation
        )
    return _conv_transpose(
        input, weight, bias, stride, padding, output_padding, groups, dilation, 2
    )


def conv_transpose3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """3-D transposed convolution of ``input (N, C_in, D, H, W)`` with ``weight (C_in, C_out /
    groups, kd, kh, kw)`` (see :func:`conv_transpose2d`).

    >>> import arraygrad
    >>> conv_transpose3d(arraygrad.ones(1, 1, 1, 1, 1), arraygrad.ones(1, 2, 2, 2, 2)).shape
    arraygrad.Size([1, 2, 2, 2, 2])
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts the convolutions to its dtype
        from arraygrad.amp import _casts

        return _casts.lower(
            conv_transpose3d, input, weight, bias, stride, padding, output_padding, groups, dilation
        )
    return _conv_transpose(
        input, weight, bias, stride, padding, output_padding, groups, dilation, 3
    )
