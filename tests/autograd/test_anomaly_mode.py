"""``detect_anomaly`` against torch 2.13.0 (the NaN checks themselves are tested with the
ops, in ``tests/ops/test_elementwise.py``)."""

from __future__ import annotations

import contextlib
import warnings
from typing import Any

import torch

import arraygrad as ag
from arraygrad import _primitive


def test_detect_anomaly_warns_that_it_is_enabled_and_set_detect_anomaly_does_not() -> None:
    for lib in (ag, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with lib.autograd.detect_anomaly():
                pass
            with lib.autograd.set_detect_anomaly(True):
                pass
        assert [w.category for w in caught] == [UserWarning], lib.__name__
        assert str(caught[0].message).startswith("Anomaly Detection has been enabled.")
        assert caught[0].filename == __file__  # pointing at the caller


def _failing_pass(lib: Any, anomaly_in_forward: bool) -> tuple[str, list[str]]:
    """The error and warnings of a backward pass through sqrt(-1), in anomaly mode (and the
    forward in it too, or before it)."""
    x = lib.tensor([-1.0, 4.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if anomaly_in_forward:
            with lib.autograd.set_detect_anomaly(True):
                y = x.sqrt()  # the forward call
                try:
                    y.sum().backward()
                except RuntimeError as error:
                    raised = str(error)
        else:
            y = x.sqrt()
            with lib.autograd.set_detect_anomaly(True):
                try:
                    y.sum().backward()
                except RuntimeError as error:
                    raised = str(error)
    messages = [str(w.message) for w in caught if w.category is UserWarning]
    return raised, messages


def test_a_failed_backward_warns_with_the_forward_call_as_torch() -> None:
    # Regression: arraygrad raised without torch's warning naming the node and the forward
    # call that made it.
    for anomaly_in_forward in (True, False):
        found = {}
        for lib in (torch, ag):
            raised, messages = _failing_pass(lib, anomaly_in_forward)
            assert raised.startswith("Function 'SqrtBackward0' returned nan values"), raised
            assert len(messages) == 1, messages
            found[lib] = messages[0]
        theirs = found[torch].split(" (Triggered internally")[0]
        mine = found[ag]
        if anomaly_in_forward:
            head = (
                "Error detected in SqrtBackward0. Traceback of forward call that caused the "
                "error:\n"
            )
            assert theirs.startswith(head) and mine.startswith(head), (theirs, mine)
            # the user's frames, down to the forward call, as torch shows them
            assert mine.removeprefix(head).rstrip() == theirs.removeprefix(head).rstrip()
            assert "y = x.sqrt()  # the forward call" in mine
        else:
            assert mine == theirs, (mine, theirs)


def test_no_warning_for_an_error_before_the_pass_nor_outside_anomaly_mode() -> None:
    for lib in (torch, ag):
        x = lib.tensor([1.0], requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with lib.autograd.set_detect_anomaly(True):
                y = x * 2
                with contextlib.suppress(RuntimeError):
                    y.backward(lib.ones(3))  # a wrong gradient shape: no node ran
            z = x.sqrt() * float("nan")
            z.sum().backward()  # no anomaly mode: nan gradients, no error
        assert not [w for w in caught if w.category is UserWarning], lib.__name__


def test_forward_stacks_are_kept_only_while_anomaly_mode_is_on() -> None:
    assert not _primitive.anomaly_active
    x = ag.ones(2, requires_grad=True)
    with ag.autograd.set_detect_anomaly(True):
        assert _primitive.anomaly_active and _primitive.rare_modes
        inside = x * 2
    outside = x * 2
    assert not _primitive.anomaly_active
    assert "forward_stack" in inside.grad_fn.__dict__
    assert "forward_stack" not in outside.grad_fn.__dict__
