"""Tensors over other objects' memory: ``frombuffer`` (Python's buffer protocol) and DLPack
(``from_dlpack``, ``to_dlpack``), plus ``get_device``. The tensors share memory with their
source as PyTorch's do: writes through one are seen through the other.

>>> import arraygrad
>>> data = bytearray(b"\\x01\\x02")
>>> t = arraygrad.frombuffer(data, dtype=arraygrad.int8)
>>> t[0] = 7
>>> data
bytearray(b'\\x07\\x02')
"""

from __future__ import annotations

import operator
import warnings
from typing import Any

from arraygrad import _device, _dtype, _flags
from arraygrad._arguments import not_tensor_error
from arraygrad._backend import interchange
from arraygrad._tensor import Tensor

__all__ = ["from_dlpack", "frombuffer", "get_device", "to_dlpack"]

# PyTorch warns once per process about read-only buffers (unless set_warn_always).
_warned_read_only = [False]

_READ_ONLY = (
    "The given buffer is not writable, and PyTorch does not support non-writable tensors. This "
    "means you can write to the underlying (supposedly non-writable) buffer using the tensor. "
    "You may want to copy the buffer to protect its data or make it writable before converting "
    "it to a tensor. This type of warning will be suppressed for the rest of this program."
)


def frombuffer(
    buffer: Any,
    *,
    dtype: _dtype.dtype,
    count: int = -1,
    offset: int = 0,
    requires_grad: bool = False,
) -> Tensor:
    """A 1-d tensor over the bytes of ``buffer`` (an object with Python's buffer protocol:
    ``bytes``, ``bytearray``, ``array.array``, a memoryview...), sharing its memory: ``count``
    elements of ``dtype`` (-1 or less: as many as fit) from byte ``offset``. A read-only buffer
    warns (once) and is written through all the same, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.frombuffer(bytearray(b"\\x00\\x00\\x80?"), dtype=arraygrad.float32)
    tensor([1.])
    """
    if not isinstance(dtype, _dtype.dtype):
        raise TypeError(
            f"frombuffer(): argument 'dtype' must be torch.dtype, not {type(dtype).__name__}"
        )
    target = dtype
    raw, read_only = interchange.buffer_bytes(buffer)
    count, offset = operator.index(count), operator.index(offset)
    length, size = raw.nbytes, target.itemsize
    if length <= 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if offset < 0 or offset >= length:
        raise ValueError(
            f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
            f"({length} bytes) minus 1"
        )
    if count < 0:
        if (length - offset) % size:
            raise ValueError(
                f"buffer length ({length - offset} bytes) after offset ({offset} bytes) must be "
                f"a multiple of element size ({size})"
            )
        count = (length - offset) // size
    elif offset + count * size > length:
        raise ValueError(
            f"requested buffer length ({count} * {size} bytes) after offset ({offset} bytes) "
            f"must not be greater than actual buffer length ({length} bytes)"
        )
    if read_only and (_flags.is_warn_always_enabled() or not _warned_read_only[0]):
        _warned_read_only[0] = True
        warnings.warn(_READ_ONLY, UserWarning, stacklevel=2)
    array = interchange.frombuffer(raw, _dtype.to_xp(target), count, offset)
    return Tensor._wrap(array).requires_grad_(requires_grad)


def from_dlpack(ext_tensor: Any, *, device: Any = None, copy: bool | None = None) -> Tensor:
    """A tensor sharing memory with ``ext_tensor``, any object with ``__dlpack__`` (a NumPy
    array, another library's tensor) or a DLPack capsule from :func:`to_dlpack`; ``copy=True``
    copies instead. ``device`` must be the device arraygrad computes on.

    >>> import arraygrad, numpy
    >>> arraygrad.from_dlpack(numpy.arange(3.0))
    tensor([0., 1., 2.], dtype=arraygrad.float64)
    """
    _device.check_placement(device)
    array = interchange.from_dlpack(ext_tensor)
    _dtype.from_xp(array.dtype)  # raises for dtypes arraygrad does not support
    result = Tensor._wrap(array)
    return result.clone() if copy else result


def to_dlpack(tensor: Tensor) -> Any:
    """``tensor``'s memory as a DLPack capsule, for a library that reads capsules (an object
    with ``__dlpack__``, such as the tensor itself, is what newer libraries take).

    >>> import arraygrad
    >>> arraygrad.from_dlpack(arraygrad.to_dlpack(arraygrad.arange(3)))
    tensor([0, 1, 2])
    """
    return tensor.__dlpack__()


def get_device(input: Tensor) -> int:
    """The index of the GPU holding ``input``'s memory; -1 for CPU tensors, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.get_device(arraygrad.zeros(1))
    -1
    """
    if not isinstance(input, Tensor):
        raise not_tensor_error("get_device", input, name="input", position=1)
    return input.get_device()
