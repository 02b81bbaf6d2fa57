"""The third slice of complex ops: the decompositions (svd, eigh, qr, cholesky), slogdet /
logdet, pinv, the spectral norms, matrix_exp, vecdot, lstsq, matrix_rank and cond of complex
matrices, with values and gradients against torch (complex128, random complex cotangents; the
moduli of vectors whose phase is free) and by finite differences on the real and imaginary
parts; torch's errors for losses that depend on a free phase; the complex random fills and
PyTorch's refusals of complex nansum / nanmean."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from oracle import check_against_torch, check_complex_gradient

import arraygrad as ag

RNG = np.random.default_rng(20260103)


def _complex(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)


def _hermitian(*shape: int) -> np.ndarray:
    # positive-definite, with well-separated eigenvalues
    a = _complex(*shape)
    return a @ np.conj(np.swapaxes(a, -1, -2)) + np.eye(shape[-1])


def _abs(parts: Any) -> tuple[Any, ...]:
    return tuple(p.abs() for p in parts)


SQUARE, TALL, WIDE, HERMITIAN = _complex(4, 4), _complex(4, 3), _complex(3, 4), _hermitian(4, 4)
BATCH, BATCH_HERMITIAN = _complex(2, 3, 4), _hermitian(2, 3, 3)

OPS: dict[str, tuple[Callable[[Any, Any], Any], np.ndarray]] = {
    "svdvals": (lambda lib, a: lib.linalg.svdvals(a), SQUARE),
    "svdvals_wide": (lambda lib, a: lib.linalg.svdvals(a), WIDE),
    "svd_abs": (lambda lib, a: _abs(lib.linalg.svd(a)), SQUARE),
    "svd_abs_tall_reduced": (lambda lib, a: _abs(lib.linalg.svd(a, full_matrices=False)), TALL),
    "svd_abs_wide_reduced": (lambda lib, a: _abs(lib.linalg.svd(a, full_matrices=False)), WIDE),
    "svd_abs_batched": (lambda lib, a: _abs(lib.linalg.svd(a, full_matrices=False)), BATCH),
    "svd_product": (
        lambda lib, a: (lambda u, s, vh: (u * s.to(u.dtype)) @ vh)(
            *lib.linalg.svd(a, full_matrices=False)
        ),
        TALL,
    ),
    "torch_svd_abs": (lambda lib, a: _abs(lib.svd(a)), TALL),
    "eigvalsh": (lambda lib, a: lib.linalg.eigvalsh(a), HERMITIAN),
    "eigvalsh_upper": (lambda lib, a: lib.linalg.eigvalsh(a, "U"), HERMITIAN),
    "eigh_abs": (lambda lib, a: _abs(lib.linalg.eigh(a)), HERMITIAN),
    "eigh_abs_upper_batched": (lambda lib, a: _abs(lib.linalg.eigh(a, "U")), BATCH_HERMITIAN),
    "qr": (lambda lib, a: tuple(lib.linalg.qr(a)), SQUARE),
    "qr_tall": (lambda lib, a: tuple(lib.linalg.qr(a)), TALL),
    "qr_wide": (lambda lib, a: tuple(lib.linalg.qr(a)), WIDE),
    "qr_complete_wide": (lambda lib, a: tuple(lib.linalg.qr(a, "complete")), WIDE),
    "qr_batched": (lambda lib, a: tuple(lib.linalg.qr(a)), BATCH),
    "cholesky": (lambda lib, a: lib.linalg.cholesky(a), HERMITIAN),
    "cholesky_upper": (lambda lib, a: lib.linalg.cholesky(a, upper=True), HERMITIAN),
    "cholesky_batched": (lambda lib, a: lib.cholesky(a), BATCH_HERMITIAN),
    "slogdet": (lambda lib, a: tuple(lib.linalg.slogdet(a)), SQUARE),
    "slogdet_batched": (lambda lib, a: tuple(lib.linalg.slogdet(a[:, :, 1:])), BATCH),
    "logdet": (lambda lib, a: lib.logdet(a), SQUARE),
    "pinv": (lambda lib, a: lib.linalg.pinv(a), TALL),
    "pinv_wide": (lambda lib, a: lib.linalg.pinv(a), WIDE),
    "pinv_hermitian": (lambda lib, a: lib.linalg.pinv(a, hermitian=True), HERMITIAN),
    "pinv_atol": (lambda lib, a: lib.linalg.pinv(a, atol=1e-3), TALL),
    "pinverse": (lambda lib, a: lib.pinverse(a), WIDE),
    "matrix_norm_2": (lambda lib, a: lib.linalg.matrix_norm(a, 2), TALL),
    "matrix_norm_-2": (lambda lib, a: lib.linalg.matrix_norm(a, -2), TALL),
    "norm_nuc": (lambda lib, a: lib.linalg.norm(a, "nuc"), TALL),
    "norm_2_dims_keepdim": (
        lambda lib, a: lib.linalg.matrix_norm(a, 2, dim=(0, 2), keepdim=True),
        BATCH,
    ),
    "cond": (lambda lib, a: lib.linalg.cond(a), SQUARE),
    "cond_-2": (lambda lib, a: lib.linalg.cond(a, -2), TALL),
    "cond_nuc": (lambda lib, a: lib.linalg.cond(a, "nuc"), SQUARE),
    "matrix_exp": (lambda lib, a: lib.linalg.matrix_exp(a), SQUARE),
    "matrix_exp_scaled": (lambda lib, a: lib.linalg.matrix_exp(4 * a), SQUARE),
    "vecdot": (lambda lib, a: lib.linalg.vecdot(a, a.flip(0)), TALL),
    "vecdot_dim": (lambda lib, a: lib.linalg.vecdot(a[:2], a[1:3], dim=0), TALL),
    "lstsq": (lambda lib, a: lib.linalg.lstsq(a[:, :2], a[:, 2:]).solution, TALL),
    "svd_lowrank_values": (lambda lib, a: lib.svd_lowrank(a @ a.mH, q=3)[1], TALL),
    "lstsq_vector_gelsd": (
        lambda lib, a: lib.linalg.lstsq(a[:, :2], a[:, 2], driver="gelsd").solution,
        TALL,
    ),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_ops_match_torch(name: str) -> None:
    fn, a = OPS[name]
    check_against_torch(lambda x: fn(ag, x), lambda x: fn(torch, x), [a])


# Finite differences perturb every entry: the Hermitian inputs are made Hermitian inside.
FINITE = {
    "svd": lambda lib, a: _abs(lib.linalg.svd(a, full_matrices=False)),
    "eigh": lambda lib, a: _abs(lib.linalg.eigh(a @ a.mH)),
    "qr": lambda lib, a: tuple(lib.linalg.qr(a)),
    "cholesky": lambda lib, a: lib.linalg.cholesky(a @ a.mH + lib.eye(a.shape[0])),
    "slogdet": lambda lib, a: tuple(lib.linalg.slogdet(a[:3])),
    "pinv": lambda lib, a: lib.linalg.pinv(a),
    "norm_nuc": lambda lib, a: lib.linalg.matrix_norm(a, "nuc"),
    "matrix_exp": lambda lib, a: lib.linalg.matrix_exp(a[:3]),
}


@pytest.mark.parametrize("name", sorted(FINITE))
def test_gradients_match_finite_differences(name: str) -> None:
    check_complex_gradient(lambda z: FINITE[name](ag, z), _complex(4, 3), _complex)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, a: lib.linalg.svd(a).U,
        lambda lib, a: lib.linalg.svd(a, full_matrices=False).Vh,
        lambda lib, a: lib.linalg.eigh(a @ a.mH).eigenvectors,
    ],
)
def test_losses_of_a_free_phase_raise_as_in_torch(call: Callable[[Any, Any], Any]) -> None:
    z0, c = _complex(3, 3), _complex(3, 3)
    messages = []
    for lib in (torch, ag):
        a = lib.tensor(z0, requires_grad=True)
        with pytest.raises(RuntimeError) as error:
            (call(lib, a) * lib.tensor(c)).real.sum().backward()
        messages.append(str(error.value))
    assert messages[0] == messages[1]


def test_second_derivatives_match_torch() -> None:
    z0 = _complex(3, 3)
    grads = []
    for lib in (ag, torch):
        a = lib.tensor(z0, requires_grad=True)
        out = lib.linalg.svdvals(a).sum() + lib.linalg.slogdet(a).logabsdet
        out = out + lib.linalg.eigvalsh(a @ a.mH)[-1] + lib.linalg.pinv(a).abs().sum()
        first = lib.autograd.grad(out, a, create_graph=True)[0]
        second = lib.autograd.grad((first * first.conj()).real.sum(), a)[0]
        grads.append(second.detach().resolve_conj().numpy() if lib is torch else second.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-8)


def test_real_results_have_the_real_dtype() -> None:
    a = ag.tensor(_complex(3, 3)).to(ag.complex64)
    assert ag.linalg.svdvals(a).dtype is ag.float32
    assert ag.linalg.eigvalsh(a @ a.mH).dtype is ag.float32
    sign, logabsdet = ag.linalg.slogdet(a)
    assert sign.dtype is ag.complex64 and logabsdet.dtype is ag.float32
    assert ag.linalg.matrix_norm(a, 2).dtype is ag.float32
    assert ag.linalg.matrix_rank(a).dtype is ag.int64
    result = ag.linalg.lstsq(a, a, driver="gelsd")
    assert result.residuals.dtype is ag.float32 and result.singular_values.dtype is ag.float32


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.linalg.matrix_rank(lib.tensor(TALL @ WIDE)),
        lambda lib: lib.linalg.matrix_rank(lib.tensor(HERMITIAN), hermitian=True),
        lambda lib: lib.linalg.matrix_rank(lib.tensor(TALL), atol=0.5),
        lambda lib: lib.linalg.vecdot(lib.tensor([1j, 2.0]), lib.tensor([1j, 1.0])),
        lambda lib: lib.nansum(lib.tensor([1j, 2.0])),
        lambda lib: lib.tensor([1j, 2.0]).nanmean(0),
        lambda lib: lib.nansum(lib.ones(2), dtype=lib.cdouble),
        lambda lib: lib.nanmean(lib.ones(2), dtype=lib.cfloat),
        lambda lib: lib.normal(0.0, lib.ones(2, dtype=lib.cdouble)),
        lambda lib: lib.empty(2, dtype=lib.cfloat).uniform_(3, 2),
        lambda lib: lib.empty(2, dtype=lib.cfloat).normal_(0, -1),
        lambda lib: lib.empty(2, dtype=lib.cfloat).uniform_(1j, 2),
        lambda lib: lib.empty(2, dtype=lib.cfloat).normal_(1j),
    ],
)
def test_results_and_refusals_match_torch(call: Callable[[Any], Any]) -> None:
    # the same value, or the same exception class with torch's message (arraygrad may add a
    # "Fix: ..." sentence)
    outcomes = []
    for lib in (torch, ag):
        try:
            outcomes.append(repr(call(lib)).replace("torch.", "arraygrad."))
        except (RuntimeError, NotImplementedError, TypeError) as error:
            outcomes.append(f"{type(error).__name__}: {error}")
    theirs, mine = outcomes
    assert mine.startswith(theirs), (mine, theirs)


def _moments(t: Any) -> list[float]:
    parts = (t.real, t.imag)
    return [float(f(p)) for p in parts for f in (lambda p: p.mean(), lambda p: p.std())]


SAMPLERS = {
    "uniform_": lambda lib: lib.empty(40000, dtype=lib.cdouble).uniform_(2, 5),
    "normal_": lambda lib: lib.empty(40000, dtype=lib.cdouble).normal_(3, 2),
    "randn_like": lambda lib: lib.randn_like(lib.empty(40000, dtype=lib.cdouble)),
    "rand_like": lambda lib: lib.rand_like(lib.empty(40000), dtype=lib.cfloat),
    "normal_complex_mean": lambda lib: lib.normal(lib.full((40000,), 1j, dtype=lib.cdouble), 2.0),
    "normal_sized": lambda lib: lib.normal(1.0, 2.0, (40000,), dtype=lib.cdouble),
}


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_complex_samples_follow_torch_distributions(name: str) -> None:
    # torch's numbers differ (another random stream): the dtype and the moments of each part
    mine, theirs = SAMPLERS[name](ag), SAMPLERS[name](torch)
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(_moments(mine), _moments(theirs), atol=0.05)
    if name in ("uniform_", "rand_like"):
        low, high = (2, 5) if name == "uniform_" else (0, 1)
        for part in (mine.real, mine.imag):
            assert low <= float(part.min()) and float(part.max()) < high
