"""Tensor analysis methods (``_tensor_analysis.py``) against torch 2.13."""

from __future__ import annotations

import pytest
import torch

import arraygrad as ag


@pytest.mark.parametrize("dims", [(1, 0), (1, 2, 0), (2, -3)])
def test_count_nonzero_takes_the_dims_as_separate_arguments_as_torch(
    dims: tuple[int, ...],
) -> None:
    data = [[[1.0, 0.0], [2.0, 3.0]], [[0.0, 0.0], [4.0, 0.0]]]
    ours = ag.tensor(data).count_nonzero(*dims)
    theirs = torch.tensor(data).count_nonzero(*dims)
    assert ours.tolist() == theirs.tolist()
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
