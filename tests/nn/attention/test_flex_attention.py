"""flex_attention, create_block_mask and BlockMask against PyTorch 2.13 (torch's eager path,
compared in float64; torch refuses inputs that require grad on the CPU, so gradients are compared
with torch's autograd through the same formula written with its tensor ops, and with finite
differences)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.attention.flex_attention as torch_flex

import arraygrad as ag
import arraygrad.nn.attention.flex_attention as flex
from tests.oracle import gradcheck

# torch traces the mods with dynamo unless told to run them directly; its eager results are
# the same either way, and direct calls are faster and quiet.
torch_flex._FLEX_ATTENTION_DISABLE_COMPILE_DEBUG = True

RNG = np.random.default_rng(0)
B, H, L, S, E = 2, 4, 6, 7, 5
INF = float("inf")


def _arrays(*shapes: tuple[int, ...]) -> list[np.ndarray]:
    return [RNG.standard_normal(shape) for shape in shapes]


def _torch_flex(*args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch_flex.flex_attention(*args, **kwargs)


# Each case: (score_mod or None, mask_mod or None, extra arrays the mods close over) with the
# mods written against a library ``lib`` and the captured tensors.
def _bias_table(lib: Any, table: Any) -> tuple[Callable[..., Any], None]:
    def rel_bias(score: Any, b: Any, h: Any, q_idx: Any, kv_idx: Any) -> Any:
        return score + table[h, q_idx - kv_idx + S - 1]

    return rel_bias, None


def _alibi(lib: Any, slopes: Any) -> tuple[Callable[..., Any], None]:
    def alibi(score: Any, b: Any, h: Any, q_idx: Any, kv_idx: Any) -> Any:
        return score + slopes[h] * (kv_idx - q_idx)

    return alibi, None


def _softcap(lib: Any, cap: Any) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def soft_cap(score: Any, b: Any, h: Any, q_idx: Any, kv_idx: Any) -> Any:
        return cap[0] * lib.tanh(score / cap[0])

    def causal(b: Any, h: Any, q_idx: Any, kv_idx: Any) -> Any:
        return q_idx >= kv_idx

    return soft_cap, causal


def _sliding_document(lib: Any, bias: Any) -> tuple[Callable[..., Any], Callable[..., Any]]:
    docs = lib.tensor([[0, 0, 0, 1, 1, 1, 1], [0, 1, 1, 1, 2, 2, 2]])

    def per_head(score: Any, b: Any, h: Any, q_idx: Any, kv_idx: Any) -> Any:
        return score * bias[b, h]

    def document(b: Any, h: Any, q_idx: Any, kv_idx: Any) -> Any:
        return docs[b, q_idx] == docs[b, kv_idx]

    def window(b: Any, h: Any, q_idx: Any, kv_idx: Any) -> Any:
        return (q_idx - kv_idx).abs() <= 2

    return per_head, lib.nn.attention.flex_attention.and_masks(document, window)


CASES: dict[str, tuple[Callable[..., Any], list[tuple[int, ...]]]] = {
    "relative_bias_table": (_bias_table, [(H, L + S - 1)]),
    "alibi": (_alibi, [(H,)]),
    "softcap_causal": (_softcap, [(1,)]),
    "document_sliding_window": (_sliding_document, [(B, H)]),
}


def _formula(lib: Any, q: Any, k: Any, v: Any, score_mod: Any, mask_mod: Any) -> Any:
    """flex_attention's eager formula written with ``lib``'s tensor ops: the reference for the
    gradients torch's CPU flex_attention refuses to compute."""
    heads = q.shape[1]
    group = heads // k.shape[1]
    k = k.repeat_interleave(group, 1)
    v = v.repeat_interleave(group, 1)
    scores = q @ k.mT / q.shape[-1] ** 0.5
    idx = [
        lib.arange(n).reshape(*[n if i == j else 1 for j in range(4)])
        for i, n in enumerate(scores.shape)
    ]
    if score_mod is not None:
        scores = score_mod(scores, *idx)
    if mask_mod is not None:
        scores = lib.where(mask_mod(*idx), scores, -INF)
    dead = (scores == -INF).all(-1, keepdim=True)
    safe = lib.where(dead, 0.0, scores)
    weights = lib.where(dead, 0.0, safe.softmax(-1))
    lse = lib.where(dead.squeeze(-1), -INF, safe.logsumexp(-1))
    return weights @ v, lse


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("kv_heads", [H, 2])
def test_values_and_lse_match_torch(name: str, kv_heads: int) -> None:
    make, capture_shapes = CASES[name]
    arrays = _arrays((B, H, L, E), (B, kv_heads, S, E), (B, kv_heads, S, 3), *capture_shapes)
    results = []
    for lib, run in ((torch, _torch_flex), (ag, flex.flex_attention)):
        q, k, v, *captured = [lib.tensor(a) for a in arrays]
        score_mod, mask_mod = make(lib, *captured)
        module = lib.nn.attention.flex_attention
        block_mask = None if mask_mod is None else module.create_block_mask(mask_mod, B, H, L, S)
        out, aux = run(
            q,
            k,
            v,
            score_mod,
            block_mask,
            enable_gqa=True,
            return_aux=module.AuxRequest(lse=True),
        )
        results.append((out.detach().numpy(), aux.lse.detach().numpy()))
    (out_t, lse_t), (out_a, lse_a) = results
    np.testing.assert_allclose(out_a, out_t, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(lse_a, lse_t, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", list(CASES))
def test_gradients_reach_inputs_and_captured_tensors(name: str) -> None:
    make, capture_shapes = CASES[name]
    arrays = _arrays((B, H, L, E), (B, 2, S, E), (B, 2, S, 3), *capture_shapes)
    cotangents = _arrays((B, H, L, 3), (B, H, L))
    grads = []
    for lib in (torch, ag):
        tensors = [lib.tensor(a, requires_grad=True) for a in arrays]
        q, k, v, *captured = tensors
        score_mod, mask_mod = make(lib, *captured)
        if lib is torch:
            out, lse = _formula(torch, q, k, v, score_mod, mask_mod)
        else:
            mask = None if mask_mod is None else flex.create_block_mask(mask_mod, B, H, L, S)
            out, aux = flex.flex_attention(
                q, k, v, score_mod, mask, enable_gqa=True, return_aux=flex.AuxRequest(lse=True)
            )
            lse = aux.lse
        total = (out * lib.tensor(cotangents[0])).sum() + (
            lib.where(lse.isinf(), 0.0, lse) * lib.tensor(cotangents[1])
        ).sum()
        grads.append([g.numpy() for g in lib.autograd.grad(total, tensors)])
    for mine, theirs in zip(grads[1], grads[0], strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)


def test_finite_difference_gradcheck() -> None:
    arrays = _arrays((1, 2, 3, 4), (1, 1, 4, 4), (1, 1, 4, 2), (2, 6))

    def fn(q: Any, k: Any, v: Any, table: Any) -> Any:
        mask = flex.create_block_mask(lambda b, h, i, j: i + 1 >= j, None, None, 3, 4)
        out, aux = flex.flex_attention(
            q,
            k,
            v,
            lambda s, b, h, i, j: s + table[h, i - j + 3],
            mask,
            enable_gqa=True,
            return_aux=flex.AuxRequest(lse=True),
        )
        return out, aux.lse

    gradcheck(fn, arrays)


def test_fully_masked_rows_give_zeros_and_minus_inf_lse() -> None:
    arrays = _arrays((B, H, L, E), (B, H, S, E), (B, H, S, E))
    results = []
    for lib, run in ((torch, _torch_flex), (ag, flex.flex_attention)):
        q, k, v = [lib.tensor(a) for a in arrays]
        module = lib.nn.attention.flex_attention
        mask = module.create_block_mask(lambda b, h, i, j: i >= j + 3, None, None, L, S)
        out, aux = run(q, k, v, block_mask=mask, return_aux=module.AuxRequest(lse=True))
        results.append((out.numpy(), aux.lse.numpy()))
    np.testing.assert_array_equal(results[1][0][:, :, :3], 0.0)
    np.testing.assert_array_equal(results[1][1][:, :, :3], -INF)
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(np.isinf(results[1][1]), np.isinf(results[0][1]))
    # their gradients are zeros, not nan
    q = ag.tensor(arrays[0], requires_grad=True)
    mask = flex.create_block_mask(lambda b, h, i, j: i >= j + 3, None, None, L, S)
    flex.flex_attention(
        q, ag.tensor(arrays[1]), ag.tensor(arrays[2]), block_mask=mask
    ).sum().backward()
    assert q.grad is not None
    np.testing.assert_array_equal(q.grad.numpy()[:, :, :3], 0.0)


def test_scale_return_lse_and_plain_output() -> None:
    arrays = _arrays((B, H, L, E), (B, H, S, E), (B, H, S, E))
    mine = flex.flex_attention(*[ag.tensor(a) for a in arrays], scale=0.3)
    theirs = _torch_flex(*[torch.tensor(a) for a in arrays], scale=0.3)
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-10)
    with pytest.warns(FutureWarning, match="return_lse is deprecated"):
        _, lse = flex.flex_attention(*[ag.tensor(a) for a in arrays], return_lse=True)
    _, theirs_lse = _torch_flex(*[torch.tensor(a) for a in arrays], return_lse=True)
    np.testing.assert_allclose(lse.numpy(), theirs_lse.numpy(), rtol=1e-10)
    _, aux = flex.flex_attention(*[ag.tensor(a) for a in arrays], return_aux=flex.AuxRequest())
    assert aux == flex.AuxOutput(None, None)


def _error(fn: Callable[[Any], Any]) -> tuple[str, str]:
    outcomes = []
    for lib in (torch, ag):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fn(lib)
            outcomes.append(("ok", ""))
        except Exception as error:
            outcomes.append((type(error).__name__, str(error)))
    # the same class, and torch's words first (arraygrad's message then names the fix)
    assert outcomes[0][0] == outcomes[1][0], outcomes
    assert outcomes[1][1].startswith(outcomes[0][1]), outcomes
    return outcomes[0]


def _flex_call(shapes: list[tuple[int, ...]], **kwargs: Any) -> Callable[[Any], Any]:
    arrays = _arrays(*shapes)

    def call(lib: Any) -> Any:
        module = lib.nn.attention.flex_attention
        options = dict(kwargs)
        if "mask_len" in options:
            q_len, kv_len = options.pop("mask_len")
            options["block_mask"] = module.create_block_mask(module.noop_mask, 1, 1, q_len, kv_len)
        if options.pop("aux_max", False):
            options["return_aux"] = module.AuxRequest(max_scores=True)
        if options.pop("both", False):
            options["return_aux"] = module.AuxRequest(lse=True)
            options["return_lse"] = True
        return module.flex_attention(*[lib.tensor(a) for a in arrays], **options)

    return call


@pytest.mark.parametrize(
    ("shapes", "kwargs"),
    [
        ([(1, 4, 4), (1, 4, 4), (1, 4, 4)], {}),
        ([(1, 2, 4, 4), (1, 1, 4, 4), (1, 1, 4, 4)], {}),
        ([(1, 3, 4, 4), (1, 2, 4, 4), (1, 2, 4, 4)], {"enable_gqa": True}),
        ([(2, 1, 4, 4), (1, 1, 4, 4), (1, 1, 4, 4)], {}),
        ([(1, 1, 4, 4), (1, 1, 4, 5), (1, 1, 4, 5)], {}),
        ([(1, 1, 3, 4), (1, 1, 3, 4), (1, 1, 3, 4)], {"mask_len": (4, 4)}),
        ([(1, 1, 3, 4), (1, 1, 3, 4), (1, 1, 3, 4)], {"mask_len": (2, 3)}),
        ([(1, 1, 3, 4), (1, 1, 3, 4), (1, 1, 3, 4)], {"aux_max": True}),
        ([(1, 1, 3, 4), (1, 1, 3, 4), (1, 1, 3, 4)], {"both": True}),
    ],
)
def test_errors_match_torch(shapes: list[tuple[int, ...]], kwargs: dict[str, Any]) -> None:
    kind, _ = _error(_flex_call(shapes, **kwargs))
    assert kind != "ok"


def test_sliced_block_mask_refuses_its_mask_mod() -> None:
    def call(lib: Any) -> Any:
        module = lib.nn.attention.flex_attention
        mask = module.create_block_mask(lambda b, h, i, j: i >= j, 2, 1, 4, 4)[1]
        x = lib.ones(1, 1, 4, 4)
        return module.flex_attention(x, x, x, block_mask=mask)

    assert _error(call) == ("RuntimeError", "Cannot use mask_mod from a sliced BlockMask")


def _same_block_mask(mine: Any, theirs: Any) -> None:
    for a, t in zip(mine.as_tuple(), theirs.as_tuple(), strict=True):
        if isinstance(t, torch.Tensor):
            assert a.dtype == ag.int32 and t.dtype == torch.int32
            np.testing.assert_array_equal(a.numpy(), t.numpy())
        elif not callable(t):
            assert a == t
    assert mine.shape == theirs.shape and mine.numel() == theirs.numel()
    assert mine.sparsity() == pytest.approx(theirs.sparsity(), rel=1e-12)
    np.testing.assert_array_equal(mine.to_dense().numpy(), theirs.to_dense().numpy())
    assert mine.to_string() == theirs.to_string()


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((2, 3, 300, 260), {}),
        ((None, None, 300, 300), {"separate_full_blocks": False}),
        ((1, 2, 1024, 1024), {"BLOCK_SIZE": 8}),
        ((1, 1, 200, 90), {"BLOCK_SIZE": (64, 32)}),
    ],
)
def test_create_block_mask_matches_torch(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    def band(lib: Any) -> Callable[..., Any]:
        module = lib.nn.attention.flex_attention
        return module.and_masks(
            lambda b, h, i, j: i >= j, lambda b, h, i, j: (i - j).abs() < 40 + 20 * h
        )

    mine = flex.create_block_mask(band(ag), *args, **kwargs)
    theirs = torch_flex.create_block_mask(band(torch), *args, **kwargs)
    _same_block_mask(mine, theirs)
    assert repr(mine) == repr(theirs)
    assert str(mine) == str(theirs)
    for index in [0, (0, 1), (slice(None), slice(None), slice(0, 2)), -1]:
        if theirs[index].numel() == 0:  # past the end: torch cannot print it either
            continue
        sliced_mine, sliced_theirs = mine[index], theirs[index]
        _same_block_mask(sliced_mine, sliced_theirs)
        assert repr(sliced_mine).split("mask_mod=")[0] == repr(sliced_theirs).split("mask_mod=")[0]


def test_from_kv_blocks_and_to_string_limit() -> None:
    arrays = (np.array([[[1, 2]]], np.int32), np.array([[[[0, 1], [1, 0]]]], np.int32))
    mine = flex.BlockMask.from_kv_blocks(*[ag.tensor(a) for a in arrays])
    theirs = torch_flex.BlockMask.from_kv_blocks(*[torch.tensor(a) for a in arrays])
    _same_block_mask(mine, theirs)
    assert repr(mine) == repr(theirs)
    assert str(mine) == str(theirs)
    big = (lambda b, h, i, j: i >= j, 2, 3, 256, 256)
    assert flex.create_block_mask(*big).to_string(limit=2) == torch_flex.create_block_mask(
        *big
    ).to_string(limit=2)


def test_create_mask_and_mask_combinators() -> None:
    def causal(b: Any, h: Any, i: Any, j: Any) -> Any:
        return i >= j

    def last_key(b: Any, h: Any, i: Any, j: Any) -> Any:
        return j == 3

    def score(s: Any, b: Any, h: Any, i: Any, j: Any) -> Any:
        return s - (i < j) * INF

    for mine_fn, theirs_fn, size in [
        (causal, causal, (2, 1, 4, 5)),
        (flex.and_masks(causal, last_key), torch_flex.and_masks(causal, last_key), (1, 2, 4, 4)),
        (flex.or_masks(causal, last_key), torch_flex.or_masks(causal, last_key), (None, 1, 4, 4)),
        (flex.and_masks(), torch_flex.and_masks(), (1, 1, 2, 3)),
        (flex.or_masks(), torch_flex.or_masks(), (1, None, 2, 3)),
        (flex.noop_mask, torch_flex.noop_mask, (1, 1, 2, 2)),
        (score, score, (1, 1, 3, 3)),
    ]:
        mine = flex.create_mask(mine_fn, *size)
        theirs = torch_flex.create_mask(theirs_fn, *size)
        assert mine.dtype == ag.bool
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    assert _error(lambda lib: lib.nn.attention.flex_attention.and_masks(causal, 3))[0] == (
        "RuntimeError"
    )
