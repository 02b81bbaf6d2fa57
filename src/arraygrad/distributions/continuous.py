"""Continuous univariate families: Normal, LogNormal, Uniform, Exponential, Laplace (Gumbel:
:mod:`arraygrad.distributions.transformed_families`).

Every draw is reparameterised: a standard draw from arraygrad's generator (so
``manual_seed`` repeats it) moved and scaled by the parameters.

>>> import arraygrad as torch
>>> d = torch.distributions.Normal(torch.tensor([0.0, 1.0]), 2.0)
>>> d.log_prob(torch.tensor([0.0, 1.0]))
tensor([-1.6121, -1.6121])
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions.distribution import Distribution, broadcast_params
from arraygrad.distributions.elementwise_transforms import ExpTransform
from arraygrad.distributions.exp_family import ExponentialFamily
from arraygrad.distributions.transformed_distribution import TransformedDistribution

__all__ = ["Exponential", "Laplace", "LogNormal", "Normal", "Uniform"]

_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)


class _LocationScale(Distribution):
    """Shared set-up of the families with a real ``loc`` and a positive ``scale``."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "loc": constraints.real,
        "scale": constraints.positive,
    }
    support: Any = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_params(loc, scale)
        super().__init__(self.loc.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        return self._expanded_copy(batch_shape, {"loc": (), "scale": ()})

    def _standard_draw(self, shape: Any) -> ag.Tensor:
        """A draw of the family at loc 0 and scale 1."""
        raise NotImplementedError

    def rsample(self, sample_shape: Any = ()) -> ag.Tensor:
        shape = self._extended_shape(sample_shape)
        return self.loc + self.scale * self._standard_draw(shape)

    def _uniform(self, shape: Any) -> ag.Tensor:
        return ag.rand(tuple(shape), dtype=self.loc.dtype)


class Normal(_LocationScale, ExponentialFamily):
    """The normal (Gaussian) distribution with mean ``loc`` and standard deviation ``scale``.

    >>> import arraygrad as torch
    >>> torch.distributions.Normal(0.0, 1.0).cdf(torch.tensor(0.0))
    tensor(0.5000)
    """

    def _standard_draw(self, shape: Any) -> ag.Tensor:
        return ag.randn(tuple(shape), dtype=self.loc.dtype)

    @property
    def _natural_params(self) -> tuple[ag.Tensor, ...]:
        precision = self.scale.pow(-2)
        return (self.loc * precision, -0.5 * precision)

    def _log_normalizer(self, *natural_params: Any) -> ag.Tensor:
        x, y = natural_params
        return -0.25 * x.pow(2) / y + 0.5 * (-math.pi / y).log()

    @property
    def _mean_carrier_measure(self) -> Any:
        return 0

    @property
    def mean(self) -> ag.Tensor:
        return self.loc

    @property
    def mode(self) -> ag.Tensor:
        return self.loc

    @property
    def stddev(self) -> ag.Tensor:
        return self.scale

    @property
    def variance(self) -> ag.Tensor:
        return self.scale**2

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        return -0.5 * z**2 - self.scale.log() - _HALF_LOG_TWO_PI

    def cdf(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + ag.erf((value - self.loc) / (self.scale * math.sqrt(2))))

    def icdf(self, value: Any) -> ag.Tensor:
        return self.loc + self.scale * math.sqrt(2) * ag.erfinv(2 * value - 1)

    def entropy(self) -> ag.Tensor:
        return 0.5 + _HALF_LOG_TWO_PI + self.scale.log()


class Laplace(_LocationScale):
    """The Laplace (double exponential) distribution about ``loc`` with scale ``scale``.

    >>> import arraygrad as torch
    >>> torch.distributions.Laplace(0.0, 1.0).variance
    tensor(2.)
    """

    def _standard_draw(self, shape: Any) -> ag.Tensor:
        # u uniform on the open interval (-1, 1), so log1p(-|u|) stays finite
        eps = ag.finfo(self.loc.dtype).eps
        u = (2 * self._uniform(shape) - 1).clamp(min=eps - 1)
        return -u.sign() * (-u.abs()).log1p()

    @property
    def mean(self) -> ag.Tensor:
        return self.loc

    @property
    def mode(self) -> ag.Tensor:
        return self.loc

    @property
    def stddev(self) -> ag.Tensor:
        return math.sqrt(2) * self.scale

    @property
    def variance(self) -> ag.Tensor:
        return 2 * self.scale**2

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        gap = value - self.loc
        return 0.5 - 0.5 * gap.sign() * ag.expm1(-gap.abs() / self.scale)

    def icdf(self, value: Any) -> ag.Tensor:
        half = value - 0.5
        return self.loc - self.scale * half.sign() * ag.log1p(-2 * half.abs())

    def entropy(self) -> ag.Tensor:
        return 1 + (2 * self.scale).log()


class LogNormal(TransformedDistribution):
    """The distribution of ``exp(X)`` for ``X`` normal with mean ``loc`` and deviation
    ``scale``: a :class:`TransformedDistribution` of a :class:`Normal` base through
    :class:`ExpTransform`, as torch's. Its moments and entropy are the closed forms.

    >>> import arraygrad as torch
    >>> torch.distributions.LogNormal(0.0, 1.0).icdf(torch.tensor(0.5))
    tensor(1.)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "loc": constraints.real,
        "scale": constraints.positive,
    }
    support: Any = constraints.positive
    has_rsample = True  # type: ignore[assignment]

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        base = Normal(loc, scale, validate_args=validate_args)
        super().__init__(base, ExpTransform(), validate_args=validate_args)

    @property
    def loc(self) -> ag.Tensor:
        return self.base_dist.loc  # type: ignore[attr-defined, no-any-return]

    @property
    def scale(self) -> ag.Tensor:
        return self.base_dist.scale  # type: ignore[attr-defined, no-any-return]

    @property
    def mean(self) -> ag.Tensor:
        return (self.loc + self.scale**2 / 2).exp()

    @property
    def mode(self) -> ag.Tensor:
        return (self.loc - self.scale**2).exp()

    @property
    def variance(self) -> ag.Tensor:
        s2 = self.scale**2
        return ag.expm1(s2) * (2 * self.loc + s2).exp()

    def entropy(self) -> ag.Tensor:
        return self.base_dist.entropy() + self.loc


class Exponential(ExponentialFamily):
    """The exponential distribution with ``rate`` (inverse mean).

    >>> import arraygrad as torch
    >>> torch.distributions.Exponential(2.0).cdf(torch.tensor(0.0))
    tensor(0.)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_params(rate)
        super().__init__(self.rate.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        return self._expanded_copy(batch_shape, {"rate": ()})

    @property
    def _natural_params(self) -> tuple[ag.Tensor, ...]:
        return (-self.rate,)

    def _log_normalizer(self, *natural_params: Any) -> ag.Tensor:
        (x,) = natural_params
        return -(-x).log()

    @property
    def _mean_carrier_measure(self) -> Any:
        return 0

    @property
    def mean(self) -> ag.Tensor:
        return self.rate.reciprocal()

    @property
    def mode(self) -> ag.Tensor:
        return ag.zeros_like(self.rate)

    @property
    def stddev(self) -> ag.Tensor:
        return self.rate.reciprocal()

    @property
    def variance(self) -> ag.Tensor:
        return self.rate**-2

    def rsample(self, sample_shape: Any = ()) -> ag.Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        unit = ag.empty(shape, dtype=self.rate.dtype).exponential_()
        return unit / self.rate

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 1 - (-self.rate * value).exp()

    def icdf(self, value: Any) -> ag.Tensor:
        return -ag.log1p(-value) / self.rate

    def entropy(self) -> ag.Tensor:
        return 1 - self.rate.log()


class Uniform(Distribution):
    """The continuous uniform distribution on ``[low, high)``.

    >>> import arraygrad as torch
    >>> torch.distributions.Uniform(0.0, 4.0).entropy()
    tensor(1.3863)
    """

    has_rsample = True

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None) -> None:
        self.low, self.high = broadcast_params(low, high)
        super().__init__(self.low.size(), validate_args=validate_args)

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:  # type: ignore[override]
        return {
            "low": constraints.less_than(_bound(self.high)),
            "high": constraints.greater_than(_bound(self.low)),
        }

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.interval(_bound(self.low), _bound(self.high))

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        return self._expanded_copy(batch_shape, {"low": (), "high": ()})

    @property
    def mean(self) -> ag.Tensor:
        return (self.high + self.low) / 2

    @property
    def mode(self) -> ag.Tensor:
        return self.high * math.nan  # every point of the interval is a mode

    @property
    def stddev(self) -> ag.Tensor:
        return (self.high - self.low) / math.sqrt(12)

    @property
    def variance(self) -> ag.Tensor:
        return (self.high - self.low) ** 2 / 12

    def rsample(self, sample_shape: Any = ()) -> ag.Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        return self.low + ag.rand(shape, dtype=self.low.dtype) * (self.high - self.low)

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        inside = ((self.low <= value) & (self.high > value)).to(self.low.dtype)
        return inside.log() - (self.high - self.low).log()

    def cdf(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value: Any) -> ag.Tensor:
        return value * (self.high - self.low) + self.low

    def entropy(self) -> ag.Tensor:
        return (self.high - self.low).log()


def _bound(value: ag.Tensor) -> Any:
    """A bound as torch shows it in a constraint: a number for a 0-d tensor."""
    return value.item() if value.dim() == 0 else value
