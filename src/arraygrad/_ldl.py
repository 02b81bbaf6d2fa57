"""The LDL factorisation of symmetric and Hermitian matrices, as PyTorch's:
``linalg.ldl_factor``, ``linalg.ldl_factor_ex`` and ``linalg.ldl_solve`` (``arraygrad.linalg``
exposes them).

``A = P L D L^T P^T`` (``L^H`` with ``hermitian=True``), Bunch-Kaufman pivoting, in LAPACK's
compact form and pivot choices (``_ldl_factor.py`` computes them). As in PyTorch, nothing here
has a derivative: the results of inputs that require grad require grad too, and a backward that
reaches them raises RuntimeError ("derivative for aten::linalg_ldl_factor_ex is not
implemented"); the pivots and ``info`` never require grad.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _backend, _dtype, ops, return_types
from arraygrad._arguments import bool_argument
from arraygrad._ldl_factor import factor, solve
from arraygrad._out import written_each, written_exactly
from arraygrad._tensor import Tensor

__all__: list[str] = []


def _checked(name: str, A: Tensor, what: str = "A") -> Tensor:  # noqa: N803 - torch's name
    """``A`` checked to be a (batch of) square float or complex matrices, as torch's."""
    if A.ndim < 2:
        raise RuntimeError(
            f"{name}: The input tensor {what} must have at least 2 dimensions, got shape "
            f"{list(A.shape)}. Fix: pass a matrix or a batch of matrices."
        )
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"{name}: A must be batches of square matrices, but they are {A.shape[-2]} by "
            f"{A.shape[-1]} matrices"
        )
    if A.dtype in _dtype.REDUCED_FLOATS and A.numel():  # (no kernel runs on an empty A)
        kernel = "ldl_factor_kernel_cpu" if name.endswith("factor_ex") else "ldl_solve_kernel_cpu"
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{_dtype.torch_type_name(A.dtype)}' ({what} of "
            f"shape {list(A.shape)}). Fix: convert it to float32 or float64 first, e.g. "
            f"{what}.double()."
        )
    if not (A.dtype.is_floating_point or A.dtype.is_complex):
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as input. Got "
            f"{_dtype.torch_type_name(A.dtype)}. Fix: convert it, e.g. {what}.double()."
        )
    return A


def _no_derivative(result: Tensor, sources: list[Tensor], which: str) -> Tensor:
    """``result`` (computed on raw arrays) joined to the ``sources`` that require grad by a node
    whose backward raises, as PyTorch's."""
    return ops.without_derivative(
        result, sources, f"derivative for aten::{which} is not implemented"
    )


def _raise_for_info(name: str, info: Tensor) -> None:
    values = _backend.to_numpy(info._data).reshape(-1).tolist()
    for element, value in enumerate(values):
        if value > 0:
            batch = f"(Batch element {element}): " if info.ndim else ""
            # (torch 2.13 raises an internal assert here, "Unknown error code"; the same class)
            raise RuntimeError(
                f"{name}: {batch}The factorization has a zero diagonal block: D[{value - 1}, "
                f"{value - 1}] is exactly zero (info = {value}), so D is singular and "
                "ldl_solve would divide by zero. Fix: use torch.linalg.ldl_factor_ex (without "
                "check_errors) to get the factorization and info without raising."
            )


def ldl_factor_ex(
    A: Tensor,  # noqa: N803 - torch's name
    *,
    hermitian: bool = False,
    check_errors: bool = False,
    out: Tensor | None = None,
) -> Any:
    """``(LD, pivots, info)`` of the Bunch-Kaufman factorisation ``A = P L D L^T P^T`` (LAPACK's
    sytrf; ``hermitian=True``: ``L^H`` and hetrf) as ``return_types.linalg_ldl_factor_ex``.
    Only ``A``'s lower triangle is read. ``LD`` holds ``D`` (1x1 and 2x2 blocks) on and below
    its diagonal and ``L``'s multipliers under that; ``pivots`` (int32, 1-based) names the row
    swapped with each column, negative for a 2x2 block; ``info`` is the 1-based index of the
    first zero block of ``D`` (0 where there is none). ``check_errors`` raises RuntimeError for
    a nonzero ``info``. Batched; no derivative (as in PyTorch).

    >>> import arraygrad
    >>> LD, pivots, info = arraygrad.linalg.ldl_factor_ex(
    ...     arraygrad.tensor([[0.0, 1.0], [1.0, 0.0]]))
    >>> LD.tolist(), pivots.tolist(), info.item()
    ([[0.0, 0.0], [1.0, 0.0]], [-2, -2], 0)
    """
    if out is not None:
        return written_each(
            "linalg_ldl_factor_ex",
            out,
            ldl_factor_ex,
            A,
            hermitian=hermitian,
            check_errors=check_errors,
        )
    hermitian = bool_argument("linalg_ldl_factor_ex", "hermitian", hermitian)
    check_errors = bool_argument("linalg_ldl_factor_ex", "check_errors", check_errors)
    name = "torch.linalg.ldl_factor_ex"
    a = _checked(name, A)
    ld, pivots, info = factor(a.detach()._data, bool(hermitian))
    result = _no_derivative(Tensor._wrap(ld), [a], "linalg_ldl_factor_ex")
    info_tensor = Tensor._wrap(info)
    if check_errors:
        _raise_for_info(name, info_tensor)
    return return_types.linalg_ldl_factor_ex(result, Tensor._wrap(pivots), info_tensor)


def ldl_factor(A: Tensor, *, hermitian: bool = False, out: tuple[Tensor, ...] | None = None) -> Any:  # noqa: N803 - torch's name
    """``(LD, pivots)`` of :func:`ldl_factor_ex` as ``return_types.linalg_ldl_factor``,
    raising RuntimeError where ``info`` is nonzero (a zero block of ``D``).

    >>> import arraygrad
    >>> LD, pivots = arraygrad.linalg.ldl_factor(arraygrad.tensor([[4.0, 2.0], [2.0, 3.0]]))
    >>> LD.tolist(), pivots.tolist()
    ([[4.0, 0.0], [0.5, 2.0]], [1, 2])
    """
    if out is not None:
        return written_each("linalg_ldl_factor", out, ldl_factor, A, hermitian=hermitian)
    hermitian = bool_argument("linalg_ldl_factor", "hermitian", hermitian)
    ld, pivots, info = ldl_factor_ex(A, hermitian=hermitian)
    _raise_for_info("torch.linalg.ldl_factor", info)
    return return_types.linalg_ldl_factor(ld, pivots)


def ldl_solve(
    LD: Tensor,  # noqa: N803 - torch's names
    pivots: Tensor,
    B: Tensor,  # noqa: N803
    *,
    hermitian: bool = False,
    out: Tensor | None = None,
) -> Tensor:
    """The solution ``X`` of ``A X = B`` from ``(LD, pivots)`` of :func:`ldl_factor` of ``A``
    (LAPACK's sytrs; ``hermitian=True``: hetrs, for a factorisation made with it). ``B`` is
    ``(..., n, k)``; the batch dimensions of ``LD`` and ``B`` broadcast. No derivative (as in
    PyTorch).

    >>> import arraygrad
    >>> A = arraygrad.tensor([[4.0, 2.0], [2.0, 3.0]])
    >>> LD, pivots = arraygrad.linalg.ldl_factor(A)
    >>> arraygrad.linalg.ldl_solve(LD, pivots, arraygrad.tensor([[6.0], [5.0]])).tolist()
    [[1.0], [1.0]]
    """
    if out is not None:
        return written_exactly(
            "linalg_ldl_solve", out, ldl_solve, LD, pivots, B, hermitian=hermitian
        )
    name = "torch.linalg.ldl_solve"
    ld = _checked(name, LD, "LD")
    if pivots.dtype.is_floating_point or pivots.dtype.is_complex or pivots.dtype == _dtype.bool_:
        raise RuntimeError(
            f"{name}: Expected pivots to be integers. Got {_dtype.torch_type_name(pivots.dtype)}. "
            "Fix: pass the pivots ldl_factor returned (int32)."
        )
    if tuple(pivots.shape) != tuple(ld.shape[:-1]):
        raise RuntimeError(
            f"{name}: Expected LD.shape[:-1] and pivots.shape to be the same, but got pivots "
            f"with shape {list(pivots.shape)} instead (LD has shape {list(ld.shape)})"
        )
    if B.ndim < 2:
        raise IndexError(
            f"{name}: B must have at least 2 dimensions (n, k), got shape {list(B.shape)}. "
            "Fix: make a vector a column, e.g. B.unsqueeze(-1)."
        )
    if B.dtype != ld.dtype:
        raise RuntimeError(
            f"{name}: Expected B and LD to have the same dtype, but found B of type "
            f"{_dtype.torch_type_name(B.dtype)} and LD of type "
            f"{_dtype.torch_type_name(ld.dtype)} instead. Fix: convert one, e.g. B.to(LD.dtype)."
        )
    n = ld.shape[-1]
    if B.shape[-2] != n:
        raise RuntimeError(
            f"Incompatible matrix sizes for {name}: each A matrix is {n} by {n} but each b "
            f"matrix is {B.shape[-2]} by {B.shape[-1]}. Fix: B needs {n} rows."
        )
    try:
        _backend.xp.broadcast_shapes(tuple(ld.shape[:-2]), tuple(B.shape[:-2]))
    except ValueError:
        raise RuntimeError(
            f"{name}: the batch dimensions of LD {list(ld.shape)} and B {list(B.shape)} do not "
            "broadcast"
        ) from None
    x = solve(ld.detach()._data, pivots._data, B.detach()._data, bool(hermitian))
    return _no_derivative(Tensor._wrap(x), [ld, B], "linalg_ldl_solve")
