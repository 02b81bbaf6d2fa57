"""``arraygrad.mps``: ``torch.mps`` on a machine without Apple's MPS, which is how arraygrad
sees every machine (it does not compute on MPS): no devices, and the calls that need one raise
PyTorch's RuntimeError.

>>> import arraygrad
>>> arraygrad.mps.is_available(), arraygrad.mps.device_count()
(False, 0)
"""

from __future__ import annotations

__all__ = [
    "current_allocated_memory",
    "device_count",
    "driver_allocated_memory",
    "empty_cache",
    "is_available",
    "manual_seed",
    "synchronize",
]


def _unavailable(call: str) -> RuntimeError:
    return RuntimeError(f"Cannot execute {call}() without MPS backend.")


def is_available() -> bool:
    """False: arraygrad does not compute on MPS."""
    return False


def device_count() -> int:
    """0 MPS devices."""
    return 0


def synchronize() -> None:
    """Raises PyTorch's RuntimeError: there is no MPS device to wait for."""
    raise _unavailable("deviceSynchronize")


def empty_cache() -> None:
    """Raises PyTorch's RuntimeError: there is no MPS memory cache."""
    raise _unavailable("emptyCache")


def current_allocated_memory() -> int:
    """Raises PyTorch's RuntimeError: no MPS memory is allocated."""
    raise _unavailable("getCurrentAllocatedMemory")


def driver_allocated_memory() -> int:
    """Raises PyTorch's RuntimeError: there is no MPS driver."""
    raise _unavailable("getDriverAllocatedMemory")


def manual_seed(seed: int) -> None:
    """Does nothing, as PyTorch does without MPS: there is no MPS generator to seed."""
