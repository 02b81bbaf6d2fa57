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

from arraygrad.distributions import constraints, transforms
from arraygrad.distributions.constraint_registry import biject_to, transform_to
from arraygrad.distributions.continuous import (
    Exponential,
    Gumbel,
    Laplace,
    LogNormal,
    Normal,
    Uniform,
)
from arraygrad.distributions.continuous_bernoulli import ContinuousBernoulli
from arraygrad.distributions.counts import Binomial, Geometric, Multinomial, NegativeBinomial
from arraygrad.distributions.discrete import Bernoulli, Categorical, OneHotCategorical, Poisson
from arraygrad.distributions.distribution import Distribution
from arraygrad.distributions.folded import Cauchy, HalfCauchy, HalfNormal
from arraygrad.distributions.gamma import Beta, Chi2, Dirichlet, Gamma
from arraygrad.distributions.kl import kl_divergence, register_kl
from arraygrad.distributions.mixture import MixtureSameFamily
from arraygrad.distributions.multivariate import Independent, MultivariateNormal
from arraygrad.distributions.studentt import StudentT
from arraygrad.distributions.transformed_distribution import TransformedDistribution
from arraygrad.distributions.transformed_families import InverseGamma, Kumaraswamy, Pareto, Weibull
from arraygrad.distributions.transforms import (
    AbsTransform,
    AffineTransform,
    ComposeTransform,
    ExpTransform,
    IndependentTransform,
    PowerTransform,
    ReshapeTransform,
    SigmoidTransform,
    SoftmaxTransform,
    SoftplusTransform,
    StickBreakingTransform,
    TanhTransform,
    Transform,
    identity_transform,
)

__all__ = [
    "AbsTransform",
    "AffineTransform",
    "Bernoulli",
    "Beta",
    "Binomial",
    "Categorical",
    "Cauchy",
    "Chi2",
    "ComposeTransform",
    "ContinuousBernoulli",
    "Dirichlet",
    "Distribution",
    "ExpTransform",
    "Exponential",
    "Gamma",
    "Geometric",
    "Gumbel",
    "HalfCauchy",
    "HalfNormal",
    "Independent",
    "IndependentTransform",
    "InverseGamma",
    "Kumaraswamy",
    "Laplace",
    "LogNormal",
    "MixtureSameFamily",
    "Multinomial",
    "MultivariateNormal",
    "NegativeBinomial",
    "Normal",
    "OneHotCategorical",
    "Pareto",
    "Poisson",
    "PowerTransform",
    "ReshapeTransform",
    "SigmoidTransform",
    "SoftmaxTransform",
    "SoftplusTransform",
    "StickBreakingTransform",
    "StudentT",
    "TanhTransform",
    "Transform",
    "TransformedDistribution",
    "Uniform",
    "Weibull",
    "biject_to",
    "constraints",
    "identity_transform",
    "kl_divergence",
    "register_kl",
    "transform_to",
    "transforms",
]
