"""arraygrad.nn.functional fractional_max_pool2d/3d and the FractionalMaxPool layers against torch
2.13.0 and finite differences: the same windows from the same ``_random_samples`` (values,
indices, gradients), PyTorch's picks on ties and NaN, drawn samples, and the misuse errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import arraygrad as ag
import arraygrad.nn.functional as AF
from tests.nn._compare import compare_module
from tests.oracle import (
    OpSpec,
    check_against_torch,
    fixed_shapes,
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


def samples(x: Any, planes: tuple[int, int], n: int) -> Any:
    """Fixed samples in [0, 1) of ``x``'s library and dtype, one per plane and dimension."""
    count = planes[0] * planes[1] * n
    return lib(x).linspace(0.05, 0.95, count, dtype=x.dtype).reshape(*planes, n).flip(-1)


OP_TABLE = {
    "fractional_max_pool2d": OpSpec(
        lambda x: F(x).fractional_max_pool2d(
            distinct(x), 2, (3, 4), _random_samples=samples(x, (2, 2), 2)
        ),
        shapes=fixed_shapes((2, 2, 6, 7)),
    ),
    "fractional_max_pool2d_ratio_indices": OpSpec(
        lambda x: F(x).fractional_max_pool2d(
            distinct(x),
            (3, 2),
            output_ratio=(0.5, 0.6),
            return_indices=True,
            _random_samples=samples(x, (1, 3), 2),
        ),
        shapes=fixed_shapes((1, 3, 8, 6)),
    ),
    "fractional_max_pool2d_unbatched_output_one": OpSpec(
        lambda x: F(x).fractional_max_pool2d_with_indices(
            distinct(x), 2, (1, 3), _random_samples=samples(x, (1, 2), 2)
        ),
        shapes=fixed_shapes((2, 4, 5)),
    ),
    "fractional_max_pool3d": OpSpec(
        lambda x: F(x).fractional_max_pool3d(
            distinct(x), (2, 1, 2), (2, 3, 2), _random_samples=samples(x, (2, 1), 3)
        ),
        shapes=fixed_shapes((2, 1, 4, 5, 4)),
    ),
    "fractional_max_pool3d_ratio_unbatched_indices": OpSpec(
        lambda x: F(x).fractional_max_pool3d_with_indices(
            distinct(x), 2, output_ratio=0.5, _random_samples=samples(x, (1, 2), 3)
        ),
        shapes=fixed_shapes((2, 4, 6, 5)),
    ),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=3)  # finite differences cost two calls per element
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("n", "shape", "kernel", "out"),
    [
        (2, (3, 4, 25, 17), 3, (11, 8)),
        (2, (2, 3, 9, 30), (2, 4), (8, 9)),
        (3, (2, 2, 9, 11, 13), (3, 2, 2), (4, 6, 7)),
    ],
)
def test_windows_from_random_samples_match_torch(
    n: int, shape: tuple, kernel: Any, out: tuple, dtype: type
) -> None:
    # Many planes with uniform samples: the float rounding of the window starts, computed in
    # the input's dtype, decides them, so every index must agree.
    rng = np.random.default_rng(n)
    x = rng.standard_normal(shape).astype(dtype)
    u = rng.random((shape[0], shape[1], n)).astype(dtype)
    pool = f"fractional_max_pool{n}d"
    theirs = getattr(torch.nn.functional, pool)(
        torch.tensor(x), kernel, out, return_indices=True, _random_samples=torch.tensor(u)
    )
    mine = getattr(AF, pool)(
        ag.tensor(x), kernel, out, return_indices=True, _random_samples=ag.tensor(u)
    )
    np.testing.assert_array_equal(mine[1].numpy(), theirs[1].numpy())
    np.testing.assert_array_equal(mine[0].numpy(), theirs[0].numpy())


def test_picks_like_torch_with_nan_inf_and_ties() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(-2, 3, (2, 3, 9, 8)).astype(np.float64)
    draw = rng.random(x.shape)
    x[draw < 0.1] = np.nan
    x[(draw > 0.1) & (draw < 0.2)] = -np.inf
    x[(draw > 0.2) & (draw < 0.25)] = np.inf
    u = rng.random((2, 3, 2))

    def fn(t: Any) -> Any:
        return F(t).fractional_max_pool2d(
            t, 3, (4, 3), return_indices=True, _random_samples=lib(t).tensor(u)
        )

    theirs, mine = fn(torch.tensor(x)), fn(ag.tensor(x))
    np.testing.assert_array_equal(mine[0].numpy(), theirs[0].numpy())
    np.testing.assert_array_equal(mine[1].numpy(), theirs[1].numpy())
    check_against_torch(lambda t: fn(t)[0], None, [x])


@pytest.mark.parametrize("n", [2, 3])
def test_drawn_samples_give_windows_of_the_input(n: int) -> None:
    # Without _random_samples each plane draws its own: the output has the requested size,
    # each value is the input at its index, and a fixed seed repeats the draw.
    x = ag.randn(2, 3, *([7] * n))
    pool = getattr(AF, f"fractional_max_pool{n}d")
    ag.manual_seed(5)
    values, indices = pool(x, 2, output_ratio=0.5, return_indices=True)
    assert tuple(values.shape) == (2, 3) + (3,) * n
    plane = x.reshape(2, 3, -1).numpy()
    picked = np.take_along_axis(plane, indices.reshape(2, 3, -1).numpy(), axis=2)
    np.testing.assert_array_equal(picked, values.reshape(2, 3, -1).numpy())
    ag.manual_seed(5)
    np.testing.assert_array_equal(pool(x, 2, output_ratio=0.5).numpy(), values.numpy())


LAYERS = {
    "fractional2d": (
        lambda nn: nn.FractionalMaxPool2d(
            2, (3, 3), _random_samples=torch_or_ag(nn).tensor([[[0.3, 0.7]], [[0.9, 0.1]]])
        ),
        (2, 1, 7, 6),
    ),
    "fractional3d_indices": (
        lambda nn: nn.FractionalMaxPool3d(
            2,
            output_ratio=(0.5, 0.6, 0.5),
            return_indices=True,
            _random_samples=torch_or_ag(nn).tensor([[[0.3, 0.7, 0.2], [0.5, 0.5, 0.5]]]),
        ),
        (1, 2, 4, 5, 6),
    ),
}


def torch_or_ag(nn: Any) -> Any:
    return torch if nn is torch.nn else ag


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_matches_torch(name: str) -> None:
    build, shape = LAYERS[name]
    x = np.random.default_rng(1).standard_normal(shape)
    x += np.arange(x.size).reshape(shape) * 0.01
    theirs, _ = compare_module(build, [x])
    mine = build(ag.nn)
    assert repr(mine) == repr(build(torch.nn))
    assert list(mine.state_dict()) == list(theirs.state_dict())
    assert mine.kernel_size == theirs.kernel_size
    assert mine.output_size == theirs.output_size
    assert mine.output_ratio == theirs.output_ratio


@pytest.mark.parametrize(
    "build",
    [
        lambda nn: nn.FractionalMaxPool2d(2),
        lambda nn: nn.FractionalMaxPool3d(2, 3, 0.5),
        lambda nn: nn.FractionalMaxPool2d(2, output_ratio=1.5),
        lambda nn: nn.FractionalMaxPool3d(2, output_ratio=(0.5, 0.5, 0)),
        lambda nn: nn.FractionalMaxPool3d(0, 2),
    ],
)
def test_layer_argument_errors_match_torch(build: Any) -> None:
    with pytest.raises(ValueError) as theirs:
        build(torch.nn)
    with pytest.raises(ValueError) as mine:
        build(ag.nn)
    # torch's words, then the fix arraygrad adds
    assert str(mine.value).startswith(str(theirs.value)) and "Fix:" in str(mine.value)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: F(x).fractional_max_pool2d(x, 2),
        lambda x: F(x).fractional_max_pool2d(x, 3, 4),
        lambda x: F(x).fractional_max_pool2d(x[0, 0], 2, 2),
        lambda x: F(x).fractional_max_pool3d(x, 2, 2),
        lambda x: F(x).fractional_max_pool2d(
            x, 2, 2, _random_samples=lib(x).zeros(1, 3, 2, dtype=x.dtype)
        ),
        lambda x: F(x).fractional_max_pool2d(x.long(), 2, 2),
    ],
)
def test_errors_match_torch(fn: Any) -> None:
    x = np.zeros((2, 3, 5, 5))
    with pytest.raises(Exception) as theirs:
        fn(torch.tensor(x))
    with pytest.raises(theirs.type):
        fn(ag.tensor(x))


@pytest.mark.parametrize(
    ("n", "shape", "kernel", "out"),
    [(2, (1, 1, 5, 5), 3, 3), (3, (1, 1, 5, 5, 5), 3, 3), (3, (1, 1, 6, 6, 5), 3, 3)],
)
def test_window_fitting_the_input_exactly_like_torch(
    n: int, shape: tuple, kernel: int, out: int
) -> None:
    # out + kernel - 1 == size: allowed in 2-D, refused by PyTorch's 3-D kernel.
    x = np.random.default_rng(0).standard_normal(shape)
    pool = f"fractional_max_pool{n}d"
    try:
        expected = getattr(torch.nn.functional, pool)(torch.tensor(x), kernel, out)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="too large"):
            getattr(AF, pool)(ag.tensor(x), kernel, out)
        return
    assert n == 2
    mine = getattr(AF, pool)(ag.tensor(x), kernel, out)
    np.testing.assert_array_equal(mine.numpy(), expected.numpy())


@pytest.mark.parametrize(
    ("n", "shape", "sizes"),
    [
        (2, (1, 2, 3, 9), {"output_ratio": (0.3, 0.5)}),
        (2, (2, 3, 9), {"output_size": (2, 0)}),
        (3, (1, 2, 3, 9, 5), {"output_ratio": (0.3, 0.5, 0.5)}),
    ],
)
def test_output_size_zero_gives_an_empty_result_like_torch(
    n: int, shape: tuple, sizes: dict
) -> None:
    # An output_ratio that rounds a size down to 0 is no error: the result is empty.
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape)
    u = rng.random((1 if len(shape) == n + 1 else shape[0], shape[-n - 1], n))
    pool = f"fractional_max_pool{n}d"
    results = []
    for module, tensor in ((torch, torch.tensor), (ag, ag.tensor)):
        inp = tensor(x, requires_grad=True)
        functional = torch.nn.functional if module is torch else AF
        out, idx = getattr(functional, pool)(
            inp, 2, return_indices=True, _random_samples=tensor(u), **sizes
        )
        out.sum().backward()
        results.append((tuple(out.shape), tuple(idx.shape), str(idx.dtype)[-5:], inp.grad.numpy()))
    assert results[0][:3] == results[1][:3]
    np.testing.assert_array_equal(results[1][3], results[0][3])


@pytest.mark.parametrize(
    "call",
    [
        lambda F, L: F.fractional_max_pool2d(L.ones(1, 4, 4, dtype=L.int64), 2, output_size=2),
        lambda F, L: F.fractional_max_pool2d(
            L.ones(1, 4, 4, dtype=L.int64), 2, 2, _random_samples=L.zeros(1, 1, 2, dtype=L.int64)
        ),
        lambda F, L: F.fractional_max_pool2d(
            L.ones(1, 4, 4), 2, 2, _random_samples=L.zeros(1, 1, 2, dtype=L.float64)
        ),
        lambda F, L: F.fractional_max_pool2d(
            L.ones(2, 1, 4, 4), 2, 2, _random_samples=L.zeros(1, 1, 2)
        ),
        lambda F, L: F.fractional_max_pool2d(
            L.ones(1, 4, 4), 2, 2, _random_samples=L.zeros(1, 2, 2)
        ),
        lambda F, L: F.fractional_max_pool2d(
            L.ones(1, 4, 4), 2, 2, _random_samples=L.zeros(1, 1, 3)
        ),
        lambda F, L: F.fractional_max_pool2d(L.ones(1, 4, 4), 2, 2, _random_samples=L.zeros(1, 2)),
        lambda F, L: F.fractional_max_pool2d(
            L.ones(1, 4, 4), (1, 4), 2, _random_samples=L.zeros(1, 1, 2)
        ),
        lambda F, L: F.fractional_max_pool3d(
            L.ones(1, 3, 3, 3, dtype=L.complex64),
            1,
            2,
            _random_samples=L.zeros(1, 1, 3, dtype=L.complex64),
        ),
        lambda F, L: F.fractional_max_pool3d(L.ones(1, 3, 3, 3), (1, 3, 1), 1),
        lambda F, L: F.fractional_max_pool3d(
            L.ones(2, 0, 3, 3, 3), 1, 1, _random_samples=L.zeros(2, 0, 3)
        ),
    ],
)
def test_fractional_max_pool_checks_as_torch(call: Any) -> None:
    # Regression: the samples were cast to the input's dtype (torch refuses another dtype) and
    # their shape checked in other words; an integer input without samples failed before its
    # draw (torch draws in the input's dtype, and rand refuses integers); the kernel's name and
    # the window messages differed from torch's; an empty channel dimension raised ValueError.
    outcomes = []
    for L in (torch, ag):
        with pytest.raises((RuntimeError, NotImplementedError)) as caught:
            call(L.nn.functional, L)
        message = str(caught.value).split(". Fix")[0].split(" (")[0].rstrip(".")
        outcomes.append((caught.type.__name__, message))
    assert outcomes[1] == outcomes[0]


def test_fractional_max_pool_reads_the_first_rows_of_more_samples_and_empty_batches() -> None:
    # torch takes samples with more rows than the batch (the first ones), and an empty batch
    results = []
    for L in (torch, ag):
        x = L.arange(32.0).reshape(2, 1, 4, 4)
        samples = L.tensor([[[0.3, 0.6]], [[0.9, 0.1]], [[0.5, 0.5]]])
        out, idx = L.nn.functional.fractional_max_pool2d(
            x, 2, 3, return_indices=True, _random_samples=samples
        )
        empty = L.nn.functional.fractional_max_pool2d(L.ones(0, 1, 4, 4), 2, 2)
        results.append((out.tolist(), idx.tolist(), tuple(empty.shape)))
    assert results[1] == results[0]
