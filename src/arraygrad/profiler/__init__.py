"""PyTorch's ``torch.profiler``: profile a run, or chosen steps of a training loop.

>>> import arraygrad
>>> from arraygrad.profiler import ProfilerActivity, profile, record_function
>>> x = arraygrad.ones(2, 3)
>>> with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
...     with record_function("model_inference"):
...         y = (x * 2).sum()
>>> [(event.key, event.count) for event in prof.key_averages()]
[('model_inference', 1), ('mul', 1), ('sum', 1)]

What is recorded, and under which names, is said in :mod:`arraygrad.autograd.profiler`. The
CPU is the only activity: asking for CUDA warns and profiles the CPU, as PyTorch does on a
machine without a GPU.
"""

from __future__ import annotations

import enum as _enum
import warnings as _warnings
from typing import TYPE_CHECKING, Any

from arraygrad.autograd.profiler import _Recording, _Span, _start, _stop, record_function
from arraygrad.autograd.profiler_util import EventList as _EventList
from arraygrad.optim.optimizer import register_optimizer_step_post_hook

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from arraygrad.autograd.profiler_util import EventList

__all__ = [
    "ProfilerAction",
    "ProfilerActivity",
    "kineto_available",
    "profile",
    "record_function",
    "register_optimizer_step_post_hook",
    "schedule",
    "supported_activities",
    "tensorboard_trace_handler",
]


class ProfilerActivity(_enum.Enum):
    """What a profiler can record (PyTorch's values); arraygrad records the CPU."""

    CPU = 0
    XPU = 1
    MTIA = 4
    CUDA = 2
    HPU = 3
    PrivateUse1 = 5


class ProfilerAction(_enum.Enum):
    """What the profiler does at a step, as a :func:`schedule` says."""

    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3
    DEVICE_STOPPED = 4


def supported_activities() -> set[ProfilerActivity]:
    """The activities this build can record: the CPU only."""
    return {ProfilerActivity.CPU}


def kineto_available() -> bool:
    """Whether PyTorch's Kineto tracing library is built in: never here. arraygrad records
    with its own Python profiler, which serves this whole module all the same."""
    return False


def schedule(
    *,
    wait: int,
    warmup: int,
    active: int,
    repeat: int = 0,
    skip_first: int = 0,
    skip_first_wait: int = 0,
) -> Callable[[int], ProfilerAction]:
    """The action for each step: ``skip_first`` steps of nothing, then cycles of ``wait``
    idle steps, ``warmup`` steps that record nothing and ``active`` recorded steps (the last
    one saved: ``on_trace_ready`` runs), ``repeat`` times (0: without end).
    ``skip_first_wait=1`` leaves the first cycle's wait out."""
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), "
            f"warmup={warmup} (need >= 0), active={active} (need > 0), repeat={repeat} "
            f"(need >= 0), skip_first={skip_first} (need >= 0)."
        )
    if warmup == 0:
        _warnings.warn(
            "Profiler won't be using warmup, this can skew profiler results", stacklevel=2
        )
    cycle = wait + warmup + active

    def action(step: int) -> ProfilerAction:
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait:
            step += wait  # the first cycle starts at its warmup
        if repeat > 0 and step // cycle >= repeat:
            return ProfilerAction.NONE
        place = step % cycle
        if place < wait:
            return ProfilerAction.NONE
        if place < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if place < cycle - 1 else ProfilerAction.RECORD_AND_SAVE

    return action


def _record_always(step: int) -> ProfilerAction:
    return ProfilerAction.RECORD


def tensorboard_trace_handler(
    dir_name: str,
    worker_name: str | None = None,
    use_gzip: bool = False,
    use_python_export: bool = False,
) -> Callable[[profile], None]:
    """An ``on_trace_ready`` that writes each trace into ``dir_name`` as
    ``<worker_name>.<time in ns>.pt.trace.json`` (``.gz`` with ``use_gzip``); the worker's
    name defaults to ``<host name>_<process id>``."""

    def write(prof: profile) -> None:
        import os
        import socket
        import time

        os.makedirs(dir_name, exist_ok=True)
        worker = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        name = f"{worker}.{time.time_ns()}.pt.trace.json" + (".gz" if use_gzip else "")
        prof.export_chrome_trace(os.path.join(dir_name, name))

    return write


_RECORDING = (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)
_warned_of_clearing = False


class profile:  # noqa: N801 - PyTorch's name
    """Record the CPU time and memory of every op, backward node and ``record_function``
    block; with a ``schedule``, only the steps it marks, ``step()`` advancing it, and
    ``on_trace_ready(prof)`` called at the end of each recorded cycle (without one, at exit).
    """

    def __init__(
        self,
        *,
        activities: Iterable[Any] | None = None,
        schedule: Callable[[int], ProfilerAction] | None = None,
        on_trace_ready: Callable[..., Any] | None = None,
        record_shapes: bool = False,
        profile_memory: bool = False,
        with_stack: bool = False,
        with_flops: bool = False,
        with_modules: bool = False,
        experimental_config: Any = None,
        execution_trace_observer: Any = None,
        acc_events: bool = False,
        use_cuda: bool | None = None,
        custom_trace_id_callback: Callable[[], str] | None = None,
        post_processing_timeout_s: float | None = None,
    ) -> None:
        self.activities = set(activities) if activities else supported_activities()
        if use_cuda:
            self.activities.add(ProfilerActivity.CUDA)
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.with_modules = with_modules
        self.acc_events = acc_events
        self.on_trace_ready = on_trace_ready
        # Steps are marked as ProfilerStep#<n> ranges where a schedule drives the profiler.
        self.record_steps = schedule is not None
        self.schedule = schedule if schedule is not None else _record_always
        self.step_num = 0
        self.current_action = self.schedule(0)
        self._recording: _Recording | None = None
        self._step_span: _Span | None = None
        self._saved: EventList | None = None
        self._started = False
        self._metadata: dict[str, str] = {}

    # -- driving it

    def __enter__(self) -> profile:
        self.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def start(self) -> None:
        if ProfilerActivity.CUDA in self.activities:
            _warnings.warn("CUDA is not available, disabling CUDA profiling", stacklevel=2)
        if ProfilerActivity.CPU not in self.activities:
            raise AssertionError("No activities specified for the profiler")
        self._started = True
        self._transit(ProfilerAction.NONE, self.current_action)
        self._mark_step()

    def stop(self) -> None:
        self._end_step()
        self._transit(self.current_action, None)

    def step(self) -> None:
        """Mark the end of a training step: the schedule's next action takes over."""
        self._end_step()
        previous = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        self._transit(previous, self.current_action)
        self._mark_step()

    def _mark_step(self) -> None:
        if self.record_steps and self._recording is not None:
            span = self._step_span = self._recording.open("ProfilerStep*")
            span.trace_name = f"ProfilerStep#{self.step_num}"
            span.annotation = True

    def _end_step(self) -> None:
        if self._step_span is not None and self._recording is not None:
            self._recording.close(self._step_span)
        self._step_span = None

    def _transit(self, previous: ProfilerAction, current: ProfilerAction | None) -> None:
        """Do what moving from one action to the next asks: start recording, save what was
        recorded (and call on_trace_ready), or throw a warmup's nothing away."""
        recording = previous in _RECORDING
        if recording and (previous is ProfilerAction.RECORD_AND_SAVE or current not in _RECORDING):
            self._save()
        if current is None:
            if previous is ProfilerAction.WARMUP:
                self._saved = _EventList(profile_memory=self.profile_memory)
            return
        if current is not ProfilerAction.NONE and self._saved is not None:
            # A new cycle begins after one was saved: its events will replace the saved ones.
            global _warned_of_clearing
            if not self.acc_events and not _warned_of_clearing:
                _warned_of_clearing = True  # once per process, as PyTorch
                _warnings.warn(
                    "Warning: Profiler clears events at the end of each cycle. Only events "
                    "from the current cycle will be reported. To keep events across cycles, "
                    "set acc_events=True.",
                    stacklevel=3,
                )
        if current in _RECORDING and self._recording is None:
            self._recording = _start(self.record_shapes, self.profile_memory)

    def _save(self) -> None:
        assert self._recording is not None
        events = _stop(self._recording)
        self._recording = None
        if self.acc_events and self._saved is not None:
            events = _EventList([*self._saved, *events], profile_memory=self.profile_memory)
        self._saved = events
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    # -- reading it

    def events(self) -> EventList:
        """The events of the last saved cycle (empty while none is)."""
        if not self._started:
            raise AssertionError("Profiler must be initialized before accessing events")
        return self._saved if self._saved is not None else _EventList()

    def key_averages(
        self,
        group_by_input_shape: bool = False,
        group_by_stack_n: int = 0,
        group_by_overload_name: bool = False,
    ) -> EventList:
        """One average per event name (and input shapes, if asked): see ``EventList``."""
        if not self._started:
            raise AssertionError("Profiler must be initialized before getting key averages")
        return self.events().key_averages(
            group_by_input_shape, group_by_stack_n, group_by_overload_name
        )

    def export_chrome_trace(self, path: str, use_python_export: bool = False) -> None:
        """Write the saved events as a Chrome trace (gzipped where ``path`` ends in .gz)."""
        events = self.events()
        if not path.endswith(".gz"):
            events.export_chrome_trace(path)
            return
        import gzip
        import os
        import shutil
        import tempfile

        handle, plain = tempfile.mkstemp(suffix=".json")
        os.close(handle)
        try:
            events.export_chrome_trace(plain)
            with open(plain, "rb") as source, gzip.open(path, "wb") as target:
                shutil.copyfileobj(source, target)
        finally:
            os.remove(plain)

    def add_metadata(self, key: str, value: str) -> None:
        self._metadata[key] = value

    def add_metadata_json(self, key: str, value: str) -> None:
        self._metadata[key] = value
