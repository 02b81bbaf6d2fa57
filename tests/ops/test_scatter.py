"""Scatters and index updates (scatter, scatter_reduce, index_add/copy/fill/put/reduce,
masked_scatter, put), view scatters, repeat_interleave, unfold, sum_to_size and
split_with_sizes against torch 2.13.0 and finite differences."""

from __future__ import annotations

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
    assert_refused_as_torch,
    check_against_torch,
    gradcheck,
    outcome_in_each,
    run_gradcheck_case,
    run_torch_case,
)


def _perm(x: Any, dim: int, size: int | None = None) -> Any:
    """An int64 index of ``x``'s shape (``size`` along ``dim``) whose values along ``dim`` are
    distinct, so that overwriting scatters have one writer per place (deterministic)."""
    shape = list(x.shape)
    limit = shape[dim]
    if size is not None:
        shape[dim] = size
    grid = np.indices(shape).sum(axis=0) if shape else np.zeros((), dtype=int)
    return lib(x).tensor(limit - 1 - grid % limit, dtype=lib(x).int64)


def _vec(x: Any, dim: int, count: int | None = None, *, distinct: bool = False) -> Any:
    """A 1-D int64 index along ``dim``: a reversed ``arange`` (``distinct``) or values that
    repeat."""
    n = x.shape[dim]
    count = n if count is None else count
    values = np.arange(n)[::-1][:count] if distinct else (np.arange(count) * 7 + 3) % n
    return lib(x).tensor(values.copy(), dtype=lib(x).int64)


def _inplace(method: str, *args: Any, **kwargs: Any) -> Any:
    """``h = x * 1; h.<method>(...)`` with the tensor arguments built from ``x`` and ``s``."""

    def fn(x: Any, s: Any) -> Any:
        h = x * 1
        getattr(h, method)(*[a(x, s) if callable(a) else a for a in args], **kwargs)
        return h

    return fn


def _mask(x: Any) -> Any:
    return x > 0


def _apart(s: Any) -> Any:
    """``s`` moved off the values ``x`` and ``s`` share, so that amax/amin see no ties (ties
    are compared with torch in test_ties_share_gradient_like_torch)."""
    return distinct(s) + 0.00314159


def _reduce_row(reduce: str, include_self: bool, dim: int = 0) -> OpSpec:
    return OpSpec(
        lambda x, s: distinct(x).scatter_reduce(
            dim, index_like(x, dim), _apart(s), reduce, include_self=include_self
        ),
        arity=2,
        shapes=same_shapes(2, 1),
        low=0.5 if reduce == "prod" else -3.0,
    )


def _index_reduce_row(reduce: str, include_self: bool) -> OpSpec:
    return OpSpec(
        lambda x, s: distinct(x).index_reduce(
            -1, _vec(x, -1), _apart(s), reduce, include_self=include_self
        ),
        arity=2,
        shapes=same_shapes(2, 1),
        low=0.5 if reduce == "prod" else -3.0,
    )


OP_TABLE = {
    # scatter
    "scatter": OpSpec(lambda x, s: x.scatter(0, _perm(x, 0), s), arity=2, shapes=same_shapes(2, 1)),
    "scatter_value": OpSpec(lambda x: x.scatter(-1, _perm(x, -1, 1), 1.5), min_dims=1),
    "scatter_inplace": OpSpec(
        _inplace("scatter_", 0, lambda x, s: _perm(x, 0), lambda x, s: s * 3),
        arity=2,
        shapes=same_shapes(2, 1),
    ),
    # scatter_reduce
    **{
        f"scatter_reduce_{r}{'' if inc else '_exclude_self'}": _reduce_row(r, inc)
        for r in ("sum", "prod", "mean", "amax", "amin")
        for inc in (True, False)
    },
    "scatter_reduce_last_amax": _reduce_row("amax", True, -1),
    "scatter_reduce_inplace_prod": OpSpec(
        _inplace("scatter_reduce_", -1, lambda x, s: index_like(x, -1), lambda x, s: s, "prod"),
        arity=2,
        shapes=same_shapes(2, 1),
        low=0.5,
    ),
    # index_*
    "index_add": OpSpec(
        lambda x, s: x.index_add(0, _vec(x, 0), s, alpha=2.5), arity=2, shapes=same_shapes(2, 1)
    ),
    "index_add_inplace_last": OpSpec(
        _inplace("index_add_", -1, lambda x, s: _vec(x, -1), lambda x, s: s),
        arity=2,
        shapes=same_shapes(2, 1),
    ),
    "index_copy": OpSpec(
        lambda x, s: lib(x).index_copy(x, -1, _vec(x, -1, distinct=True), s),
        arity=2,
        shapes=same_shapes(2, 1),
    ),
    "index_copy_inplace": OpSpec(
        _inplace("index_copy_", 0, lambda x, s: _vec(x, 0, 1, distinct=True), lambda x, s: s[:1]),
        arity=2,
        shapes=same_shapes(2, 1),
    ),
    "index_fill": OpSpec(lambda x: x.index_fill(0, _vec(x, 0, 2), -1.0), min_dims=1),
    "index_fill_tensor": OpSpec(
        lambda x, v: lib(x).index_fill(x, -1, _vec(x, -1), v * 2),
        arity=2,
        shapes=shapes(1).map(lambda s: (s, ())),
    ),
    "index_put": OpSpec(
        lambda x, v: x.index_put((_vec(x, 0, distinct=True),), v),
        arity=2,
        shapes=same_shapes(2, 1),
    ),
    "index_put_accumulate_broadcast": OpSpec(
        lambda x, v: lib(x).index_put(x, (_vec(x, 0, 3),), v, accumulate=True),
        arity=2,
        shapes=shapes(1).map(lambda s: (s, s[1:])),
    ),
    "index_put_two_indices": OpSpec(
        lambda x, v: x.index_put((_vec(x, 0, 2), _vec(x, 1, 2)), v * 3, accumulate=True),
        arity=2,
        shapes=shapes(2).map(lambda s: (s, (2, *s[2:]))),
    ),
    "index_put_inplace": OpSpec(
        _inplace("index_put_", lambda x, s: (x > 0,), lambda x, s: s * 2),
        arity=2,
        shapes=shapes(1).map(lambda s: (s, ())),
        kinks=(0.0,),
    ),
    **{
        f"index_reduce_{r}{'' if inc else '_exclude_self'}": _index_reduce_row(r, inc)
        for r in ("prod", "mean", "amax", "amin")
        for inc in (True, False)
    },
    # masks and flat indices
    "masked_scatter": OpSpec(
        lambda x, s: x.masked_scatter(_mask(x), s * 2),
        arity=2,
        shapes=same_shapes(2),
        kinks=(0.0,),
    ),
    "masked_scatter_broadcast": OpSpec(
        lambda x, s: lib(x).masked_scatter(x[..., :1], _mask(s), s.flip(-1)),
        arity=2,
        shapes=same_shapes(2, 1),
        kinks=(0.0,),
    ),
    "masked_scatter_inplace": OpSpec(
        _inplace("masked_scatter_", lambda x, s: _mask(s), lambda x, s: s.exp()),
        arity=2,
        shapes=same_shapes(2),
        kinks=(0.0,),
    ),
    "put": OpSpec(
        lambda x, s: x.put(_perm(x.reshape(-1), 0), s.reshape(-1)),
        arity=2,
        shapes=same_shapes(2),
    ),
    "put_accumulate": OpSpec(
        lambda x, s: lib(x).put(x, index_like(x.reshape(-1), 0), s.reshape(-1), True),
        arity=2,
        shapes=same_shapes(2),
    ),
    "put_inplace": OpSpec(
        _inplace("put_", lambda x, s: -1 - _perm(x.reshape(-1), 0, 1), lambda x, s: s.sum(), True),
        arity=2,
        shapes=shapes().map(lambda s: (s, ())),
    ),
    # view scatters
    "select_scatter": OpSpec(
        lambda x, s: lib(x).select_scatter(x, s, 0, -1),
        arity=2,
        shapes=shapes(1).map(lambda s: (s, s[1:])),
    ),
    "slice_scatter": OpSpec(
        lambda x, s: x.slice_scatter(s[..., ::2], -1, 0, None, 2),
        arity=2,
        shapes=same_shapes(2, 1),
    ),
    "slice_scatter_middle": OpSpec(
        lambda x, s: lib(x).slice_scatter(x, s, dim=0, start=1, end=3),
        arity=2,
        shapes=shapes(1, min_side=3).map(lambda s: (s, (2, *s[1:]))),
    ),
    "diagonal_scatter": OpSpec(
        lambda x, s: lib(x).diagonal_scatter(x, s.diagonal(1, 0, -1) * 2, 1, 0, -1),
        arity=2,
        shapes=same_shapes(2, 2),
    ),
    "diagonal_scatter_method": OpSpec(
        lambda x, s: x.diagonal_scatter(s.diagonal(-1), -1), arity=2, shapes=same_shapes(2, 2)
    ),
    # input detached: torch 2.13 gives input the gradient of the places written over (its own
    # gradcheck fails); arraygrad's input gradient is checked by finite differences below
    "as_strided_scatter": OpSpec(
        lambda x, s: lib(x).as_strided_scatter(x.detach() * 1, s, (3,), (2,)),
        arity=2,
        shapes=st.just(((2, 3), (3,))),
        gradcheck=False,  # x is detached; test_as_strided_scatter_gradient_... checks both
    ),
    "as_strided_scatter_offset_2d": OpSpec(
        lambda x, s: lib(x).as_strided_scatter(x.detach() * 1, s, (2, 2), (4, 1), 5),
        arity=2,
        shapes=st.just(((3, 4), (2, 2))),
        gradcheck=False,
    ),
    "as_strided_scatter_method": OpSpec(
        lambda x, s: (x.detach() * 1).as_strided_scatter(s, (2, 2), (1, 3), 1),
        arity=2,
        shapes=st.just(((3, 3), (2, 2))),
        gradcheck=False,
    ),
    "fill_diagonal_": OpSpec(
        lambda x: (x * 1).fill_diagonal_(2.5), shapes=shapes(2, 2).map(lambda s: (s,))
    ),
    "fill_diagonal_wrap": OpSpec(
        lambda x: (x * 1).fill_diagonal_(-1.0, wrap=True),
        shapes=st.sampled_from([(5, 2), (7, 3), (2, 4)]).map(lambda s: (s,)),
    ),
    # repeats and windows
    "repeat_interleave": OpSpec(lambda x: x.repeat_interleave(2)),
    "repeat_interleave_dim": OpSpec(
        lambda x: lib(x).repeat_interleave(x, 3, dim=-1, output_size=3 * x.shape[-1]), min_dims=1
    ),
    "repeat_interleave_tensor": OpSpec(
        lambda x: x.repeat_interleave(_vec(x, 0) % 3, dim=0), min_dims=1
    ),
    "unfold": OpSpec(lambda x: x.unfold(-1, min(2, x.shape[-1]), 1), min_dims=1),
    "unfold_step": OpSpec(lambda x: x.unfold(0, 1, 2)),
    "unfold_window_dim0": OpSpec(lambda x: x.unfold(0, x.shape[0], 3) * 2, min_dims=1),
    "sum_to_size": OpSpec(
        lambda x: x.sum_to_size(
            *([1 if i % 2 == 0 else n for i, n in enumerate(x.shape[1:])] or [1])
        ),
        min_dims=1,
    ),
    "sum_to_size_same": OpSpec(lambda x: x.sum_to_size(x.shape) * 2),
    "split_with_sizes": OpSpec(
        lambda x: lib(x).split_with_sizes(x, [1, x.shape[-1] - 1], -1), min_dims=1
    ),
    "split_with_sizes_method": OpSpec(
        lambda x: tuple(p * 2 for p in x.split_with_sizes([x.shape[0], 0])), min_dims=1
    ),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=4, deadline=None)
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


def _both(call: Any) -> tuple[Any, Any]:
    return call(ag), call(torch)


def _same(mine: Any, theirs: Any) -> None:
    if isinstance(theirs, (tuple, list)):
        assert len(mine) == len(theirs)
        for a, b in zip(mine, theirs, strict=True):
            _same(a, b)
        return
    assert tuple(mine.shape) == tuple(theirs.shape), (mine.shape, theirs.shape)
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(np.asarray(mine.numpy()), theirs.numpy())


@pytest.mark.parametrize(
    "call",
    [
        # scatter's reduce= forms (PyTorch has no gradient for them: values only)
        lambda m: (
            m.arange(6.0)
            .reshape(2, 3)
            .scatter_(0, m.tensor([[1, 0, 1]]), m.full((1, 3), 2.0), reduce="multiply")
        ),
        lambda m: m.ones(2, 3).scatter_(1, m.tensor([[0, 0], [2, 2]]), 1.5, reduce="add"),
        lambda m: m.ones(4).scatter(0, m.tensor([3, 3, 0]), m.ones(3) * 2, reduce="multiply"),
        # src larger than the index: only its leading block is read
        lambda m: m.zeros(2, 4).scatter(1, m.tensor([[3], [1]]), m.arange(8.0).reshape(2, 4)),
        # 0-d and empty inputs
        lambda m: m.tensor(2.0).scatter(0, m.tensor(0), m.tensor(5.0)),
        lambda m: m.tensor(2.0).scatter_reduce(0, m.tensor([0]), m.tensor([5.0]), "prod"),
        lambda m: m.zeros(3).scatter(0, m.tensor([2]), m.tensor(5.0)),
        lambda m: m.zeros(3).scatter_reduce(0, m.tensor([1]), m.tensor(5.0), "amin"),
        lambda m: m.ones(2, 0).scatter(1, m.zeros(2, 0, dtype=m.int64), m.ones(2, 0)),
        lambda m: m.ones(3).scatter_reduce(0, m.zeros(0, dtype=m.int64), m.ones(0), "amax"),
        lambda m: m.ones(3).index_add(0, m.zeros(0, dtype=m.int64), m.ones(0)),
        lambda m: m.tensor(1.0).index_add(0, m.tensor([0]), m.tensor(2.0), alpha=3),
        lambda m: m.tensor(1.0).index_copy(0, m.tensor([0]), m.tensor(2.0)),
        lambda m: m.tensor(1.0).index_fill(0, m.tensor([0]), 4.0),
        lambda m: m.ones(0).put(m.zeros(0, dtype=m.int64), m.ones(0)),
        lambda m: m.ones(2, 2).masked_scatter(m.zeros(2, 2, dtype=m.bool), m.ones(0)),
        # negative indices and dims
        lambda m: m.zeros(3, 2).index_add(-2, m.tensor([2, 0, 2]), m.ones(3, 2)),
        lambda m: m.zeros(2, 3).scatter(-1, m.tensor([[2], [0]]), m.ones(2, 1)),
        lambda m: m.ones(3).scatter_reduce(0, m.tensor([0, 0]), m.tensor([5.0, 2.0]), "max"),
        lambda m: m.ones(3).scatter_reduce(0, m.tensor([2]), m.tensor([-5.0]), "min"),
        lambda m: m.zeros(4).put(m.tensor([-1, -4]), m.tensor([1.0, 2.0])),
        lambda m: m.zeros(3, 3).index_fill(-1, m.tensor([-1]), m.tensor(7.0)),
        # integer dtypes: mean rounds down
        lambda m: m.tensor([1, 2, 3]).scatter_reduce(
            0, m.tensor([0, 0, 1]), m.tensor([4, 3, 2]), "mean"
        ),
        lambda m: m.tensor([-7, 2]).scatter_reduce(
            0, m.tensor([0, 0]), m.tensor([1, 1]), "mean", include_self=False
        ),
        lambda m: m.tensor([5, 2]).scatter_reduce(0, m.tensor([0, 0]), m.tensor([9, -3]), "amin"),
        # a float alpha is truncated to an integer input's dtype (bool: any nonzero is True)
        lambda m: m.tensor([1, 2]).index_add(0, m.tensor([0]), m.tensor([1]), alpha=2.5),
        lambda m: m.tensor([1, 2]).index_add_(0, m.tensor([0, 0]), m.tensor([3, 1]), alpha=-2.9),
        lambda m: m.tensor([1, 2], dtype=m.uint8).index_add(
            0, m.tensor([1]), m.tensor([4], dtype=m.uint8), alpha=0.5
        ),
        lambda m: m.tensor([True, False]).index_add(0, m.tensor([1]), m.tensor([True]), alpha=0),
        lambda m: m.tensor([True, False]).index_add(0, m.tensor([1]), m.tensor([True]), alpha=2.5),
        lambda m: m.tensor([5, 2]).index_reduce(0, m.tensor([1, 1]), m.tensor([9, 3]), "amax"),
        lambda m: m.tensor([5, 2]).index_reduce(
            0, m.tensor([1]), m.tensor([9]), "prod", include_self=False
        ),
        lambda m: m.tensor([True, False]).index_put((m.tensor([1]),), m.tensor(True)),
        lambda m: m.index_put_(m.zeros(2, 2), [m.tensor([1, 1])], m.ones(2), accumulate=True),
        # nan propagates through amax/amin
        lambda m: m.ones(2).scatter_reduce(
            0, m.tensor([0, 1]), m.tensor([float("nan"), 0.0]), "amax"
        ),
        # repeat_interleave
        lambda m: m.repeat_interleave(m.tensor([2, 0, 3])),
        lambda m: m.repeat_interleave(m.tensor([], dtype=m.int64)),
        lambda m: m.tensor(3.0).repeat_interleave(2),
        lambda m: m.ones(2, 3).repeat_interleave(m.tensor([1, 2]), dim=0),
        lambda m: m.ones(2, 3).repeat_interleave(m.tensor(2), dim=1),
        lambda m: m.arange(3).repeat_interleave(m.tensor([1, 0, 2], dtype=m.int32)),
        lambda m: m.arange(6).reshape(2, 3).repeat_interleave(0, dim=-1),
        # windows, sums and splits
        lambda m: m.arange(7).unfold(0, 3, 2),
        lambda m: m.arange(12).reshape(3, 4).unfold(0, 2, 1),
        lambda m: m.arange(4).unfold(0, 0, 1),
        lambda m: m.tensor(5.0).unfold(0, 1, 1),
        lambda m: m.ones(2, 0, 3).unfold(-1, 2, 1),
        lambda m: m.arange(6).reshape(2, 3).sum_to_size(1, 1),
        lambda m: m.arange(6).reshape(2, 3).sum_to_size((3,)),
        # bools and small integers sum to int64, as torch's sum (they had kept their dtype)
        lambda m: m.tensor([[True], [False], [True]]).sum_to_size(1),
        lambda m: m.tensor([[100, 100]], dtype=m.int8).sum_to_size(1, 1),
        lambda m: m.ones(2, 3).split_with_sizes([0, 2, 1], dim=-1),
        # view scatters and fill_diagonal_
        lambda m: m.zeros(2, 3, 4).diagonal_scatter(m.ones(3, 2), -1, 2, 0),
        lambda m: m.zeros(3, 3).slice_scatter(m.ones(3, 0), 1, 5, 9),
        lambda m: m.zeros(3, 3, 3).fill_diagonal_(1),
        lambda m: m.zeros(2, 5, dtype=m.int64).fill_diagonal_(3, wrap=True),
        lambda m: m.zeros(7, 2).fill_diagonal_(m.tensor(2.0), wrap=True),
        lambda m: m.zeros(0, 3).fill_diagonal_(1),
    ],
)
def test_values_match_torch(call: Any) -> None:
    _same(*_both(call))


def test_repeated_indices_route_gradients_like_torch() -> None:
    """At a place written twice, every writer of ``scatter`` / ``index_copy`` / ``index_put``
    gets the place's gradient (PyTorch's gather rule); the values written agree, so the
    forward is deterministic."""

    def fn(x: Any, s: Any) -> Any:
        m = lib(x)
        same = s[:1].expand(3)
        a = x.scatter(0, m.tensor([1, 1, 0]), same * 2)
        b = x.index_copy(0, m.tensor([2, 2, 2]), same)
        c = x.index_put((m.tensor([0, 0, 1]),), same * 3)
        return a * 2 + b * 3 + c

    check_against_torch(fn, None, [np.array([1.0, 2.0, 3.0]), np.array([0.5, 4.0, -1.0])])


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["amax", "amin", "prod", "mean"])
def test_ties_share_gradient_like_torch(reduce: str, include_self: bool) -> None:
    """Ties among src, and between src and the old value, share the gradient as in torch;
    zeros in a product get the product of the others."""
    x = np.array([[0.0, 5.0, 0.0], [2.0, 2.0, 0.0]])
    s = np.array([[0.0, 0.0, -1.0], [2.0, 0.0, 2.0]])
    index = [[0, 0, 1], [0, 2, 0]]

    def fn(x: Any, s: Any) -> Any:
        m = lib(x)
        return x.scatter_reduce(1, m.tensor(index), s, reduce, include_self=include_self)

    def by_index(x: Any, s: Any) -> Any:
        return x.index_reduce(1, lib(x).tensor([0, 0, 2]), s, reduce, include_self=include_self)

    check_against_torch(fn, None, [x, s])
    check_against_torch(by_index, None, [x, s])


NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["amax", "amin"])
@pytest.mark.parametrize(
    "x, s",
    [
        ([1.0, 2.0, 3.0], [NAN, 1.0, 2.0]),  # a nan among the values written
        ([NAN, 2.0, NAN], [5.0, 1.0, 2.0]),  # nan old values, one not written to
        ([INF, 2.0, 3.0], [INF, INF, -INF]),  # ties at inf: no inf - inf
    ],
)
def test_nan_and_inf_places_get_torchs_gradient_without_warnings(
    x: Any, s: Any, reduce: str, include_self: bool
) -> None:
    """At a nan result torch's gradient is nan (grad / 0 ties) for the old value and every
    value written there; ties at inf share it. No NumPy warning on the way."""
    results = []
    for m in (torch, ag):
        a = m.tensor(x, dtype=m.float64, requires_grad=True)
        b = m.tensor(s, dtype=m.float64, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            out = a.scatter_reduce(0, m.tensor([0, 0, 1]), b, reduce, include_self=include_self)
        weights = m.tensor([1.0, 2.0, 3.0], dtype=m.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # inf - inf in the sum below
            loss = (out * weights).sum()
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            grads = m.autograd.grad(loss, [a, b])
        results.append([out.detach().numpy(), *(g.numpy() for g in grads)])
    for theirs, mine in zip(*results, strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_inplace_forms_bump_versions_and_refuse_leaves() -> None:
    calls = [
        lambda t: t.scatter_(0, ag.tensor([1]), ag.tensor([2.0])),
        lambda t: t.scatter_reduce_(0, ag.tensor([1]), ag.tensor([2.0]), "sum"),
        lambda t: t.index_add_(0, ag.tensor([1]), ag.tensor([2.0])),
        lambda t: t.index_copy_(0, ag.tensor([1]), ag.tensor([2.0])),
        lambda t: t.index_fill_(0, ag.tensor([1]), 2.0),
        lambda t: t.index_put_((ag.tensor([1]),), ag.tensor(2.0)),
        lambda t: t.index_reduce_(0, ag.tensor([1]), ag.tensor([2.0]), "amax"),
        lambda t: t.masked_scatter_(ag.tensor([False, True]), ag.tensor([2.0])),
        lambda t: t.put_(ag.tensor([1]), ag.tensor([2.0])),
    ]
    for call in calls:
        plain = ag.zeros(2)
        assert call(plain) is plain
        assert plain.tolist() == [0.0, 2.0] and plain._version == 1
        leaf = ag.zeros(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf"):
            call(leaf)
        with ag.no_grad():
            call(leaf)
        assert leaf.tolist() == [0.0, 2.0]
    with pytest.raises(RuntimeError, match="leaf"):
        ag.zeros(2, 2, requires_grad=True).fill_diagonal_(1.0)


def test_inplace_into_plain_tensor_records_src() -> None:
    """Writing a tensor that requires grad into a plain buffer makes the buffer part of the
    graph, as in torch."""
    results = []
    for m in (ag, torch):
        w = m.tensor([1.0, 2.0], requires_grad=True)
        buffer = m.zeros(2, 3)
        buffer.index_add_(1, m.tensor([2, 2]), (w * 3).reshape(2, 1).expand(2, 2))
        buffer.scatter_reduce_(0, m.tensor([[1, 0, 1]]), w[:1].expand(1, 3), "sum")
        buffer.sum().backward()
        results.append(w.grad.numpy())
    np.testing.assert_allclose(*results)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda m: m.ones(3).scatter(0, m.tensor([0.0]), m.ones(1)), RuntimeError),
        (lambda m: m.ones(3).scatter(0, m.tensor([3]), m.ones(1)), RuntimeError),
        (lambda m: m.ones(3).scatter(0, m.tensor([[0]]), m.ones(1, 1)), RuntimeError),
        (lambda m: m.ones(3).scatter(0, m.tensor([0]), m.ones(1, dtype=m.float64)), RuntimeError),
        (lambda m: m.ones(3).scatter_(0, m.tensor([0]), 1.0, reduce="max"), RuntimeError),
        (lambda m: m.ones(3).scatter_reduce(0, m.tensor([0]), m.ones(1), "foo"), RuntimeError),
        (lambda m: m.ones(3).scatter(0, m.tensor([-1]), m.ones(1)), RuntimeError),
        (lambda m: m.ones(2, 3).index_add(1, m.tensor([-1]), m.ones(2, 1)), RuntimeError),
        (lambda m: m.ones(3).index_add(0, m.tensor([-1]), m.ones(1)), IndexError),
        (lambda m: m.ones(3).index_copy(0, m.tensor([-1]), m.ones(1)), IndexError),
        (lambda m: m.ones(3).index_reduce(0, m.tensor([-1]), m.ones(1), "amax"), IndexError),
        (lambda m: m.ones(3).index_fill(0, m.tensor([-4]), 1.0), IndexError),
        (lambda m: m.ones(3).scatter_reduce(0, m.tensor([-4]), m.ones(1), "sum"), RuntimeError),
        (
            lambda m: m.ones(2, 3).scatter_reduce(1, m.tensor([[0]] * 3), m.ones(3, 1), "amax"),
            RuntimeError,
        ),
        (lambda m: m.ones(3).index_add(0, m.tensor([5]), m.ones(1)), IndexError),
        (lambda m: m.ones(3).index_add(0, m.tensor([[0]]), m.ones(1)), IndexError),
        (lambda m: m.ones(3).index_add(0, m.tensor([0]), m.ones(2)), RuntimeError),
        (lambda m: m.ones(3).index_add(0, m.tensor([0.0]), m.ones(1)), RuntimeError),
        (lambda m: m.ones(3).index_add(0, m.tensor([0]), m.ones(1, dtype=m.float64)), RuntimeError),
        (lambda m: m.ones(3).index_copy(0, m.tensor([3]), m.ones(1)), IndexError),
        (lambda m: m.ones(3).index_fill(0, m.tensor([3]), 1.0), IndexError),
        (lambda m: m.ones(3).index_fill(0, m.tensor([0]), m.ones(2)), RuntimeError),
        (lambda m: m.ones(3).index_put((m.tensor([3]),), m.ones(1)), IndexError),
        (lambda m: m.ones(3).index_put((m.tensor([0]),), m.ones(1, dtype=m.float64)), RuntimeError),
        (lambda m: m.ones(3).index_put((m.tensor([0, 1]),), m.ones(3)), RuntimeError),
        (lambda m: m.ones(3).index_reduce(0, m.tensor([0]), m.ones(1), "sum"), RuntimeError),
        (lambda m: m.ones(3).masked_scatter(m.ones(3), m.ones(3)), RuntimeError),
        (lambda m: m.ones(3).masked_scatter(m.ones(3) > 0, m.ones(2)), RuntimeError),
        (
            lambda m: m.ones(3).masked_scatter(m.ones(3) > 0, m.ones(3, dtype=m.float64)),
            RuntimeError,
        ),
        (lambda m: m.ones(2, 3).masked_scatter_(m.ones(3, 3) > 0, m.ones(9)), RuntimeError),
        (lambda m: m.ones(3).put(m.tensor([3]), m.ones(1)), IndexError),
        (lambda m: m.ones(3).put(m.tensor([0]), m.ones(2)), IndexError),
        (lambda m: m.ones(3).put(m.tensor([0], dtype=m.int32), m.ones(1)), RuntimeError),
        (lambda m: m.ones(3).repeat_interleave(-1), RuntimeError),
        (lambda m: m.ones(3).repeat_interleave(m.tensor([1, 2])), RuntimeError),
        (lambda m: m.repeat_interleave(m.tensor([1, -1])), RuntimeError),
        (lambda m: m.repeat_interleave(m.tensor(3)), RuntimeError),
        (lambda m: m.ones(2).repeat_interleave(m.tensor([1.0, 2.0])), NotImplementedError),
        (lambda m: m.ones(2).repeat_interleave(m.tensor([True, False])), NotImplementedError),
        (lambda m: m.ones(2).repeat_interleave(2, output_size=3), RuntimeError),
        (lambda m: m.zeros(3).scatter(0, m.tensor([0, 1]), m.tensor(5.0)), RuntimeError),
        (lambda m: m.ones(3).unfold(0, 4, 1), RuntimeError),
        (
            lambda m: m.tensor([1], dtype=m.int8).index_add(
                0, m.tensor([0]), m.tensor([1], dtype=m.int8), alpha=300
            ),
            RuntimeError,
        ),
        (lambda m: m.ones(3).unfold(0, 2, 0), RuntimeError),
        (lambda m: m.ones(2, 3).sum_to_size(3, 3), RuntimeError),
        (lambda m: m.ones(2, 3).split_with_sizes([1, 1], 1), RuntimeError),
        (lambda m: m.ones(3).fill_diagonal_(1.0), RuntimeError),
        (lambda m: m.ones(2, 3, 3).fill_diagonal_(1.0), RuntimeError),
        (lambda m: m.diagonal_scatter(m.ones(3, 3), m.ones(2)), RuntimeError),
        (lambda m: m.select_scatter(m.ones(3, 3), m.ones(2), 0, 0), RuntimeError),
        (lambda m: m.select_scatter(m.ones(3, 3), m.ones(3), 0, 3), IndexError),
        (lambda m: m.slice_scatter(m.ones(3, 3), m.ones(2), 0, 0), RuntimeError),
    ],
)
def test_errors_match_torch(call: Any, error: type) -> None:
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error) as info:
        call(ag)
    assert "Fix:" in str(info.value)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x, s: x.scatter(0, lib(x).tensor(0), s),
        lambda x, s: x.scatter_reduce(0, lib(x).tensor([0]), s.reshape(1), "amax"),
        lambda x, s: x.scatter_reduce(0, lib(x).tensor([0]), s.reshape(1), "prod"),
        lambda x, s: x.index_add(0, lib(x).tensor([0]), s, alpha=-2),
        lambda x, s: x.index_copy(0, lib(x).tensor([0]), s) * x,
        lambda x, s: x.index_fill(0, lib(x).tensor([0]), s) + x,
        lambda x, s: x.put(lib(x).tensor([0]), s.reshape(1), accumulate=True),
        lambda x, s: (x * s).unfold(0, 1, 1),
        lambda x, s: (x * 1).fill_diagonal_(s) if x.ndim >= 2 else x.repeat_interleave(2) * s,
    ],
)
def test_scalars_match_torch(fn: Any) -> None:
    """0-d inputs behave like 1-element vectors, gradients included."""
    inputs = [np.array(1.5), np.array(-0.5)]
    check_against_torch(fn, None, inputs)
    gradcheck(fn, inputs)


@pytest.mark.parametrize(
    "call",
    [
        # PyTorch's order of checks: the dim first, then the index's dimensions, its dtype,
        # the source's dtype and shape, and the index's values last
        "x.index_add(5, lib.tensor([[0]]).float(), x)",
        "x.index_add(0, lib.tensor([[0]]).float(), x)",
        "x.index_add(0, lib.tensor([5]), x[:2])",  # the source's size before the index's values
        "x.index_add(0, lib.tensor([0, 2]), x[0, 0])",
        "x.index_add(0, lib.tensor([-1]), x[:2])",
        "x.index_reduce(0, lib.tensor([7]), x[:2], 'amax')",
        "x.index_copy(0, lib.tensor([[0]]).float(), x)",
        "x.index_copy(0, lib.tensor([0]).float(), x[0])",
        "x.index_copy(0, lib.tensor([0, 1]), x[0, 0])",
        "x.index_copy(0, lib.tensor([0, 2], dtype=lib.int32), x[:2])",  # int64 only
        "x.index_copy(0, lib.tensor([5]), x[:2])",
        "x.index_copy(0, lib.tensor([5]), x[:1, :2])",
        "x.index_fill(5, lib.tensor([[0]]).float(), 1)",  # the index's dtype first (int64 only)
        "x.index_fill(0, lib.tensor([0], dtype=lib.int32), 1)",
        "x.index_fill(5, lib.tensor([[0]]), 1)",
        "x.index_fill(0, lib.tensor([[7]]), 1)",  # an index of two dimensions: RuntimeError
        "x.index_fill(0, lib.tensor([7]), lib.tensor([1.0]))",
        "x.scatter(5, lib.tensor([[0]]).float(), x)",
        "x.scatter(0, lib.tensor([[0]]), x[0])",
        "x.scatter(0, lib.tensor([], dtype=lib.int64), x[0])",  # an empty index is not read
        "x.scatter(0, lib.tensor([]), 5)",
        "x.scatter_add(0, lib.tensor([[-1]]), x)",  # no negative index
        "x.scatter_reduce(0, lib.tensor([], dtype=lib.int64), x[0], 'sum')",
        # arguments that are not tensors: PyTorch's argument parsing
        "x.index_add(0, [0], x[:1])",
        "x.index_copy(0, lib.tensor([0]), 5)",
        "x.scatter_add(0, [[0]], x)",
        "x.index_reduce(0, [0], x[:1], 'sum')",  # before the reduce
        "x.index_reduce_(0, lib.tensor([0]), 5, 'sum')",
        "x.scatter_reduce(0, lib.tensor([[0]]), [1.0], 'add')",
        # scatter_reduce checks its reduce after the other arguments
        "x.scatter_reduce(5, lib.tensor([[0]]), x, 'add')",
        # index_put_ compares the values' shape with the indexed shape before the indices
        "x.index_put_((lib.tensor([5]),), lib.ones(2, 3))",
        "x.index_put_((lib.tensor([5]),), lib.ones(2, 3), accumulate=True)",
        "x.index_put_((lib.tensor([5]),), lib.ones(3))",
    ],
)
def test_argument_errors_come_in_torchs_order(call: str) -> None:
    def run(lib: Any) -> Any:
        x = lib.arange(9.0).view(3, 3)
        out = eval(call, {"x": x, "lib": lib})
        return out.tolist(), x.tolist()

    theirs, ours = outcome_in_each(run, (RuntimeError, IndexError, TypeError))
    assert ours == theirs


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "uint8"])
@pytest.mark.parametrize("value", ["1 + 2j", "3 + 0j", "0j", "np.complex128(1 + 1j)"])
@pytest.mark.parametrize(
    "call",
    [
        "x.scatter_(0, lib.tensor([1]), {v})",
        "lib.scatter(x, 0, lib.tensor([1]), {v})",
        "x.scatter(0, lib.tensor([1]), value={v})",
        "x.scatter(0, lib.tensor([1]), {v}, reduce='add')",
        "x.masked_fill(lib.tensor([True, False, False]), {v})",
        "x.fill_({v})",
        "lib.full((2,), {v}, dtype=x.dtype)",
    ],
)
def test_a_complex_number_written_into_a_real_tensor_follows_torch(
    call: str, value: str, dtype: str
) -> None:
    # PyTorch writes a complex number's real part (its truth value into bool), and refuses one
    # with an imaginary part as an overflow (RuntimeError).
    def run(lib: Any) -> Any:
        x = lib.zeros(3, dtype=getattr(lib, dtype))
        return eval(call.format(v=value), {"x": x, "lib": lib, "np": np}).tolist()

    theirs, ours = outcome_in_each(run, (RuntimeError, IndexError, TypeError))
    assert ours == theirs


@pytest.mark.parametrize("reduce", [None, "add", "multiply"])
@pytest.mark.parametrize(
    "call",
    [
        # a 0-d tensor value that requires no grad is read as the number it holds
        "x.scatter(1, index, value=lib.tensor(2.5){reduce})",
        "x.scatter_(1, index, value=lib.tensor(2.5){reduce})",
        "lib.scatter(x, 1, index, value=lib.tensor(2.5){reduce})",
        "x.scatter(1, index, value=lib.tensor(2.5, dtype=lib.float64){reduce})",
        "x.scatter(1, index, value=lib.tensor(3){reduce})",
        "x.scatter_(1, index, value=lib.tensor(True){reduce})",
        "x.long().scatter(1, index, value=lib.tensor(2.5){reduce})",
        "x.scatter(1, index, value=lib.tensor(1e300, dtype=lib.float64){reduce})",
        "x.scatter_(1, index, value=x[0, 0]{reduce})",
        # other tensors are no number: refused by the argument parsing
        "x.scatter(1, index, value=lib.tensor([2.5]){reduce})",
        "x.scatter_(1, index, value=lib.tensor(2.5, requires_grad=True){reduce})",
    ],
)
def test_scatter_reads_a_0d_tensor_value_as_a_number_like_torch(
    call: str, reduce: str | None
) -> None:
    def run(lib: Any) -> Any:
        x = lib.arange(9.0).view(3, 3)
        scope = {"x": x, "lib": lib, "index": lib.tensor([[0, 1], [2, 0]])}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyTorch's deprecation of reduce=
            out = eval(call.format(reduce="" if reduce is None else f", reduce={reduce!r}"), scope)
        return out.tolist(), str(out.dtype).split(".")[-1], x.tolist()

    theirs, ours = outcome_in_each(run, (RuntimeError, IndexError, TypeError))
    assert ours == theirs


@pytest.mark.parametrize(
    ("shape", "geometry"),
    [((2, 3), ((3,), (2,))), ((5,), ((3, 2), (1, 1))), ((3, 4), ((2, 2), (4, 1), 5))],
)
@pytest.mark.parametrize("transposed", [False, True])
def test_as_strided_scatter_gradient_by_finite_differences(
    shape: Any, geometry: Any, transposed: bool
) -> None:
    # Both inputs: torch's gradients are wrong (its input gradient is that of the places
    # written over; its src gradient reads the cotangent in C order, wrong for a transposed
    # input), finite differences are the reference; overlapping windows keep the last write.
    # (Transposed inputs are NumPy-only: other libraries expose no strides.)
    if transposed and len(shape) < 2:
        return
    rng = np.random.default_rng(0)
    gradcheck(
        lambda x, s: ag.as_strided_scatter(x.mT if transposed else x, s, *geometry),
        [rng.standard_normal(shape), rng.standard_normal(geometry[0])],
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.as_strided_scatter(
            m.arange(6.0).reshape(2, 3).T, m.tensor([1.0, 2]), (2,), (2,), 1
        ),
        lambda m: m.as_strided_scatter(m.arange(8.0)[2:], m.tensor([1.0, 2]), (2,), (2,), 0),
        lambda m: m.as_strided_scatter(m.arange(12.0).reshape(3, 4)[:, ::2], m.ones(3), (3,), (1,)),
        lambda m: m.as_strided_scatter(m.arange(5.0)[1:3].expand(3, 2), m.ones(2), (2,), (1,)),
        lambda m: m.as_strided_scatter(m.zeros(5), m.arange(6.0).reshape(3, 2), (3, 2), (1, 1)),
        lambda m: m.as_strided_scatter(m.zeros(5, dtype=m.int64), m.ones(3), (3,), (1,)),
        lambda m: m.as_strided_scatter(m.zeros(()), m.ones(()), (), ()),
        lambda m: m.as_strided_scatter(m.zeros(5), m.ones(2), (3,), (1,)),
        lambda m: m.as_strided_scatter(m.zeros(5), m.ones(3), (3,), (1,), 3),
        lambda m: m.as_strided_scatter(m.zeros(5), m.ones(3), (3,), (-1,)),
        lambda m: m.as_strided_scatter(m.zeros(5), m.ones(3), (3,), (1, 1)),
        lambda m: m.as_strided_scatter(m.zeros(5), m.ones(2), (2,), (0,)),
    ],
)
def test_as_strided_scatter_values_and_errors_match_torch(call: Any) -> None:
    theirs, mine = outcome_in_each(call, (RuntimeError, TypeError))
    if isinstance(theirs, str):
        assert mine == theirs
    else:
        assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    with pytest.raises(TypeError, match="argument 'src' \\(position 2\\) must be Tensor"):
        ag.as_strided_scatter(ag.zeros(5), 1.0, (3,), (1,))


# Regression: the counts of repeat_interleave were taken in any integer dtype (torch: int32 and
# int64 only, NotImplementedError naming its kernel), the one-argument form checked their rank
# before their dtype, gave int64 for int32 counts and ignored output_size, and the method took
# no counts at all (torch's TypeError: only the function has that form).
REPEATS_TABLE = {
    "counts alone": lambda lib, x: lib.repeat_interleave(x),
    "counts alone 1-D": lambda lib, x: lib.repeat_interleave(x[0]),
    "counts of a tensor": lambda lib, x: lib.ones(3).repeat_interleave(x[1]),
    "method without counts": lambda lib, x: x[0].repeat_interleave(),
}


@pytest.mark.parametrize(
    "dtype", ["int64", "int32", "int16", "int8", "uint8", "bool", "float16", "complex64"]
)
@pytest.mark.parametrize("name", list(REPEATS_TABLE))
def test_repeat_interleave_counts_take_the_dtypes_torch_takes(name: str, dtype: str) -> None:
    assert_refused_as_torch(REPEATS_TABLE[name], dtype)


@pytest.mark.parametrize("counts", [[1, 0, 3], [2], [], [0, 0], [4, 1, 0, 2, 5]])
@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_repeat_interleave_of_counts_alone_matches_torch(counts: list, dtype: str) -> None:
    mine = ag.repeat_interleave(ag.tensor(counts, dtype=getattr(ag, dtype)))
    theirs = torch.repeat_interleave(torch.tensor(counts, dtype=getattr(torch, dtype)))
    assert str(mine.dtype) == str(theirs.dtype).replace("torch", "arraygrad")
    assert mine.tolist() == theirs.tolist()
    total = sum(counts)
    sized = ag.repeat_interleave(ag.tensor(counts, dtype=ag.int64), output_size=total)
    assert sized.tolist() == theirs.tolist()
    if counts:  # (torch checks no size of an empty result)
        assert outcome_in_each(
            lambda lib: lib.repeat_interleave(
                lib.tensor(counts, dtype=lib.int64), output_size=total + 1
            )
        ) == ("RuntimeError", "RuntimeError")


def _complex(lib: Any) -> Any:
    return lib.tensor([[0.5 + 1j, -2.0, 3j], [1.5 - 0.5j, 0j, 4 + 4j]], dtype=lib.complex64)


_ROWS = [[0, 1, 0], [1, 0, 1]]


@pytest.mark.parametrize(
    "call, dtype",
    [
        # the mean of complex numbers divides (it is no floor division)
        *[
            (
                lambda lib, x, s=s: x.scatter_reduce(
                    0, lib.tensor(_ROWS), _complex(lib), "mean", include_self=s
                ),
                "complex64",
            )
            for s in (True, False)
        ],
        (lambda lib, x: x.index_reduce_(0, lib.tensor([1, 0]), _complex(lib), "mean"), "complex64"),
        # no order of complex numbers, no mean of bools: the kernels' NotImplementedError
        *[
            (lambda lib, x, r=r: x.scatter_reduce_(0, lib.tensor(_ROWS), x.clone(), r), "complex64")
            for r in ("amax", "amin")
        ],
        (lambda lib, x: x.index_reduce(0, lib.tensor([1, 0]), x.clone(), "amax"), "complex64"),
        (lambda lib, x: x.scatter_reduce(0, lib.tensor(_ROWS), x.clone(), "mean"), "bool"),
        (lambda lib, x: x.index_reduce_(0, lib.tensor([1, 0]), x.clone(), "mean"), "bool"),
        # ... after the index's bounds for index_reduce, before them for scatter_reduce
        (lambda lib, x: x.index_reduce(0, lib.tensor([5, 0]), x.clone(), "mean"), "bool"),
        (lambda lib, x: x.scatter_reduce(0, lib.tensor([[5, 0, 0]]), x.clone(), "mean"), "bool"),
        # a complex fill value of a real tensor
        *[
            (lambda lib, x, v=v: x.index_fill_(1, lib.tensor([0, 2]), v), dtype)
            for v in (1 + 2j, 1 + 0j)
            for dtype in ("float64", "bool", "int32")
        ],
        (lambda lib, x: x.index_fill(0, lib.tensor([1]), lib.tensor(2j)), "float32"),
        (lambda lib, x: x.index_fill_(0, lib.tensor([1]), 2j), "complex64"),
        *[
            (lambda lib, x, v=v: x[:, :2].fill_diagonal_(v), dtype)
            for v in (1 + 2j, 1 + 0j)
            for dtype in ("float64", "float16", "int64", "bool")
        ],
    ],
)
def test_reductions_and_fills_of_complex_and_bool_tensors_as_torch(call: Any, dtype: str) -> None:
    assert_call_as_torch(call, dtype)


@pytest.mark.parametrize("dtype", ["float64", "int8", "bool"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 1)])
def test_sum_to_size_of_no_dimensions_is_torch_s_sum(dtype: str, shape: tuple[int, ...]) -> None:
    # a 0-d tensor was returned as it was (int8, not a new tensor); torch sums to () with sum()
    outcomes = []
    for L in (torch, ag):
        x = L.ones(shape, dtype=getattr(L, dtype), requires_grad=dtype == "float64")
        y = x.sum_to_size(())
        name = None if y.grad_fn is None else y.grad_fn.name()
        outcomes.append((y is x, str(y.dtype).split(".")[-1], y.item(), name))
    assert outcomes[1] == outcomes[0]
