"""PyTorch's element-wise functions that bound values: ``clamp`` into ``[min, max]`` (and its
other names ``clip``, ``clamp_min``, ``clamp_max``) and ``nan_to_num`` into the finite range.

Bounds promote like the other operands of :mod:`arraygrad._math`, whose helpers these use.
"""

from __future__ import annotations

import numbers
from typing import Any

from arraygrad import _backend, _dtype, _reduced_floats, ops
from arraygrad._elementwise_operands import _scalar, broadcast_error_of
from arraygrad._math import as_tensor
from arraygrad._out import written, written_exactly, written_same
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor

__all__ = ["clamp", "clamp_max", "clamp_min", "clip", "nan_to_num"]


def clamp(input: Tensor, min: Any = None, max: Any = None, *, out: Tensor | None = None) -> Tensor:
    """Clamp into ``[min, max]`` (``max`` wins where ``min > max``).

    The gradient passes where ``min <= input <= max``; tensor bounds get it as in PyTorch:
    ``min`` where ``input < min < max``, ``max`` where ``input > max`` or ``max < min`` (so
    where ``min == max`` and the input lies outside, nothing gets it). A NaN in any operand
    makes the result NaN. Bounds of a higher category promote (an integer tensor clamped at
    0.5 is float), as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.tensor([-1.0, 0.5, 2.0]).clamp(0, 1)
    tensor([0.0000, 0.5000, 1.0000])
    """
    if out is not None:
        return _written_clamp("clamp", out, clamp, input, min, max)
    return _clamp(input, min, max, "Clamp")


def _written_clamp(name: str, out: Tensor, function: Any, input: Any, *bounds: Any) -> Tensor:
    """``function(input, *bounds)`` written into ``out`` by PyTorch's rule for clamp's kernels:
    the one for number bounds computes in out's dtype, which must be the result's; with a
    tensor bound, the result is cast into out as for other functions."""
    tensor_bound = any(isinstance(bound, Tensor) for bound in bounds)
    writer = written if tensor_bound else written_same
    return writer(name, out, function, input, *bounds)


# PyTorch's grad_fn numbers each function's overloads: numbers, tensor bounds.
_OVERLOADS = {
    "Clamp": ("ClampBackward1", "ClampBackward0"),
    "ClampMin": ("ClampMinBackward0", "ClampMinBackward1"),
    "ClampMax": ("ClampMaxBackward0", "ClampMaxBackward1"),
}


_NUMBER_OR_NONE = (int, float, type(None))  # by exact class: not bool, nor NumPy's numbers


def _real_bound(bound: Any, dtype: _dtype.dtype) -> Any:
    return _dtype.checked_scalar(bound, dtype) if bound.__class__ is complex else bound


def _clamp(input: Tensor, min: Any, max: Any, function: str) -> Tensor:
    """:func:`clamp`, its result's ``grad_fn`` named as PyTorch's ``function`` (``"Clamp"``,
    ``"ClampMin"`` or ``"ClampMax"``) names it for the bounds given."""
    numbers_name, tensors_name = _OVERLOADS[function]
    if (
        input.__class__ is Tensor
        and min.__class__ in _NUMBER_OR_NONE
        and max.__class__ in _NUMBER_OR_NONE
        and (min is not None or max is not None)
        and id(input._data.dtype) in _dtype.WIDE_FLOAT_IDS
    ):
        # The common case, what the general path below makes of it: Python number bounds do
        # not promote a float32 or float64 tensor.
        target = input.dtype
        params = {
            "min": None if min is None else _dtype.checked_scalar(min, target),
            "max": None if max is None else _dtype.checked_scalar(max, target),
        }
        return labelled(ops.clip.apply1(input, params), numbers_name)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if min is not None and max is not None and _is_number(min) != _is_number(max):
        # A number beside a 0-d tensor: PyTorch's argument parser reads both as numbers, so
        # the tensor promotes as a Python number does (int32 clamped to a 0-d float16 and 3 is
        # float32, not float16).
        min, max = _as_number(min), _as_number(max)
    input = as_tensor(input)
    bounds = [_scalar(b) if _is_number(b) else b for b in (min, max) if b is not None]
    target = _dtype.result_type(input, *bounds)
    if target.is_complex:
        if (
            function == "Clamp"
            and input.dtype.is_floating_point
            and complex in (min.__class__, max.__class__)
        ):
            # PyTorch's clamp reads a number bound of a floating input in its dtype first: the
            # real part, refused where the imaginary part is not 0 (an integer input's
            # promotes, and clamp_min and clamp_max find no complex kernel)
            min, max = (_real_bound(b, input.dtype) for b in (min, max))
            return _clamp(input, min, max, function)
        raise NotImplementedError("clamp is not supported for complex types")
    if target is not input.dtype:
        input = ops.astype(input, target)
    # bfloat16: in float32, rounded once (NumPy makes ml_dtypes' bfloat16 and a Python float
    # bound float32, in the gradient rules too)
    reduced = _reduced_floats.twin if target is _dtype.bfloat16 else _as_it_is
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        low = None if min is None else _bound(min, target)
        high = None if max is None else _bound(max, target)
        try:
            if low is None:
                return labelled(reduced(ops.clamp_max_tensor)(input, high), tensors_name)
            if high is None:
                return labelled(reduced(ops.clamp_min_tensor)(input, low), tensors_name)
            # PyTorch's one-bound kernels take bool (a maximum or minimum), not its two-bound
            _dtype.check_not_bool("clamp_cpu", target)
            return labelled(reduced(ops.clamp_tensor)(input, low, high), tensors_name)
        except ValueError as error:  # shapes that do not broadcast: PyTorch's RuntimeError
            given = [b for b in (low, high) if b is not None]
            what = "clamp's input, min and max" if len(given) == 2 else "clamp's input and bound"
            raise broadcast_error_of((input, *given), error, what) from None
    if target is _dtype.bool_:  # number bounds: PyTorch's scalar kernels have no bool form
        kernel = "clamp_min" if max is None else "clamp_max" if min is None else "clamp"
        _dtype.check_not_bool(f"{kernel}_scalar_cpu", target)
    result = reduced(ops.clip)(
        input,
        min=None if min is None else _dtype.checked_scalar(_scalar(min), target),
        max=None if max is None else _dtype.checked_scalar(_scalar(max), target),
    )
    return labelled(result, numbers_name)


clip = clamp


def _as_it_is(prim: Any) -> Any:
    return prim


def _bound(bound: Any, target: _dtype.dtype) -> Tensor:
    """A bound as a tensor of the result's dtype (its gradient converted back)."""
    if isinstance(bound, Tensor):
        return bound if bound.dtype is target else ops.astype(bound, target)
    return as_tensor(_scalar(bound), dtype=target)


def clamp_min(input: Tensor, min: Any, *, out: Tensor | None = None) -> Tensor:
    """``clamp(input, min=min)``: ``max(input, min)`` elementwise; ``nan`` stays ``nan``.

    The gradient passes where ``input >= min`` (a tie included), 0 elsewhere. A float bound
    makes an integer tensor float, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.clamp_min(arraygrad.tensor([1, -2]), 0.5)
    tensor([1.0000, 0.5000])
    """
    if out is not None:
        return _written_clamp("clamp_min", out, clamp_min, input, min)
    return _clamp(input, min, None, "ClampMin")


def clamp_max(input: Tensor, max: Any, *, out: Tensor | None = None) -> Tensor:
    """``clamp(input, max=max)``: ``min(input, max)`` elementwise; ``nan`` stays ``nan``.

    The gradient passes where ``input <= max`` (a tie included), 0 elsewhere.

    >>> import arraygrad
    >>> x = arraygrad.tensor([0.5, 1.0, 2.0], requires_grad=True)
    >>> arraygrad.clamp_max(x, 1.0).sum().backward()
    >>> x.grad
    tensor([1., 1., 0.])
    """
    if out is not None:
        return _written_clamp("clamp_max", out, clamp_max, input, max)
    return _clamp(input, None, max, "ClampMax")


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Number) and not hasattr(value, "shape")


def _as_number(bound: Any) -> Any:
    """A 0-d tensor that needs no gradient as the Python number it holds; else ``bound``.
    (PyTorch refuses the others beside a number; arraygrad keeps them as tensors.)"""
    if isinstance(bound, Tensor) and bound.dim() == 0 and not bound.requires_grad:
        return bound.item()
    return bound


def nan_to_num(
    input: Tensor,
    nan: float = 0.0,
    posinf: float | None = None,
    neginf: float | None = None,
    *,
    out: Tensor | None = None,
) -> Tensor:
    """Replace ``nan``, ``inf`` and ``-inf`` by finite numbers (by default 0 and the largest
    finite values of the dtype), each converted to the dtype as PyTorch converts a double
    (float16 and bfloat16 through float32; beyond the dtype's range, infinite). The replaced
    elements get zero gradient; integer tensors are returned unchanged; complex tensors have
    their real and imaginary parts replaced separately.

    >>> import arraygrad
    >>> x = arraygrad.tensor([float("nan"), float("inf"), -float("inf"), 1.0])
    >>> arraygrad.nan_to_num(x, posinf=1.0, neginf=-1.0)
    tensor([ 0.,  1., -1.,  1.])
    """
    if out is not None:
        return written_exactly("nan_to_num", out, nan_to_num, input, nan, posinf, neginf)
    if input.dtype.is_complex:
        return _complex_nan_to_num(input, nan, posinf, neginf)
    if not input.dtype.is_floating_point:
        return ops.clone(input)
    target = input.dtype
    largest = _backend.float_info(target.name)["max"]
    values = (nan, largest if posinf is None else posinf, -largest if neginf is None else neginf)
    # 0-d constants converted as tensor() converts a double, and ops on the input (not raw
    # arrays of its values, which arraygrad.compile cannot replay; NumPy's finfo knows no
    # bfloat16).
    native = _dtype.to_xp(target)
    fill, high, low = (
        Tensor._wrap(_backend.convert(_backend.asarray(float(value)), native)) for value in values
    )
    replacement = ops.where(ops.isnan(input), fill, ops.where(ops.signbit(input), low, high))
    return labelled(ops.where(ops.isfinite(input), input, replacement), "NanToNumBackward0")


def _complex_nan_to_num(
    input: Tensor, nan: float, posinf: float | None, neginf: float | None
) -> Tensor:
    """``nan_to_num`` of a complex tensor as PyTorch computes it: the real and the imaginary
    part each replaced as a real tensor of the parts' dtype. PyTorch has no complex derivative
    for it, so an input that records a gradient is refused, as there."""
    from arraygrad import _complex  # (modules above this one)
    from arraygrad.nn._common import refuse_complex_autograd

    refuse_complex_autograd("nan_to_num", input)
    real = nan_to_num(_complex.real(input), nan, posinf, neginf)
    imag = nan_to_num(_complex.imag(input), nan, posinf, neginf)
    return _complex.complex(real, imag)
