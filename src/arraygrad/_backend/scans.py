"""Running extrema on NumPy through its ``accumulate``: the index ``cummax`` and ``cummin``
return, in one pass instead of the standard namespace's log2(n) doubling steps. Part of the one
door to arrays (``_backend``).
"""

from __future__ import annotations

import numpy as np

from arraygrad import _backend


def running_extremum_index(data: np.ndarray, axis: int, largest: bool) -> np.ndarray | None:
    """The index of the running maximum (minimum) of a real ``data`` along ``axis``, as
    PyTorch picks it: a later element takes over when it is NaN or at least as large (small),
    unless the running one is already NaN. None for dtypes NumPy orders otherwise (complex).

    With ``m = maximum.accumulate(data)`` (NaN, once met, stays), element ``j`` takes over
    exactly where ``data[j] == m[j]`` (a number no smaller than all before it, none NaN) or it
    is NaN; the index at ``i`` is the last such ``j <= i``, a running maximum of positions.
    """
    if data.dtype.kind not in "biuf":
        return None
    if _backend.tracer is not None:  # arraygrad.compile writes the call down, for replays
        return _backend.tracer.call(_running_index, (data, axis, largest))  # type: ignore[no-any-return]
    return _running_index(data, axis, largest)


def _running_index(data: np.ndarray, axis: int, largest: bool) -> np.ndarray:
    n = data.shape[axis]
    ufunc = np.maximum if largest else np.minimum
    running = ufunc.accumulate(data, axis=axis)
    takes_over = data == running
    if data.dtype.kind == "f":
        takes_over |= np.isnan(data)  # NaN != NaN above; every NaN takes over
    shape = [1] * data.ndim
    shape[axis] = n
    positions = np.arange(n, dtype=np.int64).reshape(shape)
    return np.maximum.accumulate(np.where(takes_over, positions, 0), axis=axis)
