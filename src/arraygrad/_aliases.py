"""Top-level functions PyTorch has under a second name or home: ``hardshrink`` and ``prelu``
(also in ``nn.functional``) and ``negative_`` (the in-place :func:`arraygrad.negative`)."""

from __future__ import annotations

from arraygrad._tensor import Tensor
from arraygrad.nn import functional as _functional

__all__ = ["hardshrink", "negative_", "prelu"]


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``input`` where ``|input| > lambd``, else 0: :func:`arraygrad.nn.functional.hardshrink`.

    >>> import arraygrad
    >>> arraygrad.hardshrink(arraygrad.tensor([-1.0, 0.3, 2.0]))
    tensor([-1.,  0.,  2.])
    """
    return _functional.hardshrink(input, lambd)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``max(0, x) + weight * min(0, x)``: :func:`arraygrad.nn.functional.prelu`.

    >>> import arraygrad
    >>> arraygrad.prelu(arraygrad.tensor([-2.0, 3.0]), arraygrad.tensor([0.25]))
    tensor([-0.5000,  3.0000])
    """
    return _functional.prelu(input, weight)


def negative_(input: Tensor) -> Tensor:
    """In place: ``input = -input``; returns ``input``.

    >>> import arraygrad
    >>> arraygrad.negative_(arraygrad.tensor([1.0, -2.0]))
    tensor([-1.,  2.])
    """
    return input.negative_()
