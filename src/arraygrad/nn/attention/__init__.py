"""``arraygrad.nn.attention``: choosing the kernel of ``scaled_dot_product_attention``.

arraygrad computes attention with one formula, softmax(QKᵀ·scale + mask)V: PyTorch's *math*
backend. :func:`sdpa_kernel` sets the switches of :mod:`arraygrad.backends.cuda`
(``enable_flash_sdp``...) for the length of a ``with`` block, as PyTorch's does, and
``scaled_dot_product_attention`` then accepts or refuses a call as PyTorch does on the CPU:

- with the math backend allowed, every call computes;
- with it disallowed, PyTorch's CPU flash-attention kernel is the only other one it has, so a
  call computes (the same formula: the kernel's result differs only by rounding) where that
  kernel takes the inputs, and raises ``RuntimeError("No available kernel.  Aborting
  execution.")`` with PyTorch's warnings naming why where it does not (3-D inputs, dropout,
  broadcast batch or heads, differing head sizes...);
- with neither allowed (only the CUDA kernels), it raises PyTorch's "No viable backend" error.

``set_priority`` orders backends PyTorch tries first; on the CPU it picks the flash kernel
before the math one either way, and both give the same values, so arraygrad keeps no order.

>>> import arraygrad
>>> from arraygrad.nn.attention import SDPBackend, sdpa_kernel
>>> q = arraygrad.ones(1, 1, 2, 4)
>>> with sdpa_kernel(SDPBackend.MATH):
...     arraygrad.nn.functional.scaled_dot_product_attention(q, q, q).shape
arraygrad.Size([1, 1, 2, 4])
"""

from __future__ import annotations

import contextlib
import enum as _enum
from typing import TYPE_CHECKING

from arraygrad.backends import cuda as _cuda

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["WARN_FOR_UNFUSED_KERNELS", "SDPBackend", "sdpa_kernel"]

# PyTorch's switch for warning when a fused kernel is passed over; it is off by default there
# and arraygrad, having no fused kernels, never warns for it.
WARN_FOR_UNFUSED_KERNELS = False


class SDPBackend(_enum.Enum):
    """The backends of scaled dot product attention, with PyTorch's names and values.

    As in PyTorch, members are not ints (``SDPBackend.MATH == 0`` is False) but convert to
    one with ``int()``.
    """

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4

    def __int__(self) -> int:
        return int(self.value)

    def __index__(self) -> int:
        return int(self.value)


# Each backend's switch in arraygrad.backends.cuda (ERROR and OVERRIDEABLE have none: allowing
# only them disallows every kernel, as in PyTorch).
_SWITCH_OF = {
    SDPBackend.MATH: "math",
    SDPBackend.FLASH_ATTENTION: "flash",
    SDPBackend.EFFICIENT_ATTENTION: "mem_efficient",
    SDPBackend.CUDNN_ATTENTION: "cudnn",
}


@contextlib.contextmanager
def sdpa_kernel(
    backends: list[SDPBackend] | SDPBackend, set_priority: bool = False
) -> Iterator[dict[str, object]]:
    """Allow only ``backends`` (one or a list) in ``scaled_dot_product_attention`` inside the
    block; the switches are restored on leaving it, even through an exception."""
    if not isinstance(backends, (list, SDPBackend)):
        # PyTorch checks with an assert; an explicit raise keeps the check under ``python -O``.
        raise AssertionError(
            "Backend must be an instance of SDPBackend or a list of SDPBackend instances, "
            f"got {type(backends).__name__}"
            ". Fix: pass an SDPBackend (e.g. SDPBackend.MATH) or a list of them."
        )
    chosen = [backends] if isinstance(backends, SDPBackend) else backends
    saved = dict(_cuda._attention)
    # Membership by equality, as PyTorch tests it: entries that are not SDPBackend members
    # (the int 0, say) allow nothing.
    for backend, switch in _SWITCH_OF.items():
        _cuda._attention[switch] = backend in chosen
    try:
        yield {}
    finally:
        _cuda._attention.update(saved)
