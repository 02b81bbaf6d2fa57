"""Families that are a simple distribution pushed through elementwise transforms (so they are
:class:`TransformedDistribution` instances, as torch's): Weibull, Pareto, Kumaraswamy,
InverseGamma and Gumbel. Their densities, draws, cdf and icdf come from the change of variables; the
moments and entropies below are the closed forms.

- Weibull: ``scale · E^(1/concentration)`` for ``E`` standard exponential.
- Pareto: ``scale · exp(E)`` for ``E`` exponential with rate ``alpha``.
- Kumaraswamy: ``(1 - U^(1/b))^(1/a)`` for ``U`` uniform on [0, 1], ``a`` = concentration1,
  ``b`` = concentration0.
- InverseGamma: ``1 / G`` for ``G`` gamma with the same concentration and rate.
- Gumbel: ``loc - scale log(-log U)`` for ``U`` uniform on ``[tiny, 1 - eps]`` of the dtype.

>>> import arraygrad as torch
>>> torch.distributions.Pareto(1.0, 3.0).mean
tensor(1.5000)
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions.continuous import Exponential, Uniform
from arraygrad.distributions.distribution import Distribution, as_size, broadcast_params
from arraygrad.distributions.elementwise_transforms import (
    AffineTransform,
    ExpTransform,
    PowerTransform,
)
from arraygrad.distributions.gamma import Gamma
from arraygrad.distributions.transformed_distribution import TransformedDistribution

__all__ = ["Gumbel", "InverseGamma", "Kumaraswamy", "Pareto", "Weibull"]

_EULER_GAMMA = 0.5772156649015329


def _inf_where(condition: ag.Tensor, value: ag.Tensor) -> ag.Tensor:
    """``value`` with infinity where ``condition`` holds (a moment that diverges there)."""
    return ag.where(condition, ag.tensor(math.inf, dtype=value.dtype), value)


def _finite_part(shape: ag.Tensor, threshold: float) -> ag.Tensor:
    """``shape`` where it exceeds ``threshold``, else ``threshold + 1``: a moment's formula
    evaluated there stays finite, so the branch that ``_inf_where`` discards passes a zero
    gradient rather than nan."""
    return ag.where(shape > threshold, shape, ag.full_like(shape, threshold + 1))


class _Reparameterised(TransformedDistribution):
    """A transformed family named by its own parameters: ``expand`` rebuilds it from them
    (broadcast to the new batch shape), so the parameters and the base stay in step."""

    _parameter_names: ClassVar[tuple[str, ...]] = ()

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        shape = tuple(as_size(batch_shape))
        values = [getattr(self, name).expand(shape) for name in self._parameter_names]
        family: Any = type(self)
        new = family(*values, validate_args=False)
        new._validate_args = self._validate_args
        return new


class Weibull(_Reparameterised):
    """The Weibull distribution: ``cdf(x) = 1 - exp(-(x / scale)^concentration)`` on
    ``x > 0``.

    ``mode`` is ``scale ((k - 1) / k)^(1/k)`` for ``k = concentration > 1`` and 0 for
    ``k <= 1``, where the density is highest at 0 (torch 2.13 applies the first formula for
    every ``k``, which is not the mode below 1).

    >>> import arraygrad as torch
    >>> torch.distributions.Weibull(1.0, 1.0).mean
    tensor(1.)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "scale": constraints.positive,
        "concentration": constraints.positive,
    }
    support: Any = constraints.positive
    _parameter_names = ("scale", "concentration")

    def __init__(self, scale: Any, concentration: Any, validate_args: bool | None = None) -> None:
        self.scale, self.concentration = broadcast_params(scale, concentration)
        transforms = [
            PowerTransform(self.concentration.reciprocal()),
            AffineTransform(0, self.scale),
        ]
        # the base is left unvalidated, so an invalid parameter is reported as Weibull's
        base = Exponential(ag.ones_like(self.scale), validate_args=False)
        super().__init__(base, transforms, validate_args=validate_args)

    @property
    def mean(self) -> ag.Tensor:
        return self.scale * ag.lgamma(1 + self.concentration.reciprocal()).exp()

    @property
    def mode(self) -> ag.Tensor:
        k = self.concentration
        peak = self.scale * ((k - 1) / k).clamp(min=0) ** k.reciprocal()
        return ag.where(k > 1, peak, ag.zeros_like(peak))

    @property
    def variance(self) -> ag.Tensor:
        inverse = self.concentration.reciprocal()
        second = ag.lgamma(1 + 2 * inverse).exp()
        first = ag.lgamma(1 + inverse).exp()
        return self.scale**2 * (second - first**2)

    def entropy(self) -> ag.Tensor:
        k = self.concentration
        return _EULER_GAMMA * (1 - k.reciprocal()) + (self.scale / k).log() + 1


class Pareto(_Reparameterised):
    """The Pareto (type I) distribution: density ``alpha scale^alpha / x^(alpha + 1)`` on
    ``x >= scale``. The mean is infinite for ``alpha <= 1``, the variance for ``alpha <= 2``.

    >>> import arraygrad as torch
    >>> torch.distributions.Pareto(2.0, 1.0).support
    GreaterThanEq(lower_bound=2.0)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "alpha": constraints.positive,
        "scale": constraints.positive,
    }
    _parameter_names = ("scale", "alpha")

    def __init__(self, scale: Any, alpha: Any, validate_args: bool | None = None) -> None:
        self.scale, self.alpha = broadcast_params(scale, alpha)
        base = Exponential(self.alpha, validate_args=False)
        transforms = [ExpTransform(), AffineTransform(0, self.scale)]
        super().__init__(base, transforms, validate_args=validate_args)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> Any:
        bound = self.scale.item() if self.scale.dim() == 0 else self.scale
        return constraints.greater_than_eq(bound)

    @property
    def mean(self) -> ag.Tensor:
        a = _finite_part(self.alpha, 1)
        return _inf_where(self.alpha <= 1, a * self.scale / (a - 1))

    @property
    def mode(self) -> ag.Tensor:
        return self.scale

    @property
    def variance(self) -> ag.Tensor:
        a = _finite_part(self.alpha, 2)
        value = self.scale**2 * a / ((a - 1) ** 2 * (a - 2))
        return _inf_where(self.alpha <= 2, value)

    def entropy(self) -> ag.Tensor:
        return (self.scale / self.alpha).log() + self.alpha.reciprocal() + 1


def _log_beta(a: ag.Tensor, b: ag.Tensor) -> ag.Tensor:
    return ag.lgamma(a) + ag.lgamma(b) - ag.lgamma(a + b)


class Kumaraswamy(_Reparameterised):
    """The Kumaraswamy distribution on [0, 1]: ``cdf(x) = 1 - (1 - x^a)^b`` with ``a`` =
    ``concentration1`` and ``b`` = ``concentration0``. Its raw moments are
    ``E[x^n] = b B(1 + n / a, b)``.

    ``mode`` is ``((a - 1) / (a b - 1))^(1/a)`` where ``a >= 1``, ``b >= 1`` and not both
    are 1, and nan elsewhere (no single interior peak); torch 2.13 returns nan everywhere.

    >>> import arraygrad as torch
    >>> torch.distributions.Kumaraswamy(1.0, 1.0).mean
    tensor(0.5000)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "concentration1": constraints.positive,
        "concentration0": constraints.positive,
    }
    support: Any = constraints.unit_interval
    has_rsample = True
    _parameter_names = ("concentration1", "concentration0")

    def __init__(
        self, concentration1: Any, concentration0: Any, validate_args: bool | None = None
    ) -> None:
        self.concentration1, self.concentration0 = broadcast_params(concentration1, concentration0)
        base = Uniform(
            ag.zeros_like(self.concentration1),
            ag.ones_like(self.concentration1),
            validate_args=False,
        )
        # U -> U^(1/b) -> 1 - U^(1/b) -> (1 - U^(1/b))^(1/a)
        transforms = [
            PowerTransform(self.concentration0.reciprocal()),
            AffineTransform(1.0, -1.0),
            PowerTransform(self.concentration1.reciprocal()),
        ]
        super().__init__(base, transforms, validate_args=validate_args)

    def _raw_moment(self, order: int) -> ag.Tensor:
        a, b = self.concentration1, self.concentration0
        return (b.log() + _log_beta(1 + order / a, b)).exp()

    @property
    def mean(self) -> ag.Tensor:
        return self._raw_moment(1)

    @property
    def mode(self) -> ag.Tensor:
        a, b = self.concentration1, self.concentration0
        defined = (a >= 1) & (b >= 1) & ((a > 1) | (b > 1))
        ratio = ag.where(defined, (a - 1) / (a * b - 1), ag.ones_like(a))
        return ag.where(defined, ratio ** a.reciprocal(), ag.full_like(a, math.nan))

    @property
    def variance(self) -> ag.Tensor:
        return self._raw_moment(2) - self._raw_moment(1) ** 2

    def entropy(self) -> ag.Tensor:
        a, b = self.concentration1, self.concentration0
        # the harmonic number H_b = digamma(b + 1) + Euler's constant
        harmonic = ag.digamma(b + 1) + _EULER_GAMMA
        return (1 - b.reciprocal()) + (1 - a.reciprocal()) * harmonic - (a * b).log()


class InverseGamma(_Reparameterised):
    """The inverse-gamma distribution: ``1 / G`` for ``G`` gamma with ``concentration`` and
    ``rate``, density ``rate^c / Γ(c) x^(-c - 1) exp(-rate / x)``. The mean is infinite for
    ``c <= 1``, the variance for ``c <= 2``.

    >>> import arraygrad as torch
    >>> torch.distributions.InverseGamma(3.0, 2.0).mean
    tensor(1.)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "concentration": constraints.positive,
        "rate": constraints.positive,
    }
    support: Any = constraints.positive
    has_rsample = True
    _parameter_names = ("concentration", "rate")

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        base = Gamma(concentration, rate, validate_args=validate_args)
        exponent = ag.tensor(-1.0, dtype=base.rate.dtype)
        super().__init__(base, PowerTransform(exponent), validate_args=validate_args)

    @property
    def concentration(self) -> ag.Tensor:
        return self.base_dist.concentration  # type: ignore[attr-defined, no-any-return]

    @property
    def rate(self) -> ag.Tensor:
        return self.base_dist.rate  # type: ignore[attr-defined, no-any-return]

    @property
    def mean(self) -> ag.Tensor:
        c = _finite_part(self.concentration, 1)
        return _inf_where(self.concentration <= 1, self.rate / (c - 1))

    @property
    def mode(self) -> ag.Tensor:
        return self.rate / (self.concentration + 1)

    @property
    def variance(self) -> ag.Tensor:
        c = _finite_part(self.concentration, 2)
        value = self.rate**2 / ((c - 1) ** 2 * (c - 2))
        return _inf_where(self.concentration <= 2, value)

    def entropy(self) -> ag.Tensor:
        c = self.concentration
        return c + self.rate.log() + ag.lgamma(c) - (1 + c) * ag.digamma(c)


class Gumbel(_Reparameterised):
    """The Gumbel (type-I extreme value) distribution with location ``loc`` and ``scale``:
    ``cdf(x) = exp(-exp(-(x - loc) / scale))``. As torch's, a base uniform on ``[tiny, 1 -
    eps]`` (of ``loc``'s dtype) through ``log``, negation, ``log`` and ``loc - scale x``: its
    draws, ``cdf`` and ``icdf`` are the transforms'; ``log_prob`` (which the transforms would
    compute less precisely), the moments and the entropy are the closed forms.

    >>> import arraygrad as torch
    >>> torch.distributions.Gumbel(0.0, 1.0).mode
    tensor(0.)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "loc": constraints.real,
        "scale": constraints.positive,
    }
    support: Any = constraints.real
    _parameter_names = ("loc", "scale")

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_params(loc, scale)
        info = ag.finfo(self.loc.dtype)
        base = Uniform(
            ag.full_like(self.loc, info.tiny),
            ag.full_like(self.loc, 1 - info.eps),
            validate_args=validate_args,
        )
        transforms = [
            ExpTransform().inv,
            AffineTransform(0, -ag.ones_like(self.scale)),
            ExpTransform().inv,
            AffineTransform(self.loc, -self.scale),
        ]
        super().__init__(base, transforms, validate_args=validate_args)

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        y = (self.loc - value) / self.scale
        return (y - y.exp()) - self.scale.log()

    @property
    def mean(self) -> ag.Tensor:
        return self.loc + self.scale * _EULER_GAMMA

    @property
    def mode(self) -> ag.Tensor:
        return self.loc

    @property
    def stddev(self) -> ag.Tensor:
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self) -> ag.Tensor:
        return self.stddev**2

    def entropy(self) -> ag.Tensor:
        return self.scale.log() + (1 + _EULER_GAMMA)
