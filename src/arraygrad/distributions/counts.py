"""Counting families built on repeated trials: Binomial (successes in ``n`` trials), Geometric
(failures before the first success), NegativeBinomial (successes before the ``r``-th failure)
and Multinomial (the counts of each of ``K`` classes in ``n`` categorical trials).

Each is given by its trial probability ``probs`` or by ``logits = log(p / (1 - p))`` (exactly
one); the other is computed on first use and kept. Probabilities become logits after being
kept one machine epsilon inside (0, 1), so a probability of 0 or 1 gives large finite logits,
as torch's do.

>>> import arraygrad as torch
>>> d = torch.distributions.Binomial(4, torch.tensor(0.5))
>>> d.log_prob(torch.tensor(2.0)).exp()
tensor(0.3750)
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import arraygrad as ag
from arraygrad._random import _draw
from arraygrad.distributions import constraints
from arraygrad.distributions.discrete import _ONE_OF, Categorical, CategoricalParameters
from arraygrad.distributions.distribution import (
    Distribution,
    broadcast_params,
    cached_with_grad,
    clamp_probs,
)
from arraygrad.distributions.gamma import Gamma

__all__ = ["Binomial", "Geometric", "Multinomial", "NegativeBinomial"]


def _softplus(x: ag.Tensor) -> ag.Tensor:
    """``log(1 + exp(x))`` to the last bit: nn.functional.softplus returns ``x`` itself past
    20, dropping the ``exp(-x)`` that is all of Binomial's log_prob at ``k = n`` (it was 0
    for -3e-11 at logits 26)."""
    return ag.logaddexp(x, ag.zeros_like(x))


def _log_sigmoid(x: ag.Tensor) -> ag.Tensor:
    return ag.nn.functional.logsigmoid(x)


def _as_tensor(value: Any, dtype: ag.dtype) -> ag.Tensor:
    if isinstance(value, ag.Tensor):
        return value.to(dtype)
    return ag.tensor(float(value), dtype=dtype)


class _TrialProbability(Distribution):
    """Shared handling of a success probability given as ``probs`` or as ``logits``."""

    def _store_probability(self, probs: Any, logits: Any, *others: Any) -> list[ag.Tensor]:
        """Keep whichever of probs and logits was given (broadcast with ``others``, which take
        its dtype) in the instance's dict; return the broadcast ``others`` then the parameter."""
        if (probs is None) == (logits is None):
            raise ValueError(_ONE_OF)
        name = "probs" if probs is not None else "logits"
        (param,) = broadcast_params(probs if probs is not None else logits)
        as_tensors = [_as_tensor(v, param.dtype) for v in others]
        *rest, param = ag.broadcast_tensors(*as_tensors, param)
        self.__dict__[name] = param
        return [*rest, param]

    @cached_with_grad
    def probs(self) -> ag.Tensor:
        return self.logits.sigmoid()

    @cached_with_grad
    def logits(self) -> ag.Tensor:
        p = clamp_probs(self.probs)
        return p.log() - (-p).log1p()

    @property
    def _param(self) -> ag.Tensor:
        return self.__dict__["probs"] if "probs" in self.__dict__ else self.__dict__["logits"]

    @property
    def param_shape(self) -> ag.Size:
        return self._param.size()


class Binomial(_TrialProbability):
    """The number of successes in ``total_count`` independent trials of success probability
    ``probs``: ``P(k) = C(n, k) p^k (1 - p)^(n - k)`` for ``k`` in ``0..n``; mean ``n p``,
    variance ``n p (1 - p)``.

    >>> import arraygrad as torch
    >>> torch.distributions.Binomial(10, torch.tensor(0.25)).mean
    tensor(2.5000)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "total_count": constraints.nonnegative_integer,
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    has_enumerate_support = True

    def __init__(
        self,
        total_count: Any = 1,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        self.total_count, param = self._store_probability(probs, logits, total_count)
        super().__init__(param.size(), validate_args=validate_args)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        n = self.total_count
        return constraints.integer_interval(0, n.item() if n.dim() == 0 else n)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        return self._expanded_copy(batch_shape, {"total_count": (), "probs": (), "logits": ()})

    @property
    def mean(self) -> ag.Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> ag.Tensor:
        # the largest k with P(k) >= P(k - 1), that is k <= (n + 1) p
        n = self.total_count
        return ((n + 1) * self.probs).floor().clamp(max=n)

    @property
    def variance(self) -> ag.Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> ag.Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        with ag.no_grad():
            trials = self.total_count.expand(shape).detach().long()
            chance = self.probs.expand(shape).detach().double()
            return _draw(None, "binomial", shape, self._param.dtype, trials._data, chance._data)

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        n, k, logits = self.total_count, value, self.logits
        log_choose = ag.lgamma(n + 1) - ag.lgamma(k + 1) - ag.lgamma(n - k + 1)
        # k log p + (n - k) log(1 - p), with log p = -softplus(-logit) and log(1 - p) =
        # -softplus(logit): the form k logit - n softplus(logit) cancels at k = n
        log_pmf = log_choose - k * _softplus(-logits) - (n - k) * _softplus(logits)
        # torch leaves the mass at an infinite logit undefined (nan), and its gradient in n
        # with it; logits - logits is 0 where finite and nan where infinite, and sends the
        # logits no gradient
        return log_pmf + n * (logits - logits)

    def _homogeneous_count(self, method: str) -> int:
        """The one trial count shared by the whole batch; methods that enumerate the support
        need it."""
        n = self.total_count
        largest = int(n.max().item()) if n.numel() else 0
        if n.numel() and largest != int(n.min().item()):
            raise NotImplementedError(
                f"Inhomogeneous total count not supported by `{method}`."
                f" (got total_count from {largest} down to {int(n.min().item())}). Fix: give "
                "the whole batch one total_count, or call it on each count's slice."
            )
        return largest

    def enumerate_support(self, expand: bool = True) -> ag.Tensor:
        n = self._homogeneous_count("enumerate_support")
        values = ag.arange(1 + n, dtype=self._param.dtype)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((1 + n, *self._batch_shape)) if expand else values

    def entropy(self) -> ag.Tensor:
        """``-sum_k P(k) log P(k)`` over the (finite) support."""
        n = self._homogeneous_count("entropy")
        values = ag.arange(1 + n, dtype=self._param.dtype)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        log_pmf = self.log_prob(values.expand((1 + n, *self._batch_shape)))
        return -(log_pmf.exp() * log_pmf).sum(0)


class Geometric(_TrialProbability):
    """The number of failures before the first success in trials of success probability
    ``probs``: ``P(k) = (1 - p)^k p`` for ``k >= 0``; mean ``1 / p - 1``, variance
    ``(1 / p - 1) / p``.

    >>> import arraygrad as torch
    >>> torch.distributions.Geometric(torch.tensor(0.5)).log_prob(torch.tensor(1.0)).exp()
    tensor(0.2500)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    support = constraints.nonnegative_integer

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        (param,) = self._store_probability(probs, logits)
        # which was given, whichever is later computed from it and kept (for the entropy)
        self._from_probs = probs is not None
        super().__init__(param.size(), validate_args=validate_args)
        if self._validate_args and probs is not None:
            self._check_positive()

    def _check_positive(self) -> None:
        """A probability of 0 never succeeds, so has no distribution: torch rejects it with
        its own message, listing the offending values."""
        probs = self.probs
        bad = ~(probs > 0)
        if bool(bad.any()):
            raise ValueError(
                f"Expected parameter probs ({type(probs).__name__} of shape "
                f"{tuple(probs.shape)}) of distribution {self!r} to be positive but found "
                f"invalid values:\n{probs[bad]}"
                "\nFix: pass probs in (0, 1] (a probability of 0 never succeeds)."
            )

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._expanded_copy(batch_shape, {"probs": (), "logits": ()})
        new._from_probs = self._from_probs
        return new

    @property
    def mean(self) -> ag.Tensor:
        return 1 / self.probs - 1

    @property
    def mode(self) -> ag.Tensor:
        return ag.zeros_like(self.probs)

    @property
    def variance(self) -> ag.Tensor:
        return (1 / self.probs - 1) / self.probs

    def sample(self, sample_shape: Any = ()) -> ag.Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        with ag.no_grad():
            probs = self.probs.detach()
            # inversion: P(K >= k) = (1 - p)^k, so K = floor(log u / log(1 - p))
            u = ag.rand(shape, dtype=probs.dtype).clamp(min=ag.finfo(probs.dtype).tiny)
            return (u.log() / (-probs).log1p()).floor()

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value, probs = ag.broadcast_tensors(value, self.probs)
        # k log(1 - p) is 0 at k = 0 even where p = 1: there p is replaced by 0, which also
        # keeps the gradients finite
        certain = (value == 0) & (probs == 1)
        safe = ag.where(certain, ag.zeros_like(probs), probs)
        return value * (-safe).log1p() + probs.log()

    def entropy(self) -> ag.Tensor:
        """``(-(1 - p) log(1 - p) - p log p) / p``: a trial's entropy over the mean number of
        trials ``1 / p``, from whichever of probs and logits was given (the other, derived
        from the clamped probabilities, loses the tails: p = 1e-20 gave 22240, not 47.05)."""
        if self._from_probs:
            p = self.probs
            # -(1 - p) log1p(-p) / p - log p, accurate at both ends. At p = 1 (no failures:
            # entropy 0, an infinite slope) PyTorch's value and gradient, from the logits its
            # clamp keeps finite (eps and -log((1 - eps) / eps)), which the KLs build on.
            at_one = p == 1
            safe = ag.where(at_one, ag.full_like(p, 0.5), p)
            value = -(1 - safe) * (-safe).log1p() / safe - safe.log()
            one = ag.where(at_one, p, ag.ones_like(p))  # (finite off p = 1, for the gradient)
            edge = (_softplus(self.logits) - one * self.logits) / one
            return ag.where(at_one, edge, value)
        # with t = exp(-|l|) and u = log(1 + t): (1 - p) / p = exp(-l), -log(1 - p) =
        # softplus(l) and -log p = softplus(-l), so the entropy is
        # exp(-l) softplus(l) + softplus(-l): t (l + u) + u for l > 0, u / t - l + u for l <= 0
        # (t from each side's own clamp, not |l|, whose zero slope at 0 would stop gradients)
        logits = self.logits
        t_above = (-logits.clamp(min=0)).exp()
        u_above = t_above.log1p()
        t_below = logits.clamp(max=0).exp()
        u_below = t_below.log1p()
        # u / t -> 1 as t underflows (logits below -745); kept off 0 for a finite gradient
        vanished = t_below == 0
        safe = ag.where(vanished, ag.ones_like(t_below), t_below)
        ratio = ag.where(vanished, ag.ones_like(t_below), u_below / safe)
        value = ag.where(
            logits > 0, t_above * (logits + u_above) + u_above, ratio - logits + u_below
        )
        # infinite logits (p of 0 or 1, as limits) give nan, as torch's
        return ag.where(logits.isinf(), ag.full_like(value, math.nan), value)


class NegativeBinomial(_TrialProbability):
    """The number of successes before ``total_count`` failures in trials of success
    probability ``probs``: ``P(k) = C(k + r - 1, k) p^k (1 - p)^r``; mean ``r p / (1 - p)``,
    variance ``r p / (1 - p)^2``.

    >>> import arraygrad as torch
    >>> torch.distributions.NegativeBinomial(torch.tensor(3.0), torch.tensor(0.5)).mean
    tensor(3.)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "total_count": constraints.greater_than_eq(0),
        "probs": constraints.half_open_interval(0.0, 1.0),
        "logits": constraints.real,
    }
    support = constraints.nonnegative_integer

    def __init__(
        self,
        total_count: Any,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        self.total_count, param = self._store_probability(probs, logits, total_count)
        super().__init__(param.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        return self._expanded_copy(batch_shape, {"total_count": (), "probs": (), "logits": ()})

    @property
    def mean(self) -> ag.Tensor:
        return self.total_count * self.logits.exp()  # r p / (1 - p), the odds being exp(logit)

    @property
    def mode(self) -> ag.Tensor:
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self) -> ag.Tensor:
        return self.mean / (-self.logits).sigmoid()

    def sample(self, sample_shape: Any = ()) -> ag.Tensor:
        # a Poisson count whose rate is Gamma(r, (1 - p) / p): the gamma-Poisson mixture
        with ag.no_grad():
            rate = Gamma(self.total_count, (-self.logits).exp(), validate_args=False)
            return ag.poisson(rate.sample(sample_shape))

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        r, k, logits = self.total_count, value, self.logits
        # r log(1 - p) + k log p, both from the logits
        unnormalised = r * _log_sigmoid(-logits) + k * _log_sigmoid(logits)
        # log C(k + r - 1, k); at r + k = 0 (no trials at all) the coefficient is 1
        log_choose = ag.lgamma(r + k) - ag.lgamma(1 + k) - ag.lgamma(r)
        log_choose = ag.where(r + k == 0, ag.zeros_like(log_choose), log_choose)
        return unnormalised + log_choose


class Multinomial(CategoricalParameters, Distribution):
    """The counts of each of ``K`` classes (the last dimension of ``probs`` or ``logits``) in
    ``total_count`` independent categorical trials:
    ``P(x) = n! / prod_i x_i! * prod_i p_i^x_i`` for counts ``x`` summing to ``n``. Each count
    alone is Binomial(n, p_i): mean ``n p_i``, variance ``n p_i (1 - p_i)``.

    >>> import arraygrad as torch
    >>> d = torch.distributions.Multinomial(4, torch.tensor([1.0, 1.0]))
    >>> d.log_prob(torch.tensor([2.0, 2.0])).exp()
    tensor(0.3750)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "probs": constraints.simplex,
        "logits": constraints.real_vector,
    }

    def __init__(
        self,
        total_count: int = 1,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        if not isinstance(total_count, int):
            raise NotImplementedError(
                "inhomogeneous total_count is not supported"
                f" (got {type(total_count).__name__}). Fix: pass total_count as one int for "
                "the whole batch."
            )
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        # each class's count alone, for the entropy (and validating total_count as torch)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        param_shape = self._categorical.param_shape
        super().__init__(param_shape[:-1], param_shape[-1:], validate_args=validate_args)

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self) -> constraints.Constraint:
        return constraints.multinomial(self.total_count)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._expanded_copy(batch_shape, {})
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(batch_shape)
        new._binomial = self._binomial.expand(tuple(batch_shape) + tuple(self._event_shape))
        return new

    @property
    def mean(self) -> ag.Tensor:
        return self.probs * self.total_count

    @property
    def variance(self) -> ag.Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> ag.Tensor:
        sample_shape = tuple(sample_shape)
        k = self._event_shape[0]
        with ag.no_grad():
            # the class of every trial, trials first, then counted per class
            trials = self._categorical.sample((self.total_count, *sample_shape))
            counts = ag.nn.functional.one_hot(trials, k).sum(0)
            return counts.to(self.probs.dtype)

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = ag.broadcast_tensors(self.logits, value)
        # x_i log p_i is 0 where x_i = 0, even for a class of probability 0 (logit -inf)
        impossible = (value == 0) & (logits == -math.inf)
        weighted = value * ag.where(impossible, ag.zeros_like(logits), logits)
        log_coefficient = ag.lgamma(value.sum(-1) + 1) - ag.lgamma(value + 1).sum(-1)
        return log_coefficient + weighted.sum(-1)

    def entropy(self) -> ag.Tensor:
        """``n H(p) - log n! + sum_i E[log x_i!]``, with ``x_i ~ Binomial(n, p_i)`` for the
        last term (summed over its ``n + 1`` values)."""
        n = self.total_count
        counts = self._binomial.enumerate_support()  # (n + 1, *batch, K)
        marginal = self._binomial.log_prob(counts).exp()
        expected_log_factorials = (marginal * ag.lgamma(counts + 1)).sum(0).sum(-1)
        return (
            n * self._categorical.entropy()
            - ag.lgamma(ag.tensor(float(n + 1), dtype=self.probs.dtype))
            + expected_log_factorials
        )
