"""Utilities with the layout of ``torch.utils``: :mod:`arraygrad.utils.data`."""

from __future__ import annotations

from arraygrad.utils import data

__all__ = ["data"]
