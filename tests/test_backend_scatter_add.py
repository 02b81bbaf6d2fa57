"""``_backend/scatter_add.py``'s ``add_at`` (NumPy's ``add.at``, the same bits, faster) and the
gradients built on it, against ``np.add.at`` and torch 2.13.0: repeated, negative, empty and
expanded indices, sorted segments, every dtype; and a basic key's gradient (slices, ``None``),
which keeps the sign of a zero as torch's."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad._backend import scatter_add
from tests.oracle import gradcheck

DTYPES = [np.float16, np.float32, np.float64, np.int64, np.complex128]

KEYS = {
    "rows, repeated": ((6, 5), lambda r: (r.integers(0, 6, 40),)),
    "rows, negative": ((6, 5), lambda r: (r.integers(-6, 6, (4, 5)),)),
    "rows, empty": ((6, 5), lambda r: (np.zeros(0, np.int64),)),
    "columns after a slice": ((4, 7, 3), lambda r: (slice(1, None, 2), r.integers(-7, 7, 30))),
    "ellipsis first": ((3, 4, 5), lambda r: (Ellipsis, r.integers(0, 5, (2, 6)))),
    "two arrays broadcast": ((5, 6), lambda r: (r.integers(0, 5, (7, 1)), r.integers(-6, 6, 4))),
    "arrays apart": ((4, 3, 5), lambda r: (r.integers(0, 4, 9), slice(None), r.integers(0, 5, 9))),
    "an int with an array": ((4, 3, 5), lambda r: (2, slice(None, None, -1), r.integers(0, 5, 8))),
    "expanded index": (
        (6, 8),
        lambda r: (np.broadcast_to(r.integers(0, 6, (6, 1)), (6, 8)), np.arange(8)[None]),
    ),
    # 40 sorted segments of wide rows: summed segment by segment
    "sorted segments": ((44, 128), lambda r: (np.sort(r.integers(0, 40, 1600)),)),
    "equal sorted segments": ((40, 64), lambda r: (np.repeat(np.arange(40), 30),)),
}


def _values(rng: Any, shape: tuple[int, ...], dtype: Any) -> Any:
    values = rng.standard_normal(shape) * 4
    if np.dtype(dtype).kind == "c":
        values = values + 1j * rng.standard_normal(shape)
    values = values.astype(dtype)
    if np.dtype(dtype).kind == "f":  # zeros of both signs: add.at's first sum gives +0.0
        values[rng.random(shape) < 0.2] = -0.0
    return values


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("case", list(KEYS))
def test_add_at_sums_the_bits_add_at_sums(case: str, dtype: Any, monkeypatch: Any) -> None:
    # (these keys are small: without this, add_at would hand them to add.at itself)
    monkeypatch.setattr(scatter_add, "_FEW", 0)
    rng = np.random.default_rng(len(case))
    shape, make_key = KEYS[case]
    key = make_key(rng)
    selected = np.zeros(shape, dtype)[key].shape
    for values in (_values(rng, selected, dtype), _values(rng, selected[-1:], dtype)):
        expected, got = np.zeros(shape, dtype), np.zeros(shape, dtype)
        np.add.at(expected, key, values)
        scatter_add.add_at(got, key, values)
        assert got.tobytes() == expected.tobytes()


def test_add_at_takes_the_fast_paths() -> None:
    """The cases above reach the flat positions and the segment sums (not add.at's fallback);
    a few values with index arrays alone go to add.at itself."""
    rng = np.random.default_rng(0)
    assert scatter_add._few((np.arange(3),), np.ones(3))
    assert not scatter_add._few((slice(None), np.arange(3)), np.ones(3))
    assert not scatter_add._few((np.arange(5000),), np.ones(5000))
    for case in ("rows, repeated", "arrays apart", "expanded index", "an int with an array"):
        shape, make_key = KEYS[case]
        assert scatter_add._flat_plan(np.zeros(shape), make_key(rng)) is not None
    for case in ("sorted segments", "equal sorted segments"):
        shape, make_key = KEYS[case]
        key = make_key(rng)
        out = np.zeros(shape)
        assert scatter_add._sorted_rows(out, key, np.ones(np.zeros(shape)[key].shape))


@pytest.mark.parametrize("key", [(np.array([0, 6]),), (slice(None), np.array([-6]))])
def test_add_at_reports_an_index_out_of_range_as_add_at(key: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(scatter_add, "_FEW", 0)
    with pytest.raises(IndexError):
        scatter_add.add_at(np.zeros((6, 5)), key, 1.0)


def test_basic_key_gradient_keeps_negative_zeros_as_torch() -> None:
    """``x[:, None, :2]``'s gradient is the upstream one written into zeros, -0.0 included, as
    torch's slice backward copies it (it went through add.at and a list, which gave +0.0)."""
    upstream = np.array([[[-0.0, 1.5]], [[2.0, -0.0]]])
    grads = []
    for lib in (torch, ag):
        x = lib.zeros(2, 3, dtype=lib.float64, requires_grad=True)
        x[:, None, :2].backward(lib.tensor(upstream))
        grads.append(np.asarray(x.grad.tolist()))
    assert grads[1].tobytes() == grads[0].tobytes()


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_advanced_index_gradient_matches_torch_bits(dtype: str) -> None:
    """Repeated and negative rows of a non-contiguous input: values and gradient bit for bit."""
    rng = np.random.default_rng(1)
    base = rng.standard_normal((9, 12))
    index = rng.integers(-6, 6, 50)
    weights = rng.standard_normal((50, 6))
    results = []
    for lib in (torch, ag):
        x = lib.tensor(base, dtype=getattr(lib, dtype), requires_grad=True)
        picked = x[:6, ::2][lib.tensor(index)]
        (picked * lib.tensor(weights, dtype=getattr(lib, dtype))).sum().backward()
        results.append((np.asarray(picked.tolist()), np.asarray(x.grad.tolist())))
    for got, expected in zip(results[1], results[0], strict=True):
        assert got.tobytes() == expected.tobytes()


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_scatter_add_matches_torch_bits(dtype: str) -> None:
    rng = np.random.default_rng(2)
    index = rng.integers(0, 5, (30, 1)).repeat(7, axis=1)
    source = (rng.standard_normal((30, 7)) * 100).astype(dtype)
    results = []
    for lib in (torch, ag):
        out = lib.zeros(5, 7, dtype=getattr(lib, dtype))
        added = out.scatter_add(0, lib.tensor(index).expand(30, 7), lib.tensor(source))
        results.append(np.asarray(added.tolist()))
    assert results[1].tobytes() == results[0].tobytes()


def test_embedding_bag_sorted_segments_match_torch() -> None:
    rng = np.random.default_rng(3)
    table = rng.standard_normal((50, 32))
    index = rng.integers(0, 50, 600)
    offsets = np.sort(rng.choice(np.arange(1, 600), 29, replace=False))
    results = []
    for lib in (torch, ag):
        weight = lib.tensor(table, requires_grad=True)
        bags = lib.nn.functional.embedding_bag(
            lib.tensor(index), weight, lib.tensor(np.r_[0, offsets]), mode="mean"
        )
        (bags * lib.tensor(np.arange(32.0))).sum().backward()
        results.append((np.asarray(bags.tolist()), np.asarray(weight.grad.tolist())))
    for got, expected in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_gradients_through_the_scatter_pass_gradcheck() -> None:
    rng = np.random.default_rng(4)
    index = ag.tensor(rng.integers(-4, 4, (3, 5)))
    rows = ag.tensor(np.sort(rng.integers(0, 4, 40)))
    x, source = rng.standard_normal((4, 6)), rng.standard_normal((40, 6))
    gradcheck(lambda t: t[index] * 1.5, [x])
    gradcheck(lambda t: t[:, None, 1:5:2] * t[:, None, :2], [x])
    gradcheck(lambda s: ag.zeros(4, 6, dtype=ag.float64).index_add(0, rows, s), [source])
