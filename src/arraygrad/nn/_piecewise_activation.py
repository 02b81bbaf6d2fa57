"""The hard and shrinking activations: ``hardsigmoid`` and ``hardswish`` (MobileNetV3's
piecewise stand-ins for sigmoid and swish), the shrinkages ``hardshrink``, ``softshrink`` and
``tanhshrink``, and ``threshold`` (with ``threshold_``).

All but ``tanhshrink`` are defined piece by piece, and what they must match is the value and the
derivative PyTorch 2.13's kernels give at the kinks and at nan. A branch a ``where`` discards
is computed on values it can take (0 in place of nan or inf), so that its zero gradient stays
zero. The ReLU family (``relu``, ``leaky_relu``, ``hardtanh``, ``relu6``, ``elu``, ...), the
smooth activations and the helpers all of them share (the dtype checks, the in-place and
float16 application, PyTorch's node names) are in ``_activation``.
"""

from __future__ import annotations

import math

from arraygrad import _clamp, _dtype, _math, _unary, ops
from arraygrad._out import written_same
from arraygrad._tensor import Tensor
from arraygrad.nn._activation import _maybe_inplace, _named, require_floating

__all__ = [
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "softshrink",
    "tanhshrink",
    "threshold",
    "threshold_",
]


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(input + 3) / 6``: 0 up to -3, 1 from 3, linear between (slope 1/6 strictly
    inside; 0 at -3, 3 and nan).

    >>> import arraygrad
    >>> hardsigmoid(arraygrad.tensor([-4.0, 0.0, 1.5]))
    tensor([0.0000, 0.5000, 0.7500])
    """
    return _named("HardsigmoidBackward0", input, inplace, _hardsigmoid, kernel="hardsigmoid_cpu")


def _hardsigmoid(input: Tensor) -> Tensor:
    inside = (input > -3.0) & (input < 3.0)
    ramp = (input + 3.0) / 6.0
    return _math.where(inside, ramp, _clamp.clamp(ramp.detach(), 0.0, 1.0))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``input * relu6(input + 3) / 6`` (MobileNetV3): 0 up to -3, ``input`` from 3.

    PyTorch's derivative: 0 up to and at -3, ``input / 3 + 1/2`` strictly between, 1 from 3 on
    and at nan.

    >>> import arraygrad
    >>> hardswish(arraygrad.tensor([-4.0, 1.0, 5.0]))
    tensor([-0.0000, 0.6667, 5.0000])
    """
    return _named("HardswishBackward0", input, inplace, _hardswish, kernel="hardswish_cpu")


def _hardswish(input: Tensor) -> Tensor:
    # One primitive, PyTorch's kernel and its backward (ops/activations.py): the composition of
    # comparisons, wheres and products made a dozen passes over the data each way.
    return ops.hardswish.apply1(input)


def _shrink_zone(input: Tensor, lambd: float) -> Tensor:
    """Where ``|input| <= lambd`` (never at nan)."""
    return (input >= -lambd) & (input <= lambd)


def hardshrink(input: Tensor, lambd: float = 0.5, *, out: Tensor | None = None) -> Tensor:
    """``input`` where ``|input| > lambd``, else 0 (nan stays nan, with gradient 0).

    >>> import arraygrad
    >>> hardshrink(arraygrad.tensor([-1.0, 0.3, 2.0]))
    tensor([-1.,  0.,  2.])
    """
    if out is not None:
        return written_same("hardshrink", out, hardshrink, input, lambd)
    require_floating("hardshrink_cpu", input)
    keep = (input < -lambd) | (input > lambd)
    rest = _math.where(_shrink_zone(input, lambd), 0.0, input.detach())
    return _math.where(keep, input, rest)


def softshrink(input: Tensor, lambd: float = 0.5, *, out: Tensor | None = None) -> Tensor:
    """``input`` moved ``lambd`` towards 0, and 0 where ``|input| <= lambd`` (nan stays nan,
    with gradient 0).

    >>> import arraygrad
    >>> softshrink(arraygrad.tensor([-1.0, 0.3, 2.0]))
    tensor([-0.5000,  0.0000,  1.5000])
    """
    if out is not None:
        return written_same("softshrink", out, softshrink, input, lambd)
    require_floating("softshrink_check", input)
    if not lambd >= 0:
        raise RuntimeError(
            f"lambda must be in range [0, inf) for softshrink, but found {lambd}. Fix: pass a "
            "non-negative lambd (the half-width of the zone mapped to 0)."
        )
    rest = _math.where(_shrink_zone(input, lambd), 0.0, input.detach())
    below = _math.where(input < -lambd, input + lambd, rest)
    return _math.where(input > lambd, input - lambd, below)


def tanhshrink(input: Tensor) -> Tensor:
    """``input - tanh(input)`` elementwise.

    >>> import arraygrad
    >>> arraygrad.nn.functional.tanhshrink(arraygrad.tensor([0.0, 1.0]))
    tensor([0.0000, 0.2384])
    """
    return input - _math.tanh(input)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``input`` where ``input > threshold``, else ``value`` (nan stays nan, gradient 1).

    Integer tensors stay integer, ``value`` rounded toward 0, as in PyTorch.

    >>> import arraygrad
    >>> threshold(arraygrad.tensor([0.5, 2.0]), 1.0, -1.0)
    tensor([-1.,  2.])
    """
    return _threshold_checked(input, threshold, value, inplace)


def _threshold_checked(input: Tensor, threshold: float, value: float, inplace: bool) -> Tensor:
    if not input.dtype.is_floating_point:
        if input.dtype is _dtype.bool_:
            raise _unary.not_implemented("threshold_cpu", input, "convert it first (x.long()).")
        if not math.isfinite(value):
            raise RuntimeError(
                "value cannot be converted to type "
                f"{_dtype.overflow_type_name(input.dtype)} without overflow: "
                f"threshold's value {value} for an integer tensor. Fix: pass a finite value, or "
                "convert the tensor (x.float())."
            )
        value = int(value)  # toward 0, as C++'s conversion that PyTorch applies
    return _maybe_inplace(input, inplace, _threshold, threshold, value)


def _threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    return _math.where(input <= threshold, value, input)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In place: :func:`threshold`."""
    return _threshold_checked(input, threshold, value, True)
