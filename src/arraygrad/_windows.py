"""Sliding windows (im2col), their adjoint (col2im) and max pooling, written once against an
array namespace.

``_backend`` hands these out in its namespace (``xp.sliding_windows``, ``xp.max_pool``, ...)
with the active library bound as ``lib`` and ``fast`` saying whether it is NumPy, whose
``out=`` arguments and memory-order-keeping ``empty_like`` save a temporary array per step.
Every other library gets the same results from standard calls alone (slices, ``stack``,
``where``). Like ``_backend``'s own code, nothing here imports an array library. Convolution,
built on these windows, is in :mod:`arraygrad._conv_windows`.

Each function loops over the kernel positions (a few), never over pixels or batch elements:
position ``offsets`` sees one strided slice of the input in every window.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
from typing import Any

from arraygrad import _backend


def _out_sizes(
    spatial: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
) -> tuple[int, ...]:
    return tuple(
        (size - d * (k - 1) - 1) // s + 1
        for size, k, s, d in zip(spatial, kernel, stride, dilation, strict=True)
    )


@functools.lru_cache(maxsize=256)
def _keys(
    kernel: tuple[int, ...],
    out: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
) -> tuple[tuple[tuple[int, ...], tuple[Any, ...]], ...]:
    """``(offsets, key)`` per kernel position: ``x[key]`` is what position ``offsets`` sees in
    every window (a strided slice). Cached: a convolution asks for the same ones every step."""
    return tuple(
        (
            offsets,
            (Ellipsis,)
            + tuple(
                slice(o * d, o * d + s * (m - 1) + 1, s)
                for o, m, s, d in zip(offsets, out, stride, dilation, strict=True)
            ),
        )
        for offsets in itertools.product(*(range(k) for k in kernel))
    )


def sliding_windows(
    lib: Any,
    fast: bool,
    x: Any,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
) -> Any:
    """The windows of ``x`` over its last ``len(kernel)`` axes, laid out ``(..., *kernel, *out)``.

    ``out[..., i, j, p, q] = x[..., p * stride + i * dilation, q * stride + j * dilation]`` (for
    two window axes): the im2col layout, so that a convolution is one matmul over ``kernel``.
    A window axis of kernel size 1 keeps its elements in place: convolution windows the batch
    axis that way, which puts it after the kernel axes, ``(C, kh, kw, 1, OH, OW, N)``.
    """
    n = len(kernel)
    lead = x.ndim - n
    out = _out_sizes(tuple(x.shape[lead:]), kernel, stride, dilation)
    shape = tuple(x.shape[:lead]) + tuple(kernel) + out
    if fast:
        return _gather_into(lib.empty(shape, dtype=x.dtype), x, kernel, stride, dilation)
    parts = [x[key] for _, key in _keys(tuple(kernel), out, tuple(stride), tuple(dilation))]
    return lib.reshape(lib.stack(parts, axis=lead), shape)


def _gather_into(
    result: Any, x: Any, kernel: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]
) -> Any:
    """Fill ``result`` ``(..., *kernel, *out)`` with the windows of ``x`` (NumPy).

    One strided copy per kernel position: each copies runs of a whole output row, where a
    transposed copy of a sliding_window_view would walk the kernel axes innermost.
    """
    n = len(kernel)
    out = tuple(result.shape[result.ndim - n :])
    if result.size <= _ONE_COPY_MAX:
        # Few windows: one copy of a strided view of them all, where a copy per kernel
        # position costs more in calls than in copying (half the time at 3x3 on 5x5).
        windows = _backend.all_windows_view(x, tuple(kernel), out, tuple(stride), tuple(dilation))
        if windows is not None:
            result[...] = windows
            return result
    head = (slice(None),) * (x.ndim - n)
    for offsets, key in _keys(tuple(kernel), out, tuple(stride), tuple(dilation)):
        result[head + offsets] = x[key]
    return result


# The most window elements copied at once by _gather_into: past this many, one copy per kernel
# position copies long runs of a row at a time (measured faster up to ~200,000 elements too,
# but slabs of windows of larger inputs stay on the tested path).
_ONE_COPY_MAX = 65536


def fold_windows(
    lib: Any,
    fast: bool,
    cols: Any,
    shape: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
) -> Any:
    """The adjoint of :func:`sliding_windows` (col2im): window values summed back into ``shape``.

    One strided slice-add per kernel position (never a loop over pixels or batch elements).
    """
    result = lib.zeros(tuple(shape), dtype=cols.dtype)
    return _fold_into(lib, fast, result, cols, kernel, stride, dilation)


def _fold_into(
    lib: Any,
    fast: bool,
    result: Any,
    cols: Any,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
) -> Any:
    """Add the windows ``cols`` ``(..., *kernel, *out)`` into ``result`` where they came from."""
    n = len(kernel)
    lead = result.ndim - n
    out = tuple(cols.shape[cols.ndim - n :])
    flat = lib.reshape(cols, tuple(result.shape[:lead]) + (math.prod(kernel),) + out)
    # Bool windows (fold's) combine with or, as NumPy's += does: the standard has no bool +.
    combine = lib.logical_or if not fast and cols.dtype == lib.bool else operator.add
    for index, (_, key) in enumerate(_keys(tuple(kernel), out, tuple(stride), tuple(dilation))):
        values = flat[(slice(None),) * lead + (index, Ellipsis)]
        if fast:
            result[key] += values  # each kernel position touches distinct places
        else:
            result[key] = combine(result[key], values)
    return result


# --- max pooling: the window maximum, and the gradient routed to PyTorch's pick ----------------
# Each kernel position is visited once with strided slices: the input elements it sees (padding
# excluded) and the box of windows that see one. The pick of a window is PyTorch's: the first
# maximum in scan order, or the last NaN when the window holds one.


def _pool_positions(
    spatial: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    dilation: tuple[int, ...],
    output_size: tuple[int, ...],
) -> list[tuple[tuple[int, ...], tuple[Any, ...], tuple[Any, ...]]]:
    """``(offsets, input key, output key)`` per kernel position that sees some input element.

    Window ``o`` sees ``o * stride - padding + offset * dilation`` along each axis; the output key
    is the box of windows where that is inside the input, the input key the elements they see.
    """
    found = []
    for offsets in itertools.product(*(range(k) for k in kernel)):
        x_key: list[Any] = [Ellipsis]
        out_key: list[Any] = [Ellipsis]
        for size, o, s, p, d, m in zip(
            spatial, offsets, stride, padding, dilation, output_size, strict=True
        ):
            shift = o * d - p  # input position of this kernel offset in window 0
            lo = max(0, -(shift // s))  # the first window that sees a position >= 0
            hi = min(m, (size - 1 - shift) // s + 1)  # past the last one that sees < size
            if lo >= hi:
                break
            start = lo * s + shift
            x_key.append(slice(start, start + (hi - lo - 1) * s + 1, s))
            out_key.append(slice(lo, hi))
        else:
            found.append((offsets, tuple(x_key), tuple(out_key)))
    return found


def _same_layout(lib: Any, fast: bool, x: Any, shape: tuple[int, ...], fill: Any = None) -> Any:
    """A new array of ``shape`` (``x``'s rank) laid out in memory like ``x`` (NumPy) or C order.

    Element-wise NumPy keeps the memory order of its inputs; results made here do too, so that
    a batch-last activation (see :func:`arraygrad._conv_windows.conv`) stays batch-last and
    every pass over it walks memory in order.
    """
    if fast:
        result = lib.empty_like(x, shape=shape)
        if fill is not None:
            result.fill(fill)
        return result
    if fill is None:
        return lib.zeros(shape, dtype=x.dtype)
    return lib.full(shape, fill, dtype=x.dtype)


def max_pool(
    lib: Any,
    fast: bool,
    x: Any,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    dilation: tuple[int, ...],
    output_size: tuple[int, ...],
) -> Any:
    """The maximum over each window of the last ``len(kernel)`` axes (NaN if one is NaN), of
    floats or integers."""
    n = len(kernel)
    lead = tuple(x.shape[: x.ndim - n])
    positions = _pool_positions(
        tuple(x.shape[x.ndim - n :]), kernel, stride, padding, dilation, output_size
    )
    shape = lead + tuple(output_size)
    # A window that sees no element (only padding) has PyTorch's start value for its maximum:
    # -inf, or the lowest integer of an integer dtype.
    lowest = float("-inf") if _backend.is_real_floating(x.dtype) else lib.iinfo(x.dtype).min
    if positions and all(
        key == slice(0, m) for key, m in zip(positions[0][2][1:], output_size, strict=True)
    ):
        # The first kernel position is inside every window (no left padding): start from it.
        result = _same_layout(lib, fast, x, shape)
        result[...] = x[positions[0][1]]
        positions = positions[1:]
    else:
        result = _same_layout(lib, fast, x, shape, fill=lowest)
    for _, x_key, out_key in positions:
        if fast:
            lib.maximum(result[out_key], x[x_key], out=result[out_key])
        else:  # the standard's maximum propagates NaN, as PyTorch's max pooling does
            result[out_key] = lib.maximum(result[out_key], x[x_key])
    return result


def _pool_picks(
    lib: Any,
    fast: bool,
    x: Any,
    maxima: Any,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    dilation: tuple[int, ...],
) -> list[tuple[tuple[int, ...], tuple[Any, ...], tuple[Any, ...], Any]]:
    """``(offsets, input key, output key, picked)`` per kernel position: ``picked`` marks the
    windows (within the output key) whose maximum ``maxima`` PyTorch takes from that position.

    A window picks its first element equal to its maximum; a window whose maximum is NaN picks
    its last NaN (PyTorch's scan replaces the maximum on ``value > max or isnan(value)``).
    """
    n = len(kernel)
    output_size = tuple(maxima.shape[maxima.ndim - n :])
    positions = _pool_positions(
        tuple(x.shape[x.ndim - n :]), kernel, stride, padding, dilation, output_size
    )
    # Which windows have picked already; made like ``maxima`` so that NumPy's element-wise ops
    # below all walk one memory order.
    taken = lib.zeros_like(maxima, dtype=lib.bool)
    picks = []
    for index, (offsets, x_key, out_key) in enumerate(positions):
        hit = x[x_key] == maxima[out_key]  # never true where the maximum is NaN
        if fast:
            picked = lib.greater(hit, taken[out_key])  # hit and not taken, in one pass
            if index < len(positions) - 1:
                taken[out_key] |= hit
        else:
            picked = hit & ~taken[out_key]
            taken[out_key] = taken[out_key] | hit
        picks.append((offsets, x_key, out_key, picked))
    nan = lib.isnan(maxima)
    if bool(lib.any(nan)):
        last = lib.zeros(tuple(maxima.shape), dtype=lib.bool)
        for i in reversed(range(len(picks))):
            offsets, x_key, out_key, picked = picks[i]
            hit = lib.isnan(x[x_key]) & ~last[out_key]
            last[out_key] = last[out_key] | hit
            picks[i] = (offsets, x_key, out_key, picked | hit)
    return picks


def _first_positions(
    lib: Any,
    spatial: tuple[int, ...],
    output_size: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    dilation: tuple[int, ...],
) -> Any:
    """Each window's first kernel position at or past 0 along each axis, as a flat index
    into the spatial axes (shaped ``output_size``): PyTorch's index of a window that sees no
    element (one that lies wholly in the padding), which may lie past the input."""
    n = len(spatial)
    first = lib.zeros((1,) * n, dtype=lib.int64)
    for axis, m in enumerate(output_size):
        d = dilation[axis]
        starts = lib.arange(m, dtype=lib.int64) * stride[axis] - padding[axis]
        starts = starts + lib.maximum(-(starts // d), lib.zeros_like(starts)) * d
        shape = [1] * n
        shape[axis] = m
        first = first * spatial[axis] + lib.reshape(starts, tuple(shape))
    return first


def _blind_windows(
    spatial: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    dilation: tuple[int, ...],
    output_size: tuple[int, ...],
) -> list[tuple[int, ...]]:
    """The windows that see no input element (only padding), as output positions.

    Only a window that starts in the left padding can miss the input (PyTorch's windows
    start before the input's end), and only with a dilated kernel, which steps from the
    padding over the whole input: so this is almost always empty, and cheap to find, from
    each axis alone (a window is blind when it is along one axis).
    """
    if all(d == 1 for d in dilation):
        return []
    seeing = []
    for size, k, s, p, d, m in zip(
        spatial, kernel, stride, padding, dilation, output_size, strict=True
    ):
        axis = [True] * m
        for o in range(min(m, -(-p // s))):  # the windows that start before the input
            start = o * s - p
            first = start + -(start // d) * d  # its first position at or past 0
            axis[o] = first < size and first <= start + (k - 1) * d
        seeing.append(axis)
    if all(all(axis) for axis in seeing):
        return []
    return [
        window
        for window in itertools.product(*(range(m) for m in output_size))
        if not all(seeing[axis][o] for axis, o in enumerate(window))
    ]


def _stray_targets(
    lib: Any,
    spatial: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    dilation: tuple[int, ...],
    output_size: tuple[int, ...],
) -> list[tuple[tuple[int, ...], tuple[int, ...] | None]]:
    """``(window, element)`` for each window that sees no element, with the input element
    that PyTorch's index for it names: PyTorch's backward sends such a window's gradient there.

    ``element`` is ``None`` where the index lies past the input: PyTorch's backward then
    writes out of bounds (here the gradient is dropped), and its double backward raises.
    """
    blind = _blind_windows(spatial, kernel, stride, padding, dilation, output_size)
    if not blind:
        return []
    first = _first_positions(lib, spatial, output_size, stride, padding, dilation)
    total = math.prod(spatial)
    targets: list[tuple[tuple[int, ...], tuple[int, ...] | None]] = []
    for window in blind:
        flat = int(first[window])
        if flat >= total:
            targets.append((window, None))
            continue
        element = []
        for size in reversed(spatial):
            element.append(flat % size)
            flat //= size
        targets.append((window, tuple(reversed(element))))
    return targets


def max_pool_scatter(
    lib: Any,
    fast: bool,
    g: Any,
    x: Any,
    maxima: Any,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    dilation: tuple[int, ...],
) -> Any:
    """The gradient of max pooling: ``g`` of each window sent to the element it picked, zeros
    elsewhere (the adjoint of :func:`max_pool_gather`)."""
    n = len(kernel)
    spatial = tuple(x.shape[x.ndim - n :])
    picks = _pool_picks(lib, fast, x, maxima, kernel, stride, padding, dilation)
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    # Windows apart (not overlapping): each element gets at most one pick, so the passes below
    # assign instead of adding. Tiled (apart and covering every element, as with the usual
    # kernel == stride): every element is written, so the result needs no zero fill either.
    apart = all(s >= span for s, span in zip(stride, spans, strict=True))
    tiled = apart and all(
        d == 1 and s == k and p == 0 and size == m * s
        for size, k, s, p, d, m in zip(
            spatial, kernel, stride, padding, dilation, g.shape[g.ndim - n :], strict=True
        )
    )
    if fast:
        g_finite = bool(lib.isfinite(g).all())
        result = _same_layout(lib, fast, x, tuple(x.shape), fill=None if tiled else 0)
        if g.strides != maxima.strides:
            # One copy into the memory order of the maxima (the input's): mixing two orders in
            # the element-wise passes below costs several times more than the copy.
            g = _reorder_into(lib.empty_like(maxima, dtype=g.dtype), g)
    else:
        g_finite = False
        result = lib.zeros(tuple(x.shape), dtype=g.dtype)
    # g where picked, else 0: multiplying by the mask is exact for finite g and a third of the
    # time of where() on NumPy (whose where() branches on every element of a random mask).
    for _, x_key, out_key, picked in picks:
        part = g[out_key]
        if g_finite and apart:  # written straight into the strided slice, no temporary
            lib.multiply(part, picked, out=result[x_key])
            continue
        if g_finite:
            values = part * picked
        else:
            values = lib.where(picked, part, lib.zeros((), dtype=part.dtype))
        if apart:
            result[x_key] = values
        elif fast:
            result[x_key] += values  # overlapping windows: an element may be picked twice
        else:
            result[x_key] = result[x_key] + values
    output_size = tuple(g.shape[g.ndim - n :])
    for window, element in _stray_targets(
        lib, spatial, kernel, stride, padding, dilation, output_size
    ):
        if element is None:
            continue
        target = (Ellipsis, *element)
        result[target] = result[target] + g[(Ellipsis, *window)]
    return result


# Positions of the destination's innermost axis copied per block by _reorder_into, and the
# source strides (bytes) that need blocks: those with a factor of 1024 or more.
_REORDER_BLOCK = 16
_CONFLICTING_STRIDE = 1024


def _reorder_into(dst: Any, src: Any) -> Any:
    """``dst[...] = src`` for NumPy arrays of one shape laid out in different memory orders;
    returns ``dst``.

    One assignment walks ``src`` in ``dst``'s order, so each run of ``dst``'s innermost axis
    reads ``src`` with a large stride. When that stride is a multiple of 1 KiB (a batch-first
    gradient of 4608 features per example: 18 KiB), the reads fall into a few cache sets and
    evict the lines the next run needs: 1.2 MB take 0.59 ms. Copied a block of 16 positions of
    that axis at a time, the lines a block reads stay in cache: 0.13 ms. Other strides do not
    conflict, and for them one assignment is faster than blocks (21,632 bytes: 0.11 ms against
    0.15 ms).
    """
    if not dst.ndim or src.shape != dst.shape:
        dst[...] = src
        return dst
    axis = min(range(dst.ndim), key=lambda a: abs(dst.strides[a]))
    if src.strides[axis] % _CONFLICTING_STRIDE:
        dst[...] = src
        return dst
    size = dst.shape[axis]
    for start in range(0, size, _REORDER_BLOCK):
        key = (slice(None),) * axis + (slice(start, start + _REORDER_BLOCK),)
        dst[key] = src[key]
    return dst


def max_pool_gather(
    lib: Any,
    fast: bool,
    v: Any,
    x: Any,
    maxima: Any,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    dilation: tuple[int, ...],
) -> Any:
    """``v`` at the element each window of ``x`` picked (``max_pool(x)`` when ``v`` is ``x``)."""
    result = lib.zeros(tuple(maxima.shape), dtype=v.dtype)
    for _, x_key, out_key, picked in _pool_picks(
        lib, fast, x, maxima, kernel, stride, padding, dilation
    ):
        result[out_key] = lib.where(picked, v[x_key], result[out_key])
    n = len(kernel)
    for window, element in _stray_targets(
        lib,
        tuple(x.shape[x.ndim - n :]),
        kernel,
        stride,
        padding,
        dilation,
        tuple(maxima.shape[maxima.ndim - n :]),
    ):
        if element is None:
            flat = _first_positions(
                lib,
                tuple(x.shape[x.ndim - n :]),
                tuple(maxima.shape[maxima.ndim - n :]),
                stride,
                padding,
                dilation,
            )[window]
            raise RuntimeError(
                f"index {int(flat)} is out of bounds for dimension {x.ndim - n} with size "
                f"{math.prod(x.shape[x.ndim - n :])}"
            )
        result[(Ellipsis, *window)] = v[(Ellipsis, *element)]
    return result


def max_pool_indices(
    lib: Any,
    fast: bool,
    x: Any,
    maxima: Any,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    dilation: tuple[int, ...],
) -> Any:
    """PyTorch's ``return_indices``: each pick's index in the flattened spatial axes of ``x``."""
    n = len(kernel)
    spatial = tuple(x.shape[x.ndim - n :])
    # A window that lies wholly in the padding picks nothing; PyTorch reports its first kernel
    # position at or past 0 along each axis (an index that may lie past the input).
    output_size = tuple(maxima.shape[maxima.ndim - n :])
    first = _first_positions(lib, spatial, output_size, stride, padding, dilation)
    result = lib.zeros(tuple(maxima.shape), dtype=lib.int64)
    result[...] = first
    for offsets, _, out_key, picked in _pool_picks(
        lib, fast, x, maxima, kernel, stride, padding, dilation
    ):
        flat = lib.zeros((1,) * n, dtype=lib.int64)
        for axis in range(n):
            box = out_key[1 + axis]
            starts = lib.arange(box.start, box.stop, dtype=lib.int64)
            position = starts * stride[axis] - padding[axis] + offsets[axis] * dilation[axis]
            shape = [1] * n
            shape[axis] = box.stop - box.start
            flat = flat * spatial[axis] + lib.reshape(position, tuple(shape))
        result[out_key] = lib.where(picked, flat, result[out_key])
    return result
