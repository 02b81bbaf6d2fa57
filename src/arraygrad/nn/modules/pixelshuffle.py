"""``PixelShuffle`` and ``PixelUnshuffle``: moving channels into space and back."""

from __future__ import annotations

from arraygrad._tensor import Tensor
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's convention
from arraygrad.nn.modules.module import Module

__all__ = ["PixelShuffle", "PixelUnshuffle"]


class PixelShuffle(Module):
    """``(*, C r^2, H, W)`` to ``(*, C, H r, W r)`` (see :func:`functional.pixel_shuffle`).

    >>> import arraygrad
    >>> PixelShuffle(2)(arraygrad.zeros(1, 8, 3, 3)).shape
    arraygrad.Size([1, 2, 6, 6])
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """``(*, C, H r, W r)`` to ``(*, C r^2, H, W)``, the inverse of :class:`PixelShuffle`.

    Output channel ``c r^2 + i r + j`` holds the pixels at offset ``(i, j)`` of each
    ``r x r`` block of input channel ``c``.

    >>> import arraygrad
    >>> arraygrad.nn.PixelUnshuffle(2)(arraygrad.zeros(1, 2, 6, 4)).shape
    arraygrad.Size([1, 8, 3, 2])
    >>> arraygrad.nn.PixelUnshuffle(2)(arraygrad.arange(4.0).reshape(1, 1, 2, 2)).flatten()
    tensor([0., 1., 2., 3.])
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
