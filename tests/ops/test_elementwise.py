"""Element-wise ops against torch 2.13.0 (values and VJPs) and finite differences.

Every row of ``OP_TABLE`` runs in float64 and float32 against torch and through a float64
gradcheck; the ops' behaviour at kinks, ties and domain edges, integer dtypes, double backward
and misuse errors are tested separately below, always against what torch does.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import arraygrad as ag
from tests.oracle import (
    OpSpec,
    assert_call_as_torch,
    assert_refused_as_torch,
    check_against_torch,
    check_complex_gradient,
    check_higher_derivatives_against_torch,
    grad_fn_names,
    gradcheck,
    run_gradcheck_case,
    run_torch_case,
)

DTYPES = [np.float64, np.float32]
INTEGERS = tuple(float(k) for k in range(-4, 5))
HALVES = tuple(k + 0.5 for k in range(-4, 4))


def lib(x: Any) -> Any:
    """The library (``torch`` or ``arraygrad``) whose tensor ``x`` is."""
    return torch if isinstance(x, torch.Tensor) else ag


def positive(x: Any) -> Any:
    """A smooth map into ``[0.1, inf)``, for second operands that need a positive domain."""
    return x * x + 0.1


UNARY = {
    "exp2": OpSpec(lambda x: x.exp2()),
    "expm1": OpSpec(lambda x: x.expm1()),
    "log1p": OpSpec(lambda x: x.log1p(), low=-0.9, high=3),
    "log2": OpSpec(lambda x: x.log2(), low=0.1, high=3),
    "log10": OpSpec(lambda x: lib(x).log10(x), low=0.1, high=3),
    "rsqrt": OpSpec(lambda x: x.rsqrt(), low=0.1, high=3),
    "reciprocal": OpSpec(lambda x: lib(x).reciprocal(x), low=0.2, high=3),
    "square": OpSpec(lambda x: lib(x).square(x)),
    "tan": OpSpec(lambda x: x.tan(), low=-1.3, high=1.3),
    "asin": OpSpec(lambda x: x.asin(), low=-0.95, high=0.95),
    "acos": OpSpec(lambda x: lib(x).acos(x), low=-0.95, high=0.95),
    "atan": OpSpec(lambda x: x.atan()),
    "arctan": OpSpec(lambda x: lib(x).arctan(x)),
    "sinh": OpSpec(lambda x: x.sinh()),
    "cosh": OpSpec(lambda x: x.cosh()),
    "asinh": OpSpec(lambda x: x.asinh()),
    "acosh": OpSpec(lambda x: x.acosh(), low=1.05, high=4),
    "atanh": OpSpec(lambda x: x.atanh(), low=-0.95, high=0.95),
    "logit": OpSpec(lambda x: x.logit(), low=0.05, high=0.95),
    "erfc": OpSpec(lambda x: lib(x).erfc(x)),
    # Kept 0.05 from 0, where torch's gradient formula (cos(pi x) pi x - sin(pi x)) / (pi x^2)
    # loses its digits to cancellation: in float32 its relative error is ~3 eps / (pi x)^2,
    # 3e-4 at x = 0.01 (test_sinc_gradient_near_zero_is_accurate checks arraygrad's there
    # against mpmath).
    "sinc": OpSpec(lambda x: x.sinc(), kinks=(0.0,), kink_margin=0.05),
    "deg2rad": OpSpec(lambda x: lib(x).deg2rad(x), low=-400, high=400),
    "rad2deg": OpSpec(lambda x: x.rad2deg()),
    "logit:eps": OpSpec(lambda x: lib(x).logit(x, eps=0.2), low=0.05, high=0.95, kinks=(0.2, 0.8)),
    "erf": OpSpec(lambda x: x.erf()),
    "erfinv": OpSpec(lambda x: x.erfinv(), low=-0.98, high=0.98),
    "lgamma": OpSpec(lambda x: x.lgamma(), low=0.1, high=6),
    "lgamma:negative": OpSpec(lambda x: lib(x).lgamma(x - 3.5), low=-0.45, high=0.45),
    "digamma": OpSpec(lambda x: x.digamma(), low=0.2, high=6),
    "polygamma:1": OpSpec(lambda x: lib(x).polygamma(1, x), low=0.3, high=6, rtol=1e-6),
    "polygamma:2": OpSpec(lambda x: x.polygamma(2), low=0.3, high=6, rtol=1e-6),
    "sign": OpSpec(lambda x: x.sign() * x, kinks=(0.0,)),
    "angle": OpSpec(lambda x: lib(x).angle(x) * x + x.angle(), kinks=(0.0,)),
    "floor": OpSpec(lambda x: x.floor() + x, kinks=INTEGERS),
    "ceil": OpSpec(lambda x: x.ceil() * x, kinks=INTEGERS),
    "trunc": OpSpec(lambda x: lib(x).trunc(x) + x, kinks=INTEGERS),
    "round": OpSpec(lambda x: x.round() * x, kinks=HALVES),
    "round:decimals": OpSpec(lambda x: lib(x).round(x * 0.37, decimals=1) + x, gradcheck=False),
    "frac": OpSpec(lambda x: x.frac(), kinks=INTEGERS),
    "clamp": OpSpec(lambda x: x.clamp(-1.0, 1.5), kinks=(-1.0, 1.5)),
    "clamp_min": OpSpec(lambda x: x.clamp_min(0.5), kinks=(0.5,)),
    "clamp_max": OpSpec(lambda x: lib(x).clamp_max(x, -0.5), kinks=(-0.5,)),
    "clip": OpSpec(lambda x: lib(x).clip(x, min=-2), kinks=(-2.0,)),
    "nan_to_num": OpSpec(
        lambda x: lib(x).nan_to_num(x.log(), neginf=-7.0) * x,
        kinks=(0.0,),
        gradcheck=False,  # the log of negative numbers is nan: finite differences are too
    ),
    "nan_to_num:finite": OpSpec(lambda x: x.nan_to_num(posinf=1.0)),
    "neg": OpSpec(lambda x: lib(x).neg(x)),
    "abs_": OpSpec(lambda x: (x * 2).abs_(), kinks=(0.0,)),
    "exp_": OpSpec(lambda x: (x * 1).exp_()),
    "sigmoid_": OpSpec(lambda x: (x + 0).sigmoid_()),
    "isnan": OpSpec(lambda x: x.log().isnan()),
    "isinf": OpSpec(lambda x: lib(x).isinf(1 / x.round())),
    "isfinite": OpSpec(lambda x: (1 / x.round()).isfinite()),
    "logical_not": OpSpec(lambda x: lib(x).logical_not(x.round())),
}
BINARY = {
    "maximum": OpSpec(lambda x, y: lib(x).maximum(x, y + 0.0123), arity=2),
    "minimum": OpSpec(lambda x, y: x.minimum(y + 0.0123), arity=2),
    "atan2": OpSpec(lambda x, y: lib(x).atan2(x, y), arity=2, low=0.2, high=3),
    "atan2:signs": OpSpec(lambda x, y: x.atan2(y - 0.01), arity=2, kinks=(0.0,)),
    "arctan2": OpSpec(lambda x, y: x.arctan2(positive(y)), arity=2),
    "hypot": OpSpec(lambda x, y: lib(x).hypot(positive(x), y), arity=2),
    "fmod": OpSpec(lambda x, y: lib(x).fmod(x * 2, positive(y)), arity=2, gradcheck=False),
    "remainder": OpSpec(lambda x, y: x.remainder(positive(y)), arity=2, gradcheck=False),
    "mod": OpSpec(lambda x, y: x % (y - 3.5), arity=2, low=0.1, high=3, gradcheck=False),
    # torch implements no derivative for remainder(Scalar, Tensor): compare values only.
    "rmod": OpSpec(lambda x: 2.5 % (x.detach() + 3.5) * x, low=0.1, high=3, gradcheck=False),
    # torch implements no derivative for floor_divide (arraygrad's is 0): compare values only.
    "floor_divide": OpSpec(
        lambda x, y: x.detach() // positive(y.detach()) + x * y, arity=2, gradcheck=False
    ),
    "rfloordiv": OpSpec(lambda x: 5.0 // (x.detach() + 3.5) * x, low=0.1, high=3, gradcheck=False),
    "div:trunc": OpSpec(
        lambda x, y: lib(x).div(x, positive(y), rounding_mode="trunc") * y, arity=2, gradcheck=False
    ),
    "div:floor": OpSpec(
        lambda x, y: x.div(-positive(y), rounding_mode="floor") + y, arity=2, gradcheck=False
    ),
    "true_divide": OpSpec(lambda x, y: lib(x).true_divide(x, positive(y)), arity=2),
    "xlogy": OpSpec(lambda x, y: lib(x).xlogy(x, positive(y)), arity=2),
    "xlogy:scalar_other": OpSpec(lambda x: lib(x).xlogy(x, 3.0)),
    "lerp": OpSpec(lambda x, y, w: lib(x).lerp(x, y, w), arity=3),
    "lerp:scalar": OpSpec(lambda x, y: x.lerp(y, 0.3) + x.lerp(y, 0.75), arity=2),
    "where": OpSpec(lambda x, y: lib(x).where(x > 0, x * y, y), arity=2, kinks=(0.0,)),
    "clamp:tensor_bounds": OpSpec(
        # x is broadcast to the full shape first: torch's clamp backward fails when a bound
        # broadcasts the input to a larger shape.
        lambda x, lo, hi: lib(x).clamp(x + 0 * (lo + hi), lo - 1, hi + 1),
        arity=3,
        kinks=(-1.0, 1.0),
    ),
    "pow:tensor_tensor": OpSpec(lambda x, y: positive(x) ** y, arity=2),
    "pow:scalar_tensor": OpSpec(lambda x: 1.7**x),
    "pow_": OpSpec(lambda x, y: positive(x + 0 * y).pow_(y), arity=2),
    "clamp_min_": OpSpec(lambda x: (x * 1).clamp_min_(0.25), kinks=(0.25,)),
    "logical_and": OpSpec(lambda x, y: lib(x).logical_and(x.round(), y > 0), arity=2),
    "logical_or": OpSpec(lambda x, y: x.round().logical_or(y.round()), arity=2),
    "logical_xor": OpSpec(lambda x, y: lib(x).logical_xor(x.round(), y.round()), arity=2),
}
OP_TABLE = {**UNARY, **BINARY}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(n for n in OP_TABLE if OP_TABLE[n].gradcheck))
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


def test_modulus_gradients_away_from_jumps() -> None:
    """fmod/remainder/floor_divide are piecewise smooth: finite differences hold off the jumps."""
    rng = np.random.default_rng(3)
    x = rng.uniform(0.1, 0.9, size=(3, 4)) + rng.integers(-3, 3, size=(3, 4))
    y = rng.uniform(1.1, 1.9, size=(3, 4)) * rng.choice([-1, 1], size=(3, 4))
    for fn in (
        lambda a, b: lib(a).fmod(a, b),
        lambda a, b: a.remainder(b),
        lambda a, b: a % b + lib(a).div(a, b, rounding_mode="floor"),
        lambda a, b: lib(a).div(a, b, rounding_mode="trunc") + a,
    ):
        gradcheck(fn, [x, y])
        check_against_torch(fn, None, [x, y])


# --- kinks, ties and domain edges: PyTorch's choices, exactly ----------------------------------

INF, NAN = float("inf"), float("nan")
EDGES = {
    "abs_at_0": (lambda x: x.abs(), [[0.0, -0.0, 1.0]]),
    "relu_at_0_and_nan": (lambda x: x.relu(), [[0.0, 1.0, -1.0, NAN]]),
    "sinc_at_0": (lambda x: x.sinc(), [[0.0, -0.0, 1.0, -0.5, INF, NAN]]),
    "div_trunc_by_0_and_nan": (
        lambda x, y: lib(x).div(x, y, rounding_mode="trunc"),
        [[7.0, -7.0, 1.0, 0.0], [2.0, 0.0, NAN, 0.0]],
    ),
    "div_extreme_magnitudes": (lambda x, y: x / y, [[1e-170, 1e200, 3.0], [1e-170, 1e200, 1e-160]]),
    "erfc_in_the_tails": (lambda x: x.erfc(), [[10.0, -10.0, 26.0, 30.0, INF, -INF, NAN]]),
    "elu_selu_at_0_and_nan": (
        lambda x: lib(x).nn.functional.elu(x, 0.5) + lib(x).nn.functional.selu(x),
        [[0.0, 1.0, -1.0, NAN]],
    ),
    "clamp_at_bounds": (lambda x: x.clamp(0.0, 1.0), [[0.0, 1.0, 0.5, 2.0, -1.0]]),
    "clamp_min_above_max": (lambda x: x.clamp(2.0, 1.0), [[0.0, 1.5, 3.0]]),
    "clamp_tensor_bounds_ties": (
        lambda x, lo, hi: lib(x).clamp(x, lo, hi),
        [[0.0, 1.0, 0.5, 2.0, -1.0], [0.0] * 5, [1.0] * 5],
    ),
    "clamp_tensor_min_above_max": (
        lambda x, lo, hi: x.clamp(lo, hi),
        [[0.0, 1.5, 3.0], [2.0] * 3, [1.0] * 3],
    ),
    "maximum_ties": (
        lambda x, y: lib(x).maximum(x, y),
        [[1.0, 2.0, NAN, 3.0], [1.0, 1.0, 1.0, 3.0]],
    ),
    "minimum_ties": (
        lambda x, y: lib(x).minimum(x, y),
        [[1.0, 2.0, NAN, 3.0], [1.0, 1.0, 1.0, 3.0]],
    ),
    "sqrt_at_0": (lambda x: x.sqrt(), [[0.0, 4.0]]),
    "rsqrt_at_0": (lambda x: x.rsqrt(), [[0.0, 4.0]]),
    "reciprocal_at_0": (lambda x: x.reciprocal(), [[0.0, 2.0]]),
    "log_at_0": (lambda x: x.log(), [[0.0, 1.0]]),
    "log2_log10_log1p_at_edges": (lambda x: x.log2() + x.log10() + (x - 1).log1p(), [[0.0, 8.0]]),
    "xlogy_at_0": (
        lambda x, y: lib(x).xlogy(x, y),
        [[0.0, 0.0, 1.0, 0.0, 2.0, 0.0], [0.0, 1.0, 0.0, NAN, -1.0, INF]],
    ),
    "erfinv_at_1": (lambda x: x.erfinv(), [[1.0, -1.0, 0.5, 1.5]]),
    "asin_acos_at_1": (lambda x: x.asin() + x.acos(), [[1.0, -1.0]]),
    "acosh_at_1": (lambda x: x.acosh(), [[1.0, 4.0]]),
    "atanh_at_1": (lambda x: x.atanh(), [[1.0, -1.0]]),
    "logit_at_0_1": (lambda x: x.logit(), [[0.0, 1.0, 0.5]]),
    "logit_eps_bounds": (lambda x: x.logit(0.1), [[0.0, 1.0, 0.1, 0.9, 0.5]]),
    "lgamma_at_poles": (lambda x: x.lgamma(), [[0.0, -1.0, 0.5]]),
    "digamma_at_0": (lambda x: x.digamma(), [[0.0, 0.5]]),
    "atan2_at_origin": (lambda x, y: lib(x).atan2(x, y), [[0.0, 0.0, -0.0], [0.0, -0.0, -1.0]]),
    "hypot_at_origin": (lambda x, y: lib(x).hypot(x, y), [[0.0, 3.0], [0.0, 4.0]]),
    "pow_at_0": (lambda x, y: x**y, [[0.0, 0.0, 0.0, -1.0], [0.0, -1.0, 2.0, 0.5]]),
    "nan_to_num": (lambda x: x.nan_to_num(), [[NAN, INF, -INF, 1.0]]),
    "nan_to_num_args": (lambda x: x.nan_to_num(1.0, 2.0, -2.0), [[NAN, INF, -INF, 1.0]]),
    "sigmoid_saturated": (lambda x: x.sigmoid(), [[1000.0, -1000.0, 0.0]]),
    # 1 / (1 + exp(-x)), as torch: 0 where exp(-x) overflows (-745), 0.5 at -0.0, nan at nan
    "sigmoid_special": (
        lambda x: x.sigmoid(),
        [[NAN, INF, -INF, -0.0, 0.0, 5e-324, -5e-324, -700.0, -745.0, 37.0, 710.0]],
    ),
    # the powers torch computes by products (x ** 3, x ** -2, x ** -0.5), and as y - 1 in
    # the gradients of x ** 4, x ** -1 and x ** 0.5
    "pow_products": (
        lambda x: x**3 + x**4 + x**-2 + x**-1,
        [[NAN, INF, -INF, -0.0, 0.0, 1e-110, -1e103, -2.5, 3.0]],
    ),
    "pow_roots": (lambda x: x**-0.5 + x**0.5, [[NAN, INF, 0.0, -0.0, 1e-300, 4.0, -1.0]]),
    "sign_floor_zero_grad": (
        lambda x: x.sign() + x.floor() + x.ceil() + x.round() + x.trunc(),
        [[0.0, -1.5, 2.5, INF]],
    ),
    "round_half_even": (lambda x: x.round() + x.round(decimals=1), [[0.5, 1.5, 2.5, -0.5, 2.25]]),
    "round_negative_decimals": (lambda x: x.round(decimals=-1), [[25.0, 35.0, 1234.5]]),
    "frac_negative": (lambda x: x.frac(), [[1.5, -1.5, -0.0]]),
    "lerp_weight_one": (lambda x, y: x.lerp(y, 1.0) + x.lerp(y, 0.5), [[0.1, 1e10], [0.3, -1.0]]),
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_edges_match_torch(name: str) -> None:
    """Values and gradients at kinks, ties and domain edges are PyTorch's, inf and nan included."""
    fn, values = EDGES[name]
    # rtol 1e-9, not tighter: torch's polygamma(1, x) (digamma's derivative) is only accurate
    # to about 5e-10, while arraygrad's is accurate to 1e-15.
    check_against_torch(fn, None, [np.array(v) for v in values], rtol=1e-9, atol=0)


def test_maximum_tie_splits_the_gradient_exactly() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = ag.tensor([1.0, 1.0], requires_grad=True)
    ag.maximum(x, y).sum().backward()
    assert x.grad.tolist() == [0.5, 1.0]
    assert y.grad.tolist() == [0.5, 0.0]


def test_piecewise_constant_ops_give_zero_gradients_not_none() -> None:
    """As in PyTorch, floor/sign/... outputs require grad and fill .grad with zeros."""
    x = ag.tensor([0.5, -1.5], requires_grad=True)
    y = x.floor() + x.sign() + x.div(2.0, rounding_mode="floor")
    assert y.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


# --- dtypes --------------------------------------------------------------------------------------

INT_VALUES = np.array([[-3, 2, 5], [1, 0, -2]], dtype=np.int64)
INTEGER_OPS = {
    "float_functions": lambda x: (x.exp2(), x.expm1(), x.log1p(), x.erf(), x.sigmoid(), x.rsqrt()),
    "reciprocal_square": lambda x: (x.reciprocal(), x.square(), x.abs(), -x),
    "rounding_keeps_int": lambda x: (x.floor(), x.ceil(), x.round(), x.trunc(), x.sign()),
    "nan_checks": lambda x: (x.isnan(), x.isinf(), x.isfinite(), x.nan_to_num()),
    "clamp_promotes": lambda x: (x.clamp(min=0.5), x.clamp(0, 2), x.clamp_max(1.5)),
    "modulus": lambda x: (x % 3, x // -2, 7 // (x + 10), x.fmod(-3), x.remainder(4)),
    "div_modes": lambda x: (
        x.div(2, rounding_mode="trunc"),
        x.div(-2, rounding_mode="floor"),
        x.div(4),
        x.true_divide(2),
    ),
    "binary_promote": lambda x: (
        lib(x).maximum(x, x.double() * 0.5),
        lib(x).atan2(x, x + 1),
        lib(x).xlogy(x, x + 4),
    ),
    "logical": lambda x: (
        lib(x).logical_and(x, x > 0),
        x.logical_or(x + 2),
        x.logical_xor(x - 1),
        x.logical_not(),
    ),
    "comparisons": lambda x: (x == 2, x != 2, x < 1.5, x <= 0, x > -1, x >= 5),
    "bool_input": lambda x: ((x > 0).sign(), (x > 0).square(), (x > 0).exp(), (x > 0).erfinv()),
}


@pytest.mark.parametrize("name", sorted(INTEGER_OPS))
def test_integer_and_bool_dtypes_match_torch(name: str) -> None:
    # float32 results: one float32 ulp between NumPy's and torch's libm is allowed
    check_against_torch(INTEGER_OPS[name], None, [INT_VALUES], grad=False, rtol=3e-7)


@pytest.mark.parametrize(
    ("fn", "error"),
    [
        (lambda lib, x: lib.div(x, 2, rounding_mode="bad"), RuntimeError),
        (lambda lib, x: x // 0, RuntimeError),
        (lambda lib, x: x % 0, RuntimeError),
        (lambda lib, x: lib.fmod(x, 0), RuntimeError),
        (lambda lib, x: x.div(0, rounding_mode="trunc"), RuntimeError),
        (lambda lib, x: x**-1, RuntimeError),
        (lambda lib, x: lib.maximum(x, 1), TypeError),
        (lambda lib, x: lib.clamp(x), RuntimeError),
        (lambda lib, x: (x > 0).abs(), NotImplementedError),
        (lambda lib, x: -(x > 0), RuntimeError),
        (lambda lib, x: (x > 0).floor(), NotImplementedError),
        (lambda lib, x: x.frac(), NotImplementedError),
        (lambda lib, x: x.round(decimals=1), NotImplementedError),
        (lambda lib, x: lib.hypot(x, x), NotImplementedError),
        (lambda lib, x: lib.lerp(x, x, 0.5), NotImplementedError),
        # where's three operands that do not broadcast (NumPy's ValueError before)
        (lambda lib, x: lib.where(x[:, :2] > 0, x, x), RuntimeError),
        (lambda lib, x: lib.where(x[0] > 0, x[:, :2], x), RuntimeError),
    ],
)
def test_misuse_raises_like_torch(fn: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        fn(torch, torch.tensor(INT_VALUES))
    x = ag.tensor(INT_VALUES)
    with pytest.raises(error) as info:
        fn(ag, x)
    assert len(str(info.value)) > 10
    assert x.tolist() == INT_VALUES.tolist()  # still usable


def test_where_broadcast_error_names_the_shapes_as_torch() -> None:
    condition, x, y = ag.zeros(2, 1, dtype=ag.bool), ag.zeros(3), ag.zeros(4)
    with pytest.raises(RuntimeError, match=r"tensor a \(3\) must match .* tensor b \(4\) at "):
        ag.where(condition, x, y)
    with pytest.raises(RuntimeError, match=r"tensor a \(3\) must match .* tensor b \(4\) at "):
        torch.where(torch.zeros(2, 1, dtype=torch.bool), torch.zeros(3), torch.zeros(4))
    assert ag.where(ag.zeros(0, 1, dtype=ag.bool), ag.zeros(1), ag.zeros(3)).shape == (0, 3)


def _outcome(function: Any, *args: Any) -> Any:
    """``function(*args)`` as a list and dtype name, or its exception class."""
    try:
        result = function(*args)
    except (RuntimeError, OverflowError) as error:
        return type(error)
    return str(result.tolist()), str(result.dtype).split(".")[-1]


@pytest.mark.parametrize("dtype", ["int64", "float32", "float16", "bfloat16", "float64", "bool"])
@pytest.mark.parametrize("value", [1e300, 1e39, 1e5, float("inf"), 3.5])
def test_where_checks_a_float_against_a_float32_result_as_torch(dtype: str, value: float) -> None:
    # torch converts the number to the result's float32 (an int, bool or float32 tensor beside
    # a float): 1e300 is its overflow error, where arraygrad gave inf; float16 takes it unchecked
    outcomes = []
    for lib in (torch, ag):
        t, mask = lib.tensor([1, 0], dtype=getattr(lib, dtype)), lib.tensor([True, False])
        outcomes.append((_outcome(lib.where, mask, t, value), _outcome(lib.where, mask, value, t)))
    assert outcomes[1] == outcomes[0]


def test_integer_division_by_zero_names_the_fix() -> None:
    with pytest.raises(RuntimeError, match=r"ZeroDivisionError.*Fix"):
        ag.tensor([1, 2]) // ag.tensor([1, 0])


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda m: m.fmod(m.tensor([1 + 1j, 2]), m.tensor([1, 0])), NotImplementedError),
        (lambda m: m.remainder(m.tensor([1 + 1j, 2]), m.tensor([1, 0])), NotImplementedError),
        (lambda m: m.fmod(m.tensor([1.0, 2.0]), 2j), NotImplementedError),
        (lambda m: m.tensor([1 + 1j]) // 2, NotImplementedError),
        (lambda m: m.div(m.tensor([1 + 1j]), 2, rounding_mode="trunc"), NotImplementedError),
        (lambda m: m.fmax(m.tensor([1 + 1j]), m.tensor([1.0])), RuntimeError),
        (lambda m: m.fmin(m.tensor([1.0]), m.tensor([1, 0])[:1] * 1j), RuntimeError),
    ],
)
def test_complex_moduli_and_nan_extrema_are_refused_as_by_torch(call: Any, error: type) -> None:
    # PyTorch has no complex kernel for these: its class, and its kernel's name, before the
    # integer divisor's zero check (which had answered "integer division by zero").
    with pytest.raises(error) as expected:
        call(torch)
    with pytest.raises(error, match="Fix") as actual:
        call(ag)
    assert str(expected.value).split(":")[0].split(".")[0] in str(actual.value)


# --- double backward: the rules run again on Tensors ---------------------------------------------

SECOND_ORDER = {
    "expm1_log1p": (lambda x: x.expm1() * x.log1p(), 0.1, 2.0),
    "trig": (lambda x: x.tan() + x.asin() + x.acos() * x.atan() + x.sinh() * x.cosh(), -0.8, 0.8),
    "hyperbolic_inverse": (lambda x: x.asinh() + (x + 1.5).acosh() + x.atanh(), -0.8, 0.8),
    "erf_erfinv": (lambda x: x.erf() * x.erfinv(), -0.9, 0.9),
    "gamma": (lambda x: x.lgamma() * x.digamma() + x.polygamma(1), 0.5, 3.0),
    "log2_log10": (lambda x: x.log2() * x.log10(), 0.5, 3.0),
    "logit_rsqrt": (lambda x: x.logit() * x.rsqrt(), 0.1, 0.9),
}
SECOND_ORDER_BINARY = {
    "maximum_minimum": lambda x, y: lib(x).maximum(x, y) * lib(x).minimum(x * y, y),
    "atan2_hypot": lambda x, y: lib(x).atan2(x, y) * lib(x).hypot(x, y),
    "xlogy": lambda x, y: lib(x).xlogy(x * x, y * y + 0.5) * x,
    "fmod_remainder": lambda x, y: lib(x).fmod(x * 3, y) * lib(x).remainder(x * 3, y) * y,
    "lerp": lambda x, y: lib(x).lerp(x * y, y, x),
}


def _second_order(fn: Any, arrays: list[np.ndarray]) -> None:
    rng = np.random.default_rng(5)
    results = []
    for module in (torch, ag):
        xs = [module.tensor(a, requires_grad=True) for a in arrays]
        out = fn(*xs)
        cotangent = module.tensor(rng.standard_normal(tuple(out.shape)))
        grads = module.autograd.grad(out, xs, cotangent, create_graph=True)
        total = sum((g * g).sum() for g in grads)
        results.append([g.detach().numpy() for g in module.autograd.grad(total, xs)])
        rng = np.random.default_rng(5)
    for mine, theirs in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_double_backward_matches_torch(name: str) -> None:
    fn, low, high = SECOND_ORDER[name]
    _second_order(fn, [np.random.default_rng(0).uniform(low, high, size=(2, 3))])


@pytest.mark.parametrize("name", sorted(SECOND_ORDER_BINARY))
def test_binary_double_backward_matches_torch(name: str) -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(0.5, 2.0, size=(2, 3))
    y = rng.uniform(0.5, 2.0, size=(3,))
    _second_order(SECOND_ORDER_BINARY[name], [x, y])


# --- anomaly detection ---------------------------------------------------------------------------


def test_anomaly_mode_names_the_first_backward_that_made_nan() -> None:
    """sqrt at 0 inside a larger expression: both libraries blame SqrtBackward0."""
    values = np.array([0.0, 1.0, 4.0])
    messages = []
    for module in (torch, ag):
        x = module.tensor(values, requires_grad=True)
        y = (x * 2).sqrt() * (x - x.detach())  # d/d(sqrt) is 0 at x == 0: 0 / (2 * 0) = nan
        loss = (y.exp() + 1).log().sum()
        with module.autograd.set_detect_anomaly(True), pytest.raises(RuntimeError) as info:
            loss.backward()
        messages.append(str(info.value))
    assert "Function 'SqrtBackward0' returned nan values in its 0th output" in messages[0]
    assert "Function 'SqrtBackward0' returned nan values in its 0th output" in messages[1]


def test_without_anomaly_mode_the_nan_reaches_grad() -> None:
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    ((x * 2).sqrt() * (x - x.detach())).sum().backward()
    assert np.isnan(x.grad.tolist()[0])


# --- in-place variants ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x.exp_(),
        lambda x: x.pow_(2),
        lambda x: x.clamp_min_(0.5),
        lambda x: x.clamp_max_(0.5),
        lambda x: x.abs_().sqrt_(),
        lambda x: x.floor_(),
        lambda x: x.round_(decimals=1),
        lambda x: x.nan_to_num_(),
        lambda x: x.lerp_(x * 2, 0.25),
        lambda x: x.div_(0.3, rounding_mode="floor"),
    ],
)
def test_inplace_variants_match_torch(fn: Any) -> None:
    values = np.array([-1.25, 0.5, 2.0])
    theirs = torch.tensor(values)
    mine = ag.tensor(values)
    assert fn(mine) is mine
    fn(theirs)
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-12)


def test_inplace_integer_operators() -> None:
    mine = ag.tensor([7, -7])
    theirs = torch.tensor([7, -7])
    mine //= 2
    theirs //= 2
    assert mine.tolist() == theirs.tolist()
    mine %= 3
    theirs %= 3
    assert mine.tolist() == theirs.tolist()


def test_signbit_and_positive_match_torch() -> None:
    values = [-0.0, 0.0, -2.5, 3.0, float("nan"), -float("inf")]
    for dtype in ("float32", "float64"):
        mine = ag.signbit(ag.tensor(values, dtype=getattr(ag, dtype)))
        assert (
            mine.tolist()
            == torch.signbit(torch.tensor(values, dtype=getattr(torch, dtype))).tolist()
        )
        assert mine.dtype == ag.bool and not mine.requires_grad
    assert ag.tensor([-3, 0, 2]).signbit().tolist() == [True, False, False]  # integers too
    x = ag.tensor([1.0, -2.0], requires_grad=True)
    assert ag.positive(x) is x and x.positive() is x  # as torch.positive: the tensor itself
    with pytest.raises(RuntimeError, match="bool tensor is not supported"):
        ag.positive(ag.tensor([True]))
    with pytest.raises(TypeError, match="must be Tensor, not float"):
        ag.positive(3.0)  # torch.positive takes tensors only


def test_sinc_gradient_near_zero_is_accurate() -> None:
    # sin(a)/a differentiated as a quotient cancels near 0; arraygrad uses the Taylor series
    # there. Reference: mpmath at 50 digits (torch gives 0 at x = 1e-10 instead of -3.3e-10).
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    points = [1e-300, 1e-10, 1e-5, 0.01, 0.0318, 0.0319, 0.2, -0.7]
    x = ag.tensor(points, dtype=ag.float64, requires_grad=True)
    y = x.sinc()
    y.sum().backward()
    for i, p in enumerate(points):
        a = mpmath.pi * mpmath.mpf(p)
        value = mpmath.sin(a) / a
        slope = mpmath.pi * (a * mpmath.cos(a) - mpmath.sin(a)) / (a * a)
        assert float(y[i]) == pytest.approx(float(value), rel=1e-15)
        assert float(x.grad[i]) == pytest.approx(float(slope), rel=1e-13)


def test_relu_second_derivative_reaches_the_input_like_torch() -> None:
    # The gradient of relu(x @ w).sum() in x is mask @ w.T: it depends on x only through the
    # mask. torch links it to x anyway (its threshold_backward reads the output, with a zero
    # derivative), so differentiating it in x gives zeros, not "unused".
    results = []
    for library in (torch, ag):
        x = library.tensor([[0.5, -1.0, 2.0]], dtype=library.float64, requires_grad=True)
        w = library.tensor(
            [[1.0, -2.0], [0.5, 1.0], [-1.0, 3.0]], dtype=library.float64, requires_grad=True
        )
        (gx,) = library.autograd.grad(library.relu(x @ w).sum(), x, create_graph=True)
        results.append([g.numpy() for g in library.autograd.grad((gx * gx).sum(), [x, w])])
    for theirs, mine in zip(*results, strict=True):
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("name", ["erfc_", "sinc_", "deg2rad_", "rad2deg_"])
def test_new_inplace_methods_match_torch(name: str) -> None:
    mine, theirs = ag.tensor([0.2, -1.5, 0.0]), torch.tensor([0.2, -1.5, 0.0])
    assert getattr(mine, name)() is mine
    getattr(theirs, name)()
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    ("fn", "inputs"),
    [
        # PyTorch's d(x ** y)/dy is g * where(x == 0 & y >= 0, 0, out * log(x)): its derivative
        # at a zero base is 0 * -inf = nan.
        (lambda x: lib(x).zeros(6, dtype=x.dtype) ** x, [np.array([-1e-3, 0, 1e-3, 1, 2, 0.5])]),
        (lambda x: 0.0**x, [np.array([-1e-3, 0, 1e-3, 1, 2, 0.5])]),
        (lambda x: x ** (x + 1), [np.array([0.0, 1e-3, 0.5])]),
        (lambda x, y: x**y, [np.array([0.0, 0, 0, 0, 1e-3, 2]), np.array([0.0, 1, 2, 0.5, 0, 0])]),
        # atan2 and copysign take their first derivative's 0 / 0 as 0 after computing it, so
        # the second derivative there is PyTorch's nan.
        (lambda x, y: lib(x).atan2(x, y), [np.array([0.0, 0, 1e-3]), np.array([0.0, 1e-3, 0])]),
        (
            lambda x, y: lib(x).copysign(x, y) * x,
            [np.array([0.0, 1, -1]), np.array([0.0, -0.0, 1])],
        ),
    ],
    ids=["zero_base", "scalar_zero_base", "x_pow_x_plus_1", "pow_tensors", "atan2", "copysign"],
)
def test_higher_derivatives_at_domain_edges_match_torch(fn: Any, inputs: list) -> None:
    check_higher_derivatives_against_torch(fn, inputs)


_CLAMP_VALUES = (0.0, 1.0, 2.0, float("nan"), float("inf"), -float("inf"))
_CLAMPS = {
    "clamp": lambda lib, x, low, high: lib.clamp(x, low, high),
    "clamp min only": lambda lib, x, low, high: lib.clamp(x, min=low),
    "clamp max only": lambda lib, x, low, high: lib.clamp(x, max=high),
    "clamp_min": lambda lib, x, low, high: lib.clamp_min(x, low),
    "clamp_max": lambda lib, x, low, high: lib.clamp_max(x, high),
    "clamp_": lambda lib, x, low, high: (x * 1).clamp_(low, high),
}


@pytest.mark.parametrize("name", sorted(_CLAMPS))
def test_clamp_with_tensor_bounds_matches_torch_at_every_special_value(name: str) -> None:
    # PyTorch's masks decide who gets the gradient (none where min == max and x is outside, a
    # bound where min > max), and the value is NaN where any operand is: every triple of
    # 0, 1, 2, NaN and the infinities, values and gradients.
    def run(lib: Any, values: tuple[float, ...]) -> tuple[float, list[float]]:
        tensors = [lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in values]
        out = _CLAMPS[name](lib, *tensors)
        out.backward()
        return out.item(), [0.0 if t.grad is None else t.grad.item() for t in tensors]

    for values in itertools.product(_CLAMP_VALUES, repeat=3):
        (mine, my_grads), (theirs, their_grads) = run(ag, values), run(torch, values)
        assert mine == theirs or (np.isnan(mine) and np.isnan(theirs)), values
        assert my_grads == their_grads, values


# Tensor bounds whose shapes do not broadcast with the input let NumPy's ValueError ("operands
# could not be broadcast together") through; PyTorch raises a RuntimeError naming the first
# dimension that differs, with the input and the bounds broadcast in order.
CLAMP_SHAPE_MISMATCHES = {
    "clamp_min_tensor": lambda m, a, b: m.clamp(a, b),
    "clamp_max_keyword": lambda m, a, b: m.clamp(a, max=b),
    "clamp_bad_min": lambda m, a, b: m.clamp(a, min=b, max=a),
    "clamp_bad_max": lambda m, a, b: m.clamp(a, min=a, max=b),
    "clip": lambda m, a, b: m.clip(a, b, a),
    "clamp_min": lambda m, a, b: m.clamp_min(a, b),
    "clamp_max": lambda m, a, b: m.clamp_max(a, b),
    "method_in_place": lambda m, a, b: a.clone().clamp_(b),
    "clamp_min_in_place": lambda m, a, b: a.clone().clamp_min_(b),
    "bound_broadcasts_first": lambda m, a, b: m.clamp(m.ones(3), m.ones(2, 1), m.ones(4)),
}


@pytest.mark.parametrize("name", sorted(CLAMP_SHAPE_MISMATCHES))
def test_clamp_bounds_that_do_not_broadcast_raise_as_torch(name: str) -> None:
    messages = []
    for m in (torch, ag):
        a, b = m.ones(2, 3, dtype=m.float64), m.ones(2, 2, dtype=m.float64)
        with pytest.raises(RuntimeError) as info:
            CLAMP_SHAPE_MISMATCHES[name](m, a, b)
        messages.append(str(info.value))
    assert messages[1].startswith(messages[0]), messages  # torch's words, then shapes and a fix
    assert "Fix:" in messages[1]


def test_clamp_of_a_number_and_a_0d_tensor_promotes_both_as_numbers_like_torch() -> None:
    # torch's argument parser reads a 0-d tensor beside a number bound as a number: int32
    # clamped to a 0-d float16 and 3 is float32 (a number's default), an int8 clamped to 0
    # and a 0-d int32 stays int8, and a uint8 bound of -1 wraps (dtype fuzzer, seeds 34162,
    # 52100, 104687, 255966, 356078).
    def run(lib: Any) -> list[Any]:
        def t(value: Any, dtype: str) -> Any:
            return lib.tensor(value, dtype=getattr(lib, dtype))

        return [
            lib.clamp(t([1, 5, 9], "int32"), t(2.5, "float16"), 3),
            t([1, 5, 9], "int32").clamp(1, t(6.0, "float16")),
            lib.clip(t(127, "int8"), 0, t(5, "int32")),
            lib.clamp(t(False, "bool"), True, t(6, "int32")),
            lib.clip(t([200, 5, 3], "uint8"), -1, t(1, "int32")),
            t([7, 255, 5], "uint8").clamp_(-1, t(True, "bool")),
            lib.clamp(t([1.0, 5.0], "float32"), t(0.5, "float64"), 2),
        ]

    for mine, theirs in zip(run(ag), run(torch), strict=True):
        assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        assert mine.tolist() == theirs.tolist()


@pytest.mark.parametrize("eps", [None, 0.1, -0.1])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_logit_matches_torch_at_the_edges_of_its_domain(eps: float | None, dtype: str) -> None:
    # inf at 0 and 1 whatever the zero's sign, nan outside [0, 1], 0 where eps clamps, NaN
    # passing through: values and gradients bit for bit. A negative eps clamps nothing: nan
    # outside [0, 1] as without eps (arraygrad's gradient was 0 there, fuzz_fixes2).
    values = [-0.5, -0.0, 0.0, 0.3, 1.0, 1.5, float("nan"), 0.05, 0.95]
    results = []
    for lib in (ag, torch):
        x = lib.tensor(values, dtype=getattr(lib, dtype), requires_grad=True)
        out = lib.logit(x, eps)
        out.sum().backward()
        results.append((np.asarray(out.tolist()), np.asarray(x.grad.tolist())))
    (mine, my_grad), (theirs, their_grad) = results
    np.testing.assert_array_equal(mine, theirs)
    np.testing.assert_array_equal(my_grad, their_grad)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "int64", "bool"])
def test_angle_of_real_tensors_matches_torch(dtype: str) -> None:
    # pi for negatives (-inf too), 0 for +0, -0.0 and the rest, nan for nan; integer and bool
    # tensors give the default float dtype; float16's pi is 3.1406.
    values: dict[str, list[Any]] = {
        "bool": [True, False],
        "int8": [-128, -1, 0, 5],
        "int64": [-(2**40), 0, 7],
    }
    special = [1.0, 0.0, -0.0, -2.0, float("nan"), float("inf"), -float("inf"), -1e-30]
    results = []
    for library in (torch, ag):
        x = library.tensor(values.get(dtype, special), dtype=getattr(library, dtype))
        for out in (library.angle(x), x.angle()):
            values_out = out.tolist()
            results.append(
                (str(out.dtype).split(".")[-1], values_out, np.signbit(values_out).tolist())
            )
    assert str(results[2:]) == str(results[:2])  # str: nan == nan


def test_angle_gradient_is_zero_even_under_create_graph() -> None:
    # torch's gradient is zeros everywhere (nan and inf included, and for a nan or inf incoming
    # gradient), and with create_graph that gradient does not require grad.
    results = []
    for library in (torch, ag):
        x = library.tensor([1.0, 0.0, -2.0, float("nan"), -float("inf")], requires_grad=True)
        out = library.angle(x)
        incoming = library.tensor([1.0, float("nan"), float("inf"), 1.0, 2.0])
        (grad,) = library.autograd.grad(out, x, incoming, create_graph=True)
        results.append((out.requires_grad, grad.tolist(), grad.requires_grad))
    assert results[1] == results[0]


# PyTorch numbers each function's overloads in its grad_fn names: clamp with numbers is
# ClampBackward1, with tensor bounds ClampBackward0 (clamp_min and clamp_max the other way
# round); pow's exponent a number PowBackward0, a tensor PowBackward1, its base a number
# PowBackward2.
ELEMENTWISE_GRAD_FN_NAMES = [
    "x.clamp(0, 1)", "x.clamp(min=0)", "x.clamp(max=0)", "x.clip(0, 1)", "lib.clamp(x, 0)",
    "x.clamp(z, z + 1)", "x.clamp(min=z)", "x.clamp(max=z)", "x.clamp(lib.tensor(0.0), 1)",
    "x.clamp_min(0)", "x.clamp_min(z)", "x.clamp_max(0)", "x.clamp_max(z)",
    "x.bfloat16().clamp(0, 1)", "x.reciprocal()", "x.double().reciprocal()", "x.rsqrt()",
    "x.bfloat16().rsqrt()", "x.log1p()", "x.to(lib.complex64).log1p()", "x.exp2()",
    "x ** 2", "x ** 2.5", "x ** x", "x.pow(x.detach())", "x ** lib.tensor(2)", "2 ** x",
    "lib.pow(2.0, x)", "lib.tensor(2.0) ** x", "x.bfloat16() ** 2",
    # composites named after PyTorch's one node (regression: SubBackward0, WhereBackward0)
    "x.frac()", "lib.frac(x)", "lib.nan_to_num(x)", "x.nan_to_num(posinf=1.0)",
    "lib.fmin(x, z)", "lib.fmax(x, x * 2)", "x.fmax(z)",
]  # fmt: skip


@pytest.mark.parametrize("expression", ELEMENTWISE_GRAD_FN_NAMES)
def test_grad_fn_names_as_torch_does(expression: str) -> None:
    mine, theirs = grad_fn_names(expression, z=lambda lib: lib.zeros(2, 3))
    assert mine == theirs


# Regression: where(condition) alone (torch's nonzero(condition, as_tuple=True)) raised a
# TypeError for the missing input and other.
@pytest.mark.parametrize(
    "data",
    [
        [[0.5, 0.0, -2.0], [0.0, 3.0, float("nan")]],
        [[True, False], [False, True]],
        [1, 0, 2, 0],
        5.0,
        0,
        [],
    ],
)
def test_where_of_the_condition_alone_is_its_nonzero_indices_as_torch(data: Any) -> None:
    mine, theirs = ag.where(ag.tensor(data)), torch.where(torch.tensor(data))
    assert len(mine) == len(theirs)
    for m, t in zip(mine, theirs, strict=True):
        assert m.dtype is ag.int64
        assert m.tolist() == t.tolist()


def test_where_of_a_condition_requiring_grad_gives_indices_outside_the_graph() -> None:
    rows, columns = ag.where(ag.tensor([[0.5, 0.0], [0.0, -1.0]], requires_grad=True))
    assert not rows.requires_grad and not columns.requires_grad
    assert (rows.tolist(), columns.tolist()) == ([0, 1], [0, 1])


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, c: lib.where(c, c),
        lambda lib, c: lib.where(c, other=c),
        lambda lib, c: lib.where(c, 1.0),
        lambda lib, c: lib.where([1, 0]),
    ],
)
def test_where_with_one_of_input_and_other_raises_as_torch(call: Any) -> None:
    with pytest.raises(TypeError):
        call(torch, torch.tensor([1.0, 0.0]))
    with pytest.raises(TypeError, match="Fix:"):
        call(ag, ag.tensor([1.0, 0.0]))


# Regression: sinc of a complex tensor raised NotImplementedError; torch computes sin(pi z) /
# (pi z), 1 at 0, with the conjugated derivative as its gradient.
@pytest.mark.parametrize("name", ["sinc", "special.sinc"])
def test_sinc_of_complex_matches_torch_with_its_gradient(name: str) -> None:
    z = np.array([0j, 0.5 + 0.25j, -1.5 + 2j, 1e-3j, 1 + 0j, -2.25 - 0.5j, 3j])

    def sinc(x: Any) -> Any:
        library = torch if isinstance(x, torch.Tensor) else ag
        return library.special.sinc(x) if name == "special.sinc" else library.sinc(x)

    check_against_torch(sinc, None, [z])
    assert sinc(ag.tensor(z, dtype=ag.complex64)).dtype is ag.complex64


def test_sinc_of_complex_gradient_matches_finite_differences() -> None:
    z = np.array([0.5 + 0.25j, -1.5 + 2j, 0.3 - 0.1j])
    rng = np.random.default_rng(0)
    check_complex_gradient(ag.sinc, z, lambda *shape: rng.standard_normal(shape))


def test_sinc_in_place_of_complex_matches_torch() -> None:
    data = [0j, 0.5 + 0.25j, -1.5 + 2j]
    mine, theirs = ag.tensor(data), torch.tensor(data)
    mine.sinc_()
    theirs.sinc_()
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)


# Regression: deg2rad and rad2deg of complex tensors raised NotImplementedError (arraygrad's
# "not supported yet"), where torch refuses them with a RuntimeError.
@pytest.mark.parametrize(
    "call",
    [
        lambda lib, x: lib.deg2rad(x),
        lambda lib, x: lib.rad2deg(x),
        lambda lib, x: lib.deg2rad_(x),
        lambda lib, x: lib.rad2deg_(x),
        lambda lib, x: x.deg2rad(),
    ],
)
@pytest.mark.parametrize("dtype", ["complex64", "int64", "float16"])
def test_angle_units_take_the_dtypes_torch_takes(call: Any, dtype: str) -> None:
    assert_refused_as_torch(call, dtype)


@pytest.mark.parametrize(
    "call, dtype",
    [
        # logit's eps in the input's dtype: a bfloat16 result, PyTorch's values; an eps above
        # 0.5 crosses the bounds as PyTorch's kernel does
        *[
            (lambda lib, x, eps=eps: (x - 0.75).logit(eps), dtype)
            for eps in (0.1, 0.3, 1e-6, 0.7)
            for dtype in ("bfloat16", "float16", "float32", "float64")
        ],
        (lambda lib, x: x.div_(3).logit_(0.2), "bfloat16"),
        # a complex bound of a floating tensor: its real part, refused if not real
        *[
            (lambda lib, x, b=b: x.clamp(*b), dtype)
            for b in ((1 + 0j,), (None, 1 + 0j), (1 + 2j,), (None, 2j), (0.5, 1.5 + 0j))
            for dtype in ("float64", "float16")
        ],
        (lambda lib, x: x.clamp(1 + 0j), "int64"),  # an integer tensor's promotes: no kernel
        (lambda lib, x: x.clamp_min(1 + 0j), "float32"),  # neither for clamp_min's
        (lambda lib, x: x.clamp_(1 + 2j), "float64"),
        # a float or complex alpha of an integral sum is refused, a bool one's too
        *[
            (lambda lib, x, a=a: x.add(x, alpha=a), dtype)
            for a in (1 + 2j, 1 + 0j, 1.5, 2)
            for dtype in ("bool", "int64")
        ],
        (lambda lib, x: x.sub_(x.clone(), alpha=2j), "int32"),
    ],
)
def test_logit_clamp_and_add_take_their_numbers_as_torch(call: Any, dtype: str) -> None:
    assert_call_as_torch(call, dtype)


@pytest.mark.parametrize("alpha", [2, 1.5, 1 + 2j, "int", "float", "complex"])
@pytest.mark.parametrize("dtype", ["int64", "bool", "float32"])
def test_add_takes_a_0d_tensor_alpha_as_its_number_as_torch(alpha: Any, dtype: str) -> None:
    def call(lib: Any, x: Any) -> Any:
        scale = alpha
        if isinstance(alpha, str):
            scale = lib.tensor({"int": 2, "float": 1.5, "complex": 2j}[alpha])
        return x.add(x, alpha=scale)

    assert_call_as_torch(call, dtype)


@pytest.mark.parametrize(
    "n", [1.5, True, None, "1", -1, 0.0, "tensor(1.)", "tensor([1])", "tensor(-1)", "tensor(2)"]
)
def test_polygamma_order_is_checked_as_torch_checks_it(n: Any) -> None:
    # Regression: a float or bool order was a RuntimeError about negative n, where torch's
    # parser raises its TypeError (and reads a 0-d integer tensor as its int).
    outcomes = []
    for lib in (torch, ag):
        order = eval(n, {"tensor": lib.tensor}) if isinstance(n, str) and "(" in n else n
        x = lib.tensor([1.0, 2.5])
        for form in (
            "lib.polygamma(order, x)",
            "x.polygamma(order)",
            "lib.special.polygamma(order, x)",
        ):
            try:
                outcomes.append(eval(form, {"lib": lib, "order": order, "x": x}).tolist())
            except (TypeError, RuntimeError) as error:
                # (torch's special form names its kernel special_polygamma)
                text = str(error).replace("special_polygamma", "polygamma")
                outcomes.append((type(error).__name__, text.rstrip(".")))
    for theirs, mine in zip(outcomes[:3], outcomes[3:], strict=True):
        if isinstance(theirs, tuple):
            assert mine[0] == theirs[0] and mine[1].startswith(theirs[1]), (theirs, mine)
        else:
            assert mine == pytest.approx(theirs), (theirs, mine)


def test_polygamma_of_a_number_is_torchs_type_error() -> None:
    for lib in (torch, ag):
        with pytest.raises(TypeError, match=r"argument 'input' \(position 2\) must be Tensor"):
            lib.polygamma(1, 3.0)
