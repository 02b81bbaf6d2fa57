"""``arraygrad.compile``: record a whole training step once, replay it as straight-line code.

The first call of a compiled function runs it eagerly while a recorder watches every array
computation underneath: each primitive's forward, each VJP rule and ``sum_to`` the engine runs,
each gradient sum, and each in-place write (``_backend.assign``, ``add_into``, ``copy``). Each
such call is split into the array operations it performs (:mod:`._compile_symbolic`), so that
its Python logic (type tests, shape arithmetic) runs once, now; a call that cannot be split
stays one opaque step. The result is a flat program over array slots, which
:mod:`._compile_program` turns into one generated Python function: later calls run it on raw
arrays, with no Tensor, no Node, no graph walk, no dtype promotion. It makes the same array
operations on the same values in the same order as eager code, minus the operations whose
results nothing uses, and with what depends on constants alone (the backward seed, the
gradient of a mean) computed once: the results equal eager ones bit for bit. Before a program
is kept, it is run once on the arrays the trace started from and must reproduce what the eager
run left, bit for bit; array code the recorder cannot see makes it fail that check.

What the program reads from outside (input tensors, captured parameters, their ``.grad``) is
read from those tensors on every replay, and what it changes on them (``.grad`` set, replaced or
cleared, data written in place or replaced, version counters) is done to them again. A recorded
program is used only while its guards hold: grad mode, the inputs' classes, shapes, dtypes and
``requires_grad`` flags and the other arguments' values, the Python attributes (numbers,
strings, None, functions, tuples of them) of each module the function calls, as the call finds
them (``training``, dropout's ``p``, batch norm's ``momentum`` and ``eps``: those the function
sets, as ``model.train()`` in the step does, a replay sets again), their forward and backward
hooks and the global module hooks (``register_forward_hook``, ``register_full_backward_hook``,
``register_module_forward_hook``, ...: the trace ran them and recorded their array work, as a
new output they return; one registered or removed since is traced again, and a function that
registers or removes one itself runs eagerly; a replay repeats a hook's array work, not its
Python effects, as for an optimizer's step hooks below), and for each captured tensor
its shape, dtype, flag, node, gradient hooks (``register_hook``,
``register_post_accumulate_grad_hook``) and ``.grad`` object (only whether it has one, for a
tensor the function drops it from before reading it, with ``zero_grad()`` or a plain
``p.grad = None``:
PyTorch's loops, which do that first or between the forward and ``loss.backward()``, find the
previous call's ``.grad`` every time), and an optimizer's options, state (Python values in it by
value) and plain attributes (numbers, strings, None and tuples, lists and dicts of them; a
subclass's own ``step()`` as well) and its step hooks (which ones are registered, and the plain
values each reads from its closure, globals or object: a replay repeats a hook's array work,
not its Python effects); otherwise the function is traced again. A call that leaves
the grad mode or the default dtype changed is not kept (a replay would not change it): the next
call is traced again. An optimizer's ``lr``, ``momentum`` and ``betas`` are the exception: from
the second trace that steps the optimizer on, they are numbers the program reads from the param
group on each replay (:mod:`._compile_numbers`), so that an LR schedule stepped between calls,
or one that cycles the momentum (``OneCycleLR``), does not need a trace per call (a tensor lr,
which schedulers write into in place, is read from the tensor); a comparison
the update branches on (``momentum != 0``) is guarded by its result, and where the update uses
them in a way the recorder does not follow (a conversion), they are guarded by value like the
other options. Code that reads values into Python during the trace (``loss.item()``,
``bool(t)``, ``.tolist()``, ``.numpy()``), reseeds a generator or reads or sets its state,
builds a differentiable backward or makes results whose shape depends on the values (boolean
masks) cannot be replayed: the function then runs eagerly, with a warning, from then on for
those inputs. Draws from the global generator (dropout, ``randn``, ``randperm``) and from
:class:`arraygrad.Generator` objects (``generator=g``) are steps of the program that draw again
on every replay, in eager code's order, so that from one seed a compiled step gives eager's
results and leaves each generator where eager code leaves it (reseeding between calls too).

Programs replay on NumPy and on libraries with its array methods (CuPy); on a standard-only
library (array_api_strict) and on a lazy one (Dask), whose task graph already holds the whole
computation, a compiled function runs eagerly, with a warning.

Known limits: integer and boolean arrays computed with raw operators on ``tensor._data`` (not
through a primitive or ``_backend.xp``) are taken for constant indices; code inside arraygrad
avoids them. As a safeguard, a program with such arrays is kept only once a second trace of the
same signature finds them equal; arrays that differ (made from values that changed) make the
function run eagerly, with a warning. Values equal on those two calls are not caught.
The global and closure variables that the function's own code reads (a partial's function's, a
callable object's ``__call__``'s; not the functions it calls) and that hold plain values
(numbers, strings, None, tuples of them: a learning rate, a dropout probability passed to
``F.dropout(x, p)``) are constants of the program, guarded by value: changed between calls, the
function is traced again (one the function itself changes, a counter, makes it run eagerly after
8 traces, as eager code counts). Python values it reads anywhere else, a plain attribute of an
object other than its modules and optimizers, or a global read by a helper function it calls,
are constants not guarded: pass such a value as an argument (the program is then specialised on
it) or keep it in a module attribute.

>>> import arraygrad
>>> w = arraygrad.tensor(0.0, requires_grad=True)
>>> x = arraygrad.tensor([1.0, 2.0])
>>> @arraygrad.compile
... def step(x):
...     loss = ((w * x - 2 * x) ** 2).mean()
...     loss.backward()
...     with arraygrad.no_grad():
...         w.sub_(0.1 * w.grad)
...     w.grad = None
...     return loss
>>> [round(step(x).item(), 4) for _ in range(3)]
[10.0, 2.5, 0.625]
"""

from __future__ import annotations

import functools
import warnings
import weakref
from collections.abc import Callable
from typing import Any

from arraygrad import _autocast_flag, _backend, _primitive
from arraygrad._compile_guards import summary
from arraygrad._compile_program import MISS, Program
from arraygrad._compile_signatures import differing_arguments, signature
from arraygrad._compile_traces import MAX_TRACES, trace
from arraygrad._tensor import Tensor
from arraygrad.autograd import _saved_hooks

__all__ = ["compile"]

# Input signatures traced per function: past them, calls with a new one run eagerly (a value
# that changes on every call, passed as a plain argument, would otherwise make a program per
# call and keep every one).
_MAX_SIGNATURES = 64


def _unreplayable_library() -> tuple[str, str]:
    """Why programs cannot replay on the active array library, and the fix."""
    if _backend.is_lazy:
        # Dask's arrays are a task graph already, computed when read: a trace would copy and
        # compare their values (computing them) and a replay could not run on them.
        return (
            "a function of a lazy library's arrays (Dask's, computed when read)",
            "leave this function uncompiled on Dask, whose task graph already holds the "
            "whole computation until it is read, or compile it on NumPy",
        )
    # Traces copy arrays in their layout and replays write through out= and ufuncs: NumPy's
    # array methods, which CuPy has and a standard-only library (array_api_strict) lacks.
    return (
        f"a function of {_backend.module.__name__}'s arrays, which lack the NumPy array methods "
        "(copy(order=), ufuncs, out=) that replays use",
        "compile it on NumPy or CuPy, or leave it uncompiled on this library",
    )


# Every compiled function alive, so that arraygrad.compiler.reset() can make each forget its
# traces (PyTorch's compile caches are global; arraygrad's are per function).
_COMPILED: weakref.WeakSet[CompiledFunction] = weakref.WeakSet()


class CompiledFunction:
    """A function traced on its first call for each input signature and replayed afterwards."""

    def __init__(self, fn: Callable[..., Any], fullgraph: bool = False) -> None:
        from arraygrad.nn.modules.module import Module  # nn builds on the top-level package

        if isinstance(fn, Module):
            # compile(model) stands for the model (PyTorch's OptimizedModule): parameters(),
            # state_dict(), eval() and any other attribute reach it (see __getattr__), and
            # ``_orig_mod`` is it. Its attributes are not copied, which would go stale.
            functools.update_wrapper(self, fn, updated=())
            self._orig_mod = fn
        else:
            functools.update_wrapper(self, fn)
        self.fn = fn
        # compile(fn, fullgraph=True): what cannot be compiled raises instead of running eagerly
        self.fullgraph = fullgraph
        self._forget_traces()
        _COMPILED.add(self)

    def _forget_traces(self) -> None:
        """Start afresh, as before the first call: no program, no eager fallback, no count
        (``arraygrad.compiler.reset()`` calls it on every compiled function)."""
        self.programs: dict[Any, list[Program]] = {}
        self.eager: dict[Any, str] = {}  # keys that fell back to eager, with the reason
        self._retries: dict[Any, int] = {}  # traces per key that could not become a program
        # The programs of a key's traces that took index arrays of unknown origin, with copies
        # of those arrays, until a trace of the key in the same state confirms them (see
        # _compile_traces.confirmed).
        self._unconfirmed: dict[Any, list[tuple[Any, list[Any]]]] = {}
        # The tensors from outside that the traces of each key met: a new trace of the key
        # notes their .grad at its start (see Tracer._entry_grad).
        self._captured: dict[Any, dict[int, Tensor]] = {}
        self.traces = 0  # how many times the function was traced (for tests and debugging)
        self.confirmations = 0  # of those, traces whose program waited for a second (see
        # _compile_traces.confirmed)
        self._saturated = False  # whether new signatures run eagerly (see _MAX_SIGNATURES)
        # The program that replayed last: tried first, before any key is computed (its own
        # guards check everything the key would).
        self._last: Callable[[tuple[Any, ...]], Any] | None = None
        # The optimizers whose step() a trace of the function called: the next traces read
        # their groups' lr, momentum and betas as numbers a replay reads anew (see
        # _compile_numbers). A trace reads
        # it so only for an optimizer known when it starts: then every read of the lr during
        # the trace, before the step too, is of the traced number.
        self._optimizers: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()

    def __getattr__(self, name: str) -> Any:
        # Only for attributes the compiled function lacks, and only for a compiled module.
        module = self.__dict__.get("_orig_mod")
        if module is None:
            raise AttributeError(f"'CompiledFunction' object has no attribute {name!r}")
        return getattr(module, name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        last = self._last
        if (
            last is not None
            and not kwargs
            and not (
                _primitive.saved_hooks_active or _primitive.forward_ad_active or _autocast_flag.cpu
            )
        ):
            result = last(args)
            if result is not MISS:
                return result
        return self._dispatch(args, kwargs)

    def _dispatch(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if _backend.tracer is not None:  # inside another trace it is part of that one
            return self.fn(*args, **kwargs)
        if not _backend.replayable:
            self._refuse_or_warn(*_unreplayable_library(), stacklevel=4)  # (via _dispatch)
            return self.fn(*args, **kwargs)
        if _primitive.saved_hooks_active and _saved_hooks.current() is not None:
            # The hooks are called as each op records what it saves; a replay records no op, so
            # it would skip them (and a trace would keep what they packed).
            self._refuse_or_warn(
                "a call inside saved_tensors_hooks (whose pack and unpack hooks run as each "
                "operation saves and backward reads its values)",
                "call the compiled function outside the saved_tensors_hooks context",
                stacklevel=4,
            )
            return self.fn(*args, **kwargs)
        if _autocast_flag.cpu:
            # The casts are made as each listed op runs; a program traced without them would
            # replay in float32, and one traced with them would keep them outside autocast.
            self._refuse_or_warn(
                "a call inside an enabled CPU autocast (which casts each listed operation's "
                "inputs as it runs)",
                "call the compiled function outside autocast, or leave it uncompiled",
                stacklevel=4,
            )
            return self.fn(*args, **kwargs)
        if _primitive.forward_ad_active:
            # Each op gives its result a tangent as it runs; a replay runs no op, so its
            # results would have none (and a trace would record the tangents' arithmetic).
            self._refuse_or_warn(
                "a call inside a forward-mode AD dual level (where each operation computes its "
                "result's tangent as it runs)",
                "call the compiled function outside the dual level, or leave it uncompiled",
                stacklevel=4,
            )
            return self.fn(*args, **kwargs)
        # Keyword arguments are arguments after the positional ones, in the order of their
        # names (so that f(x, a=1, b=2) and f(x, b=2, a=1) share a program), with the names in
        # the key: a program's replay reads them by position, as it reads the others.
        names: tuple[str, ...] = ()
        if kwargs:
            names = tuple(sorted(kwargs))
            args = args + tuple(kwargs[name] for name in names)
        key = signature(args, names)
        if key in self.eager:
            if self.fullgraph:
                raise RuntimeError(self._refusal(self.eager[key]))
            return self._run(args, names)
        programs = self.programs.get(key)
        if programs is None and len(self.programs) + len(self.eager) >= _MAX_SIGNATURES:
            self._too_many_signatures(key)
            return self._run(args, names)
        if programs:
            for index, program in enumerate(programs):
                result = program.replay(args)
                if result is not MISS:
                    if index:  # the most recently matching program is tried first next time
                        programs.insert(0, programs.pop(index))
                    # (__call__ tries the last program on positional calls only: one traced
                    # with keywords would take the same arrays passed positionally)
                    self._last = None if names else program.replay
                    return result
            if len(programs) >= MAX_TRACES:
                # Which state: the guards of the latest program that miss now, in words.
                changes = programs[-1].changes(args)
                since = f"; since the latest: {summary(changes)}" if changes else ""
                reason = f"state that changes on every call ({MAX_TRACES} traces{since})"
                fix = (
                    "keep what the program depends on fixed between calls (captured tensors, "
                    "module attributes, global and closure variables, an optimizer's state and "
                    "options: all but lr, momentum and betas, which a replay reads anew unless "
                    "the update converts them; for an option that "
                    "changes on every call, compile the forward and backward only and call "
                    "opt.step() after the compiled function), or leave this function uncompiled"
                )
                self._fall_back(key, reason, stacklevel=4, fix=fix)
                return self._run(args, names)
        return trace(self, key, args, names)

    def _run(self, args: tuple[Any, ...], names: tuple[str, ...]) -> Any:
        """Call the function eagerly on ``args``, the last ``len(names)`` of them by keyword."""
        if not names:
            return self.fn(*args)
        split = len(args) - len(names)
        return self.fn(*args[:split], **dict(zip(names, args[split:], strict=True)))

    def _too_many_signatures(self, key: Any) -> None:
        """Warn, once, that calls with new input signatures run eagerly from now on, naming the
        arguments in which this one differs from the latest traced. With fullgraph=True it
        raises instead, on every such call, before the function runs."""
        if self._saturated and not self.fullgraph:
            return
        self._saturated = True
        latest = next(reversed(self.programs), None)
        differing = [] if latest is None else differing_arguments(latest, key)
        where = f" (this call's differs in {', '.join(differing)})" if differing else ""
        limit = (
            f"it was traced for {_MAX_SIGNATURES} signatures (input shapes, dtypes, "
            f"requires_grad flags and the values of other arguments){where}"
        )
        fix = (
            "pass values that change on every call (a step count, a learning rate) as tensors "
            "or through captured state"
        )
        if self.fullgraph:
            raise RuntimeError(self._refusal(f"inputs of a new signature: {limit}", fix))
        warnings.warn(
            f"arraygrad.compile: {getattr(self.fn, '__qualname__', self.fn)!r} runs eagerly for "
            f"inputs of a new signature: {limit}. Fix: {fix}, or leave this function "
            "uncompiled.",
            RuntimeWarning,
            # the line calling the compiled function (via __call__ and _dispatch)
            stacklevel=4,
        )

    def _fall_back(
        self,
        key: Any,
        reason: str,
        stacklevel: int = 5,
        fix: str = "move it out of the compiled function (e.g. call loss.item() on the returned "
        "loss)",
    ) -> None:
        self.eager[key] = reason
        self._last = None
        self._refuse_or_warn(reason, fix, stacklevel + 1)

    def _refuse_or_warn(self, reason: str, fix: str, stacklevel: int) -> None:
        """fullgraph=True's error, else the warning that a call runs eagerly; ``stacklevel``
        counts from here to the line calling the compiled function."""
        if self.fullgraph:
            raise RuntimeError(self._refusal(reason, fix))
        warnings.warn(
            f"arraygrad.compile: {getattr(self.fn, '__qualname__', self.fn)!r} runs eagerly: "
            f"{reason} cannot be compiled into a replayable program. Fix: {fix}.",
            RuntimeWarning,
            stacklevel=stacklevel,
        )

    def _refusal(self, reason: str, fix: str = "") -> str:
        """fullgraph=True's error, in place of running eagerly (raised after the call that
        traced, which ran the function once, eagerly, for its effects)."""
        return (
            f"arraygrad.compile(fullgraph=True): {getattr(self.fn, '__qualname__', self.fn)!r} "
            f"cannot be compiled into a replayable program: {reason}. Fix: "
            f"{fix or 'see the first error for this input signature'}, or compile it without "
            "fullgraph=True to let such calls run eagerly."
        )


def compile(
    model: Callable[..., Any] | None = None,
    *,
    fullgraph: bool = False,
    dynamic: bool | None = None,
    backend: Any = None,
    mode: str | None = None,
    options: dict[str, Any] | None = None,
    disable: bool = False,
) -> Any:
    """Compile ``model``, a function (e.g. a whole training step, called ``fn`` below) or a
    module, into a replayable program of array calls.

    ``fn`` is traced on its first call for each combination of input shapes, dtypes,
    ``requires_grad`` flags and non-tensor argument values (arguments passed by keyword too,
    with their names), and the recorded array calls are
    replayed on later calls, bitwise equal to running ``fn`` eagerly. Tensors the function
    captures (parameters, their ``.grad``) are guarded: when one changes shape or is replaced,
    ``fn`` is traced again; so are an optimizer's options, state and which parameters have a
    gradient (a new ``weight_decay``, reloaded buffers), and the options of the modules it
    calls (``model.eval()``, a new dropout ``p``) and their forward and backward hooks and the
    global module hooks (registered or removed since), and an optimizer's first step, which creates
    its state, runs eagerly. An optimizer's ``lr``, ``momentum`` and ``betas`` are read anew by
    every replay, from the second trace that steps the optimizer on, so that an LR or momentum
    schedule stepped between calls does not make each call trace again (a comparison the
    update branches on, ``momentum != 0``, is guarded by its result; a conversion,
    ``float(lr)``, guards the value). Python side effects are not replayed (but for the module
    options the function sets): a function that steps an LR scheduler runs eagerly, and
    rebinding a name the function reads (a new optimizer object, a dropout rate in a global) is
    not seen: compile the new function instead, or pass the value as an argument. Returned
    tensors are detached, but for one floating tensor with a graph that no backward of the
    function's own went through (``compile(model)``, whose output the caller differentiates):
    its backward is traced and compiled too, and the replayed output gets one node that runs
    it (see :mod:`arraygrad._compile_aot`). Functions that read tensor values into Python
    (``.item()``, ``bool(t)``, ``.tolist()``), draw random numbers or use
    ``create_graph=True`` run eagerly, with a warning.

    PyTorch's ``torch.compile`` arguments are taken, so that its code runs unchanged:
    ``@compile()`` and ``compile(mode=...)`` without a function return a decorator;
    ``disable=True`` returns ``fn`` itself; ``fullgraph=True`` raises a RuntimeError where
    ``fn`` cannot be compiled (PyTorch's error on a graph break) instead of running it eagerly
    with a warning (the call that found it out has run, eagerly). ``mode`` (one of PyTorch's
    names), ``dynamic``, ``backend`` (one of PyTorch's names, or a callable, which is never called)
    and ``options`` change nothing: there is one way to replay, and a new input shape is traced
    again; an unknown mode or backend name raises PyTorch's RuntimeError.

    >>> import arraygrad
    >>> @arraygrad.compile(mode="reduce-overhead")
    ... def double(x):
    ...     return x * 2
    >>> double(arraygrad.tensor([1.0, 2.0]))
    tensor([2., 4.])
    """
    if mode not in _MODES:
        names = ", ".join(m for m in _MODES if m is not None)
        raise RuntimeError(f"Unrecognized mode={mode}, should be one of: {names}")
    if mode is not None and options is not None:
        raise RuntimeError(
            "Either mode or options can be specified, but both can't be specified at the same "
            "time. Fix: pass one of them (neither changes how arraygrad replays)."
        )
    if model is None:  # @compile(...) / compile(mode=...)(fn)
        return functools.partial(
            compile,
            fullgraph=fullgraph,
            dynamic=dynamic,
            backend=backend,
            mode=mode,
            options=options,
            disable=disable,
        )
    if isinstance(backend, str) and backend not in _BACKENDS:
        # PyTorch's InvalidBackend is a RuntimeError: a misspelt name fails here, not never.
        raise RuntimeError(
            f"Invalid backend: {backend!r}. Fix: pass one of PyTorch's backend names "
            f"({', '.join(_BACKENDS)}), or none (each replays the same way in arraygrad)."
        )
    if disable:
        return model
    return CompiledFunction(model, fullgraph=fullgraph)


# torch.compile's modes: accepted, with one behaviour.
_MODES = (None, "default", "lite", "reduce-overhead", "max-autotune-no-cudagraphs", "max-autotune")
# torch.compile's backend names: accepted, with one behaviour (a callable backend is accepted
# too, and never called: there is no FX graph to give it).
_BACKENDS = (
    "inductor",
    "eager",
    "aot_eager",
    "aot_eager_decomp_partition",
    "aot_eager_default_partitioner",
    "aot_ts",
    "cudagraphs",
    "onnxrt",
    "openxla",
    "openxla_eval",
    "tvm",
    "ts",
)
