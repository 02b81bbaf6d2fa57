"""What a compiled program watches on the objects its function uses, besides their arrays: a
tensor's gradient hooks, the forward and backward hooks of the modules it calls and the global
module hooks (through one change counter, :class:`HookGuard`), and a module's Python attributes
and members. The trace (:mod:`._compile_tracer`) reads them as it meets each object, and the
program (:mod:`._compile_program`) compares them on every replay: a change means another trace.
"""

from __future__ import annotations

import functools
import keyword
import types
from typing import Any

from arraygrad._compile_numbers import constant_of
from arraygrad._tensor import Tensor


def hooks_of(tensor: Tensor) -> Any:
    """What a guard compares of a leaf's gradient hooks (``register_hook``,
    ``register_post_accumulate_grad_hook``), as the trace first met the tensor: a program
    replays the hooks' array work as the trace recorded it, so one registered or removed since
    must trace again."""
    hooks = tensor._hooks
    if hooks is None:  # neither kind was ever registered
        return None
    return tuple(hooks.values()), tuple((tensor._post_accumulate_hooks or {}).values())


# A module's hook tables that take part in its calls (those its ``_call_impl`` runs).
_CALL_HOOK_TABLES = (
    "_forward_pre_hooks",
    "_forward_hooks",
    "_backward_pre_hooks",
    "_backward_hooks",
)


def call_hooks_of(module: Any) -> Any:
    """What a guard compares of a module's forward and backward hooks: each table's
    ``(handle id, hook)`` pairs, in the order they run."""
    tables = vars(module)
    return tuple(tuple((tables.get(name) or {}).items()) for name in _CALL_HOOK_TABLES)


def global_call_hooks() -> Any:
    """The same for the global hooks every module call runs (``register_module_forward_hook``
    and its family), with the kind the global backward hooks are (full or deprecated)."""
    from arraygrad.nn.modules import global_hooks as g  # nn builds on the top-level package

    tables = (
        g._global_forward_pre_hooks,
        g._global_forward_hooks,
        g._global_backward_pre_hooks,
        g._global_backward_hooks,
    )
    return (*(tuple(table.items()) for table in tables), g._global_backward_hooks_full)


class HookGuard:
    """The guard on the module hooks a trace ran. A trace runs the forward and backward hooks
    of each module it calls, its own and the global ones, and records their array work (a hook
    that doubles the output is an op of the program): a hook registered or removed since must
    trace again, or the replay would keep the old hooks' work and lack the new ones'.
    Comparing every called module's tables on every replay would cost a few dictionary reads
    per module, so the program compares one number instead: ``call_hook_changes.version``
    (:mod:`arraygrad.nn.modules.global_hooks`), which every registration and removal of such
    a hook, on any module, bumps. Only when it moved are the tables compared
    (:meth:`holds`): hooks changed on modules the program does not call leave it replaying,
    from then on with the new number."""

    def __init__(self, version: int, global_hooks: Any, modules: list[tuple[Any, Any]]) -> None:
        # call_hook_changes.version when the tables were as recorded (a trace that changes
        # them is not kept: see Tracer.hooks_changed)
        self.version = version
        self.global_hooks = global_hooks
        self.modules = modules  # (module, call_hooks_of(module) as the trace first called it)

    def changed(self) -> list[Any]:
        """The modules whose hooks differ from the trace's (``None`` for the global hooks)."""
        found: list[Any] = [None] if global_call_hooks() != self.global_hooks else []
        return found + [m for m, hooks in self.modules if call_hooks_of(m) != hooks]

    def holds(self) -> bool:
        """Whether the hooks are the traced ones (the number having moved)."""
        from arraygrad.nn.modules.global_hooks import call_hook_changes

        if self.changed():
            return False
        self.version = call_hook_changes.version
        return True


# The values a module's attribute can have that a program bakes in as constants: options
# (numbers, strings, None, tuples of them) and functions (an activation), compared by value
# (functions by identity). Tensors, submodules and containers are not Python constants.
_PLAIN: tuple[type, ...] = (bool, int, float, complex, str, type(None))
_PLAIN += (types.FunctionType, types.BuiltinFunctionType, types.MethodType, functools.partial)


def is_plain(value: Any) -> bool:
    """Whether ``value`` is a Python constant of a program (see :data:`_PLAIN`)."""
    if isinstance(value, _PLAIN):
        return True
    return value.__class__ is tuple and all(is_plain(item) for item in value)


def plain_attributes(module: Any) -> dict[str, Any]:
    """``module``'s attributes that are Python constants of a program, which a replay reads as
    ``M.<name>`` (names that are not identifiers are left out: arraygrad's modules have none)."""
    return {
        name: constant_of(value)  # (a traced number is a constant here, its option guarded)
        for name, value in vars(module).items()
        if is_plain(value) and name.isidentifier() and not keyword.iskeyword(name)
    }


def module_members(module: Any) -> list[tuple[str, str, Any]]:
    """``module``'s parameters, buffers and submodules as ``(store, name, object)``: a program
    reads the tensors and calls the submodules it found, so another object set in the place of
    one (``model.weight = nn.Parameter(...)``, ``model[0] = nn.Linear(...)``) must make it
    miss (equal values are not enough: the gradients go to the tensor that is there)."""
    found: list[tuple[str, str, Any]] = []
    for store in ("_parameters", "_buffers", "_modules"):
        found += [(store, name, value) for name, value in (vars(module).get(store) or {}).items()]
    return found
