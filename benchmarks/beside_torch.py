"""The command line and table shared by the scripts that time arraygrad case by case beside
PyTorch on one thread (``ops.py``, ``small_calls.py``, ``random_numbers.py``): both libraries
in one process, interleaved round-robin as in ``run.py``, timed with ``time.thread_time`` (the
CPU time of this thread only, so that other processes on a shared machine add little)."""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from run import _format_time, time_round_robin, write_json

import arraygrad

#: ``steps(case name, {label: library module})`` -> ``{label: step}``
StepsFor = Callable[[str, dict[str, Any]], dict[str, Callable[[], Any]]]


def backward_step(lib: Any, values: dict[str, Any], loss: Callable[[], Any]) -> Callable[[], None]:
    """A step that computes the scalar ``loss()`` and runs its ``backward()``, then drops the
    gradients of the tensors that require them and of the modules' parameters in ``values``
    (so that no step accumulates into the previous one's)."""
    leaves = [v for v in values.values() if isinstance(v, lib.Tensor) and v.requires_grad]
    leaves += [p for v in values.values() if isinstance(v, lib.nn.Module) for p in v.parameters()]

    def step() -> None:
        loss().backward()
        for leaf in leaves:
            leaf.grad = None

    return step


def main(
    description: str,
    cases: Iterable[str],
    steps_for: StepsFor,
    timed: str,
    *,
    repeats: int,
    warmup: int,
    slow: float | None = None,
    argv: list[str] | None = None,
) -> int:
    """Parse the command line, time each chosen case on arraygrad and PyTorch, print a table
    (``timed`` says what one step is) and write it as JSON if asked. ``slow``: mark the cases
    at least this many times slower than PyTorch."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "-c", "--cases", nargs="*", default=None, help="cases whose name starts with one of these"
    )
    parser.add_argument("--repeats", type=int, default=repeats, help="timed samples per library")
    parser.add_argument("--warmup", type=int, default=warmup)
    parser.add_argument("--no-torch", action="store_true", help="time arraygrad alone")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)

    libraries: dict[str, Any] = {"arraygrad": arraygrad}
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            print("torch is not installed: timing arraygrad alone")
        else:
            torch.set_num_threads(1)
            libraries["torch"] = torch
    names = [
        name
        for name in cases
        if args.cases is None or any(name.startswith(prefix) for prefix in args.cases)
    ]
    width = max([len(name) for name in names] + [4])
    print(f"thread time {timed}, {args.repeats} samples each (median, min)")
    header = f"  {'case':<{width}}" + "".join(
        f" {label + ' median':>17} {'min':>11}" for label in libraries
    )
    print(header + ("  arraygrad / torch" if len(libraries) > 1 else ""))
    rows = []
    for name in names:
        for lib in libraries.values():
            lib.manual_seed(0)
        times = time_round_robin(
            steps_for(name, libraries),
            args.repeats,
            args.warmup,
            settle=0.0,
            clock=time.thread_time,
        )
        row: dict[str, Any] = {"case": name}
        line = f"  {name:<{width}}"
        for label, samples in times.items():
            row[label] = {"median_s": statistics.median(samples), "min_s": min(samples)}
            line += f" {_format_time(row[label]['median_s']):>17} {_format_time(min(samples)):>11}"
        if "torch" in row:
            ratio = row["arraygrad"]["median_s"] / row["torch"]["median_s"]
            row["arraygrad_over_torch"] = ratio
            line += f"  {ratio:8.2f}x" + ("  <- slow" if slow is not None and ratio >= slow else "")
        print(line, flush=True)
        rows.append(row)
    if args.json is not None:
        write_json(args.json, rows)
    return 0
