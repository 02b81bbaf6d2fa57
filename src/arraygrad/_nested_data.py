"""What PyTorch's ``tensor()`` refuses in nested Python data, with its exception classes.

arraygrad converts nested lists through the array library, whose errors differ from PyTorch's
(a ragged list is NumPy's "inhomogeneous shape"), and which converts some data PyTorch refuses
(``[1.0, None]`` becomes ``[1.0, nan]``). Where that conversion failed, or inferred an object
array, :func:`data_error` walks the data as PyTorch does and returns the error PyTorch raises
first. Only those paths call it: the conversion of valid data pays nothing. (With the other
walks ``tensor()`` makes of nested data: its tensors made numbers or lists, whether it holds a
float or a NaN, and negative ints wrapped for an unsigned dtype.)

PyTorch's walk has three steps: the shape, read from the first element of each level (a
string there is a sequence without end: "too many dimensions 'str'"); when no dtype is given,
the dtype of every scalar (``None`` and other objects are refused: "Could not infer dtype");
then every element against the shape ("expected sequence of length 2 at dim 1 (got 1)", "not a
sequence", a list where a number belongs) and every int against int64 ("Overflow when
unpacking long long": PyTorch reads ints as 64-bit ones first, whatever the dtype, but for
floating, complex and bool dtypes).
"""

from __future__ import annotations

import numbers
import operator
from typing import Any

from arraygrad import _backend, _dtype
from arraygrad._size import type_name
from arraygrad._tensor import Tensor

# The scalar kinds PyTorch's inference promotes through, in order: bool < int < float < complex.
_BOOL, _INT, _FLOAT, _COMPLEX = range(4)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_FIX = "Fix: pass numbers, or nested lists of numbers of one length at each level."
# The types of plain Python numbers: a row of them is read in one C pass over its types.
NUMBER_TYPES = frozenset({bool, int, float, complex})


def data_error(data: Any, dtype: _dtype.dtype | None) -> Exception | None:
    """The error PyTorch's ``tensor(data, dtype=dtype)`` raises for nested lists ``data`` (with
    tensors already made numbers), or None where it raises none."""
    if isinstance(data, (str, bytes)):
        return _invalid(data)
    sizes: list[int] = []
    item = data
    while isinstance(item, (list, tuple, str)):
        if isinstance(item, str):
            return ValueError(
                f"too many dimensions 'str': a string in the data is a sequence to PyTorch, "
                f"without end. {_FIX}"
            )
        sizes.append(len(item))
        if not item:
            break
        item = item[0]
    if dtype is None:
        found = _kind(data)
        if isinstance(found, Exception):
            return found
        kind = found
    else:
        kind = _FLOAT if dtype.is_floating_point or dtype.is_complex else _INT
        if dtype is _dtype.bool_:
            kind = _BOOL
    if 0 in sizes:  # nothing to store: PyTorch makes the empty tensor
        return None
    return _store_error(data, sizes, 0, kind)


def inferred_name(data: Any) -> str:
    """The dtype name PyTorch infers for nested lists ``data`` that :func:`data_error` accepts
    with no dtype given, as NumPy would name it (``"int64"``, ``"float64"``, ...): for those
    NumPy makes an object array of (an int beyond 64 bits beside a float or complex number)."""
    kind = _kind(data)
    return (
        "object"
        if isinstance(kind, Exception)
        else ("bool", "int64", "float64", "complex128")[kind]
    )


def inferred_dtype(data: Any) -> _dtype.dtype | None:
    """The dtype PyTorch infers for nested lists ``data`` that hold more than Python numbers:
    the ``promote_types`` of every scalar's own dtype, where a NumPy scalar, a NumPy array (0-d
    or not) and a tensor bring their dtype, a Python float the default dtype, an int int64, a
    bool bool, a complex the default complex dtype, and an empty list the default dtype. So
    ``[1.0, np.float64(2)]`` is float64 and ``[np.int8(1), np.uint8(2)]`` int16, where NumPy's
    inference of the values would say float32 and int64. None for data holding other items
    (what :func:`data_error` refuses).

    NumPy's uint16, uint32 and uint64, which arraygrad lacks, promote as in PyTorch: with
    themselves and to a floating dtype; beside anything else PyTorch's RuntimeError. Where one
    of them is the result, PyTorch makes a tensor of it (uint64 scalars it refuses): a
    TypeError here, as for such an array given alone."""
    found = _promoted(data)
    if isinstance(found, str):
        if found == "uint64":
            raise TypeError(
                "an integer is required: PyTorch infers no dtype for NumPy uint64 values in "
                "nested data. Fix: convert them first (e.g. to int), or give a dtype."
            )
        raise TypeError(
            f"arrays of dtype {found} are not supported by arraygrad: the data's NumPy "
            f"{found} values would make a {found} tensor. Fix: convert them first (e.g. "
            "numpy.int64(value) or array.astype(numpy.int64)), or give a dtype."
        )
    return found


_UNSIGNED_NAMES = {"uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64"}


def _promoted(data: Any) -> _dtype.dtype | str | None:
    """:func:`inferred_dtype`'s promotion, with the name of a NumPy unsigned dtype arraygrad
    lacks standing for it."""
    if isinstance(data, (list, tuple)):
        if not data:
            return _dtype.get_default_dtype()
        found: _dtype.dtype | str | None = None
        for item in data:
            own = _promoted(item)
            if own is None:
                return None
            found = own if found is None else _promote(found, own)
        return found
    if _backend.is_array(data):  # (before float: NumPy's float64 is a float too)
        name = str(data.dtype)
        return name if name in _UNSIGNED_NAMES else _dtype.BY_NAME.get(name)
    if isinstance(data, Tensor):
        return data.dtype
    if isinstance(data, float):
        return _dtype.get_default_dtype()
    if isinstance(data, bool):
        return _dtype.bool_
    if isinstance(data, int):
        return _dtype.int64
    if isinstance(data, complex):
        return _dtype.complex_of_data()
    return None


def _promote(a: _dtype.dtype | str, b: _dtype.dtype | str) -> _dtype.dtype | str:
    """``promote_types`` of two of :func:`_promoted`'s results: an unsigned dtype arraygrad
    lacks (a name) promotes only with itself and to floating dtypes, as in PyTorch."""
    if isinstance(a, _dtype.dtype) and isinstance(b, _dtype.dtype):
        return _dtype.promote_types(a, b)
    if a == b:
        return a
    for other in (a, b):
        if isinstance(other, _dtype.dtype) and other.is_floating_point:
            return other
    names = [
        _UNSIGNED_NAMES[t] if isinstance(t, str) else _dtype.torch_type_name(t) for t in (a, b)
    ]
    raise RuntimeError(
        "Promotion for uint16, uint32, uint64 types is not supported, attempted to promote "
        f"{names[0]} and {names[1]}. Fix: convert the NumPy unsigned values first (e.g. "
        "array.astype(numpy.int64)), or give a dtype."
    )


def integer_store_error(data: Any) -> TypeError | None:
    """PyTorch's TypeError for storing nested lists ``data`` into an integer dtype, if one of
    its scalars is neither a float (truncated) nor an integer: PyTorch takes anything else as
    an index, so a NumPy bool, float32 or complex scalar, a 0-d array of one or a complex
    number is refused with ``operator.index``'s message."""
    if isinstance(data, (list, tuple)):
        for item in data:
            found = integer_store_error(item)
            if found is not None:
                return found
        return None
    if isinstance(data, float):
        return None
    if (_backend.is_array(data) or isinstance(data, Tensor)) and data.ndim:
        return None  # (an array of dimensions is a sequence to PyTorch, whose items it stores)
    try:
        operator.index(data)
    except TypeError as error:
        return TypeError(
            f"{error}: PyTorch stores a value into an integer tensor as an index (floats "
            "truncated). Fix: convert it first (e.g. int(value)), or give a dtype that holds it."
        )
    return None


def is_non_number(kind: type) -> bool:
    """Whether PyTorch reads an item of type ``kind`` in nested data as no number (None, a
    string, bytes, another object; sequences and tensors are numbers' containers). Given a
    dtype, NumPy converts some of those PyTorch refuses (None to NaN, ``"2"`` to 2.0, any object
    to True for bool), so :func:`data_error` is asked first. The types :func:`_kind` reads."""
    if issubclass(kind, (list, tuple, str, bytes)):
        return not issubclass(kind, (list, tuple))
    return not issubclass(kind, numbers.Complex) and not any(
        hasattr(kind, method) for method in ("__index__", "__float__", "__complex__")
    )


def _invalid(value: Any) -> TypeError:
    return TypeError(f"new(): invalid data type '{type(value).__name__}'. {_FIX}")


def _kind(data: Any) -> int | Exception:
    """The widest scalar kind in ``data``, or the error for a scalar PyTorch cannot infer."""
    if isinstance(data, (list, tuple)):
        widest = _BOOL
        for item in data:
            found = _kind(item)
            if isinstance(found, Exception):
                return found
            widest = max(widest, found)
        return widest
    if isinstance(data, (str, bytes)):
        return _invalid(data)
    if isinstance(data, bool) or type(data).__name__ == "bool_":  # (NumPy's bool scalars too)
        return _BOOL
    if isinstance(data, numbers.Integral) or hasattr(data, "__index__"):
        return _INT
    if isinstance(data, numbers.Real) or hasattr(data, "__float__"):
        return _FLOAT
    if isinstance(data, numbers.Complex) or hasattr(data, "__complex__"):
        return _COMPLEX
    return RuntimeError(
        f"Could not infer dtype of {type(data).__name__}: arraygrad.tensor takes numbers, "
        f"nested lists of numbers, arrays and tensors. {_FIX}"
    )


def _store_error(item: Any, sizes: list[int], dim: int, kind: int) -> Exception | None:
    """The first error of storing ``item`` at dimension ``dim`` of a tensor of shape
    ``sizes`` whose scalars are of kind ``kind``, in PyTorch's order (depth first)."""
    if dim == len(sizes):
        return _scalar_error(item, kind)
    if not isinstance(item, (list, tuple)):
        return TypeError(
            f"not a sequence: {item!r} at dim {dim}, where the shape read from the first "
            f"elements {sizes} has a sequence of length {sizes[dim]}. {_FIX}"
        )
    if len(item) != sizes[dim]:
        return ValueError(
            f"expected sequence of length {sizes[dim]} at dim {dim} (got {len(item)}). {_FIX}"
        )
    for part in item:
        found = _store_error(part, sizes, dim + 1, kind)
        if found is not None:
            return found
    return None


def _scalar_error(value: Any, kind: int) -> Exception | None:
    """PyTorch's error for a scalar ``value`` stored as ``kind``, if any."""
    if isinstance(value, (list, tuple)) or isinstance(_kind(value), Exception):
        name = type_name(value)  # (a list, None, a string: not a number)
        if kind >= _FLOAT:
            return TypeError(f"must be real number, not {name}. {_FIX}")
        return TypeError(f"'{name}' object cannot be interpreted as an integer. {_FIX}")
    if (
        kind == _INT
        and isinstance(value, int)
        and not _INT64_MIN <= value <= _INT64_MAX  # (a bool is within)
    ):
        return ValueError(
            f"Overflow when unpacking long long: {value} is beyond int64, which PyTorch reads "
            "ints as. Fix: pass it as a float, or give a floating dtype."
        )
    return None


def wrapped_negatives(data: Any, dtype: _dtype.dtype) -> Any:
    """``data`` for an unsigned ``dtype`` of n bits with its negative ints down to
    ``-(2**n - 1)`` wrapped modulo ``2**n``, as PyTorch stores them (``tensor([-1],
    dtype=uint8)`` holds 255); None if it is not unsigned or an int lies beyond that."""
    if dtype.is_signed or dtype.is_floating_point or dtype is _dtype.bool_:
        return None
    modulus = 2 ** (8 * dtype.itemsize)

    def wrap(item: Any) -> Any:
        if isinstance(item, list):
            parts = [wrap(part) for part in item]
            return None if any(part is None for part in parts) else parts
        if isinstance(item, int) and not isinstance(item, bool):
            return item % modulus if -modulus < item < modulus else None
        return item  # (a float converts as before: one out of range still raises)

    return wrap(data)


def has_float(data: Any) -> bool:
    """Whether nested lists or tuples ``data`` hold a Python float."""
    if isinstance(data, float):
        return True
    if isinstance(data, (list, tuple)):
        return any(has_float(item) for item in data)
    return False


def has_nan(data: Any) -> bool:
    """Whether nested lists or tuples ``data`` hold a float NaN."""
    if isinstance(data, float):
        return data != data
    if isinstance(data, (list, tuple)):
        return any(has_nan(item) for item in data)
    return False


def python_data(data: Any, kinds: set[type], depth: int = -1) -> Any:
    """``data`` with the tensors inside lists (e.g. ``[t1, t2]`` of 0-d tensors) made their
    values, adding to ``kinds`` the types of its items other than plain Python numbers.

    As PyTorch, a tensor where the shape (read from the first items, which stops at a tensor)
    has a number is a number: ``[tensor([1.]), tensor([2.])]`` is of shape [2]; one where it
    has a sequence is a sequence (``[[1., 2.], tensor([3., 4.])]``)."""
    if isinstance(data, Tensor):
        if depth:
            return _backend.to_list(data._data)
        if data.numel() != 1:
            raise ValueError(
                "only one element tensors can be converted to Python scalars: tensor()'s data "
                f"has a tensor of shape {list(data.shape)} where its shape, read from the "
                "first items, has a number. Fix: pass it as the list's first item, or stack "
                "the tensors with arraygrad.stack."
            )
        return _backend.to_list(data._data.reshape(()))
    if depth < 0:  # (the top level) the shape's dimensions, as PyTorch reads them
        depth, item = 0, data
        while isinstance(item, (list, tuple)) and item:
            depth, item = depth + 1, item[0]
    if isinstance(data, (list, tuple)):
        found = set(map(type, data))  # (in one C pass)
        if found <= NUMBER_TYPES:  # a row of numbers
            return data if type(data) is list else list(data)
        kinds.update(found)
        first = data[0]
        if (
            getattr(first, "ndim", None) == 0
            and not isinstance(first, (Tensor, numbers.Number))
            and not _backend.is_numpy_scalar(first)  # (a NumPy bool is no Number)
        ):
            # PyTorch sizes a level of nested data by its first item, whose len() it takes
            # when it is an array: a 0-d one has none (later ones are read as numbers)
            raise TypeError(
                "len() of unsized object: the first item of a list in tensor()'s data is a 0-d "
                "array, which PyTorch reads as a sequence to size that level. Fix: pass its "
                "value (a.item(), or a[()] for a NumPy scalar)."
            )
        return [python_data(item, kinds, max(depth - 1, 0)) for item in data]
    kinds.add(type(data))
    return data
