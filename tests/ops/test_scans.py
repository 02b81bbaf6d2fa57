"""diff, gradient, trapezoid/trapz, cumulative_trapezoid, cummax, cummin and logcumsumexp
against torch 2.13.0 (values and VJPs) and finite differences; ties, NaN, stability, dtypes and
misuse are tested separately."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arraygrad as ag
from tests.ops._helpers import DTYPES, distinct, lib
from tests.oracle import (
    OpSpec,
    assert_refused_as_torch,
    check_against_torch,
    gradcheck,
    run_gradcheck_case,
    run_torch_case,
)

INF = float("inf")
NAN = float("nan")


def last(x: Any) -> int:
    return -1 if x.ndim else 0


def nonempty(min_dims: int = 1) -> Any:
    return hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=4).map(
        lambda s: (s,)
    )


def with_empty() -> Any:
    return hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4).map(lambda s: (s,))


def _with_points(s: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """y of shape ``s`` and 1-D sample points along its last dimension."""
    return s, (s[-1],)


def sides_of_at_least(n: int) -> Any:
    return hnp.array_shapes(min_dims=1, max_dims=3, min_side=n, max_side=5).map(lambda s: (s,))


def _coordinates(y: Any) -> tuple[Any, ...]:
    """Unevenly spaced, increasing sample coordinates along every dimension of ``y``."""
    return tuple(
        lib(y).arange(n, dtype=y.dtype) + lib(y).linspace(0.0, 0.7, n, dtype=y.dtype) ** 2
        for n in y.shape
    )


OP_TABLE = {
    "gradient": OpSpec(lambda y: lib(y).gradient(y), shapes=sides_of_at_least(2)),
    "gradient:edge2_dim": OpSpec(
        lambda y: lib(y).gradient(y, spacing=0.5, dim=-1, edge_order=2),
        shapes=sides_of_at_least(3),
    ),
    "gradient:spacing_per_dim": OpSpec(
        lambda y: lib(y).gradient(y, spacing=[1.0 + d for d in range(y.ndim)]),
        shapes=sides_of_at_least(2),
    ),
    "gradient:coordinates": OpSpec(
        lambda y: lib(y).gradient(y, spacing=_coordinates(y)), shapes=sides_of_at_least(2)
    ),
    "gradient:coordinates_edge2": OpSpec(
        lambda y: lib(y).gradient(y, spacing=_coordinates(y), edge_order=2),
        shapes=sides_of_at_least(3),
    ),
    "diff": OpSpec(lambda x: x.diff(), shapes=with_empty()),
    "diff:n2_dim0": OpSpec(lambda x: lib(x).diff(x, n=2, dim=0), shapes=nonempty()),
    "diff:n_past_size": OpSpec(lambda x: x.diff(n=5, dim=-1), shapes=nonempty()),
    "diff:prepend_append": OpSpec(
        lambda x, p, a: lib(x).diff(x, dim=-1, prepend=p, append=a),
        arity=3,
        shapes=st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 3)).map(
            lambda t: ((t[0], t[1]), (t[0], t[2]), (t[0], 1))
        ),
    ),
    "trapezoid": OpSpec(lambda y: lib(y).trapezoid(y), shapes=with_empty()),
    "trapezoid:dx_dim0": OpSpec(lambda y: lib(y).trapezoid(y, dx=0.5, dim=0), shapes=nonempty()),
    "trapezoid:x_1d": OpSpec(
        lambda y, x: lib(y).trapezoid(y, x),
        arity=2,
        shapes=nonempty().map(lambda s: _with_points(s[0])),
    ),
    "trapezoid:x_same_shape": OpSpec(
        lambda y, x: lib(y).trapezoid(y, x, dim=0), arity=2, shapes=nonempty().map(lambda s: s * 2)
    ),
    "trapz:x": OpSpec(
        lambda y, x: lib(y).trapz(y, x),
        arity=2,
        shapes=nonempty().map(lambda s: _with_points(s[0])),
    ),
    "trapz:dx": OpSpec(lambda y: lib(y).trapz(y, dx=2.0, dim=0), shapes=nonempty()),
    "cumulative_trapezoid": OpSpec(lambda y: lib(y).cumulative_trapezoid(y), shapes=with_empty()),
    "cumulative_trapezoid:dx_dim0": OpSpec(
        lambda y: lib(y).cumulative_trapezoid(y, dx=0.5, dim=0), shapes=nonempty()
    ),
    "cumulative_trapezoid:x_1d": OpSpec(
        lambda y, x: lib(y).cumulative_trapezoid(y, x),
        arity=2,
        shapes=nonempty().map(lambda s: _with_points(s[0])),
    ),
    "cumulative_trapezoid:x_same_shape": OpSpec(
        lambda y, x: lib(y).cumulative_trapezoid(y, x, dim=0),
        arity=2,
        shapes=nonempty().map(lambda s: s * 2),
    ),
    "cumulative_trapezoid:x_broadcast": OpSpec(
        lambda y, x: lib(y).cumulative_trapezoid(y, x, dim=-1),
        arity=2,
        shapes=sides_of_at_least(1).map(lambda s: ((2, *s[0]), s[0])),
    ),
    "cummax": OpSpec(lambda x: distinct(x).cummax(last(x)), shapes=with_empty()),
    "cummax:dim0": OpSpec(lambda x: lib(x).cummax(distinct(x), 0)),
    "cummax:ties": OpSpec(lambda x: x.round().cummax(last(x))[0] * x, gradcheck=False),
    "cummin": OpSpec(lambda x: lib(x).cummin(distinct(x), dim=0)),
    "cummin:ties": OpSpec(lambda x: x.round().cummin(0).values * x, gradcheck=False),
    "logcumsumexp": OpSpec(lambda x: x.logcumsumexp(last(x)), shapes=with_empty()),
    "logcumsumexp:dim0": OpSpec(lambda x: lib(x).logcumsumexp(x, 0), low=-20, high=20),
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


# --- ties, NaN, infinities and 0-d inputs: PyTorch's choices, exactly ----------------------------

X_3_BY_2 = [[0.0, 1.0], [2.0, 4.0], [1.0, 3.0]]  # sample points of a lower rank than y
EDGES = {
    "cummax_ties_take_later": (lambda x: x.cummax(0), [[1.0, 3.0, 3.0, 2.0, 3.0]]),
    "cummin_ties_take_later": (lambda x: x.cummin(0), [[3.0, 1.0, 1.0, 2.0, 1.0]]),
    "cummax_nan": (lambda x: x.cummax(0), [[1.0, NAN, 5.0, NAN, 2.0]]),
    "cummin_nan_first": (lambda x: x.cummin(0), [[NAN, 0.0, -1.0]]),
    "cummax_inf": (lambda x: x.cummax(0), [[-INF, -INF, 1.0, INF, 2.0]]),
    "cummax_0d": (lambda x: x.cummax(0), [2.5]),
    "cummin_0d_neg_dim": (lambda x: x.cummin(-1), [2.5]),
    "cummax_2d_dim1": (lambda x: x.cummax(1), [[[1.0, 0.0, 1.0], [2.0, 2.0, 3.0]]]),
    "logcumsumexp_far_apart": (lambda x: x.logcumsumexp(0), [[-1000.0, 0.0, 1000.0, -1000.0]]),
    "logcumsumexp_large": (lambda x: x.logcumsumexp(0), [[1e4, 1e4, 1e4 - 1.0]]),
    "logcumsumexp_-inf_after": (lambda x: x.logcumsumexp(0), [[1.0, -INF, 2.0]]),
    "logcumsumexp_0d": (lambda x: x.logcumsumexp(0), [3.0]),
    "diff_n0": (lambda x: x.diff(n=0), [[1.0, 4.0]]),
    "gradient_0d": (lambda x: lib(x).gradient(x), [2.0]),
    "gradient_dims_in_given_order": (
        lambda x: lib(x).gradient(x, spacing=2.0, dim=[1, 0]),
        [[[1.0, 4.0, 9.0], [2.0, 8.0, 18.0]]],
    ),
    "gradient_integer_coordinates": (
        lambda x: lib(x).gradient(x, spacing=(lib(x).tensor([0, 1, 3]),)),
        [[1.0, 4.0, 9.0]],
    ),
    "trapezoid_single": (lambda x: lib(x).trapezoid(x), [[2.0]]),
    "trapezoid_x_unsorted": (lambda x: lib(x).trapezoid(x, x.flip(0)), [[1.0, 3.0, 2.0]]),
    # x is not broadcast to y: its spacings along y's dim broadcast against the heights.
    "trapezoid_x_higher_rank": (
        lambda y, x: lib(y).trapezoid(y, x),
        [[1.0, 2.0], [[1.0, 2.0], [3.0, 5.0]]],
    ),
    "trapezoid_x_lower_rank": (  # x of shape (3, 2) lined up with y's last dimensions
        lambda y, x: (lib(y).trapezoid(y, x), lib(y).trapezoid(y, x, dim=1)),
        [[[[1.0, 3.0], [0.5, 2.0], [4.0, 1.0]], [[2.0, 5.0], [3.0, 1.0], [0.0, 2.0]]], X_3_BY_2],
    ),
    "cumulative_trapezoid_single": (lambda x: lib(x).cumulative_trapezoid(x), [[2.0]]),
    "cumulative_trapezoid_dx_tensor": (
        lambda x: lib(x).cumulative_trapezoid(x, dx=lib(x).tensor(2.0)),
        [[1.0, 3.0, 2.0]],
    ),
    "cumulative_trapezoid_x_higher_rank": (
        lambda x: lib(x).cumulative_trapezoid(x[0], x, dim=0),
        [[[1.0, 3.0], [2.0, 5.0]]],
    ),
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_edges_match_torch(name: str) -> None:
    fn, values = EDGES[name]
    check_against_torch(fn, None, [np.array(v) for v in values], rtol=1e-10, atol=0)


def test_logcumsumexp_is_stable_in_float32() -> None:
    values = np.array([[1e4, 1e4 - 1.0, -1e4, 3.0], [-1e4, -1e4, -1e4 + 3.0, 0.0]], np.float32)
    x = ag.tensor(values, requires_grad=True)
    out = x.logcumsumexp(1)
    out.sum().backward()
    assert np.all(np.isfinite(out.numpy(force=True))) and np.all(np.isfinite(x.grad.numpy()))
    check_against_torch(lambda t: t.logcumsumexp(1), None, [values], rtol=1e-6, atol=1e-3)


def test_cummax_gradient_goes_to_the_index_taken() -> None:
    x = ag.tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    values, indices = x.cummax(0)
    values.backward(ag.tensor([1.0, 10.0, 100.0, 1000.0]))
    t = torch.tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    torch.cummax(t, 0).values.backward(torch.tensor([1.0, 10.0, 100.0, 1000.0]))
    assert x.grad.tolist() == t.grad.tolist()
    assert indices.tolist() == torch.cummax(t, 0).indices.tolist()


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int64", "int8", "bool"])
@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_running_extremum_with_nan_signed_zeros_and_ties_matches_torch(
    name: str, dtype: str
) -> None:
    """NaN anywhere (each later NaN takes the index over), -0.0 against 0.0, ties, infinities,
    on a non-contiguous input along each dimension: values, indices and gradient."""
    rng = np.random.default_rng(6)
    base = rng.integers(-2, 3, (5, 4, 9)).astype(np.float64)
    if dtype.startswith("float"):
        base[rng.random(base.shape) < 0.15] = NAN
        base[rng.random(base.shape) < 0.15] = -0.0
        base[rng.random(base.shape) < 0.05] = -INF
    if dtype == "bool":
        base = base > 0
    for dim in (0, 1, -1):
        results = []
        for lib_ in (torch, ag):
            x = lib_.tensor(base, dtype=getattr(lib_, dtype))[:, ::2, 1:]
            x.requires_grad_(dtype.startswith("float"))
            values, indices = getattr(x, name)(dim)
            grad = lib_.zeros(0)
            if x.requires_grad:
                weights = lib_.arange(values.numel(), dtype=values.dtype).reshape(values.shape)
                (grad,) = lib_.autograd.grad((values.nan_to_num() * weights).sum(), x)
            results.append([np.asarray(t.tolist()) for t in (values, indices, grad)])
        for got, expected in zip(results[1], results[0], strict=True):
            assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes()


# --- dtypes --------------------------------------------------------------------------------------

INT_VALUES = np.array([[3, -1, 4, 1], [5, 9, 2, 6]], dtype=np.int64)
INTEGER_OPS = {
    "diff": lambda x: (x.diff(), x.diff(dim=0), (x > 2).diff(), x.int().diff()),
    "diff_mixed_prepend": lambda x: lib(x).diff(x, prepend=x[:, :1].double()),
    "cummax_int_bool": lambda x: (*x.cummax(1), *(x > 2).cummin(1), *x.int().cummax(0)),
    "trapezoid_int": lambda x: (lib(x).trapezoid(x), lib(x).trapz(x, dx=2)),
    "trapezoid_int_x": lambda x: lib(x).trapezoid(x, x),
    "trapezoid_uint8_x_lower_rank": lambda x: lib(x).trapezoid(
        x[:, :1, None].to(lib(x).uint8), x[:, :3].T.to(lib(x).uint8)
    ),
    "cumulative_trapezoid_int": lambda x: (
        lib(x).cumulative_trapezoid(x),
        lib(x).cumulative_trapezoid(x, dx=2, dim=0),
        lib(x).cumulative_trapezoid(x.int(), x[0].int()),
        lib(x).cumulative_trapezoid(x, x.double()),
    ),
}


@pytest.mark.parametrize("name", sorted(INTEGER_OPS))
def test_integer_and_bool_dtypes_match_torch(name: str) -> None:
    check_against_torch(INTEGER_OPS[name], None, [INT_VALUES], grad=False, rtol=1e-6)


@pytest.mark.parametrize(
    ("fn", "error"),
    [
        (lambda lib, x: x.sum().diff(), RuntimeError),
        (lambda lib, x: x.diff(n=-1), RuntimeError),
        (lambda lib, x: x.diff(dim=2), IndexError),
        (lambda lib, x: x.logcumsumexp(0), NotImplementedError),
        (lambda lib, x: x.float().cummax(3), IndexError),
        (lambda lib, x: lib.trapezoid(x.float(), lib.ones(3)), RuntimeError),
        (lambda lib, x: lib.trapezoid(x.float(), x=lib.ones(4), dx=1.0), TypeError),
        (lambda lib, x: lib.trapezoid(x.float().sum()), IndexError),
        (lambda lib, x: lib.cumulative_trapezoid(x.float(), lib.ones(3)), RuntimeError),
        (lambda lib, x: lib.cumulative_trapezoid(x.float(), lib.ones(4), dx=1.0), TypeError),
        (lambda lib, x: lib.cumulative_trapezoid(x.float().sum()), IndexError),
        (lambda lib, x: lib.cumulative_trapezoid(x.float(), dim=2), IndexError),
        (lambda lib, x: lib.cumulative_trapezoid(x > 2), RuntimeError),
        (lambda lib, x: lib.cumulative_trapezoid(x.float(), x > 2), RuntimeError),
        (lambda lib, x: lib.cumulative_trapezoid(x.float(), dx=True), RuntimeError),
        (lambda lib, x: lib.gradient(x.float(), edge_order=3), RuntimeError),
        (lambda lib, x: lib.gradient(x.float()[:1]), RuntimeError),
        (lambda lib, x: lib.gradient(x.float()[:2], edge_order=2), RuntimeError),
        (lambda lib, x: lib.gradient(x.float(), spacing=[1.0, 2.0, 3.0]), RuntimeError),
        (lambda lib, x: lib.gradient(x.float(), spacing=(lib.ones(1, 2),)), RuntimeError),
        (lambda lib, x: lib.gradient(x.float(), spacing=(lib.ones(2),)), RuntimeError),
        (lambda lib, x: lib.gradient(x.float(), dim=(0, 0)), RuntimeError),
        (lambda lib, x: lib.gradient(x.float(), dim=2), IndexError),
    ],
)
def test_misuse_raises_like_torch(fn: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        fn(torch, torch.tensor(INT_VALUES))
    with pytest.raises(error):
        fn(ag, ag.tensor(INT_VALUES))


def test_messages_name_the_problem() -> None:
    x = ag.tensor(INT_VALUES)
    with pytest.raises(RuntimeError, match="one `x` value for each sample point"):
        ag.trapezoid(x.float(), ag.ones(3))
    with pytest.raises(RuntimeError, match=r"one `x` value for each sample point.*Fix"):
        ag.cumulative_trapezoid(x.float(), ag.ones(3))
    with pytest.raises(RuntimeError, match="at least one-dimensional"):
        x.sum().diff()


# --- double backward -----------------------------------------------------------------------------

SECOND_ORDER = {
    "logcumsumexp": (lambda x: x.logcumsumexp(1), [[2.0, 1.0, 3.0], [1.5, -2.0, 0.5]]),
    "cummax": (lambda x: x.cummax(1).values * x, [[2.0, 1.0, 3.0], [1.5, -2.0, 0.5]]),
    "diff": (lambda x: x.diff(dim=0) ** 2, [[2.0, 1.0, 3.0], [1.5, -2.0, 0.5]]),
    "trapezoid": (lambda x: lib(x).trapezoid(x * x, x[0]), [[2.0, 1.0, 3.0], [1.5, -2.0, 0.5]]),
    "cumulative_trapezoid": (
        lambda x: lib(x).cumulative_trapezoid(x * x, x[0]),
        [[2.0, 1.0, 3.0], [1.5, -2.0, 0.5]],
    ),
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


def test_gradcheck_logcumsumexp_with_spread_values() -> None:
    x = np.array([[-30.0, 0.5, 25.0, -4.0], [3.0, 3.0, 3.0, 2.0]])
    gradcheck(lambda t: t.logcumsumexp(1), [x])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings on the way
        ag.tensor(x * 100).logcumsumexp(1)


def test_gradient_of_integers_is_float_as_in_torch() -> None:
    values = np.array([1, 4, 9, 16, 25])
    mine = ag.gradient(ag.tensor(values))
    theirs = torch.gradient(torch.tensor(values))
    assert mine[0].dtype == ag.float32 and theirs[0].dtype == torch.float32
    np.testing.assert_array_equal(mine[0].numpy(), theirs[0].numpy())


def test_gradient_reads_a_0d_tensor_spacing_as_a_number_as_torch() -> None:
    values = np.array([1.0, 4.0, 9.0, 16.0])
    theirs = torch.gradient(torch.tensor(values), spacing=torch.tensor(2.0))
    mine = ag.gradient(ag.tensor(values), spacing=ag.tensor(2.0))
    assert mine[0].tolist() == theirs[0].tolist()


def test_cumulative_trapezoid_ends_at_trapezoid() -> None:
    y = ag.tensor([[1.0, 2.0, 4.0, 3.0], [0.5, -1.0, 2.0, 2.0]])
    x = ag.tensor([0.0, 0.5, 2.0, 2.5])
    running = ag.cumulative_trapezoid(y, x)
    np.testing.assert_allclose(running[:, -1].numpy(), ag.trapezoid(y, x).numpy(), rtol=1e-6)


# Regression: trapezoid and trapz of complex samples raised NotImplementedError, and gradient
# of complex samples gave their real part in float32, where torch integrates and
# differentiates them in their own dtype.
COMPLEX_Y = np.array([[0.5 + 1j, 2 - 1j, 3 + 0.5j, -1j], [1j, -2 + 0j, 0.25 - 3j, 1.5 + 2j]])
POINTS = np.array([0.0, 0.5, 2.0, 2.25])


@pytest.mark.parametrize(
    "call",
    [
        lambda y: lib(y).trapezoid(y),
        lambda y: lib(y).trapezoid(y, dx=0.5, dim=0),
        lambda y: lib(y).trapz(y, dx=2.0),
        lambda y: lib(y).trapezoid(y, lib(y).tensor(POINTS)),
        lambda y: lib(y).trapz(y, lib(y).tensor(POINTS + 1j * POINTS[::-1])),
        lambda y: lib(y).gradient(y),
        lambda y: lib(y).gradient(y, spacing=2.0, dim=1, edge_order=2),
        lambda y: lib(y).gradient(y, spacing=(lib(y).tensor(POINTS),), dim=1),
    ],
)
def test_complex_samples_match_torch_with_their_gradient(call: Any) -> None:
    check_against_torch(call, None, [COMPLEX_Y])


def test_trapezoid_of_real_samples_at_complex_points_matches_torch() -> None:
    points = POINTS * (1 + 0.5j)
    check_against_torch(lambda y, x: lib(y).trapezoid(y, x), None, [COMPLEX_Y.real, points])


# Regression: gradient of uint8 and bool samples computed in float32, where torch refuses them.
@pytest.mark.parametrize(
    "call",
    [
        lambda lib, x: lib.gradient(x),
        lambda lib, x: lib.gradient(x, dim=1),
        lambda lib, x: lib.trapezoid(x),
        lambda lib, x: lib.trapz(x),
    ],
)
@pytest.mark.parametrize("dtype", ["uint8", "bool", "int8", "complex64", "float16"])
def test_samples_take_the_dtypes_torch_takes(call: Any, dtype: str) -> None:
    assert_refused_as_torch(call, dtype)


@pytest.mark.parametrize("dim", [0, 2, -3])
@pytest.mark.parametrize("dtype", ["int64", "uint8", "bool", "float32"])
def test_logcumsumexp_checks_its_dim_before_its_dtype_as_torch(dim: int, dtype: str) -> None:
    # a dim out of range is PyTorch's IndexError whatever the dtype; then no integer kernel
    assert_refused_as_torch(lambda lib, x: x.logcumsumexp(dim), dtype)


@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize("dim", [0, 2])
@pytest.mark.parametrize("dtype", ["complex64", "bool", "float16"])
def test_cummax_and_cummin_refuse_complex_tensors_as_torch(name: str, dim: int, dtype: str) -> None:
    # complex numbers have no order: the kernel's NotImplementedError, after the dim's check
    assert_refused_as_torch(lambda lib, x: getattr(x, name)(dim), dtype)


# Regression (fuzz_fixes2): no samples along dim gave float32 zeros for integer samples (and
# refused bool ones); torch's first check returns zeros of y's dtype, outside the graph.
@pytest.mark.parametrize(
    "call",
    [
        lambda lib, y: lib.trapezoid(y[..., :0]),
        lambda lib, y: lib.trapz(y[:0], dim=0),
        lambda lib, y: lib.trapezoid(y[..., :0], dx=0.5),
        lambda lib, y: lib.trapz(y[..., :0], y[..., :0]),
    ],
)
@pytest.mark.parametrize("dtype", ["int64", "uint8", "bool", "float32"])
def test_trapezoid_of_no_samples_is_zeros_of_their_dtype_as_torchs(call: Any, dtype: str) -> None:
    assert_refused_as_torch(call, dtype)
    for lib_ in (ag, torch):
        y = lib_.ones(2, 3, requires_grad=True)
        assert not call(lib_, y).requires_grad
