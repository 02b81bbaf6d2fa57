"""The one flag that the functions on PyTorch's CPU autocast lists read first: ``cpu``.

``_autocast_flag.cpu`` is True only while the calling thread's CPU autocast is on
(``arraygrad.autocast("cpu")``, or ``set_autocast_enabled("cpu", True)``) and it is not
inside a listed function already running with the casts made. Autocast's state is per thread,
as PyTorch's: a thread started inside ``autocast`` computes without it, and asyncio tasks of one
thread share it (PyTorch's is thread-local, not a context variable).

So that the flag still costs one global read while no thread uses autocast, it is a plain
module attribute (False) then; while some thread has CPU autocast on, the attribute is removed
and each read goes to this module's ``__getattr__``, which answers with the reading thread's
own flag. :mod:`arraygrad.amp.autocast_mode` switches a thread's autocast with
:func:`set_thread_enabled`; :mod:`arraygrad.amp._casts` turns the calling thread's flag off
around a listed function's inner call with :func:`set_casting`.
"""

from __future__ import annotations

import threading

__all__ = ["cpu", "set_casting", "set_thread_enabled"]

#: Present (False) only while no thread has CPU autocast on; see the module docstring.
cpu: bool = False


class _ThreadFlags(threading.local):
    """The calling thread's view: whether its listed functions cast now (``casting``), and
    the token that counts it among the threads with CPU autocast on (``token``; None when
    off)."""

    casting = False
    token: _Counted | None = None


class _Counted:
    """One thread's place in the count of threads with CPU autocast on, released when the
    thread turns it off, or when a thread that ends with it on drops its thread-local values
    (and with them this token)."""

    def __init__(self) -> None:
        self.counted = True
        _count(1)

    def release(self) -> None:
        if self.counted:
            self.counted = False
            _count(-1)

    def __del__(self) -> None:
        if _count is not None:  # None: the interpreter is shutting down
            self.release()


_thread = _ThreadFlags()
_lock = threading.RLock()  # re-entrant: a token's __del__ may run while its thread holds it
_threads_on = 0


def __getattr__(name: str) -> bool:
    # Reached only while the module attribute is removed (some thread has autocast on).
    if name == "cpu":
        return _thread.casting
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _count(change: int) -> None:
    global _threads_on
    with _lock:
        _threads_on += change
        if _threads_on == 0:
            globals()["cpu"] = False
        else:
            globals().pop("cpu", None)


def set_thread_enabled(enabled: bool) -> None:
    """Turn the calling thread's CPU autocast on or off."""
    _thread.casting = enabled
    if enabled and _thread.token is None:
        _thread.token = _Counted()
    elif not enabled and _thread.token is not None:
        _thread.token.release()
        _thread.token = None


def set_casting(casting: bool) -> bool:
    """Set the calling thread's flag: off while a listed function computes on the casts it
    made (its inner calls compute in the dtypes they are given), back after. Returns the
    flag as it was."""
    was = _thread.casting
    _thread.casting = casting
    return was
