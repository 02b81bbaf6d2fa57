"""nansum, nanmean, count_nonzero and aminmax against torch 2.13.0 (values and VJPs) and finite
differences; NaN, ties, empty inputs, dtypes and misuse are tested separately."""

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
from tests.oracle import OpSpec, check_against_torch, run_gradcheck_case, run_torch_case

NAN = float("nan")


def last(x: Any) -> int:
    return -1 if x.ndim else 0


def nonempty(min_dims: int = 1) -> Any:
    return hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=4).map(
        lambda s: (s,)
    )


def with_empty() -> Any:
    return hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3).map(lambda s: (s,))


def with_nans(x: Any) -> Any:
    """``x`` with NaN at every third element (from the second), by position."""
    mask = (lib(x).arange(x.numel()) % 3 == 1).reshape(x.shape)
    return lib(x).where(mask, float("nan"), x)


OP_TABLE = {
    "nansum": OpSpec(lambda x: with_nans(x).nansum()),
    "nansum:dim_keepdim": OpSpec(
        lambda x: lib(x).nansum(with_nans(x), dim=last(x), keepdim=True), shapes=with_empty()
    ),
    "nansum:dims_dtype": OpSpec(
        lambda x: with_nans(x).nansum((0, -1), dtype=lib(x).float64), shapes=nonempty(2)
    ),
    "nanmean": OpSpec(lambda x: lib(x).nanmean(with_nans(x))),
    # a column may be all NaN (a NaN mean): finite differences cannot check it
    "nanmean:dim": OpSpec(
        lambda x: with_nans(x).nanmean(dim=0, keepdim=True), shapes=nonempty(), gradcheck=False
    ),
    "nanmean:no_nan_dims": OpSpec(lambda x: x.nanmean(dim=(0, 1)), shapes=nonempty(2)),
    "aminmax": OpSpec(lambda x: tuple(lib(x).aminmax(distinct(x)))),
    "aminmax:dim": OpSpec(
        lambda x: tuple(distinct(x).aminmax(dim=last(x), keepdim=True)), shapes=nonempty()
    ),
    "aminmax:all_keepdim": OpSpec(lambda x: tuple(lib(x).aminmax(distinct(x), keepdim=True))),
    "aminmax:ties": OpSpec(
        lambda x: tuple(t * x.sum() for t in x.round().aminmax(dim=0)),
        shapes=nonempty(),
        gradcheck=False,
    ),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(n for n in OP_TABLE if OP_TABLE[n].gradcheck))
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


EDGES = {
    "nansum_all_nan": (lambda x: (x.nansum(), x.nansum(1)), [[[NAN, NAN], [1.0, NAN]]]),
    "nanmean_empty": (lambda x: (x.nanmean(), x.nanmean(0)), [np.zeros((0, 2))]),
    "nansum_inf": (lambda x: x.nansum(), [[float("inf"), NAN, 1.0]]),
    "aminmax_ties": (lambda x: tuple(x.aminmax()), [[[1.0, 3.0, 3.0], [1.0, 0.0, 0.0]]]),
    "aminmax_nan": (lambda x: tuple(x.aminmax(dim=1)), [[[1.0, NAN], [2.0, 3.0]]]),
    "aminmax_0d": (
        lambda x: (*x.aminmax(), *x.aminmax(dim=0), *x.aminmax(dim=-1, keepdim=True)),
        [3.0],
    ),
    "aminmax_empty_rows": (lambda x: tuple(x.aminmax(dim=1)), [np.zeros((0, 2))]),
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_edges_match_torch(name: str) -> None:
    fn, values = EDGES[name]
    check_against_torch(fn, None, [np.array(v) for v in values], rtol=1e-12, atol=0)


def test_nanmean_of_all_nan_is_nan_with_a_zero_gradient() -> None:
    values = np.array([[NAN, NAN], [1.0, NAN]])
    check_against_torch(lambda x: (x.nanmean(), x.nanmean(1)), None, [values], grad=False)
    # A deliberate difference: torch's gradient is nan at an all-NaN row (inf * 0 in its
    # nansum rule); arraygrad's is 0 there, the gradient of where(). Elsewhere they agree.
    x = ag.tensor(values, requires_grad=True)
    x.nanmean(1).sum().backward()
    t = torch.tensor(values, requires_grad=True)
    t.nanmean(1).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0], [1.0, 0.0]]
    assert np.isnan(t.grad[0]).all() and t.grad[1].tolist() == [1.0, 0.0]


def test_aminmax_returns_named_fields() -> None:
    result = ag.aminmax(ag.tensor([[1.0, 5.0], [7.0, 2.0]]), dim=1)
    assert type(result).__name__ == "aminmax"
    assert result.min.tolist() == [1.0, 2.0] and result.max.tolist() == [5.0, 7.0]


INT_VALUES = np.array([[-3, 0, 5], [1, 0, 0]], dtype=np.int64)
INTEGER_OPS = {
    "nansum": lambda x: (x.nansum(), x.nansum(1), (x > 0).nansum(), x.int().nansum(0)),
    "nansum_dtype": lambda x: x.nansum(dtype=lib(x).float32),
    "nanmean_dtype": lambda x: x.double().nanmean(dim=1, dtype=lib(x).float32),
    "count_nonzero": lambda x: (
        x.count_nonzero(),
        lib(x).count_nonzero(x, dim=1),
        x.count_nonzero((0, 1)),
        x.count_nonzero(-1),
        (x > 0).count_nonzero(0),
        x[:0].count_nonzero(0),
        x.sum().count_nonzero(),
        x.double().count_nonzero(1),
    ),
    "count_nonzero_nan": lambda x: (x.double() / 0).count_nonzero(0),
    "aminmax_int": lambda x: (*x.aminmax(), *x.aminmax(dim=0), *(x > 0).aminmax(dim=1)),
}


@pytest.mark.parametrize("name", sorted(INTEGER_OPS))
def test_integer_and_bool_dtypes_match_torch(name: str) -> None:
    check_against_torch(INTEGER_OPS[name], None, [INT_VALUES], grad=False)


@pytest.mark.parametrize(
    ("fn", "error"),
    [
        (lambda L, x: x.nanmean(), RuntimeError),
        (lambda L, x: x.nanmean(dtype=L.float64), RuntimeError),
        (lambda L, x: x.float().nansum(dim=2), IndexError),
        (lambda L, x: x.float()[:0].aminmax(), RuntimeError),
        (lambda L, x: x.float()[:, :0].aminmax(dim=1), IndexError),
        (lambda L, x: x.float().aminmax(dim=3), IndexError),
        (lambda L, x: x.count_nonzero(dim=(0, 0)), RuntimeError),
        (lambda L, x: x.count_nonzero(dim=5), IndexError),
    ],
)
def test_misuse_raises_like_torch(fn: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        fn(torch, torch.tensor(INT_VALUES))
    with pytest.raises(error):
        fn(ag, ag.tensor(INT_VALUES))


def test_messages_name_the_problem() -> None:
    with pytest.raises(RuntimeError, match=r"nanmean\(\).*Fix"):
        ag.tensor([1, 2]).nanmean()
    with pytest.raises(RuntimeError, match=r"no identity.*Fix"):
        ag.ones(0).aminmax()
