"""The generalized Pareto distribution, the law of exceedances over a high threshold.

With ``z = (x - loc) / scale`` and shape ``concentration`` (``xi``), the survival function is
``(1 + xi z)^(-1/xi)`` (``exp(-z)`` at ``xi = 0``). Every method goes through its logarithm,
``-log1p(xi z) / xi``, which stays accurate as ``xi`` tends to 0: the density is
``(1 + xi) * log S(x) - log(scale)`` and the distribution function ``-expm1(log S(x))``.

>>> import arraygrad as torch
>>> d = torch.distributions.GeneralizedPareto(0.0, 1.0, torch.tensor([0.0, -0.5]))
>>> d.support
Interval(lower_bound=tensor([0., 0.]), upper_bound=tensor([inf, 2.]))
>>> d.cdf(torch.tensor(1.0))
tensor([0.6321, 0.7500])
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions.continuous import _bound
from arraygrad.distributions.distribution import Distribution, broadcast_params

__all__ = ["GeneralizedPareto"]


def _finite(value: ag.Tensor) -> ag.Tensor:
    """``value`` with 0 for its infinities: the derivative-carrying series terms are
    multiplied by a zero shape, and 0 * inf would turn the infinite ends into nan."""
    return ag.where(value.isfinite(), value, ag.zeros_like(value))


class GeneralizedPareto(Distribution):
    """The generalized Pareto distribution with location ``loc``, ``scale`` and shape
    ``concentration``: supported on ``[loc, inf)`` for a nonnegative concentration and on
    ``[loc, loc - scale / concentration]`` for a negative one.

    >>> import arraygrad as torch
    >>> torch.distributions.GeneralizedPareto(1.0, 2.0, 0.25).mean
    tensor(3.6667)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "loc": constraints.real,
        "scale": constraints.positive,
        "concentration": constraints.real,
    }
    has_rsample = True

    def __init__(
        self, loc: Any, scale: Any, concentration: Any, validate_args: bool | None = None
    ) -> None:
        self.loc, self.scale, self.concentration = broadcast_params(loc, scale, concentration)
        super().__init__(self.loc.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        return self._expanded_copy(batch_shape, {"loc": (), "scale": (), "concentration": ()})

    def _shape_split(self) -> tuple[ag.Tensor, ag.Tensor]:
        """Where the concentration is exactly 0, and the concentration with 1 there: the
        ``xi != 0`` forms divide by it, and the branch :func:`where` discards must stay finite
        so that it passes zero gradients."""
        at_zero = self.concentration == 0
        nonzero = ag.where(at_zero, ag.ones_like(self.concentration), self.concentration)
        return at_zero, nonzero

    def _standardized(self, value: Any) -> ag.Tensor:
        return (value - self.loc) / self.scale

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        _, xi = self._shape_split()  # xi = 0 taken as 1: no upper end either way
        finite_end = self.loc - self.scale / xi
        upper = ag.where(xi < 0, finite_end, ag.full_like(finite_end, math.inf))
        return constraints.interval(_bound(self.loc), _bound(upper))

    @property
    def mean(self) -> ag.Tensor:
        xi = self.concentration
        # 1 - xi kept positive in the discarded branch: the mean is infinite from xi = 1 on,
        # reported as nan like torch
        finite = xi < 1
        gap = ag.where(finite, 1 - xi, ag.ones_like(xi))
        return ag.where(finite, self.loc + self.scale / gap, ag.full_like(gap, math.nan))

    @property
    def variance(self) -> ag.Tensor:
        xi = self.concentration
        finite = xi < 0.5
        gap = ag.where(finite, 1 - xi, ag.ones_like(xi))
        spread = ag.where(finite, 1 - 2 * xi, ag.ones_like(xi))
        value = self.scale.pow(2) / (gap.pow(2) * spread)
        return ag.where(finite, value, ag.full_like(value, math.nan))

    @property
    def mode(self) -> ag.Tensor:
        return self.loc

    def entropy(self) -> ag.Tensor:
        return self.scale.log() + self.concentration + 1

    def rsample(self, sample_shape: Any = ()) -> ag.Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        return self.icdf(ag.rand(shape, dtype=self.loc.dtype))

    def log_survival_function(self, value: Any) -> ag.Tensor:
        """``log P(X > value)``."""
        if self._validate_args:
            self._validate_sample(value)
        z = self._standardized(value)
        at_zero, xi = self._shape_split()
        # z kept at 0 in the discarded branch, where log1p(xi z) might leave its domain
        safe_z = ag.where(at_zero, ag.zeros_like(z), z)
        # at xi = 0, the first two terms of the series in xi: the value is -z, and the
        # derivative in xi is the limit z^2 / 2 rather than 0
        series = -z + self.concentration * _finite(z).pow(2) / 2
        return ag.where(at_zero, series, -ag.log1p(xi * safe_z) / xi)

    def log_prob(self, value: Any) -> ag.Tensor:
        # the density is the hazard (1 + xi) ... times the survival function; as a log:
        return (1 + self.concentration) * self.log_survival_function(value) - self.scale.log()

    def log_cdf(self, value: Any) -> ag.Tensor:
        """``log P(X <= value)``."""
        return ag.log(-ag.expm1(self.log_survival_function(value)))

    def cdf(self, value: Any) -> ag.Tensor:
        # through the log, so that values outside the support give nan as in torch
        return self.log_cdf(value).exp()

    def icdf(self, value: Any) -> ag.Tensor:
        log_tail = ag.log1p(-value)  # log of the survival probability
        at_zero, xi = self._shape_split()
        safe_tail = ag.where(at_zero, ag.zeros_like(log_tail), log_tail)
        # at xi = 0, -L + xi L^2 / 2: the value -L with its derivative in xi (as above)
        series = -log_tail + self.concentration * _finite(log_tail).pow(2) / 2
        shifted = ag.where(at_zero, series, ag.expm1(-xi * safe_tail) / xi)
        return self.loc + self.scale * shifted
