"""The foundation's ops against torch 2.13.0 (values and VJPs) and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import arraygrad as ag
from tests.oracle import arrays_for_shapes, broadcast_shapes, check_against_torch, gradcheck

# name -> (function of tensors written against the shared torch/arraygrad API, domain)
BINARY = {
    "add": (lambda x, y: x + y, (-3, 3)),
    "sub": (lambda x, y: x - y, (-3, 3)),
    "mul": (lambda x, y: x * y, (-3, 3)),
    "div": (lambda x, y: x / y, (0.5, 3)),
    "pow": (lambda x, y: x**y, (0.5, 2)),
    "radd_scalar": (lambda x, y: 2.5 + x * y, (-3, 3)),
    "rsub_scalar": (lambda x, y: 1.5 - x / y, (0.5, 3)),
    "rdiv_scalar": (lambda x, y: 2.0 / (x + y), (0.5, 3)),
    "rpow_scalar": (lambda x, y: 2.0 ** (x - y), (-2, 2)),
    "pow_scalar": (lambda x, y: (x * y) ** 3, (-2, 2)),
}
UNARY = {
    "neg": (lambda x: -x, (-3, 3)),
    "abs": (lambda x: x.abs(), (-3, 3)),
    "exp": (lambda x: x.exp(), (-3, 3)),
    "log": (lambda x: x.log(), (0.1, 3)),
    "sqrt": (lambda x: x.sqrt(), (0.1, 3)),
    "sin": (lambda x: x.sin(), (-3, 3)),
    "cos": (lambda x: x.cos(), (-3, 3)),
    "tanh": (lambda x: x.tanh(), (-3, 3)),
    "sigmoid": (lambda x: x.sigmoid(), (-5, 5)),
    "relu": (lambda x: x.relu(), (-3, 3)),
    "sum": (lambda x: x.sum(), (-3, 3)),
    "mean": (lambda x: x.mean(), (-3, 3)),
    "sum_dim0_keepdim": (lambda x: x.sum(0, keepdim=True) if x.ndim else x.sum(), (-3, 3)),
    "mean_last": (lambda x: x.mean(dim=-1) if x.ndim else x.mean(), (-3, 3)),
    "sum_tuple": (lambda x: x.sum(dim=(0, -1)) if x.ndim >= 2 else x.sum(), (-3, 3)),
    "reshape": (lambda x: x.reshape(-1), (-3, 3)),
    "view": (lambda x: x.view(x.numel(), 1), (-3, 3)),
    "T": (lambda x: x.T * 2, (-3, 3)),
    "transpose": (lambda x: x.transpose(0, -1) if x.ndim else x, (-3, 3)),
    "permute": (lambda x: x.permute(*reversed(range(x.ndim))) if x.ndim else x, (-3, 3)),
    "unsqueeze": (lambda x: x.unsqueeze(0).unsqueeze(-1), (-3, 3)),
    "squeeze": (lambda x: x.unsqueeze(0).unsqueeze(-1).squeeze(), (-3, 3)),
    "squeeze_dim": (lambda x: x.unsqueeze(0).squeeze(0), (-3, 3)),
    "comparisons": (lambda x: (x > 0) & (x <= 1) | (x == 0), (-3, 3)),
}
DTYPES = [np.float64, np.float32]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_ops_match_torch(name: str, dtype: type, data: st.DataObject) -> None:
    fn, (low, high) = BINARY[name]
    shapes = data.draw(broadcast_shapes(2))
    inputs = arrays_for_shapes(data.draw, shapes, dtype, low, high)
    check_against_torch(fn, None, inputs)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary_ops_match_torch(name: str, dtype: type, data: st.DataObject) -> None:
    fn, (low, high) = UNARY[name]
    shapes = data.draw(broadcast_shapes(1))
    inputs = arrays_for_shapes(data.draw, shapes, dtype, low, high)
    check_against_torch(fn, None, inputs)


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_ops_gradcheck(name: str, data: st.DataObject) -> None:
    fn, (low, high) = BINARY[name]
    shapes = data.draw(broadcast_shapes(2, max_dims=2))
    gradcheck(fn, arrays_for_shapes(data.draw, shapes, np.float64, low, high))


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary_ops_gradcheck(name: str, data: st.DataObject) -> None:
    fn, (low, high) = UNARY[name]
    shapes = data.draw(broadcast_shapes(1, max_dims=3))
    inputs = arrays_for_shapes(data.draw, shapes, np.float64, low, high)
    for array in inputs:  # finite differences are meaningless across a kink; kinks are tested below
        array[np.abs(array) < 1e-3] = 0.5
    gradcheck(fn, inputs)


MATMUL_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((3,), (5, 3, 4)),
    ((5, 2, 3), (3,)),
    ((1, 2, 3), (5, 3, 4)),
    ((2, 1, 2, 3), (5, 3, 4)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", MATMUL_SHAPES)
def test_matmul_matches_torch(shapes: tuple, dtype: type) -> None:
    rng = np.random.default_rng(1)
    inputs = [rng.standard_normal(s).astype(dtype) for s in shapes]
    check_against_torch(lambda a, b: a @ b, None, inputs)
    if dtype is np.float64:
        gradcheck(lambda a, b: a.matmul(b), inputs)


@pytest.mark.parametrize(
    ("fn", "point"),
    [
        (lambda x: x.abs(), 0.0),
        (lambda x: x.relu(), 0.0),
        (lambda x: x**0.0, 0.0),
        (lambda x: x**2.0, 0.0),
        (lambda x: 0.0**x, 1.0),
        (lambda x: x.sqrt(), 0.0),
        (lambda x: x.log(), 0.0),
    ],
)
def test_kinks_and_domain_edges_match_torch(fn: object, point: float) -> None:
    """Subgradients and infinities at kinks are PyTorch's, not just any valid choice."""
    check_against_torch(fn, None, [np.array([point, point + 1.0])], atol=0)


def test_exact_values_at_kinks() -> None:
    x = ag.tensor([0.0], requires_grad=True)
    x.abs().sum().backward()
    assert x.grad.tolist() == [0.0]
    y = ag.tensor([0.0], requires_grad=True)
    (y**0).sum().backward()
    assert y.grad.tolist() == [0.0]
