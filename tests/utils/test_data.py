"""Datasets, samplers, the DataLoader and default_collate against torch.utils.data."""

from __future__ import annotations

import collections

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
