"""Tensor methods under PyTorch's other names and the in-place forms of element-wise functions,
against torch 2.13.0 (values and VJPs) and finite differences. In-place forms run on a clone,
so that the gradient flows back through the write to the leaf."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import arraygrad as ag
from tests.ops._helpers import DTYPES, lib, same_shapes, shapes
from tests.oracle import OpSpec, run_gradcheck_case, run_torch_case


def _channels(s: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """An input of shape ``s`` and a prelu weight of one slope per channel (dimension 1)."""
    return s, ((s[1],) if len(s) >= 2 else (1,))


def _unlike_torch(name: str) -> Any:
    """``x.clone().<name>_()`` in arraygrad, the out-of-place ``x.<name>()`` in torch: torch
    2.13 implements no derivative for the in-place acosh_, asinh_ and atanh_ (its backward
    raises), so their gradients are compared with the out-of-place function's."""

    def fn(x: Any) -> Any:
        if lib(x) is ag:
            return getattr(x.clone(), name + "_")()
        return getattr(x, name)()

    return fn


OP_TABLE = {
    # other names
    "multiply": OpSpec(lambda x, y: x.multiply(y), arity=2),
    "divide": OpSpec(lambda x, y: x.divide(y), arity=2, low=0.5, high=3.0),
    "subtract": OpSpec(lambda x, y: x.subtract(y, alpha=2.5), arity=2),
    "negative": OpSpec(lambda x: x.negative()),
    "negative:top": OpSpec(lambda x: lib(x).negative_(x.clone())),
    "where": OpSpec(lambda x, y: x.where(x > 0.2, y), arity=2, kinks=(0.2,)),
    "hardshrink": OpSpec(lambda x: x.hardshrink(0.7), kinks=(-0.7, 0.7)),
    "hardshrink:top": OpSpec(lambda x: lib(x).hardshrink(x), kinks=(-0.5, 0.5)),
    "prelu": OpSpec(
        lambda x, w: x.prelu(w), arity=2, shapes=shapes(1).map(_channels), kinks=(0.0,)
    ),
    "prelu:top": OpSpec(
        lambda x, w: lib(x).prelu(x, w), arity=2, shapes=shapes(1).map(_channels), kinks=(0.0,)
    ),
    # in-place forms of the other names
    "multiply_": OpSpec(lambda x, y: x.clone().multiply_(y), shapes=same_shapes(2), arity=2),
    "divide_": OpSpec(
        lambda x, y: x.clone().divide_(y), shapes=same_shapes(2), arity=2, low=0.5, high=3.0
    ),
    "divide_:floor": OpSpec(
        lambda x, y: x.clone().divide_(y, rounding_mode="floor") + x,
        shapes=same_shapes(2),
        arity=2,
        low=0.5,
        high=3.0,
        gradcheck=False,  # piecewise constant: finite differences cross its jumps
    ),
    "true_divide_": OpSpec(
        lambda x, y: x.clone().true_divide_(y), shapes=same_shapes(2), arity=2, low=0.5
    ),
    "subtract_": OpSpec(lambda x, y: x.clone().subtract_(y), shapes=same_shapes(2), arity=2),
    "subtract_:alpha": OpSpec(
        lambda x, y: x.clone().subtract_(y, alpha=-1.5), shapes=same_shapes(2), arity=2
    ),
    "negative_": OpSpec(lambda x: x.clone().negative_()),
    # in-place comparisons: 0/1 values, a zero gradient that keeps the graph
    "gt_": OpSpec(
        lambda x, y: x.clone().gt_(y) * x, shapes=same_shapes(2), arity=2, gradcheck=False
    ),
    "ge_": OpSpec(lambda x: x.clone().ge_(0.5) + x, gradcheck=False),
    "lt_": OpSpec(
        lambda x, y: x.clone().lt_(y) * y, shapes=same_shapes(2), arity=2, gradcheck=False
    ),
    "le_": OpSpec(lambda x: x.clone().le_(0.5) * x, kinks=(0.5,)),
    "eq_": OpSpec(lambda x: x.clone().eq_(x) * x),
    "ne_": OpSpec(lambda x: x.clone().ne_(x.round()) * x, gradcheck=False),
    "greater_": OpSpec(lambda x: x.clone().greater_(0.0) * x, kinks=(0.0,)),
    "greater_equal_": OpSpec(lambda x: x.clone().greater_equal_(0.0) * x, kinks=(0.0,)),
    "less_": OpSpec(lambda x: x.clone().less_(0.0) * x, kinks=(0.0,)),
    "less_equal_": OpSpec(lambda x: x.clone().less_equal_(0.0) * x, kinks=(0.0,)),
    "not_equal_": OpSpec(lambda x: x.clone().not_equal_(1.0) * x, kinks=(1.0,)),
    # in-place forms of element-wise functions
    "acos_": OpSpec(lambda x: x.clone().acos_(), low=-0.9, high=0.9),
    "arccos_": OpSpec(lambda x: x.clone().arccos_(), low=-0.9, high=0.9),
    "acosh_": OpSpec(_unlike_torch("acosh"), low=1.1, high=4.0),
    "arccosh_": OpSpec(_unlike_torch("arccosh"), low=1.1, high=4.0),
    "asin_": OpSpec(lambda x: x.clone().asin_(), low=-0.9, high=0.9),
    "arcsin_": OpSpec(lambda x: x.clone().arcsin_(), low=-0.9, high=0.9),
    "asinh_": OpSpec(_unlike_torch("asinh")),
    "arcsinh_": OpSpec(_unlike_torch("arcsinh")),
    "atan_": OpSpec(lambda x: x.clone().atan_()),
    "arctan_": OpSpec(lambda x: x.clone().arctan_()),
    "atanh_": OpSpec(_unlike_torch("atanh"), low=-0.9, high=0.9),
    "arctanh_": OpSpec(_unlike_torch("arctanh"), low=-0.9, high=0.9),
    "arctan2_": OpSpec(
        lambda y, x: y.clone().arctan2_(x), shapes=same_shapes(2), arity=2, low=0.2, high=3.0
    ),
    "tan_": OpSpec(lambda x: x.clone().tan_(), low=-1.2, high=1.2),
    "sinh_": OpSpec(lambda x: x.clone().sinh_()),
    "cosh_": OpSpec(lambda x: x.clone().cosh_()),
    "lgamma_": OpSpec(lambda x: x.clone().lgamma_(), low=0.1, high=5.0),
    "digamma_": OpSpec(lambda x: x.clone().digamma_(), low=0.2, high=5.0),
    "polygamma_": OpSpec(lambda x: x.clone().polygamma_(1), low=0.3, high=5.0),
    "polygamma_:n2": OpSpec(lambda x: x.clone().polygamma_(2), low=0.5, high=5.0),
    "log10_": OpSpec(lambda x: x.clone().log10_(), low=0.1, high=5.0),
    "log2_": OpSpec(lambda x: x.clone().log2_(), low=0.1, high=5.0),
    "logit_": OpSpec(lambda x: x.clone().logit_(), low=0.05, high=0.95),
    "logit_:eps": OpSpec(lambda x: x.clone().logit_(0.2), low=0.3, high=0.7),
    "sgn_": OpSpec(lambda x: x.clone().sgn_() * x, kinks=(0.0,)),
    "fix_": OpSpec(lambda x: x.clone().fix_() + x, gradcheck=False),
    "cumsum_": OpSpec(lambda x: x.clone().cumsum_(0), shapes=shapes(1).map(lambda s: (s,))),
    "cumsum_:neg_dim": OpSpec(
        lambda x: x.clone().cumsum_(-1), shapes=shapes(1).map(lambda s: (s,))
    ),
    "cumprod_": OpSpec(
        lambda x: x.clone().cumprod_(-1), shapes=shapes(1).map(lambda s: (s,)), low=0.5
    ),
    # in-place shape changes
    "squeeze_": OpSpec(lambda x: x.clone().squeeze_() * 2),
    "squeeze_:dim": OpSpec(lambda x: x.clone().squeeze_(-1) * 2),
    "unsqueeze_": OpSpec(lambda x: x.clone().unsqueeze_(0) * 2),
    "unsqueeze_:neg": OpSpec(lambda x: x.clone().unsqueeze_(-1) * 2),
    "t_": OpSpec(lambda x: x.clone().t_() * 2, max_dims=2),
    "transpose_": OpSpec(
        lambda x: x.clone().transpose_(0, -1) * 2, shapes=shapes(1).map(lambda s: (s,))
    ),
    "swapaxes_": OpSpec(
        lambda x: x.clone().swapaxes_(-1, 0) * 2, shapes=shapes(1).map(lambda s: (s,))
    ),
    "swapdims_": OpSpec(
        lambda x: x.clone().swapdims_(0, -1) * 2, shapes=shapes(1).map(lambda s: (s,))
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
    "call",
    [
        lambda m, x: m.dropout(x, 0.5, False),
        lambda m, x: m.dropout(x, 0.0, True),
        lambda m, x: m.alpha_dropout(x, 0.3, False),
        lambda m, x: m.feature_alpha_dropout(x, 0.3, False),
        lambda m, x: m.feature_dropout(x, 0.5, False),
        lambda m, x: m.feature_dropout(x, 0.0, True),
        lambda m, x: m.feature_dropout(x, 1.0, True),
        lambda m, x: m.rrelu(x),
        lambda m, x: m.rrelu(x, 0.1, 0.3),
        lambda m, x: m.rrelu(x, 0.2, 0.2, True),  # lower == upper: no randomness
    ],
)
def test_top_level_dropout_and_rrelu_match_torch(call: Any) -> None:
    values = np.random.default_rng(3).standard_normal((2, 3, 4))
    x = ag.tensor(values, requires_grad=True)
    t = torch.tensor(values, requires_grad=True)
    mine, theirs = call(ag, x), call(torch, t)
    np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    mine.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_top_level_dropout_needs_train_and_rrelu_works_in_place_like_torch() -> None:
    with pytest.raises(TypeError):
        torch.dropout(torch.ones(3), 0.5)
    with pytest.raises(TypeError, match="train"):
        ag.dropout(ag.ones(3), 0.5)
    x, t = ag.tensor([-1.0, 2.0]), torch.tensor([-1.0, 2.0])
    assert ag.rrelu_(x) is x
    torch.rrelu_(t)
    np.testing.assert_allclose(x.numpy(), t.numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.dropout(m.ones(2, 3), 1.5, True),
        lambda m: m.dropout(m.ones(2, 3), -0.5, False),  # checked even when not training
        lambda m: m.alpha_dropout(m.ones(2, 3), 1.5, False),
        lambda m: m.feature_alpha_dropout(m.ones(2, 3), -1.0, True),
        lambda m: m.feature_dropout(m.ones(2, 3), 2.0, False),
        lambda m: m.feature_dropout(m.ones(3), 0.5, True),  # channels need 2 dimensions
    ],
)
def test_top_level_dropout_misuse_raises_runtime_error_as_torch(call: Any) -> None:
    # torch.nn.functional raises ValueError for p outside [0, 1]; the top-level functions
    # check in C++ and raise RuntimeError.
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(RuntimeError, match="Fix"):
        call(ag)


def test_feature_dropout_drops_whole_channels() -> None:
    ag.manual_seed(0)
    out = ag.feature_dropout(ag.ones(4, 6, 3, 2), 0.5, True)
    per_channel = out.reshape(4, 6, -1)
    # each (batch, channel) is all zeros or all 1 / (1 - p)
    assert ((per_channel == 0).all(-1) | (per_channel == 2).all(-1)).all()
    assert 0 < (per_channel == 0).all(-1).sum().item() < 24
    assert ag.feature_dropout(ag.ones(3), 0.5, False).tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("p", [0.0, 1.0])
@pytest.mark.parametrize("train", [False, True])
def test_feature_dropout_of_a_vector_draws_nothing_at_p_0_or_1_as_torch(
    p: float, train: bool
) -> None:
    expected = torch.feature_dropout(torch.ones(3), p, train).tolist()
    assert ag.feature_dropout(ag.ones(3), p, train).tolist() == expected
