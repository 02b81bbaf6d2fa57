"""``arraygrad.backends.cpu``: the CPU's vector instruction level.

>>> import arraygrad
>>> arraygrad.backends.cpu.get_cpu_capability() in ("DEFAULT", "AVX2", "AVX512", "SVE256")
True
"""

from __future__ import annotations

from arraygrad import _backend

__all__ = ["get_cpu_capability"]


def get_cpu_capability() -> str:
    """The widest vector instructions the CPU offers, by PyTorch's names: ``"AVX512"``,
    ``"AVX2"`` or ``"DEFAULT"`` on x86, ``"SVE256"`` or ``"DEFAULT"`` on ARM (as NumPy reads
    the CPU's features)."""
    return _backend.devices.cpu_capability()
