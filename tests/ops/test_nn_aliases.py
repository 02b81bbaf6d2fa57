"""Top-level forms of nn.functional (``_nn_aliases.py``) against torch 2.13.0: a call of each
with PyTorch's top-level signature (positional arguments where torch's order differs from
nn.functional's), values and VJPs."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.ops._helpers import lib
from tests.oracle import check_against_torch, gradcheck, outcome_in_each

R = np.random.default_rng(0)


def _normal(*shape: int) -> np.ndarray:
    return R.standard_normal(shape)


def _positive(*shape: int) -> np.ndarray:
    return R.uniform(0.2, 1.0, shape)


def _signs(*shape: int) -> np.ndarray:
    return np.where(R.random(shape) < 0.5, -1.0, 1.0)


def _fn(name: str, *args: Any, **kwargs: Any) -> Callable[..., Any]:
    """``torch.<name>(*tensors, *args, **kwargs)`` in the tensors' library."""
    return lambda *xs: getattr(lib(xs[0]), name)(*xs, *args, **kwargs)


def _pair(out: Any) -> Any:
    return tuple(out)


CASES: dict[str, tuple[Callable[..., Any], list[np.ndarray]]] = {
    "conv1d": (_fn("conv1d", None, 2, 1), [_normal(2, 4, 9), _normal(3, 4, 3)]),
    "conv2d": (_fn("conv2d", None, 1, "same"), [_normal(1, 2, 5, 5), _normal(3, 2, 3, 3)]),
    "conv3d": (_fn("conv3d"), [_normal(1, 2, 4, 4, 4), _normal(2, 2, 2, 2, 2)]),
    "conv_transpose1d": (
        _fn("conv_transpose1d", None, 2, 1, 1),
        [_normal(2, 4, 5), _normal(4, 3, 3)],
    ),
    "conv_transpose2d": (
        _fn("conv_transpose2d", None, 2),
        [_normal(1, 2, 3, 3), _normal(2, 3, 2, 2)],
    ),
    "conv_transpose3d": (_fn("conv_transpose3d"), [_normal(1, 2, 3, 3, 3), _normal(2, 1, 2, 2, 2)]),
    "avg_pool1d": (_fn("avg_pool1d", 3, [], 1, True, False), [_normal(2, 3, 8)]),
    "max_pool1d": (_fn("max_pool1d", 2), [_normal(2, 3, 8)]),
    "max_pool2d": (_fn("max_pool2d", 3, 2, 1), [_normal(1, 2, 7, 7)]),
    "max_pool3d": (_fn("max_pool3d", 2, [], 0, 1, True), [_normal(1, 2, 5, 5, 5)]),
    "adaptive_avg_pool1d": (_fn("adaptive_avg_pool1d", 3), [_normal(2, 3, 8)]),
    "adaptive_max_pool1d": (
        lambda x: tuple(lib(x).adaptive_max_pool1d(x, 3)),
        [_normal(2, 3, 8)],
    ),
    "batch_norm": (
        lambda x, w, b: lib(x).batch_norm(x, w, b, None, None, True, 0.1, 1e-5, False),
        [_normal(4, 3, 5), _normal(3), _normal(3)],
    ),
    "batch_norm_eval": (
        lambda x, w, b, m, v: lib(x).batch_norm(
            x, w, b, m.detach(), v.detach(), False, 0.1, 1e-3, True
        ),
        [_normal(4, 3), _normal(3), _normal(3), _normal(3), _positive(3)],
    ),
    "instance_norm": (
        lambda x, w, b: lib(x).instance_norm(x, w, b, None, None, True, 0.1, 1e-5, False),
        [_normal(2, 3, 6), _normal(3), _normal(3)],
    ),
    "layer_norm": (
        lambda x, w, b: lib(x).layer_norm(x, [4], w, b, 1e-3, False),
        [_normal(3, 4), _normal(4), _normal(4)],
    ),
    "group_norm": (
        lambda x, w, b: lib(x).group_norm(x, 2, w, b, 1e-4),
        [_normal(2, 4, 3), _normal(4), _normal(4)],
    ),
    "embedding": (
        lambda w: lib(w).embedding(w, lib(w).tensor([[1, 3], [3, 0]]), 3),
        [_normal(5, 2)],
    ),
    "embedding_no_padding": (
        lambda w: lib(w).embedding(w, lib(w).tensor([1, 1, 4])),
        [_normal(5, 2)],
    ),
    "bilinear": (_fn("bilinear"), [_normal(3, 2), _normal(3, 4), _normal(5, 2, 4), _normal(5)]),
    "cosine_similarity": (_fn("cosine_similarity", 0), [_normal(3, 4), _normal(3, 4)]),
    "pairwise_distance": (
        _fn("pairwise_distance", 1.5, 1e-6, True),
        [_normal(3, 4), _normal(3, 4)],
    ),
    "pixel_shuffle": (_fn("pixel_shuffle", 2), [_normal(1, 8, 2, 3)]),
    "pixel_unshuffle": (_fn("pixel_unshuffle", 2), [_normal(1, 2, 4, 6)]),
    "channel_shuffle": (_fn("channel_shuffle", 2), [_normal(1, 4, 2, 2)]),
    "convolution": (
        _fn("convolution", [2, 1], [1, 0], [1, 2], False, [0, 0], 2),
        [_normal(2, 4, 7, 6), _normal(6, 2, 3, 2), _normal(6)],
    ),
    "convolution_transposed": (
        _fn("convolution", [2, 3], [1, 0], [1, 1], True, [1, 2], 2),
        [_normal(2, 4, 5, 4), _normal(4, 3, 3, 2), _normal(6)],
    ),
    "convolution_1d_single_values": (
        _fn("convolution", [2], [1], [2], False, [0], 1),
        [_normal(2, 4, 9), _normal(2, 4, 3), _normal(2)],
    ),
    "convolution_3d_transposed_no_bias": (
        lambda x, w: lib(x).convolution(x, w, None, [1, 2, 1], [1], [1], True, [0, 1, 0], 2),
        [_normal(1, 2, 4, 4, 3), _normal(2, 1, 2, 2, 2)],
    ),
    "conv_tbc": (_fn("conv_tbc"), [_normal(5, 2, 3), _normal(3, 3, 4), _normal(4)]),
    "conv_tbc_pad": (_fn("conv_tbc", 2), [_normal(5, 2, 3), _normal(3, 3, 4), _normal(4)]),
    "conv_tbc_crop": (_fn("conv_tbc", -1), [_normal(6, 2, 3), _normal(2, 3, 4), _normal(4)]),
    "conv_tbc_no_steps": (_fn("conv_tbc", 1), [_normal(0, 2, 3), _normal(3, 3, 4), _normal(4)]),
    "conv_tbc_no_taps": (_fn("conv_tbc"), [_normal(5, 2, 3), _normal(0, 3, 4), _normal(4)]),
    "selu": (_fn("selu"), [_normal(3, 4)]),
    "celu": (_fn("celu", 0.5), [_normal(3, 4)]),
    "threshold": (_fn("threshold", 0.1, -2.0), [_normal(3, 4)]),
    "kl_div": (_fn("kl_div"), [_normal(3, 4), _positive(3, 4)]),
    "kl_div_mean": (_fn("kl_div", 1), [_normal(3, 4), _positive(3, 4)]),
    "kl_div_sum_log_target": (
        _fn("kl_div", 2, log_target=True),
        [_normal(3, 4), _normal(3, 4)],
    ),
    "binary_cross_entropy_with_logits": (
        _fn("binary_cross_entropy_with_logits"),
        [_normal(3, 4), _positive(3, 4)],
    ),
    "binary_cross_entropy_with_logits_weights": (
        lambda x, t, w, p: lib(x).binary_cross_entropy_with_logits(x, t, w.detach(), p.detach(), 1),
        [_normal(3, 4), _positive(3, 4), _positive(3, 4), _positive(4)],
    ),
    "hinge_embedding_loss": (_fn("hinge_embedding_loss", 0.5, 2), [_normal(3, 4), _signs(3, 4)]),
    "margin_ranking_loss": (
        _fn("margin_ranking_loss", 0.1, 1),
        [_normal(5), _normal(5), _signs(5)],
    ),
    "cosine_embedding_loss": (
        _fn("cosine_embedding_loss", 0.2, 0),
        [_normal(4, 3), _normal(4, 3), _signs(4)],
    ),
    "triplet_margin_loss": (
        _fn("triplet_margin_loss", 1.0, 2.0, 1e-6, True, 2),
        [_normal(4, 3), _normal(4, 3), _normal(4, 3)],
    ),
    "poisson_nll_loss": (
        _fn("poisson_nll_loss", False, True, 1e-8, 1),
        [_positive(3, 4), _positive(3, 4) * 3],
    ),
    "ctc_loss": (
        lambda lp: lib(lp).ctc_loss(
            lp.log_softmax(2), lib(lp).tensor([[1, 2], [2, 2]]), [5, 4], [2, 2], 0, 2
        ),
        [_normal(5, 2, 3)],
    ),
    "rms_norm": (_fn("rms_norm", [4], None, 1e-5), [_normal(3, 4)]),
    "rsub": (_fn("rsub", alpha=2), [_normal(3, 4), _normal(3, 4)]),
    "rsub_scalar": (_fn("rsub", 5.0, 3), [_normal(3, 4)]),
    "fill": (lambda x, v: lib(x).fill(x, v), [_normal(3, 2), np.array(2.5)]),
    "constant_pad_nd": (_fn("constant_pad_nd", (1, 2, -1, 0), 3.0), [_normal(3, 4)]),
    "relu_": (lambda x: lib(x).relu_(x.clone()), [_normal(3, 4)]),
    "selu_": (lambda x: lib(x).selu_(x.clone()), [_normal(3, 4)]),
    "celu_": (lambda x: lib(x).celu_(x.clone(), 2.0), [_normal(3, 4)]),
    "threshold_": (lambda x: lib(x).threshold_(x.clone(), 0.0, 7.0), [_normal(3, 4)]),
    "dropout_": (lambda x: lib(x).dropout_(x.clone(), 0.3, False), [_normal(3, 4)]),
    "max_pool1d_with_indices": (
        _fn("max_pool1d_with_indices", 3, [], 1, 2, True),
        [_normal(2, 3, 9)],
    ),
    "max_pool1d_with_indices_defaults": (_fn("max_pool1d_with_indices", 2), [_normal(2, 3, 8)]),
    "affine_grid_generator": (
        _fn("affine_grid_generator", [2, 3, 4, 5], False),
        [_normal(2, 2, 3)],
    ),
    "affine_grid_generator_3d": (
        _fn("affine_grid_generator", [2, 3, 4, 5, 3], True),
        [_normal(2, 3, 4)],
    ),
    "grid_sampler_3d_trilinear_border": (
        _fn("grid_sampler_3d", 0, 1, False),
        [_normal(2, 3, 4, 5, 3), R.uniform(-1.1, 1.1, (2, 6, 7, 2, 3))],
    ),
    "embedding_bag_sum_weights": (
        lambda w, p: lib(w).embedding_bag(
            w, lib(w).tensor([1, 2, 4, 5, 4, 3]), lib(w).tensor([0, 3]), False, 0, False, p
        ),
        [_normal(10, 3), _positive(6)],
    ),
}

# grid_sampler's numbered modes: interpolation 0 bilinear, 1 nearest, 2 bicubic; padding
# 0 zeros, 1 border, 2 reflection
for _mode in range(3):
    for _padding in range(3):
        CASES[f"grid_sampler_{_mode}_{_padding}"] = (
            _fn("grid_sampler_2d" if _padding else "grid_sampler", _mode, _padding, _mode == 1),
            [_normal(2, 3, 4, 5), R.uniform(-1.1, 1.1, (2, 6, 7, 2))],
        )

# embedding_bag's four results in each mode (0 sum, 1 mean, 2 max), float32 (whose sum leaves
# offset2bag empty) and float64, with padding rows, an empty bag and include_last_offset
for _dtype in (np.float64, np.float32):
    for _bag_mode in range(3):
        for _extra in [(), (False, None, False, 4), (False, None, True, 4), (False, None, True)]:
            CASES[f"embedding_bag_{_dtype.__name__}_{_bag_mode}_{len(_extra)}_{_extra[-2:]}"] = (
                lambda w, m=_bag_mode, e=_extra: lib(w).embedding_bag(
                    w, lib(w).tensor([1, 2, 4, 5, 4, 3]), lib(w).tensor([0, 3, 3]), False, m, *e
                ),
                [_normal(10, 3).astype(_dtype)],
            )


@pytest.mark.parametrize("name", list(CASES))
def test_call_matches_torch(name: str) -> None:
    fn, inputs = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_against_torch(fn, None, inputs)


def test_grid_sampler_rank_and_mode_errors_match_torch() -> None:
    for call in (
        lambda L: L.grid_sampler_2d(L.zeros(1, 1, 2, 2, 2), L.zeros(1, 1, 1, 1, 3), 0, 0, False),
        lambda L: L.grid_sampler_3d(L.zeros(1, 1, 2, 2, 2), L.zeros(1, 1, 1, 1, 3), 2, 0, False),
    ):
        messages = []
        for L in (torch, ag):
            with pytest.raises(RuntimeError) as error:
                call(L)
            messages.append(str(error.value))
        assert messages[0] == messages[1]


def test_embedding_bag_errors_match_torch() -> None:
    for mode, weights in ((3, None), (1, np.ones(3))):
        messages = []
        for L in (torch, ag):
            w = None if weights is None else L.tensor(weights, dtype=L.float32)
            with pytest.raises(RuntimeError) as error:
                L.embedding_bag(
                    L.ones(3, 2), L.tensor([0, 1, 2]), L.tensor([0]), False, mode, False, w
                )
            messages.append(str(error.value))
        assert messages[0] == messages[1]


def test_reduction_is_a_number_none_by_default_as_in_torch() -> None:
    def call(L: Any) -> Any:
        return L.kl_div(L.zeros(2), L.ones(2), reduction="mean")

    assert outcome_in_each(call, TypeError) == ("TypeError", "TypeError")
    x = ag.zeros(3, 4)
    for name, args in {
        "kl_div": (x, x),
        "binary_cross_entropy_with_logits": (x, x),
        "hinge_embedding_loss": (x, x),
        "triplet_margin_loss": (x, x, x),
    }.items():
        shape = tuple(getattr(torch, name)(*(torch.zeros(a.shape) for a in args)).shape)
        assert tuple(getattr(ag, name)(*args).shape) == shape, name


def test_dropout_in_place_returns_input_and_checks_p() -> None:
    x = ag.ones(1000)
    ag.manual_seed(0)
    assert ag.dropout_(x, 0.5, True) is x
    assert 0.4 < float((x == 0).float().mean()) < 0.6
    assert set(x.unique().tolist()) == {0.0, 2.0}
    assert outcome_in_each(lambda L: L.dropout_(L.ones(2), 1.5, False), RuntimeError) == (
        "RuntimeError",
        "RuntimeError",
    )


def test_max_pools_return_only_values() -> None:
    x = ag.randn(1, 2, 4, 4)
    assert isinstance(ag.max_pool2d(x, 2), ag.Tensor)
    _, indices = ag.adaptive_max_pool1d(ag.randn(1, 2, 6), 2)
    assert indices.dtype == ag.int64


CONVOLUTIONS = [name for name in CASES if name.startswith(("convolution", "conv_tbc"))]


@pytest.mark.parametrize("name", [n for n in CONVOLUTIONS if "no_" not in n])
def test_convolutions_gradcheck(name: str) -> None:
    fn, inputs = CASES[name]
    gradcheck(fn, inputs)


def _convolution(*args: Any) -> Callable[..., Any]:
    return lambda x, w, b: lib(x).convolution(x, w, b, *args)


@pytest.mark.parametrize(
    "fn",
    [
        _convolution([1], [0], [1], False, [0], 3),  # channels do not match the groups
        _convolution([1, 1, 1], [0], [1], False, [0], 2),
        _convolution([0], [0], [1], False, [0], 2),
        _convolution([1], [-1], [1], False, [0], 2),
        _convolution([1], [0], [0, 1], False, [0], 2),
        _convolution([1], [0], [1], False, [0], 0),
        _convolution([1], [0], [1], False, [1, 1, 1], 2),
        _convolution([1], [0], [1], True, [1], 2),  # output padding not below stride
        _convolution([1], [0], [1], True, [-1], 2),
        _convolution(1, [0], [1], False, [0], 2),  # a bare int
        _convolution([1], [0], [1], 1, [0], 2),  # transposed must be a bool
        lambda x, w, b: lib(x).convolution(x[0], w, b, [1], [0], [1], False, [0], 2),
        lambda x, w, b: lib(x).convolution(x, w[0, 0], None, [1], [0], [1], False, [0], 1),
    ],
)
def test_convolution_errors_match_torch(fn: Callable[..., Any]) -> None:
    inputs = [_normal(2, 4, 7, 6), _normal(6, 2, 3, 2), _normal(6)]
    theirs, mine = outcome_in_each(
        lambda L: fn(*[L.tensor(a) for a in inputs]), (RuntimeError, TypeError)
    )
    assert isinstance(theirs, str) and mine == theirs


def test_convolution_output_padding_refuses_backward_as_torch() -> None:
    # Not transposed, output_padding is unused: the values come, the backward is refused.
    x, w = _normal(1, 1, 5, 5), _normal(1, 1, 2, 2)
    for L in (torch, ag):
        xt = L.tensor(x, requires_grad=True)
        out = L.convolution(xt, L.tensor(w), None, [1, 1], [0, 0], [1, 1], False, [1, 2], 1)
        expected = L.convolution(xt, L.tensor(w), None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)
        assert L.equal(out, expected)
        with pytest.raises(RuntimeError, match=r"got: 1 2$"):
            out.sum().backward()


@pytest.mark.parametrize(
    "fn",
    [
        lambda L, x, w, b: L.conv_tbc(x[0], w, b),
        lambda L, x, w, b: L.conv_tbc(x, w[0], b),
        lambda L, x, w, b: L.conv_tbc(x, w, b[:2].reshape(1, 2)),
        lambda L, x, w, b: L.conv_tbc(x, w, b[:2]),
        lambda L, x, w, b: L.conv_tbc(x[:, :, :2], w, b),
        lambda L, x, w, b: L.conv_tbc(x, w, b, -2),  # fewer than zero steps
        lambda L, x, w, b: L.conv_tbc(x, w, None),
        lambda L, x, w, b: L.conv_tbc(x, w, b, 1.0),
    ],
)
def test_conv_tbc_errors_match_torch(fn: Callable[..., Any]) -> None:
    inputs = [_normal(5, 2, 3), _normal(3, 3, 4), _normal(4)]
    theirs, mine = outcome_in_each(
        lambda L: fn(L, *[L.tensor(a) for a in inputs]), (RuntimeError, TypeError)
    )
    assert isinstance(theirs, str) and mine == theirs


def test_native_channel_shuffle_values_and_no_derivative_as_torch() -> None:
    x = _normal(2, 6, 3)
    for L in (torch, ag):
        xt = L.tensor(x, requires_grad=True)
        out = L.native_channel_shuffle(xt, 3)
        assert L.nn.functional.native_channel_shuffle is L.native_channel_shuffle
        assert out.requires_grad and L.equal(out, L.nn.functional.channel_shuffle(xt, 3))
        with pytest.raises(RuntimeError, match="derivative for aten::native_channel_shuffle"):
            out.sum().backward()
    for bad in (
        lambda L: L.native_channel_shuffle(L.ones(2, 4), 2),
        lambda L: L.native_channel_shuffle(L.ones(2, 5, 1), 2),
        lambda L: L.native_channel_shuffle(L.ones(2, 4, 1), 0),
        lambda L: L.native_channel_shuffle(L.ones(2, 4, 1), 2.0),
    ):
        theirs, mine = outcome_in_each(bad, (RuntimeError, TypeError))
        assert isinstance(theirs, str) and mine == theirs


@pytest.mark.parametrize("value", [2**62 + 1, 2**63, 2.0**63, -(2**63), 3, True])
@pytest.mark.parametrize("dtype", ["int64", "bool", "float64"])
def test_constant_pad_nd_reads_its_value_as_a_scalar_as_torch(value: Any, dtype: str) -> None:
    # torch.constant_pad_nd takes a Scalar: an int exactly (2**62 + 1 pads as itself, 2**63
    # overflows int64), where F.pad reads a double; arraygrad passed the value on to F.pad.
    outcomes: list[Any] = []
    for L in (torch, ag):
        x = L.tensor([1, 2], dtype=getattr(L, dtype))
        try:
            padded = L.constant_pad_nd(x, (1, 0), value)
        except RuntimeError as error:
            outcomes.append(type(error))
        else:
            outcomes.append((padded.tolist(), str(padded.dtype).split(".")[-1]))
    assert outcomes[1] == outcomes[0]


# Regression (leftovers13): the top-level binary_cross_entropy_with_logits raised the
# functional's ValueError for a target of another shape; torch's kernel broadcasts the input to
# the target's shape, with the RuntimeError of its in-place steps where it cannot (the
# functional's ValueError stays the functional's).
@pytest.mark.parametrize(
    ("input_shape", "target_shape"),
    [((2, 3), (4,)), ((2, 3), (3,)), ((3, 1), (1, 3)), ((3,), (2, 3)), ((1, 3), (2, 3))],
    ids=str,
)
@pytest.mark.parametrize("reduction", [0, 1, 2])
def test_top_level_bce_with_logits_shapes_as_torch(
    input_shape: tuple[int, ...], target_shape: tuple[int, ...], reduction: int
) -> None:
    outcomes = []
    for L in (torch, ag):
        x = L.linspace(-2.0, 2.0, math.prod(input_shape), dtype=L.float64).reshape(input_shape)
        t = L.linspace(0.0, 1.0, math.prod(target_shape), dtype=L.float64).reshape(target_shape)
        try:
            loss = L.binary_cross_entropy_with_logits(x, t, None, None, reduction)
            outcomes.append(np.asarray(loss.tolist()))
        except RuntimeError as error:
            outcomes.append(str(error)[:50])
        with pytest.raises(ValueError, match="must be the same as input size"):
            L.nn.functional.binary_cross_entropy_with_logits(x, t)
    theirs, mine = outcomes
    if isinstance(theirs, str) or isinstance(mine, str):
        assert mine == theirs
    else:
        np.testing.assert_allclose(mine, theirs, rtol=1e-12)


@pytest.mark.parametrize("size", [[1, 1, 1, 2], [1, 1, 2, 1], [1, 1, 1, 1, 2]])
def test_affine_grid_generator_does_not_warn_as_affine_grid_does(size: list[int]) -> None:
    # Regression: the kernel form warned of unit-size grids with align_corners, as only
    # F.affine_grid (the Python function) does in torch.
    outcomes = []
    for L in (torch, ag):
        theta = L.eye(len(size) - 2, len(size) - 1, dtype=L.float64)[None]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            grid = L.affine_grid_generator(theta, size, True)
        with warnings.catch_warnings(record=True) as functional:
            warnings.simplefilter("always")
            L.nn.functional.affine_grid(theta, size, align_corners=True)
        outcomes.append((grid.tolist(), len(caught), [w.category for w in functional]))
    assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize(
    "call",
    [
        lambda m, t: m.rsub(t, t, 2),  # alpha by position: the Number overload only
        lambda m, t: m.rsub(t, 5.0, 2, 3),
        lambda m, t: m.rsub(t, 5.0, 2, alpha=3),
        lambda m, t: m.rsub(t, 5.0, 2),
        lambda m, t: m.rsub(t, m.tensor(5.0), 2),  # a 0-d tensor is a Number
        lambda m, t: m.rsub(t, t, alpha=2),
    ],
)
def test_rsub_takes_alpha_by_position_where_torch_does(call: Any) -> None:
    theirs, mine = outcome_in_each(lambda m: call(m, m.tensor([1.0, 2.0])).tolist(), (TypeError,))
    assert mine == theirs
