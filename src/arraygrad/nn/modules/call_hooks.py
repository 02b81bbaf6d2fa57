"""The forward and backward hooks of ``Module`` and the call that runs them: the
``register_*_hook`` methods and the hooked path of ``Module.__call__`` (taken only when a hook,
of the module's own or a global one, is there).

A mixin of :class:`arraygrad.nn.Module`, which provides the hook tables (created in its
``__init__``) and ``forward``.

>>> import arraygrad
>>> layer = arraygrad.nn.Identity()
>>> handle = layer.register_forward_hook(lambda module, args, out: out * 2)
>>> layer(arraygrad.ones(1)).tolist()
[2.0]
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from arraygrad.nn.modules import global_hooks as _global_hooks
from arraygrad.nn.modules.global_hooks import (
    _SILENCED_GLOBAL_HOOK_ERROR,
    _global_backward_hooks,
    _global_backward_pre_hooks,
    _global_forward_hooks,
    _global_forward_hooks_always_called,
    _global_forward_hooks_with_kwargs,
    _global_forward_pre_hooks,
    call_hook_changes,
)
from arraygrad.nn.modules.hooks import BackwardHook, checked_grad_input, warn_if_not_one_op
from arraygrad.utils.hooks import RemovableHandle

if TYPE_CHECKING:
    from arraygrad.nn.modules.module import Module


_MIXED_BACKWARD_HOOKS = (
    "Cannot use both regular backward hooks and full backward hooks on a single Module. Please "
    "use only one of them."
)
# PyTorch's warning when an always_call forward hook fails while the call already failed.
_SILENCED_HOOK_ERROR = (
    "module forward hook with ``always_call=True`` raised an exception that was silenced as "
    "another error was raised in forward: {}"
)


class CallHooksMixin:
    """The hook methods of ``Module`` (which provides the attributes used here)."""

    # Hook tables, created in Module.__init__.
    _forward_pre_hooks: OrderedDict[int, Callable[..., Any]]
    _forward_pre_hooks_with_kwargs: OrderedDict[int, bool]
    _forward_hooks: OrderedDict[int, Callable[..., Any]]
    _forward_hooks_with_kwargs: OrderedDict[int, bool]
    _forward_hooks_always_called: OrderedDict[int, bool]
    _backward_pre_hooks: OrderedDict[int, Callable[..., Any]]
    _backward_hooks: OrderedDict[int, Callable[..., Any]]
    _is_full_backward_hook: bool | None
    forward: Callable[..., Any]

    def register_forward_pre_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, args)`` before :meth:`forward`; a non-None result replaces args.

        With ``with_kwargs=True`` it is ``hook(module, args, kwargs)`` returning
        ``(args, kwargs)``.
        """
        handle = RemovableHandle(
            self._forward_pre_hooks,
            extra_dict=[self._forward_pre_hooks_with_kwargs, call_hook_changes],
        )
        self._forward_pre_hooks[handle.id] = hook
        call_hook_changes[handle.id] = True
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(
        self,
        hook: Callable[..., Any],
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
        always_call: bool = False,
    ) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after :meth:`forward`; a non-None result
        replaces the output (``hook(module, args, kwargs, output)`` with ``with_kwargs``).

        With ``always_call`` the hook also runs when the call raises (in a pre-hook, in
        :meth:`forward` or in an earlier forward hook), with the output computed so far
        (``None`` if forward did not return); the original exception is then re-raised.
        """
        handle = RemovableHandle(
            self._forward_hooks,
            extra_dict=[
                self._forward_hooks_with_kwargs,
                self._forward_hooks_always_called,
                call_hook_changes,
            ],
        )
        self._forward_hooks[handle.id] = hook
        call_hook_changes[handle.id] = True
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, grad_input, grad_output)`` when the gradients of the module's
        inputs are computed; a non-None result replaces ``grad_input``."""
        if self.__dict__.get("_is_full_backward_hook") is False:
            raise RuntimeError(_MIXED_BACKWARD_HOOKS)
        object.__setattr__(self, "_is_full_backward_hook", True)
        handle = RemovableHandle(self._backward_hooks, extra_dict=call_hook_changes)
        self._backward_hooks[handle.id] = hook
        call_hook_changes[handle.id] = True
        if prepend:
            self._backward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_backward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """PyTorch's deprecated module backward hook: ``hook(module, grad_input, grad_output)``.

        Documented for a module whose forward is a single op on its inputs, where it is
        :meth:`register_full_backward_hook`'s hook: here it runs on that machinery, checks a
        returned ``grad_input`` as PyTorch does, and warns (FutureWarning) at each call whose
        forward is not one op on the module's inputs. It cannot share a module with full
        backward hooks, even after they were removed, as in PyTorch.
        """
        if self.__dict__.get("_is_full_backward_hook") is True:
            raise RuntimeError(_MIXED_BACKWARD_HOOKS)
        object.__setattr__(self, "_is_full_backward_hook", False)
        handle = RemovableHandle(self._backward_hooks, extra_dict=call_hook_changes)
        self._backward_hooks[handle.id] = hook
        call_hook_changes[handle.id] = True
        return handle

    def register_full_backward_pre_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Call ``hook(module, grad_output)`` when the gradients of the outputs are computed;
        a non-None result replaces ``grad_output``."""
        handle = RemovableHandle(self._backward_pre_hooks, extra_dict=call_hook_changes)
        self._backward_pre_hooks[handle.id] = hook
        call_hook_changes[handle.id] = True
        if prepend:
            self._backward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def _always_called_hooks_after(self, done: set[int], state: dict[str, Any]) -> None:
        # The failure path: the always_call forward hooks that have not run, global ones first.
        # PyTorch calls a global one as hook(module, args, output) even if it takes kwargs.
        for hook_id, hook in list(_global_forward_hooks.items()):
            if hook_id not in _global_forward_hooks_always_called or hook_id in done:
                continue
            try:
                hook(self, state["args"], state["output"])
            except Exception as hook_error:
                warnings.warn(_SILENCED_GLOBAL_HOOK_ERROR.format(hook_error), stacklevel=3)
        for hook_id, hook in list(self._forward_hooks.items()):
            if hook_id not in self._forward_hooks_always_called or hook_id in done:
                continue
            try:
                if hook_id in self._forward_hooks_with_kwargs:
                    hook(self, state["args"], state["kwargs"], state["output"])
                else:
                    hook(self, state["args"], state["output"])
            except Exception as hook_error:
                warnings.warn(_SILENCED_HOOK_ERROR.format(hook_error), stacklevel=3)

    def _backward_hooks_of_call(self) -> tuple[list[Callable[..., Any]], bool]:
        # The backward hooks of this call and whether some are deprecated (non-full) ones: the
        # global hooks first, then the module's. The deprecated ones run first, as in PyTorch,
        # where they fire at the output's node, before the gradients reach the inputs.
        own_full = self.__dict__.get("_is_full_backward_hook")
        full: list[Callable[..., Any]] = []
        deprecated: list[Callable[..., Any]] = []
        if _global_backward_hooks:
            (full if _global_hooks._global_backward_hooks_full else deprecated).extend(
                _global_backward_hooks.values()
            )
        if self._backward_hooks:
            (full if own_full else deprecated).extend(self._backward_hooks.values())
        return [checked_grad_input(hook) for hook in deprecated] + full, bool(deprecated)

    def _hooked_call(
        self,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        done: set[int],
        state: dict[str, Any] | None = None,
    ) -> Any:
        # The call with hooks; ``done`` and ``state`` tell the always_call path of _call_impl
        # which forward hooks ran and what the arguments and the output were when it raised.
        for hook in list(_global_forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
            if state is not None:
                state["args"] = args
        for hook_id, hook in list(self._forward_pre_hooks.items()):
            if hook_id in self._forward_pre_hooks_with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if isinstance(result, tuple) and len(result) == 2:
                        args, kwargs = result
                    else:
                        raise RuntimeError(
                            "forward pre-hook must return None or a tuple of (new_args, "
                            f"new_kwargs), but got {result}."
                            " Fix: return None, or a (args_tuple, kwargs_dict) pair from the "
                            "hook registered with with_kwargs=True."
                        )
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        backward_hook = None
        deprecated = False
        if (
            self._backward_hooks
            or self._backward_pre_hooks
            or _global_backward_hooks
            or _global_backward_pre_hooks
        ):
            hooks, deprecated = self._backward_hooks_of_call()
            pre_hooks = [*_global_backward_pre_hooks.values(), *self._backward_pre_hooks.values()]
            backward_hook = BackwardHook(cast("Module", self), hooks, pre_hooks)
            args = backward_hook.setup_input_hook(args)
        if state is not None:
            state["args"], state["kwargs"] = args, kwargs
        output = self.forward(*args, **kwargs)
        for table, with_kwargs in (
            (_global_forward_hooks, _global_forward_hooks_with_kwargs),
            (self._forward_hooks, self._forward_hooks_with_kwargs),
        ):
            for hook_id, hook in list(table.items()):
                if state is not None:
                    state["output"] = output
                done.add(hook_id)
                if hook_id in with_kwargs:
                    result = hook(self, args, kwargs, output)
                else:
                    result = hook(self, args, output)
                if result is not None:
                    output = result
        if backward_hook is not None:
            if deprecated:
                warn_if_not_one_op(args, output)
            output = backward_hook.setup_output_hook(output)
        return output

    # --- printing ----------------------------------------------------------------------------
