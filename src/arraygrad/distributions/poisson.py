"""``torch.distributions.poisson``'s import path for ``Poisson``, which arraygrad defines in
``arraygrad.distributions.discrete``."""

from arraygrad.distributions.discrete import Poisson

__all__ = ["Poisson"]
