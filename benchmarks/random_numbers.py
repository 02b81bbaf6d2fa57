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

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import beside_torch

# name -> a draw written once for both libraries (``lib`` is ``torch`` or ``arraygrad``)
CASES: dict[str, Any] = {
    "randn 1e6 float32": lambda lib: lib.randn(10**6),
    "randn 1e6 float64": lambda lib: lib.randn(10**6, dtype=lib.float64),
    "randn 4x4 float32": lambda lib: lib.randn(4, 4),
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
    return beside_torch.main(
        __doc__.split("\n")[0], CASES, steps_for, "per draw", repeats=15, warmup=2, argv=argv
    )


if __name__ == "__main__":
    sys.exit(main())
