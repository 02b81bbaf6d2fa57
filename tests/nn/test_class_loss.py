"""arraygrad.nn.functional.cross_entropy (``nn/_class_loss.py``) argument edges against torch
2.13.0; the value and gradient tables are in ``test_functional.py`` and ``test_loss_edges.py``."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import arraygrad as ag
import arraygrad.nn.functional as AF

LOGITS = np.array([[0.3, -1.2, 2.0, 0.1], [1.5, 0.2, -0.7, 0.4], [-0.3, 0.8, 0.0, -2.1]])
PROBS = np.array([[0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25]])


@pytest.mark.parametrize("smoothing", [-0.1, -5.0, -math.inf, math.nan])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("probabilities", [False, True])
def test_label_smoothing_at_or_below_zero_is_no_smoothing(
    smoothing: float, reduction: str, probabilities: bool
) -> None:
    # torch checks only label_smoothing <= 1 and smooths where it is > 0 (arraygrad raised
    # "must be between 0.0 and 1.0" for a negative one)
    grads = []
    for lib, functional in ((torch, torch.nn.functional), (ag, AF)):
        x = lib.tensor(LOGITS, requires_grad=True)
        target = lib.tensor(PROBS) if probabilities else lib.tensor([2, 0, 1])
        loss = functional.cross_entropy(x, target, reduction=reduction, label_smoothing=smoothing)
        loss.sum().backward()
        grads.append((loss.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(grads[1][0], grads[0][0], rtol=1e-12)
    np.testing.assert_allclose(grads[1][1], grads[0][1], rtol=1e-12)


def test_label_smoothing_above_one_raises_as_torch() -> None:
    for lib, functional in ((torch, torch.nn.functional), (ag, AF)):
        with pytest.raises(RuntimeError, match=r"label_smoothing must be between 0\.0 and 1\.0"):
            functional.cross_entropy(lib.tensor(LOGITS), lib.tensor([2, 0, 1]), label_smoothing=1.5)
