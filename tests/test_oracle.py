"""The torch oracle itself: float32 results that differ from torch's pass only when they are no
further from torch's float64 result than torch's own float32 result is."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, check_complex_gradient, gradcheck

NORM = {"rtol": 1e-4, "atol": 1e-5}  # the layer-norm tests' tolerance in float32


def _layer_norm_inputs(dtype: type) -> list[np.ndarray]:
    # Rows of nearly equal values: the gradient cancels terms ~100 times its size, and torch's
    # float32 gradient is off by ~1e-4 relative (arraygrad's is closer to the float64 one).
    x = (np.ones((2, 4, 3)) + np.arange(24).reshape(2, 4, 3) * 0.1).astype(dtype)
    return [x, np.ones(3, dtype), np.zeros(3, dtype)]


def _layer_norm(scale: float = 1.0):
    def fn(x, w, b):
        lib = ag if isinstance(x, ag.Tensor) else torch
        return lib.nn.functional.layer_norm(x, (3,), w, b) * scale

    return fn


def test_a_float32_gradient_closer_to_float64_than_torchs_passes():
    inputs = _layer_norm_inputs(np.float32)
    xs = [ag.tensor(a, requires_grad=True) for a in inputs]
    ts = [torch.tensor(a, requires_grad=True) for a in inputs]
    cotangent = np.random.default_rng(0).standard_normal((2, 4, 3)).astype(np.float32)
    (_layer_norm()(*xs) * ag.tensor(cotangent)).sum().backward()
    (_layer_norm()(*ts) * torch.tensor(cotangent)).sum().backward()
    # with the layer-norm tests' tolerance, the plain comparison fails: this case needs the
    # float64 measure
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(xs[0].grad.numpy(), ts[0].grad.numpy(), **NORM)
    check_against_torch(_layer_norm(), None, inputs, **NORM)


def test_a_float32_result_further_from_float64_than_torchs_fails():
    def off(x, w, b):
        out = _layer_norm()(x, w, b)
        return out * (1 + 1e-3) if isinstance(x, ag.Tensor) else out

    with pytest.raises(AssertionError):
        check_against_torch(off, None, _layer_norm_inputs(np.float32), **NORM)


def test_float64_results_are_compared_with_torch_alone():
    def off(x, w, b):
        out = _layer_norm()(x, w, b)
        return out * (1 + 1e-6) if isinstance(x, ag.Tensor) else out

    with pytest.raises(AssertionError):
        check_against_torch(off, None, _layer_norm_inputs(np.float64))


def _large_and_small(t: ag.Tensor) -> ag.Tensor:
    # Outputs near 1e4 beside outputs near 1e-4: the finite differences of their sum carry
    # about 1e-6 of rounding, far above the small outputs' gradients (about 1e-4).
    return ag.cat([t[:4] ** 2 * 1e4, t[4:] * 1e-4])


def test_gradcheck_allows_the_rounding_of_the_finite_differences():
    gradcheck(_large_and_small, [np.linspace(0.5, 1.5, 8)])


def test_gradcheck_still_finds_a_wrong_gradient_beside_large_outputs():
    # Outputs near 100 (as squared singular values) beside gradients near 1e-3, 10% off: the
    # rounding floor (about 1e-6 here) leaves that error (1e-4) visible.
    class Wrong(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1e-3

        @staticmethod
        def backward(ctx, grad):
            return grad * 1.1e-3

    def fn(t: ag.Tensor) -> ag.Tensor:
        return ag.cat([t[:4] ** 2 * 1e2, Wrong.apply(t[4:])])

    with pytest.raises(AssertionError, match="gradcheck input 0"):
        gradcheck(fn, [np.linspace(0.5, 1.5, 8)])


def _laid_out(array: np.ndarray, layout: str) -> np.ndarray:
    if layout == "fortran":
        return np.asfortranarray(array)
    return np.repeat(array, 2, axis=1)[:, ::2]  # every other column: neither C nor F order


@pytest.mark.parametrize("layout", ["fortran", "strided"])
def test_gradchecks_differentiate_inputs_that_are_not_in_c_order(layout):
    # The numeric gradients were written through reshape(-1) of an array in the input's order:
    # a copy for a Fortran-ordered input, which left the numeric gradient all zeros.
    rng = np.random.default_rng(1)
    real = rng.standard_normal((3, 4))
    gradcheck(lambda t: t**3 * t[:1], [_laid_out(real, layout)])
    start = _laid_out(real + 1j * rng.standard_normal((3, 4)), layout)
    check_complex_gradient(lambda z: z * z, start, lambda *shape: rng.standard_normal(shape))
