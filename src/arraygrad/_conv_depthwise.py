"""Depthwise convolution (one input channel per group and one output channel per group, as
``nn.Conv2d(C, C, k, groups=C)``) and its two gradients on NumPy, one pass per kernel position.

:mod:`arraygrad._conv_windows` makes a convolution im2col windows and one matrix product per
group. For a depthwise one each product is a matrix with one row: BLAS gains nothing, and the
windows (``prod(kernel)`` times the input) are written and read back for a few operations per
element. Here each kernel position instead multiplies its strided view of the input by that
position's weight of every channel and adds the product in, where the windows would have been:

    out[c, p] = sum_k w[c, k] x[c, p * stride + k * dilation]          (forward)
    dx[c, p * stride + k * dilation] += w[c, k] g[c, p]                 (input gradient)
    dw[c, k] = sum_p g[c, p] x[c, p * stride + k * dilation]            (weight gradient)

with ``p`` running over the output positions and the batch. The arrays are batch-last, as
``_conv_windows``' (``(C, *spatial, N)``), so the views copy runs of whole output rows. The
terms of each sum are added in kernel-position order (the products' rounding is the same; only
the order of the few additions differs from a matrix product's). Like ``_conv_windows``, nothing
here imports an array library: ``lib`` is NumPy, which ``_conv_windows`` hands these calls to.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad._windows import _keys


def applies(x_shape: tuple[int, ...], w_shape: tuple[int, ...], groups: int) -> bool:
    """Whether the convolution of an ``x_shape`` input by a ``w_shape`` weight in ``groups``
    groups is depthwise with one output channel per group (taken here)."""
    return groups > 1 and groups == x_shape[1] == w_shape[0] and w_shape[1] == 1


def _taps(lib: Any, w: Any, n: int) -> Any:
    """The weight ``(C, 1, *kernel)`` as ``(C, prod(kernel))``: a column per kernel position."""
    return lib.reshape(w, (w.shape[0], math.prod(w.shape[2 : 2 + n])))


def _scale(lib: Any, taps: Any, index: int, n: int) -> Any:
    """Kernel position ``index``'s weight of every channel, shaped to scale ``(C, *out, N)``."""
    return lib.reshape(taps[:, index], (taps.shape[0],) + (1,) * (n + 1))


def _positions(
    kernel: tuple[int, ...],
    out: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
) -> Any:
    """The batch-last keys of each kernel position (the batch is a window axis of size 1)."""
    return _keys(kernel + (1,), out, stride + (1,), dilation + (1,))


def _contiguous(lib: Any, a: Any) -> Any:
    """``a`` in C order unless it is already, or is broadcast (a stride of 0, as the gradient of
    a sum): the per-position passes then read it in long runs."""
    if a.flags.c_contiguous or 0 in a.strides:
        return a
    return lib.ascontiguousarray(a)


def conv(lib: Any, plan: Any, xt: Any, w: Any, b: Any) -> Any:
    """The forward: ``xt`` is the batch-last input ``(C, *spatial, N)``; returns the batch-last
    output ``(C, *out, N)``."""
    return _correlate(lib, xt, w, b, plan.out + (plan.batch,), plan.stride, plan.dilation)


def _correlate(
    lib: Any,
    xt: Any,
    w: Any,
    b: Any,
    out: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
) -> Any:
    """The correlation of the batch-last ``xt`` ``(C, *spatial, N)`` with the weight ``w``
    ``(C, 1, *kernel)`` (plus ``b``), of batch-last sizes ``out`` (``(*out, N)``)."""
    n = len(out) - 1
    shape = (xt.shape[0],) + out
    taps = _taps(lib, w, n)
    result = lib.empty(shape, dtype=xt.dtype)
    product = lib.empty(shape, dtype=xt.dtype)
    for index, (_, key) in enumerate(_positions(tuple(w.shape[2:]), out, stride, dilation)):
        if index == 0:
            lib.multiply(xt[key], _scale(lib, taps, index, n), out=result)
        else:
            lib.multiply(xt[key], _scale(lib, taps, index, n), out=product)
            result += product
    if b is not None:
        result += lib.reshape(b, (xt.shape[0],) + (1,) * (n + 1))
    return result


def conv_input_grad(lib: Any, plan: Any, gt: Any, w: Any) -> Any:
    """The input's gradient, batch-last ``(C, *spatial, N)``, from the output's batch-last
    gradient ``gt``: each position's weighted gradient added back where it read.

    With stride 1 that is the forward's correlation of ``gt`` padded by ``dilation * (k - 1)``
    with the kernel flipped, which writes its result in order instead of adding into strided
    views of it (about twice as fast)."""
    n = plan.n
    if all(s == 1 for s in plan.stride):
        spans = [d * (k - 1) for k, d in zip(plan.kernel, plan.dilation, strict=True)]
        padded = lib.zeros(
            (plan.channels,)
            + tuple(o + 2 * p for o, p in zip(plan.out, spans, strict=True))
            + (plan.batch,),
            dtype=gt.dtype,
        )
        padded[
            (slice(None),) + tuple(slice(p, p + o) for p, o in zip(spans, plan.out, strict=True))
        ] = gt
        flipped = lib.flip(w, axis=tuple(range(2, 2 + n)))
        sizes = plan.spatial + (plan.batch,)
        return _correlate(lib, padded, flipped, None, sizes, plan.stride, plan.dilation)
    gt = _contiguous(lib, gt)
    taps = _taps(lib, w, n)
    result = lib.zeros((plan.channels,) + plan.spatial + (plan.batch,), dtype=gt.dtype)
    product = lib.empty((plan.channels,) + plan.out + (plan.batch,), dtype=gt.dtype)
    keys = _positions(plan.kernel, plan.out + (plan.batch,), plan.stride, plan.dilation)
    for index, (_, key) in enumerate(keys):
        lib.multiply(gt, _scale(lib, taps, index, n), out=product)
        result[key] += product  # (distinct places within one position)
    return result


def conv_weight_grad(lib: Any, plan: Any, xt: Any, gt: Any, shape: tuple[int, ...]) -> Any:
    """The weight's gradient ``(C, 1, *kernel)``: per position, each channel's dot product of
    the output's gradient with the input it read (one batched matrix product)."""
    channels = plan.channels
    count = math.prod(plan.out) * plan.batch
    grads = lib.reshape(lib.ascontiguousarray(gt), (channels, 1, count))
    window = lib.empty((channels,) + plan.out + (plan.batch,), dtype=xt.dtype)
    keys = _positions(plan.kernel, plan.out + (plan.batch,), plan.stride, plan.dilation)
    taps = lib.empty((channels, len(keys)), dtype=xt.dtype)
    for index, (_, key) in enumerate(keys):
        window[...] = xt[key]
        dots = lib.matmul(grads, lib.reshape(window, (channels, count, 1)))
        taps[:, index] = lib.reshape(dots, (channels,))
    return lib.reshape(taps, shape)
