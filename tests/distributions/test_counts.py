"""Binomial, Geometric, NegativeBinomial and Multinomial against torch.distributions in float64:
log_prob, entropy and moments with their gradients on grids of parameters that include the
edges (probabilities 0 and 1, infinite logits, no trials), samples' shapes and statistics,
enumerate_support, and the errors torch raises."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, outcome_in_each

INF = float("inf")
PROBS = np.array([0.0, 1e-3, 0.3, 0.7, 1.0]).reshape(5, 1)
LOGITS = np.array([-INF, -3.0, 0.0, 2.5, INF]).reshape(5, 1)
COUNTS = np.array([0.0, 1.0, 3.0, 7.0]).reshape(1, 4)
# successes as fractions of the trial count, so every value lies in every Binomial's support
FRACTIONS = np.array([0.0, 0.4, 1.0]).reshape(3, 1, 1)
SUCCESSES = np.floor(FRACTIONS * COUNTS) + np.zeros((3, 5, 4))
OUTCOMES = np.array([0.0, 1.0, 2.0, 5.0]).reshape(4, 1, 1)


def _moments(d: Any) -> tuple[Any, ...]:
    return d.mean, d.mode, d.variance, d.probs, d.logits


@pytest.mark.parametrize("param", ["probs", "logits"])
def test_binomial(param: str) -> None:
    values = PROBS if param == "probs" else LOGITS

    def fn(lib: Any) -> Callable[..., Any]:
        def run(n: Any, p: Any, k: Any) -> tuple[Any, ...]:
            d = lib.distributions.Binomial(n, **{param: p})
            return (d.log_prob(k), *_moments(d))

        return run

    check_against_torch(fn(ag), fn(torch), [COUNTS, values, SUCCESSES])


@pytest.mark.parametrize("param", ["probs", "logits"])
def test_binomial_entropy_and_support(param: str) -> None:
    values = PROBS[:, 0] if param == "probs" else LOGITS[:, 0]

    def fn(lib: Any) -> Callable[..., Any]:
        def run(p: Any) -> tuple[Any, ...]:
            d = lib.distributions.Binomial(4, **{param: p})
            return d.entropy(), d.enumerate_support(), d.enumerate_support(expand=False)

        return run

    check_against_torch(fn(ag), fn(torch), [values])


def test_binomial_without_trials_and_inhomogeneous_counts_as_torch() -> None:
    def run(lib: Any) -> Any:
        d = lib.distributions.Binomial(lib.tensor(0.0), lib.tensor([0.0, 0.5, 1.0]))
        return d.entropy().tolist(), d.enumerate_support().tolist(), d.mode.tolist()

    theirs, mine = outcome_in_each(run)
    assert mine == theirs
    for method in ("entropy", "enumerate_support"):

        def call(lib: Any, method: str = method) -> Any:
            d = lib.distributions.Binomial(lib.tensor([2.0, 3.0]), lib.tensor(0.5))
            return getattr(d, method)()

        theirs, mine = outcome_in_each(call, (NotImplementedError,))
        assert mine == theirs == "NotImplementedError"
        with pytest.raises(NotImplementedError, match=f"Inhomogeneous total count .*`{method}`"):
            call(ag)


@pytest.mark.parametrize("param", ["probs", "logits"])
def test_geometric(param: str) -> None:
    # probability 0 is not a distribution (torch rejects it); logit -inf is its limit
    values = PROBS[1:] if param == "probs" else LOGITS

    def fn(lib: Any) -> Callable[..., Any]:
        def run(p: Any, k: Any) -> tuple[Any, ...]:
            d = lib.distributions.Geometric(**{param: p})
            return (d.log_prob(k), d.entropy(), *_moments(d))

        return run

    check_against_torch(fn(ag), fn(torch), [values, OUTCOMES])


@pytest.mark.parametrize("param", ["probs", "logits"])
def test_negative_binomial(param: str) -> None:
    # probability 1 lies outside the half-open [0, 1) torch requires
    values = PROBS[:-1] if param == "probs" else LOGITS
    failures = np.array([0.0, 0.5, 2.5, 7.0]).reshape(1, 4)

    def fn(lib: Any) -> Callable[..., Any]:
        def run(r: Any, p: Any, k: Any) -> tuple[Any, ...]:
            d = lib.distributions.NegativeBinomial(r, **{param: p})
            return (d.log_prob(k), *_moments(d))

        return run

    check_against_torch(fn(ag), fn(torch), [failures, values, OUTCOMES])


MULTI_PROBS = np.array([[0.0, 0.3, 0.7], [0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [1.0, 2.0, 3.0]])
MULTI_LOGITS = np.array([[-INF, 0.0, 1.0], [0.5, -1.0, 2.0], [3.0, 3.0, 3.0], [0.0, -INF, -INF]])
# draws of 4 trials, broadcast over the batch of 4; classes of probability 0 get count 0 in
# some rows only, so some log-probabilities are -inf
MULTI_VALUES = np.array([[[1.0, 1.0, 2.0]], [[4.0, 0.0, 0.0]], [[0.0, 2.0, 2.0]]])


@pytest.mark.parametrize("param", ["probs", "logits"])
def test_multinomial(param: str) -> None:
    values = MULTI_PROBS if param == "probs" else MULTI_LOGITS

    def fn(lib: Any) -> Callable[..., Any]:
        def run(p: Any, x: Any) -> tuple[Any, ...]:
            d = lib.distributions.Multinomial(4, **{param: p})
            return d.log_prob(x), d.mean, d.variance, d.probs, d.logits

        return run

    check_against_torch(fn(ag), fn(torch), [values, MULTI_VALUES])


@pytest.mark.parametrize("param", ["probs", "logits"])
def test_multinomial_entropy(param: str) -> None:
    values = MULTI_PROBS if param == "probs" else MULTI_LOGITS

    def fn(lib: Any) -> Callable[..., Any]:
        return lambda p: lib.distributions.Multinomial(4, **{param: p}).entropy()

    # torch takes log(n!) in float32 whatever the parameters' dtype, 2.6e-8 off at n = 4
    check_against_torch(fn(ag), fn(torch), [values], atol=5e-8)


def test_multinomial_without_trials() -> None:
    def fn(lib: Any) -> Callable[..., Any]:
        def run(p: Any, x: Any) -> tuple[Any, ...]:
            d = lib.distributions.Multinomial(0, p)
            return d.log_prob(x), d.entropy()

        return run

    check_against_torch(fn(ag), fn(torch), [MULTI_PROBS, np.zeros((2, 4, 3))])


def _sample_moments(d: Any, n: int = 20000) -> tuple[np.ndarray, np.ndarray]:
    ag.manual_seed(0)
    x = d.sample((n,)).numpy()
    return x.mean(0), x.var(0)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("Binomial", lambda D: D.Binomial(ag.tensor([[5.0], [20.0]]), ag.tensor([0.1, 0.5, 1.0]))),
        ("Geometric", lambda D: D.Geometric(ag.tensor([0.2, 0.5, 1.0]))),
        ("NegativeBinomial", lambda D: D.NegativeBinomial(ag.tensor([[1.5], [4.0]]), 0.4)),
        ("Multinomial", lambda D: D.Multinomial(6, ag.tensor([[0.1, 0.2, 0.7], [0.5, 0.5, 0]]))),
    ],
)
def test_samples_have_the_moments_and_shape(name: str, make: Callable[[Any], Any]) -> None:
    ag.set_default_dtype(ag.float64)
    try:
        d = make(ag.distributions)
    finally:
        ag.set_default_dtype(ag.float32)
    x = d.sample((4, 2))
    expected_shape = (4, 2, *d.batch_shape, *d.event_shape)
    assert tuple(x.shape) == expected_shape and x.dtype == ag.float64, name
    assert not x.requires_grad and bool((x >= 0).all()) and bool((x % 1 == 0).all())
    mean, var = _sample_moments(d)
    expected_mean, expected_var = d.mean.numpy(), d.variance.numpy()
    n = 20000
    # a mean within 5 standard errors, a variance within 10% (exact where it is 0)
    assert np.all(np.abs(mean - expected_mean) <= 5 * np.sqrt(expected_var / n) + 1e-12), name
    assert np.allclose(var, expected_var, rtol=0.1, atol=1e-12), name


def test_samples_repeat_with_the_seed() -> None:
    d = ag.distributions.Binomial(10, ag.tensor([0.2, 0.7]))
    ag.manual_seed(5)
    first = d.sample((3,))
    ag.manual_seed(5)
    assert ag.equal(first, d.sample((3,)))


EXPANDABLE: list[Callable[[Any], Any]] = [
    lambda lib: lib.distributions.Binomial(lib.tensor([2.0, 3.0]), lib.tensor([0.5, 0.2])),
    lambda lib: lib.distributions.Binomial(3, logits=lib.tensor([0.5, 0.2])),
    lambda lib: lib.distributions.Geometric(lib.tensor([0.5, 0.2])),
    lambda lib: lib.distributions.NegativeBinomial(lib.tensor([2.0, 3.0]), lib.tensor(0.5)),
    lambda lib: lib.distributions.Multinomial(3, lib.tensor([[0.5, 0.5], [0.2, 0.8]])),
]


@pytest.mark.parametrize("index", range(len(EXPANDABLE)))
def test_expand_as_torch(index: int) -> None:
    def run(lib: Any) -> tuple[Any, ...]:
        d = EXPANDABLE[index](lib).expand((3, 2))
        value = d.sample()
        shapes = tuple(d.batch_shape), tuple(d.event_shape), tuple(value.shape)
        return shapes, repr(d), tuple(d.log_prob(value).shape), tuple(d.mean.shape)

    theirs, mine = outcome_in_each(run)
    assert str(mine).replace("arraygrad", "torch") == str(theirs)


# (parameter, value, the entropy by mpmath at 80 digits): torch 2.13's loses about eps / p
# relative (0 at logits -300 and p = 1e-20); the previous form 0 at logits 40 and 22240 at
# p = 1e-20
GEOMETRIC_ENTROPIES = [
    ("probs", 1e-300, 691.77552789821371),
    ("probs", 1e-20, 47.051701859880914),
    ("probs", 1e-12, 28.631021115928048),
    ("probs", 1 - 1e-12, 2.8630409869996193e-11),
    ("probs", 1.0, 0.0),
    ("logits", -800.0, 801.0),
    ("logits", -300.0, 301.0),
    ("logits", -30.0, 31.000000000000047),
    ("logits", 30.0, 2.9008631203404585e-12),
    ("logits", 40.0, 1.7418252446695515e-16),
]


@pytest.mark.parametrize(("param", "value", "entropy"), GEOMETRIC_ENTROPIES)
def test_geometric_entropy_at_the_edges(param: str, value: float, entropy: float) -> None:
    p = ag.tensor(value, dtype=ag.float64, requires_grad=True)
    result = ag.distributions.Geometric(**{param: p}).entropy()
    assert abs(result.item() - entropy) <= 1e-14 * entropy
    (grad,) = ag.autograd.grad(result, p)
    assert np.isfinite(grad.item())


def test_binomial_log_prob_at_all_or_no_successes_with_large_logits() -> None:
    """At k = n the mass is n log sigmoid(logits) = -n log1p(exp(-logits)), tiny for large
    logits: softplus's threshold at 20 made it 0 (the fuzzer's seed 1431), and the form
    k logits - n softplus(logits) loses its digits; mpmath at 30 digits."""
    import mpmath

    mpmath.mp.dps = 30
    logits = [26.17185603, 118.28129262, 21.0, -30.0]
    d = ag.distributions.Binomial(7, logits=ag.tensor(logits, dtype=ag.float64))
    for k, sign in ((7.0, 1), (0.0, -1)):
        expected = [float(-7 * mpmath.log1p(mpmath.exp(-sign * mpmath.mpf(x)))) for x in logits]
        got = d.log_prob(ag.tensor(k, dtype=ag.float64)).tolist()
        np.testing.assert_allclose(got, expected, rtol=1e-14, atol=0)
