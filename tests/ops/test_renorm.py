"""renorm and norm_except_dim (``_renorm.py``) against torch 2.13.0 (values and VJPs) and
finite differences; dtypes, edges and misuse separately."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import arraygrad as ag
from tests.ops._helpers import DTYPES, lib, shapes
from tests.oracle import OpSpec, run_gradcheck_case, run_torch_case

MATRICES = shapes(2).map(lambda s: (s,))

OP_TABLE = {
    "renorm": OpSpec(lambda x: lib(x).renorm(x, 2, 0, 1.0), shapes=MATRICES),
    "renorm:p1_last": OpSpec(lambda x: x.renorm(1, -1, 0.45), shapes=MATRICES, kinks=(0.0,)),
    "renorm:p3_mid": OpSpec(lambda x: x.renorm(3.0, 1, 2.0), shapes=MATRICES),
    "renorm:inf": OpSpec(
        lambda x: x.renorm(float("inf"), 0, 1.5), shapes=MATRICES, gradcheck=False
    ),  # the max norm has kinks where two elements tie; torch's choice is compared above
    "renorm:loose": OpSpec(lambda x: x.renorm(2, 0, 100.0), shapes=MATRICES),
    "renorm_": OpSpec(lambda x: x.clone().renorm_(2, -1, 0.8), shapes=MATRICES),
    # the norm of each slice along dim; dim=-1 is the whole tensor's norm (not the last dim)
    "norm_except_dim": OpSpec(lambda x: lib(x).norm_except_dim(x), low=0.5, min_dims=1),
    "norm_except_dim:whole": OpSpec(lambda x: lib(x).norm_except_dim(x, 2, -1), low=0.5),
    "norm_except_dim:last": OpSpec(
        lambda x: lib(x).norm_except_dim(x, 3, x.ndim - 1), low=0.5, min_dims=1
    ),
    "norm_except_dim:middle": OpSpec(
        lambda x: lib(x).norm_except_dim(x, 1, -2), low=0.5, min_dims=2
    ),
    "norm_except_dim:vector": OpSpec(
        lambda x: lib(x).norm_except_dim(x, 2, 0), low=0.5, min_dims=1, max_dims=1
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


@pytest.mark.parametrize(
    "shape, dim", [((0, 3), 0), ((3, 0), 0), ((2, 3, 4), -2), ((1, 1), 1), ((2, 2), 1)]
)
def test_edges_match_torch(shape: tuple[int, ...], dim: int) -> None:
    x = np.arange(float(np.prod(shape))).reshape(shape) - 2
    out, expected = ag.renorm(ag.tensor(x), 2, dim, 1.0), torch.renorm(torch.tensor(x), 2, dim, 1.0)
    assert tuple(out.shape) == tuple(expected.shape) and out.dtype == ag.float64
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        ag.renorm(ag.tensor(x), 2, dim, 0.0).numpy(), torch.renorm(torch.tensor(x), 2, dim, 0.0)
    )


@pytest.mark.parametrize(
    "fn, match",
    [
        (lambda m: m.renorm(m.ones(2, 3), -1, 0, 1.0), "non-positive"),
        (lambda m: m.renorm(m.ones(2, 3), 0, 0, 1.0), "non-positive"),
        (lambda m: m.renorm(m.ones(2, 3), 2, 0, -1.0), "maxnorm"),
        (lambda m: m.renorm(m.ones(3), 2, 0, 1.0), "at least 2 dimensions"),
        (lambda m: m.renorm(m.tensor(2.0), 2, 0, 1.0), "at least 2 dimensions"),
        (lambda m: m.renorm(m.ones(2, 3), 2, 3, 1.0), "out of range"),
        (lambda m: m.ones(2, 3, dtype=m.int64).renorm(2, 0, 1.0), "floating point"),
        (lambda m: m.ones(2, 3, requires_grad=True).renorm_(2, 0, 1.0), "leaf Variable"),
    ],
)
def test_misuse_raises_like_torch(fn: Any, match: str) -> None:
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value), match=match):
        fn(ag)


@pytest.mark.parametrize("pow", [0, 1, 2, -1])
@pytest.mark.parametrize("shape, dim", [((4,), 0), ((3, 4, 2), 1), ((2, 3), -1), ((), -1)])
def test_norm_except_dim_of_signed_values_with_zeros_matches_torch(
    shape: tuple[int, ...], dim: int, pow: int
) -> None:
    """Zero norms and the integer orders 0 (a count of nonzeros, no gradient in either) and -1,
    values and gradients."""
    x = np.arange(float(np.prod(shape))).reshape(shape) % 3 - 1.0
    if x.ndim:
        x[..., 0] = 0.0

    def run(m: Any) -> list[Any]:
        v = m.tensor(x, requires_grad=True)
        out = m.norm_except_dim(v, pow, dim)
        out.sum().backward()
        return [out.detach().numpy(), None if v.grad is None else v.grad.numpy()]

    for mine, theirs in zip(run(ag), run(torch), strict=True):
        assert (mine is None) == (theirs is None)
        if theirs is not None:
            np.testing.assert_allclose(mine, theirs, rtol=1e-12)
            assert mine.shape == theirs.shape


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.norm_except_dim(m.ones(2, 3), 2.5, 0),  # pow must be an int
        lambda m: m.norm_except_dim(m.ones(2, 3), 2, 2),  # dim out of range
        lambda m: m.norm_except_dim(m.ones(2, 3), 2, -3),
        lambda m: m.norm_except_dim(m.tensor(3.0), 2, 0),  # no dimension 0
    ],
)
def test_norm_except_dim_misuse_raises_like_torch(fn: Any) -> None:
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value)):
        fn(ag)
