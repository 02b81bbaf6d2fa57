"""``torch.distributions.inverse_gamma``'s import path for ``InverseGamma``, which arraygrad
defines in ``arraygrad.distributions.transformed_families``."""

from arraygrad.distributions.transformed_families import InverseGamma

__all__ = ["InverseGamma"]
