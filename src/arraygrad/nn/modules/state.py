"""``state_dict`` and ``load_state_dict`` for :class:`~arraygrad.nn.Module`, with their hooks and
a module's extra (non-tensor) state.

Kept apart from the registration logic of ``module.py``; ``Module`` inherits these methods.
Keys, strict checking, hook signatures and error messages follow PyTorch word for word
(``torch.Size`` reads ``arraygrad.Size``).

Each module keeps its own four hook tables, so a hook concerns that module wherever it sits in a
tree, and is called with the module's key prefix:

>>> import arraygrad.nn as nn
>>> net = nn.Sequential(nn.Linear(2, 2))
>>> handle = net[0].register_state_dict_pre_hook(lambda module, prefix, keep_vars: print(prefix))
>>> keys = list(net.state_dict())
0.
>>> handle.remove()
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from arraygrad._grad_mode import no_grad
from arraygrad._tensor import Size, Tensor
from arraygrad.nn.parameter import Parameter
from arraygrad.utils.hooks import RemovableHandle

if TYPE_CHECKING:
    from arraygrad.nn.modules.module import Module

__all__ = ["StateDictMixin"]

_EXTRA_STATE = "_extra_state"
# The local-metadata entry through which load_state_dict(assign=True) reaches each module's
# _load_from_state_dict (PyTorch's name: code written for PyTorch reads it).
_ASSIGN = "assign_to_params_buffers"
# The base methods raise RuntimeError, as PyTorch's do: state_dict and load_state_dict call them
# only for a class that overrides them, so reaching one is a direct call by the user.
_NOT_OVERRIDDEN = (
    "Module.{method}() was called on {cls}, which does not override it: a module has extra "
    "state only when its class defines get_extra_state() (to save it) and set_extra_state() "
    "(to load it). Fix: override both in {cls}."
)


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What :meth:`Module.load_state_dict` returns: the keys it did not match."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class StateDictMixin:
    """The state-dict methods of ``Module`` (which provides the attributes used here)."""

    # Bumped by a class whose state_dict layout changed; state_dict post-hooks see it.
    _version: int = 1

    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _modules: dict[str, Module | None]
    _non_persistent_buffers_set: set[str]
    # Hook tables, filled by the register_* methods below (created in Module.__init__).
    _save_pre_hooks: dict[int, Callable[..., Any]]
    _save_post_hooks: dict[int, Callable[..., Any]]
    _load_pre_hooks: dict[int, Callable[..., Any]]
    _load_post_hooks: dict[int, Callable[..., Any]]

    # --- hooks -------------------------------------------------------------------------------

    @staticmethod
    def _add_hook(
        table: dict[int, Callable[..., Any]], hook: Callable[..., Any]
    ) -> RemovableHandle:
        handle = RemovableHandle(table)
        table[handle.id] = hook
        return handle

    def register_state_dict_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, prefix, keep_vars)`` before this module's entries are written
        by :meth:`state_dict` (its return value is ignored)."""
        return self._add_hook(self._save_pre_hooks, hook)

    def register_state_dict_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata)`` once this module's and its
        children's entries are in ``state_dict``; it may edit ``state_dict`` in place and must
        return ``None``."""
        return self._add_hook(self._save_post_hooks, hook)

    def register_load_state_dict_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` before this module's entries are loaded.

        ``state_dict`` is the loader's own copy (restricted to this module's keys below the
        top), so the hook may rename or convert entries in place.
        """
        return self._add_hook(self._load_pre_hooks, hook)

    def register_load_state_dict_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(module, incompatible_keys)`` after this module and its children are
        loaded; editing ``incompatible_keys.missing_keys`` / ``.unexpected_keys`` in place
        changes what strict loading reports. The hook must return ``None``."""
        return self._add_hook(self._load_post_hooks, hook)

    # --- extra state -------------------------------------------------------------------------

    def get_extra_state(self) -> Any:
        """Override to store any picklable object as ``<prefix>_extra_state`` in the state
        dict; override :meth:`set_extra_state` to load it back."""
        raise RuntimeError(
            _NOT_OVERRIDDEN.format(method="get_extra_state", cls=type(self).__name__)
        )

    def set_extra_state(self, state: Any) -> None:
        """Override to receive what :meth:`get_extra_state` saved, at load time."""
        raise RuntimeError(
            _NOT_OVERRIDDEN.format(method="set_extra_state", cls=type(self).__name__)
        )

    # --- state dict --------------------------------------------------------------------------

    def _save_to_state_dict(
        self, destination: dict[str, Any], prefix: str, keep_vars: bool
    ) -> None:
        # (Runs once per module: the emptiness tests spare containers and activations a loop.)
        if self._parameters:
            for name, param in self._parameters.items():
                if param is not None:
                    destination[prefix + name] = param if keep_vars else param.detach()
        if self._buffers:
            skipped = self._non_persistent_buffers_set
            for name, buf in self._buffers.items():
                if buf is not None and name not in skipped:
                    destination[prefix + name] = buf if keep_vars else buf.detach()
        if type(self).get_extra_state is not _NO_EXTRA_STATE:
            destination[prefix + _EXTRA_STATE] = self.get_extra_state()

    def state_dict(
        self, *args: Any, destination: Any = None, prefix: str = "", keep_vars: bool = False
    ) -> dict[str, Any]:
        """An ordered dict of all parameters and persistent buffers, keyed by dotted name.

        The values are detached tensors sharing memory with the module's (unless
        ``keep_vars``). Unlike PyTorch's, it has no ``_metadata`` attribute (the per-module
        ``{"version": ...}`` records cost a fifth of the time of this method): post-hooks get
        that record as their ``local_metadata`` all the same, and load hooks get the entries of
        a ``_metadata`` a loaded state dict has, such as one PyTorch saved.
        """
        if args:  # the positional (destination, prefix, keep_vars) form PyTorch still accepts
            destination = args[0]
            if len(args) > 1:
                prefix = args[1]
            if len(args) > 2:
                keep_vars = args[2]
        if destination is None:
            destination = OrderedDict()
        if self._save_pre_hooks:  # (tested first: this path runs once per module)
            for hook in list(self._save_pre_hooks.values()):
                hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(
                    destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars
                )
        if self._save_post_hooks:
            local_metadata = {"version": self._version}
            for hook in list(self._save_post_hooks.values()):
                if hook(self, destination, prefix, local_metadata) is not None:
                    raise RuntimeError(
                        "state_dict post-hook must return None"
                        ". Fix: modify destination in place and return None."
                    )
        return destination  # type: ignore[no-any-return]

    def _load_from_state_dict(
        self,
        state_dict: Mapping[str, Any],
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        """Load this module's own entries of ``state_dict`` (PyTorch's signature, for modules
        that override it); ``strict`` decides whether keys are checked at all."""
        for hook in list(self._load_pre_hooks.values()) if self._load_pre_hooks else ():
            hook(
                self,
                state_dict,
                prefix,
                local_metadata,
                strict,
                missing_keys,
                unexpected_keys,
                error_msgs,
            )
        assign = local_metadata.get(_ASSIGN, False)
        persistent = {
            k: v for k, v in self._buffers.items() if k not in self._non_persistent_buffers_set
        }
        local_state = {
            k: v for k, v in [*self._parameters.items(), *persistent.items()] if v is not None
        }
        for name, param in local_state.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            value = state_dict[key]
            if not hasattr(value, "shape"):
                error_msgs.append(
                    f'While copying the parameter named "{key}", expected arraygrad.Tensor or '
                    f"Tensor-like object from checkpoint but received {type(value)}"
                )
                continue
            if param.ndim == 0 and len(value.shape) == 1 and value.shape[0] == 1:
                value = value[0]
            if Size(value.shape) != param.shape:
                error_msgs.append(
                    f"size mismatch for {key}: copying a param with shape {Size(value.shape)} "
                    f"from checkpoint, the shape in current model is {param.shape}."
                )
                continue
            try:
                with no_grad():
                    if assign:
                        if not isinstance(value, Tensor):
                            value = Tensor._wrap(value)
                        if isinstance(param, Parameter) and not isinstance(value, Parameter):
                            value = Parameter(value, requires_grad=param.requires_grad)
                        setattr(self, name, value)
                    else:
                        param.copy_(value)
            except Exception as ex:
                error_msgs.append(
                    f'While copying the parameter named "{key}", whose dimensions in the model '
                    f"are {param.size()} and whose dimensions in the checkpoint are "
                    f"{Size(value.shape)}, an exception occurred : {ex.args}."
                )
        extra_key = prefix + _EXTRA_STATE
        takes_extra = type(self).set_extra_state is not _NO_EXTRA_STATE_SETTER
        if takes_extra and extra_key in state_dict:
            self.set_extra_state(state_dict[extra_key])
        elif strict and (takes_extra or extra_key in state_dict):
            # Either the state this module expects is absent, or it cannot take what is there.
            (missing_keys if takes_extra else unexpected_keys).append(extra_key)
        if not strict:
            return
        for key in state_dict:
            if key.startswith(prefix) and key != extra_key:
                parts = key[len(prefix) :].split(".", 1)
                if len(parts) > 1:
                    if parts[0] not in self._modules:
                        unexpected_keys.append(key)
                elif parts[0] not in local_state:
                    unexpected_keys.append(key)

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False
    ) -> _IncompatibleKeys:
        """Copy parameters and buffers from ``state_dict`` into this module and its children.

        With ``strict`` the keys must match :meth:`state_dict` exactly; returns the named tuple
        ``(missing_keys, unexpected_keys)``. Shape mismatches are always errors. With
        ``assign`` the module takes the checkpoint's tensors instead of copying into its own.
        Load pre-hooks work on a copy of ``state_dict``, never on the caller's.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"Expected state_dict to be dict-like, got {type(state_dict)}."
                " Fix: pass a mapping such as what module.state_dict() "
                "returned (arraygrad.load(path) reads one from a file)."
            )
        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict(state_dict)
        if metadata is not None:
            state_dict._metadata = metadata  # type: ignore[attr-defined]
        missing: list[str] = []
        unexpected: list[str] = []
        errors: list[str] = []

        def load(module: StateDictMixin, local: Mapping[str, Any], prefix: str = "") -> None:
            local_metadata = {} if metadata is None else metadata.get(prefix[:-1], {})
            if assign:  # a copy: the caller's metadata must not remember this load's choice
                local_metadata = {**local_metadata, _ASSIGN: True}
            # strict=True always: strictness is applied to the collected keys at the end.
            module._load_from_state_dict(
                local, prefix, local_metadata, True, missing, unexpected, errors
            )
            for name, child in module._modules.items():
                if child is not None:
                    child_prefix = prefix + name + "."
                    child_state = {k: v for k, v in local.items() if k.startswith(child_prefix)}
                    load(child, child_state, child_prefix)
            if module._load_post_hooks:
                keys = _IncompatibleKeys(missing, unexpected)
                for hook in list(module._load_post_hooks.values()):
                    if hook(module, keys) is not None:
                        raise AssertionError(
                            "Hooks registered with ``register_load_state_dict_post_hook`` are "
                            "not expected to return new values, if incompatible_keys need to "
                            "be modified, it should be done inplace."
                            " Fix: modify incompatible_keys in place and return None."
                        )

        load(self, state_dict)
        if strict:
            if unexpected:
                keys = ", ".join(f'"{k}"' for k in unexpected)
                errors.insert(0, f"Unexpected key(s) in state_dict: {keys}. ")
            if missing:
                keys = ", ".join(f'"{k}"' for k in missing)
                errors.insert(0, f"Missing key(s) in state_dict: {keys}. ")
        if errors:
            raise RuntimeError(
                "Error(s) in loading state_dict for {}:\n\t{}".format(
                    type(self).__name__, "\n\t".join(errors)
                )
            )
        return _IncompatibleKeys(missing, unexpected)


# The base methods: a class whose methods are these saves / loads no extra state.
_NO_EXTRA_STATE = StateDictMixin.get_extra_state
_NO_EXTRA_STATE_SETTER = StateDictMixin.set_extra_state
