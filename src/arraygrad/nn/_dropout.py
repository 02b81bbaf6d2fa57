"""``dropout``, drawing its mask from arraygrad's global generator (``manual_seed``)."""

from __future__ import annotations

from arraygrad import _backend, _inplace
from arraygrad._tensor import Tensor
from arraygrad.nn._common import constant

__all__ = ["dropout"]


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the others by ``1 / (1 - p)``.

    Outside ``training`` (or with ``p = 0``) the input itself is returned; ``p = 1`` zeroes
    everything (the gradient is zero too).

    >>> import arraygrad
    >>> dropout(arraygrad.ones(3), p=0.5, training=False)
    tensor([1., 1., 1.])
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0 or input.numel() == 0:
        return input
    dtype = input._data.dtype
    if p == 1:
        noise = _backend.xp.zeros(tuple(input.shape), dtype=dtype)
    else:
        keep = _backend.random_bernoulli(1.0 - p, tuple(input.shape), dtype)
        noise = keep * _backend.xp.asarray(1.0 / (1.0 - p), dtype=dtype)
    mask = constant(noise)
    if inplace:
        return _inplace.apply(input, lambda x: x * mask)
    return input * mask
