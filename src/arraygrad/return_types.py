"""Named tuples returned by ops that give values and indices, as ``torch.return_types``.

>>> import arraygrad
>>> values, indices = arraygrad.tensor([[1.0, 3.0], [4.0, 2.0]]).max(dim=1)
>>> indices.tolist()
[1, 0]
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import NamedTuple as _NamedTuple

if TYPE_CHECKING:
    from typing import Any


class _ValuesIndices(_NamedTuple):
    values: Any
    indices: Any


def _make(name: str) -> type:
    return type(name, (_ValuesIndices,), {"__slots__": ()})


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


class aminmax(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(min, max)`` of :func:`arraygrad.aminmax`."""

    min: Any
    max: Any


class triangular_solve(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(solution, cloned_coefficient)`` of :func:`arraygrad.triangular_solve`."""

    solution: Any
    cloned_coefficient: Any


class frexp(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(mantissa, exponent)`` of :func:`arraygrad.frexp`."""

    mantissa: Any
    exponent: Any


class slogdet(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(sign, logabsdet)`` of :func:`arraygrad.slogdet`."""

    sign: Any
    logabsdet: Any


class linalg_slogdet(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(sign, logabsdet)`` of :func:`arraygrad.linalg.slogdet`."""

    sign: Any
    logabsdet: Any


class histogram(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(hist, bin_edges)`` of :func:`arraygrad.histogram`."""

    hist: Any
    bin_edges: Any


class histogramdd(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(hist, bin_edges)`` of :func:`arraygrad.histogramdd`: ``bin_edges`` a tuple, one
    tensor of edges per dimension."""

    hist: Any
    bin_edges: Any


# The matrix decompositions' results (arraygrad._decompositions), named as torch's.
class linalg_eigh(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(eigenvalues, eigenvectors)`` of :func:`arraygrad.linalg.eigh`."""

    eigenvalues: Any
    eigenvectors: Any


class linalg_eig(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(eigenvalues, eigenvectors)`` of :func:`arraygrad.linalg.eig`, both complex."""

    eigenvalues: Any
    eigenvectors: Any


class linalg_svd(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(U, S, Vh)`` of :func:`arraygrad.linalg.svd`."""

    U: Any
    S: Any
    Vh: Any


class svd(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(U, S, V)`` of :func:`arraygrad.svd`."""

    U: Any
    S: Any
    V: Any


class linalg_qr(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(Q, R)`` of :func:`arraygrad.linalg.qr`."""

    Q: Any
    R: Any


class linalg_lstsq(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(solution, residuals, rank, singular_values)`` of :func:`arraygrad.linalg.lstsq`."""

    solution: Any
    residuals: Any
    rank: Any
    singular_values: Any


class linalg_lu_factor(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(LU, pivots)`` of :func:`arraygrad.linalg.lu_factor`."""

    LU: Any
    pivots: Any


class linalg_lu_factor_ex(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(LU, pivots, info)`` of :func:`arraygrad.linalg.lu_factor_ex`."""

    LU: Any
    pivots: Any
    info: Any


class linalg_ldl_factor(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(LD, pivots)`` of :func:`arraygrad.linalg.ldl_factor`."""

    LD: Any
    pivots: Any


class linalg_ldl_factor_ex(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(LD, pivots, info)`` of :func:`arraygrad.linalg.ldl_factor_ex`."""

    LD: Any
    pivots: Any
    info: Any


class linalg_cholesky_ex(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(L, info)`` of :func:`arraygrad.linalg.cholesky_ex`."""

    L: Any
    info: Any


class linalg_inv_ex(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(inverse, info)`` of :func:`arraygrad.linalg.inv_ex`."""

    inverse: Any
    info: Any


class linalg_solve_ex(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(result, info)`` of :func:`arraygrad.linalg.solve_ex`."""

    result: Any
    info: Any


class _lu_with_info(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(LU, pivots, info)`` of :func:`arraygrad.lu` with ``get_infos=True``."""

    LU: Any
    pivots: Any
    info: Any


class linalg_lu(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(P, L, U)`` of :func:`arraygrad.linalg.lu`."""

    P: Any
    L: Any
    U: Any


class lu_unpack(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(P, L, U)`` of :func:`arraygrad.lu_unpack`."""

    P: Any
    L: Any
    U: Any


class qr(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(Q, R)`` of :func:`arraygrad.qr`."""

    Q: Any
    R: Any


class geqrf(_NamedTuple):  # noqa: N801 - PyTorch's name
    """``(a, tau)`` of :func:`arraygrad.geqrf`: LAPACK's compact Householder QR."""

    a: Any
    tau: Any


__all__ = [
    "aminmax",
    "cummax",
    "cummin",
    "frexp",
    "geqrf",
    "histogram",
    "histogramdd",
    "kthvalue",
    "linalg_cholesky_ex",
    "linalg_eig",
    "linalg_eigh",
    "linalg_inv_ex",
    "linalg_ldl_factor",
    "linalg_ldl_factor_ex",
    "linalg_lstsq",
    "linalg_lu",
    "linalg_lu_factor",
    "linalg_lu_factor_ex",
    "linalg_qr",
    "linalg_slogdet",
    "linalg_solve_ex",
    "linalg_svd",
    "lu_unpack",
    "max",
    "median",
    "min",
    "mode",
    "nanmedian",
    "qr",
    "slogdet",
    "sort",
    "svd",
    "topk",
    "triangular_solve",
]


def _structseq_repr(self: tuple[Any, ...]) -> str:
    """torch's repr of its return types: the qualified type name and ``(``, then the fields as
    ``name=repr(value)``, one a line, and ``)``."""
    names = self._fields  # type: ignore[attr-defined]
    fields = ",\n".join(f"{name}={value!r}" for name, value in zip(names, self, strict=True))
    return f"arraygrad.return_types.{type(self).__name__}(\n{fields})"


# One repr for every type here, as torch's structseq gives all of its return types.
for _name in [*__all__, "_lu_with_info"]:
    globals()[_name].__repr__ = _structseq_repr
del _name
