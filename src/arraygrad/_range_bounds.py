"""``arange``'s checks of its bounds and step, in the order and with the errors of PyTorch's
CPU kernel, and the range's length.

PyTorch checks the bounds as doubles first (a step neither positive nor negative, NaN
included; bounds that are not finite; a step whose sign never reaches the end), then converts
the start and the step (and, for int64, the end) to the dtype's accumulate type, refusing what
it cannot hold: float32 for float16 and bfloat16 (``arange(0, 2, 1e39, dtype=float16)``),
int64 for the integer dtypes. The length is ``ceil((end - start) / step)`` in doubles (exact
integer arithmetic for int64), refused past int64's largest.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _dtype
from arraygrad._tensor import Tensor

__all__ = ["accumulated", "check_bounds", "int64_bound", "length", "tensor_bounds"]

_FLOAT32_MAX = 3.4028234663852886e38
_INT64_EDGE = 2.0**63  # int64's largest, 2**63 - 1, as a double: PyTorch's overflow test


def int64_bound(value: int) -> int:
    """An integer bound of :func:`arraygrad.arange`, checked as PyTorch parses it (an int64,
    else an unsigned 64-bit int, which its range check then refuses)."""
    if -(2**63) <= value < 2**63:
        return value
    if value < 0:
        raise OverflowError(
            f"can't convert negative int to unsigned: arange() got {value}, below int64's "
            "smallest, -2**63. Fix: keep the bounds and step within int64."
        )
    if value >= 2**64:
        raise OverflowError(
            f"int too big to convert: arange() got {value}, beyond 64 bits. Fix: keep the "
            "bounds and step within int64."
        )
    raise RuntimeError(
        f"value cannot be converted to type int64_t without overflow: arange() got {value}, "
        "beyond int64's largest, 2**63 - 1. Fix: keep the bounds and step within int64."
    )


def check_bounds(start: Any, end: Any, step: Any) -> None:
    """PyTorch's checks of the bounds and step as doubles: a nonzero step (not NaN), finite
    bounds, and a step whose sign leads from ``start`` to ``end``."""
    first, last, stride = float(start), float(end), float(step)
    if not (stride > 0 or stride < 0):
        raise RuntimeError(
            f"step must be nonzero: arange() got step={step}. Fix: give a positive step for an "
            "increasing range, a negative one for a decreasing range."
        )
    if not (math.isfinite(first) and math.isfinite(last)):
        raise RuntimeError(
            f"unsupported range: {first:g} -> {last:g}: arange() needs finite bounds. Fix: "
            "give finite start and end values."
        )
    if (stride > 0 and last < first) or (stride < 0 and last > first):
        raise RuntimeError(
            f"upper bound and lower bound inconsistent with step sign: arange({start}, {end}, "
            f"{step}) never reaches its end. Fix: swap the bounds or negate the step (an empty "
            "range has end == start)."
        )


def accumulated(name: str, value: Any, dt: _dtype.dtype) -> Any:
    """``value`` (the range's ``name``: start, end or step) as the accumulate type of ``dt``
    takes it, with PyTorch's overflow error: float32 for float16 and bfloat16 (unchanged, as
    the values are rounded to float32 later), an int64 (truncated) for the integer dtypes."""
    if dt.is_floating_point:
        number = float(value)  # (inf is taken: float32 holds it)
        if dt in (_dtype.float16, _dtype.bfloat16) and math.isfinite(number):
            if abs(number) <= _FLOAT32_MAX:
                return value
            raise RuntimeError(
                f"value cannot be converted to type float without overflow: arange() got "
                f"{name}={value}, beyond float32's largest, {_FLOAT32_MAX:g}, in which "
                f"{dt.name} ranges are computed. Fix: keep start and step within float32's "
                "range, or use dtype=float32 or float64."
            )
        return value
    if isinstance(value, int):
        return value  # (checked as parsed: int64_bound)
    if value == _INT64_EDGE:
        return -(2**63)  # passes PyTorch's test, and its conversion gives int64's smallest
    if not -_INT64_EDGE <= value <= _INT64_EDGE:
        raise RuntimeError(
            f"value cannot be converted to type int64_t without overflow: arange() got "
            f"{name}={value}, beyond int64's range, in which {dt.name} ranges are computed. "
            "Fix: keep the bounds and step within int64, or use a floating dtype."
        )
    return int(value)


def length(start: Any, end: Any, step: Any, dt: _dtype.dtype) -> int:
    """The number of values of ``arange(start, end, step)`` in ``dt`` (bounds and step already
    checked, and for int64 already the int64s its kernel reads), with PyTorch's error past
    int64's largest."""
    if dt is _dtype.int64:
        sign = 1 if step > 0 else -1
        count: float = (end - start + step - sign) // step  # exact, as PyTorch's
    else:
        count = (float(end) - float(start)) / float(step)  # (inf past float64's range)
    if not 0 <= count <= _INT64_EDGE:  # (negative from a step wrapped round to -2**63)
        raise RuntimeError(
            f"invalid size, possible overflow?: arange({start}, {end}, {step}) would have "
            f"{count:g} values, more than int64 counts. Fix: use a larger step or closer bounds."
        )
    return math.ceil(count)


def tensor_bounds(start: Any, end: Any, step: Any) -> tuple[Any, Any, Any]:
    """arange's bounds with each 0-d tensor read as the number it holds, as PyTorch reads it
    (so an integer or bool tensor is an integer bound: arange(tensor(3)) is int64)."""
    bounds = [start, end, step]
    for i, value in enumerate(bounds):
        if isinstance(value, Tensor):
            if value.ndim:
                name = ("end" if end is None else "start", "end", "step")[i]
                raise TypeError(
                    f"arange(): argument '{name}' (position {i + 1}) must be Number, not Tensor "
                    f"(a tensor of shape {list(value.shape)}). Fix: pass a number or a 0-d "
                    "tensor, e.g. x.item()."
                )
            bounds[i] = value.item()
    return bounds[0], bounds[1], bounds[2]
