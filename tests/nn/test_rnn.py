"""RNN, GRU and LSTM against torch 2.13.0 in float64 with the same weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import arraygrad as ag
import arraygrad.nn
from tests.nn._compare import compare_module

rng = np.random.default_rng(7)

CONFIGS = {
    "single": dict(num_layers=1),
    "two_layers": dict(num_layers=2),
    "batch_first_no_bias": dict(num_layers=1, batch_first=True, bias=False),
    "bidirectional_two_layers": dict(num_layers=2, bidirectional=True),
}


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_recurrent_layer_matches_torch(kind: str, config: str) -> None:
    kwargs = CONFIGS[config]
    x = rng.standard_normal((3, 4, 2) if kwargs.get("batch_first") else (4, 3, 2))
    compare_module(lambda nn: getattr(nn, kind)(2, 5, **kwargs), [x])


def test_names_and_shapes_follow_torch() -> None:
    for kind in ["RNN", "GRU", "LSTM"]:
        th = getattr(torch.nn, kind)(3, 4, num_layers=2, bidirectional=True)
        mine = getattr(ag.nn, kind)(3, 4, num_layers=2, bidirectional=True)
        theirs = [(n, tuple(p.shape)) for n, p in th.named_parameters()]
        assert [(n, tuple(p.shape)) for n, p in mine.named_parameters()] == theirs
        assert repr(mine) == repr(th)


@pytest.mark.parametrize("kind", ["RNN", "GRU"])
def test_initial_state_and_unbatched_input(kind: str) -> None:
    x = rng.standard_normal((4, 2))  # unbatched (L, H_in)
    h0 = rng.standard_normal((2, 3))
    compare_module(lambda nn: getattr(nn, kind)(2, 3, num_layers=2), [x, h0])
    xb = rng.standard_normal((2, 4, 2))
    h0b = rng.standard_normal((1, 2, 3))
    compare_module(lambda nn: getattr(nn, kind)(2, 3, batch_first=True), [xb, h0b])


def test_lstm_with_initial_state() -> None:
    x = rng.standard_normal((5, 2, 3))
    h0 = rng.standard_normal((2, 2, 4))
    c0 = rng.standard_normal((2, 2, 4))
    compare_module(
        lambda nn: nn.LSTM(3, 4, num_layers=2), [x, h0, c0], call=lambda m, a: m(a[0], (a[1], a[2]))
    )


def test_relu_nonlinearity() -> None:
    x = rng.standard_normal((4, 3, 2))
    compare_module(lambda nn: nn.RNN(2, 3, nonlinearity="relu"), [x])


def test_errors_match_torch() -> None:
    cases = [
        (lambda nn, lib: nn.GRU(2, 3)(lib.zeros(4, 3, 5)), RuntimeError),
        (lambda nn, lib: nn.RNN(2, 3)(lib.zeros(4, 3, 2), lib.zeros(2, 3, 3)), RuntimeError),
        (lambda nn, lib: nn.RNN(2, 3)(lib.zeros(4, 3, 2), lib.zeros(3, 3)), RuntimeError),
        (lambda nn, lib: nn.LSTM(2, 3)(lib.zeros(1, 4, 3, 2)), ValueError),
        (lambda nn, lib: nn.RNN(2, 3)(lib.zeros(4)), ValueError),
        (lambda nn, lib: nn.RNN(2, 3, nonlinearity="sigmoid"), ValueError),
        (lambda nn, lib: nn.LSTM(2, 0), ValueError),
        (lambda nn, lib: nn.GRU(2, 3, dropout=2.0), ValueError),
    ]
    for case, error in cases:
        with pytest.raises(error) as theirs:
            case(torch.nn, torch)
        with pytest.raises(error) as mine:
            case(ag.nn, ag)
        assert str(mine.value) == str(theirs.value)


def test_default_initialisation_is_uniform_in_one_over_sqrt_hidden() -> None:
    layer = ag.nn.LSTM(30, 50)
    bound = 1 / np.sqrt(50)
    values = np.concatenate([p.detach().numpy().ravel() for p in layer.parameters()])
    assert values.min() >= -bound and values.max() <= bound
    # 16,400 draws: the max |ECDF - CDF| of U(-b, b) exceeds 0.02 with probability ~1e-5.
    values.sort()
    cdf = (values + bound) / (2 * bound)
    ecdf = np.arange(1, values.size + 1) / values.size
    assert np.max(np.abs(ecdf - cdf)) < 0.02


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_input_of_another_dtype_than_the_weights_raises_like_torch(kind: str) -> None:
    for module in (ag, torch):
        layer = getattr(module.nn, kind)(3, 4)
        with pytest.raises(ValueError, match=r"input dtype .* does not match weight dtype"):
            layer(module.ones(2, 1, 3, dtype=module.float64))
