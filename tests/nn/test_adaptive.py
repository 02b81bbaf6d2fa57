"""AdaptiveLogSoftmaxWithLoss against torch 2.13.0 on the same weights: outputs, loss, the
gradients of the input and of every parameter, log_prob, predict's three paths, unbatched
input, the module's structure, and misuse."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag


def _pair(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(*args, **kwargs).double()
    mine = ag.nn.AdaptiveLogSoftmaxWithLoss(*args, **kwargs).double()
    mine.load_state_dict({k: ag.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return mine, theirs


CONFIGS = [
    ((8, 20, [5, 12]), {"div_value": 2.0, "head_bias": True}),
    ((6, 10, [3]), {}),
    ((16, 50, [10, 20, 40]), {"div_value": 4.0}),
]


@pytest.mark.parametrize(("args", "kwargs"), CONFIGS)
def test_forward_backward_and_log_prob_match_torch(args: Any, kwargs: Any) -> None:
    mine, theirs = _pair(*args, **kwargs)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((12, args[0]))
    target = rng.integers(0, args[1], 12)
    target[:3] = [0, args[2][0], args[1] - 1]  # the shortlist, a tail's first and the last class
    tx, ax = torch.tensor(x, requires_grad=True), ag.tensor(x, requires_grad=True)
    t_out, a_out = theirs(tx, torch.tensor(target)), mine(ax, ag.tensor(target))
    np.testing.assert_allclose(
        a_out.output.detach().numpy(), t_out.output.detach().numpy(), rtol=1e-12
    )
    np.testing.assert_allclose(a_out.loss.item(), t_out.loss.item(), rtol=1e-12)
    t_out.loss.backward()
    a_out.loss.backward()
    np.testing.assert_allclose(ax.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-15)
    mine_params = dict(mine.named_parameters())
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(mine_params[name].grad.numpy(), p.grad.numpy(), atol=1e-14)
    np.testing.assert_allclose(
        mine.log_prob(ax).detach().numpy(), theirs.log_prob(tx).detach().numpy(), rtol=1e-12
    )


def test_predict_matches_torch_on_each_path() -> None:
    mine, theirs = _pair(4, 9, [3, 6], head_bias=True)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((20, 4))
    for bias in ([5.0, 5.0, 5.0, -5.0, -5.0], [-5.0, -5.0, -5.0, 5.0, 5.0], None):
        # all in the shortlist, all in the tail, and a mix
        if bias is not None:
            with torch.no_grad():
                theirs.head.bias.copy_(torch.tensor(bias, dtype=torch.float64))
            with ag.no_grad():
                mine.head.bias.copy_(ag.tensor(bias, dtype=ag.float64))
        expected = theirs.predict(torch.tensor(x))
        assert mine.predict(ag.tensor(x)).tolist() == expected.tolist()
        assert expected.tolist() == theirs.log_prob(torch.tensor(x)).argmax(1).tolist()


def test_unbatched_input_matches_torch() -> None:
    mine, theirs = _pair(5, 8, [2, 4])
    x = np.random.default_rng(2).standard_normal(5)
    t_out = theirs(torch.tensor(x), torch.tensor(6))
    a_out = mine(ag.tensor(x), ag.tensor(6))
    assert tuple(a_out.output.shape) == tuple(t_out.output.shape) == ()
    np.testing.assert_allclose(a_out.output.item(), t_out.output.item(), rtol=1e-12)
    np.testing.assert_allclose(a_out.loss.item(), t_out.loss.item(), rtol=1e-12)


def test_structure_and_float32_match_torch() -> None:
    mine = ag.nn.AdaptiveLogSoftmaxWithLoss(16, 50, [10, 20, 40], div_value=2.0)
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(16, 50, [10, 20, 40], div_value=2.0)
    assert repr(mine) == repr(theirs)
    assert {k: tuple(v.shape) for k, v in mine.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()
    }
    assert (mine.shortlist_size, mine.n_clusters, mine.head_size, mine.cutoffs) == (
        theirs.shortlist_size,
        theirs.n_clusters,
        theirs.head_size,
        theirs.cutoffs,
    )
    out = mine(ag.randn(4, 16), ag.tensor([0, 15, 30, 49]))
    assert out.output.dtype == ag.float32 and out.loss.dtype == ag.float32
    bound = 1 / 16**0.5  # Linear's initialisation: U(-1/sqrt(in), 1/sqrt(in))
    assert 0 < mine.head.weight.abs().max().item() <= bound


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda nn: nn.AdaptiveLogSoftmaxWithLoss(4, 10, []), ValueError),
        (lambda nn: nn.AdaptiveLogSoftmaxWithLoss(4, 10, [5, 3]), ValueError),
        (lambda nn: nn.AdaptiveLogSoftmaxWithLoss(4, 10, [0, 3]), ValueError),
        (lambda nn: nn.AdaptiveLogSoftmaxWithLoss(4, 10, [3, 10]), ValueError),
        (lambda nn: nn.AdaptiveLogSoftmaxWithLoss(4, 10, [3, 3]), ValueError),
        (lambda nn: nn.AdaptiveLogSoftmaxWithLoss(4, 10, [2.5]), ValueError),
    ],
)
def test_bad_cutoffs_raise_like_torch(call: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        call(torch.nn)
    with pytest.raises(error, match=r"Fix|cutoffs should be"):
        call(ag.nn)


@pytest.mark.parametrize(
    ("inputs", "target"),
    [
        (np.zeros((3, 4)), [0, 1, 10]),  # a class past n_classes
        (np.zeros((3, 4)), [0, -1, 2]),  # a negative class
        (np.zeros((3, 4)), [0, 1]),  # batch sizes differ
        (np.zeros(4), [0, 1]),  # 1-D target, 1-D input
        (np.zeros((2, 4)), 1),  # 0-D target, 2-D input
        (np.zeros((2, 4)), [[0, 1]]),  # 2-D target
    ],
)
def test_bad_targets_raise_like_torch(inputs: np.ndarray, target: Any) -> None:
    mine, theirs = _pair(4, 10, [3, 6])
    with pytest.raises(RuntimeError):
        theirs(torch.tensor(inputs), torch.tensor(target))
    with pytest.raises(RuntimeError):
        mine(ag.tensor(inputs), ag.tensor(target))
