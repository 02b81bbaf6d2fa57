"""hstack/vstack/dstack, column_stack, tensor_split and h/v/dsplit, meshgrid, cartesian_prod and
combinations (``_joining``) against torch 2.13.0 and finite differences."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import arraygrad as ag
from tests.ops._helpers import DTYPES, lib, same_shapes, shapes
from tests.oracle import OpSpec, grad_fn_names, run_gradcheck_case, run_torch_case


def _vectors(count: int, min_side: int = 1) -> st.SearchStrategy:
    side = st.integers(min_side, 4)
    return st.tuples(*[side.map(lambda n: (n,)) for _ in range(count)])


def _scalar_or_vector(count: int) -> st.SearchStrategy:
    return st.tuples(*[shapes(0, 1) for _ in range(count)])


def _even_columns() -> st.SearchStrategy:
    return st.tuples(st.integers(1, 3), st.integers(1, 2), st.integers(0, 1)).map(
        lambda t: ((t[0], 2 * t[1], 2)[: 2 + t[2]],)
    )


OP_TABLE = {
    "hstack": OpSpec(lambda x, y: lib(x).hstack([x, y * 2]), arity=2, shapes=same_shapes(2)),
    "hstack_vectors": OpSpec(
        lambda x, y: lib(x).hstack((x, y.exp(), x)), arity=2, shapes=_scalar_or_vector(2)
    ),
    "vstack": OpSpec(lambda x, y: lib(x).vstack([x, y]), arity=2, shapes=same_shapes(2)),
    "row_stack": OpSpec(lambda x, y: lib(x).row_stack((y, x, y)), arity=2, shapes=same_shapes(2)),
    "dstack": OpSpec(lambda x, y: lib(x).dstack([x, y * x]), arity=2, shapes=same_shapes(2)),
    "column_stack": OpSpec(
        lambda x, y: lib(x).column_stack([x, y]), arity=2, shapes=same_shapes(2)
    ),
    "column_stack_mixed": OpSpec(
        lambda x, y: lib(x).column_stack([x, y.reshape(-1, 1), x * 2]),
        arity=2,
        shapes=_vectors(1).map(lambda s: s * 2),
    ),
    "tensor_split": OpSpec(lambda x: x.tensor_split(3, -1), min_dims=1),
    "tensor_split_indices": OpSpec(lambda x: lib(x).tensor_split(x, [1, -1, 5, 2], 0), min_dims=1),
    "tensor_split_tensor": OpSpec(
        lambda x: x.tensor_split(lib(x).tensor([2, 1]), dim=-1), min_dims=1
    ),
    "tensor_split_scalar_tensor": OpSpec(
        lambda x: lib(x).tensor_split(x, lib(x).tensor(2)), min_dims=1
    ),
    "hsplit": OpSpec(lambda x: x.hsplit([1]), min_dims=1),
    "hsplit_sections": OpSpec(lambda x: lib(x).hsplit(x, 2), shapes=_even_columns()),
    "vsplit": OpSpec(lambda x: lib(x).vsplit(x, [1, 3]), min_dims=2),
    "dsplit": OpSpec(lambda x: x.dsplit(1), min_dims=3),
    "meshgrid": OpSpec(
        lambda x, y: lib(x).meshgrid(x, y, indexing="ij"), arity=2, shapes=_scalar_or_vector(2)
    ),
    "meshgrid_xy": OpSpec(
        lambda x, y, z: lib(x).meshgrid([x, y, z], indexing="xy"),
        arity=3,
        shapes=_scalar_or_vector(3),
    ),
    "cartesian_prod": OpSpec(
        lambda x, y: lib(x).cartesian_prod(x, y.exp()), arity=2, shapes=_vectors(2)
    ),
    "cartesian_prod_three": OpSpec(
        lambda x, y, z: lib(x).cartesian_prod(x, y, z), arity=3, shapes=_vectors(3)
    ),
    "combinations": OpSpec(lambda x: lib(x).combinations(x), shapes=_vectors(1)),
    "combinations_replacement": OpSpec(
        lambda x: lib(x).combinations(x, 3, with_replacement=True), shapes=_vectors(1)
    ),
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
    if isinstance(theirs, (tuple, list)):
        assert type(mine) is type(theirs) and len(mine) == len(theirs), label
        for m, t in zip(mine, theirs, strict=True):
            _same(m, t, label)
        return
    assert mine.dtype == getattr(ag, str(theirs.dtype).split(".")[-1]), label
    assert tuple(mine.shape) == tuple(theirs.shape), label
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy(), err_msg=label)


SPLIT_ARGS = [3, 7, 9, 1, [], [0], [1, 5, 3, 10, -1], [-3], [-30], [2, 2, 2], (4,)]


@pytest.mark.parametrize("arg", SPLIT_ARGS, ids=str)
def test_tensor_split_pieces_match_torch(arg: Any) -> None:
    data = np.arange(14).reshape(7, 2)
    for dim in (0, -2):
        mine = ag.tensor_split(ag.tensor(data), arg, dim)
        theirs = torch.tensor_split(torch.tensor(data), arg, dim)
        _same(mine, theirs, f"{arg} dim={dim}")
    empty = np.zeros((0, 3))
    _same(ag.tensor(empty).tensor_split(arg), torch.tensor(empty).tensor_split(arg), "empty")


SPLIT_CALLS = [
    lambda m, x: m.hsplit(x, sections=2),
    lambda m, x: m.hsplit(x, indices=[1]),
    lambda m, x: x.hsplit(1, 3),
    lambda m, x: x.vsplit(1, 3),
    lambda m, x: m.vsplit(x, sections=4),
    lambda m, x: x.tensor_split(indices=[1]),
    lambda m, x: m.tensor_split(x, sections=3, dim=1),
    lambda m, x: m.tensor_split(x, tensor_indices_or_sections=m.tensor(2), dim=1),
    lambda m, x: m.dsplit(x[None], indices=(1,)),
    lambda m, x: x[None].dsplit(2),
]


@pytest.mark.parametrize("index", range(len(SPLIT_CALLS)))
def test_split_keywords_and_method_varargs_match_torch(index: int) -> None:
    data = np.arange(16).reshape(4, 4)
    mine = SPLIT_CALLS[index](ag, ag.tensor(data))
    _same(mine, SPLIT_CALLS[index](torch, torch.tensor(data)), str(index))


def test_joins_on_integers_promote_as_torch() -> None:
    a, b = np.arange(6).reshape(2, 3), np.ones((2, 3), dtype=np.float32)
    flags = np.array([[True], [False]])
    for name, arrays in [
        ("hstack", [a, b, flags]),
        ("column_stack", [a, flags, b]),
        ("vstack", [a, b, a]),
        ("row_stack", [np.array([[True, False, True]]), a]),
        ("dstack", [b, a]),
    ]:
        mine = getattr(ag, name)([ag.tensor(x) for x in arrays])
        _same(mine, getattr(torch, name)([torch.tensor(x) for x in arrays]), name)
    scalars = [np.array(1.0), np.array(2.0)]
    for name in ("hstack", "vstack", "dstack", "column_stack"):
        mine = getattr(ag, name)([ag.tensor(s) for s in scalars])
        _same(mine, getattr(torch, name)([torch.tensor(s) for s in scalars]), name)


def test_meshgrid_shapes_views_and_warning() -> None:
    xs = [np.arange(2), np.arange(3) + 10, np.array(7), np.arange(4)]
    for indexing in ("ij", "xy"):
        for count in (1, 2, 3, 4):
            mine = ag.meshgrid(*[ag.tensor(x) for x in xs[:count]], indexing=indexing)
            theirs = torch.meshgrid(*[torch.tensor(x) for x in xs[:count]], indexing=indexing)
            _same(mine, theirs, f"{indexing} {count}")
    for module in (ag, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            grids = module.meshgrid(module.arange(2), module.arange(3))
        assert [w.category for w in caught] == [UserWarning]
        assert "indexing" in str(caught[0].message)
        assert tuple(grids[0].shape) == (2, 3)  # ij when omitted
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ag.meshgrid(ag.arange(2), indexing="ij")  # no warning when given


def test_cartesian_prod_and_combinations_match_torch() -> None:
    a, b = np.array([1, 2, 3]), np.array([4, 5])
    _same(
        ag.cartesian_prod(ag.tensor(a), ag.tensor(b)),
        torch.cartesian_prod(*map(torch.tensor, (a, b))),
        "prod",
    )
    x = ag.tensor(a)
    assert ag.cartesian_prod(x) is x and torch.cartesian_prod(torch.tensor(a)) is not None
    empty = np.zeros(0)
    _same(
        ag.cartesian_prod(ag.tensor(a), ag.tensor(empty).long()),
        torch.cartesian_prod(torch.tensor(a), torch.tensor(empty).long()),
        "empty",
    )
    for r in (0, 1, 2, 3, 4):
        for replace in (False, True):
            mine = ag.combinations(ag.tensor(a), r, replace)
            _same(mine, torch.combinations(torch.tensor(a), r, replace), f"r={r} {replace}")
    _same(ag.combinations(ag.tensor(empty)), torch.combinations(torch.tensor(empty)), "empty")


def test_combinations_of_none_are_a_new_tensor_outside_the_graph_as_torch() -> None:
    # torch returns empty({0}) for r=0, which does not require grad (arraygrad's was a view)
    for L in (torch, ag):
        out = L.combinations(L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True), 0)
        assert (out.shape, out.requires_grad, out.grad_fn, out._base) == ((0,), False, None, None)
        assert out.dtype == L.float64


@pytest.mark.parametrize(("n", "r"), [(9, 4), (30, 3), (300, 2)])
@pytest.mark.parametrize("replace", [False, True])
def test_combinations_of_longer_vectors_match_torch(n: int, r: int, replace: bool) -> None:
    # Enough rows that the order of every column is checked; n=300, r=2 (45k rows) also guards
    # against a per-combination Python loop creeping back (that took seconds at n=2000).
    a = np.random.default_rng(n).standard_normal(n)
    mine = ag.combinations(ag.tensor(a), r, replace)
    _same(mine, torch.combinations(torch.tensor(a), r, replace), f"n={n} r={r} {replace}")


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda m: m.hstack([]), RuntimeError),
        (lambda m: m.vstack([]), RuntimeError),
        (lambda m: m.dstack([]), RuntimeError),
        (lambda m: m.column_stack([]), RuntimeError),
        (lambda m: m.hstack(m.ones(2)), TypeError),
        (lambda m: m.vstack([m.ones(2), m.ones(3)]), RuntimeError),
        (lambda m: m.tensor_split(m.tensor(7), 2), RuntimeError),
        (lambda m: m.tensor_split(m.arange(7), 0), RuntimeError),
        (lambda m: m.tensor_split(m.arange(7), m.tensor([2.0])), RuntimeError),
        (lambda m: m.tensor_split(m.arange(7), m.tensor([[2]])), RuntimeError),
        (lambda m: m.tensor_split(m.arange(7), 2.0), TypeError),
        (lambda m: m.tensor_split(m.arange(7), 2, 1), IndexError),
        (lambda m: m.hsplit(m.ones(4, 4), 3), RuntimeError),
        (lambda m: m.hsplit(m.ones(4, 4), 0), RuntimeError),
        (lambda m: m.hsplit(m.tensor(4), 2), RuntimeError),
        (lambda m: m.vsplit(m.ones(4), 2), RuntimeError),
        (lambda m: m.dsplit(m.ones(4, 4), 2), RuntimeError),
        (lambda m: m.dsplit(m.ones(4, 4, 3), 2), RuntimeError),
        (lambda m: m.meshgrid(indexing="xy"), RuntimeError),
        (lambda m: m.meshgrid(m.ones(2), indexing="foo"), RuntimeError),
        (lambda m: m.meshgrid(m.ones(2, 2), indexing="ij"), RuntimeError),
        (lambda m: m.meshgrid(m.ones(2), m.arange(2), indexing="ij"), RuntimeError),
        (lambda m: m.cartesian_prod(m.ones(2, 2)), RuntimeError),
        (lambda m: m.cartesian_prod(m.ones(2), m.arange(2)), RuntimeError),
        (lambda m: m.cartesian_prod(), RuntimeError),
        (lambda m: m.cartesian_prod([m.ones(2)]), TypeError),
        (lambda m: m.tensor_split(m.ones(4), 2, sections=2), TypeError),
        (lambda m: m.tensor_split(m.ones(4)), TypeError),
        (lambda m: m.combinations(m.ones(2, 2)), RuntimeError),
        (lambda m: m.combinations(m.ones(2), -1), RuntimeError),
    ],
)
def test_errors_match_torch(call: Any, error: type) -> None:
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error) as info:
        call(ag)
    assert len(str(info.value)) > 20


@pytest.mark.parametrize(
    "expression", ["lib.stack([x, x])", "lib.stack([x.t()], 1)", "lib.stack([x[0, 0], x[1, 1]])"]
)
def test_stack_grad_fn_name_as_torch_does(expression: str) -> None:
    mine, theirs = grad_fn_names(expression)
    assert mine == theirs
