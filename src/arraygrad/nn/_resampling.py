"""Resampling that moves elements rather than weighing neighbours: ``pixel_shuffle`` /
``pixel_unshuffle``, ``channel_shuffle`` and the sliding-block pair ``unfold`` / ``fold``.

None has a gradient rule of its own. The pixel and channel shuffles are a reshape and a
permutation. ``unfold`` is the ``sliding_windows`` primitive (im2col) and ``fold`` its adjoint
``fold_windows`` (col2im), which adds up the elements of overlapping blocks. ``interpolate``
(and its deprecated ``upsample`` names) is in ``_interpolation``.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _dtype, _shape, ops
from arraygrad._arguments import int_argument, symint_argument
from arraygrad._tensor import Tensor
from arraygrad.nn._common import ntuple
from arraygrad.nn._padding import pad as _pad

__all__ = [
    "channel_shuffle",
    "fold",
    "native_channel_shuffle",
    "pixel_shuffle",
    "pixel_unshuffle",
    "unfold",
]

# --- pixel shuffle -------------------------------------------------------------------------------


def _check_factor(name: str, input: Tensor, factor: int, what: str) -> None:
    if input.ndim < 3:
        raise RuntimeError(
            f"{name} expects input to have at least 3 dimensions, but got input with "
            f"{input.ndim} dimension(s). Fix: pass (*, C, H, W) input."
        )
    if factor <= 0:
        raise RuntimeError(
            f"{name} expects a positive {what}, but got {factor}. Fix: pass a {what} >= 1."
        )


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange ``(*, C r^2, H, W)`` into ``(*, C, H r, W r)``: ``out[..., c, h r + i, w r + j]
    = input[..., c r^2 + i r + j, h, w]``.

    >>> import arraygrad
    >>> pixel_shuffle(arraygrad.arange(4.0).reshape(4, 1, 1), 2).tolist()
    [[[0.0, 1.0], [2.0, 3.0]]]
    """
    # (a plain int: PyTorch's parser reads a 0-d integer tensor, no other)
    r = int(int_argument("pixel_shuffle", "upscale_factor", upscale_factor, 2))
    _check_factor("pixel_shuffle", input, r, "upscale_factor")
    *lead, channels, height, width = input.shape
    if channels % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
            f"of upscale_factor, but input.size(-3)={channels} is not divisible by {r * r}"
            f". Fix: give the input a channel count divisible by {r * r} "
            "(upscale_factor ** 2), or change upscale_factor."
        )
    k = len(lead)
    out = _shape.reshape(input, (*lead, channels // (r * r), r, r, height, width))
    out = _shape.permute(out, (*range(k), k, k + 3, k + 1, k + 4, k + 2))
    return _shape.reshape(out, (*lead, channels // (r * r), height * r, width * r))


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """The inverse of :func:`pixel_shuffle`: ``(*, C, H r, W r)`` into ``(*, C r^2, H, W)``.

    >>> import arraygrad
    >>> pixel_unshuffle(arraygrad.arange(4.0).reshape(1, 2, 2), 2).flatten().tolist()
    [0.0, 1.0, 2.0, 3.0]
    """
    # (a plain int: PyTorch's parser reads a 0-d integer tensor, no other)
    r = int(int_argument("pixel_unshuffle", "downscale_factor", downscale_factor, 2))
    _check_factor("pixel_unshuffle", input, r, "downscale_factor")
    *lead, channels, height, width = input.shape
    for what, size, axis in (("height", height, -2), ("width", width, -1)):
        if size % r:
            raise RuntimeError(
                f"pixel_unshuffle expects {what} to be divisible by downscale_factor, but "
                f"input.size({axis})={size} is not divisible by {r}"
                f". Fix: give the input a {what} divisible by {r}, or change "
                "downscale_factor."
            )
    if input.numel() == 0:
        # PyTorch returns a copy of an empty input in its own shape, not the rearranged one
        # ((0, 2, 4, 4) stays (0, 2, 4, 4) for r = 2); pixel_shuffle has no such shortcut
        return input.clone()
    k = len(lead)
    out = _shape.reshape(input, (*lead, channels, height // r, r, width // r, r))
    out = _shape.permute(out, (*range(k), k, k + 2, k + 4, k + 1, k + 3))
    return _shape.reshape(out, (*lead, channels * r * r, height // r, width // r))


def _check_channel_shuffle(input: Tensor, groups: int) -> None:
    if input.ndim <= 2:
        raise RuntimeError(
            f"channel_shuffle expects input with > 2 dims, but got input with sizes "
            f"{list(input.shape)}. Fix: pass (N, C, *) input."
        )
    if groups <= 0:
        raise RuntimeError(
            f"Number of groups to divide channels in must be positive. Value of groups:{groups}"
            ". Fix: pass groups >= 1."
        )
    channels = input.shape[1]
    if channels % groups:
        raise RuntimeError(
            f"Number of channels must be divisible by groups. Got {channels} channels and "
            f"{groups} groups."
            " Fix: pass a groups that divides the channel count "
            f"{channels}."
        )


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave the channels (dimension 1) of ``groups`` groups: ``(N, g * k, *)`` viewed as
    ``(N, g, k, *)``, transposed to ``(N, k, g, *)`` and flattened back.

    >>> import arraygrad
    >>> channel_shuffle(arraygrad.arange(4.0).reshape(1, 4, 1), 2).flatten().tolist()
    [0.0, 2.0, 1.0, 3.0]
    """
    _check_channel_shuffle(input, groups)
    batch, channels, *rest = input.shape
    out = _shape.reshape(input, (batch, groups, channels // groups, *rest))
    return _shape.reshape(_shape.transpose(out, 1, 2), tuple(input.shape))


def native_channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """:func:`channel_shuffle`'s values from one op that, as in PyTorch, has no derivative:
    the result requires grad when ``input`` does, and backward through it raises.

    >>> import arraygrad
    >>> native_channel_shuffle(arraygrad.arange(4.0).reshape(1, 4, 1), 2).flatten().tolist()
    [0.0, 2.0, 1.0, 3.0]
    """
    groups = symint_argument("native_channel_shuffle", "groups", groups, 2)
    if isinstance(groups, bool) or not isinstance(groups, int):
        raise TypeError(
            "native_channel_shuffle(): argument 'groups' (position 2) must be int, not "
            f"{type(groups).__name__}"
            ". Fix: pass groups as an int."
        )
    _check_channel_shuffle(input, groups)
    return ops.native_channel_shuffle(input, groups=groups)


# --- unfold / fold -------------------------------------------------------------------------------


def _block_geometry(
    name: str, kernel_size: Any, dilation: Any, padding: Any, stride: Any
) -> tuple[tuple[int, ...], ...]:
    values = []
    for what, value in (
        ("kernel_size", kernel_size),
        ("dilation", dilation),
        ("padding", padding),
        ("stride", stride),
    ):
        if not isinstance(value, int) and len(tuple(value)) != 2:
            raise RuntimeError(
                f"It is expected {what} equals to 2, but got size {len(tuple(value))}"
                f". Fix: pass {what.split()[0]} as an int or a pair of ints."
            )
        values.append(ntuple(value, 2, what, iterate_tensors=True))  # PyTorch's _pair
    kernel, dil, pad, step = values
    for what, pair, low in (
        ("kernel size", kernel, 1),
        ("dilation", dil, 1),
        ("stride", step, 1),
        ("padding", pad, 0),
    ):
        if min(pair) < low:
            relation = "non-negative" if low == 0 else "greater than zero"
            raise RuntimeError(
                f"{name}: {what} should be {relation}, but got {what.split()[0]}={list(pair)}"
                f". Fix: pass {what.split()[0]} values that are {relation}."
            )
    return kernel, dil, pad, step


def _blocks(
    sizes: tuple[int, ...],
    kernel: tuple[int, ...],
    dilation: tuple[int, ...],
    padding: tuple[int, ...],
    stride: tuple[int, ...],
) -> tuple[int, ...]:
    return tuple(
        (n + 2 * p - (d * (k - 1) + 1)) // s + 1
        for n, k, d, p, s in zip(sizes, kernel, dilation, padding, stride, strict=True)
    )


def _im2col_dtype(dtype: _dtype.dtype) -> bool:
    """Whether PyTorch's im2col/col2im kernels take ``dtype``: floating, complex and bool
    (where overlapping blocks of ``fold`` combine with ``or``), never the integers."""
    return dtype.is_floating_point or dtype.is_complex or dtype == _dtype.bool_


def unfold(
    input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
) -> Tensor:
    """The sliding blocks of a ``(N, C, H, W)`` (or ``(C, H, W)``) input as columns:
    ``(N, C * kh * kw, L)``, ``L`` the number of blocks (im2col).

    >>> import arraygrad
    >>> unfold(arraygrad.arange(4.0).reshape(1, 1, 2, 2), 1).tolist()
    [[[0.0, 1.0, 2.0, 3.0]]]
    """
    if input.ndim < 3:
        # PyTorch fails here indexing the missing spatial dimensions.
        raise IndexError(
            f"Dimension out of range: unfold needs (N, C, H, W) or (C, H, W) input, but got "
            f"{input.ndim}D input of shape {list(input.shape)}. Fix: add the missing dimensions."
        )
    if input.ndim > 4 or 0 in input.shape[-3:]:  # (only a batch may be empty)
        raise RuntimeError(
            "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
            f"dimensions for input, but got: {list(input.shape)}"
            ". Fix: pass input of shape (C, H, W) or (N, C, H, W) with "
            "non-empty C, H, W."
        )
    kernel, dil, pad, step = _block_geometry("unfold", kernel_size, dilation, padding, stride)
    sizes = tuple(input.shape[-2:])
    blocks = _blocks(sizes, kernel, dil, pad, step)
    if min(blocks) < 1:
        raise RuntimeError(
            f"Given input with spatial size {sizes}, kernel_size={kernel}, dilation={dil}, "
            f"padding={pad}, calculated shape of the array of sliding blocks as {blocks}, but "
            "its components must be at least one."
            " Fix: use a smaller kernel_size or dilation, or more "
            "padding, so that every block fits in the input."
        )
    if not _im2col_dtype(input.dtype):
        raise NotImplementedError(
            f"\"im2col_out_cpu\" not implemented for '{_dtype.torch_type_name(input.dtype)}'. "
            "Fix: convert the input with .float()."
        )
    if any(pad):
        input = _pad(input, (pad[1], pad[1], pad[0], pad[0]))
    cols = ops.sliding_windows(input, kernel=kernel, stride=step, dilation=dil)
    lead = tuple(input.shape[:-3])
    channels = input.shape[-3]
    return _shape.reshape(cols, (*lead, channels * math.prod(kernel), math.prod(blocks)))


def fold(
    input: Tensor,
    output_size: Any,
    kernel_size: Any,
    dilation: Any = 1,
    padding: Any = 0,
    stride: Any = 1,
) -> Tensor:
    """Sum columns ``(N, C * kh * kw, L)`` (or unbatched) back into ``(N, C, *output_size)``:
    the adjoint of :func:`unfold` (col2im); overlapping blocks add up.

    >>> import arraygrad
    >>> fold(arraygrad.ones(1, 4, 4), (3, 3), 2).tolist()
    [[[[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]]]
    """
    if input.ndim not in (2, 3) or 0 in tuple(input.shape[-2:]):
        raise RuntimeError(
            "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and "
            f"non-zero dimensions for input, but got: {list(input.shape)}"
            ". Fix: pass input of shape (C * prod(kernel_size), L) or (N,"
            " C * prod(kernel_size), L), as unfold returns."
        )
    out_size = ntuple(output_size, 2, "output_size", iterate_tensors=True)  # PyTorch's _pair
    kernel, dil, pad, step = _block_geometry("fold", kernel_size, dilation, padding, stride)
    rows, count = input.shape[-2], input.shape[-1]
    if rows % math.prod(kernel):
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={rows} and kernel_size={kernel}."
            " Fix: pass the output of unfold with the same kernel_size."
        )
    blocks = _blocks(out_size, kernel, dil, pad, step)
    if math.prod(blocks) != count or min(blocks) < 1:
        raise RuntimeError(
            f"Given output_size={out_size}, kernel_size={kernel}, dilation={dil}, "
            f"padding={pad}, stride={step}, expected size of input's dimension "
            f"{input.ndim - 1} to match the calculated number of sliding blocks "
            f"{blocks[0]} * {blocks[1]} = {math.prod(blocks)}, but got "
            f"input.size({input.ndim - 1})={count}."
            " Fix: pass fold the output_size, kernel_size, dilation, "
            "padding and stride that unfold used."
        )
    if not _im2col_dtype(input.dtype):
        raise NotImplementedError(
            f"\"col2im_out_cpu\" not implemented for '{_dtype.torch_type_name(input.dtype)}'. "
            "Fix: convert the input with .float()."
        )
    lead = tuple(input.shape[:-2])
    channels = rows // math.prod(kernel)
    cols = _shape.reshape(input, (*lead, channels, *kernel, *blocks))
    padded = (*lead, channels, out_size[0] + 2 * pad[0], out_size[1] + 2 * pad[1])
    # fold_windows needs every padded position reachable; a remainder the blocks never cover
    # stays 0, as in PyTorch.
    out = ops.fold_windows(cols, shape=padded, kernel=kernel, stride=step, dilation=dil)
    if any(pad):
        key = (..., slice(pad[0], pad[0] + out_size[0]), slice(pad[1], pad[1] + out_size[1]))
        out = _shape.getitem(out, key)
    return out
