"""The NumPy backend's fast paths give exactly NumPy's results."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad
from arraygrad import _backend


def _special_values(dtype: type) -> np.ndarray:
    rng = np.random.default_rng(0)
    values = rng.standard_normal((6, 7)).astype(dtype)
    values[0, 0], values[1, 1], values[2, 2], values[3, 3] = np.nan, np.inf, -0.0, -np.inf
    return values


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("zero", [0, 0.0])
@pytest.mark.parametrize("transpose", [False, True])
def test_masking_where_is_bit_identical_to_numpy(dtype: type, zero: float, transpose: bool) -> None:
    values = _special_values(dtype)
    mask = np.random.default_rng(1).random(values.shape) > 0.5
    mask[0, 0] = mask[1, 1] = False  # NaN and inf where masked out: 0, not NaN
    if transpose:  # not contiguous
        values, mask = values.T, mask.T
    for args in ((mask, values, zero), (mask, zero, values)):
        got = _backend.xp.where(*args)
        expected = np.where(*args)
        assert got.dtype == expected.dtype and got.shape == expected.shape
        assert np.ascontiguousarray(got).tobytes() == np.ascontiguousarray(expected).tobytes()


def test_where_other_forms_are_numpy_where() -> None:
    mask = np.array([True, False, True])
    values = np.array([1.0, 2.0, 3.0])
    # A non-zero fill, two arrays, an integer array, a broadcast mask: NumPy's own where.
    assert _backend.xp.where(mask, values, 5.0).tolist() == [1.0, 5.0, 3.0]
    assert _backend.xp.where(mask, values, -values).tolist() == [1.0, -2.0, 3.0]
    assert _backend.xp.where(mask, np.array([1, 2, 3]), 0).tolist() == [1, 0, 3]
    assert _backend.xp.where(np.array(True), values, 0.0).tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scalar_operands_give_numpys_results(dtype: type) -> None:
    x = _special_values(dtype)
    for value in (0.1, -2.5, 1e-30, 3e38, 1e300, 0.0, -0.0, float("nan"), float("inf")):
        operand = _backend.scalar_operand(value, x)
        with np.errstate(all="ignore"):
            for op in (np.add, np.subtract, np.multiply, np.divide):
                got, expected = op(x, operand), op(x, value)
                assert got.dtype == expected.dtype
                assert got.tobytes() == expected.tobytes(), (op, value)


def test_scalar_operands_are_cached_read_only_and_bounded() -> None:
    x = np.ones(3, np.float32)
    first = _backend.scalar_operand(0.25, x)
    assert first is _backend.scalar_operand(0.25, x) and first.dtype == np.float32
    assert not first.flags.writeable
    # Zero keeps its sign as a Python float; other dtypes and libraries are left alone.
    assert _backend.scalar_operand(-0.0, x).__class__ is float
    assert _backend.scalar_operand(0.25, np.ones(3, np.int64)).__class__ is float
    assert _backend.scalar_operand(1e39, x).__class__ is float  # would overflow float32
    for step in range(1000):
        _backend.scalar_operand(1.0 + step, x)
    assert len(_backend._scalar_arrays) <= 256


def test_scalar_operands_keep_graphs_and_pictures_in_python_numbers() -> None:
    w = arraygrad.tensor([1.0, 2.0], requires_grad=True)
    out = w * 0.5
    assert out._node.inputs[1] == 0.5 and out._node.inputs[1].__class__ is float
    out.sum().backward()
    assert w.grad.tolist() == [0.5, 0.5]
