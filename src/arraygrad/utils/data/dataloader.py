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


def get_worker_info() -> None:
    """Information about the DataLoader worker process running this code: always ``None``,
    as in PyTorch's main process, because arraygrad's DataLoader loads every batch in the main
    process (``num_workers`` is accepted and ignored). Code that splits an
    ``IterableDataset`` between workers takes its single-process branch."""
    return None


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

    ``num_workers`` and the other multiprocessing options are accepted; arraygrad loads every
    batch in the calling process (in the same order PyTorch's workers would deliver them).

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
        self.dataset = dataset
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.generator = generator
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
        if self._iterable:
            return self._iter_stream()
        if self.batch_sampler is None:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)  # type: ignore[union-attr]
        return self._iter_batches()

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
