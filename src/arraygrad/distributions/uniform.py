"""``torch.distributions.uniform``'s import path for ``Uniform``, which arraygrad defines in
``arraygrad.distributions.continuous``."""

from arraygrad.distributions.continuous import Uniform

__all__ = ["Uniform"]
