"""Optimizers with complex parameters, against torch: each complex parameter is updated as its
real view (Adam's moments of the parts, not of ``g * g``), beside real parameters in the same
group; the state buffers are complex, as torch's; Adafactor and Muon refuse, as torch does."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

RNG = np.random.default_rng(20260103)
Z0 = RNG.standard_normal((2, 3)) + 1j * RNG.standard_normal((2, 3))
X0 = RNG.standard_normal(3)
TARGET = RNG.standard_normal((2, 3)) + 1j * RNG.standard_normal((2, 3))

CASES = [
    ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    ("AdamW", {"lr": 0.01, "amsgrad": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
    ("Adadelta", {"lr": 0.1}),
    ("Adamax", {"lr": 0.01}),
    ("NAdam", {"lr": 0.01, "decoupled_weight_decay": True, "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.01}),
    ("ASGD", {"lr": 0.01, "t0": 3}),
    ("Rprop", {"lr": 0.01}),
]


def _train(lib: Any, name: str, options: dict[str, Any]) -> tuple[Any, Any, dict[str, Any]]:
    z = lib.nn.Parameter(lib.tensor(Z0))
    x = lib.nn.Parameter(lib.tensor(X0))
    optimizer = getattr(lib.optim, name)([z, x], **options)
    for _ in range(12):  # past RAdam's first, SGD-like steps
        optimizer.zero_grad()
        loss = ((z * z - lib.tensor(TARGET)).abs() ** 2).sum() + (x**3).sum()
        loss.backward()
        optimizer.step()
    state = optimizer.state_dict()["state"][0]
    kinds = {
        key: (str(value.dtype).split(".")[-1], tuple(value.shape))
        for key, value in state.items()
        if isinstance(value, lib.Tensor)
    }
    return z.detach().resolve_conj().numpy(), x.detach().numpy(), kinds


@pytest.mark.parametrize(("name", "options"), CASES)
def test_complex_parameters_step_as_torch(name: str, options: dict[str, Any]) -> None:
    mine, theirs = _train(ag, name, options), _train(torch, name, options)
    np.testing.assert_allclose(mine[0], theirs[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(mine[1], theirs[1], rtol=1e-10, atol=1e-12)
    assert mine[2] == theirs[2]  # the state buffers' dtypes (complex) and shapes


def test_the_moments_are_of_the_parts_and_the_update_is_in_place() -> None:
    z = ag.nn.Parameter(ag.tensor(Z0))
    data, version = z.data, z._version
    optimizer = ag.optim.Adam([z], lr=0.1)
    z.grad = ag.full_like(z, 1j)  # g * g would be -1; the parts' squares are 0 and 1
    optimizer.step()
    second = optimizer.state[z]["exp_avg_sq"]
    assert second.dtype is ag.complex128
    np.testing.assert_allclose(second.numpy(), np.full(Z0.shape, 0.001j), rtol=1e-12)
    assert z._version > version
    np.testing.assert_array_equal(data.numpy(), z.detach().numpy())  # one memory


@pytest.mark.parametrize("name", ["Adafactor", "Muon"])
def test_optimizers_torch_refuses_complex_for(name: str) -> None:
    errors = []
    for lib in (torch, ag):
        z = lib.nn.Parameter(lib.tensor(Z0))
        optimizer = getattr(lib.optim, name)([z])
        z.grad = lib.ones_like(z)
        with pytest.raises(RuntimeError) as caught:
            optimizer.step()
        errors.append(str(caught.value))
    # torch's words, then the fix arraygrad adds
    assert errors[1].startswith(errors[0]) and "Fix:" in errors[1]
