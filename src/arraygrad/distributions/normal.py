"""``torch.distributions.normal``'s import path for ``Normal``, which arraygrad defines in
``arraygrad.distributions.continuous``."""

from arraygrad.distributions.continuous import Normal

__all__ = ["Normal"]
