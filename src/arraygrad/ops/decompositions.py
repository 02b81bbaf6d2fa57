"""Matrix decomposition primitives: cholesky, eigh, svd, qr and lu_factor, with PyTorch's VJPs.

Primitives have one output, so the factorisations with several return one packed array that
the PyTorch-level functions (``arraygrad._decompositions``) slice apart with a differentiable
getitem. The rules are PyTorch's (``FunctionsManual.cpp``), for real matrices.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _backend
from arraygrad._lapack_failures import partial_cholesky
from arraygrad._primitive import Primitive


def _eye_mask(n: int) -> Any:
    xp = _backend.xp
    index = xp.arange(n)
    return xp.reshape(index, shape=(1, n)) == xp.reshape(index, shape=(n, 1))


def _tril(ns: Any, a: Any, k: int = 0) -> Any:
    n = a.shape[-1]
    return ns.where(_backend.triangle_mask(n, n, k, lower=True), a, 0.0)


def _rows(ns: Any, v: Any) -> Any:
    """A batch of vectors ``(..., k)`` as rows ``(..., 1, k)``."""
    return ns.reshape(v, shape=tuple(v.shape)[:-1] + (1, v.shape[-1]))


def _columns(ns: Any, v: Any) -> Any:
    """A batch of vectors ``(..., k)`` as columns ``(..., k, 1)``."""
    return ns.reshape(v, shape=tuple(v.shape) + (1,))


def _unless_zero(ns: Any, numerator: Any, gaps: Any) -> Any:
    """``gaps`` with 1 where ``numerator`` is 0: when only the eigen/singular values get a
    cotangent (PyTorch then skips the vectors' term), repeated values must not turn 0 / 0 into
    nan, in the gradient or in its own derivative."""
    return ns.where(numerator == 0, 1.0, gaps)


def _part(ns: Any, a: Any, rows: slice, cols: slice) -> Any:
    return ns.getitem(a, key=(Ellipsis, rows, cols))


def _last_row(ns: Any, a: Any) -> Any:
    return ns.getitem(a, key=(Ellipsis, a.shape[-2] - 1, slice(None)))


def _cholesky(xp: Any, a: Any, *, upper: bool) -> Any:
    # The upper factor of A is the transposed lower factor of A^T (which reads A's upper triangle,
    # as PyTorch does).
    if upper:
        return xp.matrix_transpose(xp.cholesky(xp.matrix_transpose(a)))
    return xp.cholesky(a)


def _cholesky_vjp(ns: Any, g: Any, out: Any, a: Any, *, upper: bool) -> Any:
    # A = L L^T: with T = tril(L^T gL), the cotangent is L^-T Sym(T) L^-1 where Sym(T) keeps T's
    # lower triangle, mirrors it and halves everything (a symmetric gradient, as PyTorch's).
    t = ns.matrix_transpose
    lower, g_lower = (t(out), t(g)) if upper else (out, g)
    m = _tril(ns, ns.matmul(t(lower), g_lower))
    m = 0.5 * (m + t(_tril(ns, m, -1)))
    inverse = lower_inverse(ns, lower)
    return ns.matmul(t(inverse), ns.matmul(m, inverse))


def lower_inverse(on: Any, lower: Any) -> Any:
    """``L^-1`` by a triangular solve, as PyTorch's cholesky_backward: the partial factor of a
    matrix that is not positive-definite (cholesky_ex's) may have a zero on its diagonal, which
    gives inf and nan where an LU inverse refuses ``L``."""
    n = lower.shape[-1]
    eye = _backend.xp.eye(n, dtype=_backend.xp.bool)
    return on.solve_triangular(lower, on.where(eye, 1.0, 0.0 * lower), upper=False)


cholesky = Primitive(
    "linalg_cholesky",
    forward=_cholesky,
    vjp=(_cholesky_vjp,),
    reads_inputs=False,
    reads_output=True,
)


def _partial_cholesky(xp: Any, a: Any, *, upper: bool) -> Any:
    # LAPACK's partial factor (see partial_cholesky) of every matrix, positive-definite or not
    if upper:
        return xp.matrix_transpose(partial_cholesky(xp.matrix_transpose(a))[0])
    return partial_cholesky(a)[0]


# cholesky's rule on the factor that LAPACK leaves where A is not positive-definite (torch's
# cholesky_ex differentiates that too): only cholesky_ex's failed matrices use it.
cholesky_unchecked = Primitive(
    "linalg_cholesky_ex",
    forward=_partial_cholesky,
    vjp=(_cholesky_vjp,),
    reads_inputs=False,
    reads_output=True,
)


def _adjoint(xp: Any, a: Any) -> Any:
    """``a``'s conjugate transpose: its transpose for a real ``a`` (the complex primitives of
    ``ops.complex_linalg`` share these forwards)."""
    transposed = xp.matrix_transpose(a)
    if a.dtype == xp.complex64 or a.dtype == xp.complex128:
        return xp.conj(transposed)
    return transposed


def _as_dtype_of(xp: Any, values: Any, a: Any) -> Any:
    # a complex matrix's eigenvalues or singular values (real) packed beside its vectors
    return values if values.dtype == a.dtype else xp.astype(values, a.dtype)


def _eigh(xp: Any, a: Any, *, upper: bool) -> Any:
    # (..., n + 1, n): the eigenvectors, then the ascending eigenvalues as a last row. The upper
    # triangle of A is the lower one of A^H.
    values, vectors = xp.eigh(_adjoint(xp, a) if upper else a)
    row = xp.reshape(_as_dtype_of(xp, values, a), shape=(*values.shape[:-1], 1, a.shape[-1]))
    return xp.concat((vectors, row), axis=-2)


def _eigh_vjp(ns: Any, g: Any, out: Any, a: Any, *, upper: bool) -> Any:
    # gA = V (diag(gL) + skew(V^T gV) / E) V^T with E_ij = L_j - L_i: repeated eigenvalues
    # divide by zero (inf / nan), as in PyTorch, where the eigenvectors are not unique.
    n = a.shape[-1]
    vectors, values = _part(ns, out, slice(0, n), slice(None)), _last_row(ns, out)
    g_vectors, g_values = _part(ns, g, slice(0, n), slice(None)), _last_row(ns, g)
    t = ns.matrix_transpose
    eye = _eye_mask(n)
    gaps = ns.where(eye, 1.0, _rows(ns, values) - _columns(ns, values))
    inner = ns.matmul(t(vectors), g_vectors)
    skew = 0.5 * (inner - t(inner))
    middle = skew / _unless_zero(ns, skew, gaps) + ns.where(eye, _rows(ns, g_values), 0.0)
    return ns.matmul(vectors, ns.matmul(middle, t(vectors)))


eigh = Primitive(
    "linalg_eigh",
    forward=_eigh,
    vjp=(_eigh_vjp,),
    reads_inputs=False,
    reads_output=True,
)


def _svd(xp: Any, a: Any, *, full_matrices: bool) -> Any:
    # (..., m + 1 + n, w): U (m x m or m x k), then S as a row, then V = Vh^H (n x n or n x k),
    # zero-padded to the widest of them, w (k = min(m, n) for the reduced SVD).
    m, n = a.shape[-2], a.shape[-1]
    u, s, vh = xp.svd(a, full_matrices=full_matrices)
    width = max(m, n) if full_matrices else min(m, n)
    batch = tuple(a.shape[:-2])

    def padded(block: Any) -> Any:
        missing = width - block.shape[-1]
        if not missing:
            return block
        zeros = xp.zeros((*batch, block.shape[-2], missing), dtype=a.dtype)
        return xp.concat((block, zeros), axis=-1)

    row = xp.reshape(_as_dtype_of(xp, s, a), shape=(*batch, 1, s.shape[-1]))
    return xp.concat((padded(u), padded(row), padded(_adjoint(xp, vh))), axis=-2)


def _svd_vjp(ns: Any, g: Any, out: Any, a: Any, *, full_matrices: bool) -> Any:
    # PyTorch's svd_backward on the first k = min(m, n) singular vectors (with full_matrices the
    # others get no gradient, as in PyTorch). With E_ij = s_j^2 - s_i^2,
    # gA = U [(skew(U^T gU) S + S skew(V^T gV)) / E + diag(gS)] V^T, plus the parts of gU
    # (gV) outside the column space of U (V) when m > k (n > k). Repeated singular values
    # divide by zero, as in PyTorch.
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    t = ns.matrix_transpose
    columns = slice(0, k)
    u, v = _part(ns, out, slice(0, m), columns), _part(ns, out, slice(m + 1, m + 1 + n), columns)
    s = ns.getitem(out, key=(Ellipsis, m, columns))
    g_u, g_v = _part(ns, g, slice(0, m), columns), _part(ns, g, slice(m + 1, m + 1 + n), columns)
    g_s = ns.getitem(g, key=(Ellipsis, m, columns))
    eye = _eye_mask(k)
    squares = s * s
    gaps = ns.where(eye, 1.0, _rows(ns, squares) - _columns(ns, squares))
    uu, vv = ns.matmul(t(u), g_u), ns.matmul(t(v), g_v)
    inner = (uu - t(uu)) * _rows(ns, s) + _columns(ns, s) * (vv - t(vv))
    inner = inner / _unless_zero(ns, inner, gaps)
    inner = inner + ns.where(eye, _rows(ns, g_s), 0.0)
    if m > k:  # the part of gU orthogonal to U: (I - U U^T) gU S^-1
        # (a zero singular value with no cotangent gives 0, not 0 / 0: pinv's derivative
        # term sends zeros through here)
        scaled = g_u / _unless_zero(ns, g_u, _rows(ns, s))
        left = ns.matmul(u, inner) + scaled - ns.matmul(u, ns.matmul(t(u), scaled))
        return ns.matmul(left, t(v))
    if n > k:  # the part of gV orthogonal to V: S^-1 gV^T (I - V V^T)
        scaled = t(g_v) / _unless_zero(ns, t(g_v), _columns(ns, s))
        right = ns.matmul(inner, t(v)) + scaled - ns.matmul(ns.matmul(scaled, v), t(v))
        return ns.matmul(u, right)
    return ns.matmul(u, ns.matmul(inner, t(v)))


svd = Primitive(
    "linalg_svd",
    forward=_svd,
    vjp=(_svd_vjp,),
    reads_inputs=False,
    reads_output=True,
)


def _qr(xp: Any, a: Any, *, mode: str) -> Any:
    # (..., m + n, w): Q (m x w), then R^T (n x w), with w = k = min(m, n), or m for "complete".
    q, r = xp.qr(a, mode="complete" if mode == "complete" else "reduced")
    return xp.concat((q, xp.matrix_transpose(r)), axis=-2)


def _qr_square_vjp(ns: Any, g_q: Any, g_r: Any, q: Any, r: Any) -> Any:
    # m >= n: with M = R gR^T - gQ^T Q, gA = (gQ + Q copyltu(M)) R^-T, where copyltu(M) mirrors
    # the lower triangle of M into the upper one.
    t = ns.matrix_transpose
    m = ns.matmul(r, t(g_r)) - ns.matmul(t(g_q), q)
    mirrored = _tril(ns, m) + t(_tril(ns, m, -1))
    # (a triangular solve, as PyTorch's: a rank-deficient A's zero on R's diagonal gives inf and
    # nan, where an LU solve refuses R as singular)
    return t(ns.solve_triangular(r, t(g_q + ns.matmul(q, mirrored)), upper=True))


def _qr_vjp(ns: Any, g: Any, out: Any, a: Any, *, mode: str) -> Any:
    m, n = a.shape[-2], a.shape[-1]
    if mode == "r":
        raise RuntimeError(
            "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
            "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
            "linalg.qr."
        )
    if mode == "complete" and m > n:
        raise RuntimeError(
            "The QR decomposition is not differentiable when mode='complete' and nrows > ncols. "
            "Fix: use mode='reduced', whose Q spans the same column space."
        )
    width = out.shape[-1]
    t = ns.matrix_transpose
    q, g_q = _part(ns, out, slice(0, m), slice(None)), _part(ns, g, slice(0, m), slice(None))
    r = t(_part(ns, out, slice(m, m + n), slice(None)))
    g_r = t(_part(ns, g, slice(m, m + n), slice(None)))
    if m >= n:
        return _qr_square_vjp(ns, g_q, g_r, q, r)
    # m < n: A = [X | Y] with X = Q U (U square) and Y = Q V: gY = Q gV, and X gets the square
    # rule with gQ + Y gV^T. The two blocks are written into a gradient of A's shape.
    square, rest = slice(0, width), slice(width, n)
    u, g_u = _part(ns, r, slice(None), square), _part(ns, g_r, slice(None), square)
    v, g_v = _part(ns, r, slice(None), rest), _part(ns, g_r, slice(None), rest)
    g_x = _qr_square_vjp(ns, g_q + ns.matmul(ns.matmul(q, v), t(g_v)), g_u, q, u)
    shape = tuple(g_x.shape[:-1]) + (n,)
    return ns.index_add_zeros(g_x, shape=shape, key=(Ellipsis, square)) + ns.index_add_zeros(
        ns.matmul(q, g_v), shape=shape, key=(Ellipsis, rest)
    )


qr = Primitive(
    "linalg_qr",
    forward=_qr,
    vjp=(_qr_vjp,),
    reads_inputs=False,
    reads_output=True,
)


def _band(ns: Any, a: Any, diagonal: int, lower: bool) -> Any:
    """``tril`` / ``triu`` of a (batch of) possibly rectangular matrices."""
    mask = _backend.triangle_mask(a.shape[-2], a.shape[-1], diagonal, lower)
    return ns.where(mask, a, 0.0)


def _right_solve(ns: Any, x: Any, upper: Any, t: Any) -> Any:
    """``x U^-H`` for an upper triangular ``U`` (``x U^-T`` for real ones, ``t`` the adjoint
    or the transpose): the solution of ``y U^H = x``, as ``(U^-1 x^H)^H``. A triangular solve,
    as PyTorch's: a zero on the diagonal of a singular matrix's ``U`` gives inf and nan."""
    return t(ns.solve_triangular(upper, t(x), upper=True))


def _joined(ns: Any, first: Any, second: Any, size: tuple[int, int], axis: int) -> Any:
    """``first`` and ``second`` joined along the matrix ``axis`` (-2 or -1) into matrices of
    ``size`` (the adjoint of slicing; the two namespaces' concat differ in signature)."""
    shape = tuple(first.shape[:-2]) + size
    split = first.shape[axis]
    head, tail = slice(0, split), slice(split, size[axis])
    keys: tuple[Any, Any] = ((Ellipsis, head, slice(None)), (Ellipsis, tail, slice(None)))
    if axis == -1:
        keys = ((Ellipsis, head), (Ellipsis, tail))
    return ns.index_add_zeros(first, shape=shape, key=keys[0]) + ns.index_add_zeros(
        second, shape=shape, key=keys[1]
    )


def _lu_factor_vjp(ns: Any, g: Any, out: Any, a: Any) -> Any:
    return lu_factor_rule(ns, ns, ns.matrix_transpose, g, out, a, complex_values=False)


def lu_factor_rule(
    ns: Any, on: Any, t: Any, g: Any, out: Any, a: Any, *, complex_values: bool
) -> Any:
    """The VJP of :data:`lu_factor`, with ``on`` the namespace of the products and solves and
    ``t`` the transpose: ``ns`` and ``ns.matrix_transpose`` for real matrices, the complex
    primitives and the adjoint for complex ones (the derivation is the same with ``X^H``)."""
    # PyTorch's linalg_lu_backward (A = P L U of full rank; L unit lower m x k, U upper k x n)
    # with gL = tril(gLU, -1) and gU = triu(gLU), as lu_factor_ex_backward gives them. Square:
    # gA = P L^-T [tril(L^T gL, -1) + triu(gU U^T)] U^-T. Wide and tall matrices split U
    # (L) into its square block and the rest, which gets the plain L^-T gU2 (gL2 U^-T).
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    lu, g_lu = _part(ns, out, slice(0, m), slice(0, n)), _part(ns, g, slice(0, m), slice(0, n))
    unit = _backend.triangle_mask(m, k, 0, lower=True) & _backend.triangle_mask(
        m, k, 0, lower=False
    )
    lower = ns.where(unit, 1.0, _band(ns, _part(ns, lu, slice(None), slice(0, k)), -1, True))
    upper = _band(ns, _part(ns, lu, slice(0, k), slice(None)), 0, False)
    g_lower = _band(ns, _part(ns, g_lu, slice(None), slice(0, k)), -1, True)
    g_upper = _band(ns, _part(ns, g_lu, slice(0, k), slice(None)), 0, False)
    if m == n:
        inner = _tril(ns, on.matmul(t(lower), g_lower), -1) + _band(
            ns, on.matmul(g_upper, t(upper)), 0, False
        )
        grad = on.solve_triangular(t(lower), _right_solve(on, inner, upper, t), upper=True)
    elif m < n:
        square, rest = slice(0, k), slice(k, n)
        inner = on.matmul(t(lower), g_lower) - on.matmul(g_upper, t(upper))
        square_u = _part(ns, upper, slice(None), square)
        inner = _right_solve(on, _tril(ns, inner, -1), square_u, t)
        inner = inner + _part(ns, g_upper, slice(None), square)
        joined = _joined(ns, inner, _part(ns, g_upper, slice(None), rest), (m, n), -1)
        grad = on.solve_triangular(t(lower), joined, upper=True)
    else:
        square, rest = slice(0, k), slice(k, m)
        inner = on.matmul(g_upper, t(upper)) - on.matmul(t(lower), g_lower)
        square_l = t(_part(ns, lower, square, slice(None)))
        inner = on.solve_triangular(square_l, _band(ns, inner, 0, False), upper=True)
        inner = inner + _part(ns, g_lower, square, slice(None))
        joined = _joined(ns, inner, _part(ns, g_lower, rest, slice(None)), (m, n), -2)
        grad = _right_solve(on, joined, upper, t)
    # P[r, i] = 1 where r = perm[i]: gA = P grad
    perm = _rows(ns, ns.getitem(out, key=(Ellipsis, slice(0, m), n)))
    index = ns.real(perm) if complex_values else perm  # (a complex array's exact real part)
    rows = _backend.xp.reshape(_backend.xp.arange(m), shape=(m, 1))
    permutation = ns.where(ns.astype(index, rows.dtype) == rows, 1.0, 0.0 * perm)
    return on.matmul(permutation, grad)


lu_factor = Primitive(
    "linalg_lu_factor_ex",
    forward=lambda xp, a: xp.lu_factor(a),
    vjp=(_lu_factor_vjp,),
    reads_inputs=False,
    reads_output=True,
)

__all__ = [
    "cholesky",
    "cholesky_unchecked",
    "eigh",
    "lu_factor",
    "qr",
    "svd",
]
