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


def _cpu_amp(lib: Any) -> list[Any]:
    """What the deprecated ``cpu.amp`` spellings warn and make, and what they do."""
    import warnings

    out: list[Any] = []
    for make in (
        lambda: lib.cpu.amp.autocast(),
        lambda: lib.cpu.amp.autocast(dtype=lib.float16, enabled=True),
        lambda: lib.cpu.amp.autocast(False),
        lambda: lib.cpu.amp.GradScaler(),
        lambda: lib.cpu.amp.GradScaler(8.0, enabled=False),
    ):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            made = make()
        seen = [[(w.category.__name__, str(w.message), w.filename) for w in caught]]
        if isinstance(made, lib.amp.autocast):
            with made:
                product = lib.ones(2, 2) @ lib.ones(2, 2)
            seen += [made.device, str(made.fast_dtype).split(".")[1], str(product.dtype)[-8:]]
        else:
            assert isinstance(made, lib.amp.GradScaler)
            seen += [made.is_enabled(), made.get_scale(), made.state_dict()]
        out.append(seen)
    return out


def test_cpu_amp_is_torchs_deprecated_spelling() -> None:
    # arraygrad.cpu was a module without amp: arraygrad.cpu.amp raised AttributeError.
    assert _cpu_amp(ag) == _cpu_amp(torch)
    assert ag.cpu.amp.autocast_mode.autocast is ag.cpu.amp.autocast
    assert ag.cpu.amp.grad_scaler.GradScaler is ag.cpu.amp.GradScaler
    assert "amp" not in ag.cpu.__all__ and "amp" not in torch.cpu.__all__
