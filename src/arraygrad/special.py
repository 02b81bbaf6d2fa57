"""``arraygrad.special``: PyTorch's ``torch.special`` functions.

Most are torch's own aliases of top-level functions (``expit`` is ``sigmoid``, ``gammaln`` is
``lgamma``, ``psi`` is ``digamma``, ``multigammaln`` is ``mvlgamma``, ...). The rest are
primitives whose forwards are in :mod:`arraygrad._special` (``erfcx``, ``log_ndtr``, ``ndtri``,
``i0e``, ``i1``, ``i1e``, ``gammainc``/``gammaincc``, ``zeta``) or in ``arraygrad.ops``
(``entr``, ``xlog1py``), differentiable where torch is: ``gammainc``/``gammaincc`` in ``x``
only and ``zeta(s, q)`` in ``q`` only (asking for the other gradient raises torch's
``NotImplementedError``).

Where torch is inaccurate these give the mathematically correct value: ``ndtr`` in the lower
tail (torch's rounds to multiples of 2**-54: ``ndtr(-8.3)`` is 5.2e-17, torch's 5.6e-17),
``gammainc``/``gammaincc`` for large ``a`` (torch's expansion is ~1e-9 off near ``x = a``, and
35% off at ``P(9.8e7, 98041953.9)``: 8.5e-7, not 1.34e-6),
``erfcx`` below -20 (torch's is ~5e-14 off) and ``i1`` for 709.8 < ``|x|`` < 714 (finite).

``airy_ai``, ``bessel_j0/j1/y0/y1``, ``modified_bessel_i0/i1/k0/k1``,
``scaled_modified_bessel_k0/k1`` and ``spherical_bessel_j0`` are not differentiable, as in torch
(their results never require grad). Where torch's phase ``x - pi/4`` (or ``2/3 x^1.5 - pi/4``)
loses its digits these keep them: torch's ``bessel_j0(1e17)`` equals its ``bessel_j1(1e17)``
and its ``airy_ai(-1e10)`` has the wrong sign; ours match mpmath.

The orthogonal polynomials (``chebyshev_polynomial_t/u/v/w``,
``shifted_chebyshev_polynomial_t/u/v/w``, ``hermite_polynomial_h/he``, ``laguerre_polynomial_l``,
``legendre_polynomial_p``) take the degree ``n`` as a tensor or a Python number; they are written
in :mod:`arraygrad._special_polynomials`, which gives their rules.
Every function takes torch's ``out=``.

>>> import arraygrad
>>> arraygrad.special.ndtr(arraygrad.tensor([0.0, 1.0]))
tensor([0.5000, 0.8413])
>>> arraygrad.special.log_ndtr(arraygrad.tensor([-40.0], dtype=arraygrad.float64))
tensor([-804.6084], dtype=arraygrad.float64)
"""

from __future__ import annotations

import math as _math
from typing import TYPE_CHECKING

from arraygrad import _dtype, _reduced_floats, _softmax
from arraygrad import ops as _ops
from arraygrad._binary import _float_operands, xlogy
from arraygrad._math import _floating
from arraygrad._math import binary as _binary
from arraygrad._math import mul as _mul
from arraygrad._math import sigmoid as _sigmoid
from arraygrad._out import written as _written
from arraygrad._out import written_same as _written_same
from arraygrad._rounding import round as _round
from arraygrad._special_functions import i0
from arraygrad._special_functions import igamma as _igamma
from arraygrad._special_functions import igammac as _igammac
from arraygrad._special_functions import mvlgamma as _mvlgamma
from arraygrad._special_polynomials import (
    chebyshev_polynomial_t,
    chebyshev_polynomial_u,
    chebyshev_polynomial_v,
    chebyshev_polynomial_w,
    hermite_polynomial_h,
    hermite_polynomial_he,
    laguerre_polynomial_l,
    legendre_polynomial_p,
    shifted_chebyshev_polynomial_t,
    shifted_chebyshev_polynomial_u,
    shifted_chebyshev_polynomial_v,
    shifted_chebyshev_polynomial_w,
)
from arraygrad._statistics import logsumexp
from arraygrad._tensor import Tensor
from arraygrad._trigonometric import sinc
from arraygrad._unary import digamma, erf, erfc, erfinv, exp2, expm1, log1p, logit, polygamma
from arraygrad._unary import lgamma as _lgamma
from arraygrad._unary import not_implemented as _not_implemented

if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "airy_ai",
    "bessel_j0",
    "bessel_j1",
    "bessel_y0",
    "bessel_y1",
    "chebyshev_polynomial_t",
    "chebyshev_polynomial_u",
    "chebyshev_polynomial_v",
    "chebyshev_polynomial_w",
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfcx",
    "erfinv",
    "exp2",
    "expit",
    "expm1",
    "gammainc",
    "gammaincc",
    "gammaln",
    "hermite_polynomial_h",
    "hermite_polynomial_he",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "laguerre_polynomial_l",
    "legendre_polynomial_p",
    "log1p",
    "log_ndtr",
    "log_softmax",
    "logit",
    "logsumexp",
    "modified_bessel_i0",
    "modified_bessel_i1",
    "modified_bessel_k0",
    "modified_bessel_k1",
    "multigammaln",
    "ndtr",
    "ndtri",
    "polygamma",
    "psi",
    "round",
    "scaled_modified_bessel_k0",
    "scaled_modified_bessel_k1",
    "shifted_chebyshev_polynomial_t",
    "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w",
    "sinc",
    "softmax",
    "spherical_bessel_j0",
    "xlog1py",
    "xlogy",
    "zeta",
]

_MINUS_SQRT1_2 = -_math.sqrt(0.5)

expit = _sigmoid
gammaln = _lgamma
psi = digamma
multigammaln = _mvlgamma
gammainc = _igamma
gammaincc = _igammac


def softmax(input: Tensor, dim: int, dtype: _dtype.dtype | None = None) -> Tensor:
    """:func:`arraygrad.softmax`, without its ``out`` (PyTorch's ``special`` form takes none).

    >>> import arraygrad
    >>> arraygrad.special.softmax(arraygrad.tensor([0.0, 0.0]), 0)
    tensor([0.5000, 0.5000])
    """
    return _softmax.softmax(input, dim, dtype)


def log_softmax(input: Tensor, dim: int, dtype: _dtype.dtype | None = None) -> Tensor:
    """:func:`arraygrad.log_softmax`, without its ``out`` (PyTorch's ``special`` form takes
    none).

    >>> import arraygrad
    >>> arraygrad.special.log_softmax(arraygrad.tensor([0.0, 0.0]), 0)
    tensor([-0.6931, -0.6931])
    """
    return _softmax.log_softmax(input, dim, dtype)


def _full_float(kernel: str, input: Tensor) -> Tensor:
    """``input`` in a float dtype (integers in the default one), and PyTorch's
    NotImplementedError for float16 and bfloat16, which its ``kernel`` has no loops for."""
    x = _floating(input)
    if _reduced_floats.is_reduced(x):
        raise _not_implemented(kernel, x, "convert it first (x.float()).")
    return x


def round(input: Tensor, *, decimals: int | None = None, out: Tensor | None = None) -> Tensor:
    """:func:`arraygrad.round` of a floating tensor; integer and bool tensors are refused
    (PyTorch's ``special.round`` has no integer kernel, where ``torch.round`` returns them
    unchanged).

    >>> import arraygrad
    >>> arraygrad.special.round(arraygrad.tensor([0.5, 1.5]))
    tensor([0., 2.])
    """
    if out is not None:
        return _written_same("special_round", out, round, input, decimals=decimals)
    if isinstance(input, Tensor) and input.dtype.category < _dtype._FLOAT:
        kernel = "round_vml_cpu" if not decimals else "round_cpu"
        raise _not_implemented(kernel, input, "convert the tensor with .float() first.")
    return _round(input, decimals=decimals)


def ndtr(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The standard normal CDF ``(1 + erf(x / sqrt2)) / 2``, computed as ``erfc(-x/sqrt2) / 2``
    so that the lower tail keeps its digits (``ndtr(-10)`` is 7.6e-24, not 0).

    >>> import arraygrad
    >>> arraygrad.special.ndtr(arraygrad.tensor([-1.0]))
    tensor([0.1587])
    """
    if out is not None:
        return _written("special_ndtr", out, ndtr, input)
    return _mul(erfc(_mul(_floating(input), _MINUS_SQRT1_2)), 0.5)


def log_ndtr(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``log(ndtr(x))``, the log of the standard normal CDF, elementwise; accurate in both tails
    (``log_ndtr(-1e3)`` is -500007.83, where ``log(ndtr(x))`` is ``-inf``). The gradient
    ``pdf(x) / ndtr(x)`` is ~``-x`` in the lower tail, not ``nan``. Integers are promoted to the
    default float; float16 and bfloat16 raise ``NotImplementedError``, as in torch.

    >>> import arraygrad
    >>> x = arraygrad.tensor([-10.0, 0.0], requires_grad=True)
    >>> arraygrad.special.log_ndtr(x)
    tensor([-53.2313,  -0.6931], grad_fn=<SpecialLogNdtrBackward0>)
    >>> arraygrad.special.log_ndtr(x).sum().backward()
    >>> x.grad
    tensor([10.0981,  0.7979])
    """
    if out is not None:
        return _written("special_log_ndtr", out, log_ndtr, input)
    return _ops.log_ndtr(_full_float("log_ndtr_cpu", input))


def ndtri(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse of :func:`ndtr` (the standard normal quantile), accurate down to subnormal
    probabilities: ``-inf`` at 0, ``inf`` at 1, ``nan`` outside [0, 1].

    >>> import arraygrad
    >>> arraygrad.special.ndtri(arraygrad.tensor([0.5, 0.975]))
    tensor([0.0000, 1.9600])
    """
    if out is not None:
        return _written("special_ndtri", out, ndtri, input)
    return _ops.ndtri(_full_float("ndtri_cpu", input))


def erfcx(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The scaled complementary error function ``exp(x^2) erfc(x)``: finite where ``erfc``
    underflows (``erfcx(1e10)`` is 5.6e-11), ``inf`` below -26.63 where it overflows.

    >>> import arraygrad
    >>> arraygrad.special.erfcx(arraygrad.tensor([0.0, 30.0]))
    tensor([1.0000, 0.0188])
    """
    if out is not None:
        return _written("special_erfcx", out, erfcx, input)
    return _ops.erfcx(_full_float("erfcx_cpu", input))


def entr(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The elementwise entropy ``-x log x``: 0 at 0, ``-inf`` for ``x < 0``.

    >>> import arraygrad
    >>> arraygrad.special.entr(arraygrad.tensor([0.0, 0.5, -1.0]))
    tensor([0.0000, 0.3466,   -inf])
    """
    if out is not None:
        return _written("special_entr", out, entr, input)
    return _ops.entr(_floating(input))


def xlog1py(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input * log1p(other)``, 0 where ``input == 0`` (unless ``other`` is nan); either may
    be a Python number.

    >>> import arraygrad
    >>> arraygrad.special.xlog1py(arraygrad.tensor([0.0, 2.0]), arraygrad.tensor([-1.0, 0.0]))
    tensor([0., 0.])
    """
    if out is not None:
        return _written("special_xlog1py", out, xlog1py, input, other)
    return _binary(_ops.xlog1py, *_float_operands(input, other))


def i0e(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The exponentially scaled modified Bessel function ``exp(-|x|) I0(x)``.

    >>> import arraygrad
    >>> arraygrad.special.i0e(arraygrad.tensor([0.0, 1.0]))
    tensor([1.0000, 0.4658])
    """
    if out is not None:
        return _written("special_i0e", out, i0e, input)
    return _ops.i0e(_floating(input))


def i1(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The modified Bessel function of the first kind of order 1 (odd; ``I1'(0) = 1/2``).

    >>> import arraygrad
    >>> arraygrad.special.i1(arraygrad.tensor([1.0]))
    tensor([0.5652])
    """
    if out is not None:
        return _written("special_i1", out, i1, input)
    return _ops.i1(_floating(input))


def i1e(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The exponentially scaled modified Bessel function ``exp(-|x|) I1(x)``, elementwise: odd,
    bounded (it decays like ``sign(x) / sqrt(2 pi |x|)``), 0 at ``+-inf``, where ``I1`` overflows.
    Differentiable; the gradient at 0 is ``1/2``.

    >>> import arraygrad
    >>> arraygrad.special.i1e(arraygrad.tensor([0.0, 1.0, 100.0]))
    tensor([0.0000, 0.2079, 0.0397])
    """
    if out is not None:
        return _written("special_i1e", out, i1e, input)
    return _ops.i1e(_floating(input))


def zeta(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """The Hurwitz zeta function ``sum_k (k + other)^-input``, elementwise; either may be a
    Python number. Differentiable in ``other`` only, as in torch (``-input * zeta(input + 1,
    other)``); the gradient of ``input`` raises ``NotImplementedError``.

    >>> import arraygrad
    >>> arraygrad.special.zeta(arraygrad.tensor([2.0, 3.0]), 1.0)
    tensor([1.6449, 1.2021])
    """
    if out is not None:
        return _written("special_zeta", out, zeta, input, other)
    a, b = _float_operands(input, other)
    promoted = a if isinstance(a, Tensor) else b
    if promoted.dtype in _dtype.REDUCED_FLOATS:  # (torch's kernel: float32 and float64 only)
        raise _not_implemented("zeta_cpu", promoted, "convert the tensors with .float().")
    return _binary(_ops.zeta, a, b)


def modified_bessel_i0(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The modified Bessel function of the first kind of order 0, ``I0(x) = sum_k (x/2)^2k /
    (k!)^2``, elementwise: even, 1 at 0. As :func:`i0`, but not differentiable, like torch's, and
    ``nan`` at ``+-inf`` as torch's.

    >>> import arraygrad
    >>> arraygrad.special.modified_bessel_i0(arraygrad.tensor([0.0, 1.0]))
    tensor([1.0000, 1.2661])
    """
    if out is not None:
        return _written("special_modified_bessel_i0", out, modified_bessel_i0, input)
    return _ops.modified_bessel_i0(_full_float("modified_bessel_i0_cpu", input))


def modified_bessel_i1(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The modified Bessel function of the first kind of order 1, ``I1(x) = sum_k (x/2)^(2k+1)
    / (k! (k+1)!)``, elementwise: odd, 0 at 0. As :func:`i1`, but not differentiable, like
    torch's, and ``nan`` at ``+-inf`` as torch's.

    >>> import arraygrad
    >>> arraygrad.special.modified_bessel_i1(arraygrad.tensor([0.0, 1.0]))
    tensor([0.0000, 0.5652])
    """
    if out is not None:
        return _written("special_modified_bessel_i1", out, modified_bessel_i1, input)
    return _ops.modified_bessel_i1(_full_float("modified_bessel_i1_cpu", input))


def modified_bessel_k0(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The modified Bessel function of the second kind ``K0(x)`` (``inf`` at 0, ``nan`` below);
    not differentiable, like torch's.

    >>> import arraygrad
    >>> arraygrad.special.modified_bessel_k0(arraygrad.tensor([1.0]))
    tensor([0.4210])
    """
    if out is not None:
        return _written("special_modified_bessel_k0", out, modified_bessel_k0, input)
    return _ops.modified_bessel_k0(_full_float("modified_bessel_k0_cpu", input))


def modified_bessel_k1(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The modified Bessel function of the second kind of order 1, ``K1(x)``, elementwise
    (``inf`` at 0, ``nan`` below, 0 at ``inf``); not differentiable, like torch's.

    >>> import arraygrad
    >>> arraygrad.special.modified_bessel_k1(arraygrad.tensor([0.0, 1.0, -1.0]))
    tensor([   inf, 0.6019,    nan])
    """
    if out is not None:
        return _written("special_modified_bessel_k1", out, modified_bessel_k1, input)
    return _ops.modified_bessel_k1(_full_float("modified_bessel_k1_cpu", input))


def scaled_modified_bessel_k0(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``exp(x) K0(x)``, the scaled :func:`modified_bessel_k0`, elementwise: it decays like
    ``sqrt(pi / 2x)``, so it keeps its digits where ``K0`` underflows (``inf`` at 0, ``nan``
    below); not differentiable, like torch's.

    >>> import arraygrad
    >>> arraygrad.special.scaled_modified_bessel_k0(arraygrad.tensor([1.0, 100.0]))
    tensor([1.1445, 0.1252])
    """
    if out is not None:
        return _written("special_scaled_modified_bessel_k0", out, scaled_modified_bessel_k0, input)
    return _ops.scaled_modified_bessel_k0(_full_float("scaled_modified_bessel_k0_cpu", input))


def scaled_modified_bessel_k1(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``exp(x) K1(x)``, the scaled :func:`modified_bessel_k1`, elementwise: it decays like
    ``sqrt(pi / 2x)``, so it keeps its digits where ``K1`` underflows (``inf`` at 0, ``nan``
    below); not differentiable, like torch's.

    >>> import arraygrad
    >>> arraygrad.special.scaled_modified_bessel_k1(arraygrad.tensor([1.0, 100.0]))
    tensor([1.6362, 0.1258])
    """
    if out is not None:
        return _written("special_scaled_modified_bessel_k1", out, scaled_modified_bessel_k1, input)
    return _ops.scaled_modified_bessel_k1(_full_float("scaled_modified_bessel_k1_cpu", input))


def spherical_bessel_j0(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The spherical Bessel function ``j0(x) = sin(x) / x`` (1 at 0, 0 at ``+-inf``); not
    differentiable, like torch's.

    >>> import arraygrad
    >>> arraygrad.special.spherical_bessel_j0(arraygrad.tensor([0.0, 3.0]))
    tensor([1.0000, 0.0470])
    """
    if out is not None:
        return _written("special_spherical_bessel_j0", out, spherical_bessel_j0, input)
    return _ops.spherical_bessel_j0(_full_float("spherical_bessel_j0_cpu", input))


def bessel_j0(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The Bessel function of the first kind of order 0, ``J0(x)`` (even; ``nan`` at ``+-inf``
    as torch); not differentiable, like torch's.

    >>> import arraygrad
    >>> arraygrad.special.bessel_j0(arraygrad.tensor([0.0, 1.0]))
    tensor([1.0000, 0.7652])
    """
    if out is not None:
        return _written("special_bessel_j0", out, bessel_j0, input)
    return _ops.bessel_j0(_full_float("bessel_j0_cpu", input))


def bessel_j1(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The Bessel function of the first kind of order 1, ``J1(x)``, elementwise: odd, 0 at 0,
    ``nan`` at ``+-inf`` as torch's; not differentiable, like torch's.

    >>> import arraygrad
    >>> arraygrad.special.bessel_j1(arraygrad.tensor([0.0, 1.0, -1.0]))
    tensor([ 0.0000,  0.4401, -0.4401])
    """
    if out is not None:
        return _written("special_bessel_j1", out, bessel_j1, input)
    return _ops.bessel_j1(_full_float("bessel_j1_cpu", input))


def bessel_y0(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The Bessel function of the second kind of order 0, ``Y0(x)`` (``-inf`` at 0, ``nan``
    below); not differentiable, like torch's.

    >>> import arraygrad
    >>> arraygrad.special.bessel_y0(arraygrad.tensor([0.0, 1.0, -1.0]))
    tensor([  -inf, 0.0883,    nan])
    """
    if out is not None:
        return _written("special_bessel_y0", out, bessel_y0, input)
    return _ops.bessel_y0(_full_float("bessel_y0_cpu", input))


def bessel_y1(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The Bessel function of the second kind of order 1, ``Y1(x)``, elementwise (``-inf`` at
    0, ``nan`` below); not differentiable, like torch's.

    >>> import arraygrad
    >>> arraygrad.special.bessel_y1(arraygrad.tensor([0.0, 1.0, -1.0]))
    tensor([   -inf, -0.7812,     nan])
    """
    if out is not None:
        return _written("special_bessel_y1", out, bessel_y1, input)
    return _ops.bessel_y1(_full_float("bessel_y1_cpu", input))


def airy_ai(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The Airy function of the first kind ``Ai(x)`` (``nan`` at ``+-inf`` as torch); not
    differentiable, like torch's.

    >>> import arraygrad
    >>> arraygrad.special.airy_ai(arraygrad.tensor([-1.0, 0.0, 1.0]))
    tensor([0.5356, 0.3550, 0.1353])
    """
    if out is not None:
        return _written("special_airy_ai", out, airy_ai, input)
    return _ops.airy_ai(_full_float("airy_ai_cpu", input))
