"""Datasets: indexable collections of samples, and ways to combine and split them."""

from __future__ import annotations

import bisect
import math
import numbers
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

from arraygrad import _backend
from arraygrad._tensor import Tensor

__all__ = [
    "ChainDataset",
    "ConcatDataset",
    "Dataset",
    "IterableDataset",
    "StackDataset",
    "Subset",
    "TensorDataset",
    "random_split",
]

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """A map-style dataset: subclasses define ``__getitem__(index)`` and ``__len__()``.

    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 3
    ...     def __getitem__(self, i):
    ...         return i * i
    >>> [Squares()[i] for i in range(3)]
    [0, 1, 4]
    """

    def __getitem__(self, index: Any) -> T_co:
        raise NotImplementedError(
            "Subclasses of Dataset should implement __getitem__."
            " Fix: define __getitem__(self, index) in your Dataset "
            "subclass."
        )

    def __add__(self, other: Dataset[T_co]) -> ConcatDataset[T_co]:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co], Iterable[T_co]):
    """A dataset read as a stream: subclasses define ``__iter__()``. As PyTorch's, it is an
    abstract :class:`collections.abc.Iterable`: a subclass without ``__iter__`` cannot be
    instantiated (TypeError). A DataLoader batches what it yields, in order (it takes no
    sampler); ``a + b`` chains two streams.

    >>> import arraygrad
    >>> class Stream(arraygrad.utils.data.IterableDataset):
    ...     def __iter__(self):
    ...         return iter(range(3))
    >>> list(arraygrad.utils.data.DataLoader(Stream(), batch_size=2))
    [tensor([0, 1]), tensor([2])]
    """

    def __add__(self, other: Dataset[T_co]) -> ChainDataset[T_co]:  # type: ignore[override]
        # Streams are chained, not concatenated by index.
        return ChainDataset([self, other])


def _require_iterable(dataset: Any) -> None:
    if not isinstance(dataset, IterableDataset):
        raise AssertionError("ChainDataset only supports IterableDataset")


class ChainDataset(IterableDataset[T_co]):
    """Several iterable datasets read one after the other (``a + b`` for two of them). The
    datasets are checked when iterated or measured, as in PyTorch.

    >>> class Count(IterableDataset):
    ...     def __init__(self, n):
    ...         self.n = n
    ...     def __iter__(self):
    ...         return iter(range(self.n))
    >>> list(ChainDataset([Count(2), Count(3)]))
    [0, 1, 0, 1, 2]
    """

    def __init__(self, datasets: Iterable[Dataset[T_co]]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[T_co]:
        for dataset in self.datasets:
            _require_iterable(dataset)
            yield from dataset  # type: ignore[misc]

    def __len__(self) -> int:
        total = 0
        for dataset in self.datasets:
            _require_iterable(dataset)
            total += len(dataset)  # type: ignore[arg-type]
        return total


class TensorDataset(Dataset[tuple[Tensor, ...]]):
    """Samples are the rows of tensors sharing their first dimension: ``(x[i], y[i])``.

    >>> import arraygrad
    >>> data = TensorDataset(arraygrad.tensor([[1.0, 2.0], [3.0, 4.0]]), arraygrad.tensor([0, 1]))
    >>> data[1]
    (tensor([3., 4.]), tensor(1))
    """

    def __init__(self, *tensors: Tensor) -> None:
        sizes = [t.size(0) for t in tensors]
        if any(size != sizes[0] for size in sizes):
            # PyTorch raises AssertionError here; the same class is kept.
            raise AssertionError(
                f"Size mismatch between tensors: first dimensions {sizes}. Fix: every tensor "
                "needs one row per sample."
            )
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].size(0)


class Subset(Dataset[T_co]):
    """The samples of ``dataset`` at ``indices``, in that order: ``subset[i]`` is
    ``dataset[indices[i]]`` (nothing is copied). :func:`random_split` returns these.

    >>> import arraygrad
    >>> subset = arraygrad.utils.data.Subset([10, 11, 12, 13], [3, 0])
    >>> len(subset), list(subset)
    (2, [13, 10])
    """

    def __init__(self, dataset: Dataset[T_co], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices
        # The DataLoader fetches batches through __getitems__: a subclass that changes
        # __getitem__ alone would be bypassed, so PyTorch refuses it.
        cls = type(self)
        if cls.__getitem__ is not Subset.__getitem__ and cls.__getitems__ is Subset.__getitems__:
            raise NotImplementedError(
                f"{cls.__name__} overrides __getitem__ but not __getitems__, which a DataLoader "
                "calls for each batch: the override would be skipped. Fix: define "
                "__getitems__(self, indices) too, e.g. returning [self[i] for i in indices]."
            )

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]  # type: ignore[index]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list[T_co]:
        """The samples at ``indices``: one ``__getitems__`` call of the dataset when it has
        one (a DataLoader's batch), else one ``dataset[i]`` per index."""
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            return getitems([self.indices[i] for i in indices])  # type: ignore[no-any-return]
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset[T_co]):
    """Several map-style datasets one after the other: index ``i`` reads the dataset whose
    range of ``cumulative_sizes`` holds it (negative indices count from the end). An
    :class:`IterableDataset` is refused (AssertionError): chain those with ``+``.

    >>> import arraygrad
    >>> both = arraygrad.utils.data.ConcatDataset([[1, 2], [3, 4, 5]])
    >>> len(both), both[2], both[-1], both.cumulative_sizes
    (5, 3, 5, [2, 5])
    """

    def __init__(self, datasets: Sequence[Dataset[T_co]]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError(
                "datasets should not be an empty iterable"
                ". Fix: pass at least one dataset, e.g. ConcatDataset([a, b])."
            )
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError(
                    "ConcatDataset does not support IterableDataset"
                    f" (got {type(d).__name__}). Fix: join IterableDatasets with ChainDataset."
                )
        self.cumulative_sizes = self.cumsum(self.datasets)

    @staticmethod
    def cumsum(sequence: Iterable[Any]) -> list[int]:
        """The running totals of the lengths in ``sequence``: where each dataset ends."""
        totals, total = [], 0
        for part in sequence:
            total += len(part)
            totals.append(total)
        return totals

    @property
    def cummulative_sizes(self) -> list[int]:
        """The old, misspelt name of :attr:`cumulative_sizes` (a FutureWarning, as PyTorch)."""
        warnings.warn(
            "`cummulative_sizes` attribute is renamed to `cumulative_sizes`",
            FutureWarning,
            stacklevel=2,
        )
        return self.cumulative_sizes

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> T_co:
        if idx < 0:
            if -idx > len(self):
                raise ValueError(
                    "absolute value of index should not exceed dataset length"
                    f", got index {idx} for length {len(self)}. Fix: pass an index"
                    f" in [-{len(self)}, {len(self) - 1}]."
                )
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = 0 if which == 0 else self.cumulative_sizes[which - 1]
        return self.datasets[which][idx - start]


class StackDataset(Dataset[Any]):
    """Samples of several datasets of the same length side by side: ``StackDataset(x, y)[i]`` is
    ``(x[i], y[i])``, ``StackDataset(image=x, label=y)[i]`` is ``{"image": x[i], "label":
    y[i]}``.

    >>> StackDataset(range(3), "abc")[1]
    (1, 'b')
    >>> StackDataset(n=range(3), c="abc")[2]
    {'n': 2, 'c': 'c'}
    """

    datasets: tuple[Any, ...] | dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ValueError(
                "Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                "input/output, but both types are given."
                f" (got {len(args)} positional and keywords {sorted(kwargs)}). Fix: pass the "
                "datasets all positionally or all as keywords."
            )
        parts = args or tuple(kwargs.values())
        if not parts:
            raise ValueError(
                "At least one dataset should be passed"
                ". Fix: pass datasets positionally (StackDataset(a, b)) or by keyword "
                "(StackDataset(x=a, y=b))."
            )
        self._length = len(parts[0])
        if any(len(part) != self._length for part in parts):
            raise ValueError(
                "Size mismatch between datasets"
                f" (lengths {[len(part) for part in parts]}). Fix: stack datasets of equal "
                "length (trim them with Subset)."
            )
        self.datasets = args if args else dict(kwargs)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(self.datasets, dict):
            return {name: part[index] for name, part in self.datasets.items()}
        return tuple(part[index] for part in self.datasets)

    def __getitems__(self, indices: list[int]) -> list[Any]:
        """The samples at ``indices``; a part with its own ``__getitems__`` fetches its
        column in one call, which must return one item per index."""
        named = isinstance(self.datasets, dict)
        parts = self.datasets.items() if named else enumerate(self.datasets)  # type: ignore[union-attr]
        columns = {}
        for key, part in parts:
            getitems = getattr(part, "__getitems__", None)
            if callable(getitems):  # not merely present: a class may set it to None
                column = getitems(indices)
                if len(column) != len(indices):
                    raise ValueError(
                        "Nested dataset's output size mismatch. Expected "
                        f"{len(indices)}, got {len(column)}"
                        f". Fix: make {type(part).__name__}.__getitems__ return one sample per "
                        "index it is given."
                    )
            else:
                column = [part[i] for i in indices]
            columns[key] = column
        rows = range(len(indices))
        if named:
            return [{key: column[row] for key, column in columns.items()} for row in rows]
        return [tuple(column[row] for column in columns.values()) for row in rows]

    def __len__(self) -> int:
        return self._length


def random_split(
    dataset: Dataset[T_co],
    lengths: Sequence[int | float],
    generator: Any = None,
) -> list[Subset[T_co]]:
    """Split ``dataset`` at random into non-overlapping subsets of the given ``lengths``.

    ``lengths`` are sizes summing to ``len(dataset)``, or fractions summing to 1 (sizes are then
    ``floor(fraction * len)``, the remainder handed out one by one from the first subset).
    ``generator`` (an :class:`arraygrad.Generator`) makes the split reproducible.

    >>> import arraygrad
    >>> a, b = random_split(range(10), [0.7, 0.3], generator=arraygrad.Generator().manual_seed(0))
    >>> len(a), len(b), sorted([*a, *b]) == list(range(10))
    (7, 3, True)
    """
    n = len(dataset)  # type: ignore[arg-type]
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = []
        for i, fraction in enumerate(lengths):
            if fraction < 0 or fraction > 1:
                raise ValueError(
                    f"Fraction at index {i} is not between 0 and 1"
                    f" (got {fraction}). Fix: pass fractions in [0, 1] that sum to"
                    " 1."
                )
            sizes.append(math.floor(n * fraction))
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.",
                    stacklevel=2,
                )
        lengths = sizes
    if sum(lengths) != n:
        raise ValueError(
            "Sum of input lengths does not equal the length of the input dataset! "
            f"(lengths {list(lengths)} sum to {sum(lengths)}, the dataset has {n} samples)"
            f" Fix: pass lengths that sum to {n}, or fractions that sum to"
            " 1."
        )
    if not all(isinstance(length, numbers.Integral) for length in lengths):
        # sizes, not fractions: PyTorch's randperm refuses their float sum (a TypeError)
        raise TypeError(
            f"random_split() takes lengths that are all ints (sizes) or fractions summing to 1, "
            f"got {list(lengths)}. Fix: pass ints, e.g. {[int(length) for length in lengths]}."
        )
    rng = None if generator is None else generator._rng
    order = _backend.rng_permutation(rng, n)
    subsets, offset = [], 0
    for length in lengths:
        size = int(length)
        subsets.append(Subset(dataset, order[offset : offset + size]))
        offset += size
    return subsets
