"""arraygrad.profiler against torch.profiler: schedules step by step, when on_trace_ready runs
and what it sees, the events' tree, reports and traces, and the errors of misuse. Timings
are never compared, only structure."""

from __future__ import annotations

import itertools
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.profiler as tp

import arraygrad as ag
import arraygrad.profiler as ap
from arraygrad import _primitive, _profiling
from arraygrad.optim.optimizer import register_optimizer_step_post_hook

SCHEDULES: list[dict[str, int]] = [
    {"wait": 1, "warmup": 1, "active": 2},
    {"wait": 1, "warmup": 1, "active": 3, "repeat": 2},
    {"wait": 0, "warmup": 0, "active": 1},
    {"wait": 2, "warmup": 1, "active": 2, "repeat": 1, "skip_first": 3},
    {"wait": 1, "warmup": 1, "active": 2, "repeat": 1, "skip_first": 1, "skip_first_wait": 1},
    {"wait": 2, "warmup": 1, "active": 2, "repeat": 2, "skip_first_wait": 1},
    {"wait": 0, "warmup": 2, "active": 1, "repeat": 3},
]


@pytest.mark.parametrize("arguments", SCHEDULES)
def test_schedule_gives_torchs_action_at_every_step(arguments: dict[str, int]) -> None:
    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always")
        ours = ap.schedule(**arguments)
    with warnings.catch_warnings(record=True) as torchs_warned:
        warnings.simplefilter("always")
        theirs = tp.schedule(**arguments)
    assert [ours(step).name for step in range(30)] == [theirs(step).name for step in range(30)]
    assert [str(w.message) for w in ours_warned] == [str(w.message) for w in torchs_warned]


@pytest.mark.parametrize(
    "arguments",
    [
        {"wait": 0, "warmup": 0, "active": 0},
        {"wait": -1, "warmup": 0, "active": 1},
        {"wait": 0, "warmup": 0, "active": 1, "repeat": -2},
        {"wait": 0, "warmup": 1, "active": 1, "skip_first": -1},
    ],
)
def test_schedule_refuses_what_torch_refuses(arguments: dict[str, int]) -> None:
    with pytest.raises(AssertionError) as theirs:
        tp.schedule(**arguments)
    with pytest.raises(AssertionError, match=r"^Invalid profiler schedule") as ours:
        ap.schedule(**arguments)
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(AssertionError, match=r"Step must be non-negative\. Got -1\."):
        ap.schedule(wait=1, warmup=1, active=1)(-1)


def _annotations(events: Any) -> list[str]:
    return sorted({e.name for e in events if e.name.startswith(("it", "ProfilerStep"))})


def _run_loop(lib: Any, make: Any, steps: int, **schedule: int) -> list[tuple[Any, ...]]:
    """A training-like loop under ``lib``'s profiler: what on_trace_ready saw, and when."""
    log: list[tuple[Any, ...]] = []

    def ready(prof: Any) -> None:
        log.append(("ready", prof.step_num, _annotations(prof.events())))

    chosen = lib.profiler.schedule(**schedule) if schedule else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with lib.profiler.profile(schedule=chosen, on_trace_ready=ready) as prof:
            for step in range(steps):
                with lib.profiler.record_function(f"it{step}"):
                    make(lib) * step
                prof.step()
    log.append(("exit", prof.step_num, prof.current_action.name, _annotations(prof.events())))
    return log


@pytest.mark.parametrize(
    ("steps", "schedule"),
    [
        (6, {"wait": 1, "warmup": 1, "active": 2, "repeat": 1}),
        (5, {"wait": 1, "warmup": 1, "active": 2}),
        (2, {}),
        (3, {"wait": 0, "warmup": 1, "active": 3}),
        (7, {"wait": 0, "warmup": 0, "active": 1, "repeat": 0}),
        (9, {"wait": 1, "warmup": 1, "active": 2, "repeat": 2}),
    ],
)
def test_on_trace_ready_runs_when_torchs_does_with_the_same_steps(
    steps: int, schedule: dict[str, int]
) -> None:
    def make(lib: Any) -> Any:
        return lib.ones(2)

    ours = _run_loop(ag, make, steps, **schedule)
    theirs = _run_loop(torch, make, steps, **schedule)
    assert ours == theirs


def test_acc_events_keeps_every_cycle() -> None:
    def loop(lib: Any, acc: bool) -> list[str]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (torch warns once per process without acc_events)
            chosen = lib.profiler.schedule(wait=0, warmup=1, active=1, repeat=2)
            with lib.profiler.profile(schedule=chosen, acc_events=acc) as prof:
                for step in range(5):
                    with lib.profiler.record_function(f"it{step}"):
                        lib.ones(1) + 1
                    prof.step()
        return _annotations(prof.events())

    assert loop(ag, False) == loop(torch, False) == ["ProfilerStep*", "it3"]
    assert loop(ag, True) == loop(torch, True) == ["ProfilerStep*", "it1", "it3"]


def _tree(events: Any) -> list[tuple[str, str | None]]:
    return [(e.name, e.cpu_parent.name if e.cpu_parent is not None else None) for e in events]


def test_events_nest_ops_in_record_function_and_backward_nodes_run_after() -> None:
    x = ag.ones(3, 4, requires_grad=True)
    with ap.profile(record_shapes=True, profile_memory=True) as prof:
        with ap.record_function("model_inference"):
            loss = (ag.exp(x) * 2).sum()
        loss.backward()
    events = prof.events()
    assert _tree(events) == [
        ("model_inference", None),
        ("exp", "model_inference"),
        ("mul", "model_inference"),
        ("sum", "model_inference"),
        ("SumBackward0", None),
        ("MulBackward0", None),
        ("ExpBackward0", None),
    ]
    by_name = {e.name: e for e in events}
    # Shapes as torch records them: a Python number is [], a backward node gets its gradient's.
    assert by_name["mul"].input_shapes == [[3, 4], []]
    assert by_name["MulBackward0"].input_shapes == [[3, 4]]
    assert by_name["exp"].cpu_memory_usage == 48  # a new float32 [3, 4]
    inference = by_name["model_inference"]
    assert inference.cpu_memory_usage == 48 + 48 + 4
    assert inference.self_cpu_memory_usage == 0
    children = sum(child.cpu_time_total for child in inference.cpu_children)
    assert inference.self_cpu_time_total == pytest.approx(inference.cpu_time_total - children)
    for event in events:
        assert event.time_range.start <= event.time_range.end
        if event.cpu_parent is not None:
            assert event.cpu_parent.time_range.start <= event.time_range.start
            assert event.time_range.end <= event.cpu_parent.time_range.end
    # Backward nodes run one after another, in the engine's order.
    nodes = [e for e in events if e.name.endswith("Backward0")]
    for before, after in itertools.pairwise(nodes):
        assert before.time_range.end <= after.time_range.start


def test_ops_of_a_create_graph_backward_nest_in_their_node() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    with ap.profile() as prof:
        ag.autograd.grad(y, x, create_graph=True)
    tree = _tree(prof.events())
    assert tree[0] == ("SumBackward0", None)
    assert ("MulBackward0", None) in tree
    assert ("mul", "MulBackward0") in tree


def test_a_backward_that_raises_ends_its_node_range() -> None:
    x = ag.ones(2, requires_grad=True)
    y = ag.exp(x).sum()
    y.backward()
    with ap.profile() as prof:
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.backward()
        x * 2
    # The failed node's range ends where it raised: the next op is not inside it.
    assert _tree(prof.events())[-1] == ("mul", None)


def test_ops_take_their_fast_paths_again_once_profiling_stops() -> None:
    assert not _primitive.detour
    with ap.profile():
        assert _profiling.recorder is not None and _primitive.detour
    assert _profiling.recorder is None and not _primitive.detour
    # A backward pass after it records nothing and leaves the engine's queue a list.
    x = ag.ones(2, requires_grad=True)
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_key_averages_count_calls_and_sum_times_and_the_table_has_torchs_columns() -> None:
    def run(lib: Any) -> Any:
        x = lib.ones(2, 3)
        with lib.profiler.profile(record_shapes=True, profile_memory=True) as prof:
            for _ in range(3):
                x = x * 2
            lib.ones(4) * 2
        return prof

    ours, theirs = run(ag), run(torch)
    averages = {a.key: a for a in ours.key_averages()}
    assert averages["mul"].count == 4
    events = [e for e in ours.events() if e.name == "mul"]
    assert averages["mul"].cpu_time_total == pytest.approx(sum(e.cpu_time_total for e in events))
    assert averages["mul"].cpu_time == pytest.approx(averages["mul"].cpu_time_total / 4)
    grouped = [(a.key, a.count, a.input_shapes) for a in ours.key_averages(True) if a.key == "mul"]
    assert grouped == [("mul", 3, [[2, 3], []]), ("mul", 1, [[4], []])]
    torch_grouped = theirs.key_averages(group_by_input_shape=True)
    assert [(a.count, a.input_shapes) for a in torch_grouped if a.key == "aten::mul"] == [
        (count, shapes) for _, count, shapes in grouped
    ]

    def header(prof: Any, **kwargs: Any) -> list[str]:
        lines = prof.key_averages(**kwargs).table(sort_by="cpu_time_total").splitlines()
        return lines[1].split("  ")

    def columns(line: list[str]) -> list[str]:
        return [part.strip() for part in line if part.strip()]

    assert columns(header(ours)) == columns(header(theirs))
    assert columns(header(ours, group_by_input_shape=True)) == columns(
        header(theirs, group_by_input_shape=True)
    )
    table = ours.key_averages().table(sort_by="self_cpu_time_total", row_limit=1)
    assert len(table.splitlines()) == len(theirs.key_averages().table(row_limit=1).splitlines())
    assert table.splitlines()[-1].startswith("Self CPU time total: ")


def test_misuse_raises_torchs_errors() -> None:
    for lib in (ag, torch):
        prof = lib.profiler.profile()
        with pytest.raises(AssertionError, match="initialized before getting key averages"):
            prof.key_averages()
        with pytest.raises(AssertionError, match="initialized before accessing events"):
            prof.events()
        with lib.profiler.profile() as prof:
            assert list(prof.key_averages()) == []  # nothing saved yet: no error
        cuda_only = lib.profiler.profile(activities=[lib.profiler.ProfilerActivity.CUDA])
        with pytest.raises(AssertionError, match="No activities specified for the profiler"):
            cuda_only.start()


def test_cuda_activity_warns_and_profiles_the_cpu() -> None:
    activities = [ap.ProfilerActivity.CPU, ap.ProfilerActivity.CUDA]
    warned = pytest.warns(UserWarning, match="CUDA is not available, disabling CUDA profiling")
    with warned, ap.profile(activities=activities) as prof:
        ag.ones(1) + 1
    assert [e.name for e in prof.events()] == ["add"]


def test_public_surface_matches_torchs() -> None:
    assert {m: v.value for m, v in ap.ProfilerActivity.__members__.items()} == {
        m: int(v) for m, v in tp.ProfilerActivity.__members__.items()
    }
    assert {m: v.value for m, v in ap.ProfilerAction.__members__.items()} == {
        m: v.value for m, v in tp.ProfilerAction.__members__.items()
    }
    assert ap.supported_activities() == {ap.ProfilerActivity.CPU}
    assert ap.kineto_available() is False
    assert ap.profile().activities == {ap.ProfilerActivity.CPU}
    assert ap.register_optimizer_step_post_hook is register_optimizer_step_post_hook
    assert ag.profiler is ap


def test_chrome_trace_and_tensorboard_handler(tmp_path: Path) -> None:
    chosen = ap.schedule(wait=0, warmup=1, active=2, repeat=1)
    handler = ap.tensorboard_trace_handler(str(tmp_path / "tb"), worker_name="w")
    with ap.profile(schedule=chosen, on_trace_ready=handler) as prof:
        for _ in range(4):
            ag.ones(1) * 2
            prof.step()
    (written,) = (tmp_path / "tb").iterdir()
    assert written.name.startswith("w.") and written.name.endswith(".pt.trace.json")
    trace = json.loads(written.read_text())
    complete = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    # (creation functions such as ones are no primitives: arraygrad records no event for them)
    assert [e["name"] for e in complete] == ["ProfilerStep#1", "mul", "ProfilerStep#2", "mul"]
    assert {"ts", "dur", "pid", "tid", "cat"} <= set(complete[0])
    assert complete[0]["cat"] == "user_annotation"
    # As torch keys them: every step under one name.
    assert [a.key for a in prof.key_averages()] == ["ProfilerStep*", "mul"]
    gz = tmp_path / "t.json.gz"
    prof.export_chrome_trace(str(gz))
    import gzip

    assert "traceEvents" in json.loads(gzip.decompress(gz.read_bytes()))


def test_ops_traced_by_compile_while_profiling_are_timed_and_compile_still_replays() -> None:
    # Both modes share the ops' one detour flag: ending one must not end the other.
    w = ag.tensor([1.0, 2.0], requires_grad=True)

    def step(x: Any) -> Any:
        return (w * x).sum()

    compiled = ag.compile(step)
    with ap.profile() as prof:
        first = compiled(ag.tensor([3.0, 4.0]))
        assert _primitive.detour
    assert not _primitive.detour
    assert {"mul", "sum"} <= {event.name for event in prof.events()}
    assert first.item() == 11.0 and compiled(ag.tensor([1.0, 1.0])).item() == 3.0
