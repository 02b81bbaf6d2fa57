"""Adafactor against PyTorch 2.13: 20 float64 steps per option combination, validation, state
dicts, zero-size parameters and parameters without gradients, compiled steps."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.optim._torch_steps import (
    assert_steps_match,
    compiled_equals_eager,
    state_dict_round_trip,
)

SHAPES = [(5,), (4, 6), (6, 4), (2, 3, 4), ()]
OPTIONS = [
    {"maximize": maximize, "weight_decay": decay, "eps": eps, "d": d, "beta2_decay": beta}
    for maximize, decay, eps, d, beta in itertools.product(
        [False, True], [0.0, 0.1], [(None, 1e-3), (1e-3, 1e-2)], [1.0, 2.5], [-0.8, -0.3]
    )
]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("options", OPTIONS)
def test_twenty_steps_match_torch(shape, options):
    assert_steps_match("Adafactor", shape, **options)


@pytest.mark.parametrize("shape", [(5,), (4, 6)])
def test_a_large_lr_and_foreach_match_torch(shape):
    # lr above 1/sqrt(t) after 4 steps: the relative step takes over, the decay keeps lr
    assert_steps_match("Adafactor", shape, lr=0.5, weight_decay=0.1, foreach=True)


def test_tiny_gradients_meet_both_epsilons_as_torch():
    # The factored second moment divides by max(mean(R), eps1) and is floored at eps1²
    for shape in [(4, 6), (5,)]:
        for eps in [(None, 1e-3), (0.5, 1e-3), (1e-16, 1e-3)]:
            rng = np.random.default_rng(1)
            start, grad = rng.standard_normal(shape), rng.standard_normal(shape) * 1e-9
            ours = ag.tensor(start, dtype=ag.float64, requires_grad=True)
            theirs = torch.tensor(start, requires_grad=True)
            our_opt, their_opt = (
                ag.optim.Adafactor([ours], eps=eps),
                torch.optim.Adafactor([theirs], eps=eps),
            )
            for _ in range(3):
                ours.grad, theirs.grad = ag.tensor(grad), torch.tensor(grad)
                our_opt.step()
                their_opt.step()
            np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize("shape", [(5,), (4, 6), (2, 3, 4), ()])
def test_state_dict_loads_across(shape):
    state_dict_round_trip("Adafactor", shape, weight_decay=0.1, eps=(1e-3, 1e-3))


def test_defaults_and_group_options_are_torch_s():
    w = ag.zeros(3, requires_grad=True)
    assert (
        ag.optim.Adafactor([w]).defaults
        == torch.optim.Adafactor([torch.zeros(3, requires_grad=True)]).defaults
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"lr": -1.0}, "Learning rate should be >= 0 but is: -1.0"),
        ({"beta2_decay": 0.5}, "beta2_decay should be <= 0 but is: 0.5"),
        ({"eps": (-1.0, 1e-3)}, "epsilon1 should be >= 0 but is: -1.0"),
        ({"eps": (None, -1.0)}, "epsilon2 should be >= 0 but is: -1.0"),
        ({"d": 0.5}, "Clipping threshold d should be >= 1 but is: 0.5"),
        ({"weight_decay": -1.0}, "weight_decay should be >= 0 but is: -1.0"),
    ],
)
def test_invalid_options_raise_torch_s_errors(options, message):
    with pytest.raises(ValueError, match=message) as theirs:
        torch.optim.Adafactor([torch.zeros(2, requires_grad=True)], **options)
    with pytest.raises(ValueError) as ours:
        ag.optim.Adafactor([ag.zeros(2, requires_grad=True)], **options)
    assert str(ours.value).startswith(str(theirs.value))


@pytest.mark.parametrize("shape", [(0,), (0, 3), (3, 0), (2, 0, 3)])
def test_a_zero_size_parameter_raises_as_torch_after_counting_the_step(shape):
    ours, theirs = ag.zeros(shape, requires_grad=True), torch.zeros(shape, requires_grad=True)
    after = ag.ones(2, requires_grad=True)
    our_opt = ag.optim.Adafactor([ours, after])
    their_opt = torch.optim.Adafactor([theirs, torch.ones(2, requires_grad=True)])
    ours.grad, theirs.grad, after.grad = ag.zeros(shape), torch.zeros(shape), ag.ones(2)
    their_opt.param_groups[0]["params"][1].grad = torch.ones(2)
    with pytest.raises(ZeroDivisionError, match="float division by zero"):
        their_opt.step()
    with pytest.raises(ZeroDivisionError, match="float division by zero"):
        our_opt.step()
    for index, state in their_opt.state_dict()["state"].items():
        mine = our_opt.state_dict()["state"][index]
        assert {k: tuple(v.shape) for k, v in mine.items()} == {
            k: tuple(v.shape) for k, v in state.items()
        }
        assert float(mine["step"]) == float(state["step"])


def test_parameters_without_gradients_get_no_state():
    w, b = ag.ones(2, 3, requires_grad=True), ag.ones(3, requires_grad=True)
    opt = ag.optim.Adafactor([w, b])
    w.grad = ag.ones(2, 3)
    opt.step()
    assert list(opt.state_dict()["state"]) == [0]
    assert b.tolist() == [1.0, 1.0, 1.0]


def test_a_compiled_step_equals_the_eager_step_bitwise():
    compiled_equals_eager(
        "Adafactor", [(4, 6), (5,), (2, 3, 4)], lr=0.01, weight_decay=0.1, maximize=True
    )
