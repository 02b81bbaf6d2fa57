"""Probability distributions with PyTorch's ``torch.distributions`` API: sampling (with
reparameterised, differentiable draws where the family has them), log-densities, moments,
entropies, argument validation and closed-form KL divergences.

>>> import arraygrad as torch
>>> _ = torch.manual_seed(0)
>>> d = torch.distributions.Normal(torch.tensor([0.0, 10.0]), 0.1)
>>> tuple(d.sample((5,)).shape)
(5, 2)
"""

from __future__ import annotations

from arraygrad.distributions import constraints
from arraygrad.distributions.continuous import (
    Exponential,
    Gumbel,
    Laplace,
    LogNormal,
    Normal,
    Uniform,
)
from arraygrad.distributions.counts import Binomial, Geometric, Multinomial, NegativeBinomial
from arraygrad.distributions.discrete import Bernoulli, Categorical, OneHotCategorical, Poisson
from arraygrad.distributions.distribution import Distribution
from arraygrad.distributions.gamma import Beta, Chi2, Dirichlet, Gamma
from arraygrad.distributions.kl import kl_divergence, register_kl
from arraygrad.distributions.mixture import MixtureSameFamily
from arraygrad.distributions.multivariate import Independent, MultivariateNormal
from arraygrad.distributions.studentt import StudentT

__all__ = [
    "Bernoulli",
    "Beta",
    "Binomial",
    "Categorical",
    "Chi2",
    "Dirichlet",
    "Distribution",
    "Exponential",
    "Gamma",
    "Geometric",
    "Gumbel",
    "Independent",
    "Laplace",
    "LogNormal",
    "MixtureSameFamily",
    "Multinomial",
    "MultivariateNormal",
    "NegativeBinomial",
    "Normal",
    "OneHotCategorical",
    "Poisson",
    "StudentT",
    "Uniform",
    "constraints",
    "kl_divergence",
    "register_kl",
]
