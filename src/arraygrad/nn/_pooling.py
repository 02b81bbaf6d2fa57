"""Pooling in 1 to 3 dimensions: max and average over sliding windows, and adaptive pooling.

Max pooling is its own primitive (``ops.max_pool``): the maximum of each window, with the
gradient going to the element PyTorch picks (the window's first maximum, or its last NaN)
alone. Average pooling gathers the windows once with the ``sliding_windows`` primitive (im2col),
sums each window and divides by the count PyTorch uses. Adaptive average pooling is one matmul
per axis with a constant averaging matrix; adaptive max pooling gathers its (uneven) windows
padded to one length and picks PyTorch's element of each.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend, _dtype, _indexing, _linalg, _reduction, _shape, ops
from arraygrad._dims import normalize_dim
from arraygrad._tensor import Tensor
from arraygrad.nn._common import constant, ntuple
from arraygrad.nn._padding import pad as _pad

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
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "max_pool1d",
    "max_pool1d_with_indices",
    "max_pool2d",
    "max_pool2d_with_indices",
    "max_pool3d",
    "max_pool3d_with_indices",
]


class _Geometry:
    """Kernel, stride, padding, dilation and output size of one pooling call."""

    def __init__(
        self,
        input: Tensor,
        n: int,
        name: str,
        kernel_size: Any,
        stride: Any,
        padding: Any,
        dilation: Any,
        ceil_mode: bool,
    ) -> None:
        self.kernel = ntuple(kernel_size, n, "kernel_size")
        empty = stride is None or (not isinstance(stride, int) and len(stride) == 0)
        self.stride = self.kernel if empty else ntuple(stride, n, "stride")
        self.padding = ntuple(padding, n, "padding")
        self.dilation = ntuple(dilation, n, "dilation")
        if any(v <= 0 for v in self.kernel + self.stride + self.dilation):
            raise RuntimeError(
                f"{name}: kernel_size, stride and dilation must be greater than zero, but got "
                f"kernel_size={list(self.kernel)}, stride={list(self.stride)}, "
                f"dilation={list(self.dilation)}"
            )
        spans = [d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation, strict=True)]
        # PyTorch bounds the padding by half the kernel size, the dilation left out.
        for p, k in zip(self.padding, self.kernel, strict=True):
            if p < 0 or p > k // 2:
                raise RuntimeError(
                    f"{name}: pad should be at most half of kernel size, but got pad={p}, "
                    f"kernel_size={k} and dilation={self.dilation[0]}"
                )
        sizes = tuple(input.shape[input.ndim - n :])
        self.out = []
        self.right = []  # padding after the input: `padding`, or more for ceil_mode
        for size, s, p, span in zip(sizes, self.stride, self.padding, spans, strict=True):
            room = size + 2 * p - span
            # floor division is PyTorch's div_rtn: with ceil_mode an input smaller than the
            # window still gives a window that overhangs into the padding
            out = (room + (s - 1 if ceil_mode else 0)) // s + 1
            if ceil_mode and out > 0 and (out - 1) * s >= size + p:
                out -= 1  # the last window must start inside the input or its left padding
            if out <= 0:
                raise RuntimeError(
                    f"{name}: Given input size: ({'x'.join(map(str, input.shape[1:]))}). "
                    f"Calculated output size is too small (kernel_size={list(self.kernel)}, "
                    f"padding={list(self.padding)}, dilation={list(self.dilation)}). Fix: use a "
                    "smaller kernel or more padding."
                )
            self.out.append(out)
            self.right.append(max(p, (out - 1) * s + span - size - p))
        self.sizes = sizes

    def windows(self, input: Tensor, value: float) -> Tensor:
        """The padded input's windows, ``(..., prod(kernel), *out)``."""
        flat = [size for pair in zip(self.padding, self.right, strict=True) for size in pair]
        pads = []
        for i in reversed(range(len(self.kernel))):
            pads += [flat[2 * i], flat[2 * i + 1]]
        if any(pads):
            input = _pad(input, pads, value=value)
        cols = ops.sliding_windows(
            input, kernel=self.kernel, stride=self.stride, dilation=self.dilation
        )
        lead = tuple(cols.shape[: cols.ndim - 2 * len(self.kernel)])
        return ops.reshape(cols, shape=lead + (math.prod(self.kernel),) + tuple(self.out))


def _batched(input: Tensor, n: int, name: str) -> tuple[Tensor, bool]:
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(
            f"{name}: Expected {n + 1}D or {n + 2}D (batch mode) tensor for input, but got "
            f"input of shape {list(input.shape)}"
        )
    if not input.dtype.is_floating_point:
        raise RuntimeError(f'"{name}" not implemented for {input.dtype.name} input; use .float()')
    return input, input.ndim == n + 1


def check_float_planes(input: Tensor, n: int, name: str) -> None:
    """PyTorch's checks of adaptive max and fractional max pooling: ``n`` pooled dimensions
    after an optional batch one and the channels, and a floating-point dtype."""
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(
            f"{name}(): Expected {n + 1}D or {n + 2}D tensor, but got: {list(input.shape)}"
        )
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"{name}\" not implemented for '{_dtype.torch_type_name(input.dtype)}'. Fix: "
            "convert the input with .float()."
        )


def _max_pool(
    input: Tensor,
    n: int,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    return_indices: bool,
) -> Any:
    name = f"max_pool{n}d"
    input, _ = _batched(input, n, name)
    geometry = _Geometry(input, n, name, kernel_size, stride, padding, dilation, ceil_mode)
    window = {
        "kernel": geometry.kernel,
        "stride": geometry.stride,
        "padding": geometry.padding,
        "dilation": geometry.dilation,
    }
    out = ops.max_pool(input, output_size=tuple(geometry.out), **window)
    if not return_indices:
        return out
    return out, ops.max_pool_indices(input, out, **window)


def _avg_pool(
    input: Tensor,
    n: int,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    ceil_mode: bool,
    count_include_pad: bool,
    divisor_override: int | None,
) -> Tensor:
    name = f"avg_pool{n}d"
    if n == 2 and input.ndim < 3:
        # PyTorch's 2-d average pooling reads the channels (dimension -3) before any check
        if input.ndim == 0:
            raise IndexError("Dimension specified as -3 but tensor has no dimensions")
        normalize_dim(-3, input.ndim)
    input, _ = _batched(input, n, name)
    geometry = _Geometry(input, n, name, kernel_size, stride, padding, 1, ceil_mode)
    if n == 3 and any(size < k for size, k in zip(geometry.sizes, geometry.kernel, strict=True)):
        # PyTorch's 3-D average pooling alone checks the input without its padding
        (t, h, w), (kt, kh, kw) = geometry.sizes, geometry.kernel
        raise RuntimeError(
            f"input image (T: {t} H: {h} W: {w}) smaller than kernel size (kT: {kt} kH: {kh} "
            f"kW: {kw}). Fix: use a smaller kernel or a larger input."
        )
    windows = geometry.windows(input, 0.0)
    sums = _reduction.sum(windows, windows.ndim - n - 1)
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError(f"{name}: divisor must be not zero")
        return sums / divisor_override
    # The divisor of each window counts the places PyTorch counts: the input and its declared
    # padding (count_include_pad) or the input alone, never the extra ceil_mode padding.
    # Namespace calls, not operators on raw arrays: arraygrad.compile records the former.
    xp = _backend.xp
    mask = xp.ones((), dtype=input._data.dtype)
    for i, (size, p, right) in enumerate(
        zip(geometry.sizes, geometry.padding, geometry.right, strict=True)
    ):
        positions = xp.arange(p + size + right)
        lo, hi = (0, size + 2 * p) if count_include_pad else (p, p + size)
        inside = xp.logical_and(xp.greater_equal(positions, lo), xp.less(positions, hi))
        shape = [1] * n
        shape[i] = p + size + right
        mask = xp.multiply(mask, xp.reshape(xp.astype(inside, input._data.dtype), tuple(shape)))
    counts = xp.sliding_windows(mask, geometry.kernel, geometry.stride, geometry.dilation)
    counts = xp.sum(xp.reshape(counts, (-1,) + tuple(geometry.out)), axis=0)
    return sums / constant(counts)


def max_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """The maximum of each window of the last dimension (see :func:`max_pool2d`)."""
    return _max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """The maximum of each ``kernel_size`` window of the last two dimensions.

    ``stride`` defaults to ``kernel_size``; padding is ``-inf`` (at most half the kernel). The
    gradient goes to the first maximum of each window, as in PyTorch. With
    ``return_indices=True`` also returns each maximum's index in the flattened input plane.

    >>> import arraygrad
    >>> max_pool2d(arraygrad.arange(16.0).reshape(1, 4, 4), 2).tolist()
    [[[5.0, 7.0], [13.0, 15.0]]]
    """
    return _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def avg_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """The mean of each window of the last dimension (see :func:`avg_pool2d`)."""
    return _avg_pool(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean of each ``kernel_size`` window of the last two dimensions.

    Zero padding counts in the divisor when ``count_include_pad``; ``divisor_override`` replaces
    the divisor altogether.

    >>> import arraygrad
    >>> avg_pool2d(arraygrad.arange(16.0).reshape(1, 4, 4), 2).tolist()
    [[[2.5, 4.5], [10.5, 12.5]]]
    """
    return _avg_pool(
        input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )


def _averaging_matrix(size: int, out: int, dtype: Any) -> Tensor:
    """``A[i, j] = 1 / len(window i)`` for ``j`` in PyTorch's adaptive window ``i`` of ``size``:
    ``[floor(i * size / out), ceil((i + 1) * size / out))``."""
    # Namespace calls, not operators on raw arrays: arraygrad.compile records the former.
    xp = _backend.xp
    rows = xp.reshape(xp.arange(out), (out, 1))
    starts = xp.floor_divide(xp.multiply(rows, size), out)
    ends = xp.negative(xp.floor_divide(xp.multiply(xp.negative(xp.add(rows, 1)), size), out))
    columns = xp.reshape(xp.arange(size), (1, size))
    inside = xp.logical_and(xp.greater_equal(columns, starts), xp.less(columns, ends))
    lengths = xp.astype(xp.subtract(ends, starts), dtype)
    return constant(xp.divide(xp.astype(inside, dtype), lengths))


def _check_output_rank(input: Tensor, output_size: Any, n: int) -> None:
    """PyTorch's Python wrapper of the 2-d and 3-d adaptive poolings refuses a sequence of
    output sizes as long as the input's dimensions, first and as a ValueError (an int size
    goes on to the kernel's checks)."""
    if isinstance(output_size, (list, tuple)) and len(output_size) >= input.ndim:
        raise ValueError(
            f"Input dimension should be at least {len(output_size) + 1}. Fix: pass {n} output "
            f"sizes for input of shape {list(input.shape)}."
        )


def _adaptive_avg_pool(input: Tensor, output_size: Any, n: int) -> Tensor:
    name = f"adaptive_avg_pool{n}d"
    if n > 1:
        _check_output_rank(input, output_size, n)
    input, _ = _batched(input, n, name)
    if isinstance(output_size, int) or output_size is None:
        output_size = (output_size,) * n
    sizes = tuple(input.shape[input.ndim - n :])
    if len(output_size) != n:
        raise RuntimeError(
            f"{name}: output_size must be {n} sizes (an int, or a sequence of {n} ints or None), "
            f"but got {list(output_size)}"
        )
    targets = [size if t is None else int(t) for t, size in zip(output_size, sizes, strict=True)]
    # A size of 0 is allowed, as in PyTorch: the output is empty along that dimension.
    if any(t < 0 for t in targets):
        raise RuntimeError(
            f"{name}: elements of output_size must be greater than or equal to 0 but received "
            f"{list(output_size)}"
        )
    if any(size == 0 for size in sizes):
        raise RuntimeError(
            f"{name}: Expected input to have non-zero size for non-batch dimensions, but input "
            f"has sizes {list(input.shape)} with an empty dimension"
        )
    dtype = input._data.dtype
    out = input
    # Pool the last axis with x @ A.T, then move the next axis last, and so on.
    for i in reversed(range(n)):
        matrix = _averaging_matrix(sizes[i], targets[i], dtype)
        if i == n - 1:
            out = _linalg.matmul(out, _shape.t(matrix))
        else:
            axis = input.ndim - n + i
            out = _shape.transpose(
                _linalg.matmul(matrix, _shape.transpose(out, axis, -2)), axis, -2
            )
    return out


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling of the last dimension to ``output_size`` (PyTorch's window rule)."""
    return _adaptive_avg_pool(input, output_size, 1)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average pooling of the last two dimensions to ``output_size`` (int, pair, ``None`` keeps
    a size). Window ``i`` of ``size`` spans ``[floor(i size / out), ceil((i + 1) size / out))``.

    >>> import arraygrad
    >>> adaptive_avg_pool2d(arraygrad.arange(16.0).reshape(1, 4, 4), 1).tolist()
    [[[7.5]]]
    """
    return _adaptive_avg_pool(input, output_size, 2)


def max_pool1d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """:func:`max_pool1d` with ``return_indices=True``: ``(values, indices)``."""
    values, indices = _max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode, True)
    return values, indices


def max_pool2d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """:func:`max_pool2d` with ``return_indices=True``: ``(values, indices)``, each index into
    the flattened input plane.

    >>> import arraygrad
    >>> max_pool2d_with_indices(arraygrad.arange(4.0).reshape(1, 2, 2), 2)[1].tolist()
    [[[3]]]
    """
    values, indices = _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, True)
    return values, indices


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
    if n > 1:
        _check_output_rank(input, output_size, n)
    check_float_planes(input, n, name)
    if isinstance(output_size, int) or output_size is None:
        output_size = (output_size,) * n
    output_size = tuple(output_size)
    if len(output_size) != n:
        raise RuntimeError(
            f"{name}() argument 'output_size' should contain {n} ints (got {len(output_size)})"
        )
    lead = input.ndim - n
    sizes = tuple(input.shape[lead:])
    # PyTorch lets the first dimension be empty, even of an unbatched input
    for axis in range(1, input.ndim):
        if input.shape[axis] == 0:
            raise RuntimeError(
                f"{name}(): Expected input to have non-zero size for non-batch dimensions, but "
                f"input has sizes {list(input.shape)} with dimension {axis} being empty"
            )
    targets = tuple(
        size if t is None else int(t) for t, size in zip(output_size, sizes, strict=True)
    )
    if any(t < 0 for t in targets):
        raise RuntimeError(f"{name}(): output_size must be non-negative, but got {list(targets)}")
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
        _shape.reshape(values, out_shape),
        constant(xp.astype(xp.reshape(indices, out_shape), _dtype.to_xp(_dtype.int64))),
    )


def window_pick(data: Any) -> Any:
    """PyTorch's max-pooling pick in each window (the last axis of the raw array ``data``): the
    position of its last NaN if it has one, else of its first maximum, shaped ``(..., 1)``."""
    xp = _backend.xp
    length = data.shape[-1]
    nans = xp.isnan(data)
    flipped = xp.astype(xp.flip(nans, axis=-1), xp.int8)  # argmax takes numbers, not bools
    # Index arithmetic through xp's functions, not operators: arraygrad.compile records those
    # calls, where an operator's result would be replayed as a constant.
    last_nan = xp.subtract(
        xp.asarray(length - 1, dtype=xp.int64), xp.argmax(flipped, axis=-1, keepdims=True)
    )
    if length:
        first_max = xp.argmax(xp.where(nans, -xp.inf, data), axis=-1, keepdims=True)
    else:  # argmax of an empty axis fails; there is nothing to pick
        first_max = last_nan
    return xp.where(xp.any(nans, axis=-1, keepdims=True), last_nan, first_max)


def adaptive_max_pool1d_with_indices(
    input: Tensor, output_size: Any, return_indices: bool = False
) -> tuple[Tensor, Tensor]:
    """:func:`adaptive_max_pool1d` and the index of each maximum along the last dimension."""
    return _adaptive_max_pool(input, output_size, 1)


def adaptive_max_pool2d_with_indices(
    input: Tensor, output_size: Any, return_indices: bool = False
) -> tuple[Tensor, Tensor]:
    """:func:`adaptive_max_pool2d` and the index of each maximum in the flattened plane."""
    return _adaptive_max_pool(input, output_size, 2)


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Max pooling of the last dimension to ``output_size`` (see :func:`adaptive_max_pool2d`)."""
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


# The 3-D forms: the same window code with three window axes.


def max_pool3d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """The maximum of each window of the last three dimensions (see :func:`max_pool2d`); the
    indices of ``return_indices=True`` are into the flattened ``(D, H, W)`` volume.

    >>> import arraygrad
    >>> max_pool3d(arraygrad.arange(8.0).reshape(1, 2, 2, 2), 2).tolist()
    [[[[7.0]]]]
    """
    return _max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """:func:`max_pool3d` with ``return_indices=True``: ``(values, indices)``."""
    values, indices = _max_pool(input, 3, kernel_size, stride, padding, dilation, ceil_mode, True)
    return values, indices


def avg_pool3d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean of each window of the last three dimensions (see :func:`avg_pool2d`).

    >>> import arraygrad
    >>> avg_pool3d(arraygrad.arange(8.0).reshape(1, 2, 2, 2), 2).tolist()
    [[[[3.5]]]]
    """
    return _avg_pool(
        input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )


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
    """:func:`adaptive_max_pool3d` and the index of each maximum in the flattened volume."""
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
