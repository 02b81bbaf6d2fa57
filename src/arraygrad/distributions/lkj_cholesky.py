"""The LKJ distribution over Cholesky factors of correlation matrices: the factor ``L`` of a
correlation matrix ``C = L Lᵀ`` drawn with density proportional to ``det(C)^(η - 1)``.

The rows of ``L`` are independent: row ``i`` (from 0) has ``k = i`` free entries ``x`` in
the unit ball of ``R^k`` (the diagonal entry is ``sqrt(1 - |x|²)``), with density
proportional to ``(1 - |x|²)^(β_i - 1)``, ``β_i = η + (D - 1 - i) / 2``. So ``|x|²`` is
Beta(k / 2, β_i) and ``x / |x|`` uniform on the sphere: the onion method's draws. Each
row's normaliser is ``∫ (1 - |x|²)^(β - 1) dx = π^(k/2) Γ(β) / Γ(β + k/2)``.

>>> import arraygrad as torch
>>> d = torch.distributions.LKJCholesky(2, torch.tensor(1.0))
>>> d.log_prob(torch.eye(2))
tensor(-0.6931)
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions.distribution import Distribution, broadcast_params
from arraygrad.distributions.gamma import Beta

__all__ = ["LKJCholesky"]


class LKJCholesky(Distribution):
    """LKJ(η) over lower Cholesky factors of ``dim × dim`` correlation matrices, ``η`` =
    ``concentration`` > 0 (1 gives correlation matrices uniformly; larger values favour the
    identity). Draws are not reparameterised, as torch's.

    >>> import arraygrad as torch
    >>> torch.distributions.LKJCholesky(3, 2.0).sample().shape
    arraygrad.Size([3, 3])
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "concentration": constraints.positive
    }
    support = constraints.corr_cholesky

    def __init__(
        self, dim: int, concentration: Any = 1.0, validate_args: bool | None = None
    ) -> None:
        if dim < 2:
            raise ValueError(
                f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}."
                " Fix: pass the size of the correlation matrices, dim >= 2."
            )
        self.dim = dim
        (self.concentration,) = broadcast_params(concentration)
        super().__init__(self.concentration.shape, (dim, dim), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._expanded_copy(batch_shape, {"concentration": ()})
        new.dim = self.dim
        return new

    def _row_betas(self) -> ag.Tensor:
        """``β_i`` for the rows 1 … D - 1, in a trailing dimension."""
        offsets = (self.dim - 1 - ag.arange(1, self.dim, dtype=self.concentration.dtype)) / 2
        return self.concentration.unsqueeze(-1) + offsets

    def sample(self, sample_shape: Any = ()) -> ag.Tensor:
        with ag.no_grad():
            dtype = self.concentration.dtype
            betas = self._row_betas()
            halves = ag.arange(1, self.dim, dtype=dtype) / 2
            # the squared norm of each row's free entries, 0 for the first row
            radius_sq = Beta(halves.expand(betas.shape), betas).sample(sample_shape)
            radius_sq = ag.cat([ag.zeros_like(radius_sq[..., :1]), radius_sq], -1)
            # directions uniform on each row's sphere: normalised normal vectors
            shape = (*tuple(self._extended_shape(sample_shape))[:-2], self.dim, self.dim)
            noise = ag.randn(shape, dtype=dtype).tril(-1)
            norms = (noise**2).sum(-1, keepdim=True).sqrt()
            directions = noise / ag.where(norms > 0, norms, ag.ones_like(norms))
            strict = directions * radius_sq.sqrt().unsqueeze(-1)
            # the diagonal takes the rest of each row's unit norm, kept above 0
            diagonal = (1 - radius_sq).clamp(min=ag.finfo(dtype).tiny).sqrt()
            return strict + ag.diag_embed(diagonal)

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        betas = self._row_betas()
        free = ag.arange(1, self.dim, dtype=betas.dtype)
        diagonal = value.diagonal(dim1=-2, dim2=-1)[..., 1:]
        # log of the diagonal itself, not of its square: a negative diagonal (no Cholesky
        # factor, unvalidated) gives nan, as torch's
        unnormalised = (2 * (betas - 1) * diagonal.log()).sum(-1)
        log_norm = free / 2 * math.log(math.pi) + ag.lgamma(betas) - ag.lgamma(betas + free / 2)
        return unnormalised - log_norm.sum(-1)
