"""``arraygrad.cpu``: the device calls of ``torch.cpu``, for code written once for any device
(``getattr(torch, device_type).synchronize()``). There is one CPU, always available; its work
is done when a call returns, so there is nothing to wait for.

>>> import arraygrad
>>> arraygrad.cpu.is_available(), arraygrad.cpu.device_count(), arraygrad.cpu.current_device()
(True, 1, 'cpu')
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "current_device",
    "device_count",
    "is_available",
    "is_initialized",
    "set_device",
    "synchronize",
]


def is_available() -> bool:
    """True: the CPU is always there (to know where arraygrad computes, ask
    ``arraygrad.cuda.is_available()``)."""
    return True


def is_initialized() -> bool:
    """True: the CPU needs no initialising."""
    return True


def device_count() -> int:
    """1: PyTorch counts the CPU as one device."""
    return 1


def current_device() -> str:
    """``"cpu"``, the name PyTorch returns."""
    return "cpu"


def set_device(device: Any) -> None:
    """Does nothing, as in PyTorch: there is one CPU."""


def synchronize(device: Any = None) -> None:
    """Returns at once: CPU work is finished when the call that did it returns."""


# PyTorch's deprecated spellings of CPU mixed precision (torch.cpu.amp); outside __all__, as in
# PyTorch. Imported last: it builds on arraygrad.amp.
from arraygrad.cpu import amp as amp  # noqa: E402
