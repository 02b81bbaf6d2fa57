"""Muon against PyTorch 2.13: 20 float64 steps per option combination (its Newton-Schulz
iteration runs in bfloat16, emulated bit for bit), validation, the 2-D restriction, state
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

SHAPES = [(4, 6), (6, 4), (5, 5), (1, 7), (7, 1)]
OPTIONS = [
    {"nesterov": nesterov, "adjust_lr_fn": fn, "ns_steps": steps, "lr": 0.02}
    for nesterov, fn, steps in itertools.product(
        [True, False], [None, "original", "match_rms_adamw"], [0, 1, 5]
    )
]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("options", OPTIONS)
def test_twenty_steps_match_torch(shape, options):
    assert_steps_match("Muon", shape, **options)


@pytest.mark.parametrize("shape", SHAPES)
def test_other_coefficients_eps_momentum_and_decay_match_torch(shape):
    # an eps above the norm of the update: the normalisation divides by eps instead
    assert_steps_match(
        "Muon",
        shape,
        lr=0.03,
        weight_decay=0.5,
        momentum=0.3,
        eps=10.0,
        ns_steps=7,
        ns_coefficients=(2.0, -1.5, 0.5),
    )


@pytest.mark.parametrize("shape", [(4, 6), (6, 4)])
def test_state_dict_loads_across(shape):
    state_dict_round_trip("Muon", shape, lr=0.02)


def test_defaults_are_torch_s():
    assert (
        ag.optim.Muon([ag.zeros(2, 2, requires_grad=True)]).defaults
        == torch.optim.Muon([torch.zeros(2, 2, requires_grad=True)]).defaults
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"lr": -1.0}, "Learning rate should be >= 0 but is: -1.0"),
        ({"momentum": -1.0, "weight_decay": -1.0}, "momentum should be >= 0 but is: -1.0"),
        ({"weight_decay": -1.0}, "weight decay should be >= 0 but is: -1.0"),
        ({"adjust_lr_fn": "foo"}, "Adjust learning rate function foo is not supported"),
    ],
)
def test_invalid_options_raise_torch_s_errors(options, message):
    with pytest.raises(ValueError, match=message) as theirs:
        torch.optim.Muon([torch.zeros(2, 2, requires_grad=True)], **options)
    with pytest.raises(ValueError) as ours:
        ag.optim.Muon([ag.zeros(2, 2, requires_grad=True)], **options)
    assert str(ours.value).startswith(str(theirs.value))


@pytest.mark.parametrize("shape", [(3,), (), (2, 2, 2)])
def test_only_2d_parameters_are_accepted(shape):
    with pytest.raises(ValueError, match="Muon only supports 2D parameters"):
        torch.optim.Muon([torch.zeros(shape, requires_grad=True)])
    with pytest.raises(ValueError, match="Muon only supports 2D parameters") as ours:
        ag.optim.Muon([ag.zeros(shape, requires_grad=True)])
    assert f"size: arraygrad.Size({list(shape)})" in str(ours.value)
    with pytest.raises(TypeError):
        ag.optim.Muon([ag.zeros(2, 2, requires_grad=True)], maximize=True)


def test_a_group_added_later_with_a_vector_raises_at_its_step_as_torch():
    w, b = ag.ones(3, 2, requires_grad=True), ag.ones(3, requires_grad=True)
    opt = ag.optim.Muon([ag.ones(2, 2, requires_grad=True)])
    opt.add_param_group({"params": [w, b]})
    w.grad, b.grad = ag.ones(3, 2), ag.ones(3)
    with pytest.raises(ValueError, match="Param gradient must be a 2D matrix"):
        opt.step()
    # as torch: the matrix before it was updated, and both have a buffer
    assert w.tolist() != [[1.0, 1.0]] * 3
    assert sorted(opt.state_dict()["state"]) == [1, 2]


@pytest.mark.parametrize(("shape", "raises"), [((0, 3), False), ((3, 0), True), ((0, 0), True)])
def test_zero_size_parameters_as_torch(shape, raises):
    for lib in (torch, ag):
        w = lib.zeros(shape, requires_grad=True)
        opt = lib.optim.Muon([w])
        w.grad = lib.zeros(shape)
        if raises:  # the shape's lr adjustment divides by zero columns
            with pytest.raises(ZeroDivisionError, match="division by zero"):
                opt.step()
        else:
            opt.step()
        assert tuple(opt.state[w]["momentum_buffer"].shape) == shape


def test_parameters_without_gradients_get_no_state():
    w, v = ag.ones(2, 3, requires_grad=True), ag.ones(3, 2, requires_grad=True)
    opt = ag.optim.Muon([w, v])
    w.grad = ag.ones(2, 3)
    opt.step()
    assert list(opt.state_dict()["state"]) == [0]
    assert np.array_equal(v.detach().numpy(), np.ones((3, 2)))


def test_a_compiled_step_equals_the_eager_step_bitwise():
    compiled_equals_eager("Muon", [(4, 6), (6, 4)], lr=0.02, momentum=0.9)
