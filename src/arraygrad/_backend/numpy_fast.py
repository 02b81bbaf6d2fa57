"""NumPy's sum, mean, max, min, broadcast_to, where, reshape and permute_dims, minus what costs
time on small arrays (or, for max over a short last axis, NumPy's slow order of work).

Each does exactly what NumPy's function does (the same values, bit for bit) and defers to it
for anything unusual; :func:`arraygrad._backend.extensions.extended_namespace` puts them in the
namespace in NumPy's place. One difference: ``sum``, and ``mean`` of float32 and float64 arrays
on their fast path, return a 0-d result as a 0-d array, not as a NumPy scalar, since tensors
and gradients hold arrays (the other cases return what NumPy returns).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

# NumPy's sum, mean and reshape, minus the dispatch and argument handling of their Python
# wrappers (over a microsecond per call, more than the arithmetic on small arrays). Each does
# exactly what NumPy's function does for a plain ndarray and defers to it for anything else.
_add_reduce: Any = np.add.reduce  # what np.sum calls for an ndarray


def numpy_sum(
    a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False, **kw: Any
) -> Any:
    if a.__class__ is not np.ndarray or out is not None or kw:
        return np.sum(a, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kw)
    total = _add_reduce(a, axis, dtype, None, keepdims)  # positional: no keyword parsing
    if total.__class__ is np.ndarray:
        return total
    # A 0-d result comes back as a NumPy scalar. Tensors and gradients hold arrays, and making
    # one here (~0.14 µs) is cheaper than the generic conversion callers would apply otherwise.
    return _scalar_as_array(total)


def _scalar_as_array(value: Any) -> Any:
    # NumPy scalars (all the numeric dtypes arraygrad has) become 0-d arrays of their dtype;
    # anything else (a Python object from an object array) is returned as it came.
    return np.asarray(value) if isinstance(value, np.generic) else value


# The dtypes np.mean sums in (float16 sums in float32).
_OWN_ACCUMULATOR = frozenset([np.dtype(np.float32), np.dtype(np.float64)])
# np.mean divides by the count as an intp, which promotes a float32 sum to float64, and rounds
# the quotient back to float32. Dividing in float32 by the count (a Python int, applied at the
# array's dtype) gives the same bits while the count is exact in float32 (up to 2**24): a
# float64 quotient of float32 operands rounds to float32 without double-rounding error, since
# 53 >= 2 * 24 + 2. Larger float32 counts go to np.mean itself. float64 counts are always exact.
_EXACT_FLOAT32_COUNT = 2**24


def numpy_mean(
    a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False, **kw: Any
) -> Any:
    # np.mean sums in the array's own dtype for float32 and float64, then divides by the count.
    if (
        a.__class__ is not np.ndarray
        or dtype is not None
        or out is not None
        or kw
        or a.dtype not in _OWN_ACCUMULATOR
    ):
        return np.mean(a, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **kw)
    size = a.size
    if size == 0:
        return _mean_of_nothing(a, axis, keepdims)
    if axis is None and not keepdims:  # the mean of everything, e.g. a loss
        if size > _EXACT_FLOAT32_COUNT and a.dtype.itemsize == 4:
            return np.mean(a)
        # The sum is a NumPy scalar: dividing it (NumPy's scalar arithmetic) and then making
        # the 0-d array a tensor holds is cheaper than reducing and dividing into an array.
        return np.asarray(_add_reduce(a, None) / size)
    total = _add_reduce(a, axis, None, None, keepdims)
    count = size // total.size
    if count > _EXACT_FLOAT32_COUNT and a.dtype.itemsize == 4:
        return np.mean(a, axis=axis, keepdims=keepdims)
    return _scalar_as_array(total / count)


def _mean_of_nothing(a: Any, axis: Any, keepdims: bool) -> Any:
    """The mean of an empty array: 0 / 0 (nan) for each result over an empty axis, or an empty
    result. np.mean computes the same but warns twice ("Mean of empty slice", "invalid value
    encountered in divide", from NumPy's modules, so arraygrad's filter of its own modules'
    warnings does not catch them); PyTorch returns nan silently."""
    total = _add_reduce(a, axis, None, None, keepdims)
    with np.errstate(invalid="ignore"):
        return _scalar_as_array(total / 0)  # an empty total stays empty


# A maximum over a short last axis (the classes of a batch of logits: softmax's shift) is slow
# in NumPy: it walks one row at a time, ~5 ns per element for 10 classes. On the transposed copy
# the same maximum runs down whole columns at once, several times faster (256 x 10: 13.5 ->
# 6 us, the copy included; below ~64 rows the copy costs more than it saves). A row's maximum
# is the same value in any order, but two kinds of result carry bits that NumPy's order
# decides: a zero (-0.0 and 0.0 tie) and a NaN (NumPy's vector loop returns its own quiet NaN,
# a shorter row the input's NaN, sign and payload included). Rows with such a result are
# reduced again by NumPy itself, and when they are many NumPy reduces the whole array. The
# minimum keeps NumPy's way: a row minimum of zero is the rule for ReLU outputs. Sums too:
# their rounding depends on the order.
_SHORT_AXIS = 32
_MANY_ROWS = 64
_maximum_reduce: Any = np.maximum.reduce


def numpy_max(a: Any, axis: Any = None, keepdims: bool = False, **kw: Any) -> Any:
    if axis.__class__ is tuple and len(axis) == 1:
        axis = axis[0]
    if (
        a.__class__ is np.ndarray
        and not kw
        and keepdims.__class__ is bool  # anything else: NumPy accepts or rejects it
        and axis.__class__ is int  # exactly: True and 1.0 compare equal to 1
        and a.ndim >= 2
        and axis in (-1, a.ndim - 1)
        and 0 < a.shape[-1] <= _SHORT_AXIS
        and a.size >= _MANY_ROWS * a.shape[-1]
        and a.dtype.kind in "fiu"
        and a.flags.c_contiguous
    ):
        matrix = a.reshape(-1, a.shape[-1])
        result = _maximum_reduce(np.ascontiguousarray(matrix.T), 0)
        if a.dtype.kind == "f":
            # Zero or NaN: not (|x| > 0). A few such rows are patched, many mean NumPy's way.
            again = ~(np.abs(result) > 0)
            count = np.count_nonzero(again)
            if count * 8 > result.size:
                return np.max(a, axis=axis, keepdims=keepdims)
            if count:
                result[again] = _maximum_reduce(matrix[again], 1)
        return result.reshape(a.shape[:-1] + ((1,) if keepdims else ()))
    if a.__class__ is np.ndarray and not kw and keepdims.__class__ is bool:
        # What np.max calls for an ndarray, without its wrapper's dispatch (~1 us).
        return _maximum_reduce(a, axis, None, None, keepdims)
    return np.max(a, axis=axis, keepdims=keepdims, **kw)


_minimum_reduce: Any = np.minimum.reduce


def numpy_min(a: Any, axis: Any = None, keepdims: bool = False, **kw: Any) -> Any:
    if a.__class__ is np.ndarray and not kw and keepdims.__class__ is bool:
        return _minimum_reduce(a, axis, None, None, keepdims)  # what np.min calls
    return np.min(a, axis=axis, keepdims=keepdims, **kw)


# Below this many elements a broadcast gradient is materialised: NumPy's broadcast_to builds an
# iterator in Python (about 2 µs), while filling a fresh small array takes about 0.3 µs. Larger
# results stay zero-copy views.
_SMALL_BROADCAST = 4096


_ARRAY_OR_SCALAR = (np.ndarray, np.generic)


def numpy_broadcast_to(array: Any, shape: Any = None, **kw: Any) -> Any:
    # NumPy scalars come in too: ``g / n`` on a 0-d array gives one.
    if not isinstance(array, _ARRAY_OR_SCALAR) or kw or shape is None:
        return np.broadcast_to(array, shape, **kw)
    if shape.__class__ is not tuple:
        shape = tuple(shape)
    if array.shape == shape:
        return array
    size = 1
    for extent in shape:
        size *= extent
    if size > _SMALL_BROADCAST:
        return np.broadcast_to(array, shape)
    out = np.empty(shape, array.dtype)
    if array.ndim == 0:
        out.fill(array)  # the gradient of a full sum or mean: fill is the cheapest write
    else:
        out[...] = array  # raises like broadcast_to when the shapes do not broadcast
    return out


# Integer types of the same width as each float type, for masking by bits.
_SAME_WIDTH_INT = {np.dtype(np.float32): np.int32, np.dtype(np.float64): np.int64}
_PYTHON_NUMBERS = (int, float)  # by exact class: a bool fill goes to np.where


def _is_positive_zero(value: Any) -> bool:
    # The fill the bit masking gives: 0 or 0.0, not -0.0 (nor a bool, an array or anything else).
    return value.__class__ in _PYTHON_NUMBERS and value == 0 and math.copysign(1.0, value) > 0


def numpy_where(condition: Any, x1: Any, x2: Any, /) -> Any:
    """``np.where``, with fast exact paths for masks of 2048 elements or more: for
    ``where(mask, values, 0)`` and ``where(mask, 0, values)`` (the masking rules of ReLU, clamp
    and friends) and for ``where(mask, a, b)`` of two arrays of one float dtype and the mask's
    shape (the forward of piecewise activations and losses). Smaller ones go to NumPy's where
    at once: its one call is cheaper than the paths' several there.

    NumPy's ``where`` branches per element, which costs ~10x a multiplication on an unpredictable
    mask. Selecting bits instead (AND with all-ones or all-zeros words) gives the same array
    bit for bit (``+0.0`` where masked, every other value untouched, NaN and inf included), which
    ``values * mask`` would not (``-x * 0`` is ``-0.0``, ``inf * 0`` is NaN).
    """
    if (
        condition.__class__ is np.ndarray
        and condition.dtype == np.bool_
        and condition.size >= _BLEND_MIN
    ):
        if x1.__class__ is np.ndarray and _is_positive_zero(x2):
            values, masked_where = x1, False
        elif x2.__class__ is np.ndarray and _is_positive_zero(x1):
            values, masked_where = x2, True
        elif x1.__class__ is np.ndarray and x2.__class__ is np.ndarray:
            return _blend(condition, x1, x2)
        else:
            return np.where(condition, x1, x2)
        width = _SAME_WIDTH_INT.get(values.dtype)
        if width is not None and values.shape == condition.shape:
            # Words of -1 (all bits set) where the values are kept, 0 where masked, as bytes:
            # the AND widens them to the values' width chunk by chunk, so no word array of the
            # values' size is made. (True, False) is (1, 0) in bytes: negated, it keeps where
            # the condition holds; minus 1, where it does not.
            flags = condition.view(np.int8)
            words = np.subtract(flags, 1) if masked_where else np.negative(flags)
            return np.bitwise_and(values.view(width), words).view(values.dtype)
    return np.where(condition, x1, x2)


# Below this many elements NumPy's where is about as fast as the three passes of _blend, and
# faster than the two or three calls of the bit masking (4x at 16 elements: the calls' cost).
_BLEND_MIN = 2048


def _blend(condition: Any, x1: Any, x2: Any) -> Any:
    """``np.where(condition, x1, x2)`` of a large mask and two arrays: ``x2 ^ ((x1 ^ x2) & w)``
    on the bits, the words ``w`` all ones where ``condition`` holds, when the three are
    C-contiguous arrays of one shape (the layout NumPy's result has too) and the values of one
    float dtype; else NumPy's own where. Three branch-free passes: ~0.4 ns per element, where
    NumPy's where takes ~4 ns on an unpredictable mask."""
    width = _SAME_WIDTH_INT.get(x1.dtype)
    if (
        width is None
        or x2.dtype != x1.dtype
        or not x1.shape == x2.shape == condition.shape
        or not (condition.flags.c_contiguous and x1.flags.c_contiguous and x2.flags.c_contiguous)
    ):
        return np.where(condition, x1, x2)
    first, second = x1.view(width), x2.view(width)
    bits = np.bitwise_xor(first, second)
    np.bitwise_and(bits, np.negative(condition.view(np.int8)), out=bits)  # (see numpy_where)
    return np.bitwise_xor(bits, second, out=bits).view(x1.dtype)


def numpy_astype(x: Any, dtype: Any, /, *, copy: bool = True, device: Any = None) -> Any:
    """``np.astype`` (its Python wrapper costs five times the conversion of a small array):
    for an ndarray, the method it calls."""
    if device is None:
        if x.__class__ is np.ndarray:
            return x.astype(dtype, copy=copy)
        return np.astype(x, dtype, copy=copy)
    return np.astype(x, dtype, copy=copy, device=device)


def numpy_argmax(a: Any, axis: Any = None, out: Any = None, **kw: Any) -> Any:
    """``np.argmax`` without its two wrappers: the method they call on an ndarray."""
    if a.__class__ is np.ndarray:
        return a.argmax(axis, out, **kw)
    return np.argmax(a, axis, out, **kw)


def numpy_argmin(a: Any, axis: Any = None, out: Any = None, **kw: Any) -> Any:
    """``np.argmin`` without its two wrappers: the method they call on an ndarray."""
    if a.__class__ is np.ndarray:
        return a.argmin(axis, out, **kw)
    return np.argmin(a, axis, out, **kw)


_count_nonzero: Any = np._core.multiarray.count_nonzero  # type: ignore[attr-defined]


def numpy_count_nonzero(a: Any, axis: Any = None, *, keepdims: bool = False) -> Any:
    """``np.count_nonzero``: over the whole array, the C function its wrapper calls then."""
    if axis is None and not keepdims:
        return _count_nonzero(a)
    return np.count_nonzero(a, axis, keepdims=keepdims)


def numpy_matrix_transpose(x: Any) -> Any:
    """``np.matrix_transpose`` (a view): for an ndarray of two dimensions or more, the method
    its two wrappers call; anything else gets NumPy's own checks."""
    if x.__class__ is np.ndarray and x.ndim >= 2:
        return x.swapaxes(-1, -2)
    return np.matrix_transpose(x)


_umath_clip: Any = np._core.umath.clip  # type: ignore[attr-defined]


def numpy_clip(a: Any, min: Any = None, max: Any = None, **kw: Any) -> Any:
    """``np.clip`` without its two Python wrappers for a float array between two bounds: the
    ufunc they call then (integer arrays and a missing bound take NumPy's own path)."""
    if (
        a.__class__ is np.ndarray
        and min is not None
        and max is not None
        and not kw
        and a.dtype.kind == "f"
    ):
        return _umath_clip(a, min, max)
    return np.clip(a, min, max, **kw)


def numpy_permute_dims(a: Any, axes: Any) -> Any:
    """``np.permute_dims`` (a view) without its wrapper."""
    return a.transpose(axes) if a.__class__ is np.ndarray else np.permute_dims(a, axes)


def numpy_reshape(a: Any, shape: Any = None, **kw: Any) -> Any:
    if a.__class__ is not np.ndarray or kw or shape is None:
        return np.reshape(a, shape, **kw)
    if a.size < _TILED_COPY or a.flags.c_contiguous or not _RESHAPE_COPY_KEYWORD:
        return a.reshape(shape)
    # A large array in another layout: a view where NumPy can make one, else the copy in C
    # order, which c_copy makes several times faster than reshape's own for a transposed one.
    try:
        return a.reshape(shape, copy=False)
    except ValueError:
        return c_copy(a).reshape(shape)


# Below this many elements a reshape does not look for the tiled copy; below this many bytes
# (a core's cache) NumPy's own copy of a transposed array is as fast as tiles, and tiles of
# fewer elements than this on average cost more in Python than they save.
_TILED_COPY = 1 << 15
_TILED_COPY_BYTES = 1 << 20
_TILE_ELEMENTS = 2048
# (reshape's copy=False, which raises where a view is impossible, came with NumPy 2.1)
_RESHAPE_COPY_KEYWORD = tuple(int(part) for part in np.__version__.split(".")[:2]) >= (2, 1)
# Tiles of a transposed copy: this many bytes along the last axis (a cache line), and as many
# rows as keep the destination a tile writes within this many bytes (the pages a core's
# translation buffer holds).
_TILE_WIDTH = 64
_TILE_SPAN = 1 << 21


def c_copy(a: Any) -> Any:
    """A C-ordered copy of the NumPy array ``a`` (``np.ascontiguousarray``'s values, always a
    new array), tile by tile where ``a`` lies transposed.

    NumPy copies a transposed array element by element along the destination's rows, each read
    a stride apart: every element a cache miss. Tiles a cache line wide along the last axis read
    whole lines of the source and write lines of the destination that stay in cache, 2-7x
    faster (512 x 1024 float32: 1.1 ms -> 0.3 ms). Other layouts (only the last two axes
    transposed are tiled), short last axes and arrays that fit a core's cache take NumPy's copy.
    """
    shape = a.shape
    ndim = len(shape)
    if ndim < 2 or a.nbytes < _TILED_COPY_BYTES:
        return np.array(a, order="C")
    rows, columns = shape[-2], shape[-1]
    width = max(1, _TILE_WIDTH // a.itemsize)
    depth = max(1, _TILE_SPAN // (columns * a.itemsize))
    if (
        not 0 < abs(a.strides[-2]) < abs(a.strides[-1])  # (the last two axes transposed)
        or columns < 4 * width
        or 4 * columns < rows  # (a long thin source: NumPy's own loop is as fast)
        or -(-rows // depth) * -(-columns // width) * _TILE_ELEMENTS > a.size
    ):
        return np.array(a, order="C")
    out = np.empty(shape, a.dtype)
    for start in range(0, rows, depth):
        for column in range(0, columns, width):
            tile = (..., slice(start, start + depth), slice(column, column + width))
            out[tile] = a[tile]
    return out
