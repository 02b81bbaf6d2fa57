"""arraygrad.nn.functional lp_pool1d/2d/3d and the LPPool layers against torch 2.13.0 and finite
differences, with torch's values and gradients where a window's sum is zero or negative and for
infinite norms."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import arraygrad as ag
import arraygrad.nn.functional as AF
from tests.nn._compare import compare_module
from tests.oracle import (
    OpSpec,
    check_against_torch,
    fixed_shapes,
    fixed_shapes_settings,
    run_gradcheck_case,
    run_torch_case,
)

DTYPES = [np.float64, np.float32]


def F(x: Any) -> Any:
    """The functional module of ``x``'s library."""
    return torch.nn.functional if isinstance(x, torch.Tensor) else AF


def lib(x: Any) -> Any:
    return torch if isinstance(x, torch.Tensor) else ag


def distinct(x: Any) -> Any:
    """``x`` plus a fixed ramp, so that no two elements tie (max pooling is kinked at ties)."""
    return x + lib(x).arange(x.numel(), dtype=x.dtype).reshape(x.shape) * 0.1


def planes(n: int) -> Any:
    """Shapes ``((N, C, *spatial),)`` with ``n`` drawn spatial sizes in [3, 5]."""
    return st.tuples(st.integers(1, 2), *[st.integers(3, 5)] * n).map(
        lambda s: ((s[0], 2, *s[1:]),)
    )


# x ** p of a negative x is NaN for fractional p, and a negative window sum has no real 1/p-th
# power: those rows draw positive inputs.
POSITIVE = {"low": 0.2, "high": 3.0}
# The norm of a window is kinked where the whole window is 0: finite differences stay away.
SIGNED = {"kinks": (0.0,), "kink_margin": 0.1}

OP_TABLE = {
    "lp_pool1d_p2": OpSpec(lambda x: F(x).lp_pool1d(x, 2, 2), shapes=planes(1), **SIGNED),
    "lp_pool1d_p3_stride_ceil": OpSpec(
        lambda x: F(x).lp_pool1d(x, 3, 3, 2, ceil_mode=True), shapes=planes(1), **POSITIVE
    ),
    "lp_pool2d_p1": OpSpec(lambda x: F(x).lp_pool2d(x, 1, 2), shapes=planes(2), **POSITIVE),
    "lp_pool2d_fractional_rect": OpSpec(
        lambda x: F(x).lp_pool2d(x, 1.5, (2, 1), (1, 2)), shapes=planes(2), **POSITIVE
    ),
    "lp_pool2d_unbatched_ceil": OpSpec(
        lambda x: F(x).lp_pool2d(x, 2, 2, ceil_mode=True), shapes=fixed_shapes((2, 3, 5)), **SIGNED
    ),
    "lp_pool3d_p2": OpSpec(
        lambda x: F(x).lp_pool3d(x, 2, 2), shapes=fixed_shapes((1, 2, 2, 4, 3)), **SIGNED
    ),
    "lp_pool3d_p4_stride": OpSpec(
        lambda x: F(x).lp_pool3d(x, 4, (2, 1, 2), 1), shapes=fixed_shapes((2, 1, 3, 2, 3)), **SIGNED
    ),
    "lp_pool2d_inf": OpSpec(
        lambda x: F(x).lp_pool2d(distinct(x), math.inf, 2),
        shapes=fixed_shapes((1, 2, 4, 4)),
        **POSITIVE,
    ),
    "lp_pool1d_minus_inf": OpSpec(
        lambda x: F(x).lp_pool1d(distinct(x), -math.inf, 3, 1),
        shapes=fixed_shapes((2, 1, 5)),
        **POSITIVE,
    ),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@fixed_shapes_settings()
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=3)  # finite differences cost two calls per element
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


@pytest.mark.parametrize("norm_type", [1, 2, 3, 0.5])
def test_zero_and_negative_windows_match_torch(norm_type: float) -> None:
    # A window of zeros: value 0 and gradient 0 (not NaN); odd powers of negative sums: NaN,
    # as in torch.
    x = np.array([[[0.0, 0.0, -1.0, -2.0, 1.0, 3.0, 0.0, 2.0]]])

    def fn(t: Any) -> Any:
        return F(t).lp_pool1d(t, norm_type, 2)

    th_x = torch.tensor(x, requires_grad=True)
    ag_x = ag.tensor(x, requires_grad=True)
    theirs = fn(th_x)
    theirs.sum().backward()
    with np.errstate(all="ignore"):  # NumPy warns where torch silently gives inf and NaN
        mine = fn(ag_x)
        mine.sum().backward()
    np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), equal_nan=True)
    np.testing.assert_allclose(ag_x.grad.numpy(), th_x.grad.numpy(), equal_nan=True)


LAYERS = {
    "lppool1d": (lambda nn: nn.LPPool1d(2, 3, 2), (2, 3, 7)),
    "lppool2d": (lambda nn: nn.LPPool2d(1.5, (2, 3), ceil_mode=True), (2, 2, 5, 5)),
    "lppool3d": (lambda nn: nn.LPPool3d(3, 2), (1, 2, 4, 2, 4)),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_matches_torch(name: str) -> None:
    build, shape = LAYERS[name]
    x = np.random.default_rng(7).uniform(0.2, 2.0, shape)
    compare_module(build, [x])
    theirs, mine = build(torch.nn), build(ag.nn)
    assert repr(mine) == repr(theirs)
    assert type(mine).__mro__[1].__name__ == type(theirs).__mro__[1].__name__


def test_lp_pool_of_a_float32_input_stays_float32() -> None:
    x = np.random.default_rng(1).uniform(0.5, 1.0, (1, 1, 4, 4)).astype(np.float32)
    check_against_torch(lambda t: F(t).lp_pool2d(t, 2, 2), None, [x])


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: F(x).lp_pool2d(x, 2, 5),
        lambda x: F(x).lp_pool3d(x, 2, 2),
        lambda x: F(x).lp_pool1d(x, 2, 0),
        # lp_pool2d/3d unpack kernel_size in Python (kw, kh = _pair(k)): ValueError
        lambda x: F(x).lp_pool2d(x, 2, [2]),
        lambda x: F(x).lp_pool2d(x, 2, (2, 2, 2)),
        lambda x: F(x).lp_pool3d(x[None], 2, [2, 2]),
    ],
)
def test_errors_match_torch(fn: Any) -> None:
    x = np.ones((1, 4, 4))
    with pytest.raises(Exception) as theirs:
        fn(torch.tensor(x))
    with pytest.raises(theirs.type):
        fn(ag.tensor(x))


@pytest.mark.parametrize("n", [1, 2, 3])
def test_lp_pool_modules_pass_norm_type_as_a_float_as_torch(n: int) -> None:
    # torch's LPPoolNd.forward passes float(norm_type): an integer input is pooled in float.
    # arraygrad passed the int, which kept the power and the average integer (floored)
    data = np.array([[1, 1, 3, 1, 0, 1], [1, 0, 0, 2, 2, 3]]).reshape((1,) * n + (2, 6))
    # (an int kernel for 1-d: torch's lp_pool1d multiplies by a tuple kernel_size and fails)
    kernel = 2 if n == 1 else (2, 1) if n == 2 else (1, 2, 1)
    results = []
    for lib in (torch, ag):
        module = getattr(lib.nn, f"LPPool{n}d")(2, kernel)
        out = module(lib.tensor(data))
        results.append((out.numpy(), str(out.dtype).split(".")[-1], repr(module)))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-6)
    assert results[1][1:] == results[0][1:]
