"""What torch 2.13.0 does where a LAPACK factorisation fails (``arraygrad._lapack_failures``
and its users): the gradients of what the ``_ex`` functions leave for singular and non
positive-definite matrices, solve's backward where ``A^T``'s LU meets a zero pivot that
``A``'s did not, and the nan pivot that Cholesky refuses.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag


def _ex_gradient(m: Any, call: Any, matrix: np.ndarray) -> np.ndarray:
    a = m.tensor(matrix, requires_grad=True)
    result = call(m, a)
    cotangent = m.tensor(np.linspace(0.5, 1.5, result.numel()).reshape(result.shape))
    weighted = result * cotangent.to(result.dtype)
    (weighted.real if weighted.is_complex() else weighted).sum().backward()
    return np.asarray(a.grad.numpy())


_FAILED_CALLS = [
    lambda m, a: m.linalg.inv_ex(a).inverse,
    lambda m, a: m.linalg.solve_ex(a, m.ones(2, 3, 2, dtype=a.dtype)).result,
    lambda m, a: m.linalg.solve_ex(a, m.ones(2, 3, dtype=a.dtype)).result,
    lambda m, a: m.linalg.cholesky_ex(a).L,
    lambda m, a: m.linalg.cholesky_ex(a, upper=True).L,
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("index", range(len(_FAILED_CALLS)))
def test_ex_gradients_of_failed_matrices_match_torch(index: int, dtype: Any) -> None:
    """torch differentiates what a failed factorisation leaves: a singular matrix's inverse and
    solution (their inf / nan through its LU factors), the partial Cholesky factor of one that
    is not positive-definite; a batch's good matrices keep their gradient."""
    batches = [
        np.stack([np.eye(3) * 2 + 0.1, [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]]]),
        np.stack([np.zeros((3, 3)), [[4.0, 1.0, 0.0], [1.0, 3.0, 0.0], [0.0, 0.0, 1.0]]]),
        np.stack([[[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]], np.eye(3)]),
    ]
    if index >= 3:  # (not S: its partial factor's zero pivot meets a nonzero entry below it,
        # where MKL's triangular solve leaves inf and finite values that a substitution,
        # arraygrad's, turns into nan)
        batches = batches[1:]
    for matrix in batches:
        matrix = matrix.astype(dtype) * (1 - 0.5j if dtype is np.complex128 else 1)
        theirs = _ex_gradient(torch, _FAILED_CALLS[index], matrix)
        mine = _ex_gradient(ag, _FAILED_CALLS[index], matrix)
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)


def test_tensorsolve_gradient_where_the_transposed_lu_meets_a_zero_pivot() -> None:
    """A's LU finds no exactly zero pivot (rounding), A^T's does: torch's backward reuses A's
    factors and computes a gradient; so does arraygrad's, not the singular-matrix error."""
    matrix = np.array([[0.7, 0.35, 1.36], [1.26, 0.91, 3.68], [1.61, 1.46, 6.01]])
    matrix[0, 2], matrix[1, 2], matrix[2, 0] = (
        1.3599999999999999,
        3.6799999999999997,
        1.6099999999999999,
    )
    grads = []
    for m in (torch, ag):
        a = m.tensor(matrix.reshape(3, 1, 3), requires_grad=True)
        m.linalg.tensorsolve(a, m.ones(3, 1, dtype=a.dtype)).sum().backward()
        grads.append(np.asarray(a.grad.numpy()))
    # (an ill-conditioned solve: the two LAPACKs' roundings differ, the gradients' size not)
    assert np.isfinite(grads[1]).all()
    np.testing.assert_allclose(np.log10(np.abs(grads[1])), np.log10(np.abs(grads[0])), atol=1)


@pytest.mark.parametrize("dtype", ["float64", "complex128"])
@pytest.mark.parametrize(
    "call",
    [
        lambda m, a: m.linalg.cholesky(a),
        lambda m, a: m.linalg.cholesky(a, upper=True),
        lambda m, a: m.cholesky(a),
    ],
)
def test_cholesky_of_a_nan_raises_as_torch(call: Any, dtype: str) -> None:
    """A nan pivot fails LAPACK's positive-definiteness test (NumPy factors it without
    complaint): torch's LinAlgError, naming the batch element and the minor."""
    nan = float("nan")
    matrix = np.array([[[1.0, 0.0], [0.0, 1.0]], [[1.0, nan], [nan, 1.0]]], dtype=dtype)
    with pytest.raises(torch.linalg.LinAlgError) as theirs:
        call(torch, torch.tensor(matrix))
    with pytest.raises(ag.linalg.LinAlgError) as mine:
        call(ag, ag.tensor(matrix))
    assert str(mine.value).startswith(str(theirs.value))
