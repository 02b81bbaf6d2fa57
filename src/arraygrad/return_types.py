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


class triangular_solve(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(solution, cloned_coefficient)`` of :func:`arraygrad.triangular_solve`."""

    solution: Any
    cloned_coefficient: Any

    def __repr__(self) -> str:
        return (
            f"arraygrad.return_types.triangular_solve(\nsolution={self.solution!r},\n"
            f"cloned_coefficient={self.cloned_coefficient!r})"
        )


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


class histogram(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(hist, bin_edges)`` of :func:`arraygrad.histogram`."""

    hist: Any
    bin_edges: Any

    def __repr__(self) -> str:
        return (
            f"arraygrad.return_types.histogram(\nhist={self.hist!r},\nbin_edges={self.bin_edges!r})"
        )


class histogramdd(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(hist, bin_edges)`` of :func:`arraygrad.histogramdd`: ``bin_edges`` a tuple, one
    tensor of edges per dimension."""

    hist: Any
    bin_edges: Any

    def __repr__(self) -> str:
        return (
            f"arraygrad.return_types.histogramdd(\nhist={self.hist!r},\n"
            f"bin_edges={self.bin_edges!r})"
        )


# The matrix decompositions' results (arraygrad._decompositions), named as torch's.
class linalg_eigh(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(eigenvalues, eigenvectors)`` of :func:`arraygrad.linalg.eigh`."""

    eigenvalues: Any
    eigenvectors: Any


class linalg_eig(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(eigenvalues, eigenvectors)`` of :func:`arraygrad.linalg.eig`, both complex."""

    eigenvalues: Any
    eigenvectors: Any


class linalg_svd(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(U, S, Vh)`` of :func:`arraygrad.linalg.svd`."""

    U: Any
    S: Any
    Vh: Any


class svd(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(U, S, V)`` of :func:`arraygrad.svd`."""

    U: Any
    S: Any
    V: Any


class linalg_qr(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(Q, R)`` of :func:`arraygrad.linalg.qr`."""

    Q: Any
    R: Any


class linalg_lstsq(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(solution, residuals, rank, singular_values)`` of :func:`arraygrad.linalg.lstsq`."""

    solution: Any
    residuals: Any
    rank: Any
    singular_values: Any


class linalg_lu_factor(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(LU, pivots)`` of :func:`arraygrad.linalg.lu_factor`."""

    LU: Any
    pivots: Any


class linalg_lu_factor_ex(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(LU, pivots, info)`` of :func:`arraygrad.linalg.lu_factor_ex`."""

    LU: Any
    pivots: Any
    info: Any


class linalg_ldl_factor(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(LD, pivots)`` of :func:`arraygrad.linalg.ldl_factor`."""

    LD: Any
    pivots: Any


class linalg_ldl_factor_ex(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(LD, pivots, info)`` of :func:`arraygrad.linalg.ldl_factor_ex`."""

    LD: Any
    pivots: Any
    info: Any


class linalg_cholesky_ex(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(L, info)`` of :func:`arraygrad.linalg.cholesky_ex`."""

    L: Any
    info: Any


class linalg_inv_ex(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(inverse, info)`` of :func:`arraygrad.linalg.inv_ex`."""

    inverse: Any
    info: Any


class linalg_solve_ex(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(result, info)`` of :func:`arraygrad.linalg.solve_ex`."""

    result: Any
    info: Any


class _lu_with_info(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(LU, pivots, info)`` of :func:`arraygrad.lu` with ``get_infos=True``."""

    LU: Any
    pivots: Any
    info: Any


class linalg_lu(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(P, L, U)`` of :func:`arraygrad.linalg.lu`."""

    P: Any
    L: Any
    U: Any


class lu_unpack(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(P, L, U)`` of :func:`arraygrad.lu_unpack`."""

    P: Any
    L: Any
    U: Any


class qr(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(Q, R)`` of :func:`arraygrad.qr`."""

    Q: Any
    R: Any


__all__ = [
    "aminmax",
    "cummax",
    "cummin",
    "frexp",
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


class geqrf(NamedTuple):  # noqa: N801 - PyTorch's name
    """``(a, tau)`` of :func:`arraygrad.geqrf`: LAPACK's compact Householder QR."""

    a: Any
    tau: Any

    def __repr__(self) -> str:
        return f"arraygrad.return_types.geqrf(\na={self.a!r},\ntau={self.tau!r})"
