"""Transforms from real vectors onto the probability simplex: :class:`SoftmaxTransform` (onto,
not one-to-one) and :class:`StickBreakingTransform` (a bijection from ``K - 1`` reals to the
``K``-simplex).

>>> import arraygrad as torch
>>> from arraygrad.distributions.transforms import StickBreakingTransform
>>> StickBreakingTransform()(torch.zeros(2))
tensor([0.3333, 0.3333, 0.3333])
"""

from __future__ import annotations

from typing import Any

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions.distribution import as_size
from arraygrad.distributions.transform_base import Transform

__all__ = ["SoftmaxTransform", "StickBreakingTransform"]


def _check_vector_shape(shape: Any) -> None:
    if len(shape) < 1:
        raise ValueError(
            "Too few dimensions on input"
            f" (got shape {list(shape)}). Fix: pass a shape with at least 1 dimension (the "
            "vector's)."
        )


class SoftmaxTransform(Transform):
    """``y = exp(x) / Σ exp(x)`` over the last dimension. Adding a constant to ``x`` gives the
    same ``y``, so this is no bijection and has no log-Jacobian; ``inv`` is ``log y``, one
    of the pre-images.

    >>> import arraygrad as torch
    >>> SoftmaxTransform()(torch.tensor([1.0, 3.0]).log())
    tensor([0.2500, 0.7500])
    """

    domain = constraints.real_vector
    codomain = constraints.simplex

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SoftmaxTransform)

    def _call(self, x: Any) -> Any:
        # shifted by the maximum so exp cannot overflow
        weights = (x - x.max(-1, keepdim=True).values).exp()
        return weights / weights.sum(-1, keepdim=True)

    def _inverse(self, y: Any) -> Any:
        return y.log()

    def forward_shape(self, shape: Any) -> Any:
        _check_vector_shape(shape)
        return shape

    def inverse_shape(self, shape: Any) -> Any:
        _check_vector_shape(shape)
        return shape


def _log_remaining_counts(x: Any) -> Any:
    """``log(K - 1 - k)`` for coordinate ``k`` of ``x`` in ``R^(K-1)``: the offset that makes
    ``x = 0`` break the stick into equal pieces."""
    n = x.shape[-1]
    return ag.arange(n, 0, -1, dtype=x.dtype).log()


class StickBreakingTransform(Transform):
    """The stick-breaking bijection from ``R^(K-1)`` to the ``K``-simplex.

    Coordinate ``k`` breaks off a fraction ``z_k = σ(x_k - log(K - 1 - k))`` (kept within
    ``[tiny, 1 - eps]`` of the dtype, as :class:`SigmoidTransform`'s output) of what is left
    of a unit stick: ``y_k = z_k Π_{j<k} (1 - z_j)``, and the last piece is the rest,
    ``y_{K-1} = Π_j (1 - z_j)``. Its inverse reads the fractions back from the remainders
    ``1 - Σ_{j≤k} y_j``. The Jacobian onto the first ``K - 1`` coordinates is triangular with
    diagonal ``y_k (1 - z_k)``, so ``log |det J| = Σ_k log y_k + log σ(-(x_k - log(K-1-k)))``.

    >>> import arraygrad as torch
    >>> t = StickBreakingTransform()
    >>> t.inv(torch.tensor([0.5, 0.25, 0.25]))
    tensor([0.6931, 0.0000])
    """

    domain = constraints.real_vector
    codomain = constraints.simplex
    bijective = True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StickBreakingTransform)

    def _call(self, x: Any) -> Any:
        info = ag.finfo(x.dtype)
        # Kept in [tiny, 1 - eps], as SigmoidTransform's output and PyTorch's: a fraction that
        # rounds to 0 or 1 would make a piece exactly 0, and the inverse and log-Jacobian of a
        # saturated input infinite.
        fractions = (x - _log_remaining_counts(x)).sigmoid().clamp(min=info.tiny, max=1 - info.eps)
        left_after = (1 - fractions).cumprod(-1)  # the stick left after each break
        pad = ag.nn.functional.pad
        # y_k = z_k · (left before k), with z = 1 for the last piece, which is all that is left
        return pad(fractions, (0, 1), value=1.0) * pad(left_after, (1, 0), value=1.0)

    def _inverse(self, y: Any) -> Any:
        pieces = y[..., :-1]
        tiny = ag.finfo(y.dtype).tiny
        remainder = (1 - pieces.cumsum(-1)).clamp(min=tiny)  # 1 - Σ_{j≤k} y_j
        # logit(z_k) = log(y_k / remainder_k), then undo the offset
        return pieces.log() - remainder.log() + _log_remaining_counts(pieces)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        shifted = x - _log_remaining_counts(x)
        log_sigmoid = ag.nn.functional.logsigmoid
        return (y[..., :-1].log() + log_sigmoid(-shifted)).sum(-1)

    def forward_shape(self, shape: Any) -> Any:
        _check_vector_shape(shape)
        return as_size(tuple(shape[:-1]) + (shape[-1] + 1,))

    def inverse_shape(self, shape: Any) -> Any:
        _check_vector_shape(shape)
        return as_size(tuple(shape[:-1]) + (shape[-1] - 1,))
