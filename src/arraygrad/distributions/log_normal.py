"""``torch.distributions.log_normal``'s import path for ``LogNormal``, which arraygrad defines in
``arraygrad.distributions.continuous``."""

from arraygrad.distributions.continuous import LogNormal

__all__ = ["LogNormal"]
