"""Top-level functions PyTorch has under a second name or home: ``hardshrink``, ``prelu``,
``rrelu``, ``threshold`` and the dropouts (also in ``nn.functional``, where ``train`` is called
``training`` and has a default, and a probability outside ``[0, 1]`` is a ValueError rather
than the RuntimeError of these; ``hardshrink`` and ``threshold`` take ``out`` here only) and
``negative_`` (the in-place :func:`arraygrad.negative`)."""

from __future__ import annotations

from arraygrad._tensor import Tensor
from arraygrad.nn import functional as _functional
from arraygrad.nn._dropout import _check_probability as check_dropout_probability
from arraygrad.nn._dropout import _feature_dropout

__all__ = [
    "alpha_dropout",
    "dropout",
    "feature_alpha_dropout",
    "feature_dropout",
    "hardshrink",
    "negative_",
    "prelu",
    "rrelu",
    "rrelu_",
    "threshold",
]


def _check_probability(p: float) -> None:
    # PyTorch's top-level dropouts check p in C++: a RuntimeError, even when not training.
    check_dropout_probability(p, RuntimeError)


def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` when
    ``train``: :func:`arraygrad.nn.functional.dropout` (``train`` has no default, as in PyTorch).

    >>> import arraygrad
    >>> arraygrad.dropout(arraygrad.ones(3), 0.5, False)
    tensor([1., 1., 1.])
    """
    _check_probability(p)
    return _functional.dropout(input, p, train)


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Alpha dropout, :func:`arraygrad.nn.functional.alpha_dropout`, which keeps SELU's mean and
    variance when ``train`` (``train`` has no default, as in PyTorch).

    Each element is replaced with probability ``p`` by SELU's negative limit ``a' = -1.7581``,
    then all are mapped by ``a * x + b`` with ``a = ((1 - p) * (1 + p * a'**2)) ** -0.5`` and
    ``b = -a * a' * p``.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> arraygrad.alpha_dropout(arraygrad.ones(4), 0.5, True)
    tensor([-0.7792, -0.7792,  1.6656, -0.7792])
    """
    _check_probability(p)
    return _functional.alpha_dropout(input, p, train)


def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Zero whole channels of an ``(N, C, *)`` input with probability ``p`` (one draw per batch
    element and channel) and scale the rest by ``1 / (1 - p)`` when ``train``, as
    :func:`arraygrad.nn.functional.dropout2d` does for images, at any rank of at least 2.

    >>> import arraygrad
    >>> arraygrad.feature_dropout(arraygrad.ones(2, 3), 0.5, False).shape
    arraygrad.Size([2, 3])
    """
    _check_probability(p)
    return _feature_dropout(input, p, train, inplace=False)  # refuses 1-D when it must draw


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """:func:`arraygrad.nn.functional.feature_alpha_dropout`: alpha dropout of whole channels of an
    ``(N, C, *)`` input (one draw per batch element and channel), at least 2-D, when ``train``.

    >>> import arraygrad
    >>> arraygrad.feature_alpha_dropout(arraygrad.ones(2, 3), 0.5, False)
    tensor([[1., 1., 1.],
            [1., 1., 1.]])
    """
    _check_probability(p)
    return _functional.feature_alpha_dropout(input, p, train)


def rrelu(
    input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False
) -> Tensor:
    """Leaky ReLU with a slope drawn from ``U(lower, upper)`` per element when ``training``, else
    the mean slope ``(lower + upper) / 2``: :func:`arraygrad.nn.functional.rrelu`.

    >>> import arraygrad
    >>> arraygrad.rrelu(arraygrad.tensor([-1.0, 2.0]), 0.1, 0.3)
    tensor([-0.2000,  2.0000])
    """
    return _functional.rrelu(input, lower, upper, training)


def rrelu_(
    input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False
) -> Tensor:
    """In place: :func:`rrelu`; returns ``input``."""
    return _functional.rrelu_(input, lower, upper, training)


def hardshrink(input: Tensor, lambd: float = 0.5, *, out: Tensor | None = None) -> Tensor:
    """``input`` where ``|input| > lambd``, else 0: :func:`arraygrad.nn.functional.hardshrink`.

    >>> import arraygrad
    >>> arraygrad.hardshrink(arraygrad.tensor([-1.0, 0.3, 2.0]))
    tensor([-1.,  0.,  2.])
    """
    if out is not None:  # (of the result's dtype, as PyTorch's kernel computes in it)
        # (imported here: arraygrad imports this module first, before what _out needs)
        from arraygrad._out import written_same

        return written_same("hardshrink", out, hardshrink, input, lambd)
    return _functional.hardshrink(input, lambd)


def threshold(
    input: Tensor, threshold: float, value: float, *, out: Tensor | None = None
) -> Tensor:
    """``input`` where ``input > threshold``, else ``value``:
    :func:`arraygrad.nn.functional.threshold` (without its ``inplace``, as in PyTorch).

    >>> import arraygrad
    >>> arraygrad.threshold(arraygrad.tensor([0.5, 2.0]), 1.0, -1.0)
    tensor([-1.,  2.])
    """
    if out is not None:  # (cast into out, as PyTorch's structured kernel)
        from arraygrad._out import written

        return written("threshold", out, _functional.threshold, input, threshold, value)
    return _functional.threshold(input, threshold, value)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``max(0, x) + weight * min(0, x)``: :func:`arraygrad.nn.functional.prelu`.

    >>> import arraygrad
    >>> arraygrad.prelu(arraygrad.tensor([-2.0, 3.0]), arraygrad.tensor([0.25]))
    tensor([-0.5000,  3.0000])
    """
    return _functional.prelu(input, weight)


def negative_(input: Tensor) -> Tensor:
    """In place: ``input = -input``; returns ``input``.

    >>> import arraygrad
    >>> arraygrad.negative_(arraygrad.tensor([1.0, -2.0]))
    tensor([-1.,  2.])
    """
    return input.negative_()
