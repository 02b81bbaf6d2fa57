"""Operands of elementwise ops (``_elementwise_operands.py``): a list or tuple beside a tensor is
refused as torch 2.13 refuses it (a TypeError from the function forms and the operators), and
``==``/``!=`` give Python's identity comparison, as torch's operators do."""

from __future__ import annotations

from typing import Any

import pytest
import torch

import arraygrad as ag

CALLS = {
    "mul-tuple": lambda lib, x: x * (1.0, 2.0),
    "radd-list": lambda lib, x: [1.0, 0.0] + x,
    "rmul-tuple": lambda lib, x: (1.0, 2.0) * x,
    "iadd-list": lambda lib, x: _iadd(x),
    "pow-tuple": lambda lib, x: x ** (2.0, 2.0),
    "lt-tuple": lambda lib, x: x < (1.0, 2.0),
    "matmul-list": lambda lib, x: x @ [1.0, 2.0],
    "and-list": lambda lib, x: x.bool() & [True, False],
    "add-function": lambda lib, x: lib.add(x, [1.0, 2.0]),
    "sub-function-first": lambda lib, x: lib.sub([1.0, 2.0], x),
    "eq-function": lambda lib, x: lib.eq(x, [1.0, 2.0]),
    "where-list": lambda lib, x: lib.where(x > 1, [1.0, 2.0], x),
}


def _iadd(x: Any) -> Any:
    x += [1.0, 0.0]
    return x


@pytest.mark.parametrize("call", list(CALLS.values()), ids=list(CALLS))
def test_a_sequence_operand_is_a_type_error_as_torch(call: Any) -> None:
    for lib in (ag, torch):
        x = lib.tensor([1.0, 2.0])
        with pytest.raises(TypeError):
            call(lib, x)
        assert x.tolist() == [1.0, 2.0]  # untouched (x += [...] too)


def test_equality_with_a_sequence_is_pythons_identity_comparison_as_torch() -> None:
    for lib in (ag, torch):
        x = lib.tensor([1.0, 2.0])
        assert (x == [1.0, 2.0]) is False
        assert (x != (1.0, 2.0)) is True
        assert (x == [1.0, 2.0]) is False


def test_the_refusal_names_the_sequence_and_the_fix() -> None:
    with pytest.raises(
        TypeError, match=r"a tuple \(\(1, 2\)\).*Fix: .*arraygrad.tensor\(\(1, 2\)\)"
    ):
        ag.ones(2) * (1, 2)
