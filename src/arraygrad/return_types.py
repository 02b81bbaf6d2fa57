"""Named tuples returned by ops that give values and indices, as ``torch.return_types``.

>>> import arraygrad
>>> values, indices = arraygrad.tensor([[1.0, 3.0], [4.0, 2.0]]).max(dim=1)
>>> indices.tolist()
[1, 0]
"""

from __future__ import annotations

from typing import Any, NamedTuple


class _ValuesIndices(NamedTuple):
    values: Any
    indices: Any


def _make(name: str) -> type:
    def __repr__(self: Any) -> str:  # noqa: N807 - the method's own name
        return f"arraygrad.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"

    return type(name, (_ValuesIndices,), {"__repr__": __repr__, "__slots__": ()})


max = _make("max")
min = _make("min")
sort = _make("sort")
topk = _make("topk")
median = _make("median")
kthvalue = _make("kthvalue")

__all__ = ["kthvalue", "max", "median", "min", "sort", "topk"]
