"""Reductions and scans against torch 2.13.0 (values and VJPs) and finite differences.

``OP_TABLE`` rows run in float64 and float32 against torch and through a float64 gradcheck;
ties, zeros, empty inputs, stability, result dtypes, double backward and misuse are tested
separately below.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arraygrad as ag
from arraygrad._statistics import vector_norm
from tests.oracle import (
    OpSpec,
    assert_like_torch_on,
    assert_refused_as_torch,
    check_against_torch,
    check_higher_derivatives_against_torch,
    gradcheck,
    run_gradcheck_case,
    run_torch_case,
    shape_cases,
)

DTYPES = [np.float64, np.float32]
INF = float("inf")


def lib(x: Any) -> Any:
    """The library (``torch`` or ``arraygrad``) whose tensor ``x`` is."""
    return torch if isinstance(x, torch.Tensor) else ag


def vnorm(x: Any, *args: Any, **kwargs: Any) -> Any:
    """``linalg.vector_norm`` of either library (arraygrad's lives in ``_statistics``)."""
    if isinstance(x, torch.Tensor):
        return torch.linalg.vector_norm(x, *args, **kwargs)
    return vector_norm(x, *args, **kwargs)


def distinct(x: Any) -> Any:
    """``x`` plus a tiny ramp, so that no two elements tie (ties are tested separately)."""
    ramp = lib(x).arange(x.numel(), dtype=x.dtype).reshape(x.shape)
    return x + ramp * 0.0123457


def last(x: Any) -> int:
    return -1 if x.ndim else 0


def nonempty(min_dims: int = 1) -> Any:
    """One shape of ``min_dims`` to 3 dimensions, each of size 1 to 4, as a 1-tuple of shapes."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=4).map(
        lambda s: (s,)
    )


def with_empty() -> Any:
    """One shape that may have a zero-size dimension."""
    return hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3).map(lambda s: (s,))


OP_TABLE = {
    "sum:dim_keepdim": OpSpec(lambda x: x.sum(dim=last(x), keepdim=True), shapes=with_empty()),
    "sum:dtype": OpSpec(lambda x: x.sum(dtype=lib(x).float64)),
    "mean:dims": OpSpec(lambda x: x.mean(dim=(0, -1)), shapes=nonempty(2)),
    "prod": OpSpec(lambda x: x.prod()),
    "prod:dim": OpSpec(lambda x: lib(x).prod(x, last(x)), shapes=with_empty()),
    "prod:keepdim": OpSpec(lambda x: x.prod(0, keepdim=True), shapes=nonempty()),
    "prod:with_zeros": OpSpec(lambda x: (x.round() * x).prod(last(x)), gradcheck=False),
    "amax": OpSpec(lambda x: distinct(x).amax()),
    "amax:dims": OpSpec(lambda x: distinct(x).amax(dim=(0, -1), keepdim=True), shapes=nonempty(2)),
    "amax:ties": OpSpec(lambda x: lib(x).amax(x.round(), dim=last(x)) * x.sum(), gradcheck=False),
    "amin": OpSpec(lambda x: lib(x).amin(distinct(x), dim=last(x))),
    "amin:ties": OpSpec(lambda x: x.round().amin() * x.sum(), gradcheck=False),
    "argmax": OpSpec(lambda x: distinct(x).argmax()),
    "argmax:dim": OpSpec(lambda x: lib(x).argmax(distinct(x), dim=last(x), keepdim=True)),
    "argmin:dim": OpSpec(lambda x: distinct(x).argmin(dim=0)),
    "all": OpSpec(lambda x: (x.round(), x.round().all(), lib(x).all(x > 0, dim=last(x)))[1:]),
    "any": OpSpec(lambda x: (x.round().any(), x.round().any(dim=last(x), keepdim=True))),
    "var": OpSpec(lambda x: x.var(), shapes=nonempty(), kinks=(0.0,)),
    "var:dim_correction": OpSpec(
        lambda x: x.var(dim=-1, correction=0, keepdim=True), shapes=nonempty(), kinks=(0.0,)
    ),
    "var:unbiased_false": OpSpec(
        lambda x: lib(x).var(x, 0, False), shapes=nonempty(), kinks=(0.0,)
    ),
    "std": OpSpec(lambda x: x.std(), shapes=nonempty(), low=-3, high=3, kinks=(0.0,)),
    # At least two elements reduced: one has zero spread, where the second derivative with
    # respect to the cotangent is nan (0 / 0 in PyTorch's std_backward), not checkable.
    "std:dims": OpSpec(
        lambda x: lib(x).std(x, dim=(0, 1), correction=0),
        shapes=nonempty(2).filter(lambda s: s[0][0] * s[0][1] > 1),
        kinks=(0.0,),
    ),
    "var_mean": OpSpec(lambda x: lib(x).var_mean(x, dim=0), shapes=nonempty(), kinks=(0.0,)),
    "std_mean": OpSpec(
        lambda x: lib(x).std_mean(x, dim=-1, keepdim=True), shapes=nonempty(), kinks=(0.0,)
    ),
    "logsumexp": OpSpec(lambda x: lib(x).logsumexp(x, dim=last(x))),
    "logsumexp:dims_keepdim": OpSpec(
        lambda x: x.logsumexp(dim=(0, -1), keepdim=True), shapes=nonempty(2)
    ),
    "logsumexp:empty": OpSpec(lambda x: x.logsumexp(dim=0), shapes=with_empty()),
    "norm": OpSpec(lambda x: x.norm(), kinks=(0.0,)),
    "norm:p1_dim": OpSpec(lambda x: lib(x).norm(x, p=1, dim=last(x)), kinks=(0.0,)),
    "norm:inf": OpSpec(lambda x: distinct(x).norm(p=INF), kinks=(0.0,)),
    "norm:fro_dims": OpSpec(
        lambda x: x.norm("fro", dim=(0, 1), keepdim=True), shapes=nonempty(2), kinks=(0.0,)
    ),
    "norm:p3": OpSpec(lambda x: x.norm(p=3, dim=0), kinks=(0.0,)),
    "vector_norm": OpSpec(lambda x: vnorm(x), kinks=(0.0,)),
    "vector_norm:p0.5": OpSpec(lambda x: vnorm(x, 0.5), kinks=(0.0,)),
    "vector_norm:p1.5": OpSpec(lambda x: vnorm(x, 1.5, dim=last(x)), kinks=(0.0,)),
    "vector_norm:p-2": OpSpec(lambda x: vnorm(x, -2), kinks=(0.0,)),
    "vector_norm:-inf": OpSpec(lambda x: vnorm(distinct(x), -INF, dim=0), kinks=(0.0,)),
    "vector_norm:p0": OpSpec(lambda x: vnorm(x.round(), 0) * x.sum(), gradcheck=False),
    "vector_norm:dtype": OpSpec(lambda x: vnorm(x, 2, 0, True, dtype=lib(x).float64), kinks=(0.0,)),
    "cumsum": OpSpec(lambda x: x.cumsum(dim=last(x))),
    "cumsum:dim0": OpSpec(lambda x: lib(x).cumsum(x, 0), shapes=with_empty()),
    "cumprod": OpSpec(lambda x: x.cumprod(dim=last(x))),
    "cumprod:with_zeros": OpSpec(lambda x: (x.round() * x).cumprod(0), gradcheck=False),
    "cumprod:dim0": OpSpec(lambda x: lib(x).cumprod(x, 0), shapes=with_empty()),
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


# --- ties, zeros and empty inputs: PyTorch's choices, exactly ------------------------------------

EDGES = {
    "amax_ties": (lambda x: x.amax(), [[1.0, 3.0, 3.0]]),
    "amax_ties_dim": (lambda x: x.amax(dim=1), [[[1.0, 1.0, 1.0], [2.0, 5.0, 5.0]]]),
    "amin_ties_keepdim": (lambda x: x.amin(dim=0, keepdim=True), [[[1.0, 2.0], [1.0, 0.0]]]),
    "amax_nan": (lambda x: x.amax(), [[1.0, float("nan")]]),
    "prod_one_zero": (lambda x: x.prod(), [[2.0, 0.0, 3.0]]),
    "prod_two_zeros": (lambda x: x.prod(), [[2.0, 0.0, 0.0]]),
    # torch's product of all elements gives zeros for two zeros, even beside an inf (arraygrad
    # gave the others' products: nan, fuzz_fixes2); along a dim, torch keeps the nan
    "prod_two_zeros_inf": (lambda x: x.prod(), [[[INF, 0.0], [0.0, 2.0]]]),
    "prod_two_zeros_inf_dim": (lambda x: x.prod(0), [[INF, 0.0, 0.0]]),
    "prod_zeros_dim": (lambda x: x.prod(1), [[[2.0, 0.0, 3.0], [0.0, 0.0, 1.0], [1.0, 2.0, 4.0]]]),
    "prod_0d": (lambda x: x.prod(), [5.0]),
    "cumprod_zeros": (lambda x: x.cumprod(0), [[2.0, 0.0, 3.0, 0.0, 4.0]]),
    "cumprod_zero_first": (lambda x: x.cumprod(0), [[0.0, 2.0, 3.0]]),
    "cumprod_zeros_dim1": (lambda x: x.cumprod(1), [[[1.0, 0.0, 2.0], [3.0, 4.0, 0.0]]]),
    # no zero in the input (the rules' quick path): an inf, a product that underflows to 0,
    # a nan; and a zero in one slice only, which switches every slice to the others' products
    "prod_no_zero_dim": (
        lambda x: x.prod(1),
        [[[2.0, INF, 3.0], [1e-200, 1e-200, 2.0], [float("nan"), 1.0, -2.0]]],
    ),
    "prod_no_zero_underflow": (lambda x: x.prod(), [[1e-200, 1e-200, -3.0]]),
    "prod_zero_elsewhere": (lambda x: x.prod(1), [[[2.0, INF, 3.0], [0.0, 5.0, 2.0]]]),
    "cumprod_no_zero": (
        lambda x: x.cumprod(1),
        [[[2.0, INF, 3.0], [1e-200, 1e-200, 2.0], [float("nan"), 1.0, -2.0]]],
    ),
    "norm_at_zero": (lambda x: x.norm(), [[0.0, 0.0]]),
    "norm_inf_ties": (lambda x: vnorm(x, INF), [[3.0, -3.0, 1.0]]),
    "norm_inf_zero": (lambda x: vnorm(x, INF), [[0.0, 0.0]]),
    "norm_-inf_ties": (lambda x: vnorm(x, -INF), [[1.0, -1.0, 3.0]]),
    "norm_1_at_0": (lambda x: vnorm(x, 1), [[0.0, -3.0, 1.0]]),
    "norm_p_at_0": (lambda x: vnorm(x, 0.5) + vnorm(x, 1.5) + vnorm(x, 3), [[0.0, -3.0, 1.0]]),
    "norm_p_all_zero": (lambda x: vnorm(x, 0.5) + vnorm(x, 3) + vnorm(x, -1), [[0.0, 0.0]]),
    "norm_negative_p_with_zero": (lambda x: vnorm(x, -1), [[1.0, 0.0, 3.0]]),
    "std_zero_spread": (lambda x: x.std(), [[1.0, 1.0]]),
    # torch's var_mean / std_mean take the mean by Welford's update: nan once an infinity is
    # met before a slice's last element (arraygrad gave inf, fuzz_fixes2 seed 15870)
    "var_mean_infinities": (
        lambda x: (*lib(x).var_mean(x, 1), *lib(x).std_mean(x), lib(x).std_mean(x[:, 1:], 0)[1]),
        [[[1.0, -INF, 2.0], [1.0, 2.0, INF], [INF, 3.0, 1.0]]],
    ),
    "std_single": (lambda x: x.std(), [[1.0]]),
    "var_single": (lambda x: x.var(), [[1.0]]),
    "logsumexp_all_-inf": (lambda x: x.logsumexp(0), [[-INF, -INF]]),
    "logsumexp_inf": (lambda x: x.logsumexp(0), [[INF, 1.0]]),
    "empty_sums": (lambda x: (x.sum(1), x.prod(1), x.logsumexp(1), vnorm(x, dim=1)), [[[]]]),
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_edges_match_torch(name: str) -> None:
    fn, values = EDGES[name]
    check_against_torch(fn, None, [np.array(v) for v in values], rtol=1e-12, atol=0)


def test_amax_ties_split_the_gradient_exactly() -> None:
    x = ag.tensor([1.0, 3.0, 3.0, 3.0], dtype=ag.float64, requires_grad=True)
    x.amax().backward()
    assert x.grad.tolist() == [0.0, 1 / 3, 1 / 3, 1 / 3]


def test_prod_gradient_with_a_zero_is_the_product_of_the_others() -> None:
    x = ag.tensor([2.0, 0.0, 3.0, 5.0], requires_grad=True)
    x.prod().backward()
    assert x.grad.tolist() == [0.0, 30.0, 0.0, 0.0]


def test_prod_gradient_of_subnormals_divides_before_scaling_as_torch() -> None:
    # g * prod / x underflowed to 0 where g * (prod / x), PyTorch's order, is g
    for values in ([5e-324], [5e-324, 2.0], [0.3, 0.7, 1.9]):
        grads = []
        for lib in (ag, torch):
            x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
            x.prod().backward(lib.tensor(0.37, dtype=lib.float64))
            grads.append(x.grad.tolist())
        assert grads[0] == grads[1]


@pytest.mark.parametrize(
    ("values", "dim"),
    [
        ([1e-200, 1e-200, 1e-10], None),  # the product underflows to 0 with no zero: 0 / x
        ([[1e-200, 1e-200, 1e-10], [1.0, 2.0, 3.0]], 1),
        ([np.inf, 2.0, 0.0], None),  # inf * 0 is nan: the others' products, not nan / x
        ([np.nan, 2.0, 0.0], None),
        ([[np.inf, 2.0, 0.0], [1.0, 2.0, 3.0]], 0),  # a zero elsewhere switches every slice
        ([[np.inf, 2.0, 3.0], [0.0, 1.0, 2.0]], 1),
    ],
)
def test_prod_gradient_switches_on_a_zero_in_the_input_as_torch(values: Any, dim: Any) -> None:
    grads = []
    for lib in (ag, torch):
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        (x.prod() if dim is None else x.prod(dim)).sum().backward()
        grads.append(np.asarray(x.grad.tolist()))
    np.testing.assert_array_equal(grads[0], grads[1])


@pytest.mark.parametrize("shape", [(5,), (3, 4)])
def test_prod_and_cumprod_with_zeros_pass_gradcheck(shape: tuple[int, ...]) -> None:
    """Zeros make products non-smooth only in other elements: finite differences still hold."""
    x = np.random.default_rng(2).uniform(0.5, 2.0, size=shape)
    x.reshape(-1)[1] = 0.0
    x.reshape(-1)[-1] = 0.0
    gradcheck(lambda t: t.prod(0), [x])
    gradcheck(lambda t: t.cumprod(-1), [x])
    y = x.copy()
    y.reshape(-1)[-1] = 1.5  # a lone zero
    gradcheck(lambda t: t.prod(), [y])


def test_logsumexp_is_stable_at_1e4_in_float32() -> None:
    values = np.array([[1e4, 1e4 - 1.0, -1e4], [-1e4, -1e4, -1e4 + 3.0]], dtype=np.float32)
    x = ag.tensor(values, requires_grad=True)
    out = x.logsumexp(dim=1)
    out.sum().backward()
    assert np.all(np.isfinite(out.numpy(force=True))) and np.all(np.isfinite(x.grad.numpy()))
    check_against_torch(lambda t: t.logsumexp(1), None, [values], grad=False)
    check_against_torch(lambda t: t.logsumexp((0, 1)), None, [values], grad=False)
    # The gradient is softmax. torch's float32 one, exp(x - logsumexp(x)), is off by up to 5e-4
    # here (the float32 logsumexp near 1e4 is rounded to 1e-3), so the reference is float64.
    exact = np.exp(values.astype(np.float64) - values.max(axis=1, keepdims=True))
    exact /= exact.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(x.grad.numpy(), exact, rtol=1e-5, atol=1e-30)


# --- dtypes --------------------------------------------------------------------------------------

INT_VALUES = np.array([[-3, 2, 5], [1, 0, 2]], dtype=np.int64)
INTEGER_OPS = {
    "sums": lambda x: (x.sum(), x.sum(1), x.prod(), x.prod(0, dtype=lib(x).float64)),
    "bool_sums": lambda x: ((x > 0).sum(), (x > 0).prod(), (x > 0).cumsum(0)),
    "int32_accumulates_in_int64": lambda x: (x.int().sum(), x.int().prod(), x.int().cumsum(1)),
    "extrema": lambda x: (x.amax(), x.amin(1), (x > 0).amax(), x.argmax(), x.argmin(1)),
    "truth": lambda x: (x.all(), x.any(1), x.all(dim=(0, 1)), x.to(lib(x).uint8).all()),
    "truth_empty_dims": lambda x: (x.all(dim=()), x.any(dim=[])),
    "scans": lambda x: (x.cumsum(1), x.cumprod(0), x.cumsum(0, dtype=lib(x).float32)),
    "float_results": lambda x: (
        x.logsumexp(1),
        x.mean(dtype=lib(x).float64),
    ),
}


@pytest.mark.parametrize("name", sorted(INTEGER_OPS))
def test_integer_and_bool_dtypes_match_torch(name: str) -> None:
    check_against_torch(INTEGER_OPS[name], None, [INT_VALUES], grad=False, rtol=1e-6)


@pytest.mark.parametrize(
    ("fn", "error"),
    [
        (lambda lib, x: x.prod(dim=(0, 1)), TypeError),
        (lambda lib, x: x.float()[:0].amax(), RuntimeError),
        (lambda lib, x: x.float()[:0].argmax(), IndexError),
        (lambda lib, x: x.float()[:, :0].amax(1), IndexError),
        (lambda lib, x: (x > 0).argmax(), RuntimeError),
        (lambda lib, x: x.var(), RuntimeError),
        (lambda lib, x: x.std(dim=0), RuntimeError),
        (lambda lib, x: x.norm(), RuntimeError),
        (lambda lib, x: x.norm(dtype=lib.float64), RuntimeError),
        (lambda lib, x: x.float().norm(p="bad"), RuntimeError),
        (lambda lib, x: x.float().sum(dim=2), IndexError),
        (lambda lib, x: x.float().amax(dim=(0, 0)), RuntimeError),
        (lambda lib, x: x.float().var(dim=0, unbiased=True, correction=1), TypeError),
        (lambda lib, x: x.float().logsumexp(), TypeError),
        (lambda lib, x: x.cumsum(), TypeError),
    ],
)
def test_misuse_raises_like_torch(fn: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        fn(torch, torch.tensor(INT_VALUES))
    x = ag.tensor(INT_VALUES)
    with pytest.raises(error):
        fn(ag, x)
    assert x.sum().item() == int(INT_VALUES.sum())  # still usable


def test_vector_norm_misuse() -> None:
    for module, fn in ((torch, torch.linalg.vector_norm), (ag, vector_norm)):
        with pytest.raises(TypeError):
            fn(module.ones(3), "fro")
        with pytest.raises(RuntimeError, match="inf norm on an empty tensor"):
            fn(module.ones(0), INF)


# --- double backward -----------------------------------------------------------------------------

SECOND_ORDER = {
    "prod_with_zero": (lambda x: x.prod(1), [[2.0, 0.0, 3.0], [1.5, 2.0, 0.5]]),
    "prod_all": (lambda x: x.prod(), [[2.0, 1.5], [0.5, 3.0]]),
    "cumprod_with_zero": (lambda x: x.cumprod(1), [[2.0, 0.0, 3.0], [1.5, 2.0, 0.5]]),
    "cumsum": (lambda x: x.cumsum(0) ** 2, [[2.0, 0.0, 3.0], [1.5, 2.0, 0.5]]),
    "amax_ties": (lambda x: x.amax(1) * x.sum(), [[2.0, 2.0, 1.0], [1.5, 2.0, 0.5]]),
    "norm_2": (lambda x: x.norm(dim=1), [[2.0, 1.0, 3.0], [1.5, 2.0, 0.5]]),
    "norm_p3": (lambda x: vnorm(x, 3), [[2.0, -1.0, 3.0], [1.5, 2.0, 0.5]]),
    "norm_p0.5": (lambda x: vnorm(x, 0.5, dim=0), [[2.0, 1.0, 3.0], [1.5, 2.0, 0.5]]),
    "norm_inf": (lambda x: vnorm(x, INF) * x.sum(), [[2.0, -1.0, 3.0], [1.5, 2.0, 0.5]]),
    "var_std": (lambda x: x.var(1) * x.std(0).sum(), [[2.0, 1.0, 3.0], [1.5, 2.0, 0.5]]),
    "logsumexp": (lambda x: x.logsumexp(1), [[2.0, 1.0, 3.0], [1.5, 2.0, 0.5]]),
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


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_sum_and_mean_gradients_equal_torchs_bit_for_bit(dtype: type, reduction: str) -> None:
    # The rules' fast paths (a 0-d gradient divided as a NumPy scalar, small results filled)
    # must give torch's bits, special gradients and -0.0 included.
    values = np.arange(1.0, 25.0, dtype=dtype).reshape(2, 3, 4)
    cases: list[tuple[tuple[int, ...], Any, bool]] = [
        ((), None, False),
        ((7,), None, False),
        ((2, 3, 4), None, False),
        ((2, 3, 4), None, True),
        ((2, 3, 4), (1,), False),
        ((2, 3, 4), (0, 2), True),
        ((64, 80), None, False),  # more than 4096 elements: a broadcast view
    ]
    for shape, dim, keepdim in cases:
        x = np.resize(values, shape)
        out_shape = np.sum(x, axis=dim, keepdims=keepdim).shape
        for seed in (1.0, 3.0, -0.0, 1e-30, float("nan"), float("inf"), float("-inf")):
            g = np.full(out_shape, seed, dtype=dtype)
            grads = []
            for lib_ in (ag, torch):
                t = lib_.tensor(x, requires_grad=True)
                reduced = (
                    getattr(t, reduction)()
                    if dim is None and not keepdim
                    else (getattr(t, reduction)(dim=dim, keepdim=keepdim))
                )
                reduced.backward(lib_.tensor(g))
                grads.append(np.asarray(t.grad.numpy()))
            got, expected = grads
            assert got.dtype == expected.dtype and got.shape == expected.shape
            assert got.tobytes() == expected.tobytes(), (shape, dim, keepdim, seed)


@pytest.mark.parametrize(
    ("fn", "values"),
    [
        (lambda x: lib(x).linalg.vector_norm(x, 3) * x, [0.0, 0, 0]),
        (lambda x: lib(x).linalg.vector_norm(x, 0.5) * x, [0.0, 1, 2]),
        (lambda x: lib(x).linalg.vector_norm(x, -1) * x, [0.0, 1, 2]),
        (lambda x: lib(x).dist(x, x.detach() * 0, 3) * x, [0.0, 0, 0]),
    ],
    ids=["l3", "l0_5", "l_minus_1", "dist_3"],
)
def test_norm_higher_derivatives_at_zero_match_torch(fn: Any, values: list) -> None:
    # PyTorch's norm backward for p != 2 computes grad / norm ** (p - 1) (for p < 1, |x| ** (p - 1))
    # and masks it to 0 where the norm (the element) is 0: the second derivative there is
    # 0 * inf = nan.
    check_higher_derivatives_against_torch(fn, [np.array(values)])


# A row of zeros (zero norm, zero spread) beside an ordinary row, and the same near zero.
ZERO_ROW = [[0.0, 0.0, 0.0], [1.0, 2.0, -1.0]]
NEAR_ZERO_ROW = [[1e-3, -2e-3, 0.5e-3], [1.0, 2.0, -1.0]]


@pytest.mark.parametrize(
    ("fn", "points"),
    [
        (lambda x: x.norm(), [[0.0, 0, 0], [1e-3, -2e-3, 0.5e-3]]),
        (
            lambda x: lib(x).linalg.vector_norm(x, dim=1, keepdim=True) * x,
            [ZERO_ROW, NEAR_ZERO_ROW],
        ),
        (lambda x: lib(x).dist(x, x.detach() * 0) * x, [[0.0, 0, 0], [1e-3, -2e-3, 0.5e-3]]),
    ],
    ids=["norm", "vector_norm_dim", "dist"],
)
def test_two_norm_higher_derivatives_match_torch(fn: Any, points: list) -> None:
    # PyTorch's p = 2 rule is grad * (x / norm), the quotient masked to 0 where the norm is 0:
    # its derivative there is 0 / 0 = nan.
    for point in points:
        check_higher_derivatives_against_torch(fn, [np.array(point)])


@pytest.mark.parametrize(
    ("std", "points"),
    [
        (lambda x: x.std(), [[1.0, 1, 1], [1e-3, -2e-3, 0.5e-3]]),
        (lambda x: x.std(dim=1, keepdim=True), [ZERO_ROW, NEAR_ZERO_ROW]),
        (lambda x: x.std(correction=0), [[2.0], [2.0, 2, 2], [2.0, 2.001, 2]]),
        (lambda x: lib(x).std_mean(x, dim=1, keepdim=True)[0], [ZERO_ROW, NEAR_ZERO_ROW]),
    ],
    ids=["std", "std_dim", "std_biased", "std_mean"],
)
def test_std_higher_derivatives_match_torch(std: Any, points: list) -> None:
    # PyTorch's std_backward is var_backward of grad / (2 * std), masked to 0 where std is 0:
    # at zero spread the derivatives through the std are 0, and through the cotangent (which
    # depends on x in std * x) the 0 / 0 gives nan.
    for point in points:
        check_higher_derivatives_against_torch(std, [np.array(point)])
        check_higher_derivatives_against_torch(lambda x: std(x) * x, [np.array(point)])


# (Not complex cumprod: PyTorch's complex products round otherwise than NumPy's, in complex128
# too, so that its gradient's quotients differ in the last bits however it accumulates.)
@pytest.mark.parametrize(
    ("name", "dtype"), [("cumsum", "float32"), ("cumsum", "complex64"), ("cumprod", "float32")]
)
@pytest.mark.parametrize("dim", [0, 1])
def test_float32_scans_accumulate_in_double_as_torch(name: str, dtype: str, dim: int) -> None:
    # PyTorch's CPU cumsum and cumprod of float32 (complex64) accumulate in double and round
    # each result once; accumulating in float32 differs in the last bits of most results of
    # a long scan. Their gradients are reversed cumsums (and a cumprod past a zero) alike.
    rng = np.random.default_rng(7)
    shape = (300, 9) if dim == 0 else (4, 700)
    x = 1 + 0.01 * rng.standard_normal(shape)
    g = rng.standard_normal(shape)
    if dtype == "complex64":
        x = x + 0.01j * rng.standard_normal(shape)
        g = g + 1j * rng.standard_normal(shape)
    x, g = x.astype(dtype), g.astype(dtype)
    if name == "cumprod":
        x[1, 1] = 0  # the rule's branch for zeros: a cumprod and reversed cumsums too

    def run(lib: Any) -> tuple[np.ndarray, np.ndarray]:
        leaf = lib.tensor(x, requires_grad=True)
        result = getattr(leaf, name)(dim)
        result.backward(lib.tensor(g))
        return result.detach().numpy(), leaf.grad.numpy()

    (expected, expected_grad), (actual, actual_grad) = run(torch), run(ag)
    np.testing.assert_array_equal(actual, expected)
    if name == "cumprod":  # the zero's own gradient is a sum of torch's in another order
        actual_grad[1, 1] = expected_grad[1, 1]
    np.testing.assert_array_equal(actual_grad, expected_grad)


@pytest.mark.parametrize("name", ["sum", "prod", "nansum", "cumsum", "cumprod"])
@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "uint8", "bool"])
def test_integer_dtype_argument_is_the_result_dtype(name: str, dtype: str) -> None:
    # The Array API sums small integers in int64 (NumPy: uint8 in uint64); torch keeps dtype=.
    if dtype == "bool" and name.startswith("cum"):
        pytest.skip("torch: cumsum/cumprod not implemented for Bool")

    def run(lib: Any) -> Any:
        x = lib.tensor([[1, 2, 3], [4, 0, 6]], dtype=lib.int16)
        args = (x, 1) if name.startswith("cum") else (x,)
        return getattr(lib, name)(*args, dtype=getattr(lib, dtype))

    expected, actual = run(torch), run(ag)
    assert str(actual.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    np.testing.assert_array_equal(actual.numpy(), expected.numpy())


@pytest.mark.parametrize(
    ("call", "error"),
    [
        ("lib.cumsum(lib.tensor([1, 2]), 0, dtype=lib.bool)", NotImplementedError),
        ("lib.cumprod(lib.tensor([1.0, 2.0]), 0, dtype=lib.bool)", NotImplementedError),
        ("lib.nanmean(lib.tensor([1.0, 2.0]), dtype=lib.int64)", RuntimeError),
        ("lib.median(lib.tensor([True, False]))", NotImplementedError),
        ("lib.median(lib.tensor([True, False]), 0)", NotImplementedError),
        ("lib.nanmedian(lib.tensor([True]))", NotImplementedError),
        ("lib.kthvalue(lib.tensor([True, False]), 1)", NotImplementedError),
        ("lib.topk(lib.tensor([True, False]), 1)", RuntimeError),
        ("lib.bincount(lib.tensor([True, False]))", NotImplementedError),
        ("lib.searchsorted(lib.tensor([False, True]), lib.tensor([True]))", NotImplementedError),
        ("lib.trapezoid(lib.tensor([True, False]))", RuntimeError),
        ("lib.relu(lib.tensor([True]))", RuntimeError),
        ("lib.tensor([True]).relu_()", RuntimeError),
        ("lib.round(lib.tensor([1, 2]), decimals=0)", NotImplementedError),
        ("lib.tensor([1, 2]).round_(decimals=1)", NotImplementedError),
    ],
)
def test_dtypes_torch_has_no_kernel_for_are_refused(call: str, error: type) -> None:
    # NumPy computes all of these; torch refuses bool inputs (or a bool or integer dtype=, or
    # decimals= of an integer tensor).
    def run(lib: Any) -> str:
        try:
            eval(call)
        except (RuntimeError, NotImplementedError) as raised:
            return type(raised).__name__
        return "no error"

    assert run(ag) == run(torch) == error.__name__


def test_round_of_an_integer_tensor_without_decimals_is_a_copy() -> None:
    assert ag.round(ag.tensor([1, 2])).tolist() == torch.round(torch.tensor([1, 2])).tolist()


# grad_fn as PyTorch names it, overload by overload (sum with dims is SumBackward1, max over
# everything MaxBackward1, ...): printed with every result and drawn in graphs.
REDUCTION_GRAD_FN_NAMES = [
    "x.sum()", "x.sum(0)", "x.sum((0, 1))", "x.sum(1, keepdim=True)", "x.mean()", "x.mean(0)",
    "x.mean((0, 1))", "x.prod()", "x.prod(0)", "x.amax(0)", "x.max()", "x.max(0)[0]",
    "x.min()", "x.min(1).values", "x.var()", "x.var(0)", "x.std(0)", "x.logsumexp(0)",
    "x.nansum()", "x.nansum(1)", "x.norm()", "x.norm(dim=0)", "x.median()", "x.nanmedian()",
    "(x * 0).median()", "(x * 0).max()",
    # values along a dim (regression: named after their indexing, IndexBackward0)
    "x.kthvalue(2)[0]", "x.kthvalue(1, 0).values", "x.kthvalue(1, 0, True)[0]",
    "x[0].kthvalue(2)[0]", "x.median(0)[0]", "x.nanmedian(1).values", "x.mode(0)[0]",
    "x.mode(1, True).values", "x[0, 0].kthvalue(1)[0]",
]  # fmt: skip


@pytest.mark.parametrize("expression", REDUCTION_GRAD_FN_NAMES)
def test_grad_fn_names_reductions_as_torch_does(expression: str) -> None:
    def name(module: Any) -> str:
        x = module.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]], requires_grad=True) * 1
        return eval(expression, {"x": x}).grad_fn.name()

    assert name(ag) == name(torch)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, x: x.amax(2),
        lambda lib, x: x.amin((0, -3)),
        lambda lib, x: x.nansum(2),
        lambda lib, x: x.nanmean(-3),
        lambda lib, x: x.max(0),
        lambda lib, x: x.min(2),
        lambda lib, x: x.max(),
        lambda lib, x: x.kthvalue(1, 0),
        lambda lib, x: x.kthvalue(1, 2),
        lambda lib, x: x.kthvalue(5, 0),
        lambda lib, x: x.topk(1, 2),
        lambda lib, x: x.median(2),
        lambda lib, x: x.nanmedian(-3),
        lambda lib, x: x.median(0),
    ],
)
@pytest.mark.parametrize("dtype", ["complex64", "bool", "float32"])
def test_reductions_check_the_dim_and_then_the_dtype_as_torch(call: Any, dtype: str) -> None:
    # a dim out of range is PyTorch's IndexError whatever the dtype; then the dtype's refusal
    # (complex numbers have no order; no bool kernels), with PyTorch's class
    assert_refused_as_torch(call, dtype)


# Reductions of nothing, and of one element, on empty and 0-d shapes (emptygrid): the mean of an
# empty axis is nan without NumPy's "Mean of empty slice" warnings, and var / std warn as torch
# does where the degrees of freedom are not positive (one element, or an empty input).
EMPTY_REDUCTIONS = [
    ("mean", lambda L, x: x.mean(), [(0,), (2, 0, 3)]),
    ("mean_dim", lambda L, x: x.mean(0), [(0, 3), (0,)]),
    ("mean_keepdim", lambda L, x: x.mean(-1, keepdim=True), [(3, 0)]),
    ("mean_dims", lambda L, x: x.mean((0, -1)), [(0, 0), (2, 0, 0)]),
    ("std", lambda L, x: x.std(), [(), (1,), (0,)]),
    ("std_dim", lambda L, x: L.std(x, 0), [(3, 0), (1, 2)]),
    ("var_correction_0", lambda L, x: x.var(correction=0), [(0,), (1,)]),
    ("var_correction_2", lambda L, x: x.var(-1, correction=2), [(0, 3)]),
    ("std_mean", lambda L, x: L.std_mean(x, -1), [(0, 3), (1,)]),
    ("var_mean", lambda L, x: L.var_mean(x), [(2, 0, 3)]),
    ("mse_loss", lambda L, x: L.nn.functional.mse_loss(x, x * 2), [(0,), (0, 3)]),
]


@shape_cases(EMPTY_REDUCTIONS)
def test_reductions_of_nothing_as_torch(call: Any, shape: tuple[int, ...]) -> None:
    assert_like_torch_on(call, shape)


# var / std / var_mean / std_mean where N <= correction: inf or nan, with PyTorch's
# var_backward, which skips the mean: over all elements g * inf (nan where x is the mean), over
# dims 2 / (N - c) * g * (x - mean) unclamped (+-inf at N == c, finite beyond N); std passes it
# g / (2 * inf) = 0. Differentiating through the mean gave inf - inf = nan everywhere.
DEGENERATE_SPREADS = [
    ("var_all", lambda L, x: x.var(correction=6), [(2, 3), (3,)]),
    ("var_dim_equal", lambda L, x: x.var(1, correction=3), [(2, 3)]),
    ("var_dim_beyond", lambda L, x: x.var(1, correction=4.5, keepdim=True), [(2, 3)]),
    ("var_all_dims", lambda L, x: x.var((0, 1), correction=6), [(2, 3)]),
    ("std_dim_beyond", lambda L, x: x.std(-1, correction=4), [(2, 3)]),
    ("var_mean_dim", lambda L, x: L.var_mean(x, 0, correction=2), [(2, 3)]),
    ("std_mean_all", lambda L, x: L.std_mean(x, correction=3), [(3,)]),
    ("var_complex", lambda L, x: L.complex(x, 1 - x).var(correction=3), [(3,)]),
    ("var_complex_dim", lambda L, x: L.complex(x, x * x).var(0, correction=2), [(2, 2)]),
]


@shape_cases(DEGENERATE_SPREADS)
def test_spreads_without_degrees_of_freedom_as_torch(call: Any, shape: tuple[int, ...]) -> None:
    assert_like_torch_on(call, shape)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x.var(correction=3),
        lambda x: x.var(0, correction=3),
        lambda x: x.var(0, correction=4) * x,
        lambda x: x.std(0, correction=5) * x,
        lambda x: lib(x).complex(x, x).var(correction=3),
    ],
    ids=["var_all", "var_dim", "var_dim_beyond", "std_dim_beyond", "complex_all"],
)
def test_spread_gradient_at_the_mean_without_degrees_of_freedom_as_torch(fn: Any) -> None:
    # the middle element is the mean: nan (inf * 0) where the others get +-inf
    check_higher_derivatives_against_torch(fn, [np.array([1.0, 2.0, 3.0])])
