"""``arraygrad.cuda.amp``: PyTorch's older, deprecated spelling of the CUDA mixed-precision
API. ``arraygrad.cuda.amp.GradScaler(...)`` is ``arraygrad.amp.GradScaler("cuda", ...)`` with
PyTorch's FutureWarning."""

from __future__ import annotations

from arraygrad.amp import grad_scaler

__all__ = ["GradScaler"]


class GradScaler(grad_scaler.DeprecatedGradScaler):
    """Deprecated: use ``arraygrad.amp.GradScaler("cuda", ...)``, which this is."""

    device_type = "cuda"
