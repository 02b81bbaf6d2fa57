"""Second derivatives of every op: ``gradgradcheck`` on each row of every op table.

The VJP rules run on Tensors through ``arraygrad.ops`` when ``create_graph=True``, so the
gradient of a gradient is exact; this checks it against finite differences of the first
derivative, with respect to the inputs and to the cotangent, in float64, on a small drawn
example of each row of every ``OP_TABLE`` in ``tests/ops/test_*.py`` and
``tests/nn/test_functional*.py`` (found at collection time, so new tables are picked up).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import arraygrad as ag
from tests.oracle import OpSpec, all_op_tables, draw_inputs

# Beyond this many input elements a row is checked in fast mode, which keeps the file near a
# minute on two cores.
MAX_ELEMENTS = 16


ROWS = all_op_tables()


def test_tables_were_found() -> None:
    assert len(ROWS) > 20
    assert any(row.startswith("test_foundation_ops:") for row in ROWS)


def _jitter(spec: OpSpec, arrays: list[np.ndarray], row: str) -> list[np.ndarray]:
    """Move the drawn values off special points such as all zeros.

    Hypothesis' first example is its simplest (zeros), where a first derivative is often still
    checkable (PyTorch's subgradient of |x| at 0 matches the symmetric difference) but the second
    is not. The shift is seeded by the row, stays in the row's domain and away from its kinks.
    """
    rng = np.random.default_rng(sum(row.encode()))
    moved = []
    for array in arrays:
        if not np.issubdtype(array.dtype, np.floating):
            moved.append(array)
            continue
        shifted = np.array(
            np.clip(array + rng.uniform(-0.25, 0.25, array.shape), spec.low, spec.high)
        )
        for kink in spec.kinks:
            shifted[np.abs(shifted - kink) < spec.kink_margin] = kink + 0.5
        moved.append(np.asarray(shifted, dtype=array.dtype))
    return moved


@pytest.mark.parametrize("row", sorted(ROWS))
# No shrinking: a failure is reported as drawn, which keeps a failing run within the budget.
@settings(
    max_examples=2,
    suppress_health_check=list(HealthCheck),
    deadline=None,
    phases=(Phase.explicit, Phase.generate),
)
@given(data=st.data())
def test_gradgradcheck(row: str, data: st.DataObject) -> None:
    spec = ROWS[row]
    if not spec.gradcheck:
        pytest.skip("the op table marks this row as not finite-difference checkable")
    arrays = _jitter(spec, draw_inputs(spec, data.draw, np.float64, max_dims=2), row)
    inputs = [ag.tensor(a, requires_grad=np.issubdtype(a.dtype, np.floating)) for a in arrays]
    outputs = spec.fn(*inputs)
    outs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    if not any(isinstance(o, ag.Tensor) and o.requires_grad for o in outs):
        return  # not differentiable (comparisons): nothing to check
    if not all(np.isfinite(o.detach().numpy()).all() for o in outs if isinstance(o, ag.Tensor)):
        return  # a pole or an undefined value (var of one element): no derivative to compare
    # Large examples compare random projections vᵀ J u instead of whole Jacobians (fast mode).
    fast = sum(a.size for a in arrays) > MAX_ELEMENTS
    assert ag.autograd.gradgradcheck(spec.fn, inputs, atol=1e-5, rtol=1e-3, fast_mode=fast)
