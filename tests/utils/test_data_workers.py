"""``DataLoader(num_workers > 0)``: worker processes against torch's, as black boxes.

The datasets record what a worker sees (``get_worker_info()``, its process id, its random
draws) and the tests compare that with torch's loader on the same dataset. Workers start with
"fork", which costs little; one test uses "spawn" with a dataset of ``tests/_mp_children``.
"""

from __future__ import annotations

import gc
import os
import random
import re
import signal
import time
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import arraygrad as ag
from arraygrad.utils import data as adata
from tests import _mp_children as children

# (library, its torch.utils.data)
LIBS = [pytest.param((ag, adata), id="arraygrad"), pytest.param((torch, tdata), id="torch")]


class Recorder:
    """A map-style dataset whose samples say who loaded them (lib: torch.utils.data or ours)."""

    def __init__(self, data: ModuleType, size: int) -> None:
        self.data, self.size = data, size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> tuple[Any, ...]:
        info = self.data.get_worker_info()
        return (index, info.id, info.num_workers, info.seed, info.dataset is self, os.getpid())


def _plain(value: Any) -> Any:
    """A collated batch as plain Python values, for comparing two libraries' batches."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {key: _plain(v) for key, v in value.items()}
    return value


def _collect(lib: Any, dataset: Any, **kwargs: Any) -> list[Any]:
    _, data = lib
    kwargs.setdefault("multiprocessing_context", "fork")
    return [_plain(batch) for batch in data.DataLoader(dataset, **kwargs)]


@pytest.mark.parametrize("lib", LIBS)
def test_workers_take_batches_in_turn_and_report_their_info(lib):
    _, data = lib
    rows = _collect(lib, Recorder(data, 9), batch_size=2, num_workers=3)
    # Batches come back in the sampler's order; batch k was loaded by worker k % 3.
    assert [row[0] for row in rows] == [[0, 1], [2, 3], [4, 5], [6, 7], [8]]
    assert [row[1][0] for row in rows] == [0, 1, 2, 0, 1]
    assert all(row[2] == [3] * len(row[0]) for row in rows)
    assert all(all(row[4]) for row in rows)  # info.dataset is the worker's own copy
    seeds = {row[1][0]: row[3][0] for row in rows}
    assert seeds[1] == seeds[0] + 1 and seeds[2] == seeds[0] + 2  # base seed + id
    pids = {row[1][0]: row[5][0] for row in rows}
    assert len(set(pids.values())) == 3 and os.getpid() not in pids.values()
    assert data.get_worker_info() is None


def test_worker_info_is_frozen_as_torch():
    def probe(data):
        def init(worker_id):
            info = data.get_worker_info()
            try:
                info.id = 5
            except Exception as error:
                raise ValueError(f"{type(error).__name__}: {error}") from None

        return init

    messages = []
    for lib in (adata, tdata):
        loader = lib.DataLoader(
            Recorder(lib, 1), num_workers=1, worker_init_fn=probe(lib),
            multiprocessing_context="fork",
        )  # fmt: skip
        with pytest.raises(ValueError) as caught:
            list(loader)
        messages.append(str(caught.value).splitlines()[-1])
    assert (
        messages[0] == messages[1] == "ValueError: FrozenInstanceError: cannot assign to field 'id'"
    )


class Draws:
    """Each sample: the worker's seed and one draw from each of its generators."""

    def __init__(self, lib: ModuleType, data: ModuleType) -> None:
        self.lib, self.data = lib, data

    def __len__(self) -> int:
        return 4

    def __getitem__(self, index: int) -> tuple[Any, ...]:
        info = self.data.get_worker_info()
        return (
            info.seed,
            self.lib.initial_seed(),
            random.random(),
            float(np.random.rand()),
            self.lib.rand(()).item(),
        )


@pytest.mark.parametrize("lib", LIBS)
def test_workers_seed_their_generators_from_the_base_seed(lib):
    module, data = lib

    def epoch(loader):
        return [tuple(sample) for sample in loader]

    module.manual_seed(0)
    loader = data.DataLoader(
        Draws(module, data), batch_size=None, num_workers=2, multiprocessing_context="fork"
    )
    first, second = epoch(loader), epoch(loader)
    module.manual_seed(0)
    assert epoch(loader) == first  # the same manual_seed: the same augmentations
    for seed, initial, py_draw, _, _ in first[:2]:  # each worker's first sample
        assert initial == seed and py_draw == random.Random(seed).random()
    for column in (2, 3, 4):  # Python's, NumPy's and the library's draws differ per worker
        assert first[0][column] != first[1][column]
        assert second[0][column] != first[0][column]  # and per epoch: a new base seed


@pytest.mark.parametrize("lib", LIBS)
def test_the_base_seed_comes_from_the_loader_generator(lib):
    module, data = lib
    module.manual_seed(0)
    expected = module.rand(3).tolist()
    module.manual_seed(0)
    generator = module.Generator().manual_seed(7)
    kwargs = {"num_workers": 1, "multiprocessing_context": "fork", "generator": generator}
    seeds = [s for s, *_ in data.DataLoader(Draws(module, data), batch_size=None, **kwargs)]
    assert module.rand(3).tolist() == expected  # the global generator was not drawn from
    again = module.Generator().manual_seed(7)
    kwargs["generator"] = again
    assert [s for s, *_ in data.DataLoader(Draws(module, data), batch_size=None, **kwargs)] == seeds
    module.manual_seed(0)
    list(data.DataLoader(Draws(module, data), num_workers=1, multiprocessing_context="fork"))
    assert module.rand(3).tolist() != expected  # without one, the base seed advances it


class Logged:
    """Appends each index it loads to a file, so the test sees what the workers fetched."""

    def __init__(self, path: str, size: int = 20, slow: int | None = None) -> None:
        self.path, self.size, self.slow = path, size, slow

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> int:
        if index == self.slow:
            time.sleep(0.4)
        with open(self.path, "a") as file:
            file.write(f"{index}\n")
        return index


def _fetched(path: Path, count: int) -> list[int]:
    """The indices fetched once ``count`` of them are, and nothing more came for a while."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(path.read_text().split()) < count:
        time.sleep(0.02)
    time.sleep(0.3)
    return sorted(int(i) for i in path.read_text().split())


@pytest.mark.parametrize("lib", LIBS)
def test_prefetch_factor_bounds_the_batches_in_flight(lib, tmp_path):
    _, data = lib
    log = tmp_path / "log"
    log.write_text("")
    loader = data.DataLoader(
        Logged(str(log)), num_workers=2, prefetch_factor=3, multiprocessing_context="fork"
    )
    iterator = iter(loader)
    assert _fetched(log, 6) == [0, 1, 2, 3, 4, 5]  # before the first batch is asked for
    assert next(iterator).tolist() == [0]
    assert _fetched(log, 7) == list(range(7))  # one more for each batch taken
    del iterator
    assert loader.prefetch_factor == 3
    assert data.DataLoader(Logged(str(log)), num_workers=2).prefetch_factor == 2


@pytest.mark.parametrize("lib", LIBS)
def test_in_order_false_yields_batches_as_they_are_ready(lib, tmp_path):
    dataset = Logged(str(tmp_path / "log"), size=6, slow=0)
    kwargs = {"batch_size": None, "num_workers": 2}
    assert _collect(lib, dataset, **kwargs) == [0, 1, 2, 3, 4, 5]
    out_of_order = _collect(lib, dataset, in_order=False, **kwargs)
    assert sorted(out_of_order) == [0, 1, 2, 3, 4, 5] and out_of_order[0] != 0


class Stream:
    """Worker w yields ``n + 2 w`` items numbered ``100 w + j`` (sharded) or the same items in
    every worker (not sharded)."""

    def __init__(self, data: ModuleType, n: int, shard: bool = True) -> None:
        self.data, self.n, self.shard = data, n, shard

    def __iter__(self) -> Any:
        info = self.data.get_worker_info()
        if not self.shard:
            return iter(range(self.n))
        return iter(100 * info.id + j for j in range(self.n + 2 * info.id))


def _stream(data: ModuleType, n: int, shard: bool = True) -> Any:
    # An IterableDataset of the library under test (each loader checks its own base class).
    kind = type("LibStream", (Stream, data.IterableDataset), {})
    return kind(data, n, shard)


@pytest.mark.parametrize(
    "kwargs", [{"batch_size": 2}, {"batch_size": 2, "drop_last": True}, {"batch_size": None}]
)
def test_iterable_datasets_interleave_workers_until_each_runs_out_as_torch(kwargs):
    mine = _collect((ag, adata), _stream(adata, 3), num_workers=3, **kwargs)
    theirs = _collect((torch, tdata), _stream(tdata, 3), num_workers=3, **kwargs)
    assert mine == theirs
    if kwargs == {"batch_size": 2}:
        assert mine[:4] == [[0, 1], [100, 101], [200, 201], [2]]


def test_an_unsharded_iterable_dataset_comes_once_per_worker_as_torch():
    mine = _collect((ag, adata), _stream(adata, 3, shard=False), num_workers=2, batch_size=2)
    theirs = _collect((torch, tdata), _stream(tdata, 3, shard=False), num_workers=2, batch_size=2)
    assert mine == theirs == [[0, 1], [0, 1], [2], [2]]


class Pid:
    def __len__(self) -> int:
        return 4

    def __getitem__(self, index: int) -> int:
        return os.getpid()


def _reaped(pids: set[int]) -> bool:
    # kill(pid, 0) succeeds on a zombie: only a process waited for is gone.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            for pid in pids:
                os.kill(pid, 0)
        except ProcessLookupError:
            pids = {p for p in pids if p != pid}
            if not pids:
                return True
            continue
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("lib", LIBS)
def test_workers_stop_after_each_epoch_unless_persistent(lib):
    _, data = lib
    first = set(_collect(lib, Pid(), batch_size=None, num_workers=2))
    assert len(first) == 2 and _reaped(first)
    loader = data.DataLoader(
        Pid(), num_workers=2, persistent_workers=True, multiprocessing_context="fork"
    )
    iterator = iter(loader)
    pids = {next(iterator).item()}  # left mid-epoch: the next pass starts over
    assert iter(loader) is iterator
    again = [b.item() for b in loader]
    assert len(again) == 4 and pids <= set(again) and [b.item() for b in loader] == again
    del loader, iterator
    gc.collect()
    assert _reaped(set(again))


@pytest.mark.parametrize("lib", LIBS)
def test_a_deleted_iterator_stops_its_workers(lib):
    _, data = lib
    iterator = iter(data.DataLoader(Pid(), num_workers=2, multiprocessing_context="fork"))
    pids = {next(iterator).item(), next(iterator).item()}
    del iterator
    gc.collect()
    assert _reaped(pids)


class SlowItems:
    """Eight slow items, each load noted in a file (workers are other processes)."""

    def __init__(self, path: Any) -> None:
        self.path = path

    def __len__(self) -> int:
        return 8

    def __getitem__(self, index: int) -> int:
        with open(self.path, "a") as notes:
            notes.write(f"{index}\n")
        time.sleep(0.25)
        return index


@pytest.mark.parametrize("lib", LIBS)
def test_a_deleted_iterator_does_not_load_the_batches_still_queued(lib, tmp_path):
    # Six more tasks are queued for the worker when the iterator goes: it finishes the batch
    # it is loading and skips the rest (it used to load them all before stopping).
    _, data = lib
    path = tmp_path / "loaded"
    iterator = iter(
        data.DataLoader(
            SlowItems(path), num_workers=1, prefetch_factor=7, multiprocessing_context="fork"
        )
    )
    next(iterator)
    workers = list(iterator._workers)
    del iterator
    gc.collect()
    for worker in workers:
        worker.join(10)
    loaded = path.read_text().split()
    assert len(loaded) <= 3, loaded  # the batch taken, the one in progress, perhaps one more


class _Cycle:
    pass


def test_an_iterator_collected_in_a_reference_cycle_stops_its_workers_at_once():
    # The cycle's queues are garbage too: their feeder threads must not stop before the
    # workers are told to (that left them waiting for a stop until terminated).
    holder = _Cycle()
    holder.me = holder  # type: ignore[attr-defined]
    holder.it = iter(  # type: ignore[attr-defined]
        adata.DataLoader(Pid(), num_workers=2, multiprocessing_context="fork")
    )
    pids = {next(holder.it).item(), next(holder.it).item()}  # type: ignore[attr-defined]
    workers = list(holder.it._workers)  # type: ignore[attr-defined]
    del holder
    gc.collect()
    assert _reaped(pids)
    # told to stop, they exited (0); left waiting, they were terminated after the grace (-15)
    assert [worker.exitcode for worker in workers] == [0, 0]


class Fails:
    def __init__(self, error: BaseException) -> None:
        self.error = error

    def __len__(self) -> int:
        return 4

    def __getitem__(self, index: int) -> int:
        if index == 1:
            raise self.error
        return index


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("error", [ValueError("bad one"), KeyError("key one")])
def test_a_worker_exception_is_raised_again_with_torch_wrapping(lib, error):
    _, data = lib
    loader = data.DataLoader(Fails(error), num_workers=2, multiprocessing_context="fork")
    iterator = iter(loader)
    assert next(iterator).tolist() == [0]
    with pytest.raises(type(error)) as caught:
        next(iterator)
    text = str(caught.value)
    name = type(error).__name__
    assert text.startswith(
        f"Caught {name} in DataLoader worker process 1.\nOriginal Traceback (most recent call"
    )
    assert text.rstrip().endswith(f"{name}: {error}")
    assert [b.tolist() for b in iterator] == [[2], [3]]  # the loader goes on after it


def test_a_failing_worker_init_fn_is_reported():
    # torch's text, seen with the same loader (torch then takes 5 s to stop its worker).
    data = adata

    def init(worker_id):
        raise RuntimeError(f"no init for {worker_id}")

    loader = data.DataLoader(
        Pid(), num_workers=1, worker_init_fn=init, multiprocessing_context="fork"
    )
    with pytest.raises(RuntimeError, match="Caught RuntimeError in DataLoader worker process 0"):
        list(loader)


class Sleeps:
    def __len__(self) -> int:
        return 2

    def __getitem__(self, index: int) -> int:
        time.sleep(1.5)
        return index


@pytest.mark.parametrize("lib", LIBS)
def test_timeout_raises_torch_error(lib):
    _, data = lib
    loader = data.DataLoader(Sleeps(), num_workers=1, timeout=0.3, multiprocessing_context="fork")
    with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0.3 seconds($|\. Fix: )"):
        list(loader)


class SlowOnce:
    slept = False

    def __len__(self) -> int:
        return 3

    def __getitem__(self, index: int) -> int:
        if not self.slept:
            self.slept = True  # in this worker's copy: a persistent worker sleeps once
            time.sleep(0.6)
        return index


@pytest.mark.parametrize("lib", LIBS)
def test_a_timeout_leaves_a_persistent_loader_usable(lib):
    _, data = lib
    loader = data.DataLoader(
        SlowOnce(),
        batch_size=None,
        num_workers=1,
        timeout=0.3,
        persistent_workers=True,
        multiprocessing_context="fork",
    )
    with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0.3 seconds($|\. Fix: )"):
        next(iter(loader))
    time.sleep(0.5)  # the late batch arrives, for a pass the next one drops
    assert [int(b) for b in loader] == [0, 1, 2]


class Dies:
    def __len__(self) -> int:
        return 4

    def __getitem__(self, index: int) -> int:
        if index == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        return index


def test_a_killed_worker_raises_torch_error():
    # torch's text, seen with the same dataset: "DataLoader worker (pid(s) 1234) exited
    # unexpectedly" (torch takes seconds to notice, so it is not run here).
    loader = adata.DataLoader(Dies(), num_workers=2, multiprocessing_context="fork")
    with pytest.raises(
        RuntimeError, match=r"^DataLoader worker \(pid\(s\) \d+\) exited unexpectedly$"
    ):
        list(loader)


def test_a_persistent_loader_whose_worker_died_says_so_again():
    # torch's behaviour, seen with the same dataset (torch takes seconds to notice a death).
    loader = adata.DataLoader(
        Dies(), num_workers=1, persistent_workers=True, multiprocessing_context="fork"
    )
    for _ in range(2):
        with pytest.raises(
            RuntimeError, match=r"^DataLoader worker \(pid\(s\) \d+\) exited unexpectedly$"
        ):
            list(loader)


class Unpicklable:
    def __len__(self) -> int:
        return 1

    def __getitem__(self, index: int) -> Any:
        return lambda: index


def test_a_batch_that_cannot_be_pickled_is_an_error_not_a_hang():
    # torch loses such a batch in its queue's thread and waits for it forever.
    loader = adata.DataLoader(
        Unpicklable(), batch_size=None, num_workers=1, multiprocessing_context="fork"
    )
    with pytest.raises(AttributeError, match="Caught AttributeError in DataLoader worker"):
        list(loader)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"prefetch_factor": 2}, ValueError),
        ({"persistent_workers": True}, ValueError),
        ({"num_workers": 2, "prefetch_factor": -1}, ValueError),
        ({"multiprocessing_context": "fork"}, ValueError),
        ({"num_workers": 2, "multiprocessing_context": "bogus"}, ValueError),
        ({"num_workers": 2, "multiprocessing_context": 3}, TypeError),
    ],
)
def test_worker_options_misuse_matches_torch(kwargs, error):
    with pytest.raises(error) as theirs:
        tdata.DataLoader([1, 2], **kwargs)
    with pytest.raises(error) as mine:
        adata.DataLoader([1, 2], **kwargs)
    # torch's words first; arraygrad's message then names the fix
    assert str(mine.value).startswith(str(theirs.value))


def test_a_zero_prefetch_factor_fails_on_iteration_as_torch():
    loader = adata.DataLoader([1, 2], num_workers=2, prefetch_factor=0)
    with pytest.raises(AssertionError, match="prefetch_factor must be greater than 0"):
        iter(loader)


def test_the_start_method_name_becomes_its_context():
    loader = adata.DataLoader([1, 2], num_workers=1, multiprocessing_context="spawn")
    assert type(loader.multiprocessing_context).__name__ == "SpawnContext"
    assert adata.DataLoader([1, 2], num_workers=1).multiprocessing_context is None


class Squares:
    def __len__(self) -> int:
        return 7

    def __getitem__(self, index: int) -> dict[str, Any]:
        return {"x": ag.full((2,), float(index)), "y": index * index}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"batch_size": 3},
        {"batch_size": 3, "drop_last": True},
        {"batch_size": None},
        {"batch_size": 2, "collate_fn": lambda batch: [s["y"] for s in batch]},
    ],
)
def test_batches_and_len_are_those_of_the_single_process_loader(kwargs):
    alone = adata.DataLoader(Squares(), **kwargs)
    pooled = adata.DataLoader(Squares(), num_workers=2, multiprocessing_context="fork", **kwargs)
    assert len(pooled) == len(alone)
    iterator = iter(pooled)
    assert len(iterator) == len(alone)
    assert [_plain(b) for b in iterator] == [_plain(b) for b in alone]
    rows = adata.TensorDataset(ag.arange(10.0), ag.arange(10))  # the gathering fast path
    expected = [_plain(b) for b in adata.DataLoader(rows, batch_size=4)]
    pooled = adata.DataLoader(rows, batch_size=4, num_workers=2, multiprocessing_context="fork")
    assert [_plain(b) for b in pooled] == expected


@pytest.mark.parametrize("lib", LIBS)
def test_an_iterator_has_its_length_without_its_loader(lib):
    # iter(DataLoader(...)) keeps no loader: the length comes from the batch sampler, as
    # torch's; an iterable dataset's iterator has none even when the dataset has one.
    _, data = lib
    iterator = iter(
        data.DataLoader(Squares(), batch_size=3, num_workers=2, multiprocessing_context="fork")
    )
    gc.collect()
    assert len(iterator) == 3
    sized = type("Sized", (Stream, data.IterableDataset), {"__len__": lambda self: 4})
    loader = data.DataLoader(
        sized(data, 4), batch_size=2, num_workers=1, multiprocessing_context="fork"
    )
    assert len(loader) == 2
    iterator = iter(loader)
    with pytest.raises(TypeError, match=r"^object of type '_InfiniteConstantSampler' has no len"):
        len(iterator)


def test_spawned_workers_load_an_importable_dataset():
    loader = adata.DataLoader(
        children.WorkerTagged(4), batch_size=None, num_workers=2, multiprocessing_context="spawn"
    )
    samples = [tuple(sample) for sample in loader]
    assert [s[0] for s in samples] == [0, 1, 2, 3] and [s[1] for s in samples] == [0, 1, 0, 1]
    assert samples[1][2] == samples[0][2] + 1
    assert _reaped({s[3] for s in samples})


class InitRecord:
    """Samples report what ``worker_init_fn`` saw in their worker."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int, int]] = []

    def __len__(self) -> int:
        return 4

    def __getitem__(self, index: int) -> list[tuple[int, int, int]]:
        return self.calls


@pytest.mark.parametrize("lib", LIBS)
def test_worker_init_fn_runs_once_per_worker_after_seeding(lib):
    module, data = lib

    def init(worker_id):
        info = data.get_worker_info()
        info.dataset.calls.append((worker_id, info.id, module.initial_seed() - info.seed))

    loader = data.DataLoader(
        InitRecord(), batch_size=None, num_workers=2, worker_init_fn=init,
        multiprocessing_context="fork",
    )  # fmt: skip
    calls = [[tuple(call) for call in sample] for sample in loader]
    assert calls == [[(0, 0, 0)], [(1, 1, 0)], [(0, 0, 0)], [(1, 1, 0)]]


class EagerSampler:
    """A sampler that draws its order from the global generator when iter() is called."""

    def __init__(self, lib: ModuleType, n: int) -> None:
        self.lib, self.n = lib, n

    def __iter__(self) -> Any:
        return iter(self.lib.randperm(self.n).tolist())

    def __len__(self) -> int:
        return self.n


def test_a_worker_loader_iterates_its_sampler_as_torch_around_the_base_seed():
    # torch's iterator calls iter() on the sampler, draws the base seed, then calls iter()
    # again: an eager sampler draws twice. Was: the base seed first and one iter().
    outcomes = []
    for module, data in ((ag, adata), (torch, tdata)):
        module.manual_seed(4)
        loader = data.DataLoader(
            range(6),
            batch_size=None,  # the sampler itself is iterated (a BatchSampler is lazy)
            sampler=EagerSampler(module, 6),
            num_workers=1,
            multiprocessing_context="fork",
        )
        outcomes.append(([_plain(b) for b in loader], module.rand(2).tolist()))
    assert outcomes[0] == outcomes[1]


class Batched:
    """A dataset with __getitems__: the whole batch in one call."""

    def __len__(self) -> int:
        return 5

    def __getitem__(self, index: int) -> int:
        return index

    def __getitems__(self, indices: list[int]) -> list[int]:
        return [10 * i + get_pid_digit() for i in indices]


def get_pid_digit() -> int:
    return 0 if tdata.get_worker_info() is None and adata.get_worker_info() is None else 1


def test_workers_read_batches_through_getitems_and_warn_past_a_wrong_len_as_torch():
    outcomes = []
    for module, data in ((ag, adata), (torch, tdata)):
        batched = _collect((module, data), Batched(), batch_size=2, num_workers=1)
        sized = type("Sized", (Stream, data.IterableDataset), {"__len__": lambda self: 2})
        loader = data.DataLoader(
            sized(data, 4), batch_size=None, num_workers=1, multiprocessing_context="fork"
        )
        len(loader)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            items = [_plain(b) for b in loader]
        notes = [str(w.message) for w in caught]
        outcomes.append((batched, items, [re.search(r"but (\d+) ", n)[1] for n in notes]))
        assert all("reported to be 2" in note and "worker" in note for note in notes)
    assert outcomes[0] == outcomes[1]  # the same batches and warnings at the same batches
    assert outcomes[0][0] == [[1, 11], [21, 31], [41]]  # was [[0, 1], ...]: no __getitems__
    assert outcomes[0][2] == ["3", "4"]
