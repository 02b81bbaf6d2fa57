"""Special functions composed of existing ones: the modified Bessel function ``i0`` and the
multivariate log-gamma function ``mvlgamma``. Their gradients come from the composites.

Also torch's top-level ``igamma``/``igammac`` (``arraygrad.special.gammainc``/``gammaincc``):
one primitive each, here for their argument rules."""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _dtype, ops
from arraygrad._binary import _float_operands
from arraygrad._clamp import clamp
from arraygrad._math import (
    _FLOAT,
    _floating,
    _operands,
    abs,
    add,
    as_tensor,
    binary,
    div,
    exp,
    mul,
    sqrt,
    where,
)
from arraygrad._reduction import sum
from arraygrad._shape import unsqueeze
from arraygrad._tensor import Tensor
from arraygrad._unary import lgamma, not_implemented, require_tensor

__all__ = ["i0", "i0_", "igamma", "igammac", "mvlgamma"]

# |x| up to _SERIES_MAX uses the power series, larger |x| the asymptotic expansion; both reach
# double precision there with the term counts below.
_SERIES_MAX = 20.0
_SERIES_TERMS = 60
_ASYMPTOTIC_TERMS = 24


def _polynomial(y: Tensor, coefficients: list[float]) -> Tensor:
    # Horner's rule, highest coefficient first.
    total = as_tensor(coefficients[0], dtype=y.dtype)
    for c in coefficients[1:]:
        total = add(mul(total, y), c)
    return total


def i0(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 0,
    ``I0(x) = sum_k ((x/2)^k / k!)^2``; its derivative is ``I1(x)``.

    For ``|x| <= 20`` the series is summed (all terms positive: no cancellation); beyond, the
    asymptotic expansion ``e^|x| / sqrt(2 pi |x|) * sum_k ((2k-1)!!)^2 / (k! (8|x|)^k)`` is used.
    Each branch sees its input clamped to its own range, so the unused one stays finite and
    contributes no nan to the gradient.

    >>> import arraygrad
    >>> arraygrad.i0(arraygrad.tensor([0.0, 1.0]))
    tensor([1.0000, 1.2661])
    """
    signed = _floating(input)
    x = abs(signed)
    # The series is built on the signed input: through abs, the second derivative at exactly 0
    # would be lost (abs' derivative there is 0), while x*x is smooth.
    small = clamp(signed, -_SERIES_MAX, _SERIES_MAX)
    y = mul(mul(small, small), 0.25)
    # Nested as 1 + y/1 (1 + y/4 (1 + y/9 (...))): every partial product is a ratio of terms, so
    # neither the value nor its gradient overflows before I0 itself does (a plain polynomial in
    # y would carry y**59 through backward, inf in float32).
    near = as_tensor(1.0, dtype=y.dtype)
    for k in range(_SERIES_TERMS - 1, 0, -1):
        near = add(mul(near, mul(y, 1.0 / (k * k))), 1.0)
    large = clamp(x, min=_SERIES_MAX)
    coefficient, asymptotic = 1.0, [1.0]
    for k in range(1, _ASYMPTOTIC_TERMS):
        coefficient *= (2 * k - 1) ** 2 / (8.0 * k)
        asymptotic.append(coefficient)
    inverse = div(1.0, large)
    # exp(x / 2) twice keeps e^x / sqrt(x) finite for x up to the float's overflow of I0 itself
    half = exp(mul(large, 0.5))
    scale = mul(half, div(half, mul(sqrt(large), math.sqrt(2 * math.pi))))
    far = mul(scale, _polynomial(inverse, asymptotic[::-1]))
    return where(x <= _SERIES_MAX, near, far)


def i0_(input: Tensor) -> Tensor:
    """In place: ``input = i0(input)``; returns ``input``.

    >>> import arraygrad
    >>> arraygrad.i0_(arraygrad.tensor([0.0]))
    tensor([1.])
    """
    return input.i0_()


def mvlgamma(input: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma function of dimension ``p``:
    ``log Gamma_p(x) = p (p - 1) / 4 * log(pi) + sum_{i<p} lgamma(x - i / 2)``.

    >>> import arraygrad
    >>> arraygrad.mvlgamma(arraygrad.tensor([2.0]), 2)
    tensor([0.4516])
    """
    if not isinstance(p, int) or isinstance(p, bool):
        raise TypeError(f"mvlgamma(): argument 'p' must be int, not {type(p).__name__}.")
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
        raise not_implemented(f"{name}_cpu", a, "convert the tensors with .float().")
    return _float_operands(a, x)


def igamma(input: Tensor, other: Tensor) -> Tensor:
    """The regularised lower incomplete gamma function ``P(a, x)`` of ``a = input`` and
    ``x = other`` (``a > 0``, ``x >= 0``); differentiable in ``x`` only, as in torch (the
    gradient of ``a`` raises ``NotImplementedError``).

    >>> import arraygrad
    >>> arraygrad.igamma(arraygrad.tensor([1.0]), arraygrad.tensor([2.0]))
    tensor([0.8647])
    """
    return binary(ops.gammainc, *_igamma_operands("igamma", input, other))


def igammac(input: Tensor, other: Tensor) -> Tensor:
    """The regularised upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``;
    differentiable in ``x`` only, as in torch.

    >>> import arraygrad
    >>> arraygrad.igammac(arraygrad.tensor([1.0]), arraygrad.tensor([2.0]))
    tensor([0.1353])
    """
    return binary(ops.gammaincc, *_igamma_operands("igammac", input, other))
