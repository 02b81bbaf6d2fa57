"""cov and corrcoef against torch 2.13.0 (values and VJPs) and finite differences; weights,
integer input, degenerate cases and misuse are tested separately."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import arraygrad as ag
from tests.ops._helpers import DTYPES, lib
from tests.oracle import (
    OpSpec,
    assert_refused_as_torch,
    check_against_torch,
    run_gradcheck_case,
    run_torch_case,
)

side = st.integers(1, 4)


def _observations(min_obs: int = 2) -> Any:
    """A (variables, observations) shape, or a 1-D one, with enough observations."""
    two_d = st.tuples(side, st.integers(min_obs, 5)).map(lambda t: (t,))
    one_d = st.integers(min_obs, 5).map(lambda n: ((n,),))
    return st.one_of(two_d, one_d)


def _weighted() -> Any:
    """Input, and one positive weight per observation."""
    return st.tuples(side, st.integers(2, 5)).map(lambda t: ((t[0], t[1]), (t[1],)))


def scattered(x: Any) -> Any:
    """``x`` plus a pattern that is not linear along the rows (no variable is constant, and
    equal inputs do not give perfectly correlated variables)."""
    pattern = (lib(x).arange(x.numel(), dtype=x.dtype) * 7 % 5).reshape(x.shape)
    return x + pattern * 0.1


def fweights(x: Any) -> Any:
    return lib(x).arange(x.shape[-1]) % 3 + 1


OP_TABLE = {
    "cov": OpSpec(lambda x: x.cov(), shapes=_observations()),
    "cov:correction0": OpSpec(lambda x: lib(x).cov(x, correction=0), shapes=_observations(1)),
    "cov:fweights": OpSpec(lambda x: lib(x).cov(x, fweights=fweights(x)), shapes=_observations()),
    # the weights' gradient is a difference of nearly equal terms: float32 needs an atol
    "cov:aweights": OpSpec(
        lambda x, w: x.cov(aweights=w.abs() + 0.5),
        arity=2,
        shapes=_weighted(),
        atol=1e-5,
        kinks=(0.0,),
    ),
    "cov:both_weights": OpSpec(
        lambda x, w: lib(x).cov(x, correction=2, fweights=fweights(x) + 1, aweights=w.abs() + 0.5),
        arity=2,
        shapes=_weighted(),
        atol=1e-5,
        kinks=(0.0,),  # of abs(w)
    ),
    # scattered: a constant variable has a nan correlation (tested separately); near +-1 the
    # gradient is rounding noise around 0, hence the atol
    "corrcoef": OpSpec(lambda x: lib(x).corrcoef(scattered(x)), shapes=_observations(), atol=1e-5),
    "corrcoef:method": OpSpec(
        lambda x: scattered(x).corrcoef(), shapes=_observations(3), atol=1e-5
    ),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(OP_TABLE))
@given(data=st.data())
def test_matches_torch(name: str, dtype: type, data: st.DataObject) -> None:
    run_torch_case(OP_TABLE[name], data.draw, dtype)


@pytest.mark.parametrize("name", sorted(n for n in OP_TABLE if OP_TABLE[n].gradcheck))
@given(data=st.data())
def test_gradcheck(name: str, data: st.DataObject) -> None:
    run_gradcheck_case(OP_TABLE[name], data.draw)


def _quiet(fn: Any) -> Any:
    def run(*args: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return fn(*args)

    return run


EDGES = {
    "one_observation": (lambda x: x.cov(), [[[1.0], [2.0]]]),
    "one_value": (lambda x: (x.cov(), x.corrcoef()), [[3.0]]),
    "constant_variable": (lambda x: x.corrcoef(), [[[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]]]),
    "single_row": (lambda x: (x.cov(), x.corrcoef()), [[[1.0, 2.0, 4.0]]]),
    "too_much_correction": (lambda x: x.cov(correction=3), [[[1.0, 2.0, 4.0], [0.0, 1.0, 1.0]]]),
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_edges_match_torch(name: str) -> None:
    fn, values = EDGES[name]
    check_against_torch(_quiet(fn), None, [np.array(v) for v in values], grad=False)


def test_too_much_correction_warns_like_torch() -> None:
    for module in (torch, ag):
        with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
            module.cov(module.tensor([[1.0, 2.0]]), correction=2)


def test_integer_input_and_weights_match_torch() -> None:
    values = np.array([[1, 2, 4], [0, 1, 1]])
    check_against_torch(
        lambda x: (x.cov(), x.corrcoef(), lib(x).cov(x, fweights=lib(x).tensor([1, 2, 1]))),
        None,
        [values],
        grad=False,
        rtol=1e-6,  # float32 results
    )
    data = np.array([[1.0, 2.0, 4.0], [0.0, 1.0, 1.0]])
    check_against_torch(
        lambda x: lib(x).cov(
            x,
            correction=0,
            fweights=lib(x).tensor([1, 2, 1]),
            aweights=lib(x).tensor([0.5, 1.0, 1.0]),
        ),
        None,
        [data],
    )


@pytest.mark.parametrize(
    ("fn", "error"),
    [
        (lambda L: L.cov(L.ones(2, 2, 2)), RuntimeError),
        (lambda L: L.cov(L.ones(2, 3), fweights=L.tensor([1.0, 2.0, 1.0])), RuntimeError),
        (lambda L: L.cov(L.ones(2, 3), fweights=L.tensor([1, -2, 1])), RuntimeError),
        (lambda L: L.cov(L.ones(2, 3), aweights=L.tensor([1.0, -2.0, 1.0])), RuntimeError),
        (lambda L: L.cov(L.ones(2, 3), aweights=L.tensor([1, 2, 1])), RuntimeError),
        (lambda L: L.cov(L.ones(2, 3), fweights=L.tensor([1, 2])), RuntimeError),
        (lambda L: L.cov(L.ones(2, 3), fweights=L.tensor([[1, 2, 1]])), RuntimeError),
        (lambda L: L.cov(L.ones(2, 3), fweights=L.tensor([0, 0, 0])), RuntimeError),
        (lambda L: L.corrcoef(L.ones(2, 2, 2)), RuntimeError),
    ],
)
def test_misuse_raises_like_torch(fn: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        fn(torch)
    with pytest.raises(error):
        fn(ag)


def test_messages_name_the_problem() -> None:
    with pytest.raises(RuntimeError, match=r"two or fewer dimensions.*Fix"):
        ag.cov(ag.ones(2, 2, 2))
    with pytest.raises(RuntimeError, match="same numel as there are observations"):
        ag.cov(ag.ones(2, 3), fweights=ag.tensor([1, 2]))


# Regression: cov and corrcoef of bfloat16 gave float32 (NumPy's bfloat16 matmul and clip),
# and cov of complex tensors left out the conjugate of (x - avg)^H (corrcoef divided by the
# complex diagonal and clipped complex numbers), where torch keeps the dtype and conjugates.
@pytest.mark.parametrize("name", ["cov", "corrcoef"])
@pytest.mark.parametrize("dtype", ["bfloat16", "float16", "complex64", "int64"])
def test_keeps_the_dtype_as_torch(name: str, dtype: str) -> None:
    assert_refused_as_torch(lambda lib, x: getattr(lib, name)(x), dtype)


COMPLEX_SAMPLES = np.array(
    [[0.5 + 1j, 1.0 - 2j, 2.0 + 0.5j, -1.25j], [3.0, 1j, 1.5, 0.7 - 0.3j], [0.1, 0.2j, 0.3, 2j]]
)


@pytest.mark.parametrize(
    "call",
    [
        lambda x: lib(x).cov(x),
        lambda x: lib(x).cov(x, correction=0),
        lambda x: lib(x).cov(x[0]),
        lambda x: lib(x).corrcoef(x),
        lambda x: lib(x).corrcoef(x[:2]),
    ],
)
def test_complex_matches_torch_with_its_gradient(call: Any) -> None:
    check_against_torch(call, None, [COMPLEX_SAMPLES])
