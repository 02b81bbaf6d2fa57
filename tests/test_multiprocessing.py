"""``arraygrad.multiprocessing`` against ``torch.multiprocessing``: the re-exported module,
spawn / start_processes and their exceptions, sharing strategies, tensors through queues.

Children run functions of ``_mp_children`` (no torch import there); the failure cases start
them with "fork", which costs little, and compare with torch's ``start_processes``.
"""

from __future__ import annotations

import multiprocessing
import pickle
import time
import warnings
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import torch
import torch.multiprocessing

import arraygrad as ag
import arraygrad.multiprocessing as ag_mp
from tests import _mp_children as children

LIBS = (ag_mp, torch.multiprocessing)


def test_reexports_multiprocessing_and_torch_names() -> None:
    for name in multiprocessing.__all__:
        assert getattr(ag_mp, name) is getattr(multiprocessing, name), name
    assert set(torch.multiprocessing.__all__) <= set(ag_mp.__all__)
    for name in ("spawn", "start_processes", "ProcessContext", "ProcessRaisedException"):
        assert hasattr(torch.multiprocessing, name) and name in ag_mp.__all__
    assert issubclass(ag_mp.ProcessExitedException, ag_mp._ProcessException)
    for lib in LIBS:
        with pytest.warns(UserWarning, match="SpawnContext is renamed to ProcessContext"):
            assert isinstance(lib.SpawnContext([], []), lib.ProcessContext)


def test_sharing_strategies_as_torch() -> None:
    assert ag_mp.get_all_sharing_strategies() == torch.multiprocessing.get_all_sharing_strategies()
    assert ag_mp.get_sharing_strategy() == torch.multiprocessing.get_sharing_strategy()
    before = ag_mp.get_sharing_strategy()
    try:
        ag_mp.set_sharing_strategy("file_system")
        assert ag_mp.get_sharing_strategy() == "file_system"
    finally:
        ag_mp.set_sharing_strategy(before)
    errors = []
    for lib in LIBS:
        with pytest.raises(AssertionError) as caught:
            lib.set_sharing_strategy("bogus")
        errors.append(str(caught.value).split(", expected")[0])
    assert errors[0] == errors[1] == "invalid sharing strategy 'bogus'"


def test_spawn_runs_fn_with_the_index(tmp_path: Path) -> None:
    assert ag_mp.spawn(children.write_index, args=(str(tmp_path), "hi"), nprocs=2) is None
    assert sorted(p.read_text() for p in tmp_path.iterdir()) == ["hi 0", "hi 1"]
    context = ag_mp.start_processes(
        children.write_index,
        args=(str(tmp_path), "fork"),
        nprocs=2,
        join=False,
        start_method="fork",
    )
    assert isinstance(context, ag_mp.ProcessContext) and len(context.pids()) == 2
    while not context.join(timeout=10):
        pass
    assert context.join() is True
    assert sorted(p.read_text() for p in tmp_path.iterdir()) == ["fork 0", "fork 1"]


def test_spawn_warns_for_another_start_method(tmp_path: Path) -> None:
    with pytest.warns(FutureWarning, match="only supports start_method=spawn \\(got: fork\\)"):
        ag_mp.spawn(children.write_index, args=(str(tmp_path), "x"), start_method="fork")
    assert (tmp_path / "0").read_text() == "x 0"


def _failure(lib: ModuleType, fn: Any, nprocs: int) -> Any:
    start = time.monotonic()
    with pytest.raises(Exception) as caught, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lib.start_processes(fn, nprocs=nprocs, start_method="fork")
    assert time.monotonic() - start < 30  # the other child was terminated, not waited for
    error = caught.value
    return error, (
        type(error).__name__,
        error.error_index,
        getattr(error, "exit_code", None),
        getattr(error, "signal_name", None),
    )


@pytest.mark.parametrize("case", ["raises", "exits", "killed"])
def test_child_failures_raise_as_torch(case: str) -> None:
    fn, nprocs = {
        "raises": (children.second_raises, 2),
        "exits": (children.first_exits, 2),
        "killed": (children.killed, 1),
    }[case]
    (ours, our_fields), (theirs, their_fields) = (_failure(lib, fn, nprocs) for lib in LIBS)
    assert our_fields == their_fields
    assert isinstance(ours.error_pid, int) and ours.args == (ours.msg,)
    if case == "raises":
        head = "\n\n-- Process 1 terminated with the following error:\nTraceback"
        assert ours.msg.startswith(head) and theirs.msg.startswith(head)
        assert ours.msg.endswith("ValueError: bad 1\n") and theirs.msg.endswith(
            "ValueError: bad 1\n"
        )
    else:
        assert ours.msg == theirs.msg
    again = pickle.loads(pickle.dumps(ours))
    assert (type(again), again.args, again.error_index) == (type(ours), ours.args, ours.error_index)


def test_tensors_pickle_with_dtype_and_requires_grad() -> None:
    for lib in (ag, torch):
        values = [
            lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True),
            lib.nn.Parameter(lib.ones(2)),
            lib.nn.Parameter(lib.arange(3), requires_grad=False),
        ]
        for value in values:
            for dumps in (pickle.dumps, ForkingPickler.dumps):
                copy = pickle.loads(dumps(value))
                assert type(copy) is type(value)
                assert (copy.dtype, copy.requires_grad) == (value.dtype, value.requires_grad)
                assert copy.tolist() == value.tolist()
    # A tensor in the middle of a graph cannot go on a queue (PyTorch's refusal and text).
    texts = []
    for lib in (ag, torch):
        with pytest.raises(RuntimeError) as caught:
            ForkingPickler.dumps(lib.ones(2, requires_grad=True) * 2)
        texts.append(str(caught.value))
    assert texts[0] == texts[1]


def test_tensors_through_a_spawn_queue() -> None:
    context = ag_mp.get_context("spawn")
    inbox, outbox = context.Queue(), context.Queue()
    child = context.Process(target=children.double_tensors, args=(inbox, outbox))
    child.start()
    try:
        sent = [
            ag.tensor([1.0, -2.0], dtype=ag.float64, requires_grad=True),
            ag.nn.Parameter(ag.ones(3)),
        ]
        received = []
        for tensor in sent:
            inbox.put(tensor)
            received.append((outbox.get(timeout=60), outbox.get(timeout=60)))
    finally:
        child.join(timeout=60)
    assert received[0][0] == ("Tensor", "arraygrad.float64", True, [1.0, -2.0])
    assert received[1][0] == ("Parameter", "arraygrad.float32", True, [1.0, 1.0, 1.0])
    assert received[0][1].tolist() == [2.0, -4.0] and received[0][1].dtype == ag.float64
    # A copy, not shared memory: the sender's tensor is unchanged.
    assert sent[0].tolist() == [1.0, -2.0]
