"""arraygrad.nn.functional activations, softmax, losses and linear maps against torch 2.13.0.

Each row of ``OP_TABLE`` is written once against the shared API: ``F(x)`` is
``torch.nn.functional`` for torch tensors and ``arraygrad.nn.functional`` for arraygrad tensors.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import arraygrad as ag
import arraygrad.nn.functional as AF
from tests.oracle import (
    OpSpec,
    assert_like_torch_on,
    assert_refused_as_torch,
    check_against_torch,
    check_higher_derivatives_against_torch,
    grad_fn_names,
    gradcheck,
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
    """The top-level module (``torch`` or ``arraygrad``) of ``x``'s library."""
    return torch if isinstance(x, torch.Tensor) else ag


def labels(x: Any, classes: int, shape: tuple[int, ...]) -> Any:
    """Deterministic class indices of ``shape`` in ``[0, classes)``, in ``x``'s library."""
    count = int(np.prod(shape))
    return (lib(x).arange(count) * 7 % classes).reshape(shape)


def same_shapes(arity: int, min_dims: int = 0, max_dims: int = 3) -> Any:
    """A strategy of ``arity`` copies of one shape."""
    shape = st.lists(st.integers(1, 4), min_size=min_dims, max_size=max_dims).map(tuple)
    return shape.map(lambda s: (s,) * arity)


def class_shapes(extra: tuple[Any, ...] = (), spatial: bool = False) -> Any:
    """``(N, C)`` (or ``(N, C, d)``) logits shapes plus ``extra`` shapes, ``C`` being shared."""

    def build(n: int, c: int, d: int) -> tuple[tuple[int, ...], ...]:
        base = (n, c, d) if spatial else (n, c)
        return (base,) + tuple(base if e == "same" else (c,) for e in extra)

    return st.builds(build, st.integers(1, 4), st.integers(1, 5), st.integers(1, 3))


def ramp(x: Any, low: float, high: float) -> Any:
    """A constant tensor of ``x``'s shape and dtype with values from ``low`` to ``high``."""
    return lib(x).linspace(low, high, x.numel(), dtype=x.dtype).reshape(x.shape)


def class_weights(x: Any) -> Any:
    """Fixed positive per-class weights for logits ``x`` (class axis 1)."""
    return lib(x).linspace(0.5, 2.0, x.shape[1], dtype=x.dtype)


def _ce(reduction: str = "mean", **kwargs: Any) -> Any:
    def fn(x: Any) -> Any:
        shape = (x.shape[0],) + tuple(x.shape[2:])
        return F(x).cross_entropy(x, labels(x, x.shape[1], shape), reduction=reduction, **kwargs)

    return fn


ACTIVATIONS = {
    "relu": OpSpec(lambda x: F(x).relu(x), kinks=(0.0,)),
    "relu6": OpSpec(lambda x: F(x).relu6(x), low=-2, high=8, kinks=(0.0, 6.0)),
    "hardtanh": OpSpec(lambda x: F(x).hardtanh(x), kinks=(-1.0, 1.0)),
    "hardtanh_bounds": OpSpec(lambda x: F(x).hardtanh(x, -0.5, 2.0), kinks=(-0.5, 2.0)),
    "leaky_relu": OpSpec(lambda x: F(x).leaky_relu(x), kinks=(0.0,)),
    "leaky_relu_slope": OpSpec(lambda x: F(x).leaky_relu(x, 0.2), kinks=(0.0,)),
    "elu": OpSpec(lambda x: F(x).elu(x), kinks=(0.0,)),
    "elu_alpha": OpSpec(lambda x: F(x).elu(x, alpha=0.5), kinks=(0.0,)),
    "selu": OpSpec(lambda x: F(x).selu(x), kinks=(0.0,)),
    "gelu": OpSpec(lambda x: F(x).gelu(x)),
    "gelu_tanh": OpSpec(lambda x: F(x).gelu(x, approximate="tanh")),
    "silu": OpSpec(lambda x: F(x).silu(x)),
    "mish": OpSpec(lambda x: F(x).mish(x)),
    "softplus": OpSpec(lambda x: F(x).softplus(x), low=-25, high=25, kinks=(20.0,)),
    "softplus_beta": OpSpec(lambda x: F(x).softplus(x, beta=2, threshold=3), kinks=(1.5,)),
    "logsigmoid": OpSpec(lambda x: F(x).logsigmoid(x), low=-30, high=30),
    "softsign": OpSpec(lambda x: F(x).softsign(x)),
    "celu": OpSpec(lambda x: F(x).celu(x), kinks=(0.0,)),
    "celu_alpha": OpSpec(lambda x: F(x).celu(x, alpha=0.5), kinks=(0.0,)),
    "hardsigmoid": OpSpec(lambda x: F(x).hardsigmoid(x), low=-5, high=5, kinks=(-3.0, 3.0)),
    "hardswish": OpSpec(lambda x: F(x).hardswish(x), low=-5, high=5, kinks=(-3.0, 3.0)),
    "hardshrink": OpSpec(lambda x: F(x).hardshrink(x), kinks=(-0.5, 0.5)),
    "hardshrink_lambd": OpSpec(lambda x: F(x).hardshrink(x, 1.5), kinks=(-1.5, 1.5)),
    "softshrink": OpSpec(lambda x: F(x).softshrink(x), kinks=(-0.5, 0.5)),
    "softshrink_lambd": OpSpec(lambda x: F(x).softshrink(x, 1.5), kinks=(-1.5, 1.5)),
    "tanhshrink": OpSpec(lambda x: F(x).tanhshrink(x)),
    "threshold": OpSpec(lambda x: F(x).threshold(x, 0.5, -2.0), kinks=(0.5,)),
    "tanh": OpSpec(lambda x: F(x).tanh(x)),
    "sigmoid": OpSpec(lambda x: F(x).sigmoid(x)),
    "softmax_last": OpSpec(lambda x: F(x).softmax(x, dim=-1), min_dims=1),
    "softmax_first": OpSpec(lambda x: F(x).softmax(x, 0)),
    "softmax_dtype": OpSpec(lambda x: F(x).softmax(x, -1, dtype=lib(x).float64), min_dims=1),
    "log_softmax_last": OpSpec(lambda x: F(x).log_softmax(x, dim=-1), min_dims=1, low=-30, high=30),
    "log_softmax_first": OpSpec(lambda x: F(x).log_softmax(x, 0)),
    "softmin": OpSpec(lambda x: F(x).softmin(x, dim=-1), min_dims=1),
    "dropout_eval": OpSpec(lambda x: F(x).dropout(x, 0.5, training=False)),
    "dropout_p0": OpSpec(lambda x: F(x).dropout(x, 0.0) * 2),
    "normalize": OpSpec(lambda x: F(x).normalize(x, dim=-1), min_dims=1, low=0.1, high=3),
    "normalize_p1": OpSpec(lambda x: F(x).normalize(x, p=1, dim=0), min_dims=1, kinks=(0.0,)),
    "normalize_p3": OpSpec(
        lambda x: -F(x).normalize(x, p=3.0, dim=-1), min_dims=1, low=0.5, high=3
    ),
    "cosine_similarity": OpSpec(
        lambda a, b: F(a).cosine_similarity(a, b, dim=-1), arity=2, min_dims=1, low=0.1
    ),
}

LOSSES = {
    "mse_loss": OpSpec(lambda x, t: F(x).mse_loss(x, t), shapes=same_shapes(2)),
    # KL divergence between the softmaxes of two logit tensors (log-probabilities in, target
    # probabilities or, with log_target, log-probabilities).
    "kl_div_batchmean": OpSpec(
        lambda x, y: F(x).kl_div(
            F(x).log_softmax(x, -1), F(y).softmax(y, -1), reduction="batchmean"
        ),
        shapes=same_shapes(2, min_dims=1),
    ),
    "kl_div_sum_log_target": OpSpec(
        lambda x, y: F(x).kl_div(
            F(x).log_softmax(x, -1), F(y).log_softmax(y, -1), reduction="sum", log_target=True
        ),
        shapes=same_shapes(2, min_dims=1),
    ),
    "kl_div_none": OpSpec(
        lambda x, y: F(x).kl_div(F(x).log_softmax(x, 0), F(y).softmax(y, 0), reduction="none"),
        shapes=same_shapes(2, min_dims=1),
    ),
    "mse_loss_none": OpSpec(
        lambda x, t: F(x).mse_loss(x, t, reduction="none"), shapes=same_shapes(2)
    ),
    "mse_loss_weight": OpSpec(
        lambda x, t, w: F(x).mse_loss(x, t, weight=w), shapes=same_shapes(3), low=0.5, high=2
    ),
    # |x - t| is kinked where x == t: the target is a constant so `kinks` keeps x away from it.
    "l1_loss_sum": OpSpec(
        lambda x: F(x).l1_loss(x, x.detach() * 0 + 0.25, reduction="sum"), kinks=(0.25,)
    ),
    "l1_loss_weight": OpSpec(
        lambda x, w: F(x).l1_loss(x, x.detach() * 0 + 1.0, weight=w),
        shapes=same_shapes(2),
        low=0.5,
        high=2,
        kinks=(1.0,),
    ),
    "smooth_l1_loss": OpSpec(lambda x, t: F(x).smooth_l1_loss(x, t), shapes=same_shapes(2)),
    "smooth_l1_beta": OpSpec(
        lambda x, t: F(x).smooth_l1_loss(x, t, reduction="none", beta=0.5), shapes=same_shapes(2)
    ),
    "smooth_l1_beta0": OpSpec(
        lambda x: F(x).smooth_l1_loss(x, x.detach() * 0 - 0.5, beta=0.0, reduction="sum"),
        kinks=(-0.5,),
    ),
    "huber_loss": OpSpec(lambda x, t: F(x).huber_loss(x, t, delta=0.7), shapes=same_shapes(2)),
    "huber_loss_weight": OpSpec(
        lambda x, t, w: F(x).huber_loss(x, t, reduction="mean", weight=w),
        shapes=same_shapes(3),
        low=0.5,
        high=2,
    ),
    "binary_cross_entropy": OpSpec(
        lambda p, t: F(p).binary_cross_entropy(p, t), shapes=same_shapes(2), low=0.05, high=0.95
    ),
    "binary_cross_entropy_weight": OpSpec(
        lambda p, t: F(p).binary_cross_entropy(p, t, weight=ramp(p, 0.5, 2.0), reduction="sum"),
        shapes=same_shapes(2),
        low=0.05,
        high=0.95,
    ),
    # one random cotangent per element through the primitive's own backward (and, in
    # gradgradcheck, through that backward's rules: PyTorch's double backward)
    "binary_cross_entropy_none": OpSpec(
        lambda p, t: F(p).binary_cross_entropy(p, t, reduction="none"),
        shapes=same_shapes(2),
        low=0.05,
        high=0.95,
    ),
    "bce_with_logits": OpSpec(
        lambda x, t: F(x).binary_cross_entropy_with_logits(x, lib(t).sigmoid(t)),
        shapes=same_shapes(2),
    ),
    # torch differentiates neither weight nor pos_weight: they are constants here
    "bce_with_logits_weights": OpSpec(
        lambda x, t: F(x).binary_cross_entropy_with_logits(
            x,
            lib(t).sigmoid(t),
            weight=ramp(x, 0.1, 2),
            pos_weight=ramp(x, 3, 0.5),
            reduction="none",
        ),
        shapes=same_shapes(2),
    ),
    "bce_with_logits_pos_weight_last": OpSpec(
        lambda x, t: F(x).binary_cross_entropy_with_logits(
            x, lib(t).sigmoid(t), pos_weight=ramp(x.sum(0), 0.5, 3)
        ),
        shapes=st.integers(1, 4).map(lambda c: ((3, c), (3, c))),
    ),
    "cross_entropy": OpSpec(_ce(), shapes=class_shapes()),
    "cross_entropy_sum": OpSpec(_ce("sum"), shapes=class_shapes()),
    "cross_entropy_none_spatial": OpSpec(_ce("none"), shapes=class_shapes(spatial=True)),
    "cross_entropy_smoothing": OpSpec(_ce(label_smoothing=0.2), shapes=class_shapes()),
    "cross_entropy_weight": OpSpec(
        lambda x: _ce(weight=class_weights(x))(x), shapes=class_shapes()
    ),
    "cross_entropy_weight_smoothing_spatial": OpSpec(
        lambda x: _ce(weight=class_weights(x), label_smoothing=0.3)(x),
        shapes=class_shapes(spatial=True),
    ),
    "cross_entropy_probabilities": OpSpec(
        lambda x, t: F(x).cross_entropy(x, F(t).softmax(t, 1)), shapes=class_shapes(("same",))
    ),
    "cross_entropy_probabilities_smoothing_weight": OpSpec(
        lambda x, t, w: F(x).cross_entropy(
            x, F(t).softmax(t, 1), weight=w.abs(), label_smoothing=0.1, reduction="sum"
        ),
        shapes=class_shapes(("same", "class"), spatial=True),
        kinks=(0.0,),
    ),
    "cross_entropy_unbatched": OpSpec(
        lambda x: F(x).cross_entropy(x, labels(x, x.shape[0], ())),
        shapes=st.integers(1, 5).map(lambda c: ((c,),)),
    ),
    "nll_loss": OpSpec(
        lambda x: F(x).nll_loss(F(x).log_softmax(x, 1), labels(x, x.shape[1], (x.shape[0],))),
        shapes=class_shapes(),
    ),
    "nll_loss_raw_none": OpSpec(
        lambda x: F(x).nll_loss(x, labels(x, x.shape[1], (x.shape[0],)), reduction="none"),
        shapes=class_shapes(),
    ),
}

LINEAR = {
    "linear": OpSpec(
        lambda x, w, b: F(x).linear(x, w, b),
        shapes=st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4)).map(
            lambda s: ((s[0], 2, s[1]), (s[2], s[1]), (s[2],))
        ),
    ),
    "linear_no_bias_1d": OpSpec(
        lambda x, w: F(x).linear(x, w),
        shapes=st.tuples(st.integers(1, 4), st.integers(1, 4)).map(lambda s: (s, (s[1],))),
    ),
    "linear_batch_of_vectors": OpSpec(
        lambda x, w, b: F(x).linear(x, w, b),
        shapes=st.tuples(st.integers(1, 5), st.integers(1, 4), st.integers(1, 4)).map(
            lambda s: ((s[0], s[1]), (s[2], s[1]), (s[2],))
        ),
    ),
    "linear_no_bias_4d": OpSpec(
        lambda x, w: F(x).linear(x, w),
        shapes=st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4)).map(
            lambda s: ((2, s[0], 1, s[1]), (s[2], s[1]))
        ),
    ),
    "linear_bias_of_one": OpSpec(
        lambda x, w, b: F(x).linear(x, w, b),
        shapes=st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4)).map(
            lambda s: ((s[0], s[1]), (s[2], s[1]), (1,))
        ),
    ),
    "linear_vector_with_bias": OpSpec(
        lambda x, w, b: F(x).linear(x, w, b),
        shapes=st.tuples(st.integers(1, 4), st.integers(1, 4)).map(
            lambda s: ((s[0],), (s[1], s[0]), (s[1],))
        ),
    ),
    "bilinear": OpSpec(
        lambda a, b, w, bias: F(a).bilinear(a, b, w, bias),
        shapes=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)).map(
            lambda s: ((2, s[0]), (2, s[1]), (s[2], s[0], s[1]), (s[2],))
        ),
    ),
}

OP_TABLE = {**ACTIVATIONS, **LOSSES, **LINEAR}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch's notes on shapes and dims
        run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(OP_TABLE))
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


# --- numerical stability -------------------------------------------------------------------------

HUGE = np.array([[1e4, -1e4, 0.0, 3.0], [-1e4, -1e4, 5e3, 1e4]], dtype=np.float32)
STABLE = {
    "log_softmax": lambda x: F(x).log_softmax(x, dim=1),
    "softmax": lambda x: F(x).softmax(x, dim=1),
    "cross_entropy": lambda x: F(x).cross_entropy(x, labels(x, 4, (2,))),
    "cross_entropy_smoothing": lambda x: F(x).cross_entropy(
        x, labels(x, 4, (2,)), label_smoothing=0.1
    ),
    "cross_entropy_probabilities": lambda x: F(x).cross_entropy(x, F(x).softmax(x.detach(), 0)),
    "softplus": lambda x: F(x).softplus(x),
    "logsigmoid": lambda x: F(x).logsigmoid(x),
    "bce_with_logits": lambda x: F(x).binary_cross_entropy_with_logits(
        x, (x.detach() > 0).to(x.dtype) * 0.5, pos_weight=lib(x).tensor([2.0, 1.0, 1.0, 3.0])
    ),
    "mish": lambda x: F(x).mish(x),
    "elu": lambda x: F(x).elu(x),
    "silu": lambda x: F(x).silu(x),
    "gelu": lambda x: F(x).gelu(x),
}


@pytest.mark.parametrize("name", sorted(STABLE))
def test_finite_at_huge_logits_float32(name: str) -> None:
    fn = STABLE[name]
    x = ag.tensor(HUGE, requires_grad=True)
    out = fn(x)
    out.sum().backward()
    assert np.all(np.isfinite(out.detach().numpy())), out
    assert np.all(np.isfinite(x.grad.numpy())), x.grad
    check_against_torch(fn, None, [HUGE], rtol=1e-5, atol=1e-5)


# --- cross_entropy / nll_loss option combinations ------------------------------------------------


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 2, 255])
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
@pytest.mark.parametrize("spatial", [False, True])
def test_cross_entropy_options(
    reduction: str, weighted: bool, ignore_index: int, smoothing: float, spatial: bool
) -> None:
    rng = np.random.default_rng(3)
    shape = (5, 4, 3) if spatial else (6, 4)
    logits = rng.standard_normal(shape)
    target = rng.integers(0, 4, size=(shape[0],) + shape[2:])
    target.reshape(-1)[:3] = [2, -100, 2]  # ignored entries, and a valid -100 never used
    target[target == -100] = 1 if ignore_index == 2 else ignore_index
    weight = rng.uniform(0.2, 2.0, size=4) if weighted else None

    def fn(x: Any) -> Any:
        t = lib(x).tensor(target)
        w = None if weight is None else lib(x).tensor(weight).to(x.dtype)
        kwargs = dict(weight=w, ignore_index=ignore_index, reduction=reduction)
        ce = F(x).cross_entropy(x, t, label_smoothing=smoothing, **kwargs)
        nll = F(x).nll_loss(F(x).log_softmax(x, 1), t, **kwargs)
        return ce, nll

    for dtype in DTYPES:
        check_against_torch(fn, None, [logits.astype(dtype)])
    gradcheck(fn, [logits])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy on the nan gradient (0 / 0)
@pytest.mark.parametrize("fn_name", ["cross_entropy", "nll_loss"])
def test_all_targets_ignored_gives_nan_like_torch(fn_name: str) -> None:
    x = np.random.default_rng(0).standard_normal((3, 4))

    def fn(x: Any) -> Any:
        return getattr(F(x), fn_name)(x, lib(x).tensor([-100, -100, -100]))

    check_against_torch(fn, None, [x])
    assert np.isnan(fn(ag.tensor(x)).item())


def test_legacy_reduction_flags() -> None:
    x = np.random.default_rng(0).standard_normal((3, 4))
    for size_average, reduce in [(False, None), (None, False), (True, True)]:
        check_against_torch(
            lambda a, b, s=size_average, r=reduce: F(a).mse_loss(a, b, size_average=s, reduce=r),
            None,
            [x, x * 2],
        )


def test_softmax_implicit_dim_warns_and_matches() -> None:
    x = np.random.default_rng(0).standard_normal((2, 3))
    with pytest.warns(UserWarning, match="Implicit dimension"):
        out = AF.softmax(ag.tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = torch.nn.functional.softmax(torch.tensor(x)).numpy()
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_implicit_dim_warning_names_the_caller(name: str) -> None:
    # PyTorch's warning points at the line that called the function (its _stacklevel=3), not
    # into the library: softmax and log_softmax pointed into arraygrad's _tensor.py.
    x = np.random.default_rng(0).standard_normal((2, 3))
    for module, tensor in ((torch.nn.functional, torch.tensor(x)), (AF, ag.tensor(x))):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            getattr(module, name)(tensor)
        assert [w.filename for w in caught] == [__file__], (module.__name__, caught)


# --- kinks: PyTorch's derivative at the switching points ----------------------------------------


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: F(x).relu6(x),
        lambda x: F(x).hardtanh(x, -1.0, 6.0),
        lambda x: F(x).leaky_relu(x, 0.3),
        lambda x: F(x).elu(x),
        lambda x: F(x).selu(x),
        lambda x: F(x).softplus(x, beta=1.0, threshold=6.0),
        lambda x: F(x).softplus(x),
        lambda x: F(x).binary_cross_entropy_with_logits(x, x.detach() * 0 + 0.25),
        lambda x: F(x).smooth_l1_loss(x, x.detach() * 0, reduction="none"),
        lambda x: F(x).huber_loss(x, x.detach() * 0, reduction="none", delta=6.0),
        lambda x: F(x).l1_loss(x, x.detach() * 0, reduction="none"),
        lambda x: F(x).softsign(x),
        lambda x: F(x).celu(x, 2.0),
        lambda x: F(x).hardsigmoid(x),
        lambda x: F(x).hardswish(x),
        lambda x: F(x).hardshrink(x, 1.0),
        lambda x: F(x).softshrink(x, 1.0),
        lambda x: F(x).threshold(x, 1.0, 5.0),
    ],
)
def test_kinks_match_torch(fn: Any) -> None:
    points = np.array([0.0, 6.0, -1.0, 1.0, -6.0, 3.0, -3.0])
    check_against_torch(fn, None, [points], atol=0)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: F(x).relu(x),
        lambda x: F(x).elu(x),
        lambda x: F(x).celu(x, 0.5),
        lambda x: F(x).hardsigmoid(x),
        lambda x: F(x).hardswish(x),
        lambda x: F(x).hardshrink(x),
        lambda x: F(x).softshrink(x),
        lambda x: F(x).tanhshrink(x),
        lambda x: F(x).threshold(x, 0.5, -7.0),
    ],
)
def test_activations_at_nan_and_infinities_match_torch(fn: Any) -> None:
    # PyTorch's kernels decide by comparisons that nan fails: which branch nan takes decides
    # its gradient (1 for relu, elu, celu, hardswish, threshold; 0 for hardsigmoid and the
    # shrinks). At the infinities no discarded branch may turn a zero gradient into nan.
    points = np.array([np.nan, np.inf, -np.inf, 0.0, 0.5, -0.5, 3.0, -3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # inf * 0 in hardswish, as in torch
        check_against_torch(fn, None, [points], atol=0)


def test_activation_argument_errors_match_torch() -> None:
    x = ag.tensor([1.0])
    with pytest.raises(RuntimeError, match="alpha cannot be 0"):
        AF.celu(x, 0.0)
    with pytest.raises(RuntimeError, match="lambda must be in range"):
        AF.softshrink(x, -1.0)
    with pytest.raises(AssertionError, match="must be greater than min_val"):
        ag.nn.Hardtanh(2.0, 1.0)
    assert x.tolist() == [1.0]  # still usable


def test_inplace_activations_write_the_input() -> None:
    for name, args in [
        ("relu", ()),
        ("leaky_relu", (0.1,)),
        ("elu", ()),
        ("hardtanh", ()),
        ("celu", (0.5,)),
        ("hardsigmoid", ()),
        ("hardswish", ()),
        ("threshold", (1.0, -5.0)),
    ]:
        x = ag.tensor([-2.0, 0.5, 3.0])
        result = getattr(AF, name)(x, *args, inplace=True)
        assert result is x
        expected = getattr(torch.nn.functional, name)(torch.tensor([-2.0, 0.5, 3.0]), *args)
        np.testing.assert_allclose(x.numpy(), expected.numpy())


# --- dropout ------------------------------------------------------------------------------------


def test_dropout_mask_scale_and_gradient() -> None:
    ag.manual_seed(0)
    x = ag.ones(2000, requires_grad=True)
    out = AF.dropout(x, p=0.25)
    values = out.detach().numpy()
    assert set(np.unique(values).tolist()) <= {0.0, float(np.float32(1 / 0.75))}
    assert abs((values == 0).mean() - 0.25) < 0.05
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), values)  # the gradient is the mask
    ag.manual_seed(0)
    np.testing.assert_array_equal(AF.dropout(ag.ones(2000), p=0.25).numpy(), values)


def test_dropout_edge_probabilities() -> None:
    x = ag.tensor([1.0, -2.0], requires_grad=True)
    assert AF.dropout(x, 0.0) is x
    assert AF.dropout(x, 0.7, training=False) is x
    zeros = AF.dropout(x, 1.0)
    assert zeros.tolist() == [0.0, 0.0]
    zeros.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    y = ag.tensor([1.0, 2.0])
    assert AF.dropout(y, 1.0, inplace=True) is y and y.tolist() == [0.0, 0.0]


# --- misuse: PyTorch's exception classes, messages naming the problem ----------------------------


def _raises_like_torch(fn: Any, *arrays: Any, match: str) -> None:
    with pytest.raises(Exception) as theirs:
        fn(*[torch.tensor(a) for a in arrays])
    with pytest.raises(theirs.type, match=match):
        fn(*[ag.tensor(a) for a in arrays])


X = np.zeros((2, 3))


@pytest.mark.parametrize(
    ("fn", "arrays", "match"),
    [
        (lambda x: F(x).mse_loss(x, x, reduction="avg"), (X,), "avg is not a valid value"),
        (lambda x: F(x).dropout(x, 1.5), (X,), "between 0 and 1, but got 1.5"),
        (lambda x: F(x).nll_loss(x, lib(x).tensor([0, 5])), (X,), "Target 5 is out of bounds"),
        (
            lambda x: F(x).cross_entropy(x, lib(x).tensor([0, 1, 2])),
            (X,),
            r"input batch_size \(2\) to match target batch_size \(3\)",
        ),
        (lambda x: F(x).nll_loss(x, lib(x).zeros(2)), (X,), "target dtype to be Long"),
        (
            lambda x: F(x).cross_entropy(x, lib(x).tensor([0, 1], dtype=lib(x).int32)),
            (X,),
            r"Long or Byte, but got Int: .*Fix: target.long\(\)",
        ),
        (
            lambda x: F(x).nll_loss(x, lib(x).tensor([0, 1], dtype=lib(x).int16)),
            (X,),
            "Long or Byte, but got Short",
        ),
        (
            lambda x: F(x).cross_entropy(x, lib(x).zeros(2, 2, dtype=lib(x).uint8)),
            (np.zeros((2, 3, 2)),),
            r"expected scalar type Long but found Byte: .*spatial",
        ),
        (
            lambda x: F(x).cross_entropy(x, x, ignore_index=1),
            (X,),
            "ignore_index is not supported for floating point target",
        ),
        (
            lambda x: F(x).cross_entropy(x, lib(x).tensor([0, 1]), label_smoothing=1.5),
            (X,),
            "label_smoothing must be between 0.0 and 1.0",
        ),
        (
            lambda x: F(x).binary_cross_entropy(x + 2, x),
            (X,),
            "all elements of input should be between 0 and 1",
        ),
        (
            lambda x: F(x).binary_cross_entropy(x, x[0]),
            (X,),
            "different to the input size",
        ),
        (
            lambda x: F(x).binary_cross_entropy_with_logits(x, x[0]),
            (X,),
            "must be the same as input size",
        ),
        (lambda x: F(x).smooth_l1_loss(x, x, beta=-1.0), (X,), "negative values for beta"),
        (lambda x: F(x).gelu(x, approximate="fast"), (X,), "approximate argument"),
        (
            lambda x: F(x).linear(x, lib(x).ones(4, 5)),
            (X,),
            r"\(2x3 and 5x4\)|cannot be multiplied",
        ),
    ],
)
def test_errors_match_torch(fn: Any, arrays: tuple, match: str) -> None:
    _raises_like_torch(fn, *arrays, match=match)


def test_linear_error_names_shapes() -> None:
    with pytest.raises(RuntimeError, match=r"\[2, 3\].*\[4, 5\].*in_features=5"):
        AF.linear(ag.zeros(2, 3), ag.zeros(4, 5))


# Labels against the class range, with the ignored index outside it (the usual -100, or -7)
# and inside it (1): the first label out of range is named, as in torch; ignored ones count
# for nothing. The check counts the mask's matches against the counted labels.
BAD_LABEL_CASES = [
    ([0, -1, 2, 1], -100),
    ([0, 3, 2, 1], -100),
    ([1, 5, 1, 0], 1),
    ([1, -100, 1, 0], 1),
    ([-100, -100, 2, 0], -100),
    ([-7, 2, -7, 0], -7),
    ([-7, 2, -8, 0], -7),
    ([-100, -100, -100, -100], -100),
]


@pytest.mark.parametrize(("target", "ignore_index"), BAD_LABEL_CASES)
@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_labels_out_of_range_raise_like_torch(target: list, ignore_index: int, name: str) -> None:
    x = np.random.default_rng(0).standard_normal((4, 3))

    def loss(lib_: Any) -> Any:
        fn = getattr(lib_.nn.functional, name)
        return fn(lib_.tensor(x), lib_.tensor(target), ignore_index=ignore_index)

    try:
        expected = loss(torch).item()
    except IndexError as error:
        first = str(error).split(".")[0]  # "Target 5 is out of bounds"
        with pytest.raises(IndexError, match=first):
            loss(ag)
    else:
        np.testing.assert_allclose(loss(ag).item(), expected, rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("ignore_index", [-100, -1, -7, 0, 2])
def test_probability_targets_ignore_negative_ignore_index_like_torch(ignore_index: int) -> None:
    # A negative ignore_index names no class, so PyTorch computes; a class index raises.
    rng = np.random.default_rng(4)
    x, p = rng.standard_normal((3, 4)), rng.dirichlet(np.ones(4), 3)

    def loss(lib_: Any) -> Any:
        logits = lib_.tensor(x, requires_grad=True)
        value = lib_.nn.functional.cross_entropy(logits, lib_.tensor(p), ignore_index=ignore_index)
        value.backward()
        return value.item(), logits.grad.numpy()

    if ignore_index >= 0:
        for lib_ in (torch, ag):
            with pytest.raises(RuntimeError, match="ignore_index is not supported"):
                loss(lib_)
        return
    (theirs, their_grad), (ours, our_grad) = loss(torch), loss(ag)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-12)


def test_byte_targets_are_class_indices_as_in_torch() -> None:
    # PyTorch takes uint8 (Byte) class indices for (N, C) and (C,) inputs.
    x = np.random.default_rng(0).standard_normal((4, 3))

    def fn(x: Any) -> Any:
        byte = lib(x).uint8
        batched = F(x).cross_entropy(x, lib(x).tensor([0, 2, 1, 2], dtype=byte))
        single = F(x).nll_loss(x[0], lib(x).tensor(1, dtype=byte))
        # class weights picked by uint8 labels (a uint8 index tensor would be a mask)
        weight = lib(x).tensor([0.5, 2.0, 1.0], dtype=x.dtype)
        weighted = F(x).nll_loss(x, lib(x).tensor([0, 2, 1, 2], dtype=byte), weight=weight)
        return batched, single, weighted

    check_against_torch(fn, None, [x])


@pytest.mark.parametrize("weighted", [False, True])
def test_ignored_entries_are_positive_zero_as_in_torch(weighted: bool) -> None:
    # reduction="none" gives +0.0 where the target is ignored and -0.0 for a counted target
    # whose log-probability is 0: signs a value comparison would not see.
    x = np.zeros((3, 3), np.float32)
    target = [0, -100, 1]
    weight = [1.0, 0.0, 2.0] if weighted else None

    def losses(lib_: Any) -> np.ndarray:
        w = None if weight is None else lib_.tensor(weight)
        out = lib_.nn.functional.nll_loss(
            lib_.tensor(x), lib_.tensor(target), weight=w, reduction="none"
        )
        return out.numpy()

    ours, theirs = losses(ag), losses(torch)
    assert np.array_equal(np.signbit(ours), np.signbit(theirs)) and np.array_equal(ours, theirs)


def test_kl_div_reductions_edges_and_errors_match_torch() -> None:
    # A target of probability 0 contributes 0 (torch's xlogy), and its gradient is torch's.
    log_probs = np.log(np.array([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]]))
    target = np.array([[0.0, 0.5, 0.5], [0.25, 0.25, 0.5]])
    for reduction in ("none", "sum", "batchmean"):
        check_against_torch(
            lambda x, t, r=reduction: F(x).kl_div(x, t, reduction=r), None, [log_probs, target]
        )
    check_against_torch(
        lambda x: F(x).kl_div(x[0], x[1], reduction="batchmean"), None, [log_probs]
    )  # 1-D: the batch is the first (only) dimension
    with pytest.warns(UserWarning, match="batchmean"):
        AF.kl_div(ag.tensor(log_probs), ag.tensor(target))  # 'mean', as torch warns
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        AF.kl_div(ag.tensor(log_probs), ag.tensor(target), reduction="avg")


def test_group_norm_argument_errors_match_torch() -> None:
    x = ag.tensor(np.ones((2, 6, 3)))
    with pytest.raises(RuntimeError, match="divisible by num_groups"):
        AF.group_norm(x, 4)
    with pytest.raises(RuntimeError, match="Expected weight to be a vector"):
        AF.group_norm(x, 3, ag.ones(5))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        AF.group_norm(ag.ones(6), 3)
    with pytest.raises(ValueError, match=r"num_channels \(6\) must be divisible"):
        ag.nn.GroupNorm(4, 6)
    with pytest.raises(ZeroDivisionError):
        AF.group_norm(x, 0)
    assert AF.group_norm(x, 3).shape == x.shape  # x still usable
    empty = torch.nn.functional.group_norm(torch.zeros(0, 6, 3), 3)
    assert tuple(AF.group_norm(ag.zeros(0, 6, 3), 3).shape) == tuple(empty.shape)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_family_refuses_integer_tensors_like_torch(name: str) -> None:
    # softmin negates first: torch's error for a bool tensor is the negation's (RuntimeError).
    for values in ([1, 2], [True, False]) if name != "softmin" else ([1, 2],):
        with pytest.raises(NotImplementedError):
            getattr(torch.nn.functional, name)(torch.tensor(values), 0)
        with pytest.raises(NotImplementedError, match="lastdim_kernel_impl"):
            getattr(AF, name)(ag.tensor(values), 0)
    converted = getattr(AF, name)(ag.tensor([1, 2]), 0, dtype=ag.float64)
    expected = getattr(torch.nn.functional, name)(torch.tensor([1, 2]), 0, dtype=torch.float64)
    np.testing.assert_allclose(converted.numpy(), expected.numpy())


def test_threshold_keeps_integer_tensors_integer_like_torch() -> None:
    for dtype in ("int64", "int32"):
        mine = AF.threshold(ag.tensor([-4, 1, 5], dtype=getattr(ag, dtype)), 0.5, -2.5)
        theirs = torch.nn.functional.threshold(
            torch.tensor([-4, 1, 5], dtype=getattr(torch, dtype)), 0.5, -2.5
        )
        assert mine.tolist() == theirs.tolist() and mine.dtype.name == dtype
    with pytest.raises(RuntimeError, match="cannot be converted"):
        AF.threshold(ag.tensor([1, 2]), 0.5, float("nan"))
    with pytest.raises(NotImplementedError, match="threshold_cpu"):
        AF.threshold(ag.tensor([True]), 0.5, 1.0)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("relu_", ()),
        ("elu_", (0.5,)),
        ("selu_", ()),
        ("celu_", (2.0,)),
        ("leaky_relu_", (0.1,)),
        ("hardtanh_", (-0.5, 1.5)),
        ("threshold_", (0.5, -7.0)),
    ],
)
def test_functional_inplace_forms_match_torch(name: str, args: tuple) -> None:
    values = [-2.0, -0.3, 0.0, 0.7, 3.0]
    mine, theirs = ag.tensor(values), torch.tensor(values)
    assert getattr(AF, name)(mine, *args) is mine
    getattr(torch.nn.functional, name)(theirs, *args)
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)
    # The gradient flows through an in-place activation of a computed tensor, as in torch.
    x = ag.tensor(values, requires_grad=True)
    getattr(AF, name)(x * 1.0, *args).sum().backward()
    t = torch.tensor(values, requires_grad=True)
    getattr(torch.nn.functional, name)(t * 1.0, *args).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("shape", [(3,), (2, 3), (4, 2, 3), (0, 3), (2, 0, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_grad_fn_and_weight_gradient_layout_match_torch(
    shape: tuple[int, ...], bias: bool
) -> None:
    def run(module: Any) -> tuple[str, Any, Any]:
        x = module.ones(*shape, requires_grad=True)
        w = module.linspace(-1.0, 1.0, 12).reshape(4, 3).requires_grad_()
        b = module.ones(4, requires_grad=True) if bias else None
        out = module.nn.functional.linear(x, w, b)
        out.backward(module.ones(*shape[:-1], 4))
        return out.grad_fn.name(), w.grad, x.grad

    name, w_grad, x_grad = run(ag)
    torch_name, torch_w_grad, torch_x_grad = run(torch)
    assert name == torch_name
    np.testing.assert_allclose(w_grad.numpy(), torch_w_grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(x_grad.numpy(), torch_x_grad.numpy(), rtol=1e-6, atol=1e-6)
    # W.grad is laid out as W (row-major) and is the product itself, not a copy of a view.
    assert w_grad.is_contiguous() and w_grad._data.base is None


def test_linear_double_backward_matches_torch() -> None:
    def run(module: Any) -> list[Any]:
        gen = np.random.default_rng(5)
        x, w, b = (
            module.tensor(gen.standard_normal(shape), requires_grad=True)
            for shape in ((3, 2, 4), (5, 4), (5,))
        )
        out = module.nn.functional.linear(x, w, b).tanh().sum()
        grads = module.autograd.grad(out, (x, w, b), create_graph=True)
        total = sum((g * g).sum() for g in grads)
        return [g.detach().numpy() for g in module.autograd.grad(total, (x, w, b))]

    for mine, theirs in zip(run(ag), run(torch), strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)


def test_linear_and_matmul_of_mixed_dtypes_raise_like_torch() -> None:
    for module in (ag, torch):
        x = module.ones(2, 3, dtype=module.float64)
        with pytest.raises(RuntimeError, match="same dtype"):
            module.nn.functional.linear(x, module.ones(4, 3))
        with pytest.raises(RuntimeError, match="same dtype"):
            module.matmul(x, module.ones(3, 4))
        with pytest.raises(RuntimeError, match="same dtype"):
            module.ones(2, 3) @ module.ones(3, 2, dtype=module.int64)
        with pytest.raises(RuntimeError, match="same dtype"):
            x @ module.nn.Parameter(module.ones(3, 4))  # a parameter is a tensor too
        assert module.matmul(x, x.T).dtype == module.float64  # still usable after the error


@pytest.mark.parametrize("argument", ["input", "bias"])
def test_linear_of_non_tensors_raises_type_error_like_torch(argument: str) -> None:
    for module in (ag, torch):
        x, w, b = module.ones(2, 3), module.ones(4, 3), module.ones(4)
        args = {"input": (np.ones((2, 3), np.float32), w, b), "bias": (x, w, [1.0] * 4)}
        with pytest.raises(TypeError, match=f"argument '{argument}'"):
            module.nn.functional.linear(*args[argument])


def test_nll_loss_checks_class_weights_like_torch() -> None:
    for module in (ag, torch):
        x = module.zeros(3, 5, dtype=module.float64)
        target = module.tensor([0, 1, 2])
        for weight in (
            module.ones(4, dtype=module.float64),
            module.ones(5, 1, dtype=module.float64),
            module.ones(5, dtype=module.float32),
        ):
            for loss in (module.nn.functional.nll_loss, module.nn.functional.cross_entropy):
                with pytest.raises(RuntimeError, match=r"weight tensor should|expected scalar"):
                    loss(x, target, weight=weight)


@pytest.mark.parametrize("loss", ["nll_loss", "cross_entropy"])
@pytest.mark.parametrize("dtype", ["int64", "uint8", "int32", "float32"])
@pytest.mark.parametrize(
    ("input_shape", "target_shape"),
    [
        ((2, 3, 4), (3, 4)),
        ((2, 3, 4), (3,)),
        ((2, 3, 4), (3, 4, 1)),
        ((2, 3, 4), ()),
        ((2, 3, 4, 5), (3, 4, 5)),
        ((2, 3, 4, 5, 6), (1, 4, 5, 6)),
        ((0, 3, 4), (1, 4)),
        ((2, 0, 4), (3, 4)),
        ((2, 3), (3,)),
        ((2, 3), (3, 2)),
        ((2, 3), ()),
        ((2, 3, 4), (2, 5)),
    ],
)
def test_class_losses_check_the_batch_size_first_like_torch(
    loss: str, dtype: str, input_shape: tuple, target_shape: tuple
) -> None:
    # PyTorch compares the batch sizes before the target's dtype and shape, and the weights
    def run(module: Any) -> Any:
        x = module.zeros(input_shape)
        target = module.zeros(target_shape, dtype=getattr(module, dtype))
        weight = module.ones(7)  # of the wrong size: refused after the batch size
        return getattr(module.nn.functional, loss)(x, target, weight=weight).tolist()

    theirs, ours = outcome_in_each(run, (RuntimeError, IndexError, ValueError))
    assert ours == theirs


def test_uint8_targets_past_255_classes_match_torch() -> None:
    logits = np.random.default_rng(7).standard_normal((2, 300))

    def run(module: Any) -> tuple[Any, Any]:
        x = module.tensor(logits, requires_grad=True)
        loss = module.nn.functional.cross_entropy(x, module.tensor([0, 255], dtype=module.uint8))
        loss.backward()
        return loss.item(), x.grad.numpy()

    (mine, mine_grad), (theirs, theirs_grad) = run(ag), run(torch)
    assert mine == pytest.approx(theirs, rel=1e-12)
    np.testing.assert_allclose(mine_grad, theirs_grad, rtol=1e-10, atol=1e-15)


# Points on the ELU family's kink, beside it, and at its edges (signed zeros, nan, infinities).
ELU_POINTS = np.array([-1e-3, -0.0, 0.0, 1e-3, -1.0, 2.0, -800.0, np.nan, np.inf, -np.inf])


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: F(x).elu(x),
        lambda x: F(x).elu(x, 2.0),
        lambda x: F(x).elu(x, 0.5),
        lambda x: F(x).elu(x, -0.5),
        lambda x: F(x).selu(x),
        lambda x: F(x).celu(x, 3.0),
        lambda x: F(x).celu(x, -2.0),
        # Finite points only: times x = inf, PyTorch's computed zero second derivative of the
        # linear side becomes nan, where the composition has no term to multiply.
        lambda x: F(x).elu(x[:7]) * x[:7],
    ],
    ids=["elu", "elu_2", "elu_half", "elu_negative", "selu", "celu_3", "celu_neg", "elu_times_x"],
)
def test_elu_family_higher_derivatives_at_zero_match_torch(fn: Any) -> None:
    # PyTorch's first derivative at 0 is the exponential side's (alpha * scale * input_scale),
    # but its double backward masks with x < 0: the second and third derivatives at 0 are 0.
    check_higher_derivatives_against_torch(fn, [ELU_POINTS])
    # Forward values, signed zeros included (elu(-0.0) = -0.0, as in PyTorch).
    mine, theirs = (fn(library.tensor(ELU_POINTS)).detach().numpy() for library in (ag, torch))
    np.testing.assert_array_equal(mine, theirs)
    np.testing.assert_array_equal(np.signbit(mine), np.signbit(theirs))


# A zero vector beside an ordinary one, and the same near zero.
ZERO_ROW = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, -1.0]])
NEAR_ZERO_ROW = np.array([[1e-3, -2e-3, 0.5e-3], [1.0, 2.0, -1.0]])


@pytest.mark.parametrize(
    "fn",
    [
        lambda x, y: F(x).normalize(x),
        lambda x, y: F(x).cosine_similarity(x, y),
        lambda x, y: F(x).cosine_similarity(x, x * y),
        lambda x, y: F(x).pairwise_distance(x, y * 0, eps=0.0),
    ],
    ids=[
        "normalize",
        "cosine_similarity",
        "cosine_similarity_both",
        "pairwise_distance",
    ],
)
def test_norm_composites_higher_derivatives_match_torch(fn: Any) -> None:
    # Each takes PyTorch's vector norm (normalize and cosine_similarity divide by it, clamped):
    # its rule's 0 / 0 at a zero vector makes their second derivatives there nan.
    other = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, 1.0]])
    for point in (ZERO_ROW, NEAR_ZERO_ROW):
        check_higher_derivatives_against_torch(fn, [point, other])


_LAYER_NORM_DTYPES = ["float32", "float64", "bfloat16", "float16", None]


@pytest.mark.parametrize("input_dtype", _LAYER_NORM_DTYPES[:4])
def test_layer_norm_parameters_of_other_dtypes_as_torch(input_dtype: str) -> None:
    # torch's CPU kernel: parameters of the input's dtype, or float32 ones for a float16 or
    # bfloat16 input ("mixed dtype"); anything else raises
    for weight_dtype in _LAYER_NORM_DTYPES:
        for bias_dtype in _LAYER_NORM_DTYPES:
            outcomes = []
            for lib in (ag, torch):
                x = lib.ones(2, 3, dtype=getattr(lib, input_dtype))
                w, b = (
                    None if d is None else lib.ones(3, dtype=getattr(lib, d))
                    for d in (weight_dtype, bias_dtype)
                )
                try:
                    out = lib.nn.functional.layer_norm(x, (3,), w, b)
                    outcomes.append(str(out.dtype).split(".")[-1])
                except RuntimeError as error:
                    outcomes.append(str(error)[:40])
            assert outcomes[0] == outcomes[1], (weight_dtype, bias_dtype)


_NORM_CALLS = {
    "batch_norm_train": lambda F, x, w, b, rm, rv: F.batch_norm(x, rm, rv, w, b, training=True),
    "batch_norm_eval": lambda F, x, w, b, rm, rv: F.batch_norm(x, rm, rv, w, b),
    "group_norm": lambda F, x, w, b, rm, rv: F.group_norm(x, 2, w, b),
}


@pytest.mark.parametrize("name", sorted(_NORM_CALLS))
@pytest.mark.parametrize("input_dtype", ["float16", "bfloat16", "float32", "float64", "int64"])
def test_batch_and_group_norm_parameters_of_other_dtypes_as_torch(
    name: str, input_dtype: str
) -> None:
    # torch's CPU kernels: parameters of the input's dtype, or float32 ones for a float16 or
    # bfloat16 input, computed in float32 and rounded once to the input's dtype (arraygrad
    # had promoted: a float32 result for float16 input and float32 parameters); anything
    # else raises, integers before the parameters are looked at
    rng = np.random.default_rng(5)
    values = rng.standard_normal((6, 4, 3)).astype(np.float32)
    parameters = rng.uniform(0.5, 1.5, (4, 4)).astype(np.float32)
    for parameter_dtypes in (
        [input_dtype] * 4,
        ["float32"] * 4,
        ["float32", "float32", "float16", "float16"],
        [input_dtype, input_dtype, "float32", "float32"],
    ):
        outcomes = []
        for lib in (ag, torch):
            x = lib.tensor(values).to(getattr(lib, input_dtype))
            given = [
                lib.tensor(p).to(getattr(lib, d))
                for p, d in zip(parameters, parameter_dtypes, strict=True)
            ]
            try:
                out = _NORM_CALLS[name](lib.nn.functional, x, *given)
                outcomes.append(
                    (str(out.dtype).split(".")[-1], out.double().numpy(), given[2].double().numpy())
                )
            except (RuntimeError, NotImplementedError) as error:
                outcomes.append((type(error).__name__, str(error)[:38], None))
        ours, theirs = outcomes
        assert ours[0] == theirs[0], parameter_dtypes
        # one rounding, as torch's; a training batch's statistics kept in float16 as torch
        # keeps them beside float16 parameters (bfloat16's training outputs still differ)
        exact = input_dtype == "float16" or name != "batch_norm_train"
        if input_dtype in ("float16", "bfloat16") and exact:
            np.testing.assert_array_equal(ours[1], theirs[1])
        elif isinstance(ours[1], np.ndarray):
            np.testing.assert_allclose(ours[1], theirs[1], rtol=0.02, atol=0.02)
            np.testing.assert_allclose(ours[2], theirs[2], rtol=0.01)  # the running mean
        else:
            assert ours[1] == theirs[1]


@pytest.mark.parametrize(
    ("input_dtype", "target_dtype"),
    [
        ("float64", "float32"),
        ("float32", "float64"),
        ("float32", "bfloat16"),
        ("float16", "float32"),
    ],
)
def test_huber_and_bce_with_logits_result_dtypes_of_two_dtypes_as_torch(
    input_dtype: str, target_dtype: str
) -> None:
    # torch's huber_loss stores the loss like its input; binary_cross_entropy_with_logits
    # computes in place in 1 - target, so its loss has the target's dtype
    results = []
    for lib in (ag, torch):
        rng = np.random.default_rng(0)
        x = lib.tensor(rng.standard_normal((3, 4))).to(getattr(lib, input_dtype))
        y = lib.tensor(rng.uniform(0, 1, (3, 4))).to(getattr(lib, target_dtype))
        f = lib.nn.functional
        losses = [
            f.huber_loss(x, y, reduction="none"),
            f.huber_loss(x, y),
            f.binary_cross_entropy_with_logits(x, y, reduction="none"),
            f.binary_cross_entropy_with_logits(x, y, lib.full((3, 4), 0.5)),
        ]
        results.append([(str(v.dtype).split(".")[-1], v.double().tolist()) for v in losses])
    reduced = {input_dtype, target_dtype} & {"float16", "bfloat16"}
    for (mine_dtype, mine), (their_dtype, theirs) in zip(*results, strict=True):
        assert mine_dtype == their_dtype
        # a float16 logit's softplus rounds otherwise than torch's log_sigmoid (in the last bit)
        np.testing.assert_allclose(mine, theirs, rtol=2e-3 if reduced else 1e-6)


@pytest.mark.parametrize(
    ("input_shape", "contiguous", "bias_dtype"),
    [((2, 3), True, "float64"), ((3,), True, "float64"), ((2, 2, 3), True, "float16")]
    + [((2, 3), True, "int64"), ((2, 2, 3), False, "float64"), ((2, 2, 3), False, "int64")],
)
def test_linear_with_a_bias_of_another_dtype_as_torch(
    input_shape: tuple[int, ...], contiguous: bool, bias_dtype: str
) -> None:
    # torch's addmm takes no bias of another dtype; a non-contiguous batch adds it in place
    outcomes = []
    for lib in (ag, torch):
        x = lib.ones(*input_shape)
        x = x if contiguous else x.transpose(0, 1)
        bias = lib.full((4,), 0.5).to(getattr(lib, bias_dtype))
        try:
            out = lib.nn.functional.linear(x, lib.ones(4, 3), bias)
            outcomes.append((str(out.dtype).split(".")[-1], out.tolist()))
        except RuntimeError as error:
            outcomes.append((str(error).split(":")[0], None))
    assert outcomes[0] == outcomes[1]


# grad_fn names of the activations and losses that arraygrad composes of other primitives:
# printed with every loss (tensor(0.69, grad_fn=<NllLossBackward0>)), so named as torch's kernels.
FUNCTIONAL_GRAD_FN_NAMES = [
    "F.softmax(x, 1)", "x.softmax(0)", "F.softmax(x.t(), 1)", "F.softmax(x, 1, dtype=lib.float64)",
    "F.softmax(x.bfloat16(), 1)", "F.softmax(x[0, 0], 0)", "F.softmin(x, 1)",
    "F.log_softmax(x, 1)", "x.log_softmax(0)", "F.log_softmax(x[0, 0], 0)",
    "F.gelu(x)", "F.gelu(x, approximate='tanh')", "F.gelu(x.bfloat16())", "F.silu(x)",
    "F.leaky_relu(x)", "F.leaky_relu(x, 0.2)", "F.elu(x)", "F.selu(x)", "F.celu(x, 2.0)",
    "F.hardtanh(x)", "F.relu6(x)", "F.softplus(x)", "F.softplus(x.bfloat16(), beta=2)",
    "F.logsigmoid(x)", "F.mish(x)", "F.hardsigmoid(x)", "F.hardswish(x)",
    "F.layer_norm(x, (3,))", "F.layer_norm(x, (2, 3), lib.ones(2, 3), lib.zeros(2, 3))",
    "F.layer_norm(x.bfloat16(), (3,))", "F.layer_norm(x.t(), (2,))", "F.embedding(c, x.t())",
    "F.embedding(c, x.t(), padding_idx=0)", "F.embedding(c, x.t().clone(), max_norm=1.0)",
    "F.mse_loss(x, t)", "F.mse_loss(x, t, reduction='none')", "F.mse_loss(x, t, reduction='sum')",
    "F.mse_loss(t, x)", "F.mse_loss(x, t, weight=lib.ones(2, 3))",
    "F.cross_entropy(x, c)", "F.cross_entropy(x, c, reduction='none')",
    "F.cross_entropy(x[0], c[0])", "F.cross_entropy(x, c, weight=lib.ones(3))",
    "F.cross_entropy(x, c, label_smoothing=0.1)",
    "F.cross_entropy(x.bfloat16(), c)", "F.nll_loss(x, c)", "F.nll_loss(x, c, reduction='sum')",
    "F.binary_cross_entropy(x.sigmoid(), t)", "F.binary_cross_entropy(x.sigmoid(), t, weight=t)",
    "F.binary_cross_entropy(x.sigmoid(), t, reduction='none')",
    "F.binary_cross_entropy_with_logits(x, t)",
    "F.binary_cross_entropy_with_logits(x, t, pos_weight=lib.ones(3), reduction='none')",
]  # fmt: skip


@pytest.mark.parametrize("expression", FUNCTIONAL_GRAD_FN_NAMES)
def test_grad_fn_names_as_torch_does(expression: str) -> None:
    mine, theirs = grad_fn_names(
        expression,
        t=lambda lib: lib.full((2, 3), 0.5),
        c=lambda lib: lib.tensor([2, 0]),
        F=lambda lib: lib.nn.functional,
    )
    assert mine == theirs


@pytest.mark.parametrize("dtype", ["int64", "int8", "uint8", "bool"])
@pytest.mark.parametrize(
    "call",
    [
        lambda F, x: F.hardtanh(x),
        lambda F, x: F.hardtanh(x, -2.5, 2.5),  # limits truncated: [-2, 2], the dtype kept
        lambda F, x: F.hardtanh(x, 0.5, 3.9),  # (uint8 takes limits truncated to 0 and up)
        lambda F, x: F.hardtanh(x.clone(), -2, 2, inplace=True),
        lambda F, x: F.relu6(x),
        lambda F, x: F.hardtanh(x, -300, 300),  # beyond int8 and uint8: the overflow error
        lambda F, x: F.hardtanh(x, float("-inf"), 1),  # beyond int64
    ],
)
def test_hardtanh_of_integers_keeps_their_dtype_as_torch(call: Any, dtype: str) -> None:
    # torch clamps an integer tensor to its limits as int64s, keeping its dtype, and refuses
    # bool, and negative limits for uint8: arraygrad made float32 of the integers (and failed
    # to write them back in place) and computed on bool and uint8
    def outcome(lib: Any) -> Any:
        x = lib.tensor([-3, 0, 1, 3, 100], dtype=getattr(lib, dtype))
        result = call(lib.nn.functional, x)
        return result.tolist(), str(result.dtype).split(".")[-1]

    theirs, mine = outcome_in_each(outcome)
    assert mine == theirs


# Regression: the activations computed integer and bool tensors in float32 (their in-place
# forms failed to cast the result back), where torch has no kernel for them and raises
# NotImplementedError naming it; silu alone takes complex tensors.
ACTIVATIONS_OF_ONE_TENSOR = {
    "elu": lambda F, x: F.elu(x),
    "elu_": lambda F, x: F.elu_(x),
    "selu": lambda F, x: F.selu(x),
    "selu_": lambda F, x: F.selu_(x),
    "celu": lambda F, x: F.celu(x, 2.0),
    "celu_": lambda F, x: F.celu_(x),
    "gelu": lambda F, x: F.gelu(x),
    "gelu tanh": lambda F, x: F.gelu(x, approximate="tanh"),
    "silu": lambda F, x: F.silu(x),
    "silu inplace": lambda F, x: F.silu(x, inplace=True),
    "mish": lambda F, x: F.mish(x),
    "softplus": lambda F, x: F.softplus(x, beta=2.0),
    "logsigmoid": lambda F, x: F.logsigmoid(x),
    "hardsigmoid": lambda F, x: F.hardsigmoid(x),
    "hardshrink": lambda F, x: F.hardshrink(x),
    "softshrink": lambda F, x: F.softshrink(x),
    "leaky_relu": lambda F, x: F.leaky_relu(x),
    "leaky_relu_": lambda F, x: F.leaky_relu_(x),
    "rrelu": lambda F, x: F.rrelu(x),
    "rrelu_": lambda F, x: F.rrelu_(x),
    "rrelu training": lambda F, x: F.rrelu(x, training=True),
    "hardswish": lambda F, x: F.hardswish(x),
    "ELU module": lambda F, x: _module_of(F).ELU()(x),
}


def _module_of(F: Any) -> Any:
    """The ``nn`` module beside the functional module ``F``."""
    return torch.nn if F is torch.nn.functional else ag.nn


@pytest.mark.parametrize("dtype", ["int64", "bool", "int8", "uint8", "complex64", "float32"])
@pytest.mark.parametrize("name", list(ACTIVATIONS_OF_ONE_TENSOR))
def test_activation_takes_the_dtypes_torch_takes(name: str, dtype: str) -> None:
    call = ACTIVATIONS_OF_ONE_TENSOR[name]
    assert_refused_as_torch(lambda lib, x: call(lib.nn.functional, x), dtype)


def test_activation_checks_its_arguments_before_the_dtype_as_torch() -> None:
    x = ag.tensor([1, 2])
    with pytest.raises(RuntimeError, match="approximate argument"):
        AF.gelu(x, approximate="cubic")
    with pytest.raises(RuntimeError, match="alpha cannot be 0"):
        AF.celu(x, alpha=0.0)


# Regression (emptygrid): losses of 0-d and empty inputs. nll_loss of a 0-d input raised an
# IndexError from its batch check (torch: ValueError, no class dimension); cross_entropy with
# class probabilities took class weights of any shape (torch: RuntimeError, one weight per
# class), and the mean losses of an empty batch warned "Mean of empty slice".
EMPTY_LOSS_CASES = [
    ("nll_0d", lambda L, x: L.nn.functional.nll_loss(x, L.tensor(0)), [()]),
    ("nll_empty_batch", lambda L, x: L.nn.functional.nll_loss(
        x, L.zeros(x.shape[0], dtype=L.int64)), [(0, 3), (0, 0)]),
    ("ce_probabilities_weight", lambda L, x: L.nn.functional.cross_entropy(x, x * 0.5, x[0]),
     [(3, 0), (2, 0, 3), (2, 3)]),
    ("ce_probabilities_weight_shape", lambda L, x: L.nn.functional.cross_entropy(
        x, x * 0.5, x.reshape(-1)), [(1, 3), (3, 0), (0, 0)]),
    ("ce_empty_batch", lambda L, x: L.nn.functional.cross_entropy(
        x, L.zeros(x.shape[0], dtype=L.int64)), [(0, 3)]),
    ("bce_empty", lambda L, x: L.nn.functional.binary_cross_entropy(x, x), [(0,), (3, 0)]),
    ("kl_div_empty", lambda L, x: L.nn.functional.kl_div(x, x, reduction="batchmean"), [(0, 3)]),
    ("margin_ranking_empty", lambda L, x: L.nn.functional.margin_ranking_loss(x, x * 2, x),
     [(0,)]),
]  # fmt: skip


@shape_cases(EMPTY_LOSS_CASES)
def test_losses_of_empty_and_0d_inputs_as_torch(call: Any, shape: tuple[int, ...]) -> None:
    assert_like_torch_on(call, shape)


# PyTorch's losses and normalisations are one kernel each, their result's node named after it;
# arraygrad composes them, and names the result's node as PyTorch's (regression: MeanBackward0,
# WhereBackward0, AddBackward0, ViewBackward0, after the last op of the composition).
NAMED_RESULTS = [
    "F.huber_loss(x, z)", "F.huber_loss(x, z, reduction='sum', delta=0.5)",
    "F.huber_loss(x, z, reduction='none')", "F.huber_loss(x.double(), z)",
    "F.huber_loss(x, z, weight=lib.ones(2, 3))", "lib.nn.HuberLoss()(x, z)",
    "F.smooth_l1_loss(x, z)", "F.smooth_l1_loss(x, z, beta=0.5, reduction='none')",
    "F.smooth_l1_loss(x, z, beta=0.0)", "F.batch_norm(x, None, None, training=True)",
    "F.batch_norm(x, lib.zeros(3), lib.ones(3))",
    "F.batch_norm(x, None, None, lib.ones(3), None, True)", "lib.nn.BatchNorm1d(3)(x)",
    "lib.nn.BatchNorm1d(2)(x[None])", "F.batch_norm(x.bfloat16(), None, None, training=True)",
    "F.batch_norm(x[:0], None, None, training=True)", "F.group_norm(x[None], 2)",
    "lib.nn.GroupNorm(1, 2)(x[None])", "F.group_norm(x[None].half(), 1)",
    "F.instance_norm(x[None])", "F.layer_norm(x, (3,))",
]  # fmt: skip


@pytest.mark.parametrize("expression", NAMED_RESULTS)
def test_results_are_named_as_torchs_nodes(expression: str) -> None:
    mine, theirs = grad_fn_names(
        expression, F=lambda lib: lib.nn.functional, z=lambda lib: lib.zeros(2, 3)
    )
    assert mine == theirs


def test_logsigmoid_of_large_inputs_is_positive_zero_as_torch() -> None:
    # Regression: -softplus(-x) gave -0.0 where torch's min(x, 0) - log1p(exp(-|x|)) gives 0.0.
    values = [1000.0, 50.0, float("inf"), 0.0, -3.0, float("-inf")]
    signs = [
        [math.copysign(1.0, v) for v in lib.nn.functional.logsigmoid(lib.tensor(values)).tolist()]
        for lib in (torch, ag)
    ]
    assert signs[1] == signs[0]
