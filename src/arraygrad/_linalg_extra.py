"""The rest of ``torch.linalg`` for real and complex tensors (``arraygrad.linalg`` exposes them):
the ``_ex`` variants that report a failed factorisation in an ``info`` tensor instead of
raising (``cholesky_ex``, ``inv_ex``, ``solve_ex``), ``tensorinv``, ``tensorsolve``, ``vander``
and ``diagonal``; the Householder QR functions (``_householder``) are re-exported from here.

Each is composed of existing differentiable ops, so its gradient is the composition's. ``info``
is LAPACK's, as torch reports it: for Cholesky the order of the first leading minor that is not
positive-definite, for ``inv_ex`` and ``solve_ex`` the 1-based index of the first exactly zero
pivot of the LU factorisation (0 where the matrix is fine), int32 of ``A``'s batch shape.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NoReturn

from arraygrad import _backend, _dtype, ops, return_types
from arraygrad._arguments import bool_argument, int_argument
from arraygrad._decompositions import nan_pivot
from arraygrad._householder import geqrf, orgqr, ormqr
from arraygrad._householder import householder_product as householder_product
from arraygrad._lapack_failures import partial_cholesky
from arraygrad._linalg import (
    LinAlgError,
    _kernel_supports,
    _low_precision,
    _square,
    inverse,
)
from arraygrad._lu import lu_factor_ex
from arraygrad._math import _operands, where
from arraygrad._out import written, written_each
from arraygrad._primitive import labelled
from arraygrad._reduction import cumprod
from arraygrad._shape import cat, expand, movedim
from arraygrad._tensor import Tensor
from arraygrad._views import diagonal as _diagonal

__all__ = ["geqrf", "orgqr", "ormqr"]


# --- info and the failed matrices' values, on raw arrays -----------------------------------------


def _zero_info(batch: tuple[int, ...]) -> Tensor:
    xp = _backend.xp
    return Tensor._wrap(xp.zeros(batch, dtype=xp.int32))


def _raise_for_info(name: str, info: Tensor, problem: Callable[[int], str], fix: str = "") -> None:
    """LinAlgError for the first matrix whose ``info`` is nonzero, worded as torch's (and
    ``fix`` appended, where given)."""
    values = _backend.to_numpy(info._data).reshape(-1).tolist()
    for element, value in enumerate(values):
        if value > 0:
            batch = f"(Batch element {element}): " if info.ndim else ""
            advice = f" Fix: {fix}." if fix else ""
            raise LinAlgError(f"{name}: {batch}{problem(value)}{advice}")


def _singular_inverse(index: int) -> str:
    return (
        f"The diagonal element {index} is zero, the inversion could not be completed because "
        "the input matrix is singular."
    )


def _singular_solve(_: int) -> str:
    return "The solver failed because the input matrix is singular."


def _not_positive_definite(order: int) -> str:
    return (
        "The factorization could not be completed because the input is not positive-definite "
        f"(the leading minor of order {order} is not positive-definite)."
    )


def raise_singular(name: str, a: Tensor, *, solving: bool, fix: str) -> NoReturn:
    """Raise torch's LinAlgError for the first matrix of ``a`` (which the array library found
    singular) with an exactly zero pivot in its LU factorisation: which batch element, and
    (for an inverse) which pivot, as torch's message names them, then ``fix``.

    >>> import arraygrad
    >>> try:
    ...     arraygrad.linalg.inv(arraygrad.stack([arraygrad.eye(2), arraygrad.zeros(2, 2)]))
    ... except arraygrad.linalg.LinAlgError as error:
    ...     print(str(error)[:56])
    linalg.inv: (Batch element 1): The diagonal element 1 is
    """
    info = lu_factor_ex(a.detach()).info
    problem = _singular_solve if solving else _singular_inverse
    _raise_for_info(name, info, problem, fix)
    # (the array library's rounding found a zero pivot that partial pivoting here did not)
    raise LinAlgError(f"{name}: {problem(0 if solving else a.shape[-1])} Fix: {fix}.")


def raise_not_positive_definite(name: str, a: Tensor, *, upper: bool, fix: str) -> NoReturn:
    """Raise torch's LinAlgError for the first matrix of ``a`` that is not positive-definite,
    naming its batch element and the order of its first such leading minor."""
    xp = _backend.xp
    data = a.detach()._data
    _, info = partial_cholesky(xp.matrix_transpose(data) if upper else data)
    _raise_for_info(name, Tensor._wrap(info), _not_positive_definite, fix)
    raise LinAlgError(f"{name}: {_not_positive_definite(a.shape[-1])} Fix: {fix}.")


def _with_info(
    a: Tensor, solve: Callable[[Tensor], Tensor], failed: Callable[[Any], Tensor]
) -> tuple[Tensor, Tensor]:
    """``solve(a)`` and LAPACK's info for each matrix of ``a``. Singular matrices (an exactly
    zero pivot, as LAPACK's getrf finds them) get ``failed(ops)`` instead (``ops`` or its
    complex twins: the substitution through their LU factors, whose inf / nan values and
    gradients are torch's); the others are solved as by ``solve`` (with its gradient)."""
    batch = tuple(a.shape[:-2])
    try:
        return solve(a), _zero_info(batch)
    except LinAlgError:
        pass
    xp = _backend.xp
    info = lu_factor_ex(a.detach()).info
    singular = info._data > xp.zeros((), dtype=info._data.dtype)
    mask = xp.reshape(singular, shape=(*batch, 1, 1))
    eye = xp.eye(a.shape[-1], dtype=a._data.dtype)
    good = solve(where(Tensor._wrap(mask), Tensor._wrap(eye), a))
    bad = failed(ops.complex_linalg if a.dtype.is_complex else ops)
    return where(Tensor._wrap(mask), bad, good), info


# --- the _ex functions -----------------------------------------------------------------------


def cholesky_ex(
    A: Tensor,  # noqa: N803 - torch's name
    *,
    upper: bool = False,
    check_errors: bool = False,
    out: Tensor | None = None,
) -> Any:
    """``(L, info)`` of the Cholesky factorisation as ``return_types.linalg_cholesky_ex``:
    :func:`arraygrad.linalg.cholesky` where ``A`` is positive-definite (``info`` 0, with its
    gradient); elsewhere ``info`` is the order of the first leading minor that is not
    positive-definite and ``L`` is LAPACK's partial factor (no gradient). ``check_errors``
    raises :class:`LinAlgError` for such an ``A`` instead.

    >>> import arraygrad
    >>> arraygrad.linalg.cholesky_ex(arraygrad.tensor([[1.0, 2.0], [2.0, 1.0]])).info
    tensor(2, dtype=arraygrad.int32)
    """
    if out is not None:
        return written_each(
            "linalg_cholesky_ex", out, cholesky_ex, A, upper=upper, check_errors=check_errors
        )
    upper = bool_argument("linalg_cholesky_ex", "upper", upper)
    check_errors = bool_argument("linalg_cholesky_ex", "check_errors", check_errors)
    a = _square("linalg.cholesky", A, complex_ok=True)
    _kernel_supports("cholesky_cpu", a)
    on = ops.complex_linalg if a.dtype.is_complex else ops
    primitive = on.cholesky
    upper = bool(upper)
    batch = tuple(a.shape[:-2])
    xp = _backend.xp
    try:
        factor = primitive(a, upper=upper)
        failed = nan_pivot(factor._data)
    except ValueError:
        failed = True
    info = _zero_info(batch)
    if failed:
        data = a.detach()._data
        _, raw_info = partial_cholesky(xp.matrix_transpose(data) if upper else data)
        info = Tensor._wrap(raw_info)
        mask = xp.reshape(raw_info == xp.zeros((), dtype=raw_info.dtype), shape=(*batch, 1, 1))
        eye = Tensor._wrap(xp.eye(a.shape[-1], dtype=data.dtype))
        # LAPACK's partial factor, differentiated as torch's (its cholesky rule on that factor)
        partial = on.cholesky_unchecked(a, upper=upper)
        try:  # the positive-definite matrices keep their gradient
            good = primitive(where(Tensor._wrap(mask), a, eye), upper=upper)
            factor = where(Tensor._wrap(mask), good, partial)
        except ValueError:  # LAPACK's rounding failed where the unblocked one did not
            factor = partial
        if check_errors:
            _raise_for_info("linalg.cholesky_ex", info, _not_positive_definite)
    return return_types.linalg_cholesky_ex(labelled(factor, "LinalgCholeskyExBackward0"), info)


def check_same_dtype(A: Any, B: Any) -> None:  # noqa: N803 - torch's names
    """Raise torch's RuntimeError where ``A`` and ``B`` are tensors of two dtypes: torch's
    solvers do not promote.

    >>> import arraygrad
    >>> try:
    ...     arraygrad.linalg.solve(arraygrad.eye(2), arraygrad.ones(2, dtype=arraygrad.float64))
    ... except RuntimeError as error:
    ...     print(str(error)[:54])
    linalg.solve: Expected A and B to have the same dtype,
    """
    if isinstance(A, Tensor) and isinstance(B, Tensor) and A.dtype != B.dtype:
        raise RuntimeError(
            "linalg.solve: Expected A and B to have the same dtype, but found A of type "
            f"{_dtype.torch_type_name(A.dtype)} and B of type {_dtype.torch_type_name(B.dtype)} "
            "instead. Fix: convert one, e.g. B.to(A.dtype)."
        )


def inv_ex(A: Tensor, *, check_errors: bool = False, out: tuple[Tensor, ...] | None = None) -> Any:  # noqa: N803 - torch's name
    """``(inverse, info)`` as ``return_types.linalg_inv_ex``: :func:`arraygrad.linalg.inv`
    where ``A`` is invertible (``info`` 0); for a singular ``A``, ``info`` is the index of the
    first zero pivot of its LU factorisation and the inverse holds the inf / nan of the failed
    solve (no gradient). ``check_errors`` raises :class:`LinAlgError` there instead.

    >>> import arraygrad
    >>> arraygrad.linalg.inv_ex(arraygrad.tensor([[1.0, 2.0], [2.0, 4.0]])).info
    tensor(2, dtype=arraygrad.int32)
    """
    if out is not None:
        return written_each("linalg_inv_ex", out, inv_ex, A, check_errors=check_errors)
    check_errors = bool_argument("linalg_inv_ex", "check_errors", check_errors)
    if A.ndim < 2:
        raise RuntimeError(
            "linalg.inv: The input tensor A must have at least 2 dimensions. Fix: pass a matrix "
            "or a batch of matrices."
        )
    a = _square("linalg.inv", A, complex_ok=True)
    _low_precision("linalg.inv", a)
    result, info = _with_info(a, inverse, lambda on: on.inverse_unchecked(a))
    if check_errors:
        _raise_for_info("linalg.inv_ex", info, _singular_inverse)
    return return_types.linalg_inv_ex(labelled(result, "LinalgInvExBackward0"), info)


def solve_ex(
    A: Tensor,  # noqa: N803 - torch's names
    B: Tensor,  # noqa: N803
    *,
    left: bool = True,
    check_errors: bool = False,
    out: Tensor | None = None,
) -> Any:
    """``(result, info)`` as ``return_types.linalg_solve_ex``: :func:`arraygrad.linalg.solve`
    where ``A`` is invertible (``info`` 0); for a singular ``A``, ``info`` is the index of the
    first zero pivot of its LU factorisation and the result holds the inf / nan of the failed
    solve (no gradient). ``check_errors`` raises :class:`LinAlgError` there instead.

    >>> import arraygrad
    >>> a = arraygrad.tensor([[2.0, 0.0], [0.0, 4.0]])
    >>> arraygrad.linalg.solve_ex(a, arraygrad.tensor([2.0, 2.0])).result.tolist()
    [1.0, 0.5]
    """
    if out is not None:
        return written_each(
            "linalg_solve_ex", out, solve_ex, A, B, left=left, check_errors=check_errors
        )
    from arraygrad.linalg import solve  # (arraygrad.linalg imports this module)

    left = bool_argument("linalg_solve_ex", "left", left)
    check_errors = bool_argument("linalg_solve_ex", "check_errors", check_errors)

    check_same_dtype(A, B)
    a, b = _operands(A, B)
    a = _square("linalg.solve", a, complex_ok=True)
    like_vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and tuple(b.shape) == tuple(a.shape[:-1]))
    if not left and like_vector:
        solve(a, b, left=False)  # raises torch's error: no vectors with left=False
    vector = left and like_vector
    # vectors as columns, so that singular matrices' substitutions line up with the solutions;
    # X A = B is solved as A^T X^T = B^T, with LAPACK's info of A's factorisation (as torch)
    t = ops.matrix_transpose
    columns = ops.reshape(b, shape=(*b.shape, 1)) if vector else (b if left else t(b))
    result, info = _with_info(
        a,
        lambda matrix: solve(matrix if left else t(matrix), columns),
        lambda on: on.solve_unchecked(a, columns, transposed=not left),
    )
    if vector:
        result = ops.reshape(result, shape=tuple(result.shape[:-1]))
    elif not left:
        result = t(result)
    if check_errors:
        _raise_for_info("torch.linalg.solve_ex", info, _singular_solve)
    return return_types.linalg_solve_ex(labelled(result, "LinalgSolveExBackward0"), info)


# --- tensor inverses and solves, Vandermonde matrices, diagonals ---------------------------


def _requirement(what: str, left: int, right: int) -> RuntimeError:
    return RuntimeError(
        f"Expected self to satisfy the requirement {what}, but got {left} != {right}. Fix: the "
        "product of the leading dimensions must equal the product of the trailing ones."
    )


def tensorinv(A: Tensor, ind: int = 2, *, out: Tensor | None = None) -> Tensor:  # noqa: N803 - torch's name
    """The inverse of ``A`` for :func:`arraygrad.tensordot` over ``ind`` dimensions: ``A``
    read as a ``prod(shape[:ind]) x prod(shape[ind:])`` matrix (which must be square and
    invertible), inverted, and shaped ``shape[ind:] + shape[:ind]``.

    >>> import arraygrad
    >>> arraygrad.linalg.tensorinv(2 * arraygrad.eye(4).reshape(4, 2, 2), ind=1).shape
    arraygrad.Size([2, 2, 4])
    """
    if out is not None:
        return written("linalg_tensorinv", out, tensorinv, A, ind)
    ind = int_argument("linalg_tensorinv", "ind", ind, 2)
    if isinstance(ind, bool) or not isinstance(ind, int):
        raise TypeError(
            f"linalg_tensorinv(): argument 'ind' (position 2) must be int, not {type(ind).__name__}"
            ". Fix: pass ind as an int, e.g. ind=2."
        )
    if ind <= 0:
        raise RuntimeError(
            f"Expected a strictly positive integer for 'ind', but got {ind}"
            ". Fix: pass ind >= 1 (the number of leading dimensions that index the "
            "rows)."
        )
    shape = tuple(A.shape)
    rows, cols = math.prod(shape[:ind]), math.prod(shape[ind:])
    if rows != cols:
        raise _requirement("prod(self.shape[ind:]) == prod(self.shape[:ind])", cols, rows)
    return ops.reshape(inverse(ops.reshape(A, shape=(rows, cols))), shape=shape[ind:] + shape[:ind])


def tensorsolve(A: Tensor, B: Tensor, dims: Any = None, *, out: Tensor | None = None) -> Tensor:  # noqa: N803 - torch's names
    """The ``X`` with ``tensordot(A, X, X.ndim) = B``: ``A`` (with the dimensions ``dims`` moved
    to the end) read as a ``B.numel() x prod(A.shape[B.ndim:])`` matrix, solved for
    ``B.flatten()``; ``X`` has the shape ``A.shape[B.ndim:]``.

    >>> import arraygrad
    >>> a = 2 * arraygrad.eye(6).reshape(6, 2, 3)
    >>> arraygrad.linalg.tensorsolve(a, arraygrad.ones(6)).tolist()
    [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]
    """
    if out is not None:
        return written("linalg_tensorsolve", out, tensorsolve, A, B, dims)
    from arraygrad.linalg import solve  # (arraygrad.linalg imports this module)

    check_same_dtype(A, B)
    a, b = _operands(A, B)
    if dims is not None:
        if not isinstance(dims, (tuple, list)):
            raise TypeError(
                f"linalg_tensorsolve(): argument 'dims' must be tuple of ints, not "
                f"{type(dims).__name__}"
                ". Fix: pass dims as a tuple of ints, e.g. dims=(0,)."
            )
        count = len(dims)
        a = movedim(a, tuple(dims), tuple(range(a.ndim - count, a.ndim)))
    shape = tuple(a.shape[b.ndim :])
    size = math.prod(shape)
    if size != b.numel():
        raise _requirement(
            "prod(self.shape[other.ndim:]) == prod(self.shape[:other.ndim])", size, b.numel()
        )
    if a.numel() != size * size:
        raise RuntimeError(
            f"shape '[{size}, {size}]' is invalid for input of size {a.numel()}. Fix: A must "
            f"have B.numel() * prod(A.shape[B.ndim:]) = {size * size} elements."
        )
    solution = solve(ops.reshape(a, shape=(size, size)), ops.reshape(b, shape=(size,)))
    return ops.reshape(solution, shape=shape)


def vander(x: Tensor, *, N: int | None = None) -> Tensor:  # noqa: N803 - torch's name
    """The Vandermonde matrices of the last dimension of ``x``, in increasing powers:
    ``out[..., i, j] = x[..., i] ** j`` for ``j < N`` (``N`` defaults to ``x.shape[-1]`` and
    must be at least 2); integers give int64. (``torch.vander`` has decreasing powers.)
    Built as a cumulative product of ``[1, x, x, ...]``, as torch, so the gradient is exact
    at ``x = 0``.

    >>> import arraygrad
    >>> arraygrad.linalg.vander(arraygrad.tensor([1, 2, 3])).tolist()
    [[1, 1, 1], [1, 2, 4], [1, 3, 9]]
    """
    if x.dtype in (_dtype.bool_, _dtype.float16, _dtype.bfloat16):
        raise RuntimeError(
            "linalg.vander supports floating point, complex, and integer tensors, but got "
            f"{_dtype.torch_type_name(x.dtype)}. Fix: convert x, e.g. x.double()."
        )
    if x.ndim == 0:  # torch takes a number as one point
        x = ops.reshape(x, shape=(1,))
    n = x.shape[-1] if N is None else int(N)
    if n <= 1:
        raise RuntimeError(
            f"N must be greater than 1. (got N={n})"
            ". Fix: pass N >= 2, or an input whose last dimension has 2 or more "
            "elements."
        )
    if not (x.dtype.is_floating_point or x.dtype.is_complex):  # integers: int64
        x = ops.astype(x, _dtype.int64)
    column = ops.reshape(x, shape=(*x.shape, 1))
    ones = Tensor._wrap(_backend.xp.ones(tuple(column.shape), dtype=x._data.dtype))
    powers = cumprod(cat([ones, expand(column, *column.shape[:-1], n - 1)], -1), -1)
    return labelled(powers, "CatBackward0")  # (torch's last step: a cat after its cumprod)


def diagonal(
    A: Tensor,  # noqa: N803 - torch's name
    *,
    offset: int = 0,
    dim1: int = -2,
    dim2: int = -1,
) -> Tensor:
    """:func:`arraygrad.diagonal` with the last two dimensions by default (a view).

    >>> import arraygrad
    >>> arraygrad.linalg.diagonal(arraygrad.arange(8).reshape(2, 2, 2)).tolist()
    [[0, 3], [4, 7]]
    """
    return _diagonal(A, offset, dim1, dim2)
