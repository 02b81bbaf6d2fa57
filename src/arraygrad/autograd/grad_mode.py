"""PyTorch's ``torch.autograd.grad_mode``: the grad-mode context managers, under the module
path older scripts import them from (``from torch.autograd.grad_mode import no_grad``)."""

from __future__ import annotations

from arraygrad._grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled

__all__ = ["enable_grad", "inference_mode", "no_grad", "set_grad_enabled"]
