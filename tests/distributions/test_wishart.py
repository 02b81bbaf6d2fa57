"""Wishart against torch.distributions in float64: log_prob, entropy and moments with their
gradients for each way of giving the scale, Bartlett draws by their statistics and pathwise
gradients, shapes, expand and validation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, outcome_in_each

RNG = np.random.default_rng(67)
P = 3
TRIL = np.tril(RNG.standard_normal((2, P, P)), -1) + np.diag(RNG.uniform(0.5, 1.5, P))
COV = TRIL @ np.swapaxes(TRIL, -1, -2)
# below p + 1 (no mode) and above it
DF = np.array([[2.5], [3.9], [7.0]])
_ROOT = RNG.standard_normal((4, 1, 1, P, P + 2))
VALUE = _ROOT @ np.swapaxes(_ROOT, -1, -2)


def _wishart(lib: Any, df: Any, given: str, matrix: Any) -> Any:
    if given == "precision_matrix":
        matrix = lib.linalg.inv(matrix)
    elif given == "scale_tril":
        matrix = lib.linalg.cholesky(matrix)
    return lib.distributions.Wishart(df, **{given: matrix})


@pytest.mark.filterwarnings("ignore:Low df values")
@pytest.mark.parametrize("given", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_log_prob_entropy_and_moments(given: str) -> None:
    def fn(lib: Any) -> Callable[..., Any]:
        def run(df: Any, cov: Any, value: Any) -> Any:
            d = _wishart(lib, df, given, cov)
            return d.log_prob(value), d.entropy(), d.mean, d.variance

        return run

    check_against_torch(fn(ag), fn(torch), [DF, COV, VALUE])

    def mode(lib: Any) -> Callable[..., Any]:
        return lambda df, cov: _wishart(lib, df, given, cov).mode

    # torch's nan modes pass nan gradients to every parameter; here the defined entries'
    # gradients are finite, so the values alone are compared
    check_against_torch(mode(ag), mode(torch), [DF, COV], grad=False)


def test_log_prob_gradient_in_an_ill_conditioned_scale_tril() -> None:
    """Seed 26438 of the random comparison: Σ = L Lᵀ of condition 2.5e5. The gradient of
    log_prob in L's lower triangle, exact (mpmath, from these doubles): 554.5854031695569,
    -708.2442162047173, -1528.353291683729. Through Σ⁻¹ formed explicitly arraygrad's first
    was 554.5854146 (2e-8 relative)."""
    f64 = ag.float64
    factor = ag.tensor(
        [[0.5908113963101139, 0.0], [0.46017850819714556, 0.00126754688809053]],
        dtype=f64,
        requires_grad=True,
    )
    value = ag.tensor(
        [[1.4143810960394236, 1.1009783955317212], [1.1009783955317212, 0.857020670107888]],
        dtype=f64,
    )
    df = ag.tensor(2.315383701522584, dtype=f64)
    ag.distributions.Wishart(df, scale_tril=factor).log_prob(value).backward()
    grad = factor.grad.numpy()
    exact = [554.5854031695569, -708.2442162047173, -1528.353291683729]
    np.testing.assert_allclose([grad[0, 0], grad[1, 0], grad[1, 1]], exact, rtol=1e-10)


def test_matrices_as_torch() -> None:
    def fn(lib: Any) -> Callable[..., Any]:
        def run(df: Any, cov: Any) -> Any:
            d = _wishart(lib, df, "covariance_matrix", cov)
            return d.scale_tril, d.precision_matrix, d.covariance_matrix

        return run

    check_against_torch(fn(ag), fn(torch), [DF + 2, COV])


def test_samples_follow_the_distribution() -> None:
    ag.manual_seed(10)
    n = 40000
    d = ag.distributions.Wishart(ag.tensor(5.5, dtype=ag.float64), ag.tensor(COV[0]))
    draws = d.sample((n,))
    assert bool(d.support.check(draws).all())
    stderr = (d.variance / n).sqrt().numpy()
    assert (np.abs(draws.mean(0).numpy() - d.mean.numpy()) < 5 * stderr).all()
    np.testing.assert_allclose(draws.var(0).numpy(), d.variance.numpy(), rtol=0.1)


def test_rsample_gradients_are_those_of_the_mean() -> None:
    """The mean of the draws is ``df Σ``: its pathwise gradients average to those of
    ``df Σ`` with respect to ``df`` and the Cholesky factor."""
    ag.manual_seed(11)
    df = ag.tensor(4.5, dtype=ag.float64, requires_grad=True)
    tril = ag.tensor(TRIL[0], requires_grad=True)
    weights = ag.tensor(RNG.standard_normal((P, P)))
    d = ag.distributions.Wishart(df, scale_tril=tril)
    (d.rsample((40000,)).mean(0) * weights).sum().backward()
    sampled = df.grad.item(), tril.grad.numpy()

    df.grad = tril.grad = None
    (df * (tril @ tril.mT) * weights).sum().backward()
    assert abs(sampled[0] - df.grad.item()) < 0.05 * abs(df.grad.item()) + 0.05
    np.testing.assert_allclose(sampled[1], tril.grad.numpy(), rtol=0.05, atol=0.1)


def test_shapes_expand_and_description_as_torch() -> None:
    def describe(lib: Any) -> tuple[Any, ...]:
        d = lib.distributions.Wishart(lib.tensor(DF + 2), covariance_matrix=lib.tensor(COV))
        bigger = d.expand((2, 3, 2))
        draw = bigger.rsample((2,))
        return (
            tuple(d.batch_shape),
            tuple(d.event_shape),
            tuple(bigger.batch_shape),
            type(bigger).__name__,
            tuple(draw.shape),
            tuple(bigger.log_prob(draw).shape),
            d.has_rsample,
            repr(d.support),
            repr(d).replace(lib.__name__, "lib"),
            {name: repr(c) for name, c in d.arg_constraints.items()},
        )

    assert describe(ag) == describe(torch)


def test_low_df_warns_as_torch() -> None:
    for lib in (torch, ag):
        with pytest.warns(UserWarning, match="Low df values detected"):
            lib.distributions.Wishart(lib.tensor(2.5), lib.eye(3))


INVALID: dict[str, tuple[Callable[[Any], Any], type[Exception]]] = {
    "df": (lambda lib: lib.distributions.Wishart(lib.tensor(1.5), lib.eye(3)), ValueError),
    "none given": (lambda lib: lib.distributions.Wishart(lib.tensor(4.0)), AssertionError),
    "two given": (
        lambda lib: lib.distributions.Wishart(lib.tensor(4.0), lib.eye(2), scale_tril=lib.eye(2)),
        AssertionError,
    ),
    "vector": (lambda lib: lib.distributions.Wishart(lib.tensor(4.0), lib.ones(2)), ValueError),
    "not positive definite": (
        lambda lib: lib.distributions.Wishart(lib.tensor(4.0), -lib.eye(2)),
        ValueError,
    ),
    "value": (
        lambda lib: lib.distributions.Wishart(lib.tensor(4.0), lib.eye(2)).log_prob(-lib.eye(2)),
        ValueError,
    ),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_validation_as_torch(name: str) -> None:
    build, error = INVALID[name]
    theirs, mine = outcome_in_each(build, (error,))
    assert theirs == error.__name__
    assert mine == theirs


def _kl(lib: Any, p: tuple[Any, Any], q: tuple[Any, Any]) -> Any:
    D = lib.distributions
    return D.kl_divergence(D.Wishart(p[0], precision_matrix=p[1]), D.Wishart(q[0], q[1]))


def test_kl_divergence_as_torch_between_unbatched_ones() -> None:
    """Wishart KL (torch's through its exponential family, right unbatched): the values and
    q's gradients as torch's; p's, which torch detaches, as the value's finite differences."""
    args = [np.asarray(3.2), COV[0], np.asarray(5.5), COV[1]]
    leaves = {lib: [lib.tensor(a, requires_grad=True) for a in args] for lib in (ag, torch)}
    kls = {lib: _kl(lib, (ts[0], ts[1]), (ts[2], ts[3])) for lib, ts in leaves.items()}
    assert abs(kls[ag].item() - kls[torch].item()) < 1e-9 * abs(kls[torch].item())
    mine = ag.autograd.grad(kls[ag], leaves[ag])
    theirs = torch.autograd.grad(kls[torch], leaves[torch][2:])
    for a, b in zip(mine[2:], theirs, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-12)

    def value(df: float) -> float:
        t = [torch.tensor(a) for a in args]
        return _kl(torch, (torch.tensor(df, dtype=torch.float64), t[1]), (t[2], t[3])).item()

    step = 1e-6
    slope = (value(3.2 + step) - value(3.2 - step)) / (2 * step)
    assert abs(mine[0].item() - slope) < 1e-6 * abs(slope)


def test_kl_divergence_of_a_batch_is_that_of_each_element() -> None:
    """torch 2.13 sums the df's term over the batch (its batched values are wrong): each
    element of arraygrad's batch is torch's value for that pair alone."""
    p_df, q_df = DF[:, 0][:2] + 2, np.array([6.0, 3.5])
    batch = _kl(ag, (ag.tensor(p_df), ag.tensor(COV)), (ag.tensor(q_df), ag.tensor(COV[::-1])))
    single = [
        float(
            _kl(
                torch,
                (torch.tensor(p_df[i]), torch.tensor(COV[i])),
                (torch.tensor(q_df[i]), torch.tensor(COV[1 - i])),
            )
        )
        for i in range(2)
    ]
    np.testing.assert_allclose(batch.numpy(), single, rtol=1e-12)


def test_kl_divergence_of_different_sizes_is_an_error() -> None:
    D = ag.distributions
    with pytest.raises(RuntimeError, match="event shapes"):
        D.kl_divergence(D.Wishart(ag.tensor(4.0), ag.eye(1)), D.Wishart(ag.tensor(4.0), ag.eye(3)))


@pytest.mark.filterwarnings("ignore:Low df values")
def test_unvalidated_log_prob_outside_the_support_as_torch() -> None:
    """Without validation a matrix that is not positive definite (indefinite, negated, not
    symmetric) gets a number, from log |det X|, as torch's, not a LinAlgError."""
    outside = np.stack([-COV[0], COV[1] - 3 * np.eye(P), RNG.standard_normal((P, P))])

    def fn(lib: Any) -> Callable[..., Any]:
        def run(df: Any, cov: Any, value: Any) -> Any:
            d = lib.distributions.Wishart(df, cov, validate_args=False)
            return d.log_prob(value)

        return run

    check_against_torch(fn(ag), fn(torch), [DF[:, :, None][0] + 1, COV[0], outside])
