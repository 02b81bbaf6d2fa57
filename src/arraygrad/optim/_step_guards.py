"""How a compiled optimizer step's guards compare what the step reads (for
:meth:`arraygrad.optim.Optimizer.step` under :func:`arraygrad.compile`): group options and state
values by value where they are Python values, tensors by identity, objects held by identity;
an optimizer's own plain attributes copied; a change said in words for the fallback warning.
:class:`TracedStep`, a mixin of the optimizer base class, sets those guards as a step is traced.
"""

from __future__ import annotations

import functools
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


class TracedStep:
    """What :meth:`arraygrad.optim.Optimizer.step` tells ``arraygrad.compile`` as it runs while
    a step is traced: the guards its replay checks (every group's options and parameters, the
    state's entries, the optimizer's plain attributes) and the tensors the replay reads anew.
    A mixin of :class:`~arraygrad.optim.Optimizer`, which holds ``param_groups`` and ``state``.
    """

    param_groups: list[dict[str, Any]]
    state: Any

    def _traced_step_begins(self, tracer: Any) -> Any:
        """What arraygrad.compile needs as a step begins; returns the state's entries."""
        # The update is replayed with the options, parameters and state buffers of this call
        # as constants: it replays only while they are the same. But for the lr, momentum and
        # betas of the groups it reads anew on every replay (see _compile_numbers, an LR or
        # momentum schedule stepped between calls): of those, only the class is guarded (and
        # comparisons the update makes, by their own guards).
        numbers = {
            group: (frozenset(("params", *names)), names)
            for group, names in tracer.optimizer_stepped(self).items()
        }
        signature = functools.partial(self._signature, numbers) if numbers else self._signature
        tracer.guard(signature, signature(), self._signature_changes)
        # The optimizer's own plain attributes, which a step of a subclass may read
        # (``self.scale``): a replay needs them as they are now.
        attributes = self._plain_attributes()
        if attributes:
            tracer.guard(self._plain_attributes, attributes, self._attribute_changes)
        # Every parameter and state tensor may come from outside the compiled function: a
        # replay reads their arrays anew and repeats their version bumps. Parameters with a
        # gradient or not: the program is then specialised on each one's .grad as the call
        # found it, so one that has no gradient now and gets one later (a step updates only
        # those with one) makes the next call trace again. (State made by this step makes
        # it unreplayable anyway, below.)
        for group in self.param_groups:
            for p in group["params"]:
                tracer.see_tensor(p)
        for values in self.state.values():
            for value in values.values():
                if isinstance(value, Tensor):
                    tracer.see_tensor(value)
        return self._state_entries()

    def _traced_step_ends(self, tracer: Any, state_before: Any) -> None:
        if self._state_entries() != state_before:
            # A replay would not make the state again (momentum buffers, step counts): its
            # first step runs eagerly, and the next call is traced with the state in place.
            tracer.untraceable(f"{type(self).__name__}'s first step (it creates its state)", True)

    def _plain_attributes(self) -> dict[str, Any]:
        """The optimizer's attributes that are numbers, strings, None or tuples, lists or dicts
        of them, copied (not the base class's bookkeeping)."""
        return {
            name: plain_copy(value)
            for name, value in vars(self).items()
            if name not in BOOKKEEPING and is_plain(value)
        }

    def _attribute_changes(self, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
        kind = type(self).__name__
        return [
            f"attribute {name!r} of {kind}: {old.get(name, ABSENT)!r} -> {new.get(name, ABSENT)!r}"
            for name in sorted(set(old) | set(new), key=str)
            if old.get(name, ABSENT) != new.get(name, ABSENT)
        ]

    def _signature(
        self, numbers: dict[int, tuple[frozenset[str], tuple[str, ...]]] | None = None
    ) -> tuple[Any, ...]:
        """Every group's options and parameters, and every state value (a tensor's identity,
        a Python value as an option, see :func:`state_value`); for the
        groups in ``numbers`` (by id: the options left out of the values, the names of those
        a replay reads anew, of ``NUMBER_OPTIONS``), the class of each of those options
        instead of its value, last.

        A compiled step reads it on every replay: list comprehensions, with plain values taken
        as they are, cost 20% less than generators calling :func:`option_value` on each."""
        plain = PLAIN_OPTIONS
        groups = []
        for group in self.param_groups:
            traced = numbers.get(id(group)) if numbers else None
            left_out = PARAMS if traced is None else traced[0]
            options = [
                (k, v if v.__class__ in plain else option_value(v))
                for k, v in group.items()
                if k not in left_out
            ]
            if traced is not None:
                options += [(k, number_option_class(group.get(k, ABSENT))) for k in traced[1]]
            groups.append((id(group), tuple(map(id, group["params"])), tuple(options)))
        state = tuple(
            [
                (
                    id(p),
                    tuple(
                        [
                            (k, id(v) if v.__class__ is Tensor else state_value(v))
                            for k, v in values.items()
                        ]
                    ),
                )
                for p, values in self.state.items()
            ]
        )
        return tuple(groups), state

    def _signature_changes(self, old: tuple[Any, ...], new: tuple[Any, ...]) -> list[str]:
        """What differs between two :meth:`_signature` values, in words: for
        ``arraygrad.compile``'s warning about a step that changes on every call."""
        kind = type(self).__name__
        (old_groups, old_state), (new_groups, new_state) = old, new
        changes = []
        if len(old_groups) != len(new_groups):
            changes.append(
                f"the number of {kind}'s param groups: {len(old_groups)} -> {len(new_groups)}"
            )
        where: dict[int, str] = {}  # id(parameter) -> where it is, for state changes
        # (groups added or removed are counted above)
        for index, (before, after) in enumerate(zip(old_groups, new_groups, strict=False)):
            group = f"{kind} param group {index}"
            where.update((p, f"parameter {i} of {group}") for i, p in enumerate(after[1]))
            if before[0] != after[0]:
                changes.append(f"{group} (replaced by another dict)")
            if before[1] != after[1]:
                changes.append(f"the parameters of {group}")
            old_options, new_options = dict(before[2]), dict(after[2])
            for name in {**old_options, **new_options}:
                a, b = old_options.get(name, ABSENT), new_options.get(name, ABSENT)
                if a != b:
                    changes.append(f"option {name!r} of {group}: {option_change(a, b)}")
        old_entries, new_entries = dict(old_state), dict(new_state)
        for p in {**old_entries, **new_entries}:
            a, b = dict(old_entries.get(p, ())), dict(new_entries.get(p, ()))
            for name in {**a, **b}:
                if a.get(name) != b.get(name):
                    what = "added" if name not in a else "removed" if name not in b else "replaced"
                    owner = where.get(p, "a parameter")
                    changes.append(f"{kind}'s state {name!r} of {owner} ({what})")
        return changes

    def _state_entries(self) -> set[tuple[int, str]]:
        return {(id(p), k) for p, values in self.state.items() for k in values}
