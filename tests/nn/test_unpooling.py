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


def _ints(m: Any, shape: tuple[int, ...], dtype: str = "int64") -> Any:
    return m.zeros(shape, dtype=getattr(m, dtype))


@pytest.mark.parametrize(
    "call",
    [
        # a kernel longer than the padding (or stride): torch's Python loop's IndexError
        lambda m, F: F.max_unpool1d(m.ones(1, 1, 2), _ints(m, (1, 1, 2)), m.tensor([2, 2])),
        lambda m, F: F.max_unpool1d(m.ones(1, 1, 2), _ints(m, (1, 1, 2)), [2, 2]),
        lambda m, F: F.max_unpool2d(m.ones(1, 1, 2, 2), _ints(m, (1, 1, 2, 2)), (2, 2, 2)),
        lambda m, F: F.max_unpool2d(m.ones(1, 1, 2, 2), _ints(m, (1, 1, 2, 2)), 2, (2,)),
        # more kernel sizes than the input has dimensions
        lambda m, F: F.max_unpool2d(m.ones(2), _ints(m, (2,), "int32"), 2),
        # kernel sizes of another number than the dimensions (after the indices' dtype)
        lambda m, F: F.max_unpool2d(m.ones(1, 1, 2, 2), _ints(m, (1, 1, 2, 2)), (2,)),
        lambda m, F: F.max_unpool1d(m.ones(1, 2, 2), _ints(m, (1, 2, 2)), (2, 2), padding=(0, 0)),
        lambda m, F: F.max_unpool3d(m.ones(1, 1, 2, 2, 2), _ints(m, (1, 1, 2, 2, 2)), (2, 2)),
        # the indices' dtype before the input's dimensions, as torch's kernel checks them
        lambda m, F: F.max_unpool1d(m.ones(1, 1, 1, 2), _ints(m, (1, 1, 1, 2), "int32"), 2),
        # output_size read (in Python) before the kernel's checks
        lambda m, F: F.max_unpool2d(
            m.ones(1, 1, 2, 2), _ints(m, (1, 1, 2, 2)), (2,), (2,), 0, (9, 9)
        ),
        # a size below 0, from the padding: torch's ValueError (not an index error)
        lambda m, F: F.max_unpool2d(m.ones(1, 1, 2, 2), _ints(m, (1, 1, 2, 2)), 2, padding=3),
        # a tensor among the sizes refused only where it reaches the output size
        lambda m, F: F.max_unpool2d(m.ones(1, 1, 2, 2), _ints(m, (1, 1, 2, 2)), [m.tensor(2), 2]),
        # output_size kept as given in the message (a list here)
        lambda m, F: F.max_unpool2d(m.ones(1, 1, 2, 2), _ints(m, (1, 1, 2, 2)), 2, 2, 3, [4, 4]),
    ],
)
def test_max_unpool_reads_its_sizes_as_torch(call: Any) -> None:
    # Regression: arraygrad read kernel_size, stride and padding as n ints each (one int
    # broadcast), with a RuntimeError of its own, and checked the input's dimensions first;
    # torch's Python keeps any sequence and loops over the kernel's elements, then its kernel
    # checks the indices' dtype, the number of sizes and the input's dimensions.
    said = []
    for m in (torch, ag):
        with pytest.raises(Exception) as caught:
            call(m, m.nn.functional)
        said.append((caught.type, str(caught.value)))
    assert said[1][0] is said[0][0]
    assert said[1][1].startswith(said[0][1]) and "Fix:" in said[1][1]


def test_max_unpool_takes_a_tensor_kernel_with_an_output_size_as_torch() -> None:
    # Regression: a tensor kernel_size was refused whatever the output size; torch refuses
    # only a tensor output size, and here output_size (ints) is the one used.
    found = []
    for m in (torch, ag):
        F = m.nn.functional
        pooled, indices = F.max_pool2d(m.arange(16.0).reshape(1, 1, 4, 4), 2, return_indices=True)
        out = F.max_unpool2d(pooled, indices, m.tensor([2, 2]), output_size=(4, 4))
        found.append(out.tolist())
    assert found[1] == found[0]
