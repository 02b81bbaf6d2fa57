"""Functions of the singular values: the spectral and nuclear matrix norms, the condition number
and the numerical rank (``torch.linalg.matrix_norm`` with ``ord`` 2, -2 or ``"nuc"``,
``torch.linalg.cond`` and ``torch.linalg.matrix_rank``).

All are composites of :func:`arraygrad.linalg.svdvals` (whose gradient is ``U diag(gS) V^T``).
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend, _dtype, ops
from arraygrad._arguments import bool_argument, number_argument
from arraygrad._decompositions import _default_rtol, _matrices, eigh, eigvalsh, linalg_svd, svdvals
from arraygrad._least_squares import _lapack_types
from arraygrad._linalg import (
    LinAlgError,
    _kernel_supports,
    _square,
    _square_shape,
    inverse,
    matmul,
)
from arraygrad._math import as_tensor, where
from arraygrad._out import written, written_exactly
from arraygrad._reduction import amax, amin
from arraygrad._reduction import sum as _sum
from arraygrad._shape import unsqueeze
from arraygrad._tensor import Tensor

__all__: list[str] = []


def singular_value_norm(a: Tensor, ord: Any, rows: int, cols: int, keepdim: bool) -> Tensor:
    """The largest (``ord=2``), smallest (``-2``) or summed (``"nuc"``) singular value of the
    matrices in dimensions ``rows`` and ``cols`` of ``a`` (non-negative dims): the spectral
    and nuclear norms of :func:`arraygrad.linalg.matrix_norm`. The largest of no singular values
    (an empty matrix) is 0, as torch's. The gradient is ``U diag(gS) V^T``, through
    :func:`arraygrad.linalg.svdvals`; where the largest (or smallest) singular value is
    repeated, the norm has no derivative and ``gS`` is split evenly among the tied values.

    >>> import arraygrad
    >>> from arraygrad._spectral import singular_value_norm
    >>> a = arraygrad.tensor([[3.0, 0.0], [0.0, -4.0]])
    >>> singular_value_norm(a, 2, 0, 1, False), singular_value_norm(a, "nuc", 0, 1, False)
    (tensor(4.), tensor(7.))
    """
    others = [d for d in range(a.ndim) if d not in (rows, cols)]
    s = svdvals(ops.permute_dims(a, axes=(*others, rows, cols)))
    if ord == "nuc" or (ord == 2 and s.shape[-1] == 0):
        # (the largest of no singular values: norms are non-negative, so torch takes 0, the
        # empty sum; the smallest of none raises)
        out = _sum(s, -1)
    else:
        out = (amax if ord == 2 else amin)(s, -1)
    if keepdim:
        shape = list(a.shape)
        shape[rows] = shape[cols] = 1
        out = ops.reshape(out, shape=tuple(shape))
    return out


def cond(A: Tensor, p: Any = None, *, out: Tensor | None = None) -> Tensor:  # noqa: N803 - torch's name
    """The condition number of ``A`` in the norm ``p``: ``s_max / s_min`` for ``p`` ``None`` or
    2 (``s_min / s_max`` for -2; any matrix shape), else ``|A|_p |A^-1|_p`` for ``"fro"``,
    ``"nuc"``, 1, -1, inf or -inf (square, invertible ``A``).

    >>> import arraygrad
    >>> arraygrad.linalg.cond(arraygrad.tensor([[2.0, 0.0], [0.0, 0.5]])).item()
    4.0
    """
    if out is not None:
        return written("linalg_cond", out, cond, A, p)
    from arraygrad.linalg import matrix_norm  # linalg builds on this module

    p = number_argument("linalg_cond", "p", p, 2)  # (a 0-d tensor is its number)
    by_svd = p is None or p in (2, -2)
    if not by_svd and p not in ("fro", "nuc", 1, -1, math.inf, -math.inf):
        raise RuntimeError(
            f"linalg.cond got an invalid norm type: {p!r}. Fix: use None, 2, -2, 'fro', 'nuc', "
            "1, -1, inf or -inf."
        )
    lapack = A.dtype.is_complex or A.dtype in (_dtype.float32, _dtype.float64)
    if A.ndim >= 2 and A.numel() == 0 and not lapack:
        # (torch answers 0 for no entries before it checks the dtype: in the input's own)
        if p in ("fro", "nuc"):
            _square("linalg.cond", A, empty_ok=True)
        return Tensor._wrap(_backend.xp.zeros(A.shape[:-2], dtype=A._data.dtype))
    a = _matrices("linalg.cond", A, complex_ok=True)
    if p in ("fro", "nuc"):
        a = _square("linalg.cond", a, complex_ok=True)
    if a.shape[-2] == 0 or a.shape[-1] == 0:  # matrices of no entries: torch's condition is 0
        return _sum(ops.abs(a), (-2, -1))  # (0 of the batch's shape and the real dtype)
    if by_svd:
        s = svdvals(a)
        first, last = s[..., 0], s[..., -1]
        return last / first if p == -2 else first / last
    a = _square("linalg.cond", a, complex_ok=True)
    if p == "nuc":
        # torch's definition, sum(s) * sum(1/s): inf for a singular matrix (nan for zero)
        s = svdvals(a)
        return _sum(s, -1) * _sum(1.0 / s, -1)
    # As torch: a matrix whose LU factorisation breaks down (inv_ex's info) has condition inf;
    # the identity stands in for it so that the batch's inverse can be taken.
    singular = _singular(a)
    if not any(singular):
        return matrix_norm(a, p) * matrix_norm(inverse(a), p)
    mask = as_tensor(singular, dtype=_dtype.bool_).reshape(a.shape[:-2])
    eye = Tensor._wrap(_backend.xp.eye(a.shape[-1], dtype=a._data.dtype))
    safe = where(mask[..., None, None], eye, a)
    result = matrix_norm(a, p) * matrix_norm(inverse(safe), p)
    return where(mask, math.inf, result)


def _singular(a: Tensor) -> list[bool]:
    """For each matrix of the batch (flattened), whether its inverse fails (an exact zero pivot
    in the LU factorisation, PyTorch's inv_ex test); checked one by one only if the batch's
    inverse fails."""
    n = a.shape[-1]
    flat = ops.reshape(a.detach(), shape=(-1, n, n))
    try:
        inverse(flat)
        return [False] * flat.shape[0]
    except LinAlgError:
        pass
    flags = []
    for i in range(flat.shape[0]):
        try:
            inverse(flat[i])
            flags.append(False)
        except LinAlgError:
            flags.append(True)
    return flags


_NO_TOL = object()  # (tol not passed: None is refused, as by torch)


def matrix_rank(
    A: Tensor,  # noqa: N803 - torch's name
    tol: Any = _NO_TOL,
    hermitian: bool = False,
    *,
    atol: Any = None,
    rtol: Any = None,
    out: Tensor | None = None,
) -> Tensor:
    """The number of singular values (absolute eigenvalues with ``hermitian``) above
    ``max(atol, rtol * s_max)``; ``rtol`` defaults to ``eps * max(m, n)`` when neither tolerance
    is given (else to 0). An int64 tensor over the batch; no gradient.

    ``tol`` is NumPy's (and torch's older) spelling: the singular values above ``tol``, i.e.
    ``atol=tol, rtol=0``; it takes ``hermitian`` after it, and no ``atol`` or ``rtol``.

    >>> import arraygrad
    >>> arraygrad.linalg.matrix_rank(arraygrad.tensor([[1.0, 2.0], [2.0, 4.0]])).item()
    1
    """
    if out is not None:
        return written_exactly(
            "linalg_matrix_rank", out, matrix_rank, A, tol, hermitian, atol=atol, rtol=rtol
        )
    hermitian = bool_argument("linalg_matrix_rank", "hermitian", hermitian)
    if tol is not _NO_TOL:
        if tol is None or atol is not None or rtol is not None:
            raise TypeError(
                "linalg_matrix_rank() received an invalid combination of arguments - got "
                f"tol={tol!r}, atol={atol!r}, rtol={rtol!r}: tol (a number or tensor) is the "
                "absolute tolerance of NumPy's signature, which takes no atol or rtol. Fix: pass "
                "either tol alone, or atol and/or rtol."
            )
        atol, rtol = tol, 0.0  # (as torch: the singular values above tol)
    check_real_tolerances("matrix_rank", atol=atol, rtol=rtol)
    if rtol is None:  # (torch's default rtol reads the dtype's eps, even when atol is given)
        _lapack_types(as_tensor(A))
    if hermitian:  # (else svdvals refuses other dtypes as torch's svd)
        _kernel_supports("linalg_eigh_cpu", _square_shape("linalg.eigh", A), integers=True)
    a = _matrices("linalg.matrix_rank", A, complex_ok=True).detach()
    s = ops.abs(eigvalsh(a)) if hermitian else svdvals(a)
    above = ops.astype(s > _threshold(a, s, atol, rtol), _dtype.int64)
    return _sum(above, -1)


def check_real_tolerances(function: str, **tolerances: Any) -> None:
    """PyTorch's refusal of a complex tolerance tensor (``atol``, ``rtol``, ``rcond``) of
    ``linalg.matrix_rank`` and ``linalg.pinv``: singular values are compared with real numbers,
    so a complex tolerance raises RuntimeError naming it.

    >>> import arraygrad
    >>> try:
    ...     arraygrad.linalg.matrix_rank(arraygrad.eye(2), atol=arraygrad.tensor(0.1 + 0j))
    ... except RuntimeError as error:
    ...     print(str(error)[:51])
    torch.linalg.matrix_rank: atol tensor of complex ty
    """
    for name, value in tolerances.items():
        if isinstance(value, Tensor) and value.dtype.is_complex:
            raise RuntimeError(
                f"torch.linalg.{function}: {name} tensor of complex type is not supported. Got "
                f"{_dtype.torch_type_name(value.dtype)} ({name} of shape {list(value.shape)}). "
                f"Fix: pass a real tolerance, e.g. {name}.real."
            )


def _threshold(a: Tensor, s: Tensor, atol: Any, rtol: Any) -> Tensor:
    """``max(atol, rtol * s_max)`` for the singular values ``s`` (``(..., k)``) of ``a``, with
    PyTorch's defaults: ``atol`` 0, ``rtol`` ``eps * max(m, n)`` unless ``atol > 0`` (then 0)."""
    absolute = _as_tensor_like(0.0 if atol is None else atol, s)
    if rtol is not None:
        relative = _as_tensor_like(rtol, s)
    elif atol is None:
        relative = _as_tensor_like(_default_rtol(a), s)
    else:
        relative = where(absolute > 0, 0.0, _default_rtol(a))
    largest = amax(s, -1, keepdim=True) if s.shape[-1] else ops.sum(s, axis=-1, keepdims=True)
    return ops.maximum(absolute, relative * largest)


def pseudo_inverse(a: Tensor, atol: Any, rtol: Any, hermitian: bool) -> Tensor:
    """``torch.linalg.pinv`` from the SVD ``a = U diag(s) Vh`` (with ``hermitian``, from the
    eigendecomposition of ``a``'s lower triangle, ``|s|`` deciding): ``Vh^T diag(1/s) U^T``
    where ``|s| > max(atol, rtol * s_max)``, 0 elsewhere, for ``a`` of shape ``(*, m, n)``.
    The gradient is torch's: the derivative of ``A -> A^+`` at constant rank (see below).

    >>> import arraygrad
    >>> from arraygrad._spectral import pseudo_inverse
    >>> pseudo_inverse(arraygrad.tensor([[2.0, 0.0], [0.0, 0.0]]), None, None, False)
    tensor([[0.5000, 0.0000],
            [0.0000, 0.0000]])
    """
    t = _adjoint if a.dtype.is_complex else ops.matrix_transpose
    if hermitian:
        values, vectors = eigh(a)
        kept = ops.abs(values.detach())
    else:
        u, values, vh = linalg_svd(a, False)
        kept = values.detach()
    keep = kept > _threshold(a, kept, atol, rtol)
    # the dropped values are replaced before dividing: 1/0 would put nan into the gradient
    inverted = where(keep, 1.0 / where(keep, values, 1.0), 0.0)
    if hermitian:
        p = matmul(vectors * unsqueeze(inverted, -2), t(vectors))
    else:
        p = matmul(t(vh) * unsqueeze(inverted, -2), t(u))
    # PyTorch differentiates every pinv with pinv_backward, the derivative of A -> A^+ at
    # constant rank, taken at the raw A (also where singular values were dropped, or A is not
    # symmetric with hermitian): the derivative of the truncated SVD differs there. That
    # derivative is the linear map X -> D(P, A)[X] below, applied here to X = A - A.detach(),
    # exactly 0 in value but with gradient 1. Half of it has P and A detached, half not: the
    # gradient is D's either way, and the second derivative (the change of D with P and A) is
    # counted once, as in torch's double backward.
    x = a - a.detach()
    held = _pinv_derivative(p.detach(), a.detach(), x, t)
    return p.detach() + (held + _pinv_derivative(p, a, x, t)) * 0.5


def _adjoint(x: Tensor) -> Tensor:
    return ops.conj(ops.matrix_transpose(x))


def _pinv_derivative(p: Tensor, a: Tensor, x: Tensor, t: Any) -> Tensor:
    """``D(P, A)[X] = -P X P + P P^T X^T (I - A P) + (I - P A) X^T P^T P``, the derivative of
    the pseudo-inverse ``P`` of ``A`` in the direction ``X`` (at constant rank); ``t`` is the
    transpose, or the adjoint for complex matrices."""
    xt = t(x)
    front = matmul(matmul(p, t(p)), xt - matmul(matmul(xt, a), p))
    back = matmul(xt - matmul(matmul(p, a), xt), matmul(t(p), p))
    return front + back - matmul(matmul(p, x), p)


def _as_tensor_like(value: Any, like: Tensor) -> Tensor:
    """``value`` (a number or a tensor of the batch shape) as a tensor broadcastable against
    the singular values ``like`` (``(..., k)``)."""
    if isinstance(value, Tensor):
        return ops.reshape(ops.astype(value, like.dtype), shape=(*value.shape, 1))
    return Tensor._wrap(_backend.xp.asarray(value, dtype=like._data.dtype))
