"""Turning a recorded trace into the Python function that replays it (for ``arraygrad.compile``).

The generated function starts with its guards: one tuple of everything the program is
specialised on (grad mode, the inputs' classes, shapes, dtypes and flags, the captured tensors'
flags, ``.grad`` objects, shapes and dtypes, the modules' Python attributes, and their hooks
through one number, see :class:`HookGuard`), compared with the traced values in one go; on a
mismatch it returns :data:`MISS` before doing anything. Then come
the array operations, one line each, with every function and constant bound as a default
argument (a local variable, the fastest name Python looks up), then the side effects on
captured tensors and modules and the result.

Before writing the code, :mod:`arraygrad._compile_passes` rewrites the trace: values that depend
on constants alone are computed once, operations whose result nothing uses are dropped (values
not returned, not made a ``.grad``, not written into an array, not read by a later kept
operation), and an array operation whose result is only written whole into an existing array of
the same shape and dtype writes it there directly, through the ufunc's ``out=``.
"""

from __future__ import annotations

import builtins
import math
import re
from collections.abc import Callable
from typing import Any

from arraygrad import _backend, _primitive, _view_history
from arraygrad._compile_guards import Unreadable, describe_changes
from arraygrad._compile_memory import (
    Scratch,
    only_read,
    reuse_buffers,
    scratch_buffers,
)
from arraygrad._compile_numbers import TracedNumber, of_trace
from arraygrad._compile_passes import eliminate, fold, write_directly
from arraygrad._compile_symbolic import (
    ATTR,
    BINARY,
    BINARY_OPERATORS,
    FOLD,
    GETITEM,
    INPLACE,
    INPLACE_OPERATORS,
    METHOD,
    SETITEM,
    UNARY,
    UNARY_OPERATORS,
    Const,
    Op,
    RawSlots,
    Seq,
    is_mutable_array,
    same,
)
from arraygrad._compile_watched import HookGuard, hooks_of, is_plain
from arraygrad._dtype import get_default_dtype
from arraygrad._grad_mode import grad_enabled
from arraygrad._tensor import Tensor, version_of


def _kind(value: Any) -> type:
    """The class a guard compares: a view whose history is stale for now (``_StaleView``, see
    ``_view_history.regenerate``) is the ``Tensor`` it becomes when next used."""
    kind = value.__class__
    return Tensor if kind is _view_history._StaleView else kind


class UntraceableError(Exception):
    """The trace cannot become a program (the function then runs eagerly)."""


class _Miss:
    def __repr__(self) -> str:
        return "MISS"


#: What a program returns when its guards do not hold (it has then done nothing).
MISS: Any = _Miss()


class _DroppedGrad:
    def __repr__(self) -> str:
        return "<.grad dropped before use>"


#: The entry ``.grad`` of a captured tensor whose ``.grad`` the function set to ``None`` (or to
#: one it makes) before using the tensor (``opt.zero_grad()`` first): never read, so only
#: guarded to be there.
DROPPED_GRAD: Any = _DroppedGrad()
#: The entry ``.grad`` of a captured tensor whose ``.grad`` the program neither reads nor sets
#: (a model's forward, see _compile_aot): not guarded at all.
UNREAD_GRAD: Any = _DroppedGrad()


class _Writer:
    """Names for the generated function: bound objects become its default arguments."""

    def __init__(self) -> None:
        self.env: dict[str, Any] = {}
        self._names: dict[int, str] = {}

    def bind(self, value: Any, prefix: str = "c") -> str:
        name = self._names.get(id(value))
        if name is None:
            name = self._names[id(value)] = f"{prefix}{len(self.env)}"
            self.env[name] = value
        return name

    def literal(self, value: Any) -> str | None:
        """Python source for a constant that needs no name, or ``None``."""
        kind = value.__class__
        if value is None or value is Ellipsis or kind in (bool, int, str):
            text = "..." if value is Ellipsis else repr(value)
        elif kind is float and math.isfinite(value):
            text = repr(value)
        elif kind is tuple:
            parts = [self.literal(v) for v in value]
            if any(p is None for p in parts):
                return None
            text = "(" + "".join(p + ", " for p in parts) + ")"  # type: ignore[operator]
        elif kind is slice:
            parts = [self.literal(v) for v in (value.start, value.stop, value.step)]
            if any(p is None for p in parts):
                return None
            text = f"slice({', '.join(parts)})"  # type: ignore[arg-type]
        else:
            return None
        return f"({text})" if text.startswith("-") else text

    def operand(self, operand: Any) -> str:
        if operand.__class__ is int:
            return f"v{operand}"
        if operand.__class__ is Scratch:
            return f"B[{operand.index}]"
        if operand.__class__ is Seq:
            parts = "".join(self.operand(item) + ", " for item in operand.items)
            return f"({parts})" if operand.kind is tuple else f"[{parts}]"
        text = self.literal(operand.value)
        return text if text is not None else self.bind(operand.value)


def _line(op: Op, writer: _Writer) -> str:
    args = [writer.operand(a) for a in op.args]
    out = f"v{op.out} = " if op.out is not None else ""
    style = op.style
    if style == BINARY:
        return f"{out}{args[0]} {BINARY_OPERATORS[op.fn]} {args[1]}"
    if style == UNARY:
        return f"{out}{UNARY_OPERATORS[op.fn]}{args[0]}"
    if style == INPLACE and op.out is None:
        return f"{args[0]} {INPLACE_OPERATORS[op.fn]}= {args[1]}"
    if style == GETITEM:
        return f"{out}{args[0]}[{args[1]}]"
    if style == SETITEM:
        return f"{args[0]}[{args[1]}] = {args[2]}"
    if style == ATTR:
        return f"{out}{args[0]}.{op.name}"
    if style == FOLD:
        value = op.args[0].value
        copy = ".copy()" if is_mutable_array(value) else ""
        return f"{out}{writer.bind(value)}{copy}"
    parts = args + [f"{k}={writer.operand(v)}" for k, v in op.kwargs.items()]
    if style == METHOD:
        return f"{out}{args[0]}.{op.name}({', '.join(parts[1:])})"
    return f"{out}{writer.bind(op.fn, 'f')}({', '.join(parts)})"


class Program:
    """A recorded step: its guards and the generated function that replays it."""

    def __init__(
        self,
        tracer: Any,
        args: tuple[Any, ...],
        grad_mode: bool,
        float_dtype: Any,
        reads: list[tuple[str, Any, str, Any]],
        result: Any,
    ) -> None:
        writer = _Writer()
        tensor_names: dict[int, str] = {}

        def tensor_name(ref: Any) -> str:
            kind, value = ref
            if kind == "arg":
                return f"a{value}"
            name = tensor_names.get(id(value))
            if name is None:
                name = tensor_names[id(value)] = writer.bind(value, "T")
            return name

        # The side effects on outside tensors, as the eager run left them.
        effects: list[str] = []
        live: set[int] = set()
        for tensor, entry_grad, entry_version, entry_data in tracer.entry.values():
            name = tensor_name(tracer.ref(tensor))
            data = tensor._data
            if data is not entry_data:  # the function replaced .data
                slot = tracer.slot_of(data)
                if slot is None:
                    raise UntraceableError("a tensor's data replaced by an array of unknown origin")
                effects.append(f"{name}._data = v{slot}")
                live.add(slot)
            grad = tensor._grad
            if grad is not entry_grad and entry_grad is not UNREAD_GRAD:
                if grad is None:
                    effects.append(f"{name}._grad = None")
                else:
                    slot = tracer.slot_of(grad._data)
                    if slot is None or grad._rg:
                        raise UntraceableError("a .grad the program did not compute")
                    effects.append(f"{name}._grad = _wrap(v{slot})")
                    live.add(slot)
            effects.extend([f"_bump({name})"] * (version_of(tensor) - entry_version))
        for module, names in tracer.attributes_set.values():
            # The attributes the function set (model.train() inside the step), as it left them;
            # others (a tensor kept for logging) are Python side effects, not replayed.
            for attribute in names:
                value = of_trace(vars(module).get(attribute, MISS), tracer)
                if type(value) is TracedNumber:  # an optimizer's lr: the one read on the replay
                    slot = tracer.number_slot(value)
                    live.add(slot)
                    effects.append(f"{writer.bind(module, 'M')}.{attribute} = v{slot}")
                elif is_plain(value):
                    text = writer.operand(Const(value))
                    effects.append(f"{writer.bind(module, 'M')}.{attribute} = {text}")
        returned = _result_expr(result, tracer, writer, live)

        ops = fold(tracer.ops, live)
        ops = write_directly(eliminate(ops, set(live)), tracer.keep)
        readers_only = only_read(ops)
        ops, reused = reuse_buffers(ops, tracer.keep, live, readers_only)
        ops, scratch = scratch_buffers(ops, tracer.keep, live, readers_only)
        body = _freeing([_line(op, writer) for op in ops], kept_until_the_end=effects + [returned])
        if scratch:
            # Each call takes a set of kept buffers from the pool (list.pop and append are
            # atomic), making one when the pool is empty (the first call, or calls at once).
            xp = _backend.xp
            writer.env["POOL"] = []
            writer.env["NEW"] = lambda: tuple(xp.empty(shape, dtype=dt) for shape, dt in scratch)
            body = ["try:", "    B = POOL.pop()", "except IndexError:", "    B = NEW()"] + body
            body.append("POOL.append(B)")
            reused = True  # kept buffers are C-ordered: pin the inputs' layouts, as for reuse

        # Guards: what the program is specialised on, read now and compared with the trace.
        unpack = "".join(f"a{i}, " for i in range(len(args)))
        prologue = [f"({unpack}) = args" if args else "if args: return MISS"]
        # The default dtype too: a tensor the function makes from Python floats has it.
        read: list[str] = ["_be.tracer", "_grad()", "_float_dtype()"]
        expected: list[Any] = [None, grad_mode, float_dtype]
        # What each guard reads, in words for a warning (see _compile_guards.describe_changes).
        about: list[tuple[Any, ...]] = [
            ("plain", "a trace in progress"),
            ("plain", "grad mode"),
            ("plain", "the default dtype"),
        ]
        for position, value in enumerate(args):
            read.append(f"_kind(a{position})")
            expected.append(_kind(value))
            about.append(("input", position, "class"))
            if isinstance(value, Tensor):
                prologue.append(f"d{position} = a{position}._data")
                read += [f"d{position}.shape", f"d{position}.dtype", f"a{position}._rg"]
                expected += [value._data.shape, value._data.dtype, value._rg]
                about += [("input", position, what) for what in ("shape", "dtype", "rg")]
                # An input that was an earlier one (f(x, x)), or shared its array: the trace
                # loaded that array once, from one position, so the replay reads one array for
                # both; only while they are shared still (f(x, y) is another program).
                for earlier in range(position):
                    other = args[earlier]
                    if other is value or (isinstance(other, Tensor) and other._data is value._data):
                        same_as = "a" if other is value else "d"
                        read.append(f"{same_as}{position} is {same_as}{earlier}")
                        expected.append(True)
                        about.append(("input", position, "identity"))
                        break
                if tracer.pins_offsets:
                    read.append(f"{writer.bind(_backend.element_offset, 'f')}(d{position})")
                    expected.append(_backend.element_offset(value._data))
                    about.append(("input", position, "storage offset"))
                if value._rg:
                    # A computed input where the trace had a leaf, or the reverse: eager's
                    # backward may go on into its graph, a replay's never does.
                    read.append(f"a{position}._node is None")
                    expected.append(value._node is None)
                    about.append(("input", position, "leaf"))
                    # eager would accumulate into a .grad it had; the trace had none
                    read.append(f"a{position}._grad is None")
                    expected.append(True)
                    about.append(("input", position, "has_grad"))
                    hooks = tracer.hooks_at_entry[id(value)]
                    read.append(
                        f"a{position}._hooks" if hooks is None else f"_hooks_of(a{position})"
                    )
                    expected.append(hooks)
                    about.append(("input", position, "hooks"))
                continue
            try:
                hash(value)
            except TypeError:
                read.append(f"a{position} is {writer.bind(value)}")
                expected.append(True)
                about.append(("input", position, "identity"))
            else:
                read.append(f"a{position}")
                expected.append(value)
                about.append(("input", position, "value"))
        # Captured tensors' arrays are read before the guards too (reading changes nothing).
        loads: list[str] = []
        data_names: dict[int, str] = {}
        for slot, ref in tracer.loads:
            if ref[0] == "arg":
                loads.append(f"v{slot} = d{ref[1]}")
            else:
                loads.append(f"v{slot} = {tensor_name(ref)}._data")
                data_names[id(ref[1])] = f"v{slot}"
        # Which tensor each captured .grad belonged to at the trace (to name it in a warning).
        owners = {
            id(entry_grad): tensor
            for tensor, entry_grad, _, _ in tracer.entry.values()
            if isinstance(entry_grad, Tensor)
        }
        for tensor, entry_grad, _, entry_data in tracer.entry.values():
            ref = tracer.ref(tensor)
            if ref[0] == "arg":
                continue
            name = tensor_name(ref)
            data = data_names.get(id(tensor), f"{name}._data")
            read += [f"{name}._rg", f"{name}._node", f"{data}.shape", f"{data}.dtype"]
            expected += [tensor._rg, tensor._node, entry_data.shape, entry_data.dtype]
            owner = owners.get(id(tensor))
            about += [
                ("tensor", tensor, what, entry_data.shape, owner)
                for what in ("rg", "node", "shape", "dtype")
            ]
            # A tensor without hooks (the common case) costs one attribute read per replay.
            hooks = tracer.hooks_at_entry.get(id(tensor), hooks_of(tensor))
            read.append(f"{name}._hooks" if hooks is None else f"_hooks_of({name})")
            expected.append(hooks)
            about.append(("tensor", tensor, "hooks", entry_data.shape, owner))
            if entry_grad is UNREAD_GRAD:
                continue
            if entry_grad is DROPPED_GRAD:
                # Whichever .grad it has, the function drops it before use; but it had one
                # (Python code can test that before dropping it: `if p.grad is not None`).
                read.append(f"{name}._grad is None")
                expected.append(False)
                about.append(("tensor", tensor, "has_grad", entry_data.shape, owner))
                continue
            read.append(f"id({name}._grad)")
            expected.append(id(entry_grad))
            about.append(("tensor", tensor, "grad", entry_data.shape, owner))
            if entry_grad is not None:
                writer.bind(entry_grad, "G")  # held, so that its id stays its own
        if reused:
            # Where a temporary is written over, the layouts of the arrays made from the
            # inputs must be the traced ones (they are what the reuse was checked against).
            for slot, ref in tracer.loads:
                if is_mutable_array(tracer.keep[slot]):
                    read.append(f"v{slot}.strides")
                    expected.append(tracer.keep[slot].strides)
                    shape = tracer.keep[slot].shape
                    if ref[0] == "arg":
                        about.append(("layout", ref[1], shape, None, None))
                    else:
                        about.append(("layout", None, shape, ref[1], owners.get(id(ref[1]))))
        for module, attributes in tracer.modules.values():
            # Read from the module's __dict__, in the guard tuple: cheaper than calling a
            # function that reads them. Not as attributes: a Parameter or a submodule set in
            # place of an option (model.scale = nn.Parameter(tensor(2.0))) leaves __dict__, and
            # compares equal to its old value; a deleted one is a KeyError.
            name = writer.bind(module, "M")
            prologue.append(f"{name}_d = {name}.__dict__")
            read += [f"{name}_d[{attribute!r}]" for attribute in attributes]
            expected += attributes.values()
            about += [("module", module, attribute) for attribute in attributes]
            for store, key, member in tracer.members[id(module)]:
                read.append(f"{name}_d[{store!r}][{key!r}] is {writer.bind(member, 'P')}")
                expected.append(True)
                about.append(("member", module, f"{store[1:-1]} {key!r}"))
        if tracer.call_hooks:
            from arraygrad.nn.modules.global_hooks import call_hook_changes

            hook_guard = HookGuard(
                tracer.hook_version, tracer.global_hooks, list(tracer.call_hooks.values())
            )
            guard, changes = writer.bind(hook_guard, "H"), writer.bind(call_hook_changes, "H")
            read.append(f"({guard}.version == {changes}.version or {guard}.holds())")
            expected.append(True)
            about.append(("hooks", hook_guard))
        # The global and closure variables the function read at the trace's start.
        for kind, container, name, value in reads:
            where = writer.bind(container, "G" if kind == "global" else "C")
            read.append(f"{where}[{name!r}]" if kind == "global" else f"{where}.cell_contents")
            expected.append(value)
            about.append(("plain", f"{kind} variable {name!r}"))
        for read_value, value, describe in tracer.guards:
            read.append(f"{writer.bind(read_value, 'g')}()")
            expected.append(value)
            about.append(("guard", describe))
        writer.env["EXPECTED"] = tuple(expected)

        lines = ["    try:", *["        " + line for line in prologue]]
        lines += ["    except (ValueError, AttributeError):", "        return MISS"]
        lines += ["    " + line for line in loads]
        # A guard that cannot be read or compared (an option deleted, or now an array whose
        # == is not a bool) is a miss: the function is traced again, and eager code raises
        # any error.
        lines += ["    try:", f"        if ({', '.join(read)},) != EXPECTED:"]
        lines += ["            return MISS", "    except Exception:", "        return MISS"]
        lines += ["    " + line for line in body + effects]
        lines.append(f"    return {returned}")
        writer.env.update(
            MISS=MISS,
            _be=_backend,
            _grad=grad_enabled.get,
            _float_dtype=get_default_dtype,
            _wrap=Tensor._wrap,
            _bump=_primitive.bump_version,
            _kind=_kind,
            _hooks_of=hooks_of,
        )
        defaults = "".join(f", {name}={name}" for name in writer.env)
        source = f"def replay(args, *{defaults}):\n" + "\n".join(lines)
        namespace = dict(writer.env)
        namespace["__name__"] = __name__  # its NumPy warnings are arraygrad's (_backend)
        exec(builtins.compile(source, "<arraygrad.compile>", "exec"), namespace)
        self.replay: Callable[[tuple[Any, ...]], Any] = namespace["replay"]
        self.source = source
        # For changes(): the guards' reads, made into a function only when asked (once, when
        # the compiled function gives up), and what each one reads in words.
        self._guards = (namespace, prologue, loads, read, about)
        self._modules = [module for module, _ in tracer.modules.values()]
        _check(tracer, body, writer, sorted(live))

    def changes(self, args: tuple[Any, ...]) -> list[str]:
        """The guards that miss for ``args`` now, in words ("attribute 'global_step' of module
        Sequential[0] (Linear): 7 -> 8"): each guard read again, by a function made now, and
        compared with the traced value. Slow, for a warning; never raises."""
        namespace, prologue, loads, read, about = self._guards
        lines = [f"({''.join(f'a{i}, ' for i in range(len(args)))}) = args" if args else "pass"]
        lines += prologue[1:] + loads + ["R = []"]
        for expression in read:  # each read on its own: one that raises is just "unreadable"
            lines += ["try:", f"    R.append({expression})", "except Exception as error:"]
            lines.append("    R.append(_Unreadable(error))")
        source = "def read_guards(args):\n" + "".join(f"    {line}\n" for line in lines)
        source += "    return R"
        scope = dict(namespace, _Unreadable=Unreadable)
        try:
            exec(builtins.compile(source, "<arraygrad.compile guards>", "exec"), scope)
            now = scope["read_guards"](args)
            return describe_changes(about, namespace["EXPECTED"], now, self._modules)
        except Exception:  # a description is help: none rather than an error
            return []


_SLOT = re.compile(r"\bv(\d+)\b")


def _freeing(body: list[str], kept_until_the_end: list[str]) -> list[str]:
    """``body`` with each array variable deleted after the last line that names it, so that a
    replay frees its temporaries as eager code does (a long program kept all of them: 1 GB for
    a 1,000-step loop that eager runs in 4 MB). Variables the effects or the result name stay.
    """
    kept = {int(slot) for line in kept_until_the_end for slot in _SLOT.findall(line)}
    last: dict[int, int] = {}
    for index, line in enumerate(body):
        for slot in _SLOT.findall(line):
            last[int(slot)] = index
    dying: dict[int, list[int]] = {}
    for slot, index in last.items():
        if slot not in kept:
            dying.setdefault(index, []).append(slot)
    lines: list[str] = []
    for index, line in enumerate(body):
        lines.append(line)
        if index in dying:
            lines.append("del " + ", ".join(f"v{slot}" for slot in sorted(dying[index])))
    return lines


def _check(tracer: Any, body: list[str], writer: _Writer, outputs: list[int]) -> None:
    """Run the program once on the arrays the trace started from and compare what it leaves
    with what the eager run left, bit for bit: the results, the new ``.grad`` and ``.data``
    arrays, and every array it read (written in place or not). Array code the recorder could
    not see (``frame[key] = 0`` on a recorded array, ``tensor._data *= 2``) shows up here.
    """
    if not _backend.is_numpy:
        return
    entry = [
        value.copy(order="K") if is_mutable_array(value) else value for value in tracer.entry_values
    ]
    loaded = [tracer.keep[slot] for slot, _ in tracer.loads]
    for index, first in enumerate(loaded):
        for second in loaded[index + 1 :]:
            if _backend.xp.may_share_memory(first, second):
                return  # views of one another: copies cannot stand for them
    names = ", ".join(f"v{slot}" for slot, _ in tracer.loads)
    returned = "".join(f"v{slot}, " for slot in outputs)
    source = f"def check({names}):\n" + "".join(f"    {line}\n" for line in body)
    source += f"    return ({returned})"
    namespace = dict(writer.env)
    namespace["__name__"] = __name__  # its NumPy warnings are arraygrad's (_backend)
    exec(builtins.compile(source, "<arraygrad.compile check>", "exec"), namespace)
    # The program's random draws must draw what the eager run drew: from each generator's state
    # before its first draw, and the states after the eager run are put back afterwards.
    drawn = list(tracer.rng_states.values())
    after = [(rng, _backend.generator_state(rng)) for rng, _ in drawn]
    try:
        for rng, before in drawn:
            _backend.set_generator_state(before, rng)
        produced = namespace["check"](*entry)
    except Exception as error:
        raise UntraceableError(f"a program that fails where eager code did not ({error})") from None
    finally:
        for rng, state in after:
            _backend.set_generator_state(state, rng)
    expected = [tracer.keep[slot] for slot in outputs]
    if not all(same(a, b) for a, b in zip(produced, expected, strict=True)) or not all(
        same(a, b) for a, b in zip(entry, loaded, strict=True)
    ):
        raise UntraceableError("array code the recorder could not see (e.g. on tensor._data)")


def _result_expr(result: Any, tracer: Any, writer: _Writer, live: set[int]) -> str:
    """Python source rebuilding the step's return value from the replay's slots."""
    result = of_trace(result, tracer)
    if result.__class__ is RawSlots:
        live.update(result.slots)
        return "(" + "".join(f"v{slot}, " for slot in result.slots) + ")"
    if type(result) is TracedNumber:  # an optimizer's lr (see _compile_numbers): as read now
        slot = tracer.number_slot(result)
        live.add(slot)
        return f"v{slot}"
    if isinstance(result, Tensor):
        slot = tracer.slot_of(result._data)
        if slot is None:
            raise UntraceableError("returning a tensor the program did not compute")
        live.add(slot)
        return f"_wrap(v{slot})"
    if isinstance(result, (tuple, list)):
        parts = "".join(_result_expr(item, tracer, writer, live) + ", " for item in result)
        if isinstance(result, tuple) and hasattr(result, "_make"):
            # a named tuple (torch.max's values and indices, ...): rebuilt as its own class
            return f"{writer.bind(type(result)._make, 'f')}(({parts}))"
        return f"({parts})" if isinstance(result, tuple) else f"[{parts}]"
    if isinstance(result, dict):
        items = ", ".join(
            f"{_result_expr(key, tracer, writer, live)}: {_result_expr(v, tracer, writer, live)}"
            for key, v in result.items()
        )
        return "{" + items + "}"
    if result is None or isinstance(result, (bool, int, float, str)):
        return writer.bind(result, "r")
    raise UntraceableError(f"returning a {type(result).__name__}")
