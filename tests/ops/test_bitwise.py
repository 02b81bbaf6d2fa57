"""Bitwise operations (functions, methods, operators, in-place forms) against torch 2.13.0 on
bool and integer tensors: promotion, out-of-range shift counts, empty and 0-d tensors, and
torch's errors for floating-point and bool operands."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import assert_refused_as_torch

INT_DTYPES = ["uint8", "int8", "int16", "int32", "int64"]


def _pair(values: Any, dtype: str) -> tuple[Any, Any]:
    return ag.tensor(values, dtype=getattr(ag, dtype)), torch.tensor(
        values, dtype=getattr(torch, dtype)
    )


def _same(mine: Any, theirs: Any) -> None:
    assert str(mine.dtype).removeprefix("arraygrad.") == str(theirs.dtype).removeprefix("torch.")
    assert tuple(mine.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


BINARY = [
    lambda m, a, b: m.bitwise_and(a, b),
    lambda m, a, b: m.bitwise_or(a, b),
    lambda m, a, b: m.bitwise_xor(a, b),
    lambda m, a, b: a.bitwise_and(b),
    lambda m, a, b: a.bitwise_or(b),
    lambda m, a, b: a.bitwise_xor(b),
    lambda m, a, b: a & b,
    lambda m, a, b: a | b,
    lambda m, a, b: a ^ b,
    lambda m, a, b: a.bitwise_and(5),
    lambda m, a, b: 6 | a,
    lambda m, a, b: a ^ 3,
]


@pytest.mark.parametrize("dtype", [*INT_DTYPES, "bool"])
@pytest.mark.parametrize("fn", BINARY)
def test_and_or_xor_match_torch(dtype: str, fn: Any) -> None:
    if dtype == "bool":
        a_vals, b_vals = [True, False, True, False], [True, True, False, False]
    else:
        a_vals, b_vals = [0, 1, 5, 12, 127], [3, 3, 6, 10, 1]
        if dtype != "uint8":
            a_vals, b_vals = a_vals + [-1, -8], b_vals + [7, -3]
    (a, ta), (b, tb) = _pair(a_vals, dtype), _pair(b_vals, dtype)
    _same(fn(ag, a, b), fn(torch, ta, tb))


@pytest.mark.parametrize("dtype", [*INT_DTYPES, "bool"])
def test_not_matches_torch(dtype: str) -> None:
    values = [True, False] if dtype == "bool" else [0, 1, 7, 100]
    a, ta = _pair(values, dtype)
    for fn in (lambda m, x: m.bitwise_not(x), lambda m, x: x.bitwise_not(), lambda m, x: ~x):
        _same(fn(ag, a), fn(torch, ta))


SHIFTS = [
    lambda m, a, b: m.bitwise_left_shift(a, b),
    lambda m, a, b: m.bitwise_right_shift(a, b),
    lambda m, a, b: a.bitwise_left_shift(b),
    lambda m, a, b: a.bitwise_right_shift(b),
    lambda m, a, b: a << b,
    lambda m, a, b: a >> b,
    lambda m, a, b: a << 3,
    lambda m, a, b: a >> 2,
    lambda m, a, b: 3 << b,
    lambda m, a, b: (200 if a.dtype == m.uint8 else -100) >> b,  # fits the dtype
    lambda m, a, b: a << -1,
    lambda m, a, b: a >> 70,
]


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("fn", SHIFTS)
def test_shifts_match_torch_including_out_of_range_counts(dtype: str, fn: Any) -> None:
    bits = {"uint8": 8, "int8": 8, "int16": 16, "int32": 32, "int64": 64}[dtype]
    a_vals = [1, 3, 100, 7, 5, 1, 9]
    b_vals = [0, 1, 2, bits - 1, bits, bits + 3, 5]
    if dtype != "uint8":
        a_vals, b_vals = a_vals + [-1, -100, -7], b_vals + [1, bits, -2]
    (a, ta), (b, tb) = _pair(a_vals, dtype), _pair(b_vals, dtype)
    _same(fn(ag, a, b), fn(torch, ta, tb))


def test_shift_promotes_like_torch() -> None:
    for left, right in [("int8", "int64"), ("uint8", "int8"), ("int32", "int16")]:
        (a, ta), (b, tb) = _pair([1, 2, 3], left), _pair([1, 2, 0], right)
        _same(ag.bitwise_left_shift(a, b), torch.bitwise_left_shift(ta, tb))
        _same(b >> a, tb >> ta)


def test_bool_tensor_with_an_int_count_promotes_like_torch() -> None:
    a, ta = _pair([True, False], "bool")
    _same(a >> 1, ta >> 1)
    _same(a << 3, ta << 3)
    _same(2 << a, 2 << ta)


def test_empty_and_zero_dim_match_torch() -> None:
    cases = [([], []), (5, 2), (5, [1, 2])]
    for a_vals, b_vals in cases:
        (a, ta), (b, tb) = _pair(a_vals, "int64"), _pair(b_vals, "int64")
        for fn in (*BINARY[:3], *SHIFTS[:2]):
            _same(fn(ag, a, b), fn(torch, ta, tb))


@pytest.mark.parametrize(
    "method, other",
    [
        ("bitwise_and_", 6),
        ("bitwise_or_", 6),
        ("bitwise_xor_", 6),
        ("bitwise_left_shift_", 2),
        ("bitwise_right_shift_", 1),
        ("__iand__", 3),
        ("__ior__", 3),
        ("__ixor__", 3),
        ("__ilshift__", 3),
        ("__irshift__", 3),
    ],
)
def test_in_place_forms_match_torch_and_bump_the_version(method: str, other: int) -> None:
    a, ta = _pair([1, 5, 12, -3], "int32")
    out, tout = getattr(a, method)(other), getattr(ta, method)(other)
    assert out is a and tout is ta
    _same(a, ta)
    assert a._version == ta._version == 1
    # a tensor operand of a wider dtype: the result is cast back only where torch allows it
    b, tb = _pair([1, 2, 3, 4], "int64")
    getattr(a, method)(b), getattr(ta, method)(tb)
    _same(a, ta)


def test_bitwise_not_in_place_and_bool_in_place_match_torch() -> None:
    a, ta = _pair([True, False], "bool")
    a.bitwise_not_(), ta.bitwise_not_()
    _same(a, ta)
    a &= ag.tensor([True, True])
    ta &= torch.tensor([True, True])
    _same(a, ta)


def test_in_place_into_bool_with_an_integer_operand_raises_like_torch() -> None:
    a, ta = _pair([True, False], "bool")
    with pytest.raises(RuntimeError) as theirs:
        ta.bitwise_and_(torch.tensor([3, 1]))
    with pytest.raises(type(theirs.value), match="can't be cast"):
        a.bitwise_and_(ag.tensor([3, 1]))


MISUSE = [
    lambda m: m.tensor([1.0]).bitwise_and(m.tensor([1.0])),
    lambda m: m.tensor([1, 2]).bitwise_or(m.tensor([1.5, 2.0])),
    lambda m: m.tensor([1.0]).bitwise_xor(1),
    lambda m: m.tensor([1.0]).bitwise_not(),
    lambda m: m.bitwise_left_shift(m.tensor([1.0]), 1),
    lambda m: m.bitwise_right_shift(m.tensor([1, 2]), 1.5),
    lambda m: m.tensor([1, 2]) << 1.0,
    lambda m: m.bitwise_left_shift(m.tensor([True]), m.tensor([True])),
    lambda m: m.tensor([1.0]).bitwise_and_(m.tensor([1.0])),
]


@pytest.mark.parametrize("fn", MISUSE)
def test_float_and_bool_shift_operands_raise_like_torch(fn: Any) -> None:
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value), match="not implemented for") as mine:
        fn(ag)
    assert "Fix:" in str(mine.value)


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m.tensor([1.0]) & m.tensor([1.0]),
        lambda m: m.tensor([1.0]) | 1,
        lambda m: 1 ^ m.tensor([1.0]),
        lambda m: m.bitwise_and(m.tensor([1.0]), m.tensor([1.0])),
        lambda m: m.bitwise_not(m.tensor([1.0])),
    ],
)
def test_float_operands_of_and_or_xor_not_raise_like_torch(fn: Any) -> None:
    with pytest.raises(NotImplementedError):
        fn(torch)
    with pytest.raises(NotImplementedError, match="not implemented for 'Float'"):
        fn(ag)


def test_invert_operator_on_floats_raises_type_error_like_torch() -> None:
    with pytest.raises(TypeError):
        ~torch.tensor([1.0])
    with pytest.raises(TypeError, match="only implemented on integer and Boolean"):
        ~ag.tensor([1.0])


@pytest.mark.parametrize("count", [-(2**40), 2**40 + 1, -(2**32) + 2])
@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "int32", "int64"])
def test_python_shift_counts_wrap_to_the_tensor_dtype_like_torch(count: int, dtype: str) -> None:
    # torch converts the count to the tensor's dtype first: int8 << -2**40 shifts by 0.
    def run(lib: Any) -> Any:
        x = lib.tensor([1, 3, 100], dtype=getattr(lib, dtype))
        return x << count, x >> count

    for expected, actual in zip(run(torch), run(ag), strict=True):
        np.testing.assert_array_equal(actual.numpy(), expected.numpy())


@pytest.mark.parametrize(
    "call",
    [
        "lib.tensor([1, 2], dtype=lib.int8).bitwise_and_(lib.tensor(0.5))",
        "lib.tensor([True]).bitwise_or_(0.5)",
        "lib.tensor([3]).__iand__(lib.tensor([1.5]))",
        "lib.tensor([3]).__ilshift__(2.0)",
    ],
)
def test_in_place_bitwise_op_with_a_float_operand_raises_torchs_cast_error(call: str) -> None:
    # It raised the kernel's NotImplementedError: torch checks the cast into the tensor first.
    def run(lib: Any) -> str:
        try:
            eval(call)
        except (RuntimeError, NotImplementedError) as error:
            return type(error).__name__
        return "no error"

    assert run(ag) == run(torch) == "RuntimeError"


# Regression: bitwise_not of a complex tensor raised NumPy's TypeError, where torch raises
# NotImplementedError naming its kernel.
@pytest.mark.parametrize(
    "call",
    [
        lambda lib, x: lib.bitwise_not(x),
        lambda lib, x: ~x,
        lambda lib, x: lib.bitwise_and(x, x),
        lambda lib, x: lib.bitwise_xor(x, 1),
    ],
)
@pytest.mark.parametrize("dtype", ["complex64", "float16", "int8", "bool"])
def test_bitwise_ops_take_the_dtypes_torch_takes(call: Any, dtype: str) -> None:
    assert_refused_as_torch(call, dtype)


# Regression (leftovers13): float operands whose shapes do not broadcast: torch refuses the
# shapes first (RuntimeError), arraygrad refused the dtype (NotImplementedError).
@pytest.mark.parametrize("op", ["bitwise_and", "bitwise_or", "bitwise_left_shift"])
def test_shapes_are_refused_before_the_dtype_as_torch(op: str) -> None:
    for lib in (torch, ag):
        with pytest.raises(RuntimeError, match="must match the size"):
            getattr(lib, op)(lib.ones(2, 3), lib.ones(4))
