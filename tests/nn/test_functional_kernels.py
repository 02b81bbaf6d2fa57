"""ReLU, hardswish and the smooth L1 loss as PyTorch 2.13's CPU kernels compute them, values
and gradients bit for bit (``_backend/piecewise.py``; ``ops/activations.py`` and
``ops/losses.py`` hold their primitives), their refusals and their higher derivatives."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import check_higher_derivatives_against_torch, gradcheck

FLOATS = [np.float32, np.float64]


def _bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a).tobytes()


def _inputs(dtype: type) -> np.ndarray:
    """Normal values, values around the kinks (+-3, +-beta), ties and the special values."""
    rng = np.random.default_rng(7)
    special = [np.nan, np.inf, -np.inf, 0.0, -0.0, 3.0, -3.0, 1.0, -1.0, 1e-45, 3e38, -3e38]
    special += [float(np.nextafter(v, w)) for v in (3.0, -3.0, 1.0) for w in (0.0, 10.0)]
    # (special values first, and a multiple of 64 elements: torch's kernels run their vector
    # loop on all of them, whose bits its scalar loop for a remainder does not always give)
    x = np.concatenate(
        [np.array(special), rng.standard_normal(40_000) * 3.0, rng.uniform(-4.0, 4.0, 40_000)]
    )[: 80_000 - 64]
    with np.errstate(over="ignore"):
        return x.astype(dtype)


def _functional(t: Any) -> Any:
    """``nn.functional`` of the library of the tensor ``t``."""
    return (ag if isinstance(t, ag.Tensor) else torch).nn.functional


def _torch_value_and_grad(fn: Any, x: np.ndarray, g: np.ndarray) -> tuple[Any, Any]:
    xt = torch.tensor(x, requires_grad=True)
    out = fn(xt)
    out.backward(torch.tensor(g))
    return out.detach().numpy(), xt.grad.numpy()


def _assert_torch_bits(got: np.ndarray, kernel: np.ndarray, theirs: np.ndarray) -> None:
    """``got`` is, bit for bit, ``kernel`` (PyTorch's vectorised kernel's formula, computed in
    NumPy), and so torch's own result but for the few elements torch leaves to its scalar loop
    (the rest of a chunk), whose formula orders its operations otherwise."""
    assert got.dtype == kernel.dtype and _bits(got) == _bits(kernel)
    differ = got.view(f"u{got.itemsize}") != theirs.view(f"u{got.itemsize}")
    assert np.count_nonzero(differ) <= max(64, got.size // 1000)


@pytest.mark.parametrize("dtype", [np.float16, *FLOATS])
def test_relu_keeps_negative_zero_as_torch(dtype: type) -> None:
    # Regression: NumPy's maximum(x, 0) gave +0.0 at -0.0 (its vector loop), torch's relu -0.0.
    x = np.array([-0.0, 0.0, -1.0, 2.0, np.nan], dtype)
    got = ag.tensor(x).relu().numpy()
    assert _bits(got) == _bits(torch.tensor(x).relu().numpy())
    assert np.signbit(got[0])


@pytest.mark.parametrize("dtype", FLOATS)
def test_hardswish_values_and_gradient_are_torch_bits(dtype: type) -> None:
    # Regression: above 3 the composite gave x itself, where torch's kernel computes
    # x * 6 / 6, which differs from x in the last bit for about a quarter of the values; and
    # its gradient between -3 and 3 was g (x + 3) / 6 + g x / 6, not torch's g (x / 3 + 1/2).
    x = _inputs(dtype)
    x = x[~np.isnan(x)]  # (torch's vector loop and its scalar one differ at nan)
    g = np.random.default_rng(8).standard_normal(x.shape).astype(dtype)
    mine = ag.tensor(x, requires_grad=True)
    out = ag.nn.functional.hardswish(mine)
    out.backward(ag.tensor(g))
    value, grad = _torch_value_and_grad(torch.nn.functional.hardswish, x, g)
    three, six = dtype(3), dtype(6)
    with np.errstate(invalid="ignore"):
        kernel_value = x * np.minimum(np.maximum(x + three, 0), six) / six
        slope = np.where(x < three, g * (x / three + dtype(0.5)), g)
    kernel_grad = np.where(x <= -three, dtype(0), slope)
    _assert_torch_bits(out.detach().numpy(), kernel_value, value)
    _assert_torch_bits(mine.grad.numpy(), kernel_grad, grad)


def test_hardswish_above_three_is_six_x_over_six() -> None:
    x = np.float32(3.0000005)  # 6x rounds: 6x / 6 is not x
    assert np.float32(x * np.float32(6)) / np.float32(6) != x
    got = ag.nn.functional.hardswish(ag.tensor([x])).numpy()
    assert _bits(got) == _bits(torch.nn.functional.hardswish(torch.tensor([x])).numpy())


@pytest.mark.parametrize("dtype", [ag.int64, ag.bool, ag.complex64])
def test_hardswish_refuses_what_torch_has_no_kernel_for(dtype: ag.dtype) -> None:
    # Regression: integer tensors gave a float result, where torch raises.
    with pytest.raises(NotImplementedError, match='"hardswish_cpu" not implemented for'):
        ag.nn.functional.hardswish(ag.ones(3, dtype=dtype))
    with pytest.raises(NotImplementedError):
        torch.nn.functional.hardswish(torch.ones(3, dtype=getattr(torch, dtype.name)))


def test_hardswish_higher_derivatives_match_torch() -> None:
    x = np.array([-4.0, -3.0, -2.9, -1.0, 0.0, 0.5, 2.9, 3.0, 4.0])
    check_higher_derivatives_against_torch(lambda t: _functional(t).hardswish(t), [x])
    gradcheck(lambda t: ag.nn.functional.hardswish(t) ** 2, [np.array([-2.0, 0.3, 1.7])])


@pytest.mark.parametrize("beta", [1.0, 1.7, 0.3])
@pytest.mark.parametrize("dtype", FLOATS)
def test_smooth_l1_gradient_is_torch_bits(dtype: type, beta: float) -> None:
    # Regression: for a beta that is not a power of two the composite's gradient
    # 2 (g 0.5 / beta) d differed from torch's kernel, clip(d / beta, -1, 1) g, in the last bit
    # (4% of the elements for beta = 0.3).
    x = _inputs(dtype)
    x = x[np.isfinite(x)]
    t = np.random.default_rng(10).standard_normal(x.shape).astype(dtype)
    g = np.random.default_rng(11).standard_normal(x.shape).astype(dtype)
    mine = ag.tensor(x, requires_grad=True)
    out = ag.nn.functional.smooth_l1_loss(mine, ag.tensor(t), reduction="none", beta=beta)
    out.backward(ag.tensor(g))
    _, grad = _torch_value_and_grad(
        lambda xt: torch.nn.functional.smooth_l1_loss(
            xt, torch.tensor(t), reduction="none", beta=beta
        ),
        x,
        g,
    )
    with np.errstate(over="ignore"):
        kernel = np.clip((x - t) / dtype(beta), dtype(-1), dtype(1)) * g
    _assert_torch_bits(mine.grad.numpy(), kernel, grad)


def test_smooth_l1_is_one_node_named_as_torch_with_its_double_backward() -> None:
    x = ag.tensor([0.2, -2.0, 0.7], requires_grad=True)
    out = ag.nn.functional.smooth_l1_loss(x, ag.zeros(3), reduction="none", beta=0.5)
    assert out.grad_fn.name() == "SmoothL1LossBackward0"
    check_higher_derivatives_against_torch(
        lambda t: _functional(t).smooth_l1_loss(t, t.detach() * 0.5, beta=0.5),
        [np.array([0.2, -2.0, 0.7, 1.0, -0.25])],
    )
