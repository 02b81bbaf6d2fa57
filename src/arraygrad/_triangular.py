"""Solves with triangular and Cholesky factors, and chained products: ``linalg.solve_triangular``,
``cholesky_solve``, ``cholesky_inverse``, ``linalg.multi_dot`` and ``linalg.vecdot``.

All are composites of ``tril`` / ``triu``, the ``solve`` and ``inv`` primitives and ``matmul``
(the complex ones for complex matrices, with ``X^H`` where real ones take ``X^T``), so their
gradients are the compositions' (the same as PyTorch's formulas).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from arraygrad import _backend, ops, return_types
from arraygrad._arguments import bool_argument, int_argument
from arraygrad._dtype import torch_type_name
from arraygrad._linalg import _kernel_supports, _square_shape, inverse, matmul, tril, triu
from arraygrad._math import _operands
from arraygrad._out import written, written_each, written_exactly
from arraygrad._primitive import labelled
from arraygrad._reduction import sum as _sum
from arraygrad._tensor import Tensor
from arraygrad._views import broadcast_shapes

__all__ = [
    "cholesky_inverse",
    "cholesky_solve",
    "triangular_solve",
]


def _triangle(a: Tensor, upper: bool, unitriangular: bool = False) -> Tensor:
    """The triangle of ``a`` that a triangular solve reads (with a unit diagonal if asked)."""
    if not unitriangular:
        return triu(a) if upper else tril(a)
    strict = triu(a, 1) if upper else tril(a, -1)
    eye = _backend.xp.eye(a.shape[-1], dtype=a._data.dtype)
    return ops.add(strict, Tensor._wrap(eye))


def _solve_triangle(t: Tensor, b: Tensor, upper: bool) -> Tensor:
    """``t^-1 b`` for an upper (``upper``) or lower triangular ``t``, by the real or the complex
    triangular solve primitive: a zero on ``t``'s diagonal gives inf and nan, as torch's
    ``trsm``, not a singular-matrix error."""
    solve = ops.complex_ops.solve_triangular if t.dtype.is_complex else ops.solve_triangular
    return solve(t, b, upper=upper)


def _adjoint(x: Tensor) -> Tensor:
    """``x^T``, or ``x^H`` for a complex ``x``."""
    t = ops.matrix_transpose(x)
    return ops.conj(t) if x.dtype.is_complex else t


def solve_triangular(
    A: Tensor,  # noqa: N803 - torch's names
    B: Tensor,  # noqa: N803
    *,
    upper: bool,
    left: bool = True,
    unitriangular: bool = False,
    out: Tensor | None = None,
) -> Tensor:
    """The solution ``X`` of ``A X = B`` (``X A = B`` with ``left=False``) for a triangular
    ``A``: only its upper (``upper``) or lower triangle is read, and its diagonal is taken as
    ones with ``unitriangular``. So ``A``'s gradient lies in that triangle, as in torch.

    >>> import arraygrad
    >>> a = arraygrad.tensor([[2.0, 1.0], [0.0, 4.0]])
    >>> arraygrad.linalg.solve_triangular(a, arraygrad.tensor([[3.0], [4.0]]), upper=True)
    tensor([[1.],
            [1.]])
    """
    if out is not None:
        return written_exactly(
            "linalg_solve_triangular",
            out,
            solve_triangular,
            A,
            B,
            upper=upper,
            left=left,
            unitriangular=unitriangular,
        )
    name = "linalg_solve_triangular"
    upper = bool_argument(name, "upper", upper)
    left = bool_argument(name, "left", left)
    unitriangular = bool_argument(name, "unitriangular", unitriangular)
    a, b = (A, B) if isinstance(A, Tensor) and isinstance(B, Tensor) else _operands(A, B)
    if b.ndim < 2:
        raise RuntimeError(
            "linalg.solve_triangular: The input tensor B must have at least 2 dimensions, got "
            f"shape {list(b.shape)}. Fix: make a vector a column, e.g. B.unsqueeze(-1)."
        )
    a = _square_shape("linalg.solve_triangular", a)
    n = a.shape[-1]
    if b.shape[-2 if left else -1] != n:
        shape = "x".join(str(s) for s in b.shape[-2:])
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(
            f"linalg.solve_triangular: Incompatible shapes of A and B for the equation "
            f"{equation} ({n}x{n} and {shape}). Fix: B needs {n} "
            f"{'rows' if left else 'columns'}."
        )
    _kernel_supports("triangular_solve_cpu", a, integers=True)  # (then a is float or complex)
    # PyTorch solves in A's dtype, B converted to it rather than promoted with it (a float64 B
    # beside a float32 A gives float32; a complex B beside a real A loses its imaginary part,
    # with the conversion's warning); B's gradient comes back in B's dtype.
    b = ops.astype(b, a.dtype)
    t = _triangle(a, upper, unitriangular)
    if not left:  # X A = B  <=>  A^T X^T = B^T, A^T triangular the other way
        solved = _solve_triangle(ops.matrix_transpose(t), ops.matrix_transpose(b), not upper)
        # PyTorch's X has the transposed strides but is no view (its _base is None, and an
        # in-place write to it is recorded on X itself): a copy laid out so, not the transpose
        x = ops.matrix_transpose(solved)
        outer_first = (*range(x.ndim - 2), x.ndim - 1, x.ndim - 2)
        return labelled(ops.clone(x, order=outer_first), "LinalgSolveTriangularBackward0")
    return _solve_triangle(t, b, upper)


def triangular_solve(
    b: Tensor,
    A: Tensor,  # noqa: N803 - torch's name
    upper: bool = True,
    transpose: bool = False,
    unitriangular: bool = False,
    *,
    out: tuple[Tensor, ...] | None = None,
) -> Any:
    """Deprecated (a UserWarning, as in PyTorch): the solution ``X`` of ``A X = b``
    (``A^T X = b`` with ``transpose``) for a triangular ``A``, and a copy of ``A`` broadcast to
    the batch shape, as ``return_types.triangular_solve(solution, cloned_coefficient)``. Only
    ``A``'s upper (``upper``) or lower triangle is read, its diagonal taken as ones with
    ``unitriangular``; :func:`arraygrad.linalg.solve_triangular` (arguments reversed) is the
    replacement.

    >>> import arraygrad, warnings
    >>> a = arraygrad.tensor([[2.0, 1.0], [0.0, 4.0]])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     x, _ = arraygrad.triangular_solve(arraygrad.tensor([[3.0], [4.0]]), a)
    >>> x.tolist()
    [[1.0], [1.0]]
    """
    warnings.warn(
        "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangularand will "
        "be removed in a future PyTorch release.\ntorch.linalg.solve_triangular has its "
        "arguments reversed and does not return a copy of one of the inputs.\nX = "
        "torch.triangular_solve(B, A).solution\nshould be replaced with\nX = "
        "torch.linalg.solve_triangular(A, B).",
        UserWarning,
        stacklevel=2,
    )
    if out is not None:
        return written_each(
            "triangular_solve", out, _triangular_solve, b, A, upper, transpose, unitriangular
        )
    return _triangular_solve(b, A, upper, transpose, unitriangular)


def _triangular_solve(
    b: Tensor,
    A: Tensor,  # noqa: N803 - torch's name
    upper: bool,
    transpose: bool,
    unitriangular: bool,
) -> Any:
    upper = bool_argument("triangular_solve", "upper", upper, 3)
    transpose = bool_argument("triangular_solve", "transpose", transpose, 4)
    unitriangular = bool_argument("triangular_solve", "unitriangular", unitriangular, 5)
    if b.ndim < 2:
        raise RuntimeError(
            "torch.triangular_solve: Expected b to have at least 2 dimensions, but it has "
            f"{b.ndim} dimensions instead"
        )
    if A.ndim < 2:
        raise RuntimeError(
            "torch.triangular_solve: Expected A to have at least 2 dimensions, but it has "
            f"{A.ndim} dimensions instead"
        )
    _same_dtype(b, A)
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"A must be batches of square matrices, but they are {A.shape[-2]} by "
            f"{A.shape[-1]} matrices"
        )
    if A.shape[-1] != b.shape[-2]:
        n = A.shape[-1]
        raise RuntimeError(
            f"Incompatible matrix sizes for triangular_solve: each A matrix is {n} by {n} but "
            f"each b matrix is {b.shape[-2]} by {b.shape[-1]}"
        )
    _kernel_supports("triangular_solve_cpu", A, integers=True)  # (after the shapes, as torch's)
    batch = broadcast_shapes(tuple(b.shape[:-2]), tuple(A.shape[:-2]))
    coefficient = A.expand(*batch, *A.shape[-2:]).clone()
    triangle = _triangle(A, upper, unitriangular)
    if transpose:  # (not conjugated for complex A, as torch's)
        triangle, upper = ops.matrix_transpose(triangle), not upper
    solution = _solve_triangle(triangle, b.expand(*batch, *b.shape[-2:]), upper)
    # (both named as torch's one node)
    solution = labelled(solution, "TriangularSolveBackward0")
    coefficient = labelled(coefficient, "TriangularSolveBackward0")
    return return_types.triangular_solve(solution, coefficient)


def _same_dtype(b: Tensor, A: Tensor) -> None:  # noqa: N803 - torch's name
    """The solves with a given factor (``triangular_solve``, ``cholesky_solve``) promote no
    dtypes: torch refuses a ``b`` and an ``A`` of two dtypes."""
    if b.dtype != A.dtype:
        raise RuntimeError(
            f"Expected b and A to have the same dtype, but found b of type "
            f"{torch_type_name(b.dtype)} and A of type {torch_type_name(A.dtype)} instead. Fix: "
            "convert one, e.g. b.to(A.dtype)."
        )


def _gram(factor: Tensor, upper: bool) -> Tensor:
    """``L L^T`` (or ``U^T U``; ``L L^H`` and ``U^H U`` for complex factors) of the triangle of
    ``factor``, with the gradient of the product of the whole ``factor``: torch's Cholesky
    solves read one triangle, yet their gradients (``-(C + C^T) L`` and the like) multiply by
    the input as given."""

    def product(f: Tensor) -> Tensor:
        t = _adjoint(f)
        return matmul(t, f) if upper else matmul(f, t)

    whole = product(factor)
    read = product(triu(factor) if upper else tril(factor)).detach()
    return ops.subtract(whole, ops.subtract(whole, read).detach())


def cholesky_solve(
    input: Tensor, input2: Tensor, upper: bool = False, *, out: Tensor | None = None
) -> Tensor:
    """The solution ``X`` of ``A X = B`` (``B = input``) given the Cholesky factor ``input2``
    of ``A`` (lower ``L`` with ``A = L L^T``, or upper ``U`` with ``A = U^T U``).

    >>> import arraygrad
    >>> factor = arraygrad.tensor([[2.0, 0.0], [1.0, 2.0]])
    >>> arraygrad.cholesky_solve(arraygrad.tensor([[6.0], [7.0]]), factor)
    tensor([[1.],
            [1.]])
    """
    if out is not None:
        return written("cholesky_solve", out, cholesky_solve, input, input2, upper)
    upper = bool_argument("cholesky_solve", "upper", upper, 3)
    if input.ndim < 2:
        raise RuntimeError(
            f"b should have at least 2 dimensions, but has {input.ndim} dimensions instead. Fix: "
            "make a vector a column, e.g. B.unsqueeze(-1)."
        )
    if input2.ndim < 2:
        raise RuntimeError(
            f"u should have at least 2 dimensions, but has {input2.ndim} dimensions instead. Fix: "
            "pass the Cholesky factor as a matrix or a batch of matrices."
        )
    _same_dtype(input, input2)
    b, factor = _operands(input, input2)
    factor = _square_shape("cholesky_solve", factor)
    if b.shape[-2] != factor.shape[-1]:
        raise RuntimeError(
            f"Incompatible matrix sizes for cholesky_solve: each A matrix is "
            f"{factor.shape[-1]} by {factor.shape[-1]} but each b matrix is {b.shape[-2]} by "
            f"{b.shape[-1]}. Fix: B needs {factor.shape[-1]} rows."
        )
    _kernel_supports("cholesky_solve_cpu", factor, integers=True)  # (after the shapes)
    # one primitive, two triangular solves as LAPACK's potrs: a zero on the factor's diagonal
    # gives inf and nan as torch's (an LU solve of L L^T refused it as singular)
    solve = ops.complex_linalg.cholesky_solve if factor.dtype.is_complex else ops.cholesky_solve
    return solve(b, factor, upper=upper)


def cholesky_inverse(input: Tensor, upper: bool = False, *, out: Tensor | None = None) -> Tensor:
    """The inverse of ``A`` given its Cholesky factor (lower ``L``, ``A = L L^T``, or upper
    ``U``, ``A = U^T U``).

    >>> import arraygrad
    >>> arraygrad.cholesky_inverse(arraygrad.tensor([[2.0, 0.0], [0.0, 0.5]]))
    tensor([[0.2500, 0.0000],
            [0.0000, 4.0000]])
    """
    if out is not None:
        return written("cholesky_inverse", out, cholesky_inverse, input, upper)
    upper = bool_argument("cholesky_inverse", "upper", upper, 2)
    factor = _square_shape("cholesky_inverse", input)
    _kernel_supports("cholesky_inverse_out_cpu", factor, integers=True)  # (after the shape)
    _refuse_zero_pivot(factor)
    return labelled(inverse(_gram(factor, upper)), "CholeskyInverseBackward0")


def _refuse_zero_pivot(factor: Tensor) -> None:
    """torch's LinAlgError for a factor with a zero on its diagonal (LAPACK's potri, whose
    triangular inverse stops there), naming the batch element and the first such diagonal
    element, before the inverse of ``L L^H``, singular then, would name linalg.inv."""
    from arraygrad._linalg_extra import _raise_for_info, _singular_inverse  # (imports this one)

    xp = _backend.xp
    n = factor.shape[-1]
    if n == 0:
        return
    # (a mask of the diagonal, not an index of it: Dask takes no such index of a batch)
    eye = xp.eye(n, dtype=xp.bool)
    zero = xp.any(xp.logical_and(factor.detach()._data == 0, eye), axis=-2)
    # info: 1 + the index of the first zero, 0 where there is none (as LAPACK's)
    first = xp.argmax(xp.astype(zero, xp.int32), axis=-1) + 1
    info = xp.where(xp.any(zero, axis=-1), first, xp.zeros_like(first))
    fix = (
        f"a Cholesky factor (here of shape {list(factor.shape)}) has a nonzero diagonal; for a "
        "singular matrix use arraygrad.linalg.pinv"
    )
    _raise_for_info("cholesky_inverse", Tensor._wrap(info), _singular_inverse, fix)


def multi_dot(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """The product of a chain of matrices, the first and last of which may be vectors (taken
    as a row and a column, and dropped from the result's shape).

    >>> import arraygrad
    >>> arraygrad.linalg.multi_dot([arraygrad.ones(3), arraygrad.ones(3, 2), arraygrad.ones(2)])
    tensor(6.)
    """
    if out is not None:
        return written_exactly("linalg_multi_dot", out, multi_dot, tensors)
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(
            "linalg_multi_dot(): argument 'tensors' (position 1) must be tuple of Tensors, not "
            f"{type(tensors).__name__}. Fix: pass the matrices as one list, e.g. "
            "multi_dot([a, b, c])."
        )
    if len(tensors) < 2:
        raise RuntimeError(
            f"multi_dot(): expected at least 2 tensors but got {len(tensors)}. Fix: pass a list "
            "of two or more matrices."
        )
    for index, t in enumerate(tensors):
        edge = index in (0, len(tensors) - 1)
        if t.ndim != 2 and not (edge and t.ndim == 1):
            raise RuntimeError(
                f"multi_dot(): tensor {index} must be 2D{' or 1D' if edge else ''} but got "
                f"{t.ndim}D. Fix: only the first and last tensors may be vectors."
            )
    for index in range(len(tensors) - 1):
        left, right = tensors[index], tensors[index + 1]
        if left.shape[-1] != right.shape[0]:
            raise RuntimeError(
                f"multi_dot(): tensors {index} and {index + 1} with shapes {list(left.shape)} "
                f"and {list(right.shape)} cannot be multiplied. Fix: the inner sizes must match."
            )
    result = tensors[0]
    for t in tensors[1:]:
        result = matmul(result, t)
    return result


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1, out: Tensor | None = None) -> Tensor:
    """The dot product of vectors along ``dim`` (inputs broadcast): ``sum(x * y, dim)``, with
    ``x`` conjugated when complex (``sum(conj(x) * y, dim)``, as PyTorch's).

    >>> import arraygrad
    >>> arraygrad.linalg.vecdot(arraygrad.ones(2, 3), arraygrad.ones(3))
    tensor([3., 3.])
    """
    if out is not None:
        return written_exactly("linalg_vecdot", out, vecdot, x, y, dim=dim)
    dim = int_argument("linalg_vecdot", "dim", dim)
    for t in (x, y):
        if isinstance(t, Tensor) and not (t.dtype.is_floating_point or t.dtype.is_complex):
            raise RuntimeError(
                "linalg.vecdot: Expected a floating point or complex tensor as input. Got "
                f"{torch_type_name(t.dtype)}. Fix: convert both inputs first, e.g. x.double()."
            )
    if isinstance(x, Tensor) and isinstance(y, Tensor) and x.dtype != y.dtype:
        raise RuntimeError(
            "linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
            f"{torch_type_name(x.dtype)} and y of type {torch_type_name(y.dtype)} instead. "
            "Fix: convert one of them, e.g. y.to(x.dtype)."
        )
    a, b = _operands(x, y)
    if a.ndim == 1 and b.ndim == 1:  # torch's vdot: no broadcasting, and dim is not read
        if a.shape[0] != b.shape[0]:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                f"[{b.shape[0]}] to have the same number of elements, but got {a.shape[0]} and "
                f"{b.shape[0]} elements respectively. Fix: two vectors need the same length."
            )
        dim = 0
    broadcast_shapes(a.shape, b.shape)  # torch's RuntimeError for shapes that do not broadcast
    if a.dtype.is_complex:
        return _sum(ops.complex_ops.multiply(ops.conj(a), b), dim)
    return _sum(ops.multiply(a, b), dim)
