"""The loading process's side of ``DataLoader(num_workers > 0)``: start the workers, hand them
tasks round-robin, put their replies back in order, and stop them.

Imported by the first loader that iterates with workers, so that ``import arraygrad`` does not
pay for :mod:`multiprocessing`. The worker's side is :mod:`arraygrad.utils.data._worker`.

Batches come back pickled through a queue: each is a copy made in the worker, not shared
memory (arraygrad tensors have no shared storage).
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import pickle
import queue
import time
import warnings
import weakref
from typing import Any, NoReturn

from arraygrad import _backend
from arraygrad.utils.data import _worker

__all__ = ["WorkerPoolIterator"]

# How long one wait for a reply lasts before the workers are checked for a death.
_POLL_SECONDS = 0.2
# How long a worker that was told to stop may take to finish its batch before it is
# terminated.
_JOIN_SECONDS = 5.0


class WorkerPoolIterator:
    """One pass (or, with ``persistent_workers``, every pass) over a loader with workers.

    Tasks are numbered in the order the sampler yields them and sent to the workers in turn;
    at most ``prefetch_factor * num_workers`` of them are out at once. With ``in_order`` the
    replies are yielded by task number (a reply that comes early waits in ``_ready``),
    otherwise as they come. Each reply carries its epoch, so that a persistent iterator that
    starts again mid-pass drops what the workers still send for the old one.
    """

    def __init__(self, loader: Any) -> None:
        self._owner_pid = os.getpid()
        self._workers: list[Any] = []
        # What each pass needs of the loader, not the loader itself: a persistent loader holds
        # this iterator, and without a reference cycle its workers stop as soon as the loader
        # goes, not at the garbage collector's next pass.
        self._iterable: bool = loader._iterable
        self._index_source = (
            loader.batch_sampler if loader.batch_sampler is not None else loader.sampler
        )
        self._prefetch: int = loader.prefetch_factor
        self._num_workers: int = loader.num_workers
        self._persistent: bool = loader.persistent_workers
        self._in_order: bool = loader.in_order
        self._timeout: float = loader.timeout
        self._capacity: int = loader.prefetch_factor * self._num_workers
        context = loader.multiprocessing_context
        if context is None:
            context = multiprocessing.get_context()  # the platform's default start method
        # As PyTorch, one base seed per iterator, from the loader's generator (or the global
        # one), drawn before the sampler's own draws; a persistent iterator keeps it. PyTorch's
        # iterator calls iter() on the sampler before and again after that draw (a sampler that
        # draws in __iter__ draws twice), and so does this one, for the same random stream.
        iter(self._index_source)
        generator = loader.generator
        base_seed = _backend.rng_seed(None if generator is None else generator._rng)
        job = _worker.Job(
            dataset=loader.dataset,
            collate_fn=loader.collate_fn,
            auto_collation=bool(loader._auto_collation),
            batch_size=loader.batch_size,
            drop_last=loader.drop_last,
            iterable=loader._iterable,
            worker_init_fn=loader.worker_init_fn,
            num_workers=self._num_workers,
            base_seed=base_seed,
        )
        self._outbox = context.Queue()
        self._inboxes: list[Any] = []
        # Set when the workers are told to stop: a worker skips the tasks still in its inbox
        # rather than loading batches nobody will read before it reaches the stop.
        stopping = context.Event()
        # How long the stop waits for a busy worker: short after a timeout, when a worker
        # may be stuck (a list, so that the finalizer sees a change).
        self._grace = [_JOIN_SECONDS]
        self._stopper = weakref.finalize(
            self,
            _stop_workers,
            self._owner_pid,
            self._workers,
            self._inboxes,
            self._outbox,
            stopping,
            self._grace,
        )
        for worker_id in range(self._num_workers):
            inbox = context.Queue()
            process = context.Process(
                target=_worker.run,
                args=(job, worker_id, inbox, self._outbox, self._owner_pid, stopping),
                daemon=True,  # ended with the loading process if nothing else stops it
            )
            self._inboxes.append(inbox)
            process.start()
            self._workers.append(process)
        self._epoch = -1
        self._broken: str | None = None  # why the workers were stopped, after a death
        self._dataset = loader.dataset  # named in the warning of a wrong IterableDataset len
        self._start_epoch(loader._IterableDataset_len_called)

    def _start_epoch(self, len_called: int | None) -> None:
        # As PyTorch: an iterable dataset's len() read by len(loader) before this pass; more
        # batches than that warn.
        self._len_called = len_called if self._iterable else None
        self._yielded = 0

        self._epoch += 1
        if self._iterable:
            self._indices: Any = itertools.repeat(None)  # a worker's stream picks the items
        else:
            self._indices = iter(self._index_source)
        self._active = [True] * self._num_workers
        self._load = [0] * self._num_workers  # each worker's tasks sent and not yet yielded
        self._turn = itertools.cycle(range(self._num_workers))
        self._sent = 0  # tasks numbered so far this epoch
        self._next = 0  # the task number in_order yields next
        self._pending = 0  # tasks sent and not yet yielded or skipped
        self._ready: dict[int, tuple[int, str, Any]] = {}
        self._done = False
        while self._pending < self._capacity and self._send_one():
            pass

    def _send_one(self) -> bool:
        """Send the next task to the next worker that takes one; False when none does or the
        sampler is spent."""
        for _ in range(self._num_workers):
            worker_id = next(self._turn)
            # In order, the workers take turns (PyTorch's order). Out of order, a worker
            # with its prefetch_factor tasks out is passed over, so that the tasks freed by
            # a fast worker go back to it rather than queue behind a slow one.
            if self._active[worker_id] and (
                self._in_order or self._load[worker_id] < self._prefetch
            ):
                break
        else:
            return False
        try:
            indices = next(self._indices)
        except StopIteration:
            return False
        self._inboxes[worker_id].put((self._epoch, self._sent, indices))
        self._sent += 1
        self._pending += 1
        self._load[worker_id] += 1
        return True

    def __iter__(self) -> WorkerPoolIterator:
        return self

    def __len__(self) -> int:
        # As PyTorch's iterator: the length of what yields the indices, which needs no loader
        # (``iter(DataLoader(...))`` keeps none alive). An IterableDataset's stream has none,
        # even where ``len(loader)`` has one; the message is PyTorch's.
        if self._iterable:
            raise TypeError("object of type '_InfiniteConstantSampler' has no len()")
        return len(self._index_source)  # type: ignore[no-any-return]

    def __next__(self) -> Any:
        while True:
            if self._done:
                raise StopIteration
            reply = self._take_ready()
            if reply is not None:
                worker_id, kind, payload = reply
                self._pending -= 1
                self._load[worker_id] -= 1
                if self._pending < self._capacity:
                    self._send_one()  # before a re-raise too: the next call goes on loading
                if kind == _worker.DATA:
                    if self._len_called is not None:
                        self._warn_past_length()
                    return payload
                if kind == _worker.ERROR:
                    raise _rebuild(*payload)
                continue  # an END: that task yields nothing
            if self._pending == 0:
                self._done = True
                if not self._persistent:
                    self._shutdown()
                raise StopIteration
            self._receive()

    def _warn_past_length(self) -> None:
        from arraygrad.utils.data.dataloader import _past_length_message

        self._yielded += 1
        if self._len_called is not None and self._yielded > self._len_called:
            message = _past_length_message(self._dataset, self._len_called, self._yielded)
            warnings.warn(
                message + " With workers, each one iterates its own copy of the dataset: "
                "shard the stream with get_worker_info() in __iter__, or every worker yields "
                "all of it.",
                UserWarning,
                stacklevel=3,
            )

    def _take_ready(self) -> tuple[int, str, Any] | None:
        if not self._in_order:
            if not self._ready:
                return None
            return self._ready.pop(next(iter(self._ready)))  # the earliest to arrive
        reply = self._ready.pop(self._next, None)
        if reply is not None:
            self._next += 1
        return reply

    def _receive(self) -> None:
        """Wait for one reply of this epoch and file it in ``_ready``; raise PyTorch's errors
        when the timeout passes or a worker has died."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = _POLL_SECONDS
            if deadline is not None:
                wait = min(wait, max(deadline - time.monotonic(), 0.0))
            try:
                message = self._outbox.get(timeout=wait)
            except queue.Empty:
                dead = [w for w in self._workers if not w.is_alive()]
                if dead:
                    pids = ", ".join(str(w.pid) for w in dead)
                    self._fail(f"DataLoader worker (pid(s) {pids}) exited unexpectedly")
                if deadline is not None and time.monotonic() >= deadline:
                    # Nothing is lost: as PyTorch's, the iterator (and a persistent loader's
                    # next pass) goes on with the same workers if the caller carries on.
                    self._grace[0] = _POLL_SECONDS
                    raise RuntimeError(
                        f"DataLoader timed out after {self._timeout} seconds"
                        ". Fix: pass a larger timeout (or timeout=0 to wait forever), or "
                        "make the dataset's __getitem__ faster."
                    ) from None
                continue
            self._grace[0] = _JOIN_SECONDS  # the workers answer again
            epoch, task, worker_id, kind, payload = pickle.loads(message)
            if epoch != self._epoch:
                continue  # a reply to a pass a persistent iterator has left
            if kind == _worker.END:
                self._active[worker_id] = False
            self._ready[task] = (worker_id, kind, payload)
            return

    def _reset(self, loader: Any) -> WorkerPoolIterator:
        """A new pass of a persistent iterator, on the workers it already has."""
        if self._broken is not None:
            raise RuntimeError(self._broken)  # its workers are stopped: as PyTorch, say why
        self._start_epoch(loader._IterableDataset_len_called)
        return self

    def _fail(self, message: str) -> NoReturn:
        self._done = True
        self._broken = message
        # After a death nothing more is read from the workers: a worker still busy with a
        # batch is terminated rather than waited for.
        self._shutdown(grace=_POLL_SECONDS)
        raise RuntimeError(message) from None

    def _shutdown(self, grace: float | None = None) -> None:
        if grace is not None:
            self._grace[0] = grace
        self._stopper()  # stops the workers once; nothing after that


def _stop_workers(
    owner_pid: int,
    workers: list[Any],
    inboxes: list[Any],
    outbox: Any,
    stopping: Any,
    grace: list[float],
) -> None:
    """Stop every worker, terminating one still busy after ``grace[0]`` seconds, and reap it
    (no zombies); then close the queues.

    A ``weakref.finalize`` of the iterator calls it, not ``__del__``: the finalizer holds the
    queues, so that they outlive an iterator collected in a reference cycle (whose queues'
    own finalizers would otherwise stop their feeder threads before the workers were told to
    stop), and it also runs at interpreter exit.
    """
    if os.getpid() != owner_pid:
        return  # a forked child's copy: only the process that started the workers stops them
    stopping.set()
    for inbox in inboxes:
        with contextlib.suppress(OSError, ValueError):  # already closed
            inbox.put(None)
    deadline = time.monotonic() + grace[0]
    for process in workers:
        process.join(max(deadline - time.monotonic(), 0.0))
        if process.is_alive():
            process.terminate()
            process.join()
    for inbox in inboxes:
        inbox.cancel_join_thread()  # tasks no worker will read: do not wait to flush them
        inbox.close()
    outbox.close()


class _ReadableMessage(str):
    """A KeyError's message that prints as text: KeyError shows its argument's repr, which
    would put the worker's traceback on one line with escaped newlines."""

    def __repr__(self) -> str:
        return str(self)


def _rebuild(kind: type[BaseException] | None, message: str) -> BaseException:
    """The worker's exception, raised again here: the same class with PyTorch's message, or a
    RuntimeError when that class cannot be made from a message alone."""
    if kind is None:
        return RuntimeError(message)
    if issubclass(kind, KeyError):
        message = _ReadableMessage(message)
    try:
        return kind(message)
    except Exception:
        return RuntimeError(message)
