"""``RNNCell``, ``LSTMCell`` and ``GRUCell`` against torch 2.13.0 with torch's weights loaded:
outputs, input / state gradients and parameter gradients, batched and unbatched, one step and
a few steps unrolled; misuse raises torch's exception classes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.nn._compare import compare_module

RNG = np.random.default_rng(11)
N, IN, HID = 3, 4, 5
X = RNG.standard_normal((N, IN))
H = RNG.standard_normal((N, HID))
C = RNG.standard_normal((N, HID))
SEQ = RNG.standard_normal((4, N, IN))


def _unroll(module: Any, args: list[Any]) -> Any:
    """Feed the steps of ``args[0]`` through the cell, carrying its state."""
    state = None
    outputs = []
    for step in args[0].unbind(0):
        state = module(step, state)
        outputs.append(state[0] if isinstance(state, tuple) else state)
    return outputs


CASES = {
    "rnn_tanh": (lambda nn: nn.RNNCell(IN, HID), (X, H), None),
    "rnn_relu_no_bias": (
        lambda nn: nn.RNNCell(IN, HID, bias=False, nonlinearity="relu"),
        (X, H),
        None,
    ),
    "rnn_zero_state": (lambda nn: nn.RNNCell(IN, HID), (X,), None),
    "rnn_unbatched": (lambda nn: nn.RNNCell(IN, HID), (X[0], H[0]), None),
    "gru": (lambda nn: nn.GRUCell(IN, HID), (X, H), None),
    "gru_no_bias_zero_state": (lambda nn: nn.GRUCell(IN, HID, bias=False), (X,), None),
    "gru_unbatched": (lambda nn: nn.GRUCell(IN, HID), (X[1], H[1]), None),
    "lstm": (lambda nn: nn.LSTMCell(IN, HID), (X, H, C), lambda m, a: m(a[0], (a[1], a[2]))),
    "lstm_zero_state": (lambda nn: nn.LSTMCell(IN, HID), (X,), None),
    "lstm_no_bias_unbatched": (
        lambda nn: nn.LSTMCell(IN, HID, bias=False),
        (X[2], H[2], C[2]),
        lambda m, a: m(a[0], (a[1], a[2])),
    ),
    "rnn_unrolled": (lambda nn: nn.RNNCell(IN, HID), (SEQ,), _unroll),
    "gru_unrolled": (lambda nn: nn.GRUCell(IN, HID), (SEQ,), _unroll),
    "lstm_unrolled": (lambda nn: nn.LSTMCell(IN, HID), (SEQ,), _unroll),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_cells_match_torch(name: str) -> None:
    build, inputs, call = CASES[name]
    compare_module(build, inputs, call=call)


@pytest.mark.parametrize("cls", ["RNNCell", "GRUCell", "LSTMCell"])
def test_parameters_init_and_repr_match_torch(cls: str) -> None:
    for kwargs in [{}, {"bias": False}]:
        theirs = getattr(torch.nn, cls)(IN, HID, **kwargs)
        mine = getattr(ag.nn, cls)(IN, HID, **kwargs)
        assert list(mine.state_dict()) == list(theirs.state_dict())
        for (name, p), (_, t) in zip(
            mine.named_parameters(), theirs.named_parameters(), strict=True
        ):
            assert tuple(p.shape) == tuple(t.shape), name
        assert repr(mine) == repr(theirs)
    bound = 1 / np.sqrt(64)
    weight = getattr(ag.nn, cls)(8, 64).weight_hh.detach().numpy()
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.9 * bound
    assert repr(ag.nn.RNNCell(2, 3, nonlinearity="relu")) == repr(
        torch.nn.RNNCell(2, 3, nonlinearity="relu")
    )


def test_cells_against_the_layers() -> None:
    # One LSTMCell step with a layer's weights is that layer's first output.
    layer = ag.nn.LSTM(IN, HID).double()
    cell = ag.nn.LSTMCell(IN, HID).double()
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(cell, name).data = getattr(layer, f"{name}_l0").data
    x = ag.tensor(SEQ)
    out, _ = layer(x)
    h, _ = cell(x[0])
    np.testing.assert_allclose(h.detach().numpy(), out[0].detach().numpy(), rtol=1e-12)


def test_empty_batch_matches_torch() -> None:
    for cls in ("RNNCell", "GRUCell", "LSTMCell"):
        theirs = getattr(torch.nn, cls)(IN, HID)(torch.zeros(0, IN))
        mine = getattr(ag.nn, cls)(IN, HID)(ag.zeros(0, IN))
        for a, b in zip(_flat(mine), _flat(theirs), strict=True):
            assert tuple(a.shape) == tuple(b.shape)


def _flat(value: Any) -> list[Any]:
    return list(value) if isinstance(value, tuple) else [value]


def _raises_like_torch(fn: Any, match: str) -> None:
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(theirs.type, match=match):
        fn(ag)


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda L: L.nn.LSTMCell(3, 4)(L.zeros(2, 3, 1)), "Expected input to be 1D or 2D, got 3D"),
        (lambda L: L.nn.GRUCell(3, 4)(L.zeros(2, 3, 1)), "Expected input to be 1D or 2D, got 3D"),
        (lambda L: L.nn.RNNCell(3, 4)(L.zeros(2, 5)), "inconsistent input_size: got 5 expected 3"),
        (
            lambda L: L.nn.LSTMCell(3, 4)(L.zeros(2, 3), (L.zeros(3, 4), L.zeros(3, 4))),
            "Input batch size 2 doesn't match hidden0 batch size 3",
        ),
        (
            lambda L: L.nn.LSTMCell(3, 4)(L.zeros(2, 3), (L.zeros(2, 4), L.zeros(2, 5))),
            "hidden1 has inconsistent hidden_size: got 5, expected 4",
        ),
        (
            lambda L: L.nn.LSTMCell(3, 4)(L.zeros(3), (L.zeros(2, 4), L.zeros(2, 4))),
            "hidden0 has inconsistent hidden_size: got 2, expected 4",
        ),
        (
            lambda L: L.nn.LSTMCell(3, 4)(L.zeros(2, 3), (L.zeros(1, 2, 4), L.zeros(2, 4))),
            r"Expected hx\[0\] to be 1D or 2D",
        ),
        (
            lambda L: L.nn.GRUCell(3, 4)(L.zeros(2, 3), L.zeros(2, 5)),
            "hidden0 has inconsistent hidden_size: got 5, expected 4",
        ),
        (
            lambda L: L.nn.GRUCell(3, 4)(L.zeros(2, 3), L.zeros(4)),
            "Input batch size 2 doesn't match hidden0 batch size 4",
        ),
        (
            lambda L: L.nn.RNNCell(3, 4)(L.zeros(2, 3), L.zeros(1, 2, 4)),
            "Expected hidden to be 1D or 2D",
        ),
        (
            lambda L: L.nn.RNNCell(3, 4, nonlinearity="sigmoid")(L.zeros(2, 3)),
            "Unknown nonlinearity: sigmoid",
        ),
    ],
)
def test_errors_match_torch(fn: Any, match: str) -> None:
    _raises_like_torch(fn, match)
