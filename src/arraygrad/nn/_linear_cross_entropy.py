"""``linear_cross_entropy``: a linear layer followed by ``cross_entropy``, one call, with
PyTorch's signature and its ``LinearCrossEntropyOptions`` (PyTorch's settings for computing the
batch in chunks; arraygrad computes it whole).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from arraygrad._tensor import Tensor, describe
from arraygrad.nn._class_loss import cross_entropy
from arraygrad.nn._common import check_reduction
from arraygrad.nn._linear import linear as _linear

__all__ = ["linear_cross_entropy"]


@dataclasses.dataclass
class LinearCrossEntropyOptions:
    """PyTorch's settings for its chunked ``linear_cross_entropy``, which processes the batch in
    pieces to save memory. arraygrad accepts them and computes the whole batch at once: the same
    loss up to rounding. ``acc_policy`` must be one of PyTorch's names (ValueError otherwise).

    >>> import arraygrad
    >>> x, w = arraygrad.zeros(2, 3), arraygrad.zeros(4, 3)
    >>> options = arraygrad.nn.LinearCrossEntropyOptions(batch_chunk_size=1)
    >>> loss = arraygrad.nn.functional.linear_cross_entropy(
    ...     x, w, arraygrad.tensor([0, 3]), options=options
    ... )
    >>> round(loss.item(), 4)  # log 4: all four classes equally likely
    1.3863
    """

    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = "auto"
    acc_policy: str = "auto"
    acc_dtype: Any = None

    def __post_init__(self) -> None:
        if self.acc_policy not in ("accurate", "balanced", "compact", "auto"):
            raise ValueError(
                f"invalid acc_policy: {self.acc_policy!r}"
                ". Fix: pass acc_policy='accurate', 'balanced', 'compact' or 'auto'."
            )


def linear_cross_entropy(
    input: Tensor,
    linear_weight: Tensor,
    target: Tensor,
    *,
    linear_bias: Tensor | None = None,
    weight: Tensor | None = None,
    reduction: str = "mean",
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    options: LinearCrossEntropyOptions | None = None,
) -> Tensor:
    """``cross_entropy(linear(input, linear_weight, linear_bias), target, ...)``; a weight of
    shape ``(C, d_1, ..., d_K, in_features)`` (and bias ``(C, d_1, ..., d_K)``) gives logits
    ``(*batch, C, d_1, ..., d_K)`` for a K-dimensional loss. ``ignore_index=None`` ignores
    cross_entropy's default, -100.

    >>> import arraygrad
    >>> x, w = arraygrad.zeros(2, 3), arraygrad.zeros(4, 3)
    >>> round(linear_cross_entropy(x, w, arraygrad.tensor([0, 3])).item(), 4)  # log 4
    1.3863
    """
    check_reduction(reduction)
    if options is not None and not isinstance(options, LinearCrossEntropyOptions):
        raise AttributeError(f"'{type(options).__name__}' object has no attribute '_adjust'")
    if input.ndim not in (1, 2):
        raise RuntimeError(
            f"expected input with dimensionality 1 or 2, got {input.ndim}: input is "
            f"{describe(input)}. Fix: pass (batch, in_features) or (in_features,) samples "
            "(flatten the leading dimensions of a larger batch)."
        )
    if linear_weight.ndim < 2:
        raise RuntimeError(
            f"expected linear_weight with dimensionality at least 2, got {linear_weight.ndim}: "
            "it is (classes, [d_1, ..., d_K,] in_features). Fix: pass a matrix."
        )
    classes, *features, in_features = linear_weight.shape
    if input.shape[-1] != in_features:
        raise RuntimeError(
            "expected equal input and linear_weight last dimensions (in_features), got "
            f"{input.shape[-1]} and {in_features}, respectively"
            f". Fix: give the input {in_features} features in its last dimension, or pass a "
            f"linear_weight of shape (classes, {input.shape[-1]})."
        )
    flat_bias = None if linear_bias is None else linear_bias.reshape(-1)
    # (the rows counted, not -1: with no in_features, -1 could stand for any number of rows)
    rows = math.prod(linear_weight.shape[:-1])
    logits = _linear(input, linear_weight.reshape(rows, in_features), flat_bias)
    if features:
        logits = logits.reshape(*input.shape[:-1], classes, *features)
    return cross_entropy(
        logits,
        target,
        weight=weight,
        ignore_index=-100 if ignore_index is None else ignore_index,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )
