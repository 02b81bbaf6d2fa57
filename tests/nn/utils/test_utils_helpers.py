"""``functional_call``, ``skip_init``, the split gradient clipping and batch-norm fusion
against torch 2.13.0."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
import arraygrad.func
import arraygrad.nn
from tests.nn._compare import copy_weights


def assert_close(mine: Any, theirs: Any, rtol: float = 1e-12) -> None:
    np.testing.assert_allclose(
        mine.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=1e-14
    )


def mlp(nn: Any) -> Any:
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2), nn.BatchNorm1d(2))


def test_functional_call_values_and_gradients_match_torch() -> None:
    torch.manual_seed(0)
    th, mine = mlp(torch.nn).double(), mlp(ag.nn).double()
    copy_weights(th, mine)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 3))
    given = {"0.weight": rng.standard_normal((4, 3)), "2.bias": rng.standard_normal(2)}
    th_given = {k: torch.tensor(v, requires_grad=True) for k, v in given.items()}
    ag_given = {k: ag.tensor(v, requires_grad=True) for k, v in given.items()}
    mean = rng.standard_normal(2)
    th_mean, ag_mean = torch.tensor(mean), ag.tensor(mean)
    out_th = torch.func.functional_call(
        th, (th_given, {"3.running_mean": th_mean}), (torch.tensor(x),)
    )
    out_ag = ag.func.functional_call(mine, (ag_given, {"3.running_mean": ag_mean}), (ag.tensor(x),))
    assert_close(out_ag, out_th)
    out_th.pow(2).sum().backward()
    out_ag.pow(2).sum().backward()
    for key in given:
        assert_close(ag_given[key].grad, th_given[key].grad)
    # The module is untouched, its own parameters got no gradient; the buffer given was
    # updated by the training-mode batch norm instead of the module's.
    assert isinstance(mine[0].weight, ag.nn.Parameter) and mine[0].weight.grad is None
    assert_close(mine[3].running_mean, th[3].running_mean)
    assert_close(ag_mean, th_mean)
    assert not np.allclose(ag_mean.numpy(), mean)


def test_functional_call_under_grad_transform() -> None:
    layer = ag.nn.Linear(2, 1, bias=False).double()
    w = ag.tensor([[1.0, -2.0]], dtype=ag.float64)
    x = ag.tensor([[3.0, 4.0]], dtype=ag.float64)
    grad = ag.func.grad(lambda w: ag.func.functional_call(layer, {"weight": w}, x).sum())(w)
    assert grad.tolist() == [[3.0, 4.0]]


class Tied:
    @staticmethod
    def build(nn: Any) -> Any:
        model = nn.Sequential(nn.Linear(2, 2, bias=False), nn.Linear(2, 2, bias=False))
        model[1].weight = model[0].weight
        return model


@pytest.mark.parametrize("tie_weights", [True, False])
def test_functional_call_tied_weights(tie_weights: bool) -> None:
    torch.manual_seed(0)
    th, mine = Tied.build(torch.nn).double(), Tied.build(ag.nn).double()
    copy_weights(th, mine)
    w = np.array([[2.0, 0.0], [1.0, 1.0]])
    x = np.array([[1.0, -1.0]])
    out_th = torch.func.functional_call(
        th, {"0.weight": torch.tensor(w)}, torch.tensor(x), tie_weights=tie_weights
    )
    out_ag = ag.func.functional_call(
        mine, {"0.weight": ag.tensor(w)}, ag.tensor(x), tie_weights=tie_weights
    )
    assert_close(out_ag, out_th)


FUNCTIONAL_CALL_ERRORS = {
    "tied values differ": lambda lib, m: lib.func.functional_call(
        m, {"0.weight": lib.zeros(2, 2), "1.weight": lib.ones(2, 2)}, lib.ones(1, 2)
    ),
    "strict": lambda lib, m: lib.func.functional_call(
        m, {"0.weight": lib.zeros(2, 2), "2.weight": lib.ones(2, 2)}, lib.ones(1, 2), strict=True
    ),
    "repeated key": lambda lib, m: lib.func.functional_call(
        m, ({"0.weight": lib.zeros(2, 2)}, {"0.weight": lib.zeros(2, 2)}), lib.ones(1, 2)
    ),
}


@pytest.mark.parametrize("case", list(FUNCTIONAL_CALL_ERRORS))
def test_functional_call_errors_as_torch(case: str) -> None:
    outcomes = []
    for lib in (torch, ag):
        with pytest.raises((ValueError, RuntimeError)) as info:
            FUNCTIONAL_CALL_ERRORS[case](lib, Tied.build(lib.nn))
        outcomes.append((info.type, str(info.value)))
    # torch's words, then the fix arraygrad adds
    assert outcomes[0][0] == outcomes[1][0] and outcomes[1][1].startswith(outcomes[0][1])


def test_stateless_functional_call_is_deprecated_as_in_torch() -> None:
    messages = []
    for lib in (torch, ag):
        layer = lib.nn.Linear(1, 1)
        with pytest.warns(FutureWarning) as record:
            out = lib.nn.utils.stateless.functional_call(
                layer, {"weight": lib.ones(1, 1), "bias": lib.zeros(1)}, lib.ones(1, 1)
            )
        assert out.item() == 1.0
        messages.append(str(record[0].message))
    assert messages[0] == messages[1]


def test_skip_init_draws_no_random_numbers() -> None:
    ag.manual_seed(3)
    layer = ag.nn.utils.skip_init(ag.nn.Linear, 4, 2, bias=False, dtype=ag.float64)
    after = ag.rand(3)
    ag.manual_seed(3)
    assert ag.equal(after, ag.rand(3))
    assert type(layer) is ag.nn.Linear
    assert layer.weight.shape == (2, 4) and layer.weight.dtype == ag.float64
    assert layer.bias is None


def test_skip_init_errors_as_torch() -> None:
    for bad in (int, ag.nn.Tanh):
        outcomes = []
        for lib in (torch, ag):
            cls = bad if bad is int else getattr(lib.nn, bad.__name__)
            with pytest.raises(RuntimeError) as info:
                lib.nn.utils.skip_init(cls)
            outcomes.append(str(info.value).split("<")[0])
        assert outcomes[1].startswith(outcomes[0])  # torch's words, then arraygrad's fix


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf"), 0.5])
def test_get_total_norm_and_clip_grads_with_norm(norm_type: float) -> None:
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal((3, 2)) * 3, rng.standard_normal(4)]
    total_th = torch.nn.utils.get_total_norm([torch.tensor(a) for a in arrays], norm_type)
    total_ag = ag.nn.utils.get_total_norm([ag.tensor(a) for a in arrays], norm_type)
    assert_close(total_ag, total_th)
    th = [torch.zeros(a.shape, dtype=torch.float64, requires_grad=True) for a in arrays]
    mine = [ag.zeros(a.shape, dtype=ag.float64, requires_grad=True) for a in arrays]
    for t, m, a in zip(th, mine, arrays, strict=True):
        t.grad, m.grad = torch.tensor(a), ag.tensor(a)
    torch.nn.utils.clip_grads_with_norm_(th, 1.5, total_th)
    ag.nn.utils.clip_grads_with_norm_(mine, 1.5, total_ag)
    for t, m in zip(th, mine, strict=True):
        assert_close(m.grad, t.grad)


def test_get_total_norm_edges_as_torch() -> None:
    assert ag.nn.utils.get_total_norm([]).item() == torch.nn.utils.get_total_norm([]).item()
    assert_close(
        ag.nn.utils.get_total_norm(ag.tensor([3.0, 4.0])),
        torch.nn.utils.get_total_norm(torch.tensor([3.0, 4.0])),
    )
    for lib in (torch, ag):
        with pytest.raises(RuntimeError, match="non-finite"):
            lib.nn.utils.get_total_norm([lib.tensor([float("inf")])], error_if_nonfinite=True)


def test_clip_grad_norm_is_deprecated_as_in_torch() -> None:
    messages, totals = [], []
    for lib in (torch, ag):
        p = lib.zeros(2, requires_grad=True)
        p.grad = lib.tensor([3.0, 4.0])
        with pytest.warns(FutureWarning) as record:
            totals.append(lib.nn.utils.clip_grad_norm([p], 1.0).item())
        messages.append(str(record[0].message))
        assert p.grad.tolist() == pytest.approx([0.6, 0.8], rel=1e-5)
    assert messages[0] == messages[1]
    assert totals[0] == pytest.approx(totals[1])


def eval_pair(build: Any, features: int) -> tuple[Any, Any, Any, Any]:
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    layers = []
    for lib in (torch, ag):
        layer, bn = build(lib.nn)
        layers.append((layer.double().eval(), bn.double().eval()))
    (th_layer, th_bn), (ag_layer, ag_bn) = layers
    with torch.no_grad():  # running statistics and affine parameters away from 0 and 1
        th_bn.running_mean.copy_(torch.tensor(rng.standard_normal(features)))
        th_bn.running_var.copy_(torch.tensor(rng.uniform(0.5, 2.0, features)))
        th_bn.weight.copy_(torch.tensor(rng.standard_normal(features)))
        th_bn.bias.copy_(torch.tensor(rng.standard_normal(features)))
    copy_weights(th_layer, ag_layer)
    copy_weights(th_bn, ag_bn)
    return th_layer, th_bn, ag_layer, ag_bn


@pytest.mark.parametrize(
    "build, shape, transpose",
    [
        (lambda nn: (nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3)), (2, 2, 5, 5), False),
        (lambda nn: (nn.Conv1d(2, 3, 2, bias=False), nn.BatchNorm1d(3)), (2, 2, 5), False),
        (lambda nn: (nn.ConvTranspose2d(2, 3, 3), nn.BatchNorm2d(3)), (1, 2, 3, 3), True),
    ],
)
def test_fuse_conv_bn_eval_matches_torch(build: Any, shape: tuple[int, ...], transpose: bool):
    th_conv, th_bn, ag_conv, ag_bn = eval_pair(build, 3)
    th_fused = torch.nn.utils.fuse_conv_bn_eval(th_conv, th_bn, transpose)
    ag_fused = ag.nn.utils.fuse_conv_bn_eval(ag_conv, ag_bn, transpose)
    assert ag_fused is not ag_conv and type(ag_fused) is type(ag_conv)
    assert isinstance(ag_fused.bias, ag.nn.Parameter)
    assert_close(ag_fused.weight, th_fused.weight)
    assert_close(ag_fused.bias, th_fused.bias)
    x = ag.tensor(np.random.default_rng(1).standard_normal(shape))
    assert_close(ag_fused(x), ag_bn(ag_conv(x)), rtol=1e-10)


def test_fuse_linear_bn_eval_matches_torch() -> None:
    th_lin, th_bn, ag_lin, ag_bn = eval_pair(lambda nn: (nn.Linear(4, 3), nn.BatchNorm1d(3)), 3)
    th_fused = torch.nn.utils.fuse_linear_bn_eval(th_lin, th_bn)
    ag_fused = ag.nn.utils.fuse_linear_bn_eval(ag_lin, ag_bn)
    assert_close(ag_fused.weight, th_fused.weight)
    assert_close(ag_fused.bias, th_fused.bias)
    x = ag.tensor(np.random.default_rng(1).standard_normal((5, 4)))
    assert_close(ag_fused(x), ag_bn(ag_lin(x)), rtol=1e-10)
    for lib, lin, bn in ((torch, th_lin, th_bn), (ag, ag_lin, ag_bn)):
        with pytest.raises(AssertionError, match="Fusion only for eval"):
            lib.nn.utils.fuse_linear_bn_eval(lin.train(), bn)


def test_fusing_a_layer_without_bias_gives_a_bias_that_requires_no_grad_as_in_torch() -> None:
    for lib in (torch, ag):
        conv = lib.nn.Conv2d(2, 3, 1, bias=False).eval()
        fused = lib.nn.utils.fuse_conv_bn_eval(conv, lib.nn.BatchNorm2d(3).eval())
        linear = lib.nn.Linear(2, 3, bias=False).eval()
        fused_linear = lib.nn.utils.fuse_linear_bn_eval(linear, lib.nn.BatchNorm1d(3).eval())
        assert not fused.bias.requires_grad and fused.weight.requires_grad, lib.__name__
        assert not fused_linear.bias.requires_grad, lib.__name__


def test_clip_grad_norm_reads_its_norm_type_first_as_torch() -> None:
    # a bad norm_type raised only once some parameter had a gradient
    for lib in (torch, ag):
        with pytest.raises(ValueError, match="could not convert"):
            lib.nn.utils.clip_grad_norm_([lib.zeros(3, requires_grad=True)], 1.0, norm_type="x")
