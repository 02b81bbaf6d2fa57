"""nn.init's trunc_normal_, orthogonal_, dirac_, sparse_, the generator= argument and the
deprecated names without an underscore, against torch 2.13.0's documented behaviour: the
distributions (moments, bounds, orthogonality), never the draws."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad.nn import init

N = 40_000


@pytest.fixture(autouse=True)
def _seed() -> None:
    ag.manual_seed(0)


def _truncated_moments(mean: float, std: float, a: float, b: float) -> tuple[float, float]:
    """The mean and std of N(mean, std**2) truncated to [a, b]."""
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    cdf = lambda x: (1 + math.erf(x / math.sqrt(2))) / 2
    z = cdf(beta) - cdf(alpha)
    m = (pdf(alpha) - pdf(beta)) / z
    var = 1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - m * m
    return mean + std * m, std * math.sqrt(var)


@pytest.mark.parametrize(
    ("mean", "std", "a", "b"),
    [(0.0, 1.0, -2.0, 2.0), (0.5, 2.0, -1.0, 1.0), (0.0, 1.0, 1.5, 3.0), (1.0, 0.1, 0.9, 1.3)],
)
def test_trunc_normal_moments_and_bounds(mean: float, std: float, a: float, b: float) -> None:
    w = init.trunc_normal_(ag.empty(N), mean, std, a, b).numpy().astype(np.float64)
    theirs = torch.nn.init.trunc_normal_(torch.empty(N), mean, std, a, b).numpy()
    assert a <= w.min() and w.max() <= b
    expected_mean, expected_std = _truncated_moments(mean, std, a, b)
    assert abs(w.mean() - expected_mean) < 5 * expected_std / math.sqrt(N)
    assert abs(w.std() - expected_std) < 0.03 * expected_std
    assert abs(w.mean() - theirs.mean()) < 7 * expected_std / math.sqrt(N)


def test_trunc_normal_warns_as_torch_when_the_mean_is_far() -> None:
    for nn_init in (torch.nn.init, init):
        lib = torch if nn_init is torch.nn.init else ag
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            nn_init.trunc_normal_(lib.empty(10), mean=5.0, std=1.0, a=-1.0, b=1.0)
        assert [str(w.message)[:40] for w in caught] == ["mean is more than 2 std from [a, b] in n"]


@pytest.mark.parametrize("shape", [(4, 4), (3, 7), (7, 3), (6, 2, 2), (2, 3, 2, 2), (1, 5)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal_rows_or_columns_are_orthonormal_times_gain(
    shape: tuple[int, ...], gain: float
) -> None:
    w = init.orthogonal_(ag.empty(*shape, dtype=ag.float64), gain)
    theirs = torch.nn.init.orthogonal_(torch.empty(*shape, dtype=torch.float64), gain)
    assert tuple(w.shape) == tuple(theirs.shape)
    m = w.numpy().reshape(shape[0], -1)
    small = min(m.shape)
    gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(gram, gain**2 * np.eye(small), atol=1e-10)


def test_orthogonal_is_haar_distributed() -> None:
    # The sign fix makes Q uniform: each entry of a random 3x3 rotation has mean 0 (without
    # it, QR's positive-ish diagonal conventions bias the diagonal).
    draws = np.stack([init.orthogonal_(ag.empty(3, 3)).numpy() for _ in range(2000)])
    assert np.abs(draws.mean(0)).max() < 5 * math.sqrt(1 / 3 / 2000)


def test_orthogonal_errors_and_empty() -> None:
    for L, nn_init in ((torch, torch.nn.init), (ag, init)):
        with pytest.raises(ValueError, match="2 or more dimensions"):
            nn_init.orthogonal_(L.empty(3))
        assert nn_init.orthogonal_(L.empty(0, 3)).shape == (0, 3)


@pytest.mark.parametrize(
    ("shape", "groups"), [((4, 2, 3), 1), ((4, 2, 3, 3), 2), ((6, 4, 3, 2, 3), 3), ((2, 5, 1), 1)]
)
def test_dirac_equals_torch(shape: tuple[int, ...], groups: int) -> None:
    mine = init.dirac_(ag.empty(*shape), groups)
    theirs = torch.nn.init.dirac_(torch.empty(*shape), groups)
    assert mine.tolist() == theirs.tolist()


@pytest.mark.parametrize(("shape", "groups"), [((2, 3), 1), ((3, 2, 2), 2)])
def test_dirac_errors_as_torch(shape: tuple[int, ...], groups: int) -> None:
    for L, nn_init in ((torch, torch.nn.init), (ag, init)):
        with pytest.raises(ValueError):
            nn_init.dirac_(L.empty(*shape), groups)


def test_sparse_zeroes_the_fraction_of_each_column() -> None:
    w = init.sparse_(ag.empty(200, 50), sparsity=0.1, std=0.5).numpy()
    theirs = torch.nn.init.sparse_(torch.empty(200, 50), sparsity=0.1, std=0.5).numpy()
    assert ((w == 0).sum(0) == (theirs == 0).sum(0)).all()
    nonzero = w[w != 0]
    assert abs(nonzero.std() - 0.5) < 0.03
    assert abs(nonzero.mean()) < 5 * 0.5 / math.sqrt(nonzero.size)
    with pytest.raises(ValueError, match="2 dimensions"):
        init.sparse_(ag.empty(3), 0.5)


@pytest.mark.parametrize(
    "fill",
    [
        lambda w, g: init.uniform_(w, generator=g),
        lambda w, g: init.normal_(w, generator=g),
        lambda w, g: init.xavier_uniform_(w, generator=g),
        lambda w, g: init.xavier_normal_(w, generator=g),
        lambda w, g: init.kaiming_uniform_(w, generator=g),
        lambda w, g: init.kaiming_normal_(w, generator=g),
        lambda w, g: init.trunc_normal_(w, generator=g),
        lambda w, g: init.orthogonal_(w, generator=g),
        lambda w, g: init.sparse_(w, 0.5, generator=g),
    ],
)
def test_generator_makes_the_fill_repeatable_and_spares_the_global_one(fill: Any) -> None:
    first = fill(ag.empty(6, 4), ag.Generator().manual_seed(5)).tolist()
    ag.manual_seed(1)
    expected_global = ag.rand(3).tolist()
    ag.manual_seed(1)
    second = fill(ag.empty(6, 4), ag.Generator().manual_seed(5)).tolist()
    assert first == second
    assert ag.rand(3).tolist() == expected_global


def test_new_fills_do_not_record() -> None:
    for fill in (
        lambda w: init.trunc_normal_(w),
        lambda w: init.orthogonal_(w),
        lambda w: init.sparse_(w, 0.3),
    ):
        w = ag.nn.Parameter(ag.empty(4, 3))
        assert fill(w) is w
        assert w.is_leaf and w.requires_grad and w.grad_fn is None
    w = ag.nn.Parameter(ag.empty(2, 2, 3))
    assert init.dirac_(w) is w and w.grad_fn is None


DEPRECATED = {
    "uniform": (lambda L: L.empty(3, 4), ()),
    "normal": (lambda L: L.empty(3, 4), ()),
    "constant": (lambda L: L.empty(3, 4), (0.5,)),
    "eye": (lambda L: L.empty(3, 4), ()),
    "dirac": (lambda L: L.empty(2, 2, 3), ()),
    "xavier_uniform": (lambda L: L.empty(3, 4), ()),
    "xavier_normal": (lambda L: L.empty(3, 4), ()),
    "kaiming_uniform": (lambda L: L.empty(3, 4), ()),
    "kaiming_normal": (lambda L: L.empty(3, 4), ()),
    "orthogonal": (lambda L: L.empty(3, 4), ()),
    "sparse": (lambda L: L.empty(3, 4), (0.5,)),
}


@pytest.mark.parametrize("name", list(DEPRECATED))
def test_deprecated_names_warn_as_torch(name: str) -> None:
    make, args = DEPRECATED[name]
    messages = []
    for L, nn_init in ((torch, torch.nn.init), (ag, init)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = getattr(nn_init, name)(make(L), *args)
        assert isinstance(out, L.Tensor)
        messages.append([(w.category, str(w.message)) for w in caught])
    assert messages[0] == messages[1]
    assert messages[1][0][0] is FutureWarning
