"""The orthogonal polynomials of ``arraygrad.special``: Chebyshev (``T``, ``U``, ``V``, ``W`` and
their shifted forms), Hermite (``H``, ``He``), Laguerre (``L``) and Legendre (``P``), with torch's
argument rules.

Each takes the degree ``n`` as a tensor or a Python number, truncated toward zero (a negative,
nan or infinite ``n`` gives 0), promotes as torch's (a 0-d ``n`` does not raise a float32
``input``), works in float32 and float64 only and is not differentiable, like torch's;
:mod:`arraygrad._special.orthogonal` gives their methods and the few deliberate differences.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _dtype
from arraygrad import ops as _ops
from arraygrad._binary import _float_operands
from arraygrad._math import binary as _binary
from arraygrad._out import written as _written
from arraygrad._tensor import Tensor
from arraygrad._unary import not_implemented as _not_implemented

__all__ = [
    "chebyshev_polynomial_t",
    "chebyshev_polynomial_u",
    "chebyshev_polynomial_v",
    "chebyshev_polynomial_w",
    "hermite_polynomial_h",
    "hermite_polynomial_he",
    "laguerre_polynomial_l",
    "legendre_polynomial_p",
    "shifted_chebyshev_polynomial_t",
    "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w",
]


def _polynomial(name: str, prim: Any, input: Any, n: Any) -> Tensor:
    """Apply an orthogonal polynomial's primitive with torch's argument rules and promotion."""
    if not isinstance(input, Tensor) and not isinstance(n, Tensor):
        got = f"({type(input).__name__}, {type(n).__name__})"
        raise TypeError(
            f"special_{name}() received an invalid combination of arguments - got {got}, but "
            "expected one of:\n * (Tensor x, Tensor n, *, Tensor out = None)\n * (Number x, "
            "Tensor n, *, Tensor out = None)\n * (Tensor x, Number n, *, Tensor out = None)\n"
        )
    x, degree = _float_operands(input, n)
    # torch's kernels exist for float32 and float64 only (float16 inputs promoted with a float32
    # operand are fine)
    if x.dtype not in (_dtype.float32, _dtype.float64):
        raise _not_implemented(f"{name}_cpu", x, "convert the tensors with .float().")
    return _binary(prim, x, degree)


def chebyshev_polynomial_t(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The Chebyshev polynomial of the first kind ``T_n(input)``
    (``n`` truncated toward zero); not differentiable, like torch's.

    >>> import arraygrad
    >>> arraygrad.special.chebyshev_polynomial_t(arraygrad.tensor([0.5, 2.0]), 3)
    tensor([-1., 26.])
    """
    if out is not None:
        return _written("special_chebyshev_polynomial_t", out, chebyshev_polynomial_t, input, n)
    return _polynomial("chebyshev_polynomial_t", _ops.chebyshev_polynomial_t, input, n)


def chebyshev_polynomial_u(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The Chebyshev polynomial of the second kind ``U_n(x)``, ``U_n(cos t) = sin((n+1) t) /
    sin t``: ``U_0 = 1``, ``U_1 = 2x``, ``U_{n+1} = 2x U_n - U_{n-1}``. ``n`` is truncated toward
    zero; not differentiable, like torch's.

    >>> import arraygrad
    >>> arraygrad.special.chebyshev_polynomial_u(arraygrad.tensor([0.5, 1.0]), 2)
    tensor([0., 3.])
    """
    if out is not None:
        return _written("special_chebyshev_polynomial_u", out, chebyshev_polynomial_u, input, n)
    return _polynomial("chebyshev_polynomial_u", _ops.chebyshev_polynomial_u, input, n)


def chebyshev_polynomial_v(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The Chebyshev polynomial of the third kind ``V_n(x)``, ``V_n(cos t) = cos((n + 1/2) t)
    / cos(t/2)``: ``V_0 = 1``, ``V_1 = 2x - 1``, ``V_{n+1} = 2x V_n - V_{n-1}``. ``n`` is
    truncated toward zero; not differentiable, like torch's.

    >>> import arraygrad
    >>> arraygrad.special.chebyshev_polynomial_v(arraygrad.tensor([0.5, 1.0]), 2)
    tensor([-1.,  1.])
    """
    if out is not None:
        return _written("special_chebyshev_polynomial_v", out, chebyshev_polynomial_v, input, n)
    return _polynomial("chebyshev_polynomial_v", _ops.chebyshev_polynomial_v, input, n)


def chebyshev_polynomial_w(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The Chebyshev polynomial of the fourth kind ``W_n(x)``, ``W_n(cos t) = sin((n + 1/2) t)
    / sin(t/2)``: ``W_0 = 1``, ``W_1 = 2x + 1``, ``W_{n+1} = 2x W_n - W_{n-1}``. ``n`` is
    truncated toward zero; not differentiable, like torch's.

    >>> import arraygrad
    >>> arraygrad.special.chebyshev_polynomial_w(arraygrad.tensor([0.5, 1.0]), 2)
    tensor([1., 5.])
    """
    if out is not None:
        return _written("special_chebyshev_polynomial_w", out, chebyshev_polynomial_w, input, n)
    return _polynomial("chebyshev_polynomial_w", _ops.chebyshev_polynomial_w, input, n)


def shifted_chebyshev_polynomial_t(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The shifted Chebyshev polynomial of the first kind ``T*_n(x) = T_n(2x - 1)``, orthogonal
    on [0, 1] (see :func:`chebyshev_polynomial_t`). ``n`` is truncated toward zero; not
    differentiable, like torch's.

    >>> import arraygrad
    >>> arraygrad.special.shifted_chebyshev_polynomial_t(arraygrad.tensor([0.0, 0.5, 1.0]), 2)
    tensor([ 1., -1.,  1.])
    """
    if out is not None:
        return _written(
            "special_shifted_chebyshev_polynomial_t", out, shifted_chebyshev_polynomial_t, input, n
        )
    return _polynomial(
        "shifted_chebyshev_polynomial_t", _ops.shifted_chebyshev_polynomial_t, input, n
    )


def shifted_chebyshev_polynomial_u(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The shifted Chebyshev polynomial of the second kind ``U*_n(x) = U_n(2x - 1)``, orthogonal
    on [0, 1] (see :func:`chebyshev_polynomial_u`). ``n`` is truncated toward zero; not
    differentiable, like torch's.

    >>> import arraygrad
    >>> arraygrad.special.shifted_chebyshev_polynomial_u(arraygrad.tensor([0.0, 0.5, 1.0]), 2)
    tensor([ 3., -1.,  3.])
    """
    if out is not None:
        return _written(
            "special_shifted_chebyshev_polynomial_u", out, shifted_chebyshev_polynomial_u, input, n
        )
    return _polynomial(
        "shifted_chebyshev_polynomial_u", _ops.shifted_chebyshev_polynomial_u, input, n
    )


def shifted_chebyshev_polynomial_v(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The shifted Chebyshev polynomial of the third kind ``V*_n(x) = V_n(2x - 1)``, orthogonal
    on [0, 1] (see :func:`chebyshev_polynomial_v`). ``n`` is truncated toward zero; not
    differentiable, like torch's.

    >>> import arraygrad
    >>> arraygrad.special.shifted_chebyshev_polynomial_v(arraygrad.tensor([0.0, 0.5, 1.0]), 2)
    tensor([ 5., -1.,  1.])
    """
    if out is not None:
        return _written(
            "special_shifted_chebyshev_polynomial_v", out, shifted_chebyshev_polynomial_v, input, n
        )
    return _polynomial(
        "shifted_chebyshev_polynomial_v", _ops.shifted_chebyshev_polynomial_v, input, n
    )


def shifted_chebyshev_polynomial_w(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The shifted Chebyshev polynomial of the fourth kind ``W*_n(x) = W_n(2x - 1)``, orthogonal
    on [0, 1] (see :func:`chebyshev_polynomial_w`). ``n`` is truncated toward zero; not
    differentiable, like torch's.

    >>> import arraygrad
    >>> arraygrad.special.shifted_chebyshev_polynomial_w(arraygrad.tensor([0.0, 0.5, 1.0]), 2)
    tensor([ 1., -1.,  5.])
    """
    if out is not None:
        return _written(
            "special_shifted_chebyshev_polynomial_w", out, shifted_chebyshev_polynomial_w, input, n
        )
    return _polynomial(
        "shifted_chebyshev_polynomial_w", _ops.shifted_chebyshev_polynomial_w, input, n
    )


def hermite_polynomial_h(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The physicists' Hermite polynomial ``H_n(x)``, orthogonal under the weight
    ``exp(-x^2)``: ``H_0 = 1``, ``H_1 = 2x``, ``H_{n+1} = 2x H_n - 2n H_{n-1}``. ``n`` is
    truncated toward zero; not differentiable, like torch's.

    >>> import arraygrad
    >>> arraygrad.special.hermite_polynomial_h(arraygrad.tensor([1.0, 2.0]), 3)
    tensor([-4., 40.])
    """
    if out is not None:
        return _written("special_hermite_polynomial_h", out, hermite_polynomial_h, input, n)
    return _polynomial("hermite_polynomial_h", _ops.hermite_polynomial_h, input, n)


def hermite_polynomial_he(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The probabilists' Hermite polynomial ``He_n(x)``, orthogonal under the weight
    ``exp(-x^2 / 2)``: ``He_0 = 1``, ``He_1 = x``, ``He_{n+1} = x He_n - n He_{n-1}``. ``n`` is
    truncated toward zero; not differentiable, like torch's.

    >>> import arraygrad
    >>> arraygrad.special.hermite_polynomial_he(arraygrad.tensor([1.0, 2.0]), 3)
    tensor([-2.,  2.])
    """
    if out is not None:
        return _written("special_hermite_polynomial_he", out, hermite_polynomial_he, input, n)
    return _polynomial("hermite_polynomial_he", _ops.hermite_polynomial_he, input, n)


def laguerre_polynomial_l(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The Laguerre polynomial ``L_n(x)``, orthogonal on [0, inf) under the weight
    ``exp(-x)``: ``L_0 = 1``, ``L_1 = 1 - x``, ``(n+1) L_{n+1} = (2n + 1 - x) L_n - n L_{n-1}``.
    ``n`` is truncated toward zero; not differentiable, like torch's.

    >>> import arraygrad
    >>> arraygrad.special.laguerre_polynomial_l(arraygrad.tensor([0.0, 1.0]), 2)
    tensor([ 1.0000, -0.5000])
    """
    if out is not None:
        return _written("special_laguerre_polynomial_l", out, laguerre_polynomial_l, input, n)
    return _polynomial("laguerre_polynomial_l", _ops.laguerre_polynomial_l, input, n)


def legendre_polynomial_p(input: Any, n: Any, *, out: Tensor | None = None) -> Tensor:
    """The Legendre polynomial ``P_n(x)``, orthogonal on [-1, 1]: ``P_0 = 1``, ``P_1 = x``,
    ``(n+1) P_{n+1} = (2n + 1) x P_n - n P_{n-1}``. ``n`` is truncated toward zero (2.7 is 2);
    not differentiable, like torch's.

    >>> import arraygrad
    >>> arraygrad.special.legendre_polynomial_p(arraygrad.tensor([0.5, 1.0]), 2.7)
    tensor([-0.1250,  1.0000])
    """
    if out is not None:
        return _written("special_legendre_polynomial_p", out, legendre_polynomial_p, input, n)
    return _polynomial("legendre_polynomial_p", _ops.legendre_polynomial_p, input, n)
