"""Operands of PyTorch's element-wise functions: Python and NumPy numbers as PyTorch's
"wrapped numbers", both operands promoted to one dtype with PyTorch's rules, broadcasting
errors in PyTorch's words, and the complex primitive that stands in for a real one when an
operand is complex.

:mod:`arraygrad._math` and its siblings call these after their fast paths have let a call
through (two tensors of one real dtype, a float tensor with a Python number).

>>> import arraygrad
>>> a, b = _operands(arraygrad.tensor([1, 2], dtype=arraygrad.int8), 2.5)
>>> a.dtype, b
(arraygrad.float32, 2.5)
"""

from __future__ import annotations

import functools
import numbers
from typing import Any

from arraygrad import _dtype, ops
from arraygrad._primitive import Primitive
from arraygrad._tensor import Tensor
from arraygrad.ops import complex as _cx
from arraygrad.ops import elementwise as _real
from arraygrad.ops import predicates as _predicates
from arraygrad.ops import transcendental as _trans

_INT, _FLOAT, _COMPLEX = 1, 2, 3  # dtype categories (see _dtype)
# (the same dict as _dtype's, read without the attribute lookup)
_is_complex_native = _dtype.is_complex_native


def as_tensor(value: Any, dtype: _dtype.dtype | None = None) -> Tensor:
    """``value`` as a Tensor (tensors pass through; arrays and Python data are converted)."""
    if isinstance(value, Tensor):
        return value if dtype is None else ops.astype(value, dtype)
    from arraygrad._creation import tensor

    if dtype is None and value.__class__ is complex:
        # (an operand: of the default complex dtype even beside a bfloat16 default, where
        # tensor(1j) refuses, as PyTorch's)
        dtype = _dtype.get_default_complex_dtype()
    return tensor(value, dtype=dtype)


def _category(x: Tensor) -> int:
    return _dtype.from_xp(x._data.dtype).category


def _scalar(value: Any) -> Any:
    """NumPy and other scalar objects as plain Python numbers (PyTorch's "wrapped numbers")."""
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, complex) or not isinstance(value, numbers.Real):
        return complex(value)
    return float(value)


def _is_numpy_real(value: Any) -> bool:
    """Whether ``value`` is a real scalar object that is not a Python number or a tensor: NumPy's
    ``np.float32``, ``np.float64`` (a ``float`` subclass) or ``np.int64``, say."""
    kind = value.__class__
    return (
        kind is not float
        and kind is not int
        and kind is not bool
        and kind is not Tensor
        and isinstance(value, numbers.Real)
    )


def _python_number(value: Any) -> Any:
    """``value`` as a plain Python number where :func:`_is_numpy_real`, else as it is."""
    return _scalar(value) if _is_numpy_real(value) else value


def _int_in_range(tensor: Tensor, number: float, wrap: bool) -> bool:
    """Whether ``number`` is a Python int that leaves the integer ``tensor``'s dtype as it is
    and needs no wrapping: any int without ``wrap``, one the dtype holds with it."""
    if number.__class__ is not int or _category(tensor) != _INT:
        return False
    if not wrap:
        return True
    low, high = _dtype.int_bounds(tensor.dtype)
    return low <= number <= high


def _wrapped(number: Any, tensor: Tensor) -> Any:
    """A Python int met by an integer tensor, converted to the tensor's dtype as PyTorch does:
    wrapping around (``uint8 + -100`` adds 156, ``uint8 == 300`` compares with 44). Ints
    beyond 64 bits stay as they are, for NumPy's OverflowError (PyTorch's class too)."""
    if number.__class__ is not int or _category(tensor) != _INT:
        return number
    low, high = _dtype.int_bounds(tensor.dtype)
    if low <= number <= high or not -(2**63) <= number < 2**64:
        return number
    span = high - low + 1
    return (number - low) % span + low


def _fitting(number: int, tensor: Tensor) -> int:
    """The Python int ``number`` checked against the integer ``tensor``'s dtype
    (:func:`_dtype.checked_scalar`); unchanged beside other tensors, which it cannot overflow."""
    if _category(tensor) != _INT:
        return number
    return _dtype.checked_scalar(number, tensor.dtype)  # type: ignore[no-any-return]


def _operands(a: Any, b: Any, *, wrap: bool = False) -> tuple[Any, Any]:
    """``a`` and ``b`` converted to one dtype following PyTorch's promotion rules.

    ``wrap``: the op computes in the integer tensor's dtype (``+``, ``==``, ``//``, ``&``), so a
    Python int outside that dtype is first converted to it, wrapping around, as PyTorch does
    (:func:`_wrapped`). Ops that compute integers in floating point (true division, ``xlogy``)
    leave it as it is.
    """
    # Fast paths for the common cases, before any promotion logic: two tensors of one dtype, or
    # a tensor and a Python number that cannot change its dtype (float with a float tensor,
    # int with an int or float tensor).
    if a.__class__ is Tensor:
        other = b.__class__
        if other is Tensor:
            if a._data.dtype == b._data.dtype:
                return a, b
        elif (other is float or other is int) and (
            _dtype.from_xp(a._data.dtype).category == _FLOAT or _int_in_range(a, b, wrap)
        ):
            return a, b
    elif (
        b.__class__ is Tensor
        and (a.__class__ is float or a.__class__ is int)
        and (_dtype.from_xp(b._data.dtype).category == _FLOAT or _int_in_range(b, a, wrap))
    ):
        return a, b
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
                if wrap:
                    other = _wrapped(other, tensor_operand)
                return (tensor_operand, other) if a_tensor else (other, tensor_operand)
        elif other.__class__ is list or other.__class__ is tuple:
            raise sequence_operand(other)
        else:
            other = as_tensor(other)
        a, b = (tensor_operand, other) if a_tensor else (other, tensor_operand)
    else:
        for operand in (a, b):
            if operand.__class__ is list or operand.__class__ is tuple:
                raise sequence_operand(operand)
        a = as_tensor(a)  # neither is a tensor (e.g. where(cond, 1.0, 0.0)): a leads
    target = _dtype.result_type(a, b)
    return _cast(a, target), _cast(b, target)


def sequence_operand(value: list[Any] | tuple[Any, ...]) -> TypeError:
    """PyTorch's refusal of a list or tuple as an operand of an elementwise op (``x * (1, 2)``,
    ``torch.add(x, [1, 2])``): its operands are tensors and numbers only. (Its operators
    return ``NotImplemented`` instead, so Python raises a TypeError too.)"""
    return TypeError(
        f"unsupported operand: a {type(value).__name__} ({value!r}) beside a tensor; tensor "
        "operations take tensors and numbers only, as PyTorch's do. Fix: make it a tensor "
        f"first, e.g. arraygrad.tensor({value!r})."
    )


def _cast(value: Any, target: _dtype.dtype) -> Any:
    if isinstance(value, Tensor):
        return ops.astype(value, target)
    return value  # a Python number: the array library applies it at the tensor's dtype


def broadcast_mismatch(a: tuple[int, ...], b: tuple[int, ...]) -> str | None:
    """PyTorch's text for the first dimension in which shapes ``a`` and ``b`` do not broadcast
    ("The size of tensor a (3) must match ... at non-singleton dimension 1", dimensions counted
    in the broadcast shape), or ``None`` when they broadcast."""
    ndim = max(len(a), len(b))
    pad_a = (1,) * (ndim - len(a)) + a
    pad_b = (1,) * (ndim - len(b)) + b
    for dim, (size_a, size_b) in enumerate(zip(pad_a, pad_b, strict=True)):
        if size_a != size_b and size_a != 1 and size_b != 1:
            return (
                f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) at "
                f"non-singleton dimension {dim}"
            )
    return None


def _broadcast_error(a: Any, b: Any, error: Exception) -> Exception:
    shape_a = tuple(getattr(a, "shape", ()))
    shape_b = tuple(getattr(b, "shape", ()))
    mismatch = broadcast_mismatch(shape_a, shape_b)
    if mismatch is None:
        return error
    return RuntimeError(
        f"{mismatch}: shapes {list(shape_a)} and {list(shape_b)} do not broadcast. Fix: reshape "
        "or unsqueeze one operand so that each dimension is equal or 1."
    )


def _has_complex(a: Any, b: Any) -> bool:
    """Whether ``a`` or ``b`` is a complex tensor (a Tensor subclass, ``nn.Parameter``, too:
    off the fast paths, ``isinstance`` costs nothing that matters)."""
    return (isinstance(a, Tensor) and _is_complex_native(a._data.dtype)) or (
        isinstance(b, Tensor) and _is_complex_native(b._data.dtype)
    )


def complex_twin(prim: Primitive) -> Primitive:
    """The primitive that computes ``prim`` on complex operands with PyTorch's complex
    gradients; the real one where its rules are already right (linear with real coefficients,
    or no gradient), and PyTorch's refusal or arraygrad's for the rest."""
    twin = _complex_twins().get(prim)
    if twin is None:
        if prim.name in ("maximum", "minimum"):  # PyTorch's class and words for these two
            raise RuntimeError(f"{prim.name} not implemented for complex tensors.")
        raise complex_unsupported(prim.name)
    return twin


def complex_unsupported(op: str) -> NotImplementedError:
    """The error of an op that refuses complex tensors: PyTorch's class, and arraygrad's
    message where PyTorch computes it but arraygrad does not yet."""
    return NotImplementedError(
        f"{op} is not supported for complex tensors in arraygrad yet. Fix: compute on the real "
        "and imaginary parts (x.real, x.imag, or arraygrad.view_as_real(x)) and combine them "
        "with arraygrad.complex(real, imag)."
    )


@functools.cache
def _complex_twins() -> dict[Primitive, Primitive]:
    # (built on first use: at import time the primitives' modules may still be loading)
    return {
        _real.add: _real.add,
        _real.subtract: _real.subtract,
        _real.multiply: _cx.multiply,
        _real.divide: _cx.divide,
        _real.pow: _cx.pow,
        _predicates.equal: _predicates.equal,
        _predicates.not_equal: _predicates.not_equal,
        _trans.logaddexp: _cx.logaddexp,
    }


@functools.cache
def complex_unary() -> dict[Primitive, Primitive]:
    """The complex primitive for each one-input real one that has a complex twin (the
    functions of ``_math.float_function``)."""
    # (built on first use: at import time the primitives' modules may still be loading)
    return {
        _real.exp: _cx.exp,
        _real.log: _cx.log,
        _real.sqrt: _cx.sqrt,
        _real.sin: _cx.sin,
        _real.cos: _cx.cos,
        _real.tanh: _cx.tanh,
        _real.sigmoid: _cx.sigmoid,
        _real.reciprocal: _cx.reciprocal,
        _trans.tan: _cx.tan,
        _trans.sinh: _cx.sinh,
        _trans.cosh: _cx.cosh,
        _trans.asin: _cx.asin,
        _trans.acos: _cx.acos,
        _trans.atan: _cx.atan,
        _trans.asinh: _cx.asinh,
        _trans.acosh: _cx.acosh,
        _trans.atanh: _cx.atanh,
        _trans.expm1: _cx.expm1,
        _trans.log1p: _cx.log1p,
        _trans.log2: _cx.log2,
        _trans.log10: _cx.log10,
    }


def broadcast_error_of(operands: tuple[Any, ...], error: Exception, what: str) -> Exception:
    """PyTorch's RuntimeError for ``operands`` (``what`` names them) whose shapes do not
    broadcast together: the first pair that fails, the earlier ones broadcast first (as
    ``where``'s condition and input before its other); ``error`` where they do."""
    shapes = [tuple(getattr(t, "shape", ())) for t in operands]
    joined = shapes[0]
    for shape in shapes[1:]:
        mismatch = broadcast_mismatch(joined, shape)
        if mismatch is not None:
            return RuntimeError(
                f"{mismatch}: {what}, of shapes "
                f"{', '.join(str(list(s)) for s in shapes)}, do not broadcast. Fix: reshape or "
                "unsqueeze them so that each dimension is equal or 1."
            )
        ndim = max(len(joined), len(shape))
        padded = ((1,) * (ndim - len(joined)) + joined, (1,) * (ndim - len(shape)) + shape)
        joined = tuple(x if y == 1 else y for x, y in zip(*padded, strict=True))
    return error
