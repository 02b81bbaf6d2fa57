"""bfloat16: the dtype (ml_dtypes' arrays), conversions, promotion, printing, checkpoints, and
arithmetic through the float16 routes (``arraygrad._reduced_floats``), compared bit for bit
with PyTorch 2.13's CPU kernels: values, dtypes and gradients for random bfloat16 cotangents.
docs/float16.md lists what still differs."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

RNG = np.random.default_rng(0)
F = "nn.functional"


def _module(m: Any, path: str) -> Any:
    for part in path.split("."):
        m = getattr(m, part)
    return m


def _pair(shape: tuple[int, ...]) -> tuple[ag.Tensor, torch.Tensor]:
    values = RNG.uniform(-3, 3, shape).astype(np.float32)
    ours = ag.tensor(values).bfloat16().requires_grad_()
    theirs = torch.from_numpy(values).bfloat16().requires_grad_()
    return ours, theirs


def _assert_same(ours: ag.Tensor, theirs: torch.Tensor) -> None:
    assert ours.dtype is ag.bfloat16 and theirs.dtype is torch.bfloat16
    mine = ours.detach().float().numpy()
    assert np.array_equal(mine, theirs.detach().float().numpy(), equal_nan=True)


S = (6, 5)
TWO = (S, S)
CASES: dict[str, tuple[Callable[..., Any], tuple[tuple[int, ...], ...]]] = {
    "add": (lambda m, a, b: a + b, TWO),
    "sub": (lambda m, a, b: a - b, TWO),
    "mul": (lambda m, a, b: a * b, TWO),
    "div": (lambda m, a, b: a / b, TWO),
    "add number": (lambda m, a: a + 0.3, (S,)),  # the number rounded to bfloat16 first
    "mul number": (lambda m, a: a * 1.0039, (S,)),  # the number kept in float32
    "div number": (lambda m, a: a / 3.3, (S,)),
    "rsub number": (lambda m, a: 0.3 - a, (S,)),
    "square": (lambda m, a: a**2, (S,)),
    "exp": (lambda m, a: a.exp(), (S,)),
    "log": (lambda m, a: a.abs().log(), (S,)),
    "sin": (lambda m, a: a.sin(), (S,)),
    "tanh": (lambda m, a: a.tanh(), (S,)),
    "sigmoid": (lambda m, a: a.sigmoid(), (S,)),
    "sqrt": (lambda m, a: a.abs().sqrt(), (S,)),
    "relu": (lambda m, a: a.relu(), (S,)),
    "clamp": (lambda m, a: a.clamp(-1, 1.5), (S,)),
    "maximum": (lambda m, a, b: m.maximum(a, b), TWO),
    "where number": (lambda m, a: m.where(a > 0, a, 0.5), (S,)),
    "atan2": (lambda m, a, b: m.atan2(a, b), TWO),
    "sum": (lambda m, a: a.sum(), ((64, 33),)),  # float32 accumulation
    "sum dim 0": (lambda m, a: a.sum(0), ((64, 33),)),
    "mean": (lambda m, a: a.mean(1), (S,)),
    "amax": (lambda m, a: a.amax(1), (S,)),
    "cumsum": (lambda m, a: a.cumsum(1), (S,)),
    "matmul": (lambda m, a, b: a @ b, ((8, 33), (33, 5))),
    "bmm": (lambda m, a, b: a @ b, ((2, 8, 33), (2, 33, 5))),
    "mv": (lambda m, a, b: a @ b, ((8, 33), (33,))),
    "einsum": (lambda m, a, b: m.einsum("ij,jk->ik", a, b), ((4, 5), (5, 3))),
    "addmm": (lambda m, a, b, c: m.addmm(a, b, c), ((3, 4), (3, 5), (5, 4))),
    "gelu": (lambda m, a: _module(m, F).gelu(a), (S,)),
    "silu": (lambda m, a: _module(m, F).silu(a), (S,)),
    "softplus": (lambda m, a: _module(m, F).softplus(a), (S,)),
    "elu": (lambda m, a: _module(m, F).elu(a), (S,)),
    "leaky_relu": (lambda m, a: _module(m, F).leaky_relu(a, 0.1), (S,)),
    "hardtanh": (lambda m, a: _module(m, F).hardtanh(a), (S,)),
    "l1_loss": (lambda m, a, b: _module(m, F).l1_loss(a, b), TWO),
    "max_pool2d": (lambda m, a: _module(m, F).max_pool2d(a, 2), ((1, 1, 4, 4),)),
    # convolutions: float32 sums rounded once, the bias added before (their gradients too)
    "conv1d": (lambda m, a, w: _module(m, F).conv1d(a, w, padding=1), ((2, 4, 9), (6, 4, 3))),
    "conv1d bias": (
        lambda m, a, w, b: _module(m, F).conv1d(a, w, b, padding=1),
        ((2, 4, 9), (6, 4, 3), (6,)),
    ),
    "conv2d bias": (
        lambda m, a, w, b: _module(m, F).conv2d(a, w, b, stride=2, padding=1),
        ((2, 4, 7, 6), (6, 4, 3, 3), (6,)),
    ),
    "conv3d bias": (
        lambda m, a, w, b: _module(m, F).conv3d(a, w, b, groups=2),
        ((1, 4, 4, 5, 4), (6, 2, 2, 3, 2), (6,)),
    ),
    "conv_transpose1d": (
        lambda m, a, w: _module(m, F).conv_transpose1d(a, w, stride=2),
        ((2, 4, 9), (4, 6, 3)),
    ),
    "conv_transpose2d bias": (
        lambda m, a, w, b: _module(m, F).conv_transpose2d(a, w, b, padding=1),
        ((2, 4, 5, 6), (4, 6, 3, 3), (6,)),
    ),
    "index": (lambda m, a: a[1:4, ::2] * 1, (S,)),
    "cat": (lambda m, a, b: m.cat([a, b]), TWO),
}


@pytest.mark.parametrize("name", list(CASES))
def test_values_and_gradients_bitwise(name: str) -> None:
    function, shapes = CASES[name]
    pairs = [_pair(shape) for shape in shapes]
    ours = function(ag, *(p[0] for p in pairs))
    theirs = function(torch, *(p[1] for p in pairs))
    _assert_same(ours, theirs)
    cotangent = RNG.uniform(-1, 1, tuple(theirs.shape)).astype(np.float32)
    ours.backward(ag.tensor(cotangent).bfloat16())
    theirs.backward(torch.from_numpy(cotangent).bfloat16())
    for mine, reference in pairs:
        _assert_same(mine.grad, reference.grad)


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: m.softmax(x, 1),
        lambda m, x: m.log_softmax(x, 1),
        lambda m, x: m.var(x, 1),
        lambda m, x: x.prod(1),
        lambda m, x: m.lerp(x, x.exp(), 0.3),
        lambda m, x: _module(m, F).cross_entropy(x, m.tensor([0, 1, 2, 3, 4, 0])),
        lambda m, x: _module(m, F).layer_norm(x, (5,)),
        lambda m, x: _module(m, F).linear(x, x[:2], x[0, :2]),
    ],
)
def test_results_and_gradients_stay_bfloat16(call: Callable[..., Any]) -> None:
    # NumPy makes ml_dtypes' bfloat16 arrays float32 or float64 beside a Python float or in a
    # matrix product: the routes keep results and gradients bfloat16, as PyTorch's
    ours, theirs = _pair(S)
    result = call(ag, ours)
    assert result.dtype is ag.bfloat16 and call(torch, theirs).dtype is torch.bfloat16
    result.sum().backward()
    assert ours.grad.dtype is ag.bfloat16


# The special functions computed in float64 and converted back (arraygrad._special): on
# bfloat16 they raised a TypeError (NumPy's finfo and isdtype do not know ml_dtypes' dtype).
# PyTorch computes each in float32 and rounds once; arraygrad rounds its float64 value through
# float32, which can differ from PyTorch's float32 value in the last bfloat16 bit.
SPECIAL = ["erf", "erfc", "erfinv", "lgamma", "digamma", "i0", "special.i1", "special.i0e",
           "special.i1e", "special.gammaln", "special.psi", "sinc", "special.entr"]  # fmt: skip


@pytest.mark.parametrize("name", SPECIAL)
def test_special_functions_compute_on_bfloat16(name: str) -> None:
    rng = np.random.default_rng(7)  # its own draws, whatever ran before in this process
    values = np.concatenate([rng.uniform(-3, 3, 400), rng.uniform(0.01, 0.99, 100), [0.0, 1.0]])
    ours = _module(ag, name)(ag.tensor(values.astype(np.float32)).bfloat16())
    theirs = _module(torch, name)(torch.tensor(values.astype(np.float32)).bfloat16())
    assert ours.dtype is ag.bfloat16
    a, b = ours.float().numpy(), theirs.float().numpy()
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    # within two bfloat16 steps where they differ (i0e: PyTorch's bfloat16 kernel is the one
    # further from the exact value), and closer to it on average
    np.testing.assert_allclose(a[~same], b[~same], rtol=2**-6, atol=1e-30)
    assert same.mean() > 0.95
    if not same.all():
        exact = _module(torch, name)(torch.tensor(values.astype(np.float32)).bfloat16().double())
        exact = exact.numpy()[~same]
        assert np.abs(a[~same] - exact).mean() <= np.abs(b[~same] - exact).mean() + 1e-12


ORDERED = {
    "searchsorted": lambda m, x: m.searchsorted(x.sort()[0], x[:, :3]),
    "bucketize": lambda m, x: m.bucketize(x[0], x[0].sort()[0], right=True),
    "cummax": lambda m, x: m.cummax(x, 1),
    "cummin": lambda m, x: m.cummin(x, 0),
    "mode": lambda m, x: m.mode(x.nan_to_num(0.25), 1),  # (NaN's index: torch's sort's chance)
    "sort": lambda m, x: m.sort(x, 1, descending=True),
    "topk": lambda m, x: m.topk(x + m.arange(5) * 0.125, 2, 1),  # (no ties: their order is chance)
    "nanmedian": lambda m, x: m.nanmedian(x, 1),
    "unique": lambda m, x: m.unique(x, return_counts=True),
    "isin": lambda m, x: m.isin(x, x[1]),
}


@pytest.mark.parametrize("name", sorted(ORDERED))
def test_searches_and_running_extrema_of_bfloat16_match_torch(name: str) -> None:
    # NumPy's isdtype refuses ml_dtypes' bfloat16 with a TypeError, which the searches and
    # running extrema raised (they ask whether the values are floats, to order NaN); and its
    # sorts and partitions compare NaN as equal to everything, which left rows with a NaN
    # unsorted (sort, topk, nanmedian, unique).
    values = np.float32([[0.5, 1.0, np.nan, 1.0, 0.5], [2.0, -1.0, 2.0, 0.25, np.nan]])

    def run(m: Any) -> list[np.ndarray]:
        result = ORDERED[name](m, m.tensor(values).bfloat16())
        parts = result if isinstance(result, tuple) else (result,)
        return [
            part.float().numpy() if part.is_floating_point() else part.numpy() for part in parts
        ]

    for ours, theirs in zip(run(ag), run(torch), strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_logsumexp_of_bfloat16_sums_in_float32_as_torch() -> None:
    # PyTorch's composite sums exp(x - max) with its float32-accumulating sum; ml_dtypes'
    # bfloat16 sum accumulates in bfloat16 (7% of these values had differed).
    values = np.random.default_rng(3).standard_normal((300, 7)).astype(np.float32) * 3
    ours = ag.logsumexp(ag.tensor(values).bfloat16(), 1).float().numpy()
    theirs = torch.logsumexp(torch.tensor(values).bfloat16(), 1).float().numpy()
    np.testing.assert_array_equal(ours, theirs)


def test_sinc_of_reduced_floats_is_computed_in_float32_as_torch() -> None:
    # Stepwise in float16, pi x rounded pi away: sinc(1) was 3.1e-4 (torch: -0.0, the float32
    # value -2.8e-8 rounded once), sinc(3) -1.3e-3 in bfloat16 (torch: -2.5e-9)
    values = np.float32([1.0, 3.0, -2.0, 0.5, 2.5, 0.0, 1e-3])
    for dtype in ("float16", "bfloat16"):
        ours = ag.sinc(ag.tensor(values).to(getattr(ag, dtype))).float().numpy()
        theirs = torch.sinc(torch.tensor(values).to(getattr(torch, dtype))).float().numpy()
        np.testing.assert_array_equal(ours, theirs)


def test_dtype_conversions_promotion_and_printing() -> None:
    assert ag.bfloat16.is_floating_point and ag.bfloat16.itemsize == 2
    values = [0.3105, 1.1016, 1.1094, -2.5, 1e10]
    x = ag.tensor(values).bfloat16()
    expected = repr(torch.tensor(values).bfloat16())
    assert repr(x) == expected.replace("torch", "arraygrad")
    assert x.tolist() == torch.tensor(values).bfloat16().tolist()
    assert x[0].item() == 0.310546875
    # float64 -> bfloat16 through float32, as PyTorch (two roundings): 1 + 2**-8 + 2**-30
    assert ag.tensor(1 + 2**-8 + 2**-30, dtype=ag.float64).bfloat16().item() == 1.0
    assert ag.promote_types(ag.bfloat16, ag.float16) is ag.float32
    assert (x + ag.tensor([1, 2, 3, 4, 5])).dtype is ag.bfloat16
    assert (x + ag.tensor(1.0)).dtype is ag.bfloat16  # a 0-d float32 tensor does not promote
    assert (x + ag.ones(5)).dtype is ag.float32
    assert (ag.ones(3, dtype=ag.float16) + ag.tensor(1.0, dtype=ag.bfloat16)).dtype is ag.float16
    assert x.float().dtype is ag.float32 and x.float().tolist() == x.tolist()
    assert ag.full((2,), 1.3, dtype=ag.bfloat16).tolist() == [1.296875, 1.296875]
    assert ag.arange(3, dtype=ag.bfloat16).dtype is ag.bfloat16
    assert ag.nn.Linear(2, 3).bfloat16().weight.dtype is ag.bfloat16
    assert str(ag.finfo(ag.bfloat16)) == str(torch.finfo(torch.bfloat16)).replace("torch.", "")
    with pytest.raises(TypeError, match="Got unsupported ScalarType BFloat16"):
        x.numpy()


def test_checkpoints_round_trip_and_torch_files() -> None:
    x = ag.tensor([1.5, -2.25, 3.1]).bfloat16()
    buffer = io.BytesIO()
    ag.save({"x": x}, buffer)
    buffer.seek(0)
    loaded = ag.load(buffer)["x"]
    assert loaded.dtype is ag.bfloat16 and loaded.tolist() == x.tolist()
    buffer = io.BytesIO()
    torch.save({"x": torch.tensor([1.5, -2.25, 3.1]).bfloat16()}, buffer)
    buffer.seek(0)
    from_torch = ag.load(buffer)["x"]
    assert from_torch.dtype is ag.bfloat16 and from_torch.tolist() == x.tolist()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("cholesky", '"cholesky_cpu" not implemented'),
        ("qr", '"geqrf_cpu" not implemented'),
        ("eigh", '"linalg_eigh_cpu" not implemented'),
    ],
)
def test_linalg_refuses_bfloat16_as_pytorch(name: str, message: str) -> None:
    for m in (ag, torch):
        with pytest.raises((RuntimeError, NotImplementedError), match=message):
            getattr(m.linalg, name)(m.eye(3).bfloat16())
