"""In-place writes to a batched matmul's operands before backward, against torch 2.13.0:
PyTorch saves copies of some operands (a batch of matrices transposed to be folded, a broadcast
batch flattened), which such a write does not reach, and views of the others, for which
backward refuses it. arraygrad saves the same copies (``_matmul_saving``)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

SHAPES = [(3,), (3, 3), (2, 3, 3), (1, 3, 3), (2, 1, 3, 3), (4, 3), (2, 3, 4), (1, 2, 3, 3)]


def _operand(L: Any, data: np.ndarray, layout: str, requires_grad: bool) -> tuple[Any, Any]:
    """A leaf holding ``data`` and a non-leaf equal to it in the ``layout``: ``c`` C order,
    ``t`` its matrices stored transposed, ``p`` its first two dimensions swapped in memory."""
    if layout == "t" and data.ndim > 1:
        leaf = L.tensor(
            np.ascontiguousarray(np.swapaxes(data, -1, -2)), requires_grad=requires_grad
        )
        return leaf, (leaf * 1).transpose(-1, -2)
    if layout == "p" and data.ndim > 3:
        leaf = L.tensor(np.ascontiguousarray(np.swapaxes(data, 0, 1)), requires_grad=requires_grad)
        return leaf, (leaf * 1).transpose(0, 1)
    leaf = L.tensor(data, requires_grad=requires_grad)
    return leaf, leaf * 1


def _outcome(L: Any, case: tuple, data: tuple[np.ndarray, np.ndarray]) -> Any:
    (la, ra), (lb, rb), written = case
    leaf_a, a = _operand(L, data[0], la, ra)
    leaf_b, b = _operand(L, data[1], lb, rb)
    product = a @ b
    with L.no_grad():
        (a if written == "a" else b).add_(1.0)
    try:
        (
            product * L.tensor(np.linspace(-1, 1, product.numel())).reshape(product.shape)
        ).sum().backward()
    except RuntimeError as error:
        assert "modified by an inplace operation" in str(error)
        return "refused"
    return [leaf.grad.numpy() for leaf, rg in ((leaf_a, ra), (leaf_b, rb)) if rg]


def _multiplies(sa: tuple, sb: tuple) -> bool:
    try:
        np.matmul(np.zeros(sa), np.zeros(sb))
    except ValueError:
        return False
    return True


CASES = [
    (sa, sb, case)
    for sa, sb in itertools.product(SHAPES, SHAPES)
    if (len(sa) > 2 or len(sb) > 2) and _multiplies(sa, sb)
    for case in itertools.product(
        [("c", True), ("t", True), ("p", False), ("c", False)],
        [("c", True), ("t", False), ("p", True)],
        "ab",
    )
    if case[0][1] or case[1][1]
]


@pytest.mark.parametrize(("sa", "sb", "case"), CASES[::3])
def test_writes_after_a_batched_matmul_match_torch(sa: tuple, sb: tuple, case: tuple) -> None:
    # (3, 3) @ (2, 3, 3) then b written in place: torch's backward runs (it saved a copy of b
    # folded), arraygrad's refused the write ("modified by an inplace operation").
    rng = np.random.default_rng(len(sa) * 10 + len(sb))
    data = (rng.standard_normal(sa), rng.standard_normal(sb))
    theirs, mine = _outcome(torch, case, data), _outcome(ag, case, data)
    if theirs == "refused" or mine == "refused":
        assert mine == theirs
        return
    for got, want in zip(mine, theirs, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_two_dimensional_products_save_their_operands() -> None:
    # The 2-D product saves the operands themselves, in torch as here: a write is refused.
    for L in (torch, ag):
        a = L.ones(3, 3, requires_grad=True) * 1
        b = L.ones(3, 3, requires_grad=True) * 1
        product = a @ b
        with L.no_grad():
            b.add_(1.0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            product.sum().backward()
