"""kl_divergence against torch.distributions in float64, values and gradients with respect to
both distributions' parameters; register_kl's dispatch; MultivariateNormal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, outcome_in_each

RNG = np.random.default_rng(2)
REAL = RNG.standard_normal((2, 3))
POS = RNG.uniform(0.5, 2.0, (3,))
PROBS = RNG.uniform(0.05, 0.95, (2, 3))
WEIGHTS = RNG.uniform(0.1, 1.0, (2, 3))


def _pair(
    make: Callable[..., Any], p_params: list[np.ndarray], q_params: list[np.ndarray]
) -> tuple[Callable[..., Any], Callable[..., Any], list[np.ndarray]]:
    k = len(p_params)

    def fn(lib: Any) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            d = lib.distributions
            return d.kl_divergence(make(d, *args[:k]), make(d, *args[k:]))

        return run

    return fn(ag), fn(torch), [*p_params, *q_params]


CASES: dict[str, tuple[Callable[..., Any], list[np.ndarray], list[np.ndarray]]] = {
    "Normal": (lambda d, a, b: d.Normal(a, b), [REAL, POS], [REAL[::-1], POS[::-1]]),
    "Laplace": (lambda d, a, b: d.Laplace(a, b), [REAL, POS], [REAL[::-1], POS[::-1]]),
    "Gumbel": (lambda d, a, b: d.Gumbel(a, b), [REAL, POS], [REAL[::-1], POS[::-1]]),
    "Exponential": (lambda d, r: d.Exponential(r), [POS], [POS[::-1]]),
    "Bernoulli": (lambda d, p: d.Bernoulli(p), [PROBS], [PROBS[::-1]]),
    "Bernoulli logits": (lambda d, x: d.Bernoulli(logits=x), [REAL], [REAL[::-1]]),
    "Categorical": (lambda d, p: d.Categorical(p), [WEIGHTS], [WEIGHTS[::-1]]),
    "OneHotCategorical": (lambda d, x: d.OneHotCategorical(logits=x), [REAL], [REAL[::-1]]),
    # q's interval contains p's where the first bound is lower: finite there, inf elsewhere
    "Uniform": (
        lambda d, lo, w: d.Uniform(lo, lo + w),
        [REAL, POS],
        [REAL - np.array([[0.5], [-0.5]]), POS + 1.0],
    ),
    "Gamma": (lambda d, c, r: d.Gamma(c, r), [POS + REAL**2, POS], [POS[::-1], REAL**2 + 0.5]),
    "Beta": (lambda d, a, b: d.Beta(a, b), [POS + REAL**2, POS], [POS[::-1], REAL**2 + 0.5]),
    "Dirichlet": (lambda d, c: d.Dirichlet(c), [WEIGHTS * 3], [WEIGHTS[::-1] + 0.5]),
    "Poisson": (lambda d, r: d.Poisson(r), [POS + REAL**2], [POS[::-1]]),
    "Independent": (
        lambda d, a, b: d.Independent(d.Normal(a, b), 1),
        [REAL, POS],
        [REAL[::-1], POS[::-1]],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_kl_divergence_values_and_gradients(name: str) -> None:
    ag_fn, th_fn, inputs = _pair(*CASES[name])
    if name == "Uniform":
        expected = th_fn(*map(torch.tensor, inputs))
        assert bool(torch.isinf(expected).any()) and bool(torch.isfinite(expected).any())
    check_against_torch(ag_fn, th_fn, [np.ascontiguousarray(a) for a in inputs])


def test_kl_of_a_zero_probability_is_infinite_or_zero_as_torch() -> None:
    p, q = [0.0, 0.5, 1.0], [0.5, 0.0, 1.0]
    theirs, mine = outcome_in_each(
        lambda lib: lib.distributions.kl_divergence(
            lib.distributions.Bernoulli(lib.tensor(p)), lib.distributions.Bernoulli(lib.tensor(q))
        ).tolist()
    )
    assert mine == theirs
    cp, cq = [[0.0, 0.5, 0.5]], [[0.5, 0.5, 0.0]]
    mine = ag.distributions.kl_divergence(
        ag.distributions.Categorical(ag.tensor(cq)), ag.distributions.Categorical(ag.tensor(cp))
    )
    assert mine.tolist() == [float("inf")]
    mine = ag.distributions.kl_divergence(
        ag.distributions.Categorical(ag.tensor(cp)), ag.distributions.Categorical(ag.tensor(cp))
    )
    assert mine.tolist() == [0.0]


def test_kl_of_a_zero_poisson_rate_as_torch() -> None:
    theirs, mine = outcome_in_each(
        lambda lib: lib.distributions.kl_divergence(
            lib.distributions.Poisson(lib.tensor([0.0, 1.0, 0.0])),
            lib.distributions.Poisson(lib.tensor([1.0, 0.0, 0.0])),
        ).tolist()
    )
    np.testing.assert_equal(mine, theirs)


def test_kl_of_an_unregistered_pair_raises_as_torch() -> None:
    for lib in (ag, torch):
        with pytest.raises(NotImplementedError, match="No KL"):
            lib.distributions.kl_divergence(
                lib.distributions.Categorical(lib.tensor([0.5, 0.5])),
                lib.distributions.Normal(0.0, 1.0),
            )


def test_register_kl_dispatches_to_the_most_specific_pair() -> None:
    class MyNormal(ag.distributions.Normal):
        pass

    @ag.distributions.register_kl(MyNormal, ag.distributions.Normal)
    def _kl(p: Any, q: Any) -> Any:
        return ag.tensor(42.0)

    n = ag.distributions.Normal(0.0, 1.0)
    assert float(ag.distributions.kl_divergence(MyNormal(0.0, 1.0), n)) == 42.0
    assert float(ag.distributions.kl_divergence(n, MyNormal(0.0, 1.0))) == 0.0
    with pytest.raises(TypeError):
        ag.distributions.register_kl(int, ag.distributions.Normal)


A = RNG.standard_normal((2, 3, 3))
COV = A @ A.transpose(0, 2, 1) + 3 * np.eye(3)
MV_LOC = RNG.standard_normal((4, 1, 3))
MV_VALUE = RNG.standard_normal((5, 4, 2, 3))


@pytest.mark.parametrize("param", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_multivariate_normal(param: str) -> None:
    matrix = COV if param != "scale_tril" else np.linalg.cholesky(COV)

    def fn(lib: Any) -> Callable[..., Any]:
        def run(loc: Any, m: Any, value: Any) -> tuple[Any, ...]:
            d = lib.distributions.MultivariateNormal(loc, **{param: m})
            q = lib.distributions.MultivariateNormal(loc[0, 0] + 1, **{param: m[:1] * 2})
            return (
                d.log_prob(value),
                d.entropy(),
                d.mean,
                d.variance,
                d.covariance_matrix,
                d.precision_matrix,
                d.scale_tril,
                lib.distributions.kl_divergence(d, q),
            )

        return run

    check_against_torch(fn(ag), fn(torch), [MV_LOC, matrix, MV_VALUE], rtol=1e-6)


def test_multivariate_normal_kl_gradient_in_an_ill_conditioned_precision_matrix() -> None:
    """Seed 22346 of the random comparison: q's precision matrix has condition 3e6. The
    gradient is ``(Σp + δδᵀ - Pq⁻¹) / 2`` for ``δ = μq - μp``; its exact values (mpmath, from
    these doubles) are -327178.76282132, 80240.07298816 and -7689.87027724. The factor from
    ``cholesky(inv(P))`` lost 0.19 of the first (arraygrad's was -327178.955)."""
    f64 = ag.float64
    scale_tril = ag.tensor(
        [[1.7798222866465243, 0.0], [-0.8429265093033821, 0.896289867874193]], dtype=f64
    )
    precision = ag.tensor(
        [[0.0548664273768918, 0.40743810873996644], [0.40743810873996644, 3.025691683374117]],
        dtype=f64,
        requires_grad=True,
    )
    d = ag.distributions
    p_loc = ag.tensor([-0.00253031689481717, -0.00252415292844088], dtype=f64)
    q_loc = ag.tensor([-572.5661317234232, -49.29044490678534], dtype=f64)
    p = d.MultivariateNormal(p_loc, scale_tril=scale_tril)
    q = d.MultivariateNormal(q_loc, precision_matrix=precision)
    d.kl_divergence(p, q).backward()
    exact = [[-327178.76282132124, 80240.07298815611], [80240.07298815611, -7689.87027724077]]
    np.testing.assert_allclose(precision.grad.numpy(), exact, rtol=1e-10)


def test_multivariate_normal_rsample() -> None:
    loc = ag.tensor([1.0, -1.0], dtype=ag.float64, requires_grad=True)
    cov = ag.tensor([[2.0, 0.6], [0.6, 1.0]], dtype=ag.float64)
    d = ag.distributions.MultivariateNormal(loc, cov)
    ag.manual_seed(0)
    x = d.rsample((40000,))
    assert tuple(x.shape) == (40000, 2) and x.dtype == ag.float64
    assert np.allclose(np.cov(x.detach().numpy().T), cov.numpy(), atol=0.05)
    assert np.allclose(x.detach().numpy().mean(0), [1.0, -1.0], atol=0.03)
    x.sum().backward()
    assert loc.grad.tolist() == [40000.0, 40000.0]


CONTINUOUS: dict[str, tuple[Callable[..., Any], list[np.ndarray]]] = {
    "Normal": (lambda d, a, b: d.Normal(a, b), [REAL, POS]),
    "Laplace": (lambda d, a, b: d.Laplace(a, b), [REAL[::-1], POS[::-1]]),
    "Gumbel": (lambda d, a, b: d.Gumbel(a, b), [REAL * 0.5, POS + 0.5]),
    "Exponential": (lambda d, r: d.Exponential(r), [POS]),
    # a (2, 3) batch: the first row inside [0, inf), the second reaching below 0
    "Uniform": (
        lambda d, lo, w: d.Uniform(lo, lo + w),
        [np.array([[0.5], [-0.5]]) + POS, POS[::-1]],
    ),
    "LogNormal": (lambda d, a, b: d.LogNormal(a, b), [REAL, POS]),
}


@pytest.mark.parametrize("p_name", sorted(CONTINUOUS))
@pytest.mark.parametrize("q_name", sorted(CONTINUOUS))
def test_kl_divergence_across_families_as_torch(p_name: str, q_name: str) -> None:
    (make_p, p_params), (make_q, q_params) = CONTINUOUS[p_name], CONTINUOUS[q_name]
    k = len(p_params)

    def split(lib: Any) -> Callable[..., Any]:
        def run(*args: Any) -> Any:
            d = lib.distributions
            return d.kl_divergence(make_p(d, *args[:k]), make_q(d, *args[k:]))

        return run

    inputs = [np.ascontiguousarray(a) for a in [*p_params, *q_params]]
    # torch's value where it has a closed form (infinity where q lacks p's support), else its
    # NotImplementedError
    theirs, mine = outcome_in_each(
        lambda lib: split(lib)(*map(lib.tensor, inputs)), (NotImplementedError,)
    )
    if isinstance(theirs, str):
        assert mine == theirs
        return
    check_against_torch(split(ag), split(torch), inputs)


def test_multivariate_normals_of_different_event_shapes_raise_value_error() -> None:
    """As torch: the event shapes are checked before the triangular solves, which would fail
    with a broadcasting RuntimeError."""
    for lib in (ag, torch):
        p = lib.distributions.MultivariateNormal(lib.zeros(1), lib.eye(1))
        q = lib.distributions.MultivariateNormal(lib.zeros(3), lib.eye(3))
        with pytest.raises(ValueError, match="different event shapes"):
            lib.distributions.kl_divergence(p, q)


def test_uniform_gumbel_kl_far_from_q_and_narrow_as_mpmath() -> None:
    """Seed 77443 of the random comparison. ``E_p[exp(-(x - loc) / s)]`` was the difference
    ``s / w (exp((loc - low) / s) - exp((loc - high) / s))``: it underflowed to 0 where p lies
    700 scales above q's loc, and its log passed nan gradients (0 * inf) to a finite KL; it
    overflowed to inf - inf (nan) where p lies 700 scales below, where the KL is inf; and it
    cancels for a p much narrower than q's scale. Exact values (mpmath, from these doubles):
    the KL 1441.69863871664 and its gradient in ``low`` 34082319.725442 (torch's too), the
    narrow one 21.403782444745547 (torch 21.4037824566, 1.2e-8 relative off)."""
    f64 = ag.float64
    low = ag.tensor([0.12325306564039369, -0.6496942506327332], dtype=f64, requires_grad=True)
    high = ag.tensor([0.12325309498611232, -0.6496942212870146], dtype=f64)
    loc = ag.tensor([-0.00037203323367035, 0.00015541419218063], dtype=f64)
    d = ag.distributions
    q = d.Gumbel(loc, ag.tensor(8.622723638026362e-05, dtype=f64))
    kl = d.kl_divergence(d.Uniform(low, high), q)
    assert np.isposinf(kl[1].item())
    kl[0].backward()
    np.testing.assert_allclose(kl[0].item(), 1441.69863871664, rtol=1e-13)
    np.testing.assert_allclose(low.grad[0].item(), 34082319.725442, rtol=1e-10)
    narrow = d.kl_divergence(
        d.Uniform(ag.tensor(0.3, dtype=f64), ag.tensor(0.3 + 1e-9, dtype=f64)),
        d.Gumbel(ag.tensor(0.1, dtype=f64), ag.tensor(0.7, dtype=f64)),
    )
    np.testing.assert_allclose(narrow.item(), 21.403782444745547, rtol=1e-14)
