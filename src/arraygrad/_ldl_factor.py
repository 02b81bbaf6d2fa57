"""The Bunch-Kaufman LDL factorisation of symmetric and Hermitian matrices (LAPACK's sytrf /
hetrf with lower storage) and the solve through it (sytrs / hetrs), on raw arrays of the
active namespace, batched, for ``arraygrad.linalg.ldl_factor`` and ``ldl_solve`` (``_ldl.py``).

``A = P L D L^T P^T`` (``L^H`` for Hermitian ``A``) with ``L`` unit lower triangular and ``D``
block diagonal with 1x1 and 2x2 blocks. The result is LAPACK's compact form: ``LD`` holds ``D``
on and below its diagonal (a 2x2 block's off-diagonal entry at ``[k + 1, k]``) and ``L``'s
multipliers below that; ``pivots`` (1-based) says for a 1x1 block at ``k`` that rows and columns
``k`` and ``pivots[k] - 1`` were swapped, and for a 2x2 block at ``k, k + 1`` (both entries
negative, ``-p``) that ``k + 1`` and ``p - 1`` were. As in LAPACK's unblocked sytf2, a swap acts
on the trailing matrix only; the columns of ``L`` already computed keep their rows.

Each column is one step over the whole batch: every matrix takes its own pivot decision (the
Bunch-Kaufman test with ``alpha = (1 + sqrt(17)) / 8``), and a matrix whose column ``k`` is the
second of a 2x2 block made at ``k - 1`` skips the step. The trailing matrix is kept whole
(both triangles, mirrored from the lower one after each update), so a swap is one gather.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend

__all__: list[str] = []

# Bunch and Kaufman's constant, which bounds the growth of the entries (LAPACK's ALPHA)
_ALPHA = (1.0 + math.sqrt(17.0)) / 8.0


def _is_complex(xp: Any, x: Any) -> bool:
    return bool(x.dtype == xp.complex64 or x.dtype == xp.complex128)


def _size(xp: Any, x: Any) -> Any:
    """What the pivot search compares: ``|x|``, and for complex ``x`` LAPACK's ``|Re x| +
    |Im x|`` (its izamax and cabs1, and so PyTorch's pivots)."""
    if _is_complex(xp, x):
        return xp.abs(xp.real(x)) + xp.abs(xp.imag(x))
    return xp.abs(x)


def _adjoint(xp: Any, x: Any, hermitian: bool) -> Any:
    x = xp.matrix_transpose(x)
    return xp.conj(x) if hermitian else x


def _pick(xp: Any, x: Any, index: Any, axis: int) -> Any:
    """``x``'s entry ``index[b]`` along ``axis`` of each batch element ``b`` (``x`` is
    ``(count, m)`` or ``(count, m, m)``, ``index`` ``(count,)``), that axis dropped."""
    shape = [x.shape[0]] + [1] * (x.ndim - 1)
    key = xp.reshape(index, shape=tuple(shape))
    if x.ndim == 3:
        key = xp.broadcast_to(key, (x.shape[0], 1, x.shape[2]) if axis == 1 else x.shape[:2] + (1,))
    taken = xp.take_along_axis(x, key, axis=axis)
    return taken[:, 0, ...] if axis == 1 else taken[..., 0]


def _mirrored(xp: Any, t: Any, hermitian: bool) -> Any:
    """``t`` with its strict upper triangle the (conjugate) transpose of its lower one, and a
    real diagonal for a Hermitian ``t``: the matrix LAPACK's lower storage stands for."""
    m = t.shape[-1]
    rows = xp.reshape(xp.arange(m), shape=(m, 1))
    cols = xp.reshape(xp.arange(m), shape=(1, m))
    full = xp.where(rows >= cols, t, _adjoint(xp, t, hermitian))
    if hermitian and _is_complex(xp, t):
        full = xp.where(rows == cols, xp.astype(xp.real(full), t.dtype), full)
    return full


def factor(a: Any, hermitian: bool) -> tuple[Any, Any, Any]:
    """``(LD, pivots, info)`` of each matrix of ``a`` (``(..., n, n)``, only its lower triangle
    read), as LAPACK's sytrf (``hermitian``: hetrf) leaves them: ``LD`` with zeros above the
    diagonal, int32 ``pivots`` ``(..., n)`` and int32 ``info`` ``(...)``, the 1-based index of
    the first zero 1x1 block of ``D`` (0 where there is none; the factorisation goes on past it,
    as LAPACK's)."""
    xp = _backend.xp
    n = a.shape[-1]
    batch = tuple(a.shape[:-2])
    count = math.prod(batch)
    hermitian = hermitian and _is_complex(xp, a)
    t = _mirrored(xp, xp.reshape(a, shape=(count, n, n)), hermitian)
    info = xp.zeros((count,), dtype=xp.int32)
    skip = xp.zeros((count,), dtype=xp.bool)  # column k is the second of a 2x2 block
    previous = xp.zeros((count,), dtype=xp.int32)  # the pivot of that block
    columns: list[Any] = []
    pivots: list[Any] = []
    for k in range(n):
        column, t, pivot, following, zero = _step(xp, t, skip, hermitian)
        # 1-based in the whole matrix; the second column of a 2x2 block repeats its pivot
        pivot = xp.where(pivot < 0, pivot - k, pivot + k)
        pivot = xp.where(skip, previous, pivot)
        info = xp.where((info == 0) & zero, xp.asarray(k + 1, dtype=xp.int32), info)
        pad = xp.zeros((count, k), dtype=a.dtype)
        columns.append(xp.concat((pad, column), axis=-1))
        pivots.append(pivot)
        previous, skip = pivot, following
    if not columns:
        empty = xp.zeros((*batch, 0), dtype=xp.int32)
        return xp.zeros(a.shape, dtype=a.dtype), empty, xp.zeros(batch, dtype=xp.int32)
    ld = xp.stack(columns, axis=-1)
    return (
        xp.reshape(ld, shape=(*batch, n, n)),
        xp.reshape(xp.stack(pivots, axis=-1), shape=(*batch, n)),
        xp.reshape(info, shape=batch),
    )


def _step(xp: Any, t: Any, skip: Any, hermitian: bool) -> tuple[Any, Any, Any, Any, Any]:
    """One column of sytf2 (hetf2) on each trailing matrix ``t`` (``(count, m, m)``, whole):
    the column of ``LD`` it leaves (``(count, m)``), the next trailing matrix (``m - 1``), the
    pivot (1-based from this column; negative for a 2x2 block), whether the next column is the
    second of a 2x2 block made here, and whether this column is zero (LAPACK's info). Matrices
    in ``skip`` (the second column of a block) give their column as it is."""
    count, m = t.shape[0], t.shape[-1]
    dtype = t.dtype
    ones = xp.ones((), dtype=dtype)
    index = xp.arange(m)

    def magnitude(x: Any) -> Any:  # hetf2 reads only the real part of a diagonal entry
        return xp.abs(xp.real(x)) if hermitian else _size(xp, x)

    # --- the Bunch-Kaufman pivot choice
    absakk = magnitude(t[:, 0, 0])
    if m > 1:
        below = _size(xp, t[:, 1:, 0])
        imax = xp.argmax(below, axis=-1) + 1  # the first largest, as i?amax
        colmax = xp.max(below, axis=-1)
    else:
        imax = xp.zeros((count,), dtype=xp.int64)
        colmax = xp.zeros((count,), dtype=absakk.dtype)
    row = _pick(xp, t, imax, axis=1)  # row imax: its lower part, as t is mirrored
    off = xp.where(
        index == xp.reshape(imax, shape=(count, 1)),
        xp.zeros((), dtype=colmax.dtype),
        _size(xp, row),
    )
    rowmax = xp.max(off, axis=-1)
    absimax = magnitude(_pick(xp, row, imax, axis=1))
    # a zero column (also a nan diagonal above one: MKL's sytrf, which torch calls, does not
    # take a nan for a usable pivot there) is left as it is, and counted in info
    zero = ~skip & (colmax == 0) & ~(absakk > 0)
    active = ~skip & ~zero
    ratio = colmax / xp.where(rowmax == 0, xp.ones((), dtype=rowmax.dtype), rowmax)
    keep = (absakk >= _ALPHA * colmax) | (absakk >= _ALPHA * colmax * ratio)
    swap_diagonal = ~keep & (absimax >= _ALPHA * rowmax)
    two = active & ~keep & ~swap_diagonal
    one = active & ~two
    kp = xp.where(keep | ~active, xp.zeros((), dtype=imax.dtype), imax)
    kk = xp.astype(two, imax.dtype)
    # --- swap rows and columns kk and kp of the trailing matrix (identity where kk == kp)
    kp_, kk_ = xp.reshape(kp, shape=(count, 1)), xp.reshape(kk, shape=(count, 1))
    perm = xp.where(index == kk_, kp_, xp.where(index == kp_, kk_, index))
    t = xp.take_along_axis(t, xp.broadcast_to(perm[:, :, None], (count, m, m)), axis=1)
    t = xp.take_along_axis(t, xp.broadcast_to(perm[:, None, :], (count, m, m)), axis=2)
    t00, x = t[:, 0, 0], t[:, 1:, 0]
    # --- a 1x1 block: L's column x / d, and the rank-1 update (syr / her) of the rest
    if hermitian:
        d = xp.real(t00)
        r1 = 1 / xp.where(one, d, xp.ones((), dtype=d.dtype))
        scaled = x * r1[:, None]
        rest = t[:, 1:, 1:] + x[:, :, None] * (-r1[:, None] * xp.conj(x))[:, None, :]
    else:
        d11 = ones / xp.where(one, t00, ones)
        scaled = x * d11[:, None]
        rest = t[:, 1:, 1:] + x[:, :, None] * (-d11[:, None] * x)[:, None, :]
    column = xp.concat((t00[:, None], scaled), axis=-1)
    column = xp.where(one[:, None], column, t[:, :, 0])
    trailing = xp.where(one[:, None, None], _mirrored(xp, rest, hermitian), t[:, 1:, 1:])
    if m > 1:
        column, trailing = _block(xp, t, two, column, trailing, hermitian)
    pivot = xp.astype(kp + 1, xp.int32)
    pivot = xp.where(two, -pivot, pivot)
    return column, trailing, pivot, two, zero


def _block(
    xp: Any, t: Any, two: Any, column: Any, trailing: Any, hermitian: bool
) -> tuple[Any, Any]:
    """``column`` and ``trailing`` of :func:`_step`, those of the matrices in ``two`` replaced
    by a 2x2 block's: D's block ``t[:2, :2]``, L's two columns ``(wk, wkp1)`` (the block's
    inverse applied to the rows below it) and the rank-2 update of the rest (sytf2's loop)."""
    count, m = t.shape[0], t.shape[-1]
    t00, d21, t11 = t[:, 0, 0], t[:, 1, 0], t[:, 1, 1]
    c0, c1 = t[:, 2:, 0], t[:, 2:, 1]
    if hermitian:
        d = xp.abs(xp.where(two, d21, xp.ones((), dtype=d21.dtype)))
        d11, d22 = xp.real(t11) / d, xp.real(t00) / d
        denominator = d11 * d22 - 1
        tt = 1 / xp.where(denominator == 0, xp.ones((), dtype=d.dtype), denominator)
        unit = d21 / d
        scale = (tt / d)[:, None]
        wk = scale * (d11[:, None] * c0 - unit[:, None] * c1)
        wkp1 = scale * (d22[:, None] * c1 - xp.conj(unit)[:, None] * c0)
        rest = t[:, 2:, 2:] - c0[:, :, None] * xp.conj(wk)[:, None, :]
        rest = rest - c1[:, :, None] * xp.conj(wkp1)[:, None, :]
    else:
        ones = xp.ones((), dtype=t.dtype)
        d21s = xp.where(two, d21, ones)
        d11, d22 = t11 / d21s, t00 / d21s
        denominator = d11 * d22 - 1
        tt = ones / xp.where(denominator == 0, ones, denominator)
        scale = (tt / d21s)[:, None]
        wk = scale * (d11[:, None] * c0 - c1)
        wkp1 = scale * (d22[:, None] * c1 - c0)
        rest = t[:, 2:, 2:] - c0[:, :, None] * wk[:, None, :]
        rest = rest - c1[:, :, None] * wkp1[:, None, :]
    block_column = xp.concat((t00[:, None], d21[:, None], wk), axis=-1)
    # the next trailing matrix: column k + 1 of LD ((D's entry, wkp1), which the next step
    # gives as it is) and the updated rest
    top = xp.concat((t11[:, None, None], xp.zeros((count, 1, m - 2), dtype=t.dtype)), axis=-1)
    lower = xp.concat((wkp1[:, :, None], rest), axis=-1)
    block = _mirrored(xp, xp.concat((top, lower), axis=-2), hermitian)
    return (
        xp.where(two[:, None], block_column, column),
        xp.where(two[:, None, None], block, trailing),
    )


def solve(ld: Any, pivots: Any, b: Any, hermitian: bool) -> Any:
    """``A^-1 B`` from ``(LD, pivots)`` of :func:`factor` (LAPACK's sytrs / hetrs): ``P L D
    L^T P^T X = B`` solved as ``L`` (with the swaps), ``D`` (1x1 and 2x2 blocks), then ``L^T``
    (``L^H``) with the swaps undone. ``ld`` ``(..., n, n)``, ``pivots`` ``(..., n)`` and ``b``
    ``(..., n, k)`` have broadcasting batch dimensions."""
    xp = _backend.xp
    n = ld.shape[-1]
    hermitian = hermitian and _is_complex(xp, ld)
    batch = tuple(xp.broadcast_shapes(ld.shape[:-2], b.shape[:-2]))
    ld = xp.broadcast_to(ld, (*batch, n, n))
    pivots = xp.broadcast_to(xp.astype(pivots, xp.int64), (*batch, n))
    b = xp.broadcast_to(b, (*batch, *b.shape[-2:]))
    rows = xp.reshape(xp.arange(n), shape=(n, 1))
    second = xp.zeros(batch, dtype=xp.bool)  # column k closes a 2x2 block
    closes: list[Any] = []
    for k in range(n):  # L D Y = P^T B, a block at a time
        pivot = pivots[..., k]
        one = (pivot > 0) & ~second
        opens = (pivot < 0) & ~second
        closes.append(second)
        # swap row k (a 1x1 block) or k + 1 (a 2x2 block) with the pivot's row
        at = xp.where(opens, xp.asarray(k + 1, dtype=xp.int64), xp.asarray(k, dtype=xp.int64))
        to = xp.where(one, pivot - 1, xp.where(opens, -pivot - 1, at))
        b = _swap(xp, b, at, to)
        column, bk = ld[..., :, k], b[..., k, :]
        below = (rows > k) & one[..., None, None]
        b = xp.where(below, b - column[..., :, None] * bk[..., None, :], b)
        b = xp.where((rows == k) & one[..., None, None], b * _reciprocal(xp, ld, k, hermitian), b)
        if k + 1 < n:
            b = _block_solve(xp, ld, b, k, opens, rows, hermitian)
        second = opens
    for k in reversed(range(n)):  # L^T X = Y, the swaps undone
        ends = closes[k]
        one = (pivots[..., k] > 0) & ~ends
        later = (rows > k)[..., 0]
        b = _subtract_below(xp, ld, b, k, k, later, one | ends, hermitian)
        if k:
            b = _subtract_below(xp, ld, b, k - 1, k, later, ends, hermitian)
        pivot = pivots[..., k]
        to = xp.where(one, pivot - 1, xp.where(ends, -pivot - 1, k))
        b = _swap(xp, b, xp.full(batch, k, dtype=xp.int64), to)
    return b


def _swap(xp: Any, b: Any, at: Any, to: Any) -> Any:
    """``b`` with rows ``at`` and ``to`` (per matrix, ``(...)``) swapped: one gather."""
    n = b.shape[-2]
    index = xp.arange(n)
    at, to = at[..., None], to[..., None]
    order = xp.where(index == at, to, xp.where(index == to, at, index))
    return xp.take_along_axis(b, xp.broadcast_to(order[..., None], b.shape), axis=-2)


def _reciprocal(xp: Any, ld: Any, k: int, hermitian: bool) -> Any:
    """``1 / D[k, k]`` (``(..., 1, 1)``; hetrs takes the real part), as sytrs scales by it."""
    d = ld[..., k : k + 1, k : k + 1]
    return 1 / (xp.astype(xp.real(d), d.dtype) if hermitian else d)


def _block_solve(xp: Any, ld: Any, b: Any, k: int, opens: Any, rows: Any, hermitian: bool) -> Any:
    """Rows ``k`` and ``k + 1`` of ``b`` through a 2x2 block of ``D`` at ``k`` (where
    ``opens``), after subtracting their part of the rows below (sytrs' two rank-1 updates)."""
    mask = opens[..., None, None]
    bk, bk1 = b[..., k : k + 1, :], b[..., k + 1 : k + 2, :]
    below = (rows > k + 1) & mask
    update = b - ld[..., :, k, None] * bk
    b = xp.where(below, update - ld[..., :, k + 1, None] * bk1, b)
    one = xp.ones((), dtype=ld.dtype)
    akm1k = xp.where(mask, ld[..., k + 1 : k + 2, k : k + 1], one)
    lower = xp.conj(akm1k) if hermitian else akm1k
    akm1 = ld[..., k : k + 1, k : k + 1] / lower
    ak = ld[..., k + 1 : k + 2, k + 1 : k + 2] / akm1k
    denominator = akm1 * ak - one
    bkm1, bk = bk / lower, bk1 / akm1k
    first = (ak * bkm1 - bk) / denominator
    second = (akm1 * bk - bkm1) / denominator
    b = xp.where((rows == k) & mask, first, b)
    return xp.where((rows == k + 1) & mask, second, b)


def _subtract_below(
    xp: Any, ld: Any, b: Any, row: int, k: int, later: Any, where: Any, hermitian: bool
) -> Any:
    """``b[row] -= L[k + 1:, row]^T b[k + 1:]`` (``^H`` when ``hermitian``) where ``where``."""
    column = ld[..., :, row]
    if hermitian:
        column = xp.conj(column)
    products = xp.where(later[:, None], column[..., :, None] * b, xp.zeros((), dtype=b.dtype))
    total = b[..., row : row + 1, :] - xp.sum(products, axis=-2, keepdims=True)
    n = b.shape[-2]
    at = xp.reshape(xp.arange(n) == row, shape=(n, 1))
    return xp.where(at & where[..., None, None], total, b)
