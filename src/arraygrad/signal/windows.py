"""``arraygrad.signal.windows``: the window functions of ``torch.signal.windows`` (SciPy's
names and arguments): ``bartlett``, ``blackman``, ``cosine``, ``exponential``, ``gaussian``,
``general_cosine``, ``general_hamming``, ``hamming``, ``hann``, ``kaiser`` and ``nuttall``.

Each makes ``M`` values as a new leaf tensor, computed in its dtype (float32 by default, or
float64). ``sym=True`` (the default) gives a symmetric window, for filter design; ``sym=False``
a periodic one, for spectral analysis: the first ``M`` points of the symmetric window of
``M + 1``. ``M = 0`` gives an empty tensor and ``M = 1`` ``[1.]``.
(``arraygrad.hann_window`` and its siblings are the older ``window_length`` forms.)

>>> from arraygrad.signal import windows
>>> windows.hann(5)
tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
"""

# ruff: noqa: N803, N806 - ``M`` is PyTorch's (and SciPy's) argument name

from __future__ import annotations

import math as _math
import operator as _operator
from typing import TYPE_CHECKING

from arraygrad import _backend, _dtype
from arraygrad._creation import _leaf
from arraygrad._creation import creation_options as _creation_options
from arraygrad._tensor import Tensor as _Tensor

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from arraygrad._tensor import Tensor

__all__ = [
    "bartlett",
    "blackman",
    "cosine",
    "exponential",
    "gaussian",
    "general_cosine",
    "general_hamming",
    "hamming",
    "hann",
    "kaiser",
    "nuttall",
]


def _start(
    name: str, M: Any, dtype: _dtype.dtype | None, options: dict[str, Any]
) -> tuple[int, Any]:
    """Check ``M`` and the dtype in PyTorch's order, with its messages (naming ``name``), and
    return ``(M, native dtype)``."""
    _creation_options(name, options)
    length = _operator.index(M)
    if length < 0:
        raise ValueError(
            f"{name} requires non-negative window length, got M={length}. Fix: pass M >= 0."
        )
    target = _dtype.get_default_dtype() if dtype is None else dtype
    if target not in (_dtype.float32, _dtype.float64):
        raise ValueError(
            f"{name} expects float32 or float64 dtypes, got: torch.{target.name}"
            ". Fix: pass dtype=torch.float32 or torch.float64."
        )
    return length, _dtype.to_xp(target)


def _points(M: int, sym: Any, native: Any) -> tuple[Any, int]:
    """The positions ``0 .. N-1`` of the symmetric window computed, and ``N``: ``M`` points,
    or ``M + 1`` for a periodic window (whose last point is then dropped)."""
    n = M if sym else M + 1
    return _backend.xp.arange(n, dtype=native), n


def _done(values: Any, M: int, requires_grad: bool) -> Tensor:
    """The first ``M`` values as a new leaf tensor."""
    if values.shape[0] != M:
        values = _backend.xp.getitem(values, (slice(0, M),))
    return _leaf(values, requires_grad)


def _trivial(M: int, native: Any, requires_grad: bool) -> Tensor | None:
    """The windows of length 0 (empty) and 1 (``[1.]``), which need no formula."""
    if M > 1:
        return None
    return _leaf(_backend.xp.ones((M,), dtype=native), requires_grad)


def general_cosine(
    M: int,
    *,
    a: Iterable[float],
    sym: bool = True,
    dtype: _dtype.dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """A sum of cosines: ``w[n] = sum_k (-1)^k a[k] cos(2 pi k n / (N - 1))``.

    >>> from arraygrad.signal import windows
    >>> windows.general_cosine(3, a=[0.5, 0.5])
    tensor([0., 1., 0.])
    """
    return _cosine_sum("general_cosine", M, a, sym, dtype, requires_grad, options)


def _cosine_sum(
    name: str,
    M: Any,
    a: Any,
    sym: Any,
    dtype: _dtype.dtype | None,
    requires_grad: bool,
    options: dict[str, Any],
) -> Tensor:
    M, native = _start(name, M, dtype, options)
    trivial = _trivial(M, native, requires_grad)
    if trivial is not None:
        return trivial
    if not isinstance(a, (list, tuple)):
        raise TypeError(
            "Coefficients must be a list/tuple"
            f" (got {type(a).__name__}). Fix: pass a list of floats, e.g. a=[0.5, "
            "0.5]."
        )
    if not a:
        raise ValueError(
            "Coefficients cannot be empty. Fix: pass at least one coefficient, e.g. a=[0.5, 0.5]."
        )
    xp = _backend.xp
    k, n = _points(M, sym, native)
    step = xp.multiply(k, 2.0 * _math.pi / (n - 1))
    total = xp.zeros((n,), dtype=native)
    for order, coefficient in enumerate(a):
        term = xp.multiply(xp.cos(xp.multiply(step, float(order))), float(coefficient))
        total = xp.subtract(total, term) if order % 2 else xp.add(total, term)
    return _done(total, M, requires_grad)


def general_hamming(
    M: int,
    *,
    alpha: float = 0.54,
    sym: bool = True,
    dtype: _dtype.dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """``w[n] = alpha - (1 - alpha) cos(2 pi n / (N - 1))``: :func:`general_cosine` with
    ``a = [alpha, 1 - alpha]``.

    >>> from arraygrad.signal import windows
    >>> windows.general_hamming(3, alpha=0.6)
    tensor([0.2000, 1.0000, 0.2000])
    """
    a = [alpha, 1.0 - alpha]
    return _cosine_sum("general_cosine", M, a, sym, dtype, requires_grad, options)


def hann(
    M: int,
    *,
    sym: bool = True,
    dtype: _dtype.dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """The Hann window, ``0.5 - 0.5 cos(2 pi n / (N - 1))``.

    >>> from arraygrad.signal import windows
    >>> windows.hann(3)
    tensor([0., 1., 0.])
    """
    return _cosine_sum("general_cosine", M, [0.5, 0.5], sym, dtype, requires_grad, options)


def hamming(
    M: int,
    *,
    sym: bool = True,
    dtype: _dtype.dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """The Hamming window, ``0.54 - 0.46 cos(2 pi n / (N - 1))``.

    >>> from arraygrad.signal import windows
    >>> windows.hamming(3)
    tensor([0.0800, 1.0000, 0.0800])
    """
    return _cosine_sum("general_cosine", M, [0.54, 0.46], sym, dtype, requires_grad, options)


def blackman(
    M: int,
    *,
    sym: bool = True,
    dtype: _dtype.dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """The Blackman window, :func:`general_cosine` with ``a = [0.42, 0.5, 0.08]``.

    >>> from arraygrad.signal import windows
    >>> windows.blackman(5)[1:4]
    tensor([0.3400, 1.0000, 0.3400])
    """
    a = [0.42, 0.5, 0.08]
    return _cosine_sum("blackman", M, a, sym, dtype, requires_grad, options)


def nuttall(
    M: int,
    *,
    sym: bool = True,
    dtype: _dtype.dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """Nuttall's minimum 4-term Blackman-Harris window, :func:`general_cosine` with
    ``a = [0.3635819, 0.4891775, 0.1365995, 0.0106411]``.

    >>> from arraygrad.signal import windows
    >>> round(windows.nuttall(3)[1].item(), 6)
    1.0
    """
    a = [0.3635819, 0.4891775, 0.1365995, 0.0106411]
    return _cosine_sum("general_cosine", M, a, sym, dtype, requires_grad, options)


def bartlett(
    M: int,
    *,
    sym: bool = True,
    dtype: _dtype.dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """The triangular window ``w[n] = 1 - |2 n / (N - 1) - 1|``.

    >>> from arraygrad.signal import windows
    >>> windows.bartlett(5)
    tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
    """
    M, native = _start("bartlett", M, dtype, options)
    trivial = _trivial(M, native, requires_grad)
    if trivial is not None:
        return trivial
    xp = _backend.xp
    k, n = _points(M, sym, native)
    ramp = xp.subtract(xp.multiply(k, 2.0 / (n - 1)), 1.0)
    return _done(xp.subtract(1.0, xp.abs(ramp)), M, requires_grad)


def cosine(
    M: int,
    *,
    sym: bool = True,
    dtype: _dtype.dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """The cosine (sine) window ``w[n] = sin(pi (n + 1/2) / N)``.

    >>> from arraygrad.signal import windows
    >>> windows.cosine(3)
    tensor([0.5000, 1.0000, 0.5000])
    """
    M, native = _start("cosine", M, dtype, options)
    trivial = _trivial(M, native, requires_grad)
    if trivial is not None:
        return trivial
    xp = _backend.xp
    k, n = _points(M, sym, native)
    values = xp.sin(xp.multiply(xp.add(k, 0.5), _math.pi / n))
    return _done(values, M, requires_grad)


def gaussian(
    M: int,
    *,
    std: float = 1.0,
    sym: bool = True,
    dtype: _dtype.dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """The Gaussian window ``w[n] = exp(-((n - (N - 1) / 2) / std)^2 / 2)``.

    >>> from arraygrad.signal import windows
    >>> windows.gaussian(3, std=1.0)
    tensor([0.6065, 1.0000, 0.6065])
    """
    M, native = _start("gaussian", M, dtype, options)
    if float(std) <= 0:
        raise ValueError(
            f"Standard deviation must be positive, got: {std} instead. Fix: pass std > 0."
        )
    std = float(std)
    trivial = _trivial(M, native, requires_grad)
    if trivial is not None:
        return trivial
    xp = _backend.xp
    k, n = _points(M, sym, native)
    z = xp.divide(xp.subtract(k, (n - 1) / 2.0), std)
    return _done(xp.exp(xp.multiply(xp.multiply(z, z), -0.5)), M, requires_grad)


def exponential(
    M: int,
    *,
    center: float | None = None,
    tau: float = 1.0,
    sym: bool = True,
    dtype: _dtype.dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """The exponential (Poisson) window ``w[n] = exp(-|n - center| / tau)``, ``center``
    ``(N - 1) / 2`` by default; only a periodic window (``sym=False``) takes another.

    >>> from arraygrad.signal import windows
    >>> windows.exponential(3, tau=1.0)
    tensor([0.3679, 1.0000, 0.3679])
    """
    M, native = _start("exponential", M, dtype, options)
    if float(tau) <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead. Fix: pass tau > 0.")
    tau = float(tau)
    if sym and center is not None:
        raise ValueError(
            "Center must be None for symmetric windows"
            f" (got center={center}). Fix: drop center, or pass sym=False."
        )
    # M = 1 is [1.] too, unless a center places the one point elsewhere (PyTorch's rule)
    if M == 0 or (M == 1 and center is None):
        return _leaf(_backend.xp.ones((M,), dtype=native), requires_grad)
    xp = _backend.xp
    k, n = _points(M, sym, native)
    middle = (n - 1) / 2.0 if center is None else float(center)
    distance = xp.abs(xp.subtract(k, middle))
    return _done(xp.exp(xp.divide(distance, -tau)), M, requires_grad)


def kaiser(
    M: int,
    *,
    beta: float = 12.0,
    sym: bool = True,
    dtype: _dtype.dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """The Kaiser window ``w[n] = I0(beta sqrt(1 - ((n - c) / c)^2)) / I0(beta)``,
    ``c = (N - 1) / 2``, with ``I0`` the modified Bessel function of order 0; a larger ``beta``
    narrows it.

    >>> from arraygrad.signal import windows
    >>> windows.kaiser(3, beta=0.0)
    tensor([1., 1., 1.])
    """
    from arraygrad._special_functions import i0

    M, native = _start("kaiser", M, dtype, options)
    if float(beta) < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead. Fix: pass beta >= 0.")
    beta = float(beta)
    trivial = _trivial(M, native, requires_grad)
    if trivial is not None:
        return trivial
    xp = _backend.xp
    k, n = _points(M, sym, native)
    middle = (n - 1) / 2.0
    ratio = xp.divide(xp.subtract(k, middle), middle)
    # abs: 1 - ratio^2 may round to a tiny negative at the ends
    radius = xp.sqrt(xp.abs(xp.subtract(1.0, xp.multiply(ratio, ratio))))
    scale = xp.asarray(beta, dtype=native)
    top = i0(_Tensor._wrap(xp.multiply(radius, scale)))._data
    return _done(xp.divide(top, i0(_Tensor._wrap(scale))._data), M, requires_grad)
