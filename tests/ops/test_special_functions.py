"""i0 and mvlgamma (``_special_functions.py``) against torch 2.13.0 (values and VJPs) and finite
differences; accuracy over the whole range, dtypes, edge values and misuse separately."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import arraygrad as ag
from tests.ops._helpers import DTYPES, lib
from tests.oracle import OpSpec, assert_refused_as_torch, run_gradcheck_case, run_torch_case

OP_TABLE = {
    "i0": OpSpec(lambda x: lib(x).i0(x), low=-8.0, high=8.0),
    "i0:large": OpSpec(lambda x: x.i0(), low=17.0, high=23.0),  # 40 and 700 tested below
    "i0_": OpSpec(lambda x: x.clone().i0_(), low=-5.0, high=5.0),
    "i0:top_inplace": OpSpec(lambda x: lib(x).i0_(x.clone())),
    "mvlgamma": OpSpec(lambda x: lib(x).mvlgamma(x, 1), low=0.2, high=6.0),
    "mvlgamma:p3": OpSpec(lambda x: x.mvlgamma(3), low=1.2, high=6.0),
    "mvlgamma_": OpSpec(lambda x: x.clone().mvlgamma_(2), low=0.7, high=6.0),
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


def test_i0_is_accurate_over_the_whole_float64_range() -> None:
    # Both branches (series up to 20, asymptotic beyond) and the switch between them, up to
    # where I0 overflows; values and the gradient (torch's is I1) to a few ulps.
    x = np.concatenate([np.linspace(-30, 30, 1201), np.linspace(19.5, 20.5, 101), [700.0]])
    mine, theirs = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = ag.i0(mine), torch.i0(theirs)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-14)
    out.sum().backward(), expected.sum().backward()
    np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-14)


def test_i0_double_backward_matches_torch_including_zero() -> None:
    # I0'' = I0 - I1/x, 0.5 at x = 0: the series must not pass through abs there.
    x = [0.0, -0.0, 1e-3, -2.5, 7.0, 19.0, -25.0]
    mine = ag.tensor(x, dtype=ag.float64, requires_grad=True)
    theirs = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (g,) = ag.autograd.grad(ag.i0(mine).sum(), mine, create_graph=True)
    (expected_g,) = torch.autograd.grad(torch.i0(theirs).sum(), theirs, create_graph=True)
    (h,) = ag.autograd.grad(g.sum(), mine)
    (expected_h,) = torch.autograd.grad(expected_g.sum(), theirs)
    np.testing.assert_allclose(g.detach().numpy(), expected_g.detach().numpy(), rtol=1e-13)
    np.testing.assert_allclose(h.numpy(), expected_h.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "values, dtype",
    [
        ([0, 1, -3, 25], "int64"),
        ([True, False], "bool"),
        ([0.5, 80.0, -100.0, float("inf"), float("-inf"), float("nan")], "float32"),
        ([800.0, -1e300, float("nan"), 0.0], "float64"),
        ([], "float32"),
        (2.5, "float64"),
    ],
)
def test_i0_dtypes_and_edges_match_torch(values: Any, dtype: str) -> None:
    out = ag.i0(ag.tensor(values, dtype=getattr(ag, dtype)))
    expected = torch.i0(torch.tensor(values, dtype=getattr(torch, dtype)))
    assert str(out.dtype).removeprefix("arraygrad.") == str(expected.dtype).removeprefix("torch.")
    assert tuple(out.shape) == tuple(expected.shape)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=2e-6)


@pytest.mark.parametrize(
    "values, p",
    [([1, 2, 5], 2), ([0.5, 2.0, 3.5], 3), ([], 2), (4.0, 4), ([-1.5, 0.0, 1.0], 1)],
)
def test_mvlgamma_dtypes_and_edges_match_torch(values: Any, p: int) -> None:
    out, expected = ag.mvlgamma(ag.tensor(values), p), torch.mvlgamma(torch.tensor(values), p)
    assert str(out.dtype).removeprefix("arraygrad.") == str(expected.dtype).removeprefix("torch.")
    assert tuple(out.shape) == tuple(expected.shape)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)


def test_in_place_forms_follow_torchs_rules() -> None:
    for op in (lambda t: t.i0_(), lambda t: t.mvlgamma_(2)):
        with pytest.raises(RuntimeError) as theirs:
            op(torch.tensor([2.0], requires_grad=True))
        with pytest.raises(type(theirs.value), match="leaf Variable"):
            op(ag.tensor([2.0], requires_grad=True))
        with pytest.raises(RuntimeError) as theirs:
            op(torch.tensor([2, 3]))
        with pytest.raises(type(theirs.value), match="can't be cast"):
            op(ag.tensor([2, 3]))
        a, t = ag.tensor([2.0, 3.0]), torch.tensor([2.0, 3.0])
        assert op(a) is a
        op(t)
        np.testing.assert_allclose(a.numpy(), t.numpy(), rtol=1e-6)
        assert a._version == t._version == 1


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.mvlgamma(m.tensor([2.0]), 0),
        lambda m: m.mvlgamma(m.tensor([2.0]), -2),
        lambda m: m.mvlgamma(m.tensor([2.0]), 1.5),
    ],
)
def test_mvlgamma_misuse_raises_like_torch(fn: Any) -> None:
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value)):
        fn(ag)


def test_i0_matches_torch_at_the_ends_of_its_range() -> None:
    # The gradient is I1, as in PyTorch: nan at nan, -inf where I1 overflows below 0; the value
    # overflows where I0 does (past 713.98), and is nan at the infinities, as torch's.
    values = [0.0, -1.0, 25.0, -30.0, 700.0, 720.0, -1e5, float("nan"), float("inf")]
    results = []
    for module in (ag, torch):
        x = module.tensor(values, dtype=module.float64, requires_grad=True)
        out = module.i0(x)
        out.sum().backward()
        results.append((np.asarray(out.tolist()), np.asarray(x.grad.tolist())))
    (mine, my_grad), (theirs, their_grad) = results
    np.testing.assert_allclose(mine, theirs, rtol=1e-14)
    np.testing.assert_allclose(my_grad, their_grad, rtol=1e-14)


@pytest.mark.parametrize("p", [1, 2, 0])
@pytest.mark.parametrize("dtype", ["bool", "int64", "float32"])
def test_mvlgamma_refuses_bool_tensors_as_torch(p: int, dtype: str) -> None:
    # (before p's value is checked)
    assert_refused_as_torch(lambda lib, x: lib.mvlgamma(x + 3 if dtype != "bool" else x, p), dtype)


# Regression (leftovers13): integer operands whose shapes do not broadcast: torch refuses the
# shapes first (RuntimeError), arraygrad refused the dtype (NotImplementedError).
@pytest.mark.parametrize("op", ["igamma", "igammac"])
def test_shapes_are_refused_before_the_dtype_as_torch(op: str) -> None:
    for L in (torch, ag):
        with pytest.raises(RuntimeError, match="must match the size"):
            getattr(L, op)(L.ones(2, 3, dtype=L.int64), L.ones(4, dtype=L.int64))


@pytest.mark.parametrize("op", ["igamma", "igammac"])
def test_boundary_values_follow_torch_s_order_with_nans(op: str) -> None:
    # arraygrad made every NaN operand NaN; torch tests x == 0 (P = 0), a == inf (P = 0) and
    # x == inf (P = 1) before reading a NaN: igammac(nan, 0) is 1, igamma(inf, nan) is 0
    values = [float("nan"), 0.0, 1.0, 2.5, float("inf"), -float("inf"), -1.0, 0.3]
    pairs = [(a, x) for a in values for x in values]
    results = [
        getattr(L, op)(*(L.tensor(v, dtype=L.float64) for v in zip(*pairs, strict=True))).numpy()
        for L in (torch, ag)
    ]
    np.testing.assert_allclose(results[1], results[0], rtol=1e-12, equal_nan=True)
