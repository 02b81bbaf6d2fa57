"""MixtureSameFamily against torch.distributions in float64: log_prob, cdf, mean and variance
with gradients in the weights' logits and the components' parameters, shapes of samples and
densities for univariate and vector components, expand, the errors torch raises, and a
mixture-density network whose training gradients equal torch's for the same weights."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, outcome_in_each

RNG = np.random.default_rng(7)
LOGITS = RNG.standard_normal((2, 3)) * 2
LOC = RNG.standard_normal((2, 3)) * 3
SCALE = RNG.uniform(0.2, 2.0, (2, 3))
# far in a tail too, where every component's density underflows without logsumexp
VALUES = np.array([-400.0, -1.0, 0.0, 0.5, 3.0]).reshape(5, 1)


def test_univariate_mixture() -> None:
    def fn(lib: Any) -> Callable[..., Any]:
        def run(logits: Any, loc: Any, scale: Any, x: Any) -> tuple[Any, ...]:
            D = lib.distributions
            d = D.MixtureSameFamily(D.Categorical(logits=logits), D.Normal(loc, scale))
            return d.log_prob(x), d.cdf(x), d.mean, d.variance, d.stddev

        return run

    check_against_torch(fn(ag), fn(torch), [LOGITS, LOC, SCALE, VALUES])


def test_vector_components_and_broadcast_weights() -> None:
    loc = RNG.standard_normal((2, 3, 4))
    x = RNG.standard_normal((5, 1, 4))

    def fn(lib: Any) -> Callable[..., Any]:
        def run(logits: Any, loc: Any, scale: Any, x: Any) -> tuple[Any, ...]:
            D = lib.distributions
            # the weights' batch () broadcasts against the mixture's (2,)
            components = D.Independent(D.Normal(loc, scale), 1)
            d = D.MixtureSameFamily(D.Categorical(logits=logits), components)
            return d.log_prob(x), d.mean, d.variance

        return run

    check_against_torch(fn(ag), fn(torch), [LOGITS[0], loc, SCALE[..., None] + 0 * loc, x])


def test_probability_weights_and_poisson_components() -> None:
    rates = RNG.uniform(0.5, 8.0, (2, 3))
    counts = np.array([0.0, 1.0, 4.0, 20.0]).reshape(4, 1)

    def fn(lib: Any) -> Callable[..., Any]:
        def run(weights: Any, rates: Any, k: Any) -> tuple[Any, ...]:
            D = lib.distributions
            d = D.MixtureSameFamily(D.Categorical(weights), D.Poisson(rates))
            return d.log_prob(k), d.mean, d.variance

        return run

    check_against_torch(fn(ag), fn(torch), [np.exp(LOGITS), rates, counts])


@pytest.mark.parametrize("vector", [False, True])
def test_sample_shapes_and_statistics(vector: bool) -> None:
    D = ag.distributions
    loc = ag.tensor([[-5.0, 0.0, 5.0], [1.0, 2.0, 3.0]], dtype=ag.float64)
    components: Any = D.Normal(loc, 0.5)
    if vector:
        components = D.Independent(D.Normal(loc.unsqueeze(-1).expand(2, 3, 2), 0.5), 1)
    weights = ag.tensor([0.2, 0.3, 0.5], dtype=ag.float64)
    d = D.MixtureSameFamily(D.Categorical(weights), components)
    ag.manual_seed(0)
    n = 20000
    x = d.sample((n, 1))
    event = (2,) if vector else ()
    assert tuple(x.shape) == (n, 1, 2, *event) and not x.requires_grad
    draws = x.numpy().reshape(n, 2, *event)
    mean, var = d.mean.numpy(), d.variance.numpy()
    assert np.all(np.abs(draws.mean(0) - mean) < 5 * np.sqrt(var / n))
    assert np.allclose(draws.var(0), var, rtol=0.05)
    assert tuple(d.log_prob(x).shape) == (n, 1, 2)


def test_shapes_repr_support_and_expand_as_torch() -> None:
    def run(lib: Any) -> tuple[Any, ...]:
        D = lib.distributions
        d = D.MixtureSameFamily(D.Categorical(lib.ones(2, 3)), D.Normal(lib.zeros(2, 3), 1.0))
        e = d.expand((4, 2))
        support = d.support
        return (
            repr(d),
            tuple(d.batch_shape),
            tuple(d.event_shape),
            d.has_rsample,
            repr(support),
            support.check(lib.tensor([[0.0, float("nan")]])).tolist(),
            repr(e),
            tuple(e.sample((3,)).shape),
            tuple(e.log_prob(lib.zeros(4, 2)).shape),
        )

    theirs, mine = outcome_in_each(run)
    assert str(mine).replace("arraygrad", "torch") == str(theirs)


INVALID: dict[str, Callable[[Any], Any]] = {
    "mixture not categorical": lambda D, t: D.MixtureSameFamily(
        D.Bernoulli(t.tensor(0.3)), D.Normal(t.zeros(2, 3), 1.0)
    ),
    "component not a distribution": lambda D, t: D.MixtureSameFamily(
        D.Categorical(t.ones(2, 3)), 3
    ),
    "batch shapes": lambda D, t: D.MixtureSameFamily(
        D.Categorical(t.ones(3, 3)), D.Normal(t.zeros(2, 3), 1.0)
    ),
    "component count": lambda D, t: D.MixtureSameFamily(
        D.Categorical(t.ones(2, 4)), D.Normal(t.zeros(2, 3), 1.0)
    ),
    "value shape": lambda D, t: D.MixtureSameFamily(
        D.Categorical(t.ones(2, 3)), D.Normal(t.zeros(2, 3), 1.0)
    ).log_prob(t.zeros(3)),
    "cdf value shape": lambda D, t: D.MixtureSameFamily(
        D.Categorical(t.ones(2, 3)), D.Normal(t.zeros(2, 3), 1.0)
    ).cdf(t.zeros(3)),
    "nan value": lambda D, t: D.MixtureSameFamily(
        D.Categorical(t.ones(2, 3)), D.Normal(t.zeros(2, 3), 1.0)
    ).log_prob(t.tensor(float("nan"))),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_arguments_raise_torchs_value_error(case: str) -> None:
    messages = []
    for lib in (torch, ag):
        with pytest.raises(ValueError) as error:
            INVALID[case](lib.distributions, lib)
        messages.append(str(error.value))
    # torch's words first; arraygrad's message then names the fix
    assert messages[1].replace("arraygrad", "torch").startswith(messages[0])


def test_unsupported_operations_raise_as_torch() -> None:
    def run(lib: Any, what: str) -> Any:
        D = lib.distributions
        if what == "cdf":
            vector = D.Independent(D.Normal(lib.zeros(2, 3, 2), 1.0), 1)
            return D.MixtureSameFamily(D.Categorical(lib.ones(2, 3)), vector).cdf(lib.zeros(2))
        d = D.MixtureSameFamily(D.Categorical(lib.ones(3)), D.Normal(lib.zeros(3), 1.0))
        return d.rsample() if what == "rsample" else d.entropy()

    for what in ("cdf", "rsample", "entropy"):
        theirs, mine = outcome_in_each(lambda lib, w=what: run(lib, w), (NotImplementedError,))
        assert mine == theirs == "NotImplementedError"


def _mdn_gradients(lib: Any, weights: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> Any:
    """One step of a mixture-density network: a hidden layer whose outputs give K weights'
    logits, means and log-scales of a Normal mixture of y given x, trained on its mean NLL."""
    params = [lib.tensor(w, requires_grad=True) for w in weights]
    w1, b1, w2, b2 = params
    hidden = lib.tanh(lib.tensor(x) @ w1 + b1)
    out = hidden @ w2 + b2
    logits, loc, log_scale = out.chunk(3, dim=-1)
    D = lib.distributions
    mixture = D.MixtureSameFamily(D.Categorical(logits=logits), D.Normal(loc, log_scale.exp()))
    loss = -mixture.log_prob(lib.tensor(y)).mean()
    return loss, lib.autograd.grad(loss, params), params


def test_mixture_density_network_trains_with_torchs_gradients() -> None:
    rng = np.random.default_rng(0)
    k, hidden = 3, 16
    x = rng.uniform(-1, 1, (64, 1))
    # a two-branched target no single Normal fits: y = +-x^2 plus noise
    y = (np.where(rng.random(64) < 0.5, 1.0, -1.0) * x[:, 0] ** 2) + 0.05 * rng.standard_normal(64)
    weights = [
        rng.standard_normal((1, hidden)),
        np.zeros(hidden),
        rng.standard_normal((hidden, 3 * k)) * 0.3,
        np.zeros(3 * k),
    ]
    losses = []
    for _ in range(60):
        loss, grads, _ = _mdn_gradients(ag, weights, x, y)
        their_loss, their_grads, _ = _mdn_gradients(torch, weights, x, y)
        assert np.isclose(loss.item(), their_loss.item(), rtol=1e-10)
        for mine, theirs in zip(grads, their_grads, strict=True):
            np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-7, atol=1e-10)
        losses.append(loss.item())
        weights = [w - 0.05 * g.numpy() for w, g in zip(weights, grads, strict=True)]
    assert losses[-1] < losses[0] - 0.5
