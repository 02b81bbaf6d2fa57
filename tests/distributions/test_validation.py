"""validate_args as torch: invalid parameters and log_prob values outside the support raise
ValueError with torch's message; the repr, constraints and set_default_validate_args."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch

import arraygrad as ag
from tests.oracle import outcome_in_each

NAN = float("nan")

INVALID: dict[str, Callable[[Any], Any]] = {
    "negative scale": lambda lib: lib.distributions.Normal(
        lib.tensor([0.0, 1.0]), lib.tensor([1.0, -1.0])
    ),
    "nan log_prob": lambda lib: lib.distributions.Normal(0.0, 1.0).log_prob(lib.tensor(NAN)),
    "exponential below 0": lambda lib: lib.distributions.Exponential(lib.tensor(1.0)).log_prob(
        lib.tensor(-1.0)
    ),
    "uniform low >= high": lambda lib: lib.distributions.Uniform(lib.tensor(1.0), lib.tensor(0.0)),
    "uniform outside": lambda lib: lib.distributions.Uniform(0.0, 1.0).log_prob(lib.tensor(2.0)),
    "bernoulli value": lambda lib: lib.distributions.Bernoulli(lib.tensor(0.3)).log_prob(
        lib.tensor(0.5)
    ),
    "bernoulli probs": lambda lib: lib.distributions.Bernoulli(lib.tensor(1.3)),
    "probs and logits": lambda lib: lib.distributions.Bernoulli(lib.tensor(0.3), lib.tensor(0.3)),
    "categorical class": lambda lib: lib.distributions.Categorical(lib.tensor([0.3, 0.7])).log_prob(
        lib.tensor(2)
    ),
    "categorical probs": lambda lib: lib.distributions.Categorical(lib.tensor([-0.3, 0.7])),
    "categorical 0-d": lambda lib: lib.distributions.Categorical(lib.tensor(0.3)),
    "one hot": lambda lib: lib.distributions.OneHotCategorical(lib.tensor([0.3, 0.7])).log_prob(
        lib.tensor([1.0, 1.0])
    ),
    "shape": lambda lib: lib.distributions.Normal(lib.zeros(3), 1.0).log_prob(lib.zeros(2)),
    "not a tensor": lambda lib: lib.distributions.Normal(0.0, 1.0).log_prob(0.5),
    "lognormal scale": lambda lib: lib.distributions.LogNormal(0.0, -1.0),
    "lognormal cdf": lambda lib: lib.distributions.LogNormal(0.0, 1.0).cdf(lib.tensor(-1.0)),
    "covariance": lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2), -lib.eye(2)),
    "scale_tril": lambda lib: lib.distributions.MultivariateNormal(
        lib.zeros(2), scale_tril=lib.ones(2, 2)
    ),
    "gamma rate": lambda lib: lib.distributions.Gamma(lib.tensor(2.0), -1.0),
    "gamma concentration": lambda lib: lib.distributions.Gamma(lib.tensor([1.0, -1.0]), 1.0),
    "gamma value": lambda lib: lib.distributions.Gamma(lib.tensor(2.0), 1.0).log_prob(
        lib.tensor(-1.0)
    ),
    "gamma cdf": lambda lib: lib.distributions.Gamma(lib.tensor(2.0), 1.0).cdf(lib.tensor(-1.0)),
    "chi2 df": lambda lib: lib.distributions.Chi2(lib.tensor(-2.0)),
    "chi2 value": lambda lib: lib.distributions.Chi2(lib.tensor(2.0)).log_prob(lib.tensor(-1.0)),
    "beta concentration": lambda lib: lib.distributions.Beta(lib.tensor(-2.0), 1.0),
    "beta value": lambda lib: lib.distributions.Beta(lib.tensor(2.0), 1.0).log_prob(
        lib.tensor(1.5)
    ),
    "dirichlet 0-d": lambda lib: lib.distributions.Dirichlet(lib.tensor(1.0)),
    "dirichlet concentration": lambda lib: lib.distributions.Dirichlet(lib.tensor([1.0, -1.0])),
    "dirichlet value": lambda lib: lib.distributions.Dirichlet(lib.ones(2)).log_prob(
        lib.tensor([0.5, 0.6])
    ),
    "poisson rate": lambda lib: lib.distributions.Poisson(lib.tensor(-2.0)),
    "poisson value": lambda lib: lib.distributions.Poisson(lib.tensor(2.0)).log_prob(
        lib.tensor(0.5)
    ),
    "independent ndims": lambda lib: lib.distributions.Independent(
        lib.distributions.Normal(lib.zeros(2), 1.0), 2
    ),
}


def _message(fn: Callable[[Any], Any], lib: Any) -> str:
    with pytest.raises(ValueError) as error:
        fn(lib)
    return str(error.value)


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_arguments_raise_torchs_value_error(case: str) -> None:
    theirs = _message(INVALID[case], torch)
    mine = _message(INVALID[case], ag)
    # torch's message (but for the library's name in shapes and dtypes) first; arraygrad's
    # then names the fix
    assert mine.replace("arraygrad", "torch").startswith(theirs)


def test_validate_args_false_skips_the_checks() -> None:
    d = ag.distributions.Normal(0.0, 1.0, validate_args=False)
    assert bool(d.log_prob(ag.tensor(NAN)).isnan())
    assert float(ag.distributions.Normal(0.0, -1.0, validate_args=False).scale) == -1.0


def test_set_default_validate_args() -> None:
    try:
        ag.distributions.Distribution.set_default_validate_args(False)
        assert float(ag.distributions.Exponential(-1.0).rate) == -1.0
        with pytest.raises(ValueError):
            ag.distributions.Exponential(-1.0, validate_args=True)
    finally:
        ag.distributions.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        ag.distributions.Exponential(-1.0)
    with pytest.raises(ValueError):
        ag.distributions.Distribution.set_default_validate_args(3)  # type: ignore[arg-type]


REPRS: list[Callable[[Any], Any]] = [
    lambda lib: lib.distributions.Normal(0.0, 1.0),
    lambda lib: lib.distributions.Normal(lib.tensor([0.0, 1.0]), 1.0),
    lambda lib: lib.distributions.Bernoulli(logits=lib.tensor([0.0, 1.0])),
    lambda lib: lib.distributions.Categorical(probs=lib.tensor([0.5, 0.5])),
    lambda lib: lib.distributions.OneHotCategorical(logits=lib.tensor([0.0, 1.0])),
    lambda lib: lib.distributions.Independent(lib.distributions.Normal(lib.zeros(2), 1.0), 1),
    lambda lib: lib.distributions.Uniform(0.0, 1.0),
    lambda lib: lib.distributions.LogNormal(0.0, 1.0),
    lambda lib: lib.distributions.Gumbel(0.0, 1.0),
    lambda lib: lib.distributions.Exponential(2.0),
    lambda lib: lib.distributions.Laplace(0.0, 2.0),
    lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2), lib.eye(2)),
    lambda lib: lib.distributions.Uniform(0.0, 1.0).support,
    lambda lib: lib.distributions.Categorical(lib.tensor([0.3, 0.7])).support,
    lambda lib: (
        lib.distributions.Independent(lib.distributions.Normal(lib.zeros(2), 1.0), 1).support
    ),
    lambda lib: lib.distributions.Normal.arg_constraints,
    lambda lib: lib.distributions.Bernoulli(0.3).support,
    lambda lib: lib.distributions.Gamma(lib.tensor([1.0, 2.0]), 1.0),
    lambda lib: lib.distributions.Chi2(lib.tensor(3.0)),
    lambda lib: lib.distributions.Beta(lib.tensor(1.0), 2.0),
    lambda lib: lib.distributions.Dirichlet(lib.ones(3)),
    lambda lib: lib.distributions.Poisson(lib.tensor(2.0)),
    lambda lib: lib.distributions.Poisson.support,
    lambda lib: lib.distributions.Dirichlet.arg_constraints,
    lambda lib: (lib.distributions.Beta.arg_constraints, lib.distributions.Beta.support),
    lambda lib: (lib.distributions.Gamma.support, lib.distributions.Chi2.arg_constraints),
    lambda lib: [
        getattr(lib.distributions, name).has_rsample
        for name in ("Gamma", "Chi2", "Beta", "Dirichlet", "Poisson")
    ],
]


@pytest.mark.parametrize("index", range(len(REPRS)))
def test_repr_as_torch(index: int) -> None:
    theirs, mine = outcome_in_each(lambda lib: repr(REPRS[index](lib)))
    assert mine.replace("arraygrad", "torch") == theirs


def test_constraint_checks() -> None:
    c = ag.distributions.constraints
    x = ag.tensor([[-1.0, 0.0, 0.5], [1.0, 2.0, NAN]])
    names = ["real", "positive", "nonnegative", "unit_interval", "boolean", "simplex"]
    for name in [*names, "nonnegative_integer", "positive_integer"]:
        theirs = getattr(torch.distributions.constraints, name).check(torch.tensor(x.tolist()))
        assert getattr(c, name).check(x).tolist() == theirs.tolist(), name
    assert c.is_dependent(ag.distributions.Uniform.support)
    with pytest.raises(ValueError, match="dependent"):
        c.dependent.check(x)


EXPANDABLE: list[Callable[[Any], Any]] = [
    lambda lib: lib.distributions.Normal(lib.tensor([0.0, 1.0]), 2.0),
    lambda lib: lib.distributions.LogNormal(lib.tensor([0.0, 1.0]), 2.0),
    lambda lib: lib.distributions.Uniform(lib.tensor([0.0, 1.0]), 2.0),
    lambda lib: lib.distributions.Exponential(lib.tensor([0.5, 1.0])),
    lambda lib: lib.distributions.Gumbel(lib.tensor([0.0, 1.0]), 2.0),
    lambda lib: lib.distributions.Bernoulli(logits=lib.tensor([0.0, 1.0])),
    lambda lib: lib.distributions.Categorical(probs=lib.tensor([[0.5, 0.5], [0.2, 0.8]])),
    lambda lib: lib.distributions.OneHotCategorical(logits=lib.tensor([[0.5, 0.5], [0.2, 0.8]])),
    lambda lib: lib.distributions.Independent(lib.distributions.Normal(lib.zeros(2, 2), 1.0), 1),
    lambda lib: lib.distributions.MultivariateNormal(lib.zeros(2, 2), 2 * lib.eye(2)),
    lambda lib: lib.distributions.Gamma(lib.tensor([0.5, 1.0]), 2.0),
    lambda lib: lib.distributions.Chi2(lib.tensor([0.5, 1.0])),
    lambda lib: lib.distributions.Beta(lib.tensor([0.5, 1.0]), 2.0),
    lambda lib: lib.distributions.Dirichlet(lib.tensor([[0.5, 1.0], [2.0, 3.0]])),
    lambda lib: lib.distributions.Poisson(lib.tensor([0.5, 1.0])),
]


@pytest.mark.parametrize("index", range(len(EXPANDABLE)))
def test_expand_as_torch(index: int) -> None:
    def run(lib: Any) -> tuple[Any, ...]:
        d = EXPANDABLE[index](lib).expand((3, 2))
        value = d.sample()
        return tuple(d.batch_shape), tuple(d.event_shape), repr(d), d.log_prob(value).shape

    theirs, mine = outcome_in_each(run)
    assert str(mine).replace("arraygrad", "torch") == str(theirs)
