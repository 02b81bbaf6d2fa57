"""``torch.distributions.weibull``'s import path for ``Weibull``, which arraygrad defines in
``arraygrad.distributions.transformed_families``."""

from arraygrad.distributions.transformed_families import Weibull

__all__ = ["Weibull"]
