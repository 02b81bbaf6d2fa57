"""``nan_to_num`` (``_clamp.py``) on complex tensors, compared with torch 2.13: the real and
imaginary parts replaced separately, autograd refused as torch refuses it."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch

import arraygrad as ag

NAN, INF = math.nan, math.inf
VALUES = [complex(NAN, 1), complex(1, INF), complex(-INF, NAN), complex(2, 3), complex(INF, -INF)]


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize(
    "options",
    [{}, {"nan": 1.5, "neginf": -2.0}, {"posinf": 7.0}, {"nan": -1.0, "posinf": 3.0}],
    ids=["defaults", "nan-neginf", "posinf", "nan-posinf"],
)
def test_complex_nan_to_num_replaces_each_part_as_torch(dtype: str, options: Any) -> None:
    results = []
    for lib in (ag, torch):
        x = lib.tensor(VALUES, dtype=getattr(lib, dtype))
        function = lib.nan_to_num(x, **options)
        method = x.clone().nan_to_num_(**options)
        out = lib.empty(len(VALUES), dtype=getattr(lib, dtype))
        lib.nan_to_num(x, **options, out=out)
        results.append((str(function.dtype), function.tolist(), method.tolist(), out.tolist()))
    assert results[0][0].split(".")[1] == results[1][0].split(".")[1]
    assert results[0][1:] == results[1][1:]


def test_complex_nan_to_num_refuses_autograd_as_torch() -> None:
    for lib in (ag, torch):
        x = lib.tensor(VALUES, requires_grad=True)
        with pytest.raises(RuntimeError, match="nan_to_num does not support automatic"):
            lib.nan_to_num(x)
        with lib.no_grad():  # the value alone is computed
            assert lib.nan_to_num(x).isfinite().all()
