"""kl_divergence of the counting families against torch.distributions in float64: values and
gradients on grids with probabilities 0 and 1, and torch's infinite, undefined and
not-implemented cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, outcome_in_each

P = np.array([0.0, 0.3, 1.0, 0.3, 0.0, 0.8])
Q = np.array([0.3, 0.0, 0.3, 1.0, 0.0, 0.6])
GEOMETRIC_P = np.array([0.3, 1.0, 0.3, 1.0, 1e-3, 0.9])
GEOMETRIC_Q = np.array([1.0, 0.3, 0.3, 1.0, 0.5, 0.2])
RATES = np.array([1.0, 2.0, 1.0, 0.5, 3.0, 0.7])


def _kl(p: Callable[..., Any], q: Callable[..., Any], k: int) -> Callable[[Any], Any]:
    def fn(lib: Any) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            D = lib.distributions
            return D.kl_divergence(p(D, *args[:k]), q(D, *args[k:]))

        return run

    return fn


CASES: dict[str, tuple[Callable[[Any], Any], list[np.ndarray]]] = {
    "Binomial": (
        _kl(lambda D, n, p: D.Binomial(n, p), lambda D, n, q: D.Binomial(n, q), 2),
        # p with more trials than q: infinite
        [np.array([3.0, 3.0, 3.0, 3.0, 3.0, 5.0]), P, np.full(6, 3.0), Q],
    ),
    "Binomial logits": (
        _kl(lambda D, x: D.Binomial(4, logits=x), lambda D, x: D.Binomial(4, logits=x), 1),
        [np.array([-2.0, 0.0, 3.0]), np.array([1.0, -1.0, 0.5])],
    ),
    "Geometric": (
        _kl(lambda D, p: D.Geometric(p), lambda D, q: D.Geometric(q), 1),
        [GEOMETRIC_P, GEOMETRIC_Q],
    ),
    "Geometric logits": (
        _kl(lambda D, x: D.Geometric(logits=x), lambda D, x: D.Geometric(logits=x), 1),
        [np.array([-2.0, 0.0, 3.0]), np.array([1.0, -1.0, 0.5])],
    ),
    "Bernoulli-Poisson": (
        _kl(lambda D, p: D.Bernoulli(p), lambda D, r: D.Poisson(r), 1),
        [P, RATES],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_kl_values_and_gradients(name: str) -> None:
    fn, inputs = CASES[name]
    check_against_torch(fn(ag), fn(torch), inputs)


def test_edge_values_as_torch() -> None:
    inf = float("inf")

    def run(lib: Any) -> list[Any]:
        D, t = lib.distributions, lib.tensor
        return [
            D.kl_divergence(D.Bernoulli(t([0.0, 1.0])), D.Poisson(t([0.0, 0.0]))).tolist(),
            D.kl_divergence(D.Bernoulli(logits=t([inf, -inf])), D.Poisson(t([1.0, 2.0]))).tolist(),
            D.kl_divergence(D.Geometric(logits=t([inf, -inf])), D.Geometric(t(0.5))).tolist(),
            D.kl_divergence(
                D.Binomial(3, logits=t([inf, -inf, 0.0])), D.Binomial(3, logits=t([0.0, 0.0, inf]))
            ).tolist(),
        ]

    theirs, mine = outcome_in_each(run)
    np.testing.assert_equal(mine, theirs)


def test_poisson_against_bounded_counts_is_infinite_over_ps_batch() -> None:
    def run(lib: Any) -> list[Any]:
        D, t = lib.distributions, lib.tensor
        rate = t([1.0, 2.0])
        return [
            D.kl_divergence(D.Poisson(rate), D.Bernoulli(t([[0.3], [0.3], [0.3]]))).tolist(),
            D.kl_divergence(D.Poisson(rate), D.Binomial(3, t(0.3))).tolist(),
        ]

    theirs, mine = outcome_in_each(run)
    assert mine == theirs == [[float("inf")] * 2] * 2


def test_binomial_with_more_trials_in_q_is_not_implemented_as_torch() -> None:
    def run(lib: Any) -> Any:
        D, t = lib.distributions, lib.tensor
        return D.kl_divergence(D.Binomial(t([3.0, 2.0]), t(0.3)), D.Binomial(t(3.0), t(0.4)))

    theirs, mine = outcome_in_each(run, (NotImplementedError,))
    assert mine == theirs == "NotImplementedError"
    with pytest.raises(NotImplementedError, match=r"q.total_count > p.total_count"):
        run(ag)
