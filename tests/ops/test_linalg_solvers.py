"""Functions built on the decompositions and on triangular solves (spectral and nuclear matrix
norms, cond, matrix_rank, solve_triangular, cholesky_solve, cholesky_inverse, lstsq, multi_dot,
vecdot and the linalg aliases slogdet, matrix_power, pinv) against torch 2.13.0 (values and
VJPs) and finite differences; ranks, lstsq's fields and misuse are compared directly.
"""

from __future__ import annotations

import math
import subprocess
import sys
import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import arraygrad as ag
from tests.ops._helpers import DTYPES, lib
from tests.ops.test_decompositions import (
    LOOSE,
    _distinct_singular,
    _full_rank,
    _rectangles,
    _separated,
    _squares,
    side,
)
from tests.oracle import (
    OpSpec,
    check_against_torch,
    gradcheck,
    outcome_in_each,
    run_gradcheck_case,
    run_torch_case,
)


def _triangular_pair(t: tuple[int, int, int]) -> Any:
    """A (batch, n, n) and B (n, k): the batch dimensions broadcast."""
    return ((t[0], t[1], t[1]), (t[1], t[2]))


def _diagonal_heavy(a: Any) -> Any:
    """``a + 3 I`` for entries in [-1, 1]: both triangles are well-conditioned."""
    return a + 3 * lib(a).eye(a.shape[-1], dtype=a.dtype)


def _default_or_gelsd(a: Any) -> str | None:
    """arraygrad's default driver, and ``gelsd`` for torch: torch 2.13's ``gelsy`` (its CPU
    default) reads memory it never initialised, so its answer can change from call to call
    (pytorch#71222; ``A = eye(5)`` with its first row zeroed gets rank 0 or 4 at random). Once
    in CI it gave a non-solution for a full-rank 2 x 3 ``A``. Every driver's solution is the
    minimum-norm one, ``pinv(A) B``; ``gelsd`` computes it through the SVD, deterministically."""
    return None if lib(a) is ag else "gelsd"


SOLVER_TABLE = {
    "matrix_norm:2": OpSpec(
        lambda a: lib(a).linalg.matrix_norm(_distinct_singular(a), 2),
        low=-1,
        high=1,
        shapes=_rectangles(True),
        **LOOSE,
    ),
    "matrix_norm:-2_dims_keepdim": OpSpec(
        lambda a: lib(a).linalg.matrix_norm(
            _distinct_singular(a).permute(1, 2, 0), -2, dim=(-3, -2), keepdim=True
        ),
        low=-1,
        high=1,
        shapes=st.tuples(side, side, side).map(lambda t: ((t[0], t[1], t[2]),)),
        **LOOSE,
    ),
    "matrix_norm:nuc": OpSpec(
        lambda a: lib(a).linalg.matrix_norm(_distinct_singular(a), "nuc", keepdim=True),
        low=-1,
        high=1,
        shapes=_rectangles(True),
        **LOOSE,
    ),
    "norm:2": OpSpec(
        lambda a: lib(a).linalg.norm(_distinct_singular(a), 2),
        low=-1,
        high=1,
        shapes=_rectangles(),
        **LOOSE,
    ),
    "cond": OpSpec(
        lambda a: lib(a).linalg.cond(_distinct_singular(a)),
        low=-1,
        high=1,
        shapes=_rectangles(True),
        **LOOSE,
    ),
    "cond:-2": OpSpec(
        lambda a: lib(a).linalg.cond(_distinct_singular(a), -2),
        low=-1,
        high=1,
        shapes=_rectangles(),
        **LOOSE,
    ),
    "solve_triangular:upper": OpSpec(
        lambda a, b: lib(a).linalg.solve_triangular(_diagonal_heavy(a), b, upper=True),
        arity=2,
        low=-1,
        high=1,
        shapes=st.tuples(side, side, side).map(_triangular_pair),
        **LOOSE,
    ),
    "solve_triangular:lower_right": OpSpec(
        lambda a, b: lib(a).linalg.solve_triangular(
            _diagonal_heavy(a), b.mT, upper=False, left=False
        ),
        arity=2,
        low=-1,
        high=1,
        shapes=st.tuples(side, side, side).map(_triangular_pair),
        **LOOSE,
    ),
    "solve_triangular:unitriangular": OpSpec(
        lambda a, b: lib(a).linalg.solve_triangular(a, b, upper=False, unitriangular=True),
        arity=2,
        low=-1,
        high=1,
        shapes=st.tuples(side, side, side).map(_triangular_pair),
        **LOOSE,
    ),
    "cholesky_solve": OpSpec(
        lambda a, b: lib(a).cholesky_solve(b, _diagonal_heavy(a.tril())),
        arity=2,
        low=-1,
        high=1,
        shapes=st.tuples(side, side, side).map(_triangular_pair),
        **LOOSE,
    ),
    "cholesky_solve:upper": OpSpec(
        lambda a, b: lib(a).cholesky_solve(b, _diagonal_heavy(a.triu()), upper=True),
        arity=2,
        low=-1,
        high=1,
        shapes=st.tuples(side, side).map(lambda t: ((t[0], t[0]), (t[0], t[1]))),
        **LOOSE,
    ),
    "cholesky_inverse": OpSpec(
        lambda a: lib(a).cholesky_inverse(_diagonal_heavy(a.tril())),
        low=-1,
        high=1,
        shapes=_squares(True),
        **LOOSE,
    ),
    # a full input: torch reads one triangle, but its gradient multiplies by the whole input
    # (not the finite differences'), so torch is the only oracle
    "cholesky_inverse:full_input": OpSpec(
        lambda a: lib(a).cholesky_inverse(_diagonal_heavy(a)),
        low=-1,
        high=1,
        shapes=_squares(True),
        gradcheck=False,
        **LOOSE,
    ),
    "cholesky_solve:full_input": OpSpec(
        lambda a, b: lib(a).cholesky_solve(b, _diagonal_heavy(a), upper=True),
        arity=2,
        low=-1,
        high=1,
        shapes=st.tuples(side, side).map(lambda t: ((t[0], t[0]), (t[0], t[1]))),
        gradcheck=False,
        **LOOSE,
    ),
    "cholesky_solve:method": OpSpec(
        lambda a, b: b.cholesky_solve(_diagonal_heavy(a.tril())),
        arity=2,
        low=-1,
        high=1,
        shapes=st.tuples(side, side).map(lambda t: ((t[0], t[0]), (t[0], t[1]))),
        **LOOSE,
    ),
    "cholesky_inverse:method": OpSpec(
        lambda a: _diagonal_heavy(a.tril()).cholesky_inverse(),
        low=-1,
        high=1,
        shapes=_squares(),
        **LOOSE,
    ),
    "cholesky_inverse:upper": OpSpec(
        lambda a: lib(a).cholesky_inverse(_diagonal_heavy(a.triu()), True),
        low=-1,
        high=1,
        shapes=_squares(),
        **LOOSE,
    ),
    "multi_dot": OpSpec(
        lambda a, b, c: lib(a).linalg.multi_dot([a, b, c]),
        arity=3,
        shapes=st.tuples(side, side, side, side).map(
            lambda t: ((t[0], t[1]), (t[1], t[2]), (t[2], t[3]))
        ),
    ),
    "multi_dot:vectors": OpSpec(
        lambda a, b, c: lib(a).linalg.multi_dot([a, b, c]),
        arity=3,
        shapes=st.tuples(side, side).map(lambda t: ((t[0],), (t[0], t[1]), (t[1],))),
    ),
    # (broadcasting shapes; two 1-D inputs go through torch's dot, which does not broadcast)
    "vecdot": OpSpec(lambda a, b: lib(a).linalg.vecdot(a, b), arity=2, min_dims=2),
    "vecdot:vectors": OpSpec(
        lambda a, b: lib(a).linalg.vecdot(a, b), arity=2, shapes=side.map(lambda n: ((n,), (n,)))
    ),
    # (torch's dot of two vectors reads no dim: any is the vector's; arraygrad's IndexError)
    "vecdot:vectors_any_dim": OpSpec(
        lambda a, b: lib(a).linalg.vecdot(a, b, dim=1),
        arity=2,
        shapes=side.map(lambda n: ((n,), (n,))),
    ),
    "vecdot:dim": OpSpec(
        lambda a, b: lib(a).linalg.vecdot(a, b, dim=0),
        arity=2,
        shapes=st.tuples(side, side).map(lambda t: ((t[0], t[1]), (t[0], 1))),
    ),
    "linalg.slogdet": OpSpec(
        lambda a: tuple(lib(a).linalg.slogdet(_diagonal_heavy(a))),
        low=-1,
        high=1,
        shapes=_squares(True),
    ),
    "linalg.matrix_power": OpSpec(
        lambda a: lib(a).linalg.matrix_power(a, 3), low=-1, high=1, shapes=_squares(True)
    ),
    "linalg.pinv": OpSpec(
        lambda a: lib(a).linalg.pinv(_full_rank(a)), low=-1, high=1, shapes=_rectangles(True)
    ),
    "linalg.lstsq": OpSpec(
        lambda a, b: lib(a).linalg.lstsq(_full_rank(a), b, driver=_default_or_gelsd(a)).solution,
        arity=2,
        low=-1,
        high=1,
        shapes=st.tuples(side, side, side).map(lambda t: ((2, t[0], t[1]), (2, t[0], t[2]))),
        **LOOSE,
    ),
    "linalg.lstsq:vector_gelsd": OpSpec(
        lambda a, b: tuple(lib(a).linalg.lstsq(_full_rank(a), b, driver="gelsd")[:2]),
        arity=2,
        low=-1,
        high=1,
        shapes=st.tuples(side, side).map(lambda t: ((t[0] + t[1], t[1]), (t[0] + t[1],))),
        **LOOSE,
    ),
}
# OP_TABLE's rows also run on array_api_strict (tests/test_array_api_strict.py). pinv and lstsq
# need a linalg.pinv that arraygrad's strict namespace lacks, and slogdet (an alias of
# arraygrad.slogdet, whose own rows cover array_api_strict) is being reworked there: they run
# here only, on NumPy.
NEEDS_PINV = ("linalg.pinv", "linalg.lstsq", "linalg.lstsq:vector_gelsd", "linalg.slogdet")
OP_TABLE = {name: spec for name, spec in SOLVER_TABLE.items() if name not in NEEDS_PINV}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(SOLVER_TABLE))
@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_solvers_match_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(SOLVER_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(n for n in SOLVER_TABLE if SOLVER_TABLE[n].gradcheck))
@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_solvers_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(SOLVER_TABLE[name], data.draw)


# torch 2.13 cannot differentiate cond for these p (its backward fails on an in-place write), so
# torch checks the values and finite differences the gradients
COND_CASES = {
    "fro": lambda a: lib(a).linalg.cond(_diagonal_heavy(a), "fro"),
    "nuc": lambda a: lib(a).linalg.cond(_separated(a), "nuc"),
    "inf": lambda a: lib(a).linalg.cond(_diagonal_heavy(a), float("inf")),
    "-1": lambda a: lib(a).linalg.cond(_diagonal_heavy(a), -1),
}


@pytest.mark.parametrize("name", sorted(COND_CASES))
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1)])
def test_cond_matches_torch(name: str, shape: tuple[int, ...]) -> None:
    x = np.random.default_rng(5).uniform(-0.9, 0.9, shape)
    check_against_torch(COND_CASES[name], None, [x], grad=False)
    check_against_torch(COND_CASES[name], None, [x.astype(np.float32)], grad=False, rtol=1e-5)
    gradcheck(COND_CASES[name], [x])


@pytest.mark.parametrize("p", ["fro", "nuc", 1, -1, float("inf"), float("-inf"), None, -2])
@pytest.mark.parametrize(
    "matrix",
    [
        [[1.0, 0.0], [0.0, 0.0]],  # exactly singular
        [[1.0, 2.0], [2.0, 4.0]],  # LU meets a zero pivot
        [[[1.0, 0.5], [0.5, 2.0]], [[3.0, 0.0], [0.0, 0.0]]],  # one singular matrix in a batch
    ],
)
def test_cond_of_singular_matrices_matches_torch(matrix: Any, p: Any) -> None:
    """Singular matrices have condition inf (torch marks the inverse's failure), not an error."""
    mine = ag.linalg.cond(ag.tensor(matrix, dtype=ag.float64), p).numpy()
    theirs = torch.linalg.cond(torch.tensor(matrix, dtype=torch.float64), p).numpy()
    assert mine.shape == theirs.shape
    np.testing.assert_array_equal(np.isinf(mine), np.isinf(theirs))
    # the finite ones to rounding (a rank-deficient matrix's s_min is rounding: its nuc is
    # ~1/eps and its cond(-2) ~eps either way)
    finite = np.isfinite(theirs) & (np.abs(theirs) < 1e10)
    np.testing.assert_allclose(mine[finite], theirs[finite], rtol=1e-12, atol=1e-15)


def _symmetric(a: Any) -> Any:
    return a + a.mT


PINV_CASES = {
    # an absolute cut (values and gradients, also where a singular value is dropped)
    "atol": (lambda a: lib(a).linalg.pinv(a, atol=0.5), (3, 2)),
    "atol_drops": (lambda a: lib(a).linalg.pinv(a * lib(a).tensor([1.0, 1e-3]), atol=0.01), (3, 2)),
    "atol_rtol_batch": (lambda a: lib(a).linalg.pinv(a, atol=0.1, rtol=0.3), (2, 3, 3)),
    "atol_zero": (lambda a: lib(a).linalg.pinv(a, atol=0.0), (2, 3)),
    # hermitian: torch's own gradient formula assumes a symmetric input: compared on one
    "hermitian": (lambda a: lib(a).linalg.pinv(_symmetric(a), hermitian=True), (2, 3, 3)),
    "hermitian_atol": (
        lambda a: lib(a).linalg.pinv(_symmetric(a), hermitian=True, atol=0.4),
        (3, 3),
    ),
}


@pytest.mark.parametrize("name", sorted(PINV_CASES))
def test_pinv_tolerances_and_hermitian_match_torch(name: str) -> None:
    fn, shape = PINV_CASES[name]
    x = np.random.default_rng(7).uniform(-1, 1, shape)
    check_against_torch(fn, None, [x])
    check_against_torch(fn, None, [x.astype(np.float32)], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "matrix, kwargs",
    [
        ([[1.0, 0.0], [0.0, 1e-3]], {"atol": 0.01}),
        ([[1.0, 5.0], [0.0, 2.0]], {"hermitian": True}),  # only the lower triangle is read
        ([[1.0, 5.0], [-3.0, 2.0]], {"hermitian": True}),
        ([[1.0, 0.0], [0.0, -1e-3]], {"hermitian": True, "atol": 0.01}),
        ([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 0.1]]], {"atol": [0.5, 0.2]}),
        ([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 0.1]]], {"atol": [0.5, 0.0]}),
        ([[[1.0, 0.0], [0.0, 0.1]]] * 2, {"atol": [0.5, 0.05], "rtol": [0.0, 0.5]}),
        ([[1.0, 0.0], [0.0, 1e-20]], {"atol": 0.0}),
        (np.zeros((0, 3)), {"atol": 0.1}),
    ],
)
def test_pinv_values_match_torch(matrix: Any, kwargs: dict[str, Any]) -> None:
    def run(m: Any) -> Any:
        options = {k: m.tensor(v) if isinstance(v, list) else v for k, v in kwargs.items()}
        return m.linalg.pinv(m.tensor(np.asarray(matrix)), **options)

    mine, theirs = run(ag), run(torch)
    assert tuple(mine.shape) == tuple(theirs.shape)
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-15)


RANK_CASES = [
    (np.array([[1.0, 2.0], [2.0, 4.0]]), {}),
    (np.random.default_rng(4).uniform(-1, 1, (3, 4, 2)), {}),
    (np.diag([1.0, 1e-3, 1e-9]), {}),
    (np.diag([1.0, 1e-3, 1e-9]), {"atol": 1e-2}),
    (np.diag([1.0, 1e-3, 1e-9]), {"rtol": 1e-6}),
    (np.diag([1.0, 1e-3, 1e-9]), {"atol": 1e-2, "rtol": 1e-6}),
    (np.array([[2.0, 1.0], [1.0, -2.0]]), {"hermitian": True}),
    (np.zeros((2, 2)), {}),
    (np.zeros((0, 3)), {}),
    (np.zeros((2, 0, 0)), {}),
    (np.ones((3, 3), dtype=np.float32), {}),
    # NumPy's tol: atol=tol with rtol 0 (so no eps default), hermitian after it
    (np.diag([1.0, 1e-3, 1e-9]), {"tol": 1e-2}),
    (np.diag([1.0, 1e-3, 1e-9]), {"tol": 1e-12}),
    (np.diag([1.0, 1e-3, 1e-9]), {"tol": -1.0}),
    (np.diag([1.0, 1e-3, 1e-16]), {"tol": 0.0}),
    (np.array([[2.0, 1.0], [1.0, -2.0]]), {"tol": 2.0, "hermitian": True}),
    (np.random.default_rng(5).uniform(-1, 1, (3, 4, 2)), {"tol": [[0.1], [1.0], [10.0]]}),
]


def _tensors(lib: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: lib.tensor(v) if isinstance(v, list) else v for k, v in kwargs.items()}


def test_matrix_rank_takes_tol_positionally_with_hermitian() -> None:
    a = np.array([[2.0, 1.0], [1.0, -2.0]]) * np.array([1.0, 1e-3])
    mine = ag.linalg.matrix_rank(ag.tensor(a), 1e-2, True)
    assert mine.item() == torch.linalg.matrix_rank(torch.tensor(a), 1e-2, True).item()


@pytest.mark.parametrize(
    "kwargs", [{"tol": 1e-2, "atol": 1e-3}, {"tol": 1e-2, "rtol": 1e-3}, {"tol": None}]
)
def test_matrix_rank_refuses_tol_with_atol_or_rtol_as_torch(kwargs: dict[str, Any]) -> None:
    with pytest.raises(TypeError) as want:
        torch.linalg.matrix_rank(torch.eye(2), **kwargs)
    with pytest.raises(TypeError) as got:
        ag.linalg.matrix_rank(ag.eye(2), **kwargs)
    head = "linalg_matrix_rank() received an invalid combination of arguments - got "
    assert str(want.value).startswith(head) and str(got.value).startswith(head)
    assert "Fix:" in str(got.value)


@pytest.mark.parametrize("index", range(len(RANK_CASES)))
def test_matrix_rank_matches_torch(index: int) -> None:
    x, kwargs = RANK_CASES[index]
    mine = ag.linalg.matrix_rank(ag.tensor(x), **_tensors(ag, kwargs))
    theirs = torch.linalg.matrix_rank(torch.tensor(x), **_tensors(torch, kwargs))
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(mine.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize(
    "shapes",
    [
        ((4, 2), (4, 3)),
        ((2, 4), (2, 3)),
        ((4, 2), (4,)),
        ((3, 4, 2), (3, 4)),
        ((3, 4, 4), (1, 4, 2)),
    ],
)
def test_lstsq_results_match_torch(driver: str | None, shapes: Any) -> None:
    """Every field of the result (which ones each driver fills, their shapes and dtypes)."""
    rng = np.random.default_rng(6)
    a, b = (rng.standard_normal(shape) for shape in shapes)
    check_against_torch(
        lambda x, y: tuple(lib(x).linalg.lstsq(x, y, driver=driver)), None, [a, b], grad=False
    )


# Regression (fuzz_methods, fixed in ef48cbf by guarding pinv): lstsq of a matrix holding an
# infinity never returned (NumPy's LAPACK gesdd under pinv). torch's solution is all NaN for
# each driver, and gelss's singular values too. torch's gelsd raises an internal assert here, and
# torch's gelsy reads its rank from uninitialised memory, so its solution is NaN on one machine and
# zeros on another (CI saw both): gelsy is held to NaN, not compared with torch.
@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelss"])
def test_lstsq_of_a_matrix_with_an_infinity_returns_torchs_nan(driver: str | None) -> None:
    setup = (
        "x = L.tensor([[1.0, 2.0, 0.5], [float('inf'), 3.0, 1.0], [0.2, 0.1, 4.0]],"
        " dtype=L.float64)\n"
        f"r = L.linalg.lstsq(x, x, driver={driver!r})\n"
    )
    code = (
        "import arraygrad as L\n"
        + setup
        + "print([r.solution.tolist(), r.singular_values.tolist()])"
    )
    try:  # in a child process: a hang is a failure, not a stuck test run
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"lstsq(driver={driver!r}) of a matrix with an infinity did not return")
    mine = eval(run.stdout, {"nan": math.nan, "inf": math.inf})
    if driver == "gelsy":
        assert np.isnan(np.asarray(mine[0])).all(), mine
        return
    namespace: dict[str, Any] = {"L": torch}
    exec(setup, namespace)
    theirs = [namespace["r"].solution.tolist(), namespace["r"].singular_values.tolist()]
    for ours, torchs in zip(mine, theirs, strict=True):
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(torchs))


SOLVER_ERRORS = [
    lambda m: m.linalg.lstsq(m.ones(3, 2), m.ones(3, 2), driver="foo"),
    lambda m: m.linalg.lstsq(m.ones(3, 2), m.ones(2, 2)),
    lambda m: m.linalg.lstsq(m.ones(3, 2), m.ones(2, 3, 2)),
    lambda m: m.linalg.lstsq(m.ones(3, 2), m.ones(3, 2, dtype=m.float64)),
    lambda m: m.linalg.lstsq(m.ones(3), m.ones(3)),
    lambda m: m.linalg.solve_triangular(m.eye(2), m.ones(2), upper=True),
    lambda m: m.linalg.solve_triangular(m.eye(2), m.ones(3, 2), upper=True),
    lambda m: m.linalg.solve_triangular(m.eye(2), m.ones(2, 3), upper=True, left=False),
    lambda m: m.linalg.solve_triangular(m.ones(2, 3), m.ones(2, 2), upper=True),
    lambda m: m.cholesky_solve(m.ones(2), m.eye(2)),
    lambda m: m.cholesky_solve(m.ones(3, 1), m.eye(2)),
    lambda m: m.cholesky_inverse(m.ones(2, 3)),
    lambda m: m.linalg.multi_dot([m.ones(2, 2)]),
    lambda m: m.linalg.multi_dot([m.ones(2, 3), m.ones(2, 3)]),
    lambda m: m.linalg.multi_dot([m.ones(2, 2), m.ones(2), m.ones(2, 2)]),
    lambda m: m.linalg.vecdot(m.ones(2), m.ones(3)),
    lambda m: m.linalg.vecdot(m.ones(1), m.ones(2)),
    lambda m: m.linalg.vecdot(m.ones(2, 2), m.ones(3, 2), dim=0),
    lambda m: m.linalg.vecdot(m.ones(3, dtype=m.int64), m.ones(3, dtype=m.int64)),
    lambda m: m.linalg.vecdot(m.ones(3, dtype=m.bool), m.ones(3, dtype=m.bool)),
    lambda m: m.linalg.vecdot(m.ones(3), m.ones(3, dtype=m.float64)),
    lambda m: m.linalg.vecdot(m.ones(3), m.ones(3, dtype=m.int64)),
    lambda m: m.linalg.eigh(m.ones(2, 2, dtype=m.int64)),
    lambda m: m.linalg.eigvalsh(m.ones(2, 2, dtype=m.float16)),
    lambda m: m.linalg.svd(m.ones(2, 2, dtype=m.float16)),
    lambda m: m.linalg.svdvals(m.ones(2, 2, dtype=m.float16)),
    lambda m: m.linalg.qr(m.ones(2, 2, dtype=m.float16)),
    lambda m: m.linalg.cholesky(m.eye(2, dtype=m.float16)),
    lambda m: m.linalg.cond(m.ones(3)),
    lambda m: m.linalg.cond(m.ones(2, 3), "fro"),
    lambda m: m.linalg.matrix_norm(m.ones(2, 2), 3),
    lambda m: m.linalg.matrix_rank(m.ones(3)),
    # a dtype of the other kind was taken by the orders other than "fro" (linalg fuzzer,
    # seed 1087)
    lambda m: m.linalg.matrix_norm(m.ones(2, 3, 2), -math.inf, dim=(-1, -2), dtype=m.complex128),
    lambda m: m.linalg.matrix_norm(m.ones(2, 2), 1, dtype=m.complex64),
    lambda m: m.linalg.matrix_norm(m.ones(2, 2), "nuc", dtype=m.complex128),
    lambda m: m.linalg.matrix_norm(m.ones(2, 2, dtype=m.complex64), 2, dtype=m.float64),
    lambda m: m.linalg.norm(m.ones(2, 2), math.inf, dtype=m.complex128),
    # dim must name two dimensions; norm's "nuc" takes all of them by default (arraygrad took
    # the last two of any input, and an int dim raised TypeError; seeds 11521, 14455)
    lambda m: m.norm(m.ones(2, 1, 2, 2), p="nuc"),
    lambda m: m.norm(m.ones(1, 2), p="nuc", dim=-1),
    lambda m: m.linalg.matrix_norm(m.ones(2, 2, 2), dim=(0, 1, 2)),
    lambda m: m.linalg.matrix_norm(m.ones(2, 2, 2), "nuc", dim=(0,)),
    lambda m: m.linalg.matrix_norm(m.ones(2, 2, 2), dim=0),
]


@pytest.mark.parametrize("index", range(len(SOLVER_ERRORS)))
def test_solver_errors_match_torch(index: int) -> None:
    fn = SOLVER_ERRORS[index]
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(Exception) as mine:
        fn(ag)
    assert type(mine.value) is type(theirs.value), (mine.value, theirs.value)


# Two 1-D inputs take torch's dot, which reads no dim (any int is accepted, values and
# gradients the vectors' dot); arraygrad wrapped dim against one dimension and raised
# IndexError. A 0-d operand, or a 2-D one, still wraps dim as torch does.
VECDOT_DIMS = [
    ((4,), (4,), 1),
    ((4,), (4,), -2),
    ((4,), (4,), 9),
    ((3,), (3,), 0),
    ((4,), (), 1),
    ((), (), 3),
    ((4,), (1, 4), 1),
    ((2, 4), (4,), -3),
]


@pytest.mark.parametrize(("shape_x", "shape_y", "dim"), VECDOT_DIMS)
def test_vecdot_dim_of_vectors_as_torch(
    shape_x: tuple[int, ...], shape_y: tuple[int, ...], dim: int
) -> None:
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(shape_x), rng.standard_normal(shape_y)

    def run(m: Any) -> Any:
        a = m.tensor(x, requires_grad=True)
        out = m.linalg.vecdot(a, m.tensor(y), dim=dim)
        out.sum().backward()
        return out.detach().numpy().tolist(), a.grad.numpy().tolist()

    theirs, mine = outcome_in_each(run)
    if isinstance(theirs, str) or isinstance(mine, str):  # an exception class's name
        assert mine == theirs
    else:
        np.testing.assert_allclose(mine[0], theirs[0], rtol=1e-12)
        np.testing.assert_allclose(mine[1], theirs[1], rtol=1e-12)


def test_svd_of_non_finite_input_names_the_cause_like_torch() -> None:
    def call(m: Any) -> Any:
        return m.linalg.svd(m.tensor([[1.0, float("nan")], [0.0, 1.0]]))

    with pytest.raises(RuntimeError, match="non-finite values"):  # torch's LinAlgError
        call(torch)
    with pytest.raises(ag.linalg.LinAlgError, match="non-finite values"):
        call(ag)


@pytest.mark.parametrize("shape", [(1, 0), (0, 0), (2, 0, 0), (0, 2, 2), (2, 3, 0)])
@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, math.inf, -math.inf])
def test_cond_of_empty_matrices_matches_torch(shape: tuple[int, ...], p: Any) -> None:
    # torch's condition number of matrices without entries is 0 (fro and nuc still want them
    # square); arraygrad indexed the missing singular values (IndexError) or reshaped the
    # missing inverse (ValueError) (linalg fuzzer, seeds 1536, 2018)
    def call(m: Any) -> Any:
        return m.linalg.cond(m.ones(shape, dtype=m.complex64), p=p)

    theirs, mine = outcome_in_each(call, (RuntimeError, IndexError, ValueError))
    if isinstance(theirs, str):
        assert mine == theirs
    else:
        assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        assert mine.tolist() == theirs.tolist()


@pytest.mark.parametrize("shape", [(0, 4, 2), (3, 0), (0, 3), (2, 3, 0)])
@pytest.mark.parametrize("ord", [2, -2, "nuc"])
def test_spectral_norms_of_empty_matrices_match_torch(shape: tuple[int, ...], ord: Any) -> None:
    # the largest of no singular values is torch's 0; arraygrad's amax raised IndexError
    # (linalg fuzzer, seed 40974); the smallest of none raises in both
    def call(m: Any) -> Any:
        return m.linalg.matrix_norm(m.ones(shape, dtype=m.complex64), ord, dim=(0, -1))

    theirs, mine = outcome_in_each(call)
    if isinstance(theirs, str):
        assert mine == theirs
    else:
        assert tuple(mine.shape) == tuple(theirs.shape) and mine.tolist() == theirs.tolist()


@pytest.mark.parametrize(
    ("a_dtype", "b_dtype"),
    [
        ("float32", "float64"),  # float32, not the promoted float64
        ("float64", "float16"),
        ("float32", "int64"),
        ("float32", "complex64"),  # the imaginary part dropped, with the conversion's warning
        ("float16", "float32"),  # NotImplementedError: no float16 kernel
        ("int64", "float64"),
    ],
)
@pytest.mark.parametrize("left", [True, False])
def test_solve_triangular_solves_in_a_s_dtype_as_torch(
    a_dtype: str, b_dtype: str, left: bool
) -> None:
    # PyTorch converts B to A's dtype (and checks A's dtype for a kernel); B's gradient comes
    # back in B's dtype. Promoting the two gave float64 for a float32 A.
    rng = np.random.default_rng(3)
    a = np.triu(rng.standard_normal((3, 3))) + 3 * np.eye(3)
    b = rng.standard_normal((3, 2)) + 0.5j * rng.standard_normal((3, 2))
    b = b if b_dtype.startswith("complex") else b.real

    def run(lib: Any) -> Any:
        a_t = lib.tensor(a.astype(a_dtype))
        b_t = lib.tensor(b.astype(b_dtype), requires_grad=not b_dtype.startswith("int"))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            x = lib.linalg.solve_triangular(a_t, b_t if left else b_t.mT, upper=True, left=left)
        if b_t.requires_grad:
            x.abs().sum().backward()
            return x.detach().numpy(), b_t.grad.numpy(), [str(w.message)[:40] for w in caught]
        return x.numpy(), None, [str(w.message)[:40] for w in caught]

    try:
        expected = run(torch)
    except NotImplementedError:
        with pytest.raises(NotImplementedError, match="triangular_solve_cpu"):
            run(ag)
        return
    actual = run(ag)
    assert actual[0].dtype == expected[0].dtype
    np.testing.assert_allclose(actual[0], expected[0], rtol=1e-6)
    if expected[1] is not None:
        assert actual[1].dtype == expected[1].dtype
        np.testing.assert_allclose(actual[1], expected[1], rtol=1e-3)
    # (torch warns once per process, so the warning is checked on arraygrad only)
    assert actual[2] == (
        ["Casting complex values to real discards "] if b.dtype.kind == "c" else []
    )


_COMPLEX_TOLERANCES = {
    "matrix_rank atol": lambda L, A, c: L.linalg.matrix_rank(A, atol=c),
    "matrix_rank rtol": lambda L, A, c: L.linalg.matrix_rank(A, rtol=c),
    "matrix_rank tol": lambda L, A, c: L.linalg.matrix_rank(A, c),
    "matrix_rank hermitian": lambda L, A, c: L.linalg.matrix_rank(A, atol=c, hermitian=True),
    "pinv atol": lambda L, A, c: L.linalg.pinv(A, atol=c),
    "pinv rtol": lambda L, A, c: L.linalg.pinv(A, rtol=c),
    "pinv rcond": lambda L, A, c: L.linalg.pinv(A, c),
    "pinv of a complex matrix": lambda L, A, c: L.linalg.pinv(A.to(c.dtype), atol=c),
    # a float parameter: a complex 0-d tensor is its real part (an overflow where it has an
    # imaginary part)
    "pinverse rcond": lambda L, A, c: L.pinverse(A, c.real.to(c.dtype)),
    "pinverse rcond imaginary": lambda L, A, c: L.pinverse(A, c + 1j),
}


@pytest.mark.parametrize("call", list(_COMPLEX_TOLERANCES))
def test_complex_tolerance_tensors_are_refused_as_torch(call: str) -> None:
    # torch refuses a complex atol / rtol / rcond tensor (singular values are real); arraygrad
    # compared the values with it and computed.
    outcomes: list[Any] = []
    for L in (torch, ag):
        A = L.tensor([[2.0, 1.0], [1.0, 1e-3]], dtype=L.float64)
        c = L.tensor(0.01 + 0j, dtype=L.complex128)
        try:
            result = _COMPLEX_TOLERANCES[call](L, A, c)
        except RuntimeError as error:
            outcomes.append(str(error).split(". Got")[0].split(" without")[0])
        else:
            outcomes.append(np.round(result.numpy(), 10).tolist())
    assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize("dtype", ["float64", "complex128"])
def test_lstsq_empty_residuals_are_in_the_graph_as_torch(dtype: str) -> None:
    # torch's empty residuals (the default gelsy driver) require grad where A or B does and send
    # nothing back; arraygrad's did not require grad.
    outcomes = []
    for L in (torch, ag):
        A = L.ones(6, 3, dtype=getattr(L, dtype)) + L.eye(6, 3, dtype=L.float64)
        A.requires_grad_()
        residuals = L.linalg.lstsq(A, L.ones(6, 2, dtype=A.dtype)).residuals
        residuals.sum().backward()
        sent = A.grad is not None and bool(A.grad.abs().sum() > 0)
        outcomes.append(
            (residuals.requires_grad, list(residuals.shape), str(residuals.dtype)[-7:], sent)
        )
    assert outcomes[1] == outcomes[0]
