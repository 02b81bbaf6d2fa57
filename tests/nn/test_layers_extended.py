"""The layers added around PyTorch's functional forms, against torch 2.13.0 in float64: forward,
input and parameter gradients with the same weights, reprs, state_dict keys, initial values
and constructor errors.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
import arraygrad.nn
from tests.nn._compare import compare_module

rng = np.random.default_rng(4321)


def randn(*shape: int) -> np.ndarray:
    return rng.standard_normal(shape)


def _pool_unpool(nn: Any, n: int) -> Any:
    """MaxPool then MaxUnpool (giving back the input's size) in either library's ``nn``."""
    pool = (nn.MaxPool1d if n == 1 else nn.MaxPool2d)(2, return_indices=True)
    unpool = (nn.MaxUnpool1d if n == 1 else nn.MaxUnpool2d)(2)

    class PoolUnpool(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.pool = pool
            self.unpool = unpool

        def forward(self, x: Any) -> Any:
            values, indices = self.pool(x)
            return self.unpool(values, indices, output_size=x.shape)

    return PoolUnpool()


# name -> (builder of the layer from either library's nn, inputs, train mode)
LAYERS = {
    "prelu": (lambda nn: nn.PReLU(), [randn(3, 4, 5)], True),
    "prelu_channels": (lambda nn: nn.PReLU(4, init=0.1), [randn(3, 4, 5)], True),
    "glu": (lambda nn: nn.GLU(), [randn(3, 6)], True),
    "glu_dim1": (lambda nn: nn.GLU(1), [randn(3, 4, 5)], True),
    "dropout1d_eval": (lambda nn: nn.Dropout1d(0.3), [randn(2, 3, 4)], False),
    "dropout2d_p0": (lambda nn: nn.Dropout2d(0.0), [randn(2, 3, 4, 2)], True),
    "dropout3d_eval": (lambda nn: nn.Dropout3d(), [randn(2, 3, 2, 2, 2)], False),
    "cosine_similarity": (lambda nn: nn.CosineSimilarity(dim=2), [randn(2, 3, 4)] * 2, True),
    "pairwise_distance": (
        lambda nn: nn.PairwiseDistance(p=1.5, keepdim=True),
        [randn(5, 3), randn(5, 3)],
        True,
    ),
    "softmax2d": (lambda nn: nn.Softmax2d(), [randn(2, 3, 4, 2)], True),
    "softmax2d_unbatched": (lambda nn: nn.Softmax2d(), [randn(3, 4, 2)], True),
    "zeropad1d": (lambda nn: nn.ZeroPad1d((1, 2)), [randn(2, 3, 4)], True),
    "zeropad2d": (lambda nn: nn.ZeroPad2d(1), [randn(2, 3, 4)], True),
    "zeropad3d": (lambda nn: nn.ZeroPad3d((1, 0, 0, 1, 1, 1)), [randn(1, 2, 2, 2)], True),
    "constantpad1d": (lambda nn: nn.ConstantPad1d(2, 3.5), [randn(2, 3)], True),
    "constantpad2d_crop": (lambda nn: nn.ConstantPad2d((1, -1, 2, 0), -1.0), [randn(3, 4)], True),
    "constantpad3d": (lambda nn: nn.ConstantPad3d(1, 0.5), [randn(1, 2, 2, 2)], True),
    "reflectionpad1d": (lambda nn: nn.ReflectionPad1d((2, 1)), [randn(2, 3, 4)], True),
    "reflectionpad2d": (lambda nn: nn.ReflectionPad2d(1), [randn(1, 2, 3, 4)], True),
    "replicationpad1d": (lambda nn: nn.ReplicationPad1d(3), [randn(2, 3, 2)], True),
    "replicationpad2d": (lambda nn: nn.ReplicationPad2d((1, 0, 2, 1)), [randn(2, 3, 4)], True),
    "circularpad1d": (lambda nn: nn.CircularPad1d((1, 2)), [randn(2, 3, 4)], True),
    "circularpad2d": (lambda nn: nn.CircularPad2d(1), [randn(1, 2, 3, 4)], True),
    "maxpool1d": (lambda nn: nn.MaxPool1d(3, stride=2, padding=1), [randn(2, 3, 7)], True),
    "maxpool1d_indices": (lambda nn: nn.MaxPool1d(2, return_indices=True), [randn(2, 6)], True),
    "maxpool2d_indices": (
        lambda nn: nn.MaxPool2d(2, stride=1, return_indices=True),
        [randn(1, 2, 3, 4)],
        True,
    ),
    "avgpool1d": (
        lambda nn: nn.AvgPool1d(3, 2, 1, ceil_mode=True, count_include_pad=False),
        [randn(2, 3, 8)],
        True,
    ),
    "adaptive_avgpool1d": (lambda nn: nn.AdaptiveAvgPool1d(3), [randn(2, 3, 7)], True),
    "adaptive_maxpool1d": (lambda nn: nn.AdaptiveMaxPool1d(3), [randn(2, 3, 7)], True),
    "adaptive_maxpool2d_indices": (
        lambda nn: nn.AdaptiveMaxPool2d((2, None), return_indices=True),
        [randn(2, 3, 5, 4)],
        True,
    ),
    "instancenorm1d": (lambda nn: nn.InstanceNorm1d(3), [randn(2, 3, 5)], True),
    "instancenorm1d_unbatched": (lambda nn: nn.InstanceNorm1d(3), [randn(3, 5)], True),
    "instancenorm2d_affine_tracked": (
        lambda nn: nn.InstanceNorm2d(3, affine=True, track_running_stats=True),
        [randn(2, 3, 4, 2)],
        True,
    ),
    "instancenorm2d_tracked_eval": (
        lambda nn: nn.InstanceNorm2d(3, track_running_stats=True),
        [randn(2, 3, 4, 2)],
        False,
    ),
    "instancenorm3d_momentum_none": (
        lambda nn: nn.InstanceNorm3d(2, momentum=None, affine=True, track_running_stats=True),
        [randn(2, 2, 2, 3, 2)],
        True,
    ),
    "rmsnorm": (lambda nn: nn.RMSNorm(5), [randn(3, 4, 5)], True),
    "rmsnorm_2d_eps": (lambda nn: nn.RMSNorm([4, 5], eps=1e-3), [randn(3, 4, 5)], True),
    "rmsnorm_no_affine": (
        lambda nn: nn.RMSNorm(5, elementwise_affine=False),
        [randn(3, 4, 5)],
        True,
    ),
    "pixelshuffle": (lambda nn: nn.PixelShuffle(2), [randn(2, 8, 3, 2)], True),
    "pixelunshuffle": (lambda nn: nn.PixelUnshuffle(2), [randn(2, 2, 4, 6)], True),
    "upsample_nearest": (lambda nn: nn.Upsample(scale_factor=2), [randn(2, 3, 4, 2)], True),
    "upsample_bilinear_size": (
        lambda nn: nn.Upsample(size=(5, 3), mode="bilinear", align_corners=True),
        [randn(2, 3, 4, 2)],
        True,
    ),
    "upsample_linear": (
        lambda nn: nn.Upsample(scale_factor=1.5, mode="linear"),
        [randn(2, 3, 4)],
        True,
    ),
    "upsampling_nearest2d": (
        lambda nn: nn.UpsamplingNearest2d(size=5),
        [randn(1, 2, 3, 3)],
        True,
    ),
    "upsampling_bilinear2d": (
        lambda nn: nn.UpsamplingBilinear2d(scale_factor=2),
        [randn(1, 2, 3, 3)],
        True,
    ),
    "unfold": (lambda nn: nn.Unfold(2, padding=1, stride=2), [randn(2, 3, 4, 5)], True),
    "fold": (lambda nn: nn.Fold((3, 4), 2), [randn(2, 8, 6)], True),
    "channel_shuffle": (lambda nn: nn.ChannelShuffle(2), [randn(2, 4, 3)], True),
    "local_response_norm": (
        lambda nn: nn.LocalResponseNorm(3, alpha=0.1, beta=0.5, k=2.0),
        [randn(2, 5, 3, 2)],
        True,
    ),
    "alpha_dropout_eval": (lambda nn: nn.AlphaDropout(0.3), [randn(4, 5)], False),
    "feature_alpha_dropout_p0": (lambda nn: nn.FeatureAlphaDropout(0.0), [randn(2, 3, 4)], True),
    "max_unpool2d": (
        lambda nn: _pool_unpool(nn, 2),
        [randn(2, 3, 4, 6)],
        True,
    ),
    "max_unpool1d": (
        lambda nn: _pool_unpool(nn, 1),
        [randn(2, 3, 7)],
        True,
    ),
    "cnn_with_new_layers": (
        lambda nn: nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(2, 4, 3),
            nn.InstanceNorm2d(4, affine=True),
            nn.PReLU(4),
            nn.PixelShuffle(2),
            nn.Upsample(scale_factor=0.5, mode="bilinear"),
            nn.AdaptiveMaxPool2d(2),
            nn.Flatten(),
            nn.Linear(4, 2),
        ),
        [randn(2, 2, 4, 4)],
        True,
    ),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_matches_torch(name: str) -> None:
    build, inputs, train = LAYERS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        th_mod, ag_mod = compare_module(build, inputs, train=train)
    th_buffers = dict(th_mod.named_buffers())
    ag_buffers = dict(ag_mod.named_buffers())
    assert list(ag_buffers) == list(th_buffers)
    for key, theirs in th_buffers.items():
        np.testing.assert_allclose(ag_buffers[key].numpy(), theirs.numpy(), rtol=1e-7, atol=1e-12)


# name -> builder: reprs, state_dict keys, parameter shapes and initial values
CONSTRUCTED = {
    "prelu": lambda nn: nn.PReLU(),
    "prelu_channels": lambda nn: nn.PReLU(3, init=-0.5),
    "glu": lambda nn: nn.GLU(1),
    "dropout1d": lambda nn: nn.Dropout1d(),
    "dropout2d": lambda nn: nn.Dropout2d(0.2, True),
    "dropout3d": lambda nn: nn.Dropout3d(0.3),
    "cosine_similarity": lambda nn: nn.CosineSimilarity(0, 1e-3),
    "pairwise_distance": lambda nn: nn.PairwiseDistance(1.0),
    "softmax2d": lambda nn: nn.Softmax2d(),
    "zeropad1d": lambda nn: nn.ZeroPad1d(2),
    "zeropad2d": lambda nn: nn.ZeroPad2d([1, 2, 3, 4]),
    "zeropad3d": lambda nn: nn.ZeroPad3d(1),
    "constantpad1d": lambda nn: nn.ConstantPad1d(2, 3.5),
    "constantpad2d": lambda nn: nn.ConstantPad2d((1, 2, 3, 4), 0),
    "constantpad3d": lambda nn: nn.ConstantPad3d(1, -1.0),
    "reflectionpad1d": lambda nn: nn.ReflectionPad1d([1, 2]),
    "reflectionpad2d": lambda nn: nn.ReflectionPad2d(2),
    "reflectionpad3d": lambda nn: nn.ReflectionPad3d(1),
    "replicationpad1d": lambda nn: nn.ReplicationPad1d(1),
    "replicationpad2d": lambda nn: nn.ReplicationPad2d((1, 0, 2, 1)),
    "replicationpad3d": lambda nn: nn.ReplicationPad3d(2),
    "circularpad1d": lambda nn: nn.CircularPad1d(1),
    "circularpad2d": lambda nn: nn.CircularPad2d((1, 0, 2, 1)),
    "circularpad3d": lambda nn: nn.CircularPad3d(1),
    "maxpool1d": lambda nn: nn.MaxPool1d(3),
    "maxpool1d_options": lambda nn: nn.MaxPool1d((3,), 2, 1, 2, True, True),
    "avgpool1d": lambda nn: nn.AvgPool1d(3),
    "avgpool1d_options": lambda nn: nn.AvgPool1d(3, 2, 1, True, False),
    "adaptive_avgpool1d": lambda nn: nn.AdaptiveAvgPool1d(2),
    "adaptive_maxpool1d": lambda nn: nn.AdaptiveMaxPool1d(2, True),
    "adaptive_maxpool2d": lambda nn: nn.AdaptiveMaxPool2d((2, None)),
    "instancenorm1d": lambda nn: nn.InstanceNorm1d(3),
    "instancenorm2d": lambda nn: nn.InstanceNorm2d(3, affine=True, track_running_stats=True),
    "instancenorm3d": lambda nn: nn.InstanceNorm3d(2, 1e-3, None, True, bias=False),
    "rmsnorm": lambda nn: nn.RMSNorm(4),
    "rmsnorm_options": lambda nn: nn.RMSNorm([2, 3], eps=1e-3, elementwise_affine=False),
    "pixelshuffle": lambda nn: nn.PixelShuffle(2),
    "pixelunshuffle": lambda nn: nn.PixelUnshuffle(3),
    "upsample_scale": lambda nn: nn.Upsample(scale_factor=2),
    "upsample_scales": lambda nn: nn.Upsample(scale_factor=(2, 3), mode="nearest-exact"),
    "upsample_size": lambda nn: nn.Upsample(size=(3, 4), mode="bilinear", align_corners=True),
    "upsampling_nearest2d": lambda nn: nn.UpsamplingNearest2d(scale_factor=2),
    "upsampling_bilinear2d": lambda nn: nn.UpsamplingBilinear2d(size=3),
    "unfold": lambda nn: nn.Unfold(2),
    "channel_shuffle": lambda nn: nn.ChannelShuffle(3),
    "local_response_norm": lambda nn: nn.LocalResponseNorm(2),
    "local_response_norm_options": lambda nn: nn.LocalResponseNorm(3, 1e-3, 0.5, 2.0),
    "alpha_dropout": lambda nn: nn.AlphaDropout(0.2),
    "feature_alpha_dropout": lambda nn: nn.FeatureAlphaDropout(),
    "max_unpool1d": lambda nn: nn.MaxUnpool1d(3, 2, 1),
    "max_unpool2d": lambda nn: nn.MaxUnpool2d(2),
    "max_unpool2d_options": lambda nn: nn.MaxUnpool2d((2, 3), stride=1, padding=[1, 0]),
    "fold": lambda nn: nn.Fold((4, 5), 2, dilation=1, padding=1, stride=2),
}


@pytest.mark.parametrize("name", sorted(CONSTRUCTED))
def test_construction_matches_torch(name: str) -> None:
    theirs, mine = CONSTRUCTED[name](torch.nn), CONSTRUCTED[name](ag.nn)
    assert repr(mine).replace("arraygrad", "torch") == repr(theirs)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert tuple(mine.state_dict()[key].shape) == tuple(value.shape), key
        np.testing.assert_array_equal(mine.state_dict()[key].numpy(), value.numpy())
    assert type(mine).__mro__[1].__name__ == type(theirs).__mro__[1].__name__


def test_channel_dropout_layers_are_not_dropout_subclasses_like_torch() -> None:
    for name in ("Dropout1d", "Dropout2d", "Dropout3d"):
        assert not isinstance(getattr(ag.nn, name)(), ag.nn.Dropout)
    assert not isinstance(ag.nn.MaxPool1d(2), ag.nn.MaxPool2d)


def test_channel_dropout_layer_trains_and_evaluates() -> None:
    ag.manual_seed(0)
    layer = ag.nn.Dropout2d(0.5)
    out = layer(ag.ones(20, 10, 2, 2)).numpy()
    assert set(np.unique(out)) <= {0.0, 2.0}
    assert np.all(out == out[..., :1, :1])  # whole channels
    layer.eval()
    assert np.all(layer(ag.ones(2, 3, 2, 2)).numpy() == 1)


def test_instance_norm_feature_mismatch_like_torch() -> None:
    x = randn(2, 4, 5)
    with pytest.raises(ValueError) as theirs:
        torch.nn.InstanceNorm1d(3, affine=True)(torch.tensor(x))
    with pytest.raises(ValueError) as mine:
        ag.nn.InstanceNorm1d(3, affine=True)(ag.tensor(x))
    # torch's words, then the fix arraygrad adds
    assert str(mine.value).startswith(str(theirs.value)) and "Fix:" in str(mine.value)
    with pytest.warns(UserWarning, match="does not match num_features"):
        ag.nn.InstanceNorm1d(3)(ag.tensor(x))


@pytest.mark.parametrize(
    ("build", "shape"),
    [
        (lambda nn: nn.InstanceNorm1d(3), (2, 3, 4, 5)),
        (lambda nn: nn.InstanceNorm2d(3), (3, 4)),
        (lambda nn: nn.Softmax2d(), (3, 4)),
        # the circular modules check the rank themselves (ValueError); the other non-constant
        # modes, and convolutions padding with them, leave it to F.pad (NotImplementedError)
        (lambda nn: nn.CircularPad1d(1), (4,)),
        (lambda nn: nn.CircularPad3d(1), (2, 3, 4)),
        (lambda nn: nn.ReflectionPad1d(1), (1, 1, 2, 5)),
        (lambda nn: nn.ReplicationPad2d(1), (2, 5)),
        (lambda nn: nn.Conv1d(2, 3, 2, padding_mode="circular"), (1, 1, 2, 7)),
        (lambda nn: nn.Conv1d(2, 3, 2, padding="valid", padding_mode="reflect"), (1, 1, 2, 7)),
        # one value per group (in any mode), and fewer dimensions than the normalized shape
        (lambda nn: nn.GroupNorm(2, 2), (1, 2)),
        (lambda nn: nn.GroupNorm(4, 4).eval(), (1, 4, 1)),
        (lambda nn: nn.RMSNorm((2, 3)), (3,)),
        (lambda nn: nn.RMSNorm([]), (3,)),
    ],
)
def test_layer_input_rank_errors_match_torch(build: Any, shape: tuple) -> None:
    with pytest.raises(Exception) as theirs:
        build(torch.nn)(torch.zeros(shape))
    with pytest.raises(theirs.type) as mine:
        build(ag.nn)(ag.zeros(*shape))
    # torch's words, then the fix arraygrad adds
    assert str(mine.value).startswith(str(theirs.value))


@pytest.mark.parametrize(
    "build",
    [
        lambda nn: nn.Dropout1d(1.5),
        lambda nn: nn.Dropout2d(-0.1),
        lambda nn: nn.Dropout3d(2),
        lambda nn: nn.AlphaDropout(-1),
        lambda nn: nn.FeatureAlphaDropout(1.01),
    ],
)
def test_layer_argument_errors_match_torch(build: Any) -> None:
    with pytest.raises(ValueError) as theirs:
        build(torch.nn)
    with pytest.raises(ValueError) as mine:
        build(ag.nn)
    # torch's words, then the fix arraygrad adds
    assert str(mine.value).startswith(str(theirs.value)) and "Fix:" in str(mine.value)


def test_prelu_weight_is_learnable_per_channel() -> None:
    layer = ag.nn.PReLU(3)
    x = -ag.ones(2, 3, 4)
    layer(x).sum().backward()
    np.testing.assert_allclose(layer.weight.grad.numpy(), [-8.0, -8.0, -8.0])
