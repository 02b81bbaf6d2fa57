"""``check_gradient``: the right verdict, in plain words, for each classic mistake."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad.autograd import check_gradient

# The seed's data, and its hand-written gradient, verbatim.
X = np.array([1, 2, 3, 4], dtype=np.float32)
Y = np.array([2, 4, 6, 8], dtype=np.float32)


def seed_loss(w: ag.Tensor) -> ag.Tensor:
    return ((w * ag.tensor(X) - ag.tensor(Y)) ** 2).mean()


def test_seed_gradient_is_four_times_too_large_sum_versus_mean() -> None:
    def gradient(w: float) -> float:
        return np.dot(2 * X, w * X - Y).mean()

    report = check_gradient(seed_loss, gradient, 0.0, names=["w"])
    assert not report.ok
    assert report.ratio == 4.0
    text = str(report)
    assert "4 times the true gradient" in text
    assert "mean over 4 elements" in text and "sums where the loss takes a mean" in text
    assert "-120" in text and "-30" in text
    assert report.max_abs_error >= 90


def test_mean_size_is_read_from_the_graph_not_assumed() -> None:
    """A mean over 6 elements gives a factor 6: the wording follows the loss."""
    a = np.arange(6.0).reshape(2, 3)

    def loss(w: ag.Tensor) -> ag.Tensor:
        return ((w * ag.tensor(a) - 1.0) ** 2).mean()

    report = check_gradient(loss, lambda w: (2 * a * (w * a - 1.0)).sum(), 0.5)
    assert report.ratio == 6.0
    assert "mean over 6 elements" in str(report) and "shape [2, 3]" in str(report)


def test_correct_gradient_agrees() -> None:
    report = check_gradient(seed_loss, lambda w: np.mean(2 * X * (w * X - Y)), 0.0)
    assert report.ok and report.ratio == 1.0
    assert "agrees with autodiff" in str(report)
    assert report.max_abs_error < 1e-3


def test_sign_flip() -> None:
    report = check_gradient(seed_loss, lambda w: np.mean(2 * X * (Y - w * X)), 0.0)
    assert not report.ok and report.ratio == -1.0
    assert "sign flip" in str(report)


def test_missing_factor_two() -> None:
    report = check_gradient(seed_loss, lambda w: np.mean(X * (w * X - Y)), 0.0)
    assert report.ratio == 0.5
    assert "factor 2 is missing" in str(report)


A = np.random.default_rng(0).standard_normal((3, 2))
B = np.random.default_rng(1).standard_normal((3, 4))


def matrix_loss(w: ag.Tensor) -> ag.Tensor:
    return ((ag.tensor(A) @ w - ag.tensor(B)) ** 2).sum()


def matrix_gradient(w: np.ndarray) -> np.ndarray:
    return 2 * A.T @ (A @ w - B)


W0 = np.random.default_rng(2).standard_normal((2, 4))


def test_matrix_gradient_correct_and_transposed() -> None:
    assert check_gradient(matrix_loss, matrix_gradient, W0).ok
    report = check_gradient(matrix_loss, lambda w: matrix_gradient(w).T, W0)
    assert not report.ok and report.ratio is None
    assert "transpose" in str(report) and "[4, 2]" in str(report)


def test_square_matrix_transposed() -> None:
    b = np.random.default_rng(3).standard_normal((3, 3))
    a = np.random.default_rng(4).standard_normal((3, 3))

    def loss(w: ag.Tensor) -> ag.Tensor:
        return ((ag.tensor(a) @ w - ag.tensor(b)) ** 2).sum()

    w0 = np.random.default_rng(5).standard_normal((3, 3))
    report = check_gradient(loss, lambda w: (2 * a.T @ (a @ w - b)).T, w0)
    assert "transpose" in str(report)


def test_wrong_at_one_element_is_named() -> None:
    def gradient(w: np.ndarray) -> np.ndarray:
        g = matrix_gradient(w)
        g[1, 2] = 0.0  # a boundary case forgotten
        return g

    report = check_gradient(matrix_loss, gradient, W0)
    assert not report.ok and report.ratio is None
    text = str(report)
    assert "except at 1 of 8 elements" in text and "[1, 2]" in text


def test_several_inputs_and_wrt() -> None:
    def loss(w: ag.Tensor, b: ag.Tensor) -> ag.Tensor:
        return ((w * ag.tensor(X) + b - ag.tensor(Y)) ** 2).mean()

    def gradient(w: float, b: float) -> tuple[float, float]:
        r = w * X + b - Y
        return np.mean(2 * X * r), np.mean(2 * r)

    assert check_gradient(loss, gradient, 0.5, 0.1).ok
    report = check_gradient(loss, lambda w, b: (gradient(w, b)[0], -gradient(w, b)[1]), 0.5, 0.1)
    assert not report.ok and report.ratio is None
    assert "input 1" in str(report) and "sign flip" in str(report)

    def data_loss(w: ag.Tensor, x: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
        return ((w * x - y) ** 2).mean()

    report = check_gradient(
        data_loss, lambda w, x, y: (2 * x).dot(w * x - y).mean(), 0.0, X, Y, wrt=0
    )
    assert report.ratio == 4.0


def test_agrees_only_at_the_given_point() -> None:
    report = check_gradient(seed_loss, lambda w: -30.0 + 0 * w, 0.0)
    assert not report.ok
    assert "agrees at the given inputs but not at nearby points" in str(report)


def test_misuse() -> None:
    with pytest.raises(ValueError, match="one gradient per input"):
        check_gradient(lambda a, b: (a * b).sum(), lambda a, b: a, 1.0, 2.0)
    with pytest.raises(ValueError, match="scalar"):
        check_gradient(lambda a: a * 2, lambda a: a, np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="floating-point"):
        check_gradient(lambda a: a * 2, lambda a: a, 1)


# Complex inputs: the true gradient is PyTorch's, dL/dx + i·dL/dy at z = x + iy.
Z = np.array([1 + 2j, 0.5 - 1j, -0.3 + 0.2j])
W = np.array([2.0, -1.0, 0.5])


def complex_loss(z: ag.Tensor, w: ag.Tensor) -> ag.Tensor:
    return ((z * z.conj()).real * w).sum() + (z * z).real.sum()


def test_complex_input_agrees_with_torch_s_gradient() -> None:
    def torch_gradient(z: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        zt = torch.tensor(z, requires_grad=True)
        wt = torch.tensor(w, requires_grad=True)
        loss = ((zt * zt.conj()).real * wt).sum() + (zt * zt).real.sum()
        return tuple(g.numpy() for g in torch.autograd.grad(loss, (zt, wt)))  # type: ignore[return-value]

    report = check_gradient(complex_loss, torch_gradient, Z, W)
    assert report.ok and report.ratio == 1.0
    assert report.max_abs_error < 1e-9
    tensor_input = ag.tensor(Z)  # a complex tensor is differentiated by default too
    assert check_gradient(complex_loss, torch_gradient, tensor_input, W).ok


def test_complex_conjugate_gradient_is_named() -> None:
    def conjugated(z: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.conj(2 * z * w + 2 * z.conj()), np.abs(z) ** 2

    report = check_gradient(complex_loss, conjugated, Z, W)
    assert not report.ok and report.ratio is None
    assert len(report.findings) == 1
    assert "input 0: it is the complex conjugate of the true gradient" in report.findings[0]
    assert "dL/dx + i·dL/dy" in str(report) and "Fix: conjugate it" in str(report)


def test_complex_input_constant_factor_is_named() -> None:
    report = check_gradient(lambda z: (z.abs() ** 2).sum(), lambda z: z, Z)
    assert not report.ok and report.ratio == 0.5
    assert "a factor 2 is missing" in str(report)
