"""The logistic-normal distribution on the simplex: a normal vector of ``K - 1`` coordinates
mapped onto the ``K``-simplex by stick-breaking.

>>> import arraygrad as torch
>>> d = torch.distributions.LogisticNormal(torch.zeros(2), 1.0)
>>> d.event_shape
arraygrad.Size([3])
"""

from __future__ import annotations

from typing import Any, ClassVar

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions.continuous import Normal
from arraygrad.distributions.distribution import Distribution
from arraygrad.distributions.simplex_transforms import StickBreakingTransform
from arraygrad.distributions.transformed_distribution import TransformedDistribution

__all__ = ["LogisticNormal"]


class LogisticNormal(TransformedDistribution):
    """``StickBreakingTransform()(X)`` for ``X`` normal with mean ``loc`` and deviation
    ``scale`` in each of its ``K - 1`` coordinates (the last dimension of the parameters;
    numbers give ``K = 2``).

    >>> import arraygrad as torch
    >>> d = torch.distributions.LogisticNormal(torch.zeros(1), 1.0)
    >>> d.log_prob(torch.tensor([0.5, 0.5]))
    tensor(0.4674)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "loc": constraints.real,
        "scale": constraints.positive,
    }
    support: Any = constraints.simplex
    has_rsample = True  # type: ignore[assignment]

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        base: Distribution = Normal(loc, scale, validate_args=validate_args)
        if not base.batch_shape:
            # stick-breaking needs a vector: a scalar normal is one coordinate
            base = base.expand((1,))
        super().__init__(base, StickBreakingTransform(), validate_args=validate_args)

    @property
    def loc(self) -> ag.Tensor:
        return self.base_dist.base_dist.loc  # type: ignore[attr-defined, no-any-return]

    @property
    def scale(self) -> ag.Tensor:
        return self.base_dist.base_dist.scale  # type: ignore[attr-defined, no-any-return]
