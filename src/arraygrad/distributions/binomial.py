"""``torch.distributions.binomial``'s import path for ``Binomial``, which arraygrad defines in
``arraygrad.distributions.counts``."""

from arraygrad.distributions.counts import Binomial

__all__ = ["Binomial"]
