"""``Conv1d``/``2d``/``3d`` and ``ConvTranspose1d``/``2d``/``3d`` with PyTorch's arguments,
``repr`` and default initialisation."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from arraygrad import _device
from arraygrad._creation import empty
from arraygrad._tensor import Tensor
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's convention
from arraygrad.nn import init
from arraygrad.nn.modules._elsewhere import defined_elsewhere
from arraygrad.nn.modules.module import Module
from arraygrad.nn.parameter import Parameter

__all__ = [
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
]

# PyTorch's path for the lazy convolutions, which ``lazy`` defines on these classes
_ELSEWHERE = {
    "_LazyConvXdMixin": "lazy",
    "LazyConv1d": "lazy",
    "LazyConv2d": "lazy",
    "LazyConv3d": "lazy",
    "LazyConvTranspose1d": "lazy",
    "LazyConvTranspose2d": "lazy",
    "LazyConvTranspose3d": "lazy",
}
__all__ += [name for name in _ELSEWHERE if not name.startswith("_")]


def __getattr__(name: str) -> Any:
    return defined_elsewhere(__name__, name, _ELSEWHERE)


_PADDING_STRINGS = {"same", "valid"}
_PADDING_MODES = {"zeros", "reflect", "replicate", "circular"}


def _ntuple(value: Any, n: int) -> tuple[Any, ...]:
    if isinstance(value, Iterable) and not isinstance(value, str):
        return tuple(value)
    return (value,) * n


class _ConvNd(Module):
    """Shared by the convolutions: argument checks, parameters and initialisation.

    ``weight`` has shape ``(out_channels, in_channels // groups, *kernel_size)``, or
    ``(in_channels, out_channels // groups, *kernel_size)`` when transposed; weight and
    bias are drawn as for :class:`~arraygrad.nn.Linear` (``kaiming_uniform_(a=sqrt(5))`` and
    U(-1/sqrt(fan_in), 1/sqrt(fan_in))).
    """

    _dims = 0
    _transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _device.check_placement(device)
        super().__init__()
        n = self._dims
        if groups <= 0:
            raise ValueError(
                f"groups must be a positive integer, got groups={groups}. Fix: pass groups >= 1."
            )
        if in_channels % groups != 0:
            raise ValueError(
                "in_channels must be divisible by groups"
                f" (got in_channels={in_channels}, groups={groups}). Fix: pass groups that "
                "divides in_channels (and out_channels)."
            )
        if out_channels % groups != 0:
            raise ValueError(
                "out_channels must be divisible by groups"
                f", got out_channels={out_channels} and groups={groups}. Fix: "
                "pass a groups that divides out_channels."
            )
        stride = _ntuple(stride, n)
        dilation = _ntuple(dilation, n)
        if isinstance(padding, str):
            if padding not in _PADDING_STRINGS:
                raise ValueError(
                    f"Invalid padding string {padding!r}, should be one of {_PADDING_STRINGS}"
                    ". Fix: pass padding='valid' or 'same', or the padding as int(s)."
                )
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError(
                    "padding='same' is not supported for strided convolutions"
                    f" (got stride={stride}). Fix: pass stride=1, or the padding as int(s)."
                )
        else:
            padding = _ntuple(padding, n)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {_PADDING_MODES}, but got "
                f"padding_mode='{padding_mode}'"
                ". Fix: pass padding_mode='zeros' (the default), 'reflect', 'replicate' or "
                "'circular'."
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _ntuple(kernel_size, n)
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = self._transposed
        self.output_padding = (0,) * n
        self.groups = groups
        self.padding_mode = padding_mode
        # A transposed convolution's weight is that of the convolution it transposes.
        shape = (out_channels, in_channels // groups)
        if self.transposed:
            shape = (in_channels, out_channels // groups)
        self.weight = Parameter(empty(*shape, *self.kernel_size, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw ``weight`` and ``bias`` again from PyTorch's default distributions."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def _padded(self, input: Tensor) -> tuple[Tensor, Any]:
        """The input padded by ``padding_mode`` (non-zero modes) and the padding left to do."""
        if self.padding_mode == "zeros":
            return input, self.padding
        # F.pad takes (left, right) pairs starting from the last dimension. "same" pads the
        # dilated kernel's span less one, the odd element on the right (as PyTorch). "valid"
        # still goes through F.pad, with zero sizes, as PyTorch: its check of the input's rank
        # is the error a wrongly shaped input gets.
        pads: list[int] = []
        if self.padding == "valid":
            pads = [0, 0] * len(self.kernel_size)
        elif self.padding == "same":
            # Every dimension gets a pair (zeros by default); the k-th kernel size and dilation
            # set the pair of the k-th spatial dimension. A dilation given shorter than the
            # kernel (dilation=(2,) for Conv2d) sets only the first dimensions' pairs, as in
            # PyTorch, where the convolution then takes it for every dimension.
            dims = len(self.kernel_size)
            pads = [0, 0] * dims
            for k, (size, d) in enumerate(zip(self.kernel_size, self.dilation, strict=False)):
                total = d * (size - 1)
                position = 2 * (dims - 1 - k)  # F.pad's pairs start from the last dimension
                pads[position : position + 2] = [total // 2, total - total // 2]
        else:
            for p in reversed(self.padding):
                pads += [p, p]
        return F.pad(input, pads, mode=self.padding_mode), 0

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1-D convolution (cross-correlation, no kernel flip) over inputs of shape ``(N, C_in, L)``:
    ``out[n, o, l] = bias[o] + sum_{c, k} weight[o, c, k] * x[n, c, l * stride + k * dilation]``.

    ``(N, C_in, L)`` to ``(N, C_out, L_out)`` (unbatched ``(C_in, L)`` to ``(C_out, L_out)``)
    with ``L_out = floor((L + 2 padding - dilation (kernel_size - 1) - 1) / stride) + 1``;
    ``weight`` is ``(C_out, C_in / groups, kernel_size)``. ``padding="same"`` keeps ``L``.

    >>> import arraygrad
    >>> conv = arraygrad.nn.Conv1d(2, 4, kernel_size=3, padding=1)
    >>> conv.weight.shape
    arraygrad.Size([4, 2, 3])
    >>> conv(arraygrad.zeros(8, 2, 10)).shape
    arraygrad.Size([8, 4, 10])
    """

    _dims = 1

    def forward(self, input: Tensor) -> Tensor:
        input, padding = self._padded(input)
        return F.conv1d(
            input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups
        )


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation) over inputs of shape ``(N, C_in, H, W)``.

    >>> import arraygrad
    >>> Conv2d(1, 4, 3, padding=1)(arraygrad.zeros(2, 1, 5, 5)).shape
    arraygrad.Size([2, 4, 5, 5])
    """

    _dims = 2

    def forward(self, input: Tensor) -> Tensor:
        input, padding = self._padded(input)
        return F.conv2d(
            input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups
        )


class Conv3d(_ConvNd):
    """3-D convolution (cross-correlation) over inputs of shape ``(N, C_in, D, H, W)``.

    >>> import arraygrad
    >>> Conv3d(1, 2, 3, padding=1)(arraygrad.zeros(1, 1, 4, 4, 4)).shape
    arraygrad.Size([1, 2, 4, 4, 4])
    """

    _dims = 3

    def forward(self, input: Tensor) -> Tensor:
        input, padding = self._padded(input)
        return F.conv3d(
            input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups
        )


class _ConvTransposeNd(_ConvNd):
    """Shared by the transposed convolutions: PyTorch's argument order (``output_padding``
    before ``groups``, ``dilation`` after ``bias``), zero padding only, and ``output_size``."""

    _transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _device.check_placement(device)
        if padding_mode != "zeros":
            raise ValueError(
                f'Only "zeros" padding mode is supported for {type(self).__name__}'
                ". Fix: pass padding_mode='zeros' (pad the input with F.pad "
                "first for other modes)."
            )
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
        )
        self.output_padding = _ntuple(output_padding, self._dims)

    def _output_padding(self, input: Tensor, output_size: Any) -> tuple[int, ...]:
        """``output_padding``, or the one that gives ``output_size`` (``n`` spatial sizes, or
        those after the batch and channel sizes), which must be reachable: at most a stride
        less one past the smallest output."""
        n = self._dims
        if output_size is None:
            return tuple(self.output_padding)
        lead = 2 if input.dim() == n + 2 else 1
        sizes = [int(v) for v in output_size]
        if len(sizes) == lead + n:
            sizes = sizes[lead:]
        if len(sizes) != n:
            raise ValueError(
                f"ConvTranspose{n}D: for {input.dim()}D input, output_size must have {n} or "
                f"{lead + n} elements (got {len(sizes)})"
                f". Fix: pass output_size as the {n} spatial sizes (or the "
                "input's full shape)."
            )
        smallest = [
            (input.shape[lead + d] - 1) * self.stride[d]
            - 2 * self.padding[d]
            + self.dilation[d] * (self.kernel_size[d] - 1)
            + 1
            for d in range(n)
        ]
        largest = [low + s - 1 for low, s in zip(smallest, self.stride, strict=True)]
        ranges = zip(sizes, smallest, largest, strict=True)
        if any(not low <= size <= high for size, low, high in ranges):
            raise ValueError(
                f"requested an output size of {sizes}, but valid sizes range from {smallest} to "
                f"{largest} (for an input of {list(input.shape[lead:])}). Fix: pick an "
                "output_size in that range."
            )
        return tuple(size - low for size, low in zip(sizes, smallest, strict=True))

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        convolve = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[self._dims - 1]
        return convolve(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self._output_padding(input, output_size),
            self.groups,
            self.dilation,
        )


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution over ``(N, C_in, L)``: the gradient of :class:`Conv1d` for
    its input (see :func:`functional.conv_transpose1d`).

    ``(N, C_in, L)`` to ``(N, C_out, L_out)`` with ``L_out = (L - 1) stride - 2 padding +
    dilation (kernel_size - 1) + output_padding + 1``; ``weight`` is
    ``(C_in, C_out / groups, kernel_size)``. Zero padding only.

    >>> import arraygrad
    >>> up = arraygrad.nn.ConvTranspose1d(4, 2, kernel_size=4, stride=2, padding=1)
    >>> up.weight.shape
    arraygrad.Size([4, 2, 4])
    >>> up(arraygrad.zeros(8, 4, 5)).shape
    arraygrad.Size([8, 2, 10])
    """

    _dims = 1


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution over ``(N, C_in, H, W)``; ``weight`` has shape ``(C_in,
    C_out / groups, kh, kw)``. ``forward(input, output_size)`` picks the ``output_padding``
    that gives ``output_size``.

    >>> import arraygrad
    >>> up = ConvTranspose2d(1, 2, 3, stride=2, padding=1)
    >>> up(arraygrad.zeros(1, 1, 4, 4), output_size=[8, 8]).shape
    arraygrad.Size([1, 2, 8, 8])
    """

    _dims = 2


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution over ``(N, C_in, D, H, W)`` (see :class:`ConvTranspose2d`).

    Each output size is ``(in - 1) stride - 2 padding + dilation (kernel - 1) + output_padding
    + 1``; ``weight`` is ``(C_in, C_out / groups, kd, kh, kw)``.

    >>> import arraygrad
    >>> up = arraygrad.nn.ConvTranspose3d(2, 1, kernel_size=2, stride=2)
    >>> up(arraygrad.zeros(1, 2, 3, 3, 3)).shape
    arraygrad.Size([1, 1, 6, 6, 6])
    """

    _dims = 3
