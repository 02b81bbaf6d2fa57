"""Tensor in-place methods (``_tensor_inplace.py``) against torch 2.13."""

from __future__ import annotations

import pytest

import arraygrad as ag


@pytest.mark.parametrize("non_blocking", [True, False])
def test_copy_takes_non_blocking_positionally_as_torch(non_blocking: bool) -> None:
    # torch: x.copy_(src, True) copies (non_blocking only matters between devices)
    x = ag.zeros(2, 3)
    assert x.copy_(ag.arange(3.0), non_blocking) is x
    assert x.tolist() == [[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]]
