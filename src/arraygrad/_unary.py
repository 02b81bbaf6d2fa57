"""PyTorch's element-wise functions of one tensor: exponentials, logarithms, powers and the
special functions (trigonometry is in ``_trigonometric``, rounding and signs in ``_rounding``).

Floating functions (``exp2``, ``log1p``, ``erf``, ...) turn integer and bool tensors into the
default float dtype first, as PyTorch does.
The accurate ones are primitives (``expm1``, ``log1p``, ``erfinv``, ...); the others are short
compositions whose gradients come out right, including at the domain edges (``rsqrt`` at 0 gives
``-inf``, ``logit`` at 0 gives ``inf``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from arraygrad import _dtype, _reduced_floats, ops
from arraygrad._arguments import index_argument, int_argument, require_tensor
from arraygrad._division import div
from arraygrad._math import (
    _floating,
    abs,
    as_tensor,
    float_function,
    mul,
    sub,
    where,
)
from arraygrad._out import written
from arraygrad._power import pow
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor, describe

__all__ = [
    "absolute",
    "angle",
    "digamma",
    "erf",
    "erfc",
    "erfinv",
    "exp2",
    "expm1",
    "lgamma",
    "log1p",
    "log2",
    "log10",
    "logit",
    "polygamma",
    "positive",
    "reciprocal",
    "rsqrt",
    "square",
]


def require_tensors(tensors: Sequence[Any]) -> None:
    """PyTorch's TypeError for a non-tensor among the tensors passed as separate arguments
    (``broadcast_tensors``, ``cartesian_prod``, ``block_diag``, ...)."""
    for position, value in enumerate(tensors):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"expected Tensor as element {position} in argument 0, but got "
                f"{type(value).__name__}. Fix: pass tensors as separate arguments."
            )


def not_implemented(kernel: str, x: Tensor, fix: str) -> NotImplementedError:
    """PyTorch's error for an op called on a dtype it has no kernel for, with a fix."""
    return NotImplementedError(
        f"\"{kernel}\" not implemented for '{_dtype.torch_type_name(x.dtype)}': got a "
        f"{describe(x)}. Fix: {fix}"
    )


def exp2(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``2 ** input``.

    >>> import arraygrad
    >>> arraygrad.exp2(arraygrad.tensor([3.0]))
    tensor([8.])
    """
    if out is not None:
        return written("exp2", out, exp2, input)
    x = as_tensor(input)
    return labelled(pow(2.0, x if x.dtype.is_complex else _floating(x)), "Exp2Backward0")


def expm1(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``exp(input) - 1``, elementwise, accurate for small ``input`` (where ``exp(x) - 1`` cancels).

    Integer tensors are promoted to the default float dtype; the gradient is ``exp(input)``.

    >>> import arraygrad
    >>> arraygrad.expm1(arraygrad.tensor([1e-10]))
    tensor([1.0000e-10])
    >>> arraygrad.exp(arraygrad.tensor([1e-10])) - 1
    tensor([0.])
    """
    if out is not None:
        return written("expm1", out, expm1, input)
    return float_function(ops.expm1, input)


def log1p(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``log(1 + input)``, elementwise, accurate for small ``input``: ``-inf`` at -1, ``nan`` below.

    Integer tensors are promoted to the default float dtype; the gradient is ``1 / (1 + input)``.

    >>> import arraygrad
    >>> arraygrad.log1p(arraygrad.tensor([1e-10, -1.0]))
    tensor([1.0000e-10,       -inf])
    """
    if out is not None:
        return written("log1p", out, log1p, input)
    return float_function(ops.log1p, input)


def log2(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Base-2 logarithm ``log2(input)``, elementwise: exact at powers of two, ``-inf`` at 0, ``nan``
    below; integer tensors are promoted to the default float dtype.

    >>> import arraygrad
    >>> arraygrad.log2(arraygrad.tensor([8.0, 0.5, 0.0, -1.0]))
    tensor([ 3., -1., -inf, nan])
    """
    if out is not None:
        return written("log2", out, log2, input)
    return float_function(ops.log2, input)


def log10(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Base-10 logarithm ``log10(input)``, elementwise: ``-inf`` at 0, ``nan`` below.

    Integer tensors are promoted to the default float dtype; the gradient is
    ``1 / (input * ln 10)``.

    >>> import arraygrad
    >>> arraygrad.log10(arraygrad.tensor([1, 10]))
    tensor([0., 1.])
    """
    if out is not None:
        return written("log10", out, log10, input)
    return float_function(ops.log10, input)


def reciprocal(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``1 / input``, elementwise: ``+-inf`` at ``+-0``, gradient ``-1 / input**2``.

    Integer tensors give the default float dtype.

    >>> import arraygrad
    >>> arraygrad.reciprocal(arraygrad.tensor([2, 0, -4]))
    tensor([ 0.5000,     inf, -0.2500])
    """
    if out is not None:
        return written("reciprocal", out, reciprocal, input)
    return float_function(ops.reciprocal, input)


def rsqrt(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``1 / sqrt(input)``, elementwise: ``inf`` at 0, with gradient ``-inf`` there, as in PyTorch;
    ``nan`` below 0. Integer tensors are promoted to the default float dtype.

    >>> import arraygrad
    >>> x = arraygrad.tensor([4.0, 0.0], requires_grad=True)
    >>> arraygrad.rsqrt(x).sum().backward()
    >>> x.grad
    tensor([-0.0625,    -inf])
    """
    if out is not None:
        return written("rsqrt", out, rsqrt, input)
    if _reduced_floats.is_reduced(input):  # PyTorch's one kernel: in float32, rounded once
        result = _reduced_floats.in_float32(rsqrt, input)
    else:
        result = div(1.0, float_function(ops.sqrt, input))
    return labelled(result, "RsqrtBackward0")


def square(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``input * input``, elementwise; integer tensors stay integer and bool tensors become int64.

    The gradient is ``2 * input``.

    >>> import arraygrad
    >>> arraygrad.square(arraygrad.tensor([2, -3]))
    tensor([4, 9])
    """
    if out is not None:
        return written("square", out, square, input)
    return pow(input, 2)


def logit(input: Tensor, eps: float | None = None, *, out: Tensor | None = None) -> Tensor:
    """``log(p / (1 - p))``, the inverse of :func:`sigmoid`.

    With ``eps``, ``p`` is first clamped into ``[eps, 1 - eps]`` (the gradient is 0 outside).
    Without it the gradient is ``inf`` at 0 and 1 and ``nan`` outside ``[0, 1]``, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.logit(arraygrad.tensor([0.5]))
    tensor([0.])
    """
    if out is not None:
        return written("logit", out, logit, input, eps)
    return ops.logit(_floating(input), eps=None if eps is None else float(eps))


def erf(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The error function ``2/sqrt(pi) * integral_0^x exp(-t^2) dt``, elementwise, in ``[-1, 1]``.

    The gradient is ``2/sqrt(pi) * exp(-input**2)``; integer tensors are promoted to the default
    float dtype.

    >>> import arraygrad
    >>> x = arraygrad.tensor([0.0, 1.0], requires_grad=True)
    >>> y = arraygrad.erf(x)
    >>> y
    tensor([0.0000, 0.8427], grad_fn=<ErfBackward0>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([1.1284, 0.4151])
    """
    if out is not None:
        return written("erf", out, erf, input)
    return ops.erf(_floating(input))


def erfc(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The complementary error function ``1 - erf(x)``, accurate where it is tiny (large x).

    >>> import arraygrad
    >>> arraygrad.erfc(arraygrad.tensor([0.0, 10.0], dtype=arraygrad.float64))
    tensor([1.0000e+00, 2.0885e-45], dtype=arraygrad.float64)
    """
    if out is not None:
        return written("erfc", out, erfc, input)
    return ops.erfc(_floating(input))


def angle(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The angle of each element as a point of the complex plane: ``pi`` where it is negative
    (``-inf`` too), ``0`` where it is not (``-0.0`` too), ``nan`` for ``nan``. Integer and bool
    tensors give the default float dtype. Its gradient is zero, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.angle(arraygrad.tensor([-2.0, 0.0, 3.0]))
    tensor([3.1416, 0.0000, 0.0000])

    Of a complex tensor: the argument ``atan2(imag, real)``, a real tensor, differentiable.
    """
    if out is not None:
        return written("angle", out, angle, input)
    if isinstance(input, Tensor) and input.dtype.is_complex:
        return ops.complex_ops.angle(input)
    # Only from primitives with a zero gradient (sign, trunc), so that the gradient is zero
    # everywhere, nan included, and needs no rule of its own. From sign s: (s * s - s) is 2 for
    # s = -1, +0 for s = 0 (-0.0 too) and s = 1; halving pi before doubling keeps float16's pi.
    # sign(nan) is 0: trunc carries the nan through instead.
    x = _floating(input)
    s = ops.sign(x)
    return where(ops.isnan(x), ops.trunc(x), mul(sub(mul(s, s), s), math.pi / 2))


def positive(input: Tensor) -> Tensor:
    """``input`` itself (unary ``+``), the same object; a bool tensor raises ``RuntimeError``.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1, -2])
    >>> arraygrad.positive(x) is x
    True
    """
    if require_tensor("positive", "input", 1, input).dtype is _dtype.bool_:
        raise RuntimeError(
            "The `+` operator, on a bool tensor is not supported. Fix: use the tensor itself, or "
            "convert it first (x.long())."
        )
    return input


def erfinv(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse of :func:`erf`, elementwise: ``+-inf`` at ``+-1`` (with infinite gradient),
    ``nan`` outside ``[-1, 1]``.

    The gradient is ``sqrt(pi)/2 * exp(erfinv(input)**2)``; integer tensors are promoted to the
    default float dtype.

    >>> import arraygrad
    >>> arraygrad.erfinv(arraygrad.tensor([0.0, 0.5, 1.0, 2.0]))
    tensor([0.0000, 0.4769,    inf,    nan])
    """
    if out is not None:
        return written("erfinv", out, erfinv, input)
    return ops.erfinv(_floating(input))


def lgamma(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``log |Gamma(input)|``, elementwise; its derivative is :func:`digamma`.

    ``inf`` at 0 and the negative integers (the poles), where the gradient is ``-inf`` at 0 and
    ``nan`` at the negative integers, as in PyTorch. Integer tensors are promoted to the default
    float dtype.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, 3.0], requires_grad=True)
    >>> arraygrad.lgamma(x)
    tensor([0.0000, 0.6931], grad_fn=<LgammaBackward0>)
    >>> arraygrad.lgamma(x).sum().backward()
    >>> x.grad
    tensor([-0.5772,  0.9228])
    """
    if out is not None:
        return written("lgamma", out, lgamma, input)
    return ops.lgamma(_floating(input))


def digamma(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``d/dx log Gamma(x)``, elementwise (also ``special.psi``): ``-inf`` at 0, ``inf`` at -0.0,
    ``nan`` at the negative integers.

    Its gradient is ``polygamma(1, input)``; integer tensors are promoted to the default float
    dtype.

    >>> import arraygrad
    >>> arraygrad.digamma(arraygrad.tensor([1.0, 0.5, 0.0, -1.0]))
    tensor([-0.5772, -1.9635,    -inf,     nan])
    """
    if out is not None:
        return written("digamma", out, digamma, input)
    return ops.digamma(_floating(input))


def polygamma(n: int, input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The ``n``-th derivative of :func:`digamma`, elementwise (``polygamma(0, x) == digamma(x)``).

    A negative ``n`` raises ``RuntimeError``; integer tensors are promoted to the default float
    dtype.

    >>> import arraygrad
    >>> arraygrad.polygamma(1, arraygrad.tensor([1.0, 0.5]))
    tensor([1.6449, 4.9348])
    """
    n = _polygamma_order(n)
    require_tensor("polygamma", "input", 2, input, "wrap it, e.g. arraygrad.tensor(x).")
    if out is not None:
        return written("polygamma", out, polygamma, n, input)
    x = _floating(input)
    return ops.digamma(x) if n == 0 else ops.polygamma(n, x)


def _polygamma_order(n: Any) -> int:
    """``n`` of :func:`polygamma` as an int, checked as PyTorch's parser and kernel check it:
    a float, bool or other object is a TypeError (a 0-d integer tensor is read as its int), a
    negative order a RuntimeError."""
    if isinstance(n, Tensor):
        n = int_argument("polygamma", "n", n, 1)
    fix = "pass the order of the derivative as an int (0 for digamma), e.g. int(n)."
    n = index_argument("polygamma", "n", 1, n, fix)
    if n < 0:
        raise RuntimeError(
            f"polygamma(n, x) does not support negative n: got n={n}. Fix: n is the order of "
            "the derivative of digamma, 0 or more."
        )
    return n


absolute = abs
