"""Tests for ``_dtype``: numbers written into tensors of a dtype, checked as PyTorch checks them."""

from __future__ import annotations

import math
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad import _dtype


@pytest.mark.parametrize(
    ("value", "dtype", "expected"),
    [
        (127, _dtype.int8, 127),
        (-128, _dtype.int8, -128),
        (2.5, _dtype.int8, 2.5),  # truncated when written, as by NumPy and PyTorch
        (-1, _dtype.uint8, 255),  # negative ints wrap into unsigned dtypes
        (-255, _dtype.uint8, 1),
        (300, _dtype.bool_, 300),
        (65504.0, _dtype.float16, 65504.0),
        (float("inf"), _dtype.float16, float("inf")),
        (2**63 - 1, _dtype.int64, 2**63 - 1),
        (1e308, _dtype.float64, 1e308),
    ],
)
def test_checked_scalar_keeps_what_fits(value: Any, dtype: Any, expected: Any) -> None:
    assert _dtype.checked_scalar(value, dtype) == expected


@pytest.mark.parametrize(
    ("value", "dtype"),
    [
        (128, _dtype.int8),
        (-129, _dtype.int8),
        (127.5, _dtype.int8),  # compared before truncation, as in PyTorch
        (float("nan"), _dtype.int8),
        (float("inf"), _dtype.int32),
        (-256, _dtype.uint8),
        (-1.0, _dtype.uint8),  # only ints wrap
        (2**63, _dtype.int64),
        (1e6, _dtype.float16),
        (-3.5e38, _dtype.float32),
    ],
)
def test_checked_scalar_refuses_what_overflows(value: Any, dtype: Any) -> None:
    expected = rf"without overflow: .* outside the range of {dtype.name}"
    with pytest.raises(RuntimeError, match=expected):
        _dtype.checked_scalar(value, dtype)


def _int8(lib: Any) -> Any:
    return lib.tensor([0, 1, 2], dtype=lib.int8)


def _setitem(x: Any, key: Any, value: Any) -> Any:
    x[key] = value
    return x


# Each case makes its own tensor from the library it is given (arraygrad or torch).
CASES: dict[str, Callable[[Any], Any]] = {
    "fill_": lambda lib: _int8(lib).fill_(300),
    "fill_ negative into uint8": lambda lib: lib.zeros(2, dtype=lib.uint8).fill_(-1),
    "fill_ float16": lambda lib: lib.zeros(2, dtype=lib.float16).fill_(1e6),
    "fill_ float16 inf": lambda lib: lib.zeros(2, dtype=lib.float16).fill_(float("inf")),
    "fill_ int64": lambda lib: lib.zeros(2, dtype=lib.int64).fill_(2**63),
    "fill_ float into int": lambda lib: _int8(lib).fill_(127.5),
    "fill_ bool": lambda lib: lib.zeros(2, dtype=lib.bool).fill_(2),
    "fill_ 0-d tensor wraps": lambda lib: _int8(lib).fill_(lib.tensor(300)),
    "full": lambda lib: lib.full((2,), 300, dtype=lib.int8),
    "full_like": lambda lib: lib.full_like(_int8(lib), -129),
    "new_full": lambda lib: _int8(lib).new_full((2,), 300),
    "tensor": lambda lib: lib.tensor([1, 300], dtype=lib.int8),
    "setitem": lambda lib: _setitem(_int8(lib), 0, 300),
    "setitem mask": lambda lib: _setitem(_int8(lib), _int8(lib) > 0, 200),
    "setitem fits": lambda lib: _setitem(_int8(lib), 0, -128),
    "masked_fill": lambda lib: _int8(lib).masked_fill(_int8(lib) > 0, 300),
    "masked_fill float16": lambda lib: lib.zeros(2, dtype=lib.float16).masked_fill(
        lib.tensor([True, False]), -1e9
    ),
    "index_fill": lambda lib: _int8(lib).index_fill(0, lib.tensor([1]), 300),
    "clamp max": lambda lib: lib.clamp(lib.zeros(2, dtype=lib.uint8), max=256),
    "clamp wraps a negative min": lambda lib: lib.clamp(lib.zeros(2, dtype=lib.uint8), -1, 5),
    "clamp_": lambda lib: _int8(lib).clamp_(0, 300),
    "clamp promotes": lambda lib: lib.clamp(_int8(lib), 0.5, 300),
    "clamp float16": lambda lib: lib.clamp(lib.zeros(2, dtype=lib.float16), 0, 1e6),
    "where": lambda lib: lib.where(_int8(lib) > 0, _int8(lib), 1000),
    "where first": lambda lib: lib.where(_int8(lib) > 0, -1000, _int8(lib)),
    "where fits": lambda lib: lib.where(_int8(lib) > 0, 5, _int8(lib)),
    "where float16": lambda lib: lib.where(lib.zeros(2, dtype=lib.float16) > 0, 0.0, 1e6),
    "pow": lambda lib: _int8(lib) ** 200,
    "pow_": lambda lib: _int8(lib).pow_(300),
    "pow fits": lambda lib: _int8(lib) ** 3,
    "pow float16": lambda lib: lib.ones(2, dtype=lib.float16) ** 100000,
    "pow_ float16": lambda lib: lib.ones(2, dtype=lib.float16).pow_(-7e4),
    "pow float16 fits": lambda lib: lib.ones(2, dtype=lib.float16) ** 6e4,
    "pow float16 inf": lambda lib: lib.ones(2, dtype=lib.float16) ** float("inf"),
    "pow float32 takes any float": lambda lib: lib.ones(2) ** 1e39,
    "pow float16 NumPy exponent": lambda lib: lib.ones(2, dtype=lib.float16) ** np.float64(7e4),
    "pow float16 NumPy int exponent": lambda lib: lib.ones(2, dtype=lib.float16) ** np.int64(7e4),
    "add wraps": lambda lib: _int8(lib) + 300,
    # PyTorch checks a double against int64's range in double (its maximum rounds up to 2**63),
    # so 2.0**63 passes, and becomes int64's minimum; 2**63 as an int is refused
    "fill_ int64 2.0**63": lambda lib: lib.zeros(2, dtype=lib.int64).fill_(2.0**63),
    "full int64 2.0**63": lambda lib: lib.full((2,), 2.0**63, dtype=lib.int64),
    "full int64 2**63": lambda lib: lib.full((2,), 2**63, dtype=lib.int64),
    "masked_fill int64 2.0**63": lambda lib: lib.zeros(2, dtype=lib.int64).masked_fill(
        lib.tensor([True, False]), 2.0**63
    ),
    "full int32 2.0**31": lambda lib: lib.full((2,), 2.0**31, dtype=lib.int32),
    # bool takes an int up to 2**64 - 1 (PyTorch's uint64 numbers) as its truth value
    "full bool 2**63": lambda lib: lib.full((2,), 2**63, dtype=lib.bool),
    "full_like bool 2**64-1": lambda lib: lib.full_like(lib.zeros(2), 2**64 - 1, dtype=lib.bool),
    "new_full bool 2**63": lambda lib: lib.zeros(2).new_full((1,), 2**63, dtype=lib.bool),
}


@pytest.mark.parametrize("case", list(CASES))
def test_numbers_written_into_a_dtype_overflow_as_in_torch(case: str) -> None:
    make = CASES[case]
    try:
        theirs = make(torch)
    except RuntimeError:
        with pytest.raises(RuntimeError, match=r"without overflow.* Fix: "):
            make(ag)
        return
    mine = make(ag)
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_a_refused_write_leaves_the_tensor_usable() -> None:
    x = ag.tensor([0, 1, 2], dtype=ag.int8)
    for write in (lambda: x.fill_(300), lambda: _setitem(x, 0, 300), lambda: x.clamp_(0, 300)):
        with pytest.raises(RuntimeError):
            write()
        assert x.tolist() == [0, 1, 2]
        assert x._version == 0
    x.fill_(7)
    assert x.tolist() == [7, 7, 7]


NUMPY_SCALARS: dict[str, Callable[[Any], Any]] = {
    "fill_int64_into_int8": lambda lib: _int8(lib).fill_(np.int64(300)),
    "fill_float32_into_float16": lambda lib: lib.zeros(2, dtype=lib.float16).fill_(np.float32(1e5)),
    "full_negative_int8_into_uint8": lambda lib: lib.full((2,), np.int8(-1), dtype=lib.uint8),
    "setitem_float16_rounds_to_inf": lambda lib: _setitem(lib.zeros(2, dtype=lib.float16), 0, 7e4),
}


@pytest.mark.parametrize("case", sorted(NUMPY_SCALARS))
def test_numpy_scalars_and_float16_writes_match_torch(case: str) -> None:
    outcomes = []
    for lib in (torch, ag):
        try:
            outcomes.append(NUMPY_SCALARS[case](lib).tolist())
        except RuntimeError:
            outcomes.append("RuntimeError")
    assert outcomes[1] == outcomes[0]


def _half() -> Any:
    return [0.0, -0.0, 1.0, float("inf"), float("-inf"), 7.0]


HALF_WITH_HUGE_NUMBERS: dict[str, Callable[[Any], Any]] = {
    # torch carries a number beyond float16's range in float32: 0 * 2**31 is 0 and inf / 1e10
    # is inf, where the number rounded to float16 (inf) gives nan.
    "mul": lambda m: m.tensor(_half(), dtype=m.float16) * 2**31,
    "rmul": lambda m: 1e10 * m.tensor(_half(), dtype=m.float16),
    "truediv": lambda m: m.tensor(_half(), dtype=m.float16) / 1e10,
    "div_trunc": lambda m: m.div(m.tensor(_half(), dtype=m.float16), 2**31, rounding_mode="trunc"),
    "imul": lambda m: _apply(m.tensor(_half(), dtype=m.float16), lambda t: t.mul_(-(2**40))),
    "itruediv": lambda m: _apply(m.tensor(_half(), dtype=m.float16), lambda t: t.div_(1e10)),
    "mul_0d_float64": lambda m: (
        m.tensor(_half(), dtype=m.float16) * m.tensor(1e10, dtype=m.float64)
    ),
    "div_0d_int64": lambda m: m.tensor(_half(), dtype=m.float16) / m.tensor(2**40),
    "rtruediv": lambda m: 2**31 / m.tensor(_half(), dtype=m.float16),
    # but a function's first argument is taken as a tensor of the other's dtype: rounded to
    # float16 first (inf), so 2**31 times -0 is nan (the dtype fuzzer's seeds 88210, 216977)
    "mul_number_first": lambda m: m.mul(2**31, m.tensor(_half(), dtype=m.float16)),
    "true_divide_number_first": lambda m: m.true_divide(1e10, m.tensor(_half(), dtype=m.float16)),
    "div_trunc_number_first": lambda m: m.div(
        -(2**40), m.tensor(_half(), dtype=m.float16), rounding_mode="trunc"
    ),
    # fill_ of a one-element float16 tensor rounds without torch's overflow check.
    "fill_one_element": lambda m: m.tensor(0.0, dtype=m.float16).fill_(2**63 - 1),
    "fill_one_element_rounds_down": lambda m: m.zeros(1, dtype=m.float16).fill_(65519.0),
}


def _apply(t: Any, f: Callable[[Any], Any]) -> Any:
    f(t)
    return t


@pytest.mark.parametrize("case", sorted(HALF_WITH_HUGE_NUMBERS))
def test_float16_with_numbers_beyond_its_range_matches_torch(case: str) -> None:
    mine, theirs = HALF_WITH_HUGE_NUMBERS[case](ag), HALF_WITH_HUGE_NUMBERS[case](torch)
    assert mine.dtype == ag.float16
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_ints_beyond_64_bits_overflow_as_in_torch() -> None:
    for lib in (torch, ag):
        with pytest.raises(OverflowError):
            lib.zeros(2, dtype=lib.int64).fill_(2**70)
        for value in (2**64, -(2**63) - 1):  # beyond uint64 and int64: for bool too
            with pytest.raises(OverflowError):
                lib.full((2,), value, dtype=lib.bool)
        for dtype in (lib.float16, lib.float32):
            with pytest.raises(OverflowError):
                lib.ones(2, dtype=dtype) ** 10**20


def test_dtype_objects_met_are_not_kept_alive_forever(monkeypatch: pytest.MonkeyPatch) -> None:
    # NumPy gives each unpickled array a new dtype object (a loop fed by DataLoader workers
    # meets one per batch): from_xp's identity record of the objects it met, and the id tables
    # of the fast paths, must stay bounded, and the answers right once they have started over.
    limit = 16
    monkeypatch.setattr(_dtype, "_SEEN_LIMIT", limit, raising=False)
    # Start from an empty record, as _remember's own start-over does: earlier tests in this
    # process may have noted more than ``limit`` objects (a backend switched, array_api_strict),
    # and the loop below, whose objects are found by equality, need not note any.
    with _dtype._noting:
        _dtype.start_over()
    real = np.array([[1.5, -2.0], [0.25, 3.0]], dtype=np.float32)
    cplx = (real + 1j * real[::-1]).astype(np.complex64)
    for _ in range(5 * limit):
        x = ag.from_numpy(pickle.loads(pickle.dumps(real)))
        z = ag.from_numpy(pickle.loads(pickle.dumps(cplx)))
        assert x._data.dtype is not real.dtype  # (a new object each time)
        np.testing.assert_array_equal((x * 0.5 + x).numpy(), real * np.float32(0.5) + real)
        np.testing.assert_array_equal((z * z).numpy(), cplx * cplx)
        assert ag.exp(z).dtype is ag.complex64 and ag.exp(x).dtype is ag.float32
    assert len(_dtype._seen) <= limit
    # Where objects are noted (a path that does not find them by equality), the record starts
    # over at the limit.
    for step in range(5 * limit):
        source, kind, table = (
            (real, ag.float32, _dtype.WIDE_FLOAT_IDS)
            if step % 2
            else (cplx, ag.complex64, _dtype.COMPLEX_IDS)
        )
        met = pickle.loads(pickle.dumps(source)).dtype
        _dtype._remember(met, kind)
        assert len(_dtype._seen) <= limit and id(met) in table
        assert len(_dtype.COMPLEX_IDS) <= limit and len(_dtype.WIDE_FLOAT_IDS) <= limit
    for table in (_dtype.WIDE_FLOAT_IDS, _dtype.FAST_PAIR_IDS, _dtype.COMPLEX_IDS):
        # Besides the objects met (in _seen), the tables hold the array libraries' own dtype
        # objects that _tables notes: a fixed few per library a test has used (NumPy's scalar
        # types, array_api_strict's dtypes), however many objects are met.
        libraries_own = set(table) - set(_dtype._seen)
        assert len(libraries_own) <= 3 * len(_dtype.BY_NAME)


def test_a_start_over_keeps_the_librarys_own_dtype_objects_noted() -> None:
    # Regression: the start-over emptied the id tables, and from_xp's hot path finds the
    # library's own dtype objects without noting them again, so every fast path missed from
    # then on (after 512 unpickled batches, say) and x ** -0.5 took NumPy's pow: +inf at -0.0,
    # where PyTorch's 1 / sqrt(x) gives -inf (a later test failed in the same process).
    with _dtype._noting:
        _dtype.start_over()
    x = ag.tensor([-0.0, 4.0, 0.0], dtype=ag.float64)
    assert id(x._data.dtype) in _dtype.WIDE_FLOAT_IDS
    assert (x**-0.5).tolist() == [-math.inf, 0.5, math.inf]


def test_the_product_powers_of_an_unnoted_dtype_object_are_torchs() -> None:
    # An unpickled array's dtype object is found by equality, never noted: pow must still take
    # PyTorch's 1 / sqrt(x), x * x * x and 1 / (x * x) (it took NumPy's pow).
    values = np.array([-0.0, 4.0, 0.0, 1e-300, 3.3], dtype=np.float64)
    x = ag.from_numpy(pickle.loads(pickle.dumps(values)))
    assert id(x._data.dtype) not in _dtype.WIDE_FLOAT_IDS
    for exponent in (-0.5, 3, -2):
        theirs = torch.tensor(values) ** exponent
        np.testing.assert_array_equal((x**exponent).numpy(), theirs.numpy())


# Writing a number a dtype cannot hold: torch names the dtype's C++ element type (uint8_t, int,
# c10::Half) in its message; tensor()'s data names the dtype itself (uint8), checked apart.
_OVERFLOWING_WRITES: dict[str, Callable[[Any, Any], Any]] = {
    "full": lambda lib, d: lib.full((2,), 1e300, dtype=d),
    "full_int": lambda lib, d: lib.full((2,), 2**40, dtype=d),
    "fill_": lambda lib, d: lib.zeros(2, dtype=d).fill_(1e300),
    "fill_complex": lambda lib, d: lib.zeros(2, dtype=d).fill_(1 + 1j),
    "setitem": lambda lib, d: lib.zeros(2, dtype=d).__setitem__(0, 2**40),
    "setitem_complex": lambda lib, d: lib.zeros(2, dtype=d).__setitem__(0, 1 + 1j),
    "masked_fill": lambda lib, d: lib.zeros(2, dtype=d).masked_fill(
        lib.tensor([True, False]), 1e300
    ),
    "scatter": lambda lib, d: lib.zeros(2, dtype=d).scatter(0, lib.tensor([0]), 1e300),
    "linspace": lambda lib, d: lib.linspace(0, 1e300, 3, dtype=d),
    "clamp": lambda lib, d: lib.zeros(2, dtype=d).clamp(min=1e300),
    "threshold": lambda lib, d: lib.nn.functional.threshold(lib.zeros(2, dtype=d), 0.5, 1e309),
    "index_add": lambda lib, d: lib.zeros(2, dtype=d).index_add_(
        0, lib.tensor([0]), lib.ones(1, dtype=d), alpha=2**40
    ),
    "add_alpha": lambda lib, d: lib.zeros(2, dtype=d).add(lib.ones(2, dtype=d), alpha=1e300),
    "addcmul": lambda lib, d: lib.zeros(2, dtype=d).addcmul(
        lib.ones(2, dtype=d), lib.ones(2, dtype=d), value=1e300
    ),
}
_WRITTEN_INTO = ["uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32"]


def _overflow(call: Callable[[], Any]) -> tuple[str, str] | None:
    """The class of the error ``call`` raises and the type its overflow message names."""
    try:
        call()
    except (RuntimeError, OverflowError, NotImplementedError) as error:
        named = str(error).partition("cannot be converted to type ")[2]
        return type(error).__name__, named.partition(" without overflow")[0]
    return None


@pytest.mark.parametrize("name", _WRITTEN_INTO)
@pytest.mark.parametrize("write", list(_OVERFLOWING_WRITES))
def test_overflow_messages_name_the_c_type_as_torch(write: str, name: str) -> None:
    # arraygrad said "value cannot be converted to type uint8" (int32, float16) where torch says
    # uint8_t (int, c10::Half); addcmul of integers raised OverflowError, not RuntimeError
    theirs = _overflow(lambda: _OVERFLOWING_WRITES[write](torch, getattr(torch, name)))
    mine = _overflow(lambda: _OVERFLOWING_WRITES[write](ag, getattr(ag, name)))
    assert mine == theirs


def test_tensor_data_overflow_names_the_dtype_as_torch() -> None:
    for lib in (torch, ag):
        with pytest.raises(RuntimeError, match="to type uint8 without overflow"):
            lib.tensor([300], dtype=lib.uint8)
