"""The catalogue of ``tests/nn/test_backends.py``: ``nn`` modules and losses, each built the same
way on NumPy and on another Array API library.

A case is a builder ``build(nn) -> module`` (run once on each backend, so construction and
initialisation run there too), a maker of the NumPy inputs from a seeded generator, and
optionally how to call the module. Floating inputs get gradients unless ``grads`` names the ones
that do (a loss's target, say). ``train=False`` runs the module in eval mode (dropout layers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import arraygrad as ag

Inputs = Callable[[np.random.Generator], list[np.ndarray]]


@dataclass(frozen=True)
class Case:
    """One module, its inputs, and how to run it (see the module docstring)."""

    build: Callable[[Any], Any]
    inputs: Inputs
    call: Callable[[Any, list[Any]], Any] | None = None
    grads: tuple[int, ...] | None = None
    train: bool = True
    rtol: float = 1e-10
    atol: float = 1e-12


def floats(*shapes: tuple[int, ...], low: float | None = None, high: float = 1.0) -> Inputs:
    """Standard normal arrays of ``shapes`` (uniform in ``[low, high)`` when ``low`` is set)."""

    def make(rng: np.random.Generator) -> list[np.ndarray]:
        if low is None:
            return [rng.standard_normal(shape) for shape in shapes]
        return [rng.uniform(low, high, shape) for shape in shapes]

    return make


def with_ints(make_floats: Inputs, *ints: tuple[tuple[int, ...], int, int]) -> Inputs:
    """``make_floats``'s arrays followed by int64 arrays given as ``(shape, low, high)``."""

    def make(rng: np.random.Generator) -> list[np.ndarray]:
        drawn = [rng.integers(low, high, shape).astype(np.int64) for shape, low, high in ints]
        return [*make_floats(rng), *drawn]

    return make


def fixed(*arrays: Any) -> Inputs:
    """Exactly these arrays (after ``np.asarray``)."""
    return lambda rng: [np.asarray(a) for a in arrays]


def _act(name: str, *args: Any, **kwargs: Any) -> Case:
    return Case(lambda nn: getattr(nn, name)(*args, **kwargs), floats((2, 3, 4)))


def _pair(x: Inputs, y: Inputs) -> Inputs:
    return lambda rng: [*x(rng), *y(rng)]


def _unpool(dims: int) -> Callable[[Any, list[Any]], Any]:
    pool = getattr(ag.nn.functional, f"max_pool{dims}d")
    return lambda module, args: module(*pool(args[0], 2, return_indices=True))


MODULES: dict[str, Case] = {
    "Linear": Case(lambda nn: nn.Linear(4, 3), floats((2, 4))),
    "Linear-no-bias": Case(lambda nn: nn.Linear(4, 3, bias=False), floats((2, 5, 4))),
    "LazyLinear": Case(lambda nn: nn.LazyLinear(3), floats((2, 4))),
    "Bilinear": Case(lambda nn: nn.Bilinear(3, 4, 2), floats((2, 3), (2, 4))),
    "Identity": Case(lambda nn: nn.Identity(), floats((2, 3))),
    "Sequential": Case(
        lambda nn: nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)), floats((5, 3))
    ),
    "Conv1d": Case(lambda nn: nn.Conv1d(2, 4, 3, padding=1, groups=2), floats((2, 2, 7))),
    "Conv1d-strided": Case(
        lambda nn: nn.Conv1d(2, 3, 3, stride=2, dilation=2, padding_mode="circular", padding=2),
        floats((2, 2, 9)),
    ),
    "Conv2d": Case(lambda nn: nn.Conv2d(2, 3, 3, stride=2, padding=1), floats((2, 2, 6, 5))),
    "Conv2d-same-reflect": Case(
        lambda nn: nn.Conv2d(2, 2, (3, 2), padding="same", padding_mode="reflect"),
        floats((1, 2, 5, 5)),
    ),
    "Conv3d": Case(lambda nn: nn.Conv3d(2, 2, 2, padding=(1, 0, 1)), floats((1, 2, 3, 4, 3))),
    "LazyConv2d": Case(lambda nn: nn.LazyConv2d(3, 2), floats((1, 2, 4, 4))),
    "ConvTranspose1d": Case(
        lambda nn: nn.ConvTranspose1d(2, 3, 3, stride=2, output_padding=1), floats((2, 2, 5))
    ),
    "ConvTranspose2d": Case(
        lambda nn: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, groups=2),
        floats((1, 4, 3, 4)),
    ),
    "ConvTranspose3d": Case(
        lambda nn: nn.ConvTranspose3d(2, 2, 2, stride=2), floats((1, 2, 2, 2, 3))
    ),
    "MaxPool1d": Case(lambda nn: nn.MaxPool1d(3, stride=2, ceil_mode=True), floats((2, 3, 8))),
    "MaxPool2d": Case(lambda nn: nn.MaxPool2d(3, stride=2, padding=1), floats((2, 2, 6, 5))),
    "MaxPool2d-indices": Case(
        lambda nn: nn.MaxPool2d(2, dilation=2, return_indices=True), floats((1, 2, 6, 6))
    ),
    "MaxPool3d": Case(lambda nn: nn.MaxPool3d(2), floats((1, 2, 4, 4, 4))),
    "AvgPool1d": Case(lambda nn: nn.AvgPool1d(3, stride=2, padding=1), floats((2, 3, 8))),
    "AvgPool2d": Case(
        lambda nn: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
        floats((2, 2, 6, 5)),
    ),
    "AvgPool2d-divisor": Case(lambda nn: nn.AvgPool2d(2, divisor_override=3), floats((1, 2, 4, 4))),
    "AvgPool3d": Case(lambda nn: nn.AvgPool3d(2, stride=1), floats((1, 2, 3, 4, 3))),
    "LPPool1d": Case(lambda nn: nn.LPPool1d(2, 3, stride=2), floats((2, 3, 8))),
    "LPPool2d": Case(lambda nn: nn.LPPool2d(3, 2), floats((1, 2, 4, 4), low=0.1)),
    "LPPool3d": Case(lambda nn: nn.LPPool3d(2, 2), floats((1, 2, 4, 4, 4))),
    "AdaptiveAvgPool1d": Case(lambda nn: nn.AdaptiveAvgPool1d(3), floats((2, 3, 7))),
    "AdaptiveAvgPool2d": Case(lambda nn: nn.AdaptiveAvgPool2d((3, 2)), floats((1, 2, 7, 5))),
    "AdaptiveAvgPool3d": Case(lambda nn: nn.AdaptiveAvgPool3d(2), floats((1, 2, 3, 5, 4))),
    "AdaptiveMaxPool1d": Case(lambda nn: nn.AdaptiveMaxPool1d(3), floats((2, 3, 7))),
    "AdaptiveMaxPool2d": Case(
        lambda nn: nn.AdaptiveMaxPool2d((3, 2), return_indices=True), floats((1, 2, 7, 5))
    ),
    "AdaptiveMaxPool3d": Case(lambda nn: nn.AdaptiveMaxPool3d(2), floats((1, 2, 3, 5, 4))),
    "FractionalMaxPool2d": Case(
        lambda nn: nn.FractionalMaxPool2d(
            2, output_size=(3, 3), _random_samples=ag.tensor([[[0.3, 0.7], [0.5, 0.1]]])
        ),
        floats((1, 2, 6, 7)),
    ),
    "FractionalMaxPool3d": Case(
        lambda nn: nn.FractionalMaxPool3d(
            2, output_size=2, _random_samples=ag.tensor([[[0.3, 0.7, 0.2]]])
        ),
        floats((1, 1, 5, 4, 5)),
    ),
    "MaxUnpool1d": Case(lambda nn: nn.MaxUnpool1d(2), floats((1, 2, 6)), call=_unpool(1)),
    "MaxUnpool2d": Case(lambda nn: nn.MaxUnpool2d(2), floats((1, 2, 4, 4)), call=_unpool(2)),
    "MaxUnpool3d": Case(lambda nn: nn.MaxUnpool3d(2), floats((1, 1, 4, 2, 4)), call=_unpool(3)),
    "BatchNorm1d": Case(lambda nn: nn.BatchNorm1d(3), floats((4, 3))),
    "BatchNorm1d-3d": Case(lambda nn: nn.BatchNorm1d(3, momentum=None), floats((4, 3, 5))),
    "BatchNorm2d": Case(lambda nn: nn.BatchNorm2d(3), floats((2, 3, 4, 3))),
    "BatchNorm2d-eval": Case(lambda nn: nn.BatchNorm2d(3), floats((2, 3, 4, 3)), train=False),
    "BatchNorm3d": Case(lambda nn: nn.BatchNorm3d(2, affine=False), floats((2, 2, 3, 2, 3))),
    "LazyBatchNorm1d": Case(lambda nn: nn.LazyBatchNorm1d(), floats((4, 3))),
    "LayerNorm": Case(lambda nn: nn.LayerNorm((3, 4)), floats((2, 3, 4))),
    "LayerNorm-no-bias": Case(lambda nn: nn.LayerNorm(4, bias=False), floats((2, 3, 4))),
    "GroupNorm": Case(lambda nn: nn.GroupNorm(2, 4), floats((2, 4, 3, 2))),
    "InstanceNorm1d": Case(
        lambda nn: nn.InstanceNorm1d(3, affine=True, track_running_stats=True), floats((2, 3, 5))
    ),
    "InstanceNorm2d": Case(lambda nn: nn.InstanceNorm2d(2), floats((2, 2, 3, 4))),
    "InstanceNorm3d": Case(lambda nn: nn.InstanceNorm3d(2, affine=True), floats((1, 2, 3, 2, 3))),
    "LocalResponseNorm": Case(lambda nn: nn.LocalResponseNorm(3), floats((2, 5, 3, 2))),
    "RMSNorm": Case(lambda nn: nn.RMSNorm(4), floats((2, 3, 4))),
    "RMSNorm-no-weight": Case(
        lambda nn: nn.RMSNorm((3, 4), eps=1e-3, elementwise_affine=False), floats((2, 3, 4))
    ),
    "Dropout-eval": Case(lambda nn: nn.Dropout(0.3), floats((2, 3)), train=False),
    "Dropout1d-eval": Case(lambda nn: nn.Dropout1d(0.3), floats((2, 3, 4)), train=False),
    "Dropout2d-eval": Case(lambda nn: nn.Dropout2d(0.3), floats((2, 3, 4, 2)), train=False),
    "Dropout3d-eval": Case(lambda nn: nn.Dropout3d(0.3), floats((2, 3, 2, 2, 2)), train=False),
    "AlphaDropout-eval": Case(lambda nn: nn.AlphaDropout(0.3), floats((2, 3)), train=False),
    "FeatureAlphaDropout-eval": Case(
        lambda nn: nn.FeatureAlphaDropout(0.3), floats((2, 3, 4)), train=False
    ),
    "Embedding": Case(
        lambda nn: nn.Embedding(10, 3, padding_idx=2),
        with_ints(floats(), ((2, 4), 0, 10)),
    ),
    "Embedding-max-norm": Case(
        lambda nn: nn.Embedding(10, 3, max_norm=1.0), with_ints(floats(), ((5,), 0, 10))
    ),
    "EmbeddingBag-mean": Case(
        lambda nn: nn.EmbeddingBag(10, 3), with_ints(floats(), ((3, 4), 0, 10))
    ),
    "EmbeddingBag-offsets-max": Case(
        lambda nn: nn.EmbeddingBag(10, 3, mode="max"),
        lambda rng: [rng.integers(0, 10, 7), np.array([0, 3, 3, 5])],
    ),
    "EmbeddingBag-weights": Case(
        lambda nn: nn.EmbeddingBag(10, 3, mode="sum", padding_idx=0),
        lambda rng: [rng.integers(0, 10, 6), np.array([0, 2]), rng.standard_normal(6)],
        call=lambda m, a: m(a[0], a[1], per_sample_weights=a[2]),
    ),
    "RNN": Case(lambda nn: nn.RNN(3, 4, num_layers=2), floats((5, 2, 3))),
    "RNN-relu-batch-first": Case(
        lambda nn: nn.RNN(3, 4, nonlinearity="relu", batch_first=True, bidirectional=True),
        floats((2, 5, 3), (2, 2, 4)),
    ),
    "LSTM": Case(lambda nn: nn.LSTM(3, 4, num_layers=2, bidirectional=True), floats((5, 2, 3))),
    "LSTM-proj": Case(
        lambda nn: nn.LSTM(3, 4, proj_size=2, batch_first=True),
        floats((2, 5, 3), (1, 2, 2), (1, 2, 4)),
        call=lambda m, a: m(a[0], (a[1], a[2])),
    ),
    "GRU": Case(lambda nn: nn.GRU(3, 4, num_layers=2), floats((5, 2, 3))),
    "RNNCell": Case(lambda nn: nn.RNNCell(3, 4), floats((2, 3), (2, 4))),
    "LSTMCell": Case(
        lambda nn: nn.LSTMCell(3, 4),
        floats((2, 3), (2, 4), (2, 4)),
        call=lambda m, a: m(a[0], (a[1], a[2])),
    ),
    "GRUCell": Case(lambda nn: nn.GRUCell(3, 4), floats((2, 3), (2, 4))),
    "MultiheadAttention": Case(
        lambda nn: nn.MultiheadAttention(4, 2), floats((3, 2, 4), (5, 2, 4), (5, 2, 4))
    ),
    "MultiheadAttention-kdim-mask": Case(
        lambda nn: nn.MultiheadAttention(4, 2, kdim=3, vdim=5, batch_first=True, bias=False),
        lambda rng: [
            *floats((2, 3, 4), (2, 5, 3), (2, 5, 5))(rng),
            np.array([[False] * 4 + [True], [False] * 5]),
        ],
        call=lambda m, a: m(a[0], a[1], a[2], key_padding_mask=a[3], average_attn_weights=False),
    ),
    "TransformerEncoderLayer": Case(
        lambda nn: nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0),
        floats((3, 2, 4)),
    ),
    "TransformerEncoderLayer-norm-first": Case(
        lambda nn: nn.TransformerEncoderLayer(
            4, 2, 8, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
        ),
        floats((2, 3, 4)),
    ),
    "TransformerDecoderLayer": Case(
        lambda nn: nn.TransformerDecoderLayer(4, 2, dim_feedforward=8, dropout=0.0),
        floats((3, 2, 4), (5, 2, 4)),
    ),
    "Transformer": Case(
        lambda nn: nn.Transformer(4, 2, 1, 1, dim_feedforward=8, dropout=0.0),
        floats((5, 2, 4), (3, 2, 4)),
        call=lambda m, a: m(
            a[0], a[1], tgt_mask=ag.nn.Transformer.generate_square_subsequent_mask(3)
        ),
    ),
    "Upsample-nearest": Case(lambda nn: nn.Upsample(scale_factor=2), floats((1, 2, 3, 2))),
    "Upsample-linear": Case(
        lambda nn: nn.Upsample(size=7, mode="linear", align_corners=True), floats((1, 2, 4))
    ),
    "Upsample-bilinear": Case(
        lambda nn: nn.Upsample(scale_factor=1.5, mode="bilinear"), floats((1, 2, 3, 4))
    ),
    "Upsample-bicubic": Case(
        lambda nn: nn.Upsample(size=(5, 4), mode="bicubic"), floats((1, 1, 3, 3))
    ),
    "Upsample-trilinear": Case(
        lambda nn: nn.Upsample(scale_factor=2, mode="trilinear"), floats((1, 1, 2, 3, 2))
    ),
    "UpsamplingBilinear2d": Case(
        lambda nn: nn.UpsamplingBilinear2d(scale_factor=2), floats((1, 2, 3, 2))
    ),
    "UpsamplingNearest2d": Case(lambda nn: nn.UpsamplingNearest2d(size=5), floats((1, 2, 3, 2))),
    "PixelShuffle": Case(lambda nn: nn.PixelShuffle(2), floats((1, 8, 2, 3))),
    "PixelUnshuffle": Case(lambda nn: nn.PixelUnshuffle(2), floats((1, 2, 4, 6))),
    "ChannelShuffle": Case(lambda nn: nn.ChannelShuffle(2), floats((1, 4, 2, 3))),
    "Unfold": Case(lambda nn: nn.Unfold(2, dilation=1, padding=1, stride=2), floats((2, 2, 4, 5))),
    "Fold": Case(lambda nn: nn.Fold((3, 4), 2), floats((2, 8, 6))),
    "Flatten": Case(lambda nn: nn.Flatten(), floats((2, 3, 4))),
    "Unflatten": Case(lambda nn: nn.Unflatten(1, (2, 3)), floats((2, 6, 2))),
    "CosineSimilarity": Case(lambda nn: nn.CosineSimilarity(dim=1), floats((3, 4), (3, 4))),
    "PairwiseDistance": Case(lambda nn: nn.PairwiseDistance(p=3.0), floats((3, 4), (3, 4))),
    "AdaptiveLogSoftmaxWithLoss": Case(
        lambda nn: nn.AdaptiveLogSoftmaxWithLoss(6, 10, cutoffs=[3, 7], div_value=2.0),
        with_ints(floats((5, 6)), ((5,), 0, 10)),
    ),
}

for _dims in (1, 2, 3):
    _shape = (1, 2, 3, 4, 3)[: _dims + 2]
    _pad = (1, 2, 2, 1, 1, 0)[: 2 * _dims]
    MODULES[f"ConstantPad{_dims}d"] = Case(
        lambda nn, d=_dims, p=_pad: getattr(nn, f"ConstantPad{d}d")(p, 0.5), floats(_shape)
    )
    MODULES[f"ZeroPad{_dims}d"] = Case(
        lambda nn, d=_dims, p=_pad: getattr(nn, f"ZeroPad{d}d")(p), floats(_shape)
    )
    for _kind in ("Reflection", "Replication", "Circular"):
        MODULES[f"{_kind}Pad{_dims}d"] = Case(
            lambda nn, k=_kind, d=_dims, p=_pad: getattr(nn, f"{k}Pad{d}d")(p), floats(_shape)
        )

ACTIVATIONS: dict[str, tuple[Any, ...]] = {
    "CELU": (0.7,),
    "ELU": (1.3,),
    "GELU": (),
    "GELU-tanh": ("GELU", {"approximate": "tanh"}),
    "GLU": ("GLU", {"dim": -1}),
    "Hardshrink": (0.4,),
    "Hardsigmoid": (),
    "Hardswish": (),
    "Hardtanh": (-0.5, 0.8),
    "LeakyReLU": (0.2,),
    "LogSigmoid": (),
    "LogSoftmax": ("LogSoftmax", {"dim": 1}),
    "Mish": (),
    "PReLU": ("PReLU", {"num_parameters": 3}),
    "RReLU-eval": ("RReLU", {}),
    "ReLU": (),
    "ReLU6": (),
    "SELU": (),
    "SiLU": (),
    "Sigmoid": (),
    "Softmax": ("Softmax", {"dim": 1}),
    "Softmax2d": (),
    "Softmin": ("Softmin", {"dim": -1}),
    "Softplus": ("Softplus", {"beta": 2.0, "threshold": 1.0}),
    "Softshrink": (0.3,),
    "Softsign": (),
    "Tanh": (),
    "Tanhshrink": (),
    "Threshold": (0.1, 20.0),
}
for _name, _args in ACTIVATIONS.items():
    if _args and isinstance(_args[-1], dict):
        MODULES[_name] = _act(*_args[:-1], **_args[-1])
    else:
        MODULES[_name] = _act(_name, *_args)
MODULES["RReLU-eval"] = Case(MODULES["RReLU-eval"].build, floats((2, 3, 4)), train=False)

_probs = floats((3, 4), low=0.05, high=0.95)


def _signs(shape: tuple[int, ...]) -> Inputs:
    return lambda rng: [rng.choice([-1.0, 1.0], shape)]


def _log_softmax(module: Any, args: list[Any]) -> Any:
    return module(ag.log_softmax(args[0], 1), *args[1:])


LOSSES: dict[str, Case] = {
    "L1Loss": Case(lambda nn: nn.L1Loss(), floats((3, 4), (3, 4))),
    "MSELoss-sum": Case(lambda nn: nn.MSELoss(reduction="sum"), floats((3, 4), (3, 4))),
    "HuberLoss": Case(lambda nn: nn.HuberLoss(delta=0.5), floats((3, 4), (3, 4))),
    "SmoothL1Loss": Case(lambda nn: nn.SmoothL1Loss(beta=0.5), floats((3, 4), (3, 4))),
    "SoftMarginLoss": Case(
        lambda nn: nn.SoftMarginLoss(), _pair(floats((3, 4)), _signs((3, 4))), grads=(0,)
    ),
    "BCELoss": Case(
        lambda nn: nn.BCELoss(weight=ag.tensor([1.0, 2.0, 0.5, 1.0], dtype=ag.float64)),
        _pair(_probs, _probs),
        grads=(0,),
    ),
    "BCEWithLogitsLoss": Case(
        lambda nn: nn.BCEWithLogitsLoss(pos_weight=ag.tensor([1.0, 2.0, 0.5, 3.0]).double()),
        _pair(floats((3, 4)), _probs),
        grads=(0,),
    ),
    "CrossEntropyLoss": Case(
        lambda nn: nn.CrossEntropyLoss(label_smoothing=0.1, ignore_index=1),
        with_ints(floats((5, 4)), ((5,), 0, 4)),
    ),
    "CrossEntropyLoss-weight-2d": Case(
        lambda nn: nn.CrossEntropyLoss(weight=ag.tensor([1.0, 2.0, 0.5]).double()),
        with_ints(floats((2, 3, 4)), ((2, 4), 0, 3)),
    ),
    "CrossEntropyLoss-probs": Case(
        lambda nn: nn.CrossEntropyLoss(reduction="none"),
        _pair(floats((3, 4)), floats((3, 4), low=0.0)),
        grads=(0,),
    ),
    "NLLLoss": Case(
        lambda nn: nn.NLLLoss(weight=ag.tensor([1.0, 2.0, 0.5, 1.5]).double(), ignore_index=0),
        with_ints(floats((5, 4)), ((5,), 0, 4)),
        call=_log_softmax,
    ),
    "NLLLoss-2d-none": Case(
        lambda nn: nn.NLLLoss(reduction="none"),
        with_ints(floats((2, 3, 2, 2)), ((2, 2, 2), 0, 3)),
        call=_log_softmax,
    ),
    "KLDivLoss": Case(
        lambda nn: nn.KLDivLoss(reduction="batchmean"),
        _pair(floats((3, 4)), _probs),
        call=_log_softmax,
    ),
    "KLDivLoss-log-target": Case(
        lambda nn: nn.KLDivLoss(reduction="sum", log_target=True), floats((3, 4), (3, 4))
    ),
    "PoissonNLLLoss": Case(lambda nn: nn.PoissonNLLLoss(), floats((3, 4), (3, 4), low=0.0)),
    "PoissonNLLLoss-full": Case(
        lambda nn: nn.PoissonNLLLoss(log_input=False, full=True),
        floats((3, 4), (3, 4), low=0.1, high=3.0),
    ),
    "GaussianNLLLoss": Case(
        lambda nn: nn.GaussianNLLLoss(full=True),
        _pair(floats((3, 4), (3, 4)), floats((3, 1), low=0.1)),
    ),
    "HingeEmbeddingLoss": Case(
        lambda nn: nn.HingeEmbeddingLoss(margin=0.5), _pair(floats((3, 4)), _signs((3, 4)))
    ),
    "CosineEmbeddingLoss": Case(
        lambda nn: nn.CosineEmbeddingLoss(margin=0.1), _pair(floats((3, 4), (3, 4)), _signs((3,)))
    ),
    "MarginRankingLoss": Case(
        lambda nn: nn.MarginRankingLoss(margin=0.2), _pair(floats((5,), (5,)), _signs((5,)))
    ),
    "MultiMarginLoss": Case(
        lambda nn: nn.MultiMarginLoss(p=2, margin=0.7, weight=ag.tensor([1.0, 2, 0.5]).double()),
        with_ints(floats((4, 3)), ((4,), 0, 3)),
    ),
    "MultiLabelMarginLoss": Case(
        lambda nn: nn.MultiLabelMarginLoss(),
        lambda rng: [rng.standard_normal((2, 4)), np.array([[3, 0, -1, 1], [1, 2, 3, -1]])],
    ),
    "MultiLabelSoftMarginLoss": Case(
        lambda nn: nn.MultiLabelSoftMarginLoss(weight=ag.tensor([1.0, 2, 0.5, 1]).double()),
        lambda rng: [rng.standard_normal((3, 4)), rng.integers(0, 2, (3, 4)).astype(float)],
        grads=(0,),
    ),
    "TripletMarginLoss": Case(
        lambda nn: nn.TripletMarginLoss(margin=2.0, p=1.5, swap=True),
        floats((3, 4), (3, 4), (3, 4)),
    ),
    "TripletMarginWithDistanceLoss": Case(
        lambda nn: nn.TripletMarginWithDistanceLoss(
            distance_function=nn.PairwiseDistance(), margin=3.0
        ),
        floats((3, 4), (3, 4), (3, 4)),
    ),
    "CTCLoss": Case(
        lambda nn: nn.CTCLoss(blank=0, zero_infinity=True),
        lambda rng: [
            rng.standard_normal((6, 2, 4)),
            np.array([[1, 2, 2], [3, 1, 0]]),
            np.array([6, 5]),
            np.array([3, 2]),
        ],
        call=lambda m, a: m(ag.log_softmax(a[0], 2), *a[1:]),
    ),
}


def _packed(m: Any, a: list[Any]) -> Any:
    rnn = ag.nn.utils.rnn
    packed = rnn.pack_padded_sequence(a[0], ag.tensor([3, 5, 2]), enforce_sorted=False)
    output, state = m(packed)
    return rnn.pad_packed_sequence(output, total_length=6)[0], state


# Random layers in training mode: NumPy's generators draw the numbers on every backend, so the
# same seed gives the same masks and samples.
MODULES.update(
    {
        "Dropout-train": Case(lambda nn: nn.Dropout(0.3), floats((4, 5))),
        "Dropout2d-train": Case(lambda nn: nn.Dropout2d(0.5), floats((2, 4, 3, 2))),
        "AlphaDropout-train": Case(lambda nn: nn.AlphaDropout(0.2), floats((4, 5))),
        "FeatureAlphaDropout-train": Case(
            lambda nn: nn.FeatureAlphaDropout(0.5), floats((2, 4, 3))
        ),
        "RReLU-train": Case(lambda nn: nn.RReLU(0.1, 0.3), floats((3, 4))),
        "FractionalMaxPool2d-random": Case(
            lambda nn: nn.FractionalMaxPool2d(2, output_ratio=0.5), floats((2, 2, 6, 6))
        ),
        "LSTM-packed": Case(
            lambda nn: nn.LSTM(3, 4, num_layers=2, bidirectional=True),
            floats((6, 3, 3)),
            call=_packed,
        ),
        "GRU-packed": Case(lambda nn: nn.GRU(3, 2), floats((6, 3, 3)), call=_packed),
        "MultiheadAttention-float-mask": Case(
            lambda nn: nn.MultiheadAttention(4, 1, add_bias_kv=True, add_zero_attn=True),
            floats((3, 2, 4), (3, 2, 4), (3, 2, 4), (3, 3)),
            call=lambda m, a: m(a[0], a[1], a[2], attn_mask=a[3].detach()),
        ),
        "TransformerEncoder-padding-mask": Case(
            lambda nn: nn.TransformerEncoder(
                nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, batch_first=True),
                num_layers=2,
                enable_nested_tensor=False,
            ),
            lambda rng: [rng.standard_normal((2, 3, 4)), np.array([[0, 0, 1], [0, 0, 0]], bool)],
            call=lambda m, a: m(a[0], src_key_padding_mask=a[1]),
        ),
        "LazyInstanceNorm2d": Case(
            lambda nn: nn.LazyInstanceNorm2d(affine=True, track_running_stats=True),
            floats((2, 3, 4, 3)),
        ),
        "LazyConvTranspose1d": Case(
            lambda nn: nn.LazyConvTranspose1d(2, 3, stride=2), floats((2, 3, 4))
        ),
        "Embedding-freq": Case(
            lambda nn: nn.Embedding(6, 3, scale_grad_by_freq=True),
            lambda rng: [np.array([[1, 2, 1], [4, 1, 2]])],
        ),
        "EmbeddingBag-last-offset": Case(
            lambda nn: nn.EmbeddingBag(10, 3, mode="max", include_last_offset=True),
            lambda rng: [rng.integers(0, 10, 7), np.array([0, 3, 5, 7])],
        ),
        "Upsample-bilinear-down": Case(
            lambda nn: nn.Upsample(size=(2, 3), mode="bilinear"), floats((1, 2, 5, 7))
        ),
        "ConvTranspose2d-output-size": Case(
            lambda nn: nn.ConvTranspose2d(2, 2, 3, stride=2),
            floats((1, 2, 3, 3)),
            call=lambda m, a: m(a[0], output_size=[8, 8]),
        ),
        "weight_norm": Case(
            lambda nn: nn.utils.parametrizations.weight_norm(nn.Linear(3, 4)), floats((2, 3))
        ),
        "spectral_norm": Case(
            lambda nn: nn.utils.parametrizations.spectral_norm(nn.Linear(3, 4)), floats((2, 3))
        ),
        "orthogonal": Case(
            lambda nn: nn.utils.parametrizations.orthogonal(nn.Linear(3, 4)), floats((2, 3))
        ),
        "weight_norm-hook": Case(
            lambda nn: nn.utils.weight_norm(nn.Conv1d(2, 3, 2)), floats((1, 2, 4))
        ),
        "spectral_norm-hook": Case(
            lambda nn: nn.utils.spectral_norm(nn.Linear(3, 4)), floats((2, 3))
        ),
        "AdaptiveLogSoftmax-log-prob": Case(
            lambda nn: nn.AdaptiveLogSoftmaxWithLoss(
                6, 10, cutoffs=[3, 7], div_value=2.0, head_bias=True
            ),
            floats((5, 6)),
            call=lambda m, a: (m.log_prob(a[0]), m.predict(a[0])),
        ),
    }
)

LOSSES.update(
    {
        "CrossEntropyLoss-ignored-default": Case(
            lambda nn: nn.CrossEntropyLoss(),
            lambda rng: [rng.standard_normal((4, 3)), np.array([2, -100, 0, -100])],
        ),
        "NLLLoss-all-ignored-sum": Case(
            lambda nn: nn.NLLLoss(reduction="sum", ignore_index=1),
            lambda rng: [rng.standard_normal((2, 3)), np.array([1, 1])],
        ),
        "BCELoss-none": Case(
            lambda nn: nn.BCELoss(reduction="none"), _pair(_probs, _probs), grads=(0,)
        ),
        "CTCLoss-flat-targets-sum": Case(
            lambda nn: nn.CTCLoss(blank=3, reduction="sum"),
            lambda rng: [
                rng.standard_normal((5, 2, 4)),
                np.array([0, 1, 2, 2]),
                np.array([5, 4]),
                np.array([3, 1]),
            ],
            call=lambda m, a: m(ag.log_softmax(a[0], 2), *a[1:]),
        ),
        "GaussianNLLLoss-none": Case(
            lambda nn: nn.GaussianNLLLoss(reduction="none", eps=0.5),
            _pair(floats((3, 4), (3, 4)), floats((3, 4), low=0.1)),
        ),
    }
)
