"""The Wishart distribution over positive-definite ``p × p`` matrices: the distribution of
``Σ_k x_k x_kᵀ`` for ``df`` independent normal vectors ``x_k`` of covariance ``Σ`` (for
integer ``df``; any real ``df > p - 1`` defines it).

Draws use Bartlett's decomposition: ``X = (L A)(L A)ᵀ`` with ``L`` the Cholesky factor of
``Σ`` and ``A`` lower-triangular, ``A_ii = sqrt(χ²(df - i))`` (``i`` from 0) and standard
normal entries below the diagonal; they are reparameterised through the chi-squared draws.

>>> import arraygrad as torch
>>> d = torch.distributions.Wishart(torch.tensor(3.0), torch.eye(2))
>>> d.mean
tensor([[3., 0.],
        [0., 3.]])
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions.distribution import Distribution, broadcast_params
from arraygrad.distributions.exp_family import ExponentialFamily
from arraygrad.distributions.gamma import Chi2
from arraygrad.distributions.kl import register_kl
from arraygrad.distributions.multivariate import GivenMatrix

__all__ = ["Wishart"]

_MATRICES = ("covariance_matrix", "precision_matrix", "scale_tril")


def _multivariate_lgamma(a: ag.Tensor, p: int) -> ag.Tensor:
    """``log Γ_p(a) = p (p - 1) / 4 log π + Σ_{j<p} log Γ(a - j / 2)``."""
    offsets = ag.arange(p, dtype=a.dtype) / 2
    return p * (p - 1) / 4 * math.log(math.pi) + ag.lgamma(a.unsqueeze(-1) - offsets).sum(-1)


def _multivariate_digamma(a: ag.Tensor, p: int) -> ag.Tensor:
    """The derivative of ``log Γ_p(a)``: ``Σ_{j<p} ψ(a - j / 2)``."""
    offsets = ag.arange(p, dtype=a.dtype) / 2
    return ag.digamma(a.unsqueeze(-1) - offsets).sum(-1)


class Wishart(GivenMatrix, ExponentialFamily):
    """The Wishart distribution with ``df`` degrees of freedom (``df > p - 1``) and scale
    given by exactly one of ``covariance_matrix``, ``precision_matrix`` or ``scale_tril``.
    ``mode`` is ``(df - p - 1) Σ`` where ``df > p + 1``, nan elsewhere.

    >>> import arraygrad as torch
    >>> d = torch.distributions.Wishart(torch.tensor(4.0), scale_tril=torch.eye(2))
    >>> d.mode
    tensor([[1., 0.],
            [0., 1.]])
    """

    support = constraints.positive_definite
    has_rsample = True

    def __init__(
        self,
        df: Any,
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
            # torch 2.13 asserts this, so the class is AssertionError
            raise AssertionError(
                "Exactly one of covariance_matrix or precision_matrix or scale_tril may be "
                "specified."
                f" (got {sorted(given) or 'none'}). Fix: pass exactly one of them."
            )
        ((name, matrix),) = given.items()
        if matrix.dim() < 2:
            raise ValueError(
                "scale_tril must be at least two-dimensional, with optional leading batch "
                "dimensions"
                f" (got {name} of shape {list(matrix.shape)}). Fix: pass a (batch of) p x p "
                "matrices."
            )
        p = matrix.shape[-1]
        if not isinstance(df, ag.Tensor):
            (df,) = broadcast_params(float(df))
            df = df.to(matrix.dtype)
        batch_shape = ag.broadcast_shapes(tuple(df.shape), tuple(matrix.shape[:-2]))
        self.df = df.expand(tuple(batch_shape))
        self.__dict__[name] = matrix.expand((*batch_shape, p, p))
        self._given, self._matrix = name, matrix
        if bool((self.df <= p - 1).any()):
            raise ValueError(
                f"Value of df={df} expected to be greater than ndim - 1 = {p - 1}."
                f" Fix: pass df > {p - 1} (the matrices are {p} x {p})."
            )
        if bool((self.df < p).any()):
            warnings.warn(
                "Low df values detected. Singular samples are highly likely to occur for "
                "ndim - 1 < df < ndim.",
                stacklevel=2,
            )
        super().__init__(batch_shape, (p, p), validate_args=validate_args)

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:  # type: ignore[override]
        p = self._matrix.shape[-1]
        return {
            "covariance_matrix": constraints.positive_definite,
            "precision_matrix": constraints.positive_definite,
            "scale_tril": constraints.lower_cholesky,
            "df": constraints.greater_than(p - 1),
        }

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        p = self._event_shape[0]
        shapes = {name: (p, p) for name in _MATRICES}
        new = self._expanded_copy(batch_shape, {"df": (), **shapes})
        new._given, new._matrix = self._given, self._matrix
        return new

    def _df(self) -> ag.Tensor:
        return self.df.unsqueeze(-1).unsqueeze(-1)

    @property
    def _natural_params(self) -> tuple[ag.Tensor, ...]:
        p = self._event_shape[0]
        return (-0.5 * self.precision_matrix, 0.5 * self.df - 0.5 * (p + 1))

    def _log_normalizer(self, *natural_params: Any) -> ag.Tensor:
        x, y = natural_params
        p = self._event_shape[0]
        half_df = y + 0.5 * (p + 1)
        return -half_df * ag.linalg.slogdet(-x)[1] + ag.mvlgamma(half_df, p)

    @property
    def _mean_carrier_measure(self) -> Any:
        return 0

    @property
    def mean(self) -> ag.Tensor:
        return self._df() * self.covariance_matrix

    @property
    def mode(self) -> ag.Tensor:
        p = self._event_shape[0]
        factor = self._df() - p - 1
        value = factor * self.covariance_matrix
        return ag.where(factor > 0, value, ag.full_like(value, math.nan))

    @property
    def variance(self) -> ag.Tensor:
        sigma = self.covariance_matrix
        diagonal = sigma.diagonal(dim1=-2, dim2=-1)
        # Var X_ij = df (Σ_ij² + Σ_ii Σ_jj)
        return self._df() * (sigma**2 + diagonal.unsqueeze(-1) * diagonal.unsqueeze(-2))

    def _half_log_det(self) -> ag.Tensor:
        """``½ log det Σ``."""
        return self._factor.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def _bartlett(self, sample_shape: Any) -> ag.Tensor:
        p = self._event_shape[0]
        shape = (*tuple(sample_shape), *self._batch_shape)
        dtype = self.df.dtype
        chi2 = Chi2(self.df.unsqueeze(-1) - ag.arange(p, dtype=dtype), validate_args=False)
        diagonal = chi2.rsample(tuple(sample_shape)).sqrt()
        below = ag.randn((*shape, p, p), dtype=dtype).tril(-1)
        factor = self._factor @ (below + ag.diag_embed(diagonal))
        return factor @ factor.mT

    def rsample(self, sample_shape: Any = (), max_try_correction: int | None = None) -> ag.Tensor:
        """Draws by Bartlett's decomposition; a draw that is not numerically positive-definite
        is drawn again, up to ``max_try_correction`` times (3 by default)."""
        tries = 3 if max_try_correction is None else max_try_correction
        sample_shape = tuple(sample_shape)
        draws = self._bartlett(sample_shape)
        for _ in range(tries):
            singular = ag.linalg.cholesky_ex(draws.detach()).info != 0
            if not bool(singular.any()):
                return draws
            fresh = self._bartlett(sample_shape)
            draws = ag.where(singular.unsqueeze(-1).unsqueeze(-1), fresh, draws)
        if bool((ag.linalg.cholesky_ex(draws.detach()).info != 0).any()):
            warnings.warn("Singular sample detected.", stacklevel=2)
        return draws

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        p = self._event_shape[0]
        df = self.df
        # log |det X| rather than a Cholesky factor's diagonal: unvalidated values outside the
        # positive-definite matrices give a number (as torch's), not a LinAlgError
        half_log_det_value = ag.linalg.slogdet(value).logabsdet / 2
        # tr(Σ⁻¹ X) from Σ⁻¹ X solved with the factor, not Σ⁻¹ formed: the gradient through
        # an explicit inverse cancels terms of size cond(Σ) |X| (mpmath, at seed 26438 of the
        # random comparison, with Σ of condition 2.5e5: 2e-8 relative in ∂/∂ scale_tril)
        value = ag.as_tensor(value)
        shape = ag.broadcast_shapes(tuple(value.shape), tuple(self._factor.shape))
        solved = ag.cholesky_solve(value.expand(shape), self._factor.expand(shape))
        trace = solved.diagonal(dim1=-2, dim2=-1).sum(-1)
        return (
            (df - p - 1) * half_log_det_value
            - trace / 2
            - df * p / 2 * math.log(2)
            - df * self._half_log_det()
            - _multivariate_lgamma(df / 2, p)
        )

    def entropy(self) -> ag.Tensor:
        p = self._event_shape[0]
        df = self.df
        return (
            (p + 1) * self._half_log_det()
            + p * (p + 1) / 2 * math.log(2)
            + _multivariate_lgamma(df / 2, p)
            - (df - p - 1) / 2 * _multivariate_digamma(df / 2, p)
            + df * p / 2
        )


@register_kl(Wishart, Wishart)
def _kl_wishart_wishart(p: Wishart, q: Wishart) -> ag.Tensor:
    """``KL(p ‖ q)`` for ``p = W(n, Σ)``, ``q = W(m, Ψ)`` over ``d × d`` matrices:
    ``m/2 (log det Ψ - log det Σ) + n/2 (tr(Ψ⁻¹ Σ) - d) + log Γ_d(m/2) - log Γ_d(n/2)
    + (n - m)/2 ψ_d(n/2)``, the trace from the Cholesky factors as ``‖L_Ψ⁻¹ L_Σ‖²``."""
    if p.event_shape != q.event_shape:
        # torch 2.13 fails broadcasting the two sizes (a RuntimeError) where they do not
        # broadcast, and returns a meaningless number where one is 1 × 1
        raise RuntimeError(
            "KL divergence between Wishart distributions of event shapes "
            f"{tuple(p.event_shape)} and {tuple(q.event_shape)} is not defined"
            ". Fix: compare Wishart distributions over matrices of the same size."
        )
    d = p.event_shape[0]
    n, m = p.df, q.df
    shape = ag.broadcast_shapes(tuple(p._factor.shape[:-2]), tuple(q._factor.shape[:-2]))
    ratio = ag.linalg.solve_triangular(
        q._factor.expand((*shape, d, d)), p._factor.expand((*shape, d, d)), upper=False
    )
    trace = (ratio**2).sum((-2, -1))
    return (
        m * (q._half_log_det() - p._half_log_det())
        + n / 2 * (trace - d)
        + _multivariate_lgamma(m / 2, d)
        - _multivariate_lgamma(n / 2, d)
        + (n - m) / 2 * _multivariate_digamma(n / 2, d)
    )
