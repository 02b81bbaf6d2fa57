"""Discrete families: Bernoulli, Categorical, OneHotCategorical (and its straight-through
variant) and Poisson.

The first three are given by ``probs`` or by ``logits`` (exactly one); the other is computed on
first use and kept, as torch does.

>>> import arraygrad as torch
>>> d = torch.distributions.Bernoulli(torch.tensor([0.25, 0.5]))
>>> d.log_prob(torch.tensor([1.0, 0.0])).exp()
tensor([0.2500, 0.5000])
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import arraygrad as ag
from arraygrad.distributions import constraints
from arraygrad.distributions.distribution import (
    Distribution,
    as_size,
    broadcast_params,
    cached_with_grad,
    clamp_probs,
)
from arraygrad.distributions.exp_family import ExponentialFamily

__all__ = [
    "Bernoulli",
    "Categorical",
    "OneHotCategorical",
    "OneHotCategoricalStraightThrough",
    "Poisson",
]

# torch's words, then the fix (shared by every family parametrised by probs or logits)
_ONE_OF = (
    "Either `probs` or `logits` must be specified, but not both."
    " Fix: pass exactly one of probs=... or logits=..."
)


def _softplus(x: ag.Tensor) -> ag.Tensor:
    """log(1 + exp(x)), without overflow for large x."""
    return x.clamp(min=0) + (-x.abs()).exp().log1p()


class Bernoulli(ExponentialFamily):
    """Draws of 1 with probability ``probs`` (or ``sigmoid(logits)``), else 0.

    >>> import arraygrad as torch
    >>> torch.distributions.Bernoulli(logits=torch.tensor(0.0)).probs
    tensor(0.5000)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        if (probs is None) == (logits is None):
            raise ValueError(_ONE_OF)
        name = "probs" if probs is not None else "logits"
        (param,) = broadcast_params(probs if probs is not None else logits)
        self.__dict__[name] = param
        super().__init__(param.size(), validate_args=validate_args)

    @property
    def _natural_params(self) -> tuple[ag.Tensor, ...]:
        # as torch, the log-odds of the probabilities (infinite where they round to 0 or 1),
        # not the logits the distribution may have been given
        return (ag.logit(self.probs),)

    def _log_normalizer(self, *natural_params: Any) -> ag.Tensor:
        (x,) = natural_params
        return ag.logaddexp(ag.zeros_like(x), x)  # log(1 + e^x) without overflow

    @property
    def _mean_carrier_measure(self) -> Any:
        return 0

    @cached_with_grad
    def probs(self) -> ag.Tensor:
        return self.logits.sigmoid()

    @cached_with_grad
    def logits(self) -> ag.Tensor:
        p = clamp_probs(self.probs)
        return p.log() - (-p).log1p()

    @property
    def param_shape(self) -> ag.Size:
        return self._batch_shape

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        return self._expanded_copy(batch_shape, {"probs": (), "logits": ()})

    @property
    def mean(self) -> ag.Tensor:
        return self.probs

    @property
    def mode(self) -> ag.Tensor:
        mode = (self.probs > 0.5).to(self.probs.dtype)
        return mode.masked_fill(self.probs == 0.5, math.nan)  # a tie has no single mode

    @property
    def variance(self) -> ag.Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> ag.Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        with ag.no_grad():
            return ag.bernoulli(self.probs.expand(shape))

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = ag.broadcast_tensors(self.logits, value)
        # log p = -softplus(-l) and log(1 - p) = -softplus(l)
        return value * logits - _softplus(logits)

    def entropy(self) -> ag.Tensor:
        return _softplus(self.logits) - self.probs * self.logits

    def enumerate_support(self, expand: bool = True) -> ag.Tensor:
        values = ag.arange(2, dtype=self._param.dtype)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((2, *self._batch_shape)) if expand else values

    @property
    def _param(self) -> ag.Tensor:
        return self.__dict__["probs"] if "probs" in self.__dict__ else self.__dict__["logits"]


class Categorical(Distribution):
    """Draws of a class index in ``[0, K)`` with the probabilities ``probs`` (normalised over
    the last dimension) or ``softmax(logits)``.

    >>> import arraygrad as torch
    >>> torch.distributions.Categorical(torch.tensor([1.0, 3.0])).probs
    tensor([0.2500, 0.7500])
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.simplex,
        "logits": constraints.real_vector,
    }
    has_enumerate_support = True

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        if (probs is None) == (logits is None):
            raise ValueError(_ONE_OF)
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError(
                    "`probs` parameter must be at least one-dimensional."
                    f" (got shape {list(probs.shape)}). Fix: give probs a last dimension of "
                    "categories, e.g. probs.unsqueeze(-1) or torch.tensor([p, 1 - p])."
                )
            self.__dict__["probs"] = probs / probs.sum(-1, keepdim=True)
            param = probs
        else:
            if logits.dim() < 1:
                raise ValueError(
                    "`logits` parameter must be at least one-dimensional."
                    f" (got shape {list(logits.shape)}). Fix: give logits a last dimension of "
                    "categories, e.g. logits.unsqueeze(-1)."
                )
            self.__dict__["logits"] = logits - logits.logsumexp(-1, keepdim=True)
            param = logits
        self._num_events = param.shape[-1]
        batch_shape = param.shape[:-1] if param.dim() > 1 else ()
        super().__init__(batch_shape, validate_args=validate_args)

    @cached_with_grad
    def probs(self) -> ag.Tensor:
        return self.logits.softmax(-1)

    @cached_with_grad
    def logits(self) -> ag.Tensor:
        return clamp_probs(self.probs).log()

    @property
    def param_shape(self) -> ag.Size:
        return as_size((*self._batch_shape, self._num_events))

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self._num_events - 1)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        trailing = (self._num_events,)
        new = self._expanded_copy(batch_shape, {"probs": trailing, "logits": trailing})
        new._num_events = self._num_events
        return new

    @property
    def mean(self) -> ag.Tensor:
        return ag.full(tuple(self._extended_shape()), math.nan, dtype=self.probs.dtype)

    @property
    def mode(self) -> ag.Tensor:
        return self.probs.argmax(-1)

    @property
    def variance(self) -> ag.Tensor:
        return self.mean

    def sample(self, sample_shape: Any = ()) -> ag.Tensor:
        sample_shape = as_size(sample_shape)
        with ag.no_grad():
            rows = self.probs.reshape(-1, self._num_events)
            draws = ag.multinomial(rows, max(sample_shape.numel(), 1), True).T
            return draws.reshape(tuple(self._extended_shape(sample_shape)))

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        index = value.long().unsqueeze(-1)
        index, log_pmf = ag.broadcast_tensors(index, self.logits)
        return log_pmf.gather(-1, index[..., :1]).squeeze(-1)

    def entropy(self) -> ag.Tensor:
        # a class of probability 0 adds 0 (its clamped logit is finite, times 0)
        logits = self.logits.clamp(min=ag.finfo(self.logits.dtype).min)
        return -(self.probs * logits).sum(-1)

    def enumerate_support(self, expand: bool = True) -> ag.Tensor:
        values = ag.arange(self._num_events, dtype=ag.int64)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((self._num_events, *self._batch_shape)) if expand else values


class CategoricalParameters:
    """``probs``, ``logits`` and ``param_shape`` of a distribution built on a
    :class:`Categorical` over its classes (``_categorical``), which holds and checks them."""

    _categorical: Categorical

    @property
    def probs(self) -> ag.Tensor:
        return self._categorical.probs

    @property
    def logits(self) -> ag.Tensor:
        return self._categorical.logits

    @property
    def param_shape(self) -> ag.Size:
        return self._categorical.param_shape


class OneHotCategorical(CategoricalParameters, Distribution):
    """A :class:`Categorical` whose draws are one-hot vectors of length ``K``.

    >>> import arraygrad as torch
    >>> torch.distributions.OneHotCategorical(torch.tensor([0.0, 1.0])).sample()
    tensor([0., 1.])
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.simplex,
        "logits": constraints.real_vector,
    }
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        super().__init__(
            self._categorical.batch_shape,
            self._categorical.param_shape[-1:],
            validate_args=validate_args,
        )

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._expanded_copy(batch_shape, {})
        new._categorical = self._categorical.expand(batch_shape)
        return new

    @property
    def mean(self) -> ag.Tensor:
        return self.probs

    @property
    def mode(self) -> ag.Tensor:
        return self._one_hot(self.probs.argmax(-1))

    @property
    def variance(self) -> ag.Tensor:
        return self.probs * (1 - self.probs)

    def _one_hot(self, index: ag.Tensor) -> ag.Tensor:
        k = self._event_shape[0]
        return ag.nn.functional.one_hot(index, k).to(self.probs.dtype)

    def sample(self, sample_shape: Any = ()) -> ag.Tensor:
        return self._one_hot(self._categorical.sample(sample_shape))

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(value.argmax(-1))

    def entropy(self) -> ag.Tensor:
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> ag.Tensor:
        k = self._event_shape[0]
        values = ag.eye(k, dtype=self.probs.dtype)
        values = values.reshape((k,) + (1,) * len(self._batch_shape) + (k,))
        return values.expand((k, *self._batch_shape, k)) if expand else values


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """A :class:`OneHotCategorical` whose ``rsample`` passes gradients straight through: the
    value is a one-hot draw, its gradient that of the class probabilities (the draw plus
    ``probs - probs.detach()``), a biased but useful estimator.

    >>> import arraygrad as torch
    >>> p = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> d = torch.distributions.OneHotCategoricalStraightThrough(p)
    >>> d.rsample()
    tensor([0., 1.], grad_fn=<AddBackward0>)
    """

    has_rsample = True

    def rsample(self, sample_shape: Any = ()) -> ag.Tensor:
        draw = self.sample(sample_shape)
        probs = self._categorical.probs
        return draw + (probs - probs.detach())


class Poisson(ExponentialFamily):
    """Counts of events occurring at ``rate`` per unit interval.

    >>> import arraygrad as torch
    >>> torch.distributions.Poisson(torch.tensor(2.0)).log_prob(torch.tensor(0.0)).exp()
    tensor(0.1353)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_params(rate)
        super().__init__(self.rate.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        return self._expanded_copy(batch_shape, {"rate": ()})

    @property
    def _natural_params(self) -> tuple[ag.Tensor, ...]:
        return (self.rate.log(),)

    def _log_normalizer(self, *natural_params: Any) -> ag.Tensor:
        (x,) = natural_params
        return x.exp()

    @property
    def mean(self) -> ag.Tensor:
        return self.rate

    @property
    def mode(self) -> ag.Tensor:
        return self.rate.floor()

    @property
    def variance(self) -> ag.Tensor:
        return self.rate

    def sample(self, sample_shape: Any = ()) -> ag.Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        with ag.no_grad():
            return ag.poisson(self.rate.expand(shape))

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        # k log(rate) is 0 at k = 0 even where the rate is 0
        return ag.xlogy(value, self.rate) - self.rate - ag.lgamma(value + 1)
