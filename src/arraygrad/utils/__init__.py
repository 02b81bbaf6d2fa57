"""Utilities with the layout of ``torch.utils``: :mod:`arraygrad.utils.data`,
:mod:`arraygrad.utils.checkpoint`, :mod:`arraygrad.utils.dlpack`, :mod:`arraygrad.utils.hooks`,
:mod:`arraygrad.utils._pytree` and :mod:`arraygrad.utils.benchmark` (imported on first use, as
``import torch`` leaves ``torch.utils.benchmark`` to ``import torch.utils.benchmark``)."""

from __future__ import annotations

from arraygrad.utils import _pytree as _pytree
from arraygrad.utils import checkpoint, data, dlpack, hooks

__all__ = ["checkpoint", "data", "dlpack", "hooks"]
