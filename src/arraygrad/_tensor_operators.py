"""Python's operators on tensors (``+``, ``<``, ``&``, ``+=``, ...), a mixin of
:class:`arraygrad.Tensor`.

PyTorch's binary operators return ``NotImplemented`` for an operand they cannot read (a dtype,
``None``, a string, any other object), so Python raises its own TypeError ("unsupported operand
type(s) for +: 'Tensor' and 'dtype'"; PyTorch's C type is named 'torch.dtype' there), ``==``
and ``!=`` fall back to identity, and the other operand's reflected operator gets its turn.
Each operator here tries the function and only on its failure asks whether the operand was
unreadable: the ``try`` costs nothing where it succeeds, so ``x + y`` is as fast as the bare
call.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arraygrad import _bitwise, _comparison, _linalg, _math, _power, ops
    from arraygrad._tensor import Tensor

# Set by bind_functions; untyped as in the other mixins (their functions take a Tensor, and a
# mixin's self is not one to mypy).
_division: Any = None
_inplace: Any = None


def bind_functions() -> None:
    """Import the functions the operators call, as this module's globals: they build on Tensor,
    so ``_tensor`` calls this once the class exists (a global is one look-up per call, where
    ``_ag._math.binary`` would be three)."""
    from arraygrad import _bitwise, _comparison, _division, _inplace, _linalg, _math, _power, ops

    globals().update(
        _bitwise=_bitwise,
        _comparison=_comparison,
        _division=_division,
        _inplace=_inplace,
        _linalg=_linalg,
        _math=_math,
        _power=_power,
        ops=ops,
    )


def unreadable_operand(value: Any) -> bool:
    """Whether ``value`` is no operand at all for PyTorch's operators: not a tensor, a number,
    an array or a sequence (a list or tuple has its own refusal, which names the fix).

    >>> import arraygrad
    >>> unreadable_operand(arraygrad.float64), unreadable_operand(None), unreadable_operand(2.0)
    (True, True, False)
    """
    from arraygrad._tensor import Tensor

    if isinstance(value, (Tensor, numbers.Number, list, tuple)):
        return False
    kind = type(value)
    return not any(
        hasattr(kind, name) for name in ("__array__", "__index__", "__float__", "__complex__")
    )


def _unread(other: Any) -> Any:
    # Called from an operator's ``except``: NotImplemented for an operand PyTorch's operator
    # cannot read, else the error being handled, raised again unchanged.
    if unreadable_operand(other):
        return NotImplemented
    raise  # (bare: the exception the caller is handling, unchanged)


class TensorOperatorMethods:
    """Python's binary, comparison and in-place operators of :class:`arraygrad.Tensor`."""

    __slots__ = ()

    # --- arithmetic: +, - and * go to the primitives through _math.binary itself (add() and
    # sub() only add their alpha argument, and skipping that call is 5-8% of a small operator)
    def __add__(self, other: Any) -> Tensor:
        try:
            return _math.binary(ops.add, self, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __radd__(self, other: Any) -> Tensor:
        try:
            return _math.binary(ops.add, other, self)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __sub__(self, other: Any) -> Tensor:
        try:
            return _math.binary(ops.subtract, self, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __rsub__(self, other: Any) -> Tensor:
        try:
            return _math.binary(ops.subtract, other, self)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __mul__(self, other: Any) -> Tensor:
        try:
            return _math.binary(ops.multiply, self, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __rmul__(self, other: Any) -> Tensor:
        # The tensor first, as PyTorch's node for ``2 * x`` lists it, and as the operand whose
        # number PyTorch carries as it does ``x * 2``'s: ``binary`` rounds a number before a
        # float16 tensor to float16 (``torch.mul(2**31, x)``), not one after it.
        try:
            return _math.binary(ops.multiply, self, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __truediv__(self, other: Any) -> Tensor:
        try:
            return _division.div(self, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __rtruediv__(self, other: Any) -> Tensor:
        try:
            return _division.reflected_div(other, self)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __pow__(self, other: Any) -> Tensor:
        try:
            return _power.pow(self, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __rpow__(self, other: Any) -> Tensor:
        try:
            return _power.pow(other, self)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __floordiv__(self, other: Any) -> Tensor:
        try:
            return _division.floor_divide(self, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        try:
            return _division.floor_divide(other, self)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __mod__(self, other: Any) -> Tensor:
        try:
            return _division.remainder(self, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __rmod__(self, other: Any) -> Tensor:
        try:
            return _division.remainder(other, self)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __matmul__(self, other: Any) -> Tensor:
        try:
            return _linalg.matmul(self, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __rmatmul__(self, other: Any) -> Tensor:
        try:
            return _linalg.matmul(other, self)
        except (TypeError, RuntimeError):
            return _unread(other)

    # --- comparisons: == and != with a list or tuple are Python's identity comparison ------
    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        if other.__class__ is list or other.__class__ is tuple:
            return NotImplemented  # PyTorch's: Python then compares identities
        try:
            return _comparison.eq(self, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        if other.__class__ is list or other.__class__ is tuple:
            return NotImplemented  # PyTorch's: Python then compares identities
        try:
            return _comparison.ne(self, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __lt__(self, other: Any) -> Tensor:
        try:
            return _comparison.lt(self, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __le__(self, other: Any) -> Tensor:
        try:
            return _comparison.le(self, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __gt__(self, other: Any) -> Tensor:
        try:
            return _comparison.gt(self, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __ge__(self, other: Any) -> Tensor:
        try:
            return _comparison.ge(self, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    # --- bitwise and shifts --------------------------------------------------------------
    def __and__(self, other: Any) -> Tensor:
        try:
            return _bitwise.bitwise_and(self, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __rand__(self, other: Any) -> Tensor:
        try:
            return _bitwise.bitwise_and(other, self)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __or__(self, other: Any) -> Tensor:
        try:
            return _bitwise.bitwise_or(self, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __ror__(self, other: Any) -> Tensor:
        try:
            return _bitwise.bitwise_or(other, self)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __xor__(self, other: Any) -> Tensor:
        try:
            return _bitwise.bitwise_xor(self, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __rxor__(self, other: Any) -> Tensor:
        try:
            return _bitwise.bitwise_xor(other, self)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __lshift__(self, other: Any) -> Tensor:
        try:
            return _bitwise.bitwise_left_shift(self, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __rlshift__(self, other: Any) -> Tensor:
        try:
            return _bitwise.bitwise_left_shift(other, self)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __rshift__(self, other: Any) -> Tensor:
        try:
            return _bitwise.bitwise_right_shift(self, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __rrshift__(self, other: Any) -> Tensor:
        try:
            return _bitwise.bitwise_right_shift(other, self)
        except (TypeError, RuntimeError):
            return _unread(other)

    # --- in place: PyTorch's rules, see _inplace.py ---------------------------------------
    def __iadd__(self, other: Any) -> Tensor:
        try:
            return _inplace.update(self, _math.add, "add", other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __isub__(self, other: Any) -> Tensor:
        try:
            return _inplace.update(self, _math.sub, "subtract", other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __imul__(self, other: Any) -> Tensor:
        try:
            return _inplace.update(self, _math.mul, "multiply", other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __itruediv__(self, other: Any) -> Tensor:
        try:
            return _inplace.update(self, _division.div, "divide", other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __ifloordiv__(self, other: Any) -> Tensor:
        try:
            return _inplace.apply_promoted(self, _division.floor_divide, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __imod__(self, other: Any) -> Tensor:
        try:
            return _inplace.apply_promoted(self, _division.remainder, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __ipow__(self, other: Any) -> Tensor:
        try:
            return _inplace.apply(self, _power.pow, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __iand__(self, other: Any) -> Tensor:
        try:
            return _inplace.apply_promoted(self, _bitwise.bitwise_and, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __ior__(self, other: Any) -> Tensor:
        try:
            return _inplace.apply_promoted(self, _bitwise.bitwise_or, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __ixor__(self, other: Any) -> Tensor:
        try:
            return _inplace.apply_promoted(self, _bitwise.bitwise_xor, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __ilshift__(self, other: Any) -> Tensor:
        try:
            return _inplace.apply_promoted(self, _bitwise.bitwise_left_shift, other)
        except (TypeError, RuntimeError):
            return _unread(other)

    def __irshift__(self, other: Any) -> Tensor:
        try:
            return _inplace.apply_promoted(self, _bitwise.bitwise_right_shift, other)
        except (TypeError, RuntimeError):
            return _unread(other)
