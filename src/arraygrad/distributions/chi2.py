"""``torch.distributions.chi2``'s import path for ``Chi2``, which arraygrad defines in
``arraygrad.distributions.gamma``."""

from arraygrad.distributions.gamma import Chi2

__all__ = ["Chi2"]
