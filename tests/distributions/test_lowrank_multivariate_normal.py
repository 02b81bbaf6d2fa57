"""LowRankMultivariateNormal against torch.distributions in float64: log_prob, entropy and
the covariance, precision and Cholesky matrices with their gradients; draws on given noise;
shapes, expand, validation, sample statistics; and its KL divergences with itself and with
MultivariateNormal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, outcome_in_each

RNG = np.random.default_rng(59)
LOC = RNG.standard_normal((2, 1, 4))
FACTOR = RNG.standard_normal((3, 4, 2))
DIAG = RNG.uniform(0.5, 2.0, (4,))
VALUE = RNG.standard_normal((5, 2, 3, 4))


def _lowrank(lib: Any, loc: Any, factor: Any, diag: Any) -> Any:
    return lib.distributions.LowRankMultivariateNormal(loc, factor, diag)


def test_log_prob_and_entropy() -> None:
    def fn(lib: Any) -> Callable[..., Any]:
        def run(loc: Any, factor: Any, diag: Any, value: Any) -> Any:
            d = _lowrank(lib, loc, factor, diag)
            return d.log_prob(value), d.entropy(), d.expand((5, 2, 3)).log_prob(value)

        return run

    check_against_torch(fn(ag), fn(torch), [LOC, FACTOR, DIAG, VALUE])


@pytest.mark.parametrize(
    "stat", ["mean", "mode", "variance", "covariance_matrix", "precision_matrix", "scale_tril"]
)
def test_moments_and_matrices(stat: str) -> None:
    def fn(lib: Any) -> Callable[..., Any]:
        return lambda loc, factor, diag: getattr(_lowrank(lib, loc, factor, diag), stat)

    check_against_torch(fn(ag), fn(torch), [LOC, FACTOR, DIAG])


@pytest.fixture
def given_noise(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[np.ndarray]]:
    """arraygrad's ``randn`` returning the listed arrays in turn."""
    queue: list[np.ndarray] = []

    def randn(*size: Any, dtype: Any = None, **_: Any) -> Any:
        noise = queue.pop(0)
        shape = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else size
        assert tuple(shape) == noise.shape, (shape, noise.shape)
        return ag.tensor(noise, dtype=dtype)

    monkeypatch.setattr(ag, "randn", randn)
    yield queue


def test_rsample_is_the_reparameterised_draw(given_noise: list[np.ndarray]) -> None:
    """``loc + W ε₁ + √d ε₂`` for the two standard normal draws, with the gradients of that
    expression computed by torch."""
    low_rank, diagonal = RNG.standard_normal((6, 2, 3, 2)), RNG.standard_normal((6, 2, 3, 4))
    given_noise.extend([low_rank, diagonal])

    def reference(loc: Any, factor: Any, diag: Any, e1: Any, e2: Any) -> Any:
        e1, e2 = e1.detach(), e2.detach()  # the noise is a constant of the draw
        return loc + (factor @ e1.unsqueeze(-1)).squeeze(-1) + diag.sqrt() * e2

    def mine(loc: Any, factor: Any, diag: Any, e1: Any, e2: Any) -> Any:
        return _lowrank(ag, loc, factor, diag).rsample((6,))

    check_against_torch(mine, reference, [LOC, FACTOR, DIAG, low_rank, diagonal])


def test_shapes_expand_and_support() -> None:
    def describe(lib: Any) -> tuple[Any, ...]:
        loc = lib.tensor(LOC, requires_grad=True)
        d = _lowrank(lib, loc, lib.tensor(FACTOR), lib.tensor(DIAG))
        bigger = d.expand((5, 2, 3))
        draw = bigger.rsample((2,))
        return (
            tuple(d.batch_shape),
            tuple(d.event_shape),
            tuple(bigger.batch_shape),
            type(bigger).__name__,
            repr(d.support),
            repr(d).replace(lib.__name__, "lib"),
            {name: repr(c) for name, c in d.arg_constraints.items()},
            d.has_rsample,
            tuple(draw.shape),
            draw.requires_grad,
            tuple(bigger.log_prob(draw).shape),
            tuple(bigger.cov_factor.shape),
            tuple(bigger.cov_diag.shape),
            tuple(bigger.covariance_matrix.shape),
        )

    assert describe(ag) == describe(torch)


def test_samples_follow_the_distribution() -> None:
    ag.manual_seed(7)
    d = _lowrank(ag, ag.tensor(LOC[0, 0]), ag.tensor(FACTOR[0]), ag.tensor(DIAG))
    draws = d.sample((40000,)).numpy()
    np.testing.assert_allclose(draws.mean(0), LOC[0, 0], atol=0.05)
    np.testing.assert_allclose(np.cov(draws.T), d.covariance_matrix.numpy(), atol=0.1)


PAIRS = ["LowRank-LowRank", "MultivariateNormal-LowRank", "LowRank-MultivariateNormal"]


@pytest.mark.parametrize("pair", PAIRS)
def test_kl_divergence_as_torch(pair: str) -> None:
    scale_tril = np.tril(RNG.standard_normal((3, 4, 4)), -1) + np.diag(RNG.uniform(0.5, 1.5, 4))
    other_factor = RNG.standard_normal((4, 3))

    def fn(lib: Any) -> Callable[..., Any]:
        def run(loc: Any, factor: Any, diag: Any, tril: Any, other: Any) -> Any:
            d = lib.distributions
            low = _lowrank(lib, loc, factor, diag)
            other_low = _lowrank(lib, loc[0] * 0.5, other, diag.flip(-1))
            full = d.MultivariateNormal(loc[1, 0] + 1.0, scale_tril=tril)
            p, q = {
                "LowRank-LowRank": (low, other_low),
                "MultivariateNormal-LowRank": (full, low),
                "LowRank-MultivariateNormal": (low, full),
            }[pair]
            return d.kl_divergence(p, q), d.kl_divergence(q, q)

        return run

    check_against_torch(fn(ag), fn(torch), [LOC, FACTOR, DIAG, scale_tril, other_factor])


def test_kl_with_different_event_shapes_is_an_error_as_torch() -> None:
    def kl(lib: Any) -> Any:
        d = lib.distributions
        p = _lowrank(lib, lib.zeros(3), lib.ones(3, 1), lib.ones(3))
        q = d.MultivariateNormal(lib.zeros(2), lib.eye(2))
        return d.kl_divergence(p, q)

    assert outcome_in_each(kl, (ValueError,)) == ("ValueError", "ValueError")


INVALID: dict[str, Callable[[Any], Any]] = {
    "factor rows": lambda lib: _lowrank(lib, lib.zeros(3), lib.ones(2, 2), lib.ones(3)),
    "factor vector": lambda lib: _lowrank(lib, lib.zeros(3), lib.ones(3), lib.ones(3)),
    "diag length": lambda lib: _lowrank(lib, lib.zeros(3), lib.ones(3, 2), lib.ones(2)),
    "scalar loc": lambda lib: _lowrank(lib, lib.zeros(()), lib.ones(3, 2), lib.ones(3)),
    "value shape": lambda lib: _lowrank(lib, lib.zeros(3), lib.ones(3, 2), lib.ones(3)).log_prob(
        lib.zeros(2)
    ),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_validation_as_torch(name: str) -> None:
    theirs, mine = outcome_in_each(INVALID[name], (ValueError,))
    assert theirs == "ValueError"
    assert mine == theirs


def test_negative_diagonal_is_a_value_error() -> None:
    """torch 2.13 factorises the capacitance before validating and raises a LinAlgError;
    here the parameter check comes first, with its ValueError."""
    with pytest.raises(ValueError, match="cov_diag"):
        _lowrank(ag, ag.zeros(3), ag.ones(3, 2), -ag.ones(3))


@pytest.mark.parametrize("family", ["MultivariateNormal", "LowRankMultivariateNormal"])
def test_log_prob_at_an_infinite_coordinate_is_minus_inf(family: str) -> None:
    """The density vanishes at a vector with an infinite coordinate: log_prob is -inf there
    (torch gives -inf or nan by the order of its triangular solve: nan at (inf, 0) for the
    identity), nan where a coordinate is nan; the finite vectors keep their gradients."""
    inf = np.inf
    values = ag.tensor([[inf, 0.0], [0.0, -inf], [inf, -inf], [inf, np.nan], [0.5, -1.0]])
    loc = ag.tensor([0.0, 1.0], dtype=ag.float64, requires_grad=True)
    D = ag.distributions
    if family == "MultivariateNormal":
        d = D.MultivariateNormal(loc, ag.eye(2, dtype=ag.float64), validate_args=False)
    else:
        d = D.LowRankMultivariateNormal(
            loc, ag.zeros(2, 1, dtype=ag.float64), ag.ones(2, dtype=ag.float64), validate_args=False
        )
    result = d.log_prob(values.to(ag.float64))
    assert result[:3].tolist() == [-inf] * 3 and np.isnan(result[3].item())
    expected = -np.log(2 * np.pi) - 0.5 * (0.25 + 4.0)
    assert abs(result[4].item() - expected) < 1e-12
    # (without the nan vector, whose gradient is nan)
    (grad,) = ag.autograd.grad(d.log_prob(values[[0, 1, 2, 4]].to(ag.float64)).sum(), loc)
    np.testing.assert_allclose(grad.numpy(), [0.5, -2.0], rtol=1e-12)


# A nearly singular covariance: D a million times smaller than W Wᵀ (the distribution
# fuzzer's seeds 437, 557 and 756 drew such ones)
NEAR_LOC = np.array([0.3, -1.0, 0.2])
NEAR_FACTOR = np.array([[0.27, -0.74], [-1.42, 0.70], [-0.30, 0.36]])
NEAR_DIAG = np.array([3.7e-7, 5.2e-8, 2.6e-7])
# values near the plane loc + W u, where the density is not negligible
NEAR_VALUE = (
    NEAR_LOC
    + np.array([[0.5, -1.2], [1.1, 0.3]]) @ NEAR_FACTOR.T
    + np.array([[0.4, -1.0, 0.7], [-0.2, 0.9, 1.3]]) * np.sqrt(NEAR_DIAG)
)


def _dense_covariance(factor: np.ndarray, diag: np.ndarray) -> Any:
    import mpmath

    covariance = mpmath.matrix(factor.tolist()) * mpmath.matrix(factor.tolist()).T
    for i, d in enumerate(diag.tolist()):
        covariance[i, i] += d
    return covariance


def test_log_prob_entropy_and_gradients_of_a_nearly_singular_covariance() -> None:
    """The Woodbury form of xᵀ Σ⁻¹ x subtracts numbers of size xᵀ D⁻¹ x, and multiplying out
    Wᵀ D⁻¹ W rounds the capacitance's small eigenvalues: both lost about 1e-9 relative here
    (the gradient in cov_diag 5e-7; torch 2.13's is 3e-6 off). mpmath, from the dense
    covariance at 50 digits."""
    import mpmath

    mpmath.mp.dps = 50
    covariance = _dense_covariance(NEAR_FACTOR, NEAR_DIAG)
    precision = covariance**-1
    log_det = mpmath.log(mpmath.det(covariance))
    log_probs, diag_grad = [], [mpmath.mpf(0)] * 3
    for value in NEAR_VALUE:
        centred = mpmath.matrix((value - NEAR_LOC).tolist())
        solved = precision * centred
        quadratic = (centred.T * solved)[0]
        log_probs.append(-0.5 * (3 * mpmath.log(2 * mpmath.pi) + log_det + quadratic))
        for i in range(3):  # d log_prob / d d_i = -(Σ⁻¹_ii - (Σ⁻¹ x)_i²) / 2
            diag_grad[i] += -0.5 * (precision[i, i] - solved[i] ** 2)
    entropy = 1.5 * (1 + mpmath.log(2 * mpmath.pi)) + 0.5 * log_det

    diag = ag.tensor(NEAR_DIAG, requires_grad=True)
    d = _lowrank(ag, ag.tensor(NEAR_LOC), ag.tensor(NEAR_FACTOR), diag)
    log_prob = d.log_prob(ag.tensor(NEAR_VALUE))
    (grad,) = ag.autograd.grad(log_prob.sum(), diag)
    np.testing.assert_allclose(log_prob.tolist(), [float(v) for v in log_probs], rtol=1e-13)
    assert abs(d.entropy().item() - float(entropy)) < 1e-13 * abs(float(entropy))
    np.testing.assert_allclose(grad.numpy(), [float(v) for v in diag_grad], rtol=1e-9)


def test_kl_and_its_gradient_with_a_nearly_singular_covariance() -> None:
    """KL(p ‖ q) for q nearly singular and its gradient in q's cov_diag against mpmath (the
    trace term is the same quadratic form; torch 2.13's gradient is 1e-6 off at seed 756)."""
    import mpmath

    mpmath.mp.dps = 50
    p_loc = NEAR_LOC + NEAR_FACTOR @ np.array([0.3, -0.2])
    p_factor, p_diag = NEAR_FACTOR * 1.1, NEAR_DIAG * 3
    p_cov = _dense_covariance(p_factor, p_diag)
    q_cov = _dense_covariance(NEAR_FACTOR, NEAR_DIAG)
    q_precision = q_cov**-1
    delta = mpmath.matrix((NEAR_LOC - p_loc).tolist())
    second = p_cov + delta * delta.T
    kl = 0.5 * (
        sum((q_precision * second)[i, i] for i in range(3))
        - 3
        + mpmath.log(mpmath.det(q_cov) / mpmath.det(p_cov))
    )
    # d KL / d Σ_q = (Σ_q⁻¹ - Σ_q⁻¹ (Σ_p + δ δᵀ) Σ_q⁻¹) / 2, on the diagonal
    gradient = 0.5 * (q_precision - q_precision * second * q_precision)

    q_diag = ag.tensor(NEAR_DIAG, requires_grad=True)
    p = _lowrank(ag, ag.tensor(p_loc), ag.tensor(p_factor), ag.tensor(p_diag))
    q = _lowrank(ag, ag.tensor(NEAR_LOC), ag.tensor(NEAR_FACTOR), q_diag)
    value = ag.distributions.kl_divergence(p, q)
    (grad,) = ag.autograd.grad(value, q_diag)
    assert abs(value.item() - float(kl)) < 1e-13 * float(kl)
    np.testing.assert_allclose(grad.numpy(), [float(gradient[i, i]) for i in range(3)], rtol=1e-9)
