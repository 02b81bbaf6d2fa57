"""Tensor methods for math: element-wise functions, comparisons and reductions.

A mixin of :class:`arraygrad.Tensor`; each method delegates to the PyTorch-style function of the
same name in ``_math``, ``_unary``, ``_binary``, ``_reduction`` or ``_statistics``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# The package itself, not its modules: the functions these methods call are imported after the
# Tensor class (they build on it), so they are looked up at call time as ``_ag._math.exp``.
import arraygrad as _ag
from arraygrad import _dtype

if TYPE_CHECKING:
    import arraygrad._binary
    import arraygrad._clamp
    import arraygrad._comparison
    import arraygrad._indexing
    import arraygrad._inplace
    import arraygrad._linalg
    import arraygrad._math
    import arraygrad._reduction
    import arraygrad._rounding
    import arraygrad._shape
    import arraygrad._sorting
    import arraygrad._statistics
    import arraygrad._trigonometric
    import arraygrad._unary
    from arraygrad._tensor import Tensor


class TensorMathMethods:
    """Element-wise and reduction methods of :class:`arraygrad.Tensor`."""

    __slots__ = ()

    def add(self, other: Any, *legacy: Any, alpha: Any = 1) -> Tensor:
        """``self + alpha * other`` (also PyTorch's deprecated ``(alpha, other)``, warning)."""
        if legacy:
            other, alpha = _ag._deprecated_overloads.scale_first(
                "add", other, legacy, alpha, method=True
            )
        return _ag._math.add(self, other, alpha=alpha)

    def sub(self, other: Any, *legacy: Any, alpha: Any = 1) -> Tensor:
        """``self - alpha * other`` (also PyTorch's deprecated ``(alpha, other)``, warning)."""
        if legacy:
            other, alpha = _ag._deprecated_overloads.scale_first(
                "sub", other, legacy, alpha, method=True
            )
        return _ag._math.sub(self, other, alpha=alpha)

    def mul(self, other: Any) -> Tensor:
        """``self * other``."""
        return _ag._math.mul(self, other)

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """``self / other`` (rounded toward 0 or -inf with ``rounding_mode``)."""
        return _ag._division.div(self, other, rounding_mode=rounding_mode)

    def pow(self, exponent: Any) -> Tensor:
        """``self ** exponent``."""
        return _ag._power.pow(self, exponent)

    def neg(self) -> Tensor:
        """``-self``."""
        return _ag._math.neg(self)

    def abs(self) -> Tensor:
        """``|self|``."""
        return _ag._math.abs(self)

    def exp(self) -> Tensor:
        """``e ** self``."""
        return _ag._math.exp(self)

    def log(self) -> Tensor:
        """Natural logarithm."""
        return _ag._math.log(self)

    def sqrt(self) -> Tensor:
        """Square root."""
        return _ag._math.sqrt(self)

    def sin(self) -> Tensor:
        """Sine."""
        return _ag._math.sin(self)

    def cos(self) -> Tensor:
        """Cosine."""
        return _ag._math.cos(self)

    def tanh(self) -> Tensor:
        """Hyperbolic tangent."""
        return _ag._math.tanh(self)

    def sigmoid(self) -> Tensor:
        """Logistic sigmoid ``1 / (1 + e ** -self)``."""
        return _ag._math.sigmoid(self)

    def relu(self) -> Tensor:
        """``max(self, 0)``."""
        return _ag._math.relu(self)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        """Clamp every element into ``[min, max]``."""
        return _ag._clamp.clamp(self, min, max)

    def eq(self, other: Any) -> Tensor:
        """Elementwise ``==``."""
        return _ag._comparison.eq(self, other)

    def ne(self, other: Any) -> Tensor:
        """Elementwise ``!=``."""
        return _ag._comparison.ne(self, other)

    def lt(self, other: Any) -> Tensor:
        """Elementwise ``<``."""
        return _ag._comparison.lt(self, other)

    def le(self, other: Any) -> Tensor:
        """Elementwise ``<=``."""
        return _ag._comparison.le(self, other)

    def gt(self, other: Any) -> Tensor:
        """Elementwise ``>``."""
        return _ag._comparison.gt(self, other)

    def ge(self, other: Any) -> Tensor:
        """Elementwise ``>=``."""
        return _ag._comparison.ge(self, other)

    def sum(
        self, dim: Any = None, keepdim: bool = False, *, dtype: _dtype.dtype | None = None
    ) -> Tensor:
        """Sum over ``dim`` (all elements when ``None``)."""
        return _ag._reduction.sum(self, dim, keepdim, dtype=dtype)

    def mean(
        self, dim: Any = None, keepdim: bool = False, *, dtype: _dtype.dtype | None = None
    ) -> Tensor:
        """Mean over ``dim`` (all elements when ``None``)."""
        return _ag._reduction.mean(self, dim, keepdim, dtype=dtype)

    def exp2(self) -> Tensor:
        """``2 ** self``."""
        return _ag._unary.exp2(self)

    def expm1(self) -> Tensor:
        """``exp(self) - 1``, accurate near 0."""
        return _ag._unary.expm1(self)

    def log1p(self) -> Tensor:
        """``log(1 + self)``, accurate near 0."""
        return _ag._unary.log1p(self)

    def log2(self) -> Tensor:
        """Base-2 logarithm."""
        return _ag._unary.log2(self)

    def log10(self) -> Tensor:
        """Base-10 logarithm."""
        return _ag._unary.log10(self)

    def rsqrt(self) -> Tensor:
        """``1 / sqrt(self)``."""
        return _ag._unary.rsqrt(self)

    def reciprocal(self) -> Tensor:
        """``1 / self``."""
        return _ag._unary.reciprocal(self)

    def square(self) -> Tensor:
        """``self ** 2``."""
        return _ag._unary.square(self)

    def tan(self) -> Tensor:
        """Tangent."""
        return _ag._trigonometric.tan(self)

    def asin(self) -> Tensor:
        """Inverse sine."""
        return _ag._trigonometric.asin(self)

    def acos(self) -> Tensor:
        """Inverse cosine."""
        return _ag._trigonometric.acos(self)

    def atan(self) -> Tensor:
        """Inverse tangent."""
        return _ag._trigonometric.atan(self)

    def sinh(self) -> Tensor:
        """Hyperbolic sine."""
        return _ag._trigonometric.sinh(self)

    def cosh(self) -> Tensor:
        """Hyperbolic cosine."""
        return _ag._trigonometric.cosh(self)

    def asinh(self) -> Tensor:
        """Inverse hyperbolic sine."""
        return _ag._trigonometric.asinh(self)

    def acosh(self) -> Tensor:
        """Inverse hyperbolic cosine."""
        return _ag._trigonometric.acosh(self)

    def atanh(self) -> Tensor:
        """Inverse hyperbolic tangent."""
        return _ag._trigonometric.atanh(self)

    def arcsin(self) -> Tensor:
        """Alias of :meth:`asin`."""
        return _ag._trigonometric.arcsin(self)

    def arccos(self) -> Tensor:
        """Alias of :meth:`acos`."""
        return _ag._trigonometric.arccos(self)

    def arctan(self) -> Tensor:
        """Alias of :meth:`atan`."""
        return _ag._trigonometric.arctan(self)

    def arcsinh(self) -> Tensor:
        """Alias of :meth:`asinh`."""
        return _ag._trigonometric.arcsinh(self)

    def arccosh(self) -> Tensor:
        """Alias of :meth:`acosh`."""
        return _ag._trigonometric.arccosh(self)

    def arctanh(self) -> Tensor:
        """Alias of :meth:`atanh`."""
        return _ag._trigonometric.arctanh(self)

    def erf(self) -> Tensor:
        """The error function."""
        return _ag._unary.erf(self)

    def erfinv(self) -> Tensor:
        """The inverse error function."""
        return _ag._unary.erfinv(self)

    def erfc(self) -> Tensor:
        """The complementary error function ``1 - erf(self)``."""
        return _ag._unary.erfc(self)

    def sinc(self) -> Tensor:
        """The normalised sinc ``sin(pi x) / (pi x)``."""
        return _ag._trigonometric.sinc(self)

    def angle(self) -> Tensor:
        """``pi`` where negative, ``0`` elsewhere, ``nan`` for ``nan`` (zero gradient)."""
        return _ag._unary.angle(self)

    def deg2rad(self) -> Tensor:
        """Degrees to radians."""
        return _ag._trigonometric.deg2rad(self)

    def rad2deg(self) -> Tensor:
        """Radians to degrees."""
        return _ag._trigonometric.rad2deg(self)

    def signbit(self) -> Tensor:
        """Whether each element's sign bit is set."""
        return _ag._rounding.signbit(self)

    def positive(self) -> Tensor:
        """``self`` (unary ``+``)."""
        return _ag._unary.positive(self)

    def lgamma(self) -> Tensor:
        """``log |Gamma(self)|``."""
        return _ag._unary.lgamma(self)

    def digamma(self) -> Tensor:
        """The logarithmic derivative of Gamma."""
        return _ag._unary.digamma(self)

    def sign(self) -> Tensor:
        """-1, 0 or 1 by sign (zero gradient)."""
        return _ag._rounding.sign(self)

    def sgn(self) -> Tensor:
        """Alias of :meth:`sign` for real tensors."""
        return _ag._rounding.sgn(self)

    def floor(self) -> Tensor:
        """Round toward -inf (zero gradient)."""
        return _ag._rounding.floor(self)

    def ceil(self) -> Tensor:
        """Round toward +inf (zero gradient)."""
        return _ag._rounding.ceil(self)

    def trunc(self) -> Tensor:
        """Round toward 0 (zero gradient)."""
        return _ag._rounding.trunc(self)

    def fix(self) -> Tensor:
        """Alias of :meth:`trunc`."""
        return _ag._rounding.fix(self)

    def frac(self) -> Tensor:
        """``self - trunc(self)``."""
        return _ag._rounding.frac(self)

    def isnan(self) -> Tensor:
        """Where the elements are nan."""
        return _ag._comparison.isnan(self)

    def isinf(self) -> Tensor:
        """Where the elements are infinite."""
        return _ag._comparison.isinf(self)

    def isfinite(self) -> Tensor:
        """Where the elements are finite."""
        return _ag._comparison.isfinite(self)

    def logical_not(self) -> Tensor:
        """Element-wise logical not."""
        return _ag._comparison.logical_not(self)

    def maximum(self, other: Any) -> Tensor:
        """Element-wise maximum (ties split the gradient)."""
        return _ag._binary.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        """Element-wise minimum (ties split the gradient)."""
        return _ag._binary.minimum(self, other)

    def atan2(self, other: Any) -> Tensor:
        """``atan2(self, other)``, the angle of ``(other, self)``."""
        return _ag._binary.atan2(self, other)

    def arctan2(self, other: Any) -> Tensor:
        """Alias of :meth:`atan2`."""
        return _ag._binary.arctan2(self, other)

    def hypot(self, other: Any) -> Tensor:
        """``sqrt(self**2 + other**2)``."""
        return _ag._binary.hypot(self, other)

    def fmod(self, other: Any) -> Tensor:
        """C's modulus (the sign of ``self``)."""
        return _ag._division.fmod(self, other)

    def remainder(self, other: Any) -> Tensor:
        """Python's modulus (the sign of ``other``)."""
        return _ag._division.remainder(self, other)

    def floor_divide(self, other: Any) -> Tensor:
        """``self // other``."""
        return _ag._division.floor_divide(self, other)

    def true_divide(self, other: Any) -> Tensor:
        """``self / other``."""
        return _ag._division.true_divide(self, other)

    def xlogy(self, other: Any) -> Tensor:
        """``self * log(other)``, 0 where ``self == 0``."""
        return _ag._binary.xlogy(self, other)

    def logical_and(self, other: Any) -> Tensor:
        """Element-wise logical and."""
        return _ag._comparison.logical_and(self, other)

    def logical_or(self, other: Any) -> Tensor:
        """Element-wise logical or."""
        return _ag._comparison.logical_or(self, other)

    def logical_xor(self, other: Any) -> Tensor:
        """Element-wise logical exclusive or."""
        return _ag._comparison.logical_xor(self, other)

    def round(self, *, decimals: int | None = None) -> Tensor:
        """Round half to even to ``decimals`` places (zero gradient; integer tensors refuse
        ``decimals``, as in PyTorch)."""
        return _ag._rounding.round(self, decimals=decimals)

    def logit(self, eps: float | None = None) -> Tensor:
        """``log(self / (1 - self))``, after clamping into ``[eps, 1 - eps]`` when given."""
        return _ag._unary.logit(self, eps)

    def polygamma(self, n: int) -> Tensor:
        """The ``n``-th derivative of digamma at ``self``."""
        return _ag._unary.polygamma(n, self)

    def clamp_min(self, min: Any) -> Tensor:
        """``clamp(self, min=min)``."""
        return _ag._clamp.clamp_min(self, min)

    def clamp_max(self, max: Any) -> Tensor:
        """``clamp(self, max=max)``."""
        return _ag._clamp.clamp_max(self, max)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:
        """Alias of :meth:`clamp`."""
        return _ag._clamp.clamp(self, min, max)

    def nan_to_num(
        self, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
    ) -> Tensor:
        """Replace nan and infinities by finite numbers."""
        return _ag._clamp.nan_to_num(self, nan, posinf, neginf)

    def lerp(self, end: Tensor, weight: Any) -> Tensor:
        """``self + weight * (end - self)``."""
        return _ag._binary.lerp(self, end, weight)

    def prod(
        self, dim: int | None = None, keepdim: bool = False, *, dtype: _dtype.dtype | None = None
    ) -> Tensor:
        """Product over ``dim`` (all elements when ``None``)."""
        return _ag._reduction.prod(self, dim, keepdim, dtype=dtype)

    def amax(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        """Maximum over ``dim`` (all when empty); ties share the gradient."""
        return _ag._reduction.amax(self, dim, keepdim)

    def amin(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        """Minimum over ``dim`` (all when empty); ties share the gradient."""
        return _ag._reduction.amin(self, dim, keepdim)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the maximum (of the flattened tensor when ``dim`` is None)."""
        return _ag._reduction.argmax(self, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the minimum (of the flattened tensor when ``dim`` is None)."""
        return _ag._reduction.argmin(self, dim, keepdim)

    def all(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Whether all elements (over ``dim``) are non-zero."""
        return _ag._reduction.all(self, dim, keepdim)

    def any(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Whether any element (over ``dim``) is non-zero."""
        return _ag._reduction.any(self, dim, keepdim)

    def cumsum(self, dim: int, *, dtype: _dtype.dtype | None = None) -> Tensor:
        """Cumulative sums along ``dim``."""
        return _ag._reduction.cumsum(self, dim, dtype=dtype)

    def cumprod(self, dim: int, *, dtype: _dtype.dtype | None = None) -> Tensor:
        """Cumulative products along ``dim``."""
        return _ag._reduction.cumprod(self, dim, dtype=dtype)

    def var(
        self,
        dim: Any = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: float | None = None,
    ) -> Tensor:
        """Variance over ``dim`` (unbiased unless ``correction``/``unbiased`` say otherwise)."""
        return _ag._statistics.var(self, dim, unbiased, keepdim, correction=correction)

    def std(
        self,
        dim: Any = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: float | None = None,
    ) -> Tensor:
        """Standard deviation over ``dim``."""
        return _ag._statistics.std(self, dim, unbiased, keepdim, correction=correction)

    def logsumexp(self, dim: Any, keepdim: bool = False) -> Tensor:
        """``log(sum(exp(self)))`` over ``dim``, without overflow."""
        return _ag._statistics.logsumexp(self, dim, keepdim)

    def norm(
        self,
        p: Any = "fro",
        dim: Any = None,
        keepdim: bool = False,
        dtype: _dtype.dtype | None = None,
    ) -> Tensor:
        """The ``p``-norm over ``dim`` (the 2-norm of all elements by default)."""
        return _ag._statistics.norm(self, p, dim, keepdim, dtype)

    # in place, PyTorch's most used ones
