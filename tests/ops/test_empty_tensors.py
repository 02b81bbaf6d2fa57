"""Every op-table row on empty tensors: the same result as torch, or the same exception class.

The hypothesis-drawn shapes of the op tables never contain a zero-size dimension (every size is
at least 1), so this module feeds each broadcasting row inputs of shapes ``(0,)`` and
``(2, 0)`` and compares values and gradients with torch 2.13.0. Where torch refuses (a max of
nothing, a matrix product of mismatched empty shapes), arraygrad must refuse with the same
exception class.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import OpSpec, all_op_tables, check_against_torch

EMPTY_SHAPES = [(0,), (2, 0)]
ROWS = {
    name: spec
    for name, spec in all_op_tables().items()
    if spec.shapes is None and not name.startswith("test_empty_tensors")
}


def _inputs(spec: OpSpec, shape: tuple[int, ...]) -> list[np.ndarray] | None:
    if not spec.min_dims <= len(shape) <= spec.max_dims:
        return None
    return [np.zeros(shape) for _ in range(spec.arity)]


def _torch_outcome(spec: OpSpec, inputs: list[np.ndarray]) -> type[BaseException] | None:
    try:
        out = spec.fn(*[torch.tensor(a, requires_grad=True) for a in inputs])
        outs = out if isinstance(out, (tuple, list)) else (out,)
        total = sum(o.sum() for o in outs if o.requires_grad)
        if isinstance(total, torch.Tensor):
            total.backward()
    except Exception as error:  # any refusal is the expected outcome
        return type(error)
    return None


def test_rows_were_found() -> None:
    assert len(ROWS) > 100


@pytest.mark.parametrize("shape", EMPTY_SHAPES, ids=str)
@pytest.mark.parametrize("row", sorted(ROWS))
def test_op_on_empty_tensors_matches_torch(row: str, shape: tuple[int, ...]) -> None:
    spec = ROWS[row]
    inputs = _inputs(spec, shape)
    if inputs is None:
        pytest.skip(f"{row} takes {spec.min_dims}..{spec.max_dims}-d inputs")
    refused = _torch_outcome(spec, inputs)
    if refused is None:
        check_against_torch(spec.fn, None, inputs)
        return
    with pytest.raises(Exception) as error:  # the class is checked below
        out = spec.fn(*[ag.tensor(a, requires_grad=True) for a in inputs])
        outs = out if isinstance(out, (tuple, list)) else (out,)
        total = sum(o.sum() for o in outs if o.requires_grad)
        if isinstance(total, ag.Tensor):
            total.backward()
    assert isinstance(error.value, refused), (
        f"torch raises {refused.__name__}, arraygrad raised {type(error.value).__name__}: "
        f"{error.value}"
    )
