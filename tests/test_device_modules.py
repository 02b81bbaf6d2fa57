"""arraygrad.cpu, arraygrad.mps and arraygrad.accelerator against torch 2.13.0 on a machine
without GPU or MPS (arraygrad on NumPy): return values and exceptions."""

from __future__ import annotations

from typing import Any

import pytest
import torch

import arraygrad as ag


def _outcome(action: Any) -> tuple[str, str]:
    try:
        return ("ok", repr(action()))
    except Exception as error:  # the class and text are what is compared
        return (type(error).__name__, str(error))


CALLS = [
    "cpu.is_available()",
    "cpu.is_initialized()",
    "cpu.device_count()",
    "cpu.current_device()",
    "cpu.synchronize()",
    "cpu.synchronize('cpu')",
    "cpu.set_device('cpu')",
    "mps.is_available()",
    "mps.device_count()",
    "mps.synchronize()",
    "mps.empty_cache()",
    "mps.current_allocated_memory()",
    "mps.driver_allocated_memory()",
    "mps.manual_seed(0)",
    "accelerator.is_available()",
    "accelerator.current_accelerator()",
    "accelerator.current_accelerator(check_available=True)",
    "accelerator.device_count()",
    "accelerator.current_device_index()",
    "accelerator.set_device_index(0)",
    "accelerator.synchronize()",
]


@pytest.mark.parametrize("call", CALLS)
def test_matches_torch_on_a_cpu_machine(call: str) -> None:
    mine = _outcome(lambda: eval(call, {}, vars(ag)))
    theirs = _outcome(lambda: eval(call, {}, vars(torch)))
    assert mine == theirs


def test_device_choice_lines_pick_the_cpu() -> None:
    device = (
        "cuda" if ag.cuda.is_available() else "mps" if ag.backends.mps.is_available() else "cpu"
    )
    assert device == "cpu"
    accelerator = ag.accelerator.current_accelerator()
    assert ag.zeros(2, device=accelerator or "cpu").device == ag.device("cpu")
