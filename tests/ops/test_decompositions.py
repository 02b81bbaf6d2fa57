"""Matrix decompositions (cholesky, eigh, eigvalsh, svd, svdvals, qr and their top-level and
method forms; the randomized svd_lowrank and pca_lowrank) against torch 2.13.0 (values and VJPs)
and finite differences.

Inputs are built from the drawn arrays so that the decompositions are well defined and far from
degenerate: symmetric positive-definite matrices for cholesky, well-separated eigenvalues and
singular values for eigh and svd, full rank for qr. Eigenvectors, singular vectors and QR
factors are unique only up to signs, so rows compare sign-invariant functions of them
(reconstructions, elementwise squares), whose gradients are still the rules' full gradients.
The randomized decompositions draw from different generators in the two libraries: their rows
take matrices of rank ``r`` with ``q = r``, where the result is the exact SVD whatever the draw,
and compare its singular values and the projectors on its subspaces.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import arraygrad as ag
from tests.ops._helpers import DTYPES, lib, square_grad_fn_names
from tests.oracle import (
    OpSpec,
    assert_like_torch_on,
    check_against_torch,
    run_gradcheck_case,
    run_torch_case,
)

side = st.integers(1, 4)
# float32 factorisations differ from torch's LAPACK calls in the last bits, which the
# reconstructions amplify by the matrices' norms (about 10)
LOOSE = {"rtol": 1e-4, "atol": 1e-4}


def _squares(batch: bool = False) -> Any:
    prefix = st.tuples(st.integers(1, 3)) if batch else st.just(())
    return st.tuples(prefix, side).map(lambda p: (p[0] + (p[1], p[1]),))


def _rectangles(batch: bool = False) -> Any:
    prefix = st.tuples(st.integers(1, 3)) if batch else st.just(())
    return st.tuples(prefix, side, side).map(lambda p: (p[0] + (p[1], p[2]),))


def _spd(a: Any) -> Any:
    """``a a^T + n I``: symmetric positive-definite (eigenvalues at least n)."""
    return a @ a.mT + a.shape[-1] * lib(a).eye(a.shape[-1], dtype=a.dtype)


def _separated(a: Any) -> Any:
    """A symmetric matrix with eigenvalues near 1, 4, 7, 10: ``0.1 (a + a^T)`` (norm at most
    0.8 for entries in [-1, 1]) added to ``diag(1 + 3 i)``, so the gaps stay above 1.4."""
    n = a.shape[-1]
    diagonal = lib(a).diag(1 + 3 * lib(a).arange(n, dtype=a.dtype))
    return 0.1 * (a + a.mT) + diagonal


def _distinct_singular(a: Any) -> Any:
    """A rectangular matrix with singular values near 3, 6, 9, 12: ``0.1 a`` (norm at most 0.4)
    added to a rectangular ``diag(3 (i + 1))``."""
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    scale = lib(a).eye(m, n, dtype=a.dtype) * (3 + 3 * lib(a).arange(n, dtype=a.dtype))
    del k
    return 0.1 * a + scale


def _full_rank(a: Any) -> Any:
    """``a + 3 I`` (rectangular ``I``) for entries in [-1, 1]: full rank, R's diagonal away
    from 0."""
    return a + 3 * lib(a).eye(a.shape[-2], a.shape[-1], dtype=a.dtype)


def _eigh_vectors(a: Any) -> Any:
    values, vectors = lib(a).linalg.eigh(_separated(a))
    return values, vectors * vectors


def _svd_parts(a: Any, full: bool = False) -> Any:
    u, s, vh = lib(a).linalg.svd(_distinct_singular(a), full_matrices=full)
    k = s.shape[-1]
    u, vh = u[..., :k], vh[..., :k, :]  # the extra full_matrices vectors are not unique
    return u * u, s, vh * vh, (u * s.unsqueeze(-2)) @ vh


def _qr_parts(a: Any, mode: str = "reduced") -> Any:
    q, r = lib(a).linalg.qr(_full_rank(a), mode=mode)
    return q * q, r * r, q @ r


def _low_rank(sizes: Any) -> Any:
    """Shapes ``(m, r)`` and ``(r, n)`` (with a batch prefix or not), ``r <= min(m, n)``."""
    return sizes.map(lambda t: (t[0] + (t[1] + t[2], t[1]), t[0] + (t[1], t[1] + t[3])))


_LOW_RANK = st.tuples(st.sampled_from([(), (2,)]), st.integers(1, 3), side, side)


def _rank_r(b: Any, c: Any) -> Any:
    """``B C`` of rank ``r`` (``B``'s columns), well-conditioned: each factor is a scaled
    rectangular identity with distinct scales plus ``0.1`` times the drawn entries."""
    ns = lib(b)
    r = b.shape[-1]
    scales = 1 + ns.arange(r, dtype=b.dtype)
    left = 0.1 * b + ns.eye(b.shape[-2], r, dtype=b.dtype) * scales
    right = 0.1 * c + ns.eye(r, c.shape[-1], dtype=c.dtype) * scales.unsqueeze(-1)
    return left @ right


def _lowrank_parts(u: Any, s: Any, v: Any) -> Any:
    """Sign-free functions of a low-rank SVD: ``S``, ``U diag(S) V^H`` and the projectors
    ``U U^H`` and ``V V^H`` on its column and row spaces."""
    return s, (u * s.unsqueeze(-2)) @ v.mT, u @ u.mT, v @ v.mT


@contextlib.contextmanager
def _fixed_draws(ns: Any) -> Iterator[None]:
    """The randomized range finders draw their test matrix from the global generator: the same
    draw on every call (gradcheck's perturbed calls too) makes them deterministic, whatever the
    tests before drew (with ``niter=0`` a rare ill-conditioned draw fell outside the
    tolerance), and the generator is left as it was."""
    with ns.random.fork_rng():
        ns.manual_seed(0)
        yield


def _svd_lowrank(b: Any, c: Any, **kwargs: Any) -> Any:
    with _fixed_draws(lib(b)):
        return _lowrank_parts(*lib(b).svd_lowrank(_rank_r(b, c), q=b.shape[-1], **kwargs))


def _svd_lowrank_centered(b: Any, c: Any) -> Any:
    """``svd_lowrank`` of ``B C + 1.5`` given ``M``, the 1.5s: the SVD of ``B C``."""
    ns = lib(b)
    with _fixed_draws(ns):
        return _lowrank_parts(
            *ns.svd_lowrank(_rank_r(b, c) + 1.5, q=b.shape[-1], M=ns.ones_like(b[..., :1]) * 1.5)
        )


def _pca_lowrank(b: Any, c: Any, **kwargs: Any) -> Any:
    a = _rank_r(b, c)
    if kwargs.get("center", True):
        # Points on an r-dimensional affine plane away from 0: centered, still of rank r
        # (B has more rows than columns there).
        a = a - a.mean(dim=-2, keepdim=True) + lib(b).arange(a.shape[-1], dtype=a.dtype) + 2
    with _fixed_draws(lib(b)):
        return _lowrank_parts(*lib(b).pca_lowrank(a, q=b.shape[-1], **kwargs))


_TALL = st.tuples(st.sampled_from([(), (2,)]), st.integers(1, 3), side, side).map(
    lambda t: (t[0], t[1], t[2] + 1, t[3])
)


OP_TABLE = {
    "linalg.cholesky": OpSpec(
        lambda a: lib(a).linalg.cholesky(_spd(a)), low=-1, high=1, shapes=_squares(True)
    ),
    "linalg.cholesky:upper": OpSpec(
        lambda a: lib(a).linalg.cholesky(_spd(a), upper=True), low=-1, high=1, shapes=_squares()
    ),
    "cholesky:upper_positional": OpSpec(
        lambda a: lib(a).cholesky(_spd(a), True), low=-1, high=1, shapes=_squares(True)
    ),
    "cholesky:method": OpSpec(lambda a: _spd(a).cholesky(), low=-1, high=1, shapes=_squares()),
    # a non-symmetric input: cholesky reads one triangle, but torch's gradient is the symmetric
    # one, not the finite differences' (so torch is the only oracle here)
    "linalg.cholesky:lower_triangle": OpSpec(
        lambda a: lib(a).linalg.cholesky(_spd(a) + 0.1 * a.tril(-1)),
        low=-1,
        high=1,
        shapes=_squares(),
        gradcheck=False,
    ),
    "linalg.eigh": OpSpec(_eigh_vectors, low=-1, high=1, shapes=_squares(True), **LOOSE),
    "linalg.eigh:upper": OpSpec(
        lambda a: lib(a).linalg.eigh(_separated(a) + 0.1 * a.triu(1), UPLO="U").eigenvalues,
        low=-1,
        high=1,
        shapes=_squares(),
        gradcheck=False,  # a non-symmetric input, as above
        **LOOSE,
    ),
    "linalg.eigvalsh": OpSpec(
        lambda a: lib(a).linalg.eigvalsh(_separated(a)),
        low=-1,
        high=1,
        shapes=_squares(True),
        **LOOSE,
    ),
    "linalg.svd": OpSpec(_svd_parts, low=-1, high=1, shapes=_rectangles(True), **LOOSE),
    "linalg.svd:full_matrices": OpSpec(
        lambda a: _svd_parts(a, True), low=-1, high=1, shapes=_rectangles(), **LOOSE
    ),
    "linalg.svdvals:distinct": OpSpec(
        lambda a: lib(a).linalg.svdvals(_distinct_singular(a)),
        low=-1,
        high=1,
        shapes=_rectangles(True),
        **LOOSE,
    ),
    "svd": OpSpec(
        lambda a: tuple(p * p for p in lib(a).svd(_distinct_singular(a))),
        low=-1,
        high=1,
        shapes=_rectangles(True),
        **LOOSE,
    ),
    "svd:method_some_false_s": OpSpec(
        lambda a: _distinct_singular(a).svd(some=False).S,
        low=-1,
        high=1,
        shapes=_rectangles(),
        **LOOSE,
    ),
    "svd:compute_uv_false": OpSpec(
        lambda a: tuple(lib(a).svd(_distinct_singular(a), compute_uv=False)),
        low=-1,
        high=1,
        shapes=_rectangles(),
        **LOOSE,
    ),
    "linalg.qr": OpSpec(_qr_parts, low=-1, high=1, shapes=_rectangles(True), **LOOSE),
    "linalg.qr:complete_wide": OpSpec(
        lambda a: _qr_parts(a, "complete"),
        low=-1,
        high=1,
        shapes=st.tuples(side, side).map(lambda t: ((t[0], t[0] + t[1] - 1),)),
        **LOOSE,
    ),
    "qr": OpSpec(
        lambda a: tuple(p * p for p in lib(a).qr(_full_rank(a))),
        low=-1,
        high=1,
        shapes=_rectangles(True),
        **LOOSE,
    ),
    "svd_lowrank": OpSpec(_svd_lowrank, 2, -1, 1, shapes=_low_rank(_LOW_RANK), **LOOSE),
    "svd_lowrank:niter_0": OpSpec(
        lambda b, c: _svd_lowrank(b, c, niter=0), 2, -1, 1, shapes=_low_rank(_LOW_RANK), **LOOSE
    ),
    "svd_lowrank:M": OpSpec(
        lambda b, c: _svd_lowrank_centered(b, c),
        2,
        -1,
        1,
        shapes=_low_rank(_LOW_RANK),
        **LOOSE,
    ),
    "pca_lowrank": OpSpec(_pca_lowrank, 2, -1, 1, shapes=_low_rank(_TALL), **LOOSE),
    "pca_lowrank:no_center": OpSpec(
        lambda b, c: _pca_lowrank(b, c, center=False, niter=1),
        2,
        -1,
        1,
        shapes=_low_rank(_LOW_RANK),
        **LOOSE,
    ),
    "qr:method_some_false_r": OpSpec(
        lambda a: _full_rank(a).qr(some=False).R ** 2,
        low=-1,
        high=1,
        shapes=st.tuples(side, side).map(lambda t: ((t[0], t[0] + t[1] - 1),)),
        **LOOSE,
    ),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(n for n in OP_TABLE if OP_TABLE[n].gradcheck))
@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


GRADGRAD = {
    "cholesky": lambda a: lib(a).linalg.cholesky(_spd(a)),
    "eigh": _eigh_vectors,
    "svd": _svd_parts,
    "qr": _qr_parts,
}


@pytest.mark.parametrize("name", sorted(GRADGRAD))
@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2)])
def test_second_derivatives_match_torch(name: str, shape: tuple[int, int]) -> None:
    """Double backward (the rules run on Tensors) against torch's."""
    if name in ("cholesky", "eigh") and shape[0] != shape[1]:
        shape = (shape[0], shape[0])
    fn = GRADGRAD[name]
    x = np.random.default_rng(1).uniform(-1, 1, shape)

    def grads(module: Any) -> Any:
        a = module.tensor(x, requires_grad=True)
        outs = fn(a)
        outs = outs if isinstance(outs, tuple) else (outs,)
        loss = sum((o**2).sum() for o in outs)
        (g,) = module.autograd.grad(loss, a, create_graph=True)
        (gg,) = module.autograd.grad((g**2).sum(), a)
        return g.detach().numpy(), gg.detach().numpy()

    for mine, theirs in zip(grads(ag), grads(torch), strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-7, atol=1e-9)


def test_named_results() -> None:
    a = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
    for module in (ag, torch):
        x = module.tensor(a)
        assert type(module.linalg.eigh(x)).__name__ == "linalg_eigh"
        assert type(module.linalg.svd(x)).__name__ == "linalg_svd"
        assert type(module.linalg.qr(x)).__name__ == "linalg_qr"
        assert type(module.svd(x)).__name__ == "svd"
        assert type(module.qr(x)).__name__ == "qr"
    e_ag, e_th = ag.linalg.eigh(ag.tensor(a)), torch.linalg.eigh(torch.tensor(a))
    np.testing.assert_allclose(e_ag.eigenvalues.numpy(), e_th.eigenvalues.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "call",
    [
        lambda m, a: m.linalg.qr(a, mode="r"),
        lambda m, a: m.linalg.qr(a, mode="complete"),
        lambda m, a: m.linalg.svd(a),
        lambda m, a: m.linalg.svd(a, full_matrices=False),
        lambda m, a: m.svd(a, some=False),
        lambda m, a: m.svd(a, compute_uv=False),
    ],
)
@pytest.mark.parametrize("shape", [(3, 2), (2, 3), (0, 3), (3, 0), (2, 0, 0), (2, 2, 3)])
def test_shapes_and_empty(call: Any, shape: tuple[int, ...]) -> None:
    """Result shapes (including empty matrices and batches) and sign-invariant values."""
    x = np.random.default_rng(2).uniform(-1, 1, shape)
    mine, theirs = call(ag, ag.tensor(x)), call(torch, torch.tensor(x))
    for p, q in zip(mine, theirs, strict=True):
        assert tuple(p.shape) == tuple(q.shape)
        np.testing.assert_allclose(np.abs(p.numpy()), np.abs(q.numpy()), atol=1e-12)


@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0)])
def test_empty_square(shape: tuple[int, ...]) -> None:
    for fn in (
        lambda m, a: (m.linalg.cholesky(a),),
        lambda m, a: tuple(m.linalg.eigh(a)),
        lambda m, a: (m.linalg.eigvalsh(a),),
    ):
        mine, theirs = fn(ag, ag.zeros(shape)), fn(torch, torch.zeros(shape))
        assert [tuple(p.shape) for p in mine] == [tuple(q.shape) for q in theirs]


def test_repeated_eigenvalues_give_torch_values() -> None:
    """Repeated eigenvalues: eigenvalue gradients stay finite, as in torch."""
    for module in (ag, torch):
        a = module.tensor(np.eye(3), requires_grad=True)
        (g,) = module.autograd.grad(module.linalg.eigvalsh(a).sum(), a)
        np.testing.assert_allclose(g.numpy(), np.eye(3), atol=1e-12)


def test_repeated_eigenvalues_with_vectors_are_not_finite() -> None:
    """Repeated eigen/singular values with a cotangent on the vectors: no finite gradient, in
    arraygrad as in torch (the vectors are not unique there)."""
    w = np.random.default_rng(7).standard_normal((3, 3))
    for module in (ag, torch):
        a = module.tensor(np.eye(3), requires_grad=True)
        (g,) = module.autograd.grad(
            (module.linalg.eigh(a).eigenvectors * module.tensor(w)).sum(), a
        )
        assert not np.isfinite(g.numpy()).all()
        b = module.tensor(np.eye(3), requires_grad=True)
        (g,) = module.autograd.grad((module.linalg.svd(b).U * module.tensor(w)).sum(), b)
        assert not np.isfinite(g.numpy()).all()


def test_triangle_read() -> None:
    """cholesky and eigh read only the triangle they are asked for, as torch."""
    a = np.array([[4.0, 100.0], [1.0, 3.0]])
    for fn in (
        lambda m, x: m.linalg.cholesky(x),
        lambda m, x: m.linalg.eigvalsh(x),
        lambda m, x: m.linalg.eigvalsh(x.mT, UPLO="U"),
    ):
        np.testing.assert_allclose(
            fn(ag, ag.tensor(a)).numpy(), fn(torch, torch.tensor(a)).numpy(), rtol=1e-12
        )


ERRORS = [
    (lambda m: m.linalg.cholesky(-m.eye(2)), None),
    (lambda m: m.linalg.cholesky(m.tensor([[1.0, 2.0], [2.0, 1.0]])), None),
    (lambda m: m.cholesky(m.tensor([[4.0, 100.0], [1.0, 3.0]]), True), None),
    (lambda m: m.linalg.cholesky(m.ones(2, 3)), RuntimeError),
    (lambda m: m.linalg.cholesky(m.ones(2, 2, dtype=m.int64)), RuntimeError),
    (lambda m: m.linalg.eigh(m.ones(2, 3)), RuntimeError),
    (lambda m: m.linalg.eigh(m.ones(2, 2), UPLO="X"), RuntimeError),
    (lambda m: m.linalg.eigvalsh(m.ones(3)), RuntimeError),
    (lambda m: m.linalg.svd(m.ones(3)), RuntimeError),
    (lambda m: m.linalg.svd(m.ones(2, 2, dtype=m.int64)), RuntimeError),
    (lambda m: m.linalg.svdvals(m.ones(3)), RuntimeError),
    (lambda m: m.linalg.qr(m.ones(3)), RuntimeError),
    (lambda m: m.linalg.qr(m.ones(2, 2), mode="x"), RuntimeError),
    (lambda m: m.linalg.qr(m.ones(2, 2, dtype=m.int64)), RuntimeError),
    (lambda m: m.linalg.svd(m.eye(2), driver="gesvd"), RuntimeError),
    (lambda m: m.linalg.svdvals(m.eye(2), driver="gesvd"), RuntimeError),
]


@pytest.mark.parametrize("index", range(len(ERRORS)))
def test_errors_match_torch(index: int) -> None:
    fn, _ = ERRORS[index]
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(Exception) as mine:
        fn(ag)
    assert isinstance(mine.value, RuntimeError)
    # torch's LinAlgError is torch.linalg.LinAlgError; arraygrad's is arraygrad.linalg's
    if isinstance(theirs.value, torch.linalg.LinAlgError):
        assert isinstance(mine.value, ag.linalg.LinAlgError)
    else:
        assert type(mine.value) is type(theirs.value)
        assert not isinstance(mine.value, ag.linalg.LinAlgError)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m, a: m.linalg.qr(a, mode="r").R.sum(),
        lambda m, a: m.linalg.qr(a, mode="complete").Q.sum(),
    ],
)
def test_qr_backward_errors_match_torch(fn: Any) -> None:
    x = np.random.default_rng(3).uniform(-1, 1, (4, 2))
    for module in (torch, ag):
        a = module.tensor(x, requires_grad=True)
        with pytest.raises(RuntimeError, match=r"linalg\.qr|not differentiable"):
            fn(module, a).backward()


def test_lower_and_upper_agree_with_check_against_torch() -> None:
    """cholesky(upper=True) is the transposed lower factor (values and gradients)."""
    a = np.array([[4.0, 2.0, 0.4], [2.0, 5.0, 1.0], [0.4, 1.0, 3.0]])
    check_against_torch(lambda x: lib(x).linalg.cholesky(x, upper=True).mT, None, [a])


# --- svd_lowrank and pca_lowrank beyond the table -------------------------------------------


def test_svd_lowrank_approximates_a_full_rank_matrix_near_the_best_rank_q() -> None:
    # Singular values 2^-i: the rank-q truncation error is sigma_q = 2^-6. Over 200 seeds the
    # randomized one was within 14 sigma_q without subspace iteration and 2 sigma_q after two
    # steps, in both libraries (and the leading singular values within 0.35 and 2e-8).
    rng = np.random.default_rng(0)
    u, _ = np.linalg.qr(rng.standard_normal((30, 12)))
    v, _ = np.linalg.qr(rng.standard_normal((20, 12)))
    a = (u * 2.0 ** -np.arange(12)) @ v.T
    for lib_ in (torch, ag):
        for niter, factor, rtol in [(0, 20.0, 0.5), (2, 2.5, 1e-6)]:
            lib_.manual_seed(0)
            U, S, V = lib_.svd_lowrank(lib_.tensor(a), q=6, niter=niter)
            error = np.linalg.norm(a - (U * S).numpy() @ V.numpy().T, 2)
            assert error < factor * 2.0**-6, (lib_.__name__, niter, error)
            np.testing.assert_allclose(S.numpy()[:3], 2.0 ** -np.arange(3), rtol=rtol)
            orthogonality = np.abs(U.numpy().T @ U.numpy() - np.eye(6)).max()
            assert orthogonality < 1e-12


def test_svd_lowrank_of_a_wide_matrix_and_a_batch() -> None:
    rng = np.random.default_rng(1)
    a = rng.standard_normal((2, 3, 4)) @ rng.standard_normal((2, 4, 9))  # rank 3, wide
    U, S, V = ag.svd_lowrank(ag.tensor(a), q=3)
    their_s = torch.linalg.svdvals(torch.tensor(a))[..., :3]
    np.testing.assert_allclose(S.numpy(), their_s.numpy(), rtol=1e-10)
    np.testing.assert_allclose((U * S.unsqueeze(-2)).numpy() @ V.mT.numpy(), a, atol=1e-10)
    assert type(ag.svd_lowrank(ag.tensor(a), q=3)) is tuple


@pytest.mark.parametrize(
    "call",
    [
        lambda L, a: L.svd_lowrank(a),
        lambda L, a: L.svd_lowrank(a, q=10),
        lambda L, a: L.svd_lowrank(a, q=0),
        lambda L, a: L.svd_lowrank(a.T, q=3),
        lambda L, a: L.svd_lowrank(a, None, None),
        lambda L, a: L.svd_lowrank(a, 3, -1),
        lambda L, a: L.svd_lowrank(a, q=3, M=L.ones(5, dtype=a.dtype)),
        lambda L, a: L.svd_lowrank(a[:0], q=0),
        lambda L, a: L.svd_lowrank(a.float(), q=3),
        lambda L, a: L.pca_lowrank(a),
        lambda L, a: L.pca_lowrank(a, 3, False, 0),
        lambda L, a: L.pca_lowrank(a.T),
        lambda L, a: L.pca_lowrank(a.reshape(1, 7, 5)),
    ],
)
def test_lowrank_shapes_and_dtypes_match_torch(call: Any) -> None:
    a = np.random.default_rng(2).standard_normal((7, 5))
    theirs = call(torch, torch.tensor(a))
    mine = call(ag, ag.tensor(a))
    assert [tuple(t.shape) for t in mine] == [tuple(t.shape) for t in theirs]
    assert [str(t.dtype)[-7:] for t in mine] == [str(t.dtype)[-7:] for t in theirs]


def test_lowrank_is_seeded_by_the_global_generator() -> None:
    a = ag.tensor(np.random.default_rng(3).standard_normal((8, 6)))
    ag.manual_seed(5)
    first = ag.svd_lowrank(a, q=2, niter=0)[0].tolist()
    ag.manual_seed(5)
    assert ag.svd_lowrank(a, q=2, niter=0)[0].tolist() == first


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda L, a: L.svd_lowrank(a, q=-1), RuntimeError),
        (lambda L, a: L.svd_lowrank(a, q=2.5), TypeError),
        (lambda L, a: L.svd_lowrank(a[0]), ValueError),
        (lambda L, a: L.svd_lowrank(a, q=3, M=L.ones(7, 5)), RuntimeError),
        (lambda L, a: L.svd_lowrank(a.long(), q=3), RuntimeError),
        (lambda L, a: L.svd_lowrank(a.half(), q=3), NotImplementedError),
        (lambda L, a: L.pca_lowrank(a, q=6), ValueError),
        (lambda L, a: L.pca_lowrank(a, q=-1), ValueError),
        (lambda L, a: L.pca_lowrank(a, q=2.0), TypeError),
        (lambda L, a: L.pca_lowrank(a, niter=-1), ValueError),
        (lambda L, a: L.pca_lowrank(a[0]), ValueError),
        (lambda L, a: L.pca_lowrank(a.long()), RuntimeError),
    ],
)
def test_lowrank_errors_match_torch(call: Any, error: type[Exception]) -> None:
    a = np.random.default_rng(4).standard_normal((7, 5))
    with pytest.raises(error):
        call(torch, torch.tensor(a))
    with pytest.raises(error):
        call(ag, ag.tensor(a))


def test_lowrank_messages_are_torchs() -> None:
    a = ag.ones(7, 5, dtype=ag.float64)
    with pytest.raises(ValueError, match=r"q\(=6\) must be non-negative integer and not greater"):
        ag.pca_lowrank(a, q=6)
    with pytest.raises(ValueError, match=r"niter\(=-1\) must be non-negative integer"):
        ag.pca_lowrank(a, niter=-1)
    with pytest.raises(RuntimeError, match="same dtype, but got: float != double"):
        ag.svd_lowrank(a, q=3, M=ag.ones(7, 5))


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
@pytest.mark.parametrize("shape", [(4, 2), (2, 4), (2, 3, 1)])
def test_pinv_gradient_with_a_zero_singular_value_matches_torch(shape: Any, dtype: Any) -> None:
    # pinv's derivative term sends zero cotangents through the SVD, whose backward divided
    # them by the exactly zero singular values (0 / 0: nan gradients; linalg fuzzer, seeds
    # 12373, 12975)
    rng = np.random.default_rng(3)
    a = (rng.standard_normal((*shape[:-1], 1)) @ rng.standard_normal((1, shape[-1]))).astype(dtype)
    a[..., 0, :] = 0  # rank 1 at most; a zero matrix for the (2, 3, 1) batch
    check_against_torch(
        lambda x: lib(x).linalg.pinv(x, atol=1e-4, rtol=0.0), None, [a], rtol=1e-6, atol=1e-8
    )


# Regression (emptygrid): svd_lowrank (and pca_lowrank) of an empty matrix took the QR of a zero
# range, whose backward raised NumPy's LinAlgError (singular R); torch's gradient is empty.
@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (2, 0, 3), (0, 0)], ids=str)
def test_svd_lowrank_of_an_empty_matrix_as_torch(shape: tuple[int, ...]) -> None:
    assert_like_torch_on(lambda L, x: L.svd_lowrank(x)[1], shape)
    assert_like_torch_on(lambda L, x: L.svd_lowrank(x, q=-1)[1], shape)


# Regression (leftovers13): the QR gradient of a matrix with a zero column (R with a zero on its
# diagonal) raised NumPy's LinAlgError from an LU solve with R; torch solves with R by trsm,
# which divides by the zero: inf and nan in the columns that depend on it, the others finite.
# (Which of inf and nan an entry gets hangs on whether a numerator rounds to exactly 0, which
# the two libraries' products need not agree on: the finite entries are compared.)
@pytest.mark.parametrize(
    "matrix",
    [
        [[1.0, 0, 2], [3, 0, 4], [5, 0, 7]],
        [[0.0, 1, 2], [0, 3, 4], [0, 5, 7]],
        [[1.0, 2, 0], [3, 4, 0], [5, 7, 0]],
        [[0.0, 1, 2], [0, 3, 4]],
        [[0.0, 0], [0, 0]],
    ],
    ids=["middle", "first", "last", "wide", "zero"],
)
@pytest.mark.parametrize("mode", ["reduced", "complete"])
def test_qr_gradient_of_a_rank_deficient_matrix_as_torch(matrix: list, mode: str) -> None:
    grads = []
    for L in (torch, ag):
        a = L.tensor(matrix, dtype=L.float64, requires_grad=True)
        q, r = L.linalg.qr(a, mode=mode)
        (q * L.arange(q.numel(), dtype=L.float64).reshape(q.shape)).sum().add(r.sum()).backward()
        grads.append(np.asarray(a.grad.tolist()))
    theirs, mine = grads
    assert not np.isfinite(theirs).all()
    np.testing.assert_array_equal(np.isfinite(mine), np.isfinite(theirs))
    finite = np.isfinite(theirs)
    np.testing.assert_allclose(mine[finite], theirs[finite], rtol=1e-10, atol=1e-12)


# Regression (parity_linalg): the views of the packed decompositions were named SliceBackward0,
# SelectBackward0, PermuteBackward0 or RealBackward0, the factor LinalgCholeskyBackward0
@pytest.mark.parametrize(
    "expression",
    [
        "lib.linalg.cholesky(a)",
        "lib.linalg.cholesky(a, upper=True)",
        "lib.cholesky(a)",
        "lib.linalg.cholesky(a.to(lib.complex64))",
        "lib.linalg.eigh(a)[0]",
        "lib.linalg.eigh(a)[1]",
        "lib.linalg.eigvalsh(a.to(lib.complex64))",
        "lib.linalg.svd(x)[0]",
        "lib.linalg.svd(x, full_matrices=False)[1]",
        "lib.linalg.svd(x)[2]",
        "lib.linalg.svdvals(x.to(lib.complex64))",
        "lib.svd(x)[2]",
        "lib.svd(x.to(lib.complex64))[2]",
        "lib.linalg.qr(x.t())[0]",
        "lib.linalg.qr(x.t(), mode='complete')[1]",
        "lib.qr(x)[1]",
    ],
)
def test_grad_fn_names_as_torch(expression: str) -> None:
    mine, theirs = square_grad_fn_names(expression)
    assert mine == theirs
