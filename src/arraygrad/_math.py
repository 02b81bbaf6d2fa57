"""PyTorch's element-wise functions: type promotion, Python scalars, then a primitive.

These are the functions behind ``arraygrad.add``, ``Tensor.__mul__``, ``arraygrad.exp`` and
friends. They turn PyTorch's calling conventions into calls of the primitives in ``ops/``:
operands are promoted to one dtype with PyTorch's rules (NumPy's differ: ``int64 + float32`` is
float64 there, float32 here), Python numbers stay Python numbers where the dtype allows (so no
0-d array is made for ``x * 2``), and broadcasting errors get PyTorch's wording.
"""

from __future__ import annotations

import numbers
from typing import Any

from arraygrad import _backend, _dtype, ops
from arraygrad._primitive import Primitive
from arraygrad._tensor import Tensor

_FLOAT = 2

__all__ = [
    "abs",
    "add",
    "bitwise_and",
    "bitwise_not",
    "bitwise_or",
    "bitwise_xor",
    "clamp",
    "clone",
    "cos",
    "div",
    "eq",
    "exp",
    "ge",
    "gt",
    "le",
    "log",
    "lt",
    "mul",
    "ne",
    "neg",
    "pow",
    "relu",
    "sigmoid",
    "sin",
    "sqrt",
    "sub",
    "tanh",
    "where",
]


def as_tensor(value: Any, dtype: _dtype.dtype | None = None) -> Tensor:
    """``value`` as a Tensor (tensors pass through; arrays and Python data are converted)."""
    if isinstance(value, Tensor):
        return value if dtype is None else astype(value, dtype)
    from arraygrad._creation import tensor

    return tensor(value, dtype=dtype)


def astype(x: Tensor, dtype: _dtype.dtype) -> Tensor:
    """``x`` converted to ``dtype``; gradients are converted back."""
    return ops.astype(x, dtype)


def _category(x: Tensor) -> int:
    return _dtype.from_xp(x._data.dtype).category


def _scalar(value: Any) -> Any:
    """NumPy and other scalar objects as plain Python numbers (PyTorch's "wrapped numbers")."""
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    return float(value)


def _operands(a: Any, b: Any) -> tuple[Any, Any]:
    """``a`` and ``b`` converted to one dtype following PyTorch's promotion rules."""
    a_tensor = isinstance(a, Tensor)
    b_tensor = isinstance(b, Tensor)
    if a_tensor and b_tensor:
        if a._data.dtype == b._data.dtype:
            return a, b
    elif a_tensor or b_tensor:
        tensor_operand, other = (a, b) if a_tensor else (b, a)
        if isinstance(other, (bool, int, float)) or (
            isinstance(other, numbers.Number) and not hasattr(other, "shape")
        ):
            other = _scalar(other)
            # A Python number of the tensor's category or lower never changes its dtype.
            if _dtype.scalar_dtype(other).category <= _category(tensor_operand):
                return (tensor_operand, other) if a_tensor else (other, tensor_operand)
        else:
            other = as_tensor(other)
        a, b = (tensor_operand, other) if a_tensor else (other, tensor_operand)
    else:
        a = as_tensor(a)  # neither is a tensor (e.g. where(cond, 1.0, 0.0)): a leads
    target = _dtype.result_type(a, b)
    return _cast(a, target), _cast(b, target)


def _cast(value: Any, target: _dtype.dtype) -> Any:
    if isinstance(value, Tensor):
        return ops.astype(value, target)
    return value  # a Python number: the array library applies it at the tensor's dtype


def _broadcast_error(a: Any, b: Any, error: Exception) -> Exception:
    shape_a = tuple(getattr(a, "shape", ()))
    shape_b = tuple(getattr(b, "shape", ()))
    ndim = max(len(shape_a), len(shape_b))
    pad_a = (1,) * (ndim - len(shape_a)) + shape_a
    pad_b = (1,) * (ndim - len(shape_b)) + shape_b
    for dim, (size_a, size_b) in enumerate(zip(pad_a, pad_b, strict=True)):
        if size_a != size_b and size_a != 1 and size_b != 1:
            return RuntimeError(
                f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) at "
                f"non-singleton dimension {dim}: shapes {list(shape_a)} and {list(shape_b)} do "
                "not broadcast. Fix: reshape or unsqueeze one operand so that each dimension is "
                "equal or 1."
            )
    return error


def binary(prim: Primitive, a: Any, b: Any) -> Tensor:
    """Apply a two-input primitive with PyTorch's promotion and broadcasting errors."""
    a, b = _operands(a, b)
    try:
        return prim(a, b)
    except ValueError as error:
        raise _broadcast_error(a, b, error) from None


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input + alpha * other``.

    >>> import arraygrad
    >>> arraygrad.add(arraygrad.tensor([1.0, 2.0]), 1)
    tensor([2., 3.])
    """
    if alpha != 1:
        other = mul(other, alpha)
    return binary(ops.add, input, other)


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input - alpha * other``."""
    if alpha != 1:
        other = mul(other, alpha)
    return binary(ops.subtract, input, other)


def mul(input: Any, other: Any) -> Tensor:
    """``input * other``, broadcasting."""
    return binary(ops.multiply, input, other)


def div(input: Any, other: Any) -> Tensor:
    """True division ``input / other``; integer operands give the default float dtype."""
    a, b = _operands(input, other)
    target = _dtype.result_type(a, b)
    if target.category != _FLOAT:
        target = _dtype.get_default_dtype()
        a, b = _cast(as_tensor(a), target), _cast(b, target)
    return binary(ops.divide, a, b)


def pow(input: Any, exponent: Any) -> Tensor:
    """``input ** exponent``.

    The derivative in the base is 0 where the exponent is 0; the derivative in the exponent is 0
    where the base is 0 and the exponent non-negative (PyTorch's choices).
    """
    if not isinstance(input, Tensor):  # 2 ** t: the base becomes a tensor so log(base) is typed
        target = _dtype.result_type(_scalar(input), exponent)
        input = as_tensor(_backend.asarray(_scalar(input)), target)
    return binary(ops.pow, input, exponent)


def neg(input: Tensor) -> Tensor:
    """``-input``."""
    return ops.negative(input)


def abs(input: Tensor) -> Tensor:
    """``|input|``; its gradient at 0 is 0."""
    return ops.abs(input)


def _floating(x: Any) -> Tensor:
    # Integer tensors are converted to the default float dtype by PyTorch's float functions.
    x = as_tensor(x)
    if _category(x) != _FLOAT:
        return ops.astype(x, _dtype.get_default_dtype())
    return x


def exp(input: Tensor) -> Tensor:
    """``e ** input``."""
    return ops.exp(_floating(input))


def log(input: Tensor) -> Tensor:
    """Natural logarithm (``-inf`` at 0, ``nan`` below)."""
    return ops.log(_floating(input))


def sqrt(input: Tensor) -> Tensor:
    """Square root."""
    return ops.sqrt(_floating(input))


def sin(input: Tensor) -> Tensor:
    """Sine."""
    return ops.sin(_floating(input))


def cos(input: Tensor) -> Tensor:
    """Cosine."""
    return ops.cos(_floating(input))


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return ops.tanh(_floating(input))


def sigmoid(input: Tensor) -> Tensor:
    """``1 / (1 + exp(-input))``, computed without overflow."""
    return ops.sigmoid(_floating(input))


def relu(input: Tensor) -> Tensor:
    """``max(input, 0)``; the gradient at 0 is 0."""
    return ops.relu(input)


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Clamp into ``[min, max]``; the gradient passes where ``min <= input <= max``."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        result = input
        if min is not None:
            result = where(lt(result, min), min, result)
        if max is not None:
            result = where(gt(result, max), max, result)
        return result
    return ops.clip(
        input,
        min=None if min is None else _scalar(min),
        max=None if max is None else _scalar(max),
    )


def where(condition: Any, input: Any, other: Any) -> Tensor:
    """``input`` where ``condition`` holds, else ``other``."""
    a, b = _operands(input, other)
    return ops.where(as_tensor(condition), a, b)


def clone(input: Tensor) -> Tensor:
    """A copy that stays in the graph."""
    return ops.clone(input)


def eq(input: Any, other: Any) -> Any:
    """Elementwise ``input == other`` (a bool tensor)."""
    if other is None:
        return False
    return binary(ops.equal, input, other)


def ne(input: Any, other: Any) -> Any:
    """Elementwise ``input != other``."""
    if other is None:
        return True
    return binary(ops.not_equal, input, other)


def lt(input: Any, other: Any) -> Tensor:
    """Elementwise ``input < other``."""
    return binary(ops.less, input, other)


def le(input: Any, other: Any) -> Tensor:
    """Elementwise ``input <= other``."""
    return binary(ops.less_equal, input, other)


def gt(input: Any, other: Any) -> Tensor:
    """Elementwise ``input > other``."""
    return binary(ops.greater, input, other)


def ge(input: Any, other: Any) -> Tensor:
    """Elementwise ``input >= other``."""
    return binary(ops.greater_equal, input, other)


def bitwise_and(input: Any, other: Any) -> Tensor:
    """``input & other`` (logical and for bool tensors)."""
    return binary(ops.bitwise_and, input, other)


def bitwise_or(input: Any, other: Any) -> Tensor:
    """``input | other``."""
    return binary(ops.bitwise_or, input, other)


def bitwise_xor(input: Any, other: Any) -> Tensor:
    """``input ^ other``."""
    return binary(ops.bitwise_xor, input, other)


def bitwise_not(input: Tensor) -> Tensor:
    """``~input``."""
    return ops.bitwise_invert(input)
