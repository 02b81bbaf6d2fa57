"""``torch.distributions.laplace``'s import path for ``Laplace``, which arraygrad defines in
``arraygrad.distributions.continuous``."""

from arraygrad.distributions.continuous import Laplace

__all__ = ["Laplace"]
