"""arraygrad.autograd.profiler (the legacy profiler) and profiler_util's event lists against
torch's: the same events give the same reports, character for character."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import torch
import torch.autograd.profiler as torch_profiler
from torch.autograd import profiler_util as torch_util

import arraygrad as ag
from arraygrad.autograd import profiler, profiler_util

# (name, start, end, memory, shapes, parent's index): a tree with deep, repeated and long names.
TREE: list[tuple[str, float, float, int, list[list[int]], int | None]] = [
    ("outer", 0, 2_500_000, 3 * 1024 * 1024 + 5, [], None),
    ("mid", 10, 1500, 2048, [], 0),
    ("x", 20, 30.5, -700, [[2, 3], []], 1),
    ("x", 40, 45, 10, [[2, 3]], 1),
    ("b" * 60, 2_600_000, 2_600_001.25, -3 * 1024**3, [[1] * 30], None),
    ("x", 2_600_002, 2_600_010, 1536, [[2, 3]], None),
]


def _event_lists() -> tuple[profiler_util.EventList, Any]:
    ours, theirs = [], []
    for number, (name, start, end, memory, shapes, parent) in enumerate(TREE, start=1):
        mine = profiler_util.FunctionEvent(
            id=number,
            name=name,
            thread=1,
            start_us=start,
            end_us=end,
            input_shapes=shapes,
            cpu_memory_usage=memory,
        )
        if parent is not None:
            mine.set_cpu_parent(ours[parent])
            ours[parent].append_cpu_child(mine)
        ours.append(mine)
        # torch finds the parents itself, from the times.
        theirs.append(
            torch_util.FunctionEvent(
                id=number,
                name=name,
                thread=1,
                start_us=start,
                end_us=end,
                input_shapes=shapes,
                cpu_memory_usage=memory,
                stack=[],
            )
        )
    torch_list = torch_util.EventList(theirs, profile_memory=True)
    torch_list._build_tree()  # (what torch's profiler does before it hands the list out)
    return profiler_util.EventList(ours, profile_memory=True), torch_list


TABLES: list[dict[str, Any]] = [
    {},
    {"sort_by": "cpu_time_total", "row_limit": 2, "header": "HEADER"},
    {"sort_by": "self_cpu_memory_usage"},
    {"top_level_events_only": True},
    {"max_name_column_width": 10, "max_shapes_column_width": 12},
    {"sort_by": "count", "row_limit": 0},
]


@pytest.mark.parametrize("arguments", TABLES)
def test_tables_equal_torchs(arguments: dict[str, Any]) -> None:
    ours, theirs = _event_lists()
    assert ours.table(**arguments) == theirs.table(**arguments)
    assert ours.key_averages().table(**arguments) == theirs.key_averages().table(**arguments)
    grouped = ours.key_averages(group_by_input_shapes=True).table(**arguments)
    assert grouped == theirs.key_averages(group_by_input_shapes=True).table(**arguments)


def test_averages_and_totals_equal_torchs() -> None:
    ours, theirs = _event_lists()
    assert profiler_util.EventList().table() == torch_util.EventList([]).table() == ""

    def fields(event: Any) -> tuple[Any, ...]:
        return (
            event.key,
            event.count,
            event.cpu_time_total,
            event.self_cpu_time_total,
            event.cpu_time,
            event.cpu_memory_usage,
            event.self_cpu_memory_usage,
        )

    assert [fields(e) for e in ours] == [fields(e) for e in theirs]
    assert [fields(e) for e in ours.key_averages()] == [fields(e) for e in theirs.key_averages()]
    assert fields(ours.total_average()) == fields(theirs.total_average())
    assert ours.self_cpu_time_total == theirs.self_cpu_time_total
    assert str(ours) == str(theirs)


def test_legacy_profile_records_ops_nodes_and_ranges() -> None:
    x = ag.ones(3, requires_grad=True)

    @profiler.record_function("decorated")
    def model(value: Any) -> Any:
        return (value * 2).sum()

    with profiler.profile(record_shapes=True) as prof:
        model(x).backward()
    names = [(e.name, e.cpu_parent.name if e.cpu_parent else None) for e in prof.function_events]
    assert names == [
        ("decorated", None),
        ("mul", "decorated"),
        ("sum", "decorated"),
        ("SumBackward0", None),
        ("MulBackward0", None),
    ]
    assert prof.function_events[0].is_user_annotation
    assert [a.key for a in prof.key_averages()] == [n for n, _ in names]
    assert prof.self_cpu_time_total == pytest.approx(prof.function_events.self_cpu_time_total)
    assert prof.total_average().count == 5
    assert str(prof) == prof.function_events.table()


def test_legacy_profile_misuse_as_torchs() -> None:
    for module in (profiler, torch_profiler):
        prof = module.profile()
        assert repr(prof) == "<unfinished torch.autograd.profile>"
        assert list(prof.key_averages()) == []
        assert prof.table() == ""
        with prof:
            pass
        with pytest.raises(RuntimeError, match="Profiler context manager is not reentrant"), prof:
            pass
        with module.profile(enabled=False) as disabled:
            assert disabled is None
        nvtx = module.emit_nvtx()
        with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"), nvtx:
            pass
        with module.emit_itt():
            pass
        with module.record_function("outside any profiler") as marked:
            assert isinstance(marked, module.record_function)


def test_legacy_use_cuda_warns_as_torch() -> None:
    def messages(module: Any) -> list[str]:
        with warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            with module.profile(use_cuda=True):
                pass
        return sorted(str(w.message) for w in warned)

    assert messages(profiler) == messages(torch_profiler)


def test_one_profiler_at_a_time() -> None:
    with profiler.profile():
        already = r"Profiler is already enabled on this thread\."
        with pytest.raises(RuntimeError, match=already), profiler.profile():
            pass
        # The outer one still records.
        ag.ones(1) + 1
    assert torch is not None


def test_the_package_imports_the_profiler_on_first_use() -> None:
    import subprocess
    import sys

    code = (
        "import sys, arraygrad\n"
        "assert 'arraygrad.autograd.profiler' not in sys.modules\n"
        "assert 'arraygrad.profiler' not in sys.modules\n"
        "assert arraygrad.profiler.profile and arraygrad.autograd.profiler.profile\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_an_op_still_runs_when_another_thread_stops_the_profiler_as_it_starts() -> None:
    # The entry points asked whether to time the op, then read the recording again: a stop in
    # another thread between the two reads (``recorder`` None, the flag not yet cleared) gave
    # "'NoneType' object has no attribute 'timed'".
    from arraygrad import _primitive, _profiling

    class StoppedMeanwhile(profiler._Recording):
        def dispatching(self, prim: Any) -> bool:
            _profiling.recorder = None  # the other thread's stop lands here
            return super().dispatching(prim)

    recording = StoppedMeanwhile(record_shapes=False, profile_memory=False)
    x, y, above = ag.tensor([1.0, 4.0]), ag.tensor([-1.0, -4.0]), ag.tensor([False, True])
    ops = {  # one primitive each, through each entry point
        "apply2": lambda: x * 2,
        "apply1": lambda: x.sqrt(),
        "call": lambda: ag.where(above, x, y),
    }
    try:
        results = {}
        for name, op in ops.items():
            _profiling.recorder = recording
            _primitive.update_detour()
            results[name] = op().tolist()
    finally:
        _profiling.recorder = None
        _primitive.update_detour()
    assert results == {"apply2": [2.0, 8.0], "apply1": [1.0, 2.0], "call": [-1.0, 4.0]}
    assert [span.name for span in recording.spans] == ["mul", "sqrt", "where"]
