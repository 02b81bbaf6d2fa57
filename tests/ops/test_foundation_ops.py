"""The foundation's ops against torch 2.13.0 (values and VJPs) and finite differences."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import arraygrad as ag
from tests.oracle import OpSpec, check_against_torch, gradcheck, run_gradcheck_case, run_torch_case

# name -> (function of tensors written against the shared torch/arraygrad API, domain)
BINARY = {
    "add": OpSpec(lambda x, y: x + y, arity=2),
    "sub": OpSpec(lambda x, y: x - y, arity=2),
    "mul": OpSpec(lambda x, y: x * y, arity=2),
    "div": OpSpec(lambda x, y: x / y, arity=2, low=0.5, high=3),
    "pow": OpSpec(lambda x, y: x**y, arity=2, low=0.5, high=2),
    "radd_scalar": OpSpec(lambda x, y: 2.5 + x * y, arity=2),
    "rsub_scalar": OpSpec(lambda x, y: 1.5 - x / y, arity=2, low=0.5, high=3),
    "rdiv_scalar": OpSpec(lambda x, y: 2.0 / (x + y), arity=2, low=0.5, high=3),
    "rpow_scalar": OpSpec(lambda x, y: 2.0 ** (x - y), arity=2, low=-2, high=2),
    "pow_scalar": OpSpec(lambda x, y: (x * y) ** 3, arity=2, low=-2, high=2),
}
UNARY = {
    "neg": OpSpec(lambda x: -x),
    "abs": OpSpec(lambda x: x.abs(), low=-3, high=3, kinks=(0.0,)),
    "exp": OpSpec(lambda x: x.exp()),
    "log": OpSpec(lambda x: x.log(), low=0.1, high=3),
    "sqrt": OpSpec(lambda x: x.sqrt(), low=0.1, high=3),
    "sin": OpSpec(lambda x: x.sin()),
    "cos": OpSpec(lambda x: x.cos()),
    "tanh": OpSpec(lambda x: x.tanh()),
    "sigmoid": OpSpec(lambda x: x.sigmoid(), low=-5, high=5),
    "relu": OpSpec(lambda x: x.relu(), low=-3, high=3, kinks=(0.0,)),
    "sum": OpSpec(lambda x: x.sum()),
    "mean": OpSpec(lambda x: x.mean()),
    "sum_dim0_keepdim": OpSpec(
        lambda x: x.sum(0, keepdim=True) if x.ndim else x.sum(), low=-3, high=3
    ),
    "mean_last": OpSpec(lambda x: x.mean(dim=-1) if x.ndim else x.mean()),
    "sum_tuple": OpSpec(lambda x: x.sum(dim=(0, -1)) if x.ndim >= 2 else x.sum()),
    "reshape": OpSpec(lambda x: x.reshape(-1)),
    "view": OpSpec(lambda x: x.view(x.numel(), 1)),
    "T": OpSpec(lambda x: x.T * 2),
    "transpose": OpSpec(lambda x: x.transpose(0, -1) if x.ndim else x),
    "permute": OpSpec(
        lambda x: x.permute(*reversed(range(x.ndim))) if x.ndim else x, low=-3, high=3
    ),
    "unsqueeze": OpSpec(lambda x: x.unsqueeze(0).unsqueeze(-1)),
    "squeeze": OpSpec(lambda x: x.unsqueeze(0).unsqueeze(-1).squeeze()),
    "squeeze_dim": OpSpec(lambda x: x.unsqueeze(0).squeeze(0)),
    "comparisons": OpSpec(lambda x: (x > 0) & (x <= 1) | (x == 0)),
}
DTYPES = [np.float64, np.float32]


OP_TABLE = {**BINARY, **UNARY}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(OP_TABLE))
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


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


# --- ops.derivative_refused: PyTorch's ops without a derivative -------------------------------

NO_DERIVATIVE = {
    "heaviside": lambda L, x: L.heaviside(x, L.tensor(0.5, dtype=x.dtype)),
    "heaviside values": lambda L, x: L.heaviside(x.detach(), x[0, :1]),
    "histogram": lambda L, x: L.histogram(x, bins=3),
    "histogram weight": lambda L, x: L.histogram(x.detach(), bins=3, weight=x),
    "unique": lambda L, x: L.unique(x, return_inverse=True, return_counts=True),
    "unique dim": lambda L, x: x.unique(dim=0),
    "unique_consecutive": lambda L, x: L.unique_consecutive(x, return_counts=True),
    "unique_consecutive dim": lambda L, x: L.unique_consecutive(x, dim=1),
    "geqrf": lambda L, x: L.geqrf(x),
    "detach_copy": lambda L, x: L.detach_copy(x),
}


def _no_derivative_outcome(L: Any, name: str, grad: bool) -> list[Any]:
    x = L.tensor([[0.5, -1.0, 0.0], [2.0, 0.5, 3.0]], dtype=L.float64, requires_grad=grad)
    out = NO_DERIVATIVE[name](L, x)
    found: list[Any] = []
    for result in out if isinstance(out, tuple) else (out,):
        entry = [result.requires_grad, result.tolist()]
        if result.requires_grad:
            entry.append(result.grad_fn.name().split("::")[-1])
            with pytest.raises((RuntimeError, NotImplementedError)) as info:
                result.sum().backward()
            message = str(info.value)
            entry += [type(info.value), message[: message.index(" is not implemented")]]
        found.append(entry)
    return found


@pytest.mark.parametrize("grad", [True, False])
@pytest.mark.parametrize("name", list(NO_DERIVATIVE))
def test_ops_without_a_derivative_require_grad_and_refuse_backward_as_torch(
    name: str, grad: bool
) -> None:
    # torch's results of these ops require grad where an input does, and backward through them
    # raises its error (RuntimeError from a NotImplemented node, or NotImplementedError from a
    # named one); arraygrad's did not require grad, so a loss built on them differentiated
    # silently as if they were constants.
    assert _no_derivative_outcome(ag, name, grad) == _no_derivative_outcome(torch, name, grad)
