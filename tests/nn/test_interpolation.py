"""arraygrad.nn.functional.interpolate (``nn/_interpolation.py``) edge cases against torch
2.13.0; the broad value and gradient tables are in ``test_functional_resampling.py`` and
``test_functional_bicubic.py``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
import arraygrad.nn.functional as AF


@pytest.mark.parametrize(
    ("shape", "kwargs"),
    [
        ((1, 2, 3, 4), {"size": (3, 4), "mode": "bilinear", "align_corners": True}),
        ((1, 2, 3, 4), {"scale_factor": 1.0, "mode": "bicubic"}),
        ((1, 2, 3, 4), {"size": (3, 4), "mode": "bicubic", "antialias": True}),
        ((2, 2, 5), {"size": 5, "mode": "linear"}),
        ((1, 1, 2, 2, 3), {"size": (2, 2, 3), "mode": "trilinear"}),
    ],
)
def test_unresized_input_is_a_new_tensor_in_the_graph(
    shape: tuple[int, ...], kwargs: dict[str, Any]
) -> None:
    # torch returns a new tensor with a grad_fn; the input itself aliased the caller's leaf
    # (no grad_fn, and an in-place write to the output changed the input)
    data = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    results = []
    for lib, functional in ((torch, torch.nn.functional), (ag, AF)):
        x = lib.tensor(data, requires_grad=True)
        out = functional.interpolate(x, **kwargs)
        assert out is not x
        assert out.grad_fn is not None
        with lib.no_grad():
            out.add_(1.0)
        results.append((x.detach().numpy().copy(), out.detach().numpy().copy()))
    np.testing.assert_array_equal(results[1][0], data)
    np.testing.assert_array_equal(results[1][1], results[0][1])


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_antialias_refuses_half_as_torch(mode: str, dtype: str) -> None:
    # torch's antialiased weights have no half loop; arraygrad resized half input
    for lib, functional in ((torch, torch.nn.functional), (ag, AF)):
        x = lib.ones(1, 2, 4, 4, dtype=getattr(lib, dtype))
        with pytest.raises(NotImplementedError, match="compute_index_ranges_weights"):
            functional.interpolate(x, size=(2, 2), mode=mode, antialias=True)
        # an unresized input computes no weights: no error
        out = functional.interpolate(x, size=(4, 4), mode=mode, antialias=True)
        assert str(out.dtype).split(".")[-1] == dtype
