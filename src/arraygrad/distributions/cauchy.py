"""``torch.distributions.cauchy``'s import path for ``Cauchy``, which arraygrad defines in
``arraygrad.distributions.folded``."""

from arraygrad.distributions.folded import Cauchy

__all__ = ["Cauchy"]
