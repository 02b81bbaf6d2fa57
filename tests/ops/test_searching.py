"""nonzero, argwhere, masked_select, searchsorted, bucketize, unique, unique_consecutive,
bincount and histc against torch 2.13.0.

Only ``masked_select`` is differentiable (an OP_TABLE row); the others return indices or counts
and are compared directly on several inputs, edge cases included (empty, 0-d, negative dims,
NaN, ties).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import arraygrad as ag
from tests.ops._helpers import DTYPES, lib
from tests.oracle import (
    OpSpec,
    assert_like_torch_on,
    assert_refused_as_torch,
    grad_fn_names,
    run_gradcheck_case,
    run_torch_case,
    shape_cases,
    strict_backend,
)

NAN = float("nan")
INF = float("inf")


def _mask_shapes() -> Any:
    """An input shape and a mask shape that broadcast against it (either way)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3).map(
        lambda r: r.input_shapes
    )


OP_TABLE = {
    # kinks: finite differences must not move an element across the mask's threshold
    "masked_select": OpSpec(lambda x: x.masked_select(x > 0), kinks=(0.0,)),
    "masked_select:broadcast": OpSpec(
        lambda x, m: lib(x).masked_select(x, m > 0), arity=2, shapes=_mask_shapes(), kinks=(0.0,)
    ),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(n for n in OP_TABLE if OP_TABLE[n].gradcheck))
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


# --- direct comparisons --------------------------------------------------------------------------


def _same(mine: Any, theirs: Any) -> None:
    """Equal structure, shapes, dtypes and values (NaN equal to NaN); no gradient on mine."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(mine, (tuple, list)) and len(mine) == len(theirs)
        for a, b in zip(mine, theirs, strict=True):
            _same(a, b)
        return
    assert isinstance(mine, ag.Tensor), type(mine)
    assert tuple(mine.shape) == tuple(theirs.shape), (mine.shape, theirs.shape)
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(mine.numpy(force=True), theirs.detach().numpy())


def _compare(fn: Any, *values: Any) -> None:
    arrays = [np.asarray(v) for v in values]
    theirs = fn(torch, *[torch.tensor(a) for a in arrays])
    mine = fn(ag, *[ag.tensor(a) for a in arrays])
    _same(mine, theirs)


FLOATS = [
    np.array([[0.0, 1.5, -2.0], [NAN, 0.0, 3.0]]),
    np.array(0.0),
    np.array(4.0),
    np.zeros((0, 3)),
    np.array([[[1.0, 0.0]], [[0.0, -0.0]]]),
]
INTS = [np.array([3, 1, 3, 0, 1, 1]), np.array([[2, 2], [0, 2], [2, 2]]), np.array(7)]

NONZERO = {
    "nonzero": lambda L, x: L.nonzero(x),
    "nonzero_method": lambda L, x: x.nonzero(),
    "nonzero_as_tuple": lambda L, x: L.nonzero(x, as_tuple=True),
    "argwhere": lambda L, x: L.argwhere(x),
    "argwhere_method_bool": lambda L, x: (x > 0).argwhere(),
    "count_mask": lambda L, x: L.masked_select(x, x != 0),
}


@pytest.mark.parametrize("name", sorted(NONZERO))
@pytest.mark.parametrize("values", FLOATS + INTS, ids=repr)
def test_nonzero_family_matches_torch(name: str, values: np.ndarray) -> None:
    _compare(NONZERO[name], values)


SEQUENCE = np.array([1.0, 2.0, 2.0, 3.0, 5.0])
PROBES = np.array([[NAN, 2.0, 0.0], [5.0, INF, -INF], [2.5, 1.0, 6.0]])


@pytest.mark.parametrize("right", [False, True])
@pytest.mark.parametrize("int32", [False, True])
def test_searchsorted_and_bucketize_match_torch(right: bool, int32: bool) -> None:
    kw = {"right": right, "out_int32": int32}
    _compare(lambda L, s, v: L.searchsorted(s, v, **kw), SEQUENCE, PROBES)
    _compare(lambda L, s, v: L.searchsorted(s, v[0, 1], **kw), SEQUENCE, PROBES)
    _compare(lambda L, s, v: L.bucketize(v, s, **kw), SEQUENCE, PROBES)
    _compare(lambda L, s, v: L.bucketize(v[2, 2], s, **kw), SEQUENCE, PROBES)
    rows = np.array([[1.0, 3.0, 5.0, 7.0], [-1.0, 0.0, 0.0, 8.0], [2.0, 2.0, 2.0, 2.0]])
    _compare(lambda L, s, v: L.searchsorted(s, v, **kw), rows, PROBES)
    _compare(lambda L, s, v: L.searchsorted(s, v[:, :0], **kw), rows, PROBES)
    _compare(lambda L, s, v: L.searchsorted(s, v, **kw), np.zeros(0), PROBES)


def test_searchsorted_side_sorter_scalars_and_mixed_dtypes() -> None:
    unsorted = np.array([5, 1, 3, 3])
    order = np.argsort(unsorted, kind="stable")
    for side in ("left", "right"):
        _compare(
            lambda L, s, o, v, side=side: L.searchsorted(s, v, side=side, sorter=o),
            unsorted,
            order,
            np.array([0, 3, 4, 9]),
        )
    _compare(lambda L, s: L.searchsorted(s, 3), unsorted[order])
    _compare(lambda L, s: L.bucketize(2.5, s), unsorted[order].astype(np.float32))
    _compare(lambda L, s, v: L.searchsorted(s, v), unsorted[order], np.array([2.5, -1.0]))


@given(
    boundaries=hnp.arrays(np.float64, st.integers(0, 6), elements=st.integers(-3, 3)),
    values=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=0, max_dims=2, max_side=4),
        elements=st.integers(-4, 4),
    ),
    right=st.booleans(),
)
@settings(max_examples=40)
def test_bucketize_matches_torch_on_drawn_inputs(
    boundaries: np.ndarray, values: np.ndarray, right: bool
) -> None:
    _compare(lambda L, b, v: L.bucketize(v, b, right=right), np.sort(boundaries), values)


UNIQUE_INPUTS = [
    np.array([3.0, NAN, 1.0, NAN, 3.0, -0.0, 0.0]),
    np.array([[3, 1], [1, 1], [3, 1]]),
    np.array([True, False, True]),
    np.array(2.5),
    np.zeros((0,)),
    np.array([[2, 1, 2], [2, 1, 2], [0, 5, 0]]),
]


@pytest.mark.parametrize("values", UNIQUE_INPUTS, ids=repr)
@pytest.mark.parametrize("inverse", [False, True])
@pytest.mark.parametrize("counts", [False, True])
def test_unique_matches_torch(values: np.ndarray, inverse: bool, counts: bool) -> None:
    kw = {"return_inverse": inverse, "return_counts": counts}
    _compare(lambda L, x: L.unique(x, **kw), values)
    _compare(lambda L, x: x.unique(sorted=True, **kw), values)
    _compare(lambda L, x: L.unique_consecutive(x, **kw), values)
    if np.isnan(values).any():
        return  # PyTorch's unique along a dim sorts NaN inconsistently (its order is undefined)
    for dim in range(-values.ndim, values.ndim):
        _compare(lambda L, x, dim=dim: L.unique(x, dim=dim, **kw), values)
        _compare(lambda L, x, dim=dim: x.unique_consecutive(dim=dim, **kw), values)


@given(
    values=hnp.arrays(
        np.int64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), elements=st.integers(0, 2)
    ),
    dim=st.integers(-3, 2),
)
@settings(max_examples=40)
def test_unique_along_dim_matches_torch_on_drawn_inputs(values: np.ndarray, dim: int) -> None:
    kw = {"return_inverse": True, "return_counts": True}
    if not -values.ndim <= dim < values.ndim or (values.shape[dim] and 0 in values.shape):
        return
    _compare(lambda L, x: L.unique(x, dim=dim, **kw), values)
    _compare(lambda L, x: L.unique_consecutive(x, dim=dim, **kw), values)


def test_unique_result_carries_no_gradient() -> None:
    # PyTorch marks the result as requiring grad, but backward through it is not implemented
    # (``_unique2``), as arraygrad's; histc's and bincount's do not require grad, in both.
    x = ag.tensor([2.0, 1.0, 2.0], requires_grad=True)
    values = ag.unique(x)
    assert values.requires_grad and values.grad_fn.name() == "Unique2Backward0"
    with pytest.raises(NotImplementedError, match="the derivative for '_unique2'"):
        values.sum().backward()
    assert not ag.histc(x).requires_grad and not ag.bincount(ag.tensor([1]), x[:1]).requires_grad


BINCOUNT = [
    (np.array([1, 1, 3]), None, 0),
    (np.array([1, 1, 3]), None, 6),
    (np.array([0, 2, 2]), np.array([0.5, 0.25, 1.0]), 0),
    (np.array([0, 2, 2]), np.array([0.5, 0.25, 1.0], dtype=np.float32), 4),
    (np.array([0, 2, 2]), np.array([1, 2, 3]), 0),
    (np.array([], dtype=np.int64), None, 0),
    (np.array([], dtype=np.int64), None, 3),
    (np.array([4], dtype=np.int32), None, 0),
    (np.array([1, 0], dtype=np.uint8), None, 0),
]


@pytest.mark.parametrize(("values", "weights", "minlength"), BINCOUNT, ids=repr)
def test_bincount_matches_torch(values: np.ndarray, weights: Any, minlength: int) -> None:
    if weights is None:
        _compare(lambda L, x: L.bincount(x, minlength=minlength), values)
        _compare(lambda L, x: x.bincount(None, minlength), values)
    else:
        _compare(lambda L, x, w: L.bincount(x, w, minlength=minlength), values, weights)


HISTC = [
    (np.array([1.0, 2.0, 1.0]), {"bins": 4, "min": 0, "max": 3}),
    (np.array([1.0, 2.0, 1.0, NAN, 5.0, -1.0]), {"bins": 3, "min": 0, "max": 5}),
    (np.array([2.0, 2.0]), {"bins": 4}),
    (np.array([1.0, 2.0, 3.0]), {"bins": 2, "min": 2, "max": 2}),
    (np.array([0.0, 1.0, 2.0, 3.0]), {"bins": 3, "min": 0, "max": 3}),
    (np.array([1.0, INF]), {"bins": 2, "min": 0, "max": 2}),
    (np.zeros(0), {"bins": 2}),
    (np.array(1.5), {}),
    (np.array([0.1, 0.2, 0.3, 0.7, 0.9, 1.0], dtype=np.float32), {"bins": 10, "min": 0, "max": 1}),
    (np.array([[0.1, 0.2, 0.3], [0.7, 0.9, 1.0]]), {"bins": 10, "min": 0, "max": 1}),
    (np.array([-3.0, 7.0, 0.3]), {"bins": 7}),
]


@pytest.mark.parametrize(("values", "kwargs"), HISTC, ids=repr)
def test_histc_matches_torch(values: np.ndarray, kwargs: dict) -> None:
    _compare(lambda L, x: L.histc(x, **kwargs), values)
    _compare(lambda L, x: x.histc(**kwargs), values)


@given(
    values=hnp.arrays(
        st.sampled_from([np.float32, np.float64]),
        st.integers(0, 30),
        elements=st.floats(-10, 10, width=32),
    ),
    bins=st.integers(1, 12),
    low=st.sampled_from([0.0, -5.0, -1.1]),
    high=st.sampled_from([0.0, 5.0, 3.7]),
)
@settings(max_examples=60)
def test_histc_matches_torch_on_drawn_inputs(
    values: np.ndarray, bins: int, low: float, high: float
) -> None:
    if low > high:
        return
    _compare(lambda L, x: L.histc(x, bins=bins, min=low, max=high), values)


# --- misuse --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "error"),
    [
        (lambda L: L.masked_select(L.ones(2), L.ones(2)), RuntimeError),
        (lambda L: L.masked_select(L.ones(2), L.ones(3) > 0), RuntimeError),
        (lambda L: L.searchsorted(L.ones(2, 2), L.ones(1)), RuntimeError),
        (lambda L: L.searchsorted(L.ones(2), L.ones(1), side="left", right=True), RuntimeError),
        (lambda L: L.searchsorted(L.ones(2), L.ones(1), side="middle"), RuntimeError),
        (lambda L: L.bucketize(L.ones(1), L.ones(2, 2)), RuntimeError),
        (lambda L: L.unique(L.ones(2, 0), dim=0), RuntimeError),
        (lambda L: L.unique(L.ones(2), dim=1), IndexError),
        (lambda L: L.bincount(L.tensor([-1])), RuntimeError),
        (lambda L: L.bincount(L.tensor([[1]])), RuntimeError),
        (lambda L: L.bincount(L.tensor([1.0])), NotImplementedError),
        (lambda L: L.bincount(L.tensor([1]), minlength=-1), RuntimeError),
        (lambda L: L.bincount(L.tensor([1, 2]), weights=L.tensor([1.0])), RuntimeError),
        (lambda L: L.histc(L.tensor([1.0]), bins=0), RuntimeError),
        (lambda L: L.histc(L.tensor([1.0]), min=3, max=1), RuntimeError),
        (lambda L: L.histc(L.tensor([1])), NotImplementedError),
        (lambda L: L.histc(L.tensor([1.0, NAN])), RuntimeError),
        (lambda L: L.histc(L.tensor([1.0, INF]), bins=2), RuntimeError),
    ],
)
def test_misuse_raises_like_torch(fn: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        fn(torch)
    with pytest.raises(error):
        fn(ag)


@pytest.mark.parametrize(
    "fn",
    [
        lambda L: L.histc(L.tensor([0, 0, 0], dtype=L.uint8)),  # range [-1, 1]
        lambda L: L.histc(L.tensor([255, 255], dtype=L.uint8)),
        lambda L: L.histc(L.tensor([], dtype=L.uint8)),
        lambda L: L.histc(L.tensor([-128], dtype=L.int8)),
        lambda L: L.histc(L.tensor([2**31 - 1], dtype=L.int32)),
        lambda L: L.histc(L.tensor([1, 2], dtype=L.uint8), min=-1, max=3),
        lambda L: L.histc(L.tensor([1, 2], dtype=L.int16), min=0, max=70000),
        lambda L: L.histc(L.tensor([2**63 - 1])),  # +-1 changes nothing in double
        lambda L: L.histc(L.tensor([1, 2], dtype=L.uint8), min=5, max=3),
    ],
)
def test_histc_of_integers_refuses_a_range_the_dtype_cannot_hold_as_torch(fn: Any) -> None:
    # PyTorch converts the range to the input's dtype before it finds it has no integer
    # kernel: a RuntimeError where arraygrad raised NotImplementedError (dtype fuzzer, seed
    # 1468112). Elsewhere both raise NotImplementedError (the table above).
    for L in (torch, ag):
        with pytest.raises(RuntimeError) as error:
            fn(L)
        assert error.type is RuntimeError  # not its subclass NotImplementedError


def test_messages_name_the_problem() -> None:
    with pytest.raises(RuntimeError, match=r"boundaries tensor \[2, 2\].*Fix"):
        ag.searchsorted(ag.ones(2, 2), ag.ones(1))
    with pytest.raises(RuntimeError, match=r"non-negative.*Fix"):
        ag.bincount(ag.tensor([-1]))
    with pytest.raises(RuntimeError, match=r"BoolTensor.*Fix"):
        ag.masked_select(ag.ones(2), ag.ones(2))


# --- other array libraries -----------------------------------------------------------------------

STRICT_CASES = {
    "nonzero": lambda: (ag.tensor([[0.0, 1.0], [2.0, 0.0]]).nonzero(), ag.argwhere(ag.tensor(0.0))),
    "nonzero_as_tuple": lambda: ag.nonzero(ag.tensor([[0, 3], [1, 0]]), as_tuple=True),
    "searchsorted": lambda: ag.searchsorted(ag.tensor([1.0, 2.0, 3.0]), ag.tensor([[2.5, NAN]])),
    "searchsorted_rows": lambda: ag.searchsorted(
        ag.tensor([[1, 3], [2, 4]]), ag.tensor([[2], [5]]), side="right"
    ),
    "searchsorted_sorter": lambda: ag.searchsorted(
        ag.tensor([3, 1]), ag.tensor([2]), sorter=ag.tensor([1, 0])
    ),
    "bucketize": lambda: ag.bucketize(
        ag.tensor([0.5, 2.0, 9.0]), ag.tensor([1.0, 2.0]), right=True
    ),
    "unique": lambda: ag.unique(
        ag.tensor([3.0, NAN, 1.0, 3.0]), return_inverse=True, return_counts=True
    ),
    "unique_dim": lambda: ag.unique(
        ag.tensor([[1, 2], [1, 2], [0, 5]]), dim=0, return_inverse=True, return_counts=True
    ),
    "unique_bool": lambda: ag.unique(ag.tensor([True, False, True])),
    "unique_consecutive": lambda: ag.unique_consecutive(
        ag.tensor([1, 1, 2, 1]), return_inverse=True, return_counts=True
    ),
    "bincount": lambda: (
        ag.bincount(ag.tensor([1, 1, 3])),
        ag.bincount(ag.tensor([1, 1]), ag.tensor([0.5, 0.25])),
    ),
    "histc": lambda: ag.histc(ag.tensor([1.0, 2.0, 1.0, NAN]), bins=4, min=0, max=3),
    "masked_select": lambda: ag.masked_select(ag.tensor(2.0), ag.tensor([True, False, True])),
}


def _plain(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return (str(value.dtype), tuple(value.shape), np.asarray(value.numpy()).tolist())


@pytest.mark.parametrize("name", sorted(STRICT_CASES))
def test_same_results_on_array_api_strict(name: str) -> None:
    expected = _plain(STRICT_CASES[name]())
    with strict_backend():
        got = _plain(STRICT_CASES[name]())
    assert repr(got) == repr(expected)  # repr: NaN compares equal to NaN


# PyTorch's binary search compares with NaN as false: a NaN value goes to the end, and a search
# steps right past NaN boundaries (NumPy's orders NaN last, so they differ).
NAN_SEARCHES = {
    "nan_boundary_at_end": (np.array([1.0, NAN]), np.array([NAN, 2.0, 0.0, 1.0])),
    "nan_boundaries_tail": (
        np.array([1.0, 2.0, 3.0, NAN, NAN]),
        np.array([NAN, 0.0, 1.0, 2.5, 3.0, 4.0]),
    ),
    "batched_nan_row": (
        np.array([[1.0, 3.0, 5.0], [0.0, 2.0, NAN]]),
        np.array([[2.5, 5.0], [NAN, 1.0]]),
    ),
    "empty_rows": (np.zeros((2, 0)), np.ones((2, 3))),
}


@pytest.mark.parametrize("right", [False, True])
@pytest.mark.parametrize("name", sorted(NAN_SEARCHES))
def test_searchsorted_with_nan_matches_torch(name: str, right: bool) -> None:
    sequence, values = NAN_SEARCHES[name]
    _compare(lambda L, s, v: L.searchsorted(s, v, right=right), sequence, values)
    if sequence.ndim == 1:
        _compare(lambda L, s, v: L.bucketize(v, s, right=right), sequence, values)


UNRAVEL = [
    (np.array([4, 1, 7, 9, -1, -10]), (3, 3)),  # out of range and negative: wrapped
    (np.array(5), (2, 3)),
    (np.array([[1, 5], [7, 2]], dtype=np.int32), (2, 4)),
    (np.array([3]), 5),
    (np.array([3], dtype=np.uint8), (2, 2)),
    (np.array([0]), ()),
    (np.array([1, 2**40]), (2**62, 4)),
    (np.zeros(0, dtype=np.int64), (2, 2)),
]


@pytest.mark.parametrize(("indices", "shape"), UNRAVEL, ids=repr)
def test_unravel_index_matches_torch(indices: np.ndarray, shape: Any) -> None:
    _compare(lambda L, i: L.unravel_index(i, shape), indices)


@pytest.mark.parametrize(
    ("indices", "shape", "error"),
    [
        (np.array([True]), (3,), TypeError),
        (np.array([1.0]), (3,), TypeError),
        (np.array([1]), (3.0,), TypeError),
        (np.array([1]), (-2, 3), ValueError),
        (np.array([5]), (0, 3), RuntimeError),
    ],
)
def test_unravel_index_misuse_raises_like_torch(
    indices: np.ndarray, shape: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        torch.unravel_index(torch.tensor(indices), shape)
    with pytest.raises(error, match=r"Fix|cannot have negative"):
        ag.unravel_index(ag.tensor(indices), shape)


@pytest.mark.parametrize(
    "expression",
    ["x.sort()[0]", "x.sort(0, descending=True).values", "lib.msort(x)", "x[0, 0].sort()[0]",
     "x.topk(2)[0]", "x.topk(1, 0, largest=False).values", "x[0, 0].topk(1)[0]"],
)  # fmt: skip
def test_sorted_values_grad_fn_names_as_torch_does(expression: str) -> None:
    mine, theirs = grad_fn_names(expression)
    assert mine == theirs


# Regression: bincount of complex tensors raised a RuntimeError about its rank and histc of
# complex tensors a TypeError from float(), where torch has no kernel (NotImplementedError).
@pytest.mark.parametrize(
    "call",
    [
        lambda lib, x: lib.bincount(x.flatten()),
        lambda lib, x: lib.bincount(x),
        lambda lib, x: lib.histc(x),
        lambda lib, x: lib.histc(x, bins=4, min=0, max=1),
        lambda lib, x: lib.histc(x, bins=0, min=0, max=1),
        lambda lib, x: lib.histc(x, min=2, max=1),
    ],
)
@pytest.mark.parametrize("dtype", ["complex64", "float32", "int64", "bool"])
def test_counts_take_the_dtypes_torch_takes(call: Any, dtype: str) -> None:
    assert_refused_as_torch(call, dtype)


# Regression (emptygrid): topk(x, 0) of a 0-d tensor raised NumPy's ValueError; torch returns
# the element and index 0, as for k = 1.
TOPK_CASES = [
    ("k0", lambda L, x: L.topk(x, 0), [(), (0,), (3, 0)]),
    ("k1", lambda L, x: L.topk(x, 1, largest=False), [(), (1,)]),
    ("k2", lambda L, x: L.topk(x, 2), [(), (1,)]),
    ("k0_dim0", lambda L, x: x.topk(0, 0), [(0, 3), ()]),
]


@shape_cases(TOPK_CASES)
def test_topk_of_empty_and_0d_tensors_as_torch(call: Any, shape: tuple[int, ...]) -> None:
    assert_like_torch_on(call, shape)
