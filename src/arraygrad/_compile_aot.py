"""``arraygrad.compile(model)``: a replayed forward whose output keeps a graph.

PyTorch code compiles the model and differentiates its output outside (``model =
torch.compile(model)``, then ``loss_fn(model(x), y).backward()``). A replay computes arrays and
records no graph, so for a call whose returned tensor has a graph that no backward inside the
function went through, the trace goes on past the function: it runs the backward of that
output too, from a cotangent that is an input of its own, for the tensors the output depends
on that require grad (the inputs that do, and the captured leaves: a model's parameters),
without writing any ``.grad``. What was recorded until then is the forward program (a
:class:`~arraygrad._compile_program.Program`, with all its guards), which returns the output
and the values the backward reads (those it computed or loaded: PyTorch's saved tensors); what
was recorded after is the backward program, a function of those values and the cotangent.

A replay runs the forward program and records one node, of a primitive made for the program,
whose inputs are those tensors: the engine calls its rules when the caller's backward reaches
it, and the first runs the backward program (the others take their gradient from that run), so
hooks, ``.grad`` accumulation, ``retain_graph`` and in-place checks on the parameters are the
engine's, as for any node. Both programs are checked against the eager trace bit for bit
before they are kept; the eager trace's own output, on the call that traced, keeps its eager
graph.

Not compiled this way (the call runs eagerly, with compile's warning, as before): an output that
is not one floating tensor, a captured tensor that has a graph of its own, hooks on the graph's
nodes or leaves (the extra backward of the trace would run them), and backward programs that
write into the forward's values.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from typing import Any

from arraygrad import _backend
from arraygrad._compile_passes import eliminate, fold
from arraygrad._compile_program import (
    MISS,
    UNREAD_GRAD,
    Program,
    UntraceableError,
    _freeing,
    _line,
    _Writer,
)
from arraygrad._compile_symbolic import RawSlots, same, slots_read
from arraygrad._node import Node
from arraygrad._primitive import Primitive
from arraygrad._tensor import Tensor

__all__ = ["SplitProgram", "differentiated_inputs", "split_program"]


def differentiated_inputs(
    output: Any, args: tuple[Any, ...], tracer: Any
) -> tuple[list[int], list[Tensor]] | str:
    """The positions of the inputs that require grad and the captured leaves that ``output``'s
    graph reaches (``(positions, leaves)``), or why the output cannot be compiled this way."""
    if not isinstance(output, Tensor) or not output.dtype.is_floating_point:
        return "an output with a graph that is not one floating tensor"
    for tensor, *_ in tracer.entry.values():
        if tensor._node is not None and id(tensor) not in tracer.arg_refs:
            return "a captured tensor with a graph of its own"
    stops = {arg._node for arg in args if isinstance(arg, Tensor) and arg._node is not None}
    leaves: dict[int, Tensor] = {}
    seen: set[Node] = set()
    stack: list[Any] = [output._node]
    while stack:
        node = stack.pop()
        if node.hooks is not None or node.retained is not None:
            return "hooks on the output's graph"
        for edge in node.edges:
            if edge is None:
                continue
            if edge.__class__ is Node:
                if edge not in stops and edge not in seen:
                    seen.add(edge)
                    stack.append(edge)
            elif edge._hooks is not None:  # type: ignore[union-attr]
                return "gradient hooks on a tensor the output depends on"
            else:
                leaves[id(edge)] = edge  # type: ignore[assignment]
    # An input passed twice (f(x, x)) is one input of the node, at its first position: its
    # gradient from the backward program is the sum over both uses, given once.
    positions: list[int] = []
    given: set[int] = set()
    for i, arg in enumerate(args):
        if isinstance(arg, Tensor) and arg._rg and id(arg) not in given:
            positions.append(i)
            given.add(id(arg))
    return positions, [leaf for key, leaf in leaves.items() if key not in given]


def split_program(
    tracer: Any,
    args: tuple[Any, ...],
    output: Tensor,
    positions: list[int],
    leaves: list[Tensor],
    trace_backward: Callable[[list[Any], Any], dict[int, Any]],
    program_args: tuple[Any, ...],
) -> SplitProgram:
    """Record the backward of ``output`` on ``tracer`` (through ``trace_backward(inputs,
    cotangent)``, which runs it with the tracer attached) and build the two programs.
    ``program_args``: :class:`Program`'s arguments between the call's arguments and the
    result (the grad mode, the default dtype, the Python values read).
    Raises :class:`UntraceableError` where they cannot be built or checked."""
    out_slot = tracer.slot_of(output._data)
    if out_slot is None:
        raise UntraceableError("an output the program did not compute")
    xp = tracer.xp
    data = output._data
    # A cotangent unlike any constant (so that a backward program ignoring it fails its
    # check), loaded like an input from a position past the call's arguments.
    values = xp.astype(xp.arange(math.prod(data.shape)) % 7 + 1, data.dtype) / 8
    cotangent = xp.reshape(values, data.shape)
    holder = Tensor._wrap(cotangent)
    tracer.arg_refs[id(holder)] = len(args)
    tracer.load(cotangent, holder)
    cot_slot = tracer.slot_of(cotangent)
    split_ops, split_slots = len(tracer.ops), len(tracer.keep)
    inputs = [args[i] for i in positions] + leaves
    gradients = trace_backward(inputs, cotangent)
    if tracer.broken is not None:
        raise UntraceableError(tracer.broken)
    grad_slots: list[int | None] = []
    for tensor in inputs:
        grad = gradients.get(id(tensor))
        slot = None if grad is None else tracer.slot_of(grad)
        if grad is not None and slot is None:
            raise UntraceableError("a gradient the backward program did not compute")
        grad_slots.append(slot)

    backward_ops = tracer.ops[split_ops:]
    saved = sorted(
        {
            slot
            for op in backward_ops
            for slot in slots_read(op)
            if slot < split_slots and slot != cot_slot
        }
    )
    if any(not op.pure and set(slots_read(op)) & set(saved) for op in backward_ops):
        raise UntraceableError("a backward that writes into the forward's values")
    # The forward program: the ops up to the backward, returning the output and the saved
    # values; the cotangent is not one of its loads.
    # A forward reads no .grad (one it read would be an entry of its own) and sets none: the
    # parameters' .grad, which the caller's backward makes or adds into, is not guarded.
    for key, (tensor, entry_grad, version, entry_data) in tracer.entry.items():
        unread = entry_grad is None or id(entry_grad) not in tracer.entry
        if tensor._grad is entry_grad and unread:
            tracer.entry[key] = (tensor, UNREAD_GRAD, version, entry_data)
    position = next(i for i, (slot, _) in enumerate(tracer.loads) if slot == cot_slot)
    del tracer.loads[position], tracer.entry_values[position]
    tracer.ops = tracer.ops[:split_ops]
    grad_mode, float_dtype, reads = program_args
    forward = Program(tracer, args, grad_mode, float_dtype, reads, RawSlots((out_slot, *saved)))
    backward = _backward_function(backward_ops, saved, cot_slot, grad_slots, tracer.keep, cotangent)
    # The node's inputs: those the gradients are for, then the other tensors whose arrays the
    # backward program reads (an input that needs no gradient, a buffer): the engine checks
    # all of them against in-place writes between the forward and the backward, as it checks
    # an eager node's saved tensors.
    refs: list[Any] = [("arg", i) for i in positions] + [("obj", leaf) for leaf in leaves]
    index_of: dict[int, int] = {}  # id(tensor) -> its first position among refs
    for index, ref in enumerate(refs):
        index_of.setdefault(id(_named(ref, args)), index)
    read: list[int] = []
    for slot, ref in tracer.loads:
        if slot in saved:
            tensor_id = id(_named(ref, args))
            if tensor_id not in index_of:
                index_of[tensor_id] = len(refs)
                refs.append(ref)
            read.append(index_of[tensor_id])
    if out_slot in saved:
        read.append("out")  # type: ignore[arg-type]
    return SplitProgram(forward, backward, refs, len(inputs), tuple(read))


def _named(ref: Any, args: tuple[Any, ...]) -> Any:
    return args[ref[1]] if ref[0] == "arg" else ref[1]


def _backward_function(
    ops: list[Any],
    saved: list[int],
    cot_slot: int,
    grad_slots: list[int | None],
    keep: list[Any],
    cotangent: Any,
) -> Callable[[tuple[Any, ...], Any], tuple[Any, ...]]:
    """The backward program, ``run(saved_values, cotangent) -> gradients`` (``None`` for an
    input the output does not depend on), checked against the trace's gradients."""
    live = {slot for slot in grad_slots if slot is not None}
    ops = eliminate(fold(ops, set(live)), set(live))
    writer = _Writer()
    returned = "(" + "".join(f"v{s}, " if s is not None else "None, " for s in grad_slots) + ")"
    body = _freeing([_line(op, writer) for op in ops], kept_until_the_end=[returned])
    unpack = "".join(f"v{slot}, " for slot in saved)
    lines = [f"    ({unpack}) = saved" if saved else "    pass", f"    v{cot_slot} = cotangent"]
    lines += ["    " + line for line in body] + [f"    return {returned}"]
    defaults = "".join(f", {name}={name}" for name in writer.env)
    source = f"def backward(saved, cotangent, *{defaults}):\n" + "\n".join(lines)
    namespace = dict(writer.env)
    namespace["__name__"] = __name__
    exec(builtins.compile(source, "<arraygrad.compile backward>", "exec"), namespace)
    run: Callable[[tuple[Any, ...], Any], tuple[Any, ...]] = namespace["backward"]
    # Checked on copies of the traced values: every gradient bit for bit.
    copies = tuple(
        keep[slot].copy(order="K") if keep[slot].__class__ is _backend.array_type else keep[slot]
        for slot in saved
    )
    try:
        produced = run(copies, cotangent.copy())
    except Exception as error:
        raise UntraceableError(f"a backward program that fails ({error})") from None
    for value, slot in zip(produced, grad_slots, strict=True):
        if (slot is None) != (value is None) or (slot is not None and not same(value, keep[slot])):
            raise UntraceableError("a backward program whose gradients differ from eager ones")
    return run


class _Pass:
    """What one replay's node holds for its backward: the output, the saved values, and the
    gradients of the latest backward pass (computed by the first rule the engine calls, for
    the other inputs' rules)."""

    __slots__ = ("cotangent", "gradients", "out", "pending", "run", "saved")

    def __init__(self, out: Any, saved: tuple[Any, ...], run: Any) -> None:
        self.out = out
        self.saved = saved
        self.run = run
        self.cotangent: Any = None
        self.gradients: tuple[Any, ...] = ()
        self.pending = 0

    def gradient(self, ns: Any, g: Any, position: int, count: int) -> Any:
        if ns is not _backend.xp:
            raise RuntimeError(
                "create_graph=True through the output of arraygrad.compile(model): its backward "
                "is a replayed program, which records no graph. Fix: call the model "
                "uncompiled where higher-order gradients are needed."
            )
        if self.cotangent is not g or not self.pending:
            self.gradients = self.run(self.saved, g)
            self.cotangent = g
            self.pending = count
        self.pending -= 1
        value = self.gradients[position]
        if not self.pending:  # every input served (or skipped): the next pass computes anew
            self.cotangent = None
            self.gradients = ()
        return value


def _output(xp: Any, *arrays: Any, ctx: _Pass) -> Any:
    return ctx.out  # computed by the forward program


def _rule(position: int, count: int) -> Any:
    def rule(ns: Any, g: Any, out: Any, *inputs: Any, ctx: _Pass) -> Any:
        return ctx.gradient(ns, g, position, count)

    return rule


class SplitProgram:
    """A compiled model call: the forward program, then one node for the backward program."""

    def __init__(
        self,
        forward: Program,
        backward: Callable[[tuple[Any, ...], Any], tuple[Any, ...]],
        refs: list[Any],
        count: int,
        read: tuple[int | str, ...],
    ) -> None:
        """``refs``: the node's inputs, ``("arg", position)`` or ``("obj", tensor)``, the first
        ``count`` of them those the backward program gives gradients for; ``read``: the
        positions among them, and ``"out"``, whose arrays the backward program reads."""
        self.forward = forward
        self.backward = backward
        self.refs = refs
        rules = [_rule(i, count) for i in range(count)] + [None] * (len(refs) - count)
        self.prim = Primitive(
            "compiled",
            forward=_output,
            vjp=rules,
            # what the backward program reads is checked against in-place writes (an eager
            # node's saved tensors are), and a second backward without retain_graph raises
            rule_reads=[read] * len(refs),
            reads_output="out" in read,
            own_results=False,
            backward_name="CompiledFunctionBackward",
        )
        self.source = forward.source

    def replay(self, args: tuple[Any, ...]) -> Any:
        result = self.forward.replay(args)
        if result is MISS:
            return MISS
        out, *saved = result
        inputs = [args[ref[1]] if ref[0] == "arg" else ref[1] for ref in self.refs]
        return self.prim(*inputs, ctx=_Pass(out, tuple(saved), self.backward))

    def changes(self, args: tuple[Any, ...]) -> list[str]:
        return self.forward.changes(args)
