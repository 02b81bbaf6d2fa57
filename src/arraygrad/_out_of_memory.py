"""PyTorch's errors for a tensor too large to make: :class:`OutOfMemoryError`.

The factory functions (``zeros``, ``ones``, ``full``, ``empty``, ``arange``, ``rand``, ...)
allocate the memory of the tensor the user asked for. Where the array library refuses (NumPy's
``MemoryError``, or its ``ValueError`` for more bytes than one array may have), they raise
what PyTorch raises instead, from :func:`allocation_error`: ``OutOfMemoryError`` (a
``RuntimeError``) for memory the machine does not have, a plain ``RuntimeError`` for a size
beyond 64-bit byte counts ("Storage size calculation overflowed"). Each function wraps only
its own allocation in ``try``, which costs nothing until something is raised. So do the ops:
a primitive's forward (``Primitive.apply1``, ``apply2``, ``__call__``: a matmul, a copy of an
expanded tensor) and the backward engine (a rule's gradient) make a ``MemoryError`` an
``OutOfMemoryError``.

PyTorch raises ``torch.OutOfMemoryError`` where a GPU's allocator fails, and a plain
``RuntimeError`` with the same words where the CPU's does: arraygrad raises its
``OutOfMemoryError`` on either, so that both ``except torch.OutOfMemoryError`` (a batch-size
search written for GPUs) and ``except RuntimeError`` (one written for the CPU) catch it.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend

__all__ = ["OutOfMemoryError"]

_UNITS = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")


class OutOfMemoryError(RuntimeError):
    """The memory for a tensor could not be had: PyTorch's ``torch.OutOfMemoryError``, also
    ``arraygrad.cuda.OutOfMemoryError``. A ``RuntimeError``, as PyTorch's is, so code that
    catches either catches it; the message says how many bytes were asked for and how to ask
    for fewer.

    >>> import arraygrad
    >>> issubclass(arraygrad.OutOfMemoryError, RuntimeError)
    True
    """


def allocation_error(error: Exception, shape: Any = None) -> Exception:
    """What to raise where making an array of ``shape`` (a tuple of ints, if known) raised
    ``error``: PyTorch's error where the library refused the allocation, else ``error``."""
    refusal = _backend.refused_allocation(error)
    sizes = "" if shape is None else f" with sizes={list(shape)}"
    if refusal == "size":
        return RuntimeError(
            f"Storage size calculation overflowed{sizes}: the tensor would take more than "
            "2**63 - 1 bytes. Fix: ask for fewer elements."
        )
    if refusal != "memory":
        return error
    requested = _backend.requested_bytes(error)
    what = "" if requested is None else f": you tried to allocate {requested} bytes"
    if requested:
        power = min(int(math.log(requested, 1024)), len(_UNITS) - 1)
        what += f" ({requested / 1024**power:.2f} {_UNITS[power]})"
    return OutOfMemoryError(
        f"can't allocate memory{what}{sizes and ' for a tensor' + sizes}. Fix: make it smaller "
        "(fewer elements, or a narrower dtype such as float16), or free memory first (del the "
        "tensors no longer needed)."
    )
