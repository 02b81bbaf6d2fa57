"""Questions about a tensor answered with Python values: ``numel``, ``is_tensor``,
``is_floating_point``, ``is_complex``, ``is_nonzero``."""

from __future__ import annotations

from typing import Any

from arraygrad._arguments import require_tensor
from arraygrad._tensor import Tensor

__all__ = ["is_complex", "is_floating_point", "is_nonzero", "is_tensor", "numel"]


def numel(input: Tensor) -> int:
    """The number of elements, the product of the sizes (1 for a 0-d tensor).

    >>> import arraygrad
    >>> arraygrad.numel(arraygrad.zeros(2, 3))
    6
    """
    return require_tensor("numel", "input", 1, input).numel()


def is_tensor(obj: Any) -> bool:
    """True when ``obj`` is an arraygrad Tensor (or a subclass, such as ``nn.Parameter``).

    >>> import arraygrad
    >>> arraygrad.is_tensor(arraygrad.tensor(1.0)), arraygrad.is_tensor(1.0)
    (True, False)
    """
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    """True when ``input``'s dtype is float16, float32 or float64.

    >>> import arraygrad
    >>> arraygrad.is_floating_point(arraygrad.tensor([1, 2]))
    False
    """
    return require_tensor("is_floating_point", "input", 1, input).dtype.is_floating_point


def is_complex(input: Tensor) -> bool:
    """True when ``input``'s dtype is complex64 or complex128.

    >>> import arraygrad
    >>> arraygrad.is_complex(arraygrad.tensor([1.0])), arraygrad.is_complex(arraygrad.tensor(1j))
    (False, True)
    """
    return require_tensor("is_complex", "input", 1, input).dtype.is_complex


def is_nonzero(input: Tensor) -> bool:
    """True when the single element of ``input`` is not zero (NaN counts as nonzero).

    >>> import arraygrad
    >>> arraygrad.is_nonzero(arraygrad.tensor([0.5]))
    True
    """
    count = require_tensor("is_nonzero", "input", 1, input).numel()
    if count == 0:
        raise RuntimeError(
            f"Boolean value of Tensor with no values is ambiguous (shape {list(input.shape)}). "
            "Fix: is_nonzero needs a tensor of exactly one element."
        )
    if count > 1:
        raise RuntimeError(
            f"Boolean value of Tensor with more than one value is ambiguous (shape "
            f"{list(input.shape)}). Fix: use .any() or .all(), or pass a one-element tensor."
        )
    return bool(input.item())
