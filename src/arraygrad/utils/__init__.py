"""Utilities with the layout of ``torch.utils``: :mod:`arraygrad.utils.data`,
:mod:`arraygrad.utils.checkpoint` and :mod:`arraygrad.utils.dlpack`."""

from __future__ import annotations

from arraygrad.utils import checkpoint, data, dlpack

__all__ = ["checkpoint", "data", "dlpack"]
