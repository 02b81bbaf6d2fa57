"""NumPy's ``erfinv``: :func:`arraygrad._special.erfinv`'s arithmetic, each range and each
Halley step's ``erf``/``erfc`` pair by ranges, bit for bit the generic function's result.

The generic function, written against any Array API namespace, evaluates both first guesses
(the central rational and the tail's ``sqrt(-log(...))``) and, in each of its two Halley
steps, the complete ``erf``/``erfc`` pair (every range of both) on every element: ~250
float64 passes over the data. Here the central guess runs on all elements and the tail only
on ``|x| > 0.7``; each step takes the pair from :mod:`numpy_erf` (by ranges), and the whole
runs block by block, its arrays in a core's cache. Each element
sees the same operations in the same order as in the generic code
(tests/test_backend_exact_fast_paths.py compares them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from arraygrad._backend import blockwise, numpy_erf, numpy_fast
from arraygrad._special import error_function
from arraygrad._special._common import _TWO_OVER_SQRT_PI, _from_f64, _on_range, _poly


def erfinv(x: Any) -> Any:
    """``erfinv(x)`` as :func:`arraygrad._special.erfinv` computes it, on a NumPy array."""
    if x.__class__ is not np.ndarray or x.dtype not in blockwise.FAST or x.ndim == 0:
        return error_function.erfinv(np, x)  # (bfloat16's float64 work goes through float32)
    # Flat and C-ordered: the ranges' elements are picked and written back by flat position;
    # block by block where it is large, so that each block's ~90 passes run in a core's cache.
    return blockwise.flat_in_blocks(_erfinv_flat, x)


def _erfinv_flat(source: Any) -> Any:
    """:func:`erfinv` of a flat array."""
    x64 = source.astype(np.float64)
    ax = np.abs(x64)
    ok = ax < 1.0  # excludes nan and |x| >= 1
    a = numpy_fast.numpy_where(ok, ax, 0.5)
    q = np.subtract(1.0, a)
    y = _first_guess(a, q)
    upper = a > 0.5
    for _ in range(2):
        resid = _residual(y, a, q, upper)
        # d = resid / (2/sqrt(pi) exp(-y^2)); y -= d / (1 + y d), in the generic order
        scale = np.multiply(y, y)
        np.negative(scale, out=scale)
        np.exp(scale, out=scale)
        np.multiply(_TWO_OVER_SQRT_PI, scale, out=scale)
        d = np.divide(resid, scale, out=resid)
        step = np.multiply(y, d, out=scale)
        np.add(1.0, step, out=step)
        np.divide(d, step, out=step)
        y = np.subtract(y, step, out=y)
    edge = np.where(ax == 1.0, np.inf, np.nan)
    y = numpy_fast.numpy_where(ok, y, edge)
    return _from_f64(np, np.copysign(y, x64, out=y), source.dtype)


def _first_guess(a: Any, q: Any) -> Any:
    """Pavlis's rationals: ``a P(a^2) / Q(a^2)`` up to 0.7, the tail's in ``sqrt(-log(q/2))``
    beyond (computed there only)."""
    z = np.multiply(a, a)
    num = _poly(np, z, error_function._ERFINV_A)
    den = _poly(np, z, error_function._ERFINV_B)
    np.divide(num, den, out=num)
    y = np.multiply(a, num, out=num)
    _on_range(np, a > 0.7, _tail_guess, q, into=y)
    return y


def _tail_guess(q: Any) -> Any:
    """The tail's first guess, ``C(t) / D(t)`` with ``t = sqrt(-log(q/2))``."""
    t = np.multiply(q, 0.5)
    np.log(t, out=t)
    np.negative(t, out=t)
    np.sqrt(t, out=t)
    return _poly(np, t, error_function._ERFINV_C) / _poly(np, t, error_function._ERFINV_D)


def _residual(y: Any, a: Any, q: Any, upper: Any) -> Any:
    """The generic step's ``where(upper, q - erfc(y), erf(y) - a)``."""
    e, complement = numpy_erf.erf_and_erfc(y)
    np.subtract(q, complement, out=complement)
    np.subtract(e, a, out=e)
    return numpy_fast.numpy_where(upper, complement, e)
