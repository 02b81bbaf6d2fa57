"""``linalg.lstsq``: least-squares solutions ``pinv(A) B``, filled as torch's LAPACK drivers
fill them, and its ``out=`` tuple, written by torch's rules of its own.

A composite of ``pinverse``, ``matmul`` and ``svdvals``: its gradient is that of ``pinv(A) B``,
as torch's.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _backend, _dtype, ops, return_types
from arraygrad._arguments import number_argument, str_argument
from arraygrad._linalg import matmul
from arraygrad._math import _operands
from arraygrad._out import check_unrecorded, linalg_castable, store, tensors_out
from arraygrad._primitive import labelled
from arraygrad._reduction import sum as _sum
from arraygrad._tensor import Tensor

__all__: list[str] = []


_LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def _lapack_types(a: Tensor) -> None:
    """lstsq's and matrix_rank's refusal of other dtypes than float32, float64 and complex."""
    if not (a.dtype.is_floating_point or a.dtype.is_complex) or a.dtype in _dtype.REDUCED_FLOATS:
        raise RuntimeError(
            "This function doesn't handle types other than float and double (got "
            f"{_dtype.torch_type_name(a.dtype)}). Fix: convert A first, e.g. A.double()."
        )


def _check_operands(A: Tensor, B: Tensor) -> None:  # noqa: N803 - torch's names
    """torch's first checks of lstsq's operands, in its order (before the out tensors' dtypes,
    the driver's name and the dtype's support): ranks, dtypes, then sizes."""
    if A.ndim < 2:
        raise RuntimeError(
            f"torch.linalg.lstsq: input must have at least 2 dimensions. (Got shape "
            f"{list(A.shape)}.) Fix: pass a matrix or a batch of matrices."
        )
    if B.ndim < 1:
        raise RuntimeError(
            "torch.linalg.lstsq: other must have at least 1 dimension. (Got a 0-d tensor.) Fix: "
            "B is (*, m, k) or (*, m) for A of shape (*, m, n)."
        )
    if A.dtype != B.dtype:
        raise RuntimeError(
            f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got "
            f"input's dtype {_dtype.torch_type_name(A.dtype)} and other's dtype "
            f"{_dtype.torch_type_name(B.dtype)}. Fix: convert one."
        )
    if B.ndim > A.ndim or B.ndim < A.ndim - 1:
        raise RuntimeError(
            "torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
            f"(input.dim() - other.dim()) <= 1 (got shapes {list(A.shape)} and "
            f"{list(B.shape)}). Fix: B is (*, m, k) or (*, m) for A of shape (*, m, n)."
        )
    vector = B.ndim == A.ndim - 1
    rows = B.shape[-1] if vector else B.shape[-2]
    if rows != A.shape[-2]:
        raise RuntimeError(
            f"torch.linalg.lstsq: input.size(-2) should match other.size({-1 if vector else -2})"
            f" (got {A.shape[-2]} and {rows}). Fix: B needs {A.shape[-2]} rows."
        )


def _check_driver(driver: str) -> None:
    if driver not in _LSTSQ_DRIVERS:
        raise RuntimeError(
            f"torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, "
            f"gelss), got {driver!r}. Fix: pick one of those or leave it None."
        )


def lstsq(
    A: Tensor,  # noqa: N803 - torch's names
    B: Tensor,  # noqa: N803
    rcond: float | None = None,
    *,
    driver: str | None = None,
    out: Any = None,
) -> Any:
    """The least-squares solution ``X = pinv(A) B`` of ``A X = B`` as
    ``return_types.linalg_lstsq(solution, residuals, rank, singular_values)``, filled as torch's
    CPU ``driver`` fills them (default ``"gelsy"``): ``residuals`` (the squared residual norm of
    each column) for ``gels``, ``gelsd`` and ``gelss`` when ``m > n`` and ``A`` has full rank,
    ``rank`` except for ``gels``, ``singular_values`` for ``gelsd`` and ``gelss``. Singular
    values below ``rcond`` (default ``eps * max(m, n)``) times the largest count as zero. The
    gradient is that of ``pinv(A) B``, as in torch. ``driver`` is read in any case. ``out``: a
    tuple of four tensors to write the results into (see :func:`_lstsq_out`).

    >>> import arraygrad
    >>> a = arraygrad.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    >>> arraygrad.linalg.lstsq(a, arraygrad.tensor([[1.0], [2.0], [3.0]])).solution
    tensor([[1.],
            [2.]])
    """
    # imported here: these modules import this one's neighbours at package import time
    from arraygrad import return_types
    from arraygrad._decompositions import _default_rtol, svdvals
    from arraygrad._matrix_functions import pinverse
    from arraygrad._spectral import matrix_rank

    # (torch lower-cases the name: "GELSD" is gelsd)
    driver = "gelsy" if driver is None else str_argument("linalg_lstsq", "driver", driver).lower()
    rcond = number_argument("linalg_lstsq", "rcond", rcond, 3, kind="float")
    if out is not None:
        return _lstsq_out(A, B, rcond, driver, out)
    _check_operands(A, B)
    _check_driver(driver)
    a, b = _operands(A, B)
    _lapack_types(a)
    m, n = a.shape[-2], a.shape[-1]
    vector = b.ndim == a.ndim - 1
    rhs = ops.reshape(b, shape=(*b.shape, 1)) if vector else b
    rtol = _default_rtol(a) if rcond is None or rcond < 0 else float(rcond)
    solution = matmul(pinverse(a, rtol), rhs)
    if vector:
        solution = ops.reshape(solution, shape=tuple(solution.shape[:-1]))
    solution = labelled(solution, "LinalgLstsqBackward0")  # (torch's node)
    xp = _backend.xp
    dtype = a._data.dtype
    if a.dtype.is_complex:  # the residuals and singular values are real
        dtype = xp.real(xp.zeros((), dtype=dtype)).dtype
    empty = Tensor._wrap(xp.zeros((0,), dtype=dtype))
    rank = (
        Tensor._wrap(xp.zeros((0,), dtype=xp.int64))
        if driver == "gels"
        else matrix_rank(a, rtol=rtol)
    )
    # Only gelsd / gelss with m > n give residuals that depend on the rank: reading it into
    # Python (compile then runs eagerly) is limited to them.
    full_rank = (
        driver in ("gelsd", "gelss")
        and m > n
        and bool(ops.all(rank == min(m, n), axis=None, keepdims=False).item())
    )
    residuals = empty
    if m > n and (driver == "gels" or full_rank):
        fitted = matmul(
            a, solution if not vector else ops.reshape(solution, shape=(*solution.shape, 1))
        )
        # (a vector B keeps its column's trailing 1 here, as in torch)
        diff = fitted - rhs
        if diff.dtype.is_complex:  # squared moduli
            diff = ops.complex_ops.abs(diff)
        residuals = _sum(ops.multiply(diff, diff), -2)
    elif solution._rg:  # torch's empty residuals are in the graph too, sending nothing back
        part = ops.reshape(solution, shape=(-1,))[:0]
        residuals = ops.complex_ops.abs(part) if part.dtype.is_complex else part * part
    values = svdvals(a.detach()) if driver in ("gelsd", "gelss") else empty
    residuals = labelled(residuals, "LinalgLstsqBackward0")  # (torch's one node for both)
    return return_types.linalg_lstsq(solution, residuals, rank, values)


def _lstsq_out(A: Tensor, B: Tensor, rcond: Any, driver: Any, out: Any) -> Any:  # noqa: N803
    """lstsq's ``out=(solution, residuals, rank, singular_values)`` by torch's rules: each out
    takes a dtype that holds its result's (``solution`` a wider float or complex one, ``rank``
    any but bool). Where all four can be used directly (``solution`` empty, or laid out for
    LAPACK, in the input's dtype; ``rank`` and ``singular_values`` in int64 and the real dtype,
    empty or of their shapes, where the driver computes them), torch writes only what the driver
    computes, in place: ``residuals`` must then be real (written by a reduction into it) and the
    others left untouched; otherwise all four are resized, with torch's warning, and copied."""
    name = "linalg_lstsq"
    solution, residuals, rank, values = tensors_out(name, out, 4)
    real = _dtype.COMPONENT.get(A.dtype, A.dtype) if isinstance(A, Tensor) else None
    if real is not None and isinstance(B, Tensor):
        # torch checks the operands' ranks, dtypes and sizes first, the driver's name after
        _check_operands(A, B)
        where = "torch.linalg.lstsq"
        linalg_castable(where, "solution", A.dtype, solution.dtype)
        linalg_castable(where, "solution", real, residuals.dtype)  # (torch's label for both)
        linalg_castable(where, "rank", _dtype.int64, rank.dtype)
        linalg_castable(where, "singular_values", real, values.dtype)
    found = lstsq(A, B, rcond, driver=driver)
    # (only solution and residuals have gradients: torch takes a singular_values that requires
    # grad)
    check_unrecorded(name, solution, found.solution)
    check_unrecorded(name, residuals, found.residuals)
    driver = "gelsy" if driver is None else driver.lower()
    ranked, valued = driver != "gels", driver in ("gelsd", "gelss")
    m, n = A.shape[-2], A.shape[-1]
    vector = B.ndim == A.ndim - 1
    # torch's shape for a solution used in place: LAPACK's max(m, n) rows (its right-hand sides
    # only for a batch of matrices, where torch checks a plain matrix's against a vector's)
    batch = tuple(found.solution.shape[: -1 if vector else -2])
    expected = (*batch, max(m, n), *(() if vector or B.ndim < 3 else (B.shape[-1],)))
    laid_out = (
        solution.is_contiguous() if vector else solution.ndim > 1 and solution.mT.is_contiguous()
    )
    direct = solution.dtype is A.dtype and (
        solution.numel() == 0 or (tuple(solution.shape) == expected and laid_out)
    )
    for used, target, result in (
        (ranked, rank, found.rank),
        (valued, values, found.singular_values),
    ):
        direct = direct and (
            not used
            or (
                target.dtype is result.dtype
                and (
                    target.numel() == 0 or (target.shape == result.shape and target.is_contiguous())
                )
            )
        )
    if not direct:
        for target, result in zip((solution, residuals, rank, values), found, strict=True):
            store(name, target, result)
        return return_types.linalg_lstsq(solution, residuals, rank, values)
    # torch's kernel asserts these two dtypes (an INTERNAL ASSERT, "please report a bug"): the
    # dtypes that torch refuses, with a message of our own
    for target, result, label in (
        (rank, found.rank, "rank"),
        (values, found.singular_values, "singular_values"),
    ):
        if target.dtype is not result.dtype:
            raise RuntimeError(
                f"torch.linalg.lstsq: {label} must have dtype {result.dtype} when the solution is "
                f"written in place (out solution of dtype {solution.dtype}, shape "
                f"{list(solution.shape)}; driver {driver!r}, which leaves {label} unset). Fix: "
                f"give a {label} out tensor of dtype {result.dtype}."
            )
    computed = m > n and driver != "gelsy" and (driver == "gels" or bool((found.rank == n).all()))
    if computed and residuals.dtype is not real:
        raise RuntimeError(
            f"Expected out tensor to have dtype {_dtype.c_type_name(real)}, but got "
            f"{_dtype.c_type_name(residuals.dtype)} instead. Fix: give a residuals out tensor of "
            f"dtype {real} (the driver {driver!r} computes them in place)."
        )
    if solution.numel() == 0:
        _lay_out_for_lapack(solution, tuple(found.solution.shape), max(m, n), vector)
    store(name, solution, found.solution, warn=False)
    for used, target, result in (
        (computed, residuals, found.residuals),
        (ranked, rank, found.rank),
        (valued, values, found.singular_values),
    ):
        if used:
            store(name, target, result, warn=target is residuals)
    return return_types.linalg_lstsq(solution, residuals, rank, values)


def _lay_out_for_lapack(out: Tensor, shape: tuple[int, ...], rows: int, vector: bool) -> None:
    """An empty ``out`` resized as torch's direct path leaves it: the first rows of LAPACK's
    buffer of ``rows`` (``max(m, n)``) rows per matrix, column-major (strides like ``(1,
    rows)``), a vector's contiguous."""
    from arraygrad._grad_mode import no_grad

    batch = shape[:-1] if vector else shape[:-2]
    strides = [1] if vector else [1, rows]
    step = rows * (1 if vector else shape[-1])
    for size in reversed(batch):
        strides.insert(0, step)
        step *= size
    with no_grad():
        out.resize_(step)
        out.as_strided_(shape, tuple(strides))
