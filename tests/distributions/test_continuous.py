"""Normal, Uniform, Exponential, Laplace, LogNormal and Gumbel against torch.distributions in
float64: log_prob, cdf, icdf, entropy and moments, values and gradients with respect to the
parameters (and the value), with broadcast parameters; samples by shape, dtype and moments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch

RNG = np.random.default_rng(0)
# parameters broadcast to the batch shape (3, 4); values carry a sample dimension in front
LOC = RNG.standard_normal((3, 1))
SCALE = RNG.uniform(0.5, 2.0, (4,))
VALUE = RNG.standard_normal((2, 3, 4))
POSITIVE_VALUE = RNG.uniform(0.1, 3.0, (2, 3, 4))
PROB = RNG.uniform(0.05, 0.95, (2, 3, 4))

# name -> (builder(lib, *params), params, value for log_prob/cdf)
FAMILIES: dict[str, tuple[Callable[..., Any], tuple[np.ndarray, ...], np.ndarray]] = {
    "Normal": (lambda lib, a, b: lib.distributions.Normal(a, b), (LOC, SCALE), VALUE),
    "Laplace": (lambda lib, a, b: lib.distributions.Laplace(a, b), (LOC, SCALE), VALUE),
    "Gumbel": (lambda lib, a, b: lib.distributions.Gumbel(a, b), (LOC, SCALE), VALUE),
    "LogNormal": (
        lambda lib, a, b: lib.distributions.LogNormal(a, b),
        (LOC, SCALE),
        POSITIVE_VALUE,
    ),
    "Exponential": (
        lambda lib, r: lib.distributions.Exponential(r),
        (RNG.uniform(0.5, 2.0, (3, 4)),),
        POSITIVE_VALUE,
    ),
    "Uniform": (
        lambda lib, lo, hi: lib.distributions.Uniform(lo, lo + hi),
        (LOC - 3.0, SCALE + 5.0),
        VALUE,
    ),
}
HAS_CDF = ["Normal", "Laplace", "Gumbel", "LogNormal", "Exponential", "Uniform"]


def _on_both(build: Callable[..., Any], method: Callable[[Any, Any], Any]) -> tuple[Any, Any]:
    """(arraygrad function, torch function) of the same inputs."""

    def run(lib: Any) -> Callable[..., Any]:
        return lambda *args: method(build(lib, *args[:-1]), args[-1])

    return run(ag), run(torch)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_log_prob_values_and_gradients(name: str) -> None:
    build, params, value = FAMILIES[name]
    ag_fn, th_fn = _on_both(build, lambda d, v: d.log_prob(v))
    check_against_torch(ag_fn, th_fn, [*params, value])


@pytest.mark.parametrize("name", HAS_CDF)
def test_cdf_and_icdf(name: str) -> None:
    build, params, value = FAMILIES[name]
    ag_fn, th_fn = _on_both(build, lambda d, v: d.cdf(v))
    check_against_torch(ag_fn, th_fn, [*params, value])
    ag_fn, th_fn = _on_both(build, lambda d, v: d.icdf(v))
    check_against_torch(ag_fn, th_fn, [*params, PROB])


@pytest.mark.parametrize("name", sorted(FAMILIES))
@pytest.mark.parametrize("stat", ["entropy", "mean", "variance", "stddev", "mode"])
def test_entropy_and_moments(name: str, stat: str) -> None:
    build, params, _ = FAMILIES[name]

    def fn(lib: Any) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            d = build(lib, *args)
            return d.entropy() if stat == "entropy" else getattr(d, stat)

        return run

    if name == "Uniform" and stat == "mode":  # nan in both; compared by shape and nan-ness
        out, expected = fn(ag)(*map(ag.tensor, params)), fn(torch)(*map(torch.tensor, params))
        assert tuple(out.shape) == tuple(expected.shape) and bool(out.isnan().all())
        return
    check_against_torch(fn(ag), fn(torch), list(params))


def test_number_parameters_give_a_scalar_batch_of_the_default_dtype() -> None:
    for lib in (ag, torch):
        d = lib.distributions.Normal(0.0, 2.0)
        assert tuple(d.batch_shape) == () and d.loc.dtype == lib.float32
    d = ag.distributions.Normal(ag.zeros(2, dtype=ag.float64), 1.0)
    assert d.scale.dtype == ag.float64 and tuple(d.batch_shape) == (2,)


@pytest.mark.parametrize(
    ("name", "mean", "std"),
    [
        ("Normal", 1.5, 2.0),
        ("Laplace", 1.5, 2.0 * 2**0.5),
        ("Gumbel", 1.5 + 2.0 * 0.5772156649015329, np.pi / 6**0.5 * 2.0),
        ("Exponential", 0.5, 0.5),
        ("Uniform", 2.5, 2 / 12**0.5),
        ("LogNormal", np.exp(0.5 + 0.125), np.sqrt((np.exp(0.25) - 1) * np.exp(1.25))),
    ],
)
def test_samples_have_the_shape_dtype_and_moments(name: str, mean: float, std: float) -> None:
    params = {
        "Normal": (1.5, 2.0),
        "Laplace": (1.5, 2.0),
        "Gumbel": (1.5, 2.0),
        "Exponential": (2.0,),
        "Uniform": (1.5, 3.5),
        "LogNormal": (0.5, 0.5),
    }[name]
    tensors = [ag.full((2,), p, dtype=ag.float64) for p in params]
    d = getattr(ag.distributions, name)(*tensors)
    ag.manual_seed(1)
    n = 20000
    for draw in (d.sample, d.rsample):
        x = draw((n,))
        assert tuple(x.shape) == (n, 2) and x.dtype == ag.float64
        x_np = x.detach().numpy()
        # within 5 standard errors of the mean and of the standard deviation
        assert abs(x_np.mean() - mean) < 5 * std / np.sqrt(2 * n)
        assert abs(x_np.std() / std - 1) < 5 * 2 / np.sqrt(2 * n) + 0.01
    assert not d.sample().requires_grad
    assert tuple(d.sample((4, 3)).shape) == (4, 3, 2)


def test_normal_rsample_gradient_is_one_to_loc_and_eps_to_scale() -> None:
    loc = ag.tensor([0.5, -1.0], dtype=ag.float64, requires_grad=True)
    scale = ag.tensor([1.0, 3.0], dtype=ag.float64, requires_grad=True)
    ag.manual_seed(3)
    x = ag.distributions.Normal(loc, scale).rsample((5,))
    x.sum().backward()
    assert np.array_equal(loc.grad.numpy(), [5.0, 5.0])
    eps = (x.detach() - loc.detach()) / scale.detach()
    assert np.allclose(scale.grad.numpy(), eps.sum(0).numpy())


@pytest.mark.parametrize("name", ["Laplace", "Gumbel", "Exponential", "Uniform", "LogNormal"])
def test_rsample_gradients_flow_to_every_parameter(name: str) -> None:
    build, params, _ = FAMILIES[name]
    tensors = [ag.tensor(p, requires_grad=True) for p in params]
    build(ag, *tensors).rsample((2,)).sum().backward()
    assert all(t.grad is not None and bool(ag.isfinite(t.grad).all()) for t in tensors)
    assert all(float(t.grad.abs().sum()) > 0 for t in tensors)


def test_sample_is_not_differentiable_and_manual_seed_repeats_it() -> None:
    loc = ag.tensor([0.0, 1.0], requires_grad=True)
    d = ag.distributions.Normal(loc, 1.0)
    ag.manual_seed(7)
    first = d.sample((3,))
    ag.manual_seed(7)
    assert ag.equal(first, d.sample((3,)))
    assert not first.requires_grad
    ag.manual_seed(7)  # the same draws (loc + scale * eps may round differently)
    assert ag.allclose(first, d.rsample((3,)).detach())


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_gumbel_draws_of_a_seed_are_torchs(seed: int) -> None:
    # torch draws its Gumbel's uniform as Uniform(tiny, 1 - eps) does, low + rand * (high -
    # low); clamping rand to [tiny, 1 - eps] rounded u differently (draws 1e-13 apart). Up to
    # an ulp of the logs: NumPy's float64 log is not the C library's in every last bit
    loc, scale = RNG.standard_normal(3), RNG.uniform(0.5, 2.0, 3)
    draws = []
    for lib in (torch, ag):
        lib.manual_seed(seed)
        d = lib.distributions.Gumbel(lib.tensor(loc), lib.tensor(scale))
        draws.append(np.concatenate([d.sample((40,)), d.rsample((40,)).detach()]))
    np.testing.assert_allclose(draws[1], draws[0], rtol=4e-15, atol=0)


def test_expand_broadcasts_parameters() -> None:
    for lib in (ag, torch):
        d = lib.distributions.Laplace(lib.tensor([0.0, 1.0]), 2.0).expand((3, 2))
        assert tuple(d.batch_shape) == (3, 2) and tuple(d.loc.shape) == (3, 2)
        assert tuple(d.log_prob(lib.zeros(3, 2)).shape) == (3, 2)


def test_rsample_raises_for_a_distribution_without_one() -> None:
    for lib in (ag, torch):
        d = lib.distributions.Bernoulli(lib.tensor([0.3]))
        assert not d.has_rsample
        with pytest.raises(NotImplementedError):
            d.rsample()


def test_lognormal_is_a_transformed_normal_as_torch() -> None:
    def describe(lib: Any) -> tuple[Any, ...]:
        d = lib.distributions.LogNormal(lib.zeros(2), 1.5)
        bigger = d.expand((3, 2))
        return (
            isinstance(d, lib.distributions.TransformedDistribution),
            type(d.base_dist).__name__,
            [type(t).__name__ for t in d.transforms],
            type(bigger).__name__,
            tuple(bigger.loc.shape),
            tuple(bigger.scale.shape),
            repr(d),
            repr(d.support),
        )

    assert describe(ag) == describe(torch)
