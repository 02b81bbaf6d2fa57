"""``torch.distributions.gumbel``'s import path for ``Gumbel``, which arraygrad defines in
``arraygrad.distributions.transformed_families``."""

from arraygrad.distributions.transformed_families import Gumbel

__all__ = ["Gumbel"]
