"""``arraygrad.cuda``: what PyTorch programs ask of ``torch.cuda`` before choosing a device.

arraygrad computes on its array library's device (NumPy: the CPU), so no CUDA device is
available to it, and ``device = "cuda" if arraygrad.cuda.is_available() else "cpu"`` picks
the CPU.

>>> import arraygrad
>>> arraygrad.cuda.is_available(), arraygrad.cuda.device_count()
(False, 0)
"""

from __future__ import annotations

__all__ = ["device_count", "is_available"]


def is_available() -> bool:
    """False: arraygrad's tensors are never on a CUDA device."""
    return False


def device_count() -> int:
    """0: no CUDA device is available to arraygrad."""
    return 0
