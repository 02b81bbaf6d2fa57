"""numel, is_tensor, is_floating_point, is_complex and is_nonzero (``_predicates``) against
torch 2.13.0."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

ARRAYS = [
    np.array(0.0),
    np.array(2.5, dtype=np.float32),
    np.array([0]),
    np.array([3]),
    np.array([True]),
    np.array([False]),
    np.array([[np.nan]]),
    np.array([-0.0]),
    np.zeros((0,)),
    np.zeros((2, 0, 3), dtype=np.int32),
    np.arange(6).reshape(2, 3),
    np.ones((2, 3), dtype=np.float16),
    np.array([1], dtype=np.uint8),
]


@pytest.mark.parametrize("index", range(len(ARRAYS)))
@pytest.mark.parametrize("name", ["numel", "is_floating_point", "is_complex", "is_nonzero"])
def test_function_and_method_match_torch(name: str, index: int) -> None:
    array = ARRAYS[index]
    for call in (
        lambda m, t: getattr(m, name)(t),
        lambda m, t: getattr(t, name)(),
    ):
        try:
            expected: Any = call(torch, torch.tensor(array))
        except RuntimeError:
            with pytest.raises(RuntimeError):
                call(ag, ag.tensor(array))
            continue
        result = call(ag, ag.tensor(array))
        assert type(result) is type(expected) and result == expected, (name, array)


def test_is_tensor_matches_torch() -> None:
    for make in (lambda m: m.ones(2), lambda m: m.nn.Parameter(m.ones(2)), lambda m: m.tensor(1)):
        assert ag.is_tensor(make(ag)) is torch.is_tensor(make(torch)) is True
    for value in (1.0, [1.0], np.ones(2), None, "tensor"):
        assert ag.is_tensor(value) is torch.is_tensor(value) is False


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda m: m.numel([1]), TypeError),
        (lambda m: m.is_floating_point(1.0), TypeError),
        (lambda m: m.is_complex([1.0]), TypeError),
        (lambda m: m.is_nonzero(1), TypeError),
        (lambda m: m.is_nonzero(m.tensor([])), RuntimeError),
        (lambda m: m.is_nonzero(m.tensor([1, 2])), RuntimeError),
        (lambda m: m.ones(2, 2).is_nonzero(), RuntimeError),
    ],
)
def test_errors_match_torch(call: Any, error: type) -> None:
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error) as info:
        call(ag)
    assert len(str(info.value)) > 20
