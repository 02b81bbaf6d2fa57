"""``torch.distributions.beta``'s import path for ``Beta``, which arraygrad defines in
``arraygrad.distributions.gamma``."""

from arraygrad.distributions.gamma import Beta

__all__ = ["Beta"]
