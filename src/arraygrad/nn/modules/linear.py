"""``Identity``, ``Linear`` and ``Bilinear`` layers with PyTorch's default initialisation."""

from __future__ import annotations

import math
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
    "Bilinear",
    "Identity",
    "Linear",
]

# PyTorch's path for LazyLinear, which ``lazy`` defines on Linear
_ELSEWHERE = {
    "LazyLinear": "lazy",
}
__all__ += [name for name in _ELSEWHERE if not name.startswith("_")]


def __getattr__(name: str) -> Any:
    return defined_elsewhere(__name__, name, _ELSEWHERE)


class Identity(Module):
    """Returns its input unchanged (any constructor arguments are ignored); any shape ``(*)``.

    A placeholder where a layer is optional, e.g. a removed classifier head.

    >>> import arraygrad
    >>> arraygrad.nn.Identity(54, unused="ignored")(arraygrad.tensor([1.0, 2.0]))
    tensor([1., 2.])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """``y = x @ weight.T + bias`` with ``weight`` of shape ``(out_features, in_features)``.

    Initialisation (PyTorch's): ``weight`` by ``kaiming_uniform_(a=sqrt(5))``, i.e.
    U(-1/sqrt(in_features), 1/sqrt(in_features)), and ``bias`` from the same uniform.

    >>> import arraygrad
    >>> layer = Linear(3, 2)
    >>> layer(arraygrad.ones(4, 3)).shape
    arraygrad.Size([4, 2])
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _device.check_placement(device)
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty(out_features, in_features, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw ``weight`` and ``bias`` again from PyTorch's default distributions."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class NonDynamicallyQuantizableLinear(Linear):
    """A ``Linear`` under PyTorch's name for ``MultiheadAttention.out_proj`` (PyTorch's
    quantization tools tell it apart; here it is a plain Linear)."""


class Bilinear(Module):
    """``y_k = x1 @ weight[k] @ x2 + bias_k`` with ``weight`` of shape ``(out, in1, in2)``.

    Weight and bias are drawn from U(-1/sqrt(in1_features), 1/sqrt(in1_features)). Inputs
    ``(*, in1_features)`` and ``(*, in2_features)`` with the same ``*``; output
    ``(*, out_features)``.

    >>> import arraygrad
    >>> layer = arraygrad.nn.Bilinear(3, 4, 5)
    >>> layer.weight.shape
    arraygrad.Size([5, 3, 4])
    >>> layer(arraygrad.zeros(2, 3), arraygrad.zeros(2, 4)).shape
    arraygrad.Size([2, 5])
    """

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _device.check_placement(device)
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(empty(out_features, in1_features, in2_features, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw ``weight`` and ``bias`` again from U(-1/sqrt(in1), 1/sqrt(in1))."""
        bound = 1 / math.sqrt(self.weight.size(1))
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )
