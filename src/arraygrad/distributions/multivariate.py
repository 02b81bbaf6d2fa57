"""Distributions over vectors: MultivariateNormal, and Independent (batch dimensions of any
distribution reinterpreted as event dimensions).

>>> import arraygrad as torch
>>> d = torch.distributions.MultivariateNormal(torch.zeros(2), torch.eye(2))
>>> d.log_prob(torch.zeros(2))
tensor(-1.8379)
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions.distribution import (
    Distribution,
    as_size,
    cached_with_grad,
    sum_rightmost,
)

__all__ = ["Independent", "MultivariateNormal"]

_MATRICES = ("covariance_matrix", "precision_matrix", "scale_tril")


class GivenMatrix:
    """For a distribution parameterised by one of ``covariance_matrix``, ``precision_matrix``
    and ``scale_tril`` (an ``(n, n)`` event matrix, ``_given`` naming which, ``_matrix`` its
    value at its own batch shape): all three, each from the lower Cholesky factor ``L`` of the
    covariance (``Σ = L Lᵀ``, ``Σ⁻¹`` by :func:`arraygrad.cholesky_inverse`), expanded to the
    distribution's batch shape."""

    _given: str
    _matrix: ag.Tensor
    _batch_shape: Any
    _event_shape: Any

    @cached_with_grad
    def _factor(self) -> ag.Tensor:
        """``L`` at the given matrix's own (unbroadcast) batch shape; computed after
        validation, which it would otherwise preempt with a LinAlgError."""
        if self._given == "scale_tril":
            return self._matrix
        if self._given == "covariance_matrix":
            return ag.linalg.cholesky(self._matrix)
        return _factor_from_precision(self._matrix)

    def _matrix_shape(self) -> tuple[int, ...]:
        n = self._event_shape[-1]
        return (*self._batch_shape, n, n)

    @cached_with_grad
    def scale_tril(self) -> ag.Tensor:
        return self._factor.expand(self._matrix_shape())

    @cached_with_grad
    def covariance_matrix(self) -> ag.Tensor:
        return (self._factor @ self._factor.mT).expand(self._matrix_shape())

    @cached_with_grad
    def precision_matrix(self) -> ag.Tensor:
        return ag.cholesky_inverse(self._factor).expand(self._matrix_shape())


def _factor_from_precision(precision: ag.Tensor) -> ag.Tensor:
    """The lower Cholesky factor of ``precision⁻¹`` without forming the inverse.

    ``cholesky(inv(P))`` loses digits of its gradient where ``P`` is ill-conditioned (mpmath:
    6e-7 relative in a KL's gradient at condition 3e6, where this way is within 2e-11).
    With ``J`` the reversal permutation, the Cholesky factor ``C`` of ``J P J`` gives
    ``P = U Uᵀ`` for the upper-triangular ``U = J C J``, so ``P⁻¹ = U⁻ᵀ U⁻¹`` and ``U⁻ᵀ``
    is lower-triangular with a positive diagonal: the factor, by one triangular solve."""
    upper = ag.linalg.cholesky(precision.flip((-2, -1))).flip((-2, -1))
    eye = ag.eye(upper.shape[-1], dtype=upper.dtype).expand(tuple(upper.shape))
    return ag.linalg.solve_triangular(upper, eye, upper=True).mT


class MultivariateNormal(GivenMatrix, Distribution):
    """The normal distribution over vectors with mean ``loc``, given by exactly one of its
    covariance matrix, precision matrix or lower Cholesky factor of the covariance.

    >>> import arraygrad as torch
    >>> d = torch.distributions.MultivariateNormal(torch.zeros(2), scale_tril=2 * torch.eye(2))
    >>> d.variance
    tensor([4., 4.])
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(
        self,
        loc: ag.Tensor,
        covariance_matrix: ag.Tensor | None = None,
        precision_matrix: ag.Tensor | None = None,
        scale_tril: ag.Tensor | None = None,
        validate_args: bool | None = None,
    ) -> None:
        given = {
            name: matrix
            for name, matrix in zip(
                _MATRICES, (covariance_matrix, precision_matrix, scale_tril), strict=True
            )
            if matrix is not None
        }
        if len(given) != 1:
            raise ValueError(
                "Exactly one of covariance_matrix or precision_matrix or scale_tril may be "
                "specified."
                f" (got {sorted(given)}). Fix: pass exactly one of them."
            )
        if loc.dim() < 1:
            raise ValueError(
                "loc must be at least one-dimensional."
                f" (got shape {list(loc.shape)}). Fix: pass a vector, e.g. "
                "loc.unsqueeze(-1)."
            )
        ((name, matrix),) = given.items()
        if matrix.dim() < 2:
            what = "scale_tril matrix" if name == "scale_tril" else name
            raise ValueError(
                f"{what} must be at least two-dimensional, with optional leading batch dimensions"
                f" (got shape {list(matrix.shape)}). Fix: pass a (*, n, n) matrix."
            )
        batch_shape = ag.broadcast_shapes(tuple(matrix.shape[:-2]), tuple(loc.shape[:-1]))
        n = loc.shape[-1]
        self.__dict__[name] = matrix.expand(tuple(batch_shape) + (n, n))
        self.loc = loc.expand(tuple(batch_shape) + (n,))
        self._given, self._matrix = name, matrix
        super().__init__(batch_shape, (n,), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        n = self._event_shape[0]
        shapes = {name: (n, n) for name in _MATRICES}
        new = self._expanded_copy(batch_shape, {"loc": (n,), **shapes})
        new._given, new._matrix = self._given, self._matrix
        return new

    @property
    def mean(self) -> ag.Tensor:
        return self.loc

    @property
    def mode(self) -> ag.Tensor:
        return self.loc

    @property
    def variance(self) -> ag.Tensor:
        return (self._factor**2).sum(-1).expand(tuple(self._extended_shape()))

    def rsample(self, sample_shape: Any = ()) -> ag.Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        eps = ag.randn(shape, dtype=self.loc.dtype)
        return self.loc + (self._factor @ eps.unsqueeze(-1)).squeeze(-1)

    def _half_log_det(self) -> ag.Tensor:
        """log sqrt(det covariance), the sum of the log-diagonal of the Cholesky factor."""
        return self._factor.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        n = self._event_shape[0]
        value, infinite = _split_infinite(value)
        diff = (value - self.loc).unsqueeze(-1)
        factor = self._factor.expand(tuple(diff.shape[:-2]) + (n, n))
        whitened = ag.linalg.solve_triangular(factor, diff, upper=False).squeeze(-1)
        mahalanobis = (whitened**2).sum(-1)
        finite = -0.5 * (n * math.log(2 * math.pi) + mahalanobis) - self._half_log_det()
        return ag.where(infinite, ag.full_like(finite, -math.inf), finite)

    def entropy(self) -> ag.Tensor:
        n = self._event_shape[0]
        value = 0.5 * n * (1 + math.log(2 * math.pi)) + self._half_log_det()
        return value.expand(tuple(self._batch_shape))


def _split_infinite(value: Any) -> tuple[ag.Tensor, ag.Tensor]:
    """``value`` with its infinite coordinates set to 0, and where a vector has one (and no
    nan): the normal densities vanish there, so log_prob is -inf; solving for the whitened
    vector would give inf - inf (nan) instead."""
    value = ag.as_tensor(value)
    is_inf = value.isinf()
    infinite = is_inf.any(-1) & ~value.isnan().any(-1)
    return ag.where(is_inf, ag.zeros_like(value), value), infinite


class Independent(Distribution):
    """``base_distribution`` with its ``reinterpreted_batch_ndims`` rightmost batch dimensions
    made event dimensions: ``log_prob`` and ``entropy`` sum over them.

    >>> import arraygrad as torch
    >>> base = torch.distributions.Normal(torch.zeros(3), 1.0)
    >>> torch.distributions.Independent(base, 1).event_shape
    arraygrad.Size([3])
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {}

    def __init__(
        self,
        base_distribution: Distribution,
        reinterpreted_batch_ndims: int,
        validate_args: bool | None = None,
    ) -> None:
        base_batch = base_distribution.batch_shape
        if reinterpreted_batch_ndims > len(base_batch):
            raise ValueError(
                "Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), "
                f"actual {reinterpreted_batch_ndims} vs {len(base_batch)}"
                f". Fix: pass reinterpreted_batch_ndims <= {len(base_batch)}."
            )
        split = len(base_batch) - reinterpreted_batch_ndims
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        event_shape = tuple(base_batch[split:]) + tuple(base_distribution.event_shape)
        super().__init__(base_batch[:split], event_shape, validate_args=validate_args)

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        return self.base_dist.has_rsample

    @property
    def has_enumerate_support(self) -> bool:  # type: ignore[override]
        return self.reinterpreted_batch_ndims == 0 and self.base_dist.has_enumerate_support

    @constraints.dependent_property
    def support(self) -> constraints.Constraint:
        base_support = self.base_dist.support
        if self.reinterpreted_batch_ndims == 0:
            return base_support
        return constraints.independent(base_support, self.reinterpreted_batch_ndims)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._expanded_copy(batch_shape, {})
        extra = tuple(self._event_shape[: self.reinterpreted_batch_ndims])
        new.base_dist = self.base_dist.expand(tuple(as_size(batch_shape)) + extra)
        new.reinterpreted_batch_ndims = self.reinterpreted_batch_ndims
        return new

    @property
    def mean(self) -> ag.Tensor:
        return self.base_dist.mean

    @property
    def mode(self) -> ag.Tensor:
        return self.base_dist.mode

    @property
    def variance(self) -> ag.Tensor:
        return self.base_dist.variance

    def sample(self, sample_shape: Any = ()) -> ag.Tensor:
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> ag.Tensor:
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value: Any) -> ag.Tensor:
        return sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self) -> ag.Tensor:
        return sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def enumerate_support(self, expand: bool = True) -> ag.Tensor:
        if self.reinterpreted_batch_ndims > 0:
            raise NotImplementedError(
                "Enumeration over cartesian product is not implemented"
                ". Fix: call enumerate_support on the base distribution, or pass "
                "reinterpreted_batch_ndims=0."
            )
        return self.base_dist.enumerate_support(expand=expand)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_dist!r}, {self.reinterpreted_batch_ndims})"
