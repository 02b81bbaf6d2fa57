"""``arraygrad.signal``: signal processing, as ``torch.signal``: the window functions of
:mod:`arraygrad.signal.windows`."""

from __future__ import annotations

from arraygrad.signal import windows

__all__ = ["windows"]
