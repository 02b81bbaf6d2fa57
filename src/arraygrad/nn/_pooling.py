"""Pooling in 1 to 3 dimensions: max and average over sliding windows (adaptive pooling, built
on the same picks, is in :mod:`arraygrad.nn._adaptive_pooling`).

Max pooling is its own primitive (``ops.max_pool``): the maximum of each window, with the
gradient going to the element PyTorch picks (the window's first maximum, or its last NaN)
alone. Average pooling gathers the windows once with the ``sliding_windows`` primitive (im2col),
sums each window and divides by the count PyTorch uses.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend, _dtype, _reduction, ops
from arraygrad._dims import normalize_dim
from arraygrad._division import div
from arraygrad._grad_mode import is_grad_enabled
from arraygrad._out import written_exactly
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor
from arraygrad.nn import _pooling_checks as _checks
from arraygrad.nn._common import constant, ntuple
from arraygrad.nn._padding import padded as _pad

__all__ = [
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
    """Kernel, stride, padding, dilation and output size of one pooling call, checked as PyTorch
    checks them (:mod:`arraygrad.nn._pooling_checks`) for ``kind``: ``max`` or ``avg``."""

    def __init__(
        self,
        input: Tensor,
        n: int,
        kind: str,
        kernel_size: Any,
        stride: Any,
        padding: Any,
        dilation: Any,
        ceil_mode: bool,
        own_max_pool1d: bool = False,
    ) -> None:
        self.kernel = ntuple(kernel_size, n, "kernel_size")
        empty = stride is None or (not isinstance(stride, (int, Tensor)) and len(stride) == 0)
        self.stride = self.kernel if empty else ntuple(stride, n, "stride")
        self.padding = ntuple(padding, n, "padding")
        self.dilation = ntuple(dilation, n, "dilation")
        windows = (self.kernel, self.stride, self.padding, self.dilation)
        _check(input, n, kind, *windows, ceil_mode, own_max_pool1d)
        self.sizes = tuple(input.shape[input.ndim - n :])
        self.out = []
        self.right = []  # padding after the input: `padding`, or more for ceil_mode
        for size, k, s, p, d in zip(
            self.sizes, self.kernel, self.stride, self.padding, self.dilation, strict=True
        ):
            out = _checks.output_size(size, k, s, p, d, ceil_mode)
            self.out.append(out)
            self.right.append(max(p, (out - 1) * s + d * (k - 1) + 1 - size - p))

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


def _check(
    input: Tensor,
    n: int,
    kind: str,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    dilation: tuple[int, ...],
    ceil_mode: bool,
    own_max_pool1d: bool,
) -> None:
    """The checks of the PyTorch code that ``kind`` (``max``/``avg``) pooling in ``n``
    dimensions runs: 1-d pooling runs 2-d pooling's, of a window of height 1, unless it is the
    max pooling with no indices and no gradient that PyTorch has its own code for
    (``own_max_pool1d``)."""
    name = f"{kind}_pool{n}d"
    shape = tuple(input.shape)
    if own_max_pool1d:
        _checks.check_max_pool1d(shape, kernel[0], stride[0], padding[0], dilation[0], ceil_mode)
        return
    if n == 1:
        if input.ndim not in (2, 3):
            raise RuntimeError(
                f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor for "
                f"argument #1 'self' (while checking arguments for {name}). Fix: pass (C, L) or "
                "(N, C, L)."
            )
        shape = shape[:-1] + (1,) + shape[-1:]
        kernel, stride, padding, dilation = (
            (1, *kernel),
            (1, *stride),
            (0, *padding),
            (1, *dilation),
        )
    _checks.check_windows(
        f"{kind}_pool{len(kernel)}d",
        shape,
        kernel,
        stride,
        padding,
        dilation,
        ceil_mode,
        nonempty_check=kind == "max" or n == 3,
        input_size_check=kind == "avg" and n == 3,
    )


def check_planes(input: Tensor, n: int, name: str) -> None:
    """PyTorch's check of the dimensions of pooling's input: ``n`` window dimensions after the
    channels and one optional batch dimension."""
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(
            f"{name}: Expected {n + 1}D or {n + 2}D (batch mode) tensor for input, but got "
            f"input of shape {list(input.shape)}"
            f". Fix: pass (C, *window) or (N, C, *window) with {n} window dimensions."
        )


def batched_planes(input: Tensor, n: int, name: str, kernel: str) -> tuple[Tensor, bool]:
    """``input`` checked as PyTorch's adaptive average pooling checks it (``n`` window
    dimensions, one optional batch dimension before the channels, a floating dtype, else the
    NotImplementedError of its ``kernel``), and whether it lacks the batch."""
    check_planes(input, n, name)
    check_kernel_dtype(input, kernel)
    return input, input.ndim == n + 1


# The integer dtypes PyTorch's CPU pooling kernels have code for (besides the floating ones):
# max pooling's take every integer but bool, average pooling's int64 alone.
_MAX_INTEGERS = (_dtype.uint8, _dtype.int8, _dtype.int16, _dtype.int32, _dtype.int64)
_AVG_INTEGERS = (_dtype.int64,)


def check_kernel_dtype(
    input: Tensor, kernel: str, integers: tuple[_dtype.dtype, ...] = (), reduced: bool = True
) -> None:
    """PyTorch's dispatch of the pooling kernel ``kernel`` on the input's dtype: a floating
    dtype (float16 and bfloat16 only if ``reduced``) or one of ``integers`` runs, any other
    raises the NotImplementedError that names the kernel."""
    dtype = input.dtype
    if dtype.is_floating_point:
        if reduced or dtype not in _dtype.REDUCED_FLOATS:
            return
    elif dtype in integers:
        return
    raise NotImplementedError(
        f"\"{kernel}\" not implemented for '{_dtype.torch_type_name(dtype)}'. Fix: convert the "
        "input with .float()."
    )


def check_float_planes(input: Tensor, n: int, name: str, kernel: str | None = None) -> None:
    """PyTorch's checks of adaptive max and fractional max pooling: ``n`` pooled dimensions
    after an optional batch one and the channels, and a floating-point dtype (else the
    NotImplementedError of PyTorch's ``kernel``, by default ``name``)."""
    if input.ndim not in (n + 1, n + 2):
        raise RuntimeError(
            f"{name}(): Expected {n + 1}D or {n + 2}D tensor, but got: {list(input.shape)}"
            f". Fix: pass (C, *window) or (N, C, *window) with {n} window dimensions."
        )
    check_kernel_dtype(input, kernel or name)


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
    # PyTorch's 1-d max pooling without indices checks its arguments itself (then runs the 2-d
    # code where it records a gradient)
    windows = (kernel_size, stride, padding, dilation, ceil_mode, n == 1 and not return_indices)
    geometry = _Geometry(input, n, "max", *windows)
    own = n == 1 and not (return_indices or (input.requires_grad and is_grad_enabled()))
    # PyTorch checks the dtype last, in its kernel: the 2-d one also for 1-d pooling that
    # returns indices or records a gradient, else its own 1-d one (floating dtypes alone).
    kernel: str = name
    integers: tuple[_dtype.dtype, ...] = _MAX_INTEGERS
    if n == 1:
        kernel = "max_pool1d_impl" if own else "max_pool2d"
        integers = () if own else _MAX_INTEGERS
    check_kernel_dtype(input, kernel, integers)
    window = {
        "kernel": geometry.kernel,
        "stride": geometry.stride,
        "padding": geometry.padding,
        "dilation": geometry.dilation,
    }
    out = labelled(ops.max_pool(input, output_size=tuple(geometry.out), **window), _MAX_LABELS[n])
    if not return_indices:
        return out
    return out, ops.max_pool_indices(input, out, **window)


# The names of PyTorch's nodes for the pooled results (its 1-d pooling is the 2-d one of the
# input unsqueezed, then squeezed).
_MAX_LABELS = {
    1: "SqueezeBackward1",
    2: "MaxPool2DWithIndicesBackward0",
    3: "MaxPool3DWithIndicesBackward0",
}
_AVG_LABELS = {1: "SqueezeBackward1", 2: "AvgPool2DBackward0", 3: "AvgPool3DBackward0"}


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
            raise IndexError(
                "Dimension specified as -3 but tensor has no dimensions"
                ". Fix: pass (C, H, W) or (N, C, H, W)."
            )
        normalize_dim(-3, input.ndim)
    if divisor_override == 0:  # PyTorch checks it with the arguments, before the input
        raise RuntimeError(
            f"divisor must be not zero (in {name}). Fix: pass divisor_override=None to divide "
            "by the window size, or a nonzero int."
        )
    geometry = _Geometry(input, n, "avg", kernel_size, stride, padding, 1, ceil_mode)
    # PyTorch checks the dtype last, in its kernel; its 3-d one has no float16 or bfloat16 code
    kernel = "avg_pool3d_out_frame" if n == 3 else "avg_pool2d"
    check_kernel_dtype(input, kernel, _AVG_INTEGERS, reduced=n != 3)
    windows = geometry.windows(input, 0.0)
    sums = _reduction.sum(windows, windows.ndim - n - 1)
    if divisor_override is not None:
        return labelled(_averages(sums, divisor_override), _AVG_LABELS[n])
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
    return labelled(_averages(sums, constant(counts)), _AVG_LABELS[n])


def _averages(sums: Tensor, divisor: Any) -> Tensor:
    """``sums / divisor``; of integers (int64, the one integer dtype PyTorch's average pooling
    takes) rounded toward zero, as its kernel divides its int64 sums (C's integer division)."""
    if sums.dtype.is_floating_point:
        return sums / divisor
    return div(sums, divisor, rounding_mode="trunc")


def max_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """The maximum of each window of the last dimension (see :func:`max_pool2d`).

    ``(N, C, L)`` or ``(C, L)`` to ``L_out = floor((L + 2 padding - dilation (kernel - 1) - 1)
    / stride) + 1`` (``ceil_mode`` rounds up); padding is ``-inf``. The gradient goes to each
    window's first maximum, as in PyTorch.

    >>> import arraygrad
    >>> F = arraygrad.nn.functional
    >>> x = arraygrad.tensor([[1.0, 3.0, 3.0, 0.0]], requires_grad=True)
    >>> F.max_pool1d(x.detach(), 2)
    tensor([[3., 3.]])
    >>> F.max_pool1d(x, 4).sum().backward()
    >>> x.grad
    tensor([[0., 1., 0., 0.]])
    """
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
    """The mean of each window of the last dimension (see :func:`avg_pool2d`).

    ``(N, C, L)`` or ``(C, L)`` to ``L_out = floor((L + 2 padding - kernel) / stride) + 1``;
    ``ceil_mode`` rounds up, and a last window that runs past the end averages what it covers.

    >>> import arraygrad
    >>> F = arraygrad.nn.functional
    >>> F.avg_pool1d(arraygrad.tensor([[1.0, 3.0, 2.0, 6.0, 9.0]]), 2)
    tensor([[2., 4.]])
    >>> F.avg_pool1d(arraygrad.tensor([[1.0, 3.0, 2.0, 6.0, 9.0]]), 2, ceil_mode=True)
    tensor([[2., 4., 9.]])
    """
    return _avg_pool(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """The mean of each ``kernel_size`` window of the last two dimensions.

    Zero padding counts in the divisor when ``count_include_pad``; ``divisor_override`` replaces
    the divisor altogether.

    >>> import arraygrad
    >>> avg_pool2d(arraygrad.arange(16.0).reshape(1, 4, 4), 2).tolist()
    [[[2.5, 4.5], [10.5, 12.5]]]
    """
    if out is not None:  # (of the result's dtype, no memory compared: PyTorch's pooling)
        arguments = (input, kernel_size, stride, padding, ceil_mode, count_include_pad)
        return written_exactly("avg_pool2d", out, avg_pool2d, *arguments, divisor_override)
    return _avg_pool(
        input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )


def max_pool1d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """:func:`max_pool1d` with ``return_indices=True``: ``(values, indices)``.

    Each index is the position along the last dimension of the window's first maximum.

    >>> import arraygrad
    >>> F = arraygrad.nn.functional
    >>> F.max_pool1d_with_indices(arraygrad.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
    (tensor([[3., 2.]]), tensor([[1, 2]]))
    """
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
    """:func:`max_pool3d` with ``return_indices=True``: ``(values, indices)``.

    Each index is into the flattened ``(D, H, W)`` volume, ``(d H + h) W + w``.

    >>> import arraygrad
    >>> F = arraygrad.nn.functional
    >>> F.max_pool3d_with_indices(arraygrad.arange(8.0).reshape(1, 2, 2, 2), 2)
    (tensor([[[[7.]]]]), tensor([[[[7]]]]))
    """
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
    *,
    out: Tensor | None = None,
) -> Tensor:
    """The mean of each window of the last three dimensions (see :func:`avg_pool2d`).

    >>> import arraygrad
    >>> avg_pool3d(arraygrad.arange(8.0).reshape(1, 2, 2, 2), 2).tolist()
    [[[[3.5]]]]
    """
    if out is not None:  # (of the result's dtype, no memory compared: PyTorch's pooling)
        arguments = (input, kernel_size, stride, padding, ceil_mode, count_include_pad)
        return written_exactly("avg_pool3d", out, avg_pool3d, *arguments, divisor_override)
    return _avg_pool(
        input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )
