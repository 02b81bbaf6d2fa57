"""``torch.distributions.kumaraswamy``'s import path for ``Kumaraswamy``, which arraygrad defines
in ``arraygrad.distributions.transformed_families``."""

from arraygrad.distributions.transformed_families import Kumaraswamy

__all__ = ["Kumaraswamy"]
