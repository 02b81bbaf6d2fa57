"""Random sampling (``_random``: bernoulli, binomial, normal, multinomial, poisson) and the
in-place random fills of ``Tensor`` (``normal_``, ``uniform_``, ...) against torch 2.13.0.

Distributions are tested here through their moments (within five standard errors for the sample
size), and shapes, dtypes, gradients, seeding and errors are compared with torch; the values
themselves are compared with torch's, bit for bit, in ``test_random_stream.py``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

N = 40_000


def _close(values: np.ndarray, expected_mean: float, expected_std: float) -> None:
    """The sample mean is within five standard errors of ``expected_mean``, and the sample std
    within 5% of ``expected_std``."""
    assert abs(values.mean() - expected_mean) < 5 * expected_std / math.sqrt(values.size)
    assert abs(values.std() - expected_std) < 0.05 * expected_std


def _dtype_name(t: Any) -> str:
    return str(t.dtype).split(".")[-1]


# --- in-place fills: distributions -----------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normal_uniform_exponential_moments(dtype: str) -> None:
    d = getattr(ag, dtype)
    _close(ag.empty(N, dtype=d).normal_(2.0, 3.0).double().numpy(), 2.0, 3.0)
    _close(ag.empty(N, dtype=d).normal_().double().numpy(), 0.0, 1.0)
    uniform = ag.empty(N, dtype=d).uniform_(-1.0, 3.0).double().numpy()
    assert uniform.min() >= -1.0 and uniform.max() < 3.0
    _close(uniform, 1.0, 4.0 / math.sqrt(12))
    exponential = ag.empty(N, dtype=d).exponential_(4.0).double().numpy()
    assert exponential.min() >= 0.0
    _close(exponential, 0.25, 0.25)


def test_log_normal_cauchy_geometric_distributions() -> None:
    logs = np.log(ag.empty(N, dtype=ag.float64).log_normal_(0.5, 0.25).numpy())
    _close(logs, 0.5, 0.25)
    assert ag.empty(N).log_normal_().min().item() > 0
    cauchy = ag.empty(N, dtype=ag.float64).cauchy_(1.0, 2.0).numpy()
    # The Cauchy distribution has no mean: its median and quartiles (median +- sigma) instead.
    q1, median, q3 = np.quantile(cauchy, [0.25, 0.5, 0.75])
    assert abs(median - 1.0) < 0.1 and abs(q1 - (-1.0)) < 0.15 and abs(q3 - 3.0) < 0.15
    geometric = ag.empty(N, dtype=ag.int64).geometric_(0.25).numpy()
    assert geometric.min() == 1 and geometric.dtype == np.int64
    _close(geometric.astype(float), 4.0, math.sqrt(0.75) / 0.25)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool", "uint8"])
def test_bernoulli_fill_probability_and_dtype(dtype: str) -> None:
    x = ag.empty(N, dtype=getattr(ag, dtype)).bernoulli_(0.3)
    theirs = torch.empty(3, dtype=getattr(torch, dtype)).bernoulli_(0.3)
    assert _dtype_name(x) == _dtype_name(theirs)
    values = x.double().numpy()
    assert set(np.unique(values)) <= {0.0, 1.0}
    _close(values, 0.3, math.sqrt(0.21))


def test_bernoulli_fill_with_tensor_probabilities_broadcasts() -> None:
    x = ag.empty(N // 4, 4).bernoulli_(ag.tensor([0.0, 1.0, 0.5, 0.1]))
    means = x.numpy().mean(0)
    assert means[0] == 0.0 and means[1] == 1.0
    assert abs(means[2] - 0.5) < 0.03 and abs(means[3] - 0.1) < 0.02


@pytest.mark.parametrize(
    ("dtype", "low", "high"),
    [
        ("float32", 0, 2**24),
        ("float16", 0, 2**11),
        ("float64", 0, 2**53),
        ("uint8", 0, 255),
        ("int8", 0, 127),
        ("int16", 0, 2**15 - 1),
        ("int32", 0, 2**31 - 1),
        ("int64", 0, 2**63 - 1),
        ("bool", 0, 1),
    ],
)
def test_random_default_range_matches_torch(dtype: str, low: int, high: int) -> None:
    theirs = torch.empty(N, dtype=getattr(torch, dtype)).random_()
    mine = ag.empty(N, dtype=getattr(ag, dtype)).random_()
    assert _dtype_name(mine) == _dtype_name(theirs)
    for values in (theirs.numpy(), mine.numpy()):
        # Python ints: int64's bounds are not exact as floats.
        assert low <= int(values.min()) and int(values.max()) <= high
        assert (values == np.floor(values)).all()
        assert int(values.max()) > high // 2  # the range is used, not a small part of it


@pytest.mark.parametrize(
    ("args", "dtype"),
    [
        ((5,), "float32"),
        ((-5, -2), "float64"),
        ((3, 10), "int64"),
        ((2,), "bool"),
        ((0, 256), "uint8"),
    ],
)
def test_random_bounds_cover_the_half_open_range(args: tuple[int, ...], dtype: str) -> None:
    expected = set(range(*args) if len(args) == 2 else range(args[0]))
    mine = ag.empty(N, dtype=getattr(ag, dtype)).random_(*args)
    theirs = torch.empty(N, dtype=getattr(torch, dtype)).random_(*args)
    assert {int(v) for v in mine.tolist()} == {int(v) for v in theirs.tolist()} == expected


# --- in-place fills: autograd, versions, seeding ---------------------------------------------

FILLS = [
    lambda x, **k: x.normal_(**k),
    lambda x, **k: x.uniform_(**k),
    lambda x, **k: x.random_(**k),
    lambda x, **k: x.random_(7, **k),
    lambda x, **k: x.bernoulli_(**k),
    lambda x, **k: x.bernoulli_(x.detach().new_full((x.shape[-1],), 0.5), **k),
    lambda x, **k: x.exponential_(**k),
    lambda x, **k: x.log_normal_(**k),
    lambda x, **k: x.cauchy_(**k),
    lambda x, **k: x.geometric_(0.5, **k),
]


@pytest.mark.parametrize("fill", FILLS)
def test_fills_return_self_bump_the_version_and_keep_the_shape(fill: Any) -> None:
    x = ag.zeros(2, 3)
    before = x._version
    assert fill(x) is x
    assert x._version > before and tuple(x.shape) == (2, 3) and x.dtype is ag.float32


@pytest.mark.parametrize("fill", FILLS)
def test_fills_on_leaves_and_in_graphs_match_torch(fill: Any) -> None:
    with pytest.raises(RuntimeError):
        fill(torch.zeros(2, 3, requires_grad=True))
    with pytest.raises(RuntimeError):
        fill(ag.zeros(2, 3, requires_grad=True))
    for lib in (torch, ag):
        w = lib.ones(2, 3, requires_grad=True)
        with lib.no_grad():
            fill(w)
        assert w.requires_grad and w.is_leaf
    # Inside a graph the filled tensor requires grad and sends zeros back, as in torch (a zero
    # tensor, not None: the input stays connected to the result).
    grads = []
    for lib in (torch, ag):
        w = lib.ones(2, 3, requires_grad=True)
        y = fill(w * 2)
        assert y.requires_grad
        (grad,) = lib.autograd.grad((y * 3).sum(), [w], allow_unused=True)
        grads.append(grad)
    assert grads[0] is not None and grads[1] is not None
    assert _dtype_name(grads[1]) == _dtype_name(grads[0])
    np.testing.assert_array_equal(grads[1].numpy(), grads[0].numpy())


@pytest.mark.parametrize("fill", FILLS)
def test_fills_are_seeded_globally_and_by_generators(fill: Any) -> None:
    ag.manual_seed(5)
    first = fill(ag.zeros(50)).tolist()
    ag.manual_seed(5)
    assert fill(ag.zeros(50)).tolist() == first
    g = ag.Generator().manual_seed(11)
    from_generator = fill(ag.zeros(50), generator=g).tolist()
    ag.manual_seed(5)
    fill(ag.zeros(50), generator=ag.Generator().manual_seed(11))  # leaves the global state
    assert fill(ag.zeros(50)).tolist() == first
    g.manual_seed(11)
    assert fill(ag.zeros(50), generator=g).tolist() == from_generator


def test_fills_of_empty_and_zero_dim_tensors() -> None:
    assert ag.zeros(0, 3).normal_().shape == torch.zeros(0, 3).normal_().shape
    x = ag.tensor(5.0).uniform_(2.0, 3.0)
    assert x.ndim == 0 and 2.0 <= x.item() < 3.0


# --- top-level samplers ----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_bernoulli_values_dtype_and_gradient_match_torch(dtype: str) -> None:
    probs = [0.0, 1.0, 1.0, 0.0]
    theirs = torch.bernoulli(torch.tensor(probs, dtype=getattr(torch, dtype)))
    mine = ag.bernoulli(ag.tensor(probs, dtype=getattr(ag, dtype)))
    assert mine.tolist() == theirs.tolist() and _dtype_name(mine) == _dtype_name(theirs)
    assert ag.tensor(probs).bernoulli().tolist() == probs
    p = ag.full((N,), 0.2, dtype=getattr(ag, dtype), requires_grad=True)
    out = ag.bernoulli(p)
    _close(out.detach().double().numpy(), 0.2, 0.4)
    assert (
        out.requires_grad
        is torch.bernoulli(torch.full((2,), 0.2, requires_grad=True)).requires_grad
    )
    (grad,) = ag.autograd.grad(out.sum(), [p])
    assert not grad.numpy().any()
    _close(ag.bernoulli(ag.zeros(N), 0.7).numpy(), 0.7, math.sqrt(0.21))
    assert ag.bernoulli(ag.zeros(0)).shape == torch.bernoulli(torch.zeros(0)).shape


def test_poisson_moments_dtype_and_gradient() -> None:
    rates = ag.tensor([0.0, 0.5, 4.0, 30.0], dtype=ag.float64).repeat(N // 4).reshape(-1, 4)
    counts = ag.poisson(rates).numpy()
    assert (counts[:, 0] == 0).all() and (counts == np.floor(counts)).all()
    for j, rate in enumerate([0.5, 4.0, 30.0], start=1):
        _close(counts[:, j], rate, math.sqrt(rate))
    r = ag.full((3,), 2.0, requires_grad=True)
    out = ag.poisson(r)
    assert out.dtype is ag.float32 and out.requires_grad
    assert not ag.autograd.grad(out.sum(), [r])[0].numpy().any()
    assert ag.poisson(ag.zeros(0, 2)).shape == torch.poisson(torch.zeros(0, 2)).shape


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_binomial_moments_and_dtype(dtype: str) -> None:
    d = getattr(ag, dtype)
    count = ag.tensor([0.0, 1.0, 10.0, 25.0, 1000.0], dtype=d).repeat(N // 5).reshape(-1, 5)
    prob = ag.tensor([0.5, 0.3, 0.5, 0.9, 0.02], dtype=d)
    draws = ag.binomial(count, prob)  # prob broadcasts over the rows
    assert _dtype_name(draws) == dtype and tuple(draws.shape) == tuple(count.shape)
    values = draws.double().numpy()
    assert (values[:, 0] == 0).all() and (values == np.floor(values)).all()
    assert (values >= 0).all() and (values <= count.double().numpy()).all()
    for j, (n, p) in enumerate([(1, 0.3), (10, 0.5), (25, 0.9), (1000, 0.02)], start=1):
        _close(values[:, j], n * p, math.sqrt(n * p * (1 - p)))


def test_binomial_edge_parameters_as_torch() -> None:
    # Probabilities beyond [0, 1] act as the nearer end and negative counts as 0, in both; a NaN
    # probability gives NaN, as in torch.
    count = [10.0, 10.0, 10.0, 10.0, -1.0, 0.0, 7.0]
    prob = [1.0, 0.0, 1.5, -0.5, 0.5, 0.5, float("nan")]
    theirs = torch.binomial(torch.tensor(count), torch.tensor(prob))
    mine = ag.binomial(ag.tensor(count), ag.tensor(prob))
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    for shapes in [((3, 1), (1, 4)), ((), ()), ((0,), (0,)), ((2, 3), (3,))]:
        out = ag.binomial(ag.ones(shapes[0]), ag.full(shapes[1], 0.5))
        assert tuple(out.shape) == tuple(torch.broadcast_shapes(*shapes))


def test_binomial_requires_grad_but_has_no_derivative_as_torch() -> None:
    for lib in (torch, ag):
        count = lib.full((3,), 4.0, requires_grad=True)
        out = lib.binomial(count, lib.full((3,), 0.5))
        assert out.requires_grad and "NotImplemented" in repr(out)
        with pytest.raises(RuntimeError, match="derivative for aten::binomial is not implemented"):
            out.sum().backward()
        assert lib.binomial(lib.ones(2), lib.ones(2, requires_grad=True)).requires_grad
        with lib.no_grad():
            assert not lib.binomial(count, lib.full((3,), 0.5)).requires_grad
        assert not lib.binomial(count.detach(), lib.full((3,), 0.5)).requires_grad


NORMAL_CASES = [
    lambda m: m.normal(m.zeros(2, 1), m.ones(3)),
    lambda m: m.normal(m.zeros(2, dtype=m.float64), m.ones(2)),
    lambda m: m.normal(m.zeros(2), m.ones(2, dtype=m.float64)),
    lambda m: m.normal(m.zeros(3, dtype=m.float16)),
    lambda m: m.normal(m.zeros(3), 2.0),
    lambda m: m.normal(1.0, m.ones(2, 2, dtype=m.float64)),
    lambda m: m.normal(1.0, 2.0, (2, 3)),
    lambda m: m.normal(1.0, 2.0, [4]),
    lambda m: m.normal(1.0, 2.0, size=(0, 2), dtype=m.float64),
    lambda m: m.normal(1.0, 2.0, (), requires_grad=True),
    lambda m: m.normal(m.zeros(2, requires_grad=True), 1.0),
    lambda m: m.normal(0.0, m.ones(2, requires_grad=True)),
    lambda m: m.normal(m.zeros(2, requires_grad=True), m.ones(2, requires_grad=True)),
]


@pytest.mark.parametrize("call", NORMAL_CASES)
def test_normal_overloads_match_torch(call: Any) -> None:
    theirs, mine = call(torch), call(ag)
    assert tuple(mine.shape) == tuple(theirs.shape)
    assert _dtype_name(mine) == _dtype_name(theirs)
    assert mine.requires_grad is theirs.requires_grad
    assert mine.is_leaf is theirs.is_leaf


def test_normal_moments_broadcast_and_zero_gradient() -> None:
    mean = ag.tensor([-3.0, 0.0, 5.0], dtype=ag.float64, requires_grad=True)
    std = ag.tensor([[0.5], [2.0]], dtype=ag.float64, requires_grad=True)
    out = ag.normal(mean, std)
    assert tuple(out.shape) == (2, 3)
    samples = np.stack([ag.normal(mean, std).detach().numpy() for _ in range(4000)])
    for i, s in enumerate([0.5, 2.0]):
        for j, m in enumerate([-3.0, 0.0, 5.0]):
            _close(samples[:, i, j], m, s)
    grads = ag.autograd.grad(ag.normal(mean, std).sum(), [mean, std])
    m_t = torch.tensor([-3.0, 0.0, 5.0], dtype=torch.float64, requires_grad=True)
    s_t = torch.tensor([[0.5], [2.0]], dtype=torch.float64, requires_grad=True)
    expected = torch.autograd.grad(torch.normal(m_t, s_t).sum(), [m_t, s_t])
    for g, e in zip(grads, expected, strict=True):
        np.testing.assert_array_equal(g.numpy(), e.numpy())
    _close(ag.normal(1.0, 2.0, (N,)).double().numpy(), 1.0, 2.0)
    assert (ag.normal(ag.full((4,), 7.0), 0.0) == 7.0).all()


def test_multinomial_with_replacement_frequencies() -> None:
    weights = ag.tensor([[1.0, 0.0, 3.0], [0.0, 5.0, 5.0]], dtype=ag.float64)
    draws = ag.multinomial(weights, N, replacement=True)
    assert draws.dtype is ag.int64 and tuple(draws.shape) == (2, N)
    counts = [np.bincount(row, minlength=3) / N for row in draws.numpy()]
    assert counts[0][1] == 0 and abs(counts[0][2] - 0.75) < 0.02
    assert counts[1][0] == 0 and abs(counts[1][1] - 0.5) < 0.02
    one_row = ag.tensor([2.0, 1.0, 1.0]).multinomial(N, True).numpy()
    assert abs((one_row == 0).mean() - 0.5) < 0.02


def test_multinomial_with_replacement_memory_is_not_samples_times_categories() -> None:
    import tracemalloc

    weights = ag.tensor(np.arange(2000.0)).expand(2, 2000)
    tracemalloc.start()
    try:
        draws = ag.multinomial(weights, 20_000, replacement=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # a comparison of every draw with every cumulative weight would need 80 MB here
    assert peak < 8_000_000, peak
    assert tuple(draws.shape) == (2, 20_000) and not (draws == 0).any()
    # P(index >= 1000) = sum of the upper half of the weights / all = 0.75 (to rounding)
    assert abs((draws.numpy() >= 1000).mean() - 1499500 / 1999000) < 0.02


def test_multinomial_without_replacement() -> None:
    weights = ag.tensor([0.1, 0.6, 0.0, 0.3])
    firsts = []
    for _ in range(3000):
        draw = ag.multinomial(weights, 3).tolist()
        assert len(set(draw)) == 3 and 2 not in draw
        firsts.append(draw[0])
    assert abs(firsts.count(1) / 3000 - 0.6) < 0.04
    # Once the positive weights are used up, zero-weight categories follow (as in torch).
    assert sorted(ag.multinomial(ag.tensor([1.0, 0.0]), 2).tolist()) == [0, 1]
    assert sorted(torch.multinomial(torch.tensor([1.0, 0.0]), 2).tolist()) == [0, 1]
    full = ag.multinomial(ag.ones(2, 5), 5)
    assert [sorted(row) for row in full.tolist()] == [[0, 1, 2, 3, 4]] * 2


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.multinomial(m.ones(4), 2),
        lambda m: m.multinomial(m.ones(3, 4), 4),
        lambda m: m.multinomial(m.ones(3, 4, dtype=m.float64), 9, True),
        lambda m: m.multinomial(m.zeros(0, 3), 2),
        lambda m: m.ones(2, 3).multinomial(1),
    ],
)
def test_multinomial_shapes_and_dtypes_match_torch(call: Any) -> None:
    theirs, mine = call(torch), call(ag)
    assert tuple(mine.shape) == tuple(theirs.shape) and _dtype_name(mine) == _dtype_name(theirs)
    assert not mine.requires_grad


@pytest.mark.parametrize(
    "call",
    [
        lambda m, g: m.bernoulli(m.full((40,), 0.5), generator=g),
        lambda m, g: m.poisson(m.full((40,), 3.0), generator=g),
        lambda m, g: m.binomial(m.full((40,), 30.0), m.full((40,), 0.4), generator=g),
        lambda m, g: m.binomial(m.full((40,), 30.0), m.full((40,), 0.4), g),
        lambda m, g: m.normal(m.zeros(40), 1.0, generator=g),
        lambda m, g: m.normal(0.0, 1.0, (40,), generator=g),
        lambda m, g: m.multinomial(m.ones(10), 5, generator=g),
        lambda m, g: m.multinomial(m.ones(10), 40, True, generator=g),
    ],
)
def test_samplers_are_seeded(call: Any) -> None:
    ag.manual_seed(1)
    first = call(ag, None).tolist()
    ag.manual_seed(1)
    assert call(ag, None).tolist() == first
    assert (
        call(ag, ag.Generator().manual_seed(2)).tolist()
        == call(ag, ag.Generator().manual_seed(2)).tolist()
    )
    call(torch, torch.Generator().manual_seed(2))  # torch takes the same arguments


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda m: m.zeros(3).normal_(0, -1), RuntimeError),
        (lambda m: m.zeros(3, dtype=m.int64).normal_(), NotImplementedError),
        (lambda m: m.zeros(3).uniform_(2, 1), RuntimeError),
        (lambda m: m.zeros(3, dtype=m.int64).uniform_(), NotImplementedError),
        (lambda m: m.zeros(3).bernoulli_(1.5), RuntimeError),
        (lambda m: m.zeros(3).bernoulli_(-0.1), RuntimeError),
        (lambda m: m.zeros(2).bernoulli_(m.tensor([0.0, 2.0])), RuntimeError),
        (lambda m: m.zeros(3).bernoulli_(m.tensor([0.0, 1.0])), RuntimeError),
        (lambda m: m.zeros(3).exponential_(0), RuntimeError),
        (lambda m: m.zeros(3).exponential_(-1), RuntimeError),
        (lambda m: m.zeros(3, dtype=m.int64).exponential_(), RuntimeError),
        (lambda m: m.zeros(3).log_normal_(1, 0), RuntimeError),
        (lambda m: m.zeros(3, dtype=m.int64).log_normal_(), NotImplementedError),
        (lambda m: m.zeros(3).cauchy_(0, 0), RuntimeError),
        (lambda m: m.zeros(3, dtype=m.int64).cauchy_(), RuntimeError),
        (lambda m: m.zeros(3).geometric_(0), RuntimeError),
        (lambda m: m.zeros(3).geometric_(1), RuntimeError),
        (lambda m: m.zeros(3, dtype=m.bool).geometric_(0.5), NotImplementedError),
        (lambda m: m.zeros(3).random_(5, 2), RuntimeError),
        (lambda m: m.zeros(3).random_(0), RuntimeError),
        (lambda m: m.zeros(3, dtype=m.int8).random_(0, 1000), RuntimeError),
        (lambda m: m.zeros(3, dtype=m.int8).random_(-200, 0), RuntimeError),
        (lambda m: m.zeros(3, dtype=m.uint8).random_(-1, 5), RuntimeError),
        (lambda m: m.zeros(3, dtype=m.bool).random_(3), RuntimeError),
        (lambda m: m.bernoulli(m.tensor([0, 1])), NotImplementedError),
        (lambda m: m.bernoulli(m.tensor([2.0, 1.0])), RuntimeError),
        (lambda m: m.bernoulli(m.tensor([float("nan")])), RuntimeError),
        (lambda m: m.bernoulli(m.zeros(2), 1.5), RuntimeError),
        (lambda m: m.poisson(m.tensor([-1.0])), RuntimeError),
        (lambda m: m.poisson(m.tensor([float("nan")])), RuntimeError),
        (lambda m: m.poisson(m.tensor([1])), NotImplementedError),
        (lambda m: m.binomial(m.ones(2).double(), m.ones(2)), RuntimeError),
        (lambda m: m.binomial(m.ones(2), m.ones(2).double()), RuntimeError),
        (lambda m: m.binomial(m.ones(2).long(), m.ones(2)), ValueError),
        (lambda m: m.binomial(m.ones(2), m.ones(2).long()), ValueError),
        (lambda m: m.binomial(m.ones(2).bool(), m.ones(2).bool()), ValueError),
        (lambda m: m.binomial(m.ones(2).half(), m.ones(2).half()), NotImplementedError),
        (lambda m: m.binomial(m.ones(3), m.ones(2)), RuntimeError),
        (lambda m: m.binomial(m.ones(2), 0.5), TypeError),
        (lambda m: m.binomial([1.0], m.ones(1)), TypeError),
        (lambda m: m.binomial(m.ones(2), m.ones(2), generator=5), TypeError),
        (lambda m: m.binomial(m.ones(2), m.ones(2), out=m.ones(2)), TypeError),
        (lambda m: m.normal(0.0, 1.0), TypeError),
        (lambda m: m.normal(0.0, 1.0, 4), TypeError),  # size is a sequence, not an int
        (lambda m: m.normal(0.0, 1.0, size=4), TypeError),
        (lambda m: m.normal(m.zeros(2), -1.0), RuntimeError),
        (lambda m: m.normal(m.zeros(2), -m.ones(2)), RuntimeError),
        (lambda m: m.normal(m.zeros(2), m.ones(3)), RuntimeError),
        (lambda m: m.normal(m.zeros(2, dtype=m.int64), 1.0), NotImplementedError),
        (lambda m: m.normal(1.0, -2.0, (2,)), RuntimeError),
        (lambda m: m.normal(1.0, 2.0, (-1,)), RuntimeError),
        (lambda m: m.normal(1.0, 2.0, (2,), dtype=m.int64), NotImplementedError),
        (lambda m: m.multinomial(m.tensor([-1.0, 1.0]), 1), RuntimeError),
        (lambda m: m.multinomial(m.tensor([float("inf"), 0.0]), 1), RuntimeError),
        (lambda m: m.multinomial(m.tensor([float("nan"), 1.0]), 1), RuntimeError),
        (lambda m: m.multinomial(m.tensor([0.0, 0.0]), 1), RuntimeError),
        (lambda m: m.multinomial(m.tensor([[1.0, 1.0], [0.0, 0.0]]), 1, True), RuntimeError),
        (lambda m: m.multinomial(m.tensor([1.0, 1.0]), 3), RuntimeError),
        (lambda m: m.multinomial(m.ones(2, 2, 2), 1), RuntimeError),
        (lambda m: m.multinomial(m.tensor(1.0), 1), RuntimeError),
        (lambda m: m.multinomial(m.tensor([1, 1]), 1), RuntimeError),
        (lambda m: m.multinomial(m.tensor([1.0, 1.0]), 0), RuntimeError),
        (lambda m: m.randint(5, 3, (2,)), RuntimeError),  # an empty range [low, high)
        (lambda m: m.randint(3, 3, (2,)), RuntimeError),
    ],
)
def test_errors_match_torch(call: Any, error: type) -> None:
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error) as info:
        call(ag)
    assert len(str(info.value)) > 20


@pytest.mark.parametrize(
    ("call", "values"),
    [
        (lambda x: x.random_(to=3), {0, 1, 2}),
        (lambda x: x.random_(**{"from": -2, "to": 1}), {-2, -1, 0}),
        (lambda x: x.uniform_(**{"from": 2.0, "to": 2.5}).mul(2).floor(), {4}),
    ],
)
def test_from_and_to_keywords_as_torch(call: Any, values: set[int]) -> None:
    assert {int(v) for v in call(torch.empty(N)).tolist()} == values
    assert {int(v) for v in call(ag.empty(N)).tolist()} == values


def test_unknown_keywords_are_refused_as_torch() -> None:
    with pytest.raises(TypeError):
        torch.empty(2).uniform_(low=1.0)
    with pytest.raises(TypeError, match="Fix:"):
        ag.empty(2).uniform_(low=1.0)
    with pytest.raises(TypeError):
        torch.empty(2).random_(high=1)
    with pytest.raises(TypeError, match="Fix:"):
        ag.empty(2).random_(high=1)


@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_uniform_stays_below_to_after_rounding(dtype: str) -> None:
    # Many float64 draws round up to `to` in a narrow dtype; the range must stay half-open.
    values = ag.empty(200_000, dtype=getattr(ag, dtype)).uniform_(1.0, 2.0).double().numpy()
    assert values.min() >= 1.0 and values.max() < 2.0
    assert torch.empty(200_000, dtype=getattr(torch, dtype)).uniform_(1.0, 2.0).max() < 2.0


@pytest.mark.parametrize(
    "draw",
    [
        lambda g: ag.rand(3, 2, generator=g),
        lambda g: ag.randn(4, generator=g, dtype=ag.float64),
        lambda g: ag.randint(0, 10, (5,), generator=g),
        lambda g: ag.randint(7, (2, 2), generator=g),
        lambda g: ag.randperm(6, generator=g),
    ],
    ids=["rand", "randn", "randint", "randint_high", "randperm"],
)
def test_creation_draws_follow_their_generator(draw: Any) -> None:
    # generator= used to be accepted and ignored: a seeded Generator gave new numbers each time.
    first = draw(ag.Generator().manual_seed(11)).tolist()
    ag.manual_seed(0)
    global_before = ag.rand(2).tolist()
    assert draw(ag.Generator().manual_seed(11)).tolist() == first  # reproducible
    generator = ag.Generator().manual_seed(11)
    ag.manual_seed(0)
    assert draw(generator).tolist() == first
    assert draw(generator).tolist() != first  # it advanced (seeded: never flaky)
    assert ag.rand(2).tolist() == global_before  # the global generator was not touched


# --- the global generator's state and seed (get_rng_state, set_rng_state, initial_seed, seed) --


def test_set_rng_state_of_get_rng_state_repeats_the_draws() -> None:
    for L in (torch, ag):
        state = L.get_rng_state()
        assert state.dtype == L.uint8 and state.ndim == 1 and not state.requires_grad
        first = (L.rand(5), L.randn(3), L.randint(0, 100, (4,)))
        L.manual_seed(123)  # moves the generator elsewhere
        L.set_rng_state(state)
        again = (L.rand(5), L.randn(3), L.randint(0, 100, (4,)))
        assert all(bool((a == b).all()) for a, b in zip(first, again, strict=True))


def test_random_module_forks_the_stream_as_torch() -> None:
    # torch.random (fork_rng and the seed/state functions) is what library code reaches for
    # to draw without moving its caller's stream; arraygrad had no such module.
    for L in (torch, ag):
        for name in ("manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state"):
            assert callable(getattr(L.random, name))
        L.random.manual_seed(11)
        expected = L.rand(4)
        L.random.manual_seed(11)
        with L.random.fork_rng(devices=[]):
            L.randn(7)
            L.manual_seed(3)
        assert bool((L.rand(4) == expected).all()) and L.random.initial_seed() == 11
        L.random.manual_seed(11)
        with L.random.fork_rng(enabled=False):
            L.rand(1)
        assert not bool((L.rand(4) == expected).all())
        L.random.manual_seed(11)
        with pytest.raises(ValueError), L.random.fork_rng():  # restored when the block raises
            L.rand(2)
            raise ValueError
        assert bool((L.rand(4) == expected).all())


def test_set_rng_state_restores_the_seed_as_torch() -> None:
    seeds = []
    for L in (torch, ag):
        L.manual_seed(7)
        state = L.get_rng_state()
        L.manual_seed(9)
        L.set_rng_state(state)
        seeds.append(L.initial_seed())
    assert seeds == [7, 7]


def test_state_after_a_draw_of_odd_length_repeats() -> None:
    # NumPy buffers half of a 64-bit word for 32-bit draws: the state must carry it.
    ag.manual_seed(1)
    ag.randint(0, 10, (3,), dtype=ag.int32)
    ag.rand(3, dtype=ag.float16)
    state = ag.get_rng_state()
    a = ag.rand(7)
    ag.set_rng_state(state)
    assert bool((ag.rand(7) == a).all())


@pytest.mark.parametrize(
    "bad",
    [
        lambda L: L.zeros(3, dtype=L.uint8),
        lambda L: L.get_rng_state().float(),
        lambda L: [1, 2],
    ],
)
def test_wrong_state_raises_as_torch(bad: Any) -> None:
    outcomes = []
    for L in (torch, ag):
        try:
            L.set_rng_state(bad(L))
            outcomes.append("ok")
        except (TypeError, RuntimeError) as error:
            outcomes.append(type(error).__name__)
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("at, value", [(8, 0), (8, 625), (16, 625)])  # left 0 or 625, next 625
def test_corrupt_state_is_refused_as_torch(at: int, value: int) -> None:
    for L in (torch, ag):
        state = L.get_rng_state().clone()
        state[at : at + 4] = L.tensor(list(value.to_bytes(4, "little")), dtype=L.uint8)
        with pytest.raises(RuntimeError, match="Invalid mt19937 state"):
            L.set_rng_state(state)


@pytest.mark.parametrize("seed", [0, 5, -1, 2**63, 2**64 - 1])
def test_initial_seed_is_the_last_manual_seed_as_torch(seed: int) -> None:
    torch.manual_seed(seed)
    ag.manual_seed(seed)
    assert ag.initial_seed() == torch.initial_seed()


def test_seed_range_is_torch_s() -> None:
    # Negative seeds down to -2**63 are taken modulo 2**64; beyond either end a ValueError,
    # from the global seeding and from a generator object's alike.
    for L in (torch, ag):
        for manual_seed in (L.manual_seed, L.default_generator.manual_seed):
            manual_seed(-5)
            assert L.initial_seed() == 2**64 - 5
        generator = L.Generator()
        assert generator.manual_seed(-5).initial_seed() == 2**64 - 5
        for seed in (2**64, -(2**63) - 1):
            for manual_seed in (L.manual_seed, generator.manual_seed):
                with pytest.raises(ValueError):
                    manual_seed(seed)


@pytest.mark.parametrize("L", [ag, torch], ids=["arraygrad", "torch"])
def test_a_generator_takes_python_ints_only_where_manual_seed_converts(L: Any) -> None:
    # torch.manual_seed converts with int(); Generator.manual_seed (the default generator's
    # too) refuses what it would have to truncate or reinterpret
    for seed in (1.5, True, "3", L.tensor(5), None):
        for generator in (L.Generator(), L.default_generator):
            with pytest.raises(RuntimeError, match="manual_seed expected a long"):
                generator.manual_seed(seed)
    with pytest.raises(TypeError):
        L.Generator().manual_seed(np.int64(4))
    for seed, expected in ((1.5, 1), (True, 1), ("3", 3), (np.int64(4), 4), (L.tensor(5), 5)):
        L.manual_seed(seed)
        assert L.initial_seed() == expected


@pytest.mark.parametrize("L", [ag, torch], ids=["arraygrad", "torch"])
def test_manual_seed_returns_the_default_generator_which_is_the_global_one(L: Any) -> None:
    g = L.manual_seed(3)
    assert g is L.default_generator and g is L.random.default_generator
    assert isinstance(g, L.Generator) and str(g.device) == "cpu"
    assert g.initial_seed() == 3
    # generator=default_generator draws from the global stream, as no generator does
    first = L.rand(3, generator=L.manual_seed(1))
    assert bool((L.rand(3, generator=L.manual_seed(1)) == first).all())
    L.manual_seed(1)
    assert bool((L.rand(3) == first).all())
    # its state is the global state, both ways
    state = g.get_state()
    assert bool((state == L.get_rng_state()).all())
    a = L.rand(2)
    assert g.set_state(state) is g
    assert bool((L.rand(2) == a).all())
    # and a private generator can take it over
    private = L.Generator()
    private.set_state(g.get_state())
    assert bool((L.rand(4, generator=private) == L.rand(4)).all())
    # seeding through the object is seeding the global generator
    g.manual_seed(7)
    assert L.initial_seed() == 7
    new = g.seed()
    assert new == L.initial_seed() == g.initial_seed()


def test_seed_reseeds_with_a_fresh_64_bit_seed() -> None:
    first = ag.seed()
    assert 0 <= first < 2**64 and ag.initial_seed() == first
    a = ag.rand(4)
    ag.manual_seed(first)
    assert bool((ag.rand(4) == a).all())
    assert ag.seed() != first


def test_generator_state_round_trips_and_leaves_the_global_one() -> None:
    g = ag.Generator().manual_seed(3)
    state = g.get_state()
    a = ag.rand(4, generator=g)
    ag.manual_seed(0)
    expected_global = ag.rand(2)
    g.manual_seed(11)
    assert g.set_state(state) is g and g.initial_seed() == 3
    ag.manual_seed(0)
    assert bool((ag.rand(4, generator=g) == a).all())
    assert bool((ag.rand(2) == expected_global).all())


def test_poisson_at_rates_beyond_numpys_sampler_draws_the_normal_limit() -> None:
    """NumPy's sampler refuses rates near 2**63 (torch 2.13 returns -2**63 there): the draws
    are ``rate ± a few sqrt(rate)``, and an infinite rate gives an infinite count."""
    rates = ag.tensor([3.0, 1e19, 1e30, float("inf")], dtype=ag.float64)
    counts = ag.poisson(rates).numpy()
    assert np.all(np.abs(counts[1:3] - rates.numpy()[1:3]) <= 8 * np.sqrt(rates.numpy()[1:3]))
    assert counts[3] == np.inf and counts[0] == np.round(counts[0])
    drawn = ag.distributions.NegativeBinomial(ag.tensor(2.0), logits=ag.tensor(1e3)).sample()
    assert drawn.item() == np.inf


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("bounds", [(-2, 0), (0, 2), (-1, 1), (-0.5, 0.75), (-0.5, 0.5), (0, 1)])
def test_uniform_bounds_must_fit_the_dtype_as_torch(dtype: str, bounds: tuple[float, float]):
    # In units of the dtype's largest number: bounds beyond it, or a width beyond it, are
    # refused (arraygrad drew from a width of inf); half of the range each way is drawn.
    def outcome(lib: Any) -> Any:
        largest = float(lib.finfo(getattr(lib, dtype)).max)
        low, high = (b * largest for b in bounds)
        try:
            lib.manual_seed(0)
            return lib.empty(64, dtype=getattr(lib, dtype)).uniform_(low, high).float().numpy()
        except RuntimeError as error:
            return str(error).split(" ")[:2]  # "from is", "to is", "uniform_ expects"

    mine, theirs = outcome(ag), outcome(torch)
    if isinstance(theirs, list):
        assert mine == theirs
    else:
        np.testing.assert_array_equal(mine, theirs)  # torch's stream, bit for bit


def _sampled(lib: Any, dtype: str, call: Any) -> Any:
    """``call(x)`` on a zero (2, 3) tensor of ``dtype`` after seeding 0: its result's dtype and
    values, or the class of the exception it raises."""
    lib.manual_seed(0)
    x = lib.zeros(2, 3, dtype=getattr(lib, dtype))
    try:
        out = call(x, lib)
    except (RuntimeError, NotImplementedError) as error:
        return type(error).__name__
    return str(out.dtype).split(".")[-1], out.tolist()


@pytest.mark.parametrize(
    "call",
    [
        lambda x, lib: x.random_(),
        lambda x, lib: x.random_(5),
        lambda x, lib: x.random_(1, 200),
        lambda x, lib: x.bernoulli(0.5),
        lambda x, lib: x.bernoulli(2),
        lambda x, lib: x.bernoulli_(0.5),
        lambda x, lib: x.bernoulli_(lib.full((2, 3), 0.5)),
        lambda x, lib: x.bernoulli_(lib.full((2, 3), 1.5)),
        lambda x, lib: x.geometric_(0.5),
        lambda x, lib: x.geometric_(1.5),
    ],
)
@pytest.mark.parametrize("dtype", ["bfloat16", "complex64", "int64", "bool", "float32"])
def test_samplers_into_each_dtype_as_torch(call: Any, dtype: str) -> None:
    # bfloat16's random_() draws from [0, 2**8]; complex tensors have no kernel of these
    # samplers (their bounds' checks come first where PyTorch makes them first)
    assert _sampled(ag, dtype, call) == _sampled(torch, dtype, call)


def _outcome(lib: Any, call: Any) -> tuple:
    """``call(lib)``'s dtype and shape, or its error's class and torch's words (the message
    before arraygrad's details and fix)."""
    try:
        out = call(lib)
    except (RuntimeError, NotImplementedError, TypeError) as error:
        return (type(error).__name__, str(error).split(" (")[0].split(". Fix")[0].split(":")[0])
    return (_dtype_name(out), tuple(out.shape))


NORMAL_ERROR_CASES = [
    # integer parameters: std's checks, then the shapes, then the dtype (in the kernel)
    lambda m: m.normal(m.tensor([0, 1]), m.tensor([1, 1, 1])),
    lambda m: m.normal(m.tensor([0, 1]), m.tensor([-1, 1])),
    lambda m: m.normal(m.tensor([0, 1]), -1.0),
    lambda m: m.normal(0.5, m.tensor([-1, 1])),
    lambda m: m.normal(m.tensor([0, 1]), m.tensor([1, 1])),
    lambda m: m.normal(m.tensor([0.0, 1.0]), m.tensor([1.0, 1.0, 1.0])),
    lambda m: m.normal(m.zeros(0, dtype=m.int64), m.ones(0, dtype=m.int64)),
    lambda m: m.normal(m.tensor([0.0]), float("nan")),
    lambda m: m.normal(0.0, float("nan"), (2,)),
    # out=: drawn in out's dtype
    lambda m: m.normal(m.tensor([0, 1]), m.tensor([1, 1]), out=m.empty(2)),
    lambda m: m.normal(m.tensor([0, 1]), 1.0, out=m.empty(2, dtype=m.float64)),
    lambda m: m.normal(m.zeros(2), m.ones(2), out=m.empty(2, dtype=m.int64)),
    lambda m: m.normal(m.zeros(2), 1.0, out=m.empty(2, dtype=m.int32)),
    lambda m: m.normal(0.0, m.ones(2), out=m.empty(2, dtype=m.bool)),
    lambda m: m.normal(m.zeros(2), 1.0, out=m.empty(3)),
    lambda m: m.normal(m.zeros(2, dtype=m.complex64), 1.0, out=m.empty(2)),
    # the tensor overloads take no dtype, requires_grad or complex number
    lambda m: m.normal(m.zeros(2), m.ones(2), dtype=m.float64),
    lambda m: m.normal(m.zeros(2), 1.0, requires_grad=True),
    lambda m: m.normal(1j, m.ones(2)),
]


@pytest.mark.parametrize("call", NORMAL_ERROR_CASES)
def test_normal_checks_in_torchs_order(call: Any) -> None:
    # Regression: integer mean/std were refused for their dtype before std's sign and the
    # shapes were checked (torch checks the dtype last, in its kernel, and not at all for an
    # empty result); out= drew in the parameters' dtype, not out's; a NaN std passed; dtype=,
    # requires_grad= and a complex number mean were taken with tensor parameters.
    assert _outcome(ag, call) == _outcome(torch, call)
