"""dist and cdist against torch 2.13.0 (values and VJPs) and finite differences; zero
distances, ties of the inf-norm, empty inputs and misuse are tested separately."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import arraygrad as ag
from tests.ops._helpers import DTYPES, distinct, lib
from tests.oracle import OpSpec, check_against_torch, gradcheck, run_gradcheck_case, run_torch_case

INF = float("inf")
side = st.integers(1, 4)


def _point_sets(batch: bool = False) -> Any:
    """x1 of shape (..., P, M) and x2 of shape (..., R, M); the batch broadcasts."""
    lead = (
        st.sampled_from([((2,), (2,)), ((2,), (1,)), ((1, 3), (2, 1))])
        if batch
        else st.just(((), ()))
    )
    return st.tuples(lead, side, side, side).map(
        lambda t: (t[0][0] + (t[1], t[3]), t[0][1] + (t[2], t[3]))
    )


def _many_rows() -> Any:
    """Point sets of which one has more than 25 rows: cdist's default takes the mm path."""
    return st.tuples(st.integers(26, 30), side, side).map(lambda t: ((t[0], t[2]), (t[1], t[2])))


def far(b: Any) -> Any:
    """``b`` moved away from the other point set: no coordinate difference near 0, where
    finite differences would straddle the kink of ``|d|`` (zero distances are tested below)."""
    return b + 10.0


OP_TABLE = {
    "dist": OpSpec(lambda a, b: a.dist(b), arity=2, kinks=(0.0,)),
    "dist:p1": OpSpec(lambda a, b: lib(a).dist(a, far(b), p=1), arity=2),
    "dist:p3": OpSpec(lambda a, b: lib(a).dist(a, far(b), 3), arity=2),
    "dist:inf": OpSpec(lambda a, b: lib(a).dist(distinct(a), b * 0, INF), arity=2, kinks=(0.0,)),
    "cdist": OpSpec(lambda a, b: lib(a).cdist(a, far(b)), arity=2, shapes=_point_sets()),
    "cdist:batch": OpSpec(lambda a, b: lib(a).cdist(a, far(b)), arity=2, shapes=_point_sets(True)),
    "cdist:p1": OpSpec(
        lambda a, b: lib(a).cdist(a, far(b), p=1), arity=2, shapes=_point_sets(True)
    ),
    "cdist:p0.5": OpSpec(
        lambda a, b: lib(a).cdist(a, far(b), p=0.5), arity=2, shapes=_point_sets()
    ),
    "cdist:p3": OpSpec(
        lambda a, b: lib(a).cdist(a, far(b), 3.0), arity=2, shapes=_point_sets(True)
    ),
    "cdist:near": OpSpec(
        lambda a, b: lib(a).cdist(a, b), arity=2, shapes=_point_sets(True), gradcheck=False
    ),
    # ties of the largest difference: compared with torch, gradchecked below on distinct values
    # p=2 as one matrix product (PyTorch's mm path), asked for, and by default past 25 rows
    "cdist:mm": OpSpec(
        lambda a, b: lib(a).cdist(a, far(b), compute_mode="use_mm_for_euclid_dist"),
        arity=2,
        shapes=_point_sets(True),
    ),
    "cdist:mm_many_rows": OpSpec(
        lambda a, b: lib(a).cdist(a, far(b)), arity=2, shapes=_many_rows()
    ),
    "cdist:inf": OpSpec(
        lambda a, b: lib(a).cdist(a, b * 0.5, INF),
        arity=2,
        shapes=_point_sets(True),
        gradcheck=False,
    ),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=20)
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(n for n in OP_TABLE if OP_TABLE[n].gradcheck))
@settings(max_examples=12)
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


POINTS = np.array([[0.0, 1.0, 2.0], [1.0, 1.0, 1.0], [0.0, 1.0, 2.0]])
EDGES = {
    # a zero distance (rows 0 and 2 of POINTS coincide): PyTorch's gradient there is 0
    "cdist_zero_distance": (lambda a: lib(a).cdist(a, a[:2]), [POINTS]),
    "cdist_zero_distance_p1": (lambda a: lib(a).cdist(a, a[:2], p=1), [POINTS]),
    "cdist_zero_distance_p3": (lambda a: lib(a).cdist(a, a[:2], p=3), [POINTS]),
    "cdist_zero_distance_inf": (lambda a: lib(a).cdist(a, a[:2], p=INF), [POINTS]),
    # ties of the largest difference each get the full gradient in PyTorch's inf rule
    "cdist_inf_ties": (lambda a: lib(a).cdist(a, a[1:2] * 0, p=INF), [POINTS]),
    # p=0 (a count, piecewise constant): torch's gradient is zeros, arraygrad's none (as its
    # vector_norm's), so values only
    "cdist_p0": (lambda a: lib(a).cdist(a.detach(), a[:2].detach(), p=0), [POINTS]),
    # torch's dist backward fails for p=0 (an undefined tensor), so values only
    "dist_p0": (lambda a: a.detach().dist(a[:1].detach() * 0, 0), [POINTS]),
    "cdist_zero_distance_mm": (
        lambda a: lib(a).cdist(a, a[:2], compute_mode="use_mm_for_euclid_dist"),
        [POINTS],
    ),
    "cdist_empty_rows": (lambda a: lib(a).cdist(a[:0], a), [POINTS]),
    "cdist_no_columns": (lambda a: lib(a).cdist(a[:, :0], a[:2, :0]), [POINTS]),
    "dist_zero": (lambda a: (a.dist(a), a.dist(a, p=1), a.dist(a, p=INF)), [POINTS]),
    "dist_broadcast_scalar": (lambda a: a.dist(lib(a).tensor(1.0, dtype=a.dtype)), [POINTS]),
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_edges_match_torch(name: str) -> None:
    fn, values = EDGES[name]
    check_against_torch(fn, None, [np.array(v) for v in values], rtol=1e-12, atol=1e-15)


def test_cdist_gradcheck_away_from_zero() -> None:
    rng = np.random.default_rng(3)
    x1, x2 = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4))
    for p in (1.0, 1.5, 2.0, 3.0, INF):
        gradcheck(lambda a, b, p=p: ag.cdist(a, b, p=p), [x1, x2])


@pytest.mark.parametrize(
    ("fn", "error"),
    [
        (lambda L: L.cdist(L.ones(3), L.ones(2, 3)), RuntimeError),
        (lambda L: L.cdist(L.ones(2, 3), L.ones(2, 4)), RuntimeError),
        (lambda L: L.cdist(L.ones(2, 3, 4), L.ones(3, 2, 4)), RuntimeError),
        (lambda L: L.cdist(L.ones(2, 3), L.ones(2, 3), p=-1), RuntimeError),
        (lambda L: L.cdist(L.ones(2, 3), L.ones(2, 3), compute_mode="mm"), ValueError),
        (lambda L: L.cdist(L.ones(2, 30, 4), L.ones(3, 2, 4)), RuntimeError),
        (lambda L: L.cdist(L.ones(2, 3, dtype=L.int64), L.ones(2, 3, dtype=L.int64)), RuntimeError),
        (lambda L: L.dist(L.ones(2), L.ones(3)), RuntimeError),
        (lambda L: L.dist(L.ones(2, dtype=L.int64), L.ones(2, dtype=L.int64)), RuntimeError),
    ],
)
def test_misuse_raises_like_torch(fn: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        fn(torch)
    with pytest.raises(error):
        fn(ag)


def test_messages_name_the_problem() -> None:
    with pytest.raises(RuntimeError, match=r"X1: 3 X2: 4"):
        ag.cdist(ag.ones(2, 3), ag.ones(2, 4))
    with pytest.raises(RuntimeError, match=r"at least 2D tensors, X1 got: 1D.*Fix"):
        ag.cdist(ag.ones(3), ag.ones(2, 3))


def test_cdist_of_many_rows_never_holds_every_difference() -> None:
    # The direct form would hold [P, R, M] differences: 1000 x 1000 x 64 float32, 256 MB.
    import tracemalloc

    rng = np.random.default_rng(0)
    x1 = ag.tensor(rng.standard_normal((1000, 64), dtype=np.float32), requires_grad=True)
    x2 = ag.tensor(rng.standard_normal((1000, 64), dtype=np.float32))
    tracemalloc.start()
    try:
        ag.cdist(x1, x2).sum().backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40 * 2**20, f"peak {peak / 2**20:.0f} MiB"


@pytest.mark.parametrize(
    ("dtypes", "rows", "p"),
    [
        (("float32", "float64"), 2, 2.0),
        (("float32", "bfloat16"), 2, 2.0),
        (("bfloat16", "float32"), 2, 2.0),
        (("float16", "float16"), 2, 1.0),
        (("bfloat16", "bfloat16"), 2, 2.0),
        (("float32", "float64"), 30, 2.0),  # by matrix product: its own message
        (("float16", "float16"), 30, 2.0),  # by matrix product: computed
    ],
)
def test_cdist_of_two_dtypes_or_reduced_floats_as_torch(
    dtypes: tuple[str, str], rows: int, p: float
) -> None:
    outcomes = []
    for mod in (ag, torch):
        x1, x2 = (mod.ones(rows, 3, dtype=getattr(mod, d)) for d in dtypes)
        try:
            outcomes.append(str(mod.cdist(x1, x2, p=p).dtype).split(".")[-1])
        except (RuntimeError, NotImplementedError) as error:
            outcomes.append(f"{type(error).__name__}: {str(error)[:30]}")
    assert outcomes[0].lower() == outcomes[1].lower()
