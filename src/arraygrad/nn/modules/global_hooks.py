"""Hooks on every module: PyTorch's ``register_module_*`` functions (``torch.nn.modules.module``).

Each table maps a handle id to a hook, as a module's own tables do. Every hook that takes part
in a call (forward pre/post, backward pre/post) also has its id in ``_global_call_hooks``, which
its handle empties together with its own table: ``Module._call_impl`` tests that one table, so
a call pays a single dictionary test while no global hook exists. :data:`call_hook_changes`
counts every registration and removal of a hook that takes part in calls, a module's own or a
global one (``arraygrad.compile`` guards its replays on it).

>>> import arraygrad
>>> from arraygrad.nn.modules.module import register_module_forward_hook
>>> seen = []
>>> handle = register_module_forward_hook(lambda module, args, out: seen.append(type(module)))
>>> _ = arraygrad.nn.ReLU()(arraygrad.ones(1))
>>> handle.remove(); seen
[<class 'arraygrad.nn.modules.activation.ReLU'>]
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from arraygrad.utils.hooks import RemovableHandle

if TYPE_CHECKING:
    from arraygrad.nn.modules.module import Module

__all__ = [
    "register_module_backward_hook",
    "register_module_buffer_registration_hook",
    "register_module_forward_hook",
    "register_module_forward_pre_hook",
    "register_module_full_backward_hook",
    "register_module_full_backward_pre_hook",
    "register_module_module_registration_hook",
    "register_module_parameter_registration_hook",
]


class _CallHookChanges(OrderedDict[int, bool]):
    """The ids of every live hook that takes part in module calls (forward pre/post, backward
    pre/post; a module's own and the global ones), and ``version``, bumped by each registration
    and removal. ``arraygrad.compile`` records which hooks each module a trace calls has; a
    replay compares one number, this ``version``, with the one its trace saw, and looks at the
    tables themselves only when it moved (see ``_compile_watched.HookGuard``). Each handle of
    such a hook names this table among its extra ones, so that ``remove()`` bumps it too."""

    def __init__(self) -> None:
        self.version = 0
        super().__init__()

    def __setitem__(self, key: int, value: bool) -> None:
        self.version += 1
        super().__setitem__(key, value)

    def __delitem__(self, key: int) -> None:
        self.version += 1
        super().__delitem__(key)

    def removed(self, hook_id: int) -> None:
        """A hook taken out of its table without its handle (``prune.remove``)."""
        self.version += 1
        self.pop(hook_id, None)


call_hook_changes = _CallHookChanges()
_global_call_hooks: OrderedDict[int, bool] = OrderedDict()
_global_forward_pre_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()
_global_forward_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()
_global_forward_hooks_with_kwargs: OrderedDict[int, bool] = OrderedDict()
_global_forward_hooks_always_called: OrderedDict[int, bool] = OrderedDict()
_global_backward_pre_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()
_global_backward_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()
_global_buffer_registration_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()
_global_module_registration_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()
_global_parameter_registration_hooks: OrderedDict[int, Callable[..., Any]] = OrderedDict()
# Whether the global backward hooks are full ones (True), deprecated ones (False) or not yet
# chosen (None). As in PyTorch the first registration decides for the rest of the process,
# even after its hooks are removed.
_global_backward_hooks_full: bool | None = None

_MIXED_GLOBAL_BACKWARD_HOOKS = (
    "Cannot use both regular backward hooks and full backward hooks as a global Module hook. "
    "Please use only one of them."
)
# PyTorch's warning when a global always_call forward hook fails while the call already failed.
_SILENCED_GLOBAL_HOOK_ERROR = (
    "global module forward hook with ``always_call=True`` raised an exception that was silenced "
    "as another error was raised in forward: {}"
)


def _add_global_hook(
    table: OrderedDict[int, Any], hook: Callable[..., Any], *, call: bool
) -> RemovableHandle:
    extra = [_global_call_hooks, call_hook_changes] if call else None
    handle = RemovableHandle(table, extra_dict=extra)
    table[handle.id] = hook
    if call:
        _global_call_hooks[handle.id] = True
        call_hook_changes[handle.id] = True
    return handle


def register_module_forward_pre_hook(hook: Callable[..., None]) -> RemovableHandle:
    """Call ``hook(module, args)`` before every module's :meth:`~Module.forward`, before the
    module's own forward pre-hooks; a non-None result replaces ``args`` (a value that is not a
    tuple becomes a 1-tuple).

    Meant for debugging and profiling; the returned handle's ``remove()`` unregisters it.
    """
    return _add_global_hook(_global_forward_pre_hooks, hook, call=True)


def register_module_forward_hook(
    hook: Callable[..., None], *, with_kwargs: bool = False, always_call: bool = False
) -> RemovableHandle:
    """Call ``hook(module, args, output)`` after every module's :meth:`~Module.forward`, before
    the module's own forward hooks; a non-None result replaces the output.

    With ``with_kwargs`` the hook is ``hook(module, args, kwargs, output)``. With
    ``always_call`` it also runs when the call raises, as :meth:`Module.register_forward_hook`'s
    (there, as in PyTorch, it is called as ``hook(module, args, output)`` even with
    ``with_kwargs``).
    """
    handle = RemovableHandle(
        _global_forward_hooks,
        extra_dict=[
            _global_call_hooks,
            _global_forward_hooks_with_kwargs,
            _global_forward_hooks_always_called,
            call_hook_changes,
        ],
    )
    _global_forward_hooks[handle.id] = hook
    _global_call_hooks[handle.id] = True
    call_hook_changes[handle.id] = True
    if with_kwargs:
        _global_forward_hooks_with_kwargs[handle.id] = True
    if always_call:
        _global_forward_hooks_always_called[handle.id] = True
    return handle


def register_module_full_backward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Call ``hook(module, grad_output)`` for every module when the gradients of its outputs
    are computed, before the module's own backward pre-hooks; a non-None result replaces
    ``grad_output``."""
    return _add_global_hook(_global_backward_pre_hooks, hook, call=True)


def _choose_global_backward_kind(full: bool) -> None:
    global _global_backward_hooks_full
    if _global_backward_hooks_full is not None and _global_backward_hooks_full is not full:
        raise RuntimeError(_MIXED_GLOBAL_BACKWARD_HOOKS)
    _global_backward_hooks_full = full


def register_module_backward_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """The deprecated global form of :meth:`Module.register_backward_hook`: ``hook(module,
    grad_input, grad_output)`` on every module. It excludes
    :func:`register_module_full_backward_hook` for the rest of the process."""
    _choose_global_backward_kind(False)
    return _add_global_hook(_global_backward_hooks, hook, call=True)


def register_module_full_backward_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Call ``hook(module, grad_input, grad_output)`` for every module when the gradients of
    its inputs are computed, before the module's own full backward hooks; a non-None result
    replaces ``grad_input``. It excludes :func:`register_module_backward_hook` for the rest of
    the process."""
    _choose_global_backward_kind(True)
    return _add_global_hook(_global_backward_hooks, hook, call=True)


def register_module_buffer_registration_hook(hook: Callable[..., None]) -> RemovableHandle:
    """Call ``hook(module, name, buffer)`` whenever any module registers or assigns a buffer
    (``None`` included); a non-None result is stored instead."""
    return _add_global_hook(_global_buffer_registration_hooks, hook, call=False)


def register_module_module_registration_hook(hook: Callable[..., None]) -> RemovableHandle:
    """Call ``hook(module, name, submodule)`` whenever any module registers or assigns a child
    module (``None`` included); a non-None result is stored instead."""
    return _add_global_hook(_global_module_registration_hooks, hook, call=False)


def register_module_parameter_registration_hook(hook: Callable[..., None]) -> RemovableHandle:
    """Call ``hook(module, name, param)`` whenever any module registers a parameter (not for
    ``None``); a non-None result is stored instead."""
    return _add_global_hook(_global_parameter_registration_hooks, hook, call=False)


def _registration_hooks(
    table: OrderedDict[int, Callable[..., Any]], module: Module, name: str, value: Any
) -> Any:
    # What a registration stores: the value as the global hooks leave it (not checked again,
    # as in PyTorch).
    for hook in list(table.values()):
        result = hook(module, name, value)
        if result is not None:
            value = result
    return value
