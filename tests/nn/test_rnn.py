"""RNN, GRU and LSTM against torch 2.13.0 in float64 with the same weights."""

from __future__ import annotations

from typing import Any

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
        # torch's words first; arraygrad then names the fix
        assert str(mine.value).startswith(str(theirs.value))


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


# --- LSTM with projections (proj_size) ---------------------------------------------------------


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_lstm_with_projections_matches_torch(config: str) -> None:
    # A torch state_dict (with weight_hr_l*) loads strictly; outputs, h_n, c_n and the gradients
    # of the input and of every parameter agree in float64.
    kwargs = CONFIGS[config]
    x = rng.standard_normal((3, 4, 2) if kwargs.get("batch_first") else (4, 3, 2))
    compare_module(lambda nn: nn.LSTM(2, 5, proj_size=3, **kwargs), [x])


@pytest.mark.parametrize("batch_first", [False, True])
def test_lstm_with_projections_and_initial_state(batch_first: bool) -> None:
    # h0 has proj_size features, c0 hidden_size: both get gradients.
    x = rng.standard_normal((2, 5, 3) if batch_first else (5, 2, 3))
    h0, c0 = rng.standard_normal((4, 2, 2)), rng.standard_normal((4, 2, 4))
    compare_module(
        lambda nn: nn.LSTM(3, 4, 2, bidirectional=True, batch_first=batch_first, proj_size=2),
        [x, h0, c0],
        call=lambda m, a: m(a[0], (a[1], a[2])),
    )


def test_lstm_with_projections_on_unbatched_input() -> None:
    x = rng.standard_normal((5, 3))
    h0, c0 = rng.standard_normal((2, 1)), rng.standard_normal((2, 4))
    compare_module(lambda nn: nn.LSTM(3, 4, 2, proj_size=1), [x])
    compare_module(
        lambda nn: nn.LSTM(3, 4, 2, proj_size=1),
        [x, h0, c0],
        call=lambda m, a: m(a[0], (a[1], a[2])),
    )


def test_lstm_projection_parameters_follow_torch() -> None:
    for options in [dict(num_layers=2, bidirectional=True), dict(bias=False, batch_first=True)]:
        th = torch.nn.LSTM(3, 5, proj_size=2, **options)
        mine = ag.nn.LSTM(3, 5, proj_size=2, **options)
        theirs = [(n, tuple(p.shape)) for n, p in th.named_parameters()]
        assert [(n, tuple(p.shape)) for n, p in mine.named_parameters()] == theirs
        assert list(mine.state_dict()) == list(th.state_dict())
        assert repr(mine) == repr(th)
        assert mine.proj_size == th.proj_size == 2


def test_lstm_projection_weights_start_uniform_in_one_over_sqrt_hidden() -> None:
    layer = ag.nn.LSTM(3, 100, proj_size=40)
    values = layer.weight_hr_l0.detach().numpy()
    assert values.shape == (40, 100)
    bound = 1 / np.sqrt(100)
    assert values.min() >= -bound and values.max() <= bound
    assert values.min() < -0.9 * bound and values.max() > 0.9 * bound


PROJECTION_ERRORS = {
    "equal_to_hidden": lambda nn, lib: nn.LSTM(3, 5, proj_size=5),
    "above_hidden": lambda nn, lib: nn.LSTM(3, 5, proj_size=6),
    "negative": lambda nn, lib: nn.LSTM(3, 5, proj_size=-1, bidirectional=True),
    "rnn": lambda nn, lib: nn.RNN(3, 5, proj_size=2),
    "rnn_zero": lambda nn, lib: nn.RNN(3, 5, proj_size=0),
    "rnn_before_other_checks": lambda nn, lib: nn.RNN(3, 0, nonlinearity="x", proj_size=1),
    "gru": lambda nn, lib: nn.GRU(3, 5, proj_size=2),
    "gru_zero": lambda nn, lib: nn.GRU(3, 5, dropout=3.0, proj_size=0),
    "h0_of_hidden_size": lambda nn, lib: nn.LSTM(3, 5, proj_size=2)(
        lib.zeros(4, 2, 3), (lib.zeros(1, 2, 5), lib.zeros(1, 2, 5))
    ),
    "c0_of_proj_size": lambda nn, lib: nn.LSTM(3, 5, proj_size=2)(
        lib.zeros(4, 2, 3), (lib.zeros(1, 2, 2), lib.zeros(1, 2, 2))
    ),
    "unbatched_h0": lambda nn, lib: nn.LSTM(3, 5, proj_size=2)(
        lib.zeros(4, 3), (lib.zeros(1, 5), lib.zeros(1, 5))
    ),
    "unbatched_c0": lambda nn, lib: nn.LSTM(3, 5, proj_size=2)(
        lib.zeros(4, 3), (lib.zeros(1, 2), lib.zeros(1, 2))
    ),
}


@pytest.mark.parametrize("name", sorted(PROJECTION_ERRORS))
def test_projection_errors_match_torch(name: str) -> None:
    with pytest.raises((ValueError, RuntimeError)) as theirs:
        PROJECTION_ERRORS[name](torch.nn, torch)
    with pytest.raises(theirs.type) as mine:
        PROJECTION_ERRORS[name](ag.nn, ag)
        # torch's words first; arraygrad then names the fix
        assert str(mine.value).startswith(str(theirs.value))


@pytest.mark.parametrize("kind", ["GRU", "LSTM"])
def test_hidden_size_errors_name_the_state_as_torch(kind: str) -> None:
    # The LSTM names which state is wrong (hidden[0] / hidden[1]); unbatched input reports the
    # shape with its batch dimension of 1, as torch does.
    def calls(nn: Any, lib: Any) -> list[Any]:
        layer = getattr(nn, kind)(3, 5)
        wrong, right = lib.zeros(1, 2, 4), lib.zeros(1, 2, 5)
        if kind == "GRU":
            return [
                lambda: layer(lib.zeros(4, 2, 3), wrong),
                lambda: layer(lib.zeros(4, 3), wrong[0]),
            ]
        return [
            lambda: layer(lib.zeros(4, 2, 3), (wrong, right)),
            lambda: layer(lib.zeros(4, 2, 3), (right, wrong)),
            lambda: layer(lib.zeros(4, 3), (wrong[0], right[0])),
        ]

    for theirs_call, mine_call in zip(calls(torch.nn, torch), calls(ag.nn, ag), strict=True):
        with pytest.raises(RuntimeError) as theirs:
            theirs_call()
        with pytest.raises(RuntimeError) as mine:
            mine_call()
        # torch's words first; arraygrad then names the fix
        assert str(mine.value).startswith(str(theirs.value))


# Initial states of a packed batch of 4 (hidden 3, 2 layers), by their shapes (h, c), with
# the batch sorted (enforce_sorted) or not.
PACKED_STATES = {
    "lstm_matrix_h": ((4, 3), (2, 4, 3), True),
    "lstm_matrix_c_unsorted": ((2, 4, 3), (4, 4), False),
    "lstm_vector_h_unsorted": ((12,), (2, 4, 3), False),
    "lstm_wrong_features": ((2, 4, 2), (4, 3), True),
    "gru_vector_unsorted": ((12,), None, False),
    "gru_batch_too_small_unsorted": ((2, 3, 3), None, False),
}


@pytest.mark.parametrize("name", sorted(PACKED_STATES))
def test_packed_input_with_states_of_the_wrong_rank_raises_as_torch(name: str) -> None:
    # torch reorders the states by the batch's sort, then reads an LSTM's states' features,
    # before it checks their shapes: IndexError where a dimension is missing (modules fuzzer,
    # seed 21468), not the size mismatch.
    h, c, ordered = PACKED_STATES[name]
    lengths = [3, 2, 2, 1] if ordered else [2, 3, 1, 2]

    def call(lib: Any) -> Any:
        layer = (lib.nn.LSTM if c else lib.nn.GRU)(2, 3, num_layers=2)
        packed = lib.nn.utils.rnn.pack_padded_sequence(
            lib.zeros(3, 4, 2), lib.tensor(lengths), enforce_sorted=ordered
        )
        state = lib.zeros(*h) if c is None else (lib.zeros(*h), lib.zeros(*c))
        return layer(packed, state)

    with pytest.raises((IndexError, RuntimeError)) as theirs:
        call(torch)
    with pytest.raises(theirs.type):
        call(ag)


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize(
    "options",
    [{}, {"num_layers": 2, "bidirectional": True}, {"bias": False}, {"num_layers": 3}],
)
def test_all_weights_as_torch(kind: str, options: dict[str, Any]) -> None:
    # Regression: RNN, LSTM and GRU had no all_weights (nor _all_weights).
    if kind == "LSTM" and not options:
        options = {"proj_size": 2}
    found = []
    for lib in (torch, ag):
        module = getattr(lib.nn, kind)(3, 4, **options)
        names, weights = module._all_weights, module.all_weights
        for cell_weights, cell_names in zip(weights, names, strict=True):
            assert all(
                w is getattr(module, n) for w, n in zip(cell_weights, cell_names, strict=True)
            )
        found.append((names, [[tuple(w.shape) for w in ws] for ws in weights]))
    assert found[1] == found[0]
