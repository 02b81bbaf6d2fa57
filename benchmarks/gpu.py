"""W3, W4 and W5 on a GPU: arraygrad on CuPy against PyTorch on CUDA and CuPy by hand.

    python benchmarks/gpu.py --json gpu.json

The same workloads as ``run.py`` (see ``workloads.py``), with every array on the GPU:
arraygrad after ``arraygrad.set_backend("cupy")``, eager and compiled; PyTorch eager with its
tensors on ``"cuda"``; and, for W3 and W4, the steps by hand written for NumPy, run on CuPy.
GPU kernels run asynchronously, so each timed step ends by waiting for the device. Timing is
``run.py``'s: interleaved round-robin, medians and minima, ratios of arraygrad's median over
each peer's. Prints why and exits 0 where CuPy, a CUDA device or PyTorch's CUDA build is missing.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
import run
import workloads

import arraygrad

Step = Callable[[], Any]


def _missing() -> str | None:
    """Why this script cannot run here, or ``None``."""
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() == 0:
            return "CuPy sees no CUDA device"
    except Exception as error:  # ImportError, or CuPy's CUDARuntimeError without a driver
        return f"CuPy cannot run here ({error})"
    try:
        import torch
    except ImportError:
        return "PyTorch is not installed"
    if not torch.cuda.is_available():
        return "PyTorch has no CUDA device"
    return None


def _synced(step: Step, wait: Callable[[], None]) -> Step:
    def timed() -> Any:
        result = step()
        wait()
        return result

    return timed


def _torch_tensors(arrays: list[np.ndarray], grad_from: int) -> list[Any]:
    import torch

    return [
        torch.tensor(a, device="cuda", requires_grad=i >= grad_from) for i, a in enumerate(arrays)
    ]


def w3() -> dict[str, Step]:
    import cupy

    x, labels, *weights = workloads.mlp_data()
    params = [arraygrad.tensor(w, requires_grad=True) for w in weights]
    ours = workloads.mlp_step_fn(arraygrad, params, arraygrad.tensor(x), arraygrad.tensor(labels))
    params = [arraygrad.tensor(w, requires_grad=True) for w in weights]
    compiled = arraygrad.compile(
        workloads.mlp_step_fn(arraygrad, params, arraygrad.tensor(x), arraygrad.tensor(labels))
    )
    import torch

    tx, tlabels, *tparams = _torch_tensors([x, labels, *weights], grad_from=2)
    theirs = workloads.mlp_step_fn(torch, tparams, tx, tlabels)
    by_hand = workloads.mlp_step_by_hand(cupy)
    return {
        "arraygrad": _synced(ours, arraygrad.cuda.synchronize),
        "arraygrad compiled": _synced(compiled, arraygrad.cuda.synchronize),
        "torch cuda eager": _synced(theirs, torch.cuda.synchronize),
        "cupy by hand": _synced(by_hand, arraygrad.cuda.synchronize),
    }


def w4(n: int) -> dict[str, Step]:
    import cupy
    import torch

    x, y = workloads.regression_data(n)
    d = x.shape[1]
    steps: dict[str, Step] = {}
    for name in ("arraygrad", "arraygrad compiled"):
        xt, yt = arraygrad.tensor(x), arraygrad.tensor(y)
        w = arraygrad.zeros(d, 1, requires_grad=True)
        b = arraygrad.zeros(1, requires_grad=True)
        step = workloads.regression_step(arraygrad, xt, yt, w, b)
        if name.endswith("compiled"):
            step = arraygrad.compile(step)
        steps[name] = _synced(step, arraygrad.cuda.synchronize)
    tx, ty = torch.tensor(x, device="cuda"), torch.tensor(y, device="cuda")
    tw = torch.zeros(d, 1, device="cuda", requires_grad=True)
    tb = torch.zeros(1, device="cuda", requires_grad=True)
    steps["torch cuda eager"] = _synced(
        workloads.regression_step(torch, tx, ty, tw, tb), torch.cuda.synchronize
    )
    steps["cupy by hand"] = _synced(
        workloads.regression_step_by_hand(cupy, x, y), arraygrad.cuda.synchronize
    )
    return steps


def w5() -> dict[str, Step]:
    import torch

    x, labels, *weights = workloads.cnn_data()
    steps: dict[str, Step] = {}
    for name in ("arraygrad", "arraygrad compiled"):
        params = [arraygrad.tensor(w, requires_grad=True) for w in weights]
        step = workloads.cnn_step_fn(
            arraygrad, params, arraygrad.tensor(x), arraygrad.tensor(labels)
        )
        if name.endswith("compiled"):
            step = arraygrad.compile(step)
        steps[name] = _synced(step, arraygrad.cuda.synchronize)
    tx, tlabels, *tparams = _torch_tensors([x, labels, *weights], grad_from=2)
    steps["torch cuda eager"] = _synced(
        workloads.cnn_step_fn(torch, tparams, tx, tlabels), torch.cuda.synchronize
    )
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-w", "--workloads", nargs="*", default=["W3", "W4", "W5"])
    parser.add_argument("--repeats", type=int, default=15, help="timed repetitions")
    parser.add_argument("-n", type=int, default=2_000_000, help="W4's rows")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    missing = _missing()
    if missing is not None:
        print(f"no GPU run: {missing}")
        return 0
    import cupy
    import torch

    arraygrad.set_backend("cupy")
    name = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
    print(
        f"{name}; CuPy {cupy.__version__}, PyTorch {torch.__version__}, Python "
        f"{platform.python_version()}"
    )
    makers = {"W3": w3, "W4": lambda: w4(args.n), "W5": w5}
    rows: list[dict[str, Any]] = []
    for workload in args.workloads:
        steps = makers[workload]()
        times = run.time_round_robin(steps, repeats=args.repeats, warmup=3)
        summary = run.summarize(workload, times)
        run.print_table(f"{workload} on the GPU", summary)
        rows.extend(summary)
    if args.json is not None:
        args.json.write_text(json.dumps({"device": name, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
