"""Tensor methods for softmax, the fused add-products, comparisons and the two-operand
element-wise functions (``addcmul_``, ``addmm``, ``isclose``, ``logaddexp``, ``copysign``, ...).

A mixin of :class:`arraygrad.Tensor`; each method delegates to the function of the same name in
``_softmax``, ``_fused``, ``_comparison``, ``_binary`` or ``_unary``, and each in-place one
writes that function's result through ``_inplace.apply``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# The package itself, not its modules: the functions these methods call are imported after the
# Tensor class (they build on it), so they are looked up at call time as ``_ag._fused.addmm``.
import arraygrad as _ag
from arraygrad import _dtype

if TYPE_CHECKING:
    import arraygrad._binary
    import arraygrad._comparison
    import arraygrad._fused
    import arraygrad._inplace
    import arraygrad._memory_overlap
    import arraygrad._rounding
    import arraygrad._softmax
    import arraygrad._unary
    from arraygrad._tensor import Tensor


class TensorElementwiseMethods:
    """Softmax, fused, comparison and two-operand element-wise methods of
    :class:`arraygrad.Tensor`."""

    __slots__ = ()

    def softmax(self, dim: int, dtype: _dtype.dtype | None = None) -> Tensor:
        """Softmax along ``dim`` (computed in ``dtype`` when given)."""
        return _ag._softmax.softmax(self, dim, dtype)

    def log_softmax(self, dim: int, dtype: _dtype.dtype | None = None) -> Tensor:
        """Log-softmax along ``dim``, finite for logits of any magnitude."""
        return _ag._softmax.log_softmax(self, dim, dtype)

    def addcmul(self, tensor1: Tensor, tensor2: Tensor, *legacy: Tensor, value: Any = 1) -> Tensor:
        """``self + value * tensor1 * tensor2`` (also PyTorch's deprecated ``(value, tensor1,
        tensor2)``, with its warning)."""
        if legacy:
            tensor1, tensor2, value = _ag._deprecated_overloads.value_first(
                "addcmul", tensor1, tensor2, legacy, value, method=True
            )
        return _ag._fused.addcmul(self, tensor1, tensor2, value=value)

    def addcmul_(self, tensor1: Tensor, tensor2: Tensor, *legacy: Tensor, value: Any = 1) -> Tensor:
        """In place: :meth:`addcmul`."""
        if legacy:
            tensor1, tensor2, value = _ag._deprecated_overloads.value_first(
                "addcmul_", tensor1, tensor2, legacy, value, method=True
            )
        return _ag._inplace.apply(self, _ag._fused.addcmul, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1: Tensor, tensor2: Tensor, *legacy: Tensor, value: Any = 1) -> Tensor:
        """``self + value * tensor1 / tensor2`` (also PyTorch's deprecated ``(value, tensor1,
        tensor2)``, with its warning)."""
        if legacy:
            tensor1, tensor2, value = _ag._deprecated_overloads.value_first(
                "addcdiv", tensor1, tensor2, legacy, value, method=True
            )
        return _ag._fused.addcdiv(self, tensor1, tensor2, value=value)

    def addcdiv_(self, tensor1: Tensor, tensor2: Tensor, *legacy: Tensor, value: Any = 1) -> Tensor:
        """In place: :meth:`addcdiv`."""
        if legacy:
            tensor1, tensor2, value = _ag._deprecated_overloads.value_first(
                "addcdiv_", tensor1, tensor2, legacy, value, method=True
            )
        return _ag._inplace.apply(self, _ag._fused.addcdiv, tensor1, tensor2, value=value)

    def addmm(
        self, mat1: Tensor, mat2: Tensor, *legacy: Tensor, beta: Any = 1, alpha: Any = 1
    ) -> Tensor:
        """``beta * self + alpha * (mat1 @ mat2)``."""
        if legacy:
            _, mat1, mat2, beta, alpha = _ag._deprecated_overloads.beta_first(
                "addmm", (mat1, mat2, *legacy), beta, alpha, method=True
            )
        return _ag._fused.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def addmm_(
        self, mat1: Tensor, mat2: Tensor, *legacy: Tensor, beta: Any = 1, alpha: Any = 1
    ) -> Tensor:
        """In place: :meth:`addmm`."""
        if legacy:
            _, mat1, mat2, beta, alpha = _ag._deprecated_overloads.beta_first(
                "addmm_", (mat1, mat2, *legacy), beta, alpha, method=True
            )
        return _ag._inplace.apply_as(
            _ag._memory_overlap.UNCHECKED,
            self,
            _ag._fused.addmm,
            mat1,
            mat2,
            beta=beta,
            alpha=alpha,
        )

    def addmv(
        self, mat: Tensor, vec: Tensor, *legacy: Tensor, beta: Any = 1, alpha: Any = 1
    ) -> Tensor:
        """``beta * self + alpha * (mat @ vec)``."""
        if legacy:
            _, mat, vec, beta, alpha = _ag._deprecated_overloads.beta_first(
                "addmv", (mat, vec, *legacy), beta, alpha, method=True
            )
        return _ag._fused.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addmv_(
        self, mat: Tensor, vec: Tensor, *legacy: Tensor, beta: Any = 1, alpha: Any = 1
    ) -> Tensor:
        """In place: :meth:`addmv`."""
        if legacy:
            _, mat, vec, beta, alpha = _ag._deprecated_overloads.beta_first(
                "addmv_", (mat, vec, *legacy), beta, alpha, method=True
            )
        return _ag._inplace.apply_as(
            _ag._memory_overlap.UNCHECKED, self, _ag._fused.addmv, mat, vec, beta=beta, alpha=alpha
        )

    def addr(
        self, vec1: Tensor, vec2: Tensor, *legacy: Tensor, beta: Any = 1, alpha: Any = 1
    ) -> Tensor:
        """``beta * self + alpha * outer(vec1, vec2)``."""
        if legacy:
            _, vec1, vec2, beta, alpha = _ag._deprecated_overloads.beta_first(
                "addr", (vec1, vec2, *legacy), beta, alpha, method=True
            )
        return _ag._fused.addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def addr_(
        self, vec1: Tensor, vec2: Tensor, *legacy: Tensor, beta: Any = 1, alpha: Any = 1
    ) -> Tensor:
        """In place: :meth:`addr`."""
        if legacy:
            _, vec1, vec2, beta, alpha = _ag._deprecated_overloads.beta_first(
                "addr_", (vec1, vec2, *legacy), beta, alpha, method=True
            )
        return _ag._inplace.apply(self, _ag._fused.addr, vec1, vec2, beta=beta, alpha=alpha)

    def baddbmm(
        self, batch1: Tensor, batch2: Tensor, *legacy: Tensor, beta: Any = 1, alpha: Any = 1
    ) -> Tensor:
        """``beta * self + alpha * (batch1 @ batch2)``, batched."""
        if legacy:
            _, batch1, batch2, beta, alpha = _ag._deprecated_overloads.beta_first(
                "baddbmm", (batch1, batch2, *legacy), beta, alpha, method=True
            )
        return _ag._fused.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def baddbmm_(
        self, batch1: Tensor, batch2: Tensor, *legacy: Tensor, beta: Any = 1, alpha: Any = 1
    ) -> Tensor:
        """In place: :meth:`baddbmm`."""
        if legacy:
            _, batch1, batch2, beta, alpha = _ag._deprecated_overloads.beta_first(
                "baddbmm_", (batch1, batch2, *legacy), beta, alpha, method=True
            )
        return _ag._inplace.apply_as(
            _ag._memory_overlap.UNCHECKED,
            self,
            _ag._fused.baddbmm,
            batch1,
            batch2,
            beta=beta,
            alpha=alpha,
        )

    def addbmm(
        self, batch1: Tensor, batch2: Tensor, *legacy: Tensor, beta: Any = 1, alpha: Any = 1
    ) -> Tensor:
        """``beta * self + alpha * sum_i(batch1[i] @ batch2[i])``."""
        if legacy:
            _, batch1, batch2, beta, alpha = _ag._deprecated_overloads.beta_first(
                "addbmm", (batch1, batch2, *legacy), beta, alpha, method=True
            )
        return _ag._fused.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addbmm_(
        self, batch1: Tensor, batch2: Tensor, *legacy: Tensor, beta: Any = 1, alpha: Any = 1
    ) -> Tensor:
        """In place: :meth:`addbmm`."""
        if legacy:
            _, batch1, batch2, beta, alpha = _ag._deprecated_overloads.beta_first(
                "addbmm_", (batch1, batch2, *legacy), beta, alpha, method=True
            )
        return _ag._inplace.apply_as(
            _ag._memory_overlap.UNCHECKED,
            self,
            _ag._fused.addbmm,
            batch1,
            batch2,
            beta=beta,
            alpha=alpha,
        )

    def absolute(self) -> Tensor:
        """Alias of :meth:`abs`."""
        return _ag._unary.absolute(self)

    def absolute_(self) -> Tensor:
        """In place: :meth:`absolute`."""
        return self.abs_()  # type: ignore[attr-defined,no-any-return]

    def isclose(
        self, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
    ) -> Tensor:
        """Where ``self`` and ``other`` are equal within ``atol + rtol * |other|``."""
        return _ag._comparison.isclose(self, other, rtol, atol, equal_nan)

    def allclose(
        self, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
    ) -> bool:
        """Whether :meth:`isclose` holds everywhere."""
        return _ag._comparison.allclose(self, other, rtol, atol, equal_nan)

    def equal(self, other: Tensor) -> bool:
        """Whether ``other`` has the same shape and values."""
        return _ag._comparison.equal(self, other)

    def isneginf(self) -> Tensor:
        """Where the elements are ``-inf``."""
        return _ag._comparison.isneginf(self)

    def isposinf(self) -> Tensor:
        """Where the elements are ``+inf``."""
        return _ag._comparison.isposinf(self)

    def isreal(self) -> Tensor:
        """Where the elements have no imaginary part."""
        return _ag._comparison.isreal(self)

    def logaddexp(self, other: Any) -> Tensor:
        """``log(exp(self) + exp(other))`` without overflow."""
        return _ag._binary.logaddexp(self, other)

    def logaddexp2(self, other: Any) -> Tensor:
        """``log2(2**self + 2**other)`` without overflow."""
        return _ag._binary.logaddexp2(self, other)

    def fmax(self, other: Any) -> Tensor:
        """Element-wise maximum ignoring nan."""
        return _ag._binary.fmax(self, other)

    def fmin(self, other: Any) -> Tensor:
        """Element-wise minimum ignoring nan."""
        return _ag._binary.fmin(self, other)

    def copysign(self, other: Any) -> Tensor:
        """``|self|`` with the sign of ``other``."""
        return _ag._binary.copysign(self, other)

    def copysign_(self, other: Any) -> Tensor:
        """In place: :meth:`copysign`."""
        return _ag._inplace.apply_promoted(self, _ag._binary.copysign, other)

    def ldexp(self, other: Any) -> Tensor:
        """``self * 2 ** other``."""
        return _ag._binary.ldexp(self, other)

    def ldexp_(self, other: Any) -> Tensor:
        """In place: :meth:`ldexp`."""
        # PyTorch's is mul_(2 ** other), whose input is a new tensor: never refused.
        return _ag._inplace.apply_as(_ag._memory_overlap.UNCHECKED, self, _ag._binary.ldexp, other)

    def gcd(self, other: Any) -> Tensor:
        """Greatest common divisor (integer tensors)."""
        return _ag._binary.gcd(self, other)

    def gcd_(self, other: Any) -> Tensor:
        """In place: :meth:`gcd`."""
        return _ag._inplace.apply_promoted(self, _ag._binary.gcd, other)

    def lcm(self, other: Any) -> Tensor:
        """Least common multiple (integer tensors)."""
        return _ag._binary.lcm(self, other)

    def lcm_(self, other: Any) -> Tensor:
        """In place: :meth:`lcm`."""
        return _ag._inplace.apply_promoted(self, _ag._binary.lcm, other)

    def nextafter(self, other: Any) -> Tensor:
        """The next float after ``self`` toward ``other``."""
        return _ag._binary.nextafter(self, other)

    def nextafter_(self, other: Any) -> Tensor:
        """In place: :meth:`nextafter`."""
        return _ag._inplace.apply_promoted(self, _ag._binary.nextafter, other)

    def heaviside(self, values: Tensor) -> Tensor:
        """The step function of ``self``, ``values`` at 0."""
        return _ag._binary.heaviside(self, values)

    def heaviside_(self, values: Tensor) -> Tensor:
        """In place: :meth:`heaviside`."""
        return _ag._inplace.apply(self, _ag._binary.heaviside, values)

    def float_power(self, exponent: Any) -> Tensor:
        """``self ** exponent`` in float64."""
        return _ag._binary.float_power(self, exponent)

    def float_power_(self, exponent: Any) -> Tensor:
        """In place: :meth:`float_power` (``self`` must be float64)."""
        _ag._binary.check_float_power_inplace(self, exponent)
        return _ag._inplace.apply(self, _ag._binary.float_power, exponent)

    def frexp(self) -> Any:
        """``(mantissa, exponent)`` with ``self = mantissa * 2**exponent``."""
        return _ag._rounding.frexp(self)
