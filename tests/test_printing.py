"""Tests for ``arraygrad._printing``: output must equal torch's tensor ``repr``.

Every comparison formats a NumPy array with :func:`format_tensor` and checks it
against ``repr(torch.from_numpy(arr))`` with ``torch.`` renamed ``arraygrad.``;
torch is only the oracle here.
"""

import ast
import math
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arraygrad import _printing

_SOURCE = Path(__file__).resolve().parents[1] / "src" / "arraygrad" / "_printing.py"

format_tensor = _printing.format_tensor

# torch omits dtype= for these when the tensor is non-empty (float32 is the default dtype).
_IMPLICIT_DTYPES = {np.dtype(np.float32), np.dtype(np.int64), np.dtype(np.bool_)}
_FLOAT_DTYPES = [np.float16, np.float32, np.float64]
_ALL_DTYPES = [*_FLOAT_DTYPES, np.int32, np.int64, np.bool_]


def _kind(arr: np.ndarray) -> str:
    return {"f": "float", "i": "int", "u": "int", "b": "bool"}[arr.dtype.kind]


def _dtype_suffix(arr: np.ndarray) -> list[str]:
    """The dtype item torch would show: always for non-float32 empties, else if non-default."""
    implicit = arr.dtype == np.float32 if arr.size == 0 else arr.dtype in _IMPLICIT_DTYPES
    return [] if implicit else [f"dtype=arraygrad.{arr.dtype.name}"]


def _to_list(a: Any) -> Any:
    return a.tolist()


def ours(arr: np.ndarray, extra: Sequence[str] = (), prefix: str = "tensor(") -> str:
    return format_tensor(arr, _to_list, _kind(arr), [*_dtype_suffix(arr), *extra], prefix)


def theirs(tensor: torch.Tensor) -> str:
    return repr(tensor).replace("torch.", "arraygrad.")


def assert_matches(arr: np.ndarray) -> None:
    assert ours(arr) == theirs(torch.from_numpy(arr))


def _set_both(**kwargs: Any) -> None:
    torch.set_printoptions(**kwargs)
    _printing.set_printoptions(**kwargs)


@pytest.fixture(autouse=True)
def _default_printoptions() -> Iterator[None]:
    _set_both(profile="default")
    yield
    _set_both(profile="default")


# ---------------------------------------------------------------------------
# Fixed cases, one per rule; the literal strings document torch's output.
# ---------------------------------------------------------------------------

NAN, INF = math.nan, math.inf

FIXED_CASES: list[tuple[np.ndarray, str]] = [
    (np.array([1.0, 2.0], np.float32), "tensor([1., 2.])"),
    (np.array([1.5, -2.0], np.float32), "tensor([ 1.5000, -2.0000])"),
    (np.array([1e-5, 1.0]), "tensor([1.0000e-05, 1.0000e+00], dtype=arraygrad.float64)"),
    (np.array([1.0, 1000.0], np.float32), "tensor([   1., 1000.])"),  # ratio 1000: no sci
    (np.array([0.5, 1e9], np.float32), "tensor([5.0000e-01, 1.0000e+09])"),
    (np.array([1.0, 2000.0], np.float32), "tensor([1.0000e+00, 2.0000e+03])"),
    (np.array([1.5, NAN, -INF], np.float32), "tensor([1.5000,    nan,   -inf])"),
    (np.array([1.0, NAN], np.float32), "tensor([1., nan])"),
    (np.array([0.0, NAN, INF], np.float32), "tensor([0., nan, inf])"),
    (np.array([-0.0, 1.0], np.float32), "tensor([-0., 1.])"),
    (np.array([0.0, 0.0], np.float32), "tensor([0., 0.])"),
    (np.array(2.0, np.float32), "tensor(2.)"),
    (np.array(-0.0, np.float32), "tensor(-0.)"),
    (np.array(NAN, np.float32), "tensor(nan)"),
    (np.array(1e-5, np.float32), "tensor(1.0000e-05)"),
    (np.array(0.25, np.float64), "tensor(0.2500, dtype=arraygrad.float64)"),
    (np.array(3), "tensor(3)"),
    (np.array(True), "tensor(True)"),
    (np.array([True, False]), "tensor([ True, False])"),
    (np.array([True, True]), "tensor([True, True])"),
    (np.array([1, -2]), "tensor([ 1, -2])"),
    (np.array([7, 100], np.int32), "tensor([  7, 100], dtype=arraygrad.int32)"),
    (
        np.array([[1.0, 2.5], [-3.0, 4.0]], np.float32),
        "tensor([[ 1.0000,  2.5000],\n        [-3.0000,  4.0000]])",
    ),
    (
        np.arange(8.0, dtype=np.float32).reshape(2, 2, 2),
        "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])",
    ),
    (np.zeros(0, np.float32), "tensor([])"),
    (np.zeros((0, 3), np.float32), "tensor([], size=(0, 3))"),
    (np.zeros((2, 0), np.int64), "tensor([], size=(2, 0), dtype=arraygrad.int64)"),
    (np.zeros(0, np.bool_), "tensor([], dtype=arraygrad.bool)"),
    (
        np.array([0.1, 0.2, 0.3], np.float16),
        "tensor([0.1000, 0.2000, 0.3000], dtype=arraygrad.float16)",
    ),
    (
        np.array([65504.0, 1.0], np.float16),
        "tensor([6.5504e+04, 1.0000e+00], dtype=arraygrad.float16)",
    ),
]


@pytest.mark.parametrize(("arr", "expected"), FIXED_CASES)
def test_fixed_cases(arr: np.ndarray, expected: str) -> None:
    assert ours(arr) == expected
    assert_matches(arr)


@pytest.mark.parametrize(
    "arr",
    [
        np.arange(100, dtype=np.float32) / 3,  # wraps at linewidth
        np.arange(60, dtype=np.int64) * 1234567,  # wide ints wrap
        np.arange(1001, dtype=np.float32),  # just over the threshold
        np.arange(1000, dtype=np.int64),  # exactly at the threshold: not summarised
        np.arange(2000, dtype=np.float64).reshape(40, 50) / 7,
        np.arange(5000, dtype=np.float32).reshape(10, 10, 50) - 2500,
        np.arange(2 * 7 * 9 * 11, dtype=np.int32).reshape(2, 7, 9, 11),
        np.arange(1200, dtype=np.float32).reshape(1200, 1),
        np.arange(1200, dtype=np.float32).reshape(1, 1200),
        np.ones((3, 400), np.bool_),
        np.linspace(-1e-6, 1e3, 100),
        np.logspace(-12, 12, 25),
        np.array([1e300, -1e-300, 0.0]),  # ratio overflows to inf
        np.array([3e38, -3e38], np.float32),
    ],
    ids=lambda a: f"{a.dtype}{a.shape}",
)
def test_layout_cases(arr: np.ndarray) -> None:
    assert_matches(arr)


def test_summary_literal() -> None:
    expected = (
        "tensor([[1000., 1001., 1002.,  ..., 1047., 1048., 1049.],\n"
        "        [1050., 1051., 1052.,  ..., 1097., 1098., 1099.],\n"
        "        [1100., 1101., 1102.,  ..., 1147., 1148., 1149.],\n"
        "        ...,\n"
        "        [2850., 2851., 2852.,  ..., 2897., 2898., 2899.],\n"
        "        [2900., 2901., 2902.,  ..., 2947., 2948., 2949.],\n"
        "        [2950., 2951., 2952.,  ..., 2997., 2998., 2999.]])"
    )
    arr = np.arange(1000, 3000, dtype=np.float32).reshape(40, 50)
    assert ours(arr) == expected
    assert_matches(arr)


def test_summary_width_ignores_hidden_values() -> None:
    # The huge hidden middle value must not force sci mode or widen columns.
    arr = np.ones(5000, np.float32)
    arr[2500] = 1e20
    assert ours(arr) == "tensor([1., 1., 1.,  ..., 1., 1., 1.])"
    assert_matches(arr)


class _RecordingArray:
    """Minimal non-NumPy array: shape + basic indexing, recording conversions."""

    def __init__(self, arr: np.ndarray, log: list[int]) -> None:
        self._arr = arr
        self._log = log
        self.shape = arr.shape

    def __getitem__(self, key: Any) -> "_RecordingArray":
        return _RecordingArray(self._arr[key], self._log)

    def tolist(self) -> Any:
        self._log.append(self._arr.size)
        return self._arr.tolist()


def test_summary_only_converts_edges() -> None:
    arr = np.arange(10**6, dtype=np.float64).reshape(100, 100, 100)
    log: list[int] = []
    text = format_tensor(_RecordingArray(arr, log), _to_list, "float", ["dtype=arraygrad.float64"])
    assert text == theirs(torch.from_numpy(arr))
    assert max(log) <= 3  # only edge slices of the last dim were converted


def test_protocol_with_plain_object() -> None:
    log: list[int] = []
    arr = np.array([[1, 2], [3, 4]])
    assert format_tensor(_RecordingArray(arr, log), _to_list, "int") == theirs(
        torch.from_numpy(arr)
    )
    assert log == [4]  # small arrays are converted in one go


def test_unknown_kind_rejected() -> None:
    with pytest.raises(ValueError, match="kind"):
        format_tensor(np.zeros(2), _to_list, "quaternion")


def test_module_imports_only_stdlib() -> None:
    tree = ast.parse(_SOURCE.read_text())
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= set(sys.stdlib_module_names)


# ---------------------------------------------------------------------------
# Suffixes: requires_grad, grad_fn, prefixes and wrapping.
# ---------------------------------------------------------------------------


def test_requires_grad_suffix() -> None:
    arr = np.array([1.0, 2.0], np.float32)
    expected = "tensor([1., 2.], requires_grad=True)"
    assert ours(arr, ["requires_grad=True"]) == expected
    assert theirs(torch.from_numpy(arr).requires_grad_()) == expected


@pytest.mark.parametrize(
    "arr",
    [
        np.array([1.0, 2.0], np.float64),
        np.array(1.5, np.float64),
        np.arange(17, dtype=np.float64) / 3,  # last line nearly full: suffixes wrap
        np.arange(15, dtype=np.float64) / 3,
        np.arange(30, dtype=np.float32).reshape(5, 6) / 7,
        np.arange(3000, dtype=np.float64).reshape(3, 1000),
        np.zeros((0, 3), np.float64),
    ],
    ids=lambda a: f"{a.dtype}{a.shape}",
)
def test_grad_suffixes(arr: np.ndarray) -> None:
    leaf = torch.from_numpy(arr).requires_grad_()
    assert ours(arr, ["requires_grad=True"]) == theirs(leaf)
    assert ours(arr, ["grad_fn=<MulBackward0>"]) == theirs(leaf * 1)


def test_long_suffixes_wrap_literal() -> None:
    arr = np.arange(17, dtype=np.float64) / 3
    expected = (
        "tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667,\n"
        "        3.0000, 3.3333, 3.6667, 4.0000, 4.3333, 4.6667, 5.0000, 5.3333],\n"
        "       dtype=arraygrad.float64, requires_grad=True)"
    )
    assert ours(arr, ["requires_grad=True"]) == expected
    assert theirs(torch.from_numpy(arr).requires_grad_()) == expected


def test_suffix_wrap_uses_torch_spelling() -> None:
    # "dtype=torch.float64" fits on the last line but "dtype=arraygrad.float64"
    # would not; the break stays where torch puts it so the reprs agree.
    arr = np.arange(15, dtype=np.float64) / 3
    expected = (
        "tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667,\n"
        "        3.0000, 3.3333, 3.6667, 4.0000, 4.3333, 4.6667], dtype=arraygrad.float64,\n"
        "       requires_grad=True)"
    )
    assert ours(arr, ["requires_grad=True"]) == expected
    assert theirs(torch.from_numpy(arr).requires_grad_()) == expected


class MyTensor(torch.Tensor):
    """Subclass whose repr uses the prefix ``MyTensor(``."""


@pytest.mark.parametrize(
    "arr",
    [np.arange(30, dtype=np.float32).reshape(5, 6) / 7, np.arange(40, dtype=np.float64) / 3],
    ids=["2d", "wrapped"],
)
def test_custom_prefix(arr: np.ndarray) -> None:
    sub = torch.Tensor._make_subclass(MyTensor, torch.from_numpy(arr))
    assert ours(arr, prefix="MyTensor(") == theirs(sub)


# ---------------------------------------------------------------------------
# Print options.
# ---------------------------------------------------------------------------

OPTION_ARRAYS = [
    np.arange(50, dtype=np.float32) / 7,
    np.array([1e-5, 1.0, 123.456]),
    np.array([1.0, 2.0, 3.0], np.float32),
    np.array([0.0, NAN], np.float32),
    np.arange(30, dtype=np.int64).reshape(5, 6) * 1001,
    np.arange(240, dtype=np.float32).reshape(4, 6, 10) / 11,
    np.array([True, False, True]),
    np.array(3.25, np.float32),
    np.zeros((0, 2), np.float32),
]

OPTION_SETS: list[dict[str, Any]] = [
    {"precision": 2},
    {"precision": 0},
    {"precision": 8},
    {"sci_mode": True},
    {"sci_mode": False},
    {"profile": "full"},
    {"profile": "short"},
    {"linewidth": 40},
    {"linewidth": 5},
    {"threshold": 5},
    {"threshold": 5, "edgeitems": 1},
    {"threshold": 5, "edgeitems": 0},
    {"edgeitems": 0},
    {"profile": "short", "sci_mode": True, "linewidth": 60},
]


@pytest.mark.parametrize(
    "options", OPTION_SETS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items())
)
def test_printoptions(options: dict[str, Any]) -> None:
    _set_both(**options)
    assert _printing.get_printoptions() == torch._tensor_str.get_printoptions()
    for arr in OPTION_ARRAYS:
        assert_matches(arr)
        leaf = torch.from_numpy(arr.astype(np.float64)).requires_grad_()
        assert ours(arr.astype(np.float64), ["requires_grad=True"]) == theirs(leaf)


def test_full_profile_prints_everything() -> None:
    _set_both(profile="full")
    arr = np.arange(1500, dtype=np.int64)
    assert "..." not in ours(arr)
    assert_matches(arr)


def test_set_printoptions_semantics() -> None:
    defaults = {
        "precision": 4,
        "threshold": 1000,
        "edgeitems": 3,
        "linewidth": 80,
        "sci_mode": None,
    }
    assert _printing.get_printoptions() == defaults
    _set_both(profile="full", precision=6)
    assert _printing.get_printoptions()["threshold"] == math.inf
    assert _printing.get_printoptions() == torch._tensor_str.get_printoptions()
    _set_both(sci_mode=True)
    # A later call without sci_mode resets it to automatic, as in torch.
    _set_both(linewidth=50)
    assert _printing.get_printoptions() == torch._tensor_str.get_printoptions()
    assert _printing.get_printoptions()["sci_mode"] is None
    assert _printing.get_printoptions()["precision"] == 6
    _set_both(profile="no-such-profile")  # ignored, like torch
    assert _printing.get_printoptions() == torch._tensor_str.get_printoptions()
    _printing.set_printoptions(profile="default")
    assert _printing.get_printoptions() == defaults


def test_printoptions_context_manager() -> None:
    arr = np.array([1.2345678], np.float32)
    with _printing.printoptions(precision=2):
        assert ours(arr) == "tensor([1.23])"
    assert ours(arr) == "tensor([1.2346])"
    assert _printing.get_printoptions()["precision"] == 4


# ---------------------------------------------------------------------------
# Property tests: random shapes, dtypes, values and options against torch.
# ---------------------------------------------------------------------------

_float_values = st.one_of(
    st.integers(-1000, 1000).map(float),  # integer-valued floats
    st.floats(-10, 10, allow_nan=False),
    st.floats(-1e12, 1e12, allow_nan=False),
    st.floats(-1e-3, 1e-3, allow_nan=False),  # tiny, incl. subnormals
    st.sampled_from([0.0, -0.0, NAN, INF, -INF, 1e-5, 1e8, 1e9, 999.5, 1e30]),
)
_int_values = st.one_of(st.integers(-20, 20), st.integers(-(2**31), 2**31 - 1))

_small_shapes = st.lists(st.integers(0, 7), min_size=0, max_size=4).map(tuple)
_large_shapes = st.sampled_from(
    [
        (1001,),
        (40, 30),
        (3, 400),
        (2, 3, 200),
        (1100, 1),
        (6, 7, 8, 4),
        (11, 10, 10),
        (2, 2, 2, 130),
    ]
)


@st.composite
def arrays(draw: st.DrawFn) -> np.ndarray:
    """An array with a drawn dtype and shape, filled from a drawn pool of values.

    Drawing a small pool and scattering it with a seeded RNG keeps large
    (summarised) arrays cheap while the pool still mixes magnitudes.
    """
    dtype = np.dtype(draw(st.sampled_from(_ALL_DTYPES)))
    shape = draw(st.one_of(_small_shapes, _small_shapes, _large_shapes))
    if dtype.kind == "f":
        pool = draw(st.lists(_float_values, min_size=1, max_size=6))
    elif dtype.kind == "i":
        pool = draw(st.lists(_int_values, min_size=1, max_size=6))
    else:
        pool = draw(st.lists(st.booleans(), min_size=1, max_size=2))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    with np.errstate(over="ignore", invalid="ignore"):
        values = np.array(pool, dtype=np.float64 if dtype.kind == "f" else object)
        picked = values[rng.integers(0, len(pool), size=shape)]
        if dtype.kind == "i":
            picked = np.array(picked, dtype=np.int64)
        return np.asarray(picked).astype(dtype)


_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(arr=arrays())
def test_matches_torch_default_options(arr: np.ndarray) -> None:
    assert_matches(arr)


@_SETTINGS
@given(
    arr=arrays(),
    precision=st.integers(0, 8),
    linewidth=st.integers(10, 120),
    edgeitems=st.integers(0, 4),
    threshold=st.sampled_from([0, 1, 10, 100, 1000, math.inf]),
    sci_mode=st.sampled_from([None, True, False]),
    grad=st.booleans(),
)
def test_matches_torch_random_options(
    arr: np.ndarray,
    precision: int,
    linewidth: int,
    edgeitems: int,
    threshold: float,
    sci_mode: bool | None,
    grad: bool,
) -> None:
    _set_both(
        precision=precision,
        linewidth=linewidth,
        edgeitems=edgeitems,
        threshold=threshold,
        sci_mode=sci_mode,
    )
    try:
        if grad and arr.dtype.kind == "f" and arr.size <= 2000:
            tensor = torch.from_numpy(arr).requires_grad_()
            assert ours(arr, ["grad_fn=<MulBackward0>"]) == theirs(tensor * 1)
        else:
            assert_matches(arr)
    finally:
        _set_both(profile="default")
