"""The benchmark script runs end to end (a smoke test: timings are never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run_script(name: str, arguments: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / name), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_run_quick_writes_table_and_json(tmp_path):
    out = tmp_path / "bench.json"
    done = _run_script(
        "run.py",
        [
            "--quick",
            "--repeats",
            "1",
            "--warmup",
            "1",
            "--settle",
            "0",
            "--memory-steps",
            "3",
            "--import-runs",
            "1",
            "--peers",  # none: importing the peers would dominate the test's time
            "--json",
            str(out),
        ],
    )
    assert done.returncode == 0, done.stderr
    for workload in ("W1", "W2", "W3", "W4", "W5", "W6", "W7"):
        assert workload in done.stdout
    report = json.loads(out.read_text())
    rows = report["results"]
    assert {row["workload"] for row in rows} >= {"W1", "W2", "W3", "W4", "W6", "W7"}
    for row in rows:
        assert row["median_s"] > 0 and row["min_s"] <= row["median_s"]
    impls = {row["impl"] for row in rows}
    assert {"arraygrad", "numpy by hand"} <= impls
    assert report["memory_w3"]["peak_ratio"] > 0


def test_random_numbers_benchmark_runs(tmp_path):
    out = tmp_path / "rng.json"
    done = _run_script(
        "random_numbers.py",
        [
            "-c",
            "rand 1e6",
            "dropout",
            "--repeats",
            "1",
            "--warmup",
            "1",
            "--json",
            str(out),
        ],
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(out.read_text())
    assert [row["case"] for row in rows] == [
        "rand 1e6 float32",
        "rand 1e6 float64",
        "dropout 256x1024",
    ]
    for row in rows:
        assert 0 < row["arraygrad"]["min_s"] <= row["arraygrad"]["median_s"]
        assert row["arraygrad_over_torch"] > 0


def test_minimal_engine_does_arraygrads_arithmetic():
    # The interpreter-floor row is a fair yardstick only if it computes what arraygrad
    # computes: the seed's trained weight and the chain's gradients, bit for bit.
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import minimal_engine
        import workloads
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    import doctest

    import numpy as np

    import arraygrad

    assert doctest.testmod(minimal_engine).failed == 0
    # No optional peers: under pytest, "autograd" can resolve to tests/autograd, not HIPS's.
    peers, workloads.PEERS = workloads.PEERS, set()
    try:
        seed = workloads.w1(quick=True)
    finally:
        workloads.PEERS = peers
    assert seed["minimal engine"]().data.tobytes() == seed["arraygrad"]()._data.tobytes()

    base = np.linspace(0.1, 0.4, 4).astype(np.float32)
    factor = np.float32([1.01, 0.99, 1.02, 0.98])
    x, a = minimal_engine.Var(base), minimal_engine.Var(factor)
    workloads._chain(x, a, minimal_engine.Var.sin).sum().backward()
    xt = arraygrad.tensor(base, requires_grad=True)
    at = arraygrad.tensor(factor, requires_grad=True)
    workloads._chain(xt, at, arraygrad.sin).sum().backward()
    assert x.grad.tobytes() == xt.grad.numpy().tobytes()
    assert a.grad.tobytes() == at.grad.numpy().tobytes()


def test_ops_benchmark_runs(tmp_path):
    out = tmp_path / "ops.json"
    done = _run_script(
        "ops.py", ["-c", "relu", "linear", "--repeats", "1", "--warmup", "1", "--json", str(out)]
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(out.read_text())
    assert [row["case"] for row in rows] == ["relu", "linear (matmul)"]
    for row in rows:
        assert 0 < row["arraygrad"]["min_s"] <= row["arraygrad"]["median_s"]
        assert row["arraygrad_over_torch"] > 0


def test_ops_benchmark_cases_compute_the_same_on_both_libraries():
    # A ratio means something only if both libraries compute the same thing: each case's
    # scalar and the gradient of its first input agree (float32: to a few ulps of the sum).
    import numpy as np
    import torch

    import arraygrad

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import ops
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    torch.set_num_threads(1)
    # The inputs once per library, as ops.py makes them (drawing them per case cost ~30 s);
    # no case writes into them, and each case starts from an empty gradient.
    inputs = {lib: {**ops._inputs(lib), **ops._modules(lib)} for lib in (torch, arraygrad)}
    mismatched = []
    for name, case in ops.CASES.items():
        results = []
        for lib in (torch, arraygrad):
            values = inputs[lib]
            values["a"].grad = None
            loss = case(lib, values)
            loss.backward()
            grad = values["a"].grad
            results.append(
                (float(loss.detach()), None if grad is None else np.asarray(grad.detach().numpy()))
            )
        (theirs, their_grad), (mine, my_grad) = results
        if not np.isclose(mine, theirs, rtol=1e-3, atol=1e-3):
            mismatched.append(f"{name}: {mine} vs {theirs}")
        elif (their_grad is None) != (my_grad is None) or (
            their_grad is not None and not np.allclose(my_grad, their_grad, rtol=1e-3, atol=1e-4)
        ):
            mismatched.append(f"{name}: gradients differ")
    assert not mismatched, mismatched


def test_small_calls_benchmark_runs(tmp_path):
    out = tmp_path / "small.json"
    done = _run_script(
        "small_calls.py",
        ["-c", "mul", "cross_entropy", "--repeats", "1", "--warmup", "1", "--json", str(out)],
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(out.read_text())
    assert [row["case"] for row in rows] == [
        "mul by a number",
        "cross_entropy",
        "cross_entropy +backward",
    ]
    for row in rows:
        assert 0 < row["arraygrad"]["min_s"] <= row["arraygrad"]["median_s"]


def test_small_calls_compute_the_same_on_both_libraries():
    # As for ops.py: a ratio compares the same work only if both libraries compute the same
    # result from the same inputs (drawn from one seed, which arraygrad draws as torch does).
    import numpy as np
    import torch

    import arraygrad

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import small_calls
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    inputs = {lib: small_calls._inputs(lib) for lib in (torch, arraygrad)}

    def plain(result):
        if isinstance(result, tuple):
            return [plain(part) for part in result]
        if hasattr(result, "detach"):
            return np.asarray(result.detach().numpy(), dtype=float).tolist()
        return result

    mismatched = []
    for name, case in small_calls.CASES.items():
        if name.endswith("+backward"):
            continue  # (the same calls as above)
        mine, theirs = (plain(case(lib, inputs[lib])) for lib in (arraygrad, torch))
        if mine is None or theirs is None:  # (no_grad(): no result)
            if mine is not theirs:
                mismatched.append(f"{name}: {mine} vs {theirs}")
        elif not np.allclose(np.asarray(mine, float), np.asarray(theirs, float), atol=1e-6):
            mismatched.append(f"{name}: {mine} vs {theirs}")
    assert not mismatched, mismatched
