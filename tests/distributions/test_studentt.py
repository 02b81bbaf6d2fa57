"""StudentT against torch.distributions in float64: log_prob, entropy and moments (with the
infinite and undefined values of small degrees of freedom) and their gradients in all three
parameters, reparameterised draws' statistics and gradients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, outcome_in_each

# degrees of freedom across the thresholds 1 and 2 of the mean and variance
DF = np.array([0.3, 1.0, 1.5, 2.0, 2.5, 30.0]).reshape(6, 1)
LOC = np.array([-1.0, 0.0, 2.0]).reshape(1, 3)
SCALE = np.array([0.5, 1.0, 3.0]).reshape(1, 3)
VALUES = np.array([-50.0, -1.0, 0.0, 0.7, 1e3]).reshape(5, 1, 1)


def test_student_t() -> None:
    def fn(lib: Any) -> Callable[..., Any]:
        def run(df: Any, loc: Any, scale: Any, x: Any) -> tuple[Any, ...]:
            d = lib.distributions.StudentT(df, loc, scale)
            return d.log_prob(x), d.entropy(), d.mean, d.mode, d.variance, d.stddev

        return run

    check_against_torch(fn(ag), fn(torch), [DF, LOC, SCALE, VALUES])


def test_moments_for_small_degrees_of_freedom_as_torch() -> None:
    theirs, mine = outcome_in_each(
        lambda lib: [
            getattr(lib.distributions.StudentT(lib.tensor([0.5, 1.0, 1.5, 2.0, 3.0])), m).tolist()
            for m in ("mean", "variance")
        ]
    )
    np.testing.assert_equal(mine, theirs)


def test_rsample_statistics_and_gradients() -> None:
    df = ag.tensor([4.0, 10.0], dtype=ag.float64, requires_grad=True)
    loc = ag.tensor([1.0, -2.0], dtype=ag.float64, requires_grad=True)
    scale = ag.tensor([0.5, 2.0], dtype=ag.float64, requires_grad=True)
    d = ag.distributions.StudentT(df, loc, scale)
    ag.manual_seed(0)
    n = 20000
    x = d.rsample((n, 1))
    assert tuple(x.shape) == (n, 1, 2) and x.dtype == ag.float64 and x.requires_grad
    draws = x.detach().numpy().reshape(n, 2)
    assert np.all(np.abs(np.median(draws, 0) - [1.0, -2.0]) < 0.05 * np.array([0.5, 2.0]))
    # the variance of df = 4 converges slowly (infinite fourth moment): check df = 10's
    assert abs(draws[:, 1].var() - d.variance[1].item()) < 0.1 * d.variance[1].item()
    # dx/dloc = 1 and dx/dscale = (x - loc) / scale for every draw
    grads = ag.autograd.grad(x.sum(), [loc, scale, df])
    assert np.allclose(grads[0].numpy(), n)
    standard = (draws - np.array([1.0, -2.0])) / np.array([0.5, 2.0])
    assert np.allclose(grads[1].numpy(), standard.sum(0))
    # the draws' mean does not move with df (symmetry), so the gradient sums to ~0
    assert bool(grads[2].isfinite().all())
    assert np.all(np.abs(grads[2].numpy()) < 5 * np.sqrt(n) * np.array([0.5, 2.0]))


def test_sample_has_no_gradient_and_expand_as_torch() -> None:
    def run(lib: Any) -> tuple[Any, ...]:
        d = lib.distributions.StudentT(lib.tensor([2.0, 3.0]), 0.0, 1.0).expand((4, 2))
        x = d.sample((3,))
        return repr(d), tuple(x.shape), x.requires_grad, tuple(d.log_prob(x).shape)

    theirs, mine = outcome_in_each(run)
    assert str(mine).replace("arraygrad", "torch") == str(theirs)
