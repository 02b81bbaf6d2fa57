"""unsafe_split, unsafe_split_with_sizes, unsafe_chunk and nonzero_static, compared with torch."""

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

CASES = [
    ("unsafe_split", (3,), {}),
    ("unsafe_split", (2,), {"dim": 1}),
    ("unsafe_chunk", (4,), {}),
    ("unsafe_chunk", (2,), {"dim": -1}),
    ("unsafe_split_with_sizes", ([2, 5],), {}),
    ("unsafe_split_with_sizes", ([1, 2],), {"dim": 1}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), CASES)
def test_values_and_gradients_match_torch(name: str, args: tuple, kwargs: dict) -> None:
    data = np.random.default_rng(0).standard_normal((7, 3))
    results = []
    for lib in (ag, torch):
        x = lib.tensor(data, dtype=lib.float64, requires_grad=True)
        for pieces in (
            getattr(lib, name)(x * 1, *args, **kwargs),
            getattr(x * 1, name)(*args, **kwargs),
        ):
            loss = sum(((p * p) * (i + 1)).sum() for i, p in enumerate(pieces))
            (grad,) = lib.autograd.grad(loss, x)
            results.append(
                ([p.tolist() for p in pieces], grad.tolist(), [p.grad_fn.name() for p in pieces])
            )
    assert results[0] == results[2] and results[1] == results[3]


def test_in_place_writes_into_pieces_are_allowed() -> None:
    for lib in (ag, torch):
        x = lib.arange(6.0, dtype=lib.float64, requires_grad=True)
        y = x * 1
        first, second = lib.unsafe_split(y, 3)
        first.mul_(2)  # split's pieces refuse this
        loss = (first * first).sum() + (second * second).sum()
        loss.backward()
        assert x.grad.tolist() == [0.0, 8.0, 16.0, 6.0, 8.0, 10.0]
        assert y.detach().tolist()[:3] == [0.0, 2.0, 4.0]  # written through, as in torch
        with pytest.raises(RuntimeError, match="is a view and is being modified inplace"):
            lib.split(x * 1, 3)[0].mul_(2)


def test_errors_match_torch() -> None:
    for lib in (ag, torch):
        y = lib.arange(10.0)
        with pytest.raises(RuntimeError, match="split_size can only be 0"):
            lib.unsafe_split(y, 0)
        with pytest.raises(RuntimeError, match="split_with_sizes expects split_sizes to sum"):
            lib.unsafe_split_with_sizes(y, [2, 3])
        with pytest.raises(RuntimeError, match="chunk expects `chunks` to be greater than 0"):
            lib.unsafe_chunk(y, 0)
        with pytest.raises(TypeError, match="must be int, not list"):
            lib.unsafe_split(y, [3, 7])


@pytest.mark.parametrize(
    ("data", "kwargs"),
    [
        ([[0, 1.5, 0], [2, 0, 3]], {"size": 5}),
        ([[0, 1.5, 0], [2, 0, 3]], {"size": 2, "fill_value": 7}),
        ([[0, 1.5, 0], [2, 0, 3]], {"size": 0}),
        ([True, False, True], {"size": 3}),
        (3.0, {"size": 2}),
        (0.0, {"size": 2}),
    ],
)
def test_nonzero_static_matches_torch(data: object, kwargs: dict) -> None:
    got = ag.nonzero_static(ag.tensor(data), **kwargs)
    want = torch.nonzero_static(torch.tensor(data), **kwargs)
    assert tuple(got.shape) == tuple(want.shape) and got.tolist() == want.tolist()
    assert got.dtype == ag.int64
    assert ag.tensor(data).nonzero_static(**kwargs).tolist() == want.tolist()


def test_nonzero_static_errors() -> None:
    for lib in (ag, torch):
        with pytest.raises(RuntimeError, match="'size' must be an non-negative integer"):
            lib.tensor([1.0]).nonzero_static(size=-1)
        with pytest.raises(TypeError):
            lib.tensor([1.0]).nonzero_static(2)


def _pieces(lib: Any, name: str, y: Any) -> Any:
    if name == "unsafe_split_with_sizes":
        return lib.unsafe_split_with_sizes(y, [2, 2])
    return getattr(y, name)(2)


@pytest.mark.parametrize("name", ["unsafe_chunk", "unsafe_split", "unsafe_split_with_sizes"])
def test_pieces_are_not_views_for_autograd_as_in_torch(name: str) -> None:
    # Regression: a write into a piece was replayed into the input's history (x.grad
    # [3, 3, 1, 1]); torch's pieces share the memory but not the history or version counter.
    results = []
    for lib in (torch, ag):
        x = lib.ones(4, dtype=lib.float64, requires_grad=True)
        y = x.clone()
        first, second = _pieces(lib, name, y)
        before = first._base is None, first._version, y._version
        first.mul_(3)  # written into y's memory, recorded on the piece alone
        after = y.tolist(), y.grad_fn.name(), first.grad_fn.name(), first._version, y._version
        y.sum().backward()
        grad_from_y = x.grad.tolist()
        x.grad = None
        y.mul_(2)  # nor does a write into y change the pieces' history
        second.sum().backward()
        results.append((before, after, grad_from_y, x.grad.tolist(), second.tolist()))
    assert results[1] == results[0]


def test_pieces_made_under_no_grad_are_plain_tensors_as_in_torch() -> None:
    results = []
    for lib in (torch, ag):
        x = lib.ones(4, requires_grad=True)
        with lib.no_grad():
            first, _ = x.unsafe_split(2)
        first.add_(1)  # allowed: not a view of the leaf (it writes the leaf's memory)
        results.append((first.requires_grad, first._base is None, x.tolist()))
    assert results[1] == results[0]


def test_unsafe_split_inside_inference_mode_makes_views_as_torch() -> None:
    # Regression (review of leftovers14): inside inference_mode, torch's unsafe_split of a
    # tensor that requires grad gives plain views that require grad; the no_grad rule (pieces
    # of their own, requiring none) had been applied there too.
    outcomes = []
    for L in (torch, ag):
        a = L.tensor([0.5, 1.0, 1.5, 2.0], requires_grad=True)
        with L.inference_mode():
            pieces = L.unsafe_split(a, 2)
        outcomes.append([(p.requires_grad, p._base is not None) for p in pieces])
    assert outcomes[0] == outcomes[1]
