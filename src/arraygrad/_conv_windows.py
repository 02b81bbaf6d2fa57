"""Convolution and its two gradients, written once against an array namespace: im2col windows
and one matrix product per group and slab of output rows.

``_backend`` hands these out in its namespace (``xp.conv``, ``xp.conv_input_grad``,
``xp.conv_weight_grad``) like the sliding windows of :mod:`arraygrad._windows` they build on:
with the active library bound as ``lib`` and ``fast`` saying whether it is NumPy, which works
through the output in slabs (see below). Like ``_backend``'s own code, nothing here imports an
array library.

Each function loops over the groups, a few slabs of output rows and (gathering the windows) the
kernel positions, never over pixels or batch elements.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from arraygrad import _conv_depthwise
from arraygrad._windows import _fold_into, _gather_into, _out_sizes, fold_windows, sliding_windows

# --- convolution: im2col and one matrix product per slab of output rows -----------------------
# ``x`` is ``(N, C, *spatial)`` (already padded), ``w`` ``(O, C / groups, *kernel)``. The input is
# read batch-last, ``(C, *spatial, N)``, and windowed with a kernel of 1 along the batch, so the
# windows ``(C, *kernel, 1, *out, N)`` viewed as ``(groups, C / groups * prod(kernel), L * N)``
# make the whole batch one matrix product per group; the output ``(O, *out, N)`` is returned as a
# batch-last view ``(N, O, *out)``. NumPy's element-wise ops keep that memory order, so the next
# convolution reads it as it is, and each strided slice below copies runs of ``out[-1] * N``
# elements (a channel-major or NCHW order would copy runs of one image row).
#
# NumPy works through the output in equal slabs of rows (the first spatial axis), as few as keep
# a slab's windows within ``_SLAB_BYTES``: the windows are gathered into one reused buffer and
# stay in the last-level cache for the product and the scatter-add, and no array of all the
# windows (9x the input for a 3x3 kernel) is made, which would cost fresh memory from the OS on
# every call. Smaller slabs mean more, smaller BLAS calls; 8 MiB measured best on the W5 CNN
# (2 threads: 2 MiB slabs about 15% slower on its second layer, one slab about 20%). Other
# libraries take the whole output as one slab.

_SLAB_BYTES = 1 << 23


class _Conv:
    """Sizes of one convolution and the slabs of output rows it is computed in."""

    def __init__(
        self,
        x_shape: tuple[int, ...],
        w_shape: tuple[int, ...],
        stride: tuple[int, ...],
        dilation: tuple[int, ...],
        groups: int,
        itemsize: int,
        fast: bool,
    ) -> None:
        self.batch, self.channels = x_shape[0], x_shape[1]
        self.spatial = tuple(x_shape[2:])
        self.out_channels = w_shape[0]
        self.kernel = tuple(w_shape[2:])
        self.n = len(self.kernel)
        self.stride, self.dilation, self.groups = stride, dilation, groups
        self.out = _out_sizes(self.spatial, self.kernel, stride, dilation)
        self.depth = w_shape[1] * math.prod(self.kernel)  # rows of one group's windows
        self.row = math.prod(self.out[1:]) * self.batch  # columns per output row
        total = self.out[0]
        count = 1  # slabs: as few as keep each slab's windows within _SLAB_BYTES, equal sizes
        if fast:
            row_bytes = max(1, self.depth * self.row * itemsize)
            count = -(-total // max(1, _SLAB_BYTES // row_bytes))
        rows = -(-total // count)
        span = dilation[0] * (self.kernel[0] - 1) + 1
        self.slabs = []  # (first row, row past the last, the input rows they read)
        for r0 in range(0, total, rows):
            r1 = min(total, r0 + rows)
            self.slabs.append((r0, r1, slice(r0 * stride[0], (r1 - 1) * stride[0] + span)))

    def window_args(self) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        """``kernel, stride, dilation`` of the batch-last windows (kernel 1 along the batch)."""
        return self.kernel + (1,), self.stride + (1,), self.dilation + (1,)

    def batch_last(self, lib: Any, a: Any) -> Any:
        """``(N, C, *spatial)`` as ``(C, *spatial, N)`` (a view)."""
        return lib.permute_dims(a, tuple(range(1, self.n + 2)) + (0,))

    def windowed_input(self, lib: Any, fast: bool, x: Any) -> Any:
        """``x`` batch-last, copied to that memory order unless it has it already (NumPy): one
        copy costs much less than gathering the windows of an NCHW input, with its batch
        elements far apart, for every kernel position."""
        xt = self.batch_last(lib, x)
        return lib.ascontiguousarray(xt) if fast else xt

    def batch_first(self, lib: Any, a: Any) -> Any:
        """``(C, *spatial, N)`` as ``(N, C, *spatial)`` (a view)."""
        return lib.permute_dims(a, (self.n + 1,) + tuple(range(self.n + 1)))

    def cols_shape(self, rows: int) -> tuple[int, ...]:
        return (self.channels,) + self.kernel + (1, rows) + self.out[1:] + (self.batch,)

    def cols_matrix(self, lib: Any, cols: Any, rows: int) -> Any:
        """Windows of ``rows`` output rows as ``(groups, depth, rows * row)``."""
        return lib.reshape(cols, (self.groups, self.depth, rows * self.row))

    def out_matrix(self, lib: Any, a: Any, rows: int) -> Any:
        """Batch-last output rows ``(O, rows, ..., N)`` as ``(groups, O / groups, rows * row)``."""
        return lib.reshape(a, (self.groups, self.out_channels // self.groups, rows * self.row))


# The _Conv of given sizes (never changed once made), kept: a training step asks for the same
# ones (the forward's and its gradients') on every call, and making one costs more than a small
# convolution's arithmetic.
_plan = functools.lru_cache(maxsize=128)(_Conv)


def conv(
    lib: Any,
    fast: bool,
    x: Any,
    w: Any,
    b: Any,
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    groups: int,
) -> Any:
    """Cross-correlation of ``x`` with ``w`` plus ``b`` (or no bias when ``None``)."""
    plan = _plan(
        tuple(x.shape), tuple(w.shape), *_steps(stride, dilation), groups, _itemsize(x, fast), fast
    )
    xt = plan.windowed_input(lib, fast, x)
    if fast and _conv_depthwise.applies(tuple(x.shape), tuple(w.shape), groups):
        return plan.batch_first(lib, _conv_depthwise.conv(lib, plan, xt, w, b))
    filters = lib.reshape(w, (groups, plan.out_channels // groups, plan.depth))
    window = plan.window_args()
    if not fast:
        cols = plan.cols_matrix(lib, sliding_windows(lib, fast, xt, *window), plan.out[0])
        out = lib.reshape(
            lib.matmul(filters, cols), (plan.out_channels,) + plan.out + (plan.batch,)
        )
        if b is not None:
            out = out + lib.reshape(b, (plan.out_channels,) + (1,) * (plan.n + 1))
        return plan.batch_first(lib, out)
    result = lib.empty((plan.out_channels,) + plan.out + (plan.batch,), dtype=x.dtype)
    buffer = lib.empty(math.prod(plan.cols_shape(plan.slabs[0][1])), dtype=x.dtype)
    for r0, r1, rows_in in plan.slabs:
        shape = plan.cols_shape(r1 - r0)
        cols = _gather_into(lib.reshape(buffer[: math.prod(shape)], shape), xt[:, rows_in], *window)
        cols = plan.cols_matrix(lib, cols, r1 - r0)
        part = plan.out_matrix(lib, result[:, r0:r1], r1 - r0)  # a view: rows of the result
        for group in range(groups):
            lib.matmul(filters[group], cols[group], out=part[group])
        if b is not None:  # added while the slab is in cache
            part += lib.reshape(b, (groups, plan.out_channels // groups, 1))
    return plan.batch_first(lib, result)


def conv_weight_grad(
    lib: Any,
    fast: bool,
    x: Any,
    g: Any,
    shape: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    groups: int,
) -> Any:
    """The gradient of :func:`conv` for the weight (of ``shape``) given the output's ``g``."""
    plan = _plan(
        tuple(x.shape), tuple(shape), *_steps(stride, dilation), groups, _itemsize(x, fast), fast
    )
    xt, gt = plan.windowed_input(lib, fast, x), plan.batch_last(lib, g)
    if fast and _conv_depthwise.applies(tuple(x.shape), shape, groups):
        return _conv_depthwise.conv_weight_grad(lib, plan, xt, gt, shape)
    window = plan.window_args()
    if not fast:
        cols = plan.cols_matrix(lib, sliding_windows(lib, fast, xt, *window), plan.out[0])
        grads = plan.out_matrix(lib, gt, plan.out[0])
        return lib.reshape(lib.matmul(grads, lib.matrix_transpose(cols)), shape)
    # Accumulated transposed, (depth, O / groups): BLAS makes windows @ g.T several times faster
    # than g @ windows.T here (the long shared axis is the one both read contiguously).
    total = lib.zeros((groups, plan.depth, plan.out_channels // groups), dtype=x.dtype)
    buffer = lib.empty(math.prod(plan.cols_shape(plan.slabs[0][1])), dtype=x.dtype)
    for r0, r1, rows_in in plan.slabs:
        cols_shape = plan.cols_shape(r1 - r0)
        cols = _gather_into(
            lib.reshape(buffer[: math.prod(cols_shape)], cols_shape), xt[:, rows_in], *window
        )
        cols = plan.cols_matrix(lib, cols, r1 - r0)
        grads = plan.out_matrix(lib, gt[:, r0:r1], r1 - r0)
        for group in range(groups):
            total[group] += lib.matmul(cols[group], lib.matrix_transpose(grads[group]))
    return lib.reshape(lib.matrix_transpose(total), shape)


def conv_input_grad(
    lib: Any,
    fast: bool,
    g: Any,
    w: Any,
    shape: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    groups: int,
) -> Any:
    """The gradient of :func:`conv` for the input (of ``shape``) given the output's ``g``: the
    windows' gradients (weight.T @ g) scatter-added back (col2im), batch-last like ``conv``."""
    plan = _plan(
        tuple(shape), tuple(w.shape), *_steps(stride, dilation), groups, _itemsize(g, fast), fast
    )
    gt = plan.batch_last(lib, g)
    if fast and _conv_depthwise.applies(shape, tuple(w.shape), groups):
        return plan.batch_first(lib, _conv_depthwise.conv_input_grad(lib, plan, gt, w))
    filters_t = lib.matrix_transpose(
        lib.reshape(w, (groups, plan.out_channels // groups, plan.depth))
    )
    window = plan.window_args()
    result_shape = (plan.channels,) + plan.spatial + (plan.batch,)
    if not fast:
        grads = plan.out_matrix(lib, gt, plan.out[0])
        cols = lib.reshape(lib.matmul(filters_t, grads), plan.cols_shape(plan.out[0]))
        return plan.batch_first(lib, fold_windows(lib, fast, cols, result_shape, *window))
    result = lib.zeros(result_shape, dtype=g.dtype)
    buffer = lib.empty(math.prod(plan.cols_shape(plan.slabs[0][1])), dtype=g.dtype)
    for r0, r1, rows_in in plan.slabs:
        cols_shape = plan.cols_shape(r1 - r0)
        cols = lib.reshape(buffer[: math.prod(cols_shape)], cols_shape)
        target = plan.cols_matrix(lib, cols, r1 - r0)
        grads = plan.out_matrix(lib, gt[:, r0:r1], r1 - r0)
        for group in range(groups):
            lib.matmul(filters_t[group], grads[group], out=target[group])
        _fold_into(lib, fast, result[:, rows_in], cols, *window)
    return plan.batch_first(lib, result)


def _steps(stride: Any, dilation: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``stride`` and ``dilation`` as tuples (the keys of :func:`_plan`)."""
    return tuple(stride), tuple(dilation)


def _itemsize(a: Any, fast: bool) -> int:
    """Bytes per element (NumPy; the slab size matters only there)."""
    return int(a.dtype.itemsize) if fast else 1
