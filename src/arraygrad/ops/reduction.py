"""Reduction primitives."""

from __future__ import annotations

import math
from typing import Any

from arraygrad._primitive import Primitive


def _restore_reduced(ns: Any, g: Any, shape: tuple[int, ...], axis: Any, keepdims: bool) -> Any:
    """Broadcast the gradient of a reduction back over the reduced axes of ``shape``."""
    if not keepdims:
        axes = range(len(shape)) if axis is None else axis
        kept = tuple(1 if i in axes else size for i, size in enumerate(shape))
        g = ns.reshape(g, shape=kept)
    return ns.broadcast_to(g, shape=tuple(shape))


def _count(shape: tuple[int, ...], axis: Any) -> int:
    return math.prod(shape if axis is None else (shape[i] for i in axis))


# ``axis`` is None or a tuple of non-negative ints (the PyTorch layer normalises ``dim``).
sum = Primitive(
    "sum",
    forward=lambda xp, x, *, axis, keepdims: xp.sum(x, axis=axis, keepdims=keepdims),
    vjp=(
        lambda ns, g, out, x, *, axis, keepdims: _restore_reduced(ns, g, x.shape, axis, keepdims),
    ),
    reads_inputs=False,
)
mean = Primitive(
    "mean",
    forward=lambda xp, x, *, axis, keepdims: xp.mean(x, axis=axis, keepdims=keepdims),
    vjp=(
        lambda ns, g, out, x, *, axis, keepdims: _restore_reduced(
            ns, g / _count(x.shape, axis), x.shape, axis, keepdims
        ),
    ),
    reads_inputs=False,
)

__all__ = [
    "mean",
    "sum",
]
