"""Where a compiled program's arrays live (for ``arraygrad.compile``).

Two rewrites of a program's operations, both giving the same bits as eager code, since each
element is computed by the same ufunc from the same values, only into other memory:

- :func:`reuse_buffers`: an element-wise result is written over an operand that dies there (a
  temporary of the program), instead of into pages a new array gets from the system;
- :func:`scratch_buffers`: a large temporary that never leaves the program is computed into a
  buffer the program keeps from one call to the next (``B[k]`` in the generated code), so a
  replay makes no new large arrays at all. Each call takes its set of buffers from a pool and
  puts it back at the end, so calls running at once (threads) never share one.
"""

from __future__ import annotations

import operator
from typing import Any

from arraygrad import _backend
from arraygrad._compile_symbolic import (
    BINARY,
    CALL,
    UNARY,
    Const,
    Op,
    Seq,
    is_mutable_array,
    slots_in,
    slots_read,
)

# Ufuncs that compute each element on its own and exactly (correctly rounded or exact), so that
# the loop NumPy picks (SIMD or not, in place or not) cannot change a bit of the result.
# (Not exp, log, tanh...: their vectorised and scalar loops may round differently.)
_EXACT_UFUNCS = frozenset(
    ("add", "subtract", "multiply", "divide", "negative", "positive", "absolute", "square")
    + ("sqrt", "maximum", "minimum", "fmax", "fmin", "copysign", "invert", "logical_not")
    + ("logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor")
    + ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal")
)
# The operators that call those ufuncs on arrays. (Not ``**``: for some exponents NumPy
# computes it by another ufunc, e.g. ``x ** 2`` by ``square``.)
OPERATOR_UFUNCS = {
    operator.add: "add",
    operator.sub: "subtract",
    operator.mul: "multiply",
    operator.truediv: "divide",
    operator.and_: "bitwise_and",
    operator.or_: "bitwise_or",
    operator.xor: "bitwise_xor",
    operator.eq: "equal",
    operator.ne: "not_equal",
    operator.lt: "less",
    operator.le: "less_equal",
    operator.gt: "greater",
    operator.ge: "greater_equal",
    operator.neg: "negative",
    operator.pos: "positive",
    operator.invert: "invert",
}


def exact_ufunc_of(op: Op) -> Any:
    """The exact element-wise ufunc ``op`` calls (with no keyword), or ``None``."""
    xp = _backend.xp
    if op.kwargs or op.out is None:
        return None
    if op.style in (BINARY, UNARY):
        name = OPERATOR_UFUNCS.get(op.fn)
    elif op.style == CALL and isinstance(op.fn, xp.ufunc):
        name = op.fn.__name__
    else:
        return None
    return getattr(xp, name) if name in _EXACT_UFUNCS else None


def _makes_new_array(op: Op) -> bool:
    """Whether ``op`` returns an array of its own: an operator or a ufunc (matmul too) called
    without ``out=``, never a view of or a reference to an operand."""
    if not op.pure or op.out is None:
        return False
    if op.style in (BINARY, UNARY):
        return True
    return op.style == CALL and isinstance(op.fn, _backend.xp.ufunc) and "out" not in op.kwargs


def _only_reads(op: Op, slot: int) -> bool:
    """Whether ``op`` reads ``slot`` without keeping it: passed straight to an operator, a
    ufunc or a reduction (never inside a tuple, as ``out=``, or to anything that may return a
    view of it or hold on to it)."""
    if any(slot in slots_in(value) for value in op.kwargs.values()):
        return False
    if any(arg.__class__ is Seq and slot in slots_in(arg) for arg in op.args):
        return False
    if op.style in (BINARY, UNARY):
        return True
    xp = _backend.xp
    if op.style != CALL:
        return False
    if isinstance(op.fn, xp.ufunc):
        return True
    # Reductions (a new array or a NumPy scalar, even over no axis).
    return op.fn is xp.sum or op.fn is xp.mean


def only_read(ops: list[Op]) -> dict[int, bool]:
    """For each slot ``ops`` read: whether every op reading it only reads it (see
    :func:`_only_reads`), so that no view of it, and no reference to it, outlives those ops."""
    readers_only: dict[int, bool] = {}
    for op in ops:
        for slot in set(slots_read(op)):
            readers_only[slot] = readers_only.get(slot, True) and _only_reads(op, slot)
    return readers_only


def reuse_buffers(
    ops: list[Op], keep: list[Any], live: set[int], readers_only: dict[int, bool]
) -> tuple[list[Op], bool]:
    """``v4 = v2 + v3`` as ``v4 = add(v2, v3, out=v2)`` where ``v2`` dies there: a temporary
    of this program (made new by an operator or ufunc, not an input, constant, result, stored
    ``.grad`` or ``.data``), only ever read by operators, ufuncs and reductions (so no view of
    it exists), of the result's shape, dtype and strides. The same ufunc on the same values
    gives the same bits (it is one that computes each element exactly); the result just lands
    in memory nothing else uses any more, instead of pages a new array gets from the system.

    Returns the ops and whether any writes over an operand: the strides checked here follow
    from the inputs', which the program's guards must then pin down. ``readers_only`` is
    :func:`only_read` of ``ops``.
    """
    if not _backend.is_numpy:
        return ops, False
    made: dict[int, Op] = {}
    last: dict[int, int] = {}
    for index, op in enumerate(ops):
        for slot in slots_read(op):
            last[slot] = index
        if op.out is not None:
            made[op.out] = op
    result = list(ops)
    reused = False
    for index, op in enumerate(ops):
        ufunc = exact_ufunc_of(op)
        if ufunc is None:
            continue
        value: Any = keep[op.out]  # type: ignore[index]
        # One element written over the first operand is NumPy's reduction loop (io1 += in2),
        # whose sum of two NaNs keeps the second one's sign, not the first's as a + b does;
        # reusing one element saves nothing anyway.
        if not is_mutable_array(value) or value.size == 1:
            continue
        for operand in op.args:
            if operand.__class__ is not int or operand in live or last.get(operand) != index:
                continue
            producer = made.get(operand)
            old: Any = keep[operand]
            if (
                producer is None
                or not _makes_new_array(producer)
                or not readers_only[operand]
                or not is_mutable_array(old)
                or old.dtype != value.dtype
                or old.shape != value.shape
                or old.strides != value.strides
            ):
                continue
            result[index] = Op(CALL, ufunc, op.args, {"out": operand}, op.out, op.pure)
            reused = True
            break
    return result, reused


class Scratch:
    """The operand ``B[index]``: buffer ``index`` of the set a replay took from the pool."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


# Only temporaries at least this large get a kept buffer: smaller arrays come from the
# allocator's free lists at no cost, while every kept buffer is memory held between calls.
SCRATCH_BYTES = 1 << 20


def _scratch_ufunc(op: Op) -> tuple[Any, tuple[Any, ...]] | None:
    """The ufunc and operands that compute ``op``'s result into a given ``out=``, or ``None``."""
    xp = _backend.xp
    ufunc = exact_ufunc_of(op)
    if ufunc is not None:
        return ufunc, op.args
    if op.style == CALL and op.fn is xp.matmul and not op.kwargs:
        return xp.matmul, op.args
    # x ** 2 with the integer 2, which NumPy computes as square(x) (x ** 2.0 it computes with
    # power): a kept buffer suits the loss's squares.
    if (
        op.style == BINARY
        and op.fn is operator.pow
        and op.args[0].__class__ is int
        and op.args[1].__class__ is Const
        and op.args[1].value.__class__ is int
        and op.args[1].value == 2
    ):
        return xp.square, op.args[:1]
    return None


def scratch_buffers(
    ops: list[Op], keep: list[Any], live: set[int], readers_only: dict[int, bool]
) -> tuple[list[Op], list[tuple[Any, Any]]]:
    """``v2 = x @ w`` as ``v2 = matmul(x, w, out=B[0])`` for large temporaries that never leave.

    A temporary qualifies when it is made new by an operator or ufunc (``ops``, after
    :func:`reuse_buffers`), is C-contiguous and at least :data:`SCRATCH_BYTES` large, and
    neither it nor any slot written over it (``out=`` in ``ops``) is a result, a ``.grad`` or a
    ``.data`` (``live``) or read by anything but operators, ufuncs and reductions
    (``readers_only``: :func:`only_read` of the ops before :func:`reuse_buffers` wrote over
    temporaries, so no view of it exists after the call). Returns the ops and the
    ``(shape, dtype)`` of each buffer.
    """
    if not _backend.is_numpy:
        return ops, []
    # The slots that are the same array as an earlier one (written over it with out=).
    first: dict[int, int] = {}
    for op in ops:
        target = op.kwargs.get("out")
        if op.out is not None and target.__class__ is int:
            first[op.out] = first.get(target, target)
    same_array: dict[int, list[int]] = {}
    for slot, origin in first.items():
        same_array.setdefault(origin, []).append(slot)
    result = list(ops)
    buffers: list[tuple[Any, Any]] = []
    for index, op in enumerate(ops):
        made = op.out
        if made is None or not _makes_new_array(op):
            continue
        found = _scratch_ufunc(op)
        value: Any = keep[made]
        group = [made, *same_array.get(made, [])]
        if (
            found is None
            or not is_mutable_array(value)
            or value.nbytes < SCRATCH_BYTES
            or not value.flags.c_contiguous
            or any(slot in live or not readers_only.get(slot, True) for slot in group)
        ):
            continue
        ufunc, args = found
        result[index] = Op(CALL, ufunc, args, {"out": Scratch(len(buffers))}, made, op.pure)
        buffers.append((value.shape, value.dtype))
    return result, buffers
