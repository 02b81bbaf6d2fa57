"""Lazy layers (``LazyLinear``, ``LazyConv1d/2d/3d``, ``LazyConvTranspose1d/2d/3d``) and
``UninitializedParameter`` against torch 2.13.0: reprs before and after the first call, the
class they become, inferred shapes, dtype, default initialisation, outputs and gradients after
loading torch's weights, state dict loading, and errors."""

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

rng = np.random.default_rng(99)

# name -> (builder, input shape)
LAZY = {
    "linear": (lambda nn: nn.LazyLinear(3), (2, 5)),
    "linear_no_bias_3d_input": (lambda nn: nn.LazyLinear(4, bias=False), (2, 3, 6)),
    "conv1d": (lambda nn: nn.LazyConv1d(4, 3, stride=2, padding=1), (2, 3, 7)),
    "conv1d_unbatched_reflect": (
        lambda nn: nn.LazyConv1d(2, 3, padding=1, padding_mode="reflect"),
        (3, 6),
    ),
    "conv2d_groups": (lambda nn: nn.LazyConv2d(4, (3, 2), groups=2, dilation=2), (1, 4, 6, 5)),
    "conv3d_no_bias": (lambda nn: nn.LazyConv3d(2, 2, bias=False), (1, 3, 3, 3, 4)),
    "conv_transpose1d": (lambda nn: nn.LazyConvTranspose1d(3, 3, 2, 1, 1), (2, 2, 4)),
    "conv_transpose2d_groups_unbatched": (
        lambda nn: nn.LazyConvTranspose2d(4, 3, stride=2, groups=2, dilation=(1, 2)),
        (6, 3, 2),
    ),
    "batchnorm1d": (lambda nn: nn.LazyBatchNorm1d(), (4, 3)),
    "batchnorm2d_no_affine": (lambda nn: nn.LazyBatchNorm2d(affine=False), (2, 3, 2, 2)),
    "batchnorm3d_untracked": (
        lambda nn: nn.LazyBatchNorm3d(1e-3, None, track_running_stats=False),
        (2, 2, 2, 1, 2),
    ),
    "instancenorm1d": (lambda nn: nn.LazyInstanceNorm1d(), (2, 3, 4)),
    "instancenorm2d_no_affine": (lambda nn: nn.LazyInstanceNorm2d(affine=False), (2, 3, 3, 2)),
    "instancenorm3d": (lambda nn: nn.LazyInstanceNorm3d(momentum=0.3), (1, 2, 2, 3, 2)),
    "conv_transpose3d_no_bias": (
        lambda nn: nn.LazyConvTranspose3d(2, 2, bias=False, output_padding=1, stride=2),
        (1, 2, 2, 2, 3),
    ),
}


@pytest.mark.parametrize("name", sorted(LAZY))
def test_lazy_layer_becomes_its_eager_class_like_torch(name: str) -> None:
    build, shape = LAZY[name]
    x = rng.standard_normal(shape)
    theirs, mine = build(torch.nn), build(ag.nn)
    assert repr(mine).replace("arraygrad", "torch") == repr(theirs)
    assert type(mine).__name__ == type(theirs).__name__
    assert mine.has_uninitialized_params() and theirs.has_uninitialized_params()
    assert list(mine.state_dict()) == list(theirs.state_dict())
    for keep_vars in (True, False):
        for key, value in theirs.state_dict(keep_vars=keep_vars).items():
            assert repr(mine.state_dict(keep_vars=keep_vars)[key]) == repr(value), key
    theirs(torch.tensor(x, dtype=torch.float32))
    mine(ag.tensor(x, dtype=ag.float32))
    assert repr(mine).replace("arraygrad", "torch") == repr(theirs)
    assert [c.__name__ for c in type(mine).__mro__][:2] == [
        c.__name__ for c in type(theirs).__mro__
    ][:2]
    assert hasattr(mine, "has_uninitialized_params") == hasattr(theirs, "has_uninitialized_params")
    for key, value in theirs.state_dict().items():
        param = mine.state_dict()[key]
        assert tuple(param.shape) == tuple(value.shape), key
        assert str(param.dtype).split(".")[-1] == str(value.dtype).split(".")[-1], key
    for key, value in theirs.state_dict(keep_vars=True).items():
        assert type(mine.state_dict(keep_vars=True)[key]).__name__ == type(value).__name__, key

    # Now an ordinary layer: same outputs and gradients as torch's with torch's weights.
    def built(nn: Any) -> Any:
        layer = build(nn)
        layer(_probe(nn, shape))
        return layer

    compare_module(built, [x])


def _probe(nn: Any, shape: tuple[int, ...]) -> Any:
    library = torch if nn is torch.nn else ag
    return library.zeros(*shape)


def test_lazy_linear_draws_torchs_default_distribution_once_materialized() -> None:
    ag.manual_seed(0)
    layer = ag.nn.LazyLinear(2000)
    layer(ag.zeros(1, 50))
    assert_distribution(layer.weight, uniform_cdf(1 / math.sqrt(50)))
    assert_distribution(layer.bias, uniform_cdf(1 / math.sqrt(50)))


def test_lazy_conv_draws_torchs_default_distribution_once_materialized() -> None:
    ag.manual_seed(1)
    layer = ag.nn.LazyConv2d(40, 3)
    layer(ag.zeros(1, 6, 4, 4))
    assert_distribution(layer.weight, uniform_cdf(1 / math.sqrt(54)))


def test_lazy_layer_takes_the_module_dtype_and_keeps_the_parameter_objects() -> None:
    layer = ag.nn.LazyLinear(3).double()
    weight = layer.weight
    optimizer = ag.optim.SGD(layer.parameters(), lr=0.1)
    out = layer(ag.ones(2, 4, dtype=ag.float64))
    assert layer.weight is weight and layer.weight.dtype is ag.float64
    before = weight.detach().clone()
    out.sum().backward()
    optimizer.step()
    assert not np.allclose(weight.detach().numpy(), before.numpy())


def test_converting_a_lazy_norm_keeps_its_buffers_uninitialized_like_torch() -> None:
    # .double() once made the running statistics plain empty tensors, which the first call
    # could not materialize (no materialize method).
    theirs, mine = torch.nn.LazyBatchNorm1d().double(), ag.nn.LazyBatchNorm1d().double()
    assert type(mine.running_mean).__name__ == type(theirs.running_mean).__name__
    x = rng.standard_normal((4, 3))
    np.testing.assert_allclose(
        mine(ag.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12
    )
    for name, buffer in theirs.named_buffers():
        assert str(mine.get_buffer(name).dtype) == str(buffer.dtype).replace("torch", "arraygrad")
        np.testing.assert_allclose(mine.get_buffer(name).numpy(), buffer.numpy(), rtol=1e-12)


def test_loading_a_state_dict_materializes_like_torch() -> None:
    theirs = torch.nn.LazyConv1d(2, 3)
    mine = ag.nn.LazyConv1d(2, 3)
    state = {"weight": np.ones((2, 5, 3)), "bias": np.arange(2.0)}
    theirs.load_state_dict({k: torch.tensor(v, dtype=torch.float32) for k, v in state.items()})
    mine.load_state_dict({k: ag.tensor(v, dtype=ag.float32) for k, v in state.items()})
    assert type(mine).__name__ == type(theirs).__name__ == "LazyConv1d"
    assert tuple(mine.weight.shape) == tuple(theirs.weight.shape) == (2, 5, 3)
    assert not mine.has_uninitialized_params()
    x = rng.standard_normal((1, 5, 4)).astype(np.float32)
    np.testing.assert_allclose(
        mine(ag.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6
    )
    assert type(mine).__name__ == "Conv1d"


def test_loading_a_state_dict_materializes_lazy_norm_buffers_like_torch() -> None:
    state = {
        "weight": np.full(3, 2.0),
        "bias": np.ones(3),
        "running_mean": np.arange(3.0),
        "running_var": np.full(3, 4.0),
        "num_batches_tracked": np.array(5),
    }
    theirs, mine = torch.nn.LazyBatchNorm1d(), ag.nn.LazyBatchNorm1d()
    theirs.load_state_dict({k: torch.tensor(v, dtype=_torch_dtype(v)) for k, v in state.items()})
    mine.load_state_dict({k: ag.tensor(v, dtype=_ag_dtype(v)) for k, v in state.items()})
    theirs.eval()
    mine.eval()
    x = rng.standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(
        mine(ag.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6
    )
    assert repr(mine) == repr(theirs)


def _torch_dtype(value: np.ndarray) -> Any:
    return torch.int64 if value.dtype.kind == "i" else torch.float32


def _ag_dtype(value: np.ndarray) -> Any:
    return ag.int64 if value.dtype.kind == "i" else ag.float32


def test_uninitialized_buffer_like_torch() -> None:
    theirs, mine = torch.nn.UninitializedBuffer(), ag.nn.UninitializedBuffer()
    assert repr(mine) == repr(theirs)
    assert mine.requires_grad is theirs.requires_grad is False
    theirs.materialize((4,))
    mine.materialize((4,))
    assert type(mine) is ag.Tensor and type(theirs) is torch.Tensor
    assert tuple(mine.shape) == tuple(theirs.shape)


def test_uninitialized_parameter_like_torch() -> None:
    theirs, mine = torch.nn.UninitializedParameter(), ag.nn.UninitializedParameter()
    assert repr(mine) == repr(theirs)
    with pytest.raises(RuntimeError) as their_error:
        theirs.shape  # noqa: B018
    with pytest.raises(RuntimeError) as my_error:
        mine.shape  # noqa: B018
    assert str(my_error.value) == str(their_error.value)
    theirs.materialize((2, 3))
    mine.materialize((2, 3))
    assert type(mine) is ag.nn.Parameter and type(theirs) is torch.nn.Parameter
    assert tuple(mine.shape) == tuple(theirs.shape)
    assert mine.requires_grad and theirs.requires_grad


@pytest.mark.parametrize(
    ("build", "shape"),
    [
        (lambda nn: nn.LazyConv2d(4, 3, groups=2), (1, 3, 5, 5)),
        (lambda nn: nn.LazyConv2d(4, 3), (3, 5)),
        (lambda nn: nn.LazyConv1d(4, 3), (1, 2, 3, 5)),
        (lambda nn: nn.LazyConv3d(4, 3, groups=3), (1, 2, 3, 3, 3)),
        (lambda nn: nn.LazyConvTranspose2d(4, 3, groups=2), (1, 3, 5, 5)),
        (lambda nn: nn.LazyConvTranspose1d(4, 3), (5,)),
        (lambda nn: nn.LazyBatchNorm2d(), (2, 3, 4)),
        (lambda nn: nn.LazyInstanceNorm1d(), (2, 3, 4, 5)),
    ],
)
def test_lazy_errors_match_torch(build: Any, shape: tuple[int, ...]) -> None:
    with pytest.raises(Exception) as theirs:
        build(torch.nn)(torch.zeros(shape))
    with pytest.raises(theirs.type) as mine:
        build(ag.nn)(ag.zeros(*shape))
    # torch's words first; arraygrad's message then names the fix
    assert str(mine.value).replace("arraygrad", "torch").startswith(str(theirs.value))
