"""Activations that draw random numbers: the randomized leaky ReLU ``rrelu`` and
``gumbel_softmax`` (samples from a categorical distribution, relaxed or straight-through),
both drawing from arraygrad's global generator (``manual_seed``).

Each is a plain function of differentiable ops: the random draw is a constant of the graph
(the slopes of ``rrelu``, the Gumbel noise of ``gumbel_softmax``), so the gradient is the one
of the deterministic function the sample picked.
"""

from __future__ import annotations

import warnings
from typing import Any

from arraygrad import _backend, _inplace
from arraygrad._dims import normalize_dim
from arraygrad._tensor import Tensor
from arraygrad.nn._activation import leaky_relu, require_floating, softmax
from arraygrad.nn._common import constant

__all__ = ["gumbel_softmax", "rrelu", "rrelu_"]


def _check_bounds(lower: float, upper: float) -> None:
    if lower > upper:
        raise RuntimeError(
            f"Lower bound should be less than or equal to the upper bound (got lower={lower}, "
            f"upper={upper}). Fix: swap them."
        )


def _rrelu(input: Tensor, lower: float, upper: float) -> Tensor:
    xp = _backend.xp
    data = input._data
    # one slope per element, U(lower, upper) where x <= 0 (PyTorch draws at 0 too), else 1
    slopes = _backend.random_uniform(tuple(data.shape), data.dtype, lower, upper)
    # (Namespace calls, not operators on raw arrays: arraygrad.compile records the former.)
    noise = xp.where(xp.less_equal(data, 0), slopes, xp.ones_like(slopes))
    return input * constant(noise)


def rrelu(
    input: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    """Randomized leaky ReLU: ``x`` where ``x > 0``, else ``a * x``.

    In ``training`` each element draws its own slope ``a ~ U(lower, upper)`` (the gradient is
    ``a`` there, 1 elsewhere); otherwise ``a = (lower + upper) / 2`` for every element, which is
    ``leaky_relu`` with that slope.

    >>> import arraygrad
    >>> rrelu(arraygrad.tensor([-4.0, 2.0]), 0.25, 0.75)
    tensor([-2.,  2.])
    """
    _check_bounds(lower, upper)
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    require_floating("rrelu_with_noise_out_cpu", input)
    if inplace:
        return _inplace.apply(input, _rrelu, lower, upper)
    return _rrelu(input, lower, upper)


def rrelu_(
    input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False
) -> Tensor:
    """In place: :func:`rrelu`."""
    return rrelu(input, lower, upper, training, inplace=True)


def _gumbel_noise(shape: tuple[int, ...], dtype: Any) -> Any:
    """``-log(E)`` with ``E ~ Exp(1)``: standard Gumbel samples, as PyTorch's
    ``-empty_like(logits).exponential_().log()`` (the exponential draws in ``dtype``)."""
    xp = _backend.xp
    exponential = _backend.rng_draw(None, "exponential_rate", shape, dtype, 1.0)
    return xp.negative(xp.log(exponential))  # namespace calls: see _rrelu


def gumbel_softmax(
    logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1
) -> Tensor:
    """A sample from the Gumbel-softmax (concrete) distribution over ``dim``:
    ``y = softmax((logits + g) / tau)`` with ``g_i = -log(E_i)``, ``E_i ~ Exp(1)``.

    ``logits`` are unnormalised log-probabilities; as ``tau`` goes to 0 the samples approach
    one-hot vectors whose class is distributed as ``softmax(logits)``. With ``hard`` the
    result is that one-hot vector (the first maximum of ``y``), with the gradient of ``y``
    (straight-through: ``y_hard - y.detach() + y``). ``eps`` is deprecated and unused (a
    warning when given), as in PyTorch.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> sample = gumbel_softmax(arraygrad.tensor([1.0, 2.0, 3.0]), hard=True)
    >>> sample.sum().item(), sorted(sample.tolist())
    (1.0, [0.0, 0.0, 1.0])
    """
    if not logits.dtype.is_floating_point:
        raise RuntimeError(
            "Exponential distribution is a continuous probability distribution. dtype must be a "
            f"floating point but you specified {logits.dtype.name}. Fix: pass float logits, "
            "e.g. logits.float()."
        )
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    xp = _backend.xp
    gumbels = constant(_gumbel_noise(tuple(logits.shape), logits._data.dtype))
    y_soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    if logits.ndim == 0:
        y_hard = xp.ones_like(y_soft._data)
    else:
        axis = normalize_dim(dim, logits.ndim)
        if logits.shape[axis] == 0:
            raise IndexError(
                f"max(): Expected reduction dim {axis} to have non-zero size (logits of shape "
                f"{list(logits.shape)}). Fix: a hard sample needs at least one class along dim."
            )
        first = xp.argmax(y_soft._data, axis=axis, keepdims=True)
        shape = [1] * logits.ndim
        shape[axis] = logits.shape[axis]
        classes = xp.reshape(xp.arange(logits.shape[axis], dtype=first.dtype), tuple(shape))
        y_hard = xp.astype(xp.equal(classes, first), y_soft._data.dtype)
    # PyTorch's straight-through form, kept term for term so the values round as its do
    return (constant(y_hard) - y_soft.detach()) + y_soft
