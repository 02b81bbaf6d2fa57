"""``segment_reduce`` against torch 2.13.0: every reduction with lengths and offsets, along a
later axis with per-row segments, with and without ``initial``, empty segments; gradients,
ties and zeros; torch's errors."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.ops._helpers import lib
from tests.oracle import check_against_torch, gradcheck

R = np.random.default_rng(0)
REDUCTIONS = ["sum", "mean", "max", "min", "prod"]


def _check(fn: Any, inputs: list[np.ndarray]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 0 / 0 of an empty segment's mean
        check_against_torch(fn, None, inputs)


@pytest.mark.parametrize("reduce", REDUCTIONS)
@pytest.mark.parametrize("initial", [None, 0.5])
def test_matches_torch(reduce: str, initial: float | None) -> None:
    _check(
        lambda x: lib(x).segment_reduce(
            x, reduce, lengths=lib(x).tensor([2, 0, 3, 1]), initial=initial
        ),
        [R.standard_normal((6, 2))],
    )
    offsets = [[0, 2, 2, 5, 6], [0, 1, 1, 3, 6]]
    _check(
        lambda x: lib(x).segment_reduce(
            x, reduce, offsets=lib(x).tensor(offsets), axis=1, initial=initial
        ),
        [R.standard_normal((2, 6, 3))],
    )
    lengths = [[2, 0, 3, 1], [1, 1, 1, 3]]
    _check(
        lambda x: lib(x).segment_reduce(
            x, reduce, lengths=lib(x).tensor(lengths), axis=-1, initial=initial
        ),
        [R.standard_normal((2, 6))],
    )


@pytest.mark.parametrize("reduce", ["max", "prod"])
def test_ties_and_zeros_match_torch(reduce: str) -> None:
    for values in ([1.0, 3.0, 3.0, 2.0, 0.0, 0.0, 5.0], [1.0, 0.0, 3.0, 2.0, 0.0, 0.0, 5.0]):
        _check(
            lambda x: lib(x).segment_reduce(x, reduce, lengths=lib(x).tensor([4, 3])),
            [np.array(values)],
        )


def test_min_ties_share_the_gradient() -> None:
    # torch 2.13 gives each tied minimum the whole gradient of a negative cotangent and half of
    # a positive one (not linear in the cotangent); arraygrad shares it, as torch's amin does.
    x = ag.tensor([1.0, 3.0, 3.0, 2.0, 0.0, 0.0, 5.0], requires_grad=True)
    out = ag.segment_reduce(x, "min", lengths=ag.tensor([4, 3]))
    (grad,) = ag.autograd.grad(out, x, ag.tensor([0.3, -0.7]))
    np.testing.assert_allclose(grad.numpy(), [0.3, 0, 0, 0, -0.35, -0.35, 0])


@pytest.mark.parametrize("reduce", REDUCTIONS)
def test_gradients_by_finite_differences(reduce: str) -> None:
    gradcheck(
        lambda x: ag.segment_reduce(x, reduce, lengths=ag.tensor([2, 3, 1]), initial=0.25),
        [R.standard_normal((6, 2))],
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda L, x: L.segment_reduce(x, "foo", lengths=L.tensor([6])),
        lambda L, x: L.segment_reduce(x, "sum", lengths=L.tensor([2, 2])),
        lambda L, x: L.segment_reduce(x, "sum"),
        lambda L, x: L.segment_reduce(x, "sum", lengths=L.tensor([7, -1])),
        lambda L, x: L.segment_reduce(x, "sum", lengths=L.tensor([6]), axis=1),
        lambda L, x: L.segment_reduce(x, "sum", indices=L.tensor([6])),
    ],
)
def test_errors_match_torch(call: Any) -> None:
    messages = []
    for L in (torch, ag):
        with pytest.raises(RuntimeError) as error:
            call(L, L.tensor(R.standard_normal((6, 2))))
        messages.append(str(error.value))
    # torch's words first; arraygrad's message then names the fix
    assert messages[1].startswith(messages[0])


def test_dtype_errors_match_torch() -> None:
    for L in (torch, ag):
        with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
            L.segment_reduce(L.tensor([1, 2, 3]), "sum", lengths=L.tensor([3]))
        with pytest.raises(NotImplementedError, match="not implemented for 'Float'"):
            L.segment_reduce(L.ones(3), "sum", lengths=L.tensor([3.0]))


def test_unsafe_skips_the_lengths_check() -> None:
    for L in (torch, ag):
        out = L.segment_reduce(L.arange(6.0), "sum", lengths=L.tensor([2, 2]), unsafe=True)
        assert out.tolist() == [1.0, 5.0]
