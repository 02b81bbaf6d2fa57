"""``convert_conv2d_weight_memory_format`` and ``convert_conv3d_weight_memory_format``: PyTorch
re-lays the convolution weights of a model out in a memory format (channels-last for its fast
kernels). arraygrad's convolutions take one layout, so the weights keep their values and their
layout; what PyTorch checks of the format is checked here too, with its errors."""

from __future__ import annotations

from typing import Any, TypeVar

from arraygrad import _device
from arraygrad.nn.modules.conv import Conv2d, Conv3d, ConvTranspose2d, ConvTranspose3d
from arraygrad.nn.modules.module import Module

__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]

_M = TypeVar("_M", bound=Module)


def _check_format(weight: Any, memory_format: Any) -> None:
    """PyTorch's checks when it clones ``weight`` into ``memory_format``."""
    if not isinstance(memory_format, _device.memory_format):
        raise TypeError(
            "clone(): argument 'memory_format' must be torch.memory_format, not "
            f"{type(memory_format).__name__}"
        )
    if memory_format is _device.preserve_format:
        raise RuntimeError("Unsupported memory formatPreserve")
    rank = _device.CHANNELS_LAST.get(memory_format, (None,))[0]
    if rank is not None and weight.ndim != rank:
        raise RuntimeError(f"required rank {rank} tensor to use {memory_format._name} format")


def _convert(module: _M, memory_format: Any, kinds: tuple[type, ...]) -> _M:
    # Depth first through the children, the module itself included, as PyTorch walks them.
    if isinstance(module, kinds):
        _check_format(module.weight, memory_format)
    for child in module.children():
        _convert(child, memory_format, kinds)
    return module


def convert_conv2d_weight_memory_format(module: _M, memory_format: Any) -> _M:
    """``module`` (changed in place) once the weights of its ``Conv2d`` and ``ConvTranspose2d``
    layers are in ``memory_format``: arraygrad checks the format as PyTorch does and keeps the
    weights (the same Parameters, the same values).

    Unlike PyTorch, the weights' strides stay as they were (arraygrad's convolutions do not
    depend on them). A 4-D format for a 5-D weight is a RuntimeError.

    >>> import arraygrad
    >>> from arraygrad import nn
    >>> model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())
    >>> nn.utils.convert_conv2d_weight_memory_format(model, arraygrad.channels_last) is model
    True
    """
    return _convert(module, memory_format, (Conv2d, ConvTranspose2d))


def convert_conv3d_weight_memory_format(module: _M, memory_format: Any) -> _M:
    """As :func:`convert_conv2d_weight_memory_format`, for ``Conv3d`` and ``ConvTranspose3d``.

    The format is checked (``channels_last_3d`` for the 5-D weights); the weights are kept.

    >>> import arraygrad
    >>> from arraygrad import nn
    >>> model = nn.Sequential(nn.Conv3d(3, 4, 3))
    >>> nn.utils.convert_conv3d_weight_memory_format(model, arraygrad.channels_last_3d) is model
    True
    """
    return _convert(module, memory_format, (Conv3d, ConvTranspose3d))
