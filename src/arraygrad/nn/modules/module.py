"""``Module``: the base class of layers and models, with PyTorch's registration rules.

Assigning a :class:`~arraygrad.nn.Parameter`, a ``Module`` or (for names registered with
:meth:`Module.register_buffer`) a tensor to an attribute records it, so that
:meth:`~Module.parameters`, :meth:`~Module.state_dict`, :meth:`~Module.to` and ``repr`` find it
recursively.

>>> import arraygrad.nn as nn
>>> class Affine(nn.Module):
...     def __init__(self):
...         super().__init__()
...         self.layer = nn.Linear(2, 1)
...     def forward(self, x):
...         return self.layer(x)
>>> [name for name, _ in Affine().named_parameters()]
['layer.weight', 'layer.bias']
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from arraygrad import _backend, _grads
from arraygrad._tensor import Tensor
from arraygrad.nn.modules import global_hooks as _global_hooks
from arraygrad.nn.modules.conversion import ConversionMixin
from arraygrad.nn.modules.global_hooks import (
    _SILENCED_GLOBAL_HOOK_ERROR,
    _global_backward_hooks,
    _global_backward_pre_hooks,
    _global_buffer_registration_hooks,
    _global_call_hooks,
    _global_forward_hooks,
    _global_forward_hooks_always_called,
    _global_forward_hooks_with_kwargs,
    _global_forward_pre_hooks,
    _global_module_registration_hooks,
    _global_parameter_registration_hooks,
    _registration_hooks,
    call_hook_changes,
    register_module_backward_hook,
    register_module_buffer_registration_hook,
    register_module_forward_hook,
    register_module_forward_pre_hook,
    register_module_full_backward_hook,
    register_module_full_backward_pre_hook,
    register_module_module_registration_hook,
    register_module_parameter_registration_hook,
)
from arraygrad.nn.modules.hooks import (
    BackwardHook,
    checked_grad_input,
    warn_if_not_one_op,
)
from arraygrad.nn.modules.paths import PathMixin
from arraygrad.nn.modules.state import StateDictMixin
from arraygrad.nn.modules.state import _IncompatibleKeys as _IncompatibleKeys
from arraygrad.nn.parameter import Buffer, Parameter
from arraygrad.utils.hooks import RemovableHandle

__all__ = [
    "Module",
    "register_module_backward_hook",
    "register_module_buffer_registration_hook",
    "register_module_forward_hook",
    "register_module_forward_pre_hook",
    "register_module_full_backward_hook",
    "register_module_full_backward_pre_hook",
    "register_module_module_registration_hook",
    "register_module_parameter_registration_hook",
]


def typename(obj: Any) -> str:
    """PyTorch's ``torch.typename``: ``arraygrad.FloatTensor`` style for tensors."""
    if isinstance(obj, Tensor):
        names = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long"}
        name = names.get(obj.dtype.name, obj.dtype.name.capitalize())
        return f"arraygrad.{name}Tensor"
    module = getattr(obj, "__module__", "") or ""
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if qualname is None:
        module = type(obj).__module__ or ""
        qualname = type(obj).__qualname__
    return qualname if module in {"", "builtins"} else f"{module}.{qualname}"


# PyTorch's error for register_backward_hook and register_full_backward_hook on one module.
_MIXED_BACKWARD_HOOKS = (
    "Cannot use both regular backward hooks and full backward hooks on a single Module. Please "
    "use only one of them."
)
# Module attributes added after modules were first pickled (see Module.__setstate__): the
# state-dict hook tables and the table of always_call forward hooks.
_LATER_HOOK_TABLES = (
    "_save_pre_hooks",
    "_save_post_hooks",
    "_load_pre_hooks",
    "_load_post_hooks",
    "_forward_hooks_always_called",
)
# PyTorch's warning when an always_call forward hook fails while the call already failed.
_SILENCED_HOOK_ERROR = (
    "module forward hook with ``always_call=True`` raised an exception that was silenced as "
    "another error was raised in forward: {}"
)


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    first = lines.pop(0)
    rest = [(spaces * " ") + line if line.strip() else "" for line in lines]
    return first + "\n" + "\n".join(rest)


class Module(StateDictMixin, PathMixin, ConversionMixin):
    """Base class for all neural network modules; subclasses define :meth:`forward`.

    Calling a module runs its forward pre-hooks, :meth:`forward`, its forward hooks and sets up
    its backward hooks. ``training`` (switched by :meth:`train` / :meth:`eval`) selects the
    behaviour of layers such as dropout and batch norm.
    """

    training: bool
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _modules: dict[str, Module | None]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__() got an unexpected keyword argument "
                f"'{next(iter(kwargs))}'"
            )
        if args:
            raise TypeError(
                f"{type(self).__name__}.__init__() takes 1 positional argument but "
                f"{len(args) + 1} were given"
            )
        # object.__setattr__: our __setattr__ relies on these dictionaries existing.
        setattr_ = object.__setattr__
        setattr_(self, "training", True)
        setattr_(self, "_parameters", {})
        setattr_(self, "_buffers", {})
        setattr_(self, "_non_persistent_buffers_set", set())
        setattr_(self, "_modules", {})
        setattr_(self, "_forward_hooks", OrderedDict())
        setattr_(self, "_forward_hooks_with_kwargs", OrderedDict())
        # Ids of the forward hooks that also run when the call raises (always_call=True).
        setattr_(self, "_forward_hooks_always_called", OrderedDict())
        setattr_(self, "_forward_pre_hooks", OrderedDict())
        setattr_(self, "_forward_pre_hooks_with_kwargs", OrderedDict())
        setattr_(self, "_backward_hooks", OrderedDict())
        setattr_(self, "_backward_pre_hooks", OrderedDict())
        # state_dict / load_state_dict hooks (state.py); only those two methods read them.
        # (OrderedDicts, as every hook table: the handles refer to them weakly.)
        for table in _LATER_HOOK_TABLES:
            setattr_(self, table, OrderedDict())

    def __setstate__(self, state: dict[str, Any]) -> None:
        # A module pickled by an arraygrad older than its state-dict hooks (or than always_call)
        # lacks those tables: without them its state_dict(), load_state_dict() and calls fail.
        self.__dict__.update(state)
        for table in _LATER_HOOK_TABLES:
            if table not in state:
                object.__setattr__(self, table, OrderedDict())
        # Tables pickled as plain dicts become OrderedDicts, which handles can refer to weakly.
        for name, value in state.items():
            if name.endswith(("_hooks", "_hooks_with_kwargs")) and type(value) is dict:
                object.__setattr__(self, name, OrderedDict(value))

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation of the module; every subclass defines it."""
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    # --- registration ----------------------------------------------------------------------

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a tensor that is state but not a parameter (e.g. batch norm's running mean).

        Persistent buffers are part of :meth:`state_dict`.
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"buffer name should be a string. Got {typename(name)}")
        if "." in name:
            raise KeyError('buffer name can\'t contain "."')
        if name == "":
            raise KeyError('buffer name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{typename(tensor)}' object to buffer '{name}' "
                "(arraygrad Tensor or None required)"
            )
        if _global_buffer_registration_hooks:
            tensor = _registration_hooks(_global_buffer_registration_hooks, self, name, tensor)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or ``None``, which state_dict and ``to`` skip) under ``name``."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"parameter name should be a string. Got {typename(name)}")
        if "." in name:
            raise KeyError('parameter name can\'t contain "."')
        if name == "":
            raise KeyError('parameter name can\'t be empty string ""')
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is None:
            self._parameters[name] = None
        elif not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{typename(param)}' object to parameter '{name}' "
                "(arraygrad.nn.Parameter or None required)"
            )
        elif param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                f"created explicitly. To express '{name}' as a function of another Tensor, "
                "compute the value in the forward() method."
            )
        else:
            if _global_parameter_registration_hooks:
                param = _registration_hooks(_global_parameter_registration_hooks, self, name, param)
            self._parameters[name] = param

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module, reachable as the attribute ``name``."""
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{typename(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {typename(name)}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError('module name can\'t be empty string ""')
        if _global_module_registration_hooks:
            module = _registration_hooks(_global_module_registration_hooks, self, name, module)
        self._modules[name] = module

    register_module = add_module

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: parameters, buffers and children live in dicts.
        state = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in state and name in state[store]:
                return state[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name: str, value: Any) -> None:
        def remove_from(*stores: Any) -> None:
            for store in stores:
                if name in store:
                    if isinstance(store, dict):
                        del store[name]
                    else:
                        store.discard(name)

        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            remove_from(
                self.__dict__, self._buffers, self._modules, self._non_persistent_buffers_set
            )
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{typename(value)}' as parameter '{name}' "
                    "(arraygrad.nn.Parameter or None expected)"
                )
            self.register_parameter(name, value)
        else:
            modules = self.__dict__.get("_modules")
            if isinstance(value, Module):
                if modules is None:
                    raise AttributeError("cannot assign module before Module.__init__() call")
                remove_from(
                    self.__dict__,
                    self._parameters,
                    self._buffers,
                    self._non_persistent_buffers_set,
                )
                if _global_module_registration_hooks:
                    value = _registration_hooks(
                        _global_module_registration_hooks, self, name, value
                    )
                modules[name] = value
            elif modules is not None and name in modules:
                if value is not None:
                    raise TypeError(
                        f"cannot assign '{typename(value)}' as child module '{name}' "
                        "(arraygrad.nn.Module or None expected)"
                    )
                if _global_module_registration_hooks:
                    value = _registration_hooks(
                        _global_module_registration_hooks, self, name, value
                    )
                modules[name] = value
            else:
                buffers = self.__dict__.get("_buffers")
                if isinstance(value, Buffer):
                    # nn.Buffer registers itself, persistent or not as it says (an attribute of
                    # that name that is not a buffer is refused by register_buffer).
                    self.register_buffer(name, value, value.persistent)
                elif buffers is not None and name in buffers:
                    if value is not None and not isinstance(value, Tensor):
                        raise TypeError(
                            f"cannot assign '{typename(value)}' as buffer '{name}' "
                            "(arraygrad.Tensor or None expected)"
                        )
                    if _global_buffer_registration_hooks:
                        value = _registration_hooks(
                            _global_buffer_registration_hooks, self, name, value
                        )
                    buffers[name] = value  # a plain tensor stays a buffer, persistent or not
                else:
                    if _backend.tracer is not None:  # arraygrad.compile sets it on replays
                        _backend.tracer.attribute_set(self, name)
                    object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        keys = [
            *object.__dir__(self),
            *self._parameters,
            *self._modules,
            *self._buffers,
        ]
        return sorted(key for key in set(keys) if not key[0].isdigit())

    # --- iteration -------------------------------------------------------------------------

    def _named_members(
        self,
        get_members: Callable[[Module], Any],
        prefix: str = "",
        recurse: bool = True,
        remove_duplicate: bool = True,
    ) -> Iterator[tuple[str, Any]]:
        memo: set[int] = set()
        modules = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        for module_prefix, module in modules:
            for name, value in get_members(module):
                if value is None or id(value) in memo:
                    continue
                if remove_duplicate:
                    memo.add(id(value))
                yield (module_prefix + ("." if module_prefix else "") + name, value)

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` pairs, each shared parameter once."""
        return self._named_members(
            lambda m: m._parameters.items(), prefix, recurse, remove_duplicate
        )

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """The parameters of this module (and of its submodules when ``recurse``)."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """``(dotted name, buffer)`` pairs."""
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """The buffers of this module (and of its submodules when ``recurse``)."""
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(name, module)`` for the direct children, each module once."""
        memo: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in memo:
                memo.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        """The direct child modules."""
        for _, module in self.named_children():
            yield module

    def named_modules(
        self, memo: set[int] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """``(dotted name, module)`` for this module and all below it, depth first."""
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub_prefix = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub_prefix, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """This module and all modules below it."""
        for _, module in self.named_modules():
            yield module

    # --- modes and gradients -----------------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Set training mode (``mode=False`` is evaluation) on this module and its children."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` of every parameter."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters (to ``None`` by default, else to zeros)."""
        _grads.reset_grads(self.parameters(), set_to_none)

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every submodule (children first) and on this module."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # --- hooks and calling -------------------------------------------------------------------

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

    def share_memory(self) -> Module:
        """Move the parameters and buffers into shared memory (see
        :meth:`arraygrad.Tensor.share_memory_`); returns the module."""
        return self._apply(lambda tensor: tensor.share_memory_())  # type: ignore[attr-defined,no-any-return]

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

    def compile(self, *args: Any, **kwargs: Any) -> None:
        """Compile this module's calls in place with :func:`arraygrad.compile` (its arguments:
        ``mode``, ``fullgraph``, ...), as PyTorch's ``Module.compile``. Calls under
        ``no_grad()`` (inference) replay, and so do calls whose output the caller
        differentiates: the forward replays and the output's node runs a compiled backward
        (see :mod:`arraygrad._compile_aot`)."""
        from arraygrad._compile import compile

        self._compiled_call = compile(self._call_impl, *args, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        compiled = self.__dict__.get("_compiled_call")  # set by compile() (rare)
        if compiled is not None:
            return compiled(*args, **kwargs)
        return self._call_impl(*args, **kwargs)

    def _call_impl(self, *args: Any, **kwargs: Any) -> Any:
        tracer = _backend.tracer
        if tracer is not None:  # arraygrad.compile replays only in the mode it traced in
            tracer.module_called(self)
        if not (
            self._forward_pre_hooks
            or self._forward_hooks
            or self._backward_hooks
            or self._backward_pre_hooks
            or _global_call_hooks  # (every global hook that takes part in calls is in it)
        ):
            return self.forward(*args, **kwargs)
        if not (self._forward_hooks_always_called or _global_forward_hooks_always_called):
            return self._hooked_call(args, kwargs, set())
        # Which hooks have run, so that the failure path calls only the others.
        done: set[int] = set()
        state: dict[str, Any] = {"args": args, "kwargs": kwargs, "output": None}
        try:
            return self._hooked_call(args, kwargs, done, state)
        except Exception as error:
            self._always_called_hooks_after(done, state)
            raise error

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
            backward_hook = BackwardHook(self, hooks, pre_hooks)
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

    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The module-specific part of ``repr`` (e.g. ``in_features=2, out_features=3``)."""
        return ""

    def __repr__(self) -> str:
        extra_lines = []
        extra = self.extra_repr()
        if extra:
            extra_lines = extra.split("\n")
        child_lines = []
        for key, module in self._modules.items():
            child_lines.append("(" + key + "): " + _addindent(repr(module), 2))
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"
