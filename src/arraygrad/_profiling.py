"""The profiler that is recording, if any: all the ops and the engine ask of profiling.

The profiler itself (:mod:`arraygrad.autograd.profiler`) is imported on first use. While it
records, ``_primitive.detour`` is set, so that the ops' entry points ask :func:`times` (and
cost nothing more while it is not); the engine reads :data:`recorder` once per backward pass.
"""

from __future__ import annotations

from typing import Any

# The active recording (arraygrad.autograd.profiler._Recording), or None.
recorder: Any = None


def times(prim: Any) -> bool:
    """Whether the profiler times this call of ``prim``: it records, and the call is not the
    one its timing runs (an entry point handing on to another, or the timed run itself)."""
    recording = recorder
    return recording is not None and not recording.dispatching(prim)
