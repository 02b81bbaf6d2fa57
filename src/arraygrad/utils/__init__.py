"""Utilities with the layout of ``torch.utils``: :mod:`arraygrad.utils.data` and
:mod:`arraygrad.utils.checkpoint`."""

from __future__ import annotations

from arraygrad.utils import checkpoint, data

__all__ = ["checkpoint", "data"]
