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

from arraygrad._creation import ones_like, zeros_like
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


def fuse_conv_bn_eval(conv: ConvT, bn: Any, transpose: bool = False) -> ConvT:
    """A copy of ``conv`` computing ``bn(conv(x))`` (both in evaluation mode); ``transpose``
    for a transposed convolution, whose output channels are its weight's dimension 1."""
    assert not (conv.training or bn.training), "Fusion only for eval!"
    fused = copy.deepcopy(conv)
    assert bn.running_mean is not None and bn.running_var is not None
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
    """The fused convolution's ``(weight, bias)`` as parameters: the weight scaled per output
    channel by ``bn_w / sqrt(bn_rv + eps)``, the bias shifted and scaled to match.

    >>> import arraygrad
    >>> w, b = fuse_conv_bn_weights(arraygrad.ones(1, 1, 1), None, arraygrad.tensor([1.0]),
    ...                             arraygrad.tensor([4.0]), 0.0, None, None)
    >>> w.flatten().tolist(), b.tolist()
    ([0.5], [-0.5])
    """
    conv_weight_dtype = conv_w.dtype
    conv_bias_dtype = conv_b.dtype if conv_b is not None else conv_weight_dtype
    if conv_b is None:
        conv_b = zeros_like(bn_rm)
    if bn_w is None:
        bn_w = ones_like(bn_rm)
    if bn_b is None:
        bn_b = zeros_like(bn_rm)
    bn_var_rsqrt = (bn_rv + bn_eps).rsqrt()
    rest = [1] * (conv_w.ndim - 2)
    shape = [1, -1, *rest] if transpose else [-1, 1, *rest]
    fused_w = (conv_w * (bn_w * bn_var_rsqrt).reshape(shape)).to(dtype=conv_weight_dtype)
    fused_b = ((conv_b - bn_rm) * bn_var_rsqrt * bn_w + bn_b).to(dtype=conv_bias_dtype)
    return Parameter(fused_w, conv_w.requires_grad), Parameter(fused_b, conv_b.requires_grad)


def fuse_linear_bn_eval(linear: LinearT, bn: Any) -> LinearT:
    """A copy of ``linear`` computing ``bn(linear(x))`` (both in evaluation mode); the batch
    norm's features must be the linear layer's outputs (or 1)."""
    assert not (linear.training or bn.training), "Fusion only for eval!"
    fused = copy.deepcopy(linear)
    # The folded scale multiplies the weight's rows: it must broadcast against them.
    assert linear.out_features == bn.num_features or bn.num_features == 1, (
        "To fuse, linear.out_features == bn.num_features or bn.num_features == 1"
    )
    assert bn.running_mean is not None and bn.running_var is not None
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
    """The fused linear layer's ``(weight, bias)`` as parameters.

    >>> import arraygrad
    >>> w, b = fuse_linear_bn_weights(arraygrad.ones(1, 1), None, arraygrad.tensor([1.0]),
    ...     arraygrad.tensor([4.0]), 0.0, arraygrad.tensor([2.0]), arraygrad.tensor([0.0]))
    >>> w.tolist(), b.tolist()
    ([[1.0]], [-1.0])
    """
    linear_weight_dtype = linear_w.dtype
    linear_bias_dtype = linear_b.dtype if linear_b is not None else linear_weight_dtype
    if linear_b is None:
        linear_b = zeros_like(bn_rm)
    bn_scale = bn_w * (bn_rv + bn_eps).rsqrt()
    fused_w = linear_w * bn_scale.unsqueeze(-1).to(dtype=linear_weight_dtype)
    fused_b = ((linear_b - bn_rm) * bn_scale + bn_b).to(dtype=linear_bias_dtype)
    return Parameter(fused_w, linear_w.requires_grad), Parameter(fused_b, linear_b.requires_grad)
