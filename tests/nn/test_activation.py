"""arraygrad.nn.functional activations (``nn/_activation.py``) at argument and value edges
against torch 2.13.0; the value and gradient tables are in ``test_functional.py``."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import arraygrad as ag
import arraygrad.nn.functional as AF

# (no nan: torch's gradient at a nan depends on whether its vectorised or its scalar loop
# reads it: 0 in one, passed through in the other)
VALUES = [-2.0, -0.3, 0.0, 0.5, 1.0, 2.0, 7.0, math.inf, -math.inf]


@pytest.mark.parametrize(("min_val", "max_val"), [(1.0, 0.0), (0.5, -3.0)])
def test_hardtanh_in_place_takes_min_above_max_as_torch(min_val: float, max_val: float) -> None:
    # torch's hardtanh_ skips hardtanh's ValueError: its kernel clamps every element to
    # max_val (arraygrad raised "min_val cannot be greater than max_val")
    results = []
    for lib, functional in ((torch, torch.nn.functional), (ag, AF)):
        leaf = lib.tensor(VALUES, dtype=lib.float64, requires_grad=True)
        x = leaf * 1
        out = functional.hardtanh_(x, min_val, max_val)
        assert out is x
        (grad,) = lib.autograd.grad(out.sum(), [leaf])
        results.append((out.detach().numpy(), grad.numpy()))
    np.testing.assert_array_equal(results[1][0], results[0][0])
    np.testing.assert_array_equal(results[1][1], results[0][1])


@pytest.mark.parametrize("channels", [1, 3])
def test_prelu_weight_gradient_at_inf_and_nan_as_torch(channels: int) -> None:
    # weight's gradient took 0 * inf = nan from an inf input (PyTorch's backward skips
    # positive inputs: 0); -inf gives -inf and nan nan in both (nn fuzzer, seed 17268). Unlike
    # the ELU family's, torch's prelu gradients here do not depend on the element's position.
    found = []
    for lib in (torch, ag):
        # (a nan in the single weight's inputs would make its gradient nan anyway)
        first = math.nan if channels > 1 else -0.0
        rows = [[0.5, math.inf, -2.0], [math.inf, -math.inf, 1.0], [first, 0.0, math.inf]]
        x = lib.tensor(rows, dtype=lib.float64, requires_grad=True)
        w = lib.tensor([0.25] * channels, dtype=lib.float64, requires_grad=True)
        out = lib.nn.functional.prelu(x.reshape(3, 3, 1) if channels > 1 else x, w)
        grads = lib.autograd.grad(out, (x, w), lib.ones_like(out))
        found.append([out.detach().numpy(), *(g.numpy() for g in grads)])
    for mine, theirs in zip(found[1], found[0], strict=True):
        np.testing.assert_array_equal(mine, theirs)
