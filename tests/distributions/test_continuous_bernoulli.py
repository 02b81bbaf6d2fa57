"""ContinuousBernoulli against torch.distributions in float64: log_prob, cdf, icdf, entropy
and moments with their gradients, for probs and logits, away from 1/2 and within the lims
around it where series replace the closed forms; shapes, expand, validation, samples."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, outcome_in_each

RNG = np.random.default_rng(37)
# away from 1/2, within (0.499, 0.501) of it, and near 0 and 1
PROBS = np.array([0.03, 0.2, 0.4995, 0.5003, 0.7, 0.97])
LOGITS = np.array([-3.0, -0.5, -0.001, 0.0015, 1.2, 4.0])
VALUE = RNG.uniform(0.01, 0.99, (2, 6))


def _build(lib: Any, param: Any, kind: str) -> Any:
    return lib.distributions.ContinuousBernoulli(**{kind: param})


@pytest.mark.parametrize("kind", ["probs", "logits"])
@pytest.mark.parametrize("method", ["log_prob", "cdf", "icdf"])
def test_log_prob_cdf_icdf_values_and_gradients(kind: str, method: str) -> None:
    def fn(lib: Any) -> Callable[..., Any]:
        return lambda param, value: getattr(_build(lib, param, kind), method)(value)

    param = PROBS if kind == "probs" else LOGITS
    check_against_torch(fn(ag), fn(torch), [param, VALUE])


@pytest.mark.parametrize("logits", [1.033, 0.0, -30.0, 1534.0])
def test_cdf_outside_the_support_is_zero_below_and_one_above_as_torch(logits: float) -> None:
    # Unvalidated: the closed form gave -0.55 at -10 and 36.8 at 1.1 (distributions fuzzer,
    # seeds 21624, 22669); the cdf is 0 up to 0 and 1 from 1, with torch's gradients there.
    values = [-10.0, -1e-9, 0.0, 0.3, 1.0, 1.0 + 1e-9, 1.1, np.inf, -np.inf]
    found = []
    for lib in (torch, ag):
        dist = lib.distributions.ContinuousBernoulli(
            logits=lib.tensor(logits, dtype=lib.float64), validate_args=False
        )
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        cdf = dist.cdf(x)
        (grad,) = lib.autograd.grad(cdf.sum(), x)
        found.append((np.array(cdf.tolist()), np.array(grad.tolist())))
    for mine, theirs in zip(found[1], found[0], strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-15, equal_nan=True)


@pytest.mark.parametrize("kind", ["probs", "logits"])
@pytest.mark.parametrize("stat", ["entropy", "mean", "variance", "stddev", "probs", "logits"])
def test_entropy_and_moments(kind: str, stat: str) -> None:
    def fn(lib: Any) -> Callable[..., Any]:
        def run(param: Any) -> Any:
            d = _build(lib, param, kind)
            return d.entropy() if stat == "entropy" else getattr(d, stat)

        return run

    check_against_torch(fn(ag), fn(torch), [PROBS if kind == "probs" else LOGITS])


def test_custom_lims_as_torch() -> None:
    def fn(lib: Any) -> Callable[..., Any]:
        def run(param: Any, value: Any) -> Any:
            d = lib.distributions.ContinuousBernoulli(param, lims=(0.45, 0.55))
            return d.log_prob(value), d.mean, d.variance, d.cdf(value), d.icdf(value)

        return run

    probs = np.array([0.3, 0.46, 0.5, 0.52, 0.6, 0.9])
    # torch's series within the lims keep fewer terms than these, which shows at a distance
    # of 0.05 from 1/2 in the gradients' fifth digit (the values agree to 1e-6)
    check_against_torch(fn(ag), fn(torch), [probs, VALUE], atol=1e-6, grad=False)


def test_shapes_expand_support_and_samples() -> None:
    def describe(lib: Any) -> tuple[Any, ...]:
        d = lib.distributions.ContinuousBernoulli(lib.tensor(PROBS, requires_grad=True))
        bigger = d.expand((3, 6))
        sample = bigger.rsample((2,))
        return (
            tuple(d.batch_shape),
            tuple(bigger.batch_shape),
            type(bigger).__name__,
            repr(d.support),
            d.has_rsample,
            tuple(sample.shape),
            sample.requires_grad,
            bigger.sample().requires_grad,
            tuple(bigger.log_prob(sample).shape),
            tuple(bigger.mean.shape),
            repr(lib.distributions.ContinuousBernoulli(0.25)),
            repr(lib.distributions.ContinuousBernoulli(logits=lib.tensor([0.25]))),
        )

    assert describe(ag) == describe(torch)


def test_rsample_is_the_icdf_of_a_uniform_draw() -> None:
    probs = ag.tensor(PROBS, requires_grad=True)
    d = ag.distributions.ContinuousBernoulli(probs)
    ag.manual_seed(5)
    draws = d.rsample((3,))
    ag.manual_seed(5)
    u = ag.rand((3, 6), dtype=probs.dtype)
    np.testing.assert_allclose(draws.detach().numpy(), d.icdf(u).detach().numpy())
    draws.sum().backward()
    assert probs.grad is not None and bool(ag.isfinite(probs.grad).all())


def test_samples_follow_the_distribution() -> None:
    ag.manual_seed(0)
    d = ag.distributions.ContinuousBernoulli(ag.tensor([0.1, 0.5, 0.8]))
    draws = d.sample((40000,))
    assert bool(((draws >= 0) & (draws <= 1)).all())
    np.testing.assert_allclose(draws.mean(0).numpy(), d.mean.numpy(), atol=0.005)
    np.testing.assert_allclose(draws.var(0).numpy(), d.variance.numpy(), atol=0.003)


INVALID: dict[str, Callable[[Any], Any]] = {
    "nan logits": lambda lib: lib.distributions.ContinuousBernoulli(
        logits=lib.tensor([0.0, float("nan")])
    ),
    "nan probs": lambda lib: lib.distributions.ContinuousBernoulli(lib.tensor(float("nan"))),
    "value above one": lambda lib: lib.distributions.ContinuousBernoulli(0.3).log_prob(
        lib.tensor(1.5)
    ),
    "value below zero": lambda lib: lib.distributions.ContinuousBernoulli(0.3).cdf(
        lib.tensor(-0.5)
    ),
    "both": lambda lib: lib.distributions.ContinuousBernoulli(0.3, 0.1),
    "neither": lambda lib: lib.distributions.ContinuousBernoulli(),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_validation_as_torch(name: str) -> None:
    theirs, mine = outcome_in_each(INVALID[name], (ValueError,))
    assert theirs == "ValueError"
    assert mine == theirs


def test_out_of_range_probs_are_clamped_before_validation_as_torch() -> None:
    def fn(lib: Any) -> Any:
        return lib.distributions.ContinuousBernoulli(lib.tensor([1.5, -0.5])).probs.tolist()

    theirs, mine = outcome_in_each(fn, (ValueError,))
    assert mine == theirs


def test_log_prob_entropy_and_mean_near_probability_one_from_the_logits() -> None:
    """At logits 28.66, 1 - λ = 3.5e-13 is stored to within 4e-4 of itself: the values come
    from the logits (mpmath: log_prob(0) = -25.3071765005797, entropy = -2.35559926943047,
    mean = λ / (2λ - 1) - 1 / logits = 0.965111543696461)."""
    d = ag.distributions.ContinuousBernoulli(logits=ag.tensor([28.66277577], dtype=ag.float64))
    assert abs(d.log_prob(ag.tensor([0.0], dtype=ag.float64)).item() + 25.3071765005797) < 1e-12
    assert abs(d.entropy().item() + 2.35559926943047) < 1e-12
    assert abs(d.mean.item() - 0.965111543696461) < 1e-12


# (p's logits, q's logits, KL of the pair with λ clamped one epsilon inside (0, 1), as the
# mean, entropy and draws are, by mpmath): torch 2.13 mixes the raw logits with the clamped
# λ beyond |logits| 36.04 (-14.55 and -3.19 for the first and third); the previous form
# mixed q's (-3.19, and 851.2 for the fourth)
CLAMPED_KL = [
    (-941.7714344477885, 10.659165243904415, 10.581723124876821),
    (-40.0, 10.66, 10.582456430590246),
    (3.0, 50.0, 6.8481565673783225),
    (10.66, -941.77, 30.445334643925507),
    (-3.0, 2.0, 0.90643264697162),
]


@pytest.mark.parametrize(("p", "q", "kl"), CLAMPED_KL)
def test_kl_divergence_beyond_the_clamped_logits(p: float, q: float, kl: float) -> None:
    D = ag.distributions
    made = [D.ContinuousBernoulli(logits=ag.tensor(v, dtype=ag.float64)) for v in (p, q)]
    assert abs(D.kl_divergence(*made).item() - kl) < 1e-12 * kl


@pytest.mark.parametrize("kind", ["probs", "logits"])
@pytest.mark.parametrize("logits", [-0.00849895381037966, 0.0041])
def test_moments_and_log_prob_just_outside_the_lims(kind: str, logits: float) -> None:
    """Just outside (0.499, 0.501) the closed forms' two terms cancel (each near
    1 / (2 (2λ - 1)), 120 at logits -0.0085): λ rounded beside the exact logits put 1.8e-9
    relative into the mean's gradient and the variance there, 5e-8 at 0.0041, and 4e-11 into
    log_prob (distributions fuzzer, seed 57488; torch 2.13's mean gradient is 8e-10 and
    2.5e-8 off). Against mpmath."""
    import mpmath

    mpmath.mp.dps = 40

    def exact(x: Any) -> tuple[Any, Any, Any]:
        lam = 1 / (1 + mpmath.exp(-x))
        t = 2 * lam - 1  # 1 / (2 atanh(1 - 2λ)) = -1 / x
        log_prob = 0.3 * mpmath.log(lam) + 0.7 * mpmath.log(1 - lam) + mpmath.log(x / t)
        return lam / t - 1 / x, lam * (lam - 1) / t**2 + 1 / x**2, log_prob

    x = mpmath.mpf(logits)
    mean, variance, log_prob = exact(x)
    slope = mpmath.diff(lambda z: exact(z)[0], x)
    leaf = ag.tensor(logits, dtype=ag.float64, requires_grad=True)
    d = _build(ag, leaf if kind == "logits" else leaf.sigmoid(), kind)
    (grad,) = ag.autograd.grad(d.mean, leaf)
    got = [d.mean, d.variance, grad, d.log_prob(ag.tensor(0.3, dtype=ag.float64))]
    for value, want in zip(got, [mean, variance, slope, log_prob], strict=True):
        assert abs(value.item() - float(want)) < 1e-10 * abs(float(want))
