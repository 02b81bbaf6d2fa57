"""Random distributions run on arraygrad and on torch.distributions side by side, in float64.

Each seed draws a family (every family both libraries have, with TransformedDistribution over
random transform chains, Independent and MixtureSameFamily among them), random parameters
that broadcast to a random batch shape (with edge values: tiny and huge scales, probabilities
at and near 0 and 1, logits of large magnitude, concentrations on both sides of 1, covariances
near singular), ``validate_args`` True or False, and a random sequence of calls: ``log_prob``,
``cdf`` and ``icdf`` at values inside the support, on its boundary and outside it, the moments,
``entropy``, ``perplexity``, support checks, ``enumerate_support``, ``expand``, sampling (shapes,
dtypes, support membership and the sample mean against ``mean``), the gradients of
``log_prob``, ``entropy`` and ``kl_divergence`` with respect to the parameters, and
``kl_divergence`` against a second random distribution. Both libraries must give the same
values (rtol 1e-9, atol 1e-12), the same shapes and dtypes, or raise the same exception class.

Left out, each where torch 2.13 is wrong (the families' own tests check arraygrad's values):

- ``Weibull.mode`` for ``concentration < 1`` (torch applies the ``k > 1`` formula; the mode is 0)
  and ``Kumaraswamy.mode`` (torch gives nan everywhere);
- ``InverseGamma.icdf`` (torch has none);
- ``AffineTransform``'s log-Jacobian with a ``scale`` narrower than the event (torch counts it
  once rather than for each coordinate): the chains draw no such scale;
- ``Gumbel.icdf`` at 0, near 0 and near 1: torch gives a finite number at 0 (its uniform is
  clamped; the quantile is -inf, as arraygrad gives) and loses digits near 1 (mpmath: at
  q = 1 - 1.1e-16, loc -197.3, scale 3.40 the quantile is -72.3446, as arraygrad; torch -76.08);
  and at 1 (36.04 for the standard one; the quantile is inf, as arraygrad gives); below
  q = 1e-7 it loses digits too (1e-9 relative at q = 1e-10) and below about 1e-17 it gives
  ``loc - 6.563 scale`` whatever q (mpmath: at q = 1e-300, loc -0.00123, scale 0.6606 the
  quantile is -4.3200, as arraygrad; torch -4.3366);
- the gradient of ``Pareto.mean`` where ``alpha <= 1``: the mean is inf there for every
  parameter nearby, so the gradient is 0 (arraygrad); torch's is inf (its discarded branch);
- the gradients of Bernoulli's and Binomial's ``log_prob`` and ``entropy`` in ``probs`` within
  eps / min(p, 1 - p): torch differentiates through the logits, from values rounded near 0 and
  1 (at p = 1 - 1e-12 the derivative of ``log_prob(1)`` is 1/p = 1.000000000001, as
  arraygrad's; torch's 1.000111, seed 20691); so are Multinomial's entropy's, through the
  binomials it sums (mpmath: at probs (1.41e-13, 1 - 1.41e-13), 2 trials, the gradient in the
  first is 57.790268600942, as arraygrad's; torch's 57.78977, seed 127306);
- gradients of entropies and KLs within 1e-7 (torch's trigamma is good to about 4e-10);
- ContinuousBernoulli logits with 15 < |logits| < 36: torch computes log(1 - λ) from λ rounded
  near 1 and loses up to 1e-4 relative there (arraygrad works from the logits);
- ContinuousBernoulli's mean and variance and their gradients just outside the lims (0.499,
  0.501) within ``0.1 eps / logits⁴``: torch's closed forms cancel two terms of size
  ``1 / (2 (2λ - 1))`` and lose about 0.03 eps / logits⁴ relative (mpmath: at logits 0.0041
  the mean's gradient is 0.0833312, torch 2.5e-8 relative off, arraygrad's form in the logits
  alone 2e-11; seed 57488);
- ``kl_divergence`` with a ContinuousBernoulli of |logits| beyond 36.04, where both clamp λ one
  epsilon inside (0, 1): torch mixes the raw logits with the clamped λ's mean and normaliser
  (KL(logits -941.8 ‖ logits 10.66) is -14.55 in torch; the clamped pair's, mpmath, 10.5825,
  as arraygrad, whose mean, entropy and draws are the clamped λ's);
- the gradients of a Gumbel KL that overflows to inf: torch's are nan in places (inf - inf of
  its separate loc terms), arraygrad's the sign of the overflowing gradient (mpmath: at p
  (1.1e-4, 1.85e7), q (1.42, 3.7e-6) the gradient in q's scale is -1.2e+60834732162909);
- ``Gumbel.cdf`` (and its gradient) with validation at values outside about
  ``loc + (-6.56, 36.04) scale``, ±inf among them: torch raises ValueError (its base
  uniform's bounds, the smallest normal float and 1 - eps); the support is the real line and
  the cdf defined everywhere, as arraygrad gives;
- NegativeBinomial's draws where logits > 40 or the mean ``total_count exp(logits)`` passes
  1e17: torch's Poisson of a rate past 2^63 gives -2^63, outside the support (arraygrad's
  draw is the huge count), so its draws' mean is not the distribution's either (the moments
  step, seed 20061; total_count 2.3e5 at logits 35.8, seed 63479);
- Wishart's KL except between unbatched ones of one size: torch's (the exponential family's
  Bregman divergence) sums the df's term over the batch (batched values are wrong), broadcasts
  a 1 × 1 against a larger size, and detaches p's parameters (no gradients for them: p's
  are left out of the comparison where the values are compared; arraygrad's closed form has
  them);
- Geometric's entropy where p < 1e-5 or logits < -12: torch's loses about eps / p relative
  (mpmath: at p = 1e-12 it is 28.6278 for 28.6310; at logits -300, 0 for 301), and so the KL
  of such a p, which holds -H(p) (mpmath: at logits -22.574 against probs 0, clamped to eps,
  12.46970257260023, as arraygrad; torch 12.46970746968, seed 24663);
- the gradients of Geometric's entropy, and so of the KL, in p within eps / (1 - p): torch
  differentiates through logits from p rounded near 1 (mpmath: at p = 1 - 1e-12 the entropy's
  is log(1 - p) / p² = -27.6310432379486, as arraygrad; torch -27.63115426, and the KL's
  against probs 0.5591 26.8120856299583, as arraygrad; torch 26.812197, seeds 20388, 26253);
- the gradient of a Wishart KL in the zeros above the diagonal of q's ``scale_tril``: the KL
  does not read them (torch's own finite difference there is 0), yet torch's gradient there is
  not 0 (6.96e7 at seed 23822); arraygrad's is 0, the lower triangles agree;
- ``Multinomial.entropy`` after ``expand``: torch raises AttributeError (its expanded copy
  lacks the binomial it sums the entropy over; the entropy is that of each batch element,
  as arraygrad gives);
- ``Multinomial``'s entropy (and perplexity) within 1e-6: torch subtracts ``log n!`` rounded
  to float32 (mpmath: at n = 4, probs (0.4587, 0.2553, 0.2860) it is 2.41674519139, as
  arraygrad; torch 2.41674516584, off by float32(log 24) - log 24);
- logits between -745.1 and -709.79: torch's float64 sigmoid gives 0 there (its ``exp(-x)``
  overflows), where the probabilities are subnormal (arraygrad's), so log_prob of a Geometric
  at 0 is -inf in torch, -710.37 at logits -710.37 (seed 63473): the draws leave that band;
- ``kl_divergence`` of a Uniform from a Gumbel where p's ``low`` is more than about 709
  scales below q's ``loc``: the KL is inf, as arraygrad gives; torch's ``E_p[exp(-z)]``, a
  difference of two exponentials that overflow, is inf - inf, nan (seed 77443; where they
  underflow, the log arraygrad took of it passed nan gradients to a finite KL: fixed);
- ``kl_divergence`` of a Gamma from a Gumbel where q's ``loc / scale`` passes about 709.78:
  torch's ``exp(loc / scale) (1 + 1 / (rate scale))^-concentration`` is inf times 0 there, nan;
  the product is finite (mpmath: at concentration 822.31, rate 1.2485, loc 7.11e-4, scale
  3.38e-7 the KL is 1946731266.12330, as arraygrad, which takes it in logs; seed 120468);
- ``kl_divergence`` of Geometrics where p's logits are below -700 (its probs underflow to
  0): the KL is inf (it grows as ``-log(1 - q) / p``), as arraygrad gives; torch nan;
- the mode of a Beta (alone or under Independent) or a Dirichlet with every concentration
  below 1: the density is infinite at each corner, so each is a mode; torch gives the first
  corner (x = 1 for the Beta) whatever the concentrations, arraygrad the corner of the
  largest concentration, the one where the density is the larger near it (x = 0 for the
  Beta with concentration1 < concentration0);
- LowRankMultivariateNormal's gradients in ``cov_diag`` where an element of it is below 1e-4
  (``log_prob``, ``entropy`` and ``kl_divergence``), and its values within
  ``1e-15 (1 + max W²) / min d``: torch's lose digits where ``d`` is small, from Woodbury
  forms that subtract numbers of size ``xᵀ D⁻¹ x`` and ``Wᵀ D⁻¹ W`` (mpmath, at seed 557,
  ∂ log_prob / ∂ cov_diag is -141395.81946, as arraygrad; torch -141395.375; log_prob
  10.4448782632, as arraygrad, torch 10.4448782795), and so its gradients in ``cov_factor``
  there (mpmath, at seed 27156, cov_diag 1.73e-6: 3.159564130665e-4, as arraygrad; torch
  3.15966e-4);
- VonMises values and gradients within 2e-6 (torch's log I0 and I1 / I0 are polynomial
  approximations: mpmath, at concentration 143.4 its log_prob is 4.4e-7 off, at 106.43 its
  variance 1.01e-6, arraygrad's within 1e-15), and its stddev within 2e-6 / (2 stddev), the
  square root's amplification of that error in the variance 1 - I1 / I0 (mpmath, at
  concentration 117.77 the stddev is 0.0652288121132, as arraygrad; torch 0.0652211647453,
  seed 20265);

Left alone (arraygrad's behaviour differs but neither is meaningful, or not fixed here):

- the moments step of a VonMises: its ``mean`` and ``variance`` are circular (``loc`` and
  ``1 - I1 / I0``), not those of draws in [-pi, pi) (mpmath: at loc 0.6239, concentration
  1.7209 the draws' mean is 0.55767 and their variance 0.9666; arraygrad's 4000 draws average
  0.55691, and the step compared them with 0.6239 within 6 sqrt(0.3538 / 4000), seed 27307);
- the moments step of a StudentT of few degrees of freedom, in torch, by chance: its heavy
  tails can put one draw far enough out to move the mean of 4000 past 6 standard errors (df
  2.54, scale 0.778: one of torch's draws is 2291 scales out, which 4000 draws reach with
  probability 1.7e-5; torch's Gamma draws beneath it match the Gamma's cdf; seed 135874);

- a real vector with an infinite coordinate: the normals' log_prob there is -inf in arraygrad
  (the density vanishes), -inf or nan in torch by the order of its triangular solve (nan at
  (inf, 0) for the identity covariance); not drawn;
- NegativeBinomial's ``log_prob`` within ``8e-16 r log r`` for ``total_count`` r: both
  compute ``lgamma(k + r) - lgamma(r)`` and lose that much where r is large (mpmath: at
  r = 2.02e6, probs 1e-6, k = 4 it is -2.3837791613; arraygrad -2.3837791661, torch
  -2.3837791586);
- a TransformedDistribution's ``log_prob``, ``cdf`` and their gradients within
  ``1e-15 (1 + max |loc|) / min scale`` of the base Normal: the gradient in ``loc`` is
  ``(y - loc) / scale²`` for ``y`` the value carried back through the inverse transforms,
  so an ulp of ``y`` (torch's double atanh is one off at seed 1018; arraygrad's correctly
  rounded) is amplified by ``|y| / |y - loc|``, and the cdf's by ``pdf / scale`` (mpmath:
  at seed 16153, Tanh ∘ Tanh and scale 2.1e-8, 0.715139539731; arraygrad 5.5e-11 above,
  torch, its atanh one ulp off, 8.6e-10 below; seeds 29895, 31181, 34352, 42135 alike), and
  the inverses' rounding by how much they stretch a relative error of the value (about 15
  times through two Sigmoids at 0.70: mpmath, at seed 56374 the gradient in loc is
  -1906212.229, arraygrad 0.023 above, torch 0.041 below): the tolerance adds that stretch
  of the value carried back;
- a TransformedDistribution's ``log_prob``, ``cdf`` and their gradients where the value
  carried back passes within ``1e9 eps`` of the bounds of a Sigmoid's or Tanh's codomain:
  their inverses turn an ulp there into about ``eps / gap`` of the next value (mpmath: at
  seed 20593, y = 0.68170 under Sigmoid ∘ Tanh ∘ Sigmoid, atanh gives 1 - 6.2e-16 and the
  log_prob is 27.1011; both libraries round logit(y) 2 ulps off, then arraygrad rounds atanh
  correctly and gives 25.9909, torch one ulp off, 26.1732; the cdf's gradient, seed 52363);
- Wishart's ``log_prob`` and its gradient in ``df`` within ``1e-15 (|df - p - 1| / 2 + 1)
  cond(X)``: ``log |det X|`` of an ill-conditioned value X loses that much in a
  backward-stable factorisation, in both (mpmath: at seed 20081, X of condition 2.5e10,
  log |det X| is -0.396263373662, arraygrad -0.396263283045, torch -0.396263436621); the
  tolerance is the step's, so it covers the step's other gradients too. A gradient step's is
  32 times that: the gradient in the matrix parameter subtracts terms of the size of X, which
  the inverse's error (eps cond) scales (mpmath, at seed 46012: precision of condition 4.5e6,
  X of size 1.9e7, the gradient 381951.9628; torch 0.27 above, arraygrad 0.11 below); and
  the gradient in a ``precision_matrix`` P, ``df / 2 P⁻¹ - X / 2``, within 32 eps cond(P) of
  the size of ``df P⁻¹``: both invert P, to about eps cond(P) of its size, and the difference
  cancels (mpmath: at seed 78387, cond(P) 5.2e3, the gradient 0.1525608955396; arraygrad
  4.9e-10 below, torch 1.8e-9 below);
- the gradients of a ``kl_divergence`` infinite somewhere: infinite for every parameter
  nearby, it has no meaningful gradient there; torch's are nan, arraygrad's nan or 0 by the
  branch it discards (Uniform ‖ Pareto at seed 22653: -0 in q's scale, torch nan); the values
  are compared;
- Kumaraswamy's ``log_prob`` and its gradients within ``2e-16 |b - 1| / (1 - x^a)``: both
  carry x through ``1 - x^a`` with ``x^a`` rounded, losing that much near x = 1 (mpmath: at
  x = 1 - 1.04e-14, a = 165.1, b = 0.1143 it is 26.9277009; arraygrad 26.9276710, torch
  26.9277281); its ``cdf`` ``1 - (1 - x^a)^b`` within ``2e-16 b (1 - x^a)^(b - 1)`` (mpmath: at
  x = 1 - 4.8e-12, a = 1.59, b = 0.1606 it is 0.98359313786; arraygrad 2.3e-8 below, torch
  1.5e-8 above, seed 52663);
- Kumaraswamy's ``variance`` and ``stddev`` (an expanded one's too, seed 114060) within
  ``1e-15 mean² / variance``: both compute
  ``E[X²] - E[X]²`` from Beta functions, which cancels where the variance is small beside the
  mean's square (mpmath: at a = 998.46, b = 0.0015 the stddev is 6.00053995567e-5; arraygrad
  2.7e-8 relative below, torch 5.8e-8, seed 68778), and within ``2 eps L mean²`` for ``L``
  the size of the lgammas in the Beta functions, which round to ``eps L`` absolute (mpmath: at
  a = 132.0, b = 559.8 the stddev is 0.00916566333826; arraygrad 1.6e-9 relative above, torch
  8.4e-10 below, seed 72381);
- Gamma's and Chi2's ``cdf`` within 1e-8: torch's regularized incomplete gamma is good to
  about 2e-9 (``IGAMMA`` below, seed 52599);
- gradients within a few eps of the step's largest gradient: a gradient that is 0 but for
  rounding is noise of that size (seeds 50198, 53059);
- Weibull draws' support membership where a concentration is below 0.05: ``scale E^(1/k)``
  underflows to 0 (outside the support) for about 6% of the draws at k = 0.0038, in both
  libraries, so whether one of six draws does depends on the stream; so do LogNormal draws
  where ``loc - 6 scale < -740``: ``exp(loc + scale z)`` underflows to 0 for the draws of
  ``z`` below ``-(745 + loc) / scale`` (half of them at scale 7.65e6, seeds 33346, 34459),
  and so do a TransformedDistribution's through Exp, Softplus or a negative Power where the
  base Normal's scale is huge (above 1e3: Exp of scale 7.9e6, seed 59400);
- ``kl_divergence`` where torch fails with an IndexError writing infinities through a mask of
  one distribution's batch shape alone (the other's larger, or its parameters of a shape that
  broadcasts to it: Bernoulli probs (2, 3) against (2, 1), seed 20539): q is drawn with p's
  batch shape, and a KL torch refuses so while arraygrad computes it is not compared;
- a TransformedDistribution's validated ``log_prob`` where the value carried back through Tanh
  and an AffineTransform lands within an ulp of 0 before a Softplus' inverse
  ``log(expm1(y))``: torch's atanh, one ulp off, leaves -1.6e-19 (nan there, which validation
  refuses: ValueError), arraygrad's, correctly rounded, -0.0 (-inf, which it accepts; seed
  102579);
- the gradients of a step whose value is nan somewhere in both libraries: the sum they
  differentiate is nan, which has no meaningful gradient (a TransformedDistribution's
  ``log_prob`` at a value carried back through Tanh, Sigmoid and Exp to log 0: torch's
  gradients -inf, arraygrad's nan, seed 122309); the values are compared;
- MultivariateNormal's ``log_prob`` with covariances of condition about 1e7: both solve with
  them, each to about eps cond of the terms (0.22524552933 in arraygrad, 0.22524552908 in
  torch, 1.1e-9 relative apart, seed 105074).

``python -m tests.distributions.test_distributions_random FIRST COUNT`` runs more seeds.
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

LIBS = (ag, torch)
SEEDS = list(range(120))
RTOL, ATOL = 1e-9, 1e-12
Params = dict[str, np.ndarray]
# builds a distribution from the library, its parameter tensors and validate_args
Build = Callable[[Any, dict[str, Any], bool], Any]


# ---------------------------------------------------------------- parameter draws


def _pick(rng: np.random.Generator, *values: Any) -> Any:
    return values[int(rng.integers(len(values)))]


def _param_shape(rng: np.random.Generator, batch: tuple[int, ...]) -> tuple[int, ...]:
    """A shape that broadcasts to ``batch``: a suffix of it, with some sizes set to 1."""
    suffix = batch[len(batch) - int(rng.integers(len(batch) + 1)) :]
    return tuple(1 if rng.random() < 0.3 else size for size in suffix)


def _real(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.standard_normal(shape) * _pick(rng, 1.0, 1.0, 1e3, 1e-3)


def _positive(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Typical scales, or tiny or huge ones, or a mixture of the three."""
    typical = rng.lognormal(0.0, 0.7, shape)
    tiny = 10.0 ** rng.uniform(-8, -4, shape)
    huge = 10.0 ** rng.uniform(4, 8, shape)
    kind = _pick(rng, "typical", "typical", "typical", "tiny", "huge", "mixed")
    if kind == "mixed":
        return np.choose(rng.integers(3, size=shape), [typical, tiny, huge])
    return {"typical": typical, "tiny": tiny, "huge": huge}[kind]


def _concentration(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Concentrations below and above 1, sometimes extreme."""
    below = rng.uniform(0.1, 0.95, shape)
    above = rng.uniform(1.05, 6.0, shape)
    tiny = 10.0 ** rng.uniform(-3, -1.5, shape)
    huge = 10.0 ** rng.uniform(2, 3, shape)
    kind = _pick(rng, "below", "above", "mixed", "mixed", "tiny", "huge")
    if kind == "mixed":
        return np.choose(rng.integers(2, size=shape), [below, above])
    return {"below": below, "above": above, "tiny": tiny, "huge": huge}[kind]


def _prob(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Probabilities inside (0, 1), with some at or near 0 and 1."""
    probs = rng.uniform(0.05, 0.95, shape)
    if rng.random() < 0.4:
        edges = np.array([0.0, 1.0, 1e-12, 1 - 1e-12, 1e-6, 1 - 1e-6])
        mask = rng.random(shape) < 0.4
        probs = np.where(mask, edges[rng.integers(len(edges), size=shape)], probs)
    return np.asarray(probs, dtype=np.float64)


def _logits(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    logits = rng.standard_normal(shape) * _pick(rng, 1.0, 1.0, 30.0, 1e3)
    # torch 2.13's float64 sigmoid is 0 from -709.79 (its exp(-x) overflows), where the
    # probability is subnormal down to -745.1: logits in that band are moved below it
    return np.where((logits < -709.7) & (logits > -745.2), logits - 40, logits)


def _simplex(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    weights = rng.uniform(0.0, 1.0, shape) ** _pick(rng, 1.0, 1.0, 8.0)
    if rng.random() < 0.2:  # a zero-probability category
        weights[..., 0] = 0.0
    return weights / weights.sum(-1, keepdims=True)


def _spd(rng: np.random.Generator, shape: tuple[int, ...], n: int) -> np.ndarray:
    """Symmetric positive definite matrices, sometimes nearly singular (low rank plus a
    small ridge)."""
    rank = n if rng.random() < 0.6 else max(1, n - 1)
    factor = rng.standard_normal((*shape, n, rank))
    ridge = _pick(rng, 0.5, 1e-3, 1e-6)
    return factor @ np.swapaxes(factor, -1, -2) + ridge * np.eye(n)


def _probs_or_logits(
    rng: np.random.Generator, shape: tuple[int, ...], simplex: bool = False
) -> tuple[str, np.ndarray]:
    if rng.random() < 0.5:
        return "probs", _simplex(rng, shape) if simplex else _prob(rng, shape)
    return "logits", _logits(rng, shape)


# ---------------------------------------------------------------- families


@dataclass
class Case:
    """A drawn distribution: its parameters (the differentiable ones are leaves) and how to
    build it in either library."""

    family: str
    params: Params
    build: Build
    validate: bool
    steps: list[tuple[Any, ...]] = field(default_factory=list)


def _scalar_family(name: str, draws: dict[str, Callable[..., np.ndarray]]) -> Any:
    """A family of elementwise parameters passed as keywords, each drawn at its own
    broadcasting shape."""

    def draw(rng: np.random.Generator, batch: tuple[int, ...]) -> tuple[Params, Build]:
        params = {key: fn(rng, _param_shape(rng, batch)) for key, fn in draws.items()}

        def build(lib: Any, t: dict[str, Any], validate: bool) -> Any:
            return getattr(lib.distributions, name)(**t, validate_args=validate)

        return params, build

    return draw


def _with_probs(name: str, extra: dict[str, Callable[..., np.ndarray]] | None = None) -> Any:
    """A family parameterised by ``probs`` or ``logits`` (and the ``extra`` ones)."""

    def draw(rng: np.random.Generator, batch: tuple[int, ...]) -> tuple[Params, Build]:
        key, value = _probs_or_logits(rng, _param_shape(rng, batch))
        params = {k: fn(rng, _param_shape(rng, batch)) for k, fn in (extra or {}).items()}
        params[key] = value

        def build(lib: Any, t: dict[str, Any], validate: bool) -> Any:
            return getattr(lib.distributions, name)(**t, validate_args=validate)

        return params, build

    return draw


def _categorical(name: str, temperature: bool = False) -> Any:
    def draw(rng: np.random.Generator, batch: tuple[int, ...]) -> tuple[Params, Build]:
        k = int(rng.integers(2, 5))
        key, value = _probs_or_logits(rng, (*_param_shape(rng, batch), k), simplex=True)
        params = {key: value}
        if temperature:
            params["temperature"] = np.asarray(_pick(rng, 0.1, 0.5, 1.0, 2.5))

        def build(lib: Any, t: dict[str, Any], validate: bool) -> Any:
            return getattr(lib.distributions, name)(**t, validate_args=validate)

        return params, build

    return draw


def _total_count(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.integers(0, 12, shape).astype(np.float64)


def _binomial(rng: np.random.Generator, batch: tuple[int, ...]) -> tuple[Params, Build]:
    key, value = _probs_or_logits(rng, _param_shape(rng, batch))
    count = _total_count(rng, _param_shape(rng, batch))

    def build(lib: Any, t: dict[str, Any], validate: bool) -> Any:
        return lib.distributions.Binomial(
            lib.tensor(count), **{key: t[key]}, validate_args=validate
        )

    return {key: value}, build


def _negative_binomial(rng: np.random.Generator, batch: tuple[int, ...]) -> tuple[Params, Build]:
    key, value = _probs_or_logits(rng, _param_shape(rng, batch))
    if key == "probs":  # torch requires probs < 1 here
        value = np.minimum(value, 1 - 1e-6)
    count = _positive(rng, _param_shape(rng, batch)) * 3

    def build(lib: Any, t: dict[str, Any], validate: bool) -> Any:
        return lib.distributions.NegativeBinomial(
            lib.tensor(count), **{key: t[key]}, validate_args=validate
        )

    return {key: value}, build


def _multinomial(rng: np.random.Generator, batch: tuple[int, ...]) -> tuple[Params, Build]:
    k = int(rng.integers(2, 5))
    key, value = _probs_or_logits(rng, (*_param_shape(rng, batch), k), simplex=True)
    count = int(rng.integers(1, 8))

    def build(lib: Any, t: dict[str, Any], validate: bool) -> Any:
        return lib.distributions.Multinomial(count, **{key: t[key]}, validate_args=validate)

    return {key: value}, build


def _uniform(rng: np.random.Generator, batch: tuple[int, ...]) -> tuple[Params, Build]:
    low = _real(rng, _param_shape(rng, batch))
    width = _positive(rng, _param_shape(rng, batch))
    return {"low": low, "high": low + width}, _scalar_build("Uniform")


def _scalar_build(name: str) -> Build:
    return lambda lib, t, validate: getattr(lib.distributions, name)(**t, validate_args=validate)


def _dirichlet(rng: np.random.Generator, batch: tuple[int, ...]) -> tuple[Params, Build]:
    k = int(rng.integers(2, 5))
    return {"concentration": _concentration(rng, (*_param_shape(rng, batch), k))}, _scalar_build(
        "Dirichlet"
    )


def _mvn(rng: np.random.Generator, batch: tuple[int, ...]) -> tuple[Params, Build]:
    n = int(rng.integers(1, 4))
    loc = _real(rng, (*_param_shape(rng, batch), n))
    cov = _spd(rng, _param_shape(rng, batch), n)
    form = _pick(rng, "covariance_matrix", "precision_matrix", "scale_tril")
    matrix = np.linalg.cholesky(cov) if form == "scale_tril" else cov
    return {"loc": loc, form: matrix}, _scalar_build("MultivariateNormal")


def _lowrank(rng: np.random.Generator, batch: tuple[int, ...]) -> tuple[Params, Build]:
    n, rank = int(rng.integers(1, 4)), int(rng.integers(1, 3))
    return {
        "loc": _real(rng, (*_param_shape(rng, batch), n)),
        "cov_factor": rng.standard_normal((*_param_shape(rng, batch), n, rank)),
        "cov_diag": _positive(rng, (*_param_shape(rng, batch), n)),
    }, _scalar_build("LowRankMultivariateNormal")


def _wishart(rng: np.random.Generator, batch: tuple[int, ...]) -> tuple[Params, Build]:
    n = int(rng.integers(1, 4))
    cov = _spd(rng, _param_shape(rng, batch), n)
    form = _pick(rng, "covariance_matrix", "precision_matrix", "scale_tril")
    matrix = np.linalg.cholesky(cov) if form == "scale_tril" else cov
    df = n - 1 + _pick(rng, 0.5, 1.0, 3.0, 40.0) + rng.uniform(0, 1, _param_shape(rng, batch))
    return {"df": df, form: matrix}, _scalar_build("Wishart")


def _lkj(rng: np.random.Generator, batch: tuple[int, ...]) -> tuple[Params, Build]:
    dim = int(rng.integers(2, 5))
    conc = _concentration(rng, _param_shape(rng, batch))

    def build(lib: Any, t: dict[str, Any], validate: bool) -> Any:
        return lib.distributions.LKJCholesky(dim, t["concentration"], validate_args=validate)

    return {"concentration": conc}, build


def _logistic_normal(rng: np.random.Generator, batch: tuple[int, ...]) -> tuple[Params, Build]:
    k = int(rng.integers(1, 4))
    return {
        "loc": _real(rng, (*_param_shape(rng, batch), k)),
        "scale": _positive(rng, (*_param_shape(rng, batch), k)),
    }, _scalar_build("LogisticNormal")


def _continuous_bernoulli(rng: np.random.Generator, batch: tuple[int, ...]) -> tuple[Params, Build]:
    key, value = _probs_or_logits(rng, _param_shape(rng, batch))
    if key == "logits":
        # torch 2.13 computes log λ - log(1 - λ) from λ rounded near 0 and 1, which loses
        # digits for 15 < |logits| < 36.04 (beyond, both clamp λ alike): up to 1e-4 relative
        # at 30 (mpmath: entropy at logits 28.66 is -2.35559926943, torch -2.35559922001)
        band = (np.abs(value) > 15) & (np.abs(value) < 37)
        value = np.where(band, value * 3, value)
    if key == "probs" and rng.random() < 0.4:  # around 1/2, where series replace the formulas
        value = 0.5 + rng.uniform(-2e-3, 2e-3, value.shape)
    return {key: value}, _scalar_build("ContinuousBernoulli")


def _independent(rng: np.random.Generator, batch: tuple[int, ...]) -> tuple[Params, Build]:
    name = _pick(rng, "Normal", "Gamma", "Bernoulli", "Beta")
    inner = (*batch, int(rng.integers(1, 4)))
    params, base = FAMILIES[name](rng, inner)
    reinterpreted = int(rng.integers(1, len(inner) + 1))

    def build(lib: Any, t: dict[str, Any], validate: bool) -> Any:
        return lib.distributions.Independent(
            base(lib, t, validate), reinterpreted, validate_args=validate
        )

    return params, build


def _mixture(rng: np.random.Generator, batch: tuple[int, ...]) -> tuple[Params, Build]:
    k = int(rng.integers(1, 4))
    key, mixing = _probs_or_logits(rng, (*batch, k), simplex=True)
    name = _pick(rng, "Normal", "Gamma", "Independent", "MultivariateNormal", "Laplace")
    component_params, component = FAMILIES[name](rng, (*batch, k))
    params = {f"c_{key_}": value for key_, value in component_params.items()}
    params[f"m_{key}"] = mixing
    # the component's batch must end in k: broadcast its parameters to it where they don't
    lead = len(batch) + 1

    def build(lib: Any, t: dict[str, Any], validate: bool) -> Any:
        dist = component(lib, {k_[2:]: v for k_, v in t.items() if k_[:2] == "c_"}, validate)
        if tuple(dist.batch_shape)[-1:] != (k,) or len(dist.batch_shape) < lead:
            dist = dist.expand((*batch, k))
        return lib.distributions.MixtureSameFamily(
            lib.distributions.Categorical(**{key: t[f"m_{key}"]}, validate_args=validate),
            dist,
            validate_args=validate,
        )

    return params, build


# transforms for the chains: each a name and a function of (lib, rng-drawn numbers)
_POSITIVE_CODOMAIN = {"Exp", "Softplus", "Sigmoid"}


def _transformed(rng: np.random.Generator, batch: tuple[int, ...]) -> tuple[Params, Build]:
    vector = rng.random() < 0.3
    event = int(rng.integers(2, 4))
    base_shape = (*batch, event) if vector else batch
    params = {
        "loc": _real(rng, _param_shape(rng, base_shape)),
        "scale": _positive(rng, _param_shape(rng, base_shape)),
    }
    chain: list[tuple[str, Any]] = []
    for _ in range(int(rng.integers(1, 4))):
        choices = ["Exp", "Affine", "Sigmoid", "Tanh", "Softplus"]
        if chain and chain[-1][0] in _POSITIVE_CODOMAIN:
            choices.append("Power")
        name = _pick(rng, *choices)
        if name == "Affine":
            # the scale as wide as the event (see the docstring); sometimes negative
            shape = _param_shape(rng, base_shape)
            if vector:
                shape = (*shape[:-1], event)
            chain.append((name, (_real(rng, shape), rng.standard_normal(shape))))
        elif name == "Power":
            chain.append((name, float(_pick(rng, 0.5, 2.0, -1.0, 3.0))))
        else:
            chain.append((name, None))
    if vector and rng.random() < 0.5:
        chain.append(("StickBreaking", None))
    compose = rng.random() < 0.3

    def build(lib: Any, t: dict[str, Any], validate: bool) -> Any:
        tr = lib.distributions.transforms
        base = lib.distributions.Normal(t["loc"], t["scale"], validate_args=validate)
        if vector:
            base = lib.distributions.Independent(base, 1, validate_args=validate)
        made = []
        for name, arg in chain:
            if name == "Affine":
                loc, scale = arg
                made.append(
                    tr.AffineTransform(lib.tensor(loc), lib.tensor(scale), event_dim=int(vector))
                )
            elif name == "Power":
                made.append(tr.PowerTransform(lib.tensor(arg, dtype=lib.float64)))
            elif name == "StickBreaking":
                made.append(tr.StickBreakingTransform())
            else:
                made.append(getattr(tr, f"{name}Transform")())
        if compose:
            made = [tr.ComposeTransform(made)]
        return lib.distributions.TransformedDistribution(base, made, validate_args=validate)

    return params, build


FAMILIES: dict[str, Callable[[np.random.Generator, tuple[int, ...]], tuple[Params, Build]]] = {
    "Normal": _scalar_family("Normal", {"loc": _real, "scale": _positive}),
    "LogNormal": _scalar_family("LogNormal", {"loc": _real, "scale": _positive}),
    "Laplace": _scalar_family("Laplace", {"loc": _real, "scale": _positive}),
    "Cauchy": _scalar_family("Cauchy", {"loc": _real, "scale": _positive}),
    "Gumbel": _scalar_family("Gumbel", {"loc": _real, "scale": _positive}),
    "StudentT": _scalar_family(
        "StudentT", {"df": _concentration, "loc": _real, "scale": _positive}
    ),
    "HalfNormal": _scalar_family("HalfNormal", {"scale": _positive}),
    "HalfCauchy": _scalar_family("HalfCauchy", {"scale": _positive}),
    "Exponential": _scalar_family("Exponential", {"rate": _positive}),
    "Gamma": _scalar_family("Gamma", {"concentration": _concentration, "rate": _positive}),
    "Chi2": _scalar_family("Chi2", {"df": _concentration}),
    "Beta": _scalar_family(
        "Beta", {"concentration1": _concentration, "concentration0": _concentration}
    ),
    "Uniform": _uniform,
    "Pareto": _scalar_family("Pareto", {"scale": _positive, "alpha": _concentration}),
    "Weibull": _scalar_family("Weibull", {"scale": _positive, "concentration": _concentration}),
    "Kumaraswamy": _scalar_family(
        "Kumaraswamy", {"concentration1": _concentration, "concentration0": _concentration}
    ),
    "InverseGamma": _scalar_family(
        "InverseGamma", {"concentration": _concentration, "rate": _positive}
    ),
    "FisherSnedecor": _scalar_family(
        "FisherSnedecor", {"df1": _concentration, "df2": _concentration}
    ),
    "VonMises": _scalar_family("VonMises", {"loc": _real, "concentration": _concentration}),
    "ContinuousBernoulli": _continuous_bernoulli,
    "Bernoulli": _with_probs("Bernoulli"),
    "Geometric": _with_probs("Geometric"),
    "Binomial": _binomial,
    "NegativeBinomial": _negative_binomial,
    "Poisson": _scalar_family("Poisson", {"rate": _positive}),
    "Categorical": _categorical("Categorical"),
    "OneHotCategorical": _categorical("OneHotCategorical"),
    "OneHotCategoricalStraightThrough": _categorical("OneHotCategoricalStraightThrough"),
    "Multinomial": _multinomial,
    "RelaxedBernoulli": _with_probs(
        "RelaxedBernoulli", {"temperature": lambda rng, shape: _concentration(rng, shape)}
    ),
    "RelaxedOneHotCategorical": _categorical("RelaxedOneHotCategorical", temperature=True),
    "Dirichlet": _dirichlet,
    "LogisticNormal": _logistic_normal,
    "MultivariateNormal": _mvn,
    "LowRankMultivariateNormal": _lowrank,
    "Wishart": _wishart,
    "LKJCholesky": _lkj,
    "Independent": _independent,
    "MixtureSameFamily": _mixture,
    "TransformedDistribution": _transformed,
}

# torch 2.13's wrong values (see the module's docstring), kept out of the comparison
NOT_COMPARED = {
    ("Kumaraswamy", "mode"),
    ("InverseGamma", "icdf"),
    ("Weibull", "mode"),
    ("Pareto", "grad mean"),
}


# ---------------------------------------------------------------- values to evaluate at


def _bounds(constraint: Any, like: np.ndarray, name: str) -> np.ndarray | None:
    bound = getattr(constraint, name, None)
    if bound is None:
        return None
    bound = bound.detach().numpy() if isinstance(bound, torch.Tensor) else np.asarray(bound)
    return (
        np.broadcast_to(bound.astype(np.float64), like.shape) if bound.ndim <= like.ndim else None
    )


def _edit(rng: np.random.Generator, support: Any, inside: np.ndarray, where: str) -> np.ndarray:
    """``inside`` (a sample) with some elements moved onto the support's boundary
    (``where == "boundary"``) or outside it (``"outside"``)."""
    vector = False
    while hasattr(support, "base_constraint"):  # an independent constraint: its elements'
        support, vector = support.base_constraint, True
    kind = type(support).__name__.lstrip("_")
    if vector and kind == "Real":
        kind = "RealVector"
    value = inside.copy()
    if value.size == 0:
        return value
    mask = rng.random(value.shape) < 0.5
    mask.flat[int(rng.integers(value.size))] = True
    low, high = _bounds(support, value, "lower_bound"), _bounds(support, value, "upper_bound")
    if kind in {"Real", "RealVector"}:
        if kind == "RealVector" and where == "boundary":
            # (an infinite coordinate: arraygrad's triangular solves give nan, torch's -inf;
            # left out, see the module's docstring)
            return value
        replace = np.full(value.shape, np.inf if where == "boundary" else np.nan)
        if where == "boundary":
            replace = np.where(rng.random(value.shape) < 0.5, replace, -replace)
    elif kind in {"Simplex", "OneHot", "Multinomial", "CorrCholesky", "LowerCholesky"} or (
        kind in {"PositiveDefinite", "PositiveSemidefinite"}
    ):
        if where == "boundary":
            return value
        # scaled events leave the simplex, one-hot and counts; negated matrices leave the
        # Cholesky and definite sets
        return value * _pick(rng, 1.5, -1.0)
    elif kind == "Boolean":
        replace = np.full(value.shape, 1.0 if where == "boundary" else _pick(rng, 0.5, 2.0, -1.0))
    elif low is not None or high is not None:
        integer = "Integer" in kind
        if where == "boundary":
            choices = [b for b in (low, high) if b is not None]
            replace = choices[int(rng.integers(len(choices)))]
        elif high is not None and (low is None or rng.random() < 0.5):
            replace = high + (1.0 if integer else _pick(rng, 0.1, 1e-9, 10.0))
        else:
            replace = low - (1.0 if integer else _pick(rng, 0.1, 1e-9, 10.0))
            if integer and rng.random() < 0.3:
                replace = low + 0.5
    else:
        return value
    return np.where(mask, replace, value)


def _values(rng: np.random.Generator, dist: Any, inside_only: bool = False) -> np.ndarray:
    """Values of the distribution's full shape, some sample_shape in front, or broadcasting
    against the batch; inside the support, on its boundary or outside it."""
    sample_shape = _pick(rng, (), (), (2,), (1, 2))
    inside = dist.sample(sample_shape).detach().numpy().astype(np.float64)
    if rng.random() < 0.2 and len(dist.batch_shape) > 0:  # one value for the whole batch
        inside = inside.reshape(-1, *dist.event_shape)[0]
    where = "inside" if inside_only else _pick(rng, "inside", "inside", "boundary", "outside")
    return inside if where == "inside" else _edit(rng, dist.support, inside, where)


# ---------------------------------------------------------------- running a case


def _draw_case(seed: int) -> Case:
    rng = np.random.default_rng(seed)
    family = sorted(FAMILIES)[int(rng.integers(len(FAMILIES)))]
    batch = _pick(rng, (), (3,), (2, 3), (2, 1))
    params, build = FAMILIES[family](rng, batch)
    case = Case(family, params, build, bool(rng.random() < 0.6))
    torch.manual_seed(seed)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reference = build(torch, {k: torch.tensor(v) for k, v in params.items()}, False)
            for _ in range(int(rng.integers(6, 12))):
                case.steps.append(_draw_step(rng, reference, family))
    except Exception as error:
        case.steps.append(("property", "mean"))
        case.steps.append(("broken", type(error).__name__))
    return case


def _draw_step(rng: np.random.Generator, dist: Any, family: str) -> tuple[Any, ...]:
    kind = _pick(
        rng,
        "log_prob", "log_prob", "log_prob", "cdf", "icdf", "property", "property", "check",
        "enumerate", "expand", "sample", "grad", "grad", "kl", "moments",
    )  # fmt: skip
    if kind in {"log_prob", "cdf", "check"}:
        return (kind, _values(rng, dist))
    if kind == "icdf":
        q = rng.uniform(0, 1, _param_shape(rng, tuple(dist.batch_shape)))
        edges = np.array([0.0, 1.0, 1e-300, 1 - 1e-16, -0.5, 1.5])
        q = np.where(rng.random(q.shape) < 0.3, edges[rng.integers(6, size=q.shape)], q)
        if family == "Gumbel":  # torch 2.13's Gumbel.icdf near 0 and 1 is off (the docstring)
            q = np.where((q < 1e-7) | (q > 1 - 1e-9), 0.5, q)
        return ("icdf", q)
    if kind == "property":
        names = ["mean", "variance", "stddev", "mode", "entropy", "perplexity"]
        names += ["batch_shape", "event_shape", "has_rsample", "has_enumerate_support"]
        return ("property", _pick(rng, *names))
    if kind == "enumerate":
        return ("enumerate", bool(rng.random() < 0.5))
    if kind == "expand":
        batch = tuple(dist.batch_shape)
        new = (*_pick(rng, (), (2,)), *batch)
        if rng.random() < 0.3:  # not a broadcast of the batch: torch raises
            new = (*batch, 5)
        return ("expand", new, _pick(rng, "mean", "variance", "entropy", "sample"))
    if kind == "sample":
        return ("sample", _pick(rng, (), (3,), (2, 1)), bool(rng.random() < 0.5))
    if kind == "grad":
        of = _pick(rng, "log_prob", "log_prob", "entropy", "cdf", "mean")
        # (inside the support: the gradients at infinities and outside are nan in places)
        value = _values(rng, dist, inside_only=True) if of in {"log_prob", "cdf"} else None
        return ("grad", of, value)
    if kind == "kl":
        same = rng.random() < 0.7
        other = family if same else sorted(FAMILIES)[int(rng.integers(len(FAMILIES)))]
        params, build = FAMILIES[other](rng, tuple(dist.batch_shape))
        return ("kl", params, build, other)
    return ("moments",)


def _tensors(lib: Any, params: Params) -> dict[str, Any]:
    return {k: lib.tensor(v, requires_grad=True) for k, v in params.items()}


def _result(value: Any) -> Any:
    """Something comparable across the libraries: arrays with their dtype names, tuples."""
    if isinstance(value, (ag.Tensor, torch.Tensor)):
        array = value.detach().numpy()
        return ("tensor", str(value.dtype).split(".")[-1], np.asarray(array))
    if isinstance(value, (tuple, list)):
        return tuple(_result(v) for v in value)
    return value


def _grads(lib: Any, out: Any, leaves: dict[str, Any]) -> Any:
    if not out.requires_grad:
        return ("no grad",)
    found = lib.autograd.grad(out.sum(), list(leaves.values()), allow_unused=True)
    # a parameter the output does not depend on: None in one library, zeros in the other
    return tuple(
        np.zeros(leaf.shape) if g is None else g.detach().numpy()
        for g, leaf in zip(found, leaves.values(), strict=True)
    )


def _run_step(lib: Any, case: Case, step: tuple[Any, ...]) -> Any:
    leaves = _tensors(lib, case.params)
    dist = case.build(lib, leaves, case.validate)
    kind = step[0]
    if kind in {"log_prob", "cdf"}:
        return _result(getattr(dist, kind)(lib.tensor(step[1])))
    if kind == "icdf":
        return _result(dist.icdf(lib.tensor(step[1])))
    if kind == "check":
        return _result(dist.support.check(lib.tensor(step[1])))
    if kind == "property":
        value = getattr(dist, step[1])
        return _result(value() if callable(value) else value)
    if kind == "enumerate":
        return _result(dist.enumerate_support(expand=step[1]))
    if kind == "expand":
        wider = dist.expand(step[1])
        if step[2] == "sample":
            drawn = wider.sample()
            return (tuple(wider.batch_shape), tuple(drawn.shape), str(drawn.dtype).split(".")[-1])
        value = getattr(wider, step[2])
        return (tuple(wider.batch_shape), _result(value() if callable(value) else value))
    if kind == "sample":
        return _sample(lib, dist, step[1], step[2])
    if kind == "grad":
        if step[1] == "entropy":
            out = dist.entropy()
        elif step[1] == "mean":
            out = dist.mean
        else:
            out = getattr(dist, step[1])(lib.tensor(step[2]))
        return (_result(out), _grads(lib, out, leaves))
    if kind == "kl":
        other_leaves = _tensors(lib, step[1])
        other = step[2](lib, other_leaves, case.validate)
        out = lib.distributions.kl_divergence(dist, other)
        return (
            _result(out),
            _grads(lib, out, {**leaves, **{"q" + k: v for k, v in other_leaves.items()}}),
        )
    if kind == "moments":
        return _moments(lib, dist)
    raise AssertionError(step)


def _sample(lib: Any, dist: Any, shape: tuple[int, ...], reparameterised: bool) -> Any:
    """Shapes, dtypes and support membership of a draw (the streams differ)."""
    lib.manual_seed(0)
    drawn = dist.rsample(shape) if reparameterised else dist.sample(shape)
    inside = np.asarray(dist.support.check(drawn).detach().numpy())
    return (
        tuple(drawn.shape),
        str(drawn.dtype).split(".")[-1],
        drawn.requires_grad,
        dist.has_rsample,
        bool(np.all(inside)),
    )


def _moments(lib: Any, dist: Any) -> Any:
    """The mean of 4000 draws within 6 standard errors of ``mean`` (where the variance is
    finite and the draws are): True or False, the same in both libraries."""
    lib.manual_seed(1)
    mean = dist.mean.detach().numpy()
    variance = dist.variance.detach().numpy()
    drawn = dist.sample((4000,)).detach().numpy().astype(np.float64)
    finite = np.isfinite(mean) & np.isfinite(variance) & np.isfinite(drawn).all(0)
    error = np.abs(drawn.mean(0) - mean)
    bound = 6 * np.sqrt(variance / 4000) + 1e-9 * np.abs(mean) + 1e-12
    # Where 4000 draws expect under one standard deviation's worth of spread (a category of
    # probability p < 1 / 4000: variance p (1 - p)), the normal bound is below what a single
    # rare draw moves the mean by, 1 / 4000 of its value (p = 2.25e-6: one draw in 4000, as
    # 0.9% of seeds get, is 0.00025 off, 6 standard errors 0.00014; seeds 30787, 33233).
    rare = 4000 * variance < 1
    with np.errstate(invalid="ignore"):
        bound = bound + np.where(rare, np.abs(drawn).max(0) / 4000, 0.0)
    return bool(np.all(np.where(finite, error <= bound, True)))


def _outcome(lib: Any, case: Case, step: tuple[Any, ...]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ("value", _run_step(lib, case, step))
        except Exception as error:
            return ("raised", type(error).__name__)


def _assert_same(
    mine: Any, theirs: Any, where: str, atol: float = ATOL, floor: float = 0.0
) -> None:
    """``floor``: an absolute tolerance alone (``atol`` is a relative one too)."""
    if isinstance(theirs, np.ndarray):
        assert isinstance(mine, np.ndarray), where
        assert mine.shape == theirs.shape, f"{where}: shape {mine.shape} != {theirs.shape}"
        assert mine.dtype == theirs.dtype or (mine.dtype.kind == theirs.dtype.kind == "f"), (
            f"{where}: dtype {mine.dtype} != {theirs.dtype}"
        )
        if theirs.dtype.kind in "fc":
            rtol = max(RTOL, atol)
            np.testing.assert_allclose(
                mine, theirs, rtol, max(atol, floor), equal_nan=True, err_msg=where
            )
        else:
            np.testing.assert_array_equal(mine, theirs, err_msg=where)
    elif isinstance(theirs, tuple):
        assert isinstance(mine, tuple) and len(mine) == len(theirs), f"{where}: {mine} {theirs}"
        for i, (a, b) in enumerate(zip(mine, theirs, strict=True)):
            _assert_same(a, b, f"{where}[{i}]", atol, floor)
    else:
        assert mine == theirs, f"{where}: {mine!r} != {theirs!r}"


def run_case(seed: int) -> None:
    case = _draw_case(seed)
    for index, step in enumerate(case.steps):
        if step[0] == "broken":
            continue
        if step[0] == "property" and (case.family, step[1]) in NOT_COMPARED:
            continue
        if step[0] == "icdf" and (case.family, "icdf") in NOT_COMPARED:
            continue
        if step[:2] == ("grad", "mean") and (case.family, "grad mean") in NOT_COMPARED:
            continue
        if _left_out(case, step):
            continue
        mine, theirs = _outcome(ag, case, step), _outcome(torch, case, step)
        if step[0] == "kl" and theirs == ("raised", "IndexError") and mine[0] == "value":
            continue  # torch's mask of one batch shape alone (the docstring)
        if step[0] == "kl" and (case.family, step[3]) == ("Uniform", "Gumbel"):
            theirs = _inf_for_nan(mine, theirs)  # torch's inf - inf (the docstring)
        if step[0] in {"grad", "kl"}:
            dropped = _inexact_gradients(case, step)
            mine, theirs = _without(mine, dropped), _without(theirs, dropped)
        if step[0] == "kl" and case.family == step[3] == "Wishart" and "scale_tril" in step[1]:
            # torch's gradient above q's scale_tril's diagonal, which the KL does not read
            # (p's gradients are dropped above, so q's are the ones left, in order)
            at = list(step[1]).index("scale_tril")
            mine, theirs = _lower_only(mine, at), _lower_only(theirs, at)
        if step[0] == "kl" and _overflows(theirs):  # no meaningful gradient (the docstring)
            mine, theirs = _value_only(mine), _value_only(theirs)
        if step[0] == "grad" and _has_nan(mine) and _has_nan(theirs):  # nor of a nan
            mine, theirs = _value_only(mine), _value_only(theirs)
        label = f"seed {seed} {case.family} validate={case.validate} step {index} {step[:2]!r}"
        floor = _gradient_noise(theirs) if step[0] == "grad" else 0.0
        _assert_same(mine, theirs, label, _atol(case, step), floor)


def _gradient_noise(outcome: Any) -> float:
    """The rounding noise of a gradient that sums terms as large as the step's largest
    (absolute, a few eps of it): a gradient that is 0 but for rounding differs by that much
    (a mixture of equal Normals at their mean: 3e-10 and -2e-10 in loc beside 3.4e6 in scale,
    seeds 50198, 53059)."""
    if isinstance(outcome, tuple):
        return max((_gradient_noise(part) for part in outcome), default=0.0)
    if isinstance(outcome, np.ndarray) and outcome.dtype.kind == "f" and outcome.size:
        finite = np.abs(outcome[np.isfinite(outcome)])
        return 2e-15 * float(np.max(finite, initial=0.0))
    return 0.0


# beyond these logits a ContinuousBernoulli's λ is clamped one epsilon inside (0, 1)
_CLAMPED_LOGITS = float(np.log1p(-np.finfo(np.float64).eps) - np.log(np.finfo(np.float64).eps))
_ENTROPIC = {"entropy", "perplexity"}


def _left_out(case: Case, step: tuple[Any, ...]) -> bool:
    """Steps where torch 2.13 is wrong (the module's docstring)."""
    kind = step[0]
    if kind == "kl":
        pair = {case.family, step[3]}
        beyond = [
            np.any(np.abs(params.get("logits", 0.0)) > _CLAMPED_LOGITS)
            for family, params in ((case.family, case.params), (step[3], step[1]))
            if family == "ContinuousBernoulli"
        ]
        if any(beyond):
            return True
        if pair == {"Wishart"}:
            matrices = [np.shape(v) for v in (*case.params.values(), *step[1].values())]
            sizes = {shape[-1] for shape in matrices if len(shape) >= 2}
            batched = any(len(shape) > 2 for shape in matrices) or any(
                np.ndim(v) > 0 for v in (case.params["df"], step[1]["df"])
            )
            return len(sizes) > 1 or batched
    if case.family == "Multinomial" and kind == "expand" and step[2] == "entropy":
        return True
    if kind == "kl" and (case.family, step[3]) == ("Gamma", "Gumbel"):
        return bool(np.any(step[1]["loc"] / step[1]["scale"] > 709))  # torch's inf * 0
    if kind == "kl" and case.family == step[3] == "Geometric":
        if np.any(case.params.get("logits", 0.0) < -700):
            return True
        # the KL holds p's entropy, which torch's loses digits of (the docstring)
        return bool(np.any(_geometric_probs(case.params) < 1e-5))
    if case.family == "TransformedDistribution" and (
        kind in {"log_prob", "cdf"} or (kind == "grad" and step[1] in {"log_prob", "cdf"})
    ):
        return _inverse_amplification(case, step[-1]) > 1e-9
    if kind == "property" and step[1] == "mode":
        params = case.params
        if "concentration1" in params:  # a Beta, alone or under Independent
            below = (params["concentration1"] < 1) & (params["concentration0"] < 1)
            return bool(np.any(below))
        if case.family == "Dirichlet":
            return bool(np.any(np.all(params["concentration"] < 1, -1)))
    if case.family == "Gumbel" and (kind == "cdf" or step[:2] == ("grad", "cdf")) and case.validate:
        # torch's base uniform keeps the standardised value within about (-6.56, 36.04)
        z = (step[-1] - case.params["loc"]) / case.params["scale"]
        return bool(np.any(~((z > -6.5) & (z < 36))))
    if case.family == "Weibull" and kind == "sample":  # a draw underflows to 0 (docstring)
        return bool(np.any(case.params["concentration"] < 0.05))
    if case.family == "LogNormal" and kind == "sample":  # exp(loc + scale z) may underflow
        return bool(np.any(case.params["loc"] - 6 * case.params["scale"] < -740))
    if case.family == "TransformedDistribution" and kind == "sample":  # so may exp, softplus
        return bool(np.any(case.params["scale"] > 1e3))
    if case.family == "VonMises" and kind == "moments":  # circular moments (the docstring)
        return True
    if case.family == "NegativeBinomial" and kind in {"sample", "moments"}:
        # the Poisson rate, a Gamma draw of mean total_count exp(logits), may pass 2^63
        mean = case.build(ag, _tensors(ag, case.params), False).mean.detach().numpy()
        return bool(np.any(case.params.get("logits", 0.0) > 40) or np.any(mean > 1e17))
    if case.family == "Geometric":
        entropic = (kind == "property" and step[1] in _ENTROPIC) or step[:2] == ("grad", "entropy")
        entropic = entropic or (kind == "expand" and step[2] == "entropy")
        small = np.any(case.params.get("probs", 1.0) < 1e-5) or np.any(
            case.params.get("logits", 0.0) < -12
        )
        return bool(entropic and small)
    return False


def _geometric_probs(params: Params) -> np.ndarray:
    """A Geometric's success probabilities, from ``probs`` or ``logits``."""
    if "probs" in params:
        return np.asarray(params["probs"])
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-np.asarray(params["logits"])))


def _inverse_amplification(case: Case, value: Any) -> float:
    """The largest ``eps / gap`` where the value, carried back through a transformed
    distribution's transforms, meets a Sigmoid's or Tanh's inverse at ``gap`` from the bound
    of its codomain: the error there of an ulp of the intermediate value (the docstring)."""
    tr = ag.distributions.transforms
    dist = case.build(ag, _tensors(ag, case.params), False)
    parts: list[Any] = []
    for transform in dist.transforms:
        parts.extend(getattr(transform, "parts", [transform]))
    worst = 0.0
    y = ag.tensor(value)
    with ag.no_grad(), np.errstate(all="ignore"):
        for transform in reversed(parts):
            u = np.asarray(y.numpy(), dtype=np.float64)
            if isinstance(transform, tr.TanhTransform):
                gap = 1 - np.abs(u)
            elif isinstance(transform, tr.SigmoidTransform):
                gap = np.minimum(u, 1 - u)
            else:
                gap = np.array([])
            gap = gap[np.isfinite(gap) & (gap > 0)]
            if gap.size:
                worst = max(worst, float(np.finfo(np.float64).eps / gap.min()))
            y = transform.inv(y)
    return worst


def _carried_back_sensitivity(case: Case, value: Any) -> float:
    """How far a relative nudge of ``value`` moves it carried back through a transformed
    distribution's inverse transforms, per unit of the nudge: the base-space error that the
    inverses' rounding amplifies (two Sigmoid inverses at y = 0.70 multiply the relative
    error by about 15: seed 56374). 0 without a value or where the inverses are not finite."""
    if value is None:
        return 0.0
    dist = case.build(ag, _tensors(ag, case.params), False)
    nudge = 1e-8
    carried = []
    with ag.no_grad(), np.errstate(all="ignore"):
        for y in (np.asarray(value, dtype=np.float64), np.asarray(value) * (1 + nudge)):
            x = ag.tensor(y)
            for transform in reversed(dist.transforms):
                x = transform.inv(x)
            carried.append(x.numpy())
        moved = np.abs(carried[1] - carried[0]) / nudge
    return float(np.max(moved[np.isfinite(moved)], initial=0.0))


def _continuous_bernoulli_cancellation(params: Params) -> float:
    """torch 2.13's error in a ContinuousBernoulli's mean and variance and their gradients
    just outside the lims (0.499, 0.501), where its closed forms cancel two terms of size
    1 / (2 (2λ - 1)): about 0.03 eps / logits⁴ (the docstring)."""
    eps = float(np.finfo(np.float64).eps)
    if "logits" in params:
        x = np.asarray(params["logits"], dtype=np.float64)
    else:
        p = np.clip(np.asarray(params["probs"], dtype=np.float64), eps, 1 - eps)
        x = np.log(p) - np.log1p(-p)
    lam = 1 / (1 + np.exp(-x))
    x = np.abs(x[(lam <= 0.499) | (lam >= 0.501)])
    return 0.1 * eps / float(np.min(x)) ** 4 if x.size else 0.0


def _low_rank_params(case: Case, step: tuple[Any, ...]) -> list[Params]:
    """The parameters of the step's LowRankMultivariateNormals (the case's, a KL's other)."""
    found = [case.params] if case.family == "LowRankMultivariateNormal" else []
    if step[0] == "kl" and step[3] == "LowRankMultivariateNormal":
        found.append(step[1])
    return found


def _inexact_gradients(case: Case, step: tuple[Any, ...]) -> set[int]:
    """The positions, among a grad or kl step's gradients, of those torch 2.13 gets wrong
    (the docstring): the ``cov_diag`` and ``cov_factor`` of a LowRankMultivariateNormal whose
    ``cov_diag`` has an element below 1e-4, and p's parameters in a Wishart KL."""
    named = [(case.family, name, case.params) for name in case.params]
    if step[0] == "kl":
        if case.family == step[3] == "Wishart":  # torch detaches p's parameters
            return set(range(len(case.params)))
        named += [(step[3], name, step[1]) for name in step[1]]
    return {
        i
        for i, (family, name, params) in enumerate(named)
        if family == "LowRankMultivariateNormal"
        and name in {"cov_diag", "cov_factor"}
        and bool(np.any(params["cov_diag"] < 1e-4))
    }


def _without(outcome: Any, dropped: set[int]) -> Any:
    """A grad or kl outcome with the gradients at ``dropped`` left out."""
    if not dropped or outcome[0] != "value":
        return outcome
    value, grads = outcome[1]
    if grads and isinstance(grads[0], str):  # ("no grad",)
        return outcome
    kept = tuple(g for i, g in enumerate(grads) if i not in dropped)
    return ("value", (value, kept))


def _lower_only(outcome: Any, at: int) -> Any:
    """A kl outcome with the gradient at ``at`` (a matrix) zeroed above its diagonal."""
    if outcome[0] != "value":
        return outcome
    value, grads = outcome[1]
    if grads and isinstance(grads[0], str):  # ("no grad",)
        return outcome
    grads = tuple(np.tril(g) if i == at else g for i, g in enumerate(grads))
    return ("value", (value, grads))


def _overflows(outcome: Any) -> bool:
    """Whether a KL step's value has an infinite element."""
    return outcome[0] == "value" and bool(np.isinf(outcome[1][0][2]).any())


def _has_nan(outcome: Any) -> bool:
    """Whether a gradient or KL step's value has a nan element."""
    return outcome[0] == "value" and bool(np.isnan(outcome[1][0][2]).any())


def _inf_for_nan(mine: Any, theirs: Any) -> Any:
    """torch's KL step with inf for its nan where arraygrad's value is inf."""
    if mine[0] != "value" or theirs[0] != "value":
        return theirs
    (kind, dtype, value), ours = theirs[1][0], mine[1][0][2]
    if np.shape(value) != np.shape(ours):
        return theirs
    value = np.where(np.isnan(value) & np.isposinf(ours), np.inf, value)
    return ("value", ((kind, dtype, value), *theirs[1][1:]))


def _value_only(outcome: Any) -> Any:
    return ("value", (outcome[1][0],)) if outcome[0] == "value" else outcome


# the counting families, whose log_prob at a count k is a sum of terms of size k log k
# (lgamma(k + 1) among them) that cancel: a last-bit difference in lgamma is absolute
COUNTS = {"Poisson", "Binomial", "NegativeBinomial", "Multinomial", "Geometric"}
# torch 2.13's VonMises normaliser log I0(concentration) and I1 / I0 are polynomial
# approximations (mpmath: torch's log_prob at k = 143.4 is 4.4e-7 off, at k = 0.325 1.3e-8;
# the gradient at k = 0.283 1.3e-7; the variance 1 - I1 / I0 at k = 106.43 1.01e-6, seed
# 28084; arraygrad's within 1e-15)
LOOSE = {"VonMises": 2e-6}


# torch 2.13's trigamma (the derivative of digamma, which entropies and KLs of the gamma
# families hold) is good to about 4e-10 relative (mpmath: polygamma(1, 1.98369) is
# 0.6515902817 in torch, 0.6515902815 exactly and in arraygrad); cancellation amplifies it
LOOSE_GRADIENTS = 1e-7


# torch 2.13's Multinomial entropy subtracts log n! rounded to float32 (the docstring)
MULTINOMIAL_ENTROPY = 1e-6


# torch 2.13's regularized incomplete gamma (Gamma's and Chi2's cdf) is good to about 2e-9
# relative (mpmath: at shape 52.7, x 40.9 it is 0.04247753226819256, arraygrad's 1e-14 off,
# torch's 1.3e-9, seed 52599; 1.7e-9 at shape 200.6, x 137.1)
IGAMMA = 1e-8


def _base_family(case: Case) -> str:
    """The family of the case, or under an Independent the family it reinterprets (whose
    parameters are the case's: torch's errors in them are the same)."""
    if case.family != "Independent":
        return case.family
    return type(case.build(ag, _tensors(ag, case.params), False).base_dist).__name__


def _atol(case: Case, step: tuple[Any, ...]) -> float:
    family = case.family
    atol = LOOSE.get(family, ATOL)
    entropic = (step[0] == "property" and step[1] in _ENTROPIC) or step[:2] == (
        "grad",
        "entropy",
    )
    if family == "Multinomial" and entropic:
        atol = max(atol, MULTINOMIAL_ENTROPY)
    if (
        step[0] == "grad"
        and _base_family(case) in {"Bernoulli", "Binomial", "Multinomial"}
        and "probs" in case.params
    ):
        # torch differentiates through logits from probabilities rounded near 0 and 1
        p = np.asarray(case.params["probs"])
        inner = np.minimum(p, 1 - p)[(p > 0) & (p < 1)]
        if inner.size:
            atol = max(atol, float(np.finfo(np.float64).eps) / float(np.min(inner)))
    if family == "VonMises" and step[:2] == ("property", "stddev"):
        # the square root of the variance 1 - I1 / I0, whose error it divides by 2 stddev
        stddev = case.build(ag, _tensors(ag, case.params), False).stddev.detach().numpy()
        atol = max(atol, LOOSE[family] / (2 * float(np.min(stddev))))
    if family == "NegativeBinomial" and step[0] in {"log_prob", "grad"}:
        count = case.build(ag, _tensors(ag, case.params), False).total_count.detach().numpy()
        atol = max(atol, 8e-16 * float(np.max(count * np.log(count + 2))))
    if family in {"Gamma", "Chi2"} and (step[0] == "cdf" or step[:2] == ("grad", "cdf")):
        atol = max(atol, IGAMMA)  # (an Independent has no cdf)
    if family == "Kumaraswamy" and step[0] in {"log_prob", "grad", "cdf"} and step[-1] is not None:
        a, b = case.params["concentration1"], case.params["concentration0"]
        with np.errstate(all="ignore"):
            # 1 - x^a, exactly; both libraries round x^a first (the docstring)
            gap = -np.expm1(a * np.log(np.asarray(step[-1], dtype=np.float64)))
            # (the cdf 1 - gap^b: the derivative in gap, b gap^(b - 1))
            spread = b * gap ** (b - 1) if step[0] == "cdf" else np.abs(b - 1) / gap
            loss = np.nan_to_num(spread, nan=0.0, posinf=0.0)
        atol = max(atol, 2e-16 * float(np.max(loss, initial=0.0)))
    if family == "Kumaraswamy" and (
        (step[0] == "property" and step[1] in {"variance", "stddev"})
        or (step[0] == "expand" and step[2] == "variance")  # (seed 114060)
    ):
        # E[X²] - E[X]², which both compute, cancels where the variance is small (the docstring)
        dist = case.build(ag, _tensors(ag, case.params), False)
        ratio = (dist.mean**2 / dist.variance).detach().numpy()
        atol = max(atol, 1e-15 * float(np.max(ratio[np.isfinite(ratio)], initial=0.0)))
        # the moments are exp(log b + log B(1 + n / a, b)), whose lgammas of size L round to
        # eps L absolute: the variance's error is about 2 eps L mean², the stddev's that over
        # twice the stddev
        a, b = np.broadcast_arrays(case.params["concentration1"], case.params["concentration0"])
        lgamma = np.vectorize(math.lgamma)
        size = np.abs(np.log(b)) + np.abs(lgamma(b)) + np.abs(lgamma(1 + 2 / a + b)) + 1
        loss = 2 * np.finfo(np.float64).eps * size * dist.mean.detach().numpy() ** 2
        if step[1] == "stddev":
            loss = loss / (2 * dist.stddev.detach().numpy())
        atol = max(atol, float(np.max(loss[np.isfinite(loss)], initial=0.0)))
    if family == "TransformedDistribution" and step[0] in {"log_prob", "cdf", "grad"}:
        loc, scale = case.params["loc"], case.params["scale"]
        carried = _carried_back_sensitivity(case, step[-1])
        atol = max(atol, 1e-15 * (1 + float(np.max(np.abs(loc))) + carried) / float(np.min(scale)))
    if family == "ContinuousBernoulli":
        atol = max(atol, _continuous_bernoulli_cancellation(case.params))
    if family == "Geometric" and (step[0] == "kl" or step[:2] == ("grad", "entropy")):
        # torch's gradient in p near 1, from logits of p rounded there (the docstring)
        gap = 1 - _geometric_probs(case.params)
        gap = gap[gap > 0]
        if gap.size:
            atol = max(atol, float(np.finfo(np.float64).eps) / float(np.min(gap)))
    if family == "Wishart" and (step[0] == "log_prob" or step[:2] == ("grad", "log_prob")):
        # log |det X| loses about eps cond(X) in both libraries (the docstring)
        value = np.asarray(step[-1], dtype=np.float64)
        with np.errstate(all="ignore"):
            cond = np.nan_to_num(np.linalg.cond(value), nan=0.0, posinf=0.0)
        weight = float(np.max(np.abs(case.params["df"] - value.shape[-1] - 1))) / 2 + 1
        if step[0] == "grad":  # the matrix parameter's gradient cancels terms of size |X|
            weight *= 32
        atol = max(atol, 1e-15 * weight * float(np.max(cond, initial=0.0)))
    if (
        family == "Wishart"
        and step[:2] == ("grad", "log_prob")
        and "precision_matrix" in case.params
    ):
        # the gradient df / 2 P⁻¹ - X / 2 cancels terms the inversion of P rounds to about
        # eps cond(P) of their size (the docstring)
        precision = np.asarray(case.params["precision_matrix"], dtype=np.float64)
        with np.errstate(all="ignore"):
            cond = np.nan_to_num(np.linalg.cond(precision), nan=0.0, posinf=0.0)
            size = np.max(np.abs(case.params["df"])) * np.max(np.abs(np.linalg.inv(precision)))
        size = float(np.nan_to_num(size, nan=0.0, posinf=0.0))
        atol = max(atol, 32e-15 * size * float(np.max(cond, initial=0.0)))
    for params in _low_rank_params(case, step):
        # torch's Woodbury forms lose eps ‖W‖² / d (the docstring)
        scale = 1 + float(np.max(params["cov_factor"] ** 2))
        atol = max(atol, 1e-15 * scale / float(np.min(params["cov_diag"])))
    if step[0] == "kl" or step[:2] == ("grad", "entropy"):
        atol = max(atol, LOOSE_GRADIENTS)
    if family in COUNTS and step[0] in {"log_prob", "grad"} and step[-1] is not None:
        counts = np.abs(np.nan_to_num(np.asarray(step[-1]), posinf=0.0, neginf=0.0))
        if counts.size:
            atol = max(atol, 8e-16 * float(np.max(counts * np.log(counts + 2))))
    return atol


@pytest.mark.parametrize("seed", SEEDS)
def test_distributions_agree_with_torch(seed: int) -> None:
    run_case(seed)


if __name__ == "__main__":
    first, count = int(sys.argv[1]), int(sys.argv[2])
    failures = 0
    for seed in range(first, first + count):
        try:
            run_case(seed)
        except Exception as exc:  # report and go on
            failures += 1
            print(f"{type(exc).__name__}: {str(exc)[:600]}")
    print(f"{failures} of {count} failed")
