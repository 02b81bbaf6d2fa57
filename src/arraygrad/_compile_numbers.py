"""Python numbers a compiled program reads anew on every replay (for ``arraygrad.compile``).

An optimizer's learning rate is a Python number in a param group dict. An LR schedule stepped
between calls changes it on every call; baked into the program as a constant, it would make
every call trace again. Instead, while a function is traced, the ``lr`` of each param group of
the optimizers an earlier trace of the function stepped is a :class:`TracedNumber`, put into the
group dict for the whole trace and taken out again at its end (see
:meth:`NumberTracing.trace_numbers`, a part of the tracer). Whatever code reads it, the number
either:

- is recorded: Python arithmetic on it with Python numbers (``-lr``, ``1 - lr * wd``,
  ``lr / bc``) is a step of the program on Python numbers, with Python's semantics, so the
  replay computes the same bits as eager code; passed to a recorded call (the backend's
  in-place helpers, ``_backend.xp`` functions, ``scalar_from``, a primitive through a tensor's
  operator: ``p.grad * lr``), it is an operand read at replay, as an array slot is; the program
  reads ``group["lr"]`` itself, in its place, on every replay (the group dict's identity and
  the number's class are guarded); or
- is turned back into its value, a constant of this program, on any other use (a comparison,
  ``bool``, ``float``, ``hash``, formatting, NumPy's conversions, arithmetic with anything but a
  Python number or a tensor, any use while the recorder is not recording): the program then
  gets a guard on that option's value (and class), as every option had before, and is traced
  again when it changes.

So a replay never uses a stale value, whichever way the code reads it: a use the recorder does
not follow costs a retrace per change, not a wrong result. Only the traced call meets a
:class:`TracedNumber`; one the function keeps (``lrs.append(group["lr"])``) acts as its value
afterwards (its arithmetic gives plain numbers), but ``type()`` tells it apart.
"""

from __future__ import annotations

import functools
import math
import operator
import weakref
from collections.abc import Callable
from typing import Any

from arraygrad import _backend
from arraygrad._compile_symbolic import BINARY, CALL, GETITEM, UNARY, Const, Op
from arraygrad._tensor import Tensor

#: The param group options read anew on every replay.
NUMBER_OPTIONS = ("lr",)

#: Every optimizer made, by id (``Optimizer.__init__`` adds itself; by id, as a subclass may
#: not be hashable): a trace notes their options as it starts, to tell an option the function
#: sets before ``step()`` (see ``NumberTracing.trace_numbers``).
OPTIMIZERS: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()

# The classes of value that are traced (bool is an int too, but not a learning rate).
_NUMBER_CLASSES = (int, float)


def is_number(value: Any) -> bool:
    """Whether ``value`` is a Python number a trace can read anew on each replay."""
    return type(value) in _NUMBER_CLASSES


# The operators of TracedNumber, made by these factories in its class body.


def _binary(fn: Any) -> Any:
    def method(self: TracedNumber, other: Any) -> Any:
        if isinstance(other, Tensor):
            # ``lr * p.grad``: the tensor's reflected operator, as for a Python number, which
            # records the number as an operand of the primitive.
            return NotImplemented
        return _operate(BINARY, fn, (self, other))

    return method


def _reflected(fn: Any) -> Any:
    return lambda self, other: _operate(BINARY, fn, (other, self))


def _unary(style: int, fn: Any) -> Any:
    return lambda self: _operate(style, fn, (self,))


def _with_constant(fn: Any) -> Any:
    return lambda self, other: fn(self.constant(), constant_of(other))


def _reflected_with_constant(fn: Any) -> Any:
    return lambda self, other: fn(constant_of(other), self.constant())


class TracedNumber:
    """A Python number read from a param group, ``source`` (``(group, key, optimizer, index)``,
    the group's index in ``optimizer.param_groups``), or computed from such (``source`` None).

    ``value`` is its value in the traced call. ``slot`` is the program slot holding it (made on
    first use for a number read from a dict), ``roots`` the numbers read from dicts it depends
    on, whose values are guarded when it is turned into a constant. ``x.__class__`` is the
    value's class (as for the recorder's traced arrays), so that ``isinstance`` tests take the
    branch they take in eager code; ``type(x)`` is :class:`TracedNumber`.
    """

    __slots__ = ("roots", "slot", "source", "tracer", "value")

    def __init__(
        self,
        value: Any,
        tracer: Any,
        slot: int | None,
        roots: tuple[TracedNumber, ...] | None = None,
        source: Any = None,
    ) -> None:
        self.value = value
        self.tracer = tracer
        self.slot = slot
        self.roots = (self,) if roots is None else roots
        self.source = source

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # type: ignore[override]
        return self.value.__class__  # type: ignore[no-any-return]

    def constant(self) -> Any:
        """The value, as a constant of the program: its roots' values are guarded from now on.
        After the trace (a number kept somewhere), just the value."""
        tracer = self.tracer
        if not tracer.numbers_closed:
            tracer.number_is_constant(self)
        return self.value

    def __repr__(self) -> str:
        return repr(self.constant())

    def __str__(self) -> str:
        return str(self.constant())

    def __format__(self, spec: str) -> str:
        return format(self.constant(), spec)

    def __hash__(self) -> int:
        return hash(self.constant())

    def __bool__(self) -> bool:
        return bool(self.constant())

    def __float__(self) -> float:
        return float(self.constant())

    def __int__(self) -> int:
        return int(self.constant())

    def __complex__(self) -> complex:
        return complex(self.constant())

    def __index__(self) -> int:
        return operator.index(self.constant())

    def __round__(self, digits: Any = None) -> Any:
        return round(self.constant(), digits)

    def __trunc__(self) -> Any:
        return math.trunc(self.constant())

    def __floor__(self) -> Any:
        return math.floor(self.constant())

    def __ceil__(self) -> Any:
        return math.ceil(self.constant())

    def __reduce_ex__(self, protocol: Any) -> Any:
        # copy, deepcopy and pickle (a state_dict saved inside the step) get the plain number
        value = self.constant()
        return (value.__class__, (value,))

    def __getattr__(self, name: str) -> Any:
        # ``lr.real``, ``lr.is_integer()``: the value's, as a constant. A missing attribute (a
        # probe such as NumPy's ``__array_interface__``) raises first and fixes nothing.
        if name in TracedNumber.__slots__:  # not set yet (an object made without __init__)
            raise AttributeError(name)
        found = getattr(self.value, name)
        self.constant()
        return found

    # NumPy: its functions take the value as a plain Python number, as eager code gives them.
    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        array = _backend.to_numpy(_backend.asarray(self.constant()))
        return array if dtype is None else array.astype(dtype)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        inputs = tuple(constant_of(value) for value in inputs)
        kwargs = {k: constant_of(v) for k, v in kwargs.items()}
        return getattr(ufunc, method)(*inputs, **kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return func(*constant_of(args), **{k: constant_of(v) for k, v in kwargs.items()})

    # Arithmetic that computes a number from numbers the same way on every replay is recorded
    # (floor division and modulo would be too, but no optimizer needs them: they make
    # constants).
    __add__ = _binary(operator.add)
    __radd__ = _reflected(operator.add)
    __sub__ = _binary(operator.sub)
    __rsub__ = _reflected(operator.sub)
    __mul__ = _binary(operator.mul)
    __rmul__ = _reflected(operator.mul)
    __truediv__ = _binary(operator.truediv)
    __rtruediv__ = _reflected(operator.truediv)
    __pow__ = _binary(operator.pow)
    __rpow__ = _reflected(operator.pow)
    __neg__ = _unary(UNARY, operator.neg)
    __pos__ = _unary(UNARY, operator.pos)
    __abs__ = _unary(CALL, abs)
    __floordiv__ = _with_constant(operator.floordiv)
    __rfloordiv__ = _reflected_with_constant(operator.floordiv)
    __mod__ = _with_constant(operator.mod)
    __rmod__ = _reflected_with_constant(operator.mod)
    __divmod__ = _with_constant(divmod)
    __rdivmod__ = _reflected_with_constant(divmod)

    # Comparisons choose a path: they make the value a constant.
    def __eq__(self, other: Any) -> Any:
        return self.constant() == constant_of(other)

    def __ne__(self, other: Any) -> Any:
        return self.constant() != constant_of(other)

    def __lt__(self, other: Any) -> Any:
        return self.constant() < constant_of(other)

    def __le__(self, other: Any) -> Any:
        return self.constant() <= constant_of(other)

    def __gt__(self, other: Any) -> Any:
        return self.constant() > constant_of(other)

    def __ge__(self, other: Any) -> Any:
        return self.constant() >= constant_of(other)


def constant_of(value: Any) -> Any:
    """``value`` with the traced numbers in it (in tuples and lists too) as constants."""
    kind = type(value)
    if kind is TracedNumber:
        return value.constant()
    if kind is tuple or kind is list:
        return kind(constant_of(item) for item in value)
    return value


def of_trace(value: Any, tracer: Any) -> Any:
    """``value``, but a traced number that another (earlier) trace made as its value: the
    function kept it (``lrs.append(group["lr"])``), and reads it as any Python value it keeps,
    a constant of this program (its slot is the other trace's)."""
    if type(value) is TracedNumber and value.tracer is not tracer:
        return value.value
    return value


def value_of(value: Any) -> Any:
    """``value`` with the traced numbers in it (in tuples, lists and dicts too) as their values,
    for the real run of a call that records them as operands, or for the caller of a traced
    function (nothing is guarded)."""
    kind = type(value)
    if kind is TracedNumber:
        return value.value
    if kind is tuple or kind is list:
        items = [value_of(item) for item in value]
        if any(new is not old for new, old in zip(items, value, strict=True)):
            return kind(items)
    elif kind is dict:
        pairs = [(value_of(k), value_of(v)) for k, v in value.items()]
        if any(
            k is not old or v is not value[old] for (k, v), old in zip(pairs, value, strict=True)
        ):
            return dict(pairs)
    return value  # the same object where it holds no traced number


def _operate(style: int, fn: Any, operands: tuple[Any, ...]) -> Any:
    """``fn(*operands)`` for operands of which one at least is a traced number: recorded as a
    step on Python numbers when all are numbers and the recorder records, else computed on the
    values, made constants."""
    tracer = None
    for operand in operands:
        kind = type(operand)
        if kind is TracedNumber:
            if tracer is None:
                tracer = operand.tracer
            if operand.tracer is not tracer:
                tracer = False
        elif kind not in _NUMBER_CLASSES:
            tracer = False
    if tracer is False or tracer is None or _backend.tracer is not tracer or tracer.broken:
        # (A trace that will not be kept records nothing: its results are plain numbers, so
        # that what it stores, such as the lr a scheduler stepped inside it writes, is too.)
        return fn(*(constant_of(operand) for operand in operands))
    return tracer.number_op(style, fn, operands)


class NumberTracing:
    """The part of :class:`arraygrad._compile_tracer.Tracer` that puts traced numbers into
    param groups, records their uses and guards their values (a mixin: the attributes below
    are the tracer's)."""

    ops: list[Op]
    numbers: list[TracedNumber]
    options_at_start: dict[int, tuple[Any, ...]]
    stepped: dict[int, Any]
    numbers_used: dict[int, TracedNumber]
    numbers_guarded: set[int]
    numbers_closed: bool

    guard: Callable[..., None]
    untraceable: Callable[..., None]
    encode: Callable[[Any], Any]
    _number_slot: Callable[[Any], int]

    def trace_numbers(self, optimizers: Any) -> None:
        """Put a :class:`TracedNumber` in place of each option of :data:`NUMBER_OPTIONS` that
        is a Python number in the param groups of ``optimizers``, for the whole trace: whatever
        reads it, its uses are recorded or make it a guarded constant (see
        :meth:`untrace_numbers`, which takes them out again). Of the other optimizers, the
        options as the trace starts are noted: a ``step()`` that finds another one (the function
        set it: a replay would not) makes the trace unusable, as :meth:`untrace_numbers` does
        for these (see :meth:`optimizer_stepped`)."""
        known = {id(optimizer) for optimizer in optimizers}
        for optimizer in list(OPTIMIZERS.values()):
            if id(optimizer) not in known:
                for group in optimizer.param_groups:
                    values = _number_options(group)
                    self.options_at_start[id(group)] = (group, *values)
        for optimizer in optimizers:
            for index, group in enumerate(optimizer.param_groups):
                for name in NUMBER_OPTIONS:
                    value = group.get(name)
                    if is_number(value):
                        source = (group, name, optimizer, index)
                        number = TracedNumber(value, self, None, source=source)
                        group[name] = number
                        self.numbers.append(number)

    def untrace_numbers(self) -> None:
        """At the end of the trace: each group's value back in place of its traced number.

        A group whose number the function replaced (``group["lr"] = ...`` inside it) makes the
        trace unusable: a replay would not set it again. The groups of optimizers the function
        used numbers of without calling their ``step()`` (which guards the groups) get a guard
        on the group's identity and the number's class."""
        self.numbers_closed = True
        written = False
        groups: dict[int, dict[str, Any]] = {}
        for number in self.numbers:
            group, name = number.source[:2]
            groups[id(group)] = group
            if group.get(name, None) is number:
                group[name] = number.value
            else:
                written = True
        for group in groups.values():
            for name, value in list(group.items()):
                if type(value) is TracedNumber:  # computed from one, and stored: its value
                    group[name] = value.value
                    written = True
        if written:
            self.untraceable(_OPTION_SET, retry=True)
        for number in self.numbers_used.values():
            self._guard_group(number)

    def _guard_group(self, number: TracedNumber) -> None:
        """Guard the group a number used by the program is read from, unless its optimizer's
        ``step()`` does (its groups' identities, their numbers' classes)."""
        group, name, optimizer, index = number.source
        if id(optimizer) not in self.stepped:
            read = functools.partial(_group_option_class, optimizer, index, group, name)
            self.guard(read, read())

    def number_slot(self, number: TracedNumber) -> int:
        """The slot of a traced number: for one read from a group, a step reading it there,
        written down now, on its first use."""
        if number.slot is None:
            group, name = number.source[:2]
            slot = number.slot = self._number_slot(number.value)
            self.ops.append(
                Op(GETITEM, operator.getitem, (Const(group), Const(name)), {}, slot, True)
            )
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
        return TracedNumber(result, self, slot, tuple(roots.values()))

    def number_is_constant(self, number: TracedNumber) -> None:
        """``number``'s value is a constant of the program: guard the options it comes from."""
        for root in number.roots:
            if id(root) in self.numbers_guarded:
                continue
            self.numbers_guarded.add(id(root))
            self.numbers_used[id(root)] = root
            group, name, optimizer, index = root.source
            describe = functools.partial(_describe_option, type(optimizer).__name__, index, name)
            read = functools.partial(_option_and_class, group, name)
            self.guard(read, (root.value.__class__, root.value), describe)

    def optimizer_stepped(self, optimizer: Any) -> frozenset[int]:
        """``optimizer.step()`` runs: the ids of its groups whose options of
        :data:`NUMBER_OPTIONS` are read anew on each replay (their step guards only their
        class)."""
        self.stepped[id(optimizer)] = optimizer
        for group in optimizer.param_groups:
            start = self.options_at_start.get(id(group))
            if start is not None and start[0] is group:
                now = _number_options(group)
                if any(a is not b for a, b in zip(now, start[1:], strict=True)):
                    self.untraceable(_OPTION_SET, retry=True)
        return frozenset(
            id(group)
            for group in optimizer.param_groups
            if all(_placed(self, group, name) for name in NUMBER_OPTIONS)
        )

    def group_added(self, group: dict[str, Any]) -> None:
        """A param group made during the trace (an optimizer created in the function): its
        options as made are noted, as :meth:`trace_numbers` notes those of the groups there at
        the start, so that a ``step()`` finding another lr (set in the function after it made
        the optimizer: a replay would not set it) makes the trace unusable."""
        values = _number_options(group)
        self.options_at_start.setdefault(id(group), (group, *values))


_OPTION_SET = "an optimizer's lr set inside the function (a replay would not set it again)"


def _placed(tracer: Any, group: dict[str, Any], name: str) -> bool:
    """Whether ``group[name]`` is the number ``tracer`` put there for its trace."""
    value = group.get(name)
    if type(value) is not TracedNumber or value.tracer is not tracer:
        return False
    return value.source is not None and value.source[0] is group


def _number_options(group: dict[str, Any]) -> tuple[Any, ...]:
    """The values of a group's options of :data:`NUMBER_OPTIONS` (``None`` where missing)."""
    return tuple(group.get(name) for name in NUMBER_OPTIONS)


def has_numbers(values: tuple[Any, ...]) -> bool:
    for value in values:
        kind = type(value)
        if kind is TracedNumber or ((kind is tuple or kind is list) and has_numbers(value)):
            return True
    return False


def _option_and_class(group: dict[str, Any], name: str) -> tuple[type, Any]:
    value = group[name]
    return value.__class__, value


def _group_option_class(optimizer: Any, index: int, group: dict[str, Any], name: str) -> Any:
    return optimizer.param_groups[index] is group, group[name].__class__


def _describe_option(kind: str, index: int, name: str, old: Any, new: Any) -> list[str]:
    return [f"option {name!r} of {kind} param group {index}: {old[1]!r} -> {new[1]!r}"]
