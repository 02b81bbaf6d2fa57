"""Distances between points: ``dist`` (one p-norm of a difference), ``cdist`` (every pair
of rows of two batches of point sets) and ``pdist`` (every pair of rows of one point set).

Both are vector norms of differences, so they share the ``vector_norm`` primitive's gradient:
0 at a zero distance, as in PyTorch.
"""

from __future__ import annotations

import math

from arraygrad import _autocast_flag, _backend, _dtype, _grad_mode, _inference, ops
from arraygrad._math import _operands, check_bool_subtraction
from arraygrad._tensor import Tensor, describe

__all__ = [
    "cdist",
    "dist",
    "pdist",
]


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The ``p``-norm of ``input - other`` (broadcast), over all elements (of the moduli of
    a complex difference: the distance is real).

    >>> import arraygrad
    >>> arraygrad.dist(arraygrad.tensor([1.0, 1.0]), arraygrad.tensor([4.0, 5.0]))
    tensor(5.)
    """
    from arraygrad._statistics import vector_norm

    check_bool_subtraction(input, other)  # PyTorch subtracts first: its error for bools
    a, b = _operands(input, other)
    if not (a.dtype.is_floating_point or a.dtype.is_complex):
        raise RuntimeError(
            "norm(): input dtype should be either floating point or complex. Got "
            f"{_dtype.torch_type_name(a.dtype)} instead (dist of {describe(a)} and "
            f"{describe(b)}). Fix: convert the inputs first, e.g. x.float()."
        )
    if _grad_mode.inference_used:  # PyTorch's kernel saves both; the composition neither
        _inference.check_kept((input, other), "an operand of dist", input, other)
    try:
        difference = ops.subtract(a, b)
    except ValueError:
        raise RuntimeError(
            f"dist: the shapes {list(a.shape)} and {list(b.shape)} do not broadcast. Fix: give "
            "the tensors broadcastable shapes."
        ) from None
    return vector_norm(difference, float(p))


def _check_cdist(x1: Tensor, x2: Tensor, p: float, d1: _dtype.dtype, d2: _dtype.dtype) -> None:
    """PyTorch's checks of cdist's points (of dtypes ``d1``, ``d2`` as given, before
    promotion), in its order: each set's dimensions and dtype, then the columns and ``p``."""
    for name, x, given in (("X1", x1, d1), ("X2", x2, d2)):
        if x.ndim < 2:
            raise RuntimeError(
                f"cdist only supports at least 2D tensors, {name} got: {x.ndim}D "
                f"({describe(x)}). Fix: pass points as rows of a [..., P, M] tensor."
            )
        if not given.is_floating_point:
            raise RuntimeError(
                f"cdist only supports floating-point dtypes, {name} got: "
                f"{_dtype.torch_type_name(given)}. Fix: convert the points with .float()."
            )
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: "
            f"{x2.shape[-1]} (shapes {list(x1.shape)} and {list(x2.shape)})."
            " Fix: give both inputs the same last dimension (the "
            "features)."
        )
    if p < 0:
        raise RuntimeError(
            f"cdist only supports non-negative p values, got p={p}. Fix: pass p >= 0."
        )


def _check_cdist_dtypes(
    x1: Tensor, x2: Tensor, d1: _dtype.dtype, d2: _dtype.dtype, by_matmul: bool
) -> None:
    """PyTorch's errors for points of two dtypes ``d1``, ``d2`` (as given, before promotion),
    or of float16 or bfloat16 (which only its matrix-product route computes; points without
    coordinates compute nothing)."""
    names = [_dtype.torch_type_name(d) for d in (d1, d2)]
    fix = "Fix: convert both sets of points to one dtype, float32 or float64."
    if by_matmul:
        if d1 != d2:
            raise RuntimeError(
                f"expected m1 and m2 to have the same dtype, but got: {names[0]} != {names[1]} "
                f"(cdist of X1 {list(x1.shape)} and X2 {list(x2.shape)} by matrix product). {fix}"
            )
        return
    if not x1.shape[-1]:
        return
    if d1 in _dtype.REDUCED_FLOATS:
        raise NotImplementedError(f"\"cdist\" not implemented for '{names[0]}'. {fix}")
    if d1 != d2:
        raise RuntimeError(f"expected scalar type {names[0]} but found {names[1]}. {fix}")


_COMPUTE_MODES = (
    "use_mm_for_euclid_dist_if_necessary",
    "use_mm_for_euclid_dist",
    "donot_use_mm_for_euclid_dist",
)


def _batch_error(x1: Tensor, x2: Tensor) -> RuntimeError:
    return RuntimeError(
        f"cdist: the batch dimensions of X1 {list(x1.shape[:-2])} and X2 "
        f"{list(x2.shape[:-2])} do not broadcast. Fix: give them broadcastable batch shapes."
    )


def _euclidean_by_matmul(x1: Tensor, x2: Tensor) -> Tensor:
    """PyTorch's ``_euclidean_dist``: the squared distances as one product of padded rows,
    ``[-2x, |x|^2, 1] @ [y, 1, |y|^2]^T``, clamped at 0, then square-rooted.

    The gradient is PyTorch's, ``g / d * (x - y)`` summed over the other set, and 0 where the
    clamped square is 0: the square root is taken of a stand-in there, so that no ``0 * inf``
    reaches the gradient.
    """
    from arraygrad._like_creation import ones_like
    from arraygrad._linalg import matmul
    from arraygrad._shape import cat

    try:
        _backend.xp.broadcast_shapes(tuple(x1.shape[:-2]), tuple(x2.shape[:-2]))
    except ValueError:
        raise _batch_error(x1, x2) from None
    x1_norm = ops.sum(ops.pow(x1, 2), axis=(x1.ndim - 1,), keepdims=True)
    x2_norm = ops.sum(ops.pow(x2, 2), axis=(x2.ndim - 1,), keepdims=True)
    left = cat([ops.multiply(x1, -2.0), x1_norm, ones_like(x1_norm)], -1)
    right = cat([x2, ones_like(x2_norm), x2_norm], -1)
    squared = matmul(left, right.mT)
    positive = ops.greater(squared, 0.0)
    root = ops.sqrt(ops.where(positive, squared, 1.0))
    return ops.where(positive, root, 0.0)


def cdist(
    x1: Tensor,
    x2: Tensor,
    p: float = 2.0,
    compute_mode: str = "use_mm_for_euclid_dist_if_necessary",
) -> Tensor:
    """The ``p``-norm distance between every row of ``x1`` ``[..., P, M]`` and every row of
    ``x2`` ``[..., R, M]``: a ``[..., P, R]`` tensor (batch dimensions broadcast).

    For ``p = 2`` and ``compute_mode`` ``"use_mm_for_euclid_dist_if_necessary"`` (the default:
    when either set has more than 25 rows) or ``"use_mm_for_euclid_dist"``, as in PyTorch, the
    squared distances are ``|x|^2 - 2 x.y + |y|^2``, one matrix product, with neither the
    memory nor the time of every difference ``[..., P, R, M]``, but with cancellation where
    points are close: distances below ``~sqrt(eps) * |x|`` lose their digits (a negative
    square is clamped to 0). ``"donot_use_mm_for_euclid_dist"`` and every other ``p`` compute
    the differences directly. The gradient at a zero distance is 0; for ``p = inf`` every
    element tied for the largest difference gets the full gradient, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.cdist(arraygrad.tensor([[0.0, 0.0]]), arraygrad.tensor([[3.0, 4.0], [1.0, 0.0]]))
    tensor([[5., 1.]])
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts cdist to float32
        from arraygrad.amp import _casts

        return _casts.full(cdist, x1, x2, p, compute_mode)
    from arraygrad._statistics import vector_norm

    if compute_mode not in _COMPUTE_MODES:
        raise ValueError(
            f"{compute_mode} is not a valid value for compute_mode. Fix: use one of "
            f"{', '.join(repr(mode) for mode in _COMPUTE_MODES)}."
        )
    given = (x1, x2)  # their dtypes: _operands promotes, PyTorch's kernels do not
    x1, x2 = _operands(x1, x2)
    d1, d2 = (getattr(x, "dtype", x1.dtype) for x in given)
    _check_cdist(x1, x2, p, d1, d2)
    if _grad_mode.inference_used:  # PyTorch's kernel saves both; the composition neither
        _inference.check_kept(given, "an operand of cdist", *given)
    by_matmul = (
        p == 2
        and x1.shape[-1]
        and (
            compute_mode == "use_mm_for_euclid_dist"
            or (compute_mode == _COMPUTE_MODES[0] and max(x1.shape[-2], x2.shape[-2]) > 25)
        )
    )
    if d1 != d2 or d1 in _dtype.REDUCED_FLOATS:
        _check_cdist_dtypes(x1, x2, d1, d2, bool(by_matmul))
    if by_matmul:
        return _euclidean_by_matmul(x1, x2)
    rows = ops.reshape(x1, shape=(*x1.shape[:-1], 1, x1.shape[-1]))
    cols = ops.reshape(x2, shape=(*x2.shape[:-2], 1, *x2.shape[-2:]))
    try:
        difference = ops.subtract(rows, cols)  # [..., P, R, M]
    except ValueError:
        raise _batch_error(x1, x2) from None
    if x1.shape[-1] == 0:  # no coordinates: every distance is 0
        return ops.sum(difference, axis=(difference.ndim - 1,), keepdims=False)
    if p == math.inf:
        # max |d| with PyTorch's gradient, sign(d) to each element at the maximum: the maximum
        # as a constant plus the (zero) sum of the tied elements' excess over it.
        # (With ops on detached tensors, not raw arrays, so arraygrad.compile replays the mask.)
        size = ops.abs(difference)
        last = (difference.ndim - 1,)
        top = ops.max(size.detach(), axis=last, keepdims=True)
        tied = ops.where(ops.equal(size.detach(), top), ops.subtract(size, top), 0.0)
        excess = ops.sum(tied, axis=last, keepdims=False)
        return ops.add(excess, ops.reshape(top, shape=tuple(excess.shape)))
    if p == 0:
        # The count of non-zero differences. vector_norm's ord=0 has no gradient, as torch's;
        # torch's cdist and pdist give zeros instead: a where() that never picks the (summed)
        # differences keeps them on the graph with a zero gradient.
        count = vector_norm(difference.detach(), 0.0, dim=-1)
        never = Tensor._wrap(_backend.xp.zeros(tuple(count.shape), dtype=_backend.xp.bool))
        summed = ops.sum(difference, axis=(difference.ndim - 1,), keepdims=False)
        return ops.where(never, summed, count)
    return vector_norm(difference, float(p), dim=-1)


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """The ``p``-norm distance between every pair of rows ``i < j`` of ``input`` ``(N, M)``,
    in row-major order of the upper triangle: ``N * (N - 1) / 2`` distances.

    Each pair is a batch of one against one in :func:`cdist`, so the gradients are cdist's
    (and PyTorch's): 0 at a zero distance; for ``p = inf`` every element tied for the largest
    difference gets the full gradient.

    >>> import arraygrad
    >>> arraygrad.pdist(arraygrad.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]))
    tensor([5.0000, 1.0000, 4.2426])
    """
    from arraygrad._matrices import triu_indices

    if input.ndim != 2:
        raise RuntimeError(
            f"pdist only supports 2D tensors, got: {input.ndim}D ({describe(input)}). Fix: pass "
            "the points as the rows of an (N, M) tensor."
        )
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            f"pdist only supports floating-point dtypes, got: {input.dtype.name}. Fix: convert "
            "the points with .float()."
        )
    if p < 0:
        raise RuntimeError(
            f"pdist only supports non-negative p values, got p={p}. Fix: pass p >= 0."
        )
    n, m = input.shape
    pairs = triu_indices(n, n, 1)._data
    count = int(pairs.shape[1])
    first = ops.reshape(ops.take(input, pairs[0, :], axis=0), shape=(count, 1, m))
    second = ops.reshape(ops.take(input, pairs[1, :], axis=0), shape=(count, 1, m))
    return ops.reshape(cdist(first, second, p), shape=(count,))
