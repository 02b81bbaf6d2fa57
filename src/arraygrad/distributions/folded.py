"""The Cauchy distribution, and the half-normal and half-Cauchy distributions: a zero-centred
normal or Cauchy folded onto ``[0, inf)`` by ``|x|`` (a :class:`TransformedDistribution`
through :class:`AbsTransform`).

Folding a density symmetric about 0 doubles it on the nonnegative half-line, so
``log p(y) = log p_base(y) + log 2`` for ``y >= 0`` (and ``-inf`` below), its cdf is
``2 F_base(y) - 1`` and its entropy is the base's less ``log 2``.

>>> import arraygrad as torch
>>> torch.distributions.HalfNormal(1.0).log_prob(torch.tensor(0.0))
tensor(-0.2258)
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions.continuous import Normal, _LocationScale
from arraygrad.distributions.distribution import Distribution
from arraygrad.distributions.elementwise_transforms import AbsTransform
from arraygrad.distributions.transformed_distribution import TransformedDistribution

__all__ = ["Cauchy", "HalfCauchy", "HalfNormal"]

_LOG_TWO = math.log(2.0)


class Cauchy(_LocationScale):
    """The Cauchy (Lorentz) distribution with median ``loc`` and half-width ``scale``:
    ``p(x) = 1 / (π scale (1 + ((x - loc) / scale)²))``. It has no mean (nan) and an
    infinite variance; its entropy is ``log(4π scale)``.

    >>> import arraygrad as torch
    >>> torch.distributions.Cauchy(0.0, 1.0).cdf(torch.tensor(1.0))
    tensor(0.7500)
    """

    def _standard_draw(self, shape: Any) -> ag.Tensor:
        return ag.empty(tuple(shape), dtype=self.loc.dtype).cauchy_()

    @property
    def mean(self) -> ag.Tensor:
        return ag.full(tuple(self._extended_shape()), math.nan, dtype=self.loc.dtype)

    @property
    def mode(self) -> ag.Tensor:
        return self.loc

    @property
    def variance(self) -> ag.Tensor:
        return ag.full(tuple(self._extended_shape()), math.inf, dtype=self.loc.dtype)

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        z = (value - self.loc) / self.scale
        return -math.log(math.pi) - self.scale.log() - (z**2).log1p()

    def cdf(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return ag.atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value: Any) -> ag.Tensor:
        return ag.tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self) -> ag.Tensor:
        return math.log(4 * math.pi) + self.scale.log()


class _Folded(TransformedDistribution):
    """A zero-centred symmetric ``base`` folded by ``|x|``; subclasses give the base and the
    moments."""

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {"scale": constraints.positive}
    support: Any = constraints.nonnegative
    has_rsample = True

    def __init__(self, base: Distribution, validate_args: bool | None = None) -> None:
        super().__init__(base, AbsTransform(), validate_args=validate_args)

    @property
    def scale(self) -> ag.Tensor:
        return self.base_dist.scale  # type: ignore[attr-defined, no-any-return]

    @property
    def mode(self) -> ag.Tensor:
        return ag.zeros_like(self.scale)

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        doubled = self.base_dist.log_prob(value) + _LOG_TWO
        return ag.where(value >= 0, doubled, -math.inf)

    def cdf(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, value: Any) -> ag.Tensor:
        return self.base_dist.icdf((value + 1) / 2)

    def entropy(self) -> ag.Tensor:
        return self.base_dist.entropy() - _LOG_TWO


class HalfNormal(_Folded):
    """``|X|`` for ``X`` normal with mean 0 and deviation ``scale``: mean
    ``scale · sqrt(2/π)``, variance ``scale² (1 - 2/π)``.

    >>> import arraygrad as torch
    >>> torch.distributions.HalfNormal(torch.tensor([1.0, 2.0])).mean
    tensor([0.7979, 1.5958])
    """

    def __init__(self, scale: Any, validate_args: bool | None = None) -> None:
        # the base is not validated itself, so an invalid scale is reported as this family's
        super().__init__(Normal(0, scale, validate_args=False), validate_args=validate_args)

    @property
    def mean(self) -> ag.Tensor:
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self) -> ag.Tensor:
        return self.scale**2 * (1 - 2 / math.pi)


class HalfCauchy(_Folded):
    """``|X|`` for ``X`` Cauchy with median 0 and half-width ``scale``: infinite mean and
    variance.

    >>> import arraygrad as torch
    >>> torch.distributions.HalfCauchy(1.0).icdf(torch.tensor(0.5))
    tensor(1.)
    """

    def __init__(self, scale: Any, validate_args: bool | None = None) -> None:
        super().__init__(Cauchy(0, scale, validate_args=False), validate_args=validate_args)

    @property
    def mean(self) -> ag.Tensor:
        return ag.full(tuple(self._extended_shape()), math.inf, dtype=self.scale.dtype)

    @property
    def variance(self) -> ag.Tensor:
        return ag.full(tuple(self._extended_shape()), math.inf, dtype=self.scale.dtype)
