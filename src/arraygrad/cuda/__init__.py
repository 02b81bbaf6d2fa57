"""``arraygrad.cuda``: what PyTorch programs ask of ``torch.cuda`` before choosing a device.

arraygrad computes on its array library's device: the CPU for NumPy, the GPU for CuPy (after
``arraygrad.set_backend("cupy")``). So ``device = "cuda" if arraygrad.cuda.is_available() else
"cpu"`` picks the device arraygrad computes on, and ``.to(device)`` keeps tensors there.

>>> import arraygrad
>>> arraygrad.cuda.is_available(), arraygrad.cuda.device_count()
(False, 0)
"""

from __future__ import annotations

from arraygrad import _backend
from arraygrad._out_of_memory import OutOfMemoryError

__all__ = ["OutOfMemoryError", "amp", "device_count", "is_available", "synchronize"]


def is_available() -> bool:
    """Whether arraygrad computes on a CUDA device: True on CuPy, False on NumPy."""
    return _backend.device[0] == "cuda"


def device_count() -> int:
    """The number of CUDA devices the active array library sees (0 on NumPy)."""
    return _backend.cuda_device_count() if is_available() else 0


def synchronize(device: object = None) -> None:
    """Wait until the GPU has finished all queued work (nothing to wait for on NumPy); time
    GPU code between two calls."""
    _backend.synchronize()


# Imported last: its GradScaler asks is_available() above.
from arraygrad.cuda import amp  # noqa: E402
