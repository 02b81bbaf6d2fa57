"""Resampling: ``interpolate`` (nearest, linear, bicubic, antialiased), ``pixel_shuffle`` /
``pixel_unshuffle``,
``channel_shuffle`` and the sliding-block pair ``unfold`` / ``fold``.

None has a gradient rule of its own. Interpolation gathers rows with ``take`` along one spatial
axis at a time (its adjoint scatter-adds, so repeated source rows sum their gradients) and mixes
the two neighbours of linear modes with constant weights; the source positions and weights are
computed in the dtypes PyTorch's CPU kernels use (the input's dtype, rounded to float32 where
they call ``floorf``) so that the picked rows agree with PyTorch's at the same boundaries;
bicubic and antialiased modes sum more taps, built in ``_interpolation_taps``. The pixel
shuffles are a reshape and a permutation. ``unfold`` is the ``sliding_windows`` primitive
(im2col) and ``fold`` its adjoint ``fold_windows`` (col2im).
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend, _dtype, _shape, ops
from arraygrad._tensor import Tensor
from arraygrad.nn._common import constant, ntuple
from arraygrad.nn._interpolation_taps import antialias_taps, cubic_taps
from arraygrad.nn._interpolation_taps import axis_scale as _scale
from arraygrad.nn._padding import pad as _pad

__all__ = [
    "channel_shuffle",
    "fold",
    "interpolate",
    "native_channel_shuffle",
    "pixel_shuffle",
    "pixel_unshuffle",
    "unfold",
    "upsample",
    "upsample_bilinear",
    "upsample_nearest",
]

# --- pixel shuffle -------------------------------------------------------------------------------


def _check_factor(name: str, input: Tensor, factor: int, what: str) -> None:
    if input.ndim < 3:
        raise RuntimeError(
            f"{name} expects input to have at least 3 dimensions, but got input with "
            f"{input.ndim} dimension(s). Fix: pass (*, C, H, W) input."
        )
    if factor <= 0:
        raise RuntimeError(f"{name} expects a positive {what}, but got {factor}")


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange ``(*, C r^2, H, W)`` into ``(*, C, H r, W r)``: ``out[..., c, h r + i, w r + j]
    = input[..., c r^2 + i r + j, h, w]``.

    >>> import arraygrad
    >>> pixel_shuffle(arraygrad.arange(4.0).reshape(4, 1, 1), 2).tolist()
    [[[0.0, 1.0], [2.0, 3.0]]]
    """
    r = int(upscale_factor)
    _check_factor("pixel_shuffle", input, r, "upscale_factor")
    *lead, channels, height, width = input.shape
    if channels % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
            f"of upscale_factor, but input.size(-3)={channels} is not divisible by {r * r}"
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
    r = int(downscale_factor)
    _check_factor("pixel_unshuffle", input, r, "downscale_factor")
    *lead, channels, height, width = input.shape
    for what, size, axis in (("height", height, -2), ("width", width, -1)):
        if size % r:
            raise RuntimeError(
                f"pixel_unshuffle expects {what} to be divisible by downscale_factor, but "
                f"input.size({axis})={size} is not divisible by {r}"
            )
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
        )
    channels = input.shape[1]
    if channels % groups:
        raise RuntimeError(
            f"Number of channels must be divisible by groups. Got {channels} channels and "
            f"{groups} groups."
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
    if isinstance(groups, bool) or not isinstance(groups, int):
        raise TypeError(
            "native_channel_shuffle(): argument 'groups' (position 2) must be int, not "
            f"{type(groups).__name__}"
        )
    _check_channel_shuffle(input, groups)
    return ops.native_channel_shuffle(input, groups=groups)


# --- interpolate ---------------------------------------------------------------------------------

_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
_LINEAR = {"linear": 3, "bilinear": 4, "trilinear": 5}
_SUPPORTED = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"


def _output_sizes(
    input: Tensor, size: Any, scale_factor: Any, recompute: bool | None
) -> tuple[list[int], list[float | None]]:
    """PyTorch's output sizes and the scales handed to its kernels (None: in / out)."""
    dim = input.ndim - 2
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if recompute:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {spatial} and output size of {size}. "
                    "Please provide input tensor in (N, C, d1, d2, ...,dK) format and "
                    "output size in (o1, o2, ...,oK) format."
                )
            if not all(isinstance(s, int) and not isinstance(s, bool) for s in size):
                raise TypeError(
                    "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    f"Tuple[int, int, int], but got size with types {[type(s) for s in size]}"
                )
            return [int(s) for s in size], [None] * dim
        return [int(size)] * dim, [None] * dim
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != dim:
            raise ValueError(
                "Input and scale_factor must have the same number of spatial dimensions, but "
                f"got input with spatial dimensions of {spatial} and scale_factor of shape "
                f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                "and scale_factor in (s1, s2, ...,sK) format."
            )
        scales = [float(s) for s in scale_factor]
    else:
        scales = [float(scale_factor)] * dim
    if recompute:
        return [int(n * s) for n, s in zip(spatial, scales, strict=True)], [None] * dim
    # PyTorch's C++ truncates the double product, and its kernels use 1 / scale_factor.
    return [int(n * s) for n, s in zip(spatial, scales, strict=True)], list(scales)


def _nearest_index(size: int, out: int, scale: float | None, exact: bool, dtype: Any) -> Any:
    """The source index of each output position, as PyTorch's CPU kernel computes it: the scale
    and the position in the input's dtype, the result rounded to float32 (its ``floorf``).

    Here and below, arithmetic is spelled with the namespace's functions, not operators:
    arraygrad.compile's recorder sees those (an operator on the arrays they return is raw
    array code to it, and the step would run eagerly)."""
    xp = _backend.xp
    positions = xp.arange(out)
    step = _scale(xp, dtype, size, out, scale)
    if not exact:
        source = xp.floor(xp.astype(xp.multiply(xp.astype(positions, dtype), step), xp.float32))
    else:
        # scale * (i + 0.5) - 0.5 in one rounding (the compiled kernel fuses the multiply-add;
        # float64 holds the product of float32s exactly), then floor(that + 0.5).
        wide = xp.multiply(
            xp.astype(step, xp.float64), xp.add(xp.astype(positions, xp.float64), 0.5)
        )
        wide = xp.subtract(wide, 0.5)
        centre = xp.add(xp.astype(wide, dtype), xp.asarray(0.5, dtype=dtype))
        source = xp.floor(xp.astype(centre, xp.float32))
    return xp.minimum(xp.astype(source, xp.int64), size - 1)


def _linear_weights(
    size: int, out: int, scale: float | None, align_corners: bool, dtype: Any
) -> tuple[Any, Any, Any]:
    """PyTorch's linear source indices ``i0``, ``i1`` and the weight of ``i1`` (in ``dtype``)."""
    xp = _backend.xp
    positions = xp.astype(xp.arange(out), dtype)
    if align_corners:
        step = (
            xp.divide(xp.asarray(size - 1, dtype=dtype), xp.asarray(out - 1, dtype=dtype))
            if out > 1
            else xp.asarray(0, dtype=dtype)
        )
        source = xp.multiply(positions, step)
    else:
        step = _scale(xp, dtype, size, out, scale)
        half = xp.asarray(0.5, dtype=dtype)
        source = xp.subtract(xp.multiply(step, xp.add(positions, half)), half)
        source = xp.where(xp.less(source, 0), xp.asarray(0, dtype=dtype), source)
    low = xp.astype(xp.floor(source), xp.int64)
    low = xp.minimum(low, size - 1)
    high = xp.where(xp.less(low, size - 1), xp.add(low, 1), low)
    weight = xp.clip(xp.subtract(source, xp.astype(low, dtype)), 0, 1)
    return low, high, weight


def _along(shape_ndim: int, axis: int, array: Any) -> Tensor:
    """A 1-D constant shaped to broadcast along ``axis`` of a ``shape_ndim``-d tensor."""
    shape = [1] * shape_ndim
    shape[axis] = int(array.shape[0])
    return constant(_backend.xp.reshape(array, tuple(shape)))


def interpolate(
    input: Tensor,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dimensions of ``(N, C, *spatial)`` to ``size`` or by
    ``scale_factor``.

    ``mode`` ``"nearest"`` copies source element ``floor(i * in / out)``, ``"nearest-exact"``
    element ``floor((i + 0.5) * in / out)``; ``"linear"`` (3-D input), ``"bilinear"`` (4-D) and
    ``"trilinear"`` (5-D) mix the two neighbours of source position ``(i + 0.5) * in / out -
    0.5`` (``i * (in - 1) / (out - 1)`` with ``align_corners``); ``"area"`` is adaptive average
    pooling; ``"bicubic"`` (4-D) weighs the four neighbours ``floor(x) - 1 .. floor(x) + 2`` with
    Keys' cubic kernel (``a = -0.75``), reading the edge row for those past it. A given
    ``scale_factor`` is used for the positions (``in / out`` with ``recompute_scale_factor``), as
    in PyTorch. ``antialias=True`` (bilinear and bicubic, 4-D) widens the filter over ``in /
    out`` rows when downsampling and normalises its weights.

    >>> import arraygrad
    >>> interpolate(arraygrad.tensor([[[1.0, 2.0]]]), scale_factor=2).tolist()
    [[[1.0, 1.0, 2.0, 2.0]]]
    >>> interpolate(arraygrad.tensor([[[1.0, 2.0]]]), size=3, mode="linear",
    ...             align_corners=True).tolist()
    [[[1.0, 1.5, 2.0]]]
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the interpolating modes: linear | "
                "bilinear | bicubic | trilinear"
            )
    elif align_corners is None:
        align_corners = False
    if mode == "lanczos":
        raise NotImplementedError(
            f"interpolate: mode={mode!r} is not supported by arraygrad. Fix: use one of "
            f"{', '.join(_MODES)}."
        )
    unsupported = NotImplementedError(
        f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) "
        f"for the modes: {_SUPPORTED} (got {mode})"
    )
    # "area" always works from an output size, as PyTorch's recompute path. The sizes are
    # checked first, as PyTorch: a size or scale_factor sequence of the wrong length is a
    # ValueError whatever the input's rank or the mode.
    recompute = True if mode == "area" and size is None else recompute_scale_factor
    sizes, scales = _output_sizes(input, size, scale_factor, recompute)
    if input.ndim not in (3, 4, 5) or mode not in _MODES:
        raise unsupported
    if antialias and (mode not in ("bilinear", "bicubic") or input.ndim != 4):
        raise ValueError(
            "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires "
            "a 4-D tensor as input"
        )
    if mode == "bicubic" and input.ndim != 4:
        raise unsupported  # PyTorch finds no bicubic kernel for 3-D or 5-D input
    if mode in _LINEAR and _LINEAR[mode] != input.ndim:
        wanted = {3: "linear", 4: "bilinear", 5: "trilinear"}[input.ndim]
        raise NotImplementedError(
            f"Got {input.ndim}D input, but {mode} mode needs {_LINEAR[mode]}D input. Fix: use "
            f"mode={wanted!r} or reshape the input."
        )
    spatial = list(input.shape[2:])
    for n, target in zip(spatial, sizes, strict=True):
        # "area" is an adaptive average pool, which gives an empty output for a size of 0
        if n <= 0 or (target <= 0 and mode != "area"):
            names = "DHW"[3 - len(spatial) :]
            raise RuntimeError(
                "Input and output sizes should be greater than 0, but got input "
                f"({', '.join(f'{c}: {s}' for c, s in zip(names, spatial, strict=True))}) and "
                f"output ({', '.join(f'{c}: {s}' for c, s in zip(names, sizes, strict=True))})"
            )
    if mode == "area":
        from arraygrad.nn import _adaptive_pooling

        pools = {
            3: _adaptive_pooling.adaptive_avg_pool1d,
            4: _adaptive_pooling.adaptive_avg_pool2d,
            5: _adaptive_pooling.adaptive_avg_pool3d,
        }
        return pools[input.ndim](input, sizes if input.ndim > 3 else sizes[0])
    if not input.shape[1]:  # (the spatial sizes are checked above: no channels is left)
        raise RuntimeError(
            f"Non-empty {input.ndim}D data tensor expected but got a tensor with sizes "
            f"{list(input.shape)}: only the batch may be empty (no channels here). Fix: give "
            "the input at least one channel."
        )
    if not input.dtype.is_floating_point:
        kernel = "nearest" if mode.startswith("nearest") else "linear"
        kernel = "index_ranges_weights" if antialias else f"indices_weights_{kernel}"
        kernel = "indices_weights_cubic" if mode == "bicubic" and not antialias else kernel
        raise NotImplementedError(
            f'"compute_{kernel}" not implemented for '
            f"'{_dtype.torch_type_name(input.dtype)}'. Fix: convert the input with .float()."
        )
    if mode == "bicubic" or antialias:
        return _filtered(input, spatial, sizes, scales, mode, bool(align_corners), antialias)
    out = input
    xp = _backend.xp
    for i, (n, size_out, scale) in enumerate(zip(spatial, sizes, scales, strict=True)):
        axis = 2 + i
        if mode.startswith("nearest"):
            index = _nearest_index(n, size_out, scale, mode == "nearest-exact", input._data.dtype)
            out = ops.take(out, index, axis=axis)
            continue
        if size_out == n:
            continue  # PyTorch's linear kernels leave an unresized axis alone, whatever the scale
        low, high, weight = _linear_weights(
            n, size_out, scale, bool(align_corners), input._data.dtype
        )
        lower = ops.take(out, low, axis=axis)
        upper = ops.take(out, high, axis=axis)
        keep = xp.subtract(xp.asarray(1, dtype=input._data.dtype), weight)
        out = lower * _along(out.ndim, axis, keep) + upper * _along(out.ndim, axis, weight)
    return out


def _filtered(
    input: Tensor,
    spatial: list[int],
    sizes: list[int],
    scales: list[float | None],
    mode: str,
    align_corners: bool,
    antialias: bool,
) -> Tensor:
    """``interpolate`` of a filter with more than two taps: ``"bicubic"`` and the antialiased
    modes. Each axis is the sum of its taps' gathered rows times their weights."""
    out = input
    dtype = input._data.dtype
    # The last axis first, as PyTorch's kernels do: float32 sums then round in the same order.
    for i in reversed(range(len(spatial))):
        n, size_out, scale = spatial[i], sizes[i], scales[i]
        if size_out == n and (antialias or align_corners or scale is None or scale == 1.0):
            # A step of exactly 1 weighs every tap but the centre one 0; the antialiased kernel
            # leaves an unresized axis alone whatever the scale, as the linear ones do.
            continue
        if antialias:
            taps = antialias_taps(n, size_out, scale, align_corners, mode == "bicubic", dtype)
        else:
            taps = cubic_taps(n, size_out, scale, align_corners, dtype)
        axis = 2 + i
        total: Tensor | None = None
        for index, weight in taps:
            term = ops.take(out, index, axis=axis) * _along(out.ndim, axis, weight)
            total = term if total is None else total + term
        assert total is not None  # every axis has at least one tap
        out = total
    return out


def upsample(
    input: Tensor,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """:func:`interpolate` under its deprecated name (PyTorch warns; so does arraygrad).

    >>> import arraygrad, warnings
    >>> F = arraygrad.nn.functional
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     out = F.upsample(arraygrad.tensor([[[1.0, 2.0]]]), scale_factor=2)
    >>> out, caught[0].category.__name__
    (tensor([[[1., 1., 2., 2.]]]), 'UserWarning')
    """
    import warnings

    warnings.warn(
        "`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """``interpolate(input, size, scale_factor, mode="nearest")`` (deprecated in PyTorch).

    Each output pixel copies input pixel ``floor(out_index * in_size / out_size)``; warns.

    >>> import arraygrad, warnings
    >>> F = arraygrad.nn.functional
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     F.upsample_nearest(arraygrad.tensor([[[[1.0, 2.0]]]]), scale_factor=2)
    tensor([[[[1., 1., 2., 2.],
              [1., 1., 2., 2.]]]])
    """
    import warnings

    warnings.warn(
        "`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """``interpolate(..., mode="bilinear", align_corners=True)`` (deprecated in PyTorch).

    4-D input only; the corner pixels of input and output coincide. Warns.

    >>> import arraygrad, warnings
    >>> F = arraygrad.nn.functional
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     F.upsample_bilinear(arraygrad.tensor([[[[1.0, 2.0]]]]), size=(1, 3))
    tensor([[[[1.0000, 1.5000, 2.0000]]]])
    """
    import warnings

    warnings.warn(
        "`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


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
            )
        values.append(ntuple(value, 2, what))
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
        )
    kernel, dil, pad, step = _block_geometry("unfold", kernel_size, dilation, padding, stride)
    sizes = tuple(input.shape[-2:])
    blocks = _blocks(sizes, kernel, dil, pad, step)
    if min(blocks) < 1:
        raise RuntimeError(
            f"Given input with spatial size {sizes}, kernel_size={kernel}, dilation={dil}, "
            f"padding={pad}, calculated shape of the array of sliding blocks as {blocks}, but "
            "its components must be at least one."
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
        )
    out_size = ntuple(output_size, 2, "output_size")
    kernel, dil, pad, step = _block_geometry("fold", kernel_size, dilation, padding, stride)
    rows, count = input.shape[-2], input.shape[-1]
    if rows % math.prod(kernel):
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={rows} and kernel_size={kernel}."
        )
    blocks = _blocks(out_size, kernel, dil, pad, step)
    if math.prod(blocks) != count or min(blocks) < 1:
        raise RuntimeError(
            f"Given output_size={out_size}, kernel_size={kernel}, dilation={dil}, "
            f"padding={pad}, stride={step}, expected size of input's dimension "
            f"{input.ndim - 1} to match the calculated number of sliding blocks "
            f"{blocks[0]} * {blocks[1]} = {math.prod(blocks)}, but got "
            f"input.size({input.ndim - 1})={count}."
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
