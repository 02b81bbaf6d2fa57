"""Weibull, Pareto, Kumaraswamy, InverseGamma and Gumbel against torch.distributions in float64:
log_prob, cdf, icdf, entropy and moments with their gradients; rsample's pathwise gradients
on shared base noise; shapes, expand, validation and sample statistics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, outcome_in_each

RNG = np.random.default_rng(31)
POS_A = RNG.uniform(0.5, 3.0, (3, 1))
POS_B = RNG.uniform(0.5, 3.0, (4,))
# shapes above 2 for Weibull's mode, Pareto's and InverseGamma's finite moments
BIG = RNG.uniform(2.2, 4.0, (4,))
PROB = RNG.uniform(0.05, 0.95, (2, 3, 4))
POSITIVE = RNG.uniform(0.1, 3.0, (2, 3, 4))
# Pareto's support starts at its scale: values above the largest scale
ABOVE = POSITIVE + 3.0

Family = tuple[Callable[..., Any], tuple[np.ndarray, ...], np.ndarray]
FAMILIES: dict[str, Family] = {
    "Weibull": (lambda lib, s, k: lib.distributions.Weibull(s, k), (POS_A, BIG), POSITIVE),
    "Pareto": (lambda lib, s, a: lib.distributions.Pareto(s, a), (POS_A, BIG), ABOVE),
    "Kumaraswamy": (lambda lib, a, b: lib.distributions.Kumaraswamy(a, b), (POS_A, POS_B), PROB),
    "InverseGamma": (
        lambda lib, c, r: lib.distributions.InverseGamma(c, r),
        (BIG, POS_A),
        POSITIVE,
    ),
    # (a TransformedDistribution in torch: cdf and icdf are its transforms')
    "Gumbel": (lambda lib, m, s: lib.distributions.Gumbel(m, s), (POS_A - 2, POS_B), POSITIVE - 1),
}
# torch 2.13 has no icdf for InverseGamma (Gamma has none) and gives nan for every
# Kumaraswamy mode; those are checked against the closed forms below
NOT_COMPARED = {("InverseGamma", "icdf"), ("Kumaraswamy", "mode")}


def _on_both(build: Callable[..., Any], method: Callable[[Any, Any], Any]) -> tuple[Any, Any]:
    def run(lib: Any) -> Callable[..., Any]:
        return lambda *args: method(build(lib, *args[:-1]), args[-1])

    return run(ag), run(torch)


def _compared(methods: list[str]) -> list[tuple[str, str]]:
    return [(n, m) for n in sorted(FAMILIES) for m in methods if (n, m) not in NOT_COMPARED]


@pytest.mark.parametrize(("name", "method"), _compared(["log_prob", "cdf", "icdf"]))
def test_log_prob_cdf_icdf_values_and_gradients(name: str, method: str) -> None:
    build, params, value = FAMILIES[name]
    fns = _on_both(build, lambda d, v: getattr(d, method)(v))
    # torch has no derivative of the incomplete gamma function in its shape
    grad = (name, method) != ("InverseGamma", "cdf")
    check_against_torch(*fns, [*params, PROB if method == "icdf" else value], grad=grad)


@pytest.mark.parametrize(
    ("name", "stat"), _compared(["entropy", "mean", "variance", "stddev", "mode"])
)
def test_entropy_and_moments(name: str, stat: str) -> None:
    build, params, _ = FAMILIES[name]

    def fn(lib: Any) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            d = build(lib, *args)
            return d.entropy() if stat == "entropy" else getattr(d, stat)

        return run

    check_against_torch(fn(ag), fn(torch), list(params))


def test_infinite_moments_as_torch() -> None:
    shapes = np.array([0.5, 1.0, 1.5, 2.0, 3.0])

    def fn(lib: Any) -> Callable[..., Any]:
        def run(shape: Any) -> Any:
            pareto = lib.distributions.Pareto(1.5, shape)
            inverse = lib.distributions.InverseGamma(shape, 2.0)
            return pareto.mean, pareto.variance, inverse.mean, inverse.variance

        return run

    check_against_torch(fn(ag), fn(torch), [shapes], grad=False)


def test_modes_where_torch_gives_none() -> None:
    a = ag.tensor([2.0, 1.0, 3.0, 0.5, 1.0], dtype=ag.float64)
    b = ag.tensor([3.0, 2.0, 1.0, 2.0, 1.0], dtype=ag.float64)
    mode = ag.distributions.Kumaraswamy(a, b).mode.numpy()
    expected = ((2 - 1) / (6 - 1)) ** 0.5, 0.0, 1.0, np.nan, np.nan
    np.testing.assert_allclose(mode, expected)
    # the density at the mode is the largest on a fine grid
    x = np.linspace(1e-4, 1 - 1e-4, 20001)
    d = ag.distributions.Kumaraswamy(a[:3, None], b[:3, None])
    density = d.log_prob(ag.tensor(x).expand(3, -1)).numpy()
    np.testing.assert_allclose(x[density.argmax(-1)], expected[:3], atol=1e-3)
    weibull = ag.distributions.Weibull(2.0, ag.tensor([0.5, 1.0, 3.0], dtype=ag.float64))
    np.testing.assert_allclose(weibull.mode.numpy(), [0.0, 0.0, 2.0 * (2 / 3) ** (1 / 3)])


def test_inverse_gamma_has_no_icdf_as_torch() -> None:
    def icdf(lib: Any) -> Any:
        return lib.distributions.InverseGamma(2.0, 1.0).icdf(lib.tensor(0.5))

    assert outcome_in_each(icdf, (NotImplementedError,)) == ("NotImplementedError",) * 2


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_shapes_expand_support_and_samples(name: str) -> None:
    build, params, _ = FAMILIES[name]

    def describe(lib: Any) -> tuple[Any, ...]:
        d = build(lib, *(lib.tensor(p) for p in params))
        bigger = d.expand((5, 3, 4))
        sample = bigger.rsample((2,))
        return (
            tuple(d.batch_shape),
            tuple(bigger.batch_shape),
            type(bigger).__name__,
            isinstance(bigger, lib.distributions.TransformedDistribution),
            repr(build(lib, *(1.0 for _ in params)).support),
            d.has_rsample,
            tuple(sample.shape),
            sample.requires_grad,
            tuple(bigger.log_prob(sample).shape),
            tuple(bigger.mean.shape),
            repr(build(lib, *(1.0 for _ in params))),
        )

    assert describe(ag) == describe(torch)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_expanded_values_as_torch(name: str) -> None:
    build, params, value = FAMILIES[name]

    def fn(lib: Any) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            d = build(lib, *args[:-1]).expand((2, 3, 4))
            return d.log_prob(args[-1]), d.entropy(), d.mean

        return run

    check_against_torch(fn(ag), fn(torch), [*params, value])


def test_rsample_pathwise_gradients_on_shared_noise() -> None:
    """Each family's draw as torch builds it from the same base draw, and its gradient."""
    noise = RNG.uniform(0.05, 0.95, (6, 3, 4))
    exponential = -np.log1p(-noise)

    def fn(lib: Any) -> Callable[..., Any]:
        def run(a: Any, b: Any, u: Any, e: Any) -> Any:
            d = lib.distributions
            weibull = d.Weibull(a, b)
            pareto = d.Pareto(a, b)
            kumaraswamy = d.Kumaraswamy(a, b)
            # the families' transforms applied to the base draws torch would take
            push = [
                (weibull, e),
                (pareto, e / pareto.base_dist.rate),
                (kumaraswamy, u),
            ]
            out = []
            for dist, base in push:
                for transform in dist.transforms:
                    base = transform(base)
                out.append(base)
            return tuple(out)

        return run

    check_against_torch(fn(ag), fn(torch), [POS_A, BIG, noise, exponential])


def test_rsample_carries_gradients() -> None:
    ag.manual_seed(3)
    a = ag.tensor([1.5, 2.5], dtype=ag.float64, requires_grad=True)
    b = ag.tensor([2.0, 3.0], dtype=ag.float64, requires_grad=True)
    for d in [
        ag.distributions.Weibull(a, b),
        ag.distributions.Pareto(a, b),
        ag.distributions.Kumaraswamy(a, b),
        ag.distributions.InverseGamma(a, b),
    ]:
        a.grad = b.grad = None
        d.rsample((7,)).sum().backward()
        assert a.grad is not None and b.grad is not None
        assert bool(ag.isfinite(a.grad).all()) and bool(ag.isfinite(b.grad).all())


def test_samples_follow_the_distribution() -> None:
    ag.manual_seed(0)
    n = 40000
    cases = {
        "Weibull": ag.distributions.Weibull(2.0, 1.5),
        "Pareto": ag.distributions.Pareto(1.0, 5.0),
        "Kumaraswamy": ag.distributions.Kumaraswamy(2.0, 3.0),
        "InverseGamma": ag.distributions.InverseGamma(5.0, 2.0),
    }
    for name, d in cases.items():
        draws = d.sample((n,))
        assert bool(d.support.check(draws).all()), name
        stderr = d.stddev.item() / np.sqrt(n)
        assert abs(draws.mean().item() - d.mean.item()) < 5 * stderr, name
        # the empirical cdf at the median of the draws is one half
        median = draws.median()
        assert abs(d.cdf(median).item() - 0.5) < 0.01, name


def _listed(value: Any) -> Any:
    return value.tolist() if hasattr(value, "tolist") else value


def test_gumbel_is_its_transformed_uniform_as_torch() -> None:
    # arraygrad's Gumbel was a location-scale family of its own: not a TransformedDistribution,
    # without base_dist and transforms; its draws and densities keep their values
    def describe(lib: Any) -> tuple[Any, ...]:
        loc = lib.tensor([0.5, -1.0], dtype=lib.float64)
        d = lib.distributions.Gumbel(loc, lib.tensor([2.0, 0.3], dtype=lib.float64))
        lib.manual_seed(5)
        draws = d.sample((3,))
        lib.manual_seed(5)
        pushed = d.base_dist.sample((3,))
        for transform in d.transforms:
            pushed = transform(pushed)
        return (
            isinstance(d, lib.distributions.TransformedDistribution),
            type(d.base_dist).__name__,
            d.base_dist.low.tolist(),
            d.base_dist.high.tolist(),
            [(type(t).__name__, _listed(t.sign)) for t in d.transforms],
            [t.scale.tolist() for t in d.transforms if hasattr(t, "scale")],
            draws.tolist(),
            pushed.tolist(),
            d.log_prob(draws).tolist(),
            d.entropy().tolist(),
        )

    mine, theirs = describe(ag), describe(torch)
    assert mine[:6] == theirs[:6]
    for got, want in zip(mine[6:], theirs[6:], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-14)


INVALID: dict[str, Callable[[Any], Any]] = {
    "weibull scale": lambda lib: lib.distributions.Weibull(lib.tensor([1.0, -1.0]), 1.0),
    "weibull concentration": lambda lib: lib.distributions.Weibull(1.0, lib.tensor(0.0)),
    "weibull value": lambda lib: lib.distributions.Weibull(1.0, 1.0).log_prob(lib.tensor(-1.0)),
    "pareto alpha": lambda lib: lib.distributions.Pareto(1.0, lib.tensor(-2.0)),
    "pareto scale": lambda lib: lib.distributions.Pareto(lib.tensor(0.0), 1.0),
    "pareto below scale": lambda lib: lib.distributions.Pareto(2.0, 1.0).log_prob(lib.tensor(1.0)),
    "kumaraswamy": lambda lib: lib.distributions.Kumaraswamy(lib.tensor(-1.0), 1.0),
    "kumaraswamy value": lambda lib: lib.distributions.Kumaraswamy(1.0, 1.0).log_prob(
        lib.tensor(1.5)
    ),
    "inverse gamma": lambda lib: lib.distributions.InverseGamma(1.0, lib.tensor(-1.0)),
    "inverse gamma value": lambda lib: lib.distributions.InverseGamma(1.0, 1.0).log_prob(
        lib.tensor(-1.0)
    ),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_validation_as_torch(name: str) -> None:
    theirs, mine = outcome_in_each(INVALID[name], (ValueError,))
    assert theirs == "ValueError"
    assert mine == theirs
