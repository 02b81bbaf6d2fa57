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
from arraygrad.distributions.discrete import Bernoulli, Categorical, OneHotCategorical
from arraygrad.distributions.distribution import Distribution
from arraygrad.distributions.kl import kl_divergence, register_kl
from arraygrad.distributions.multivariate import Independent, MultivariateNormal

__all__ = [
    "Bernoulli",
    "Categorical",
    "Distribution",
    "Exponential",
    "Gumbel",
    "Independent",
    "Laplace",
    "LogNormal",
    "MultivariateNormal",
    "Normal",
    "OneHotCategorical",
    "Uniform",
    "constraints",
    "kl_divergence",
    "register_kl",
]
