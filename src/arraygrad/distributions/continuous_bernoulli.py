"""The continuous Bernoulli distribution (Loaiza-Ganem and Cunningham, 2019): the density on
[0, 1] proportional to the Bernoulli likelihood ``λ^x (1 - λ)^(1 - x)``.

Its normaliser is ``C(λ) = log((1 - λ) / λ) / (1 - 2λ)``, which, like the mean, variance, cdf
and icdf, is a ratio of two terms that both vanish at ``λ = 1/2``. Within ``lims`` of 1/2 the
closed forms lose their digits to that cancellation, so they are replaced by their Taylor
series in ``y = 2λ - 1``: ``log C = log 2 + y²/3 + 13 y⁴/90``, ``mean = 1/2 + y/6 + 2y³/45``,
``variance = 1/12 - y²/60``, ``cdf(x) = x`` and ``icdf(u) = u`` (to first order).

>>> import arraygrad as torch
>>> torch.distributions.ContinuousBernoulli(torch.tensor(0.5)).mean
tensor(0.5000)
"""

from __future__ import annotations

import math
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
from arraygrad.distributions.exp_family import ExponentialFamily

__all__ = ["ContinuousBernoulli"]


class ContinuousBernoulli(ExponentialFamily):
    """The continuous Bernoulli distribution with parameter ``probs`` (or
    ``sigmoid(logits)``), kept one machine epsilon away from 0 and 1. ``lims`` is the
    interval around 1/2 in which the series replace the closed forms.

    >>> import arraygrad as torch
    >>> d = torch.distributions.ContinuousBernoulli(torch.tensor([0.2, 0.7]))
    >>> d.log_prob(torch.tensor([0.1, 0.9]))
    tensor([0.4757, 0.3092])
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    support = constraints.unit_interval
    has_rsample = True

    def __init__(
        self,
        probs: Any = None,
        logits: Any = None,
        lims: tuple[float, float] = (0.499, 0.501),
        validate_args: bool | None = None,
    ) -> None:
        if (probs is None) == (logits is None):
            raise ValueError(_ONE_OF)
        if probs is not None:
            (param,) = broadcast_params(probs)
            # as torch, the given probabilities are clamped before they are validated
            self.__dict__["probs"] = clamp_probs(param)
        else:
            (param,) = broadcast_params(logits)
            self.__dict__["logits"] = param
        self._lims = lims
        super().__init__(param.size(), validate_args=validate_args)

    @cached_with_grad
    def probs(self) -> ag.Tensor:
        return clamp_probs(self.logits.sigmoid())

    @cached_with_grad
    def logits(self) -> ag.Tensor:
        p = clamp_probs(self.probs)
        return p.log() - (-p).log1p()

    @property
    def param_shape(self) -> ag.Size:
        return self._batch_shape

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._expanded_copy(batch_shape, {"probs": (), "logits": ()})
        new._lims = self._lims
        return new

    def _outside_lims(self) -> ag.Tensor:
        low, high = self._lims
        return (self.probs <= low) | (self.probs >= high)

    def _split(self) -> tuple[ag.Tensor, ag.Tensor, ag.Tensor]:
        """Where the closed forms hold; probs there (1/4 elsewhere, so the discarded branch
        stays finite and passes zero gradients); ``y = 2 probs - 1`` near 1/2 (0 elsewhere)."""
        outside = self._outside_lims()
        safe = ag.where(outside, self.probs, ag.full_like(self.probs, 0.25))
        near = ag.where(outside, ag.zeros_like(self.probs), 2 * self.probs - 1)
        return outside, safe, near

    def _clamped_logits(self) -> ag.Tensor:
        """The logits of the probabilities clamped one epsilon inside (0, 1), as torch's
        forms use, taken from the logits: ``log λ - log(1 - λ)`` from ``λ`` rounded near 1
        loses most of its digits (``1 - λ = 3e-13`` is stored to within 4e-4 of itself)."""
        eps = ag.finfo(self.probs.dtype).eps
        bound = math.log1p(-eps) - math.log(eps)
        return self.logits.clamp(min=-bound, max=bound)

    def _safe_logits(self, outside: ag.Tensor) -> ag.Tensor:
        # logit(1/4) where the series hold, as _split's probabilities
        return ag.where(outside, self._clamped_logits(), ag.full_like(self.probs, -math.log(3)))

    def _log_constant(self) -> ag.Tensor:
        """``log C(λ)``, the density's normalising constant as a function of the probabilities
        (``_log_normalizer`` is the exponential family's, of the natural parameter)."""
        # x / (2λ - 1) in x alone, 2λ - 1 = tanh(x / 2), as the mean (see there)
        outside, _, y = self._split()
        x = self._safe_logits(outside)
        closed = (x / (x / 2).tanh()).log()
        series = math.log(2.0) + y**2 / 3 + 13 * y**4 / 90
        return ag.where(outside, closed, series)

    @property
    def _natural_params(self) -> tuple[ag.Tensor, ...]:
        return (self.logits,)

    def _log_normalizer(self, *natural_params: Any) -> ag.Tensor:
        """``A(x) = log((e^x - 1) / x)``, by its series ``x/2 + x^2/24 - x^4/2880`` where
        ``sigmoid(x)`` lies within ``lims`` (the closed form cancels to 0/0 at 0)."""
        (x,) = natural_params
        low, high = self._lims
        probs = x.sigmoid()
        outside = (probs <= low) | (probs >= high)
        # 1 in the discarded branch keeps its value and gradient finite
        safe = ag.where(outside, x, ag.ones_like(x))
        closed = (ag.expm1(safe) / safe).abs().log()
        near = ag.where(outside, ag.zeros_like(x), x)
        series = near / 2 + near.pow(2) / 24 - near.pow(4) / 2880
        return ag.where(outside, closed, series)

    @property
    def _mean_carrier_measure(self) -> Any:
        return 0

    @property
    def mean(self) -> ag.Tensor:
        # λ / (2λ - 1) - 1 / x with λ = sigmoid(x), written in x alone: 2λ - 1 = tanh(x / 2).
        # The two terms cancel near λ = 1/2; taking λ rounded beside the exact x there put
        # that rounding, times 1 / (2λ - 1)², into the mean and more into its gradient
        # (1.8e-9 relative at x = -0.0085, 5e-8 at 0.0041; these are within 1e-10).
        outside, _, y = self._split()
        x = self._safe_logits(outside)
        # (div, not the operator's reciprocal-then-multiply, whose gradient rounds otherwise:
        # the two terms' slopes cancel too, 1e-10 relative here)
        closed = 0.5 + ag.div(0.5, (x / 2).tanh()) - ag.div(1.0, x)
        series = 0.5 + y / 6 + 2 * y**3 / 45
        return ag.where(outside, closed, series)

    @property
    def variance(self) -> ag.Tensor:
        # λ (λ - 1) / (1 - 2λ)² + 1 / x², in x alone as the mean (λ (1 - λ) = 1/4 - t²/4 for
        # t = tanh(x / 2), so the first term is -1 / (4 sinh²(x / 2)))
        outside, _, y = self._split()
        x = self._safe_logits(outside)
        # (1 / (4 s²), not 0.25 / s²: the operator's reciprocal-then-multiply would round twice,
        # and the two terms cancel near the lims)
        closed = 1 / x**2 - 1 / (4 * (x / 2).sinh() ** 2)
        series = 1 / 12 - y**2 / 60
        return ag.where(outside, closed, series)

    @property
    def stddev(self) -> ag.Tensor:
        return self.variance.sqrt()

    def rsample(self, sample_shape: Any = ()) -> ag.Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        u = ag.rand(shape, dtype=self.probs.dtype)
        return self.icdf(u)

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits = self.logits
        return value * logits + _log_sigmoid(-logits) + self._log_constant()

    def cdf(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        outside, p, _ = self._split()
        powered = (value * p.log() + (1 - value) * (-p).log1p()).exp()
        closed = (powered + p - 1) / (2 * p - 1)
        inside = ag.where(outside, closed, value + ag.zeros_like(closed))
        # 0 below the support and 1 above it, as torch gives (the formula is no cdf there)
        return ag.where(value <= 0, 0.0, ag.where(value >= 1, 1.0, inside))

    def icdf(self, value: Any) -> ag.Tensor:
        outside, p, _ = self._split()
        closed = (value * (2 * p - 1) / (1 - p)).log1p() / self._safe_logits(outside)
        return ag.where(outside, closed, value + ag.zeros_like(closed))

    def entropy(self) -> ag.Tensor:
        # -E[log p(x)] = -(E[x] logit(λ) + log(1 - λ) + log C(λ))
        # as torch, from the probabilities clamped one epsilon inside (0, 1)
        logits = self._clamped_logits()
        return -(self.mean * logits + _log_sigmoid(-logits) + self._log_constant())


def _log_sigmoid(x: ag.Tensor) -> ag.Tensor:
    """``log sigmoid(x) = -softplus(-x)``, for ``log(1 - λ)`` from the logits: from ``λ``
    rounded near 1 it would lose most of its digits (``1 - λ = 3e-13`` is stored to within
    4e-4 of itself)."""
    return x.clamp(max=0) - (-x.abs()).exp().log1p()
