"""Indexing, gather/scatter, masks, ``__setitem__`` and the selecting reductions (max, min, sort,
topk, kthvalue, median) against torch 2.13.0 and finite differences."""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import arraygrad as ag
from tests.ops._helpers import DTYPES, distinct, index_like, lib, same_shapes, shapes
from tests.oracle import (
    OpSpec,
    assert_call_as_torch,
    assert_like_torch_on,
    check_against_torch,
    grad_fn_names,
    gradcheck,
    outcome_in_each,
    run_gradcheck_case,
    run_torch_case,
    shape_cases,
)


def _take_index(x: Any) -> Any:
    """A (2, 3) int64 index into ``x.flatten()`` whose values repeat (gradients accumulate)."""
    values = (np.arange(6) * 7 + 3) % max(x.numel(), 1)
    return lib(x).tensor(values.reshape(2, 3), dtype=lib(x).int64)


def _assign(key: Any, scale: float = 1.0) -> Any:
    """``h[key] = v`` on a non-leaf ``h``: both ``x`` and ``v`` must get gradients."""

    def fn(x: Any, v: Any) -> Any:
        h = x * 2
        h[key] = v * scale
        return h * x

    return fn


def _assign_mask(x: Any, v: Any) -> Any:
    h = x * 2
    h[x > 0] = v * 3
    return h


OP_TABLE = {
    # __getitem__
    "index_int": OpSpec(lambda x: x[0], min_dims=1),
    "index_negative_step": OpSpec(lambda x: x[-1:, None, ..., 1::2], min_dims=2),
    "index_ellipsis": OpSpec(lambda x: x[..., -1], min_dims=1),
    "index_list_repeats": OpSpec(lambda x: x[[0, 0, -1, 0]], min_dims=1),
    "index_tensor_2d": OpSpec(lambda x: x[lib(x).tensor([[0, 0], [-1, 0]]), ..., 0], min_dims=2),
    "index_two_arrays": OpSpec(lambda x: x[[0, -1, 0], [-1, 0, -1]] * x[0, 0], min_dims=2),
    "index_mixed_slice": OpSpec(lambda x: x[1:, [0, 0]], min_dims=2),
    "index_bool_mask": OpSpec(lambda x: x[x > 0.5], kinks=(0.5,)),
    "index_bool_rows": OpSpec(lambda x: x[x[..., 0] > 0.25], min_dims=2, kinks=(0.25,)),
    # gather / scatter / select / masks
    "index_select": OpSpec(
        lambda x: x.index_select(0, lib(x).tensor([0, 0, -1 % x.shape[0]])), min_dims=1
    ),
    "index_select_last": OpSpec(
        lambda x: lib(x).index_select(x, -1, lib(x).tensor([0, 0])), min_dims=1
    ),
    "gather": OpSpec(lambda x: x.gather(-1, index_like(x, -1)), min_dims=1),
    "gather_dim0_wider": OpSpec(lambda x: lib(x).gather(x, 0, index_like(x, 0, 5)), min_dims=1),
    "take_along_dim": OpSpec(
        lambda x: lib(x).take_along_dim(x, index_like(x, 0, 2), dim=0), min_dims=1
    ),
    "take": OpSpec(lambda x: lib(x).take(x, _take_index(x))),
    "take_negative": OpSpec(lambda x: x.take(-1 - _take_index(x)[0])),
    "scatter_add": OpSpec(
        lambda x, s: x.scatter_add(0, index_like(x, 0), s), arity=2, shapes=same_shapes(2, 1)
    ),
    "scatter_add_last": OpSpec(
        lambda x, s: lib(x).scatter_add(x * 2, -1, index_like(x, -1), s.exp()),
        arity=2,
        shapes=same_shapes(2, 1),
    ),
    "masked_fill": OpSpec(lambda x: x.masked_fill(x > 0, 2.0), kinks=(0.0,)),
    "masked_fill_tensor": OpSpec(
        lambda x, v: x.masked_fill(x < 0.5, v * 2),
        arity=2,
        kinks=(0.5,),
        shapes=shapes().map(lambda s: (s, ())),
    ),
    # __setitem__ on a non-leaf
    "setitem_int": OpSpec(_assign(0), arity=2, shapes=shapes(1).map(lambda s: (s, s[1:]))),
    "setitem_slice_broadcast": OpSpec(
        _assign((slice(None, None, 2), Ellipsis)), arity=2, shapes=shapes(1).map(lambda s: (s, ()))
    ),
    "setitem_list": OpSpec(
        _assign(([0, -1],)), arity=2, shapes=shapes(1, min_side=2).map(lambda s: (s, s[1:]))
    ),
    "setitem_mask": OpSpec(
        _assign_mask, arity=2, shapes=shapes().map(lambda s: (s, ())), kinks=(0.0,)
    ),
    # reductions that select elements
    "max_all": OpSpec(lambda x: x.max()),
    "min_all": OpSpec(lambda x: lib(x).min(x * 3)),
    "max_dim": OpSpec(lambda x: x.max(dim=-1), min_dims=1),
    "max_dim_keepdim": OpSpec(lambda x: lib(x).max(x, 0, keepdim=True)),
    "min_dim": OpSpec(lambda x: tuple(x.min(0)), min_dims=1),
    "sort": OpSpec(lambda x: x.sort(stable=True), min_dims=1),
    "sort_descending": OpSpec(lambda x: lib(x).sort(x, dim=0, descending=True, stable=True)),
    "sort_distinct": OpSpec(lambda x: distinct(x).sort(dim=0), min_dims=1),
    "argsort": OpSpec(lambda x: x * x.argsort(dim=-1, stable=True), min_dims=1),
    "msort": OpSpec(lambda x: lib(x).msort(distinct(x)), min_dims=1),
    "topk": OpSpec(lambda x: distinct(x).topk(min(2, x.shape[-1])), min_dims=1),
    "topk_smallest": OpSpec(
        lambda x: lib(x).topk(distinct(x), 1, dim=0, largest=False), min_dims=1
    ),
    "kthvalue": OpSpec(lambda x: distinct(x).kthvalue(1, -1, keepdim=True), min_dims=1),
    "median_all": OpSpec(lambda x: x.median()),
    "median_dim": OpSpec(lambda x: distinct(x).median(0), min_dims=1),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=12)
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=6)
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    spec = OP_TABLE[name]
    if name.startswith(("max", "min", "sort", "argsort", "median")):
        # Finite differences cannot see which of two tied elements was picked: keep them apart
        # (ties are checked against torch in test_ties_route_gradients_like_torch).
        fn = spec.fn
        spec = dataclasses.replace(spec, fn=lambda x, *rest: fn(distinct(x), *rest))
    run_gradcheck_case(spec, data.draw)


TIES = np.array([[1.0, 3.0, 3.0, 0.0, 3.0], [2.0, 2.0, -1.0, -1.0, 2.0]])


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x.max(),
        lambda x: x.min(),
        lambda x: x.max(dim=1),
        lambda x: x.min(dim=1, keepdim=True),
        lambda x: x.max(dim=0),
        lambda x: x.sort(dim=1),
        lambda x: x.sort(dim=1, descending=True),
        lambda x: x.sort(dim=0, stable=True),
        lambda x: x.argsort(dim=1, descending=True) * x,
        lambda x: x.median(),
        lambda x: (x * 0).max(),
        lambda x: (x * 0).median(dim=1).values,
    ],
)
def test_ties_route_gradients_like_torch(fn: Any) -> None:
    """Full reductions share a tie's gradient evenly; with ``dim`` the first index wins."""
    check_against_torch(fn, None, [TIES], atol=0)


def test_max_with_nan_and_inf() -> None:
    for data in ([1.0, np.nan, 2.0], [np.inf, 1.0, np.inf], [-np.inf, -np.inf]):
        check_against_torch(lambda x: x.max(), None, [np.array(data)])
        check_against_torch(lambda x: x.max(0), None, [np.array(data)])


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("requires_grad", [False, True])
def test_full_extremum_of_negative_zero_is_negative_zero_as_torch(
    name: str, requires_grad: bool
) -> None:
    # The recorded form (value plus the mean of the ties' offsets, +0.0) made a maximum of -0.0
    # +0.0 when the input required grad; torch gives -0.0, with the gradient shared by the ties.
    values = [-1.0, -0.0, -2.0] if name == "max" else [1.0, -0.0, 2.0]
    got = getattr(ag.tensor(values, requires_grad=requires_grad), name)()
    leaf = torch.tensor(values, requires_grad=requires_grad)
    expected = getattr(leaf, name)()
    assert np.signbit(got.item()) == np.signbit(expected.item())
    if requires_grad:
        x = ag.tensor(values, requires_grad=True)
        getattr(x, name)().backward()
        expected.backward()
        assert x.grad.tolist() == leaf.grad.tolist()


def test_median_propagates_nan_like_torch() -> None:
    # torch.median is nan where a nan is present (index: the first nan); nanmedian skips them.
    data = np.array([[1.0, np.nan, 2.0, 0.0], [3.0, 1.0, np.nan, np.nan], [1.0, 2.0, 3.0, 4.0]])
    check_against_torch(lambda x: x.median(), None, [data])
    check_against_torch(lambda x: x.median(dim=1), None, [data])
    check_against_torch(lambda x: x.median(dim=0, keepdim=True), None, [data])
    indices = ag.tensor(data).median(dim=1).indices.tolist()
    assert indices == torch.tensor(data).median(dim=1).indices.tolist() == [1, 2, 1]


def test_max_returns_named_tuple() -> None:
    out = ag.tensor([[1.0, 5.0], [7.0, 2.0]]).max(dim=1)
    values, indices = out
    assert out.values is values and out.indices is indices
    assert indices.dtype is ag.int64 and indices.tolist() == [1, 0]
    assert "return_types.max" in repr(out)
    assert ag.max(ag.tensor(3.0), 0).indices.item() == 0


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x[[0, 0, 1, 0]],
        lambda x: x[:, [2, 2, 0]],
        lambda x: x[[1, 1], [2, 2]],
        lambda x: x.index_select(1, _idx(x, [0, 0, 0])),
        lambda x: x.gather(1, _idx(x, [[0, 0, 0], [2, 2, 1]])),
        lambda x: x.gather(0, _idx(x, [[1, 1, 1], [1, 1, 1], [1, 0, 1]])),
    ],
)
def test_repeated_indices_accumulate(fn: Any) -> None:
    check_against_torch(fn, None, [np.arange(6.0).reshape(2, 3)])


def _idx(x: Any, values: Any) -> Any:
    return lib(x).tensor(values, dtype=lib(x).int64)


def test_scatter_add_in_place_and_repeats() -> None:
    base = np.zeros((2, 4))
    src = np.arange(6.0).reshape(2, 3)

    def fn(b: Any, s: Any) -> Any:
        h = b * 1
        h.scatter_add_(1, _idx(b, [[0, 0, 3], [1, 1, 1]]), s)
        return h

    check_against_torch(fn, None, [base, src])
    gradcheck(fn, [base, src])


def test_masked_fill_in_place_and_broadcast_mask() -> None:
    def fn(x: Any, v: Any) -> Any:
        h = x * 1
        h.masked_fill_(lib(x).tensor([True, False, True]), v)
        return h

    check_against_torch(fn, None, [np.ones((2, 3)), np.array(5.0)])


def test_setitem_gradients_reach_base_and_value() -> None:
    x = ag.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    v = ag.tensor(10.0, requires_grad=True)
    h = x * 1
    h[1:3] = v
    assert h.tolist() == [1.0, 10.0, 10.0, 4.0]
    assert h._version == 1
    (h * ag.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 0.0, 4.0]
    assert v.grad.item() == 5.0


def test_setitem_into_plain_tensor_records_value() -> None:
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    buffer = ag.zeros(3)
    buffer[[0, 2]] = w * 2
    assert buffer.grad_fn is not None
    buffer.sum().backward()
    assert w.grad.tolist() == [2.0, 2.0]
    plain = ag.zeros(2, 3)
    plain[0] = ag.ones(1, 3)  # extra leading size-1 dimensions are accepted
    plain[plain == 0] = 7
    assert plain.tolist() == [[1.0, 1.0, 1.0], [7.0, 7.0, 7.0]]
    assert plain.grad_fn is None


def test_setitem_double_backward_matches_torch() -> None:
    data = [np.array([0.5, -1.0, 2.0]), np.array(1.5)]
    results = []
    for module in (ag, torch):
        x, v = (module.tensor(d, requires_grad=True) for d in data)
        h = x * x
        h[0] = v * v
        (gx, gv) = module.autograd.grad((h**2).sum(), (x, v), create_graph=True)
        results.append([g.detach().numpy() for g in module.autograd.grad(gx.sum() + gv, (x, v))])
    for mine, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(mine, theirs)


def test_setitem_on_leaf_requiring_grad_is_refused() -> None:
    w = ag.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        w[0] = 2.0
    with ag.no_grad():
        w[0] = 2.0
    assert w.tolist() == [2.0, 1.0, 1.0]


class _Index(int):
    """An int subclass (as an IntEnum is): PyTorch writes it as the int it is."""


SETITEM_VALUES = {
    "list": [1.0, 2.0],
    "one_element_list": [1.0],
    "empty_list": [],
    "tuple": (1.0, 2.0),
    "list_of_tensors": "[lib.tensor(1.0), lib.tensor(2.0)]",
    "ndarray": np.array([1.0, 2.0]),
    "0d_ndarray": np.array(1.0),
    "str": "a",
    "none": None,
    "np_float64": np.float64(1.5),
    "np_float32": np.float32(1.5),
    "np_float16": np.float16(1.5),
    "np_int64": np.int64(2),
    "np_int32": np.int32(2),
    "np_uint64": np.uint64(2),
    "np_uint64_past_int64": np.uint64(2**63),
    "np_bool": np.bool_(True),
    "np_complex64": np.complex64(1.0),
    "np_complex128": np.complex128(1 + 1j),
    "int": 3,
    "int_subclass": _Index(3),
    "int64_max": 2**63 - 1,
    "past_int64": 2**63,
    "below_int64": -(2**63) - 1,
    "float": 1.5,
    "bool": True,
    "complex": 1 + 2j,
    "real_complex": 3 + 0j,
    "zero_complex": 0j,
}
SETITEM_KEYS = {
    "int": "1",
    "out_of_range": "10",
    "slice": "slice(0, 2)",
    "ellipsis": "...",
    "false": "False",
    "index": "lib.tensor([0, 2])",
    "index_out_of_range": "lib.tensor([10])",
    "mask": "lib.tensor([True, False, True, False])",
}


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "uint8", "float16"])
@pytest.mark.parametrize("key", sorted(SETITEM_KEYS))
@pytest.mark.parametrize("value", sorted(SETITEM_VALUES))
def test_setitem_takes_the_values_torch_takes(value: str, key: str, dtype: str) -> None:
    # PyTorch reads the value first, before the key: a tensor, a Python number or a NumPy int,
    # float64 or complex128 (TypeError for a list, a NumPy array or a NumPy float32), an int
    # within int64 (ValueError), a complex number with no imaginary part unless the tensor is
    # bool (RuntimeError).
    def run(module: Any) -> Any:
        x = module.zeros(4, dtype=getattr(module, dtype))
        given = SETITEM_VALUES[value]
        if value == "list_of_tensors":
            given = eval(given, {"lib": module})
        x[eval(SETITEM_KEYS[key], {"lib": module})] = given
        return x.tolist()

    theirs, ours = outcome_in_each(run, (RuntimeError, IndexError, TypeError, ValueError))
    assert ours == theirs


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda m: m.ones(2, 3)[5], IndexError),
        (lambda m: m.ones(2, 3)[:, [5]], IndexError),
        (lambda m: m.ones(2, 3)[0, 0, 0], IndexError),
        (lambda m: m.ones(2, 3)[:, ::-1], ValueError),
        (lambda m: m.ones(2, 3)[m.tensor([True, False, True])], IndexError),
        (lambda m: m.ones(2, 3)[m.tensor([0.5])], IndexError),
        (lambda m: m.ones(3).gather(0, m.tensor([1.0])), RuntimeError),
        (lambda m: m.ones(2, 3).gather(1, m.tensor([1])), RuntimeError),
        (lambda m: m.ones(2, 3).gather(1, m.tensor([[3]])), RuntimeError),
        (lambda m: m.ones(2, 3).index_select(1, m.tensor([3])), RuntimeError),
        (lambda m: m.ones(3).masked_fill(m.ones(3), 1.0), RuntimeError),
        (lambda m: m.ones(3).masked_fill_(m.ones(2, 3) > 0, 1.0), RuntimeError),
        (lambda m: m.ones(3).masked_fill(m.ones(2) > 0, 1.0), RuntimeError),
        (
            lambda m: m.ones(3).scatter_add(0, m.tensor([0]), m.ones(1, dtype=m.float64)),
            RuntimeError,
        ),
        (lambda m: m.ones(0).max(), RuntimeError),
        (lambda m: m.ones(2, 0).max(1), IndexError),
        (lambda m: m.ones(3).topk(4), RuntimeError),
        (lambda m: m.ones(3).kthvalue(4), RuntimeError),
        (lambda m: m.ones(3).max(2), IndexError),
        (lambda m: _set(m.ones(3), slice(None), m.ones(2)), RuntimeError),
        (lambda m: m.take(m.ones(2, 3), m.tensor([6])), IndexError),
        (lambda m: m.take(m.ones(2, 3), m.tensor([-7])), IndexError),
        (lambda m: m.take(m.ones(0), m.tensor([0])), IndexError),
        (lambda m: m.take(m.ones(2, 3), m.tensor([1.0])), RuntimeError),
        (lambda m: m.ones(3).take(m.tensor([1], dtype=m.int32)), RuntimeError),
    ],
)
def test_errors_match_torch(call: Any, error: type) -> None:
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error) as info:
        call(ag)
    assert len(str(info.value)) > 20


def test_take_values_match_torch() -> None:
    data = np.arange(6).reshape(2, 3)
    for index in ([[0, -1], [5, 2]], 4, -6, [], [[3]]):
        mine = ag.take(ag.tensor(data), ag.tensor(index, dtype=ag.int64))
        theirs = torch.take(torch.tensor(data), torch.tensor(index, dtype=torch.int64))
        assert mine.dtype is ag.int64 and tuple(mine.shape) == tuple(theirs.shape), index
        assert mine.tolist() == theirs.tolist(), index
    empty = ag.take(ag.ones(0), ag.tensor([], dtype=ag.int64))
    theirs = torch.take(torch.ones(0), torch.tensor([], dtype=torch.int64))
    assert tuple(empty.shape) == tuple(theirs.shape)


def _set(x: Any, key: Any, value: Any) -> None:
    x[key] = value


def test_error_messages_name_shapes() -> None:
    with pytest.raises(IndexError, match=r"shape \[2, 3\]"):
        ag.ones(2, 3)[:, [5]]
    with pytest.raises(RuntimeError, match=r"value tensor of shape \[2\].*\[3\]"):
        _set(ag.ones(3), slice(None), ag.ones(2))


# A 0-d src or index counts as one element in each dimension (PyTorch's ensure_nonempty_size);
# index_add_ and index_reduce_ compare the shapes of self and a 0-d source, index_copy_ does not.
SCALAR_INDEX_WRITES = [
    "x[0].index_add_(0, lib.tensor([0]), lib.tensor(5.0))",
    "x[0].index_copy_(0, lib.tensor([0]), lib.tensor(5.0))",
    "x.index_copy_(0, lib.tensor([1]), lib.tensor(5.0))",
    "x[:1, :1].index_copy_(0, lib.tensor([0]), lib.tensor(5.0))",
    "x[0].index_reduce_(0, lib.tensor([0]), lib.tensor(5.0), 'prod')",
    "x[0].scatter_add_(0, lib.tensor([0]), lib.tensor(5.0))",
    "x[0].scatter_add_(0, lib.tensor(1), lib.tensor(5.0))",
    "x[0].scatter_(0, lib.tensor(2), lib.tensor([5.0, 6.0]))",
    "x[0].scatter_reduce_(0, lib.tensor([3]), lib.tensor(5.0), 'sum')",
    "x.scatter_add_(0, lib.tensor([[0]]), lib.tensor(5.0))",
    "x.scatter_add_(1, lib.tensor([[0, 1]]), lib.tensor([1.0]))",
    "x.scatter_(1, lib.tensor([[0, 1]]), lib.tensor(5.0))",
    "x.scatter_add_(0, lib.tensor([0, 1]), lib.ones(2, 4))",
]


@pytest.mark.parametrize("write", SCALAR_INDEX_WRITES)
def test_scalar_sources_and_indices_of_index_writes_follow_torch(write: str) -> None:
    def run(module: Any) -> Any:
        x = module.arange(12.0).reshape(3, 4)
        exec(write, {"x": x, "lib": module})
        return x.tolist()

    theirs, ours = outcome_in_each(run)
    assert ours == theirs


@pytest.mark.parametrize(
    "read",
    [
        "lib.gather(x[0], 0, lib.tensor(2))",
        "lib.gather(x[0], 0, lib.tensor([2]))",
        "lib.gather(x[0, 0], 0, lib.tensor(0))",
        "lib.take_along_dim(x[0], lib.tensor(2), 0)",
        "lib.take_along_dim(x, lib.tensor([[1]]), 1)",
    ],
)
def test_gather_of_a_0d_index_follows_torch(read: str) -> None:
    def run(module: Any) -> Any:
        result = eval(read, {"x": module.arange(12.0).reshape(3, 4), "lib": module})
        return list(result.shape), result.tolist()

    theirs, ours = outcome_in_each(run)
    assert ours == theirs


def test_gather_refuses_a_negative_index_as_torch() -> None:
    # gather (and take_along_dim without a dim, which gathers the flattened tensor) refuse
    # a negative index, where arraygrad's gather read -k as size - k; take_along_dim along a
    # dim still reads it so, as PyTorch's
    reads = [
        "lib.gather(x, 1, lib.tensor([[-1]]))",
        "lib.gather(x, 0, lib.tensor([[0, -3]]))",
        "lib.take_along_dim(x, lib.tensor([-1, 2]))",
        "lib.take_along_dim(x, lib.tensor([[-1], [-4], [2]]), 1)",
        "x.take_along_dim(lib.tensor([[-2, 0, -3, 1]]), 0)",
    ]

    def run(module: Any) -> Any:
        x = module.arange(12.0).reshape(3, 4)
        outcomes = []
        for read in reads:
            try:
                outcomes.append(eval(read, {"x": x, "lib": module}).tolist())
            except RuntimeError as error:
                outcomes.append(type(error).__name__)
        return outcomes

    assert run(ag) == run(torch)


def test_uint8_index_tensors_are_masks_with_torchs_warning() -> None:
    # PyTorch still reads a uint8 index tensor as a boolean mask (deprecated, with a warning);
    # read as integer indices it picked other elements without a word.
    outcomes = []
    for module in (torch, ag):
        x = module.arange(3.0)
        mask = module.tensor([1, 0, 1], dtype=module.uint8)
        with pytest.warns(UserWarning, match="indexing with dtype torch.uint8 is now deprecated"):
            picked = x[mask].tolist()
        with pytest.warns(UserWarning):
            x[mask] = module.tensor([7.0, 8.0])
        with pytest.warns(UserWarning):
            summed = x.index_put((mask,), module.tensor([1.0, 2.0]), accumulate=True)
        outcomes.append((picked, x.tolist(), summed.tolist()))
    assert outcomes[1] == outcomes[0]


# The targets of the write tests below: a root, a view and a tensor whose writes are recorded.
WRITE_TARGETS = {
    "root": lambda lib: lib.zeros(3, 3),
    "view": lambda lib: lib.zeros(4, 3)[1:],
    "recorded": lambda lib: lib.zeros(3, 3, requires_grad=True).clone(),
}


def _write_outcome(lib: Any, target: str, write: str) -> Any:
    """``write`` run on a target of ``WRITE_TARGETS`` (``m``: a uint8 mask): the values written,
    or the error's class and which of PyTorch's checks raised it (told by its message); and
    whether it warned about a uint8 index."""
    x = WRITE_TARGETS[target](lib)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            mask = lib.tensor([1, 0, 1], dtype=lib.uint8)
            exec(write, {"x": x, "lib": lib, "m": mask})
            outcome: Any = x.tolist()
        except (RuntimeError, IndexError) as error:
            checks = ("shape mismatch", "dtypes match", "out of bounds", "masked_fill_", "mask")
            outcome = (type(error).__name__, next(c for c in checks if c in str(error)))
    uint8_warned = any("torch.uint8 is now deprecated" in str(w.message) for w in caught)
    return outcome, uint8_warned


@pytest.mark.parametrize("target", list(WRITE_TARGETS))
@pytest.mark.parametrize(
    "write",
    [
        "x[lib.tensor([5])] = lib.ones(3)",
        # the value's shape, then its dtype, are checked before the indices' values
        "x[lib.tensor([5])] = lib.ones(4)",
        "x[[[5]]] = lib.ones(4)",
        "x[[5]] = lib.ones(2, 3)",
        "x[:, lib.tensor([7])] = lib.ones(4)",
        "x[lib.tensor([5]), None] = lib.ones(2)",
        "x[lib.tensor([5]), lib.tensor([0])] = lib.ones(2)",
        "x[0, lib.tensor([5])] = lib.ones(2)",
        "x[lib.tensor([5])] = lib.ones(4, dtype=lib.float64)",
        "x[lib.tensor([5])] = lib.ones(3, dtype=lib.float64)",
        "x[lib.tensor([5])] = lib.tensor(1.0, dtype=lib.float64)",
        "x[:, lib.tensor([7])] = lib.ones(3, 1, dtype=lib.float64)",
        "x[lib.tensor([0])] = lib.ones(4, dtype=lib.float64)",
        # ints and 0-d integer tensors select first: their bounds come first
        "x[5, lib.tensor([0])] = lib.ones(2)",
        "x[lib.tensor(5), lib.tensor([0])] = lib.ones(2)",
        # a mask of the wrong shape fails before the value is read
        "x[lib.tensor([True, False])] = lib.ones(4)",
    ],
)
def test_index_writes_check_the_value_before_the_indices_like_torch(
    target: str, write: str
) -> None:
    assert _write_outcome(ag, target, write) == _write_outcome(torch, target, write)


@pytest.mark.parametrize("target", list(WRITE_TARGETS))
@pytest.mark.parametrize(
    "write",
    [
        # one uint8 mask and a one-element value: PyTorch's masked_fill_, which refuses it
        "x[m] = 5.0",
        "x[m] = 5",
        "x[m] = lib.tensor(5.0)",
        "x[m] = lib.tensor(5.0, dtype=lib.float64)",
        "x[m] = lib.tensor([[5.0]])",
        "x[(m,)] = 5.0",
        "x[:, m] = 5.0",
        "x[m, 0] = 5.0",
        "x[None, m] = 5.0",
        "x[lib.tensor([[1, 0, 1]] * 3, dtype=lib.uint8)] = 5.0",
        "x[lib.tensor([0, 0, 0], dtype=lib.uint8)] = 5.0",
        # ... after checking the mask's shape
        "x[lib.tensor([1, 0], dtype=lib.uint8)] = 5.0",
        # other values, or a mask among other indices: a mask, with the uint8 warning
        "x[m] = lib.ones(3)",
        "x[m] = lib.ones(2, 1)",
        "x[m] = lib.ones(2, 3, dtype=lib.float64)",
        "x[m, lib.tensor([0])] = 5.0",
        # a bool mask fills
        "x[m.bool()] = 5.0",
    ],
)
def test_uint8_mask_writes_follow_torch(target: str, write: str) -> None:
    assert _write_outcome(ag, target, write) == _write_outcome(torch, target, write)


@pytest.mark.parametrize(
    "expression",
    ["x.gather(1, lib.tensor([[0], [2]]))", "lib.gather(x[0], 0, lib.tensor(1))",
     "lib.take_along_dim(x, lib.tensor([[0], [1]]), 1)", "lib.take_along_dim(x, lib.tensor([4]))",
     "x.masked_fill(x.detach() > 0, 0.0)", "x.masked_fill(x.detach() > 0, lib.tensor(1.0))"],
)  # fmt: skip
def test_grad_fn_names_as_torch_does(expression: str) -> None:
    mine, theirs = grad_fn_names(expression)
    assert mine == theirs


@pytest.mark.parametrize(
    "value", [1e300, -1e39, 3.4e38, 70000, 1 + 2**-8 + 2**-30, 1 + 2**-11 + 2**-40, True]
)
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_setitem_rounds_into_reduced_floats_unchecked_as_torch(dtype: str, value: float) -> None:
    # x[0] = 1e300 raised RuntimeError for bfloat16 (float16 already wrote inf, as torch), and
    # float16 took 1 + 2**-11 + 2**-40 rounded once (1.0009765625), where torch rounds the
    # double to float first (1.0)
    written = []
    for module in (torch, ag):
        x = module.zeros(3, dtype=getattr(module, dtype))
        x[0] = value
        x[1:2] = value
        written.append(x.view(module.int16).tolist())
    assert written[1] == written[0]


@pytest.mark.parametrize("name", ["masked_fill", "masked_fill_"])
@pytest.mark.parametrize("value", [1 + 2j, 1 + 0j, 2.5])
@pytest.mark.parametrize("dtype", ["float64", "float16", "int32", "bool", "complex64"])
def test_masked_fill_with_a_0d_complex_value_as_torch(name: str, value: Any, dtype: str) -> None:
    # a 0-d value is read as a number: a complex one's imaginary part is refused by a real
    # tensor, as a complex number is
    def call(lib: Any, x: Any) -> Any:
        fill = lib.tensor(value, dtype=lib.complex64 if isinstance(value, complex) else None)
        return getattr(x, name)(x == 1, fill)

    assert_call_as_torch(call, dtype)


# Regression (emptygrid): index_select of a 0-d tensor returned a (k,) result for any number of
# indices (torch: 0-d, and exactly one index), and an index into an empty dimension of a matrix
# raised IndexError (torch: RuntimeError, "self indexing axis dim should be positive").
INDEX_SELECT_CASES = [
    ("one_index_0d", lambda L, x: L.index_select(x, 0, L.tensor([0])), [()]),
    ("no_index_0d", lambda L, x: L.index_select(x, -1, L.tensor([], dtype=L.int64)), [()]),
    ("two_indices_0d", lambda L, x: L.index_select(x, 0, L.tensor([0, 0])), [()]),
    ("empty_axis", lambda L, x: L.index_select(x, 0, L.tensor([0])), [(0, 3), (0,), (3, 0)]),
    ("empty_last_axis", lambda L, x: L.index_select(x, -1, L.tensor([1])), [(3, 0), (0, 3)]),
    ("out_of_range", lambda L, x: L.index_select(x, 0, L.tensor([5])), [(3, 0), (2, 0, 3)]),
    ("empty_index", lambda L, x: L.index_select(x, 1, L.tensor([], dtype=L.int64)), [(0, 3)]),
]


@shape_cases(INDEX_SELECT_CASES)
def test_index_select_of_empty_and_0d_tensors_as_torch(call: Any, shape: tuple[int, ...]) -> None:
    assert_like_torch_on(call, shape)
