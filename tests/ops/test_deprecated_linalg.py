"""PyTorch's deprecated top-level linear algebra (``_deprecated_linalg.py``) against torch
2.13.0: ``chain_matmul``, ``frobenius_norm`` and ``nuclear_norm`` warn and match torch's values
and VJPs, take the shapes torch takes, and the removed ``matrix_rank`` raises torch's error."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.ops._helpers import lib
from tests.oracle import assert_like_torch_on, check_against_torch, outcome_in_each, shape_cases

R = np.random.default_rng(0)


def _normal(*shape: int) -> np.ndarray:
    return R.standard_normal(shape)


def _fn(name: str, *args: Any, **kwargs: Any) -> Callable[..., Any]:
    """``torch.<name>(*tensors, *args, **kwargs)`` in the tensors' library."""
    return lambda *xs: getattr(lib(xs[0]), name)(*xs, *args, **kwargs)


DEPRECATED: dict[str, tuple[Callable[..., Any], list[np.ndarray]]] = {
    "chain_matmul": (_fn("chain_matmul"), [_normal(2, 3), _normal(3, 4), _normal(4, 2)]),
    "frobenius_norm": (_fn("frobenius_norm", (1, 2), True), [_normal(2, 3, 4)]),
    "nuclear_norm": (_fn("nuclear_norm", True), [_normal(3, 4)]),
    "nuclear_norm_dim": (_fn("nuclear_norm", (0, 2)), [_normal(3, 2, 4)]),
}


@pytest.mark.parametrize("name", list(DEPRECATED))
def test_deprecated_warn_and_match_torch(name: str) -> None:
    # torch warns once per process (TORCH_WARN_ONCE); arraygrad through Python's filters.
    fn, inputs = DEPRECATED[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn(*[ag.tensor(a) for a in inputs])
    assert [w.category for w in caught] == [UserWarning]
    assert "deprecated" in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_against_torch(fn, None, inputs)


def test_single_matrix_chain_and_errors_match_torch() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert outcome_in_each(lambda L: L.chain_matmul(L.ones(3)), RuntimeError) == (
            "RuntimeError",
            "RuntimeError",
        )
        one = ag.chain_matmul(ag.eye(2))
        assert one.tolist() == [[1.0, 0.0], [0.0, 1.0]]
        assert outcome_in_each(lambda L: L.frobenius_norm(L.ones(2, 2)), TypeError) == (
            "TypeError",
            "TypeError",
        )


def test_matrix_rank_is_removed_as_in_torch() -> None:
    with pytest.raises(RuntimeError) as theirs:
        torch.matrix_rank(torch.eye(2))
    with pytest.raises(RuntimeError) as mine:
        ag.matrix_rank(ag.eye(2))
    assert str(mine.value) == str(theirs.value)


# Regression (emptygrid): torch 2.13's nuclear_norm without dim is matrix_norm(x, 'nuc') over the
# last two dimensions, batched (arraygrad refused a 3-D input); chain_matmul takes matrices
# only (arraygrad took multi_dot's vector ends).
ALIAS_SHAPE_CASES = [
    ("nuclear_norm", lambda L, x: L.nuclear_norm(x), [(2, 0, 3), (2, 3, 2), (3,), (0, 3)]),
    ("nuclear_norm_keepdim", lambda L, x: L.nuclear_norm(x, True), [(2, 2, 3)]),
    ("chain_matmul", lambda L, x: L.chain_matmul(x, x), [(0,), (1,), (0, 0)]),
    ("chain_matmul_one", lambda L, x: L.chain_matmul(x), [(3,), (0, 3)]),
    ("chain_matmul_end", lambda L, x: L.chain_matmul(x.mT, x, x[0]), [(2, 3)]),
]


@shape_cases(ALIAS_SHAPE_CASES)
def test_deprecated_norms_and_products_take_the_shapes_torch_takes(
    call: Any, shape: tuple[int, ...]
) -> None:
    assert_like_torch_on(call, shape)
