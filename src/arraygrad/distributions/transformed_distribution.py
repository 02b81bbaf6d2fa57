"""``TransformedDistribution``: the distribution of ``Y = f(X)`` for ``X`` drawn from a base
distribution and ``f`` a composition of transforms.

Its density follows from the change of variables, one transform at a time from the last:
``log p_Y(y) = log p_X(x) - Σ_i log |det J_{f_i}(x_i)|`` with ``x = f⁻¹(y)`` and ``x_i`` the
input of the ``i``-th transform. Each term is summed over the event dimensions the
distribution has beyond that transform's own.

>>> import arraygrad as torch
>>> D = torch.distributions
>>> d = D.TransformedDistribution(D.Normal(0.0, 1.0), [D.transforms.ExpTransform()])
>>> d.log_prob(torch.tensor(1.0))  # the log-normal density at 1
tensor(-0.9189)
"""

from __future__ import annotations

from typing import Any, ClassVar

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions.distribution import Distribution, as_size, sum_rightmost
from arraygrad.distributions.multivariate import Independent
from arraygrad.distributions.transform_base import ComposeTransform, Transform

__all__ = ["TransformedDistribution"]


class TransformedDistribution(Distribution):
    """``base_distribution`` pushed through ``transforms`` (a Transform or a list, applied in
    order).

    The base is expanded where the transforms broadcast to a larger shape, and its batch
    dimensions are made event dimensions where the transforms act on more dimensions than
    its events have. Draws are the transforms of the base's draws (reparameterised when the
    base's are); ``cdf`` and ``icdf`` exist for monotone elementwise transforms, turned
    around when the composition decreases.

    >>> import arraygrad as torch
    >>> D = torch.distributions
    >>> d = D.TransformedDistribution(D.Normal(torch.zeros(2, 3), 1.0),
    ...                               [D.transforms.StickBreakingTransform()])
    >>> d.batch_shape, d.event_shape
    (arraygrad.Size([2]), arraygrad.Size([4]))
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {}

    def __init__(
        self,
        base_distribution: Distribution,
        transforms: Transform | list[Transform],
        validate_args: bool | None = None,
    ) -> None:
        if isinstance(transforms, Transform):
            self.transforms = [transforms]
        elif isinstance(transforms, list):
            if not all(isinstance(t, Transform) for t in transforms):
                raise ValueError(
                    "transforms must be a Transform or a list of Transforms"
                    f" (got items of types {[type(t).__name__ for t in transforms]}). Fix: "
                    "pass only Transform instances, e.g. [ExpTransform()]."
                )
            self.transforms = transforms
        else:
            raise ValueError(
                f"transforms must be a Transform or list, but was {transforms}"
                ". Fix: pass a Transform, or a list of them."
            )

        base_shape = as_size(
            tuple(base_distribution.batch_shape) + tuple(base_distribution.event_shape)
        )
        base_event_dim = len(base_distribution.event_shape)
        chain = ComposeTransform(self.transforms)
        domain_event_dim = chain.domain.event_dim
        if len(base_shape) < domain_event_dim:
            raise ValueError(
                f"base_distribution needs to have shape with size at least {domain_event_dim}, "
                f"but got {base_shape}."
                f" Fix: give the base distribution at least {domain_event_dim} dimensions "
                "(e.g. expand it to a batch), or use transforms of fewer event dimensions."
            )
        shape = as_size(chain.forward_shape(base_shape))
        # transforms with parameters of a larger shape broadcast the base up to it
        needed_base_shape = as_size(chain.inverse_shape(shape))
        if needed_base_shape != base_shape:
            cut = len(needed_base_shape) - base_event_dim
            base_distribution = base_distribution.expand(needed_base_shape[:cut])
        extra_event_dims = domain_event_dim - base_event_dim
        if extra_event_dims > 0:
            base_distribution = Independent(base_distribution, extra_event_dims)
        self.base_dist = base_distribution

        event_dim = chain.codomain.event_dim + max(base_event_dim - domain_event_dim, 0)
        cut = len(shape) - event_dim
        super().__init__(shape[:cut], shape[cut:], validate_args=validate_args)

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        return self.base_dist.has_rsample

    @constraints.dependent_property(is_discrete=False)
    def support(self) -> Any:
        if not self.transforms:
            return self.base_dist.support
        codomain = self.transforms[-1].codomain
        if len(self.event_shape) > codomain.event_dim:
            return constraints.independent(codomain, len(self.event_shape) - codomain.event_dim)
        return codomain

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        shape: Any = as_size(tuple(batch_shape) + tuple(self.event_shape))
        for transform in reversed(self.transforms):
            shape = transform.inverse_shape(shape)
        cut = len(shape) - len(self.base_dist.event_shape)
        new = self._expanded_copy(batch_shape, {})
        new.base_dist = self.base_dist.expand(tuple(shape[:cut]))
        new.transforms = self.transforms
        return new

    def _push_forward(self, value: ag.Tensor) -> ag.Tensor:
        for transform in self.transforms:
            value = transform(value)
        return value

    def sample(self, sample_shape: Any = ()) -> ag.Tensor:
        with ag.no_grad():
            return self._push_forward(self.base_dist.sample(sample_shape))

    def rsample(self, sample_shape: Any = ()) -> ag.Tensor:
        return self._push_forward(self.base_dist.rsample(sample_shape))

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        event_dim = len(self.event_shape)
        total: Any = 0.0
        y = value
        for transform in reversed(self.transforms):
            x = transform.inv(y)
            # event_dim becomes the number of event dimensions of x
            event_dim += transform.domain.event_dim - transform.codomain.event_dim
            log_det = transform.log_abs_det_jacobian(x, y)
            total = total - sum_rightmost(log_det, event_dim - transform.domain.event_dim)
            y = x
        base_log_prob = self.base_dist.log_prob(y)
        return total + sum_rightmost(base_log_prob, event_dim - len(self.base_dist.event_shape))

    def _orient(self, probability: Any) -> Any:
        """``P(X ≤ x)`` as ``P(Y ≤ y)``: ``1 - p`` where the composition decreases."""
        sign: Any = 1
        for transform in self.transforms:
            sign = sign * transform.sign
        if isinstance(sign, int) and sign == 1:
            return probability
        return sign * (probability - 0.5) + 0.5

    def cdf(self, value: Any) -> ag.Tensor:
        for transform in reversed(self.transforms):
            value = transform.inv(value)
        if self._validate_args:
            self.base_dist._validate_sample(value)
        return self._orient(self.base_dist.cdf(value))

    def icdf(self, value: Any) -> ag.Tensor:
        return self._push_forward(self.base_dist.icdf(self._orient(value)))
