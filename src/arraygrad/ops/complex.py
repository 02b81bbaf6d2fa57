"""Complex primitives: each one statement, its forward beside its VJP rules.

PyTorch's convention for complex gradients: for a real loss ``L`` of ``z = x + iy``,
``z.grad = dL/dx + i dL/dy``. A rule receives the output's gradient ``g`` in that form, so the
VJP of a holomorphic ``f`` is ``g * conj(f'(z))``: the real rules of ``elementwise.py`` written
with the conjugate. The real rules that are already right for complex values (``add``,
``subtract``, ``negative``, ``sum``, ``mean``, the shape primitives: linear maps with real
coefficients) are reused as they are; ``_math``, ``_unary`` and the other PyTorch-level modules
pick these primitives only once a complex operand has left their real fast paths.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _backend, _dtype
from arraygrad._primitive import Primitive, on_raw_arrays
from arraygrad.ops import linalg as _linalg
from arraygrad.ops import reduction as _reduction
from arraygrad.ops.decompositions import _columns, _eye_mask, _part, _rows, _unless_zero
from arraygrad.ops.linalg import _matmul_vjp_x, _matmul_vjp_y

_NUMBER = (int, float, complex)
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _on_complex(ns: Any) -> Any:
    """The namespace for a rule's functions of complex values: ``ns`` itself for raw arrays;
    with ``create_graph`` (``ns`` is :mod:`arraygrad.ops`), ``ops`` with this module's
    primitives in place of the real ones of the same name (``abs``, ``cos``, ``matmul``, ...),
    so that second derivatives are the complex ones too."""
    if on_raw_arrays(ns):
        return ns
    return _OnComplexTensors(ns)


class _OnComplexTensors:
    """``arraygrad.ops`` with the complex primitives of this module in place of the real ones."""

    def __init__(self, ops: Any) -> None:
        self._ops = ops

    def __getattr__(self, name: str) -> Any:
        return _TWINS.get(name) or getattr(self._ops, name)


def _conj(ns: Any, value: Any) -> Any:
    """The conjugate of an operand, which may be a Python number: kept one (NumPy's scalar
    float64 would widen a complex64 gradient)."""
    return value.conjugate() if isinstance(value, _NUMBER) else ns.conj(value)


def _safe_abs(ns: Any, x: Any) -> Any:
    """``|x|`` with 1 in place of 0, to divide by where the result is then replaced."""
    r = _on_complex(ns).abs(x)
    return ns.where(r == 0, 1.0, r)


def _pow_vjp_base(ns: Any, g: Any, out: Any, x: Any, y: Any) -> Any:
    # d(x**y)/dx = y x**(y-1), taken as 0 where y == 0 (PyTorch's choice, as for real tensors).
    if isinstance(y, _NUMBER):
        return g * 0 if y == 0 else g * ns.conj(x ** (y - 1)) * y.conjugate()
    return ns.where(y == 0, 0.0, g * ns.conj(y * x ** (y - 1)))


def _pow_vjp_exponent(ns: Any, g: Any, out: Any, x: Any, y: Any) -> Any:
    # d(x**y)/dy = x**y log(x), taken as 0 at x == 0 (where log(0) is infinite), as PyTorch does.
    log = _on_complex(ns).log
    return ns.where(x == 0, 0.0, g * ns.conj(out * log(ns.where(x == 0, 1.0, x))))


def _sgn_vjp(ns: Any, g: Any, out: Any, x: Any) -> Any:
    # sgn(z) = z / |z| is not holomorphic: its gradient is (g - Re(g conj(s)) s) / |z|, with s
    # the sign; 0 at z = 0, as PyTorch gives.
    r = _safe_abs(ns, x)
    along = ns.real(g * ns.conj(out))
    return ns.where(x == 0, 0.0, (g - along * out) / r)


def _angle_vjp(ns: Any, g: Any, out: Any, x: Any) -> Any:
    # angle = atan2(y, x): dL/dx = -g y / |z|^2 and dL/dy = g x / |z|^2, i.e. g i z / |z|^2;
    # 0 at z = 0.
    r = _safe_abs(ns, x)
    return ns.where(x == 0, 0.0, g * (x * 1j) / (r * r))


def _polar_vjp_abs(ns: Any, g: Any, out: Any, r: Any, theta: Any) -> Any:
    # out = r e^{i theta}: dL/dr = Re(conj(g) d out/dr), with d out/dr taken as PyTorch takes it,
    # sgn(out): e^{i theta} for r > 0, its negative for r < 0 and 0 at r = 0.
    direction = ns.where(out == 0, 0.0, out / _safe_abs(ns, out))
    return ns.real(g * ns.conj(direction))


def _eig(xp: Any, a: Any) -> Any:
    # (..., n + 1, n): the eigenvectors (columns), then the eigenvalues as a last row.
    values, vectors = xp.eig(a)
    return xp.concat((vectors, values[..., None, :]), axis=-2)


def _eig_vjp(ns: Any, g: Any, out: Any, a: Any) -> Any:
    # A V = V L with unit-norm columns: with P = V^-1 dA V, dL = diag(P) and V^-1 dV has
    # P_ki / (l_i - l_k) off the diagonal and, on it, the real part that keeps the norms at 1
    # (the phase is free). Pulled back: gA = V^-H R V^H, with R = gL on the diagonal and
    # (G - V^H V diag(Re diag G))_ki / conj(l_i - l_k) off it, where G = V^H gV. A loss that
    # depends on the free phase (Im diag G != 0) has no gradient: PyTorch's error.
    if not on_raw_arrays(ns):  # create_graph
        raise NotImplementedError(
            "second derivatives of linalg.eig are not supported in arraygrad yet (its rule "
            "solves with the real solve). Fix: differentiate once, without create_graph=True."
        )
    n = a.shape[-1]
    vectors, values = _part(ns, out, slice(0, n), slice(None)), out[..., n, :]
    g_vectors, g_values = _part(ns, g, slice(0, n), slice(None)), g[..., n, :]
    adjoint = ns.conj(ns.matrix_transpose(vectors))
    inner = ns.matmul(adjoint, g_vectors)
    eye = _eye_mask(n)
    diagonal = ns.where(eye, inner, 0.0)
    if g.__class__ is _backend.array_type and not _phase_free(ns, diagonal):
        raise RuntimeError(
            "linalg_eig_backward: The eigenvectors in the complex case are specified up to "
            "multiplication by e^{i phi}. The specified loss function depends on this quantity, "
            "so it is ill-defined."
        )
    real_diagonal = ns.sum(ns.real(diagonal), axis=-2, keepdims=True)  # (..., 1, n)
    off = inner - ns.matmul(adjoint, vectors) * real_diagonal
    gaps = ns.where(eye, 1.0, ns.conj(_rows(ns, values) - _columns(ns, values)))
    middle = ns.where(eye, _rows(ns, g_values), off / _unless_zero(ns, off, gaps))
    grad = ns.solve(adjoint, ns.matmul(middle, adjoint))
    kind = a.dtype if isinstance(a.dtype, _dtype.dtype) else _dtype.from_xp(a.dtype)
    return grad if kind.is_complex else ns.real(grad)


def _phase_free(ns: Any, diagonal: Any) -> bool:
    # (raw arrays only: with create_graph the check is skipped, as it would read a Tensor)
    if not math.prod(diagonal.shape):  # no eigenvectors (0 x 0 matrices): no phase to fix
        return True
    imag = ns.abs(ns.imag(diagonal))
    scale = ns.abs(diagonal)
    return bool(ns.all(imag <= 1e-6 * (1 + ns.max(scale))))


def _adjoint(ns: Any, x: Any) -> Any:
    return ns.conj(ns.matrix_transpose(x))


def _inv_vjp(ns: Any, g: Any, out: Any, a: Any) -> Any:
    # d(A^-1) = -A^-1 dA A^-1, pulled back with adjoints: -A^-H g A^-H.
    mm = _on_complex(ns).matmul
    return -mm(_adjoint(ns, out), mm(g, _adjoint(ns, out)))


def _det_vjp(ns: Any, g: Any, out: Any, a: Any) -> Any:
    # d det(A) = det(A) tr(A^-1 dA): the cotangent is g conj(det(A)) A^-H. Where det(A) is
    # exactly 0 that is 0, as PyTorch 2.13 gives (the real rule's comment), and the inverse is
    # taken of I instead; a 1x1 matrix's gradient is g, its adjugate being 1.
    if a.shape[-1] == 1:
        return g[..., None, None]
    singular = (out == 0)[..., None, None]
    eye = _backend.xp.eye(a.shape[-1], dtype=_backend.xp.bool)
    safe = ns.where(singular, ns.where(eye, 1.0, 0.0 * a), a)
    scale = (g * ns.conj(out))[..., None, None]
    return scale * _adjoint(ns, _on_complex(ns).inv(safe))


def _solve_vjp_b(ns: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
    # X = A^-1 B: the cotangent of B is A^-H g (broadcast batch dimensions are summed later).
    return _linalg.transposed_solve(_on_complex(ns), a, g, ns.conj)


def _solve_vjp_a(ns: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
    # dX = -A^-1 dA X: the cotangent of A is -(A^-H g) X^H.
    on = _on_complex(ns)
    return -on.matmul(_linalg.transposed_solve(on, a, g, ns.conj), _adjoint(ns, out))


def _solve_triangular_vjp_b(ns: Any, g: Any, out: Any, a: Any, b: Any, *, upper: bool) -> Any:
    # X = A^-1 B for a triangular A: B's cotangent is A^-H g, A^H triangular the other way.
    return _on_complex(ns).solve_triangular(_adjoint(ns, a), g, upper=not upper)


def _solve_triangular_vjp_a(ns: Any, g: Any, out: Any, a: Any, b: Any, *, upper: bool) -> Any:
    # -(A^-H g) X^H on A's triangle.
    on = _on_complex(ns)
    g_b = on.solve_triangular(_adjoint(ns, a), g, upper=not upper)
    return _linalg._triangle_of(ns, -on.matmul(g_b, _adjoint(ns, out)), upper)


def _conjugated(rule: Any) -> Any:
    """The VJP of a holomorphic function from the real rule ``g * f'(x)`` (written with
    products and quotients only): ``conj(rule(conj(g)))`` is ``g * conj(f'(x))``."""

    def vjp(ns: Any, g: Any, out: Any, x: Any, **params: Any) -> Any:
        return ns.conj(rule(_on_complex(ns), ns.conj(g), out, x, **params))

    return vjp


multiply = Primitive(
    "mul",
    forward=lambda xp, x, y: x * y,
    vjp=(
        lambda ns, g, out, x, y: g * _conj(ns, y),
        lambda ns, g, out, x, y: g * _conj(ns, x),
    ),
    rule_reads=((1,), (0,)),
)
divide = Primitive(
    "div",
    forward=lambda xp, x, y: x / y,
    vjp=(
        lambda ns, g, out, x, y: g / _conj(ns, y),
        lambda ns, g, out, x, y: -g * ns.conj(x / y / y),
    ),
    rule_reads=((1,), (0, 1)),
)
pow = Primitive(
    "pow",
    forward=lambda xp, x, y: x**y,
    vjp=(_pow_vjp_base, _pow_vjp_exponent),
    reads_output=True,
    rule_reads=((0, 1), (0, 1, "out")),
)
reciprocal = Primitive(
    "reciprocal",
    forward=lambda xp, x: 1 / x,
    vjp=(lambda ns, g, out, x: -g * ns.conj(out * out),),
    reads_inputs=False,
    reads_output=True,
)
exp = Primitive(
    "exp",
    forward=lambda xp, x: xp.exp(x),
    vjp=(lambda ns, g, out, x: g * ns.conj(out),),
    reads_inputs=False,
    reads_output=True,
)
log = Primitive(
    "log",
    forward=lambda xp, x: xp.log(x),
    vjp=(lambda ns, g, out, x: g / ns.conj(x),),
)
sqrt = Primitive(
    "sqrt",
    forward=lambda xp, x: xp.sqrt(x),
    vjp=(lambda ns, g, out, x: g / (2 * ns.conj(out)),),
    reads_inputs=False,
    reads_output=True,
)
sin = Primitive(
    "sin",
    forward=lambda xp, x: xp.sin(x),
    vjp=(lambda ns, g, out, x: g * ns.conj(_on_complex(ns).cos(x)),),
)
cos = Primitive(
    "cos",
    forward=lambda xp, x: xp.cos(x),
    vjp=(lambda ns, g, out, x: -g * ns.conj(_on_complex(ns).sin(x)),),
)
tanh = Primitive(
    "tanh",
    forward=lambda xp, x: xp.tanh(x),
    vjp=(lambda ns, g, out, x: g * ns.conj(1 - out * out),),
    reads_inputs=False,
    reads_output=True,
)
sigmoid = Primitive(
    "sigmoid",
    forward=lambda xp, x: 1 / (1 + xp.exp(-x)),
    vjp=(lambda ns, g, out, x: g * ns.conj(out * (1 - out)),),
    reads_inputs=False,
    reads_output=True,
)
# The other holomorphic functions PyTorch computes on complex tensors: g * conj(f'(z)), with
# the principal branches NumPy's forwards take (acosh' as 1 / (sqrt(z - 1) sqrt(z + 1)), which
# is 1 / sqrt(z^2 - 1) only off the branch cut of the latter).
tan = Primitive(
    "tan",
    forward=lambda xp, x: xp.tan(x),
    vjp=(lambda ns, g, out, x: g * ns.conj(1 + out * out),),
    reads_inputs=False,
    reads_output=True,
)
sinh = Primitive(
    "sinh",
    forward=lambda xp, x: xp.sinh(x),
    vjp=(lambda ns, g, out, x: g * ns.conj(_on_complex(ns).cosh(x)),),
)
cosh = Primitive(
    "cosh",
    forward=lambda xp, x: xp.cosh(x),
    vjp=(lambda ns, g, out, x: g * ns.conj(_on_complex(ns).sinh(x)),),
)
asin = Primitive(
    "asin",
    forward=lambda xp, x: xp.asin(x),
    vjp=(lambda ns, g, out, x: g / ns.conj(_on_complex(ns).sqrt(1 - x * x)),),
)
acos = Primitive(
    "acos",
    forward=lambda xp, x: xp.acos(x),
    vjp=(lambda ns, g, out, x: -g / ns.conj(_on_complex(ns).sqrt(1 - x * x)),),
)
atan = Primitive(
    "atan",
    forward=lambda xp, x: xp.atan(x),
    vjp=(lambda ns, g, out, x: g / ns.conj(1 + x * x),),
)
asinh = Primitive(
    "asinh",
    forward=lambda xp, x: xp.asinh(x),
    vjp=(lambda ns, g, out, x: g / ns.conj(_on_complex(ns).sqrt(x * x + 1)),),
)
acosh = Primitive(
    "acosh",
    forward=lambda xp, x: xp.acosh(x),
    vjp=(
        lambda ns, g, out, x: (
            g / ns.conj(_on_complex(ns).sqrt(x - 1) * _on_complex(ns).sqrt(x + 1))
        ),
    ),
)
atanh = Primitive(
    "atanh",
    forward=lambda xp, x: xp.atanh(x),
    vjp=(lambda ns, g, out, x: g / ns.conj(1 - x * x),),
)
expm1 = Primitive(
    "expm1",
    forward=lambda xp, x: xp.expm1(x),
    vjp=(lambda ns, g, out, x: g * ns.conj(out + 1),),
    reads_inputs=False,
    reads_output=True,
)
log1p = Primitive(
    "log1p",
    forward=lambda xp, x: xp.log1p(x),
    vjp=(lambda ns, g, out, x: g / ns.conj(x + 1),),
    backward_name="Log1PBackward0",  # PyTorch's spelling
)


def _logaddexp(xp: Any, x: Any, y: Any) -> Any:
    # PyTorch's kernel: with lo the operand of the smaller real part and hi the other,
    # hi + log1p(exp(lo - hi)) (exp at most 1 in modulus: nothing overflows); where both real
    # parts are the same infinity, lo for -inf and log(exp(lo) + exp(hi)) for +inf.
    real_x, real_y = xp.real(x), xp.real(y)
    x_low = real_x < real_y
    lo, hi = xp.where(x_low, x, y), xp.where(x_low, y, x)
    finite = hi + xp.log1p(xp.exp(lo - hi))
    same_infinity = (real_x == real_y) & xp.isinf(real_x)
    infinite = xp.where(real_x > 0, xp.log(xp.exp(lo) + xp.exp(hi)), lo)
    return xp.where(same_infinity, infinite, finite)


# PyTorch's rules, g / conj(1 + exp(y - x)) for x, evaluated as written: where exp overflows to
# an infinity of two infinite parts (x - y = 799 - 1j), the quotient is nan, not its limit 0.
logaddexp = Primitive(
    "logaddexp",
    forward=_logaddexp,
    vjp=(
        lambda ns, g, out, x, y: g / ns.conj(1 + _on_complex(ns).exp(y - x)),
        lambda ns, g, out, x, y: g / ns.conj(1 + _on_complex(ns).exp(x - y)),
    ),
)
log2 = Primitive(
    "log2",
    forward=lambda xp, x: xp.log2(x),
    vjp=(lambda ns, g, out, x: g / (ns.conj(x) * _LN2),),
)
log10 = Primitive(
    "log10",
    forward=lambda xp, x: xp.log10(x),
    vjp=(lambda ns, g, out, x: g / (ns.conj(x) * _LN10),),
)
# |z| is real: its gradient is g z / |z| (g real), 0 at z = 0 as PyTorch's subgradient.
abs = Primitive(
    "abs",
    forward=lambda xp, x: xp.abs(x),
    vjp=(lambda ns, g, out, x: ns.where(x == 0, 0.0, g * (x / _safe_abs(ns, x))),),
)
angle = Primitive(
    "angle", forward=lambda xp, x: xp.atan2(xp.imag(x), xp.real(x)), vjp=(_angle_vjp,)
)
sgn = Primitive(
    "sgn",
    forward=lambda xp, x: xp.where(x == 0, 0, x / xp.where(x == 0, 1, xp.abs(x))),
    vjp=(_sgn_vjp,),
    reads_output=True,
)
conj = Primitive(
    "conj_physical",
    forward=lambda xp, x: xp.conj(x),
    vjp=(lambda ns, g, out, x: ns.conj(g),),
    reads_inputs=False,
)
# The parts of z: real views of its memory (NumPy's .real / .imag), whose gradients g and i g
# are complex. Writes through them reach z (see _view_history's dtype-changing steps).
real = Primitive(
    "real",
    forward=lambda xp, x: xp.real(x),
    vjp=(lambda ns, g, out, x: ns.astype(g, x.dtype),),
    reads_inputs=False,
    view=True,
)
imag = Primitive(
    "imag",
    forward=lambda xp, x: xp.imag(x),
    vjp=(lambda ns, g, out, x: ns.astype(g, x.dtype) * 1j,),
    reads_inputs=False,
    view=True,
)


def _real_part_as(ns: Any, g: Any, dtype: Any) -> Any:
    """``real(g)`` in ``dtype``: the gradient of a real tensor made complex is the real part of
    the complex one, in the real tensor's own dtype (a float64 tensor made complex64 gets a
    float64 gradient, as in PyTorch, not complex64's float32 part)."""
    part = ns.real(g)
    return part if part.dtype == dtype else ns.astype(part, dtype)


# A real tensor made complex (type promotion, .to(cfloat)).
to_complex = Primitive(
    "to_copy",
    forward=lambda xp, x, *, dtype: xp.astype(x, dtype),
    vjp=(lambda ns, g, out, x, *, dtype: _real_part_as(ns, g, x.dtype),),
    reads_inputs=False,
)
complex_from_parts = Primitive(
    "complex",
    forward=lambda xp, re, im: xp.complex_from_parts(re, im),
    vjp=(lambda ns, g, out, re, im: ns.real(g), lambda ns, g, out, re, im: ns.imag(g)),
    reads_inputs=False,
)
polar = Primitive(
    "polar",
    forward=lambda xp, r, theta: xp.complex_from_parts(r * xp.cos(theta), r * xp.sin(theta)),
    vjp=(_polar_vjp_abs, lambda ns, g, out, r, theta: ns.real(g * ns.conj(out * 1j))),
    reads_inputs=False,
    reads_output=True,
)
# The same memory read as pairs of reals and back (views on NumPy, as PyTorch's).
view_as_real = Primitive(
    "view_as_real",
    forward=lambda xp, x: xp.view_as_real(x),
    vjp=(lambda ns, g, out, x: ns.view_as_complex(g),),
    reads_inputs=False,
    view=True,
)
view_as_complex = Primitive(
    "view_as_complex",
    forward=lambda xp, x: xp.view_as_complex(x),
    vjp=(lambda ns, g, out, x: ns.view_as_real(g),),
    reads_inputs=False,
    view=True,
)
# The eigendecomposition of a general square matrix, packed as (..., n + 1, n): vectors, values.
eig = Primitive("linalg_eig", forward=_eig, vjp=(_eig_vjp,), reads_inputs=False, reads_output=True)
# The real matrix product's rules on conjugated values: conj(rule(conj(g))) is g @ conj(y).T
# for x and conj(x).T @ g for y, with the real rules' handling of 1-D operands.
matmul = Primitive(
    "mm",
    forward=lambda xp, x, y: xp.matmul(x, y),
    vjp=(
        lambda ns, g, out, x, y: ns.conj(_matmul_vjp_x(_on_complex(ns), ns.conj(g), out, x, y)),
        lambda ns, g, out, x, y: ns.conj(_matmul_vjp_y(_on_complex(ns), ns.conj(g), out, x, y)),
    ),
    rule_reads=((1,), (0,)),
)

inv = Primitive(
    "linalg_inv",
    forward=lambda xp, a: xp.inv(a),
    vjp=(_inv_vjp,),
    reads_inputs=False,
    reads_output=True,
    backward_name="LinalgInvExBackward0",  # (PyTorch's inverse is its linalg_inv_ex)
)
det = Primitive("linalg_det", forward=lambda xp, a: xp.det(a), vjp=(_det_vjp,), reads_output=True)
solve = Primitive(
    "linalg_solve",
    forward=lambda xp, a, b: xp.solve(a, b),
    vjp=(_solve_vjp_a, _solve_vjp_b),
    reads_output=True,
)
solve_triangular = Primitive(
    "linalg_solve_triangular",
    forward=_linalg.solve_triangular.forward,
    vjp=(_solve_triangular_vjp_a, _solve_triangular_vjp_b),
    reads_output=True,
)

# Products along an axis, with the real rules' exact handling of zeros, conjugated.
prod = Primitive(
    "prod",
    forward=_reduction.prod.forward,
    vjp=(_conjugated(_reduction._prod_vjp),),
    reads_output=True,
)
cumulative_prod = Primitive(
    "cumprod",
    forward=_reduction.cumulative_prod.forward,
    vjp=(_conjugated(_reduction._cumprod_vjp),),
    reads_output=True,
)

# The primitives _OnComplexTensors puts in place of arraygrad.ops' real ones.
_TWINS: dict[str, Primitive] = {
    "abs": abs,
    "cos": cos,
    "cosh": cosh,
    "cumulative_prod": cumulative_prod,
    "exp": exp,
    "inv": inv,
    "log": log,
    "matmul": matmul,
    "prod": prod,
    "sin": sin,
    "sinh": sinh,
    "solve": solve,
    "solve_triangular": solve_triangular,
    "sqrt": sqrt,
}

__all__ = [
    "complex_from_parts",
    "conj",
    "imag",
    "polar",
    "real",
    "to_complex",
    "view_as_complex",
    "view_as_real",
]
