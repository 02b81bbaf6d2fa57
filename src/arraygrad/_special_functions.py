"""Special functions at PyTorch's top level: the modified Bessel function ``i0`` (a primitive,
its gradient ``I1`` as in PyTorch), the multivariate log-gamma function ``mvlgamma`` (composed
of ``lgamma``, its gradient from the composite), and ``igamma``/``igammac``
(``arraygrad.special.gammainc``/``gammaincc``): one primitive each, here for their argument
rules."""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _dtype, ops
from arraygrad._arguments import require_tensor
from arraygrad._binary import _float_operands
from arraygrad._elementwise_operands import _broadcast_error
from arraygrad._math import (
    _FLOAT,
    _floating,
    _operands,
    add,
    as_tensor,
    binary,
)
from arraygrad._out import written
from arraygrad._reduction import sum
from arraygrad._shape import unsqueeze
from arraygrad._tensor import Tensor
from arraygrad._unary import lgamma, not_implemented

__all__ = ["i0", "i0_", "igamma", "igammac", "mvlgamma"]


def i0(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The modified Bessel function of the first kind of order 0,
    ``I0(x) = sum_k ((x/2)^k / k!)^2``; its derivative is ``I1(x)``, as in PyTorch.

    Computed by :mod:`arraygrad._special`'s Chebyshev expansions (about 2e-15 relative in
    float64), where it overflows to inf only where I0 itself does.

    >>> import arraygrad
    >>> arraygrad.i0(arraygrad.tensor([0.0, 1.0]))
    tensor([1.0000, 1.2661])
    """
    if out is not None:
        return written("i0", out, i0, input)
    return ops.i0(_floating(input))


def i0_(input: Tensor) -> Tensor:
    """In place: ``input = i0(input)``; returns ``input``.

    >>> import arraygrad
    >>> arraygrad.i0_(arraygrad.tensor([0.0]))
    tensor([1.])
    """
    return input.i0_()


def mvlgamma(input: Tensor, p: int, *, out: Tensor | None = None) -> Tensor:
    """The multivariate log-gamma function of dimension ``p``:
    ``log Gamma_p(x) = p (p - 1) / 4 * log(pi) + sum_{i<p} lgamma(x - i / 2)``.

    >>> import arraygrad
    >>> arraygrad.mvlgamma(arraygrad.tensor([2.0]), 2)
    tensor([0.4516])
    """
    if out is not None:
        return written("mvlgamma", out, mvlgamma, input, p)
    if not isinstance(p, int) or isinstance(p, bool):
        raise TypeError(f"mvlgamma(): argument 'p' must be int, not {type(p).__name__}.")
    if as_tensor(input).dtype is _dtype.bool_:  # (checked before p's value, as PyTorch does)
        raise RuntimeError(
            "The input tensor may not be a boolean tensor. Fix: convert it first (x.float())."
        )
    if p < 1:
        raise RuntimeError(
            f"p has to be greater than or equal to 1 (got p={p}). Fix: p is the dimension of "
            "the multivariate gamma function, a positive integer."
        )
    x = _floating(input)
    halves = as_tensor([-0.5 * i for i in range(p)], dtype=x.dtype)
    terms = lgamma(add(unsqueeze(x, -1), halves))
    return add(sum(terms, -1), p * (p - 1) / 4 * math.log(math.pi))


def _igamma_operands(name: str, input: Any, other: Any) -> tuple[Tensor, Tensor]:
    # torch takes tensors only here, and has no integer kernel (one floating operand suffices).
    require_tensor(name, "input", 1, input)
    require_tensor(name, "other", 2, other)
    a, x = _operands(input, other)
    if _dtype.result_type(a, x).category != _FLOAT:
        refusal = not_implemented(f"{name}_cpu", a, "convert the tensors with .float().")
        raise _broadcast_error(a, x, refusal)  # (as torch: the shapes before the dtype)
    return _float_operands(a, x)


def igamma(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The regularised lower incomplete gamma function ``P(a, x)`` of ``a = input`` and
    ``x = other`` (``a > 0``, ``x >= 0``); differentiable in ``x`` only, as in torch (the
    gradient of ``a`` raises ``NotImplementedError``).

    >>> import arraygrad
    >>> arraygrad.igamma(arraygrad.tensor([1.0]), arraygrad.tensor([2.0]))
    tensor([0.8647])
    """
    if out is not None:
        return written("igamma", out, igamma, input, other)
    return binary(ops.gammainc, *_igamma_operands("igamma", input, other))


def igammac(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The regularised upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``;
    differentiable in ``x`` only, as in torch.

    >>> import arraygrad
    >>> arraygrad.igammac(arraygrad.tensor([1.0]), arraygrad.tensor([2.0]))
    tensor([0.1353])
    """
    if out is not None:
        return written("igammac", out, igammac, input, other)
    return binary(ops.gammaincc, *_igamma_operands("igammac", input, other))
