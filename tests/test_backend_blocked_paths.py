"""The NumPy backend's faster ways to the same results, added for the single-operation
benchmark: ``erfinv`` by ranges and blocks (``_backend/numpy_erfinv.py``), ``lgamma``,
``digamma`` and ``polygamma`` block by block (``_backend/blockwise.py``), one range's elements
picked (``_special._common._on_range``), the tiled copy of a
transposed array (``numpy_fast.c_copy``, behind ``reshape`` and ``contiguous``) and
``embedding_bag``'s gather-and-add (``indexing.gather_add``): each bit for bit the general
code's result, layouts included."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad import _backend, _special
from arraygrad._backend import indexing, numpy_erfinv, numpy_fast
from arraygrad._special._common import _on_range

FLOATS = [np.float64, np.float32, np.float16]


def _bits(a: Any) -> bytes:
    return np.ascontiguousarray(a).tobytes()


def _same_array(got: Any, expected: Any) -> None:
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert got.strides == expected.strides or not got.size
    assert _bits(got) == _bits(expected)


def _layouts(x: np.ndarray) -> list[np.ndarray]:
    """``x`` (a multiple of 21 elements) flat, strided, transposed and as a 0-d array."""
    return [x, x.reshape(-1, 7)[:, ::2], x.reshape(3, -1).T, x[5:6].reshape(())]


# ---------------------------------------------------------------------------------------------
# erfinv
# ---------------------------------------------------------------------------------------------


def _erfinv_inputs(dtype: type) -> np.ndarray:
    rng = np.random.default_rng(3)
    edges = [0.0, -0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 1.5, -2.0, 0.5, 0.7, 1e-300, 5e-324]
    edges += [np.nextafter(v, w) for v in (0.5, 0.7, 1.0, -1.0) for w in (0.0, 2.0)]
    x = np.concatenate(
        [
            rng.uniform(-1.0, 1.0, 70_000),  # more than two blocks
            np.tanh(rng.standard_normal(20_000) * 3.0),
            1.0 - rng.uniform(0.0, 1e-6, 1000),
            np.array(edges),
        ]
    )
    with np.errstate(all="ignore"):
        return x[: x.size // 21 * 21].astype(dtype)


@pytest.mark.parametrize("dtype", FLOATS)
def test_numpy_erfinv_is_the_generic_function_bit_for_bit(dtype: type) -> None:
    for layout in _layouts(_erfinv_inputs(dtype)):
        _same_array(numpy_erfinv.erfinv(layout), _special.erfinv(np, layout))
    assert _backend.xp.erfinv is numpy_erfinv.erfinv  # what the ops call


def test_erfinv_matches_torch_with_its_gradient() -> None:
    x = np.tanh(np.random.default_rng(4).standard_normal((4, 20_000))) * 0.999
    mine, theirs = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_mine, out_theirs = ag.erfinv(mine), torch.erfinv(theirs)
    np.testing.assert_allclose(out_mine.detach().numpy(), out_theirs.detach().numpy(), 1e-13)
    out_mine.sum().backward()
    out_theirs.sum().backward()
    np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), 1e-12)


# ---------------------------------------------------------------------------------------------
# lgamma, digamma, polygamma: block by block
# ---------------------------------------------------------------------------------------------


def _gamma_inputs(dtype: type) -> np.ndarray:
    rng = np.random.default_rng(5)
    edges = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-320, 1e300, -1e300, 1.4616321449683622]
    x = np.concatenate(
        [
            rng.standard_normal(40_000) * 5.0,
            np.abs(rng.standard_normal(40_000)) + 0.01,
            -np.arange(1.0, 20.0),
            np.arange(-30.0, 30.0, 0.25),
            np.array(edges),
        ]
    )
    with np.errstate(all="ignore"):
        return x[: x.size // 21 * 21].astype(dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize(
    "name, order", [("lgamma", None), ("digamma", None), ("polygamma", 1), ("polygamma", 3)]
)
def test_blockwise_special_functions_are_the_generic_ones(
    dtype: type, name: str, order: int | None
) -> None:
    head = () if order is None else (order,)
    for layout in _layouts(_gamma_inputs(dtype)):
        got = getattr(_backend.xp, name)(*head, layout)
        _same_array(got, getattr(_special, name)(np, *head, layout))


# ---------------------------------------------------------------------------------------------
# One range's elements: _on_range (erf's, erfinv's and the gamma functions' ranges)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("library", ["numpy", "array_api_strict"])
@pytest.mark.parametrize("shape", [(0,), (1,), (3,), (50,), (5, 7)], ids=str)
def test_on_range_computes_on_the_masked_elements_only(library: str, shape: Any) -> None:
    lib = np if library == "numpy" else pytest.importorskip("array_api_strict")
    values = np.random.default_rng(8).standard_normal(shape)
    x, picked = lib.asarray(values), values > 0.3
    calls: list[tuple[int, ...]] = []

    def pair(a: Any, b: Any) -> tuple[Any, Any]:
        calls.append(tuple(a.shape))
        return a * 2.0 + b, -a

    first, second, single = lib.zeros_like(x), lib.ones_like(x), lib.zeros_like(x)
    _on_range(lib, x > 0.3, pair, x, x, into=(first, second))
    _on_range(lib, x > 0.3, lambda a: a + 0.5, x, into=single)
    np.testing.assert_array_equal(np.asarray(first), np.where(picked, values * 3.0, 0.0))
    np.testing.assert_array_equal(np.asarray(second), np.where(picked, -values, 1.0))
    np.testing.assert_array_equal(np.asarray(single), np.where(picked, values + 0.5, 0.0))
    # on the picked elements alone, and not at all where none is picked
    assert calls == ([(int(picked.sum()),)] if picked.any() else [])


# ---------------------------------------------------------------------------------------------
# The tiled copy of a transposed array
# ---------------------------------------------------------------------------------------------


def _transposed() -> list[np.ndarray]:
    rng = np.random.default_rng(6)
    return [
        rng.standard_normal((512, 1024)).astype(np.float32).T,
        rng.standard_normal((300, 1100)).T,  # rows and columns not multiples of a tile
        rng.standard_normal((3, 400, 700)).astype(np.float32).transpose(0, 2, 1)[:, ::-1, 5:],
        rng.standard_normal((16, 32, 32, 32)).astype(np.float32).transpose(0, 2, 3, 1),
        rng.standard_normal((256, 10_000)).astype(np.float32).T,
        rng.standard_normal((300, 301)).T[::2, 1:],
        np.arange(600_000, dtype=np.int16).reshape(600, 1000).T,
    ]


@pytest.mark.parametrize("index", range(7))
def test_c_copy_is_a_c_ordered_copy(index: int) -> None:
    a = _transposed()[index]
    got = numpy_fast.c_copy(a)
    assert got.flags.c_contiguous and not np.shares_memory(got, a)
    assert got.dtype == a.dtype and got.shape == a.shape
    assert _bits(got) == _bits(np.ascontiguousarray(a))
    flat = numpy_fast.numpy_reshape(a, (-1,))
    assert _bits(flat) == _bits(a.reshape(-1))


def test_reshape_keeps_views_where_numpy_makes_them() -> None:
    a = np.zeros((64, 600, 8))[:, :, :4]  # merging the first two axes needs no copy
    assert np.shares_memory(numpy_fast.numpy_reshape(a, (64 * 600, 4)), a)
    x = ag.tensor(np.random.default_rng(7).standard_normal((512, 1024)), requires_grad=True)
    y = x.T.contiguous()
    assert y.is_contiguous() and y.grad_fn.name() == "CloneBackward0"
    (y * ag.arange(512.0)).sum().backward()
    np.testing.assert_array_equal(
        x.grad.numpy(), np.broadcast_to(np.arange(512.0)[:, None], x.shape)
    )


# ---------------------------------------------------------------------------------------------
# embedding_bag's gather-and-add
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize(
    "rows, width, count, bags",
    [(512, 64, 4096, 256), (50, 20, 300, 40), (8, 300, 5000, 50), (30, 1, 2000, 3), (5, 4, 0, 2)],
)
def test_gather_add_is_take_then_take_add_zeros(
    dtype: type, rows: int, width: int, count: int, bags: int
) -> None:
    rng = np.random.default_rng(rows + count)
    values = rng.standard_normal((rows, width)).astype(dtype)
    values[0, 0] = -0.0  # (signed zeros sum as add.at sums them)
    take = rng.integers(0, rows, count)
    put = np.sort(rng.integers(0, bags, count))
    for t, p, shape in ((take, put, (bags, width)), (put % rows, take, (rows, width))):
        expected = indexing.take_add_zeros(np.take(values, t, axis=0), p, shape, 0)
        _same_array(indexing.gather_add(values, t, p, shape), expected)
