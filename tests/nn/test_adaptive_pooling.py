"""arraygrad.nn._adaptive_pooling against torch 2.13.0 where the other pooling tests do not reach:
reduced-precision dtypes (the float64/float32 values, gradients and checks are in
test_functional_conv.py, test_functional_pooling_3d.py and test_pooling_checks.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import arraygrad as ag

CASES = [
    (1, (2, 3, 37), 5),
    (2, (2, 3, 17, 13), (5, 4)),
    (2, (3, 17, 13), (None, 4)),
]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize(("n", "shape", "size"), CASES)
def test_reduced_precision_adaptive_avg_pool_accumulates_in_float32_as_torch(
    n: int, shape: tuple[int, ...], size: object, dtype: str
) -> None:
    # torch's 1-d and 2-d kernels sum half and bfloat16 in float32; arraygrad's matmuls ran in
    # half, rounding 1 / len(window) and every partial sum (up to 0.002 off in bfloat16).
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    theirs = getattr(torch.nn.functional, f"adaptive_avg_pool{n}d")(
        torch.tensor(x).to(getattr(torch, dtype)), size
    )
    mine = getattr(ag.nn.functional, f"adaptive_avg_pool{n}d")(
        ag.tensor(x).to(getattr(ag, dtype)), size
    )
    assert str(mine.dtype) == str(theirs.dtype).replace("torch", "arraygrad")
    np.testing.assert_array_equal(np.asarray(mine.float().tolist()), theirs.float().numpy())


def test_reduced_precision_adaptive_avg_pool3d_is_within_one_rounding_of_torch() -> None:
    # torch's 3-d kernel sums in half and divides by each window length in turn, rounding every
    # step; arraygrad pools in float32 (closer to the true mean), so the two agree to half's
    # rounding of the values (|x| < 5 here), not bitwise.
    x = np.random.default_rng(1).standard_normal((2, 3, 9, 11, 7)).astype(np.float32)
    exact = torch.nn.functional.adaptive_avg_pool3d(torch.tensor(x, dtype=torch.float64), (2, 3, 4))
    theirs = torch.nn.functional.adaptive_avg_pool3d(torch.tensor(x).half(), (2, 3, 4))
    mine = ag.nn.functional.adaptive_avg_pool3d(ag.tensor(x).half(), (2, 3, 4))
    mine_error = np.abs(np.asarray(mine.double().tolist()) - exact.numpy()).max()
    torch_error = np.abs(theirs.double().numpy() - exact.numpy()).max()
    assert mine_error <= torch_error
    np.testing.assert_allclose(np.asarray(mine.float().tolist()), theirs.float().numpy(), atol=2e-3)


@pytest.mark.parametrize(
    ("n", "shape", "size"),
    [(1, (2, 3, 7), 3), (2, (1, 2, 4, 5), (2, 3)), (3, (1, 2, 3, 4, 5), (2, 2, 3))],
)
def test_adaptive_avg_pool_keeps_inf_and_nan_in_their_own_windows(
    n: int, shape: tuple[int, ...], size: object
) -> None:
    # arraygrad summed windows with an averaging matmul: 0 * inf = nan put every inf or nan
    # into every window of its row (torch: [[inf, nan, -0.04], ...] came out all nan)
    x = np.random.default_rng(1).standard_normal(shape)
    flat = x.reshape(-1)
    flat[[0, 5, 11]] = [np.inf, np.nan, -np.inf]
    results = []
    for lib in (torch, ag):
        t = lib.tensor(x, requires_grad=True)
        out = getattr(lib.nn.functional, f"adaptive_avg_pool{n}d")(t, size)
        (grad,) = lib.autograd.grad(out.sum(), [t])
        results.append((out.detach().numpy(), grad.numpy()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-12)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-12)
