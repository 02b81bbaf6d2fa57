"""max_unpool (``nn/_unpooling.py``) against torch 2.13.0: sizes given as tensors."""

from __future__ import annotations

from typing import Any

import pytest
import torch

import arraygrad as ag


@pytest.mark.parametrize(
    ("n", "name", "value"),
    [
        (2, "kernel_size", [2]),
        (2, "kernel_size", [2, 2]),
        (2, "stride", [2, 2]),
        (2, "padding", [0, 0]),
        (2, "output_size", [4, 4]),
        (1, "kernel_size", [2]),
    ],
)
def test_max_unpool_refuses_tensor_sizes_as_torch(n: int, name: str, value: Any) -> None:
    # torch's Python computes the output size from the tensor's elements; torch._check then
    # refuses the tensor conditions: a TypeError
    said = []
    for m in (torch, ag):
        F = m.nn.functional
        x = m.arange(16.0).reshape(1, 1, 4, 4) if n == 2 else m.arange(8.0).reshape(1, 1, 8)
        pooled, indices = getattr(F, f"max_pool{n}d")(x, 2, return_indices=True)
        sizes: dict[str, Any] = {"kernel_size": 2, name: m.tensor(value)}
        with pytest.raises(TypeError) as caught:
            getattr(F, f"max_unpool{n}d")(pooled, indices, **sizes)
        said.append(str(caught.value).split(" (max_unpool")[0])
    assert said[1] == said[0]
