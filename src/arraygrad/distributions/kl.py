"""Closed-form Kullback-Leibler divergences ``KL(p || q)``, dispatched on the pair of types.

Most cross-family forms use ``KL(p || q) = -H(p) - E_p[log q(x)]`` with ``E_p[log q]`` in
closed form from p's moments (q normal), its moment generating function (q Gumbel) or its mean
absolute deviation (q Laplace). Where q's support misses part of p's, the divergence is
infinite.

>>> import arraygrad as torch
>>> D = torch.distributions
>>> D.kl_divergence(D.Normal(0.0, 1.0), D.Normal(1.0, 1.0))
tensor(0.5000)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any as _Any

import arraygrad as _ag
from arraygrad.distributions.continuous import Exponential, Laplace, Normal, Uniform
from arraygrad.distributions.continuous import LogNormal as _LogNormal
from arraygrad.distributions.continuous_bernoulli import ContinuousBernoulli, _log_sigmoid
from arraygrad.distributions.counts import Binomial, Geometric
from arraygrad.distributions.discrete import Bernoulli, Categorical, OneHotCategorical, Poisson
from arraygrad.distributions.distribution import Distribution
from arraygrad.distributions.distribution import sum_rightmost as _sum_rightmost
from arraygrad.distributions.exp_family import ExponentialFamily
from arraygrad.distributions.exp_family import bregman_kl as _bregman_kl
from arraygrad.distributions.folded import Cauchy, HalfNormal
from arraygrad.distributions.gamma import Beta, Dirichlet, Gamma
from arraygrad.distributions.multivariate import Independent, MultivariateNormal
from arraygrad.distributions.transformed_distribution import TransformedDistribution
from arraygrad.distributions.transformed_families import Gumbel, Pareto, _finite_part

if TYPE_CHECKING:
    from typing import Any

    from arraygrad.distributions.continuous import LogNormal

__all__ = ["kl_divergence", "register_kl"]

_EULER_GAMMA = 0.5772156649015329
_HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)

_KLFunction = Callable[[_Any, _Any], _Any]
_REGISTRY: dict[tuple[type, type], _KLFunction] = {}


def register_kl(type_p: type, type_q: type) -> Callable[[_KLFunction], _KLFunction]:
    """Decorator registering ``fn(p, q)`` as KL(p || q) for instances of the two types (and
    their subclasses, unless a more specific pair is registered).

    >>> import arraygrad as torch
    >>> D = torch.distributions
    >>> class Standard(D.Normal):
    ...     pass
    >>> @D.register_kl(Standard, Standard)
    ... def _kl(p, q):
    ...     return torch.tensor(0.0)
    """
    for kind in (type_p, type_q):
        if not (isinstance(kind, type) and issubclass(kind, Distribution)):
            raise TypeError(
                f"Expected a subclass of Distribution but got {kind}"
                ". Fix: register the classes, e.g. @register_kl(Normal, Normal), not "
                "instances or other types."
            )

    def decorator(fn: _KLFunction) -> _KLFunction:
        _REGISTRY[type_p, type_q] = fn
        return fn

    return decorator


def _lookup(type_p: type, type_q: type) -> _KLFunction | None:
    """The function of the registered pair nearest to (type_p, type_q) in their MROs."""
    best: tuple[tuple[int, int], _KLFunction] | None = None
    for (kind_p, kind_q), fn in _REGISTRY.items():
        if issubclass(type_p, kind_p) and issubclass(type_q, kind_q):
            rank = (type_p.__mro__.index(kind_p), type_q.__mro__.index(kind_q))
            if best is None or rank < best[0]:
                best = (rank, fn)
    return None if best is None else best[1]


def kl_divergence(p: Distribution, q: Distribution) -> _ag.Tensor:
    """KL(p || q), one value per element of the batch.

    >>> import arraygrad as torch
    >>> D = torch.distributions
    >>> D.kl_divergence(D.Bernoulli(torch.tensor(0.5)), D.Bernoulli(torch.tensor(0.5)))
    tensor(0.)
    """
    fn = _lookup(type(p), type(q))
    if fn is None:
        raise NotImplementedError(
            f"No KL(p || q) is implemented for p type {type(p).__name__} and q type "
            f"{type(q).__name__}"
            f". Fix: register one with @register_kl({type(p).__name__}, {type(q).__name__}), "
            "or estimate it by sampling: (p.log_prob(x) - q.log_prob(x)).mean() with "
            "x = p.sample((n,))."
        )
    return fn(p, q)


def _infinite(p: Distribution, q: Distribution) -> _ag.Tensor:
    """Infinity over p's batch (as torch, even where q's batch is larger): q gives zero
    density where p has mass."""
    tensors = [v for v in vars(p).values() if isinstance(v, _ag.Tensor)]
    # families that keep their parameters inside another distribution (Beta) show the
    # dtype through their mean
    dtype = tensors[0].dtype if tensors else p.mean.dtype
    return _ag.full(tuple(p.batch_shape), math.inf, dtype=dtype)


def _where_inf(condition: _ag.Tensor, value: _ag.Tensor) -> _ag.Tensor:
    """``value`` with infinity where ``condition`` holds (and no gradient there)."""
    inf = _ag.tensor(math.inf, dtype=value.dtype)
    return _ag.where(condition, inf, value)


# ---- within a family ----


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal) -> _ag.Tensor:
    ratio = (p.scale / q.scale) ** 2
    shift = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (ratio + shift - 1 - ratio.log())


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p: Laplace, q: Laplace) -> _ag.Tensor:
    gap = (p.loc - q.loc).abs()
    return (
        (q.scale / p.scale).log() + gap / q.scale + p.scale / q.scale * (-gap / p.scale).exp() - 1
    )


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p: Gumbel, q: Gumbel) -> _ag.Tensor:
    return -p.entropy() + _gumbel_cross_terms(
        q, p.mean, (q.loc - p.loc) / q.scale + _ag.lgamma(1 + p.scale / q.scale)
    )


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p: Exponential, q: Exponential) -> _ag.Tensor:
    ratio = q.rate / p.rate
    return ratio - 1 - ratio.log()


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p: Uniform, q: Uniform) -> _ag.Tensor:
    value = ((q.high - q.low) / (p.high - p.low)).log()
    return _where_inf((q.low > p.low) | (q.high < p.high), value)


@register_kl(_LogNormal, _LogNormal)
def _kl_lognormal_lognormal(p: LogNormal, q: LogNormal) -> _ag.Tensor:
    return _kl_normal_normal(p.base_dist, q.base_dist)  # KL is invariant under exp


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> _ag.Tensor:
    # p log(p / q) + (1 - p) log((1 - p) / (1 - q)), the logs through softplus of the logits;
    # a term whose weight is 0 is 0, one whose q-probability is 0 is infinite
    one = p.probs * (_ag.nn.functional.softplus(-q.logits) - _ag.nn.functional.softplus(-p.logits))
    one = _ag.where(p.probs == 0, 0.0, _where_inf(q.probs == 0, one))
    zero = (1 - p.probs) * (
        _ag.nn.functional.softplus(q.logits) - _ag.nn.functional.softplus(p.logits)
    )
    zero = _ag.where(p.probs == 1, 0.0, _where_inf(q.probs == 1, zero))
    return one + zero


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> _ag.Tensor:
    terms = p.probs * (p.logits - q.logits)
    terms = _where_inf((q.probs == 0).expand_as(terms), terms)
    terms = _ag.where((p.probs == 0).expand_as(terms), 0.0, terms)
    return terms.sum(-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehot_onehot(p: OneHotCategorical, q: OneHotCategorical) -> _ag.Tensor:
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p: Gamma, q: Gamma) -> _ag.Tensor:
    # E_p[log x] = digamma(a_p) - log b_p and E_p[x] = a_p / b_p in -H(p) - E_p[log q(x)]
    a_p, b_p, a_q, b_q = p.concentration, p.rate, q.concentration, q.rate
    return (
        (a_p - a_q) * _ag.digamma(a_p)
        - _ag.lgamma(a_p)
        + _ag.lgamma(a_q)
        + a_q * (b_p.log() - b_q.log())
        + a_p * (b_q - b_p) / b_p
    )


def _kl_dirichlet_terms(c_p: _ag.Tensor, c_q: _ag.Tensor) -> _ag.Tensor:
    """KL between Dirichlets of concentrations ``c_p`` and ``c_q`` over the last dimension,
    from E_p[log x_i] = digamma(c_p,i) - digamma(sum c_p)."""
    total_p, total_q = c_p.sum(-1), c_q.sum(-1)
    expected_log = _ag.digamma(c_p) - _ag.digamma(total_p).unsqueeze(-1)
    return (
        _ag.lgamma(total_p)
        - _ag.lgamma(total_q)
        - (_ag.lgamma(c_p) - _ag.lgamma(c_q)).sum(-1)
        + ((c_p - c_q) * expected_log).sum(-1)
    )


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p: Dirichlet, q: Dirichlet) -> _ag.Tensor:
    return _kl_dirichlet_terms(p.concentration, q.concentration)


@register_kl(Beta, Beta)
def _kl_beta_beta(p: Beta, q: Beta) -> _ag.Tensor:
    c_p, c_q = p._dirichlet.concentration, q._dirichlet.concentration
    return _kl_dirichlet_terms(*_ag.broadcast_tensors(c_p, c_q))


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p: Poisson, q: Poisson) -> _ag.Tensor:
    # as torch: nan where p's rate is 0 (0 times an infinite log), inf where only q's is
    return p.rate * (p.rate.log() - q.rate.log()) - (p.rate - q.rate)


@register_kl(Independent, Independent)
def _kl_independent_independent(p: Independent, q: Independent) -> _ag.Tensor:
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError
    inner = kl_divergence(p.base_dist, q.base_dist)
    return _sum_rightmost(inner, p.reinterpreted_batch_ndims)


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p: TransformedDistribution, q: TransformedDistribution) -> Any:
    # KL is invariant under a shared bijection, so it is the bases' KL; torch defines no other
    if p.transforms != q.transforms or p.event_shape != q.event_shape:
        raise NotImplementedError
    return kl_divergence(p.base_dist, q.base_dist)


@register_kl(HalfNormal, HalfNormal)
def _kl_halfnormal_halfnormal(p: HalfNormal, q: HalfNormal) -> _ag.Tensor:
    # folding both by |x| keeps the density ratio, so the KL is the zero-mean normals'
    return _kl_normal_normal(p.base_dist, q.base_dist)  # type: ignore[arg-type]


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p: Cauchy, q: Cauchy) -> _ag.Tensor:
    # log(((s_p + s_q)² + (l_p - l_q)²) / (4 s_p s_q)), Chyzak and Nielsen's closed form
    spread = (p.scale + q.scale) ** 2 + (p.loc - q.loc) ** 2
    return spread.log() - (4 * p.scale * q.scale).log()


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p: MultivariateNormal, q: MultivariateNormal) -> _ag.Tensor:
    if p.event_shape != q.event_shape:
        # (checked first: the solves below would fail with a broadcasting RuntimeError)
        raise ValueError(
            "KL-divergence between two Multivariate Normals with different event shapes "
            "cannot be computed"
            f" (got {list(p.event_shape)} and {list(q.event_shape)}). Fix: compare "
            "distributions over vectors of the same size."
        )
    n = p.event_shape[0]
    shape = tuple(_ag.broadcast_shapes(tuple(p.batch_shape), tuple(q.batch_shape)))
    q_factor = q._factor.expand(shape + (n, n))
    # tr(Σq⁻¹ Σp) = ‖Lq⁻¹ Lp‖², the Mahalanobis term ‖Lq⁻¹ (μq - μp)‖²
    whitened = _ag.linalg.solve_triangular(q_factor, p._factor.expand(shape + (n, n)), upper=False)
    gap = (q.loc - p.loc).expand(shape + (n,)).unsqueeze(-1)
    shift = _ag.linalg.solve_triangular(q_factor, gap, upper=False)
    trace = (whitened**2).sum((-2, -1))
    mahalanobis = (shift**2).sum((-2, -1))
    log_det_ratio = q._half_log_det() - p._half_log_det()
    return log_det_ratio + 0.5 * (trace + mahalanobis - n)


# ---- across families: q normal, from p's entropy, mean and variance ----


def _kl_to_normal(p: Any, q: Normal) -> _ag.Tensor:
    second_moment = p.variance + (p.mean - q.loc) ** 2
    return -p.entropy() + q.scale.log() + _HALF_LOG_TWO_PI + second_moment / (2 * q.scale**2)


_WITH_MOMENTS: tuple[type[Distribution], ...] = (
    Laplace,
    Gumbel,
    Exponential,
    Uniform,
    Beta,
    Gamma,
    ContinuousBernoulli,
)
for _p_type in _WITH_MOMENTS:
    register_kl(_p_type, Normal)(_kl_to_normal)


# ---- q Gumbel: E_p[log q] needs E_p[exp(-(x - loc) / scale)] ----


def _gumbel_cross_terms(q: Gumbel, p_mean: _ag.Tensor, log_mgf: _ag.Tensor) -> _ag.Tensor:
    """-E_p[log q] for q Gumbel, given p's mean and log E_p[exp(-(x - q.loc) / q.scale)]."""
    return q.scale.log() + (p_mean - q.loc) / q.scale + log_mgf.exp()


@register_kl(Normal, Gumbel)
def _kl_normal_gumbel(p: Normal, q: Gumbel) -> _ag.Tensor:
    log_mgf = (q.loc - p.loc) / q.scale + 0.5 * (p.scale / q.scale) ** 2
    return -p.entropy() + _gumbel_cross_terms(q, p.loc, log_mgf)


@register_kl(Exponential, Gumbel)
def _kl_exponential_gumbel(p: Exponential, q: Gumbel) -> _ag.Tensor:
    product = p.rate * q.scale
    log_mgf = q.loc / q.scale + (product / (product + 1)).log()
    return -p.entropy() + _gumbel_cross_terms(q, p.mean, log_mgf)


@register_kl(Uniform, Gumbel)
def _kl_uniform_gumbel(p: Uniform, q: Gumbel) -> _ag.Tensor:
    # E_p[exp(-z)] = s / w (exp((loc - low) / s) - exp((loc - high) / s)) for w = high - low,
    # in logs: (loc - low) / s + log((1 - exp(-w / s)) / (w / s)). The difference itself
    # overflows to inf - inf (nan, where the KL is inf) and underflows to 0, whose log passes
    # nan gradients (0 * inf) where the KL is finite; w << s cancels in it.
    ratio = (p.high - p.low) / q.scale
    log_mgf = (q.loc - p.low) / q.scale + (-_ag.expm1(-ratio)).log() - ratio.log()
    return -p.entropy() + _gumbel_cross_terms(q, p.mean, log_mgf)


# ---- q Laplace: E_p|x - loc| ----


@register_kl(Gamma, Gumbel)
def _kl_gamma_gumbel(p: Gamma, q: Gumbel) -> _ag.Tensor:
    # E_p[exp(-x / s)] is the gamma's Laplace transform (r / (r + 1 / s))^c
    product = p.rate * q.scale
    log_mgf = q.loc / q.scale + p.concentration * (product / (product + 1)).log()
    return -p.entropy() + _gumbel_cross_terms(q, p.mean, log_mgf)


@register_kl(Normal, Laplace)
def _kl_normal_laplace(p: Normal, q: Laplace) -> _ag.Tensor:
    gap = p.loc - q.loc
    folded = p.scale * math.sqrt(2 / math.pi) * (-0.5 * (gap / p.scale) ** 2).exp()
    mean_abs = folded + gap * _ag.erf(gap / (p.scale * math.sqrt(2)))
    return -p.entropy() + (2 * q.scale).log() + mean_abs / q.scale


# ---- q Exponential ----


@register_kl(Uniform, Exponential)
def _kl_uniform_exponential(p: Uniform, q: Exponential) -> _ag.Tensor:
    value = -p.entropy() - q.rate.log() + q.rate * p.mean
    return _where_inf(p.low < 0, value)


def _kl_to_exponential(p: Any, q: Exponential) -> _ag.Tensor:
    """p on [0, inf): ``E_p[log q] = log rate - rate E_p[x]``."""
    return -p.entropy() - q.rate.log() + q.rate * p.mean


register_kl(Beta, Exponential)(_kl_to_exponential)
register_kl(Gamma, Exponential)(_kl_to_exponential)
register_kl(ContinuousBernoulli, Exponential)(_kl_to_exponential)


# A Pareto p has an infinite mean for alpha <= 1 and an infinite variance for alpha <= 2, and
# so an infinite divergence from q Exponential, Gamma (which need its mean) or Normal (which
# needs its second moment) there.


def _finite_pareto(p: Pareto, threshold: float) -> Pareto:
    """p with each alpha at or below ``threshold`` replaced by a larger one, so the formula's
    branch that is then replaced by infinity passes zero gradients, not nan."""
    return Pareto(p.scale, _finite_part(p.alpha, threshold), validate_args=False)


@register_kl(Pareto, Exponential)
def _kl_pareto_exponential(p: Pareto, q: Exponential) -> _ag.Tensor:
    return _where_inf(p.alpha <= 1, _kl_to_exponential(_finite_pareto(p, 1), q))


@register_kl(Pareto, Normal)
def _kl_pareto_normal(p: Pareto, q: Normal) -> _ag.Tensor:
    return _where_inf(p.alpha <= 2, _kl_to_normal(_finite_pareto(p, 2), q))


# ---- q Gamma: E_p[log q] = c log r + (c - 1) E_p[log x] - r E_p[x] - lgamma(c) ----


def _gamma_cross_entropy(q: Gamma, mean_log: _ag.Tensor, mean: _ag.Tensor) -> _ag.Tensor:
    """-E_p[log q] for q Gamma, given p's E[log x] and E[x]."""
    c, r = q.concentration, q.rate
    return _ag.lgamma(c) - c * r.log() - (c - 1) * mean_log + r * mean


@register_kl(Exponential, Gamma)
def _kl_exponential_gamma(p: Exponential, q: Gamma) -> _ag.Tensor:
    mean_log = -_EULER_GAMMA - p.rate.log()
    return -p.entropy() + _gamma_cross_entropy(q, mean_log, p.mean)


@register_kl(Beta, Gamma)
def _kl_beta_gamma(p: Beta, q: Gamma) -> _ag.Tensor:
    a, b = p.concentration1, p.concentration0
    mean_log = _ag.digamma(a) - _ag.digamma(a + b)
    return -p.entropy() + _gamma_cross_entropy(q, mean_log, p.mean)


def _uniform_mean_log(low: _ag.Tensor, high: _ag.Tensor) -> _ag.Tensor:
    """E[log x] for x uniform on [low, high] within [0, inf): the mean of x log x - x's
    slope, ``(h log h - l log l) / (h - l) - 1``."""
    return (_ag.xlogy(high, high) - _ag.xlogy(low, low)) / (high - low) - 1


@register_kl(Uniform, Gamma)
def _kl_uniform_gamma(p: Uniform, q: Gamma) -> _ag.Tensor:
    value = -p.entropy() + _gamma_cross_entropy(q, _uniform_mean_log(p.low, p.high), p.mean)
    return _where_inf(p.low < 0, value)


@register_kl(Pareto, Gamma)
def _kl_pareto_gamma(p: Pareto, q: Gamma) -> _ag.Tensor:
    alpha = p.alpha
    p = _finite_pareto(p, 1)
    # log x = log scale + E with E exponential of rate alpha
    mean_log = p.scale.log() + p.alpha.reciprocal()
    value = -p.entropy() + _gamma_cross_entropy(q, mean_log, p.mean)
    return _where_inf(alpha <= 1, value)


# ---- q Pareto: E_p[log q] = log alpha + alpha log scale - (alpha + 1) E_p[log x] ----


def _pareto_cross_entropy(q: Pareto, mean_log: _ag.Tensor) -> _ag.Tensor:
    return -q.alpha.log() - q.alpha * q.scale.log() + (q.alpha + 1) * mean_log


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p: Pareto, q: Pareto) -> _ag.Tensor:
    mean_log = p.scale.log() + p.alpha.reciprocal()
    value = -p.entropy() + _pareto_cross_entropy(q, mean_log)
    return _where_inf(p.scale < q.scale, value)  # p has mass below q's scale


@register_kl(Uniform, Pareto)
def _kl_uniform_pareto(p: Uniform, q: Pareto) -> _ag.Tensor:
    mean_log = _uniform_mean_log(p.low, p.high)
    value = -p.entropy() + _pareto_cross_entropy(q, mean_log)
    return _where_inf(p.low < q.scale, value)


# ---- q Beta: E_p[log q] = (a - 1) E_p[log x] + (b - 1) E_p[log(1 - x)] - log B(a, b) ----


@register_kl(Uniform, Beta)
def _kl_uniform_beta(p: Uniform, q: Beta) -> _ag.Tensor:
    a, b = q.concentration1, q.concentration0
    log_beta = _ag.lgamma(a) + _ag.lgamma(b) - _ag.lgamma(a + b)
    mean_log = _uniform_mean_log(p.low, p.high)
    # 1 - x is uniform on [1 - high, 1 - low]
    mean_log_rest = _uniform_mean_log(1 - p.high, 1 - p.low)
    value = -p.entropy() + log_beta - (a - 1) * mean_log - (b - 1) * mean_log_rest
    return _where_inf((p.low < 0) | (p.high > 1), value)


def _kl_unit_interval_to_uniform(p: Any, q: Uniform) -> _ag.Tensor:
    """p on [0, 1]: finite where q's interval holds [0, 1]."""
    value = -p.entropy() + (q.high - q.low).log()
    return _where_inf((q.low > 0) | (q.high < 1), value)


register_kl(Beta, Uniform)(_kl_unit_interval_to_uniform)
register_kl(ContinuousBernoulli, Uniform)(_kl_unit_interval_to_uniform)


# ---- q continuous Bernoulli: log q(x) = x logit(λ) + log(1 - λ) + log C(λ), linear in x ----


def _continuous_bernoulli_cross_entropy(q: ContinuousBernoulli, p_mean: _ag.Tensor) -> _ag.Tensor:
    # q's probabilities are clamped one epsilon inside (0, 1) (its mean, entropy, normaliser
    # and draws are those of the clamped λ): its logits must be too, or beyond |logits| 36.04
    # the cross-entropy mixes two distributions and KLs turn negative (logits 3 to 50: -3.19)
    logits = q._clamped_logits()
    return -(p_mean * logits + _log_sigmoid(-logits) + q._log_constant())


def _kl_to_continuous_bernoulli(p: Any, q: ContinuousBernoulli) -> _ag.Tensor:
    return -p.entropy() + _continuous_bernoulli_cross_entropy(q, p.mean)


register_kl(ContinuousBernoulli, ContinuousBernoulli)(_kl_to_continuous_bernoulli)
register_kl(Beta, ContinuousBernoulli)(_kl_to_continuous_bernoulli)


@register_kl(Uniform, ContinuousBernoulli)
def _kl_uniform_continuous_bernoulli(p: Uniform, q: ContinuousBernoulli) -> _ag.Tensor:
    value = _kl_to_continuous_bernoulli(p, q)
    return _where_inf((p.low < 0) | (p.high > 1), value)


_UNBOUNDED_BELOW: tuple[type[Distribution], ...] = (Normal, Laplace, Gumbel)
for _p_type in _UNBOUNDED_BELOW:
    register_kl(_p_type, Exponential)(_infinite)  # p has mass below 0
    register_kl(_p_type, Gamma)(_infinite)
_UNBOUNDED: tuple[type[Distribution], ...] = (*_UNBOUNDED_BELOW, Exponential, Gamma, Pareto)
for _p_type in _UNBOUNDED:
    register_kl(_p_type, Uniform)(_infinite)  # p has mass outside any interval
    register_kl(_p_type, Beta)(_infinite)  # and outside [0, 1]
# p has mass below any positive scale
for _p_type in (*_UNBOUNDED_BELOW, Exponential, Gamma, Beta, ContinuousBernoulli):
    register_kl(_p_type, Pareto)(_infinite)
for _p_type in _UNBOUNDED:
    register_kl(_p_type, ContinuousBernoulli)(_infinite)  # p has mass outside [0, 1]


# ---- counting families ----


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p: Binomial, q: Binomial) -> _ag.Tensor:
    """``n (p log(p / q) + (1 - p) log((1 - p) / (1 - q)))`` for equal trial counts; infinite
    where q has fewer trials (p reaches counts q cannot). q with more trials than p is not
    implemented, as in torch."""
    if bool((p.total_count < q.total_count).any()):
        raise NotImplementedError(
            "KL between Binomials where q.total_count > p.total_count is not implemented"
            ". Fix: give q no more trials than p (q.total_count <= p.total_count)."
        )
    # p log(p / q) + (1 - p) log((1 - p) / (1 - q)) = p (logit p - logit q) + log((1 - p) / (1 - q))
    per_trial = p.probs * (p.logits - q.logits) + (-p.probs).log1p() - (-q.probs).log1p()
    return _where_inf(p.total_count > q.total_count, p.total_count * per_trial)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p: Geometric, q: Geometric) -> _ag.Tensor:
    """``-H(p) - E_p[log q]``, where ``E_p[log q(k)] = log q + E_p[k] log(1 - q)`` and
    ``E_p[k] = 1 / p - 1``: ``-H(p) - log(1 - q) / p - logit(q)``."""
    return -p.entropy() - (-q.probs).log1p() / p.probs - q.logits


@register_kl(Bernoulli, Poisson)
def _kl_bernoulli_poisson(p: Bernoulli, q: Poisson) -> _ag.Tensor:
    """``-H(p) - E_p[log q]`` with ``E_p[log q(x)] = p log(rate) - rate`` (``log x! = 0`` at
    0 and 1)."""
    return -p.entropy() - (p.probs * q.rate.log() - q.rate)


register_kl(Poisson, Bernoulli)(_infinite)  # Poisson has mass above 1
register_kl(Poisson, Binomial)(_infinite)  # Poisson has mass above any trial count


# ---- the generic fallback between members of one exponential family ----

register_kl(ExponentialFamily, ExponentialFamily)(_bregman_kl)
