"""Multi-head attention: ``multi_head_attention_forward``, PyTorch's ``nn.MultiheadAttention``
computation step by step, and the mask handling ``nn.Transformer``'s layers share with it.

It is separate from :mod:`arraygrad.nn._attention` (scaled dot-product attention, the kernel it
calls) because it is the projection and mask bookkeeping around that kernel: PyTorch's shape
checks, bool masks turned into additive ones, the extra bias / zero keys, and the explicit path
that returns the attention weights.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from arraygrad import _linalg, _math, _shape, _splitting
from arraygrad._creation import zeros
from arraygrad._tensor import Tensor
from arraygrad.nn._activation import softmax
from arraygrad.nn._attention import scaled_dot_product_attention
from arraygrad.nn._dropout import dropout
from arraygrad.nn._linear import linear

__all__ = ["multi_head_attention_forward"]

_NEG_INF = float("-inf")


def mismatched_masks(mask: Tensor | None, name: str, other: Tensor | None, other_name: str) -> bool:
    """Whether a padding ``mask`` and the ``other`` attention mask are both given with two
    dtypes (a bool one and a float one), which PyTorch accepts with a deprecation warning."""
    if mask is None or other is None or mask.dtype is other.dtype:
        return False
    warnings.warn(
        f"Support for mismatched {name} and {other_name} is deprecated. Use same type for both "
        "instead.",
        UserWarning,
        stacklevel=3,
    )
    return True


def canonical_mask(mask: Tensor | None, name: str, like: Tensor) -> Tensor | None:
    """A bool mask (True: masked out) as the additive float mask PyTorch's attention uses."""
    if mask is None:
        return None
    if mask.dtype.name != "bool" and not mask.dtype.is_floating_point:
        raise AssertionError(
            f"only bool and floating types of {name} are supported (got {mask.dtype}). Fix: "
            "a bool mask, True where a position must not be attended."
        )
    if mask.dtype.name == "bool":
        return _math.astype(_math.where(mask, _NEG_INF, 0.0), like.dtype)
    return mask


def _shape_check(
    query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Any, attn_mask: Any, heads: int
) -> bool:
    """PyTorch's ``_mha_shape_check``: whether the input is batched, or AssertionError."""
    if query.ndim == 3:
        mode, want_kpm = "batched (3-D)", 2
    elif query.ndim == 2:
        mode, want_kpm = "unbatched (2-D)", 1
    else:
        raise AssertionError(
            "query should be unbatched 2D or batched 3D tensor but received "
            f"{query.ndim}-D query tensor (shape {list(query.shape)}). Fix: pass query as "
            "(L, E) or (L, N, E), or (N, L, E) with batch_first=True."
        )
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise AssertionError(
            f"For {mode} `query`, expected `key` and `value` to be {query.ndim}-D but found "
            f"{key.ndim}-D and {value.ndim}-D tensors respectively. Fix: give key and value the "
            f"query's {query.ndim} dimensions (batch all three or none)."
        )
    if key_padding_mask is not None and key_padding_mask.ndim != want_kpm:
        raise AssertionError(
            f"For {mode} `query`, expected `key_padding_mask` to be `None` or {want_kpm}-D but "
            f"found {key_padding_mask.ndim}-D tensor instead. Fix: pass a key_padding_mask of "
            f"shape {'(N, S)' if want_kpm == 2 else '(S,)'}."
        )
    if attn_mask is not None:
        if attn_mask.ndim not in (2, 3):
            raise AssertionError(
                f"For {mode} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                f"{attn_mask.ndim}-D tensor instead. Fix: pass attn_mask of shape (L, S) or "
                "(N * num_heads, L, S)."
            )
        expected = (heads, query.shape[0], key.shape[0])
        if query.ndim == 2 and attn_mask.ndim == 3 and tuple(attn_mask.shape) != expected:
            raise AssertionError(
                f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}. Fix: "
                "pass a mask of shape (num_heads, L, S) for an unbatched query, or (L, S)."
            )
    return query.ndim == 3


def _zero_column(mask: Tensor) -> Tensor:
    """``mask`` with one more key column of 0 (attend), for the extra bias / zero key."""
    return _shape.cat([mask, zeros(*mask.shape[:-1], 1, dtype=mask.dtype)], -1)


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Tensor | None = None,
    need_weights: bool = True,
    attn_mask: Tensor | None = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention of ``(L, N, E)`` queries over ``(S, N, E_k)`` keys and
    ``(S, N, E_v)`` values (or unbatched ``(L, E)``), PyTorch's computation step by step.

    Each head attends with ``softmax(q k^T / sqrt(E / num_heads) + mask) v``; bool masks are
    True where attention is *not* allowed. Returns the output and, with ``need_weights``, the
    attention weights ``(N, L, S)`` averaged over heads (``(N, num_heads, L, S)`` without
    ``average_attn_weights``).

    >>> import arraygrad
    >>> w, b = arraygrad.eye(3).repeat(3, 1), arraygrad.zeros(3 * 3)
    >>> x = arraygrad.ones(2, 1, 3)
    >>> out, weights = multi_head_attention_forward(
    ...     x, x, x, 3, 1, w, b, None, None, False, 0.0, arraygrad.eye(3), None
    ... )
    >>> out.shape, weights.tolist()
    (arraygrad.Size([2, 1, 3]), [[[0.5, 0.5], [0.5, 0.5]]])
    """
    batched = _shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    mismatched_masks(key_padding_mask, "key_padding_mask", attn_mask, "attn_mask")
    key_padding_mask = canonical_mask(key_padding_mask, "key_padding_mask", query)
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer "
            "module method `generate_square_subsequent_mask` to create this mask. Fix: pass "
            "attn_mask=nn.Transformer.generate_square_subsequent_mask(L) with is_causal=True, "
            "or drop is_causal."
        )
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the hint alone: scaled_dot_product_attention builds the mask
    else:
        attn_mask = canonical_mask(attn_mask, "attn_mask", query)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(
            f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}. "
            f"Fix: give query a last dimension of {embed_dim_to_check} (the module's embed_dim)."
        )
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(
            f"embed_dim {embed_dim} not divisible by num_heads {num_heads}. Fix: pick num_heads "
            f"that divides embed_dim={embed_dim}."
        )
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(
                f"key's sequence and batch dims {key.shape[:2]} do not match value's "
                f"{value.shape[:2]}. Fix: give key and value the same sequence length and "
                "batch size."
            )
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise AssertionError(
                "use_separate_proj_weight is True but q_proj_weight, k_proj_weight or "
                "v_proj_weight is None. Fix: pass all three projection weights, or "
                "use_separate_proj_weight=False with in_proj_weight."
            )
        # Each projection's weight must map its input's features to embed_dim: PyTorch names
        # the one that does not (an AssertionError) before any product is taken.
        for role, weight, features in (
            ("query", q_proj_weight, embed_dim),
            ("key", k_proj_weight, key.shape[-1]),
            ("value", v_proj_weight, value.shape[-1]),
        ):
            if tuple(weight.shape) != (embed_dim, features):
                raise AssertionError(
                    f"expecting {role} weights shape of {(embed_dim, features)}, but got "
                    f"{weight.shape}. Fix: pass a {role} projection weight of shape "
                    f"{(embed_dim, features)} (embed_dim, {role} features)."
                )
        b_q = b_k = b_v = None
        if in_proj_bias is not None:
            b_q, b_k, b_v = _splitting.chunk(in_proj_bias, 3)
        q = linear(query, q_proj_weight, b_q)
        k = linear(key, k_proj_weight, b_k)
        v = linear(value, v_proj_weight, b_v)
    else:
        if tuple(key.shape) != tuple(value.shape):
            raise AssertionError(
                f"key shape {key.shape} does not match value shape {value.shape}. Fix: pass key "
                "and value of one shape, or kdim/vdim (use_separate_proj_weight=True) for "
                "different feature sizes."
            )
        if in_proj_weight is None:
            raise AssertionError(
                "use_separate_proj_weight is False but in_proj_weight is None. Fix: pass "
                "in_proj_weight of shape (3 * embed_dim, embed_dim), or the three separate "
                "weights with use_separate_proj_weight=True."
            )
        w_q, w_k, w_v = _splitting.chunk(in_proj_weight, 3)
        b_q = b_k = b_v = None
        if in_proj_bias is not None:
            b_q, b_k, b_v = _splitting.chunk(in_proj_bias, 3)
        q, k, v = linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)
    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(
                    f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                    f"{(tgt_len, src_len)}."
                    " Fix: pass a mask of shape (target length, source length)."
                )
            attn_mask = attn_mask.unsqueeze(0)
        elif tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
            raise RuntimeError(
                f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                f"{(bsz * num_heads, tgt_len, src_len)}."
                " Fix: pass a mask of shape (batch * num_heads, target "
                "length, source length)."
            )
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise AssertionError(
                "bias cannot be added to static key or value. Fix: pass bias_k=bias_v=None "
                "with static_k/static_v, or drop the static tensors."
            )
        k = _shape.cat([k, bias_k.repeat(1, bsz, 1)])
        v = _shape.cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = _zero_column(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _zero_column(key_padding_mask)
    elif bias_k is not None or bias_v is not None:
        raise AssertionError(
            f"bias_k and bias_v must both be set or both be None (bias_k is "
            f"{'None' if bias_k is None else 'set'}, bias_v is "
            f"{'None' if bias_v is None else 'set'}). Fix: pass both or neither."
        )
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    if static_k is None:
        k = k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    else:
        k = static_k
    if static_v is None:
        v = v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    else:
        v = static_v
    if add_zero_attn:
        k = _shape.cat([k, zeros(k.shape[0], 1, head_dim, dtype=k.dtype)], 1)
        v = _shape.cat([v, zeros(v.shape[0], 1, head_dim, dtype=v.dtype)], 1)
        if attn_mask is not None:
            attn_mask = _zero_column(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _zero_column(key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(
                f"Expected key_padded_mask.shape to be {(bsz, src_len)}, but got "
                f"{tuple(key_padding_mask.shape)}. Fix: pass a key_padding_mask of shape "
                "(batch, source length)."
            )
        padding = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1)
        padding = padding.reshape(bsz * num_heads, 1, src_len)
        attn_mask = padding if attn_mask is None else attn_mask + padding
    if not training:
        dropout_p = 0.0
    if need_weights:
        # PyTorch's explicit path: a plain softmax (a fully masked query gives nan weights).
        q_scaled = q * math.sqrt(1.0 / float(q.shape[-1]))
        scores = _linalg.matmul(q_scaled, k.mT)
        if attn_mask is not None:
            scores = attn_mask + scores
        weights = softmax(scores, -1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        output = _linalg.matmul(weights, v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        output = linear(output, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(1)
        if not batched:
            output, weights = output.squeeze(1), weights.squeeze(0)
        return output, weights
    if attn_mask is not None:
        if attn_mask.shape[0] == 1 and attn_mask.ndim == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(bsz, num_heads, -1, src_len)
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    output = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    output = output.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    output = linear(output, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    if not batched:
        output = output.squeeze(1)
    return output, None
