"""CatTransform, StackTransform and CumulativeDistributionTransform against
torch.distributions.transforms in float64: maps, inverses and log-Jacobians with their
gradients, domains, the cat and stack constraints, and errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, outcome_in_each

RNG = np.random.default_rng(53)
X = RNG.standard_normal((3, 4))


def _t(lib: Any) -> Any:
    return lib.distributions.transforms


def _cat(lib: Any, dim: int) -> Any:
    t = _t(lib)
    parts = [t.ExpTransform(), t.identity_transform, t.SigmoidTransform()]
    return t.CatTransform(parts, dim=dim, lengths=[1, 2, 1])


def _stack(lib: Any, dim: int) -> Any:
    t = _t(lib)
    parts = [t.ExpTransform(), t.AffineTransform(1.0, -2.0), t.TanhTransform()]
    return t.StackTransform(parts, dim=dim)


BUILDERS: dict[str, tuple[Callable[[Any], Any], np.ndarray]] = {
    "cat along a batch dimension": (lambda lib: _cat(lib, 1), X),
    "cat along the first dimension": (lambda lib: _cat(lib, 0), X.T),
    "cat along the last dimension": (lambda lib: _cat(lib, -1), X),
    "stack along the last dimension": (lambda lib: _stack(lib, -1), X[:, :3]),
    "stack along the first dimension": (lambda lib: _stack(lib, 0), X[:3]),
    "cdf of a normal": (
        lambda lib: _t(lib).CumulativeDistributionTransform(
            lib.distributions.Normal(lib.tensor(0.5, dtype=lib.float64), 2.0)
        ),
        X,
    ),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_forward_inverse_and_log_det(name: str) -> None:
    build, x = BUILDERS[name]

    def fn(lib: Any) -> Callable[..., Any]:
        def run(value: Any) -> Any:
            t = build(lib)
            y = t(value)
            return y, t.inv(y), t.log_abs_det_jacobian(value, y)

        return run

    check_against_torch(fn(ag), fn(torch), [x])


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_description_as_torch(name: str) -> None:
    build, x = BUILDERS[name]

    def describe(lib: Any) -> tuple[Any, ...]:
        t = build(lib)
        y = t(lib.tensor(x))
        return (
            repr(t),
            repr(t.domain),
            repr(t.codomain),
            t.domain.event_dim,
            t.codomain.event_dim,
            t.bijective,
            t.codomain.check(y).tolist(),
            t.domain.check(lib.tensor(x)).tolist(),
            t == build(lib),
            type(t.with_cache(1)).__name__,
        )

    assert describe(ag) == describe(torch)


def test_event_transforms_joined() -> None:
    """Pieces with event dimensions: an affine map of vectors next to an elementwise
    exponential, joined along the event dimension (the log-Jacobians of one event's blocks
    add) and along a batch dimension (they are concatenated)."""
    x = RNG.standard_normal((2, 5))

    def fn(lib: Any) -> Callable[..., Any]:
        def run(value: Any) -> Any:
            t = _t(lib)
            parts = [t.AffineTransform(1.0, 3.0, event_dim=1), t.ExpTransform()]
            across = t.CatTransform(parts, -1, [3, 2])
            down = t.CatTransform(parts, 0, [1, 1])
            y, z = across(value), down(value)
            return (
                y,
                across.log_abs_det_jacobian(value, y),
                z,
                down.log_abs_det_jacobian(value, z),
            )

        return run

    check_against_torch(fn(ag), fn(torch), [x])
    assert _t(ag).CatTransform([_t(ag).AffineTransform(0.0, 2.0, event_dim=1)]).event_dim == 1


def test_cdf_transform_pushes_a_distribution_to_uniform() -> None:
    d = ag.distributions
    normal = d.Normal(ag.tensor(0.5, dtype=ag.float64), 2.0)
    uniform = d.TransformedDistribution(
        normal, [d.transforms.CumulativeDistributionTransform(normal)]
    )
    u = ag.tensor(RNG.uniform(0.05, 0.95, (5,)))
    np.testing.assert_allclose(uniform.log_prob(u).numpy(), 0.0, atol=1e-12)
    assert repr(uniform.support) == "Interval(lower_bound=0.0, upper_bound=1.0)"


CONSTRAINT_VALUES = np.array([[-1.0, 2.0, 3.0, 0.5], [1.0, -2.0, 3.0, 1.5]])
CONSTRAINTS: dict[str, Callable[[Any], Any]] = {
    "cat": lambda c: c.cat([c.real, c.positive, c.unit_interval], -1, [1, 2, 1]),
    "cat default lengths": lambda c: c.cat([c.positive, c.real], 0),
    "stack": lambda c: c.stack([c.positive, c.real], 0),
    "stack last": lambda c: c.stack([c.real, c.positive, c.positive, c.unit_interval], -1),
}


@pytest.mark.parametrize("name", sorted(CONSTRAINTS))
def test_cat_and_stack_constraints_as_torch(name: str) -> None:
    def check(lib: Any) -> Any:
        c = CONSTRAINTS[name](lib.distributions.constraints)
        return repr(c), c.event_dim, c.is_discrete, c.check(lib.tensor(CONSTRAINT_VALUES)).tolist()

    assert check(ag) == check(torch)


ERRORS: dict[str, Callable[[Any], Any]] = {
    "cat length": lambda lib: _cat(lib, -1)(lib.zeros(3, 5)),
    "stack count": lambda lib: _stack(lib, 0)(lib.zeros(4, 2)),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_as_torch(name: str) -> None:
    theirs, mine = outcome_in_each(ERRORS[name], (AssertionError,))
    assert theirs == "AssertionError"
    assert mine == theirs


MISUSE: dict[str, Callable[[Any], Any]] = {
    "cat of a non-transform": lambda t: t.CatTransform([t.ExpTransform(), 1]),
    "stack of a non-transform": lambda t: t.StackTransform([2]),
    "cat lengths count": lambda t: t.CatTransform([t.ExpTransform()] * 2, lengths=[1]),
    "cat dim out of range": lambda t: t.CatTransform([t.ExpTransform()], dim=3)(t_ones(t)),
    "stack dim out of range": lambda t: t.StackTransform([t.ExpTransform()], dim=-2)(t_ones(t)),
    "stack count": lambda t: t.StackTransform([t.ExpTransform()] * 2)(t_ones(t)),
}


def t_ones(t: Any) -> Any:
    # the library of the transforms module t
    return (torch if t is torch.distributions.transforms else ag).ones(3)


@pytest.mark.parametrize("name", sorted(MISUSE))
def test_misuse_asserts_in_torchs_words(name: str) -> None:
    with pytest.raises(AssertionError) as theirs:
        MISUSE[name](_t(torch))
    with pytest.raises(AssertionError) as mine:
        MISUSE[name](_t(ag))
    assert str(mine.value).startswith(str(theirs.value)) and "Fix:" in str(mine.value)
