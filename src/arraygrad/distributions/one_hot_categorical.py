"""``torch.distributions.one_hot_categorical``'s import path for ``OneHotCategorical`` and
``OneHotCategoricalStraightThrough``, which arraygrad defines in
``arraygrad.distributions.discrete``."""

from arraygrad.distributions.discrete import OneHotCategorical, OneHotCategoricalStraightThrough

__all__ = ["OneHotCategorical", "OneHotCategoricalStraightThrough"]
