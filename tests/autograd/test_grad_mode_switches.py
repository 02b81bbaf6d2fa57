"""``arraygrad.autograd.grad_mode``'s engine switches (multithreading, view replay), vs torch."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import torch

import arraygrad as ag

# (switch, its query) in each library
SWITCHES = [
    ("set_multithreading_enabled", "is_multithreading_enabled"),
    ("_force_original_view_tracking", "is_view_replay_enabled"),
]


@pytest.mark.parametrize(("switch", "query"), SWITCHES)
@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_engine_switches_as_function_and_context_as_torch(
    lib: Any, switch: str, query: str
) -> None:
    set_flag, is_set = getattr(lib.autograd, switch), getattr(lib.autograd, query)
    default = is_set()
    assert default is (switch == "set_multithreading_enabled")  # torch's defaults
    try:
        set_flag(not default)  # a plain call switches at once
        assert is_set() is (not default)
        set_flag(default)
        with set_flag(not default) as entered:
            assert entered is None and is_set() is (not default)
            seen: list[bool] = []
            thread = threading.Thread(target=lambda: seen.append(is_set()))
            thread.start()
            thread.join()
            assert seen == [default]  # thread-local
        assert is_set() is default
        with pytest.raises(TypeError, match="argument 'enabled' \\(position 1\\) must be bool"):
            set_flag("no")
    finally:
        set_flag(default)


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_view_tracking_decorates_a_function_as_torch(lib: Any) -> None:
    @lib.autograd._force_original_view_tracking(True)
    def inside() -> bool:
        return bool(lib.autograd.is_view_replay_enabled())

    assert lib.autograd.is_view_replay_enabled() is False
    assert inside() is True
    assert lib.autograd.is_view_replay_enabled() is False


def test_multithreading_decorator_sets_the_flag_for_the_call_only() -> None:
    # (PyTorch's decorator leaves the flag its constructor set: a leak arraygrad does not copy)
    @ag.autograd.set_multithreading_enabled(False)
    def inside() -> bool:
        return ag.autograd.is_multithreading_enabled()

    assert ag.autograd.is_multithreading_enabled() is True
    assert inside() is False
    assert ag.autograd.is_multithreading_enabled() is True


def test_backward_runs_the_same_with_multithreading_off() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with ag.autograd.set_multithreading_enabled(False):
        (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]
    assert "set_multithreading_enabled" in ag.autograd.__all__
    assert "set_multithreading_enabled" in torch.autograd.__all__
