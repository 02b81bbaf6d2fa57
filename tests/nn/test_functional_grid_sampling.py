"""arraygrad.nn.functional affine_grid and grid_sample against torch 2.13.0 and finite
differences: bilinear, bicubic and nearest sampling of images, trilinear and nearest sampling of
volumes, the three padding modes, both ``align_corners`` conventions, and the spatial
transformer (affine_grid then grid_sample) end to end."""

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
from tests.oracle import OpSpec, check_against_torch, gradcheck, run_gradcheck_case, run_torch_case

DTYPES = [np.float64, np.float32]
PADDINGS = ["zeros", "border", "reflection"]


def F(x: Any) -> Any:
    """The functional module of ``x``'s library."""
    return torch.nn.functional if isinstance(x, torch.Tensor) else AF


def off_pixels(grid: Any) -> Any:
    """Drawn grid values (hypothesis favours 0, 0.5, 1, ...) moved off the points where a
    coordinate lands exactly on a pixel, an edge or a half pixel: the bilinear weights have a
    kink there, and nearest sampling a tie (both are tested separately)."""
    return grid * 0.9 + 0.0137


def sample_shapes(draw_sizes: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    n, c, h, w, out_h, out_w = draw_sizes
    return ((n, c, h, w), (n, out_h, out_w, 2))


samples = st.tuples(st.integers(1, 2), st.integers(1, 2), *[st.integers(1, 3)] * 4).map(
    sample_shapes
)
volumes = st.tuples(st.integers(1, 2), *[st.integers(1, 2)] * 7).map(
    lambda s: ((s[0], s[1], s[2], s[3], s[4]), (s[0], s[5], s[6], s[7], 3))
)
thetas_2d = st.integers(1, 3).map(lambda n: ((n, 2, 3),))
thetas_3d = st.integers(1, 2).map(lambda n: ((n, 3, 4),))


def bilinear(padding_mode: str, align_corners: bool) -> OpSpec:
    return OpSpec(
        lambda x, g: F(x).grid_sample(
            x, off_pixels(g), "bilinear", padding_mode, align_corners=align_corners
        ),
        shapes=samples,
    )


def nearest(padding_mode: str, align_corners: bool) -> OpSpec:
    # piecewise constant in the grid: its gradient is zeros in both libraries
    return OpSpec(
        lambda x, g: F(x).grid_sample(
            x, off_pixels(g), "nearest", padding_mode, align_corners=align_corners
        ),
        shapes=samples,
    )


def transformer(x: Any, theta: Any) -> Any:
    """A spatial transformer: the affine grid of ``theta`` read from ``x`` (both gradients)."""
    grid = F(x).affine_grid(theta * 0.9 + 0.0137, list(x.shape), align_corners=False)
    return F(x).grid_sample(x, grid, align_corners=False, padding_mode="border")


OP_TABLE = {
    **{
        f"grid_sample:bilinear_{pad}_{'aligned' if ac else 'centres'}": bilinear(pad, ac)
        for pad in PADDINGS
        for ac in (True, False)
    },
    **{
        f"grid_sample:nearest_{pad}": nearest(pad, ac)
        for pad, ac in zip(PADDINGS, (True, False, True), strict=True)
    },
    **{
        f"grid_sample:bicubic_{pad}_{'aligned' if ac else 'centres'}": OpSpec(
            lambda x, g, pad=pad, ac=ac: F(x).grid_sample(
                x, off_pixels(g), "bicubic", pad, align_corners=ac
            ),
            shapes=samples,
            # sixteen taps: float32 rounding leaves ~1e-6 where the grid gradient cancels to 0
            atol=1e-5,
        )
        for pad in PADDINGS
        for ac in (True, False)
    },
    **{
        f"grid_sample:trilinear_{pad}": OpSpec(
            lambda x, g, pad=pad, ac=ac: F(x).grid_sample(
                x, off_pixels(g), "bilinear", pad, align_corners=ac
            ),
            shapes=volumes,
        )
        for pad, ac in zip(PADDINGS, (False, True, False), strict=True)
    },
    "grid_sample:nearest_volume": OpSpec(
        lambda x, g: F(x).grid_sample(x, off_pixels(g), "nearest", "reflection", False),
        shapes=volumes,
    ),
    "affine_grid": OpSpec(
        lambda t: F(t).affine_grid(t, [t.shape[0], 2, 3, 4], align_corners=False),
        shapes=thetas_2d,
    ),
    "affine_grid:aligned": OpSpec(
        lambda t: F(t).affine_grid(t, [t.shape[0], 1, 4, 2], align_corners=True),
        shapes=thetas_2d,
    ),
    "affine_grid:3d": OpSpec(
        lambda t: F(t).affine_grid(t, [t.shape[0], 1, 2, 3, 2], align_corners=False),
        shapes=thetas_3d,
    ),
    "affine_grid:3d_aligned": OpSpec(
        lambda t: F(t).affine_grid(t, (t.shape[0], 2, 3, 2, 2), align_corners=True),
        shapes=thetas_3d,
    ),
    "grid_sample:spatial_transformer": OpSpec(
        transformer,
        shapes=st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 3)).map(
            lambda s: ((s[0], 2, s[1], s[2]), (s[0], 2, 3))
        ),
    ),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=15)
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch's note on unit-size aligned grids
        run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=5)  # finite differences cost two calls per element
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        run_gradcheck_case(OP_TABLE[name], data.draw)


# --- edges: exact pixels, far outside, empty grids ------------------------------------------------

IMAGE = np.arange(2 * 3 * 4, dtype=np.float64).reshape(1, 2, 3, 4) ** 1.5 / 7.0


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("align_corners", [True, False])
def test_far_and_exact_points_match_torch(
    mode: str, padding_mode: str, align_corners: bool
) -> None:
    # pixel centres, edges, half pixels and points several images away (many reflections)
    xs = np.array([-7.3, -3.0, -1.0, -0.5, 0.0, 1 / 3, 0.5, 1.0, 2.2, 6.1])
    ys = np.array([5.7, -1.0, 0.0, 1.0, -2.6, 0.5, -0.25, 3.3, 1 / 3, -5.9])
    grid = np.stack([xs, ys], -1).reshape(1, 2, 5, 2)
    check_against_torch(
        lambda x, g: F(x).grid_sample(
            x, g.detach(), mode, padding_mode, align_corners=align_corners
        ),
        None,
        [IMAGE, grid],
        rtol=1e-12,
        atol=1e-12,
    )


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("padding_mode", PADDINGS)
def test_grid_gradient_away_from_kinks_gradchecks(mode: str, padding_mode: str) -> None:
    rng = np.random.default_rng(7)
    grid = rng.uniform(-2.5, 2.5, (1, 3, 3, 2))
    for align_corners in (True, False):
        gradcheck(
            lambda x, g, ac=align_corners: AF.grid_sample(
                x, g, mode, padding_mode=padding_mode, align_corners=ac
            ),
            [IMAGE, grid],
        )


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_empty_batch_and_grid_match_torch(mode: str) -> None:
    for image_shape, grid_shape in [((0, 2, 3, 4), (0, 2, 2, 2)), ((1, 2, 3, 4), (1, 0, 3, 2))]:
        check_against_torch(
            lambda x, g: F(x).grid_sample(x, g.detach(), mode, align_corners=False),
            None,
            [np.ones(image_shape), np.zeros(grid_shape)],
        )


def test_nearest_gives_the_grid_a_zero_gradient_like_torch() -> None:
    for L in (torch, ag):
        grid = L.tensor([[[[0.3, -0.2], [float("inf"), 0.0]]]], requires_grad=True)
        image = L.tensor(IMAGE, dtype=L.float32)
        out = L.nn.functional.grid_sample(image, grid, "nearest", align_corners=False)
        assert out.requires_grad
        out.sum().backward()
        np.testing.assert_array_equal(grid.grad.numpy(), np.zeros((1, 1, 2, 2)))
        assert np.isfinite(out.detach().numpy()).all()


@pytest.mark.parametrize("size", [[2, 1, 1, 3], [2, 1, 3, 1], [2, 1, 1, 1], [2, 1, 1, 2, 1]])
def test_affine_grid_of_unit_sizes_matches_torch(size: list[int]) -> None:
    theta = np.random.default_rng(2).standard_normal((2, len(size) - 2, len(size) - 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch's note on unit-size aligned grids
        for align_corners in (True, False):
            check_against_torch(
                lambda t, ac=align_corners: F(t).affine_grid(t, size, align_corners=ac),
                None,
                [theta],
            )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("align_corners", [True, False])
def test_affine_grid_is_torchs_to_the_last_bit(dtype: str, align_corners: bool) -> None:
    # The identity's grid is the base grid itself (other maps add a product whose last bit is
    # the matrix library's). A point exactly on a pixel is a kink of bilinear sampling, where
    # the grid's gradient is one-sided: a grid a last bit off torch's takes the other side
    # (the next test).
    for size in [(2, 1, 5, 7), (2, 1, 3, 4, 10), (2, 1, 6, 13), (2, 1, 11, 3, 2)]:
        theta = np.eye(len(size) - 2, len(size) - 1)[None].repeat(2, 0)
        grids = [
            lib.nn.functional.affine_grid(
                lib.tensor(theta, dtype=getattr(lib, dtype)), size, align_corners=align_corners
            ).numpy()
            for lib in (torch, ag)
        ]
        np.testing.assert_array_equal(grids[1], grids[0], err_msg=str(size))


def test_spatial_transformer_gradient_at_points_on_pixels_is_torchs() -> None:
    # theta maps some of the grid's points exactly onto pixels of the 6 x 6 image (x = 0.6,
    # 2.5 (x + 1) = 4): the gradient in theta was 18 off torch's where the grid was a last bit
    # off
    theta = np.array([[[0.9, 0.1, 0.05], [-0.1, 1.1, 0.0]]] * 2)
    image = np.random.default_rng(0).standard_normal((2, 3, 6, 6))
    grads = []
    for lib in (torch, ag):
        t = lib.tensor(theta, requires_grad=True)
        grid = lib.nn.functional.affine_grid(t, (2, 3, 5, 7), align_corners=True)
        out = lib.nn.functional.grid_sample(lib.tensor(image), grid, align_corners=True)
        out.pow(2).sum().backward()
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12)


def test_identity_transform_reproduces_the_image() -> None:
    theta = ag.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], dtype=ag.float64)
    for align_corners in (True, False):
        grid = AF.affine_grid(theta, list(IMAGE.shape[:1]) + [2, 3, 4], align_corners)
        out = AF.grid_sample(ag.tensor(IMAGE), grid, align_corners=align_corners)
        np.testing.assert_allclose(out.numpy(), IMAGE, rtol=1e-12, atol=1e-12)


# --- warnings and misuse --------------------------------------------------------------------------


def test_default_align_corners_warns_like_torch() -> None:
    theta = [[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]
    for L in (torch, ag):
        functional = L.nn.functional
        with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
            grid = functional.affine_grid(L.tensor(theta), [1, 1, 2, 2])
        with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
            functional.grid_sample(L.ones(1, 1, 2, 2), grid)
        with pytest.warns(UserWarning, match="unit-size grids when align_corners=True"):
            functional.affine_grid(L.tensor(theta), [1, 1, 1, 3], align_corners=True)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (
            lambda L: L.nn.functional.affine_grid(
                L.ones(1, 2, 3, dtype=L.int64), [1, 1, 2, 2], False
            ),
            ValueError,
        ),
        (lambda L: L.nn.functional.affine_grid(L.ones(1, 3, 3), [1, 1, 2, 2], False), ValueError),
        (lambda L: L.nn.functional.affine_grid(L.ones(2, 3), [1, 1, 2, 2], False), ValueError),
        (
            lambda L: L.nn.functional.affine_grid(L.ones(1, 2, 3), [1, 1, 2, 2, 2], False),
            ValueError,
        ),
        (
            lambda L: L.nn.functional.affine_grid(L.ones(1, 2, 3), [1, 2, 2], False),
            NotImplementedError,
        ),
        (lambda L: L.nn.functional.affine_grid(L.ones(1, 2, 3), [1, 1, 0, 2], False), ValueError),
        (
            lambda L: L.nn.functional.grid_sample(
                L.ones(1, 1, 2, 2), L.zeros(1, 1, 1, 2), "cubic", align_corners=False
            ),
            ValueError,
        ),
        (
            lambda L: L.nn.functional.grid_sample(
                L.ones(1, 1, 2, 2), L.zeros(1, 1, 1, 2), padding_mode="edge", align_corners=False
            ),
            ValueError,
        ),
        (
            lambda L: L.nn.functional.grid_sample(
                L.ones(1, 1, 2, 2), L.zeros(1, 1, 2), align_corners=False
            ),
            RuntimeError,
        ),
        (
            lambda L: L.nn.functional.grid_sample(
                L.ones(1, 2, 2), L.zeros(1, 1, 2), align_corners=False
            ),
            RuntimeError,
        ),
        (
            lambda L: L.nn.functional.grid_sample(
                L.ones(2, 1, 2, 2), L.zeros(1, 1, 1, 2), align_corners=False
            ),
            RuntimeError,
        ),
        (
            lambda L: L.nn.functional.grid_sample(
                L.ones(1, 1, 2, 2), L.zeros(1, 1, 1, 3), align_corners=False
            ),
            RuntimeError,
        ),
        (
            lambda L: L.nn.functional.grid_sample(
                L.ones(1, 1, 2, 2), L.zeros(1, 1, 1, 2, dtype=L.float64), align_corners=False
            ),
            RuntimeError,
        ),
        (
            lambda L: L.nn.functional.grid_sample(
                L.ones(1, 1, 0, 2), L.zeros(1, 1, 1, 2), align_corners=False
            ),
            RuntimeError,
        ),
        (
            lambda L: L.nn.functional.grid_sample(
                L.ones(1, 1, 2, 2, 2), L.zeros(1, 1, 1, 1, 2), align_corners=False
            ),
            RuntimeError,
        ),
        (
            lambda L: L.nn.functional.grid_sample(
                L.ones(1, 1, 2, 0, 2), L.zeros(1, 1, 1, 1, 3), align_corners=False
            ),
            RuntimeError,
        ),
        (
            lambda L: L.nn.functional.grid_sample(
                L.ones(1, 1, 2, 2, 2), L.zeros(1, 1, 1, 1, 3), "bicubic", align_corners=False
            ),
            RuntimeError,
        ),
    ],
)
def test_misuse_raises_like_torch(call: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error):
        call(ag)


def test_messages_name_the_problem() -> None:
    with pytest.raises(RuntimeError, match=r"same batch size, but got input with sizes \[2, 1"):
        AF.grid_sample(ag.ones(2, 1, 2, 2), ag.zeros(1, 1, 1, 2), align_corners=False)
    with pytest.raises(ValueError, match=r"Nx2x3 for size \[1, 1, 2, 2\]. Got \[1, 3, 3\]"):
        AF.affine_grid(ag.ones(1, 3, 3), [1, 1, 2, 2], align_corners=False)


def test_volume_spatial_transformer_matches_torch() -> None:
    rng = np.random.default_rng(9)
    volume, theta = rng.standard_normal((2, 2, 3, 4, 2)), rng.standard_normal((2, 3, 4))

    def fn(x: Any, t: Any) -> Any:
        grid = F(x).affine_grid(t * 0.5, [2, 2, 2, 3, 3], align_corners=True)
        return F(x).grid_sample(x, grid, align_corners=True, padding_mode="reflection")

    check_against_torch(fn, None, [volume, theta])
    gradcheck(fn, [volume, theta])
