"""The taps of ``interpolate``'s cubic and antialiased modes along one axis.

A tap is a pair of constants over the output positions of an axis: the source index each
output reads and the weight it gives that read. An axis is resampled as the sum over its taps of
``take(input, index) * weight``, so the gradient is the existing ``take`` (whose adjoint
scatter-adds) and products; nothing here needs a rule of its own.

``"bicubic"`` has four taps, at ``floor(x) - 1 .. floor(x) + 2`` around source position ``x``,
weighted by Keys' cubic convolution kernel with ``a = -0.75``; taps past an edge read the edge
row (the indices are clamped, the weights kept). Antialiased modes, for downsampling, stretch a
filter (the triangle for bilinear, Keys' kernel with ``a = -0.5`` for bicubic) over ``scale``
source rows, cut it to the rows that exist and normalise its weights to sum to 1; the number of
taps is the widest window any output can have, the narrower ones padded with zero weights.

Everything is computed from the static sizes with the namespace's functions, never operators
(``arraygrad.compile``'s recorder sees only the former), in the input's dtype as PyTorch's CPU
kernels do, so that float32 results land within an ulp or two of PyTorch's.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend

__all__ = ["antialias_taps", "axis_scale", "cubic_taps"]

# The cubic convolution constant of the plain bicubic mode, and that of the antialiased filter
# (found by fitting PyTorch's outputs; both are the usual choices for the two uses).
_CUBIC_A = -0.75
_ANTIALIAS_CUBIC_A = -0.5


def axis_scale(xp: Any, dtype: Any, size: int, out: int, scale: float | None) -> Any:
    """PyTorch's source step per output position: ``1 / scale`` when a scale was given, else
    ``size / out``, in ``dtype``."""
    if scale is not None and scale > 0:
        return xp.asarray(1.0 / scale, dtype=dtype)
    return xp.divide(xp.asarray(size, dtype=dtype), xp.asarray(out, dtype=dtype))


def _corner_step(xp: Any, dtype: Any, size: int, out: int) -> Any:
    """The step of ``align_corners=True``: the first and last rows of both ends meet."""
    if out <= 1:
        return xp.asarray(0, dtype=dtype)
    return xp.divide(xp.asarray(size - 1, dtype=dtype), xp.asarray(out - 1, dtype=dtype))


def _fma(xp: Any, a: Any, b: Any, c: Any, dtype: Any) -> Any:
    """``a * b + c``. In float32 it is rounded once, like the fused multiply-adds PyTorch's
    compiled kernel uses there: float64 holds the product of two float32s exactly, and the sum
    rounds to float64 and then to float32 (twice only matters at an exact float32 midpoint). In
    float64 it rounds twice; the difference is an ulp of a weight."""
    if dtype == xp.float32:
        wide = xp.add(
            xp.multiply(xp.astype(a, xp.float64), xp.astype(b, xp.float64)),
            xp.astype(c, xp.float64),
        )
        return xp.astype(wide, dtype)
    return xp.add(xp.multiply(a, b), c)


def _keys_near(xp: Any, x: Any, a: Any, dtype: Any) -> Any:
    """Keys' kernel for ``0 <= x <= 1``: ``((a + 2) x - (a + 3)) x^2 + 1``."""
    one = xp.asarray(1, dtype=dtype)
    inner = xp.subtract(xp.multiply(xp.add(a, 2), x), xp.add(a, 3))
    return xp.add(xp.multiply(xp.multiply(inner, x), x), one)


def _keys_far(xp: Any, x: Any, a: Any, dtype: Any, fused: bool) -> Any:
    """Keys' kernel for ``1 <= x <= 2``: ``((a x - 5 a) x + 8 a) x - 4 a``; ``fused`` rounds the
    first two steps as PyTorch's plain bicubic kernel does in float32."""
    five, eight, four = (xp.multiply(a, xp.asarray(k, dtype=dtype)) for k in (5, 8, 4))
    if fused:
        inner = _fma(xp, _fma(xp, a, x, xp.negative(five), dtype), x, eight, dtype)
    else:
        inner = xp.add(xp.multiply(xp.subtract(xp.multiply(a, x), five), x), eight)
    return xp.subtract(xp.multiply(inner, x), four)


def cubic_taps(
    size: int, out: int, scale: float | None, align_corners: bool, dtype: Any
) -> list[tuple[Any, Any]]:
    """The four (index, weight) taps of ``"bicubic"`` along an axis of ``size`` rows resampled
    to ``out``."""
    xp = _backend.xp
    positions = xp.astype(xp.arange(out), dtype)
    if align_corners:
        source = xp.multiply(positions, _corner_step(xp, dtype, size, out))
    else:
        # Unlike the linear modes, a negative position is kept: its taps clamp to row 0.
        half = xp.asarray(0.5, dtype=dtype)
        step = axis_scale(xp, dtype, size, out, scale)
        source = xp.subtract(xp.multiply(step, xp.add(positions, half)), half)
    below = xp.floor(source)
    t = xp.subtract(source, below)  # in [0, 1): the distance past the tap at floor(x)
    one, two = xp.asarray(1, dtype=dtype), xp.asarray(2, dtype=dtype)
    a = xp.asarray(_CUBIC_A, dtype=dtype)
    weights = (
        _keys_far(xp, xp.add(t, one), a, dtype, fused=True),
        _keys_near(xp, t, a, dtype),
        _keys_near(xp, xp.subtract(one, t), a, dtype),
        _keys_far(xp, xp.subtract(two, t), a, dtype, fused=True),
    )
    first = xp.astype(below, xp.int64)
    return [
        (xp.clip(xp.add(first, offset), 0, size - 1), weight)
        for offset, weight in zip((-1, 0, 1, 2), weights, strict=True)
    ]


def _filter(xp: Any, x: Any, cubic: bool, dtype: Any) -> Any:
    """The antialiasing filter at distances ``x`` (in filter units): Keys' kernel with
    ``a = -0.5`` for bicubic, the triangle ``max(0, 1 - |x|)`` for bilinear."""
    x = xp.abs(x)
    zero = xp.asarray(0, dtype=dtype)
    if not cubic:
        return xp.maximum(xp.subtract(xp.asarray(1, dtype=dtype), x), zero)
    a = xp.asarray(_ANTIALIAS_CUBIC_A, dtype=dtype)
    far = xp.where(xp.less(x, 2), _keys_far(xp, x, a, dtype, fused=False), zero)
    return xp.where(xp.less(x, 1), _keys_near(xp, x, a, dtype), far)


def antialias_taps(
    size: int, out: int, scale: float | None, align_corners: bool, cubic: bool, dtype: Any
) -> list[tuple[Any, Any]]:
    """The (index, weight) taps of antialiased ``"bilinear"`` (``cubic`` False) or
    ``"bicubic"`` along an axis of ``size`` rows resampled to ``out``.

    Output ``i`` is centred at ``step * (i + 0.5)`` (with ``align_corners`` too, where the step
    is ``(size - 1) / (out - 1)``); the filter, of half-width 1 (bilinear) or 2 (bicubic), is
    stretched by the step when it exceeds 1 (downsampling) and kept as it is otherwise."""
    xp = _backend.xp
    if align_corners:
        step = _corner_step(xp, dtype, size, out)
        step_value = (size - 1) / (out - 1) if out > 1 else 0.0
    else:
        step = axis_scale(xp, dtype, size, out, scale)
        step_value = 1.0 / scale if scale is not None and scale > 0 else size / out
    half_width = 2 if cubic else 1
    one, half = xp.asarray(1, dtype=dtype), xp.asarray(0.5, dtype=dtype)
    stretch = xp.maximum(step, one)
    support = xp.multiply(xp.asarray(half_width, dtype=dtype), stretch)
    shrink = xp.divide(one, stretch)  # from source rows to filter units
    centre = xp.multiply(step, xp.add(xp.astype(xp.arange(out), dtype), half))
    # The window [first, end) of rows within the support, cut to the rows that exist.
    first = xp.astype(xp.floor(xp.add(xp.subtract(centre, support), half)), xp.int64)
    first = xp.maximum(first, 0)
    end = xp.astype(xp.floor(xp.add(xp.add(centre, support), half)), xp.int64)
    end = xp.minimum(end, size)
    # A window spans at most 2 * support + 1 rows (the rounding of its ends cannot add one:
    # their difference is 2 * support within a few ulps, and a row is counted by a floor).
    count = min(size, math.ceil(2 * half_width * max(step_value, 1.0)) + 1)
    indices, weights = [], []
    zero = xp.asarray(0, dtype=dtype)
    for k in range(count):
        row = xp.add(first, k)
        distance = xp.add(xp.subtract(xp.astype(row, dtype), centre), half)
        weight = _filter(xp, xp.multiply(distance, shrink), cubic, dtype)
        weights.append(xp.where(xp.less(row, end), weight, zero))
        indices.append(xp.minimum(row, size - 1))
    total = weights[0]
    for weight in weights[1:]:
        total = xp.add(total, weight)
    # A window whose weights cancel (none do in practice) keeps them unnormalised.
    total = xp.where(xp.equal(total, zero), one, total)
    return [
        (index, xp.divide(weight, total)) for index, weight in zip(indices, weights, strict=True)
    ]
