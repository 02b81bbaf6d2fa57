"""Tensor's in-place operators (``+=``, ``-=``, ...) and in-place variants of its math methods
(``add_``, ``exp_``, ``clamp_min_``, ``pow_``, ``fill_``, ``copy_``, ...).

A mixin of :class:`arraygrad.Tensor`. Each computes the out-of-place function and writes the
result into the tensor's memory through ``_inplace.apply`` (or ``_inplace.update``, ``fill``,
``copy``), which applies PyTorch's rules for leaves, views and version counters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# The package itself, not its modules: the functions these methods call are imported after the
# Tensor class (they build on it), so they are looked up at call time as ``_ag._math.exp``.
import arraygrad as _ag

if TYPE_CHECKING:
    import arraygrad._binary
    import arraygrad._clamp
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


class TensorInPlaceMethods:
    """In-place operators and math methods of :class:`arraygrad.Tensor`."""

    __slots__ = ()

    def pow_(self, exponent: Any) -> Tensor:
        """In place: ``self **= exponent``."""
        return _ag._inplace.apply(self, _ag._power.pow, exponent)

    def clamp_min_(self, min: Any) -> Tensor:
        """In place: ``clamp(self, min=min)``."""
        if isinstance(min, _ag.Tensor):  # (a number takes no part in PyTorch's promotion)
            return _ag._inplace.apply_promoted(self, _ag._clamp.clamp_min, min)
        return _ag._inplace.apply(self, _ag._clamp.clamp_min, min)

    def clamp_max_(self, max: Any) -> Tensor:
        """In place: ``clamp(self, max=max)``."""
        if isinstance(max, _ag.Tensor):  # (a number takes no part in PyTorch's promotion)
            return _ag._inplace.apply_promoted(self, _ag._clamp.clamp_max, max)
        return _ag._inplace.apply(self, _ag._clamp.clamp_max, max)

    def clip_(self, min: Any = None, max: Any = None) -> Tensor:
        """In place: alias of :meth:`clamp_`."""
        return _ag._inplace.apply_promoted(self, _ag._clamp.clamp, min, max)

    def nan_to_num_(
        self, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
    ) -> Tensor:
        """In place: replace nan and infinities by finite numbers."""
        return _ag._inplace.apply(self, _ag._clamp.nan_to_num, nan, posinf, neginf)

    def lerp_(self, end: Tensor, weight: Any) -> Tensor:
        """In place: ``self += weight * (end - self)``."""
        if (
            isinstance(weight, _ag.Tensor)
            and not weight.ndim
            and weight.dtype is not self.dtype
            and isinstance(end, _ag.Tensor)
        ):
            # A 0-d weight promotes (see lerp); PyTorch refuses a result it cannot write back
            # (a uint8 weight of a bool tensor) before it looks for a kernel of that dtype.
            _ag._inplace.check_castable(_ag._dtype.result_type(self, end, weight), self.dtype)
        return _ag._inplace.apply(self, _ag._binary.lerp, end, weight)

    def round_(self, *, decimals: int | None = None) -> Tensor:
        """In place: round half to even."""
        return _ag._inplace.apply(self, _ag._rounding.round, decimals=decimals)

    def remainder_(self, other: Any) -> Tensor:
        """In place: ``self %= other``."""
        return _ag._inplace.apply_promoted(self, _ag._division.remainder, other)

    def floor_divide_(self, other: Any) -> Tensor:
        """In place: ``self //= other``."""
        return _ag._inplace.apply_promoted(self, _ag._division.floor_divide, other)

    def abs_(self) -> Tensor:
        """In place: :meth:`abs`."""
        if self.dtype.is_complex:  # |z| is real: it cannot be written into z's dtype
            raise RuntimeError("In-place abs is not supported for complex tensors.")
        return _ag._inplace.apply(self, _ag._math.abs)

    def neg_(self) -> Tensor:
        """In place: :meth:`neg`."""
        return _ag._inplace.apply(self, _ag._math.neg)

    def exp_(self) -> Tensor:
        """In place: :meth:`exp`."""
        return _ag._inplace.apply(self, _ag._math.exp)

    def log_(self) -> Tensor:
        """In place: :meth:`log`."""
        return _ag._inplace.apply(self, _ag._math.log)

    def sqrt_(self) -> Tensor:
        """In place: :meth:`sqrt`."""
        return _ag._inplace.apply(self, _ag._math.sqrt)

    def sigmoid_(self) -> Tensor:
        """In place: :meth:`sigmoid`."""
        return _ag._inplace.apply(self, _ag._math.sigmoid)

    def tanh_(self) -> Tensor:
        """In place: :meth:`tanh`."""
        return _ag._inplace.apply(self, _ag._math.tanh)

    def relu_(self) -> Tensor:
        """In place: :meth:`relu`."""
        return _ag._inplace.apply(self, _ag._math.relu)

    def exp2_(self) -> Tensor:
        """In place: :meth:`exp2`."""
        return _ag._inplace.apply(self, _ag._unary.exp2)

    def expm1_(self) -> Tensor:
        """In place: :meth:`expm1`."""
        return _ag._inplace.apply(self, _ag._unary.expm1)

    def log1p_(self) -> Tensor:
        """In place: :meth:`log1p`."""
        return _ag._inplace.apply(self, _ag._unary.log1p)

    def rsqrt_(self) -> Tensor:
        """In place: :meth:`rsqrt`."""
        return _ag._inplace.apply(self, _ag._unary.rsqrt)

    def reciprocal_(self) -> Tensor:
        """In place: :meth:`reciprocal`."""
        return _ag._inplace.apply(self, _ag._unary.reciprocal)

    def square_(self) -> Tensor:
        """In place: :meth:`square`."""
        return _ag._inplace.apply(self, _ag._unary.square)

    def sin_(self) -> Tensor:
        """In place: :meth:`sin`."""
        return _ag._inplace.apply(self, _ag._math.sin)

    def cos_(self) -> Tensor:
        """In place: :meth:`cos`."""
        return _ag._inplace.apply(self, _ag._math.cos)

    def floor_(self) -> Tensor:
        """In place: :meth:`floor`."""
        return _ag._inplace.apply(self, _ag._rounding.floor)

    def ceil_(self) -> Tensor:
        """In place: :meth:`ceil`."""
        return _ag._inplace.apply(self, _ag._rounding.ceil)

    def trunc_(self) -> Tensor:
        """In place: :meth:`trunc`."""
        return _ag._inplace.apply(self, _ag._rounding.trunc)

    def sign_(self) -> Tensor:
        """In place: :meth:`sign`."""
        return _ag._inplace.apply(self, _ag._rounding.sign)

    def frac_(self) -> Tensor:
        """In place: :meth:`frac`."""
        return _ag._inplace.apply(self, _ag._rounding.frac)

    def erf_(self) -> Tensor:
        """In place: :meth:`erf`."""
        return _ag._inplace.apply(self, _ag._unary.erf)

    def erfinv_(self) -> Tensor:
        """In place: :meth:`erfinv`."""
        return _ag._inplace.apply(self, _ag._unary.erfinv)

    def erfc_(self) -> Tensor:
        """In place: :meth:`erfc`."""
        return _ag._inplace.apply(self, _ag._unary.erfc)

    def sinc_(self) -> Tensor:
        """In place: :meth:`sinc`."""
        return _ag._inplace.apply(self, _ag._trigonometric.sinc)

    def deg2rad_(self) -> Tensor:
        """In place: :meth:`deg2rad`."""
        return _ag._inplace.apply(self, _ag._trigonometric.deg2rad)

    def rad2deg_(self) -> Tensor:
        """In place: :meth:`rad2deg`."""
        return _ag._inplace.apply(self, _ag._trigonometric.rad2deg)

    def fmod_(self, other: Any) -> Tensor:
        """In place: :meth:`fmod`."""
        return _ag._inplace.apply_promoted(self, _ag._division.fmod, other)

    def atan2_(self, other: Any) -> Tensor:
        """In place: :meth:`atan2`."""
        return _ag._inplace.apply_promoted(self, _ag._binary.atan2, other)

    def hypot_(self, other: Any) -> Tensor:
        """In place: :meth:`hypot`."""
        return _ag._inplace.apply_promoted(self, _ag._binary.hypot, other)

    def xlogy_(self, other: Any) -> Tensor:
        """In place: :meth:`xlogy`."""
        return _ag._inplace.apply_promoted(self, _ag._binary.xlogy, other)

    def add_(self, other: Any, *legacy: Any, alpha: Any = 1) -> Tensor:
        """In place: ``self += alpha * other`` (also PyTorch's deprecated ``(alpha, other)``,
        with its warning)."""
        if legacy:
            other, alpha = _ag._deprecated_overloads.scale_first(
                "add_", other, legacy, alpha, method=True
            )
        if alpha.__class__ is int and alpha == 1:  # alpha=True or 1.0 is checked by add
            return _ag._inplace.update(self, _ag._math.add, "add", other)
        return _ag._inplace.apply(self, _ag._math.add, other, alpha=alpha)

    def sub_(self, other: Any, *legacy: Any, alpha: Any = 1) -> Tensor:
        """In place: ``self -= alpha * other`` (also PyTorch's deprecated ``(alpha, other)``,
        with its warning)."""
        if legacy:
            other, alpha = _ag._deprecated_overloads.scale_first(
                "sub_", other, legacy, alpha, method=True
            )
        if alpha.__class__ is int and alpha == 1:  # alpha=True or 1.0 is checked by sub
            return _ag._inplace.update(self, _ag._math.sub, "subtract", other)
        return _ag._inplace.apply(self, _ag._math.sub, other, alpha=alpha)

    def mul_(self, other: Any) -> Tensor:
        """In place: ``self *= other``."""
        return _ag._inplace.update(self, _ag._math.mul, "multiply", other)

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """In place: ``self /= other``."""
        if rounding_mode is None:
            return _ag._inplace.update(self, _ag._division.div, "divide", other)
        return _ag._inplace.apply(self, _ag._division.div, other, rounding_mode=rounding_mode)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:
        """In place: clamp every element into ``[min, max]``."""
        return _ag._inplace.apply_promoted(self, _ag._clamp.clamp, min, max)

    def zero_(self) -> Tensor:
        """In place: set every element to 0."""
        return _ag._inplace.fill(self, 0, "ZeroBackward0")

    def fill_(self, value: Any) -> Tensor:
        """In place: set every element to ``value``."""
        return _ag._inplace.fill(self, value)

    def copy_(self, src: Any, non_blocking: bool = False) -> Tensor:
        """In place: copy ``src`` (broadcast to this shape) into this tensor (``non_blocking``,
        PyTorch's asynchronous host-device copy, changes nothing on one device)."""
        return _ag._inplace.copy(self, src)
