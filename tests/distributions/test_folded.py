"""Cauchy, HalfNormal and HalfCauchy against torch.distributions in float64: log_prob, cdf,
icdf, entropy and moments with their gradients; validation; expand; samples; the KL pairs
torch registers among them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, outcome_in_each

RNG = np.random.default_rng(13)
LOC = RNG.standard_normal((3, 1))
SCALE = RNG.uniform(0.5, 2.0, (4,))
VALUE = RNG.standard_normal((2, 3, 4))
POSITIVE = RNG.uniform(0.1, 3.0, (2, 3, 4))
PROB = RNG.uniform(0.05, 0.95, (2, 3, 4))

FAMILIES: dict[str, tuple[Callable[..., Any], tuple[np.ndarray, ...], np.ndarray]] = {
    "Cauchy": (lambda lib, a, b: lib.distributions.Cauchy(a, b), (LOC, SCALE), VALUE),
    "HalfNormal": (lambda lib, s: lib.distributions.HalfNormal(s), (SCALE,), POSITIVE),
    "HalfCauchy": (lambda lib, s: lib.distributions.HalfCauchy(s), (SCALE,), POSITIVE),
}


def _on_both(build: Callable[..., Any], method: Callable[[Any, Any], Any]) -> tuple[Any, Any]:
    def run(lib: Any) -> Callable[..., Any]:
        return lambda *args: method(build(lib, *args[:-1]), args[-1])

    return run(ag), run(torch)


@pytest.mark.parametrize("name", sorted(FAMILIES))
@pytest.mark.parametrize("method", ["log_prob", "cdf", "icdf"])
def test_log_prob_cdf_icdf_values_and_gradients(name: str, method: str) -> None:
    build, params, value = FAMILIES[name]
    fns = _on_both(build, lambda d, v: getattr(d, method)(v))
    check_against_torch(*fns, [*params, PROB if method == "icdf" else value])


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


def test_folded_families_outside_the_support_without_validation() -> None:
    for name in ["HalfNormal", "HalfCauchy"]:

        def fn(lib: Any, name: str = name) -> Callable[..., Any]:
            def run(scale: Any, value: Any) -> Any:
                d = getattr(lib.distributions, name)(scale, validate_args=False)
                return d.log_prob(value), d.cdf(value)

            return run

        check_against_torch(fn(ag), fn(torch), [SCALE, VALUE], grad=False)


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
            repr(d.support),
            d.has_rsample,
            tuple(sample.shape),
            sample.requires_grad,
            tuple(bigger.log_prob(sample).shape),
            repr(build(lib, *(1.0 for _ in params))),
        )

    assert describe(ag) == describe(torch)


def test_samples_follow_the_distribution() -> None:
    ag.manual_seed(0)
    draws = ag.distributions.HalfNormal(2.0).sample((20000,))
    assert bool((draws >= 0).all())
    assert abs(draws.mean().item() - 2.0 * np.sqrt(2 / np.pi)) < 0.05
    cauchy = ag.distributions.Cauchy(1.0, 0.5).sample((20000,))
    assert abs(cauchy.median().item() - 1.0) < 0.05
    quartiles = np.quantile(cauchy.numpy(), [0.25, 0.75])
    np.testing.assert_allclose(quartiles, [0.5, 1.5], atol=0.05)


INVALID: dict[str, Callable[[Any], Any]] = {
    "cauchy scale": lambda lib: lib.distributions.Cauchy(0.0, lib.tensor([1.0, -1.0])),
    "cauchy nan value": lambda lib: lib.distributions.Cauchy(0.0, 1.0).log_prob(
        lib.tensor(float("nan"))
    ),
    "half normal scale": lambda lib: lib.distributions.HalfNormal(lib.tensor(-1.0)),
    "half cauchy scale": lambda lib: lib.distributions.HalfCauchy(lib.tensor(0.0)),
    "half normal value": lambda lib: lib.distributions.HalfNormal(1.0).log_prob(lib.tensor(-1.0)),
    "half cauchy cdf": lambda lib: lib.distributions.HalfCauchy(1.0).cdf(lib.tensor(-1.0)),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_validation_as_torch(name: str) -> None:
    theirs, mine = outcome_in_each(INVALID[name], (ValueError,))
    assert theirs == "ValueError"
    assert mine == theirs


KL_PAIRS: dict[str, tuple[Callable[..., Any], int]] = {
    "Cauchy": (lambda d, a, b: d.Cauchy(a, b), 2),
    "HalfNormal": (lambda d, s: d.HalfNormal(s), 1),
}


@pytest.mark.parametrize("name", sorted(KL_PAIRS))
def test_kl_divergence(name: str) -> None:
    make, count = KL_PAIRS[name]
    p_params, q_params = [LOC, SCALE][2 - count :], [LOC[::-1].copy(), SCALE[::-1].copy()]

    def fn(lib: Any) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            d = lib.distributions
            return d.kl_divergence(make(d, *args[:count]), make(d, *args[count:]))

        return run

    check_against_torch(fn(ag), fn(torch), [*p_params, *q_params[2 - count :]])


def test_kl_between_different_folded_families_is_not_implemented() -> None:
    def kl(lib: Any) -> Any:
        d = lib.distributions
        return d.kl_divergence(d.HalfNormal(1.0), d.HalfCauchy(1.0))

    assert outcome_in_each(kl, (NotImplementedError,)) == ("NotImplementedError",) * 2
