"""Fold an evaluation-mode batch norm into the convolution or linear layer before it.

``bn(conv(x))`` in evaluation mode is an affine map per channel of ``conv(x)``, so it can be
absorbed into the convolution's weight and bias: one layer computing the same values.

>>> import arraygrad
>>> import arraygrad.nn as nn
>>> conv, bn = nn.Conv2d(2, 3, 1).eval(), nn.BatchNorm2d(3).eval()
>>> x = arraygrad.randn(1, 2, 4, 4)
>>> bool(arraygrad.allclose(fuse_conv_bn_eval(conv, bn)(x), bn(conv(x)), atol=1e-6))
True
"""

from __future__ import annotations

import copy
from typing import Any, TypeVar

from arraygrad._tensor import Tensor
from arraygrad.nn.modules.module import Module
from arraygrad.nn.parameter import Parameter

__all__ = [
    "fuse_conv_bn_eval",
    "fuse_conv_bn_weights",
    "fuse_linear_bn_eval",
    "fuse_linear_bn_weights",
]

ConvT = TypeVar("ConvT", bound=Module)
LinearT = TypeVar("LinearT", bound=Module)


def _eval_pair(layer: Module, bn: Any) -> None:
    # Only in evaluation mode is the batch norm a fixed affine map (running statistics).
    if layer.training or bn.training:
        raise AssertionError(
            "Fusion only for eval!"
            f" (got {type(layer).__name__}.training={layer.training}, "
            f"{type(bn).__name__}.training={bn.training}). Fix: call .eval() on both modules "
            "first."
        )
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError(
            "the batch norm keeps no running statistics to fuse"
            ". Fix: fuse a batch norm built with track_running_stats=True."
        )


def _folded(
    bias: Tensor | None,
    mean: Tensor,
    var: Tensor,
    eps: float,
    gamma: Tensor | None,
    beta: Tensor | None,
) -> tuple[Tensor, Tensor]:
    """The batch norm ``gamma (y - mean) / sqrt(var + eps) + beta`` applied to ``y = z + bias``,
    as ``scale * z + shift``: ``(scale, shift)`` per channel."""
    scale = (var + eps).rsqrt()
    if gamma is not None:
        scale = gamma * scale
    centred = -mean if bias is None else bias - mean
    shift = centred * scale
    return scale, shift if beta is None else shift + beta


def fuse_conv_bn_eval(conv: ConvT, bn: Any, transpose: bool = False) -> ConvT:
    """A copy of ``conv`` computing ``bn(conv(x))`` (both in evaluation mode); ``transpose``
    for a transposed convolution, whose output channels are its weight's dimension 1.

    Each output channel's filter is scaled by ``gamma / sqrt(running_var + eps)`` and the bias
    becomes ``(bias - running_mean) * that + beta``; either module in training mode is refused.

    >>> import arraygrad
    >>> from arraygrad import nn
    >>> conv, bn = nn.Conv2d(3, 4, 3).eval(), nn.BatchNorm2d(4).eval()
    >>> _ = bn.running_mean.fill_(0.5)
    >>> fused = nn.utils.fuse_conv_bn_eval(conv, bn)
    >>> x = arraygrad.ones(1, 3, 5, 5)
    >>> bool((fused(x) - bn(conv(x))).abs().max() < 1e-5)
    True
    """
    _eval_pair(conv, bn)
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight,
        fused.bias,
        bn.running_mean,
        bn.running_var,
        bn.eps,
        bn.weight,
        bn.bias,
        transpose,
    )
    return fused


def fuse_conv_bn_weights(
    conv_w: Tensor,
    conv_b: Tensor | None,
    bn_rm: Tensor,
    bn_rv: Tensor,
    bn_eps: float,
    bn_w: Tensor | None,
    bn_b: Tensor | None,
    transpose: bool = False,
) -> tuple[Parameter, Parameter]:
    """The fused convolution's ``(weight, bias)`` as parameters: each output channel's filter
    scaled by ``bn_w / sqrt(bn_rv + eps)``, the bias moved to match (in the convolution's
    dtypes; a missing bias counts as zeros).

    >>> import arraygrad
    >>> w, b = fuse_conv_bn_weights(arraygrad.ones(1, 1, 1), None, arraygrad.tensor([1.0]),
    ...                             arraygrad.tensor([4.0]), 0.0, None, None)
    >>> w.flatten().tolist(), b.tolist()
    ([0.5], [-0.5])
    """
    scale, shift = _folded(conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b)
    # output channels: dimension 0 of a convolution's weight, 1 of a transposed one's
    channels = [1] * conv_w.ndim
    channels[1 if transpose else 0] = -1
    weight = (conv_w * scale.reshape(channels)).to(dtype=conv_w.dtype)
    bias = shift.to(dtype=conv_w.dtype if conv_b is None else conv_b.dtype)
    # a bias made here (none before) is a constant: it requires no grad, as in PyTorch
    grads = conv_b is not None and conv_b.requires_grad
    return Parameter(weight, conv_w.requires_grad), Parameter(bias, grads)


def fuse_linear_bn_eval(linear: LinearT, bn: Any) -> LinearT:
    """A copy of ``linear`` computing ``bn(linear(x))`` (both in evaluation mode); the batch
    norm's features must be the linear layer's outputs (or 1).

    Each weight row is scaled by ``gamma / sqrt(running_var + eps)`` and the bias becomes
    ``(bias - running_mean) * that + beta``.

    >>> import arraygrad
    >>> from arraygrad import nn
    >>> linear, bn = nn.Linear(3, 2).eval(), nn.BatchNorm1d(2).eval()
    >>> _ = bn.running_var.fill_(4.0)
    >>> fused = nn.utils.fuse_linear_bn_eval(linear, bn)
    >>> x = arraygrad.ones(5, 3)
    >>> bool((fused(x) - bn(linear(x))).abs().max() < 1e-6)
    True
    """
    _eval_pair(linear, bn)
    # The folded scale multiplies the weight's rows: it must broadcast against them.
    if not (linear.out_features == bn.num_features or bn.num_features == 1):
        raise AssertionError(
            "To fuse, linear.out_features == bn.num_features or bn.num_features == 1"
            f" (got out_features={linear.out_features}, num_features={bn.num_features}). Fix: "
            "fuse the linear layer with the batch norm that follows it."
        )
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
    )
    return fused


def fuse_linear_bn_weights(
    linear_w: Tensor,
    linear_b: Tensor | None,
    bn_rm: Tensor,
    bn_rv: Tensor,
    bn_eps: float,
    bn_w: Tensor,
    bn_b: Tensor,
) -> tuple[Parameter, Parameter]:
    """The fused linear layer's ``(weight, bias)`` as parameters: each output's row scaled,
    the bias moved to match.

    >>> import arraygrad
    >>> w, b = fuse_linear_bn_weights(arraygrad.ones(1, 1), None, arraygrad.tensor([1.0]),
    ...     arraygrad.tensor([4.0]), 0.0, arraygrad.tensor([2.0]), arraygrad.tensor([0.0]))
    >>> w.tolist(), b.tolist()
    ([[1.0]], [-1.0])
    """
    scale, shift = _folded(linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b)
    weight = linear_w * scale.unsqueeze(-1).to(dtype=linear_w.dtype)
    bias = shift.to(dtype=linear_w.dtype if linear_b is None else linear_b.dtype)
    grads = linear_b is not None and linear_b.requires_grad  # (see fuse_conv_bn_weights)
    return Parameter(weight, linear_w.requires_grad), Parameter(bias, grads)
