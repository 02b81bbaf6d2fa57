"""Taking a trace of a compiled function, and deciding whether its program is kept.

:class:`arraygrad._compile.CompiledFunction` dispatches each call to a program that replays it,
to the function run eagerly, or here: :func:`trace` runs the function once, eagerly, with the
recorder on (:func:`recording`), and turns what it recorded into a program
(:class:`~arraygrad._compile_program.Program`, or compile(model)'s forward and backward pair,
:mod:`arraygrad._compile_aot`), or into the reason the function runs eagerly from then on.
:func:`confirmed` holds back a program that took index arrays of unknown origin until a second
trace finds the same ones. Kept apart from the dispatch, which runs on every call, because this
runs once per trace and is about what one trace saw.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from arraygrad import _backend, _dtype, _primitive
from arraygrad._compile_aot import differentiated_inputs, split_program
from arraygrad._compile_numbers import value_of
from arraygrad._compile_program import Program, UntraceableError
from arraygrad._compile_reads import python_reads
from arraygrad._compile_symbolic import same
from arraygrad._compile_tracer import Tracer
from arraygrad._compile_watched import hooks_of
from arraygrad._grad_mode import grad_enabled
from arraygrad._node import reachable
from arraygrad._tensor import Tensor, describe

if TYPE_CHECKING:
    from arraygrad._compile import CompiledFunction

# Programs kept per function before it is considered too dynamic to compile; also the traces of
# one signature that may fail to become a program, or wait for a confirming one.
MAX_TRACES = 8


def trace(
    compiled: CompiledFunction, key: Any, args: tuple[Any, ...], names: tuple[str, ...] = ()
) -> Any:
    """Run the function eagerly while recording it; keep the program if it can replay.
    ``names``: the keywords the last ``len(names)`` arguments are passed by."""
    tracer = Tracer()
    compiled.traces += 1
    # Which unconfirmed programs of this key would have replayed this call (their guards
    # hold as it starts): only their arrays must equal this trace's (see confirmed).
    waiting = compiled._unconfirmed.get(key, ())
    tracer.same_state = [not program.changes(args) for program, _ in waiting]
    for tensor in compiled._captured.get(key, {}).values():
        tracer.grads_at_start[id(tensor)] = (tensor, tensor._grad)
    for position, arg in enumerate(args):
        if isinstance(arg, Tensor):
            tracer.arg_refs[id(arg)] = position
            tracer.hooks_at_entry[id(arg)] = hooks_of(arg)
            if arg._node is not None:
                tracer.input_nodes[arg._node] = arg
    for arg in args:
        # Every input's array is a slot from the start: one read as an index (in a
        # primitive's parameters) is then read from the input on each replay too.
        if isinstance(arg, Tensor) and tracer.slot_of(arg._data) is None:
            tracer.load(arg._data, arg)
    grad_mode, float_dtype = grad_enabled.get(), _dtype.get_default_dtype()
    reads = python_reads(compiled.fn)
    owner = getattr(compiled.fn, "__self__", None)
    if owner is not None:
        from arraygrad.nn.modules.module import Module  # nn builds on the top-level package

        if isinstance(owner, Module):
            # compile(model.forward): forward reads self.training without the module's
            # __call__, which would record it; the mode is guarded all the same
            tracer.module_called(owner)
    tracer.trace_numbers(list(compiled._optimizers.values()))
    try:
        with recording(tracer):
            result = compiled._run(args, names)
    finally:
        tracer.untrace_numbers()  # the groups get their plain values back
        compiled._optimizers.update(tracer.stepped)  # (by id)
    traced, result = result, value_of(result)  # the caller gets plain numbers
    captured = compiled._captured.setdefault(key, {})
    for tensor, *_ in tracer.entry.values():
        if tensor._rg and id(tensor) not in tracer.arg_refs:  # those that get a .grad
            captured[id(tensor)] = tensor
    if grad_enabled.get() != grad_mode or _dtype.get_default_dtype() != float_dtype:
        # set_grad_enabled(False) or set_default_dtype(...) left in force by the function: a
        # replay would not set it again (the next call is traced again: one that sets it
        # once, as setup, is then kept).
        tracer.untraceable(
            "a grad mode or default dtype the function sets and leaves set", retry=True
        )
    if tracer.hooks_changed():
        tracer.untraceable(
            "module hooks (forward or backward, a module's or global ones) that the function "
            "registers or removes, which a replay would not",
            fix="register and remove module hooks outside the compiled function",
        )
    if tracer.broken is not None:
        retries = compiled._retries[key] = compiled._retries.get(key, 0) + 1
        if not tracer.retry or retries >= MAX_TRACES:
            if tracer.fix is None:
                compiled._fall_back(key, tracer.broken)
            else:
                compiled._fall_back(key, tracer.broken, fix=tracer.fix)
        return result
    differentiable = _differentiable_output(traced, tracer.backward_nodes)
    tracer.backward_nodes = set()  # the graph's nodes are not kept with the program
    if differentiable is not None and differentiable._node is not None:
        # compile(model): a function that returns a tensor with a graph no backward of its
        # own went through leaves the backward to its caller. The trace goes on through
        # that backward, and the replay gives the output one node that runs it (see
        # _compile_aot). (Tensors a training step returns after its own backward, the loss
        # or a metric of the logits, are taken as values.)
        why = "an output with a graph that is not one floating tensor"
        found = differentiated_inputs(traced, args, tracer) if traced is differentiable else why
        if not isinstance(found, str):
            try:
                split = split_program(
                    tracer,
                    args,
                    traced,
                    *found,
                    functools.partial(_traced_backward, tracer, traced),
                    (grad_mode, float_dtype, reads),
                )
            except UntraceableError as error:
                found = str(error)
            else:
                if confirmed(compiled, key, tracer, split):
                    compiled.programs.setdefault(key, []).append(split)  # type: ignore[arg-type]
                    compiled._last = None if names else split.replay
                return result
        compiled._fall_back(
            key,
            "a returned tensor that requires grad and that no backward() in the function "
            f"went through, with {found} "
            f"({describe(differentiable)}, grad_fn {differentiable._node.name()}: its "
            "graph is for a backward() after the call, and a replay records no graph)",
            fix="compile the whole training step (the forward, loss.backward() and "
            "opt.step()) rather than the model alone; for inference, call it under "
            "arraygrad.no_grad() or return the tensor detached",
        )
        return result
    try:
        program = Program(tracer, args, grad_mode, float_dtype, reads, traced)
    except UntraceableError as error:
        compiled._fall_back(key, str(error))
        return result
    if confirmed(compiled, key, tracer, program):
        compiled.programs.setdefault(key, []).append(program)
        compiled._last = None if names else program.replay
    return result


def confirmed(compiled: CompiledFunction, key: Any, tracer: Tracer, program: Any) -> bool:
    """Whether the program of this trace may be kept. Integer and boolean arrays of unknown
    origin are taken for constants (index grids made from the shapes, by code the recorder
    does not see); made from the values instead (array code on a tensor's array outside
    arraygrad's ops), a replay would reuse the traced call's, a wrong result without a
    warning. So a program with such arrays is kept only once a second trace of the same
    signature finds the same arrays: the first call's program is not kept (the second call
    is traced again), and arrays that differ make the function run eagerly, with a warning.
    Arrays that differ count only where the earlier program would have replayed the call
    (its guards held as the call started): a guarded global, closure variable or module
    attribute that changed (an output size) makes other index grids legitimately, and
    the key then waits for a trace in each state.
    """
    arrays = tracer.unknown_arrays
    if not arrays:
        return True
    waiting = compiled._unconfirmed.setdefault(key, [])
    for index, (_, earlier) in enumerate(waiting):
        if len(earlier) == len(arrays) and all(map(same, earlier, arrays)):
            del waiting[index]
            if not waiting:
                del compiled._unconfirmed[key]
            return True
    # (a program unconfirmed since this call's trace started is in no state of it)
    if any(tracer.same_state) or len(waiting) >= MAX_TRACES:
        compiled._unconfirmed.pop(key, None)
        compiled._fall_back(
            key,
            "index arrays computed where the recorder cannot see (array code on a tensor's "
            "values outside arraygrad's ops: they differed between two calls, and a replay "
            "would reuse the first call's)",
            stacklevel=6,  # the line calling the compiled function
            fix="compute them with arraygrad's functions (or _backend.xp's, in arraygrad's "
            "own code)",
        )
        return False
    waiting.append((program, [_backend.copy(array) for array in arrays]))
    compiled.confirmations += 1
    return False


def _traced_backward(
    tracer: Tracer, output: Tensor, inputs: list[Tensor], cotangent: Any
) -> dict[int, Any]:
    """The gradients of ``inputs`` (by id) from ``output``'s backward seeded with
    ``cotangent``, recorded on ``tracer`` (after the function's own trace: compile(model)'s
    backward program). Writes no ``.grad``; the graph stays for the caller's backward."""
    from arraygrad.autograd.engine import run_backward  # autograd builds on the package

    saved = _custom_saved(output)
    try:
        with recording(tracer):
            return run_backward(
                [output],
                [cotangent],
                retain_graph=True,
                create_graph=False,
                inputs=inputs,
                accumulate=False,
            )
    except Exception as error:  # the eager call has run: this trace only gives up
        raise UntraceableError(f"a backward that fails while traced ({error})") from None
    finally:
        _restore(saved)


def _custom_saved(output: Tensor) -> list[tuple[Tensor, Any, list[int]]]:
    """The tensors that custom Functions on ``output``'s graph saved for backward, each with a
    copy of its array and of its version counter. The traced backward runs their ``backward``
    on the graph that the caller's own ``backward()`` goes through later; one that writes into
    a saved tensor in place (allowed, after reading it) must find it unchanged then, as in
    eager code, where it runs once."""
    saved: list[tuple[Tensor, Any, list[int]]] = []
    if output._node is None:
        return saved
    for node in reachable([output._node]):
        ctx = node.params.get("ctx") if node.params else None
        for tensor in getattr(ctx, "_saved", ()):
            if tensor is not None:
                tensor = ctx._replacements.get(id(tensor), tensor)  # type: ignore[union-attr]
                counter = tensor._version_counter
                versions = [] if counter is None else list(counter)
                saved.append((tensor, _backend.copy(tensor._data), versions))
    return saved


def _restore(saved: list[tuple[Tensor, Any, list[int]]]) -> None:
    """Put back the arrays and versions of :func:`_custom_saved`'s tensors that changed."""
    for tensor, array, versions in saved:
        counter = tensor._version_counter
        if counter is not None and list(counter) != versions:
            _backend.assign(tensor._data, array)
            counter[:] = versions if versions else [0, 0]


@contextlib.contextmanager
def recording(tracer: Tracer) -> Iterator[None]:
    """``tracer`` records every array computation while the block runs (``_backend.tracer``,
    and ``_backend.xp`` its recording namespace)."""
    _backend.tracer = tracer
    _backend.xp = tracer.proxy
    _primitive.note_compile_recording(True)
    try:
        yield
    finally:
        _backend.tracer = None
        _primitive.note_compile_recording(False)
        _backend.xp = tracer.xp
        if _dtype._namespace is tracer.proxy:
            # dtype's tables, built during the trace, would keep the proxy, and through it
            # the tracer and all it met (a dropped model), until the next dtype lookup.
            _dtype._namespace = None


def _differentiable_output(result: Any, went_through: set[Any]) -> Tensor | None:
    """A tensor among ``result`` (in tuples, lists and dict values too) with a graph (it
    requires grad and was computed) that meets none of the nodes ``went_through`` (those the
    function's own backward passes ran), or ``None``."""
    if isinstance(result, Tensor):
        node = result._node
        if node is None:
            return None
        # (reachable is a generator: the walk stops at the first node met)
        if went_through and any(n in went_through for n in reachable([node])):
            return None
        return result
    if isinstance(result, (tuple, list, dict)):
        for item in result.values() if isinstance(result, dict) else result:
            found = _differentiable_output(item, went_through)
            if found is not None:
                return found
    return None
