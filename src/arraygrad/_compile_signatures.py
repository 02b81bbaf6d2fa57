"""A compiled function's call signatures: what each of its programs is specialised on (the grad
mode, each tensor argument's shape, dtype, ``requires_grad``, being a leaf and having a
``.grad``, the other arguments' values, the keyword arguments' names), and how two signatures
differ, in words, for ``arraygrad.compile``'s warning when a function keeps needing new ones.
"""

from __future__ import annotations

from typing import Any

from arraygrad._grad_mode import grad_enabled
from arraygrad._tensor import Tensor


def signature(args: tuple[Any, ...], names: tuple[str, ...] = ()) -> Any:
    """What a program is specialised on: grad mode, tensor signatures, other argument values,
    and the names of the keyword arguments (``names``: the last ``len(names)`` of ``args``)."""
    parts: list[Any] = [grad_enabled.get()]
    for value in args:
        if value.__class__ is Tensor or isinstance(value, Tensor):
            # Whether it is a leaf (a backward may go on into a computed input's graph) and has
            # a .grad (eager code accumulates into it: those calls run eagerly, see
            # Tracer.see_tensor), so that such calls do not make the others run eagerly too.
            leaf, gradless = value._node is None, value._grad is None
            parts.append(
                ("T", tuple(value._data.shape), value._data.dtype, value._rg, leaf, gradless)
            )
        else:
            try:
                hash(value)
            except TypeError:
                parts.append(("id", id(value)))
            else:
                parts.append(("v", type(value), value))
    if names:
        parts.append(("keywords", names))
    return tuple(parts)


def differing_arguments(old: Any, new: Any) -> list[str]:
    """The arguments in which two :func:`signature` values differ, in words."""
    found = ["the grad mode"] if old[0] != new[0] else []
    old_args, old_names = _split_signature(old)
    new_args, new_names = _split_signature(new)
    if old_names != new_names:
        found.append(
            f"the keyword arguments ({', '.join(old_names) or 'none'} -> "
            f"{', '.join(new_names) or 'none'})"
        )
    elif len(old_args) != len(new_args):
        found.append("the number of arguments")
    else:
        first_keyword = len(new_args) - len(new_names)
        for position, (a, b) in enumerate(zip(old_args, new_args, strict=True)):
            if a == b:
                continue
            name = (
                f"argument {position}"
                if position < first_keyword
                else f"keyword argument {new_names[position - first_keyword]!r}"
            )
            if a[0] == b[0] == "v":
                found.append(f"{name}'s value ({a[2]!r} -> {b[2]!r})")
            elif a[0] == b[0] == "T":
                found.append(f"{name}'s shape, dtype, requires_grad, being a leaf or .grad")
            elif a[0] == b[0] == "id":
                found.append(f"{name} (another object)")
            else:
                found.append(name)
    return found


def _split_signature(key: Any) -> tuple[tuple[Any, ...], tuple[str, ...]]:
    """A :func:`signature`'s arguments' parts and its keyword names."""
    parts = key[1:]
    if parts and parts[-1][0] == "keywords":
        return parts[:-1], parts[-1][1]
    return parts, ()
