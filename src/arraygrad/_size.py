"""``Size``: a tensor's shape, a tuple of ints that prints and behaves like PyTorch's
``torch.Size`` (its slices, sums and products stay ``Size``)."""

from __future__ import annotations

from typing import Any


class Size(tuple):  # type: ignore[type-arg]
    """A tensor's shape: a tuple of ints that prints like PyTorch's ``torch.Size``.

    >>> Size([2, 3])
    arraygrad.Size([2, 3])
    """

    def __repr__(self) -> str:
        return f"arraygrad.Size({list(self)})"

    # As torch.Size, slicing, concatenating and repeating give a Size again (a plain tuple
    # would print as one); an int index still gives the int.
    def __getitem__(self, index: Any) -> Any:
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

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
        return Size(tuple.__mul__(self, count))

    __rmul__ = __mul__

    def numel(self) -> int:
        """The number of elements of a tensor of this shape."""
        count = 1
        for size in self:
            count *= size
        return count
