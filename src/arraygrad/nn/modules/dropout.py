"""``Dropout`` and the channel-wise ``Dropout1d/2d/3d``: zero elements (or whole channels) with
probability ``p`` in training, scaling the rest by 1/(1-p)."""

from __future__ import annotations

from arraygrad._tensor import Tensor
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's convention
from arraygrad.nn.modules.module import Module

__all__ = ["AlphaDropout", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "FeatureAlphaDropout"]


class _DropoutNd(Module):
    """The dropout probability ``p`` and ``inplace`` flag the dropout layers share (PyTorch's
    ``_DropoutNd``: the channel-wise layers are not subclasses of ``Dropout``)."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(
                f"dropout probability has to be between 0 and 1, but got {p}"
                ". Fix: pass p in [0, 1], e.g. p=0.1."
            )
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Randomly zero elements (probability ``p``) while training, scaling the kept ones by
    ``1 / (1 - p)`` so that the expected value is unchanged; the identity in eval mode.

    Input ``(*)``, output the same shape. ``p`` must lie in [0, 1] (ValueError).

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> drop = arraygrad.nn.Dropout(p=0.5)
    >>> drop(arraygrad.ones(8))
    tensor([0., 0., 2., 0., 0., 0., 2., 2.])
    >>> drop.eval()(arraygrad.ones(4))
    tensor([1., 1., 1., 1.])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` input (probability ``p``) while
    training, scaling the rest by ``1 / (1 - p)``; the identity in eval mode.

    One draw per ``(sample, channel)``: for features correlated along ``L``, where element
    dropout would barely regularise. Output the input's shape.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> arraygrad.nn.Dropout1d(p=0.5)(arraygrad.ones(1, 4, 3))
    tensor([[[0., 0., 0.],
             [0., 0., 0.],
             [2., 2., 2.],
             [0., 0., 0.]]])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole channels of ``(N, C, H, W)`` input (probability ``p``) while training,
    scaling the rest by ``1 / (1 - p)``; 3-D input is read as ``(N, C, L)``, as in PyTorch.

    One draw per ``(sample, channel)``; the identity in eval mode. Output the input's shape.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> out = arraygrad.nn.Dropout2d(p=0.5)(arraygrad.ones(1, 4, 2, 2))
    >>> out.sum(dim=(2, 3))
    tensor([[0., 0., 8., 0.]])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input (probability
    ``p``) while training, scaling the rest by ``1 / (1 - p)``.

    One draw per ``(sample, channel)``; the identity in eval mode. Output the input's shape.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> out = arraygrad.nn.Dropout3d(p=0.5)(arraygrad.ones(1, 4, 2, 2, 2))
    >>> out.sum(dim=(2, 3, 4))
    tensor([[ 0.,  0., 16.,  0.]])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps SELU's zero mean and unit variance (see
    :func:`functional.alpha_dropout`); the identity in eval mode.

    A dropped element becomes ``-alpha'`` (SELU's saturation value ``-1.7581``), then every
    element moves by ``a x + b`` with ``a = ((1 - p)(1 + p alpha'^2))^(-1/2)``,
    ``b = a alpha' p``. Input ``(*)``, output the same shape; floating-point only.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> arraygrad.nn.AlphaDropout(p=0.5)(arraygrad.zeros(6))
    tensor([-0.7792, -0.7792,  0.7792, -0.7792, -0.7792, -0.7792])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """:class:`AlphaDropout` of whole channels: one draw per ``(sample, channel)`` of
    ``(N, C, *)`` input; the identity in eval mode.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> arraygrad.nn.FeatureAlphaDropout(p=0.5)(arraygrad.zeros(1, 3, 2))
    tensor([[[-0.7792, -0.7792],
             [-0.7792, -0.7792],
             [ 0.7792,  0.7792]]])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.feature_alpha_dropout(input, self.p, self.training)
