"""Gamma, Chi2, Dirichlet and Beta against torch.distributions in float64: log_prob, cdf,
entropy and moments, values and gradients with respect to the parameters; samples by shape,
dtype and moments; the implicit reparameterisation gradient of a gamma draw against torch's
``_standard_gamma_grad`` (called as a black box) and against high-precision values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad.distributions.gamma import standard_gamma_grad
from tests.oracle import check_against_torch

RNG = np.random.default_rng(5)
# parameters broadcast to the batch shape (3, 4); values carry a sample dimension in front
CONC = RNG.uniform(0.3, 4.0, (3, 1))
RATE = RNG.uniform(0.5, 2.0, (4,))
POSITIVE_VALUE = RNG.uniform(0.1, 3.0, (2, 3, 4))
UNIT_VALUE = RNG.uniform(0.05, 0.95, (2, 3, 4))
# Dirichlet: batch (3,), 4 classes; values on the simplex with a sample dimension in front
DIR_CONC = RNG.uniform(0.3, 4.0, (3, 4))
SIMPLEX = RNG.dirichlet(np.ones(4), (2, 3))

FAMILIES: dict[str, tuple[Callable[..., Any], tuple[np.ndarray, ...], np.ndarray]] = {
    "Gamma": (lambda lib, c, r: lib.distributions.Gamma(c, r), (CONC, RATE), POSITIVE_VALUE),
    "Chi2": (lambda lib, df: lib.distributions.Chi2(df), (CONC * RATE,), POSITIVE_VALUE),
    "Beta": (lambda lib, a, b: lib.distributions.Beta(a, b), (CONC, RATE), UNIT_VALUE),
    "Dirichlet": (lambda lib, c: lib.distributions.Dirichlet(c), (DIR_CONC,), SIMPLEX),
}


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_log_prob_values_and_gradients(name: str) -> None:
    build, params, value = FAMILIES[name]

    def fn(lib: Any) -> Callable[..., Any]:
        return lambda *args: build(lib, *args[:-1]).log_prob(args[-1])

    check_against_torch(fn(ag), fn(torch), [*params, value])


@pytest.mark.parametrize("name", sorted(FAMILIES))
@pytest.mark.parametrize("stat", ["entropy", "mean", "variance", "stddev", "mode"])
def test_entropy_and_moments(name: str, stat: str) -> None:
    build, params, _ = FAMILIES[name]

    def fn(lib: Any) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            d = build(lib, *args)
            return d.entropy() if stat == "entropy" else getattr(d, stat)

        return run

    check_against_torch(fn(ag), fn(torch), list(params))


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("Dirichlet", [[0.5, 0.2, 0.3], [1.0, 0.5, 1.0], [2.0, 2.0, 3.0], [0.5, 2.0, 3.0]]),
        ("Beta", [[0.5, 0.5], [2.0, 0.5], [0.5, 2.0], [2.0, 2.0], [1.0, 1.0]]),
        ("Gamma", [[0.5, 1.0], [1.0, 2.0], [3.0, 2.0]]),
    ],
)
def test_mode_at_the_edges_as_torch(name: str, params: list[list[float]]) -> None:
    # concentrations below 1 put the mode on the boundary (a corner, where all are below 1)
    def mode(lib: Any) -> list[Any]:
        d = lib.distributions
        rows = [lib.tensor(p, dtype=lib.float64) for p in params]
        if name == "Dirichlet":
            return [d.Dirichlet(r).mode.tolist() for r in rows]
        return [getattr(d, name)(r[0], r[1]).mode.tolist() for r in rows]

    np.testing.assert_equal(mode(ag), mode(torch))


@pytest.mark.parametrize("name", ["Gamma", "Chi2"])
def test_cdf_as_torch(name: str) -> None:
    build, params, value = FAMILIES[name]

    # torch differentiates the incomplete gamma function in x only: parameters held constant
    def fn(lib: Any) -> Callable[..., Any]:
        return lambda v: build(lib, *map(lib.tensor, params)).cdf(v)

    check_against_torch(fn(ag), fn(torch), [value])


def test_boundary_log_prob_as_torch() -> None:
    def run(lib: Any) -> list[Any]:
        d = lib.distributions
        c = lib.tensor([1.0, 0.5, 2.0], dtype=lib.float64)
        zeros, ones = lib.zeros(3, dtype=lib.float64), lib.ones(3, dtype=lib.float64)
        return [
            d.Gamma(c, 2.0).log_prob(zeros).tolist(),
            d.Beta(c, 2.0).log_prob(zeros).tolist(),
            d.Beta(c, 1.0).log_prob(ones).tolist(),
        ]

    np.testing.assert_allclose(run(ag), run(torch), rtol=1e-12)


def test_chi2_is_gamma_of_half_df() -> None:
    for lib in (ag, torch):
        d = lib.distributions.Chi2(lib.tensor([3.0, 4.0]))
        assert d.df.tolist() == [3.0, 4.0]
        assert d.concentration.tolist() == [1.5, 2.0] and d.rate.tolist() == [0.5, 0.5]
        assert isinstance(d, lib.distributions.Gamma)


def test_beta_concentrations_and_number_parameters() -> None:
    for lib in (ag, torch):
        d = lib.distributions.Beta(lib.tensor([1.0, 2.0]), 3.0)
        assert d.concentration1.tolist() == [1.0, 2.0] and d.concentration0.tolist() == [3, 3]
        assert tuple(d.batch_shape) == (2,) and tuple(d.event_shape) == ()
        assert lib.distributions.Beta(1.0, 2.0).concentration1.dtype == lib.float32
        g = lib.distributions.Gamma(1.0, 2.0)
        assert tuple(g.batch_shape) == () and g.rate.dtype == lib.float32


# concentration points (a, x) of d sample / d a, across small and large a and both tails
GRAD_A = np.array([0.01, 0.01, 0.2, 0.2, 0.5, 1.0, 1.0, 3.0, 3.0, 10.0, 50.0, 1000.0, 1000.0])
GRAD_X = np.array([1e-5, 2.0, 1e-3, 5.0, 0.3, 0.05, 4.0, 0.4, 9.0, 12.0, 48.0, 950.0, 1080.0])


def test_standard_gamma_grad_matches_torchs() -> None:
    mine = standard_gamma_grad(ag.tensor(GRAD_A), ag.tensor(GRAD_X)).numpy()
    theirs = torch._standard_gamma_grad(torch.tensor(GRAD_A), torch.tensor(GRAD_X)).numpy()
    # torch's is a fitted approximation, accurate to ~1e-3 in the tails
    np.testing.assert_allclose(mine, theirs, rtol=2e-3)


def test_standard_gamma_grad_matches_high_precision_values() -> None:
    # -(dP/da)/p(x; a) from mpmath at 40 digits (numerical derivative of the regularised
    # incomplete gamma function divided by the density)
    points = [(0.2, 5.0), (3.0, 2.5), (0.01, 1e-5)]
    exact = [6.195222348245209, 0.9633618288399733, 0.010952158246714487]
    a, x = (ag.tensor([p[i] for p in points], dtype=ag.float64) for i in (0, 1))
    np.testing.assert_allclose(standard_gamma_grad(a, x).numpy(), exact, rtol=1e-8)


def test_gamma_rsample_gradient_is_the_implicit_one() -> None:
    conc = ag.tensor([0.3, 2.0, 7.0], dtype=ag.float64, requires_grad=True)
    rate = ag.tensor([1.0, 2.0, 0.5], dtype=ag.float64, requires_grad=True)
    ag.manual_seed(4)
    x = ag.distributions.Gamma(conc, rate).rsample((5,))
    x.sum().backward()
    standard = (x * rate).detach()
    slope = torch._standard_gamma_grad(
        torch.tensor(conc.detach().numpy()).expand(5, 3), torch.tensor(standard.numpy())
    ).numpy()
    np.testing.assert_allclose(conc.grad.numpy(), (slope / rate.detach().numpy()).sum(0), 1e-3)
    np.testing.assert_allclose(rate.grad.numpy(), (-x.detach() / rate.detach()).sum(0).numpy())


@pytest.mark.parametrize(
    ("name", "params", "mean", "var"),
    [
        ("Gamma", (0.3, 2.0), 0.15, 0.075),
        ("Gamma", (5.0, 0.5), 10.0, 20.0),
        ("Chi2", (3.0,), 3.0, 6.0),
        ("Beta", (0.5, 2.0), 0.2, 0.2 * 0.8 / 3.5),
        ("Beta", (3.0, 3.0), 0.5, 0.25 / 7),
    ],
)
def test_samples_have_the_shape_dtype_and_moments(
    name: str, params: tuple[float, ...], mean: float, var: float
) -> None:
    d = getattr(ag.distributions, name)(*[ag.full((2,), p, dtype=ag.float64) for p in params])
    ag.manual_seed(1)
    n = 20000
    for draw in (d.sample, d.rsample):
        x = draw((n,))
        assert tuple(x.shape) == (n, 2) and x.dtype == ag.float64
        x_np = x.detach().numpy()
        # within 5 standard errors of the mean; the variance to 10% (heavy-tailed at small a)
        assert abs(x_np.mean() - mean) < 5 * np.sqrt(var / (2 * n))
        assert abs(x_np.var() / var - 1) < 0.1
    assert not d.sample().requires_grad
    assert tuple(d.sample((4, 3)).shape) == (4, 3, 2)


def test_dirichlet_samples_lie_on_the_simplex_with_its_moments() -> None:
    conc = ag.tensor([0.5, 1.0, 3.0], dtype=ag.float64)
    d = ag.distributions.Dirichlet(conc)
    ag.manual_seed(2)
    x = d.rsample((20000,)).numpy()
    assert x.shape == (20000, 3) and np.allclose(x.sum(-1), 1) and (x > 0).all()
    assert np.allclose(x.mean(0), d.mean.numpy(), atol=0.01)
    assert np.allclose(x.var(0), d.variance.numpy(), rtol=0.1)


def test_small_concentrations_stay_inside_the_support() -> None:
    ag.manual_seed(0)
    for dtype in (ag.float32, ag.float64):
        info = ag.finfo(dtype)
        g = ag.distributions.Gamma(ag.tensor(0.01, dtype=dtype), 1.0).sample((5000,))
        assert float(g.min()) >= info.tiny
        b = ag.distributions.Beta(ag.tensor(0.01, dtype=dtype), 0.01).sample((5000,))
        assert float(b.min()) >= info.tiny and float(b.max()) <= 1 - info.eps


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_rsample_gradients_flow_to_every_parameter(name: str) -> None:
    build, params, _ = FAMILIES[name]
    tensors = [ag.tensor(p, requires_grad=True) for p in params]
    d = build(ag, *tensors)
    assert d.has_rsample
    # a weighted sum: the plain sum of a Dirichlet draw is constant
    x = d.rsample((2,))
    (x * ag.arange(x.shape[-1], dtype=x.dtype)).sum().backward()
    assert all(t.grad is not None and bool(ag.isfinite(t.grad).all()) for t in tensors)
    assert all(float(t.grad.abs().sum()) > 0 for t in tensors)


def test_manual_seed_repeats_draws() -> None:
    d = ag.distributions.Beta(ag.tensor([0.5, 2.0]), 1.5)
    ag.manual_seed(9)
    first = d.sample((3,))
    ag.manual_seed(9)
    assert ag.equal(first, d.sample((3,)))


def test_standard_gamma_grad_at_large_concentrations() -> None:
    # the log-density once lost a log(a) * eps of its value: a relative error of 4e-3 in the
    # gradient at a = 1e12 and all digits at 1e16 (torch's is exact here: a normal limit)
    a = np.array([1e8, 1e12, 1e16])
    x = a + np.sqrt(a)
    mine = standard_gamma_grad(ag.tensor(a), ag.tensor(x)).numpy()
    theirs = torch._standard_gamma_grad(torch.tensor(a), torch.tensor(x)).numpy()
    np.testing.assert_allclose(mine, theirs, rtol=1e-8)


def test_rsample_of_a_huge_concentration_is_finite() -> None:
    # an infinite slope times the zero (concentration - concentration.detach()) made the
    # drawn value itself nan
    conc = ag.full((50,), 1e20, dtype=ag.float64, requires_grad=True)
    ag.manual_seed(0)
    x = ag.distributions.Gamma(conc, 1.0).rsample()
    x.sum().backward()
    assert bool(ag.isfinite(x).all())
    np.testing.assert_allclose(conc.grad.numpy(), 1.0, rtol=1e-2)


def test_float32_beta_draws_of_small_concentrations_keep_their_distribution() -> None:
    # both gamma draws once underflowed to float32's tiny together, giving exactly 1/2;
    # Beta(0.01, 0.01) puts ~4.5% of its mass in (0.01, 0.99)
    ag.manual_seed(0)
    b = ag.distributions.Beta(ag.tensor(0.01), ag.tensor(0.01)).rsample((5000,)).numpy()
    assert b.dtype == np.float32 and not (b == 0.5).any()
    assert ((b > 0.01) & (b < 0.99)).mean() < 0.08
