"""TransformedDistribution against torch 2.13 in float64: log_prob, cdf and icdf with their
gradients, rsample's pathwise gradients on the same base noise, shapes for batch and event
combinations, expand, support, errors; KL between transformed distributions; biject_to and
transform_to; and Soft Actor-Critic's squashed Gaussian policy end to end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, outcome_in_each

RNG = np.random.default_rng(11)
LOC = RNG.standard_normal((3, 1))
SCALE = RNG.uniform(0.5, 1.5, (4,))
REAL = RNG.standard_normal((2, 3, 4))
POSITIVE = RNG.uniform(0.2, 3.0, (2, 3, 4))
UNIT = RNG.uniform(0.05, 0.95, (2, 3, 4))
SIMPLEX = RNG.dirichlet(np.ones(5), (2, 3))
SIGNS = np.array([1.0, -1.0, 2.0, -0.5])


def _d(lib: Any) -> Any:
    return lib.distributions


def _normal(lib: Any, loc: Any, scale: Any) -> Any:
    return _d(lib).Normal(loc, scale)


Builder = Callable[..., Any]
# name -> (builder(lib, *params) of the distribution, params, a value of its support)
CASES: dict[str, tuple[Builder, tuple[np.ndarray, ...], np.ndarray]] = {
    "tanh": (
        lambda lib, a, b: _d(lib).TransformedDistribution(
            _normal(lib, a, b), [_d(lib).TanhTransform()]
        ),
        (LOC, SCALE),
        2 * UNIT - 1,
    ),
    "affine then exp": (
        lambda lib, a, b, c: _d(lib).TransformedDistribution(
            _normal(lib, a, b), [_d(lib).AffineTransform(c, c**2), _d(lib).ExpTransform()]
        ),
        (LOC, SCALE, SCALE[::-1].copy()),
        POSITIVE,
    ),
    "a single transform, not a list": (
        lambda lib, a, b: _d(lib).TransformedDistribution(
            _normal(lib, a, b), _d(lib).SigmoidTransform()
        ),
        (LOC, SCALE),
        UNIT,
    ),
    "softplus of a gamma's log": (
        lambda lib, a, b: _d(lib).TransformedDistribution(
            _d(lib).Gamma(a**2 + 0.5, b), [_d(lib).ExpTransform().inv, _d(lib).SoftplusTransform()]
        ),
        (LOC, SCALE),
        POSITIVE,
    ),
    "power of an exponential": (
        lambda lib, b, p: _d(lib).TransformedDistribution(
            _d(lib).Exponential(b), [_d(lib).PowerTransform(p)]
        ),
        (SCALE, SIGNS),
        POSITIVE,
    ),
    "stick breaking": (
        lambda lib, a, b: _d(lib).TransformedDistribution(
            _normal(lib, a, b), [_d(lib).StickBreakingTransform()]
        ),
        (LOC, SCALE),
        SIMPLEX,
    ),
    "affine with an event": (
        lambda lib, a, b, c: _d(lib).TransformedDistribution(
            _normal(lib, a, b), [_d(lib).AffineTransform(c, c - 3.0, event_dim=1)]
        ),
        (LOC, SCALE, SCALE[::-1].copy()),
        REAL,
    ),
    "reshape": (
        lambda lib, a, b: _d(lib).TransformedDistribution(
            _normal(lib, a, b), [_d(lib).ReshapeTransform((3, 4), (6, 2))]
        ),
        (LOC, SCALE),
        REAL.reshape(2, 6, 2),
    ),
    "affine broadcasting the base": (
        lambda lib, a, b, c: _d(lib).TransformedDistribution(
            _normal(lib, a, b), [_d(lib).AffineTransform(c, 2.0)]
        ),
        (LOC[0], SCALE[0], REAL[0]),
        REAL,
    ),
    "multivariate normal through a composition": (
        lambda lib, a, b: _d(lib).TransformedDistribution(
            _d(lib).MultivariateNormal(a, scale_tril=lib.diag(b)),
            [
                _d(lib).ComposeTransform(
                    [_d(lib).AffineTransform(0.0, -2.0), _d(lib).TanhTransform()]
                ),
                _d(lib).IndependentTransform(_d(lib).AffineTransform(1.0, 3.0), 1),
            ],
        ),
        (LOC[:, 0] * np.ones((4, 3)), SCALE[:3]),
        3 * (2 * UNIT.transpose(0, 2, 1) - 1) + 1,
    ),
}


def _on_both(build: Builder, method: Callable[[Any, Any], Any]) -> tuple[Builder, Builder]:
    def run(lib: Any) -> Builder:
        return lambda *args: method(build(lib, *args[:-1]), args[-1])

    return run(ag), run(torch)


@pytest.mark.parametrize("name", sorted(CASES))
def test_log_prob_values_and_gradients(name: str) -> None:
    build, params, value = CASES[name]
    check_against_torch(*_on_both(build, lambda d, v: d.log_prob(v)), [*params, value])


MONOTONE: dict[str, tuple[Builder, tuple[np.ndarray, ...], np.ndarray]] = {
    "increasing": (
        lambda lib, a, b: _d(lib).TransformedDistribution(
            _normal(lib, a, b), [_d(lib).AffineTransform(1.0, 2.0), _d(lib).ExpTransform()]
        ),
        (LOC, SCALE),
        POSITIVE,
    ),
    "decreasing": (
        lambda lib, a, b: _d(lib).TransformedDistribution(
            _d(lib).Laplace(a, b), [_d(lib).AffineTransform(0.5, -2.0), _d(lib).TanhTransform()]
        ),
        (LOC, SCALE),
        2 * UNIT - 1,
    ),
    "signs in a tensor": (
        lambda lib, a, b, s: _d(lib).TransformedDistribution(
            _d(lib).Exponential(b), [_d(lib).PowerTransform(s), _d(lib).AffineTransform(a, s)]
        ),
        (LOC, SCALE, SIGNS),
        LOC + SIGNS * POSITIVE,
    ),
}


@pytest.mark.parametrize("name", sorted(MONOTONE))
def test_cdf_and_icdf(name: str) -> None:
    build, params, value = MONOTONE[name]
    check_against_torch(*_on_both(build, lambda d, v: d.cdf(v)), [*params, value])
    check_against_torch(*_on_both(build, lambda d, v: d.icdf(v)), [*params, UNIT])


def _noise_normal(lib: Any, noise: Any) -> type:
    """A Normal whose rsample moves fixed standard ``noise`` (the same in both libraries)."""

    class NoiseNormal(lib.distributions.Normal):  # type: ignore[misc, name-defined]
        def rsample(self, sample_shape: Any = ()) -> Any:
            shape = tuple(self._extended_shape(sample_shape))
            return self.loc + self.scale * noise.reshape(shape)

    return NoiseNormal


# the noise puts some pre-images far out, where tanh rounds to ±1 in float64
NOISE = RNG.standard_normal((5, 3, 4)) * np.array([1.0, 1.0, 30.0, 1.0])


@pytest.mark.parametrize("cache_size", [0, 1])
def test_rsample_pathwise_gradients_on_the_same_noise(cache_size: int) -> None:
    def draw(lib: Any) -> Builder:
        def run(loc: Any, scale: Any, noise: Any) -> Any:
            T = _d(lib).transforms
            base = _noise_normal(lib, noise)(loc, scale)
            squash = [T.AffineTransform(0.5, 2.0), T.TanhTransform(cache_size=cache_size)]
            d = _d(lib).TransformedDistribution(base, squash, validate_args=False)
            sample = d.rsample((5,))
            if cache_size == 0:
                return sample  # atanh of a saturated sample is infinite, so no log_prob
            # through the cache: the density at the draw's exact pre-image, finite
            return sample, d.log_prob(sample)

        return run

    inputs = [LOC, SCALE, NOISE]
    check_against_torch(draw(ag), draw(torch), inputs)
    if cache_size == 1:
        _, log_prob = draw(ag)(*(ag.tensor(a) for a in inputs))
        assert bool(log_prob.isfinite().all())


def test_sample_is_detached_and_has_the_shape() -> None:
    d = _d(ag)
    base = d.Normal(ag.zeros(3, requires_grad=True), 1.0)
    squashed = d.TransformedDistribution(base, [d.TanhTransform()])
    sample = squashed.sample((4, 2))
    assert tuple(sample.shape) == (4, 2, 3) and not sample.requires_grad
    assert bool((sample.abs() < 1).all())
    assert squashed.rsample().requires_grad


def _describe(d: Any) -> tuple[Any, ...]:
    def text(value: Any) -> str:
        return repr(value).replace("torch.Size", "Size").replace("arraygrad.Size", "Size")

    shapes = []
    for sample_shape in [(), (2,)]:
        shapes.append(tuple(d.sample(sample_shape).shape))
        shapes.append(tuple(d.log_prob(d.sample(sample_shape)).shape))
    return (
        tuple(d.batch_shape),
        tuple(d.event_shape),
        text(d.base_dist),
        text(d.support),
        d.has_rsample,
        text(d),
        shapes,
    )


SHAPE_CASES: dict[str, Callable[[Any], Any]] = {
    "no transforms": lambda lib: _d(lib).TransformedDistribution(
        _d(lib).Normal(lib.zeros(2, 3), 1.0), []
    ),
    "exp": lambda lib: _d(lib).TransformedDistribution(
        _d(lib).Normal(lib.zeros(2, 3), 1.0), [_d(lib).ExpTransform()]
    ),
    "stick breaking": lambda lib: _d(lib).TransformedDistribution(
        _d(lib).Normal(lib.zeros(2, 3), 1.0), [_d(lib).StickBreakingTransform()]
    ),
    "reshape to a matrix": lambda lib: _d(lib).TransformedDistribution(
        _d(lib).Normal(lib.zeros(2, 3), 1.0), [_d(lib).ReshapeTransform((3,), (3, 1))]
    ),
    "reshape everything": lambda lib: _d(lib).TransformedDistribution(
        _d(lib).Normal(lib.zeros(2, 3), 1.0), [_d(lib).ReshapeTransform((2, 3), (6,))]
    ),
    "affine broadcasting": lambda lib: _d(lib).TransformedDistribution(
        _d(lib).Normal(lib.zeros(2, 3), 1.0), [_d(lib).AffineTransform(lib.zeros(4, 1, 1), 1.0)]
    ),
    "affine event": lambda lib: _d(lib).TransformedDistribution(
        _d(lib).Normal(lib.zeros(2, 3), 1.0),
        [_d(lib).AffineTransform(lib.zeros(4, 1, 3), 1.0, event_dim=1)],
    ),
    "multivariate base, elementwise transform": lambda lib: _d(lib).TransformedDistribution(
        _d(lib).MultivariateNormal(lib.zeros(2, 3), lib.eye(3)), [_d(lib).SigmoidTransform()]
    ),
    "multivariate base, independent transform": lambda lib: _d(lib).TransformedDistribution(
        _d(lib).MultivariateNormal(lib.zeros(3), lib.eye(3)),
        [_d(lib).IndependentTransform(_d(lib).ExpTransform(), 1)],
    ),
    "dirichlet through the inverse stick": lambda lib: _d(lib).TransformedDistribution(
        _d(lib).Dirichlet(lib.ones(2, 4)), [_d(lib).StickBreakingTransform().inv]
    ),
    "nested": lambda lib: _d(lib).TransformedDistribution(
        _d(lib).TransformedDistribution(
            _d(lib).Normal(lib.zeros(3), 1.0), [_d(lib).StickBreakingTransform()]
        ),
        [_d(lib).ExpTransform().inv],
    ),
}


@pytest.mark.parametrize("name", sorted(SHAPE_CASES))
def test_shapes_base_and_support(name: str) -> None:
    assert _describe(SHAPE_CASES[name](ag)) == _describe(SHAPE_CASES[name](torch))


@pytest.mark.parametrize("name", ["exp", "stick breaking", "affine event", "reshape to a matrix"])
def test_expand(name: str) -> None:
    def expanded(lib: Any) -> tuple[Any, ...]:
        d = SHAPE_CASES[name](lib)
        bigger = d.expand((5, *d.batch_shape))
        value = bigger.sample()
        return (
            tuple(bigger.batch_shape),
            tuple(bigger.event_shape),
            tuple(bigger.base_dist.batch_shape),
            tuple(bigger.log_prob(value).shape),
            bigger.transforms == d.transforms,
        )

    assert expanded(ag) == expanded(torch)


ERRORS: dict[str, Callable[[Any], Any]] = {
    "not a transform": lambda lib: _d(lib).TransformedDistribution(_d(lib).Normal(0.0, 1.0), 3),
    "not a list of transforms": lambda lib: _d(lib).TransformedDistribution(
        _d(lib).Normal(0.0, 1.0), [3]
    ),
    "base too small": lambda lib: _d(lib).TransformedDistribution(
        _d(lib).Normal(0.0, 1.0), [_d(lib).StickBreakingTransform()]
    ),
    "reshape mismatch": lambda lib: _d(lib).TransformedDistribution(
        _d(lib).Normal(lib.zeros(3), 1.0), [_d(lib).ReshapeTransform((4,), (2, 2))]
    ),
    "value outside the support": lambda lib: (
        _d(lib)
        .TransformedDistribution(
            _d(lib).Normal(0.0, 1.0), [_d(lib).TanhTransform()], validate_args=True
        )
        .log_prob(lib.tensor(2.0))
    ),
    "value of the wrong event shape": lambda lib: (
        _d(lib)
        .TransformedDistribution(
            _d(lib).Normal(lib.zeros(2), 1.0),
            [_d(lib).StickBreakingTransform()],
            validate_args=True,
        )
        .log_prob(lib.ones(4) / 4)
    ),
    "value not a tensor": lambda lib: (
        _d(lib)
        .TransformedDistribution(
            _d(lib).Normal(0.0, 1.0), [_d(lib).ExpTransform()], validate_args=True
        )
        .log_prob(1.0)
    ),
    "cdf outside the base's support": lambda lib: (
        _d(lib)
        .TransformedDistribution(
            _d(lib).Exponential(1.0), [_d(lib).AffineTransform(0.0, 2.0)], validate_args=True
        )
        .cdf(lib.tensor(-1.0))
    ),
    "cdf of a transform without a sign": lambda lib: (
        _d(lib)
        .TransformedDistribution(
            _d(lib).Normal(lib.zeros(2), 1.0), [_d(lib).StickBreakingTransform()]
        )
        .cdf(lib.tensor([0.2, 0.3, 0.5]))
    ),
    "mean": lambda lib: (
        _d(lib).TransformedDistribution(_d(lib).Normal(0.0, 1.0), [_d(lib).ExpTransform()]).mean
    ),
    "entropy": lambda lib: (
        _d(lib)
        .TransformedDistribution(_d(lib).Normal(0.0, 1.0), [_d(lib).ExpTransform()])
        .entropy()
    ),
    "rsample of a discrete base": lambda lib: (
        _d(lib).TransformedDistribution(_d(lib).Bernoulli(0.3), [_d(lib).ExpTransform()]).rsample()
    ),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_as_torch(name: str) -> None:
    errors = (ValueError, NotImplementedError)
    theirs, mine = outcome_in_each(ERRORS[name], errors)
    assert isinstance(theirs, str), "torch raised nothing"
    assert mine == theirs


def test_kl_between_transformed_distributions() -> None:
    def kl(lib: Any) -> Builder:
        def run(a: Any, b: Any, c: Any, s: Any) -> Any:
            T = _d(lib).transforms
            squash = [T.AffineTransform(c, s), T.TanhTransform()]
            p = _d(lib).TransformedDistribution(_normal(lib, a, b), squash)
            # equal transforms built anew: compared by value
            same = [T.AffineTransform(c, s), T.TanhTransform()]
            q = _d(lib).TransformedDistribution(_normal(lib, b, a.exp()), same)
            return _d(lib).kl_divergence(p, q)

        return run

    check_against_torch(kl(ag), kl(torch), [LOC, SCALE, LOC, SIGNS])

    def different(lib: Any) -> Any:
        base = _d(lib).Normal(0.0, 1.0)
        p = _d(lib).TransformedDistribution(base, [_d(lib).TanhTransform()])
        q = _d(lib).TransformedDistribution(base, [_d(lib).SigmoidTransform()])
        return _d(lib).kl_divergence(p, q)

    assert outcome_in_each(different, (NotImplementedError,)) == ("NotImplementedError",) * 2


def _structure(t: Any) -> Any:
    """A transform's classes and parameters, to compare the two libraries' objects."""
    name = type(t).__name__
    if name == "ComposeTransform":
        return [_structure(part) for part in t.parts]
    if name == "IndependentTransform":
        return (name, _structure(t.base_transform), t.reinterpreted_batch_ndims)
    if name == "CatTransform":
        return (name, [_structure(part) for part in t.transforms], t.dim, t.lengths)
    if name == "StackTransform":
        return (name, [_structure(part) for part in t.transforms], t.dim)
    if name == "AffineTransform":
        return (name, *(v.tolist() if hasattr(v, "tolist") else v for v in (t.loc, t.scale)))
    return name


CONSTRAINTS: dict[str, Callable[[Any], Any]] = {
    "real": lambda c: c.real,
    "real_vector": lambda c: c.real_vector,
    "independent positive": lambda c: c.independent(c.positive, 1),
    "positive": lambda c: c.positive,
    "nonnegative": lambda c: c.nonnegative,
    "greater_than": lambda c: c.greater_than(2.0),
    "greater_than_eq": lambda c: c.greater_than_eq(-1.0),
    "less_than": lambda c: c.less_than(3.0),
    "interval": lambda c: c.interval(1.0, 3.0),
    "half_open_interval": lambda c: c.half_open_interval(-1.0, 2.0),
    "cat": lambda c: c.cat([c.real, c.positive, c.interval(0.0, 1.0)], -1, [1, 2, 1]),
    "stack": lambda c: c.stack([c.positive, c.real, c.less_than(0.0)], 1),
    "unit_interval": lambda c: c.unit_interval,
    "simplex": lambda c: c.simplex,
    "boolean": lambda c: c.boolean,
    "nonnegative_integer": lambda c: c.nonnegative_integer,
    "dependent": lambda c: c.dependent,
}


@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
@pytest.mark.parametrize("name", sorted(CONSTRAINTS))
def test_biject_to_and_transform_to(registry: str, name: str) -> None:
    def transform(lib: Any) -> Any:
        return getattr(_d(lib), registry)(CONSTRAINTS[name](_d(lib).constraints))

    theirs, mine = outcome_in_each(transform, (NotImplementedError,))
    if isinstance(theirs, str):
        assert mine == theirs
        return
    assert _structure(mine) == _structure(theirs)

    def apply(lib: Any) -> Builder:
        def run(x: Any) -> Any:
            t = transform(lib)
            y = t(x)
            constraint = CONSTRAINTS[name](_d(lib).constraints)
            inside = constraint.check(y).to(x.dtype)  # a float, so the oracle can compare it
            if not t.bijective:
                return y, inside
            return y, t.log_abs_det_jacobian(x, y), inside

        return run

    check_against_torch(apply(ag), apply(torch), [REAL])


def test_registering_a_factory() -> None:
    registry = ag.distributions.constraint_registry.ConstraintRegistry()
    constraints = ag.distributions.constraints

    @registry.register(constraints.positive)
    def _softplus(constraint: Any) -> Any:
        return ag.distributions.SoftplusTransform()

    assert isinstance(registry(constraints.greater_than(5.0)), ag.distributions.SoftplusTransform)
    with pytest.raises(TypeError):
        registry.register(3, _softplus)
    assert ag.distributions.biject_to(constraints.real) is ag.distributions.identity_transform


class _PolicyNet:
    """Soft Actor-Critic's Gaussian policy head in either library: a squashed normal."""

    def __init__(self, lib: Any, weights: dict[str, np.ndarray] | None = None) -> None:
        nn = lib.nn
        self.lib = lib
        self.net = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 4)).double()
        if weights is not None:
            self.net.load_state_dict({k: lib.tensor(v) for k, v in weights.items()})

    def loss(self, obs: Any, base: Any) -> Any:
        """The actor's loss ``E[α log π(a|s) - Q(s, a)]`` with ``a = tanh(u)``, ``u`` drawn
        from ``base(mu, std)`` and a fixed quadratic critic."""
        D = self.lib.distributions
        mu, log_std = self.net(obs).chunk(2, -1)
        std = log_std.clamp(-5.0, 2.0).exp()
        policy = D.TransformedDistribution(base(mu, std), [D.TanhTransform(cache_size=1)])
        action = policy.rsample()
        log_prob = policy.log_prob(action).sum(-1)
        target = (obs[:, :2] * 0.5).tanh()
        q_value = -((action - target) ** 2).sum(-1)
        return (0.1 * log_prob - q_value).mean()


OBS = RNG.standard_normal((64, 3))


def test_soft_actor_critic_gradients_equal_torch_on_the_same_noise() -> None:
    torch.manual_seed(0)
    reference = _PolicyNet(torch)
    weights = {k: v.detach().numpy() for k, v in reference.net.state_dict().items()}
    mine = _PolicyNet(ag, weights)
    noise = RNG.standard_normal((64, 2)) * 3.0  # some draws saturate tanh
    losses = []
    for policy in (reference, mine):
        lib = policy.lib
        loss = policy.loss(lib.tensor(OBS), _noise_normal(lib, lib.tensor(noise)))
        loss.backward()
        grads = [p.grad.numpy() for p in policy.net.parameters()]
        losses.append((loss.item(), grads))
    (torch_loss, torch_grads), (ag_loss, ag_grads) = losses
    np.testing.assert_allclose(ag_loss, torch_loss, rtol=1e-10)
    for theirs, ours in zip(torch_grads, ag_grads, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-12)


def test_soft_actor_critic_policy_trains() -> None:
    ag.manual_seed(0)
    policy = _PolicyNet(ag)
    optimizer = ag.optim.Adam(policy.net.parameters(), lr=1e-2)
    obs = ag.tensor(OBS)
    losses = []
    for _ in range(150):
        loss = policy.loss(obs, ag.distributions.Normal)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert all(np.isfinite(losses))
    assert np.mean(losses[-10:]) < np.mean(losses[:10]) - 0.2
