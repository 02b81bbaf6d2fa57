"""A seeded differential fuzzer of the linear-algebra functions against torch 2.13.0.

Each seed draws one function of ``arraygrad.linalg`` or a top-level one (det, inverse, the
solvers, the decompositions, the norms, the matrix functions, the products with ``beta`` and
``alpha``...), a dtype (float32, float64, complex64, complex128, now and then one the function
refuses), a batch shape (empty batches and 0x0 matrices among them) and a kind of matrix
(random, symmetric positive-definite, singular or rank-deficient, ill-conditioned, triangular,
with repeated singular values or eigenvalues), and runs the call on both libraries. arraygrad
must give torch's result shapes and dtypes, values within a tolerance set by the dtype and the
matrix's condition, or raise torch's exception class (``LinAlgError`` for a singular or
indefinite input, with the same kind of message). Decompositions are compared through
quantities that do not depend on the choices they leave open (reconstructions, ``|U|``,
``u_i v_i^H``, eigenvalues as a set); in float64 and complex128 the gradients of those
quantities for a random cotangent are compared with torch's too.

Left out, or compared in part (each case narrowly, where its generator or ``check_case`` says
so), as ``KNOWN``:

- torch 2.13's own bugs: ``lstsq`` with a ``B`` of no columns (``gelss`` segfaults the
  process, ``gelsd`` fails an internal assert on its LAPACK call, ``gelsy`` reports rank 0);
  the backward of ``cond`` by a matrix norm (``p`` not None, 2 or -2), which fails since
  torch modifies the saved output of ``linalg_inv_ex`` in place; ``logdet`` of a singular
  complex matrix, ``-inf+nanj`` (arraygrad's is ``log(0) = -inf+0j``, as ``torch.log``);
  ``matrix_exp`` of float16 matrices, which overflows to inf and nan where arraygrad's is
  finite and accurate (seeds 40029, 48636);
- what torch leaves unspecified: the values ``inv_ex`` / ``solve_ex`` / ``cholesky_ex`` /
  ``lu_factor_ex`` / ``ldl_factor_ex`` return beside a nonzero ``info`` (``info`` is
  compared); the order of ``eig``'s eigenvalues (compared as sets) and the phases of the
  vectors of every decomposition (compared through gauge-invariant quantities); gradients
  through repeated singular values or eigenvalues (only symmetric functions of them), through
  an exactly singular matrix (but ``det``'s, which torch gives as 0 for n >= 2, as arraygrad
  follows, though the adjugate of a rank n-1 matrix is not 0), and through the columns
  ``full_matrices=True`` adds;
- arraygrad's documented deviations: ``geqrf`` records no gradient (torch's backward raises,
  and its forward refuses complex inputs that require grad); float16, bfloat16 and integer
  inputs without elements, which torch passes through the functions whose kernels refuse
  those dtypes (``det``, ``solve``, ``cholesky``, ``eigh``, ``svd``, ``ldl_factor``...) and
  arraygrad refuses as for any size (NotImplementedError).

This fuzzer found the bugs pinned down by the regression tests of complex ``beta``/``alpha``
in ``addmm`` and its kin (tests/ops/test_fused.py), complex ``vander``, the errors of
singular and indefinite inputs, ``solve_ex`` and ``householder_product`` edge cases
(tests/ops/test_linalg_extras.py), ``det``'s gradient at singular matrices and the dtypes
the kernels refuse (tests/ops/test_linalg.py), ``pinv``'s gradient with a zero singular
value (tests/ops/test_decompositions.py), ``cond`` and the spectral norms of empty
matrices, ``matrix_norm``'s ``dim`` and ``dtype`` (tests/ops/test_linalg_solvers.py),
LU without pivoting of empty matrices (tests/ops/test_lu.py) and the shape errors torch raises
before its kernels refuse float16, bfloat16 or integers (tests/ops/test_linalg.py).

Run the module as a script (``python -m tests.test_linalg_random [seeds] [first seed]``) to
fuzz for longer than the test does.
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.nn.test_functional_random import Draw as _Draw

ERRORS = (RuntimeError, ValueError, TypeError, IndexError, NotImplementedError)
FLOATS = ("float32", "float64")
COMPLEX = ("complex64", "complex128")
# relative tolerance of values (times the matrix's condition) and of float64 gradients
VALUE_TOL = {"float32": 3e-4, "complex64": 3e-4, "float64": 1e-10, "complex128": 1e-10}
GRAD_TOL = 1e-8
# a message of LinAlgError is compared by which of these words it holds
MESSAGE_KINDS = ("singular", "positive-definite", "converge", "Batch element")


@dataclass
class Case:
    """``call(L, *tensors)`` on ``inputs``; ``view(L, outputs, *tensors)`` maps the flat list of
    outputs to the gauge-invariant tensors compared (the outputs themselves when ``None``)."""

    name: str
    call: Callable[..., Any]
    inputs: Sequence[np.ndarray]
    view: Callable[..., list[Any]] | None = None
    grad: bool = True  # compare gradients (float64 and complex128 inputs only)
    kappa: float = 10.0  # condition estimate: scales the tolerances
    # outputs compared as unordered sets of values along the last axis (eigenvalues of eig)
    unordered: tuple[int, ...] = ()
    # outputs whose values are unspecified when info (the last output) is nonzero
    info_guards: bool = False
    note: dict[str, Any] = field(default_factory=dict)
    known: str | None = None  # one of torch's bugs (KNOWN in the docstring): not run

    def __repr__(self) -> str:
        shapes = [(a.shape, a.dtype.name) for a in self.inputs]
        return f"Case({self.name}, {self.note}, {shapes}, kappa={self.kappa:g})"


def _flat(value: Any) -> list[Any]:
    if isinstance(value, (tuple, list)):
        return [x for item in value for x in _flat(item)]
    return [value]


def _np(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach().resolve_conj().numpy()
    if isinstance(value, ag.Tensor):
        return np.asarray(value.detach().numpy())
    return value


def _kind(error: Exception) -> str:
    """The error's class (torch's LinAlgError is ``_LinAlgError``) and the kinds of problem
    its message names."""
    text = str(error)
    return " ".join([type(error).__name__.lstrip("_"), *[k for k in MESSAGE_KINDS if k in text]])


def _run(case: Case, lib: Any) -> Any:
    """``(outputs, views, tensors)`` of the case in ``lib``, or the error's kind."""
    wants = case.grad and all(a.dtype.name in ("float64", "complex128") for a in case.inputs)
    tensors = [
        lib.tensor(a, requires_grad=wants and a.dtype.kind in "fc" and a.size > 0)
        for a in case.inputs
    ]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outs = _flat(case.call(lib, *tensors))
            views = _flat(case.view(lib, outs, *tensors)) if case.view else outs
    except ERRORS as error:
        return _kind(error)
    return outs, views, tensors


def _close(a: np.ndarray, t: np.ndarray, tol: float) -> bool:
    if a.shape != t.shape:
        return False
    if a.size == 0:
        return True
    a, t = a.astype(np.complex128), t.astype(np.complex128)
    nan_a, nan_t = np.isnan(a), np.isnan(t)
    if not np.array_equal(nan_a, nan_t):
        return False
    inf_t = np.isinf(t)
    if not np.array_equal(np.isinf(a), inf_t) or not np.array_equal(a[inf_t], t[inf_t]):
        return False
    finite = ~(nan_t | inf_t)
    if not finite.any():
        return True
    scale = 1.0 + np.abs(t[finite]).max()
    return bool(np.abs(a[finite] - t[finite]).max() <= tol * scale)


def _same_set(a: np.ndarray, t: np.ndarray, tol: float) -> bool:
    """Equal as multisets along the last axis (greedy nearest matching)."""
    if a.shape != t.shape:
        return False
    if a.size == 0:
        return True
    a2, t2 = a.reshape(-1, a.shape[-1]), t.reshape(-1, t.shape[-1])
    for x, y in zip(a2, t2, strict=True):
        left = list(x)
        for value in y:
            if not left:
                return False
            k = int(np.argmin([abs(v - value) for v in left]))
            if abs(left[k] - value) > tol * (1 + abs(value)) * 10:
                return False
            left.pop(k)
    return True


def check_case(case: Case, seed: int = 0) -> str | None:
    """A description of how arraygrad differs from torch on ``case``, or None."""
    if case.known:
        return None
    theirs, mine = _run(case, torch), _run(case, ag)
    odd = any(a.dtype.name not in FLOATS + COMPLEX for a in case.inputs)
    empty = any(a.size == 0 for a in case.inputs)
    if odd and empty and isinstance(mine, str) and mine != theirs:
        return None  # KNOWN: arraygrad refuses empty inputs of the dtypes its kernels refuse
    if isinstance(theirs, str) or isinstance(mine, str):
        if theirs != mine:
            shown = [r if isinstance(r, str) else "no error" for r in (mine, theirs)]
            return f"{case}: errors differ, arraygrad {shown[0]}, torch {shown[1]}"
        return None
    t_outs, t_views, t_in = theirs
    a_outs, a_views, a_in = mine
    if len(t_outs) != len(a_outs):
        return f"{case}: {len(a_outs)} outputs, torch {len(t_outs)}"
    info_bad = False
    if case.info_guards:
        info_bad = bool(np.any(_np(t_outs[-1]) != 0))
    for i, (a, t) in enumerate(zip(a_outs, t_outs, strict=True)):
        if not isinstance(t, torch.Tensor):
            if a != t:
                return f"{case}: output {i} {a!r}, torch {t!r}"
            continue
        a_type = str(a.dtype).split(".")[-1]
        t_type = str(t.dtype).split(".")[-1]
        if tuple(a.shape) != tuple(t.shape) or a_type != t_type:
            return f"{case}: output {i} {a_type}{list(a.shape)}, torch {t_type}{list(t.shape)}"
        if i in case.unordered and not _same_set(_np(a), _np(t), _tol(case, t)):
            return f"{case}: output {i} (a set) {_np(a)}, torch {_np(t)}"
    if info_bad:  # the other outputs are unspecified; compare info alone
        if not np.array_equal(_np(a_outs[-1]), _np(t_outs[-1])):
            return f"{case}: info {_np(a_outs[-1])}, torch {_np(t_outs[-1])}"
        return None
    if len(t_views) != len(a_views):
        return f"{case}: {len(a_views)} views, torch {len(t_views)}"
    for i, (a, t) in enumerate(zip(a_views, t_views, strict=True)):
        if not isinstance(t, torch.Tensor):
            if a != t and not (isinstance(t, float) and np.isclose(a, t)):
                return f"{case}: view {i} {a!r}, torch {t!r}"
            continue
        if tuple(a.shape) != tuple(t.shape):
            return f"{case}: view {i} shape {list(a.shape)}, torch {list(t.shape)}"
        if i in case.unordered and case.view is None:
            continue
        if not _close(_np(a), _np(t), _tol(case, t)):
            return f"{case}: view {i} values\n{_np(a)}\ntorch\n{_np(t)}"
    return _check_grads(case, seed, t_views, a_views, t_in, a_in)


def _tol(case: Case, t: Any) -> float:
    name = str(t.dtype).split(".")[-1]
    return VALUE_TOL.get(name, 1e-10 if name == "float64" else 3e-4) * case.kappa


def _check_grads(
    case: Case, seed: int, t_views: list[Any], a_views: list[Any], t_in: list[Any], a_in: list[Any]
) -> str | None:
    wrt = [i for i, t in enumerate(t_in) if t.requires_grad]
    pairs = [
        (a, t)
        for a, t in zip(a_views, t_views, strict=True)
        if isinstance(t, torch.Tensor) and t.requires_grad and t.numel() > 0
    ]
    if not wrt or not pairs:
        return None
    rng = np.random.default_rng(seed)
    cotangents = []
    for _, t in pairs:
        c = rng.standard_normal(tuple(t.shape))
        if t.is_complex():
            c = c + 1j * rng.standard_normal(tuple(t.shape))
        cotangents.append(c)

    def pulled_back(lib: Any, outs: list[Any], ins: list[Any]) -> Any:
        """The inputs' gradients for the cotangents, or the class of the backward's error."""
        seeds = [lib.tensor(c) for c in cotangents]
        try:
            return lib.autograd.grad(outs, [ins[i] for i in wrt], seeds, allow_unused=True)
        except ERRORS as error:
            return type(error).__name__

    th = pulled_back(torch, [t for _, t in pairs], t_in)
    mine = pulled_back(ag, [a for a, _ in pairs], a_in)
    if isinstance(th, str) or isinstance(mine, str):
        if th != mine:
            return f"{case}: backward errors differ: arraygrad {mine}, torch {th}"
        return None
    for index, a, t in zip(wrt, mine, th, strict=True):
        if t is None or np.isnan(_np(t)).any():  # unused, or undefined in torch
            continue
        if a is None:
            if np.any(_np(t)):
                return f"{case}: no gradient for input {index}"
            continue
        if not _close(_np(a), _np(t), GRAD_TOL * case.kappa**2):
            return f"{case}: gradient of input {index}\n{_np(a)}\ntorch\n{_np(t)}"
    return None


# ---------------------------------------------------------------- drawing helpers


class Draw(_Draw):
    """Seeded draws of shapes, dtypes and matrices (``int``, ``pick`` and ``chance`` are the
    functional fuzzer's)."""

    def dtype(self, complex_ok: bool = True, odd: float = 0.05) -> str:
        if self.chance(odd):
            return self.pick("int64", "float16")
        if complex_ok and self.chance(0.35):
            return self.pick(*COMPLEX)
        return self.pick(*FLOATS)

    def batch(self) -> tuple[int, ...]:
        return self.pick((), (), (), (2,), (3,), (0,), (2, 1), (1, 2))

    def size(self, low: int = 0, high: int = 4) -> int:
        return self.int(low, high) if self.chance(0.9) else self.pick(0, 1)

    def sample(self, shape: tuple[int, ...], dtype: str) -> np.ndarray:
        x = self.rng.standard_normal(shape)
        if dtype in COMPLEX:
            x = x + 1j * self.rng.standard_normal(shape)
        return cast(x, dtype)

    def unitary(self, batch: tuple[int, ...], n: int, dtype: str) -> np.ndarray:
        return np.linalg.qr(self.sample((*batch, n, n), _wide(dtype)))[0]

    def square(self, batch: tuple[int, ...], n: int, dtype: str, kind: str) -> tuple[Any, float]:
        """A (batch, n, n) matrix of ``kind`` and an estimate of its condition number."""
        wide = _wide(dtype)
        if kind == "random":
            # shifted so that nearly singular draws are rare
            a = self.sample((*batch, n, n), wide) + 2 * np.sqrt(n + 1) * np.eye(n)
            return cast(a, dtype), 10.0
        if kind == "spd":
            x = self.sample((*batch, n, n), wide)
            return cast(x @ _adjoint(x) + n * np.eye(n), dtype), 10.0
        if kind == "hermitian":
            x = self.sample((*batch, n, n), wide)
            return cast((x + _adjoint(x)) / 2, dtype), 10.0
        if kind == "singular":  # exactly, whatever the rounding: a zero row or column
            a = self.sample((*batch, n, n), wide)
            if n >= 1 and self.chance(0.5):
                a[..., self.int(0, n - 1), :] = 0
            elif n >= 1:
                a[..., :, self.int(0, n - 1)] = 0
            return cast(a, dtype), 1e3
        if kind == "ill":
            top = 3.0 if dtype in ("float64", "complex128") else 2.0
            s = np.logspace(0, -top, n) if n else np.zeros(0)
            u, v = self.unitary(batch, n, wide), self.unitary(batch, n, wide)
            return cast(u @ (s[:, None] * _adjoint(v)), dtype), 10.0**top * 10
        if kind == "triangular":
            a = self.sample((*batch, n, n), wide)
            d = np.diagonal(a, axis1=-2, axis2=-1)
            a = a + np.eye(n) * (np.sign(d.real) * 1.5)[..., None, :]
            return cast(np.triu(a) if self.chance(0.5) else np.tril(a), dtype), 30.0
        if kind == "repeated":  # Hermitian, eigenvalues (so singular values) repeated
            q = self.unitary(batch, n, wide)
            values = self.rng.permutation([2.0, 2.0, -1.0, 3.0][:n] + [0.5] * max(0, n - 4))
            return cast(q @ (np.asarray(values)[:, None] * _adjoint(q)), dtype), 10.0
        raise AssertionError(kind)

    def rect(
        self, batch: tuple[int, ...], m: int, n: int, dtype: str, rank: int | None = None
    ) -> np.ndarray:
        """A (batch, m, n) matrix, of rank ``rank`` when given."""
        wide = _wide(dtype)
        if rank is None:
            return self.sample((*batch, m, n), dtype)
        x, y = self.sample((*batch, m, rank), wide), self.sample((*batch, rank, n), wide)
        return cast(x @ y, dtype)


def _wide(dtype: str) -> str:
    return "complex128" if dtype in COMPLEX else "float64"


def _adjoint(a: np.ndarray) -> np.ndarray:
    return np.conj(np.swapaxes(a, -1, -2))


def cast(a: np.ndarray, dtype: str) -> np.ndarray:
    """``a`` in ``dtype`` (its real part for a real dtype)."""
    return np.asarray(a if dtype in COMPLEX else np.real(a)).astype(dtype)


# ---------------------------------------------------------------- generators


def _sq(d: Draw, kinds: Sequence[str], complex_ok: bool = True, **_: Any) -> tuple[Any, ...]:
    dtype = d.dtype(complex_ok)
    kind = d.pick(*kinds)
    batch, n = d.batch(), d.size()
    a, kappa = d.square(batch, n, dtype if dtype in FLOATS + COMPLEX else "float64", kind)
    if dtype not in FLOATS + COMPLEX:
        a = cast(a, dtype)
    return a, kappa, {"kind": kind, "dtype": dtype}


def det(d: Draw) -> Case:
    a, kappa, note = _sq(d, ("random", "spd", "singular", "ill", "triangular"))
    which = d.pick("det", "linalg.det", "slogdet", "linalg.slogdet", "logdet")
    grad = note["kind"] != "singular" or which in ("det", "linalg.det")
    if which == "logdet" and a.dtype.kind == "f" and note["kind"] not in ("spd",):
        grad = False  # log of a negative determinant: nan

    def call(L: Any, a: Any) -> Any:
        return _attr(L, which)(a)

    # torch 2.13's logdet of a singular complex matrix is -inf+nanj (its real -inf times a
    # complex 1 somewhere); arraygrad's is log(0) = -inf+0j, as torch.log gives
    complex_zero = which == "logdet" and a.dtype.kind == "c" and note["kind"] == "singular"
    known = "logdet of a singular complex matrix" if complex_zero else None
    return Case(which, call, [a], grad=grad, kappa=kappa, note=note, known=known)


def _attr(L: Any, name: str) -> Any:
    out = L
    for part in name.split("."):
        out = getattr(out, part)
    return out


def inv(d: Draw) -> Case:
    a, kappa, note = _sq(d, ("random", "spd", "singular", "ill", "triangular"))
    which = d.pick("inverse", "linalg.inv", "linalg.inv_ex", "linalg.inv_ex_check")

    def call(L: Any, a: Any) -> Any:
        if which == "linalg.inv_ex_check":
            return L.linalg.inv_ex(a, check_errors=True)
        return _attr(L, which)(a)

    grad, ex = note["kind"] != "singular", which == "linalg.inv_ex"
    return Case(which, call, [a], kappa=kappa, note=note, grad=grad, info_guards=ex)


def _rhs(d: Draw, a: np.ndarray, left: bool) -> tuple[np.ndarray, str]:
    """A right-hand side for a (batch, n, n) ``a``: a vector, a batch of vectors, a matrix
    or a broadcast batch of matrices."""
    n, batch = a.shape[-1], a.shape[:-2]
    dtype = a.dtype.name
    form = d.pick("matrix", "matrix", "vector", "batched vector", "broadcast", "wrong")
    k = d.size(0, 3)
    if form == "vector":
        return d.sample((n,), dtype), form
    if form == "batched vector":
        return d.sample((*batch, n), dtype), form
    if form == "broadcast":
        return d.sample((2, *[1] * len(batch), n, k) if left else (2, k, n), dtype), form
    if form == "wrong":
        return d.sample((*batch, n + 1, k), dtype), form
    return d.sample((*batch, n, k) if left else (*batch, k, n), dtype), form


def solve(d: Draw) -> Case:
    a, kappa, note = _sq(d, ("random", "spd", "singular", "ill", "triangular"))
    which = d.pick("solve", "solve_ex", "solve_ex_check")
    left = d.chance(0.7)
    b, form = _rhs(d, a, left)
    if d.chance(0.05):
        b = b.astype(np.complex128) if a.dtype.kind == "f" else np.real(b)  # mixed dtypes
    note.update(left=left, form=form)

    def call(L: Any, a: Any, b: Any) -> Any:
        if which == "solve_ex_check":
            return L.linalg.solve_ex(a, b, left=left, check_errors=True)
        return getattr(L.linalg, which)(a, b, left=left)

    return Case(
        which,
        call,
        [a, b],
        kappa=kappa,
        note=note,
        grad=note["kind"] != "singular",
        info_guards=which == "solve_ex",
    )


def lstsq(d: Draw) -> Case:
    dtype = d.dtype()
    batch, m, n = d.batch(), d.size(), d.size()
    rank = d.pick(None, None, min(m, n) - 1) if min(m, n) > 0 else None
    a = d.rect(batch, m, n, dtype if dtype in FLOATS + COMPLEX else "float64", rank)
    a = cast(a, dtype)
    k = d.size(1, 3)
    vector = d.chance(0.2)
    b = d.sample(
        (*batch, m) if vector else (*batch, m, k), dtype if dtype in FLOATS + COMPLEX else "float64"
    )
    driver = d.pick(None, "gelsd", "gelsy", "gelss")
    # a cutoff far from the singular values (about 1, and rounding errors where the matrix is
    # rank-deficient): the rank is then well defined
    rcond = 1e-4 if rank is not None else d.pick(None, 1e-8)
    # torch 2.13 fails on a B without columns: gelss segfaults, gelsd's LAPACK call is refused
    # (an internal assert), gelsy reports rank 0
    known = "lstsq of an empty B" if not vector and k == 0 else None

    def call(L: Any, a: Any, b: Any) -> Any:
        return L.linalg.lstsq(a, b, rcond=rcond, driver=driver)

    def view(L: Any, outs: list[Any], a: Any, b: Any) -> list[Any]:
        # the rank of a rank-deficient float32 matrix is at the mercy of rounding
        return outs if rank is None or a.dtype in (L.float64, L.complex128) else outs[:1]

    return Case(
        "lstsq",
        call,
        [a, b],
        view=view,
        kappa=1e3 if rank is not None else 30.0,
        grad=rank is None,
        note={"driver": driver, "rank": rank, "dtype": dtype, "rcond": rcond},
        known=known,
    )


def cholesky(d: Draw) -> Case:
    a, kappa, note = _sq(d, ("spd", "spd", "hermitian", "singular", "ill"))
    if note["kind"] == "ill" and a.dtype.kind in "fc":
        a = a @ _adjoint(a)  # positive, ill-conditioned
        kappa = kappa**2
    which = d.pick("cholesky", "linalg.cholesky", "linalg.cholesky_ex", "cholesky_ex_check")
    upper = d.chance(0.4)
    if note["kind"] == "ill" and kappa > 1e5:
        kappa = 1e4

    def call(L: Any, a: Any) -> Any:
        if which == "cholesky":
            return L.cholesky(a, upper=upper)
        if which == "cholesky_ex_check":
            return L.linalg.cholesky_ex(a, upper=upper, check_errors=True)
        return _attr(L, which)(a, upper=upper)

    note["upper"] = upper
    positive, ex = note["kind"] in ("spd", "ill"), which == "linalg.cholesky_ex"
    return Case(which, call, [a], kappa=kappa, note=note, grad=positive, info_guards=ex)


def cholesky_solve(d: Draw) -> Case:
    a, kappa, note = _sq(d, ("spd", "spd", "triangular"))
    upper = d.chance(0.5)
    n, batch = a.shape[-1], a.shape[:-2]
    dtype = a.dtype.name
    which = d.pick("cholesky_solve", "cholesky_inverse")
    b = d.sample(d.pick((*batch, n, d.size(0, 3)), (2, *batch, n, 2), (n,)), dtype)
    note["upper"] = upper

    if note["kind"] == "triangular" and a.dtype.kind in "fc":
        # a Cholesky factor's diagonal is real and positive (LAPACK reads only its real part)
        diagonal = np.abs(np.diagonal(a, axis1=-2, axis2=-1)) + 0.5
        a = cast(a - a * np.eye(n) + diagonal[..., None, :] * np.eye(n), dtype)

    def factor(L: Any, a: Any) -> Any:
        if note["kind"] == "spd":
            c = L.linalg.cholesky(a)
            return c.mH if upper else c
        return L.triu(a) if upper else L.tril(a)

    def call(L: Any, a: Any, b: Any) -> Any:
        c = factor(L, a)
        if which == "cholesky_inverse":
            return L.cholesky_inverse(c, upper=upper)
        return L.cholesky_solve(b, c, upper=upper)

    return Case(which, call, [a, b], kappa=kappa * 10, note=note)


def qr(d: Draw) -> Case:
    dtype = d.dtype()
    batch, m, n = d.batch(), d.size(), d.size()
    a = d.rect(batch, m, n, dtype if dtype in FLOATS + COMPLEX else "float64")
    a = cast(a, dtype)
    mode = d.pick("reduced", "complete", "r")
    old = d.chance(0.2)

    def call(L: Any, a: Any) -> Any:
        if old:
            return L.qr(a, some=mode != "complete")
        return L.linalg.qr(a, mode=mode)

    def view(L: Any, outs: list[Any], a: Any) -> list[Any]:
        q, r = outs
        k = min(m, n)
        if mode == "r" and not old:
            return [r.abs(), q]
        # Q's columns and R's rows are set up to a phase each: |Q|, |R| and Q R are not
        return [q[..., :, :k].abs(), r[..., :k, :].abs(), q[..., :, :k] @ r[..., :k, :]]

    return Case(
        "qr", call, [a], view=view, kappa=30.0, note={"mode": mode, "old": old, "dtype": dtype}
    )


def eigh(d: Draw) -> Case:
    a, kappa, note = _sq(d, ("random", "hermitian", "spd", "repeated"))
    uplo = d.pick("L", "U")
    which = d.pick("eigh", "eigvalsh")
    n = a.shape[-1]
    w = d.sample((n,), "complex128" if a.dtype.kind == "c" else "float64")
    note["UPLO"] = uplo
    distinct = note["kind"] != "repeated"

    def call(L: Any, a: Any) -> Any:
        return getattr(L.linalg, which)(a, UPLO=uplo)

    def view(L: Any, outs: list[Any], a: Any) -> list[Any]:
        if which == "eigvalsh":
            return outs if distinct else [outs[0].sum(-1), (outs[0] ** 3).sum(-1)]
        values, vectors = outs
        wv = L.tensor(w).to(vectors.dtype)
        rebuilt = (vectors * values.unsqueeze(-2).to(vectors.dtype)) @ vectors.mH
        if not distinct:
            return [values.sum(-1), (values**3).sum(-1), rebuilt.detach()]
        weights = (wv.conj() @ vectors).abs() ** 2 if n else values
        return [values, weights, rebuilt]

    return Case(which, call, [a], view=view, kappa=kappa * 10, note=note)


def eig(d: Draw) -> Case:
    a, kappa, note = _sq(d, ("random", "random", "spd", "triangular"))
    which = d.pick("eig", "eigvals")
    n = a.shape[-1]
    w = d.sample((n,), "complex128")

    def call(L: Any, a: Any) -> Any:
        return getattr(L.linalg, which)(a)

    def view(L: Any, outs: list[Any], a: Any) -> list[Any]:
        values = outs[0]
        sums = [(values**k).sum(-1) for k in (1, 2, 3)]
        if which == "eigvals":
            return sums
        vectors = outs[1]
        wv = L.tensor(w).to(vectors.dtype)
        weights = (wv.conj() @ vectors).abs() ** 2 if n else values.abs()
        # order- and phase-invariant: sum_i lambda_i |w^H v_i|^2
        return [*sums, (values * weights.to(values.dtype)).sum(-1)]

    kappa = kappa * 100 if note["kind"] == "triangular" else kappa * 10
    return Case(which, call, [a], view=view, kappa=kappa, unordered=(0,), note=note)


def svd(d: Draw) -> Case:
    dtype = d.dtype()
    kind = d.pick("random", "random", "rank", "repeated")
    batch, m, n = d.batch(), d.size(), d.size()
    wide = dtype if dtype in FLOATS + COMPLEX else "float64"
    if kind == "repeated":
        a, _ = d.square(batch, m, wide, "repeated")
        n = m
    else:
        rank = min(m, n) - 1 if kind == "rank" and min(m, n) > 0 else None
        a = d.rect(batch, m, n, wide, rank)
    a = cast(a, dtype)
    which = d.pick("linalg.svd", "svd", "svdvals")
    full = d.chance(0.4)
    k = min(m, n)
    c = d.rng.standard_normal(k)
    distinct = kind == "random"

    def call(L: Any, a: Any) -> Any:
        if which == "svd":
            return L.svd(a, some=not full)
        if which == "svdvals":
            return L.linalg.svdvals(a)
        return L.linalg.svd(a, full_matrices=full)

    def view(L: Any, outs: list[Any], a: Any) -> list[Any]:
        s = outs[0] if which == "svdvals" else outs[1]
        if not distinct:
            return [s.sum(-1), (s**3).sum(-1)] + [o.detach() for o in outs[:0]]
        if which == "svdvals":
            return [s]
        u, v = outs[0][..., :, :k], outs[2][..., :, :k]
        if which == "linalg.svd":
            v = outs[2].mH[..., :, :k]
        weights = L.tensor(c).to(u.dtype)
        # u_i v_i^H is set up to nothing for distinct singular values
        return [s, u.abs(), v.abs(), (u * weights) @ v.mH, (u * s.to(u.dtype)) @ v.mH]

    return Case(
        which,
        call,
        [a],
        view=view,
        kappa=100.0 if kind == "rank" else 30.0,
        grad=kind != "rank",
        note={"kind": kind, "full": full, "dtype": dtype},
    )


def pinv(d: Draw) -> Case:
    dtype = d.dtype()
    hermitian = d.chance(0.3)
    batch, m, n = d.batch(), d.size(), d.size()
    wide = dtype if dtype in FLOATS + COMPLEX else "float64"
    rank = d.pick(None, None, max(0, min(m, n) - 1))
    if hermitian:
        n = m
        x = d.rect(batch, m, rank if rank is not None else m, wide)
        indefinite = d.chance(0.5) and rank is None  # (a shift would restore the rank)
        a = cast(x @ _adjoint(x) - (np.eye(m) if indefinite else 0), dtype)
    else:
        a = cast(d.rect(batch, m, n, wide, rank), dtype)
    which = d.pick("pinv", "pinv_rtol", "pinv_atol", "pinverse", "matrix_rank", "matrix_rank_tol")
    # cutoffs far from the singular values, which are about 1 and about 1e-16 (rank-deficient)
    rtol = d.pick(1e-4, 1e-6)

    def call(L: Any, a: Any) -> Any:
        if which == "pinv":
            return L.linalg.pinv(a, hermitian=hermitian)
        if which == "pinv_rtol":
            return L.linalg.pinv(a, rtol=rtol, hermitian=hermitian)
        if which == "pinv_atol":
            return L.linalg.pinv(a, atol=rtol, rtol=0.0, hermitian=hermitian)
        if which == "pinverse":
            return L.pinverse(a, rcond=rtol)
        if which == "matrix_rank":
            return L.linalg.matrix_rank(a, hermitian=hermitian)
        return L.linalg.matrix_rank(a, atol=rtol, rtol=rtol, hermitian=hermitian)

    deficient = rank is not None
    float32_rank = deficient and a.dtype.name in ("float32", "complex64") and which == "pinv"
    return Case(
        which,
        call,
        [a],
        kappa=1e4 if deficient else 300.0,
        grad=not float32_rank,
        note={"hermitian": hermitian, "rank": rank, "dtype": dtype, "rtol": rtol},
    )


def norms(d: Draw) -> Case:
    dtype = d.dtype()
    which = d.pick("matrix_norm", "vector_norm", "linalg.norm", "norm", "cond")
    batch, m, n = d.batch(), d.size(1, 4), d.size(1, 4)
    shape = (*batch, m, n)
    a = d.sample(shape, dtype if dtype in FLOATS + COMPLEX else "float64")
    a = cast(a, dtype)
    keepdim = d.chance(0.3)
    if which in ("matrix_norm", "cond"):
        ord_ = d.pick("fro", "nuc", np.inf, -np.inf, 1, -1, 2, -2, 3)
        if which == "cond":
            ord_ = d.pick(None, "fro", "nuc", np.inf, -np.inf, 1, -1, 2, -2)
            if ord_ not in (None, 2, -2):  # square, invertible
                a = cast(d.sample((*batch, m, m), _wide(dtype)) + 3 * np.eye(m), dtype)
    elif which == "vector_norm":
        ord_ = d.pick(2, 1, np.inf, -np.inf, 0, 3, -1.5, 0.5, 2.5)
    elif which == "linalg.norm":
        ord_ = d.pick(None, None, "fro", "nuc", 2, 1, np.inf, -1, 3)
    else:
        ord_ = d.pick("fro", "nuc", 2, 1, np.inf, 3, None)
    dim: Any = None
    if which == "vector_norm":
        dim = d.pick(None, -1, (-2, -1), 0, (0, -1))
    elif which in ("matrix_norm",):
        dim = d.pick((-2, -1), (-1, -2), (0, -1) if len(shape) > 2 else (-2, -1))
    elif which in ("linalg.norm", "norm"):
        dim = d.pick(None, -1, (-2, -1))
    out_dtype = d.pick(None, None, "float64", "complex128")

    def call(L: Any, a: Any) -> Any:
        kw: dict[str, Any] = {"keepdim": keepdim}
        if out_dtype is not None and which in ("matrix_norm", "vector_norm", "linalg.norm"):
            kw["dtype"] = getattr(L, out_dtype)
        if which == "matrix_norm":
            return L.linalg.matrix_norm(a, ord=ord_, dim=dim, **kw)
        if which == "vector_norm":
            return L.linalg.vector_norm(a, ord=ord_, dim=dim, **kw)
        if which == "linalg.norm":
            return L.linalg.norm(a, ord=ord_, dim=dim, **kw)
        if which == "norm":
            return L.norm(a, p=ord_, dim=dim, keepdim=keepdim)
        return L.linalg.cond(a, p=ord_)

    kappa = 100.0 if which == "cond" else 10.0
    note = {"ord": ord_, "dim": dim, "keepdim": keepdim, "dtype": dtype, "out": out_dtype}
    # torch 2.13's backward of cond by a matrix norm fails: its inverse (linalg_inv_ex's
    # output) is modified in place after being saved
    grad = which != "cond" or ord_ in (None, 2, -2)
    return Case(which, call, [a], kappa=kappa, grad=grad, note=note)


def matrix_functions(d: Draw) -> Case:
    a, kappa, note = _sq(d, ("random", "spd", "singular", "triangular"))
    which = d.pick("matrix_power", "linalg.matrix_power", "matrix_exp", "linalg.matrix_exp")
    power = d.int(-3, 4)
    if "exp" in which:
        a = a / 2
    note["n"] = power
    singular = note["kind"] == "singular"

    def call(L: Any, a: Any) -> Any:
        if "power" in which:
            return _attr(L, which)(a, power)
        return _attr(L, which)(a)

    kappa = kappa * (1 + abs(power)) * (100 if power < 0 else 10)
    # torch 2.13's matrix_exp of float16 overflows to inf and nan (arraygrad's is finite)
    known = "float16 matrix_exp" if "exp" in which and a.dtype.name == "float16" else None
    grad = not singular or power >= 0
    return Case(which, call, [a], kappa=kappa, grad=grad, note=note, known=known)


def lu(d: Draw) -> Case:
    dtype = d.dtype()
    batch, m = d.batch(), d.size()
    square = d.chance(0.6)
    n = m if square else d.size()
    kind = d.pick("random", "random", "singular")
    wide = dtype if dtype in FLOATS + COMPLEX else "float64"
    if square:
        a, kappa = d.square(batch, m, wide, kind)
    else:
        a, kappa = d.rect(batch, m, n, wide), 30.0
    a = cast(a, dtype)
    which = d.pick("linalg.lu", "lu_factor", "lu_factor_ex", "lu", "lu_unpack", "lu_solve")
    pivot = d.chance(0.9)
    left, adjoint = d.chance(0.7), d.chance(0.3)
    k = d.size(1, 3)
    b = d.sample((*batch, m, k) if left else (*batch, k, m), wide) if square else None
    inputs = [a] if b is None else [a, cast(b, dtype)]

    def call(L: Any, a: Any, b: Any = None) -> Any:
        if which == "linalg.lu":
            return L.linalg.lu(a, pivot=pivot)
        if which == "lu_factor":
            return L.linalg.lu_factor(a, pivot=pivot)
        if which == "lu_factor_ex":
            return L.linalg.lu_factor_ex(a, pivot=pivot)
        if which == "lu":
            return L.lu(a, get_infos=True)
        lu_, piv = L.linalg.lu_factor(a)
        if which == "lu_unpack":
            return L.lu_unpack(lu_, piv)
        if b is None:
            raise RuntimeError("lu_solve needs a square matrix")
        return L.linalg.lu_solve(lu_, piv, b, left=left, adjoint=adjoint)

    # pivots of nearly equal candidates may be chosen apart by rounding; LU's own factors are
    # compared only in float64
    def view(L: Any, outs: list[Any], *tensors: Any) -> list[Any]:
        if which == "lu_solve" or tensors[0].dtype in (L.float64, L.complex128):
            return outs
        return []

    note = {"kind": kind, "pivot": pivot, "left": left, "adjoint": adjoint, "dtype": dtype}
    return Case(
        which,
        call,
        inputs,
        view=view,
        kappa=kappa * 10,
        grad=kind != "singular",
        note=note,
        info_guards=which in ("lu_factor_ex", "lu"),
    )


def ldl(d: Draw) -> Case:
    a, kappa, note = _sq(d, ("hermitian", "spd", "random"))
    hermitian = d.chance(0.5)
    if a.dtype.kind == "c" and not hermitian:  # complex symmetric
        a = (a + np.swapaxes(a, -1, -2)) / 2
    which = d.pick("ldl_factor", "ldl_factor_ex", "ldl_solve")
    n, batch = a.shape[-1], a.shape[:-2]
    dtype = a.dtype.name
    b = d.sample((*batch, n, d.size(1, 2)), dtype)
    note["hermitian"] = hermitian

    def call(L: Any, a: Any, b: Any) -> Any:
        if which == "ldl_solve":
            f, piv = L.linalg.ldl_factor(a, hermitian=hermitian)
            return L.linalg.ldl_solve(f, piv, b, hermitian=hermitian)
        return getattr(L.linalg, which)(a, hermitian=hermitian)

    return Case(
        which,
        call,
        [a, b],
        grad=False,
        kappa=kappa * 10,
        note=note,
        info_guards=which == "ldl_factor_ex",
    )


def triangular(d: Draw) -> Case:
    a, kappa, note = _sq(d, ("triangular", "random"))
    upper, left, unit = d.chance(0.5), d.chance(0.6), d.chance(0.3)
    which = d.pick("solve_triangular", "triangular_solve")
    n, batch = a.shape[-1], a.shape[:-2]
    dtype = a.dtype.name
    k = d.size(0, 3)
    b = d.sample(d.pick((*batch, n, k), (2, *batch, n, k)) if left else (*batch, k, n), dtype)
    note.update(upper=upper, left=left, unitriangular=unit)

    def call(L: Any, a: Any, b: Any) -> Any:
        if which == "triangular_solve":
            return L.triangular_solve(b, a, upper=upper, unitriangular=unit, transpose=not left)
        return L.linalg.solve_triangular(a, b, upper=upper, left=left, unitriangular=unit)

    kappa = kappa * 1e3 if unit else kappa  # a unit diagonal over random entries
    return Case(which, call, [a, b], kappa=kappa, note=note)


def householder(d: Draw) -> Case:
    dtype = d.dtype()
    batch, m = d.batch(), d.size(1, 4)
    n = d.int(0, m)
    wide = dtype if dtype in FLOATS + COMPLEX else "float64"
    a = cast(d.rect(batch, m, n, wide), dtype)
    k = d.int(0, n) if d.chance(0.9) else n + 1
    tau = cast(d.sample((*batch, k), wide) * 0.5, dtype)
    which = d.pick("householder_product", "orgqr", "geqrf")

    def call(L: Any, a: Any, tau: Any) -> Any:
        if which == "geqrf":
            return L.geqrf(a)
        return getattr(L.linalg if which == "householder_product" else L, which)(a, tau)

    def view(L: Any, outs: list[Any], a: Any, tau: Any) -> list[Any]:
        if which == "geqrf":  # |R| (the upper triangle) is set up to signs
            return [L.triu(outs[0]).abs()]
        return outs

    # geqrf records no gradient (a documented deviation: torch's backward raises, and its
    # forward refuses complex inputs that require grad)
    return Case(which, call, [a, tau], view=view, kappa=30.0, grad=which != "geqrf", note={"k": k})


def products(d: Draw) -> Case:
    dtype = d.dtype(odd=0.1)
    which = d.pick(
        "multi_dot", "cross", "linalg.cross", "vecdot", "kron", "outer", "trace", "diagonal",
        "linalg.diagonal", "triu", "tril", "addmm", "baddbmm", "addbmm", "addmv", "addr",
        "tensorsolve", "tensorinv", "chain_matmul", "vander",
    )  # fmt: skip
    wide = dtype if dtype in FLOATS + COMPLEX else "float64"
    batch = d.batch()
    m, n, k = d.size(), d.size(), d.size()
    beta, alpha = d.pick(1, 0, 0.5, -2), d.pick(1, 0, 2.0, -0.5)
    if dtype == "int64":
        beta, alpha = int(beta), int(alpha)
    nan_input = beta == 0 and d.chance(0.5)

    def normal(*shape: int) -> np.ndarray:
        return cast(d.sample(shape, wide), dtype)

    note: dict[str, Any] = {"dtype": dtype}
    if which in ("multi_dot", "chain_matmul"):
        sizes = [d.size(1, 3) for _ in range(d.int(2, 5))]
        mats = [normal(sizes[i], sizes[i + 1]) for i in range(len(sizes) - 1)]
        if which == "multi_dot" and d.chance(0.3) and sizes[0]:
            mats[0] = mats[0][0]
        if which == "multi_dot" and d.chance(0.3) and sizes[-1]:
            mats[-1] = mats[-1][..., 0]
        note["shapes"] = [x.shape for x in mats]

        def call(L: Any, *xs: Any) -> Any:
            return L.linalg.multi_dot(list(xs)) if which == "multi_dot" else L.chain_matmul(*xs)

        return Case(which, call, mats, note=note)
    if which in ("cross", "linalg.cross"):
        dim = d.pick(None, -1, 0, 1) if which == "cross" else d.pick(-1, 0, 1)
        x = normal(*batch, 3, d.pick(3, 3, 2))
        y = normal(*(batch if d.chance(0.7) else (1,) * len(batch)), *x.shape[-2:])
        note["dim"] = dim

        def call(L: Any, x: Any, y: Any) -> Any:
            if which == "cross":
                return L.cross(x, y, dim=dim)
            return L.linalg.cross(x, y, dim=dim)

        return Case(which, call, [x, y], note=note)
    if which == "vecdot":
        x, y = normal(*batch, m, n), normal(m if d.chance(0.5) else 1, n)
        dim = d.pick(-1, -2)

        def call(L: Any, x: Any, y: Any) -> Any:
            return L.linalg.vecdot(x, y, dim=dim)

        return Case(which, call, [x, y], note={"dim": dim, **note})
    if which == "kron":
        x, y = normal(*batch, m, n), normal(k, d.size())

        def call(L: Any, x: Any, y: Any) -> Any:
            return L.kron(x, y)

        return Case(which, call, [x, y], note=note)
    if which in ("outer", "trace"):
        x = normal(m) if which == "outer" else normal(*d.pick((m, n), (m, n), (2, m, n)))
        y = normal(n)

        def call(L: Any, x: Any, y: Any) -> Any:
            return L.outer(x, y) if which == "outer" else L.trace(x)

        return Case(which, call, [x, y], note=note)
    if which in ("diagonal", "linalg.diagonal", "triu", "tril"):
        x = normal(*batch, m, n)
        offset = d.int(-3, 3)
        dims = d.pick((0, 1), (-2, -1), (-1, -2), (0, -1))
        note.update(offset=offset, dims=dims)

        def call(L: Any, x: Any) -> Any:
            if which == "diagonal":
                return L.diagonal(x, offset, *dims) if x.ndim > 1 else L.diagonal(x, offset)
            if which == "linalg.diagonal":
                return L.linalg.diagonal(x, offset=offset, dim1=dims[0], dim2=dims[1])
            return getattr(L, which)(x, offset)

        return Case(which, call, [x], note=note)
    if which in ("tensorsolve", "tensorinv"):
        shape = d.pick((2, 3), (6,), (3, 2), (1, 6))
        inner = (6,) if d.chance(0.5) else (2, 3)
        a, _ = d.square((), 6, wide, "random")
        a = cast(a.reshape(*shape, *inner), dtype)
        if which == "tensorinv":
            ind = len(shape) if d.chance(0.8) else 1

            def call(L: Any, a: Any) -> Any:
                return L.linalg.tensorinv(a, ind=ind)

            return Case(which, call, [a], note={"shape": a.shape, "ind": ind, **note})
        b = normal(*shape)

        def call(L: Any, a: Any, b: Any) -> Any:
            return L.linalg.tensorsolve(a, b)

        return Case(which, call, [a, b], note={"shape": a.shape, **note})
    if which == "vander":
        x = normal(*batch, m)
        big_n = d.pick(None, 0, 1, 3)

        def call(L: Any, x: Any) -> Any:
            return L.linalg.vander(x, N=big_n)

        return Case(which, call, [x], note={"N": big_n, **note})
    # the products with beta and alpha; beta = 0 ignores the input, nan included
    shapes = {
        "addmm": ((m, k), (m, n), (n, k)),
        "baddbmm": ((2, m, k), (2, m, n), (2, n, k)),
        "addbmm": ((m, k), (2, m, n), (2, n, k)),
        "addmv": ((m,), (m, n), (n,)),
        "addr": ((m, n), (m,), (n,)),
    }[which]
    first = shapes[0][-1:] if d.chance(0.3) and shapes[0] else shapes[0]  # broadcast input
    inputs = [normal(*first), normal(*shapes[1]), normal(*shapes[2])]
    if nan_input and inputs[0].size and inputs[0].dtype.kind in "fc":
        inputs[0][...] = np.nan
    note.update(beta=beta, alpha=alpha, input=first)

    def call(L: Any, x: Any, y: Any, z: Any) -> Any:
        return getattr(L, which)(x, y, z, beta=beta, alpha=alpha)

    return Case(which, call, inputs, note=note)


_GENERATED = (
    det, inv, solve, lstsq, cholesky, cholesky_solve, qr, eigh, eig, svd, pinv, norms,
    matrix_functions, lu, ldl, triangular, householder, products,
)  # fmt: skip
GENERATORS: dict[str, Callable[[Draw], Case]] = {f.__name__: f for f in _GENERATED}
NAMES = sorted(GENERATORS)
# weights: products draws one of twenty functions
WEIGHTS = np.array([6 if name == "products" else 1 for name in NAMES], dtype=float)
WEIGHTS /= WEIGHTS.sum()


def make_case(seed: int) -> Case:
    d = Draw(seed)
    name = NAMES[int(d.rng.choice(len(NAMES), p=WEIGHTS))]
    return GENERATORS[name](d)


def _case(seed: int) -> str | None:
    case = make_case(seed)
    return check_case(case, seed)


SEEDS = 1200  # the default block: about 15 s on two cores


@pytest.mark.parametrize("block", range(4))
def test_random_linalg_calls_match_torch(block: int) -> None:
    size = SEEDS // 4
    differences = [d for s in range(block * size, (block + 1) * size) if (d := _case(s))]
    assert not differences, differences[:3]


def _fuzz(seeds: int, first: int) -> None:
    """Check seeds ``first`` to ``first + seeds``; print each divergence."""
    failures, start = 0, time.time()
    for seed in range(first, first + seeds):
        try:
            difference = _case(seed)
        except Exception as error:  # a crash of either library is a divergence too
            difference = f"CRASH {type(error).__name__}: {str(error)[:300]}"
        if difference:
            failures += 1
            print(f"seed {seed}: {difference[:1500]}", flush=True)
        if (seed + 1 - first) % 10000 == 0:
            print(f"checked seeds {first} to {seed}, {time.time() - start:.0f} s", flush=True)
    print(f"{failures} divergences in {seeds} seeds, {time.time() - start:.0f} s", flush=True)


if __name__ == "__main__":
    _fuzz(
        int(sys.argv[1]) if len(sys.argv) > 1 else 1000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 0,
    )
