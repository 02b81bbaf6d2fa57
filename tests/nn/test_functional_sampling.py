"""arraygrad.nn.functional embedding_bag (and nn.EmbeddingBag), rrelu (and nn.RReLU) and
gumbel_softmax against torch 2.13.0 and finite differences.

The deterministic cases are op-table rows: embedding_bag in every mode, rrelu in eval mode and
in training with ``lower == upper`` (no randomness left). The random cases are tested by their
bounds and statistics, and gumbel_softmax by recovering its Gumbel noise from a sample and
replaying the same computation in torch (values and gradients).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import arraygrad as ag
import arraygrad.nn.functional as AF
from tests.nn._compare import compare_module, copy_weights
from tests.ops._helpers import distinct
from tests.oracle import OpSpec, check_against_torch, run_gradcheck_case, run_torch_case

DTYPES = [np.float64, np.float32]
ROWS = 6
# bags [0, 1], [], [2, 0, 5], [3, 2, 4]: an empty bag, a repeated row, a bag reaching the end
IDX = np.array([0, 1, 2, 0, 5, 3, 2, 4])
OFF = np.array([0, 2, 2, 5])
OFF_LAST = np.array([0, 2, 2, 5, 8])
IDX_2D = np.array([[0, 1, 2], [5, 5, 3]])


def F(x: Any) -> Any:
    """The functional module of ``x``'s library."""
    return torch.nn.functional if isinstance(x, torch.Tensor) else AF


def lib(x: Any) -> Any:
    return torch if isinstance(x, torch.Tensor) else ag


def const(x: Any, values: np.ndarray) -> Any:
    """``values`` as a tensor of ``x``'s library."""
    return lib(x).tensor(values)


def table(count: int = 1, extra: Any = None) -> Any:
    """Shapes of a ``(ROWS, D)`` weight, with D drawn, and of ``extra`` per-sample weights."""
    return st.integers(1, 4).map(lambda d: ((ROWS, d),) + ((extra,) if extra else ()))


def bag(mode: str, offsets: np.ndarray = OFF, **kwargs: Any) -> Any:
    return lambda w: F(w).embedding_bag(const(w, IDX), w, const(w, offsets), mode=mode, **kwargs)


EMBEDDING_BAG = {
    "embedding_bag:sum": OpSpec(bag("sum"), shapes=table()),
    "embedding_bag:mean": OpSpec(bag("mean"), shapes=table()),
    "embedding_bag:max": OpSpec(lambda w: bag("max")(distinct(w)), shapes=table()),
    "embedding_bag:sum_padding": OpSpec(bag("sum", padding_idx=2), shapes=table()),
    "embedding_bag:mean_padding_negative": OpSpec(bag("mean", padding_idx=-1), shapes=table()),
    "embedding_bag:max_padding": OpSpec(
        lambda w: bag("max", padding_idx=0)(distinct(w)), shapes=table()
    ),
    "embedding_bag:sum_last_offset": OpSpec(
        bag("sum", OFF_LAST, include_last_offset=True), shapes=table()
    ),
    "embedding_bag:mean_last_offset": OpSpec(
        bag("mean", OFF_LAST, include_last_offset=True), shapes=table()
    ),
    "embedding_bag:max_last_offset": OpSpec(
        lambda w: bag("max", OFF_LAST, include_last_offset=True)(distinct(w)), shapes=table()
    ),
    "embedding_bag:per_sample_weights": OpSpec(
        lambda w, s: F(w).embedding_bag(
            const(w, IDX), w, const(w, OFF), mode="sum", per_sample_weights=s
        ),
        shapes=table(extra=(len(IDX),)),
    ),
    "embedding_bag:per_sample_weights_padding": OpSpec(
        lambda w, s: F(w).embedding_bag(
            const(w, IDX), w, const(w, OFF), mode="sum", per_sample_weights=s, padding_idx=2
        ),
        shapes=table(extra=(len(IDX),)),
    ),
    "embedding_bag:2d_mean": OpSpec(
        lambda w: F(w).embedding_bag(const(w, IDX_2D), w), shapes=table()
    ),
    "embedding_bag:2d_max": OpSpec(
        lambda w: F(w).embedding_bag(const(w, IDX_2D), distinct(w), mode="max"), shapes=table()
    ),
    "embedding_bag:2d_per_sample_weights": OpSpec(
        lambda w, s: F(w).embedding_bag(const(w, IDX_2D), w, mode="sum", per_sample_weights=s),
        shapes=table(extra=IDX_2D.shape),
    ),
}

RRELU = {
    "rrelu:eval": OpSpec(lambda x: F(x).rrelu(x), kinks=(0.0,)),
    "rrelu:eval_bounds": OpSpec(lambda x: F(x).rrelu(x, 0.3, 0.7, training=False), kinks=(0.0,)),
    # lower == upper: training draws the one slope there is, so both libraries agree exactly
    "rrelu:train_fixed_slope": OpSpec(
        lambda x: F(x).rrelu(x, 0.2, 0.2, training=True), kinks=(0.0,)
    ),
    "rrelu:train_fixed_slope_at_zero": OpSpec(
        lambda x: F(x).rrelu(x * 0, 0.4, 0.4, training=True), gradcheck=False
    ),
}

OP_TABLE = {**EMBEDDING_BAG, **RRELU}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@settings(max_examples=15)
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(n for n in OP_TABLE if OP_TABLE[n].gradcheck))
@settings(max_examples=5)  # finite differences cost two calls per element
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


# --- embedding_bag: ties, edges, max_norm, misuse ------------------------------------------------

WEIGHT = np.array([[1.0, 5.0], [1.0, 2.0], [3.0, 5.0], [0.0, 0.0], [-1.0, 4.0], [2.0, -2.0]])


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize(
    ("indices", "offsets", "kwargs"),
    [
        # ties of the maximum inside a bag: the gradient goes to the first row holding it
        (IDX, OFF, {}),
        (np.array([1, 0, 2, 0, 1, 3, 2]), np.array([0, 2, 2, 5]), {"padding_idx": 1}),
        # every bag empty, no indices at all, a bag of padding only
        (np.array([], dtype=np.int64), np.array([0, 0]), {}),
        (np.array([4, 4]), np.array([0, 1]), {"padding_idx": 4}),
        # int32 indices and offsets
        (IDX.astype(np.int32), OFF.astype(np.int32), {}),
        (np.array([0, 1]), np.array([0, 2, 2]), {"include_last_offset": True}),
        # offsets[-1] short of the input's end: the last bag runs on to the end
        (np.array([4, 3, 0, 1, 2, 0, 4]), np.array([0, 5, 6]), {"include_last_offset": True}),
        (
            np.array([4, 3, 0, 1, 2, 0, 4]),
            np.array([0, 3]),
            {"include_last_offset": True, "padding_idx": 4},
        ),
    ],
)
def test_embedding_bag_edges_match_torch(
    mode: str, indices: np.ndarray, offsets: np.ndarray, kwargs: dict
) -> None:
    check_against_torch(
        lambda w: F(w).embedding_bag(const(w, indices), w, const(w, offsets), mode=mode, **kwargs),
        None,
        [WEIGHT],
    )


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_2d_input_ignores_include_last_offset_like_torch(mode: str) -> None:
    # every row of a 2-D input is a bag: include_last_offset drops none of them
    check_against_torch(
        lambda w: F(w).embedding_bag(
            const(w, np.array([[2, 0], [5, 1], [3, 4]])),
            w,
            mode=mode,
            include_last_offset=True,
        ),
        None,
        [WEIGHT],
    )


def test_embedding_bag_empty_2d_input_matches_torch() -> None:
    check_against_torch(
        lambda w: F(w).embedding_bag(lib(w).zeros(0, 3, dtype=lib(w).int64), w), None, [WEIGHT]
    )


def test_embedding_bag_no_offsets_is_no_bags() -> None:
    # (torch 2.13 crashes with a segmentation fault on these inputs in float64)
    weight = ag.tensor(WEIGHT, requires_grad=True)
    for offsets, last in (([], False), ([0], True)):
        out = AF.embedding_bag(
            ag.tensor([3]), weight, ag.tensor(offsets, dtype=ag.int64), include_last_offset=last
        )
        assert tuple(out.shape) == (0, 2) and out.dtype == ag.float64


def test_embedding_bag_bags_of_no_elements_are_zeros() -> None:
    # torch fails on a (B, 0) input ("step must be nonzero"); arraygrad gives B empty bags
    out = AF.embedding_bag(ag.zeros(2, 0, dtype=ag.int64), ag.tensor(WEIGHT))
    np.testing.assert_array_equal(out.numpy(), np.zeros((2, 2)))


def _bags_through_embedding(w: Any, mode: str) -> Any:
    """embedding_bag as torch's ``embedding`` (whose ``scale_grad_by_freq`` divides each row's
    gradient by how often the row occurs in the batch) followed by sums over the bags."""
    rows = F(w).embedding(const(w, IDX), w, scale_grad_by_freq=True)
    bounds = [*OFF.tolist(), len(IDX)]
    bags = []
    for start, stop in itertools.pairwise(bounds):
        total = rows[start:stop].sum(0)
        bags.append(total / max(stop - start, 1) if mode == "mean" else total)
    return lib(w).stack(bags)


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_scale_grad_by_freq_is_embeddings(mode: str) -> None:
    # torch's own embedding_bag scales by frequencies looked up at the wrong positions (in
    # float32 and float64 alike: with the indices of IDX, row 1, which occurs once, gets half
    # its gradient and row 2, which occurs twice, the full one); arraygrad does what the
    # documentation says, which is what torch's embedding does
    weight = np.random.default_rng(0).standard_normal((ROWS, 3))
    check_against_torch(
        lambda w: F(w).embedding_bag(
            const(w, IDX), w, const(w, OFF), mode=mode, scale_grad_by_freq=True
        ),
        lambda w: _bags_through_embedding(w, mode),
        [weight],
    )


@pytest.mark.parametrize("mode", ["sum", "max"])
def test_embedding_bag_max_norm_renormalises_like_torch(mode: str) -> None:
    results = []
    for L in (torch, ag):
        weight = L.tensor(WEIGHT.copy())
        out = L.nn.functional.embedding_bag(
            L.tensor(IDX), weight, L.tensor(OFF), max_norm=2.0, mode=mode
        )
        results.append((out.numpy(), weight.numpy()))
    (theirs_out, theirs_w), (mine_out, mine_w) = results
    np.testing.assert_allclose(mine_out, theirs_out, rtol=1e-6)
    np.testing.assert_allclose(mine_w, theirs_w, rtol=1e-6)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda L, w: L.nn.functional.embedding_bag(L.tensor([0, 1]), w), ValueError),
        (
            lambda L, w: L.nn.functional.embedding_bag(L.tensor([[0, 1]]), w, L.tensor([0])),
            ValueError,
        ),
        (
            lambda L, w: L.nn.functional.embedding_bag(L.tensor([0, 1]), w, L.tensor([[0]])),
            ValueError,
        ),
        (lambda L, w: L.nn.functional.embedding_bag(L.tensor([[[0]]]), w), ValueError),
        (lambda L, w: L.nn.functional.embedding_bag(L.tensor([[0]]), w[0]), ValueError),
        (lambda L, w: L.nn.functional.embedding_bag(L.tensor([[0]]), w, mode="min"), ValueError),
        (
            lambda L, w: L.nn.functional.embedding_bag(
                L.tensor([[0]]), w, mode="max", scale_grad_by_freq=True
            ),
            ValueError,
        ),
        (
            lambda L, w: L.nn.functional.embedding_bag(
                L.tensor([[0, 1]]), w, per_sample_weights=L.ones(1, 3, dtype=L.float64)
            ),
            ValueError,
        ),
        (
            lambda L, w: L.nn.functional.embedding_bag(
                L.tensor([[0, 1]]), w, mode="mean", per_sample_weights=L.ones(1, 2)
            ),
            NotImplementedError,
        ),
        (
            lambda L, w: L.nn.functional.embedding_bag(
                L.tensor([[0, 1]]), w, mode="sum", per_sample_weights=L.ones(1, 2)
            ),
            RuntimeError,  # float32 weights for a float64 table
        ),
        (lambda L, w: L.nn.functional.embedding_bag(L.tensor([[0.0, 1.0]]), w), RuntimeError),
        (lambda L, w: L.nn.functional.embedding_bag(L.tensor([[0, 9]]), w), RuntimeError),
        (lambda L, w: L.nn.functional.embedding_bag(L.tensor([[-1, 0]]), w), RuntimeError),
        (
            lambda L, w: L.nn.functional.embedding_bag(L.tensor([0, 1]), w, L.tensor([1])),
            RuntimeError,
        ),
        (
            lambda L, w: L.nn.functional.embedding_bag(L.tensor([0, 1]), w, L.tensor([0, 3])),
            RuntimeError,
        ),
        (
            lambda L, w: L.nn.functional.embedding_bag(L.tensor([[0]]), w, padding_idx=6),
            RuntimeError,
        ),
        (
            lambda L, w: L.nn.functional.embedding_bag(L.tensor([[0]]), w, padding_idx=-7),
            RuntimeError,
        ),
    ],
)
def test_embedding_bag_misuse_raises_like_torch(call: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        call(torch, torch.tensor(WEIGHT))
    with pytest.raises(error):
        call(ag, ag.tensor(WEIGHT))


def test_embedding_bag_decreasing_offsets_raise_like_torch() -> None:
    # torch checks this only on its float32 path (its float64 path reads past the bag)
    with pytest.raises(RuntimeError):
        torch.nn.functional.embedding_bag(
            torch.tensor([0, 1, 2]), torch.ones(3, 2), torch.tensor([0, 2, 1])
        )
    for dtype in (ag.float32, ag.float64):
        with pytest.raises(RuntimeError, match=r"non-decreasing, but got \[0, 2, 1\]"):
            AF.embedding_bag(ag.tensor([0, 1, 2]), ag.ones(3, 2, dtype=dtype), ag.tensor([0, 2, 1]))


def test_embedding_bag_messages_name_the_problem() -> None:
    with pytest.raises(RuntimeError, match=r"value 9 which is not in the valid range \[0, 6\)"):
        AF.embedding_bag(ag.tensor([[0, 9]]), ag.tensor(WEIGHT))
    with pytest.raises(ValueError, match=r"offsets has to be a 1D Tensor but got None.*Fix"):
        AF.embedding_bag(ag.tensor([0, 1]), ag.tensor(WEIGHT))


# --- nn.EmbeddingBag ------------------------------------------------------------------------------

MODULE_CASES = {
    "mean": (lambda nn: nn.EmbeddingBag(ROWS, 3), lambda m, a: m(a[0], a[1])),
    "sum_padding": (
        lambda nn: nn.EmbeddingBag(ROWS, 3, mode="sum", padding_idx=-2),
        lambda m, a: m(a[0], a[1]),
    ),
    "max_last_offset": (
        lambda nn: nn.EmbeddingBag(ROWS, 3, mode="max", include_last_offset=True),
        lambda m, a: m(a[0], lib(a[0]).tensor(OFF_LAST)),
    ),
    "per_sample_weights": (
        lambda nn: nn.EmbeddingBag(ROWS, 3, mode="sum"),
        lambda m, a: m(a[0], a[1], per_sample_weights=a[2]),
    ),
}


@pytest.mark.parametrize("name", sorted(MODULE_CASES))
def test_embedding_bag_module_matches_torch(name: str) -> None:
    build, call = MODULE_CASES[name]
    psw = np.linspace(-1.0, 2.0, len(IDX))
    compare_module(build, (IDX, OFF, psw), call=call)


def test_embedding_bag_module_2d_input_and_state_dict_match_torch() -> None:
    compare_module(
        lambda nn: nn.EmbeddingBag(ROWS, 2, mode="max"), (IDX_2D,), call=lambda m, a: m(a[0])
    )
    theirs, mine = torch.nn.EmbeddingBag(ROWS, 2), ag.nn.EmbeddingBag(ROWS, 2)
    assert list(mine.state_dict()) == list(theirs.state_dict())


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"max_norm": 1.0, "mode": "sum", "padding_idx": 1, "scale_grad_by_freq": True},
        {"norm_type": 1.0, "mode": "max", "include_last_offset": True, "padding_idx": -1},
    ],
)
def test_embedding_bag_module_repr_matches_torch(kwargs: dict) -> None:
    assert repr(ag.nn.EmbeddingBag(5, 3, **kwargs)) == repr(torch.nn.EmbeddingBag(5, 3, **kwargs))


def test_embedding_bag_module_init_zeroes_padding_row_and_draws_normal() -> None:
    ag.manual_seed(0)
    weight = ag.nn.EmbeddingBag(400, 5, padding_idx=-1).weight.detach().numpy()
    np.testing.assert_array_equal(weight[-1], np.zeros(5))
    assert abs(weight[:-1].mean()) < 0.05 and abs(weight[:-1].std() - 1.0) < 0.05


@pytest.mark.parametrize("freeze", [True, False])
def test_embedding_bag_from_pretrained_like_torch(freeze: bool) -> None:
    theirs = torch.nn.EmbeddingBag.from_pretrained(
        torch.tensor(WEIGHT), freeze=freeze, mode="sum", padding_idx=3
    )
    mine = ag.nn.EmbeddingBag.from_pretrained(
        ag.tensor(WEIGHT), freeze=freeze, mode="sum", padding_idx=3
    )
    assert mine.weight.requires_grad == theirs.weight.requires_grad == (not freeze)
    np.testing.assert_array_equal(mine.weight.detach().numpy(), WEIGHT)  # padding row kept
    args = (IDX, OFF)
    np.testing.assert_allclose(
        mine(*[ag.tensor(a) for a in args]).detach().numpy(),
        theirs(*[torch.tensor(a) for a in args]).detach().numpy(),
    )
    assert repr(mine) == repr(theirs)


def test_embedding_bag_module_misuse_raises_like_torch() -> None:
    for nn in (torch.nn, ag.nn):
        with pytest.raises(AssertionError):
            nn.EmbeddingBag(3, 2, padding_idx=3)
        with pytest.raises(AssertionError):
            nn.EmbeddingBag(3, 2, padding_idx=-4)
        with pytest.raises(AssertionError):
            nn.EmbeddingBag(3, 2, _weight=(torch if nn is torch.nn else ag).ones(2, 2))
    with pytest.raises(AssertionError):
        torch.nn.EmbeddingBag.from_pretrained(torch.ones(3))
    with pytest.raises(AssertionError):
        ag.nn.EmbeddingBag.from_pretrained(ag.ones(3))


# --- rrelu / RReLU --------------------------------------------------------------------------------


def _train_sample(lower: float, upper: float, size: int = 20000) -> tuple[np.ndarray, ...]:
    x = ag.tensor(np.linspace(-3.0, 3.0, size), requires_grad=True)
    out = AF.rrelu(x, lower, upper, training=True)
    (grad,) = ag.autograd.grad(out.sum(), [x])
    return x.detach().numpy(), out.detach().numpy(), grad.numpy()


def test_rrelu_training_slopes_are_uniform_in_the_bounds() -> None:
    ag.manual_seed(0)
    lower, upper = 0.1, 0.4
    x, out, grad = _train_sample(lower, upper)
    negative = x < 0
    slopes = out[negative] / x[negative]
    assert np.all((slopes >= lower) & (slopes <= upper))
    np.testing.assert_array_equal(out[~negative], x[~negative])
    # the gradient is the drawn slope where x < 0, 1 elsewhere
    np.testing.assert_allclose(grad[negative], slopes, rtol=1e-12)
    np.testing.assert_array_equal(grad[x > 0], 1.0)
    # U(lower, upper): mean (l + u) / 2, standard deviation (u - l) / sqrt(12)
    assert abs(slopes.mean() - (lower + upper) / 2) < 0.005
    assert abs(slopes.std() - (upper - lower) / np.sqrt(12)) < 0.005
    assert len(np.unique(slopes)) > 0.99 * len(slopes)  # one draw per element


def test_rrelu_training_draws_a_slope_at_zero_like_torch() -> None:
    for L in (torch, ag):
        x = L.zeros(500, dtype=L.float64, requires_grad=True)
        L.nn.functional.rrelu(x, 0.2, 0.6, training=True).sum().backward()
        grad = x.grad.numpy()
        assert np.all((grad >= 0.2) & (grad <= 0.6)) and len(np.unique(grad)) > 1


def test_rrelu_training_is_reproducible_with_manual_seed() -> None:
    draws = []
    for _ in range(2):
        ag.manual_seed(5)
        draws.append(AF.rrelu(ag.tensor([-1.0, -2.0, -3.0]), training=True).numpy())
    np.testing.assert_array_equal(draws[0], draws[1])
    assert not np.array_equal(
        draws[0], AF.rrelu(ag.tensor([-1.0, -2.0, -3.0]), training=True).numpy()
    )


@pytest.mark.parametrize("training", [False, True])
def test_rrelu_inplace_writes_the_input(training: bool) -> None:
    values = np.array([-2.0, 0.5, -1.0])
    for L in (torch, ag):
        x = L.tensor(values)
        out = L.nn.functional.rrelu_(x, 0.25, 0.25, training=training)
        assert out is x
        np.testing.assert_allclose(x.numpy(), [-0.5, 0.5, -0.25])
        y = L.tensor(values)
        L.nn.functional.rrelu(y, 0.25, 0.25, training=training, inplace=True)
        np.testing.assert_allclose(y.numpy(), [-0.5, 0.5, -0.25])


def test_rrelu_inplace_training_gradient_flows_to_the_input() -> None:
    ag.manual_seed(1)
    x = ag.tensor([-2.0, 3.0], requires_grad=True)
    y = x * 1.0
    AF.rrelu_(y, 0.1, 0.3, training=True)
    (grad,) = ag.autograd.grad(y.sum(), [x])
    assert 0.1 <= grad.numpy()[0] <= 0.3 and grad.numpy()[1] == 1.0
    np.testing.assert_allclose(y.detach().numpy()[0] / -2.0, grad.numpy()[0])


def test_rrelu_module_matches_torch_in_eval_and_is_random_in_training() -> None:
    x = np.linspace(-2.0, 2.0, 9)
    compare_module(lambda nn: nn.RReLU(0.2, 0.5), (x,), train=False)
    module = ag.nn.RReLU(0.2, 0.5)
    first = module(ag.tensor(x)).numpy()
    assert not np.array_equal(first, module(ag.tensor(x)).numpy())
    assert repr(module) == repr(torch.nn.RReLU(0.2, 0.5))
    assert repr(ag.nn.RReLU(inplace=True)) == repr(torch.nn.RReLU(inplace=True))


@pytest.mark.parametrize("training", [False, True])
def test_rrelu_bounds_in_the_wrong_order_raise_like_torch(training: bool) -> None:
    with pytest.raises(RuntimeError, match="Lower bound should be less than or equal"):
        torch.nn.functional.rrelu(torch.ones(2), 0.5, 0.1, training=training)
    with pytest.raises(RuntimeError, match=r"Lower bound should be less than or equal.*Fix"):
        AF.rrelu(ag.ones(2), 0.5, 0.1, training=training)


# --- gumbel_softmax -------------------------------------------------------------------------------

LOGITS = np.array([[0.5, -1.0, 2.0, 0.0], [1.0, 1.0, -0.5, 3.0], [-2.0, 0.0, 0.0, 1.5]])


def _replay_in_torch(tau: float, hard: bool, dim: int, seed: int) -> None:
    """Sample in arraygrad, recover the Gumbel noise from the soft sample (up to a constant
    per slice, which softmax ignores), and run torch's own formula with that noise."""
    ag.manual_seed(seed)
    soft = AF.gumbel_softmax(ag.tensor(LOGITS), tau=tau, dim=dim).numpy()
    noise = tau * np.log(soft) - LOGITS
    ag.manual_seed(seed)
    logits = ag.tensor(LOGITS, requires_grad=True)
    mine = AF.gumbel_softmax(logits, tau=tau, hard=hard, dim=dim)

    t_logits = torch.tensor(LOGITS, requires_grad=True)
    y_soft = ((t_logits + torch.tensor(noise)) / tau).softmax(dim)
    if hard:
        index = y_soft.max(dim, keepdim=True)[1]
        y_hard = torch.zeros_like(y_soft).scatter_(dim, index, 1.0)
        theirs = y_hard - y_soft.detach() + y_soft
    else:
        theirs = y_soft
    np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), atol=1e-12)
    cotangent = np.random.default_rng(seed).standard_normal(LOGITS.shape)
    (my_grad,) = ag.autograd.grad(mine, [logits], ag.tensor(cotangent))
    (their_grad,) = torch.autograd.grad(theirs, [t_logits], torch.tensor(cotangent))
    np.testing.assert_allclose(my_grad.numpy(), their_grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize(("tau", "dim"), [(1.0, -1), (0.3, 1), (2.0, 0)])
def test_gumbel_softmax_is_torchs_formula_on_its_noise(tau: float, hard: bool, dim: int) -> None:
    for seed in range(3):
        _replay_in_torch(tau, hard, dim, seed)


def test_gumbel_softmax_hard_is_one_hot_with_the_soft_gradient() -> None:
    ag.manual_seed(3)
    logits = ag.tensor(LOGITS, requires_grad=True)
    soft = AF.gumbel_softmax(logits, tau=0.5)
    ag.manual_seed(3)
    hard = AF.gumbel_softmax(logits, tau=0.5, hard=True)
    rows = np.arange(LOGITS.shape[0])
    picked = soft.detach().numpy().argmax(-1)
    expected = np.zeros_like(LOGITS)
    expected[rows, picked] = 1.0
    np.testing.assert_allclose(hard.detach().numpy(), expected, atol=1e-15)
    cotangent = ag.tensor(np.random.default_rng(0).standard_normal(LOGITS.shape))
    (soft_grad,) = ag.autograd.grad(soft, [logits], cotangent)
    (hard_grad,) = ag.autograd.grad(hard, [logits], cotangent)
    np.testing.assert_allclose(hard_grad.numpy(), soft_grad.numpy(), rtol=1e-12)


def test_gumbel_softmax_samples_classes_by_softmax_probabilities() -> None:
    ag.manual_seed(0)
    logits = np.array([1.0, 0.0, -1.0, 0.5])
    samples = 40000
    batch = ag.tensor(np.tile(logits, (samples, 1)))
    hard = AF.gumbel_softmax(batch, tau=0.7, hard=True).numpy()
    np.testing.assert_allclose(hard.sum(-1), 1.0)
    frequency = hard.mean(0)
    probability = np.exp(logits) / np.exp(logits).sum()
    tolerance = 5 * np.sqrt(probability * (1 - probability) / samples)  # 5 sigma
    assert np.all(np.abs(frequency - probability) < tolerance), (frequency, probability)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gumbel_softmax_soft_samples_lie_on_the_simplex(dtype: str) -> None:
    ag.manual_seed(0)
    out = AF.gumbel_softmax(ag.tensor(LOGITS, dtype=getattr(ag, dtype)), tau=0.1, dim=0)
    assert out.dtype == getattr(ag, dtype) and tuple(out.shape) == LOGITS.shape
    values = out.numpy()
    assert np.all((values >= 0) & (values <= 1)) and np.all(np.isfinite(values))
    np.testing.assert_allclose(values.sum(0), 1.0, rtol=1e-5)


@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax_of_one_element_like_torch(hard: bool) -> None:
    for shape in [(), (1,), (0, 2)] + ([] if hard else [(2, 0)]):
        theirs = torch.nn.functional.gumbel_softmax(torch.zeros(shape), hard=hard)
        mine = AF.gumbel_softmax(ag.zeros(shape), hard=hard)
        assert tuple(mine.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_gumbel_softmax_misuse_raises_like_torch() -> None:
    with pytest.raises(RuntimeError, match="dtype must be a floating point"):
        torch.nn.functional.gumbel_softmax(torch.ones(3, dtype=torch.int64))
    with pytest.raises(RuntimeError, match=r"dtype must be a floating point.*Fix"):
        AF.gumbel_softmax(ag.ones(3, dtype=ag.int64))
    for L in (torch, ag):
        with pytest.raises(IndexError):
            L.nn.functional.gumbel_softmax(L.ones(2, 3), dim=2)
        with pytest.raises(IndexError):  # a hard sample of no classes
            L.nn.functional.gumbel_softmax(L.ones(2, 0), hard=True)
        with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
            L.nn.functional.gumbel_softmax(L.ones(2, 3), eps=1e-5)


def test_embedding_bag_loads_torch_state_dict() -> None:
    theirs = torch.nn.EmbeddingBag(4, 2)
    mine = ag.nn.EmbeddingBag(4, 2)
    copy_weights(theirs, mine)
    np.testing.assert_array_equal(mine.weight.detach().numpy(), theirs.weight.detach().numpy())


@pytest.mark.parametrize("dtype", ["int8", "int16", "uint8", "int32", "int64"])
def test_index_dtypes_of_embedding_and_embedding_bag_follow_torch(dtype: str) -> None:
    # embedding takes int64 and int32 indices only; embedding_bag any integer type.
    outcomes = []
    for module in (torch, ag):
        indices = module.tensor([0, 2], dtype=getattr(module, dtype))
        weight = module.arange(6.0).reshape(3, 2)
        try:
            rows = module.nn.functional.embedding(indices, weight).tolist()
        except RuntimeError as error:
            assert "Long, Int" in str(error)
            rows = "refused"
        bags = module.nn.functional.embedding_bag(indices, weight, module.tensor([0])).tolist()
        outcomes.append((rows, bags))
    assert outcomes[1] == outcomes[0]
