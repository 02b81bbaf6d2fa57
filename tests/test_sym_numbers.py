"""The ``sym_*`` helpers on plain numbers (``_sym_numbers.py``) against torch 2.13.0: results
and their types, and the same exceptions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

NAN = float("nan")

CALLS: list[tuple[str, tuple[Any, ...]]] = [
    ("sym_max", (2, 3)),
    ("sym_max", (3, 2.0)),
    ("sym_max", (2, 3.0)),
    ("sym_max", (True, 0)),
    ("sym_max", (1, True)),
    ("sym_max", (1.0, NAN)),
    ("sym_max", (NAN, 1.0)),
    ("sym_max", (np.int64(2), 3)),
    ("sym_max", (None, 1)),
    ("sym_max", ("a", "b")),
    ("sym_min", (2.5, 3)),
    ("sym_min", (3, 2.0)),
    ("sym_min", (False, 2)),
    ("sym_min", (2.0, NAN)),
    ("sym_int", (2.7,)),
    ("sym_int", (-2.7,)),
    ("sym_int", (True,)),
    ("sym_int", ("3",)),
    ("sym_int", (float("inf"),)),
    ("sym_float", (2,)),
    ("sym_float", (True,)),
    ("sym_float", ("a",)),
    ("sym_float", (None,)),
    ("sym_not", (0,)),
    ("sym_not", (2,)),
    ("sym_not", (None,)),
    ("sym_sqrt", (4,)),
    ("sym_sqrt", (2.0,)),
    ("sym_sqrt", (-1.0,)),
    ("sym_ite", (True, 1, 2)),
    ("sym_ite", (False, "a", "b")),
    ("sym_ite", (1, 1, 2)),
    ("sym_ite", (True, 1, 2.0)),
    ("sym_ite", (True, True, 2)),
    ("sym_sum", ([1, 2, 3],)),
    ("sym_sum", ((1.5, 2),)),
    ("sym_sum", (1, 2)),
    ("sym_sum", (1,)),
    ("sym_sum", ()),
    ("sym_sum", ([True, True],)),
    ("sym_sum", ([1, "a"],)),
    ("sym_sum", ([[1], [2]],)),
]


def _outcome(fn: Any, args: tuple[Any, ...]) -> Any:
    try:
        value = fn(*args)
    except Exception as error:
        return type(error).__name__, str(error)
    return type(value).__name__, repr(value)


@pytest.mark.parametrize(("name", "args"), CALLS)
def test_matches_torch(name: str, args: tuple[Any, ...]) -> None:
    assert _outcome(getattr(ag, name), args) == _outcome(getattr(torch, name), args)


def test_tensors_as_numbers() -> None:
    assert ag.sym_int(ag.tensor(2.5)) == 2
    assert ag.sym_float(ag.tensor(2)) == 2.0
    assert ag.sym_sqrt(ag.tensor(4.0)) == 2.0
    assert ag.sym_not(ag.tensor(True)) is False
    with pytest.raises(AssertionError, match="expected"):
        ag.sym_max(ag.tensor(2), 3)
