"""The piecewise kernels of ``_backend/piecewise.py`` (ReLU, hardswish and the smooth L1 loss
with their gradients): the NumPy kernels against NumPy's maximum and the generic formulas that
other libraries take, bit for bit. Against torch: tests/nn/test_functional_kernels.py."""

from __future__ import annotations

import numpy as np
import pytest

from arraygrad._backend import piecewise
from tests.nn.test_functional_kernels import FLOATS, _bits, _inputs

# ---------------------------------------------------------------------------------------------
# ReLU
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float16, *FLOATS])
def test_numpy_relu_is_maximum_but_for_negative_zero(dtype: type) -> None:
    x = _inputs(dtype)
    for layout in (x, x[::3], x.reshape(4, -1)[:, 1:].T, x[4:5].reshape(())):
        got, maximum = piecewise.numpy_relu(layout), np.maximum(layout, 0)
        assert got.dtype == maximum.dtype and got.shape == maximum.shape
        same = np.asarray(got == maximum) | (np.isnan(got) & np.isnan(maximum))
        assert same.all()
        zero = layout == 0
        assert (np.signbit(got[zero]) == np.signbit(layout[zero])).all()
        assert not np.signbit(got[~zero & ~np.isnan(layout)]).any()


def test_numpy_relu_of_integers_is_maximum() -> None:
    x = np.array([-3, 0, 5], np.int8)
    got = piecewise.numpy_relu(x)
    assert got.dtype == np.int8 and got.tolist() == [0, 0, 5]


# ---------------------------------------------------------------------------------------------
# hardswish
# ---------------------------------------------------------------------------------------------


def test_hardswish_generic_formulas_are_the_numpy_kernels() -> None:
    x = _inputs(np.float64)
    g = np.random.default_rng(9).standard_normal(x.shape)
    assert _bits(piecewise.generic_hardswish(np, x)) == _bits(piecewise.numpy_hardswish(x))
    assert _bits(piecewise.generic_hardswish_backward(np, g, x)) == _bits(
        piecewise.numpy_hardswish_backward(g, x)
    )


# ---------------------------------------------------------------------------------------------
# smooth L1
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("beta", [1.0, 0.3, 1e-5, 1e9])
def test_smooth_l1_numpy_kernels_are_the_generic_formulas(beta: float) -> None:
    d = _inputs(np.float32)
    g = np.random.default_rng(12).standard_normal(d.shape).astype(np.float32)
    with np.errstate(over="ignore", invalid="ignore"):  # (3e38 / 0.3 overflows, as it should)
        check_smooth_l1_kernels(d, g, beta)


def check_smooth_l1_kernels(d: np.ndarray, g: np.ndarray, beta: float) -> None:
    assert _bits(piecewise.numpy_smooth_l1(d, beta)) == _bits(
        piecewise.generic_smooth_l1(np, d, beta)
    )
    assert _bits(piecewise.numpy_smooth_l1_backward(g, d, beta)) == _bits(
        piecewise.generic_smooth_l1_backward(np, g, d, beta)
    )
