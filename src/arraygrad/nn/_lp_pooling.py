"""Power-average (LP) pooling: ``(sum over the window of x ** p) ** (1 / p)``.

Composed exactly as PyTorch composes it, so that values and gradients agree at the edges too:
an average pooling of ``x ** p`` times the window size, passed through ``sign(s) * relu(|s|)``
(whose derivative is 0 where the sum is 0, so a window of zeros gets a zero gradient rather
than the ``inf * 0`` of ``s ** (1 / p)``), then the ``1 / p``-th power. ``p = inf`` is max
pooling of ``|x|``; ``p = -inf`` the minimum of ``|x|``.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad._tensor import Tensor
from arraygrad.nn._common import ntuple
from arraygrad.nn._pooling import _avg_pool, _max_pool

__all__ = ["lp_pool1d", "lp_pool2d", "lp_pool3d"]


def _unpacked_kernel(kernel_size: Any, n: int) -> None:
    """PyTorch's ``kw, kh = _pair(kernel_size)``: an int stands for all ``n``; anything
    iterable (a tensor too: its elements) must have ``n`` elements, else Python's ValueError."""
    if isinstance(kernel_size, int) or not hasattr(kernel_size, "__iter__"):
        return  # (a float goes on to avg_pool's TypeError, as in PyTorch)
    got = len(tuple(kernel_size))
    if got < n:
        raise ValueError(
            f"not enough values to unpack (expected {n}, got {got}). Fix: pass kernel_size as "
            f"an int or {n} ints."
        )
    if got > n:
        raise ValueError(
            f"too many values to unpack (expected {n}). Fix: pass kernel_size as an int or {n} "
            f"ints (got {got})."
        )


def _lp_pool(
    input: Tensor, norm_type: float, kernel_size: Any, stride: Any, ceil_mode: bool, n: int
) -> Tensor:
    if n > 1:  # PyTorch's lp_pool2d/3d unpack the kernel in Python first (kw, kh = _pair(k))
        _unpacked_kernel(kernel_size, n)
    if norm_type == math.inf:
        return _max_pool(input.abs(), n, kernel_size, stride, 0, 1, ceil_mode, False)
    if norm_type == -math.inf:
        return -_max_pool(-input.abs(), n, kernel_size, stride, 0, 1, ceil_mode, False)
    sums = _avg_pool(input.pow(norm_type), n, kernel_size, stride, 0, ceil_mode, True, None)
    count = math.prod(ntuple(kernel_size, n, "kernel_size"))
    return (sums.sign() * sums.abs().relu()).mul(count).pow(1.0 / norm_type)


def lp_pool1d(
    input: Tensor,
    norm_type: float,
    kernel_size: Any,
    stride: Any = None,
    ceil_mode: bool = False,
) -> Tensor:
    """``(sum x ** norm_type) ** (1 / norm_type)`` over each window of the last dimension
    (``stride`` defaults to ``kernel_size``; no padding).

    >>> import arraygrad
    >>> lp_pool1d(arraygrad.tensor([[3.0, 4.0, 1.0, 0.0]]), 2, 2).tolist()
    [[5.0, 1.0]]
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 1)


def lp_pool2d(
    input: Tensor,
    norm_type: float,
    kernel_size: Any,
    stride: Any = None,
    ceil_mode: bool = False,
) -> Tensor:
    """The ``norm_type``-norm of each ``kernel_size`` window of the last two dimensions (see
    :func:`lp_pool1d`).

    >>> import arraygrad
    >>> lp_pool2d(arraygrad.ones(1, 2, 4), 1, 2).tolist()
    [[[4.0, 4.0]]]
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2)


def lp_pool3d(
    input: Tensor,
    norm_type: float,
    kernel_size: Any,
    stride: Any = None,
    ceil_mode: bool = False,
) -> Tensor:
    """The ``norm_type``-norm of each ``kernel_size`` window of the last three dimensions (see
    :func:`lp_pool1d`).

    >>> import arraygrad
    >>> lp_pool3d(arraygrad.ones(1, 2, 2, 2), 2, 2).tolist()
    [[[[2.8284270763397217]]]]
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 3)
