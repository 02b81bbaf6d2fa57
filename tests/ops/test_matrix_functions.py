"""logdet, slogdet, matrix_power, pinverse, tensordot, vdot and torch.cross against torch
2.13.0 (values and VJPs) and finite differences; singular matrices, integer powers, dims and
misuse are tested separately."""

from __future__ import annotations

import warnings
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
    check_against_torch,
    gradcheck,
    run_gradcheck_case,
    run_torch_case,
)

side = st.integers(1, 4)


def _well_conditioned(a: Any) -> Any:
    """``a + 4 I``: with entries in [-1, 1] and n <= 4 it is strictly diagonally dominant."""
    return a + 4 * lib(a).eye(a.shape[-1], dtype=a.dtype)


def _negative_det(a: Any) -> Any:
    """A well-conditioned matrix with its first row negated: a negative determinant."""
    m = _well_conditioned(a)
    sign = lib(a).ones(a.shape[-1], dtype=a.dtype)
    sign[0] = -1.0
    return m * sign.reshape(-1, 1)


def _matrices(batch: bool = False) -> Any:
    prefix = st.tuples(st.integers(1, 3)) if batch else st.just(())
    return st.tuples(prefix, side).map(lambda p: (p[0] + (p[1], p[1]),))


def _full_rank(a: Any) -> Any:
    """``a + 3 I`` for a rectangular ``a`` with entries in [-1, 1]: full rank, well away from a
    rank change (where the pseudo-inverse is not differentiable)."""
    return a + 3 * lib(a).eye(a.shape[-2], a.shape[-1], dtype=a.dtype)


def _rectangles(batch: bool = False) -> Any:
    prefix = st.tuples(st.integers(1, 3)) if batch else st.just(())
    return st.tuples(prefix, side, side).map(lambda p: (p[0] + (p[1], p[2]),))


def _tensordot_shapes() -> Any:
    """a of shape (p, k, m), b of shape (m, k, q): contracted over (k, m)."""
    return st.tuples(side, side, side, side).map(lambda t: ((t[0], t[1], t[2]), (t[2], t[1], t[3])))


def _cross(a: Any, b: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the deprecated default dim
        return lib(a).cross(a, b, **kwargs)


OP_TABLE = {
    "logdet": OpSpec(
        lambda a: lib(a).logdet(_well_conditioned(a)), low=-1, high=1, shapes=_matrices(True)
    ),
    "logdet:method": OpSpec(
        lambda a: _well_conditioned(a).logdet(), low=-1, high=1, shapes=_matrices()
    ),
    "slogdet": OpSpec(
        lambda a: tuple(lib(a).slogdet(_negative_det(a))), low=-1, high=1, shapes=_matrices(True)
    ),
    "slogdet:method": OpSpec(
        lambda a: _well_conditioned(a).slogdet().logabsdet, low=-1, high=1, shapes=_matrices()
    ),
    "matrix_power:3": OpSpec(lambda a: a.matrix_power(3), low=-1, high=1, shapes=_matrices(True)),
    "matrix_power:1": OpSpec(lambda a: lib(a).matrix_power(a, 1), shapes=_matrices()),
    "matrix_power:6": OpSpec(
        lambda a: lib(a).matrix_power(a, 6), low=-1, high=1, shapes=_matrices()
    ),
    "matrix_power:-2": OpSpec(
        lambda a: lib(a).matrix_power(_well_conditioned(a), -2),
        low=-1,
        high=1,
        shapes=_matrices(True),
    ),
    "tensordot:int": OpSpec(
        lambda a, b: lib(a).tensordot(a, b, dims=1),
        arity=2,
        shapes=st.tuples(side, side, side).map(lambda t: ((t[0], t[1]), (t[1], t[2]))),
    ),
    "tensordot:default": OpSpec(
        lambda a, b: lib(a).tensordot(a, b),
        arity=2,
        shapes=st.tuples(side, side, side).map(lambda t: ((t[0], t[1], t[2]), (t[1], t[2]))),
    ),
    "tensordot:lists": OpSpec(
        lambda a, b: lib(a).tensordot(a, b, dims=([1, 2], [1, 0])),
        arity=2,
        shapes=_tensordot_shapes(),
    ),
    "tensordot:outer": OpSpec(
        lambda a, b: lib(a).tensordot(a, b, dims=0),
        arity=2,
        shapes=st.tuples(side, side).map(lambda t: ((t[0],), (2, t[1]))),
    ),
    "vdot": OpSpec(lambda a, b: a.vdot(b), arity=2, shapes=side.map(lambda n: ((n,), (n,)))),
    "cross:default_dim": OpSpec(
        lambda a, b: _cross(a, b), arity=2, shapes=side.map(lambda n: ((n, 3, 2), (n, 3, 2)))
    ),
    "cross:dim": OpSpec(
        lambda a, b: _cross(a, b, dim=-1),
        arity=2,
        shapes=side.map(lambda n: ((3, n, 3), (1, n, 3))),
    ),
    "cross:method": OpSpec(
        lambda a, b: a.cross(b, dim=0), arity=2, shapes=side.map(lambda n: ((3, n), (3, n)))
    ),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=12)
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(n for n in OP_TABLE if OP_TABLE[n].gradcheck))
@settings(max_examples=12)
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


# pinverse needs the namespace's linalg extension (``xp.linalg.pinv``), which arraygrad's
# array_api_strict namespace does not expose yet: its rows stay out of OP_TABLE (whose rows
# also run on array_api_strict) and run here, on NumPy, the same way.
PINV_TABLE = {
    "pinverse": OpSpec(
        lambda a: lib(a).pinverse(_full_rank(a)), low=-1, high=1, shapes=_rectangles(True)
    ),
    "pinverse:method_rcond": OpSpec(
        lambda a: _full_rank(a).pinverse(rcond=1e-10), low=-1, high=1, shapes=_rectangles()
    ),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(PINV_TABLE))
@settings(max_examples=12)
@given(data=st.data())
def test_pinverse_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(PINV_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(PINV_TABLE))
@settings(max_examples=12)
@given(data=st.data())
def test_pinverse_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(PINV_TABLE[name], data.draw)


EDGES = {
    "slogdet_singular": (lambda a: tuple(a.slogdet()), [[[1.0, 2.0], [2.0, 4.0]]]),
    "slogdet_zero": (lambda a: tuple(a.slogdet()), [np.zeros((2, 2))]),
    "logdet_negative": (lambda a: a.logdet(), [[[0.0, 1.0], [1.0, 0.0]]]),
    "logdet_batch_mixed_signs": (
        lambda a: a.logdet(),
        [[[[2.0, 0.0], [0.0, 3.0]], [[0.0, 1.0], [1.0, 0.0]]]],
    ),
    "logdet_empty": (lambda a: (a.logdet(), *a.slogdet()), [np.zeros((0, 0))]),
    "matrix_power_0": (lambda a: a.matrix_power(0), [[[[1.0, 2.0], [3.0, 4.0]]] * 2]),
    "matrix_power_empty_batch": (lambda a: a.matrix_power(3), [np.zeros((0, 2, 2))]),
    "tensordot_empty": (lambda a: lib(a).tensordot(a, a.T, dims=1), [np.zeros((0, 3))]),
    "pinverse_rank_deficient": (lambda a: a.pinverse(), [[[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]]]),
    "pinverse_zero": (lambda a: a.pinverse(), [np.zeros((2, 3))]),
    "pinverse_rcond_cuts": (lambda a: a.pinverse(rcond=0.1), [[[1.0, 0.0], [0.0, 0.01]]]),
    "pinverse_empty": (lambda a: a.pinverse(), [np.zeros((0, 3))]),
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_edges_match_torch(name: str) -> None:
    fn, values = EDGES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # log(0), log(-1)
        check_against_torch(fn, None, [np.array(v) for v in values], grad=False)


def test_pinverse_gradient_matches_torch_on_rank_deficient_input() -> None:
    # the same formula as PyTorch's (not a finite-difference derivative there: the rank jumps)
    check_against_torch(
        lambda a: a.pinverse(), None, [np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 1.0]])]
    )


def test_slogdet_returns_named_fields_and_the_sign_has_no_gradient() -> None:
    a = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    result = ag.slogdet(a)
    assert type(result).__name__ == "slogdet"
    assert result.sign.item() == -1.0
    (grad,) = ag.autograd.grad(result.sign + result.logabsdet, a)
    t = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    (expected,) = torch.autograd.grad(sum(torch.slogdet(t)), t)
    np.testing.assert_allclose(grad.numpy(), expected.numpy(), rtol=1e-6)


INT_MATRIX = np.array([[1, 1], [0, 1]])


def test_integer_matrix_power_and_tensordot_match_torch() -> None:
    check_against_torch(
        lambda a: (a.matrix_power(0), a.matrix_power(1), a.matrix_power(5), lib(a).tensordot(a, a)),
        None,
        [INT_MATRIX],
        grad=False,
    )


def test_cross_without_dim_warns_like_torch() -> None:
    # torch warns once per process (so it cannot be observed here reliably); its text is this.
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
        ag.cross(ag.ones(3, 2), ag.ones(3, 2))


@pytest.mark.parametrize(
    ("fn", "error"),
    [
        (lambda L: L.logdet(L.ones(2, 3)), RuntimeError),
        (lambda L: L.slogdet(L.ones(3)), RuntimeError),
        (lambda L: L.logdet(L.ones(2, 2, dtype=L.int64)), RuntimeError),
        (lambda L: L.matrix_power(L.ones(2, 3), 2), RuntimeError),
        (lambda L: L.matrix_power(L.ones(2), 2), RuntimeError),
        (lambda L: L.matrix_power(L.ones(2, 2, dtype=L.int64), -1), RuntimeError),
        (lambda L: L.matrix_power(L.ones(2, 2), 1.5), TypeError),
        (lambda L: L.tensordot(L.ones(2, 3), L.ones(4, 3), dims=1), RuntimeError),
        (lambda L: L.tensordot(L.ones(2, 3), L.ones(3, 3), dims=-1), RuntimeError),
        (lambda L: L.tensordot(L.ones(2, 3), L.ones(3, 3), dims=([0, 1], [0])), RuntimeError),
        (lambda L: L.vdot(L.ones(2), L.ones(2, dtype=L.float64)), RuntimeError),
        (lambda L: L.vdot(L.ones(2, 1), L.ones(2, 1)), RuntimeError),
        (lambda L: L.vdot(L.ones(2), L.ones(3)), RuntimeError),
        (lambda L: L.cross(L.ones(2, 4), L.ones(2, 4)), RuntimeError),
        (lambda L: L.pinverse(L.ones(3)), RuntimeError),
        (lambda L: L.pinverse(L.ones(2, 2, dtype=L.int64)), RuntimeError),
        (lambda L: L.cross(L.ones(3, 2), L.ones(3, 2), dim=1), RuntimeError),
        (lambda L: L.cross(L.ones(3, 2), L.ones(3, 2), dim=2), IndexError),
    ],
)
def test_misuse_raises_like_torch(fn: Any, error: type[Exception]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(error):
            fn(torch)
        with pytest.raises(error):
            fn(ag)


def test_messages_name_the_problem() -> None:
    with pytest.raises(RuntimeError, match=r"2 by 3 matrices"):
        ag.matrix_power(ag.ones(2, 3), 2)
    with pytest.raises(RuntimeError, match=r"size 3 in dim 1 and second has size 4 in dim 0"):
        ag.tensordot(ag.ones(2, 3), ag.ones(4, 3), dims=1)


SECOND_ORDER = {
    "pinverse_wide": (lambda a: a.pinverse(), [[2.0, 1.0, 3.0], [1.5, -2.0, 0.5]]),
    "pinverse_tall": (lambda a: a.T.pinverse(), [[2.0, 1.0, 3.0], [1.5, -2.0, 0.5]]),
    "logdet": (lambda a: (a @ a.T).logdet(), [[2.0, 1.0, 3.0], [1.5, -2.0, 0.5]]),
    "matrix_power": (lambda a: (a @ a.T).matrix_power(3), [[2.0, 1.0, 3.0], [1.5, -2.0, 0.5]]),
}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_double_backward_matches_torch(name: str) -> None:
    fn, values = SECOND_ORDER[name]
    array = np.array(values)
    results = []
    for module in (torch, ag):
        x = module.tensor(array, requires_grad=True)
        out = fn(x)
        cotangent = module.tensor(np.random.default_rng(5).standard_normal(tuple(out.shape)))
        (grad,) = module.autograd.grad(out, x, cotangent, create_graph=True)
        (second,) = module.autograd.grad((grad * grad.detach().sin()).sum(), x)
        results.append(second.detach().numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-7, atol=1e-10)


# --- determinants past float range, negative ones, and the 0-th power (review A2, A4) ----------


def _scaled(scale: float, n: int, negative: bool = False) -> np.ndarray:
    """``scale`` times a well-conditioned ``n x n`` matrix (its first row negated on request):
    |det| is about ``scale**n``, past float64's range for the scales used."""
    a = np.random.default_rng(n).uniform(-1, 1, (n, n)) / n + np.eye(n)
    if negative:
        a[0] *= -1
    return scale * a


@pytest.mark.parametrize(
    ("scale", "n", "negative"),
    [(0.1, 400, False), (1e-3, 120, True), (10.0, 400, True), (1e3, 120, False), (1.0, 5, True)],
)
def test_slogdet_and_logdet_past_float_range_match_torch(
    scale: float, n: int, negative: bool
) -> None:
    a = _scaled(scale, n, negative)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # logdet of a negative determinant
        check_against_torch(lambda t: (*t.slogdet(), t.logdet()), None, [a], rtol=1e-9, atol=1e-9)
        check_against_torch(
            lambda t: (*t.slogdet(), t.logdet()), None, [a[:8, :8].astype(np.float32)]
        )
    sign, logabsdet = ag.slogdet(ag.tensor(a))
    assert sign.item() == (-1.0 if negative else 1.0)
    assert np.isfinite(logabsdet.item())


def test_logdet_of_a_negative_determinant_has_zero_gradient_like_torch() -> None:
    batch = np.array([[[2.0, 1.0], [1.0, 3.0]], [[0.0, 1.0], [1.0, 0.0]]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        check_against_torch(lambda t: t.logdet(), None, [batch])
        check_against_torch(lambda t: t.slogdet().logabsdet, None, [batch])


def test_slogdet_gradient_gradchecks() -> None:
    a = _scaled(1.0, 4, negative=True)
    gradcheck(lambda t: t.slogdet().logabsdet, [a])
    gradcheck(lambda t: t.logdet(), [_scaled(1.0, 3)])


def test_matrix_power_zero_is_in_the_graph_with_zero_gradient() -> None:
    x = np.array([[[1.0, np.inf], [2.0, 3.0]], [[0.5, 1.0], [-1.0, 2.0]]])
    check_against_torch(lambda t: t.matrix_power(0), None, [x])
    for lib_ in (torch, ag):
        assert lib_.matrix_power(lib_.ones(2, 2, requires_grad=True), 0).requires_grad


# Regression (parity_linalg): the pseudo-inverse of an empty matrix, and linalg.pinv's composite
# forms (hermitian, atol), were named after their last steps (CloneBackward0, AddBackward0)
@pytest.mark.parametrize(
    "expression",
    [
        "lib.pinverse(x[:0])",
        "lib.linalg.pinv(x[:, :0])",
        "lib.linalg.pinv(a, hermitian=True)",
        "lib.linalg.pinv(a[:0, :0], hermitian=True)",
        "lib.linalg.pinv(x, atol=0.1)",
    ],
)
def test_grad_fn_names_as_torch(expression: str) -> None:
    mine, theirs = square_grad_fn_names(expression)
    assert mine == theirs


def _logdet_gradient(m: Any, matrix: np.ndarray, call: Any) -> np.ndarray:
    a = m.tensor(matrix, requires_grad=True)
    value = call(m, a)
    (value.real if value.is_complex() else value).sum().backward()
    grad = np.asarray(a.grad.numpy())
    return np.stack([grad.real, grad.imag])  # (each part's nan and inf compared)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_slogdet_gradient_of_a_singular_matrix_matches_torch(dtype: Any) -> None:
    """torch solves g I with A^H through A's LU factors: a singular matrix's zero pivot gives
    inf and nan (of torch's signs), not the same infinity everywhere; a batch's invertible
    matrix keeps its gradient."""
    scale = 1 - 0.5j if dtype is np.complex128 else 1
    batch = np.stack([[[4.0, 1.0], [1.0, 3.0]], [[1.0, 2.0], [2.0, 4.0]]]).astype(dtype) * scale
    calls = [lambda m, a: m.linalg.slogdet(a).logabsdet]
    if dtype is np.complex128:  # (a real logdet of a singular matrix is -inf, with no gradient)
        calls.append(lambda m, a: m.logdet(a))
    for call in calls:
        theirs = _logdet_gradient(torch, batch, call)
        np.testing.assert_allclose(_logdet_gradient(ag, batch, call), theirs, rtol=1e-12)
    # a zero matrix: nan where torch's has nan (torch's real one has one inf, MKL's)
    zeros = np.zeros((3, 3), dtype=dtype)
    call = calls[0]
    mine, theirs = _logdet_gradient(ag, zeros, call), _logdet_gradient(torch, zeros, call)
    assert not np.isfinite(mine[0]).any()
    assert np.isnan(mine[np.isnan(theirs)]).all()
