"""``torch.distributions.dirichlet``'s import path for ``Dirichlet``, which arraygrad defines in
``arraygrad.distributions.gamma``."""

from arraygrad.distributions.gamma import Dirichlet

__all__ = ["Dirichlet"]
