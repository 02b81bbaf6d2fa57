"""The limits of the dtypes (``finfo``, ``iinfo``) and PyTorch's thread-count settings.

Thread counts: arraygrad computes on NumPy (or another array library), whose BLAS picks its
thread count when it loads and offers no portable way to change it at run time without a
dependency (threadpoolctl). So ``set_num_threads`` validates its argument as PyTorch does,
records it for ``get_num_threads`` and warns once that the computation's threads are unchanged.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

from arraygrad import _backend, _dtype

__all__ = [
    "finfo",
    "get_num_interop_threads",
    "get_num_threads",
    "iinfo",
    "set_num_interop_threads",
    "set_num_threads",
]


def _check_dtype(name: str, value: Any) -> _dtype.dtype:
    return _dtype.dtype_argument(value, name, "type", 1, "pass a dtype such as arraygrad.float32.")


class finfo:  # noqa: N801 - PyTorch's name
    """The limits of a floating dtype (the default dtype when none is given, a complex dtype's
    parts' dtype for a complex one): ``bits``, ``eps`` (the gap between 1 and the next
    number), ``max``, ``min``, ``tiny`` and ``smallest_normal`` (the smallest positive normal
    number), ``resolution`` (``10 ** -digits``) and ``dtype``, its name.

    >>> import arraygrad
    >>> arraygrad.finfo(arraygrad.float16).max
    65504.0
    >>> arraygrad.finfo().dtype
    'float32'
    """

    bits: int
    eps: float
    max: float
    min: float
    tiny: float
    smallest_normal: float
    resolution: float
    dtype: str

    def __init__(self, type: _dtype.dtype | None = None) -> None:
        d = _dtype.get_default_dtype() if type is None else _check_dtype("finfo", type)
        # A complex dtype's limits are its parts' (torch.finfo(complex64) is float32's).
        d = _dtype.COMPONENT.get(d, d)
        if not d.is_floating_point:
            # PyTorch's message, which names the wrong class.
            raise TypeError(
                "torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                f"'torch.finfo' (got {d}). Fix: use arraygrad.iinfo for integer dtypes."
            )
        for key, value in _backend.float_info(d.name).items():
            setattr(self, key, value)
        self.dtype = d.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __hash__(self) -> int:
        return hash(("finfo", self.dtype))

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
            f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
            f"tiny={self.tiny:g}, dtype={self.dtype})"
        )


class iinfo:  # noqa: N801 - PyTorch's name
    """The limits of an integer dtype: ``bits``, ``max``, ``min`` and ``dtype``, its name.

    >>> import arraygrad
    >>> arraygrad.iinfo(arraygrad.uint8).max
    255
    """

    bits: int
    max: int
    min: int
    dtype: str

    def __init__(self, type: _dtype.dtype) -> None:
        d = _check_dtype("iinfo", type)
        if d is _dtype.bool_:
            raise TypeError(f"torch.bool is not supported by torch.iinfo (got {d}).")
        if d.is_floating_point:
            raise TypeError(
                "torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                f"'torch.iinfo' (got {d}). Fix: use arraygrad.finfo for floating dtypes."
            )
        self.bits = 8 * d.itemsize
        self.min, self.max = _dtype.int_bounds(d)
        self.dtype = d.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, iinfo) and other.dtype == self.dtype

    def __hash__(self) -> int:
        return hash(("iinfo", self.dtype))

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


# --- thread counts --------------------------------------------------------------------------

_threads: dict[str, int] = {}
_warned = False


def _cpus() -> int:
    # The CPUs this process may run on (a container's or taskset's limit), else all of them.
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _check_count(name: str, n: Any) -> None:
    """PyTorch's RuntimeError for a thread count ``n`` that is not a positive int."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise RuntimeError(
            f"{name} expects an int, but got {type(n).__name__}. Fix: pass a whole number."
        )
    if n <= 0:
        raise RuntimeError(f"{name} expects a positive integer (got {n}).")


def _set(name: str, n: Any) -> None:
    global _warned
    _check_count(name, n)
    _threads[name] = n
    if not _warned:
        _warned = True
        warnings.warn(
            f"{name}({n}) is recorded, but arraygrad cannot change the threads of NumPy's BLAS "
            "at run time: set OMP_NUM_THREADS (or OPENBLAS_NUM_THREADS, MKL_NUM_THREADS) "
            "before starting Python, or use threadpoolctl, to change them.",
            UserWarning,
            stacklevel=3,
        )


def get_num_threads() -> int:
    """The number given to :func:`set_num_threads`, else the number of CPUs this process may
    use (PyTorch's default is the number of physical cores). arraygrad's own code runs on one
    thread; NumPy's BLAS (matmul, linalg) uses the threads it chose when it loaded.

    >>> import arraygrad
    >>> arraygrad.get_num_threads() >= 1
    True
    """
    return _threads.get("set_num_threads", _cpus())


def set_num_threads(int: int) -> None:
    """Record ``int`` (a positive int, else PyTorch's RuntimeError) for
    :func:`get_num_threads`.

    It does not change how many threads NumPy's BLAS uses, which no portable call can change
    at run time (warned once): set ``OMP_NUM_THREADS`` before starting Python for that.

    >>> import arraygrad, warnings
    >>> before = arraygrad.get_num_threads()
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     arraygrad.set_num_threads(2)
    >>> arraygrad.get_num_threads()
    2
    >>> arraygrad.set_num_threads(before)
    """
    _set("set_num_threads", int)


def get_num_interop_threads() -> int:
    """The number given to :func:`set_num_interop_threads`, else the number of CPUs this
    process may use. arraygrad runs no operations in parallel, so nothing reads it.

    >>> import arraygrad
    >>> arraygrad.get_num_interop_threads() >= 1
    True
    """
    return _threads.get("set_num_interop_threads", _cpus())


def set_num_interop_threads(int: int) -> None:
    """Record ``int`` (a positive int, else PyTorch's RuntimeError) for
    :func:`get_num_interop_threads`; it changes nothing else (warned once). As in PyTorch, a
    process takes one call: a second raises RuntimeError.

    >>> import arraygrad, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     try:  # (the first call in a process is recorded, the second refused)
    ...         arraygrad.set_num_interop_threads(arraygrad.get_num_interop_threads())
    ...         arraygrad.set_num_interop_threads(arraygrad.get_num_interop_threads())
    ...     except RuntimeError as error:
    ...         print(str(error)[:46])
    Error: cannot set number of interop threads af
    """
    name = "set_num_interop_threads"
    if name in _threads:  # (checked after the number, as PyTorch does)
        _check_count(name, int)
        raise RuntimeError(
            "Error: cannot set number of interop threads after parallel work has started or "
            f"set_num_interop_threads called: it was set to {_threads[name]} already. Fix: call "
            "it once, before any other work of the process."
        )
    _set(name, int)
