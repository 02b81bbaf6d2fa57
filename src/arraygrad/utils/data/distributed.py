"""``DistributedSampler``: each of ``num_replicas`` processes (ranks) reads its own share of a
dataset, as ``torch.utils.data.distributed.DistributedSampler``.

arraygrad has no process groups, so the number of replicas and this process's rank are given
explicitly (a launcher's ``WORLD_SIZE`` and ``RANK``). The shares are disjoint; together they
cover the dataset, padded by repeating its first indices so that every rank gets the same
count (or cut to a multiple of ``num_replicas`` with ``drop_last=True``).

>>> [list(DistributedSampler(range(5), num_replicas=2, rank=r, shuffle=False)) for r in (0, 1)]
[[0, 2, 4], [1, 3, 0]]
"""

from __future__ import annotations

from collections.abc import Iterator, Sized
from typing import Any

from arraygrad import _generator, _random_creation
from arraygrad.utils.data.sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler[int]):
    """The indices of ``dataset`` that rank ``rank`` of ``num_replicas`` reads.

    With ``shuffle`` every rank draws the same permutation from ``seed + epoch``, so the shares
    stay disjoint: call :meth:`set_epoch` at the start of each epoch for a new order. Rank
    ``r`` takes every ``num_replicas``-th index from ``r``; the indices are padded by repeating
    the first ones so that every rank gets ``ceil(len / num_replicas)`` (``drop_last`` cuts
    the tail instead).

    >>> import arraygrad
    >>> sampler = arraygrad.utils.data.DistributedSampler(
    ...     range(5), num_replicas=2, rank=1, shuffle=False
    ... )
    >>> list(sampler), len(sampler)
    ([1, 3, 0], 3)
    """

    def __init__(
        self,
        dataset: Sized,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None or rank is None:
            # PyTorch asks its default process group for them; there is none here.
            raise ValueError(
                "Default process group has not been initialized, please make sure to call "
                "init_process_group. Fix: arraygrad has no process groups; pass num_replicas "
                "and rank explicitly."
            )
        if rank >= num_replicas or rank < 0:
            raise ValueError(
                f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]"
                f". Fix: pass 0 <= rank < num_replicas={num_replicas}."
            )
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        size = len(dataset)
        if drop_last and size % num_replicas != 0:
            # The largest equal share every rank can read without repeating an index.
            self.num_samples = -(-(size - num_replicas) // num_replicas)
        else:
            self.num_samples = -(-size // num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        size = len(self.dataset)
        if self.shuffle:
            generator = _generator.Generator()
            generator.manual_seed(self.seed + self.epoch)
            indices: list[Any] = _random_creation.randperm(size, generator=generator).tolist()
        else:
            indices = list(range(size))
        if self.drop_last:
            indices = indices[: self.total_size]
        else:
            # Pad with the first indices (repeated as often as needed when the dataset is
            # smaller than the padding) so that every rank reads num_samples of them.
            missing = self.total_size - len(indices)
            while missing > 0:
                indices += indices[:missing]
                missing = self.total_size - len(indices)
        return iter(indices[self.rank : self.total_size : self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use ``epoch`` (with ``seed``) for the next shuffles, the same on every rank."""
        self.epoch = epoch
