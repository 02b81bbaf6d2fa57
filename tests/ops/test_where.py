"""``where(condition, input, other)``'s condition (``_math.py``), checked as torch 2.13 checks
it before broadcasting: bool, or uint8 with a deprecation warning; other dtypes refused."""

from __future__ import annotations

from typing import Any

import pytest
import torch

import arraygrad as ag


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "int8", "complex64"])
@pytest.mark.parametrize(
    "call",
    [
        lambda lib, c: lib.where(c, lib.tensor([1.0, 2.0]), lib.tensor([3.0, 4.0])),
        lambda lib, c: lib.tensor([1.0, 2.0]).where(c, lib.tensor([3.0, 4.0])),
        lambda lib, c: lib.where(c, 1.0, 2.0),
        lambda lib, c: lib.where(c, lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.0, 3.0])),
        lambda lib, c: lib.where(c, lib.ones(2), lib.zeros(2), out=lib.empty(2)),
    ],
    ids=["function", "method", "numbers", "mismatched-shapes", "out"],
)
def test_a_condition_neither_bool_nor_uint8_is_refused_as_torch(dtype: str, call: Any) -> None:
    messages = []
    for lib in (ag, torch):
        condition = lib.tensor([1, 0], dtype=getattr(lib, dtype))
        with pytest.raises(RuntimeError) as caught:
            call(lib, condition)
        messages.append(str(caught.value))
    assert messages[0].startswith(messages[1].split(" (Triggered")[0])
    assert "Fix:" in messages[0]


def test_a_uint8_condition_works_with_torchs_deprecation_warning() -> None:
    results = []
    for lib in (ag, torch):
        condition = lib.tensor([1, 0, 7], dtype=lib.uint8)
        with pytest.warns(UserWarning, match="where received a uint8 condition tensor"):
            result = lib.where(condition, lib.tensor([1.0, 2.0, 3.0]), 0.0)
        results.append(result.tolist())
    assert results[0] == results[1] == [1.0, 0.0, 3.0]
