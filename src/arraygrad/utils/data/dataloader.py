"""The DataLoader: batches of samples from a dataset, collated into tensors."""

from __future__ import annotations

import itertools
import os
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from arraygrad import _backend, _dtype, accelerator
from arraygrad._tensor import Tensor
from arraygrad.utils.data import _worker
from arraygrad.utils.data._collate import default_collate, default_convert
from arraygrad.utils.data.dataset import IterableDataset, Subset, TensorDataset
from arraygrad.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
)

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]


def get_worker_info() -> _worker.WorkerInfo | None:
    """Which DataLoader worker process runs this code: ``None`` in the loading process (and
    with ``num_workers=0``); in a worker, a read-only record of its ``id``, ``num_workers``,
    ``seed`` and ``dataset`` (the worker's own copy), as PyTorch's. An ``IterableDataset``
    reads it in ``__iter__`` to give each worker its own share of the items.

    >>> get_worker_info() is None
    True
    """
    return _worker.current_info()


class DataLoader:
    """Iterate over ``dataset`` in batches: the training loop's source of data.

    Args:
        dataset: a map-style :class:`Dataset` (``__getitem__`` and ``__len__``; a batch is
            read with one ``__getitems__(indices)`` call where the dataset has one) or an
            :class:`IterableDataset`.
        batch_size: samples per batch (``None`` yields single samples, not collated).
        shuffle: visit the samples in a new random order on every pass.
        sampler / batch_sampler: a custom order of indices / of index batches.
        collate_fn: merges a list of samples into a batch (default :func:`default_collate`).
        drop_last: skip the last batch when it is smaller than ``batch_size``.
        generator: an :class:`arraygrad.Generator` for the shuffling order (otherwise the
            global generator that :func:`arraygrad.manual_seed` seeds).

    With ``num_workers=0`` (the default) every batch is loaded in the calling process. With
    ``num_workers > 0``, as PyTorch's loader:

    - that many worker processes are started from ``multiprocessing_context`` (a start method
      name or a context; by default the platform's default method) when iteration begins, each
      with its own copy of the dataset; the calling process samples the indices and hands the
      batches to the workers in turn, with at most ``prefetch_factor * num_workers`` (2 per
      worker by default) in flight; ``collate_fn`` runs in the worker. Batches come back in the
      sampler's order, or as they are ready with ``in_order=False``.
    - Each pass draws a base seed from ``generator`` (or the global generator, which this
      advances); worker ``i`` seeds arraygrad's global generator and Python's ``random`` with
      ``base_seed + i``, and NumPy's global generator from both, before
      ``worker_init_fn(i)`` runs: random augmentations differ between workers and between
      passes, and repeat after the same :func:`arraygrad.manual_seed`. Inside a worker
      :func:`get_worker_info` tells its ``id``, ``num_workers``, ``seed`` and ``dataset``.
    - An ``IterableDataset`` is iterated whole by every worker (shard it with
      :func:`get_worker_info`, or each item comes ``num_workers`` times); batches alternate
      between the workers, and a worker whose stream ends stops contributing.
    - The workers stop at the end of each pass, or when the iterator is deleted; with
      ``persistent_workers=True`` they serve every pass of the loader. An exception in a worker
      is raised again in the calling process with the worker's traceback in its message;
      ``timeout`` (seconds, 0: none) bounds each wait for a batch; a worker that dies is a
      RuntimeError.
    - Samples and batches cross between processes pickled: each process has its own copy of
      the values (arraygrad has no shared memory), so the dataset, the samples and the
      ``collate_fn`` must be picklable with ``spawn``/``forkserver``, and the batches always.

    >>> import arraygrad
    >>> from arraygrad.utils.data import TensorDataset
    >>> loader = DataLoader(TensorDataset(arraygrad.arange(5)), batch_size=2, drop_last=True)
    >>> len(loader), [batch[0].tolist() for batch in loader]
    (2, [[0, 1], [2, 3]])
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler[Any] | Iterable[Any] | None = None,
        batch_sampler: Sampler[Any] | Iterable[list[Any]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Any = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable "
                "multiprocessing."
                f" (got num_workers={num_workers}). Fix: pass num_workers >= 0."
            )
        if timeout < 0:
            raise ValueError(
                "timeout option should be non-negative"
                f", got {timeout}. Fix: pass timeout=0 (no timeout) or a "
                "positive number of seconds."
            )
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing.let "
                "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None."
                f" (got prefetch_factor={prefetch_factor}). Fix: pass "
                "prefetch_factor=None, or num_workers > 0."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError(
                "prefetch_factor option should be non-negative"
                f" (got prefetch_factor={prefetch_factor}). Fix: pass prefetch_factor >= "
                "0."
            )
        if persistent_workers and num_workers == 0:
            raise ValueError(
                "persistent_workers option needs num_workers > 0"
                ". Fix: pass num_workers > 0, or persistent_workers=False."
            )
        self.dataset = dataset
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.generator = generator
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self._multiprocessing_context: Any = None
        self.multiprocessing_context = multiprocessing_context
        self._iterator: Any = None  # the persistent workers' iterator, made on first use
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (None, False):
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified shuffle option, but "
                    f"got shuffle={shuffle}"
                    ". Fix: drop shuffle; an IterableDataset orders its own "
                    "items."
                )
            if sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified sampler option, but "
                    f"got sampler={sampler}"
                    ". Fix: drop sampler; an IterableDataset orders its own "
                    "items."
                )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                    f"but got batch_sampler={batch_sampler}"
                    ". Fix: drop batch_sampler; use batch_size with an "
                    "IterableDataset."
                )
        if sampler is not None and shuffle:
            raise ValueError(
                "sampler option is mutually exclusive with shuffle"
                ". Fix: pass shuffle=False with a sampler (shuffle inside the"
                " sampler, e.g. RandomSampler)."
            )
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and drop_last"
                    ". Fix: pass only batch_sampler, or only "
                    "batch_size/shuffle/sampler/drop_last."
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive with "
                "drop_last"
                ". Fix: pass a batch_size, or drop_last=False."
            )
        if sampler is None:
            if self._iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)  # type: ignore[arg-type]
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self._auto_collation = batch_sampler is not None
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        # len(dataset) of an IterableDataset once len(loader) was asked: an iterator made after
        # that warns when it yields more batches, as PyTorch's.
        self._IterableDataset_len_called: int | None = None
        self._initialized = True
        _check_worker_number(num_workers)

    def __setattr__(self, name: str, value: Any) -> None:
        # As PyTorch: the sampling setup is fixed once made (a new sampler would not reach the
        # batch sampler built from the old one).
        if name in _FIXED_ATTRIBUTES and self.__dict__.get("_initialized", False):
            raise ValueError(
                f"{name} attribute should not be set after {type(self).__name__} is initialized. "
                "Fix: build a new DataLoader with the new value."
            )
        object.__setattr__(self, name, value)

    @property
    def multiprocessing_context(self) -> Any:
        """How worker processes start: a :mod:`multiprocessing` context, or ``None`` for the
        platform's default; a start method's name is taken and turned into its context."""
        return self._multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context: Any) -> None:
        if context is not None:
            if self.num_workers == 0:
                raise ValueError(
                    "multiprocessing_context can only be used with multi-process loading "
                    f"(num_workers > 0), but got num_workers={self.num_workers}"
                    ". Fix: pass num_workers > 0, or drop multiprocessing_context."
                )
            import multiprocessing  # only here and in the workers' iterator: import cost

            if isinstance(context, str):
                methods = multiprocessing.get_all_start_methods()
                if context not in methods:
                    raise ValueError(
                        "multiprocessing_context option should specify a valid start method "
                        f"in {methods!r}, but got multiprocessing_context={context!r}"
                        f". Fix: pass one of {methods!r}."
                    )
                context = multiprocessing.get_context(context)
            if not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError(
                    "multiprocessing_context option should be a valid context object or a "
                    f"string specifying the start method, but got multiprocessing_context={context}"
                    ". Fix: pass multiprocessing.get_context(method) or a start method name."
                )
        self._multiprocessing_context = context

    def __len__(self) -> int:
        if self._iterable:
            # TypeError when the iterable has no length, as in PyTorch.
            length = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                if self.drop_last:
                    return length // self.batch_size
                return -(-length // self.batch_size)
            return length
        if self.batch_sampler is not None:
            return len(self.batch_sampler)  # type: ignore[arg-type]
        return len(self.sampler)  # type: ignore[arg-type]

    @property
    def _index_sampler(self) -> Any:
        """What yields the indices of each batch (or of each sample without batching)."""
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self) -> Iterator[Any]:
        if self.pin_memory and self.pin_memory_device:
            warnings.warn(
                "pin_memory_device is deprecated: memory is pinned for the current accelerator, "
                f"so pin_memory_device={self.pin_memory_device!r} is ignored.",
                UserWarning,
                stacklevel=2,
            )
        if self.pin_memory and not accelerator.is_available():
            # As PyTorch's loader: Tensor.pin_memory() would raise, so batches are not pinned.
            warnings.warn(
                "'pin_memory' argument is set as true but no accelerator is found, then device "
                "pinned memory won't be used.",
                UserWarning,
                stacklevel=2,
            )
        if self.num_workers > 0:
            return self._worker_iterator()
        if self.timeout != 0:
            raise AssertionError(
                f"_SingleProcessDataLoaderIter requires timeout == 0, got timeout={self.timeout}. "
                "Fix: a timeout bounds the wait for a worker; use it with num_workers > 0."
            )
        # As PyTorch's iterator, in its order: the sampler's iterator first (a sampler that
        # draws in __iter__ draws now), then a base seed (for workers) from the loader's
        # generator or the global one, even without workers, then the dataset's stream.
        indices = iter(self._index_sampler)
        _backend.rng_seed(None if self.generator is None else self.generator._rng)
        batches: Iterator[Any]
        if self._iterable:
            batches = self._iter_stream(iter(self.dataset))
            if self._IterableDataset_len_called is not None:
                batches = _warn_past_length(batches, self.dataset, self._IterableDataset_len_called)
        elif self.batch_sampler is None:
            batches = (self.collate_fn(self.dataset[i]) for i in indices)
        else:
            batches = self._iter_batches(indices)
        return _SingleProcessIterator(batches, self._index_sampler)

    def _worker_iterator(self) -> Iterator[Any]:
        if self.prefetch_factor == 0:
            raise AssertionError(
                "prefetch_factor must be greater than 0 for MultiProcessingDataLoaderIter"
                f" (got prefetch_factor={self.prefetch_factor}). Fix: pass prefetch_factor >= "
                "1, or None for the default of 2."
            )
        from arraygrad.utils.data._multiprocessing_iter import WorkerPoolIterator

        if not self.persistent_workers:
            _check_worker_number(self.num_workers, stacklevel=4)  # from iter(loader)
            return WorkerPoolIterator(self)
        if self._iterator is None:
            _check_worker_number(self.num_workers, stacklevel=4)  # from iter(loader)
            self._iterator = WorkerPoolIterator(self)
            return self._iterator  # type: ignore[no-any-return]
        return self._iterator._reset(self)  # type: ignore[no-any-return]

    def _iter_batches(self, batches_of_indices: Iterator[Any]) -> Iterator[Any]:
        rows = _tensor_rows(self.dataset) if self.collate_fn is default_collate else None
        # A dataset's __getitems__ loads a whole batch in one call, as PyTorch's fetcher uses it.
        getitems = getattr(self.dataset, "__getitems__", None)
        for indices in batches_of_indices:
            if rows is not None:
                batch = _gather(rows, list(indices))
                if batch is not None:
                    yield batch
                    continue
            if getitems:
                yield self.collate_fn(getitems(indices))
            else:
                yield self.collate_fn([self.dataset[i] for i in indices])

    def _iter_stream(self, stream: Iterator[Any]) -> Iterator[Any]:
        if not self._auto_collation:
            yield from (self.collate_fn(sample) for sample in stream)
            return
        assert self.batch_size is not None
        while True:
            batch = list(itertools.islice(stream, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield self.collate_fn(batch)
            if len(batch) < self.batch_size:
                return  # the stream ended: PyTorch does not ask it again


# Attributes a DataLoader refuses to change after __init__, as PyTorch's.
_FIXED_ATTRIBUTES = frozenset(
    ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")
)


class _InfiniteConstantSampler(Sampler[None]):
    """The sampler of a loader over an ``IterableDataset``: ``None`` forever (the dataset's
    own stream picks the samples), as PyTorch's of the same name."""

    def __iter__(self) -> Iterator[None]:
        while True:
            yield None


class _SingleProcessIterator(itertools.chain):  # type: ignore[type-arg]
    """The iterator of a loader without workers: the batches, with ``len()`` (that of the
    sampler) and no pickling, as PyTorch's ``_SingleProcessDataLoaderIter``. A subclass of
    ``itertools.chain`` so that taking a batch stays a C call into the batch generator."""

    _index_sampler: Any

    def __new__(cls, batches: Iterator[Any], index_sampler: Any) -> _SingleProcessIterator:
        iterator = super().__new__(cls, batches)
        iterator._index_sampler = index_sampler
        return iterator

    def __len__(self) -> int:
        return len(self._index_sampler)  # type: ignore[no-any-return]

    def __reduce_ex__(self, protocol: Any) -> Any:
        # PyTorch's class of error (its message is a tuple it forgot to format).
        raise NotImplementedError(
            "_SingleProcessDataLoaderIter cannot be pickled: a DataLoader iterator holds a "
            "running pass. Fix: pickle the DataLoader (or its dataset) and iterate it again."
        )


def _warn_past_length(batches: Iterator[Any], dataset: Any, length: int) -> Any:
    """``batches``, warning at each one past ``length`` (the ``len(dataset)`` that
    ``len(loader)`` read), as PyTorch's loader does: the dataset's ``__len__`` is wrong."""
    for count, batch in enumerate(batches, 1):
        if count > length:
            warnings.warn(_past_length_message(dataset, length, count), stacklevel=2)
        yield batch


def _past_length_message(dataset: Any, length: int, count: int) -> str:
    return (
        f"Length of IterableDataset {dataset} was reported to be {length} (by len(dataloader)), "
        f"but {count} batches have been fetched. Fix: make its __len__ return the number of "
        "items it yields."
    )


def _check_worker_number(num_workers: int, stacklevel: int = 3) -> None:
    """PyTorch's warning for more workers than this process may run on CPUs (``stacklevel``:
    where the user's call is, seen from here)."""
    if not num_workers:
        return
    affinity = hasattr(os, "sched_getaffinity")  # the CPUs this process may run on
    cpus = len(os.sched_getaffinity(0)) if affinity else os.cpu_count()
    if cpus is not None and num_workers <= cpus:
        return
    if cpus is None:
        found = "the number of CPUs this process may use is unknown"
    else:
        found = f"this process may use {cpus} CPUs{'' if affinity else ' (affinity unchecked)'}"
    warnings.warn(
        f"This DataLoader will create {num_workers} worker processes in total, and {found}: too "
        "many workers can make loading slow or freeze it. Fix: lower num_workers.",
        UserWarning,
        stacklevel=stacklevel,
    )


def _tensor_rows(dataset: Any) -> tuple[TensorDataset, list[int] | None] | None:
    """The TensorDataset under ``dataset`` (through Subsets) with the composed row indices."""
    indices: list[int] | None = None
    while type(dataset) is Subset:
        outer = list(dataset.indices)
        indices = outer if indices is None else [outer[i] for i in indices]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset:
        return None
    if any(t.requires_grad for t in dataset.tensors):
        return None  # the per-sample path keeps the graph
    return dataset, indices


def _gather(
    rows_of: tuple[TensorDataset, list[int] | None], batch: list[int]
) -> list[Tensor] | None:
    """``default_collate([dataset[i] for i in batch])`` for tensor rows, in one take per tensor,
    or ``None`` when the indices are not all Python ints (bools, floats, NumPy or tensor
    indices): the caller then reads the samples one by one, as PyTorch does, with what
    indexing does with them.

    The rows of a TensorDataset (possibly behind Subsets) are gathered with one indexed read per
    tensor instead of one per sample; the values are the same as stacking the samples.
    """
    base, mapping = rows_of
    # Subset maps its indices through Python lists, which also accepts negative indices.
    rows = [mapping[i] for i in batch] if mapping is not None else batch
    if set(map(type, rows)) != {int}:  # also an empty batch: default_collate's error
        return None
    n = len(base)
    low, high = min(rows), max(rows)
    if low < -n or high >= n:
        bad = next(r for r in rows if not -n <= r < n)
        raise IndexError(
            f"index {bad} is out of bounds for dimension 0 with size {n}"
            f". Fix: sample indices in [0, {n}), i.e. below len(dataset)."
        )
    if low < 0:
        rows = [r + n if r < 0 else r for r in rows]
    index = _backend.asarray(rows, dtype=_dtype.to_xp(_dtype.int64))
    return [
        Tensor._wrap(_backend.ensure_array(_backend.xp.take(t._data, index, axis=0)))
        for t in base.tensors
    ]
