"""``arraygrad.linalg``: PyTorch's ``torch.linalg`` functions. Of complex tensors: ``eig`` and
``eigvals`` (whose results are complex for real matrices too), the matrix products, ``det`` /
``inv`` / ``solve``, the decompositions (``svd``, ``eigh``, ``qr``, ``cholesky``, ``lu_factor``,
``ldl_factor``) and what is built on them (``slogdet``, ``pinv``, the norms, ``matrix_exp``,
``lstsq``, ``matrix_rank``, ``cond``, ``vecdot``, the triangular, LU and LDL solves, the ``_ex``
variants, ``householder_product``) (docs/complex.md).

>>> import arraygrad
>>> a = arraygrad.tensor([[2.0, 0.0], [0.0, 4.0]])
>>> arraygrad.linalg.solve(a, arraygrad.tensor([2.0, 2.0])).tolist()
[1.0, 0.5]
"""

from __future__ import annotations

import math as _math
from typing import TYPE_CHECKING

from arraygrad import _dtype
from arraygrad import ops as _ops
from arraygrad._arguments import bool_argument as _bool_argument
from arraygrad._arguments import int_argument as _int_argument
from arraygrad._arguments import number_argument as _number_argument
from arraygrad._arguments import require_tensor as _require_tensor
from arraygrad._complex import linalg_eig as eig
from arraygrad._complex import linalg_eigvals as eigvals
from arraygrad._creation import tensor as _tensor
from arraygrad._decompositions import _default_rtol, _matrices, eigh, eigvalsh, svdvals
from arraygrad._decompositions import linalg_cholesky as cholesky
from arraygrad._decompositions import linalg_qr as qr
from arraygrad._decompositions import linalg_svd as svd
from arraygrad._dims import normalize_dim as _normalize_dim
from arraygrad._indexing import index_select as _index_select
from arraygrad._ldl import ldl_factor, ldl_factor_ex, ldl_solve
from arraygrad._least_squares import lstsq
from arraygrad._linalg import LinAlgError, _kernel_supports, _low_precision, _square, matmul
from arraygrad._linalg import inverse as _inverse
from arraygrad._linalg import linalg_det as det
from arraygrad._linalg_extra import check_same_dtype as _check_same_dtype
from arraygrad._linalg_extra import (
    cholesky_ex,
    diagonal,
    householder_product,
    inv_ex,
    solve_ex,
    tensorinv,
    tensorsolve,
    vander,
)
from arraygrad._linalg_extra import raise_singular as _raise_singular
from arraygrad._lu import linalg_lu as lu
from arraygrad._lu import linalg_lu_solve as lu_solve
from arraygrad._lu import lu_factor, lu_factor_ex
from arraygrad._math import _operands
from arraygrad._math import abs as _abs
from arraygrad._math import mul as _mul
from arraygrad._math import sub as _sub
from arraygrad._matrix_exp import matrix_exp
from arraygrad._matrix_functions import check_pinv_dtype as _check_pinv_dtype
from arraygrad._matrix_functions import linalg_slogdet as slogdet
from arraygrad._matrix_functions import matrix_power
from arraygrad._matrix_functions import pinverse as _pinverse
from arraygrad._out import written as _written
from arraygrad._out import written_exactly as _written_exactly
from arraygrad._primitive import labelled as _labelled
from arraygrad._reduction import amax as _amax
from arraygrad._reduction import amin as _amin
from arraygrad._reduction import sum as _sum
from arraygrad._shape import squeeze as _squeeze
from arraygrad._spectral import check_real_tolerances as _check_real_tolerances
from arraygrad._spectral import cond, matrix_rank
from arraygrad._spectral import pseudo_inverse as _pseudo_inverse
from arraygrad._spectral import singular_value_norm as _singular_value_norm
from arraygrad._statistics import check_norm_dtype as _check_norm_dtype
from arraygrad._statistics import vector_norm
from arraygrad._tensor import Tensor as _Tensor
from arraygrad._tensor import describe as _describe
from arraygrad._triangular import multi_dot, solve_triangular, vecdot
from arraygrad._unary import not_implemented as _not_implemented

if TYPE_CHECKING:
    from typing import Any

    from arraygrad._tensor import Tensor

__all__ = [
    "LinAlgError",
    "cholesky",
    "cholesky_ex",
    "cond",
    "cross",
    "det",
    "diagonal",
    "eig",
    "eigh",
    "eigvals",
    "eigvalsh",
    "householder_product",
    "inv",
    "inv_ex",
    "ldl_factor",
    "ldl_factor_ex",
    "ldl_solve",
    "lstsq",
    "lu",
    "lu_factor",
    "lu_factor_ex",
    "lu_solve",
    "matmul",
    "matrix_exp",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_ex",
    "solve_triangular",
    "svd",
    "svdvals",
    "tensorinv",
    "tensorsolve",
    "vander",
    "vecdot",
    "vector_norm",
]


def inv(A: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: N803 - PyTorch's argument name
    """The inverse ``A^-1`` of each matrix of a ``(*, n, n)`` float or complex tensor (from its
    LU factorisation); its gradient is ``-A^-T g A^-T``. A singular matrix raises
    :class:`LinAlgError` (a RuntimeError) naming its zero pivot; prefer :func:`solve` to
    ``inv(A) @ B``, which is slower and less accurate.

    >>> import arraygrad
    >>> a = arraygrad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> arraygrad.linalg.inv(a.detach())
    tensor([[-2.0000,  1.0000],
            [ 1.5000, -0.5000]])
    >>> arraygrad.linalg.inv(a).sum().backward()
    >>> a.grad
    tensor([[-0.5000,  0.5000],
            [ 0.5000, -0.5000]])
    """
    if out is not None:
        return _written_exactly("linalg_inv", out, inv, A)
    return _inverse(A)


def solve(A: Tensor, B: Tensor, *, left: bool = True, out: Tensor | None = None) -> Tensor:  # noqa: N803
    """The solution ``X`` of ``A X = B`` (or ``X A = B`` with ``left=False``) for ``A`` of shape
    ``(*, n, n)``, through the LU factorisation ``A = P L U`` with partial pivoting.

    ``B`` is a batch of vectors when it has one dimension, or the batch shape of ``A`` plus one;
    otherwise a batch of matrices ``(*, n, k)``. Batch dimensions broadcast; ``A`` and ``B``
    must have one dtype. A singular ``A`` raises :class:`LinAlgError` (use :func:`lstsq`). The
    gradients are ``G_B = A^-T G_X`` and ``G_A = -G_B X^T``.

    >>> import arraygrad
    >>> a = arraygrad.tensor([[2.0, 0.0], [0.0, 4.0]])
    >>> arraygrad.linalg.solve(a, arraygrad.tensor([2.0, 2.0]))
    tensor([1.0000, 0.5000])
    >>> arraygrad.linalg.solve(a, arraygrad.ones(2, 3)).shape
    arraygrad.Size([2, 3])
    """
    if out is not None:
        return _written_exactly("linalg_solve", out, solve, A, B, left=left)
    left = _bool_argument("linalg_solve", "left", left)
    _check_same_dtype(A, B)
    if not left:  # X A = B  <=>  A^T X^T = B^T
        if B.ndim < 2:  # (torch takes no vector here)
            n = A.shape[-1] if A.ndim else 0
            raise RuntimeError(
                f"linalg.solve: Incompatible shapes of A and B for the equation XA = B ({n}x{n} "
                f"and {B.shape[-1] if B.ndim else 1}x1). Fix: make B a row, e.g. "
                "B.unsqueeze(-2)."
            )
        if B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]):
            raise RuntimeError(
                "linalg.solve: Vector broadcasting of the left hand side is not supported for "
                "left=False. In this case linalg.solve is equivalent to B / A.squeeze(-1)"
                ". Fix: compute B / A.squeeze(-1), or give B its own last dimension "
                "(B.unsqueeze(-1))."
            )
        x = _ops.matrix_transpose(solve(_ops.matrix_transpose(A), _ops.matrix_transpose(B)))
        return _labelled(x, "LinalgSolveExBackward0")
    a, b = _operands(A, B)
    a = _square("linalg.solve", a, complex_ok=True)
    n = a.shape[-1]
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and tuple(b.shape) == tuple(a.shape[:-1]))
    rhs = _ops.reshape(b, shape=(*b.shape, 1)) if vector else b
    if rhs.ndim < 2 or rhs.shape[-2] != n:
        shape = "x".join(str(s) for s in b.shape) + ("x1" if vector else "")
        raise RuntimeError(
            f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
            f"({n}x{n} and {shape}). Fix: B needs {n} rows (shape [..., {n}] for a vector or "
            f"[..., {n}, k] for k right-hand sides)."
        )
    _kernel_supports("lu_cpu", a)  # (after the shapes, as torch's)
    try:
        x = (_ops.complex_ops.solve if a.dtype.is_complex else _ops.solve)(a, rhs)
    except ValueError as error:
        if "broadcast" in str(error) or "mismatch" in str(error):
            raise RuntimeError(
                f"linalg.solve: the batch dimensions of A {list(a.shape)} and B "
                f"{list(b.shape)} do not broadcast"
                ". Fix: give A and B batch dimensions that broadcast (equal, or 1)."
            ) from None
        _raise_singular(
            "torch.linalg.solve", a, solving=True, fix="check A is full rank, or use lstsq"
        )
    # (named as PyTorch's node: its solve is linalg_solve_ex)
    x = _ops.reshape(x, shape=tuple(x.shape[:-1])) if vector else x
    return _labelled(x, "LinalgSolveExBackward0")


def cross(input: Tensor, other: Tensor, *, dim: int = -1, out: Tensor | None = None) -> Tensor:
    """The cross product ``(a2 b3 - a3 b2, a3 b1 - a1 b3, a1 b2 - a2 b1)`` of the 3-vectors
    along ``dim`` (the last by default; it must have size 3). The inputs broadcast but need
    the same number of dimensions, and one dtype (not bool), as PyTorch's kernel requires.

    >>> import arraygrad
    >>> e1, e2 = arraygrad.tensor([1.0, 0.0, 0.0]), arraygrad.tensor([0.0, 1.0, 0.0])
    >>> arraygrad.linalg.cross(e1, e2)
    tensor([0., 0., 1.])
    """
    if out is not None:
        return _written_exactly("linalg_cross", out, cross, input, other, dim=dim)
    _require_tensor("linalg_cross", "input", 1, input)
    _require_tensor("linalg_cross", "other", 2, other)
    a, b = _operands(input, other)
    if a.ndim != b.ndim:
        raise RuntimeError(
            "linalg.cross: inputs must have the same number of dimensions, got shapes "
            f"{list(a.shape)} and {list(b.shape)}. Fix: unsqueeze the smaller one."
        )
    axis = _normalize_dim(dim, a.ndim)
    if a.shape[axis] != 3 or b.shape[axis] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {a.shape[axis]} and "
            f"{b.shape[axis]}"
            ". Fix: pass dim naming a dimension of size 3 in both inputs."
        )
    if not _dtype.one_wide_float(input, other):
        _check_cross_dtypes(input, other)
    first, second = _tensor([1, 2, 0]), _tensor([2, 0, 1])
    # (a x b)_i = a_{i+1} b_{i+2} - a_{i+2} b_{i+1} (indices mod 3), named as torch's kernel
    product = _sub(
        _mul(_index_select(a, axis, first), _index_select(b, axis, second)),
        _mul(_index_select(a, axis, second), _index_select(b, axis, first)),
    )
    return _labelled(product, "LinalgCrossBackward0")


def _check_cross_dtypes(input: Tensor, other: Tensor) -> None:
    """PyTorch's refusals: a bool input (it has no kernel), then two dtypes."""
    if input.dtype is _dtype.bool_:
        raise _not_implemented("cross", input, "convert the vectors first, e.g. input.long().")
    if input.dtype is other.dtype:
        return
    raise RuntimeError(
        f"expected scalar type {_dtype.torch_type_name(input.dtype)} but found "
        f"{_dtype.torch_type_name(other.dtype)}: linalg.cross takes two tensors of one dtype, "
        f"got {_describe(input)} and {_describe(other)}. Fix: other.to(input.dtype)."
    )


def matrix_norm(
    A: Tensor,  # noqa: N803 - PyTorch's argument name
    ord: Any = "fro",
    dim: tuple[int, int] = (-2, -1),
    keepdim: bool = False,
    *,
    dtype: Any = None,
    out: Tensor | None = None,
) -> Tensor:
    """A matrix norm over the two dimensions ``dim``: ``"fro"`` (the 2-norm of the elements),
    ``1`` / ``-1`` (the largest / smallest column sum of ``|A|``), ``inf`` / ``-inf`` (row
    sums), ``2`` / ``-2`` (the largest / smallest singular value) or ``"nuc"`` (their sum).

    >>> import arraygrad
    >>> arraygrad.linalg.matrix_norm(arraygrad.tensor([[1.0, -2.0], [3.0, 4.0]]), 1).item()
    6.0
    """
    if out is not None:
        return _written_exactly(
            "linalg_matrix_norm", out, matrix_norm, A, ord, dim, keepdim, dtype=dtype
        )
    ord = _number_argument("linalg_matrix_norm", "ord", ord, 2)  # (a 0-d tensor: its number)
    keepdim = _bool_argument("linalg_matrix_norm", "keepdim", keepdim, 4)
    if A.ndim < 2:
        raise RuntimeError(
            f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions, got shape "
            f"{list(A.shape)}."
            " Fix: pass a matrix or a batch of matrices, or use linalg.vector_norm "
            "for vectors."
        )
    if isinstance(dim, int):  # (torch's argument parser wants a tuple)
        raise TypeError(
            f"linalg_matrix_norm(): argument 'dim' must be tuple of ints, not int ({dim}). Fix: "
            "name the two dimensions of the matrices, e.g. dim=(-2, -1)."
        )
    if len(dim) != 2:
        raise RuntimeError(
            f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(str(d) for d in dim)}. "
            "Fix: name the two dimensions of the matrices, e.g. dim=(-2, -1)."
        )
    rows, cols = (_normalize_dim(d, A.ndim) for d in dim)
    if not (A.dtype.is_floating_point or A.dtype.is_complex):
        raise RuntimeError(
            "linalg.matrix_norm: Expected a floating point or complex tensor as input. Got "
            f"{_dtype.torch_type_name(A.dtype)}. Fix: convert it first, e.g. A.double()."
        )
    if ord in (2, -2, "nuc"):
        _low_precision("linalg.matrix_norm", A)
    if ord == "fro":
        return vector_norm(A, 2, (rows, cols), keepdim, dtype=dtype)
    if dtype is not None:
        _check_norm_dtype("linalg.matrix_norm", A, dtype)
    a = A if dtype is None else _ops.astype(A, dtype)
    if ord in (1, -1, _math.inf, -_math.inf):
        summed, across = (rows, cols) if ord in (1, -1) else (cols, rows)
        pick = _amax if ord > 0 else _amin
        if ord > 0 and a._data.shape[across] == 0:
            # The largest of no sums: norms are non-negative, so PyTorch takes 0 (a sum over the
            # empty matrix gives that 0 in the right shape and keeps it in the graph).
            out = _sum(_abs(a), (rows, cols), keepdim=True)
        else:
            out = pick(_sum(_abs(a), summed, keepdim=True), across, keepdim=True)
        return out if keepdim else _squeeze(out, (rows, cols))
    if ord in (2, -2, "nuc"):
        return _singular_value_norm(a, ord, rows, cols, keepdim)
    raise RuntimeError(
        f"linalg.matrix_norm: Order {ord!r} not supported. Fix: use 'fro', 'nuc', 2, -2, 1, -1, "
        "inf or -inf."
    )


def norm(
    A: Tensor,  # noqa: N803
    ord: Any = None,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    out: Tensor | None = None,
) -> Tensor:
    """A vector or matrix norm, as ``torch.linalg.norm``: with ``ord=None`` the 2-norm of the
    elements over ``dim`` (all of them by default); otherwise a vector norm for one ``dim`` (or a
    1-D input) and a matrix norm (see :func:`matrix_norm`) for two (or a 2-D input).

    >>> import arraygrad
    >>> arraygrad.linalg.norm(arraygrad.tensor([3.0, 4.0])).item()
    5.0
    """
    if out is not None:
        return _written_exactly("linalg_norm", out, norm, A, ord, dim, keepdim, dtype=dtype)
    ord = _number_argument("linalg_norm", "ord", ord, 2)  # (a 0-d tensor: its number)
    keepdim = _bool_argument("linalg_norm", "keepdim", keepdim, 4)
    if isinstance(dim, _Tensor):  # (a 0-d integer tensor is one dimension)
        dim = _int_argument("linalg_norm", "dim", dim, 3)
    dims = (dim,) if isinstance(dim, int) else (None if dim is None else tuple(dim))
    if ord is None:
        return vector_norm(A, 2, dims, keepdim, dtype=dtype)
    if dims is None:
        if A.ndim not in (1, 2):
            raise RuntimeError(
                "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                f"Got {A.ndim}D. Fix: pass dim (one dimension or two)."
            )
        dims = tuple(range(A.ndim))
    if len(dims) == 2:
        return matrix_norm(A, ord, (dims[0], dims[1]), keepdim, dtype=dtype)
    if isinstance(ord, str):
        raise RuntimeError(
            f"linalg.vector_norm: ord {ord!r} is a matrix norm; dim has 1 entry."
            " Fix: pass dim with two entries for a matrix norm, or a numeric ord for "
            "a vector norm."
        )
    return vector_norm(A, ord, dims, keepdim, dtype=dtype)


def pinv(
    A: Tensor,  # noqa: N803 - torch's name
    rcond: Any = None,
    hermitian: bool = False,
    *,
    atol: Any = None,
    rtol: Any = None,
    out: Tensor | None = None,
) -> Tensor:
    """The Moore-Penrose pseudo-inverse ``Vh^T diag(1/s) U^T`` of ``A = U diag(s) Vh``, with
    singular values at or below ``max(atol, rtol * s_max)`` counted as zero; ``rtol`` defaults
    to ``eps * max(m, n)`` (to 0 when ``atol > 0``). With ``hermitian``, ``A`` is taken to be
    symmetric and only its lower triangle is read (eigendecomposition, as torch). PyTorch's
    older form ``pinv(A, rcond, hermitian)`` takes ``rcond`` as ``rtol``.

    >>> import arraygrad
    >>> arraygrad.linalg.pinv(arraygrad.tensor([[2.0, 0.0], [0.0, 4.0]])).tolist()
    [[0.5, 0.0], [0.0, 0.25]]
    >>> arraygrad.linalg.pinv(arraygrad.tensor([[1.0, 0.0], [0.0, 1e-3]]), atol=0.01).tolist()
    [[1.0, 0.0], [0.0, 0.0]]
    """
    if out is not None:
        return _written("linalg_pinv", out, pinv, A, rcond, hermitian, atol=atol, rtol=rtol)
    hermitian = _bool_argument("linalg_pinv", "hermitian", hermitian)
    _check_real_tolerances("pinv", atol=atol, rtol=rtol, rcond=rcond)
    if rcond is not None:
        if atol is not None or rtol is not None:
            raise TypeError(
                "linalg_pinv() received an invalid combination of arguments: rcond (PyTorch's "
                "older name of rtol) with atol or rtol. Fix: pass atol and rtol only."
            )
        rtol = rcond
    if A.ndim < 2 and atol is not None and rtol is None and not isinstance(atol, _Tensor):
        # PyTorch reads A.size(-2) for the default rtol before it checks A
        raise IndexError(
            (
                "Dimension specified as -2 but tensor has no dimensions"
                if A.ndim == 0
                else "Dimension out of range (expected to be in range of [-1, 0], but got -2)"
            )
            + f": linalg.pinv(atol={atol!r}) reads the size of A's rows, but A is "
            f"{_describe(A)}. Fix: pass a matrix or a batch of matrices (A.unsqueeze(0) for "
            "a row)."
        )
    _check_pinv_dtype(A)
    number = (int, float)
    if (
        not hermitian
        and (atol is None or (isinstance(atol, number) and atol <= 0))
        and (rtol is None or isinstance(rtol, number))
    ):
        # only a relative cut: the pinv primitive (its gradient is torch's pinv formula)
        return _pinverse(A, _default_rtol(A) if rtol is None else float(rtol))
    a = _matrices("linalg.pinv", A, complex_ok=True)
    if a.numel() == 0:
        return _labelled(_pinverse(a), "LinalgPinvBackward0")  # zeros of the transposed shape
    # (named as torch's one node, whichever step of the composite comes last)
    return _labelled(_pseudo_inverse(a, atol, rtol, bool(hermitian)), "LinalgPinvBackward0")
