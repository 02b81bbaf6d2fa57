"""``TransformerEncoderLayer`` against torch 2.13.0 with torch's state_dict loaded: outputs,
input and parameter gradients, post-norm and pre-norm, masks, activations."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.nn._compare import compare_module

RNG = np.random.default_rng(13)
S, N, D = 4, 2, 8
SRC = RNG.standard_normal((S, N, D))
PADDING = np.array([[False, False, True, False], [False, True, True, False]])
CAUSAL = np.triu(np.ones((S, S), dtype=bool), 1)


def lib(x: Any) -> Any:
    return torch if isinstance(x, torch.Tensor) else ag


CASES = {
    "post_norm": (
        lambda nn: nn.TransformerEncoderLayer(D, 2, dim_feedforward=16, dropout=0.0),
        (SRC,),
        None,
    ),
    "pre_norm_gelu_batch_first": (
        lambda nn: nn.TransformerEncoderLayer(
            D, 4, 16, 0.0, "gelu", norm_first=True, batch_first=True
        ),
        (SRC.transpose(1, 0, 2),),
        None,
    ),
    "masks": (
        lambda nn: nn.TransformerEncoderLayer(D, 2, 16, 0.0),
        (SRC,),
        lambda m, a: m(
            a[0], src_mask=lib(a[0]).tensor(CAUSAL), src_key_padding_mask=lib(a[0]).tensor(PADDING)
        ),
    ),
    "causal_no_bias_eps": (
        lambda nn: nn.TransformerEncoderLayer(D, 2, 16, 0.0, bias=False, layer_norm_eps=1e-3),
        (SRC,),
        lambda m, a: m(a[0], src_mask=lib(a[0]).tensor(CAUSAL), is_causal=True),
    ),
    "callable_activation_unbatched": (
        lambda nn: nn.TransformerEncoderLayer(D, 2, 16, 0.0, (lambda x: x.tanh()), norm_first=True),
        (SRC[:, 0],),
        None,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_encoder_layer_matches_torch(name: str) -> None:
    build, inputs, call = CASES[name]
    compare_module(build, inputs, call=call)


def test_encoder_layer_eval_ignores_dropout() -> None:
    compare_module(lambda nn: nn.TransformerEncoderLayer(D, 2, 16), (SRC,), train=False)


def test_encoder_layer_state_dict_names_match_torch() -> None:
    theirs = torch.nn.TransformerEncoderLayer(D, 2, 16)
    mine = ag.nn.TransformerEncoderLayer(D, 2, 16)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    for (name, p), (_, t) in zip(mine.named_parameters(), theirs.named_parameters(), strict=True):
        assert tuple(p.shape) == tuple(t.shape), name


def test_encoder_layer_dropout_in_training_is_random() -> None:
    layer = ag.nn.TransformerEncoderLayer(D, 2, 16, dropout=0.5).double()  # SRC is float64
    x = ag.tensor(SRC)
    ag.manual_seed(0)
    first = layer(x).detach().numpy()
    second = layer(x).detach().numpy()
    assert not np.allclose(first, second)
    layer.eval()
    np.testing.assert_array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())


def test_unknown_activation_raises_like_torch() -> None:
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not swish"):
        torch.nn.TransformerEncoderLayer(D, 2, activation="swish")
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not swish"):
        ag.nn.TransformerEncoderLayer(D, 2, activation="swish")
