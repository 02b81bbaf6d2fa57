"""``arraygrad.cpu.amp.GradScaler``: deprecated, ``arraygrad.amp.GradScaler("cpu", ...)``."""

from __future__ import annotations

from arraygrad.amp import grad_scaler

__all__ = ["GradScaler"]


class GradScaler(grad_scaler.DeprecatedGradScaler):
    """Deprecated: use ``arraygrad.amp.GradScaler("cpu", ...)``, which this is."""

    device_type = "cpu"
