"""Window functions for spectral analysis: ``hann_window``, ``hamming_window``,
``blackman_window``, ``bartlett_window`` and ``kaiser_window``, as PyTorch makes them.

Each is a new leaf tensor of ``window_length`` values, computed as PyTorch computes it: in the
requested dtype (so float32 windows round as torch's do), over ``N = window_length + 1`` points
with the last one dropped when ``periodic`` (the default, for use with a DFT), or over
``N = window_length`` points for a symmetric window (``periodic=False``, for filter design).
A window of length 0 is empty and one of length 1 is ``[1.]``, whatever the other arguments.
(Sliding windows, im2col, are another thing: :mod:`arraygrad._windows`.)
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend, _dtype
from arraygrad._arguments import index_argument
from arraygrad._creation import _leaf, creation_options
from arraygrad._dtype import dtype
from arraygrad._tensor import Tensor

__all__ = [
    "bartlett_window",
    "blackman_window",
    "hamming_window",
    "hann_window",
    "kaiser_window",
]


def _points(
    name: str, window_length: Any, periodic: bool, dtype: dtype | None, options: dict[str, Any]
) -> tuple[int, Any, Any]:
    """Check the arguments as PyTorch does (dtype first, then the length) and return
    ``(N, indices, native dtype)``: ``indices`` are ``0 .. N-1`` in the window's dtype, or
    ``None`` for the lengths 0 and 1, whose windows need no formula."""
    creation_options(name, options)
    target = dtype if dtype is not None else _dtype.get_default_dtype()
    if not target.is_floating_point:
        raise RuntimeError(
            f"{name} expects floating point dtypes, got: {target}. Fix: pass a float dtype, "
            "e.g. dtype=arraygrad.float64."
        )
    length = index_argument(name, "window_length", 1, window_length)
    if length < 0:
        raise RuntimeError(
            f"{name} requires non-negative window_length, got window_length={length}"
        )
    native = _dtype.to_xp(target)
    if length <= 1:
        return length, None, native
    n = length + 1 if periodic else length
    return n, _backend.xp.arange(n, dtype=native), native


def _finish(values: Any, n: int, periodic: bool, requires_grad: bool) -> Tensor:
    if periodic:  # the N + 1 point window without its last point
        values = _backend.xp.getitem(values, (slice(0, n - 1),))
    return _leaf(values, requires_grad)


def _trivial(length: int, native: Any, requires_grad: bool) -> Tensor:
    # Length 0: empty; length 1: [1.] (PyTorch's choice, not the formula's 0/0).
    return _leaf(_backend.xp.ones((length,), dtype=native), requires_grad)


def hamming_window(
    window_length: int,
    periodic: bool = True,
    alpha: float = 0.54,
    beta: float = 0.46,
    *,
    dtype: dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """The generalised Hamming window ``w[n] = alpha - beta cos(2 pi n / (N - 1))``,
    ``n = 0 .. N-1`` (see the module for ``N`` and ``periodic``).

    >>> import arraygrad
    >>> arraygrad.hamming_window(5, periodic=False, dtype=arraygrad.float64)
    tensor([0.0800, 0.5400, 1.0000, 0.5400, 0.0800], dtype=arraygrad.float64)
    """
    return _hamming(
        "hamming_window", window_length, periodic, alpha, beta, dtype, requires_grad, options
    )


def _hamming(
    name: str,
    window_length: Any,
    periodic: bool,
    alpha: float,
    beta: float,
    dtype: dtype | None,
    requires_grad: bool,
    options: dict[str, Any],
) -> Tensor:
    n, index, native = _points(name, window_length, periodic, dtype, options)
    if index is None:
        return _trivial(n, native, requires_grad)
    xp = _backend.xp
    # PyTorch's steps, each rounded to the dtype: arange * (2 pi / (N - 1)), cos, * -beta, + alpha.
    angle = xp.multiply(index, 2.0 * math.pi / (n - 1))
    values = xp.add(xp.multiply(xp.cos(angle), -float(beta)), float(alpha))
    return _finish(values, n, periodic, requires_grad)


def hann_window(
    window_length: int,
    periodic: bool = True,
    *,
    dtype: dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """The Hann window ``w[n] = 1/2 - 1/2 cos(2 pi n / (N - 1)) = sin^2(pi n / (N - 1))``,
    ``n = 0 .. N-1``: :func:`hamming_window` with ``alpha = beta = 1/2``.

    >>> import arraygrad
    >>> arraygrad.hann_window(4)
    tensor([0.0000, 0.5000, 1.0000, 0.5000])
    """
    return _hamming("hann_window", window_length, periodic, 0.5, 0.5, dtype, requires_grad, options)


def blackman_window(
    window_length: int,
    periodic: bool = True,
    *,
    dtype: dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """The Blackman window
    ``w[n] = 0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))``, ``n = 0 .. N-1``.

    >>> import arraygrad
    >>> arraygrad.blackman_window(5, periodic=False, dtype=arraygrad.float64)[1:4]
    tensor([0.3400, 1.0000, 0.3400], dtype=arraygrad.float64)
    """
    n, index, native = _points("blackman_window", window_length, periodic, dtype, options)
    if index is None:
        return _trivial(n, native, requires_grad)
    xp = _backend.xp
    angle = xp.multiply(index, math.pi / (n - 1))
    high = xp.multiply(xp.cos(xp.multiply(angle, 4.0)), 0.08)
    low = xp.multiply(xp.cos(xp.multiply(angle, 2.0)), 0.5)
    return _finish(xp.add(xp.subtract(high, low), 0.42), n, periodic, requires_grad)


def bartlett_window(
    window_length: int,
    periodic: bool = True,
    *,
    dtype: dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """The Bartlett (triangular) window ``w[n] = 1 - |2n / (N - 1) - 1|``, ``n = 0 .. N-1``:
    ``2n / (N - 1)`` rising to 1 at the middle, ``2 - 2n / (N - 1)`` after it.

    >>> import arraygrad
    >>> arraygrad.bartlett_window(5, periodic=False)
    tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
    """
    n, index, native = _points("bartlett_window", window_length, periodic, dtype, options)
    if index is None:
        return _trivial(n, native, requires_grad)
    xp = _backend.xp
    ramp = xp.multiply(index, 2.0 / (n - 1))
    first_half = (n - 1) // 2 + 1  # PyTorch's split: the middle point belongs to the rise
    rise = xp.getitem(ramp, (slice(0, first_half),))
    fall = xp.subtract(2.0, xp.getitem(ramp, (slice(first_half, None),)))
    return _finish(xp.concat([rise, fall]), n, periodic, requires_grad)


def kaiser_window(
    window_length: int,
    periodic: bool = True,
    beta: float = 12.0,
    *,
    dtype: dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """The Kaiser window ``w[n] = I0(beta sqrt(1 - ((n - a) / a)^2)) / I0(beta)``,
    ``a = (N - 1) / 2``, ``n = 0 .. N-1``, with ``I0`` the modified Bessel function of order 0
    (:func:`arraygrad.i0`). A larger ``beta`` gives a narrower window.

    >>> import arraygrad
    >>> arraygrad.kaiser_window(3, periodic=False, beta=0.0)
    tensor([1., 1., 1.])
    """
    from arraygrad._special_functions import i0

    n, index, native = _points("kaiser_window", window_length, periodic, dtype, options)
    if index is None:
        return _trivial(n, native, requires_grad)
    xp = _backend.xp
    # PyTorch's kernel computes in float32 for float16 ("opmath") and rounds once at the end.
    half = _dtype.from_xp(native) is _dtype.float16
    work = _dtype.to_xp(_dtype.float32) if half else native
    index = xp.astype(index, work)
    middle = (n - 1) / 2.0
    ratio = xp.divide(xp.subtract(index, middle), middle)
    # abs as PyTorch's kernel has it: 1 - ratio^2 may round to a tiny negative at the ends.
    radius = xp.sqrt(xp.abs(xp.subtract(1.0, xp.multiply(ratio, ratio))))
    beta_value = xp.asarray(float(beta), dtype=work)
    numerator = i0(Tensor._wrap(xp.multiply(radius, beta_value)))._data
    values = xp.divide(numerator, i0(Tensor._wrap(beta_value))._data)
    return _finish(xp.astype(values, native), n, periodic, requires_grad)
