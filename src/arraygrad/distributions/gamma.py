"""The gamma family and the families built from gamma draws: Gamma, Chi2, Dirichlet, Beta.

Every draw is reparameterised. A standard gamma draw ``x`` of concentration ``a`` (NumPy's
sampler, through arraygrad's generator, so ``manual_seed`` repeats it) has no closed-form
inverse CDF to differentiate; its gradient comes from the implicit function theorem instead:
``F(x; a) = u`` fixed gives ``dx/da = -(dF/da) / (dF/dx)``, with ``F`` the regularised lower
incomplete gamma function and ``dF/dx`` the density. Dirichlet (and so Beta) draws are gamma
draws normalised to sum to one, which carries that gradient through.

>>> import arraygrad as torch
>>> d = torch.distributions.Gamma(torch.tensor([1.0, 2.0]), 2.0)
>>> d.mean
tensor([0.5000, 1.0000])
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import arraygrad as ag
from arraygrad import _dtype
from arraygrad._random import _draw
from arraygrad.distributions import constraints
from arraygrad.distributions.distribution import Distribution, broadcast_params
from arraygrad.distributions.exp_family import ExponentialFamily

# torch's module of this name exposes Gamma alone; Beta, Chi2 and Dirichlet have their own
# import paths (beta, chi2, dirichlet)
__all__ = ["Gamma"]

# relative step of the five-point difference of the incomplete gamma function in ``a``: small
# enough that its O(h^4) truncation error is ~1e-12, large enough that rounding (~1e-16 / h)
# stays below that in float64
_STEP = 1e-3
# from this concentration on, the log-density is taken from Stirling's series (see below)
_STIRLING_FROM = 10.0
# below this |x / a - 1|, log1p(t) - t is summed as its series (terms to t**18 reach 1e-17)
_SERIES_BELOW = 0.1


def _log_density(a: ag.Tensor, x: ag.Tensor) -> ag.Tensor:
    """``log p(x; a)`` of Gamma(a, 1), finite and accurate to rounding for large ``a`` too.

    ``(a - 1) log x - x - lgamma(a)`` subtracts terms of size ``a log a`` to leave one of size
    ~1, losing ``a log a * eps`` (a relative error of 1e-3 in the gradient at a = 1e12, all
    digits at 1e16). With ``t = x / a - 1`` and Stirling's ``lgamma(a)`` it is
    ``a (log1p(t) - t) - log x + log(a / 2 pi) / 2 - (Stirling's correction)``, whose parts
    are all of the size of the result.
    """
    plain = ag.xlogy(a - 1, x) - x - ag.lgamma(a)
    big = ag.maximum(a, ag.full_like(a, _STIRLING_FROM))
    t = (x - big) / big
    small = ag.where(t.abs() < _SERIES_BELOW, t, ag.zeros_like(t))
    series = ag.zeros_like(t)
    for k in range(18, 1, -1):  # log1p(t) - t = sum over k >= 2 of (-1)**(k+1) t**k / k
        series = (series + (-1) ** (k + 1) / k) * small
    series = series * small
    log1pmx = ag.where(t.abs() < _SERIES_BELOW, series, t.log1p() - t)
    correction = (1 / 12 - (1 / 360 - 1 / (1260 * big**2)) / big**2) / big
    stirling = big * log1pmx - x.log() + 0.5 * (big / (2 * math.pi)).log() - correction
    return ag.where(a >= _STIRLING_FROM, stirling, plain)


def standard_gamma_grad(concentration: ag.Tensor, sample: ag.Tensor) -> ag.Tensor:
    """``d sample / d concentration`` of a Gamma(concentration, 1) draw held at its quantile,
    ``-(dP/da) / p(x; a)``, computed in float64 without gradient.

    >>> import arraygrad as torch
    >>> from arraygrad.distributions.gamma import standard_gamma_grad
    >>> standard_gamma_grad(torch.tensor([1.0]), torch.tensor([1.0]))
    tensor([1.1736])
    """
    with ag.no_grad():
        a, x = ag.broadcast_tensors(concentration.detach().double(), sample.detach().double())
        lower = ag.special.gammainc(a, x)
        # difference whichever of P and Q = 1 - P is below one half, so no digits cancel
        use_upper = lower > 0.5
        # the scale over which P varies in a is ~a for small a, ~sqrt(a) for large a
        h = _STEP * ag.minimum(a, a.sqrt())

        def cdf_at(shift: float) -> ag.Tensor:
            shifted = a + shift * h
            upper = -ag.special.gammaincc(shifted, x)  # -Q has P's derivative
            return ag.where(use_upper, upper, ag.special.gammainc(shifted, x))

        d_cdf = (8 * (cdf_at(1) - cdf_at(-1)) - (cdf_at(2) - cdf_at(-2))) / (12 * h)
        # 1 / density, through its logarithm so large x and a do not overflow
        grad = -d_cdf * (-_log_density(a, x)).exp()
        return grad.to(concentration.dtype)


def standard_gamma(concentration: ag.Tensor) -> ag.Tensor:
    """One Gamma(concentration, 1) draw per element, differentiable in ``concentration``.

    >>> import arraygrad as torch
    >>> tuple(standard_gamma(torch.ones(2, 3)).shape)
    (2, 3)
    """
    dtype = concentration.dtype
    with ag.no_grad():
        alpha = concentration.detach().double()
        draw = _draw(None, "standard_gamma", tuple(alpha.shape), _dtype.float64, alpha._data)
        # a small concentration underflows to 0, where the log-density is infinite
        draw = draw.to(dtype).clamp(min=ag.finfo(dtype).tiny)
    if not concentration.requires_grad:
        return draw
    slope = standard_gamma_grad(concentration, draw)
    # the value of draw, with slope as its derivative in concentration
    return draw + slope * (concentration - concentration.detach())


class Gamma(ExponentialFamily):
    """The gamma distribution with shape ``concentration`` and inverse scale ``rate``.

    >>> import arraygrad as torch
    >>> torch.distributions.Gamma(torch.tensor(2.0), 1.0).log_prob(torch.tensor(1.0))
    tensor(-1.)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "concentration": constraints.positive,
        "rate": constraints.positive,
    }
    support: Any = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_params(concentration, rate)
        super().__init__(self.concentration.size(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        return self._expanded_copy(batch_shape, {"concentration": (), "rate": ()})

    @property
    def _natural_params(self) -> tuple[ag.Tensor, ...]:
        return (self.concentration - 1, -self.rate)

    def _log_normalizer(self, *natural_params: Any) -> ag.Tensor:
        x, y = natural_params
        return ag.lgamma(x + 1) + (x + 1) * (-y).reciprocal().log()

    @property
    def _mean_carrier_measure(self) -> Any:
        return 0

    @property
    def mean(self) -> ag.Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> ag.Tensor:
        # below concentration 1 the density is highest (infinite) at 0
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> ag.Tensor:
        return self.concentration / self.rate**2

    def rsample(self, sample_shape: Any = ()) -> ag.Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        return standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        c, r = self.concentration, self.rate
        return ag.xlogy(c, r) + ag.xlogy(c - 1, value) - r * value - ag.lgamma(c)

    def cdf(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        scaled = self.rate * value
        return ag.special.gammainc(self.concentration.expand_as(scaled), scaled)

    def entropy(self) -> ag.Tensor:
        c = self.concentration
        return c - self.rate.log() + ag.lgamma(c) + (1 - c) * ag.digamma(c)


class Chi2(Gamma):
    """The chi-squared distribution with ``df`` degrees of freedom: Gamma(df / 2, 1 / 2).

    >>> import arraygrad as torch
    >>> torch.distributions.Chi2(torch.tensor(4.0)).variance
    tensor(8.)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {  # type: ignore[misc]
        "df": constraints.positive
    }

    def __init__(self, df: Any, validate_args: bool | None = None) -> None:
        (df,) = broadcast_params(df)
        super().__init__(0.5 * df, ag.full_like(df, 0.5), validate_args=validate_args)

    @property
    def df(self) -> ag.Tensor:
        return self.concentration * 2


class Dirichlet(ExponentialFamily):
    """The Dirichlet distribution over the probability simplex of the last dimension of
    ``concentration``.

    >>> import arraygrad as torch
    >>> torch.distributions.Dirichlet(torch.tensor([1.0, 3.0])).mean
    tensor([0.2500, 0.7500])
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "concentration": constraints.independent(constraints.positive, 1)
    }
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: ag.Tensor, validate_args: bool | None = None) -> None:
        if concentration.dim() < 1:
            raise ValueError(
                "`concentration` parameter must be at least one-dimensional."
                f" (got shape {list(concentration.shape)}). Fix: pass one concentration per "
                "category in the last dimension, e.g. torch.tensor([a, b])."
            )
        self.concentration = concentration
        shape = concentration.shape
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        return self._expanded_copy(batch_shape, {"concentration": tuple(self._event_shape)})

    @property
    def _natural_params(self) -> tuple[ag.Tensor, ...]:
        return (self.concentration,)

    def _log_normalizer(self, *natural_params: Any) -> ag.Tensor:
        (x,) = natural_params
        return ag.lgamma(x).sum(-1) - ag.lgamma(x.sum(-1))

    @property
    def mean(self) -> ag.Tensor:
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> ag.Tensor:
        excess = (self.concentration - 1).clamp(min=0)
        interior = excess / excess.sum(-1, keepdim=True)
        # every concentration below 1: the density is highest at the corner of the largest
        largest = self.concentration.argmax(-1)
        corner = ag.nn.functional.one_hot(largest, self._event_shape[0]).to(interior.dtype)
        all_below_one = (self.concentration < 1).all(-1, keepdim=True)
        return ag.where(all_below_one, corner, interior)

    @property
    def variance(self) -> ag.Tensor:
        c = self.concentration
        total = c.sum(-1, keepdim=True)
        return c * (total - c) / (total**2 * (total + 1))

    def rsample(self, sample_shape: Any = ()) -> ag.Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        dtype = self.concentration.dtype
        # drawn and normalised in float64: float32 draws of small concentrations underflow
        # to its tiny together, which made 17% of Beta(0.01, 0.01) float32 draws exactly 0.5
        draws = standard_gamma(self.concentration.expand(shape).double())
        info = ag.finfo(dtype)
        # kept inside the open simplex, where the log-density is finite
        simplex = draws / draws.sum(-1, keepdim=True)
        return simplex.clamp(min=info.tiny, max=1 - info.eps).to(dtype)

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        log_norm = ag.lgamma(c.sum(-1)) - ag.lgamma(c).sum(-1)
        return ag.xlogy(c - 1, value).sum(-1) + log_norm

    def entropy(self) -> ag.Tensor:
        c = self.concentration
        total = c.sum(-1)
        log_beta = ag.lgamma(c).sum(-1) - ag.lgamma(total)
        k = self._event_shape[0]
        return log_beta + (total - k) * ag.digamma(total) - ((c - 1) * ag.digamma(c)).sum(-1)


class Beta(ExponentialFamily):
    """The beta distribution on [0, 1] with ``concentration1`` (alpha) and ``concentration0``
    (beta): the first coordinate of a two-class Dirichlet.

    >>> import arraygrad as torch
    >>> torch.distributions.Beta(torch.tensor(2.0), 2.0).mode
    tensor(0.5000)
    """

    arg_constraints: ClassVar[dict[str, constraints.Constraint]] = {
        "concentration1": constraints.positive,
        "concentration0": constraints.positive,
    }
    support = constraints.unit_interval
    has_rsample = True

    def __init__(
        self, concentration1: Any, concentration0: Any, validate_args: bool | None = None
    ) -> None:
        pair = ag.stack(broadcast_params(concentration1, concentration0), -1)
        # validated as a Dirichlet first, so invalid values raise its message, as torch's
        self._dirichlet = Dirichlet(pair, validate_args=validate_args)
        super().__init__(self._dirichlet.batch_shape, validate_args=validate_args)

    @property
    def concentration1(self) -> ag.Tensor:
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self) -> ag.Tensor:
        return self._dirichlet.concentration[..., 1]

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        new = self._expanded_copy(batch_shape, {})
        new._dirichlet = self._dirichlet.expand(batch_shape)
        return new

    @property
    def _natural_params(self) -> tuple[ag.Tensor, ...]:
        return (self.concentration1, self.concentration0)

    def _log_normalizer(self, *natural_params: Any) -> ag.Tensor:
        x, y = natural_params
        return ag.lgamma(x) + ag.lgamma(y) - ag.lgamma(x + y)

    @property
    def mean(self) -> ag.Tensor:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> ag.Tensor:
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self) -> ag.Tensor:
        a, b = self.concentration1, self.concentration0
        total = a + b
        return a * b / (total**2 * (total + 1))

    def rsample(self, sample_shape: Any = ()) -> ag.Tensor:
        return self._dirichlet.rsample(sample_shape)[..., 0]

    def log_prob(self, value: Any) -> ag.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        a, b = self.concentration1, self.concentration0
        log_norm = ag.lgamma(a + b) - ag.lgamma(a) - ag.lgamma(b)
        return ag.xlogy(a - 1, value) + ag.xlogy(b - 1, 1 - value) + log_norm

    def entropy(self) -> ag.Tensor:
        return self._dirichlet.entropy()
