"""nn.init and the default initialisation of every layer: the distributions torch documents.

Each check compares the empirical CDF of many draws with the stated distribution (a
Kolmogorov-Smirnov bound): with n draws, max |ECDF - CDF| > 1.95 / sqrt(n) has probability
below 1e-3 under the right distribution, while a wrong scale by 10% or a wrong family exceeds it
by far at these sizes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import arraygrad as ag
import arraygrad.nn
from arraygrad.nn import init


def _ks(values: np.ndarray, cdf) -> float:
    values = np.sort(values.ravel())
    n = values.size
    expected = cdf(values)
    upper = np.arange(1, n + 1) / n - expected
    lower = expected - np.arange(0, n) / n
    return float(max(upper.max(), lower.max()))


def uniform_cdf(bound: float):
    return lambda x: np.clip((x + bound) / (2 * bound), 0, 1)


def normal_cdf(std: float, mean: float = 0.0):
    erf = np.vectorize(math.erf)
    return lambda x: 0.5 * (1 + erf((x - mean) / (std * math.sqrt(2))))


def assert_distribution(tensor: ag.Tensor, cdf) -> None:
    values = tensor.detach().numpy().astype(np.float64)
    assert _ks(values, cdf) < 1.95 / math.sqrt(values.size)


@pytest.fixture(autouse=True)
def _seed() -> None:
    ag.manual_seed(0)


def test_ks_bound_rejects_a_wrong_scale() -> None:
    # The check has power: 10% too wide a uniform fails it.
    w = init.uniform_(ag.empty(100, 100), -1.1, 1.1)
    assert _ks(w.numpy(), uniform_cdf(1.0)) > 1.95 / 100


def test_uniform_normal_constant() -> None:
    assert_distribution(init.uniform_(ag.empty(80, 80), -2.0, 3.0), lambda x: (x + 2) / 5)
    assert_distribution(init.normal_(ag.empty(80, 80), 1.0, 0.5), normal_cdf(0.5, 1.0))
    assert init.constant_(ag.empty(2, 3), 0.25).tolist() == [[0.25] * 3] * 2
    assert init.ones_(ag.empty(2)).tolist() == [1.0, 1.0]
    assert init.zeros_(ag.ones(2)).tolist() == [0.0, 0.0]
    assert init.eye_(ag.empty(2, 3)).tolist() == [[1.0, 0, 0], [0, 1.0, 0]]


def test_init_does_not_record_and_keeps_leaf() -> None:
    w = ag.nn.Parameter(ag.empty(3, 4))
    init.kaiming_uniform_(w, a=math.sqrt(5))
    assert w.is_leaf and w.requires_grad and w.grad_fn is None


def test_fans_and_gain_match_torch() -> None:
    for shape in [(3, 4), (8, 2, 3, 5), (6, 4, 7)]:
        assert init._calculate_fan_in_and_fan_out(ag.empty(*shape)) == (
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
        )
    for name, param in [
        ("linear", None),
        ("conv2d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("selu", None),
    ]:
        assert init.calculate_gain(name, param) == torch.nn.init.calculate_gain(name, param)
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(ag.empty(5))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_normal_(ag.empty(3, 3), mode="fan_avg")


def test_xavier_and_kaiming() -> None:
    w = ag.empty(60, 90)  # fan_in 90, fan_out 60
    xavier = 1.3 * math.sqrt(6 / 150)
    assert_distribution(init.xavier_uniform_(w, gain=1.3), uniform_cdf(xavier))
    assert_distribution(init.xavier_normal_(w), normal_cdf(math.sqrt(2 / 150)))
    assert_distribution(
        init.kaiming_uniform_(w, nonlinearity="relu"), uniform_cdf(math.sqrt(6 / 90))
    )
    assert_distribution(
        init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"),
        normal_cdf(math.sqrt(2 / 60)),
    )


# layer -> (parameter name, distribution torch documents for it)
DEFAULTS = {
    "linear": (
        lambda: ag.nn.Linear(90, 70),
        {
            "weight": uniform_cdf(1 / math.sqrt(90)),
        },
    ),
    "linear_bias": (lambda: ag.nn.Linear(40, 3000), {"bias": uniform_cdf(1 / math.sqrt(40))}),
    "conv2d": (lambda: ag.nn.Conv2d(6, 40, 3), {"weight": uniform_cdf(1 / math.sqrt(54))}),
    "conv1d_bias": (lambda: ag.nn.Conv1d(2, 2000, 5), {"bias": uniform_cdf(1 / math.sqrt(10))}),
    "bilinear": (lambda: ag.nn.Bilinear(20, 10, 30), {"weight": uniform_cdf(1 / math.sqrt(20))}),
    "embedding": (lambda: ag.nn.Embedding(100, 60), {"weight": normal_cdf(1.0)}),
    "gru": (lambda: ag.nn.GRU(20, 40), {"weight_hh_l0": uniform_cdf(1 / math.sqrt(40))}),
}


@pytest.mark.parametrize("name", sorted(DEFAULTS))
def test_default_initialisation_distributions(name: str) -> None:
    build, expected = DEFAULTS[name]
    params = dict(build().named_parameters())
    for key, cdf in expected.items():
        assert_distribution(params[key], cdf)


def test_constant_defaults_match_torch() -> None:
    for build in (
        lambda nn: nn.BatchNorm2d(4),
        lambda nn: nn.LayerNorm((2, 3)),
    ):
        theirs = build(torch.nn).state_dict()
        mine = build(ag.nn).state_dict()
        assert list(mine) == list(theirs)
        for key, value in theirs.items():
            assert mine[key].tolist() == value.tolist(), key
            assert str(mine[key].dtype).split(".")[-1] == str(value.dtype).split(".")[-1]
