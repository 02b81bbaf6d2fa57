"""PyTorch's element-wise functions of two tensors beyond arithmetic.

``maximum``, ``minimum``, ``atan2``, ``hypot``, ``xlogy`` and ``lerp``: PyTorch's argument rules
(tensors only where PyTorch takes tensors only), dtype promotion, then a primitive or a short
composition. Their gradients follow PyTorch at the edges: ties of ``maximum``/``minimum`` split
the gradient evenly, ``atan2`` has gradient 0 at the origin, ``xlogy`` is 0 where ``x == 0``.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _dtype, ops
from arraygrad._math import (
    _FLOAT,
    _operands,
    _scalar,
    abs,
    add,
    as_tensor,
    binary,
    lt,
    mul,
    sub,
    where,
)
from arraygrad._tensor import Tensor
from arraygrad._unary import not_implemented, require_tensor

__all__ = [
    "arctan2",
    "atan2",
    "hypot",
    "lerp",
    "maximum",
    "minimum",
    "xlogy",
]


def maximum(input: Tensor, other: Tensor) -> Tensor:
    """Element-wise maximum (``nan`` propagates); ties split the gradient evenly.

    >>> import arraygrad
    >>> arraygrad.maximum(arraygrad.tensor([1.0, 3.0]), arraygrad.tensor([2.0, 2.0]))
    tensor([2., 3.])
    """
    require_tensor("maximum", "other", 2, other)
    return binary(ops.maximum, require_tensor("maximum", "input", 1, input), other)


def minimum(input: Tensor, other: Tensor) -> Tensor:
    """Element-wise minimum (``nan`` propagates); ties split the gradient evenly."""
    require_tensor("minimum", "other", 2, other)
    return binary(ops.minimum, require_tensor("minimum", "input", 1, input), other)


def _float_operands(a: Any, b: Any) -> tuple[Any, Any]:
    a, b = _operands(a, b)
    target = _dtype.result_type(a, b)
    if target.category != _FLOAT:
        target = _dtype.get_default_dtype()
        a = ops.astype(as_tensor(a), target)
        b = ops.astype(as_tensor(b), target)
    return as_tensor(a, target), as_tensor(b, target)


def atan2(input: Tensor, other: Tensor) -> Tensor:
    """The angle of the point ``(other, input)``, in ``[-pi, pi]``; gradient 0 at the origin."""
    require_tensor("atan2", "other", 2, other)
    return binary(ops.atan2, *_float_operands(require_tensor("atan2", "input", 1, input), other))


arctan2 = atan2


def hypot(input: Tensor, other: Tensor) -> Tensor:
    """``sqrt(input**2 + other**2)`` without overflow or underflow; floating tensors only."""
    a, b = _operands(require_tensor("hypot", "input", 1, input), other)
    if _dtype.result_type(a, b).category != _FLOAT:
        raise not_implemented("hypot_cpu", as_tensor(a), "convert the tensors with .float().")
    return binary(ops.hypot, a, b)


def xlogy(input: Any, other: Any) -> Tensor:
    """``input * log(other)``, defined as 0 where ``input == 0`` (unless ``other`` is nan).

    The gradient in ``input`` is 0 there, even where ``log(other)`` is ``-inf``.

    >>> import arraygrad
    >>> arraygrad.xlogy(arraygrad.tensor([0.0, 2.0]), arraygrad.tensor([0.0, 1.0]))
    tensor([0., 0.])
    """
    return binary(ops.xlogy, *_float_operands(input, other))


def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:
    """Linear interpolation ``input + weight * (end - input)``.

    Like PyTorch, it is evaluated from ``end`` when ``|weight| >= 0.5``, so that ``weight == 1``
    gives ``end`` exactly.
    """
    require_tensor("lerp", "end", 2, end)
    if not require_tensor("lerp", "input", 1, input).dtype.is_floating_point:
        raise not_implemented("lerp_kernel_scalar", input, "convert the tensors with .float().")
    diff = sub(end, input)
    if isinstance(weight, Tensor):
        near_start = lt(abs(weight), 0.5)
        return where(near_start, add(input, mul(weight, diff)), sub(end, mul(diff, sub(1, weight))))
    weight = _scalar(weight)
    if -0.5 < weight < 0.5:
        return add(input, mul(diff, weight))
    return sub(end, mul(diff, 1 - weight))
