"""arraygrad.nn.functional 3-D pooling (max with indices, average, adaptive average and max) and
max unpooling against torch 2.13.0 and finite differences, with PyTorch's picks on ties, NaN
and infinities, and the misuse errors' classes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import arraygrad as ag
import arraygrad.nn.functional as AF
from tests.oracle import (
    OpSpec,
    check_against_torch,
    fixed_shapes,
    fixed_shapes_settings,
    run_gradcheck_case,
    run_torch_case,
)

DTYPES = [np.float64, np.float32]


def F(x: Any) -> Any:
    """The functional module of ``x``'s library."""
    return torch.nn.functional if isinstance(x, torch.Tensor) else AF


def lib(x: Any) -> Any:
    return torch if isinstance(x, torch.Tensor) else ag


def distinct(x: Any) -> Any:
    """``x`` plus a fixed ramp, so that no two elements tie (max pooling is kinked at ties)."""
    return x + lib(x).arange(x.numel(), dtype=x.dtype).reshape(x.shape) * 0.1


def volumes(channels: int, low: int = 2) -> Any:
    """Shapes ``((N, C, D, H, W),)`` with a drawn batch size and volume."""
    return st.tuples(st.integers(1, 2), *[st.integers(low, 4)] * 3).map(
        lambda s: ((s[0], channels, s[1], s[2], s[3]),)
    )


OP_TABLE = {
    "max_pool3d": OpSpec(lambda x: F(x).max_pool3d(distinct(x), 2), shapes=volumes(2)),
    "max_pool3d_stride_pad_dilation_ceil": OpSpec(
        lambda x: F(x).max_pool3d(
            distinct(x), (3, 2, 2), (2, 1, 2), (1, 0, 1), dilation=(1, 2, 1), ceil_mode=True
        ),
        shapes=fixed_shapes((1, 2, 5, 4, 3)),
    ),
    "max_pool3d_with_indices_unbatched": OpSpec(
        lambda x: F(x).max_pool3d(distinct(x), 2, 1, 1, return_indices=True),
        shapes=fixed_shapes((2, 3, 2, 3)),
    ),
    "max_pool3d_with_indices_function": OpSpec(
        lambda x: F(x).max_pool3d_with_indices(distinct(x), (1, 2, 2), ceil_mode=True),
        shapes=fixed_shapes((1, 1, 2, 3, 5)),
    ),
    "avg_pool3d": OpSpec(lambda x: F(x).avg_pool3d(x, 2), shapes=volumes(2)),
    "avg_pool3d_pad_exclude_ceil": OpSpec(
        lambda x: F(x).avg_pool3d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
        shapes=fixed_shapes((1, 2, 4, 5, 3)),
    ),
    "avg_pool3d_include_pad_ceil": OpSpec(
        lambda x: F(x).avg_pool3d(x, (2, 3, 2), (2, 2, 1), (1, 1, 0), ceil_mode=True),
        shapes=fixed_shapes((1, 1, 4, 5, 3)),
    ),
    "avg_pool3d_divisor_unbatched": OpSpec(
        lambda x: F(x).avg_pool3d(x, 2, 1, divisor_override=3), shapes=fixed_shapes((2, 3, 2, 3))
    ),
    "adaptive_avg_pool3d": OpSpec(
        lambda x: F(x).adaptive_avg_pool3d(x, (2, 3, 1)), shapes=volumes(2, low=1)
    ),
    "adaptive_avg_pool3d_none_upsample": OpSpec(
        lambda x: F(x).adaptive_avg_pool3d(x, (None, 4, 2)), shapes=fixed_shapes((2, 2, 3, 5))
    ),
    "adaptive_max_pool3d": OpSpec(
        lambda x: F(x).adaptive_max_pool3d(distinct(x), (2, 1, 3)), shapes=volumes(2, low=1)
    ),
    "adaptive_max_pool3d_with_indices": OpSpec(
        lambda x: F(x).adaptive_max_pool3d(distinct(x), (None, 2, 4), return_indices=True),
        shapes=fixed_shapes((1, 2, 3, 5, 3)),
    ),
    "adaptive_max_pool3d_with_indices_function": OpSpec(
        lambda x: F(x).adaptive_max_pool3d_with_indices(distinct(x), 2),
        shapes=fixed_shapes((2, 3, 3, 4)),
    ),
    "max_unpool3d": OpSpec(
        lambda x: F(x).max_unpool3d(*F(x).max_pool3d(distinct(x), 2, return_indices=True), 2),
        shapes=fixed_shapes((1, 2, 4, 4, 2)),
    ),
    "max_unpool3d_output_size_unbatched": OpSpec(
        lambda x: F(x).max_unpool3d(
            *F(x).max_pool3d(distinct(x), 2, 2, 1, return_indices=True), 2, 2, 1, [3, 4, 5]
        ),
        shapes=fixed_shapes((2, 3, 4, 5)),
    ),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@fixed_shapes_settings()
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=3)  # finite differences cost two calls per element
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


def _special_values(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Small integers (many ties) with NaN, -inf and inf sprinkled in."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-2, 3, shape).astype(np.float64)
    draw = rng.random(shape)
    x[draw < 0.1] = np.nan
    x[(draw > 0.1) & (draw < 0.2)] = -np.inf
    x[(draw > 0.2) & (draw < 0.25)] = np.inf
    return x


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 2},
        {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
        {"kernel_size": (2, 3, 2), "stride": 1, "dilation": (2, 1, 1)},
    ],
)
def test_max_pool3d_picks_like_torch_with_nan_inf_and_ties(kwargs: dict) -> None:
    x = _special_values((2, 2, 5, 6, 4), 3)
    theirs = torch.nn.functional.max_pool3d(torch.tensor(x), return_indices=True, **kwargs)
    mine = AF.max_pool3d(ag.tensor(x), return_indices=True, **kwargs)
    np.testing.assert_array_equal(mine[0].numpy(), theirs[0].numpy())
    np.testing.assert_array_equal(mine[1].numpy(), theirs[1].numpy())
    assert mine[1].dtype is ag.int64
    # The gradient of each window goes to its pick alone.
    check_against_torch(lambda t: F(t).max_pool3d(t, **kwargs), None, [x])


@pytest.mark.parametrize("size", [(2, 3, 1), (3, 1, 2), 1])
def test_adaptive_max_pool3d_picks_like_torch_with_nan_inf_and_ties(size: Any) -> None:
    x = _special_values((2, 3, 4, 5, 3), 5)
    theirs = torch.nn.functional.adaptive_max_pool3d(torch.tensor(x), size, True)
    mine = AF.adaptive_max_pool3d(ag.tensor(x), size, True)
    np.testing.assert_array_equal(mine[0].numpy(), theirs[0].numpy())
    np.testing.assert_array_equal(mine[1].numpy(), theirs[1].numpy())
    check_against_torch(lambda t: F(t).adaptive_max_pool3d(t, size), None, [x])


def test_3d_pooling_of_an_empty_batch_matches_torch() -> None:
    x = np.zeros((0, 2, 3, 4, 4))
    for fn in (
        lambda t: F(t).max_pool3d(t, 2),
        lambda t: F(t).avg_pool3d(t, 2, padding=1),
        lambda t: F(t).adaptive_avg_pool3d(t, (1, 2, 3)),
        lambda t: F(t).adaptive_max_pool3d(t, 2),
    ):
        check_against_torch(fn, None, [x])


def _raises_like_torch(fn: Any, arrays: tuple, match: str) -> None:
    with pytest.raises(Exception) as theirs:
        fn(*[torch.tensor(a) for a in arrays])
    with pytest.raises(theirs.type, match=match):
        fn(*[ag.tensor(a) for a in arrays])


VOLUME = np.zeros((1, 2, 3, 3, 3))


@pytest.mark.parametrize(
    ("fn", "arrays", "match"),
    [
        (lambda x: F(x).max_pool3d(x, 2), (np.zeros((2, 3, 3)),), "4D or 5D"),
        (lambda x: F(x).max_pool3d(x, 2, padding=2), (VOLUME,), "pad should be at most half"),
        (lambda x: F(x).max_pool3d(x, 4), (VOLUME,), "too small"),
        (lambda x: F(x).max_pool3d(x, 0), (VOLUME,), "stride should not be zero"),
        (lambda x: F(x).avg_pool3d(x, 2, divisor_override=0), (VOLUME,), "divisor"),
        (lambda x: F(x).avg_pool3d(x, (2, 2)), (VOLUME,), "kernel_size"),
        (
            lambda x: F(x).avg_pool3d(x, (1, 2, 2), padding=(0, 1, 1)),
            (np.zeros((1, 7, 1, 3)),),
            "smaller than kernel size",
        ),
        (
            lambda x: F(x).avg_pool3d(x, 2, ceil_mode=True),
            (np.zeros((1, 1, 1, 3, 3)),),
            "smaller than kernel size",
        ),
        (
            lambda x: F(x).lp_pool3d(x, 2.0, 2, ceil_mode=True),
            (np.zeros((1, 1, 1, 3, 3)),),
            "smaller than kernel",
        ),
        (lambda x: F(x).adaptive_avg_pool3d(x, (1, 2)), (VOLUME,), "output_size"),
        (lambda x: F(x).adaptive_max_pool3d(x, (1, 2)), (VOLUME,), "output_size"),
        (lambda x: F(x).adaptive_max_pool3d(x, 2), (np.zeros((2, 3, 3)),), "4D or 5D"),
        (
            lambda x: F(x).max_unpool3d(x, lib(x).zeros(1, 2, 3, 3, 3, dtype=lib(x).long), 2),
            (np.zeros((2, 3, 3)),),
            "4d or 5d",
        ),
        (
            lambda x: F(x).max_unpool3d(x, lib(x).full((1, 2, 3, 3, 3), 300), 2),
            (VOLUME,),
            "invalid max index",
        ),
        (
            lambda x: F(x).max_unpool3d(
                x, lib(x).zeros(1, 2, 3, 3, 3, dtype=lib(x).long), 2, 2, 0, (9, 9, 9)
            ),
            (VOLUME,),
            "output_size",
        ),
    ],
)
def test_errors_match_torch(fn: Any, arrays: tuple, match: str) -> None:
    _raises_like_torch(fn, arrays, match)


def _pool_like_torch(fn: Any, shape: tuple[int, ...], backward: bool = True) -> None:
    """``fn`` (values, and indices where it returns them) and its gradient as in torch."""
    x = np.random.default_rng(7).standard_normal(shape)
    results = []
    for tensor in (torch.tensor, ag.tensor):
        inp = tensor(x, requires_grad=True)
        out = fn(inp)
        values, indices = out if isinstance(out, tuple) else (out, None)
        cotangent = np.arange(values.numel(), dtype=np.float64).reshape(tuple(values.shape))
        if backward or tensor is ag.tensor:
            values.backward(tensor(cotangent))
        grad = None if inp.grad is None else inp.grad.numpy()
        index = None if indices is None else indices.numpy()
        results.append((values.detach().numpy(), index, grad))
    (t_values, t_index, t_grad), (values, index, grad) = results
    np.testing.assert_allclose(values, t_values, rtol=1e-12)
    if t_index is not None:
        np.testing.assert_array_equal(index, t_index)
    if backward:
        np.testing.assert_allclose(grad, t_grad, rtol=1e-12)
    else:
        assert grad is not None and np.isfinite(grad).all()


@pytest.mark.parametrize(
    ("fn", "shape"),
    [
        (lambda x: F(x).max_pool2d(x, 2, 2, ceil_mode=True, return_indices=True), (1, 1, 1, 5)),
        (lambda x: F(x).avg_pool2d(x, 2, 2, ceil_mode=True), (1, 1, 1, 5)),
        (lambda x: F(x).avg_pool2d(x, (2, 3), 3, 1, ceil_mode=True), (2, 1, 1, 5)),
        (
            lambda x: F(x).avg_pool2d(x, 2, 2, ceil_mode=True, count_include_pad=False),
            (1, 1, 1, 3),
        ),
        (lambda x: F(x).max_pool3d(x, 2, 2, ceil_mode=True, return_indices=True), (1, 1, 1, 3, 3)),
        (lambda x: F(x).avg_pool3d(x, 2, 2, ceil_mode=True), (1, 2, 2, 2, 3)),
        (lambda x: F(x).lp_pool2d(x, 2.0, 2, 2, ceil_mode=True), (1, 1, 1, 5)),
        (lambda x: F(x).max_pool1d(x, 3, 2, ceil_mode=True), (1, 2, 2)),
    ],
)
def test_ceil_mode_input_smaller_than_the_window_like_torch(fn: Any, shape: tuple) -> None:
    # With ceil_mode the one window may overhang the input: a result, not an error.
    _pool_like_torch(fn, shape)


@pytest.mark.parametrize(
    ("fn", "shape"),
    [
        (
            lambda x: F(x).max_pool2d(x, (2, 1), (3, 1), (1, 0), (2, 1), return_indices=True),
            (1, 1, 1, 3),
        ),
        (
            lambda x: F(x).max_pool3d(x, (2, 1, 1), 2, (1, 0, 0), (2, 1, 1), return_indices=True),
            (2, 1, 1, 2, 3),
        ),
        (
            lambda x: F(x).max_pool1d(x, 2, 3, 1, 3, ceil_mode=True, return_indices=True),
            (1, 2, 4),
        ),
    ],
)
def test_windows_wholly_in_the_padding_like_torch(fn: Any, shape: tuple) -> None:
    # Such a window's maximum is -inf, and its index PyTorch's first kernel position at or past
    # 0, which may lie past the input: torch's backward then writes out of bounds (it corrupts
    # memory), so only the values and indices are compared with it.
    _pool_like_torch(fn, shape, backward=False)


@pytest.mark.parametrize(
    ("pool", "size", "shape"),
    [
        ("adaptive_avg_pool3d", 1, (1, 2, 1, 4, 7, 7)),
        ("adaptive_avg_pool3d", (1, None, 1), (2, 1, 2, 3, 1, 4)),
        ("adaptive_avg_pool2d", (1, 1), (2, 3, 4, 5, 6)),
    ],
)
def test_adaptive_average_to_ones_takes_any_leading_dimensions_as_torch(
    pool: str, size: Any, shape: tuple[int, ...]
) -> None:
    """PyTorch pools to an output of ones as the mean over the pooled dimensions, whatever
    the number of leading dimensions; arraygrad raised its 4-D-or-5-D error for the extra one
    (modules fuzzer, seed 74132)."""

    def fn(x: Any) -> Any:
        return getattr(F(x), pool)(x, size)

    check_against_torch(fn, None, [np.random.default_rng(5).standard_normal(shape)])


@pytest.mark.parametrize(
    ("pool", "shape"), [("adaptive_avg_pool2d", (4,)), ("adaptive_avg_pool3d", (4, 4))]
)
def test_adaptive_average_to_one_of_too_few_dimensions_raises_index_error_as_torch(
    pool: str, shape: tuple[int, ...]
) -> None:
    # PyTorch's mean shortcut asks for dimensions the input lacks: IndexError, not the
    # RuntimeError of other output sizes (modules fuzzer, noticed with seed 74132)
    with pytest.raises(IndexError):
        getattr(torch.nn.functional, pool)(torch.ones(shape), 1)
    with pytest.raises(IndexError, match=r"Dimension out of range.*Fix"):
        getattr(ag.nn.functional, pool)(ag.ones(shape), 1)
    with pytest.raises(RuntimeError):
        getattr(ag.nn.functional, pool)(ag.ones(shape), 2)
