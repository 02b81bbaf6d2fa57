"""Continuous relaxations of the Bernoulli distribution (the binary Concrete or Gumbel-sigmoid
distribution): :class:`LogitRelaxedBernoulli` on the reals and :class:`RelaxedBernoulli`, its
sigmoid, on (0, 1).

A draw is ``(logit(p) + logit(U)) / temperature`` for ``U`` uniform on (0, 1), that is the
logistic noise ``logit(U)`` added to the logits and sharpened by the temperature; as the
temperature falls to 0 the sigmoid of a draw tends to a Bernoulli(p) draw. Draws are
reparameterised: gradients reach ``probs`` (or ``logits``) through the shared uniform noise.

>>> import arraygrad as torch
>>> d = torch.distributions.RelaxedBernoulli(torch.tensor(0.5), probs=torch.tensor(0.3))
>>> bool(((d.sample((4,)) > 0) & (d.sample((4,)) < 1)).all())
True
"""

from __future__ import annotations

from typing import Any, ClassVar

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions.discrete import _ONE_OF
from arraygrad.distributions.distribution import (
    Distribution,
    broadcast_params,
    cached_with_grad,
    clamp_probs,
)
from arraygrad.distributions.elementwise_transforms import SigmoidTransform
from arraygrad.distributions.transformed_distribution import TransformedDistribution

__all__ = ["LogitRelaxedBernoulli", "RelaxedBernoulli"]


def _logit(p: ag.Tensor) -> ag.Tensor:
    return p.log() - (-p).log1p()


def _as_tensor(value: Any, like: ag.Tensor) -> ag.Tensor:
    """``value`` (a number or tensor) as a tensor of ``like``'s dtype."""
    if isinstance(value, ag.Tensor):
        return value
    return ag.tensor(float(value), dtype=like.dtype)


def uniform_noise(shape: tuple[int, ...], dtype: Any) -> ag.Tensor:
    """Uniform draws kept one machine epsilon inside (0, 1), so their logs are finite."""
    return clamp_probs(ag.rand(shape, dtype=dtype))


class LogitRelaxedBernoulli(Distribution):
    """The logit of a :class:`RelaxedBernoulli` draw: ``(logit(p) + logit(U)) / temperature``
    for ``U`` uniform on (0, 1). Its density at ``x`` is that of a logistic variable of
    location ``logit(p) / t`` and scale ``1 / t`` (``t`` the temperature):
    ``log t + d - 2 log(1 + e^d)`` with ``d = logit(p) - t x``.

    ``temperature`` is kept as given; a number works here as well as a tensor (torch 2.13's
    ``log_prob`` needs a tensor). As torch's, ``has_rsample`` is False although ``rsample``
    is reparameterised; :class:`RelaxedBernoulli` reports it.

    >>> import arraygrad as torch
    >>> from arraygrad.distributions.relaxed_bernoulli import LogitRelaxedBernoulli
    >>> d = LogitRelaxedBernoulli(torch.tensor(1.0), logits=torch.tensor(0.0))
    >>> d.log_prob(torch.tensor(0.0))
    tensor(-1.3863)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    support = constraints.real

    def __init__(
        self,
        temperature: Any,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        self.temperature = temperature
        if (probs is None) == (logits is None):
            raise ValueError(_ONE_OF)
        name = "probs" if probs is not None else "logits"
        (param,) = broadcast_params(probs if probs is not None else logits)
        self.__dict__[name] = param
        self._param = param
        super().__init__(param.size(), validate_args=validate_args)

    @cached_with_grad
    def probs(self) -> ag.Tensor:
        return self.logits.sigmoid()

    @cached_with_grad
    def logits(self) -> ag.Tensor:
        return _logit(clamp_probs(self.probs))

    @property
    def param_shape(self) -> ag.Size:
        return self._param.size()

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._expanded_copy(batch_shape, {"probs": (), "logits": ()})
        new.temperature = self.temperature
        new._param = new.__dict__["probs" if "probs" in self.__dict__ else "logits"]
        return new

    def rsample(self, sample_shape: Any = ()) -> ag.Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        probs = clamp_probs(self.probs.expand(shape))
        noise = uniform_noise(shape, probs.dtype)
        # logit(U) is standard logistic noise; logit(p) is recomputed from the clamped
        # probabilities so that extreme logits give finite draws
        return (_logit(noise) + _logit(probs)) / self.temperature

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = ag.broadcast_tensors(self.logits, value)
        temperature = _as_tensor(self.temperature, logits)
        diff = logits - value * temperature
        return temperature.log() + diff - 2 * diff.exp().log1p()


class BaseParameters:
    """``temperature``, ``logits`` and ``probs`` of a relaxed distribution, read from the
    distribution it transforms (``base_dist``)."""

    base_dist: Any

    @property
    def temperature(self) -> Any:
        return self.base_dist.temperature  # type: ignore[attr-defined]

    @property
    def logits(self) -> ag.Tensor:
        return self.base_dist.logits  # type: ignore[attr-defined, no-any-return]

    @property
    def probs(self) -> ag.Tensor:
        return self.base_dist.probs  # type: ignore[attr-defined, no-any-return]


class RelaxedBernoulli(BaseParameters, TransformedDistribution):
    """The binary Concrete distribution on (0, 1): the sigmoid of a
    :class:`LogitRelaxedBernoulli` draw, reparameterised.

    >>> import arraygrad as torch
    >>> d = torch.distributions.RelaxedBernoulli(torch.tensor(1.0), logits=torch.tensor(0.0))
    >>> d.log_prob(torch.tensor(0.5))
    tensor(0.)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    support: Any = constraints.unit_interval
    has_rsample = True  # type: ignore[assignment]

    def __init__(
        self,
        temperature: Any,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        base = LogitRelaxedBernoulli(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base, SigmoidTransform(), validate_args=validate_args)
