"""KL divergences between the normal families over vectors with a low-rank covariance:
LowRankMultivariateNormal with itself and with MultivariateNormal either way (registered
with :func:`.kl.register_kl` on import; MultivariateNormal with itself is in :mod:`.kl`).

For normals ``p`` and ``q`` over ``n``-vectors,
``KL(p ‖ q) = ½ [tr(Σq⁻¹ Σp) + (μq - μp)ᵀ Σq⁻¹ (μq - μp) - n] + ½ log det Σq - ½ log det Σp``.
Both quadratic terms are ``tr(Mᵀ Σq⁻¹ M)``: with ``M`` a square root of ``Σp`` (its Cholesky
factor, or ``[W, D^½]`` for a low-rank one) and with ``M = μq - μp``.

>>> import arraygrad as torch
>>> D = torch.distributions
>>> p = D.LowRankMultivariateNormal(torch.zeros(2), torch.zeros(2, 1), torch.ones(2))
>>> D.kl_divergence(p, D.MultivariateNormal(torch.zeros(2), torch.eye(2)))
tensor(0.)
"""

from __future__ import annotations

from typing import Any

import arraygrad as ag
from arraygrad.distributions.kl import register_kl
from arraygrad.distributions.lowrank_multivariate_normal import LowRankMultivariateNormal
from arraygrad.distributions.multivariate import MultivariateNormal

__all__: list[str] = []


def _root(p: Any) -> ag.Tensor:
    """A matrix ``S`` with ``S Sᵀ = Σp``."""
    if isinstance(p, MultivariateNormal):
        return p._factor
    return p._root()  # type: ignore[no-any-return]


def _inverse_quadratic(q: Any, matrix: ag.Tensor) -> ag.Tensor:
    """``tr(Mᵀ Σq⁻¹ M)`` for ``M`` of shape ``(..., n, k)``."""
    if isinstance(q, LowRankMultivariateNormal):
        return q._inverse_quadratic(matrix)
    shape = ag.broadcast_shapes(tuple(matrix.shape[:-2]), tuple(q._factor.shape[:-2]))
    n = q.event_shape[0]
    factor = q._factor.expand((*shape, n, n))
    solved = ag.linalg.solve_triangular(
        factor, matrix.expand((*shape, *matrix.shape[-2:])), upper=False
    )
    return (solved**2).sum((-2, -1))


def _kl_normals(p: Any, q: Any, names: str) -> ag.Tensor:
    if p.event_shape != q.event_shape:
        raise ValueError(
            f"KL-divergence between two {names} with different event shapes cannot be computed"
            f" (got {list(p.event_shape)} and {list(q.event_shape)}). Fix: compare "
            "distributions over vectors of the same size."
        )
    n = p.event_shape[0]
    trace = _inverse_quadratic(q, _root(p))
    mahalanobis = _inverse_quadratic(q, (q.loc - p.loc).unsqueeze(-1))
    value = q._half_log_det() - p._half_log_det() + 0.5 * (trace + mahalanobis - n)
    shape = ag.broadcast_shapes(tuple(p.batch_shape), tuple(q.batch_shape))
    return value.expand(tuple(shape))


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
def _kl_lowrank_lowrank(p: LowRankMultivariateNormal, q: LowRankMultivariateNormal) -> ag.Tensor:
    return _kl_normals(p, q, "Low Rank Multivariate Normals")


@register_kl(MultivariateNormal, LowRankMultivariateNormal)
def _kl_mvn_lowrank(p: MultivariateNormal, q: LowRankMultivariateNormal) -> ag.Tensor:
    return _kl_normals(p, q, "(Low Rank) Multivariate Normals")


@register_kl(LowRankMultivariateNormal, MultivariateNormal)
def _kl_lowrank_mvn(p: LowRankMultivariateNormal, q: MultivariateNormal) -> ag.Tensor:
    return _kl_normals(p, q, "(Low Rank) Multivariate Normals")
