"""kl_divergence across every pair of continuous families torch registers a closed form for,
against torch.distributions in float64 (values, infinities and gradients), and a check that
every pair torch registers between families arraygrad has is registered here too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.distributions.kl

import arraygrad as ag
from arraygrad.distributions import kl as ag_kl
from tests.oracle import check_against_torch, outcome_in_each

RNG = np.random.default_rng(29)
REAL = RNG.standard_normal((2, 3))
POS = RNG.uniform(0.5, 2.0, (3,))
# a (2, 3) batch of intervals: the first row inside [0, 1]; the second has one interval
# around [0, 1], one reaching below 0 and one inside it
LOW = np.array([[0.1, 0.2, 0.3], [-0.5, -0.2, 0.3]])
WIDTH = np.array([[0.5, 0.6, 0.4], [2.0, 0.6, 0.4]])

FAMILIES: dict[str, tuple[Callable[..., Any], list[np.ndarray]]] = {
    "Normal": (lambda d, a, b: d.Normal(a, b), [REAL, POS]),
    "Laplace": (lambda d, a, b: d.Laplace(a, b), [REAL[::-1], POS[::-1]]),
    "Gumbel": (lambda d, a, b: d.Gumbel(a, b), [REAL * 0.5, POS + 0.5]),
    "Exponential": (lambda d, r: d.Exponential(r), [POS]),
    "Uniform": (lambda d, lo, w: d.Uniform(lo, lo + w), [LOW, WIDTH]),
    "Gamma": (lambda d, c, r: d.Gamma(c, r), [POS + REAL**2, POS[::-1]]),
    "Beta": (lambda d, a, b: d.Beta(a, b), [POS + REAL**2, POS[::-1] + 0.3]),
    # shapes on both sides of 1 and 2, where the mean and the variance become infinite
    "Pareto": (lambda d, s, a: d.Pareto(s, a), [POS[::-1] * 0.2, np.array([0.7, 1.5, 2.5])]),
    # one parameter within torch's default lims (0.499, 0.501) of 1/2, where series are used
    "ContinuousBernoulli": (
        lambda d, p: d.ContinuousBernoulli(p),
        [np.array([[0.2, 0.4995, 0.9], [0.6, 0.05, 0.35]])],
    ),
}


# the pairs torch registers among these families that involve one of the families this
# module adds to test_kl.py's grid (Gamma and Beta with themselves are tested there)
NEW = {"Gamma", "Beta", "Pareto", "ContinuousBernoulli"}
PAIRS = sorted(
    (p.__name__, q.__name__)
    for p, q in torch.distributions.kl._KL_REGISTRY
    if {p.__name__, q.__name__} <= set(FAMILIES)
    and {p.__name__, q.__name__} & NEW
    and (p.__name__, q.__name__) not in {("Gamma", "Gamma"), ("Beta", "Beta")}
)


@pytest.mark.parametrize(("p_name", "q_name"), PAIRS)
def test_kl_divergence_across_families_as_torch(p_name: str, q_name: str) -> None:
    (make_p, p_params), (make_q, q_params) = FAMILIES[p_name], FAMILIES[q_name]
    k = len(p_params)

    def split(lib: Any) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            d = lib.distributions
            return d.kl_divergence(make_p(d, *args[:k]), make_q(d, *args[k:]))

        return run

    inputs = [np.ascontiguousarray(a) for a in [*p_params, *q_params]]
    # torch's value (infinity where q lacks p's support), and its gradients
    theirs, _ = outcome_in_each(
        lambda lib: split(lib)(*map(lib.tensor, inputs)), (NotImplementedError, IndexError)
    )
    if theirs == "IndexError":
        # torch 2.13 writes its infinities through a mask of p's batch shape alone, which
        # fails when q's batch is larger; with p's parameters broadcast to it, it computes
        shape = np.broadcast_shapes(*(a.shape for a in inputs))
        inputs = [np.ascontiguousarray(np.broadcast_to(a, shape)) for a in inputs]
    check_against_torch(split(ag), split(torch), inputs)


def test_every_pair_torch_registers_between_families_arraygrad_has_is_registered() -> None:
    ours = {(p.__name__, q.__name__) for p, q in ag_kl._REGISTRY}
    missing = [
        (p.__name__, q.__name__)
        for p, q in torch.distributions.kl._KL_REGISTRY
        if hasattr(ag.distributions, p.__name__)
        and hasattr(ag.distributions, q.__name__)
        and (p.__name__, q.__name__) not in ours
    ]
    assert not missing


# the families added last (the relaxations, the low-rank normal, the F, von Mises, LKJ and
# Wishart distributions): the check above covers them only if arraygrad exports them under
# torch's names
ADDED = [
    "FisherSnedecor",
    "LKJCholesky",
    "LogisticNormal",
    "LowRankMultivariateNormal",
    "OneHotCategoricalStraightThrough",
    "RelaxedBernoulli",
    "RelaxedOneHotCategorical",
    "VonMises",
    "Wishart",
]


def test_the_registry_check_covers_the_added_families() -> None:
    assert all(hasattr(ag.distributions, name) for name in ADDED)
    covered = {
        (p.__name__, q.__name__)
        for p, q in torch.distributions.kl._KL_REGISTRY
        if {p.__name__, q.__name__} & set(ADDED)
    }
    # torch registers closed forms for the low-rank normal alone among them
    assert covered == {
        ("LowRankMultivariateNormal", "LowRankMultivariateNormal"),
        ("LowRankMultivariateNormal", "MultivariateNormal"),
        ("MultivariateNormal", "LowRankMultivariateNormal"),
    }
    ours = {(p.__name__, q.__name__) for p, q in ag_kl._REGISTRY}
    assert covered <= ours


def test_kl_of_added_families_dispatches_as_torch() -> None:
    """Pairs torch has no closed form for fail alike; a straight-through one-hot categorical
    takes OneHotCategorical's, as a subclass."""

    def kl(lib: Any) -> Any:
        d = lib.distributions
        p = d.OneHotCategoricalStraightThrough(lib.tensor([0.2, 0.8]))
        q = d.OneHotCategorical(lib.tensor([0.5, 0.5]))
        return round(float(d.kl_divergence(p, q)), 10)

    theirs, mine = outcome_in_each(kl, (NotImplementedError,))
    assert mine == theirs

    def unregistered(lib: Any) -> Any:
        d = lib.distributions
        return d.kl_divergence(d.FisherSnedecor(2.0, 3.0), d.FisherSnedecor(3.0, 3.0))

    assert outcome_in_each(unregistered, (NotImplementedError,)) == ("NotImplementedError",) * 2


def test_every_public_name_of_torch_distributions_is_exported() -> None:
    missing = set(torch.distributions.__all__) - set(ag.distributions.__all__)
    assert missing == set()
    for name in torch.distributions.__all__:
        assert hasattr(ag.distributions, name), name
