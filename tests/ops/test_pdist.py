"""pdist (``arraygrad.pdist`` and ``nn.functional.pdist``) against torch 2.13.0 (values and
VJPs) and finite differences; zero distances, ties of the inf-norm, empty inputs and misuse are
tested separately."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import arraygrad as ag
from tests.ops._helpers import DTYPES, lib
from tests.oracle import OpSpec, check_against_torch, gradcheck, run_gradcheck_case, run_torch_case

INF = float("inf")
# (N, M) point sets with at least one pair (no pairs: test_empty_inputs_match_torch)
points = st.tuples(st.integers(2, 5), st.integers(1, 4)).map(lambda s: (s,))


def spread(x: Any) -> Any:
    """Row i moved by 10 * i in every coordinate: no coordinate difference near 0, where finite
    differences would straddle the kink of ``|d|`` (zero distances are tested below)."""
    return x + lib(x).arange(x.shape[0], dtype=x.dtype).reshape(-1, 1) * 10.0


def untie(x: Any) -> Any:
    """``x`` plus a quadratic ramp, so that no two coordinate differences of a pair tie (ties of
    the inf-norm are tested separately; a linear ramp would shift whole rows equally)."""
    ramp = lib(x).arange(x.numel(), dtype=x.dtype).reshape(x.shape)
    return x + ramp * ramp * 0.0137


OP_TABLE = {
    "pdist": OpSpec(lambda x: lib(x).pdist(spread(x)), shapes=points),
    "pdist:p1": OpSpec(lambda x: lib(x).pdist(spread(x), p=1), shapes=points),
    "pdist:p0.5": OpSpec(lambda x: lib(x).pdist(spread(x), 0.5), shapes=points),
    "pdist:p3": OpSpec(lambda x: lib(x).pdist(spread(x), p=3.0), shapes=points),
    "pdist:inf": OpSpec(lambda x: lib(x).pdist(spread(untie(x)), p=INF), shapes=points),
    "pdist:functional": OpSpec(lambda x: lib(x).nn.functional.pdist(spread(x), 2.5), shapes=points),
    # raw points: near or at zero distances, compared with torch only
    "pdist:near": OpSpec(lambda x: lib(x).pdist(x), shapes=points, gradcheck=False),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=20)
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(n for n in OP_TABLE if OP_TABLE[n].gradcheck))
@settings(max_examples=10)
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


# rows 0 and 2 coincide: a zero distance, where PyTorch's gradient is 0
POINTS = np.array([[0.0, 1.0, 2.0], [1.0, 1.0, 1.0], [0.0, 1.0, 2.0], [2.0, -1.0, 0.5]])


@pytest.mark.parametrize("p", [2.0, 1.0, 0.5, 3.0, INF])
def test_zero_distance_gradient_matches_torch(p: float) -> None:
    check_against_torch(lambda x: lib(x).pdist(x, p), None, [POINTS], rtol=1e-12, atol=1e-15)


def test_inf_norm_ties_match_torch() -> None:
    # the differences of rows 0 and 1 tie in two coordinates: each gets the full gradient
    ties = np.array([[0.0, 0.0, 0.0], [1.0, -1.0, 0.5], [3.0, 1.0, 1.0]])
    check_against_torch(lambda x: lib(x).pdist(x, INF), None, [ties], rtol=1e-12, atol=1e-15)


def test_p0_counts_like_torch() -> None:
    # p=0 counts the differing coordinates (piecewise constant): values only
    mine = ag.pdist(ag.tensor(POINTS), 0).numpy()
    np.testing.assert_array_equal(mine, torch.pdist(torch.tensor(POINTS), 0).numpy())


def test_p0_gradient_is_zeros_like_torch() -> None:
    # piecewise constant: torch's pdist and cdist give a zero gradient (not None)
    check_against_torch(lambda x: lib(x).pdist(x, 0), None, [POINTS], rtol=0, atol=0)
    check_against_torch(
        lambda x, y: lib(x).cdist(x, y, 0), None, [POINTS, POINTS[:2] + 0.5], rtol=0, atol=0
    )


@pytest.mark.parametrize("shape", [(0, 3), (1, 3), (3, 0), (0, 0), (1, 0)])
def test_empty_inputs_match_torch(shape: tuple[int, int]) -> None:
    # values only against torch: its backward crashes (segmentation fault) on no pairs
    check_against_torch(lambda x: lib(x).pdist(x), None, [np.ones(shape)], grad=False)
    x = ag.ones(shape, dtype=ag.float64, requires_grad=True)
    out = ag.pdist(x)
    (grad,) = ag.autograd.grad(out, [x], ag.ones_like(out))
    np.testing.assert_array_equal(grad.numpy(), np.zeros(shape))


def test_gradcheck_on_random_points() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(5, 3))
    for p in (1.0, 1.5, 2.0, 3.0, INF):
        gradcheck(lambda a, p=p: ag.pdist(a, p=p), [x])


def test_float32_result_dtype_like_torch() -> None:
    mine = ag.pdist(ag.ones(3, 2, dtype=ag.float32))
    assert mine.dtype == ag.float32 and torch.pdist(torch.ones(3, 2)).dtype == torch.float32


@pytest.mark.parametrize(
    "fn",
    [
        lambda L: L.pdist(L.ones(3)),
        lambda L: L.pdist(L.ones(2, 3, 4)),
        lambda L: L.pdist(L.ones(3, 2), p=-1),
        lambda L: L.pdist(L.ones(3, 2, dtype=L.int64)),
        lambda L: L.nn.functional.pdist(L.ones(())),
    ],
)
def test_misuse_raises_like_torch(fn: Any) -> None:
    with pytest.raises(RuntimeError):
        fn(torch)
    with pytest.raises(RuntimeError):
        fn(ag)


def test_messages_name_the_problem() -> None:
    with pytest.raises(RuntimeError, match=r"only supports 2D tensors, got: 1D.*Fix"):
        ag.pdist(ag.ones(3))
    with pytest.raises(RuntimeError, match=r"floating-point dtypes, got: int64.*Fix"):
        ag.pdist(ag.ones(3, 2, dtype=ag.int64))
