"""Rewrites of a recorded trace before ``arraygrad.compile`` writes its code (see
:mod:`arraygrad._compile_program`).

- :func:`fold` computes once, at build time, what depends on constants alone;
- :func:`eliminate` drops the operations whose result nothing uses;
- :func:`write_directly` makes an operation whose result is only written whole into an existing
  array write it there, through the ufunc's ``out=``.

Each keeps the replay equal to eager code bit for bit: the same functions run on the same values.
"""

from __future__ import annotations

import operator
from typing import Any

from arraygrad import _backend
from arraygrad._compile_memory import OPERATOR_UFUNCS, exact_ufunc_of
from arraygrad._compile_symbolic import (
    ATTR,
    BINARY,
    CALL,
    FOLD,
    METHOD,
    SETITEM,
    UNARY,
    Const,
    Op,
    Seq,
    is_mutable_array,
    slots_read,
)

# The arithmetic operators whose result can be written into an existing array with their
# ufunc's ``out=`` (the ufuncs' names are in OPERATOR_UFUNCS).
_ARITHMETIC = frozenset((operator.add, operator.sub, operator.mul, operator.truediv))


def _constant(operand: Any, values: dict[int, Any]) -> tuple[bool, Any]:
    """``(True, value)`` when ``operand`` is known at build time: a folded slot, or a constant
    that cannot change (an outside array can be written between calls: it is not)."""
    if operand.__class__ is int:
        return (True, values[operand]) if operand in values else (False, None)
    if operand.__class__ is Seq:
        items = [_constant(item, values) for item in operand.items]
        return all(ok for ok, _ in items), operand.kind(v for _, v in items)
    return _immutable(operand.value), operand.value


def _immutable(value: Any) -> bool:
    # (A dict is not: the param group an optimizer's lr is read from on each replay.)
    if value.__class__ is tuple:
        return all(_immutable(item) for item in value)
    return not (is_mutable_array(value) or isinstance(value, (list, dict, set, bytearray)))


def _evaluate(op: Op, args: list[Any], kwargs: dict[str, Any]) -> Any:
    if op.style == METHOD:
        return getattr(args[0], op.name)(*args[1:], **kwargs)
    if op.style == ATTR:
        return getattr(args[0], op.name)
    ufunc = exact_ufunc_of(op)
    if ufunc is not None:
        uniform = _uniform_result(ufunc, args)
        if uniform is not None:
            return uniform
    return op.fn(*args, **kwargs)


def _uniform_result(ufunc: Any, args: list[Any]) -> Any:
    """``ufunc(*args)`` computed on one element and broadcast, where each array operand is one
    value broadcast (all strides 0: a mean's gradient, and what is computed from it), else
    ``None``. The result is then one value broadcast too, which takes no memory, and which a
    replay reads as a scalar (``x * (g + g)`` with ``g`` a mean's gradient: one pass over
    ``x``, not a second array as large as ``x`` to read). ``ufunc`` is exact (rounded once, as
    IEEE arithmetic and comparisons are), so each element of the whole result has the bits of
    this one; a function with a vectorised approximation (``exp``) could differ."""
    if not _backend.is_numpy:
        return None
    array_type: Any = _backend.array_type
    arrays: list[Any] = [arg for arg in args if arg.__class__ is array_type]
    if not arrays or any(array.size == 0 or any(array.strides) for array in arrays):
        return None
    xp = _backend.xp
    shape = xp.broadcast_shapes(*(array.shape for array in arrays))
    if not shape:
        return None  # 0-d operands: NumPy gives a scalar, as eager code gets
    # Each array as its one element, a NumPy scalar of its dtype (which promotes as the array
    # does: NEP 50); Python numbers stay as they are.
    one = [arg[(0,) * arg.ndim] if arg.__class__ is array_type else arg for arg in args]
    return xp.broadcast_to(xp.asarray(ufunc(*one)), shape)


def fold(ops: list[Op], roots: set[int]) -> list[Op]:
    """Compute once, now, what depends on constants alone (the backward seed, the gradient of a
    mean, index grids): the same functions on the same values give the same bits on every
    replay. A value that is written into, handed out, or a view of which is, stays computed on
    each replay."""
    touched = set(roots)
    for op in reversed(ops):
        operands = slots_read(op)
        # Arithmetic makes new arrays; other pure ops may make views of their operands.
        if not op.pure or (op.out in touched and op.style not in (BINARY, UNARY)):
            touched.update(operands)
    values: dict[int, Any] = {}
    kept: list[Op] = []

    def substitute(operand: Any) -> Any:
        if operand.__class__ is int and operand in values:
            return Const(values[operand])
        if operand.__class__ is Seq:
            return Seq(operand.kind, [substitute(item) for item in operand.items])
        return operand

    for op in ops:
        out = op.out
        if op.pure and out is not None and out not in touched:
            if op.style == FOLD:
                values[out] = op.args[0].value
                continue
            known = [_constant(a, values) for a in op.args]
            known_kwargs = {k: _constant(v, values) for k, v in op.kwargs.items()}
            if all(ok for ok, _ in known) and all(ok for ok, _ in known_kwargs.values()):
                try:
                    value = _evaluate(
                        op, [v for _, v in known], {k: v for k, (_, v) in known_kwargs.items()}
                    )
                except Exception:  # it stays a step of the replay
                    value = None
                if _backend.is_array(value):
                    values[out] = value
                    continue
        if values:
            args = tuple(substitute(a) for a in op.args)
            kwargs = {k: substitute(v) for k, v in op.kwargs.items()}
            op = Op(op.style, op.fn, args, kwargs, out, op.pure, op.name)
        kept.append(op)
    return kept


def eliminate(ops: list[Op], live: set[int]) -> list[Op]:
    """The ops that matter: the impure ones and those computing a value something uses."""
    kept = []
    for op in reversed(ops):
        if op.pure and op.out not in live:
            continue
        kept.append(op)
        live.update(slots_read(op))
    kept.reverse()
    return kept


def write_directly(ops: list[Op], keep: list[Any]) -> list[Op]:
    """``t = a - b; [u = ensure_array(t);] x[...] = u`` as ``subtract(a, b, out=x)``, when
    ``t`` is used nowhere else and has ``x``'s shape and dtype: the same ufunc on the same
    values, without the temporary and the copy."""
    if not _backend.is_numpy:
        return ops
    uses: dict[int, int] = {}
    made: dict[int, int] = {}
    for index, op in enumerate(ops):
        for slot in slots_read(op):
            uses[slot] = uses.get(slot, 0) + 1
        if op.out is not None:
            made[op.out] = index
    drop: set[int] = set()
    result = list(ops)
    for index, op in enumerate(ops):
        if op.style != SETITEM or op.kwargs or len(op.args) != 3:
            continue
        target, key, value = op.args
        if target.__class__ is not int or key.__class__ is not Const or key.value is not Ellipsis:
            continue
        if value.__class__ is not int or uses.get(value) != 1 or value not in made:
            continue
        first = made[value]
        producer = ops[first]
        if producer.style == CALL and producer.fn is _backend.ensure_array:
            source = producer.args[0]
            if source.__class__ is not int or uses.get(source) != 1 or source not in made:
                continue
            first = made[source]
            value = source
            producer = ops[first]
        name = OPERATOR_UFUNCS.get(producer.fn) if producer.fn in _ARITHMETIC else None
        if producer.style != BINARY or name is None or not producer.pure:
            continue
        computed: Any = keep[value]
        written: Any = keep[target]
        operands_are_arrays = any(
            a.__class__ is int and is_mutable_array(keep[a]) for a in producer.args
        )
        if (
            not is_mutable_array(written)
            or not operands_are_arrays
            or computed.dtype != written.dtype
            or tuple(computed.shape) != tuple(written.shape)
            or any(not ops[i].pure for i in range(first + 1, index))
        ):
            continue
        # Moved to the write's place: nothing in between writes, so it reads the same values.
        result[index] = Op(
            CALL, getattr(_backend.xp, name), producer.args, {"out": target}, None, False
        )
        drop.update(i for i in range(first, index) if ops[i].out in (value, op.args[2]))
    return [op for i, op in enumerate(result) if i not in drop]
