"""What runs inside a DataLoader worker process, and what it says to the loading process.

A worker is started by :class:`arraygrad.utils.data._multiprocessing_iter.WorkerPoolIterator`
with its own copy of the dataset (forked, or pickled for ``spawn``/``forkserver``). It seeds its
random generators, records its :class:`WorkerInfo` for :func:`get_worker_info`, runs the
``worker_init_fn``, then answers tasks from its inbox until it is told to stop: each task is a
batch of indices (or, for an ``IterableDataset``, a request for the next batch of its stream),
each answer a pickled reply on the shared outbox. Nothing here imports ``multiprocessing``: the
queues arrive as arguments, so ``import arraygrad`` stays as light as before.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
from collections.abc import Callable
from typing import Any

from arraygrad import _backend

__all__ = ["WorkerInfo", "current_info"]


@dataclasses.dataclass(frozen=True, slots=True)
class WorkerInfo:
    """Who is loading: returned by :func:`arraygrad.utils.data.get_worker_info` inside a
    worker process (``None`` outside one). Read-only, as PyTorch's.

    Attributes:
        id: this worker's number, ``0 .. num_workers - 1``.
        num_workers: how many workers the loader runs.
        seed: the seed of this worker's generators (the epoch's base seed plus ``id``).
        dataset: this process's copy of the dataset (an ``IterableDataset`` shards with it).
    """

    id: int
    num_workers: int
    seed: int
    dataset: Any
    rng: Any = None
    worker_method: str = "multiprocessing"


# Set once in a worker process, before worker_init_fn runs; None in the loading process.
_current: WorkerInfo | None = None


def current_info() -> WorkerInfo | None:
    """This process's :class:`WorkerInfo`, or ``None`` outside a DataLoader worker."""
    return _current


# The kinds of reply a worker sends for a task.
DATA = "data"  # the collated batch
ERROR = "error"  # (exception class or None, message): re-raised by the loading process
END = "end"  # an IterableDataset's stream ran out: this worker has no more batches this epoch


@dataclasses.dataclass
class Job:
    """Everything a worker needs to load batches, sent to it once when it starts."""

    dataset: Any
    collate_fn: Callable[[Any], Any]
    auto_collation: bool
    batch_size: int | None
    drop_last: bool
    iterable: bool
    worker_init_fn: Callable[[int], None] | None
    num_workers: int
    base_seed: int


class _Loader:
    """Turns one task into one batch: ``dataset[i]`` for map-style datasets, the next items of
    this worker's own stream for an ``IterableDataset`` (a new stream each epoch)."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.rows: Any = None
        if not job.iterable and job.auto_collation:
            # The loading process's fast path for TensorDataset batches, when nothing but
            # default_collate would see the samples.
            from arraygrad.utils.data import dataloader

            if job.collate_fn is dataloader.default_collate:
                self.rows = dataloader._tensor_rows(job.dataset)
        self.epoch: int | None = None
        self.stream: Any = None
        self.exhausted = False

    def load(self, epoch: int, indices: Any) -> tuple[str, Any]:
        job = self.job
        if not job.iterable:
            if not job.auto_collation:
                return DATA, job.collate_fn(job.dataset[indices])
            if self.rows is not None:
                from arraygrad.utils.data.dataloader import _gather

                batch = _gather(self.rows, list(indices))
                if batch is not None:
                    return DATA, batch
            getitems = getattr(job.dataset, "__getitems__", None)
            if getitems:  # a whole batch in one call, as PyTorch's fetcher
                return DATA, job.collate_fn(getitems(indices))
            return DATA, job.collate_fn([job.dataset[i] for i in indices])
        if epoch != self.epoch:  # a persistent worker starts the stream again each epoch
            self.epoch, self.stream, self.exhausted = epoch, None, False
        if self.exhausted:  # tasks sent before the loading process heard of the end
            return END, None
        if self.stream is None:
            self.stream = iter(job.dataset)
        if not job.auto_collation:
            try:
                sample = next(self.stream)
            except StopIteration:
                self.exhausted = True
                return END, None
            return DATA, job.collate_fn(sample)
        assert job.batch_size is not None
        batch = []
        for sample in self.stream:
            batch.append(sample)
            if len(batch) == job.batch_size:
                break
        if not batch or (job.drop_last and len(batch) < job.batch_size):
            self.exhausted = True
            return END, None
        if len(batch) < job.batch_size:
            self.exhausted = True  # the stream is spent: no need to ask it again
        return DATA, job.collate_fn(batch)


def _failure(worker_id: int, error: BaseException) -> tuple[str, Any]:
    """The reply for an exception: its class and PyTorch's wrapped message with the worker's
    traceback (the class travels by reference; one that cannot, e.g. defined in a function,
    becomes a RuntimeError in the loading process rather than a reply that never arrives)."""
    import traceback

    text = "".join(traceback.format_exception(error))
    message = (
        f"Caught {type(error).__name__} in DataLoader worker process {worker_id}.\nOriginal {text}"
    )
    kind: type[BaseException] | None = type(error)
    try:
        pickle.dumps(kind)
    except Exception:
        kind = None
    return ERROR, (kind, message)


def _send(outbox: Any, epoch: int, task: int, worker_id: int, reply: tuple[str, Any]) -> None:
    # Pickled here rather than by the queue's feeder thread, so that a batch that cannot be
    # pickled becomes an error reply instead of a message lost in that thread.
    try:
        payload = pickle.dumps((epoch, task, worker_id, *reply), pickle.HIGHEST_PROTOCOL)
    except Exception as error:
        payload = pickle.dumps((epoch, task, worker_id, *_failure(worker_id, error)))
    outbox.put(payload)


def run(job: Job, worker_id: int, inbox: Any, outbox: Any, parent_pid: int, stopping: Any) -> None:
    """A worker process's whole life: seed, init, then one reply per task until ``None``;
    once ``stopping`` (an event) is set, the tasks left before the ``None`` are skipped."""
    import queue
    import random

    global _current
    seed = job.base_seed + worker_id
    # As PyTorch: Python's and the library's generators from base_seed + id, NumPy's global
    # one from both numbers, so that workers draw different numbers and an epoch after the
    # same manual_seed draws the same ones.
    random.seed(seed)
    _backend.manual_seed(seed)
    _backend.seed_numpy_global(job.base_seed, worker_id)
    _current = WorkerInfo(id=worker_id, num_workers=job.num_workers, seed=seed, dataset=job.dataset)
    init_error: tuple[str, Any] | None = None
    loader: _Loader | None = None
    try:
        if job.worker_init_fn is not None:
            job.worker_init_fn(worker_id)
        loader = _Loader(job)
    except Exception as error:
        init_error = _failure(worker_id, error)
    try:
        while True:
            try:
                task = inbox.get(timeout=1.0)
            except queue.Empty:
                if os.getppid() != parent_pid:
                    return  # the loading process died without stopping us
                continue
            if task is None:
                # Stop now, even with replies the loading process will never read still in
                # the outbox's buffer: waiting to flush them could block forever.
                outbox.cancel_join_thread()
                return
            if stopping.is_set():
                continue  # the loading process reads no more replies: skip to the None
            epoch, number, indices = task
            if loader is None:
                assert init_error is not None
                reply = init_error
            else:
                try:
                    reply = loader.load(epoch, indices)
                except Exception as error:
                    reply = _failure(worker_id, error)
            _send(outbox, epoch, number, worker_id, reply)
            del reply  # the batch is in the queue now: do not hold a second copy while idle
    except KeyboardInterrupt:
        pass  # Ctrl-C reaches the whole process group: the loading process reports it
