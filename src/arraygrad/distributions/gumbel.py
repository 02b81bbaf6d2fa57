"""``torch.distributions.gumbel``'s import path for ``Gumbel``, which arraygrad defines in
``arraygrad.distributions.continuous``."""

from arraygrad.distributions.continuous import Gumbel

__all__ = ["Gumbel"]
