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

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from arraygrad import _backend, _grads
from arraygrad._tensor import Tensor
from arraygrad.nn.modules.call_hooks import CallHooksMixin
from arraygrad.nn.modules.conversion import ConversionMixin
from arraygrad.nn.modules.global_hooks import (
    _global_buffer_registration_hooks,
    _global_call_hooks,
    _global_forward_hooks_always_called,
    _global_module_registration_hooks,
    _global_parameter_registration_hooks,
    _registration_hooks,
    register_module_backward_hook,
    register_module_buffer_registration_hook,
    register_module_forward_hook,
    register_module_forward_pre_hook,
    register_module_full_backward_hook,
    register_module_full_backward_pre_hook,
    register_module_module_registration_hook,
    register_module_parameter_registration_hook,
)
from arraygrad.nn.modules.paths import PathMixin
from arraygrad.nn.modules.state import StateDictMixin
from arraygrad.nn.modules.state import _IncompatibleKeys as _IncompatibleKeys
from arraygrad.nn.parameter import Buffer, Parameter

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
# Module attributes added after modules were first pickled (see Module.__setstate__): the
# state-dict hook tables and the table of always_call forward hooks.
_LATER_HOOK_TABLES = (
    "_save_pre_hooks",
    "_save_post_hooks",
    "_load_pre_hooks",
    "_load_post_hooks",
    "_forward_hooks_always_called",
)


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    first = lines.pop(0)
    rest = [(spaces * " ") + line if line.strip() else "" for line in lines]
    return first + "\n" + "\n".join(rest)


class Module(CallHooksMixin, StateDictMixin, PathMixin, ConversionMixin):
    """Base class for all neural network modules; subclasses define :meth:`forward`.

    Calling a module runs its forward pre-hooks, :meth:`forward`, its forward hooks and sets up
    its backward hooks. ``training`` (switched by :meth:`train` / :meth:`eval`) selects the
    behaviour of layers such as dropout and batch norm. Parameters and submodules assigned as
    attributes are registered (buffers through :meth:`register_buffer`), so :meth:`parameters`
    and :meth:`state_dict` find them.

    >>> import arraygrad
    >>> from arraygrad import nn
    >>> class Scale(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.factor = nn.Parameter(arraygrad.tensor(2.0))
    ...     def forward(self, x):
    ...         return self.factor * x
    >>> Scale()(arraygrad.tensor([1.0, 3.0]))
    tensor([2., 6.], grad_fn=<MulBackward0>)
    """

    training: bool
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _modules: dict[str, Module | None]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}.__init__() got an unexpected keyword argument "
                f"'{next(iter(kwargs))}'. Fix: take your options in your subclass's __init__ and "
                "call super().__init__() with no arguments."
            )
        if args:
            raise TypeError(
                f"{type(self).__name__}.__init__() takes 1 positional argument but "
                f"{len(args) + 1} were given. Fix: take your options in your subclass's __init__ "
                "and call super().__init__() with no arguments."
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
            ". Fix: define forward(self, ...) in the subclass (def forward, not "
            "__call__)."
        )

    # --- registration ----------------------------------------------------------------------

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a tensor that is state but not a parameter (e.g. batch norm's running mean).

        Persistent buffers are part of :meth:`state_dict`.
        """
        if "_buffers" not in self.__dict__:
            raise AttributeError(
                "cannot assign buffer before Module.__init__() call"
                ". Fix: call super().__init__() first in your module's __init__."
            )
        if not isinstance(name, str):
            raise TypeError(
                f"buffer name should be a string. Got {typename(name)}"
                ". Fix: pass the name as a str."
            )
        if "." in name:
            raise KeyError(
                'buffer name can\'t contain "."'
                f" (got {name!r}). Fix: use a name without dots; nest modules to build "
                "dotted paths."
            )
        if name == "":
            raise KeyError('buffer name can\'t be empty string "". Fix: pass a non-empty name.')
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(
                f"attribute '{name}' already exists"
                ". Fix: pick a name that is not already an attribute of "
                f"{type(self).__name__}, or delete the attribute first."
            )
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{typename(tensor)}' object to buffer '{name}' "
                "(arraygrad Tensor or None required). Fix: convert it first, e.g. "
                "arraygrad.as_tensor(value)."
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
            raise AttributeError(
                "cannot assign parameter before Module.__init__() call. Fix: call "
                "super().__init__() first in your module's __init__."
            )
        if not isinstance(name, str):
            raise TypeError(
                f"parameter name should be a string. Got {typename(name)}. Fix: pass the name as "
                "a str, e.g. register_parameter('weight', param)."
            )
        if "." in name:
            raise KeyError(
                'parameter name can\'t contain "."'
                f" (got {name!r}). Fix: use a name without dots; nest modules to build "
                "dotted paths."
            )
        if name == "":
            raise KeyError('parameter name can\'t be empty string "". Fix: pass a non-empty name.')
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(
                f"attribute '{name}' already exists"
                ". Fix: pick a name that is not already an attribute of "
                f"{type(self).__name__}, or delete the attribute first."
            )
        if param is None:
            self._parameters[name] = None
        elif not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{typename(param)}' object to parameter '{name}' "
                "(arraygrad.nn.Parameter or None required)"
                ". Fix: wrap the tensor, nn.Parameter(value), or register it as a buffer "
                "with register_buffer()."
            )
        elif param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                f"created explicitly. To express '{name}' as a function of another Tensor, "
                "compute the value in the forward() method. Fix: register a leaf instead, e.g. "
                "nn.Parameter(tensor.detach())."
            )
        else:
            if _global_parameter_registration_hooks:
                param = _registration_hooks(_global_parameter_registration_hooks, self, name, param)
            self._parameters[name] = param

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module, reachable as the attribute ``name``."""
        if not isinstance(module, Module) and module is not None:
            raise TypeError(
                f"{typename(module)} is not a Module subclass"
                ". Fix: pass an nn.Module instance (or None)."
            )
        if not isinstance(name, str):
            raise TypeError(
                f"module name should be a string. Got {typename(name)}. Fix: pass the name as a "
                "str, e.g. add_module(str(i), module)."
            )
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(
                f"attribute '{name}' already exists"
                ". Fix: pick a name that is not already an attribute of "
                f"{type(self).__name__}, or delete the attribute first."
            )
        if "." in name:
            raise KeyError(
                f'module name can\'t contain ".", got: {name}'
                ". Fix: use a name without dots; nest modules to build dotted paths."
            )
        if name == "":
            raise KeyError('module name can\'t be empty string "". Fix: pass a non-empty name.')
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
                raise AttributeError(
                    "cannot assign parameters before Module.__init__() call. Fix: call "
                    "super().__init__() first in your module's __init__."
                )
            remove_from(
                self.__dict__, self._buffers, self._modules, self._non_persistent_buffers_set
            )
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{typename(value)}' as parameter '{name}' "
                    "(arraygrad.nn.Parameter or None expected)"
                    f". Fix: wrap the tensor, self.{name} = nn.Parameter(value), or delete "
                    f"the parameter first (del self.{name})."
                )
            self.register_parameter(name, value)
        else:
            modules = self.__dict__.get("_modules")
            if isinstance(value, Module):
                if modules is None:
                    raise AttributeError(
                        "cannot assign module before Module.__init__() call. Fix: call "
                        "super().__init__() first in your module's __init__."
                    )
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
                        "(arraygrad.nn.Module or None expected). Fix: assign an nn.Module, or "
                        f"first del the child module '{name}' to store something else."
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
                            "(arraygrad.Tensor or None expected). Fix: assign a tensor, e.g. "
                            "arraygrad.as_tensor(value)."
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
            raise ValueError(
                "training mode is expected to be boolean"
                f" (got {type(mode).__name__} {mode!r}). Fix: pass True or False, e.g. "
                "train(bool(mode))."
            )
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

    def share_memory(self) -> Module:
        """Move the parameters and buffers into shared memory (see
        :meth:`arraygrad.Tensor.share_memory_`); returns the module."""
        return self._apply(lambda tensor: tensor.share_memory_())  # type: ignore[attr-defined,no-any-return]

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
