"""Piecewise element-wise kernels for the namespace ``xp``: ReLU, hardswish and the smooth L1
loss, with their gradients, each the formula of PyTorch 2.13's CPU kernel, in as few passes
over the data as NumPy allows.

On NumPy, ReLU's ``max(x, 0)`` is the ``clip`` ufunc with bounds ``[0, inf]``: the same
values as ``np.maximum(x, 0)`` (nan kept), three times faster, since NumPy's ``maximum`` has no
vector loop for an array beside a scalar; and ``-0.0`` stays ``-0.0``, as in PyTorch, where
``maximum``'s vector loop gives ``+0.0``. Hardswish, ``x * min(max(x + 3, 0), 6) / 6``, is four
passes written into one array, where its composition of primitives took a dozen; the smooth L1
loss and its gradient likewise. Other libraries take the same formulas through their own
functions (the ``generic_`` ones).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from arraygrad._backend import numpy_fast

# (NumPy's clip ufunc itself: np.clip is a Python wrapper costing over a microsecond per call,
# more than the arithmetic on small arrays)
_clip: Any = np._core.umath.clip  # type: ignore[attr-defined]

# ReLU's bounds, as 0-d arrays of each float dtype: the clip ufunc then runs its loop for that
# dtype without converting a Python number first.
_RELU_BOUNDS = {
    np.dtype(dtype): (np.zeros((), dtype), np.array(np.inf, dtype))
    for dtype in (np.float16, np.float32, np.float64)
}


def numpy_relu(x: Any) -> Any:
    """``max(x, 0)``, nan kept, ``-0.0`` kept (PyTorch's ``clamp_min``)."""
    bounds = _RELU_BOUNDS.get(x.dtype) if x.__class__ is np.ndarray else None
    if bounds is None:  # integers (and anything else): NumPy's maximum
        return np.maximum(x, 0)
    return _clip(x, bounds[0], bounds[1])


def generic_relu(lib: Any, x: Any) -> Any:
    """``max(x, 0)`` on any Array API library."""
    return lib.maximum(x, 0)


_FLOATS = frozenset(_RELU_BOUNDS)


def numpy_hardswish(x: Any) -> Any:
    """``x * min(max(x + 3, 0), 6) / 6``, PyTorch's kernel's operations in its order (so its
    bits: above 3 that is ``6x / 6``, not always ``x``)."""
    if x.__class__ is not np.ndarray or x.dtype not in _FLOATS or x.ndim == 0:
        return generic_hardswish(np, x)
    out = np.add(x, 3)
    _clip(out, 0, 6, out=out)
    np.multiply(x, out, out=out)
    return np.divide(out, 6, out=out)


def generic_hardswish(lib: Any, x: Any) -> Any:
    """:func:`numpy_hardswish` on any Array API library (the same operations)."""
    return x * lib.minimum(lib.maximum(x + 3, 0), 6) / 6


def _fast_pair(g: Any, x: Any) -> bool:
    """Whether a gradient ``g`` and its input ``x`` take a NumPy kernel: arrays of one float
    dtype and one shape (not 0-d, whose arithmetic gives NumPy scalars)."""
    return (
        x.__class__ is np.ndarray
        and g.__class__ is np.ndarray
        and x.dtype in _FLOATS
        and g.dtype == x.dtype
        and x.ndim > 0
        and g.shape == x.shape
    )


def numpy_hardswish_backward(g: Any, x: Any) -> Any:
    """Hardswish's gradient, PyTorch's ``hardswish_backward``: 0 up to and at -3,
    ``g (x / 3 + 1/2)`` strictly between -3 and 3, ``g`` from 3 on and at nan."""
    if not _fast_pair(g, x):
        return generic_hardswish_backward(np, g, x)
    slope = np.divide(x, 3)
    np.add(slope, 0.5, out=slope)
    result = np.multiply(g, slope, out=slope)  # (g has x's shape: the op is element-wise)
    # The flat parts, written over the slope's values there: few elements in the usual range
    # of inputs, so the masked copies cost little more than their comparisons.
    low = x <= -3
    np.copyto(result, 0, where=low)
    high = ~(x < 3)  # (and nan)
    np.copyto(result, g, where=high)
    return result


def generic_hardswish_backward(lib: Any, g: Any, x: Any) -> Any:
    """:func:`numpy_hardswish_backward` on any Array API library."""
    middle = lib.where(x < 3, g * (x / 3 + 0.5), g)
    return lib.where(x <= -3, lib.zeros_like(middle), middle)


def numpy_smooth_l1(d: Any, beta: float) -> Any:
    """The smooth L1 loss of the differences ``d``: ``0.5 d^2 / beta`` where ``|d| < beta``
    (and at nan), ``|d| - beta / 2`` elsewhere, as ``(d d) (0.5 / beta)`` and ``|d| - 0.5
    beta`` (the bits of arraygrad's composition of it, which PyTorch's kernel has for the usual
    ``beta = 1``)."""
    if d.__class__ is not np.ndarray or d.dtype not in _FLOATS or d.ndim == 0:
        return generic_smooth_l1(np, d, beta)
    size = np.abs(d)
    outside = size >= beta
    loss = np.multiply(d, d)
    np.multiply(loss, 0.5 / beta, out=loss)
    np.subtract(size, 0.5 * beta, out=size)
    # (a blend of bits, not copyto's where: the two pieces alternate at random in a loss)
    return numpy_fast.numpy_where(outside, size, loss)


def generic_smooth_l1(lib: Any, d: Any, beta: float) -> Any:
    """:func:`numpy_smooth_l1` on any Array API library."""
    size = lib.abs(d)
    outside = size >= beta
    inside = lib.where(outside, lib.zeros_like(d), d)  # (no overflow where it is not used)
    return lib.where(outside, size - 0.5 * beta, inside * inside * (0.5 / beta))


def numpy_smooth_l1_backward(g: Any, d: Any, beta: float) -> Any:
    """The smooth L1 loss's gradient for ``d``, PyTorch's vectorised kernel's: ``g d / beta``
    where ``|d| < beta`` (and at nan), ``g`` times the sign of ``d`` elsewhere."""
    if not _fast_pair(g, d):
        return generic_smooth_l1_backward(np, g, d, beta)
    # d / beta clipped to [-1, 1] is the kernel's slope: where |d| >= beta the quotient rounds to
    # at least 1 in size (rounding is monotone), so the clip gives its sign; inside, it is the
    # quotient itself (or 1 where that rounds to 1), and nan stays nan.
    slope = np.divide(d, beta)
    _clip(slope, -1, 1, out=slope)
    return np.multiply(slope, g, out=slope)  # (g has d's shape: the loss is element-wise)


def generic_smooth_l1_backward(lib: Any, g: Any, d: Any, beta: float) -> Any:
    """:func:`numpy_smooth_l1_backward` on any Array API library."""
    return lib.clip(d / beta, -1.0, 1.0) * g
