"""The instance norms ``InstanceNorm1d/2d/3d`` and their base ``_InstanceNorm``: each channel
of each example normalised over its positions, with the batch norms' base ``_NormBase`` (running
statistics only where asked). ``torch.nn.modules.instancenorm``'s import path offers them, from
``instancenorm``."""

from __future__ import annotations

import warnings
from typing import Any

from arraygrad import _device
from arraygrad._tensor import Tensor
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's convention
from arraygrad.nn.modules.normalization import _NormBase


class _InstanceNorm(_NormBase):
    """Normalise each channel of each example over its positions (see
    :func:`functional.instance_norm`). Unlike batch norm, ``affine`` and
    ``track_running_stats`` default to False; the running statistics, when tracked, are used in
    evaluation mode."""

    no_batch_dim = 2

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        _device.check_placement(device)
        super().__init__(
            num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias
        )

    def _check_input_dim(self, input: Tensor) -> None:
        ranks = (self.no_batch_dim, self.no_batch_dim + 1)
        if input.dim() not in ranks:
            raise ValueError(
                f"expected {ranks[0]}D or {ranks[1]}D input (got {input.dim()}D input)"
                f". Fix: pass (N, C, *spatial) ({ranks[1]}D) or (C, *spatial) ({ranks[0]}D) "
                "input, or the InstanceNorm of your input's number of spatial dimensions."
            )

    def _normalize(self, input: Tensor) -> Tensor:
        return F.instance_norm(
            input,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            self.momentum if self.momentum is not None else 0.0,
            self.eps,
        )

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        feature_dim = input.dim() - self.no_batch_dim
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(
                    f"expected input's size at dim={feature_dim} to match num_features "
                    f"({self.num_features}), but got: {input.shape[feature_dim]}."
                    f" Fix: give the input {self.num_features} channels, or build the module "
                    f"with num_features={input.shape[feature_dim]}."
                )
            warnings.warn(
                f"input's size at dim={feature_dim} does not match num_features. You can "
                "silence this warning by not passing in num_features, which is not used "
                "because affine=False",
                stacklevel=2,
            )
        if input.dim() == self.no_batch_dim:
            return self._normalize(input.unsqueeze(0)).squeeze(0)
        return self._normalize(input)


class InstanceNorm1d(_InstanceNorm):
    """Instance norm over ``(N, C, L)`` or ``(C, L)`` input; output the same shape.

    Each channel of each example is normalised over ``L``: ``(x - mean) / sqrt(var + eps)``
    (biased variance). ``affine`` and ``track_running_stats`` default to False, unlike batch
    norm.

    >>> import arraygrad
    >>> arraygrad.nn.InstanceNorm1d(2)(arraygrad.tensor([[[1.0, 3.0], [0.0, 4.0]]]))
    tensor([[[-1.0000,  1.0000],
             [-1.0000,  1.0000]]])
    """


class InstanceNorm2d(_InstanceNorm):
    """Instance norm over ``(N, C, H, W)`` or ``(C, H, W)`` input.

    >>> import arraygrad
    >>> InstanceNorm2d(1)(arraygrad.tensor([[[[1.0, 3.0]]]]))
    tensor([[[[-1.0000,  1.0000]]]])
    """

    no_batch_dim = 3


class InstanceNorm3d(_InstanceNorm):
    """Instance norm over ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input; output the same shape.

    Each channel of each example is normalised over ``D, H, W`` (biased variance); ``affine``
    and ``track_running_stats`` default to False.

    >>> import arraygrad
    >>> x = arraygrad.tensor([1.0, 3.0]).reshape(1, 1, 2, 1, 1)
    >>> arraygrad.nn.InstanceNorm3d(1)(x).flatten()
    tensor([-1.0000,  1.0000])
    """

    no_batch_dim = 4
