"""The NumPy backend's faster ways to the same results: ``erf``/``erfc`` by ranges
(``_backend/numpy_erf.py``), ``topk``/``kthvalue``/``median`` by partitions
(``_backend/selection.py``) and ``take``'s scatter-add by layers (``_backend/indexing.py``),
each bit for bit the general code's result, and against torch 2.13.0."""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad import _backend, _sorting, _special
from arraygrad._backend import indexing, numpy_erf, selection
from arraygrad.nn import _padding

FLOATS = [np.float64, np.float32, np.float16]


def _bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a).tobytes()


# ---------------------------------------------------------------------------------------------
# erf, erfc
# ---------------------------------------------------------------------------------------------


def _erf_inputs() -> np.ndarray:
    rng = np.random.default_rng(0)
    edges = [0.0, -0.0, 1.0, -1.0, np.nextafter(1.0, 2.0), np.nextafter(-1.0, -2.0), 8.0]
    edges += [np.nextafter(8.0, 0.0), -8.0, 26.6, 27.3, 28.0, -28.5, 1e300, -1e300]
    edges += [5e-324, -5e-324, 1e-310, np.inf, -np.inf, np.nan]
    signalling = np.array([0x7FF0000000000001, 0xFFF0000000000001], np.uint64).view(np.float64)
    return np.concatenate(
        [
            rng.standard_normal(70_000),  # more than one block of work
            rng.standard_normal(5000) * 12.0,
            np.linspace(-30.0, 30.0, 6001),
            np.array(edges),
            signalling,
        ]
    )


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ["erf", "erfc"])
def test_numpy_erf_is_the_generic_function_bit_for_bit(dtype: type, name: str) -> None:
    with np.errstate(all="ignore"):  # (the float16 cast of the big ones, the signalling nans)
        x = _erf_inputs().astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing warns: not the ranges' garbage, not a nan
        got = getattr(numpy_erf, name)(x)
        expected = getattr(_special, name)(np, x)
    assert got.dtype == expected.dtype == dtype
    assert _bits(got) == _bits(expected)
    assert getattr(_backend.xp, name) is getattr(numpy_erf, name)  # what the ops call


@pytest.mark.parametrize("name", ["erf", "erfc"])
@pytest.mark.parametrize(
    "shape", [(), (0,), (0, 3), (1,), (3, 5), (2, 70_000)], ids=lambda s: str(s)
)
def test_numpy_erf_shapes_and_layouts_are_the_generic_functions(name: str, shape: Any) -> None:
    rng = np.random.default_rng(1)
    x = np.asarray(rng.standard_normal(shape) * 2.0)
    layouts = (x, x.T, x[..., ::2], np.asfortranarray(x)) if x.ndim else (x,)
    for layout in layouts:
        got = getattr(numpy_erf, name)(layout)
        expected = getattr(_special, name)(np, layout)
        assert got.shape == expected.shape
        assert got.strides == expected.strides or not got.size  # (an empty one's are any)
        assert _bits(got) == _bits(expected)


def test_numpy_erf_refuses_integers_and_keeps_bfloat16_on_the_generic_path() -> None:
    with pytest.raises(TypeError, match="real floating"):
        numpy_erf.erf(np.arange(3))
    x = ag.tensor([0.5, -2.0, 9.0]).bfloat16()
    assert (
        ag.erf(x).float().tolist()
        == torch.erf(torch.tensor([0.5, -2.0, 9.0]).bfloat16()).float().tolist()
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gelu_and_erf_match_torch_with_gradients(dtype: type) -> None:
    x = (np.random.default_rng(2).standard_normal((4, 30_000)) * 3.0).astype(dtype)
    # float32: torch's assert_close tolerances (torch's float32 erf is its own approximation;
    # these results are the float64 ones rounded once)
    rtol, atol = (1.3e-6, 1e-5) if dtype == np.float32 else (1e-12, 1e-15)
    for fn in (lambda t, m: m.nn.functional.gelu(t), lambda t, m: m.erf(t), lambda t, m: m.erfc(t)):
        mine, theirs = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out_mine, out_theirs = fn(mine, ag), fn(theirs, torch)
        np.testing.assert_allclose(
            out_mine.detach().numpy(), out_theirs.detach().numpy(), rtol, atol
        )
        out_mine.sum().backward()
        out_theirs.sum().backward()
        np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol, atol)


# ---------------------------------------------------------------------------------------------
# topk, kthvalue, median: partitions
# ---------------------------------------------------------------------------------------------


def _rows(dtype: type, kind: str, shape: tuple[int, ...], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        high = 3 if kind == "ties" else int(info.max)
        return rng.integers(info.min, high, shape, endpoint=True).astype(dtype)
    x = rng.standard_normal(shape)
    if kind == "ties":
        x = np.round(x)
    elif kind == "nan":
        x[rng.random(shape) < 0.3] = np.nan
        x[rng.random(shape) < 0.2] = -0.0
    elif kind == "zeros":
        x = np.where(rng.random(shape) < 0.5, -0.0, 0.0)
        x[rng.random(shape) < 0.2] = np.inf
    return x.astype(dtype)


def _sorted_prefix(x: np.ndarray, k: int, axis: int, descending: bool) -> np.ndarray:
    order = _sorting._argsort(x, axis, descending)  # the whole stable sort: the reference
    return order[(slice(None),) * axis + (slice(0, k), Ellipsis)]


@pytest.mark.parametrize(
    ("dtype", "kind"),
    [(d, k) for d in FLOATS for k in ("random", "ties", "nan", "zeros")]
    + [(d, k) for d in (np.int64, np.int8, np.uint8) for k in ("random", "ties")],
)
@pytest.mark.parametrize(
    "shape", [(1,), (9,), (3, 0), (0, 7), (4, 1), (3, 17), (2, 3, 12)], ids=lambda s: str(s)
)
def test_partitions_give_the_stable_sorts_indices(dtype: type, kind: str, shape: Any) -> None:
    x = _rows(dtype, kind, shape, seed=len(shape) * 100 + shape[-1])
    for axis in range(x.ndim):
        for k in range(x.shape[axis] + 1):  # k = 0 and k = n included
            for descending in (False, True):
                got = selection.first_sorted(x, k, axis, descending)
                expected = _sorted_prefix(x, k, axis, descending)
                assert got.shape == expected.shape and np.array_equal(got, expected)
            if k:
                got = selection.kth_index(x, k, axis)
                expected = _sorted_prefix(x, k, axis, False)
                expected = expected[(slice(None),) * axis + (slice(k - 1, k), Ellipsis)]
                assert got.shape == expected.shape and np.array_equal(got, expected)


@pytest.mark.parametrize(
    ("dtype", "kind"),
    [(d, k) for d in FLOATS for k in ("random", "ties", "nan")]
    + [(d, k) for d in (np.int64, np.uint8) for k in ("random", "ties")],
)
def test_topk_kthvalue_median_match_torch(dtype: type, kind: str) -> None:
    x = _rows(dtype, kind, (6, 50), seed=7)
    mine, theirs = ag.tensor(x), torch.tensor(x)
    # values as torch's (nan largest); torch orders ties its own way: indices must point at
    # the values, and equal torch's where the row's values are distinct
    distinct = np.array(
        [len(set(r.tolist())) == r.size and not np.isnan(r.astype(float)).any() for r in x]
    )
    cases = [
        functools.partial(lambda t, k, largest: t.topk(k, -1, largest=largest), k=k, largest=big)
        for k in (1, 5, 24)
        for big in (True, False)
    ]
    cases += [lambda t: t.kthvalue(3, -1), lambda t: t.kthvalue(50, -1), lambda t: t.median(-1)]
    for case in cases:
        (values, indices), (t_values, t_indices) = case(mine), case(theirs)
        assert np.array_equal(values.numpy(), t_values.numpy(), equal_nan=True)
        picked = np.take_along_axis(x, indices.numpy().reshape(6, -1), -1).reshape(values.shape)
        assert np.array_equal(picked, values.numpy(), equal_nan=True)
        assert np.array_equal(indices.numpy()[distinct], t_indices.numpy()[distinct])
    assert np.array_equal(mine.median().numpy(), theirs.median().numpy(), equal_nan=True)


def test_topk_gradient_through_the_partition_matches_torch() -> None:
    x = np.random.default_rng(3).standard_normal((5, 200))
    for largest in (True, False):
        mine, theirs = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        (mine.topk(7, -1, largest=largest).values * ag.arange(7.0)).sum().backward()
        (theirs.topk(7, -1, largest=largest).values * torch.arange(7.0)).sum().backward()
        assert np.array_equal(mine.grad.numpy(), theirs.grad.numpy())


# ---------------------------------------------------------------------------------------------
# take's scatter-add (index_select's and padding's gradients)
# ---------------------------------------------------------------------------------------------


def _add_at(values: np.ndarray, indices: np.ndarray, shape: Any, axis: int) -> np.ndarray:
    out = np.zeros(shape, dtype=values.dtype)
    np.add.at(out, (slice(None),) * axis + (indices,), values)
    return out


@pytest.fixture
def sliced_adds_for_any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    # the sliced adds even for the small arrays of these tests (np.add.at takes those)
    monkeypatch.setattr(indexing, "_FEW", 0)


@pytest.mark.usefixtures("sliced_adds_for_any_size")
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int64, np.complex128])
def test_take_add_zeros_is_add_at_bit_for_bit(dtype: type) -> None:
    rng = np.random.default_rng(4)
    cases = [(1, 1), (3, 0), (3, 5), (5, 20), (7, 4), (4, 100), (30, 31), (9, 12), (9, 13)]
    for size, count in cases:
        for axis in (0, 1, 2):
            shape = [2, 3, 4]
            shape[axis] = size
            indices = rng.integers(-size, size, count)  # negative ones wrap, as add.at's
            if count in (12, 13):  # runs up and down, a repeat, a wrap: sliced adds
                indices = np.array([3, 2, 1, 0, 1, 2, -3, -2, -1, 0, 1, 5, 6][:count])
            value_shape = list(shape)
            value_shape[axis] = count
            values = (rng.standard_normal(value_shape) * 4).astype(dtype)
            if dtype == np.float64:
                values[rng.random(value_shape) < 0.3] = -0.0  # 0 + -0.0 is +0.0 in add.at
            got = indexing.take_add_zeros(values, indices, tuple(shape), axis)
            expected = _add_at(values, indices, tuple(shape), axis)
            assert got.dtype == expected.dtype and _bits(got) == _bits(expected)


@pytest.mark.usefixtures("sliced_adds_for_any_size")
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_padding_gradients_are_add_at_bit_for_bit(mode: str) -> None:
    rng = np.random.default_rng(5)
    for size in range(1, 7):
        for before in range(-2, 7):
            for after in range(-2, 7):
                try:
                    positions = np.asarray(_padding._source_positions(size, before, after, mode))
                except RuntimeError:  # circular wrapping more than once
                    continue
                if positions.size == 0 or (mode == "reflect" and max(before, after) >= size):
                    continue
                values = rng.standard_normal((3, positions.size))
                values[rng.random(values.shape) < 0.3] = -0.0
                got = indexing.take_add_zeros(values, positions, (3, size), 1)
                assert _bits(got) == _bits(_add_at(values, positions, (3, size), 1))


@pytest.mark.usefixtures("sliced_adds_for_any_size")
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_matches_torch_with_gradients(mode: str) -> None:
    x = np.random.default_rng(6).standard_normal((2, 3, 9, 8))
    cotangent = np.random.default_rng(7).standard_normal((2, 3, 9 + 2 + 7, 8 + 7 + 1))
    pad = (7, 1, 2, 7)  # reflections reaching near the far edge: up to three layers
    mine, theirs = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_mine = ag.nn.functional.pad(mine, pad, mode=mode)
    out_theirs = torch.nn.functional.pad(theirs, pad, mode=mode)
    assert np.array_equal(out_mine.detach().numpy(), out_theirs.detach().numpy())
    out_mine.backward(ag.tensor(cotangent))
    out_theirs.backward(torch.tensor(cotangent))
    np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-14, atol=1e-14)


# ---------------------------------------------------------------------------------------------
# group_norm: one primitive for float32 and float64
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("affine", [False, True])
def test_group_norm_matches_torch_with_gradients(dtype: type, affine: bool) -> None:
    rng = np.random.default_rng(8)
    x = (rng.standard_normal((3, 8, 5, 6)) * 3 + 1).astype(dtype)
    cotangent = rng.standard_normal(x.shape).astype(dtype)
    w, b = rng.standard_normal(8).astype(dtype), rng.standard_normal(8).astype(dtype)
    results = []
    for lib in (ag, torch):
        inputs = [lib.tensor(a, requires_grad=True) for a in ((x, w, b) if affine else (x,))]
        out = lib.nn.functional.group_norm(inputs[0], 4, *inputs[1:], eps=1e-3)
        out.backward(lib.tensor(cotangent))
        results.append([out.detach().numpy()] + [t.grad.numpy() for t in inputs])
    rtol, atol = (1e-5, 1e-5) if dtype == np.float32 else (1e-12, 1e-12)
    for mine, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol, atol)
