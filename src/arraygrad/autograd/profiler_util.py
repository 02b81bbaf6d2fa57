"""What a profiler run hands back: events, their averages by name, and the reports on them.

The names, fields and report layout are PyTorch's (``torch.autograd.profiler_util``), so code
that reads ``prof.key_averages()`` or prints its table runs unchanged. Times are microseconds
(floats), memory is bytes. Only CPU fields carry values: arraygrad runs on the host, so every
device time and device memory field is 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["EventList", "FunctionEvent", "FunctionEventAvg", "Interval"]


class Interval:
    """A span of time in microseconds from the start of the profiler run."""

    __slots__ = ("end", "start")

    def __init__(self, start: float, end: float) -> None:
        self.start = start
        self.end = end

    def elapsed_us(self) -> float:
        return self.end - self.start


def _format_time(time_us: float) -> str:
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def _format_memory(nbytes: int) -> str:
    size = abs(nbytes)
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{nbytes / scale:.2f} {unit}"
    return f"{nbytes} B"


class _TimesAndMemory:
    """The derived fields that events and their averages share."""

    count: int
    cpu_time_total: float
    self_cpu_time_total: float
    cpu_memory_usage: int
    self_cpu_memory_usage: int

    # Devices: arraygrad computes on the host only.
    device_time_total = 0.0
    self_device_time_total = 0.0
    device_memory_usage = 0
    self_device_memory_usage = 0
    cuda_time = 0.0
    device_time = 0.0
    flops = 0
    is_async = False
    is_remote = False
    is_legacy = False
    node_id = -1
    use_device = None

    @property
    def cpu_time(self) -> float:
        """The average time of one call: total over count."""
        return 0.0 if self.count == 0 else self.cpu_time_total / self.count

    @property
    def cpu_time_str(self) -> str:
        return _format_time(self.cpu_time)

    @property
    def cpu_time_total_str(self) -> str:
        return _format_time(self.cpu_time_total)

    @property
    def self_cpu_time_total_str(self) -> str:
        return _format_time(self.self_cpu_time_total)


class FunctionEvent(_TimesAndMemory):
    """One recorded range: an op's forward, a backward node, or a ``record_function`` block.

    ``cpu_memory_usage`` counts the bytes allocated inside the range, its children's
    included; ``self_cpu_memory_usage`` leaves the children's out.
    """

    def __init__(
        self,
        id: int,
        name: str,
        thread: int,
        start_us: float,
        end_us: float,
        input_shapes: list[list[int]] | None = None,
        cpu_memory_usage: int = 0,
        is_user_annotation: bool = False,
        sequence_nr: int = -1,
        trace_name: str | None = None,
    ) -> None:
        self.id = id
        self.name = name
        self.key = name
        self.thread = thread
        self.fwd_thread = thread
        self.time_range = Interval(start_us, end_us)
        self.input_shapes = input_shapes if input_shapes is not None else []
        self.cpu_memory_usage = cpu_memory_usage
        self.is_user_annotation = is_user_annotation
        self.sequence_nr = sequence_nr
        self.count = 1
        self.cpu_parent: FunctionEvent | None = None
        self.cpu_children: list[FunctionEvent] = []
        self.stack: list[str] = []
        self.overload_name = ""
        self.scope = 0
        # The name in a Chrome trace: ProfilerStep#3 where the event is keyed ProfilerStep*.
        self.trace_name = trace_name if trace_name is not None else name

    def append_cpu_child(self, child: FunctionEvent) -> None:
        self.cpu_children.append(child)

    def set_cpu_parent(self, parent: FunctionEvent) -> None:
        self.cpu_parent = parent

    @property
    def cpu_time_total(self) -> float:  # type: ignore[override]
        return self.time_range.elapsed_us()

    @property
    def self_cpu_time_total(self) -> float:  # type: ignore[override]
        return self.cpu_time_total - sum(child.cpu_time_total for child in self.cpu_children)

    @property
    def self_cpu_memory_usage(self) -> int:  # type: ignore[override]
        return self.cpu_memory_usage - sum(child.cpu_memory_usage for child in self.cpu_children)

    def __repr__(self) -> str:
        return (
            f"<FunctionEvent id={self.id} name={self.name} cpu_time={self.cpu_time_str} "
            f"start_us={self.time_range.start} end_us={self.time_range.end} "
            f"cpu_children={[child.id for child in self.cpu_children]} thread={self.thread} "
            f"input_shapes={self.input_shapes} cpu_memory_usage={self.cpu_memory_usage}>"
        )


class FunctionEventAvg(_TimesAndMemory):
    """The events of one key summed: ``count`` calls, their total and self times and memory."""

    def __init__(self) -> None:
        self.key: str | None = None
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.input_shapes: list[list[int]] | None = None
        self.is_user_annotation = False
        self.cpu_parent: FunctionEvent | None = None
        self.cpu_children: list[FunctionEvent] | None = None
        self.stack: list[str] | None = None
        self.overload_name: str | None = None
        self.scope: int | None = None

    def add(self, other: FunctionEvent | FunctionEventAvg) -> FunctionEventAvg:
        if self.key is None:
            # The first event added gives the fields that describe the group.
            self.key = other.key
            self.is_user_annotation = other.is_user_annotation
            self.scope = other.scope
            self.stack = other.stack
            self.overload_name = other.overload_name
            if isinstance(other, FunctionEvent):
                self.cpu_parent = other.cpu_parent
                self.cpu_children = other.cpu_children
        self.count += other.count
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        self.cpu_memory_usage += other.cpu_memory_usage
        self.self_cpu_memory_usage += other.self_cpu_memory_usage
        return self

    def __iadd__(self, other: FunctionEvent | FunctionEventAvg) -> FunctionEventAvg:
        return self.add(other)

    def __repr__(self) -> str:
        return (
            f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total_str} "
            f"cpu_time={self.cpu_time_str} input_shapes={self.input_shapes or ''} "
            f"cpu_memory_usage={self.cpu_memory_usage}>"
        )


class EventList(list[Any]):
    """A list of :class:`FunctionEvent` (or of :class:`FunctionEventAvg`) with PyTorch's
    reports: :meth:`key_averages`, :meth:`table`, :meth:`total_average`,
    :meth:`export_chrome_trace`."""

    def __init__(
        self, events: Iterable[Any] = (), *, profile_memory: bool = False, **_: Any
    ) -> None:
        super().__init__(events)
        self._profile_memory = profile_memory

    @property
    def self_cpu_time_total(self) -> float:
        """The self times of all the events, summed: the time the run spent in them."""
        return sum(event.self_cpu_time_total for event in self)

    def key_averages(
        self,
        group_by_input_shapes: bool = False,
        group_by_stack_n: int = 0,
        group_by_overload_name: bool = False,
    ) -> EventList:
        """One :class:`FunctionEventAvg` per event name (and input shapes, when grouped by
        them), in the order each first ran."""
        groups: dict[tuple[Any, ...], FunctionEventAvg] = {}
        for event in self:
            group: tuple[Any, ...] = (event.key,)
            if group_by_input_shapes:
                group += (str(event.input_shapes),)
            if group_by_stack_n > 0:
                group += tuple(event.stack[:group_by_stack_n])
            if group_by_overload_name:
                group += (event.overload_name,)
            average = groups.get(group)
            if average is None:
                average = groups[group] = FunctionEventAvg()
                if group_by_input_shapes:
                    average.input_shapes = event.input_shapes
            average.add(event)
        return EventList(groups.values(), profile_memory=self._profile_memory)

    def total_average(self) -> FunctionEventAvg:
        """All the events summed into one average, keyed ``"Total"``."""
        total = FunctionEventAvg()
        for event in self:
            total.add(event)
            total.key = None
        total.key = "Total"
        return total

    def table(
        self,
        sort_by: str | None = None,
        row_limit: int = 100,
        max_src_column_width: int = 75,
        max_name_column_width: int = 55,
        max_shapes_column_width: int = 80,
        header: str | None = None,
        top_level_events_only: bool = False,
        time_unit: str | None = None,
    ) -> str:
        """PyTorch's text report: one row per event (or average), sorted descending by the
        attribute ``sort_by`` (``"cpu_time_total"``, ``"self_cpu_memory_usage"``, ...)."""
        return _table(
            self,
            sort_by,
            row_limit,
            max_name_column_width,
            max_shapes_column_width,
            header,
            top_level_events_only,
            self._profile_memory,
        )

    def __str__(self) -> str:
        return self.table()

    def export_chrome_trace(self, path: str) -> None:
        """Write the events as a Chrome trace (JSON with ``traceEvents``), for
        ``chrome://tracing`` or Perfetto."""
        import json
        import os

        process = os.getpid()
        trace: list[dict[str, Any]] = [
            {
                "ph": "M",
                "name": "process_name",
                "pid": process,
                "tid": 0,
                "args": {"name": "python"},
            }
        ]
        for thread in sorted({event.thread for event in self}):
            trace.append(
                {
                    "ph": "M",
                    "name": "thread_name",
                    "pid": process,
                    "tid": thread,
                    "args": {"name": f"thread {thread} (python)"},
                }
            )
        for event in self:
            arguments: dict[str, Any] = {"External id": event.id}
            if event.input_shapes:
                arguments["Input Dims"] = event.input_shapes
            trace.append(
                {
                    "ph": "X",
                    "cat": "user_annotation" if event.is_user_annotation else "cpu_op",
                    "name": event.trace_name,
                    "pid": process,
                    "tid": event.thread,
                    "ts": event.time_range.start,
                    "dur": event.time_range.elapsed_us(),
                    "args": arguments,
                }
            )
        document = {
            "schemaVersion": 1,
            "deviceProperties": [],
            "displayTimeUnit": "ms",
            "traceEvents": trace,
        }
        with open(path, "w") as file:
            json.dump(document, file)


def _fitted(text: str, width: int) -> str:
    # PyTorch cuts a value that would leave its column less than 3 characters of margin.
    return text[: width - 3] + "..." if len(text) >= width - 3 else text


def _table(
    events: EventList,
    sort_by: str | None,
    row_limit: int,
    max_name_width: int,
    max_shapes_width: int,
    header: str | None,
    top_level_only: bool,
    profile_memory: bool,
) -> str:
    if len(events) == 0:
        return ""
    rows = list(events)
    if sort_by is not None:
        rows.sort(key=lambda event: getattr(event, sort_by), reverse=True)
    if top_level_only:
        rows = [event for event in rows if event.cpu_parent is None]
        header = "This report only display top-level ops statistics"
    if row_limit >= 0:  # (a negative limit shows every row)
        rows = rows[:row_limit]
    # Percentages are of the time of every event (not only the rows shown), as the footer.
    self_total = events.self_cpu_time_total
    shown_shapes = any(event.input_shapes for event in events)

    name_width = min(max(len(event.key) for event in events) + 4, max_name_width)
    columns = ["Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    if profile_memory:
        columns += ["CPU Mem", "Self CPU Mem"]
    columns.append("# of Calls")
    widths = [name_width] + [12] * len(columns)
    shapes_width = 0
    if shown_shapes:
        longest = max(len(str(event.input_shapes)) for event in events)
        shapes_width = min(longest + 4, max_shapes_width)
        columns.append("Input Shapes")
        widths.append(shapes_width)

    def line(values: list[str]) -> str:
        return "".join(f"{value:>{width}}  " for value, width in zip(values, widths, strict=True))

    rule = "".join("-" * width + "  " for width in widths)
    out: list[str] = []
    if header is not None:
        out += ["=" * (len(rule) - 2), header]
    out += [rule, line(["Name", *columns]), rule]

    def percent(time_us: float) -> str:
        return f"{100 * time_us / self_total if self_total else 0.0:.2f}%"

    for event in rows:
        values = [
            _fitted(event.key, max_name_width),
            percent(event.self_cpu_time_total),
            _format_time(event.self_cpu_time_total),
            percent(event.cpu_time_total),
            _format_time(event.cpu_time_total),
            _format_time(event.cpu_time),
        ]
        if profile_memory:
            values += [
                _format_memory(event.cpu_memory_usage),
                _format_memory(event.self_cpu_memory_usage),
            ]
        values.append(str(event.count))
        if shown_shapes:
            shapes = str(event.input_shapes)
            values.append(shapes[:max_shapes_width])  # cut without an ellipsis, as PyTorch
        out.append(line(values))
    out += [rule, f"Self CPU time total: {_format_time(self_total)}", ""]
    return "\n".join(out)
