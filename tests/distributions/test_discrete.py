"""Bernoulli, Categorical and OneHotCategorical against torch.distributions in float64: built
from probs or from logits, log_prob, entropy and moments with gradients, samples' shape, dtype
and frequencies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, outcome_in_each

RNG = np.random.default_rng(1)
PROBS = RNG.uniform(0.05, 0.95, (3, 1))
LOGITS = RNG.standard_normal((3, 1)) * 2
BINARY = RNG.integers(0, 2, (2, 3, 4)).astype(np.float64)
# unnormalised class weights, batch (3,), 4 classes; indices broadcast against the batch
WEIGHTS = RNG.uniform(0.1, 2.0, (3, 4))
CLASS_LOGITS = RNG.standard_normal((3, 4)) * 3
INDICES = RNG.integers(0, 4, (5, 3))


def _stats(d: Any, value: Any) -> tuple[Any, ...]:
    return d.log_prob(value), d.entropy(), d.mean, d.variance, d.probs, d.logits


@pytest.mark.parametrize("param", ["probs", "logits"])
def test_bernoulli(param: str) -> None:
    values = PROBS if param == "probs" else LOGITS

    def fn(lib: Any) -> Callable[..., Any]:
        return lambda p, v: _stats(lib.distributions.Bernoulli(**{param: p}), v)

    check_against_torch(fn(ag), fn(torch), [values, BINARY])


@pytest.mark.parametrize("param", ["probs", "logits"])
@pytest.mark.parametrize("cls", ["Categorical", "OneHotCategorical"])
def test_categorical(param: str, cls: str) -> None:
    values = WEIGHTS if param == "probs" else CLASS_LOGITS
    one_hot = cls == "OneHotCategorical"
    index = INDICES if not one_hot else np.eye(4)[INDICES]

    def fn(lib: Any) -> Callable[..., Any]:
        def run(p: Any, v: Any) -> tuple[Any, ...]:
            d = getattr(lib.distributions, cls)(**{param: p})
            out = (d.log_prob(v), d.entropy(), d.probs, d.logits)
            return out + ((d.mean, d.variance) if one_hot else ())

        return run

    check_against_torch(fn(ag), fn(torch), [values, index])


def test_categorical_mode_and_nan_moments() -> None:
    for lib in (ag, torch):
        d = lib.distributions.Categorical(probs=lib.tensor(WEIGHTS))
        assert d.mode.tolist() == np.argmax(WEIGHTS, -1).tolist()
        assert tuple(d.mean.shape) == (3,) and bool(d.mean.isnan().all())
        m = lib.distributions.Bernoulli(lib.tensor([0.2, 0.5, 0.7])).mode
        assert np.array_equal(np.asarray(m.tolist()), [0.0, np.nan, 1.0], equal_nan=True)


def test_zero_probability_class_has_a_finite_entropy() -> None:
    probs = np.array([0.0, 0.25, 0.75])
    mine = ag.distributions.Categorical(ag.tensor(probs)).entropy()
    theirs = torch.distributions.Categorical(torch.tensor(probs)).entropy()
    assert np.isclose(float(mine), float(theirs))


@pytest.mark.parametrize("cls", ["Categorical", "OneHotCategorical", "Bernoulli"])
def test_samples_shape_dtype_and_frequencies(cls: str) -> None:
    probs = ag.tensor([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]], dtype=ag.float64)
    if cls == "Bernoulli":
        probs = probs[:, 2]
    d = getattr(ag.distributions, cls)(probs)
    ag.manual_seed(0)
    n = 20000
    x = d.sample((n,))
    if cls == "Categorical":
        assert tuple(x.shape) == (n, 2) and x.dtype == ag.int64
        freq = np.stack([(x.numpy() == k).mean(0) for k in range(3)], -1)
    else:
        assert x.dtype == ag.float64
        assert tuple(x.shape) == (n, 2, 3) if cls == "OneHotCategorical" else (n, 2)
        freq = x.numpy().mean(0)
    p = probs.numpy()
    assert np.all(np.abs(freq - p) < 5 * np.sqrt(p * (1 - p) / n))
    ag.manual_seed(0)
    assert ag.equal(x, d.sample((n,)))


def test_enumerate_support() -> None:
    for name, args in [("Bernoulli", ([0.2, 0.4],)), ("Categorical", ([[0.2, 0.8]] * 3,))]:
        mine = getattr(ag.distributions, name)(ag.tensor(*args)).enumerate_support()
        theirs = getattr(torch.distributions, name)(torch.tensor(*args)).enumerate_support()
        assert mine.tolist() == theirs.tolist()


RATES = RNG.uniform(0.5, 6.0, (3, 1))
COUNTS = RNG.integers(0, 8, (2, 3, 4)).astype(np.float64)


def test_poisson() -> None:
    def fn(lib: Any) -> Callable[..., Any]:
        def run(rate: Any, value: Any) -> tuple[Any, ...]:
            d = lib.distributions.Poisson(rate.expand(3, 4))
            return d.log_prob(value), d.mean, d.mode, d.variance, d.stddev

        return run

    check_against_torch(fn(ag), fn(torch), [RATES, COUNTS])


def test_poisson_at_rate_zero_and_without_entropy_as_torch() -> None:
    for lib in (ag, torch):
        d = lib.distributions.Poisson(lib.tensor([0.0, 2.5]))
        assert d.log_prob(lib.tensor([0.0, 1.0])).tolist()[0] == 0.0
        assert d.log_prob(lib.tensor([1.0, 1.0])).tolist()[0] == float("-inf")
        assert d.mode.tolist() == [0.0, 2.0] and not d.has_rsample
        with pytest.raises(NotImplementedError):
            d.entropy()
        with pytest.raises(NotImplementedError):
            d.rsample()


def test_poisson_samples() -> None:
    d = ag.distributions.Poisson(ag.tensor([0.5, 4.0], dtype=ag.float64))
    ag.manual_seed(3)
    x = d.sample((20000,))
    assert tuple(x.shape) == (20000, 2) and x.dtype == ag.float64 and not x.requires_grad
    x_np = x.numpy()
    assert (x_np % 1 == 0).all() and (x_np >= 0).all()
    assert np.allclose(x_np.mean(0), [0.5, 4.0], rtol=0.03)
    assert np.allclose(x_np.var(0), [0.5, 4.0], rtol=0.06)


@pytest.mark.parametrize("value", [[0.0, -1.0], [-3.0]])
def test_categorical_log_prob_of_a_class_out_of_range_raises_as_torch(value: list[float]) -> None:
    """Without validation the value picks its class by gather, which refuses a negative one
    as PyTorch's does (arraygrad read -1 as the last class; the fuzzer's seed 1441)."""

    def log_prob(lib: Any) -> Any:
        probs = lib.tensor([0.3, 0.1, 0.6], dtype=lib.float64)
        d = lib.distributions.Categorical(probs=probs, validate_args=False)
        return d.log_prob(lib.tensor(value)).tolist()

    assert outcome_in_each(log_prob) == ("RuntimeError", "RuntimeError")


def test_parameters_derived_inside_sample_keep_their_graph_as_torch() -> None:
    """probs derived from logits is computed lazily; sample's no_grad computed and cached it
    without its graph, so the straight-through rsample (which samples first) and probs read
    after a draw had no gradient (the fuzzer's seed 1277)."""

    def requires_grad(lib: Any) -> list[bool]:
        logits = lib.tensor([0.3, 1.0, -2.0], dtype=lib.float64, requires_grad=True)
        d = lib.distributions
        straight = d.OneHotCategoricalStraightThrough(logits=logits).rsample((2,))
        bernoulli = d.Bernoulli(logits=logits)
        bernoulli.sample()
        return [straight.requires_grad, bernoulli.probs.requires_grad]

    assert requires_grad(ag) == requires_grad(torch) == [True, True]
