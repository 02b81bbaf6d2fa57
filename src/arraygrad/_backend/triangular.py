"""Solves with a triangular matrix as PyTorch's triangular kernels give them.

PyTorch's ``linalg.solve_triangular`` (and the QR gradient, which solves with ``R``) runs BLAS's
``trsm``, which checks no pivot: a zero on the diagonal gives ``inf`` and ``nan`` where the
substitution divides by it, not an error. The library's LU solve refuses such a matrix as
singular, so it is kept for the usual case (no zero on the diagonal, its bits as before) and
:func:`solve_triangular` substitutes row by row, in ``trsm``'s order, when there is one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def solve_triangular(lib: Any, solve: Any, may_read: bool, a: Any, b: Any, *, upper: bool) -> Any:
    """``X`` with ``A X = B`` for an upper (``upper``) or lower triangular ``A`` (``(..., n,
    n)``, its other triangle zero) and ``B`` (``(..., n, k)``), batch dimensions broadcast.

    ``solve`` is the namespace's LU solve; ``may_read``: whether the diagonal may be read (not
    on a lazy library, whose arrays would be computed: there the LU solve's error stands).
    """
    if not may_read or a.shape[-1] == 0:
        return solve(a, b)
    if bool(lib.all(_diagonal(lib, a) != 0)):
        return solve(a, b)
    return _substituted(lib, a, b, upper)


def _diagonal(lib: Any, a: Any) -> Any:
    if isinstance(a, np.ndarray):
        return np.diagonal(a, axis1=-2, axis2=-1)
    linalg = getattr(lib, "linalg", None)
    if linalg is not None and hasattr(linalg, "diagonal"):
        return linalg.diagonal(a)
    return lib.diagonal(a, axis1=-2, axis2=-1)


def _substituted(lib: Any, a: Any, b: Any, upper: bool) -> Any:
    """Back (``upper``) or forward substitution, one row of ``X`` at a time:
    ``x_i = (b_i - a_i,known x_known) / a_ii``. A zero ``a_ii`` gives ``inf`` or ``nan`` in
    row ``i`` and in the rows solved after it, as ``trsm``'s; a complex one gives ``nan`` (C's
    complex division by zero, which PyTorch's kernels use, where NumPy's gives ``inf + nan j``)."""
    n = a.shape[-1]
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])  # (shapes: Python ints everywhere)
    a = lib.broadcast_to(a, batch + tuple(a.shape[-2:]))
    b = lib.broadcast_to(b, batch + tuple(b.shape[-2:]))
    complex_pivots = lib.isdtype(a.dtype, "complex floating")
    rows: list[Any] = [None] * n
    for i in range(n - 1, -1, -1) if upper else range(n):
        known = slice(i + 1, n) if upper else slice(0, i)
        row = b[..., i : i + 1, :]
        if known.start != known.stop:
            solved = lib.concat(rows[known], axis=-2)
            row = row - lib.matmul(a[..., i : i + 1, known], solved)
        pivot = a[..., i : i + 1, i : i + 1]
        row = row / pivot
        if complex_pivots:
            row = lib.where(pivot == 0, complex(math.nan, math.nan), row)
        rows[i] = row
    return lib.concat(rows, axis=-2)
