"""``torch.distributions.exponential``'s import path for ``Exponential``, which arraygrad defines
in ``arraygrad.distributions.continuous``."""

from arraygrad.distributions.continuous import Exponential

__all__ = ["Exponential"]
