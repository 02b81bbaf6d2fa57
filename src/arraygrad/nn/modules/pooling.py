"""Pooling modules: max, average, adaptive average and adaptive max pooling and max unpooling
in 1, 2 and 3 dimensions, LP (power-average) and fractional max pooling."""

from __future__ import annotations

from typing import Any

from arraygrad._tensor import Tensor
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's convention
from arraygrad.nn.modules.module import Module

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "FractionalMaxPool2d",
    "FractionalMaxPool3d",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "MaxUnpool1d",
    "MaxUnpool2d",
    "MaxUnpool3d",
]


class _MaxPoolNd(Module):
    """The window arguments max pooling layers share (PyTorch's ``_MaxPoolNd``)."""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool2d(_MaxPoolNd):
    """The maximum over each ``kernel_size`` window (``stride`` defaults to the kernel size).

    >>> import arraygrad
    >>> MaxPool2d(2)(arraygrad.arange(16.0).reshape(1, 1, 4, 4)).tolist()
    [[[[5.0, 7.0], [13.0, 15.0]]]]
    """

    def forward(self, input: Tensor) -> Any:
        return F.max_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )


class _AvgPoolNd(Module):
    """The base of the average pooling layers (PyTorch's ``_AvgPoolNd``), with the arguments
    of the 2-D and 3-D ones (``AvgPool1d`` has no ``divisor_override``)."""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_AvgPoolNd):
    """The mean over each ``kernel_size`` window (``stride`` defaults to the kernel size).

    ``(N, C, H, W)`` or ``(C, H, W)`` to ``H_out = floor((H + 2 padding - kernel) / stride) + 1``
    (likewise ``W``; ``ceil_mode`` rounds up). ``count_include_pad=False`` leaves the padding
    out of the divisor; ``divisor_override`` replaces the divisor.

    >>> import arraygrad
    >>> arraygrad.nn.AvgPool2d(2)(arraygrad.arange(16.0).reshape(1, 1, 4, 4))
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )


class _AdaptiveAvgPoolNd(Module):
    """Average pooling whose windows are chosen to give ``output_size``."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average pooling whose windows are chosen to give ``output_size`` (``None`` keeps a size).

    Output cell ``i`` of a dimension of size ``L`` averages input positions
    ``floor(i L / out)`` to ``ceil((i + 1) L / out) - 1``, so windows may overlap.
    ``(N, C, H, W)`` or ``(C, H, W)`` to ``(N, C, *output_size)``; floating-point input only.

    >>> import arraygrad
    >>> arraygrad.nn.AdaptiveAvgPool2d((1, 1))(arraygrad.zeros(8, 64, 7, 9)).shape
    arraygrad.Size([8, 64, 1, 1])
    >>> arraygrad.nn.AdaptiveAvgPool2d((None, 2))(arraygrad.arange(8.0).reshape(1, 2, 4))
    tensor([[[0.5000, 2.5000],
             [4.5000, 6.5000]]])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)


def _single(value: Any) -> tuple[Any, ...]:
    """PyTorch's ``_single``: a sequence as a tuple, anything else as a 1-tuple."""
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


class MaxPool1d(_MaxPoolNd):
    """The maximum over each ``kernel_size`` window of the last dimension (``stride`` defaults
    to the kernel size).

    >>> import arraygrad
    >>> MaxPool1d(2)(arraygrad.tensor([[1.0, 3.0, 2.0, 0.0]])).tolist()
    [[3.0, 2.0]]
    """

    def forward(self, input: Tensor) -> Any:
        return F.max_pool1d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )


class AvgPool1d(_AvgPoolNd):
    """The mean over each ``kernel_size`` window of the last dimension (``stride`` defaults to
    the kernel size).

    ``(N, C, L)`` or ``(C, L)`` to ``L_out = floor((L + 2 padding - kernel) / stride) + 1``
    (``ceil_mode`` rounds up); ``padding`` is at most half the kernel. Zero padding counts in
    the divisor unless ``count_include_pad=False``.

    >>> import arraygrad
    >>> arraygrad.nn.AvgPool1d(2)(arraygrad.tensor([[1.0, 3.0, 2.0, 6.0, 9.0]]))
    tensor([[2., 4.]])
    >>> arraygrad.nn.AvgPool1d(2, padding=1)(arraygrad.tensor([[1.0, 3.0, 2.0, 6.0]]))
    tensor([[0.5000, 2.5000, 3.0000]])
    """

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        Module.__init__(self)  # not _AvgPoolNd's: the sizes are tuples, no divisor_override
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool1d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Average pooling of the last dimension to ``output_size`` positions.

    Output ``i`` averages input positions ``floor(i L / out)`` to ``ceil((i + 1) L / out) - 1``.
    ``(N, C, L)`` or ``(C, L)`` to ``(N, C, output_size)``; floating-point input only.

    >>> import arraygrad
    >>> arraygrad.nn.AdaptiveAvgPool1d(2)(arraygrad.tensor([[1.0, 2.0, 3.0, 4.0, 5.0]]))
    tensor([[2., 4.]])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool1d(input, self.output_size)


class _AdaptiveMaxPoolNd(Module):
    """Max pooling whose windows are chosen to give ``output_size``; with ``return_indices``
    also each maximum's index."""

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Adaptive max pooling of the last dimension (see :func:`functional.adaptive_max_pool1d`).

    Output ``i`` is the maximum of input positions ``floor(i L / out)`` to
    ``ceil((i + 1) L / out) - 1``; with ``return_indices`` also its position (the first of tied
    maxima, which alone gets the gradient). ``(N, C, L)`` or ``(C, L)`` to ``(N, C, out)``.

    >>> import arraygrad
    >>> pool = arraygrad.nn.AdaptiveMaxPool1d(2, return_indices=True)
    >>> pool(arraygrad.tensor([[1.0, 5.0, 3.0, 4.0, 2.0]]))
    (tensor([[5., 4.]]), tensor([[1, 3]]))
    """

    def forward(self, input: Tensor) -> Any:
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Adaptive max pooling of the last two dimensions (``None`` in ``output_size`` keeps a
    size; see :func:`functional.adaptive_max_pool2d`).

    >>> import arraygrad
    >>> AdaptiveMaxPool2d(1)(arraygrad.arange(4.0).reshape(1, 2, 2)).tolist()
    [[[3.0]]]
    """

    def forward(self, input: Tensor) -> Any:
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class _MaxUnpoolNd(Module):
    """Max unpooling: values back at the indices max pooling returned."""

    n = 2

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size = self._tuple(kernel_size)
        self.stride = self._tuple(stride if stride is not None else kernel_size)
        self.padding = self._tuple(padding)

    def _tuple(self, value: Any) -> tuple[Any, ...]:
        # PyTorch's _single / _pair: a sequence as a tuple, a number repeated.
        return tuple(value) if isinstance(value, (list, tuple)) else (value,) * self.n

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of :class:`MaxPool1d` (see :func:`functional.max_unpool1d`).

    Zeros of length ``(L - 1) stride - 2 padding + kernel_size`` (or ``output_size``) with each
    value put back at the index :class:`MaxPool1d` returned; the non-maximal values are lost.

    >>> import arraygrad
    >>> pool = arraygrad.nn.MaxPool1d(2, return_indices=True)
    >>> out, indices = pool(arraygrad.tensor([[1.0, 4.0, 3.0, 2.0]]))
    >>> arraygrad.nn.MaxUnpool1d(2)(out, indices)
    tensor([[0., 4., 3., 0.]])
    """

    n = 1

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        return F.max_unpool1d(
            input, indices, self.kernel_size, self.stride, self.padding, output_size
        )


class MaxUnpool2d(_MaxUnpoolNd):
    """The partial inverse of :class:`MaxPool2d`: zeros with each value at its index.

    >>> import arraygrad
    >>> pool, unpool = MaxPool2d(2, return_indices=True), MaxUnpool2d(2)
    >>> unpool(*pool(arraygrad.tensor([[[1.0, 4.0], [3.0, 2.0]]]))).tolist()
    [[[0.0, 4.0], [0.0, 0.0]]]
    """

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        return F.max_unpool2d(
            input, indices, self.kernel_size, self.stride, self.padding, output_size
        )


class MaxPool3d(_MaxPoolNd):
    """The maximum over each ``kernel_size`` window of the last three dimensions (``stride``
    defaults to the kernel size).

    >>> import arraygrad
    >>> MaxPool3d(2)(arraygrad.arange(8.0).reshape(1, 2, 2, 2)).tolist()
    [[[[7.0]]]]
    """

    def forward(self, input: Tensor) -> Any:
        return F.max_pool3d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )


class AvgPool3d(_AvgPoolNd):
    """The mean over each ``kernel_size`` window of the last three dimensions (``stride``
    defaults to the kernel size; see :func:`functional.avg_pool3d`).

    ``(N, C, D, H, W)`` or ``(C, D, H, W)``; each size becomes
    ``floor((in + 2 padding - kernel) / stride) + 1``.

    >>> import arraygrad
    >>> arraygrad.nn.AvgPool3d(2)(arraygrad.arange(8.0).reshape(1, 1, 2, 2, 2))
    tensor([[[[[3.5000]]]]])
    >>> arraygrad.nn.AvgPool3d(2, stride=1)(arraygrad.zeros(1, 2, 4, 5, 6)).shape
    arraygrad.Size([1, 2, 3, 4, 5])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool3d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """Average pooling of the last three dimensions to ``output_size`` (``None`` keeps a
    size).

    Windows as in :class:`AdaptiveAvgPool1d`, per dimension. ``(N, C, D, H, W)`` or
    ``(C, D, H, W)`` to ``(N, C, *output_size)``.

    >>> import arraygrad
    >>> arraygrad.nn.AdaptiveAvgPool3d((2, None, 1))(arraygrad.zeros(1, 3, 5, 6, 7)).shape
    arraygrad.Size([1, 3, 2, 6, 1])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Adaptive max pooling of the last three dimensions (see
    :func:`functional.adaptive_max_pool3d`).

    Windows as in :class:`AdaptiveMaxPool1d`, per dimension (``None`` keeps a size).
    ``(N, C, D, H, W)`` or ``(C, D, H, W)`` to ``(N, C, *output_size)``.

    >>> import arraygrad
    >>> arraygrad.nn.AdaptiveMaxPool3d((2, 3, None))(arraygrad.zeros(1, 3, 5, 6, 7)).shape
    arraygrad.Size([1, 3, 2, 3, 7])
    """

    def forward(self, input: Tensor) -> Any:
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of :class:`MaxPool3d` (see :func:`functional.max_unpool3d`).

    Zeros of the pre-pooling size (or ``output_size``) with each value back at the flat index
    :class:`MaxPool3d` returned for it.

    >>> import arraygrad
    >>> pool = arraygrad.nn.MaxPool3d(2, return_indices=True)
    >>> out, indices = pool(arraygrad.arange(8.0).reshape(1, 1, 2, 2, 2))
    >>> arraygrad.nn.MaxUnpool3d(2)(out, indices).flatten()
    tensor([0., 0., 0., 0., 0., 0., 0., 7.])
    """

    n = 3

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        return F.max_unpool3d(
            input, indices, self.kernel_size, self.stride, self.padding, output_size
        )


class _LPPoolNd(Module):
    """Power-average pooling: the ``norm_type``-norm of each window (no padding; ``stride``
    defaults to ``kernel_size``)."""

    def __init__(
        self,
        norm_type: float,
        kernel_size: Any,
        stride: Any = None,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, ceil_mode={self.ceil_mode}"
        )

    def _pool(self, pool: Any, input: Tensor) -> Tensor:
        # norm_type a float, as PyTorch passes it: an int power keeps int input int (floored)
        return pool(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool1d(_LPPoolNd):
    """LP pooling of the last dimension (see :func:`functional.lp_pool1d`).

    >>> import arraygrad
    >>> LPPool1d(2, 2)(arraygrad.tensor([[3.0, 4.0]])).tolist()
    [[5.0]]
    """

    def forward(self, input: Tensor) -> Tensor:
        return self._pool(F.lp_pool1d, input)


class LPPool2d(_LPPoolNd):
    """LP pooling of the last two dimensions (see :func:`functional.lp_pool2d`).

    Each window gives ``(sum of x^p) ** (1 / p)``, ``p = norm_type``: ``x^p``, not ``|x|^p``, so
    an odd ``p`` sums signed values, as in PyTorch. An all-zero window gets gradient 0.
    ``(N, C, H, W)`` or ``(C, H, W)``; no padding, ``stride`` defaults to the kernel size.

    >>> import arraygrad
    >>> arraygrad.nn.LPPool2d(2, 2)(arraygrad.tensor([[[[3.0, -4.0], [0.0, 0.0]]]]))
    tensor([[[[5.]]]])
    """

    def forward(self, input: Tensor) -> Tensor:
        return self._pool(F.lp_pool2d, input)


class LPPool3d(_LPPoolNd):
    """LP pooling of the last three dimensions (see :func:`functional.lp_pool3d`).

    Each window gives ``(sum of x^p) ** (1 / p)``, as :class:`LPPool2d`. ``(N, C, D, H, W)`` or
    ``(C, D, H, W)``; no padding, ``stride`` defaults to the kernel size.

    >>> import arraygrad
    >>> arraygrad.nn.LPPool3d(2, 2)(arraygrad.ones(1, 1, 2, 2, 2))
    tensor([[[[[2.8284]]]]])
    """

    def forward(self, input: Tensor) -> Tensor:
        return self._pool(F.lp_pool3d, input)


class _FractionalMaxPoolNd(Module):
    """The arguments both fractional max pooling layers check (as PyTorch's classes do)."""

    n = 2

    def __init__(
        self,
        kernel_size: Any,
        output_size: Any = None,
        output_ratio: Any = None,
        return_indices: bool = False,
        _random_samples: Tensor | None = None,
    ) -> None:
        super().__init__()
        n = self.n
        if self.n == 3 and any(k <= 0 for k in self._tuple(kernel_size)):
            raise ValueError(
                f"kernel_size must be greater than 0, but got {kernel_size}"
                ". Fix: pass kernel_size >= 1 in every dimension."
            )
        self.kernel_size = self._tuple(kernel_size)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = self._tuple(output_size) if output_size is not None else None
        self.output_ratio = self._tuple(output_ratio) if output_ratio is not None else None
        if output_size is None and output_ratio is None:
            raise ValueError(
                f"FractionalMaxPool{n}d requires specifying either an output size, or a pooling "
                "ratio"
                ". Fix: pass output_size=... or output_ratio=... (e.g. output_ratio=0.5)."
            )
        if output_size is not None and output_ratio is not None:
            raise ValueError(
                "only one of output_size and output_ratio may be specified"
                f" (got output_size={output_size}, output_ratio={output_ratio}). Fix: drop one "
                "of them."
            )
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio[:n]):
            raise ValueError(
                f"output_ratio must be between 0 and 1 (got {output_ratio})"
                ". Fix: pass ratios in (0, 1), e.g. output_ratio=0.5."
            )

    def _tuple(self, value: Any) -> tuple[Any, ...]:
        # PyTorch's _pair / _triple: a sequence as a tuple, a number repeated.
        return tuple(value) if isinstance(value, (list, tuple)) else (value,) * self.n

    def forward(self, input: Tensor) -> Any:
        pool = F.fractional_max_pool2d if self.n == 2 else F.fractional_max_pool3d
        return pool(
            input,
            self.kernel_size,
            self.output_size,
            self.output_ratio,
            self.return_indices,
            _random_samples=self._random_samples,
        )


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """Fractional max pooling of the last two dimensions (see
    :func:`functional.fractional_max_pool2d`); ``_random_samples (N, C, 2)`` fixes the steps.

    >>> import arraygrad
    >>> FractionalMaxPool2d(2, output_ratio=0.5)(arraygrad.zeros(1, 3, 8, 8)).shape
    arraygrad.Size([1, 3, 4, 4])
    """


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """Fractional max pooling of the last three dimensions (see
    :func:`functional.fractional_max_pool3d`).

    Maxima over ``kernel_size`` windows at pseudo-random steps chosen to give ``output_size``
    (or ``output_ratio`` times the input size, each ratio in (0, 1)); ``_random_samples
    (N, C, 3)`` fixes the steps. ``(N, C, D, H, W)`` or ``(C, D, H, W)``.

    >>> import arraygrad
    >>> pool = arraygrad.nn.FractionalMaxPool3d(2, output_ratio=0.5)
    >>> pool(arraygrad.zeros(1, 3, 8, 8, 8)).shape
    arraygrad.Size([1, 3, 4, 4, 4])
    """

    n = 3
