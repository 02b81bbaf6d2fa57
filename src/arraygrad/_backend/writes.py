"""Writing into existing arrays: assignments, in-place updates and the optimizers' slabs.

Part of the one door to array libraries (see :mod:`arraygrad._backend`, which re-exports every
public name here). Each function records itself while :func:`arraygrad.compile` traces (the
package's ``tracer``), and computes in the target's own memory: on NumPy with ``out=`` writes
and, for the optimizers' ``p -= lr * update``, in cache-sized slabs, so that no temporary of the
target's size exists.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from arraygrad import _backend


def assign(target: Any, values: Any) -> None:
    """Write ``values`` (broadcast) into every element of ``target``, keeping its memory."""
    if _backend.tracer is not None:
        return _backend.tracer.call(assign, (target, values))
    target[...] = values


# Python floats as cached read-only 0-d arrays, by (value, dtype); see scalar_operand.
_scalar_arrays: dict[tuple[float, Any], Any] = {}
_FLOAT_MAX = {np.dtype(np.float32): float(np.finfo(np.float32).max), np.dtype(np.float64): 1e308}
# ml_dtypes' bfloat16 once loaded: NumPy makes a bfloat16 array and a Python float a float32
# result (where it keeps float16 with a Python float), so such a float is always handed over as
# a 0-d bfloat16 array (the number rounded to bfloat16, as NumPy does for float16).
_bfloat16: list[Any] = []


def note_bfloat16(dtype: Any) -> None:
    """Take ``dtype`` (ml_dtypes' bfloat16, just loaded) into :func:`scalar_operand`."""
    _bfloat16.append(dtype)
    _FLOAT_MAX[dtype] = 3.3895313892515355e38


def scalar_operand(value: float, like: Any) -> Any:
    """The Python float ``value`` as an operand of an array op with the array ``like``.

    NumPy applies a Python float at the array's dtype (a "weak" scalar, as PyTorch does), but
    works that out on every call: ``a * 0.5`` costs twice ``a * b``. A 0-d array of ``like``'s
    float dtype gives the same result at the cost of ``a * b``, so NumPy gets one, cached. Zero
    (whose sign a cache keyed by value would lose), NaN, infinities and values that overflow the
    dtype stay Python floats, as does everything for other array libraries.
    """
    if like.__class__ is not np.ndarray:
        return value
    dtype = like.dtype
    key = (value, dtype)
    found = _scalar_arrays.get(key)
    if found is not None:
        return found
    limit = _FLOAT_MAX.get(dtype)
    if limit is None or value == 0 or not -limit <= value <= limit:  # NaN fails too
        if _bfloat16 and dtype is _bfloat16[0]:
            return np.array(value, dtype=dtype)  # (a Python float would make it float32)
        return value
    if len(_scalar_arrays) >= 256:  # a program of ever-new constants: start over
        _scalar_arrays.clear()
    array = np.array(value, dtype=dtype)
    array.flags.writeable = False
    _scalar_arrays[key] = array
    return array


def update_into(op: str, target: Any, value: Any) -> None:
    """``target = op(target, value)`` computed straight into ``target``'s memory (NumPy only).

    ``op`` is ``"add"``, ``"subtract"``, ``"multiply"`` or ``"divide"``. One pass and no
    temporary array, where computing the result and then copying it in takes two passes and a
    temporary of the target's size. Raises (``ValueError``/``TypeError``) before writing anything
    when the result would not fit ``target``'s shape or dtype; callers check
    :data:`is_numpy` first.
    """
    if _backend.tracer is not None:
        return _backend.tracer.call(update_into, (op, target, value))
    if target.__class__ is np.ndarray and not target.shape and target.dtype in _FLOATS:
        scalar = _numpy_scalar(value)
        if scalar is not None:
            target[()] = _SCALAR_OPS[op](target[()], scalar)
            return
    _UFUNCS[op](target, value, out=target)


# From this many elements a sum written into one of its operands is cheaper than a new array
# (whose pages are fresh memory on every backward); below it, ``out=``'s overhead costs more.
_IN_PLACE_SUM = 1024


def sum_into(owned: Any, other: Any) -> Any:
    """``owned + other``, computed into ``owned``'s memory where that gives the same array
    (same shape and dtype, NumPy) and is cheaper: the backward engine's sum of two parts of
    one gradient, where it knows that nothing else holds ``owned``."""
    if (
        owned.__class__ is np.ndarray
        and other.__class__ is np.ndarray
        and owned.size >= _IN_PLACE_SUM
        and owned.shape == other.shape
        and owned.dtype == other.dtype
        and owned.flags.writeable
    ):
        np.add(owned, other, out=owned)
        return owned
    return owned + other


_UFUNCS = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.divide}

# A ufunc writing into a 0-d ``out=`` takes NumPy's slow path (0.7 us, against 0.1 us for the
# same operation on NumPy scalars and a store), and the seed's weight and its gradient are 0-d.
# The scalar operation is the same IEEE operation at the same dtypes (a Python number is applied
# at the array's dtype in both), so the bits are NumPy's. Only floating-point targets: NumPy's
# integer scalars warn on overflow where its arrays wrap silently.
_SCALAR_OPS = {
    "add": operator.add,
    "subtract": operator.sub,
    "multiply": operator.mul,
    "divide": operator.truediv,
}
_FLOATS = frozenset(np.dtype(t) for t in (np.float16, np.float32, np.float64))


def _numpy_scalar(value: Any) -> Any:
    """``value`` as an operand of NumPy scalar arithmetic: a Python number as it is, a 0-d
    array or NumPy scalar as a NumPy scalar; ``None`` for anything else."""
    kind = value.__class__
    if kind is float or kind is int:
        return value
    if (kind is np.ndarray or isinstance(value, np.generic)) and not value.shape:
        return value[()]
    return None


# Elements per slab of subtract_scaled_into: 256 KiB of float32 (512 KiB of float64), a
# temporary that stays in cache between the multiply that writes it and the subtract that reads
# it. Each slab costs ~2 us of Python: a 784 x 256 layer takes 4 slabs, 47 us, against 37 us
# for the whole-array form with its 784 KiB temporary (16,384-element slabs took 61 us).
SLAB = 65_536


def subtract_scaled_into(target: Any, scale: float, values: Any) -> None:
    """``target -= scale * values`` in ``target``'s memory, with no temporary of its size.

    The result is bit for bit ``target - scale * values`` (``scale`` a Python number, applied at
    ``values``' dtype as NumPy applies one). On NumPy, arrays of one shape laid out alike (both
    C- or both F-contiguous) are done in slabs of 65,536 elements: ``scale * values`` exists
    for one slab at a time. Other operands (broadcast ``values``, other layouts, arrays that
    overlap) make ``scale * values`` whole first; other array libraries compute the result and
    copy it in. It is the optimizers' ``param -= lr * update``:

    >>> import numpy as np
    >>> p = np.array([1.0, 2.0], dtype=np.float32)
    >>> subtract_scaled_into(p, 0.5, np.array([2.0, 2.0], dtype=np.float32))
    >>> p
    array([0., 1.], dtype=float32)
    """
    if _backend.tracer is not None:
        return _backend.tracer.call(subtract_scaled_into, (target, scale, values))
    if not _backend.is_numpy:
        target[...] = target - scale * values
        return
    flats = _flat_views(target, values)
    if flats is None:
        np.subtract(target, scale * values, out=target)
        return
    flat_target, flat_values = flats
    factor = scalar_operand(scale, values) if scale.__class__ is float else scale
    scaled = np.multiply(flat_values[:SLAB], factor)  # the slab's buffer, at NumPy's dtype
    part = flat_target[:SLAB]
    np.subtract(part, scaled, out=part)
    for start in range(SLAB, target.size, SLAB):
        stop = min(start + SLAB, target.size)
        buffer = scaled[: stop - start]
        np.multiply(flat_values[start:stop], factor, out=buffer)
        part = flat_target[start:stop]
        np.subtract(part, buffer, out=part)


def add_scaled_quotient_into(target: Any, scale: Any, numerator: Any, denominator: Any) -> None:
    """``target += scale * numerator / denominator`` in ``target``'s memory, with no temporary
    of its size.

    The result is bit for bit ``target + (scale * numerator) / denominator``, ``scale`` a
    Python number (applied at ``numerator``'s dtype) or a 0-d array. On NumPy, operands of one
    shape laid out alike are done in slabs of 65,536 elements, as in
    :func:`subtract_scaled_into`; other operands make the quotient whole first. It is Adam's
    ``param.addcdiv_(exp_avg, denom, value=-step_size)``:

    >>> import numpy as np
    >>> p = np.array([1.0, 2.0])
    >>> add_scaled_quotient_into(p, -0.5, np.array([2.0, 4.0]), np.array([1.0, 2.0]))
    >>> p
    array([0., 1.])
    """
    if _backend.tracer is not None:
        return _backend.tracer.call(
            add_scaled_quotient_into, (target, scale, numerator, denominator)
        )
    if not _backend.is_numpy:
        target[...] = target + scale * numerator / denominator
        return
    flats = _flat_views(target, numerator, denominator)
    if flats is None:
        # One temporary, not two: the quotient is written over the scaled numerator where it
        # has the quotient's shape and dtype (a second 256 KiB array, out of cache, made an
        # Adagrad step on a 256 x 256 float32 parameter ~13% slower).
        quotient = np.multiply(numerator, scale)
        if (
            quotient.__class__ is np.ndarray
            and denominator.__class__ is np.ndarray
            and quotient.shape == denominator.shape
            and quotient.dtype == denominator.dtype
        ):
            np.divide(quotient, denominator, out=quotient)
        else:
            quotient = np.divide(quotient, denominator)
        np.add(target, quotient, out=target)
        return
    flat_target, flat_numerator, flat_denominator = flats
    size = target.size
    buffer = np.empty(min(size, SLAB), dtype=np.result_type(numerator, scale, denominator))
    for start in range(0, size, SLAB):
        stop = min(start + SLAB, size)
        part = buffer[: stop - start]
        np.multiply(flat_numerator[start:stop], scale, out=part)
        np.divide(part, flat_denominator[start:stop], out=part)
        np.add(flat_target[start:stop], part, out=flat_target[start:stop])


def slabs(target: Any, *sources: Any) -> Iterator[tuple[Any, ...]]:
    """``target`` and ``sources`` (one shape) in matching parts of :data:`SLAB` elements, for an
    update computed a slab at a time (its temporaries stay slab-sized and in cache): flat views
    where :func:`_flat_views` gives them (large NumPy arrays laid out alike, no overlap), else
    the arrays whole. A write into a part reaches its array."""
    flats = _flat_views(target, *sources) if _backend.is_numpy else None
    if flats is None:
        yield (target, *sources)
        return
    for start in range(0, flats[0].size, SLAB):
        yield tuple(flat[start : start + SLAB] for flat in flats)


def _flat_views(target: Any, *sources: Any) -> tuple[Any, ...] | None:
    """1-D views of ``target`` and ``sources`` pairing their elements as the arrays do (in C
    order, or F order for F-contiguous arrays), or ``None`` where slabs cannot be used: small
    or differently shaped or laid out operands, or sources overlapping ``target``."""
    if target.size <= SLAB:
        return None
    for source in sources:
        if source.__class__ is not np.ndarray or source.shape != target.shape:
            return None
    arrays = (target, *sources)
    if all(a.flags.c_contiguous for a in arrays):
        flats = tuple(a.reshape(-1) for a in arrays)
    elif all(a.flags.f_contiguous for a in arrays):
        flats = tuple(a.T.reshape(-1) for a in arrays)
    else:
        return None
    # A slab of a source is read before the target's slab is written, and never again: a
    # source that is the target itself is fine, one that overlaps it elsewhere is not.
    if any(source is not target and np.may_share_memory(target, source) for source in sources):
        return None
    return flats


def scalar_from(fn: Callable[..., float], dtype: Any, *args: Any) -> Any:
    """``fn(*args)`` computed on Python numbers, each array in ``args`` (0-d) read as its value,
    returned as a 0-d array of ``dtype``.

    For numbers an update derives from a counter kept in an array, such as Adam's bias
    correction ``1 - beta ** step``: under :func:`arraygrad.compile` the call is one step of the
    program, run again on every replay, so the number follows the counter instead of being baked
    in. Python's arithmetic, not the array library's, keeps the bits of eager PyTorch code
    (NumPy's float64 ``power`` is not C's ``pow``: with AVX-512 it can differ in the last bit).
    Casting the result to ``dtype`` rounds it as a Python float operand of an array of that
    dtype is rounded.

    >>> import numpy as np
    >>> scalar_from(lambda step, beta: 1 - beta**step, np.float64, np.asarray(2.0), 0.5)
    array(0.75)
    """
    if _backend.tracer is not None:
        return _backend.tracer.call(scalar_from, (fn, dtype, *args))
    values = [float(a) if _backend.is_array(a) else a for a in args]
    result = fn(*values)
    if _backend.is_numpy:
        return np.asarray(result, dtype=dtype)
    return _backend.module.asarray(result, dtype=dtype)


def add_into(target: Any, values: Any) -> None:
    """``target += values`` without allocating a new array where the library allows it."""
    if _backend.tracer is not None:
        return _backend.tracer.call(add_into, (target, values))
    if _backend.is_numpy:
        update_into("add", target, values)  # in place, 0-d gradients included
    else:
        target[...] = target + values
