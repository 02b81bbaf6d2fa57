"""``arraygrad.utils.benchmark``: ``torch.utils.benchmark``'s ``Timer``, ``Measurement`` and
``Compare``, on the standard library only.

``Timer(stmt, setup, ...)`` times a Python statement with :mod:`timeit` (C++ statements and
Callgrind counts are not available). A :class:`Measurement` holds the times of each block of
runs and gives torch's statistics (median, IQR, mean, significant figures) and its text; a
:class:`Compare` lays several measurements out in torch's table, grouped by ``label``, one row
per ``sub_label`` and one column per ``description``. ``num_threads`` is recorded and shown:
arraygrad does not set NumPy's thread count.

>>> from arraygrad.utils import benchmark
>>> spec = benchmark.TaskSpec("f(x)", "pass", label="f", sub_label="[8]", description="float")
>>> m = benchmark.Measurement(10, [1.0e-3, 1.2e-3, 1.1e-3, 1.3e-3], spec)
>>> m.median, m.number_per_run
(0.000115, 10)
>>> print(benchmark.Compare([m]))
[------- f -------]
           |  float
1 threads: --------
      [8]  |  115.0
<BLANKLINE>
Times are in microseconds (us).
<BLANKLINE>
"""

from __future__ import annotations

import dataclasses as _dataclasses
import enum as _enum
import math
import struct as _struct
import textwrap as _textwrap
import timeit as _timeit
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

__all__ = [
    "Compare",
    "Language",
    "Measurement",
    "TaskSpec",
    "Timer",
    "select_unit",
    "trim_sigfig",
    "unit_to_english",
]

# A spread of the IQR over the median above these earns a warning (torch's thresholds).
_SPREAD_WARNING = 0.1
_SPREAD_STRONG_WARNING = 0.25
# Significant figures: at most 4, from a 90% interval (z = 1.645) of the middle half's mean,
# and no interval narrower than the timer can resolve (25 ns).
_MOST_FIGURES = 4
_Z_90 = 1.645
_FINEST_INTERVAL = 25e-9

_UNITS = {-3: ("ns", 1e-9), -2: ("us", 1e-6), -1: ("ms", 1e-3)}
_ENGLISH = {"ns": "nanosecond", "us": "microsecond", "ms": "millisecond", "s": "second"}


def select_unit(t: float) -> tuple[str, float]:
    """The unit to show the time ``t`` (seconds) in, and its size in seconds."""
    if t > 0:
        return _UNITS.get(math.floor(math.log10(t) / 3), ("s", 1))
    return "s", 1


def unit_to_english(u: str) -> str:
    """``"us"`` -> ``"microsecond"``."""
    return _ENGLISH[u]


def trim_sigfig(x: float, n: int) -> float:
    """``x`` rounded to ``n`` significant figures."""
    if x == 0:
        return 0.0
    # torch rounds a float32 copy, which moves halves such as 7.1499999 (7.15 in float32) up;
    # the table shows the rounded digits, so the same rounding is done here.
    single = _float32(x)
    return _float32(round(single, n - 1 - math.floor(math.log10(abs(single)))))


def _float32(x: float) -> float:
    return _struct.unpack("f", _struct.pack("f", x))[0]


def _quantile(ordered: list[float], q: float) -> float:
    """Linear interpolation between the closest ranks, as ``numpy.quantile``'s default."""
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


class Language(_enum.Enum):
    """The language of a ``Timer``'s statement (only Python runs here)."""

    PYTHON = 0
    CPP = 1


@_dataclasses.dataclass(frozen=True)
class TaskSpec:
    """What was timed and how it is labelled (a ``Timer``'s arguments but its globals)."""

    stmt: str
    setup: str
    global_setup: str = ""
    label: str | None = None
    sub_label: str | None = None
    description: str | None = None
    env: str | None = None
    num_threads: int = 1

    @property
    def title(self) -> str:
        """The label (else the statement), with the sub-label."""
        if self.label is not None:
            return self.label + (f": {self.sub_label}" if self.sub_label else "")
        if "\n" not in self.stmt:
            return self.stmt + (f": {self.sub_label}" if self.sub_label else "")
        sub = f" ({self.sub_label})" if self.sub_label else ""
        return f"stmt:{sub}\n{_textwrap.indent(self.stmt, '  ')}"

    def setup_str(self) -> str:
        """The setup as shown under the title ("" for ``pass``)."""
        if not self.setup or self.setup == "pass":
            return ""
        if "\n" not in self.setup:
            return f"setup: {self.setup}"
        return f"setup:\n{_textwrap.indent(self.setup, '  ')}"

    def summarize(self) -> str:
        """Title, description and setup, one to a line; a block of several lines is followed
        by an empty line."""
        parts = [self.title, self.description or "", self.setup_str()]
        return "\n".join(part + ("\n" if "\n" in part else "") for part in parts if part)


@_dataclasses.dataclass
class Measurement:
    """The times of ``len(raw_times)`` blocks of ``number_per_run`` runs each, and their
    statistics per run (seconds)."""

    number_per_run: int
    raw_times: list[float]
    task_spec: TaskSpec
    metadata: dict[Any, Any] | None = None

    @property
    def times(self) -> list[float]:
        """Seconds per run, one per block."""
        return [t / self.number_per_run for t in self.raw_times]

    def _ordered(self) -> list[float]:
        return sorted(self.times)

    @property
    def median(self) -> float:
        return _quantile(self._ordered(), 0.5)

    @property
    def mean(self) -> float:
        times = self.times
        return sum(times) / len(times)

    @property
    def iqr(self) -> float:
        ordered = self._ordered()
        return _quantile(ordered, 0.75) - _quantile(ordered, 0.25)

    @property
    def significant_figures(self) -> int:
        """How many figures of the time the spread supports (1 to 4), from the mean and the
        spread of the middle half of the times (the tails are skewed by interruptions)."""
        ordered = self._ordered()
        n = len(ordered)
        middle = ordered[int(n * 0.25) : math.ceil(n * 0.75)]
        mean = sum(middle) / len(middle)
        spread = math.sqrt(sum((t - mean) ** 2 for t in middle) / len(middle))
        interval = max(_Z_90 * spread / math.sqrt(len(middle)), _FINEST_INTERVAL)
        return min(max(math.floor(math.log10(mean / interval)), 1), _MOST_FIGURES)

    @property
    def has_warnings(self) -> bool:
        """Whether the IQR exceeds 10% of the median."""
        return self.iqr / self.median > _SPREAD_WARNING

    def meets_confidence(self, threshold: float = _SPREAD_WARNING) -> bool:
        """Whether the IQR is below ``threshold`` times the median."""
        return self.iqr / self.median < threshold

    @property
    def title(self) -> str:
        return self.task_spec.title

    @property
    def env(self) -> str | None:
        return self.task_spec.env

    @property
    def as_row_name(self) -> str:
        return self.task_spec.sub_label or self.task_spec.stmt or "[Unknown]"

    def __getattr__(self, name: str) -> Any:
        # The task's fields read through, as torch's Measurement allows (m.label, m.stmt).
        if name in {f.name for f in _dataclasses.fields(TaskSpec)}:
            return getattr(self.task_spec, name)
        raise AttributeError(f"'Measurement' object has no attribute '{name}'")

    def __repr__(self) -> str:
        unit, scale = select_unit(self.median)
        n = len(self.raw_times)
        threads = f"{self.task_spec.num_threads} thread" + (
            "s" if self.task_spec.num_threads != 1 else ""
        )
        lines = [object.__repr__(self), self.task_spec.summarize()]
        if n == 1:
            lines.append(f"  {self.median / scale:.2f} {unit}")
            lines.append(f"  1 measurement, {self.number_per_run} runs , {threads}")
        else:
            lines.append(f"  Median: {self.median / scale:.2f} {unit}")
            if n >= 4:
                ordered = self._ordered()
                low, high = _quantile(ordered, 0.25), _quantile(ordered, 0.75)
                lines.append(
                    f"  IQR:    {self.iqr / scale:.2f} {unit} "
                    f"({low / scale:.2f} to {high / scale:.2f})"
                )
            lines.append(
                f"  {n} measurements, {self.number_per_run} runs per measurement, {threads}"
            )
        spread = self.iqr / self.median
        if spread > _SPREAD_WARNING:
            lines.append(
                f"  WARNING: Interquartile range is {spread * 100:.1f}% of the median measurement."
            )
            lines.append(
                "           This suggests significant environmental influence."
                if spread > _SPREAD_STRONG_WARNING
                else "           This could indicate system fluctuation."
            )
        return "\n".join(lines)

    @staticmethod
    def merge(measurements: Iterable[Measurement]) -> list[Measurement]:
        """One measurement per distinct task, with the times per run of all of its blocks
        (``number_per_run`` 1), in the order the tasks first appear."""
        by_task: dict[TaskSpec, list[float]] = {}
        for m in measurements:
            by_task.setdefault(m.task_spec, []).extend(m.times)
        return [Measurement(1, times, task) for task, times in by_task.items()]


class Timer:
    """Times the Python statement ``stmt`` after running ``setup``, with :mod:`timeit` (in
    ``globals``, a copy, when given).

    >>> from arraygrad.utils.benchmark import Timer
    >>> m = Timer("sum(x)", setup="x = list(range(10))").timeit(100)
    >>> m.number_per_run, len(m.times)
    (100, 1)
    """

    def __init__(
        self,
        stmt: str = "pass",
        setup: str = "pass",
        global_setup: str = "",
        timer: Callable[[], float] = _timeit.default_timer,
        globals: dict[str, Any] | None = None,
        label: str | None = None,
        sub_label: str | None = None,
        description: str | None = None,
        env: str | None = None,
        num_threads: int = 1,
        language: Language | str = Language.PYTHON,
    ) -> None:
        if not isinstance(stmt, str):
            raise ValueError(
                "Currently only a `str` stmt is supported."
                f" (got {type(stmt).__name__}). Fix: pass the statement as source text, e.g. "
                "Timer(stmt='f(x)', globals={'f': f, 'x': x})."
            )
        if language in (Language.CPP, "cpp", "c++"):
            raise ValueError(
                "arraygrad.utils.benchmark times Python statements only: it has no C++ "
                "compiler for language='cpp'. Time the Python call instead."
            )
        if language not in (Language.PYTHON, "py", "python"):
            raise ValueError(
                f"Invalid language `{language}`. Fix: pass language='python' (or Language.PYTHON)."
            )
        if global_setup:
            raise ValueError(
                f"global_setup is C++ only, got `{global_setup}`. Most likely this code can "
                "simply be moved to `setup`. Fix: pass that code as setup=... and leave "
                "global_setup empty."
            )
        self._task_spec = TaskSpec(
            stmt=stmt,
            setup=setup,
            global_setup=global_setup,
            label=label,
            sub_label=sub_label,
            description=description,
            env=env,
            num_threads=num_threads,
        )
        self._timer = _timeit.Timer(
            stmt=stmt, setup=setup, timer=timer, globals=dict(globals or {})
        )

    def _measure(self, number: int) -> float:
        return self._timer.timeit(number)

    def timeit(self, number: int = 1000000) -> Measurement:
        """One block of ``number`` runs (after one untimed run, which pays first-call costs)."""
        self._measure(1)
        return Measurement(number, [self._measure(number)], self._task_spec)

    def repeat(self, repeat: int = -1, number: int = -1) -> None:
        raise NotImplementedError(
            "See `Timer.blocked_autorange.` Fix: call timer.blocked_autorange() (or "
            "timer.timeit(number))."
        )

    def autorange(self, callback: Callable[[int, float], Any] | None = None) -> None:
        raise NotImplementedError(
            "See `Timer.blocked_autorange.` Fix: call timer.blocked_autorange(callback=...) "
            "instead."
        )

    def _block_size(self, target: float) -> int:
        """The smallest power of 10 of runs whose block takes at least ``target`` seconds."""
        number = 1
        while number < 10**9 and self._measure(number) < target:
            number *= 10
        return number

    def blocked_autorange(
        self,
        callback: Callable[[int, float], Any] | None = None,
        min_run_time: float = 0.2,
    ) -> Measurement:
        """Blocks of a number of runs long enough for the timer's resolution not to matter,
        until ``min_run_time`` seconds have been timed; ``callback(number, seconds)`` after
        each block."""
        number = self._block_size(min(min_run_time / 20, 0.01))
        times: list[float] = []
        while not times or sum(times) < min_run_time:
            times.append(self._measure(number))
            if callback is not None:
                callback(number, times[-1])
        return Measurement(number, times, self._task_spec)

    def adaptive_autorange(
        self,
        threshold: float = 0.1,
        *,
        min_run_time: float = 0.01,
        max_run_time: float = 10.0,
        callback: Callable[[int, float], Any] | None = None,
    ) -> Measurement:
        """Blocks until the IQR is below ``threshold`` times the median (with at least
        ``min_run_time`` seconds and 4 blocks timed), or ``max_run_time`` seconds have been
        timed."""
        number = self._block_size(min(min_run_time / 10, 0.01))
        times: list[float] = []
        while True:
            times.append(self._measure(number))
            if callback is not None:
                callback(number, times[-1])
            total = sum(times)
            if total >= max_run_time:
                break
            settled = len(times) >= 4 and total >= min_run_time
            if settled and Measurement(number, times, self._task_spec).meets_confidence(threshold):
                break
        return Measurement(number, times, self._task_spec)


# ANSI styles of Compare.colorize: best, within 10% of the best, 2x and 5x slower.
_BEST = "\x1b[92m\x1b[1m"
_NEAR = "\x1b[34m\x1b[1m"
_SLOW = "\x1b[2m\x1b[91m"
_SLOWEST = "\x1b[31m\x1b[1m"
_RESET = "\x1b[0m\x1b[0m"
_VARIANCE_NOTE = "(! XX%) Measurement has high variance, where XX is the IQR / median * 100."


def _style(ratio: float) -> str:
    if ratio <= 1.01:
        return _BEST
    if ratio <= 1.1:
        return _NEAR
    if ratio >= 5:
        return _SLOWEST
    if ratio >= 2:
        return _SLOW
    return ""


class Compare:
    """torch's table of measurements: one table per ``label``, a section per thread count,
    rows by ``sub_label`` (and ``env``), columns by ``description``; measurements of the same
    task are merged."""

    def __init__(self, results: list[Measurement]) -> None:
        self._results: list[Measurement] = []
        self.extend_results(results)
        self._trim = False
        self._colorize: str | None = None
        self._highlight = False

    def extend_results(self, results: Iterable[Measurement]) -> None:
        for result in results:
            if not isinstance(result, Measurement):
                raise ValueError(
                    f"Expected an instance of `Measurement`, got {type(result)} instead."
                    " Fix: pass the results of Timer.timeit / Timer.blocked_autorange."
                )
        self._results.extend(results)

    def trim_significant_figures(self) -> None:
        """Show each time rounded to its measurement's significant figures."""
        self._trim = True

    def colorize(self, rowwise: bool = False) -> None:
        """Colour each time by its ratio to the best of its column (row, with ``rowwise``)."""
        self._colorize = "rows" if rowwise else "columns"

    def highlight_warnings(self) -> None:
        """Mark the times whose IQR exceeds 10% of the median with that percentage."""
        self._highlight = True

    def __str__(self) -> str:
        groups: dict[str | None, list[Measurement]] = {}
        for m in Measurement.merge(self._results):
            groups.setdefault(m.task_spec.label, []).append(m)
        return "\n".join(self._table(label, ms) for label, ms in groups.items())

    def print(self) -> None:
        print(str(self))

    def _table(self, label: str | None, measurements: list[Measurement]) -> str:
        unit, scale = select_unit(min(m.median for m in measurements))
        columns = list(dict.fromkeys(m.task_spec.description for m in measurements))
        threads = sorted({m.task_spec.num_threads for m in measurements})
        cells = {
            (m.task_spec.num_threads, (m.env or "", m.as_row_name), m.task_spec.description): m
            for m in measurements
        }
        value = {id(m): m.median / scale for m in measurements}
        warned = self._highlight and any(m.has_warnings for m in measurements)

        def shown(m: Measurement) -> float:
            v = value[id(m)]
            return trim_sigfig(v, m.significant_figures) if self._trim else v

        text: dict[int, str] = {}
        for column in columns:
            members = [m for m in measurements if m.task_spec.description == column]
            leading = max(math.ceil(math.log10(value[id(m)])) for m in members)
            decimals = 1
            if self._trim:
                # As many decimals as the column's least precise time supports.
                decimals = max(
                    min(
                        m.significant_figures - math.ceil(math.log10(value[id(m)])) for m in members
                    ),
                    0,
                )
            width = max(leading, 1) + (decimals + 1 if decimals else 0)
            # A column with a marked time pads its other times to keep the numbers aligned.
            marked = warned and any(m.has_warnings for m in members)
            for m in members:
                s = f"{shown(m):>{width}.{decimals}f}"
                if marked:
                    pct = m.iqr / m.median * 100
                    s += f" (! {pct:.0f}%)" if m.has_warnings else " " * 7
                text[id(m)] = s

        envs = {m.env or "" for m in measurements}
        env_width = max(len(f"({env})") for env in envs) if len(envs) > 1 else 2

        def row_name(index: int, row: tuple[str, str], previous: tuple[str, str] | None) -> str:
            env = (
                f"({row[0]})"
                if len(envs) > 1 and (previous is None or previous[0] != row[0])
                else ""
            )
            return f"  {env:<{env_width}}  {row[1]}"

        sections: list[tuple[int, list[tuple[str, list[Measurement | None]]]]] = []
        for n_threads in threads:
            # A section's rows: by env, then in the order its measurements first name them.
            rows = list(
                dict.fromkeys(
                    (m.env or "", m.as_row_name)
                    for m in measurements
                    if m.task_spec.num_threads == n_threads
                )
            )
            rows.sort(key=lambda row: row[0])
            section_rows = []
            previous = None
            for index, row in enumerate(rows):
                found = [cells.get((n_threads, row, column)) for column in columns]
                if any(found):
                    section_rows.append((row_name(index, row, previous), found))
                    previous = row
            sections.append((n_threads, section_rows))

        name_width = max(len(name) for _, section in sections for name, _ in section)
        widths = [
            max(
                [len(str(column or ""))]
                + [len(text[id(m)]) for m in measurements if m.task_spec.description == column]
            )
            for column in columns
        ]
        header = (
            " " * name_width
            + "  |  "
            + "  |  ".join(
                str(column or "").center(w) for column, w in zip(columns, widths, strict=True)
            )
        )
        total = len(header)
        lines = ["[" + f" {label} ".center(total - 2, "-") + "]", header]
        for n_threads, section in sections:
            lines.append(f"{n_threads} threads: ".ljust(total, "-"))
            for name, found in section:
                best = min(value[id(m)] for m in found if m is not None)
                parts = []
                for position, entry in enumerate(found):
                    if entry is None:
                        parts.append(" " * widths[position])
                        continue
                    cell = text[id(entry)].center(widths[position])
                    style = self._style_of(entry, measurements, value, best)
                    parts.append(f"{style}{cell}{_RESET}" if style else cell)
                lines.append(name.ljust(name_width) + "  |  " + "  |  ".join(parts))
        lines += ["", f"Times are in {unit_to_english(unit)}s ({unit})."]
        if warned:
            lines.append(_VARIANCE_NOTE)
        return "\n".join(lines) + "\n"

    def _style_of(
        self,
        m: Measurement,
        measurements: list[Measurement],
        value: dict[int, float],
        row_best: float,
    ) -> str:
        if self._colorize is None:
            return ""
        if self._colorize == "rows":
            return _style(value[id(m)] / row_best)
        # The best of the column among the measurements with the same thread count.
        spec = m.task_spec
        best = min(
            value[id(o)]
            for o in measurements
            if (o.task_spec.description, o.task_spec.num_threads)
            == (spec.description, spec.num_threads)
        )
        return _style(value[id(m)] / best)
