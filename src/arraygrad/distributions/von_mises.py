"""The von Mises distribution, a normal distribution wrapped onto the circle: density
``exp(κ cos(x - loc)) / (2π I₀(κ))`` for angles ``x``, with ``κ`` the concentration and
``I₀`` the modified Bessel function of order 0.

Draws come from Best and Fisher's (1979) rejection sampler: a wrapped Cauchy proposal
accepted with the ratio of the densities, returned in [-π, π).

>>> import arraygrad as torch
>>> d = torch.distributions.VonMises(torch.tensor(0.0), torch.tensor(1.0))
>>> d.log_prob(torch.tensor(0.0))
tensor(-1.0738)
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions.distribution import Distribution, broadcast_params, cached_with_grad

__all__ = ["VonMises"]


def _log_bessel_i0(kappa: ag.Tensor) -> ag.Tensor:
    """``log I₀(κ)`` through the scaled function ``I₀(κ) e^(-κ)``, which does not overflow."""
    return ag.special.i0e(kappa).log() + kappa


def _best_fisher(loc: ag.Tensor, kappa: ag.Tensor) -> ag.Tensor:
    """One accepted draw per entry of the (equal-shaped) ``loc`` and ``kappa``, computed in
    float64 and returned in [-π, π)."""
    kappa = kappa.double()
    tau = 1 + (1 + 4 * kappa**2).sqrt()
    # rho = (tau - sqrt(2 tau)) / (2 kappa), rewritten without the cancellation at small kappa
    rho = 2 * kappa / (tau + (2 * tau).sqrt())
    r = (1 + rho**2) / (2 * rho)
    result = ag.zeros_like(kappa)
    pending = ag.ones_like(kappa, dtype=ag.bool)
    while bool(pending.any()):
        u1, u2, u3 = (ag.rand(tuple(kappa.shape), dtype=ag.float64) for _ in range(3))
        z = (math.pi * u1).cos()
        f = (1 + r * z) / (r + z)
        c = kappa * (r - f)
        # the cheap squeeze test first; the exact test (log(c / u2) + 1 - c >= 0) otherwise
        accept = (c * (2 - c) - u2 > 0) | ((c / u2).log() + 1 - c >= 0)
        theta = ag.where(u3 > 0.5, f.clamp(-1, 1).acos(), -f.clamp(-1, 1).acos())
        result = ag.where(pending & accept, theta, result)
        pending = pending & ~accept
    shifted = result + loc.double() + math.pi
    return (shifted.remainder(2 * math.pi) - math.pi).to(loc.dtype)


class VonMises(Distribution):
    """The von Mises (circular normal) distribution with mean direction ``loc`` and
    ``concentration`` κ > 0. ``variance`` is the circular variance ``1 - I₁(κ) / I₀(κ)``;
    draws are not reparameterised (there is no ``rsample``), as torch's.

    >>> import arraygrad as torch
    >>> torch.distributions.VonMises(0.0, 1.0).variance
    tensor(0.5536)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "loc": constraints.real,
        "concentration": constraints.positive,
    }
    support = constraints.real
    has_rsample = False

    def __init__(self, loc: Any, concentration: Any, validate_args: bool | None = None) -> None:
        self.loc, self.concentration = broadcast_params(loc, concentration)
        super().__init__(self.loc.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        return self._expanded_copy(batch_shape, {"loc": (), "concentration": ()})

    @property
    def mean(self) -> ag.Tensor:
        return self.loc

    @property
    def mode(self) -> ag.Tensor:
        return self.loc

    @cached_with_grad
    def variance(self) -> ag.Tensor:
        kappa = self.concentration
        # the ratio of the scaled functions is the ratio of the functions
        return 1 - ag.special.i1e(kappa) / ag.special.i0e(kappa)

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        kappa = self.concentration
        return kappa * (value - self.loc).cos() - math.log(2 * math.pi) - _log_bessel_i0(kappa)

    def sample(self, sample_shape: Any = ()) -> ag.Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        with ag.no_grad():
            return _best_fisher(self.loc.expand(shape), self.concentration.expand(shape))

    def rsample(self, sample_shape: Any = ()) -> ag.Tensor:
        raise NotImplementedError
