"""``torch.autograd.grad_mode``'s import path for the gradient-mode switches, which arraygrad
defines in ``arraygrad._grad_mode``."""

from arraygrad._grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled

__all__ = ["enable_grad", "inference_mode", "no_grad", "set_grad_enabled"]
