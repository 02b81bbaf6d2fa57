"""``arraygrad.compile``: record a whole training step once, replay it as straight-line code.

The first call of a compiled function runs it eagerly while a recorder watches every array
computation underneath: each primitive's forward, each VJP rule and ``sum_to`` the engine runs,
each gradient sum, and each in-place write (``_backend.assign``, ``add_into``, ``copy``). Each
is written down as ``slot = function(slots and constants, params)``: a flat program over array
slots. The program is turned into one generated Python function, which later calls run on raw
arrays: no Tensor, no Node, no graph walk, no dtype promotion, the same array functions called
with the same values in the same order, so the results equal eager ones bit for bit.

What the program reads from outside (input tensors, captured parameters, their ``.grad``) is
read from those tensors on every replay, and what it changes on them (``.grad`` set, replaced or
cleared, data written in place, version counters) is done to them again. A recorded program is
used only while its guards hold: the inputs' shapes, dtypes and ``requires_grad`` flags and the
other arguments' values (the cache key), and for each captured tensor its shape, dtype, flag and
``.grad`` object; otherwise the function is traced again. Code that reads values into Python
during the trace (``loss.item()``, ``bool(t)``, ``.tolist()``, ``.numpy()``), draws random
numbers or builds a differentiable backward cannot be replayed: the function then runs eagerly,
with a warning, from then on for those inputs.

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
[10.0, 4.9, 2.401]
"""

from __future__ import annotations

import builtins
import functools
import operator
import warnings
from collections.abc import Callable
from typing import Any

from arraygrad import _backend, _dtype, _primitive
from arraygrad._grad_mode import grad_enabled
from arraygrad._tensor import Tensor

__all__ = ["compile"]

_MAX_TRACES = 8  # programs kept per function before it is considered too dynamic to compile


class _UntraceableError(Exception):
    """Raised inside a recorder call that cannot be written down."""


class _Const:
    """A constant operand of the program (anything not produced by a recorded call)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class _Tracer:
    """Writes down array calls as a flat program over slots while a function runs eagerly."""

    def __init__(self) -> None:
        self.slots: dict[int, int] = {}  # id(array) -> slot
        self.keep: list[Any] = []  # keeps traced arrays alive, so that ids stay unique
        self.loads: list[tuple[int, Any]] = []  # (slot, tensor reference) read at replay start
        self.ops: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any], int | None]] = []
        self.broken: str | None = None
        self.arg_refs: dict[int, int] = {}  # id(input tensor) -> position
        # Outside tensors as the trace first met them (before the function could change them:
        # it must use a tensor to change it): (tensor, its .grad, its version).
        self.entry: dict[int, tuple[Tensor, Tensor | None, int]] = {}
        self.suspicious: dict[int, Tensor] = {}  # tensors around arrays of unknown origin
        # While tracing, _backend.xp is a namespace that records its function calls too, so
        # that array code written against _backend.xp (e.g. a stable log-sum-exp's shift) is
        # part of the program.
        self.xp = _backend.xp
        self.proxy = _RecordingNamespace(self)

    # --- slots ------------------------------------------------------------------------------

    def _new_slot(self, value: Any) -> int:
        slot = len(self.keep)
        self.keep.append(value)
        self.slots[id(value)] = slot
        return slot

    def wrapped(self, tensor: Tensor) -> None:
        """A tensor was made around an array: if no recorded call made the array, it came from
        array code the recorder cannot see (operators on raw arrays), unless it is the array of
        a tensor from before the trace (e.g. ``.detach()``), which cannot be told apart."""
        if id(tensor._data) not in self.slots and _backend.is_array(tensor._data):
            self.suspicious[id(tensor)] = tensor

    def see_tensor(self, tensor: Tensor) -> None:
        """Register a tensor from outside the program: its array is read at replay start."""
        if id(tensor) in self.suspicious:
            self.untraceable("array arithmetic outside arraygrad's ops (e.g. on tensor._data)")
        data = tensor._data
        outside = id(data) not in self.slots
        if id(tensor) not in self.entry and (outside or id(tensor) in self.arg_refs):
            grad = tensor.grad
            self.entry[id(tensor)] = (tensor, grad, _version(tensor))
            if grad is not None:
                if id(tensor) in self.arg_refs:
                    self.untraceable("an input tensor that already has a .grad")
                self.see_tensor(grad)
        if outside:
            self.loads.append((self._new_slot(data), self._ref(tensor)))

    def _operand(self, value: Any) -> Any:
        slot = self.slots.get(id(value))
        if slot is not None and self.keep[slot] is value:
            return slot
        if _backend.is_array(value) and _dtype.from_xp(value.dtype).is_floating_point:
            # Values reach recorded calls through tensors or recorded calls; a float array from
            # anywhere else was computed where the recorder cannot see (raw array arithmetic),
            # and replaying it as a constant would be wrong. (Integer arrays are indices.)
            self.untraceable("array arithmetic outside arraygrad's ops (e.g. on tensor._data)")
        return _Const(value)

    # --- hooks called by arraygrad while tracing ---------------------------------------------

    def forward(
        self, fn: Callable[..., Any], xp: Any, args: tuple[Any, ...], arrays: list[Any], params: Any
    ) -> Any:
        """A primitive's forward: register outside tensors, then record the call."""
        for arg in args:
            if isinstance(arg, Tensor):
                self.see_tensor(arg)
        return self.call(fn, (xp, *arrays), params)

    def _ref(self, tensor: Tensor) -> Any:
        position = self.arg_refs.get(id(tensor))
        return ("arg", position) if position is not None else ("obj", tensor)

    def call(self, fn: Callable[..., Any], args: tuple[Any, ...], params: Any = None) -> Any:
        """Run ``fn(*args, **params)`` for real and write the call down."""
        params = params or {}
        proxy = self.proxy
        args = tuple(self.xp if a is proxy else a for a in args)  # replays get the real namespace
        operands = tuple(self._operand(a) for a in args)
        # What fn does inside is part of this one recorded call.
        _backend.tracer = None
        _backend.xp = self.xp
        try:
            result = fn(*args, **params)
        finally:
            _backend.tracer = self
            _backend.xp = proxy
        if result is None:  # a write into an existing array
            self.ops.append((fn, operands, params, None))
        elif isinstance(result, Tensor):
            self.untraceable("a Tensor computed from raw arrays (create_graph)")
        elif _backend.is_array(result):
            if id(result) not in self.slots:  # else a pass-through: nothing new to name
                self.ops.append((fn, operands, params, self._new_slot(result)))
        elif isinstance(result, (tuple, list)) and any(_backend.is_array(r) for r in result):
            whole = self._new_slot(result)
            self.ops.append((fn, operands, params, whole))
            for index, part in enumerate(result):
                if _backend.is_array(part) and id(part) not in self.slots:
                    operands = (whole, _Const(index))
                    self.ops.append((operator.getitem, operands, {}, self._new_slot(part)))
        # Anything else (a dtype, a bool, a shape) is a constant of the program.
        return result

    def call_with(self, fn: Callable[..., Any], *args: Any, **params: Any) -> Any:
        """:meth:`call` with the arguments spread, for the recording namespace."""
        return self.call(fn, args, params)

    def untraceable(self, reason: str) -> None:
        """Note that the program cannot be replayed (the eager run itself goes on)."""
        if self.broken is None:
            self.broken = reason


class _RecordingNamespace:
    """``_backend.xp`` during a trace: each function call on it is recorded."""

    def __init__(self, tracer: _Tracer) -> None:
        self._tracer = tracer
        self._real = tracer.xp

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._real, name)
        if callable(value) and not isinstance(value, type):
            value = functools.partial(self._tracer.call_with, value)
        setattr(self, name, value)  # cached: each name is looked up once per trace
        return value


class _Program:
    """A recorded step: its guards and the generated function that replays it."""

    def __init__(self, tracer: _Tracer, result: Any) -> None:
        self.guards: list[tuple[Any, Tensor, tuple[int, ...], Any, bool, Any]] = []
        lines = ["def replay(args):"]
        env: dict[str, Any] = {"_wrap": Tensor._wrap, "_bump": _primitive.bump_version}
        tensor_names: dict[int, str] = {}

        def tensor_expr(ref: Any) -> str:
            kind, value = ref
            if kind == "arg":
                return f"args[{value}]"
            name = tensor_names.get(id(value))
            if name is None:
                name = tensor_names[id(value)] = f"T{len(tensor_names)}"
                env[name] = value
            return name

        for slot, ref in tracer.loads:
            lines.append(f"    v{slot} = {tensor_expr(ref)}._data")
        for index, (fn, operands, params, out) in enumerate(tracer.ops):
            env[f"f{index}"] = fn
            parts = []
            for position, operand in enumerate(operands):
                if isinstance(operand, _Const):
                    env[f"c{index}_{position}"] = operand.value
                    parts.append(f"c{index}_{position}")
                else:
                    parts.append(f"v{operand}")
            if params:
                env[f"k{index}"] = params
                parts.append(f"**k{index}")
            call = f"f{index}({', '.join(parts)})"
            lines.append(f"    v{out} = {call}" if out is not None else f"    {call}")

        # Side effects on outside tensors: .grad and version counters, as the eager run left them.
        for tensor, entry_grad, entry_version in tracer.entry.values():
            ref = tracer._ref(tensor)
            expr = tensor_expr(ref)
            grad = tensor.grad
            if grad is not entry_grad:
                if grad is None:
                    lines.append(f"    {expr}.grad = None")
                else:
                    grad_slot = tracer.slots.get(id(grad._data))
                    if grad_slot is None or grad._rg:
                        raise _UntraceableError("a .grad the program did not compute")
                    lines.append(f"    {expr}.grad = _wrap(v{grad_slot})")
            bumps = _version(tensor) - entry_version
            for _ in range(bumps):
                lines.append(f"    _bump({expr})")
            grad_info = (
                None
                if entry_grad is None
                else (entry_grad, tuple(entry_grad._data.shape), entry_grad._data.dtype)
            )
            if ref[0] == "obj":
                self.guards.append(
                    (
                        ref,
                        tensor,
                        tuple(tensor._data.shape),
                        tensor._data.dtype,
                        tensor._rg,
                        grad_info,
                    )
                )
        lines.append(f"    return {_result_expr(result, tracer, env)}")
        source = "\n".join(lines)
        exec(builtins.compile(source, "<arraygrad.compile>", "exec"), env)
        self.replay: Callable[[tuple[Any, ...]], Any] = env["replay"]
        self.source = source

    def matches(self) -> bool:
        """Whether the captured tensors are still as the trace found them."""
        for _ref, tensor, shape, dtype, rg, grad_info in self.guards:
            data = tensor._data
            if data.shape != shape or data.dtype != dtype or tensor._rg != rg:
                return False
            grad = tensor.grad
            if grad_info is None:
                if grad is not None:
                    return False
            elif grad is not grad_info[0] or grad._data.shape != grad_info[1]:
                return False
        return True


def _version(tensor: Tensor) -> int:
    counter = tensor._version_counter
    return 0 if counter is None else counter[0]


def _result_expr(result: Any, tracer: _Tracer, env: dict[str, Any]) -> str:
    """Python source rebuilding the step's return value from the replay's slots."""
    if isinstance(result, Tensor):
        slot = tracer.slots.get(id(result._data))
        if slot is None:
            raise _UntraceableError("returning a tensor the program did not compute")
        return f"_wrap(v{slot})"
    if isinstance(result, (tuple, list)):
        parts = "".join(_result_expr(item, tracer, env) + ", " for item in result)
        return f"({parts})" if isinstance(result, tuple) else f"[{parts}]"
    if isinstance(result, dict):
        items = ", ".join(
            f"{_result_expr(key, tracer, env)}: {_result_expr(value, tracer, env)}"
            for key, value in result.items()
        )
        return "{" + items + "}"
    if result is None or isinstance(result, (bool, int, float, str)):
        name = f"r{len(env)}"
        env[name] = result
        return name
    raise _UntraceableError(f"returning a {type(result).__name__}")


def _key(args: tuple[Any, ...]) -> Any:
    """What a program is specialised on: grad mode, tensor signatures, other argument values."""
    parts: list[Any] = [grad_enabled.get()]
    for value in args:
        if value.__class__ is Tensor or isinstance(value, Tensor):
            parts.append(("T", tuple(value._data.shape), value._data.dtype, value._rg))
        else:
            try:
                hash(value)
            except TypeError:
                parts.append(("id", id(value)))
            else:
                parts.append(("v", type(value), value))
    return tuple(parts)


class CompiledFunction:
    """A function traced on its first call for each input signature and replayed afterwards."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.programs: dict[Any, list[_Program]] = {}
        self.eager: dict[Any, str] = {}  # keys that fell back to eager, with the reason
        self.traces = 0  # how many times the function was traced (for tests and debugging)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _backend.tracer is not None or kwargs:
            # Inside another trace it is part of that one; keyword calls are not specialised.
            return self.fn(*args, **kwargs)
        key = _key(args)
        if key in self.eager:
            return self.fn(*args, **kwargs)
        programs = self.programs.get(key)
        if programs:
            for index, program in enumerate(programs):
                if program.matches():
                    if index:  # the most recently matching program is tried first next time
                        programs.insert(0, programs.pop(index))
                    return program.replay(args)
            if len(programs) >= _MAX_TRACES:
                self._fall_back(key, f"state that changes on every call ({_MAX_TRACES} traces)")
                return self.fn(*args, **kwargs)
        return self._trace(key, args, kwargs)

    def _fall_back(self, key: Any, reason: str) -> None:
        self.eager[key] = reason
        warnings.warn(
            f"arraygrad.compile: {getattr(self.fn, '__qualname__', self.fn)!r} runs eagerly: "
            f"{reason} cannot be compiled into a replayable program. Fix: move it out of the "
            "compiled function (e.g. call loss.item() on the returned loss).",
            RuntimeWarning,
            stacklevel=3,
        )

    def _trace(self, key: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run the function eagerly while recording it; keep the program if it can replay."""
        tracer = _Tracer()
        self.traces += 1
        for position, arg in enumerate(args):
            if isinstance(arg, Tensor):
                tracer.arg_refs[id(arg)] = position
        _backend.tracer = tracer
        _backend.xp = tracer.proxy
        try:
            result = self.fn(*args, **kwargs)
        finally:
            _backend.tracer = None
            _backend.xp = tracer.xp
        if tracer.broken is not None:
            self._fall_back(key, tracer.broken)
            return result
        try:
            program = _Program(tracer, result)
        except _UntraceableError as error:
            self._fall_back(key, str(error))
            return result
        self.programs.setdefault(key, []).append(program)
        return result


def compile(fn: Callable[..., Any]) -> CompiledFunction:
    """Compile ``fn`` (e.g. a whole training step) into a replayable program of array calls.

    ``fn`` is traced on its first call for each combination of input shapes, dtypes,
    ``requires_grad`` flags and non-tensor argument values, and the recorded array calls are
    replayed on later calls, bitwise equal to running ``fn`` eagerly. Tensors the function
    captures (parameters, their ``.grad``) are guarded: when one changes shape or is replaced,
    ``fn`` is traced again. Returned tensors are detached. Functions that read tensor values into
    Python (``.item()``, ``bool(t)``, ``.tolist()``), draw random numbers or use
    ``create_graph=True`` run eagerly, with a warning.
    """
    return CompiledFunction(fn)
