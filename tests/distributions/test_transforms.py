"""torch.distributions.transforms against torch 2.13 in float64: forward values, inverses and
log|det J| with their gradients (with respect to the input and the transform's parameters);
domains, codomains, signs, shapes, equality and reprs; the cache; numerical edges (tanh and
sigmoid saturating); errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, outcome_in_each

RNG = np.random.default_rng(7)
REAL = RNG.standard_normal((3, 4))
POSITIVE = RNG.uniform(0.2, 3.0, (3, 4))
SIMPLEX = RNG.dirichlet(np.ones(4), size=3)
SCALE = RNG.uniform(0.5, 2.0, (4,)) * np.array([1.0, -1.0, 1.0, -1.0])
LOC = RNG.standard_normal((4,))


def _t(lib: Any) -> Any:
    return lib.distributions.transforms


# name -> (builder(lib, *params), params, a point x of the domain, y of the codomain)
Builder = Callable[..., Any]
TRANSFORMS: dict[str, tuple[Builder, tuple[np.ndarray, ...], np.ndarray, np.ndarray]] = {
    "Exp": (lambda lib: _t(lib).ExpTransform(), (), REAL, POSITIVE),
    "Power": (
        lambda lib, p: _t(lib).PowerTransform(p),
        (RNG.uniform(-2.0, 2.0, (4,)),),
        POSITIVE,
        POSITIVE,
    ),
    "Sigmoid": (lambda lib: _t(lib).SigmoidTransform(), (), REAL, SIMPLEX),
    "Tanh": (lambda lib: _t(lib).TanhTransform(), (), REAL, 2 * SIMPLEX - 0.5),
    "Softplus": (lambda lib: _t(lib).SoftplusTransform(), (), REAL, POSITIVE),
    "Affine": (lambda lib, a, b: _t(lib).AffineTransform(a, b), (LOC, SCALE), REAL, REAL),
    "Affine numbers": (lambda lib: _t(lib).AffineTransform(1.5, -0.5), (), REAL, REAL),
    "Affine event": (
        lambda lib, a, b: _t(lib).AffineTransform(a, b, event_dim=1),
        (LOC, SCALE),
        REAL,
        REAL,
    ),
    "Affine numbers event 2": (
        lambda lib: _t(lib).AffineTransform(0.5, 3.0, event_dim=2),
        (),
        REAL,
        REAL,
    ),
    "StickBreaking": (
        lambda lib: _t(lib).StickBreakingTransform(),
        (),
        REAL[:, :3],
        SIMPLEX,
    ),
    "Independent": (
        lambda lib: _t(lib).IndependentTransform(_t(lib).SigmoidTransform(), 1),
        (),
        REAL,
        SIMPLEX,
    ),
    "Reshape": (lambda lib: _t(lib).ReshapeTransform((3, 4), (2, 6)), (), REAL, REAL.reshape(2, 6)),
    "Compose": (
        lambda lib, a, b: _t(lib).ComposeTransform(
            [_t(lib).AffineTransform(a, b), _t(lib).ExpTransform(), _t(lib).PowerTransform(0.5)]
        ),
        (LOC, SCALE),
        REAL,
        POSITIVE,
    ),
    "Compose onto the simplex": (
        lambda lib, b: _t(lib).ComposeTransform(
            [_t(lib).AffineTransform(0.0, b), _t(lib).StickBreakingTransform()]
        ),
        (SCALE[:3],),
        REAL[:, :3],
        SIMPLEX,
    ),
    "Compose with reshape": (
        lambda lib: _t(lib).ComposeTransform(
            [
                _t(lib).ReshapeTransform((12,), (3, 4)),
                _t(lib).TanhTransform(),
                _t(lib).IndependentTransform(_t(lib).AffineTransform(0.0, 2.0), 1),
            ]
        ),
        (),
        REAL.reshape(12),
        (2 * SIMPLEX - 0.5),
    ),
    "Inverse of sigmoid": (lambda lib: _t(lib).SigmoidTransform().inv, (), SIMPLEX, REAL),
    "Inverse of compose": (
        lambda lib, a, b: (
            _t(lib)
            .ComposeTransform([_t(lib).AffineTransform(a, b), _t(lib).SoftplusTransform()])
            .inv
        ),
        (LOC, SCALE),
        POSITIVE,
        REAL,
    ),
    "Identity": (lambda lib: _t(lib).identity_transform, (), REAL, REAL),
}
NOT_BIJECTIVE: dict[str, tuple[Builder, np.ndarray, np.ndarray]] = {
    "Abs": (lambda lib: _t(lib).AbsTransform(), REAL, POSITIVE),
    "Softmax": (lambda lib: _t(lib).SoftmaxTransform(), 30 * REAL, SIMPLEX),
}


def _apply(
    build: Builder, method: Callable[[Any, Any], Any], count: int
) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """(arraygrad function, torch function) of ``(*params, value)``."""

    def run(lib: Any) -> Callable[..., Any]:
        return lambda *args: method(build(lib, *args[:count]), args[count])

    return run(ag), run(torch)


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_forward_and_log_abs_det_jacobian(name: str) -> None:
    build, params, x, _ = TRANSFORMS[name]

    def forward(t: Any, value: Any) -> Any:
        y = t(value)
        return y, t.log_abs_det_jacobian(value, y)

    check_against_torch(*_apply(build, forward, len(params)), [*params, x])


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_inverse_and_its_log_abs_det_jacobian(name: str) -> None:
    build, params, _, y = TRANSFORMS[name]

    def inverse(t: Any, value: Any) -> Any:
        x = t.inv(value)
        return x, t.inv.log_abs_det_jacobian(value, x), t(x)

    check_against_torch(*_apply(build, inverse, len(params)), [*params, y])


@pytest.mark.parametrize("name", sorted(NOT_BIJECTIVE))
def test_transforms_that_are_not_bijections(name: str) -> None:
    build, x, y = NOT_BIJECTIVE[name]
    check_against_torch(*_apply(build, lambda t, v: t(v), 0), [x])
    check_against_torch(*_apply(build, lambda t, v: t.inv(v), 0), [y])
    assert not build(ag).bijective and not build(ag).inv.bijective
    outcomes = outcome_in_each(
        lambda lib: build(lib).log_abs_det_jacobian(lib.ones(2), lib.ones(2)),
        (NotImplementedError,),
    )
    assert outcomes == ("NotImplementedError", "NotImplementedError")


def _sign(t: Any) -> Any:
    try:
        sign = t.sign
    except NotImplementedError:
        return "NotImplementedError"
    return sign.tolist() if hasattr(sign, "tolist") else sign


def _event_dim(t: Any) -> Any:
    try:
        return t.event_dim
    except ValueError as error:
        return str(error)


def _properties(t: Any) -> tuple[Any, ...]:
    return (
        repr(t.domain),
        repr(t.codomain),
        t.bijective,
        _sign(t),
        _event_dim(t),
        repr(t),
        repr(t.inv.domain),
        _sign(t.inv),
    )


@pytest.mark.parametrize("name", sorted(TRANSFORMS) + sorted(NOT_BIJECTIVE))
def test_domain_codomain_sign_event_dim_and_repr(name: str) -> None:
    if name in TRANSFORMS:
        build, params, _, _ = TRANSFORMS[name]
    else:
        build, params = NOT_BIJECTIVE[name][0], ()
    mine = build(ag, *(ag.tensor(p) for p in params))
    theirs = build(torch, *(torch.tensor(p) for p in params))
    assert _properties(mine) == _properties(theirs)


SHAPES = [(), (4,), (3, 4), (2, 3, 4), (12,), (2, 12), (2, 6), (3,), (5, 1)]


@pytest.mark.parametrize("name", sorted(TRANSFORMS) + sorted(NOT_BIJECTIVE))
def test_forward_and_inverse_shapes(name: str) -> None:
    if name in TRANSFORMS:
        build, params, _, _ = TRANSFORMS[name]
    else:
        build, params = NOT_BIJECTIVE[name][0], ()

    def shapes(lib: Any) -> list[Any]:
        t = build(lib, *(lib.tensor(p) for p in params))
        found = []
        for shape in SHAPES:
            for method in (t.forward_shape, t.inverse_shape):
                try:
                    found.append(tuple(method(shape)))
                except (ValueError, RuntimeError) as error:
                    found.append(type(error).__name__)
        return found

    assert shapes(ag) == shapes(torch)


def test_cache_returns_the_same_objects() -> None:
    T = ag.distributions.transforms
    cached = T.TanhTransform(cache_size=1)
    x = ag.tensor([30.0, -0.5], dtype=ag.float64)
    y = cached(x)
    assert cached(x) is y and cached.inv(y) is x
    # the saturated pre-image comes back exactly, where atanh(1) = inf
    uncached = T.TanhTransform()
    assert uncached.inv(uncached(x))[0].item() == float("inf")
    # and the other way round: an inverse first caches the pair for the forward call
    exp = T.ExpTransform(cache_size=1)
    value = ag.tensor([2.0])
    pre_image = exp.inv(value)
    assert exp(pre_image) is value
    # a composition passes its cache size to its parts, whose caches carry the inverse
    compose = T.ComposeTransform([T.ExpTransform(), T.AffineTransform(1.0, 2.0)], cache_size=1)
    assert [part._cache_size for part in compose.parts] == [1, 1]
    assert compose.inv(compose(x)) is x
    independent = T.IndependentTransform(T.ExpTransform(), 1, cache_size=1)
    assert independent.base_transform._cache_size == 1


def test_inverse_objects_and_with_cache() -> None:
    T = ag.distributions.transforms
    for t in (T.ExpTransform(), T.ComposeTransform([T.ExpTransform(), T.TanhTransform()])):
        inverse = t.inv
        assert t.inv is inverse and inverse.inv is t
    tanh = T.TanhTransform(cache_size=1)
    assert tanh.with_cache(1) is tanh
    assert tanh.with_cache(0)._cache_size == 0
    affine = T.AffineTransform(1.0, 2.0).with_cache(1)
    assert isinstance(affine, T.AffineTransform) and affine._cache_size == 1
    assert (affine.loc, affine.scale) == (1.0, 2.0)
    assert T.ExpTransform().inv.with_cache(1)._cache_size == 1


def _equalities(lib: Any) -> list[bool]:
    T = lib.distributions.transforms
    ones = lib.ones(2)
    pairs = [
        (T.ExpTransform(), T.ExpTransform()),
        (T.ExpTransform().inv, T.ExpTransform().inv),
        (T.ExpTransform(), T.SigmoidTransform()),
        (T.TanhTransform(), T.TanhTransform(cache_size=1)),
        (T.PowerTransform(2.0), T.PowerTransform(2.0)),
        (T.PowerTransform(2.0), T.PowerTransform(3.0)),
        (T.AffineTransform(1.0, 2.0), T.AffineTransform(1.0, 2.0)),
        (T.AffineTransform(lib.tensor(1.0), 2.0), T.AffineTransform(1.0, 2.0)),
        (T.AffineTransform(ones, 2.0), T.AffineTransform(ones, 2.0)),
        (T.AffineTransform(ones, 2.0), T.AffineTransform(ones, 3.0)),
        (T.AffineTransform(1.0, 2.0), T.AffineTransform(1.0, 2.0, event_dim=1)),
        (T.ComposeTransform([T.ExpTransform()]), T.ComposeTransform([T.ExpTransform()])),
        (T.ComposeTransform([T.ExpTransform()]), T.ComposeTransform([T.TanhTransform()])),
        (T.IndependentTransform(T.ExpTransform(), 1), T.IndependentTransform(T.ExpTransform(), 1)),
        (T.ReshapeTransform((2,), (2,)), T.ReshapeTransform((2,), (2,))),
        (T.StickBreakingTransform(), T.StickBreakingTransform()),
        (T.SoftmaxTransform(), T.SoftmaxTransform()),
        (T.AbsTransform(), T.AbsTransform()),
    ]
    found = [a == b for a, b in pairs] + [a != b for a, b in pairs]
    return found + [[T.ExpTransform()] != [T.ExpTransform()]]


def test_equality_as_torch() -> None:
    assert _equalities(ag) == _equalities(torch)
    with pytest.raises(TypeError):
        hash(ag.distributions.transforms.ExpTransform())


def test_saturation_edges() -> None:
    """tanh's log|det J| stays finite where 1 - tanh² rounds to 0; its inverse is infinite at
    ±1 as torch's; sigmoid's output and inverse are clamped into the open interval."""
    x = np.array([-800.0, -40.0, -20.0, 0.0, 20.0, 40.0, 800.0])
    ends = np.array([-1.0, -1.0 + 1e-17, -0.999999999, 0.0, 0.999999999, 1.0])
    unit = np.array([0.0, 1e-320, 0.5, 1.0 - 1e-17, 1.0])
    for name, value in [("TanhTransform", x), ("SigmoidTransform", x), ("SoftplusTransform", x)]:

        def forward(lib: Any, v: Any, name: str = name) -> Any:
            t = getattr(_t(lib), name)()
            y = t(v)
            return y, t.log_abs_det_jacobian(v, y)

        check_against_torch(lambda v: forward(ag, v), lambda v: forward(torch, v), [value])
    check_against_torch(
        lambda v: _t(ag).TanhTransform().inv(v), lambda v: _t(torch).TanhTransform().inv(v), [ends]
    )
    check_against_torch(
        lambda v: _t(ag).SigmoidTransform().inv(v),
        lambda v: _t(torch).SigmoidTransform().inv(v),
        [unit],
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stick_breaking_saturates_as_torch(dtype: type) -> None:
    """Stick-breaking's fractions are clamped into [tiny, 1 - eps] as torch's, so no piece of a
    saturated input is exactly 0: the inverse and log|det J| stay finite (they were -inf)."""
    x = np.array([[-800.0, -40.0, 0.0, 20.0, 40.0, 800.0], [0.5, -1.0, 2.0, 0.0, 1.0, -2.0]])

    def forward(lib: Any, v: Any) -> Any:
        t = _t(lib).StickBreakingTransform()
        y = t(v)
        return y, t.inv(y), t.log_abs_det_jacobian(v, y)

    check_against_torch(
        lambda v: forward(ag, v), lambda v: forward(torch, v), [x.astype(dtype)], rtol=1e-5
    )


ERRORS: dict[str, Callable[[Any], Any]] = {
    "cache size": lambda lib: _t(lib).ExpTransform(cache_size=2),
    "with_cache size": lambda lib: _t(lib).ExpTransform().with_cache(2),
    "reshape sizes": lambda lib: _t(lib).ReshapeTransform((2, 3), (5,)),
    "reshape too few": lambda lib: _t(lib).ReshapeTransform((2, 3), (6,)).forward_shape((3,)),
    "reshape mismatch": lambda lib: _t(lib).ReshapeTransform((2, 3), (6,)).inverse_shape((5,)),
    "softmax 0-d": lambda lib: _t(lib).SoftmaxTransform().forward_shape(()),
    "stick 0-d": lambda lib: _t(lib).StickBreakingTransform().inverse_shape(()),
    "independent input": lambda lib: _t(lib).IndependentTransform(_t(lib).ExpTransform(), 1)(
        lib.tensor(1.0)
    ),
    "reshape event_dim": lambda lib: _t(lib).ReshapeTransform((2, 3), (6,)).event_dim,
    "abs sign": lambda lib: _t(lib).AbsTransform().sign,
    "stick sign": lambda lib: _t(lib).StickBreakingTransform().sign,
    "compose sign": lambda lib: _t(lib).ComposeTransform([_t(lib).SoftmaxTransform()]).sign,
    "base call": lambda lib: _t(lib).Transform()(lib.ones(1)),
    "base inverse": lambda lib: _t(lib).Transform().inv(lib.ones(1)),
    "base domain": lambda lib: _t(lib).Transform().domain,
    "base jacobian": lambda lib: _t(lib).Transform().log_abs_det_jacobian(1, 1),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_as_torch(name: str) -> None:
    errors = (ValueError, NotImplementedError, AttributeError, TypeError, RuntimeError)
    # (a missing module would raise AttributeError too, which one case expects)
    assert isinstance(ag.distributions.transforms.Transform(), ag.distributions.Transform)
    theirs, mine = outcome_in_each(ERRORS[name], errors)
    assert isinstance(theirs, str), "torch raised nothing"
    assert mine == theirs


def test_names_exported_as_torch() -> None:
    mine = set(ag.distributions.transforms.__all__)
    assert mine == set(torch.distributions.transforms.__all__)
    for name in mine:
        assert getattr(ag.distributions, name) is getattr(ag.distributions.transforms, name)
