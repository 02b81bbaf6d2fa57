"""float16 and bfloat16 arithmetic as PyTorch's CPU kernels do it: in float32, rounded once.

NumPy's float16 loops (and ml_dtypes' bfloat16 ones) round every step of a composite
computation (the ``1 + exp(-x)`` of a sigmoid, each partial sum of a reduction along the first
axis) to the reduced float, and take a Python number operand as one. PyTorch's CPU kernels
widen float16 and bfloat16 operands to float32 ("opmath"), compute the whole op there with a
Python number of a multiplication or division kept in float32, and round the result once to
the input's own dtype. Two tools give PyTorch's values:

- :func:`twin`: a primitive with the same name (so the same ``grad_fn``) whose forward and
  gradient rules widen their reduced-float operands to float32 and round their results back
  to that dtype, for the ops PyTorch computes in one kernel (``x * 0.1``, ``sum``, ``cumsum``,
  ``exp``, ``matmul``).
- :func:`in_float32`: a whole function run on float32 copies of its reduced-float tensors, its
  float32 tensor results rounded back, for the functions arraygrad composes of several
  primitives where PyTorch has one kernel (``softmax``, ``layer_norm``, ``rsqrt``): the
  gradient flows back through the two conversions, in float32 in between, rounded once.

Callers reach these only from paths a reduced-float operand already takes apart from float32
and float64 ones (the promotion paths of :mod:`arraygrad._math`, the accumulator tables of
:mod:`arraygrad._reduction`), or from composite functions after their own dtype checks, so
float32 and float64 computations pay nothing. See docs/float16.md for what still differs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from arraygrad import _backend, _dtype, ops
from arraygrad._node import Node
from arraygrad._primitive import Primitive
from arraygrad._tensor import Tensor

_REDUCED = _dtype.REDUCED_FLOATS
_WIDE_FLOAT_IDS = _dtype.WIDE_FLOAT_IDS  # (the same dict, read without the attribute lookup)


def is_reduced(value: Any) -> bool:
    """Whether ``value`` is a float16 or bfloat16 tensor."""
    if value.__class__ is Tensor and id(value._data.dtype) in _WIDE_FLOAT_IDS:
        return False  # float32, float64: the composite functions' common case, one lookup
    return isinstance(value, Tensor) and _backend.is_reduced_float(value._data.dtype)


def _reduced_dtype(value: Any) -> Any:
    """The array dtype of ``value`` (a raw array or a Tensor) where it is float16 or bfloat16,
    else ``None``. A Node stands for an input the rules read only the shape of, and a Python
    number is not widened (it stays exact)."""
    if isinstance(value, Tensor):
        return value._data.dtype if value.dtype in _REDUCED else None
    if value is None or isinstance(value, (Node, bool, int, float)):
        return None
    dtype = getattr(value, "dtype", None)
    return dtype if dtype is not None and _backend.is_reduced_float(dtype) else None


def _input_dtype(value: Any) -> Any:
    if isinstance(value, Node):
        return value.dtype if _backend.is_reduced_float(value.dtype) else None
    return _reduced_dtype(value)


def _cast(value: Any, native: Any) -> Any:
    """``value`` (a raw array or a Tensor) converted to the array dtype ``native``."""
    if isinstance(value, Tensor):
        return ops.astype(value, _dtype.from_xp(native))
    return _backend.xp.astype(value, native)


def _widened(value: Any) -> Any:
    return value if _reduced_dtype(value) is None else _cast(value, _backend.xp.float32)


def _is_wide_value(value: Any) -> bool:
    if isinstance(value, Tensor):
        return value.dtype is _dtype.float32 or value.dtype is _dtype.float64
    dtype = getattr(value, "dtype", None)
    xp = _backend.xp
    return dtype is not None and (dtype == xp.float32 or dtype == xp.float64)


def _rounded(value: Any, native: Any) -> Any:
    """A float32 result (or a tuple of results) rounded to ``native`` (float16 or bfloat16),
    and a float64 one that NumPy made of a Python float beside a bfloat16 array (through
    float32, as PyTorch converts); other values as they are."""
    if isinstance(value, tuple):
        return tuple(_rounded(part, native) for part in value)
    if not _is_wide_value(value):
        return value
    if value.dtype != _backend.xp.float32 and not isinstance(value, Tensor):
        value = _backend.xp.astype(value, _backend.xp.float32)
    return _cast(value, native)


def _first_reduced(values: Any) -> Any:
    for value in values:
        found = _reduced_dtype(value)
        if found is not None:
            return found
    return None


def _wide_forward(prim: Primitive) -> Callable[..., Any]:
    def forward(xp: Any, *arrays: Any, **params: Any) -> Any:
        native = _first_reduced(arrays)
        result = prim.forward(xp, *[_widened(a) for a in arrays], **params)
        return result if native is None else _rounded(result, native)

    return forward


def _wide_rule(rule: Callable[..., Any] | None, position: int) -> Callable[..., Any] | None:
    if rule is None:
        return None

    def wide_rule(ns: Any, g: Any, out: Any, *inputs: Any, **params: Any) -> Any:
        grad = rule(ns, _widened(g), _widened(out), *[_widened(x) for x in inputs], **params)
        # Rounded to the input's dtype where it is a reduced float (float32 keeps its own).
        native = _input_dtype(inputs[position])
        return grad if native is None else _rounded(grad, native)

    return wide_rule


def _narrowing_rule(rule: Callable[..., Any] | None, position: int) -> Callable[..., Any] | None:
    # A rule run on the reduced floats as they are (each NumPy call rounded, as PyTorch's
    # composite gradient formulas), its result brought back to the input's dtype where a
    # NumPy call made it float32 (ml_dtypes' bfloat16 with a Python float, or in a matmul).
    if rule is None:
        return None

    def narrowing_rule(ns: Any, g: Any, out: Any, *inputs: Any, **params: Any) -> Any:
        grad = rule(ns, g, out, *inputs, **params)
        native = _input_dtype(inputs[position])
        return grad if native is None else _rounded(grad, native)

    return narrowing_rule


# The primitives whose gradient PyTorch computes in one float32 kernel too (the scalings'
# ``g * 0.1``, a sum's broadcast, cumsum's reversed cumsum, sigmoid_backward, addmm's
# products): their rules run in float32 and round once. Other rules run on the reduced float
# as they are, each step rounded, as PyTorch's composite gradient formulas (sin's
# g * cos(x): two float16 kernels). Matrix products' rules need neither: the library's
# float16 and bfloat16 products accumulate in float32 and round once already. (The primitives
# themselves, not their names: a name can miss, as "matmul" did, the product being "mm".)
@functools.cache
def _wide_rule_primitives() -> frozenset[Primitive]:
    return frozenset(
        {ops.multiply, ops.divide, ops.floor_divide, ops.trunc_divide, ops.sum, ops.mean}
        | {ops.cumulative_sum, ops.sigmoid, ops.tanh, ops.linear, ops.layer_norm_reduced}
    )


@functools.cache
def twin(prim: Primitive) -> Primitive:
    """``prim`` computed on float16 or bfloat16 operands in float32 and rounded once to their
    dtype, with ``prim``'s name (the same ``grad_fn``); Python numbers reach it unrounded. Its
    gradient rules too where PyTorch's backward is one kernel (:func:`_wide_rule_primitives`), else
    ``prim``'s own, their results brought back to the input's dtype."""
    return _twin(prim, range(len(prim.vjps or ())) if prim in _wide_rule_primitives() else ())


@functools.cache
def stepwise_twin(prim: Primitive) -> Primitive:
    """:func:`twin` with every gradient rule ``prim``'s own (each array call rounded, as
    PyTorch's composite formulas for two tensors: ``a / b``'s ``-g * a / b**2``), brought back
    to the input's dtype."""
    return _twin(prim, ())


@functools.cache
def twin_wide_at(prim: Primitive, position: int) -> Primitive:
    """:func:`stepwise_twin` but for the gradient rule of the input at ``position``, run in
    float32 and rounded once (a convolution's bias: PyTorch sums its gradient in float32)."""
    return _twin(prim, (position,))


@functools.cache
def narrowed(prim: Primitive) -> Primitive:
    """``prim`` as it is (the array library's reduced-float loops: PyTorch's prod rounds each
    partial product too), its gradient rules' results brought back to the input's dtype."""
    vjps = prim.vjps
    if vjps is not None:
        vjps = tuple(_narrowing_rule(r, i) for i, r in enumerate(vjps))
    return Primitive(
        prim.name,
        forward=prim.forward,
        vjp=vjps,
        reads_inputs=prim.reads_inputs,
        reads_output=prim.reads_output,
        exact_scalars=prim.exact_scalars,
        backward_name=prim.backward_name,
        rule_reads=prim.rule_reads,
    )


def _twin(prim: Primitive, wide: Any) -> Primitive:
    """``prim``'s twin whose gradient rules for the inputs at the positions ``wide`` run in
    float32, the others on the reduced floats."""
    vjps = prim.vjps
    if vjps is not None:
        vjps = tuple(
            (_wide_rule if i in wide else _narrowing_rule)(r, i) for i, r in enumerate(vjps)
        )
    return Primitive(
        prim.name,
        forward=_wide_forward(prim),
        vjp=vjps,
        reads_inputs=prim.reads_inputs,
        reads_output=prim.reads_output,
        exact_scalars=True,  # a Python number stays a float32 scalar, as PyTorch's does
        backward_name=prim.backward_name,
        rule_reads=prim.rule_reads,
    )


def in_float32(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)`` with each float16 or bfloat16 tensor argument widened to
    float32 and each float32 tensor result rounded back to that dtype: one rounding, as
    PyTorch's fused kernels (and their backward kernels, through the two conversions'
    gradients)."""
    native = None
    wide = []
    for a in args:
        if is_reduced(a):
            native = native or a.dtype
            a = ops.astype(a, _dtype.float32)
        wide.append(a)
    result = function(*wide, **kwargs)
    return result if native is None else _round_results(result, native)


def _round_results(result: Any, target: _dtype.dtype) -> Any:
    if isinstance(result, Tensor):
        return ops.astype(result, target) if result.dtype is _dtype.float32 else result
    if isinstance(result, tuple) and not hasattr(result, "_fields"):
        return tuple(_round_results(part, target) for part in result)
    if isinstance(result, tuple):  # a named tuple (return_types)
        return type(result)(*(_round_results(part, target) for part in result))
    return result


def scaled(prim: Primitive, a: Any, b: Any) -> Tensor | None:
    """``prim(a, b)`` (multiplication or a division) of a float16 or bfloat16 tensor ``a`` by a
    Python number or a 0-d tensor ``b`` that leaves the result ``a``'s dtype, as PyTorch
    computes it: the number in float32 (``x * 0.1`` multiplies by float32's 0.1, not the
    reduced float's), the product in float32, rounded once. ``None`` where this does not apply
    (``b`` first, a number before a tensor, which PyTorch rounds to the tensor's dtype; two n-d
    tensors, which the array library computes so already)."""
    if not is_reduced(a):
        return None
    kind = b.__class__
    if kind is float or kind is int:
        return twin(prim).apply2(a, b)
    if kind is Tensor and b._data.ndim == 0 and b.dtype.is_floating_point:
        if b.dtype is a.dtype or _dtype.result_type(a, b) is not a.dtype:
            return None
        return twin(prim).apply2(a, ops.astype(b, _dtype.float32))
    return None


def has_bfloat16(a: Any, b: Any) -> bool:
    """Whether ``a`` or ``b`` is a bfloat16 tensor."""
    bfloat16 = _dtype.bfloat16
    return (isinstance(a, Tensor) and a.dtype is bfloat16) or (
        isinstance(b, Tensor) and b.dtype is bfloat16
    )


def rounded_number(value: Any, target: _dtype.dtype) -> Any:
    """The Python float ``value`` rounded to ``target`` (through float32, as PyTorch converts a
    double), as a Python float; other values as they are."""
    if value.__class__ is not float:
        return value
    # On the host, not through an array: under arraygrad.compile the number is a constant of
    # the program, where an array's item() would be a read of a value that cannot be replayed.
    return _backend.rounded_float(value, target.name)


def bfloat16_binary(prim: Primitive, a: Any, b: Any) -> Tensor:
    """``prim(a, b)`` (operands promoted already) where one is a bfloat16 tensor and the other
    a Python number or a tensor of another dtype (a 0-d one that does not promote it): in
    float32, rounded once, with the number rounded to bfloat16 first as PyTorch's kernels take
    it (the multiplications and divisions that keep it in float32 went to :func:`scaled`).
    Through a twin so that the gradient rules give bfloat16 too (NumPy makes a bfloat16 array
    and a Python float a float32 or float64 result)."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return stepwise_twin(prim).apply2(a, b)
    bfloat16 = _dtype.bfloat16
    return twin(prim).apply2(rounded_number(a, bfloat16), rounded_number(b, bfloat16))


def fused_applies(*operands: Any) -> bool:
    """Whether a fused kernel of ``operands`` (tensors and numbers, promoted as PyTorch does)
    gives a float16 or bfloat16 result, which PyTorch computes in float32 and rounds once."""
    if not any(is_reduced(value) for value in operands):
        return False
    return _dtype.result_type(*operands) in _REDUCED


# --- float16 beside numbers beyond its range (binary's and division's rare path) -----------------


FLOAT16_MAX = 65504.0


def is_float16(value: Any) -> bool:
    """Whether ``value`` (an operand off binary's fast path) is a float16 tensor."""
    return isinstance(value, Tensor) and _dtype.from_xp(value._data.dtype) is _dtype.float16


def half_in_float32(prim: Primitive, a: Any, b: Any) -> Tensor | None:
    """``prim(a, b)`` computed in float32 and rounded to float16, where PyTorch does so: a float16
    tensor multiplied or divided by a number beyond float16's range (a Python number, or a 0-d
    tensor that does not promote it). PyTorch carries such a number in float32 there, so
    0 * 2**31 is 0 and inf / 1e10 is inf, where the number rounded to float16 first (inf) would
    give nan. ``None`` when this does not apply."""
    if prim is not ops.multiply and prim is not ops.divide and prim is not ops.trunc_divide:
        return None  # torch adds such a number rounded to float16: inf - 1e10 is nan
    half = _dtype.float16
    for value in (a, b):
        if (value.__class__ is float or value.__class__ is int) and -FLOAT16_MAX <= value <= (
            FLOAT16_MAX
        ):
            return None
    a_half = a.__class__ is Tensor and _dtype.from_xp(a._data.dtype) is half
    tensor, number = (a, b) if a_half else (b, a)
    if a_half == (b.__class__ is Tensor and _dtype.from_xp(b._data.dtype) is half):
        return None  # neither or both are float16
    if tensor.__class__ is not Tensor:
        return None
    if number.__class__ is Tensor:
        # A 0-d tensor that leaves the result float16 (a float64 one beside a 0-d float16
        # promotes it), with a value outside float16's range.
        if number._data.ndim != 0 or _dtype.result_type(tensor, number) is not half:
            return None
        value = float(number.item())
        if -FLOAT16_MAX <= value <= FLOAT16_MAX or value != value:
            return None
        number = ops.astype(number, _dtype.float32)
    wide = ops.astype(tensor, _dtype.float32)
    result = prim.apply2(wide, number) if a_half else prim.apply2(number, wide)
    return ops.astype(result, half)
