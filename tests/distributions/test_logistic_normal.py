"""LogisticNormal against torch.distributions in float64: log_prob with its gradients, the
pathwise gradients of draws pushed from the same normal noise, shapes, expand, validation
and sample statistics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, outcome_in_each

RNG = np.random.default_rng(41)
LOC = RNG.standard_normal((2, 3))
SCALE = RNG.uniform(0.5, 2.0, (3,))
VALUE = RNG.dirichlet(np.ones(4), (5, 2))


def test_log_prob_values_and_gradients() -> None:
    def fn(lib: Any) -> Callable[..., Any]:
        def run(loc: Any, scale: Any, value: Any) -> Any:
            d = lib.distributions.LogisticNormal(loc, scale)
            return d.log_prob(value), d.expand((5, 2)).log_prob(value)

        return run

    check_against_torch(fn(ag), fn(torch), [LOC, SCALE, VALUE])


def test_pathwise_gradients_on_shared_noise() -> None:
    noise = RNG.standard_normal((6, 2, 3))

    def fn(lib: Any) -> Callable[..., Any]:
        def run(loc: Any, scale: Any, eps: Any) -> Any:
            d = lib.distributions.LogisticNormal(loc, scale)
            draw = loc + scale * eps
            for transform in d.transforms:
                draw = transform(draw)
            return draw

        return run

    check_against_torch(fn(ag), fn(torch), [LOC, SCALE, noise])


@pytest.mark.parametrize("loc_shape", [(), (3,), (2, 3)])
def test_shapes_expand_and_support(loc_shape: tuple[int, ...]) -> None:
    def describe(lib: Any) -> tuple[Any, ...]:
        d = lib.distributions.LogisticNormal(lib.zeros(loc_shape, requires_grad=True), 1.5)
        bigger = d.expand((4, *d.batch_shape))
        draw = bigger.rsample((2,))
        return (
            tuple(d.batch_shape),
            tuple(d.event_shape),
            tuple(bigger.batch_shape),
            type(bigger).__name__,
            isinstance(bigger, lib.distributions.TransformedDistribution),
            repr(d.support),
            repr(d),
            d.has_rsample,
            tuple(draw.shape),
            draw.requires_grad,
            tuple(bigger.log_prob(draw).shape),
            tuple(d.loc.shape),
            tuple(bigger.scale.shape),
            bool(d.support.check(draw).all()),
        )

    assert describe(ag) == describe(torch)


def test_samples_follow_the_distribution() -> None:
    """The log-ratios of a draw's coordinates to the last one's follow from the stick
    breaking: the first is ``x_0 - log(K - 1)`` for ``x_0`` the first normal coordinate."""
    ag.manual_seed(4)
    n = 40000
    d = ag.distributions.LogisticNormal(ag.tensor([0.5, -1.0, 2.0]), ag.tensor([1.0, 0.5, 2.0]))
    draws = d.sample((n,))
    first = (draws[:, 0] / (1 - draws[:, 0])).log() + np.log(3)
    assert abs(first.mean().item() - 0.5) < 5 / np.sqrt(n)
    assert abs(first.std().item() - 1.0) < 0.02


INVALID: dict[str, Callable[[Any], Any]] = {
    "scale": lambda lib: lib.distributions.LogisticNormal(lib.zeros(2), lib.tensor(-1.0)),
    "value off the simplex": lambda lib: lib.distributions.LogisticNormal(
        lib.zeros(2), 1.0
    ).log_prob(lib.tensor([0.5, 0.6, 0.1])),
    "value shape": lambda lib: lib.distributions.LogisticNormal(lib.zeros(2), 1.0).log_prob(
        lib.tensor([0.5, 0.5])
    ),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_validation_as_torch(name: str) -> None:
    theirs, mine = outcome_in_each(INVALID[name], (ValueError,))
    assert theirs == "ValueError"
    assert mine == theirs
