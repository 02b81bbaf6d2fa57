"""diag_embed, diagflat, block_diag, kron, vander, tril_indices and triu_indices
(``_matrices``) against torch 2.13.0 and finite differences."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import arraygrad as ag
from tests.ops._helpers import DTYPES, lib, shapes
from tests.oracle import OpSpec, check_against_torch, run_gradcheck_case, run_torch_case


def _independent(count: int, min_dims: int = 0, max_dims: int = 2) -> st.SearchStrategy:
    return st.tuples(*[shapes(min_dims, max_dims) for _ in range(count)])


def _vector() -> st.SearchStrategy:
    return st.integers(1, 4).map(lambda n: ((n,),))


def _vander(x: Any, n: int | None = None, increasing: bool = False) -> Any:
    if isinstance(x, ag.Tensor):
        return ag.vander(x, n, increasing)
    # torch 2.13's own vander fails in backward (its cumprod's saved input is written in place
    # afterwards), so the gradient oracle is torch on the same construction done out of place;
    # test_values_and_dtypes_match_torch compares the values with torch.vander itself.
    n = len(x) if n is None else n
    if n <= 1:  # no x in the result: torch.vander does not fail here
        return torch.vander(x, n, increasing)
    ones = torch.ones(len(x), 1, dtype=x.dtype)
    powers = torch.cat([ones, x.unsqueeze(1).expand(-1, n - 1)], 1).cumprod(1)
    return powers if increasing else powers.flip(1)


OP_TABLE = {
    "diag_embed": OpSpec(lambda x: x.diag_embed(), min_dims=1),
    "diag_embed_offset": OpSpec(lambda x: lib(x).diag_embed(x, -1, 0, 2), min_dims=2),
    "diag_embed_swapped": OpSpec(lambda x: lib(x).diag_embed(x, 2, -1, 0) * 3, min_dims=1),
    "diagflat": OpSpec(lambda x: lib(x).diagflat(x)),
    "diagflat_offset": OpSpec(lambda x: x.diagflat(-2) * x.sum()),
    "block_diag": OpSpec(
        lambda x, y, z: lib(x).block_diag(x, y * 2, z.exp()), arity=3, shapes=_independent(3)
    ),
    "block_diag_one": OpSpec(lambda x: lib(x).block_diag(x), max_dims=2),
    "kron": OpSpec(lambda x, y: lib(x).kron(x, y), arity=2, shapes=_independent(2, max_dims=3)),
    "kron_method": OpSpec(lambda x, y: x.kron(y * x.sum()), arity=2, shapes=_independent(2)),
    "vander": OpSpec(lambda x: _vander(x), shapes=_vector()),
    "vander_increasing": OpSpec(lambda x: _vander(x, 4, increasing=True), shapes=_vector()),
    "vander_two": OpSpec(lambda x: _vander(x, 2), shapes=_vector()),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=12)
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=8)
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


def _same(mine: Any, theirs: Any, label: str) -> None:
    assert mine.dtype == getattr(ag, str(theirs.dtype).split(".")[-1]), (label, mine.dtype)
    assert tuple(mine.shape) == tuple(theirs.shape), label
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy(), err_msg=label)


def test_vander_gradient_at_zero_matches_torch() -> None:
    with pytest.raises(RuntimeError):  # why the oracle is _vander: torch.vander's backward fails
        torch.vander(torch.tensor([1.0, 2.0], requires_grad=True)).sum().backward()
    # The cumulative product gives an exact gradient where x = 0 (x ** 0 and x ** 1 there).
    check_against_torch(_vander, None, [np.array([0.0, 2.0, 0.0])])
    check_against_torch(lambda x: _vander(x, 5, True), None, [np.array([0.0, -1.5])])


def test_block_diag_gradient_after_an_empty_block() -> None:
    # torch 2.13's BlockDiagBackward hands y the gradient of row 0 when an empty vector comes
    # first (the forward puts y in row 1); arraygrad's is the true one, torch's for the same
    # matrix built with cat.
    g = np.arange(6.0).reshape(2, 3)
    y = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    built = torch.cat([torch.zeros(1, 3), y[None]], 0)
    (expected,) = torch.autograd.grad(built, [y], torch.tensor(g))
    mine = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = ag.block_diag(ag.zeros(0, requires_grad=True), mine)
    np.testing.assert_array_equal(out.detach().numpy(), built.detach().numpy())
    (grad,) = ag.autograd.grad(out, [mine], ag.tensor(g))
    np.testing.assert_array_equal(grad.numpy(), expected.numpy())


CALLS = [
    lambda m, a, b: m.diag_embed(a),
    lambda m, a, b: m.diag_embed(b, 1, 0, 1),
    lambda m, a, b: m.diag_embed(a[0, 0], -3, -1, -2),
    lambda m, a, b: m.diag_embed(m.zeros(2, 0, dtype=m.int64)),
    lambda m, a, b: m.diagflat(a),
    lambda m, a, b: m.diagflat(b[0], 3),
    lambda m, a, b: m.diagflat(m.tensor([])),
    lambda m, a, b: m.block_diag(a[0], b[0, 0], b[0, 0, 0], a[0, :, :0]),
    lambda m, a, b: m.block_diag(b[0, 0, 0].double(), a[0]),
    lambda m, a, b: m.block_diag(m.ones(0, 2), m.ones(2, 0)),
    lambda m, a, b: m.block_diag(a[0] > 2, a[1] > 3),
    lambda m, a, b: m.block_diag(),
    lambda m, a, b: m.kron(a, b),
    lambda m, a, b: m.kron(b[0, 0, 0], a),
    lambda m, a, b: m.kron(a[0, 0], b[0, 0, 0]),
    lambda m, a, b: m.kron(a > 2, a[0] > 1),
    lambda m, a, b: m.kron(m.zeros(0, 2), a),
    lambda m, a, b: m.vander(a[0, 0]),
    lambda m, a, b: m.vander(a[0, 0].int(), 2),
    lambda m, a, b: m.vander(a[0, 0] > 1),
    lambda m, a, b: m.vander(b[0, 0], 0),
    lambda m, a, b: m.vander(b[0, 0], 1, True),
    lambda m, a, b: m.vander(m.tensor([])),
]


@pytest.mark.parametrize("index", range(len(CALLS)))
def test_values_and_dtypes_match_torch(index: int) -> None:
    a = np.arange(24).reshape(2, 3, 4)
    b = np.linspace(-1.0, 2.0, 24, dtype=np.float32).reshape(2, 3, 4)
    mine = CALLS[index](ag, ag.tensor(a), ag.tensor(b))
    theirs = CALLS[index](torch, torch.tensor(a), torch.tensor(b))
    _same(mine, theirs, str(index))


@pytest.mark.parametrize("name", ["tril_indices", "triu_indices"])
def test_triangle_indices_match_torch(name: str) -> None:
    for row, col in [(3, 4), (4, 3), (1, 1), (0, 4), (3, 0), (5, 5)]:
        for offset in (-10, -2, -1, 0, 1, 3, 10):
            mine = getattr(ag, name)(row, col, offset)
            _same(mine, getattr(torch, name)(row, col, offset), f"{row} {col} {offset}")
    _same(
        getattr(ag, name)(3, 4, dtype=ag.int32),
        getattr(torch, name)(3, 4, dtype=torch.int32),
        "int32",
    )


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda m: m.diag_embed(m.ones(2), 0, 0, 0), RuntimeError),
        (lambda m: m.diag_embed(m.ones(2), 0, 0, -2), RuntimeError),
        (lambda m: m.diag_embed(m.tensor(1.0)), IndexError),
        (lambda m: m.diag_embed(m.ones(2), 0, 0, 3), IndexError),
        (lambda m: m.block_diag(m.ones(1, 1, 1)), RuntimeError),
        (lambda m: m.block_diag([m.ones(2, 2)]), TypeError),
        (lambda m: m.kron(m.ones(2), 2), TypeError),
        (lambda m: m.vander(m.ones(2, 2)), RuntimeError),
        (lambda m: m.vander(m.tensor(1.0)), RuntimeError),
        (lambda m: m.vander(m.ones(3), -1), RuntimeError),
        (lambda m: m.tril_indices(-1, 4), RuntimeError),
        (lambda m: m.triu_indices(3, -2), RuntimeError),
        (lambda m: m.tril_indices(3, 4, dtype=m.float32), NotImplementedError),
    ],
)
def test_errors_match_torch(call: Any, error: type) -> None:
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error) as info:
        call(ag)
    assert len(str(info.value)) > 20
