"""The deprecated ``triangular_solve`` (``_triangular.py``) against torch 2.13.0: values and
gradients of both results for each flag, broadcast batches, the Tensor method, its warning and
torch's errors."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.ops._helpers import lib
from tests.oracle import (
    assert_like_torch_on,
    assert_refused_as_torch,
    check_against_torch,
    grad_fn_names,
)

R = np.random.default_rng(0)
A = R.standard_normal((3, 3)) + 3 * np.eye(3)


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("transpose", [True, False])
@pytest.mark.parametrize("unitriangular", [True, False])
def test_matches_torch(upper: bool, transpose: bool, unitriangular: bool) -> None:
    def solve(b: Any, a: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return tuple(lib(b).triangular_solve(b, a, upper, transpose, unitriangular))

    check_against_torch(solve, None, [R.standard_normal((2, 3, 2)), A])
    check_against_torch(solve, None, [R.standard_normal((3, 4)), R.standard_normal((2, 1, 3, 3))])


def test_named_results_method_and_warning() -> None:
    b, a = ag.tensor(R.standard_normal((3, 2))), ag.tensor(A)
    with pytest.warns(UserWarning, match="torch.triangular_solve is deprecated"):
        result = ag.triangular_solve(b, a)
    assert type(result).__name__ == "triangular_solve"
    assert np.array_equal(result.cloned_coefficient.numpy(), A)
    with pytest.warns(UserWarning):
        method = b.triangular_solve(a, False)
    expected = np.linalg.solve(np.tril(A), b.numpy())
    np.testing.assert_allclose(method.solution.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize(
    "shapes",
    [((3,), (3, 3)), ((3, 2), (3, 4)), ((4, 2), (3, 3))],
)
def test_errors_match_torch(shapes: tuple[tuple[int, ...], tuple[int, ...]]) -> None:
    messages = []
    for L in (torch, ag):
        b, a = (L.tensor(R.standard_normal(s)) for s in shapes)
        with warnings.catch_warnings(), pytest.raises(RuntimeError) as error:
            warnings.simplefilter("ignore")
            L.triangular_solve(b, a)
        messages.append(str(error.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("solve", ["triangular_solve", "cholesky_solve"])
@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("float16", "float32")])
def test_dtype_mismatch_matches_torch(solve: str, dtypes: tuple[str, str]) -> None:
    # cholesky_solve promoted the two dtypes where torch refuses them (fuzzrun8)
    messages = []
    for L in (torch, ag):
        b, a = L.ones(3, 2, dtype=getattr(L, dtypes[0])), L.eye(3, dtype=getattr(L, dtypes[1]))
        with warnings.catch_warnings(), pytest.raises(RuntimeError) as error:
            warnings.simplefilter("ignore")
            getattr(L, solve)(b, a)
        messages.append(str(error.value))
    assert messages[1].startswith(messages[0])


# Regression: multi_dot(tensor) multiplied the rows of one tensor, where torch raises a
# TypeError: it takes a list of tensors.
@pytest.mark.parametrize(
    "call",
    [
        lambda lib, x: lib.linalg.multi_dot(x),
        lambda lib, x: lib.linalg.multi_dot(5),
        lambda lib, x: lib.linalg.multi_dot([x]),
        lambda lib, x: lib.linalg.multi_dot((x, x.mT)),
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_multi_dot_takes_the_arguments_torch_takes(call: Any, dtype: str) -> None:
    assert_refused_as_torch(call, dtype)


def _pivot_zeroed(L: Any, a: Any) -> Any:
    """``a`` with its middle diagonal entry zeroed (differentiably): a singular triangle."""
    mask = L.ones(3, 3, dtype=a.dtype)
    mask[1, 1] = 0
    return a * mask


# Regression (leftovers13): a zero on the triangle's diagonal raised NumPy's LinAlgError
# ("Singular matrix") from an LU solve; torch's trsm divides by it: inf and nan, no error.
@pytest.mark.parametrize(
    "call",
    [
        lambda L, a, b: L.linalg.solve_triangular(_pivot_zeroed(L, a), b, upper=True),
        lambda L, a, b: L.linalg.solve_triangular(_pivot_zeroed(L, a), b, upper=False),
        lambda L, a, b: L.linalg.solve_triangular(
            _pivot_zeroed(L, a), b.mT, upper=True, left=False
        ),
        lambda L, a, b: L.triangular_solve(b, _pivot_zeroed(L, a), transpose=True)[0],
        lambda L, a, b: L.linalg.solve_triangular(
            L.complex(_pivot_zeroed(L, a), _pivot_zeroed(L, a).mT), L.complex(b, b), upper=True
        ).abs(),
    ],
    ids=["upper", "lower", "right", "triangular_solve", "complex"],
)
def test_solve_with_a_zero_pivot_as_torch(call: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # (triangular_solve's deprecation)
        assert_like_torch_on(call, (3, 3), (3, 2))


def test_solve_triangular_grad_fn_names_as_torch() -> None:
    names = []
    for L in (torch, ag):
        a, b = (L.tensor(x, requires_grad=True) for x in (A, R.standard_normal((3, 2))))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            results = (
                L.linalg.solve_triangular(a, b, upper=True),
                L.linalg.solve_triangular(a, b.mT, upper=False, left=False),
                L.triangular_solve(b, a).solution,
            )
        names.append([r.grad_fn.name() for r in results])
    assert names[1] == names[0]


def test_solve_triangular_on_the_right_is_no_view_as_torch() -> None:
    # Regression (review of leftovers13): with left=False the solution was the transpose (a
    # view) of an intermediate; torch's has the transposed strides but is no view, so an
    # in-place write is recorded on it (MulBackward0, not a rewritten view's history).
    seen = []
    for L in (torch, ag):
        A = L.tensor([[2.0, 1.0], [0.0, 3.0]], dtype=L.float64, requires_grad=True)
        B = L.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=L.float64)
        X = L.linalg.solve_triangular(A, B, upper=True, left=False)
        facts = [X.stride(), X._base is None, X.grad_fn.name(), X.tolist()]
        (X * X).sum().backward()
        facts.append(A.grad.tolist())
        X = L.linalg.solve_triangular(A, B, upper=True, left=False)
        X.mul_(2)
        facts.append(X.grad_fn.name())
        seen.append(facts)
    assert seen[0][:3] == seen[1][:3] and seen[0][-1] == seen[1][-1]
    np.testing.assert_allclose(seen[1][3], seen[0][3], rtol=1e-12)
    np.testing.assert_allclose(seen[1][4], seen[0][4], rtol=1e-12)


# Regression (parity_linalg): cholesky_solve solved L L^T by LU, which refused a factor with a
# zero on its diagonal ("Singular matrix", NumPy's error); torch's potrs is two triangular
# solves: inf and nan, and the gradient -(C + C^H) L of the factor as given.
@pytest.mark.parametrize(
    "call",
    [
        lambda L, a, b: L.cholesky_solve(b, _pivot_zeroed(L, a)),
        lambda L, a, b: L.cholesky_solve(b, _pivot_zeroed(L, a), upper=True),
        lambda L, a, b: L.cholesky_solve(b, a * 0),
        lambda L, a, b: L.cholesky_solve(
            L.complex(b, b), L.complex(_pivot_zeroed(L, a), _pivot_zeroed(L, a).mT)
        ).abs(),
    ],
    ids=["lower", "upper", "zero", "complex"],
)
def test_cholesky_solve_with_a_zero_pivot_as_torch(call: Any) -> None:
    assert_like_torch_on(call, (3, 3), (3, 2))


def test_cholesky_solve_with_a_zero_pivot_gives_torchs_infinities() -> None:
    values = []
    for L in (torch, ag):
        factor = L.tensor([[2.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 1.0, 3.0]], requires_grad=True)
        b = L.ones(2, 3, 2, requires_grad=True)  # (batch dimensions broadcast)
        x = L.cholesky_solve(b, factor)
        (x * L.arange(12.0).reshape(2, 3, 2).cos()).sum().backward()
        values.append([x.tolist(), factor.grad.tolist(), b.grad.tolist()])
    expected = [[math.nan] * 2, [math.inf] * 2, [-math.inf] * 2]  # (torch's, each batch)
    np.testing.assert_array_equal(values[1][0][0], expected)
    for mine, theirs in zip(values[1], values[0], strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-6)  # (nan where torch has nan)


def test_cholesky_inverse_of_a_factor_with_a_zero_pivot_raises_as_torch() -> None:
    # Regression (parity_linalg): the error named linalg.inv (the inverse of L L^T), and a
    # zero pivot that rounding hid in L L^T gave a finite answer; torch's potri refuses it
    singular = [[2.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 1.0, 3.0]]
    for factor in (singular, [np.eye(3).tolist(), singular]):
        errors = []
        for L in (torch, ag):
            with pytest.raises(RuntimeError) as caught:
                L.cholesky_inverse(L.tensor(factor))
            errors.append(caught.value)
        assert isinstance(errors[1], ag.linalg.LinAlgError)
        assert str(errors[1]).startswith(str(errors[0])), (errors[1], errors[0])
        assert "Fix:" in str(errors[1]) and str(list(np.shape(factor))) in str(errors[1])


@pytest.mark.parametrize(
    "expression",
    [
        "lib.cholesky_solve(x.t(), f)",
        "lib.cholesky_solve(x.t(), f, upper=True)",
        "lib.cholesky_solve(x.t().to(lib.complex64), f.to(lib.complex64))",
        "lib.cholesky_inverse(f)",
        "lib.cholesky_inverse(f, upper=True)",
        "lib.triangular_solve(x.t(), f).cloned_coefficient",
        "lib.linalg.lstsq(x.t(), x.t()).solution",
        "lib.linalg.lstsq(x.t(), x.t(), driver='gelsd').residuals",
    ],
)
def test_grad_fn_names_as_torch(expression: str) -> None:
    # Regression (parity_linalg): the composites' last steps' names (LinalgSolveBackward0,
    # LinalgInvExBackward0, CloneBackward0, MmBackward0, SumBackward1)
    factor = [[2.0, 0.0, 0.0], [1.0, 3.0, 0.0], [1.0, 1.0, 3.0]]
    mine, theirs = grad_fn_names(expression, f=lambda lib: lib.tensor(factor, requires_grad=True))
    assert mine == theirs


@pytest.mark.parametrize("upper", [False, True], ids=["lower", "upper"])
@pytest.mark.parametrize("dtype", ["float64", "complex128"])
def test_cholesky_solve_second_derivatives_as_torch(upper: bool, dtype: str) -> None:
    # Regression: with create_graph the rules solved by two triangular solves, whose second
    # derivatives read one triangle of the factor; torch's backward calls cholesky_solve, whose
    # rule takes the product with the whole factor. (Both triangles nonzero; batches broadcast.)
    rng = np.random.default_rng(3)
    kind = np.dtype(dtype).type

    def draw(*shape: int) -> Any:
        real = rng.standard_normal(shape)
        return (real + 1j * rng.standard_normal(shape)).astype(kind) if dtype != "float64" else real

    factor = np.tril(draw(3, 3)) + 3 * np.eye(3) + 0.1 * draw(3, 3)
    factor = factor.conj().T if upper else factor
    b, g = draw(2, 3, 2), draw(2, 3, 2)
    results = []
    for L in (ag, torch):
        f, x = L.tensor(factor, requires_grad=True), L.tensor(b, requires_grad=True)
        solved = L.cholesky_solve(x, f, upper=upper)
        first = L.autograd.grad((solved * L.tensor(g)).sum().real, (x, f), create_graph=True)
        second = L.autograd.grad(sum((part.abs() ** 2).sum() for part in first), (x, f))
        results.append([part.detach().numpy() for part in (*first, *second)])
    for mine, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)
