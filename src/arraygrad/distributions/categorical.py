"""``torch.distributions.categorical``'s import path for ``Categorical``, which arraygrad defines
in ``arraygrad.distributions.discrete``."""

from arraygrad.distributions.discrete import Categorical

__all__ = ["Categorical"]
