"""``arraygrad.utils.benchmark`` against ``torch.utils.benchmark``: statistics, text and tables
of measurements built from the same fixed times, and a Timer that really times."""

from __future__ import annotations

from typing import Any

import pytest
import torch.utils.benchmark as tb

import arraygrad.utils.benchmark as ab

SPREADS = [
    [1.0e-3, 2.0e-3, 1.5e-3, 1.2e-3],
    [2.5e-6],
    [1e-6, 1.1e-6, 5e-6, 1.05e-6, 0.98e-6, 1.02e-6],
    [3.0, 3.1, 3.2],
    [1e-3, 1.15e-3],
    [0.4e-3, 0.41e-3, 0.405e-3, 0.43e-3, 0.39e-3, 0.401e-3, 0.402e-3],
]
SPECS: list[dict[str, Any]] = [
    {"stmt": "f(x)", "setup": "pass", "label": "lab", "sub_label": "sub", "description": "d"},
    {"stmt": "f(x)", "setup": "x = 1"},
    {"stmt": "a\nb", "setup": "x=1\ny=2", "sub_label": "s", "num_threads": 4},
    {"stmt": "g()", "setup": "pass", "description": "D", "env": "E", "num_threads": 2},
]


def _measurement(lib: Any, number: int, times: list[float], **spec: Any) -> Any:
    return lib.Measurement(number, times, lib.TaskSpec(**spec))


@pytest.mark.parametrize("times", SPREADS)
@pytest.mark.parametrize("spec", SPECS)
def test_measurement_statistics_and_text_are_torchs(times: list[float], spec: dict) -> None:
    t, a = (_measurement(lib, 10, times, **spec) for lib in (tb, ab))
    for name in ("median", "mean", "iqr"):
        assert getattr(a, name) == pytest.approx(getattr(t, name), rel=1e-12, abs=0)
    assert a.times == pytest.approx(t.times, rel=1e-15)
    assert a.number_per_run == t.number_per_run == 10
    assert a.significant_figures == t.significant_figures
    assert a.has_warnings == t.has_warnings
    assert a.meets_confidence() == t.meets_confidence()
    assert a.meets_confidence(0.3) == t.meets_confidence(0.3)
    assert (a.title, a.env, a.as_row_name) == (t.title, t.env, t.as_row_name)
    # The first line is the object's default repr (its address); the rest is the summary.
    assert repr(a).split("\n", 1)[1] == repr(t).split("\n", 1)[1]
    assert repr(a).startswith("<arraygrad.utils.benchmark.Measurement object at ")


def test_merge_pools_the_times_per_run_of_one_task() -> None:
    outs = []
    for lib in (tb, ab):
        spec, other = lib.TaskSpec("x", "pass"), lib.TaskSpec("y", "pass")
        merged = lib.Measurement.merge(
            [
                lib.Measurement(2, [1.0, 2.0], spec),
                lib.Measurement(2, [5.0], other),
                lib.Measurement(4, [4.0], spec),
            ]
        )
        outs.append([(m.task_spec.stmt, m.number_per_run, m.times) for m in merged])
    assert outs[1] == outs[0] == [("x", 1, [0.5, 1.0, 1.0]), ("y", 1, [2.5])]


# A few benchmarks of two sizes and two dtypes, one of them with a high variance.
TABLE = [
    ([1.234e-3, 1.25e-3, 1.24e-3, 1.26e-3], "matmul", "[10, 10]", "float32", 1, None),
    ([2.5e-3, 2.6e-3, 2.55e-3, 2.58e-3], "matmul", "[10, 10]", "float64", 1, None),
    ([12.3e-3, 12.1e-3, 12.2e-3, 12.4e-3], "matmul", "[100, 100]", "float32", 1, None),
    ([25.0e-3, 24.0e-3, 26.0e-3, 25.5e-3], "matmul", "[100, 100]", "float64", 1, None),
    ([1e-3, 1.5e-3, 3e-3, 5e-3], "matmul", "[100, 100]", "float32", 4, None),
    ([7.1e-6, 7.2e-6], "add", "[10]", "float32", 1, None),
    ([9e-6], "add", "a longer sub label", "a long description", 1, None),
    ([1.7555e-3, 1.7556e-3], "conv", "small", "d", 2, "env_a"),
    ([19.8e-3, 20.1e-3], "conv", "large", "d", 2, "env_b"),
    ([2.4e-3], "conv", "small", "d", 2, "env_b"),
]


def _compare(lib: Any, rows: list[tuple[Any, ...]]) -> Any:
    return lib.Compare(
        [
            _measurement(
                lib,
                1,
                times,
                stmt="f(x)",
                setup="pass",
                label=label,
                sub_label=sub,
                description=desc,
                num_threads=threads,
                env=env,
            )
            for times, label, sub, desc, threads, env in rows
        ]
    )


@pytest.mark.parametrize("options", ["", "trim", "warnings", "trim+warnings", "colors"])
def test_compare_tables_are_torchs(options: str) -> None:
    tables = []
    rows = TABLE[:7] if options == "colors" else TABLE
    for lib in (tb, ab):
        compare = _compare(lib, rows)
        if "trim" in options:
            compare.trim_significant_figures()
        if "warnings" in options:
            compare.highlight_warnings()
        if options == "colors":
            compare.colorize()
        tables.append(str(compare))
    assert tables[1] == tables[0]


def test_compare_rowwise_colors_are_torchs() -> None:
    tables = []
    for lib in (tb, ab):
        compare = _compare(lib, TABLE[:4])
        compare.colorize(rowwise=True)
        tables.append(str(compare))
    assert tables[1] == tables[0]
    assert "\x1b[92m\x1b[1m" in tables[1]


def test_compare_print_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    compare = _compare(ab, TABLE[:2])
    compare.print()
    assert capsys.readouterr().out == str(compare) + "\n"
    assert str(compare).startswith("[------")


def test_timer_times_the_statement() -> None:
    timer = ab.Timer("time.sleep(0.002)", setup="import time", label="sleep")
    m = timer.timeit(3)
    assert m.number_per_run == 3 and len(m.times) == 1 and m.median >= 0.002
    calls: list[tuple[int, float]] = []
    m = timer.blocked_autorange(callback=lambda n, t: calls.append((n, t)), min_run_time=0.02)
    assert m.median >= 0.002 and len(calls) == len(m.times) and sum(m.raw_times) >= 0.02
    assert m.task_spec == ab.TaskSpec("time.sleep(0.002)", "import time", label="sleep")
    m = ab.Timer("x = 1").adaptive_autorange(min_run_time=0.01, max_run_time=0.5)
    assert len(m.times) >= 4 and 0 < m.median < 1e-4
    g = {"y": 0}
    assert ab.Timer("z = y + 1", globals=g).timeit(5).number_per_run == 5


def test_timer_checks_its_arguments_as_torch() -> None:
    for kwargs in (
        {"stmt": lambda: None},
        {"stmt": "x", "global_setup": "import os"},
        {"stmt": "x", "language": "rust"},
    ):
        messages = []
        for lib in (tb, ab):
            with pytest.raises(ValueError) as caught:
                lib.Timer(**kwargs)
            messages.append(str(caught.value))
        # torch's words, then the fix arraygrad adds
        assert messages[1].startswith(messages[0]) and "Fix:" in messages[1]
    for lib in (tb, ab):
        for method in ("repeat", "autorange"):
            with pytest.raises(NotImplementedError, match=r"See `Timer\.blocked_autorange\.`"):
                getattr(lib.Timer("x = 1"), method)()
    with pytest.raises(ValueError, match="Python statements only"):
        ab.Timer("x", language="cpp")
