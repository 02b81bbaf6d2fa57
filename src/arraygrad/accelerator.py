"""``arraygrad.accelerator``: ``torch.accelerator``, the device-agnostic questions (``device =
torch.accelerator.current_accelerator() or "cpu"``). arraygrad's accelerator is the GPU its array
library computes on (CuPy's); on NumPy there is none, and the calls that need one raise
PyTorch's RuntimeError.

>>> import arraygrad
>>> arraygrad.accelerator.is_available(), arraygrad.accelerator.current_accelerator()
(False, None)
"""

from __future__ import annotations

from typing import Any

from arraygrad import _device
from arraygrad import cuda as _cuda

__all__ = [
    "current_accelerator",
    "current_device_index",
    "device_count",
    "is_available",
    "set_device_index",
    "synchronize",
]


def _require() -> _device.device:
    """The device arraygrad computes on, when it is an accelerator."""
    here = _device.current()
    if here.type == "cpu":
        raise RuntimeError("Cannot access accelerator device when none is available.")
    return here


def is_available() -> bool:
    """Whether arraygrad computes on an accelerator (a GPU, on CuPy)."""
    return _cuda.is_available()


def current_accelerator(check_available: bool = False) -> _device.device | None:
    """The accelerator's device type (``device(type='cuda')``), or ``None`` without one."""
    here = _device.current()
    return None if here.type == "cpu" else _device.device(here.type)


def device_count() -> int:
    """How many accelerator devices there are (0 on NumPy)."""
    return _cuda.device_count()


def current_device_index() -> int:
    """The index of the GPU arraygrad computes on; a RuntimeError without one."""
    return _require().index or 0


def set_device_index(device: Any) -> None:
    """Compute on GPU ``device``: accepted when it is the one arraygrad computes on (arrays
    stay on their library's device); a RuntimeError without an accelerator."""
    here = _require()
    _device.check_reachable(
        _device.device(here.type, device) if device.__class__ is int else device
    )


def synchronize(device: Any = None) -> None:
    """Wait for the accelerator's queued work; a RuntimeError without an accelerator."""
    _require()
    _cuda.synchronize(device)
