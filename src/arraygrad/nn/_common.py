"""Helpers shared by the ``arraygrad.nn.functional`` modules: argument parsing and reductions."""

from __future__ import annotations

from typing import Any

from arraygrad import _backend, _math
from arraygrad._tensor import Tensor

_REDUCTIONS = ("none", "mean", "sum")


def legacy_reduction(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """PyTorch's reading of the deprecated ``size_average`` / ``reduce`` flags."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def check_reduction(reduction: str, wording: str = "is not a valid value for reduction") -> None:
    """Raise PyTorch's ValueError for a ``reduction`` that is not ``none``/``mean``/``sum``;
    ``wording`` is PyTorch's, which some losses shorten to ``is not valid``."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} {wording}. Fix: pass reduction='mean', 'sum' or 'none'.")


def apply_reduction(loss: Tensor, reduction: str) -> Tensor:
    """Apply ``reduction`` to an element-wise loss."""
    check_reduction(reduction)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def ntuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    """``value`` (an int or a sequence of ``n`` ints) as a tuple of ``n`` ints."""
    if isinstance(value, int):
        return (value,) * n
    values = tuple(int(v) for v in value)
    if len(values) == 1:
        return values * n
    if len(values) != n:
        raise RuntimeError(
            f"{name} must be an int or a sequence of {n} ints, but got {list(values)}"
        )
    return values


def constant(array: Any) -> Tensor:
    """A raw array as a tensor outside the graph (masks, shifts, index grids)."""
    return Tensor._wrap(_backend.ensure_array(array))


def clamp_min_straight_through(x: Tensor, min: float) -> Tensor:
    """``max(x, min)`` in value with the gradient of ``x`` everywhere: PyTorch clamps such
    denominators (norms, variances) in place under no_grad, so the clamp is invisible to
    autograd.

    The clamp is added as an offset, ``min - x`` where ``x < min`` and exactly 0 elsewhere, so
    an infinite ``x`` stays itself (``clamp(x) - x`` would be ``inf - inf = nan`` there).
    """
    detached = x.detach()
    return x + (min - _math.where(detached < min, detached, min))
