"""float16 arithmetic as PyTorch's CPU kernels do it: in float32, rounded to float16 once.

NumPy's float16 loops round every step of a composite computation (the ``1 + exp(-x)`` of a
sigmoid, each partial sum of a reduction along the first axis) to float16, and take a Python
number operand as float16. PyTorch's CPU kernels widen float16 operands to float32, compute the
whole op there with a Python number kept in float32, and round the result once. Two tools give
PyTorch's values:

- :func:`twin`: a primitive with the same name (so the same ``grad_fn``) whose forward and
  gradient rules widen their float16 operands to float32 and round their results to float16,
  for the ops PyTorch computes in one kernel (``x * 0.1``, ``sum``, ``cumsum``, ``exp``).
- :func:`in_float32`: a whole function run on float32 copies of its float16 tensors, its
  tensor results rounded to float16, for the functions arraygrad composes of several
  primitives where PyTorch has one kernel (``softmax``, ``layer_norm``, ``gelu``): the
  gradient flows back through the two conversions, in float32 in between, rounded once.

Callers reach these only from paths a float16 operand already takes apart from float32 and
float64 ones (the promotion paths of :mod:`arraygrad._math`), or from composite functions
after their own dtype checks, so float32 and float64 computations pay nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from arraygrad import _backend, _dtype, ops
from arraygrad._primitive import Node, Primitive
from arraygrad._tensor import Tensor


def is_half(value: Any) -> bool:
    """Whether ``value`` is a float16 tensor."""
    return isinstance(value, Tensor) and _backend.is_float16(value._data.dtype)


def _is_half_value(value: Any) -> bool:
    # A raw array or a Tensor (a rule run with create_graph=True); a Node stands for an input
    # the rules read only the shape of, and a Python number is not widened (it stays exact).
    if isinstance(value, Tensor):
        return value.dtype is _dtype.float16
    if value is None or isinstance(value, (Node, bool, int, float)):
        return False
    dtype = getattr(value, "dtype", None)
    return dtype is not None and _backend.is_float16(dtype)


def _input_is_half(value: Any) -> bool:
    if isinstance(value, Node):
        return _backend.is_float16(value.dtype)
    return _is_half_value(value)


def _cast(value: Any, wide: bool) -> Any:
    """``value`` (a raw array or a Tensor) converted to float32 (``wide``) or float16."""
    if isinstance(value, Tensor):
        return ops.astype(value, _dtype.float32 if wide else _dtype.float16)
    xp = _backend.xp
    return xp.astype(value, xp.float32 if wide else xp.float16)


def _widened(value: Any) -> Any:
    return _cast(value, True) if _is_half_value(value) else value


def _is_float32_value(value: Any) -> bool:
    if isinstance(value, Tensor):
        return value.dtype is _dtype.float32
    dtype = getattr(value, "dtype", None)
    return dtype is not None and dtype == _backend.xp.float32


def _rounded(value: Any) -> Any:
    """A float32 result (or a tuple of results) rounded to float16; other values as they are."""
    if isinstance(value, tuple):
        return tuple(_rounded(part) for part in value)
    return _cast(value, False) if _is_float32_value(value) else value


def _wide_forward(prim: Primitive) -> Callable[..., Any]:
    def forward(xp: Any, *arrays: Any, **params: Any) -> Any:
        return _rounded(prim.forward(xp, *[_widened(a) for a in arrays], **params))

    return forward


def _wide_rule(rule: Callable[..., Any] | None, position: int) -> Callable[..., Any] | None:
    if rule is None:
        return None

    def wide_rule(ns: Any, g: Any, out: Any, *inputs: Any, **params: Any) -> Any:
        grad = rule(ns, _widened(g), _widened(out), *[_widened(x) for x in inputs], **params)
        # Rounded to float16 where the input is float16 (a float32 operand keeps its own).
        return _rounded(grad) if _input_is_half(inputs[position]) else grad

    return wide_rule


# The primitives whose gradient PyTorch computes in one float32 kernel too (the scalings'
# ``g * 0.1``, a sum's broadcast, cumsum's reversed cumsum, sigmoid_backward, addmm's products):
# their rules run in float32 and round once. Other rules run on float16 as they are, each step
# rounded, as PyTorch's composite gradient formulas (sin's g * cos(x): two float16 kernels).
def _wide_rule_names() -> frozenset[str]:
    return frozenset(
        {"mul", "div", "floor_divide", "trunc_divide", "sum", "mean", "cumsum"}
        | {"sigmoid", "tanh", "linear"}
    )


@functools.cache
def twin(prim: Primitive) -> Primitive:
    """``prim`` computed on float16 operands in float32 and rounded once, with ``prim``'s name
    (the same ``grad_fn``); Python numbers reach it unrounded. Its gradient rules too where
    PyTorch's backward is one kernel (:func:`_wide_rule_names`), else ``prim``'s own."""
    vjps = prim.vjps
    if vjps is not None and prim.name in _wide_rule_names():
        vjps = tuple(_wide_rule(r, i) for i, r in enumerate(vjps))
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
    """``function(*args, **kwargs)`` with each float16 tensor argument widened to float32 and
    each float32 tensor result rounded to float16: one rounding, as PyTorch's fused kernels
    (and their backward kernels, through the two conversions' gradients)."""
    wide = [ops.astype(a, _dtype.float32) if is_half(a) else a for a in args]
    result = function(*wide, **kwargs)
    return _round_results(result)


def _round_results(result: Any) -> Any:
    if isinstance(result, Tensor):
        return ops.astype(result, _dtype.float16) if result.dtype is _dtype.float32 else result
    if isinstance(result, tuple) and not hasattr(result, "_fields"):
        return tuple(_round_results(part) for part in result)
    if isinstance(result, tuple):  # a named tuple (return_types)
        return type(result)(*(_round_results(part) for part in result))
    return result


def scaled(prim: Primitive, a: Any, b: Any) -> Tensor | None:
    """``prim(a, b)`` (multiplication or a division) of a float16 tensor ``a`` by a Python
    number or a 0-d tensor ``b`` that leaves the result float16, as PyTorch computes it: the
    number in float32 (``x * 0.1`` multiplies by float32's 0.1, not float16's), the product in
    float32, rounded once. ``None`` where this does not apply (``b`` first, a number before a
    tensor, which PyTorch rounds to float16; two n-d tensors, which NumPy computes so already)."""
    if not is_half(a):
        return None
    kind = b.__class__
    if kind is float or kind is int:
        return twin(prim).apply2(a, b)
    if kind is Tensor and b._data.ndim == 0 and b.dtype.is_floating_point:
        if b.dtype is _dtype.float16 or _dtype.result_type(a, b) is not _dtype.float16:
            return None
        return twin(prim).apply2(a, ops.astype(b, _dtype.float32))
    return None
