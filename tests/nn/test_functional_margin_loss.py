"""Margin, embedding and likelihood losses against torch 2.13.0 and finite differences.

``OP_TABLE`` rows run in float64 and float32 against torch (values and the gradients of every
differentiable input) and through a float64 gradcheck. Inputs that meet at a hinge are skewed by
a ramp (``skew``) so that hypothesis' round values do not land on the kink; PyTorch's gradient at
the kinks, class-index edge cases, the modules and misuse are tested below.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import arraygrad as ag
import arraygrad.nn.functional as AF
from tests.oracle import OpSpec, check_against_torch, gradcheck, run_gradcheck_case, run_torch_case

DTYPES = [np.float64, np.float32]


def F(x: Any) -> Any:
    """The functional module of ``x``'s library."""
    return torch.nn.functional if isinstance(x, torch.Tensor) else AF


def lib(x: Any) -> Any:
    return torch if isinstance(x, torch.Tensor) else ag


def skew(x: Any, offset: float = 0.1137) -> Any:
    """``x`` plus a small irregular ramp: no round value, no two entries equal."""
    ramp = lib(x).arange(x.numel(), dtype=x.dtype).reshape(x.shape)
    return x * 1.0371 + ramp * 0.0123457 + offset


def signs(x: Any) -> Any:
    """A fixed target of ``x``'s shape cycling through 1, -1 and 0 (neither class)."""
    pattern = lib(x).arange(x.numel()) % 3
    values = lib(x).where(pattern == 0, 1.0, lib(x).where(pattern == 1, -1.0, 0.0))
    return values.reshape(x.shape).to(x.dtype)


def plus_minus(n: int, like: Any) -> Any:
    """``n`` targets alternating 1, -1."""
    return (1 - 2 * (lib(like).arange(n) % 2)).to(like.dtype)


def labels(x: Any, classes: int, shape: tuple[int, ...]) -> Any:
    count = int(np.prod(shape))
    return (lib(x).arange(count) * 7 % classes).reshape(shape)


def same_shapes(arity: int, min_dims: int = 0, max_dims: int = 3) -> Any:
    shape = st.lists(st.integers(1, 4), min_size=min_dims, max_size=max_dims).map(tuple)
    return shape.map(lambda s: (s,) * arity)


def matrices(arity: int) -> Any:
    """``arity`` copies of an ``(N, C)`` shape."""
    return st.tuples(st.integers(1, 4), st.integers(1, 5)).map(lambda s: (s,) * arity)


def rows(arity: int) -> Any:
    """``arity`` copies of an ``(N, D)`` or ``(D,)`` shape (one target per row)."""
    return st.one_of(
        st.tuples(st.integers(1, 4), st.integers(1, 4)), st.tuples(st.integers(1, 4))
    ).map(lambda s: (s,) * arity)


def _cosine(margin: float = 0.0, reduction: str = "mean") -> Any:
    def fn(a: Any, b: Any) -> Any:
        target = plus_minus(a.shape[0], a) if a.ndim == 2 else lib(a).tensor(-1.0, dtype=a.dtype)
        return F(a).cosine_embedding_loss(a, b, target, margin=margin, reduction=reduction)

    return fn


def _triplet(**kwargs: Any) -> Any:
    def fn(a: Any, p: Any, n: Any) -> Any:
        return F(a).triplet_margin_loss(skew(a), skew(p, 0.37), skew(n, -0.29), **kwargs)

    return fn


def _multi_margin(**kwargs: Any) -> Any:
    def fn(x: Any) -> Any:
        target = labels(x, x.shape[-1], x.shape[:-1])
        return F(x).multi_margin_loss(skew(x), target, **kwargs)

    return fn


def multilabel_targets(x: Any) -> Any:
    """Rows of class indices ended by -1 at varying places (and one duplicated index)."""
    classes = x.shape[-1]
    flat = (lib(x).arange(x.numel()) * 5 + 1) % (classes + 1) - 1
    return flat.reshape(x.shape)


def _multilabel_margin(reduction: str = "mean") -> Any:
    def fn(x: Any) -> Any:
        return F(x).multilabel_margin_loss(skew(x), multilabel_targets(x), reduction=reduction)

    return fn


OP_TABLE = {
    "margin_ranking_loss": OpSpec(
        lambda a, b, t: F(a).margin_ranking_loss(skew(a), b, skew(t, -0.5)), shapes=same_shapes(3)
    ),
    "margin_ranking_loss_none": OpSpec(
        lambda a, b: F(a).margin_ranking_loss(skew(a), b, signs(a), margin=0.37, reduction="none"),
        shapes=same_shapes(2),
    ),
    "margin_ranking_loss_sum_broadcast": OpSpec(
        lambda a, b: F(a).margin_ranking_loss(
            skew(a), b, plus_minus(a.shape[0], a).reshape(-1, 1), margin=0.2, reduction="sum"
        ),
        shapes=st.tuples(st.integers(1, 3), st.integers(1, 4)).map(lambda s: (s, (1, s[1]))),
    ),
    "hinge_embedding_loss": OpSpec(lambda x: F(x).hinge_embedding_loss(x, signs(x)), kinks=(1.0,)),
    "hinge_embedding_loss_none": OpSpec(
        lambda x: F(x).hinge_embedding_loss(x, signs(x), margin=0.5, reduction="none"),
        kinks=(0.5,),
    ),
    # torch refuses a target that requires grad: the target is a constant ramp
    "soft_margin_loss": OpSpec(
        lambda x: F(x).soft_margin_loss(
            x, lib(x).linspace(-2, 2, x.numel(), dtype=x.dtype).reshape(x.shape)
        )
    ),
    "soft_margin_loss_none": OpSpec(lambda x: F(x).soft_margin_loss(x, signs(x), reduction="none")),
    "cosine_embedding_loss": OpSpec(_cosine(), shapes=rows(2), kinks=(0.0,), kink_margin=0.1),
    "cosine_embedding_loss_margin_none": OpSpec(
        _cosine(0.13, "none"), shapes=rows(2), kinks=(0.0,), kink_margin=0.1
    ),
    "cosine_embedding_loss_sum": OpSpec(
        _cosine(-0.4, "sum"), shapes=rows(2), kinks=(0.0,), kink_margin=0.1
    ),
    "triplet_margin_loss": OpSpec(_triplet(), shapes=rows(3)),
    "triplet_margin_loss_p1_swap_none": OpSpec(
        _triplet(p=1, swap=True, margin=0.6, reduction="none"), shapes=rows(3)
    ),
    "triplet_margin_loss_p3_sum": OpSpec(
        _triplet(p=3, eps=1e-3, reduction="sum"), shapes=same_shapes(3, 1)
    ),
    "poisson_nll_loss": OpSpec(lambda x, t: F(x).poisson_nll_loss(x, t), shapes=same_shapes(2)),
    "poisson_nll_loss_rates_full_none": OpSpec(
        lambda x, t: F(x).poisson_nll_loss(x, t, log_input=False, full=True, reduction="none"),
        shapes=same_shapes(2),
        low=0.05,
        high=4,
        kinks=(1.0,),
    ),
    "poisson_nll_loss_full_sum": OpSpec(
        # targets >= 0.01: at 0 torch's Stirling gradient is 0 * log(0) = nan (tested below)
        lambda x, t: F(x).poisson_nll_loss(x, t.abs() * 2 + 0.01, full=True, reduction="sum"),
        shapes=same_shapes(2),
        kinks=(0.0, 0.495, -0.495),
        kink_margin=0.01,
    ),
    "gaussian_nll_loss": OpSpec(
        lambda x, t, v: F(x).gaussian_nll_loss(x, t, v * v + 0.05), shapes=same_shapes(3)
    ),
    "gaussian_nll_loss_full_none": OpSpec(
        lambda x, t, v: F(x).gaussian_nll_loss(x, t, v * v + 0.05, full=True, reduction="none"),
        shapes=same_shapes(3, 1),
    ),
    "gaussian_nll_loss_shared_last": OpSpec(
        lambda x, t, v: F(x).gaussian_nll_loss(x, t, v * v + 0.05, reduction="sum"),
        shapes=st.tuples(st.integers(1, 3), st.integers(1, 4)).map(lambda s: (s, s, s[:1])),
    ),
    "gaussian_nll_loss_size_one": OpSpec(
        lambda x, t, v: F(x).gaussian_nll_loss(x, t, v * v + 0.05),
        shapes=st.tuples(st.integers(1, 3), st.integers(1, 4)).map(lambda s: (s, s, (1, s[1]))),
    ),
    "triplet_margin_with_distance_loss": OpSpec(
        lambda a, p, n: F(a).triplet_margin_with_distance_loss(skew(a), skew(p, 0.37), n),
        shapes=rows(3),
    ),
    "triplet_margin_with_distance_loss_cosine_swap_none": OpSpec(
        lambda a, p, n: F(a).triplet_margin_with_distance_loss(
            a,
            p,
            n,
            distance_function=lambda x, y: 1 - F(x).cosine_similarity(x, y, dim=-1),
            margin=0.77,
            swap=True,
            reduction="none",
        ),
        shapes=rows(3),
        kinks=(0.0,),
        kink_margin=0.1,
    ),
    "multilabel_soft_margin_loss": OpSpec(
        lambda x, t: F(x).multilabel_soft_margin_loss(x, lib(t).sigmoid(t)), shapes=matrices(2)
    ),
    "multilabel_soft_margin_loss_weight_none": OpSpec(
        lambda x, t, w: F(x).multilabel_soft_margin_loss(
            x, lib(t).sigmoid(t), weight=w, reduction="none"
        ),
        shapes=st.tuples(st.integers(1, 4), st.integers(1, 5)).map(lambda s: (s, s, s[1:])),
    ),
    "multi_margin_loss": OpSpec(_multi_margin(), shapes=matrices(1)),
    "multi_margin_loss_p2_margin_none": OpSpec(
        _multi_margin(p=2, margin=0.7, reduction="none"), shapes=matrices(1)
    ),
    "multi_margin_loss_weight_sum": OpSpec(
        lambda x: _multi_margin(
            weight=lib(x).linspace(0.5, 2, x.shape[-1], dtype=x.dtype), reduction="sum"
        )(x),
        shapes=matrices(1),
    ),
    "multi_margin_loss_unbatched": OpSpec(
        _multi_margin(reduction="none"), shapes=st.integers(1, 5).map(lambda c: ((c,),))
    ),
    "multilabel_margin_loss": OpSpec(_multilabel_margin(), shapes=matrices(1)),
    "multilabel_margin_loss_none": OpSpec(_multilabel_margin("none"), shapes=matrices(1)),
    "multilabel_margin_loss_unbatched_sum": OpSpec(
        _multilabel_margin("sum"), shapes=st.integers(1, 5).map(lambda c: ((c,),))
    ),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(OP_TABLE))
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


# --- kinks, ties and class-index edge cases ------------------------------------------------------


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: F(x).margin_ranking_loss(x, x * 0, x.detach() * 0 + 1, reduction="none"),
        lambda x: F(x).hinge_embedding_loss(x, -(x.detach() * 0 + 1), reduction="none"),
        lambda x: F(x).triplet_margin_loss(
            x.reshape(-1, 1) * 0, x.reshape(-1, 1), x.reshape(-1, 1) * 0 + 1, eps=0.0
        ),
        lambda x: F(x).triplet_margin_loss(
            x.reshape(-1, 1) * 0,
            x.reshape(-1, 1),
            x.reshape(-1, 1) * 2,
            eps=0.0,
            swap=True,
            reduction="sum",
        ),
        lambda x: F(x).multi_margin_loss(
            x.reshape(1, -1), lib(x).tensor([0]), margin=1.0, reduction="sum"
        ),
        lambda x: F(x).multi_margin_loss(x.reshape(1, -1), lib(x).tensor([3]), p=2),
        lambda x: F(x).multilabel_margin_loss(
            x.reshape(1, -1), lib(x).tensor([[1, 1, 4, -1, 0, 2, 3]])
        ),
        lambda x: F(x).cosine_embedding_loss(
            x.reshape(1, -1), x.reshape(1, -1).flip(1), lib(x).tensor([-1.0])
        ),
    ],
)
def test_kinks_and_ties_match_torch(fn: Any) -> None:
    # Round values land on the hinges (x == margin, equal scores, equal distances).
    points = np.array([0.0, 1.0, -1.0, 1.0, 2.0, 0.0, 0.5])
    check_against_torch(fn, None, [points], atol=0)


def test_multi_margin_loss_edge_shapes() -> None:
    def fn(x: Any) -> Any:
        scalar = F(x).multi_margin_loss(x[0, 0], lib(x).tensor(0), reduction="none")
        vector = F(x).multi_margin_loss(x[1], lib(x).tensor(2), reduction="none")
        empty_none = F(x).multi_margin_loss(
            x[:0], lib(x).zeros(0, dtype=lib(x).int64), 2, 1.0, reduction="none"
        )
        legacy = F(x).multi_margin_loss(x, lib(x).tensor([0, 1, 3]), size_average=False)
        return scalar, vector, empty_none, legacy

    check_against_torch(fn, None, [np.random.default_rng(0).standard_normal((3, 4))])
    # The mean over an empty batch is not compared with torch 2.13.0, whose CPU kernel returns
    # the output's uninitialized memory there (usually a denormal near 0; once -9.5e173 in
    # CI). arraygrad gives 0, the sum of no losses, with a zero gradient.
    x = ag.zeros(0, 4, dtype=ag.float64, requires_grad=True)
    empty = AF.multi_margin_loss(x, ag.zeros(0, dtype=ag.int64))
    empty.backward()
    assert empty.item() == 0.0 and tuple(x.grad.shape) == (0, 4)


def test_multilabel_margin_loss_targets() -> None:
    # No -1 at all, a -1 first (no labels), labels after a -1 (ignored), every class listed.
    target = [[0, 1, 2, 3], [-1, 1, 2, 3], [2, -1, 0, 1], [3, 2, 1, 0], [1, 1, -1, 3]]

    def fn(x: Any) -> Any:
        t = lib(x).tensor(target)
        none = F(x).multilabel_margin_loss(x, t, reduction="none")
        scalar = F(x).multilabel_margin_loss(x[0, 0], t[2, 2], reduction="none")
        legacy = F(x).multilabel_margin_loss(x, t, reduce=False)
        return none, scalar, legacy, F(x).multilabel_margin_loss(x, t)

    check_against_torch(fn, None, [np.random.default_rng(1).standard_normal((5, 4))])


def test_cosine_embedding_loss_zero_vectors_and_unbatched() -> None:
    a = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 3.0], [1.0, -1.0, 0.5]])
    b = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [2.0, 0.5, -1.0]])

    def fn(x: Any, y: Any) -> Any:
        t = lib(x).tensor([1.0, -1.0, 1.0])
        batched = F(x).cosine_embedding_loss(x, y, t, margin=-0.5, reduction="none")
        single = F(x).cosine_embedding_loss(x[2], y[2], lib(x).tensor(-1.0), margin=-0.5)
        return batched, single

    check_against_torch(fn, None, [a, b])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_empty_batches_match_torch() -> None:
    def fn(x: Any) -> Any:
        empty = x[:0]
        return (
            F(x).cosine_embedding_loss(empty, empty, lib(x).zeros(0, dtype=x.dtype)),
            F(x).margin_ranking_loss(empty, empty, empty, reduction="sum"),
            F(x).soft_margin_loss(empty, empty, reduction="none"),
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check_against_torch(fn, None, [np.ones((2, 3))], grad=False)
    # torch 2.13.0's multilabel_margin_loss of an empty batch with reduction="sum" returns
    # uninitialised memory (usually a denormal, sometimes 0.065): the sum over no samples is 0.
    empty = ag.ones(2, 3, dtype=ag.float64)[:0]
    labels = ag.zeros(0, 3, dtype=ag.int64)
    assert AF.multilabel_margin_loss(empty, labels, reduction="sum").item() == 0.0


def test_gaussian_nll_loss_clamps_variance_outside_the_graph() -> None:
    # var below eps: the value uses eps, the gradient that of the unclamped var (torch's clamp_
    # under no_grad); a float var; the full constant.
    def fn(x: Any, t: Any, v: Any) -> Any:
        small = F(x).gaussian_nll_loss(x, t, v * 1e-9, reduction="none")
        zero = F(x).gaussian_nll_loss(x, t, v * 0, full=True)
        scalar = F(x).gaussian_nll_loss(x, t, 0.25, reduction="sum")
        return small, zero, scalar

    rng = np.random.default_rng(2)
    x, t = rng.standard_normal((2, 3, 4))
    check_against_torch(fn, None, [x, t, rng.uniform(0.5, 2.0, size=(3, 4))], rtol=1e-6)


def test_poisson_nll_loss_legacy_and_zero_targets() -> None:
    def fn(x: Any) -> Any:
        t = lib(x).tensor([0.0, 1.0, 3.0, 7.0])
        return (
            F(x).poisson_nll_loss(x, t, full=True, reduce=False),
            F(x).poisson_nll_loss(x, t, size_average=False),
            F(x).poisson_nll_loss(x.exp(), t, log_input=False, full=True, eps=1e-3),
        )

    # The target is float32, and so is its Stirling term t log t - t + log(2 pi t) / 2: PyTorch's
    # and NumPy's float32 log differ in the last bit on some CPUs (AVX-512 Xeon: 1.0e-7).
    check_against_torch(fn, None, [np.array([0.5, -1.0, 2.0, 0.0])], rtol=1e-6)


def test_poisson_full_gradient_at_zero_target_is_zero_not_nan() -> None:
    # Deliberate difference: torch's masked Stirling term still differentiates t * log(t) at
    # t = 0 and gives the target a nan gradient; the masked term contributes 0 here.
    x = ag.tensor([0.3, -0.2], requires_grad=True)
    t = ag.tensor([0.0, 2.0], requires_grad=True)
    AF.poisson_nll_loss(x, t, full=True).backward()
    theirs_t = torch.tensor([0.0, 2.0], requires_grad=True)
    torch.nn.functional.poisson_nll_loss(torch.tensor([0.3, -0.2]), theirs_t, full=True).backward()
    assert np.isnan(theirs_t.grad[0].item())
    np.testing.assert_allclose(t.grad[0].item(), 0.3 * -0.5, rtol=1e-6)  # -x / 2, finite
    np.testing.assert_allclose(t.grad[1].item(), theirs_t.grad[1].item(), rtol=1e-6)


# --- modules -------------------------------------------------------------------------------------

RNG = np.random.default_rng(7)
X, Y, Z = RNG.standard_normal((3, 4, 5))
SIGNS = np.array([1.0, -1.0, 1.0, -1.0])
LABELS = np.array([0, 4, 2, 1])
MULTI = np.array([[0, 3, -1, 1, 2], [4, -1, 0, 0, 0], [1, 2, 3, 4, 0], [-1, 0, 0, 0, 0]])


@pytest.mark.parametrize(
    ("name", "kwargs", "arrays"),
    [
        ("MarginRankingLoss", {"margin": 0.3}, (X[:, 0], Y[:, 0], SIGNS)),
        ("MarginRankingLoss", {"reduction": "none"}, (X[:, 0], Y[:, 0], SIGNS)),
        ("HingeEmbeddingLoss", {"margin": 2.0, "size_average": False}, (X, np.sign(Y))),
        ("SoftMarginLoss", {"reduction": "sum"}, (X, np.sign(Y).astype(np.int64))),
        ("CosineEmbeddingLoss", {"margin": 0.2}, (X, Y, SIGNS)),
        ("TripletMarginLoss", {"margin": 2.0, "p": 1.0, "swap": True}, (X, Y, Z)),
        ("TripletMarginLoss", {"reduce": False}, (X, Y, Z)),
        ("PoissonNLLLoss", {"full": True}, (X, np.abs(Y) * 3)),
        ("PoissonNLLLoss", {"log_input": False, "eps": 1e-4}, (np.abs(X), np.abs(Y))),
        ("GaussianNLLLoss", {"full": True, "eps": 0.1}, (X, Y, Z * Z + 0.2)),
        ("GaussianNLLLoss", {"reduction": "none"}, (X, Y, Z[:, :1] ** 2)),
        ("TripletMarginWithDistanceLoss", {"margin": 0.5, "swap": True}, (X, Y, Z)),
        (
            "TripletMarginWithDistanceLoss",
            {"distance_function": "l1", "reduction": "sum"},
            (X, Y, Z),
        ),
        ("MultiLabelSoftMarginLoss", {"weight": "classes"}, (X, (Y > 0).astype(float))),
        ("MultiMarginLoss", {"p": 2, "margin": 0.5, "weight": "classes"}, (X, LABELS)),
        ("MultiMarginLoss", {"reduction": "none"}, (X, LABELS)),
        ("MultiLabelMarginLoss", {}, (X, MULTI)),
        ("MultiLabelMarginLoss", {"reduction": "none"}, (X, MULTI)),
    ],
)
def test_modules_match_torch(name: str, kwargs: dict, arrays: tuple) -> None:
    def fn(*tensors: Any) -> Any:
        options = dict(kwargs)
        if options.get("distance_function") == "l1":
            options["distance_function"] = lambda x, y: (x - y).abs().sum(-1)
        if options.get("weight") == "classes":
            options["weight"] = lib(tensors[0]).linspace(0.5, 2.0, 5, dtype=tensors[0].dtype)
        module = getattr(lib(tensors[0]).nn, name)(**options)
        return module(*tensors)

    check_against_torch(fn, None, list(arrays))
    gradcheck(fn, list(arrays))


def test_module_attributes_match_torch() -> None:
    for name, kwargs in [
        ("TripletMarginLoss", {"margin": 0.5, "p": 3, "eps": 0.1, "swap": True}),
        ("MultiMarginLoss", {"p": 2, "margin": 0.3, "size_average": False}),
        ("PoissonNLLLoss", {"log_input": False, "full": True, "reduce": False}),
        ("GaussianNLLLoss", {"full": True, "eps": 0.5, "reduction": "sum"}),
        ("CosineEmbeddingLoss", {"margin": 0.1}),
        ("HingeEmbeddingLoss", {"margin": 3.0}),
        ("TripletMarginWithDistanceLoss", {"margin": 0.5, "swap": True}),
    ]:
        theirs = vars(getattr(torch.nn, name)(**kwargs))
        mine = vars(getattr(ag.nn, name)(**kwargs))
        keys = ("reduction", "margin", "p", "eps", "swap", "log_input", "full", "distance_function")
        for key in keys:
            assert mine.get(key) == theirs.get(key), (name, key)


def test_triplet_margin_with_distance_loss_default_distance_is_a_submodule_like_torch() -> None:
    for kwargs in ({}, {"distance_function": None, "margin": 0.5}):
        mine = ag.nn.TripletMarginWithDistanceLoss(**kwargs)
        theirs = torch.nn.TripletMarginWithDistanceLoss(**kwargs)
        assert repr(mine) == repr(theirs)
        assert [n for n, _ in mine.named_modules()] == [n for n, _ in theirs.named_modules()]
    custom = ag.nn.TripletMarginWithDistanceLoss(distance_function=ag.nn.PairwiseDistance(p=1))
    assert repr(custom) == repr(
        torch.nn.TripletMarginWithDistanceLoss(distance_function=torch.nn.PairwiseDistance(p=1))
    )


def test_multi_margin_loss_takes_a_weight_requiring_grad_under_no_grad_like_torch() -> None:
    x, target, weight = M + np.arange(3.0), np.array([0, 2]), np.array([0.5, 1.0, 2.0])
    results = []
    for lib_ in (torch, ag):
        with lib_.no_grad():
            loss = lib_.nn.functional.multi_margin_loss(
                lib_.tensor(x), lib_.tensor(target), weight=lib_.tensor(weight, requires_grad=True)
            )
        results.append(loss.item())
    assert results[0] == pytest.approx(results[1], rel=1e-12)


# --- misuse: PyTorch's exception classes ---------------------------------------------------------


def _raises_like_torch(fn: Any, match: str) -> None:
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(theirs.type, match=match):
        fn(ag)


M = np.zeros((2, 3))


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (
            lambda L: L.nn.functional.margin_ranking_loss(L.tensor(M), L.tensor(M), L.ones(2)),
            "All input tensors should have same dimension",
        ),
        (
            lambda L: L.nn.functional.hinge_embedding_loss(L.tensor(M), L.tensor(M), reduction="x"),
            "x is not a valid value for reduction",
        ),
        (
            lambda L: L.nn.functional.cosine_embedding_loss(L.tensor(M), L.tensor(M), L.ones(2, 1)),
            "0D or 1D target tensor expected",
        ),
        (
            lambda L: L.nn.functional.cosine_embedding_loss(L.tensor(M), L.tensor(M), L.ones(())),
            r"0D target tensor expects 1D input tensors, but found inputs with sizes \[2, 3\]",
        ),
        (
            lambda L: L.nn.functional.triplet_margin_loss(L.tensor(M), L.tensor(M), L.tensor(M[0])),
            "anchor 2D, positive 2D, and negative 1D",
        ),
        (
            lambda L: L.nn.functional.triplet_margin_loss(
                L.tensor(M), L.tensor(M), L.tensor(M), margin=0.0
            ),
            "margin must be greater than 0",
        ),
        (lambda L: L.nn.TripletMarginLoss(margin=-1.0), "expected margin to be greater than 0"),
        (
            lambda L: L.nn.TripletMarginWithDistanceLoss(margin=0.0),
            "expected margin to be greater than 0",
        ),
        (
            lambda L: L.nn.functional.triplet_margin_with_distance_loss(
                L.tensor(M), L.tensor(M), L.tensor(M[0])
            ),
            "anchor 2D, positive 2D, and negative 1D",
        ),
        (
            lambda L: L.nn.functional.triplet_margin_with_distance_loss(
                L.tensor(M), L.tensor(M), L.tensor(M), reduction="avg"
            ),
            "avg is not a valid value for reduction",
        ),
        (
            lambda L: L.nn.functional.multi_margin_loss(L.tensor(M), L.tensor([0, 3])),
            "target out of range",
        ),
        (
            lambda L: L.nn.functional.multi_margin_loss(L.tensor(M), L.tensor([0, 1, 2])),
            r"Expected target size \[2\], but got \[3\]",
        ),
        (
            lambda L: L.nn.functional.multi_margin_loss(L.tensor(M), L.tensor([0, 1]), p=3),
            "only p == 1 and p == 2 supported",
        ),
        (lambda L: L.nn.MultiMarginLoss(p=3), "only p == 1 and p == 2 supported"),
        (
            lambda L: L.nn.functional.multi_margin_loss(
                L.tensor(M), L.tensor([0, 1]), weight=L.ones(3, requires_grad=True)
            ),
            "not differentiable with respect to argument 'weight'",
        ),
        (
            lambda L: L.nn.MultiMarginLoss(weight=L.ones(2, 3)),
            "expected weight to be None or 1D tensor",
        ),
        (
            lambda L: L.nn.functional.multi_margin_loss(
                L.tensor(M), L.tensor([0, 1]), weight=L.ones(2, 3)
            ),
            "weight must be one-dimensional",
        ),
        (
            lambda L: L.nn.functional.multi_margin_loss(
                L.tensor(M), L.tensor([0, 1]), weight=L.ones(2)
            ),
            r"inconsistent weight size, expected 3 but got \[2\]",
        ),
        (
            lambda L: L.nn.functional.multi_margin_loss(L.zeros(2, 0), L.tensor([0, 1])),
            r"Expected non-empty vector or matrix .* got: \[2, 0\]",
        ),
        (
            lambda L: L.nn.functional.multi_margin_loss(L.zeros(2, 3, 1), L.tensor([0, 1])),
            r"Expected non-empty vector or matrix .* got: \[2, 3, 1\]",
        ),
        (
            lambda L: L.nn.functional.multi_margin_loss(L.tensor(M), L.tensor([0.0, 1.0])),
            "expected scalar type Long but found Float",
        ),
        (
            lambda L: L.nn.functional.multilabel_margin_loss(L.tensor(M), L.tensor([[0, 1]] * 2)),
            r"inconsistent target size: \[2, 2\] for input of size: \[2, 3\]",
        ),
        (
            lambda L: L.nn.functional.multilabel_margin_loss(
                L.tensor(M), L.tensor([[0, 3, -1], [1, -1, 0]])
            ),
            "'target' is out of range",
        ),
        (
            lambda L: L.nn.functional.multilabel_margin_loss(
                L.tensor(M), L.tensor([[-2, 1, -1], [1, -1, 0]])
            ),
            "'target' is out of range",
        ),
        (
            lambda L: L.nn.functional.multilabel_margin_loss(
                L.tensor(M), L.tensor([[0, 1, -1], [1, -1, 0]], dtype=L.int32)
            ),
            "expected scalar type Long but found Int",
        ),
        (
            lambda L: L.nn.functional.multilabel_soft_margin_loss(
                L.tensor(M), L.tensor(M), reduction="avg"
            ),
            "avg is not valid",
        ),
        (
            lambda L: L.nn.functional.poisson_nll_loss(L.tensor(M), L.tensor(M), reduction="avg"),
            "avg is not a valid value for reduction",
        ),
        (
            lambda L: L.nn.functional.gaussian_nll_loss(L.tensor(M), L.tensor(M), L.ones(3)),
            "var is of incorrect size",
        ),
        (
            lambda L: L.nn.functional.gaussian_nll_loss(L.tensor(M), L.tensor(M), L.ones(2, 1, 3)),
            "var is of incorrect size",
        ),
        (
            lambda L: L.nn.functional.gaussian_nll_loss(L.tensor(M), L.tensor(M), -L.ones(2, 3)),
            "var has negative entry",
        ),
        (
            lambda L: L.nn.functional.gaussian_nll_loss(L.tensor(M), L.tensor(M), -1.0),
            "var has negative entry",
        ),
        (
            lambda L: L.nn.functional.gaussian_nll_loss(L.tensor(M), L.tensor(M), 1),
            "var must be a Tensor or a float|invalid combination",
        ),
        (
            lambda L: L.nn.functional.gaussian_nll_loss(
                L.tensor(M), L.tensor(M), L.ones(2, 3), reduction="avg"
            ),
            "avg is not valid",
        ),
    ],
)
def test_errors_match_torch(fn: Any, match: str) -> None:
    _raises_like_torch(fn, match)


@pytest.mark.parametrize(
    ("input_shape", "target_shape"), [((1,), (2,)), ((), (2,)), ((1, 2), (2, 1))]
)
@pytest.mark.parametrize("reduction", ["none", "sum"])
def test_soft_margin_loss_refuses_a_target_larger_than_its_input(
    input_shape: tuple[int, ...], target_shape: tuple[int, ...], reduction: str
) -> None:
    # torch's kernel writes into a tensor of the input's shape; arraygrad broadcast the loss up
    # to the target's shape
    for lib, functional in ((torch, torch.nn.functional), (ag, AF)):
        x, y = lib.full(input_shape, 0.5), lib.full(target_shape, -1.0)
        with (
            warnings.catch_warnings(),
            pytest.raises(RuntimeError, match=r"output with shape .* doesn't match the broadcast"),
        ):
            warnings.simplefilter("ignore")
            functional.soft_margin_loss(x, y, reduction=reduction)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "int64", "uint8", "complex64"])
@pytest.mark.parametrize("name", ["multi_margin_loss", "multilabel_margin_loss"])
def test_margin_loss_kernels_refuse_dtypes_other_than_float32_and_float64(
    name: str, dtype: str
) -> None:
    # torch's kernels loop over float32 and float64 only; arraygrad computed the others
    targets = {"multi_margin_loss": [0, 2], "multilabel_margin_loss": [[0, -1, 1], [2, -1, 0]]}
    for lib, functional in ((torch, torch.nn.functional), (ag, AF)):
        x = lib.ones(2, 3, dtype=getattr(lib, dtype))
        with pytest.raises(NotImplementedError, match="not implemented for"):
            getattr(functional, name)(x, lib.tensor(targets[name]))
