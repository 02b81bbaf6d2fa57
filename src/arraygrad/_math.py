"""PyTorch's element-wise functions: type promotion, Python scalars, then a primitive.

These are the functions behind ``arraygrad.add``, ``Tensor.__mul__``, ``arraygrad.exp`` and
friends. They turn PyTorch's calling conventions into calls of the primitives in ``ops/``:
operands are promoted to one dtype with PyTorch's rules (NumPy's differ: ``int64 + float32`` is
float64 there, float32 here), Python numbers stay Python numbers where the dtype allows (so no
0-d array is made for ``x * 2``), and broadcasting errors get PyTorch's wording.

The comparisons and logical functions are in :mod:`arraygrad._comparison`; the divisions and
remainders are in :mod:`arraygrad._division`; ``clamp`` and ``nan_to_num``,
which bound values, are in :mod:`arraygrad._clamp`; ``where`` (re-exported here) is in
:mod:`arraygrad._where`; the operands' promotion, PyTorch's
broadcasting errors and the complex primitives that stand in for real ones are in
:mod:`arraygrad._elementwise_operands`.
"""

from __future__ import annotations

import numbers
from typing import Any

from arraygrad import _device, _dtype, _reduced_floats, ops
from arraygrad._deprecated_overloads import scale_first
from arraygrad._elementwise_operands import (
    _broadcast_error,
    _category,
    _has_complex,
    _is_numpy_real,
    _operands,
    _python_number,
    as_tensor,
    complex_twin,
    complex_unary,
    complex_unsupported,
)
from arraygrad._out import written, written_same
from arraygrad._primitive import Primitive
from arraygrad._tensor import Tensor
from arraygrad._where import where

_INT, _FLOAT, _COMPLEX = 1, 2, 3  # dtype categories (see _dtype)

__all__ = [
    "abs",
    "add",
    "clone",
    "cos",
    "exp",
    "log",
    "mul",
    "multiply",
    "neg",
    "negative",
    "relu",
    "sigmoid",
    "sin",
    "sqrt",
    "sub",
    "subtract",
    "tanh",
    "where",
]


def astype(x: Tensor, dtype: _dtype.dtype) -> Tensor:
    """``x`` converted to ``dtype``; gradients are converted back."""
    return ops.astype(x, dtype)


# (the same dicts as _dtype's, read without the attribute lookup)
_WIDE_FLOAT_IDS = _dtype.WIDE_FLOAT_IDS
_FAST_PAIR_IDS = _dtype.FAST_PAIR_IDS
# The Python ints PyTorch takes as a number operand: an int64 or a uint64 Scalar.
_INT_MIN = -(2**63)
_INT_END = 2**64


def binary(prim: Primitive, a: Any, b: Any) -> Tensor:
    """Apply a two-input primitive with PyTorch's promotion and broadcasting errors."""
    # Two tensors of one dtype, the most common case, need no promotion; nor does a float32 or
    # float64 tensor with a Python number, the next most common (a third of such an op's time
    # went to the checks below).
    # (Identity, not equality, of the arrays' dtypes: NumPy's builtin dtypes are singletons,
    # and ``is`` pays for the complex test; equal dtypes that are other objects take the
    # general path, which gives the same result.)
    a_class, b_class = a.__class__, b.__class__
    if a_class is Tensor:
        fast = (
            a._data.dtype is b._data.dtype and id(a._data.dtype) in _FAST_PAIR_IDS
            if b_class is Tensor
            else (b_class is float or (b_class is int and _INT_MIN <= b < _INT_END))
            and id(a._data.dtype) in _WIDE_FLOAT_IDS
        )
    else:
        fast = (
            b_class is Tensor
            and (a_class is float or (a_class is int and _INT_MIN <= a < _INT_END))
            and id(b._data.dtype) in _WIDE_FLOAT_IDS
        )
    if not fast:
        for number in (a, b):
            if number.__class__ is int and not _INT_MIN <= number < _INT_END:
                # PyTorch passes a Python int as a 64-bit Scalar (int64 or uint64): no more.
                raise OverflowError(
                    f"int too big to convert: {number} does not fit in 64 bits, which a number "
                    "operand of a tensor op must. Fix: pass it as a float (float(n)), or "
                    "reduce it."
                )
        if prim is ops.subtract:  # a bool operand: PyTorch refuses (two bool tensors: below)
            check_bool_subtraction(a, b)
        if prim in _HALF_SCALING and (scaled := _reduced_floats.scaled(prim, a, b)) is not None:
            return scaled
        # A number beyond float16's range, or a 0-d tensor (two comparisons for a tensor and a
        # number; the dtype checks off this path, in _reduced_floats.half_in_float32).
        kind, other = b.__class__, a.__class__
        if kind is float or kind is int:
            widen = not -65504.0 <= b <= 65504.0
            if kind is float and not widen and _reduced_floats.is_float16(a):
                # PyTorch converts the double to float16 through float32 (a float16 tie there
                # rounds to even: 1 + 2**-11 + 2**-40 is 1.0), NumPy at once
                b = _dtype.float16_operand(b)
        elif other is float or other is int:
            # A number before the tensor: a function's first argument (torch.mul(2**31, x);
            # the operators put the tensor first or widen themselves, see reflected_div),
            # which PyTorch takes as a tensor of the other's dtype, rounded to float16 first
            # (through float32, as above): torch.mul(2**31, x) at x = -0 is nan,
            # torch.true_divide(1e10, x) at inf nan.
            widen = False
            if other is float and -65504.0 <= a <= 65504.0 and _reduced_floats.is_float16(b):
                a = _dtype.float16_operand(a)
        elif kind is Tensor and other is Tensor:
            widen = b._data.ndim == 0 or a._data.ndim == 0
        elif _is_numpy_real(b) or _is_numpy_real(a):
            # PyTorch reads a NumPy scalar as the Python number it holds (np.float32(1e10) too),
            # so it takes the Python numbers' path: here, off the fast path.
            return binary(prim, _python_number(a), _python_number(b))
        else:
            widen = False
        if widen and (widened := _reduced_floats.half_in_float32(prim, a, b)) is not None:
            return widened
        a, b = _operands(a, b, wrap=True)  # the integer ops of binary compute in the dtype
        if _has_complex(a, b):
            prim = complex_twin(prim)
        elif _reduced_floats.has_bfloat16(a, b):
            return _reduced_floats.bfloat16_binary(prim, a, b)
    try:
        return prim.apply2(a, b)
    except ValueError as error:
        raise _broadcast_error(a, b, error) from None
    except TypeError:
        # Array libraries refuse to subtract two bool arrays: PyTorch's error, with its fix.
        if prim is ops.subtract:
            check_bool_subtraction(a, b)
        raise


# The ops whose float16 and bfloat16 kernels in PyTorch keep a number operand in float32 (see
# _reduced_floats.scaled); add and sub round it to the tensor's dtype first, as NumPy's float16
# loops (and ml_dtypes' bfloat16 ones, given a 0-d array: _backend.scalar_operand) do.
_HALF_SCALING = {ops.multiply, ops.divide, ops.trunc_divide, ops.floor_divide}


def add(input: Any, other: Any, *legacy: Any, alpha: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input + alpha * other``. PyTorch's deprecated ``add(input, alpha, other)`` is taken too,
    with its warning.

    >>> import arraygrad
    >>> arraygrad.add(arraygrad.tensor([1.0, 2.0]), 1)
    tensor([2., 3.])
    """
    if legacy:
        other, alpha = scale_first("add", other, legacy, alpha, method=False)
    if out is not None:
        return written("add", out, add, input, other, alpha=alpha)
    if alpha.__class__ is not int or alpha != 1:
        fused = _alpha_in_float32(add, input, other, alpha)
        if fused is not None:
            return fused
        input, other = _scaled_operands(input, other, alpha)
    return binary(ops.add, input, other)


def sub(input: Any, other: Any, *legacy: Any, alpha: Any = 1, out: Tensor | None = None) -> Tensor:
    """``input - alpha * other``, broadcasting, in the promoted dtype of the two operands.
    PyTorch's deprecated ``sub(input, alpha, other)`` is taken too, with its warning.

    PyTorch refuses bool operands (``^`` or ``logical_xor`` is meant).

    >>> import arraygrad
    >>> arraygrad.sub(arraygrad.tensor([5, 3]), arraygrad.tensor([1, 1]), alpha=2)
    tensor([3, 1])
    """
    if legacy:
        other, alpha = scale_first("sub", other, legacy, alpha, method=False)
    if out is not None:
        return written("sub", out, sub, input, other, alpha=alpha)
    if alpha.__class__ is not int or alpha != 1:
        # binary() refuses bool operands itself (off its fast path, or where the library
        # refuses two bools); alpha's scaling would raise its own errors before that.
        check_bool_subtraction(input, other)
        fused = _alpha_in_float32(sub, input, other, alpha)
        if fused is not None:
            return fused
        input, other = _scaled_operands(input, other, alpha)
    return binary(ops.subtract, input, other)


def _alpha_in_float32(function: Any, input: Any, other: Any, alpha: Any) -> Tensor | None:
    """``function(input, other, alpha=alpha)`` of two tensors with a float16 or bfloat16 result
    as PyTorch's one kernel computes it: ``alpha`` rounded to that dtype, the rest in float32,
    rounded once; ``None`` elsewhere. (A number operand is rounded to the tensor's dtype
    first, as for ``+`` and ``-``: the general path, where ``2**40`` becomes float16's inf.)"""
    if not (isinstance(input, Tensor) and isinstance(other, Tensor)):
        return None
    if isinstance(alpha, bool) or not _reduced_floats.fused_applies(input, other):
        return None  # (a bool alpha: the general path's error)
    target = _dtype.result_type(input, other)
    alpha = _dtype.checked_scalar(alpha, target)  # PyTorch's overflow error, as there
    # (an int made a float: rounded too; a float as it is, which may be a number a compiled
    # program reads anew on every replay, an optimizer's lr, whose rounding it records)
    alpha = _reduced_floats.rounded_number(
        alpha if alpha.__class__ is float else float(alpha), target
    )
    return _reduced_floats.in_float32(function, input, other, alpha=alpha)  # type: ignore[no-any-return]


def check_bool_subtraction(a: Any, b: Any) -> None:
    """PyTorch's refusal of ``a - b`` where either is a bool tensor or Python bool (off the
    fast path of two tensors of one dtype, where the array library refuses two bools)."""
    a_bool = a.__class__ is bool or (
        a.__class__ is Tensor and _dtype.from_xp(a._data.dtype) is _dtype.bool_
    )
    b_bool = b.__class__ is bool or (
        b.__class__ is Tensor and _dtype.from_xp(b._data.dtype) is _dtype.bool_
    )
    if a_bool and b_bool:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
            "or `logical_xor()` operator instead."
        )
    if a_bool or b_bool:
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def _scaled_operands(input: Any, other: Any, alpha: Any) -> tuple[Any, Any]:
    """``input`` and ``alpha * other`` for add and sub, computed in the dtype of
    ``input op other``: ``alpha`` takes no part in promotion (uint8 + alpha * bool stays uint8),
    so PyTorch refuses one the result's dtype cannot hold."""
    a, b = _operands(input, other, wrap=True)
    if a.__class__ is Tensor and b.__class__ is Tensor and a._data.dtype == b._data.dtype:
        target = _dtype.from_xp(a._data.dtype)  # the common case, without result_type's cost
    else:
        target = _dtype.result_type(a, b)
    if isinstance(alpha, bool) and target is not _dtype.bool_:
        raise RuntimeError(
            "Boolean alpha only supported for Boolean results."
            " Fix: pass a numeric alpha (e.g. alpha=1), or add bool "
            "tensors."
        )
    if (
        target.category < _FLOAT
        and not isinstance(alpha, numbers.Integral)
        and (not isinstance(alpha, Tensor) or alpha.dtype.category >= _FLOAT)
    ):
        # (a float or a complex alpha, number or 0-d tensor; a floating or complex result
        # takes a float one)
        raise RuntimeError(
            "For integral input tensors, argument alpha must not be a floating point number."
            " Fix: pass an int alpha, or convert the tensors to a "
            "floating dtype first (e.g. x.float())."
        )
    alpha = _dtype.checked_scalar(alpha, target)
    if target is _dtype.bool_:
        alpha = bool(alpha)  # True + 2 * mask stays a mask: alpha as its truth value
    if b.__class__ is Tensor:
        return a, binary(ops.multiply, b, alpha)
    if target is _dtype.bool_:
        return a, bool(b * alpha)
    for number in (b, alpha):
        if number.__class__ is int and not _INT_MIN <= number < _INT_END:
            raise OverflowError(
                f"int too big to convert: {number} does not fit in 64 bits, which a number "
                "operand of a tensor op must. Fix: pass it as a float (float(n)), or reduce it."
            )
    if b.__class__ is int and target.category == _FLOAT:
        # PyTorch converts both to the result's floating type before multiplying: an exact
        # product of ints would round differently (3 * (2**53 + 1)) or not fit in 64 bits
        return a, float(b) * float(alpha)
    scaled = b * alpha  # a Python number: the product is applied at the tensor's dtype
    if scaled.__class__ is int and not _INT_MIN <= scaled < _INT_END:
        # An integer result: PyTorch multiplies in int64, which wraps around (the tensor's
        # dtype then wraps it again); arraygrad refuses a number beyond 64 bits otherwise.
        scaled = (scaled + 2**63) % 2**64 - 2**63
    return a, scaled


def mul(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input * other``, elementwise with broadcasting, in the promoted dtype of the two operands.

    >>> import arraygrad
    >>> arraygrad.mul(arraygrad.tensor([[1.0], [2.0]]), arraygrad.tensor([3.0, 4.0]))
    tensor([[3., 4.],
            [6., 8.]])
    """
    if out is not None:
        return written("mul", out, mul, input, other)
    return binary(ops.multiply, input, other)


subtract, multiply = sub, mul


def neg(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``-input``, elementwise; a bool tensor raises ``RuntimeError`` (``~`` is meant).

    >>> import arraygrad
    >>> arraygrad.neg(arraygrad.tensor([1, -2]))
    tensor([-1,  2])
    """
    if out is not None:
        return written_same("neg", out, neg, input)
    if input.dtype is _dtype.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return ops.negative(input)


negative = neg


def abs(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``|input|``, elementwise; the gradient is ``sign(input)``, 0 at 0 as in PyTorch.

    A complex tensor gives its real modulus; a bool tensor raises ``NotImplementedError``.

    >>> import arraygrad
    >>> x = arraygrad.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    >>> arraygrad.abs(x).sum().backward()
    >>> x.grad
    tensor([-1.,  0.,  1.])
    """
    if out is not None:
        return written_same("abs", out, abs, input)
    if input.dtype is _dtype.bool_:
        raise NotImplementedError(
            "\"abs_cpu\" not implemented for 'Bool'. Fix: a bool tensor is its own absolute "
            "value; convert it (x.long()) if you need numbers."
        )
    if input.dtype.is_complex:
        return ops.complex_ops.abs.apply1(input)  # |z|, real
    return ops.abs(input)


def _floating(x: Any) -> Tensor:
    # Integer tensors are converted to the default float dtype by PyTorch's float functions.
    if x.__class__ is Tensor and _dtype.from_xp(x._data.dtype).category == _FLOAT:
        return x
    x = as_tensor(x)
    category = _category(x)
    if category < _FLOAT:
        return ops.astype(x, _dtype.get_default_dtype())
    if category == _COMPLEX:  # every user of this helper computes with the real rules
        raise complex_unsupported("this function")
    return x


def float_function(prim: Primitive, x: Any) -> Tensor:
    """``prim`` (a one-input function of PyTorch's floating dtypes) applied to ``x``: floats
    straight to it, integers in the default float dtype, complex tensors to its complex twin
    (:func:`complex_unary`), or PyTorch's refusal."""
    if x.__class__ is Tensor and id(x._data.dtype) in _WIDE_FLOAT_IDS:
        return prim.apply1(x)
    if _reduced_floats.is_reduced(x):
        # float16, bfloat16: in float32, rounded once, as PyTorch's kernels (1 + exp(-x) too)
        return _reduced_floats.twin(prim).apply1(x)
    if isinstance(x, Tensor) and _dtype.is_complex_native(x._data.dtype):  # (Parameters too)
        twin = complex_unary().get(prim)
        if twin is None:
            raise complex_unsupported(prim.name)
        return twin.apply1(x)
    return prim.apply1(_floating(x))


def exp(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``e ** input``, elementwise; integer tensors are promoted to the default float dtype.

    >>> import arraygrad
    >>> arraygrad.exp(arraygrad.tensor([0.0, 1.0]))
    tensor([1.0000, 2.7183])
    """
    if out is not None:
        return written("exp", out, exp, input)
    return float_function(ops.exp, input)


def log(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Natural log ``ln(input)``, elementwise: ``-inf`` at 0, ``nan`` below; ints become floats.

    >>> import arraygrad
    >>> arraygrad.log(arraygrad.tensor([1.0, 0.0, -1.0]))
    tensor([0., -inf, nan])
    """
    if out is not None:
        return written("log", out, log, input)
    return float_function(ops.log, input)


def sqrt(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Square root ``input ** 0.5``, elementwise: ``nan`` below 0.

    The gradient ``0.5 / sqrt(input)`` is ``inf`` at 0, as in PyTorch; integer tensors are promoted
    to the default float dtype.

    >>> import arraygrad
    >>> x = arraygrad.tensor([4.0, 0.0, -1.0], requires_grad=True)
    >>> arraygrad.sqrt(x).sum().backward()
    >>> x.grad
    tensor([0.2500,    inf,    nan])
    """
    if out is not None:
        return written("sqrt", out, sqrt, input)
    return float_function(ops.sqrt, input)


def sin(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Sine ``sin(input)`` (radians), elementwise; gradient ``cos(input)``; ints become floats.

    >>> import arraygrad
    >>> x = arraygrad.tensor([0.0], requires_grad=True)
    >>> arraygrad.sin(x).backward()
    >>> x.grad
    tensor([1.])
    """
    if out is not None:
        return written("sin", out, sin, input)
    return float_function(ops.sin, input)


def cos(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Cosine ``cos(input)`` (radians), elementwise; gradient ``-sin(input)``; ints become floats.

    >>> import arraygrad
    >>> arraygrad.cos(arraygrad.tensor([0.0, 3.1415927]))
    tensor([ 1., -1.])
    """
    if out is not None:
        return written("cos", out, cos, input)
    return float_function(ops.cos, input)


def tanh(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Hyperbolic tangent ``(e**x - e**-x) / (e**x + e**-x)``, elementwise, in ``[-1, 1]``.

    The gradient ``1 - tanh(input)**2`` is computed from the result; large inputs give ``+-1``.

    >>> import arraygrad
    >>> arraygrad.tanh(arraygrad.tensor([0.0, 1000.0]))
    tensor([0., 1.])
    """
    if out is not None:
        return written("tanh", out, tanh, input)
    return float_function(ops.tanh, input)


def sigmoid(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The logistic function ``1 / (1 + exp(-input))``, elementwise; exactly 0 or 1 far out.

    The gradient is ``sigmoid(input) * (1 - sigmoid(input))``: 0.25 at 0.

    >>> import arraygrad
    >>> x = arraygrad.tensor([-1000.0, 0.0, 1000.0], requires_grad=True)
    >>> y = arraygrad.sigmoid(x)
    >>> y
    tensor([0.0000, 0.5000, 1.0000], grad_fn=<SigmoidBackward0>)
    >>> y.sum().backward()
    >>> x.grad
    tensor([0.0000, 0.2500, 0.0000])
    """
    if out is not None:
        return written("sigmoid", out, sigmoid, input)
    return float_function(ops.sigmoid, input)


def relu(input: Tensor) -> Tensor:
    """``max(input, 0)``, elementwise; the gradient at 0 is 0, as in PyTorch.

    Integer tensors stay integer; a bool tensor raises ``RuntimeError``.

    >>> import arraygrad
    >>> x = arraygrad.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> arraygrad.relu(x).sum().backward()
    >>> x.grad
    tensor([0., 0., 1.])
    """
    if input.dtype.is_complex:
        raise NotImplementedError(
            "clamp is not supported for complex types"
            ". Fix: clamp the real and imaginary parts separately, or "
            "clamp x.abs()."
        )
    if input.dtype is _dtype.bool_:
        raise RuntimeError(
            "Boolean inputs not supported for relu. Fix: convert the tensor first, e.g. x.float()."
        )
    if input.dtype is _dtype.bfloat16:  # (its rule's zeros are Python floats: NumPy widens)
        return _reduced_floats.twin(ops.relu).apply1(input)
    return ops.relu.apply1(input)


def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:
    """A copy that stays in the graph (the gradient passes through unchanged), laid out as
    ``input`` is, or in ``memory_format``.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, 2.0], requires_grad=True)
    >>> arraygrad.clone(x)
    tensor([1., 2.], grad_fn=<CloneBackward0>)
    """
    if memory_format is None:
        return ops.clone(input)
    order = _device.outer_first(memory_format, input.ndim)
    return ops.clone(input) if order is None else ops.clone(input, order=order)
