"""``logaddexp``, ``logaddexp2``, ``fmax``, ``fmin``, ``copysign``, ``float_power``, ``ldexp``,
``frexp`` and ``absolute`` against torch 2.13.0 and finite differences; ``heaviside``, ``gcd``,
``lcm`` (not differentiable) and ``nextafter`` (a step function with PyTorch's gradient) against
torch directly.

``OP_TABLE`` rows run in float64 and float32 against torch (values and VJPs) and through a float64
gradcheck. Infinities, nan, ties and signed zeros, integer dtypes, the in-place forms, double
backward and misuse errors are tested below, always against what torch does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import arraygrad as ag
from tests.ops._helpers import DTYPES, lib
from tests.oracle import (
    OpSpec,
    assert_call_as_torch,
    check_against_torch,
    outcome_in_each,
    run_gradcheck_case,
    run_torch_case,
    strict_backend,
)


def positive(x: Any) -> Any:
    """A smooth map into ``[0.1, inf)``, for bases of real powers."""
    return x * x + 0.1


POWERS_OF_TWO = (-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0)
OP_TABLE = {
    "logaddexp": OpSpec(lambda x, y: lib(x).logaddexp(x, y), arity=2, low=-30, high=30),
    "logaddexp:close": OpSpec(lambda x, y: x.logaddexp(x + y * 1e-3), arity=2),
    "logaddexp2": OpSpec(lambda x, y: lib(x).logaddexp2(x, y), arity=2, low=-30, high=30),
    "logaddexp2:method": OpSpec(lambda x, y: x.logaddexp2(y * 2), arity=2),
    "fmax": OpSpec(lambda x, y: lib(x).fmax(x, y + 0.0123), arity=2),
    "fmin": OpSpec(lambda x, y: x.fmin(y + 0.0123), arity=2),
    "copysign": OpSpec(lambda x, y: lib(x).copysign(x, y), arity=2, kinks=(0.0,)),
    "copysign:scalar": OpSpec(lambda x: x.copysign(-2.0) + x.copysign(0.0), kinks=(0.0,)),
    "copysign_": OpSpec(lambda x, y: (x + 0 * y).copysign_(y), arity=2, kinks=(0.0,)),
    "float_power": OpSpec(lambda x, y: lib(x).float_power(positive(x), y), arity=2),
    "float_power:scalar": OpSpec(lambda x: x.float_power(3) + lib(x).float_power(1.5, x)),
    "ldexp": OpSpec(lambda x, y: lib(x).ldexp(x, y), arity=2),
    "ldexp_": OpSpec(lambda x, y: (x + 0 * y).ldexp_(y), arity=2),
    "frexp": OpSpec(lambda x: lib(x).frexp(x * 5), kinks=tuple(k / 5 for k in POWERS_OF_TWO)),
    "absolute": OpSpec(lambda x: lib(x).absolute(x), kinks=(0.0,)),
    "absolute_": OpSpec(lambda x: (x * 1).absolute_(), kinks=(0.0,)),
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


# --- infinities, nan, ties and zeros: PyTorch's values and gradients ---------------------------

NAN, INF = float("nan"), float("inf")
EDGES = {
    "logaddexp_infinities": (
        lambda x, y: lib(x).logaddexp(x, y),
        [
            [-INF, INF, -INF, INF, 1.0, NAN, 1e308, -1000.0, -INF, INF],
            [-INF, INF, 0.0, 2.0, 1.0, 1.0, 1e308, -1000.0, INF, -INF],
        ],
    ),
    "logaddexp2_infinities": (
        lambda x, y: lib(x).logaddexp2(x, y),
        [[-INF, INF, -INF, INF, 1.0, NAN, 1e300], [-INF, INF, 0.0, 2.0, 1.0, 1.0, 1e300]],
    ),
    "fmax_ties_and_nan": (
        lambda x, y: lib(x).fmax(x, y),
        [[1.0, NAN, 1.0, NAN, 2.0, -0.0], [1.0, 1.0, NAN, NAN, 1.0, 0.0]],
    ),
    "fmin_ties_and_nan": (
        lambda x, y: lib(x).fmin(x, y),
        [[1.0, NAN, 1.0, NAN, 2.0, -0.0], [1.0, 1.0, NAN, NAN, 1.0, 0.0]],
    ),
    "copysign_zeros_and_nan": (
        lambda x, y: lib(x).copysign(x, y),
        [
            [1.0, 0.0, -0.0, 2.0, -3.0, 0.0, NAN, INF, -INF],
            [0.0, -1.0, 1.0, -0.0, NAN, 0.0, 1.0, -2.0, INF],
        ],
    ),
    "float_power_at_0": (
        lambda x, y: lib(x).float_power(x, y),
        [[2.0, 0.0, -2.0, 0.0, 0.0], [0.5, 0.0, 2.0, 2.0, -1.0]],
    ),
    "ldexp_extremes": (
        lambda x, y: lib(x).ldexp(x, y),
        [[1.0, -3.0, 0.0, INF, 1e-300], [1023.0, -1074.0, 5.0, -1.0, 100.0]],
    ),
    "frexp_extremes": (
        lambda x: lib(x).frexp(x),
        [[8.0, 0.0, -0.0, -3.0, INF, -INF, NAN, 1e-40, 1e30, 0.5, 1.0]],
    ),
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_edges_match_torch(name: str) -> None:
    fn, values = EDGES[name]
    check_against_torch(fn, None, [np.array(v) for v in values], rtol=1e-12, atol=0)


def test_copysign_keeps_signed_zeros_like_torch() -> None:
    x, y = [0.0, -0.0, 0.0, -0.0, 2.0], [-1.0, 1.0, -0.0, 0.0, -0.0]
    mine = ag.copysign(ag.tensor(x), ag.tensor(y)).numpy()
    theirs = torch.copysign(torch.tensor(x), torch.tensor(y)).numpy()
    np.testing.assert_array_equal(np.signbit(mine), np.signbit(theirs))
    np.testing.assert_array_equal(mine, theirs)


def test_frexp_round_trips_and_names_its_fields() -> None:
    values = np.array([3.0, -1e-310, 5e307, 0.75])
    result = ag.frexp(ag.tensor(values))
    assert isinstance(result, ag.return_types.frexp)
    assert result.exponent.dtype == ag.int32
    assert ag.ldexp(result.mantissa, result.exponent).tolist() == values.tolist()
    theirs = torch.frexp(torch.tensor(values))
    assert result.mantissa.tolist() == theirs.mantissa.tolist()
    assert result.exponent.tolist() == theirs.exponent.tolist()


def test_frexp_gradient_beyond_float32_exponents() -> None:
    # torch's mantissa gradient is grad / exponent.exp2(), with exp2 of the int32 exponents in
    # float32: 0 once 2**e overflows float32 (|x| >= 2**128), inf once it underflows. arraygrad
    # keeps the derivative 2**-e of the input's dtype. Values and exponents are torch's exactly.
    values = [1.7e308, -5e307, 1e300, -1e-310, 3e-300]
    x = ag.tensor(values, dtype=ag.float64, requires_grad=True)
    mantissa, exponent = ag.frexp(x)
    theirs = torch.frexp(torch.tensor(values, dtype=torch.float64))
    assert mantissa.tolist() == theirs.mantissa.tolist()
    assert exponent.tolist() == theirs.exponent.tolist()
    mantissa.sum().backward()
    exact = [float(np.ldexp(1.0, -int(e))) for e in theirs.exponent]  # inf for 2**1029
    assert x.grad.tolist() == exact


@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_frexp_of_narrow_floats_matches_torch(dtype: str) -> None:
    values = [6.0, 1e-7, -65504.0, 0.0, 3e-38, float("inf")]
    mine = ag.frexp(ag.tensor(values, dtype=getattr(ag, dtype)))
    theirs = torch.frexp(torch.tensor(values, dtype=getattr(torch, dtype)))
    assert str(mine.mantissa.dtype).split(".")[-1] == dtype
    assert mine.mantissa.tolist() == theirs.mantissa.tolist()
    assert mine.exponent.tolist() == theirs.exponent.tolist()


# --- dtypes --------------------------------------------------------------------------------------

INTS = np.array([[-3, 2, 5], [1, 0, -2]], dtype=np.int64)
DTYPE_CASES = {
    "fmax_fmin_ints": lambda x: (lib(x).fmax(x, x.flip(0)), x.fmin(x.flip(1))),
    "fmax_promotes": lambda x: (lib(x).fmax(x, x.double() * 0.5), lib(x).fmin(x.float(), x)),
    "fmax_bools": lambda x: (lib(x).fmax(x > 0, x < 1), lib(x).fmin(x > 0, x < 1)),
    "copysign_ints": lambda x: (lib(x).copysign(x, -1), x.copysign(x.flip(0)), x.copysign(0.5)),
    "copysign_promotes": lambda x: (lib(x).copysign(x.float(), x), x.copysign(x.double())),
    "float_power_ints": lambda x: (lib(x).float_power(x, 2), lib(x).float_power(2, x)),
    "float_power_float32": lambda x: lib(x).float_power(x.float(), x.float() * 0.5),
    "ldexp_ints": lambda x: (lib(x).ldexp(x, x), x.float().ldexp(x), x.double().ldexp(x)),
    "ldexp_promotes": lambda x: lib(x).ldexp(x.float(), x.double() * 0.5),
    "logaddexp_promotes": lambda x: lib(x).logaddexp(x.float(), x.double()),
    "heaviside_floats": lambda x: lib(x).heaviside(x * 0.5, lib(x).tensor([0.25, 7.0, -1.0])),
    "heaviside_ints": lambda x: (lib(x).heaviside(x, x.flip(0)), x.heaviside(x[:1, :1])),
    "heaviside_nan": lambda x: lib(x).heaviside(x.log(), lib(x).tensor(0.5)),
    "absolute_ints": lambda x: (lib(x).absolute(x), x.absolute()),
}


@pytest.mark.parametrize("name", sorted(DTYPE_CASES))
def test_dtypes_match_torch(name: str) -> None:
    check_against_torch(DTYPE_CASES[name], None, [INTS], grad=False, rtol=1e-12, atol=0)


def test_heaviside_result_is_not_differentiable() -> None:
    # torch's result requires grad but its backward raises "not implemented", as arraygrad's
    # now (it did not require grad; see ops.derivative_refused's test for the other ops)
    x = ag.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    result = ag.heaviside(x, ag.tensor([0.5], requires_grad=True))
    assert result.tolist() == [0.0, 0.5, 1.0] and result.requires_grad
    with pytest.raises(RuntimeError, match="derivative for aten::heaviside is not implemented"):
        result.sum().backward()


GCD_CASES = {
    "signs_and_zeros": ([12, -18, 0, 0, 7, -5, 1], [8, 12, 5, 0, -3, -10, 0]),
    "broadcast": ([[12], [-9], [0]], [8, 6, 3]),
    "coprime": ([35, 64, 97, 2**40], [64, 35, 89, 2**20 * 3]),
    "zero_d": (15, [10, 25, 7]),
    "empty": (np.zeros((0, 2), dtype=np.int64), [4, 6]),
}


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64"])
def test_gcd_lcm_wrap_as_torch(dtype: str) -> None:
    # The dtype's minimum stays negative under abs (gcd(int8 -128, 72) is -8 in torch), and
    # torch multiplies 8- and 16-bit lcm in 32 bits: int8 lcm(2, 127) wraps to -2, not 2.
    low = int(np.iinfo(dtype).min)
    x, y = [low, low, low, 2, 6, 127, 12], [72, -72, 51, 127, -3, 2, 18]
    for op in ("gcd", "lcm"):
        if op == "lcm" and dtype in ("int32", "int64"):
            x, y = x[3:], y[3:]  # torch's lcm of the minimum traps (division overflow)
        mine = getattr(ag, op)(
            ag.tensor(x, dtype=getattr(ag, dtype)), ag.tensor(y).to(getattr(ag, dtype))
        )
        theirs = getattr(torch, op)(
            torch.tensor(x, dtype=getattr(torch, dtype)), torch.tensor(y).to(getattr(torch, dtype))
        )
        assert mine.tolist() == theirs.tolist(), op


LDEXP_EDGES: dict[str, Any] = {
    # A float input and an integer exponent: zeros and infinities stay (2**200 overflows).
    "float32_int32": lambda m: m.ldexp(
        m.tensor([0.0, -0.0, float("inf"), 1.0, float("nan")]), m.tensor([200, 200, -200, 3, 1])
    ),
    "float16_uint8": lambda m: m.ldexp(
        m.tensor([0.0, 1.0], dtype=m.float16), m.tensor([200, 2], dtype=m.uint8)
    ),
    # An integer input converts first and multiplies: 0 * 2**255 is nan, as in torch.
    "int64_uint8": lambda m: m.ldexp(m.tensor([0, 1]), m.tensor([255, 2], dtype=m.uint8)),
    # A 0-d exponent beside a float64 input: the power in float64.
    "float64_0d_float32": lambda m: m.ldexp(
        m.tensor([7.0, 3.0], dtype=m.float64), m.tensor(0.5, dtype=m.float32)
    ),
    "float64_0d_0d_float32": lambda m: m.ldexp(
        m.tensor(7.0, dtype=m.float64), m.tensor(-2.5, dtype=m.float32)
    ),
    # ... and in the exponent's float16 beside float32, or when it has dimensions.
    "float32_0d_float16": lambda m: m.ldexp(m.tensor([3.0, -2.5]), m.tensor(1.25, dtype=m.float16)),
    "float64_1d_float16": lambda m: m.ldexp(
        m.tensor([7.0], dtype=m.float64), m.tensor([0.1], dtype=m.float16)
    ),
}


@pytest.mark.parametrize("name", sorted(LDEXP_EDGES))
def test_ldexp_edges_match_torch(name: str) -> None:
    mine, theirs = LDEXP_EDGES[name](ag), LDEXP_EDGES[name](torch)
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


@pytest.mark.parametrize("op", ["gcd", "lcm"])
@pytest.mark.parametrize("name", sorted(GCD_CASES))
def test_gcd_lcm_match_torch(op: str, name: str) -> None:
    x, y = (np.asarray(v, dtype=np.int64) for v in GCD_CASES[name])
    for fn in (lambda m, a, b: getattr(m, op)(a, b), lambda m, a, b: getattr(a, op)(b)):
        mine = fn(ag, ag.tensor(x), ag.tensor(y))
        theirs = fn(torch, torch.tensor(x), torch.tensor(y))
        assert mine.dtype == ag.int64 and mine.tolist() == theirs.tolist()


@pytest.mark.parametrize(
    ("left", "right"), [("int32", "int32"), ("uint8", "int64"), ("int16", "int8")]
)
def test_gcd_lcm_dtypes_match_torch(left: str, right: str) -> None:
    x, y = [12, 7, 0, 9], [18, 3, 4, 6]
    for op in ("gcd", "lcm"):
        mine = getattr(ag, op)(
            ag.tensor(x, dtype=getattr(ag, left)), ag.tensor(y, dtype=getattr(ag, right))
        )
        theirs = getattr(torch, op)(
            torch.tensor(x, dtype=getattr(torch, left)),
            torch.tensor(y, dtype=getattr(torch, right)),
        )
        assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        assert mine.tolist() == theirs.tolist()


@pytest.mark.parametrize(
    ("left", "right"), [("float64", "float64"), ("float32", "float32"), ("float32", "float64")]
)
def test_nextafter_matches_torch(left: str, right: str) -> None:
    x = [1.0, 0.0, -0.0, NAN, 1.0, INF, -INF, 1e-310, 3.0, 0.0]
    y = [2.0, -1.0, 1.0, 0.0, NAN, 0.0, INF, 0.0, 3.0, 0.0]
    mine = ag.nextafter(
        ag.tensor(x, dtype=getattr(ag, left)), ag.tensor(y, dtype=getattr(ag, right))
    )
    theirs = torch.nextafter(
        torch.tensor(x, dtype=getattr(torch, left)), torch.tensor(y, dtype=getattr(torch, right))
    )
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    np.testing.assert_array_equal(np.signbit(mine.numpy()), np.signbit(theirs.numpy()))


def test_nextafter_gradient_is_torch_s() -> None:
    # PyTorch's NextafterBackward0: grad for input, 0 where input == other (the result is other
    # itself), and a zero gradient for other; broadcast, promoted and in place too.
    def run(lib: Any) -> list[np.ndarray]:
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = lib.tensor([[3.0], [0.0]], dtype=lib.float64, requires_grad=True)
        z = lib.tensor([1.0, -2.0], requires_grad=True)
        (lib.nextafter(x, y) * y).sum().backward()
        w = z * 2
        w.nextafter_(lib.tensor([5.0, -4.0]))
        (w * w).sum().backward()
        return [x.grad.numpy(), y.grad.numpy(), z.grad.numpy()]

    for actual, expected in zip(run(ag), run(torch), strict=True):
        assert actual.dtype == expected.dtype
        np.testing.assert_array_equal(actual, expected)


# --- in place and double backward ----------------------------------------------------------------

INPLACE = {
    "copysign_": lambda x, o: x.copysign_(o),
    "ldexp_": lambda x, o: x.ldexp_(o.round()),
    "nextafter_": lambda x, o: x.nextafter_(o),
    "heaviside_": lambda x, o: x.round().heaviside_(o),
    "float_power_": lambda x, o: x.float_power_(o.round()),
    "gcd_": lambda x, o: (x * 8).long().gcd_((o * 4).long()),
    "lcm_": lambda x, o: (x * 8).long().lcm_((o * 4).long()),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_forms_match_torch(name: str) -> None:
    values, others = np.array([-1.25, 0.5, 2.0, 0.0]), np.array([0.5, -2.0, 1.5, 0.0])
    mine, theirs = ag.tensor(values), torch.tensor(values)
    mine_out = INPLACE[name](mine, ag.tensor(others))
    theirs_out = INPLACE[name](theirs, torch.tensor(others))
    np.testing.assert_array_equal(mine_out.numpy(), theirs_out.numpy())
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


SECOND_ORDER = {
    "logaddexp": lambda x, y: lib(x).logaddexp(x, y * y),
    "logaddexp2": lambda x, y: lib(x).logaddexp2(x * y, y),
    "copysign_ldexp": lambda x, y: lib(x).copysign(x * x, y) * lib(x).ldexp(x, y),
    "float_power": lambda x, y: lib(x).float_power(x, y) * x,
    "fmax_fmin": lambda x, y: lib(x).fmax(x * y, y) * lib(x).fmin(x, y * y),
}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_double_backward_matches_torch(name: str) -> None:
    rng = np.random.default_rng(4)
    arrays = [rng.uniform(0.5, 2.0, size=(2, 3)), rng.uniform(-2.0, 2.0, size=(3,))]
    results = []
    for module in (torch, ag):
        xs = [module.tensor(a, requires_grad=True) for a in arrays]
        out = SECOND_ORDER[name](*xs)
        cotangent = module.tensor(np.random.default_rng(5).standard_normal(tuple(out.shape)))
        grads = module.autograd.grad(out, xs, cotangent, create_graph=True)
        total = sum((g * g).sum() for g in grads)
        results.append([g.detach().numpy() for g in module.autograd.grad(total, xs)])
    for mine, theirs in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)


# --- misuse --------------------------------------------------------------------------------------

MISUSE = [
    (lambda m, x: m.logaddexp(x.long(), x.long()), NotImplementedError),
    (lambda m, x: m.logaddexp(x, 1.0), TypeError),
    (lambda m, x: m.logaddexp2(x.long(), x.long()), NotImplementedError),
    (lambda m, x: m.logaddexp(m.ones(2), m.ones(3)), RuntimeError),
    (lambda m, x: m.fmax(x, 1), TypeError),
    (lambda m, x: m.fmin(1.0, x), TypeError),
    (lambda m, x: m.copysign(2.0, x), TypeError),
    (lambda m, x: m.heaviside(x, x.double()), RuntimeError),
    (lambda m, x: m.heaviside(x, 0.5), TypeError),
    (lambda m, x: x.clone().float_power_(2), RuntimeError),
    (lambda m, x: x.long().float_power_(2), RuntimeError),
    (lambda m, x: m.ldexp(x, 2), TypeError),
    (lambda m, x: m.gcd(x, x), NotImplementedError),
    (lambda m, x: m.gcd(x > 0, x > 0), NotImplementedError),
    (lambda m, x: m.lcm(x.long(), x), NotImplementedError),
    (lambda m, x: m.gcd(x.long(), 2), TypeError),
    (lambda m, x: m.lcm(m.ones(2).long(), m.ones(3).long()), RuntimeError),
    (lambda m, x: m.nextafter(x.long(), x.long()), NotImplementedError),
    (lambda m, x: m.nextafter(x, 1.0), TypeError),
    (lambda m, x: m.frexp(x.long()), RuntimeError),
    (lambda m, x: m.absolute(x > 0), NotImplementedError),
]


@pytest.mark.parametrize(("fn", "error"), MISUSE)
def test_misuse_raises_like_torch(fn: Any, error: type[Exception]) -> None:
    values = np.array([1.5, -2.0])
    with pytest.raises(error):
        fn(torch, torch.tensor(values, dtype=torch.float32))
    with pytest.raises(error) as info:
        fn(ag, ag.tensor(values, dtype=ag.float32))
    assert "Fix" in str(info.value)


# --- the non-differentiable ones on array_api_strict (the op tables cover the others) -----------

STRICT = {
    "gcd_lcm": lambda m, x: (m.gcd((x * 4).long(), (x * 6).long()), m.lcm(x.long(), x.long() + 3)),
    "heaviside": lambda m, x: m.heaviside(x.round(), m.tensor([0.5], dtype=x.dtype)),
    "nextafter": lambda m, x: m.nextafter(x, x.flip(0)),
    "frexp": lambda m, x: m.frexp(x * 1e-30) + m.frexp(x.float() * 1e30),
}


@pytest.mark.parametrize("name", sorted(STRICT))
def test_runs_on_array_api_strict_like_torch(name: str) -> None:
    values = np.array([3.0, -0.0, 1.5, 7.0, -12.0, 0.0])
    with strict_backend():
        mine = [np.asarray(t.tolist()) for t in STRICT[name](ag, ag.tensor(values))]
    theirs = [t.numpy() for t in STRICT[name](torch, torch.tensor(values))]
    for a, b in zip(mine, theirs, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "int64"])
@pytest.mark.parametrize("number", [-100, 300, 70000, -(2**40), 2**63, 2**64 - 1, -(2**63)])
@pytest.mark.parametrize(
    "op",
    [
        lambda x, n: x + n,
        lambda x, n: n - x,
        lambda x, n: x * n,
        lambda x, n: x == n,
        lambda x, n: x < n,
        lambda x, n: x & n,
        lambda x, n: x.add(n),
        lambda x, n: x / n,  # true division computes in float: no wrapping
        lambda x, n: x.xlogy(n),
    ],
    ids=["add", "rsub", "mul", "eq", "lt", "and", "add_method", "truediv", "xlogy"],
)
def test_python_ints_outside_an_integer_dtype_wrap_as_in_torch(
    dtype: str, number: int, op: Any
) -> None:
    # PyTorch converts the int to the tensor's dtype, wrapping around (uint8 + -100 adds 156);
    # NumPy raised OverflowError (or compared the unconverted number).
    values = [0, 1, 44, 100, 127]
    theirs = op(torch.tensor(values, dtype=getattr(torch, dtype)), number)
    mine = op(ag.tensor(values, dtype=getattr(ag, dtype)), number)
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())  # nan equal to nan


def test_python_ints_beyond_64_bits_overflow_as_in_torch() -> None:
    for module in (torch, ag):
        with pytest.raises(OverflowError):
            module.tensor([1], dtype=module.uint8) + 2**70


@pytest.mark.parametrize("number", [300, -100, 70000])
@pytest.mark.parametrize(
    "op",
    [
        lambda x, n: x // n,
        lambda x, n: x % n,
        lambda x, n: x.fmod(n),
        lambda x, n: x.div(n, rounding_mode="trunc"),
    ],
    ids=["floordiv", "mod", "fmod", "trunc"],
)
def test_integer_division_by_a_wrapped_int_matches_torch(number: int, op: Any) -> None:
    values = [0, 1, 44, 100, 127]
    for dtype in ("int8", "int16"):
        theirs = op(torch.tensor(values, dtype=getattr(torch, dtype)), number)
        mine = op(ag.tensor(values, dtype=getattr(ag, dtype)), number)
        assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        assert mine.tolist() == theirs.tolist()


def test_integer_tensor_to_negative_tensor_powers_like_torch() -> None:
    # NumPy refuses them; torch gives 1 for base 1, +-1 for base -1 and 0 otherwise (0 too).
    def run(lib: Any) -> Any:
        base = lib.tensor([0, 1, -1, 2, -2, -1, 5, 3], dtype=lib.int32)
        exponent = lib.tensor([-1, -3, -3, -1, -2, -2, 0, 2], dtype=lib.int32)
        small = lib.tensor([0, 1, 2], dtype=lib.uint8) ** lib.tensor([-1, -1, 2], dtype=lib.int8)
        return base**exponent, small, lib.pow(True, lib.tensor([-3, 2], dtype=lib.int16))

    for expected, actual in zip(run(torch), run(ag), strict=True):
        assert str(actual.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
        np.testing.assert_array_equal(actual.numpy(), expected.numpy())


def test_square_roots_by_pow_at_minus_inf_and_minus_zero_like_torch() -> None:
    # torch computes a float32/float64 tensor to a Python 0.5 as sqrt (nan at -inf, -0 at -0),
    # but a tensor exponent (0-d or one element), and a float16 base, with pow (inf and +0);
    # NumPy took sqrt for all of them (dtype fuzzer, seeds 38591, 148557, 206135).
    def run(lib: Any) -> Any:
        values = [-float("inf"), -0.0, 0.0, 4.0, float("inf")]
        x64 = lib.tensor(values, dtype=lib.float64)
        x32 = lib.tensor(values, dtype=lib.float32)
        half = lib.tensor(0.5, dtype=lib.float64)
        return (
            x64**0.5,
            x32.pow(0.5),
            lib.tensor(values, dtype=lib.float16) ** 0.5,
            x64**half,
            x32 ** lib.tensor([0.5], dtype=lib.float32),
            lib.pow(-float("inf"), half),
            lib.float_power(x32, lib.tensor(0.5, dtype=lib.float32)),
            x64 ** lib.tensor([0.5, 0.5, 2.0, 0.5, 0.5], dtype=lib.float64),
        )

    for expected, actual in zip(run(torch), run(ag), strict=True):
        assert str(actual.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
        np.testing.assert_array_equal(actual.numpy(), expected.numpy())
        signs = np.signbit(actual.numpy()), np.signbit(expected.numpy())
        number = ~np.isnan(expected.numpy())  # (a nan's sign bit is no concern)
        assert np.array_equal(signs[0][number], signs[1][number])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("exponent", [3, 3.0, -2, -2.0, -0.5, 2, -1, 0.5, 4])
def test_number_powers_have_torchs_bits(dtype: str, exponent: float) -> None:
    # torch computes x ** 3 as x * x * x, x ** -2 as 1 / (x * x) and x ** -0.5 as 1 / sqrt(x)
    # (2 and -1 as x * x and 1 / x, as NumPy does); C's pow, which arraygrad called for 3, -2
    # and -0.5, rounds otherwise in about one value in four. The gradient's power y - 1 takes
    # the same forms (x ** -2 for -1, x ** 3 for 4, 1 / sqrt(x) for 0.5).
    rng = np.random.default_rng(5)
    values = rng.standard_normal(4000) * np.exp(rng.uniform(-20, 20, 4000))
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, -1e-30, 1e30, -3e12, 1e-310, 2.5]
    values = np.concatenate([values, special]).astype(dtype)
    if exponent in (-0.5, 0.5):
        values = np.abs(values)
    cotangent = rng.standard_normal(values.shape).astype(dtype)

    def run(module: Any) -> tuple[np.ndarray, np.ndarray]:
        x = module.tensor(values, requires_grad=True)
        out = x**exponent
        out.backward(module.tensor(cotangent))
        return out.detach().numpy(), x.grad.numpy()

    (out, grad), (expected, expected_grad) = run(ag), run(torch)
    assert out.dtype == expected.dtype
    number = ~np.isnan(expected)  # (a nan's sign bit is no concern)
    assert np.array_equal(np.isnan(out), ~number)
    if exponent not in (4, 0.5):  # (torch's pow there is not C's pow, nor sqrt)
        assert out[number].tobytes() == expected[number].tobytes()
    np.testing.assert_allclose(grad, expected_grad, rtol=4 * np.finfo(dtype).eps, atol=0)


def test_ldexp_does_not_promote_the_input_with_the_exponent() -> None:
    # An int8 0-d -3 beside a uint8 exponent stays -3 (the promoted uint8 would be 253), and a
    # float16 exponent's power is rounded to float16, as in torch's input * 2.0 ** other.
    def run(lib: Any) -> Any:
        a = lib.ldexp(lib.tensor(-3, dtype=lib.int8), lib.tensor([3, 7], dtype=lib.uint8))
        b = lib.ldexp(lib.tensor([7.0], dtype=lib.float64), lib.tensor([1.25], dtype=lib.float16))
        c = lib.ldexp(lib.tensor([3.0], dtype=lib.float16), lib.tensor([3]))
        return a, b, c

    for expected, actual in zip(run(torch), run(ag), strict=True):
        assert str(actual.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
        np.testing.assert_array_equal(actual.numpy(), expected.numpy())


def test_ldexp_of_zero_has_the_powers_gradient() -> None:
    # A zero input keeps its value (C's ldexp), but its gradient is still 2 ** other, as
    # torch's; only 0 * inf and inf * 0 take the input as it is.
    grads = []
    for m in (torch, ag):
        x = m.tensor([0.0, 1.5, -0.0], dtype=m.float64, requires_grad=True)
        m.ldexp(x, m.tensor([3, 2, 1])).backward(m.ones(3, dtype=m.float64))
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(grads[1], grads[0])


def test_add_and_sub_alpha_take_no_part_in_promotion() -> None:
    def run(lib: Any) -> Any:
        mask = lib.tensor([True, False])
        u8 = lib.tensor([1, 2], dtype=lib.uint8)
        return (
            lib.add(u8, mask, alpha=-1),  # uint8, not int64: alpha is converted to uint8
            lib.add(mask, mask, alpha=2),  # bool: alpha as its truth value
            lib.add(mask, True, alpha=2),
            lib.sub(lib.tensor([1, 2], dtype=lib.int32), 2**40, alpha=2),  # wraps to 0
            lib.rsub(lib.tensor([1.0, 2.0]), 5.0, alpha=2),
        )

    for expected, actual in zip(run(torch), run(ag), strict=True):
        assert str(actual.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
        np.testing.assert_array_equal(actual.numpy(), expected.numpy())


def test_add_and_sub_alpha_times_a_number_past_64_bits_as_torch() -> None:
    # alpha * other was an exact Python product, refused past 64 bits (OverflowError) where
    # PyTorch computes it in int64 (wrapping) or in the floating result type; and rounded once
    # where PyTorch rounds the number first (dtype fuzzer, seed 1219584).
    big = 2**63 - 1

    def run(lib: Any) -> Any:
        return (
            lib.add(lib.tensor([1.5, -2.0], dtype=lib.float64), big, alpha=3),
            lib.sub(lib.tensor([0.5], dtype=lib.float32), big, alpha=3),
            lib.add(lib.tensor([-7, 1]), big, alpha=3),  # int64: wraps around
            lib.tensor([-7, 1]).sub_(big, alpha=big),
            lib.add(lib.tensor([True, False]), big, alpha=3),  # int64 result
            lib.add(lib.tensor([1, 2], dtype=lib.int32), 2**63 + 1, alpha=3),
            lib.add(lib.zeros(1, dtype=lib.float64), 2**53 + 1, alpha=3),  # 2**53 * 3
        )

    for expected, actual in zip(run(torch), run(ag), strict=True):
        assert str(actual.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
        np.testing.assert_array_equal(actual.numpy(), expected.numpy())
    for call in (
        lambda lib: lib.zeros(1).add(2**64, alpha=0),  # each number must fit, not the product
        lambda lib: lib.zeros(1).add(3, alpha=2**64),
        lambda lib: lib.zeros(1, dtype=lib.int64).sub(-(2**63) - 1, alpha=2),
    ):
        assert outcome_in_each(call, errors=(OverflowError,)) == ("OverflowError",) * 2
    with pytest.raises(RuntimeError, match="can't be cast"):
        ag.tensor([True]).add_(big, alpha=3)


@pytest.mark.parametrize(
    "call",
    [
        "lib.add(lib.tensor([1.0]), 1, alpha=True)",  # bool alpha, float result
        "lib.sub(lib.tensor([1]), lib.tensor([2]), alpha=True)",
        "lib.tensor([1.0]).add_(lib.tensor(False), alpha=True)",
        "lib.tensor([1]).sub_(2, alpha=True)",
        "lib.add(lib.tensor([1]), lib.tensor([2]), alpha=0.5)",  # float alpha, integer result
        "lib.tensor([1], dtype=lib.uint8).add_(1, alpha=0.5)",
        "lib.rsub(lib.tensor([1]), 1, alpha=0.5)",
        "lib.add(lib.tensor([1], dtype=lib.int8), 2, alpha=300)",  # alpha overflows int8
        "lib.tensor([1.0]) - lib.tensor([True])",  # subtraction with a bool tensor
        "lib.tensor([True]) - lib.tensor([True])",
        "lib.tensor([True]) - 1",
        "1 - lib.tensor([True])",
        "lib.tensor([1]) - True",
        "lib.sub(lib.tensor([2]), lib.tensor(True))",
        "lib.rsub(lib.tensor([True]), 1)",
        "lib.tensor([1]).sub_(lib.tensor([True]))",
    ],
)
def test_add_and_sub_refuse_what_torch_refuses(call: str) -> None:
    expected, actual = outcome_in_each(lambda lib: eval(call))
    assert actual == expected == "RuntimeError"


def test_rsub_of_a_number_input_raises_type_error_like_torch() -> None:
    # It returned NotImplemented (the number's __rsub__) instead of raising.
    expected, actual = outcome_in_each(
        lambda lib: lib.rsub(300, lib.tensor([1])), errors=(TypeError,)
    )
    assert actual == expected == "TypeError"


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib, a, b: a / b,
        lambda lib, a, b: lib.true_divide(a, b),
        lambda lib, a, b: lib.div(b, a),
        lambda lib, a, b: lib.xlogy(a, b),
        lambda lib, a, b: lib.xlogy(b, a),
    ],
)
def test_integer_operands_go_straight_to_float_without_wrapping(fn: Any) -> None:
    # int8 beside a 0-d uint8 200: converted to their common integer dtype first, 200 wrapped
    # to -56 before the float division or log (a uint8 0-d takes no part in the promotion)
    results = []
    for library in (ag, torch):
        a = library.tensor([100, -50, 3], dtype=library.int8)
        b = library.tensor(200, dtype=library.uint8)
        out = fn(library, a, b)
        results.append((str(out.dtype).split(".")[-1], out.tolist()))
    assert results[0][0] == results[1][0]
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        ("lib.tensor([True, False]) ** lib.tensor([True, True])", NotImplementedError),
        ("lib.pow(False, lib.tensor([True]))", NotImplementedError),
        ("lib.tensor([True]).pow_(lib.tensor(False))", NotImplementedError),
        ("lib.tensor([True, False]) % True", NotImplementedError),
        ("lib.fmod(lib.tensor([True]), lib.tensor([False]))", NotImplementedError),
        ("lib.tensor([True]) // lib.tensor([True])", NotImplementedError),
        ("lib.div(lib.tensor([True]), True, rounding_mode='trunc')", NotImplementedError),
        ("lib.tensor([True]).remainder_(lib.tensor([False]))", NotImplementedError),
        ("lib.tensor([True]).floor_divide_(True)", NotImplementedError),
        ("lib.tensor(False).fmod_(lib.tensor([False, True]))", RuntimeError),  # shape first
        ("lib.dot(lib.tensor([True]), lib.tensor([True]))", NotImplementedError),
        ("lib.dot(lib.tensor([True]), lib.tensor([1], dtype=lib.uint8))", RuntimeError),
        ("lib.dist(lib.tensor([1.0]), lib.tensor([True]))", RuntimeError),
        ("lib.ldexp(lib.tensor([1.0]), lib.tensor([True]))", NotImplementedError),
        ("lib.clamp_min(lib.tensor([True]), True)", NotImplementedError),
        ("lib.clamp_max(lib.tensor([True]), False)", NotImplementedError),
        # both bounds tensors (dtype fuzzer, seed 3184025): the one-bound kernels take bool
        (
            "lib.clip(lib.tensor([True]), lib.tensor([True]), lib.tensor([False]))",
            NotImplementedError,
        ),
        ("lib.tensor([True]).clamp_(lib.tensor(True), lib.tensor(False))", NotImplementedError),
    ],
)
def test_bool_operands_torch_has_no_kernel_for_are_refused(call: str, error: type) -> None:
    # NumPy computes these in int8 or bool (or raises its own division-by-zero error first).
    expected, actual = outcome_in_each(
        lambda lib: eval(call), errors=(RuntimeError, NotImplementedError)
    )
    assert actual == expected == error.__name__


@pytest.mark.parametrize("exponent", [True, False])
def test_bool_tensor_to_a_python_bool_stays_bool(exponent: bool) -> None:
    # It gave int8: torch keeps bool (x ** True is x, x ** False is all True).
    results = []
    for library in (torch, ag):
        mask = library.tensor([True, False])
        results.append((str((mask**exponent).dtype), (mask**exponent).tolist()))
        results.append((str(mask.pow_(exponent).dtype), mask.tolist()))
    assert [(d.split(".")[-1], v) for d, v in results[:2]] == [
        (d.split(".")[-1], v) for d, v in results[2:]
    ]


@pytest.mark.parametrize(
    "number",
    [np.float64(1e10), np.float32(1e10), np.float32(-7e5), np.int64(10**10), np.float64(0.5)],
    ids=repr,
)
@pytest.mark.parametrize(
    "op",
    [
        lambda x, n: x * n,
        lambda x, n: n * x,
        lambda x, n: x / n,
        lambda x, n: n / x,
        lambda x, n: x.div(n),
    ],
    ids=["mul", "rmul", "div", "rdiv", "div_method"],
)
def test_numpy_scalars_beside_float16_act_as_python_numbers(number: Any, op: Any) -> None:
    # torch carries a NumPy scalar beyond float16's range in float32 as it does a Python number:
    # 0 * np.float64(1e10) is 0 and inf / np.float32(1e10) is inf (arraygrad gave nan).
    values = [0.0, 1.0, float("inf"), -2.0, -0.0]
    results = [op(library.tensor(values, dtype=library.float16), number) for library in (torch, ag)]
    assert [str(r.dtype).split(".")[-1] for r in results] == ["float16", "float16"]
    assert results[1].tolist() == pytest.approx(results[0].tolist(), nan_ok=True)
    assert np.signbit(results[1].tolist()).tolist() == np.signbit(results[0].tolist()).tolist()


def test_numpy_scalars_promote_as_python_numbers() -> None:
    # torch reads np.float32(2.5) beside an integer tensor as a Python float: the default dtype
    # (float64 here), where arraygrad took it for a float32 0-d tensor.
    results = []
    for library in (torch, ag):
        previous = library.get_default_dtype()
        library.set_default_dtype(library.float64)
        try:
            ints = library.tensor([1, 2])
            outs = (ints * np.float32(2.5), ints / np.float32(2), np.float32(2) / ints)
        finally:
            library.set_default_dtype(previous)
        results.append([(str(o.dtype).split(".")[-1], o.tolist()) for o in outs])
    assert results[1] == results[0]


def test_lerp_refuses_mixed_dtypes_and_takes_a_0d_weight_as_a_number() -> None:
    # It promoted start and end (float16 with float32 gave float32) where PyTorch refuses,
    # raised NotImplementedError where PyTorch's dtype check comes first, and failed on a 0-d
    # bool weight; a 0-d float weight makes an integer lerp a float one in PyTorch.
    def both(make: Any) -> tuple[Any, Any]:
        outcomes = []
        for library in (torch, ag):
            try:
                result = make(library)
                outcomes.append((result.dtype.__repr__().split(".")[-1], result.tolist()))
            except Exception as error:  # compared between the libraries
                outcomes.append((type(error).__name__, None))
        return outcomes[0], outcomes[1]

    cases = [
        lambda L: L.lerp(L.ones(2), L.ones(2, dtype=L.float16), 0.5),
        lambda L: L.lerp(L.ones(2, dtype=L.int32), L.ones(2), 0.5),
        lambda L: L.lerp(L.ones(2), L.ones(2), L.full((2,), 0.5, dtype=L.float64)),
        lambda L: L.lerp(L.ones(2, dtype=L.int32), L.ones(2, dtype=L.int32), 0.5),
        lambda L: L.lerp(L.ones(2, dtype=L.int32), L.zeros(2, dtype=L.int32), L.tensor(0.25)),
        lambda L: L.lerp(
            L.ones(2, dtype=L.int16), L.zeros(2, dtype=L.int16), L.tensor(0.25, dtype=L.float16)
        ),
        lambda L: L.lerp(L.zeros(2, dtype=L.float64), L.ones(2, dtype=L.float64), L.tensor(True)),
        lambda L: L.lerp(L.ones(2), L.ones(2), L.tensor(0.5, dtype=L.float64)),
        lambda L: L.ones(2).lerp_(L.ones(2, dtype=L.float64), 0.5),
        lambda L: L.ones(2, dtype=L.int32).lerp_(L.ones(2, dtype=L.int32), L.tensor(0.5)),
        # A 0-d integer weight of a bool lerp promotes: lerp_ cannot write the result back, a
        # RuntimeError before the missing kernel's NotImplementedError, which lerp raises for
        # the promoted dtype (dtype fuzzer, seeds 2439518, 3185808).
        lambda L: L.ones(3, dtype=L.bool).lerp_(
            L.ones(3, dtype=L.bool), L.tensor(2, dtype=L.uint8)
        ),
        lambda L: L.ones(3, dtype=L.bool).lerp_(L.tensor(True), L.tensor(-7, dtype=L.int16)),
        lambda L: L.lerp(L.ones(3, dtype=L.bool), L.ones(3, dtype=L.bool), L.tensor(2)),
        lambda L: L.lerp(L.ones(2), L.ones(2), 0.5j),
        # an n-d end takes part in the promotion too: float32, not the 0-d weight's float64
        lambda L: L.lerp(
            L.tensor(-0.0), L.tensor([[0.0, 7.0], [3.0, 1.5]]), L.tensor(1.0).double()
        ),
    ]
    for make in cases:
        theirs, mine = both(make)
        assert mine == theirs


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("weight", [0.37, "float32", "float64"])
def test_lerp_of_reduced_floats_rounds_a_0d_weight_as_torch(dtype: str, weight: Any) -> None:
    # A 0-d float32 weight of a float16 lerp is a float16 number in PyTorch's kernel (0.3701);
    # arraygrad weighed with float32's 0.37 (0.8179 for torch's 0.8184 below). A Python
    # float stays float32 (opmath) in both.
    found = []
    for L in (torch, ag):
        start = L.tensor([0.3, -2.5, 7.0], dtype=getattr(L, dtype))
        end = L.tensor([1.7, 3.0, -1.0], dtype=getattr(L, dtype))
        w = weight if isinstance(weight, float) else L.tensor(0.37, dtype=getattr(L, weight))
        found.append((L.lerp(start, end, w).float().tolist(), start.lerp_(end, w).float().tolist()))
    assert found[1] == found[0]


def _complex(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


@pytest.mark.parametrize(
    "weight",
    [0.3, 0.7, -2.0, 0.2 + 0.1j, 0.4 - 0.6j, "0-d real", "0-d complex", "complex"],
)
def test_complex_lerp_matches_torch(weight: Any) -> None:
    # arraygrad refused complex input (NotImplementedError), and a 0-d real weight tensor
    # converted the complex start and end to its real dtype, dropping their imaginary parts.
    rng = np.random.default_rng(11)
    start, end = _complex(rng, 2, 3), _complex(rng, 2, 3)
    inputs = [start, end]
    if weight == "0-d real":
        # (a constant: torch 2.13's backward fails an internal assertion on the complex
        # gradient of a real weight that requires grad; arraygrad gives its real part)
        w = rng.uniform(-1, 2)
        check_against_torch(lambda a, b: lib(a).lerp(a, b, lib(a).tensor(w)), None, inputs)
    elif isinstance(weight, str):
        shape = () if weight.startswith("0-d") else (2, 3)
        inputs.append(rng.uniform(-1, 2, shape) + 1j * rng.uniform(-1, 1, shape))
        check_against_torch(lambda a, b, w: lib(a).lerp(a, b, w), None, inputs)
    else:
        check_against_torch(lambda a, b: lib(a).lerp(a, b, weight), None, inputs)


def test_complex_lerp_in_place_and_of_integers_match_torch() -> None:
    def both(make: Any) -> list[tuple[str, Any]]:
        return [(str(out.dtype).split(".")[-1], out.tolist()) for out in (make(torch), make(ag))]

    z = np.array([1 + 2j, 3 - 1j], dtype=np.complex64)
    cases = [
        lambda L: L.tensor(z).lerp_(L.tensor(z * 2), L.tensor(0.3)),
        lambda L: L.tensor(z).lerp_(L.tensor(z * 2), 0.8 - 0.1j),
        lambda L: L.tensor(z).lerp(L.tensor(z * 2), L.tensor(0.3, dtype=L.float64)),
        lambda L: L.lerp(L.tensor([1, 2]), L.tensor([3, 4]), L.tensor(0.3j)),
    ]
    for make in cases:
        theirs, mine = both(make)
        assert mine == theirs


@pytest.mark.parametrize("value", [3, 128, 255])
def test_lerp_takes_a_0d_unsigned_weight_as_a_number(value: int) -> None:
    # ``end - (1 - weight) * (end - start)`` computed 1 - weight in the weight's dtype: a uint8
    # 3 gave 254 (dtype fuzzer, seeds 1116385 and 1904233).
    found = []
    for L in (torch, ag):
        start = L.tensor([7.0, 3.0, -1.0], dtype=L.float64)
        end = L.tensor([0.5, 1.0, -0.0], dtype=L.float64)
        weight = L.tensor(value, dtype=L.uint8)
        found.append((L.lerp(start, end, weight).tolist(), start.lerp_(end, weight).tolist()))
    assert found[1] == found[0]


def test_python_ints_beyond_64_bits_raise_overflow_error() -> None:
    # PyTorch takes a Python int operand as an int64 or uint64 Scalar: [-2**63, 2**64) and no
    # more. arraygrad converted any int with a float tensor (2**64 * ones gave 1.8e19).
    for value in (2**64, -(2**63) - 1, 10**30):
        for make in (
            lambda L, v=value: L.ones(2) * v,
            lambda L, v=value: v + L.ones(2),
            lambda L, v=value: L.ones(2, dtype=L.int64) - v,
            lambda L, v=value: L.ones(2, dtype=L.float16) * v,
        ):
            with pytest.raises(OverflowError):
                make(torch)
            with pytest.raises(OverflowError, match=r"64 bits.*Fix:"):
                make(ag)
    for value in (2**63, -(2**63), 2**64 - 1):
        assert (ag.ones(2, dtype=ag.float64) * value).tolist() == (
            torch.ones(2, dtype=torch.float64) * value
        ).tolist()


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.float_power(m.tensor([1 + 1j, 2.0]), 2.0),
        lambda m: m.float_power(m.tensor([2.0, 0.5]), m.tensor([1j, 0.5 + 1j])),
        lambda m: m.float_power(m.tensor([2, 3]), 1j),
        lambda m: m.float_power(m.tensor([2.0], dtype=m.complex128), 2.0),
    ],
)
def test_float_power_of_complex_operands_is_complex128_as_torch(call: Any) -> None:
    # The complex operand made the whole power complex128 in torch; it had been cast to
    # float64, dropping its imaginary part (or raising for a complex number).
    ours, theirs = call(ag), call(torch)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1] == "complex128"
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-14)


def test_float_power_gradient_through_a_complex_exponent_matches_torch() -> None:
    def run(m: Any) -> np.ndarray:
        x = m.tensor([1.5, 2.0], requires_grad=True)
        m.float_power(x, m.tensor([0.5 + 1j, 1j])).real.sum().backward()  # x^a cos(b ln x)
        return x.grad.numpy()

    ours, theirs = run(ag), run(torch)
    assert ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda m: m.tensor([2.0], dtype=m.float64).float_power_(1j), RuntimeError),
        (lambda m: m.tensor([2.0], dtype=m.complex64).float_power_(2.0), RuntimeError),
        (lambda m: m.heaviside(m.tensor([1 + 1j]), m.tensor([1 + 1j])), RuntimeError),
        (lambda m: m.heaviside(m.tensor([1.0]), m.tensor([1j])), RuntimeError),
    ],
)
def test_complex_misuse_raises_as_torch(call: Any, error: type) -> None:
    with pytest.raises(error) as expected:
        call(torch)
    with pytest.raises(error, match="Fix") as actual:
        call(ag)
    assert str(expected.value).rstrip(".") in str(actual.value)


@pytest.mark.parametrize("case", ["random", "far apart", "equal", "mixed real", "complex64"])
def test_complex_logaddexp_matches_torch(case: str) -> None:
    # torch 2.13 computes logaddexp of complex tensors (hi + log1p(exp(lo - hi)), lo the operand
    # of the smaller real part) with the gradient 1 / (1 + exp(other - self)), conjugated;
    # arraygrad raised NotImplementedError.
    rng = np.random.default_rng(5)
    a, b = 3 * _complex(rng, 2, 3), 3 * _complex(rng, 2, 3)
    if case == "far apart":  # (exp(b - a) within range: beyond it, see the test below)
        a.real[0] += 600.0
        b.real[1] -= 650.0
    elif case == "equal":
        b = a.copy()
        b.imag[0] = -b.imag[0]
    elif case == "mixed real":
        b = b.real.copy()
    elif case == "complex64":
        a, b = a.astype(np.complex64), b.astype(np.complex64)
    # (torch's backward fails an internal assertion for the real operand of a complex result)
    check_against_torch(
        lambda x, y: lib(x).logaddexp(x, y),
        None,
        [a, b],
        rtol=1e-6 if case == "complex64" else None,
        grad=case != "mixed real",
    )
    mine, theirs = (L.logaddexp(L.tensor(a), L.tensor(b)) for L in (ag, torch))
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]


def test_complex_logaddexp_of_infinities_and_nan_matches_torch() -> None:
    inf, nan = float("inf"), float("nan")
    a = [complex(inf, 0), complex(-inf, 0), complex(inf, 1), complex(nan, 0), complex(1, nan)]
    b = [complex(inf, 0), complex(-inf, 2), complex(-inf, 2), complex(1, 1), complex(2, 0)]
    a += [complex(1000, 1), complex(-inf, 3)]
    b += [complex(-inf, 0), complex(2, -1)]
    mine, theirs = (L.logaddexp(L.tensor(a), L.tensor(b)) for L in (ag, torch))
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


# Regression (leftovers13): the gradient is PyTorch's formula g / conj(1 + exp(other - self))
# as written, nan where exp overflows in both parts (exp(799 - 1j) = inf - inf j, and a quotient
# by it is nan), and 1 where it underflows; arraygrad differentiated its composition, whose
# gradient there is the limit 0.
def test_complex_logaddexp_gradient_where_exp_overflows_as_torch() -> None:
    inf = float("inf")
    a = [complex(800, 1), complex(1, 2), complex(1000, 0.5), complex(1000, 1), complex(-inf, 3)]
    b = [complex(1, 2), complex(800, 1), complex(1, 0), complex(-inf, 0), complex(2, -1)]
    grads = []
    for L in (ag, torch):
        x, y = L.tensor(a, requires_grad=True), L.tensor(b, requires_grad=True)
        L.logaddexp(x, y).real.sum().backward()
        grads.append([x.grad.numpy(), y.grad.numpy()])
    mine, theirs = grads
    assert np.isnan(theirs[1][0])
    for m, t in zip(mine, theirs, strict=True):
        np.testing.assert_array_equal(m, t)


def _complex_tensor(lib: Any) -> Any:
    return lib.tensor([[0.5 + 1j, -2.0, 3j], [1.5 - 0.5j, 0j, 4 + 4j]], dtype=lib.complex64)


@pytest.mark.parametrize(
    "call, dtype",
    [
        # a complex input keeps its imaginary part, in the promoted complex dtype
        (lambda lib, x: lib.ldexp(_complex_tensor(lib), x), "float64"),
        (lambda lib, x: lib.ldexp(_complex_tensor(lib), x), "int32"),
        (lambda lib, x: lib.ldexp(_complex_tensor(lib), x[0, 0]), "float64"),
        # no gcd or lcm of complex numbers
        (lambda lib, x: lib.gcd(x, lib.ones(3, dtype=lib.int64)), "complex64"),
        (lambda lib, x: lib.lcm(lib.ones(3, dtype=lib.int64), x), "complex64"),
    ],
)
def test_ldexp_gcd_and_lcm_of_complex_tensors_as_torch(call: Any, dtype: str) -> None:
    assert_call_as_torch(call, dtype)


# Regression (leftovers13): operands of a dtype torch has no kernel for AND shapes that do not
# broadcast: torch's TensorIterator refuses the shapes first (RuntimeError), arraygrad refused
# the dtype (NotImplementedError).
@pytest.mark.parametrize(
    "call",
    [
        "lib.hypot(lib.ones(2, 3, dtype=lib.int64), lib.ones(4, dtype=lib.int64))",
        "lib.logaddexp(lib.ones(2, 3, dtype=lib.int64), lib.ones(4, dtype=lib.int64))",
        "lib.nextafter(lib.ones(2, 3, dtype=lib.int64), lib.ones(4, dtype=lib.int64))",
        "lib.gcd(lib.ones(2, 3), lib.ones(4))",
        "lib.ones(2, 3).lcm_(lib.ones(4))",
        "lib.lcm(lib.ones(2, 3), lib.ones(4), out=lib.empty(0))",
        "lib.remainder(lib.ones(2, 3, dtype=lib.bool), lib.ones(4, dtype=lib.bool))",
        "lib.floor_divide(lib.ones(2, 3, dtype=lib.bool), lib.ones(4, dtype=lib.bool))",
        "lib.fmod(lib.ones(2, 3, dtype=lib.complex64), lib.ones(4, dtype=lib.complex64))",
        "lib.pow(lib.ones(2, 3, dtype=lib.bool), lib.ones(4, dtype=lib.bool))",
    ],
)
def test_shapes_are_refused_before_the_dtype_as_torch(call: str) -> None:
    expected, actual = outcome_in_each(
        lambda lib: eval(call), errors=(RuntimeError, NotImplementedError)
    )
    assert actual == expected == "RuntimeError"
