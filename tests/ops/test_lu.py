"""LU factorisation (linalg.lu_factor, lu_factor_ex, lu, lu_solve; torch.lu, lu_unpack,
lu_solve and the Tensor methods) against torch 2.13.0 (values, pivots, VJPs, errors) and finite
differences.

Inputs are float64 normal matrices from fixed seeds: full rank and well conditioned, with
pivoting that reorders rows (checked below), so the pivots and the permutation are exercised.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.ops._helpers import lib, square_grad_fn_names
from tests.oracle import (
    check_against_torch,
    check_higher_derivatives_against_torch,
    gradcheck,
    strict_backend,
)

SHAPES = [(3, 3), (2, 4, 4), (3, 5), (5, 3), (2, 1, 2, 4), (2, 4, 2), (1, 1)]


def _matrix(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.fixture(autouse=True)
def _quiet_deprecations() -> Any:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="torch.lu")
        yield


@pytest.mark.parametrize("shape", SHAPES)
def test_lu_factor_matches_torch(shape: tuple[int, ...]) -> None:
    """LU, int32 1-based pivots and LU's gradient (square, wide, tall, batched)."""
    check_against_torch(lambda a: tuple(lib(a).linalg.lu_factor(a)), None, [_matrix(shape)])


@pytest.mark.parametrize("shape", SHAPES)
def test_lu_matches_torch(shape: tuple[int, ...]) -> None:
    """P, L, U and the gradients of L and U (cotangents on every entry, as torch's)."""
    check_against_torch(lambda a: tuple(lib(a).linalg.lu(a)), None, [_matrix(shape)])


@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 5), (3, 5, 2)])
def test_lu_unpack_and_lu_factor_ex_match_torch(shape: tuple[int, ...]) -> None:
    def fn(a: Any) -> Any:
        m = lib(a)
        lu, pivots, info = m.linalg.lu_factor_ex(a)
        return (*m.lu_unpack(lu, pivots), pivots, info)

    check_against_torch(fn, None, [_matrix(shape, 1)])


def test_pivoting_reorders_rows() -> None:
    """The fixed inputs do pivot (else the permutation would go untested), and A = P L U."""
    x = _matrix((2, 4, 4))
    pivots = ag.linalg.lu_factor(ag.tensor(x)).pivots
    assert pivots.dtype == ag.int32
    assert (pivots.numpy() != np.arange(1, 5)).any()
    p, lower, upper = ag.linalg.lu(ag.tensor(x))
    np.testing.assert_allclose((p @ lower @ upper).numpy(), x, atol=1e-13)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [True, False])
@pytest.mark.parametrize(("a_shape", "b_shape"), [((3, 3), (3, 2)), ((2, 3, 3), (4, 1, 3, 2))])
def test_lu_solve_matches_torch(
    left: bool, adjoint: bool, a_shape: tuple[int, ...], b_shape: tuple[int, ...]
) -> None:
    """Values and the gradients of A (through lu_factor) and B, batch dimensions broadcast."""
    b = _matrix(b_shape, 2)
    if not left:
        b = np.swapaxes(b, -1, -2)

    def fn(a: Any, rhs: Any) -> Any:
        lu, pivots = lib(a).linalg.lu_factor(a)
        return lib(a).linalg.lu_solve(lu, pivots, rhs, left=left, adjoint=adjoint)

    check_against_torch(fn, None, [_matrix(a_shape), b])


@pytest.mark.parametrize("adjoint", [True, False])
def test_lu_solve_gradient_of_lu_matches_torch(adjoint: bool) -> None:
    """The gradient of LU itself (lu_solve's own rule), with the pivots held fixed."""
    x = _matrix((2, 3, 3))
    factor = torch.linalg.lu_factor(torch.tensor(x))
    pivots = factor.pivots.numpy()

    def fn(lu: Any, rhs: Any) -> Any:
        return lib(lu).linalg.lu_solve(lu, lib(lu).tensor(pivots), rhs, adjoint=adjoint)

    check_against_torch(fn, None, [factor.LU.numpy(), _matrix((2, 3, 2), 3)])


def test_deprecated_forms_match_torch() -> None:
    """torch.lu (with get_infos), torch.lu_solve and the Tensor methods."""
    x, b = _matrix((2, 3, 3)), _matrix((2, 3, 1), 4)
    check_against_torch(lambda a: tuple(lib(a).lu(a, get_infos=True)), None, [x])
    check_against_torch(lambda a: a.lu(), None, [x])
    check_against_torch(lambda a, r: lib(a).lu_solve(r, *lib(a).lu(a)), None, [x, b])
    check_against_torch(lambda a, r: r.lu_solve(*a.lu()), None, [x, b])


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2)])
def test_gradcheck(shape: tuple[int, ...]) -> None:
    gradcheck(lambda a: ag.linalg.lu_factor(a).LU, [_matrix(shape, 5)])
    gradcheck(lambda a: ag.linalg.lu(a)[1:], [_matrix(shape, 6)])


def test_lu_solve_gradcheck() -> None:
    def fn(a: Any, rhs: Any) -> Any:
        return ag.linalg.lu_solve(*ag.linalg.lu_factor(a), rhs, left=False, adjoint=True)

    gradcheck(fn, [_matrix((2, 3, 3), 7), _matrix((2, 2, 3), 8)])


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2)])
def test_second_derivatives_match_torch(shape: tuple[int, ...]) -> None:
    """The rule runs on Tensors too (create_graph), giving torch's double backward."""
    check_higher_derivatives_against_torch(
        lambda a: lib(a).linalg.lu_factor(a).LU ** 2, [_matrix(shape, 9)], order=2
    )


def test_named_results() -> None:
    x = _matrix((3, 3))
    for module in (ag, torch):
        a = module.tensor(x)
        lu, pivots = module.linalg.lu_factor(a)
        assert type(module.linalg.lu_factor(a)).__name__ == "linalg_lu_factor"
        assert type(module.linalg.lu_factor_ex(a)).__name__ == "linalg_lu_factor_ex"
        assert type(module.linalg.lu(a)).__name__ == "linalg_lu"
        assert type(module.lu_unpack(lu, pivots)).__name__ == "lu_unpack"
        assert type(module.lu(a, get_infos=True)).__name__ == "_lu_with_info"
        assert type(module.lu(a)) is tuple
        assert module.linalg.lu_factor_ex(a).info.dtype == module.int32
        assert module.lu_unpack(lu, pivots).P.dtype == module.float64
        assert [len(module.lu_unpack(lu, pivots, unpack_data=False)[i]) for i in (1, 2)] == [0, 0]
        assert len(module.lu_unpack(lu, pivots, unpack_pivots=False).P) == 0


SINGULAR = [
    np.zeros((3, 3)),
    np.array([[1.0, 2.0, 0.0], [2.0, 4.0, 0.0], [1.0, 1.0, 0.0]]),
    np.stack([np.eye(2), [[1.0, 2.0], [2.0, 4.0]]]),
]


@pytest.mark.parametrize("index", range(len(SINGULAR)))
def test_singular_matrices_match_torch(index: int) -> None:
    """Zero pivots: LAPACK's LU, pivots and info; lu and lu_factor_ex do not raise, lu_factor
    raises torch's RuntimeError naming the batch element and the zero entry of U."""
    x = SINGULAR[index]
    check_against_torch(lambda a: tuple(lib(a).linalg.lu_factor_ex(a)), None, [x], grad=False)
    check_against_torch(lambda a: tuple(lib(a).linalg.lu(a)), None, [x], grad=False)
    check_against_torch(lambda a: tuple(lib(a).lu(a)), None, [x], grad=False)
    messages = []
    for module in (torch, ag):
        with pytest.raises(RuntimeError, match="is zero") as error:
            module.linalg.lu_factor(module.tensor(x))
        messages.append(str(error.value).split(" is zero")[0])
    assert messages[0] == messages[1]
    with pytest.raises(RuntimeError, match="lu_factor_ex"):
        ag.linalg.lu_factor_ex(ag.tensor(x), check_errors=True)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("index", range(len(SINGULAR)))
def test_gradients_of_singular_matrices_match_torch(index: int, dtype: Any) -> None:
    """torch's LU backward solves with L and U by triangular solves: a zero pivot gives nan,
    not the singular-matrix error, and a batch's invertible matrix keeps its gradient."""
    matrix = SINGULAR[index].astype(dtype) * (1 - 0.5j if dtype is np.complex128 else 1)
    calls = [
        lambda m, a: m.linalg.lu_factor_ex(a).LU,
        lambda m, a: m.linalg.lu(a).U + m.linalg.lu(a).L,
        lambda m, a: m.lu(a)[0],
    ]
    for call in calls:
        grads = []
        for m in (torch, ag):
            a = m.tensor(matrix, requires_grad=True)
            value = call(m, a)
            weights = m.tensor(np.linspace(0.5, 1.5, value.numel()).reshape(value.shape))
            weighted = value * weights.to(value.dtype)
            (weighted.real if weighted.is_complex() else weighted).sum().backward()
            grads.append(np.asarray(a.grad.numpy()))
        np.testing.assert_allclose(grads[1], grads[0], rtol=1e-10)


@pytest.mark.parametrize("shape", [(0, 0), (0, 3), (3, 0), (2, 0, 0), (0, 3, 3)])
def test_empty_shapes_match_torch(shape: tuple[int, ...]) -> None:
    x = np.zeros(shape)
    for fn in (
        lambda m, a: tuple(m.linalg.lu_factor_ex(a)),
        lambda m, a: tuple(m.linalg.lu(a)),
        # torch's CPU factors no matrix without pivoting, unless it has no entries (arraygrad
        # refused those too; linalg fuzzer, seeds 19, 1643); P is then an empty tensor
        lambda m, a: tuple(m.linalg.lu_factor_ex(a, pivot=False)),
        lambda m, a: tuple(m.linalg.lu_factor(a, pivot=False)),
        lambda m, a: tuple(m.linalg.lu(a, pivot=False)),
    ):
        mine, theirs = fn(ag, ag.tensor(x)), fn(torch, torch.tensor(x))
        assert [tuple(p.shape) for p in mine] == [tuple(q.shape) for q in theirs]


def test_strict_backend_agrees_with_numpy() -> None:
    """Only Array API functions: the same factors and gradients on array_api_strict."""
    x, b = _matrix((2, 3, 3)), _matrix((2, 3, 2), 1)

    def run() -> list[np.ndarray]:
        a = ag.tensor(x, requires_grad=True)
        lu, pivots = ag.linalg.lu_factor(a)
        p, lower, upper = ag.linalg.lu(a)
        solution = ag.linalg.lu_solve(lu, pivots, ag.tensor(b))
        (solution.sum() + (lower * upper).sum()).backward()
        return [np.asarray(t.detach()._data) for t in (lu, pivots, p, solution, a.grad)]

    expected = run()
    with strict_backend():
        found = run()
    for mine, theirs in zip(found, expected, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-14)


def test_deprecation_warnings() -> None:
    x = ag.tensor(_matrix((2, 2)))
    with pytest.warns(UserWarning, match="torch.lu is deprecated"):
        lu, pivots = ag.lu(x)
    with pytest.warns(UserWarning, match="torch.lu_solve is deprecated"):
        ag.lu_solve(ag.ones(2, 1, dtype=ag.float64), lu, pivots)


def _factors(m: Any) -> tuple[Any, Any]:
    return tuple(m.linalg.lu_factor(m.tensor(_matrix((3, 3)))))


ERRORS = [
    lambda m: m.linalg.lu_factor(m.tensor(_matrix((3, 3))), pivot=False),
    lambda m: m.linalg.lu(m.tensor(_matrix((3, 3))), pivot=False),
    lambda m: m.lu(m.tensor(_matrix((3, 3))), pivot=False),
    lambda m: m.linalg.lu_factor(m.ones(3)),
    lambda m: m.linalg.lu(m.ones(3)),
    lambda m: m.linalg.lu_factor(m.ones(3, 3, dtype=m.int64)),
    lambda m: m.linalg.lu_factor(m.ones(3, 3, dtype=m.float16)),
    lambda m: m.linalg.lu_solve(*_factors(m), m.ones(3, dtype=m.float64)),
    lambda m: m.linalg.lu_solve(*_factors(m), m.ones(4, 2, dtype=m.float64)),
    lambda m: m.linalg.lu_solve(*_factors(m), m.ones(3, 2, dtype=m.float64), left=False),
    lambda m: m.linalg.lu_solve(*_factors(m), m.ones(3, 2)),
    lambda m: m.linalg.lu_solve(_factors(m)[0], _factors(m)[1].long(), m.ones(3, 2).double()),
    lambda m: m.linalg.lu_solve(_factors(m)[0], _factors(m)[1][:2], m.ones(3, 2).double()),
    lambda m: m.linalg.lu_solve(_factors(m)[0][:, :2], _factors(m)[1], m.ones(3, 2).double()),
    lambda m: m.linalg.lu_solve(_factors(m)[0][0], _factors(m)[1], m.ones(3, 2).double()),
    lambda m: m.linalg.lu_solve(
        m.ones(2, 3, 3, dtype=m.float64), _factors(m)[1], m.ones(3, 2).double()
    ),
    lambda m: m.linalg.lu_solve(_factors(m)[0], _factors(m)[1] + 5, m.ones(3, 2).double()),
    lambda m: m.linalg.lu_solve(_factors(m)[0], _factors(m)[1] * 0, m.ones(3, 2).double()),
    lambda m: m.linalg.lu_solve(m.ones(3, 3, dtype=m.int32), _factors(m)[1], m.ones(3, 2)),
    lambda m: m.lu_unpack(_factors(m)[0], _factors(m)[1].long()),
    lambda m: m.lu_unpack(_factors(m)[0], _factors(m)[1] + 5),
    lambda m: m.lu_unpack(_factors(m)[0][0], _factors(m)[1]),
]


@pytest.mark.parametrize("index", range(len(ERRORS)))
def test_errors_match_torch(index: int) -> None:
    """Misuse raises torch's exception class, with a message that begins as torch's (arraygrad
    adds what it got and the fix)."""
    fn = ERRORS[index]
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(Exception) as mine:
        fn(ag)
    assert type(mine.value) is type(theirs.value)
    assert str(mine.value).startswith(str(theirs.value)[:40])


def _with_zeros(shape: tuple[int, ...], seed: int) -> np.ndarray:
    # Zeros below the first pivot (multipliers of -0.0 or +0.0) and -0.0 entries in the first
    # row: the signs of zero the factorisation must keep.
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    if a.size:
        a[..., 1:, 0] = np.where(rng.random(a[..., 1:, 0].shape) < 0.3, 0.0, a[..., 1:, 0])
        a[..., 0, :] = np.where(rng.random(a[..., 0, :].shape) < 0.2, -0.0, a[..., 0, :])
    return a


@pytest.mark.parametrize("shape", [(5, 5), (3, 4, 6), (2, 3, 7, 4), (1, 1), (4, 0), (3, 0, 0)])
def test_numpys_in_place_factorisation_equals_the_standard_one_bit_for_bit(shape):
    from arraygrad._lu_factor import _lu_generic, _lu_in_place

    for seed in range(10):
        a = _with_zeros(shape, seed)
        assert _lu_in_place(np, a).tobytes() == _lu_generic(np, a).tobytes()


@pytest.mark.parametrize("shape", [(3, 4, 6), (2, 3, 7, 4), (6, 6)])
def test_signs_of_zero_in_lu_are_torchs(shape):
    checked = 0
    for seed in range(10):
        a = _with_zeros(shape, seed)
        mine = ag.linalg.lu_factor(ag.tensor(a)).LU.numpy()
        theirs = torch.linalg.lu_factor(torch.tensor(a)).LU.numpy()
        zeros = theirs == 0
        assert np.array_equal(mine == 0, zeros)
        assert np.array_equal(np.signbit(mine[zeros]), np.signbit(theirs[zeros]))
        checked += int(np.signbit(theirs[zeros]).sum())
    assert checked  # some -0.0 among them


def test_compiled_lu_factor_ex_reports_each_calls_info() -> None:
    """info is recomputed on every replay, not kept from the traced matrix (it once came from a
    raw ``==`` that arraygrad.compile replayed as a constant)."""
    step = ag.compile(lambda a: ag.linalg.lu_factor_ex(a * 1).info)
    matrices = [[[1.0, 2.0], [2.0, 4.0]], [[1.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.0, 1.0]]]
    for m in matrices * 2:
        expected = torch.linalg.lu_factor_ex(torch.tensor(m)).info.item()
        assert step(ag.tensor(m)).item() == expected


def _bits(results: Any) -> list[bytes]:
    return [np.ascontiguousarray(r.detach().numpy()).tobytes() for r in results]


def test_compiled_lu_unpack_lu_and_lu_solve_replay_each_calls_pivots() -> None:
    """A compiled function builds P from each call's pivots, bitwise as eager, without falling
    back to eager code (the pivots' checks are steps of the program, and the permutation is
    built by namespace calls: raw operators on the pivots were replayed as the traced ones)."""

    def fn(a: ag.Tensor, b: ag.Tensor) -> tuple[ag.Tensor, ...]:
        lu, pivots = ag.linalg.lu_factor(a)
        p, lower, upper = ag.linalg.lu(a)
        (grad,) = ag.autograd.grad((lower.sum() + upper.sum()), a)
        results = (
            *ag.lu_unpack(lu, pivots),
            p,
            grad,
            ag.linalg.lu_solve(lu, pivots, b),
            ag.linalg.lu_solve(lu, pivots, b, adjoint=True),
            ag.linalg.lu_solve(lu, pivots, b.mT, left=False),
            ag.lu_solve(b, lu, pivots),
        )
        # detached: results with graphs no backward inside went through would run eagerly
        return tuple(t.detach() for t in results)

    compiled = ag.compile(fn)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for seed in range(6):
            a = ag.tensor(_matrix((2, 4, 4), seed), requires_grad=True)
            b = ag.tensor(_matrix((2, 4, 3), seed + 10))
            assert _bits(compiled(a, b)) == _bits(fn(a, b))
            theirs = torch.linalg.lu(torch.tensor(_matrix((2, 4, 4), seed))).P.numpy()
            assert np.array_equal(compiled(a, b)[3].numpy(), theirs)
    assert not [w for w in caught if "arraygrad.compile" in str(w.message)]
    assert compiled.traces == 1 and not compiled.eager


def test_compiled_lu_checks_each_calls_pivots_and_zero_pivots() -> None:
    unpack = ag.compile(lambda lu, pivots: ag.lu_unpack(lu, pivots).P)
    factor = ag.compile(lambda a: ag.linalg.lu_factor(a).LU)
    lu = ag.tensor(_matrix((3, 3)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # compile's fallback to eager code warns
        for _ in range(2):
            unpack(lu, ag.tensor([3, 2, 3], dtype=ag.int32))
            factor(ag.tensor(_matrix((3, 3))))
        with pytest.raises(RuntimeError, match=r"between 1 and LU\.size"):
            unpack(lu, ag.tensor([3, 4, 3], dtype=ag.int32))
        with pytest.raises(RuntimeError, match=r"U\[2,2\] is zero"):
            singular = [[1.0, 2.0, 0.0], [2.0, 4.0, 0.0], [0.0, 0.0, 1.0]]
            factor(ag.tensor(singular, dtype=ag.float64))
    assert unpack.traces == 1 and factor.traces == 1


# Regression (parity_linalg): the names of the composites' last steps (SliceBackward0,
# AddBackward0, TriuBackward0, LinalgSolveTriangularBackward0, MmBackward0, PermuteBackward0)
@pytest.mark.parametrize(
    "expression",
    [
        "lib.linalg.lu_factor(a)[0]",
        "lib.linalg.lu_factor_ex(a)[0]",
        "lib.lu(a)[0]",
        "lib.linalg.lu(a)[1]",
        "lib.linalg.lu(x)[2]",
        "lib.lu_unpack(*lib.linalg.lu_factor(a))[1]",
        "lib.lu_unpack(*lib.linalg.lu_factor(a))[2]",
        "lib.linalg.lu_solve(*lib.linalg.lu_factor(a), x.t())",
        "lib.linalg.lu_solve(*lib.linalg.lu_factor(a), x.t(), adjoint=True)",
        "lib.linalg.lu_solve(*lib.linalg.lu_factor(a), x, left=False)",
        "lib.lu_solve(x.t(), *lib.linalg.lu_factor(a))",
    ],
)
def test_grad_fn_names_as_torch(expression: str) -> None:
    mine, theirs = square_grad_fn_names(expression)
    assert mine == theirs
