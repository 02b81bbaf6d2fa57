"""Losses and the functions they are built of, at their domain edges, against torch 2.13.0.

Each case runs one function, written against the API both libraries share, on the same inputs in
arraygrad and in torch, and compares the values and the gradients of every floating input (from
a fixed cotangent without zeros, so that an infinite gradient cannot hide behind a zero) at the
points where formulas break down: probabilities 0 and 1, exact ties at kinks, -inf / inf / huge
inputs, zero vectors, empty batches. Float64 unless the edge is a float32 phenomenon (a sigmoid
saturated to exactly 1.0). Expected values are torch's, computed in the test.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
import arraygrad.nn.functional as AF
from tests.oracle import outcome_in_each, strict_backend

INF = np.inf
NAN = np.nan


def F(x: Any) -> Any:
    """The functional module of ``x``'s library."""
    return torch.nn.functional if isinstance(x, torch.Tensor) else AF


def lib(x: Any) -> Any:
    """The top-level module (``torch`` or ``arraygrad``) of ``x``'s library."""
    return torch if isinstance(x, torch.Tensor) else ag


def _numpy(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):  # force: torch's gradient of sign is a ZeroTensor
        return np.asarray(value.detach().numpy(force=True))
    return np.asarray(value.detach().numpy())


def _run(
    module: Any, fn: Callable[..., Any], arrays: Sequence[np.ndarray], wrt: Sequence[int]
) -> tuple[list[np.ndarray], list[np.ndarray | None], list[Any]]:
    """``fn``'s outputs and the gradients of the inputs ``wrt`` (None where unused)."""
    tensors = [
        module.tensor(a, requires_grad=i in wrt) if isinstance(a, np.ndarray) else a
        for i, a in enumerate(arrays)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NumPy's notes on log(0), inf - inf, ...
        outs = fn(*tensors)
        outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
        grads: list[np.ndarray | None] = [None] * len(wrt)
        diff = [o for o in outs if o.requires_grad]
        if wrt and diff:
            cotangents = [
                module.tensor(
                    np.linspace(0.5, 1.5, o.numel()).reshape(tuple(o.shape)), dtype=o.dtype
                )
                for o in diff
            ]
            found = module.autograd.grad(
                diff, [tensors[i] for i in wrt], cotangents, allow_unused=True
            )
            grads = [None if g is None else _numpy(g) for g in found]
    return [_numpy(o) for o in outs], grads, [o.dtype for o in outs]


def check_edges(
    fn: Callable[..., Any],
    *arrays: Any,
    wrt: Sequence[int] | None = None,
    rtol: float = 1e-13,
    atol: float = 0.0,
) -> None:
    """Assert arraygrad's ``fn`` gives torch's values and gradients (``nan`` and infinities in
    the same places, finite values within ``rtol`` / ``atol``)."""
    if wrt is None:
        wrt = [
            i
            for i, a in enumerate(arrays)
            if isinstance(a, np.ndarray) and np.issubdtype(a.dtype, np.floating)
        ]
    mine, my_grads, my_dtypes = _run(ag, fn, arrays, wrt)
    theirs, their_grads, their_dtypes = _run(torch, fn, arrays, wrt)
    assert len(mine) == len(theirs)
    for index, (a, b) in enumerate(zip(mine, theirs, strict=True)):
        assert a.shape == b.shape, (index, a.shape, b.shape)
        assert str(my_dtypes[index]).split(".")[-1] == str(their_dtypes[index]).split(".")[-1]
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"output {index}")
    for index, a, b in zip(wrt, my_grads, their_grads, strict=True):
        if b is None:
            assert a is None or not np.any(a), f"torch gives input {index} no gradient"
            continue
        assert a is not None, f"arraygrad gave no gradient for input {index}"
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"gradient {index}")


def f64(*values: Any) -> np.ndarray:
    return np.array(values, dtype=np.float64)


# --- binary_cross_entropy ------------------------------------------------------------------------

# Saturated and nearly saturated probabilities against agreeing and disagreeing targets.
BCE_P = f64(0.0, 1.0, 0.0, 1.0, 1e-50, 1e-8, 1 - 1e-16, 0.5, 5e-324, 1e-300, 0.3, 1.0)
BCE_T = f64(0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.2, 0.5, 1.0, 0.0, 0.7, 0.25)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_at_saturated_probabilities(reduction: str, weighted: bool) -> None:
    def fn(p: Any, t: Any) -> Any:
        weight = lib(p).linspace(0.5, 2.0, p.numel(), dtype=p.dtype) if weighted else None
        return F(p).binary_cross_entropy(p, t, weight=weight, reduction=reduction)

    # Gradients for the target too: -g logit(p), infinite at p = 0 and 1.
    check_edges(fn, BCE_P, BCE_T, rtol=1e-15)


def test_bce_first_derivatives_are_torchs_bits() -> None:
    # Unreduced and unweighted, the gradient is the kernel's own formula, bit for bit.
    fn = lambda p, t: F(p).binary_cross_entropy(p, t, reduction="none")
    mine, my_grads, _ = _run(ag, fn, [BCE_P, BCE_T], [0, 1])
    theirs, their_grads, _ = _run(torch, fn, [BCE_P, BCE_T], [0, 1])
    assert mine[0].tobytes() == theirs[0].tobytes()
    assert my_grads[0] is not None and their_grads[0] is not None
    assert my_grads[0].tobytes() == their_grads[0].tobytes()
    np.testing.assert_allclose(my_grads[1], their_grads[1], rtol=1e-15)


def test_bce_of_a_saturated_float32_sigmoid() -> None:
    # float32's sigmoid is exactly 1.0 beyond a logit of about 17 (and 0 below about -104): the
    # gradient for the probability must still pull a wrong prediction back (about 1e12, not 0).
    logits = np.array([20.0, 17.0, 30.0, -104.0, -120.0, 0.3, -20.0], dtype=np.float32)
    targets = np.array([0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.5], dtype=np.float32)
    fn = lambda x, t: F(x).binary_cross_entropy(lib(x).sigmoid(x), t)
    check_edges(fn, logits, targets, wrt=[0], rtol=1e-6)
    probabilities = torch.sigmoid(torch.tensor(logits)).numpy()
    assert probabilities[0] == 1.0 and probabilities[3] == 0.0  # saturated, as said above
    loss = lambda p, t: F(p).binary_cross_entropy(p, t, reduction="none")
    check_edges(loss, probabilities, targets, wrt=[0], rtol=1e-6)
    grads = _run(ag, loss, [probabilities, targets], [0])[1][0]
    assert grads is not None and grads[0] > 1e11 and grads[3] < -1e11


def test_bce_log1p_for_small_probabilities() -> None:
    check_edges(
        lambda p, t: F(p).binary_cross_entropy(p, t, reduction="none"),
        f64(1e-8, 1e-17, 2e-16),
        f64(0.0, 0.0, 0.0),
        rtol=0,
    )


def test_bce_second_derivatives_match_torch() -> None:
    # Away from the edges: the derivative of g (p - t) / ((1 - p) p); at them PyTorch's own
    # double backward (eps = 1e-12 added to p and 1 - p), which is what arraygrad records.
    p = f64(0.0, 1.0, 1e-50, 1e-8, 0.3, 0.9, 0.0, 1.0, 0.5)
    t = f64(1.0, 0.0, 1.0, 0.0, 0.7, 0.2, 0.0, 1.0, 0.5)
    u = np.linspace(0.5, 1.5, p.size)
    v = np.linspace(-1.0, 1.0, p.size)
    results = []
    for module in (ag, torch):
        pt, tt, ut = (module.tensor(a, requires_grad=True) for a in (p, t, u))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loss = F(pt).binary_cross_entropy(pt, tt, reduction="none")
            gp, gt = module.autograd.grad(loss, (pt, tt), ut, create_graph=True)
            second = module.autograd.grad((gp * module.tensor(v)).sum(), (pt, tt, ut))
            # The target's gradient, -u logit(p), has logit's derivative: infinite at 0 and 1.
            third = module.autograd.grad((gt * module.tensor(v)).sum(), (pt, ut))
        results.append([_numpy(g) for g in (*second, *third)])
    for index, (a, b) in enumerate(zip(*results, strict=True)):
        np.testing.assert_allclose(a, b, rtol=1e-15, err_msg=f"second derivative {index}")


def test_bce_gradgradcheck_inside_the_domain() -> None:
    rng = np.random.default_rng(0)
    p = ag.tensor(rng.uniform(0.05, 0.95, (3, 2)), requires_grad=True)
    t = ag.tensor(rng.uniform(0.0, 1.0, (3, 2)), requires_grad=True)
    w = ag.tensor(rng.uniform(0.5, 2.0, (3, 2)))

    def fn(p: Any, t: Any) -> Any:
        return AF.binary_cross_entropy(p, t, weight=w, reduction="sum")

    assert ag.autograd.gradcheck(fn, (p, t))
    assert ag.autograd.gradgradcheck(fn, (p, t), atol=1e-5, rtol=1e-3)


def test_bce_empty_batch() -> None:
    empty = np.zeros((0, 3))
    for reduction in ("mean", "sum", "none"):
        check_edges(
            lambda p, t, r=reduction: F(p).binary_cross_entropy(p, t, reduction=r), empty, empty
        )


@pytest.mark.parametrize(
    ("p", "t", "match"),
    [
        (f64(0.5, NAN), f64(0.0, 1.0), "all elements of input should be between 0 and 1"),
        (f64(0.5, 1.5), f64(0.0, 1.0), "all elements of input should be between 0 and 1"),
        (f64(0.5, 0.5), f64(0.0, 1.5), "all elements of target should be between 0 and 1"),
        (f64(0.5, 0.5), f64(-0.1, 1.0), "all elements of target should be between 0 and 1"),
        (f64(0.5, 0.5), f64(0.0, NAN), "all elements of target should be between 0 and 1"),
    ],
)
def test_bce_refuses_what_torch_refuses(p: np.ndarray, t: np.ndarray, match: str) -> None:
    for module in (torch, ag):
        with pytest.raises(RuntimeError, match=match):
            module.nn.functional.binary_cross_entropy(module.tensor(p), module.tensor(t))


def test_bce_refuses_a_target_of_another_dtype_like_torch() -> None:
    for module in (torch, ag):
        p = module.tensor([0.3, 0.6], dtype=module.float64)
        with pytest.raises(RuntimeError, match="Found dtype Float but expected Double"):
            module.nn.functional.binary_cross_entropy(p, module.tensor([0.0, 1.0]))


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("position", [0, 1, 2])
@pytest.mark.parametrize("plain", [list, np.array])
def test_class_losses_refuse_arguments_that_are_not_tensors_like_torch(
    name: str, position: int, plain: Any
) -> None:
    # Labels as a list or a NumPy array reached the loss's shape code (AttributeError); torch
    # refuses them while it parses its arguments, naming the argument and the type.
    messages = []
    for module in (torch, ag):
        arguments: list[Any] = [
            module.tensor([[0.5, -1.0, 2.0]]),
            module.tensor([2]),
            module.tensor([1.0, 2.0, 3.0]),
        ]
        arguments[position] = plain(arguments[position].tolist())
        with pytest.raises(TypeError) as raised:
            getattr(module.nn.functional, name)(*arguments)
        messages.append(str(raised.value).split(". Fix")[0])
    assert messages[0] == messages[1]


# --- sign and sgn ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["sign", "sgn"])
def test_sign_of_nan_is_zero_like_torch(name: str, dtype: type) -> None:
    x = np.array([NAN, -NAN, -0.0, 0.0, 2.0, -3.0, INF, -INF, 1e-45], dtype=dtype)
    check_edges(lambda x: getattr(lib(x), name)(x), x, rtol=0)
    check_edges(lambda x: x.abs(), x, rtol=0)  # abs' gradient is sign: 0 at nan too
    assert not np.signbit(ag.sign(ag.tensor(x)).numpy()[:4]).any()


# --- the sweep: every loss and its building blocks at their edges --------------------------------

Case = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]

EDGE = f64(0.0, -0.0, 1.0, -1.0, 1e-300, -1e-300, 800.0, -800.0, 1e4, -1e4, INF, -INF)


def _with_target(t: np.ndarray) -> Callable[..., Any]:
    return lambda fn: lambda x, target=t: fn(x, lib(x).tensor(target))


SWEEP: dict[str, Case] = {
    # element-wise building blocks
    "logsigmoid": (lambda x: F(x).logsigmoid(x), (EDGE,), {}),
    "softplus": (lambda x: F(x).softplus(x), (EDGE,), {}),
    "softplus_at_threshold": (
        lambda x: F(x).softplus(x, beta=2.0, threshold=20.0),
        (f64(10.0, 10.0 + 1e-15, 10.0 - 1e-15, -10.0, 0.0, INF, -INF),),
        {},
    ),
    "softplus_beta_half": (lambda x: F(x).softplus(x, beta=0.5, threshold=3.0), (EDGE,), {}),
    # softmax family with infinite entries and whole rows of -inf
    "log_softmax_inf": (
        lambda x: F(x).log_softmax(x, dim=1),
        (np.array([[0.0, -INF, 1.0], [-INF, -INF, -INF], [INF, 0.0, 1.0], [1e308, -1e308, 0.0]]),),
        {},
    ),
    "softmax_inf": (
        lambda x: F(x).softmax(x, dim=1),
        (np.array([[0.0, -INF, 1.0], [-INF, -INF, -INF], [INF, 0.0, 1.0], [1e308, -1e308, 0.0]]),),
        {},
    ),
    "softmax_neg_inf_rows": (
        lambda x: F(x).softmax(x, dim=-1),
        (np.array([[0.0, -INF, -INF], [-INF, 5.0, -INF]]),),
        {},
    ),
    "log_softmax_neg_inf_rows": (
        lambda x: F(x).log_softmax(x, dim=-1),
        (np.array([[0.0, -INF, -INF], [-INF, 5.0, -INF]]),),
        {},
    ),
    # normalisation of zero vectors
    "normalize_zero": (
        lambda x: F(x).normalize(x, dim=1),
        (np.array([[0.0, 0.0, 0.0], [1e-13, 0.0, 0.0], [3.0, 4.0, 0.0]]),),
        {},
    ),
    "normalize_zero_p1": (
        lambda x: F(x).normalize(x, p=1.0, dim=1),
        (np.array([[0.0, 0.0, 0.0], [1e-13, -1e-13, 0.0], [3.0, -4.0, 0.0]]),),
        {},
    ),
    "cosine_similarity_zero": (
        lambda a, b: F(a).cosine_similarity(a, b, dim=1),
        (
            np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 2.0], [1e-9, 0.0]]),
            np.array([[0.0, 0.0], [1.0, 2.0], [0.0, 0.0], [1e-9, 1e-9]]),
        ),
        {},
    ),
    "cosine_similarity_huge": (
        lambda a, b: F(a).cosine_similarity(a, b),
        (
            np.array([[1e200, 1e200], [1e-200, 0.0], [INF, 1.0]]),
            np.array([[1e200, 0.0], [1e-200, 1e-200], [1.0, 1.0]]),
        ),
        {},
    ),
    "cosine_similarity_at_eps": (
        lambda a, b: F(a).cosine_similarity(a, b, eps=1.0),
        (np.array([[0.6, 0.8], [0.3, 0.4]]), np.array([[0.5, 0.0], [2.0, 0.0]])),
        {},
    ),
    "normalize_at_eps_and_inf": (
        lambda x: F(x).normalize(x, dim=1, eps=1.0),
        (np.array([[0.6, 0.8], [0.3, 0.4], [INF, 1.0], [1e300, 1e300]]),),
        {},
    ),
    # p = 0 (a count of nonzero entries, whose gradient is zero) and negative p (the norm of a
    # vector with a zero is 0, clamped to eps), which torch computes rather than refuses
    "normalize_p0": (
        lambda x: F(x).normalize(x, p=0, dim=1),
        (np.array([[3.0, 0.0, -4.0], [0.0, 0.0, 0.0], [1.0, 2.0, 0.5]]),),
        {},
    ),
    **{
        f"normalize_p{p}": (
            lambda x, p=p: F(x).normalize(x, p=p, dim=1),
            (np.array([[3.0, 0.0, -4.0], [0.0, 0.0, 0.0], [3.0, 1.0, -4.0], [1.0, 2.0, 0.5]]),),
            {},
        )
        for p in (-1.0, -2.0, -0.5, -INF)
    },
    "pairwise_distance_zero": (
        lambda a, b: F(a).pairwise_distance(a, b),
        (np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([[1.0, 2.0], [-1e-6, -1e-6]])),
        {},
    ),
    # regression losses at 0 and at their kinks
    "mse_zero": (
        lambda x, t: F(x).mse_loss(x, t, reduction="none"),
        (f64(0.0, 1.0, -2.0, INF), f64(0.0, 1.0, 3.0, 1.0)),
        {},
    ),
    "l1_zero": (
        lambda x, t: F(x).l1_loss(x, t, reduction="none"),
        (f64(0.0, 1.0, -2.0, 0.5), f64(0.0, 1.0, 3.0, 0.5)),
        {},
    ),
    "mse_empty": (lambda x, t: F(x).mse_loss(x, t), (np.zeros((0,)), np.zeros((0,))), {}),
    "l1_empty": (lambda x, t: F(x).l1_loss(x, t), (np.zeros((0, 2)), np.zeros((0, 2))), {}),
    "huber_at_delta": (
        lambda x, t: F(x).huber_loss(x, t, reduction="none", delta=0.5),
        (f64(0.5, -0.5, 0.0, 1.0, 0.25), f64(0.0, 0.0, 0.0, 0.5, -0.25)),
        {},
    ),
    "smooth_l1_at_beta": (
        lambda x, t: F(x).smooth_l1_loss(x, t, reduction="none", beta=0.5),
        (f64(0.5, -0.5, 0.0, 1.0, 0.25), f64(0.0, 0.0, 0.0, 0.5, -0.25)),
        {},
    ),
    "smooth_l1_beta0": (
        lambda x, t: F(x).smooth_l1_loss(x, t, reduction="none", beta=0.0),
        (f64(0.5, -0.5, 0.0, 1.0), f64(0.0, -0.5, 0.0, 0.5)),
        {},
    ),
    "huber_inf_nan": (
        lambda x, t: F(x).huber_loss(x, t, reduction="none"),
        (f64(INF, -INF, 1e300, NAN, 0.0), f64(0.0, 0.0, 0.0, 0.0, NAN)),
        {},
    ),
    "smooth_l1_inf_nan": (
        lambda x, t: F(x).smooth_l1_loss(x, t, reduction="none", beta=2.0),
        (f64(INF, -INF, 1e300, NAN, 0.0), f64(0.0, 0.0, 0.0, 0.0, NAN)),
        {},
    ),
    "smooth_l1_beta0_nan": (
        lambda x, t: F(x).smooth_l1_loss(x, t, reduction="none", beta=0.0),
        (f64(INF, -INF, NAN, 0.0), f64(0.0, 0.0, 0.0, NAN)),
        {},
    ),
    "l1_mse_nan": (
        lambda x, t: (F(x).l1_loss(x, t, reduction="none"), F(x).mse_loss(x, t, reduction="none")),
        (f64(NAN, 0.0, INF), f64(0.0, NAN, 1.0)),
        {},
    ),
    # logistic losses at huge and infinite logits
    "bce_with_logits_edges": (
        lambda x, t: F(x).binary_cross_entropy_with_logits(x, t, reduction="none"),
        (EDGE, f64(0.0, 1.0, 0.5, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0)),
        {},
    ),
    "bce_with_logits_inf_targets": (
        lambda x, t: F(x).binary_cross_entropy_with_logits(x, t, reduction="none"),
        (f64(INF, -INF, INF, -INF), f64(1.0, 0.0, 0.0, 1.0)),
        {},
    ),
    "bce_with_logits_pos_weight": (
        lambda x, t: F(x).binary_cross_entropy_with_logits(
            x, t, pos_weight=lib(x).full((x.numel(),), 3.0, dtype=x.dtype), reduction="none"
        ),
        (EDGE, f64(0.0, 1.0, 0.5, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0)),
        {},
    ),
    "soft_margin_huge": (
        lambda x, t: F(x).soft_margin_loss(x, t, reduction="none"),
        (f64(0.0, 1e-300, 30.0, -30.0, 80.0, -80.0), f64(1.0, -1.0, 1.0, 1.0, -1.0, 1.0)),
        {"wrt": [0]},
    ),
    "multilabel_soft_margin_huge": (
        lambda x, t: F(x).multilabel_soft_margin_loss(x, t, reduction="none"),
        (
            np.array([[0.0, 800.0, -800.0], [1e4, -1e4, 30.0]]),
            np.array([[1.0, 0.0, 1.0], [1.0, 0.0, 0.5]]),
        ),
        {},
    ),
    # class losses with -inf logits, ignored targets, probabilities and smoothing
    "cross_entropy_neg_inf_logit": (
        lambda x: F(x).cross_entropy(x, lib(x).tensor([0, 2]), reduction="none"),
        (np.array([[0.0, -INF, 1.0], [-INF, 2.0, 0.0]]),),
        {},
    ),
    "cross_entropy_target_neg_inf": (
        lambda x: F(x).cross_entropy(x, lib(x).tensor([1, 0])),
        (np.array([[0.0, -INF, 1.0], [-INF, 2.0, 0.0]]),),
        {},
    ),
    "cross_entropy_smoothing_neg_inf": (
        lambda x: F(x).cross_entropy(x, lib(x).tensor([0, 2]), label_smoothing=0.1),
        (np.array([[0.0, -INF, 1.0], [3.0, 2.0, 0.0]]),),
        {},
    ),
    "cross_entropy_all_ignored": (
        lambda x: F(x).cross_entropy(x, lib(x).tensor([-100, -100])),
        (np.array([[0.0, 1.0, 1.0], [3.0, 2.0, 0.0]]),),
        {},
    ),
    "cross_entropy_smoothing_all_ignored": (
        lambda x: F(x).cross_entropy(x, lib(x).tensor([1, 1]), ignore_index=1, label_smoothing=0.2),
        (np.array([[0.0, 1.0, 1.0], [3.0, 2.0, 0.0]]),),
        {},
    ),
    "cross_entropy_probabilities_zero": (
        lambda x, t: F(x).cross_entropy(x, t),
        (
            np.array([[0.0, -INF, 1.0], [1e4, 0.0, -1e4]]),
            np.array([[0.5, 0.0, 0.5], [1.0, 0.0, 0.0]]),
        ),
        {},
    ),
    "cross_entropy_probabilities_smoothing": (
        lambda x, t: F(x).cross_entropy(x, t, label_smoothing=0.3, reduction="none"),
        (
            np.array([[0.0, 5.0, 1.0], [1e4, 0.0, -1e4]]),
            np.array([[0.5, 0.0, 0.5], [1.0, 0.0, 0.0]]),
        ),
        {},
    ),
    "cross_entropy_pos_inf": (
        lambda x: F(x).cross_entropy(x, lib(x).tensor([0, 1])),
        (np.array([[INF, 0.0], [INF, 1.0]]),),
        {},
    ),
    "cross_entropy_probabilities_weight_neg_inf": (
        lambda x, t: F(x).cross_entropy(x, t, weight=lib(x).tensor([0.0, 1.0], dtype=x.dtype)),
        (np.array([[-INF, 0.0], [3.0, 1.0]]), np.array([[0.0, 1.0], [0.5, 0.5]])),
        {},
    ),
    "cross_entropy_probabilities_smoothing_neg_inf": (
        lambda x, t: F(x).cross_entropy(x, t, label_smoothing=0.1),
        (np.array([[-INF, 0.0], [3.0, 1.0]]), np.array([[0.0, 1.0], [0.5, 0.5]])),
        {},
    ),
    "nll_loss_ignored_nan": (
        lambda x: F(x).nll_loss(x, lib(x).tensor([-100, 1]), reduction="none"),
        (np.array([[NAN, -INF], [-INF, -1.0]]),),
        {},
    ),
    "softmin_inf": (
        lambda x: F(x).softmin(x, dim=1),
        (np.array([[INF, INF], [INF, 0.0]]),),
        {},
    ),
    "cross_entropy_empty": (
        lambda x: F(x).cross_entropy(x, lib(x).zeros(0, dtype=lib(x).int64)),
        (np.zeros((0, 3)),),
        {},
    ),
    "cross_entropy_empty_sum": (
        lambda x: F(x).cross_entropy(x, lib(x).zeros(0, dtype=lib(x).int64), reduction="sum"),
        (np.zeros((0, 3)),),
        {},
    ),
    "cross_entropy_probabilities_empty": (
        lambda x, t: F(x).cross_entropy(x, t),
        (np.zeros((0, 3)), np.zeros((0, 3))),
        {},
    ),
    "nll_loss_empty": (
        lambda x: F(x).nll_loss(x, lib(x).zeros(0, dtype=lib(x).int64)),
        (np.zeros((0, 3)),),
        {},
    ),
    "nll_loss_zero_weight": (
        lambda x: F(x).nll_loss(
            x, lib(x).tensor([0, 1]), weight=lib(x).tensor([0.0, 0.0, 1.0], dtype=x.dtype)
        ),
        (np.array([[-1.0, -2.0, -3.0], [-INF, -1.0, 0.0]]),),
        {},
    ),
    "nll_loss_zero_weight_sum": (
        lambda x: F(x).nll_loss(
            x,
            lib(x).tensor([0, 1]),
            weight=lib(x).tensor([0.0, 0.0, 1.0], dtype=x.dtype),
            reduction="sum",
        ),
        (np.array([[-1.0, -2.0, -3.0], [-INF, -1.0, 0.0]]),),
        {},
    ),
    "nll_loss_zero_weight_ignored": (
        lambda x: F(x).nll_loss(
            x,
            lib(x).tensor([0, 2, 1]),
            weight=lib(x).tensor([0.0, 2.0, 1.0], dtype=x.dtype),
            ignore_index=2,
        ),
        (np.array([[-1.0, -2.0, -3.0], [-1.0, -1.0, 0.0], [-3.0, -1.0, -2.0]]),),
        {},
    ),
    "cross_entropy_zero_weight_smoothing": (
        lambda x: F(x).cross_entropy(
            x,
            lib(x).tensor([0, 0]),
            weight=lib(x).tensor([0.0, 2.0, 1.0], dtype=x.dtype),
            label_smoothing=0.2,
        ),
        (np.array([[-1.0, -2.0, -3.0], [-1.0, -1.0, 0.0]]),),
        {},
    ),
    "nll_loss_inf": (
        lambda x: F(x).nll_loss(x, lib(x).tensor([0, 1]), reduction="sum"),
        (np.array([[-INF, -2.0, -3.0], [-INF, -1.0, 0.0]]),),
        {},
    ),
    # divergences and likelihoods at zero targets, rates and variances
    "kl_div_zero_target": (
        lambda x, t: F(x).kl_div(x, t, reduction="sum"),
        (f64(-1.0, -INF, 0.0, -2.0, -INF), f64(0.0, 0.0, 0.5, 1.0, 0.5)),
        {},
    ),
    "kl_div_log_target_inf": (
        lambda x, t: F(x).kl_div(x, t, reduction="none", log_target=True),
        (f64(-INF, 0.0, INF), f64(-INF, -INF, 0.0)),
        {},
    ),
    "kl_div_log_target": (
        lambda x, t: F(x).kl_div(x, t, reduction="sum", log_target=True),
        (f64(-1.0, -INF, 0.0, -2.0, -INF), f64(-INF, -INF, -0.5, 0.0, -1.0)),
        {},
    ),
    "poisson_nll_log_input": (
        lambda x, t: F(x).poisson_nll_loss(x, t, reduction="none"),
        (f64(0.0, 800.0, -800.0, 1.0, -INF), f64(0.0, 1.0, 2.0, 0.0, 0.0)),
        {},
    ),
    "poisson_nll_rates": (
        lambda x, t: F(x).poisson_nll_loss(x, t, log_input=False, reduction="none"),
        (f64(0.0, 1e-8, 1.0, 1e-300, 5.0), f64(0.0, 1.0, 2.0, 3.0, 0.0)),
        {},
    ),
    # (the target's gradient at a zero target with full=True: see the test below)
    "poisson_nll_full": (
        lambda x, t: F(x).poisson_nll_loss(x, t, full=True, reduction="none"),
        (f64(0.0, 0.5, 1.0, 2.0, 0.1, -1.0), f64(0.0, 1.0, 2.0, 1.5, 1.0 + 1e-15, 100.0)),
        {"wrt": [0]},
    ),
    "poisson_nll_full_positive_targets": (
        lambda x, t: F(x).poisson_nll_loss(x, t, full=True, reduction="none"),
        (f64(0.5, 1.0, 2.0, 0.1, -1.0), f64(1.0, 2.0, 1.5, 1.0 + 1e-15, 100.0)),
        {},
    ),
    "poisson_nll_rates_full": (
        lambda x, t: F(x).poisson_nll_loss(x, t, log_input=False, full=True, eps=1e-3),
        (f64(0.0, 0.5, 1.0, 2.0), f64(0.0, 1.0, 2.0, 3.0)),
        {"wrt": [0]},
    ),
    "gaussian_nll_var_clamped": (
        lambda x, t, v: F(x).gaussian_nll_loss(x, t, v, reduction="none"),
        (
            f64(0.0, 1.0, 2.0, 0.5, 3.0),
            f64(0.0, 1.0, 0.0, 0.25, 3.0),
            f64(0.0, 1e-7, 1e-6, 2.0, 0.0),
        ),
        {},
    ),
    "gaussian_nll_var_inf_nan": (
        lambda x, t, v: F(x).gaussian_nll_loss(x, t, v, reduction="none"),
        (f64(0.0, 1.0, 2.0), f64(0.0, 1.0, 0.0), f64(INF, NAN, 1e300)),
        {},
    ),
    "gaussian_nll_shared_var_clamped": (
        lambda x, t, v: F(x).gaussian_nll_loss(x, t, v, reduction="sum"),
        (np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([[0.0, 2.0], [0.0, 3.0]]), f64(0.0, 1e-9)),
        {},
    ),
    "gaussian_nll_full_eps": (
        lambda x, t, v: F(x).gaussian_nll_loss(x, t, v, full=True, eps=0.1),
        (f64(0.0, 1.0, 2.0), f64(0.5, 1.0, 0.0), f64(0.05, 0.1, 0.3)),
        {},
    ),
    "gaussian_nll_float_var_zero": (
        lambda x, t: F(x).gaussian_nll_loss(x, t, 0.0, reduction="sum"),
        (f64(0.0, 1.0, 2.0), f64(0.5, 1.0, 0.0)),
        {},
    ),
    # margin and embedding losses at their kinks and at zero vectors
    "hinge_embedding_kink": (
        lambda x, t: F(x).hinge_embedding_loss(x, t, margin=1.0, reduction="none"),
        (f64(1.0, 1.0, 0.0, 2.0, -1.0, 0.5), f64(-1.0, 1.0, -1.0, -1.0, 1.0, 0.0)),
        {"wrt": [0]},
    ),
    "margin_ranking_kink": (
        lambda a, b, t: F(a).margin_ranking_loss(a, b, t, margin=0.5, reduction="none"),
        (f64(1.0, 0.0, 2.0, 0.0), f64(0.5, 0.5, 2.0, 0.0), f64(1.0, -1.0, 1.0, 1.0)),
        {"wrt": [0, 1]},
    ),
    "cosine_embedding_zero": (
        lambda a, b, t: F(a).cosine_embedding_loss(a, b, t, margin=0.0, reduction="none"),
        (
            np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 2.0], [1e-7, 0.0], [1.0, 0.0]]),
            np.array([[0.0, 0.0], [1.0, 2.0], [0.0, 0.0], [1e-7, 0.0], [0.0, 1.0]]),
            f64(1.0, -1.0, 1.0, 1.0, -1.0),
        ),
        {"wrt": [0, 1]},
    ),
    "cosine_embedding_margin_kink": (
        lambda a, b, t: F(a).cosine_embedding_loss(a, b, t, margin=0.5),
        (
            np.array([[1.0, 0.0], [1.0, 1.0]]),
            np.array([[0.5, 0.75**0.5], [1.0, 0.0]]),
            f64(-1.0, -1.0),
        ),
        {"wrt": [0, 1]},
    ),
    "triplet_zero_distance": (
        lambda a, p, n: F(a).triplet_margin_loss(a, p, n, reduction="none"),
        (
            np.array([[1.0, 2.0], [0.0, 0.0]]),
            np.array([[1.0, 2.0], [0.0, 0.0]]),
            np.array([[1.0, 2.0], [3.0, 0.0]]),
        ),
        {},
    ),
    "triplet_swap_tie": (
        lambda a, p, n: F(a).triplet_margin_loss(a, p, n, swap=True, eps=0.0, reduction="none"),
        (
            np.array([[0.0, 0.0], [1.0, 0.0]]),
            np.array([[2.0, 0.0], [1.0, 1.0]]),
            np.array([[1.0, 0.0], [0.0, 3.0]]),
        ),
        {},
    ),
    "triplet_kink_p1": (
        lambda a, p, n: F(a).triplet_margin_loss(
            a, p, n, p=1, eps=0.0, margin=1.0, reduction="none"
        ),
        (np.array([[0.0, 0.0]]), np.array([[1.0, 0.0]]), np.array([[2.0, 0.0]])),
        {},
    ),
    "triplet_with_distance_cosine_zero": (
        lambda a, p, n: F(a).triplet_margin_with_distance_loss(
            a,
            p,
            n,
            distance_function=lambda x, y: 1 - F(x).cosine_similarity(x, y),
            swap=True,
            reduction="none",
        ),
        (np.zeros((2, 2)), np.array([[0.0, 0.0], [1.0, 0.0]]), np.array([[1.0, 0.0], [0.0, 0.0]])),
        {},
    ),
    "margin_ranking_inf": (
        lambda a, b: F(a).margin_ranking_loss(
            a, b, lib(a).tensor([1.0, -1.0, 1.0], dtype=a.dtype), reduction="none"
        ),
        (f64(INF, INF, 0.0), f64(INF, 0.0, NAN)),
        {},
    ),
    "hinge_embedding_inf": (
        lambda a: F(a).hinge_embedding_loss(
            a, lib(a).tensor([1.0, -1.0, -1.0], dtype=a.dtype), reduction="none"
        ),
        (f64(INF, -INF, NAN),),
        {},
    ),
    "multi_margin_inf": (
        lambda x: F(x).multi_margin_loss(x, lib(x).tensor([0, 1]), reduction="none"),
        (np.array([[INF, 0.0, 1.0], [0.0, -INF, 1.0]]),),
        {},
    ),
    "multilabel_soft_margin_inf": (
        lambda x, t: F(x).multilabel_soft_margin_loss(x, t, reduction="none"),
        (np.array([[INF, -INF, 0.0]]), np.array([[1.0, 0.0, 1.0]])),
        {},
    ),
    "multi_margin_kink": (
        lambda x: F(x).multi_margin_loss(x, lib(x).tensor([0, 1]), reduction="none"),
        (np.array([[1.0, 0.0, 0.5], [2.0, 1.0, 1.0]]),),
        {},
    ),
    "multi_margin_p2_kink": (
        lambda x: F(x).multi_margin_loss(x, lib(x).tensor([0, 1]), p=2, margin=0.5),
        (np.array([[1.0, 0.5, 0.5], [2.0, 1.0, 1.0]]),),
        {},
    ),
    "multilabel_margin_kink": (
        lambda x: F(x).multilabel_margin_loss(x, lib(x).tensor([[0, -1, 2], [1, 2, -1]])),
        (np.array([[1.0, 0.0, 0.5], [2.0, 1.0, 1.0]]),),
        {},
    ),
    "multilabel_margin_all_listed": (
        lambda x: F(x).multilabel_margin_loss(
            x, lib(x).tensor([[0, 1, 2], [-1, 2, 1]]), reduction="none"
        ),
        (np.array([[1.0, 0.0, 0.5], [2.0, 1.0, 1.0]]),),
        {},
    ),
}

# Empty batches. (multi_margin_loss and multilabel_margin_loss are left out: torch's mean of an
# empty batch there is uninitialised memory, -6e9 or 7e-310 from one run to the next.)
E2 = np.zeros((0, 3))
E1 = np.zeros((0,))
EMPTY: dict[str, Case] = {
    "kl_div_batchmean": (lambda x, t: F(x).kl_div(x, t, reduction="batchmean"), (E2, E2), {}),
    "huber": (lambda x, t: F(x).huber_loss(x, t), (E2, E2), {}),
    "smooth_l1": (lambda x, t: F(x).smooth_l1_loss(x, t), (E2, E2), {}),
    "soft_margin": (lambda x, t: F(x).soft_margin_loss(x, t), (E2, E2), {"wrt": [0]}),
    "gaussian_nll": (lambda x, t, v: F(x).gaussian_nll_loss(x, t, v), (E2, E2, E2), {}),
    "poisson_nll": (lambda x, t: F(x).poisson_nll_loss(x, t), (E2, E2), {}),
    "bce_with_logits": (lambda x, t: F(x).binary_cross_entropy_with_logits(x, t), (E2, E2), {}),
    "cosine_embedding": (
        lambda a, b: F(a).cosine_embedding_loss(a, b, lib(a).ones(0)),
        (E2, E2),
        {},
    ),
    "margin_ranking": (
        lambda a, b: F(a).margin_ranking_loss(a, b, lib(a).ones(0, dtype=a.dtype)),
        (E1, E1),
        {},
    ),
    "hinge_embedding": (
        lambda a: F(a).hinge_embedding_loss(a, lib(a).ones(0, dtype=a.dtype)),
        (E1,),
        {},
    ),
    "triplet_margin": (lambda a, p, n: F(a).triplet_margin_loss(a, p, n), (E2, E2, E2), {}),
    "multilabel_soft_margin": (
        lambda x, t: F(x).multilabel_soft_margin_loss(x, t),
        (E2, E2),
        {},
    ),
    "mse_weighted": (
        lambda x, t: F(x).mse_loss(x, t, weight=lib(x).ones(0, 3, dtype=x.dtype)),
        (E2, E2),
        {},
    ),
    "l1_sum": (lambda x, t: F(x).l1_loss(x, t, reduction="sum"), (E2, E2), {}),
    "bce_weighted": (
        lambda p, t: F(p).binary_cross_entropy(p, t, weight=lib(p).ones(0, 3, dtype=p.dtype)),
        (E2, E2),
        {},
    ),
}
SWEEP.update({f"empty_{name}": case for name, case in EMPTY.items()})


@pytest.mark.parametrize("name", sorted(SWEEP))
def test_sweep_matches_torch_at_the_edges(name: str) -> None:
    fn, arrays, options = SWEEP[name]
    check_edges(fn, *arrays, **{"rtol": 1e-12, "atol": 1e-300, **options})


def test_poisson_full_target_gradient_at_zero_targets_is_zero_not_torchs_nan() -> None:
    # A deliberate difference: PyTorch computes Stirling's term on every target, log(0) included,
    # and masks it afterwards, so the target's gradient at a zero target is 0 * -inf = nan (and
    # its forward computes inf * 0). arraygrad computes the term on a stand-in 1 there (no
    # warnings for the zero counts Poisson data is full of) and gives the masked term's 0.
    x, t = f64(0.0, 0.5, 1.0), f64(0.0, 0.0, 2.0)
    fn = lambda x, t: F(x).poisson_nll_loss(x, t, full=True, reduction="sum")
    _, mine, _ = _run(ag, fn, [x, t], [0, 1])
    _, theirs, _ = _run(torch, fn, [x, t], [0, 1])
    np.testing.assert_allclose(mine[0], theirs[0], rtol=1e-15)
    assert mine[1] is not None and theirs[1] is not None
    zero = t == 0
    assert np.isnan(theirs[1][zero]).all()
    # the -input term alone (the cotangent of the one output is 0.5)
    np.testing.assert_array_equal(mine[1][zero], -0.5 * x[zero])
    np.testing.assert_allclose(mine[1][~zero], theirs[1][~zero], rtol=1e-15)


def test_soft_margin_stays_finite_where_torch_overflows() -> None:
    # A deliberate difference: PyTorch computes log1p(exp(-y x)), which overflows to inf (with a
    # nan gradient) once -y x passes about 709 in float64 (88 in float32); arraygrad's stable
    # softplus gives the true value there. Below that the two agree (see the sweep).
    x, y = f64(-800.0, 1e4, 30.0), f64(1.0, -1.0, 1.0)
    fn = lambda x, y: F(x).soft_margin_loss(x, y, reduction="none")
    mine, my_grads, _ = _run(ag, fn, [x, y], [0])
    theirs, their_grads, _ = _run(torch, fn, [x, y], [0])
    assert np.isinf(theirs[0][:2]).all() and np.isnan(their_grads[0][:2]).all()
    np.testing.assert_allclose(mine[0][:2], -x[:2] * y[:2], rtol=1e-15)  # softplus(z) = z there
    np.testing.assert_allclose(mine[0][2], theirs[0][2], rtol=1e-15)
    # d/dx softplus(-y x) = -y sigmoid(-y x), that is -y there, times the cotangent
    cotangent = np.linspace(0.5, 1.5, 3)
    assert my_grads[0] is not None and their_grads[0] is not None
    np.testing.assert_allclose(my_grads[0][:2], -y[:2] * cotangent[:2], rtol=1e-15)
    np.testing.assert_allclose(my_grads[0][2], their_grads[0][2], rtol=1e-15)


@pytest.mark.parametrize("name", sorted(SWEEP))
def test_sweep_matches_torch_at_the_edges_float32(name: str) -> None:
    # The same points in float32, where they are nearer to overflow (1e300 is inf, exp(89) too).
    fn, arrays, options = SWEEP[name]
    single = tuple(
        a.astype(np.float32)
        if isinstance(a, np.ndarray) and np.issubdtype(a.dtype, np.floating)
        else a
        for a in arrays
    )
    # float32's rounding (the oracle's tolerances): sums of exponentials cancel in its gradients
    check_edges(fn, *single, **{"rtol": 1e-5, "atol": 1e-6, **options})


@pytest.mark.parametrize(
    ("fn", "argument"),
    [
        (lambda m, x, w: F(x).binary_cross_entropy(x.sigmoid(), x.detach().sigmoid(), w), "weight"),
        (lambda m, x, w: F(x).nll_loss(x, m.tensor([0, 2]), weight=w), "weight"),
        (lambda m, x, w: F(x).cross_entropy(x, m.tensor([0, 2]), weight=w), "weight"),
        (
            lambda m, x, w: F(x).cross_entropy(x, m.tensor([0, 2]), weight=w, label_smoothing=0.1),
            "weight",
        ),
        (lambda m, x, w: F(x).binary_cross_entropy_with_logits(x, x.detach(), weight=w), "weight"),
        (
            lambda m, x, w: F(x).binary_cross_entropy_with_logits(x, x.detach(), pos_weight=w),
            "pos_weight",
        ),
    ],
)
def test_weights_torch_does_not_differentiate_are_refused(fn: Any, argument: str) -> None:
    # Torch refuses a weight that requires grad (its op has no derivative for it); under no_grad
    # the same call is fine. The probability-target cross entropy does differentiate its weight.
    values = []
    for module in (torch, ag):
        x = module.tensor([[0.3, 0.6, 0.1], [0.2, 0.5, 0.9]], requires_grad=True)
        w = module.tensor([1.0, 2.0, 0.5], requires_grad=True)
        with pytest.raises(
            RuntimeError, match=f"differentiable with respect to argument '{argument}'"
        ):
            fn(module, x, w)
        with module.no_grad():
            values.append(float(fn(module, x, w).sum()))
    np.testing.assert_allclose(values[1], values[0], rtol=1e-6)


def test_bce_edges_on_array_api_strict_equal_numpy() -> None:
    # The primitive's forward and both rules use only standard calls (plus the stand-ins that
    # keep log(0) out), so another Array API library gives NumPy's numbers at the edges.
    results = []
    for strict in (False, True):
        with strict_backend() if strict else contextlib.nullcontext():
            p = ag.tensor(BCE_P, requires_grad=True)
            t = ag.tensor(BCE_T, requires_grad=True)
            loss = AF.binary_cross_entropy(p, t, reduction="sum")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                grads = ag.autograd.grad(loss, (p, t))
            results.append([np.asarray(v.tolist()) for v in (loss, *grads)])
    for mine, numpy_result in zip(results[1], results[0], strict=True):
        np.testing.assert_array_equal(mine, numpy_result)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"ignore_index": 1},
        {"weight": [0.5, 2.0, 1.0], "ignore_index": -100},
        {"label_smoothing": 0.1, "ignore_index": 2},
        {"reduction": "sum"},
        {"reduction": "none", "weight": [0.5, 2.0, 1.0]},
    ],
)
def test_cross_entropy_on_array_api_strict_equals_numpy(kwargs: dict) -> None:
    # The masks, the label check and the nan-safe divisor use only standard calls, so another
    # Array API library gives NumPy's numbers, ignored targets and an all-ignored batch too.
    logits = np.random.default_rng(3).standard_normal((4, 3))
    results = []
    for strict in (False, True):
        with strict_backend() if strict else contextlib.nullcontext():
            options = dict(kwargs)
            if "weight" in options:
                options["weight"] = ag.tensor(options["weight"], dtype=ag.float64)
            ignored = options.get("ignore_index", -100)
            for target in ([0, ignored, 2, 1], [ignored] * 4):
                x = ag.tensor(logits, requires_grad=True)
                loss = AF.cross_entropy(x, ag.tensor(target), **options)
                (grad,) = ag.autograd.grad(loss.sum(), (x,))
                results.append([np.asarray(v.tolist()) for v in (loss, grad)])
            with pytest.raises(IndexError, match="Target 3 is out of bounds"):
                AF.cross_entropy(ag.tensor(logits), ag.tensor([0, 3, 1, 1]), **options)
            if "weight" not in options:  # uint8 labels, never equal to a negative ignore_index
                byte = ag.tensor([0, 2, 1, 1], dtype=ag.uint8)
                loss = AF.cross_entropy(ag.tensor(logits), byte, **options)
                results.append([np.asarray(loss.tolist())])
    half = len(results) // 2
    for mine, numpy_result in zip(results[half:], results[:half], strict=True):
        for a, b in zip(mine, numpy_result, strict=True):
            np.testing.assert_array_equal(a, b)


# --- cross_entropy / nll_loss: no classes, exact zeros, uint8 labels -----------------------------


def _loss_outcome(module: Any, fn: Callable[..., Any], arrays: Sequence[Any]) -> Any:
    """``fn``'s outputs and the logits' gradient, or the name of the exception it raised."""
    try:
        outs, grads, _ = _run(module, fn, arrays, [0])
    except (RuntimeError, IndexError, ValueError, ZeroDivisionError) as error:
        return type(error).__name__
    return outs, grads


def check_loss_like_torch(fn: Callable[..., Any], *arrays: Any) -> None:
    """Assert ``fn`` raises torch's exception class, or gives torch's values (the sign of every
    zero included) and torch's gradient of the logits (the first array)."""
    mine = _loss_outcome(ag, fn, arrays)
    theirs = _loss_outcome(torch, fn, arrays)
    if isinstance(mine, str) or isinstance(theirs, str):
        assert mine == theirs
        return
    for a, b in zip(mine[0], theirs[0], strict=True):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)  # so zeros lie in the same places
        np.testing.assert_array_equal(np.signbit(a[a == 0]), np.signbit(b[b == 0]))
    for a, b in zip(mine[1], theirs[1], strict=True):
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


def _ce(**options: Any) -> Callable[..., Any]:
    def loss(x: Any, t: Any, w: Any = None) -> Any:
        return F(x).cross_entropy(x, t, weight=w, **options)

    return loss


def _nll(**options: Any) -> Callable[..., Any]:
    def loss(x: Any, t: Any, w: Any = None) -> Any:
        log_probs = F(x).log_softmax(x, dim=1 if x.ndim > 1 else 0)
        return F(x).nll_loss(log_probs, t, weight=w, **options)

    return loss


IGNORED3 = np.full(3, -100, dtype=np.int64)
NO_CLASSES = {  # torch computes all of these but the last two
    "ignored": (np.zeros((3, 0)), IGNORED3),
    "empty_batch": (np.zeros((0, 0)), np.zeros(0, dtype=np.int64)),
    "probabilities": (np.zeros((3, 0)), np.zeros((3, 0))),
    "probabilities_unbatched": (np.zeros(0), np.zeros(0)),
    "spatial_4d_ignored": (np.zeros((2, 0, 1, 2)), np.full((2, 1, 2), -100, dtype=np.int64)),
    # An empty target matches the empty input PyTorch views a 3-d or 5-d+ one as.
    "spatial_3d_empty": (np.zeros((2, 0, 0)), np.zeros((2, 0), dtype=np.int64)),
    "spatial_5d_empty": (np.zeros((2, 0, 1, 0, 1)), np.zeros((2, 1, 0, 1), dtype=np.int64)),
    "spatial_3d_ignored": (np.zeros((2, 0, 2)), np.full((2, 2), -100, dtype=np.int64)),
    "out_of_bounds": (np.zeros((3, 0)), np.zeros(3, dtype=np.int64)),
}


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("smoothing", [0.0, 0.1, 1.0])
@pytest.mark.parametrize("case", sorted(NO_CLASSES))
def test_cross_entropy_with_no_classes_matches_torch(
    case: str, smoothing: float, reduction: str
) -> None:
    # PyTorch's label_smoothing / C is inf for C = 0 (C++ division): the smoothing term of an
    # ignored target is 0 * inf = nan, and an empty one stays empty.
    logits, target = NO_CLASSES[case]
    check_loss_like_torch(_ce(reduction=reduction, label_smoothing=smoothing), logits, target)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("fn", [_ce, _nll])
def test_no_classes_with_class_weights_and_an_ignored_class_index(
    fn: Callable[..., Any], reduction: str
) -> None:
    # Every target is the ignored class 0, so no (empty) class weight is read.
    labels = np.zeros(2, dtype=np.int64)
    check_loss_like_torch(fn(reduction=reduction, ignore_index=0), np.zeros((2, 0)), labels, f64())


# Logits whose class 0 dominates: its log-probability is exactly 0, and so is a loss picking it.
DOMINANT = np.array([1e4, 0.0, -1.0])
ZERO_LOSS = {
    "unbatched": (DOMINANT, np.array(0)),
    "batch": (np.stack([DOMINANT, DOMINANT]), np.array([0, 0])),
    "batch_one_ignored": (np.stack([DOMINANT, DOMINANT]), np.array([0, -100])),
    "all_ignored": (np.stack([DOMINANT, DOMINANT]), np.array([-100, -100])),
    "spatial": (np.stack([DOMINANT, DOMINANT])[:, :, None], np.array([[0], [0]])),
    "spatial_4d": (np.stack([DOMINANT, DOMINANT])[:, :, None, None], np.array([[[0]], [[0]]])),
}
WEIGHTS = {"none": None, "positive": f64(2.0, 1.0, 0.5), "negative": f64(-2.0, 1.0, 0.5)}


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("weight", sorted(WEIGHTS))
@pytest.mark.parametrize("fn", [_ce, _nll])
@pytest.mark.parametrize("case", sorted(ZERO_LOSS))
def test_a_zero_class_index_loss_has_torchs_sign(
    case: str, fn: Callable[..., Any], weight: str, reduction: str
) -> None:
    # PyTorch sums 0 - input[t] * weight[t] from +0.0: an exactly zero sum or mean is +0.0
    # (-0.0 over a negative total weight), as is the loss of a (C,) input; the unreduced
    # losses of a batch are -input[t] * weight[t], -0.0 here.
    logits, labels = ZERO_LOSS[case]
    check_loss_like_torch(fn(reduction=reduction), logits, labels, WEIGHTS[weight])


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("weight", [None, f64(0.0, 0.0, 0.0)])
@pytest.mark.parametrize("shape", [(3,), (2, 3), (0, 3), (2, 3, 2)])
def test_a_zero_probability_target_loss_has_torchs_sign(
    shape: tuple[int, ...], weight: np.ndarray | None, reduction: str
) -> None:
    # PyTorch negates the sum of every term: a zero sum or mean is -0.0.
    logits = np.linspace(-1.0, 1.0, int(np.prod(shape))).reshape(shape)
    probabilities = np.zeros(shape) if weight is None else np.full(shape, 1 / 3)
    check_loss_like_torch(_ce(reduction=reduction), logits, probabilities, weight)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("labels", [[0, 2], [1, 1], []])
def test_uint8_labels_with_class_weights_and_smoothing_follow_torch(
    labels: list[int], reduction: str
) -> None:
    # PyTorch's smoothed mean gathers the counted targets' weights with uint8 indices, which
    # gather refuses (RuntimeError); with no counted target (ignore_index=1) it gathers none.
    fn = _ce(reduction=reduction, label_smoothing=0.1, ignore_index=1)
    logits = np.linspace(-1.0, 1.0, 3 * len(labels)).reshape(len(labels), 3)
    check_loss_like_torch(fn, logits, np.array(labels, dtype=np.uint8), f64(0.5, 2.0, 1.0))


def _tensor_or(module: Any, array: np.ndarray | None) -> Any:
    return None if array is None else module.tensor(array)


UNBATCHED = np.array([0.5, -1.0, 2.0, 0.25])


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("weight", [None, f64(0.5, 2.0, 1.0, 3.0)])
@pytest.mark.parametrize("ignore_index", [-100, 2])
@pytest.mark.parametrize("smoothing", [0.0, 0.25])
@pytest.mark.parametrize("fn", [_ce, _nll])
@pytest.mark.parametrize("labels", [[1], [2], [-100], [7], [1, 2], [], [[1]]])
@pytest.mark.parametrize("dtype", [np.int64, np.uint8])
def test_a_c_input_takes_a_target_of_shape_1_like_torch(
    dtype: type,
    labels: list[Any],
    fn: Callable[..., Any],
    smoothing: float,
    ignore_index: int,
    weight: np.ndarray | None,
    reduction: str,
) -> None:
    # PyTorch computes the loss of a (C,) input with a (1,) target as with a 0-d one, and
    # raises ValueError for a 1-d target of another size (RuntimeError with label smoothing,
    # which its cross_entropy cannot broadcast into the 0-d loss).
    if dtype is np.uint8 and -100 in labels:
        return
    options = {"reduction": reduction, "ignore_index": ignore_index}
    if fn is _ce:
        options["label_smoothing"] = smoothing
    elif smoothing:
        return
    loss = fn(**options)
    target = np.array(labels, dtype=dtype)

    def run(lib: Any) -> Any:
        w = None if weight is None else lib.tensor(weight)
        return loss(lib.tensor(UNBATCHED), lib.tensor(target), w)

    theirs, ours = outcome_in_each(run, (RuntimeError, IndexError, ValueError))
    if isinstance(theirs, str) or isinstance(ours, str):
        assert ours == theirs
        return
    assert tuple(ours.shape) == tuple(theirs.shape) == ()
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    if theirs.item() == 0:
        assert np.signbit(ours.numpy()) == np.signbit(theirs.numpy())
    # PyTorch's backward refuses the (1,) target its forward takes ("size mismatch"): the
    # gradient is the one PyTorch gives the same loss with a 0-d target.
    _, (grad,), _ = _run(ag, loss, [UNBATCHED, ag.tensor(target), _tensor_or(ag, weight)], [0])
    zero_d = [UNBATCHED, torch.tensor(target.reshape(())), _tensor_or(torch, weight)]
    _, (their_grad,), _ = _run(torch, loss, zero_d, [0])
    np.testing.assert_allclose(grad, their_grad, rtol=1e-12, atol=0)


@pytest.mark.parametrize("fn", [_ce, _nll])
@pytest.mark.parametrize("shape", [(0, 3), (0, 0), (0, 3, 2), (0, 3, 2, 2), (0, 3, 1, 2, 1)])
@pytest.mark.parametrize("weight", ["none", "wrong_shape", "float32", "float64"])
@pytest.mark.parametrize("dtype", [np.int64, np.uint8, np.float64])
def test_an_empty_batch_with_a_0d_target_raises_torchs_error(
    dtype: type, weight: str, shape: tuple[int, ...], fn: Callable[..., Any]
) -> None:
    # PyTorch reads a 0-d target's first dimension for an (N, C) input: IndexError, after
    # the target's dtype check and before the class weights'; a spatial one fails otherwise.
    classes = shape[1]
    weights = {
        "none": None,
        "wrong_shape": np.ones(classes + 1),
        "float32": np.ones(classes, dtype=np.float32),
        "float64": np.ones(classes),
    }[weight]

    def run(lib: Any) -> Any:
        x = lib.zeros(shape, dtype=lib.float64)
        w = None if weights is None else lib.tensor(weights)
        return fn()(x, lib.tensor(np.array(1, dtype=dtype)), w)

    theirs, ours = outcome_in_each(run, (RuntimeError, IndexError, ValueError))
    assert isinstance(theirs, str)
    assert ours == theirs


def test_cross_entropy_refuses_integer_probabilities_like_torch() -> None:
    # A target of the input's shape holds class probabilities, whatever its dtype: for a (1,)
    # input a (1,) class index too.
    def run(lib: Any) -> Any:
        return F(lib.zeros(1)).cross_entropy(lib.zeros(1), lib.tensor([0]))

    assert outcome_in_each(run, (RuntimeError, ValueError)) == ("RuntimeError", "RuntimeError")
    with pytest.raises(RuntimeError, match="class probabilities, got Long"):
        AF.cross_entropy(ag.zeros(1), ag.tensor([0]))


def test_cross_entropy_edges_on_array_api_strict_equal_numpy() -> None:
    # No classes, exact zeros and the uint8 refusal take only standard calls.
    cases = [
        (_ce(label_smoothing=0.1, reduction=r), (np.zeros((3, 0)), IGNORED3), None)
        for r in ("none", "mean", "sum")
    ] + [
        (_ce(reduction=r), (np.stack([DOMINANT, DOMINANT]), np.array([0, 0])), w)
        for r in ("none", "mean", "sum")
        for w in (None, WEIGHTS["negative"])
    ]
    results = []
    for strict in (False, True):
        with strict_backend() if strict else contextlib.nullcontext():
            for fn, (logits, labels), weight in cases:
                x = ag.tensor(logits, requires_grad=True)
                w = None if weight is None else ag.tensor(weight)
                loss = fn(x, ag.tensor(labels), w)
                (grad,) = ag.autograd.grad(loss.sum(), (x,))
                results.append([np.asarray(v.tolist()) for v in (loss, grad)])
            with pytest.raises(RuntimeError, match="gather"):
                AF.cross_entropy(
                    ag.tensor(np.zeros((2, 3))),
                    ag.tensor([0, 2], dtype=ag.uint8),
                    weight=ag.tensor(WEIGHTS["positive"]),
                    label_smoothing=0.1,
                )
    half = len(results) // 2
    for mine, numpy_result in zip(results[half:], results[:half], strict=True):
        for a, b in zip(mine, numpy_result, strict=True):
            np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(np.signbit(a), np.signbit(b))


@pytest.mark.parametrize("p", [2.0, 0.0, -1.0])
def test_normalize_graph_has_torchs_nodes(p: float) -> None:
    # Regression: p <= 0 raised "p must be positive", and the norm was clamped by a clamp node
    # without the expand; torch: input / norm.clamp_min(eps).expand_as(input) for any p.
    chains = []
    for m in (torch, ag):
        x = m.tensor([[3.0, 0.0, -4.0]], requires_grad=True)
        node, names = F(x).normalize(x, p=p).grad_fn, []
        while node is not None and node.next_functions:
            names.append(node.name())
            node = node.next_functions[-1][0]
        chains.append(names)
    assert (
        chains[1]
        == chains[0]
        == [
            "DivBackward0",
            "ExpandBackward0",
            "ClampMinBackward0",
            "LinalgVectorNormBackward0",
        ]
    )
