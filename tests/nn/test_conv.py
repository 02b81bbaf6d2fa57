"""arraygrad.nn.functional conv1d/2d/3d (``nn/_conv.py``) dtype edges against torch 2.13.0;
values, gradients and the other checks are in ``test_functional_conv.py``."""

from __future__ import annotations

import re

import pytest
import torch

import arraygrad as ag
import arraygrad.nn.functional as AF


@pytest.mark.parametrize("weight_dtype", ["bool", "float64", "float32"])
@pytest.mark.parametrize(
    ("n", "dilation", "kernel"),
    [
        (1, 1, "slow_conv2d_cpu"),
        (2, 1, "slow_conv2d_cpu"),
        (3, 1, "compute_columns3d"),
        (2, 2, "slow_conv_dilated<>"),
        (3, 2, "slow_conv_dilated<>"),
    ],
)
def test_a_bool_input_meets_torchs_missing_bool_kernel(
    n: int, dilation: int, kernel: str, weight_dtype: str
) -> None:
    # arraygrad convolved bools (a bool weight) or raised the type mismatch (a float weight)
    for lib, functional in ((torch, torch.nn.functional), (ag, AF)):
        x = lib.ones((1, 2) + (5,) * n, dtype=lib.bool)
        w = lib.ones((2, 2) + (2,) * n, dtype=getattr(lib, weight_dtype))
        with pytest.raises(NotImplementedError, match=re.escape(f'"{kernel}" not implemented')):
            getattr(functional, f"conv{n}d")(x, w, dilation=dilation)


def test_a_bool_input_is_checked_against_a_float_bias_and_shapes_first() -> None:
    for lib, functional in ((torch, torch.nn.functional), (ag, AF)):
        x = lib.ones(1, 2, 4, 4, dtype=lib.bool)
        w = lib.ones(2, 2, 2, 2, dtype=lib.bool)
        with pytest.raises(RuntimeError, match="should be the same"):
            functional.conv2d(x, w, lib.ones(2))
        with pytest.raises(RuntimeError, match="Kernel size can't be greater"):
            functional.conv2d(x[..., :1, :1], w)
        assert functional.conv2d(x[:0], w).shape == (0, 2, 3, 3)  # no kernel runs
