"""Datasets, samplers, the DataLoader and default_collate against torch.utils.data."""

from __future__ import annotations

import collections
import collections.abc
import os
import pickle
import re
import warnings
from typing import NamedTuple

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import arraygrad as ag
from arraygrad.utils import data as adata


def _same(mine, theirs):
    """Structural equality of a collated arraygrad batch and torch's."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(mine, ag.Tensor)
        assert mine.dtype.name == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    elif isinstance(theirs, dict):
        assert type(mine) is type(theirs) and mine.keys() == theirs.keys()
        for key in theirs:
            _same(mine[key], theirs[key])
    elif isinstance(theirs, (list, tuple)):
        assert type(mine) is type(theirs) and len(mine) == len(theirs)
        for a, b in zip(mine, theirs, strict=True):
            _same(a, b)
    else:
        assert mine == theirs


Point = collections.namedtuple("Point", ["x", "label"])


def _samples(lib):
    t = lib.tensor
    return [
        [t([1.0, 2.0]), t([3.0, 4.0])],
        [1, 2, 3],
        [1.5, 2.0],
        [True, False],
        ["a", "b"],
        [(t([1]), 0.5, "x"), (t([2]), 1.5, "y")],
        [{"x": t([1.0]), "y": 2}, {"x": t([3.0]), "y": 4}],
        [[t(1.0), 2], [t(3.0), 4]],
        [Point(t([0.0]), 1), Point(t([1.0]), 2)],
        [np.array([1, 2], dtype=np.int32), np.array([3, 4], dtype=np.int32)],
        [np.float32(1.5), np.float32(2.5)],
    ]


@pytest.mark.parametrize("case", range(len(_samples(ag))))
def test_default_collate_matches_torch(case):
    _same(adata.default_collate(_samples(ag)[case]), tdata.default_collate(_samples(torch)[case]))


@pytest.mark.parametrize(
    ("batch", "error", "match"),
    [
        ([object()], TypeError, "default_collate: batch must contain"),
        ([[1, 2], [3]], RuntimeError, "equal size"),
        ([np.array(["a"])], TypeError, "default_collate"),
    ],
)
def test_default_collate_errors_match_torch(batch, error, match):
    with pytest.raises(error, match=match):
        adata.default_collate(batch)
    with pytest.raises(error):
        tdata.default_collate(batch)


def test_collate_stack_shape_mismatch():
    with pytest.raises(RuntimeError, match="equal size"):
        adata.default_collate([ag.zeros(2), ag.zeros(3)])


def _dataset(lib, n=10):
    x = lib.arange(n * 3, dtype=lib.float32).reshape(n, 3)
    y = lib.arange(n) % 3
    return lib.utils.data.TensorDataset(x, y)


@pytest.mark.parametrize("batch_size", [1, 3, 4, 10, 11])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sequential_loader_matches_torch(batch_size, drop_last):
    mine = ag.utils.data.DataLoader(_dataset(ag), batch_size=batch_size, drop_last=drop_last)
    theirs = tdata.DataLoader(_dataset(torch), batch_size=batch_size, drop_last=drop_last)
    assert len(mine) == len(theirs)
    batches = list(mine)
    assert len(batches) == len(list(theirs))
    for a, b in zip(batches, theirs, strict=True):
        _same(a, b)


def test_subset_and_custom_dataset_batches_match_torch():
    class Squares(adata.Dataset):
        def __len__(self):
            return 7

        def __getitem__(self, i):
            return {"i": i, "sq": ag.tensor([float(i * i)])}

    class TSquares(tdata.Dataset):
        def __len__(self):
            return 7

        def __getitem__(self, i):
            return {"i": i, "sq": torch.tensor([float(i * i)])}

    for mine, theirs in [
        (Squares(), TSquares()),
        (adata.Subset(_dataset(ag), [5, 1, -1, 3]), tdata.Subset(_dataset(torch), [5, 1, -1, 3])),
        (
            adata.Subset(adata.Subset(_dataset(ag), [9, 8, 7, 6]), [3, 0]),
            tdata.Subset(tdata.Subset(_dataset(torch), [9, 8, 7, 6]), [3, 0]),
        ),
        (_dataset(ag) + _dataset(ag, 4), _dataset(torch) + _dataset(torch, 4)),
    ]:
        assert len(mine) == len(theirs)
        for a, b in zip(
            adata.DataLoader(mine, batch_size=3),
            tdata.DataLoader(theirs, batch_size=3),
            strict=True,
        ):
            _same(a, b)


def _epoch_rows(loader):
    return [row for x, _ in loader for row in x[:, 0].tolist()]


def test_shuffle_is_a_permutation_each_epoch_and_reproducible_with_a_generator():
    data = _dataset(ag, 50)
    loader = ag.utils.data.DataLoader(
        data, batch_size=8, shuffle=True, generator=ag.Generator().manual_seed(3)
    )
    first, second = _epoch_rows(loader), _epoch_rows(loader)
    assert sorted(first) == sorted(second) == [3.0 * i for i in range(50)]
    assert first != second  # a new order every epoch
    again = ag.utils.data.DataLoader(
        data, batch_size=8, shuffle=True, generator=ag.Generator().manual_seed(3)
    )
    assert _epoch_rows(again) == first
    ag.manual_seed(5)
    global_a = _epoch_rows(ag.utils.data.DataLoader(data, batch_size=8, shuffle=True))
    ag.manual_seed(5)
    global_b = _epoch_rows(ag.utils.data.DataLoader(data, batch_size=8, shuffle=True))
    assert global_a == global_b


def test_samples_and_labels_stay_paired_when_shuffled():
    x = ag.arange(20.0).reshape(20, 1)
    y = ag.arange(20) * 10
    for xb, yb in ag.utils.data.DataLoader(ag.utils.data.TensorDataset(x, y), 6, shuffle=True):
        assert (yb.numpy() == (xb[:, 0].numpy() * 10).astype(np.int64)).all()
        assert yb.dtype is ag.int64 and xb.dtype is ag.float32


def test_batch_size_none_and_batch_sampler_and_iterable_datasets():
    loader = ag.utils.data.DataLoader([np.array([1.0]), np.array([2.0])], batch_size=None)
    items = list(loader)
    assert len(loader) == 2 and isinstance(items[0], ag.Tensor) and items[1].tolist() == [2.0]

    sampler = adata.BatchSampler(adata.SequentialSampler(range(5)), 2, drop_last=True)
    loader = ag.utils.data.DataLoader(list(range(5)), batch_sampler=sampler)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3]] and len(loader) == 2

    class Stream(adata.IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert [b.tolist() for b in ag.utils.data.DataLoader(Stream(), batch_size=3)] == [
        [0, 1, 2],
        [3, 4, 5],
        [6],
    ]
    with pytest.raises(TypeError):
        len(ag.utils.data.DataLoader(Stream(), batch_size=3))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"batch_size": 0}, ValueError, "positive integer"),
        ({"shuffle": True, "sampler": [0, 1]}, ValueError, "mutually exclusive with shuffle"),
        ({"batch_sampler": [[0]], "batch_size": 2}, ValueError, "batch_sampler option"),
        ({"batch_size": None, "drop_last": True}, ValueError, "drop_last"),
        ({"num_workers": -1}, ValueError, "non-negative"),
    ],
)
def test_loader_misuse_matches_torch(kwargs, error, match):
    with pytest.raises(error, match=match):
        ag.utils.data.DataLoader([1, 2, 3], **kwargs)
    with pytest.raises(error):
        tdata.DataLoader([1, 2, 3], **kwargs)


def test_tensor_dataset_size_mismatch_matches_torch():
    with pytest.raises(AssertionError, match="Size mismatch"):
        ag.utils.data.TensorDataset(ag.zeros(3), ag.zeros(4))
    with pytest.raises(AssertionError):
        tdata.TensorDataset(torch.zeros(3), torch.zeros(4))


@pytest.mark.parametrize(
    "lengths", [[3, 7], [0.5, 0.5], [0.3, 0.3, 0.4], [0.33, 0.33, 0.34], [0.25, 0.75], [10, 0]]
)
def test_random_split_sizes_match_torch_and_partition(lengths):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mine = adata.random_split(range(10), lengths, generator=ag.Generator().manual_seed(0))
        theirs = tdata.random_split(range(10), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in mine] == [len(s) for s in theirs]
    assert sorted(i for s in mine for i in s) == list(range(10))
    again = adata.random_split(range(10), lengths, generator=ag.Generator().manual_seed(0))
    assert [list(s) for s in again] == [list(s) for s in mine]


def test_random_split_errors_match_torch():
    for lib_split in (adata.random_split, tdata.random_split):
        with pytest.raises(ValueError, match="Sum of input lengths"):
            lib_split(range(5), [2, 2])
        with pytest.raises(ValueError, match="not between 0 and 1"):
            lib_split(range(5), [1.5, -0.5])
        # float sizes (not fractions summing to 1) that sum to the length: refused too
        for lengths in ([2.0, 3.0], [2, 3.0]):
            with pytest.raises(TypeError):
                lib_split(range(5), lengths)
        with pytest.raises(ValueError, match="Sum of input lengths"):
            lib_split(range(5), [0.5, 5])  # the sum is checked first
    assert [len(s) for s in adata.random_split(range(5), [np.int64(2), 3])] == [2, 3]


def test_samplers():
    ag.manual_seed(0)
    rs = adata.RandomSampler(range(6), replacement=True, num_samples=20)
    draws = list(rs)
    assert len(rs) == 20 and len(draws) == 20 and set(draws) <= set(range(6))
    eight = list(adata.RandomSampler(range(6), num_samples=8))
    assert len(eight) == 8 and set(eight) == set(range(6))  # a full pass, then a partial one
    assert max(collections.Counter(eight).values()) == 2
    assert sorted(adata.SubsetRandomSampler([4, 7, 9])) == [4, 7, 9]
    with pytest.raises(ValueError, match="num_samples"):
        adata.RandomSampler(range(3), num_samples=0)


def test_generator_api():
    g = ag.Generator()
    assert g.initial_seed() == torch.Generator().initial_seed()
    assert g.manual_seed(-1).initial_seed() == torch.Generator().manual_seed(-1).initial_seed()
    seed = g.seed()
    assert g.initial_seed() == seed
    with pytest.raises(RuntimeError, match=r"device .cuda. is not available.*on cpu. Fix:"):
        ag.Generator(device="cuda")


# --- WeightedRandomSampler, get_worker_info, ChainDataset, StackDataset, DistributedSampler ---


def _raised(build, lib) -> tuple[str, str] | None:
    try:
        build(lib)
    except Exception as error:
        return type(error).__name__, str(error).split(" Fix:")[0]
    return None


def _raises_as_torch(build) -> None:
    """``build`` raises torch's class in both libraries; arraygrad's message starts with torch's
    words (then may name the values involved and the fix)."""
    mine, theirs = _raised(build, adata), _raised(build, tdata)
    assert mine is not None and theirs is not None and mine[0] == theirs[0], (mine, theirs)
    assert mine[1].startswith(theirs[1]), (mine, theirs)


@pytest.mark.parametrize(
    "build",
    [
        lambda d: d.WeightedRandomSampler([1, 2, 3], 0),
        lambda d: d.WeightedRandomSampler([1, 2, 3], -1),
        lambda d: d.WeightedRandomSampler([1, 2, 3], 2.0),
        lambda d: d.WeightedRandomSampler([1, 2, 3], True),
        lambda d: d.WeightedRandomSampler([1, 2, 3], np.int64(2)),
        lambda d: d.WeightedRandomSampler([1, 2, 3], 5, replacement=1),
        lambda d: d.WeightedRandomSampler([1, 2, 3], 5, replacement=None),
        lambda d: d.WeightedRandomSampler([[1, 2]], 2),
        lambda d: d.WeightedRandomSampler(np.ones((2, 2)), 2),
        lambda d: d.WeightedRandomSampler(np.float64(1.0), 2),
    ],
)
def test_weighted_sampler_validation_as_torch(build) -> None:
    _raises_as_torch(build)


def test_weighted_sampler_attributes_and_iteration_errors() -> None:
    for d in (adata, tdata):
        s = d.WeightedRandomSampler([1, 2, 3], 7)
        assert (len(s), s.num_samples, s.replacement, s.generator) == (7, 7, True, None)
        assert str(s.weights.dtype).split(".")[-1] == "float64"
        assert s.weights.tolist() == [1.0, 2.0, 3.0]
        assert all(type(i) is int for i in s)
        for weights in ([-1, 2, 3], [float("inf"), 2, 3], [float("nan"), 1, 1], [0, 0, 0]):
            with pytest.raises(RuntimeError):  # raised when drawn, not when made
                list(d.WeightedRandomSampler(weights, 2))
        with pytest.raises(RuntimeError, match="sum of probabilities <= 0"):
            list(d.WeightedRandomSampler([0, 0, 0], 2))
        with pytest.raises(RuntimeError, match=r"cannot sample n_sample > prob_dist\.size"):
            list(d.WeightedRandomSampler([1, 2, 3], 4, replacement=False))


def test_weighted_sampler_statistics() -> None:
    weights = [1.0, 0.0, 3.0, 4.0]
    drawn = list(
        adata.WeightedRandomSampler(weights, 40000, generator=ag.Generator().manual_seed(0))
    )
    freq = np.bincount(drawn, minlength=4) / len(drawn)
    np.testing.assert_allclose(freq, np.array(weights) / 8, atol=0.01)  # ~4 sigma
    assert freq[1] == 0
    # Without replacement: each index at most once, zero weights only after the others.
    for seed in range(20):
        g = ag.Generator().manual_seed(seed)
        order = list(adata.WeightedRandomSampler([5.0, 0.0, 1.0, 2.0], 4, False, g))
        assert sorted(order) == [0, 1, 2, 3] and order[-1] == 1
    firsts = [
        next(iter(adata.WeightedRandomSampler([1.0, 9.0], 2, False, ag.Generator().manual_seed(s))))
        for s in range(2000)
    ]
    assert abs(np.mean(firsts) - 0.9) < 0.03  # the first draw follows the weights


def test_weighted_sampler_is_seed_reproducible() -> None:
    def run(seed: int) -> list[int]:
        g = ag.Generator().manual_seed(seed)
        return list(adata.WeightedRandomSampler([1, 2, 3, 4], 50, generator=g))

    assert run(3) == run(3) != run(4)
    ag.manual_seed(5)
    first = list(adata.WeightedRandomSampler([1, 2, 3, 4], 50))
    ag.manual_seed(5)
    assert list(adata.WeightedRandomSampler([1, 2, 3, 4], 50)) == first


def test_get_worker_info_is_none_in_the_loading_process() -> None:
    assert adata.get_worker_info() is tdata.get_worker_info() is None
    seen = []

    class Spy(adata.Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            seen.append(adata.get_worker_info())
            return i

    list(adata.DataLoader(Spy()))  # num_workers > 0: tests/utils/test_data_workers.py
    assert seen == [None, None]


def _streams(d):
    class Count(d.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

    class Sized(Count):
        def __len__(self):
            return self.n

    return Count, Sized


def test_chain_dataset_as_torch() -> None:
    outcomes = []
    for d in (adata, tdata):
        count, sized = _streams(d)
        chain = d.ChainDataset([count(2), count(3)])
        out = [list(chain), isinstance(chain, d.IterableDataset), len(d.ChainDataset([]))]
        out += [list(count(2) + count(1)), type(count(1) + count(1)).__name__]
        out += [len(d.ChainDataset([sized(2), sized(3)])), list(d.ChainDataset([]))]
        for bad in (
            lambda d: list(d.ChainDataset([range(3)])),
            lambda d: len(d.ChainDataset([range(3)])),
            lambda d, c=count: len(d.ChainDataset([c(2)])),
        ):
            out.append(_raised(bad, d))
        outcomes.append(out)
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][-3] == ("AssertionError", "ChainDataset only supports IterableDataset")


class _Column:
    """A map-style dataset that fetches many indices at once (``__getitems__``)."""

    def __init__(self, size: int = 4, short: bool = False) -> None:
        self.size, self.short = size, short

    def __len__(self):
        return self.size

    def __getitem__(self, i):
        return i * 10

    def __getitems__(self, indices):
        return [i * 100 for i in indices][: 1 if self.short else None]


class _Raised(NamedTuple):
    kind: str
    message: str


@pytest.mark.parametrize(
    "build",
    [
        lambda d: d.StackDataset(range(3), "abc")[1],
        lambda d: d.StackDataset(n=range(3), c="abc")[2],
        lambda d: len(d.StackDataset(range(3), range(3))),
        lambda d: d.StackDataset(range(3)).datasets,
        lambda d: d.StackDataset(a=range(3)).datasets,
        lambda d: d.StackDataset(range(3), "ab"),
        lambda d: d.StackDataset(a=range(3), b="ab"),
        lambda d: d.StackDataset(range(3), b=range(3)),
        lambda d: d.StackDataset(),
        lambda d: d.StackDataset(range(3))[5],
        lambda d: d.StackDataset(_Column(), range(4)).__getitems__([1, 2]),
        lambda d: d.StackDataset(a=_Column(), b=range(4)).__getitems__([3, 0]),
        lambda d: d.StackDataset(range(3)).__getitems__([0, 2]),
        lambda d: d.StackDataset(_Column(short=True), range(4)).__getitems__([1, 2]),
        lambda d: isinstance(d.StackDataset(range(1)), d.Dataset),
    ],
)
def test_stack_dataset_as_torch(build) -> None:
    def outcome(d):
        try:
            return build(d)
        except Exception as error:
            return _Raised(type(error).__name__, str(error))

    mine, theirs = outcome(adata), outcome(tdata)
    if isinstance(theirs, _Raised):  # torch's words, then any fix arraygrad adds
        assert isinstance(mine, _Raised) and mine.kind == theirs.kind, (mine, theirs)
        assert mine.message.startswith(theirs.message), (mine, theirs)
    else:
        assert mine == theirs


def _shares(sampler, n, replicas, drop_last, shuffle=False, seed=0, epoch=None):
    samplers = [
        sampler(
            range(n), num_replicas=replicas, rank=r, shuffle=shuffle, seed=seed, drop_last=drop_last
        )
        for r in range(replicas)
    ]
    if epoch is not None:
        for s in samplers:
            s.set_epoch(epoch)
    return [(list(s), len(s), s.num_samples, s.total_size) for s in samplers]


@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_shares_as_torch(drop_last: bool) -> None:
    for n in range(0, 12):
        for replicas in (1, 2, 3, 5, 7):
            expected = _shares(tdata.DistributedSampler, n, replicas, drop_last)
            assert _shares(adata.DistributedSampler, n, replicas, drop_last) == expected
            mine = adata.DistributedSampler(range(n), num_replicas=replicas, rank=0)
            assert len(mine) == len(tdata.DistributedSampler(range(n), replicas, 0))


def _module_shares(n, replicas, drop_last, **kwargs):
    return _shares(adata.DistributedSampler, n, replicas, drop_last, shuffle=True, **kwargs)


def test_distributed_sampler_shuffles_by_seed_and_epoch() -> None:
    shares = _module_shares(10, 3, False)
    indices = [i for share, *_ in shares for i in share]
    assert sorted(set(indices)) == list(range(10)) and len(indices) == 12  # 2 repeats pad
    assert _module_shares(10, 3, False) == shares  # same seed and epoch: same order
    assert _module_shares(10, 3, False, epoch=1) != shares
    assert _module_shares(10, 3, False, epoch=1) == _module_shares(10, 3, False, epoch=1)
    assert _module_shares(10, 3, False, seed=7) != shares
    dropped = [i for share, *_ in _module_shares(10, 3, True) for i in share]
    assert len(dropped) == len(set(dropped)) == 9
    s = adata.DistributedSampler(range(10), num_replicas=3, rank=1)
    t = tdata.DistributedSampler(range(10), num_replicas=3, rank=1)
    assert vars(s) == vars(t)
    assert s.set_epoch(4) is None and s.epoch == 4
    assert isinstance(s, adata.Sampler)
    # The permutation is over the dataset, seeded by seed + epoch: seed 3 epoch 0 is seed 0
    # epoch 3.
    assert _module_shares(10, 2, False, seed=3) == _module_shares(10, 2, False, epoch=3)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"num_replicas": 3}, {"rank": 0}, {"num_replicas": 3, "rank": 3}],
)
def test_distributed_sampler_errors_as_torch(kwargs) -> None:
    _raises_as_torch(lambda d: d.DistributedSampler(range(10), **kwargs))
    for rank, replicas in ((-1, 3), (0, 0)):

        def build(d, replicas=replicas, rank=rank):
            return d.DistributedSampler(range(4), replicas, rank)

        _raises_as_torch(build)
    from arraygrad.utils.data.distributed import DistributedSampler

    assert DistributedSampler is adata.DistributedSampler


# --- Differences from torch.utils.data found by a differential probe (each failed before) ---


class _Held:
    """Items held in a ``_kind`` container, read by key or position."""

    _kind: type = list

    def __init__(self, items):
        self._items = self._kind(items)

    def __getitem__(self, key):
        return self._items[key]

    def __len__(self):
        return len(self._items)


class _ReadOnlyMap(_Held, collections.abc.Mapping):
    _kind = dict

    def __iter__(self):
        return iter(self._items)


class _Seq(_Held, collections.abc.Sequence):
    pass


class _Dict(dict):
    pass


class _List(list):
    pass


class _Tuple(tuple):
    pass


def _described(value):
    """A value of either library as comparable plain data: container types by name, tensors
    as (dtype, shape, values)."""
    if isinstance(value, (ag.Tensor, torch.Tensor)):
        return ("tensor", str(value.dtype).split(".")[-1], tuple(value.shape), value.tolist())
    if isinstance(value, np.ndarray):
        return ("ndarray", str(value.dtype), value.tolist())
    if isinstance(value, collections.abc.Mapping):
        return (type(value).__name__, {k: _described(v) for k, v in value.items()})
    if isinstance(value, (list, tuple, _Seq, range)):
        return (type(value).__name__, [_described(v) for v in value])
    return (type(value).__name__, value)


@pytest.mark.parametrize(
    "batch", [[1, 2.5], [True, 2], [1, True], [True, False], [1.5, 2], [7, -3]], ids=str
)
def test_default_collate_of_python_numbers_has_torch_tensor_dtype(batch):
    # Was: an int first gave int64 whatever followed ([1, 2.5] -> [1, 2]), a bool first gave
    # bool ([True, 2] -> [True, True]).
    assert _described(adata.default_collate(batch)) == _described(tdata.default_collate(batch))


@pytest.mark.parametrize(
    "make",
    [
        lambda: [_ReadOnlyMap({"a": 1}), _ReadOnlyMap({"a": 2})],
        lambda: [_Dict(a=1.0), _Dict(a=2.0)],
        lambda: [_List([1, 2]), _List([3, 4])],
        lambda: [_Seq([1, 2]), _Seq([3, 4])],
        lambda: [_Tuple([1, 2]), _Tuple([3, 4])],
        lambda: [np.str_("a"), np.str_("b")],
        lambda: [np.bytes_(b"a"), np.bytes_(b"b")],
        lambda: [{"x": [1, (2.0, "s")]}, {"x": [3, (4.0, "t")]}],
    ],
    ids=[
        "mapping",
        "dict-subclass",
        "list-subclass",
        "sequence",
        "tuple-subclass",
        "np.str_",
        "np.bytes_",
        "nested",
    ],
)
def test_default_collate_keeps_container_types_as_torch(make):
    # Was: a read-only Mapping became a dict, a list subclass a list; NumPy strings a TypeError.
    assert _described(adata.default_collate(make())) == _described(tdata.default_collate(make()))


@pytest.mark.parametrize(
    "make",
    [
        lambda: (np.zeros(2), 1),
        lambda: _Tuple([np.zeros(2)]),
        lambda: _Dict(a=np.zeros(2)),
        lambda: _ReadOnlyMap({"a": np.ones(1)}),
        lambda: _Seq([np.zeros(2), "s"]),
        lambda: _List([np.float32(1.5)]),
        lambda: range(3),
        lambda: [(np.zeros(1),), {"k": (1, np.int64(2))}],
        lambda: np.array(["a"]),
        lambda: "text",
    ],
    ids=[
        "tuple",
        "tuple-subclass",
        "dict-subclass",
        "mapping",
        "sequence",
        "list-subclass",
        "range",
        "nested",
        "str-array",
        "str",
    ],
)
def test_default_convert_rebuilds_containers_as_torch(make):
    # Was: tuples stayed tuples (torch gives lists), other sequences and mappings were
    # returned as they came or as plain dicts, arrays inside them unconverted.
    assert _described(adata.default_convert(make())) == _described(tdata.default_convert(make()))


def test_loader_without_batching_yields_lists_for_tuple_samples_as_torch():
    mine = list(adata.DataLoader(adata.TensorDataset(ag.arange(3)), batch_size=None))
    theirs = list(tdata.DataLoader(tdata.TensorDataset(torch.arange(3)), batch_size=None))
    assert _described(mine) == _described(theirs)  # [[tensor(0)], ...], not tuples


def test_default_collate_of_a_non_tensor_among_tensors_is_torch_type_error():
    with pytest.raises(TypeError, match="expected Tensor as element 1"):
        adata.default_collate([ag.zeros(2), np.ones(2)])  # was an AttributeError
    with pytest.raises(TypeError, match="expected Tensor as element 1"):
        tdata.default_collate([torch.zeros(2), np.ones(2)])


def test_subset_random_sampler_draws_at_the_first_index_as_torch():
    orders = []
    for lib, d in ((ag, adata), (torch, tdata)):
        lib.manual_seed(1)
        indices = iter(d.SubsetRandomSampler([10, 20, 30, 40, 50]))
        lib.manual_seed(2)  # PyTorch's sampler has not drawn yet: this seed decides
        orders.append(list(indices))
    assert orders[0] == orders[1]


def test_sampler_takes_no_data_source_as_torch():
    for d in (adata, tdata):
        with pytest.raises(TypeError):
            d.Sampler(range(3))
        assert isinstance(d.Sampler(), d.Sampler)


def test_concat_dataset_cumsum_and_its_old_name_as_torch():
    for d in (adata, tdata):
        assert d.ConcatDataset.cumsum([range(2), range(3)]) == [2, 5]
        data = d.ConcatDataset([range(2), range(3)])
        with pytest.warns(FutureWarning, match="renamed to `cumulative_sizes`"):
            assert data.cummulative_sizes == [2, 5]


def test_iterable_dataset_without_iter_cannot_be_made_as_torch():
    for d in (adata, tdata):

        class NoIter(d.IterableDataset):
            pass

        with pytest.raises(TypeError, match="abstract"):
            NoIter()


class _Batched:
    """A dataset with __getitems__, recording how it was read."""

    def __init__(self, n):
        self.n, self.calls = n, []

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.calls.append(("item", i))
        return i

    def __getitems__(self, indices):
        self.calls.append(("items", list(indices)))
        return [10 * i for i in indices]


@pytest.mark.parametrize(
    "wrap",
    [
        lambda d, data: data,
        lambda d, data: d.Subset(data, [4, 3, 2, 1, 0]),
        lambda d, data: d.StackDataset(data, range(5)),
    ],
    ids=["dataset", "subset", "stack"],
)
def test_loader_reads_batches_through_getitems_as_torch(wrap):
    # Was: __getitems__ was never called (and Subset had none), the samples read one by one.
    outcomes = []
    for d in (adata, tdata):
        data = _Batched(5)
        batches = list(d.DataLoader(wrap(d, data), batch_size=2))
        outcomes.append((_described(batches), data.calls))
    assert outcomes[0] == outcomes[1]


def test_subset_getitems_and_a_subclass_overriding_only_getitem_as_torch():
    for d in (adata, tdata):
        assert d.Subset(range(10), [3, 1, 4]).__getitems__([0, 2]) == [3, 4]

        class OnlyGetitem(d.Subset):
            def __getitem__(self, idx):
                return 0

        with pytest.raises(NotImplementedError, match="overrides __getitem__ but not"):
            OnlyGetitem(range(3), [0])


class _EagerSampler:
    """A sampler that draws its order when iter() is called, a common user pattern."""

    def __init__(self, lib, n):
        self.lib, self.n = lib, n

    def __iter__(self):
        return iter(self.lib.randperm(self.n).tolist())

    def __len__(self):
        return self.n


@pytest.mark.parametrize("batch_size", [None, 2])
def test_the_sampler_is_iterated_before_the_base_seed_as_torch(batch_size):
    # Was: the base seed was drawn first, so an eager sampler drew a different order.
    outcomes = []
    for lib, d in ((ag, adata), (torch, tdata)):
        lib.manual_seed(8)
        loader = d.DataLoader(range(6), sampler=_EagerSampler(lib, 6), batch_size=batch_size)
        outcomes.append(([_described(b) for b in loader], lib.rand(1).tolist()))
    assert outcomes[0] == outcomes[1]


def test_iterable_loader_samplers_and_iterator_len_as_torch():
    count, _ = _streams(adata)
    loader = adata.DataLoader(count(5), batch_size=2)
    assert type(loader.sampler).__name__ == "_InfiniteConstantSampler"  # was None
    assert isinstance(loader.batch_sampler, adata.BatchSampler)
    with pytest.raises(TypeError, match="'_InfiniteConstantSampler' has no len"):
        len(iter(loader))


def test_loader_attributes_fixed_after_init_as_torch():
    for d in (adata, tdata):
        loader = d.DataLoader(range(5), batch_size=2)
        for name in ("batch_size", "sampler", "batch_sampler", "drop_last", "dataset"):
            with pytest.raises(ValueError, match=f"{name} attribute should not be set"):
                setattr(loader, name, None)
        loader.collate_fn = len  # not a fixed one
        assert list(loader) == [2, 2, 1]


def test_single_process_iterator_has_len_and_refuses_pickling_as_torch():
    for d in (adata, tdata):
        iterator = iter(d.DataLoader(range(7), batch_size=2))
        assert len(iterator) == 4  # was a TypeError: a generator has no len
        with pytest.raises(NotImplementedError, match="cannot be pickled"):
            pickle.dumps(iterator)


@pytest.mark.parametrize(("reported", "batch_size"), [(3, None), (2, 1), (2, 3), (0, 3), (7, 1)])
def test_a_wrong_iterable_dataset_len_warns_as_torch(reported, batch_size):
    counts = []
    for d in (adata, tdata):

        class Misreported(d.IterableDataset):
            def __iter__(self):
                return iter(range(7))

            def __len__(self):
                return reported

        loader = d.DataLoader(Misreported(), batch_size=batch_size)
        len(loader)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            list(loader)
        counts.append(
            [re.search(r"(\d+) (samples|batches) have", str(w.message))[1] for w in caught]
        )
    assert counts[0] == counts[1]  # the same warnings, at the same batches
    assert bool(counts[0]) == (reported < (7 if batch_size is None else -(-7 // batch_size)))


def test_an_iterable_dataset_is_iterated_when_the_loader_iterator_is_made_as_torch():
    for d in (adata, tdata):

        class Fails(d.IterableDataset):
            def __iter__(self):
                raise KeyError("no stream")

        with pytest.raises(KeyError, match="no stream"):
            iter(d.DataLoader(Fails()))  # was raised only by the first next()


def test_a_stream_is_not_asked_again_after_a_short_batch_as_torch():
    class Resumes:
        """An iterator that yields again after its StopIteration (not a generator)."""

        def __init__(self):
            self.calls = 0

        def __iter__(self):
            return self

        def __next__(self):
            self.calls += 1
            if self.calls == 4 or self.calls > 8:
                raise StopIteration
            return self.calls

    outcomes = []
    for d in (adata, tdata):

        class Stream(d.IterableDataset):
            def __init__(self):
                self.it = Resumes()

            def __iter__(self):
                return self.it

        data = Stream()
        batches = [b.tolist() for b in d.DataLoader(data, batch_size=2)]
        outcomes.append((batches, data.it.calls))
    assert outcomes[0] == outcomes[1] == ([[1, 2], [3]], 4)  # was [..., [5, 6], [7, 8]]


def test_a_timeout_without_workers_is_refused_on_iteration_as_torch():
    for d in (adata, tdata):
        loader = d.DataLoader(range(3), timeout=1)
        with pytest.raises(AssertionError, match="timeout == 0"):
            iter(loader)


def test_pin_memory_device_and_too_many_workers_warn_as_torch():
    too_many = len(os.sched_getaffinity(0)) + 1
    for d in (adata, tdata):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            list(d.DataLoader(range(2), pin_memory=True, pin_memory_device="cuda"))
            d.DataLoader(range(2), num_workers=too_many)
        messages = [str(w.message) for w in caught]
        assert len(messages) == 3
        assert messages[0].startswith("pin_memory_device is deprecated")
        assert "no accelerator is found" in messages[1]
        assert f"will create {too_many} worker processes" in messages[2]


@pytest.mark.parametrize(
    ("indices", "error"),
    [([True, False], RuntimeError), ([1.0, 2.0], IndexError), ([1, -8], IndexError)],
    ids=["bool", "float", "negative-out-of-range"],
)
def test_tensor_dataset_batches_index_as_torch(indices, error):
    # Was: the one-take path for TensorDataset read bools and floats as row numbers, and named
    # a negative index out of range by its wrapped value.
    messages = []
    for lib, d in ((ag, adata), (torch, tdata)):
        loader = d.DataLoader(d.TensorDataset(lib.arange(7)), batch_size=2, sampler=indices)
        with pytest.raises(error) as caught:
            list(loader)
        messages.append(str(caught.value))
    if indices[1] == -8:
        assert "index -8 is out of bounds" in messages[0] and "index -8" in messages[1]


class _NoBatchRead:
    """A dataset that opts out of batched reads: ``__getitems__ = None``."""

    __getitems__ = None

    def __getitem__(self, i):
        return i

    def __len__(self):
        return 3


def test_a_getitems_of_none_means_one_by_one_as_torch():
    # Was: StackDataset called the None (TypeError) as it only checked that the name exists.
    for d in (adata, tdata):
        assert d.StackDataset(_NoBatchRead()).__getitems__([0, 2]) == [(0,), (2,)]
        assert d.Subset(_NoBatchRead(), [2, 1]).__getitems__([0, 1]) == [2, 1]
        assert [b.tolist() for b in d.DataLoader(_NoBatchRead(), batch_size=2)] == [[0, 1], [2]]
