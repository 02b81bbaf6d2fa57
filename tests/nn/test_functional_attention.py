"""``scaled_dot_product_attention`` and ``MultiheadAttention`` against torch 2.13.0.

``OP_TABLE`` rows compare values and the gradients of query, key and value (float64 and
float32) and gradcheck them; the masks are fixed patterns built from the drawn shapes. The
module is compared with torch's after loading torch's state_dict: outputs, attention weights,
input and parameter gradients.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import arraygrad as ag
import arraygrad.nn.functional as AF
from tests.nn._compare import compare_module
from tests.oracle import (
    OpSpec,
    assert_like_torch_on,
    check_against_torch,
    gradcheck,
    outcome_in_each,
    run_gradcheck_case,
    run_torch_case,
)

DTYPES = [np.float64, np.float32]


def F(x: Any) -> Any:
    return torch.nn.functional if isinstance(x, torch.Tensor) else AF


def lib(x: Any) -> Any:
    return torch if isinstance(x, torch.Tensor) else ag


def qkv_shapes(batch: tuple[int, ...] = (2,), broadcast_kv: bool = False) -> Any:
    """``(B..., L, E)``, ``(B..., S, E)``, ``(B..., S, Ev)`` shapes; with ``broadcast_kv`` the
    key and value batch dims are 1."""

    def build(length: int, source: int, e: int, ev: int) -> tuple[tuple[int, ...], ...]:
        kv_batch = tuple(1 for _ in batch) if broadcast_kv else batch
        return (
            (*batch, length, e),
            (*kv_batch, source, e),
            (*kv_batch, source, ev),
        )

    # At least two keys: with one, softmax is the constant 1, the gradients of q and k are 0 in
    # exact arithmetic, and float32 rounding leaves both libraries' values at noise of ~1e-6,
    # beyond any fixed tolerance (test_single_key_gives_zero_query_and_key_gradients covers it).
    return st.builds(
        build, st.integers(1, 4), st.integers(2, 4), st.integers(1, 3), st.integers(1, 3)
    )


def gqa_shapes(batch: tuple[int, ...] = (2,), value_heads_of_query: bool = False) -> Any:
    """Grouped-query shapes: ``(B..., H, L, E)`` queries over ``(B..., H / g, S, E)`` keys and
    values (values with ``value_heads_of_query`` keep all ``H`` heads, which also divides)."""

    def build(
        length: int, source: int, e: int, ev: int, kv_heads: int, groups: int
    ) -> tuple[tuple[int, ...], ...]:
        heads = kv_heads * groups
        value_heads = heads if value_heads_of_query else kv_heads
        return (
            (*batch, heads, length, e),
            (*batch, kv_heads, source, e),
            (*batch, value_heads, source, ev),
        )

    return st.builds(
        build,
        st.integers(1, 3),
        st.integers(2, 4),
        st.integers(1, 3),
        st.integers(1, 3),
        st.integers(1, 2),
        st.integers(1, 3),
    )


def bool_mask(q: Any, k: Any) -> Any:
    """A fixed ``(L, S)`` bool pattern (True: attend) with a fully masked query row 1."""
    length, source = q.shape[-2], k.shape[-2]
    grid = lib(q).arange(length * source).reshape(length, source)
    return (grid % 3 != 1) & (lib(q).arange(length).reshape(length, 1) != 1)


def float_mask(q: Any, k: Any) -> Any:
    """A fixed additive ``(L, S)`` bias, ``-inf`` where :func:`bool_mask` masks."""
    length, source = q.shape[-2], k.shape[-2]
    ramp = lib(q).linspace(-1.0, 1.5, length * source, dtype=q.dtype).reshape(length, source)
    return lib(q).where(bool_mask(q, k), ramp, float("-inf"))


def sdpa(q: Any, k: Any, v: Any, **kwargs: Any) -> Any:
    return F(q).scaled_dot_product_attention(q, k, v, **kwargs)


OP_TABLE = {
    "scaled_dot_product_attention": OpSpec(sdpa, shapes=qkv_shapes()),
    "scaled_dot_product_attention_4d_scale": OpSpec(
        lambda q, k, v: sdpa(q, k, v, scale=0.3), shapes=qkv_shapes((2, 3))
    ),
    "scaled_dot_product_attention_unbatched": OpSpec(sdpa, shapes=qkv_shapes(())),
    "scaled_dot_product_attention_broadcast": OpSpec(
        sdpa, shapes=qkv_shapes((2, 2), broadcast_kv=True)
    ),
    "scaled_dot_product_attention_causal": OpSpec(
        lambda q, k, v: sdpa(q, k, v, is_causal=True), shapes=qkv_shapes((1, 2))
    ),
    "scaled_dot_product_attention_bool_mask": OpSpec(
        lambda q, k, v: sdpa(q, k, v, attn_mask=bool_mask(q, k)), shapes=qkv_shapes()
    ),
    "scaled_dot_product_attention_float_mask": OpSpec(
        lambda q, k, v: sdpa(q, k, v, attn_mask=float_mask(q, k), scale=0.7),
        shapes=qkv_shapes((2, 1)),
    ),
    "scaled_dot_product_attention_gqa": OpSpec(
        lambda q, k, v: sdpa(q, k, v, enable_gqa=True), shapes=gqa_shapes()
    ),
    # 3-D inputs: dim -3, the one grouped, is their batch dimension.
    "scaled_dot_product_attention_gqa_3d_causal": OpSpec(
        lambda q, k, v: sdpa(q, k, v, is_causal=True, enable_gqa=True),
        shapes=gqa_shapes((), value_heads_of_query=True),
    ),
    "scaled_dot_product_attention_gqa_bool_mask_5d": OpSpec(
        lambda q, k, v: sdpa(q, k, v, attn_mask=bool_mask(q, k), enable_gqa=True, scale=0.6),
        shapes=gqa_shapes((2, 1)),
    ),
    "scaled_dot_product_attention_dropout_eval": OpSpec(
        lambda q, k, v: sdpa(q, k, v, dropout_p=0.0, attn_mask=bool_mask(q, k).logical_not()),
        shapes=qkv_shapes(),
    ),
}


def test_single_key_gives_zero_query_and_key_gradients() -> None:
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal(shape) for shape in ((2, 3, 4), (2, 1, 4), (2, 1, 2)))
    check_against_torch(sdpa, sdpa, [q, k, v])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    spec = OP_TABLE[name]
    if dtype is np.float32:
        # The gradients of q and k sum products that cancel (softmax's rows sum to 1): in
        # float32 both libraries' results carry absolute rounding noise of ~1e-6 where they are
        # small, beyond the default atol of 1e-6. float64 keeps the strict default.
        spec = dataclasses.replace(spec, atol=1e-5)
    run_torch_case(spec, data.draw, dtype)


@pytest.mark.parametrize("name", sorted(OP_TABLE))
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


def test_sdpa_large_scores_are_stable_and_float_mask_broadcasts() -> None:
    rng = np.random.default_rng(0)
    q = rng.standard_normal((2, 3, 4)).astype(np.float32) * 300
    k = rng.standard_normal((2, 5, 4)).astype(np.float32) * 300
    v = rng.standard_normal((2, 5, 2)).astype(np.float32)
    bias = rng.standard_normal((2, 1, 5)).astype(np.float32)

    def fn(q: Any, k: Any, v: Any, bias: Any) -> Any:
        return sdpa(q, k, v), sdpa(q, k, v, attn_mask=bias)

    check_against_torch(fn, None, [q, k, v, bias], rtol=1e-4, atol=1e-4)


def test_sdpa_dropout_drops_weights() -> None:
    # With the identity as values the output is the (dropped) weights themselves: each entry is
    # 0 or the undropped weight / (1 - p).
    rng = np.random.default_rng(1)
    q, k = ag.tensor(rng.standard_normal((2, 40, 3))), ag.tensor(rng.standard_normal((2, 6, 3)))
    eye = ag.eye(6, dtype=ag.float64)
    full = AF.scaled_dot_product_attention(q, k, eye).numpy()
    ag.manual_seed(0)
    dropped = AF.scaled_dot_product_attention(q, k, eye, dropout_p=0.25).numpy()
    kept = dropped != 0
    np.testing.assert_allclose(dropped[kept], full[kept] / 0.75, rtol=1e-12)
    assert 0.15 < 1 - kept.mean() < 0.35
    zero = AF.scaled_dot_product_attention(q, k, eye, dropout_p=1.0)
    assert not np.any(zero.numpy())


def _raises_like_torch(fn: Any, match: str) -> None:
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(theirs.type, match=match):
        fn(ag)


Q = np.zeros((2, 3, 4))
K = np.zeros((2, 5, 4))


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (
            lambda L: L.nn.functional.scaled_dot_product_attention(
                L.tensor(Q),
                L.tensor(K),
                L.tensor(K),
                attn_mask=L.ones(3, 5, dtype=L.bool),
                is_causal=True,
            ),
            "Explicit attn_mask should not be set when is_causal=True",
        ),
        (
            lambda L: L.nn.functional.scaled_dot_product_attention(
                L.tensor(Q), L.tensor(K), L.tensor(K), attn_mask=L.ones(3, 5, dtype=L.int64)
            ),
            "Expected attn_mask dtype to be bool or float",
        ),
        (
            lambda L: L.nn.functional.scaled_dot_product_attention(
                L.tensor(Q), L.tensor(K).float(), L.tensor(K)
            ),
            "Expected query, key, and value to have the same dtype",
        ),
        (
            lambda L: L.nn.functional.scaled_dot_product_attention(
                L.tensor(Q[0, 0]), L.tensor(K[0]), L.tensor(K[0])
            ),
            "at least 2 dimensional",
        ),
        (
            lambda L: L.nn.functional.scaled_dot_product_attention(
                L.tensor(Q), L.tensor(K), L.tensor(K), dropout_p=1.5
            ),
            "dropout probability has to be between 0 and 1",
        ),
        (lambda L: L.nn.MultiheadAttention(6, 4), "embed_dim must be divisible by num_heads"),
        (lambda L: L.nn.MultiheadAttention(0, 1), "must be greater than 0"),
        (
            lambda L: L.nn.MultiheadAttention(4, 2)(
                L.zeros(3, 2, 5), L.zeros(3, 2, 5), L.zeros(3, 2, 5)
            ),
            "was expecting embedding dimension of 4, but got 5",
        ),
        (
            lambda L: L.nn.MultiheadAttention(4, 2)(
                L.zeros(1, 3, 2, 4), L.zeros(3, 2, 4), L.zeros(3, 2, 4)
            ),
            "query should be unbatched 2D or batched 3D tensor",
        ),
        (
            lambda L: L.nn.MultiheadAttention(4, 2)(L.zeros(3, 2, 4), L.zeros(3, 4), L.zeros(3, 4)),
            "expected `key` and `value` to be 3-D",
        ),
        (
            lambda L: L.nn.MultiheadAttention(4, 2)(
                L.zeros(3, 2, 4), L.zeros(5, 2, 4), L.zeros(5, 2, 4), attn_mask=L.zeros(3, 3)
            ),
            r"The shape of the 2D attn_mask is .*, but should be \(3, 5\)",
        ),
        (
            lambda L: L.nn.MultiheadAttention(4, 2)(
                L.zeros(3, 2, 4), L.zeros(5, 2, 4), L.zeros(5, 2, 4), attn_mask=L.zeros(2, 3, 5)
            ),
            r"The shape of the 3D attn_mask is .*, but should be \(4, 3, 5\)",
        ),
        (
            lambda L: L.nn.MultiheadAttention(4, 2)(
                L.zeros(3, 2, 4), L.zeros(5, 2, 4), L.zeros(5, 2, 4), is_causal=True
            ),
            "Need attn_mask if specifying the is_causal hint",
        ),
        (
            lambda L: L.nn.MultiheadAttention(4, 2)(
                L.zeros(3, 2, 4),
                L.zeros(5, 2, 4),
                L.zeros(5, 2, 4),
                key_padding_mask=L.zeros(2, 5, dtype=L.int64),
            ),
            "only bool and floating types of key_padding_mask are supported",
        ),
        (
            lambda L: L.nn.MultiheadAttention(4, 2)(
                L.zeros(3, 2, 4),
                L.zeros(5, 2, 4),
                L.zeros(5, 2, 4),
                key_padding_mask=L.zeros(2, 4, dtype=L.bool),
            ),
            "Expected key_padded_mask.shape",
        ),
        (  # kdim/vdim projections: the weight that does not fit its input is named
            lambda L: L.nn.MultiheadAttention(4, 2, kdim=3, vdim=2)(
                L.zeros(3, 2, 4), L.zeros(5, 2, 3), L.zeros(5, 2, 5)
            ),
            r"expecting value weights shape of \(4, 5\), but got .*\[4, 2\]",
        ),
        (
            lambda L: L.nn.MultiheadAttention(4, 2, kdim=3, vdim=2)(
                L.zeros(3, 4), L.zeros(5, 2), L.zeros(5, 2)
            ),
            r"expecting key weights shape of \(4, 2\), but got .*\[4, 3\]",
        ),
    ],
)
def test_errors_match_torch(fn: Any, match: str) -> None:
    _raises_like_torch(fn, match)


def test_sdpa_gqa_groups_consecutive_query_heads() -> None:
    # Query heads 0, 1 share key/value head 0 and heads 2, 3 head 1: the same as repeating each
    # key/value head in place (repeat_interleave), not tiling them.
    rng = np.random.default_rng(2)
    q, k, v = (
        ag.tensor(rng.standard_normal(s)) for s in ((1, 4, 3, 2), (1, 2, 5, 2), (1, 2, 5, 3))
    )
    grouped = AF.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    repeated = AF.scaled_dot_product_attention(
        q, k.repeat_interleave(2, dim=-3), v.repeat_interleave(2, dim=-3)
    )
    np.testing.assert_array_equal(grouped.numpy(), repeated.numpy())


def _sdpa_of_shapes(*shapes: tuple[int, ...], **kwargs: Any) -> Any:
    def call(L: Any) -> Any:
        q, k, v = (L.zeros(*shape, dtype=L.float64) for shape in shapes)
        return L.nn.functional.scaled_dot_product_attention(q, k, v, **kwargs)

    return call


def _torch_message(fn: Any) -> str:
    with pytest.raises(Exception) as theirs:
        fn(torch)
    return str(theirs.value)


GQA_ERRORS = {
    # key and value head counts must each divide the query's
    "heads_do_not_divide": _sdpa_of_shapes(
        (1, 4, 3, 2), (1, 3, 5, 2), (1, 3, 5, 2), enable_gqa=True
    ),
    "more_kv_heads": _sdpa_of_shapes((1, 2, 3, 2), (1, 4, 5, 2), (1, 4, 5, 2), enable_gqa=True),
    "value_heads_do_not_divide": _sdpa_of_shapes(
        (1, 6, 3, 2), (1, 3, 5, 2), (1, 4, 5, 2), enable_gqa=True
    ),
    # the heads check comes before the dropout check
    "heads_before_dropout": _sdpa_of_shapes(
        (1, 4, 3, 2), (1, 3, 5, 2), (1, 3, 5, 2), enable_gqa=True, dropout_p=2.0
    ),
    # 2-D inputs have no dim -3
    "2d_query": _sdpa_of_shapes((3, 2), (5, 2), (5, 2), enable_gqa=True),
    "2d_value": _sdpa_of_shapes((4, 3, 2), (2, 5, 2), (5, 2), enable_gqa=True),
    # without enable_gqa fewer key or value heads do not broadcast
    "no_gqa_key_heads": _sdpa_of_shapes((1, 4, 3, 2), (1, 2, 5, 2), (1, 4, 5, 3)),
    "no_gqa_value_heads": _sdpa_of_shapes((1, 4, 3, 2), (1, 4, 5, 2), (1, 2, 5, 3)),
    "no_gqa_5d": _sdpa_of_shapes((2, 1, 4, 3, 2), (2, 1, 2, 5, 2), (2, 1, 2, 5, 2)),
    "no_gqa_before_dropout": _sdpa_of_shapes(
        (1, 4, 3, 2), (1, 2, 5, 2), (1, 2, 5, 2), dropout_p=2.0
    ),
    "batch_after_grouping": _sdpa_of_shapes(
        (2, 4, 3, 2), (3, 2, 5, 2), (3, 2, 5, 2), enable_gqa=True
    ),
    # a mask over the key/value heads instead of the query's
    "mask_of_kv_heads": lambda L: _sdpa_of_shapes(
        (1, 4, 3, 2),
        (1, 2, 5, 2),
        (1, 2, 5, 2),
        enable_gqa=True,
        attn_mask=L.ones(2, 3, 5, dtype=L.bool),
    )(L),
    "float_mask_of_kv_heads": lambda L: _sdpa_of_shapes(
        (1, 4, 3, 2),
        (1, 2, 5, 2),
        (1, 2, 5, 2),
        enable_gqa=True,
        attn_mask=L.zeros(2, 3, 5, dtype=L.float64),
    )(L),
    "mask_larger_than_scores": lambda L: _sdpa_of_shapes(
        (1, 4, 3, 2),
        (1, 2, 5, 2),
        (1, 2, 5, 2),
        enable_gqa=True,
        attn_mask=L.ones(3, 1, 3, 5, dtype=L.bool),
    )(L),
}


@pytest.mark.parametrize("name", sorted(GQA_ERRORS))
def test_sdpa_head_errors_match_torch(name: str) -> None:
    fn = GQA_ERRORS[name]
    _raises_like_torch(fn, "^" + re.escape(_torch_message(fn)))


def test_sdpa_gqa_gradcheck_with_shared_value_heads() -> None:
    # Key heads 2 and value heads 1 of 4 query heads: each group's gradients sum back.
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s) for s in ((1, 4, 2, 2), (1, 2, 3, 2), (1, 1, 3, 2))]
    gradcheck(lambda q, k, v: sdpa(q, k, v, enable_gqa=True), arrays)
    check_against_torch(lambda q, k, v: sdpa(q, k, v, enable_gqa=True), None, arrays)


# --- MultiheadAttention --------------------------------------------------------------------------

RNG = np.random.default_rng(5)
L_, S_, N_, E_ = 3, 4, 2, 6
QUERY = RNG.standard_normal((L_, N_, E_))
KEY = RNG.standard_normal((S_, N_, E_))
VALUE = RNG.standard_normal((S_, N_, E_))
PADDING = np.array([[False, False, True, False], [False, True, True, False]])
CAUSAL = np.triu(np.ones((L_, S_), dtype=bool), 1)


def _masks(x: Any, float_masks: bool = False) -> tuple[Any, Any]:
    padding = lib(x).tensor(PADDING)
    mask = lib(x).tensor(CAUSAL)
    if float_masks:
        padding = lib(x).zeros(padding.shape, dtype=x.dtype).masked_fill(padding, -1e9)
        mask = lib(x).linspace(-1, 1, mask.numel(), dtype=x.dtype).reshape(mask.shape)
    return padding, mask


CASES = {
    "self_attention": (
        lambda nn: nn.MultiheadAttention(E_, 2),
        (QUERY,),
        lambda m, a: m(a[0], a[0], a[0]),
    ),
    "cross_attention_heads": (
        lambda nn: nn.MultiheadAttention(E_, 3),
        (QUERY, KEY, VALUE),
        lambda m, a: m(*a, average_attn_weights=False),
    ),
    "kdim_vdim_batch_first": (
        lambda nn: nn.MultiheadAttention(E_, 2, kdim=3, vdim=5, batch_first=True),
        (
            QUERY.transpose(1, 0, 2),
            KEY[..., :3].transpose(1, 0, 2),
            VALUE[..., :5].transpose(1, 0, 2),
        ),
        lambda m, a: m(*a),
    ),
    "masks_need_weights": (
        lambda nn: nn.MultiheadAttention(E_, 2),
        (QUERY, KEY, VALUE),
        lambda m, a: m(*a, key_padding_mask=_masks(a[0])[0], attn_mask=_masks(a[0])[1]),
    ),
    "masks_fast_path": (
        lambda nn: nn.MultiheadAttention(E_, 2),
        (QUERY, KEY, VALUE),
        lambda m, a: m(
            *a, key_padding_mask=_masks(a[0])[0], attn_mask=_masks(a[0])[1], need_weights=False
        )[0],
    ),
    "float_masks": (
        lambda nn: nn.MultiheadAttention(E_, 2, bias=False),
        (QUERY, KEY, VALUE),
        lambda m, a: m(*a, key_padding_mask=_masks(a[0], True)[0], attn_mask=_masks(a[0], True)[1]),
    ),
    "mask_3d": (
        lambda nn: nn.MultiheadAttention(E_, 2),
        (QUERY, KEY, VALUE),
        lambda m, a: m(
            *a,
            attn_mask=lib(a[0])
            .linspace(-2, 2, N_ * 2 * L_ * S_, dtype=a[0].dtype)
            .reshape(N_ * 2, L_, S_),
            need_weights=False,
        )[0],
    ),
    "causal_hint": (
        lambda nn: nn.MultiheadAttention(E_, 2, batch_first=True),
        (QUERY[:, :, :].transpose(1, 0, 2),),
        lambda m, a: m(
            a[0],
            a[0],
            a[0],
            attn_mask=lib(a[0]).tensor(np.triu(np.ones((L_, L_), bool), 1)),
            is_causal=True,
            need_weights=False,
        )[0],
    ),
    "unbatched": (
        lambda nn: nn.MultiheadAttention(E_, 3),
        (QUERY[:, 0], KEY[:, 0], VALUE[:, 0]),
        lambda m, a: m(*a, key_padding_mask=_masks(a[0])[0][1], average_attn_weights=False),
    ),
    "bias_kv_zero_attn": (
        lambda nn: nn.MultiheadAttention(E_, 2, add_bias_kv=True, add_zero_attn=True),
        (QUERY, KEY, VALUE),
        lambda m, a: m(*a, key_padding_mask=_masks(a[0])[0], attn_mask=_masks(a[0])[1]),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_multihead_attention_matches_torch(name: str) -> None:
    build, inputs, call = CASES[name]
    compare_module(build, inputs, call=call)


def test_multihead_attention_eval_ignores_dropout() -> None:
    compare_module(
        lambda nn: nn.MultiheadAttention(E_, 2, dropout=0.5),
        (QUERY, KEY, VALUE),
        train=False,
        call=lambda m, a: m(*a),
    )


def test_multihead_attention_parameters_and_init_match_torch() -> None:
    for kwargs in [{}, {"kdim": 3, "vdim": 5}, {"bias": False, "add_bias_kv": True}]:
        theirs = torch.nn.MultiheadAttention(E_, 2, **kwargs)
        mine = ag.nn.MultiheadAttention(E_, 2, **kwargs)
        assert list(mine.state_dict()) == list(theirs.state_dict())
        for (name, p), (_, t) in zip(
            mine.named_parameters(), theirs.named_parameters(), strict=True
        ):
            assert tuple(p.shape) == tuple(t.shape), name
        if "bias" not in kwargs:
            assert not np.any(mine.in_proj_bias.detach().numpy())
            assert not np.any(mine.out_proj.bias.detach().numpy())
    # Xavier-uniform in_proj_weight: bound sqrt(6 / (E + 3E))
    weight = ag.nn.MultiheadAttention(64, 4).in_proj_weight.detach().numpy()
    bound = np.sqrt(6 / (64 + 3 * 64))
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.9 * bound


def test_multihead_attention_training_dropout_changes_only_weights() -> None:
    module = ag.nn.MultiheadAttention(E_, 2, dropout=0.5).double()  # QUERY is float64
    x = ag.tensor(QUERY)
    ag.manual_seed(0)
    out, weights = module(x, x, x)
    values = weights.detach().numpy()
    assert out.shape == (L_, N_, E_) and values.shape == (N_, L_, L_)
    module.eval()
    _, clean = module(x, x, x)
    assert not np.allclose(values, clean.detach().numpy())
    np.testing.assert_allclose(clean.detach().numpy().sum(-1), 1.0, rtol=1e-12)


def test_functional_multi_head_attention_forward_matches_torch() -> None:
    rng = np.random.default_rng(9)
    w_in, b_in = rng.standard_normal((3 * E_, E_)), rng.standard_normal(3 * E_)
    w_out, b_out = rng.standard_normal((E_, E_)), rng.standard_normal(E_)

    def fn(q: Any, k: Any, v: Any, wi: Any, bi: Any, wo: Any, bo: Any) -> Any:
        return F(q).multi_head_attention_forward(
            q, k, v, E_, 2, wi, bi, None, None, False, 0.0, wo, bo, training=False
        )

    arrays = [QUERY, KEY, VALUE, w_in, b_in, w_out, b_out]
    check_against_torch(fn, None, arrays)
    gradcheck(lambda *a: fn(*a)[0], arrays)


@pytest.mark.parametrize("kind", ["bool", "float"])
def test_4d_mask_with_is_causal_applies_both_like_torch(kind: str) -> None:
    # torch refuses attn_mask with is_causal=True except for 4-D inputs with value's feature
    # size equal to the query's, no dropout and a mask needing no gradient: there it keeps
    # the positions both masks allow (arraygrad refused every such call)
    rng = np.random.default_rng(3)
    q, k = rng.standard_normal((2, 2, 3, 2)), rng.standard_normal((2, 2, 4, 2))
    v = rng.standard_normal((2, 2, 4, 2))
    mask = rng.random((3, 4)) < 0.7 if kind == "bool" else rng.standard_normal((3, 4))

    def fn(q: Any, k: Any, v: Any) -> Any:
        m = lib(q).tensor(mask)
        return F(q).scaled_dot_product_attention(q, k, v, attn_mask=m, is_causal=True)

    check_against_torch(fn, None, [q, k, v])
    # value's feature size differs from the query's: torch refuses the pair
    outcome = outcome_in_each(
        lambda L: L.nn.functional.scaled_dot_product_attention(
            L.tensor(q), L.tensor(k), L.tensor(v[..., :1]), attn_mask=L.tensor(mask), is_causal=True
        )
    )
    assert outcome == ("RuntimeError", "RuntimeError")


# Regression (emptygrid): attention with no features per head (E = 0) divided by sqrt(0); torch
# scales the (empty) operands, so every score is 0 and each query averages the values.
@pytest.mark.parametrize("shape", [(3, 0), (2, 4, 0), (0, 0), (2, 0, 3)], ids=str)
def test_attention_of_empty_queries_and_keys_as_torch(shape: tuple[int, ...]) -> None:
    sdpa = "nn.functional.scaled_dot_product_attention"
    assert_like_torch_on(lambda L, x: eval(f"L.{sdpa}")(x, x, x), shape)
    assert_like_torch_on(
        lambda L, q, v: eval(f"L.{sdpa}")(q, q, v, scale=2.0), shape, (*shape[:-1], 2)
    )
