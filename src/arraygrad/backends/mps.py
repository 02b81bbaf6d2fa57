"""``arraygrad.backends.mps``: Apple's Metal Performance Shaders. No array library arraygrad
computes on runs there, so both answers are False (``device = "mps" if
torch.backends.mps.is_available() else "cpu"`` picks the CPU).

>>> import arraygrad
>>> arraygrad.backends.mps.is_available(), arraygrad.backends.mps.is_built()
(False, False)
"""

from __future__ import annotations

__all__ = ["is_available", "is_built"]


def is_available() -> bool:
    """False: arraygrad does not compute on MPS devices."""
    return False


def is_built() -> bool:
    """False: arraygrad has no MPS support to be built with."""
    return False
