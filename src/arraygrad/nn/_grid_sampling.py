"""Spatial transformers: ``affine_grid`` (the sampling grid of an affine map) and
``grid_sample`` (an image or a volume read at arbitrary normalised coordinates, bilinear /
trilinear or nearest).

Both are plain functions of differentiable ops. ``grid_sample`` gathers the 2^d neighbours
of each sampling point and weighs them with the (bi/tri)linear weights, which are differentiable in
the grid coordinates; the padding modes move the coordinates (``border`` clamps them,
``reflection`` folds them back) with PyTorch's gradients: 0 where a coordinate is clamped,
``-1`` where it is reflected an odd number of times.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from typing import Any

from arraygrad import (
    _autocast_flag,
    _backend,
    _creation,
    _division,
    _grad_mode,
    _indexing,
    _inference,
    _joining,
    _linalg,
    _lines,
    _math,
    _shape,
)
from arraygrad._tensor import Tensor
from arraygrad.nn._common import constant

__all__ = ["affine_grid", "grid_sample"]

_MODES = ("bilinear", "nearest", "bicubic")
_PADDING_MODES = ("zeros", "border", "reflection")


def _default_align_corners(align_corners: bool | None) -> bool:
    if align_corners is None:
        warnings.warn(
            "Default grid_sample and affine_grid behavior has changed to align_corners=False "
            "since 1.3.0. Please specify align_corners=True if the old behavior is desired. "
            "See the documentation of grid_sample for details.",
            stacklevel=3,
        )
        return False
    return align_corners


def _base_coordinates(steps: int, align_corners: bool, like: Tensor) -> Tensor:
    """``steps`` points spread over [-1, 1]: the pixel corners' centres (``align_corners``) or
    the centres of ``steps`` equal cells (PyTorch's ``linspace_from_neg_one``)."""
    if steps <= 1:
        return _creation.zeros(steps, dtype=like.dtype)
    points = _lines.linspace(-1.0, 1.0, steps, dtype=like.dtype)
    if not align_corners:
        # two roundings, as torch's ``range * (steps - 1) / steps`` (not one by (steps - 1) /
        # steps, a last bit apart in float64, where a point on a pixel takes another gradient)
        points = points * (steps - 1) / steps
    return points


def affine_grid(theta: Tensor, size: Sequence[int], align_corners: bool | None = None) -> Tensor:
    """The sampling grid of the affine maps ``theta``: ``grid[n, h, w] = theta[n] @ (x_w, y_h,
    1)`` for the normalised pixel centres ``x_w``, ``y_h`` in [-1, 1] of an output of ``size``
    ``(N, C, H, W)`` (``theta`` ``(N, 2, 3)``; ``(N, C, D, H, W)`` with ``(N, 3, 4)`` gives
    ``(x, y, z)`` points). The result, ``(N, H, W, 2)``, is what :func:`grid_sample` reads.

    >>> import arraygrad
    >>> identity = arraygrad.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    >>> affine_grid(identity, (1, 1, 1, 2), align_corners=False).tolist()
    [[[[-0.5, 0.0], [0.5, 0.0]]]]
    """
    return affine_grid_points(theta, size, _default_align_corners(align_corners), warn=True)


def affine_grid_points(
    theta: Tensor, size: Sequence[int], align_corners: bool, warn: bool = False
) -> Tensor:
    """:func:`affine_grid` with ``align_corners`` given; ``warn``: its warning about unit-size
    grids with ``align_corners`` (the Python function's, not the kernel's:
    ``affine_grid_generator`` computes the same grid without it)."""
    if not theta.dtype.is_floating_point:
        raise ValueError(
            f"Expected theta to have floating point type, but got {theta.dtype}. Fix: convert "
            "it with .float()."
        )
    size = [int(s) for s in size]
    if len(size) == 4:
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(
                f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got "
                f"{list(theta.shape)}. Fix: pass theta of shape [{size[0]}, 2, 3]."
            )
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(
                f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. Got "
                f"{list(theta.shape)}. Fix: pass theta of shape [{size[0]}, 3, 4]."
            )
        spatial = size[-3:]
    else:
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
            f"respectively. Got size {size}. Fix: pass size as (N, C, H, W) with an Nx2x3 "
            "theta, or (N, C, D, H, W) with an Nx3x4 theta."
        )
    if align_corners and min(spatial) == 1:
        if warn:
            warnings.warn(
                "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                "align_corners=True. This is not an intended use case of affine_grid. See the "
                "documentation of affine_grid for details.",
                stacklevel=3,  # (affine_grid's caller)
            )
    elif min(size) <= 0:
        raise ValueError(
            f"Expected non-zero, positive output size. Got {size}. Fix: pass sizes >= 1."
        )
    # base[..., k]: the k-th coordinate (x first, then y, z) of every output point, then a 1
    axes = [_base_coordinates(s, align_corners, theta) for s in reversed(spatial)]
    grids = _joining.meshgrid(*reversed(axes), indexing="ij")  # (D,) H, W each
    ones = _creation.ones(*spatial, dtype=theta.dtype)
    base = _shape.stack([*reversed(grids), ones], -1)  # (*spatial, dims + 1)
    points = base.reshape(1, -1, len(spatial) + 1)
    grid = _linalg.matmul(points, theta.transpose(1, 2))  # (N, prod(spatial), dims)
    return grid.reshape(size[0], *spatial, len(spatial))


def _clip(x: Tensor, size: int) -> Tensor:
    # PyTorch's clip_coordinates: the gradient is 0 at and beyond either end
    inner = _math.where(x >= size - 1, float(size - 1), x)
    return _math.where(x <= 0, 0.0, inner)


def _reflect(x: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """``x`` folded into [low, high] by reflecting at the ends, as PyTorch's
    ``reflect_coordinates`` (the bounds are given doubled, to stay integers)."""
    if twice_low == twice_high:
        return x * 0.0
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    distance = _math.abs(x - low)
    extra = _division.fmod(distance, span)
    xp = _backend.xp
    # xp's functions, not operators, on these data-dependent arrays: arraygrad.compile records
    # the calls, where an operator's result would be replayed as a constant
    dtype = distance._data.dtype
    flips = xp.floor(xp.divide(distance._data, xp.asarray(span, dtype=dtype)))
    two, one = xp.asarray(2, dtype=dtype), xp.asarray(1, dtype=dtype)
    odd = constant(xp.equal(xp.remainder(flips, two), one))
    return _math.where(odd, (span - extra) + low, extra + low)


def _unnormalize(coordinate: Tensor, size: int, align_corners: bool) -> Tensor:
    """Normalised coordinates in [-1, 1] as pixel positions."""
    if align_corners:
        return (coordinate + 1) / 2 * (size - 1)
    return ((coordinate + 1) * size - 1) / 2


def _source_index(coordinate: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    """Normalised coordinates in [-1, 1] as pixel positions, moved by the padding mode."""
    x = _unnormalize(coordinate, size, align_corners)
    if padding_mode == "zeros":
        return x
    return _source_index_of_pixel(x, size, padding_mode, align_corners)


def _read(flat: Tensor, positions: list[Any], sizes: Sequence[int]) -> Tensor:
    """``input[n, :, *positions]`` for integer pixel positions (raw arrays ``(N, P)``, one per
    spatial axis), 0 outside the image: ``(N, C, P)``."""
    xp = _backend.xp
    inside = xp.ones(positions[0].shape, dtype=xp.bool)
    index = xp.zeros_like(positions[0])
    for position, size in zip(positions, sizes, strict=True):
        # xp's functions, not operators: arraygrad.compile records them (see _reflect)
        low, high = xp.asarray(0, dtype=position.dtype), xp.asarray(size, dtype=position.dtype)
        inside = xp.logical_and(
            inside,
            xp.logical_and(xp.greater_equal(position, low), xp.less(position, high)),
        )
        index = xp.add(xp.multiply(index, high), position)
    index = xp.where(inside, index, xp.zeros_like(index))
    batch, channels, count = flat.shape[0], flat.shape[1], index.shape[1]
    index = xp.broadcast_to(xp.reshape(index, (batch, 1, count)), (batch, channels, count))
    # take_along, not gather: gather's bounds check reads the indices into Python, which
    # arraygrad.compile cannot replay (they are in bounds by construction)
    values = _indexing.take_along(flat, index, 2)
    return _math.where(constant(xp.reshape(inside, (batch, 1, count))), values, 0.0)


def _cubic_coefficients(t: Tensor) -> list[Tensor]:
    """The four weights of the cubic convolution (A = -0.75, as PyTorch) of the taps at -1, 0,
    1 and 2 pixels from a point a fraction ``t`` past the tap at 0."""
    a = -0.75

    def near(x: Tensor) -> Tensor:  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: Tensor) -> Tensor:  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _bicubic(
    flat: Tensor, x: Tensor, y: Tensor, sizes: Sequence[int], padding_mode: str, ac: bool
) -> Tensor:
    """Bicubic interpolation of the 4 x 4 pixels around each point, as PyTorch: each tap's
    position is moved by the padding mode on its own, and the gradient to the grid flows
    through the cubic weights only."""
    xp = _backend.xp
    height, width = sizes
    x_low = _outside_if_infinite(xp.floor(x._data))
    y_low = _outside_if_infinite(xp.floor(y._data))
    weights_x = _cubic_coefficients(x - constant(x_low))
    weights_y = _cubic_coefficients(y - constant(y_low))

    def tap(low: Any, offset: int, size: int) -> Any:
        position = constant(xp.add(low, xp.asarray(offset, dtype=low.dtype)))
        if padding_mode != "zeros":
            position = _source_index_of_pixel(position, size, padding_mode, ac)
        return xp.astype(_outside_if_infinite(position._data), xp.int64)

    columns = [tap(x_low, i - 1, width) for i in range(4)]
    total: Tensor | None = None
    for j in range(4):
        row_y = tap(y_low, j - 1, height)
        row: Tensor | None = None
        for i in range(4):
            term = _read(flat, [row_y, columns[i]], sizes) * weights_x[i].unsqueeze(1)
            row = term if row is None else row + term
        assert row is not None
        term = row * weights_y[j].unsqueeze(1)
        total = term if total is None else total + term
    assert total is not None
    return total


def _source_index_of_pixel(x: Tensor, size: int, padding_mode: str, ac: bool) -> Tensor:
    """A pixel position (already unnormalised) moved by the padding mode."""
    if padding_mode == "border":
        return _clip(x, size)
    x = _reflect(x, 0, 2 * (size - 1)) if ac else _reflect(x, -1, 2 * size - 1)
    return _clip(x, size)


def _outside_if_infinite(position: Any) -> Any:
    """Pixel positions with inf and nan moved outside the image (-2), so that the cast to
    integers is defined; PyTorch reads no pixel there either."""
    xp = _backend.xp
    return xp.where(xp.isfinite(position), position, xp.full_like(position, -2.0))


def _check_grid_sample(input: Tensor, grid: Tensor) -> None:
    if input.ndim != grid.ndim or input.ndim not in (4, 5):
        raise RuntimeError(
            "grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, "
            f"but got input with sizes {list(input.shape)} and grid with sizes "
            f"{list(grid.shape)}. Fix: input (N, C, H, W) with grid (N, H_out, W_out, 2)."
        )
    if input.dtype is not grid.dtype:
        raise RuntimeError(
            "grid_sampler(): expected input and grid to have same dtype, but input has "
            f"{input.dtype.name} and grid has {grid.dtype.name}. Fix: convert one of them."
        )
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(
            "grid_sampler(): expected grid and input to have same batch size, but got input "
            f"with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}. Fix: pass "
            f"a grid with batch size {input.shape[0]} (dimension 0)."
        )
    if grid.shape[-1] != input.ndim - 2:
        raise RuntimeError(
            f"grid_sampler(): expected grid to have size {input.ndim - 2} in last dimension, "
            f"but got grid with sizes {list(grid.shape)}. Fix: give the grid's last dimension "
            f"{input.ndim - 2} coordinates (x, y for 4-D input; x, y, z for 5-D)."
        )
    for axis in range(2, input.ndim):
        if input.shape[axis] == 0:
            raise RuntimeError(
                "grid_sampler(): expected input to have non-empty spatial dimensions, but input "
                f"has sizes {list(input.shape)} with dimension {axis} being empty. Fix: sample "
                "from an input with at least one element per spatial dimension."
            )


def grid_sample(
    input: Tensor,
    grid: Tensor,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """``input`` ``(N, C, H, W)`` read at the points ``grid`` ``(N, H_out, W_out, 2)``, given as
    normalised ``(x, y)`` in [-1, 1] (-1: the left / top edge, or the centre of the first pixel
    with ``align_corners``): ``(N, C, H_out, W_out)``. A volume ``(N, C, D, H, W)`` is read at
    ``(x, y, z)`` points ``(N, D_out, H_out, W_out, 3)``.

    ``mode`` "bilinear" weighs the four neighbouring pixels (the eight neighbouring voxels of a
    volume: trilinear), differentiable in ``input`` and ``grid``; "nearest" takes the nearest
    one (ties to even; a zero gradient to ``grid``). Points outside the image read zeros
    (``padding_mode="zeros"``), the nearest edge pixel ("border") or the image reflected at
    its edges ("reflection"). "bicubic" (4-D only) is the cubic convolution of the 4 x 4
    neighbouring pixels (A = -0.75), the padding applied to each of them.

    >>> import arraygrad
    >>> image = arraygrad.tensor([[[[0.0, 10.0], [20.0, 30.0]]]])
    >>> grid_sample(image, arraygrad.tensor([[[[0.0, 0.0]]]]), align_corners=False).tolist()
    [[[[15.0]]]]
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts grid_sample to float32
        from arraygrad.amp import _casts

        return _casts.full(grid_sample, input, grid, mode, padding_mode, align_corners)
    if mode not in _MODES:
        raise ValueError(
            "nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or "
            f"'bicubic', but got: '{mode}'. Fix: pass mode='bilinear', 'nearest' or 'bicubic'."
        )
    if padding_mode not in _PADDING_MODES:
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
            f"'reflection', but got: '{padding_mode}'. Fix: pass padding_mode='zeros', 'border' "
            "or 'reflection'."
        )
    align_corners = _default_align_corners(align_corners)
    _check_grid_sample(input, grid)
    if mode == "bicubic" and input.ndim == 5:
        raise RuntimeError(
            "grid_sampler(): bicubic interpolation only supports 4D input. Fix: use "
            "mode='bilinear' (trilinear on 5-D input) or 'nearest'."
        )
    if _grad_mode.inference_used:  # PyTorch's kernel saves both; the composition may not
        _inference.check_kept((input, grid), "an operand of grid_sample", input, grid)
    xp = _backend.xp
    batch, channels, *sizes = input.shape
    out_sizes = list(grid.shape[1:-1])
    count = math.prod(out_sizes)
    flat = input.reshape(batch, channels, math.prod(sizes))
    points = grid.reshape(batch, count, len(sizes))
    # coordinate k (x, y, z) indexes the k-th spatial axis from the last (W, H, D)
    coords = [
        _source_index(points[..., len(sizes) - 1 - axis], size, padding_mode, align_corners)
        for axis, size in enumerate(sizes)
    ]  # spatial order, each (N, P)
    index_type = xp.int64
    if mode == "bicubic":
        x = _unnormalize(points[..., 0], sizes[1], align_corners)
        y = _unnormalize(points[..., 1], sizes[0], align_corners)
        out = _bicubic(flat, x, y, sizes, padding_mode, align_corners)
        return out.reshape(batch, channels, *out_sizes)
    if mode == "nearest":
        nearest = [xp.round(c._data) for c in coords]
        positions = [xp.astype(_outside_if_infinite(p), index_type) for p in nearest]
        out = _read(flat, positions, sizes)
        if grid.requires_grad:
            # PyTorch's result depends on the grid with a zero gradient; an all-false where keeps
            # it on the graph without touching the values (x * 0 would be nan at x = inf)
            never = constant(xp.zeros((batch, count), dtype=xp.bool))
            out = out + _math.where(never, sum(coords[1:], coords[0]), 0.0).unsqueeze(1)
        return out.reshape(batch, channels, *out_sizes)
    lows = [_outside_if_infinite(xp.floor(c._data)) for c in coords]
    # per axis, the weights of the low and the high neighbour: differentiable in the
    # coordinates (the neighbours are constants)
    weights = [
        (constant(xp.add(low, xp.asarray(1, dtype=low.dtype))) - c, c - constant(low))
        for c, low in zip(coords, lows, strict=True)
    ]
    total: Tensor | None = None
    # the corners in PyTorch's order (the last spatial axis, x, fastest), each weight the
    # product of its per-axis weights taken x first, as PyTorch multiplies them
    for corner in itertools.product((0, 1), repeat=len(sizes)):
        positions = [
            xp.add(xp.astype(low, index_type), xp.asarray(bit, dtype=index_type))
            for low, bit in zip(lows, corner, strict=True)
        ]
        factors = [weights[axis][bit] for axis, bit in enumerate(corner)][::-1]
        weight = factors[0]
        for factor in factors[1:]:
            weight = weight * factor
        term = _read(flat, positions, sizes) * weight.unsqueeze(1)
        total = term if total is None else total + term
    assert total is not None
    return total.reshape(batch, channels, *out_sizes)
