"""PyTorch's element-wise functions of two tensors beyond arithmetic.

``maximum``, ``minimum``, ``atan2``, ``hypot``, ``xlogy`` and ``lerp``: PyTorch's argument rules
(tensors only where PyTorch takes tensors only), dtype promotion, then a primitive or a short
composition. Their gradients follow PyTorch at the edges: ties of ``maximum``/``minimum`` split
the gradient evenly, ``atan2`` has gradient 0 at the origin, ``xlogy`` is 0 where ``x == 0``.

Also ``logaddexp``/``logaddexp2``, the nan-ignoring ``fmax``/``fmin`` (a tie's gradient goes to
``input``), ``copysign``, ``heaviside``, ``float_power`` (float64 always), ``ldexp``, the integer
``gcd``/``lcm`` and ``nextafter``.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _dtype, _reduced_floats, ops
from arraygrad._arguments import require_tensor
from arraygrad._comparison import eq, ge, gt, isinf, isnan, le, logical_and, logical_or, lt
from arraygrad._division import div, floor_divide
from arraygrad._elementwise_operands import _scalar
from arraygrad._math import (
    _COMPLEX,
    _FLOAT,
    _broadcast_error,
    _operands,
    abs,
    add,
    as_tensor,
    astype,
    binary,
    complex_unsupported,
    mul,
    sub,
    where,
)
from arraygrad._out import written, written_same
from arraygrad._power import pow
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor, describe
from arraygrad._unary import not_implemented

__all__ = [
    "arctan2",
    "atan2",
    "copysign",
    "float_power",
    "fmax",
    "fmin",
    "gcd",
    "heaviside",
    "hypot",
    "lcm",
    "ldexp",
    "lerp",
    "logaddexp",
    "logaddexp2",
    "maximum",
    "minimum",
    "nextafter",
    "xlogy",
]

_LN2 = math.log(2.0)


def maximum(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Element-wise maximum (``nan`` propagates); ties split the gradient evenly.

    >>> import arraygrad
    >>> arraygrad.maximum(arraygrad.tensor([1.0, 3.0]), arraygrad.tensor([2.0, 2.0]))
    tensor([2., 3.])
    """
    if out is not None:
        return written("maximum", out, maximum, input, other)
    require_tensor("maximum", "other", 2, other)
    return binary(ops.maximum, require_tensor("maximum", "input", 1, input), other)


def minimum(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Element-wise minimum (``nan`` propagates); ties split the gradient evenly.

    The operands broadcast and promote: ``minimum(int tensor, float tensor)`` is float.

    >>> import arraygrad
    >>> arraygrad.minimum(arraygrad.tensor([1.0, 3.0]), arraygrad.tensor([2.0, 2.0]))
    tensor([1., 2.])
    """
    if out is not None:
        return written("minimum", out, minimum, input, other)
    require_tensor("minimum", "other", 2, other)
    return binary(ops.minimum, require_tensor("minimum", "input", 1, input), other)


def _float_operands(a: Any, b: Any) -> tuple[Any, Any]:
    common_a, common_b = _operands(a, b)
    target = _dtype.result_type(common_a, common_b)
    if target.category == _FLOAT:
        return as_tensor(common_a, target), as_tensor(common_b, target)
    if target.is_complex:  # the functions of two real arguments (atan2, copysign, ...)
        raise complex_unsupported("this function")
    target = _dtype.get_default_dtype()
    # Each operand goes straight to the float dtype, as in PyTorch: through the common integer
    # dtype first, a 0-d uint8 200 beside an int8 tensor would wrap to -56. A Python number
    # too (an int past int64 included).
    a = ops.astype(a, target) if isinstance(a, Tensor) else float(a)
    b = ops.astype(b, target) if isinstance(b, Tensor) else float(b)
    return as_tensor(a, target), as_tensor(b, target)


def atan2(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The angle of the point ``(other, input)``, ``atan(input / other)`` in the right quadrant, in
    ``[-pi, pi]``; the sign of a zero ``input`` picks ``pi`` or ``-pi``. Gradient 0 at the origin.

    Integer tensors are promoted to the default float dtype.

    >>> import arraygrad
    >>> arraygrad.atan2(arraygrad.tensor([1.0, 0.0, -0.0]), arraygrad.tensor([0.0, -1.0, -1.0]))
    tensor([ 1.5708,  3.1416, -3.1416])
    """
    if out is not None:
        return written("atan2", out, atan2, input, other)
    require_tensor("atan2", "other", 2, other)
    return binary(ops.atan2, *_float_operands(require_tensor("atan2", "input", 1, input), other))


arctan2 = atan2


def hypot(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``sqrt(input**2 + other**2)`` without overflow or underflow; floating tensors only.

    The gradients are ``input / hypot`` and ``other / hypot`` (``nan`` at the origin, as in
    PyTorch); integer tensors raise ``NotImplementedError``.

    >>> import arraygrad
    >>> arraygrad.hypot(arraygrad.tensor([3.0, 1e30]), arraygrad.tensor([4.0, 1e30]))
    tensor([5.0000e+00, 1.4142e+30])
    """
    if out is not None:
        return written("hypot", out, hypot, input, other)
    a, b = _operands(require_tensor("hypot", "input", 1, input), other)
    if _dtype.result_type(a, b).category != _FLOAT:
        refusal = not_implemented("hypot_cpu", as_tensor(a), "convert the tensors with .float().")
        raise _broadcast_error(a, b, refusal)  # (shapes that do not broadcast: that error first)
    return binary(ops.hypot, a, b)


def xlogy(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``input * log(other)``, defined as 0 where ``input == 0`` (unless ``other`` is nan).

    The gradient in ``input`` is 0 there, even where ``log(other)`` is ``-inf``.

    >>> import arraygrad
    >>> arraygrad.xlogy(arraygrad.tensor([0.0, 2.0]), arraygrad.tensor([0.0, 1.0]))
    tensor([0., 0.])
    """
    if out is not None:
        return written("xlogy", out, xlogy, input, other)
    return binary(ops.xlogy, *_float_operands(input, other))


def lerp(input: Tensor, end: Tensor, weight: Any, *, out: Tensor | None = None) -> Tensor:
    """Linear interpolation ``input + weight * (end - input)``; ``weight`` a number or a tensor.

    Like PyTorch, it is evaluated from ``end`` when ``|weight| >= 0.5``, so that ``weight == 1``
    gives ``end`` exactly. Floating tensors only; the gradients are ``1 - weight``, ``weight`` and
    ``end - input``.

    >>> import arraygrad
    >>> arraygrad.lerp(arraygrad.tensor([0.0, 10.0]), arraygrad.tensor([10.0, 20.0]), 0.5)
    tensor([ 5., 15.])
    """
    if out is not None:
        return written_same("lerp", out, lerp, input, end, weight)
    require_tensor("lerp", "end", 2, end)
    require_tensor("lerp", "input", 1, input)
    # PyTorch's checks, in its order: no promotion between start, end and a weight tensor
    # (a 0-d weight is a number, except that it makes an integer lerp a float one).
    _check_lerp_dtype("end", input, end)
    weight_is_tensor = isinstance(weight, Tensor)
    if weight_is_tensor and weight.ndim:
        _check_lerp_dtype("weight", input, weight)
    elif weight_is_tensor and weight.dtype is not input.dtype:
        # A 0-d weight takes part in the promotion (a float one makes an integer lerp a float
        # one, a complex one a real lerp complex; its in-place form checks the result, lerp_),
        # then is a number of the result's dtype, as in PyTorch's kernel: a float32 0.37
        # weighs a float16 lerp as float16's 0.3701, and ``1 - weight`` below does not wrap
        # around in an integer weight's own dtype (a uint8 3 made 1 - 3 = 254).
        computed = _dtype.result_type(input, end, weight)  # (end's dims count, as input's)
        if computed is not input.dtype:
            input, end = astype(input, computed), astype(end, computed)
        if weight.dtype is not computed:
            weight = astype(weight, computed)
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        kernel = "lerp_kernel_tensor" if weight_is_tensor else "lerp_kernel_scalar"
        raise not_implemented(kernel, input, "convert the tensors with .float().")
    if _reduced_floats.is_reduced(input):  # PyTorch's one kernel: in float32, rounded once
        return _reduced_floats.in_float32(lerp, input, end, weight)  # type: ignore[no-any-return]
    diff = sub(end, input)
    if isinstance(weight, Tensor):
        near_start = lt(abs(weight), 0.5)
        return where(near_start, add(input, mul(weight, diff)), sub(end, mul(diff, sub(1, weight))))
    weight = _scalar(weight)
    if isinstance(weight, complex) and not input.dtype.is_complex:
        raise RuntimeError(
            f"value cannot be converted to type {_dtype.c_type_name(input.dtype)} without "
            f"overflow: lerp's weight {weight} is complex and its input a {describe(input)}. "
            "Fix: pass a real weight, or complex tensors."
        )
    if math.hypot(weight.real, weight.imag) < 0.5:  # |weight|, a complex one's too, as PyTorch
        return add(input, mul(diff, weight))
    return sub(end, mul(diff, 1 - weight))


def _check_lerp_dtype(name: str, input: Tensor, other: Tensor) -> None:
    if other.dtype is not input.dtype:
        raise RuntimeError(
            f"expected dtype {_dtype.c_type_name(input.dtype)} for `{name}` but got dtype "
            f"{_dtype.c_type_name(other.dtype)}: lerp's {name} must have the dtype of its input, "
            f"{describe(input)}, and got {describe(other)}. Fix: convert it, e.g. "
            f"{name}.to(input.dtype)."
        )


# --- logaddexp, fmax/fmin, sign and exponent manipulation, gcd/lcm --------------------------------


def _float_tensors(
    op: str, input: Tensor, other: Tensor, complex_ok: bool = False
) -> tuple[Tensor, Tensor]:
    """Two tensors promoted to one floating dtype (or complex one, where ``complex_ok``);
    PyTorch has no integer kernel for ``op``."""
    require_tensor(op, "other", 2, other)
    a, b = _operands(require_tensor(op, "input", 1, input), other)
    category = _dtype.result_type(a, b).category
    if category != _FLOAT and not (complex_ok and category == _COMPLEX):
        refusal = not_implemented(f"{op}_cpu", as_tensor(a), "convert the tensors with .float().")
        raise _broadcast_error(a, b, refusal)  # (as torch: the shapes before the dtype)
    return a, b


def logaddexp(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``log(exp(input) + exp(other))``, without overflow or underflow.

    The gradient in ``input`` is ``1 / (1 + exp(other - input))`` (conjugated for complex
    tensors); like PyTorch's it is ``nan`` where both operands are the same infinity, and, for
    complex ones, where ``exp`` overflows in both parts (``input - other = 799 - 1j``).

    >>> import arraygrad
    >>> arraygrad.logaddexp(arraygrad.tensor([1000.0, -1000.0]), arraygrad.tensor([1000.0, 0.0]))
    tensor([1000.6932,    0.0000])
    """
    if out is not None:
        return written("logaddexp", out, logaddexp, input, other)
    a, b = _float_tensors("logaddexp", input, other, complex_ok=True)
    return binary(ops.logaddexp, a, b)  # (complex operands: its complex twin)


def logaddexp2(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``log2(2**input + 2**other)``, without overflow or underflow.

    >>> import arraygrad
    >>> arraygrad.logaddexp2(arraygrad.tensor([1.0, 3.0]), arraygrad.tensor([1.0, -100.0]))
    tensor([2., 3.])
    """
    if out is not None:
        return written("logaddexp2", out, logaddexp2, input, other)
    a, b = _float_tensors("logaddexp2", input, other)
    # In base e: log2(2^a + 2^b) = logaddexp(a ln2, b ln2) / ln2. The scaling keeps infinities,
    # so PyTorch's derivatives, 1 / (1 + 2^(b - a)), and its nan at equal infinities carry over.
    return div(binary(ops.logaddexp, mul(a, _LN2), mul(b, _LN2)), _LN2)


def fmax(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Element-wise maximum that ignores ``nan`` (``nan`` only where both are ``nan``).

    The gradient goes to ``input`` where ``input >= other`` or ``other`` is ``nan``, to
    ``other`` elsewhere: a tie gives all of it to ``input``, as in PyTorch.

    >>> import arraygrad
    >>> nan = float("nan")
    >>> arraygrad.fmax(arraygrad.tensor([1.0, nan, 3.0]), arraygrad.tensor([2.0, 2.0, nan]))
    tensor([2., 2., 3.])
    """
    if out is not None:
        return written("fmax", out, fmax, input, other)
    require_tensor("fmax", "other", 2, other)
    a, b = _ordered_operands("fmax", require_tensor("fmax", "input", 1, input), other)
    return labelled(where(logical_or(ge(a, b), isnan(b)), a, b), "FmaxBackward0")


def fmin(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Element-wise minimum that ignores ``nan`` (``nan`` only where both are ``nan``).

    The gradient goes to ``input`` where ``input <= other`` or ``other`` is ``nan``, to ``other``
    elsewhere: a tie gives all of it to ``input``, as in PyTorch.

    >>> import arraygrad
    >>> nan = float("nan")
    >>> arraygrad.fmin(arraygrad.tensor([1.0, nan, 3.0]), arraygrad.tensor([2.0, 0.0, nan]))
    tensor([1., 0., 3.])
    """
    if out is not None:
        return written("fmin", out, fmin, input, other)
    require_tensor("fmin", "other", 2, other)
    a, b = _ordered_operands("fmin", require_tensor("fmin", "input", 1, input), other)
    return labelled(where(logical_or(le(a, b), isnan(b)), a, b), "FminBackward0")


def _ordered_operands(op: str, input: Tensor, other: Tensor) -> tuple[Tensor, Tensor]:
    """The promoted operands of ``fmax``/``fmin``, refused as PyTorch refuses them when
    complex (its class and words: a RuntimeError, as for ``maximum``)."""
    a, b = _operands(input, other)
    if a.dtype.is_complex or b.dtype.is_complex:
        raise RuntimeError(
            f"{op} not implemented for complex tensors. Fix: compare the real parts (x.real) "
            "or the magnitudes (x.abs())."
        )
    return a, b


def copysign(input: Tensor, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``|input|`` with the sign (bit) of ``other``; integer tensors give floats.

    The gradient in ``input`` is PyTorch's ``result / input``: +-1, but 0 at ``input == 0`` and
    ``nan`` at ``+-inf``. ``other`` gets a zero gradient.

    >>> import arraygrad
    >>> arraygrad.copysign(arraygrad.tensor([1.0, -2.0, 3.0]), arraygrad.tensor([-0.0, 1.0, -1.0]))
    tensor([-1.,  2., -3.])
    """
    if out is not None:
        return written("copysign", out, copysign, input, other)
    a, b = _float_operands(require_tensor("copysign", "input", 1, input), other)
    return binary(ops.copysign, a, b)


def heaviside(input: Tensor, values: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The step function: 0 where ``input < 0`` (or nan), ``values`` where ``input == 0``, 1
    where ``input > 0``. Both tensors must have one dtype; the result is not differentiable (as in
    PyTorch, it requires grad where an operand does, and backward through it raises).

    >>> import arraygrad
    >>> arraygrad.heaviside(arraygrad.tensor([-1.0, 0.0, 2.0]), arraygrad.tensor([0.5]))
    tensor([0.0000, 0.5000, 1.0000])
    """
    if out is not None:
        return written_same("heaviside", out, heaviside, input, values)
    require_tensor("heaviside", "values", 2, values)
    if require_tensor("heaviside", "input", 1, input).dtype.is_complex or values.dtype.is_complex:
        raise RuntimeError(
            f"heaviside is not yet implemented for complex tensors (got {describe(input)} and "
            f"{describe(values)}). Fix: apply it to the real parts (x.real) or to x.abs()."
        )
    if input.dtype is not values.dtype:
        raise RuntimeError(
            "heaviside is not yet implemented for tensors with different dtypes: got "
            f"{describe(input)} and {describe(values)}. Fix: convert values to the input's "
            "dtype, e.g. values.to(input.dtype)."
        )
    x = input.detach()
    steps = where(eq(x, 0), values.detach(), astype(gt(x, 0), x.dtype))
    # PyTorch's result requires grad where an operand does, and its backward raises
    return ops.without_derivative(
        steps, [input, values], "derivative for aten::heaviside is not implemented"
    )


def _float_power_dtype(input: Any, exponent: Any) -> _dtype.dtype:
    """float64, or complex128 where either operand is complex (a tensor or a number)."""
    for value in (input, exponent):
        if isinstance(value, complex) or (isinstance(value, Tensor) and value.dtype.is_complex):
            return _dtype.complex128
    return _dtype.float64


def _widened(value: Any, target: _dtype.dtype) -> Any:
    if isinstance(value, Tensor):
        return astype(value, target)
    number = _scalar(value)
    return complex(number) if target.is_complex else float(number)


def float_power(input: Any, exponent: Any, *, out: Tensor | None = None) -> Tensor:
    """``input ** exponent`` computed in double precision whatever the operands' dtypes
    (PyTorch's): float64, or complex128 where either operand is complex; gradients as
    :func:`pow`.

    >>> import arraygrad
    >>> arraygrad.float_power(arraygrad.tensor([2, 3]), 2)
    tensor([4., 9.], dtype=arraygrad.float64)
    """
    if out is not None:
        return written_same("float_power", out, float_power, input, exponent)
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError(
            f"float_power(): at least one of input and exponent must be a Tensor, got "
            f"{type(input).__name__} and {type(exponent).__name__}. Fix: use Python's ** for two "
            "numbers, or wrap one in arraygrad.tensor()."
        )
    target = _float_power_dtype(input, exponent)
    return pow(_widened(input, target), _widened(exponent, target))


def check_float_power_inplace(input: Tensor, exponent: Any) -> None:
    """``float_power_`` writes a float64 (complex128) result: PyTorch refuses any other
    tensor."""
    target = _float_power_dtype(input, exponent)
    if input.dtype is not target:
        name = _dtype.torch_type_name
        raise RuntimeError(
            f"the base given to float_power_ has dtype {name(input.dtype)} but the operation's "
            f"result requires dtype {name(target)} ({describe(input)}). Fix: convert it first "
            f"(x = x.to({target.name})), or use the out-of-place float_power."
        )


def ldexp(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``input * 2 ** other``; integer operands give the default float dtype.

    >>> import arraygrad
    >>> arraygrad.ldexp(arraygrad.tensor([1.0, 3.0]), arraygrad.tensor([3, -1]))
    tensor([8.0000, 1.5000])
    """
    if out is not None:
        return written("ldexp", out, ldexp, input, other)
    require_tensor("ldexp", "other", 2, other)
    input = require_tensor("ldexp", "input", 1, input)
    if input.dtype.is_floating_point:
        # PyTorch raises the exponent's power of two in the exponent's dtype, which has no
        # bool kernel (an integer input converts both operands to float first).
        _dtype.check_not_bool("ldexp_cpu_exp", other.dtype)
    # PyTorch computes input * 2.0 ** other in the promoted dtype of the two (made floating),
    # the power in a floating exponent's own dtype (a float16 exponent rounds it to float16):
    # the input is not promoted with the exponent first, or an int8 0-d -3 would become the
    # uint8 253 of a dimensioned uint8 exponent.
    target = _dtype.result_type(input, other)
    if not (target.is_floating_point or target.is_complex):
        target = _dtype.get_default_dtype()
    exponent = other
    if not other.dtype.is_floating_point or (other.ndim == 0 and target is _dtype.float64):
        # As PyTorch: the power of a 0-d exponent is computed in float64 for a float64 result (7
        # * 2 ** float32 0.5 is 7 * sqrt(2) to float64's precision), a dimensioned one's in its
        # own dtype (found by comparing results; a float32 result keeps a 0-d float16's).
        exponent = astype(other, target)
    power = pow(2.0, exponent)
    result = mul(input, power)
    result = result if result.dtype is target else astype(result, target)
    if input.dtype.is_floating_point and not other.dtype.is_floating_point:
        # A floating input scaled by an integer exponent is C's ldexp: zeros and infinities stay
        # as they are, where the power of two overflowing (2**200 in float32) or underflowing
        # would give 0 * inf or inf * 0, nan. Otherwise PyTorch multiplies by the power, and
        # only there is the input taken as it is: elsewhere (a zero scaled by a finite power
        # included) the product's gradient, the power, is PyTorch's.
        x = input if input.dtype is target else astype(input, target)
        # (the power is in the result's dtype here: the integer exponent was converted to it)
        zero_by_inf = logical_and(eq(x, 0), isinf(power))
        inf_by_zero = logical_and(isinf(x), eq(power, 0))
        result = where(logical_or(zero_by_inf, inf_by_zero), x, result)
    return result


def _integer_gcd(op: str, input: Tensor, other: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """The promoted integer operands of ``op`` and their gcd (PyTorch's checks first)."""
    require_tensor(op, "other", 2, other)
    a, b = _operands(require_tensor(op, "input", 1, input), other)
    a, b = as_tensor(a), as_tensor(b)
    for x in (a, b):
        if x.dtype.is_floating_point or x.dtype.is_complex or x.dtype is _dtype.bool_:
            refusal = not_implemented(f"{op}_cpu", x, "use integer tensors (x.long()).")
            raise _broadcast_error(a, b, refusal)  # (as torch: the shapes before the dtype)
    try:
        return a, b, ops.gcd(a, b)
    except ValueError as error:
        raise _broadcast_error(a, b, error) from None


def gcd(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The greatest common divisor (non-negative; ``gcd(0, 0) == 0``) of integer tensors.

    >>> import arraygrad
    >>> arraygrad.gcd(arraygrad.tensor([12, -18, 0]), arraygrad.tensor([8, 12, 5]))
    tensor([4, 6, 5])
    """
    if out is not None:
        return written("gcd", out, gcd, input, other)
    return _integer_gcd("gcd", input, other)[2]


def lcm(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The least common multiple ``|x / gcd(x, y) * y|`` (non-negative; 0 if either is 0) of
    integer tensors.

    >>> import arraygrad
    >>> arraygrad.lcm(arraygrad.tensor([4, -6, 0]), arraygrad.tensor([6, 4, 5]))
    tensor([12, 12,  0])
    """
    if out is not None:
        return written("lcm", out, lcm, input, other)
    x, y, divisor = _integer_gcd("lcm", input, other)
    result_dtype = divisor.dtype
    if result_dtype.itemsize < 4:
        # PyTorch multiplies 8- and 16-bit integers in 32 bits (C's integer promotion), taking
        # the absolute value before the product wraps to the dtype: int8 lcm(2, 127) is -2.
        x, y, divisor = (astype(t, _dtype.int32) for t in (x, y, divisor))
    zero = eq(divisor, 0)
    safe = where(zero, 1, divisor)  # gcd divides x exactly: floor division is exact
    result = where(zero, 0, abs(mul(floor_divide(x, safe), y)))
    return result if result.dtype is result_dtype else astype(result, result_dtype)


def nextafter(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The next floating-point number after ``input`` toward ``other``. As in PyTorch its
    gradient is ``grad`` for ``input`` (the step is constant between two floats) and zero for
    ``other``.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0], dtype=arraygrad.float64)
    >>> (arraygrad.nextafter(x, x + 1) - x).item()
    2.220446049250313e-16
    """
    if out is not None:
        return written("nextafter", out, nextafter, input, other)
    return binary(ops.nextafter, *_float_tensors("nextafter", input, other))
