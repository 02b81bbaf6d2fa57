"""Top-level nn functions in the form of PyTorch's kernels: ``embedding_bag`` with the weight
first and its four results (the bags' bookkeeping after the output), ``grid_sampler`` with its
modes as numbers, and ``affine_grid_generator`` with ``align_corners`` required.

>>> import arraygrad
>>> theta = arraygrad.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
>>> arraygrad.affine_grid_generator(theta, [1, 1, 1, 2], False).shape
arraygrad.Size([1, 1, 2, 2])
"""

from __future__ import annotations

from typing import Any

from arraygrad import _backend
from arraygrad._tensor import Tensor
from arraygrad.nn import _grid_sampling
from arraygrad.nn import functional as _functional

__all__ = [
    "affine_grid_generator",
    "embedding_bag",
    "grid_sampler",
    "grid_sampler_2d",
    "grid_sampler_3d",
]

_BAG_MODES = {0: "sum", 1: "mean", 2: "max"}


def embedding_bag(
    weight: Tensor,
    indices: Tensor,
    offsets: Tensor,
    scale_grad_by_freq: bool = False,
    mode: int = 0,
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """:func:`arraygrad.nn.functional.embedding_bag` with the weight first, 1-D ``indices``,
    ``mode`` a number (0: sum, 1: mean, 2: max) and PyTorch's four results: ``(output,
    offset2bag, bag_size, max_indices)``. ``offset2bag`` is each index's bag (empty in sum mode
    for a float32 or float16 table without ``padding_idx``, as PyTorch's fast path leaves it),
    ``bag_size`` each bag's count of indices other than ``padding_idx`` (zeros in sum mode),
    ``max_indices`` in max mode the row each maximum came from (0 for an empty bag), in mean
    mode the bag sizes again, in sum mode zeros. A negative ``padding_idx`` counts from the
    end (None: no padding row).

    >>> import arraygrad
    >>> weight = arraygrad.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> out, _, size, _ = embedding_bag(
    ...     weight, arraygrad.tensor([0, 1, 2]), arraygrad.tensor([0, 2]), mode=1)
    >>> out.tolist(), size.tolist()
    ([[2.0, 3.0], [5.0, 6.0]], [2, 1])
    """
    if mode not in _BAG_MODES:
        raise RuntimeError("`mode` must be sum, mean, or max.")
    name = _BAG_MODES[mode]
    if per_sample_weights is not None and name != "sum":
        raise RuntimeError("embedding_bag: per_sample_weights only supported with mode='sum'")
    if indices.ndim != 1:
        raise RuntimeError(
            f"embedding_bag: expected 1-D indices, but got indices of shape "
            f"{list(indices.shape)}. Fix: flatten them and give each bag's start in offsets "
            "(nn.functional.embedding_bag takes 2-D bags)."
        )
    output = _functional.embedding_bag(
        indices,
        weight,
        offsets,
        scale_grad_by_freq=scale_grad_by_freq,
        mode=name,
        sparse=sparse,
        per_sample_weights=per_sample_weights,
        include_last_offset=include_last_offset,
        padding_idx=padding_idx,
    )
    # The bookkeeping results: integers outside the graph (computed on the host).
    rows = weight.shape[0]
    padding = None if padding_idx is None else padding_idx % rows
    fast_sum = name == "sum" and padding is None and weight.dtype.name in ("float32", "float16")
    table = weight.detach()._data if name == "max" else None
    offset2bag, bag_size, max_indices = _backend.bag_bookkeeping(
        indices._data, offsets._data, output.shape[0], name, padding, include_last_offset, table
    )
    if fast_sum:  # PyTorch's fast path leaves offset2bag empty
        offset2bag = _backend.xp.zeros((0,), dtype=offset2bag.dtype)
    wrap = Tensor._wrap
    return output, wrap(offset2bag), wrap(bag_size), wrap(max_indices)


_SAMPLING_MODES = {0: "bilinear", 1: "nearest", 2: "bicubic"}
_SAMPLING_PADDINGS = {0: "zeros", 1: "border", 2: "reflection"}


def grid_sampler(
    input: Tensor,
    grid: Tensor,
    interpolation_mode: int,
    padding_mode: int,
    align_corners: bool,
) -> Tensor:
    """:func:`arraygrad.nn.functional.grid_sample` with the modes as numbers:
    ``interpolation_mode`` 0 bilinear, 1 nearest, 2 bicubic; ``padding_mode`` 0 zeros,
    1 border, 2 reflection.

    ``grid (N, H_out, W_out, 2)`` holds ``(x, y)`` in [-1, 1] (the corner pixels' centres with
    ``align_corners=True``, their outer edges without); input ``(N, C, H, W)`` gives
    ``(N, C, H_out, W_out)``, and 5-D volumes likewise.

    >>> import arraygrad
    >>> image = arraygrad.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> grid = arraygrad.tensor([[[[0.0, 0.0], [-1.0, -1.0]]]])
    >>> arraygrad.grid_sampler(image, grid, 0, 0, True)
    tensor([[[[2.5000, 1.0000]]]])
    >>> arraygrad.grid_sampler(image, grid, 0, 0, False)
    tensor([[[[2.5000, 0.2500]]]])
    """
    if interpolation_mode not in _SAMPLING_MODES or padding_mode not in _SAMPLING_PADDINGS:
        # PyTorch computes something for other numbers; arraygrad says what they may be.
        raise RuntimeError(
            f"grid_sampler(): interpolation_mode {interpolation_mode} or padding_mode "
            f"{padding_mode} is not valid. Fix: interpolation_mode 0 (bilinear), 1 (nearest) "
            "or 2 (bicubic); padding_mode 0 (zeros), 1 (border) or 2 (reflection)."
        )
    if input.ndim == 5 and interpolation_mode == 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    return _functional.grid_sample(
        input,
        grid,
        _SAMPLING_MODES[interpolation_mode],
        _SAMPLING_PADDINGS[padding_mode],
        align_corners,
    )


def _require_rank(input: Tensor, grid: Tensor, rank: int) -> None:
    if input.ndim != rank or grid.ndim != rank:
        raise RuntimeError(
            f"grid_sampler(): expected {rank}D input and grid with same number of dimensions, "
            f"but got input with sizes {list(input.shape)} and grid with sizes "
            f"{list(grid.shape)}"
        )


def grid_sampler_2d(
    input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int, align_corners: bool
) -> Tensor:
    """:func:`grid_sampler` of an image ``(N, C, H, W)`` only.

    With ``padding_mode`` 1 (border), points outside [-1, 1] take the nearest edge value.

    >>> import arraygrad
    >>> image = arraygrad.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> grid = arraygrad.tensor([[[[1.0, -1.0], [2.0, 0.0]]]])
    >>> arraygrad.grid_sampler_2d(image, grid, 0, 1, True)
    tensor([[[[2., 3.]]]])
    """
    _require_rank(input, grid, 4)
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


def grid_sampler_3d(
    input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int, align_corners: bool
) -> Tensor:
    """:func:`grid_sampler` of a volume ``(N, C, D, H, W)`` only (no bicubic mode).

    ``grid (N, D_out, H_out, W_out, 3)`` holds ``(x, y, z)`` points in [-1, 1].

    >>> import arraygrad
    >>> volume = arraygrad.arange(8.0).reshape(1, 1, 2, 2, 2)
    >>> arraygrad.grid_sampler_3d(volume, arraygrad.zeros(1, 1, 1, 1, 3), 0, 0, True)
    tensor([[[[[3.5000]]]]])
    """
    _require_rank(input, grid, 5)
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


def affine_grid_generator(theta: Tensor, size: Any, align_corners: bool) -> Tensor:
    """:func:`arraygrad.nn.functional.affine_grid` with ``align_corners`` required.

    For ``theta (N, 2, 3)`` and ``size (N, C, H, W)``: the ``(N, H, W, 2)`` points
    ``theta @ (x, y, 1)`` of the normalised output coordinates ``x, y`` in [-1, 1].

    >>> import arraygrad
    >>> theta = arraygrad.tensor([[[2.0, 0.0, 0.0], [0.0, 1.0, 0.5]]])
    >>> arraygrad.affine_grid_generator(theta, [1, 1, 2, 2], False)
    tensor([[[[-1.,  0.],
              [ 1.,  0.]],
    <BLANKLINE>
             [[-1.,  1.],
              [ 1.,  1.]]]])
    """
    # (PyTorch's kernel does not warn of unit-size grids with align_corners, as affine_grid does)
    return _grid_sampling.affine_grid_points(theta, size, align_corners)
