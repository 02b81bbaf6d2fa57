"""``arraygrad.cpu.amp``: PyTorch's older, deprecated spelling of CPU mixed precision.
``arraygrad.cpu.amp.autocast(...)`` is ``arraygrad.amp.autocast("cpu", ...)`` and
``arraygrad.cpu.amp.GradScaler(...)`` is ``arraygrad.amp.GradScaler("cpu", ...)``, each with
PyTorch's FutureWarning when made."""

from __future__ import annotations

from arraygrad.cpu.amp.autocast_mode import autocast
from arraygrad.cpu.amp.grad_scaler import GradScaler

__all__ = ["GradScaler", "autocast"]
