"""Finite mixtures whose components all come from one family: MixtureSameFamily.

>>> import arraygrad as torch
>>> D = torch.distributions
>>> normals = D.Normal(torch.tensor([-1.0, 1.0]), 1.0)
>>> mix = D.MixtureSameFamily(D.Categorical(torch.ones(2)), normals)
>>> mix.mean, mix.variance
(tensor(0.), tensor(2.))
"""

from __future__ import annotations

from typing import Any, ClassVar

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions.discrete import Categorical
from arraygrad.distributions.distribution import Distribution, as_size

__all__ = ["MixtureSameFamily"]


class MixtureSameFamily(Distribution):
    """A mixture of ``K`` components: ``component_distribution`` has batch shape
    ``batch_shape + (K,)`` and ``mixture_distribution``, a Categorical over the ``K``
    components, gives their weights ``w`` (its batch shape broadcasts against ``batch_shape``).

    ``p(x) = sum_k w_k p_k(x)``, computed as ``logsumexp_k(log w_k + log p_k(x))`` so a small
    density does not underflow; the mean is ``sum_k w_k mu_k`` and the variance, by the law of
    total variance, ``sum_k w_k var_k + sum_k w_k (mu_k - mu)^2``.

    >>> import arraygrad as torch
    >>> D = torch.distributions
    >>> d = D.MixtureSameFamily(D.Categorical(torch.ones(3)), D.Normal(torch.zeros(3), 1.0))
    >>> d.log_prob(torch.tensor(0.0))
    tensor(-0.9189)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {}
    has_rsample = False

    def __init__(
        self,
        mixture_distribution: Categorical,
        component_distribution: Distribution,
        validate_args: bool | None = None,
    ) -> None:
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError(
                " The Mixture distribution needs to be an "
                " instance of arraygrad.distributions.Categorical"
                f" (got {type(mixture_distribution).__name__}). Fix: pass the mixture "
                "weights as Categorical(logits=...) or Categorical(probs=...)."
            )
        if not isinstance(component_distribution, Distribution):
            raise ValueError(
                "The Component distribution needs to be an instance of "
                "arraygrad.distributions.Distribution"
                f" (got {type(component_distribution).__name__}). Fix: pass a batched "
                "distribution whose last batch dimension indexes the components."
            )
        mixture_batch = mixture_distribution.batch_shape
        component_batch = as_size(component_distribution.batch_shape[:-1])
        # the weights' batch broadcasts against the mixture's
        pairs = zip(reversed(mixture_batch), reversed(component_batch), strict=False)
        if any(m != 1 and c != 1 and m != c for m, c in pairs):
            raise ValueError(
                f"`mixture_distribution.batch_shape` ({mixture_batch}) is not compatible with "
                f"`component_distribution.batch_shape`({component_batch})"
                ". Fix: give both the same batch shape (the components' without its last "
                "dimension), or shapes that broadcast."
            )
        weights_count = mixture_distribution.logits.shape[-1]
        components_count = component_distribution.batch_shape[-1]
        if weights_count != components_count:
            raise ValueError(
                f"`mixture_distribution component` ({weights_count}) does not equal "
                f"`component_distribution.batch_shape[-1]` ({components_count})"
                f". Fix: give the Categorical {components_count} weights, one per component."
            )
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        self._num_component = components_count
        self._event_ndims = len(component_distribution.event_shape)
        super().__init__(
            component_batch, component_distribution.event_shape, validate_args=validate_args
        )

    @property
    def mixture_distribution(self) -> Categorical:
        return self._mixture_distribution

    @property
    def component_distribution(self) -> Distribution:
        return self._component_distribution

    @constraints.dependent_property
    def support(self) -> constraints.Constraint:
        return constraints.MixtureSameFamilyConstraint(self._component_distribution.support)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        shape = tuple(as_size(batch_shape))
        new = self._expanded_copy(shape, {})
        new._mixture_distribution = self._mixture_distribution.expand(shape)
        new._component_distribution = self._component_distribution.expand(
            (*shape, self._num_component)
        )
        new._num_component = self._num_component
        new._event_ndims = self._event_ndims
        return new

    def _weights(self) -> ag.Tensor:
        """The mixture weights with trailing singleton dimensions for the event, so they
        broadcast against the components' (batch, K, event) moments."""
        return self._mixture_distribution.probs.reshape(
            tuple(self._mixture_distribution.probs.shape) + (1,) * self._event_ndims
        )

    def _component_axis(self) -> int:
        return -1 - self._event_ndims

    @property
    def mean(self) -> ag.Tensor:
        means = self._component_distribution.mean
        return (self._weights() * means).sum(self._component_axis())

    @property
    def variance(self) -> ag.Tensor:
        axis = self._component_axis()
        weights = self._weights()
        means = self._component_distribution.mean
        within = (weights * self._component_distribution.variance).sum(axis)
        between = (weights * (means - self.mean.unsqueeze(axis)) ** 2).sum(axis)
        return within + between

    def _per_component(self, value: ag.Tensor) -> ag.Tensor:
        """``value`` with a component dimension inserted before its event dimensions."""
        return value.unsqueeze(self._component_axis())

    def cdf(self, value: Any) -> ag.Tensor:
        """``sum_k w_k F_k(x)``, for univariate components only."""
        if self._event_ndims != 0:
            raise NotImplementedError
        per_component = self._component_distribution.cdf(self._per_component(value))
        return (per_component * self._mixture_distribution.probs).sum(-1)

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        per_component = self._component_distribution.log_prob(self._per_component(value))
        log_weights = self._mixture_distribution.logits.log_softmax(-1)
        return (per_component + log_weights).logsumexp(-1)

    def sample(self, sample_shape: Any = ()) -> ag.Tensor:
        sample_shape = tuple(sample_shape)
        with ag.no_grad():
            chosen = self._mixture_distribution.sample(sample_shape)  # sample + weights' batch
            draws = self._component_distribution.sample(sample_shape)  # sample + batch, K, event
            # the index of the chosen component, one per draw and event entry
            batch = tuple(self._batch_shape)
            padded = (1,) * (len(batch) - len(self._mixture_distribution.batch_shape))
            index = chosen.reshape(
                (*sample_shape, *padded, *self._mixture_distribution.batch_shape, 1)
                + (1,) * self._event_ndims
            )
            index = index.expand((*sample_shape, *batch, 1, *self._event_shape))
            picked = draws.gather(self._component_axis(), index)
            return picked.squeeze(self._component_axis())

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(\n  {self._mixture_distribution!r},\n"
            f"  {self._component_distribution!r})"
        )
