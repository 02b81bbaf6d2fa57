"""The Fisher-Snedecor (F) distribution: the ratio ``(A / df1) / (B / df2)`` of two
independent chi-squared variables ``A``, ``B`` over their degrees of freedom.

>>> import arraygrad as torch
>>> torch.distributions.FisherSnedecor(3.0, 6.0).mean
tensor(1.5000)
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions.distribution import Distribution, broadcast_params
from arraygrad.distributions.gamma import Gamma

__all__ = ["FisherSnedecor"]


def _nan_unless(condition: ag.Tensor, value: ag.Tensor) -> ag.Tensor:
    return ag.where(condition, value, ag.full_like(value, math.nan))


class FisherSnedecor(Distribution):
    """The F distribution with ``df1`` and ``df2`` degrees of freedom, density
    ``x^(d1/2 - 1) (d1/d2)^(d1/2) (1 + d1 x / d2)^(-(d1 + d2)/2) / B(d1/2, d2/2)`` on
    ``x > 0``. Draws are reparameterised through the two gamma draws: ``A / df1`` is
    Gamma(df1 / 2, rate df1 / 2). The mean is nan for ``df2 <= 2``, the variance for
    ``df2 <= 4`` and the mode for ``df1 <= 2``, as torch's.

    >>> import arraygrad as torch
    >>> torch.distributions.FisherSnedecor(4.0, 4.0).mode
    tensor(0.3333)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "df1": constraints.positive,
        "df2": constraints.positive,
    }
    support = constraints.positive
    has_rsample = True

    def __init__(self, df1: Any, df2: Any, validate_args: bool | None = None) -> None:
        self.df1, self.df2 = broadcast_params(df1, df2)
        self._numerator = Gamma(self.df1 / 2, self.df1 / 2, validate_args=False)
        self._denominator = Gamma(self.df2 / 2, self.df2 / 2, validate_args=False)
        super().__init__(self.df1.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._expanded_copy(batch_shape, {"df1": (), "df2": ()})
        new._numerator = self._numerator.expand(batch_shape)
        new._denominator = self._denominator.expand(batch_shape)
        return new

    @property
    def mean(self) -> ag.Tensor:
        d2 = self.df2
        return _nan_unless(d2 > 2, d2 / (d2 - 2))

    @property
    def mode(self) -> ag.Tensor:
        d1, d2 = self.df1, self.df2
        return _nan_unless(d1 > 2, (d1 - 2) / d1 * d2 / (d2 + 2))

    @property
    def variance(self) -> ag.Tensor:
        d1, d2 = self.df1, self.df2
        value = 2 * d2**2 * (d1 + d2 - 2) / (d1 * (d2 - 2) ** 2 * (d2 - 4))
        return _nan_unless(d2 > 4, value)

    def rsample(self, sample_shape: Any = ()) -> ag.Tensor:
        tiny = ag.finfo(self.df1.dtype).tiny
        top = self._numerator.rsample(sample_shape)
        # a gamma draw can underflow to 0: keep the ratio finite and inside the support
        bottom = self._denominator.rsample(sample_shape).clamp(min=tiny)
        return (top / bottom).clamp(min=tiny)

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        half1, half2 = self.df1 / 2, self.df2 / 2
        ratio = self.df1 / self.df2
        log_norm = ag.lgamma(half1 + half2) - ag.lgamma(half1) - ag.lgamma(half2)
        return (
            log_norm
            + half1 * ratio.log()
            + (half1 - 1) * value.log()
            - (half1 + half2) * (ratio * value).log1p()
        )
