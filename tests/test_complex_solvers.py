"""The fourth slice of complex ops: LU (lu_factor / lu_factor_ex / lu / lu_unpack / lu_solve,
torch.lu / lu_solve), the triangular and Cholesky solves (solve_triangular, triangular_solve,
cholesky_solve, cholesky_inverse), the _ex variants (cholesky_ex, inv_ex, solve_ex) and the
Householder products (householder_product, orgqr, ormqr, geqrf) of complex matrices, with
values and gradients against torch (complex128, random complex cotangents), by finite
differences on the real and imaginary parts, second derivatives, LAPACK's complex pivots, and
vecdot's dtype error in torch's words."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from oracle import check_against_torch, check_complex_gradient

import arraygrad as ag

RNG = np.random.default_rng(20260104)


def _complex(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


def _hermitian(n: int) -> np.ndarray:
    a = _complex(n, n)
    return a @ a.conj().T + np.eye(n)


SQUARE, TALL, WIDE, BATCH, RHS = (
    _complex(4, 4),
    _complex(5, 3),
    _complex(3, 5),
    _complex(2, 3, 3),
    _complex(4, 2),
)
HERMITIAN = _hermitian(4)
# Triangular matrices kept well conditioned; a Cholesky factor has a real positive diagonal.
TRIANGLE = np.triu(_complex(4, 4)) + 3 * np.eye(4)
FACTOR = np.triu(_complex(4, 4), 1) + np.diag(RNG.uniform(1.0, 2.0, 4))
NOT_POSITIVE = HERMITIAN.copy()
NOT_POSITIVE[2, 2] = -5.0
# Exactly singular: a zero column, and a matrix whose LU meets an exact zero (-1 - i * i)
ZERO_COLUMN = SQUARE.copy()
ZERO_COLUMN[:, 1] = 0.0
SINGULAR = np.array([[1, 1j, 2], [1j, -1, 3j], [2, 1 + 1j, 1]])


def _lu_solve(lib: Any, a: Any, b: Any, **options: Any) -> Any:
    return lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b, **options)


Case = tuple[Callable[..., Any], list[np.ndarray]]

OPS: dict[str, Case] = {
    "lu_factor": (lambda lib, a: tuple(lib.linalg.lu_factor(a)), [SQUARE]),
    "lu_factor_tall": (lambda lib, a: tuple(lib.linalg.lu_factor(a)), [TALL]),
    "lu_factor_wide": (lambda lib, a: tuple(lib.linalg.lu_factor(a)), [WIDE]),
    "lu_factor_batched": (lambda lib, a: tuple(lib.linalg.lu_factor(a)), [BATCH]),
    "lu_factor_ex": (lambda lib, a: tuple(lib.linalg.lu_factor_ex(a)), [SQUARE]),
    "lu": (lambda lib, a: tuple(lib.linalg.lu(a)), [SQUARE]),
    "lu_tall": (lambda lib, a: tuple(lib.linalg.lu(a)), [TALL]),
    "lu_wide": (lambda lib, a: tuple(lib.linalg.lu(a)), [WIDE]),
    "lu_unpack": (lambda lib, a: tuple(lib.lu_unpack(*lib.linalg.lu_factor(a))), [SQUARE]),
    "lu_solve": (lambda lib, a, b: _lu_solve(lib, a, b), [SQUARE, RHS]),
    "lu_solve_adjoint": (lambda lib, a, b: _lu_solve(lib, a, b, adjoint=True), [SQUARE, RHS]),
    "lu_solve_right": (lambda lib, a, b: _lu_solve(lib, a, b.mT, left=False), [SQUARE, RHS]),
    "lu_solve_right_adjoint": (
        lambda lib, a, b: _lu_solve(lib, a, b.mT, left=False, adjoint=True),
        [SQUARE, RHS],
    ),
    "torch_lu_solve": (lambda lib, a, b: lib.lu_solve(b, *lib.linalg.lu_factor(a)), [SQUARE, RHS]),
    "torch_lu": (lambda lib, a: tuple(lib.lu(a, get_infos=True)), [SQUARE]),
    "solve_triangular": (
        lambda lib, a, b: lib.linalg.solve_triangular(a, b, upper=True),
        [TRIANGLE, RHS],
    ),
    "solve_triangular_lower": (
        lambda lib, a, b: lib.linalg.solve_triangular(a.mH, b, upper=False),
        [TRIANGLE, RHS],
    ),
    "solve_triangular_right_unit": (
        lambda lib, a, b: lib.linalg.solve_triangular(
            a, b.mT, upper=True, left=False, unitriangular=True
        ),
        [TRIANGLE, RHS],
    ),
    "triangular_solve": (lambda lib, a, b: tuple(lib.triangular_solve(b, a)), [TRIANGLE, RHS]),
    "triangular_solve_transpose": (
        lambda lib, a, b: tuple(lib.triangular_solve(b, a.mT, upper=False, transpose=True)),
        [TRIANGLE, RHS],
    ),
    "cholesky_solve": (
        lambda lib, a, b: lib.cholesky_solve(b, lib.linalg.cholesky(a)),
        [HERMITIAN, RHS],
    ),
    "cholesky_solve_factor": (lambda lib, f, b: lib.cholesky_solve(b, f.mH), [FACTOR, RHS]),
    "cholesky_solve_upper": (
        lambda lib, f, b: lib.cholesky_solve(b, f, upper=True),
        [TRIANGLE, RHS],
    ),
    "cholesky_inverse": (lambda lib, f: lib.cholesky_inverse(f.mH), [FACTOR]),
    "cholesky_inverse_upper": (lambda lib, f: lib.cholesky_inverse(f, upper=True), [FACTOR]),
    "cholesky_ex": (lambda lib, a: tuple(lib.linalg.cholesky_ex(a)), [HERMITIAN]),
    "cholesky_ex_upper": (lambda lib, a: tuple(lib.linalg.cholesky_ex(a, upper=True)), [HERMITIAN]),
    "inv_ex": (lambda lib, a: tuple(lib.linalg.inv_ex(a)), [SQUARE]),
    "solve_ex": (lambda lib, a, b: tuple(lib.linalg.solve_ex(a, b)), [SQUARE, RHS]),
    "solve_ex_right": (
        lambda lib, a, b: tuple(lib.linalg.solve_ex(a, b.mT, left=False)),
        [SQUARE, RHS],
    ),
    "solve_ex_vector": (lambda lib, a, b: tuple(lib.linalg.solve_ex(a, b[:, 0])), [SQUARE, RHS]),
    "householder_product": (
        lambda lib, a, tau: lib.linalg.householder_product(a, tau),
        [TALL, _complex(3)],
    ),
    "householder_product_batched": (
        lambda lib, a, tau: lib.linalg.householder_product(a, tau),
        [_complex(2, 4, 3), _complex(2, 2)],
    ),
    "orgqr": (lambda lib, a, tau: lib.orgqr(a, tau), [TALL, _complex(3)]),
    "ormqr": (lambda lib, a, tau, c: lib.ormqr(a, tau, c), [TALL, _complex(3), _complex(5, 2)]),
    "ormqr_right_transpose": (
        lambda lib, a, tau, c: lib.ormqr(a, tau, c, left=False, transpose=True),
        [TALL, _complex(3), _complex(2, 5)],
    ),
}

# No gradient: torch's for failed factorisations is of the partial factor (arraygrad gives
# none, for real matrices too); geqrf has none.
VALUES: dict[str, Case] = {
    "cholesky_ex_not_positive": (lambda lib, a: tuple(lib.linalg.cholesky_ex(a)), [NOT_POSITIVE]),
    "cholesky_ex_not_positive_upper_batched": (
        lambda lib, a: tuple(lib.linalg.cholesky_ex(a, upper=True)),
        [np.stack([HERMITIAN, NOT_POSITIVE])],
    ),
    "lu_factor_ex_singular": (lambda lib, a: tuple(lib.linalg.lu_factor_ex(a)), [SINGULAR]),
    "lu_zero_column": (lambda lib, a: tuple(lib.linalg.lu(a)), [ZERO_COLUMN]),
    "inv_ex_singular": (lambda lib, a: tuple(lib.linalg.inv_ex(a)), [SINGULAR]),
    "inv_ex_zero_column": (lambda lib, a: tuple(lib.linalg.inv_ex(a)), [ZERO_COLUMN]),
    "solve_ex_zero_column": (
        lambda lib, a, b: tuple(lib.linalg.solve_ex(a, b)),
        [ZERO_COLUMN, RHS],
    ),
    "solve_ex_singular_right": (
        lambda lib, a, b: tuple(lib.linalg.solve_ex(a, b.mT, left=False)),
        [SINGULAR, RHS[:3]],
    ),
    "geqrf": (lambda lib, a: tuple(lib.geqrf(a)), [TALL]),
}


def _quiet(fn: Callable[..., Any], lib: Any) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        with warnings.catch_warnings():  # torch.lu, lu_solve and triangular_solve deprecated
            warnings.simplefilter("ignore", UserWarning)
            return fn(lib, *args)

    return call


@pytest.mark.parametrize("name", sorted(OPS))
def test_ops_match_torch(name: str) -> None:
    fn, inputs = OPS[name]
    check_against_torch(_quiet(fn, ag), _quiet(fn, torch), inputs)


@pytest.mark.parametrize("name", sorted(VALUES))
def test_values_match_torch(name: str) -> None:
    fn, inputs = VALUES[name]
    check_against_torch(_quiet(fn, ag), _quiet(fn, torch), inputs, grad=False)


def test_pivots_are_lapacks_complex_ones() -> None:
    # |3| > |2 + 2i| but |Re| + |Im| picks the second row, as LAPACK's complex getrf does; the
    # same in complex64
    for dtype in ("complex128", "complex64"):
        a = np.array([[3, 1, 0.5j], [2 + 2j, 5, 1], [1j, 1, 2.9]], dtype=dtype)
        mine = ag.linalg.lu_factor(ag.tensor(a))
        theirs = torch.linalg.lu_factor(torch.tensor(a))
        assert mine.pivots.tolist() == theirs.pivots.tolist() == [2, 2, 3]
        assert mine.LU.dtype is getattr(ag, dtype)
        np.testing.assert_allclose(mine.LU.numpy(), theirs.LU.numpy(), rtol=1e-6)


# Finite differences perturb every entry of a 3 x 3 input z (and of its own parts)
FINITE: dict[str, Callable[[Any, Any], Any]] = {
    "lu_factor": lambda lib, z: lib.linalg.lu_factor(z).LU,
    "lu_wide": lambda lib, z: tuple(lib.linalg.lu(z[:2]))[1:],
    "lu_solve_adjoint": lambda lib, z: _lu_solve(lib, z, z[:, :2], adjoint=True),
    "solve_triangular": lambda lib, z: lib.linalg.solve_triangular(
        z + 3 * lib.eye(3), z, upper=False, left=False
    ),
    # (a triangular factor: torch's gradients multiply by the whole factor as given)
    "cholesky_solve": lambda lib, z: lib.cholesky_solve(z, lib.triu(z) + 3 * lib.eye(3), True),
    "cholesky_inverse": lambda lib, z: lib.cholesky_inverse(lib.tril(z) + 3 * lib.eye(3)),
    "householder_product": lambda lib, z: lib.linalg.householder_product(z, z[0, :2]),
    "inv_ex": lambda lib, z: lib.linalg.inv_ex(z).inverse,
}


@pytest.mark.parametrize("name", sorted(FINITE))
def test_gradients_match_finite_differences(name: str) -> None:
    check_complex_gradient(lambda z: FINITE[name](ag, z), _complex(3, 3), _complex)


def test_second_derivatives_match_torch() -> None:
    z0 = _complex(3, 3)
    grads = []
    for lib in (ag, torch):
        a = lib.tensor(z0, requires_grad=True)
        out = lib.linalg.lu_factor(a).LU.abs().sum()
        out = out + lib.linalg.solve_triangular(a + 3 * lib.eye(3), a, upper=True).abs().sum()
        first = lib.autograd.grad(out, a, create_graph=True)[0]
        second = lib.autograd.grad((first * first.conj()).real.sum(), a)[0]
        grads.append(second.detach().resolve_conj().numpy() if lib is torch else second.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-8)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.linalg.vecdot(lib.tensor([1j, 2.0]), lib.tensor([1.0, 2.0])),
        lambda lib: lib.linalg.vecdot(lib.ones(2), lib.tensor([1j, 2.0])),
        lambda lib: lib.linalg.vecdot(
            lib.ones(2, dtype=lib.cfloat), lib.ones(2, dtype=lib.cdouble)
        ),
        lambda lib: lib.linalg.vecdot(lib.ones(2, dtype=lib.int64), lib.ones(2, dtype=lib.int64)),
        lambda lib: lib.linalg.lu_solve(
            *lib.linalg.lu_factor(lib.eye(2, dtype=lib.cdouble)), lib.ones(2, 1)
        ),
    ],
)
def test_errors_match_torch(call: Callable[[Any], Any]) -> None:
    # torch's class and message (arraygrad may add a "Fix: ..." sentence)
    messages = []
    for lib in (torch, ag):
        with pytest.raises(RuntimeError) as error:
            call(lib)
        messages.append(str(error.value))
    theirs, mine = messages
    assert mine.startswith(theirs), (mine, theirs)
