"""``linspace`` and ``logspace`` (``_lines``) against torch 2.13.0: every dtype's values to
the last bit (complex logspace: to the C library's complex pow), the ends' conversions and the
errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag


def _kwargs(module: Any, options: dict[str, Any]) -> dict[str, Any]:
    return {k: getattr(module, v) if k == "dtype" else v for k, v in options.items()}


def _dtype_name(t: Any) -> str:
    return str(t.dtype).split(".")[-1]


LOGSPACE_CASES = [
    (0, 2, 3, {}),
    (-2, 2, 5, {"dtype": "float64"}),
    (0, 2, 3, {"base": 2}),
    (1.5, -1.5, 7, {"base": 0.5, "dtype": "float64"}),
    (0, 2, 3, {"dtype": "int64"}),
    (0, 3, 1, {}),
    (0, 3, 0, {}),
    (-10, 10, 21, {"base": 3.0}),
]


@pytest.mark.parametrize(("start", "end", "steps", "options"), LOGSPACE_CASES)
def test_logspace_matches_torch(start: float, end: float, steps: int, options: dict) -> None:
    theirs = torch.logspace(start, end, steps, **_kwargs(torch, options))
    mine = ag.logspace(start, end, steps, **_kwargs(ag, options))
    assert _dtype_name(mine) == _dtype_name(theirs) and tuple(mine.shape) == tuple(theirs.shape)
    rtol = 1e-12 if _dtype_name(theirs) == "float64" else 1e-6
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=rtol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_linspace_is_torchs_to_the_last_bit(dtype: str) -> None:
    # torch counts from both ends with fused multiply-adds (NumPy's linspace, used before,
    # differed in a last bit for about two thirds of these lines: linspace(-1, 1, 7)[3] is
    # 5.55e-17 in torch, 0.0 in NumPy)
    ends = [(-1, 1), (0, 1), (-3.5, 2.25), (2, -7), (1e-3, 7.7), (-1e10, 3.0)]
    for steps in [*range(2, 40), 101, 1000]:
        for start, end in ends:
            theirs = torch.linspace(start, end, steps, dtype=getattr(torch, dtype)).numpy()
            mine = ag.linspace(start, end, steps, dtype=getattr(ag, dtype)).numpy()
            np.testing.assert_array_equal(mine, theirs, err_msg=f"{start}, {end}, {steps}")


# Ends near the dtype's largest number, infinite ones, and signed zeros.
_HUGE_ENDS = {
    "float64": [1e300, -1e300, 1.7976931348623157e308, -1.5e308, 7e299, 2.0**996, 3.0, 0.0, -0.0],
    "float32": [3e38, -3.4028234663852886e38, 2e38, -1.5, 0.0, -0.0],
}


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128"])
def test_lines_with_huge_infinite_or_zero_ends_are_torchs_bits(dtype: str) -> None:
    # linspace(1e300, -1e300, 2) was [nan, nan] (the step's split overflowed) where torch gives
    # the ends, and linspace(-0.0, -0.0, 2) was [0.0, 0.0] where torch gives [0.0, -0.0]
    ends = _HUGE_ENDS["float32" if dtype == "float32" else "float64"] + [float("inf")]
    for start in ends:
        for end in ends:
            first, last = (
                (complex(start, end), complex(end, -start)) if "complex" in dtype else (start, end)
            )
            for steps in (2, 3, 4, 5, 7, 16):
                theirs = torch.linspace(first, last, steps, dtype=getattr(torch, dtype)).numpy()
                mine = ag.linspace(first, last, steps, dtype=getattr(ag, dtype)).numpy()
                where = f"linspace({first}, {last}, {steps})"
                np.testing.assert_array_equal(mine, theirs, err_msg=where)
                parts = (mine.real, theirs.real, mine.imag, theirs.imag)
                assert (np.signbit(parts[0]) == np.signbit(parts[1])).all(), where
                assert (np.signbit(parts[2]) == np.signbit(parts[3])).all(), where


LINE_DTYPES = ["float16", "bfloat16", "complex64", "complex128", "int64", "int32", "int8", "uint8"]
# (start, end) pairs within int8's range: floats are truncated for integer lines, and negative
# ints wrap for uint8 (as -5 is 251)
LINE_ENDS = [(0, 10), (10, 0), (-5, 5), (-0.5, 10.7), (7.78, -11.45), (0.1, 0.3), (-3.5, 2.25)]


def _torch_line(lib: Any, name: str, start: Any, end: Any, steps: int, dtype: str) -> Any:
    result = getattr(lib, name)(start, end, steps, dtype=getattr(lib, dtype))
    if result.dtype.is_floating_point and result.dtype.itemsize == 2:
        return result.view(lib.int16).numpy()  # (the bits: NumPy has no torch bfloat16)
    return result.numpy()


@pytest.mark.parametrize("name", ["linspace", "logspace"])
@pytest.mark.parametrize("dtype", LINE_DTYPES)
def test_lines_of_every_dtype_are_torchs_to_the_last_bit(name: str, dtype: str) -> None:
    # torch's arithmetic per dtype: integer lines truncate a float64 line between truncated
    # ends, float16 and bfloat16 ones round each operation, complex ones are lines of parts;
    # logspace takes the C library's pow of float64 exponents
    for steps in [0, 1, 2, 3, 4, 7, 16, 17, 33, 100, 2500]:
        for start, end in LINE_ENDS:
            if dtype == "uint8" and name == "linspace" and isinstance(start, float) and start < 0:
                continue  # (torch refuses a negative float for uint8: tested below)
            if name == "logspace" and (dtype.startswith(("int", "uint")) or "complex" in dtype):
                start, end = start / 5, end / 5  # (powers within the dtype)
            try:
                theirs = _torch_line(torch, name, start, end, steps, dtype)
            except RuntimeError:
                continue  # (a negative end for uint8's logspace: tested below)
            mine = _torch_line(ag, name, start, end, steps, dtype)
            assert mine.dtype == theirs.dtype
            np.testing.assert_array_equal(mine, theirs, err_msg=f"{start}, {end}, {steps}")


@pytest.mark.parametrize(
    ("name", "args", "dtype"),
    [
        ("linspace", (0, 300, 5), "uint8"),  # an end beyond the dtype
        ("linspace", (-0.5, 3, 3), "uint8"),
        ("linspace", (0, 1e20, 3), "int64"),
        ("linspace", (0, float("nan"), 3), "int64"),
        ("linspace", (0, 1e6, 3), "float16"),
        ("linspace", (0, 1e39, 3), "float32"),
        ("linspace", (0, 1e39, 3), "complex64"),
        ("linspace", (1 + 1j, 2, 3), "float32"),  # complex ends, a real dtype
        ("linspace", (1, 2 + 0j, 3), "int64"),
        ("logspace", (1j, 2, 3), "float32"),
        ("logspace", (40, 0, 1), "float32"),  # one value, beyond the dtype
        ("logspace", (3, 0, 1), "uint8"),
    ],
)
def test_line_ends_beyond_the_dtype_raise_as_torch(name: str, args: tuple, dtype: str) -> None:
    with pytest.raises(RuntimeError) as want:
        getattr(torch, name)(*args, dtype=getattr(torch, dtype))
    with pytest.raises(RuntimeError) as got:
        getattr(ag, name)(*args, dtype=getattr(ag, dtype))
    head = str(want.value).split(" to type ")[0].split(":")[0]
    assert str(got.value).startswith(head) and "Fix:" in str(got.value)


@pytest.mark.parametrize("name", ["linspace", "logspace"])
def test_bool_lines_raise_as_torch_but_one_value(name: str) -> None:
    with pytest.raises(NotImplementedError) as want:
        getattr(torch, name)(0, 2, 3, dtype=torch.bool)
    with pytest.raises(NotImplementedError) as got:
        getattr(ag, name)(0, 2, 3, dtype=ag.bool)
    assert str(got.value).startswith(str(want.value))
    mine, theirs = (
        getattr(ag, name)(0, 2, 1, dtype=ag.bool),
        getattr(torch, name)(0, 2, 1, dtype=torch.bool),
    )
    assert mine.tolist() == theirs.tolist()


def test_logspace_requires_grad_like_torch() -> None:
    mine = ag.logspace(0, 1, 4, requires_grad=True)
    theirs = torch.logspace(0, 1, 4, requires_grad=True)
    assert mine.requires_grad is theirs.requires_grad is True and mine.is_leaf


@pytest.mark.parametrize("name", ["linspace", "logspace"])
def test_a_negative_count_of_steps_raises_as_torch(name: str) -> None:
    with pytest.raises(RuntimeError) as want:
        getattr(torch, name)(0, 1, -1)
    with pytest.raises(RuntimeError) as got:
        getattr(ag, name)(0, 1, -1)
    assert str(got.value).startswith(str(want.value))


@pytest.mark.parametrize("name", ["linspace", "logspace"])
def test_bfloat16_lines_make_torch_s_positive_nan(name: str) -> None:
    # torch's BFloat16 arithmetic makes every NaN 0x7FC0; arraygrad kept NumPy's negative NaN
    # of inf - inf (0xFFC0)
    ends = [3e38, -3e38, float("inf"), 0.0]
    for start in ends:
        for end in ends:
            for steps in (2, 3, 5):
                theirs = _torch_line(torch, name, start, end, steps, "bfloat16")
                mine = _torch_line(ag, name, start, end, steps, "bfloat16")
                np.testing.assert_array_equal(mine, theirs, err_msg=f"{start}, {end}, {steps}")


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_complex_logspace_is_torch_s_c_library_pow_to_the_last_bit(dtype: str) -> None:
    # arraygrad took NumPy's complex power (repeated products for whole exponents), within
    # rtol 1e-6 of torch's std::pow: glibc's cpow, and polar(pow(base, re), im log(base)) for
    # one value of a positive base
    rng = np.random.default_rng(7)
    for trial in range(60):
        start, end = (complex(*rng.uniform(-4, 4, 2)) for _ in range(2))
        if trial % 3 == 0:
            start = complex(int(rng.integers(-3, 4)))
        base = float(rng.choice([10.0, 2.0, 1.5, 0.7, -2.0, 0.0]))
        for steps in (1, 2, 3, 8):
            theirs = torch.logspace(start, end, steps, base, dtype=getattr(torch, dtype)).numpy()
            mine = ag.logspace(start, end, steps, base, dtype=getattr(ag, dtype)).numpy()
            where = f"logspace({start}, {end}, {steps}, {base})"
            np.testing.assert_array_equal(mine, theirs, err_msg=where)


@pytest.mark.parametrize("function", ["linspace", "logspace"])
@pytest.mark.parametrize(
    "ends",
    [lambda lib: (lib.tensor([0.0, 1.0]), 1.0), lambda lib: (0.0, lib.ones(1, 1))],
    ids=["start-1d", "end-2d"],
)
def test_ends_that_are_not_0d_tensors_are_refused_as_torch(function: str, ends: Any) -> None:
    messages = []
    for lib in (ag, torch):
        with pytest.raises(RuntimeError) as caught:
            getattr(lib, function)(*ends(lib), 3)
        messages.append(str(caught.value))
    assert messages[0].startswith(messages[1]) and "Fix:" in messages[0]
