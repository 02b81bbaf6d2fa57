"""Whole-tensor comparisons and membership (``isclose``, ``allclose``, ``equal``, ``isin``) and the
predicates ``isneginf``, ``isposinf``, ``isreal`` against torch 2.13.0.

None is differentiable, so there is no op table: each is compared with torch directly, on
ordinary values and on the edges (nan, infinities, -0.0, empty and 0-d tensors, broadcasting,
mixed dtypes), and each misuse must raise torch's exception class.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import assert_refused_as_torch, strict_backend

NAN, INF = float("nan"), float("inf")
FLOATS = [1.0, NAN, INF, -INF, 1e-9, 0.0, -0.0, 100.0, 1.0 + 1e-6, -3.0]
OTHERS = [1.00001, NAN, INF, INF, 0.0, -0.0, 1e-9, 100.001, 1.0, -3.0001]


def both(fn: Any, *arrays: Any) -> tuple[Any, Any]:
    """``fn`` applied to arraygrad's and to torch's tensors of ``arrays`` (numbers pass as is)."""

    def convert(module: Any, a: Any) -> Any:
        return module.tensor(a) if isinstance(a, np.ndarray) else a

    mine = fn(ag, *[convert(ag, a) for a in arrays])
    theirs = fn(torch, *[convert(torch, a) for a in arrays])
    return mine, theirs


def assert_same(mine: Any, theirs: Any) -> None:
    if isinstance(theirs, torch.Tensor):
        assert isinstance(mine, ag.Tensor)
        assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        assert tuple(mine.shape) == tuple(theirs.shape)
        assert mine.tolist() == theirs.tolist()
        assert not mine.requires_grad
    else:
        assert type(mine) is type(theirs) and mine == theirs


ISCLOSE = {
    "default": (lambda m, x, y: m.isclose(x, y), FLOATS, OTHERS),
    "equal_nan": (lambda m, x, y: m.isclose(x, y, equal_nan=True), FLOATS, OTHERS),
    "exact": (lambda m, x, y: m.isclose(x, y, rtol=0, atol=0), FLOATS, OTHERS),
    "loose": (lambda m, x, y: x.isclose(y, rtol=1e-3, atol=1e-3), FLOATS, OTHERS),
    "float32": (lambda m, x, y: m.isclose(x.float(), y.float(), 1e-6, 0.0), FLOATS, OTHERS),
    "ints": (lambda m, x, y: m.isclose(x, y), [1, 2, 3, -4], [1, 2, 4, 4]),
    "ints_atol": (lambda m, x, y: m.isclose(x, y, atol=1), [1, 2, 3, -4], [1, 2, 4, 4]),
    "ints_rtol": (lambda m, x, y: m.isclose(x, y, rtol=0.5), [1, 2, 3, -4], [1, 2, 4, 4]),
    "bools": (lambda m, x, y: m.isclose(x > 0, y > 0, atol=1), [1, 0, 1], [1, 1, 0]),
    "broadcast": (lambda m, x, y: m.isclose(x[:, None], y), [1.0, 2.0], [1.0, 2.0, 2.00001]),
    "empty": (lambda m, x, y: m.isclose(x, y), np.zeros((0, 2)), [1.0, 2.0]),
    "zero_d": (lambda m, x, y: m.isclose(x, y), np.array(1.0), np.array(1.0 + 1e-9)),
    "allclose": (lambda m, x, y: m.allclose(x, y), FLOATS[:1], OTHERS[:1]),
    "allclose_false": (lambda m, x, y: m.allclose(x, y), FLOATS, OTHERS),
    "allclose_nan": (
        lambda m, x, y: x.allclose(y, equal_nan=True),
        [1.0, NAN, INF],
        [1.0, NAN, INF],
    ),
    "allclose_ints": (lambda m, x, y: m.allclose(x, y, atol=1), [1, 2], [2, 3]),
    "allclose_empty": (lambda m, x, y: m.allclose(x, y), np.zeros(0), np.zeros(0)),
}


@pytest.mark.parametrize("name", sorted(ISCLOSE))
def test_isclose_allclose_match_torch(name: str) -> None:
    fn, x, y = ISCLOSE[name]
    assert_same(*both(fn, np.asarray(x), np.asarray(y)))


EQUAL = {
    "same": ([1.0, 2.0], [1.0, 2.0]),
    "different": ([1.0, 2.0], [1.0, 3.0]),
    "nan": ([1.0, NAN], [1.0, NAN]),
    "signed_zero": ([0.0], [-0.0]),
    "int_float": ([1, 2], [1.0, 2.0]),
    "int_float_differ": ([1, 2], [1.5, 2.0]),
    "bool_int": ([True, False], [1, 0]),
    "shapes": ([1.0, 1.0], [1.0]),
    "broadcastable_shapes": ([[1.0], [1.0]], [1.0]),
    "empty": (np.zeros(0), np.zeros(0)),
    "empty_shapes": (np.zeros(0), np.zeros((0, 1))),
    "zero_d": (np.array(2.0), np.array(2.0)),
}


@pytest.mark.parametrize("name", sorted(EQUAL))
def test_equal_matches_torch(name: str) -> None:
    x, y = EQUAL[name]
    assert_same(*both(lambda m, a, b: m.equal(a, b), np.asarray(x), np.asarray(y)))
    assert_same(*both(lambda m, a, b: a.equal(b), np.asarray(x), np.asarray(y)))


INTS = np.array([[1, 2, 3], [4, 5, 2]])
ISIN = {
    "ints": (lambda m, x, y: m.isin(x, y), INTS, np.array([2, 5, 7])),
    "invert": (lambda m, x, y: m.isin(x, y, invert=True), INTS, np.array([2, 5, 7])),
    "assume_unique": (lambda m, x, y: m.isin(x, y, assume_unique=True), INTS, np.array([2, 5])),
    "scalar_test": (lambda m, x, y: m.isin(x, 2), INTS, None),
    "scalar_element": (lambda m, x, y: m.isin(2, x), INTS, None),
    "promotes_float": (lambda m, x, y: m.isin(x, y), INTS, np.array([2.0, 2.5])),
    "promotes_scalar": (lambda m, x, y: m.isin(x.float(), 3), INTS, None),
    "float_test": (lambda m, x, y: m.isin(x, y), INTS, np.array([2.5, 5.0])),
    "nan_inf": (
        lambda m, x, y: m.isin(x, y),
        np.array([1.0, NAN, INF, -INF, -0.0]),
        np.array([NAN, INF, 0.0]),
    ),
    "duplicates": (lambda m, x, y: m.isin(x, y), INTS, np.array([3, 3, 1, 1, 3])),
    "empty_elements": (lambda m, x, y: m.isin(x, y), np.zeros((0, 2)), np.array([1.0])),
    "empty_test": (lambda m, x, y: m.isin(x, y), INTS, np.zeros(0, dtype=np.int64)),
    "empty_test_invert": (lambda m, x, y: m.isin(x, y, invert=True), INTS, np.zeros(0)),
    "zero_d": (lambda m, x, y: m.isin(x, y), np.array(5), np.array([[5, 6]])),
    "uint8_promotes": (lambda m, x, y: m.isin(x.to(m.uint8), y), INTS, np.array([258, 2])),
    "large_test_set": (lambda m, x, y: m.isin(x, y), INTS * 7, np.arange(0, 40, 3)),
}


@pytest.mark.parametrize("name", sorted(ISIN))
def test_isin_matches_torch(name: str) -> None:
    fn, x, y = ISIN[name]
    assert_same(*both(fn, x, y))


PREDICATE_INPUTS = {
    "floats": np.array([1.0, NAN, INF, -INF, -0.0]),
    "float32": np.array([INF, -INF, 3.0], dtype=np.float32),
    "ints": np.array([[1, -2], [3, 0]]),
    "bools": np.array([True, False]),
    "empty": np.zeros((2, 0)),
    "zero_d": np.array(-INF),
}


@pytest.mark.parametrize("name", sorted(PREDICATE_INPUTS))
@pytest.mark.parametrize("op", ["isneginf", "isposinf", "isreal"])
def test_predicates_match_torch(op: str, name: str) -> None:
    x = PREDICATE_INPUTS[name]
    assert_same(*both(lambda m, a: getattr(m, op)(a), x))
    assert_same(*both(lambda m, a: getattr(a, op)(), x))


def test_results_are_not_differentiable() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    for result in (ag.isclose(x, x), ag.isin(x, x), ag.isneginf(x), ag.isreal(x)):
        assert result.dtype == ag.bool and not result.requires_grad
    assert ag.equal(x, x) is True and ag.allclose(x, x) is True


MISUSE = [
    (lambda m: m.isclose(m.tensor([1, 2]), m.tensor([1.0, 2.0])), RuntimeError),
    (lambda m: m.isclose(m.tensor([1.0]), m.tensor([1.0], dtype=m.float64)), RuntimeError),
    (lambda m: m.isclose(m.tensor([1.0]), 1.0), TypeError),
    (lambda m: m.isclose(m.tensor([1.0]), m.tensor([1.0]), rtol=-1), RuntimeError),
    (lambda m: m.isclose(m.tensor([1.0]), m.tensor([1.0]), atol=-1e-3), RuntimeError),
    (lambda m: m.isclose(m.ones(2), m.ones(3)), RuntimeError),
    (lambda m: m.allclose(m.ones(2), m.ones(3)), RuntimeError),
    (lambda m: m.allclose(m.tensor([1]), m.tensor([1.0])), RuntimeError),
    (lambda m: m.equal(m.tensor([1]), 1), TypeError),
    (lambda m: m.isin(m.tensor([1]), m.tensor([True])), RuntimeError),
    (lambda m: m.isin(m.tensor([True]), m.tensor([True])), RuntimeError),
    (lambda m: m.isin(2, 2), TypeError),
    (lambda m: m.isin(m.tensor([1 + 1j]), m.tensor([1 + 1j])), RuntimeError),
    (lambda m: m.isin(m.tensor([1.0]), 1 + 1j), RuntimeError),
    (lambda m: m.isneginf(2.0), TypeError),
    (lambda m: m.isposinf([1.0]), TypeError),
    (lambda m: m.isreal(2.0), TypeError),
]


@pytest.mark.parametrize(("fn", "error"), MISUSE)
def test_misuse_raises_like_torch(fn: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        fn(torch)
    with pytest.raises(error) as info:
        fn(ag)
    assert "Fix" in str(info.value)


COMPLEX_MEMBERSHIP = [
    lambda m: m.isin(m.tensor([1 + 1j, 2]), m.tensor([1 + 1j])),
    lambda m: m.isin(m.tensor([1 + 1j, 2]), 1 + 1j),
    lambda m: m.isin(1 + 1j, m.tensor([1 + 1j])),
    lambda m: m.isin(m.tensor([1.0, 2.0]), m.tensor([1 + 1j], dtype=m.complex128)),
    lambda m: m.isin(m.tensor([1.0, 2.0]), 1 + 1j),
]


@pytest.mark.parametrize("fn", COMPLEX_MEMBERSHIP)
def test_isin_refuses_complex_with_torchs_words(fn: Any) -> None:
    with pytest.raises(RuntimeError) as theirs:
        fn(torch)
    with pytest.raises(RuntimeError) as mine:
        fn(ag)
    assert str(mine.value).startswith(str(theirs.value))
    assert "Fix:" in str(mine.value)


STRICT = {
    "isclose": lambda m, x: (m.isclose(x, x + 1e-9), m.isclose(x, x.flip(0), equal_nan=True)),
    "isin": lambda m, x: (m.isin(x, x[:3]), m.isin(x.long(), 3, invert=True)),
    "predicates": lambda m, x: (m.isneginf(x), m.isposinf(x), m.isreal(x)),
}


@pytest.mark.parametrize("name", sorted(STRICT))
def test_runs_on_array_api_strict_like_torch(name: str) -> None:
    values = np.array([3.0, NAN, -INF, 3.0, INF, NAN])
    with strict_backend():
        mine = [t.tolist() for t in STRICT[name](ag, ag.tensor(values))]
        close = [ag.allclose(ag.tensor(values), ag.tensor(values), equal_nan=True)]
        same = [ag.equal(ag.tensor(values[:1]), ag.tensor(values[:1]))]
    theirs = [t.tolist() for t in STRICT[name](torch, torch.tensor(values))]
    assert mine == theirs
    assert close == [torch.allclose(torch.tensor(values), torch.tensor(values), equal_nan=True)]
    assert same == [torch.equal(torch.tensor(values[:1]), torch.tensor(values[:1]))]


def test_isclose_of_integers_measures_in_the_default_float_dtype() -> None:
    # It subtracted in the integers' own dtype, which wraps: int8 -128 - 0 has abs -128, close
    # to anything. PyTorch measures in the default float dtype (so int32 16777217 and 16777216,
    # equal as float32, are close with atol 0.5 unless the default is float64).
    cases = [
        ([100, -128, 5], [-100, 0, 5], "int8", 0.0, 100.0),
        ([100, -128, 5], [-100, 0, 5], "int8", 0.0, 128.0),
        ([1, 5, -128], [5, 0, 0], "int8", 1e-5, 1e-8),
        ([200, 0], [0, 200], "uint8", 0.0, 100.0),
        ([16777217, 3], [16777216, 4], "int32", 0.0, 0.5),
        ([2**62, 3], [2**62 + 1, 4], "int64", 0.3, 0.0),
    ]
    for a, b, dtype, rtol, atol in cases:
        expected = torch.isclose(
            torch.tensor(a, dtype=getattr(torch, dtype)),
            torch.tensor(b, dtype=getattr(torch, dtype)),
            rtol=rtol,
            atol=atol,
        ).tolist()
        got = ag.isclose(
            ag.tensor(a, dtype=getattr(ag, dtype)),
            ag.tensor(b, dtype=getattr(ag, dtype)),
            rtol=rtol,
            atol=atol,
        ).tolist()
        assert got == expected, (a, b, dtype, rtol, atol)


# Regression: isposinf and isneginf of complex tensors answered all False, where torch raises.
@pytest.mark.parametrize("name", ["isposinf", "isneginf"])
@pytest.mark.parametrize("dtype", ["complex64", "int64", "bool", "bfloat16"])
def test_infinity_tests_take_the_dtypes_torch_takes(name: str, dtype: str) -> None:
    assert_refused_as_torch(lambda lib, x: getattr(lib, name)(x), dtype)
