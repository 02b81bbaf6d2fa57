"""``torch.distributions.independent``'s import path for ``Independent``, which arraygrad defines
in ``arraygrad.distributions.multivariate``."""

from arraygrad.distributions.multivariate import Independent

__all__ = ["Independent"]
