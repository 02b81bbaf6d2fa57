"""RelaxedBernoulli, LogitRelaxedBernoulli, RelaxedOneHotCategorical, ExpRelaxedCategorical and
OneHotCategoricalStraightThrough against torch.distributions in float64: log_prob with its
gradients, rsample's pathwise gradients with respect to the logits through the same uniform
noise, shapes, expand, validation and sample statistics."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import torch
import torch.distributions.relaxed_bernoulli
import torch.distributions.relaxed_categorical

import arraygrad as ag
import arraygrad.distributions.relaxed_bernoulli
import arraygrad.distributions.relaxed_categorical
from tests.oracle import check_against_torch, outcome_in_each

RNG = np.random.default_rng(37)
TEMPERATURE = np.array([0.3, 0.7, 1.5])
# the categorical relaxations' temperature divides whole event vectors: one for the batch
SCALAR_TEMPERATURE = np.array(0.6)
LOGITS = RNG.standard_normal((4, 3))
VECTOR_LOGITS = RNG.standard_normal((4, 3, 5))
UNIFORM = RNG.uniform(0.01, 0.99, (2, 4, 3))
VECTOR_UNIFORM = RNG.uniform(0.01, 0.99, (2, 4, 3, 5))


def _module(lib: Any, name: str) -> Any:
    return getattr(lib.distributions, name)


def logit_relaxed_bernoulli(lib: Any, t: Any, **param: Any) -> Any:
    return _module(lib, "relaxed_bernoulli").LogitRelaxedBernoulli(t, **param)


def exp_relaxed_categorical(lib: Any, t: Any, **param: Any) -> Any:
    return _module(lib, "relaxed_categorical").ExpRelaxedCategorical(t, **param)


def relaxed_bernoulli(lib: Any, t: Any, **param: Any) -> Any:
    return lib.distributions.RelaxedBernoulli(t, **param)


def relaxed_one_hot(lib: Any, t: Any, **param: Any) -> Any:
    return lib.distributions.RelaxedOneHotCategorical(t, **param)


Family = tuple[Callable[..., Any], np.ndarray, np.ndarray, np.ndarray]
FAMILIES: dict[str, Family] = {
    # (constructor, temperature, logits, a value in the support)
    "LogitRelaxedBernoulli": (
        logit_relaxed_bernoulli,
        TEMPERATURE,
        LOGITS,
        RNG.standard_normal((2, 4, 3)),
    ),
    "RelaxedBernoulli": (relaxed_bernoulli, TEMPERATURE, LOGITS, UNIFORM),
    "ExpRelaxedCategorical": (
        exp_relaxed_categorical,
        SCALAR_TEMPERATURE,
        VECTOR_LOGITS,
        np.log(RNG.dirichlet(np.ones(5), (2, 4, 3))),
    ),
    "RelaxedOneHotCategorical": (
        relaxed_one_hot,
        SCALAR_TEMPERATURE,
        VECTOR_LOGITS,
        RNG.dirichlet(np.ones(5), (2, 4, 3)),
    ),
}


@pytest.mark.parametrize("name", sorted(FAMILIES))
@pytest.mark.parametrize("by", ["logits", "probs"])
def test_log_prob_values_and_gradients(name: str, by: str) -> None:
    build, temperature, logits, value = FAMILIES[name]
    vector = "Categorical" in name
    if by == "logits":
        param = logits
    elif vector:
        param = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    else:
        param = 1 / (1 + np.exp(-logits))

    def fn(lib: Any) -> Callable[..., Any]:
        def run(t: Any, p: Any, v: Any) -> Any:
            return build(lib, t, **{by: p}).log_prob(v)

        return run

    check_against_torch(fn(ag), fn(torch), [temperature, param, value])


@pytest.fixture
def shared_noise(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[np.ndarray], None]]:
    """Make both libraries' ``rand`` return the given uniform draws (so their relaxed draws
    are the same function of the parameters)."""

    def use(noise: np.ndarray) -> None:
        def fake(lib: Any) -> Callable[..., Any]:
            def rand(*size: Any, dtype: Any = None, **_: Any) -> Any:
                shape = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else size
                assert tuple(shape) == noise.shape, (shape, noise.shape)
                return lib.tensor(noise, dtype=dtype)

            return rand

        monkeypatch.setattr(torch, "rand", fake(torch))
        monkeypatch.setattr(ag, "rand", fake(ag))

    yield use


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_rsample_pathwise_gradients_on_shared_noise(
    name: str, shared_noise: Callable[[np.ndarray], None]
) -> None:
    build, temperature, logits, _ = FAMILIES[name]
    noise = VECTOR_UNIFORM if "Categorical" in name else UNIFORM
    shared_noise(noise)

    def fn(lib: Any) -> Callable[..., Any]:
        def run(t: Any, p: Any) -> Any:
            return build(lib, t, logits=p).rsample((2,))

        return run

    check_against_torch(fn(ag), fn(torch), [temperature, logits])


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_shapes_expand_support_and_repr(name: str) -> None:
    build, temperature, logits, _ = FAMILIES[name]

    def describe(lib: Any) -> tuple[Any, ...]:
        d = build(lib, lib.tensor(temperature), logits=lib.tensor(logits))
        bigger = d.expand((2, *d.batch_shape))
        draw = bigger.rsample((3,))
        return (
            tuple(d.batch_shape),
            tuple(d.event_shape),
            tuple(bigger.batch_shape),
            type(bigger).__name__,
            isinstance(bigger, lib.distributions.TransformedDistribution),
            repr(d.support),
            repr(d).replace(lib.__name__, "lib"),
            d.has_rsample,
            tuple(draw.shape),
            tuple(bigger.sample().shape),
            tuple(bigger.log_prob(draw).shape),
            tuple(d.probs.shape),
            bool(d.support.check(draw).all()),
        )

    assert describe(ag) == describe(torch)


def test_expanded_log_prob_as_torch() -> None:
    value = FAMILIES["RelaxedOneHotCategorical"][3]

    def fn(lib: Any) -> Callable[..., Any]:
        def run(t: Any, p: Any, v: Any) -> Any:
            d = relaxed_one_hot(lib, t, probs=p).expand((2, 4, 3))
            b = relaxed_bernoulli(lib, t, logits=p[..., 0]).expand((2, 4, 3))
            return d.log_prob(v), b.log_prob(v[..., 0])

        return run

    probs = np.exp(VECTOR_LOGITS) / np.exp(VECTOR_LOGITS).sum(-1, keepdims=True)
    check_against_torch(fn(ag), fn(torch), [SCALAR_TEMPERATURE, probs, value])


def test_number_temperature_is_the_tensor_one() -> None:
    """A number as temperature gives the values of the same number as a tensor (torch 2.13's
    log_prob fails on a number, so this is checked against arraygrad's tensor case)."""
    d = ag.distributions
    logits = ag.tensor(LOGITS)
    for build, value in [
        (relaxed_bernoulli, ag.tensor(UNIFORM)),
        (logit_relaxed_bernoulli, ag.tensor(UNIFORM)),
        (relaxed_one_hot, ag.tensor(RNG.dirichlet(np.ones(3), (2, 4)))),
    ]:
        scalar = build(ag, 0.7, logits=logits).log_prob(value)
        tensor = build(ag, ag.tensor(0.7, dtype=ag.float64), logits=logits).log_prob(value)
        np.testing.assert_allclose(scalar.numpy(), tensor.numpy(), rtol=1e-12)
    assert isinstance(d.RelaxedBernoulli(0.5, probs=0.3).temperature, float)


def test_samples_follow_the_distribution() -> None:
    """Low temperatures give nearly discrete draws with the class frequencies; at any
    temperature the relaxed Bernoulli's logit is logistic, so P(draw > 1/2) = p."""
    ag.manual_seed(1)
    n = 20000
    probs = ag.tensor([0.2, 0.5, 0.3], dtype=ag.float64)
    relaxed = ag.distributions.RelaxedOneHotCategorical(ag.tensor(0.05), probs=probs)
    draws = relaxed.sample((n,))
    assert bool(ag.distributions.constraints.simplex.check(draws).all())
    frequencies = ag.nn.functional.one_hot(draws.argmax(-1), 3).double().mean(0)
    np.testing.assert_allclose(frequencies.numpy(), probs.numpy(), atol=0.015)
    assert draws.max(-1).values.mean().item() > 0.95
    for t in [0.1, 1.0, 5.0]:
        bernoulli = ag.distributions.RelaxedBernoulli(ag.tensor(t), probs=ag.tensor(0.3))
        above = (bernoulli.sample((n,)) > 0.5).double().mean().item()
        assert abs(above - 0.3) < 0.015, t


def test_log_prob_integrates_to_one() -> None:
    """The relaxed Bernoulli density on a fine grid of (0, 1) integrates to 1."""
    x = np.linspace(1e-6, 1 - 1e-6, 200001)
    for t in [0.5, 1.0, 3.0]:
        d = ag.distributions.RelaxedBernoulli(ag.tensor(t, dtype=ag.float64), logits=0.4)
        density = d.log_prob(ag.tensor(x)).exp().numpy()
        assert abs(np.trapezoid(density, x) - 1) < 2e-3, t


def test_straight_through_gradients_are_those_of_probs() -> None:
    ag.manual_seed(2)
    logits = ag.tensor(VECTOR_LOGITS[0], requires_grad=True)
    d = ag.distributions.OneHotCategoricalStraightThrough(logits=logits)
    draw = d.rsample((6,))
    assert bool(ag.distributions.constraints.one_hot.check(draw).all())
    weights = ag.tensor(RNG.standard_normal((6, 3, 5)))
    (draw * weights).sum().backward()

    # torch: the same straight-through gradient, that of (probs * summed weights)
    theirs = torch.tensor(VECTOR_LOGITS[0], requires_grad=True)
    probs = torch.distributions.OneHotCategoricalStraightThrough(logits=theirs).probs
    (probs * torch.tensor(weights.numpy()).sum(0)).sum().backward()
    np.testing.assert_allclose(logits.grad.numpy(), theirs.grad.numpy(), rtol=1e-10)

    def describe(lib: Any) -> tuple[Any, ...]:
        s = lib.distributions.OneHotCategoricalStraightThrough(lib.tensor([0.2, 0.8]))
        bigger = s.expand((4,))
        return (
            s.has_rsample,
            isinstance(s, lib.distributions.OneHotCategorical),
            type(bigger).__name__,
            tuple(bigger.rsample((2,)).shape),
            repr(s),
            repr(s.support),
        )

    assert describe(ag) == describe(torch)


INVALID: dict[str, Callable[[Any], Any]] = {
    "relaxed bernoulli probs": lambda lib: relaxed_bernoulli(lib, lib.tensor(0.5), probs=1.5),
    "relaxed bernoulli both": lambda lib: relaxed_bernoulli(
        lib, lib.tensor(0.5), probs=lib.tensor(0.5), logits=lib.tensor(0.0)
    ),
    "relaxed bernoulli value": lambda lib: relaxed_bernoulli(
        lib, lib.tensor(0.5), probs=lib.tensor(0.5)
    ).log_prob(lib.tensor(1.5)),
    "relaxed one hot probs": lambda lib: relaxed_one_hot(
        lib, lib.tensor(0.5), probs=lib.tensor([0.5, -0.5])
    ),
    "relaxed one hot neither": lambda lib: relaxed_one_hot(lib, lib.tensor(0.5)),
    "relaxed one hot value": lambda lib: relaxed_one_hot(
        lib, lib.tensor(0.5), probs=lib.tensor([0.5, 0.5])
    ).log_prob(lib.tensor([0.5, 0.6])),
    "exp relaxed value shape": lambda lib: exp_relaxed_categorical(
        lib, lib.tensor(0.5), probs=lib.tensor([0.5, 0.5])
    ).log_prob(lib.tensor([0.5, 0.6, 0.1])),
    "straight through probs": lambda lib: lib.distributions.OneHotCategoricalStraightThrough(
        lib.tensor([0.5, -0.5])
    ),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_validation_as_torch(name: str) -> None:
    theirs, mine = outcome_in_each(INVALID[name], (ValueError,))
    assert theirs == "ValueError"
    assert mine == theirs
