"""arraygrad.nn.functional convolution, pooling, normalisation, padding and embedding against
torch 2.13.0 and finite differences (tiny shapes: every example is also gradchecked)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import arraygrad as ag
import arraygrad.nn.functional as AF
from arraygrad import _conv_windows, _windows
from tests.oracle import (
    OpSpec,
    assert_like_torch_on,
    check_against_torch,
    fixed_shapes,
    fixed_shapes_settings,
    grad_fn_names,
    outcome_in_each,
    run_gradcheck_case,
    run_torch_case,
    shape_cases,
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


def ramp(x: Any, low: float, high: float) -> Any:
    """A constant tensor of ``x``'s shape and dtype with values from ``low`` to ``high``."""
    return lib(x).linspace(low, high, x.numel(), dtype=x.dtype).reshape(x.shape)


# Loose enough for float32 sums of a few dozen products computed in another order than torch's.
CONV = {"rtol": None, "atol": 1e-5}

CONVOLUTIONS = {
    "conv2d": OpSpec(
        lambda x, w, b: F(x).conv2d(x, w, b),
        shapes=fixed_shapes((2, 2, 4, 4), (3, 2, 2, 2), (3,)),
        **CONV,
    ),
    "conv2d_stride_pad": OpSpec(
        lambda x, w: F(x).conv2d(x, w, stride=2, padding=1),
        shapes=fixed_shapes((1, 2, 5, 4), (2, 2, 3, 3)),
        **CONV,
    ),
    "conv2d_dilation_groups": OpSpec(
        lambda x, w, b: F(x).conv2d(x, w, b, stride=(1, 2), padding=(2, 1), dilation=2, groups=2),
        shapes=fixed_shapes((1, 4, 4, 5), (4, 2, 2, 2), (4,)),
        **CONV,
    ),
    "conv2d_same_even_kernel": OpSpec(
        lambda x, w: F(x).conv2d(x, w, padding="same", dilation=(1, 2)),
        shapes=fixed_shapes((1, 1, 4, 5), (2, 1, 2, 2)),
        **CONV,
    ),
    "conv2d_valid_unbatched": OpSpec(
        lambda x, w: F(x).conv2d(x, w, padding="valid"),
        shapes=fixed_shapes((2, 3, 3), (1, 2, 2, 3)),
        **CONV,
    ),
    "conv1d": OpSpec(
        lambda x, w, b: F(x).conv1d(x, w, b, stride=2, padding=1, dilation=2),
        shapes=fixed_shapes((2, 2, 7), (3, 2, 3), (3,)),
        **CONV,
    ),
    "conv1d_same_groups": OpSpec(
        lambda x, w: F(x).conv1d(x, w, padding="same", groups=3),
        shapes=fixed_shapes((1, 3, 5), (6, 1, 4)),
        **CONV,
    ),
    "conv3d": OpSpec(
        lambda x, w: F(x).conv3d(x, w, padding=1, stride=2),
        shapes=fixed_shapes((1, 1, 3, 3, 3), (1, 1, 2, 2, 2)),
        **CONV,
    ),
    # Depthwise (one input and one output channel per group: _conv_depthwise.py), with stride 1
    # (the input's gradient as a correlation of the padded gradient) and without.
    "conv2d_depthwise": OpSpec(
        lambda x, w, b: F(x).conv2d(x, w, b, padding=1, groups=3),
        shapes=fixed_shapes((2, 3, 4, 5), (3, 1, 3, 3), (3,)),
        **CONV,
    ),
    "conv2d_depthwise_dilation": OpSpec(
        lambda x, w: F(x).conv2d(x, w, padding=(2, 1), dilation=(2, 1), groups=2),
        shapes=fixed_shapes((1, 2, 5, 4), (2, 1, 2, 3)),
        **CONV,
    ),
    "conv2d_depthwise_stride": OpSpec(
        lambda x, w: F(x).conv2d(x, w, stride=(2, 1), padding=1, dilation=(1, 2), groups=2),
        shapes=fixed_shapes((2, 2, 5, 6), (2, 1, 3, 2)),
        **CONV,
    ),
    "conv1d_depthwise": OpSpec(
        lambda x, w, b: F(x).conv1d(x, w, b, stride=2, groups=3),
        shapes=fixed_shapes((2, 3, 7), (3, 1, 3), (3,)),
        **CONV,
    ),
    "conv3d_depthwise": OpSpec(
        lambda x, w: F(x).conv3d(x, w, padding=1, groups=2),
        shapes=fixed_shapes((1, 2, 3, 3, 2), (2, 1, 2, 2, 2)),
        **CONV,
    ),
}

POOLING = {
    "max_pool2d": OpSpec(
        lambda x: F(x).max_pool2d(distinct(x), 2), shapes=fixed_shapes((2, 2, 4, 4))
    ),
    "max_pool2d_stride_pad": OpSpec(
        lambda x: F(x).max_pool2d(distinct(x), 3, stride=2, padding=1),
        shapes=fixed_shapes((1, 2, 5, 4)),
    ),
    "max_pool2d_ceil_dilation": OpSpec(
        lambda x: F(x).max_pool2d(distinct(x), (2, 3), (2, 1), 1, dilation=(2, 1), ceil_mode=True),
        shapes=fixed_shapes((1, 1, 6, 5)),
    ),
    "max_pool2d_unbatched": OpSpec(
        lambda x: F(x).max_pool2d(distinct(x), 2, ceil_mode=True), shapes=fixed_shapes((2, 3, 5))
    ),
    "max_pool1d": OpSpec(
        lambda x: F(x).max_pool1d(distinct(x), 3, 2, 1), shapes=fixed_shapes((2, 2, 6))
    ),
    "avg_pool2d": OpSpec(lambda x: F(x).avg_pool2d(x, 2), shapes=fixed_shapes((2, 2, 4, 4))),
    "avg_pool2d_pad": OpSpec(
        lambda x: F(x).avg_pool2d(x, 3, 2, 1), shapes=fixed_shapes((1, 2, 5, 4))
    ),
    "avg_pool2d_exclude_pad_ceil": OpSpec(
        lambda x: F(x).avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
        shapes=fixed_shapes((1, 1, 6, 5)),
    ),
    "avg_pool2d_include_pad_ceil": OpSpec(
        lambda x: F(x).avg_pool2d(x, (2, 3), (2, 2), (1, 1), ceil_mode=True),
        shapes=fixed_shapes((1, 1, 6, 5)),
    ),
    "avg_pool2d_divisor": OpSpec(
        lambda x: F(x).avg_pool2d(x, 2, 1, divisor_override=3), shapes=fixed_shapes((1, 1, 3, 4))
    ),
    "avg_pool1d": OpSpec(
        lambda x: F(x).avg_pool1d(x, 3, 2, 1, count_include_pad=False),
        shapes=fixed_shapes((2, 2, 7)),
    ),
    "adaptive_avg_pool2d": OpSpec(
        lambda x: F(x).adaptive_avg_pool2d(x, (2, 3)), shapes=fixed_shapes((2, 1, 5, 4))
    ),
    "adaptive_avg_pool2d_none": OpSpec(
        lambda x: F(x).adaptive_avg_pool2d(x, (None, 3)), shapes=fixed_shapes((1, 3, 2, 7))
    ),
    "adaptive_avg_pool2d_upsample": OpSpec(
        lambda x: F(x).adaptive_avg_pool2d(x, 4), shapes=fixed_shapes((2, 3, 3))
    ),
}

# Normalising nearly equal values is ill-conditioned in float32: torch and arraygrad round
# differently at the 1e-5 level (float64 is held to the default tolerance by gradcheck), so the
# inputs get a ramp (`distinct`) that keeps every variance away from 0.
NORM = {"rtol": 1e-4, "atol": 1e-5}

NORMALIZATION = {
    "layer_norm": OpSpec(
        lambda x, w, b: F(x).layer_norm(distinct(x), (3,), w, b),
        shapes=fixed_shapes((2, 4, 3), (3,), (3,)),
        **NORM,
    ),
    "layer_norm_2d": OpSpec(
        lambda x: F(x).layer_norm(distinct(x), [2, 3], eps=1e-3),
        shapes=fixed_shapes((3, 2, 3)),
        **NORM,
    ),
    "group_norm": OpSpec(
        lambda x, w, b: F(x).group_norm(distinct(x), 2, w, b),
        shapes=fixed_shapes((2, 4, 3), (4,), (4,)),
        **NORM,
    ),
    "group_norm_spatial": OpSpec(
        lambda x: F(x).group_norm(distinct(x), 3, eps=1e-3),
        shapes=fixed_shapes((2, 6, 2, 2)),
        **NORM,
    ),
    "batch_norm_train": OpSpec(
        lambda x, w, b: F(x).batch_norm(distinct(x), None, None, w, b, training=True),
        shapes=fixed_shapes((4, 3, 2), (3,), (3,)),
        **NORM,
    ),
    "batch_norm_train_2d": OpSpec(
        lambda x: F(x).batch_norm(distinct(x), None, None, training=True, eps=1e-3),
        shapes=fixed_shapes((3, 2)),
        **NORM,
    ),
    "batch_norm_eval": OpSpec(
        lambda x, w: F(x).batch_norm(x, ramp(w, -1, 1), ramp(w, 0.5, 2), w, None, training=False),
        shapes=fixed_shapes((2, 3, 2, 2), (3,)),
        **NORM,
    ),
    "embedding": OpSpec(
        lambda w: F(w).embedding(lib(w).tensor([[1, 3, 1], [0, 3, 3]]), w),
        shapes=fixed_shapes((4, 2)),
    ),
    "embedding_padding_freq": OpSpec(
        lambda w: F(w).embedding(
            lib(w).tensor([2, 0, 2, 1, 2]), w, padding_idx=-3, scale_grad_by_freq=True
        ),
        shapes=fixed_shapes((3, 4)),
        gradcheck=False,  # PyTorch's gradient here is not the derivative, by design
    ),
}

PADDING = {
    "pad_constant": OpSpec(lambda x: F(x).pad(x, (1, 2)), shapes=fixed_shapes((2, 3))),
    "pad_constant_value_crop": OpSpec(
        lambda x: F(x).pad(x, (1, -1, 0, 2, 1, 0), value=2.5), shapes=fixed_shapes((2, 2, 3))
    ),
    "pad_reflect": OpSpec(
        lambda x: F(x).pad(x, (2, 1, 1, 2), mode="reflect"), shapes=fixed_shapes((1, 2, 3, 4))
    ),
    "pad_replicate": OpSpec(
        lambda x: F(x).pad(x, (3, 1, 0, 2), mode="replicate"), shapes=fixed_shapes((1, 2, 2, 3))
    ),
    "pad_circular": OpSpec(
        lambda x: F(x).pad(x, (2, 3), mode="circular"), shapes=fixed_shapes((1, 2, 3))
    ),
}

OP_TABLE = {**CONVOLUTIONS, **POOLING, **NORMALIZATION, **PADDING}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@fixed_shapes_settings()
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=3)  # finite differences cost two calls per element of these fixed shapes
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


def test_conv2d_double_backward_matches_torch() -> None:
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 2, 4, 4)), rng.standard_normal((2, 2, 2, 2))

    def fn(lib_x: Any, lib_w: Any) -> Any:
        module = lib(lib_x)
        out = F(lib_x).conv2d(lib_x, lib_w, stride=2, padding=1)
        (gx,) = module.autograd.grad((out * out).sum(), [lib_x], create_graph=True)
        return gx

    check_against_torch(fn, None, [x, w])


def test_batch_norm_running_stats_updated_in_place_like_torch() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 3, 2))
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    theirs = (torch.tensor(mean), torch.tensor(var))
    mine = (ag.tensor(mean), ag.tensor(var))
    ids = (id(mine[0]._data), id(mine[1]._data))
    for momentum in (0.1, 0.5):
        expected = torch.nn.functional.batch_norm(
            torch.tensor(x), *theirs, training=True, momentum=momentum
        )
        out = AF.batch_norm(ag.tensor(x), *mine, training=True, momentum=momentum)
        np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-10)
        for a, b in zip(mine, theirs, strict=True):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
    assert (id(mine[0]._data), id(mine[1]._data)) == ids  # written in place
    assert mine[0]._version > 0
    evaluated = AF.batch_norm(ag.tensor(x), *mine)
    expected = torch.nn.functional.batch_norm(torch.tensor(x), *theirs)
    np.testing.assert_allclose(evaluated.numpy(), expected.numpy(), rtol=1e-10)


@pytest.mark.parametrize("function", ["batch_norm", "instance_norm"])
@pytest.mark.parametrize("replaced", ["running_mean", "running_var"])
def test_norms_refuse_a_running_statistic_that_is_no_tensor_before_checking_sizes(
    function: str, replaced: str
) -> None:
    # PyTorch's native function parses its arguments before any size check: a module assigned
    # over running_var was reported as running_mean's wrong size (machinery fuzzer, 56862)
    outcomes = []
    for lib in (torch, ag):
        stats = {"running_mean": lib.zeros(1), "running_var": lib.ones(1)}
        stats[replaced] = lib.nn.Tanh()
        call = getattr(lib.nn.functional, function)
        with pytest.raises(TypeError) as caught:
            call(lib.ones(2, 3, 4), stats["running_mean"], stats["running_var"])
        outcomes.append(str(caught.value).split("(): ")[-1])
    assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize("function", ["batch_norm", "instance_norm"])
@pytest.mark.parametrize("argument", ["running_mean", "running_var"])
@pytest.mark.parametrize("use_input_stats", [True, False])
def test_norms_refuse_running_statistics_that_require_grad_as_torch(
    function: str, argument: str, use_input_stats: bool
) -> None:
    x = np.random.default_rng(2).standard_normal((2, 3, 4))

    def call(module: Any, grad: bool) -> Any:
        f64 = module.float64
        stats = {
            "running_mean": module.zeros(3, dtype=f64),
            "running_var": module.ones(3, dtype=f64),
        }
        stats[argument].requires_grad_(True)
        mode = "training" if function == "batch_norm" else "use_input_stats"
        f = getattr(F(stats[argument]), function)
        with module.set_grad_enabled(grad):
            return f(module.tensor(x), **stats, **{mode: use_input_stats})

    with pytest.raises(RuntimeError) as theirs:
        call(torch, True)
    with pytest.raises(RuntimeError, match=f"argument '{argument}'") as mine:
        call(ag, True)
    assert str(mine.value).startswith(str(theirs.value))
    # no gradient is recorded under no_grad, so both run (and agree)
    np.testing.assert_allclose(call(ag, False).numpy(), call(torch, False).numpy(), rtol=1e-12)


# Calls with one running statistic or a per-channel argument that is not a tensor (a module
# assigned over a BatchNorm's buffer; machinery fuzzer, seeds 26819 and 32918).
NORM_ARGUMENT_ERRORS: dict[str, Callable[[Any, Any], Any]] = {
    "mean_alone_training": lambda L, x: L.nn.functional.batch_norm(
        x, L.zeros(3, dtype=L.float64), None, training=True
    ),
    "var_alone_training": lambda L, x: L.nn.functional.batch_norm(
        x, None, L.ones(3, dtype=L.float64), training=True
    ),
    "instance_var_alone": lambda L, x: L.nn.functional.instance_norm(
        x, None, L.ones(3, dtype=L.float64), use_input_stats=True
    ),
    "module_as_running_var": lambda L, x: L.nn.functional.batch_norm(
        x, L.zeros(3, dtype=L.float64), L.nn.Tanh()
    ),
    "module_as_weight": lambda L, x: L.nn.functional.batch_norm(
        x, None, None, weight=L.nn.Tanh(), training=True
    ),
    "float_as_bias": lambda L, x: L.nn.functional.instance_norm(x, bias=3.0),
    "module_layer": lambda L, x: _with_module_over(L, "running_mean")(x),
}


def _with_module_over(L: Any, name: str) -> Any:
    module = L.nn.BatchNorm1d(3).double()
    setattr(module, name, L.nn.Tanh())  # a buffer's name: the module replaces the buffer
    return module


@pytest.mark.parametrize("name", sorted(NORM_ARGUMENT_ERRORS))
def test_norms_refuse_a_lone_running_statistic_and_non_tensors_as_torch(name: str) -> None:
    # A lone running_mean was updated and running_var ignored (PyTorch: ValueError), and a
    # module where a tensor goes raised AttributeError (PyTorch: its argument parser's
    # TypeError, naming the native function's argument and position).
    x = np.random.default_rng(3).standard_normal((2, 3, 4))
    errors = []
    for L in (torch, ag):
        with pytest.raises((ValueError, TypeError)) as error:
            NORM_ARGUMENT_ERRORS[name](L, L.tensor(x))
        errors.append((error.type, str(error.value)))
    # torch's words first; arraygrad's message then names the fix
    assert errors[1][0] is errors[0][0] and errors[1][1].startswith(errors[0][1])


def test_max_pool_indices_and_ties_match_torch() -> None:
    x = np.array([[[[1.0, 1.0, 0.0], [1.0, 0.5, 2.0], [2.0, 2.0, -1.0]]]])
    for kwargs in ({"kernel_size": 2, "stride": 1}, {"kernel_size": 2, "padding": 1}):

        def fn(t: Any, kwargs: dict = kwargs) -> Any:
            out, indices = F(t).max_pool2d(t, return_indices=True, **kwargs)
            return out, indices

        _, ag_idx = fn(ag.tensor(x))
        _, th_idx = fn(torch.tensor(x))
        np.testing.assert_array_equal(ag_idx.numpy(), th_idx.numpy())
        assert ag_idx.dtype is ag.int64
        check_against_torch(lambda t, kwargs=kwargs: F(t).max_pool2d(t, **kwargs), None, [x])


@pytest.mark.parametrize("conv_first", [False, True])
def test_max_pool_double_backward_reaches_the_input_through_the_maxima(conv_first: bool) -> None:
    # The gradient of the pooling is scattered to the picks, and the cotangent it scatters
    # (cos(h)) depends on the input through the maxima h. The picks' own inputs get nothing
    # from the scatter's rule; the engine must still run the pooling's node for the rest.
    rng = np.random.default_rng(8)
    arrays = [rng.standard_normal((3, 2, 6, 6)), rng.standard_normal((3, 2, 3, 3))]

    def double(x: Any, k: Any) -> Any:
        h = F(x).max_pool2d(F(x).conv2d(x, k) if conv_first else x, 2)
        gx, gk = lib(x).autograd.grad(h.sin().sum(), [x, k], create_graph=True, allow_unused=True)
        return (gx * gx).sum() + (0 if gk is None else (gk * gk).sum())

    check_against_torch(double, None, arrays)


def test_max_pool_second_derivative_is_zeros_where_only_the_picks_depend_on_x() -> None:
    # gx = scatter(ones) depends on x only through which elements are picked: torch gives
    # zeros (not "unused" or None), and so does arraygrad.
    x = np.random.default_rng(9).standard_normal((2, 1, 4, 4))
    results = []
    for library in (torch, ag):
        X = library.tensor(x, requires_grad=True)
        (gx,) = library.autograd.grad(F(X).max_pool2d(X, 2).sum(), X, create_graph=True)
        results.append(library.autograd.grad((gx * gx).sum(), X)[0].numpy())
    np.testing.assert_array_equal(results[1], results[0])
    assert not results[1].any()


def test_max_pool_picks_like_torch_with_nan_inf_and_ties() -> None:
    # PyTorch's scan keeps the first maximum (ties), takes the last NaN of a window, and sends a
    # window's gradient (inf included) to its pick alone; padding is never picked, even when
    # every element of a window is -inf.
    rng = np.random.default_rng(3)
    x = rng.integers(-2, 3, (2, 3, 7, 6)).astype(np.float64)
    draw = rng.random(x.shape)
    x[draw < 0.1] = np.nan
    x[(draw > 0.1) & (draw < 0.2)] = -np.inf
    x[(draw > 0.2) & (draw < 0.25)] = np.inf
    x[0, 0, :3, :3] = -np.inf  # a corner window of -inf beside the padding
    cases = [
        {"kernel_size": 2},
        {"kernel_size": 3, "stride": 1, "padding": 1},
        {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 0), "ceil_mode": True},
        {"kernel_size": 2, "stride": 1, "dilation": 2, "padding": 1},
    ]
    for kwargs in cases:
        mine, theirs = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, idx = AF.max_pool2d(mine, return_indices=True, **kwargs)
        expected, expected_idx = torch.nn.functional.max_pool2d(
            theirs, return_indices=True, **kwargs
        )
        np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
        np.testing.assert_array_equal(idx.numpy(), expected_idx.numpy())
        g = rng.standard_normal(tuple(expected.shape))
        g.flat[::7] = np.inf
        out.backward(ag.tensor(g))
        expected.backward(torch.tensor(g))
        np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    ("fn", "shapes"),
    [
        (lambda x, w, b: F(x).conv2d(x, w, b), ((3, 4, 7, 6), (5, 4, 3, 3), (5,))),
        (
            lambda x, w, b: F(x).conv2d(
                x, w, b, stride=(2, 1), padding=1, dilation=(1, 2), groups=2
            ),
            ((2, 4, 9, 7), (6, 2, 3, 2), (6,)),
        ),
        (lambda x, w, b: F(x).conv1d(x, w, b, stride=2, dilation=2), ((2, 3, 11), (4, 3, 3), (4,))),
        (lambda x, w, b: F(x).conv3d(x, w, b, padding=1), ((2, 2, 4, 5, 3), (3, 2, 2, 3, 2), (3,))),
    ],
)
def test_conv_computed_in_slabs_matches_torch(
    fn: Any, shapes: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tiny slabs: one output row each, so the slab loop, its halo of input rows and the sums
    # over slabs are all exercised; values, gradients and second derivatives must not change.
    monkeypatch.setattr(_conv_windows, "_SLAB_BYTES", 1)
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal(shape) for shape in shapes]
    check_against_torch(fn, None, arrays)

    def double(x: Any, w: Any, b: Any) -> Any:
        out = fn(x, w, b)
        gx, gw = lib(x).autograd.grad((out * out).sum(), [x, w], create_graph=True)
        return (gx * gx).sum() + (gw * gw * gw).sum()

    check_against_torch(double, None, arrays)


@pytest.mark.parametrize(
    ("fn", "shapes"),
    [
        (lambda x, w, b: F(x).conv2d(x, w, b, padding=1, groups=3), ((4, 3, 6, 5), (3, 1, 3, 3))),
        (
            lambda x, w, b: F(x).conv2d(x, w, b, stride=2, dilation=(2, 1), groups=3),
            ((2, 3, 9, 7), (3, 1, 2, 3)),
        ),
    ],
)
def test_depthwise_conv_matches_torch_to_second_order(fn: Any, shapes: tuple) -> None:
    # _conv_depthwise.py: the gradient arrives batch-first (a product with a fixed array), not
    # in the batch-last order of the convolution's output; second derivatives go through the
    # depthwise forward and gradients again.
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal(shape) for shape in (*shapes, shapes[1][:1])]
    scale = rng.standard_normal((shapes[0][0], shapes[1][0], 1, 1))

    def double(x: Any, w: Any, b: Any) -> Any:
        out = fn(x, w, b) * lib(x).tensor(scale)
        gx, gw = lib(x).autograd.grad((out * out).sum(), [x, w], create_graph=True)
        return (gx * gx).sum() + (gw * gw * gw).sum()

    check_against_torch(lambda x, w, b: fn(x, w, b) * lib(x).tensor(scale), None, arrays)
    check_against_torch(double, None, arrays)


def test_max_pool_gradient_arriving_in_another_memory_order_matches_torch() -> None:
    # After a convolution the pooled activations are batch-last in memory; the gradient coming
    # back through a flatten and a matmul is batch-first. Pooling's backward reorders it, in
    # blocks of the batch axis when an example's stride is a multiple of 1 KiB (here 2 x 8 x 8
    # float64): 37 examples make several blocks and a ragged last one.
    rng = np.random.default_rng(6)
    arrays = [rng.standard_normal((37, 2, 18, 18)), rng.standard_normal((2, 2, 3, 3))]
    arrays.append(rng.standard_normal((2 * 8 * 8, 4)))

    def net(x: Any, k: Any, w: Any) -> Any:
        h = F(x).max_pool2d(F(x).conv2d(x, k).relu(), 2)
        return h.reshape(37, -1) @ w

    check_against_torch(net, None, arrays)


@pytest.mark.parametrize("shape", [(40, 3, 5, 4), (40, 4, 8, 4), (5,), ()])
def test_reorder_into_copies_between_memory_orders(shape: tuple[int, ...]) -> None:
    # (40, 4, 8, 4) float64: examples 1 KiB apart, copied in blocks; the others in one go.
    src = np.random.default_rng(7).standard_normal(shape)
    order = tuple(range(1, len(shape))) + (0,) if shape else ()
    batch_last = np.empty(tuple(shape[a] for a in order)).transpose(np.argsort(order))
    for dst in (batch_last, np.empty(shape)):
        assert _windows._reorder_into(dst, src) is dst
        assert np.array_equal(dst, src)


def test_compiled_cnn_step_replays_without_falling_back() -> None:
    # Convolution and max pooling are primitives all the way down (no arithmetic on raw
    # arrays), so arraygrad.compile records a CNN step instead of running it eagerly.
    rng = np.random.default_rng(5)
    x = ag.tensor(rng.standard_normal((4, 1, 8, 8)))
    labels = ag.tensor([0, 2, 1, 2])
    weights = [rng.standard_normal((3, 1, 3, 3)), rng.standard_normal((3 * 3 * 3, 3))]

    def make() -> Any:
        k, w = (ag.tensor(a, requires_grad=True) for a in weights)

        def step() -> Any:
            h = AF.max_pool2d(AF.conv2d(x, k).relu(), 2)
            loss = AF.cross_entropy(h.reshape(4, -1) @ w, labels)
            loss.backward()
            with ag.no_grad():
                for p in (k, w):
                    p -= 0.1 * p.grad
                    p.grad = None
            return loss

        return step, (k, w)

    eager, eager_params = make()
    step, params = make()
    compiled = ag.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # falling back to eager warns
        for _ in range(3):
            np.testing.assert_array_equal(compiled().detach().numpy(), eager().detach().numpy())
    for mine, theirs in zip(params, eager_params, strict=True):
        np.testing.assert_array_equal(mine.detach().numpy(), theirs.detach().numpy())


def test_embedding_max_norm_renormalises_in_place_like_torch() -> None:
    rng = np.random.default_rng(2)
    weight = rng.standard_normal((5, 3)) * 3
    indices = [[0, 2], [2, 4]]
    mine, theirs = ag.tensor(weight), torch.tensor(weight)
    out = AF.embedding(ag.tensor(indices), mine, max_norm=1.5, norm_type=3.0)
    expected = torch.nn.functional.embedding(
        torch.tensor(indices), theirs, max_norm=1.5, norm_type=3.0
    )
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-12)
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize("indices", [[2, 0, 2], [[2, 0], [2, 2]], [[[1]], [[0]]], 2, [[]]])
def test_embedding_is_one_node_as_torch_s(indices: Any) -> None:
    # PyTorch's result is no view, and its EmbeddingBackward0 leads straight to the table's
    # AccumulateGrad; arraygrad's was a view of an IndexSelectBackward0 node before (for n-D
    # or 0-d indices a view of one, behind a second node, until embedding_rows).
    def graph(lib: Any) -> tuple[Any, ...]:
        weight = lib.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
        out = lib.nn.functional.embedding(lib.tensor(indices, dtype=lib.int64), weight)
        (out * lib.arange(out.numel(), dtype=out.dtype).view(out.shape)).sum().backward()
        node = out.grad_fn
        return (
            out._base is None,
            out.is_contiguous(),
            node.name(),
            [next_node.name() for next_node, _ in node.next_functions if next_node is not None],
            out.tolist(),
            weight.grad.tolist(),
        )

    assert graph(ag) == graph(torch)


def test_embedding_of_a_matrix_of_indices_double_backward_as_torch() -> None:
    def grads(lib: Any) -> list[Any]:
        gen = np.random.default_rng(0)
        weight = lib.tensor(gen.standard_normal((4, 3)), requires_grad=True)
        out = lib.nn.functional.embedding(lib.tensor([[3, 0, 3], [1, 1, 2]]), weight)
        (g,) = lib.autograd.grad((out**3).sum(), weight, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), weight)
        return [g.tolist(), gg.tolist()]

    mine, theirs = grads(ag), grads(torch)
    np.testing.assert_allclose(mine[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(mine[1], theirs[1], rtol=1e-12)


def test_one_hot_matches_torch() -> None:
    values = [[0, 3], [2, 1]]
    for classes in (-1, 6):
        expected = torch.nn.functional.one_hot(torch.tensor(values), classes)
        got = AF.one_hot(ag.tensor(values), classes)
        assert got.dtype is ag.int64
        np.testing.assert_array_equal(got.numpy(), expected.numpy())


@pytest.mark.parametrize(
    "dtype", ["int64", "int8", "uint8", "float16", "float32", "float64", "bool"]
)
@pytest.mark.parametrize(
    "value",
    [1e300, 300, 3.5, float("inf"), -1, -0.5, 2**53 + 1, 1 + 1j, 2**63, 2**63 - 1, 2**64],
)
def test_constant_pad_checks_its_value_against_the_dtype_as_torch(dtype: str, value: Any) -> None:
    # torch refuses a value the input's dtype cannot hold; arraygrad wrapped it (int64: -2**63,
    # uint8: -1 as 255) or made it inf (float16). torch reads the value as a double: 2**53 + 1
    # pads int64 as 2**53, a complex value is a TypeError; 2**63 (and 2**63 - 1, the same
    # double) passes its check against int64's maximum, compared in double, and pads int64
    # with its minimum, where arraygrad refused it.
    outcomes: list[Any] = []
    for lib in (torch, ag):
        x = lib.tensor([1, 2], dtype=getattr(lib, dtype))
        try:
            padded = lib.nn.functional.pad(x, (1, 1), value=value)
        except (RuntimeError, TypeError) as error:
            outcomes.append(type(error))
        else:
            outcomes.append((str(padded.tolist()), str(padded.dtype).split(".")[-1]))
    assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [(-1, 2), (2, -1), (-3, 1), (0, -2, 1, -1), (-1, -1, 2, 0)])
def test_pad_non_constant_modes_crop_negative_sizes_like_torch(
    mode: str, pad: tuple[int, ...]
) -> None:
    # torch crops where a size is negative: reflect and replicate read the whole input for the
    # rest, circular wraps the cropped input
    x = np.random.default_rng(3).standard_normal((2, 3, 4))
    th, mine = torch.tensor(x, requires_grad=True), ag.tensor(x, requires_grad=True)
    theirs = torch.nn.functional.pad(th, pad, mode=mode)
    ours = AF.pad(mine, pad, mode=mode)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    weights = np.random.default_rng(5).standard_normal(tuple(theirs.shape))
    (theirs * torch.tensor(weights)).sum().backward()
    (ours * ag.tensor(weights)).sum().backward()
    np.testing.assert_allclose(mine.grad.numpy(), th.grad.numpy(), rtol=1e-12)


def _raises_like_torch(fn: Any, arrays: tuple, match: str) -> None:
    with pytest.raises(Exception) as theirs:
        fn(*[torch.tensor(a) for a in arrays])
    with pytest.raises(theirs.type, match=match):
        fn(*[ag.tensor(a) for a in arrays])


IMG = np.zeros((2, 2, 5, 5))


@pytest.mark.parametrize(
    ("fn", "arrays", "match"),
    [
        (
            lambda x, w: F(x).conv2d(x, w),
            (IMG, np.zeros((4, 3, 3, 3))),
            r"weight of size \[4, 3, 3, 3\], expected input\[2, 2, 5, 5\] to have 3 channels, "
            "but got 2 channels",
        ),
        (
            lambda x, w: F(x).conv2d(x, w, stride=2, padding="same"),
            (IMG, np.zeros((1, 2, 3, 3))),
            "padding='same' is not supported for strided convolutions",
        ),
        (
            lambda x, w: F(x).conv2d(x, w),
            (IMG, np.zeros((1, 2, 7, 7))),
            "Kernel size can't be greater than actual input size",
        ),
        (
            lambda x, w: F(x).conv2d(x, w, groups=3),
            (np.zeros((1, 3, 4, 4)), np.zeros((4, 1, 1, 1))),
            "divisible by 3",
        ),
        (lambda x: F(x).max_pool2d(x, 2, padding=2), (IMG,), "pad should be at most half"),
        (  # PyTorch bounds the padding by the kernel size, not the dilated span
            lambda x: F(x).max_pool2d(x, 3, padding=2, dilation=2),
            (IMG,),
            "pad should be smaller than or equal to half of kernel size",
        ),
        (lambda x: F(x).avg_pool2d(x, 3, padding=2), (IMG,), "pad should be at most half"),
        (
            lambda x: F(x).pad(x, (5, 0, 0, 0), mode="reflect"),
            (IMG,),
            "Padding size should be less than the corresponding input dimension",
        ),
        (lambda x: F(x).pad(x, (1, 2, 3)), (IMG,), "Padding length must be divisible by 2"),
        (
            lambda x: F(x).pad(x[0, 0, 0], (1, 1), mode="replicate"),
            (IMG,),
            "Padding size 2 is not supported for 1D input tensor",
        ),
        (
            lambda x: F(x).pad(x[0], (1, 1, 1, 1, 1, 1), mode="circular"),
            (IMG,),
            "Padding size 6 is not supported for 3D input tensor",
        ),
        (
            lambda x: F(x).pad(x, (1, 1), mode="reflect", value=1.0),
            (IMG,),
            'Padding mode "reflect" doesn\'t take in value argument',
        ),
        (lambda x: F(x).pad(x, (-3, -3)), (IMG,), "length must be non-negative"),
        (
            lambda x: F(x).pad(x[0], (-4, -2), mode="replicate"),
            (IMG,),
            "too small",
        ),
        (
            lambda x: F(x).layer_norm(x, [4]),
            (IMG,),
            r"Given normalized_shape=\[4\], expected input with shape \[\*, 4\]",
        ),
        (
            lambda x: F(x).batch_norm(x[:1, :, 0, 0], None, None, training=True),
            (IMG,),
            "Expected more than 1 value per channel when training",
        ),
        (  # a sequence of output sizes as long as the input's rank (modules fuzzer, 23914)
            lambda x: F(x).adaptive_avg_pool3d(x[0], (2, 2, 1)),
            (IMG,),
            "Input dimension should be at least 4",
        ),
        (  # ... checked before the planes' (a max pool of a 3-d shape)
            lambda x: F(x).adaptive_max_pool3d(x[0], [2, 2, 2]),
            (IMG,),
            "Input dimension should be at least 4",
        ),
        (  # 2-d average pooling reads the channels first (modules fuzzer, seed 31418)
            lambda x: F(x).avg_pool2d(x[0, 0], 3, stride=3, padding=1, ceil_mode=True),
            (IMG,),
            r"Dimension out of range \(expected to be in range of \[-2, 1\], but got -3\)",
        ),
        (  # checked before the weight's size (modules fuzzer, seed 21787)
            lambda x: F(x).batch_norm(
                x[:1, :, :1, 0], None, None, lib(x).ones(3, dtype=x.dtype), training=True
            ),
            (IMG,),
            "Expected more than 1 value per channel when training",
        ),
        (
            lambda w: F(w).embedding(lib(w).tensor([0, 9]), w),
            (np.zeros((3, 2)),),
            "index out of range in self",
        ),
        (
            lambda x: F(x).one_hot(lib(x).tensor([0, -1])),
            (IMG,),
            "Class values must be non-negative",
        ),
        (
            lambda x: F(x).one_hot(lib(x).tensor([0, 3]), 2),
            (IMG,),
            "Class values must be smaller than num_classes",
        ),
        (  # the functional form's RuntimeError (it was the modules' ValueError)
            lambda x: F(x).conv2d(x, x[:, :, :3, :3], padding="bad"),
            (IMG,),
            "Invalid padding string",
        ),
    ],
)
def test_errors_match_torch(fn: Any, arrays: tuple, match: str) -> None:
    _raises_like_torch(fn, arrays, match)


def test_bias_of_the_wrong_size_raises_runtime_error_like_torch() -> None:
    # arraygrad raised NumPy's ValueError from a reshape; torch checks the bias first
    x, w = np.zeros((1, 4, 5, 5)), np.zeros((4, 2, 2, 1))
    for bias in (np.zeros(5), np.zeros((4, 1))):
        outcome = outcome_in_each(
            lambda L, b=bias: L.nn.functional.conv2d(
                L.tensor(x), L.tensor(w), L.tensor(b), groups=2
            ),
            (RuntimeError, ValueError),
        )
        assert outcome == ("RuntimeError", "RuntimeError")


ADAPTIVE_EDGES = [
    # (pooling, output_size, input shape): PyTorch's mean shortcut of an output of ones, which
    # also takes an input with no leading dimension (and raises IndexError with too few), and
    # its refusals of None sizes (TypeError)
    ("adaptive_avg_pool2d", 1, (3, 4)),
    ("adaptive_avg_pool2d", 1, (0, 4)),
    ("adaptive_avg_pool3d", 1, (2, 3, 4)),
    ("adaptive_avg_pool3d", 1, (0, 3, 4)),
    ("adaptive_avg_pool2d", 1, (4,)),
    ("adaptive_avg_pool3d", 1, (3, 4)),
    ("adaptive_avg_pool2d", 2, (4,)),
    ("adaptive_max_pool2d", 1, (4,)),
    ("adaptive_avg_pool1d", None, (2, 3, 4)),
    ("adaptive_avg_pool1d", (None,), (2, 3, 4)),
    ("adaptive_max_pool1d", [None], (2, 3, 4)),
    ("adaptive_max_pool1d", None, (2, 3, 4)),
    ("adaptive_avg_pool2d", None, (2, 3, 4)),
    ("adaptive_max_pool2d", None, (2, 3, 4)),
    ("adaptive_avg_pool3d", None, (1, 2, 3, 4)),
    ("adaptive_max_pool3d", None, (1, 2, 3, 4)),
    ("adaptive_avg_pool2d", (None, 2), (2, 3, 4)),
]


@pytest.mark.parametrize(("name", "output_size", "shape"), ADAPTIVE_EDGES)
def test_adaptive_pooling_edges_match_torch(name: str, output_size: Any, shape: tuple) -> None:
    # A 2-d input asked for a 1x1 average pool used to raise RuntimeError (PyTorch gives the
    # mean), and None output sizes were accepted where PyTorch raises TypeError.
    data = np.arange(float(np.prod(shape))).reshape(shape)
    results = []
    for L in (torch, ag):
        try:
            out = getattr(L.nn.functional, name)(L.tensor(data), output_size)
            results.append(("ok", out.shape, out.tolist()))
        except (RuntimeError, IndexError, TypeError, ValueError) as error:
            results.append((type(error).__name__,))
    mine, theirs = results[1], results[0]
    if mine[0] == "ok" and theirs[0] == "ok":
        assert tuple(mine[1]) == tuple(theirs[1])
        np.testing.assert_allclose(np.array(mine[2]), np.array(theirs[2]), equal_nan=True)
    else:
        assert mine[0] == theirs[0]


@pytest.mark.parametrize(
    ("call", "shapes"),
    [
        (lambda F, x, w, b: F.conv2d(x, w), [(2, 0, 5, 5), (3, 0, 3, 3)]),
        (lambda F, x, w, b: F.conv2d(x, w, b, padding=1), [(2, 0, 5, 5), (3, 0, 3, 3)]),
        (lambda F, x, w, b: F.conv1d(x, w, b, stride=2), [(2, 0, 7), (3, 0, 3)]),
        (lambda F, x, w, b: F.conv3d(x, w, b), [(1, 0, 4, 4, 4), (3, 0, 2, 2, 2)]),
        (lambda F, x, w, b: F.conv2d(x, w, b), [(0, 5, 5), (3, 0, 3, 3)]),  # unbatched
        (lambda F, x, w, b: F.conv2d(x, w, groups=3), [(2, 0, 5, 5), (3, 0, 3, 3)]),
    ],
)
def test_a_convolution_of_no_input_channels_has_no_output_channels(
    call: Any, shapes: list[tuple[int, ...]]
) -> None:
    # torch's result of an input without channels has none either (no bias added), with zero
    # gradients: arraygrad's had the weight's out_channels, filled with the bias
    outcomes = []
    for lib in (torch, ag):
        x, w = (lib.ones(*s, requires_grad=True) for s in shapes)
        b = lib.ones(shapes[1][0], requires_grad=True)
        out = call(lib.nn.functional, x, w, b)
        out.sum().backward()
        outcomes.append(
            (
                tuple(out.shape),
                out.grad_fn.name(),
                tuple(x.grad.shape),
                tuple(w.grad.shape),
                None if b.grad is None else b.grad.tolist(),
            )
        )
    assert outcomes[1] == outcomes[0]


@pytest.mark.parametrize(
    ("call", "shapes"),
    [
        (lambda F, x, w: F.conv2d(x, w), [(2, 3, 5, 5), (0, 3, 3, 3)]),  # no out_channels
        (lambda F, x, w: F.conv2d(x, w, groups=3), [(2, 3, 5, 5), (2, 1, 3, 3)]),
        (lambda F, x, w: F.conv_transpose2d(x, w), [(2, 0, 5, 5), (0, 2, 3, 3)]),
    ],
)
def test_a_weight_with_fewer_channels_than_groups_raises_as_torch(
    call: Any, shapes: list[tuple[int, ...]]
) -> None:
    # arraygrad computed an empty result (or, for groups=3 and 2 channels, named
    # divisibility); torch wants at least one channel per group
    messages = []
    for lib in (torch, ag):
        with pytest.raises(RuntimeError) as info:
            call(lib.nn.functional, *(lib.ones(*s) for s in shapes))
        messages.append(str(info.value))
    assert messages[1].startswith(messages[0] + ". Fix:")


# Regression (emptygrid): normalisation and pooling of inputs with an empty dimension.
# layer_norm's and group_norm's backward divided by the (zero) count; batch_norm in training
# refused an empty batch (torch: a copy of the input times weight[0] plus bias[0], the running
# statistics untouched) and instance_norm an empty input; max and average pooling took an empty
# channel or spatial dimension, which torch refuses (only the batch may be empty).
EMPTY_NORM_POOL_CASES = [
    ("layer_norm", lambda L, x: L.nn.functional.layer_norm(x, x.shape[-1:]), [(3, 0), (0,)]),
    ("group_norm", lambda L, x: L.nn.functional.group_norm(x, 1), [(3, 0), (2, 0, 3)]),
    ("batch_norm", lambda L, x: L.nn.functional.batch_norm(x, None, None, training=True),
     [(0, 3), (2, 0, 3), (3, 0), (1, 3)]),
    ("instance_norm", lambda L, x: L.nn.functional.instance_norm(x), [(2, 0, 3), (2, 3, 0)]),
    ("max_pool1d", lambda L, x: L.nn.functional.max_pool1d(x, 1), [(1, 0, 4), (0, 4), (0, 2, 4)]),
    ("avg_pool1d", lambda L, x: L.nn.functional.avg_pool1d(x, 1), [(1, 0, 4), (0, 2, 4)]),
    ("max_pool2d", lambda L, x: L.nn.functional.max_pool2d(x, 1, return_indices=True)[0],
     [(1, 0, 4, 4), (0, 4, 4), (0, 1, 2, 2)]),
    ("avg_pool2d", lambda L, x: L.nn.functional.avg_pool2d(x, 1), [(1, 0, 4, 4), (1, 3, 0, 4)]),
    ("lp_pool2d", lambda L, x: L.nn.functional.lp_pool2d(x, 2, 1), [(1, 0, 4, 4)]),
    ("max_pool3d", lambda L, x: L.nn.functional.max_pool3d(x, 1), [(1, 0, 2, 2, 2)]),
    ("avg_pool3d", lambda L, x: L.nn.functional.avg_pool3d(x, 1), [(1, 0, 2, 2, 2)]),
]  # fmt: skip


@shape_cases(EMPTY_NORM_POOL_CASES)
def test_normalisation_and_pooling_of_empty_inputs_as_torch(
    call: Any, shape: tuple[int, ...]
) -> None:
    assert_like_torch_on(call, shape)


@pytest.mark.parametrize("shape", [(0, 3, 2), (0, 3)], ids=str)
def test_batch_norm_of_an_empty_batch_reaches_weight_and_bias_as_torch(
    shape: tuple[int, ...],
) -> None:
    def call(L: Any, x: Any, w: Any, b: Any) -> Any:
        return L.nn.functional.batch_norm(x, None, None, w, b, training=True)

    assert_like_torch_on(call, shape, (3,), (3,))


def test_batch_norm_of_an_empty_batch_leaves_the_running_statistics() -> None:
    stats = []
    for L in (torch, ag):
        mean, var = L.zeros(3, dtype=L.float64), L.ones(3, dtype=L.float64)
        L.nn.functional.batch_norm(L.zeros(0, 3, dtype=L.float64), mean, var, training=True)
        stats.append((mean.tolist(), var.tolist()))
    assert stats[1] == stats[0]


# Padding and pooling are single kernels in PyTorch (its 1-d pooling the 2-d one between an
# unsqueeze and a squeeze, its circular padding a copy into slices), their results' nodes named
# so; regression: IndexSelectBackward0, MaxPoolBackward0, DivBackward0, MmBackward0, ...
PADDING_AND_POOLING_NAMES = [
    "F.pad(x, (1, 1))", "F.pad(x, (1, 1), value=2.0)", "F.pad(x, (0, 0))", "F.pad(x, (-1, 0))",
    "F.pad(x, (-1, 1))", "lib.constant_pad_nd(x, (1, 1))", "lib.constant_pad_nd(x, (1, 0), 2)",
    "lib.nn.ZeroPad2d(1)(x[None])", "F.pad(x, (1, 1), mode='reflect')",
    "F.pad(x[None], (1, 1, 1, 0), mode='reflect')", "F.pad(x, (0, 0), mode='reflect')",
    "F.pad(x, (1, 2), mode='replicate')",
    "F.pad(x[None, None], (1, 1, 1, 1, 0, 1), mode='replicate')",
    "F.pad(x, (1, 1), mode='circular')", "lib.nn.ReflectionPad1d(1)(x)",
    "F.max_pool1d(x, 2)", "F.max_pool1d(x, 2, return_indices=True)[0]", "F.avg_pool1d(x, 2)",
    "F.max_pool2d(x[None], 2)", "F.max_pool2d(x[None, None], 2, padding=1)",
    "F.avg_pool2d(x[None], 2, divisor_override=3)", "F.avg_pool2d(x[None], 2, ceil_mode=True)",
    "F.max_pool3d(x[None, None], (1, 2, 2))", "F.avg_pool3d(x[None, None], (1, 2, 2))",
    "lib.nn.MaxPool2d(2)(x[None])", "lib.nn.AvgPool1d(2)(x)",
    "F.adaptive_avg_pool1d(x, 2)", "F.adaptive_avg_pool1d(x, 1)",
    "F.adaptive_avg_pool2d(x[None], 2)",
    "F.adaptive_avg_pool2d(x[None], 1)", "F.adaptive_max_pool1d(x, 2)",
    "F.adaptive_max_pool2d(x[None], (1, 2))", "F.adaptive_avg_pool3d(x[None, None], (1, 1, 2))",
    "F.adaptive_max_pool3d(x[None, None], (1, 1, 2))",
]  # fmt: skip


@pytest.mark.parametrize("expression", PADDING_AND_POOLING_NAMES)
def test_padding_and_pooling_results_are_named_as_torchs_nodes(expression: str) -> None:
    mine, theirs = grad_fn_names(expression, F=lambda lib: lib.nn.functional)
    assert mine == theirs.removeprefix("torch::autograd::")  # (arraygrad's CopySlices)


@pytest.mark.parametrize("pad", [(0, 0), (-1, 0), (-1, -1), ()])
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_returns_a_new_tensor_also_when_nothing_is_padded(pad: tuple, mode: str) -> None:
    # Regression: F.pad returned its input itself (nothing padded) or a view of it (only
    # cropped), so that a write into the result changed the input; torch's is a new tensor.
    if mode != "constant" and (len(pad) != 2 or pad == (-1, -1)):
        pytest.skip("torch refuses these sizes for the mode")
    results = []
    for lib in (torch, ag):
        x = lib.arange(6.0).reshape(1, 2, 3)
        out = lib.nn.functional.pad(x, pad, mode=mode)
        out.add_(10)
        results.append((out is x, out._base is None, x.tolist(), out.tolist()))
    assert results[1] == results[0]


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8", "bool"])
@pytest.mark.parametrize(
    "call",
    [
        lambda F, x: F.avg_pool1d(x, 2),
        lambda F, x: F.avg_pool1d(x, 3, stride=2, padding=1),
        lambda F, x: F.avg_pool1d(x, 2, ceil_mode=True, count_include_pad=False, padding=1),
        lambda F, x: F.avg_pool2d(x[None], (1, 2)),
        lambda F, x: F.avg_pool2d(x[None], (2, 2), padding=1, divisor_override=3),
        lambda F, x: F.avg_pool2d(-x[None], (1, 3), stride=1),
        lambda F, x: F.avg_pool3d(x[None, None], (1, 1, 2), padding=(0, 0, 1)),
        lambda F, x: F.adaptive_avg_pool1d(x, 2),
        lambda F, x: F.adaptive_avg_pool1d(x, 1),
        lambda F, x: F.adaptive_avg_pool2d(x[None], 2),
        lambda F, x: F.adaptive_avg_pool3d(x[None, None], (1, 2, 2)),
    ],
)
def test_average_pooling_of_integers_as_torch(call: Any, dtype: str) -> None:
    # Regression: every integer input was refused with a RuntimeError; torch averages int64
    # (its sums divided toward zero) and refuses the other dtypes with NotImplementedError
    # (adaptive pooling: all of them; an output of ones is a mean, which refuses them too).
    outcomes = []
    for L in (torch, ag):
        data = (
            [[1, 3, 4, 7, 2], [-5, 0, 6, 9, 8]]
            if dtype not in ("uint8", "bool")
            else [[1, 0, 1, 1, 0]] * 2
        )
        x = L.tensor(data, dtype=getattr(L, dtype))
        try:
            out = call(L.nn.functional, x)
        except (RuntimeError, NotImplementedError) as error:
            # (the message up to the dtype, which arraygrad's mean() names otherwise)
            outcomes.append((type(error).__name__, str(error).split("'")[0].split(" Got")[0]))
        else:
            outcomes.append((str(out.dtype).split(".")[-1], out.tolist()))
    assert outcomes[1] == outcomes[0]


def test_adaptive_average_pooling_module_refuses_integers_as_torch() -> None:
    for L in (torch, ag):
        with pytest.raises(NotImplementedError, match='"adaptive_avg_pool2d" not implemented'):
            L.nn.AdaptiveAvgPool1d(2)(L.tensor([[1, 3]]))


def _pooled(L: Any, call: Any, x: Any) -> Any:
    """``call(F, x)``'s results (dtype and values of each) or its error: the class, and for a
    dtype's NotImplementedError torch's words (before arraygrad's fix)."""
    try:
        out = call(L.nn.functional, x)
    except NotImplementedError as error:
        return ("NotImplementedError", str(error).split(". Fix")[0])
    except RuntimeError:
        return "RuntimeError"  # (a shape's: arraygrad's words for those are its own)
    parts = out if isinstance(out, tuple) else (out,)
    return [(str(part.dtype).split(".")[-1], part.tolist()) for part in parts]


@pytest.mark.parametrize(
    "dtype", ["uint8", "int8", "int16", "int32", "int64", "bool", "complex64", "float16"]
)
@pytest.mark.parametrize(
    "call",
    [
        lambda F, x: F.max_pool1d(x[0], 2),
        lambda F, x: F.max_pool1d(x[0], 3, stride=2, padding=1, return_indices=True),
        lambda F, x: F.max_pool1d_with_indices(x[0], 2, ceil_mode=True),
        lambda F, x: F.max_pool2d(x, 2),
        lambda F, x: F.max_pool2d(x, 3, stride=1, padding=1, return_indices=True),
        lambda F, x: F.max_pool2d(x, 2, padding=1, dilation=2, ceil_mode=True, return_indices=True),
        lambda F, x: F.max_pool3d(x[None], (1, 2, 2)),
        lambda F, x: F.max_pool3d(x[None], 2, stride=1, padding=1, return_indices=True),
        # a window that sees only padding: the dtype's lowest value
        lambda F, x: F.max_pool2d(x[:, :1, :1], 2, stride=1, padding=1, dilation=2),
        lambda F, x: F.lp_pool2d(x, float("inf"), 2),
        lambda F, x: F.adaptive_max_pool2d(x, 2),
        # the dtype is checked after the shapes
        lambda F, x: F.max_pool2d(x, 4, padding=1),
        lambda F, x: F.max_pool1d(x[0], 4, padding=3),
        lambda F, x: F.avg_pool2d(x, 5),
    ],
)
def test_max_pooling_of_integers_as_torch(call: Any, dtype: str) -> None:
    # Regression: max pooling refused every integer input with a RuntimeError; torch's 2-d and
    # 3-d kernels take every integer dtype but bool (its 1-d one none, unless it returns
    # indices), and refuse the others with a NotImplementedError naming the kernel, after
    # checking the shapes.
    values = [
        [[-7, 3, 0, 5], [2, -1, 9, 9], [4, 4, -3, 1]],
        [[1, 0, 0, 1], [6, 2, 8, -2], [-5, 7, 7, 3]],
    ]
    if dtype in ("uint8", "bool"):
        values = [
            [[abs(v) % (2 if dtype == "bool" else 10) for v in row] for row in plane]
            for plane in values
        ]
    outcomes = [_pooled(L, call, L.tensor(values, dtype=getattr(L, dtype))) for L in (torch, ag)]
    assert outcomes[1] == outcomes[0]


def test_one_d_max_pooling_names_the_kernel_it_runs_as_torch() -> None:
    # torch's 1-d max pooling of an input that records a gradient runs the 2-d kernel
    for L in (torch, ag):
        x = L.zeros(1, 4, dtype=L.complex64, requires_grad=True)
        with pytest.raises(NotImplementedError, match='"max_pool2d" not implemented'):
            L.nn.functional.max_pool1d(x, 2)
        with L.no_grad(), pytest.raises(NotImplementedError, match='"max_pool1d_impl" not'):
            L.nn.functional.max_pool1d(x, 2)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_average_pooling_3d_refuses_half_floats_as_torch(dtype: str) -> None:
    # Regression: avg_pool3d (and lp_pool3d) averaged float16 and bfloat16, which torch's 3-d
    # kernel has no code for.
    for L in (torch, ag):
        x = L.ones(1, 2, 2, 2, dtype=getattr(L, dtype))
        with pytest.raises(NotImplementedError, match='"avg_pool3d_out_frame" not implemented'):
            L.nn.functional.avg_pool3d(x, 1)
        with pytest.raises(NotImplementedError, match='"avg_pool3d_out_frame" not implemented'):
            L.nn.functional.lp_pool3d(x, 2, 1)
        with pytest.raises(RuntimeError):
            L.nn.functional.avg_pool3d(x, 3)  # (the sizes are checked first)
