"""The profiler: time every op, backward node and ``record_function`` block of a run.

>>> import arraygrad
>>> x = arraygrad.ones(3, requires_grad=True)
>>> with arraygrad.autograd.profiler.profile() as prof:
...     with arraygrad.autograd.profiler.record_function("step"):
...         (x * 2).sum().backward()
>>> [event.name for event in prof.function_events]
['step', 'mul', 'sum', 'SumBackward0', 'MulBackward0']

Event names: an op's event is named after the arraygrad primitive that ran (``mul``,
``matmul``, ``sum``), not PyTorch's ``aten::`` overloads, which arraygrad has no table of (one
PyTorch function may be several primitives here, and the other way round). A backward node's
event is its ``grad_fn`` name (``MulBackward0``); PyTorch also wraps each in an
``autograd::engine::evaluate_function:`` range and records ``AccumulateGrad`` nodes, which
arraygrad's engine, delivering leaf gradients inline, does not have. Memory: the bytes of each
op's new result (a view allocates nothing); frees are not seen, so memory only grows.

Cost: while no profiler records, nothing more than before. A recording sets
``_primitive.detour``, the flag the ops' fast entry points already test for arraygrad.compile's
tracer, so that each op's call asks :func:`arraygrad._profiling.timing` and runs inside a span
(:meth:`_Recording.timed`); the engine asks ``_profiling.recorder`` once per backward pass for
a queue that marks where each node starts.
"""

from __future__ import annotations

import threading as _threading
import warnings as _warnings
from time import perf_counter_ns
from typing import TYPE_CHECKING, Any

from arraygrad import _primitive, _profiling
from arraygrad._tensor import Tensor as _Tensor
from arraygrad.autograd.profiler_util import EventList, FunctionEvent

if TYPE_CHECKING:
    from collections.abc import Callable

    from arraygrad._primitive import Primitive
    from arraygrad._tensor import Tensor

__all__ = ["EventList", "FunctionEvent", "emit_itt", "emit_nvtx", "profile", "record_function"]


class _Span:
    """One range as it is recorded: times in ns, parent by reference."""

    __slots__ = (
        "annotation",
        "end",
        "name",
        "nbytes",
        "parent",
        "prim",
        "shapes",
        "start",
        "thread",
        "trace_name",
    )

    def __init__(self, name: str, parent: _Span | None, prim: Primitive | None) -> None:
        self.name = name
        self.trace_name = name
        self.parent = parent
        self.prim = prim
        self.shapes: list[list[int]] | None = None
        self.nbytes = 0
        self.annotation = False
        self.end = 0
        self.thread = _threading.get_native_id()
        self.start = perf_counter_ns()


class _Recording:
    """The spans of one recording, from every thread, each thread nesting its own."""

    def __init__(self, record_shapes: bool, profile_memory: bool) -> None:
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.origin = perf_counter_ns()
        self.spans: list[_Span] = []  # in the order they opened: a parent before its children
        self._open = _threading.local()  # .stack: this thread's open spans, innermost last

    def _stack(self) -> list[_Span]:
        stack: list[_Span] | None = getattr(self._open, "stack", None)
        if stack is None:
            stack = self._open.stack = []
        return stack

    def open(self, name: str, prim: Primitive | None = None) -> _Span:
        stack = self._stack()
        span = _Span(name, stack[-1] if stack else None, prim)
        stack.append(span)
        self.spans.append(span)
        return span

    def close(self, span: _Span) -> None:
        """End ``span``, and any span opened inside it that an exception left open."""
        end = perf_counter_ns()
        stack = self._stack()
        while stack:
            top = stack.pop()
            if top.end == 0:
                top.end = end
            if top is span:
                return
        if span.end == 0:
            span.end = end

    def timed(
        self, prim: Primitive, entry: Callable[..., Tensor], args: tuple[Any, ...], params: Any
    ) -> Tensor:
        """Run ``prim``'s entry point ``entry`` (``prim`` itself, or its ``apply1`` or
        ``apply2``) on ``args`` inside a span of its own. The entry point, called again, finds
        the span open (:meth:`dispatching`) and runs the op."""
        span = self.open(prim.name, prim)
        if self.record_shapes:
            span.shapes = _shapes(args)
        try:
            if entry is prim:
                result = prim(*args, **params)
            elif len(args) == 1:
                result = entry(args[0], params)
            else:
                result = entry(*args)
        finally:
            self.close(span)
        if self.profile_memory and not prim.view:
            span.nbytes = result.nbytes
        return result

    def dispatching(self, prim: Primitive) -> bool:
        """Whether ``prim``'s call is already timed here: its ``__call__`` handing on to its
        ``apply1``/``apply2`` (or back, while arraygrad.compile traces)."""
        stack = self._stack()
        return bool(stack) and stack[-1].prim is prim

    def _passes(self) -> list[_NodeQueue]:
        passes: list[_NodeQueue] | None = getattr(self._open, "passes", None)
        if passes is None:
            passes = self._open.passes = []
        return passes

    def node_queue(self) -> _NodeQueue:
        """The ready queue of a backward pass starting in this thread."""
        queue = _NodeQueue(self)
        self._passes().append(queue)  # (a hook may run a backward of its own: they nest)
        return queue

    def pass_failed(self) -> None:
        """End the innermost backward pass of this thread, which raised: the range of the
        node that was running ends now, rather than enclosing whatever runs next."""
        passes = self._passes()
        if passes:
            passes[-1].close()

    def events(self, until: int) -> EventList:
        """The spans as FunctionEvents, those still open ending at ``until`` (ns)."""
        events: list[FunctionEvent] = []
        made: dict[int, FunctionEvent] = {}
        origin = self.origin
        for number, span in enumerate(self.spans, start=1):
            end = span.end or until
            event = FunctionEvent(
                id=number,
                name=span.name,
                thread=span.thread,
                start_us=(span.start - origin) / 1000,
                end_us=(end - origin) / 1000,
                input_shapes=span.shapes,
                cpu_memory_usage=span.nbytes,
                is_user_annotation=span.annotation,
                trace_name=span.trace_name,
            )
            made[id(span)] = event
            parent = made.get(id(span.parent)) if span.parent is not None else None
            if parent is not None:
                event.set_cpu_parent(parent)
                parent.append_cpu_child(event)
            events.append(event)
        # A range's memory includes its children's: summed from the innermost out.
        for event in reversed(events):
            if event.cpu_parent is not None:
                event.cpu_parent.cpu_memory_usage += event.cpu_memory_usage
        return EventList(events, profile_memory=self.profile_memory)


class _NodeQueue(list[Any]):
    """The backward engine's queue of ready nodes while a profiler records. The engine pops
    each node just before running it, so a pop ends the previous node's range and opens the
    popped one's; :meth:`close` ends the last. (The engine's loop itself is unchanged.)"""

    def __init__(self, recording: _Recording) -> None:
        super().__init__()
        self._recording = recording
        self._running: _Span | None = None

    def pop(self, index: Any = -1) -> Any:
        node = super().pop(index)
        recording = self._recording
        if self._running is not None:
            recording.close(self._running)
        span = self._running = recording.open(node.name())
        if recording.record_shapes:
            span.shapes = [list(node.shape)]
        return node

    def close(self) -> None:
        if self._running is not None:
            self._recording.close(self._running)
            self._running = None
        passes = self._recording._passes()
        if passes and passes[-1] is self:
            passes.pop()


def _shapes(values: tuple[Any, ...]) -> list[list[int]]:
    return [list(value.shape) if isinstance(value, _Tensor) else [] for value in values]


_switch_lock = _threading.Lock()


def _start(record_shapes: bool, profile_memory: bool) -> _Recording:
    """Begin recording (one recording at a time, as PyTorch's profiler per thread)."""
    with _switch_lock:
        if _profiling.recorder is not None:
            raise RuntimeError("Profiler is already enabled on this thread.")
        recording = _Recording(record_shapes, profile_memory)
        _profiling.recorder = recording
        _primitive.update_detour()  # the ops' entry points now ask _profiling.timing
        return recording


def _stop(recording: _Recording) -> EventList:
    """End ``recording`` and return its events."""
    with _switch_lock:
        if _profiling.recorder is recording:
            _profiling.recorder = None
            _primitive.update_detour()
    return recording.events(perf_counter_ns())


class record_function:  # noqa: N801 - PyTorch's name
    """Mark a block (``with record_function("name"):``) or a function (as a decorator) as a
    range of its own in the profile; it costs next to nothing while no profiler records.

    >>> import arraygrad
    >>> from arraygrad.autograd.profiler import profile, record_function
    >>> with profile() as prof:
    ...     with record_function("my_block"):
    ...         _ = arraygrad.ones(2, 2) @ arraygrad.ones(2, 2)
    >>> "my_block" in [event.name for event in prof.function_events]
    True
    """

    def __init__(self, name: str, args: str | None = None) -> None:
        self.name = name
        self.args = args
        self._span: _Span | None = None
        self._recording: _Recording | None = None

    def __enter__(self) -> record_function:
        recording = _profiling.recorder
        if recording is not None:
            self._recording = recording
            self._span = recording.open(self.name)
            self._span.annotation = True
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._span is not None and self._recording is not None:
            self._recording.close(self._span)
        self._span = self._recording = None

    def __call__(self, function: Callable[..., Any]) -> Callable[..., Any]:
        import functools

        @functools.wraps(function)
        def recorded(*args: Any, **kwargs: Any) -> Any:
            with record_function(self.name, self.args):
                return function(*args, **kwargs)

        return recorded


def _warn_no_cuda() -> None:
    _warnings.warn("CUDA is not available, disabling CUDA profiling", stacklevel=3)


class profile:  # noqa: N801 - PyTorch's name
    """The legacy profiler (``torch.autograd.profiler.profile``): a context manager that
    records while inside and holds the events in ``function_events`` once it exits
    (``key_averages().table()`` summarises them). Ops are named without torch's ``aten::``.

    >>> import arraygrad
    >>> from arraygrad.autograd.profiler import profile
    >>> with profile() as prof:
    ...     _ = arraygrad.ones(2, 2) @ arraygrad.ones(2, 2)
    >>> any("mm" in event.name for event in prof.function_events)
    True
    """

    def __init__(
        self,
        enabled: bool = True,
        *,
        use_cuda: bool = False,
        use_device: str | None = None,
        record_shapes: bool = False,
        with_flops: bool = False,
        profile_memory: bool = False,
        with_stack: bool = False,
        with_modules: bool = False,
        use_kineto: bool = False,
        use_cpu: bool = True,
        experimental_config: Any = None,
        acc_events: bool = False,
        custom_trace_id_callback: Callable[[], str] | None = None,
        post_processing_timeout_s: float | None = None,
        activity_filters: Any = None,
    ) -> None:
        self.enabled = enabled
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.function_events: EventList | None = None
        self.entered = False
        self._recording: _Recording | None = None
        if use_cuda:
            _warnings.warn(
                "The attribute `use_cuda` will be deprecated soon, please use "
                "``use_device = 'cuda'`` instead.",
                FutureWarning,
                stacklevel=2,
            )
        if use_cuda or (use_device is not None and use_device != "cpu"):
            _warn_no_cuda()
        self.use_device = None

    def __enter__(self) -> profile | None:
        if not self.enabled:
            return None
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self.entered = True
        self._recording = _start(self.record_shapes, self.profile_memory)
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._recording is not None:
            self.function_events = _stop(self._recording)
            self._recording = None

    def _events(self) -> EventList:
        return self.function_events if self.function_events is not None else EventList()

    def events(self) -> EventList:
        return self._events()

    def key_averages(
        self,
        group_by_input_shape: bool = False,
        group_by_stack_n: int = 0,
        group_by_overload_name: bool = False,
    ) -> EventList:
        return self._events().key_averages(
            group_by_input_shape, group_by_stack_n, group_by_overload_name
        )

    def table(self, *args: Any, **kwargs: Any) -> str:
        return self._events().table(*args, **kwargs)

    table.__doc__ = EventList.table.__doc__

    def total_average(self) -> Any:
        return self._events().total_average()

    @property
    def self_cpu_time_total(self) -> float:
        return self._events().self_cpu_time_total

    def export_chrome_trace(self, path: str, metadata: Any = None) -> None:
        if self.function_events is None:
            # What PyTorch raises before the profiler has finished.
            raise AttributeError("'NoneType' object has no attribute 'save'")
        self.function_events.export_chrome_trace(path)

    def __repr__(self) -> str:
        if self.function_events is None:
            return "<unfinished torch.autograd.profile>"
        return repr(self.function_events)

    def __str__(self) -> str:
        if self.function_events is None:
            return "<unfinished torch.autograd.profile>"
        return str(self.function_events)


class emit_nvtx:  # noqa: N801 - PyTorch's name
    """NVTX ranges for NVIDIA's profilers: like PyTorch without CUDA, entering one raises
    AssertionError (``enabled=False`` enters quietly).

    >>> from arraygrad.autograd.profiler import emit_nvtx
    >>> with emit_nvtx(enabled=False):
    ...     pass
    """

    def __init__(self, enabled: bool = True, record_shapes: bool = False) -> None:
        self.enabled = enabled
        self.record_shapes = record_shapes

    def __enter__(self) -> emit_nvtx:
        if self.enabled:
            raise AssertionError("Torch not compiled with CUDA enabled")
        return self

    def __exit__(self, *exc_info: Any) -> None:
        return None


class emit_itt:  # noqa: N801 - PyTorch's name
    """Intel ITT ranges for VTune: nothing to emit here, so, as PyTorch's on a machine
    without VTune attached, a context that does nothing.

    >>> from arraygrad.autograd.profiler import emit_itt
    >>> with emit_itt():
    ...     pass
    """

    def __init__(self, enabled: bool = True, record_shapes: bool = False) -> None:
        self.enabled = enabled
        self.record_shapes = record_shapes

    def __enter__(self) -> emit_itt:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        return None
