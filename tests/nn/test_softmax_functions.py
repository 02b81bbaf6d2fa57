"""arraygrad.nn.functional softmax, log_softmax and softmin (``nn/_softmax_functions.py``)
dtype edges against torch 2.13.0; values and gradients are in ``test_functional.py``."""

from __future__ import annotations

import pytest
import torch

import arraygrad as ag
import arraygrad.nn.functional as AF


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize(("shape", "dim"), [((0,), 0), ((2, 0), 1), ((0, 3), 1), ((0, 3), 0)])
def test_an_empty_integer_softmax_is_empty_as_torch(
    name: str, shape: tuple[int, ...], dim: int
) -> None:
    # torch runs no kernel on an empty tensor, so its missing integer loop never raises;
    # arraygrad raised NotImplementedError
    results = []
    for lib, functional in ((torch, torch.nn.functional), (ag, AF)):
        out = getattr(functional, name)(lib.zeros(shape), dim, dtype=lib.int64)
        results.append((tuple(out.shape), str(out.dtype).split(".")[-1]))
    assert results[1] == results[0]


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_a_non_empty_integer_softmax_still_raises_as_torch(name: str) -> None:
    for lib, functional in ((torch, torch.nn.functional), (ag, AF)):
        with pytest.raises(NotImplementedError, match="_kernel_impl"):
            getattr(functional, name)(lib.zeros(2, 3), 1, dtype=lib.int64)
