"""The Python values a compiled function's own code reads from its global and closure
variables (a learning rate, a dropout probability, a flag): constants of the program that
:mod:`arraygrad._compile` guards by value (see :func:`python_reads`)."""

from __future__ import annotations

import functools
import types
from typing import Any

__all__ = ["python_reads"]


# The values of a global or closure variable that a program bakes in as constants and guards:
# numbers, strings, None and tuples of them. (Not functions: every helper and module a function
# calls is a global, and none is rebound between calls in practice.)
_VALUES: tuple[type, ...] = (bool, int, float, complex, str, type(None))


def _is_value(value: Any) -> bool:
    if value.__class__ is tuple:
        return all(_is_value(item) for item in value)
    return isinstance(value, _VALUES)


def python_reads(fn: Any) -> list[tuple[str, Any, str, Any]]:
    """The global and closure variables that ``fn``'s own code reads (its nested functions' and
    comprehensions' too) and that hold plain values (a learning rate, a dropout probability, a
    flag), as ``(kind, container, name, value)``: ``("global", fn.__globals__, name, value)``
    or ``("closure", cell, name, value)``. Such a value is a constant of the program, so the
    program is guarded on it: changed between calls, the function is traced again.

    A name in ``co_names`` may be an attribute's (``x.grad``) that happens to name a global
    too: guarding it as well costs a dictionary read.
    """
    while isinstance(fn, functools.partial):  # compile(partial(step, lr)): step's own code
        fn = fn.func
    if not isinstance(fn, (types.FunctionType, types.MethodType)):
        # A callable object: its class's __call__ is the function's own code (a builtin has
        # none, and then nothing is read from).
        fn = type(fn).__call__ if callable(fn) else fn
    fn = getattr(fn, "__func__", fn)  # a bound method: its function
    code = getattr(fn, "__code__", None)
    if code is None:
        return []
    names: set[str] = set()
    stack = [code]
    while stack:
        current = stack.pop()
        names.update(current.co_names)
        stack += [const for const in current.co_consts if isinstance(const, types.CodeType)]
    reads: list[tuple[str, Any, str, Any]] = []
    scope = fn.__globals__
    for name in sorted(names):
        if name in scope and _is_value(scope[name]):
            reads.append(("global", scope, name, scope[name]))
    for name, cell in zip(code.co_freevars, fn.__closure__ or (), strict=True):
        try:
            value = cell.cell_contents
        except ValueError:  # not bound yet
            continue
        if _is_value(value):
            reads.append(("closure", cell, name, value))
    return reads
