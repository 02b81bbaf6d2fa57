"""arraygrad.nn.functional normalisations (``nn/_normalization.py``) dtype edges against torch
2.13.0; values and gradients are in ``test_functional.py`` and ``test_functional_layers.py``."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import arraygrad as ag
import arraygrad.nn.functional as AF


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("shape", [(1, 3, 4, 4), (1, 3, 2, 2, 2)])
def test_local_response_norm_of_4d_half_input_is_refused_as_torch(
    shape: tuple[int, ...], dtype: str
) -> None:
    # torch averages 4-d and larger input with avg_pool3d, which has no half loop
    for lib, functional in ((torch, torch.nn.functional), (ag, AF)):
        with pytest.raises(NotImplementedError, match="avg_pool3d_out_frame"):
            functional.local_response_norm(lib.ones(shape, dtype=getattr(lib, dtype)), 2)


def test_local_response_norm_of_3d_half_input_computes_as_torch() -> None:
    x = np.linspace(-2.0, 2.0, 12).reshape(1, 3, 4)
    theirs = torch.nn.functional.local_response_norm(torch.tensor(x).half(), 2)
    ours = AF.local_response_norm(ag.tensor(x).half(), 2)
    np.testing.assert_allclose(ours.float().numpy(), theirs.float().numpy(), rtol=1e-3)
