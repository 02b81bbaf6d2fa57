"""Tensor methods for nan-skipping reductions, scans, searching, statistics and matrix
functions.

A mixin of :class:`arraygrad.Tensor`; each method delegates to the PyTorch-style function of
the same name in ``_reduction``, ``_scans``, ``_searching``, ``_unique``, ``_histogram``,
``_quantiles``, ``_statistics``, ``_distances``, ``_linalg`` or ``_matrix_functions``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# The package itself, not its modules: the functions these methods call are imported after the
# Tensor class (they build on it), so they are looked up at call time.
import arraygrad as _ag

if TYPE_CHECKING:
    import arraygrad._contractions
    import arraygrad._decompositions
    import arraygrad._distances
    import arraygrad._histogram
    import arraygrad._linalg
    import arraygrad._linalg_extra
    import arraygrad._matrix_functions
    import arraygrad._quantiles
    import arraygrad._reduction
    import arraygrad._scans
    import arraygrad._searching
    import arraygrad._statistics
    import arraygrad._triangular
    import arraygrad._unique
    from arraygrad import _dtype
    from arraygrad._tensor import Tensor


class TensorAnalysisMethods:
    """Reductions, scans, searching, statistics and matrix-function methods of
    :class:`arraygrad.Tensor`."""

    __slots__ = ()

    def nansum(
        self, dim: Any = None, keepdim: bool = False, *, dtype: _dtype.dtype | None = None
    ) -> Tensor:
        """Sum over ``dim`` treating NaN as 0."""
        return _ag._reduction.nansum(self, dim, keepdim, dtype=dtype)

    def nanmean(
        self, dim: Any = None, keepdim: bool = False, *, dtype: _dtype.dtype | None = None
    ) -> Tensor:
        """Mean of the non-NaN elements over ``dim``."""
        return _ag._reduction.nanmean(self, dim, keepdim, dtype=dtype)

    def count_nonzero(self, dim: Any = None, *dims: int) -> Tensor:
        """The number of non-zero elements over ``dim`` (also PyTorch's ``count_nonzero(1, 0)``,
        the dimensions as separate arguments)."""
        return _ag._reduction.count_nonzero(self, (dim, *dims) if dims else dim)

    def aminmax(self, *, dim: int | None = None, keepdim: bool = False) -> Any:
        """``(min, max)`` over ``dim`` (all elements when ``None``)."""
        return _ag._reduction.aminmax(self, dim=dim, keepdim=keepdim)

    def diff(
        self, n: int = 1, dim: int = -1, prepend: Tensor | None = None, append: Tensor | None = None
    ) -> Tensor:
        """The ``n``-th forward difference along ``dim``."""
        return _ag._scans.diff(self, n, dim, prepend, append)

    def cummax(self, dim: int) -> Any:
        """``(values, indices)`` of the running maximum along ``dim``."""
        return _ag._scans.cummax(self, dim)

    def cummin(self, dim: int) -> Any:
        """``(values, indices)`` of the running minimum along ``dim``."""
        return _ag._scans.cummin(self, dim)

    def logcumsumexp(self, dim: int) -> Tensor:
        """``log(cumsum(exp(self)))`` along ``dim``, computed stably."""
        return _ag._scans.logcumsumexp(self, dim)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        """The indices of the non-zero elements."""
        return _ag._searching.nonzero(self, as_tuple=as_tuple)

    def nonzero_static(self, *, size: int, fill_value: int = -1) -> Tensor:
        """:func:`arraygrad.nonzero_static`: ``size`` rows of indices, padded with
        ``fill_value``."""
        return _ag._searching.nonzero_static(self, size=size, fill_value=fill_value)

    def argwhere(self) -> Tensor:
        """The ``(n, ndim)`` indices of the non-zero elements."""
        return _ag._searching.argwhere(self)

    def masked_select(self, mask: Tensor) -> Tensor:
        """The elements where ``mask`` is True, as a 1-D tensor."""
        return _ag._searching.masked_select(self, mask)

    def unique(
        self,
        sorted: bool = True,
        return_inverse: bool = False,
        return_counts: bool = False,
        dim: int | None = None,
    ) -> Any:
        """The distinct elements (or slices along ``dim``), sorted."""
        return _ag._unique.unique(self, sorted, return_inverse, return_counts, dim)

    def unique_consecutive(
        self, return_inverse: bool = False, return_counts: bool = False, dim: int | None = None
    ) -> Any:
        """The tensor with each run of equal consecutive elements kept once."""
        return _ag._unique.unique_consecutive(self, return_inverse, return_counts, dim)

    def bincount(self, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
        """How often each non-negative integer occurs (or the sum of its weights)."""
        return _ag._searching.bincount(self, weights, minlength)

    def histc(self, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
        """A histogram with ``bins`` equal-width bins over ``[min, max]``."""
        return _ag._searching.histc(self, bins, min, max)

    def histogram(
        self,
        bins: Any = 100,
        *,
        range: Any = None,
        weight: Tensor | None = None,
        density: bool = False,
    ) -> Any:
        """``(hist, bin_edges)``: counts (or summed ``weight``) in ``bins`` bins (a number of
        equal-width bins over ``range``, or a 1-D tensor of edges)."""
        return _ag._histogram.histogram(self, bins, range=range, weight=weight, density=density)

    def quantile(
        self,
        q: Any,
        dim: int | None = None,
        keepdim: bool = False,
        *,
        interpolation: str = "linear",
    ) -> Tensor:
        """The ``q``-th quantiles over ``dim``."""
        return _ag._quantiles.quantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanquantile(
        self,
        q: Any,
        dim: int | None = None,
        keepdim: bool = False,
        *,
        interpolation: str = "linear",
    ) -> Tensor:
        """The ``q``-th quantiles of the non-NaN elements over ``dim``."""
        return _ag._quantiles.nanquantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanmedian(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The lower median of the non-NaN elements (``(values, indices)`` along ``dim``)."""
        return _ag._quantiles.nanmedian(self, dim, keepdim)

    def mode(self, dim: int = -1, keepdim: bool = False) -> Any:
        """``(values, indices)`` of the most frequent value along ``dim``."""
        return _ag._quantiles.mode(self, dim, keepdim)

    def cov(
        self,
        *,
        correction: int = 1,
        fweights: Tensor | None = None,
        aweights: Tensor | None = None,
    ) -> Tensor:
        """The covariance matrix of the variables in the rows."""
        return _ag._statistics.cov(
            self, correction=correction, fweights=fweights, aweights=aweights
        )

    def corrcoef(self) -> Tensor:
        """The Pearson correlation coefficients of the variables in the rows."""
        return _ag._statistics.corrcoef(self)

    def dist(self, other: Tensor, p: float = 2) -> Tensor:
        """The ``p``-norm of ``self - other``."""
        return _ag._distances.dist(self, other, p)

    def cross(self, other: Tensor, dim: int | None = None) -> Tensor:
        """The cross product of 3-vectors along ``dim``."""
        _ag._arguments.require_tensor("cross", "other", 1, other)  # (the method's position)
        return _ag._contractions.cross(self, other, dim)

    def stft(self, n_fft: int, *args: Any, **kwargs: Any) -> Tensor:
        """The short-time Fourier transform (:func:`arraygrad.stft`)."""
        return _ag._stft.stft(self, n_fft, *args, **kwargs)

    def istft(self, n_fft: int, *args: Any, **kwargs: Any) -> Tensor:
        """The inverse short-time Fourier transform (:func:`arraygrad.istft`)."""
        return _ag._stft.istft(self, n_fft, *args, **kwargs)

    def vdot(self, other: Tensor) -> Tensor:
        """The dot product of two 1-D tensors of one dtype."""
        return _ag._contractions.vdot(self, other)

    def logdet(self) -> Tensor:
        """``log(det(self))`` of a (batch of) square matrices."""
        return _ag._matrix_functions.logdet(self)

    def slogdet(self) -> Any:
        """``(sign, logabsdet)`` of the determinant."""
        return _ag._matrix_functions.slogdet(self)

    def matrix_power(self, n: int) -> Tensor:
        """``self^n`` for a (batch of) square matrices."""
        return _ag._matrix_functions.matrix_power(self, n)

    def pinverse(self, rcond: float = 1e-15) -> Tensor:
        """The Moore-Penrose pseudo-inverse of a (batch of) matrices."""
        return _ag._matrix_functions.pinverse(self, rcond)

    # Matrix decompositions (arraygrad._decompositions)
    def cholesky(self, upper: bool = False) -> Tensor:
        """The Cholesky factor of a symmetric positive-definite matrix (upper with ``upper``)."""
        return _ag._decompositions.cholesky(self, upper)

    def qr(self, some: bool = True) -> Any:
        """``(Q, R)`` of the QR decomposition, reduced when ``some``."""
        return _ag._decompositions.qr(self, some)

    def svd(self, some: bool = True, compute_uv: bool = True) -> Any:
        """``(U, S, V)`` of the singular value decomposition ``self = U diag(S) V^T``."""
        return _ag._decompositions.svd(self, some, compute_uv)

    def orgqr(self, input2: Tensor) -> Tensor:
        """The product of the Householder reflections given by ``self`` and ``input2`` (tau)."""
        return _ag._linalg_extra.orgqr(self, input2)

    def geqrf(self) -> Any:
        """See :func:`arraygrad.geqrf`: LAPACK's compact Householder QR ``(a, tau)``."""
        return _ag._linalg_extra.geqrf(self)

    def ormqr(
        self, input2: Tensor, input3: Tensor, left: bool = True, transpose: bool = False
    ) -> Tensor:
        """See :func:`arraygrad.ormqr`: ``input3`` multiplied by the Q of ``(self, input2)``."""
        return _ag._linalg_extra.ormqr(self, input2, input3, left, transpose)

    def lu(self, pivot: bool = True, get_infos: bool = False) -> Any:
        """``(LU, pivots)`` (and ``info`` with ``get_infos``) of the LU factorisation."""
        return _ag._lu.lu(self, pivot, get_infos)

    def lu_solve(self, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:  # noqa: N803
        """The solution of ``A X = self`` given ``(LU_data, LU_pivots)`` of ``A``."""
        return _ag._lu.lu_solve(self, LU_data, LU_pivots)

    def cholesky_solve(self, input2: Tensor, upper: bool = False) -> Tensor:
        """The solution of ``A X = self`` given the Cholesky factor ``input2`` of ``A``."""
        return _ag._triangular.cholesky_solve(self, input2, upper)

    def triangular_solve(
        self,
        A: Tensor,  # noqa: N803 - torch's name
        upper: bool = True,
        transpose: bool = False,
        unitriangular: bool = False,
    ) -> Any:
        """Deprecated: see :func:`arraygrad.triangular_solve` (``self`` is ``b``)."""
        return _ag._triangular.triangular_solve(self, A, upper, transpose, unitriangular)

    def cholesky_inverse(self, upper: bool = False) -> Tensor:
        """The inverse of ``A`` given its Cholesky factor ``self``."""
        return _ag._triangular.cholesky_inverse(self, upper)
