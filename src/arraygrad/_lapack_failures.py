"""What LAPACK leaves where a factorisation fails, on raw arrays, for the ``_ex`` functions of
``arraygrad._linalg_extra``: the partial Cholesky factor of a matrix that is not
positive-definite (potf2's) and the substitution through an LU factorisation with a zero pivot
(getrs', whose infinities and nans torch's ``solve_ex`` / ``inv_ex`` return). Real and complex
matrices alike, with LAPACK's complex arithmetic where it differs from NumPy's.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _backend

__all__: list[str] = []


def partial_cholesky(a: Any) -> tuple[Any, Any]:
    """``(L, info)`` of LAPACK's unblocked Cholesky (potf2) of the lower triangle of each
    matrix of ``a``: where the ``j``-th pivot ``a_jj - |L[j, :j]|^2`` is not positive (or is
    nan), ``info = j + 1``, ``L[j, j]`` is that pivot and the columns from ``j`` on keep ``a``'s
    values, as LAPACK leaves them (torch returns that partial factor). For complex ``a``
    (``A = L L^H``) the pivot is real: ``Re a_jj`` less the squared moduli."""
    xp = _backend.xp
    complex_values = a.dtype == xp.complex64 or a.dtype == xp.complex128
    n = a.shape[-1]
    batch = tuple(a.shape[:-2])
    rows = xp.arange(n)
    zero = xp.zeros((), dtype=a.dtype)
    info = xp.zeros(batch, dtype=xp.int32)
    columns: list[Any] = []
    for j in range(n):
        if columns:
            done = xp.stack(columns, axis=-1)  # (..., n, j): the columns of L so far
            row = done[..., j, :]
            if complex_values:  # L L^H: squared moduli, and products with conj(L[j, :j])
                pivot = xp.real(a[..., j, j]) - xp.sum(xp.real(row * xp.conj(row)), axis=-1)
                pivot, row = xp.astype(pivot, a.dtype), xp.conj(row)
            else:
                pivot = a[..., j, j] - xp.sum(row * row, axis=-1)
            update = xp.matmul(done, xp.reshape(row, shape=(*batch, j, 1)))[..., 0]
        else:
            pivot, update = a[..., j, j], xp.zeros((*batch, n), dtype=a.dtype)
            if complex_values:
                pivot = xp.astype(xp.real(pivot), a.dtype)
        running = info == xp.zeros((), dtype=info.dtype)
        # False for nan too, as LAPACK's test
        positive = xp.real(pivot) > 0 if complex_values else pivot > zero
        fails = xp.logical_and(running, xp.logical_not(positive))
        works = xp.logical_and(running, positive)
        info = xp.where(fails, xp.asarray(j + 1, dtype=info.dtype), info)
        root = xp.sqrt(xp.where(works, pivot, xp.ones((), dtype=a.dtype)))
        below = (a[..., :, j] - update) / root[..., None]
        computed = xp.where(rows > j, below, xp.where(rows == j, root[..., None], zero))
        left = xp.where(fails, pivot, a[..., j, j])
        kept = xp.where(rows > j, a[..., :, j], xp.where(rows == j, left[..., None], zero))
        columns.append(xp.where(works[..., None], computed, kept))
    if not columns:
        return xp.zeros(a.shape, dtype=a.dtype), info
    return xp.stack(columns, axis=-1), info


def _swap_rows(rows: list[Any], pivots: Any, order: range) -> list[Any]:
    """``rows`` (each ``(..., k)``) with row ``i`` swapped with row ``pivots[..., i] - 1`` for
    ``i`` in ``order``: a select (``where``), not a product with a permutation, whose zeros
    would turn an infinity into nan."""
    xp = _backend.xp
    n = len(rows)
    index = xp.arange(n)
    zero = xp.zeros((), dtype=rows[0].dtype)
    for i in order:
        at = index == (pivots[..., i : i + 1] - 1)  # (..., n)
        picked = xp.sum(xp.where(at[..., None], xp.stack(rows, axis=-2), zero), axis=-2)
        current = rows[i]
        rows = [xp.where(at[..., r : r + 1], current, rows[r]) for r in range(n)]
        rows[i] = picked
    return rows


def _divide(x: Any, d: Any) -> Any:
    """``x / d``; for complex values nan where ``d`` is 0, as LAPACK's complex division (Smith's:
    its ratio of the parts is 0 / 0) gives, where NumPy's gives infinities."""
    xp = _backend.xp
    if d.dtype == xp.complex64 or d.dtype == xp.complex128:
        return xp.where(d == 0, xp.asarray(complex("nan+nanj"), dtype=d.dtype), x / d)
    return x / d


def substitute(lu: Any, pivots: Any, b: Any, transposed: bool) -> Any:
    """``A^-1 B`` (``A^-T B`` when ``transposed``) from ``(LU, pivots)`` of ``A`` (LAPACK's
    getrs): the row swaps and the two triangular substitutions, row by row. Used only for
    singular matrices, where a zero pivot turns the result into the infinities and nans of
    torch's solve."""
    xp = _backend.xp
    n = lu.shape[-1]
    if n == 0:
        return b
    # (corners, not entries: b may have no columns)
    batch = tuple(xp.broadcast_arrays(lu[..., :1, :1], b[..., :1, :1])[0].shape[:-2])
    lu = xp.broadcast_to(lu, (*batch, n, n))
    factor = xp.matrix_transpose(lu) if transposed else lu
    pivots = xp.broadcast_to(xp.astype(pivots, xp.int64), (*batch, n))
    b = xp.broadcast_to(b, (*batch, *b.shape[-2:]))
    rows = [b[..., i, :] for i in range(n)]
    if not transposed:
        rows = _swap_rows(rows, pivots, range(n))
    # A = P L U: L y = P^T b then U x = y; A^T = U^T L^T P^T: U^T y = b, L^T w = y, x = P w
    for i in range(n):  # the lower triangle of factor (unit for L)
        if i:
            done = xp.stack(rows[:i], axis=-2)
            rows[i] = rows[i] - xp.sum(factor[..., i, :i, None] * done, axis=-2)
        if transposed:
            rows[i] = _divide(rows[i], factor[..., i, i : i + 1])
    for i in reversed(range(n)):  # the upper triangle (unit for L^T)
        if i < n - 1:
            later = xp.stack(rows[i + 1 :], axis=-2)
            rows[i] = rows[i] - xp.sum(factor[..., i, i + 1 :, None] * later, axis=-2)
        if not transposed:
            rows[i] = _divide(rows[i], factor[..., i, i : i + 1])
    if transposed:
        rows = _swap_rows(rows, pivots, range(n - 1, -1, -1))
    return xp.stack(rows, axis=-2)


def solve_unchecked(a: Any, b: Any, *, transposed: bool = False) -> Any:
    """``A^-1 B`` (``A^-T B`` with ``transposed``) through ``A``'s LU factorisation and
    :func:`substitute`, for every ``A``: a singular one gets getrs' infinities and nans, as
    torch's ``solve_ex`` / ``inv_ex`` and its LU solves in their backward, where NumPy's solve
    refuses it. ``_backend`` hands it out as ``xp.solve_unchecked``, for the VJP rules.

    >>> import numpy as np
    >>> solve_unchecked(np.array([[0.0, 0.0], [1.0, 0.0]]), np.ones((2, 1))).tolist()
    [[nan], [inf]]
    """
    xp = _backend.xp
    n = a.shape[-1]
    packed = xp.lu_factor(a)  # (LU, then the 0-based pivots as a last row)
    row = packed[..., n, :n]
    if row.dtype == xp.complex64 or row.dtype == xp.complex128:
        row = xp.real(row)
    pivots = xp.astype(row, xp.int64) + 1
    return substitute(packed[..., :n, :n], pivots, b, transposed)
