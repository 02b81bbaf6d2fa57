"""Helpers the families share, under ``torch.distributions.utils``' names: broadcasting
parameters, converting between probabilities and logits, parameters derived on first read,
and packing lower triangles into vectors.

>>> import arraygrad as torch
>>> from arraygrad.distributions.utils import broadcast_all, probs_to_logits
>>> broadcast_all(torch.tensor([1.0, 2.0]), 0.5)
(tensor([1., 2.]), tensor([0.5000, 0.5000]))
>>> probs_to_logits(torch.tensor([0.5, 0.5]), is_binary=True)
tensor([0., 0.])
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from functools import update_wrapper
from typing import Any

import arraygrad as ag
from arraygrad.distributions.distribution import broadcast_params, clamp_probs

__all__ = [
    "broadcast_all",
    "clamp_probs",
    "lazy_property",
    "logits_to_probs",
    "probs_to_logits",
    "tril_matrix_to_vec",
    "vec_to_tril_matrix",
]

# the Euler-Mascheroni constant, the mean of a standard Gumbel variable
euler_constant = 0.57721566490153286060


def broadcast_all(*values: Any) -> tuple[ag.Tensor, ...]:
    """``values`` (tensors and numbers) as tensors of one broadcast shape; numbers take the
    first tensor's dtype, or the default dtype when there is none.

    >>> import arraygrad
    >>> from arraygrad.distributions import utils
    >>> utils.broadcast_all(arraygrad.tensor([1.0, 2.0]), 0.5)
    (tensor([1., 2.]), tensor([0.5000, 0.5000]))
    """
    for value in values:
        if not isinstance(value, ag.Tensor | numbers.Number):
            raise ValueError(
                "Input arguments must all be instances of Number, torch.Tensor or objects "
                "implementing __torch_function__."
                f" (got {type(value).__name__}). Fix: convert it with torch.tensor(...) or "
                "float(...)."
            )
    return tuple(broadcast_params(*values)) if values else ()


def logits_to_probs(logits: ag.Tensor, is_binary: bool = False) -> ag.Tensor:
    """Probabilities from logits: the sigmoid of each (``is_binary``), or the softmax over the
    last dimension (the categories).

    >>> import arraygrad
    >>> from arraygrad.distributions import utils
    >>> utils.logits_to_probs(arraygrad.tensor([0.0, 0.0]))
    tensor([0.5000, 0.5000])
    """
    if is_binary:
        return ag.sigmoid(logits)
    return ag.softmax(logits, dim=-1)


def probs_to_logits(probs: ag.Tensor, is_binary: bool = False) -> ag.Tensor:
    """Logits from probabilities, clamped first so 0 and 1 give finite logits: ``log p -
    log(1 - p)`` (``is_binary``) or ``log p`` (categories; normalised up to a constant).

    >>> import arraygrad
    >>> from arraygrad.distributions import utils
    >>> utils.probs_to_logits(arraygrad.tensor([0.5, 1.0]), is_binary=True)
    tensor([ 0.0000, 15.9424])
    """
    clamped = clamp_probs(probs)
    if is_binary:
        return ag.log(clamped) - ag.log1p(-clamped)
    return ag.log(clamped)


class lazy_property:  # noqa: N801 - torch's name for a decorator
    """A property computed on first read and then stored on the instance (so later reads are
    plain attribute reads). It is computed with gradients enabled, whatever the caller's mode,
    so a parameter first derived inside ``no_grad`` (by ``sample``) keeps its graph.

    >>> import arraygrad
    >>> from arraygrad.distributions import utils
    >>> class Box:
    ...     @utils.lazy_property
    ...     def value(self):
    ...         print("computing")
    ...         return 42
    >>> box = Box()
    >>> box.value, box.value
    computing
    (42, 42)
    """

    def __init__(self, wrapped: Callable[[Any], Any]) -> None:
        self.wrapped = wrapped
        update_wrapper(self, wrapped)  # type: ignore[arg-type]

    def __get__(self, instance: Any, obj_type: Any = None) -> Any:
        if instance is None:
            # read on the class: a property, so documentation tools list it as one
            return _LazyPropertyOnClass(self.wrapped)
        with ag.enable_grad():
            value = self.wrapped(instance)
        # a non-data descriptor: the instance attribute now shadows it
        setattr(instance, self.wrapped.__name__, value)
        return value


class _LazyPropertyOnClass(lazy_property, property):
    """What a :class:`lazy_property` is when read on its class: a property (with the
    function's docstring) that still computes and stores the value on an instance."""

    def __init__(self, wrapped: Callable[[Any], Any]) -> None:
        property.__init__(self, wrapped, doc=wrapped.__doc__)
        lazy_property.__init__(self, wrapped)


def _lower_triangle(size: int, diag: int) -> tuple[ag.Tensor, ag.Tensor]:
    """Row and column indices of the entries of a ``size x size`` matrix on or below its
    ``diag``-th diagonal, row by row."""
    rows, cols = ag.tril_indices(size, size, diag)
    return rows, cols


def tril_matrix_to_vec(mat: ag.Tensor, diag: int = 0) -> ag.Tensor:
    """The entries of ``mat``'s (batch of) square matrices on or below the ``diag``-th diagonal,
    row by row, as the last dimension.

    >>> import arraygrad
    >>> from arraygrad.distributions import utils
    >>> utils.tril_matrix_to_vec(arraygrad.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor([1., 3., 4.])
    """
    size = mat.shape[-1]
    if not -size <= diag < size:
        raise ValueError(
            f"diag ({diag}) provided is outside [{-size}, {size - 1}]."
            f" Fix: pass diag in [{-size}, {size - 1}] for {size} x {size} matrices."
        )
    rows, cols = _lower_triangle(size, diag)
    return mat[..., rows, cols]


def _entries_below(size: int, diag: int) -> int:
    """How many entries of a ``size x size`` matrix lie on or below its ``diag``-th diagonal."""
    return sum(min(max(row + diag + 1, 0), size) for row in range(size))


def vec_to_tril_matrix(vec: ag.Tensor, diag: int = 0) -> ag.Tensor:
    """The inverse of :func:`tril_matrix_to_vec`: square matrices, zero above the ``diag``-th
    diagonal, filled row by row from the last dimension of ``vec``.

    >>> import arraygrad
    >>> from arraygrad.distributions import utils
    >>> utils.vec_to_tril_matrix(arraygrad.tensor([1.0, 3.0, 4.0]))
    tensor([[1., 0.],
            [3., 4.]])
    """
    count = vec.shape[-1]
    # the size whose triangle holds ``count`` entries; the largest when several do (a strictly
    # lower triangle of a small matrix may hold none)
    size, found = 0, None
    while _entries_below(size, diag) <= count:
        if _entries_below(size, diag) == count:
            found = size
        size += 1
    if found is None:
        raise ValueError(
            f"The size of last dimension is {count} which cannot be expressed as "
            "the lower triangular part of a square D x D matrix."
            f" Fix: pass D * (D + 1) / 2 entries (1, 3, 6, 10, ...) for diag=0, or the diag "
            f"the vector was made with (got diag={diag})."
        )
    rows, cols = _lower_triangle(found, diag)
    # scatter through a flat view of each matrix, so the gradient flows back to ``vec``
    flat = vec.new_zeros((*vec.shape[:-1], found * found))
    flat = flat.index_add(-1, rows * found + cols, vec)
    return flat.reshape((*vec.shape[:-1], found, found))
