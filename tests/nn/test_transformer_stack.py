"""``TransformerEncoder``, ``TransformerDecoderLayer``, ``TransformerDecoder`` and
``Transformer`` against torch 2.13.0 with torch's state_dict loaded: outputs, input and
parameter gradients, post-norm and pre-norm, masks, causal-mask detection, batch layouts."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.nn._compare import compare_module, copy_weights

RNG = np.random.default_rng(21)
S, T, N, D = 5, 4, 2, 8
SRC = RNG.standard_normal((S, N, D))
TGT = RNG.standard_normal((T, N, D))
SRC_PAD = np.array([[False, False, True, False, False], [False, True, True, False, True]])
TGT_PAD = np.array([[False, False, True, False], [False, True, False, False]])
TGT_CAUSAL = np.triu(np.ones((T, T), dtype=bool), 1)
SRC_CAUSAL = np.triu(np.ones((S, S), dtype=bool), 1)
MEMORY_MASK = RNG.standard_normal((T, S))


def lib(x: Any) -> Any:
    return torch if isinstance(x, torch.Tensor) else ag


def float_causal(x: Any, size: int) -> Any:
    """The library's own causal float mask, so that ``is_causal=None`` detects it."""
    return lib(x).nn.Transformer.generate_square_subsequent_mask(size, dtype=x.dtype)


@pytest.fixture(autouse=True)
def _quiet_nested_tensor_warning() -> Any:
    # torch warns that its nested-tensor fast path is off for these layer configurations (and
    # that nested tensors are a prototype when it is on), and about bool padding masks next to
    # float attention masks (which the tests mix on purpose)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="enable_nested_tensor is True")
        warnings.filterwarnings("ignore", message="Support for mismatched")
        warnings.filterwarnings("ignore", message="The PyTorch API of nested tensors")
        yield


def _encoder(nn: Any, **kwargs: Any) -> Any:
    layer = nn.TransformerEncoderLayer(D, 2, 16, 0.0, **kwargs)
    return nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(D))


ENCODER_CASES = {
    "plain": (lambda nn: _encoder(nn), (SRC,), None),
    "no_norm_batch_first_pre_norm": (
        lambda nn: nn.TransformerEncoder(
            nn.TransformerEncoderLayer(D, 4, 16, 0.0, "gelu", batch_first=True, norm_first=True),
            3,
            enable_nested_tensor=False,
        ),
        (SRC.transpose(1, 0, 2),),
        None,
    ),
    "bool_masks": (
        lambda nn: _encoder(nn),
        (SRC,),
        lambda m, a: m(
            a[0],
            mask=lib(a[0]).tensor(SRC_CAUSAL),
            src_key_padding_mask=lib(a[0]).tensor(SRC_PAD),
        ),
    ),
    "detected_causal_mask": (
        lambda nn: _encoder(nn),
        (SRC,),
        lambda m, a: m(a[0], mask=float_causal(a[0], S)),
    ),
    "explicit_is_causal": (
        lambda nn: _encoder(nn),
        (SRC,),
        lambda m, a: m(a[0], mask=float_causal(a[0], S), is_causal=True),
    ),
    "unbatched": (lambda nn: _encoder(nn), (SRC[:, 1],), None),
}


@pytest.mark.parametrize("name", sorted(ENCODER_CASES))
def test_encoder_matches_torch(name: str) -> None:
    build, inputs, call = ENCODER_CASES[name]
    compare_module(build, inputs, call=call)


def _decoder_layer(nn: Any, **kwargs: Any) -> Any:
    return nn.TransformerDecoderLayer(D, 2, 16, 0.0, **kwargs)


DECODER_LAYER_CASES = {
    "post_norm": (lambda nn: _decoder_layer(nn), (TGT, SRC), None),
    "pre_norm_gelu_batch_first": (
        lambda nn: _decoder_layer(nn, activation="gelu", norm_first=True, batch_first=True),
        (TGT.transpose(1, 0, 2), SRC.transpose(1, 0, 2)),
        None,
    ),
    "masks": (
        lambda nn: _decoder_layer(nn),
        (TGT, SRC),
        lambda m, a: m(
            a[0],
            a[1],
            tgt_mask=lib(a[0]).tensor(TGT_CAUSAL),
            memory_mask=lib(a[0]).tensor(MEMORY_MASK),
            tgt_key_padding_mask=lib(a[0]).tensor(TGT_PAD),
            memory_key_padding_mask=lib(a[0]).tensor(SRC_PAD),
        ),
    ),
    "causal_hint_no_bias_eps": (
        lambda nn: _decoder_layer(nn, bias=False, layer_norm_eps=1e-3),
        (TGT, SRC),
        lambda m, a: m(a[0], a[1], tgt_mask=float_causal(a[0], T), tgt_is_causal=True),
    ),
    "callable_activation_unbatched": (
        lambda nn: _decoder_layer(nn, activation=lambda x: x.tanh()),
        (TGT[:, 0], SRC[:, 0]),
        None,
    ),
}


@pytest.mark.parametrize("name", sorted(DECODER_LAYER_CASES))
def test_decoder_layer_matches_torch(name: str) -> None:
    build, inputs, call = DECODER_LAYER_CASES[name]
    compare_module(build, inputs, call=call)


DECODER_CASES = {
    "plain": (
        lambda nn: nn.TransformerDecoder(_decoder_layer(nn), 2, nn.LayerNorm(D)),
        (TGT, SRC),
        None,
    ),
    "detected_causal_padding": (
        lambda nn: nn.TransformerDecoder(_decoder_layer(nn, norm_first=True), 2),
        (TGT, SRC),
        lambda m, a: m(
            a[0],
            a[1],
            tgt_mask=float_causal(a[0], T),
            tgt_key_padding_mask=lib(a[0]).tensor(TGT_PAD),
            memory_key_padding_mask=lib(a[0]).tensor(SRC_PAD),
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(DECODER_CASES))
def test_decoder_matches_torch(name: str) -> None:
    build, inputs, call = DECODER_CASES[name]
    compare_module(build, inputs, call=call)


TRANSFORMER_CASES = {
    "plain": (lambda nn: nn.Transformer(D, 2, 2, 2, 16, 0.0), (SRC, TGT), None),
    "batch_first_pre_norm_gelu": (
        lambda nn: nn.Transformer(
            D, 4, 1, 2, 16, 0.0, "gelu", batch_first=True, norm_first=True, layer_norm_eps=1e-4
        ),
        (SRC.transpose(1, 0, 2), TGT.transpose(1, 0, 2)),
        None,
    ),
    "all_masks": (
        lambda nn: nn.Transformer(D, 2, 1, 1, 16, 0.0),
        (SRC, TGT),
        lambda m, a: m(
            a[0],
            a[1],
            src_mask=lib(a[0]).tensor(SRC_CAUSAL),
            tgt_mask=float_causal(a[0], T),
            memory_mask=lib(a[0]).tensor(MEMORY_MASK),
            src_key_padding_mask=lib(a[0]).tensor(SRC_PAD),
            tgt_key_padding_mask=lib(a[0]).tensor(TGT_PAD),
            memory_key_padding_mask=lib(a[0]).tensor(SRC_PAD),
        ),
    ),
    "unbatched_no_bias": (
        lambda nn: nn.Transformer(D, 2, 1, 1, 16, 0.0, bias=False),
        (SRC[:, 0], TGT[:, 0]),
        None,
    ),
}


@pytest.mark.parametrize("name", sorted(TRANSFORMER_CASES))
def test_transformer_matches_torch(name: str) -> None:
    build, inputs, call = TRANSFORMER_CASES[name]
    compare_module(build, inputs, call=call)


def test_transformer_eval_ignores_dropout() -> None:
    compare_module(lambda nn: nn.Transformer(D, 2, 1, 1, 16, dropout=0.3), (SRC, TGT), train=False)


@pytest.mark.parametrize(
    "build",
    [
        lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(D, 2, 16), 3),
        lambda nn: nn.TransformerDecoder(nn.TransformerDecoderLayer(D, 2, 16), 2, nn.LayerNorm(D)),
        lambda nn: nn.TransformerDecoderLayer(D, 2, 16),
        lambda nn: nn.Transformer(D, 2, 2, 1, 16),
    ],
)
def test_state_dict_names_and_shapes_match_torch(build: Any) -> None:
    theirs, mine = build(torch.nn), build(ag.nn)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    for (name, p), (_, t) in zip(mine.named_parameters(), theirs.named_parameters(), strict=True):
        assert tuple(p.shape) == tuple(t.shape), name


def test_stacked_layers_start_equal_but_are_independent() -> None:
    encoder = ag.nn.TransformerEncoder(ag.nn.TransformerEncoderLayer(D, 2, 16), 2)
    first, second = encoder.layers[0].linear1.weight, encoder.layers[1].linear1.weight
    np.testing.assert_array_equal(first.detach().numpy(), second.detach().numpy())
    assert first is not second
    with ag.no_grad():
        first.fill_(0.0)
    assert np.any(second.detach().numpy() != 0)


def test_transformer_resets_matrices_xavier_uniform() -> None:
    model = ag.nn.Transformer(D, 2, 1, 1, 16)
    weight = model.encoder.layers[0].linear1.weight.detach().numpy()  # (16, D)
    bound = np.sqrt(6.0 / (16 + D))
    assert np.all(np.abs(weight) <= bound)
    assert np.abs(weight).max() > bound / 2  # not the Linear default's smaller kaiming bound
    ones = model.encoder.norm.weight.detach().numpy()
    np.testing.assert_array_equal(ones, np.ones(D))  # 1-D parameters keep their init


@pytest.mark.parametrize("dtype", [None, "float64", "float32"])
@pytest.mark.parametrize("size", [0, 1, 4])
def test_generate_square_subsequent_mask_matches_torch(size: int, dtype: str | None) -> None:
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(
        size, dtype=None if dtype is None else getattr(torch, dtype)
    )
    mine = ag.nn.Transformer.generate_square_subsequent_mask(
        size, dtype=None if dtype is None else getattr(ag, dtype)
    )
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


def test_training_dropout_is_random_and_eval_deterministic() -> None:
    model = ag.nn.Transformer(D, 2, 1, 1, 16, dropout=0.5).double()  # the data are float64
    src, tgt = ag.tensor(SRC), ag.tensor(TGT)
    ag.manual_seed(0)
    assert not np.allclose(model(src, tgt).detach().numpy(), model(src, tgt).detach().numpy())
    model.eval()
    np.testing.assert_array_equal(
        model(src, tgt).detach().numpy(), model(src, tgt).detach().numpy()
    )


@pytest.mark.parametrize(
    "call",
    [
        # the batch sizes of src and tgt differ
        lambda L, m: m(L.zeros(S, 2, D), L.zeros(T, 3, D)),
        # the feature size is not d_model
        lambda L, m: m(L.zeros(S, 2, D + 1), L.zeros(T, 2, D + 1)),
        lambda L, m: m(L.zeros(S, 2, D), L.zeros(T, 2, D - 2)),
    ],
)
def test_transformer_misuse_raises_like_torch(call: Any) -> None:
    with pytest.raises(RuntimeError, match="must be equal"):
        call(torch, torch.nn.Transformer(D, 2, 1, 1, 16))
    with pytest.raises(RuntimeError, match=r"must be equal.*Fix"):
        call(ag, ag.nn.Transformer(D, 2, 1, 1, 16))


def test_decoder_unknown_activation_raises_like_torch() -> None:
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        torch.nn.TransformerDecoderLayer(D, 2, activation="tanh")
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        ag.nn.TransformerDecoderLayer(D, 2, activation="tanh")


FAST_PATH_CASES = {
    # the layer PyTorch's nested-tensor fast path supports: padded rows come out 0 before norm
    "fast_path": {"batch_first": True},
    "gelu_fast_path": {"batch_first": True, "activation": "gelu"},
    # layers it does not support: the plain path everywhere
    "norm_first": {"batch_first": True, "norm_first": True},
    "sequence_first": {"batch_first": False},
    "callable_activation": {"batch_first": True, "activation": lambda v: v.relu()},
}
RIGHT_PADDED = np.array([[False, False, True, True, True], [False, False, False, False, True]])
MIDDLE_PADDED = np.array([[False, True, False, True, True], [False, False, False, False, True]])


@pytest.mark.parametrize("padding", [RIGHT_PADDED, MIDDLE_PADDED], ids=["right", "middle"])
@pytest.mark.parametrize("grad", [False, True])
@pytest.mark.parametrize("name", sorted(FAST_PATH_CASES))
def test_encoder_inference_matches_torch_fast_path(name: str, grad: bool, padding: Any) -> None:
    kwargs = FAST_PATH_CASES[name]
    src = SRC.transpose(1, 0, 2) if kwargs["batch_first"] else SRC
    outputs = []
    modules = []
    for L in (torch, ag):
        layer = L.nn.TransformerEncoderLayer(D, 2, 16, 0.0, **kwargs)
        modules.append(L.nn.TransformerEncoder(layer, 2, norm=L.nn.LayerNorm(D)).double().eval())
    copy_weights(*modules)
    with torch.no_grad() if not grad else torch.enable_grad():
        outputs.append(modules[0](torch.tensor(src), src_key_padding_mask=torch.tensor(padding)))
    with ag.no_grad() if not grad else ag.enable_grad():
        outputs.append(modules[1](ag.tensor(src), src_key_padding_mask=ag.tensor(padding)))
    theirs, mine = (o.detach().numpy() for o in outputs)
    np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)


def test_a_made_causal_mask_is_detected_without_reading_its_values() -> None:
    # nn.Transformer's decoder detects a causal tgt_mask (tgt_is_causal=None) by comparing
    # values, which a compiled step cannot replay; a mask generate_square_subsequent_mask made
    # (and nobody wrote since) is known for causal without the comparison.
    from arraygrad.nn.modules import transformer

    mask = ag.nn.Transformer.generate_square_subsequent_mask(4)
    other = ag.nn.Transformer.generate_square_subsequent_mask(4)
    calls: list[int] = []
    original = transformer._generate_square_subsequent_mask

    def counting(size: int, *args: Any, **kwargs: Any) -> ag.Tensor:
        calls.append(size)
        return original(size, *args, **kwargs)

    transformer._generate_square_subsequent_mask = counting
    try:
        assert transformer._detect_is_causal_mask(mask, None, 4) is True
        assert transformer._detect_is_causal_mask(mask, None, 3) is False  # another size
        assert calls == []  # no comparison mask made: the values were not read
        other[0, 1] = 0.0  # written: compared again, and no longer causal
        assert transformer._detect_is_causal_mask(other, None, 4) is False
        assert calls == [4]
        plain = ag.triu(ag.full((4, 4), float("-inf")), 1)  # causal, made elsewhere: compared
        assert transformer._detect_is_causal_mask(plain, None, 4) is True
        assert calls == [4, 4]
    finally:
        transformer._generate_square_subsequent_mask = original


def test_a_causal_mask_kept_from_a_trace_does_not_keep_the_trace() -> None:
    # the mask's entry held arraygrad.compile's tracer (and every array it recorded) for as
    # long as the mask lived: a model that caches its mask kept its first trace
    import gc
    import weakref

    from arraygrad import _backend

    kept: list[ag.Tensor] = []
    tracers: list[Any] = []

    def step(x: ag.Tensor) -> ag.Tensor:
        kept.append(ag.nn.Transformer.generate_square_subsequent_mask(4))
        tracers.append(weakref.ref(_backend.tracer))
        return x + kept[0]

    ag.compile(step)(ag.randn(4, 4))
    gc.collect()
    assert kept and tracers[0]() is None


def _mismatched_mask_calls(nn: Any, x: Any, padding: Any, mask: Any) -> dict[str, Any]:
    layer = nn.TransformerEncoderLayer(D, 2, 16, 0.0, batch_first=True).double()
    encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False).double()
    attention = nn.MultiheadAttention(D, 2, batch_first=True).double()
    return {
        "layer": lambda: layer(x, src_mask=mask, src_key_padding_mask=padding),
        "encoder": lambda: encoder(x, mask=mask, src_key_padding_mask=padding),
        "attention": lambda: attention(x, x, x, key_padding_mask=padding, attn_mask=mask)[0],
        "same dtypes": lambda: attention(x, x, x, key_padding_mask=padding, attn_mask=mask < 0)[0],
    }


@pytest.mark.parametrize("call", ["layer", "encoder", "attention", "same dtypes"])
def test_a_bool_padding_mask_beside_a_float_mask_warns_as_torch(call: str) -> None:
    # PyTorch accepts the two dtypes with a deprecation warning naming both masks (the layer's
    # and the encoder's names, or the attention's); arraygrad said nothing
    messages = []
    for library in (torch, ag):
        library.manual_seed(0)
        x = library.from_numpy(SRC.transpose(1, 0, 2).copy())
        padding = library.from_numpy(SRC_PAD)
        mask = library.nn.Transformer.generate_square_subsequent_mask(S, dtype=library.float64)
        calls = _mismatched_mask_calls(library.nn, x, padding, mask)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            calls[call]()
        messages.append([str(w.message) for w in caught if "mismatched" in str(w.message)])
    assert messages[1] == messages[0]
    assert len(messages[0]) == (call != "same dtypes")
