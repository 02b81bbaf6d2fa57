"""``torch.distributions.geometric``'s import path for ``Geometric``, which arraygrad defines in
``arraygrad.distributions.counts``."""

from arraygrad.distributions.counts import Geometric

__all__ = ["Geometric"]
