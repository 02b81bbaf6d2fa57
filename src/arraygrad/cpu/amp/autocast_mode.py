"""``arraygrad.cpu.amp.autocast``: deprecated, ``arraygrad.amp.autocast("cpu", ...)``."""

from __future__ import annotations

import warnings

from arraygrad import _dtype
from arraygrad.amp import autocast_mode

__all__ = ["autocast"]


class autocast(autocast_mode.autocast):  # noqa: N801 - PyTorch's name
    """Deprecated: use ``arraygrad.amp.autocast("cpu", ...)``, which this is (bfloat16 by
    default, as PyTorch's CPU autocast)."""

    def __init__(
        self,
        enabled: bool = True,
        dtype: _dtype.dtype = _dtype.bfloat16,
        cache_enabled: bool = True,
    ) -> None:
        warnings.warn(
            "`torch.cpu.amp.autocast(args...)` is deprecated. Please use "
            "`torch.amp.autocast('cpu', args...)` instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__("cpu", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)
