"""The gradients of a convolution for its input and for its weight, as functions
(``arraygrad.nn.grad.conv2d_input(input_size, weight, grad_output, ...)`` and
``conv2d_weight(input, weight_size, grad_output, ...)``, PyTorch's names and arguments).

They are the same primitives the autograd engine runs for ``conv*d``'s backward pass
(``ops.conv_input_grad`` and ``ops.conv_weight_grad``), so what they return is exactly the
``.grad`` a ``conv*d`` would accumulate, and they are differentiable in turn. ``padding`` is
numbers only (zeros added on both sides), as in PyTorch; the input must be batched.

>>> import arraygrad
>>> x, w = arraygrad.ones(1, 1, 4), arraygrad.ones(1, 1, 2)
>>> g = arraygrad.ones(1, 1, 3)
>>> conv1d_input(x.shape, w, g).tolist()
[[[1.0, 2.0, 2.0, 1.0]]]
>>> conv1d_weight(x, w.shape, g).tolist()
[[[3.0, 3.0]]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arraygrad import ops
from arraygrad._tensor import Tensor
from arraygrad.nn._common import ntuple
from arraygrad.nn._padding import padded as _pad

__all__ = [
    "conv1d_input",
    "conv1d_weight",
    "conv2d_input",
    "conv2d_weight",
    "conv3d_input",
    "conv3d_weight",
]


def _sizes(value: Any, what: str) -> tuple[int, ...]:
    if isinstance(value, Tensor):
        # PyTorch reads a size as a sequence of Python ints; a tensor of them is refused there.
        raise TypeError(
            f"{what} must be a sequence of ints (such as x.shape), not Tensor. Fix: pass "
            "tuple(t.tolist())."
        )
    return tuple(int(s) for s in value)


def _settings(
    n: int, stride: Any, padding: Any, dilation: Any
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    if isinstance(padding, str):
        # PyTorch passes the string on to a list-of-ints argument, which refuses it.
        raise RuntimeError(
            f"padding={padding!r} is not supported by the convolution gradient functions. Fix: "
            "give the padding as numbers (the zeros added on each side)."
        )
    return (
        ntuple(stride, n, "stride"),
        ntuple(padding, n, "padding"),
        ntuple(dilation, n, "dilation"),
    )


def _check_rank(shape: Sequence[int], weight_shape: Sequence[int]) -> None:
    # PyTorch's check of the input's rank against the weight's, in its words.
    if len(shape) != len(weight_shape):
        raise RuntimeError(
            f"Expected {len(weight_shape)}-dimensional input for {len(weight_shape)}-dimensional "
            f"weight {list(weight_shape)}, but got {len(shape)}-dimensional input of size "
            f"{list(shape)} instead"
            f". Fix: pass an input of {len(weight_shape)} dimensions (N, C_in, *spatial), e.g. "
            "with unsqueeze(0) for one sample."
        )


def _check_grad_output(
    grad_output: Tensor,
    padded: Sequence[int],
    weight_shape: Sequence[int],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
) -> None:
    """``grad_output`` must have the shape of the convolution's output, as in PyTorch."""
    spatial = [
        (size - d * (k - 1) - 1) // s + 1
        for size, k, s, d in zip(padded[2:], weight_shape[2:], stride, dilation, strict=True)
    ]
    expected = [padded[0], weight_shape[0], *spatial]
    if grad_output.ndim != len(expected):
        raise RuntimeError(
            "Expected input and grad_output to have the same number of dimensions, but got: "
            f"{len(padded)} and {grad_output.ndim}. Fix: pass grad_output of shape {expected}, "
            "the convolution's output shape."
        )
    for axis, (want, got) in enumerate(zip(expected, grad_output.shape, strict=True)):
        if want != got:
            raise RuntimeError(
                f"Expected a tensor of dimension {len(expected)} and tensor.size[{axis}] == "
                f"{want} but got: dimension {grad_output.ndim} and tensor.size[{axis}] = {got}"
                f". Fix: pass grad_output of shape {expected}, the convolution's output shape "
                "for this input, weight, stride, padding and dilation."
            )


def _input_grad(
    n: int,
    input_size: Any,
    weight: Tensor,
    grad_output: Tensor,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
) -> Tensor:
    shape = _sizes(input_size, "input_size")
    _check_rank(shape, weight.shape)
    stride_t, padding_t, dilation_t = _settings(n, stride, padding, dilation)
    padded = shape[:2] + tuple(s + 2 * p for s, p in zip(shape[2:], padding_t, strict=True))
    _check_grad_output(grad_output, padded, weight.shape, stride_t, dilation_t)
    grad = ops.conv_input_grad(
        grad_output, weight, shape=padded, stride=stride_t, dilation=dilation_t, groups=groups
    )
    if any(padding_t):
        # The padded border's gradient is dropped: F.pad with negative sizes crops it.
        grad = _pad(grad, [-p for p in reversed(padding_t) for _ in range(2)])
    return grad


def _weight_grad(
    n: int,
    input: Tensor,
    weight_size: Any,
    grad_output: Tensor,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
) -> Tensor:
    shape = _sizes(weight_size, "weight_size")
    _check_rank(input.shape, shape)
    stride_t, padding_t, dilation_t = _settings(n, stride, padding, dilation)
    if any(padding_t):
        input = _pad(input, [p for p in reversed(padding_t) for _ in range(2)])
    _check_grad_output(grad_output, input.shape, shape, stride_t, dilation_t)
    return ops.conv_weight_grad(
        input, grad_output, shape=shape, stride=stride_t, dilation=dilation_t, groups=groups
    )


def conv1d_input(
    input_size: Any,
    weight: Tensor,
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``conv1d(input, weight, ...)`` for an input of ``input_size``
    ``(N, C_in, L)`` given ``grad_output``, the gradient of its output."""
    return _input_grad(1, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv1d_weight(
    input: Tensor,
    weight_size: Any,
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``conv1d(input, weight, ...)`` for a weight of ``weight_size`` given
    ``grad_output``, the gradient of its output."""
    return _weight_grad(1, input, weight_size, grad_output, stride, padding, dilation, groups)


def conv2d_input(
    input_size: Any,
    weight: Tensor,
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``conv2d(input, weight, ...)`` for an input of ``input_size``
    ``(N, C_in, H, W)`` given ``grad_output``, the gradient of its output."""
    return _input_grad(2, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv2d_weight(
    input: Tensor,
    weight_size: Any,
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``conv2d(input, weight, ...)`` for a weight of ``weight_size`` given
    ``grad_output``, the gradient of its output."""
    return _weight_grad(2, input, weight_size, grad_output, stride, padding, dilation, groups)


def conv3d_input(
    input_size: Any,
    weight: Tensor,
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``conv3d(input, weight, ...)`` for an input of ``input_size``
    ``(N, C_in, D, H, W)`` given ``grad_output``, the gradient of its output."""
    return _input_grad(3, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv3d_weight(
    input: Tensor,
    weight_size: Any,
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``conv3d(input, weight, ...)`` for a weight of ``weight_size`` given
    ``grad_output``, the gradient of its output."""
    return _weight_grad(3, input, weight_size, grad_output, stride, padding, dilation, groups)
