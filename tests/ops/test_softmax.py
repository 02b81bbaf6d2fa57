"""Top-level ``softmax``/``log_softmax`` and the ``Tensor`` methods against torch 2.13.0 and
finite differences (``nn.functional``'s forms are tested in ``tests/nn``).

``OP_TABLE`` rows run in float64 and float32 against torch (values and VJPs) and through a
float64 gradcheck; large logits, ``-inf``, ``dtype=``, integer inputs and misuse are tested
below against what torch does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import arraygrad as ag
from tests.ops._helpers import DTYPES, lib
from tests.oracle import (
    OpSpec,
    assert_refused_as_torch,
    check_against_torch,
    run_gradcheck_case,
    run_torch_case,
)

OP_TABLE = {
    "softmax": OpSpec(lambda x: lib(x).softmax(x, -1), min_dims=1),
    "softmax:dim0": OpSpec(lambda x: lib(x).softmax(x * 3, dim=0), min_dims=1),
    "softmax:method": OpSpec(lambda x: x.softmax(0), min_dims=1),
    "softmax:0d": OpSpec(lambda x: lib(x).softmax(x, 0), max_dims=0),
    "log_softmax": OpSpec(lambda x: lib(x).log_softmax(x, -1), min_dims=1),
    "log_softmax:method": OpSpec(lambda x: x.log_softmax(dim=0), min_dims=1),
    "log_softmax:dtype": OpSpec(
        lambda x: lib(x).log_softmax(x, 0, dtype=lib(x).float64), min_dims=1
    ),
    "softmax:dtype": OpSpec(lambda x: x.softmax(-1, lib(x).float64), min_dims=1),
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


INF = float("inf")
EDGES = {
    "large_logits": [[1e4, 0.0, -1e4], [3e38, 3e38, 0.0]],
    "minus_inf": [[-INF, 0.0, 1.0], [-INF, 2.0, -INF]],
    "empty": np.zeros((0, 3)),
    "empty_dim": np.zeros((2, 0)),
}


@pytest.mark.parametrize("name", sorted(EDGES))
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_edges_match_torch(op: str, name: str) -> None:
    values = np.asarray(EDGES[name], dtype=np.float64)
    check_against_torch(lambda x: getattr(lib(x), op)(x, -1), None, [values], rtol=1e-12, atol=0)
    check_against_torch(lambda x: getattr(x, op)(0), None, [values], rtol=1e-12, atol=0)


# Regression (fuzz_fixes2): log_softmax of one element (0-d) sent back 0 at inf, -inf and nan,
# where torch's g - exp(out) * g is nan (out is nan there).
@pytest.mark.parametrize("value", [INF, -INF, float("nan"), 2.0])
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_one_element_at_non_finite_values_matches_torch(op: str, value: float) -> None:
    results = []
    for lib_ in (ag, torch):
        x = lib_.tensor(value, dtype=lib_.float64, requires_grad=True)
        out = getattr(lib_, op)(x, 0)
        (out * 0.7).backward()
        results.append([out.item(), x.grad.item()])
    np.testing.assert_array_equal(results[0], results[1])


def test_integer_input_with_dtype_matches_torch() -> None:
    values = np.array([[1, 2, 3], [0, -1, 5]])
    check_against_torch(lambda x: lib(x).softmax(x, 1, dtype=lib(x).float32), None, [values])
    check_against_torch(lambda x: x.log_softmax(0, dtype=lib(x).float64), None, [values])


MISUSE = [
    (lambda m: m.softmax(m.tensor([1.0, 2.0])), TypeError),
    (lambda m: m.softmax(m.tensor([1.0, 2.0]), None), TypeError),
    (lambda m: m.tensor([1.0, 2.0]).log_softmax(), TypeError),
    (lambda m: m.log_softmax(m.tensor([1.0, 2.0]), dim=None), TypeError),
    (lambda m: m.softmax(m.tensor([1, 2]), 0), NotImplementedError),
    (lambda m: m.tensor([1, 2]).log_softmax(0), NotImplementedError),
    (lambda m: m.softmax(m.ones(2), 0, dtype=m.int64), NotImplementedError),
    (lambda m: m.softmax(m.ones(2, 3), 2), IndexError),
    (lambda m: m.softmax([1.0, 2.0], 0), TypeError),
]


@pytest.mark.parametrize(("fn", "error"), MISUSE)
def test_misuse_raises_like_torch(fn: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        fn(torch)
    with pytest.raises(error):
        fn(ag)


def test_softmax_gradient_stays_right_after_a_write_into_its_output() -> None:
    # A documented difference: PyTorch's SoftmaxBackward0 reads the output and refuses the
    # backward; arraygrad's softmax is a composite that never reads it, so the in-place
    # product is differentiated like the out-of-place one.
    x = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 4.0]])
    w = np.array([[0.3, -1.2, 2.0], [1.5, 0.25, -0.7]])
    a = ag.tensor(x, requires_grad=True)
    y = ag.softmax(a, -1)
    y.mul_(2)
    (y * ag.tensor(w)).sum().backward()
    t = torch.tensor(x, requires_grad=True)
    (torch.softmax(t, -1) * 2 * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-14, atol=1e-15)


def test_softmax_second_derivatives_match_torch() -> None:
    # the composite's rules run on tensors, twice
    x = np.random.default_rng(8).standard_normal((3, 5))

    def fn(t: Any) -> Any:
        y = lib(t).softmax(t * 2, 1)
        (g,) = lib(t).autograd.grad((y * y * t).sum(), [t], create_graph=True)
        return g * g

    check_against_torch(fn, None, [x])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 2, -3])
@pytest.mark.parametrize("dtype", ["int64", "bool", "complex64"])
def test_softmax_checks_its_dim_before_its_dtype_as_torch(name: str, dim: int, dtype: str) -> None:
    # a dim out of range is PyTorch's IndexError; then no kernel for the dtype
    assert_refused_as_torch(lambda lib, x: getattr(x, name)(dim), dtype)
