"""How a compiled optimizer step's guards compare what the step reads (for
:meth:`arraygrad.optim.Optimizer.step` under :func:`arraygrad.compile`): group options and state
values by value where they are Python values, tensors by identity, objects held by identity;
an optimizer's own plain attributes copied; a change said in words for the fallback warning.
"""

from __future__ import annotations

from typing import Any

from arraygrad._compile_numbers import (
    TracedNumber,
    has_numbers,
    is_number_tensor,
    number_class,
    read_value,
    value_of,
)
from arraygrad._tensor import Tensor, version_of

PLAIN_OPTIONS = (bool, int, float, str, type(None))


def option_value(value: Any) -> Any:
    """An option as a compiled step's guard compares it: numbers, strings, ``None`` and tuples
    of them by value; a one-element floating tensor (an ``lr`` given as one) by identity,
    dtype and value, as a Python number option is (in a group whose lr a replay reads anew,
    :func:`number_option_class` compares it instead); another tensor by identity and version;
    anything else (an array a user keeps in the group) by identity, since comparing it could
    raise instead of telling equal from not."""
    if type(value) is TracedNumber:  # (one a compiled step computed and stored)
        value = value.value
    if value.__class__ in PLAIN_OPTIONS:
        return value
    if value.__class__ is tuple and all(v.__class__ in PLAIN_OPTIONS for v in value):
        return value_of(value) if has_numbers(value) else value
    if value.__class__ is list and all(v.__class__ in PLAIN_OPTIONS for v in value):
        # (``betas=[0.9, 0.999]``, which a schedule may change in place): by value, a copy
        return ("list", tuple(value_of(value)))
    if isinstance(value, Tensor):
        if is_number_tensor(value):
            # Not by version: a scheduler fill_s the tensor lr on every step, with the same
            # value too (StepLR between its steps), where the same float lr would replay
            return ("tensor number", id(value), value._data.dtype, read_value(value._data))
        return ("tensor", id(value), version_of(value))
    return ("object", Same(value))


class Same:
    """An object a guard compares by identity. It is held, not just its ``id``: an id alone
    would be taken by a new object (a list, a float) made after the old one is freed, and
    the guard would then hold for another value."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return other.__class__ is Same and other.value is self.value  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return id(self.value)

    def __repr__(self) -> str:
        return f"<{type(self.value).__name__} at {id(self.value):#x}>"


def state_value(value: Any) -> Any:
    """A state entry as a compiled step's guard compares it: a tensor by identity (a replay
    reads its array anew, and holds it), anything else as an option (a Python number that a
    hand-written step keeps, ``state["step"] += 1``, is a constant of the program: by value)."""
    if isinstance(value, Tensor):  # (_signature takes a plain Tensor's id itself)
        return id(value)
    return option_value(value)


# number_class's result for a number, looked up first (a compiled step's guard calls
# number_option_class on every replay, for each option read anew).
_NUMBER_CLASS_OF = {kind: number_class(kind()) for kind in (float, int)}


def number_option_class(value: Any) -> Any:
    """An option read anew by each replay of a compiled step, as its guard compares it: its
    class, for a Python number (a traced one's: its value's), the classes of its items for a
    tuple of them (``betas``), its identity and dtype for a one-element tensor (a tensor lr,
    written in place by the schedulers: not its version)."""
    found = _NUMBER_CLASS_OF.get(value.__class__)
    if found is None:
        found = number_class(value)
    return option_value(value) if found is None else found


# The options a signature leaves out of a group's values: the parameters (compared by id), and
# in a group whose numbers a replay reads anew, those (compared by class, after).
PARAMS = frozenset(("params",))


class _Absent:
    def __repr__(self) -> str:
        return "absent"


ABSENT: Any = _Absent()  # an option one of two signatures lacks


def option_change(old: Any, new: Any) -> str:
    """``old -> new`` for two :func:`option_value` results that differ."""
    if old.__class__ is tuple and new.__class__ is tuple and old[:1] == new[:1]:
        if old[:1] == ("tensor",):
            return "a tensor changed in place" if old[1] == new[1] else "another tensor"
        if old[:1] == ("tensor value",):  # (see number_option_class: a tensor lr read anew)
            if old[1] == new[1]:
                return f"a tensor of dtype {old[2]} -> {new[2]}"
            return "another tensor"
        if old[:1] == ("tensor number",):  # (a tensor lr, a constant guarded by value)
            if old[1] != new[1]:
                return "another tensor"
            if old[2] != new[2]:
                return f"a tensor of dtype {old[2]} -> {new[2]}"
            return f"a tensor of value {old[3]!r} -> {new[3]!r}"
        if old[:1] == ("object",):
            return "another object"
    shown = []
    for value in (old, new):
        if value.__class__ is tuple and value[:1] in (
            ("tensor",),
            ("tensor value",),
            ("tensor number",),
        ):
            text = "a tensor"
        elif value.__class__ is tuple and value[:1] == ("number",):  # (see number_option_class)
            text = "an int" if value[1] is int else f"a {value[1].__name__}"
        elif value.__class__ is tuple and value[:1] == ("numbers",):
            text = f"a tuple of ({', '.join(kind.__name__ for kind in value[1])})"
        else:
            text = repr(value)
        shown.append(text if len(text) <= 60 else text[:57] + "...")
    return " -> ".join(shown)


# Attributes of Optimizer itself that a compiled step's guard on a subclass's plain attributes
# leaves out: _opt_called changes on the first step, and no update reads it; an update reads
# its options from the groups (add_param_group filled them from ``defaults``), and copying and
# comparing ``defaults`` on every replay would cost a built-in step 15 us.
BOOKKEEPING = frozenset(("_opt_called", "defaults"))


def is_plain(value: Any) -> bool:
    """Whether ``value`` is a Python constant of a compiled step: a number, string, None or a
    tuple, list or dict of them (a traced number kept from a trace is not, as the lr guards
    cover it)."""
    kind = value.__class__
    if kind is tuple or kind is list:
        return all(is_plain(item) for item in value)
    if kind is dict:
        return all(is_plain(key) and is_plain(item) for key, item in value.items())
    return kind in PLAIN_OPTIONS


def plain_copy(value: Any) -> Any:
    """A copy of a plain value (see :func:`is_plain`) that the guard keeps: a list or dict
    that a step reads (``self.schedule[0]``) may be changed in place between calls."""
    kind = value.__class__
    if kind is list:
        return [plain_copy(item) for item in value]
    if kind is dict:
        return {key: plain_copy(item) for key, item in value.items()}
    return value
