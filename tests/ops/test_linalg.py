"""Matrix products, einsum, triangles and diagonals, and ``arraygrad.linalg`` (inv, det, solve,
cross) against torch 2.13.0 and finite differences."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arraygrad as ag
from tests import oracle
from tests.ops._helpers import DTYPES, distinct, lib
from tests.oracle import (
    OpSpec,
    assert_like_torch_on,
    check_against_torch,
    gradcheck,
    run_gradcheck_case,
    run_torch_case,
    shape_cases,
)

side = st.integers(1, 4)


def _well_conditioned(a: Any) -> Any:
    """``a + 4 I``: with entries in [-1, 1] and n <= 4 it is strictly diagonally dominant."""
    n = a.shape[-1]
    return a + 4 * lib(a).eye(n, dtype=a.dtype)


def _matrices(batch: bool = False) -> Any:
    """Shapes ``(..., n, n)`` of square matrices, with an optional batch dimension."""
    prefix = st.tuples(st.integers(1, 3)) if batch else st.just(())
    return st.tuples(prefix, side).map(lambda p: (p[0] + (p[1], p[1]),))


def _solve_shapes() -> Any:
    # (batch of A, n, k, batch of B) covering vector, matrix and broadcast right-hand sides
    def build(args: tuple) -> tuple:
        batch_a, n, k, kind = args
        a = batch_a + (n, n)
        b = {
            "vector": (n,),
            "batched_vector": batch_a + (n,),
            "matrix": (n, k),
            "broadcast": (2,) * (len(batch_a) == 0) + (1,) * len(batch_a) + (n, k),
        }[kind]
        return (a, b)

    kinds = st.sampled_from(["vector", "batched_vector", "matrix", "broadcast"])
    return st.tuples(st.sampled_from([(), (3,), (2, 1)]), side, side, kinds).map(build)


def _mat_pair(lead: Any = None) -> Any:
    lead = st.just(()) if lead is None else lead
    return st.tuples(lead, side, side, side).map(
        lambda t: (t[0] + (t[1], t[2]), t[0] + (t[2], t[3]))
    )


def _cross_shapes(s: tuple) -> tuple:
    """Same number of dimensions, the first one broadcast."""
    return (*s, 3), (*(1 if i == 0 else d for i, d in enumerate(s)), 3)


OP_TABLE = {
    "mm": OpSpec(lambda a, b: a.mm(b), arity=2, shapes=_mat_pair()),
    "bmm": OpSpec(lambda a, b: lib(a).bmm(a, b), arity=2, shapes=_mat_pair(st.tuples(side))),
    "mv": OpSpec(
        lambda a, v: lib(a).mv(a, v),
        arity=2,
        shapes=st.tuples(side, side).map(lambda t: (t, t[1:])),
    ),
    "dot": OpSpec(lambda a, b: a.dot(b), arity=2, shapes=side.map(lambda n: ((n,), (n,)))),
    "outer": OpSpec(
        lambda a, b: lib(a).outer(a, b),
        arity=2,
        shapes=st.tuples(side, side).map(lambda t: ((t[0],), (t[1],))),
    ),
    "inner": OpSpec(
        lambda a, b: lib(a).inner(a, b),
        arity=2,
        shapes=st.tuples(side, side, side).map(lambda t: ((t[0], t[2]), (t[1], 2, t[2]))),
    ),
    "matmul_batched": OpSpec(lambda a, b: a @ b, arity=2, shapes=_mat_pair(st.just((2,)))),
    "trace": OpSpec(lambda a: a.trace(), shapes=st.tuples(side, side).map(lambda t: (t,))),
    "tril": OpSpec(lambda a: a.tril(), min_dims=2),
    "triu_offset": OpSpec(lambda a: lib(a).triu(a, 1), min_dims=2),
    "tril_negative": OpSpec(lambda a: lib(a).tril(a, -1) * a, min_dims=2),
    "diag_vector": OpSpec(lambda v: v.diag(), shapes=side.map(lambda n: ((n,),))),
    "diag_vector_offset": OpSpec(lambda v: lib(v).diag(v, -2), shapes=side.map(lambda n: ((n,),))),
    "diag_matrix": OpSpec(lambda a: a.diag(1), shapes=st.tuples(side, side).map(lambda t: (t,))),
    "inv": OpSpec(
        lambda a: lib(a).linalg.inv(_well_conditioned(a)), low=-1, high=1, shapes=_matrices(True)
    ),
    "inverse_method": OpSpec(
        lambda a: _well_conditioned(a).inverse(), low=-1, high=1, shapes=_matrices()
    ),
    # singular matrices (det exactly 0) have their own test: keep these away from them
    "det": OpSpec(
        lambda a: lib(a).linalg.det(_well_conditioned(a) - 2 * a),
        low=-1,
        high=1,
        shapes=_matrices(True),
    ),
    "det_method": OpSpec(lambda a: _well_conditioned(a).det(), low=-1, high=1, shapes=_matrices()),
    "solve": OpSpec(
        lambda a, b: lib(a).linalg.solve(_well_conditioned(a), b),
        arity=2,
        low=-1,
        high=1,
        shapes=_solve_shapes(),
    ),
    "solve_right": OpSpec(
        lambda a, b: lib(a).linalg.solve(_well_conditioned(a), b, left=False),
        arity=2,
        low=-1,
        high=1,
        shapes=st.tuples(side, side).map(lambda t: ((t[0], t[0]), (t[1], t[0]))),
    ),
    "cross": OpSpec(
        lambda a, b: lib(a).linalg.cross(a, b),
        arity=2,
        shapes=hnp.array_shapes(max_dims=2, max_side=3).map(_cross_shapes),
    ),
    "vector_norm": OpSpec(lambda x: lib(x).linalg.vector_norm(x, 3, dim=-1), low=0.5, min_dims=1),
    "norm_default": OpSpec(lambda x: lib(x).linalg.norm(x), low=0.5),
    "norm_matrix_ord1": OpSpec(
        lambda x: lib(x).linalg.norm(distinct(x), 1, dim=(0, -1), keepdim=True),
        low=0.5,
        min_dims=2,
    ),
    "matrix_norm_inf": OpSpec(
        lambda x: lib(x).linalg.matrix_norm(distinct(x), float("-inf")), low=0.5, min_dims=2
    ),
    "matrix_norm_fro": OpSpec(lambda x: lib(x).linalg.matrix_norm(x), low=0.5, min_dims=2),
    "cross_dim0": OpSpec(
        lambda a, b: lib(a).linalg.cross(a, b, dim=0),
        arity=2,
        shapes=side.map(lambda n: ((3, n), (3, n))),
    ),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=12)
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=6)
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->j", [(2, 2, 4)]),
    ("ij->", [(2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (5, 3, 4)]),
    ("b...,b...->b", [(2, 3, 4), (2, 3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ij,ij,ij->i", [(2, 3), (2, 3), (2, 3)]),
    ("ijk,ikl,j->il", [(2, 3, 2), (2, 2, 4), (3,)]),
    ("bhqd,bhkd->bhqk", [(2, 1, 3, 4), (2, 1, 2, 4)]),
    ("ij,kj->ik", [(2, 1), (3, 4)]),
    ("a b , b c -> a c", [(2, 3), (3, 2)]),
    ("iJ,Jk->ik", [(2, 3), (3, 4)]),
]


@pytest.mark.parametrize(("equation", "input_shapes"), EINSUM)
@pytest.mark.parametrize("dtype", DTYPES)
def test_einsum_matches_torch(equation: str, input_shapes: list, dtype: type) -> None:
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal(s).astype(dtype) for s in input_shapes]
    check_against_torch(lambda *xs: lib(xs[0]).einsum(equation, *xs), None, inputs)
    check_against_torch(lambda *xs: lib(xs[0]).einsum(equation, list(xs)), None, inputs)
    if dtype is np.float64:
        gradcheck(lambda *xs: ag.einsum(equation, *xs), inputs)


EINSUM_SUBLISTS = [
    (lambda a, b: (a, [0, 1], b, [1, 2], [0, 2]), [(2, 3), (3, 4)]),
    (lambda a, b: (a, [0, 1], b, [1, 2]), [(2, 3), (3, 4)]),  # implicit output
    (lambda a, b: (a, (30, 1), b, (1, 51), (51, 30)), [(2, 3), (3, 4)]),  # a to z: 26 to 51
    (lambda a, b: (a, [..., 0, 1], b, [1, 2], [..., 0, 2]), [(5, 2, 3), (3, 4)]),
    (lambda a: (a, [np.int64(0), 0], [0]), [(3, 3)]),  # a diagonal; NumPy ints too
]


@pytest.mark.parametrize(("arguments", "input_shapes"), EINSUM_SUBLISTS)
def test_einsum_takes_torch_s_sublist_form(arguments: Any, input_shapes: list) -> None:
    # einsum(a, [0, 1], b, [1, 2], [0, 2]): arraygrad took the first operand for the equation
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal(s) for s in input_shapes]
    check_against_torch(lambda *xs: lib(xs[0]).einsum(*arguments(*xs)), None, inputs)
    gradcheck(lambda *xs: ag.einsum(*arguments(*xs)), inputs)


@pytest.mark.parametrize(
    "arguments",
    [
        lambda L, a: (a, [0, 52]),  # beyond the 52 letters
        lambda L, a: (a, [-1, 0]),
        lambda L, a: (a, [0, 1.0]),  # not an int
        lambda L, a: (a, [0, 1], [0, 2]),  # an output subscript no operand has
        lambda L, a: (a, [0, 1], [0, 0]),
        lambda L, a: (a, [0, 1], [0, 1], [0]),  # a list where an operand belongs
        lambda L, a: (a,),  # no subscripts
        lambda L, a: ("ij",),  # no operands
        lambda L, a: ("ij", []),
    ],
)
def test_einsum_sublists_raise_as_torch(arguments: Any) -> None:
    messages = []
    for L in (torch, ag):
        with pytest.raises(Exception) as info:
            L.einsum(*arguments(L, L.ones(2, 3)))
        messages.append((type(info.value), str(info.value)))
    assert messages[1][0] is messages[0][0]
    assert messages[1][1].startswith(messages[0][1]), messages


@pytest.mark.parametrize(
    ("equation", "shapes", "dtypes"),
    [
        ("ij,jk->ik", [(2, 3), (3, 2)], ["float64", "float32"]),  # a bmm: one dtype
        ("ij,jk->ik", [(2, 3), (3, 2)], ["int64", "float32"]),
        ("ij,jk->ik", [(2, 1), (1, 3)], ["float64", "float32"]),  # a product: promoted
        ("i,j->ij", [(2,), (3,)], ["float16", "float32"]),
        ("ij,ij->ij", [(2, 3), (2, 3)], ["int64", "float32"]),
        ("ij,jk,kl->il", [(2, 1), (1, 3), (3, 2)], ["float32", "float32", "float64"]),
    ],
)
def test_einsum_of_two_dtypes_as_torch(
    equation: str, shapes: list[tuple[int, ...]], dtypes: list[str]
) -> None:
    # torch contracts with bmm only where a summed subscript is longer than 1 in both
    # operands, and bmm takes one dtype; otherwise it multiplies, promoting
    outcomes = []
    for mod in (ag, torch):
        operands = [
            mod.ones(*s, dtype=getattr(mod, d)) for s, d in zip(shapes, dtypes, strict=True)
        ]
        try:
            outcomes.append(str(mod.einsum(equation, *operands).dtype).split(".")[-1])
        except RuntimeError as error:
            outcomes.append(str(error).split(":")[0])
    assert outcomes[0] == outcomes[1]


_BOOL_PRODUCTS = [
    ("mm", lambda L, a, b: L.mm(a, b), [(2, 3), (3, 2)]),
    ("@", lambda L, a, b: a @ b, [(2, 1), (1, 2)]),
    ("matmul", lambda L, a, b: L.matmul(a, b), [(2, 3, 2), (2,)]),
    ("matmul", lambda L, a, b: L.matmul(a, b), [(3,), (3, 2)]),
    ("matmul", lambda L, a, b: L.matmul(a, b), [(0,), (0,)]),  # dot refuses even empty ones
    ("matmul", lambda L, a, b: L.matmul(a, b), [(2, 2, 3), (1, 3, 2)]),
    ("bmm", lambda L, a, b: L.bmm(a, b), [(2, 2, 3), (2, 3, 2)]),
    ("mv", lambda L, a, b: L.mv(a, b), [(2, 3), (3,)]),
    ("tensordot", lambda L, a, b: L.tensordot(a, b, dims=1), [(2, 3), (3, 2)]),
    ("tensordot", lambda L, a, b: L.tensordot(a, b, dims=0), [(2,), (2,)]),
    ("einsum", lambda L, a, b: L.einsum("ij,jk->ik", a, b), [(2, 3), (3, 2)]),
    ("einsum", lambda L, a, b: L.einsum("bij,bj->bi", a, b), [(2, 2, 3), (2, 3)]),
    ("multi_dot", lambda L, a, b: L.linalg.multi_dot([a, b, a]), [(2, 2), (2, 2)]),
]


@pytest.mark.parametrize(("op", "fn", "shapes"), _BOOL_PRODUCTS)
def test_matrix_products_of_bool_raise_as_torch(op: str, fn: Any, shapes: list) -> None:
    # NumPy computes a bool matmul (or for +); torch has no bool kernel for mm, mv, bmm, dot
    def call(L: Any) -> Any:
        a, b = (L.ones(*s, dtype=L.bool) for s in shapes)
        return fn(L, a, b)

    assert oracle.outcome_in_each(call, (NotImplementedError,)) == (
        "NotImplementedError",
        "NotImplementedError",
    )
    with pytest.raises(NotImplementedError) as error:
        call(ag)
    kernel = str(error.value).split('"')[1]
    with pytest.raises(NotImplementedError, match=f"\"{kernel}\" not implemented for 'Bool'"):
        call(torch)  # the same kernel named
    assert "Fix:" in str(error.value) and ".float()" in str(error.value)


@pytest.mark.parametrize(
    ("fn", "shapes"),
    [
        (lambda L, a, b: L.mm(a, b), [(2, 0), (0, 3)]),
        (lambda L, a, b: L.mm(a, b), [(0, 2), (2, 3)]),
        (lambda L, a, b: L.matmul(a, b), [(3, 2, 0), (0,)]),
        (lambda L, a, b: L.bmm(a, b), [(0, 2, 3), (0, 3, 2)]),
        (lambda L, a, b: L.einsum("ij,jk->ik", a, b), [(2, 0), (0, 2)]),
        (lambda L, a, b: L.einsum("ij,jk->ik", a, b), [(2, 1), (1, 2)]),  # a product: no bmm
        (lambda L, a, b: L.tensordot(a, b, dims=1), [(2, 0), (0, 2)]),
    ],
)
def test_bool_products_torch_computes_stay_computed(fn: Any, shapes: list) -> None:
    # with an empty operand torch's kernels sum nothing and take any dtype: all False
    def call(L: Any) -> Any:
        a, b = (L.ones(*s, dtype=L.bool) for s in shapes)
        out = fn(L, a, b)
        return str(out.dtype).split(".")[-1], out.tolist()

    expected, got = oracle.outcome_in_each(call, (NotImplementedError,))
    assert got == expected and expected != "NotImplementedError"


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int32"])
@pytest.mark.parametrize(
    ("equation", "shapes"),
    [
        ("i->", [(3,)]),
        ("ii->", [(2, 2)]),
        ("ii->i", [(2, 2)]),
        ("i,j->i", [(2,), (3,)]),
        ("ij,jk->", [(2, 3), (3, 2)]),
        ("ij,jk->i", [(2, 3), (3, 2)]),  # one operand summed to int64 first: bmm refuses
        ("jk,ij->i", [(3, 2), (2, 3)]),
        ("ij,ij->", [(2, 3), (2, 3)]),
        ("bij,bjk->b", [(2, 2, 3), (2, 3, 2)]),
        ("ij,j->", [(2, 1), (1,)]),
    ],
)
def test_einsum_of_integers_and_bools_as_torch(equation: str, shapes: list, dtype: str) -> None:
    # torch sums a subscript one operand holds alone with sum (bool and integers to int64)
    # before it contracts the operands with bmm (one dtype; none for bool)
    def call(L: Any) -> Any:
        operands = [L.ones(*s, dtype=getattr(L, dtype)) for s in shapes]
        out = L.einsum(equation, *operands)
        return str(out.dtype).split(".")[-1], out.tolist()

    expected, got = oracle.outcome_in_each(call, (RuntimeError, NotImplementedError))
    assert got == expected


@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "uint8"])
def test_integer_matrix_products_compute_as_torch(dtype: str) -> None:
    rng = np.random.default_rng(5)
    a, b = rng.integers(-3, 4, (2, 3, 4)), rng.integers(-3, 4, (4, 2))
    if dtype == "uint8":
        a, b = abs(a), abs(b)

    def call(L: Any) -> Any:
        x, y = (L.tensor(v, dtype=getattr(L, dtype)) for v in (a, b))
        outs = (x @ y, L.einsum("bij,jk->bik", x, y), L.tensordot(x, y, dims=1), x[0].mv(y[:, 0]))
        return [(str(o.dtype).split(".")[-1], o.tolist()) for o in outs]

    expected, got = oracle.outcome_in_each(call)
    assert got == expected


def test_batched_solve_with_broadcast_and_vectors() -> None:
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 1, 4, 4)) + 4 * np.eye(4)
    for b_shape in [(2, 4, 5), (3, 2, 4, 1), (4,), (3, 1, 4)]:
        b = rng.standard_normal(b_shape)
        check_against_torch(lambda x, y: lib(x).linalg.solve(x, y), None, [a, b])
    gradcheck(
        lambda x, y: ag.linalg.solve(x, y), [a[:1, :, :2, :2], rng.standard_normal((2, 2, 3))]
    )


@pytest.mark.parametrize(
    "matrix",
    [
        [[1.0, 2.0], [2.0, 4.0]],
        [[0.0, 0.0], [0.0, 0.0]],
        [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]],
        [[2.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 2.0]],
        [[0.0]],  # (the adjugate of a 1x1 matrix is 1: torch's gradient is g)
        [[[0.0]], [[2.0]]],
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_det_gradient_of_singular_matrix_matches_torch(matrix: list, dtype: Any) -> None:
    """Where det(A) is exactly 0 PyTorch 2.13 returns a zero gradient (g for a 1x1 matrix); so
    does arraygrad. (The linalg fuzzer found 1x1 matrices given 0, seed 1528, and singular
    complex matrices raising LinAlgError in the backward, seed 2762.)"""
    a = np.array(matrix, dtype=dtype)
    if dtype is np.complex128 and a.shape == (3, 3) and a[0, 0] == 1:
        pytest.skip("torch's complex LU leaves this matrix a determinant of 7e-16, not 0")
    check_against_torch(lambda a: lib(a).linalg.det(a), None, [a], atol=0)


def test_det_gradient_near_singular_is_the_adjugate() -> None:
    """Near a singular matrix the gradient is adj(A)^T, computed without dividing by det."""
    nearly = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0 + 1e-9]])
    a = ag.tensor(nearly, requires_grad=True)
    ag.linalg.det(a).backward()
    expected = [[-3.0, 6.0, -3.0], [6.0, -12.0, 6.0], [-3.0, 6.0, -3.0]]
    np.testing.assert_allclose(a.grad.numpy(), expected, atol=1e-6)
    check_against_torch(lambda m: lib(m).linalg.det(m), None, [nearly], rtol=1e-5, atol=1e-6)


def test_det_gradient_of_invertible_matrices_is_torchs_lu_solution() -> None:
    """PyTorch's gradient of det solves with the LU factors where det(A) != 0; arraygrad's
    det(A) A^-1 from LU agrees with it to a few ulp of the largest entry, where the SVD-based
    adjugate it took before (now kept for singular matrices) erred by up to 1.4e-14."""
    a = np.random.default_rng(0).standard_normal((2000, 8, 8))
    g = np.random.default_rng(1).standard_normal(2000)
    mine, theirs = ag.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ag.linalg.det(mine).backward(ag.tensor(g))
    torch.linalg.det(theirs).backward(torch.tensor(g))
    error = np.abs(mine.grad.numpy() - theirs.grad.numpy())
    largest = np.abs(theirs.grad.numpy()).max(axis=(1, 2), keepdims=True)
    assert (error / largest).max() < 6e-15


@pytest.mark.parametrize(
    "fn",
    [
        lambda a: lib(a).linalg.inv(_well_conditioned(a)),
        lambda a: lib(a).linalg.det(_well_conditioned(a)),
        lambda a: lib(a).linalg.solve(_well_conditioned(a), a[..., 0]),
        lambda a: lib(a).einsum("ij,jk->ik", a, a.tril()),
        lambda a: a.diag().diag().trace() * a,
    ],
)
def test_double_backward_matches_torch(fn: Any) -> None:
    data = np.random.default_rng(5).uniform(-1, 1, (3, 3))
    grads = []
    for module in (ag, torch):
        a = module.tensor(data, requires_grad=True)
        (g,) = module.autograd.grad((fn(a) ** 2).sum(), a, create_graph=True)
        (gg,) = module.autograd.grad((g * g).sum(), a)
        grads.append(gg.detach().numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-7)


def test_inverse_of_singular_matrix_raises_linalg_error() -> None:
    singular = [[1.0, 2.0], [2.0, 4.0]]
    with pytest.raises(torch.linalg.LinAlgError):
        torch.linalg.inv(torch.tensor(singular))
    with pytest.raises(ag.linalg.LinAlgError, match="singular") as info:
        ag.linalg.inv(ag.tensor(singular))
    assert isinstance(info.value, RuntimeError)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.mm(m.ones(2, 3), m.ones(2, 3)),
        lambda m: m.mm(m.ones(3), m.ones(3, 3)),
        lambda m: m.bmm(m.ones(2, 3), m.ones(2, 3)),
        lambda m: m.bmm(m.ones(2, 3, 3), m.ones(3, 3, 3)),
        lambda m: m.mv(m.ones(3, 3), m.ones(3, 3)),
        lambda m: m.ones(2, 3).dot(m.ones(2)),
        lambda m: m.dot(m.ones(3), m.ones(2)),
        lambda m: m.outer(m.ones(3, 1), m.ones(3)),
        lambda m: m.ones(3).trace(),
        lambda m: m.ones(3).tril(),
        lambda m: m.ones(2, 3, 4).diag(),
        lambda m: m.linalg.inv(m.ones(2, 3)),
        lambda m: m.linalg.det(m.ones(3)),
        lambda m: m.linalg.solve(m.eye(3), m.ones(2)),
        lambda m: m.linalg.cross(m.ones(3, 2), m.ones(3, 2)),
        lambda m: m.einsum("ij,jk->ik", m.ones(2, 3), m.ones(2, 3)),
        lambda m: m.einsum("ij->ii", m.ones(2, 2)),
        lambda m: m.einsum("ij->k", m.ones(2, 2)),
        lambda m: m.einsum("ijk->i", m.ones(2, 2)),
        lambda m: m.einsum("ij,jk->ik", m.ones(2, 3)),
    ],
)
def test_errors_match_torch(call: Any) -> None:
    with pytest.raises(RuntimeError):
        call(torch)
    with pytest.raises(RuntimeError) as info:
        call(ag)
    assert len(str(info.value)) > 20


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.matmul(m.ones(3), 2.0),
        lambda m: m.matmul(2, m.ones(3)),
        lambda m: m.ones(3) @ 2.0,
        lambda m: 2.0 @ m.ones(3),
    ],
)
def test_matmul_with_a_number_raises_type_error_like_torch(call: Any) -> None:
    with pytest.raises(TypeError):
        call(torch)
    with pytest.raises(TypeError, match="must be Tensor"):
        call(ag)


def test_error_messages_name_shapes() -> None:
    with pytest.raises(RuntimeError, match=r"2x3 and 2x3"):
        ag.mm(ag.ones(2, 3), ag.ones(2, 3))
    with pytest.raises(RuntimeError, match="subscript j has size 2 for operand 1"):
        ag.einsum("ij,jk->ik", ag.ones(2, 3), ag.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"3x3 and 2x1"):
        ag.linalg.solve(ag.eye(3), ag.ones(2))


@pytest.mark.parametrize("dtype", DTYPES)
def test_gradient_of_a_transposed_weight_is_laid_out_as_the_weight(dtype: type) -> None:
    # x @ w.t(): w's gradient is made as the transpose of g.T @ x, row-major like w, as in
    # PyTorch, instead of transposed out of x.T @ g.
    gen = np.random.default_rng(11)
    x_np, w_np, g_np = (gen.standard_normal(s).astype(dtype) for s in ((5, 3), (4, 3), (5, 4)))

    def run(module: Any) -> tuple[Any, Any]:
        w = module.tensor(w_np, requires_grad=True)
        x = module.tensor(x_np, requires_grad=True)
        (x @ w.t()).backward(module.tensor(g_np))
        return w.grad, x.grad

    (w_grad, x_grad), (torch_w_grad, torch_x_grad) = run(ag), run(torch)
    tolerance = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(w_grad.numpy(), torch_w_grad.numpy(), rtol=tolerance)
    np.testing.assert_allclose(x_grad.numpy(), torch_x_grad.numpy(), rtol=tolerance)
    assert w_grad.is_contiguous() and w_grad.stride() == torch_w_grad.stride()


def _grad_fn_chain(tensor: Any) -> list[str]:
    """The names of ``tensor``'s backward nodes, first input first, down to the leaves."""
    names, node = [], tensor.grad_fn
    while node is not None:
        names.append(node.name())
        inner = [
            f for f, _ in node.next_functions if f is not None and f.name() != "AccumulateGrad"
        ]
        node = inner[0] if inner else None
    return [name.removeprefix("torch::autograd::") for name in names]


@pytest.mark.parametrize(("left", "right"), [((3,), (3, 2)), ((2, 3), (3,)), ((3,), (3,))])
def test_products_with_a_vector_record_torchs_nodes(left: tuple, right: tuple) -> None:
    """A vector @ matrix is PyTorch's squeezed one-row product, a matrix @ vector its
    ``mv`` and a vector @ vector its ``dot`` (the engine fuzzer's seed 45760)."""
    chains = []
    for module in (ag, torch):
        a = module.ones(left, dtype=module.float64, requires_grad=True)
        b = module.ones(right, dtype=module.float64, requires_grad=True)
        chains.append(_grad_fn_chain(a @ b))
    assert chains[0] == chains[1]


def test_a_pass_stopping_at_a_vector_matrix_product_keeps_the_product_for_later() -> None:
    """As in torch: ``backward(inputs=[t])`` frees ``t``'s own node (the squeeze, which saves
    nothing), not the product's below it, so a later pass through ``t`` works; for a
    matrix @ matrix ``t``'s node is the product's, freed, and the later pass raises."""
    for module in (ag, torch):
        for left in ((3,), (1, 3)):
            x = module.tensor(np.ones(left), requires_grad=True)
            w = module.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
            t = x @ w
            t.sum().backward(inputs=[t])
            if len(left) == 1:
                (t * 2).sum().backward()
                assert w.grad.tolist() == [[2.0, 2.0]] * 3, module
            else:
                with pytest.raises(RuntimeError):
                    (t * 2).sum().backward()


@pytest.mark.parametrize(
    "expression",
    ["x.tril()", "x.triu(1)", "lib.tril(x.t())", "x[:, :2].trace()", "x.t().trace()",
     "lib.bmm(x[None], x.t()[None])",
     # PyTorch's inverse and solve are its _ex kernels (regression: LinalgInvBackward0, ...)
     "lib.linalg.inv(x[:, :2])", "lib.inverse(x[:, :2])", "x[:, :2].inverse()",
     "lib.linalg.inv_ex(x[:, :2])[0]", "lib.linalg.inv(x[:, :2].to(lib.complex128))",
     "lib.linalg.solve(x[:, :2], x)", "lib.linalg.solve(x[:, :2], x[:, 2])",
     "lib.linalg.solve(x[:, :2], x.t(), left=False)", "lib.linalg.solve_ex(x[:, :2], x)[0]",
     "lib.linalg.solve_ex(x[:, :2], x[:, 2])[0]", "lib.linalg.slogdet(x[:, :2])[1]",
     "lib.slogdet(x[:, :2])[0]", "lib.linalg.slogdet(x[:, :2].to(lib.complex128))[1]",
     # (parity_linalg: SubBackward0, SelectBackward0 and SliceBackward0 before)
     "lib.linalg.cross(x, x.flip(1))", "lib.cross(x, x * 2, dim=1)",
     "lib.linalg.eig(x[:, :2])[0]", "lib.linalg.eig(x[:, :2])[1]", "lib.linalg.eigvals(x[:, :2])"],
)  # fmt: skip
def test_grad_fn_names_as_torch_does(expression: str) -> None:
    mine, theirs = oracle.grad_fn_names(expression)
    assert mine == theirs


_UNSUPPORTED_DTYPE_CALLS = [
    lambda m, a, b: m.linalg.det(a),
    lambda m, a, b: m.linalg.slogdet(a),
    lambda m, a, b: m.logdet(a),
    lambda m, a, b: m.linalg.inv(a),
    lambda m, a, b: m.linalg.matrix_power(a, -1),
    lambda m, a, b: m.linalg.tensorinv(a, ind=1),
    lambda m, a, b: m.linalg.solve(a, b),
    lambda m, a, b: m.linalg.solve_ex(a, b),
    lambda m, a, b: m.linalg.tensorsolve(a, b[:, 0]),
    lambda m, a, b: m.linalg.lstsq(a, b),
    lambda m, a, b: m.cholesky_solve(b, a),
    lambda m, a, b: m.cholesky_inverse(a),
    lambda m, a, b: m.linalg.eig(a),
    lambda m, a, b: m.linalg.eigvals(a),
    lambda m, a, b: m.linalg.pinv(a),
    lambda m, a, b: m.pinverse(a),
    lambda m, a, b: m.linalg.matrix_rank(a),
    # with tolerances given, the decomposition's kernel refuses the dtype (seed 74550)
    lambda m, a, b: m.linalg.matrix_rank(a, atol=1e-4, rtol=1e-4),
    lambda m, a, b: m.linalg.matrix_rank(a, atol=1e-4, rtol=1e-4, hermitian=True),
    # with atol alone, the default rtol reads the dtype's eps first (fuzzrun8)
    lambda m, a, b: m.linalg.matrix_rank(a, atol=1e-4),
    lambda m, a, b: m.linalg.matrix_rank(a, atol=1e-4, hermitian=True),
    lambda m, a, b: m.linalg.cond(a, 1),
    lambda m, a, b: m.linalg.matrix_norm(a, 2),
    lambda m, a, b: m.linalg.matrix_norm(a, 1),
    lambda m, a, b: m.linalg.solve_triangular(a, b, upper=True),
    lambda m, a, b: m.triangular_solve(b, a),
    lambda m, a, b: m.linalg.lu_factor(a, pivot=False),  # (the dtype before the pivoting)
    lambda m, a, b: m.cholesky(a, upper=True),  # (the kernel's dtypes first: seed 41272)
]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "int64"])
@pytest.mark.parametrize("index", range(len(_UNSUPPORTED_DTYPE_CALLS)))
def test_unsupported_dtypes_raise_torchs_class(index: int, dtype: str) -> None:
    # torch's kernels refuse float16, bfloat16 (and some integers) with NotImplementedError,
    # its functions with explicit checks with RuntimeError; arraygrad let NumPy raise
    # TypeError, computed bfloat16 in float32, or raised the other class (linalg fuzzer,
    # seeds 156, 1113, 1926, 2275, 2718)
    call = _UNSUPPORTED_DTYPE_CALLS[index]
    classes = []
    for m in (torch, ag):
        a = (m.eye(3) * 2 + 1).to(getattr(m, dtype))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                call(m, a, m.ones(3, 2).to(getattr(m, dtype)))
            classes.append("no error")
        except Exception as error:  # the class is compared
            classes.append(type(error).__name__.lstrip("_"))
    assert classes[1] == classes[0]


_EMPTY_CALLS = [
    lambda m, a: m.linalg.det(a),
    lambda m, a: m.det(a),
    lambda m, a: m.linalg.slogdet(a),
    lambda m, a: m.linalg.inv(a),
    lambda m, a: m.linalg.solve(a, m.zeros(a.shape[:-1], dtype=a.dtype)),
    lambda m, a: m.linalg.solve_ex(a, m.zeros(a.shape[:-1], dtype=a.dtype)),
    lambda m, a: m.linalg.cholesky(a),
    lambda m, a: m.linalg.cholesky_ex(a),
    lambda m, a: m.linalg.lu_factor(a),
    lambda m, a: m.linalg.lu(a),
    lambda m, a: m.linalg.eigh(a),
    lambda m, a: m.linalg.eigvalsh(a),
    lambda m, a: m.linalg.svd(a),
    lambda m, a: m.linalg.svdvals(a),
    lambda m, a: m.linalg.cond(a),
    lambda m, a: m.linalg.cond(a, 1),
    lambda m, a: m.linalg.qr(a),
    lambda m, a: m.linalg.ldl_factor(a),
    lambda m, a: m.linalg.solve_triangular(a, a, upper=True),
]


def _outcome(call: Any, m: Any, a: Any) -> Any:
    """The shapes and dtype names of ``call``'s results, or the class of its error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = call(m, a)
    except Exception as error:  # the class is compared
        return type(error).__name__.lstrip("_")
    parts = result if isinstance(result, tuple) else (result,)
    return [(tuple(p.shape), str(p.dtype).split(".")[-1]) for p in parts]


@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0), (0, 2, 2)])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "int64", "int32", "bool", "float32"])
@pytest.mark.parametrize("index", range(len(_EMPTY_CALLS)))
def test_empty_inputs_of_any_dtype_pass_where_torchs_kernels_are_not_reached(
    index: int, dtype: str, shape: tuple
) -> None:
    # torch dispatches LU, Cholesky, eigh and SVD kernels on the dtype only where there is a
    # matrix to factor: an empty float16 or int64 input gets empty results in its own dtype
    # (cond: 0 of it) where arraygrad refused it, or computed bfloat16 in float64
    call = _EMPTY_CALLS[index]
    theirs = _outcome(call, torch, torch.zeros(shape, dtype=getattr(torch, dtype)))
    assert _outcome(call, ag, ag.zeros(shape, dtype=getattr(ag, dtype))) == theirs


_SHAPE_ERRORS_FIRST = [  # (call, shape of A, shape of B)
    (lambda m, a, b: m.linalg.solve(a, b), (3, 3), (4, 2)),
    (lambda m, a, b: m.linalg.solve_ex(a, b, left=False), (3, 3), (2, 4)),
    (lambda m, a, b: m.linalg.solve_triangular(a, b, upper=True), (3, 3), (4, 2)),
    (lambda m, a, b: m.linalg.solve_triangular(a, b, upper=False), (3, 2), (3, 2)),
    (lambda m, a, b: m.triangular_solve(b, a), (3, 3), (4, 2)),
    (lambda m, a, b: m.triangular_solve(b, a), (3, 2), (3, 2)),
    (lambda m, a, b: m.cholesky_solve(b, a), (3, 3), (4, 2)),
    (lambda m, a, b: m.cholesky_solve(b, a), (3, 2), (3, 2)),
    (lambda m, a, b: m.cholesky_inverse(a), (3, 2), (3, 2)),
    (lambda m, a, b: m.cholesky(a), (3, 2), (3, 2)),
    (lambda m, a, b: m.cholesky(a), (3,), (3, 2)),
    (lambda m, a, b: m.linalg.eigh(a), (3, 2), (3, 2)),
    (lambda m, a, b: m.linalg.eigvalsh(a), (3,), (3, 2)),
    (lambda m, a, b: m.linalg.matrix_rank(a, rtol=0.1, hermitian=True), (3, 2), (3, 2)),
]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "int64"])
@pytest.mark.parametrize("index", range(len(_SHAPE_ERRORS_FIRST)))
def test_shape_errors_come_before_the_kernels_dtype_refusals(index: int, dtype: str) -> None:
    # torch checks the shapes of the operands before its kernel refuses their dtype: a wrong
    # shape is a RuntimeError whatever the dtype; arraygrad refused the dtype first
    # (NotImplementedError; linalg fuzzer, seeds 177514, 187009, 191664)
    call, a_shape, b_shape = _SHAPE_ERRORS_FIRST[index]
    raised = []
    for m in (torch, ag):
        a, b = (m.ones(*s, dtype=getattr(m, dtype)) for s in (a_shape, b_shape))
        with warnings.catch_warnings(), pytest.raises(RuntimeError) as error:
            warnings.simplefilter("ignore")
            call(m, a, b)
        raised.append((type(error.value).__name__, "not implemented" in str(error.value)))
    assert raised[1] == raised[0] == ("RuntimeError", False)


_PINV_ARGUMENTS: list[dict[str, Any]] = [
    {},
    {"atol": 0.1},
    {"atol": 0},
    {"atol": -1.0, "hermitian": True},
    {"rtol": 0.1},
    {"atol": 0.1, "rtol": 0.1},
    {"atol": "tensor"},
    {"rcond": 0.1},
    {"rcond": "tensor", "hermitian": True},
]


@pytest.mark.parametrize("shape", [(), (3,), (0,)])
@pytest.mark.parametrize("dtype", ["float64", "int64"])
@pytest.mark.parametrize("arguments", _PINV_ARGUMENTS, ids=repr)
def test_pinv_of_fewer_than_two_dimensions_raises_as_torch(
    arguments: dict[str, Any], dtype: str, shape: tuple[int, ...]
) -> None:
    # linalg.pinv(1-D, atol=0.1) raised RuntimeError where torch's default rtol reads A.size(-2)
    # (IndexError) first, and linalg.pinv(A, rcond) was refused (TypeError)
    errors = []
    for module in (torch, ag):
        a = module.ones(shape, dtype=getattr(module, dtype))
        options = {
            name: module.tensor(0.1, dtype=module.float64) if value == "tensor" else value
            for name, value in arguments.items()
        }
        with pytest.raises((IndexError, RuntimeError)) as caught:
            module.linalg.pinv(a, **options)
        errors.append(caught.type)
    assert errors[1] is errors[0]


def test_pinv_takes_rcond_as_torch_s_rtol() -> None:
    a = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.5]])
    for rcond in (0.3, 1e-15):
        want = torch.linalg.pinv(torch.tensor(a), rcond).numpy()
        np.testing.assert_allclose(ag.linalg.pinv(ag.tensor(a), rcond).numpy(), want, rtol=1e-12)
        keyword = ag.linalg.pinv(ag.tensor(a), rcond=ag.tensor(rcond, dtype=ag.float64))
        np.testing.assert_allclose(keyword.numpy(), want, rtol=1e-12)
    for other in ({"atol": 0.1}, {"rtol": 0.1}):
        with pytest.raises(TypeError):
            torch.linalg.pinv(torch.tensor(a), rcond=0.1, **other)
        with pytest.raises(TypeError, match="rcond"):
            ag.linalg.pinv(ag.tensor(a), rcond=0.1, **other)


@pytest.mark.parametrize(
    ("a", "b"),
    [(("float32", (2, 3)), ("int64", (3,))), (("float32", (3,)), ("float64", (3,)))],
)
def test_inner_of_two_dtypes_raises_as_torch(a: tuple, b: tuple) -> None:
    # torch's inner is a matrix product of the two: no promotion (a 0-d operand multiplies,
    # and promotes).
    def call(m: Any, first: tuple, second: tuple) -> Any:
        return m.inner(
            m.ones(first[1], dtype=getattr(m, first[0])),
            m.ones(second[1], dtype=getattr(m, second[0])),
        )

    with pytest.raises(RuntimeError, match="same dtype"):
        call(torch, a, b)
    with pytest.raises(RuntimeError, match=r"same dtype.*Fix"):
        call(ag, a, b)
    assert ag.inner(ag.ones(3), ag.tensor(2.0, dtype=ag.float64)).dtype is ag.float32


# Regression: trace of a bool tensor summed it as int64, where torch has no kernel; einsum
# without operands raised a RuntimeError, where torch raises ValueError.
@pytest.mark.parametrize(
    "call",
    [
        lambda lib, x: lib.trace(x[:, :2]),
        lambda lib, x: x[:, :2].trace(),
        lambda lib, x: lib.trace(x[0]),
        lambda lib, x: lib.einsum(x),
        lambda lib, x: lib.einsum("ij"),
        lambda lib, x: lib.einsum("ij", []),
    ],
)
@pytest.mark.parametrize("dtype", ["bool", "uint8", "float16"])
def test_takes_the_dtypes_and_arguments_torch_takes(call: Any, dtype: str) -> None:
    oracle.assert_refused_as_torch(call, dtype)


# Regression (emptygrid): matrix functions of empty matrices. inner of (3, 0) operands failed to
# reshape; pinverse / linalg.pinv of an empty matrix (and so lstsq's solution) was not in the
# graph (torch's requires grad, with an empty gradient); linalg.eig's backward of 0 x 0
# matrices raised NumPy's ValueError.
EMPTY_MATRIX_CASES = [
    ("inner", lambda L, x: L.inner(x, x * 2), [(3, 0), (0, 0), (2, 0, 0)]),
    ("inner_transposed", lambda L, x: L.inner(x, x.mT), [(0, 0), (3, 0)]),
    ("pinverse", lambda L, x: L.pinverse(x), [(0, 3), (3, 0), (2, 0, 0)]),
    ("pinv", lambda L, x: L.linalg.pinv(x), [(0, 3), (0, 0)]),
    ("pinv_hermitian", lambda L, x: L.linalg.pinv(x, hermitian=True), [(0, 0)]),
    ("lstsq", lambda L, x: L.linalg.lstsq(x, x * 2).solution, [(0, 3), (3, 0), (2, 0, 3)]),
    ("eig", lambda L, x: L.linalg.eig(x), [(0, 0), (2, 0, 0)]),
    ("eigvals", lambda L, x: L.linalg.eigvals(x), [(0, 0)]),
    ("matmul", lambda L, x: x @ x.mT, [(3, 0), (0, 3), (2, 0, 3)]),
    ("matrix_norm_fro", lambda L, x: L.linalg.matrix_norm(x), [(3, 0), (2, 0, 0)]),
    ("det", lambda L, x: L.linalg.det(x), [(0, 0), (2, 0, 0)]),
    ("inv", lambda L, x: L.linalg.inv(x), [(0, 0)]),
]


@shape_cases(EMPTY_MATRIX_CASES)
def test_matrix_functions_of_empty_matrices_as_torch(call: Any, shape: tuple[int, ...]) -> None:
    assert_like_torch_on(call, shape)


@pytest.mark.parametrize(
    "shapes, dims",
    [
        (((1, 3, 3), (1, 3, 3)), 2),  # a size-1 contracted dimension of b broadcasts
        (((2, 3), (1, 3)), ([0], [0])),
        (((1, 3, 4), (2, 3, 5)), ([0, 1], [0, 1])),  # (of a)
        (((2, 3, 4), (1, 3, 1, 5)), ([0, 2], [2, 0])),
        (((2, 3), (3, 3)), ([0], [0])),  # sizes 2 and 3: torch's RuntimeError
    ],
)
def test_tensordot_broadcasts_size_one_contracted_dimensions_as_torch(
    shapes: tuple[tuple[int, ...], ...], dims: Any
) -> None:
    # arraygrad refused contracted sizes that differ where one is 1; torch sums the other
    # operand over that dimension first
    rng = np.random.default_rng(0)
    data = [rng.standard_normal(shape) for shape in shapes]
    outcomes = []
    for L in (torch, ag):
        a, b = (L.tensor(d, requires_grad=True) for d in data)
        try:
            result = L.tensordot(a, b, dims=dims)
        except RuntimeError as error:
            outcomes.append(str(error).split(" (shapes")[0])
            continue
        result.backward(L.tensor(np.arange(result.numel(), dtype=float).reshape(result.shape)))
        outcomes.append([result.detach().numpy(), a.grad.numpy(), b.grad.numpy()])
    if isinstance(outcomes[0], str) or isinstance(outcomes[1], str):
        assert outcomes[1] == outcomes[0]
    else:
        for theirs, ours in zip(*outcomes, strict=True):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
