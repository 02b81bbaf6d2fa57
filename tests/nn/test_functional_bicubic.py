"""arraygrad.nn.functional.interpolate's ``"bicubic"`` mode and ``antialias=True`` against torch
2.13.0 and finite differences.

Each row of ``OP_TABLE`` is written once against the shared API: ``F(x)`` is
``torch.nn.functional`` for torch tensors and ``arraygrad.nn.functional`` for arraygrad tensors.
"""

from __future__ import annotations

import copy
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
    check_against_torch,
    gradcheck,
    run_gradcheck_case,
    run_torch_case,
)


def F(x: Any) -> Any:
    """The functional module of ``x``'s library."""
    return torch.nn.functional if isinstance(x, torch.Tensor) else AF


def images(low: int = 1, high: int = 4) -> Any:
    """A strategy of one ``(N, C, H, W)`` shape with sizes in ``[low, high]``."""
    sizes = st.tuples(*[st.integers(low, high)] * 4)
    return sizes.map(lambda s: (s,))


def resize(**kwargs: Any) -> Any:
    return lambda x: F(x).interpolate(x, **kwargs)


OP_TABLE = {
    "bicubic_scale2": OpSpec(resize(scale_factor=2, mode="bicubic"), shapes=images()),
    "bicubic_align_corners_size": OpSpec(
        resize(size=(5, 2), mode="bicubic", align_corners=True), shapes=images()
    ),
    "bicubic_downsample_scale": OpSpec(
        resize(scale_factor=(0.6, 0.45), mode="bicubic"), shapes=st.just(((1, 2, 5, 7),))
    ),
    "bicubic_recompute_scale": OpSpec(
        resize(scale_factor=1.7, mode="bicubic", recompute_scale_factor=True),
        shapes=st.just(((1, 1, 3, 2),)),
    ),
    "bilinear_antialias_down": OpSpec(
        resize(size=(2, 3), mode="bilinear", antialias=True), shapes=images(3, 7)
    ),
    "bilinear_antialias_up_and_down": OpSpec(
        resize(scale_factor=(2.5, 0.4), mode="bilinear", antialias=True),
        shapes=st.just(((1, 2, 2, 8),)),
    ),
    "bicubic_antialias_down": OpSpec(
        resize(size=(2, 3), mode="bicubic", antialias=True), shapes=images(3, 7)
    ),
    "bicubic_antialias_align_corners": OpSpec(
        resize(size=(4, 2), mode="bicubic", antialias=True, align_corners=True),
        shapes=st.just(((2, 1, 3, 7),)),
    ),
    "upsample_module_bicubic": OpSpec(
        lambda x: (torch.nn if isinstance(x, torch.Tensor) else ag.nn).Upsample(
            scale_factor=1.5, mode="bicubic", align_corners=True
        )(x),
        shapes=st.just(((1, 2, 3, 2),)),
    ),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=5)  # finite differences cost two calls per element
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


@pytest.mark.parametrize(
    ("kwargs", "shape"),
    [
        # 3 rows at scale 1.3 stay 3 rows, but bicubic samples them 1 / 1.3 apart.
        ({"scale_factor": 1.3, "mode": "bicubic"}, (1, 2, 3, 2)),
        # The antialiased kernel leaves an unresized axis alone, whatever the scale.
        ({"scale_factor": (1.3, 0.5), "mode": "bilinear", "antialias": True}, (1, 2, 3, 6)),
        ({"scale_factor": (1.3, 0.5), "mode": "bicubic", "antialias": True}, (1, 2, 3, 6)),
    ],
)
def test_a_scale_that_keeps_a_size_like_torch_forward(kwargs: dict, shape: tuple) -> None:
    """Values as torch's. torch's gradient there is not the derivative of its own forward (its
    backward treats the axis differently: torch.autograd.gradcheck fails on these), so the
    gradient is checked against finite differences only."""
    fn = resize(**kwargs)
    x = np.random.default_rng(2).standard_normal(shape)
    check_against_torch(fn, None, [x], grad=False, rtol=1e-12, atol=1e-12)
    gradcheck(fn, [x])


def _torch_gradient_is_consistent(kwargs: dict, align_corners: bool, sizes: tuple) -> bool:
    """Whether torch's gradient is its forward's: not where a given scale keeps an axis's size
    (see the test above)."""
    scale = kwargs.get("scale_factor")
    if scale is None or kwargs.get("recompute_scale_factor") or align_corners:
        return True
    scales = scale if isinstance(scale, tuple) else (scale, scale)
    return all(int(n * s) != n or s == 1.0 for n, s in zip(sizes, scales, strict=True))


# --- many sizes, up and down, both corner conventions -------------------------------------------


def _sweep(antialias: bool) -> list[dict[str, Any]]:
    """Output sizes and scales for inputs of 1 to 13 rows, from a single row to many."""
    options: list[dict[str, Any]] = [{"size": (out, out + 1)} for out in (1, 2, 3, 4, 6, 9, 14)]
    options += [
        {"scale_factor": s, "recompute_scale_factor": r}
        for s in ((0.35, 0.6), 0.5, 1.0, (1.3, 0.8), 1.7, 2.0, 2.9)
        for r in (None, True)
    ]
    options += [{"size": (1, 1)}, {"size": (13, 2)}]
    return [dict(o, mode=m, antialias=antialias) for o in options for m in _modes(antialias)]


def _modes(antialias: bool) -> tuple[str, ...]:
    return ("bilinear", "bicubic") if antialias else ("bicubic",)


@pytest.mark.parametrize("antialias", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_values_and_gradients_match_torch_over_many_sizes(antialias: bool, dtype: type) -> None:
    """float64 within 1e-12 of torch's, float32 within a few ulps of the values' scale (PyTorch's
    kernels fuse some multiply-adds; the weighted sums round in a slightly different order), and
    float64 gradients for a random cotangent within 1e-12."""
    rng = np.random.default_rng(1)
    checked = 0
    errors = [0.0, 0.0]  # float32 only: arraygrad's and torch's distance from float64
    for size in (1, 2, 3, 5, 8, 13):
        x = rng.standard_normal((2, 2, size, size + 1)).astype(dtype)
        for kwargs in _sweep(antialias):
            scales = kwargs.get("scale_factor", 1.0)
            scales = scales if isinstance(scales, tuple) else (scales, scales)
            if "size" not in kwargs and min(int(size * scales[0]), int((size + 1) * scales[1])) < 1:
                continue
            for align_corners in (False, True):
                fn = resize(align_corners=align_corners, **kwargs)
                if dtype == np.float64:
                    grad = _torch_gradient_is_consistent(kwargs, align_corners, x.shape[2:])
                    check_against_torch(fn, None, [x], rtol=1e-12, atol=1e-12, grad=grad)
                    checked += 1
                    continue
                theirs = fn(torch.tensor(x)).numpy()
                mine = fn(ag.tensor(x)).numpy()
                assert mine.shape == theirs.shape and mine.dtype == theirs.dtype
                # The sums of up to 16 products round in another order than torch's fused
                # ones: a few ulps of the input's magnitude apart (13 at most here).
                ulp = np.spacing(np.float32(np.abs(x).max()))
                assert np.abs(mine - theirs).max() <= 16 * ulp, (size, kwargs, align_corners)
                # And about as accurate as torch's, against float64 on the same float32 inputs
                # (antialiased bicubic's float32 weights differ from torch's by an ulp or two:
                # 1.2 times torch's error in all, the others below 1).
                exact = fn(torch.tensor(x.astype(np.float64))).numpy()
                errors[0] += float(np.abs(mine - exact).sum())
                errors[1] += float(np.abs(theirs - exact).sum())
                checked += 1
    assert errors[0] <= 1.3 * errors[1]
    assert checked > 250


def test_bicubic_upsamples_a_spike_with_keys_kernel_at_a_minus_three_quarters() -> None:
    # Twice upsampled, row 3 is read at t = 0.25 and 0.75 past rows 1..4: Keys' kernel with
    # a = -0.75 at distances 2 - t, 1 + t, t and 1 - t (binary fractions, exact in both).
    x = np.zeros((1, 1, 1, 8))
    x[..., 3] = 1.0
    spike = [-0.03515625, -0.10546875, 0.26171875, 0.87890625]
    expected = np.array([0, 0, 0, *spike, *spike[::-1], 0, 0, 0, 0, 0])
    for lib, functional in ((torch, torch.nn.functional), (ag, AF)):
        out = functional.interpolate(lib.tensor(x), size=(1, 16), mode="bicubic")
        np.testing.assert_array_equal(out.numpy().ravel(), expected)


def test_bicubic_and_antialias_without_grad_and_empty_batch_like_torch() -> None:
    for kwargs in ({"mode": "bicubic"}, {"mode": "bilinear", "antialias": True}):
        theirs = torch.nn.functional.interpolate(torch.zeros(0, 2, 3, 3), size=2, **kwargs)
        mine = AF.interpolate(ag.zeros(0, 2, 3, 3), size=2, **kwargs)
        assert tuple(mine.shape) == tuple(theirs.shape)


# --- misuse: PyTorch's exception classes, messages naming the problem ----------------------------

IMG = np.zeros((1, 2, 4, 4))
ANTIALIAS = "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes"


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda x: F(x).interpolate(x[0], size=3, mode="bicubic"), "Only 3D, 4D and 5D .*bicubic"),
        (lambda x: F(x).interpolate(x[None], size=3, mode="bicubic"), "Only 3D, 4D and 5D"),
        (lambda x: F(x).interpolate(x[0], size=(2, 2), mode="bicubic"), "same number of spatial"),
        (lambda x: F(x).interpolate(x, size=3, antialias=True), ANTIALIAS),
        (lambda x: F(x).interpolate(x, size=3, mode="area", antialias=True), ANTIALIAS),
        (lambda x: F(x).interpolate(x[0], size=3, mode="linear", antialias=True), ANTIALIAS),
        (lambda x: F(x).interpolate(x[0], size=3, mode="bicubic", antialias=True), ANTIALIAS),
        (lambda x: F(x).interpolate(x[None], size=3, mode="bilinear", antialias=True), ANTIALIAS),
        (lambda x: F(x).interpolate(x, size=0, mode="bicubic"), "greater than 0"),
        (lambda x: F(x).interpolate(x, size=0, mode="bicubic", antialias=True), "greater than 0"),
        (
            lambda x: F(x).interpolate(x.long(), size=3, mode="bicubic"),
            "\"compute_indices_weights_cubic\" not implemented for 'Long'",
        ),
        (
            lambda x: F(x).interpolate(x.long(), size=3, mode="bicubic", antialias=True),
            "\"compute_index_ranges_weights\" not implemented for 'Long'",
        ),
        (
            lambda x: F(x).interpolate(x.long(), size=3, mode="bilinear", antialias=True),
            "\"compute_index_ranges_weights\" not implemented for 'Long'",
        ),
    ],
)
def test_errors_match_torch(fn: Any, match: str) -> None:
    with pytest.raises(Exception) as theirs:
        fn(torch.tensor(IMG))
    with pytest.raises(theirs.type, match=match):
        fn(ag.tensor(IMG))


# --- compiled against eager ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "resample",
    [
        {"scale_factor": 1.5, "mode": "bicubic"},
        {"size": (4, 3), "mode": "bicubic", "antialias": True},
    ],
)
def test_bicubic_step_compiles_bitwise_like_eager(resample: dict[str, Any]) -> None:
    """A training step through a bicubic (or antialiased) resize, compiled and eager: bitwise
    equal losses and weights, with no warning (a source position or weight built with array
    operators would be raw array code to the recorder and run the step eagerly)."""
    nn = ag.nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(2, 3, 3, padding=1)
            self.head = nn.Linear(3, 3)

        def forward(self, x: Any) -> Any:
            y = AF.interpolate(self.conv(x), **resample)
            return self.head(y.mean((2, 3)))

    ag.manual_seed(3)
    model = Net()
    twin = copy.deepcopy(model)

    def stepper(net: Any) -> Any:
        opt = ag.optim.Adam(net.parameters(), lr=1e-2)

        def step(x: Any, y: Any) -> Any:
            opt.zero_grad()
            loss = ag.nn.functional.cross_entropy(net(x), y)
            loss.backward()
            opt.step()
            return loss.detach()

        return step

    x, y = ag.randn(2, 2, 6, 6), ag.tensor([1, 0])
    eager, compiled = stepper(twin), ag.compile(stepper(model))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            assert compiled(x, y).numpy().tobytes() == eager(x, y).numpy().tobytes()
    for mine, theirs in zip(model.parameters(), twin.parameters(), strict=True):
        assert mine.detach().numpy().tobytes() == theirs.detach().numpy().tobytes()
    assert compiled.traces <= 2
