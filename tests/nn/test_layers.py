"""Every layer against torch 2.13.0 in float64: forward, input and parameter gradients.

The same weights are loaded into both modules (torch state_dict -> arraygrad load_state_dict).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
import arraygrad.nn
from tests.nn._compare import compare_module, copy_weights

rng = np.random.default_rng(1234)


def randn(*shape: int) -> np.ndarray:
    return rng.standard_normal(shape)


# name -> (builder of the layer from either library's nn, inputs, train mode)
LAYERS = {
    "linear": (lambda nn: nn.Linear(3, 4), [randn(5, 3)], True),
    "linear_3d_input": (lambda nn: nn.Linear(3, 2), [randn(2, 5, 3)], True),
    "linear_no_bias": (lambda nn: nn.Linear(3, 4, bias=False), [randn(5, 3)], True),
    "bilinear": (lambda nn: nn.Bilinear(3, 2, 4), [randn(5, 3), randn(5, 2)], True),
    "conv1d": (lambda nn: nn.Conv1d(2, 3, 3, stride=2, padding=1), [randn(2, 2, 7)], True),
    "conv2d": (lambda nn: nn.Conv2d(2, 4, 3, padding=1), [randn(2, 2, 5, 6)], True),
    "conv2d_groups_dilation": (
        lambda nn: nn.Conv2d(4, 2, (3, 2), stride=(1, 2), dilation=2, groups=2, bias=False),
        [randn(2, 4, 7, 8)],
        True,
    ),
    "conv2d_same": (lambda nn: nn.Conv2d(1, 2, 3, padding="same"), [randn(1, 1, 5, 5)], True),
    "maxpool2d": (lambda nn: nn.MaxPool2d(2), [randn(2, 3, 4, 6)], True),
    "maxpool2d_stride_pad": (
        lambda nn: nn.MaxPool2d(3, stride=2, padding=1),
        [randn(1, 2, 7, 5)],
        True,
    ),
    "avgpool2d": (lambda nn: nn.AvgPool2d(3, stride=2, padding=1), [randn(2, 2, 6, 7)], True),
    "adaptive_avgpool2d": (lambda nn: nn.AdaptiveAvgPool2d((2, 3)), [randn(2, 3, 5, 7)], True),
    "flatten": (lambda nn: nn.Flatten(), [randn(2, 3, 4)], True),
    "unflatten": (lambda nn: nn.Unflatten(1, (2, -1)), [randn(3, 6)], True),
    "dropout_eval": (lambda nn: nn.Dropout(0.5), [randn(4, 5)], False),
    "dropout_p0": (lambda nn: nn.Dropout(0.0), [randn(4, 5)], True),
    "batchnorm1d_train": (lambda nn: nn.BatchNorm1d(3), [randn(6, 3)], True),
    "batchnorm1d_3d": (lambda nn: nn.BatchNorm1d(3, momentum=None), [randn(4, 3, 5)], True),
    "batchnorm2d_train": (lambda nn: nn.BatchNorm2d(3), [randn(4, 3, 2, 5)], True),
    "batchnorm2d_eval": (lambda nn: nn.BatchNorm2d(3), [randn(4, 3, 2, 5)], False),
    "batchnorm2d_no_affine": (
        lambda nn: nn.BatchNorm2d(3, affine=False, track_running_stats=False),
        [randn(4, 3, 2, 2)],
        True,
    ),
    "layernorm": (lambda nn: nn.LayerNorm(5), [randn(3, 4, 5)], True),
    "layernorm_2d_shape": (lambda nn: nn.LayerNorm((4, 5)), [randn(3, 4, 5)], True),
    "embedding": (
        lambda nn: nn.Embedding(10, 3, padding_idx=1),
        [np.array([[1, 2, 4], [1, 9, 2]])],
        True,
    ),
    "identity": (lambda nn: nn.Identity(7, foo=1), [randn(3, 2)], True),
    "relu": (lambda nn: nn.ReLU(), [randn(4, 5)], True),
    "leaky_relu": (lambda nn: nn.LeakyReLU(0.2), [randn(4, 5)], True),
    "gelu": (lambda nn: nn.GELU(), [randn(4, 5)], True),
    "gelu_tanh": (lambda nn: nn.GELU(approximate="tanh"), [randn(4, 5)], True),
    "silu": (lambda nn: nn.SiLU(), [randn(4, 5)], True),
    "elu": (lambda nn: nn.ELU(alpha=0.7), [randn(4, 5)], True),
    "tanh": (lambda nn: nn.Tanh(), [randn(4, 5)], True),
    "sigmoid": (lambda nn: nn.Sigmoid(), [randn(4, 5)], True),
    "softmax": (lambda nn: nn.Softmax(dim=1), [randn(4, 5)], True),
    "log_softmax": (lambda nn: nn.LogSoftmax(dim=-1), [randn(4, 5)], True),
    "softplus": (lambda nn: nn.Softplus(beta=2.0, threshold=3.0), [randn(4, 5)], True),
    "hardtanh": (lambda nn: nn.Hardtanh(-0.5, 1.5), [randn(4, 5)], True),
    "relu6": (lambda nn: nn.ReLU6(), [randn(4, 5) * 4], True),
    "selu": (lambda nn: nn.SELU(), [randn(4, 5)], True),
    "celu": (lambda nn: nn.CELU(alpha=0.7), [randn(4, 5)], True),
    "hardsigmoid": (lambda nn: nn.Hardsigmoid(), [randn(4, 5) * 3], True),
    "hardswish": (lambda nn: nn.Hardswish(), [randn(4, 5) * 3], True),
    "mish": (lambda nn: nn.Mish(), [randn(4, 5)], True),
    "logsigmoid": (lambda nn: nn.LogSigmoid(), [randn(4, 5)], True),
    "softsign": (lambda nn: nn.Softsign(), [randn(4, 5)], True),
    "tanhshrink": (lambda nn: nn.Tanhshrink(), [randn(4, 5)], True),
    "hardshrink": (lambda nn: nn.Hardshrink(0.3), [randn(4, 5)], True),
    "softshrink": (lambda nn: nn.Softshrink(0.3), [randn(4, 5)], True),
    "threshold": (lambda nn: nn.Threshold(0.1, 20.0), [randn(4, 5)], True),
    "softmin": (lambda nn: nn.Softmin(dim=1), [randn(4, 5)], True),
    "groupnorm": (lambda nn: nn.GroupNorm(2, 4), [randn(3, 4, 5)], True),
    "groupnorm_no_affine": (lambda nn: nn.GroupNorm(3, 6, affine=False), [randn(2, 6, 2, 2)], True),
    "sequential_mlp": (
        lambda nn: nn.Sequential(
            nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2)
        ),
        [randn(6, 4)],
        True,
    ),
    "sequential_cnn": (
        lambda nn: nn.Sequential(
            nn.Conv2d(1, 3, 3),
            nn.BatchNorm2d(3),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(12, 2),
        ),
        [randn(2, 1, 6, 6)],
        True,
    ),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_matches_torch(name: str) -> None:
    build, inputs, train = LAYERS[name]
    th_mod, ag_mod = compare_module(build, inputs, train=train)
    # Running statistics and other buffers end up equal too.
    th_buffers = dict(th_mod.named_buffers())
    ag_buffers = dict(ag_mod.named_buffers())
    assert list(ag_buffers) == list(th_buffers)
    for key, theirs in th_buffers.items():
        np.testing.assert_allclose(ag_buffers[key].numpy(), theirs.numpy(), rtol=1e-7, atol=1e-12)


def probs(*shape: int) -> np.ndarray:
    return rng.uniform(0.05, 0.95, size=shape)


# name -> (builder, (input, target)); the target gets no gradient where it is an index tensor.
LOSSES = {
    "mse": (lambda nn: nn.MSELoss(), [randn(4, 3), randn(4, 3)]),
    "mse_sum": (lambda nn: nn.MSELoss(reduction="sum"), [randn(4, 3), randn(4, 3)]),
    "l1_none": (lambda nn: nn.L1Loss(reduction="none"), [randn(4, 3), randn(4, 3)]),
    "smooth_l1": (lambda nn: nn.SmoothL1Loss(beta=0.5), [randn(4, 3), randn(4, 3)]),
    "huber": (lambda nn: nn.HuberLoss(delta=0.7), [randn(4, 3), randn(4, 3)]),
    "bce": (lambda nn: nn.BCELoss(), [probs(4, 3), probs(4, 3)]),
    "kl_div": (
        lambda nn: nn.KLDivLoss(reduction="batchmean"),
        [np.log(probs(4, 3)), probs(4, 3)],
    ),
    "kl_div_log_target": (
        lambda nn: nn.KLDivLoss(reduction="sum", log_target=True),
        [np.log(probs(4, 3)), np.log(probs(4, 3))],
    ),
    "bce_logits": (lambda nn: nn.BCEWithLogitsLoss(), [randn(4, 3), probs(4, 3)]),
    "cross_entropy": (lambda nn: nn.CrossEntropyLoss(), [randn(5, 4), np.array([0, 3, 1, 1, 2])]),
    "cross_entropy_smooth": (
        lambda nn: nn.CrossEntropyLoss(label_smoothing=0.1, ignore_index=1),
        [randn(5, 4), np.array([0, 3, 1, 1, 2])],
    ),
    "nll": (lambda nn: nn.NLLLoss(reduction="sum"), [randn(5, 4), np.array([0, 3, 1, 1, 2])]),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_module_matches_torch(name: str) -> None:
    build, inputs = LOSSES[name]
    compare_module(build, inputs)


def test_weighted_losses_keep_weight_as_buffer() -> None:
    weight = np.array([1.0, 2.0, 0.5, 1.5])
    th = torch.nn.CrossEntropyLoss(weight=torch.tensor(weight))
    mine = ag.nn.CrossEntropyLoss(weight=ag.tensor(weight))
    assert list(dict(mine.named_buffers())) == list(dict(th.named_buffers())) == ["weight"]
    logits, target = randn(5, 4), np.array([0, 3, 1, 1, 2])
    np.testing.assert_allclose(
        mine(ag.tensor(logits), ag.tensor(target)).item(),
        th(torch.tensor(logits), torch.tensor(target)).item(),
        rtol=1e-12,
    )


def test_batchnorm_running_stats_over_several_steps_then_eval() -> None:
    th = torch.nn.BatchNorm1d(3, momentum=0.3).double()
    mine = ag.nn.BatchNorm1d(3, momentum=0.3).double()
    for _ in range(3):
        x = randn(5, 3) * 2 + 1
        th(torch.tensor(x))
        mine(ag.tensor(x))
    assert mine.num_batches_tracked.item() == 3
    assert mine.num_batches_tracked.dtype == ag.int64
    np.testing.assert_allclose(mine.running_mean.numpy(), th.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(mine.running_var.numpy(), th.running_var.numpy(), rtol=1e-12)
    th.eval()
    mine.eval()
    x = randn(4, 3)
    np.testing.assert_allclose(
        mine(ag.tensor(x)).detach().numpy(), th(torch.tensor(x)).detach().numpy(), rtol=1e-12
    )


def test_embedding_padding_row_is_zero_and_gets_no_gradient() -> None:
    layer = ag.nn.Embedding(6, 3, padding_idx=-2)
    assert layer.padding_idx == 4
    assert np.all(layer.weight.detach().numpy()[4] == 0)
    layer(ag.tensor([4, 0, 4])).sum().backward()
    assert np.all(layer.weight.grad.numpy()[4] == 0)
    assert np.all(layer.weight.grad.numpy()[0] == 1)


def test_dropout_training_zeroes_and_rescales() -> None:
    ag.manual_seed(0)
    out = ag.nn.Dropout(0.25)(ag.ones(200, 50)).numpy()
    kept = out != 0
    assert np.allclose(out[kept], 1 / 0.75)
    assert abs(kept.mean() - 0.75) < 0.02  # 10,000 draws: 5 standard deviations is 0.022


@pytest.mark.parametrize(
    "build",
    [
        lambda nn: nn.Dropout(1.5),
        lambda nn: nn.Conv2d(3, 4, 3, groups=2),
        lambda nn: nn.Conv2d(2, 4, 3, stride=2, padding="same"),
        lambda nn: nn.Conv2d(2, 4, 3, padding="full"),
    ],
)
def test_layer_argument_errors_match_torch(build) -> None:
    with pytest.raises(ValueError) as theirs:
        build(torch.nn)
    with pytest.raises(ValueError) as mine:
        build(ag.nn)
    # torch's words, then the fix arraygrad adds
    assert str(mine.value).replace("arraygrad", "torch").startswith(str(theirs.value))


def test_batchnorm_input_dim_error() -> None:
    with pytest.raises(ValueError, match=r"expected 4D input \(got 2D input\)"):
        ag.nn.BatchNorm2d(3)(ag.zeros(2, 3))


def test_copy_weights_helper_is_strict() -> None:
    with pytest.raises(RuntimeError, match="Missing key"):
        copy_weights(torch.nn.Linear(2, 2, bias=False), ag.nn.Linear(2, 2))


@pytest.mark.parametrize("stat", ["running_mean", "running_var"])
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_refuses_running_statistics_that_require_grad(stat: str, training: bool) -> None:
    # A Parameter assigned over a running statistic (the fuzzer's finding): PyTorch's batch
    # norm refuses it while grad mode is on, and takes it under no_grad.
    def run(lib: Any) -> Any:
        norm = lib.nn.BatchNorm1d(2).train(training)
        setattr(norm, stat, lib.nn.Parameter(lib.ones(2)))
        x = lib.tensor([[1.0, 2.0], [3.0, 5.0]])
        try:
            norm(x)
            refused = None
        except RuntimeError as error:
            refused = str(error)
        with lib.no_grad():
            out = norm(x)
        return refused, np.round(out.numpy(), 5).tolist()

    mine, theirs = run(ag), run(torch)
    assert mine[1] == theirs[1]
    assert (mine[0] is None) == (theirs[0] is None)
    if theirs[0] is not None:  # arraygrad's message goes on to name the fix
        assert mine[0].startswith(theirs[0]) and "Fix:" in mine[0]


def test_same_padding_with_a_shorter_dilation_pads_as_torch_in_every_padding_mode() -> None:
    # Conv2d(dilation=(2,)) with padding="same" and a non-zero padding mode built an F.pad list
    # of one pair (NumPy raised "Padding size 2 is not supported for 4D input"); PyTorch pads
    # every dimension, the first from the first kernel size and dilation (found by the
    # nn.functional fuzzer, seed 7216).
    x = np.random.default_rng(0).standard_normal((2, 1, 4, 3)).astype(np.float32)
    for mode in ("replicate", "reflect", "circular"):
        for kwargs in (
            {"kernel_size": (2, 1), "dilation": (2,)},
            {"kernel_size": 3, "dilation": (1,)},
            {"kernel_size": (3, 2), "dilation": (1, 2)},
        ):
            results = []
            for lib in (torch, ag):
                conv = lib.nn.Conv2d(1, 1, bias=False, padding="same", padding_mode=mode, **kwargs)
                with lib.no_grad():
                    conv.weight.copy_(lib.ones(conv.weight.shape) * 0.5)
                results.append(conv(lib.tensor(x)).detach().numpy())
            # (float32 sums of up to 6 products of about 1: their order, and so the last
            # bits, follow each library's kernels)
            np.testing.assert_allclose(results[1], results[0], rtol=1e-6, atol=1e-6)


def test_linear_refuses_0d_arguments_and_a_vector_weight_with_a_matrix_input_and_bias() -> None:
    # A 0-d weight raised IndexError; a vector weight with a matrix input and a bias computed,
    # where PyTorch's addmm path refuses it (a 3-D input takes matmul's path, which accepts it).
    refused = [
        lambda L: L.nn.functional.linear(L.ones(2, 3), L.tensor(2.0)),
        lambda L: L.nn.functional.linear(L.tensor(2.0), L.ones(4, 3)),
        lambda L: L.nn.functional.linear(L.ones(2, 3), L.ones(3), L.tensor(1.0)),
    ]
    for make in refused:
        with pytest.raises(RuntimeError):
            make(torch)
        with pytest.raises(RuntimeError, match="Fix:"):
            make(ag)
    accepted = [
        lambda L: L.nn.functional.linear(L.ones(2, 3), L.ones(3)),
        lambda L: L.nn.functional.linear(L.ones(2, 2, 3), L.ones(3), L.tensor(1.0)),
        lambda L: L.nn.functional.linear(L.ones(3), L.ones(3), L.tensor(1.0)),
    ]
    for make in accepted:
        assert make(ag).tolist() == make(torch).tolist()
