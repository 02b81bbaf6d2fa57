"""Samplers: the order in which a DataLoader visits a dataset's indices."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any, Generic, TypeVar

from arraygrad import _backend, _creation, _dtype, _random

__all__ = [
    "BatchSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
]

T_co = TypeVar("T_co", covariant=True)


def _rng(generator: Any) -> Any:
    # None draws from the global generator, so arraygrad.manual_seed makes shuffles repeatable.
    return None if generator is None else generator._rng


class Sampler(Generic[T_co]):
    """Base class of the samplers, which give the DataLoader the dataset indices to read, in
    order: subclasses define ``__iter__`` (and usually ``__len__``). It takes no arguments, as
    PyTorch's (which no longer accepts a ``data_source``).

    >>> import arraygrad
    >>> class Evens(arraygrad.utils.data.Sampler):
    ...     def __init__(self, n):
    ...         self.n = n
    ...     def __iter__(self):
    ...         return iter(range(0, self.n, 2))
    >>> list(arraygrad.utils.data.DataLoader([10, 11, 12, 13, 14], sampler=Evens(5)))
    [tensor([10]), tensor([12]), tensor([14])]
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError


class SequentialSampler(Sampler[int]):
    """The indices ``0, 1, ..., len(data_source) - 1`` in order: a DataLoader's sampler when
    ``shuffle=False``.

    >>> import arraygrad
    >>> list(arraygrad.utils.data.SequentialSampler(range(4)))
    [0, 1, 2, 3]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """A fresh random permutation of the indices on every pass (or ``num_samples`` draws with
    replacement when ``replacement=True``): a DataLoader's sampler when ``shuffle=True``. It
    draws from ``generator`` or, without one, from a seed taken from the global generator, so
    its orders are torch's for the same seed.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> list(arraygrad.utils.data.RandomSampler(range(5)))
    [1, 3, 4, 2, 0]
    """

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Any = None,
    ) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(
                f"replacement should be a boolean value, but got replacement={self.replacement}"
                ". Fix: pass replacement=True or replacement=False."
            )
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got "
                f"num_samples={self.num_samples}"
                ". Fix: pass num_samples as an int >= 1, or None for "
                "len(data_source)."
            )

    @property
    def num_samples(self) -> int:
        """How many indices one pass yields (``len(data_source)`` unless set)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        # A generator function, as PyTorch's: it draws when the first index is asked for (after
        # a DataLoader's base seed), and, without a generator, shuffles with a new one seeded
        # from the global generator, as PyTorch does.
        n = len(self.data_source)
        if self.generator is None:
            rng = _backend.new_rng(_backend.rng_seed(None))
        else:
            rng = _rng(self.generator)
        if self.replacement:
            yield from _backend.rng_integers(rng, n, self.num_samples)
            return
        for _ in range(self.num_samples // n):
            yield from _backend.rng_permutation(rng, n)
        yield from _backend.rng_permutation(rng, n)[: self.num_samples % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given ``indices`` in a new random order on every pass (drawn from ``generator``, or
    the global one): e.g. a training split of one dataset.

    >>> import arraygrad
    >>> generator = arraygrad.Generator().manual_seed(0)
    >>> list(arraygrad.utils.data.SubsetRandomSampler([2, 4, 6], generator=generator))
    [6, 2, 4]
    """

    def __init__(self, indices: Sequence[int], generator: Any = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        # A generator function, as PyTorch's: the permutation is drawn when the first index is
        # asked for, not when iter() is called (a DataLoader draws its base seed in between).
        for i in _backend.rng_permutation(_rng(self.generator), len(self.indices)):
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """``num_samples`` indices into ``weights``, index ``i`` drawn with probability
    ``weights[i] / sum(weights)`` (the weights need not sum to one); without replacement each
    index occurs at most once, so ``num_samples`` may not exceed the number of weights.

    >>> import arraygrad
    >>> _ = arraygrad.manual_seed(0)
    >>> list(WeightedRandomSampler([0.0, 1.0, 0.0], 3))
    [1, 1, 1]
    """

    def __init__(
        self,
        weights: Sequence[float] | Any,
        num_samples: int,
        replacement: bool = True,
        generator: Any = None,
    ) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got num_samples={num_samples}"
                ". Fix: pass num_samples as an int >= 1."
            )
        if not isinstance(replacement, bool):
            raise ValueError(
                f"replacement should be a boolean value, but got replacement={replacement}"
                ". Fix: pass replacement=True or replacement=False."
            )
        # float64 whatever the input, as PyTorch keeps them (exact for integer counts).
        weights_tensor = _creation.as_tensor(weights, dtype=_dtype.float64)
        if weights_tensor.ndim != 1:
            raise ValueError(
                "weights should be a 1d sequence but given weights have shape "
                f"{tuple(weights_tensor.shape)}"
                ". Fix: pass one weight per sample as a 1-D sequence (weights.flatten() or "
                "weights.squeeze())."
            )
        self.weights = weights_tensor
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        # One draw per pass; invalid weights (negative, inf, nan, all zero) raise multinomial's
        # RuntimeError here, when iterated, as in PyTorch.
        drawn = _random.multinomial(
            self.weights, self.num_samples, self.replacement, generator=self.generator
        )
        return iter(drawn.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Group the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter unless
    ``drop_last``).

    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
                ". Fix: pass batch_size as an int >= 1."
            )
        if not isinstance(drop_last, bool):
            raise ValueError(
                f"drop_last should be a boolean value, but got drop_last={drop_last}"
                ". Fix: pass drop_last=True or drop_last=False."
            )
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        if self.drop_last:
            return n // self.batch_size
        return (n + self.batch_size - 1) // self.batch_size
