"""The benchmark script runs end to end (a smoke test: timings are never asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_run_quick_writes_table_and_json(tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--quick",
            "--repeats",
            "1",
            "--warmup",
            "1",
            "--memory-steps",
            "3",
            "--import-runs",
            "1",
            "--peers",  # none: importing the peers would dominate the test's time
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for workload in ("W1", "W2", "W3", "W4", "W5"):
        assert workload in done.stdout
    report = json.loads(out.read_text())
    rows = report["results"]
    assert {row["workload"] for row in rows} >= {"W1", "W2", "W3", "W4"}
    for row in rows:
        assert row["median_s"] > 0 and row["min_s"] <= row["median_s"]
    impls = {row["impl"] for row in rows}
    assert {"arraygrad", "numpy by hand"} <= impls
    assert report["memory_w3"]["peak_ratio"] > 0
