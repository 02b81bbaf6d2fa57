"""Transposed convolution layers, ``Conv3d``, ``BatchNorm3d`` and the 3-D pooling layers against
torch 2.13.0 in float64: forward, input and parameter gradients with the same weights, buffers,
reprs, state_dict keys and shapes, default initialisation, ``output_size`` and errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
import arraygrad.nn
from tests.nn._compare import compare_module
from tests.nn.test_init import assert_distribution, uniform_cdf

rng = np.random.default_rng(2024)


def randn(*shape: int) -> np.ndarray:
    return rng.standard_normal(shape)


def _pool_unpool(nn: Any) -> Any:
    """MaxPool3d then MaxUnpool3d back to the input's size, in either library's ``nn``."""

    class PoolUnpool(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.pool = nn.MaxPool3d(2, return_indices=True)
            self.unpool = nn.MaxUnpool3d(2)

        def forward(self, x: Any) -> Any:
            values, indices = self.pool(x)
            return self.unpool(values, indices, output_size=x.shape)

    return PoolUnpool()


# name -> (builder of the layer from either library's nn, inputs, train mode)
LAYERS = {
    "conv_transpose1d": (lambda nn: nn.ConvTranspose1d(2, 3, 3), [randn(2, 2, 5)], True),
    "conv_transpose1d_options": (
        lambda nn: nn.ConvTranspose1d(4, 6, 3, 2, 1, 1, groups=2, bias=False, dilation=2),
        [randn(2, 4, 5)],
        True,
    ),
    "conv_transpose2d": (
        lambda nn: nn.ConvTranspose2d(3, 2, (3, 2), stride=(2, 1), padding=1),
        [randn(2, 3, 4, 3)],
        True,
    ),
    "conv_transpose2d_unbatched": (
        lambda nn: nn.ConvTranspose2d(2, 2, 2, stride=2, groups=2),
        [randn(2, 3, 3)],
        True,
    ),
    "conv_transpose3d": (
        lambda nn: nn.ConvTranspose3d(2, 3, 2, stride=2, padding=1, output_padding=1),
        [randn(1, 2, 2, 3, 2)],
        True,
    ),
    "conv3d": (lambda nn: nn.Conv3d(2, 3, 2, padding=1), [randn(2, 2, 3, 3, 2)], True),
    "conv3d_options": (
        lambda nn: nn.Conv3d(
            4, 2, (2, 3, 2), stride=(1, 2, 1), dilation=(2, 1, 1), groups=2, bias=False
        ),
        [randn(1, 4, 4, 5, 3)],
        True,
    ),
    "conv3d_same_reflect": (
        lambda nn: nn.Conv3d(1, 2, 3, padding="same", padding_mode="reflect"),
        [randn(1, 1, 3, 4, 3)],
        True,
    ),
    "conv3d_circular": (
        lambda nn: nn.Conv3d(1, 1, 3, padding=1, padding_mode="circular"),
        [randn(1, 3, 3, 4)],
        True,
    ),
    "batchnorm3d_train": (lambda nn: nn.BatchNorm3d(3), [randn(2, 3, 2, 2, 3)], True),
    "batchnorm3d_eval": (lambda nn: nn.BatchNorm3d(3, momentum=0.5), [randn(2, 3, 2, 2, 2)], False),
    "batchnorm3d_cumulative_no_affine": (
        lambda nn: nn.BatchNorm3d(2, momentum=None, affine=False),
        [randn(3, 2, 1, 2, 2)],
        True,
    ),
    "maxpool3d": (lambda nn: nn.MaxPool3d(2), [randn(2, 2, 4, 4, 4)], True),
    "maxpool3d_options": (
        lambda nn: nn.MaxPool3d((3, 2, 2), (2, 1, 2), 1, ceil_mode=True, return_indices=True),
        [randn(1, 2, 5, 4, 5)],
        True,
    ),
    "avgpool3d": (lambda nn: nn.AvgPool3d(2), [randn(2, 2, 4, 4, 4)], True),
    "avgpool3d_options": (
        lambda nn: nn.AvgPool3d(3, 2, 1, True, False, None),
        [randn(1, 2, 5, 4, 5)],
        True,
    ),
    "avgpool3d_divisor_unbatched": (
        lambda nn: nn.AvgPool3d(2, divisor_override=5),
        [randn(2, 4, 4, 2)],
        True,
    ),
    "adaptive_avgpool3d": (
        lambda nn: nn.AdaptiveAvgPool3d((2, None, 3)),
        [randn(2, 2, 5, 3, 4)],
        True,
    ),
    "adaptive_maxpool3d": (
        lambda nn: nn.AdaptiveMaxPool3d(2, return_indices=True),
        [randn(2, 2, 5, 3, 4)],
        True,
    ),
    "max_pool_unpool3d": (_pool_unpool, [randn(2, 2, 4, 4, 4)], True),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_matches_torch(name: str) -> None:
    build, inputs, train = LAYERS[name]
    th_mod, ag_mod = compare_module(build, inputs, train=train)
    th_buffers = dict(th_mod.named_buffers())
    ag_buffers = dict(ag_mod.named_buffers())
    assert list(ag_buffers) == list(th_buffers)
    for key, theirs in th_buffers.items():
        np.testing.assert_allclose(ag_buffers[key].numpy(), theirs.numpy(), rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("lead", [0, 2])
def test_conv_transpose_output_size_matches_torch(n: int, lead: int) -> None:
    def build(nn: Any) -> Any:
        return getattr(nn, f"ConvTranspose{n}d")(2, 3, 3, stride=3, padding=1)

    x = randn(1, 2, *([3] * n))
    size = [1, 3][:lead] + [8, 9, 7][:n]

    def call(module: Any, args: list) -> Any:
        return module(args[0], output_size=size)

    compare_module(build, [x], call=call)


# name -> builder: reprs, state_dict keys and parameter shapes
CONSTRUCTED = {
    "conv_transpose1d": lambda nn: nn.ConvTranspose1d(2, 3, 3),
    "conv_transpose1d_options": lambda nn: nn.ConvTranspose1d(
        4, 6, (3,), 2, 1, 1, groups=2, bias=False, dilation=2
    ),
    "conv_transpose2d": lambda nn: nn.ConvTranspose2d(4, 2, (3, 2), padding=(1, 0)),
    "conv_transpose2d_options": lambda nn: nn.ConvTranspose2d(
        2, 4, 3, stride=2, output_padding=(1, 0), groups=2
    ),
    "conv_transpose3d": lambda nn: nn.ConvTranspose3d(1, 2, 2, dilation=(1, 2, 1)),
    "conv3d": lambda nn: nn.Conv3d(2, 4, 3),
    "conv3d_options": lambda nn: nn.Conv3d(4, 4, (1, 2, 3), 2, (0, 1, 1), 2, 4, False, "replicate"),
    "conv3d_same": lambda nn: nn.Conv3d(1, 1, 2, padding="same"),
    "batchnorm3d": lambda nn: nn.BatchNorm3d(3),
    "batchnorm3d_options": lambda nn: nn.BatchNorm3d(
        2, 1e-3, None, affine=False, track_running_stats=False
    ),
    "maxpool3d": lambda nn: nn.MaxPool3d(2),
    "maxpool3d_options": lambda nn: nn.MaxPool3d((2, 1, 2), 1, 1, 2, True, True),
    "avgpool3d": lambda nn: nn.AvgPool3d(3),
    "avgpool3d_options": lambda nn: nn.AvgPool3d((3, 2, 2), 2, 1, True, False, 2),
    "adaptive_avgpool3d": lambda nn: nn.AdaptiveAvgPool3d((1, None, 2)),
    "adaptive_maxpool3d": lambda nn: nn.AdaptiveMaxPool3d(2, True),
    "max_unpool3d": lambda nn: nn.MaxUnpool3d(2),
    "max_unpool3d_options": lambda nn: nn.MaxUnpool3d((2, 1, 2), 1, [1, 0, 1]),
}


@pytest.mark.parametrize("name", sorted(CONSTRUCTED))
def test_construction_matches_torch(name: str) -> None:
    theirs, mine = CONSTRUCTED[name](torch.nn), CONSTRUCTED[name](ag.nn)
    assert repr(mine).replace("arraygrad", "torch") == repr(theirs)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert tuple(mine.state_dict()[key].shape) == tuple(value.shape), key
        assert str(mine.state_dict()[key].dtype).split(".")[-1] == str(value.dtype).split(".")[-1]
        if key not in ("weight", "bias") or "Norm" in type(theirs).__name__:
            np.testing.assert_array_equal(mine.state_dict()[key].numpy(), value.numpy())
    assert type(mine).__mro__[1].__name__ == type(theirs).__mro__[1].__name__
    for attribute in ("transposed", "output_padding", "kernel_size", "stride", "padding"):
        if hasattr(theirs, attribute):
            assert getattr(mine, attribute) == getattr(theirs, attribute), attribute


@pytest.mark.parametrize(
    ("build", "fan_in"),
    [
        # A transposed weight (in, out / groups, *k) has fan_in out / groups * prod(k), as torch
        # computes it from the weight's shape.
        (lambda: ag.nn.ConvTranspose2d(40, 6, 3), 54),
        (lambda: ag.nn.ConvTranspose1d(60, 20, 5, groups=2), 50),
        (lambda: ag.nn.Conv3d(2, 50, 3), 54),
    ],
)
def test_default_initialisation_matches_torch_distribution(build: Any, fan_in: int) -> None:
    ag.manual_seed(0)
    layer = build()
    assert_distribution(layer.weight, uniform_cdf(1 / math.sqrt(fan_in)))
    bound = 1 / math.sqrt(fan_in)
    bias = layer.bias.detach().numpy()
    assert np.all(np.abs(bias) <= bound) and np.ptp(bias) > bound / 2


def _raises_like_torch(build: Any, call: Any = None) -> None:
    with pytest.raises(Exception) as theirs:
        module = build(torch.nn)
        if call is not None:
            call(module, torch)
    with pytest.raises(theirs.type):
        module = build(ag.nn)
        if call is not None:
            call(module, ag)


@pytest.mark.parametrize(
    ("build", "call"),
    [
        (lambda nn: nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect"), None),
        (lambda nn: nn.ConvTranspose1d(3, 2, 3, groups=2), None),
        (lambda nn: nn.ConvTranspose3d(2, 3, 3, groups=2), None),
        (lambda nn: nn.Conv3d(2, 2, 3, padding="full"), None),
        (lambda nn: nn.Conv3d(2, 2, 3, stride=2, padding="same"), None),
        (
            lambda nn: nn.ConvTranspose2d(1, 1, 3, stride=2),
            lambda m, lib: m(lib.zeros(1, 1, 3, 3), output_size=[10, 10]),
        ),
        (
            lambda nn: nn.ConvTranspose2d(1, 1, 3, stride=2),
            lambda m, lib: m(lib.zeros(1, 1, 3, 3), output_size=[1, 7, 7]),
        ),
        (lambda nn: nn.ConvTranspose1d(2, 1, 3), lambda m, lib: m(lib.zeros(1, 3, 4))),
        (lambda nn: nn.Conv3d(2, 1, 3), lambda m, lib: m(lib.zeros(1, 2, 2, 3, 3))),
        (lambda nn: nn.BatchNorm3d(2), lambda m, lib: m(lib.zeros(2, 2, 3, 3))),
        (lambda nn: nn.BatchNorm3d(2), lambda m, lib: m(lib.zeros(1, 2, 1, 1, 1))),
        (lambda nn: nn.MaxPool3d(2), lambda m, lib: m(lib.zeros(2, 3, 3))),
        (lambda nn: nn.AvgPool3d(2, padding=2), lambda m, lib: m(lib.zeros(1, 1, 4, 4, 4))),
    ],
)
def test_layer_errors_match_torch(build: Any, call: Any) -> None:
    _raises_like_torch(build, call)


def test_batchnorm3d_error_message_matches_torch() -> None:
    with pytest.raises(ValueError) as theirs:
        torch.nn.BatchNorm3d(2)(torch.zeros(2, 2, 3))
    with pytest.raises(ValueError) as mine:
        ag.nn.BatchNorm3d(2)(ag.zeros(2, 2, 3))
    # torch's words first; arraygrad's message then names the fix
    assert str(mine.value).startswith(str(theirs.value))


def test_conv_transpose_upsamples_what_conv_downsamples() -> None:
    # The usual encoder-decoder pairing: output_size gives back the input's odd size.
    down = ag.nn.Conv2d(1, 4, 3, stride=2, padding=1)
    up = ag.nn.ConvTranspose2d(4, 1, 3, stride=2, padding=1)
    x = ag.zeros(2, 1, 7, 9)
    assert up(down(x), output_size=x.shape).shape == x.shape
    assert up(down(x)).shape == (2, 1, 7, 9)
    assert up(down(ag.zeros(2, 1, 8, 8)), output_size=[8, 8]).shape == (2, 1, 8, 8)
