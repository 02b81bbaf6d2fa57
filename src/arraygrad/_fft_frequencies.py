"""``arraygrad.fft``'s helpers beside the transforms: the sample frequencies ``fftfreq`` and
``rfftfreq`` (PyTorch's factories: ``dtype``, ``requires_grad``, ``out=``) and ``fftshift`` /
``ifftshift``, which roll the zero frequency to the middle and back.
"""

from __future__ import annotations

import operator as _operator
from typing import TYPE_CHECKING

from arraygrad import _backend, _dtype
from arraygrad._arguments import require_tensor as _require_tensor
from arraygrad._creation import _leaf
from arraygrad._creation import arange as _arange
from arraygrad._out import made as _made
from arraygrad._shape import roll as _roll
from arraygrad._tensor import Tensor

if TYPE_CHECKING:
    from typing import Any

__all__ = ["fftfreq", "fftshift", "ifftshift", "rfftfreq"]


def _frequencies(values: Any, scale: float, dtype: Any, requires_grad: bool) -> Tensor:
    dt = dtype if dtype is not None else _dtype.get_default_dtype()
    if dt.is_complex:  # PyTorch's frequencies are an arange of that dtype, which has none
        raise NotImplementedError(
            f"\"arange_cpu\" not implemented for '{_dtype.torch_type_name(dt)}'. Fix: compute "
            "the frequencies in a float dtype and convert them."
        )
    if not dt.is_floating_point:
        raise RuntimeError(
            f"fftfreq requires a floating point or complex dtype (got {dt}). Fix: pass "
            "dtype=arraygrad.float32 or leave dtype out."
        )
    array = _backend.xp.astype(values._data, _dtype.to_xp(dt)) * scale
    return _leaf(_backend.xp.astype(array, _dtype.to_xp(dt)), requires_grad)


def _length(op: str, n: Any) -> int:
    """The number of samples ``n`` as an int; PyTorch's TypeError for what is not one (a float,
    a bool, a tensor of more than one element)."""
    if n.__class__ is int:
        return n  # type: ignore[no-any-return]
    is_tensor = isinstance(n, Tensor)
    if isinstance(n, bool) or not hasattr(n, "__index__") or (is_tensor and n.ndim != 0):
        raise TypeError(
            f"fft_{op}(): argument 'n' (position 1) must be int, not {type(n).__name__}. Fix: "
            f"pass the number of samples, e.g. {op}(x.shape[-1])."
        )
    return _operator.index(n)


def fftfreq(
    n: int, d: float = 1.0, *, dtype: Any = None, requires_grad: bool = False, **options: Any
) -> Tensor:
    """The frequencies of :func:`fft`'s ``n`` outputs for samples ``d`` apart: ``0, 1, ...,
    -1`` over ``n * d``.

    >>> import arraygrad
    >>> arraygrad.fft.fftfreq(4)
    tensor([ 0.0000,  0.2500, -0.5000, -0.2500])
    """
    if options.get("out") is not None:  # (the placement keywords are accepted and ignored)
        return _made("fftfreq", fftfreq, (n, d), options, dtype, requires_grad)
    n = _length("fftfreq", n)
    positive = (n - 1) // 2 + 1
    steps = _arange(n, dtype=_dtype.int64)
    wrapped = steps - n * (steps >= positive).long()
    return _frequencies(wrapped, 1.0 / (n * d), dtype, requires_grad)


def rfftfreq(
    n: int, d: float = 1.0, *, dtype: Any = None, requires_grad: bool = False, **options: Any
) -> Tensor:
    """The frequencies of :func:`rfft`'s ``n // 2 + 1`` outputs for samples ``d`` apart:
    ``0, 1, ..., n // 2`` over ``n * d`` (in the default float dtype unless ``dtype`` is given).

    >>> import arraygrad
    >>> arraygrad.fft.rfftfreq(5)
    tensor([0.0000, 0.2000, 0.4000])
    >>> arraygrad.fft.rfftfreq(4, d=0.5)
    tensor([0.0000, 0.5000, 1.0000])
    """
    if options.get("out") is not None:
        return _made("rfftfreq", rfftfreq, (n, d), options, dtype, requires_grad)
    n = _length("rfftfreq", n)
    return _frequencies(
        _arange(n // 2 + 1, dtype=_dtype.int64), 1.0 / (n * d), dtype, requires_grad
    )


def _shift(input: Tensor, dim: Any, sign: int) -> Tensor:
    x = _require_tensor("fftshift", "input", 1, input)
    if dim is None:
        dims: tuple[int, ...] = tuple(range(x.ndim))
    elif isinstance(dim, int):
        dims = (dim,)
    else:
        dims = tuple(dim)
    # (no dims, as of a 0-d input: roll's error, as in PyTorch)
    shifts = [sign * (x.shape[d] // 2) for d in dims]
    return _roll(x, shifts, dims)


def fftshift(input: Tensor, dim: Any = None) -> Tensor:
    """``input`` rolled so that frequency 0 is in the middle of each of ``dim`` (all when
    None).

    >>> import arraygrad
    >>> arraygrad.fft.fftshift(arraygrad.fft.fftfreq(5))
    tensor([-0.4000, -0.2000,  0.0000,  0.2000,  0.4000])
    """
    return _shift(input, dim, 1)


def ifftshift(input: Tensor, dim: Any = None) -> Tensor:
    """The inverse of :func:`fftshift`: ``input`` rolled back by ``-(size // 2)`` along each of
    ``dim`` (all when None), so frequency 0 returns to index 0; it differs from
    :func:`fftshift` for odd sizes.

    >>> import arraygrad
    >>> arraygrad.fft.ifftshift(arraygrad.tensor([-2, -1, 0, 1, 2]))
    tensor([ 0,  1,  2, -2, -1])
    """
    return _shift(input, dim, -1)
