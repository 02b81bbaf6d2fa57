"""Storages: the bytes of memory that tensors view (PyTorch's ``UntypedStorage``).

Part of the one door to array libraries (see :mod:`arraygrad._backend`). On NumPy a tensor's
storage is the memory of the array at the end of its array's chain of bases (its *owner*):
its bytes are a flat ``uint8`` view of that owner, and a tensor set to a storage views those
bytes as its dtype. Other libraries do not expose their memory: there a storage is the
array's own elements, and byte-level access is refused.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from arraygrad._backend import layout


def owner_of(array: Any) -> Any:
    """The array whose memory ``array`` views: the identity of its storage (on other
    libraries, ``array`` itself)."""
    if array.__class__ is not np.ndarray:
        return array
    return layout._memory_owner(array)


def bytes_of(array: Any) -> Any:
    """A flat ``uint8`` view of every byte of the memory ``array`` views (its owner's), whose
    chain of bases ends at that owner; ``None`` on libraries that do not expose memory."""
    if array.__class__ is not np.ndarray:
        return None
    owner = layout._memory_owner(array)
    if owner.flags.c_contiguous:
        return owner.reshape(-1).view(np.uint8)
    if owner.flags.f_contiguous:  # its transpose is C-ordered: the same bytes, in memory order
        return owner.T.reshape(-1).view(np.uint8)
    # Memory with gaps whose start NumPy does not show: the bytes from the first element to
    # the end of the last, read through their addresses (kept alive through ``owner``).
    if not owner.size:
        return np.zeros(0, dtype=np.uint8)
    low = sum((n - 1) * s for n, s in zip(owner.shape, owner.strides, strict=True) if s < 0)
    span = owner.itemsize + sum(
        (n - 1) * abs(s) for n, s in zip(owner.shape, owner.strides, strict=True)
    )
    interface = {
        "shape": (span,),
        "typestr": "|u1",
        "version": 3,
        "data": (owner.__array_interface__["data"][0] + low, not owner.flags.writeable),
    }
    return np.asarray(layout._Addresses(interface, owner))


def new_bytes(nbytes: int, keep: Any = None) -> Any:
    """New zeroed memory of ``nbytes`` bytes (PyTorch's is uninitialised), beginning with as
    many of the bytes of ``keep`` (a :func:`bytes_of` array) as fit."""
    memory = np.zeros(nbytes, dtype=np.uint8)
    if keep is not None:
        kept = min(nbytes, keep.shape[0])
        memory[:kept] = keep[:kept]
    return memory


def typed_view(
    memory: Any, dtype: Any, shape: tuple[int, ...], strides: tuple[int, ...], offset: int
) -> Any:
    """The elements ``offset + sum(i[k] * strides[k])`` (in elements of ``dtype``, checked by
    the caller to lie inside) of the bytes ``memory``, in ``shape``: an array of ``dtype``
    viewing ``memory``, so that its writes are ``memory``'s."""
    itemsize = np.dtype(dtype).itemsize
    if 0 in shape:  # no element to reach: any start will do (NumPy checks it)
        offset = 0
    byte_strides = tuple(step * itemsize for step in strides)
    return np.ndarray(shape, dtype, memory, offset * itemsize, byte_strides)


def placeholder(spare: Any, dtype: Any, shape: tuple[int, ...]) -> Any:
    """A read-only array of ``shape`` and ``dtype`` with all its elements at the start of
    ``spare`` (bytes of at least the dtype's size): what a tensor whose storage no longer
    holds its elements views (PyTorch reads freed memory there; arraygrad reads zeros)."""
    view = np.ndarray(shape, dtype, spare, 0, (0,) * len(shape))
    view.flags.writeable = False
    return view


def byte_count(array: Any) -> int:
    """How many bytes the memory ``array`` views holds (its owner's, on NumPy)."""
    if array.__class__ is not np.ndarray:
        return int(math.prod(array.shape)) * array.dtype.itemsize
    owner = layout._memory_owner(array)
    return layout.storage_numel(owner) * owner.itemsize


def to_bytes(values: Any) -> Any:
    """New memory holding the bytes ``values`` (ints in [0, 255])."""
    return np.asarray(values, dtype=np.uint8).reshape(-1).copy()


def byte_list(memory: Any) -> list[int]:
    """The bytes of ``memory`` as Python ints."""
    return [int(b) for b in memory.tolist()]


def reinterpret(memory: Any, dtype: Any) -> Any:
    """``memory``'s whole elements of ``dtype`` (a flat view; a tail too short for one more
    element is left out)."""
    itemsize = np.dtype(dtype).itemsize
    count = memory.shape[0] // itemsize
    return np.ndarray((count,), dtype, memory, 0, (itemsize,))
