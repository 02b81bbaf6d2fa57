"""``torch.distributions.half_cauchy``'s import path for ``HalfCauchy``, which arraygrad defines in
``arraygrad.distributions.folded``."""

from arraygrad.distributions.folded import HalfCauchy

__all__ = ["HalfCauchy"]
