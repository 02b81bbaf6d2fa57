"""Run arraygrad and its peers side by side and print medians, minima and ratios.

    python benchmarks/run.py                 # every workload, full sizes
    python benchmarks/run.py --quick         # smaller W4, fewer repeats
    python benchmarks/run.py -w W1 W3 --json results.json

Implementations of a workload run in one process, interleaved round-robin (one sample of each
in turn, the order rotating per round; a sample repeats a step for about 20 ms), so that a slow
moment of the machine hits them all alike. Ratios are arraygrad's median over each peer's
median: below 1 means arraygrad is faster. See README.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
import workloads

import arraygrad

PER_OP = {"W2": workloads.CHAIN_OPS}

# OpenBLAS's worker threads (NumPy's matmul) spin on a core for about 0.1 s after their last
# task before they sleep; PyTorch's OpenMP threads for about 10 ms. On a 2-core machine the
# sample that follows would run with one core taken: PyTorch's W5 step takes twice its time
# right after a NumPy one. Running the step untimed for longer than that before each sample lets
# every sample start alike. (Sleeping instead left this VM's NumPy samples varying twofold.)
SETTLE_SECONDS = 0.12


def time_round_robin(
    steps: dict[str, Any],
    repeats: int,
    warmup: int,
    min_sample: float = 0.02,
    settle: float = SETTLE_SECONDS,
    clock: Any = time.perf_counter,
) -> dict[str, list[float]]:
    """Seconds per repetition of every step, interleaved round-robin.

    Each sample runs a step enough times in a row to last about ``min_sample`` seconds (the
    count is fixed per step from its warm-up runs) and reports the time per run: a
    sub-millisecond step timed alone measures the caches that the previous framework or the
    garbage collection between rounds left cold, not the step. The order of the
    implementations rotates from round to round, so that none always runs first after a
    collection. Before each sample the step runs untimed for ``settle`` seconds, so that the
    worker threads of the previous sample's BLAS or OpenMP pool, which keep spinning for a while
    after their last task, are idle again (see SETTLE_SECONDS). ``clock`` reads the time
    (``time.thread_time`` counts only this thread's CPU time, for single-threaded steps on a
    shared machine).
    """
    number: dict[str, int] = {}
    for name, step in steps.items():
        fastest = float("inf")
        for _ in range(max(warmup, 1)):
            start = time.perf_counter()
            step()
            fastest = min(fastest, time.perf_counter() - start)
        number[name] = max(1, math.ceil(min_sample / max(fastest, 1e-9)))
    times: dict[str, list[float]] = {name: [] for name in steps}
    names = list(steps)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # a collection landing in one framework's repetition would skew it
    try:
        for round_index in range(repeats):
            shift = round_index % len(names)
            for name in names[shift:] + names[:shift]:
                step, count = steps[name], number[name]
                settled = time.perf_counter() + settle
                while time.perf_counter() < settled:
                    step()
                start = clock()
                for _ in range(count):
                    step()
                times[name].append((clock() - start) / count)
            gc.collect()
    finally:
        if gc_was_enabled:
            gc.enable()
    return times


def summarize(workload: str, times: dict[str, list[float]]) -> list[dict[str, Any]]:
    scale = 1 / PER_OP.get(workload, 1)
    ours = statistics.median(times["arraygrad"]) * scale
    rows = []
    for name, samples in times.items():
        median = statistics.median(samples) * scale
        rows.append(
            {
                "workload": workload,
                "impl": name,
                "median_s": median,
                "min_s": min(samples) * scale,
                "repeats": len(samples),
                "arraygrad_over_this": ours / median,
            }
        )
    return rows


def _format_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.2f} us"
    return f"{seconds * 1e3:8.2f} ms"


def print_table(title: str, rows: list[dict[str, Any]]) -> None:
    print(f"\n{rows[0]['workload']}: {title}")
    print(f"  {'implementation':<24} {'median':>11} {'min':>11}  arraygrad / this")
    for row in rows:
        print(
            f"  {row['impl']:<24} {_format_time(row['median_s'])} {_format_time(row['min_s'])}"
            f"  {row['arraygrad_over_this']:8.3f}x"
        )


def mlp_memory(steps: int) -> dict[str, Any]:
    """Peak traced memory of one W3 step (arraygrad vs NumPy by hand) and growth over ``steps``.

    NumPy reports its array allocations to tracemalloc, so the peak counts the arrays a step
    holds at once: the engine's intermediates and gradients against the hand-written ones.
    """
    result: dict[str, Any] = {}
    for name, make in (
        ("arraygrad", lambda: workloads._lib_mlp(arraygrad)),
        ("numpy by hand", workloads.numpy_mlp_step),
    ):
        step = make()
        step()
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        step()
        peak = tracemalloc.get_traced_memory()[1] - base
        for _ in range(10):
            step()
        after_warm = tracemalloc.get_traced_memory()[0]
        for _ in range(steps):
            step()
        gc.collect()
        after_many = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        result[name] = {
            "peak_step_bytes": peak,
            "growth_bytes": after_many - after_warm,
            "steps": steps,
        }
    result["peak_ratio"] = (
        result["arraygrad"]["peak_step_bytes"] / result["numpy by hand"]["peak_step_bytes"]
    )
    return result


def import_times(runs: int = 5) -> dict[str, float]:
    """Median wall time of ``python -c "import numpy"`` and ``... "import arraygrad"``.

    Measured as an installed package runs: with bytecode caching on (an environment that sets
    PYTHONDONTWRITEBYTECODE would otherwise recompile every module on every import), after one
    untimed import that writes the caches.
    """
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    medians = {}
    for module in ("numpy", "arraygrad"):
        subprocess.run([sys.executable, "-c", f"import {module}"], check=True, env=env)
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", f"import {module}"], check=True, env=env)
            samples.append(time.perf_counter() - start)
        medians[module] = statistics.median(samples)
    return medians


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-w", "--workloads", nargs="*", default=list(workloads.WORKLOADS))
    parser.add_argument("--quick", action="store_true", help="small W4 and few repeats")
    parser.add_argument("--repeats", type=int, default=None, help="timed repetitions")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--settle",
        type=float,
        default=SETTLE_SECONDS,
        help="seconds to run each step untimed before its sample, while the previous "
        "implementation's worker threads stop spinning (0: off)",
    )
    parser.add_argument(
        "--memory-steps",
        type=int,
        default=None,
        help="W3 steps for the memory-growth check (default 10000, 100 with --quick; 0: skip)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument("--import-runs", type=int, default=None, help="import-time samples")
    parser.add_argument(
        "--peers",
        nargs="*",
        default=None,
        help="peer libraries to include (default: every installed one of torch, jax, autograd, "
        "mygrad); NumPy by hand and arraygrad always run",
    )
    args = parser.parse_args(argv)
    repeats = args.repeats or (5 if args.quick else 30)
    if args.peers is not None:
        workloads.PEERS = set(args.peers)
    memory_steps = args.memory_steps
    if memory_steps is None:
        memory_steps = 100 if args.quick else 10_000

    report: dict[str, Any] = {
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "machine": platform.platform(),
        "quick": args.quick,
        "results": [],
        "skipped": {},
    }
    print(f"arraygrad {arraygrad.__version__}, numpy {np.__version__}, Python {report['python']}")
    for key in args.workloads:
        title, build = workloads.WORKLOADS[key]
        if key == "W5":
            reason = workloads.cnn_missing()
            if reason is not None:
                print(f"\nW5: {title}\n  skipped: {reason}")
                report["skipped"]["W5"] = reason
                continue
        steps = build(args.quick)
        rows = summarize(key, time_round_robin(steps, repeats, args.warmup, settle=args.settle))
        print_table(title, rows)
        report["results"].extend(rows)

    if memory_steps:
        memory = mlp_memory(memory_steps)
        report["memory_w3"] = memory
        print(f"\nW3 memory (tracemalloc): peak of one step, growth over {memory_steps} steps")
        for name in ("arraygrad", "numpy by hand"):
            entry = memory[name]
            print(
                f"  {name:<24} peak {entry['peak_step_bytes'] / 2**20:7.2f} MiB"
                f"   growth {entry['growth_bytes'] / 2**10:8.1f} KiB"
            )
        print(f"  peak ratio arraygrad / numpy: {memory['peak_ratio']:.3f}")

    imports = import_times(args.import_runs or (3 if args.quick else 7))
    report["import_s"] = imports
    print(
        f"\nimport time: numpy {imports['numpy'] * 1e3:.0f} ms, "
        f"arraygrad {imports['arraygrad'] * 1e3:.0f} ms "
        f"(+{(imports['arraygrad'] - imports['numpy']) * 1e3:.0f} ms)"
    )
    if args.json is not None:
        write_json(args.json, report)
    return 0


def write_json(path: Path, report: Any) -> None:
    """Write ``report`` to ``path`` as indented JSON and say so."""
    path.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {path}")


if __name__ == "__main__":
    sys.exit(main())
