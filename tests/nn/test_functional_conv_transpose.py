"""arraygrad.nn.functional conv_transpose1d/2d/3d against torch 2.13.0 and finite differences:
values and gradients (input, weight, bias) in float64 and float32, stride, padding,
output_padding, groups and dilation, unbatched and empty batches, double backward, and the
misuse errors' classes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import arraygrad as ag
import arraygrad.nn.functional as AF
from arraygrad import _conv_windows
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


def batch_and_length(build: Any) -> Any:
    """Shapes ``build(n, size)`` for a drawn batch size and spatial size."""
    return st.tuples(st.integers(1, 2), st.integers(1, 4)).map(lambda sizes: build(*sizes))


# Float32 sums of a few dozen products in another order than torch's.
CONV = {"rtol": None, "atol": 1e-5}

OP_TABLE = {
    "conv_transpose1d": OpSpec(
        lambda x, w, b: F(x).conv_transpose1d(x, w, b),
        shapes=batch_and_length(lambda n, size: ((n, 2, size), (2, 3, 3), (3,))),
        **CONV,
    ),
    "conv_transpose1d_all_options": OpSpec(
        lambda x, w, b: F(x).conv_transpose1d(
            x, w, b, stride=3, padding=2, output_padding=2, groups=2, dilation=2
        ),
        shapes=fixed_shapes((2, 4, 3), (4, 2, 3), (4,)),
        **CONV,
    ),
    "conv_transpose1d_unbatched": OpSpec(
        lambda x, w: F(x).conv_transpose1d(x, w, stride=2, output_padding=1),
        shapes=fixed_shapes((2, 4), (2, 1, 2)),
        **CONV,
    ),
    "conv_transpose1d_output_padding_below_dilation": OpSpec(
        # output_padding >= stride is allowed while it is below the dilation.
        lambda x, w: F(x).conv_transpose1d(x, w, output_padding=2, dilation=3),
        shapes=fixed_shapes((1, 1, 3), (1, 2, 2)),
        **CONV,
    ),
    "conv_transpose2d": OpSpec(
        lambda x, w, b: F(x).conv_transpose2d(x, w, b, stride=2, padding=1),
        shapes=batch_and_length(lambda n, size: ((n, 2, size, 3), (2, 3, 3, 2), (3,))),
        **CONV,
    ),
    "conv_transpose2d_groups_dilation": OpSpec(
        lambda x, w: F(x).conv_transpose2d(
            x, w, stride=(2, 1), padding=(1, 0), output_padding=(1, 0), groups=3, dilation=(1, 2)
        ),
        shapes=fixed_shapes((1, 3, 3, 2), (3, 2, 2, 3)),
        **CONV,
    ),
    "conv_transpose2d_depthwise_unbatched": OpSpec(
        lambda x, w, b: F(x).conv_transpose2d(x, w, b, groups=2, padding=1),
        shapes=fixed_shapes((2, 3, 3), (2, 1, 3, 3), (2,)),
        **CONV,
    ),
    "conv_transpose3d": OpSpec(
        lambda x, w, b: F(x).conv_transpose3d(x, w, b, stride=2, padding=1, output_padding=1),
        shapes=fixed_shapes((1, 2, 2, 2, 2), (2, 2, 2, 2, 2), (2,)),
        **CONV,
    ),
    "conv_transpose3d_groups_dilation": OpSpec(
        lambda x, w: F(x).conv_transpose3d(
            x, w, stride=(1, 2, 1), padding=(0, 1, 1), groups=2, dilation=(2, 1, 1)
        ),
        shapes=fixed_shapes((1, 2, 2, 2, 3), (2, 1, 2, 3, 2)),
        **CONV,
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


@pytest.mark.parametrize("n", [1, 2, 3])
def test_transposes_the_convolution_of_the_same_weight(n: int) -> None:
    # <conv_transpose(y, w), x> = <y, conv(x, w)>: the adjoint, with stride, padding, groups
    # and dilation (output_padding picks x's size among those conv maps to y's).
    rng = np.random.default_rng(n)
    x = ag.tensor(rng.standard_normal((2, 4) + (8,) * n))
    w = ag.tensor(rng.standard_normal((6, 2) + (3,) * n))
    conv = getattr(AF, f"conv{n}d")
    transpose = getattr(AF, f"conv_transpose{n}d")
    options = {"stride": 2, "padding": 1, "dilation": 2, "groups": 2}
    y = ag.tensor(rng.standard_normal(tuple(conv(x, w, **options).shape)))
    back = transpose(y, w, output_padding=1, **options)
    assert back.shape == x.shape
    np.testing.assert_allclose(
        float((back * x).sum()), float((y * conv(x, w, **options)).sum()), rtol=1e-12
    )


@pytest.mark.parametrize(
    ("fn", "shapes"),
    [
        (
            lambda x, w, b: F(x).conv_transpose2d(
                x, w, b, stride=2, padding=1, output_padding=1, groups=2, dilation=(2, 1)
            ),
            ((2, 4, 5, 4), (4, 3, 3, 2), (6,)),
        ),
        (
            lambda x, w, b: F(x).conv_transpose3d(x, w, b, stride=(2, 1, 1), padding=1),
            ((1, 2, 3, 4, 2), (2, 3, 2, 3, 2), (3,)),
        ),
    ],
)
def test_conv_transpose_computed_in_slabs_matches_torch(
    fn: Any, shapes: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tiny slabs: one input row each, so the scatter-add of overlapping rows across slabs is
    # exercised; values, gradients and second derivatives must not change.
    monkeypatch.setattr(_conv_windows, "_SLAB_BYTES", 1)
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal(shape) for shape in shapes]
    check_against_torch(fn, None, arrays)

    def double(x: Any, w: Any, b: Any) -> Any:
        out = fn(x, w, b)
        gx, gw = lib(x).autograd.grad((out * out).sum(), [x, w], create_graph=True)
        return (gx * gx).sum() + (gw * gw * gw).sum()

    check_against_torch(double, None, arrays)


def test_empty_batch_matches_torch() -> None:
    x, w = np.zeros((0, 2, 3, 3)), np.ones((2, 3, 2, 2))
    check_against_torch(lambda a, b: F(a).conv_transpose2d(a, b, stride=2), None, [x, w])


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "kwargs"),
    [
        ((0, 2, 2), (2, 3, 1), {"padding": 1}),
        ((0, 4, 1), (4, 1, 2), {"stride": 2, "padding": 1, "groups": 2}),
        ((0, 2, 1, 3), (2, 3, 2, 2), {"stride": 2, "padding": 1}),
    ],
)
def test_empty_batch_with_output_size_zero_matches_torch(
    x_shape: tuple, w_shape: tuple, kwargs: dict
) -> None:
    # An output size of 0 is refused for a non-empty batch only (see the errors below).
    n = len(w_shape) - 2
    check_against_torch(
        lambda a, b: getattr(F(a), f"conv_transpose{n}d")(a, b, **kwargs),
        None,
        [np.zeros(x_shape), np.ones(w_shape)],
    )


@pytest.mark.parametrize("n", [1, 2, 3])
def test_double_backward_matches_torch(n: int) -> None:
    rng = np.random.default_rng(10 + n)
    x = rng.standard_normal((1, 2) + (3,) * n)
    w = rng.standard_normal((2, 2) + (2,) * n)
    transpose = f"conv_transpose{n}d"

    def fn(a: Any, b: Any) -> Any:
        out = getattr(F(a), transpose)(a, b, stride=2, padding=1, output_padding=1)
        gx, gw = lib(a).autograd.grad((out * out).sum(), [a, b], create_graph=True)
        return gx, gw

    check_against_torch(fn, None, [x, w])


def _raises_like_torch(fn: Any, arrays: tuple, match: str) -> None:
    with pytest.raises(Exception) as theirs:
        fn(*[torch.tensor(a) for a in arrays])
    with pytest.raises(theirs.type, match=match):
        fn(*[ag.tensor(a) for a in arrays])


X = np.zeros((1, 4, 5))
W = np.zeros((4, 3, 3))


@pytest.mark.parametrize(
    ("fn", "arrays", "match"),
    [
        (lambda x, w: F(x).conv_transpose1d(x, w, stride=2, output_padding=2), (X, W), "smaller"),
        (lambda x, w: F(x).conv_transpose1d(x, w, output_padding=1), (X, W), "output padding"),
        (lambda x, w: F(x).conv_transpose1d(x, w, padding=5), (X, W), "Output size is too small"),
        (
            lambda x, w: F(x).conv_transpose1d(x, w, stride=2, padding=1),
            (np.zeros((1, 4, 1)), np.zeros((4, 1, 2))),
            "Output size is too small",
        ),
        (lambda x, w: F(x).conv_transpose1d(x, w, groups=3), (X, W), "divisible by 3"),
        (lambda x, w: F(x).conv_transpose1d(x, w, groups=0), (X, W), "non-positive groups"),
        (lambda x, w: F(x).conv_transpose1d(x, w, stride=0), (X, W), "non-positive stride"),
        (lambda x, w: F(x).conv_transpose1d(x, w, padding=-1), (X, W), "negative padding"),
        (
            lambda x, w: F(x).conv_transpose1d(x, w, output_padding=-1),
            (X, W),
            "negative output_padding",
        ),
        (lambda x, w: F(x).conv_transpose1d(x, w, padding="same"), (X, W), "must be tuple"),
        (lambda x, w: F(x).conv_transpose1d(x, w), (np.zeros((1, 3, 5)), W), "have 4 channels"),
        (lambda x, w: F(x).conv_transpose1d(x, w), (X, np.zeros((4, 3))), "three dimensions"),
        (lambda x, w: F(x).conv_transpose1d(x, w), (np.zeros(5), W), "2D .unbatched. or 3D"),
        (
            lambda x, w, b: F(x).conv_transpose1d(x, w, b),
            (X, W, np.zeros(4)),
            "bias to be 1-dimensional with 3 elements",
        ),
        (
            lambda x, w: F(x).conv_transpose1d(x, w),
            (X.astype(np.float32), W),
            "expected scalar type",
        ),
        (
            lambda x, w: F(x).conv_transpose2d(x, w),
            (np.zeros((1, 2, 3, 3)), np.zeros((2, 1, 2, 2, 2))),
            "unbatched",
        ),
    ],
)
def test_errors_match_torch(fn: Any, arrays: tuple, match: str) -> None:
    _raises_like_torch(fn, arrays, match)


def test_a_bias_of_another_dtype_is_refused_naming_both_dtypes() -> None:
    # (The message said "expected scalar type bfloat16 but found bfloat16" for a bfloat16 input
    # and weight with a float32 bias.) PyTorch's oneDNN path, which it takes here, refuses it
    # too; its reference path, taken for some small inputs, adds it.
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((4, 2, 5, 5)), rng.standard_normal((2, 3, 2, 2)), np.ones(3)
    for lib in (torch, ag):
        with pytest.raises(RuntimeError, match=r"Input type .* and bias type .* should be"):
            lib.nn.functional.conv_transpose2d(
                lib.tensor(x, dtype=lib.float32), lib.tensor(w, dtype=lib.float32), lib.tensor(b)
            )
    with pytest.raises(RuntimeError, match=r"Input type \(bfloat16\) and bias type \(float32\)"):
        ag.nn.functional.conv_transpose2d(
            ag.tensor(x).bfloat16(), ag.tensor(w).bfloat16(), ag.tensor(b, dtype=ag.float32)
        )


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("weight_dtype", ["bool", "float64"])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_a_bool_input_meets_torchs_missing_bool_kernel(
    n: int, weight_dtype: str, bias: bool
) -> None:
    # arraygrad convolved bools (a bool weight) or raised its type mismatch (a float weight);
    # torch type-checks neither weight nor bias of a bool input before its kernel refuses it
    kernel = f"slow_conv_transpose{2 if n < 3 else 3}d_out_cpu"
    for lib, functional in ((torch, torch.nn.functional), (ag, AF)):
        x = lib.ones((1, 2) + (3,) * n, dtype=lib.bool)
        w = lib.ones((2, 1) + (2,) * n, dtype=getattr(lib, weight_dtype))
        b = lib.ones(1) if bias else None
        with pytest.raises(NotImplementedError, match=kernel):
            getattr(functional, f"conv_transpose{n}d")(x, w, b)
        assert getattr(functional, f"conv_transpose{n}d")(x[:0], w.bool()).shape[0] == 0
