"""The profiler that is recording, if any: all the ops and the engine ask of profiling.

The profiler itself (:mod:`arraygrad.autograd.profiler`) is imported on first use. While it
records, ``_primitive.detour`` is set, so that the ops' entry points ask :func:`timing` (and
cost nothing more while it is not); the engine reads :data:`recorder` once per backward pass.
"""

from __future__ import annotations

from typing import Any

# The active recording (arraygrad.autograd.profiler._Recording), or None.
recorder: Any = None


def timing(prim: Any) -> Any:
    """The recording that times this call of ``prim``, or ``None``: none records, or the call
    is the one its timing runs (an entry point handing on to another, or the timed run itself).
    Callers use the recording returned, not :data:`recorder` again, which another thread may
    have set to ``None`` since (stopping the profiler)."""
    recording = recorder
    if recording is None or recording.dispatching(prim):
        return None
    return recording
