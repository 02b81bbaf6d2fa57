"""Tensor methods under PyTorch's other names (``greater``, ``multiply``, ...), the in-place
forms of element-wise functions (``acos_``, ...) and the bitwise operations.

A mixin of :class:`arraygrad.Tensor`; each method delegates to a PyTorch-style function, the
in-place ones through ``_inplace.apply`` (PyTorch's rules for leaves, views and versions).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

# The package itself, not its modules: the functions these methods call are imported after the
# Tensor class (they build on it), so they are looked up at call time as ``_ag._math.exp``.
import arraygrad as _ag
from arraygrad import _dtype
from arraygrad._tensor_shape import ALL_DIMS

if TYPE_CHECKING:
    import arraygrad._binary
    import arraygrad._bitwise
    import arraygrad._comparison
    import arraygrad._contractions
    import arraygrad._inplace
    import arraygrad._linalg
    import arraygrad._math
    import arraygrad._matrix_exp
    import arraygrad._primitive
    import arraygrad._random
    import arraygrad._reduction
    import arraygrad._renorm
    import arraygrad._rounding
    import arraygrad._shape
    import arraygrad._special_functions
    import arraygrad._trigonometric
    import arraygrad._unary
    import arraygrad._view_history
    import arraygrad._views
    import arraygrad.nn.functional
    from arraygrad._tensor import Tensor


def _unrecorded(target: Tensor, op: Callable[..., Tensor], *args: Any) -> Tensor:
    """``op(target, *args)`` written into ``target`` outside the graph, as PyTorch writes its
    in-place logical ops (``logical_and_``, ...): ``target`` keeps its history (its gradient
    passes through unchanged), a leaf that requires grad may be written, and an ``other`` that
    requires grad is not read for gradients."""
    with _ag._grad_mode.no_grad():
        return _ag._inplace.apply(target, op, *args)


def _in_graph(op: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """``op`` (a comparison or logical op) with its result tied to its first input by a zero
    gradient: PyTorch's ``h.lt_(1)`` leaves ``h`` requiring grad, as any in-place op does."""

    def kept(old: Tensor, *args: Any) -> Tensor:
        result = _ag.ops.astype(op(old, *args), old.dtype)
        # ``result``'s values, with ``old`` and a tensor ``other`` that requires grad kept in
        # the graph with gradient 0 (as in PyTorch).
        return _ag._random.zero_grad_join(result, old, *args)

    return kept


def _restride(target: Tensor, op: Callable[..., Tensor], *args: Any) -> Tensor:
    """Make ``target`` the view ``op(target, *args)`` of its own memory (``t_``, ``squeeze_``).

    The op is recorded like any other, so the tensor's gradient flows back through it; no values
    are read, so the tensor is not copied first.
    """
    inplace = _ag._inplace
    if inplace._records(target, args):
        # A view of a tensor that requires grad may change its own shape (as in PyTorch): no
        # value is written, so the base's graph is untouched. Leaves are refused as usual, and
        # so are views of a leaf (PyTorch's rule, whatever the op).
        base = target._base
        if base is None or not base._rg:
            inplace._check_leaf(target)
        elif base._node is None:
            raise RuntimeError(
                "a view of a leaf Variable that requires grad is being used in an in-place "
                f"operation ({_ag._tensor.describe(target)}, a view of "
                f"{_ag._tensor.describe(base)}). Fix: apply the "
                "out-of-place op (unsqueeze, t, squeeze, ...) to the view, or work on a .clone()."
            )
        alias = type(target)._wrap(target._data, target._rg)
        alias._node = target._node
        if _ag._primitive.forward_ad_active:  # the tangent, for the op to take its view
            from arraygrad.autograd import forward_ad

            forward_ad._snapshot_of(target, alias)
        result = op(alias, *args)
        node = result._node
        if node is not None:
            # PyTorch numbers its in-place overloads after the out-of-place ones: t_() is
            # TBackward1 where t() is TBackward0, squeeze_() SqueezeBackward3-5 (after 0-2).
            stem, _, number = node.name().rpartition("Backward")
            node.label = f"{stem}Backward{int(number) + (3 if stem == 'Squeeze' else 1)}"
        target._node, target._rg = node, result._rg
        source = alias
    else:
        result = op(target, *args)
        source = target
    # The view steps that rebuild target (or its views) from the memory's owner change too.
    from arraygrad import _view_layouts  # (it builds on Tensor)

    _view_layouts.restrided(target, source, result)
    target._data = result._data  # shape ops on NumPy return views: the memory stays shared
    if _ag._primitive.forward_ad_active:  # its tangent takes the new shape likewise
        from arraygrad.autograd import forward_ad

        forward_ad._reshaped(target, result)
    if source is target and target._base is not None and target._base._rg:
        # Not recorded (no_grad) on a view of a tensor that requires grad: its history must
        # still describe its new shape, or its gradient would reach the base untransposed.
        _view_layouts.restate(target)
    _ag._primitive.bump_version(target)
    return target


class TensorAliasMethods:
    """Other names, in-place element-wise forms and bitwise operations."""

    __slots__ = ()

    # --- other names: comparisons and arithmetic ---------------------------------------------

    def greater(self, other: Any) -> Tensor:
        """Alias of :meth:`gt`."""
        return _ag._comparison.gt(self, other)

    def greater_equal(self, other: Any) -> Tensor:
        """Alias of :meth:`ge`."""
        return _ag._comparison.ge(self, other)

    def less(self, other: Any) -> Tensor:
        """Alias of :meth:`lt`."""
        return _ag._comparison.lt(self, other)

    def less_equal(self, other: Any) -> Tensor:
        """Alias of :meth:`le`."""
        return _ag._comparison.le(self, other)

    def not_equal(self, other: Any) -> Tensor:
        """Alias of :meth:`ne`."""
        return _ag._comparison.ne(self, other)

    def multiply(self, other: Any) -> Tensor:
        """Alias of :meth:`mul`."""
        return _ag._math.mul(self, other)

    def divide(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """Alias of :meth:`div`."""
        return _ag._division.div(self, other, rounding_mode=rounding_mode)

    def subtract(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """Alias of :meth:`sub`."""
        return _ag._math.sub(self, other, alpha=alpha)

    def negative(self) -> Tensor:
        """Alias of :meth:`neg`."""
        return _ag._math.neg(self)

    def where(self, condition: Any, y: Any) -> Tensor:
        """``self`` where ``condition`` holds, else ``y``: ``where(condition, self, y)``."""
        return _ag._math.where(condition, self, y)

    def hardshrink(self, lambd: float = 0.5) -> Tensor:
        """:func:`arraygrad.nn.functional.hardshrink` of ``self``."""
        return _ag.nn.functional.hardshrink(self, lambd)

    def prelu(self, weight: Tensor) -> Tensor:
        """:func:`arraygrad.nn.functional.prelu` of ``self``."""
        return _ag.nn.functional.prelu(self, weight)

    # --- in-place forms of the other names and of comparisons --------------------------------

    def multiply_(self, other: Any) -> Tensor:
        """In place: alias of :meth:`mul_`."""
        return _ag._inplace.update(self, _ag._math.mul, "multiply", other)

    def divide_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """In place: alias of :meth:`div_`."""
        if rounding_mode is None:
            return _ag._inplace.update(self, _ag._division.div, "divide", other)
        return _ag._inplace.apply(self, _ag._division.div, other, rounding_mode=rounding_mode)

    def true_divide_(self, other: Any) -> Tensor:
        """In place: ``self /= other`` (an integer tensor raises: the result is float)."""
        return _ag._inplace.update(self, _ag._division.div, "divide", other)

    def subtract_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """In place: alias of :meth:`sub_`."""
        if alpha == 1:
            return _ag._inplace.update(self, _ag._math.sub, "subtract", other)
        return _ag._inplace.apply(self, _ag._math.sub, other, alpha=alpha)

    def negative_(self) -> Tensor:
        """In place: alias of :meth:`neg_`."""
        return _ag._inplace.apply(self, _ag._math.neg)

    def eq_(self, other: Any) -> Tensor:
        """In place: 1 where ``self == other``, else 0, in ``self``'s dtype."""
        return _ag._inplace.apply(self, _in_graph(_ag._comparison.eq), other)

    def ne_(self, other: Any) -> Tensor:
        """In place: 1 where ``self != other``, else 0."""
        return _ag._inplace.apply(self, _in_graph(_ag._comparison.ne), other)

    def lt_(self, other: Any) -> Tensor:
        """In place: 1 where ``self < other``, else 0."""
        return _ag._inplace.apply(self, _in_graph(_ag._comparison.lt), other)

    def le_(self, other: Any) -> Tensor:
        """In place: 1 where ``self <= other``, else 0."""
        return _ag._inplace.apply(self, _in_graph(_ag._comparison.le), other)

    def gt_(self, other: Any) -> Tensor:
        """In place: 1 where ``self > other``, else 0."""
        return _ag._inplace.apply(self, _in_graph(_ag._comparison.gt), other)

    def ge_(self, other: Any) -> Tensor:
        """In place: 1 where ``self >= other``, else 0."""
        return _ag._inplace.apply(self, _in_graph(_ag._comparison.ge), other)

    greater_, greater_equal_, less_, less_equal_, not_equal_ = gt_, ge_, lt_, le_, ne_

    # --- in-place forms of element-wise functions --------------------------------------------

    def acos_(self) -> Tensor:
        """In place: :meth:`acos`."""
        return _ag._inplace.apply(self, _ag._trigonometric.acos)

    def acosh_(self) -> Tensor:
        """In place: :meth:`acosh`."""
        return _ag._inplace.apply(self, _ag._trigonometric.acosh)

    def asin_(self) -> Tensor:
        """In place: :meth:`asin`."""
        return _ag._inplace.apply(self, _ag._trigonometric.asin)

    def asinh_(self) -> Tensor:
        """In place: :meth:`asinh`."""
        return _ag._inplace.apply(self, _ag._trigonometric.asinh)

    def atan_(self) -> Tensor:
        """In place: :meth:`atan`."""
        return _ag._inplace.apply(self, _ag._trigonometric.atan)

    def atanh_(self) -> Tensor:
        """In place: :meth:`atanh`."""
        return _ag._inplace.apply(self, _ag._trigonometric.atanh)

    arccos_, arccosh_, arcsin_, arcsinh_ = acos_, acosh_, asin_, asinh_
    arctan_, arctanh_ = atan_, atanh_

    def arctan2_(self, other: Any) -> Tensor:
        """In place: alias of :meth:`atan2_`."""
        return _ag._inplace.apply_promoted(self, _ag._binary.atan2, other)

    def tan_(self) -> Tensor:
        """In place: :meth:`tan`."""
        return _ag._inplace.apply(self, _ag._trigonometric.tan)

    def sinh_(self) -> Tensor:
        """In place: :meth:`sinh`."""
        return _ag._inplace.apply(self, _ag._trigonometric.sinh)

    def cosh_(self) -> Tensor:
        """In place: :meth:`cosh`."""
        return _ag._inplace.apply(self, _ag._trigonometric.cosh)

    def lgamma_(self) -> Tensor:
        """In place: :meth:`lgamma`."""
        return _ag._inplace.apply(self, _ag._unary.lgamma)

    def digamma_(self) -> Tensor:
        """In place: :meth:`digamma`."""
        return _ag._inplace.apply(self, _ag._unary.digamma)

    def polygamma_(self, n: int) -> Tensor:
        """In place: ``polygamma(n, self)``."""
        return _ag._inplace.apply(self, lambda x: _ag._unary.polygamma(n, x))

    def log10_(self) -> Tensor:
        """In place: :meth:`log10`."""
        return _ag._inplace.apply(self, _ag._unary.log10)

    def log2_(self) -> Tensor:
        """In place: :meth:`log2`."""
        return _ag._inplace.apply(self, _ag._unary.log2)

    def logit_(self, eps: float | None = None) -> Tensor:
        """In place: :meth:`logit`."""
        return _ag._inplace.apply(self, _ag._unary.logit, eps)

    def sgn_(self) -> Tensor:
        """In place: :meth:`sgn`."""
        return _ag._inplace.apply(self, _ag._rounding.sgn)

    def fix_(self) -> Tensor:
        """In place: :meth:`fix` (round toward zero)."""
        return _ag._inplace.apply(self, _ag._rounding.trunc)

    def cumsum_(self, dim: int, *, dtype: _dtype.dtype | None = None) -> Tensor:
        """In place: :meth:`cumsum` along ``dim``."""
        _same_dtype("cumsum_", self, dtype)
        # in self's dtype, as PyTorch's (which has no kernel for bool)
        return _ag._inplace.apply(self, _ag._reduction.cumsum, dim, dtype=self.dtype)

    def cumprod_(self, dim: int, *, dtype: _dtype.dtype | None = None) -> Tensor:
        """In place: :meth:`cumprod` along ``dim``."""
        _same_dtype("cumprod_", self, dtype)
        # in self's dtype, as PyTorch's (which has no kernel for bool)
        return _ag._inplace.apply(self, _ag._reduction.cumprod, dim, dtype=self.dtype)

    def logical_and_(self, other: Any) -> Tensor:
        """In place: :meth:`logical_and`, as 0/1 in ``self``'s dtype."""
        return _unrecorded(self, _ag._comparison.logical_and, other)

    def logical_or_(self, other: Any) -> Tensor:
        """In place: :meth:`logical_or`."""
        return _unrecorded(self, _ag._comparison.logical_or, other)

    def logical_xor_(self, other: Any) -> Tensor:
        """In place: :meth:`logical_xor`."""
        return _unrecorded(self, _ag._comparison.logical_xor, other)

    def logical_not_(self) -> Tensor:
        """In place: :meth:`logical_not`."""
        return _unrecorded(self, _ag._comparison.logical_not)

    # --- in-place shape changes: the tensor becomes a view of its own memory ------------------

    def squeeze_(self, *dims: Any, dim: Any = ALL_DIMS) -> Tensor:
        """In place: :meth:`squeeze` (of one dim, a tuple of them, or several ints)."""
        return _restride(
            self, _ag._shape.squeeze, _ag._tensor_shape._squeeze_dims("squeeze_", dims, dim)
        )

    def unsqueeze_(self, dim: int) -> Tensor:
        """In place: :meth:`unsqueeze`."""
        return _restride(self, _ag._shape.unsqueeze, dim)

    def t_(self) -> Tensor:
        """In place: :meth:`t`."""
        return _restride(self, _ag._shape.t)

    def transpose_(self, dim0: int, dim1: int) -> Tensor:
        """In place: :meth:`transpose`."""
        return _restride(self, _ag._shape.transpose, dim0, dim1)

    def swapaxes_(self, axis0: int, axis1: int) -> Tensor:
        """In place: alias of :meth:`transpose_`."""
        return _restride(self, _ag._shape.transpose, axis0, axis1)

    def swapdims_(self, dim0: int, dim1: int) -> Tensor:
        """In place: alias of :meth:`transpose_`."""
        return _restride(self, _ag._shape.transpose, dim0, dim1)

    def as_strided_(self, size: Any, stride: Any, storage_offset: int | None = None) -> Tensor:
        """In place: :meth:`as_strided` (of this tensor's memory, not only its elements)."""
        return _restride(self, _ag._views.as_strided, size, stride, storage_offset)

    # --- bitwise operations (bool and integer tensors) ---------------------------------------

    def bitwise_and(self, other: Any) -> Tensor:
        """``self & other``."""
        return _ag._bitwise.bitwise_and(self, other)

    def bitwise_or(self, other: Any) -> Tensor:
        """``self | other``."""
        return _ag._bitwise.bitwise_or(self, other)

    def bitwise_xor(self, other: Any) -> Tensor:
        """``self ^ other``."""
        return _ag._bitwise.bitwise_xor(self, other)

    def bitwise_not(self) -> Tensor:
        """``~self``."""
        return _ag._bitwise.bitwise_not(self)

    def bitwise_left_shift(self, other: Any) -> Tensor:
        """``self << other``."""
        return _ag._bitwise.bitwise_left_shift(self, other)

    def bitwise_right_shift(self, other: Any) -> Tensor:
        """``self >> other``."""
        return _ag._bitwise.bitwise_right_shift(self, other)

    def bitwise_and_(self, other: Any) -> Tensor:
        """In place: ``self &= other``."""
        return _ag._inplace.apply_promoted(self, _ag._bitwise.bitwise_and, other)

    def bitwise_or_(self, other: Any) -> Tensor:
        """In place: ``self |= other``."""
        return _ag._inplace.apply_promoted(self, _ag._bitwise.bitwise_or, other)

    def bitwise_xor_(self, other: Any) -> Tensor:
        """In place: ``self ^= other``."""
        return _ag._inplace.apply_promoted(self, _ag._bitwise.bitwise_xor, other)

    def bitwise_not_(self) -> Tensor:
        """In place: ``self = ~self``."""
        return _ag._inplace.apply(self, _ag._bitwise.bitwise_not)

    def bitwise_left_shift_(self, other: Any) -> Tensor:
        """In place: ``self <<= other``."""
        return _ag._inplace.apply_promoted(self, _ag._bitwise.bitwise_left_shift, other)

    def bitwise_right_shift_(self, other: Any) -> Tensor:
        """In place: ``self >>= other``."""
        return _ag._inplace.apply_promoted(self, _ag._bitwise.bitwise_right_shift, other)

    # --- special functions, renorm and the matrix exponential --------------------------------

    def i0(self) -> Tensor:
        """:func:`arraygrad.i0` (modified Bessel function of order 0) of ``self``."""
        return _ag._special_functions.i0(self)

    def i0_(self) -> Tensor:
        """In place: :meth:`i0`."""
        return _ag._inplace.apply(self, _ag._special_functions.i0)

    def igamma(self, other: Tensor) -> Tensor:
        """:func:`arraygrad.igamma`: the regularised lower incomplete gamma function
        ``P(self, other)``."""
        return _ag._special_functions.igamma(self, other)

    def igamma_(self, other: Tensor) -> Tensor:
        """In place: :meth:`igamma`."""
        return _ag._inplace.apply_promoted(self, _ag._special_functions.igamma, other)

    def igammac(self, other: Tensor) -> Tensor:
        """:func:`arraygrad.igammac`: the regularised upper incomplete gamma function
        ``Q(self, other)``."""
        return _ag._special_functions.igammac(self, other)

    def igammac_(self, other: Tensor) -> Tensor:
        """In place: :meth:`igammac`."""
        return _ag._inplace.apply_promoted(self, _ag._special_functions.igammac, other)

    def mvlgamma(self, p: int) -> Tensor:
        """:func:`arraygrad.mvlgamma` (multivariate log-gamma of dimension ``p``) of ``self``."""
        return _ag._special_functions.mvlgamma(self, p)

    def mvlgamma_(self, p: int) -> Tensor:
        """In place: :meth:`mvlgamma`."""
        return _ag._inplace.apply(self, _ag._special_functions.mvlgamma, p)

    def renorm(self, p: float, dim: int, maxnorm: float) -> Tensor:
        """:func:`arraygrad.renorm`: slices along ``dim`` rescaled to a ``p``-norm of at most
        ``maxnorm``."""
        return _ag._renorm.renorm(self, p, dim, maxnorm)

    def renorm_(self, p: float, dim: int, maxnorm: float) -> Tensor:
        """In place: :meth:`renorm`."""
        return _ag._inplace.apply(self, _ag._renorm.renorm, p, dim, maxnorm)

    def ger(self, vec2: Tensor) -> Tensor:
        """:func:`arraygrad.ger`: the outer product (deprecated name of :meth:`outer`)."""
        return _ag._contractions.outer(self, vec2)

    def matrix_exp(self) -> Tensor:
        """:func:`arraygrad.matrix_exp` of each square matrix in the last two dimensions."""
        return _ag._matrix_exp.matrix_exp(self)


def _same_dtype(name: str, tensor: Tensor, dtype: _dtype.dtype | None) -> None:
    # An in-place scan writes into the tensor's own memory, so it cannot change its dtype.
    if dtype is not None and dtype is not tensor.dtype:
        raise RuntimeError(
            f"Bad in-place call: input tensor dtype {tensor.dtype.name} and output tensor dtype "
            f"{dtype.name} should match. Fix: drop dtype=, or use the out-of-place "
            f"{name[:-1]}(dim, dtype=...)."
        )
