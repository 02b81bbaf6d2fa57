"""The LDL factorisation (linalg.ldl_factor, ldl_factor_ex, ldl_solve) against torch 2.13.0:
LD, pivots and info exactly in LAPACK's format and pivot choices (torch calls MKL's sytrf /
hetrf), the solves, the missing derivative and the errors.

Inputs are normal random matrices from fixed seeds: their entries are well separated, so the
Bunch-Kaufman choices (1x1 or 2x2 blocks, which row to swap) have no near ties, where LAPACK's
blocked sytrf (sizes above its block size 64) may round differently from the unblocked one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import outcome_in_each, strict_backend

SIZES = [1, 2, 3, 4, 5, 7, 10, 16, 33, 64, 65, 70]
DTYPES = [np.float64, np.float32, np.complex128, np.complex64]


def _matrices(shape: tuple[int, ...], dtype: Any, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    if np.issubdtype(dtype, np.complexfloating):
        a = a + 1j * rng.standard_normal(shape)
    return a.astype(dtype)


def _tolerance(dtype: Any) -> float:
    return 1e-4 if dtype in (np.float32, np.complex64) else 1e-10


def _assert_factor_matches(a: np.ndarray, hermitian: bool) -> Any:
    """arraygrad's ``ldl_factor_ex`` of ``a`` against torch's: pivots and info exactly, LD to
    the dtype's tolerance. Returns torch's result."""
    theirs = torch.linalg.ldl_factor_ex(torch.from_numpy(a), hermitian=hermitian)
    mine = ag.linalg.ldl_factor_ex(ag.tensor(a), hermitian=hermitian)
    assert type(mine).__name__ == "linalg_ldl_factor_ex"
    assert mine.pivots.dtype == ag.int32 and mine.info.dtype == ag.int32
    np.testing.assert_array_equal(mine.pivots.numpy(), theirs.pivots.numpy())
    np.testing.assert_array_equal(mine.info.numpy(), theirs.info.numpy())
    assert mine.LD.dtype == ag.tensor(a).dtype
    tolerance = _tolerance(a.dtype.type)
    np.testing.assert_allclose(
        mine.LD.numpy(), theirs.LD.numpy(), rtol=tolerance, atol=tolerance, equal_nan=True
    )
    return theirs


@pytest.mark.parametrize("hermitian", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_ldl_factor_matches_torch(n: int, dtype: Any, hermitian: bool) -> None:
    """LD and LAPACK's pivots for a batch of random matrices (only the lower triangle is read:
    the inputs are not symmetric). The larger sizes take 2x2 blocks, checked below."""
    _assert_factor_matches(_matrices((3, n, n), dtype, seed=n), hermitian)


def test_ldl_factor_takes_both_block_sizes() -> None:
    """The draws above exercise both kinds of pivot: swaps of 1x1 blocks and 2x2 blocks."""
    pivots = torch.linalg.ldl_factor(torch.from_numpy(_matrices((3, 16, 16), np.float64, 16)))[1]
    assert (pivots < 0).any()
    ones = pivots[pivots > 0]
    assert (ones != torch.arange(1, 17).expand(3, 16)[pivots > 0]).any()


@pytest.mark.parametrize(
    "a",
    [
        [[1.0, 2.0], [2.0, 4.0]],  # singular: a zero block after a swap
        [[0.0, 1.0], [1.0, 0.0]],  # a zero diagonal: one 2x2 block
        [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]],  # info 2, and factored past it
        [[0.0] * 3] * 3,
        [[1.0] * 4] * 4,
        [[float("nan"), 1.0], [1.0, 2.0]],
        [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [3.0, 6.0, 9.0]],
    ],
)
@pytest.mark.parametrize("hermitian", [False, True])
def test_ldl_factor_ex_of_special_matrices_matches_torch(a: list, hermitian: bool) -> None:
    _assert_factor_matches(np.array(a), hermitian)


def test_ldl_factor_of_integer_symmetric_matrices_matches_torch() -> None:
    """Small integers: many equal entries, so the first largest must be the one chosen."""
    rng = np.random.default_rng(3)
    a = rng.integers(-2, 3, (20, 6, 6)).astype(np.float64)
    _assert_factor_matches(a + np.swapaxes(a, -1, -2), False)


def test_ldl_factor_of_complex_symmetric_matrices_is_not_hermitian() -> None:
    """Complex symmetric (``A = A^T``, no conjugates) and Hermitian factorisations differ."""
    a = np.array([[0.0, 1j], [1j, 0.0]])
    _assert_factor_matches(a, False)
    _assert_factor_matches(_matrices((2, 6, 6), np.complex128, 5), False)
    _assert_factor_matches(_matrices((2, 6, 6), np.complex128, 5), True)


@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0), (0, 3, 3)])
def test_ldl_factor_of_empty_matrices_matches_torch(shape: tuple[int, ...]) -> None:
    theirs = _assert_factor_matches(np.zeros(shape), False)
    assert ag.linalg.ldl_factor(ag.zeros(shape)).pivots.shape == theirs.pivots.shape


def test_ldl_factor_raises_where_info_is_nonzero() -> None:
    """torch raises RuntimeError (an internal assert in 2.13) for a zero block of D; arraygrad
    raises that class and names the block, with ldl_factor_ex as the fix."""
    singular = [[1.0, 0.0], [0.0, 0.0]]
    for call in (
        lambda m: m.linalg.ldl_factor(m.tensor(singular)),
        lambda m: m.linalg.ldl_factor_ex(m.tensor([singular, singular]), check_errors=True),
    ):
        assert outcome_in_each(call) == ("RuntimeError", "RuntimeError")
    with pytest.raises(RuntimeError, match=r"D\[1, 1\] is exactly zero .*ldl_factor_ex"):
        ag.linalg.ldl_factor(ag.tensor(singular))
    with pytest.raises(RuntimeError, match=r"\(Batch element 1\)"):
        ag.linalg.ldl_factor_ex(ag.tensor([np.eye(2), singular]), check_errors=True)


@pytest.mark.parametrize("hermitian", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 2, 5, 9, 70])
def test_ldl_solve_matches_torch(n: int, dtype: Any, hermitian: bool) -> None:
    a = _matrices((2, n, n), dtype, seed=n)
    b = _matrices((2, n, 3), dtype, seed=n + 100)
    ld, pivots = torch.linalg.ldl_factor(torch.from_numpy(a), hermitian=hermitian)
    theirs = torch.linalg.ldl_solve(ld, pivots, torch.from_numpy(b), hermitian=hermitian)
    my_ld, my_pivots = ag.linalg.ldl_factor(ag.tensor(a), hermitian=hermitian)
    mine = ag.linalg.ldl_solve(my_ld, my_pivots, ag.tensor(b), hermitian=hermitian)
    tolerance = 100 * _tolerance(dtype)
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=tolerance, atol=tolerance)
    # and the same from torch's own factorisation
    mine = ag.linalg.ldl_solve(
        ag.tensor(ld.numpy()), ag.tensor(pivots.numpy()), ag.tensor(b), hermitian=hermitian
    )
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("b_shape", [(4, 2), (1, 4, 2), (2, 4, 0), (2, 4, 1)])
def test_ldl_solve_broadcasts_b_as_torch(b_shape: tuple[int, ...]) -> None:
    a = _matrices((2, 4, 4), np.float64, 1)
    b = _matrices(b_shape, np.float64, 2)
    ld, pivots = torch.linalg.ldl_factor(torch.from_numpy(a))
    theirs = torch.linalg.ldl_solve(ld, pivots, torch.from_numpy(b))
    mine = ag.linalg.ldl_solve(ag.tensor(ld.numpy()), ag.tensor(pivots.numpy()), ag.tensor(b))
    assert mine.shape == theirs.shape
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-12)


def test_ldl_solve_takes_int64_pivots_as_torch() -> None:
    a = _matrices((5, 5), np.float64, 7)
    ld, pivots = ag.linalg.ldl_factor(ag.tensor(a))
    b = ag.tensor(_matrices((5, 2), np.float64, 8))
    expected = ag.linalg.ldl_solve(ld, pivots, b)
    found = ag.linalg.ldl_solve(ld, pivots.long(), b)
    np.testing.assert_array_equal(found.numpy(), expected.numpy())
    np.testing.assert_allclose((ag.tensor(a).tril() + ag.tensor(a).tril(-1).mT) @ found, b)


def test_ldl_has_no_derivative_as_torch() -> None:
    """Results of inputs that require grad require grad and refuse backward; pivots and info
    do not require grad."""
    a = _matrices((4, 4), np.float64, 2)
    b = _matrices((4, 2), np.float64, 3)
    for m in (torch, ag):
        A = m.tensor(a, requires_grad=True)
        ld, pivots, info = m.linalg.ldl_factor_ex(A)
        assert ld.requires_grad and not pivots.requires_grad and not info.requires_grad
        with pytest.raises(RuntimeError, match="derivative for aten::linalg_ldl_factor_ex"):
            ld.sum().backward()
        with pytest.raises(RuntimeError, match="derivative for aten::linalg_ldl_factor_ex"):
            m.autograd.grad(m.linalg.ldl_factor(A).LD.sum(), A)
        B = m.tensor(b, requires_grad=True)
        for x in (
            m.linalg.ldl_solve(ld.detach(), pivots, B),
            m.linalg.ldl_solve(ld, pivots, B.detach()),
        ):
            assert x.requires_grad
            with pytest.raises(RuntimeError, match="derivative for aten::linalg_ldl_solve"):
                x.sum().backward()
        x = m.linalg.ldl_solve(ld.detach(), pivots, B.detach())
        assert not x.requires_grad and x.grad_fn is None


def _ld_and_pivots(m: Any) -> tuple[Any, Any]:
    return m.linalg.ldl_factor(m.tensor(_matrices((2, 3, 3), np.float64, 4)))


ERRORS = {
    "not square": lambda m: m.linalg.ldl_factor(m.zeros(3, 4)),
    "a vector": lambda m: m.linalg.ldl_factor(m.zeros(3)),
    "integers": lambda m: m.linalg.ldl_factor(m.ones(3, 3, dtype=m.int64)),
    "solve integers": lambda m: m.linalg.ldl_solve(
        _ld_and_pivots(m)[0].long(), _ld_and_pivots(m)[1], m.ones(2, 3, 1, dtype=m.int64)
    ),
    "float pivots": lambda m: m.linalg.ldl_solve(
        _ld_and_pivots(m)[0], _ld_and_pivots(m)[1].double(), m.ones(2, 3, 1, dtype=m.float64)
    ),
    "bool pivots": lambda m: m.linalg.ldl_solve(
        _ld_and_pivots(m)[0], _ld_and_pivots(m)[1].bool(), m.ones(2, 3, 1, dtype=m.float64)
    ),
    "pivots shape": lambda m: m.linalg.ldl_solve(
        _ld_and_pivots(m)[0], _ld_and_pivots(m)[1][0], m.ones(2, 3, 1, dtype=m.float64)
    ),
    "LD not square": lambda m: m.linalg.ldl_solve(
        _ld_and_pivots(m)[0][:, :2], _ld_and_pivots(m)[1], m.ones(2, 3, 1, dtype=m.float64)
    ),
    "B dtype": lambda m: m.linalg.ldl_solve(*_ld_and_pivots(m), m.ones(2, 3, 1)),
    "B rows": lambda m: m.linalg.ldl_solve(*_ld_and_pivots(m), m.ones(2, 4, 1, dtype=m.float64)),
    "B a vector": lambda m: m.linalg.ldl_solve(*_ld_and_pivots(m), m.ones(3, dtype=m.float64)),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_ldl_errors_match_torch(case: str) -> None:
    theirs, mine = outcome_in_each(ERRORS[case])
    assert isinstance(theirs, str), "torch computes this case"
    assert mine == theirs


def test_ldl_refuses_half_precision_as_torch() -> None:
    for dtype in ("float16", "bfloat16"):

        def fn(m: Any, dtype: str = dtype) -> Any:
            return m.linalg.ldl_factor(m.eye(3, dtype=getattr(m, dtype)))

        assert outcome_in_each(fn, (NotImplementedError,)) == ("NotImplementedError",) * 2
    with pytest.raises(NotImplementedError, match=r"ldl_factor_kernel_cpu.*Half.*double"):
        ag.linalg.ldl_factor(ag.eye(3, dtype=ag.float16))


def test_ldl_on_the_strict_backend_gives_numpys_results() -> None:
    """The factorisation and the solve use the standard's functions only."""
    a = _matrices((2, 9, 9), np.complex128, 6)
    b = _matrices((2, 9, 2), np.complex128, 7)

    def run() -> list[np.ndarray]:
        out = []
        for hermitian in (False, True):
            ld, pivots, info = ag.linalg.ldl_factor_ex(ag.tensor(a), hermitian=hermitian)
            x = ag.linalg.ldl_solve(ld, pivots, ag.tensor(b), hermitian=hermitian)
            out += [np.asarray(t._data) for t in (ld, pivots, info, x)]
        return out

    expected = run()
    with strict_backend():
        found = run()
    for mine, theirs in zip(found, expected, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-14)
