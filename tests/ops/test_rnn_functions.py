"""The recurrent layers as functions of flat weights (``_rnn_functions.py``) against torch
2.13.0: each mode with one and two layers, both directions, without biases, ``batch_first``,
LSTM projections and packed data; the one-step cells; values and gradients of every input."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.ops._helpers import lib
from tests.oracle import check_against_torch

R = np.random.default_rng(0)
_GATES = {"rnn_tanh": 1, "rnn_relu": 1, "gru": 3, "lstm": 4}


def _params(
    mode: str, layers: int, bidirectional: bool, bias: bool, proj: int = 0
) -> list[np.ndarray]:
    """Flat weights as nn.RNN._flat_weights lists them, for input 3 and hidden 4."""
    gates, hidden, state = _GATES[mode], 4, proj or 4
    directions = 2 if bidirectional else 1
    shapes: list[tuple[int, ...]] = []
    for layer in range(layers):
        width = 3 if layer == 0 else state * directions
        for _ in range(directions):
            shapes += [(gates * hidden, width), (gates * hidden, state)]
            if bias:
                shapes += [(gates * hidden,), (gates * hidden,)]
            if proj:
                shapes.append((proj, hidden))
    return [R.standard_normal(s) * 0.5 for s in shapes]


# (layers, bidirectional, has_biases, batch_first, proj_size)
SETTINGS = [
    (1, False, True, False, 0),
    (2, True, True, True, 0),
    (2, False, False, False, 0),
    (1, True, True, False, 2),
]


@pytest.mark.parametrize("mode", list(_GATES))
@pytest.mark.parametrize("setting", range(len(SETTINGS)))
def test_sequence_matches_torch(mode: str, setting: int) -> None:
    layers, bidirectional, bias, batch_first, proj = SETTINGS[setting]
    if proj and mode != "lstm":
        pytest.skip("projections are an LSTM's only")
    params = _params(mode, layers, bidirectional, bias, proj)
    x = R.standard_normal((2, 5, 3) if batch_first else (5, 2, 3))
    states = layers * (2 if bidirectional else 1)
    h, c = R.standard_normal((states, 2, proj or 4)), R.standard_normal((states, 2, 4))
    settings = (bias, layers, 0.0, False, bidirectional)

    def run(x: Any, h: Any, c: Any, *p: Any) -> Any:
        hx = (h, c) if mode == "lstm" else h
        return getattr(lib(x), mode)(x, hx, p, *settings, batch_first)

    check_against_torch(run, None, [x, h, c, *params])


@pytest.mark.parametrize("mode", list(_GATES))
def test_packed_data_matches_torch(mode: str) -> None:
    params = _params(mode, 2, True, True)
    sizes = np.array([2, 2, 1, 1, 1])
    data = R.standard_normal((int(sizes.sum()), 3))
    h, c = R.standard_normal((4, 2, 4)), R.standard_normal((4, 2, 4))

    def run(data: Any, h: Any, c: Any, *p: Any) -> Any:
        hx = (h, c) if mode == "lstm" else h
        batch_sizes = lib(data).tensor(sizes)
        return getattr(lib(data), mode)(data, batch_sizes, hx, p, True, 2, 0.0, False, True)

    check_against_torch(run, None, [data, h, c, *params])


@pytest.mark.parametrize("mode", ["rnn_tanh_cell", "rnn_relu_cell", "gru_cell", "lstm_cell"])
@pytest.mark.parametrize("biases", ["both", "none", "hidden only"])
def test_cells_match_torch(mode: str, biases: str) -> None:
    gates = _GATES[mode.removesuffix("_cell")]
    shapes = [(2, 3), (2, 4), (2, 4), (gates * 4, 3), (gates * 4, 4), (gates * 4,), (gates * 4,)]
    arrays = [R.standard_normal(s) for s in shapes]

    def step(x: Any, h: Any, c: Any, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any) -> Any:
        if biases == "none":
            b_ih = b_hh = None
        elif biases == "hidden only":
            b_ih = None
        hx = (h, c) if mode == "lstm_cell" else h
        return getattr(lib(x), mode)(x, hx, w_ih, w_hh, b_ih, b_hh)

    check_against_torch(step, None, arrays)


def test_errors_match_torch() -> None:
    x, h = R.standard_normal((2, 3)), R.standard_normal((1, 4))
    w_ih, w_hh = R.standard_normal((4, 3)), R.standard_normal((4, 4))
    for call in (
        lambda L: L.rnn_tanh_cell(L.tensor(x), L.tensor(h), L.tensor(w_ih), L.tensor(w_hh)),
        lambda L: L.rnn_tanh_cell(
            L.tensor(x), L.tensor(h).expand(2, 4), L.tensor(w_ih[:, :2]), L.tensor(w_hh)
        ),
        lambda L: L.gru(
            L.tensor(R.standard_normal((5, 2, 3))),
            L.tensor(R.standard_normal((1, 2, 4))),
            [L.tensor(R.standard_normal((12, 3)))],
            True,
            1,
            0.0,
            False,
            False,
            False,
        ),
    ):
        messages = []
        for L in (torch, ag):
            with pytest.raises(RuntimeError) as error:
                call(L)
            messages.append(str(error.value))
        assert messages[0] == messages[1]


def test_training_dropout_between_layers_draws_a_mask() -> None:
    params = [ag.tensor(p) for p in _params("rnn_tanh", 2, False, True)]
    x, h = ag.tensor(R.standard_normal((5, 2, 3))), ag.zeros(2, 2, 4, dtype=ag.float64)
    quiet = ag.rnn_tanh(x, h, params, True, 2, 0.9, False, False, False)[0]
    noisy = ag.rnn_tanh(x, h, params, True, 2, 0.9, True, False, False)[0]
    assert not np.allclose(quiet.numpy(), noisy.numpy())
