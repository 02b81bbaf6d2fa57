"""The rest of ``torch.linalg`` (cholesky_ex, inv_ex, solve_ex, householder_product and
torch.orgqr, tensorinv, tensorsolve, vander, diagonal) against torch 2.13.0 (values and VJPs)
and finite differences; the ``_ex`` functions' info and values on singular and non
positive-definite matrices, their ``check_errors`` messages and misuse are compared directly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import arraygrad as ag
from tests.ops._helpers import DTYPES, lib, square_grad_fn_names
from tests.ops.test_decompositions import LOOSE, _spd, _squares, side
from tests.oracle import (
    OpSpec,
    check_against_torch,
    outcome_in_each,
    run_gradcheck_case,
    run_torch_case,
)


def _ormqr_shapes(left: bool) -> Any:
    """input (batch, m, n), tau (batch, min(m, n)) and other (batch, m, p) (left) or
    (batch, p, m): any m and n (the reflectors' vectors need not come from geqrf)."""

    def build(t: tuple[int, int, int, int]) -> Any:
        batch, m, n, p = t
        other = (batch, m, p) if left else (batch, p, m)
        return ((batch, m, n), (batch, min(m, n)), other)

    sides = st.integers(1, 4)
    return st.tuples(st.integers(1, 2), sides, sides, sides).map(build)


def _full_rank(a: Any) -> Any:
    """``a + 5 I`` (rectangular ``I``) for entries in [-1, 1], detached: of full rank, so that
    every Householder reflector is fixed by the matrix. In a rank-deficient matrix (hypothesis
    draws ones with all entries equal) the later columns are rounding residues, whose
    reflectors differ between LAPACK builds and CPUs (0.41 against torch's 0 on one machine).
    Adding 0.0 makes -0.0 a 0.0: the builds differ in the sign they give a reflector of a
    column starting with -0.0."""
    rows, columns = a.shape[-2:]
    return a.detach() + 0.0 + 5 * lib(a).eye(rows, columns, dtype=a.dtype)


def _heavy(a: Any) -> Any:
    """``a + 3 I`` for entries in [-1, 1]: invertible and well-conditioned."""
    return a + 3 * lib(a).eye(a.shape[-1], dtype=a.dtype)


def _solve_pair(t: tuple[int, int, int]) -> Any:
    """A (batch, n, n) and B (n, k): the batch dimensions broadcast."""
    return ((t[0], t[1], t[1]), (t[1], t[2]))


def _householder_shapes() -> Any:
    """A (batch, m, n) with m >= n and tau (batch, k) with 1 <= k <= n."""

    def build(t: tuple[int, int, int, int]) -> Any:
        batch, n, extra, k = t
        return ((batch, n + extra, n), (batch, min(k, n)))

    return st.tuples(st.integers(1, 2), side, st.integers(0, 2), side).map(build)


OP_TABLE = {
    "linalg.cholesky_ex": OpSpec(
        lambda a: tuple(lib(a).linalg.cholesky_ex(_spd(a))), low=-1, high=1, shapes=_squares(True)
    ),
    "linalg.cholesky_ex:upper": OpSpec(
        lambda a: tuple(lib(a).linalg.cholesky_ex(_spd(a), upper=True)),
        low=-1,
        high=1,
        shapes=_squares(True),
    ),
    "linalg.inv_ex": OpSpec(
        lambda a: tuple(lib(a).linalg.inv_ex(_heavy(a))), low=-1, high=1, shapes=_squares(True)
    ),
    "linalg.solve_ex": OpSpec(
        lambda a, b: tuple(lib(a).linalg.solve_ex(_heavy(a), b)),
        arity=2,
        low=-1,
        high=1,
        shapes=st.tuples(side, side, side).map(_solve_pair),
    ),
    "linalg.solve_ex:right": OpSpec(
        lambda a, b: tuple(lib(a).linalg.solve_ex(_heavy(a), b.mT[None], left=False)),
        arity=2,
        low=-1,
        high=1,
        shapes=st.tuples(side, side, side).map(_solve_pair),
    ),
    "linalg.solve_ex:vector": OpSpec(
        lambda a, b: tuple(lib(a).linalg.solve_ex(_heavy(a), b)),
        arity=2,
        low=-1,
        high=1,
        shapes=st.tuples(side, side).map(lambda t: ((t[0], t[1], t[1]), (t[0], t[1]))),
    ),
    "linalg.householder_product": OpSpec(
        lambda a, tau: lib(a).linalg.householder_product(a, tau),
        arity=2,
        low=-1,
        high=1,
        shapes=_householder_shapes(),
        **LOOSE,
    ),
    "orgqr": OpSpec(
        lambda a, tau: lib(a).orgqr(a, tau),
        arity=2,
        low=-1,
        high=1,
        shapes=st.tuples(side, st.integers(0, 2)).map(lambda t: ((t[0] + t[1], t[0]), (t[0],))),
        **LOOSE,
    ),
    "orgqr:method": OpSpec(
        lambda a, tau: a.orgqr(tau),
        arity=2,
        low=-1,
        high=1,
        shapes=st.just(((4, 3), (2,))),
        **LOOSE,
    ),
    "geqrf": OpSpec(
        # No derivative in torch (its backward raises).
        lambda a: lib(a).geqrf(_full_rank(a)),
        low=-1,
        high=1,
        shapes=st.tuples(st.integers(1, 2), side, side).map(lambda t: (t,)),
        gradcheck=False,
    ),
    "geqrf:method": OpSpec(
        lambda a: _full_rank(a).geqrf(), low=-1, high=1, min_dims=2, gradcheck=False
    ),
    # tau = 1 exactly makes a reflector singular (I - v v^T with |v| = 1), where PyTorch's
    # backward gives tau a NaN gradient and arraygrad the true one (test below): drawn below 1.
    "ormqr": OpSpec(
        lambda a, tau, c: lib(a).ormqr(a, tau, c),
        arity=3,
        low=-1,
        high=0.99,
        shapes=_ormqr_shapes(left=True),
        **LOOSE,
    ),
    "ormqr:transpose": OpSpec(
        lambda a, tau, c: lib(a).ormqr(a, tau, c, transpose=True),
        arity=3,
        low=-1,
        high=0.99,
        shapes=_ormqr_shapes(left=True),
        **LOOSE,
    ),
    "ormqr:right": OpSpec(
        lambda a, tau, c: lib(a).ormqr(a, tau, c, left=False),
        arity=3,
        low=-1,
        high=0.99,
        shapes=_ormqr_shapes(left=False),
        **LOOSE,
    ),
    "ormqr:right_transpose_method": OpSpec(
        lambda a, tau, c: a.ormqr(tau, c, False, True),
        arity=3,
        low=-1,
        high=0.99,
        shapes=_ormqr_shapes(left=False),
        **LOOSE,
    ),
    "linalg.tensorinv": OpSpec(
        lambda a: lib(a).linalg.tensorinv(_heavy(a).reshape(2, 3, 6), ind=2),
        low=-1,
        high=1,
        shapes=st.just(((6, 6),)),
    ),
    "linalg.tensorinv:ind1": OpSpec(
        lambda a: lib(a).linalg.tensorinv(_heavy(a).reshape(4, 2, 2), ind=1),
        low=-1,
        high=1,
        shapes=st.just(((4, 4),)),
    ),
    "linalg.tensorsolve": OpSpec(
        lambda a, b: lib(a).linalg.tensorsolve(_heavy(a).reshape(6, 2, 3), b),
        arity=2,
        low=-1,
        high=1,
        shapes=st.just(((6, 6), (6,))),
    ),
    "linalg.tensorsolve:dims": OpSpec(
        lambda a, b: lib(a).linalg.tensorsolve(_heavy(a).reshape(2, 3, 2, 3), b, dims=(0,)),
        arity=2,
        low=-1,
        high=1,
        shapes=st.just(((6, 6), (3, 2))),
    ),
    "linalg.vander": OpSpec(
        lambda x: lib(x).linalg.vander(x),
        low=-2,
        high=2,
        shapes=st.tuples(st.integers(1, 3), st.integers(2, 4)).map(lambda t: (t,)),
    ),
    "linalg.vander:N": OpSpec(lambda x: lib(x).linalg.vander(x, N=5), min_dims=1, low=-2, high=2),
    "linalg.diagonal": OpSpec(lambda a: lib(a).linalg.diagonal(a), min_dims=2),
    "linalg.diagonal:dims": OpSpec(
        lambda a: lib(a).linalg.diagonal(a, offset=1, dim1=0, dim2=-1), min_dims=2
    ),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


def _same(mine: Any, theirs: Any) -> None:
    """Equal shapes, dtypes and values, nan for nan and inf for inf of the same sign."""
    assert tuple(mine.shape) == tuple(theirs.shape)
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)


_NOT_PD = [
    [[4.0, 2.0, 1.0], [2.0, 1.0, 0.0], [1.0, 0.0, 3.0]],  # the second minor is singular
    [[1.0, 2.0], [2.0, 1.0]],  # indefinite
    [[-1.0, 2.0], [2.0, 1.0]],  # the first minor is negative
    [[1.0, float("nan")], [float("nan"), 4.0]],  # nan (NumPy's Cholesky takes it)
    [[float("nan")]],
    [[[4.0, 1.0], [1.0, 3.0]], [[1.0, 3.0], [3.0, 1.0]], [[0.0, 0.0], [0.0, 1.0]]],
    np.zeros((2, 0, 0)),
]


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("index", range(len(_NOT_PD)))
def test_cholesky_ex_info_and_partial_factor_match_torch(index: int, upper: bool) -> None:
    """info is the order of the first leading minor that is not positive-definite, and L is
    LAPACK's partial factor (its failing pivot on the diagonal), per batch element."""
    matrix = np.asarray(_NOT_PD[index])
    mine = ag.linalg.cholesky_ex(ag.tensor(matrix), upper=upper)
    theirs = torch.linalg.cholesky_ex(torch.tensor(matrix), upper=upper)
    assert type(mine).__name__ == type(theirs).__name__ == "linalg_cholesky_ex"
    _same(mine.L, theirs.L)
    _same(mine.info, theirs.info)


_SINGULAR = [
    [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]],
    [[0.0, 0.0], [0.0, 0.0]],
    [[1.0, 1.0], [1.0, 1.0]],
    [
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
        [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]],
    ],
    [[2.0, float("nan")], [1.0, 1.0]],  # nan is not singular: LAPACK finds no zero pivot
]


@pytest.mark.parametrize("index", range(len(_SINGULAR)))
def test_inv_ex_and_solve_ex_info_and_values_match_torch(index: int) -> None:
    """info is the first zero pivot of A's LU (of A, also for left=False), and the result
    holds the failed solve's inf and nan where torch's does."""
    matrix = np.asarray(_SINGULAR[index])
    n = matrix.shape[-1]
    rhs = np.arange(1.0, 2 * n + 1).reshape(n, 2)
    calls = [
        lambda m, a: m.linalg.inv_ex(a),
        lambda m, a: m.linalg.solve_ex(a, m.tensor(rhs)),
        lambda m, a: m.linalg.solve_ex(a, m.tensor(rhs[:, 0])),
        lambda m, a: m.linalg.solve_ex(a, m.tensor(rhs.T[None]), left=False),
    ]
    for call in calls:
        mine, theirs = call(ag, ag.tensor(matrix)), call(torch, torch.tensor(matrix))
        assert type(mine).__name__ == type(theirs).__name__
        _same(mine[0], theirs[0])
        _same(mine[1], theirs[1])


def test_ex_results_are_named_like_torch() -> None:
    a = ag.eye(2, dtype=ag.float64)
    assert ag.linalg.cholesky_ex(a)._fields == ("L", "info")
    assert ag.linalg.inv_ex(a)._fields == ("inverse", "info")
    assert ag.linalg.solve_ex(a, a)._fields == ("result", "info")


def test_ex_gradients_flow_to_the_good_matrices_of_a_batch() -> None:
    """A failing batch element gives no error, and the others keep torch's gradient."""
    good = np.array([[4.0, 1.0], [1.0, 3.0]])
    bad = np.array([[1.0, 2.0], [2.0, 4.0]])  # singular, and not positive-definite
    cotangent = np.array([[0.3, -1.2], [0.7, 2.0]])
    calls = [
        lambda m, a: m.linalg.cholesky_ex(a).L,
        lambda m, a: m.linalg.inv_ex(a).inverse,
        lambda m, a: m.linalg.solve_ex(a, m.ones(2, 2, dtype=a.dtype)).result,
    ]
    for call in calls:
        grads = []
        for m in (torch, ag):
            a = m.tensor(np.stack([good, bad]), requires_grad=True)
            (call(m, a)[0] * m.tensor(cotangent)).sum().backward()
            grads.append(np.asarray(a.grad.numpy()))
        np.testing.assert_allclose(grads[1][0], grads[0][0], rtol=1e-12)


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda m: m.linalg.cholesky_ex(m.tensor([[1.0, 2.0], [2.0, 1.0]]), check_errors=True),
            r"^linalg.cholesky_ex: The factorization could not be completed because the input is "
            r"not positive-definite \(the leading minor of order 2 is not positive-definite\)",
        ),
        (
            lambda m: m.linalg.cholesky_ex(
                m.stack([m.eye(2), -m.eye(2)]), upper=True, check_errors=True
            ),
            r"^linalg.cholesky_ex: \(Batch element 1\): The factorization could not be completed "
            r"because the input is not positive-definite \(the leading minor of order 1",
        ),
        (
            lambda m: m.linalg.inv_ex(m.stack([m.eye(2), m.ones(2, 2)]), check_errors=True),
            r"^linalg.inv_ex: \(Batch element 1\): The diagonal element 2 is zero, the "
            r"inversion could not be completed because the input matrix is singular.",
        ),
        (
            lambda m: m.linalg.solve_ex(m.ones(2, 2), m.ones(2), check_errors=True),
            r"^torch.linalg.solve_ex: The solver failed because the input matrix is singular.",
        ),
    ],
)
def test_check_errors_raise_torchs_linalg_error(call: Any, message: str) -> None:
    with pytest.raises(torch.linalg.LinAlgError, match=message):
        call(torch)
    with pytest.raises(ag.linalg.LinAlgError, match=message):
        call(ag)


ERRORS = [
    lambda m: m.linalg.cholesky_ex(m.ones(2, 3)),
    lambda m: m.linalg.cholesky_ex(m.ones(2, 2, dtype=m.int64)),
    lambda m: m.linalg.cholesky_ex(m.eye(2, dtype=m.float16)),
    lambda m: m.linalg.inv_ex(m.ones(2)),
    lambda m: m.linalg.inv_ex(m.ones(2, 3)),
    lambda m: m.linalg.inv_ex(m.ones(2, 2, dtype=m.int64)),
    lambda m: m.linalg.inv_ex(m.eye(2, dtype=m.float16)),
    lambda m: m.linalg.solve_ex(m.ones(2, 3), m.ones(3)),
    lambda m: m.linalg.solve_ex(m.eye(2), m.ones(3)),
    lambda m: m.linalg.solve_ex(m.eye(2), m.ones(2, dtype=m.float64)),
    lambda m: m.linalg.solve_ex(m.eye(2), m.ones(2), left=False),
    lambda m: m.linalg.solve(m.eye(2), m.ones(2, dtype=m.float64)),
    lambda m: m.linalg.solve(m.eye(2), m.ones(2), left=False),
    lambda m: m.linalg.solve(m.ones(3, 2, 2), m.ones(3, 2), left=False),
    lambda m: m.linalg.householder_product(m.ones(3), m.ones(2)),
    lambda m: m.linalg.householder_product(m.ones(2, 3), m.ones(2)),
    lambda m: m.linalg.householder_product(m.ones(3, 2), m.ones(3)),
    lambda m: m.linalg.householder_product(m.ones(3, 2), m.ones(())),
    lambda m: m.linalg.householder_product(m.ones(2, 3, 2), m.ones(2)),
    lambda m: m.linalg.householder_product(m.ones(2, 3, 2), m.ones(3, 2)),
    lambda m: m.linalg.householder_product(m.ones(3, 2), m.ones(2, dtype=m.float64)),
    lambda m: m.linalg.householder_product(m.ones(3, 2, dtype=m.int64), m.ones(2, dtype=m.int64)),
    lambda m: m.orgqr(m.ones(3, 2, dtype=m.float16), m.ones(2, dtype=m.float16)),
    lambda m: m.linalg.tensorinv(m.eye(4).reshape(4, 2, 2), ind=0),
    lambda m: m.linalg.tensorinv(m.ones(4, 3, 2), ind=1),
    lambda m: m.linalg.tensorinv(m.eye(4).reshape(4, 2, 2), ind=3),
    lambda m: m.linalg.tensorinv(m.eye(4).reshape(4, 2, 2), ind=1.5),
    lambda m: m.linalg.tensorinv(m.zeros(4, 2, 2), ind=1),
    lambda m: m.linalg.tensorinv(m.eye(4, dtype=m.int64).reshape(4, 2, 2), ind=1),
    lambda m: m.linalg.tensorsolve(m.eye(6).reshape(6, 2, 3), m.ones(4)),
    lambda m: m.linalg.tensorsolve(m.eye(6).reshape(6, 2, 3), m.ones(2, 3)),
    lambda m: m.linalg.tensorsolve(m.eye(6).reshape(2, 3, 6), m.ones(6), dims=0),
    lambda m: m.linalg.tensorsolve(m.ones(2, 3), m.ones(3)),
    lambda m: m.linalg.tensorsolve(m.zeros(6, 2, 3), m.ones(6)),
    lambda m: m.linalg.tensorsolve(m.eye(6).reshape(6, 2, 3), m.ones(6, dtype=m.float64)),
    lambda m: m.linalg.vander(m.tensor([True, False])),
    lambda m: m.linalg.vander(m.ones(3, dtype=m.float16)),
    lambda m: m.linalg.vander(m.ones(2), N=1),
    lambda m: m.linalg.vander(m.ones(2, 0)),
    lambda m: m.linalg.vander(m.tensor(2.0)),
    lambda m: m.linalg.diagonal(m.ones(3)),
    lambda m: m.linalg.diagonal(m.ones(2, 3), 1),
    lambda m: m.geqrf(m.ones(3)),
    lambda m: m.geqrf(m.ones(3, 3, dtype=m.int64)),
    lambda m: m.ormqr(m.ones(4, 3), m.ones(3), m.ones(3, 2)),
    lambda m: m.ormqr(m.ones(4, 3), m.ones(3), m.ones(4)),
    lambda m: m.ormqr(m.ones(4, 3), m.ones(2), m.ones(4, 2)),
    lambda m: m.ormqr(m.ones(4, 3), m.ones(4), m.ones(4, 2)),
    lambda m: m.ormqr(m.ones(4, 3), m.ones(3), m.ones(2, 3), left=False),
    lambda m: m.ormqr(m.ones(4, 3), m.ones(3, dtype=m.float64), m.ones(4, 2)),
    lambda m: m.ormqr(m.ones(2, 4, 3), m.ones(3, 3), m.ones(2, 4, 2)),
    lambda m: m.ormqr(m.ones(3), m.ones(3), m.ones(3, 2)),
]


@pytest.mark.parametrize("index", range(len(ERRORS)))
def test_errors_match_torch(index: int) -> None:
    with pytest.raises(Exception) as theirs:
        ERRORS[index](torch)
    with pytest.raises(Exception) as mine:
        ERRORS[index](ag)
    # torch's LinAlgError is its own class; arraygrad's is linalg.LinAlgError (both RuntimeErrors)
    expected = type(theirs.value)
    if expected is torch.linalg.LinAlgError:
        expected = ag.linalg.LinAlgError
    assert type(mine.value) is expected, (mine.value, theirs.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.linalg.vander(m.tensor([1, 2, 3])),
        lambda m: m.linalg.vander(m.tensor([1, -2], dtype=m.int8), N=4),
        lambda m: m.linalg.vander(m.tensor(2.0), N=3),
        lambda m: m.linalg.vander(m.zeros(2, 3, dtype=m.float64), N=3),
        # complex points gave int64 powers (linalg fuzzer, seed 2495)
        lambda m: m.linalg.vander(m.tensor([1 + 2j, -0.5j], dtype=m.complex64), N=3),
        lambda m: m.linalg.householder_product(m.ones(0, 0), m.ones(0)),
        lambda m: m.linalg.householder_product(m.ones(2, 3, 2), m.ones(2, 0)),
        lambda m: m.linalg.cholesky_ex(m.zeros(2, 0, 0)).info,
        lambda m: m.linalg.inv_ex(m.zeros(2, 0, 0)).info,
        lambda m: m.linalg.solve_ex(m.eye(2), m.ones(3, 2, 2)).info,
        lambda m: m.linalg.solve_ex(m.eye(2).expand(3, 1, 2, 2), m.ones(4, 2, 2)).info,
    ],
)
def test_edge_values_match_torch(call: Any) -> None:
    _same(call(ag), call(torch))


def test_geqrf_gives_torchs_factors_and_ormqr_rebuilds_the_matrix() -> None:
    rng = np.random.default_rng(4)
    for shape in [(5, 3), (3, 5), (2, 4, 4), (0, 3), (3, 0)]:
        a = rng.standard_normal(shape)
        mine, theirs = ag.geqrf(ag.tensor(a)), torch.geqrf(torch.tensor(a))
        assert type(mine).__name__ == "geqrf" and mine._fields == ("a", "tau")
        np.testing.assert_allclose(mine.a.numpy(), theirs.a.numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(mine.tau.numpy(), theirs.tau.numpy(), rtol=1e-12, atol=1e-12)
        if 0 in shape:
            continue
        r = ag.triu(mine.a)[..., : shape[-2], :]
        m = shape[-2]
        q = ag.ormqr(mine.a, mine.tau, ag.eye(m, dtype=ag.float64).expand(*shape[:-2], m, m))
        np.testing.assert_allclose((q @ r).numpy(), a, atol=1e-12)


def test_vander_gradient_at_zero_matches_torch() -> None:
    check_against_torch(lambda x: lib(x).linalg.vander(x, N=4), None, [np.array([0.0, 1.5, -2.0])])


def test_ormqr_gradient_at_a_singular_reflector_is_finite() -> None:
    # c (I - tau v v^T) with v = [1] and tau = 1 is c * 0: its derivative in tau is -c = -2.
    # PyTorch's backward gives NaN there; arraygrad gives the derivative.
    a = ag.zeros(1, 1, 1, dtype=ag.float64, requires_grad=True)
    tau = ag.ones(1, 1, dtype=ag.float64, requires_grad=True)
    c = ag.full((1, 1, 1), 2.0, dtype=ag.float64, requires_grad=True)
    ag.ormqr(a, tau, c, left=False).sum().backward()
    assert tau.grad is not None and tau.grad.tolist() == [[-2.0]]


@pytest.mark.parametrize(
    "call",
    [
        lambda m, a, b: m.linalg.inv(a),
        lambda m, a, b: m.inverse(a[1]),
        lambda m, a, b: m.linalg.matrix_power(a.to(m.complex128), -2),
        lambda m, a, b: m.linalg.solve(a, a[0]),
        lambda m, a, b: m.linalg.solve(a, a, left=False),
        lambda m, a, b: m.linalg.cholesky(b),
        lambda m, a, b: m.cholesky(b[1], upper=True),
    ],
)
def test_singular_and_indefinite_errors_name_the_matrix_like_torch(call: Any) -> None:
    # inv, solve and cholesky raised a message of their own, without torch's batch element,
    # zero pivot or leading minor (linalg fuzzer, seeds 239, 497, 1858); the _ex functions'
    # check_errors had them
    a = np.stack([np.eye(3), np.eye(3)])
    a[1, :, 1] = 0
    b = np.stack([np.eye(3), np.diag([1.0, 4.0, -1.0])])
    with pytest.raises(torch.linalg.LinAlgError) as theirs:
        call(torch, torch.tensor(a), torch.tensor(b))
    with pytest.raises(ag.linalg.LinAlgError) as mine:
        call(ag, ag.tensor(a), ag.tensor(b))
    assert str(mine.value).split(" Fix: ")[0] == str(theirs.value)
    assert "Fix: " in str(mine.value)


@pytest.mark.parametrize("name", ["linalg.householder_product", "orgqr"])
def test_householder_product_of_no_reflectors_is_recorded_like_torch(name: str) -> None:
    # with tau of length 0 the identity was returned unrecorded: a backward through it found
    # no path (RuntimeError) where torch's gives zero (None) gradients (linalg fuzzer, seed 54)
    rng = np.random.default_rng(0)
    a, tau = rng.standard_normal((2, 3, 2)), np.zeros((2, 0))
    grads = []
    for L in (torch, ag):
        inputs = [L.tensor(a, requires_grad=True), L.tensor(tau, requires_grad=True)]
        fn = L.linalg.householder_product if name.startswith("linalg") else L.orgqr
        out = fn(*inputs)
        assert out.requires_grad
        grads.append(L.autograd.grad(out, inputs, L.ones_like(out), allow_unused=True))
    for mine, theirs in zip(grads[1], grads[0], strict=True):
        assert theirs is None and not np.any(mine.numpy())


@pytest.mark.parametrize(
    "call",
    [
        # a singular A and a B without columns: the substitution read B's first entry
        # (IndexError; linalg fuzzer, seeds 861, 1473)
        lambda m, a: m.linalg.solve_ex(a, m.zeros(3, 0, dtype=m.float64)),
        lambda m, a: m.linalg.solve_ex(a.expand(2, 3, 3), m.zeros(2, 3, 0, dtype=m.float64)),
        lambda m, a: m.linalg.solve_ex(a, m.zeros(2, 3, 0, dtype=m.float64), check_errors=True),
        # left=False takes no batch of vectors (seeds 1598, 1703)
        lambda m, a: m.linalg.solve_ex(m.eye(2).expand(2, 2, 2), m.ones(2, 2), left=False),
        lambda m, a: m.linalg.solve_ex(m.zeros(0, 1, 1), m.zeros(0, 1), left=False),
    ],
)
def test_solve_ex_of_unusual_shapes_matches_torch(call: Any) -> None:
    a = np.diag([1.0, 0.0, 2.0])
    theirs, mine = outcome_in_each(lambda m: call(m, m.tensor(a)), (RuntimeError, IndexError))
    if isinstance(theirs, str):
        assert mine == theirs.lstrip("_")
    else:
        _same(mine.result, theirs.result)
        _same(mine.info, theirs.info)


# Regression (parity_linalg): LinalgCholeskyBackward0 / WhereBackward0, the Householder
# products' SubBackward0 and MmBackward0, vander's CumprodBackward0
@pytest.mark.parametrize(
    "expression",
    [
        "lib.linalg.cholesky_ex(a)[0]",
        "lib.linalg.cholesky_ex(a - 3)[0]",
        "lib.linalg.householder_product(x.t(), x[0, :2])",
        "lib.linalg.householder_product(x.t(), x[0, :0])",
        "lib.orgqr(x.t(), x[0, :2])",
        "lib.ormqr(a, a[0], a)",
        "lib.linalg.vander(x[0])",
    ],
)
def test_grad_fn_names_as_torch(expression: str) -> None:
    mine, theirs = square_grad_fn_names(expression)
    assert mine == theirs


def test_geqrf_of_a_complex_input_requiring_grad_raises_as_torch() -> None:
    # Regression (parity_linalg): arraygrad recorded it; torch refuses (no complex derivative),
    # and computes it under no_grad
    errors = []
    for L in (torch, ag):
        z = L.tensor([[1.0 + 1j, 2.0], [0.5j, 1.0]], requires_grad=True)
        with pytest.raises(RuntimeError) as caught:
            L.geqrf(z)
        errors.append(str(caught.value))
        with L.no_grad():
            assert not L.geqrf(z)[0].requires_grad
    assert errors[1].startswith(errors[0]) and "Fix:" in errors[1]
