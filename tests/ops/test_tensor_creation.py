"""Tensor methods that make tensors like one (``new_zeros``, ...), convert it (``type``,
``short``, ...), describe its storage (``stride``, ``is_contiguous``, ...) and run Python
callbacks (``apply_``, ``map_``) (``_tensor_creation``) against torch 2.13.0."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import arraygrad as ag
from tests.ops._helpers import DTYPES, lib
from tests.oracle import OpSpec, run_gradcheck_case, run_torch_case

OP_TABLE = {
    "view_as": OpSpec(lambda x: x.view_as(lib(x).zeros(x.numel())) * 2),
    "view_as_unsqueezed": OpSpec(lambda x: x.view_as(x.unsqueeze(0)).exp()),
    "reshape_as": OpSpec(lambda x: x.mT.reshape_as(lib(x).zeros(x.numel())), min_dims=2),
    "reshape_as_self": OpSpec(lambda x: x.reshape_as(x) * x),
    "type_float64": OpSpec(lambda x: x.type(lib(x).float64) * x),
    "type_string": OpSpec(lambda x: x.type("torch.DoubleTensor").sin()),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=10)
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=6)
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


def _same(mine: Any, theirs: Any) -> None:
    assert tuple(mine.shape) == tuple(theirs.shape)
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert mine.requires_grad is theirs.requires_grad
    assert mine.is_leaf is theirs.is_leaf
    np.testing.assert_array_equal(mine.detach().numpy(), theirs.detach().numpy())


NEW_CASES = [
    (lambda m, x: x.new_zeros(2, 3), "float32"),
    (lambda m, x: x.new_zeros([2, 3]), "int64"),
    (lambda m, x: x.new_zeros((2, 0), dtype=m.int8), "float64"),
    (lambda m, x: x.new_zeros(()), "int32"),
    (lambda m, x: x.new_ones(4, dtype=m.float64, requires_grad=True), "float32"),
    (lambda m, x: x.new_ones(size=(1, 2)), "uint8"),
    (lambda m, x: x.new_ones(3), "bool"),
    (lambda m, x: x.new_full((2,), 3), "float32"),
    (lambda m, x: x.new_full([2, 2], 3.5), "int32"),
    (lambda m, x: x.new_full((), 7, dtype=m.int16), "float64"),
    (lambda m, x: x.new_full((1,), 0.5, requires_grad=True), "float16"),
    (lambda m, x: x.new_empty(0).fill_(1), "float32"),
    (lambda m, x: x.new_empty((2, 2)).zero_(), "int64"),
    (lambda m, x: x.new_tensor([1.5, 2.5]), "int64"),
    (lambda m, x: x.new_tensor([[1, 2]]), "float64"),
    (lambda m, x: x.new_tensor(3, dtype=m.float32, requires_grad=True), "int8"),
    (lambda m, x: x.new_tensor([True, False]), "uint8"),
    (lambda m, x: x.new_tensor([]), "float32"),
]


@pytest.mark.parametrize(("call", "dtype"), NEW_CASES)
def test_new_tensors_match_torch(call: Any, dtype: str) -> None:
    theirs = call(torch, torch.ones(2, dtype=getattr(torch, dtype)))
    mine = call(ag, ag.ones(2, dtype=getattr(ag, dtype)))
    _same(mine, theirs)


def test_new_tensor_copies_a_tensor_and_detaches_it() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match=r"new_tensor\(sourceTensor\)") as caught:
        y = x.new_tensor(x)  # torch warns here too (the warning points at this line)
    assert caught[0].filename == __file__
    assert y.is_leaf and not y.requires_grad
    with ag.no_grad():
        x.mul_(3)
    assert y.tolist() == [1.0, 2.0]
    with pytest.warns(UserWarning, match=r"new_tensor\(sourceTensor\)"):
        assert torch.ones(1).new_tensor(torch.ones(2)).tolist() == [1.0, 1.0]


def test_view_as_shares_memory_and_version() -> None:
    x = ag.zeros(2, 3)
    v = x.view_as(ag.zeros(6))
    v[0] = 5.0
    assert x[0, 0].item() == 5.0


DTYPE_NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("dtype", DTYPE_NAMES)
def test_type_strings_sign_and_sizes_match_torch(dtype: str) -> None:
    theirs = torch.zeros(2, 3, dtype=getattr(torch, dtype))
    mine = ag.zeros(2, 3, dtype=getattr(ag, dtype))
    assert mine.type() == theirs.type()
    assert mine.is_signed() == theirs.is_signed()
    assert mine.nbytes == theirs.nbytes
    assert mine.itemsize == theirs.itemsize
    assert mine.type(theirs.type()).dtype is mine.dtype
    converted = ag.ones(2).type(theirs.type())
    assert str(converted.dtype).split(".")[-1] == dtype


@pytest.mark.parametrize("method", ["short", "byte", "char"])
def test_short_byte_char_match_torch(method: str) -> None:
    values = [[-3.7, 0.2, 100.9], [7.0, -0.5, 12.0]]
    theirs = getattr(torch.tensor(values), method)()
    mine = getattr(ag.tensor(values), method)()
    _same(mine, theirs)


def test_type_keeps_the_tensor_when_the_dtype_is_its_own() -> None:
    x = ag.ones(2)
    assert x.type(ag.float32) is x
    assert torch.ones(2).type(torch.float32).dtype == torch.float32


@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 3), (1, 4, 0), (2, 1, 3)])
def test_facts_match_torch(shape: tuple[int, ...]) -> None:
    theirs = torch.zeros(shape)
    mine = ag.zeros(shape)
    assert mine.ndimension() == theirs.ndimension()
    assert mine.is_same_size(ag.ones(shape)) == theirs.is_same_size(torch.ones(shape))
    assert mine.is_same_size(ag.ones(5)) == theirs.is_same_size(torch.ones(5))
    assert mine.is_cpu is theirs.is_cpu is True
    assert mine.is_cuda is theirs.is_cuda is False
    assert mine.get_device() == theirs.get_device()
    assert mine.stride() == theirs.stride()
    for dim in range(-len(shape), len(shape)):
        assert mine.stride(dim) == theirs.stride(dim)
    assert mine.is_contiguous() == theirs.is_contiguous()
    assert mine.storage_offset() == theirs.storage_offset()


VIEWS = [
    lambda x: x.t(),
    lambda x: x.transpose(0, 1),
    lambda x: x.permute(1, 0),
    lambda x: x.mT,
    lambda x: x[1:, 1:],
    lambda x: x[1:][1:],
    lambda x: x[:, ::2],
    lambda x: x[2],
    lambda x: x[:, 3],
    lambda x: x[:, 1:3].t(),
    lambda x: x.narrow(1, 1, 2),
    lambda x: x.view(4, 3),
    lambda x: x.unsqueeze(1),
    lambda x: x[:1].t(),
    lambda x: x[1:1],
    lambda x: x.reshape(2, 6)[1],
]


@pytest.mark.parametrize("view", VIEWS)
def test_views_strides_offsets_and_contiguity_match_torch(view: Any) -> None:
    theirs = view(torch.arange(12.0).reshape(3, 4))
    mine = view(ag.arange(12.0).reshape(3, 4))
    assert mine.stride() == theirs.stride()
    assert mine.is_contiguous() == theirs.is_contiguous()
    if theirs.numel():  # NumPy keeps an empty slice at its base's start: offsets differ there
        assert mine.storage_offset() == theirs.storage_offset()


def test_apply_and_map_match_torch() -> None:
    theirs, mine = torch.tensor([[1.0, -2.0], [3.5, 0.0]]), ag.tensor([[1.0, -2.0], [3.5, 0.0]])
    assert mine.apply_(lambda v: v * v + 1) is mine
    theirs.apply_(lambda v: v * v + 1)
    _same(mine, theirs)
    other_t, other_m = torch.tensor([10.0, 20.0]), ag.tensor([10.0, 20.0])
    assert mine.map_(other_m, lambda a, b: a - b) is mine
    theirs.map_(other_t, lambda a, b: a - b)
    _same(mine, theirs)
    ints_t, ints_m = torch.tensor([1, 2, 3]), ag.tensor([1, 2, 3])
    ints_t.apply_(lambda v: v // 2)
    ints_m.apply_(lambda v: v // 2)
    _same(ints_m, ints_t)
    empty_t, empty_m = torch.zeros(0), ag.zeros(0)
    _same(empty_m.apply_(lambda v: v + 1), empty_t.apply_(lambda v: v + 1))


def test_apply_bumps_the_version() -> None:
    x = ag.ones(3)
    before = x._version
    x.apply_(lambda v: v)
    assert x._version > before


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda m: m.zeros(2, 3).stride(2), IndexError),
        (lambda m: m.zeros(2, 3).stride(-3), IndexError),
        (lambda m: m.zeros(2, 3).type("torch.Foo"), ValueError),
        (lambda m: m.zeros(2, 3).view_as(m.zeros(5)), RuntimeError),
        (lambda m: m.zeros(2, 3).reshape_as(m.zeros(5)), RuntimeError),
        (lambda m: m.zeros(2).new_zeros(-1), RuntimeError),
        (lambda m: m.zeros(2).new_ones(2, -3), RuntimeError),
        (lambda m: m.zeros(2).new_full((-1,), 1.0), RuntimeError),
        (lambda m: m.zeros(2, requires_grad=True).apply_(lambda v: v), RuntimeError),
        (lambda m: m.zeros(2, requires_grad=True).map_(m.zeros(2), lambda a, b: a), RuntimeError),
        (lambda m: m.zeros(2).map_(m.zeros(3), lambda a, b: a), RuntimeError),
        (lambda m: m.zeros(2).map_(m.ones(2, requires_grad=True), lambda a, b: b), RuntimeError),
    ],
)
def test_errors_match_torch(call: Any, error: type) -> None:
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error) as info:
        call(ag)
    assert len(str(info.value)) > 20


def test_is_contiguous_takes_its_memory_format_by_keyword_only_as_torch() -> None:
    for library in (torch, ag):
        x = library.ones(2, 3)
        assert x.is_contiguous(memory_format=library.contiguous_format)
        with pytest.raises(TypeError, match="positional"):
            x.is_contiguous(library.contiguous_format)
