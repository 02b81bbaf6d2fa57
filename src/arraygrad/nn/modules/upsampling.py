"""``Upsample`` and its fixed-mode forms ``UpsamplingNearest2d`` and ``UpsamplingBilinear2d``."""

from __future__ import annotations

from typing import Any

from arraygrad._tensor import Tensor
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's convention
from arraygrad.nn.modules.module import Module

__all__ = ["Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d"]


class Upsample(Module):
    """Resize the spatial dimensions to ``size`` or by ``scale_factor`` with
    :func:`functional.interpolate` (``mode`` nearest, nearest-exact, linear, bilinear,
    trilinear or area).

    >>> import arraygrad
    >>> Upsample(scale_factor=2)(arraygrad.tensor([[[1.0, 2.0]]])).tolist()
    [[[1.0, 1.0, 2.0, 2.0]]]
    """

    def __init__(
        self,
        size: Any = None,
        scale_factor: Any = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        # Stored as floats, as PyTorch does (it shows in the repr: scale_factor=2.0).
        if isinstance(scale_factor, tuple):
            self.scale_factor: Any = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.interpolate(
            input,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            recompute_scale_factor=self.recompute_scale_factor,
        )

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return f"{info}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample(size, scale_factor, mode="nearest")``: each output pixel copies the input pixel
    ``floor(out_index * in_size / out_size)``.

    ``(N, C, H, W)`` to ``(N, C, H_out, W_out)``, ``size`` or ``floor(H * scale_factor)``.

    >>> import arraygrad
    >>> arraygrad.nn.UpsamplingNearest2d(scale_factor=2)(arraygrad.tensor([[[[1.0, 2.0]]]]))
    tensor([[[[1., 1., 2., 2.],
              [1., 1., 2., 2.]]]])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(size, scale_factor, mode="bilinear", align_corners=True)``: the corner pixels
    of input and output coincide, and the rest are interpolated linearly between them.

    ``(N, C, H, W)`` to ``(N, C, H_out, W_out)``, ``size`` or ``floor(H * scale_factor)``.

    >>> import arraygrad
    >>> arraygrad.nn.UpsamplingBilinear2d(scale_factor=2)(arraygrad.tensor([[[[1.0, 2.0]]]]))
    tensor([[[[1.0000, 1.3333, 1.6667, 2.0000],
              [1.0000, 1.3333, 1.6667, 2.0000]]]])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
