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
