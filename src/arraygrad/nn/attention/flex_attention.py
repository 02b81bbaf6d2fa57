"""``arraygrad.nn.attention.flex_attention``: attention with a user-written score function.

``flex_attention(q, k, v, score_mod, block_mask)`` is ``softmax(mod(q kᵀ · scale)) v`` where
``score_mod(score, b, h, q_idx, kv_idx)`` rewrites each score and the block mask's
``mask_mod(b, h, q_idx, kv_idx)`` says which keys each query may see. PyTorch calls both once
per score (it vmaps them over the indices); arraygrad calls each once, with the indices as
broadcasting int64 tensors (``b`` shaped ``(B, 1, 1, 1)``, ``h`` ``(1, H, 1, 1)``, ``q_idx``
``(1, 1, L, 1)``, ``kv_idx`` ``(1, 1, 1, S)``) and the scores ``(B, H, L, S)``. The results are
the same for every function made of elementwise tensor operations and indexing, which is what
both libraries accept; tensors the functions close over (a bias table, a slope per head, the
document id of each token) receive their gradients through the same graph.

Memory: like PyTorch's eager (uncompiled) path, the ``(B, H, L, S)`` scores, the mask and the
weights are materialised, so memory grows with ``L * S``; a block mask's blocks save no work
here (its ``mask_mod`` alone decides what is masked, as in PyTorch's eager path).

Where PyTorch differs on the CPU: it refuses inputs that require grad there
(``NotImplementedError``, "FlexAttention does not support backward on CPU"); arraygrad
computes their gradients, which are the gradients of the formula above (PyTorch's on its GPUs).

A query that may see no key gets zeros and a log-sum-exp of ``-inf``, as in PyTorch.

>>> import arraygrad
>>> from arraygrad.nn.attention.flex_attention import create_block_mask, flex_attention
>>> def causal(b, h, q_idx, kv_idx):
...     return q_idx >= kv_idx
>>> mask = create_block_mask(causal, None, None, 3, 3)
>>> q = arraygrad.ones(1, 1, 3, 2)
>>> flex_attention(q, q, arraygrad.arange(6.0).reshape(1, 1, 3, 2), block_mask=mask)
tensor([[[[0., 1.],
          [1., 2.],
          [2., 3.]]]])
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple, TypedDict

from arraygrad import _creation, _dtype, _linalg, _math, _reduction
from arraygrad._tensor import Tensor
from arraygrad.nn._activation import softmax as _softmax
from arraygrad.nn._attention import _repeat_heads
from arraygrad.nn._padding import padded as _padded
from arraygrad.nn.attention._block_mask import (
    _DEFAULT_BLOCK,
    BlockMask,
    _block_sizes,
    _counts_and_order,
    _sliced_mask_mod,
    noop_mask,
)

__all__ = [
    "AuxOutput",
    "AuxRequest",
    "BlockMask",
    "FlexKernelOptions",
    "and_masks",
    "create_block_mask",
    "create_mask",
    "flex_attention",
    "noop_mask",
    "or_masks",
]

_NEG_INF = float("-inf")


class AuxRequest(NamedTuple):
    """Which extra results ``flex_attention(..., return_aux=...)`` returns."""

    lse: bool = False
    max_scores: bool = False


class AuxOutput(NamedTuple):
    """The extra results asked for with :class:`AuxRequest` (None where not asked for)."""

    lse: Tensor | None = None
    max_scores: Tensor | None = None


class FlexKernelOptions(TypedDict, total=False):
    """Tuning options of PyTorch's compiled kernels (block sizes, warps, stages...). They do not
    change the result, and arraygrad, which has no such kernels, accepts and ignores them."""


def _check_mask_mods(mask_mods: tuple[Any, ...]) -> None:
    if not all(callable(mod) for mod in mask_mods):
        raise RuntimeError(
            f"All inputs should be callable mask_mods: {mask_mods}"
            ". Fix: pass mask_mod functions (b, h, q_idx, kv_idx) -> bool."
        )


def and_masks(*mask_mods: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """A mask_mod that allows a score where every one of ``mask_mods`` does (all, when none)."""
    _check_mask_mods(mask_mods)

    def and_mask(b: Tensor, h: Tensor, q_idx: Tensor, kv_idx: Tensor) -> Tensor:
        allowed = _creation.ones((), dtype=_dtype.bool_)
        for mod in mask_mods:
            allowed = allowed & mod(b, h, q_idx, kv_idx)
        return allowed

    return and_mask


def or_masks(*mask_mods: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """A mask_mod that allows a score where any of ``mask_mods`` does (none, when none)."""
    _check_mask_mods(mask_mods)

    def or_mask(b: Tensor, h: Tensor, q_idx: Tensor, kv_idx: Tensor) -> Tensor:
        allowed = _creation.zeros((), dtype=_dtype.bool_)
        for mod in mask_mods:
            allowed = allowed | mod(b, h, q_idx, kv_idx)
        return allowed

    return or_mask


def _indices(batch: int, heads: int, q_len: int, kv_len: int) -> tuple[Tensor, ...]:
    """The four index arguments of score_mod and mask_mod, as int64 tensors that broadcast to
    ``(batch, heads, q_len, kv_len)``: applying an elementwise function to them once gives
    what applying it to every index tuple would."""
    b = _creation.arange(batch).reshape(batch, 1, 1, 1)
    h = _creation.arange(heads).reshape(1, heads, 1, 1)
    q_idx = _creation.arange(q_len).reshape(1, 1, q_len, 1)
    kv_idx = _creation.arange(kv_len).reshape(1, 1, 1, kv_len)
    return b, h, q_idx, kv_idx


def _takes_score(mod_fn: Callable[..., Any]) -> bool:
    """Whether ``mod_fn`` is a score_mod (score, b, h, q_idx, kv_idx) rather than a mask_mod."""
    try:
        parameters = inspect.signature(mod_fn).parameters
    except (TypeError, ValueError):
        return False
    return len(parameters) == 5


def _evaluate_mask(
    mask_mod: Callable[..., Any], batch: int, heads: int, q_len: int, kv_len: int
) -> Tensor:
    """``mask_mod`` at every index, as a bool ``(batch, heads, q_len, kv_len)`` tensor."""
    allowed = mask_mod(*_indices(batch, heads, q_len, kv_len))
    if not isinstance(allowed, Tensor):
        allowed = _creation.tensor(allowed)
    return allowed.to(_dtype.bool_).expand(batch, heads, q_len, kv_len)


def create_mask(
    mod_fn: Callable[..., Any],
    B: int | None,  # noqa: N803 - PyTorch\'s name
    H: int | None,  # noqa: N803 - PyTorch\'s name
    Q_LEN: int,  # noqa: N803 - PyTorch\'s name
    KV_LEN: int,  # noqa: N803 - PyTorch\'s name
    device: Any = None,
) -> Tensor:
    """The dense bool ``(B, H, Q_LEN, KV_LEN)`` mask of a mask_mod (``B`` or ``H`` None: 1).
    For a score_mod, the positions it does not set to ``-inf`` (given zero scores)."""
    batch = 1 if B is None else B
    heads = 1 if H is None else H
    if not _takes_score(mod_fn):
        return _evaluate_mask(mod_fn, batch, heads, Q_LEN, KV_LEN)
    zero_scores = _creation.zeros(batch, heads, Q_LEN, KV_LEN)
    scores = mod_fn(zero_scores, *_indices(batch, heads, Q_LEN, KV_LEN))
    return (scores != _NEG_INF).expand(batch, heads, Q_LEN, KV_LEN)


def create_block_mask(
    mask_mod: Callable[..., Any],
    B: int | None,  # noqa: N803 - PyTorch\'s name
    H: int | None,  # noqa: N803 - PyTorch\'s name
    Q_LEN: int,  # noqa: N803 - PyTorch\'s name
    KV_LEN: int,  # noqa: N803 - PyTorch\'s name
    device: Any = None,
    BLOCK_SIZE: int | tuple[int, int] = _DEFAULT_BLOCK,  # noqa: N803 - PyTorch\'s name
    _compile: bool = False,
    separate_full_blocks: bool = True,
    compute_dq_write_order: bool = False,
    dq_kv_order: bool = True,
) -> BlockMask:
    """The BlockMask of ``mask_mod`` over ``(B, H, Q_LEN, KV_LEN)`` (``B`` or ``H`` None: 1,
    broadcast over any batch or head). Lengths are padded to whole blocks with masked scores;
    with ``separate_full_blocks`` the blocks with nothing masked are listed apart."""
    batch = 1 if B is None else B
    heads = 1 if H is None else H
    block_q, block_kv = _block_sizes(BLOCK_SIZE)
    allowed = _evaluate_mask(mask_mod, batch, heads, Q_LEN, KV_LEN)
    q_blocks, kv_blocks = -(-Q_LEN // block_q), -(-KV_LEN // block_kv)
    grown = _padded(allowed, (0, kv_blocks * block_kv - KV_LEN, 0, q_blocks * block_q - Q_LEN))
    tiles = grown.reshape(batch, heads, q_blocks, block_q, kv_blocks, block_kv)
    some = _reduction.any(_reduction.any(tiles, 5), 3)
    every = _reduction.all(_reduction.all(tiles, 5), 3)
    partial = some & ~every if separate_full_blocks else some
    full = every if separate_full_blocks else None
    kv_lists = (*_counts_and_order(partial), *_counts_and_order(full))
    q_lists = (
        *_counts_and_order(partial.mT),
        *_counts_and_order(None if full is None else full.mT),
    )
    return BlockMask(
        (Q_LEN, KV_LEN),
        *kv_lists,  # type: ignore[arg-type]
        *q_lists,
        BLOCK_SIZE=(block_q, block_kv),
        mask_mod=mask_mod,
    )


def _check_inputs(
    query: Tensor, key: Tensor, value: Tensor, block_mask: BlockMask | None, enable_gqa: bool
) -> None:
    if not query.ndim == key.ndim == value.ndim == 4:
        raise NotImplementedError(
            "NYI: query, key, and value must be 4D tensors"
            f" (got query {list(query.shape)}, key {list(key.shape)}, value "
            f"{list(value.shape)}). Fix: pass (B, H, L, E) tensors; unsqueeze missing "
            "batch or head dimensions."
        )
    batch, heads, q_len, features = query.shape
    kv_batch, kv_heads, kv_len, key_features = key.shape
    if features != key_features:
        raise ValueError(
            "Expect query and key/value to have the same embedding dimension but got "
            f"E={features} and E={key_features}."
            " Fix: give query and key the same last dimension."
        )
    if block_mask is None and batch != kv_batch:
        raise ValueError(
            "Expect query and key/value to have the same batch size, or non-none block_mask, "
            f"but got block_mask=None, Bq={batch}, and Bkv={kv_batch}."
            " Fix: pass query and key/value with the same batch size, or a "
            "block_mask."
        )
    if enable_gqa:
        if kv_heads == 0 or heads % kv_heads:
            raise ValueError(
                "Expect number of query heads to be a multiple of kv heads for GQA but got "
                f"Hq={heads} and Hkv={kv_heads}."
                " Fix: use a number of query heads divisible by the key/value heads."
            )
    elif heads != kv_heads:
        raise ValueError(
            "Expect query and key/value to have the same number of heads but got "
            f"Hq={heads} and Hkv={kv_heads}. Try setting enable_gqa=True for GQA."
        )
    if block_mask is not None:
        mask_q, mask_kv = block_mask.seq_lengths
        if mask_q < q_len or mask_kv < kv_len:
            raise ValueError(
                f"block_mask was created for block_mask.shape={block_mask.shape} but got "
                f"q_len={q_len} and kv_len={kv_len}. As the block mask was created for a smaller "
                "length than you're using it for, you likely need to create a new block mask."
                f" Fix: create_block_mask(mask_mod, B, H, {q_len}, {kv_len})."
            )
        if (mask_q, mask_kv) != (q_len, kv_len):
            raise ValueError(
                f"block_mask was created for block_mask.shape={block_mask.shape} but got "
                f"q_len={q_len} and kv_len={kv_len}. As the block mask was created for a larger "
                "length than you're using it for, you can either 1. create a new block mask "
                "with the correct length, or 2. 'adjust' the existing block mask to the correct "
                "length by calling block_mask._adjust(q_len, kv_len). This essentially 'crops' "
                "the block mask to the upper left corner, which does not work for all mask_mods!"
                f" Fix: create_block_mask(mask_mod, B, H, {q_len}, {kv_len})."
            )
    if kv_len == 0:
        # PyTorch's reduction for the row maxima meets the empty key axis first.
        raise IndexError(
            "max(): Expected reduction dim 3 to have non-zero size."
            " Fix: pass key and value with at least one position (kv_len >= 1)."
        )


def flex_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    score_mod: Callable[..., Tensor] | None = None,
    block_mask: BlockMask | None = None,
    scale: float | None = None,
    enable_gqa: bool = False,
    return_lse: bool = False,
    kernel_options: FlexKernelOptions | None = None,
    *,
    return_aux: AuxRequest | None = None,
) -> Any:
    """Attention of ``(B, H, L, E)`` queries over ``(B, Hkv, S, E)`` keys and ``(B, Hkv, S, Ev)``
    values: ``softmax(score_mod(q kᵀ · scale, b, h, q_idx, kv_idx))`` masked by
    ``block_mask.mask_mod``, times ``v``. ``scale`` defaults to ``1 / sqrt(E)``; with
    ``enable_gqa`` each key/value head serves ``H / Hkv`` consecutive query heads.

    Returns the ``(B, H, L, Ev)`` output; with ``return_aux=AuxRequest(lse=True)`` also
    ``AuxOutput(lse=...)``, the natural-log log-sum-exp of each query's modified scores
    ``(B, H, L)`` (``return_lse=True``, deprecated, returns it bare). ``kernel_options`` only
    tune PyTorch's compiled kernels and are ignored.
    """
    if return_lse and return_aux is not None:
        raise ValueError(
            "Cannot specify both return_lse and return_aux. return_lse is deprecated, please use "
            "return_aux=AuxRequest(lse=True) instead."
            " Fix: drop return_lse and pass return_aux=AuxRequest(lse=True)."
        )
    if return_lse:
        warnings.warn(
            "return_lse is deprecated and will be removed in v2.10. Please use "
            "return_aux=AuxRequest(lse=True) instead.",
            FutureWarning,
            stacklevel=2,
        )
    if return_aux is not None and return_aux.max_scores:
        # PyTorch's CPU kernel has no such output; arraygrad follows its CPU behaviour.
        raise NotImplementedError(
            "Returning max scores is not supported on CPU/MPS."
            " Fix: request lse only, return_aux=AuxRequest(lse=True)."
        )
    _check_inputs(query, key, value, block_mask, enable_gqa)
    if block_mask is not None and block_mask.mask_mod is _sliced_mask_mod:
        raise RuntimeError(
            "Cannot use mask_mod from a sliced BlockMask"
            ". Fix: create the block mask for the sliced shape with "
            "create_block_mask, or slice it after building it with mask_mod."
        )
    heads, q_len, features = query.shape[1:]
    kv_len = key.shape[-2]
    scale_factor = 1 / math.sqrt(features) if scale is None else scale
    if heads != key.shape[1]:
        key = _repeat_heads(key, heads // key.shape[1])
    if heads != value.shape[1]:
        value = _repeat_heads(value, heads // value.shape[1])
    # Half-precision inputs are scored in float32, as PyTorch scores them.
    wide = query.dtype == _dtype.float16
    q_wide = query.to(_dtype.float32) if wide else query
    k_wide = key.to(_dtype.float32) if wide else key
    scores = _linalg.matmul(q_wide, k_wide.mT) * scale_factor
    out_batch = scores.shape[0]
    indices = _indices(out_batch, heads, q_len, kv_len)
    if score_mod is not None:
        scores = score_mod(scores, *indices)
        scores = scores.expand(out_batch, heads, q_len, kv_len)
    if block_mask is not None:
        allowed = _evaluate_mask(block_mask.mask_mod, out_batch, heads, q_len, kv_len)
        scores = _math.where(allowed, scores, _NEG_INF)
    # A query that may see no key: its softmax and log-sum-exp are taken over zeros (finite,
    # with zero gradients) and then replaced by PyTorch's results, zero weights and -inf.
    dead = _reduction.all(scores == _NEG_INF, -1, keepdim=True)
    safe = _math.where(dead, 0.0, scores)
    weights = _math.where(dead, 0.0, _softmax(safe, -1))
    output = _linalg.matmul(weights.to(value.dtype) if wide else weights, value)
    lse = _math.where(dead.squeeze(-1), _NEG_INF, safe.logsumexp(-1))
    if return_lse:
        return output, lse
    if return_aux is not None:
        return output, AuxOutput(lse=lse if return_aux.lse else None, max_scores=None)
    return output
