"""``torch.distributions.multivariate_normal``'s import path for ``MultivariateNormal``, which
arraygrad defines in ``arraygrad.distributions.multivariate``."""

from arraygrad.distributions.multivariate import MultivariateNormal

__all__ = ["MultivariateNormal"]
