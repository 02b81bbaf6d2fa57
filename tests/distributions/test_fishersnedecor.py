"""FisherSnedecor against torch.distributions in float64: log_prob and moments with their
gradients, shapes, expand, validation, sample statistics and the pathwise gradient of its
draws."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, outcome_in_each

RNG = np.random.default_rng(43)
# degrees of freedom on both sides of 2 and 4, where the moments become nan
DF1 = np.array([[0.7], [1.5], [3.0], [6.0]])
DF2 = np.array([1.5, 3.0, 4.5, 9.0])
VALUE = RNG.uniform(0.05, 4.0, (2, 4, 4))


def test_log_prob_values_and_gradients() -> None:
    def fn(lib: Any) -> Callable[..., Any]:
        def run(df1: Any, df2: Any, value: Any) -> Any:
            d = lib.distributions.FisherSnedecor(df1, df2)
            return d.log_prob(value), d.expand((2, 4, 4)).log_prob(value)

        return run

    check_against_torch(fn(ag), fn(torch), [DF1, DF2, VALUE])


@pytest.mark.parametrize("stat", ["mean", "variance", "stddev", "mode"])
def test_moments_as_torch(stat: str) -> None:
    def fn(lib: Any) -> Callable[..., Any]:
        return lambda df1, df2: getattr(lib.distributions.FisherSnedecor(df1, df2), stat)

    # the nan entries have no gradient to compare: values only, then gradients where finite
    check_against_torch(fn(ag), fn(torch), [DF1, DF2], grad=False)
    check_against_torch(fn(ag), fn(torch), [DF1 + 2.5, DF2 + 4.5])


def test_shapes_expand_and_support() -> None:
    def describe(lib: Any) -> tuple[Any, ...]:
        df1 = lib.tensor(DF1, requires_grad=True)
        d = lib.distributions.FisherSnedecor(df1, lib.tensor(DF2))
        bigger = d.expand((3, 4, 4))
        draw = bigger.rsample((2,))
        return (
            tuple(d.batch_shape),
            tuple(d.event_shape),
            tuple(bigger.batch_shape),
            type(bigger).__name__,
            repr(d.support),
            repr(lib.distributions.FisherSnedecor(1.0, 2.0)),
            d.has_rsample,
            tuple(draw.shape),
            draw.requires_grad,
            tuple(bigger.log_prob(draw).shape),
            bool(d.support.check(draw).all()),
        )

    assert describe(ag) == describe(torch)


def test_samples_follow_the_distribution() -> None:
    ag.manual_seed(5)
    n = 40000
    d = ag.distributions.FisherSnedecor(ag.tensor(5.0), ag.tensor(12.0))
    draws = d.sample((n,))
    assert abs(draws.mean().item() - d.mean.item()) < 5 * d.stddev.item() / np.sqrt(n)
    # the median of the draws against the density integrated on a grid
    x = np.linspace(1e-6, draws.median().item(), 100001)
    mass = np.trapezoid(d.log_prob(ag.tensor(x, dtype=ag.float32)).exp().numpy(), x)
    assert abs(mass - 0.5) < 0.01


def test_rsample_gradient_is_that_of_the_mean() -> None:
    """The average pathwise gradient of the draws with respect to ``df2`` estimates the
    derivative of the mean ``df2 / (df2 - 2)``, ``-2 / (df2 - 2)^2``; the mean does not
    depend on ``df1``."""
    ag.manual_seed(6)
    df1 = ag.tensor(6.0, dtype=ag.float64, requires_grad=True)
    df2 = ag.tensor(10.0, dtype=ag.float64, requires_grad=True)
    ag.distributions.FisherSnedecor(df1, df2).rsample((200000,)).mean().backward()
    assert abs(df2.grad.item() - (-2 / 64)) < 0.005
    assert abs(df1.grad.item()) < 0.01


INVALID: dict[str, Callable[[Any], Any]] = {
    "df1": lambda lib: lib.distributions.FisherSnedecor(lib.tensor(-1.0), 2.0),
    "df2": lambda lib: lib.distributions.FisherSnedecor(1.0, lib.tensor([2.0, 0.0])),
    "value": lambda lib: lib.distributions.FisherSnedecor(1.0, 2.0).log_prob(lib.tensor(-1.0)),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_validation_as_torch(name: str) -> None:
    theirs, mine = outcome_in_each(INVALID[name], (ValueError,))
    assert theirs == "ValueError"
    assert mine == theirs
