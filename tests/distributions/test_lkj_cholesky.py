"""LKJCholesky against torch.distributions in float64: log_prob with its gradient with
respect to the concentration, draws by the statistics of their correlations, shapes, expand
and validation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, outcome_in_each

CONCENTRATION = np.array([0.4, 1.0, 3.5])


def _factors(dim: int) -> np.ndarray:
    """Cholesky factors of correlation matrices, a (2, 3) batch, from torch's sampler."""
    torch.manual_seed(0)
    d = torch.distributions.LKJCholesky(dim, torch.tensor(CONCENTRATION))
    return d.sample((2,)).double().numpy()


@pytest.mark.parametrize("dim", [2, 3, 5])
def test_log_prob_as_torch(dim: int) -> None:
    def fn(lib: Any) -> Callable[..., Any]:
        def run(concentration: Any, value: Any) -> Any:
            d = lib.distributions.LKJCholesky(dim, concentration)
            return d.log_prob(value), d.expand((2, 3)).log_prob(value)

        return run

    check_against_torch(fn(ag), fn(torch), [CONCENTRATION, _factors(dim)])


def test_density_integrates_to_one() -> None:
    """In two dimensions a factor is ``[[1, 0], [r, sqrt(1 - r²)]]`` for ``r`` in (-1, 1)."""
    r = np.linspace(-1 + 1e-9, 1 - 1e-9, 400001)
    value = np.zeros((r.size, 2, 2))
    value[:, 0, 0], value[:, 1, 0], value[:, 1, 1] = 1.0, r, np.sqrt(1 - r**2)
    for eta in [1.0, 2.0, 5.0]:
        d = ag.distributions.LKJCholesky(2, ag.tensor(eta, dtype=ag.float64))
        density = d.log_prob(ag.tensor(value)).exp().numpy()
        np.testing.assert_allclose(np.trapezoid(density, r), 1.0, rtol=1e-6)


@pytest.mark.parametrize("eta", [0.5, 1.0, 4.0])
def test_samples_follow_the_distribution(eta: float) -> None:
    """Each correlation ``C_ij`` of LKJ(η) in D dimensions has ``(C_ij + 1) / 2`` distributed
    Beta(a, a), ``a = η - 1 + D / 2``: mean 0, variance ``1 / (2η + D - 1)``."""
    ag.manual_seed(9)
    n, dim = 20000, 4
    draws = ag.distributions.LKJCholesky(dim, ag.tensor(eta)).sample((n,))
    assert bool(ag.distributions.constraints.corr_cholesky.check(draws).all())
    factors = draws.double().numpy()
    correlations = factors @ np.swapaxes(factors, -1, -2)
    np.testing.assert_allclose(np.diagonal(correlations, axis1=-2, axis2=-1), 1.0, atol=1e-5)
    rows, cols = np.tril_indices(dim, -1)
    entries = correlations[:, rows, cols]
    variance = 1 / (2 * eta + dim - 1)
    assert np.abs(entries.mean(0)).max() < 5 * np.sqrt(variance / n)
    np.testing.assert_allclose(entries.var(0), variance, rtol=0.05)


def test_shapes_expand_and_description_as_torch() -> None:
    def describe(lib: Any) -> tuple[Any, ...]:
        d = lib.distributions.LKJCholesky(3, lib.tensor(CONCENTRATION))
        bigger = d.expand((2, 3))
        try:
            d.rsample()
            rsample = "ok"
        except NotImplementedError:
            rsample = "NotImplementedError"
        draw = bigger.sample((4,))
        return (
            tuple(d.batch_shape),
            tuple(d.event_shape),
            tuple(bigger.batch_shape),
            type(bigger).__name__,
            tuple(draw.shape),
            tuple(bigger.log_prob(draw).shape),
            d.has_rsample,
            rsample,
            repr(d.support),
            repr(lib.distributions.LKJCholesky(3, 2.0)),
            bigger.dim,
        )

    assert describe(ag) == describe(torch)


INVALID: dict[str, Callable[[Any], Any]] = {
    "dim": lambda lib: lib.distributions.LKJCholesky(1, 1.0),
    "concentration": lambda lib: lib.distributions.LKJCholesky(3, lib.tensor(-1.0)),
    "not a factor": lambda lib: lib.distributions.LKJCholesky(2, 1.0).log_prob(
        lib.tensor([[1.0, 0.0], [0.6, 0.6]])
    ),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_validation_as_torch(name: str) -> None:
    theirs, mine = outcome_in_each(INVALID[name], (ValueError,))
    assert theirs == "ValueError"
    assert mine == theirs


def test_unvalidated_log_prob_of_a_negative_diagonal_is_nan_as_torch() -> None:
    """A negated factor is no Cholesky factor: without validation its log_prob is nan (the
    log of a negative diagonal) as torch's, not that of the factor itself."""
    value = -_factors(3)
    results = []
    for lib in (ag, torch):
        d = lib.distributions.LKJCholesky(3, lib.tensor(CONCENTRATION), validate_args=False)
        results.append(d.log_prob(lib.tensor(value)).numpy())
    assert np.isnan(results[1]).all()
    np.testing.assert_array_equal(results[0], results[1])
