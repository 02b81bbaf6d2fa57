"""Time arraygrad's random-number generation beside PyTorch's CPU generator.

    python benchmarks/random_numbers.py                  # every case, 15 rounds
    python benchmarks/random_numbers.py -c randn randperm --repeats 30 --json rng.json

arraygrad draws the same numbers as torch 2.13's CPU generator, bit for bit, from the same
seed (``_backend/torch_sampling.py``); this measures what that costs. Both libraries run in one
process, interleaved round-robin as in ``run.py`` (a sample repeats a draw for about 20 ms),
timed with ``time.thread_time``: the CPU time of this thread only, so that other processes on a
shared machine add little. PyTorch runs with one thread (its sampling kernels are serial
anyway). Ratios are arraygrad's median over torch's: below 1 means arraygrad is faster. See
README.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import _format_time, time_round_robin, write_json

import arraygrad

# name -> a draw written once for both libraries (``lib`` is ``torch`` or ``arraygrad``)
CASES: dict[str, Any] = {
    "randn 1e6 float32": lambda lib: lib.randn(10**6),
    "randn 1e6 float64": lambda lib: lib.randn(10**6, dtype=lib.float64),
    "rand 1e6 float32": lambda lib: lib.rand(10**6),
    "rand 1e6 float64": lambda lib: lib.rand(10**6, dtype=lib.float64),
    "randint 1e6": lambda lib: lib.randint(0, 1000, (10**6,)),
    "randperm 60000": lambda lib: lib.randperm(60000),
    "randperm 1e6": lambda lib: lib.randperm(10**6),
    "nn.Linear(1024, 1024)": lambda lib: lib.nn.Linear(1024, 1024),
    "dropout 256x1024": None,  # built per library below: the input is made outside the timing
}


def _dropout(lib: Any) -> Any:
    x = lib.ones(256, 1024)
    return lambda: lib.nn.functional.dropout(x, 0.5, training=True)


def steps_for(name: str, libraries: dict[str, Any]) -> dict[str, Any]:
    """One step per library for the case ``name``."""
    if name == "dropout 256x1024":
        return {label: _dropout(lib) for label, lib in libraries.items()}
    draw = CASES[name]
    return {label: (lambda lib=lib: draw(lib)) for label, lib in libraries.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "-c", "--cases", nargs="*", default=None, help="cases whose name starts with one of these"
    )
    parser.add_argument("--repeats", type=int, default=15, help="timed samples per library")
    parser.add_argument("--warmup", type=int, default=2)
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
        for name in CASES
        if args.cases is None or any(name.startswith(prefix) for prefix in args.cases)
    ]
    print(f"thread time per draw, {args.repeats} samples each (median, min)")
    header = f"  {'case':<24}" + "".join(
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
        line = f"  {name:<24}"
        for label, samples in times.items():
            row[label] = {"median_s": statistics.median(samples), "min_s": min(samples)}
            line += f" {_format_time(row[label]['median_s']):>17} {_format_time(min(samples)):>11}"
        if "torch" in row:
            row["arraygrad_over_torch"] = row["arraygrad"]["median_s"] / row["torch"]["median_s"]
            line += f"  {row['arraygrad_over_torch']:8.2f}x"
        print(line)
        rows.append(row)
    if args.json is not None:
        write_json(args.json, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
