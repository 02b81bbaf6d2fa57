"""``torch.utils.hooks``: the handle that every ``register_*hook`` method returns.

One class serves every hook table of arraygrad (modules, tensors, ``grad_fn`` nodes, optimizers,
``autograd.graph.register_multi_grad_hook``): a table maps handle ids to hooks, and
``remove()`` takes the handle's id out of it. The handle refers to its tables weakly, as
PyTorch's does, so that it does not keep a module's or a tensor's hooks alive; the tables are
therefore ``OrderedDict``\\ s (a plain ``dict`` cannot be referred to weakly).
"""

from __future__ import annotations

import warnings
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["RemovableHandle", "unserializable_hook", "warn_if_has_hooks"]


class RemovableHandle:
    """A handle that removes a hook from its table(s).

    Args:
        hooks_dict: the table the hook is stored in, under this handle's :attr:`id`.
        extra_dict: another table, or a list of tables, where the hook has entries under the
            same id, removed together with it.

    >>> from collections import OrderedDict
    >>> hooks = OrderedDict()
    >>> handle = RemovableHandle(hooks)
    >>> hooks[handle.id] = print
    >>> with handle:
    ...     len(hooks)
    1
    >>> len(hooks)
    0
    """

    id: int
    next_id: int = 0

    def __init__(self, hooks_dict: Any, *, extra_dict: Any = None) -> None:
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        # One table, or an iterable of them (a list, as nn.Module passes).
        tables = () if extra_dict is None else extra_dict
        if isinstance(tables, dict):
            tables = [tables]
        self.extra_dict_ref: tuple[Any, ...] = tuple(weakref.ref(table) for table in tables)

    def remove(self) -> None:
        """Remove the hook (a second call, or one after its tables are gone, does nothing)."""
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            table = ref()
            if table is not None and self.id in table:
                if isinstance(table, set):  # (a set of ids: the hooks that take kwargs)
                    table.discard(self.id)
                else:
                    del table[self.id]

    def __getstate__(self) -> tuple[Any, ...]:
        return (self.hooks_dict_ref(), self.id, tuple(ref() for ref in self.extra_dict_ref))

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        # A table that was gone when the handle was pickled comes back as a dead reference.
        table = state[0]
        self.hooks_dict_ref = weakref.ref(OrderedDict() if table is None else table)
        self.id = state[1]
        RemovableHandle.next_id = max(RemovableHandle.next_id, self.id + 1)
        extra = state[2] if len(state) > 2 else ()
        self.extra_dict_ref = tuple(weakref.ref(table) for table in extra)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def unserializable_hook(f: Callable[..., Any]) -> Callable[..., Any]:
    """Mark ``f`` as a hook that is not meant to be saved with its tensor, which silences
    :func:`warn_if_has_hooks` about it. Returns ``f``."""
    f.__torch_unserializable__ = True  # type: ignore[attr-defined]
    return f


def warn_if_has_hooks(tensor: Any) -> None:
    """Warn for each gradient hook of ``tensor`` (``register_hook``) not marked with
    :func:`unserializable_hook`: saving the tensor does not save its hooks."""
    node = tensor._node
    hooks = tensor._hooks if node is None else node.hooks
    for hook in (hooks or {}).values():
        if not hasattr(hook, "__torch_unserializable__"):
            warnings.warn(
                f"backward hook {hook!r} on tensor will not be serialized.  If this is "
                "expected, you can decorate the function with "
                "@torch.utils.hooks.unserializable_hook to suppress this warning",
                stacklevel=2,
            )
