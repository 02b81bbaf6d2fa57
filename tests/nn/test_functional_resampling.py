"""arraygrad.nn.functional interpolate, pixel_shuffle / pixel_unshuffle, channel_shuffle and
unfold / fold against torch 2.13.0 and finite differences.

Each row of ``OP_TABLE`` is written once against the shared API: ``F(x)`` is
``torch.nn.functional`` for torch tensors and ``arraygrad.nn.functional`` for arraygrad tensors.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import arraygrad as ag
import arraygrad.nn.functional as AF
from tests.oracle import (
    OpSpec,
    assert_like_torch_on,
    check_against_torch,
    check_complex_gradient,
    fixed_shapes,
    on_backend,
    run_gradcheck_case,
    run_torch_case,
    shape_cases,
    shapes_of,
)

DTYPES = [np.float64, np.float32]


def F(x: Any) -> Any:
    """The functional module of ``x``'s library."""
    return torch.nn.functional if isinstance(x, torch.Tensor) else AF


def lib(x: Any) -> Any:
    return torch if isinstance(x, torch.Tensor) else ag


def quietly(name: str, **kwargs: Any) -> Any:
    """``F(x).<name>(x, **kwargs)`` with its deprecation warning silenced (both libraries warn;
    ``test_deprecated_upsample_names_warn_like_torch`` compares the warnings)."""

    def fn(x: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return getattr(F(x), name)(x, **kwargs)

    return fn


SHUFFLES = {
    "pixel_shuffle": OpSpec(
        lambda x: F(x).pixel_shuffle(x, 2),
        shapes=shapes_of(lambda n, c, h, w: ((n, 4 * c, h, w),), 4),
    ),
    "pixel_shuffle_unbatched_r3": OpSpec(
        lambda x: F(x).pixel_shuffle(x, 3), shapes=fixed_shapes((9, 2, 1))
    ),
    "pixel_shuffle_extra_batch_dims": OpSpec(
        lambda x: F(x).pixel_shuffle(x, 2), shapes=fixed_shapes((2, 1, 8, 1, 2))
    ),
    "pixel_unshuffle": OpSpec(
        lambda x: F(x).pixel_unshuffle(x, 2),
        shapes=shapes_of(lambda n, c, h, w: ((n, c, 2 * h, 2 * w),), 4),
    ),
    "pixel_unshuffle_r3": OpSpec(
        lambda x: F(x).pixel_unshuffle(x, 3), shapes=fixed_shapes((2, 3, 6))
    ),
    "channel_shuffle": OpSpec(
        lambda x: F(x).channel_shuffle(x, 3),
        shapes=shapes_of(lambda n, c, h: ((n, 3 * c, h),), 3),
    ),
    "channel_shuffle_4d": OpSpec(
        lambda x: F(x).channel_shuffle(x, 2), shapes=fixed_shapes((2, 4, 2, 3))
    ),
    "pixel_shuffle_roundtrip": OpSpec(
        lambda x: F(x).pixel_shuffle(F(x).pixel_unshuffle(x, 2) * 2, 2),
        shapes=fixed_shapes((1, 2, 4, 2)),
    ),
}

# unfold / fold calls and their input shapes: the op table's entries, and the complex and bool
# comparisons below.
BLOCK_CALLS: dict[str, tuple[Any, tuple[int, ...]]] = {
    "unfold": (lambda x: F(x).unfold(x, 2), (2, 2, 3, 4)),
    "unfold_all_options": (
        lambda x: F(x).unfold(x, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
        (1, 2, 4, 5),
    ),
    "unfold_unbatched": (lambda x: F(x).unfold(x, 3, padding=1, stride=2), (2, 3, 3)),
    "fold": (lambda x: F(x).fold(x, (3, 4), 2), (2, 8, 6)),
    "fold_all_options": (
        lambda x: F(x).fold(x, (4, 5), (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
        (1, 12, 9),
    ),
    "fold_uncovered_remainder": (lambda x: F(x).fold(x, (5, 5), 2, stride=2), (8, 4)),
    "fold_of_unfold": (
        lambda x: F(x).fold(F(x).unfold(x, 2, padding=1), (3, 3), 2, padding=1),
        (1, 2, 3, 3),
    ),
}
BLOCKS = {name: OpSpec(fn, shapes=fixed_shapes(shape)) for name, (fn, shape) in BLOCK_CALLS.items()}

INTERPOLATION = {
    "nearest_scale2_1d": OpSpec(
        lambda x: F(x).interpolate(x, scale_factor=2),
        shapes=shapes_of(lambda n, c, w: ((n, c, w),), 3),
    ),
    "nearest_size_2d": OpSpec(
        lambda x: F(x).interpolate(x, size=(5, 3)), shapes=fixed_shapes((1, 2, 3, 4))
    ),
    "nearest_fractional_scale_2d": OpSpec(
        lambda x: F(x).interpolate(x, scale_factor=(1.7, 0.6)), shapes=fixed_shapes((1, 2, 4, 5))
    ),
    "nearest_recompute_scale": OpSpec(
        lambda x: F(x).interpolate(x, scale_factor=2.3, recompute_scale_factor=True),
        shapes=fixed_shapes((1, 1, 3, 3)),
    ),
    "nearest_3d": OpSpec(
        lambda x: F(x).interpolate(x, size=(3, 2, 5)), shapes=fixed_shapes((1, 1, 2, 3, 2))
    ),
    "nearest_exact": OpSpec(
        lambda x: F(x).interpolate(x, size=(5, 3), mode="nearest-exact"),
        shapes=fixed_shapes((1, 2, 3, 4)),
    ),
    "linear": OpSpec(
        lambda x: F(x).interpolate(x, scale_factor=2, mode="linear"),
        shapes=shapes_of(lambda n, c, w: ((n, c, w),), 3),
    ),
    "linear_align_corners": OpSpec(
        lambda x: F(x).interpolate(x, size=7, mode="linear", align_corners=True),
        shapes=shapes_of(lambda n, c, w: ((n, c, w),), 3),
    ),
    "linear_downsample": OpSpec(
        lambda x: F(x).interpolate(x, scale_factor=0.45, mode="linear"),
        shapes=fixed_shapes((2, 1, 9)),
    ),
    "bilinear": OpSpec(
        lambda x: F(x).interpolate(x, scale_factor=1.5, mode="bilinear"),
        shapes=fixed_shapes((1, 2, 3, 4)),
    ),
    "bilinear_align_corners_size": OpSpec(
        lambda x: F(x).interpolate(x, size=(5, 2), mode="bilinear", align_corners=True),
        shapes=fixed_shapes((2, 1, 3, 4)),
    ),
    # An axis whose size does not change is left alone by PyTorch's linear kernels, even when a
    # scale_factor (here 1.3 on 3 rows) would move its sample positions.
    "bilinear_one_axis_unresized": OpSpec(
        lambda x: F(x).interpolate(x, scale_factor=(1.3, 1.5), mode="bilinear"),
        shapes=fixed_shapes((1, 2, 3, 4)),
    ),
    "bilinear_size_one": OpSpec(
        lambda x: F(x).interpolate(x, size=(1, 3), mode="bilinear", align_corners=True),
        shapes=fixed_shapes((1, 1, 3, 4)),
    ),
    "trilinear": OpSpec(
        lambda x: F(x).interpolate(x, scale_factor=(1.5, 2, 0.7), mode="trilinear"),
        shapes=fixed_shapes((1, 1, 2, 2, 3)),
    ),
    "area": OpSpec(
        lambda x: F(x).interpolate(x, size=(2, 3), mode="area"), shapes=fixed_shapes((1, 2, 5, 7))
    ),
    "area_scale_1d": OpSpec(
        lambda x: F(x).interpolate(x, scale_factor=0.5, mode="area"), shapes=fixed_shapes((2, 2, 7))
    ),
    "upsample_bilinear_deprecated": OpSpec(
        quietly("upsample_bilinear", scale_factor=2), shapes=fixed_shapes((1, 1, 2, 3))
    ),
    "upsample_nearest_deprecated": OpSpec(
        quietly("upsample_nearest", size=5), shapes=fixed_shapes((1, 2, 3))
    ),
    "upsample_deprecated": OpSpec(
        quietly("upsample", scale_factor=3, mode="linear"), shapes=fixed_shapes((1, 2, 2))
    ),
}

OP_TABLE = {**SHUFFLES, **BLOCKS, **INTERPOLATION}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the deprecated upsample names warn
        warnings.simplefilter("ignore", FutureWarning)
        run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=5)  # finite differences cost two calls per element
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", FutureWarning)
        run_gradcheck_case(OP_TABLE[name], data.draw)


# --- the source rows PyTorch picks, at many sizes and scales --------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "linear"])
def test_source_positions_match_torch_over_many_sizes(mode: str, dtype: type) -> None:
    """Exact equality for nearest (the same source rows), float rounding for linear."""
    rng = np.random.default_rng(0)
    for size in [1, 2, 3, 5, 7, 13]:
        x = rng.standard_normal((1, 2, size)).astype(dtype)
        options: list[dict[str, Any]] = [
            {"size": out} for out in (1, 2, 3, 4, 6, 9, 14, 26, 29)
        ] + [
            {"scale_factor": s, "recompute_scale_factor": r}
            for s in (0.35, 0.5, 1.3, 1.7, 2.0, 2.5, 2.9, 3.3)
            for r in (None, True)
            if int(size * s) > 0
        ]
        for kwargs in options:
            corners = [None] if mode != "linear" else [False, True]
            for align_corners in corners:
                theirs = torch.nn.functional.interpolate(
                    torch.tensor(x), mode=mode, align_corners=align_corners, **kwargs
                ).numpy()
                mine = AF.interpolate(
                    ag.tensor(x), mode=mode, align_corners=align_corners, **kwargs
                ).numpy()
                assert mine.shape == theirs.shape, (size, kwargs)
                if mode == "linear":
                    np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-6)
                else:
                    np.testing.assert_array_equal(mine, theirs, err_msg=str((size, kwargs)))


def test_nearest_gradient_sums_repeated_rows_like_torch() -> None:
    x = np.arange(6.0).reshape(1, 2, 3)
    theirs = torch.tensor(x, requires_grad=True)
    torch.nn.functional.interpolate(theirs, size=8).sum().backward()
    mine = ag.tensor(x, requires_grad=True)
    AF.interpolate(mine, size=8).sum().backward()
    np.testing.assert_array_equal(mine.grad.numpy(), theirs.grad.numpy())


def test_empty_batch_passes_through_like_torch() -> None:
    theirs = torch.nn.functional.interpolate(torch.zeros(0, 2, 3), scale_factor=2, mode="linear")
    mine = AF.interpolate(ag.zeros(0, 2, 3), scale_factor=2, mode="linear")
    assert tuple(mine.shape) == tuple(theirs.shape)
    theirs = torch.nn.functional.unfold(torch.zeros(0, 2, 3, 4), 2)
    mine = AF.unfold(ag.zeros(0, 2, 3, 4), 2)
    assert tuple(mine.shape) == tuple(theirs.shape)


def _complex(rng: np.random.Generator, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("name", sorted(BLOCK_CALLS))
def test_complex_blocks_match_torch(name: str, dtype: type) -> None:
    # torch's im2col/col2im take complex input (arraygrad raised NotImplementedError): values,
    # dtype and the gradient of a complex cotangent (the maps are real, so J^H g = J^T g).
    fn, shape = BLOCK_CALLS[name]
    rtol = 1e-6 if dtype == np.complex64 else 1e-12
    check_against_torch(fn, None, [_complex(np.random.default_rng(7), shape, dtype)], rtol=rtol)


@pytest.mark.parametrize("name", ["unfold_all_options", "fold_all_options"])
def test_complex_block_gradients_match_finite_differences(name: str) -> None:
    fn, shape = BLOCK_CALLS[name]
    rng = np.random.default_rng(8)
    check_complex_gradient(
        fn, _complex(rng, shape, np.complex128), lambda *s: _complex(rng, s, complex)
    )


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
@pytest.mark.parametrize("name", sorted(BLOCK_CALLS))
def test_bool_blocks_match_torch(name: str, backend: str) -> None:
    # torch's kernels take bool too; fold's overlapping blocks combine with or (NumPy's bool
    # +=, and logical_or where the standard has no bool +).
    fn, shape = BLOCK_CALLS[name]
    x = np.random.default_rng(9).random(shape) < 0.4
    theirs = fn(torch.tensor(x))
    with on_backend(backend):
        mine = fn(ag.tensor(x))
        assert mine.dtype == ag.bool
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_pixel_shuffle_keeps_integer_dtype_like_torch() -> None:
    x = np.arange(16).reshape(1, 4, 2, 2)
    theirs = torch.nn.functional.pixel_shuffle(torch.tensor(x), 2)
    mine = AF.pixel_shuffle(ag.tensor(x), 2)
    assert mine.dtype == ag.int64
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    back = AF.pixel_unshuffle(mine, 2)
    np.testing.assert_array_equal(back.numpy(), x)


def test_deprecated_upsample_names_warn_like_torch() -> None:
    for name in ("upsample", "upsample_nearest", "upsample_bilinear"):
        with warnings.catch_warnings(record=True) as theirs:
            warnings.simplefilter("always")
            getattr(torch.nn.functional, name)(torch.zeros(1, 1, 2, 2), scale_factor=2)
        with warnings.catch_warnings(record=True) as mine:
            warnings.simplefilter("always")
            getattr(AF, name)(ag.zeros(1, 1, 2, 2), scale_factor=2)
        assert [str(w.message) for w in mine] == [str(w.message) for w in theirs]


# --- misuse: PyTorch's exception classes, messages naming the problem ----------------------------


def _raises_like_torch(fn: Any, arrays: tuple, match: str) -> None:
    with pytest.raises(Exception) as theirs:
        fn(*[torch.tensor(a) for a in arrays])
    with pytest.raises(theirs.type, match=match):
        fn(*[ag.tensor(a) for a in arrays])


IMG = np.zeros((1, 4, 3, 4))
COLS = np.zeros((1, 8, 6))


@pytest.mark.parametrize(
    ("fn", "arrays", "match"),
    [
        (lambda x: F(x).pixel_shuffle(x[0, 0], 2), (IMG,), "at least 3 dimensions"),
        (lambda x: F(x).pixel_shuffle(x[:, :3], 2), (IMG,), "divisible by the square"),
        (lambda x: F(x).pixel_shuffle(x, 0), (IMG,), "positive upscale_factor"),
        (lambda x: F(x).pixel_unshuffle(x, 2), (IMG,), "height to be divisible"),
        (lambda x: F(x).pixel_unshuffle(x[..., :2, :3], 2), (IMG,), "width to be divisible"),
        (lambda x: F(x).pixel_unshuffle(x, -1), (IMG,), "positive downscale_factor"),
        (lambda x: F(x).channel_shuffle(x[0, 0], 2), (IMG,), "> 2 dims"),
        (lambda x: F(x).channel_shuffle(x, 3), (IMG,), "divisible by groups"),
        (lambda x: F(x).channel_shuffle(x, 0), (IMG,), "must be positive"),
        (lambda x: F(x).unfold(x[0, 0], 2), (IMG,), "Dimension out of range"),
        (lambda x: F(x).unfold(x[None], 2), (IMG,), "Expected 3D or 4D"),
        (lambda x: F(x).unfold(x, 5), (IMG,), "must be at least one"),
        (lambda x: F(x).unfold(x, 0), (IMG,), "greater than zero"),
        (lambda x: F(x).unfold(x, 2, padding=-1), (IMG,), "non-negative"),
        (lambda x: F(x).unfold(x, (2, 3, 4)), (IMG,), "kernel_size equals to 2"),
        (lambda x: F(x).unfold(x.long(), 2), (IMG,), "not implemented for 'Long'"),
        (lambda x: F(x).fold(x, (3, 4), 3), (COLS,), "divisible by the product of kernel_size"),
        (lambda x: F(x).fold(x[..., :5], (3, 4), 2), (COLS,), "number of sliding blocks"),
        (lambda x: F(x).fold(x[..., None], (3, 4), 2), (COLS,), "Expected 2D or 3D"),
        (lambda x: F(x).interpolate(x, size=2, scale_factor=2), (IMG,), "only one of size"),
        (lambda x: F(x).interpolate(x), (IMG,), "either size or scale_factor"),
        (lambda x: F(x).interpolate(x, size=(2, 2, 2)), (IMG,), "same number of spatial"),
        (lambda x: F(x).interpolate(x, scale_factor=(2, 2, 2)), (IMG,), "same number of spatial"),
        (lambda x: F(x).interpolate(x, size=(2.0, 2)), (IMG,), "expected size to be one of int"),
        (
            lambda x: F(x).interpolate(x, scale_factor=2, align_corners=True),
            (IMG,),
            "align_corners option can only be set",
        ),
        (
            lambda x: F(x).interpolate(x, size=3, recompute_scale_factor=True),
            (IMG,),
            "recompute_scale_factor is not meaningful",
        ),
        (lambda x: F(x).interpolate(x, size=3, mode="linear"), (IMG,), "linear mode needs 3D"),
        (lambda x: F(x).interpolate(x[0], size=3, mode="bilinear"), (IMG,), "needs 4D input"),
        (lambda x: F(x).interpolate(x[0, 0], size=3), (IMG,), "Only 3D, 4D and 5D"),
        # the size's length is checked before the input's rank
        (lambda x: F(x).interpolate(x[0, 0], size=(3,)), (IMG,), "same number of spatial"),
        (
            lambda x: F(x).interpolate(x[0, 0], scale_factor=(2.0,)),
            (IMG,),
            "same number of spatial",
        ),
        (lambda x: F(x).interpolate(x, size=3, mode="cubic"), (IMG,), "Only 3D, 4D and 5D"),
        (lambda x: F(x).interpolate(x, size=0), (IMG,), "greater than 0"),
        (lambda x: F(x).interpolate(x, scale_factor=0.2), (IMG,), "greater than 0"),
        (lambda x: F(x).interpolate(x.long(), size=3), (IMG,), "not implemented for 'Long'"),
    ],
)
def test_errors_match_torch(fn: Any, arrays: tuple, match: str) -> None:
    _raises_like_torch(fn, arrays, match)


def test_area_on_5d_input_matches_torch() -> None:
    # mode="area" on (N, C, D, H, W) is an adaptive 3-D average pool (arraygrad raised
    # NotImplementedError)
    x = np.random.default_rng(0).standard_normal((2, 1, 3, 2, 5))
    check_against_torch(lambda t: F(t).interpolate(t, size=(2, 3, 2), mode="area"), None, [x])
    check_against_torch(lambda t: F(t).interpolate(t, scale_factor=1.5, mode="area"), None, [x])


def test_area_and_adaptive_avg_pool_to_size_zero_give_empty_outputs_like_torch() -> None:
    # torch's adaptive average pools take an output size of 0 (an empty output); arraygrad
    # refused it, in interpolate(mode="area") too
    x = np.random.default_rng(1).standard_normal((2, 1, 2, 1))
    for fn in (
        lambda L: L.nn.functional.interpolate(L.tensor(x), scale_factor=0.5, mode="area"),
        lambda L: L.nn.functional.adaptive_avg_pool2d(L.tensor(x), (1, 0)),
        lambda L: L.nn.functional.adaptive_avg_pool1d(L.tensor(x[0]), 0),
    ):
        assert tuple(fn(ag).shape) == tuple(fn(torch).shape)
    with pytest.raises(RuntimeError, match="greater than or equal to 0"):
        AF.adaptive_avg_pool2d(ag.tensor(x), (1, -1))


# Regression (emptygrid): interpolate and unfold of an input with no channels (or an empty
# position dimension, unfold) computed an empty result; torch refuses: only the batch may be
# empty.
EMPTY_RESAMPLING_CASES = [
    ("nearest", lambda L, x: L.nn.functional.interpolate(x, size=2), [(1, 0, 4), (0, 2, 3)]),
    ("linear", lambda L, x: L.nn.functional.interpolate(x, size=2, mode="linear"), [(1, 0, 4)]),
    ("bilinear", lambda L, x: L.nn.functional.interpolate(x, size=(2, 2), mode="bilinear"),
     [(1, 0, 4, 4), (0, 1, 2, 2)]),
    ("bicubic", lambda L, x: L.nn.functional.interpolate(x, size=(2, 2), mode="bicubic"),
     [(1, 0, 4, 4)]),
    ("unfold", lambda L, x: L.nn.functional.unfold(x, 1), [(1, 0, 4, 4), (1, 2, 0, 4), (0, 3, 4),
                                                          (0, 1, 2, 2)]),
]  # fmt: skip


@shape_cases(EMPTY_RESAMPLING_CASES)
def test_resampling_of_empty_inputs_as_torch(call: Any, shape: tuple[int, ...]) -> None:
    assert_like_torch_on(call, shape)


@pytest.mark.parametrize("factor", [[2], True, 2.0])
@pytest.mark.parametrize("name", ["pixel_shuffle", "pixel_unshuffle"])
def test_pixel_shuffle_takes_a_plain_int_factor_as_torch(factor: Any, name: str) -> None:
    # (torch's parser reads a 0-d integer tensor as the int, and refuses any other tensor)
    said = []
    for m in (torch, ag):
        x = m.arange(16.0).reshape(1, 4, 2, 2)
        with pytest.raises(TypeError) as caught:
            getattr(m.nn.functional, name)(x, m.tensor(factor))
        said.append(str(caught.value).split(". Fix")[0])
    assert said[1] == said[0]
    assert AF.pixel_shuffle(ag.arange(4.0).reshape(4, 1, 1), ag.tensor(2)).shape == (1, 2, 2)


@pytest.mark.parametrize("shape", [(0, 2, 4, 4), (2, 0, 4, 4), (2, 2, 0, 4), (3, 0, 2, 4, 4)])
@pytest.mark.parametrize("module", [False, True])
def test_pixel_unshuffle_of_empty_input_keeps_its_shape_as_torch(
    shape: tuple[int, ...], module: bool
) -> None:
    # PyTorch returns a copy of an empty input unrearranged ((0, 2, 4, 4) stays so, r = 2) where
    # arraygrad gave (0, 8, 2, 2) (nn fuzzer, seeds 918 and mod 832). Forward only: torch's own
    # backward then fails (it pixel_shuffles the gradient, of the wrong shape).
    found = []
    for m in (torch, ag):
        x = m.zeros(shape, dtype=m.bool)
        call = (
            m.nn.PixelUnshuffle(2)
            if module
            else lambda t, m=m: m.nn.functional.pixel_unshuffle(t, 2)
        )
        out = call(x)
        found.append((tuple(out.shape), str(out.dtype).split(".")[-1], out is x))
    assert found[1] == found[0]


def test_pixel_unshuffle_of_empty_input_still_checks_its_sizes_as_torch() -> None:
    for m in (torch, ag):
        with pytest.raises(RuntimeError, match="height to be divisible"):
            m.nn.functional.pixel_unshuffle(m.zeros(0, 2, 3, 4), 2)
