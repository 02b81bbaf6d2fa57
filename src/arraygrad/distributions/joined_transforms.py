"""Transforms built from other transforms applied to pieces of the input
(:class:`CatTransform` to consecutive blocks along a dimension, :class:`StackTransform` to
its slices) and the transform by a distribution's cdf
(:class:`CumulativeDistributionTransform`).

>>> import arraygrad as torch
>>> from arraygrad.distributions.transforms import ExpTransform, StackTransform
>>> StackTransform([ExpTransform(), ExpTransform().inv], dim=-1)(torch.tensor([0.0, 1.0]))
tensor([1., 0.])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions.distribution import Distribution, sum_rightmost
from arraygrad.distributions.transform_base import Transform

__all__ = ["CatTransform", "CumulativeDistributionTransform", "StackTransform"]


class CatTransform(Transform):
    """``tseq[i]`` applied to the ``i``-th block of ``lengths[i]`` entries (1 by default)
    along ``dim``, the results concatenated again.

    >>> import arraygrad as torch
    >>> from arraygrad.distributions.transforms import ExpTransform, identity_transform
    >>> t = CatTransform([ExpTransform(), identity_transform], dim=0, lengths=[1, 2])
    >>> t(torch.tensor([0.0, 1.0, 2.0]))
    tensor([1., 1., 2.])
    """

    def __init__(
        self,
        tseq: Sequence[Transform],
        dim: int = 0,
        lengths: Sequence[int] | None = None,
        cache_size: int = 0,
    ) -> None:
        _check_transforms(tseq)
        if cache_size:
            tseq = [t.with_cache(cache_size) for t in tseq]
        super().__init__(cache_size=cache_size)
        self.transforms = list(tseq)
        self.lengths = [1] * len(self.transforms) if lengths is None else list(lengths)
        if len(self.lengths) != len(self.transforms):  # PyTorch asserts it
            raise AssertionError(
                f"lengths ({len(self.lengths)}) must match transforms ({len(self.transforms)})"
                ". Fix: pass one length per transform, or lengths=None."
            )
        self.dim = dim

    @property
    def length(self) -> int:
        return sum(self.lengths)

    @property
    def event_dim(self) -> int:
        return max((t.event_dim for t in self.transforms), default=0)

    @property
    def domain(self) -> Any:  # type: ignore[override]
        return constraints.cat([t.domain for t in self.transforms], self.dim, self.lengths)

    @property
    def codomain(self) -> Any:  # type: ignore[override]
        return constraints.cat([t.codomain for t in self.transforms], self.dim, self.lengths)

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return all(t.bijective for t in self.transforms)

    def _rebuild(self, cache_size: int) -> Transform:
        return CatTransform(self.transforms, self.dim, self.lengths, cache_size=cache_size)

    def _blocks(self, value: Any) -> list[Any]:
        _check_dim(self.dim, value)
        if value.shape[self.dim] != self.length:
            raise AssertionError(
                f"x.size({self.dim}) = {value.shape[self.dim]} must equal length {self.length}"
                f". Fix: pass a value of size {self.length} in dimension {self.dim} (the "
                "sum of lengths)."
            )
        blocks, start = [], 0
        for length in self.lengths:
            blocks.append(value.narrow(self.dim, start, length))
            start += length
        return blocks

    def _call(self, x: Any) -> Any:
        parts = zip(self.transforms, self._blocks(x), strict=True)
        return ag.cat([t(block) for t, block in parts], self.dim)

    def _inverse(self, y: Any) -> Any:
        parts = zip(self.transforms, self._blocks(y), strict=True)
        return ag.cat([t.inv(block) for t, block in parts], self.dim)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        event_dim = self.event_dim
        terms = [
            sum_rightmost(t.log_abs_det_jacobian(x_block, y_block), event_dim - t.event_dim)
            for t, x_block, y_block in zip(
                self.transforms, self._blocks(x), self._blocks(y), strict=True
            )
        ]
        return constraints._join_pieces(terms, self.dim, event_dim, stacked=False)


class StackTransform(Transform):
    """``tseq[i]`` applied to the ``i``-th slice along ``dim``, the results stacked again.

    >>> import arraygrad as torch
    >>> from arraygrad.distributions.transforms import ExpTransform, identity_transform
    >>> t = StackTransform([ExpTransform(), identity_transform], dim=1)
    >>> t(torch.tensor([[0.0, 5.0]]))
    tensor([[1., 5.]])
    """

    def __init__(self, tseq: Sequence[Transform], dim: int = 0, cache_size: int = 0) -> None:
        _check_transforms(tseq)
        if cache_size:
            tseq = [t.with_cache(cache_size) for t in tseq]
        super().__init__(cache_size=cache_size)
        self.transforms = list(tseq)
        self.dim = dim

    @property
    def domain(self) -> Any:  # type: ignore[override]
        return constraints.stack([t.domain for t in self.transforms], self.dim)

    @property
    def codomain(self) -> Any:  # type: ignore[override]
        return constraints.stack([t.codomain for t in self.transforms], self.dim)

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return all(t.bijective for t in self.transforms)

    def _rebuild(self, cache_size: int) -> Transform:
        return StackTransform(self.transforms, self.dim, cache_size=cache_size)

    def _slices(self, value: Any) -> tuple[Any, ...]:
        _check_dim(self.dim, value)
        if value.shape[self.dim] != len(self.transforms):
            raise AssertionError(
                f"x.size({self.dim}) = {value.shape[self.dim]} must equal len(transforms) "
                f"{len(self.transforms)}. Fix: pass a value with one slice per transform in "
                f"dimension {self.dim}."
            )
        return tuple(value.unbind(self.dim))

    def _call(self, x: Any) -> Any:
        parts = zip(self.transforms, self._slices(x), strict=True)
        return ag.stack([t(piece) for t, piece in parts], self.dim)

    def _inverse(self, y: Any) -> Any:
        parts = zip(self.transforms, self._slices(y), strict=True)
        return ag.stack([t.inv(piece) for t, piece in parts], self.dim)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        most = max((t.domain.event_dim for t in self.transforms), default=0)
        terms = [
            sum_rightmost(t.log_abs_det_jacobian(x_piece, y_piece), most - t.domain.event_dim)
            for t, x_piece, y_piece in zip(
                self.transforms, self._slices(x), self._slices(y), strict=True
            )
        ]
        return constraints._join_pieces(terms, self.dim, most, stacked=True)


class CumulativeDistributionTransform(Transform):
    """``y = distribution.cdf(x)``, from the distribution's support onto [0, 1]; ``inv`` is
    its ``icdf`` and ``log |dy/dx|`` its log-density. Pushing the distribution itself through
    it gives the uniform distribution.

    >>> import arraygrad as torch
    >>> t = CumulativeDistributionTransform(torch.distributions.Normal(0.0, 1.0))
    >>> t(torch.tensor(0.0)), t.inv(torch.tensor(0.5))
    (tensor(0.5000), tensor(0.))
    """

    bijective = True
    codomain = constraints.unit_interval
    sign = +1

    def __init__(self, distribution: Distribution, cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        self.distribution = distribution

    @property
    def domain(self) -> Any:  # type: ignore[override]
        return self.distribution.support

    def _rebuild(self, cache_size: int) -> Transform:
        return CumulativeDistributionTransform(self.distribution, cache_size=cache_size)

    def _call(self, x: Any) -> Any:
        return self.distribution.cdf(x)

    def _inverse(self, y: Any) -> Any:
        return self.distribution.icdf(y)

    def log_abs_det_jacobian(self, x: Any, y: Any) -> Any:
        return self.distribution.log_prob(x)


def _check_transforms(tseq: Sequence[Any]) -> None:
    # PyTorch asserts it (an AssertionError, not a TypeError)
    if not all(isinstance(t, Transform) for t in tseq):
        raise AssertionError(
            "All elements of tseq must be Transform instances (got "
            f"{[type(t).__name__ for t in tseq]}). Fix: pass a list of Transform instances."
        )


def _check_dim(dim: int, value: Any) -> None:
    if not -value.dim() <= dim < value.dim():
        raise AssertionError(
            f"dim {dim} out of range for tensor with {value.dim()} dimensions. Fix: build the "
            f"transform with dim in [{-value.dim()}, {value.dim() - 1}]."
        )
