"""PyTorch's constants, legacy typed constructors (``FloatTensor(2, 3)``), ``Tensor.new``,
``Tensor.layout`` and ``isinstance(t, FloatTensor)``, against torch."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

NAMES = [
    "BoolTensor",
    "ByteTensor",
    "CharTensor",
    "ShortTensor",
    "IntTensor",
    "LongTensor",
    "HalfTensor",
    "FloatTensor",
    "DoubleTensor",
]


def test_constants_are_torchs() -> None:
    for name in ("pi", "e", "inf"):
        mine, theirs = getattr(ag, name), getattr(torch, name)
        assert type(mine) is type(theirs) is float and mine == theirs
    assert type(ag.nan) is float and math.isnan(ag.nan) and math.isnan(torch.nan)
    assert ag.newaxis is torch.newaxis is None
    assert ag.ones(3)[:, ag.newaxis].shape == (3, 1)


def _outcome(lib: Any, build: Any) -> Any:
    """(dtype name, shape, values or None) of what ``build(lib)`` makes, or (error class,
    message) when it raises."""
    try:
        out = build(lib)
    except Exception as error:
        return type(error).__name__, str(error).split(". Fix:")[0]
    dtype = str(out.dtype).split(".")[-1]
    return dtype, tuple(out.shape)


LEGACY_CALLS = [
    lambda L, cls: getattr(L, cls)(),
    lambda L, cls: getattr(L, cls)(2, 3),
    lambda L, cls: getattr(L, cls)(2, 0),
    lambda L, cls: getattr(L, cls)(L.Size([2, 3])),
    lambda L, cls: getattr(L, cls)([1, 0, 1]),
    lambda L, cls: getattr(L, cls)((2, 3)),
    lambda L, cls: getattr(L, cls)([[1, 2], [3, 4]]),
    lambda L, cls: getattr(L, cls)(np.ones(2)),
    lambda L, cls: getattr(L, cls)(np.int64(2)),
    lambda L, cls: getattr(L, cls)(2, device="cpu"),
    lambda L, cls: getattr(L, cls)([1], device="cpu"),
    lambda L, cls: getattr(L, cls)(2, device="cuda"),
    lambda L, cls: getattr(L, cls)(-1),
    lambda L, cls: getattr(L, cls)(2, -3),
    lambda L, cls: getattr(L, cls)(2.0),
    lambda L, cls: getattr(L, cls)(True),
    lambda L, cls: getattr(L, cls)(None),
    lambda L, cls: getattr(L, cls)("a"),
    lambda L, cls: getattr(L, cls)(2, "a"),
    lambda L, cls: getattr(L, cls)(L.tensor([1.0, 2.0])),
    lambda L, cls: getattr(L, cls)(L.tensor([1, 2])),
    lambda L, cls: getattr(L, cls)(L.ones(2, dtype=L.float64)),
    lambda L, cls: getattr(L, cls)(L.ones(2, dtype=L.float32), device="cpu"),
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("call", range(len(LEGACY_CALLS)))
def test_legacy_constructors_match_torch(name: str, call: int) -> None:
    build = LEGACY_CALLS[call]
    mine = _outcome(ag, lambda L: build(L, name))
    theirs = _outcome(torch, lambda L: build(L, name))
    if mine[0] == "TypeError" and theirs[0] == "TypeError" and "invalid combination" in theirs[1]:
        assert "invalid combination" in mine[1]  # torch's list of forms is its own
    else:
        assert mine == theirs


def test_legacy_constructors_keep_values_and_share_memory() -> None:
    np.testing.assert_array_equal(ag.LongTensor([1, 2]).numpy(), torch.LongTensor([1, 2]))
    np.testing.assert_array_equal(ag.FloatTensor((2, 3)).numpy(), [2.0, 3.0])
    x = ag.ones(2)
    alias = ag.FloatTensor(x)
    assert alias is not x and alias.data_ptr() == x.data_ptr()
    w = ag.ones(2, requires_grad=True)
    ag.FloatTensor(w).sum().backward()  # the alias is recorded: gradients reach w
    assert w.grad.tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="invalid combination"):
        ag.FloatTensor(2, requires_grad=True)


@pytest.mark.parametrize("name", NAMES)
def test_isinstance_is_true_exactly_for_that_dtype(name: str) -> None:
    for dtype in ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32"):
        mine = ag.zeros(2, dtype=getattr(ag, dtype))
        theirs = torch.zeros(2, dtype=getattr(torch, dtype))
        assert isinstance(mine, getattr(ag, name)) == isinstance(theirs, getattr(torch, name))
    cls, tcls = getattr(ag, name), getattr(torch, name)
    assert not isinstance(3, cls) and not isinstance(np.zeros(2), cls)
    assert issubclass(cls, ag.Tensor) == issubclass(tcls, torch.Tensor) is False
    assert (cls.__name__, str(cls.dtype).split(".")[-1]) == (
        tcls.__name__,
        str(tcls.dtype).split(".")[-1],
    )
    assert (cls.is_cuda, cls.is_sparse, repr(cls.layout)) == (False, False, "arraygrad.strided")
    assert type(ag.FloatTensor(2)) is ag.Tensor
    assert isinstance(ag.nn.Parameter(ag.zeros(1)), ag.FloatTensor)


def test_type_accepts_and_names_the_legacy_types() -> None:
    x = ag.ones(2)
    assert x.type() == torch.ones(2).type() == "torch.FloatTensor"
    assert x.type(ag.DoubleTensor).dtype == ag.float64
    assert ag.nn.Linear(2, 2).type(ag.DoubleTensor).weight.dtype == ag.float64


NEW_CALLS = [
    lambda L, x: x.new(),
    lambda L, x: x.new(2, 3),
    lambda L, x: x.new(0),
    lambda L, x: x.new(L.Size([2, 3])),
    lambda L, x: x.new([1, 2]),
    lambda L, x: x.new((2, 3)),
    lambda L, x: x.new([]),
    lambda L, x: x.new([[1.5, 2], [3, 4]]),
    lambda L, x: x.new(np.ones(2)),
    lambda L, x: x.new(2, device="cpu"),
    lambda L, x: x.new(2, device="cuda"),
    lambda L, x: x.new(-1),
    lambda L, x: x.new(2.5),
    lambda L, x: x.new(None),
    lambda L, x: x.new(2, "a"),
    lambda L, x: x.new(x),
    lambda L, x: x.new(x.double()),
    lambda L, x: x.new(x, device="cpu"),
]


@pytest.mark.parametrize("dtype", ["float32", "int64"])
@pytest.mark.parametrize("call", range(len(NEW_CALLS)))
def test_new_matches_torch(dtype: str, call: int) -> None:
    build = NEW_CALLS[call]
    mine = _outcome(ag, lambda L: build(L, L.ones(2, 3, dtype=getattr(L, dtype))))
    theirs = _outcome(torch, lambda L: build(L, L.ones(2, 3, dtype=getattr(L, dtype))))
    assert mine == theirs


def test_new_copies_data_and_aliases_tensors() -> None:
    x = ag.ones(2, 3, dtype=ag.int64)
    assert x.new([1.5, 2.5]).tolist() == torch.ones(1).long().new([1.5, 2.5]).tolist()
    assert x.new(x).data_ptr() == x.data_ptr()
    with pytest.raises(TypeError, match="invalid combination"):
        x.new([1], dtype=ag.float32)


def test_layout_is_strided() -> None:
    assert ag.ones(2).layout is ag.strided
    assert repr(ag.ones(2).layout) == repr(torch.ones(2).layout).replace("torch", "arraygrad")


@pytest.mark.parametrize("sizes", [(0, False), (2, True), (True, 2)])
def test_new_reads_a_later_bool_size_as_an_int_as_torch(sizes: Any) -> None:
    # (torch's parser reads a bool after the first size as an int; a first bool is no size)
    said = []
    for m in (torch, ag):
        try:
            said.append(tuple(m.ones(1).new(*sizes).shape))
        except TypeError as error:
            said.append(type(error))
    assert said[1] == said[0]


@pytest.mark.parametrize(
    ("args", "device"),
    [
        ((True, 2), None),
        ((False, True), None),
        ((None, 2), None),
        ((2.5, 2, 3), None),
        (("a", 2), None),
        ((None, 2, 3, 4), None),
        ((True, 2), "cpu"),
    ],
)
@pytest.mark.parametrize("legacy", [False, True])
def test_new_with_a_first_argument_not_a_size_in_torchs_words(
    args: Any, device: Any, legacy: bool
) -> None:
    # Regression: arraygrad said "argument 'size' failed to unpack the object at pos 1";
    # torch's parser finds no form and says which refused the arguments, and why.
    said = []
    for m in (torch, ag):
        options = {} if device is None else {"device": device}
        with pytest.raises(TypeError) as caught:
            (m.FloatTensor if legacy else m.ones(1).new)(*args, **options)
        said.append(str(caught.value))
    assert said[1].startswith(said[0]) and "Fix:" in said[1]
