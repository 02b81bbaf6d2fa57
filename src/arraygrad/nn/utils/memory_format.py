"""``convert_conv2d_weight_memory_format`` and ``convert_conv3d_weight_memory_format``: the
convolution weights of a model re-laid out in a memory format (channels-last for PyTorch's
fast kernels), as PyTorch does: each weight Parameter keeps its identity and values, its data
replaced by a copy in the format (``weight.data = weight.detach().clone(memory_format=...)``),
with PyTorch's errors for a format the weight cannot take."""

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
            ". Fix: pass torch.channels_last or torch.channels_last_3d (or "
            "torch.contiguous_format)."
        )
    if memory_format is _device.preserve_format:
        raise RuntimeError(
            "Unsupported memory formatPreserve"
            ". Fix: pass torch.channels_last, torch.channels_last_3d or torch.contiguous_format."
        )
    rank = _device.CHANNELS_LAST.get(memory_format, (None,))[0]
    if rank is not None and weight.ndim != rank:
        raise RuntimeError(
            f"required rank {rank} tensor to use {memory_format._name} format"
            f" (got a weight of shape {list(weight.shape)}). Fix: use channels_last for 2-D "
            "convolutions (4-D weights) and channels_last_3d for 3-D ones (5-D weights)."
        )


def _convert(module: _M, memory_format: Any, kinds: tuple[type, ...]) -> _M:
    # Depth first through the children, the module itself included, as PyTorch walks them.
    if isinstance(module, kinds):
        _check_format(module.weight, memory_format)
        module.weight.data = module.weight.detach().clone(memory_format=memory_format)
    for child in module.children():
        _convert(child, memory_format, kinds)
    return module


def convert_conv2d_weight_memory_format(module: _M, memory_format: Any) -> _M:
    """``module`` (changed in place) once the weights of its ``Conv2d`` and ``ConvTranspose2d``
    layers are laid out in ``memory_format``, as PyTorch lays them out: the same Parameters
    and values, their data replaced by a copy in the format. A 4-D format for a 5-D weight is
    a RuntimeError.

    >>> import arraygrad
    >>> from arraygrad import nn
    >>> model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())
    >>> nn.utils.convert_conv2d_weight_memory_format(model, arraygrad.channels_last) is model
    True
    >>> model[0].weight.stride()
    (27, 1, 9, 3)
    """
    return _convert(module, memory_format, (Conv2d, ConvTranspose2d))


def convert_conv3d_weight_memory_format(module: _M, memory_format: Any) -> _M:
    """As :func:`convert_conv2d_weight_memory_format`, for ``Conv3d`` and ``ConvTranspose3d``.

    The 5-D weights take ``channels_last_3d``; the Parameters and their values are kept.

    >>> import arraygrad
    >>> from arraygrad import nn
    >>> model = nn.Sequential(nn.Conv3d(3, 4, 3))
    >>> nn.utils.convert_conv3d_weight_memory_format(model, arraygrad.channels_last_3d) is model
    True
    """
    return _convert(module, memory_format, (Conv3d, ConvTranspose3d))
