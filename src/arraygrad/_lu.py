"""LU factorisation with partial pivoting, as PyTorch's: ``linalg.lu_factor``,
``linalg.lu_factor_ex``, ``linalg.lu``, ``linalg.lu_solve`` (``arraygrad.linalg`` exposes them
under their PyTorch names) and the top-level ``lu``, ``lu_unpack`` and ``lu_solve``.

``A = P L U`` with ``P`` a permutation, ``L`` unit lower triangular (``m x k``) and ``U`` upper
triangular (``k x n``), ``k = min(m, n)``; ``LU`` packs ``L``'s strict lower triangle and ``U``,
and ``pivots`` (int32, 1-based, LAPACK's) says that row ``i`` was swapped with row
``pivots[i]``. The factorisation is one primitive (``arraygrad.ops.lu_factor``, or
``ops.complex_linalg.lu_factor`` for complex matrices) whose gradient is torch's for full-rank
inputs; ``lu_solve`` is composed of triangular solves, so its gradient
is the composition's (the same as torch's formula).
"""

from __future__ import annotations

import warnings
from typing import Any

from arraygrad import _backend, _dtype, ops, return_types
from arraygrad._arguments import bool_argument
from arraygrad._linalg import matmul, tril, triu
from arraygrad._out import written_each, written_exactly
from arraygrad._primitive import labelled
from arraygrad._tensor import Tensor
from arraygrad._triangular import _adjoint, solve_triangular
from arraygrad._views import broadcast_shapes
from arraygrad._views import diagonal as _diagonal

__all__ = [
    "lu",
    "lu_solve",
    "lu_unpack",
]

_NO_PIVOTING = (
    "linalg.lu_factor: LU without pivoting is not implemented on the CPU. Fix: leave "
    "pivot=True (the default): arraygrad, like PyTorch on the CPU, only pivots."
)


def _empty(dtype: Any) -> Tensor:
    return Tensor._wrap(_backend.xp.zeros((0,), dtype=dtype))


def _checked_input(name: str, A: Tensor, pivot: bool) -> Tensor:  # noqa: N803 - torch's name
    if A.ndim < 2:
        raise RuntimeError(
            f"{name}: Expected tensor with 2 or more dimensions. Got size: {list(A.shape)} "
            "instead. Fix: pass a matrix or a batch of matrices."
        )
    inexact = A.dtype.is_floating_point or A.dtype.is_complex
    if A.numel() > 0 and (not inexact or A.dtype in _dtype.REDUCED_FLOATS):  # (empty: no kernel)
        raise NotImplementedError(
            f"\"lu_cpu\" not implemented for '{_dtype.torch_type_name(A.dtype)}' (input of shape "
            f"{list(A.shape)}). Fix: convert the input to float32 or float64 first, e.g. "
            "A.double()."
        )
    if not pivot and A.numel() > 0:  # (torch factors no entries either way)
        raise RuntimeError(_NO_PIVOTING)
    return A


def _info(lu: Tensor) -> Tensor:
    """LAPACK's info: the 1-based index of the first exactly zero diagonal entry of ``U`` in
    each matrix (0 where there is none), int32 of the batch shape."""
    xp = _backend.xp
    data = lu._data
    k = min(data.shape[-2], data.shape[-1])
    batch = tuple(data.shape[:-2])
    if k == 0:
        return Tensor._wrap(xp.zeros(batch, dtype=xp.int32))
    diagonal = _diagonal(lu.detach(), 0, -2, -1)._data
    # xp calls, no raw == or +: arraygrad.compile records only those, and would replay a raw
    # operator's result as a constant (the info of the traced matrix for every later one)
    zero = xp.equal(diagonal, xp.zeros((), dtype=diagonal.dtype))
    first = xp.add(xp.argmax(xp.astype(zero, xp.int32), axis=-1), xp.ones((), dtype=xp.int64))
    none = xp.zeros((), dtype=first.dtype)
    return Tensor._wrap(xp.astype(xp.where(xp.any(zero, axis=-1), first, none), xp.int32))


def _check_info(name: str, info: Tensor) -> None:
    tracer = _backend.tracer
    if tracer is None:
        _check_info_values(name, info._data)
    else:  # a step of the compiled program, as _check_pivots's
        tracer.call(_check_info_values, (name, info._data))


def _check_info_values(name: str, info: Any) -> None:
    """Raise, as torch, where ``info`` (LAPACK's) says that ``U`` has a zero pivot."""
    values = _backend.to_numpy(info).reshape(-1).tolist()
    for element, value in enumerate(values):
        if value > 0:
            batch = f"(Batch element {element}): " if info.ndim else ""
            raise RuntimeError(
                f"{name}: {batch}U[{value},{value}] is zero and using it on lu_solve would "
                "result in a division by zero. If you still want to perform the factorization, "
                "consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)"
            )


def _factor(name: str, A: Tensor, pivot: bool) -> tuple[Tensor, Tensor, Tensor]:  # noqa: N803
    a = _checked_input(name, A, pivot)
    m, n = a.shape[-2], a.shape[-1]
    packed = (ops.complex_linalg.lu_factor if a.dtype.is_complex else ops.lu_factor)(a)
    # (named as torch's node: its lu_factor, lu_factor_ex and lu are linalg_lu_factor_ex)
    lu = labelled(packed[..., :m, :n], "LinalgLuFactorExBackward0")
    # the pivots are exact in the packed float row; as integers they carry no gradient
    row = packed[..., m, : min(m, n)].detach()
    pivots = ops.astype(ops.real(row) if a.dtype.is_complex else row, _dtype.int32) + 1
    return lu, pivots, _info(lu)


def lu_factor_ex(
    A: Tensor,  # noqa: N803 - torch's name
    *,
    pivot: bool = True,
    check_errors: bool = False,
    out: Tensor | None = None,
) -> Any:
    """``(LU, pivots, info)`` of ``A`` as ``return_types.linalg_lu_factor_ex``: ``info`` is
    nonzero (the index of the first zero pivot) where ``A`` is singular; with ``check_errors``
    that raises RuntimeError instead.

    >>> import arraygrad
    >>> arraygrad.linalg.lu_factor_ex(arraygrad.tensor([[0.0, 0.0], [1.0, 0.0]])).info
    tensor(2, dtype=arraygrad.int32)
    """
    if out is not None:
        return written_each(
            "linalg_lu_factor_ex", out, lu_factor_ex, A, pivot=pivot, check_errors=check_errors
        )
    pivot = bool_argument("linalg_lu_factor_ex", "pivot", pivot)
    check_errors = bool_argument("linalg_lu_factor_ex", "check_errors", check_errors)
    lu, pivots, info = _factor("torch.linalg.lu_factor_ex", A, pivot)
    if check_errors:
        _check_info("torch.linalg.lu_factor_ex", info)
    return return_types.linalg_lu_factor_ex(lu, pivots, info)


def lu_factor(A: Tensor, *, pivot: bool = True, out: tuple[Tensor, ...] | None = None) -> Any:  # noqa: N803 - torch's name
    """``(LU, pivots)`` of the LU factorisation with partial pivoting, ``A = P L U``, as
    ``return_types.linalg_lu_factor``; ``A`` may be rectangular and batched. Raises
    RuntimeError for a singular ``A`` (a zero pivot), as torch. The gradient is torch's, for
    full-rank ``A``.

    >>> import arraygrad
    >>> lu, pivots = arraygrad.linalg.lu_factor(arraygrad.tensor([[1.0, 2.0], [4.0, 2.0]]))
    >>> lu.tolist(), pivots.tolist()
    ([[4.0, 2.0], [0.25, 1.5]], [2, 2])
    """
    if out is not None:
        return written_each("linalg_lu_factor", out, lu_factor, A, pivot=pivot)
    # (torch names the function "torch.lu_factor" in its dimension error)
    lu, pivots, info = _factor(
        "torch.lu_factor", A, bool_argument("linalg_lu_factor", "pivot", pivot)
    )
    _check_info("torch.linalg.lu_factor", info)
    return return_types.linalg_lu_factor(lu, pivots)


def _permutation_rows(pivots: Any, m: int, batch: tuple[int, ...]) -> Any:
    """``perm`` (int64, ``batch + (m,)``) with row ``perm[i]`` of ``A`` the row ``i`` of
    ``P^T A``: the swaps of row ``i`` with row ``pivots[i] - 1``, made in order."""
    # xp calls only, no raw operators or indexing: arraygrad.compile records only those, and
    # would replay a raw operator's result as a constant (the traced pivots' permutation).
    xp = _backend.xp
    index = xp.arange(m)
    perm = xp.broadcast_to(index, (*batch, m))
    one = xp.ones((), dtype=xp.int64)
    swaps = xp.subtract(xp.astype(pivots, xp.int64), one)
    swaps = xp.broadcast_to(swaps, (*batch, pivots.shape[-1]))
    zero = xp.zeros((), dtype=perm.dtype)
    for i in range(min(swaps.shape[-1], m)):
        column = (Ellipsis, slice(i, i + 1))
        at_target = xp.equal(index, xp.getitem(swaps, column))
        picked = xp.sum(xp.where(at_target, perm, zero), axis=-1, keepdims=True)
        at_i = xp.equal(index, xp.asarray(i, dtype=xp.int64))
        perm = xp.where(at_i, picked, xp.where(at_target, xp.getitem(perm, column), perm))
    return perm


def _permutation(pivots: Tensor, m: int, batch: tuple[int, ...], dtype: Any) -> Tensor:
    """The permutation matrix ``P`` of ``A = P L U`` (``P[r, i] = 1`` where ``r = perm[i]``)."""
    xp = _backend.xp
    perm = _permutation_rows(pivots._data, m, batch)
    rows = xp.reshape(xp.arange(m), shape=(m, 1))
    perm = xp.reshape(perm, shape=(*perm.shape[:-1], 1, m))
    return Tensor._wrap(xp.astype(xp.equal(rows, perm), dtype))


def _check_pivots(name: str, pivots: Tensor, m: int, unpack: bool) -> None:
    if pivots.dtype != _dtype.int32:
        if unpack:
            raise RuntimeError(
                "torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of torch.int32 "
                "dtype.\nNote: this function is intended to be used with the output produced by "
                f"torch.linalg.lu_factor (got {pivots.dtype}). Fix: pivots.int()."
            )
        raise RuntimeError(
            f"{name}: pivots should be a Tensor of scalar type torch.int32 (got "
            f"{pivots.dtype}). Fix: pass the pivots of lu_factor, or pivots.int()."
        )
    if pivots.numel() == 0:
        return
    tracer = _backend.tracer
    if tracer is None:
        _check_pivot_values(pivots._data, m, unpack)
    else:
        # A step of the compiled program (not a read of the traced values into Python, which
        # would make the whole function run eagerly): each replay checks its own pivots.
        tracer.call(_check_pivot_values, (pivots._data, m, unpack))


def _check_pivot_values(pivots: Any, m: int, unpack: bool) -> None:
    """Raise, as torch, for pivots outside ``[1, m]``."""
    data = _backend.to_numpy(pivots)
    if unpack and (data.min() < 1 or data.max() > m):
        raise RuntimeError(
            f"pivots passed to lu_unpack must be between 1 and LU.size(-2) inclusive (got "
            f"values from {data.min()} to {data.max()} for LU.size(-2) = {m}). Did you properly "
            "pass the result of lu_factor?"
        )
    if data.max() > m:
        raise RuntimeError(
            f"Pivots given to lu_solve must all be smaller or equal to LU.size(-2) ({m}, got "
            f"{data.max()}). Did you properly pass the result of lu_factor?"
        )
    if data.min() < 1:
        raise RuntimeError(
            f"Pivots given to lu_solve must all be greater or equal to 1 (got {data.min()}). "
            "Did you properly pass the result of lu_factor?"
        )


def lu_unpack(
    LU_data: Tensor,  # noqa: N803 - torch's names
    LU_pivots: Tensor,  # noqa: N803
    unpack_data: bool = True,
    unpack_pivots: bool = True,
    *,
    out: tuple[Tensor, ...] | None = None,
) -> Any:
    """``(P, L, U)`` from ``lu_factor``'s ``(LU, pivots)`` as ``return_types.lu_unpack``:
    ``L`` (``m x k``, unit lower) and ``U`` (``k x n``) are read from ``LU``'s triangles (and
    get its gradient), ``P`` (``m x m``) is built from the pivots. ``unpack_data=False`` or
    ``unpack_pivots=False`` gives empty ``L``, ``U`` or ``P``, as torch.

    >>> import arraygrad
    >>> lu, pivots = arraygrad.linalg.lu_factor(arraygrad.tensor([[1.0, 2.0], [4.0, 2.0]]))
    >>> arraygrad.lu_unpack(lu, pivots).P.tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    if out is not None:
        return written_each(
            "lu_unpack", out, lu_unpack, LU_data, LU_pivots, unpack_data, unpack_pivots
        )
    unpack_data = bool_argument("lu_unpack", "unpack_data", unpack_data, 3)
    unpack_pivots = bool_argument("lu_unpack", "unpack_pivots", unpack_pivots, 4)
    if LU_data.ndim < 2:
        raise RuntimeError(
            f"torch.lu_unpack: Expected tensor with 2 or more dimensions. Got size: "
            f"{list(LU_data.shape)} instead. Fix: pass the LU of lu_factor."
        )
    m, n = LU_data.shape[-2], LU_data.shape[-1]
    k = min(m, n)
    dtype = LU_data._data.dtype
    p = _empty(dtype)
    if unpack_pivots:
        _check_pivots("torch.lu_unpack", LU_pivots, m, unpack=True)
        batch = broadcast_shapes(tuple(LU_data.shape[:-2]), tuple(LU_pivots.shape[:-1]))
        p = _permutation(LU_pivots, m, tuple(batch), dtype)
    lower, upper = _empty(dtype), _empty(dtype)
    if unpack_data:
        eye = Tensor._wrap(_backend.xp.eye(m, k, dtype=dtype))
        # (both named as torch's one node for L and U)
        lower = labelled(ops.add(tril(LU_data[..., :, :k], -1), eye), "LuUnpackBackward0")
        upper = labelled(triu(LU_data[..., :k, :]), "LuUnpackBackward0")
    return return_types.lu_unpack(p, lower, upper)


def linalg_lu(A: Tensor, *, pivot: bool = True, out: tuple[Tensor, ...] | None = None) -> Any:  # noqa: N803 - torch's name
    """``(P, L, U)`` with ``A = P L U`` as ``return_types.linalg_lu``; ``A`` may be rectangular,
    batched and singular. ``L`` and ``U`` get torch's gradients (for full-rank ``A``).

    >>> import arraygrad
    >>> arraygrad.linalg.lu(arraygrad.tensor([[1.0, 2.0], [4.0, 2.0]])).L.tolist()
    [[1.0, 0.0], [0.25, 1.0]]
    """
    if out is not None:
        return written_each("linalg_lu", out, linalg_lu, A, pivot=pivot)
    lu, pivots, _ = _factor("linalg.lu", A, bool_argument("linalg_lu", "pivot", pivot))
    p, lower, upper = lu_unpack(lu, pivots)
    lower, upper = labelled(lower, "LinalgLuBackward0"), labelled(upper, "LinalgLuBackward0")
    if not pivot:  # (matrices without entries only) torch's P is then an empty tensor
        p = _empty(lu._data.dtype)
    return return_types.linalg_lu(p, lower, upper)


def _lu_solve_checks(LU: Tensor, pivots: Tensor, B: Tensor, left: bool) -> None:  # noqa: N803
    if LU.ndim < 2:
        raise RuntimeError(
            "torch.linalg.lu_solve: The input tensor A must have at least 2 dimensions. Fix: "
            "pass the LU of lu_factor."
        )
    if not (LU.dtype.is_floating_point or LU.dtype.is_complex):
        raise RuntimeError(
            "torch.linalg.lu_solve: Expected a floating point or complex tensor as input. Got "
            f"{_dtype.torch_type_name(LU.dtype)}. Fix: convert LU and B, e.g. .double()."
        )
    m, n = LU.shape[-2], LU.shape[-1]
    if m != n:
        raise RuntimeError(
            "torch.linalg.lu_solve: A must be batches of square matrices, but they are "
            f"{m} by {n} matrices. Fix: lu_solve needs the LU of a square matrix."
        )
    if B.ndim < 2:
        raise RuntimeError(
            "linalg.lu_solve: The input tensor B must have at least 2 dimensions. Fix: make a "
            "vector a column, e.g. B.unsqueeze(-1)."
        )
    if B.shape[-2 if left else -1] != n:
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(
            f"linalg.lu_solve: Incompatible shapes of A and B for the equation {equation} "
            f"({n}x{n} and {B.shape[-2]}x{B.shape[-1]}). Fix: B needs {n} "
            f"{'rows' if left else 'columns'}."
        )
    if LU.dtype != B.dtype:
        raise RuntimeError(
            "linalg.lu_solve: Expected LU and B to have the same dtype, but found LU of type "
            f"{_dtype.torch_type_name(LU.dtype)} and B of type "
            f"{_dtype.torch_type_name(B.dtype)} instead. Fix: convert one, e.g. B.to(LU.dtype)."
        )
    if pivots.dtype == _dtype.int32 and tuple(pivots.shape) != tuple(LU.shape[:-1]):
        if pivots.shape[-1:] != LU.shape[-1:]:
            raise RuntimeError(
                "linalg.lu_solve: Number of pivots per batch should be same as the dimension of "
                f"the matrix (got {pivots.shape[-1] if pivots.ndim else 0} for {n}x{n})"
                ". Fix: pass the pivots lu_factor returned with this LU."
            )
        raise RuntimeError(
            "linalg.lu_solve: Expected LU.shape[:-1] and pivots.shape to be the same, but got "
            f"pivots with shape {list(pivots.shape)} instead (LU of shape {list(LU.shape)})"
            ". Fix: pass the pivots lu_factor returned with this LU."
        )
    _check_pivots("linalg.lu_solve", pivots, m, unpack=False)


def linalg_lu_solve(
    LU: Tensor,  # noqa: N803 - torch's names
    pivots: Tensor,
    B: Tensor,  # noqa: N803
    *,
    left: bool = True,
    adjoint: bool = False,
    out: Tensor | None = None,
) -> Tensor:
    """The solution ``X`` of ``A X = B`` given ``(LU, pivots)`` of ``A`` from ``lu_factor``
    (``X A = B`` with ``left=False``, ``A^T``, or ``A^H`` if complex, for ``A`` with
    ``adjoint``); batch dimensions
    broadcast. Composed of two triangular solves and the pivots' permutation, so ``LU`` and
    ``B`` get the gradients of that composition.

    >>> import arraygrad
    >>> a = arraygrad.tensor([[1.0, 2.0], [4.0, 2.0]])
    >>> lu, pivots = arraygrad.linalg.lu_factor(a)
    >>> arraygrad.linalg.lu_solve(lu, pivots, arraygrad.tensor([[3.0], [6.0]])).tolist()
    [[1.0], [1.0]]
    """
    if out is not None:
        return written_exactly(
            "linalg_lu_solve", out, linalg_lu_solve, LU, pivots, B, left=left, adjoint=adjoint
        )
    _lu_solve_checks(LU, pivots, B, left)
    # (named as torch's one node, whichever triangular solve or product comes last here)
    return labelled(_lu_solved(LU, pivots, B, left, adjoint), "LinalgLuSolveBackward0")


def _lu_solved(LU: Tensor, pivots: Tensor, B: Tensor, left: bool, adjoint: bool) -> Tensor:  # noqa: N803
    # A^T for real matrices, A^H for complex ones (torch's adjoint)
    t = _adjoint
    if not left:  # X A = B  <=>  A^T X^T = B^T (and X A^T = B  <=>  A X^T = B^T)
        return t(_lu_solved(LU, pivots, t(B), True, not adjoint))
    n = LU.shape[-1]
    p = _permutation(pivots, n, tuple(pivots.shape[:-1]), LU._data.dtype)
    if adjoint:  # A^T = U^T L^T P^T: X = P L^-T U^-T B (the same with ^H)
        y = solve_triangular(t(LU), B, upper=False)
        return matmul(p, solve_triangular(t(LU), y, upper=True, unitriangular=True))
    y = solve_triangular(LU, matmul(t(p), B), upper=False, unitriangular=True)
    return solve_triangular(LU, y, upper=True)


def lu(A: Tensor, pivot: bool = True, get_infos: bool = False, out: Any = None) -> Any:  # noqa: N803
    """``torch.lu`` (deprecated in torch, with its warning): ``(LU, pivots)`` of
    :func:`arraygrad.linalg.lu_factor`, or ``(LU, pivots, info)`` with ``get_infos``. Unlike
    ``lu_factor`` it does not raise for a singular ``A``, as torch.

    ``out``: a tuple or list of 2 tensors (3 with ``get_infos``), each resized to its result
    and copied into (any dtype, converted, as torch's Python ``lu`` does with ``copy_``); ``out``
    itself is returned.

    >>> import arraygrad, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     arraygrad.lu(arraygrad.tensor([[2.0]]))[1]
    tensor([1], dtype=arraygrad.int32)
    """
    warnings.warn(
        "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex "
        "and will be removed in a future PyTorch release.\nLU, pivots = torch.lu(A, "
        "compute_pivots)\nshould be replaced with\nLU, pivots = torch.linalg.lu_factor(A, "
        "compute_pivots)\nand\nLU, pivots, info = torch.lu(A, compute_pivots, get_infos=True)\n"
        "should be replaced with\nLU, pivots, info = torch.linalg.lu_factor_ex(A, compute_pivots)",
        UserWarning,
        stacklevel=2,
    )
    pivot = bool_argument("lu", "pivot", pivot, 2)
    get_infos = bool_argument("lu", "get_infos", get_infos, 3)
    lu_, pivots, info = _factor("torch.lu", A, pivot)
    if out is not None:
        return _lu_written(out, (lu_, pivots, info) if get_infos else (lu_, pivots))
    if get_infos:
        return return_types._lu_with_info(lu_, pivots, info)
    return lu_, pivots


def _lu_written(out: Any, results: tuple[Tensor, ...]) -> Any:
    """``torch.lu``'s ``out``, by its Python steps: the results computed first, then the count
    checked (``len(out)``: a tensor counts its rows), then the type, then each resized and
    copied into (recorded as ``copy_`` records, unlike the kernels' out=)."""
    if len(out) != len(results):
        names = "(LU, pivots, infos)" if len(results) == 3 else "(LU, pivots)"
        raise TypeError(
            f"expected tuple of {len(results)} elements but got {len(out)}. Fix: pass "
            f"out={names}, one tensor per result."
        )
    if not isinstance(out, tuple | list):
        raise TypeError(
            f"argument 'out' must be tuple of Tensors, not {type(out).__name__}. Fix: pass "
            "a tuple of tensors, one per result."
        )
    for target, result in zip(out, results, strict=True):
        target.resize_as_(result).copy_(result)
    return out


def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: N803
    """``torch.lu_solve`` (deprecated in torch, with its warning): the solution of ``A X = b``
    given ``(LU_data, LU_pivots)`` of ``A = P L U`` from :func:`arraygrad.linalg.lu_factor`,
    i.e. ``linalg.lu_solve(LU_data, LU_pivots, b)`` (whose arguments come in that order).
    ``b`` is ``(*, n, k)``: a right-hand side vector needs its column dimension.

    >>> import arraygrad
    >>> LU, pivots = arraygrad.linalg.lu_factor(arraygrad.tensor([[2.0, 0.0], [0.0, 4.0]]))
    >>> arraygrad.lu_solve(arraygrad.tensor([[2.0], [2.0]]), LU, pivots)
    tensor([[1.0000],
            [0.5000]])
    """
    if out is not None:
        return written_exactly("lu_solve", out, lu_solve, b, LU_data, LU_pivots)
    warnings.warn(
        "torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a "
        "future PyTorch release.\nNote that torch.linalg.lu_solve has its arguments reversed.\n"
        "X = torch.lu_solve(B, LU, pivots)\nshould be replaced with\n"
        "X = torch.linalg.lu_solve(LU, pivots, B)",
        UserWarning,
        stacklevel=2,
    )
    return linalg_lu_solve(LU_data, LU_pivots, b)
