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

import importlib as _importlib
from typing import TYPE_CHECKING

from arraygrad.distributions import constraints, transforms

# imported for its side effect: registering the low-rank normals' KL pairs
from arraygrad.distributions import kl_multivariate as _kl_multivariate  # noqa: F401
from arraygrad.distributions.constraint_registry import biject_to, transform_to
from arraygrad.distributions.continuous import (
    Exponential,
    Laplace,
    LogNormal,
    Normal,
    Uniform,
)
from arraygrad.distributions.continuous_bernoulli import ContinuousBernoulli
from arraygrad.distributions.counts import Binomial, Geometric, Multinomial, NegativeBinomial
from arraygrad.distributions.discrete import (
    Bernoulli,
    Categorical,
    OneHotCategorical,
    OneHotCategoricalStraightThrough,
    Poisson,
)
from arraygrad.distributions.distribution import Distribution
from arraygrad.distributions.exp_family import ExponentialFamily
from arraygrad.distributions.fishersnedecor import FisherSnedecor
from arraygrad.distributions.folded import Cauchy, HalfCauchy, HalfNormal
from arraygrad.distributions.gamma import Beta, Chi2, Dirichlet, Gamma
from arraygrad.distributions.generalized_pareto import GeneralizedPareto
from arraygrad.distributions.kl import kl_divergence, register_kl
from arraygrad.distributions.lkj_cholesky import LKJCholesky
from arraygrad.distributions.logistic_normal import LogisticNormal
from arraygrad.distributions.lowrank_multivariate_normal import LowRankMultivariateNormal
from arraygrad.distributions.mixture import MixtureSameFamily
from arraygrad.distributions.multivariate import Independent, MultivariateNormal
from arraygrad.distributions.relaxed_bernoulli import RelaxedBernoulli
from arraygrad.distributions.relaxed_categorical import RelaxedOneHotCategorical
from arraygrad.distributions.studentT import StudentT
from arraygrad.distributions.transformed_distribution import TransformedDistribution
from arraygrad.distributions.transformed_families import (
    Gumbel,
    InverseGamma,
    Kumaraswamy,
    Pareto,
    Weibull,
)
from arraygrad.distributions.transforms import (
    AbsTransform,
    AffineTransform,
    CatTransform,
    ComposeTransform,
    CorrCholeskyTransform,
    CumulativeDistributionTransform,
    ExpTransform,
    IndependentTransform,
    LowerCholeskyTransform,
    PositiveDefiniteTransform,
    PowerTransform,
    ReshapeTransform,
    SigmoidTransform,
    SoftmaxTransform,
    SoftplusTransform,
    StackTransform,
    StickBreakingTransform,
    TanhTransform,
    Transform,
    identity_transform,
)
from arraygrad.distributions.von_mises import VonMises
from arraygrad.distributions.wishart import Wishart

if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "AbsTransform",
    "AffineTransform",
    "Bernoulli",
    "Beta",
    "Binomial",
    "CatTransform",
    "Categorical",
    "Cauchy",
    "Chi2",
    "ComposeTransform",
    "ContinuousBernoulli",
    "CorrCholeskyTransform",
    "CumulativeDistributionTransform",
    "Dirichlet",
    "Distribution",
    "ExpTransform",
    "Exponential",
    "ExponentialFamily",
    "FisherSnedecor",
    "Gamma",
    "GeneralizedPareto",
    "Geometric",
    "Gumbel",
    "HalfCauchy",
    "HalfNormal",
    "Independent",
    "IndependentTransform",
    "InverseGamma",
    "Kumaraswamy",
    "LKJCholesky",
    "Laplace",
    "LogNormal",
    "LogisticNormal",
    "LowRankMultivariateNormal",
    "LowerCholeskyTransform",
    "MixtureSameFamily",
    "Multinomial",
    "MultivariateNormal",
    "NegativeBinomial",
    "Normal",
    "OneHotCategorical",
    "OneHotCategoricalStraightThrough",
    "Pareto",
    "Poisson",
    "PositiveDefiniteTransform",
    "PowerTransform",
    "RelaxedBernoulli",
    "RelaxedOneHotCategorical",
    "ReshapeTransform",
    "SigmoidTransform",
    "SoftmaxTransform",
    "SoftplusTransform",
    "StackTransform",
    "StickBreakingTransform",
    "StudentT",
    "TanhTransform",
    "Transform",
    "TransformedDistribution",
    "Uniform",
    "VonMises",
    "Weibull",
    "Wishart",
    "biject_to",
    "constraints",
    "identity_transform",
    "kl_divergence",
    "register_kl",
    "transform_to",
    "transforms",
]

# Importing a module of this package binds its name here; these modules are arraygrad's own
# grouping of the families (torch.distributions has one module per family, see below), so
# they are unbound again. Import them by their full path.
for _module in (
    "continuous",
    "counts",
    "discrete",
    "elementwise_transforms",
    "folded",
    "joined_transforms",
    "kl_multivariate",
    "matrix_transforms",
    "mixture",
    "multivariate",
    "simplex_transforms",
    "transform_base",
    "transformed_families",
):
    del globals()[_module]
del _module

# torch's per-family import paths (``torch.distributions.normal`` ...) and ``utils``: thin
# modules, imported on first use so that ``import arraygrad`` does not load them
_SUBMODULES = frozenset(
    {
        "bernoulli",
        "beta",
        "binomial",
        "categorical",
        "cauchy",
        "chi2",
        "dirichlet",
        "exponential",
        "geometric",
        "gumbel",
        "half_cauchy",
        "half_normal",
        "independent",
        "inverse_gamma",
        "kumaraswamy",
        "laplace",
        "log_normal",
        "mixture_same_family",
        "multinomial",
        "multivariate_normal",
        "negative_binomial",
        "normal",
        "one_hot_categorical",
        "pareto",
        "poisson",
        "uniform",
        "utils",
        "weibull",
    }
)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
