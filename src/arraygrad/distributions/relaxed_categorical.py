"""Continuous relaxations of the one-hot categorical distribution (the Concrete or
Gumbel-softmax distribution): :class:`ExpRelaxedCategorical` on log-probability vectors and
:class:`RelaxedOneHotCategorical`, its exponential, on the simplex.

A draw is ``softmax((logits + G) / temperature)`` for ``G`` independent standard Gumbel noise
``-log(-log U)``; as the temperature falls to 0 it tends to a one-hot draw of the class
``argmax(logits + G)``, which is a categorical draw. Gradients reach the logits through the
shared noise.

>>> import arraygrad as torch
>>> d = torch.distributions.RelaxedOneHotCategorical(torch.tensor(0.5),
...                                                  probs=torch.tensor([0.2, 0.8]))
>>> round(float(d.sample().sum()), 4)
1.0
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions.discrete import Categorical, CategoricalParameters
from arraygrad.distributions.distribution import Distribution
from arraygrad.distributions.elementwise_transforms import ExpTransform
from arraygrad.distributions.relaxed_bernoulli import BaseParameters, uniform_noise
from arraygrad.distributions.transformed_distribution import TransformedDistribution

__all__ = ["ExpRelaxedCategorical", "RelaxedOneHotCategorical"]


class ExpRelaxedCategorical(CategoricalParameters, Distribution):
    """The log of a :class:`RelaxedOneHotCategorical` draw:
    ``x = s - logsumexp(s)`` with ``s = (logits + G) / t``, ``G`` standard Gumbel noise and
    ``t`` the temperature.

    Its density over the ``K`` coordinates (of which ``K - 1`` are free, as
    ``logsumexp(x) = 0``) is
    ``(K - 1)! t^(K-1) Π_k π_k e^(-t x_k) / (Σ_i π_i e^(-t x_i))^K``
    for the class probabilities ``π``.

    >>> import arraygrad as torch
    >>> from arraygrad.distributions.relaxed_categorical import ExpRelaxedCategorical
    >>> d = ExpRelaxedCategorical(torch.tensor(1.0), logits=torch.zeros(2))
    >>> d.log_prob(torch.tensor([0.5, 0.5]).log())
    tensor(-1.3863)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.simplex,
        "logits": constraints.real_vector,
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(
        self,
        temperature: Any,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        self._categorical = Categorical(probs, logits)
        self.temperature = temperature
        super().__init__(
            self._categorical.batch_shape,
            self._categorical.param_shape[-1:],
            validate_args=validate_args,
        )

    def _check_parameters(self) -> None:
        # the parameters live on the inner Categorical: it checks them and reports them
        # under its name, as torch does
        self._categorical._check_parameters()

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._expanded_copy(batch_shape, {})
        new._categorical = self._categorical.expand(batch_shape)
        new.temperature = self.temperature
        return new

    def _temperature(self) -> ag.Tensor:
        if isinstance(self.temperature, ag.Tensor):
            return self.temperature
        return ag.tensor(float(self.temperature), dtype=self.logits.dtype)

    def rsample(self, sample_shape: Any = ()) -> ag.Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        noise = uniform_noise(shape, self.logits.dtype)
        gumbel = -(-noise.log()).log()
        scores = (self.logits + gumbel) / self.temperature
        return scores - scores.logsumexp(-1, keepdim=True)

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        k = self._event_shape[0]
        temperature = self._temperature()
        logits, value = ag.broadcast_tensors(self.logits, value)
        # log((K - 1)!) + (K - 1) log t, the normalising constant
        log_scale = math.lgamma(k) + (k - 1) * temperature.log()
        score = logits - value * temperature
        score = (score - score.logsumexp(-1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(BaseParameters, TransformedDistribution):
    """The Concrete (Gumbel-softmax) distribution on the simplex: the exponential of an
    :class:`ExpRelaxedCategorical` draw, reparameterised.

    >>> import arraygrad as torch
    >>> d = torch.distributions.RelaxedOneHotCategorical(torch.tensor(1.0),
    ...                                                  logits=torch.zeros(2))
    >>> d.log_prob(torch.tensor([0.5, 0.5]))
    tensor(0.)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.simplex,
        "logits": constraints.real_vector,
    }
    support: Any = constraints.simplex
    has_rsample = True  # type: ignore[assignment]

    def __init__(
        self,
        temperature: Any,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        base = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base, ExpTransform(), validate_args=validate_args)
