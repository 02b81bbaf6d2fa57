"""Building structured matrices: diagonals (``diag_embed``, ``diagflat``), ``block_diag``,
``kron``, ``vander``, and the coordinates of triangles (``tril_indices``, ``triu_indices``).

The differentiable ones compose existing ops (the scatter ``index_add_zeros``, ``cat``,
broadcasting products, ``cumprod``), so their gradients come from those.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _backend, _creation, _dtype, _linalg, _math, _reduction, _shape, ops
from arraygrad._arguments import require_tensor
from arraygrad._dims import normalize_dim
from arraygrad._out import written
from arraygrad._tensor import Tensor
from arraygrad._unary import require_tensors

__all__ = [
    "block_diag",
    "diag_embed",
    "diagflat",
    "kron",
    "tril_indices",
    "triu_indices",
    "vander",
]


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices whose ``offset``-th diagonal (in the plane of ``dim1``, ``dim2`` of the result)
    holds the last dimension of ``input``; the rest is zero. The inverse of
    :func:`arraygrad.diagonal`.

    >>> import arraygrad
    >>> arraygrad.diag_embed(arraygrad.tensor([[1, 2], [3, 4]])).tolist()
    [[[1, 0], [0, 2]], [[3, 0], [0, 4]]]
    """
    ndim = input.ndim + 1
    first, second = normalize_dim(dim1, ndim), normalize_dim(dim2, ndim)
    if first == second:
        raise RuntimeError(
            f"diagonal dimensions cannot be identical {dim1}, {dim2}. Fix: pass two different "
            f"dimensions of the {ndim}-d result."
        )
    shape = tuple(input.shape)
    n = shape[-1] + abs(offset)
    key = (Ellipsis, *_backend.diagonal_indices(n, n, offset))
    square = ops.index_add_zeros(input, shape=(*shape[:-1], n, n), key=key)
    return _shape.movedim(square, (-2, -1), (first, second))


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """The square matrix with ``input``'s elements (flattened) on its ``offset``-th diagonal.

    >>> import arraygrad
    >>> arraygrad.diagflat(arraygrad.tensor([[1, 2]]), 1).tolist()
    [[0, 1, 0], [0, 0, 2], [0, 0, 0]]
    """
    return _linalg.diag(ops.reshape(input, shape=(input.numel(),)), offset)


def block_diag(*tensors: Tensor) -> Tensor:
    """The block-diagonal matrix with ``tensors`` on its diagonal (0-d is ``(1, 1)``, a vector
    of ``n`` is one row ``(1, n)``); dtypes are promoted.

    >>> import arraygrad
    >>> arraygrad.block_diag(arraygrad.tensor([[1, 2]]), arraygrad.tensor(3)).tolist()
    [[1, 2, 0], [0, 0, 3]]
    """
    require_tensors(tensors)
    blocks = []
    for position, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(
                f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input "
                f"{position} has {t.ndim} dimensions (shape {list(t.shape)})."
                " Fix: pass scalars, 1-D or 2-D tensors (e.g. reshape input "
                f"{position} to 2-D)."
            )
        rows, cols = (1, 1) if t.ndim == 0 else (1, t.shape[0]) if t.ndim == 1 else t.shape
        blocks.append(ops.reshape(t, shape=(rows, cols)))
    if not blocks:  # PyTorch's empty block-diagonal matrix has one row and no columns
        from arraygrad._creation import zeros

        return zeros(1, 0)
    dtype = _dtype.result_type(*tensors)
    width = sum(b.shape[1] for b in blocks)
    xp = _backend.xp
    native = _dtype.to_xp(dtype)
    rows_of_blocks = []
    before = 0
    for b in blocks:
        rows, cols = b.shape
        left = Tensor._wrap(xp.zeros((rows, before), dtype=native))
        right = Tensor._wrap(xp.zeros((rows, width - before - cols), dtype=native))
        rows_of_blocks.append(
            _shape.cat([left, b if b.dtype is dtype else ops.astype(b, dtype), right], 1)
        )
        before += cols
    return _shape.cat(rows_of_blocks, 0)


def kron(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The Kronecker product: ``out[i * m + k, ...] = input[i, ...] * other[k, ...]`` along
    every dimension (the shorter shape padded with leading 1s).

    >>> import arraygrad
    >>> arraygrad.kron(arraygrad.tensor([1, 2]), arraygrad.tensor([1, 10])).tolist()
    [1, 10, 2, 20]
    """
    if out is not None:
        return written("kron", out, kron, input, other)
    require_tensor("kron", "input", 1, input)
    require_tensor("kron", "other", 2, other)
    ndim = max(input.ndim, other.ndim)
    a_shape = (1,) * (ndim - input.ndim) + tuple(input.shape)
    b_shape = (1,) * (ndim - other.ndim) + tuple(other.shape)
    # (a0, 1, a1, 1, ...) * (1, b0, 1, b1, ...) -> (a0, b0, a1, b1, ...) -> (a0 b0, a1 b1, ...)
    a = ops.reshape(input, shape=tuple(s for size in a_shape for s in (size, 1)))
    b = ops.reshape(other, shape=tuple(s for size in b_shape for s in (1, size)))
    product = _math.mul(a, b)
    return ops.reshape(product, shape=tuple(x * y for x, y in zip(a_shape, b_shape, strict=True)))


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:  # noqa: N803
    """The Vandermonde matrix ``out[i, j] = x[i] ** (N - 1 - j)`` (``x[i] ** j`` when
    ``increasing``), ``N`` columns (``len(x)`` by default); integers and bools give int64.

    Built as a cumulative product of ``[1, x, x, ...]``, as PyTorch does, so the gradient is
    exact at ``x = 0``.

    >>> import arraygrad
    >>> arraygrad.vander(arraygrad.tensor([1, 2, 3]), 3).tolist()
    [[1, 1, 1], [4, 2, 1], [9, 3, 1]]
    """
    if x.ndim != 1:
        raise RuntimeError(
            f"x must be a one-dimensional tensor. (got shape {list(x.shape)}). Fix: flatten it."
        )
    n = x.shape[0] if N is None else int(N)
    if n < 0:
        raise RuntimeError(f"N must be non-negative. (got N={n}) Fix: pass N >= 0.")
    dtype = _dtype.promote_types(x.dtype, _dtype.int64)
    native = _dtype.to_xp(dtype)
    ones = Tensor._wrap(_backend.xp.ones((x.shape[0], min(n, 1)), dtype=native))
    if n <= 1:
        return ones
    column = ops.reshape(x if x.dtype is dtype else ops.astype(x, dtype), shape=(-1, 1))
    powers = _reduction.cumprod(_shape.cat([ones, _shape.expand(column, -1, n - 1)], 1), 1)
    return powers if increasing else _shape.flip(powers, (1,))


def _triangle_indices(
    name: str, row: int, col: int, offset: int, dtype: _dtype.dtype, lower: bool
) -> Tensor:
    for label, value in (("row", row), ("col", col)):
        if value < 0:
            raise RuntimeError(f"{label} must be non-negative, got{value}. Fix: pass {label} >= 0.")
    if dtype.category != _dtype.int64.category:
        raise NotImplementedError(
            f"\"{name}\" not implemented for '{_dtype.torch_type_name(dtype)}'. Fix: pass an "
            "integer dtype (the default is int64)."
        )
    xp = _backend.xp
    # nonzero lists the kept places in row-major order, which is PyTorch's order.
    where_rows, where_cols = xp.nonzero(_backend.triangle_mask(row, col, offset, lower))
    return Tensor._wrap(xp.astype(xp.stack([where_rows, where_cols]), _dtype.to_xp(dtype)))


def tril_indices(
    row: int, col: int, offset: int = 0, *, dtype: _dtype.dtype = _dtype.int64, **options: Any
) -> Tensor:
    """The ``(2, count)`` coordinates of the lower triangle (``j - i <= offset``) of a
    ``row x col`` matrix, row by row.

    >>> import arraygrad
    >>> arraygrad.tril_indices(2, 2).tolist()
    [[0, 1, 1], [0, 0, 1]]
    """
    _creation.creation_options("tril_indices", options)
    return _triangle_indices("tril_indices", row, col, offset, dtype, lower=True)


def triu_indices(
    row: int, col: int, offset: int = 0, *, dtype: _dtype.dtype = _dtype.int64, **options: Any
) -> Tensor:
    """The ``(2, count)`` coordinates of the upper triangle (``j - i >= offset``) of a
    ``row x col`` matrix, row by row.

    >>> import arraygrad
    >>> arraygrad.triu_indices(2, 2).tolist()
    [[0, 0, 1], [0, 1, 1]]
    """
    _creation.creation_options("triu_indices", options)
    return _triangle_indices("triu_indices", row, col, offset, dtype, lower=False)
