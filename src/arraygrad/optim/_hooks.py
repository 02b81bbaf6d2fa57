"""PyTorch's optimizer hooks: step pre and post hooks (per optimizer and for every optimizer)
and the state-dict and load-state-dict hooks, as :class:`OptimizerHooks`, a base of
:class:`arraygrad.optim.Optimizer`, and :func:`with_step_hooks`, which runs a ``step``
between the step hooks.

A replay of :func:`arraygrad.compile` repeats the array work a step's hooks did while traced,
not their Python effects: a step that runs hooks is guarded on which hooks are registered and
on the plain Python values each reads (see :meth:`OptimizerHooks._guard_step_hooks`).
"""

from __future__ import annotations

import functools
import types
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from arraygrad import _backend
from arraygrad.optim._step_guards import ABSENT, is_plain, plain_copy
from arraygrad.utils.hooks import RemovableHandle

__all__ = [
    "HOOK_TABLES",
    "OptimizerHooks",
    "register_optimizer_step_post_hook",
    "register_optimizer_step_pre_hook",
    "with_step_hooks",
]

Hook = Callable[..., Any]

# Step hooks of every optimizer, by handle id: the pre hooks run before each optimizer's own,
# the post hooks after them (PyTorch's order).
_every_step_pre: OrderedDict[int, Hook] = OrderedDict()
_every_step_post: OrderedDict[int, Hook] = OrderedDict()

# The per-optimizer hook tables (attributes made in __init__, and in __setstate__ for an
# optimizer pickled before they existed). Pickling and copying leave the hooks behind, as
# PyTorch does: they are often lambdas, and they belong to the original object.
HOOK_TABLES = (
    "_step_pre_table",
    "_step_post_table",
    "_save_pre_table",
    "_save_post_table",
    "_load_pre_table",
    "_load_post_table",
)

# ids of the optimizers inside a step() call: a step that calls another one of the same
# optimizer (an overriding step calling super().step()) runs the hooks once, around the
# outer call.
_stepping: set[int] = set()


def register_optimizer_step_pre_hook(hook: Hook) -> RemovableHandle:
    """Call ``hook(optimizer, args, kwargs)`` before every optimizer's ``step()`` (before the
    optimizer's own pre hooks). ``args`` starts with the optimizer; the hook may return
    ``None`` or new ``(args, kwargs)`` for the call. ``handle.remove()`` unregisters it.

    >>> import arraygrad
    >>> from arraygrad.optim.optimizer import register_optimizer_step_pre_hook
    >>> opt = arraygrad.optim.SGD([arraygrad.zeros(1, requires_grad=True)], lr=0.1)
    >>> handle = register_optimizer_step_pre_hook(lambda o, args, kwargs: print(type(o).__name__))
    >>> opt.step()
    SGD
    >>> handle.remove()
    """
    return _add_hook(_every_step_pre, hook)


def register_optimizer_step_post_hook(hook: Hook) -> RemovableHandle:
    """Call ``hook(optimizer, args, kwargs)`` after every optimizer's ``step()`` (after the
    optimizer's own post hooks); its return value is ignored. ``handle.remove()`` unregisters
    it.

    >>> import arraygrad
    >>> from arraygrad.optim.optimizer import register_optimizer_step_post_hook
    >>> opt = arraygrad.optim.SGD([arraygrad.zeros(1, requires_grad=True)], lr=0.1)
    >>> handle = register_optimizer_step_post_hook(lambda o, args, kwargs: print("stepped"))
    >>> opt.step()
    stepped
    >>> handle.remove()
    """
    return _add_hook(_every_step_post, hook)


def _add_hook(table: OrderedDict[int, Hook], hook: Hook, prepend: bool = False) -> RemovableHandle:
    handle = RemovableHandle(table)
    table[handle.id] = hook
    if prepend:
        table.move_to_end(handle.id, last=False)
    return handle


def with_step_hooks(step: Callable[..., Any], base: bool = False) -> Callable[..., Any]:
    """``step`` run between the step hooks: the global pre hooks, the optimizer's pre hooks,
    ``step``, its post hooks, the global post hooks. Hooks get ``(optimizer, args, kwargs)``
    with ``args`` starting with the optimizer, as in PyTorch, so a pre hook that returns new
    ``(args, kwargs)`` gives ``step`` all its arguments. A call made inside another step()
    of the same optimizer runs none (the outer call runs them). ``base``: ``step`` is
    :meth:`Optimizer.step`, which PyTorch's messages name by the built-in optimizer."""

    @functools.wraps(step)
    def hooked(self: Any, *args: Any, **kwargs: Any) -> Any:
        key = id(self)
        if key in _stepping:
            return step(self, *args, **kwargs)
        pre, post = self._step_pre_table, self._step_post_table
        tracer = _backend.tracer
        if tracer is None and not (pre or post or _every_step_pre or _every_step_post):
            # (nothing to run; no nesting to note either, as a hook registered by the step
            # itself runs from the next call on)
            return step(self, *args, **kwargs)
        if tracer is not None:
            self._guard_step_hooks(tracer)
        _stepping.add(key)
        try:
            call_args: tuple[Any, ...] = (self, *args)
            # (The tables are iterated as they are: a hook that removes a hook while they run
            # gets the RuntimeError PyTorch gives.)
            for table in (_every_step_pre, pre):
                for hook in table.values():
                    result = hook(self, call_args, kwargs)
                    if result is None:
                        continue
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(
                            f"{_step_text(self, step, base)} must return None or a tuple of "
                            f"(new_args, new_kwargs), but got {result}."
                            " Fix: return None, or an (args_tuple, kwargs_dict) pair from the "
                            "hook."
                        )
                    call_args, kwargs = result
            output = step(*call_args, **kwargs)
            for table in (post, _every_step_post):
                for hook in table.values():
                    hook(self, call_args, kwargs)
            return output
        finally:
            _stepping.discard(key)

    hooked._notes_its_calls = True  # type: ignore[attr-defined]
    return hooked


def _step_text(optimizer: Any, step: Callable[..., Any], base: bool) -> str:
    """How PyTorch's message names the step function: the class that defines it (a built-in
    optimizer for those that use :meth:`Optimizer.step`, as each of PyTorch's defines one)."""
    if not base:
        return repr(step)
    owner = next(
        (
            kind
            for kind in type(optimizer).__mro__
            if kind.__module__.startswith("arraygrad.optim.")
        ),
        type(optimizer),
    )
    return f"<function {owner.__name__}.step at {hex(id(step))}>"


class OptimizerHooks:
    """The hook tables and registration methods of :class:`arraygrad.optim.Optimizer`."""

    def _make_hook_tables(self) -> None:
        for name in HOOK_TABLES:
            setattr(self, name, OrderedDict())

    # Made by __init__ (see _HOOK_TABLES).
    _step_pre_table: OrderedDict[int, Hook]
    _step_post_table: OrderedDict[int, Hook]
    _save_pre_table: OrderedDict[int, Hook]
    _save_post_table: OrderedDict[int, Hook]
    _load_pre_table: OrderedDict[int, Hook]
    _load_post_table: OrderedDict[int, Hook]

    def register_step_pre_hook(self, hook: Hook) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` before each ``step()`` (after the global pre
        hooks). ``args`` starts with the optimizer; the hook may return ``None`` or new
        ``(args, kwargs)`` for the call (and for the hooks after it).

        >>> import arraygrad
        >>> w = arraygrad.zeros(1, requires_grad=True)
        >>> opt = arraygrad.optim.SGD([w], lr=0.1)
        >>> with opt.register_step_pre_hook(lambda o, args, kwargs: print(kwargs)):
        ...     opt.step(closure=None)
        {'closure': None}
        """
        return _add_hook(self._step_pre_table, hook)

    def register_step_post_hook(self, hook: Hook) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` after each ``step()`` (before the global post
        hooks), with the arguments the step was called with; its return value is ignored."""
        return _add_hook(self._step_post_table, hook)

    def register_state_dict_pre_hook(self, hook: Hook, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(optimizer)`` before :meth:`state_dict` builds the dict (return value
        ignored); ``prepend=True`` runs it before the hooks already registered."""
        return _add_hook(self._save_pre_table, hook, prepend)

    def register_state_dict_post_hook(self, hook: Hook, prepend: bool = False) -> RemovableHandle:
        """Call ``hook(optimizer, state_dict)`` on the dict :meth:`state_dict` built: it may
        edit it in place or return a new one (returned instead, and given to the next hook)."""
        return _add_hook(self._save_post_table, hook, prepend)

    def register_load_state_dict_pre_hook(
        self, hook: Hook, prepend: bool = False
    ) -> RemovableHandle:
        """Call ``hook(optimizer, state_dict)`` before :meth:`load_state_dict` reads the dict,
        a shallow copy of the one passed: it may edit it or return a new one to load."""
        return _add_hook(self._load_pre_table, hook, prepend)

    def register_load_state_dict_post_hook(
        self, hook: Hook, prepend: bool = False
    ) -> RemovableHandle:
        """Call ``hook(optimizer)`` once :meth:`load_state_dict` has loaded the state (return
        value ignored)."""
        return _add_hook(self._load_post_table, hook, prepend)

    def _guard_step_hooks(self, tracer: Any) -> None:
        """Under arraygrad.compile: a replay does the array work the step hooks did while
        traced, so it must replay only while the same hooks are registered, and while the
        Python values they read (their global and closure variables, a bound method's or a
        callable object's plain attributes) are unchanged: a hook that counts its calls makes
        every call trace again, and compile runs the step eagerly after its trace limit."""
        tracer.guard(self._step_hook_ids, self._step_hook_ids(), _hooks_changed)
        hooks = [*_every_step_pre.values(), *self._step_pre_table.values()]
        hooks += [*self._step_post_table.values(), *_every_step_post.values()]
        for hook in hooks:
            read = functools.partial(_hook_values, hook)
            values = read()
            if values:
                tracer.guard(read, values, functools.partial(_hook_values_changed, hook))

    def _step_hook_ids(self) -> tuple[tuple[int, ...], ...]:
        # Handle ids are never reused: the same ids are the same hooks.
        return (
            tuple(_every_step_pre),
            tuple(self._step_pre_table),
            tuple(self._step_post_table),
            tuple(_every_step_post),
        )


def _hooks_changed(old: Any, new: Any) -> list[str]:
    kinds = ("global step pre", "step pre", "step post", "global step post")
    return [
        f"the {kind} hooks of the optimizer (registered or removed)"
        for kind, a, b in zip(kinds, old, new, strict=True)
        if a != b
    ]


def _hook_owner(hook: Any) -> Any:
    """The object whose attributes a hook may read as its own: a bound method's ``self``, or
    a callable object (not a function, a builtin, a partial or a class)."""
    if isinstance(hook, types.MethodType):
        return hook.__self__
    plain_callables = (
        types.FunctionType,
        types.BuiltinFunctionType,
        functools.partial,
        type,
    )
    return None if isinstance(hook, plain_callables) else hook


def _hook_values(hook: Any) -> tuple[Any, ...]:
    """The plain Python values a step hook reads (see ``Optimizer._guard_step_hooks``)."""
    from arraygrad._compile_reads import python_reads  # compile builds on the optimizers

    found: list[Any] = [
        (kind, name, plain_copy(value)) for kind, _, name, value in python_reads(hook)
    ]
    owner = _hook_owner(hook)
    attributes = getattr(owner, "__dict__", None)
    if isinstance(attributes, dict) and not isinstance(owner, OptimizerHooks):
        # (an optimizer's own attributes are guarded by its step already)
        found += [
            ("attribute", name, plain_copy(value))
            for name, value in attributes.items()
            if is_plain(value)
        ]
    return tuple(found)


def _hook_values_changed(hook: Any, old: Any, new: Any) -> list[str]:
    label = getattr(hook, "__qualname__", None) or type(hook).__qualname__
    before = {(kind, name): value for kind, name, value in old}
    after = {(kind, name): value for kind, name, value in new}
    return [
        f"{kind} {name!r} read by the step hook {label}: "
        f"{before.get((kind, name), ABSENT)!r} -> {after.get((kind, name), ABSENT)!r}"
        for kind, name in {**before, **after}
        if before.get((kind, name), ABSENT) != after.get((kind, name), ABSENT)
    ]
