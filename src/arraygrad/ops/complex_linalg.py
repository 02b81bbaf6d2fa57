"""Complex decompositions and solvers: cholesky, eigh, svd, qr, lu_factor, slogdet and pinv of
complex matrices, each one statement beside its rules.

The rules are the real ones of ``decompositions.py`` and ``linalg.py`` derived again with the
adjoint ``X^H`` in place of the transpose, in PyTorch's convention (a rule receives
``dL/dx + i dL/dy``; the cotangent of a linear map is its adjoint under ``Re tr(X^H Y)``).
Where a factorisation leaves a phase free (eigh's and svd's vectors), a loss that depends on
it has no gradient and raises PyTorch's error; where the factors fix it (cholesky's and qr's
real diagonals), the rules keep the real part of the diagonal terms. Results that are real
(singular values, eigenvalues, log|det|) are packed as complex numbers and read back with
``real`` by the PyTorch-level functions.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _backend
from arraygrad._primitive import Primitive, on_raw_arrays
from arraygrad.ops import linalg as _linalg
from arraygrad.ops.complex import _on_complex
from arraygrad.ops.complex import inv as complex_inv
from arraygrad.ops.decompositions import (
    _cholesky,
    _columns,
    _eigh,
    _eye_mask,
    _last_row,
    _part,
    _partial_cholesky,
    _qr,
    _rows,
    _svd,
    _tril,
    _unless_zero,
    lower_inverse,
    lu_factor_rule,
)
from arraygrad.ops.linalg import (
    cholesky_solve_b_rule,
    cholesky_solve_factor_rule,
    cholesky_solved,
)


def _h(ns: Any, x: Any) -> Any:
    """The conjugate transpose of a (batch of) matrices."""
    return ns.conj(ns.matrix_transpose(x))


def _real_part(ns: Any, x: Any) -> Any:
    """``Re x`` kept complex (``(x + conj x) / 2``), so that sums with complex terms stay in one
    dtype in both namespaces."""
    return (x + ns.conj(x)) * 0.5


def _phase_dependent(ns: Any, imaginary: Any, scale: Any) -> bool:
    """Whether the imaginary parts ``imaginary`` are not negligible next to ``scale``."""
    size = ns.max(ns.abs(scale)) if scale.size else 0.0
    return bool(ns.any(ns.abs(imaginary) > 1e-6 * (1 + size)))


def _cholesky_vjp(ns: Any, g: Any, out: Any, a: Any, *, upper: bool) -> Any:
    # A = L L^H: with X = L^H gL, the cotangent is L^-H M L^-1 with M = (tril(X) +
    # tril(X, -1)^H) / 2 (PyTorch's: the diagonal's imaginary part is kept, so gA need not be
    # Hermitian).
    on = _on_complex(ns)
    lower, g_lower = (_h(ns, out), _h(ns, g)) if upper else (out, g)
    inner = _tril(ns, on.matmul(_h(ns, lower), g_lower))
    inner = 0.5 * (inner + _h(ns, _tril(ns, inner, -1)))
    inverse = lower_inverse(on, lower)
    return on.matmul(_h(ns, inverse), on.matmul(inner, inverse))


cholesky = Primitive(
    "linalg_cholesky",
    forward=_cholesky,
    vjp=(_cholesky_vjp,),
    reads_inputs=False,
    reads_output=True,
)
# The real cholesky_unchecked (cholesky_ex's partial factor) with the complex rule.
cholesky_unchecked = Primitive(
    "linalg_cholesky_ex",
    forward=_partial_cholesky,
    vjp=(_cholesky_vjp,),
    reads_inputs=False,
    reads_output=True,
)


def _eigh_vjp(ns: Any, g: Any, out: Any, a: Any, *, upper: bool) -> Any:
    # A = V diag(L) V^H: gA = V (diag(Re gL) + (X - X^H) / 2 / E) V^H with X = V^H gV and
    # E_ij = L_j - L_i off the diagonal. Im diag(X) is the loss's dependence on the vectors'
    # free phases: PyTorch's error where it is not zero.
    n = a.shape[-1]
    on = _on_complex(ns)
    vectors, values = _part(ns, out, slice(0, n), slice(None)), _last_row(ns, out)
    g_vectors, g_values = _part(ns, g, slice(0, n), slice(None)), _last_row(ns, g)
    eye = _eye_mask(n)
    inner = on.matmul(_h(ns, vectors), g_vectors)
    # (the phase checks read values: raw arrays only; with create_graph the first derivative
    # has been checked already)
    if on_raw_arrays(ns) and _phase_dependent(ns, ns.imag(ns.where(eye, inner, 0.0)), inner):
        raise RuntimeError(
            "linalg_eigh_backward: The eigenvectors in the complex case are specified up to "
            "multiplication by e^{i phi}. The specified loss function depends on this quantity, "
            "so it is ill-defined."
        )
    skew = ns.where(eye, 0.0, 0.5 * (inner - _h(ns, inner)))
    gaps = ns.where(eye, 1.0, _rows(ns, values) - _columns(ns, values))
    middle = skew / _unless_zero(ns, skew, gaps)
    middle = middle + ns.where(eye, _real_part(ns, _rows(ns, g_values)), 0.0)
    return on.matmul(vectors, on.matmul(middle, _h(ns, vectors)))


eigh = Primitive(
    "linalg_eigh",
    forward=_eigh,
    vjp=(_eigh_vjp,),
    reads_inputs=False,
    reads_output=True,
)


def _svd_vjp(ns: Any, g: Any, out: Any, a: Any, *, full_matrices: bool) -> Any:
    # A = U S V^H on the first k = min(m, n) singular vectors. With P = U^H dA V: dS = Re diag P,
    # U^H dU = (P S + S P^H) / E and V^H dV = (S P + P^H S) / E off the diagonal
    # (E_ij = s_j^2 - s_i^2), and on it only the difference of the two phases, i Im P_ii / s_i,
    # is fixed. Pulled back, with X = U^H gU and Y = V^H gV:
    # gA = U [((X - X^H) S + S (Y - Y^H)) / E + diag(gS + i Im X_ii / s_i)] V^H, plus the parts
    # of gU (gV) outside the span of U (V) when m > k (n > k). A loss that depends on the free
    # phase (Im (X_ii + Y_ii) != 0) raises PyTorch's error.
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    on = _on_complex(ns)
    columns = slice(0, k)
    u, v = _part(ns, out, slice(0, m), columns), _part(ns, out, slice(m + 1, m + 1 + n), columns)
    s = _real_part(ns, ns.getitem(out, key=(Ellipsis, m, columns)))
    g_u, g_v = _part(ns, g, slice(0, m), columns), _part(ns, g, slice(m + 1, m + 1 + n), columns)
    g_s = _real_part(ns, ns.getitem(g, key=(Ellipsis, m, columns)))
    eye = _eye_mask(k)
    uu, vv = on.matmul(_h(ns, u), g_u), on.matmul(_h(ns, v), g_v)
    if on_raw_arrays(ns) and _phase_dependent(ns, ns.imag(ns.where(eye, uu + vv, 0.0)), uu):
        raise RuntimeError(
            "svd_backward: The singular vectors in the complex case are specified up to "
            "multiplication by e^{i phi}. The specified loss function depends on this phase term, "
            "making it ill-defined."
        )
    squares = s * s
    gaps = ns.where(eye, 1.0, _rows(ns, squares) - _columns(ns, squares))
    inner = (uu - _h(ns, uu)) * _rows(ns, s) + _columns(ns, s) * (vv - _h(ns, vv))
    inner = ns.where(eye, 0.0, inner)
    inner = inner / _unless_zero(ns, inner, gaps)
    phase = ns.where(eye, 0.5 * (uu - ns.conj(uu)), 0.0)  # i Im X_ii on the diagonal
    inner = inner + phase / _unless_zero(ns, phase, _rows(ns, s))
    inner = inner + ns.where(eye, _rows(ns, g_s), 0.0)
    if m > k:  # the part of gU orthogonal to U: (I - U U^H) gU S^-1
        # (a zero singular value with no cotangent gives 0, not 0 / 0: pinv's derivative
        # term sends zeros through here)
        scaled = g_u / _unless_zero(ns, g_u, _rows(ns, s))
        left = on.matmul(u, inner) + scaled - on.matmul(u, on.matmul(_h(ns, u), scaled))
        return on.matmul(left, _h(ns, v))
    if n > k:  # the part of gV orthogonal to V: S^-1 gV^H (I - V V^H)
        scaled = _h(ns, g_v) / _unless_zero(ns, _h(ns, g_v), _columns(ns, s))
        right = on.matmul(inner, _h(ns, v)) + scaled - on.matmul(on.matmul(scaled, v), _h(ns, v))
        return on.matmul(u, right)
    return on.matmul(u, on.matmul(inner, _h(ns, v)))


svd = Primitive(
    "linalg_svd",
    forward=_svd,
    vjp=(_svd_vjp,),
    reads_inputs=False,
    reads_output=True,
)


def _qr_square_vjp(ns: Any, g_q: Any, g_r: Any, q: Any, r: Any) -> Any:
    # m >= n: with M = R gR^H - gQ^H Q, gA = (gQ + Q copyltu(M)) R^-H, where copyltu(M) mirrors
    # M's strictly lower triangle into the upper one (conjugated) and keeps Re diag(M): R's
    # diagonal is real (LAPACK's, as PyTorch's), which fixes Q's phases.
    on = _on_complex(ns)
    m = on.matmul(r, _h(ns, g_r)) - on.matmul(_h(ns, g_q), q)
    below = _tril(ns, m, -1)
    mirrored = below + _h(ns, below) + ns.where(_eye_mask(m.shape[-1]), _real_part(ns, m), 0.0)
    return _h(ns, on.solve_triangular(r, _h(ns, g_q + on.matmul(q, mirrored)), upper=True))


def _qr_vjp(ns: Any, g: Any, out: Any, a: Any, *, mode: str) -> Any:
    from arraygrad.ops.decompositions import _qr_vjp as real_rule

    m, n = a.shape[-2], a.shape[-1]
    if mode == "r" or (mode == "complete" and m > n):
        return real_rule(ns, g, out, a, mode=mode)  # (raises PyTorch's error)
    on = _on_complex(ns)
    width = out.shape[-1]
    t = ns.matrix_transpose
    q, g_q = _part(ns, out, slice(0, m), slice(None)), _part(ns, g, slice(0, m), slice(None))
    r = t(_part(ns, out, slice(m, m + n), slice(None)))
    g_r = t(_part(ns, g, slice(m, m + n), slice(None)))
    if m >= n:
        return _qr_square_vjp(ns, g_q, g_r, q, r)
    # m < n: A = [X | Y] with X = Q U (U square) and Y = Q V: gY = Q gV, and X gets the square
    # rule with gQ + Y gV^H.
    square, rest = slice(0, width), slice(width, n)
    u, g_u = _part(ns, r, slice(None), square), _part(ns, g_r, slice(None), square)
    v, g_v = _part(ns, r, slice(None), rest), _part(ns, g_r, slice(None), rest)
    g_x = _qr_square_vjp(ns, g_q + on.matmul(on.matmul(q, v), _h(ns, g_v)), g_u, q, u)
    shape = tuple(g_x.shape[:-1]) + (n,)
    return ns.index_add_zeros(g_x, shape=shape, key=(Ellipsis, square)) + ns.index_add_zeros(
        on.matmul(q, g_v), shape=shape, key=(Ellipsis, rest)
    )


qr = Primitive(
    "linalg_qr",
    forward=_qr,
    vjp=(_qr_vjp,),
    reads_inputs=False,
    reads_output=True,
)


def _lu_factor_vjp(ns: Any, g: Any, out: Any, a: Any) -> Any:
    # A = P L U: the real rule (PyTorch's) derived again with L^H, U^H and the complex products
    # and solves; the pivots are real numbers in the packed complex array.
    on = _on_complex(ns)
    return lu_factor_rule(ns, on, lambda x: _h(ns, x), g, out, a, complex_values=True)


# Packed as the real primitive packs it: LU, the permutation as a last column, the pivots as a
# last row (_lu_factor.py, pivoting by |Re| + |Im| as LAPACK's complex getrf).
lu_factor = Primitive(
    "linalg_lu_factor_ex",
    forward=lambda xp, a: xp.lu_factor(a),
    vjp=(_lu_factor_vjp,),
    reads_inputs=False,
    reads_output=True,
)


def _slogdet(xp: Any, a: Any) -> Any:
    # (..., 2): the sign (a unit complex number, 0 for a singular matrix) and log|det|.
    sign, logabsdet = xp.slogdet(a)
    return xp.stack((xp.asarray(sign), xp.astype(xp.asarray(logabsdet), a.dtype)), axis=-1)


def _slogdet_vjp(ns: Any, g: Any, out: Any, a: Any) -> Any:
    # d log|det A| = Re tr(A^-1 dA) and d sign = i sign Im tr(A^-1 dA): the cotangent is
    # (Re gL + i Im(conj(sign) gS)) A^-H. A singular matrix gets torch's LU solve with A^H
    # through A's own factors, as the real rule.
    n = a.shape[-1]
    on = _on_complex(ns)
    eye = _backend.xp.eye(n, dtype=_backend.xp.bool)
    sign = ns.getitem(out, key=(Ellipsis, 0))
    singular = ns.reshape(sign == 0, shape=tuple(sign.shape) + (1, 1))
    safe = ns.where(singular, ns.where(eye, 1.0, 0.0 * a), a)
    turn = ns.conj(sign) * ns.getitem(g, key=(Ellipsis, 0))
    scale = _real_part(ns, ns.getitem(g, key=(Ellipsis, 1))) + (turn - _real_part(ns, turn))
    scale = ns.reshape(scale, shape=tuple(scale.shape) + (1, 1))
    regular = scale * _h(ns, on.inv(safe))
    if on_raw_arrays(ns) and not bool(ns.any(singular)):
        return regular  # (no LU substitution, row by row, where none is needed)
    # A^-H (s I) = conj(A^-T conj(s) I)
    scaled_eye = ns.where(eye, ns.conj(scale), 0.0 * a)
    failed = ns.conj(on.solve_unchecked(a, scaled_eye, transposed=True))
    return ns.where(singular, failed, regular)


slogdet = Primitive(
    "linalg_slogdet",
    forward=_slogdet,
    vjp=(_slogdet_vjp,),
    reads_output=True,
)


def _solve_unchecked_vjp_b(ns: Any, g: Any, out: Any, a: Any, b: Any, *, transposed: bool) -> Any:
    # B's cotangent A^-H g = conj(A^-T conj(g)) (conj(A)^-1 g = conj(A^-1 conj(g)) for
    # X = A^-T B), through A's LU as the real rule.
    on = _on_complex(ns)
    return ns.conj(on.solve_unchecked(a, ns.conj(g), transposed=not transposed))


def _solve_unchecked_vjp_a(ns: Any, g: Any, out: Any, a: Any, b: Any, *, transposed: bool) -> Any:
    # -(A^-H g) X^H, or -conj(X) (conj(A)^-1 g)^T for X = A^-T B.
    on = _on_complex(ns)
    g_b = _solve_unchecked_vjp_b(ns, g, out, a, b, transposed=transposed)
    if transposed:
        return -on.matmul(ns.conj(out), ns.matrix_transpose(g_b))
    return -on.matmul(g_b, _h(ns, out))


# The real solve_unchecked (torch's solve_ex of a singular A) with the complex rules.
solve_unchecked = Primitive(
    "linalg_solve_ex",
    forward=_linalg.solve_unchecked.forward,
    vjp=(_solve_unchecked_vjp_a, _solve_unchecked_vjp_b),
    reads_output=True,
)
# The real inverse_unchecked (torch's inv_ex of a singular A) with the complex inverse's rule.
inverse_unchecked = Primitive(
    "linalg_inv_ex",
    forward=_linalg.inverse_unchecked.forward,
    vjp=complex_inv.vjps,
    reads_inputs=False,
    reads_output=True,
)


# The real cholesky_solve with A = L L^H (U^H U); its rules with adjoints and complex products.
cholesky_solve: Primitive = Primitive(
    "cholesky_solve",
    forward=lambda xp, b, f, *, upper: cholesky_solved(xp, lambda x: _h(xp, x), b, f, upper=upper),
    vjp=(
        lambda ns, g, out, b, f, *, upper: cholesky_solve_b_rule(
            ns, _on_complex(ns), lambda x: _h(ns, x), cholesky_solve, g, f, upper=upper
        ),
        lambda ns, g, out, b, f, *, upper: cholesky_solve_factor_rule(
            ns, _on_complex(ns), lambda x: _h(ns, x), cholesky_solve, g, out, f, upper=upper
        ),
    ),
    reads_output=True,
)


def _pinv_vjp(ns: Any, g: Any, out: Any, a: Any, *, rtol: float) -> Any:
    # PyTorch's pinv_backward with adjoints in place of transposes.
    on = _on_complex(ns)
    mm = on.matmul
    p, ph, gh = out, _h(ns, out), _h(ns, g)
    if a.shape[-2] <= a.shape[-1]:
        k = mm(gh, p)
        kph = mm(k, ph)
        back = mm(mm(ph, p), gh - mm(k, a))
        return -_h(ns, mm(p, k)) + kph - mm(mm(a, p), kph) + back
    k = mm(p, gh)
    phk = mm(ph, k)
    front = mm(mm(gh - mm(a, k), p), ph)
    return -_h(ns, mm(k, p)) + front + phk - mm(mm(phk, p), a)


def _pinv(xp: Any, a: Any, *, rtol: float) -> Any:
    from arraygrad.ops.linalg import _pinv as real_pinv

    return real_pinv(xp, a, rtol=rtol)


pinv = Primitive("linalg_pinv", forward=_pinv, vjp=(_pinv_vjp,), reads_output=True)

__all__: list[str] = []
