"""The tracer's side of the numbers a compiled program reads anew (for ``arraygrad.compile``).

:class:`NumberTracing`, a part of the tracer (:class:`arraygrad._compile_tracer.Tracer`), puts
a :class:`~arraygrad._compile_numbers.TracedNumber` into the param groups for a trace and takes
it out again (for an option that is a tensor, such as a tensor lr, gives a traced number for
its ``item()`` instead, see :meth:`NumberTracing.tensor_number`), writes down the steps that
read the options at replay and the arithmetic on them, guards a comparison by its result (a
*predicate guard*, recomputed from the group's current values before each replay) and any other
use by value, and says in words which option changed when a guard misses.
:mod:`arraygrad._compile_numbers` has the numbers themselves.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Any

from arraygrad._compile_numbers import (
    NUMBER_OPTIONS,
    OPTIMIZERS,
    TENSOR_ITEM,
    TracedNumber,
    constant_of,
    has_numbers,
    is_number,
    is_number_tensor,
    is_numbers,
    number_class,
    operate,
    read_value,
    value_of,
)
from arraygrad._compile_symbolic import CALL, GETITEM, Const, Op
from arraygrad._tensor import Tensor, version_of


class NumberTracing:
    """The part of :class:`arraygrad._compile_tracer.Tracer` that puts traced numbers into
    param groups, records their uses and guards their values (a mixin: the attributes below
    are the tracer's)."""

    ops: list[Op]
    numbers: list[TracedNumber]
    placed: dict[tuple[int, str], tuple[dict[str, Any], str, Any, Any]]
    option_slots: dict[tuple[int, str], int]
    predicates: dict[tuple[Any, ...], bool]
    options_at_start: dict[int, tuple[Any, ...]]
    stepped: dict[int, Any]
    numbers_used: dict[int, TracedNumber]
    numbers_guarded: set[int]
    numbers_closed: bool
    number_tensors: dict[int, tuple[Tensor, int, tuple[Any, ...], bool]]
    entry: dict[int, tuple[Tensor, Tensor | None, int, Any]]
    tensor_numbers: dict[int, TracedNumber]

    guard: Callable[..., None]
    untraceable: Callable[..., None]
    encode: Callable[[Any], Any]
    see_tensor: Callable[[Tensor], None]
    slot_of: Callable[[Any], int | None]
    _number_slot: Callable[[Any], int]

    def trace_numbers(self, optimizers: Any) -> None:
        """Put a :class:`TracedNumber` in place of each option of :data:`NUMBER_OPTIONS` that
        is a Python number (a tuple of them in place of a tuple of numbers) in the param groups
        of ``optimizers``, for the whole trace: whatever reads it, its uses are recorded or
        make it a guarded constant (see :meth:`untrace_numbers`, which takes them out again).
        Of the other optimizers, the options as the trace starts are noted: a ``step()`` that
        finds another one (the function set it: a replay would not) makes the trace unusable,
        as :meth:`untrace_numbers` does for these (see :meth:`optimizer_stepped`).

        An option that is a one-element floating tensor (a tensor lr) stays in its group: it is
        noted, with its version, for :meth:`tensor_number`, which gives its ``item()`` as a
        traced number (of the other optimizers: as a constant, guarded by value). It counts as
        put in place (in :attr:`placed`, as itself) for the groups' guards."""
        known = {id(optimizer) for optimizer in optimizers}
        for optimizer in optimizers:
            self._note_tensors(optimizer, read_anew=True)
        for optimizer in list(OPTIMIZERS.values()):
            if id(optimizer) not in known:
                self._note_tensors(optimizer, read_anew=False)
                for group in optimizer.param_groups:
                    values = _number_options(group)
                    self.options_at_start[id(group)] = (group, *values)
        for optimizer in optimizers:
            for index, group in enumerate(optimizer.param_groups):
                for name in NUMBER_OPTIONS:
                    value = group.get(name)
                    if is_number(value):
                        placed: Any = self._traced(value, (group, name, optimizer, index, None))
                    elif is_numbers(value):
                        placed = tuple(
                            self._traced(item, (group, name, optimizer, index, position))
                            for position, item in enumerate(value)
                        )
                    else:  # (a tensor is noted above, and stays)
                        continue
                    group[name] = placed
                    self.placed[id(group), name] = (group, name, value, placed)

    def _note_tensors(self, optimizer: Any, read_anew: bool) -> None:
        """Note the options of ``optimizer``'s groups that are one-element floating tensors
        (by id: the tensor, its version now, the source of its number, and whether a replay
        reads the number anew), the first source of a tensor several groups share."""
        for index, group in enumerate(optimizer.param_groups):
            for name in NUMBER_OPTIONS:
                value = group.get(name)
                if not is_number_tensor(value):
                    continue
                if id(value) not in self.number_tensors:
                    source = (group, name, optimizer, index, TENSOR_ITEM)
                    self.number_tensors[id(value)] = (value, version_of(value), source, read_anew)
                if read_anew:
                    self.placed[id(group), name] = (group, name, value, value)

    def tensor_number(self, tensor: Tensor) -> Any:
        """``tensor.item()`` while the function is traced, for a tensor option noted by
        :meth:`trace_numbers` (a tensor lr); ``None`` for any other tensor (whose ``item()``
        reads its value into Python, which a replay cannot repeat).

        Of an optimizer an earlier trace stepped: a :class:`TracedNumber` of the tensor's
        value, its array met as a captured tensor's (read at replay start), which the program
        reads the number from on every replay, in its place (see :meth:`number_slot`). Of
        another optimizer: the value, a constant of the program guarded by value, as a Python
        number option of such an optimizer is. One number per tensor and trace."""
        noted = self.number_tensors.get(id(tensor))
        if noted is None or noted[0] is not tensor or self.numbers_closed:
            return None
        number = self.tensor_numbers.get(id(tensor))
        if number is None:
            _, _, source, read_anew = noted
            if read_anew:
                self.see_tensor(tensor)
            number = TracedNumber(read_value(tensor._data), self, None, source=source)
            self.numbers.append(number)
            self.tensor_numbers[id(tensor)] = number
            if not read_anew:
                return number.constant()
        elif not noted[3]:
            return number.constant()
        return number

    def _tensor_written(self) -> bool:
        """Whether a tensor option noted by :meth:`trace_numbers` was written in place since
        (a scheduler stepped inside the function ``fill_`` s a tensor lr: a replay would write
        the traced call's value into it again, and leave the scheduler where it is), as a
        number option the function sets makes the trace unusable."""
        return any(version_of(t) != version for t, version, _, _ in self.number_tensors.values())

    def _traced(self, value: Any, source: tuple[Any, ...]) -> TracedNumber:
        number = TracedNumber(value, self, None, source=source)
        self.numbers.append(number)
        return number

    def untrace_numbers(self) -> None:
        """At the end of the trace: each group's value back in place of its traced number.

        A group whose number the function replaced (``group["lr"] = ...`` inside it) makes the
        trace unusable: a replay would not set it again. The groups of optimizers the function
        used numbers of without calling their ``step()`` (which guards the groups) get a guard
        on the group's identity and the number's class."""
        self.numbers_closed = True
        written = False
        groups: dict[int, dict[str, Any]] = {}
        for group, name, value, placed in self.placed.values():
            groups[id(group)] = group
            if group.get(name, None) is placed:
                group[name] = value
            else:
                written = True
        if self._tensor_written():
            self.untraceable(_TENSOR_SET, retry=True)
        for group in groups.values():
            for name, value in list(group.items()):
                if has_numbers((value,)):  # computed from one, and stored: its value
                    group[name] = value_of(value)
                    written = True
        if written:
            self.untraceable(_OPTION_SET, retry=True)
        for number in self.numbers_used.values():
            self._guard_group(number)

    def _guard_group(self, number: TracedNumber) -> None:
        """Guard the group a number used by the program is read from, unless its optimizer's
        ``step()`` does (its groups' identities, their numbers' classes)."""
        group, name, optimizer, index, _ = number.source
        if id(optimizer) not in self.stepped:
            read = functools.partial(_group_option_class, optimizer, index, group, name)
            self.guard(read, read())

    def number_call(self, fn: Callable[[Any], Any], number: Any) -> Any:
        """``fn(number)`` (a function of a Python number to one, such as its rounding to
        float16) for a traced number: a step of the program, as arithmetic on it is, whose
        result is a traced number too (a constant where the recorder does not record)."""
        return operate(CALL, fn, (number,))

    def number_slot(self, number: TracedNumber) -> int:
        """The slot of a traced number: for one read from a group, a step reading it there,
        written down now, on its first use."""
        if number.slot is None:
            group, name, _, _, item = number.source
            slot = number.slot = self._number_slot(number.value)
            if item is TENSOR_ITEM:
                # The tensor's value, from the array the program reads from it (see_tensor)
                tensor = self.placed[id(group), name][2]
                met = self.entry.get(id(tensor))
                array = self.slot_of(tensor._data if met is None else met[3])
                step = Op(CALL, read_value, (array,), {}, slot, True)
            else:
                if item is None:
                    operands: tuple[Any, ...] = (Const(group), Const(name))
                else:  # group[name][item], the tuple read once for all its numbers
                    key = (id(group), name)
                    whole = self.option_slots.get(key)
                    if whole is None:
                        value = self.placed[key][2]  # (the tuple as the group held it)
                        whole = self.option_slots[key] = self._number_slot(value)
                        operands = (Const(group), Const(name))
                        self.ops.append(Op(GETITEM, operator.getitem, operands, {}, whole, True))
                    operands = (whole, Const(item))
                step = Op(GETITEM, operator.getitem, operands, {}, slot, True)
            self.ops.append(step)
            self.numbers_used[id(number)] = number
            if self.numbers_closed:  # first used by the result (returned): guarded now
                self._guard_group(number)
        return number.slot

    def number_op(self, style: int, fn: Any, operands: tuple[Any, ...]) -> Any:
        """``fn(*operands)`` on Python numbers, traced numbers among them, written down as a step
        of the program; its result is a traced number too."""
        result = fn(*value_of(operands))
        if not is_number(result):  # (a complex power): a constant
            constant_of(operands)
            return result
        refs = tuple(self.encode(operand) for operand in operands)
        slot = self._number_slot(result)
        self.ops.append(Op(style, fn, refs, {}, slot, True))
        roots: dict[int, TracedNumber] = {}
        for operand in operands:
            if type(operand) is TracedNumber:
                roots.update((id(root), root) for root in operand.roots)
        return TracedNumber(result, self, slot, tuple(roots.values()), recipe=(fn, operands))

    def number_predicate(self, fn: Any, operands: tuple[Any, ...]) -> Any:
        """``fn(*operands)``, a comparison or ``bool`` of Python numbers, traced numbers among
        them: its result, which the program is specialised on, and a guard that makes the same
        comparison on the options as a replay finds them (once per comparison and operands,
        however often the update makes it). The options' values are not guarded: a replay
        with others that compare the same way computes with them."""
        result = fn(*value_of(operands))
        if result.__class__ is not bool:  # (no comparison of numbers gives anything else)
            constant_of(operands)
            return result
        scope: dict[str, Any] = {}
        names: dict[Any, str] = {}
        text = _call(fn, operands, scope, names)
        key = (text, *names)  # the source, and what its names stand for
        if key not in self.predicates:
            self.predicates[key] = result
            defaults = ", ".join(f"{name}={name}" for name in scope)
            read = eval(f"lambda {defaults}: {text}", scope)  # one call per replay, no closures
            roots: dict[int, TracedNumber] = {}
            for operand in operands:
                if type(operand) is TracedNumber:
                    roots.update((id(root), root) for root in operand.roots)
            for root in roots.values():
                self.numbers_used.setdefault(id(root), root)  # its group guarded (see above)
            traced = [(root.source, root.value) for root in roots.values()]
            self.guard(read, result, functools.partial(_describe_predicate, traced))
        return result

    def number_is_constant(self, number: TracedNumber) -> None:
        """``number``'s value is a constant of the program: guard the options it comes from."""
        for root in number.roots:
            if id(root) in self.numbers_guarded:
                continue
            self.numbers_guarded.add(id(root))
            self.numbers_used[id(root)] = root
            group, name, optimizer, index, item = root.source
            kind = type(optimizer).__name__
            describe = functools.partial(_describe_option, kind, index, _label(name, item))
            read = functools.partial(_option_and_class, group, name, item)
            self.guard(read, (root.value.__class__, root.value), describe)

    def optimizer_stepped(self, optimizer: Any) -> dict[int, tuple[str, ...]]:
        """``optimizer.step()`` runs: for each of its groups whose options of
        :data:`NUMBER_OPTIONS` are read anew on each replay (their step guards only their
        class), by id, the names of those options."""
        self.stepped[id(optimizer)] = optimizer
        for group in optimizer.param_groups:
            start = self.options_at_start.get(id(group))
            if start is not None and start[0] is group:
                now = _number_options(group)
                if any(a is not b for a, b in zip(now, start[1:], strict=True)):
                    self.untraceable(_OPTION_SET, retry=True)
        if self._tensor_written():
            self.untraceable(_TENSOR_SET, retry=True)
        groups = {}
        for group in optimizer.param_groups:
            names = tuple(name for name in NUMBER_OPTIONS if self._placed(group, name))
            # (An option that could be read anew but is not, such as one the function set,
            # leaves the whole group's options guarded by value.)
            if names and all(
                name in names or not (is_number(value) or is_numbers(value))
                for name, value in zip(NUMBER_OPTIONS, _number_options(group), strict=True)
            ):
                groups[id(group)] = names
        return groups

    def _placed(self, group: dict[str, Any], name: str) -> bool:
        """Whether ``group[name]`` is what this trace put there."""
        entry = self.placed.get((id(group), name))
        return entry is not None and entry[0] is group and entry[3] is group.get(name)

    def group_added(self, group: dict[str, Any]) -> None:
        """A param group made during the trace (an optimizer created in the function): its
        options as made are noted, as :meth:`trace_numbers` notes those of the groups there at
        the start, so that a ``step()`` finding another lr (set in the function after it made
        the optimizer: a replay would not set it) makes the trace unusable."""
        values = _number_options(group)
        self.options_at_start.setdefault(id(group), (group, *values))


_OPTION_SET = (
    "an optimizer's lr, momentum or betas set inside the function (a replay would not set it again)"
)
_TENSOR_SET = (
    "an optimizer's tensor lr written inside the function (a replay would write the traced "
    "call's value into it again)"
)


def _name(value: Any, scope: dict[str, Any], names: dict[Any, str]) -> str:
    """The name of ``value`` in a predicate guard's ``scope`` (by identity, or for a number by
    class and repr, which tells 0.0 from -0.0: the same name for the same value)."""
    key = (value.__class__, repr(value)) if is_number(value) else id(value)
    name = names.get(key)
    if name is None:
        name = names[key] = f"_{len(names)}"
        scope[name] = value
    return name


def _expression(value: Any, scope: dict[str, Any], names: dict[Any, str]) -> str:
    """Python source computing ``value`` as a replay finds the options: a traced number read
    from a group as that read, one computed from such as its recipe, a number as a name."""
    if type(value) is not TracedNumber:
        return _name(value, scope, names)
    if value.source is not None:
        group, name, _, _, item = value.source
        read = f"{_name(group, scope, names)}[{name!r}]"
        if item is TENSOR_ITEM:  # (from its array: a guard records nothing, traced or not)
            return f"{_name(read_value, scope, names)}({read}._data)"
        return read if item is None else f"{read}[{item}]"
    fn, operands = value.recipe  # type: ignore[misc]
    return _call(fn, operands, scope, names)


def _call(fn: Any, operands: tuple[Any, ...], scope: dict[str, Any], names: dict[Any, str]) -> str:
    arguments = ", ".join(_expression(operand, scope, names) for operand in operands)
    return f"{_name(fn, scope, names)}({arguments})"


def _number_options(group: dict[str, Any]) -> tuple[Any, ...]:
    """The values of a group's options of :data:`NUMBER_OPTIONS` (``None`` where missing)."""
    return tuple(group.get(name) for name in NUMBER_OPTIONS)


def _label(name: str, item: Any) -> str:
    if item is TENSOR_ITEM:
        return f"{name!r} (a tensor's value)"
    return repr(name) if item is None else f"{name!r} (item {item})"


def _option_and_class(group: dict[str, Any], name: str, item: Any) -> tuple[type, Any]:
    if item is TENSOR_ITEM:
        value = read_value(group[name]._data)
    else:
        value = group[name] if item is None else group[name][item]
    return value.__class__, value


def _group_option_class(optimizer: Any, index: int, group: dict[str, Any], name: str) -> Any:
    return optimizer.param_groups[index] is group, number_class(group[name])


def _describe_option(kind: str, index: int, label: str, old: Any, new: Any) -> list[str]:
    return [f"option {label} of {kind} param group {index}: {old[1]!r} -> {new[1]!r}"]


def _describe_predicate(traced: list[tuple[Any, Any]], old: Any, new: Any) -> list[str]:
    """A predicate guard that missed, in words: the options it compares, as traced and now."""
    changes = []
    for (group, name, optimizer, index, item), value in traced:
        try:
            now = repr(_option_and_class(group, name, item)[1])
        except Exception:  # deleted, or no longer a tuple
            now = "unreadable"
        changes.append(
            f"option {_label(name, item)} of {type(optimizer).__name__} param group {index}: "
            f"{value!r} -> {now} (a comparison the step branches on: {old!r} -> {new!r})"
        )
    return changes
