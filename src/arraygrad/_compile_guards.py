"""What a compiled program's guards read, in words (for ``arraygrad.compile``'s warnings).

A program replays only while its guard tuple (see :mod:`._compile_program`) equals the one the
trace read. When a function needs a new program on every call, ``arraygrad.compile`` gives up
and says which guards keep changing: it reads the guards of the most recent program again, now,
and :func:`describe_changes` puts each value that differs into user terms ("attribute
'global_step' of module Sequential[0] (Linear): 7 -> 8"). This runs once, when giving up: it
may be slow, and it never touches the replay's hot path.

Each guard has an *about* entry, a tuple saying what it reads:

- ``("plain", text)``: a value shown as ``text: old -> new`` (grad mode);
- ``("input", position, what)``: an input's class, shape, dtype, flag, ``.grad``, gradient
  hooks or value;
- ``("tensor", tensor, what, shape, owner)``: the same for a tensor the function captures, of
  ``shape`` at the trace, the ``.grad`` of ``owner`` then (or ``None``);
- ``("layout", position, shape, tensor, owner)``: the strides of input ``position`` or of a
  captured ``tensor`` (``position`` then ``None``);
- ``("module", module, attribute)``: a module's Python attribute;
- ``("hooks", guard)``: the forward and backward hooks of the modules called, and the global
  ones (a ``HookGuard`` of :mod:`._compile_program`);
- ``("guard", describe)``: another guard (an optimizer's options and state), with a function
  ``describe(old, new) -> list[str]``, or ``None``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

_MAX_SHOWN = 4  # changes named in a warning; more are counted


class Unreadable:
    """A guard that raised when read (an option deleted: ``KeyError``)."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def __repr__(self) -> str:
        return f"<unreadable: {type(self.error).__name__}>"


def _differs(old: Any, new: Any) -> bool:
    """Whether a guard comparing ``old`` with ``new`` misses (as a tuple compares items)."""
    if old is new:
        return False
    try:
        return not bool(old == new)
    except Exception:  # an array's == is not a bool: the guard missed on it too
        return True


def _short(value: Any, what: str = "") -> str:
    """``value`` for a warning; ``what`` the guard's kind ("shape", "dtype", "class")."""
    if isinstance(value, Unreadable):
        return f"deleted or unreadable ({type(value.error).__name__})"
    if what == "shape" and value.__class__ is tuple:
        text = str(list(value))  # [4, 3], as tensors print their shape
    elif what == "dtype":
        text = str(value)  # float32, not dtype('float32')
    elif what == "class" and isinstance(value, type):
        text = value.__name__
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _path(prefix: str, dotted: str) -> str:
    """``Sequential`` and ``0.weight`` -> ``Sequential[0].weight``."""
    parts = [f"[{p}]" if p.isdigit() else f".{p}" for p in dotted.split(".") if p]
    return prefix + "".join(parts)


class _Names:
    """Names of the modules and tensors a program met, from the modules it called: each named
    by its path from an outermost one (``Sequential[0]``, ``Net.fc1``)."""

    def __init__(self, modules: Iterable[Any]) -> None:
        modules = list(modules)
        below: set[int] = set()
        for module in modules:
            below.update(id(m) for _, m in list(module.named_modules())[1:])
        self.modules: dict[int, str] = {}
        self.tensors: dict[int, str] = {}
        for root in modules:
            if id(root) in below:
                continue
            prefix = type(root).__name__
            for dotted, module in root.named_modules():
                label = _path(prefix, dotted)
                if dotted:
                    label += f" ({type(module).__name__})"
                self.modules.setdefault(id(module), label)
            for dotted, parameter in root.named_parameters():
                self.tensors.setdefault(id(parameter), "parameter " + _path(prefix, dotted))
            for dotted, buffer in root.named_buffers():
                self.tensors.setdefault(id(buffer), "buffer " + _path(prefix, dotted))

    def module(self, module: Any) -> str:
        name = self.modules.get(id(module))
        return f"module {name}" if name is not None else f"a {type(module).__name__} module"

    def tensor(self, tensor: Any, shape: Any, owner: Any = None) -> str:
        """``tensor``'s name; ``owner``: the tensor whose ``.grad`` it was at the trace."""
        if owner is not None:
            return "the .grad of " + self.tensor(owner, owner.shape)
        name = self.tensors.get(id(tensor))
        if name is None:
            name = f"a captured tensor of shape {_short(tuple(shape), 'shape')}"
        return name


_WORDS = {"rg": "requires_grad"}  # what a guard reads, where its code name is not the word


def _describe(about: tuple[Any, ...], old: Any, new: Any, names: _Names) -> list[str]:
    kind = about[0]
    what = about[2] if kind in ("input", "tensor") else ""
    change = f"{_short(old, what)} -> {_short(new, what)}"
    if kind == "plain":
        return [f"{about[1]}: {change}"]
    if kind == "input":
        position = about[1]
        if what == "has_grad":
            return [f"input {position} has a .grad (it had none at the trace)"]
        if what == "identity":
            return [f"input {position} is another object than at the trace"]
        if what == "leaf":
            was, now = ("a leaf", "a computed tensor") if old else ("a computed tensor", "a leaf")
            return [f"input {position} is {now} (it was {was} at the trace)"]
        if what == "hooks":
            return [
                f"the gradient hooks of input {position} (registered or removed since the trace)"
            ]
        return [f"input {position}'s {_WORDS.get(what, what)}: {change}"]
    if kind == "tensor":
        tensor, _, shape, owner = about[1:]
        name = names.tensor(tensor, shape, owner)
        if what == "grad":  # its id
            if old == id(None):
                return [f"{name} has a .grad (it had none at the trace)"]
            if new == id(None):
                return [f"{name} has no .grad (it had one at the trace)"]
            return [f"the .grad of {name} (another tensor than at the trace)"]
        if what == "has_grad":
            return [f"{name} has no .grad (it had one at the trace)"]
        if what == "hooks":
            return [f"the gradient hooks of {name} (registered or removed since the trace)"]
        if what == "node":
            return [f"the graph node (grad_fn) of {name} (another one than at the trace)"]
        return [f"{_WORDS.get(what, what)} of {name}: {change}"]
    if kind == "layout":
        position, shape, tensor, owner = about[1:]
        name = f"input {position}" if tensor is None else names.tensor(tensor, shape, owner)
        return [f"the memory layout (strides) of {name}: {change}"]
    if kind == "module":
        return [f"attribute {about[2]!r} of {names.module(about[1])}: {change}"]
    if kind == "hooks":  # a HookGuard: the modules whose forward or backward hooks changed
        found = about[1].changed()
        where = ", ".join(
            "the global module hooks" if m is None else names.module(m) for m in found
        )
        return [
            f"the forward or backward hooks of {where or 'the modules it calls'} "
            "(registered or removed since the trace)"
        ]
    if kind == "member":  # "parameter 'weight'": another object than at the trace
        return [f"the {about[2]} of {names.module(about[1])} (another object than at the trace)"]
    describe: Callable[[Any, Any], list[str]] | None = about[1]
    if describe is not None:
        try:
            described = describe(old, new)
        except Exception:  # a description is help; it must not fail the call
            described = []
        if described:
            return described
    return ["a guarded value (an optimizer's options or state)"]


def describe_changes(
    about: list[tuple[Any, ...]], expected: tuple[Any, ...], now: list[Any], modules: Iterable[Any]
) -> list[str]:
    """The guards whose value ``now`` differs from the traced ``expected``, in words."""
    names = _Names(modules)
    changes: list[str] = []
    for entry, old, new in zip(about, expected, now, strict=True):
        if _differs(old, new):
            changes += _describe(entry, old, new, names)
    return changes


def summary(changes: list[str]) -> str:
    """``changes`` joined for a warning, at most :data:`_MAX_SHOWN` of them."""
    shown = "; ".join(changes[:_MAX_SHOWN])
    more = len(changes) - _MAX_SHOWN
    return shown + (f"; and {more} more" if more > 0 else "")
