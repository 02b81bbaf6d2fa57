"""``torch.distributions.mixture_same_family``'s import path for ``MixtureSameFamily``, which
arraygrad defines in ``arraygrad.distributions.mixture``."""

from arraygrad.distributions.mixture import MixtureSameFamily

__all__ = ["MixtureSameFamily"]
