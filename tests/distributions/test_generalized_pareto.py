"""GeneralizedPareto against torch.distributions (torch 2.13's log_prob, cdf, log_cdf and
log_survival_function fail on float64 parameters, so those compare in float32, and in float64
against mpmath), gradients by finite differences in float64, its dependent support, samples,
shapes and validation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, gradcheck, outcome_in_each

# positive, zero and negative shapes, one above 1 (no mean) and one in [1/2, 1) (no variance)
LOC = np.array([0.0, 1.0, -1.0, 0.5, 0.0, 2.0])
SCALE = np.array([1.0, 2.0, 0.5, 1.0, 3.0, 0.7])
SHAPE = np.array([0.3, 0.0, -0.4, 1.5, -2.0, 0.6])
VALUE = np.array([0.5, 1.5, -0.5, 3.0, 0.6, 5.0])  # inside each support
PROB = np.array([0.1, 0.5, 0.9, 0.0, 0.999, 0.3])


def _methods(lib: Any) -> Callable[..., Any]:
    def run(loc: Any, scale: Any, shape: Any, value: Any, prob: Any) -> Any:
        d = lib.distributions.GeneralizedPareto(loc, scale, shape)
        return (
            d.log_prob(value),
            d.cdf(value),
            d.log_cdf(value),
            d.log_survival_function(value),
            d.icdf(prob),
            d.entropy(),
            d.mean,
            d.variance,
            d.mode,
        )

    return run


def _inputs(dtype: type) -> list[np.ndarray]:
    return [a.astype(dtype) for a in (LOC, SCALE, SHAPE, VALUE, PROB)]


def test_values_and_gradients_as_torch_in_float32() -> None:
    check_against_torch(
        _methods(ag), _methods(torch), _inputs(np.float32), rtol=2e-5, atol=1e-5, grad=False
    )
    # torch's gradient in the shape is 0 at shape 0 (arraygrad's is the limit, checked by
    # finite differences below), so gradients compare at a shape beside it
    inputs = _inputs(np.float32)
    inputs[2][1] = 1e-3
    check_against_torch(_methods(ag), _methods(torch), inputs, rtol=2e-5, atol=1e-5)


@pytest.mark.parametrize("method", ["log_prob", "cdf", "log_cdf", "log_survival_function"])
def test_torch_fails_on_float64_where_arraygrad_computes(method: str) -> None:
    def call(lib: Any) -> Any:
        t = [lib.tensor(a) for a in _inputs(np.float64)]
        d = lib.distributions.GeneralizedPareto(*t[:3])
        return getattr(d, method)(t[3]).dtype

    theirs, mine = outcome_in_each(call, (RuntimeError,))
    assert theirs == "RuntimeError"  # torch 2.13 mixes in a float32 constant
    assert mine == ag.float64


def test_float64_methods_torch_computes_as_torch() -> None:
    def run(lib: Any) -> Callable[..., Any]:
        def methods(loc: Any, scale: Any, shape: Any, prob: Any) -> Any:
            d = lib.distributions.GeneralizedPareto(loc, scale, shape)
            return d.icdf(prob), d.entropy(), d.mean, d.variance, d.stddev, d.mode

        return methods

    loc, scale, shape, _, prob = _inputs(np.float64)
    shape[1] = 1e-3  # torch's gradient in the shape is 0 at shape 0
    check_against_torch(run(ag), run(torch), [loc, scale, shape, prob[:3].repeat(2)])


def _exact(loc: float, scale: float, xi: float, x: float) -> tuple[Any, Any]:
    """log density and distribution function at ``x`` to 40 digits."""
    with mpmath.workdps(40):
        z = (mpmath.mpf(x) - loc) / scale
        if xi == 0:
            log_survival = -z
        else:
            log_survival = -mpmath.log1p(mpmath.mpf(xi) * z) / xi
        log_density = (1 + mpmath.mpf(xi)) * log_survival - mpmath.log(scale)
        return log_density, -mpmath.expm1(log_survival)


def test_float64_log_prob_and_cdf_against_mpmath() -> None:
    # shapes down to 1e-12, where 1 + xi z rounds away most of xi z
    xi = np.array([0.3, 0.0, -0.4, 1.5, -2.0, 0.6, 1e-12, -1e-9, 2e-6, 40.0])
    loc = np.resize(LOC, xi.shape)
    scale = np.resize(SCALE, xi.shape)
    x = np.resize(VALUE, xi.shape)
    x[-4:] = [7.0, 3.0, 0.01, 1e3]
    d = ag.distributions.GeneralizedPareto(ag.tensor(loc), ag.tensor(scale), ag.tensor(xi))
    log_prob = d.log_prob(ag.tensor(x)).numpy()
    cdf = d.cdf(ag.tensor(x)).numpy()
    for i in range(xi.size):
        log_density, probability = _exact(loc[i], scale[i], xi[i], x[i])
        np.testing.assert_allclose(log_prob[i], float(log_density), rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(cdf[i], float(probability), rtol=1e-13)


@pytest.mark.parametrize("method", ["log_prob", "cdf", "icdf", "entropy", "mean", "variance"])
def test_gradients_by_finite_differences(method: str) -> None:
    # shape 0 included: its own branch must give the limit of the derivative in the shape
    shape = np.array([0.3, 0.0, -0.4, 0.2, -0.15, 0.45])

    def fn(loc: Any, scale: Any, xi: Any) -> Any:
        d = ag.distributions.GeneralizedPareto(loc, scale, xi)
        if method in ("log_prob", "cdf"):
            return getattr(d, method)(ag.tensor(VALUE))
        if method == "icdf":
            return d.icdf(ag.tensor(np.resize(PROB[:3], 6)))
        value = getattr(d, method)
        return value() if callable(value) else value

    gradcheck(fn, [LOC, SCALE, shape])


def test_support_depends_on_the_sign_of_the_shape() -> None:
    def support(lib: Any) -> Any:
        t = [lib.tensor(a) for a in _inputs(np.float64)]
        d = lib.distributions.GeneralizedPareto(*t[:3])
        s = d.support
        return (
            repr(s).split("(")[0],
            d.icdf(lib.tensor(1.0)).detach().numpy().tolist(),
            s.lower_bound.numpy().tolist(),
            s.upper_bound.numpy().tolist(),
            s.check(t[3]).numpy().tolist(),
            s.check(t[3] + 20).numpy().tolist(),
            lib.distributions.constraints.is_dependent(type(d).support),
            repr(lib.distributions.GeneralizedPareto(0.0, 1.0, -0.5).support),
        )

    theirs, mine = outcome_in_each(support)
    assert mine == theirs
    assert mine[1][4] == mine[3][4] == 1.5  # loc - scale / concentration


def test_outside_the_support_without_validation_as_torch() -> None:
    def outside(lib: Any) -> Any:
        d = lib.distributions.GeneralizedPareto(
            0.0, 1.0, lib.tensor([1.0, 0.5, 0.0, -2.0]), validate_args=False
        )
        value = lib.tensor([-1.0, -3.0, -1.0, 0.6])
        rows = (d.log_prob(value), d.cdf(value), d.log_survival_function(value))
        return [np.round(r.numpy(), 5).tolist() for r in rows] + [
            d.icdf(lib.tensor(3.0)).numpy().tolist()
        ]

    theirs, mine = outcome_in_each(outside)
    np.testing.assert_equal(mine, theirs)


def test_samples_follow_the_distribution() -> None:
    ag.manual_seed(3)
    t = [ag.tensor(a) for a in _inputs(np.float64)]
    d = ag.distributions.GeneralizedPareto(*t[:3])
    draws = d.sample((20000,))
    assert tuple(draws.shape) == (20000, 6) and draws.dtype == ag.float64
    assert bool(d.support.check(draws).all())
    # the distribution function at the draws is uniform: its quartiles
    quartiles = np.quantile(d.cdf(draws).numpy(), [0.25, 0.5, 0.75], axis=0)
    np.testing.assert_allclose(quartiles, np.array([[0.25], [0.5], [0.75]]).repeat(6, 1), atol=0.02)


def test_rsample_is_differentiable() -> None:
    scale = ag.tensor([1.0, 2.0], requires_grad=True)
    d = ag.distributions.GeneralizedPareto(ag.tensor([0.0, 1.0]), scale, ag.tensor([0.2, -0.3]))
    draws = d.rsample((5,))
    (grad,) = ag.autograd.grad(draws.sum(), scale)
    # draws are loc + scale * (standard draw): the gradient is the standard draws' sum
    expected = ((draws - d.loc) / scale).sum(0).detach()
    np.testing.assert_allclose(grad.numpy(), expected.numpy(), rtol=1e-6)


def test_shapes_expand_and_description_as_torch() -> None:
    def shapes(lib: Any) -> Any:
        d = lib.distributions.GeneralizedPareto(lib.zeros(2), 1.0, 0.5)
        e = d.expand((3, 2))
        return (
            tuple(d.batch_shape),
            tuple(d.event_shape),
            tuple(e.batch_shape),
            tuple(e.sample((4,)).shape),
            tuple(e.log_prob(lib.ones(3, 2)).shape),
            str(e.loc.dtype).split(".")[-1],
            repr(lib.distributions.GeneralizedPareto(0, 1, 0.5)).split("(")[1],
            str(lib.distributions.GeneralizedPareto(0, 1, 0.5).mean.dtype).split(".")[-1],
            d.has_rsample,
            sorted(d.arg_constraints),
            [repr(c) for c in d.arg_constraints.values()],
        )

    theirs, mine = outcome_in_each(shapes)
    assert mine == theirs


@pytest.mark.parametrize(
    "args",
    [
        (0.0, -1.0, 0.0),
        (0.0, 0.0, 0.0),
        (float("nan"), 1.0, 0.0),
        (0.0, 1.0, float("nan")),
        (0.0, 1.0, float("inf")),
    ],
)
def test_parameter_validation_as_torch(args: tuple[float, ...]) -> None:
    def build(lib: Any) -> Any:
        return repr(lib.distributions.GeneralizedPareto(*args)).replace("torch", "")

    def message(lib: Any) -> str:
        try:
            lib.distributions.GeneralizedPareto(*args)
        except ValueError as error:
            return str(error)
        return "no error"

    assert outcome_in_each(build, (ValueError,))[0] == outcome_in_each(build, (ValueError,))[1]
    assert message(ag).startswith(message(torch))  # torch's words, then arraygrad's fix


@pytest.mark.parametrize("method", ["log_prob", "cdf"])
def test_value_validation_as_torch(method: str) -> None:
    def message(lib: Any) -> str:
        d = lib.distributions.GeneralizedPareto(0.0, 1.0, lib.tensor([-0.5, 0.5]))
        try:
            getattr(d, method)(lib.tensor([3.0, -3.0]))
        except ValueError as error:
            return str(error)
        return "no error"

    # torch's words, then arraygrad's fix
    assert message(ag).startswith(message(torch).replace("torch.", "arraygrad."))
