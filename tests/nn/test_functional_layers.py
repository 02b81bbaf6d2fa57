"""arraygrad.nn.functional prelu, glu, channel and alpha dropout, pairwise_distance, adaptive max
pooling, max pooling with indices, max unpooling, instance_norm, rms_norm and
local_response_norm against torch 2.13.0 and finite differences.

Each row of ``OP_TABLE`` is written once against the shared API: ``F(x)`` is
``torch.nn.functional`` for torch tensors and ``arraygrad.nn.functional`` for arraygrad tensors.
"""

from __future__ import annotations

import warnings
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
    check_complex_gradient,
    fixed_shapes,
    run_gradcheck_case,
    run_torch_case,
    shapes_of,
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


# Normalising nearly equal values is ill-conditioned in float32 (see test_functional_conv).
NORM = {"rtol": 1e-4, "atol": 1e-5}

ACTIVATIONS = {
    "prelu_shared": OpSpec(
        lambda x, w: F(x).prelu(x, w),
        shapes=shapes_of(lambda n, c, length: ((n, c, length), (1,)), 3),
        kinks=(0.0,),
    ),
    "prelu_channels": OpSpec(
        lambda x, w: F(x).prelu(x, w),
        shapes=shapes_of(lambda n, c, h, w: ((n, c, h, w), (c,)), 4),
        kinks=(0.0,),
    ),
    "prelu_vector_input": OpSpec(
        lambda x, w: F(x).prelu(x, w), shapes=shapes_of(lambda n: ((n,), (1,)), 1), kinks=(0.0,)
    ),
    "prelu_scalar_weight": OpSpec(
        lambda x, w: F(x).prelu(x, w), shapes=fixed_shapes((2, 3), ()), kinks=(0.0,)
    ),
    # a 0-d input keeps its shape with a (1,) weight, as in torch
    "prelu_0d_input": OpSpec(
        lambda x, w: F(x).prelu(x, w), shapes=fixed_shapes((), (1,)), kinks=(0.0,)
    ),
    "prelu_0d_input_and_weight": OpSpec(
        lambda x, w: F(x).prelu(x, w), shapes=fixed_shapes((), ()), kinks=(0.0,)
    ),
    "glu_last": OpSpec(lambda x: F(x).glu(x), shapes=shapes_of(lambda n, h: ((n, 2 * h),), 2)),
    "glu_dim1": OpSpec(
        lambda x: F(x).glu(x, 1), shapes=shapes_of(lambda n, h, k: ((n, 2 * h, k),), 3)
    ),
    "glu_negative_dim": OpSpec(
        lambda x: F(x).glu(x, -3), shapes=shapes_of(lambda h, k: ((2 * h, k, 2),), 2)
    ),
    "dropout1d_eval": OpSpec(
        lambda x: F(x).dropout1d(x, 0.5, training=False), shapes=fixed_shapes((2, 3, 4))
    ),
    "dropout2d_p0": OpSpec(lambda x: F(x).dropout2d(x, 0.0) * 2, shapes=fixed_shapes((2, 3, 2, 2))),
    "dropout3d_eval_unbatched": OpSpec(
        lambda x: F(x).dropout3d(x, 0.3, training=False), shapes=fixed_shapes((2, 1, 2, 2))
    ),
    "alpha_dropout_default_eval": OpSpec(lambda x: F(x).alpha_dropout(x, 0.3) * 2),
    "feature_alpha_dropout_p0": OpSpec(
        lambda x: F(x).feature_alpha_dropout(x, 0.0, training=True), shapes=fixed_shapes((2, 3, 2))
    ),
}

# x2 is moved 7 away from x1 (inputs lie in [-3, 3]): no difference is near the kink at 0,
# where finite differences of a norm of size eps would be meaningless.
DISTANCES = {
    "pairwise_distance": OpSpec(
        lambda a, b: F(a).pairwise_distance(a, b + 7),
        shapes=shapes_of(lambda n, d: ((n, d), (n, d)), 2),
    ),
    "pairwise_distance_broadcast_keepdim": OpSpec(
        lambda a, b: F(a).pairwise_distance(a, b + 7, keepdim=True),
        shapes=shapes_of(lambda n, d: ((n, d), (d,)), 2),
    ),
    "pairwise_distance_p1": OpSpec(
        lambda a, b: F(a).pairwise_distance(a, b + 7, p=1.0, eps=1e-3),
        shapes=shapes_of(lambda n, d: ((n, d), (n, d)), 2),
    ),
    "pairwise_distance_p3": OpSpec(
        lambda a, b: F(a).pairwise_distance(a, b - 7, p=3.0),
        shapes=shapes_of(lambda n, d: ((2, n, d), (n, d)), 2),
    ),
    "pairwise_distance_vectors": OpSpec(
        lambda a, b: F(a).pairwise_distance(a, b + 7),
        shapes=shapes_of(lambda d: ((d,), (d,)), 1),
    ),
    # Ties of the largest |difference| share the gradient evenly in both libraries; finite
    # differences would see a kink there.
    "pairwise_distance_inf": OpSpec(
        lambda a, b: F(a).pairwise_distance(a, b + 7, p=float("inf")),
        shapes=shapes_of(lambda n, d: ((n, d), (n, d)), 2),
        gradcheck=False,
    ),
}

POOLING = {
    "adaptive_max_pool2d": OpSpec(
        lambda x: F(x).adaptive_max_pool2d(distinct(x), (2, 3)), shapes=fixed_shapes((2, 2, 5, 7))
    ),
    "adaptive_max_pool2d_upsampling_none": OpSpec(
        lambda x: F(x).adaptive_max_pool2d(distinct(x), (None, 4)), shapes=fixed_shapes((2, 3, 3))
    ),
    "adaptive_max_pool2d_with_indices": OpSpec(
        lambda x: F(x).adaptive_max_pool2d(distinct(x), 3, return_indices=True),
        shapes=fixed_shapes((1, 2, 4, 5)),
    ),
    "adaptive_max_pool1d": OpSpec(
        lambda x: F(x).adaptive_max_pool1d(distinct(x), 3), shapes=fixed_shapes((2, 3, 7))
    ),
    "adaptive_max_pool1d_with_indices_unbatched": OpSpec(
        lambda x: F(x).adaptive_max_pool1d_with_indices(distinct(x), 4), shapes=fixed_shapes((3, 6))
    ),
    "max_pool2d_with_indices": OpSpec(
        lambda x: F(x).max_pool2d_with_indices(distinct(x), 2, stride=1, padding=1),
        shapes=fixed_shapes((1, 2, 3, 4)),
    ),
    "max_unpool2d": OpSpec(
        lambda x: F(x).max_unpool2d(*F(x).max_pool2d(distinct(x), 2, return_indices=True), 2),
        shapes=fixed_shapes((1, 2, 4, 6)),
    ),
    # Overlapping windows pick some elements twice: both write the same value there, and (as in
    # PyTorch, whose backward gathers) the gradient of that place reaches both pooled outputs,
    # twice the derivative: compared with torch, not with finite differences.
    "max_unpool2d_overlapping_output_size": OpSpec(
        lambda x: F(x).max_unpool2d(
            *F(x).max_pool2d(distinct(x), 3, 1, 1, return_indices=True), 3, 1, 1, (1, 2, 3, 4)
        ),
        shapes=fixed_shapes((1, 2, 3, 4)),
        gradcheck=False,
    ),
    "max_unpool1d_unbatched": OpSpec(
        lambda x: F(x).max_unpool1d(
            *F(x).max_pool1d(distinct(x), 2, 2, 1, return_indices=True), 2, 2, 1, [5]
        ),
        shapes=fixed_shapes((3, 5)),
    ),
    "max_pool1d_with_indices": OpSpec(
        lambda x: F(x).max_pool1d_with_indices(distinct(x), 3, 2, ceil_mode=True),
        shapes=fixed_shapes((2, 2, 6)),
    ),
}

NORMALIZATION = {
    "instance_norm": OpSpec(
        lambda x: F(x).instance_norm(distinct(x)), shapes=fixed_shapes((2, 3, 4)), **NORM
    ),
    "instance_norm_affine": OpSpec(
        lambda x, w, b: F(x).instance_norm(distinct(x), weight=w, bias=b, eps=1e-3),
        shapes=fixed_shapes((2, 3, 2, 2), (3,), (3,)),
        **NORM,
    ),
    "instance_norm_running_stats": OpSpec(
        lambda x: F(x).instance_norm(
            distinct(x), lib(x).zeros(3, dtype=x.dtype), lib(x).ones(3, dtype=x.dtype)
        ),
        shapes=fixed_shapes((2, 3, 5)),
        **NORM,
    ),
    "instance_norm_eval_stats": OpSpec(
        lambda x: F(x).instance_norm(
            x,
            lib(x).linspace(-1.0, 1.0, 3, dtype=x.dtype),
            lib(x).linspace(0.5, 2.0, 3, dtype=x.dtype),
            use_input_stats=False,
        ),
        shapes=fixed_shapes((2, 3, 2)),
    ),
    "local_response_norm": OpSpec(
        lambda x: F(x).local_response_norm(x, 3), shapes=fixed_shapes((2, 4, 3)), low=-10, high=10
    ),
    "local_response_norm_4d": OpSpec(
        lambda x: F(x).local_response_norm(x, 2, alpha=0.5, beta=0.6, k=2.0),
        shapes=fixed_shapes((1, 3, 2, 2)),
    ),
    "local_response_norm_5d_wide": OpSpec(
        lambda x: F(x).local_response_norm(x, 5, alpha=0.1, k=1.5),
        shapes=fixed_shapes((1, 3, 2, 1, 2)),
    ),
    "rms_norm": OpSpec(lambda x: F(x).rms_norm(x, [3]), shapes=fixed_shapes((2, 4, 3)), low=0.2),
    "rms_norm_weight": OpSpec(
        lambda x, w: F(x).rms_norm(x, (2, 3), w, eps=1e-3), shapes=fixed_shapes((4, 2, 3), (2, 3))
    ),
    "rms_norm_drawn": OpSpec(
        lambda x, w: F(x).rms_norm(x, [x.shape[-1]], w, eps=0.1),
        shapes=shapes_of(lambda n, d: ((n, d), (d,)), 2),
    ),
}

OP_TABLE = {**ACTIVATIONS, **DISTANCES, **POOLING, **NORMALIZATION}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch's notes on dropout ranks
        run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=5)  # finite differences cost two calls per element
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


# --- PyTorch's choices at kinks, ties and NaN ----------------------------------------------------


def test_prelu_slope_at_zero_is_the_weight_like_torch() -> None:
    x = np.array([[-1.0, 0.0, 2.0], [0.0, -3.0, 0.0]])
    w = np.array([0.3, -0.2, 0.7])
    check_against_torch(lambda a, b: F(a).prelu(a, b), None, [x, w])


def test_adaptive_max_pool_picks_like_torch_with_nan_inf_and_ties() -> None:
    rng = np.random.default_rng(0)
    x = np.round(rng.standard_normal((2, 3, 5, 7)))  # many ties
    x[0, 0, 1, 2] = np.nan
    x[0, 0, 1, 3] = np.nan
    x[0, 1, 0, :] = -np.inf
    x[1, 2, :, :] = np.inf
    for size in [3, (2, 4), (5, 7), (1, 1), (4, None), (7, 9)]:
        theirs = torch.nn.functional.adaptive_max_pool2d(torch.tensor(x), size, True)
        mine = AF.adaptive_max_pool2d(ag.tensor(x), size, True)
        np.testing.assert_array_equal(mine[1].numpy(), theirs[1].numpy())
        np.testing.assert_array_equal(mine[0].numpy(), theirs[0].numpy())
        assert mine[1].dtype == ag.int64
    row = x[0, 0]
    for size in [1, 2, 3, 4, 9]:
        theirs = torch.nn.functional.adaptive_max_pool1d(torch.tensor(row), size, True)
        mine = AF.adaptive_max_pool1d(ag.tensor(row), size, True)
        np.testing.assert_array_equal(mine[1].numpy(), theirs[1].numpy())


def test_adaptive_max_pool_gradient_goes_to_the_pick_like_torch() -> None:
    x = np.array([[[1.0, 3.0, 3.0, 0.0, np.nan, 2.0, np.nan]]])
    check_against_torch(lambda t: F(t).adaptive_max_pool1d(t, 3), None, [x])
    check_against_torch(lambda t: F(t).adaptive_max_pool1d(t, 5), None, [x])


def test_adaptive_max_pool_empty_output_and_batch_like_torch() -> None:
    for shape, size in [((2, 3, 4, 5), (0, 3)), ((0, 2, 3, 3), 2)]:
        theirs = torch.nn.functional.adaptive_max_pool2d(torch.zeros(shape), size)
        mine = AF.adaptive_max_pool2d(ag.zeros(*shape), size)
        assert tuple(mine.shape) == tuple(theirs.shape)


# --- channel dropout -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shape", "channel_axes"),
    [
        ("dropout1d", (40, 30, 5), 2),
        ("dropout1d", (300, 4), 1),  # unbatched: one draw per channel
        ("dropout2d", (40, 30, 2, 3), 2),
        ("dropout3d", (40, 30, 2, 2, 2), 2),
        ("dropout3d", (300, 2, 2, 2), 1),
    ],
)
def test_channel_dropout_zeroes_whole_channels(name: str, shape: tuple, channel_axes: int) -> None:
    ag.manual_seed(0)
    x = ag.ones(*shape, requires_grad=True)
    out = getattr(AF, name)(x, 0.25)
    values = out.detach().numpy().reshape(int(np.prod(shape[:channel_axes])), -1)
    kept = values[:, 0] != 0
    # Each channel is zero throughout or scaled throughout by 1 / (1 - p).
    assert np.all(values[~kept] == 0)
    np.testing.assert_allclose(values[kept], 1 / 0.75)
    assert abs(kept.mean() - 0.75) < 0.13  # >= 300 draws: 5 standard deviations is 0.125
    out.sum().backward()
    grad = x.grad.numpy().reshape(values.shape)
    np.testing.assert_array_equal(grad, values)  # the gradient is the mask


def test_channel_dropout_inplace_writes_the_input() -> None:
    ag.manual_seed(1)
    x = ag.ones(30, 4, 3)
    out = AF.dropout1d(x, 0.5, inplace=True)
    assert out is x
    assert np.any(x.numpy() == 0) and np.any(x.numpy() == 2)
    y = ag.ones(30, 3)
    AF.dropout1d(y, 0.5, inplace=True)  # unbatched: written through the unsqueezed view
    assert np.any(y.numpy() == 0) and np.any(y.numpy() == 2)


@pytest.mark.parametrize("shape", [(3,), (), (0,), (2, 0, 3)], ids=str)
@pytest.mark.parametrize(("p", "training"), [(0.0, True), (1.0, True), (0.5, False), (0.5, True)])
def test_feature_dropout_of_few_dimensions_like_torch(
    shape: tuple, p: float, training: bool
) -> None:
    """PyTorch refuses fewer than 2 dimensions only when it would draw a mask."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            theirs = torch.nn.functional.dropout2d(torch.ones(shape), p, training)
        except RuntimeError:
            with pytest.raises(RuntimeError, match="at least 2 dimensions"):
                AF.dropout2d(ag.ones(*shape), p, training)
            return
        mine = AF.dropout2d(ag.ones(*shape), p, training)
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_channel_dropout_edge_probabilities() -> None:
    x = ag.ones(2, 3, 4)
    assert np.all(AF.dropout1d(x, 1.0).numpy() == 0)
    assert AF.dropout1d(x, 0.0) is x
    assert AF.dropout3d(x[None, None], 0.5, training=False).shape == (1, 1, 2, 3, 4)


@pytest.mark.parametrize(
    ("name", "shape"),
    [("dropout2d", (2, 3, 4)), ("dropout2d", (2, 3)), ("dropout3d", (2, 3, 4))],
)
def test_channel_dropout_rank_warnings_like_torch(name: str, shape: tuple) -> None:
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        getattr(torch.nn.functional, name)(torch.ones(shape), 0.5, training=False)
    with warnings.catch_warnings(record=True) as mine:
        warnings.simplefilter("always")
        getattr(AF, name)(ag.ones(*shape), 0.5, training=False)
    assert [str(w.message) for w in mine] == [str(w.message) for w in theirs]
    assert all(w.filename == __file__ for w in mine)  # points at the caller, as torch's do


@pytest.mark.parametrize(
    ("name", "shape", "groups"),
    [
        ("alpha_dropout", (100, 40), (100, 40)),
        ("feature_alpha_dropout", (60, 50, 3), (60, 50)),
    ],
)
def test_alpha_dropout_keeps_selu_statistics(name: str, shape: tuple, groups: tuple) -> None:
    p = 0.2
    data = np.random.default_rng(5).standard_normal(shape)
    # torch's output gives the expected constants: the dropped elements all take one value (the
    # most frequent one, as the input is continuous), the kept ones an affine map of the input.
    torch.manual_seed(0)
    theirs = getattr(torch.nn.functional, name)(torch.tensor(data), p, training=True).numpy()
    values, counts = np.unique(theirs, return_counts=True)
    dropped_value = values[np.argmax(counts)]
    their_kept = theirs != dropped_value
    slope, intercept = np.polyfit(data[their_kept], theirs[their_kept], 1)
    np.testing.assert_allclose(theirs[their_kept], slope * data[their_kept] + intercept)
    ag.manual_seed(0)
    x = ag.tensor(data)
    out = getattr(AF, name)(x, p, training=True).numpy()
    kept = ~np.isclose(out, dropped_value, rtol=1e-12, atol=0)
    assert 0 < (~kept).sum() < kept.sum()
    np.testing.assert_allclose(out[kept], slope * data[kept] + intercept, rtol=1e-9, atol=1e-12)
    per_group = kept.reshape(groups + (-1,))
    assert np.all(per_group == per_group[..., :1])  # one draw per element or per channel
    assert abs(kept.mean() - (1 - p)) < 0.04
    # Standard normal input: mean and variance are kept close to 0 and 1 (SELU's fixed point).
    assert abs(out.mean()) < 0.1 and abs(out.var() - 1) < 0.15


@pytest.mark.parametrize("name", ["alpha_dropout", "feature_alpha_dropout"])
def test_alpha_dropout_edges_like_torch(name: str) -> None:
    for shape, p, training in [((3, 4), 1.0, True), ((3, 4), 0.5, False), ((0, 3), 0.5, True)]:
        theirs = getattr(torch.nn.functional, name)(torch.ones(shape), p, training)
        mine = getattr(AF, name)(ag.ones(*shape), p, training)
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    ag.manual_seed(2)
    x = ag.ones(20, 3)
    assert getattr(AF, name)(x, 0.5, True, inplace=True) is x
    assert not np.all(x.numpy() == 1)


# --- running statistics ---------------------------------------------------------------------------


@pytest.mark.parametrize("momentum", [0.1, 0.4])
def test_instance_norm_updates_running_stats_like_torch(momentum: float) -> None:
    rng = np.random.default_rng(3)
    means = {lib_: lib_.tensor(np.zeros(3)) for lib_ in (torch, ag)}
    variances = {lib_: lib_.tensor(np.ones(3)) for lib_ in (torch, ag)}
    for _ in range(2):
        x = rng.standard_normal((4, 3, 5)) * 2 + 1
        for lib_ in (torch, ag):
            module = torch.nn.functional if lib_ is torch else AF
            module.instance_norm(lib_.tensor(x), means[lib_], variances[lib_], momentum=momentum)
    for stats in (means, variances):
        np.testing.assert_allclose(stats[ag].numpy(), stats[torch].numpy(), rtol=1e-12)


def test_rms_norm_keeps_the_input_dtype_like_torch() -> None:
    x = np.linspace(-1, 1, 8).reshape(2, 4)
    for x_dtype, w_dtype in [(np.float32, np.float64), (np.float64, np.float32)]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            theirs = torch.nn.functional.rms_norm(
                torch.tensor(x.astype(x_dtype)),
                [4],
                torch.ones(4, dtype=torch.float64) if w_dtype == np.float64 else torch.ones(4),
            )
        mine = AF.rms_norm(ag.tensor(x.astype(x_dtype)), [4], ag.tensor(np.ones(4, dtype=w_dtype)))
        assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)


# --- misuse: PyTorch's exception classes, messages naming the problem ----------------------------


def _raises_like_torch(fn: Any, arrays: tuple, match: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(Exception) as theirs:
            fn(*[torch.tensor(a) for a in arrays])
        with pytest.raises(theirs.type, match=match):
            fn(*[ag.tensor(a) for a in arrays])


X3 = np.zeros((2, 3, 4))


@pytest.mark.parametrize(
    ("fn", "arrays", "match"),
    [
        (lambda x: F(x).prelu(x, lib(x).ones(2, dtype=x.dtype)), (X3,), "channel size = 3"),
        (lambda x: F(x).prelu(x, lib(x).ones(3, 1, dtype=x.dtype)), (X3,), "ndim = 2"),
        (lambda x: F(x).prelu(x[0, 0, 0], lib(x).ones(3, dtype=x.dtype)), (X3,), "zero-dim"),
        (lambda x: F(x).prelu(x, lib(x).ones(3)), (X3,), "Type promoting not supported"),
        (lambda x: F(x).prelu(x[0, 0], lib(x).ones(4, dtype=x.dtype)), (X3,), "channel size = 1"),
        (lambda x: F(x).glu(x, 1), (X3,), "dimension 1 is size 3"),
        (lambda x: F(x).glu(x[0, 0, 0]), (X3,), "does not support scalars"),
        (lambda x: F(x).glu(x, 3), (X3,), "Dimension out of range"),
        (lambda x: F(x).glu(x.long()), (X3,), "not implemented for 'Long'"),
        (lambda x: F(x).dropout1d(x[None]), (X3,), "Expected 2D or 3D input"),
        (lambda x: F(x).dropout1d(x, 1.5), (X3,), "between 0 and 1, but got 1.5"),
        (lambda x: F(x).dropout2d(x, -0.1), (X3,), "between 0 and 1"),
        (lambda x: F(x).dropout2d(x[0, 0]), (X3,), "at least 2 dimensions"),
        (lambda x: F(x).pairwise_distance(x, x[..., :3]), (X3,), "must match the size"),
        (lambda x: F(x).adaptive_max_pool2d(x[0, 0], 2), (X3,), "Expected 3D or 4D tensor"),
        (
            lambda x: F(x).adaptive_max_pool2d(x, (1, 2, 3)),
            (X3,),
            "Input dimension should be at least 4",
        ),
        (lambda x: F(x).adaptive_max_pool2d(x[None], (1, 2, 3)), (X3,), "output_size"),
        (lambda x: F(x).adaptive_max_pool2d(x[:, :0], 2), (X3,), "non-zero size"),
        (lambda x: F(x).adaptive_max_pool1d(x, (2, 2)), (X3,), "output_size"),
        (lambda x: F(x).adaptive_max_pool1d(x.long(), 2), (X3,), "not implemented for 'Long'"),
        (lambda x: F(x).max_pool2d_with_indices(x, 3, padding=2), (X3,), "pad should be"),
        (lambda x: F(x).instance_norm(x[..., :1]), (X3,), "more than 1 spatial element"),
        (
            lambda x: F(x).instance_norm(x, weight=lib(x).ones(2, dtype=x.dtype)),
            (X3,),
            "weight should contain",
        ),
        (
            lambda x: F(x).instance_norm(x, use_input_stats=False),
            (X3,),
            "running_mean and running_var to be defined",
        ),
        (lambda x: F(x).rms_norm(x, [3]), (X3,), "expected input with shape"),
        (lambda x: F(x).rms_norm(x, 4), (X3,), "must be tuple of ints"),
        (
            lambda x: F(x).rms_norm(x, [4], lib(x).ones(3, dtype=x.dtype)),
            (X3,),
            "Expected weight to be of same shape",
        ),
        (lambda x: F(x).rms_norm(x.long(), [4]), (X3,), "not implemented for 'Long'"),
        (lambda x: F(x).local_response_norm(x[0], 2), (X3,), "3D or higher"),
        (lambda x: F(x).local_response_norm(x, 0), (X3,), "greater than zero"),
        (lambda x: F(x).alpha_dropout(x, 1.5), (X3,), "between 0 and 1"),
        (lambda x: F(x).alpha_dropout(x.long(), 0.5, True), (X3,), "can't be cast"),
        (lambda x: F(x).feature_alpha_dropout(x[0, 0], 0.5, True), (X3,), "2 dimensions"),
        (
            lambda x: F(x).max_unpool2d(x[None], lib(x).zeros(1, 2, 3, 4).long() + 99, 2),
            (X3,),
            "invalid max index: 99",
        ),
        (
            lambda x: F(x).max_unpool2d(x, lib(x).zeros(2, 3, 4, dtype=lib(x).int32), 2),
            (X3,),
            "should be type int64",
        ),
        (
            lambda x: F(x).max_unpool2d(x, lib(x).zeros(2, 3, 3).long(), 2),
            (X3,),
            "same as that of the input",
        ),
        (lambda x: F(x).max_unpool2d(x[0], lib(x).zeros(3, 4).long(), 2), (X3,), "3d or 4d"),
        (
            lambda x: F(x).max_unpool2d(x, lib(x).zeros(2, 3, 4).long(), 2, output_size=(9, 8)),
            (X3,),
            "invalid output_size",
        ),
        (
            lambda x: F(x).max_unpool1d(x, lib(x).zeros(2, 3, 4).long(), 2, output_size=(1,)),
            (X3,),
            "invalid output_size",
        ),
        (
            lambda x: F(x).max_unpool2d(x, lib(x).zeros(2, 3, 4).long(), 2, output_size=(6,)),
            (X3,),
            "2 or 4 elements",
        ),
        (
            lambda x: F(x).max_unpool2d(x.long(), lib(x).zeros(2, 3, 4).long(), 2),
            (X3,),
            "not implemented for 'Long'",
        ),
    ],
)
def test_errors_match_torch(fn: Any, arrays: tuple, match: str) -> None:
    _raises_like_torch(fn, arrays, match)


@pytest.mark.parametrize("weight", ["complex", "real", None])
@pytest.mark.parametrize("eps", [None, 1e-3])
def test_rms_norm_of_complex_input_matches_torch(weight: str | None, eps: float | None) -> None:
    # torch computes x * rsqrt(mean(x * x) + eps) in complex arithmetic (the complex square,
    # eps that of the parts' dtype); arraygrad raised NotImplementedError for complex dtypes.
    gen = np.random.default_rng(4)
    x0 = gen.standard_normal((2, 3)) + 1j * gen.standard_normal((2, 3))
    w0 = gen.standard_normal(3) + (1j * gen.standard_normal(3) if weight == "complex" else 0)
    cotangent = gen.standard_normal((2, 3)) + 1j * gen.standard_normal((2, 3))
    results = []
    for lib in (torch, ag):
        x = lib.tensor(x0, requires_grad=True)
        w = None if weight is None else lib.tensor(w0, requires_grad=True)
        out = lib.nn.functional.rms_norm(x, (3,), w, eps=eps)
        out.backward(lib.tensor(cotangent))
        grads = [x.grad.numpy()] + ([] if w is None else [w.grad.numpy()])
        results.append((str(out.dtype).split(".")[-1], out.detach().numpy(), grads))
    (mine_dtype, mine, mine_grads), (dtype, theirs, their_grads) = results[1], results[0]
    assert mine_dtype == dtype
    np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-14)
    for a, b in zip(mine_grads, their_grads, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    check_complex_gradient(
        lambda z: AF.rms_norm(z, (3,), None if weight is None else ag.tensor(w0), eps=eps),
        x0,
        lambda *shape: gen.standard_normal(shape) + 1j * gen.standard_normal(shape),
    )


def test_rms_norm_default_eps_of_complex_input_is_the_parts_as_torch() -> None:
    for dtype in ("complex64", "complex128"):
        values = [[1e-8 + 1e-8j, 2e-8 - 1e-8j]] if dtype == "complex128" else [[1e-4 + 1e-4j]]
        mine = AF.rms_norm(ag.tensor(values, dtype=getattr(ag, dtype)), (len(values[0]),))
        theirs = torch.nn.functional.rms_norm(
            torch.tensor(values, dtype=getattr(torch, dtype)), (len(values[0]),)
        )
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-5)
