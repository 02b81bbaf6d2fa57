"""``Unfold`` and ``Fold``: sliding blocks to columns (im2col) and back (col2im)."""

from __future__ import annotations

from typing import Any

from arraygrad._tensor import Tensor
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's convention
from arraygrad.nn.modules.module import Module

__all__ = ["Fold", "Unfold"]


class Fold(Module):
    """Sum columns ``(N, C * prod(kernel_size), L)`` back into ``(N, C, *output_size)`` (see
    :func:`functional.fold`): the adjoint of :class:`Unfold`, so overlapping windows add up.

    ``L`` must be the number of windows that fit in ``output_size``; ``(C * prod(kernel_size),
    L)`` input gives ``(C, *output_size)``.

    >>> import arraygrad
    >>> fold = arraygrad.nn.Fold(output_size=(3, 3), kernel_size=2)
    >>> fold(arraygrad.ones(1, 4, 4))
    tensor([[[[1., 2., 1.],
              [2., 4., 2.],
              [1., 2., 1.]]]])
    """

    def __init__(
        self,
        output_size: Any,
        kernel_size: Any,
        dilation: Any = 1,
        padding: Any = 0,
        stride: Any = 1,
    ) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return F.fold(
            input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride
        )

    def extra_repr(self) -> str:
        return (
            f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
            f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}"
        )


class Unfold(Module):
    """The sliding blocks of ``(N, C, H, W)`` input as columns ``(N, C * prod(kernel_size),
    L)`` (see :func:`functional.unfold`).

    >>> import arraygrad
    >>> Unfold(2)(arraygrad.zeros(1, 3, 4, 4)).shape
    arraygrad.Size([1, 12, 9])
    """

    def __init__(
        self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
            f"padding={self.padding}, stride={self.stride}"
        )
