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
# reductions, scans and linear algebra with PyTorch's named results
cummax = _make("cummax")
cummin = _make("cummin")
mode = _make("mode")
nanmedian = _make("nanmedian")


class aminmax(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(min, max)`` of :func:`arraygrad.aminmax`."""

    min: Any
    max: Any

    def __repr__(self) -> str:
        return f"arraygrad.return_types.aminmax(\nmin={self.min!r},\nmax={self.max!r})"


class frexp(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(mantissa, exponent)`` of :func:`arraygrad.frexp`."""

    mantissa: Any
    exponent: Any


class slogdet(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(sign, logabsdet)`` of :func:`arraygrad.slogdet`."""

    sign: Any
    logabsdet: Any

    def __repr__(self) -> str:
        return (
            f"arraygrad.return_types.slogdet(\nsign={self.sign!r},\nlogabsdet={self.logabsdet!r})"
        )


__all__ = [
    "aminmax",
    "cummax",
    "cummin",
    "frexp",
    "kthvalue",
    "max",
    "median",
    "min",
    "mode",
    "nanmedian",
    "slogdet",
    "sort",
    "topk",
]
