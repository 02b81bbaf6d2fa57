"""The recorder of :mod:`arraygrad._compile`: while a compiled function's first call runs eagerly,
it writes down every array computation underneath as a flat program over slots, and notes what
the program depends on from outside (captured tensors and their ``.grad``, the called modules'
options, optimizer state), which become the program's guards (see :class:`Tracer`)."""

from __future__ import annotations

import functools
import operator
import sys
from collections.abc import Callable, Iterable
from typing import Any

from arraygrad import _backend, _dtype
from arraygrad._compile_number_tracing import NumberTracing
from arraygrad._compile_numbers import (
    TracedNumber,
    constant_of,
    has_numbers,
    of_trace,
    value_of,
)
from arraygrad._compile_program import DROPPED_GRAD
from arraygrad._compile_symbolic import (
    CALL,
    FOLD,
    GETITEM,
    Const,
    Op,
    Seq,
    decompose,
    is_mutable_array,
    slots_in,
    slots_read,
)
from arraygrad._compile_watched import (
    call_hooks_of,
    global_call_hooks,
    hooks_of,
    module_members,
    plain_attributes,
)
from arraygrad._tensor import Tensor, describe, version_of

# Namespace functions that make an array from constants alone: with constant arguments their
# result is computed once and replayed as a copy.
_CREATION = ("ones", "zeros", "full", "eye", "arange", "linspace", "asarray")


# Results whose shape depends on the values: the shapes a program is specialised on (and the
# shape logic of everything after them) would be those of the traced call.
_VALUE_SHAPED = (
    "a result whose shape depends on the values (boolean mask indexing, unique, nonzero)"
)
_VALUE_SHAPED_FUNCTIONS = frozenset(
    ("nonzero", "argwhere", "flatnonzero", "unique", "unique_values", "unique_all")
    + ("unique_counts", "unique_inverse")
)


def _getitem_forward() -> Any:
    from arraygrad import ops

    return ops.getitem.forward


def _has_mask(key: Any) -> bool:
    parts = key if isinstance(key, tuple) else (key,)
    return any(_backend.is_array(p) and p.dtype == bool and p.ndim > 0 for p in parts)


class Tracer(NumberTracing):
    """Writes down array calls as a flat program over slots while a function runs eagerly."""

    def __init__(self) -> None:
        self.slots: dict[int, int] = {}  # id(array) -> slot
        self.keep: list[Any] = []  # keeps traced arrays alive, so that ids stay unique
        self.loads: list[tuple[int, Any]] = []  # (slot, tensor reference) read at replay start
        self.entry_values: list[Any] = []  # copies of the loaded arrays as the trace read them
        self.ops: list[Op] = []
        self.broken: str | None = None
        self.retry = False  # broken only for this call: trace again on the next one
        self.fix: str | None = None  # what to do about it, where the usual advice does not fit
        # Python values a replay depends on, read anew before each replay: (read, traced value,
        # a function describing a change of it in words or None, see guard()).
        self.guards: list[tuple[Callable[[], Any], Any, Any]] = []
        self.arg_refs: dict[int, int] = {}  # id(input tensor) -> position
        # The nodes of the inputs computed before the call (with a graph): a backward in the
        # function must not run them (see backward_started).
        self.input_nodes: dict[Any, Tensor] = {}
        # Whether the program read where in their memory the inputs start (as_strided's
        # offset): it then replays only for inputs that start where the traced ones did.
        self.pins_offsets = False
        # Outside tensors as the trace first met them (before the function could change them:
        # it must use a tensor to change it): (tensor, its .grad, its version, its array).
        self.entry: dict[int, tuple[Tensor, Tensor | None, int, Any]] = {}
        # Their gradient hooks then (see hooks_of), by id; the inputs' as the call started.
        self.hooks_at_entry: dict[int, Any] = {}
        self.suspicious: dict[int, Tensor] = {}  # tensors around arrays of unknown origin
        # Integer and boolean arrays of unknown origin taken as constants (index grids made
        # from shapes, by code the recorder does not see): see _compile_traces.confirmed.
        self.unknown_arrays: list[Any] = []
        # For each unconfirmed program of the key, whether its guards held as the call started.
        self.same_state: list[bool] = []
        # What the function dropped before the program read it (zero_grad(), p.grad = None):
        # ``.grad`` tensors and their arrays, by id.
        self.dropped: dict[int, Any] = {}
        # The ``.grad`` of tensors earlier traces of the same inputs captured, as this call
        # found them: (tensor, its .grad) by id (see :meth:`_entry_grad`).
        self.grads_at_start: dict[int, tuple[Tensor, Tensor | None]] = {}
        # The nodes the backward passes (backward(), autograd.grad) inside the function went
        # through: a returned tensor whose graph meets none of them (compile(model), or a
        # second forward after an autograd.grad) leaves its backward to the caller, which a
        # replay, recording no graph, cannot serve (see _compile_traces.trace). Emptied
        # once the trace is checked.
        self.backward_nodes: set[Any] = set()
        # While tracing, _backend.xp is a namespace that records its function calls too, so
        # that array code written against _backend.xp (e.g. a stable log-sum-exp's shift) is
        # part of the program.
        self.xp = _backend.xp
        self.proxy = _RecordingNamespace(self)
        self.creation = {id(getattr(self.xp, n)) for n in _CREATION if hasattr(self.xp, n)}
        self.creation |= {id(_backend.asarray), id(_backend.ones), id(_backend.linspace)}
        self.creation.add(id(_backend.float_range))
        # Backend helpers that return a new value without writing anywhere.
        self.pure = {id(_backend.ensure_array), id(_backend.asarray), id(_backend.copy)}
        # The state of each generator (``_backend``'s) the function drew from before its first
        # draw, by id: (the generator, None for the global one, and its state).
        self.rng_states: dict[int, tuple[Any, Any]] = {}
        # Modules the function called or set attributes of, with their plain attributes as the
        # call found them (see :func:`plain_attributes`), by id; and the attributes the function
        # sets (``model.train()`` inside the step), set again by each replay.
        self.modules: dict[int, tuple[Any, dict[str, Any]]] = {}
        # Their parameters, buffers and submodules as the call found them (by module id).
        self.members: dict[int, list[tuple[str, str, Any]]] = {}
        self.attributes_set: dict[int, tuple[Any, dict[str, None]]] = {}
        # The forward and backward hooks of each module it called as it first called it
        # (see call_hooks_of), by id, and the global ones (None until it calls a module); and
        # the count of hook changes as the call started (see HookGuard; 0 before nn's import).
        self.call_hooks: dict[int, tuple[Any, Any]] = {}
        self.global_hooks: Any = None
        self.hook_version = _call_hook_version()
        # Optimizer options read anew on every replay (see _compile_numbers): the numbers put
        # into param groups for this trace, and what was put where ((group, name, the value
        # there, what replaced it), by group id and name), the slots of the tuples of numbers
        # read from groups (by group id and name), the comparisons the program is specialised
        # on (see number_predicate), the optimizers whose step() the function called (by
        # id), the numbers read from groups that the program uses (by id), and those whose
        # value is guarded (made a constant). After the trace, numbers are plain values.
        self.numbers: list[TracedNumber] = []
        self.placed: dict[tuple[int, str], tuple[dict[str, Any], str, Any, Any]] = {}
        self.option_slots: dict[tuple[int, str], int] = {}
        self.predicates: dict[tuple[Any, ...], bool] = {}
        self.options_at_start: dict[int, tuple[Any, ...]] = {}
        self.stepped: dict[int, Any] = {}
        self.numbers_used: dict[int, TracedNumber] = {}
        self.numbers_guarded: set[int] = set()
        self.numbers_closed = False
        # Options that are one-element tensors (a tensor lr), by id: (the tensor, its version as
        # the trace started, the source of its number, whether a replay reads it anew); and the
        # number each one's item() gave (see NumberTracing.tensor_number).
        self.number_tensors: dict[int, tuple[Tensor, int, tuple[Any, ...], bool]] = {}
        self.tensor_numbers: dict[int, TracedNumber] = {}

    # --- slots ------------------------------------------------------------------------------

    def new_slot(self, value: Any) -> int:
        slot = len(self.keep)
        self.keep.append(value)
        self.name(value, slot)
        return slot

    def name(self, value: Any, slot: int) -> None:
        """Look ``value`` up as ``slot`` from now on.

        One object can be two values: NumPy's bool scalars are shared (``np.True_``). The latest
        is meant: arraygrad turns each into an array as soon as it is made (a primitive's
        result goes through ensure_array at once).
        """
        self.slots[id(value)] = slot

    def forget(self, start_ops: int, start_slots: int) -> None:
        """Drop the ops and slots recorded since ``(start_ops, start_slots)``."""
        for value in self.keep[start_slots:]:
            if self.slots.get(id(value), -1) >= start_slots:
                del self.slots[id(value)]
                if not is_mutable_array(value):  # a shared scalar: its earlier slot again
                    for slot in range(start_slots - 1, -1, -1):
                        if self.keep[slot] is value:
                            self.slots[id(value)] = slot
                            break
        del self.keep[start_slots:]
        del self.ops[start_ops:]

    def load(self, data: Any, tensor: Tensor) -> None:
        """``tensor``'s array is read at replay start; its values now are kept to check the
        program against the eager run (see :class:`Program`)."""
        self.loads.append((self.new_slot(data), self.ref(tensor)))
        self.entry_values.append(data.copy(order="K") if is_mutable_array(data) else data)

    def _number_slot(self, value: Any) -> int:
        """A slot for a Python number: kept but not looked up by identity (numbers are shared
        objects: ``1`` the learning rate is ``1`` the constant)."""
        self.keep.append(value)
        return len(self.keep) - 1

    def slot_of(self, value: Any) -> int | None:
        slot = self.slots.get(id(value))
        return slot if slot is not None and self.keep[slot] is value else None

    def ref(self, tensor: Tensor) -> Any:
        position = self.arg_refs.get(id(tensor))
        return ("arg", position) if position is not None else ("obj", tensor)

    def encode(self, value: Any) -> Any:
        """The operand naming ``value``: its slot, a constant, or a sequence of those."""
        if type(value) is TracedNumber:
            value = of_trace(value, self)
            if type(value) is TracedNumber:
                return self.number_slot(value)
            return Const(value)
        slot = self.slot_of(value)
        if slot is not None:
            return slot
        if value.__class__ in (tuple, list):
            items = [self.encode(v) for v in value]
            if any(i.__class__ is not Const or _backend.is_array(i.value) for i in items):
                return Seq(value.__class__, items)
            return Const(value)
        if _backend.is_array(value) and _dtype.from_xp(value.dtype).is_floating_point:
            # Values reach recorded calls through tensors or recorded calls; a float array from
            # anywhere else was computed where the recorder cannot see (raw array arithmetic),
            # and replaying it as a constant would be wrong. (Integer arrays are indices.)
            self.untraceable("array arithmetic outside arraygrad's ops (e.g. on tensor._data)")
        if _backend.is_array(value):
            self.unknown_arrays.append(value)
        return Const(value)

    # --- hooks called by arraygrad while tracing ---------------------------------------------

    def wrapped(self, tensor: Tensor) -> None:
        """A tensor was made around an array: if no recorded call made the array, it came from
        array code the recorder cannot see (operators on raw arrays), unless it is the array of
        a tensor from before the trace (e.g. ``.detach()``), which cannot be told apart."""
        if id(tensor._data) not in self.slots and _backend.is_array(tensor._data):
            self.suspicious[id(tensor)] = tensor

    def see_tensor(self, tensor: Tensor) -> None:
        """Register a tensor from outside the program: its array is read at replay start."""
        data = tensor._data
        if self.dropped.get(id(tensor)) is tensor or self.dropped.get(id(data)) is data:
            # A dropped .grad (or a tensor sharing its array, such as its .data) used after
            # all, through a Python variable: a replay would read the traced call's one, not
            # the previous call's as eager code does.
            self.untraceable(
                "a .grad kept in a variable and used after the function dropped it (zero_grad(), "
                "p.grad = None)"
            )
        if id(tensor) in self.suspicious:
            self.untraceable("array arithmetic outside arraygrad's ops (e.g. on tensor._data)")
        outside = self.slot_of(data) is None
        if id(tensor) not in self.entry and (outside or id(tensor) in self.arg_refs):
            grad = tensor._grad
            entry_grad = grad if id(tensor) in self.arg_refs else self._entry_grad(tensor, grad)
            self.entry[id(tensor)] = (tensor, entry_grad, version_of(tensor), data)
            self.hooks_at_entry.setdefault(id(tensor), hooks_of(tensor))
            if grad is not None:
                if id(tensor) in self.arg_refs:
                    self.untraceable(
                        "an input tensor that already has a .grad (a replay cannot add into "
                        "the .grad of a tensor passed in)",
                        fix="set its .grad to None before the call (calls with inputs "
                        "without a .grad replay), or read the tensor from the function's "
                        "closure, a global or a module, whose .grad a replay adds into, "
                        "instead of passing it",
                    )
                self.see_tensor(grad)
        if outside:
            self.load(data, tensor)

    def see_index(self, tensor: Tensor) -> None:
        """Register an index tensor (``x[idx]``) from outside the program, as
        :meth:`see_tensor` does. One made in the function around an array of unknown origin
        (index code the recorder does not see) stays a constant checked by a second trace
        (see ``_compile_traces.confirmed``), not a reason to run eagerly."""
        if id(tensor) not in self.suspicious:
            self.see_tensor(tensor)

    def _entry_grad(self, tensor: Tensor, grad: Tensor | None) -> Any:
        """The ``.grad`` of a captured tensor as the program depends on it, ``tensor`` being
        met first with ``grad``: the one it had at the call's start, unless the function
        dropped that one before reading it, with a plain ``p.grad = None`` or
        ``p.grad = zeros_like(p)`` the tracer does not see (:data:`DROPPED_GRAD`: as after
        ``zero_grad()``, see :meth:`grad_dropped`, a replay need not find that same one).
        The start is known for the tensors an earlier trace of the same inputs captured
        (:attr:`grads_at_start`): a steady loop takes 2 traces, not one per call."""
        # A .grad the function made (zeros_like): it set it itself (not one it reads).
        slot = None if grad is None else self.slot_of(grad._data)
        made = slot is not None and all(s != slot for s, _ in self.loads)
        start = self.grads_at_start.get(id(tensor))
        if start is None:
            if made:
                # What it had at the start is unknown: trace again, knowing it.
                self.untraceable("a .grad set by the function before use", retry=True)
            return grad
        old = start[1]
        if old is grad or not (grad is None or made):
            return grad
        if old is None:
            return None  # it had none, and the function made one
        if id(old) in self.entry or self.slot_of(old._data) is not None:
            # Read already (p.grad = p.grad * 0.5): the program reads that tensor itself, so
            # it must be the one the tensor has at the start of a replay, which sets the new one.
            return old
        self.dropped[id(old)] = old
        self.dropped[id(old._data)] = old._data
        return DROPPED_GRAD

    def grad_dropped(self, tensor: Tensor) -> None:
        """The function is about to set ``tensor.grad = None`` (``zero_grad()``). If the program
        has not read that ``.grad`` yet, it never will: a replay need not find that same one
        and leaves ``.grad`` as eager code did at the end. A step that calls ``opt.zero_grad()``
        first, or between its forward and ``loss.backward()``, finds a new ``.grad`` on every
        call (the previous call's). Not when the trace has read it already (``p.grad`` used
        before ``zero_grad()``): then the program depends on it, and it stays guarded."""
        grad = tensor._grad
        if grad is None or id(tensor) in self.arg_refs:
            return
        start = self.grads_at_start.get(id(tensor))
        if start is not None and start[1] is None:
            return  # the function made this .grad itself: it had none to drop
        met = self.entry.get(id(tensor))
        if met is None:
            # Not met yet: nothing has read the tensor or its .grad.
            if (
                self.slot_of(tensor._data) is not None
                or id(grad) in self.entry
                or self.slot_of(grad._data) is not None
            ):
                return
        elif met[1] is not grad or not self._forget_unread_grad(grad):
            return
        self.entry[id(tensor)] = (
            (tensor, DROPPED_GRAD, version_of(tensor), tensor._data)
            if met is None
            else (tensor, DROPPED_GRAD, met[2], met[3])
        )
        self.hooks_at_entry.setdefault(id(tensor), hooks_of(tensor))
        self.dropped[id(grad)] = grad
        self.dropped[id(grad._data)] = grad._data

    def _forget_unread_grad(self, grad: Tensor) -> bool:
        """Unregister ``grad`` if meeting its tensor registered it (:meth:`see_tensor` loads a
        ``.grad`` with the tensor, for the backward to add into) and no recorded call has read
        its array; return whether it was."""
        entry = self.entry.get(id(grad))
        slot = self.slot_of(grad._data)
        if entry is None or entry[1] is not None or slot is None:
            return False
        loads = [i for i, (s, ref) in enumerate(self.loads) if s == slot and ref[1] is grad]
        if not loads or any(slot in slots_read(op) for op in self.ops):
            return False
        del self.loads[loads[0]]
        del self.entry_values[loads[0]]
        del self.entry[id(grad)]
        del self.slots[id(grad._data)]
        return True

    def forward(
        self, fn: Callable[..., Any], xp: Any, args: tuple[Any, ...], arrays: list[Any], params: Any
    ) -> Any:
        """A primitive's forward: register outside tensors, then record the call."""
        for arg in args:
            if isinstance(arg, Tensor):
                self.see_tensor(arg)
        if fn is _getitem_forward() and _has_mask(params.get("key")):
            self.untraceable(_VALUE_SHAPED)
        return self.call(fn, (xp, *arrays), params)

    def call(self, fn: Callable[..., Any], args: tuple[Any, ...], params: Any = None) -> Any:
        """Run ``fn(*args, **params)`` for real and write the call down, split into its array
        operations where that gives the same result."""
        return self._call(fn, args, params or {}, split=True)

    def draw(self, fn: Callable[..., Any], args: tuple[Any, ...], rng: Any = None) -> Any:
        """A draw of random numbers from ``rng`` (``_backend``'s generator, the global one when
        ``None``), ``fn(*args)``: run for real and written down as a step that draws again on
        every replay. It is never computed once at build time nor dropped when unused, so that
        the generator advances exactly as in eager code, and a replay after ``manual_seed``
        (global or a Generator's, which sets its backend generator's state) draws what eager code
        would."""
        refs = tuple(self.encode(a) for a in args)
        if id(rng) not in self.rng_states:  # for the check that replays the program once
            self.rng_states[id(rng)] = (rng, _backend.generator_state(rng))
        _backend.tracer = None
        try:
            result = fn(*value_of(args))
        finally:
            _backend.tracer = self
        self.ops.append(Op(CALL, fn, refs, {}, self.new_slot(result), False))
        return result

    def call_with(self, fn: Callable[..., Any], *args: Any, **params: Any) -> Any:
        """A namespace function called during the trace (one operation, not split)."""
        return self._call(fn, args, params, split=False)

    def _call(self, fn: Any, args: tuple[Any, ...], params: dict[str, Any], split: bool) -> Any:
        proxy = self.proxy
        args = tuple(self.xp if a is proxy else a for a in args)  # replays get the real namespace
        if fn is _backend.ensure_array and _backend.is_numpy:
            # It reaches the recorder only for a NumPy scalar (an array returns at once), which
            # it turns into a 0-d array by asarray: the replay calls that directly.
            fn, split = self.xp.asarray, False
        refs = tuple(self.encode(a) for a in args)
        param_refs = {k: self.encode(v) for k, v in params.items()}
        traced = (*args, *params.values())
        numbers = has_numbers(traced)
        if numbers:  # operands read at replay: the call runs on their values
            args = value_of(args)
            params = {k: value_of(v) for k, v in params.items()}
        # What fn does inside is part of this one recorded call.
        _backend.tracer = None
        _backend.xp = self.xp
        try:
            if split and _backend.is_numpy and self.broken is None:
                done, result = decompose(self, fn, args, refs, params, param_refs)
                if done:
                    return result
            else:
                result = fn(*args, **params)
        finally:
            _backend.tracer = self
            _backend.xp = proxy
        self._record(fn, refs, param_refs, result, split)
        if numbers and not (
            result is None
            or _backend.is_array(result)
            or (isinstance(result, (tuple, list)) and any(_backend.is_array(r) for r in result))
        ):
            # A Python value computed from the numbers is a constant of the program: so are they.
            constant_of(traced)
        return result

    def _record(
        self, fn: Any, refs: tuple[Any, ...], params: dict[str, Any], result: Any, split: bool
    ) -> None:
        """Write down one call as a single step of the program."""
        # A namespace function returns a new value unless told where to write; of the opaque
        # calls only the backend's own conversions are known to.
        pure = "out" not in params if not split else id(fn) in self.pure
        if getattr(fn, "__name__", "") in _VALUE_SHAPED_FUNCTIONS:
            self.untraceable(_VALUE_SHAPED)
        if result is None:  # a write into an existing array
            self.ops.append(Op(CALL, fn, refs, params, None, False))
        elif isinstance(result, Tensor):
            self.untraceable("a Tensor computed from raw arrays (create_graph)")
        elif _backend.is_array(result):
            if self.slot_of(result) is not None and is_mutable_array(result):
                # It handed back an array the program has.
                if not pure:
                    self.ops.append(Op(CALL, fn, refs, params, None, False))
                return
            if id(fn) in self.creation and not any(
                slots_in(operand) for operand in (*refs, *params.values())
            ):
                # Made from constants alone: made once, copied on each replay.
                array: Any = result
                made = array.copy() if is_mutable_array(array) else array
                self.ops.append(Op(FOLD, None, (Const(made),), {}, self.new_slot(result), True))
            else:
                self.ops.append(Op(CALL, fn, refs, params, self.new_slot(result), pure))
        elif isinstance(result, (tuple, list)) and any(_backend.is_array(r) for r in result):
            whole = self.new_slot(result)
            self.ops.append(Op(CALL, fn, refs, params, whole, pure))
            for index, part in enumerate(result):
                if _backend.is_array(part) and self.slot_of(part) is None:
                    operands = (whole, Const(index))
                    self.ops.append(
                        Op(GETITEM, operator.getitem, operands, {}, self.new_slot(part), True)
                    )
        # Anything else (a dtype, a bool, a shape) is a constant of the program.

    def module_called(self, module: Any) -> None:
        """A module is called: the program does what its Python attributes select now (its
        ``training`` flag, dropout's ``p``, batch norm's ``momentum`` and ``eps``, an
        activation function): a replay needs them as they are now."""
        if id(module) not in self.modules:
            self.modules[id(module)] = (module, plain_attributes(module))
            self.members[id(module)] = module_members(module)
            # and the hooks the call runs (see HookGuard)
            if self.global_hooks is None:
                self.global_hooks = global_call_hooks()
            self.call_hooks[id(module)] = (module, call_hooks_of(module))

    def hooks_changed(self) -> bool:
        """Whether the function registered or removed a module's forward or backward hook (or
        a global one) while traced: a replay would not (and its guards, read before the step,
        would find the tables as the previous call left them)."""
        return _call_hook_version() != self.hook_version

    def attribute_set(self, module: Any, name: str) -> None:
        """The function is about to set ``module.<name>`` (``model.train()`` inside the step):
        the program depends on the attributes as the call found them (``drop.p *= 0.9`` reads
        its ``p``), and a replay sets the attribute as the function leaves it."""
        self.module_called(module)
        self.attributes_set.setdefault(id(module), (module, {}))[1][name] = None

    def untraceable(self, reason: str, retry: bool = False, fix: str | None = None) -> None:
        """Note that the program cannot be replayed (the eager run itself goes on).

        With ``retry``, only this call's trace is unusable (it made state that later calls
        find made, such as an optimizer's first step): the next call is traced again.
        ``fix``: the advice for the warning, where the usual one does not fit.
        """
        if self.broken is None:
            self.broken = reason
            self.retry = retry
            self.fix = fix

    def backward_runs(self, nodes: Iterable[Any]) -> None:
        """A backward in the function is about to run the rules of ``nodes``. Where one is the
        node of an input computed before the call, the backward goes on into that input's
        graph: a replay, which records no graph, would send the tensors it was computed from
        nothing (eager code accumulates into their .grad)."""
        for node in nodes:
            tensor = self.input_nodes.get(node)
            if tensor is not None:
                position = self.arg_refs[id(tensor)]
                self.untraceable(
                    f"a backward() that goes on through input {position}'s graph from before "
                    f"the call ({describe(tensor)}, grad_fn {node.name()}: the tensors it was "
                    "computed from get gradients, and a replay records no graph to reach them)",
                    fix=f"pass input {position} detached (x.detach(), or "
                    "x.detach().requires_grad_() where the function uses its gradient) if the "
                    "tensors it was computed from need no gradient, or compute it inside the "
                    "compiled function",
                )
                return

    def guard(
        self,
        read: Callable[[], Any],
        value: Any,
        describe: Callable[[Any, Any], list[str]] | None = None,
    ) -> None:
        """Replay only while ``read()`` equals ``value`` (its value now): Python state the
        program bakes in as constants, such as an optimizer's learning rate. ``describe(old,
        new)`` says in words what differs when it no longer does (for a warning)."""
        self.guards.append((read, value, describe))


def _call_hook_version() -> int:
    """``call_hook_changes.version`` (:mod:`arraygrad.nn.modules.global_hooks`), 0 while nn is
    not imported: no hook was registered yet."""
    hooks = sys.modules.get("arraygrad.nn.modules.global_hooks")
    return 0 if hooks is None else hooks.call_hook_changes.version  # type: ignore[no-any-return]


class _RecordingNamespace:
    """``_backend.xp`` during a trace: each function call on it is recorded."""

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer
        self._real = tracer.xp

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._real, name)
        if callable(value) and not isinstance(value, type):
            value = functools.partial(self._tracer.call_with, value)
        setattr(self, name, value)  # cached: each name is looked up once per trace
        return value
