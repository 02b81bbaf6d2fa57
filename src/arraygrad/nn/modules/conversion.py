"""Converting a module's parameters and buffers: ``to``, ``float``, ``double``, ``half``,
``cpu``, ``type`` and ``to_empty`` of :class:`~arraygrad.nn.Module`, all through ``_apply``.

Parameters stay the same objects (their ``.data`` changes), so optimizers built on them keep
working, as in PyTorch.

>>> import arraygrad
>>> layer = arraygrad.nn.Linear(2, 1).double()
>>> layer.weight.dtype
arraygrad.float64
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Self

from arraygrad import _creation, _device, _dtype, _like_creation, _tensor_types
from arraygrad._grad_mode import no_grad
from arraygrad._tensor import Tensor
from arraygrad.nn.parameter import UninitializedTensorMixin

if TYPE_CHECKING:
    from arraygrad.nn.modules.module import Module
    from arraygrad.nn.parameter import Parameter

__all__ = ["ConversionMixin"]


class ConversionMixin:
    """The conversion methods of ``Module`` (which provides the attributes used here)."""

    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]

    if TYPE_CHECKING:

        def children(self) -> Iterator[Module]: ...

        def parameters(self, recurse: bool = True) -> Iterator[Parameter]: ...

    def _apply(self, fn: Callable[[Tensor], Tensor], recurse: bool = True) -> Self:
        if recurse:
            for module in self.children():
                module._apply(fn)
        with no_grad():
            for param in self._parameters.values():
                if param is None:
                    continue
                # Changing .data keeps the Parameter object, so optimizers still hold it.
                param.data = fn(param)
                if param.grad is not None:
                    param.grad.data = fn(param.grad)
            for key, buf in self._buffers.items():
                if isinstance(buf, UninitializedTensorMixin):
                    # A lazy module's buffer stays uninitialized (in the new dtype), as its
                    # parameters do, for its first call to materialize.
                    buf.data = fn(buf)
                elif buf is not None:
                    self._buffers[key] = fn(buf)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Self:
        """Convert floating-point parameters and buffers to a dtype (``module.to(float64)``).

        Tensors stay on the device arraygrad computes on (see :meth:`Tensor.to`); integer
        buffers (``num_batches_tracked``) keep their dtype. ``memory_format=`` lays out the 4-D
        and 5-D ones in that format (``channels_last``), as PyTorch's does.
        """
        target = kwargs.pop("dtype", None)
        memory_format = kwargs.pop("memory_format", None)
        kwargs.pop("non_blocking", None)  # (copies are synchronous here)
        for arg in [*args, kwargs.pop("device", None)]:
            if isinstance(arg, _dtype.dtype):
                target = arg
            elif isinstance(arg, Tensor):
                target = arg.dtype
            elif arg is not None:
                _device.check_reachable(arg)
        if target is not None and not target.is_floating_point:
            raise TypeError(
                "nn.Module.to only accepts floating point or complex dtypes, but got desired "
                f"dtype={target}"
                ". Fix: pass a floating-point or complex dtype (e.g. torch.float64); convert "
                "integer buffers one by one."
            )
        if target is None and memory_format is None:
            return self

        def convert(t: Tensor) -> Tensor:
            if target is not None and t.is_floating_point():
                t = t.to(target)
            if memory_format is not None and t.dim() in (4, 5):
                t = t.to(memory_format=memory_format)
            return t

        return self._apply(convert)

    def float(self) -> Self:
        """Convert floating-point parameters and buffers to float32."""
        return self.to(_dtype.float32)

    def double(self) -> Self:
        """Convert floating-point parameters and buffers to float64."""
        return self.to(_dtype.float64)

    def half(self) -> Self:
        """Convert floating-point parameters and buffers to float16."""
        return self.to(_dtype.float16)

    def bfloat16(self) -> Self:
        """Convert floating-point parameters and buffers to bfloat16."""
        return self.to(_dtype.bfloat16)

    def cpu(self) -> Self:
        """This module: its tensors stay on the device arraygrad computes on (see
        :meth:`Tensor.cpu`)."""
        return self

    def cuda(self, device: Any = None) -> Self:
        """This module, when arraygrad computes on a CUDA device (CuPy's); else PyTorch's
        RuntimeError, with the fix."""
        _device.check_reachable(_device.cuda_device(device))
        return self

    def to_empty(self, *, device: Any, recurse: bool = True) -> Self:
        """Replace every parameter's and buffer's values (and gradients) by uninitialized
        memory of the same shape and dtype; Parameters stay the same objects."""
        if device is not None:
            _device.check_reachable(device)
        return self._apply(_like_creation.empty_like, recurse)

    def type(self, dst_type: Any) -> Self:
        """Cast every parameter and buffer, integer ones included, to ``dst_type`` (a dtype or
        a name such as ``'torch.DoubleTensor'``)."""
        if isinstance(dst_type, _tensor_types.tensortype):  # module.type(torch.DoubleTensor)
            dst_type = dst_type.dtype
        if not isinstance(dst_type, (str, _dtype.dtype)):
            raise TypeError(
                "dtype must be a type, str, or dtype object"
                f" (got {type(dst_type).__name__}). Fix: pass a dtype such as torch.float64, or "
                "a name such as 'torch.DoubleTensor'."
            )
        # A name is checked (and resolved) by Tensor.type before anything is converted.
        target = _creation.empty(0).type(dst_type).dtype
        # A parameter that requires grad cannot hold integers: refuse before changing any.
        if not target.is_floating_point and any(p.requires_grad for p in self.parameters()):
            raise RuntimeError(
                "data set to a tensor that requires gradients must be floating point or "
                "complex dtype"
                f" (got {target}). Fix: convert to a floating-point dtype, or call "
                "requires_grad_(False) on the module first."
            )
        return self._apply(lambda t: t.type(dst_type))
