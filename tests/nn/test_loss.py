"""arraygrad.nn.functional losses of ``nn/_loss.py``: the order of their argument checks
against torch 2.13.0 (values and gradients: ``test_functional.py``, ``test_loss_edges.py``,
``test_loss_dtypes.py``)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest
import torch

import arraygrad as ag
import arraygrad.nn.functional as AF

CALLS: list[Callable[[Any, Any], Any]] = [
    # an invalid reduction with an argument the kernel refuses: torch reads the reduction in
    # Python first (a ValueError); arraygrad raised the kernel's RuntimeError or ValueError
    lambda lib, F: F.smooth_l1_loss(lib.ones(2), lib.ones(2), reduction="batchmean", beta=-1.0),
    lambda lib, F: F.huber_loss(lib.ones(2), lib.ones(2), reduction="batchmean", delta=-1.0),
    lambda lib, F: F.binary_cross_entropy(
        lib.full((2,), 0.5), lib.full((2,), 0.5, dtype=lib.float64), reduction="batchmean"
    ),
    lambda lib, F: F.binary_cross_entropy(lib.full((2,), 0.5), lib.ones(3), reduction="bad"),
    lambda lib, F: F.binary_cross_entropy_with_logits(
        lib.ones(2), lib.ones(2), weight=lib.ones(2, requires_grad=True), reduction="batchmean"
    ),
    lambda lib, F: F.binary_cross_entropy_with_logits(lib.ones(2), lib.ones(3), reduction="bad"),
]


@pytest.mark.parametrize("call", CALLS)
def test_the_reduction_is_checked_first_as_torch(call: Callable[[Any, Any], Any]) -> None:
    for lib, functional in ((torch, torch.nn.functional), (ag, AF)):
        with warnings.catch_warnings(), pytest.raises(ValueError, match="a valid value"):
            warnings.simplefilter("ignore")
            call(lib, functional)


def test_huber_loss_with_a_weight_checks_delta_first_as_torch() -> None:
    for lib, functional in ((torch, torch.nn.functional), (ag, AF)):
        with pytest.raises(RuntimeError, match="non-positive values for delta"):
            functional.huber_loss(
                lib.ones(2), lib.ones(2), reduction="bad", delta=-1.0, weight=lib.ones(2)
            )
