"""matrix_exp (``_matrix_exp.py``, also ``linalg.matrix_exp`` and the method) against torch
2.13.0 (values and VJPs) and finite differences; accuracy for large norms, edges and misuse."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arraygrad as ag
from tests.ops._helpers import DTYPES, lib, square_grad_fn_names
from tests.oracle import OpSpec, run_gradcheck_case, run_torch_case

SQUARE = st.tuples(
    hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3), st.integers(1, 4)
).map(lambda t: ((*t[0], t[1], t[1]),))

# torch's float32 matrix_exp uses a lower-degree approximant, off by up to ~2e-5 relative (for
# exp(0.5) it gives 1.64869, arraygrad 1.6487212): hence the loose tolerances here; float64 is
# compared to 1e-12 in test_accuracy_in_float64_matches_torch.
OP_TABLE = {
    "matrix_exp": OpSpec(lambda a: lib(a).matrix_exp(a), shapes=SQUARE, rtol=1e-4, atol=1e-4),
    "matrix_exp:linalg": OpSpec(
        lambda a: lib(a).linalg.matrix_exp(a), shapes=SQUARE, low=-1.0, high=1.0, rtol=1e-4
    ),
    "matrix_exp:method_scaled": OpSpec(
        lambda a: (a * 4).matrix_exp(), shapes=SQUARE, low=-1.0, high=1.0, rtol=1e-4, atol=1e-3
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


@pytest.mark.parametrize("scale", [1e-3, 1.0, 6.0, 30.0, 200.0])
def test_accuracy_in_float64_matches_torch(scale: float) -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 5, 5)) * scale / 5
    out, expected = ag.matrix_exp(ag.tensor(a)).numpy(), torch.matrix_exp(torch.tensor(a)).numpy()
    # relative to the largest entry: entries far below it carry its rounding error
    assert np.max(np.abs(out - expected)) <= 1e-12 * np.max(np.abs(expected))


def test_known_cases_match_torch() -> None:
    for a in ([[0.0, 1.0], [-1.0, 0.0]], [[2.0]], [[0.0, 0.0], [0.0, 0.0]], [[1.0, 1e3], [0, 1]]):
        np.testing.assert_allclose(
            ag.matrix_exp(ag.tensor(a, dtype=ag.float64)).numpy(),
            torch.matrix_exp(torch.tensor(a, dtype=torch.float64)).numpy(),
            rtol=1e-12,  # both within ~1e-13 of the truth (e = 2.718281828459045)
            atol=1e-15,
        )


@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0), (0, 3, 3)])
def test_empty_matches_torch(shape: tuple[int, ...]) -> None:
    out, expected = ag.matrix_exp(ag.zeros(*shape)), torch.matrix_exp(torch.zeros(*shape))
    assert tuple(out.shape) == tuple(expected.shape) and out.dtype == ag.float32


def test_nan_and_inf_propagate_like_torch() -> None:
    for bad in (float("nan"), float("inf")):
        a = [[1.0, bad], [0.0, 1.0]]
        out = ag.matrix_exp(ag.tensor(a)).numpy()
        expected = torch.matrix_exp(torch.tensor(a)).numpy()
        np.testing.assert_array_equal(out, expected)  # nan where torch has nan


# Regression (fuzz_fixes2): a 1x1 matrix of inf gave nan (the approximant's inf - inf) where
# torch takes exp of the entry: inf, and 0 for -inf.
@pytest.mark.parametrize("dtype", ["float64", "float32", "complex128"])
def test_one_by_one_matrices_are_exp_of_the_entry_as_torchs(dtype: str) -> None:
    entries = [[[float("inf")]], [[float("-inf")]], [[float("nan")]], [[80.0]], [[-1e3]], [[2.0]]]
    out = ag.matrix_exp(ag.tensor(entries, dtype=getattr(ag, dtype)))
    expected = torch.matrix_exp(torch.tensor(entries, dtype=getattr(torch, dtype)))
    assert out.dtype == getattr(ag, dtype)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6, atol=0)


# Regression (fuzz_fixes2): a matrix with an infinity in a batch left the batch unscaled, so
# the others' results were wrong (-37.3 for exp(100)); torch scales each matrix by its own norm.
def test_a_non_finite_matrix_leaves_the_rest_of_its_batch_exact_as_torchs() -> None:
    inf, nan = float("inf"), float("nan")
    a = [[[inf, 0.0], [0.0, 1.0]], [[100.0, 1.0], [0.0, 2.0]], [[nan, 0.0], [0.0, 1.0]]]
    out = ag.matrix_exp(ag.tensor(a, dtype=ag.float64)).numpy()
    expected = torch.matrix_exp(torch.tensor(a, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=0)  # nan where torch has nan


@pytest.mark.parametrize(
    "fn, match",
    [
        (lambda m: m.matrix_exp(m.ones(2, 3)), "square"),
        (lambda m: m.matrix_exp(m.ones(3)), "at least 2 dimensions"),
        (lambda m: m.linalg.matrix_exp(m.ones(2, 2, dtype=m.int64)), "floating point"),
    ],
)
def test_misuse_raises_like_torch(fn: Any, match: str) -> None:
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value), match=match):
        fn(ag)


@pytest.mark.parametrize("scale", [0.5, 5.0, 40.0])
def test_float32_is_as_accurate_as_torch(scale: float) -> None:
    # The approximant runs in float64: float32 results are correctly rounded, where a float32
    # evaluation loses ~1e-4 (exp(40) off by 7e-5 relative; torch's by 6e-7).
    a = np.random.default_rng(1).standard_normal((3, 3)) * scale / 3 + scale * np.eye(3)
    exact = torch.matrix_exp(torch.tensor(a)).numpy()
    out = ag.matrix_exp(ag.tensor(a, dtype=ag.float32))
    theirs = torch.matrix_exp(torch.tensor(a, dtype=torch.float32)).numpy()
    assert out.dtype == ag.float32
    error = np.max(np.abs(out.numpy() - exact)) / np.max(np.abs(exact))
    assert error <= max(2e-7, np.max(np.abs(theirs - exact)) / np.max(np.abs(exact)))


def test_float16_gives_the_rounded_float64_result() -> None:
    # torch's float16 CPU kernel overflows (inf, or -2e4 for exp(0.1)): arraygrad deliberately
    # returns the float64 result rounded to float16, in torch's result dtype.
    a = [[0.1, 0.2], [0.0, 0.3]]
    out = ag.matrix_exp(ag.tensor(a, dtype=ag.float16))
    theirs = torch.matrix_exp(torch.tensor(a, dtype=torch.float16))
    assert str(out.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    expected = torch.matrix_exp(torch.tensor(a, dtype=torch.float64)).half().numpy()
    np.testing.assert_array_equal(out.numpy(), expected)


# Regression (parity_linalg): MmBackward0, LinalgSolveBackward0 or CloneBackward0 (the last step
# of the approximant), where torch's node is LinalgMatrixExpBackward0
@pytest.mark.parametrize(
    "expression",
    [
        "lib.matrix_exp(a)",
        "lib.linalg.matrix_exp(a * 4)",
        "lib.linalg.matrix_exp(a.double())",
        "lib.linalg.matrix_exp(a[:0, :0])",
        "a.matrix_exp()",
    ],
)
def test_grad_fn_names_as_torch(expression: str) -> None:
    mine, theirs = square_grad_fn_names(expression)
    assert mine == theirs
