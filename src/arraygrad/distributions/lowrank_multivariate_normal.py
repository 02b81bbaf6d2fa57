"""The multivariate normal distribution with a low-rank-plus-diagonal covariance
``Σ = W Wᵀ + D``, ``W`` (``cov_factor``) of shape ``n × m`` and ``D = diag(cov_diag)``.

Its determinant and inverse come from the ``m × m`` capacitance matrix ``C = I + Wᵀ D⁻¹ W``
(the matrix determinant lemma and the Woodbury identity), so nothing of size ``n × n`` is
factorised: ``det Σ = det C · Π d_i`` and, for ``y = D^-½ x`` and ``V = D^-½ W``,
``xᵀ Σ⁻¹ x = ‖y - V u‖² + ‖u‖²`` at ``u = C⁻¹ Vᵀ y`` (Woodbury's identity, written as the
minimum it is so that nothing cancels when ``D`` is small).

>>> import arraygrad as torch
>>> d = torch.distributions.LowRankMultivariateNormal(
...     torch.zeros(2), torch.tensor([[1.0], [0.0]]), torch.ones(2))
>>> d.covariance_matrix
tensor([[2., 0.],
        [0., 1.]])
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions.distribution import Distribution, cached_with_grad
from arraygrad.distributions.multivariate import _split_infinite

__all__ = ["LowRankMultivariateNormal"]


class LowRankMultivariateNormal(Distribution):
    """The normal distribution over vectors with mean ``loc`` and covariance
    ``cov_factor @ cov_factor.mT + diag(cov_diag)``.

    >>> import arraygrad as torch
    >>> d = torch.distributions.LowRankMultivariateNormal(
    ...     torch.zeros(2), torch.ones(2, 1), torch.ones(2))
    >>> d.variance
    tensor([2., 2.])
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "loc": constraints.real_vector,
        "cov_factor": constraints.independent(constraints.real, 2),
        "cov_diag": constraints.independent(constraints.positive, 1),
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(
        self,
        loc: ag.Tensor,
        cov_factor: ag.Tensor,
        cov_diag: ag.Tensor,
        validate_args: bool | None = None,
    ) -> None:
        if loc.dim() < 1:
            raise ValueError(
                "loc must be at least one-dimensional."
                f" (got shape {list(loc.shape)}). Fix: pass loc as a vector of the event's "
                "size, e.g. loc.unsqueeze(-1)."
            )
        n = loc.shape[-1]
        if cov_factor.dim() < 2:
            raise ValueError(
                "cov_factor must be at least two-dimensional, with optional leading batch "
                "dimensions"
                f" (got shape {list(cov_factor.shape)}). Fix: pass cov_factor of shape "
                f"({n}, rank), e.g. cov_factor.unsqueeze(-1) for rank 1."
            )
        if cov_factor.shape[-2] != n:
            raise ValueError(
                f"cov_factor must be a batch of matrices with shape {n} x m"
                f" (got shape {list(cov_factor.shape)}). Fix: give cov_factor {n} rows, one "
                "per entry of loc."
            )
        if tuple(cov_diag.shape[-1:]) != (n,):
            raise ValueError(
                f"cov_diag must be a batch of vectors with shape {loc.shape[-1:]}"
                f" (got shape {list(cov_diag.shape)}). Fix: pass one variance per entry of "
                f"loc ({n} in its last dimension)."
            )
        rank = cov_factor.shape[-1]
        batch_shape = ag.broadcast_shapes(
            tuple(loc.shape[:-1]), tuple(cov_factor.shape[:-2]), tuple(cov_diag.shape[:-1])
        )
        self.loc = loc.expand((*batch_shape, n))
        self.cov_factor = cov_factor.expand((*batch_shape, n, rank))
        self.cov_diag = cov_diag.expand((*batch_shape, n))
        # the unbroadcast parameters, so the capacitance is factorised once per distinct one
        self._factor, self._diag = cov_factor, cov_diag
        super().__init__(batch_shape, (n,), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        n, rank = self.cov_factor.shape[-2:]
        shapes = {"loc": (n,), "cov_factor": (n, rank), "cov_diag": (n,)}
        new = self._expanded_copy(batch_shape, shapes)
        new._factor, new._diag = self._factor, self._diag
        if "_capacitance_factor" in self.__dict__:
            new.__dict__["_capacitance_factor"] = self._capacitance_factor
        return new

    @cached_with_grad
    def _capacitance_factor(self) -> ag.Tensor:
        """A lower triangular ``L`` with ``L Lᵀ = C = I + Vᵀ V`` for ``V = D^-½ W``
        (unbroadcast): the transposed ``R`` of the QR decomposition of ``V`` stacked on ``I``.

        Multiplying out ``Vᵀ V`` instead rounds its entries by ``eps ‖V‖²``, which moves the
        eigenvalues near 1 that a nearly singular covariance (small ``D``) leaves there: the
        log-determinant was off by 1e-9. Its diagonal may be negative (only its square and
        its absolute value are used)."""
        scaled = self._scaled_factor()
        rank = scaled.shape[-1]
        identity = ag.eye(rank, dtype=scaled.dtype).expand((*scaled.shape[:-2], rank, rank))
        return ag.linalg.qr(ag.cat([scaled, identity], -2)).R.mT

    def _scaled_factor(self) -> ag.Tensor:
        """``V = D^-½ W`` (unbroadcast)."""
        return self._factor / self._diag.unsqueeze(-1).sqrt()

    def _matrix_shape(self) -> tuple[int, ...]:
        n = self._event_shape[0]
        return (*self._batch_shape, n, n)

    @property
    def mean(self) -> ag.Tensor:
        return self.loc

    @property
    def mode(self) -> ag.Tensor:
        return self.loc

    @cached_with_grad
    def variance(self) -> ag.Tensor:
        value = (self._factor**2).sum(-1) + self._diag
        return value.expand(tuple(self._extended_shape()))

    @cached_with_grad
    def covariance_matrix(self) -> ag.Tensor:
        value = self._factor @ self._factor.mT + ag.diag_embed(self._diag)
        return value.expand(self._matrix_shape())

    @cached_with_grad
    def scale_tril(self) -> ag.Tensor:
        return ag.linalg.cholesky(self.covariance_matrix)

    @cached_with_grad
    def precision_matrix(self) -> ag.Tensor:
        # Woodbury: D⁻¹ - (D⁻¹ W L_C⁻ᵀ)(D⁻¹ W L_C⁻ᵀ)ᵀ
        inverse_diag = self._diag.reciprocal()
        projected = ag.linalg.solve_triangular(
            self._capacitance_factor, (self._factor * inverse_diag.unsqueeze(-1)).mT, upper=False
        )
        value = ag.diag_embed(inverse_diag) - projected.mT @ projected
        return value.expand(self._matrix_shape())

    def _root(self) -> ag.Tensor:
        """A square root ``S`` of the covariance (``S Sᵀ = Σ``): ``[W, D^½]``, ``n × (m + n)``,
        at the parameters' broadcast batch shape."""
        n, rank = self._factor.shape[-2:]
        shape = ag.broadcast_shapes(tuple(self._factor.shape[:-2]), tuple(self._diag.shape[:-1]))
        factor = self._factor.expand((*shape, n, rank))
        diagonal = ag.diag_embed(self._diag.sqrt()).expand((*shape, n, n))
        return ag.cat([factor, diagonal], -1)

    def _inverse_quadratic(self, matrix: ag.Tensor) -> ag.Tensor:
        """``tr(Mᵀ Σ⁻¹ M)`` for ``M`` of shape ``(..., n, k)``.

        With ``Y = D^-½ M``, each column's ``yᵀ (I + V Vᵀ)⁻¹ y`` is the least value of
        ``‖y - V u‖² + ‖u‖²``, reached at ``u = C⁻¹ Vᵀ y``. Woodbury's ``‖y‖² - ‖L⁻¹ Vᵀ y‖²``
        subtracts two numbers of size ``‖y‖²`` (huge where ``D`` is small) and lost 1e-9 of
        the result; the sum of squares here is exact to first order in an error of ``u``
        (it is the minimum), so ``u`` need not be accurate and nothing cancels."""
        root_diag = self._diag.sqrt().unsqueeze(-1)
        scaled_value = matrix / root_diag
        scaled = self._scaled_factor()
        shape = ag.broadcast_shapes(tuple(scaled_value.shape[:-2]), tuple(scaled.shape[:-2]))
        rank, k = scaled.shape[-1], scaled_value.shape[-1]
        lower = self._capacitance_factor.expand((*shape, rank, rank))
        projected = (scaled.mT @ scaled_value).expand((*shape, rank, k))
        half = ag.linalg.solve_triangular(lower, projected, upper=False)
        weights = ag.linalg.solve_triangular(lower.mT, half, upper=True)
        residual = scaled_value - scaled @ weights
        return (residual**2).sum((-2, -1)) + (weights**2).sum((-2, -1))

    def _half_log_det(self) -> ag.Tensor:
        """``½ log det Σ = Σ log |diag(L_C)| + ½ Σ log d_i`` (matrix determinant lemma)."""
        capacitance = self._capacitance_factor.diagonal(dim1=-2, dim2=-1).abs().log().sum(-1)
        return capacitance + 0.5 * self._diag.log().sum(-1)

    def rsample(self, sample_shape: Any = ()) -> ag.Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        rank = self.cov_factor.shape[-1]
        low_rank_noise = ag.randn((*shape[:-1], rank), dtype=self.loc.dtype)
        diagonal_noise = ag.randn(shape, dtype=self.loc.dtype)
        along_factor = (self._factor @ low_rank_noise.unsqueeze(-1)).squeeze(-1)
        return self.loc + along_factor + self._diag.sqrt() * diagonal_noise

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        n = self._event_shape[0]
        value, infinite = _split_infinite(value)
        mahalanobis = self._inverse_quadratic((value - self.loc).unsqueeze(-1))
        finite = -0.5 * (n * math.log(2 * math.pi) + mahalanobis) - self._half_log_det()
        return ag.where(infinite, ag.full_like(finite, -math.inf), finite)

    def entropy(self) -> ag.Tensor:
        n = self._event_shape[0]
        value = 0.5 * n * (1 + math.log(2 * math.pi)) + self._half_log_det()
        return value.expand(tuple(self._batch_shape))
