"""torch.distributions' per-family import paths (``from torch.distributions.normal import
Normal``), ``distributions.utils`` and the matrix constraints, against torch 2.13."""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest
import torch
import torch.distributions as torch_distributions

import arraygrad as ag
import arraygrad.distributions as ag_distributions

MODULES = sorted(module.name for module in pkgutil.iter_modules(torch_distributions.__path__))


@pytest.mark.parametrize("name", MODULES)
def test_every_module_offers_torchs_public_names(name: str) -> None:
    torch_module = importlib.import_module(f"torch.distributions.{name}")
    module = importlib.import_module(f"arraygrad.distributions.{name}")
    assert getattr(ag_distributions, name) is module  # an attribute of the package too
    assert sorted(module.__all__) == sorted(torch_module.__all__)
    for public in torch_module.__all__:
        assert hasattr(module, public), f"{name}.{public}"
        # the very object the package offers, where torch's is the package's
        if getattr(torch_distributions, public, None) is getattr(torch_module, public):
            assert getattr(module, public) is getattr(ag_distributions, public), public


def test_a_script_written_for_torch_imports_by_path() -> None:
    from arraygrad.distributions.categorical import Categorical
    from arraygrad.distributions.normal import Normal
    from arraygrad.distributions.utils import lazy_property

    assert Normal is ag.distributions.Normal and Categorical is ag.distributions.Categorical
    assert callable(lazy_property)


CONSTRAINT_VALUES = [
    [[1.0, 2.0], [2.0, 1.0]],
    [[1.0, 0.0], [0.0, 1.0]],
    [[1.0, 0.0], [3.0, 4.0]],
    [[1.0, float("nan")], [float("nan"), 1.0]],
    [[0.0, 0.0], [0.0, -0.0]],
    [[1.0, 1e-7], [0.0, 1.0]],
    [[1.0, 2e-6], [0.0, 1.0]],
    [[1000.0, 1000.005], [1000.0, 1000.0]],
    [[1.0, 2.0], [2.0, 4.0]],
    [[1.0, 0.0], [0.0, -1e-7]],
    [[1.0, 0.0], [0.0, 0.0]],
]
BATCHES = [
    np.array(CONSTRAINT_VALUES[:2]),  # all symmetric: eigenvalues / Cholesky decide
    np.array([CONSTRAINT_VALUES[0], CONSTRAINT_VALUES[2]]),  # one not symmetric: it alone
    np.zeros((4, 2, 3)),
    np.zeros((3, 4)),
]


@pytest.mark.parametrize(
    "name",
    ["lower_triangular", "square", "symmetric", "positive_semidefinite", "positive_definite"],
)
@pytest.mark.parametrize("value", [np.array(v) for v in CONSTRAINT_VALUES] + BATCHES)
def test_matrix_constraints_check_as_torchs(name: str, value: np.ndarray) -> None:
    ours = getattr(ag.distributions.constraints, name)
    theirs = getattr(torch.distributions.constraints, name)
    assert ours.event_dim == theirs.event_dim == 2 and ours.is_discrete == theirs.is_discrete
    assert repr(ours) == repr(theirs)
    expected = theirs.check(torch.tensor(value, dtype=torch.float32))
    got = ours.check(ag.tensor(value, dtype=ag.float32))
    assert got.dtype == ag.bool
    assert got.tolist() == expected.tolist()


def test_matrix_constraint_hierarchy_is_torchs() -> None:
    c = ag.distributions.constraints
    tc = torch.distributions.constraints
    for name in ["symmetric", "positive_semidefinite", "positive_definite", "square"]:
        ours = [k.__name__.lstrip("_") for k in type(getattr(c, name)).__mro__]
        theirs = [k.__name__.lstrip("_") for k in type(getattr(tc, name)).__mro__]
        assert ours == theirs, name


@pytest.mark.parametrize(
    ("base", "value"),
    [
        ("positive", [[1.0, -1.0], [2.0, 3.0]]),
        ("simplex", [[0.5, 0.5], [0.2, 0.3]]),
        ("boolean", [0.0, 1.0, 0.5]),
        ("real", [float("nan"), 1.0]),
    ],
)
def test_mixture_same_family_constraint(base: str, value: list) -> None:
    ours = ag.distributions.constraints.MixtureSameFamilyConstraint(
        getattr(ag.distributions.constraints, base)
    )
    theirs = torch.distributions.constraints.MixtureSameFamilyConstraint(
        getattr(torch.distributions.constraints, base)
    )
    assert repr(ours) == repr(theirs)
    assert (ours.event_dim, ours.is_discrete) == (theirs.event_dim, theirs.is_discrete)
    assert ours.check(ag.tensor(value)).tolist() == theirs.check(torch.tensor(value)).tolist()


def test_mixture_same_family_constraint_refuses_a_non_constraint() -> None:
    with pytest.raises(AssertionError, match="base_constraint must be a Constraint, got int"):
        ag.distributions.constraints.MixtureSameFamilyConstraint(3)  # type: ignore[arg-type]


def test_mixture_support_is_the_constraint() -> None:
    d = ag.distributions
    mix = d.MixtureSameFamily(d.Categorical(ag.ones(3)), d.Normal(ag.zeros(3), ag.ones(3)))
    assert isinstance(mix.support, d.constraints.MixtureSameFamilyConstraint)
    assert repr(mix.support) == "MixtureSameFamilyConstraint(Real())"


U = ag.distributions.utils
TU = torch.distributions.utils


@pytest.mark.parametrize("diag", range(-3, 4))
def test_tril_matrix_to_vec_and_back(diag: int) -> None:
    for n in range(5):
        matrix = np.arange(float(n * n)).reshape(n, n)
        if not -n <= diag < n:
            with pytest.raises(ValueError, match=rf"diag \({diag}\) provided is outside"):
                TU.tril_matrix_to_vec(torch.tensor(matrix), diag)
            with pytest.raises(ValueError, match=rf"diag \({diag}\) provided is outside"):
                U.tril_matrix_to_vec(ag.tensor(matrix), diag)
            continue
        expected = TU.tril_matrix_to_vec(torch.tensor(matrix), diag)
        got = U.tril_matrix_to_vec(ag.tensor(matrix), diag)
        assert got.tolist() == expected.tolist()
    for count in range(22):
        try:
            expected = TU.vec_to_tril_matrix(torch.arange(float(count)), diag)
        except (ValueError, RuntimeError):  # torch refuses (RuntimeError: its own shape bug)
            continue
        got = U.vec_to_tril_matrix(ag.arange(float(count)), diag)
        assert got.tolist() == expected.tolist(), (diag, count)


def test_vec_to_tril_matrix_refuses_a_non_triangular_length() -> None:
    message = "The size of last dimension is 5 which cannot be expressed as the lower"
    with pytest.raises(ValueError, match=message):
        TU.vec_to_tril_matrix(torch.arange(5.0))
    with pytest.raises(ValueError, match=message):
        U.vec_to_tril_matrix(ag.arange(5.0))


def test_vec_to_tril_matrix_batches_and_differentiates() -> None:
    vec = ag.arange(12.0).reshape(2, 6).requires_grad_()
    weights = ag.arange(18.0).reshape(2, 3, 3)
    (U.vec_to_tril_matrix(vec) * weights).sum().backward()
    tvec = torch.arange(12.0).reshape(2, 6).requires_grad_()
    (TU.vec_to_tril_matrix(tvec) * torch.arange(18.0).reshape(2, 3, 3)).sum().backward()
    assert vec.grad.tolist() == tvec.grad.tolist()
    assert tuple(U.tril_matrix_to_vec(ag.zeros(2, 4, 4)).shape) == (2, 10)


def test_probability_helpers_match_torch() -> None:
    logits = np.array([[0.0, 1.0, 2.0], [3.0, -4.0, 5.0]], dtype=np.float32)
    probs = np.array([0.0, 0.3, 1.0], dtype=np.float32)
    for binary in (False, True):
        np.testing.assert_allclose(
            U.logits_to_probs(ag.tensor(logits), binary).numpy(),
            TU.logits_to_probs(torch.tensor(logits), binary).numpy(),
            rtol=1e-6,
        )
        np.testing.assert_allclose(
            U.probs_to_logits(ag.tensor(probs), is_binary=binary).numpy(),
            TU.probs_to_logits(torch.tensor(probs), is_binary=binary).numpy(),
            rtol=1e-6,
        )
    for dtype in (np.float32, np.float64):
        np.testing.assert_array_equal(
            U.clamp_probs(ag.tensor(probs.astype(dtype))).numpy(),
            TU.clamp_probs(torch.tensor(probs.astype(dtype))).numpy(),
        )
    assert U.euler_constant == TU.euler_constant


def test_broadcast_all_matches_torch() -> None:
    cases = [
        lambda lib: (1, 2.0),
        lambda lib: (lib.tensor([1, 2]), 1.5),
        lambda lib: (lib.tensor([1.0, 2.0], dtype=lib.float64), 1),
        lambda lib: (True, lib.tensor([1, 2])),
        lambda lib: (lib.zeros(2, 1), lib.zeros(3)),
        lambda lib: (),
    ]
    for case in cases:
        ours = U.broadcast_all(*case(ag))
        theirs = TU.broadcast_all(*case(torch))
        assert len(ours) == len(theirs)
        for a, t in zip(ours, theirs, strict=True):
            assert a.tolist() == t.tolist() and str(a.dtype)[10:] == str(t.dtype)[6:]
    message = "Input arguments must all be instances of Number, torch.Tensor or objects"
    with pytest.raises(ValueError, match=message):
        U.broadcast_all([1, 2])


def test_lazy_property_computes_once_with_gradients() -> None:
    calls = []
    x = ag.tensor(1.0, requires_grad=True)

    class Holder:
        @U.lazy_property
        def doubled(self) -> ag.Tensor:
            """Twice x."""
            calls.append(1)
            return x * 2

    holder = Holder()
    with ag.no_grad():  # computed with gradients even so, as torch's
        assert holder.doubled.requires_grad
    assert holder.doubled.item() == 2.0 and len(calls) == 1
    assert "doubled" in vars(holder)
    on_class = Holder.doubled
    assert isinstance(on_class, property) and on_class.__doc__ == "Twice x."
