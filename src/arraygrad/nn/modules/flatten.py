"""``Flatten`` and ``Unflatten``: reshape modules for use in ``Sequential``."""

from __future__ import annotations

from typing import Any

from arraygrad import _shape
from arraygrad._tensor import Tensor
from arraygrad.nn.modules.module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Merge dimensions ``start_dim`` (default 1, keeping the batch) to ``end_dim`` into one.

    ``(N, d1, ..., dk)`` to ``(N, d1 * ... * dk)`` with the defaults; a view where the strides
    allow it, as :meth:`Tensor.flatten`.

    >>> import arraygrad
    >>> arraygrad.nn.Flatten()(arraygrad.zeros(2, 3, 4, 5)).shape
    arraygrad.Size([2, 60])
    >>> arraygrad.nn.Flatten(0, 2)(arraygrad.zeros(2, 3, 4, 5)).shape
    arraygrad.Size([24, 5])
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size`` (one entry may be -1).

    >>> import arraygrad
    >>> Unflatten(1, (2, 3))(arraygrad.zeros(4, 6)).shape
    arraygrad.Size([4, 2, 3])
    """

    def __init__(self, dim: int | str, unflattened_size: Any) -> None:
        super().__init__()
        if not isinstance(dim, int):
            raise TypeError(
                "invalid argument type for dim parameter: named tensors unsupported"
                f" (got dim={dim!r}). Fix: pass dim as an int."
            )
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(
                "unflattened_size must be tuple of ints, but found type "
                f"{type(unflattened_size).__name__}"
                ". Fix: pass the sizes as a tuple, e.g. unflattened_size=(2, 3)."
            )
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        return _shape.unflatten(input, self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
