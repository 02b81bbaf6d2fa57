"""LU factorisation with partial pivoting (LAPACK's getrf), written once against an array
namespace, for ``arraygrad.ops.decompositions.lu_factor`` (and its complex twin in
``ops.complex_linalg``: complex pivots are chosen as LAPACK's, see :func:`_size`).

``_backend`` hands :func:`lu_factor` out in its namespace (``xp.lu_factor``) with the active
library bound as ``lib`` and ``fast`` saying whether it is NumPy, which has no LU of its own:
there the factorisation is computed in place, one column at a time, updating only the trailing
block (a third of the work of the standard calls below, and no whole-matrix temporaries). Every
other library gets the same results from standard calls alone (``where`` and masked sums,
nothing written in place). Both give the same bits: the same operations on the same values.

The result is packed into one array ``(..., m + 1, n + 1)``: LU (``m x n``, L's unit diagonal
implied), the permutation ``perm`` as a last column (A's row ``perm[i]`` is row ``i`` of
``P^T A``) and the 0-based pivots (``k = min(m, n)`` of them) as a last row; both are exact as
floats.
"""

from __future__ import annotations

from typing import Any


def lu_factor(lib: Any, fast: bool, a: Any) -> Any:
    """The packed LU factorisation of ``a`` (see the module docstring).

    >>> import numpy as np
    >>> lu_factor(np, True, np.array([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [[3.0, 4.0, 1.0], [0.3333333333333333, 0.6666666666666667, 0.0], [1.0, 1.0, 0.0]]
    """
    if fast:
        return _lu_in_place(lib, a)
    return _lu_generic(lib, a)


def _size(xp: Any, x: Any) -> Any:
    """What the pivot search compares: ``|x|``, and for complex ``x`` LAPACK's ``|Re x| +
    |Im x|`` (its complex getrf's choice, and so PyTorch's pivots), not the modulus."""
    if x.dtype == xp.complex64 or x.dtype == xp.complex128:
        return xp.abs(xp.real(x)) + xp.abs(xp.imag(x))
    return xp.abs(x)


def _lu_in_place(xp: Any, a: Any) -> Any:
    # The batch flattened to one axis; rows swapped by indexing, the trailing block updated
    # with the multipliers of the column, as the generic version computes them (the same
    # products and differences, so the same bits).
    m, n = a.shape[-2], a.shape[-1]
    batch = tuple(a.shape[:-2])
    count = 1
    for size in batch:
        count *= size
    packed = xp.zeros((count, m + 1, n + 1), dtype=a.dtype)
    lu = packed[:, :m, :n]
    lu[...] = xp.reshape(a, (count, m, n))
    perm = packed[:, :m, n]
    perm[...] = xp.arange(m, dtype=a.dtype)
    every = xp.arange(count)
    for j in range(min(m, n) if count else 0):  # (no matrices: nothing to compute, any dtype)
        # the first largest |entry| at or below the diagonal
        p = j + xp.argmax(_size(xp, lu[:, j:, j]), axis=-1)
        packed[:, m, j] = p
        for x in (lu, perm):
            row_p = x[every, p].copy()
            x[every, p] = x[:, j]
            x[:, j] = row_p
        pivot = lu[:, j, j : j + 1]  # (count, 1)
        column = lu[:, j + 1 :, j]
        # an exactly zero pivot (a singular matrix) leaves its column as it is, as LAPACK does
        safe = xp.where(pivot == 0, 1.0, pivot)
        column[...] = xp.where(pivot == 0, column, column / safe)
        lu[:, j + 1 :, j + 1 :] -= column[:, :, None] * lu[:, j : j + 1, j + 1 :]
    return xp.reshape(packed, (*batch, m + 1, n + 1))


def _lu_generic(xp: Any, a: Any) -> Any:
    # LU with partial pivoting (LAPACK's getrf: P^T A = L U, the pivot of column j the first
    # largest |entry| at or below the diagonal), one column at a time over the whole batch. The
    # arrays are never written in place (rows are swapped and updated with where), so any Array
    # API library computes it. (..., m + 1, n + 1): LU (m x n), the permutation perm (A's row
    # perm[i] is row i of P^T A) as a last column, and the 0-based pivots (k = min(m, n) of
    # them) as a last row; both are exact as floats and get no gradient.
    m, n = a.shape[-2], a.shape[-1]
    batch = tuple(a.shape[:-2])
    rows = xp.reshape(xp.arange(m), (m, 1))  # (the library's own reshape: no keyword)
    cols = xp.reshape(xp.arange(n), (1, n))
    zero = xp.zeros((), dtype=a.dtype)
    lu = a
    perm = xp.broadcast_to(xp.astype(rows, a.dtype), (*batch, m, 1))
    pivots = []
    for j in range(min(m, n)):
        size = _size(xp, lu[..., j : j + 1])
        candidates = xp.where(rows >= j, size, -xp.ones((), dtype=size.dtype))
        p = xp.argmax(candidates, axis=-2, keepdims=True)  # (..., 1, 1): the first largest
        pivots.append(p)
        at_p, at_j = rows == p, rows == j
        # swap rows j and p of LU and of perm (row p is picked out by a masked sum)
        for_rows = []
        for x in (lu, perm):
            row_j = x[..., j : j + 1, :]
            # row p of each matrix, picked row by row (a masked sum would turn a -0.0 in it
            # into +0.0: a sum starts from +0.0)
            row_p = x[..., j : j + 1, :]
            for r in range(j + 1, m):
                row_p = xp.where(p == r, x[..., r : r + 1, :], row_p)
            for_rows.append(xp.where(at_j, row_p, xp.where(at_p, row_j, x)))
        lu, perm = for_rows
        pivot = lu[..., j : j + 1, j : j + 1]
        column = lu[..., j : j + 1]
        # an exactly zero pivot (a singular matrix) leaves its column as it is, as LAPACK does
        safe = xp.where(pivot == 0, xp.ones((), dtype=a.dtype), pivot)
        multipliers = xp.where(pivot == 0, column, column / safe)
        below = rows > j
        update = xp.where(below, multipliers, zero) * lu[..., j : j + 1, :]
        lu = xp.where(below & (cols > j), lu - update, lu)
        lu = xp.where(below & (cols == j), multipliers, lu)
    k = len(pivots)
    if k:
        row = xp.astype(xp.concat(pivots, axis=-1), a.dtype)
    else:
        row = xp.zeros((*batch, 1, 0), dtype=a.dtype)
    row = xp.concat((row, xp.zeros((*batch, 1, n + 1 - k), dtype=a.dtype)), axis=-1)
    return xp.concat((xp.concat((lu, perm), axis=-1), row), axis=-2)
