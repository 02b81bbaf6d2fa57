"""Student's t distribution: the heavy-tailed family of a normal draw divided by the root of an
independent chi-squared draw over its degrees of freedom.

>>> import arraygrad as torch
>>> torch.distributions.StudentT(torch.tensor(1.0)).log_prob(torch.tensor(0.0)).exp()
tensor(0.3183)
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions.distribution import Distribution, broadcast_params
from arraygrad.distributions.gamma import Chi2

__all__ = ["StudentT"]

_HALF_LOG_PI = 0.5 * math.log(math.pi)


class StudentT(Distribution):
    """Student's t with ``df`` degrees of freedom (``nu``), location ``loc`` and ``scale``:
    ``log p(x) = -(nu + 1) / 2 log(1 + y^2 / nu) - log(scale sqrt(nu) B(nu / 2, 1 / 2))`` for
    ``y = (x - loc) / scale``, with ``B`` the beta function.

    The mean ``loc`` exists for ``nu > 1`` (nan otherwise); the variance
    ``scale^2 nu / (nu - 2)`` for ``nu > 2``, is infinite for ``1 < nu <= 2`` and nan below.
    Draws are ``loc + scale * z / sqrt(c / nu)`` with ``z`` standard normal and ``c``
    chi-squared with ``nu`` degrees of freedom, reparameterised in all three parameters (the
    chi-squared through the gamma draw's implicit gradient).

    >>> import arraygrad as torch
    >>> torch.distributions.StudentT(torch.tensor([1.0, 2.0, 4.0])).variance
    tensor([nan, inf, 2.])
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "df": constraints.positive,
        "loc": constraints.real,
        "scale": constraints.positive,
    }
    support = constraints.real
    has_rsample = True

    def __init__(
        self, df: Any, loc: Any = 0.0, scale: Any = 1.0, validate_args: bool | None = None
    ) -> None:
        self.df, self.loc, self.scale = broadcast_params(df, loc, scale)
        # built (and so validated, as torch) before the t's own parameters are checked
        self._chi2 = Chi2(self.df)
        super().__init__(self.df.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._expanded_copy(batch_shape, {"df": (), "loc": (), "scale": ()})
        new._chi2 = self._chi2.expand(batch_shape)
        return new

    @property
    def mean(self) -> ag.Tensor:
        nan = ag.full_like(self.loc, math.nan)
        return ag.where(self.df > 1, self.loc, nan)

    @property
    def mode(self) -> ag.Tensor:
        return self.loc

    @property
    def variance(self) -> ag.Tensor:
        df = self.df
        finite = df > 2
        # a placeholder df where the formula does not apply keeps its gradient finite
        safe_df = ag.where(finite, df, ag.full_like(df, 3.0))
        value = self.scale**2 * safe_df / (safe_df - 2)
        infinite = ag.where(df > 1, ag.full_like(df, math.inf), ag.full_like(df, math.nan))
        return ag.where(finite, value, infinite)

    def rsample(self, sample_shape: Any = ()) -> ag.Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        z = ag.randn(shape, dtype=self.df.dtype)
        c = self._chi2.rsample(sample_shape)
        return self.loc + self.scale * z * (c / self.df).rsqrt()

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        df = self.df
        y = (value - self.loc) / self.scale
        # log(scale sqrt(nu) B(nu / 2, 1 / 2)), with B(a, 1/2) = G(a) sqrt(pi) / G(a + 1/2)
        log_norm = (
            self.scale.log()
            + 0.5 * df.log()
            + _HALF_LOG_PI
            + ag.lgamma(0.5 * df)
            - ag.lgamma(0.5 * (df + 1))
        )
        return -0.5 * (df + 1) * ag.log1p(y**2 / df) - log_norm

    def entropy(self) -> ag.Tensor:
        """``log(scale sqrt(nu) B(nu / 2, 1 / 2))
        + (nu + 1) / 2 (digamma((nu + 1) / 2) - digamma(nu / 2))``."""
        df = self.df
        half, half_next = 0.5 * df, 0.5 * (df + 1)
        log_beta = ag.lgamma(half) + _HALF_LOG_PI - ag.lgamma(half_next)  # lgamma(1/2)
        spread = half_next * (ag.digamma(half_next) - ag.digamma(half))
        return self.scale.log() + spread + 0.5 * df.log() + log_beta
