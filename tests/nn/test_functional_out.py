"""``out=`` of the ``nn.functional`` callables that take it in torch 2.13.0 (gelu, linear,
logsigmoid, softplus, softshrink, hardshrink, avg_pool2d, avg_pool3d), beside torch."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

_X = np.linspace(-2.0, 2.0, 32, dtype=np.float32).reshape(1, 2, 4, 4)
_W = np.linspace(-1.0, 1.0, 12, dtype=np.float32).reshape(3, 4)

# Regression (parity_out2): these took no out=, where torch 2.13's nn.functional takes one.
_CALLS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "gelu": lambda F, x, out: F.gelu(x, out=out),
    "gelu (tanh)": lambda F, x, out: F.gelu(x, approximate="tanh", out=out),
    "hardshrink": lambda F, x, out: F.hardshrink(x, 0.3, out=out),
    "softshrink": lambda F, x, out: F.softshrink(x, out=out),
    "softplus": lambda F, x, out: F.softplus(x, 2, 1, out=out),
    "logsigmoid": lambda F, x, out: F.logsigmoid(x, out=out),
    "linear": lambda F, x, out: F.linear(x, x.new_tensor(_W), out=out),
    "linear (bias)": lambda F, x, out: F.linear(x, x.new_tensor(_W), x.new_ones(3), out=out),
    "avg_pool2d": lambda F, x, out: F.avg_pool2d(x, 2, out=out),
    "avg_pool3d": lambda F, x, out: F.avg_pool3d(x, 2, 1, out=out),
}


def _call(library: Any, name: str, dtype: str, size: int) -> dict[str, Any]:
    out = library.zeros(size, dtype=getattr(library, dtype))
    version = out._version
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = _CALLS[name](library.nn.functional, library.tensor(_X), out)
        except RuntimeError as error:
            # (torch's wording, up to what arraygrad adds: the function named, the fix)
            return {"raised": str(error).split(". Fix")[0].split(":")[0]}
    return {
        "is_out": result is out,
        "values": np.asarray(out.tolist()),
        "shape": tuple(out.shape),
        "versions": out._version - version,
        "resize_warning": any("was resized" in str(w.message) for w in caught),
    }


@pytest.mark.parametrize("name", list(_CALLS))
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
@pytest.mark.parametrize("size", [0, 7])
def test_functional_out_as_torch(name: str, dtype: str, size: int) -> None:
    """Written into an out of the input's dtype (another is torch's RuntimeError, its
    message), resized with torch's warning when it held elements."""
    got, want = _call(ag, name, dtype, size), _call(torch, name, dtype, size)
    if "values" in got and "values" in want:
        np.testing.assert_allclose(got.pop("values"), want.pop("values"), rtol=1e-5, atol=1e-6)
    assert got == want


@pytest.mark.parametrize("name", list(_CALLS))
def test_functional_out_overlapping_the_input_as_torch(name: str) -> None:
    """The elementwise ones refuse an out that partly overlaps the input; logsigmoid, linear
    and the pools compare no memory."""
    outcomes = []
    for library in (torch, ag):
        buffer = library.zeros(200)
        x = buffer[:32].view(1, 2, 4, 4)
        x.copy_(library.tensor(_X))
        try:
            _CALLS[name](library.nn.functional, x, buffer[1:])
            outcomes.append("written")
        except RuntimeError as error:
            outcomes.append(str(error)[:60])
    assert outcomes[1] == outcomes[0]


def test_functional_out_refuses_a_recorded_call() -> None:
    x = ag.tensor(_X, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"gelu\(\): functions with out="):
        ag.nn.functional.gelu(x, out=ag.zeros(0))
