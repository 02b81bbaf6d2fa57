"""``Size``: a tensor's shape, a tuple of ints that prints and behaves like PyTorch's
``torch.Size`` (its slices, sums and products stay ``Size``)."""

from __future__ import annotations

import numbers
import operator
from collections.abc import Iterable
from typing import Any

_HEAP_TYPE = 1 << 9  # (Py_TPFLAGS_HEAPTYPE: a class written in Python)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def type_name(value: Any) -> str:
    """The name of ``value``'s type as PyTorch's messages print it: C's ``tp_name``, which names
    the module of an extension's type (``numpy.str_``) but not a builtin's or a Python class's."""
    kind = type(value)
    if kind.__module__ == "builtins" or kind.__flags__ & _HEAP_TYPE:
        return kind.__name__
    return f"{kind.__module__}.{kind.__name__}"


class Size(tuple):  # type: ignore[type-arg]
    """A tensor's shape: a tuple of ints that prints like PyTorch's ``torch.Size``.

    As ``torch.Size``, it takes an iterable of ints: ints and NumPy's integers are kept, and
    anything else with an integer ``__index__`` (a bool, a one-element integer tensor) becomes
    that int. An item beyond int64 is kept, as PyTorch keeps it, but printing the Size or
    asking its ``numel`` raises PyTorch's ValueError. (Tensors make theirs with
    ``tuple.__new__``, unchecked.)

    >>> Size([2, 3])
    arraygrad.Size([2, 3])
    """

    def __new__(cls, sizes: Iterable[Any] = ()) -> Size:
        items = list(sizes)
        for position, item in enumerate(items):
            if type(item) is not int and (
                isinstance(item, bool) or not isinstance(item, numbers.Integral)
            ):
                items[position] = _index(item, position)
        return tuple.__new__(cls, items)

    def __repr__(self) -> str:
        if self and not _INT64_MIN <= min(self) <= max(self) <= _INT64_MAX:
            raise _beyond_int64(self)  # (PyTorch reads each item as an int64 to print it)
        return f"arraygrad.Size([{', '.join(map(str, self))}])"  # (NumPy's ints as ints)

    # As torch.Size, slicing, concatenating and repeating give a Size again (a plain tuple
    # would print as one); an int index still gives the int.
    def __getitem__(self, index: Any) -> Any:
        item = tuple.__getitem__(self, index)
        return tuple.__new__(Size, item) if isinstance(index, slice) else item

    def __add__(self, other: Any) -> Size:  # type: ignore[override]
        if not isinstance(other, tuple):  # (tuple's own error would name tuple, not Size)
            raise TypeError(
                f"can only concatenate tuple (not {type(other).__name__}) to arraygrad.Size. "
                f"Fix: make it a tuple first, size + tuple({type(other).__name__}_value)."
            )
        return Size(tuple.__add__(self, other))

    def __radd__(self, other: Any) -> Size:
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(other, self))

    def __mul__(self, count: Any) -> Size:  # type: ignore[override]
        if not hasattr(type(count), "__index__"):  # Python's message for sequences, as torch's
            raise TypeError(
                f"can't multiply sequence by non-int of type '{type(count).__name__}'. Fix: "
                "repeat a Size by an int count."
            )
        return tuple.__new__(Size, tuple.__mul__(self, count))

    __rmul__ = __mul__

    def numel(self) -> int:
        """The number of elements of a tensor of this shape: the product of the sizes, in
        int64 arithmetic as PyTorch's (a product beyond int64 wraps round)."""
        count = 1
        for size in self:
            count *= size
        if not _INT64_MIN <= count <= _INT64_MAX:  # PyTorch multiplies int64s, wrapping round
            if not _INT64_MIN <= min(self) <= max(self) <= _INT64_MAX:
                raise _beyond_int64(self)
            count = (count - _INT64_MIN) % 2**64 + _INT64_MIN
        return count


def _beyond_int64(size: Size) -> ValueError:
    """PyTorch's error for reading the items of ``size`` as int64s when one lies beyond."""
    position, item = next((p, i) for p, i in enumerate(size) if not _INT64_MIN <= i <= _INT64_MAX)
    return ValueError(
        f"Overflow when unpacking long long: item {position} of the Size, {item}, is beyond "
        f"int64, which PyTorch reads sizes as. Fix: keep sizes within [{_INT64_MIN}, "
        f"{_INT64_MAX}] (tuple(size) prints it)."
    )


def _index(item: Any, position: int) -> int:
    """``item`` made an int through ``__index__`` as ``torch.Size`` does, or its TypeError."""
    try:
        number = operator.index(item)
    except TypeError:  # (a float, a string, a float tensor, a tensor of several elements)
        number = None
    if type(number) is not int:
        raise TypeError(
            f"arraygrad.Size() takes an iterable of 'int' (item {position} is "
            f"'{type_name(item)}'). Fix: pass ints (e.g. int(size) for a float that is whole)."
        )
    return number
