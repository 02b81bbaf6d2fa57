"""LowerCholeskyTransform, PositiveDefiniteTransform and CorrCholeskyTransform against
torch.distributions.transforms in float64: the maps, inverses and log-Jacobians with their
gradients, shapes, constraints, and biject_to/transform_to onto the matrix constraints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, outcome_in_each

RNG = np.random.default_rng(47)
SQUARE = RNG.standard_normal((2, 3, 3))
# six entries make a 4 × 4 factor; one row saturates tanh (entries of size 4 and more)
VECTOR = np.concatenate([RNG.standard_normal((2, 6)), [[4.0, -5.0, 0.3, 6.0, -0.2, 0.1]]])


def _t(lib: Any) -> Any:
    return lib.distributions.transforms


@pytest.mark.parametrize("name", ["LowerCholeskyTransform", "PositiveDefiniteTransform"])
def test_onto_matrices_and_back(name: str) -> None:
    def fn(lib: Any) -> Callable[..., Any]:
        def run(x: Any) -> Any:
            t = getattr(_t(lib), name)()
            y = t(x)
            return y, t.inv(y)

        return run

    check_against_torch(fn(ag), fn(torch), [SQUARE])


def test_corr_cholesky_forward_inverse_and_log_det() -> None:
    def fn(lib: Any) -> Callable[..., Any]:
        def run(x: Any) -> Any:
            t = _t(lib).CorrCholeskyTransform()
            y = t(x)
            return y, t.log_abs_det_jacobian(x, y), t.inv(y[:2])

        return run

    check_against_torch(fn(ag), fn(torch), [VECTOR])


def test_corr_cholesky_log_det_is_that_of_the_map() -> None:
    """``log |det J|`` of the map from the vector to the strictly lower entries, from the
    Jacobian computed by autodiff."""
    t = ag.distributions.transforms.CorrCholeskyTransform()
    x = ag.tensor(VECTOR[0])
    rows, cols = np.tril_indices(4, -1)
    jacobian = ag.autograd.functional.jacobian(lambda v: t(v)[rows, cols], x)
    expected = np.linalg.slogdet(jacobian.numpy())[1]
    np.testing.assert_allclose(t.log_abs_det_jacobian(x, t(x)).item(), expected, rtol=1e-10)


@pytest.mark.parametrize(
    "name", ["LowerCholeskyTransform", "PositiveDefiniteTransform", "CorrCholeskyTransform"]
)
def test_description_as_torch(name: str) -> None:
    def describe(lib: Any) -> tuple[Any, ...]:
        t = getattr(_t(lib), name)()
        x = lib.tensor(VECTOR if name == "CorrCholeskyTransform" else SQUARE)
        y = t(x)
        return (
            repr(t),
            repr(t.domain),
            repr(t.codomain),
            t.domain.event_dim,
            t.codomain.event_dim,
            t.bijective,
            t == getattr(_t(lib), name)(),
            t.codomain.check(y).tolist(),
            tuple(t.forward_shape((5, 6))) if name == "CorrCholeskyTransform" else None,
            tuple(t.inverse_shape((5, 4, 4))) if name == "CorrCholeskyTransform" else None,
            t.inv(y).shape == x.shape,
        )

    assert describe(ag) == describe(torch)


CHECKED = {
    "unit rows": [[1.0, 0.0], [0.6, 0.8]],
    "long row": [[1.0, 0.0], [0.6, 0.9]],
    "upper entry": [[1.0, 0.1], [0.0, 1.0]],
    "negative diagonal": [[1.0, 0.0], [0.6, -0.8]],
}


def test_corr_cholesky_constraint_as_torch() -> None:
    values = np.array(list(CHECKED.values()))

    def check(lib: Any) -> Any:
        c = lib.distributions.constraints.corr_cholesky
        return repr(c), c.event_dim, c.check(lib.tensor(values)).tolist()

    assert check(ag) == check(torch)
    assert check(ag)[2] == [True, False, False, False]


@pytest.mark.parametrize("constraint", ["lower_cholesky", "positive_definite", "corr_cholesky"])
def test_registries_onto_matrix_constraints(constraint: str) -> None:
    x = VECTOR if constraint == "corr_cholesky" else SQUARE
    for registry in ["biject_to", "transform_to"]:

        def transform(lib: Any, registry: str = registry) -> Any:
            d = lib.distributions
            return getattr(d, registry)(getattr(d.constraints, constraint))

        theirs, mine = outcome_in_each(transform, (NotImplementedError,))
        if isinstance(theirs, str):
            # torch has no bijection onto lower_cholesky nor onto positive_definite
            assert registry == "biject_to" and mine == theirs
            continue
        assert type(mine).__name__ == type(theirs).__name__
        assert bool(mine.codomain.check(mine(ag.tensor(x))).all())


INVALID: dict[str, Callable[[Any], Any]] = {
    "corr vector length": lambda lib: _t(lib).CorrCholeskyTransform()(lib.zeros(5)),
    "corr inverse shape": lambda lib: _t(lib).CorrCholeskyTransform().inverse_shape((4, 3)),
    "corr forward shape": lambda lib: _t(lib).CorrCholeskyTransform().forward_shape((2, 5)),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_errors_as_torch(name: str) -> None:
    theirs, mine = outcome_in_each(INVALID[name], (ValueError,))
    assert theirs == "ValueError"
    assert mine == theirs
