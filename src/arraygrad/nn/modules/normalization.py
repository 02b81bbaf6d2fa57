"""``BatchNorm1d``, ``BatchNorm2d`` (running statistics), ``LayerNorm``, ``GroupNorm``,
``RMSNorm`` and the local response norms; the instance norms, which share the batch norms'
base, are in ``_instance_norm``."""

from __future__ import annotations

from typing import Any

from arraygrad import _device, _dtype, ops
from arraygrad._creation import empty, ones, tensor, zeros
from arraygrad._tensor import Tensor
from arraygrad.nn import functional as F  # noqa: N812 - PyTorch's convention
from arraygrad.nn import init
from arraygrad.nn.modules.module import Module
from arraygrad.nn.parameter import Parameter

# PyTorch's list for this module; the batch norms defined here are offered by ``batchnorm`` as
# in PyTorch
__all__ = [
    "CrossMapLRN2d",
    "GroupNorm",
    "LayerNorm",
    "LocalResponseNorm",
    "RMSNorm",
]


def _add_affine(
    module: Module, shape: tuple[int, ...], affine: bool, bias: bool, dtype: Any
) -> None:
    """Give ``module`` a ``weight`` (ones) and, with ``bias``, a ``bias`` (zeros) of ``shape``
    when ``affine``; else register both as None, as PyTorch's normalisation layers do."""
    if affine:
        module.weight = Parameter(empty(*shape, dtype=dtype))
        if bias:
            module.bias = Parameter(empty(*shape, dtype=dtype))
        else:
            module.register_parameter("bias", None)
    else:
        module.register_parameter("weight", None)
        module.register_parameter("bias", None)
    _reset_affine(module)


def _reset_affine(module: Module) -> None:
    """``weight`` to 1 and ``bias`` to 0, where the module has them."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class _NormBase(Module):
    """What batch and instance norm share: per-channel ``weight`` and ``bias`` (with
    ``affine``), the running mean and variance and the count of batches (with
    ``track_running_stats``), their reset, loading and repr. The subclasses define how the
    statistics are taken."""

    _version = 2  # PyTorch's layout with num_batches_tracked (state_dict post-hooks see it)

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        _device.check_placement(device)
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _add_affine(self, (num_features,), affine, bias, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=_dtype.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def _load_from_state_dict(
        self, state_dict: Any, prefix: str, local_metadata: dict[str, Any], *args: Any
    ) -> None:
        # A checkpoint of the layout before num_batches_tracked (version 1), or one without a
        # version at all (a dict built by hand, a copy that lost _metadata), lacks the count:
        # as in PyTorch, the module then keeps its own count instead of reporting it missing.
        # (The dict is the loader's own copy; a None count is offered as a 0 tensor, which the
        # loader reports as unexpected, as PyTorch does.)
        version = local_metadata.get("version")
        key = prefix + "num_batches_tracked"
        old_layout = version is None or version < 2
        if old_layout and self.track_running_stats and key not in state_dict:
            count = self.num_batches_tracked
            state_dict[key] = count if count is not None else tensor(0, dtype=_dtype.int64)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, *args)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Reset the running statistics, ``weight`` to 1 and ``bias`` to 0."""
        self.reset_running_stats()
        _reset_affine(self)

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class _BatchNorm(_NormBase):
    """Normalise each channel by batch statistics, tracked as running averages.

    In training, ``y = (x - mean_B) / sqrt(var_B + eps) * weight + bias`` with the biased batch
    variance, and ``running = (1 - momentum) * running + momentum * stat_B`` using the unbiased
    variance (``momentum=None``: a cumulative average). In evaluation the running statistics are
    used instead.
    """

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        factor: float | Tensor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                # 1 / n as a float64 tensor rather than a Python float: the update takes the
                # same bits (the 0-d tensor, like the number, takes the statistics' dtype) and
                # no value is read into Python, which arraygrad.compile cannot replay
                factor = 1.0 / self.num_batches_tracked.to(_dtype.float64)
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        keep_running = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if keep_running else None,
            self.running_var if keep_running else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )


class BatchNorm1d(_BatchNorm):
    """Batch norm over inputs of shape ``(N, C)`` or ``(N, C, L)``; output the same shape.

    Training: ``y = (x - mean) / sqrt(var + eps) * weight + bias`` per channel, with the batch
    mean and biased variance over ``N`` (and ``L``); the running statistics move by
    ``momentum`` toward the batch mean and the unbiased variance. Eval: the running statistics
    are used. Training needs more than one value per channel (ValueError).

    >>> import arraygrad
    >>> bn = arraygrad.nn.BatchNorm1d(2)
    >>> bn(arraygrad.tensor([[1.0, 10.0], [3.0, 30.0]])).detach()
    tensor([[-1.0000, -1.0000],
            [ 1.0000,  1.0000]])
    >>> bn.running_mean, bn.running_var
    (tensor([0.2000, 2.0000]), tensor([ 1.1000, 20.9000]))
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() != 2 and input.dim() != 3:
            raise ValueError(
                f"expected 2D or 3D input (got {input.dim()}D input)"
                ". Fix: pass (N, C) or (N, C, L); use BatchNorm2d or BatchNorm3d for "
                "images and volumes."
            )


class BatchNorm2d(_BatchNorm):
    """Batch norm over inputs of shape ``(N, C, H, W)``; output the same shape.

    Each channel is normalised by its mean and biased variance over ``N``, ``H`` and ``W``
    (the running statistics in eval mode), then scaled by ``weight`` and shifted by ``bias``.
    The running variance is updated with the unbiased batch variance, as in PyTorch.

    >>> import arraygrad
    >>> bn = arraygrad.nn.BatchNorm2d(3)
    >>> bn(arraygrad.zeros(4, 3, 5, 5)).shape
    arraygrad.Size([4, 3, 5, 5])
    >>> bn.eval()(arraygrad.ones(1, 3, 1, 1)).detach().flatten()
    tensor([1.0541, 1.0541, 1.0541])
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() != 4:
            raise ValueError(
                f"expected 4D input (got {input.dim()}D input)"
                ". Fix: pass (N, C, H, W); unsqueeze(0) adds a missing batch dimension."
            )


class BatchNorm3d(_BatchNorm):
    """Batch norm over inputs of shape ``(N, C, D, H, W)``: each channel normalised by its mean
    and variance over the batch and the volume (the running ones in eval mode).

    >>> import arraygrad
    >>> BatchNorm3d(1)(arraygrad.tensor([1.0, 3.0]).reshape(2, 1, 1, 1, 1)).flatten()
    tensor([-1.0000,  1.0000], grad_fn=<ViewBackward0>)
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.dim() != 5:
            raise ValueError(
                f"expected 5D input (got {input.dim()}D input)"
                ". Fix: pass (N, C, D, H, W); unsqueeze(0) adds a missing batch "
                "dimension."
            )


class SyncBatchNorm(_BatchNorm):
    """Batch normalisation whose statistics PyTorch would gather over a process group. arraygrad
    runs in one process, where PyTorch's CPU forward is :class:`BatchNorm1d`'s (train and eval,
    running statistics included): so is this, on input of any rank from 2 up.

    ``(N, C, *)`` to the same shape. :meth:`convert_sync_batchnorm` swaps it in for every batch
    norm layer of a model.

    >>> import arraygrad
    >>> bn = arraygrad.nn.SyncBatchNorm(1)
    >>> bn(arraygrad.tensor([1.0, 3.0]).reshape(2, 1, 1)).flatten()
    tensor([-1.0000,  1.0000], grad_fn=<ViewBackward0>)
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        process_group: Any = None,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(
            num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias
        )
        self.process_group = process_group

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim < 2:
            raise ValueError(
                f"expected at least 2D input (got {input.ndim}D input). Fix: pass (N, C, *)."
            )

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """``module`` with every batch norm layer in it (itself included) replaced by a
        :class:`SyncBatchNorm` that holds the same parameter and buffer objects, training flag
        and ``qconfig``; containers are changed in place and returned."""
        converted = module
        if isinstance(module, _BatchNorm):  # instance norms are not batch norms
            converted = cls(
                module.num_features,
                module.eps,
                module.momentum,
                module.affine,
                module.track_running_stats,
                process_group,
                bias=module.bias is not None,
            )
            if module.affine:  # the very Parameters, so optimizers holding them still work
                converted.weight = module.weight
                converted.bias = module.bias
            converted.running_mean = module.running_mean
            converted.running_var = module.running_var
            converted.num_batches_tracked = module.num_batches_tracked
            converted.training = module.training
            if hasattr(module, "qconfig"):
                converted.qconfig = module.qconfig
        for name, child in module.named_children():
            converted.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return converted


class LayerNorm(Module):
    """Normalise over the last ``len(normalized_shape)`` dimensions, then scale and shift.

    ``y = (x - mean) / sqrt(var + eps) * weight + bias`` (biased variance); ``weight`` starts
    at 1 and ``bias`` at 0, both of shape ``normalized_shape``. Input ``(*, *normalized_shape)``,
    output the same shape; the same statistics in training and eval (no running averages).

    >>> import arraygrad
    >>> ln = arraygrad.nn.LayerNorm(2)
    >>> ln(arraygrad.tensor([[1.0, 3.0], [0.0, 10.0]]))
    tensor([[-1.0000,  1.0000],
            [-1.0000,  1.0000]], grad_fn=<NativeLayerNormBackward0>)
    """

    def __init__(
        self,
        normalized_shape: Any,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _device.check_placement(device)
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _add_affine(self, self.normalized_shape, elementwise_affine, bias, dtype)

    def reset_parameters(self) -> None:
        """``weight`` to 1, ``bias`` to 0."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """Normalise each example's channels in ``num_groups`` groups, then scale and shift each
    channel: ``weight`` starts at 1 and ``bias`` at 0 (see :func:`functional.group_norm`).

    ``y = (x - mean_g) / sqrt(var_g + eps) * weight_c + bias_c``, the mean and biased variance
    taken over the ``C / num_groups`` channels of the group and all positions. Input
    ``(N, C, *)``, output the same shape; ``num_channels`` must be divisible by ``num_groups``.

    >>> import arraygrad
    >>> gn = arraygrad.nn.GroupNorm(2, 4)
    >>> gn(arraygrad.tensor([[1.0, 3.0, 10.0, 20.0]])).detach()
    tensor([[-1.0000,  1.0000, -1.0000,  1.0000]])
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        _device.check_placement(device)
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(
                f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})"
                ". Fix: pass a num_groups that divides num_channels."
            )
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _add_affine(self, (num_channels,), affine, bias, dtype)

    def reset_parameters(self) -> None:
        """``weight`` to 1, ``bias`` to 0."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class RMSNorm(Module):
    """``x / sqrt(mean(x ** 2) + eps) * weight`` over the last ``len(normalized_shape)``
    dimensions; ``weight`` starts at 1 and ``eps=None`` means the dtype's machine epsilon.

    No centring and no bias, unlike :class:`LayerNorm`. Input ``(*, *normalized_shape)``,
    output the same shape.

    >>> import arraygrad
    >>> rms = arraygrad.nn.RMSNorm(2)
    >>> rms(arraygrad.tensor([[3.0, 4.0], [1.0, -1.0]]))
    tensor([[ 0.8485,  1.1314],
            [ 1.0000, -1.0000]], grad_fn=<MulBackward0>)
    """

    def __init__(
        self,
        normalized_shape: Any,
        eps: float | None = None,
        elementwise_affine: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _device.check_placement(device)
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(empty(*self.normalized_shape, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``weight`` to 1."""
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, input: Tensor) -> Tensor:
        return F.rms_norm(input, list(self.normalized_shape), self.weight, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


class CrossMapLRN2d(Module):
    """PyTorch's legacy cross-channel local response normalisation of 4-D input, with its
    window, its treatment of channel 0 and its hand-written backward (see
    ``arraygrad.ops.nn.cross_map_lrn2d``); :class:`LocalResponseNorm` is the standard form.

    Roughly ``x_c / (k + alpha / size * sum of x^2 over size channels near c) ** beta``; its
    window sits differently from :class:`LocalResponseNorm`'s at the last channels, as in
    PyTorch. ``(N, C, H, W)`` to the same shape.

    >>> import arraygrad
    >>> lrn = arraygrad.nn.CrossMapLRN2d(3, alpha=3.0, beta=1.0, k=1.0)
    >>> lrn(arraygrad.ones(1, 5, 1, 1)).flatten()
    tensor([0.3333, 0.2500, 0.2000, 0.2000, 0.2500])
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim != 4:
            raise ValueError(
                f"CrossMapLRN2d: Expected input to be 4D, got {input.ndim}D instead."
                " Fix: pass input of shape (N, C, H, W)."
            )
        if not input.dtype.is_floating_point:
            raise RuntimeError(
                "result type Float can't be cast to the desired output type "
                f"{_dtype.torch_type_name(input.dtype)}"
                ". Fix: convert the input to a floating dtype (e.g. "
                "input.float())."
            )
        if self.size == 0:  # PyTorch divides alpha by the size first
            raise ZeroDivisionError("float division by zero")
        return ops.cross_map_lrn2d(
            input, size=self.size, alpha=self.alpha, beta=self.beta, k=self.k
        )

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class LocalResponseNorm(Module):
    """Divide each channel by ``(k + alpha * mean of x^2 over size neighbouring channels) **
    beta`` (see :func:`functional.local_response_norm`).

    The window covers channels ``c - size // 2`` to ``c + (size - 1) // 2``, zero-padded at the
    edges (the mean still divides by ``size``). Input ``(N, C, *)`` with at least 3 dimensions,
    output the same shape.

    >>> import arraygrad
    >>> lrn = arraygrad.nn.LocalResponseNorm(3, alpha=3.0, beta=1.0, k=1.0)
    >>> lrn(arraygrad.ones(1, 5, 1, 1)).flatten()
    tensor([0.3333, 0.2500, 0.2500, 0.2500, 0.3333])
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
