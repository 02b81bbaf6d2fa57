"""Arrays that share memory with other libraries' objects: Python's buffer protocol
(``frombuffer``) and DLPack (``from_dlpack``, ``to_dlpack``), through the array library's own
support for them (NumPy's ``frombuffer`` and ``from_dlpack``; the Array API standard's
``from_dlpack`` elsewhere)."""

from __future__ import annotations

from typing import Any

import numpy as np

from arraygrad import _backend


def buffer_bytes(buffer: Any) -> tuple[memoryview, bool]:
    """``buffer``'s bytes as a flat memoryview, and whether they are read-only. Raises
    PyTorch's ValueError for an object without the buffer protocol and its RuntimeError for a
    buffer whose bytes are not in one piece."""
    try:
        view = memoryview(buffer)
    except TypeError:
        raise ValueError("object does not implement Python buffer protocol.") from None
    if not view.c_contiguous:
        raise RuntimeError("could not retrieve buffer from object")
    return view.cast("B"), view.readonly


def frombuffer(raw: memoryview, native: Any, count: int, offset: int) -> Any:
    """``count`` elements of dtype ``native`` at byte ``offset`` of ``raw``, sharing its memory
    (NumPy's arrays keep the buffer alive). On another library the bytes are copied in, since
    only host memory has a buffer protocol. A read-only buffer gives a writable array, as in
    PyTorch (the caller warns)."""
    array = np.frombuffer(raw, dtype=np.dtype(native), count=count, offset=offset)
    if not _backend.is_numpy:
        return _backend.module.asarray(array, copy=True)
    return _writable(array)


def _writable(array: np.ndarray) -> np.ndarray:
    """``array``, or where NumPy marks it read-only (a read-only buffer, a legacy DLPack
    capsule), an array over the same memory that can be written: PyTorch has no read-only
    tensors and writes through such memory, and NumPy lets a view write only when asked."""
    if array.flags.writeable:
        return array
    return np.asarray(_Writable(array))


class _Writable:
    """A read-only array's memory offered as writable through NumPy's array interface (the same
    address, so writes reach the memory as PyTorch's do); holds the array to keep it alive."""

    def __init__(self, array: np.ndarray) -> None:
        self._array = array
        interface = dict(array.__array_interface__)
        interface["data"] = (interface["data"][0], False)
        self.__array_interface__ = interface


def from_dlpack(source: Any) -> Any:
    """An array sharing memory with ``source``: an object with ``__dlpack__`` (another
    library's array or tensor) or a DLPack capsule from ``to_dlpack``."""
    if not hasattr(source, "__dlpack__"):
        if source.__class__.__name__ != "PyCapsule":
            raise RuntimeError(
                "from_dlpack received an invalid capsule. Note that DLTensor capsules can be "
                "consumed only once, so you might have already constructed a tensor from it once."
            )
        array = _backend.module.from_dlpack(_Capsule(source))
        return _writable(array) if _backend.is_numpy else array
    return _backend.module.from_dlpack(source)


class _Capsule:
    """A bare DLPack capsule (PyTorch's older interchange) in the object form that the
    standard's ``from_dlpack`` takes: ``__dlpack__`` hands the capsule over once."""

    def __init__(self, capsule: Any) -> None:
        self._capsule = capsule

    def __dlpack__(self, **_: Any) -> Any:
        return self._capsule

    def __dlpack_device__(self) -> tuple[int, int]:
        # Capsules come from the active library (to_dlpack): host memory (kDLCPU) or its GPU's.
        kind, index = _backend.device
        return (1, 0) if kind == "cpu" else (2, index or 0)


def to_dlpack(array: Any, **keywords: Any) -> Any:
    """``array`` as a DLPack capsule (its ``__dlpack__``), for another library to read."""
    return array.__dlpack__(**keywords)


def dlpack_device(array: Any) -> tuple[Any, int]:
    """``array``'s DLPack device: ``(device type, index)``, ``(1, 0)`` for host memory."""
    return array.__dlpack_device__()
