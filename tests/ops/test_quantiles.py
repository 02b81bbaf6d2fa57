"""quantile, nanquantile, nanmedian and mode against torch 2.13.0 (values and VJPs) and finite
differences; NaN, ties, interpolation modes, shapes and misuse are tested separately."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arraygrad as ag
from tests.ops._helpers import DTYPES, distinct, lib
from tests.oracle import (
    OpSpec,
    assert_refused_as_torch,
    check_against_torch,
    gradcheck,
    run_gradcheck_case,
    run_torch_case,
)

NAN = float("nan")
INF = float("inf")
MODES = ["linear", "lower", "higher", "midpoint", "nearest"]


def last(x: Any) -> int:
    return -1 if x.ndim else 0


def nonempty(min_dims: int = 0) -> Any:
    return hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=4).map(
        lambda s: (s,)
    )


def qs(x: Any, *values: float) -> Any:
    """A 1-D ``q`` tensor of ``x``'s dtype."""
    return lib(x).tensor(values, dtype=x.dtype)


def with_nans(x: Any) -> Any:
    """``x`` with NaN at every third element (from the second): some rows with NaN, some
    without, some all NaN. (NaN outputs make finite differences meaningless: these rows are
    gradchecked separately, on inputs without all-NaN rows.)"""
    mask = (lib(x).arange(x.numel()) % 3 == 1).reshape(x.shape)
    return lib(x).where(mask, float("nan"), x)


OP_TABLE = {
    "quantile": OpSpec(lambda x: distinct(x).quantile(0.3), shapes=nonempty()),
    "quantile:dim_keepdim": OpSpec(
        lambda x: lib(x).quantile(distinct(x), 0.75, dim=last(x), keepdim=True), shapes=nonempty()
    ),
    "quantile:q_tensor": OpSpec(
        lambda x: distinct(x).quantile(qs(x, 0.1, 0.5, 1.0), dim=0), shapes=nonempty()
    ),
    "quantile:all_keepdim": OpSpec(
        lambda x: distinct(x).quantile(qs(x, 0.2, 0.9), keepdim=True), shapes=nonempty()
    ),
    "nanquantile": OpSpec(
        lambda x: with_nans(distinct(x)).nanquantile(0.4), shapes=nonempty(), gradcheck=False
    ),
    "nanquantile:dim": OpSpec(
        lambda x: lib(x).nanquantile(with_nans(distinct(x)), qs(x, 0.0, 0.6), dim=-1),
        shapes=nonempty(1),
        gradcheck=False,
    ),
    "nanmedian": OpSpec(
        lambda x: with_nans(distinct(x)).nanmedian(), shapes=nonempty(), gradcheck=False
    ),
    "nanmedian:dim": OpSpec(
        # a NaN-free first row: PyTorch's index for an all-NaN column is unspecified
        lambda x: lib(x).nanmedian(lib(x).cat([x[:1], with_nans(distinct(x))]), 0, True),
        shapes=nonempty(1),
        gradcheck=False,
    ),
    "mode": OpSpec(lambda x: x.mode(), gradcheck=False),  # distinct values: the smallest
    "mode:repeats": OpSpec(lambda x: lib(x).mode(x.round() * 1.5, 0), gradcheck=False),
    "mode:repeats_times_x": OpSpec(
        lambda x: x.round().mode(dim=last(x), keepdim=True)[0] * x, gradcheck=False
    ),
}
for _mode in MODES:
    OP_TABLE[f"quantile:{_mode}"] = OpSpec(
        lambda x, m=_mode: distinct(x).quantile(qs(x, 0.1, 0.375, 0.5, 0.9), -1, interpolation=m),
        shapes=nonempty(1),
    )
    OP_TABLE[f"nanquantile:{_mode}"] = OpSpec(
        lambda x, m=_mode: with_nans(distinct(x)).nanquantile(0.625, 0, interpolation=m),
        shapes=nonempty(),
        gradcheck=False,
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(n for n in OP_TABLE if OP_TABLE[n].gradcheck))
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


# --- ties, NaN and 0-d inputs --------------------------------------------------------------------

EDGES = {
    "quantile_ties": (lambda x: x.quantile(0.5), [[1.0, 2.0, 2.0, 3.0]]),
    "quantile_nan_row": (lambda x: x.quantile(0.5, dim=1), [[[1.0, NAN, 3.0], [1.0, 2.0, 3.0]]]),
    "quantile_empty_q": (
        lambda x: (x.quantile(qs(x), dim=1), x.nanquantile(qs(x))),
        [[[1.0, 2.0]]],
    ),
    "quantile_0d": (lambda x: (x.quantile(0.5), x.quantile(0.5, 0, True)), [2.0]),
    "nanquantile_all_nan": (lambda x: x.nanquantile(0.5, dim=1), [[[NAN, NAN], [1.0, NAN]]]),
    "nanquantile_full_nan": (lambda x: x.nanquantile(0.3), [[NAN, NAN]]),
    "nanmedian_all_nan_row": (lambda x: x.nanmedian(1), [[[NAN, NAN], [1.0, NAN], [2.0, 1.0]]]),
    "nanmedian_all_nan": (lambda x: x.nanmedian(), [[NAN, NAN]]),
    "nanmedian_ties": (lambda x: x.nanmedian(), [[2.0, NAN, 2.0, 1.0, 3.0]]),
    "nanmedian_ties_dim": (lambda x: x.nanmedian(0), [[2.0, NAN, 2.0, 1.0, 2.0]]),
    "nanmedian_empty": (lambda x: x.nanmedian(), [[]]),
    "nanmedian_0d": (lambda x: (x.nanmedian(), *x.nanmedian(0)), [2.0]),
    "mode_ties_smallest_last_index": (lambda x: x.mode(), [[[1.0, 2.0, 2.0, 1.0, 3.0]]]),
    "mode_rows": (lambda x: x.mode(1), [[[5.0, 5.0, 4.0, 4.0, 4.0], [0.0, 1.0, 2.0, 3.0, 0.0]]]),
    "mode_0d": (lambda x: x.mode(0), [3.0]),
    "mode_empty_rows": (lambda x: x.mode(1), [np.ones((0, 2))]),
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_edges_match_torch(name: str) -> None:
    fn, values = EDGES[name]
    check_against_torch(fn, None, [np.array(v) for v in values], rtol=1e-12, atol=0)


@pytest.mark.parametrize("interpolation", MODES)
def test_nan_skipping_gradcheck(interpolation: str) -> None:
    x = np.array(
        [[0.3, NAN, -1.2, 2.5, 0.7], [NAN, 1.1, 0.4, NAN, -0.6], [0.2, 0.9, 1.7, -2.0, 3.1]]
    )
    gradcheck(lambda t: t.nanquantile(0.35, dim=1, interpolation=interpolation), [x])
    gradcheck(
        lambda t: t.nanquantile(ag.tensor([0.2, 0.8], dtype=t.dtype), interpolation=interpolation),
        [x],
    )
    gradcheck(lambda t: t.nanmedian(1).values + t.nanmedian(), [x])


def test_quantile_gradient_splits_by_the_weight() -> None:
    x = ag.tensor([4.0, 1.0, 3.0, 2.0], requires_grad=True)
    x.quantile(0.5).backward()  # rank 1.5: half to 2.0, half to 3.0
    t = torch.tensor([4.0, 1.0, 3.0, 2.0], requires_grad=True)
    t.quantile(0.5).backward()
    assert x.grad.tolist() == t.grad.tolist()


# --- integers and misuse -------------------------------------------------------------------------

INT_VALUES = np.array([[3, 1, 3, 2], [2, 2, 7, 7]], dtype=np.int64)


def test_mode_and_nanmedian_of_integers_match_torch() -> None:
    check_against_torch(
        lambda x: (*x.mode(), *x.mode(0), *x.nanmedian(1), x.nanmedian(), *(x > 2).mode()),
        None,
        [INT_VALUES],
        grad=False,
    )


@pytest.mark.parametrize(
    ("fn", "error"),
    [
        (lambda L, x: L.quantile(x, 0.5), RuntimeError),
        (lambda L, x: L.quantile(x.float(), 1.5), RuntimeError),
        (lambda L, x: L.quantile(x.float(), -0.1), RuntimeError),
        (lambda L, x: L.quantile(x.float(), L.tensor([[0.5]])), RuntimeError),
        (lambda L, x: L.quantile(x.float(), L.tensor([0.5], dtype=L.float64)), RuntimeError),
        (lambda L, x: L.quantile(x.float(), 0.5, interpolation="bad"), RuntimeError),
        (lambda L, x: L.quantile(x.float()[:0], 0.5), RuntimeError),
        (lambda L, x: L.quantile(x.float(), [0.5]), TypeError),
        (lambda L, x: L.nanquantile(x.float(), 0.5, dim=2), IndexError),
        (lambda L, x: L.mode(x.float()[:, :0], 1), IndexError),
        (lambda L, x: L.nanmedian(x.float()[:, :0], 1), IndexError),
        (lambda L, x: x.float().mode(3), IndexError),
    ],
)
def test_misuse_raises_like_torch(fn: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        fn(torch, torch.tensor(INT_VALUES))
    with pytest.raises(error):
        fn(ag, ag.tensor(INT_VALUES))


def test_messages_name_the_problem() -> None:
    x = ag.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"range \[0, 1\] but got 1.5"):
        x.quantile(1.5)
    with pytest.raises(RuntimeError, match=r"float or double.*Fix"):
        ag.tensor([1, 2]).quantile(0.5)


# --- q that requires grad, and mode with NaN (review findings A3, A4) ---------------------------

Q_VALUES = np.array([0.1, 0.3, 0.7])  # ranks q (n - 1) away from whole numbers: no kinks
Q_INPUT = np.array([[0.3, NAN, -1.2, 2.5, 0.7], [1.4, 1.1, 0.4, -0.3, -0.6]])


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
@pytest.mark.parametrize("interpolation", MODES)
def test_gradient_in_q_matches_torch(name: str, interpolation: str) -> None:
    # the rank q (n - 1) weights the interpolation: d/dq = (n - 1)(above - below) for linear
    def fn(x: Any, q: Any) -> Any:
        return (
            getattr(x, name)(q, dim=1, interpolation=interpolation),
            getattr(x[-1], name)(q[1], interpolation=interpolation),
        )

    for dtype in (np.float64, np.float32):
        inputs = [Q_INPUT.astype(dtype), Q_VALUES.astype(dtype)]
        check_against_torch(fn, None, inputs)
    gradcheck(fn, [Q_INPUT[1:], Q_VALUES])


@pytest.mark.parametrize("interpolation", MODES)
def test_only_q_requiring_grad_matches_torch(interpolation: str) -> None:
    # torch.tensor([0., 1., 2., 3.]).quantile(q=[.25]) with q requiring grad: dq = [3.]
    results = []
    for lib_ in (torch, ag):
        q = lib_.tensor([0.25], dtype=lib_.float64, requires_grad=True)
        x = lib_.tensor([0.0, 1.0, 2.0, 3.0], dtype=lib_.float64)
        out = lib_.quantile(x, q, interpolation=interpolation)
        grad = lib_.autograd.grad(out.sum(), q)[0].tolist() if out.requires_grad else None
        results.append((out.requires_grad, out.tolist(), grad))
    assert results[0] == results[1]


MODE_NAN = {
    "leading_nans": [NAN, NAN, 1.0],
    "nans_between_repeats": [NAN, 1.0, NAN, 1.0, 1.0],
    "repeats_then_nans": [1.0, 1.0, NAN, NAN],
    "all_nan": [NAN, NAN, NAN],
    "single_nan": [NAN],
    # PyTorch's std::sort leaves a NaN where its insertion sort stops (arraygrad put every NaN
    # first and took it as the mode, fuzz_fixes2 seed 20838), and, past 16 elements, where its
    # quicksort partitions move it
    "number_then_nan": [1.0, NAN],
    "infinities_and_nans": [INF, NAN, -INF, NAN],
    "rows": [[NAN, 1.0], [2.0, NAN]],
    "long_rows": np.where(
        np.random.default_rng(3).random((6, 40)) < 0.3,
        NAN,
        np.random.default_rng(4).integers(0, 4, (6, 40)),
    ).tolist(),
}


@pytest.mark.parametrize("name", sorted(MODE_NAN))
def test_mode_with_nan_matches_torch(name: str) -> None:
    # Each NaN is a run of its own (PyTorch compares with !=).
    check_against_torch(lambda x: x.mode(), None, [np.array(MODE_NAN[name])], rtol=0, atol=0)


# Regression: past 16 elements PyTorch's std::sort is unstable, so which occurrence of the most
# frequent value mode names is the one its introsort leaves last; arraygrad named the last
# occurrence in index order (273 of 300 random rows of 17 to 59 small integers differed).
@pytest.mark.parametrize("dtype", ["float64", "float16", "int64", "uint8", "bool"])
@pytest.mark.parametrize(
    ("shape", "dim"), [((300,), 0), ((5, 40), 1), ((40, 5), 0), ((3, 30, 4), 1)]
)
def test_mode_of_long_rows_with_ties_names_torchs_index(
    shape: tuple[int, ...], dim: int, dtype: str
) -> None:
    x = np.random.default_rng(5).integers(0, 3, shape)
    theirs = torch.mode(torch.tensor(x).to(getattr(torch, dtype)), dim)
    mine = ag.mode(ag.tensor(x).to(getattr(ag, dtype)), dim)
    assert mine.values.tolist() == theirs.values.tolist()
    assert mine.indices.tolist() == theirs.indices.tolist()


# Regression: mode and nanmedian of complex tensors computed (median raised sort's
# RuntimeError), where torch has no kernel for them.
REFUSED_OR_TAKEN = {
    "mode": lambda lib, x: lib.mode(x),
    "mode dim 0": lambda lib, x: lib.mode(x, 0),
    "median": lambda lib, x: lib.median(x),
    "median dim": lambda lib, x: lib.median(x, 1),
    "nanmedian": lambda lib, x: lib.nanmedian(x),
    "nanmedian dim": lambda lib, x: lib.nanmedian(x, 0),
}


@pytest.mark.parametrize("dtype", ["complex64", "bool", "int8"])
@pytest.mark.parametrize("name", list(REFUSED_OR_TAKEN))
def test_takes_the_dtypes_torch_takes(name: str, dtype: str) -> None:
    assert_refused_as_torch(REFUSED_OR_TAKEN[name], dtype)


@pytest.mark.parametrize("dim", [0, 2, -3])
@pytest.mark.parametrize("dtype", ["complex64", "int64"])
def test_mode_checks_its_dim_before_its_dtype_as_torch(dim: int, dtype: str) -> None:
    assert_refused_as_torch(lambda lib, x: x.mode(dim), dtype)


@pytest.mark.parametrize("q", [True, False])
@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_quantile_reads_a_bool_q_as_a_number_as_torch(q: bool, name: str) -> None:
    said = [getattr(m.tensor([1.0, 2.0, 3.0, 4.0]), name)(q).item() for m in (torch, ag)]
    assert said[1] == said[0]
