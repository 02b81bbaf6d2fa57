"""arraygrad.nn.functional.pad (``nn/_padding.py``) dtype edges against torch 2.13.0; values
and gradients are in ``test_functional.py`` and ``test_layers.py``."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import arraygrad as ag
import arraygrad.nn.functional as AF


@pytest.mark.parametrize("mode", ["reflect", "replicate"])
@pytest.mark.parametrize("dims", [1, 2, 3])
def test_reflect_and_replicate_padding_refuse_bool_as_torch(mode: str, dims: int) -> None:
    # torch's reflection and replication kernels have no bool loop; arraygrad padded bools
    kernel = ("reflection" if mode == "reflect" else "replication") + f"_pad{dims}d"
    for lib, functional in ((torch, torch.nn.functional), (ag, AF)):
        x = lib.ones((1, 2) + (3,) * dims, dtype=lib.bool)
        with pytest.raises(NotImplementedError, match=kernel):
            functional.pad(x, (1, 1) * dims, mode=mode)


def test_circular_padding_takes_bool_as_torch() -> None:
    x = np.array([[[True, False, False]]])
    theirs = torch.nn.functional.pad(torch.tensor(x), (1, 2), mode="circular")
    ours = AF.pad(ag.tensor(x), (1, 2), mode="circular")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
