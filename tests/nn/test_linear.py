"""arraygrad.nn.functional.linear (``nn/_linear.py``) bias shapes against torch 2.13.0; values
and gradients are in ``test_functional.py`` and ``test_functional_layers.py``."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import arraygrad as ag
import arraygrad.nn.functional as AF


@pytest.mark.parametrize(
    ("input_shape", "weight_shape", "bias_shape", "message"),
    [
        ((2, 2), (1, 2), (2,), "The expanded size of the tensor (1) must match"),
        ((2,), (1, 2), (2,), "The expanded size of the tensor (1) must match"),
        ((2, 2), (3, 2), (2, 2, 3), "the number of sizes provided (2) must be greater or equal"),
        ((2, 2, 2), (1, 2), (2,), "The expanded size of the tensor (1) must match"),
        ((2, 2, 2), (3, 2), (3, 2, 2, 3), "doesn't match the broadcast shape [3, 2, 2, 3]"),
        ((3,), (3,), (3,), "mat2 must be a matrix, got 1-D tensor"),
        ((3,), (3,), (1,), "mat2 must be a matrix, got 1-D tensor"),
    ],
)
def test_a_bias_that_would_grow_the_output_raises_as_torch(
    input_shape: tuple[int, ...],
    weight_shape: tuple[int, ...],
    bias_shape: tuple[int, ...],
    message: str,
) -> None:
    # arraygrad broadcast the output up to the bias (a (2, 2) result for one output feature)
    for lib, functional in ((torch, torch.nn.functional), (ag, AF)):
        args = (lib.ones(input_shape), lib.ones(weight_shape), lib.ones(bias_shape))
        with pytest.raises(RuntimeError, match=re.escape(message)):
            functional.linear(*args)


@pytest.mark.parametrize(
    ("input_shape", "weight_shape", "bias_shape"),
    [
        ((2, 2), (3, 2), (2, 3)),
        ((2, 2), (3, 2), (1, 3)),
        ((2, 2, 2), (3, 2), (2, 1, 3)),
        ((2,), (2,), ()),
    ],
)
def test_a_bias_that_broadcasts_to_the_output_is_added(
    input_shape: tuple[int, ...], weight_shape: tuple[int, ...], bias_shape: tuple[int, ...]
) -> None:
    data = np.arange(np.prod(input_shape), dtype=np.float64).reshape(input_shape)
    bias = np.arange(np.prod(bias_shape), dtype=np.float64).reshape(bias_shape)
    weight = np.arange(np.prod(weight_shape), dtype=np.float64).reshape(weight_shape)
    expected = torch.nn.functional.linear(
        torch.tensor(data), torch.tensor(weight), torch.tensor(bias)
    )
    got = AF.linear(ag.tensor(data), ag.tensor(weight), ag.tensor(bias))
    np.testing.assert_array_equal(got.numpy(), expected.numpy())
