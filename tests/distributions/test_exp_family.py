"""ExponentialFamily against torch.distributions in float64: which families belong to it, each
member's natural parameters, log-normalizer and mean carrier measure, the generic (Bregman)
entropy and KL divergence against torch's and against each family's closed forms, and their
gradients with respect to the parameters by finite differences."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad.distributions.exp_family import bregman_kl
from tests.oracle import gradcheck, outcome_in_each


def _members(lib: Any) -> dict[str, tuple[Any, Any]]:
    """Two members of each of torch's exponential families, with float64 batches of two (the
    continuous Bernoulli also on both sides of its series near 1/2)."""
    d = lib.distributions

    def t(value: Any) -> Any:
        return lib.tensor(value, dtype=lib.float64)

    eye = lib.eye(2, dtype=lib.float64)
    return {
        "Bernoulli": (d.Bernoulli(t([0.3, 0.6])), d.Bernoulli(t([0.5, 0.1]))),
        "Beta": (d.Beta(t([2.0, 3.0]), t([1.5, 0.5])), d.Beta(t([1.0, 2.0]), t([2.5, 0.7]))),
        "Chi2": (d.Chi2(t([2.0, 3.0])), d.Chi2(t([4.0, 1.0]))),
        "ContinuousBernoulli": (
            d.ContinuousBernoulli(t([0.3, 0.5, 0.4999, 0.9999])),
            d.ContinuousBernoulli(t([0.8, 0.2, 0.5003, 0.01])),
        ),
        "Dirichlet": (
            d.Dirichlet(t([[2.0, 3.0, 1.0], [0.5, 0.5, 0.5]])),
            d.Dirichlet(t([[1.0, 2.0, 4.0], [3.0, 0.2, 1.0]])),
        ),
        "Exponential": (d.Exponential(t([2.0, 3.0])), d.Exponential(t([1.0, 0.3]))),
        "Gamma": (d.Gamma(t([2.0, 3.0]), t([1.5, 0.5])), d.Gamma(t([1.0, 2.0]), t([0.5, 0.9]))),
        "Normal": (d.Normal(t([2.0, 3.0]), t([1.5, 0.5])), d.Normal(t([0.0, 1.0]), t([0.5, 2.0]))),
        "Poisson": (d.Poisson(t([2.0, 3.0])), d.Poisson(t([1.0, 5.0]))),
        "Wishart": (
            d.Wishart(t([3.5, 4.0]), 2 * eye),
            d.Wishart(t([4.5, 2.0]), scale_tril=t([[1.0, 0.0], [0.5, 2.0]])),
        ),
    }


FAMILIES = sorted(_members(torch))
# families torch gives no carrier measure, so no generic entropy
NO_CARRIER = {"Beta", "Dirichlet", "Poisson"}


def _numpy(value: Any) -> np.ndarray:
    return np.asarray(value.detach().numpy())


def test_the_same_families_are_exponential_families() -> None:
    for name in torch.distributions.__all__:
        theirs = getattr(torch.distributions, name)
        if not (inspect.isclass(theirs) and issubclass(theirs, torch.distributions.Distribution)):
            continue
        mine = getattr(ag.distributions, name)
        in_torch = issubclass(theirs, torch.distributions.ExponentialFamily)
        assert issubclass(mine, ag.distributions.ExponentialFamily) == in_torch, name
    assert issubclass(ag.distributions.ExponentialFamily, ag.distributions.Distribution)


@pytest.mark.parametrize("family", FAMILIES)
def test_natural_parameters_and_log_normalizer_as_torch(family: str) -> None:
    theirs, _ = _members(torch)[family]
    mine, _ = _members(ag)[family]
    assert len(mine._natural_params) == len(theirs._natural_params)
    for a, t in zip(mine._natural_params, theirs._natural_params, strict=True):
        np.testing.assert_allclose(_numpy(a), _numpy(t), rtol=1e-12)
    np.testing.assert_allclose(
        _numpy(mine._log_normalizer(*mine._natural_params)),
        _numpy(theirs._log_normalizer(*theirs._natural_params)),
        rtol=1e-10,
        atol=1e-14,
    )

    def carrier(lib: Any) -> Any:
        d = _members(lib)[family][0]
        return d._mean_carrier_measure

    assert outcome_in_each(carrier, (NotImplementedError,)) == (
        ("NotImplementedError",) * 2 if family in NO_CARRIER else (0, 0)
    )


def test_continuous_bernoulli_log_normalizer_near_zero_as_torch() -> None:
    # the series branch (probabilities within lims) and the closed form on both sides of it
    eta = [0.0, 1e-4, -1e-3, 3.9e-3, 4.1e-3, 0.5, -40.0, 600.0]
    values = []
    for lib in (torch, ag):
        d = lib.distributions.ContinuousBernoulli(lib.tensor([0.3], dtype=lib.float64))
        values.append(_numpy(d._log_normalizer(lib.tensor(eta, dtype=lib.float64))))
    np.testing.assert_allclose(values[1], values[0], rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("family", FAMILIES)
def test_generic_entropy_as_torch_and_as_the_closed_form(family: str) -> None:
    def entropy(lib: Any) -> Any:
        d = _members(lib)[family][0]
        return _numpy(lib.distributions.ExponentialFamily.entropy(d)).tolist()

    theirs, mine = outcome_in_each(entropy, (NotImplementedError,))
    if family in NO_CARRIER:
        assert theirs == mine == "NotImplementedError"
        return
    np.testing.assert_allclose(mine, theirs, rtol=1e-10)
    d = _members(ag)[family][0]
    np.testing.assert_allclose(mine, _numpy(d.entropy()), rtol=1e-9, atol=1e-12)
    # no_grad around it changes nothing: autograd is switched on inside
    with ag.no_grad():
        np.testing.assert_allclose(_numpy(ag.distributions.ExponentialFamily.entropy(d)), mine)


@pytest.mark.parametrize("family", FAMILIES)
def test_bregman_kl_as_torch_and_as_the_closed_form(family: str) -> None:
    tp, tq = _members(torch)[family]
    mp, mq = _members(ag)[family]
    mine = _numpy(bregman_kl(mp, mq))
    theirs = _numpy(torch.distributions.kl._kl_expfamily_expfamily(tp, tq))
    if family == "Wishart":
        # torch sums the degrees-of-freedom term over the whole batch (its closed form has
        # the same fault), so it is compared one element at a time
        theirs = np.array([_numpy(_torch_wishart_bregman(i)) for i in range(2)])
    np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)
    closed = _numpy(ag.distributions.kl_divergence(mp, mq))
    np.testing.assert_allclose(mine, closed, rtol=1e-8, atol=1e-12)


def _torch_wishart_bregman(index: int) -> Any:
    """torch's Bregman KL between the ``index``-th Wishart members, built unbatched."""
    d = torch.distributions
    df_p, df_q = [3.5, 4.0][index], [4.5, 2.0][index]
    t = torch.tensor
    p = d.Wishart(t(df_p, dtype=torch.float64), 2 * torch.eye(2, dtype=torch.float64))
    tril = t([[1.0, 0.0], [0.5, 2.0]], dtype=torch.float64)
    q = d.Wishart(t(df_q, dtype=torch.float64), scale_tril=tril)
    return d.kl._kl_expfamily_expfamily(p, q)


def test_kl_between_different_families_raises_torch_error() -> None:
    def kl(lib: Any) -> Any:
        members = _members(lib)
        return lib.distributions.kl_divergence(members["Poisson"][0], members["Normal"][0])

    messages = []
    for lib in (torch, ag):
        with pytest.raises(NotImplementedError) as error:
            kl(lib)
        messages.append(str(error.value))
    assert messages[0] == messages[1]
    assert "Bregman divergences" in messages[1]


def _scaled_exponential(lib: Any) -> type:
    """An exponential family of its own (the exponential law, by its natural parameter),
    with no closed-form KL registered: kl_divergence falls back on the Bregman divergence."""
    d = lib.distributions

    class ByNaturalParameter(d.ExponentialFamily):
        arg_constraints: ClassVar[dict[str, Any]] = {}

        def __init__(self, rate: Any) -> None:
            self.rate = rate
            super().__init__(rate.shape, validate_args=False)

        @property
        def _natural_params(self) -> tuple[Any, ...]:
            return (-self.rate,)

        def _log_normalizer(self, *natural_params: Any) -> Any:
            return -(-natural_params[0]).log()

        @property
        def _mean_carrier_measure(self) -> Any:
            return 0

    return ByNaturalParameter


def test_kl_divergence_falls_back_on_bregman_as_torch() -> None:
    values = []
    for lib in (torch, ag):
        family = _scaled_exponential(lib)
        p = family(lib.tensor([2.0, 0.5], dtype=lib.float64))
        q = family(lib.tensor([1.0, 3.0], dtype=lib.float64))
        values.append(_numpy(lib.distributions.kl_divergence(p, q)))
        values.append(_numpy(p.entropy()))
    np.testing.assert_allclose(values[2], values[0], rtol=1e-12)
    np.testing.assert_allclose(values[3], values[1], rtol=1e-12)
    exact = ag.distributions.kl_divergence(
        ag.distributions.Exponential(ag.tensor([2.0, 0.5], dtype=ag.float64)),
        ag.distributions.Exponential(ag.tensor([1.0, 3.0], dtype=ag.float64)),
    )
    np.testing.assert_allclose(values[2], _numpy(exact), rtol=1e-12)


GRADIENT_CASES: dict[str, tuple[Callable[..., Any], list[np.ndarray]]] = {
    "Normal": (
        lambda loc, scale: ag.distributions.Normal(loc, scale),
        [np.array([0.3, -1.0]), np.array([1.5, 0.4])],
    ),
    "Gamma": (
        lambda c, r: ag.distributions.Gamma(c, r),
        [np.array([2.0, 0.7]), np.array([1.5, 3.0])],
    ),
    "Bernoulli": (lambda p: ag.distributions.Bernoulli(p), [np.array([0.3, 0.8])]),
    "ContinuousBernoulli": (
        lambda p: ag.distributions.ContinuousBernoulli(p),
        [np.array([0.3, 0.8])],
    ),
    "Wishart": (
        lambda df, tril: ag.distributions.Wishart(df, scale_tril=tril.tril()),
        [np.array([3.5]), np.array([[1.2, 0.0], [0.4, 0.9]])],
    ),
}


@pytest.mark.parametrize("family", sorted(GRADIENT_CASES))
def test_generic_entropy_and_kl_are_differentiable(family: str) -> None:
    build, params = GRADIENT_CASES[family]

    def entropy(*values: Any) -> Any:
        return ag.distributions.ExponentialFamily.entropy(build(*values))

    def kl(*values: Any) -> Any:
        # p from the parameters, q fixed at the test values shifted
        q = build(*[ag.tensor(v * 0.8 + 0.05 * np.eye(*v.shape[-2:])[0]) for v in params])
        return bregman_kl(build(*values), q)

    gradcheck(entropy, params)
    gradcheck(kl, params)
