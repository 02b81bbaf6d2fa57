"""nn.DataParallel (as on a machine without GPUs), SyncBatchNorm and convert_sync_batchnorm,
CrossMapLRN2d (PyTorch's legacy window and hand-written backward) and the convolution weight
memory-format converters, against torch 2.13.0."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.nn._compare import compare_module, copy_weights
from tests.oracle import outcome_in_each

R = np.random.default_rng(0)


def _normal(*shape: int) -> np.ndarray:
    return R.standard_normal(shape)


# --- DataParallel --------------------------------------------------------------------------------


def test_data_parallel_runs_the_module_itself() -> None:
    for L in (torch, ag):
        inner = L.nn.Linear(3, 2)
        wrapped = L.nn.DataParallel(inner, device_ids=[0, 1], output_device=1, dim=1)
        assert wrapped.module is inner and wrapped.device_ids == []
        assert list(wrapped.state_dict()) == ["module.weight", "module.bias"]
        assert list(wrapped.parameters()) == list(inner.parameters())
        x = L.ones(4, 3)
        assert L.equal(wrapped(x), inner(x)) and L.equal(wrapped(input=x), inner(x))
        wrapped.eval()
        assert not inner.training
        assert L.nn.parallel.DataParallel is L.nn.DataParallel
    compare_module(lambda nn: nn.DataParallel(nn.Linear(3, 2)), [_normal(4, 3)])


def test_data_parallel_state_dict_loads_across_libraries() -> None:
    th = torch.nn.DataParallel(torch.nn.Linear(3, 2))
    mine = ag.nn.DataParallel(ag.nn.Linear(3, 2))
    copy_weights(th, mine)
    np.testing.assert_array_equal(mine.module.weight.detach().numpy(), th.module.weight.detach())
    assert repr(mine) == repr(th)


# --- SyncBatchNorm -------------------------------------------------------------------------------


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (2, 3, 2, 2, 2, 2)])
def test_sync_batch_norm_is_batch_norm_on_one_process(momentum: Any, shape: Any) -> None:
    inputs = [_normal(*shape)]
    th, mine = compare_module(lambda nn: nn.SyncBatchNorm(3, momentum=momentum), inputs)
    for name, buffer in th.named_buffers():
        np.testing.assert_allclose(mine.get_buffer(name).numpy(), buffer.numpy(), rtol=1e-12)
    compare_module(lambda nn: nn.SyncBatchNorm(3, momentum=momentum), inputs, train=False)
    compare_module(lambda nn: nn.SyncBatchNorm(3, track_running_stats=False), inputs)


def test_sync_batch_norm_checks_and_repr_as_torch() -> None:
    for L in (torch, ag):
        with pytest.raises(ValueError, match=r"expected at least 2D input \(got 1D input\)"):
            L.nn.SyncBatchNorm(3)(L.ones(3))
    assert repr(ag.nn.SyncBatchNorm(3, bias=False)) == repr(torch.nn.SyncBatchNorm(3, bias=False))
    assert ag.nn.SyncBatchNorm(3, process_group="g").process_group == "g"


def test_convert_sync_batchnorm_as_torch() -> None:
    def build(L: Any) -> Any:
        norm = L.nn.BatchNorm2d(3)
        norm.weight.requires_grad_(False)
        norm.qconfig = "q"
        inner = L.nn.Sequential(L.nn.BatchNorm3d(3, track_running_stats=False, bias=False))
        model = L.nn.Sequential(L.nn.Conv2d(3, 3, 1), norm, L.nn.InstanceNorm2d(3), inner)
        model.eval()
        return model, norm

    for L in (torch, ag):
        model, norm = build(L)
        converted = L.nn.SyncBatchNorm.convert_sync_batchnorm(model, process_group="pg")
        assert converted is model
        assert [type(m).__name__ for m in converted.modules()] == [
            "Sequential", "Conv2d", "SyncBatchNorm", "InstanceNorm2d", "Sequential",
            "SyncBatchNorm",
        ]  # fmt: skip
        new = converted[1]
        assert new.weight is norm.weight and new.running_mean is norm.running_mean
        assert new.num_batches_tracked is norm.num_batches_tracked
        assert not new.training and new.qconfig == "q" and new.process_group == "pg"
        assert converted[3][0].bias is None and converted[3][0].running_mean is None
        single = L.nn.BatchNorm1d(2)
        assert L.nn.SyncBatchNorm.convert_sync_batchnorm(single) is not single
    assert repr(build(ag)[0]) == repr(build(torch)[0])


# --- CrossMapLRN2d -------------------------------------------------------------------------------


@pytest.mark.parametrize("channels", [1, 2, 3, 7])
@pytest.mark.parametrize("size", [2, 3, 4, 5, 8])
def test_cross_map_lrn2d_matches_torch(channels: int, size: int) -> None:
    # torch's backward is its hand-written rule (not the derivative of its forward): compared
    # with a random cotangent, values and input gradients.
    compare_module(
        lambda nn: nn.CrossMapLRN2d(size, alpha=0.3, beta=0.6, k=1.5),
        [_normal(2, channels, 3, 2)],
        rtol=1e-12,
        atol=1e-14,
    )


def test_cross_map_lrn2d_checks_as_torch() -> None:
    x = _normal(2, 4, 3, 3)
    for L in (torch, ag):
        for shape in ((2, 3, 4), (1, 2, 3, 4, 5)):
            with pytest.raises(ValueError, match="Expected input to be 4D"):
                L.nn.CrossMapLRN2d(3)(L.ones(*shape))
        xt = L.tensor(x, requires_grad=True)
        with pytest.raises(RuntimeError, match=r"start \(1\) \+ length \(4\) exceeds"):
            L.nn.CrossMapLRN2d(1)(xt).sum().backward()
        with pytest.raises(RuntimeError, match=r"out=\.\.\. arguments don.t support"):
            L.autograd.grad(L.nn.CrossMapLRN2d(3)(xt).sum(), xt, create_graph=True)
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type Int"):
            L.nn.CrossMapLRN2d(3)(L.ones(1, 2, 2, 2, dtype=L.int32))
    assert repr(ag.nn.CrossMapLRN2d(3, 1, 2, 3)) == repr(torch.nn.CrossMapLRN2d(3, 1, 2, 3))


# --- convert_conv*d_weight_memory_format ---------------------------------------------------------


def test_convert_conv_weight_memory_format_keeps_weights_and_checks_as_torch() -> None:
    for L in (torch, ag):
        model = L.nn.Sequential(
            L.nn.Conv2d(2, 3, 3), L.nn.Sequential(L.nn.ConvTranspose2d(3, 2, 2)), L.nn.Linear(2, 2)
        )
        weight = model[0].weight
        before = weight.detach().clone()
        out = L.nn.utils.convert_conv2d_weight_memory_format(model, L.channels_last)
        assert out is model and model[0].weight is weight and L.equal(weight, before)
        conv3 = L.nn.Conv3d(1, 1, 1)
        assert L.nn.utils.convert_conv3d_weight_memory_format(conv3, L.channels_last_3d) is conv3
    calls = [
        lambda L: L.nn.utils.convert_conv2d_weight_memory_format(
            L.nn.Conv2d(1, 1, 1), L.channels_last_3d
        ),
        lambda L: L.nn.utils.convert_conv2d_weight_memory_format(
            L.nn.Conv2d(1, 1, 1), L.preserve_format
        ),
        lambda L: L.nn.utils.convert_conv3d_weight_memory_format(
            L.nn.Conv3d(1, 1, 1), L.channels_last
        ),
        lambda L: L.nn.utils.convert_conv2d_weight_memory_format(L.nn.Conv2d(1, 1, 1), "x"),
    ]
    for call in calls:
        theirs, mine = outcome_in_each(call, (RuntimeError, TypeError))
        assert isinstance(theirs, str) and mine == theirs


# Regression (leftovers13): the weights kept their C-order layout; torch replaces each one's
# data by a copy in the format (the same Parameter, the same values).
@pytest.mark.parametrize("form", ["channels_last", "contiguous_format", "channels_last_3d"])
def test_convert_conv_weight_memory_format_lays_weights_out_as_torch(form: str) -> None:
    outcomes = []
    for L in (torch, ag):
        L.manual_seed(0)
        model = L.nn.Sequential(
            L.nn.Conv2d(2, 3, 3), L.nn.Sequential(L.nn.ConvTranspose2d(3, 2, 2)), L.nn.Linear(4, 2)
        )
        model3 = L.nn.Sequential(L.nn.Conv3d(2, 3, 2), L.nn.ConvTranspose3d(3, 2, 2))
        x = L.randn(1, 2, 5, 5)
        before, weight = model(x).detach(), model[0].weight
        try:
            if form == "channels_last_3d":
                L.nn.utils.convert_conv3d_weight_memory_format(model3, L.channels_last_3d)
            else:
                if form == "contiguous_format":  # (back from channels-last)
                    L.nn.utils.convert_conv2d_weight_memory_format(model, L.channels_last)
                L.nn.utils.convert_conv2d_weight_memory_format(model, getattr(L, form))
        except RuntimeError as error:
            outcomes.append(str(error)[:40])
            continue
        assert model[0].weight is weight and model[0].weight.requires_grad
        assert L.allclose(model(x), before)
        strides = [tuple(p.stride()) for p in (*model.parameters(), *model3.parameters())]
        outcomes.append(strides)
    assert outcomes[1] == outcomes[0]
