"""``nn.grad``'s convolution gradients against torch 2.13.0: values for 1-3 spatial dimensions
with strides, padding, dilation and groups, their own gradients (they are differentiable),
agreement with the gradients ``conv*d`` accumulates, and torch's errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_against_torch, gradcheck

R = np.random.default_rng(0)

# (dimensions, input shape, weight shape, stride, padding, dilation, groups)
CASES: list[tuple[int, tuple[int, ...], tuple[int, ...], Any, Any, Any, int]] = [
    (1, (2, 4, 9), (6, 2, 3), 1, 2, 2, 2),
    (1, (1, 3, 8), (2, 3, 2), 3, 0, 1, 1),
    (2, (2, 4, 7, 6), (6, 2, 3, 2), 2, 1, 1, 2),
    (2, (1, 2, 8, 5), (3, 2, 2, 3), (2, 1), (0, 1), (2, 1), 1),
    (3, (1, 2, 5, 4, 4), (3, 2, 2, 2, 2), (1, 2, 1), (1, 0, 1), 1, 1),
]


def _output_shape(n: int, x: tuple[int, ...], w: tuple[int, ...], *conv: Any) -> tuple[int, ...]:
    out = getattr(torch.nn.functional, f"conv{n}d")(
        torch.zeros(x, dtype=torch.float64), torch.zeros(w, dtype=torch.float64), None, *conv
    )
    return tuple(out.shape)


@pytest.mark.parametrize("case", range(len(CASES)))
def test_input_and_weight_gradients_match_torch(case: int) -> None:
    n, x_shape, w_shape, *conv = CASES[case]
    g_shape = _output_shape(n, x_shape, w_shape, *conv)
    x, w, g = R.standard_normal(x_shape), R.standard_normal(w_shape), R.standard_normal(g_shape)

    def of_input(w: Any, g: Any) -> Any:
        grad = ag.nn.grad if isinstance(w, ag.Tensor) else torch.nn.grad
        return getattr(grad, f"conv{n}d_input")(x_shape, w, g, *conv)

    def of_weight(x: Any, g: Any) -> Any:
        grad = ag.nn.grad if isinstance(x, ag.Tensor) else torch.nn.grad
        return getattr(grad, f"conv{n}d_weight")(x, w_shape, g, *conv)

    check_against_torch(of_input, None, [w, g])
    check_against_torch(of_weight, None, [x, g])


def test_they_are_the_gradients_conv2d_accumulates() -> None:
    _, x_shape, w_shape, *conv = CASES[3]
    x = ag.tensor(R.standard_normal(x_shape), requires_grad=True)
    w = ag.tensor(R.standard_normal(w_shape), requires_grad=True)
    out = ag.nn.functional.conv2d(x, w, None, *conv)
    g = ag.tensor(R.standard_normal(tuple(out.shape)))
    gx, gw = ag.autograd.grad(out, [x, w], g)
    assert np.array_equal(
        ag.nn.grad.conv2d_input(x.shape, w, g, *conv).detach().numpy(), gx.numpy()
    )
    assert np.array_equal(
        ag.nn.grad.conv2d_weight(x, w.shape, g, *conv).detach().numpy(), gw.numpy()
    )


def test_double_backward_by_finite_differences() -> None:
    x, w = R.standard_normal((1, 2, 5)), R.standard_normal((2, 2, 2))
    g = R.standard_normal((1, 2, 4))
    gradcheck(lambda w, g: ag.nn.grad.conv1d_input((1, 2, 5), w, g, 1, 0), [w, g])
    gradcheck(lambda x, g: ag.nn.grad.conv1d_weight(x, (2, 2, 2), g, 1, 0), [x, g])


@pytest.mark.parametrize(
    "call",
    [
        # a grad_output of the wrong size
        lambda lib, w, g: lib.nn.grad.conv2d_input((2, 4, 7, 6), w, g[:, :, :2], 2, 1, 1, 2),
        # an input size with too many rows for the grad_output
        lambda lib, w, g: lib.nn.grad.conv2d_input((2, 4, 10, 6), w, g, 2, 1, 1, 2),
        # an unbatched input size
        lambda lib, w, g: lib.nn.grad.conv2d_input((4, 7, 6), w, g[0], 2, 1, 1, 2),
        # a grad_output of another rank than the input (regression: arraygrad's own words)
        lambda lib, w, g: lib.nn.grad.conv2d_input((2, 4, 7, 6), w, g[0], 2, 1, 1, 2),
        lambda lib, w, g: lib.nn.grad.conv2d_weight(
            lib.ones(2, 4, 7, 6, dtype=w.dtype), w.shape, g[..., None], 2, 1, 1, 2
        ),
        lambda lib, w, g: lib.nn.grad.conv1d_input((2, 4, 7), w[..., 0], g, 2, 1, 1, 2),
        lambda lib, w, g: lib.nn.grad.conv3d_weight(
            lib.ones(2, 4, 7, 6, 5, dtype=w.dtype), (*w.shape, 2), g, 2, 1, 1, 2
        ),
    ],
)
def test_errors_match_torch(call: Any) -> None:
    w, g = R.standard_normal((6, 2, 3, 2)), R.standard_normal((2, 6, 4, 4))
    messages = []
    for lib in (torch, ag):
        with pytest.raises(RuntimeError) as error:
            call(lib, lib.tensor(w), lib.tensor(g))
        messages.append(str(error.value))
    # torch's words, then the fix arraygrad adds
    assert messages[1].startswith(messages[0]) and "Fix:" in messages[1]


def test_an_odd_input_size_the_output_does_not_reach() -> None:
    # Rows past the last window get zero gradient; the input size says how many there are.
    w, g = R.standard_normal((6, 2, 3, 2)), R.standard_normal((2, 6, 4, 4))
    mine = ag.nn.grad.conv2d_input((2, 4, 8, 6), ag.tensor(w), ag.tensor(g), 2, 1, 1, 2)
    theirs = torch.nn.grad.conv2d_input((2, 4, 8, 6), torch.tensor(w), torch.tensor(g), 2, 1, 1, 2)
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)
