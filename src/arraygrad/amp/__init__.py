"""``arraygrad.amp``: PyTorch's mixed-precision API: :class:`GradScaler` (loss scaling) and
:class:`autocast` (which arraygrad honours only where PyTorch's result does not depend on its
per-operation cast lists; see :mod:`arraygrad.amp.autocast_mode`)."""

from __future__ import annotations

from arraygrad.amp.autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_available
from arraygrad.amp.grad_scaler import GradScaler

__all__ = ["GradScaler", "autocast", "custom_bwd", "custom_fwd", "is_autocast_available"]
