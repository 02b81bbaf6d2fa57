"""``torch.distributions.multinomial``'s import path for ``Multinomial``, which arraygrad defines
in ``arraygrad.distributions.counts``."""

from arraygrad.distributions.counts import Multinomial

__all__ = ["Multinomial"]
