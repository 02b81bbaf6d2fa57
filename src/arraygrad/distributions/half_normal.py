"""``torch.distributions.half_normal``'s import path for ``HalfNormal``, which arraygrad defines in
``arraygrad.distributions.folded``."""

from arraygrad.distributions.folded import HalfNormal

__all__ = ["HalfNormal"]
