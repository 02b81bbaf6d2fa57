"""The :class:`ExponentialFamily` base: families whose density is
``exp(<t(x), eta> - A(eta) + k(x))`` for natural parameters ``eta``, log-normalizer ``A`` and
carrier measure ``k``.

Because ``A`` is the cumulant function, its gradient is the mean of the sufficient statistic;
that gives a generic entropy ``A(eta) - <eta, grad A(eta)> - E[k(x)]`` and, between two members
of one family, the KL divergence as the Bregman divergence of ``A`` (Nielsen and Nock,
"Entropies and cross-entropies of exponential families").

>>> import arraygrad as torch
>>> D = torch.distributions
>>> isinstance(D.Normal(0.0, 1.0), D.ExponentialFamily)
True
>>> round(float(D.ExponentialFamily.entropy(D.Exponential(torch.tensor(1.0)))), 6)
1.0
"""

from __future__ import annotations

from typing import Any

import arraygrad as ag
from arraygrad.distributions.distribution import Distribution

__all__ = ["ExponentialFamily"]


def _differentiable(natural: tuple[ag.Tensor, ...]) -> list[ag.Tensor]:
    """The natural parameters as tensors ``autograd.grad`` can differentiate with respect to.
    Those already in a graph stay in it, so the results remain differentiable with respect to
    the distribution's own parameters; the others become fresh leaves."""
    return [eta if eta.requires_grad else eta.detach().requires_grad_() for eta in natural]


def _mean_statistics(
    family: ExponentialFamily, natural: list[ag.Tensor]
) -> tuple[ag.Tensor, tuple[ag.Tensor, ...]]:
    """``A(eta)`` and its gradient, the expected sufficient statistics; the gradient keeps its
    graph (``create_graph``) so that what is built from it can be differentiated again."""
    log_norm = family._log_normalizer(*natural)
    grads = ag.autograd.grad(log_norm.sum(), natural, create_graph=True)
    return log_norm, tuple(grads)  # type: ignore[arg-type]


def _pairing(family: Distribution, eta: ag.Tensor, stat: ag.Tensor) -> ag.Tensor:
    """``<eta, stat>`` per batch element: the product summed over everything right of the
    batch dimensions (an event's entries, a matrix parameter's entries)."""
    product = eta * stat
    return product.reshape(tuple(family.batch_shape) + (-1,)).sum(-1)


class ExponentialFamily(Distribution):
    """Abstract base of the exponential-family distributions (``torch.distributions``).

    A subclass defines ``_natural_params`` (a tuple of tensors), ``_log_normalizer(*eta)`` and
    ``_mean_carrier_measure`` (the expectation of ``k(x)``); :meth:`entropy` then follows, and
    :func:`~arraygrad.distributions.kl_divergence` between two instances of the subclass falls
    back on the Bregman divergence of the log-normalizer where no closed form is registered.

    >>> import arraygrad as torch
    >>> d = torch.distributions.Poisson(torch.tensor(2.0))
    >>> d._log_normalizer(*d._natural_params)
    tensor(2.)
    """

    @property
    def _natural_params(self) -> tuple[ag.Tensor, ...]:
        """The natural parameters ``eta``, as a tuple."""
        raise NotImplementedError

    def _log_normalizer(self, *natural_params: Any) -> ag.Tensor:
        """The log-normalizer ``A`` evaluated at the given natural parameters."""
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self) -> Any:
        """``E[k(x)]``, the expected carrier measure."""
        raise NotImplementedError

    def entropy(self) -> ag.Tensor:
        """The entropy from the log-normalizer: ``A(eta) - <eta, grad A(eta)> - E[k(x)]``."""
        carrier = self._mean_carrier_measure  # first, so families without one fail early
        # enable_grad: autograd finds the mean statistics even when called under no_grad
        with ag.enable_grad():
            natural = _differentiable(self._natural_params)
            log_norm, stats = _mean_statistics(self, natural)
            result = log_norm - carrier
            for eta, stat in zip(natural, stats, strict=True):
                result = result - _pairing(self, eta, stat)
        return result


def bregman_kl(p: ExponentialFamily, q: ExponentialFamily) -> ag.Tensor:
    """KL(p || q) for two members of one exponential family:
    ``A(eta_q) - A(eta_p) - <eta_q - eta_p, grad A(eta_p)>``."""
    if type(p) is not type(q):
        raise NotImplementedError(
            "The cross KL-divergence between different exponential families cannot"
            "                             be computed using Bregman divergences"
        )
    with ag.enable_grad():
        natural_p = _differentiable(p._natural_params)
        log_norm_p, stats_p = _mean_statistics(p, natural_p)
        result = q._log_normalizer(*q._natural_params) - log_norm_p
        for eta_p, eta_q, stat in zip(natural_p, q._natural_params, stats_p, strict=True):
            result = result - _pairing(p, eta_q - eta_p, stat)
    return result
