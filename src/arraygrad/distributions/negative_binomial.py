"""``torch.distributions.negative_binomial``'s import path for ``NegativeBinomial``, which
arraygrad defines in ``arraygrad.distributions.counts``."""

from arraygrad.distributions.counts import NegativeBinomial

__all__ = ["NegativeBinomial"]
