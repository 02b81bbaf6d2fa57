"""``linspace`` and ``logspace``: lines of values between two ends, as PyTorch's CPU kernels
make them in each dtype (the arithmetic itself: ``_backend.linspace`` and
``_backend.logspace``), with PyTorch's conversions of the ends and its errors."""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend, _dtype
from arraygrad._creation import _leaf, creation_options
from arraygrad._dtype import dtype
from arraygrad._out import made
from arraygrad._out_of_memory import allocation_error
from arraygrad._tensor import Tensor

__all__ = ["linspace", "logspace"]


def linspace(
    start: float,
    end: float,
    steps: int,
    *,
    dtype: dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    Every dtype's line is PyTorch's to the last bit (``_backend.linspace``): ``start + i *
    step`` up to the middle, ``end - (steps - 1 - i) * step`` after, with ``step = (end -
    start) / (steps - 1)``; integer lines compute in float64 between the ends truncated to
    the dtype, and truncate each value (``linspace(0, 10, 7, dtype=int64)`` is ``[0, 1, 3, 5,
    6, 8, 10]``).

    >>> import arraygrad
    >>> arraygrad.linspace(-1, 1, 7, dtype=arraygrad.float64)[3].item()  # torch's 5.55e-17
    5.551115123125783e-17
    """
    if options.get("out") is not None:
        return made("linspace", linspace, (start, end, steps), options, dtype, requires_grad)
    creation_options("linspace", options)
    _check_steps(steps)
    wanted = _line_dtype("linspace", start, end, steps, dtype)
    steps = int(steps)
    try:
        if steps >= 2:
            first, last = _line_end(start, wanted), _line_end(end, wanted)
            array = _backend.linspace(first, last, steps, _dtype.to_xp(wanted))
        else:  # (PyTorch fills one value with start: no step, so no NaN of inf ends)
            array = _filled([start] * steps, wanted)
    except (MemoryError, ValueError) as error:
        raise allocation_error(error, (steps,)) from None
    return _leaf(array, requires_grad)


def _line_dtype(function: str, start: Any, end: Any, steps: int, d: dtype | None) -> dtype:
    """The dtype of ``linspace``'s or ``logspace``'s line (``function``), with PyTorch's errors:
    complex ends make a complex line, refused for a real ``d``; bool has no line kernel."""
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, Tensor) and value.ndim != 0:
            raise RuntimeError(
                f"{function} only supports 0-dimensional start and end tensors, but got {name} "
                f"with {value.ndim} dimension(s). Fix: pass a number or a 0-d tensor, e.g. "
                f"{name}[0] or {name}.squeeze()."
            )
    complex_ends = _is_complex_number(start) or _is_complex_number(end)
    if d is None:
        d = _dtype.get_default_complex_dtype() if complex_ends else _dtype.get_default_dtype()
    if complex_ends and not d.is_complex:
        inferred = _dtype.c_type_name(_dtype.get_default_complex_dtype())
        raise RuntimeError(
            f"torch.{function}(): inferred dtype {inferred} can't be safely cast to passed dtype "
            f"{_dtype.torch_type_name(d)}: the ends {start!r} and {end!r} are complex. Fix: "
            "pass a complex dtype, or real ends (e.g. start.real)."
        )
    if steps >= 2 and d is _dtype.bool_:
        raise NotImplementedError(
            f"\"{function}_cpu\" not implemented for 'Bool': a line of more than one value has "
            f"no bool kernel in PyTorch. Fix: make an integer or float line and compare it, e.g. "
            f"{function}(start, end, steps) != 0."
        )
    return d


def _filled(values: list[Any], d: dtype) -> Any:
    """The array of dtype ``d`` holding the numbers ``values``, each converted as ``fill_``
    converts a number: as :func:`_line_end`, but float16 and bfloat16 take it as a float32
    (checked) rounded unchecked (1e6 is float16's inf)."""
    checked = _dtype.float32 if d in _dtype.REDUCED_FLOATS else d
    numbers = [_line_end(value, checked) for value in values]
    return _backend.convert(_backend.xp.asarray(numbers), _dtype.to_xp(d))


def _is_complex_number(value: Any) -> bool:
    return isinstance(value, complex) or (isinstance(value, Tensor) and value.is_complex())


def _line_end(value: Any, d: dtype) -> Any:
    """An end of a line as PyTorch converts it to the line's dtype ``d`` first: refused beyond
    its range (a RuntimeError), truncated to an int for an integer dtype (negative ints wrap for
    an unsigned one)."""
    if d.is_complex:  # (each part must fit the parts' dtype)
        number = complex(value)
        part = _dtype.float32 if d is _dtype.complex64 else _dtype.float64
        _dtype.checked_scalar(number.real, part), _dtype.checked_scalar(number.imag, part)
        return number
    value = _dtype.checked_scalar(value.item() if isinstance(value, Tensor) else value, d)
    if d.is_floating_point or d is _dtype.bool_:
        return float(value)
    return math.trunc(value)  # (checked: finite)


def _check_steps(steps: int) -> None:
    if steps < 0:
        raise RuntimeError(
            f"number of steps must be non-negative (got steps={steps}). Fix: pass steps >= 0."
        )


def logspace(
    start: float,
    end: float,
    steps: int,
    base: float = 10.0,
    *,
    dtype: dtype | None = None,
    requires_grad: bool = False,
    **options: Any,
) -> Tensor:
    """``steps`` values ``base ** e`` for exponents ``e`` evenly spaced from ``start`` to
    ``end`` inclusive, as PyTorch computes them (``_backend.logspace``): the ends in ``dtype``,
    the exponents ``start + i * step`` up to the middle and ``end - (steps - 1 - i) * step``
    after in float64, the C library's ``pow`` of each, converted to ``dtype``.

    >>> import arraygrad
    >>> arraygrad.logspace(0, 2, 3)
    tensor([  1.,  10., 100.])
    """
    if options.get("out") is not None:
        return made("logspace", logspace, (start, end, steps, base), options, dtype, requires_grad)
    creation_options("logspace", options)
    _check_steps(steps)
    wanted = _line_dtype("logspace", start, end, steps, dtype)
    steps = int(steps)
    xp = _backend.xp
    try:
        if steps >= 2:
            first, last = _line_end(start, wanted), _line_end(end, wanted)
            array = _backend.logspace(first, last, steps, float(base), _dtype.to_xp(wanted))
        elif wanted.is_complex:  # (one value: PyTorch fills in base ** start, in complex128)
            array = _filled([_backend.real_cpow(float(base), complex(start))] * steps, wanted)
        else:
            exponent = xp.asarray([float(start)] * steps, dtype=xp.float64)
            array = _filled(_backend.to_list(_backend.c_pow(float(base), exponent)), wanted)
    except (MemoryError, ValueError) as error:
        raise allocation_error(error, (steps,)) from None
    return _leaf(array, requires_grad)
