"""``torch.distributions.pareto``'s import path for ``Pareto``, which arraygrad defines in
``arraygrad.distributions.transformed_families``."""

from arraygrad.distributions.transformed_families import Pareto

__all__ = ["Pareto"]
