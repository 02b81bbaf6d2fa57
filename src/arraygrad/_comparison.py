"""PyTorch's comparisons and logical functions.

The elementwise comparisons ``eq``, ``ne``, ``lt``, ``le``, ``gt``, ``ge`` (and their aliases,
behind ``==``, ``<``, ...: promoted as arithmetic is, ``nan`` compares unequal to everything),
the logical functions ``logical_and``/``or``/``xor``/``not`` (any dtype, read as its truth
value), ``isclose``/``allclose`` (``|input - other| <= atol + rtol * |other|``, with PyTorch's dtype
rules: both tensors of one dtype, bool compared as the default float), ``equal`` (same shape
and values, a Python bool), ``isin`` (membership in a set of values, after promotion) and the
predicates ``isnan``, ``isinf``, ``isfinite``, ``isneginf``, ``isposinf`` and ``isreal``. None
of them is differentiable: their results are bool.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _backend, _dtype, ops
from arraygrad._arguments import require_tensor
from arraygrad._math import (
    _FLOAT,
    _operands,
    abs,
    add,
    as_tensor,
    astype,
    binary,
    mul,
    sub,
)
from arraygrad._out import written, written_bool, written_exactly
from arraygrad._tensor import Tensor, describe

__all__ = [
    "allclose",
    "eq",
    "equal",
    "ge",
    "greater",
    "greater_equal",
    "gt",
    "isclose",
    "isfinite",
    "isin",
    "isinf",
    "isnan",
    "isneginf",
    "isposinf",
    "isreal",
    "le",
    "less",
    "less_equal",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "lt",
    "ne",
    "not_equal",
]


def isnan(input: Tensor) -> Tensor:
    """Where the elements are ``nan`` (``x != x``), a bool tensor (never for integer tensors).

    A complex element is ``nan`` when either of its parts is.

    >>> import arraygrad
    >>> arraygrad.isnan(arraygrad.tensor([1.0, float("nan")]))
    tensor([False,  True])
    """
    if input.dtype.category < _FLOAT:  # (NumPy's complex isnan, isinf, isfinite: PyTorch's)
        return ops.not_equal(input, input)  # all False: an integer always equals itself
    return ops.isnan(input)


def isinf(input: Tensor) -> Tensor:
    """Where the elements are ``inf`` or ``-inf``, a bool tensor (never for integer tensors).

    A complex element is infinite when either of its parts is.

    >>> import arraygrad
    >>> arraygrad.isinf(arraygrad.tensor([1.0, float("inf"), -float("inf")]))
    tensor([False,  True,  True])
    """
    if input.dtype.category < _FLOAT:
        return ops.not_equal(input, input)
    return ops.isinf(input)


def isfinite(input: Tensor) -> Tensor:
    """Where the elements are neither infinite nor ``nan``, a bool tensor (all True for integers).

    A complex element is finite when both of its parts are.

    >>> import arraygrad
    >>> arraygrad.isfinite(arraygrad.tensor([1.0, float("inf"), float("nan")]))
    tensor([ True, False, False])
    """
    if input.dtype.category < _FLOAT:
        return ops.equal(input, input)
    return ops.isfinite(input)


def isclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    """Where ``input == other`` or ``|input - other| <= atol + rtol * |other|`` (finitely).

    Infinities are close only to themselves; ``nan`` is close to ``nan`` with ``equal_nan``.
    Both tensors must have the same dtype, as in PyTorch.

    >>> import arraygrad
    >>> arraygrad.isclose(arraygrad.tensor([1.0, 1.1, float("nan")]),
    ...                   arraygrad.tensor([1.000001, 1.0, float("nan")]), equal_nan=True)
    tensor([ True, False,  True])
    """
    require_tensor("isclose", "other", 2, other)
    require_tensor("isclose", "input", 1, input)
    if input.dtype is not other.dtype:
        raise RuntimeError(
            f"{_dtype.torch_type_name(input.dtype)} did not match "
            f"{_dtype.torch_type_name(other.dtype)}: isclose compares tensors of one dtype, got "
            f"{describe(input)} and {describe(other)}. Fix: convert one of them, e.g. "
            "other.to(input.dtype)."
        )
    for name, tolerance in (("rtol", rtol), ("atol", atol)):
        if tolerance < 0:
            raise RuntimeError(
                f"{name} must be greater than or equal to zero, but got {tolerance}. Fix: pass a "
                f"non-negative {name}."
            )
    x, y = input.detach(), other.detach()
    close = eq(x, y)  # also where both are the same infinity
    if equal_nan:
        close = logical_or(close, logical_and(isnan(x), isnan(y)))
    if x.dtype.category < _dtype._FLOAT:
        # PyTorch measures bool and integer differences in the default float dtype: no
        # wrapping (int8 100 - (-100) is 200, not -56), and int32 16777217 is float32 16777216.
        x = astype(x, _dtype.get_default_dtype())
        y = astype(y, x.dtype)
    allowed = add(abs(mul(y, rtol)), atol)
    actual = abs(sub(x, y))
    return logical_or(close, logical_and(isfinite(actual), le(actual, allowed)))


def allclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """Whether :func:`isclose` holds everywhere (a Python bool).

    >>> import arraygrad
    >>> arraygrad.allclose(arraygrad.tensor([1.0, 2.0]), arraygrad.tensor([1.0, 2.0 + 1e-9]))
    True
    """
    close = isclose(input, other, rtol, atol, equal_nan)
    # A read into Python: arraygrad.compile cannot replay it and runs the caller eagerly.
    return bool(_backend.item(_backend.xp.all(close._data)))


def equal(input: Tensor, other: Tensor) -> bool:
    """Whether the tensors have the same shape and equal values (a Python bool; ``nan`` is not
    equal to itself, dtypes are promoted as in ``==``).

    >>> import arraygrad
    >>> arraygrad.equal(arraygrad.tensor([1, 2]), arraygrad.tensor([1.0, 2.0]))
    True
    """
    require_tensor("equal", "other", 2, other)
    require_tensor("equal", "input", 1, input)
    if tuple(input.shape) != tuple(other.shape):
        return False
    return bool(_backend.item(_backend.xp.all(eq(input.detach(), other.detach())._data)))


def _membership_operand(value: Any, name: str) -> Tensor:
    x = as_tensor(value).detach()
    if x.dtype is _dtype.bool_:
        raise RuntimeError(
            f"Unsupported input type encountered for isin(): Bool ({name} is a {describe(x)}). "
            "Fix: compare bools with == and any(), or convert them (x.long())."
        )
    if x.dtype.is_complex:
        # PyTorch has no isin kernel for complex; a Python complex is named as the complex128
        # scalar PyTorch wraps it in.
        kind = x.dtype if isinstance(value, Tensor) else _dtype.complex128
        raise RuntimeError(
            f"Unsupported input type encountered for isin(): {_dtype.torch_type_name(kind)} "
            f"({name} is a {describe(x)}). Fix: compare the complex values directly, e.g. "
            "(elements.unsqueeze(-1) == test_elements.flatten()).any(-1)."
        )
    return x


def isin(
    elements: Any,
    test_elements: Any,
    *,
    assume_unique: bool = False,
    invert: bool = False,
    out: Tensor | None = None,
) -> Tensor:
    """Where each of ``elements`` is one of ``test_elements`` (or is not, with ``invert``); the
    result has the shape of ``elements``. Either may be a Python number, not both; ``nan`` is in
    nothing. ``assume_unique`` is accepted for PyTorch's signature (the result is the same).

    >>> import arraygrad
    >>> arraygrad.isin(arraygrad.tensor([1, 2, 3]), arraygrad.tensor([2, 5]))
    tensor([False,  True, False])
    """
    if out is not None:
        return written_exactly(
            "isin", out, isin, elements, test_elements, assume_unique=assume_unique, invert=invert
        )
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError(
            f"isin() received an invalid combination of arguments - got "
            f"({type(elements).__name__}, {type(test_elements).__name__}): at least one of "
            "elements and test_elements must be a Tensor. Fix: wrap one in arraygrad.tensor()."
        )
    # bool is refused before promotion could turn it into a number
    _membership_operand(elements, "elements")
    _membership_operand(test_elements, "test_elements")
    a, b = (_membership_operand(v, "") for v in _operands(elements, test_elements))
    # Sorted test values and a binary search for each element: O((n + m) log m), where comparing
    # every pair would hold an n-by-m array.
    xp = _backend.xp
    values = xp.sort(_backend.orderable(xp, xp.reshape(b._data, (-1,))))
    flat = xp.reshape(a._data, (-1,))
    if values.shape[0] == 0:
        found = xp.zeros(flat.shape, dtype=xp.bool)
    else:
        # Namespace functions, not operators: arraygrad.compile records them (an operator's
        # result would be replayed as a constant).
        where = xp.searchsorted(values, flat)
        where = xp.where(xp.less(where, values.shape[0]), where, xp.zeros_like(where))
        found = xp.equal(xp.take(values, where), flat)
    if invert:
        found = xp.logical_not(found)
    return Tensor._wrap(_backend.ensure_array(xp.reshape(found, tuple(a.shape))))


def _infinity_test(op: str, input: Tensor, sign: float) -> Tensor:
    x = require_tensor(op, "input", 1, input).detach()
    if not x.dtype.is_floating_point:
        if x.dtype.is_complex:
            raise RuntimeError(
                f"{op} does not support complex inputs: got a {describe(x)}. Fix: test the "
                f"parts, e.g. arraygrad.{op}(z.real) | arraygrad.{op}(z.imag)."
            )
        return ops.not_equal(x, x)  # all False: integers are never infinite
    return eq(x, sign * float("inf"))


def isneginf(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Where the elements are ``-inf``.

    >>> import arraygrad
    >>> arraygrad.isneginf(arraygrad.tensor([-float("inf"), float("inf"), 1.0]))
    tensor([ True, False, False])
    """
    if out is not None:
        return written_bool("isneginf", out, isneginf, input)
    return _infinity_test("isneginf", input, -1.0)


def isposinf(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Where the elements are ``+inf``, a bool tensor; complex tensors raise ``RuntimeError``.

    >>> import arraygrad
    >>> arraygrad.isposinf(arraygrad.tensor([-float("inf"), float("inf"), 1.0]))
    tensor([False,  True, False])
    """
    if out is not None:
        return written_bool("isposinf", out, isposinf, input)
    return _infinity_test("isposinf", input, 1.0)


def isreal(input: Tensor) -> Tensor:
    """Where the elements have no imaginary part: everywhere for real tensors; where the
    imaginary part is 0 for complex ones.

    >>> import arraygrad
    >>> arraygrad.isreal(arraygrad.tensor([1.0, float("nan")]))
    tensor([True, True])
    """
    x = require_tensor("isreal", "input", 1, input)
    xp = _backend.xp
    if x.dtype.is_complex:
        return Tensor._wrap(_backend.ensure_array(xp.imag(x._data) == 0))
    return Tensor._wrap(_backend.ensure_array(xp.ones(tuple(x.shape), dtype=xp.bool)))


def eq(input: Any, other: Any, *, out: Tensor | None = None) -> Any:
    """Elementwise ``input == other``, broadcast; a bool tensor (``nan`` equals nothing).

    >>> import arraygrad
    >>> nan = float("nan")
    >>> arraygrad.eq(arraygrad.tensor([1.0, 2.0, nan]), arraygrad.tensor([1.0, 0.0, nan]))
    tensor([ True, False, False])
    """
    if out is not None:
        return written("eq", out, eq, input, other)
    if other is None:
        return False
    return binary(ops.equal, input, other)


def ne(input: Any, other: Any, *, out: Tensor | None = None) -> Any:
    """Elementwise ``input != other``, broadcast; a bool tensor, True where either is ``nan``.

    >>> import arraygrad
    >>> arraygrad.ne(arraygrad.tensor([1, 2, 3]), 2)
    tensor([ True, False,  True])
    """
    if out is not None:
        return written("ne", out, ne, input, other)
    if other is None:
        return True
    return binary(ops.not_equal, input, other)


def lt(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Elementwise ``input < other``, broadcast; a bool tensor, False where either is ``nan``.

    >>> import arraygrad
    >>> arraygrad.lt(arraygrad.tensor([1, 2, 3]), 2)
    tensor([ True, False, False])
    """
    if out is not None:
        return written("lt", out, lt, input, other)
    return binary(ops.less, input, other)


def le(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Elementwise ``input <= other``, broadcast; a bool tensor, False where either is ``nan``.

    >>> import arraygrad
    >>> arraygrad.le(arraygrad.tensor([1, 2, 3]), 2)
    tensor([ True,  True, False])
    """
    if out is not None:
        return written("le", out, le, input, other)
    return binary(ops.less_equal, input, other)


def gt(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Elementwise ``input > other``, broadcast; a bool tensor, False where either is ``nan``.

    >>> import arraygrad
    >>> arraygrad.gt(arraygrad.tensor([[1], [3]]), arraygrad.tensor([2, 2]))
    tensor([[False, False],
            [ True,  True]])
    """
    if out is not None:
        return written("gt", out, gt, input, other)
    return binary(ops.greater, input, other)


def ge(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Elementwise ``input >= other``, broadcast; a bool tensor, False where either is ``nan``.

    >>> import arraygrad
    >>> arraygrad.ge(arraygrad.tensor([1, 2, 3]), 2)
    tensor([False,  True,  True])
    """
    if out is not None:
        return written("ge", out, ge, input, other)
    return binary(ops.greater_equal, input, other)


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _truth(value: Any) -> Tensor:
    # Logical ops read any non-zero element as True, as in PyTorch.
    x = as_tensor(value)
    return x if x.dtype is _dtype.bool_ else ops.not_equal(x, 0)


def logical_and(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Elementwise ``input and other`` of the truth values (non-zero, ``nan`` included, is True).

    >>> import arraygrad
    >>> arraygrad.logical_and(arraygrad.tensor([0, 1, 2]), arraygrad.tensor([1.0, 0.0, -3.0]))
    tensor([False, False,  True])
    """
    if out is not None:
        return written("logical_and", out, logical_and, input, other)
    return binary(ops.bitwise_and, _truth(input), _truth(other))


def logical_or(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Elementwise ``input or other`` of the truth values (non-zero is True); a bool tensor.

    >>> import arraygrad
    >>> arraygrad.logical_or(arraygrad.tensor([0, 0, 2]), arraygrad.tensor([0, 1, 0]))
    tensor([False,  True,  True])
    """
    if out is not None:
        return written("logical_or", out, logical_or, input, other)
    return binary(ops.bitwise_or, _truth(input), _truth(other))


def logical_xor(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Elementwise exclusive or of the truth values (non-zero is True); a bool tensor.

    >>> import arraygrad
    >>> arraygrad.logical_xor(arraygrad.tensor([0, 1, 2]), arraygrad.tensor([1, 1, 0]))
    tensor([ True, False,  True])
    """
    if out is not None:
        return written("logical_xor", out, logical_xor, input, other)
    return binary(ops.bitwise_xor, _truth(input), _truth(other))


def logical_not(input: Any, *, out: Tensor | None = None) -> Tensor:
    """Elementwise ``not input``: True where the element is zero; a bool tensor.

    >>> import arraygrad
    >>> arraygrad.logical_not(arraygrad.tensor([0.0, 0.5, -1.0]))
    tensor([ True, False, False])
    """
    if out is not None:
        return written("logical_not", out, logical_not, input)
    return ops.bitwise_invert(_truth(input))
