"""The DataLoader: batches of samples from a dataset, collated into tensors."""

from __future__ import annotations

import collections.abc
import copy
import itertools
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from arraygrad import _backend, _dtype, accelerator
from arraygrad._tensor import Tensor
from arraygrad.utils.data import _worker
from arraygrad.utils.data.dataset import IterableDataset, Subset, TensorDataset
from arraygrad.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
)

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]

_COLLATE_ERROR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def _stack(tensors: list[Tensor]) -> Tensor:
    shapes = [tuple(t._data.shape) for t in tensors]
    for i, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shapes[0])} at entry 0 "
                f"and {list(shape)} at entry {i}"
            )
    if any(t.requires_grad for t in tensors):
        import arraygrad  # the differentiable stack, so gradients reach the samples

        return arraygrad.stack(tensors)  # type: ignore[attr-defined]
    dtypes = {t.dtype for t in tensors}
    arrays = [t._data for t in tensors]
    if len(dtypes) > 1:
        common = _dtype.to_xp(_promote(dtypes))
        arrays = [_backend.xp.astype(a, common) for a in arrays]
    return Tensor._wrap(_backend.ensure_array(_backend.xp.stack(arrays)))


def _promote(dtypes: set[_dtype.dtype]) -> _dtype.dtype:
    result = None
    for d in dtypes:
        result = d if result is None else _dtype.promote_types(result, d)
    assert result is not None
    return result


def _is_text_array(array: Any) -> bool:
    # NumPy arrays of strings or Python objects cannot become tensors.
    return getattr(array.dtype, "kind", "") in ("U", "S", "O")


def default_collate(batch: Any) -> Any:
    """Merge a list of samples into a batch, as PyTorch's ``default_collate``.

    Tensors and arrays are stacked along a new first dimension; Python floats become a float64
    tensor, ints an int64 tensor, bools a bool tensor; strings stay a sequence; dicts, named
    tuples, tuples and lists are collated field by field (tuples give lists, as in PyTorch).

    >>> import arraygrad
    >>> default_collate([(arraygrad.tensor([1.0]), 0), (arraygrad.tensor([2.0]), 1)])
    [tensor([[1.],
            [2.]]), tensor([0, 1])]
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack(batch)
    if _backend.is_array(elem):
        if _is_text_array(elem):
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        return _stack([Tensor._wrap(_backend.asarray(b)) for b in batch])
    if isinstance(elem, bool):
        return Tensor._wrap(_backend.asarray(batch, dtype=_dtype.to_xp(_dtype.bool_)))
    if isinstance(elem, int):
        return Tensor._wrap(_backend.asarray(batch, dtype=_dtype.to_xp(_dtype.int64)))
    if isinstance(elem, float):
        return Tensor._wrap(_backend.asarray(batch, dtype=_dtype.to_xp(_dtype.float64)))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        if isinstance(elem, collections.abc.MutableMapping):
            try:
                clone = copy.copy(elem)
                clone.update(collated)
                return clone
            except TypeError:
                return collated
        return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch, strict=True)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(samples) for samples in zip(*batch, strict=True)]
        if isinstance(elem, list):
            return columns
        if isinstance(elem, tuple):
            return columns  # PyTorch returns a list for tuples too (backwards compatibility)
        try:
            return type(elem)(columns)  # type: ignore[call-arg]
        except TypeError:
            return columns
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


def get_worker_info() -> _worker.WorkerInfo | None:
    """Which DataLoader worker process runs this code: ``None`` in the loading process (and
    with ``num_workers=0``); in a worker, a read-only record of its ``id``, ``num_workers``,
    ``seed`` and ``dataset`` (the worker's own copy), as PyTorch's. An ``IterableDataset``
    reads it in ``__iter__`` to give each worker its own share of the items.

    >>> get_worker_info() is None
    True
    """
    return _worker.current_info()


def default_convert(data: Any) -> Any:
    """Arrays (and arrays inside dicts, lists, tuples) to tensors; everything else unchanged."""
    if isinstance(data, Tensor):
        return data
    if _backend.is_array(data) and not _is_text_array(data):
        return Tensor._wrap(_backend.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (list, tuple)):
        return type(data)(default_convert(d) for d in data)
    return data


class DataLoader:
    """Iterate over ``dataset`` in batches: the training loop's source of data.

    Args:
        dataset: a map-style :class:`Dataset` (``__getitem__`` and ``__len__``) or an
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
            )
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing.let "
                "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
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
                )
            if sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified sampler option, but "
                    f"got sampler={sampler}"
                )
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                    f"but got batch_sampler={batch_sampler}"
                )
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, "
                    "sampler, and drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError(
                "batch_size=None option disables auto-batching and is mutually exclusive with "
                "drop_last"
            )
        if sampler is None and not self._iterable:
            sampler = (
                RandomSampler(dataset, generator=generator)
                if shuffle
                else SequentialSampler(dataset)
            )
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)  # type: ignore[arg-type]
        elif batch_size is not None and self._iterable:
            BatchSampler([], batch_size, drop_last)  # validates batch_size as PyTorch does
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self._auto_collation = batch_sampler is not None or (self._iterable and batch_size)
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

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
                )
            import multiprocessing  # only here and in the workers' iterator: import cost

            if isinstance(context, str):
                methods = multiprocessing.get_all_start_methods()
                if context not in methods:
                    raise ValueError(
                        "multiprocessing_context option should specify a valid start method "
                        f"in {methods!r}, but got multiprocessing_context={context!r}"
                    )
                context = multiprocessing.get_context(context)
            if not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError(
                    "multiprocessing_context option should be a valid context object or a "
                    f"string specifying the start method, but got multiprocessing_context={context}"
                )
        self._multiprocessing_context = context

    def __len__(self) -> int:
        if self._iterable:
            length = len(self.dataset)  # TypeError when the iterable has no length, as in PyTorch
            if self.batch_size is not None:
                if self.drop_last:
                    return length // self.batch_size
                return -(-length // self.batch_size)
            return length
        if self.batch_sampler is not None:
            return len(self.batch_sampler)  # type: ignore[arg-type]
        return len(self.sampler)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Any]:
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
        # PyTorch's iterator draws a base seed (for workers) from the loader's generator, or
        # the global one, even without workers: the shuffles after it draw what PyTorch's do.
        _backend.rng_seed(None if self.generator is None else self.generator._rng)
        if self._iterable:
            return self._iter_stream()
        if self.batch_sampler is None:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)  # type: ignore[union-attr]
        return self._iter_batches()

    def _worker_iterator(self) -> Iterator[Any]:
        if self.prefetch_factor == 0:
            raise AssertionError(
                "prefetch_factor must be greater than 0 for MultiProcessingDataLoaderIter"
            )
        from arraygrad.utils.data._multiprocessing_iter import WorkerPoolIterator

        if not self.persistent_workers:
            return WorkerPoolIterator(self)
        if self._iterator is None:
            self._iterator = WorkerPoolIterator(self)
            return self._iterator  # type: ignore[no-any-return]
        return self._iterator._reset()  # type: ignore[no-any-return]

    def _iter_batches(self) -> Iterator[Any]:
        rows = _tensor_rows(self.dataset) if self.collate_fn is default_collate else None
        for indices in self.batch_sampler:  # type: ignore[union-attr]
            if rows is not None:
                yield _gather(rows, list(indices))
            else:
                yield self.collate_fn([self.dataset[i] for i in indices])

    def _iter_stream(self) -> Iterator[Any]:
        stream = iter(self.dataset)
        if not self._auto_collation:
            yield from (self.collate_fn(sample) for sample in stream)
            return
        assert self.batch_size is not None
        while True:
            batch = list(itertools.islice(stream, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield self.collate_fn(batch)


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


def _gather(rows_of: tuple[TensorDataset, list[int] | None], batch: list[int]) -> list[Tensor]:
    """``default_collate([dataset[i] for i in batch])`` for tensor rows, in one take per tensor.

    The rows of a TensorDataset (possibly behind Subsets) are gathered with one indexed read per
    tensor instead of one per sample; the values are the same as stacking the samples.
    """
    base, mapping = rows_of
    # Subset maps its indices through Python lists, which also accepts negative indices.
    rows = [mapping[i] for i in batch] if mapping is not None else batch
    n = len(base)
    rows = [r + n if r < 0 else r for r in rows]
    if any(r < 0 or r >= n for r in rows):
        bad = next(r for r in rows if r < 0 or r >= n)
        raise IndexError(f"index {bad} is out of bounds for dimension 0 with size {n}")
    index = _backend.asarray(rows, dtype=_dtype.to_xp(_dtype.int64))
    return [
        Tensor._wrap(_backend.ensure_array(_backend.xp.take(t._data, index, axis=0)))
        for t in base.tensors
    ]
