"""Activation modules: thin wrappers that call :mod:`arraygrad.nn.functional`.

The activations that act element by element (and ``GLU``, which gates one half of a dimension
with the other) are defined here; the softmax layers, which normalise along a dimension, in
:mod:`arraygrad.nn.modules.softmax`, and ``MultiheadAttention`` in
:mod:`arraygrad.nn.modules.attention`. This module offers them all, as PyTorch's
``torch.nn.modules.activation`` does.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _device, _math
from arraygrad._creation import empty
from arraygrad._tensor import Tensor
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's convention
from arraygrad.nn import init

# PyTorch's path for MultiheadAttention, defined with its own kind in ``attention``
from arraygrad.nn.modules.attention import MultiheadAttention
from arraygrad.nn.modules.module import Module

# PyTorch's path for the softmax layers, defined with their own kind in ``softmax``
from arraygrad.nn.modules.softmax import LogSoftmax, Softmax, Softmax2d, Softmin
from arraygrad.nn.parameter import Parameter

__all__ = [
    "CELU",
    "ELU",
    "GELU",
    "GLU",
    "SELU",
    "Hardshrink",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "LeakyReLU",
    "LogSigmoid",
    "LogSoftmax",
    "Mish",
    "MultiheadAttention",
    "PReLU",
    "RReLU",
    "ReLU",
    "ReLU6",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softmax2d",
    "Softmin",
    "Softplus",
    "Softshrink",
    "Softsign",
    "Tanh",
    "Tanhshrink",
    "Threshold",
]


def _inplace_text(inplace: bool) -> str:
    return "inplace=True" if inplace else ""


def _with_inplace(text: str, inplace: bool) -> str:
    return text + (", inplace=True" if inplace else "")


class ReLU(Module):
    """``max(x, 0)`` elementwise; input ``(*)``, output the same shape.

    The gradient at 0 is 0, as in PyTorch. Integer inputs stay integer; bool inputs are refused.

    >>> import arraygrad
    >>> x = arraygrad.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> arraygrad.nn.ReLU()(x).sum().backward()
    >>> x.grad
    tensor([0., 0., 1.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return _inplace_text(self.inplace)


class LeakyReLU(Module):
    """``x`` where ``x > 0``, else ``negative_slope * x``; input ``(*)``, output the same shape.

    The gradient at 0 is ``negative_slope``, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.nn.LeakyReLU(0.1)(arraygrad.tensor([-2.0, 3.0]))
    tensor([-0.2000,  3.0000])
    """

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return _with_inplace(f"negative_slope={self.negative_slope}", self.inplace)


class RReLU(Module):
    """Randomized leaky ReLU: ``x`` where ``x > 0``, else ``a * x`` with ``a ~ U(lower, upper)``
    drawn per element in training mode and ``a = (lower + upper) / 2`` in eval mode.

    Input ``(*)``, output the same shape. The gradient below 0 (and at 0) is the slope ``a``
    that element used.

    >>> import arraygrad
    >>> arraygrad.nn.RReLU(0.1, 0.3).eval()(arraygrad.tensor([-2.0, 3.0]))
    tensor([-0.4000,  3.0000])
    """

    def __init__(
        self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False
    ) -> None:
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return _with_inplace(f"lower={self.lower}, upper={self.upper}", self.inplace)


class GELU(Module):
    """``x * Phi(x)`` elementwise, ``Phi`` the standard normal CDF ``0.5 (1 + erf(x / sqrt 2))``.

    ``approximate="tanh"`` uses ``0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))``.
    Input ``(*)``, output the same shape; floating-point input only.

    >>> import arraygrad
    >>> arraygrad.nn.GELU()(arraygrad.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.1587,  0.0000,  0.8413])
    >>> arraygrad.nn.GELU(approximate="tanh")(arraygrad.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.1588,  0.0000,  0.8412])
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """``x * sigmoid(x)`` elementwise (the swish); input ``(*)``, output the same shape.

    Floating-point (or complex) input only, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.nn.SiLU()(arraygrad.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.2689,  0.0000,  0.7311])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return _inplace_text(self.inplace)


class ELU(Module):
    """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``; input ``(*)``, output the same shape.

    The gradient at 0 is ``alpha`` (the left branch's), as in PyTorch. Floating-point input only.

    >>> import arraygrad
    >>> arraygrad.nn.ELU()(arraygrad.tensor([-1.0, 0.0, 2.0]))
    tensor([-0.6321,  0.0000,  2.0000])
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return _with_inplace(f"alpha={self.alpha}", self.inplace)


class Tanh(Module):
    """Hyperbolic tangent ``(exp(x) - exp(-x)) / (exp(x) + exp(-x))`` elementwise, in (-1, 1).

    Input ``(*)``, output the same shape; integers are promoted to the default float dtype. The
    gradient is ``1 - tanh(x)^2``.

    >>> import arraygrad
    >>> arraygrad.nn.Tanh()(arraygrad.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.7616,  0.0000,  0.7616])
    """

    def forward(self, input: Tensor) -> Tensor:
        return _math.tanh(input)


class Sigmoid(Module):
    """The logistic function ``1 / (1 + exp(-x))`` elementwise, in (0, 1).

    Input ``(*)``, output the same shape; integers are promoted to the default float dtype. The
    gradient is ``sigmoid(x) * (1 - sigmoid(x))``.

    >>> import arraygrad
    >>> arraygrad.nn.Sigmoid()(arraygrad.tensor([-1.0, 0.0, 1.0]))
    tensor([0.2689, 0.5000, 0.7311])
    """

    def forward(self, input: Tensor) -> Tensor:
        return _math.sigmoid(input)


class Softplus(Module):
    """``log(1 + exp(beta * x)) / beta`` elementwise, a smooth ``relu``; ``x`` itself where
    ``beta * x > threshold``.

    Finite for any input (no ``exp`` of a large positive number). The gradient is
    ``sigmoid(beta * x)``, and 1 above the threshold. Input ``(*)``, output the same shape.

    >>> import arraygrad
    >>> arraygrad.nn.Softplus()(arraygrad.tensor([-1.0, 0.0, 30.0]))
    tensor([ 0.3133,  0.6931, 30.0000])
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """``clamp(x, min_val, max_val)`` elementwise; input ``(*)``, output the same shape.

    The gradient is 1 strictly inside ``(min_val, max_val)`` and 0 at and beyond the bounds, as
    in PyTorch. ``max_val`` must exceed ``min_val`` (AssertionError otherwise).

    >>> import arraygrad
    >>> x = arraygrad.tensor([-2.0, -1.0, 0.5, 1.0], requires_grad=True)
    >>> arraygrad.nn.Hardtanh()(x).sum().backward()
    >>> x.grad
    tensor([0., 0., 1., 0.])
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace
        if max_val <= min_val:  # PyTorch asserts this
            raise AssertionError(
                f"max_val ({max_val}) must be greater than min_val ({min_val}). Fix: pass the "
                "lower bound first, e.g. Hardtanh(-1.0, 1.0)."
            )

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return _with_inplace(f"min_val={self.min_val}, max_val={self.max_val}", self.inplace)


class ReLU6(Hardtanh):
    """``min(max(x, 0), 6)`` elementwise (``Hardtanh(0, 6)``); input ``(*)``, output the same shape.

    The gradient is 1 strictly between 0 and 6, and 0 at 0 and at 6, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.nn.ReLU6()(arraygrad.tensor([-1.0, 3.0, 8.0]))
    tensor([0., 3., 6.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _inplace_text(self.inplace)


class SELU(Module):
    """``scale * elu(x, alpha)``, with ``alpha = 1.6732632423543772`` and
    ``scale = 1.0507009873554805`` (Klambauer et al.'s self-normalising constants).

    Input ``(*)``, output the same shape; the gradient at 0 is ``scale * alpha``, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.nn.SELU()(arraygrad.tensor([-1.0, 0.0, 1.0]))
    tensor([-1.1113,  0.0000,  1.0507])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.selu(input, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_text(self.inplace)


class CELU(Module):
    """``x`` where ``x > 0``, else ``alpha * (exp(x / alpha) - 1)``: an ELU whose slope at 0 is 1
    from both sides for any ``alpha``.

    Input ``(*)``, output the same shape; ``alpha=0`` is refused (it divides the input).

    >>> import arraygrad
    >>> arraygrad.nn.CELU(alpha=2.0)(arraygrad.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.2642,  0.0000,  3.0000])
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return _with_inplace(f"alpha={self.alpha}", self.inplace)


class Hardsigmoid(Module):
    """``relu6(x + 3) / 6`` elementwise: 0 below -3, 1 above 3, linear between.

    The gradient is 1/6 strictly inside (-3, 3) and 0 at -3 and 3, as in PyTorch. Input
    ``(*)``, output the same shape.

    >>> import arraygrad
    >>> arraygrad.nn.Hardsigmoid()(arraygrad.tensor([-4.0, 0.0, 1.5, 4.0]))
    tensor([0.0000, 0.5000, 0.7500, 1.0000])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.hardsigmoid(input, self.inplace)


class Hardswish(Module):
    """``x * relu6(x + 3) / 6`` elementwise: 0 below -3, ``x`` above 3.

    The gradient is ``(2x + 3) / 6`` on (-3, 3), 0 at -3 and 1 at 3, as in PyTorch. Input
    ``(*)``, output the same shape; floating-point input only.

    >>> import arraygrad
    >>> arraygrad.nn.Hardswish()(arraygrad.tensor([-1.0, 0.0, 1.5, 4.0]))
    tensor([-0.3333,  0.0000,  1.1250,  4.0000])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.hardswish(input, self.inplace)


class Mish(Module):
    """``x * tanh(softplus(x))`` elementwise, with softplus computed without overflow.

    Input ``(*)``, output the same shape; floating-point input only.

    >>> import arraygrad
    >>> arraygrad.nn.Mish()(arraygrad.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.3034,  0.0000,  0.8651])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.mish(input, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_text(self.inplace)


class LogSigmoid(Module):
    """``log(sigmoid(x)) = -softplus(-x)`` elementwise, finite for any ``x`` (about ``x`` for very
    negative ``x``, where ``sigmoid`` itself underflows to 0).

    Input ``(*)``, output the same shape; floating-point input only.

    >>> import arraygrad
    >>> arraygrad.nn.LogSigmoid()(arraygrad.tensor([-200.0, 0.0]))
    tensor([-200.0000,   -0.6931])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.logsigmoid(input)


class Softsign(Module):
    """``x / (1 + |x|)`` elementwise, in (-1, 1); the gradient is ``1 / (1 + |x|)^2``.

    Input ``(*)``, output the same shape; integers are promoted to the default float dtype.

    >>> import arraygrad
    >>> arraygrad.nn.Softsign()(arraygrad.tensor([-3.0, 0.0, 1.0]))
    tensor([-0.7500,  0.0000,  0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.softsign(input)


class Tanhshrink(Module):
    """``x - tanh(x)`` elementwise; input ``(*)``, output the same shape.

    >>> import arraygrad
    >>> arraygrad.nn.Tanhshrink()(arraygrad.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.2384,  0.0000,  0.2384])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.tanhshrink(input)


class Hardshrink(Module):
    """``x`` where ``|x| > lambd``, else 0; input ``(*)``, output the same shape.

    At ``|x| == lambd`` the value and the gradient are 0, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.nn.Hardshrink()(arraygrad.tensor([-1.0, 0.5, 0.25, 2.0]))
    tensor([-1.,  0.,  0.,  2.])
    """

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Module):
    """``x - lambd`` where ``x > lambd``, ``x + lambd`` where ``x < -lambd``, else 0.

    At ``|x| == lambd`` the gradient is 0, as in PyTorch; ``lambd`` must be at least 0. Input
    ``(*)``, output the same shape; floating-point input only.

    >>> import arraygrad
    >>> arraygrad.nn.Softshrink()(arraygrad.tensor([-1.0, 0.5, 0.25, 2.0]))
    tensor([-0.5000,  0.0000,  0.0000,  1.5000])
    """

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Threshold(Module):
    """``x`` where ``x > threshold``, else ``value``; input ``(*)``, output the same shape.

    The comparison is strict: ``x == threshold`` becomes ``value`` (gradient 0). Integer tensors
    stay integer, ``value`` rounded toward 0, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.nn.Threshold(1.0, -5.0)(arraygrad.tensor([0.5, 1.0, 2.0]))
    tensor([-5., -5.,  2.])
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return _with_inplace(f"threshold={self.threshold}, value={self.value}", self.inplace)


class PReLU(Module):
    """``max(0, x) + weight * min(0, x)`` with a learnable ``weight``: one slope shared by all
    channels, or one per channel (``num_parameters`` = the channels, dimension 1 of the input).
    The slopes start at ``init``.

    >>> import arraygrad
    >>> PReLU()(arraygrad.tensor([-4.0, 2.0])).tolist()
    [-1.0, 2.0]
    """

    def __init__(
        self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None
    ) -> None:
        _device.check_placement(device)
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(empty(num_parameters, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every slope back to ``init``."""
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class GLU(Module):
    """The gated linear unit: ``a * sigmoid(b)`` for the two halves ``a``, ``b`` of ``dim``.

    Input ``(*, 2n, *)`` (``dim`` of even size ``2n``), output ``(*, n, *)``.

    >>> import arraygrad
    >>> arraygrad.nn.GLU()(arraygrad.tensor([[1.0, 2.0, 0.0, 1000.0]]))
    tensor([[0.5000, 2.0000]])
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
