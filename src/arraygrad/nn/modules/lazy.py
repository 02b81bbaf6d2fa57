"""Lazy layers: ``LazyLinear``, ``LazyConv1d/2d/3d``, ``LazyConvTranspose1d/2d/3d``,
``LazyBatchNorm1d/2d/3d`` and ``LazyInstanceNorm1d/2d/3d`` infer their input size on their first
call.

As in PyTorch, the weight and bias start as :class:`~arraygrad.nn.parameter.UninitializedParameter`
objects (running statistics as ``UninitializedBuffer``); a forward pre-hook reads the input's
features (or channels) on the first call,
materializes them in place (an optimizer built before that call still holds them), draws them
from the layer's default initialisation, and turns the module into its eager class
(``cls_to_become``: ``Linear``, ``Conv2d``, ...). Loading a state dict materializes them with the
checkpoint's shapes instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from arraygrad import _device, _dtype
from arraygrad._creation import tensor
from arraygrad._grad_mode import no_grad
from arraygrad._tensor import Tensor
from arraygrad.nn.modules._instance_norm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from arraygrad.nn.modules.conv import (
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
)
from arraygrad.nn.modules.linear import Linear
from arraygrad.nn.modules.normalization import (
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    _NormBase,
)
from arraygrad.nn.parameter import (
    UninitializedBuffer,
    UninitializedParameter,
    UninitializedTensorMixin,
)

__all__ = ["LazyModuleMixin"]  # as PyTorch; the lazy layers are offered by nn and their
# families' modules (conv, linear, batchnorm, instancenorm)


class LazyModuleMixin:
    """Materializes a module's uninitialized parameters on its first call (PyTorch's mixin).

    A subclass defines ``initialize_parameters(*args, **kwargs)`` and ``cls_to_become``.
    """

    cls_to_become: type | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(  # type: ignore[attr-defined]
            LazyModuleMixin._infer_parameters, with_kwargs=True
        )

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer of this module (not its children) has no shape yet."""
        tensors = [*self._parameters.values(), *self._buffers.values()]  # type: ignore[attr-defined]
        return any(isinstance(t, UninitializedTensorMixin) for t in tensors)

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(
            f"initialize_parameters is not implemented for {type(self)}"
            ". Fix: define initialize_parameters(self, input) in the lazy"
            " subclass."
        )

    @staticmethod
    def _infer_parameters(module: Any, args: tuple[Any, ...], kwargs: Any = None) -> None:
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(
                f"module {module._get_name()} has not been fully initialized"
                ". Fix: run a forward pass on an example input first (e.g. "
                "model(example))."
            )
        module._initialize_hook.remove()
        del module._initialize_hook
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    def _save_to_state_dict(
        self, destination: dict[str, Any], prefix: str, keep_vars: bool
    ) -> None:
        # Uninitialized tensors are saved as themselves: detaching would give them a shape.
        super()._save_to_state_dict(destination, prefix, keep_vars)  # type: ignore[misc]
        tensors = [*self._parameters.items(), *self._buffers.items()]  # type: ignore[attr-defined]
        for name, value in tensors:
            if isinstance(value, UninitializedTensorMixin) and prefix + name in destination:
                destination[prefix + name] = value

    def _load_from_state_dict(
        self, state_dict: Mapping[str, Any], prefix: str, *args: Any, **kwargs: Any
    ) -> None:
        # A checkpoint gives the shapes: materialize with them, then copy as usual.
        tensors = [*self._parameters.items(), *self._buffers.items()]  # type: ignore[attr-defined]
        for name, param in tensors:
            key = prefix + name
            if isinstance(param, UninitializedTensorMixin) and key in state_dict:
                value = state_dict[key]
                if hasattr(value, "shape"):
                    with no_grad():
                        param.materialize(tuple(value.shape))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)  # type: ignore[misc]


class LazyLinear(LazyModuleMixin, Linear):
    """:class:`Linear` whose ``in_features`` is the last size of its first input.

    >>> import arraygrad
    >>> layer = LazyLinear(2)
    >>> layer(arraygrad.ones(4, 3)).shape, layer
    (arraygrad.Size([4, 2]), Linear(in_features=3, out_features=2, bias=True))
    """

    cls_to_become = Linear
    weight: UninitializedParameter
    bias: UninitializedParameter

    def __init__(
        self, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        _device.check_placement(device)
        # No bias yet: a tensor soon replaced is not worth making.
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor) -> None:
        if self.has_uninitialized_params():
            with no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()


class _LazyConvXdMixin(LazyModuleMixin):
    """``in_channels`` from the first input's channel dimension (PyTorch's mixin)."""

    _dims: int
    in_channels: int
    out_channels: int
    groups: int
    transposed: bool
    kernel_size: tuple[int, ...]
    weight: Any
    bias: Any

    def __init__(
        self,
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
        # in_channels and out_channels 0 and no bias until the first input.
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode)
        self._uninitialized(out_channels, bias, dtype)

    def _uninitialized(self, out_channels: int, bias: bool, dtype: Any) -> None:
        self.weight = UninitializedParameter(dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()  # type: ignore[misc]

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:
        if not self.has_uninitialized_params():
            return
        n = self._dims
        if input.dim() not in (n + 1, n + 2):
            raise RuntimeError(
                f"Expected {n + 1}D (unbatched) or {n + 2}D (batched) input to "
                f"{type(self).__name__}, but got input of size: {input.shape}"
                f". Fix: pass (N, C, *spatial) or (C, *spatial) input with {n} spatial "
                "dimensions."
            )
        self.in_channels = input.shape[1] if input.dim() == n + 2 else input.shape[0]
        if self.in_channels % self.groups != 0:
            raise ValueError(
                "in_channels must be divisible by groups"
                f" (got in_channels={self.in_channels}, groups={self.groups}). Fix: give the "
                "input a number of channels divisible by groups, or build with other groups."
            )
        with no_grad():
            if self.transposed:
                shape = (self.in_channels, self.out_channels // self.groups)
            else:
                shape = (self.out_channels, self.in_channels // self.groups)
            self.weight.materialize(shape + tuple(self.kernel_size))
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()


class LazyConv1d(_LazyConvXdMixin, Conv1d):
    """:class:`Conv1d` whose ``in_channels`` is the channel size of its first input.

    ``weight`` and ``bias`` stay uninitialized until the first call, which sizes and draws them
    and turns the module into a plain :class:`Conv1d`.

    >>> import arraygrad
    >>> layer = arraygrad.nn.LazyConv1d(4, 3)
    >>> layer(arraygrad.ones(1, 2, 5)).shape, tuple(layer.weight.shape)
    (arraygrad.Size([1, 4, 3]), (4, 2, 3))
    >>> type(layer).__name__
    'Conv1d'
    """

    cls_to_become = Conv1d


class LazyConv2d(_LazyConvXdMixin, Conv2d):
    """:class:`Conv2d` whose ``in_channels`` is the channel size of its first input.

    >>> import arraygrad
    >>> layer = LazyConv2d(4, 3)
    >>> layer(arraygrad.ones(1, 2, 5, 5)).shape, tuple(layer.weight.shape)
    (arraygrad.Size([1, 4, 3, 3]), (4, 2, 3, 3))
    """

    cls_to_become = Conv2d


class LazyConv3d(_LazyConvXdMixin, Conv3d):
    """:class:`Conv3d` whose ``in_channels`` is the channel size of its first input.

    The first call sizes and draws ``weight`` and ``bias`` and makes the module a :class:`Conv3d`.

    >>> import arraygrad
    >>> layer = arraygrad.nn.LazyConv3d(4, 3)
    >>> layer(arraygrad.ones(1, 2, 5, 5, 5)).shape, tuple(layer.weight.shape)
    (arraygrad.Size([1, 4, 3, 3, 3]), (4, 2, 3, 3, 3))
    """

    cls_to_become = Conv3d


def _transpose_init(
    self: Any,
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
    """The lazy transposed convolutions' constructor: ``ConvTranspose``'s arguments (in its
    order) less ``in_channels``."""
    _device.check_placement(device)
    super(_LazyConvXdMixin, self).__init__(
        0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation, padding_mode
    )
    self._uninitialized(out_channels, bias, dtype)


class LazyConvTranspose1d(_LazyConvXdMixin, ConvTranspose1d):
    """:class:`ConvTranspose1d` whose ``in_channels`` is the channel size of its first input.

    The first call sizes ``weight`` as ``(in_channels, out_channels / groups, kernel_size)``.

    >>> import arraygrad
    >>> layer = arraygrad.nn.LazyConvTranspose1d(4, 3, stride=2)
    >>> layer(arraygrad.ones(1, 6, 3)).shape, tuple(layer.weight.shape)
    (arraygrad.Size([1, 4, 7]), (6, 4, 3))
    """

    cls_to_become = ConvTranspose1d
    __init__ = _transpose_init


class LazyConvTranspose2d(_LazyConvXdMixin, ConvTranspose2d):
    """:class:`ConvTranspose2d` whose ``in_channels`` is the channel size of its first input.

    >>> import arraygrad
    >>> layer = LazyConvTranspose2d(4, 3, stride=2, groups=2)
    >>> layer(arraygrad.ones(1, 6, 3, 3)).shape, tuple(layer.weight.shape)
    (arraygrad.Size([1, 4, 7, 7]), (6, 2, 3, 3))
    """

    cls_to_become = ConvTranspose2d
    __init__ = _transpose_init


class LazyConvTranspose3d(_LazyConvXdMixin, ConvTranspose3d):
    """:class:`ConvTranspose3d` whose ``in_channels`` is the channel size of its first input.

    The first call sizes ``weight`` as ``(in_channels, out_channels / groups, kd, kh, kw)``.

    >>> import arraygrad
    >>> layer = arraygrad.nn.LazyConvTranspose3d(4, 2, stride=2)
    >>> layer(arraygrad.ones(1, 6, 3, 3, 3)).shape, tuple(layer.weight.shape)
    (arraygrad.Size([1, 4, 6, 6, 6]), (6, 4, 2, 2, 2))
    """

    cls_to_become = ConvTranspose3d
    __init__ = _transpose_init


class _LazyNormBase(LazyModuleMixin, _NormBase):
    """``num_features`` from the first input's dimension 1 (PyTorch's ``_LazyNormBase``): the
    affine parameters and the running statistics start uninitialized."""

    num_features: int
    affine: bool
    track_running_stats: bool

    def __init__(
        self,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        _device.check_placement(device)
        # Neither affine nor tracking yet, so that no tensor is made only to be replaced.
        super().__init__(0, eps, momentum, False, False, device, dtype)
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = UninitializedParameter(dtype=dtype)
            self.bias = UninitializedParameter(dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(dtype=dtype)
            self.running_var = UninitializedBuffer(dtype=dtype)
            self.num_batches_tracked = tensor(0, dtype=_dtype.int64)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()  # type: ignore[misc]

    def initialize_parameters(self, input: Tensor) -> None:
        if not self.has_uninitialized_params():
            return
        # PyTorch reads dimension 1 (for unbatched instance norm input too).
        self.num_features = input.shape[1]
        size = (self.num_features,)
        with no_grad():
            if self.affine:
                self.weight.materialize(size)  # type: ignore[attr-defined]
                self.bias.materialize(size)  # type: ignore[attr-defined]
            if self.track_running_stats:
                self.running_mean.materialize(size)  # type: ignore[attr-defined]
                self.running_var.materialize(size)  # type: ignore[attr-defined]
            self.reset_parameters()


class LazyBatchNorm1d(_LazyNormBase, BatchNorm1d):
    """:class:`BatchNorm1d` whose ``num_features`` is the channel size of its first input.

    The affine parameters and running statistics are sized by the first call, which makes the
    module a plain :class:`BatchNorm1d`.

    >>> import arraygrad
    >>> layer = arraygrad.nn.LazyBatchNorm1d()
    >>> _ = layer(arraygrad.ones(4, 3))
    >>> layer
    BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    """

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNormBase, BatchNorm2d):
    """:class:`BatchNorm2d` whose ``num_features`` is the channel size of its first input.

    >>> import arraygrad
    >>> layer = LazyBatchNorm2d()
    >>> _ = layer(arraygrad.ones(2, 3, 2, 2))
    >>> layer
    BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    """

    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyNormBase, BatchNorm3d):
    """:class:`BatchNorm3d` whose ``num_features`` is the channel size of its first input.

    The first call sizes the parameters and running statistics, and updates the statistics.

    >>> import arraygrad
    >>> layer = arraygrad.nn.LazyBatchNorm3d()
    >>> _ = layer(arraygrad.ones(2, 3, 2, 2, 2))
    >>> layer.running_mean
    tensor([0.1000, 0.1000, 0.1000])
    """

    cls_to_become = BatchNorm3d


class LazyInstanceNorm1d(_LazyNormBase, InstanceNorm1d):
    """:class:`InstanceNorm1d` whose ``num_features`` is the size of dimension 1 of its first
    input (affine and tracking by default, as in PyTorch's lazy form).

    >>> import arraygrad
    >>> layer = arraygrad.nn.LazyInstanceNorm1d()
    >>> _ = layer(arraygrad.ones(2, 3, 4))
    >>> layer
    InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    """

    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyNormBase, InstanceNorm2d):
    """:class:`InstanceNorm2d` whose ``num_features`` is the size of dimension 1 of its first
    input (affine and tracking by default, as in PyTorch's lazy form).

    >>> import arraygrad
    >>> layer = arraygrad.nn.LazyInstanceNorm2d()
    >>> layer(arraygrad.ones(2, 3, 4, 4)).shape, tuple(layer.weight.shape)
    (arraygrad.Size([2, 3, 4, 4]), (3,))
    """

    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyNormBase, InstanceNorm3d):
    """:class:`InstanceNorm3d` whose ``num_features`` is the size of dimension 1 of its first
    input (affine and tracking by default, as in PyTorch's lazy form).

    >>> import arraygrad
    >>> layer = arraygrad.nn.LazyInstanceNorm3d()
    >>> layer(arraygrad.ones(2, 3, 4, 4, 4)).shape, tuple(layer.weight.shape)
    (arraygrad.Size([2, 3, 4, 4, 4]), (3,))
    """

    cls_to_become = InstanceNorm3d
