"""``arraygrad.testing`` against ``torch.testing``: the same calls, the same outcomes."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.testing

import arraygrad as ag
import arraygrad.testing

nan, inf = float("nan"), float("inf")


def _tensor_name(lib: Any) -> str:
    return "<class 'torch.Tensor'>" if lib is torch else "<class 'arraygrad._tensor.Tensor'>"


def _outcome(call: Callable[[], Any], lib: Any) -> tuple[str, str | None]:
    """``ok``, or the exception's class and message with torch's names made arraygrad's."""
    try:
        call()
    except Exception as error:  # the class is part of the outcome
        text = str(error)
        if lib is torch:
            text = text.replace(_tensor_name(torch), _tensor_name(ag))
        text = text.replace("torch.", "ag.").replace("arraygrad.", "ag.")
        return type(error).__name__, text
    return "ok", None


# name -> fn(lib) giving (actual, expected, keyword arguments of assert_close)
CASES: dict[str, Callable[[Any], tuple[Any, Any, dict[str, Any]]]] = {
    "float32_equal": lambda t: (t.tensor([1.0, 2.0]), t.tensor([1.0, 2.0]), {}),
    "float32_within_default": lambda t: (t.tensor([1.0, 2.0]), t.tensor([1.0, 2.000001]), {}),
    "float32_mismatch": lambda t: (t.tensor([1.0, 2.0, 3.0]), t.tensor([1.0, 2.5, 3.0]), {}),
    "float64_mismatch": lambda t: (
        t.tensor([1.0, 2.0], dtype=t.float64),
        t.tensor([1.0, 2.0000002], dtype=t.float64),
        {},
    ),
    "float16_mismatch": lambda t: (
        t.tensor([1.0, 2.0], dtype=t.float16),
        t.tensor([1.0, 2.01], dtype=t.float16),
        {},
    ),
    "matrix_two_mismatches": lambda t: (
        t.tensor([[1.0, 2.0], [3.0, 4.0]]),
        t.tensor([[1.0, 2.5], [3.0, 5.0]]),
        {},
    ),
    "relative_inf_at_zero": lambda t: (t.tensor([0.0, 2.0]), t.tensor([1.0, 2.0]), {}),
    "nan_not_equal": lambda t: (t.tensor([1.0, nan]), t.tensor([1.0, nan]), {}),
    "nan_equal_nan": lambda t: (t.tensor([1.0, nan]), t.tensor([1.0, nan]), {"equal_nan": True}),
    "nan_against_number": lambda t: (t.tensor([1.0, nan]), t.tensor([1.0, 2.0]), {}),
    "inf_equal": lambda t: (t.tensor([inf, -inf]), t.tensor([inf, -inf]), {}),
    "inf_against_number": lambda t: (t.tensor([inf]), t.tensor([1.0]), {}),
    "int_exact": lambda t: (t.tensor([1, 2]), t.tensor([1, 5]), {}),
    "uint8_no_wraparound": lambda t: (
        t.tensor([3], dtype=t.uint8),
        t.tensor([5], dtype=t.uint8),
        {},
    ),
    "bool_tensor": lambda t: (t.tensor([True, False]), t.tensor([True, True]), {}),
    "zero_dim_tensor": lambda t: (t.tensor(2.0), t.tensor(3.0), {}),
    "explicit_tolerances": lambda t: (
        t.tensor([1.0, 2.0]),
        t.tensor([1.0, 2.1]),
        {"rtol": 0.1, "atol": 0.0},
    ),
    "explicit_zero_tolerances": lambda t: (
        t.tensor([1.0, 2.0]),
        t.tensor([1.0, 2.5]),
        {"rtol": 0, "atol": 0},
    ),
    "rtol_without_atol": lambda t: (t.tensor([1.0]), t.tensor([1.0]), {"rtol": 1e-3}),
    "atol_without_rtol": lambda t: (t.tensor([1.0]), t.tensor([1.0]), {"atol": 1e-3}),
    "shape_mismatch": lambda t: (t.zeros(2, 3), t.zeros(3, 2), {}),
    "broadcastable_shape_mismatch": lambda t: (t.ones(1, 2), t.ones(3, 2), {}),
    "dtype_mismatch": lambda t: (t.tensor([1.0]), t.tensor([1.0], dtype=t.float64), {}),
    "dtype_unchecked_promotes": lambda t: (
        t.tensor([1.0, 2.0]),
        t.tensor([1.0, 2.5], dtype=t.float64),
        {"check_dtype": False},
    ),
    "dtype_unchecked_int_float": lambda t: (
        t.tensor([1.0, 2.0]),
        t.tensor([1, 2]),
        {"check_dtype": False},
    ),
    "stride_mismatch": lambda t: (
        t.ones(2, 3).t(),
        t.ones(3, 2),
        {"check_stride": True},
    ),
    "stride_unchecked": lambda t: (t.ones(2, 3).t(), t.ones(3, 2), {}),
    "requires_grad_ignored": lambda t: (
        t.tensor([1.0], requires_grad=True),
        t.tensor([1.0]),
        {},
    ),
    "parameter_subclass": lambda t: (
        t.nn.Parameter(t.tensor([1.0, 2.0])),
        t.tensor([1.0, 2.0]),
        {},
    ),
    "parameter_subclass_refused": lambda t: (
        t.nn.Parameter(t.tensor([1.0, 2.0])),
        t.tensor([1.0, 2.0]),
        {"allow_subclasses": False},
    ),
    "msg_string": lambda t: (t.tensor([1.0, 2.0]), t.tensor([1.0, 2.5]), {"msg": "custom"}),
    "msg_callable": lambda t: (
        t.tensor([1.0, 2.0]),
        t.tensor([1.0, 2.5]),
        {"msg": lambda m: f"Header\n\n{m}\n\nFooter"},
    ),
    "msg_not_for_structure": lambda t: ([1.0], [1.0, 2.0], {"msg": "custom"}),
    "float_numbers_close": lambda t: (1.0, 1.0 + 1e-8, {}),
    "float_numbers_far": lambda t: (1.0, 1.1, {}),
    "int_numbers": lambda t: (1, 2, {}),
    "int_against_float": lambda t: (1, 1.0, {}),
    "int_against_float_unchecked": lambda t: (2, 1.0, {"check_dtype": False}),
    "nan_numbers": lambda t: (nan, nan, {}),
    "nan_numbers_equal_nan": lambda t: (nan, nan, {"equal_nan": True}),
    "booleans": lambda t: (True, False, {}),
    "none_pair": lambda t: (None, None, {}),
    "none_mismatch": lambda t: (None, 1, {}),
    "numpy_scalars": lambda t: (np.float64(1.0), np.float64(1.1), {}),
    "numpy_float32_scalar_against_float": lambda t: (np.float32(1.0), 1.0, {}),
    "numpy_bool": lambda t: (np.bool_(True), False, {}),
    "numpy_arrays": lambda t: (np.array([1.0, 2.0]), np.array([1.0, 2.5]), {}),
    "numpy_int_arrays": lambda t: (np.array([1, 2]), np.array([1, 3]), {}),
    "numpy_against_tensor": lambda t: (np.array([1.0]), t.tensor([1.0], dtype=t.float64), {}),
    "tensor_against_list": lambda t: (t.tensor([1.0]), [1.0], {}),
    "tensor_against_number": lambda t: (t.tensor(1.0), 1.0, {}),
    "strings": lambda t: ("a", "a", {}),
    "list_against_tuple": lambda t: ([1.0, 2.0], (1.0, 2.0), {}),
    "sequence_length": lambda t: ([1.0, 2.0], [1.0, 2.0, 3.0], {}),
    "sequence_of_tensors": lambda t: (
        [t.tensor(1.0), t.tensor(2.0)],
        [t.tensor(1.0), t.tensor(2.5)],
        {},
    ),
    "nested_sequences": lambda t: ([[1.0, 2.0]], [[1.0, 3.0]], {}),
    "structure_before_values": lambda t: ([1.0, [2.0]], [2.0, [2.0, 3.0]], {}),
    "mapping_keys": lambda t: ({"a": t.tensor(1.0)}, {"b": t.tensor(1.0)}, {}),
    "mapping_missing_key": lambda t: ({"a": 1}, {"a": 1, "b": 2}, {}),
    "mapping_values": lambda t: (
        {"a": t.tensor(1.0), "b": t.tensor(2.0)},
        {"a": t.tensor(1.0), "b": t.tensor(3.0)},
        {},
    ),
    "mapping_of_lists": lambda t: ({"a": [t.tensor(1.0)]}, {"a": [t.tensor(2.0)]}, {}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_assert_close_matches_torch(name: str) -> None:
    case = CASES[name]

    def run(lib: Any, testing: Any) -> tuple[str, str | None]:
        actual, expected, options = case(lib)
        return _outcome(lambda: testing.assert_close(actual, expected, **options), lib)

    assert run(ag, arraygrad.testing) == run(torch, torch.testing)


def test_bool_against_int_is_refused_as_in_torch() -> None:
    # torch fails inside its NumberPair (an internal RuntimeError); arraygrad says why
    for testing in (torch.testing, arraygrad.testing):
        with pytest.raises(RuntimeError, match="Originating a NumberPair"):
            testing.assert_close(True, 1)


def test_assert_close_mismatch_message_in_full() -> None:
    with pytest.raises(AssertionError) as info:
        arraygrad.testing.assert_close(ag.tensor([1.0, 2.0, 3.0]), ag.tensor([1.0, 2.5, 3.0]))
    assert str(info.value) == (
        "Tensor-likes are not close!\n\nMismatched elements: 1 / 3 (33.3%)\n"
        "Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)\n"
        "Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 allowed)"
    )


ALLCLOSE_CASES: dict[str, Callable[[Any], tuple[Any, Any, dict[str, Any]]]] = {
    "loose_float32": lambda t: (t.tensor([1.0, 2.0]), [1.0, 2.00001], {}),
    "float32_mismatch": lambda t: (t.tensor([1.0, 2.0]), [1.0, 2.5], {}),
    "lists": lambda t: ([1, 2], [1, 2], {}),
    "nan_equal_by_default": lambda t: (t.tensor([nan]), t.tensor([nan]), {}),
    "dtype_unchecked": lambda t: (t.tensor([1.0]), t.tensor([1.0], dtype=t.float64), {}),
    "msg": lambda t: (t.tensor([1.0]), t.tensor([2.0]), {"msg": "custom"}),
}


@pytest.mark.parametrize("name", sorted(ALLCLOSE_CASES))
def test_deprecated_assert_allclose_matches_torch(name: str) -> None:
    case = ALLCLOSE_CASES[name]

    def run(lib: Any, testing: Any) -> tuple[Any, ...]:
        actual, expected, options = case(lib)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            outcome = _outcome(lambda: testing.assert_allclose(actual, expected, **options), lib)
        return outcome, [(w.category, str(w.message)) for w in caught]

    assert run(ag, arraygrad.testing) == run(torch, torch.testing)


# --- make_tensor -------------------------------------------------------------------------------

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def _make(lib: Any, testing: Any, *shape: Any, dtype: str, **options: Any) -> Any:
    return testing.make_tensor(*shape, dtype=getattr(lib, dtype), device="cpu", **options)


@pytest.mark.parametrize("dtype", DTYPES)
def test_make_tensor_default_range_matches_torch(dtype: str) -> None:
    ag.manual_seed(0)
    torch.manual_seed(0)
    mine = _make(ag, arraygrad.testing, 4000, dtype=dtype).numpy()
    theirs = _make(torch, torch.testing, 4000, dtype=dtype).numpy()
    assert mine.dtype == theirs.dtype and mine.shape == theirs.shape
    if dtype.startswith("float"):
        assert -9 <= mine.min() < -8.9 and 8.9 < mine.max() < 9
    else:  # every value of the range is drawn from 4000 draws, as torch's
        assert set(np.unique(mine).tolist()) == set(np.unique(theirs).tolist())


@pytest.mark.parametrize(
    ("shape", "options"),
    [
        ((2, 3), {}),
        (((2, 3),), {}),
        (([2, 3],), {}),
        ((), {}),
        ((2, 3), {"noncontiguous": True}),
        ((1,), {"noncontiguous": True}),
        ((2, 3), {"requires_grad": True}),
        ((50,), {"low": -1000, "high": 1000, "dtype": "int8"}),
        ((50,), {"low": 1.5, "high": 3.5, "dtype": "int32"}),
        ((50,), {"low": -1e40, "high": 1e40}),
        ((200,), {"low": -1, "high": 1, "dtype": "int8", "exclude_zero": True}),
        ((200,), {"dtype": "bool", "exclude_zero": True}),
        ((200,), {"low": 0, "high": 1e-7, "dtype": "float16", "exclude_zero": True}),
        ((2, 2), {"memory_format": "contiguous_format"}),
    ],
)
def test_make_tensor_properties_match_torch(shape: tuple[Any, ...], options: Any) -> None:
    def run(lib: Any, testing: Any) -> tuple[Any, ...]:
        kwargs = dict(options)
        dtype = kwargs.pop("dtype", "float32")
        if "memory_format" in kwargs:
            kwargs["memory_format"] = getattr(lib, kwargs["memory_format"])
        t = _make(lib, testing, *shape, dtype=dtype, **kwargs)
        values = t.detach().numpy()
        return (
            tuple(t.shape),
            t.stride(),
            t.is_contiguous(),
            t.requires_grad,
            str(t.dtype).split(".")[-1],
            bool((values == 0).any()),
            bool(np.isfinite(values).all()),
            # the values drawn, where a few hundred draws reach each of them
            set(np.unique(values).tolist())
            if values.dtype.kind in "biu" and len(np.unique(values)) <= 20
            else None,
        )

    assert run(ag, arraygrad.testing) == run(torch, torch.testing)


@pytest.mark.parametrize(
    ("dtype", "options"),
    [
        ("int64", {"requires_grad": True}),
        ("bool", {"requires_grad": True}),
        ("float32", {"low": 2, "high": 1}),
        ("int64", {"low": 5, "high": 5}),
        ("float32", {"low": nan}),
        ("uint8", {"low": -5, "high": -1}),
        ("int8", {"low": 200, "high": 300}),
        ("float32", {"noncontiguous": True, "memory_format": "contiguous_format"}),
    ],
)
def test_make_tensor_errors_match_torch(dtype: str, options: dict[str, Any]) -> None:
    def run(lib: Any, testing: Any) -> tuple[str, str | None]:
        kwargs = dict(options)
        if "memory_format" in kwargs:
            kwargs["memory_format"] = getattr(lib, kwargs["memory_format"])
        return _outcome(lambda: _make(lib, testing, 3, dtype=dtype, **kwargs), lib)

    assert run(ag, arraygrad.testing) == run(torch, torch.testing)


def test_make_tensor_low_equal_high_warns_as_torch() -> None:
    outcomes = []
    for lib, testing in ((torch, torch.testing), (ag, arraygrad.testing)):
        with pytest.warns(FutureWarning) as caught:
            t = _make(lib, testing, 3, dtype="float32", low=1.5, high=1.5)
        outcomes.append((str(caught[0].message), caught[0].filename, t.tolist()))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][1] == __file__  # the warning points at the caller
