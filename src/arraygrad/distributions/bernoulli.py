"""``torch.distributions.bernoulli``'s import path for ``Bernoulli``, which arraygrad defines in
``arraygrad.distributions.discrete``."""

from arraygrad.distributions.discrete import Bernoulli

__all__ = ["Bernoulli"]
