"""Dimension arguments (arraygrad._dims) as torch 2.13.0 reads them: any integer with
``__index__`` (a NumPy integer, an integer 0-d tensor) names a dimension, a bool does not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

# Each call takes the dimension maker D: one int-like naming dim 0 (or -1 where marked).
CALLS: dict[str, Callable[[Any, Callable[[int], Any]], Any]] = {
    "sum": lambda L, D: L.ones(2, 3).sum(D(0)),
    "sum tuple": lambda L, D: L.ones(2, 3).sum((D(0),)),
    "mean keepdim": lambda L, D: L.ones(2, 3).mean(D(-1), True),
    "std": lambda L, D: L.ones(2, 3).std(D(0)),
    "all": lambda L, D: L.ones(2, 3).all(D(0)),
    "prod": lambda L, D: L.ones(2, 3).prod(D(0)),
    "logsumexp": lambda L, D: L.ones(2, 3).logsumexp(D(0)),
    "squeeze": lambda L, D: L.ones(1, 3).squeeze(D(0)),
    "transpose": lambda L, D: L.ones(2, 3).transpose(D(0), 1),
    "cumsum": lambda L, D: L.ones(2, 3).cumsum(D(-1)),
    "argmax": lambda L, D: L.ones(2, 3).argmax(D(0)),
    "unsqueeze": lambda L, D: L.ones(2, 3).unsqueeze(D(0)),
    "select": lambda L, D: L.ones(2, 3).select(D(0), 1),
    "size": lambda L, D: L.ones(2, 3).size(D(-1)),
    "movedim": lambda L, D: L.ones(2, 3).movedim(D(0), 1),
    "roll": lambda L, D: L.ones(2, 3).roll(1, D(0)),
    "softmax": lambda L, D: L.ones(2, 3).softmax(D(0)),
    "log_softmax": lambda L, D: L.log_softmax(L.ones(2, 3), D(0)),
    "gradient": lambda L, D: L.gradient(L.ones(2, 3), dim=D(0))[0],
    "norm nuc": lambda L, D: L.ones(2, 3, 3).norm("nuc", dim=(D(-2), D(-1))),
}


def _shape(value: Any) -> Any:
    return tuple(value.shape) if hasattr(value, "shape") else value


@pytest.mark.parametrize("call", list(CALLS))
@pytest.mark.parametrize("kind", ["numpy int64", "0-d tensor"])
def test_an_integer_with_index_names_a_dimension(call: str, kind: str) -> None:
    # These had raised "Dimension out of range ... got 0" (normalize_dim took Python ints only)
    # or "iteration over a 0-d tensor" (a single dim not an int was read as a sequence).
    def dim_of(lib: Any) -> Callable[[int], Any]:
        if kind == "numpy int64":
            return np.int64
        return lambda d: lib.tensor(d)

    fn = CALLS[call]
    assert _shape(fn(ag, dim_of(ag))) == _shape(fn(torch, dim_of(torch)))


@pytest.mark.parametrize("call", ["sum", "transpose", "cumsum", "unsqueeze", "size", "movedim"])
def test_a_bool_is_no_dimension(call: str) -> None:
    # torch: "argument 'dim' (position 1) must be int, not bool"; arraygrad had read True as 1
    with pytest.raises(TypeError):
        CALLS[call](torch, lambda d: True)
    with pytest.raises(TypeError, match=r"must be int, not bool.*Fix"):
        CALLS[call](ag, lambda d: True)


def test_a_float_is_no_dimension() -> None:
    # torch's TypeError, where arraygrad had raised IndexError "Dimension out of range"
    with pytest.raises(TypeError):
        torch.ones(2, 3).transpose(0.0, 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be int, not float"):
        ag.ones(2, 3).transpose(0.0, 1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.zeros(lib.tensor(False)),
        lambda lib: lib.zeros((2, lib.tensor(True))),
        lambda lib: lib.empty(lib.tensor(True)),
        lambda lib: lib.ones(2).view(lib.tensor(True), 2),
        lambda lib: lib.ones(1).expand(lib.tensor(True)),
    ],
    ids=["zeros", "zeros-tuple", "empty", "view", "expand"],
)
def test_a_bool_tensor_as_a_size_is_refused_as_torch(call: Any) -> None:
    # A bool tensor has __index__, but torch reads a size through its Scalar, which must be
    # integral; an integer tensor is a size as in torch (above).
    for lib in (ag, torch):
        with pytest.raises(RuntimeError, match=r"Expected scalar.isIntegral\( false\)"):
            call(lib)


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.ones(1, 2, 1).sum((0, -3)),
        lambda L: L.ones(1, 2, 1).squeeze((2, 0, -1)),
        lambda L: L.ones(1, 2, 1).amax((1, 0, 0)),
    ],
)
def test_a_repeated_dim_is_named_as_torch_names_it(call: Any) -> None:
    with pytest.raises(RuntimeError) as theirs:
        call(torch)
    with pytest.raises(RuntimeError) as mine:
        call(ag)
    assert str(mine.value).startswith(str(theirs.value)) and "Fix:" in str(mine.value)
