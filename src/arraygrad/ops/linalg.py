"""Linear algebra primitives."""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend
from arraygrad._primitive import Primitive, on_raw_arrays


def _append_axis(ns: Any, a: Any) -> Any:
    return ns.reshape(a, shape=tuple(a.shape) + (1,))


def _drop_last_axis(ns: Any, a: Any) -> Any:
    return ns.reshape(a, shape=tuple(a.shape)[:-1])


def _matmul_vjp_x(ns: Any, g: Any, out: Any, x: Any, y: Any) -> Any:
    # out = x @ y. Batch dimensions that broadcasting added are summed away by the engine.
    if y.ndim == 1:  # out[..., m] = sum_k x[..., m, k] y[k]
        return _append_axis(ns, g) * y
    if x.ndim == 1:  # out[..., n] = sum_k x[k] y[..., k, n]
        return _drop_last_axis(ns, ns.matmul(y, _append_axis(ns, g)))
    return ns.matmul(g, ns.matrix_transpose(y))


def _matmul_vjp_y(ns: Any, g: Any, out: Any, x: Any, y: Any) -> Any:
    if x.ndim == 1:
        if y.ndim == 1:  # a dot product: out is 0-d
            return g * x
        # out[..., n] = sum_k x[k] y[..., k, n]  ->  dy[..., k, n] = x[k] g[..., n]
        return _append_axis(ns, x) * ns.reshape(g, shape=tuple(g.shape)[:-1] + (1, g.shape[-1]))
    if y.ndim == 1:  # dy[k] = sum_m x[..., m, k] g[..., m]
        return _drop_last_axis(ns, ns.matmul(ns.matrix_transpose(x), _append_axis(ns, g)))
    if _backend.is_transposed_matrix(y):
        # y is a transposed matrix (x @ w.t()): its gradient is made in y's layout, the
        # transpose of g.T @ x, so that w's gradient (the transpose back) is laid out as w and
        # no transposing copy is needed to make it w.grad (PyTorch's mm backward does the same).
        return ns.matrix_transpose(ns.matmul(ns.matrix_transpose(g), x))
    return ns.matmul(ns.matrix_transpose(x), g)


matmul = Primitive(
    "mm",
    forward=lambda xp, x, y: xp.matmul(x, y),
    vjp=(_matmul_vjp_x, _matmul_vjp_y),
    rule_reads=((1,), (0,)),  # x's rule reads y (x's shape only), y's reads x
)


# The last step of ``vector @ matrix`` as PyTorch records it (see _linalg._with_vector): the
# one-row product's row, a tensor of its own rather than a view of the product, as PyTorch's
# product squeezed in place is. It saves nothing.
row_to_vector = Primitive(
    "squeeze",
    forward=lambda xp, p: xp.reshape(p, p.shape[1:]),
    vjp=(lambda ns, g, out, p: ns.reshape(g, shape=(1, g.shape[0])),),
    reads_inputs=False,
    backward_name="SqueezeBackward4",
)


def _linear_vjp_weight(ns: Any, g: Any, out: Any, x: Any, w: Any, b: Any) -> Any:
    # dW[o, i] = sum over every leading position of g[..., o] x[..., i]: one matrix product
    # made in W's own (out, in) layout, so that it becomes W.grad as it is (x @ W.T composed of
    # matmul and t() would give W.grad as the transpose of x.T @ g, copied into W's layout).
    if x.ndim == 1:  # an outer product
        return _append_axis(ns, g) * ns.reshape(x, shape=(1, x.shape[0]))
    rows = math.prod(tuple(x.shape)[:-1])
    g_rows = ns.reshape(g, shape=(rows, g.shape[-1]))
    return ns.matmul(ns.matrix_transpose(g_rows), ns.reshape(x, shape=(rows, x.shape[-1])))


# PyTorch's linear layer, out = x @ W.T + b with W of shape (out, in): one primitive rather than
# matmul, t() and add, for two reasons of speed. The bias is added into the product's array, and
# W's gradient is made in W's layout (see _linear_vjp_weight). b is None for a layer without bias.
linear = Primitive(
    "linear",
    forward=lambda xp, x, w, b: xp.linear(x, w, b),
    vjp=(
        lambda ns, g, out, x, w, b: ns.matmul(g, w),
        _linear_vjp_weight,
        lambda ns, g, out, x, w, b: g,  # summed over the leading axes by the engine
    ),
    rule_reads=((1,), (0,), ()),
)


def _matrix_axes(a: Any) -> tuple[int, int]:
    return (a.ndim - 2, a.ndim - 1)


def _as_matrix_scale(ns: Any, s: Any) -> Any:
    """A batch of scalars ``(...)`` as ``(..., 1, 1)``, to scale a batch of matrices."""
    return ns.reshape(s, shape=tuple(s.shape) + (1, 1))


# d(A^-1) = -A^-1 dA A^-1, so the cotangent pulls back to -A^-T g A^-T.
inv = Primitive(
    "linalg_inv",
    forward=lambda xp, a: xp.inv(a),
    vjp=(
        lambda ns, g, out, a: (
            -ns.matmul(ns.matrix_transpose(out), ns.matmul(g, ns.matrix_transpose(out)))
        ),
    ),
    reads_inputs=False,
    reads_output=True,
    backward_name="LinalgInvExBackward0",  # (PyTorch's inverse is its linalg_inv_ex)
)


def _adjugate_vjp(ns: Any, g: Any, out: Any, a: Any) -> Any:
    # adj(A) = det(A) A^-1 where A is invertible: with B = A^-1 and d = det(A),
    # d adj = d tr(B dA) B - d B dA B, so the cotangent G pulls back to d <G, B> B^T - d B^T G B^T.
    # (Only second derivatives of det use this; at singular A it is not defined.)
    b = ns.inv(a)
    d = _as_matrix_scale(ns, ns.det(a))
    bt = ns.matrix_transpose(b)
    inner = ns.sum(g * b, axis=_matrix_axes(b), keepdims=True)
    return d * inner * bt - d * ns.matmul(bt, ns.matmul(g, bt))


# The adjugate (transposed cofactor matrix), computed from the SVD so that it is exact for singular
# matrices too: it is the derivative of det, d det(A) = tr(adj(A) dA).
adjugate = Primitive(
    "adjugate",
    forward=lambda xp, a: xp.adjugate(a),
    vjp=(_adjugate_vjp,),
)


def _det_vjp(ns: Any, g: Any, out: Any, a: Any) -> Any:
    # d det(A) = tr(adj(A) dA): the cotangent is g * adj(A)^T, accurate also near singular
    # matrices (where the textbook det(A) A^-T loses all precision). Where det(A) is exactly 0,
    # PyTorch 2.13 returns a zero gradient, and so does this rule, except for 1x1 matrices,
    # whose adjugate is 1 (torch's gradient is g there too).
    scale = g if a.shape[-1] == 1 else ns.where(out == 0, 0.0, g)
    return _as_matrix_scale(ns, scale) * ns.matrix_transpose(ns.adjugate(a))


det = Primitive(
    "linalg_det",
    forward=lambda xp, a: xp.det(a),
    vjp=(_det_vjp,),
    reads_output=True,
)


def _slogdet(xp: Any, a: Any) -> Any:
    # (..., 2): the sign and log|det| of each matrix, packed (a primitive has one output).
    # LU's log of each pivot, summed: no overflow or underflow, unlike log(|det|).
    sign, logabsdet = xp.slogdet(a)
    return xp.stack((xp.asarray(sign), xp.asarray(logabsdet)), axis=-1)


def _slogdet_vjp(ns: Any, g: Any, out: Any, a: Any) -> Any:
    # d log|det A| = tr(A^-1 dA): the cotangent of log|det| is g A^-T; the sign has none. A
    # singular matrix (sign 0) gets torch's LU solve of g I with A^T through A's own factors:
    # the infinities and nans of its zero pivot. (Its inverse is taken of I instead.)
    n = a.shape[-1]
    eye = _backend.xp.eye(n, dtype=_backend.xp.bool)
    singular = _as_matrix_scale(ns, ns.getitem(out, key=(Ellipsis, 0)) == 0)
    safe = ns.where(singular, ns.where(eye, 1.0, 0.0 * a), a)
    scale = _as_matrix_scale(ns, ns.getitem(g, key=(Ellipsis, 1)))
    regular = scale * ns.matrix_transpose(ns.inv(safe))
    if on_raw_arrays(ns) and not bool(ns.any(singular)):
        return regular  # (no LU substitution, row by row, where none is needed)
    failed = ns.solve_unchecked(a, ns.where(eye, scale, 0.0 * a), transposed=True)
    return ns.where(singular, failed, regular)


slogdet = Primitive(
    "linalg_slogdet",
    forward=_slogdet,
    vjp=(_slogdet_vjp,),
    reads_output=True,
)


def transposed_solve(on: Any, a: Any, g: Any, conj: Any = None) -> Any:
    """``A^-T g`` (``A^-H g`` for complex ``A``, ``conj`` the conjugate), by an LU solve with
    ``A^T``; where that finds an exactly zero pivot that ``A``'s own LU did not (rounding), by
    ``A``'s LU, as torch's solve backward (which reuses the forward's factors), not the
    singular-matrix error."""
    try:
        adjoint = on.matrix_transpose(a) if conj is None else conj(on.matrix_transpose(a))
        return on.solve(adjoint, g)
    except ValueError:
        if conj is None:
            return on.solve_unchecked(a, g, transposed=True)
        return conj(on.solve_unchecked(a, conj(g), transposed=True))


def _solve_vjp_b(ns: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
    # X = A^-1 B: the cotangent of B is A^-T g (broadcast batch dimensions are summed by sum_to).
    return transposed_solve(ns, a, g)


def _solve_vjp_a(ns: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
    # dX = -A^-1 dA X, so the cotangent of A is -(A^-T g) X^T.
    return -ns.matmul(transposed_solve(ns, a, g), ns.matrix_transpose(out))


# A X = B for a batch of matrices B (..., n, k); the PyTorch layer turns vectors into columns.
solve = Primitive(
    "linalg_solve",
    forward=lambda xp, a, b: xp.solve(a, b),
    vjp=(_solve_vjp_a, _solve_vjp_b),
    reads_output=True,
)


def _solve_unchecked_vjp_b(ns: Any, g: Any, out: Any, a: Any, b: Any, *, transposed: bool) -> Any:
    # X = A^-1 B: B's cotangent A^-T g (A^-1 g for X = A^-T B), through A's LU as torch's
    # lu_solve(adjoint=True): the same infinities and nans where A is singular.
    return ns.solve_unchecked(a, g, transposed=not transposed)


def _solve_unchecked_vjp_a(ns: Any, g: Any, out: Any, a: Any, b: Any, *, transposed: bool) -> Any:
    # -(A^-T g) X^T, or -X (A^-1 g)^T for X = A^-T B (dX = -A^-T dA^T X).
    g_b = _solve_unchecked_vjp_b(ns, g, out, a, b, transposed=transposed)
    t = ns.matrix_transpose
    return -ns.matmul(out, t(g_b)) if transposed else -ns.matmul(g_b, t(out))


# A X = B (A^T X = B with ``transposed``) through A's LU factors for every A, as LAPACK's
# getrf and getrs: a singular A gets their inf / nan (torch's solve_ex values, and its backward's)
# where ``solve`` refuses it. Only the _ex functions' singular matrices use it.
solve_unchecked = Primitive(
    "linalg_solve_ex",
    forward=lambda xp, a, b, *, transposed: xp.solve_unchecked(a, b, transposed=transposed),
    vjp=(_solve_unchecked_vjp_a, _solve_unchecked_vjp_b),
    reads_output=True,
)


def _inverse_unchecked(xp: Any, a: Any) -> Any:
    return xp.solve_unchecked(a, xp.eye(a.shape[-1], dtype=a.dtype), transposed=False)


# inv's value and rule (torch's -A^-T g A^-T from the output), for every A: a singular A's
# inverse holds getrs' inf / nan, and so its gradient, as torch's inv_ex.
inverse_unchecked = Primitive(
    "linalg_inv_ex",
    forward=_inverse_unchecked,
    vjp=inv.vjps,
    reads_inputs=False,
    reads_output=True,
)


def _triangle_of(ns: Any, g: Any, upper: bool) -> Any:
    """``g``'s upper (``upper``) or lower triangle: the entries a triangular solve reads."""
    mask = _backend.triangle_mask(g.shape[-2], g.shape[-1], 0, lower=not upper)
    return ns.where(mask, g, 0.0)


def _solve_triangular_vjp_b(ns: Any, g: Any, out: Any, a: Any, b: Any, *, upper: bool) -> Any:
    # X = A^-1 B: B's cotangent is A^-T g, A^T being triangular the other way.
    return ns.solve_triangular(ns.matrix_transpose(a), g, upper=not upper)


def _solve_triangular_vjp_a(ns: Any, g: Any, out: Any, a: Any, b: Any, *, upper: bool) -> Any:
    # -(A^-T g) X^T on A's triangle (PyTorch's linalg_solve_triangular_backward).
    g_b = ns.solve_triangular(ns.matrix_transpose(a), g, upper=not upper)
    return _triangle_of(ns, -ns.matmul(g_b, ns.matrix_transpose(out)), upper)


# A X = B for an upper (``upper``) or lower triangular A (its other triangle zero), solved as
# PyTorch's trsm: a zero on A's diagonal gives inf and nan, not LU's singular-matrix error.
solve_triangular = Primitive(
    "linalg_solve_triangular",
    forward=lambda xp, a, b, *, upper: xp.solve_triangular(a, b, upper=upper),
    vjp=(_solve_triangular_vjp_a, _solve_triangular_vjp_b),
    reads_output=True,
)


def cholesky_solved(on: Any, adjoint: Any, b: Any, factor: Any, *, upper: bool) -> Any:
    """``A^-1 B`` for ``A = L L^H`` (``U^H U`` with ``upper``), ``L`` (``U``) the triangle of
    ``factor``: two triangular solves in ``on`` (a namespace, or the complex twins under
    ``create_graph``), as LAPACK's potrs, so that a zero on the diagonal gives inf and nan as
    torch's, not LU's singular-matrix error. ``adjoint`` is ``X^T`` (``X^H`` for complex)."""
    t = _triangle_of(on, factor, upper)
    if upper:  # X = U^-1 (U^-H B)
        return on.solve_triangular(t, on.solve_triangular(adjoint(t), b, upper=False), upper=True)
    return on.solve_triangular(adjoint(t), on.solve_triangular(t, b, upper=False), upper=True)


def cholesky_solve_b_rule(
    ns: Any, on: Any, adjoint: Any, primitive: Any, g: Any, factor: Any, *, upper: bool
) -> Any:
    """B's cotangent ``A^-1 g``. With ``create_graph`` (``ns`` is not raw arrays' namespace)
    by ``primitive``, the cholesky_solve primitive itself, as PyTorch's backward calls
    cholesky_solve: second derivatives then take its rule for the factor (a product with the
    whole factor), not those of the two triangular solves, which read one triangle."""
    if on_raw_arrays(ns):
        return cholesky_solved(on, adjoint, g, factor, upper=upper)
    return primitive(g, factor, upper=upper)


def cholesky_solve_factor_rule(
    ns: Any, on: Any, adjoint: Any, primitive: Any, g: Any, out: Any, factor: Any, *, upper: bool
) -> Any:
    """The factor's cotangent, PyTorch's cholesky_solve_backward: with ``C = (A^-1 g) X^H``,
    ``-(C + C^H) L`` (``-U (C + C^H)``), multiplied by the factor as given (both triangles),
    though the forward reads one. (Arguments as :func:`cholesky_solve_b_rule`'s.)"""
    solved = cholesky_solve_b_rule(ns, on, adjoint, primitive, g, factor, upper=upper)
    c = on.matmul(solved, adjoint(out))
    c = c + adjoint(c)
    return -on.matmul(factor, c) if upper else -on.matmul(c, factor)


# X = A^-1 B given A's Cholesky factor (PyTorch's cholesky_solve); B's cotangent is A^-1 g.
cholesky_solve: Primitive = Primitive(
    "cholesky_solve",
    forward=lambda xp, b, f, *, upper: cholesky_solved(xp, xp.matrix_transpose, b, f, upper=upper),
    vjp=(
        lambda ns, g, out, b, f, *, upper: cholesky_solve_b_rule(
            ns, ns, ns.matrix_transpose, cholesky_solve, g, f, upper=upper
        ),
        lambda ns, g, out, b, f, *, upper: cholesky_solve_factor_rule(
            ns, ns, ns.matrix_transpose, cholesky_solve, g, out, f, upper=upper
        ),
    ),
    reads_output=True,
)


def _pinv_vjp(ns: Any, g: Any, out: Any, a: Any, *, rtol: float) -> Any:
    # PyTorch's pinv_backward (the derivative of the pseudo-inverse where the rank is locally
    # constant), arranged so that the products are of the smaller of the two sizes.
    t = ns.matrix_transpose
    p, pt, gt = out, t(out), t(g)
    if a.shape[-2] <= a.shape[-1]:
        k = ns.matmul(gt, p)
        kpt = ns.matmul(k, pt)
        back = ns.matmul(ns.matmul(pt, p), gt - ns.matmul(k, a))
        return -t(ns.matmul(p, k)) + kpt - ns.matmul(ns.matmul(a, p), kpt) + back
    k = ns.matmul(p, gt)
    ptk = ns.matmul(pt, k)
    front = ns.matmul(ns.matmul(gt - ns.matmul(a, k), p), pt)
    return -t(ns.matmul(k, p)) + front + ptk - ns.matmul(ns.matmul(ptk, p), a)


def _pinv(xp: Any, a: Any, *, rtol: float) -> Any:
    linalg = getattr(xp, "linalg", None)
    if linalg is None:
        raise NotImplementedError(
            "pinverse needs the array namespace's linalg extension (linalg.pinv), which the "
            "active backend's namespace does not expose. Fix: use the NumPy backend, or add "
            "pinv to the namespace in arraygrad._backend."
        )
    return xp.pinv(a, rtol=rtol)  # (the backend's: NaN for a matrix with an infinity)


# The Moore-Penrose pseudo-inverse; singular values below rtol * the largest count as zero.
pinv = Primitive(
    "linalg_pinv",
    forward=_pinv,
    vjp=(_pinv_vjp,),
    reads_output=True,
)

__all__ = [
    "adjugate",
    "cholesky_solve",
    "det",
    "inv",
    "inverse_unchecked",
    "linear",
    "matmul",
    "pinv",
    "row_to_vector",
    "slogdet",
    "solve",
    "solve_triangular",
    "solve_unchecked",
]
