"""VonMises against torch.distributions in float64 (log_prob and variance with their
gradients; torch approximates the Bessel functions by polynomials, to about 1e-6 absolute),
against quadrature of its density, and its rejection sampler by the statistics of its
draws; shapes, expand and validation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, outcome_in_each

RNG = np.random.default_rng(61)
LOC = RNG.uniform(-3.0, 3.0, (3, 1))
# small and large concentrations, across the branches of torch's approximations
KAPPA = np.array([0.05, 0.9, 4.0, 60.0])
VALUE = RNG.uniform(-6.0, 6.0, (2, 3, 4))


def test_log_prob_and_variance_as_torch() -> None:
    def fn(lib: Any) -> Callable[..., Any]:
        def run(loc: Any, kappa: Any, value: Any) -> Any:
            d = lib.distributions.VonMises(loc, kappa)
            return d.log_prob(value), d.variance, d.mean, d.mode

        return run

    check_against_torch(fn(ag), fn(torch), [LOC, KAPPA, VALUE], rtol=1e-5, atol=1e-6)


def test_density_and_variance_by_quadrature() -> None:
    x = np.linspace(-np.pi, np.pi, 200001)
    for kappa in KAPPA:
        d = ag.distributions.VonMises(ag.tensor(0.7, dtype=ag.float64), ag.tensor(kappa))
        density = d.log_prob(ag.tensor(x)).exp().numpy()
        np.testing.assert_allclose(np.trapezoid(density, x), 1.0, rtol=1e-10)
        resultant = np.trapezoid(np.cos(x - 0.7) * density, x)
        np.testing.assert_allclose(d.variance.item(), 1 - resultant, rtol=1e-9)


@pytest.mark.parametrize("kappa", [1e-4, 0.3, 2.0, 40.0])
def test_samples_follow_the_distribution(kappa: float) -> None:
    ag.manual_seed(8)
    n = 100000
    d = ag.distributions.VonMises(ag.tensor(2.9), ag.tensor(kappa))
    draws = d.sample((n,))
    assert draws.dtype == ag.float32
    assert bool((draws >= -np.pi).all()) and bool((draws < np.pi).all())
    # the mean resultant E[cos(x - loc)] is 1 - the circular variance; E[sin(x - loc)] is 0
    gap = (draws.double() - 2.9).numpy()
    tolerance = 5 / np.sqrt(n)
    assert abs(np.cos(gap).mean() - (1 - d.variance.item())) < tolerance
    assert abs(np.sin(gap).mean()) < tolerance
    # the share of draws within a quarter turn of loc, against the density's integral
    x = np.linspace(-np.pi / 4, np.pi / 4, 20001)
    near = np.trapezoid(d.log_prob(ag.tensor(x + 2.9)).double().exp().numpy(), x)
    assert abs((np.abs(np.angle(np.exp(1j * gap))) < np.pi / 4).mean() - near) < tolerance


def test_shapes_expand_and_no_rsample_as_torch() -> None:
    def describe(lib: Any) -> tuple[Any, ...]:
        d = lib.distributions.VonMises(lib.tensor(LOC), lib.tensor(KAPPA))
        bigger = d.expand((2, 3, 4))
        try:
            d.rsample()
            rsample = "ok"
        except NotImplementedError:
            rsample = "NotImplementedError"
        return (
            tuple(d.batch_shape),
            tuple(bigger.batch_shape),
            type(bigger).__name__,
            tuple(bigger.sample((5,)).shape),
            d.has_rsample,
            rsample,
            repr(d.support),
            repr(d).replace(lib.__name__, "lib"),
            repr(lib.distributions.VonMises(0.0, 1.0)),
            tuple(bigger.log_prob(lib.tensor(VALUE)).shape),
        )

    assert describe(ag) == describe(torch)


INVALID: dict[str, Callable[[Any], Any]] = {
    "concentration": lambda lib: lib.distributions.VonMises(0.0, lib.tensor(0.0)),
    "loc": lambda lib: lib.distributions.VonMises(lib.tensor(float("nan")), 1.0),
    "value": lambda lib: lib.distributions.VonMises(0.0, 1.0).log_prob(lib.tensor(float("nan"))),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_validation_as_torch(name: str) -> None:
    theirs, mine = outcome_in_each(INVALID[name], (ValueError,))
    assert theirs == "ValueError"
    assert mine == theirs
