"""``cond`` and ``while_loop`` against torch 2.13.0's eager semantics: values, gradients
through the branch taken (every loop step), finite differences, and torch's errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, gradcheck, outcome_in_each


def _lib(x: Any) -> Any:
    return torch if isinstance(x, torch.Tensor) else ag


def _cond(x: Any, y: Any) -> Any:
    m = _lib(x)
    first = m.cond(x.sum() > 0, lambda a, b: a.sin() * b, lambda a, b: a * 3 - b, (x, y))
    second = m.cond(x.sum() <= 0, lambda a, b: a.sin() * b, lambda a, b: a * 3 - b, [x, y])
    third = m.cond(True, lambda: (x.exp(), y), lambda: (x, y))  # no operands: a closure
    return first, second, *third


def _loop(x: Any, y: Any) -> Any:
    m = _lib(x)
    _, a, b = m.while_loop(
        lambda i, a, b: i < 3,
        lambda i, a, b: (i + 1, a * b.tanh(), b + a.sum()),
        (m.tensor(0), x, y),
    )
    return a, b


@pytest.mark.parametrize("fn", [_cond, _loop])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_matches_torch_and_finite_differences(fn: Any, sign: float) -> None:
    rng = np.random.default_rng(0)
    x, y = sign * np.abs(rng.standard_normal(3)), rng.standard_normal(3)
    check_against_torch(fn, None, [x, y])
    check_against_torch(fn, None, [x.astype(np.float32), y.astype(np.float32)])
    gradcheck(fn, [x, y])


def test_python_predicates_and_loop_results_are_torchs() -> None:
    for m in (torch, ag):
        assert m.cond(1, lambda: 2, lambda: 3) == 2
        assert m.cond(0.0, lambda: 2, lambda: 3) == 3
        assert m.while_loop(lambda i: i < 3, lambda i: (i + 1,), (0,)) == (3,)
    # a body that returns one value gives the value, not a 1-tuple
    mine = ag.while_loop(lambda i: i < 3, lambda i: i + 1, (ag.tensor(0),))
    theirs = torch.while_loop(lambda i: i < 3, lambda i: i + 1, (torch.tensor(0),))
    assert isinstance(mine, ag.Tensor) and int(mine) == int(theirs) == 3


def test_only_the_branch_taken_runs() -> None:
    ran = []
    out = ag.cond(ag.tensor(False), lambda: ran.append("true"), lambda: ran.append("false"))
    assert out is None and ran == ["false"]


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.cond(m.tensor([True, False]), lambda a: a, lambda a: a, (m.ones(2),)),
        lambda m: m.cond(True, lambda a: a, lambda a: a),  # operands missing
        lambda m: m.cond(True, lambda a: a, lambda a: a, m.ones(2)),  # unpacked: 2 arguments
        lambda m: m.while_loop(lambda i: i < m.tensor([3, 4]), lambda i: (i + 1,), (m.tensor(0),)),
        lambda m: m.while_loop(lambda i: i < 3, lambda i: (i + 1.0,), (m.tensor(0),)),
        lambda m: m.while_loop(lambda i: i < 3, lambda i: (i + m.ones(2),), (m.tensor(0),)),
    ],
)
def test_errors_are_torchs(call: Any) -> None:
    theirs, mine = outcome_in_each(call, (RuntimeError, TypeError))
    assert isinstance(theirs, str)
    # torch's loop checks raise its dynamo error, a RuntimeError subclass
    expected = "RuntimeError" if theirs == "UncapturedHigherOrderOpError" else theirs
    assert mine == expected


@pytest.mark.parametrize(
    ("body", "start"),
    [
        (lambda x: x + 1, 5.0),  # one value, never run: the value
        (lambda x: x + 1, 1.0),  # one value, run twice: the value
        (lambda x: (x + 1,), 5.0),  # a 1-tuple, never run: a 1-tuple
        (lambda x: [x + 1], 5.0),  # a list, never run: a list
        (lambda x: [x + 1], 1.0),
    ],
)
def test_loop_results_take_the_bodys_form_as_torch(body: Any, start: float) -> None:
    results = []
    for m in (torch, ag):
        results.append(m.while_loop(lambda x: x < 3, body, (m.tensor(start),)))
    theirs, mine = results
    assert type(mine).__name__ == type(theirs).__name__
    if isinstance(theirs, torch.Tensor):
        assert float(mine) == float(theirs)
    else:
        assert [float(v) for v in mine] == [float(v) for v in theirs]


def test_a_body_that_never_runs_is_still_checked_as_torch() -> None:
    for body in (lambda x: x.double(), lambda x: (x, x + 1), lambda x: x.new_ones(2)):
        theirs, mine = outcome_in_each(
            lambda m, body=body: m.while_loop(lambda x: x < 3, body, (m.tensor(5.0),)),
            (RuntimeError,),
        )
        assert isinstance(theirs, str) and mine == "RuntimeError"
    # Run once for its form, its values are dropped: the start comes back, with gradient 1.
    # (torch 2.13's backward of a loop that never ran goes through one body step: it gives 2
    # here, the derivative of v * 2, for a result that is the start itself.)
    x = ag.tensor(5.0, requires_grad=True)
    out = ag.while_loop(lambda v: v < 3, lambda v: v * 2, (x,))
    out.backward()
    assert float(out) == 5.0 and float(x.grad) == 1.0
