"""``arraygrad.backends.openmp``: whether OpenMP parallelises the kernels. arraygrad's own code
is plain Python over its array library, which threads as it was built (NumPy's BLAS picks its
own threads), so OpenMP is not available to arraygrad.

>>> import arraygrad
>>> arraygrad.backends.openmp.is_available()
False
"""

from __future__ import annotations

__all__ = ["is_available"]


def is_available() -> bool:
    """False: arraygrad has no OpenMP-parallel kernels of its own."""
    return False
