"""Scaled dot-product attention: ``scaled_dot_product_attention`` and its checks
(``multi_head_attention_forward``, built on it, is in :mod:`arraygrad.nn._multihead_attention`).

It is a composition of matmul, softmax and masking. Masked scores are ``-inf`` before the
softmax, so masked keys get exactly zero weight (and zero gradient); a query whose every key is
masked gets zero weights in ``scaled_dot_product_attention``, as PyTorch's CPU kernels give,
rather than the ``nan`` of a softmax over nothing.

Grouped-query attention (``enable_gqa=True``) lets key and value have fewer heads (dim -3) than
the query: each key/value head serves a group of consecutive query heads. It is computed by
repeating each key and value head for its group (unsqueeze, expand, reshape), so its gradients
are those of those views, summed back over each group.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from arraygrad import (
    _autocast_flag,
    _backend,
    _elementwise_operands,
    _linalg,
    _math,
    _reduction,
)
from arraygrad._tensor import Tensor
from arraygrad.backends import cuda as _switches
from arraygrad.nn._activation import softmax
from arraygrad.nn._common import constant
from arraygrad.nn._dropout import dropout

__all__ = ["scaled_dot_product_attention"]

_NEG_INF = float("-inf")


def _check_sdpa_inputs(query: Tensor, key: Tensor, value: Tensor, attn_mask: Any) -> None:
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got "
            f"query.dim: {query.ndim} key.dim: {key.ndim} and value.dim: {value.ndim} instead. "
            "Fix: pass (..., L, E) queries and (..., S, E) keys and values."
        )
    if not query.dtype == key.dtype == value.dtype:
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype} instead."
            " Fix: convert them to one dtype first (e.g. "
            "key.to(query.dtype))."
        )
    if attn_mask is not None:
        kind = attn_mask.dtype
        if kind.name != "bool" and not kind.is_floating_point:
            raise RuntimeError(
                "Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                f"attn_mask.dtype: {kind} and query.dtype: {query.dtype} instead. Fix: a bool "
                "mask (True = attend) or an additive float mask."
            )


def _repeat_heads(x: Tensor, times: int) -> Tensor:
    """``x`` ``(..., H, S, E)`` as ``(..., H * times, S, E)``: head ``j`` is ``x``'s ``j // times``
    (each head repeated ``times`` times in place, the grouping of grouped-query attention)."""
    if times == 1:
        return x
    *batch, heads, length, features = x.shape
    grouped = x.unsqueeze(-3).expand(*batch, heads, times, length, features)
    return grouped.reshape(*batch, heads * times, length, features)


def _share_heads(query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, Tensor]:
    """Key and value with as many heads as the query, for ``enable_gqa=True``."""
    # size(-3) raises PyTorch's IndexError for 2-D inputs, which have no head dimension.
    heads, key_heads, value_heads = query.size(-3), key.size(-3), value.size(-3)
    # Zero key/value heads divide nothing (PyTorch's CPU kernel crashes on them).
    if key_heads == 0 or value_heads == 0 or heads % key_heads or heads % value_heads:
        raise RuntimeError(
            "Number of heads in key and value must divide the number of heads in query: "
            f"query has {heads} heads, key {key_heads} and value {value_heads}. Fix: give key "
            "and value a head count (dim -3) that divides the query's."
        )
    return _repeat_heads(key, heads // key_heads), _repeat_heads(value, heads // value_heads)


def _broadcast(a: tuple[int, ...], b: tuple[int, ...], what: str) -> tuple[int, ...]:
    """The broadcast of shapes ``a`` and ``b``, or PyTorch's RuntimeError naming the first
    mismatch (``a``: the left operand; dims counted in the broadcast shape)."""
    mismatch = _elementwise_operands.broadcast_mismatch(a, b)
    if mismatch is not None:
        raise RuntimeError(
            f"{mismatch}: {what} {list(a)} and {list(b)} do not broadcast. Fix: make them "
            "broadcastable; for key and value with fewer heads (dim -3) than the query, pass "
            "enable_gqa=True."
        )
    ndim = max(len(a), len(b))
    padded_a = (1,) * (ndim - len(a)) + a
    padded_b = (1,) * (ndim - len(b)) + b
    return tuple(
        size_b if size_a == 1 else size_a for size_a, size_b in zip(padded_a, padded_b, strict=True)
    )


def _check_shapes(query: Tensor, key: Tensor, value: Tensor, attn_mask: Any) -> None:
    """PyTorch's errors for batch dimensions (heads included) or a mask that do not broadcast,
    in the order its computation meets them: scores ``Q K^T``, the mask, then ``weights V``."""
    batch = _broadcast(tuple(query.shape[:-2]), tuple(key.shape[:-2]), "query and key batches")
    scores = (*batch, query.shape[-2], key.shape[-2])
    if attn_mask is not None:
        # The mask is applied to the scores in place: it may not grow them either.
        masked = _broadcast(scores, tuple(attn_mask.shape), "the scores and attn_mask, shapes")
        if masked != scores:
            raise RuntimeError(
                f"output with shape {list(scores)} doesn't match the broadcast shape "
                f"{list(masked)}. Fix: give attn_mask no dimension larger than the scores'."
            )
    _broadcast(batch, tuple(value.shape[:-2]), "the scores' and value's batches")


def _causal_mask(queries: int, keys: int) -> Tensor:
    """``(L, S)`` bool, True on and below the diagonal (query ``i`` sees keys ``0..i``)."""
    return constant(_backend.triangle_mask(queries, keys, 0, lower=True))


def _masked_softmax(scores: Tensor) -> Tensor:
    """Softmax over the last axis with rows of only ``-inf`` given zero weights (not nan)."""
    dead = _reduction.all(scores == _NEG_INF, -1, keepdim=True)
    weights = softmax(_math.where(dead, 0.0, scores), -1)
    return _math.where(dead, 0.0, weights)


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """``softmax(Q K^T * scale + bias) V`` over the last two dimensions, batch dims broadcast.

    ``scale`` defaults to ``1 / sqrt(E)``. ``attn_mask`` is a bool mask (True: may attend) or an
    additive float bias; ``is_causal`` lets query ``i`` attend keys ``0..i`` (top-left aligned).
    ``dropout_p`` drops attention weights (always, as PyTorch's function does; modules pass 0
    outside training). With ``enable_gqa`` the key and value may have fewer heads (dim -3) than
    the query, as long as their head counts divide the query's: query heads ``g * j`` to
    ``g * j + g - 1`` share key/value head ``j`` (``g`` = query heads / key/value heads).

    >>> import arraygrad
    >>> q = k = arraygrad.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> v = arraygrad.tensor([[1.0], [3.0]])
    >>> scaled_dot_product_attention(q, k, v, is_causal=True)
    tensor([[1.0000],
            [2.3395]])

    Four query heads sharing two key/value heads:

    >>> q = arraygrad.ones(1, 4, 3, 8)
    >>> kv = arraygrad.ones(1, 2, 5, 8)
    >>> scaled_dot_product_attention(q, kv, kv, enable_gqa=True).shape
    arraygrad.Size([1, 4, 3, 8])
    """
    if _autocast_flag.cpu:  # PyTorch's CPU autocast casts attention to its dtype
        from arraygrad.amp import _casts

        return _casts.lower(
            scaled_dot_product_attention,
            query,
            key,
            value,
            attn_mask,
            dropout_p,
            is_causal,
            scale,
            enable_gqa,
        )
    _check_sdpa_inputs(query, key, value, attn_mask)
    _check_backend_allowed(query, key, value, attn_mask, dropout_p, enable_gqa)
    if (
        is_causal
        and attn_mask is not None
        and not _mask_and_causal_allowed(query, value, attn_mask, dropout_p)
    ):
        raise RuntimeError(
            "_scaled_dot_product_attention: Explicit attn_mask should not be set when "
            "is_causal=True. Fix: fold the causal structure into attn_mask, or drop attn_mask."
        )
    if enable_gqa:
        key, value = _share_heads(query, key, value)
    _check_shapes(query, key, value, attn_mask)
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(
            f"dropout probability has to be between 0 and 1, but got {dropout_p}"
            ". Fix: pass dropout_p in [0, 1]."
        )
    scores = _linalg.matmul(query, key.mT)
    head = query.shape[-1]
    if head:  # (with no features the scores are empty sums, 0: PyTorch scales the operands)
        scores = scores * (1 / math.sqrt(head) if scale is None else scale)
    if is_causal:
        scores = _math.where(_causal_mask(query.shape[-2], key.shape[-2]), scores, _NEG_INF)
    if attn_mask is not None:
        if attn_mask.dtype.name == "bool":
            scores = _math.where(attn_mask, scores, _NEG_INF)
        else:
            scores = scores + attn_mask
    weights = _masked_softmax(scores)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p, True)
    return _linalg.matmul(weights, value)


def _check_backend_allowed(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None,
    dropout_p: float,
    enable_gqa: bool,
) -> None:
    """PyTorch's CPU refusals under the switches of ``backends.cuda`` (``nn.attention.sdpa_kernel``
    sets them). arraygrad computes PyTorch's math backend; where that is switched off, PyTorch's
    CPU has only its flash kernel left, whose result equals the math one up to rounding, so the
    call computes exactly where that kernel would take the inputs."""
    switches = _switches._attention
    # PyTorch returns an empty result for empty inputs before it picks a kernel.
    if switches["math"] or 0 in (query.numel(), key.numel(), value.numel()):
        return
    if not switches["flash"]:
        raise RuntimeError(
            "No viable backend for scaled_dot_product_attention was found. This is likely due "
            "to turning off both the math kernel and the fused kernels."
            " Fix: allow the math kernel, e.g. sdpa_kernel([SDPBackend.MATH, ...])."
        )
    reason = _flash_refusal(query, key, value, attn_mask, dropout_p, enable_gqa)
    if reason is None:
        return
    warnings.warn("Flash attention kernel not used because:", UserWarning, stacklevel=3)
    if reason:
        warnings.warn(reason, UserWarning, stacklevel=3)
    raise RuntimeError(
        "No available kernel.  Aborting execution."
        " Fix: allow the math kernel (sdpa_kernel([SDPBackend.MATH, ...])), or change the "
        "call as the warnings above say."
    )


def _flash_refusal(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None,
    dropout_p: float,
    enable_gqa: bool,
) -> str | None:
    """Why PyTorch's CPU flash kernel would not take these inputs (``""`` where PyTorch gives
    no reason), or None where it would; checked in PyTorch's order, whose first failure it
    names."""
    if dropout_p > 0.0:
        return "Both fused kernels do not support non-zero dropout."
    if not query.ndim == key.ndim == value.ndim == 4:
        return (
            "All fused kernels requires query, key and value to be 4 dimensional, but got "
            f"Query dim: {query.ndim}, Key dim: {key.ndim}, Value dim: {value.ndim} instead."
        )
    q_shape, k_shape, v_shape = list(query.shape), list(key.shape), list(value.shape)
    if not q_shape[0] == k_shape[0] == v_shape[0]:
        return (
            "For dense inputs, both fused kernels require query, key and value to have the same "
            f"batch_size. Query.sizes(): {q_shape}, Key.sizes(): {k_shape}, Value.sizes(): "
            f"{v_shape} instead. To broadcast dense inputs, try using unsqueeze and expand_to "
            "before passing them into the kernel."
        )
    heads, key_heads, value_heads = q_shape[1], k_shape[1], v_shape[1]
    if enable_gqa:
        if key_heads != value_heads:
            return (
                "Both fused kernels require key and value to have the same num_heads and "
                f"batch_size but got: Key sizes: {k_shape}, Value sizes: {v_shape}, Query "
                f"sizes: {q_shape} instead."
            )
        if heads % key_heads:
            return (
                "The number of heads in key/value must divide number of heads in query.Got "
                f"input Key sizes(): {key_heads}, Value sizes(): {value_heads}, Query sizes(): "
                f"{heads} instead."
            )
    elif not heads == key_heads == value_heads:
        return (
            "For dense input, both fused kernels require query, key and value to have the same "
            f"num_heads. Query.sizes(): {q_shape}, Key sizes(): {k_shape}, Value sizes(): "
            f"{v_shape} instead. To broadcast dense inputs, try using unsqueeze and expand_to "
            "before passing them into the kernel."
        )
    if attn_mask is not None:
        # The kernel has no gradient for the mask; PyTorch refuses it without a reason, even
        # under no_grad.
        if attn_mask.requires_grad:
            return ""
        full = (q_shape[0], heads, q_shape[2], k_shape[2])
        wanted = full[2:] if attn_mask.ndim == 2 else full if attn_mask.ndim == 4 else None
        if wanted is None or any(
            size not in (1, want) for size, want in zip(attn_mask.shape, wanted, strict=True)
        ):
            return (
                "Please use the following attn mask shapes: 2d - ({Q_seq_len, 1}  x "
                "{KV_seq_len, 1}); 4d - ({Batch, 1} x {Num_heads, 1} x {Q_seq_len, 1}  x "
                "{KV_seq_len, 1})"
            )
    if not q_shape[3] == k_shape[3] == v_shape[3]:
        return (
            "Flash attention requires q,k,v to have the same last dimension. Got "
            f"Query.size(-1): {q_shape[3]}, Key.size(-1): {k_shape[3]}, Value.size(-1): "
            f"{v_shape[3]} instead."
        )
    if not query.dtype.is_floating_point:
        return (
            "Expected query, key and value to all be of dtype: {Float, Double, BFloat16, Half}. "
            f"Got Query dtype: {_c_name(query)}, Key dtype: {_c_name(key)}, and Value dtype: "
            f"{_c_name(value)} instead."
        )
    return None


# PyTorch's C++ names of dtypes, which its kernel-selection messages print.
_TORCH_C_TYPE = {
    "float32": "float",
    "float64": "double",
    "float16": "c10::Half",
    "int64": "long int",
    "int32": "int",
    "int16": "short int",
    "int8": "signed char",
    "uint8": "unsigned char",
    "bool": "bool",
}


def _c_name(tensor: Tensor) -> str:
    return _TORCH_C_TYPE.get(tensor.dtype.name, tensor.dtype.name)


def _mask_and_causal_allowed(
    query: Tensor, value: Tensor, attn_mask: Tensor, dropout_p: float
) -> bool:
    """Whether PyTorch applies ``attn_mask`` and the causal mask together (it then keeps the
    positions both allow): only for 4-D (batch, heads, L, E) inputs whose values have the
    query's feature size, with no dropout and a mask that needs no gradient. Elsewhere it
    refuses the pair."""
    return (
        query.ndim == 4
        and query.shape[-1] == value.shape[-1]
        and dropout_p == 0
        and not attn_mask.requires_grad
    )
