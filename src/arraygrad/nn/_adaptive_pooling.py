"""Adaptive pooling in 1 to 3 dimensions: windows chosen to give a requested output size.

It is separate from :mod:`arraygrad.nn._pooling` (fixed windows) because its windows are
uneven: window ``i`` of ``size`` spans ``[floor(i size / out), ceil((i + 1) size / out))``.
Adaptive average pooling sums each window's gathered elements, one axis at a time; adaptive
max pooling gathers its windows padded to one length and picks PyTorch's element of each, as max
pooling does (``window_pick``).
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend, _dtype, _indexing, _shape, ops
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor
from arraygrad.nn._common import constant
from arraygrad.nn._pooling import batched_planes, check_float_planes, check_planes, window_pick

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d",
    "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d",
    "adaptive_max_pool3d_with_indices",
]


def _window_sums(input: Tensor, axis: int, size: int, out: int) -> tuple[Tensor, Any]:
    """The sum of each of PyTorch's adaptive windows of ``size`` along ``axis`` (window ``i``
    is ``[floor(i * size / out), ceil((i + 1) * size / out))``), and the windows' lengths (a
    raw array of ``input``'s dtype).

    Each window's own elements are summed, never an averaging matmul's: that would also
    multiply every element outside a window by 0, and an inf or nan there (0 * inf is nan)
    would spoil every window of its row. Windows that tile the axis are a reshape; uneven
    ones (neighbours may share an element) are gathered at once, padded to the longest."""
    xp = _backend.xp
    shape = tuple(input.shape)
    if out and size % out == 0:
        width = size // out
        tiles = ops.reshape(input, shape=shape[:axis] + (out, width) + shape[axis + 1 :])
        total = ops.sum(tiles, axis=(axis + 1,))
        return total, xp.full((out,), width, dtype=input._data.dtype)
    positions, real = _adaptive_windows(size, out)
    longest = int(positions.shape[1])
    if not bool(xp.all(real)):
        # A shorter window is padded with a zero appended to the axis (not masked: a mask
        # over the gathered windows costs more than the one zero slice)
        zero = constant(xp.zeros(shape[:axis] + (1,) + shape[axis + 1 :], dtype=input._data.dtype))
        input = ops.concat(input, zero, axis=axis)
        positions = xp.where(real, positions, size)
    # One gather, the windows' first elements first: summed over that outer axis, NumPy adds
    # whole slabs in turn (fast, and in each window's order, as PyTorch's loop).
    gathered = ops.take(input, xp.reshape(xp.permute_dims(positions, (1, 0)), (-1,)), axis=axis)
    windows = ops.reshape(gathered, shape=shape[:axis] + (longest, out) + shape[axis + 1 :])
    lengths = xp.astype(xp.sum(xp.astype(real, xp.int64), axis=1), input._data.dtype)
    return ops.sum(windows, axis=(axis,)), lengths


def _check_output_rank(input: Tensor, output_size: Any, n: int, name: str) -> None:
    """PyTorch's checks of ``output_size`` before the kernel's: its Python wrapper of the 2-d
    and 3-d adaptive poolings refuses ``None`` (it takes the length of the sizes) and a
    sequence of output sizes as long as the input's dimensions, first and as a ValueError (an
    int size goes on to the kernel's checks); the 1-d ones go straight to the kernel, whose
    sizes must be ints (no ``None`` keeping a size)."""
    if n == 1 and (
        output_size is None
        or (isinstance(output_size, (list, tuple)) and any(t is None for t in output_size))
    ):
        raise TypeError(
            f"{name}(): argument 'output_size' (position 2) must be tuple of ints, not None. "
            f"Fix: pass the output length as an int; {name} has no None keeping a size."
        )
    if output_size is None:
        raise TypeError(
            f"object of type 'NoneType' has no len(): {name}'s output_size must be an int or "
            f"{n} sizes. Fix: pass (None,) * {n} to keep every size."
        )
    if n > 1 and isinstance(output_size, (list, tuple)) and len(output_size) >= input.ndim:
        raise ValueError(
            f"Input dimension should be at least {len(output_size) + 1}. Fix: pass {n} output "
            f"sizes for input of shape {list(input.shape)}."
        )


def _all_ones(output_size: Any, sizes: tuple[int, ...]) -> bool:
    """Whether ``output_size`` (an int, or sizes with ``None`` keeping the input's) asks for
    one element along each of the input's last ``sizes``."""
    if isinstance(output_size, int):
        return output_size == 1
    if len(output_size) != len(sizes):
        return False
    return all((size if t is None else t) == 1 for t, size in zip(output_size, sizes, strict=True))


# The names of PyTorch's nodes for the pooled results (its 1-d adaptive pooling is the 2-d one
# of the input unsqueezed, then squeezed).
_AVG_LABELS = {
    1: "SqueezeBackward1",
    2: "AdaptiveAvgPool2DBackward0",
    3: "AdaptiveAvgPool3DBackward0",
}
_MAX_LABELS = {
    1: "SqueezeBackward1",
    2: "AdaptiveMaxPool2DBackward0",
    3: "AdaptiveMaxPool3DBackward0",
}


def _adaptive_avg_pool(input: Tensor, output_size: Any, n: int) -> Tensor:
    name = f"adaptive_avg_pool{n}d"
    _check_output_rank(input, output_size, n, name)
    if n == 1:  # (checked before its 2-d pooling runs)
        check_planes(input, n, name)
    if input.ndim >= n and _all_ones(output_size, tuple(input.shape[input.ndim - n :])):
        # PyTorch's shortcut: an output of ones is the mean over the pooled dimensions,
        # whatever the number of leading dimensions, none included (nan over an empty one)
        mean = input.mean(tuple(range(input.ndim - n, input.ndim)), keepdim=True)
        return labelled(mean, _AVG_LABELS[1]) if n == 1 else mean
    if n > 1 and input.ndim < n and output_size in (1, (1,) * n):
        # (the same shortcut, in PyTorch, asks for dimensions the input does not have)
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-max(input.ndim, 1)}, "
            f"{max(input.ndim, 1) - 1}], but got {-n}): {name} pools the last {n} "
            f"dimensions, and the input has shape {list(input.shape)}. Fix: give it a "
            f"channel dimension and {n} spatial ones."
        )
    kernel = "adaptive_avg_pool3d_cpu" if n == 3 else "adaptive_avg_pool2d"
    input, _ = batched_planes(input, n, name, kernel)
    if isinstance(output_size, int):
        output_size = (output_size,) * n
    sizes = tuple(input.shape[input.ndim - n :])
    if len(output_size) != n:
        raise RuntimeError(
            f"{name}: output_size must be {n} sizes (an int, or a sequence of {n} ints or None), "
            f"but got {list(output_size)}. Fix: pass an int or {n} sizes."
        )
    targets = [size if t is None else int(t) for t, size in zip(output_size, sizes, strict=True)]
    # A size of 0 is allowed, as in PyTorch: the output is empty along that dimension.
    if any(t < 0 for t in targets):
        raise RuntimeError(
            f"{name}: elements of output_size must be greater than or equal to 0 but received "
            f"{list(output_size)}. Fix: pass sizes >= 0 (None keeps the input's size)."
        )
    if any(size == 0 for size in sizes):
        raise RuntimeError(
            f"{name}: Expected input to have non-zero size for non-batch dimensions, but input "
            f"has sizes {list(input.shape)} with an empty dimension"
            ". Fix: pass an input whose non-batch dimensions are all at least 1."
        )
    reduced = input.dtype in _dtype.REDUCED_FLOATS
    # Half and bfloat16 are pooled in float32, as PyTorch's 1-d and 2-d kernels accumulate
    # them (its opmath type): sums in half would round every partial sum. (Its 3-d kernel
    # sums in half and divides by each window length in turn, rounding each time; float32 is
    # closer to the true mean, within that rounding of torch's.)
    out = input.float() if reduced else input
    xp = _backend.xp
    # Sum each window as PyTorch does, then divide by its size (weights of 1 / len(window)
    # would round differently): along the last axis, then the next, and so on, while the
    # window sizes multiply into ``counts``.
    counts = None
    for i in reversed(range(n)):
        out, lengths = _window_sums(out, input.ndim - n + i, sizes[i], targets[i])
        if i == n - 1:
            counts = lengths
        else:
            counts = xp.multiply(xp.reshape(lengths, (-1,) + (1,) * (n - 1 - i)), counts)
    out = ops.divide(out, constant(counts))
    if reduced:
        out = out.to(input.dtype)
    return labelled(out, _AVG_LABELS[n])


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling of the last dimension to ``output_size`` (PyTorch's window rule).

    Output ``i`` of a length-``L`` input averages positions ``floor(i L / out)`` to
    ``ceil((i + 1) L / out) - 1``. ``(N, C, L)`` or ``(C, L)`` to ``(N, C, output_size)``.

    >>> import arraygrad
    >>> F = arraygrad.nn.functional
    >>> F.adaptive_avg_pool1d(arraygrad.tensor([[1.0, 2.0, 3.0, 4.0, 5.0]]), 2)
    tensor([[2., 4.]])
    """
    return _adaptive_avg_pool(input, output_size, 1)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling of the last two dimensions to ``output_size`` (int, pair, ``None`` keeps
    a size). Window ``i`` of ``size`` spans ``[floor(i size / out), ceil((i + 1) size / out))``.

    >>> import arraygrad
    >>> adaptive_avg_pool2d(arraygrad.arange(16.0).reshape(1, 4, 4), 1).tolist()
    [[[7.5]]]
    """
    return _adaptive_avg_pool(input, output_size, 2)


def _adaptive_windows(size: int, out: int) -> tuple[Any, Any]:
    """Positions ``(out, L)`` of PyTorch's adaptive windows of ``size`` (``L`` the longest
    window; shorter ones repeat their last position) and which of them are real."""
    xp = _backend.xp
    rows = xp.arange(out)
    starts = (rows * size) // out
    ends = -((-(rows + 1) * size) // out)
    longest = int(xp.max(ends - starts)) if out else 1
    positions = starts[:, None] + xp.reshape(xp.arange(longest), (1, longest))
    real = positions < ends[:, None]
    return xp.where(real, positions, (ends - 1)[:, None]), real


def _adaptive_max_pool(input: Tensor, output_size: Any, n: int) -> tuple[Tensor, Tensor]:
    name = f"adaptive_max_pool{n}d"
    _check_output_rank(input, output_size, n, name)
    check_float_planes(
        input, n, name, "adaptive_max_pool3d_cpu" if n == 3 else "adaptive_max_pool2d"
    )
    if isinstance(output_size, int):
        output_size = (output_size,) * n
    output_size = tuple(output_size)
    if len(output_size) != n:
        raise RuntimeError(
            f"{name}() argument 'output_size' should contain {n} ints (got {len(output_size)})."
            f" Fix: pass an int or {n} sizes."
        )
    lead = input.ndim - n
    sizes = tuple(input.shape[lead:])
    # PyTorch lets the first dimension be empty, even of an unbatched input
    for axis in range(1, input.ndim):
        if input.shape[axis] == 0:
            raise RuntimeError(
                f"{name}(): Expected input to have non-zero size for non-batch dimensions, but "
                f"input has sizes {list(input.shape)} with dimension {axis} being empty"
                ". Fix: pass an input whose non-batch dimensions are all at least 1."
            )
    targets = tuple(
        size if t is None else int(t) for t, size in zip(output_size, sizes, strict=True)
    )
    if any(t < 0 for t in targets):
        raise RuntimeError(
            f"{name}(): output_size must be non-negative, but got {list(targets)}. Fix: pass "
            "sizes >= 0 (None keeps the input's size)."
        )
    xp = _backend.xp
    # Flat positions in the input plane of every window element, (*targets, *longest), in
    # row-major window order: the order in which PyTorch scans a window.
    flat = xp.zeros((), dtype=xp.int64)
    real = xp.ones((), dtype=xp.bool)
    stride = 1
    windows = []
    for i in reversed(range(n)):
        positions, inside = _adaptive_windows(sizes[i], targets[i])
        windows.append((i, positions, inside, stride))
        stride *= sizes[i]
    shape = targets + tuple(int(w[1].shape[1]) for w in sorted(windows, key=lambda w: w[0]))
    for i, positions, inside, step in windows:
        axes = [1] * (2 * n)
        axes[i], axes[n + i] = positions.shape
        flat = flat + xp.reshape(positions * step, tuple(axes))
        real = real & xp.reshape(inside, tuple(axes))
    flat = xp.broadcast_to(flat, shape)
    real = xp.broadcast_to(real, shape)
    count, longest = math.prod(targets), math.prod(shape[n:])
    plane = _shape.reshape(input, tuple(input.shape[:lead]) + (math.prod(sizes),))
    gathered = ops.take(plane, xp.reshape(flat, (-1,)), axis=lead)
    gathered = _shape.reshape(gathered, tuple(input.shape[:lead]) + (count, longest))
    # The padding elements repeat real ones: -inf there, so they never win over them.
    mask = xp.reshape(real, (count, longest))
    data = xp.where(mask, gathered._data, -xp.inf)
    pick = window_pick(data)
    values = _indexing.take_along(gathered, pick, lead + 1)
    out_shape = tuple(input.shape[:lead]) + targets
    rows = xp.reshape(xp.arange(count), (count, 1)) * longest
    indices = xp.take(xp.reshape(flat, (-1,)), xp.reshape(xp.add(rows, pick), (-1,)))
    return (
        labelled(_shape.reshape(values, out_shape), _MAX_LABELS[n]),
        constant(xp.astype(xp.reshape(indices, out_shape), _dtype.to_xp(_dtype.int64))),
    )


def adaptive_max_pool1d_with_indices(
    input: Tensor, output_size: Any, return_indices: bool = False
) -> tuple[Tensor, Tensor]:
    """:func:`adaptive_max_pool1d` and the index of each maximum along the last dimension.

    Returns ``(values, indices)`` whatever ``return_indices`` says; ties pick the first maximum.

    >>> import arraygrad
    >>> F = arraygrad.nn.functional
    >>> F.adaptive_max_pool1d_with_indices(arraygrad.tensor([[1.0, 5.0, 3.0, 4.0, 2.0]]), 2)
    (tensor([[5., 4.]]), tensor([[1, 3]]))
    """
    return _adaptive_max_pool(input, output_size, 1)


def adaptive_max_pool2d_with_indices(
    input: Tensor, output_size: Any, return_indices: bool = False
) -> tuple[Tensor, Tensor]:
    """:func:`adaptive_max_pool2d` and the index of each maximum in the flattened plane.

    Returns ``(values, indices)`` whatever ``return_indices`` says; index ``h * W + w``.

    >>> import arraygrad
    >>> F = arraygrad.nn.functional
    >>> F.adaptive_max_pool2d_with_indices(arraygrad.arange(16.0).reshape(1, 4, 4), 2)[1]
    tensor([[[ 5,  7],
             [13, 15]]])
    """
    return _adaptive_max_pool(input, output_size, 2)


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling of the last dimension to ``output_size`` (see :func:`adaptive_max_pool2d`).

    Output ``i`` is the maximum of positions ``floor(i L / out)`` to
    ``ceil((i + 1) L / out) - 1``; the gradient goes to the first maximum of each window.
    ``(N, C, L)`` or ``(C, L)`` to ``(N, C, output_size)``.

    >>> import arraygrad
    >>> F = arraygrad.nn.functional
    >>> F.adaptive_max_pool1d(arraygrad.tensor([[1.0, 5.0, 3.0, 4.0, 2.0]]), 2)
    tensor([[5., 4.]])
    """
    values, indices = _adaptive_max_pool(input, output_size, 1)
    return (values, indices) if return_indices else values


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """The maximum of each adaptive window of the last two dimensions, chosen to give
    ``output_size`` (int, pair, ``None`` keeps a size): window ``i`` of ``size`` spans
    ``[floor(i size / out), ceil((i + 1) size / out))``.

    The gradient goes to the element PyTorch picks: a window's first maximum, or its last NaN.
    With ``return_indices=True`` also returns each pick's index in the flattened plane.

    >>> import arraygrad
    >>> adaptive_max_pool2d(arraygrad.arange(16.0).reshape(1, 4, 4), 2).tolist()
    [[[5.0, 7.0], [13.0, 15.0]]]
    """
    values, indices = _adaptive_max_pool(input, output_size, 2)
    return (values, indices) if return_indices else values


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling of the last three dimensions to ``output_size`` (see
    :func:`adaptive_avg_pool2d`).

    >>> import arraygrad
    >>> adaptive_avg_pool3d(arraygrad.arange(8.0).reshape(1, 2, 2, 2), 1).tolist()
    [[[[3.5]]]]
    """
    return _adaptive_avg_pool(input, output_size, 3)


def adaptive_max_pool3d_with_indices(
    input: Tensor, output_size: Any, return_indices: bool = False
) -> tuple[Tensor, Tensor]:
    """:func:`adaptive_max_pool3d` and the index of each maximum in the flattened volume.

    Returns ``(values, indices)`` whatever ``return_indices`` says; index ``(d H + h) W + w``.

    >>> import arraygrad
    >>> F = arraygrad.nn.functional
    >>> F.adaptive_max_pool3d_with_indices(arraygrad.arange(8.0).reshape(1, 2, 2, 2), 1)
    (tensor([[[[7.]]]]), tensor([[[[7]]]]))
    """
    return _adaptive_max_pool(input, output_size, 3)


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling of the last three dimensions to ``output_size`` (see
    :func:`adaptive_max_pool2d`).

    >>> import arraygrad
    >>> adaptive_max_pool3d(arraygrad.arange(8.0).reshape(1, 2, 2, 2), (1, 1, 2)).tolist()
    [[[[6.0, 7.0]]]]
    """
    values, indices = _adaptive_max_pool(input, output_size, 3)
    return (values, indices) if return_indices else values
