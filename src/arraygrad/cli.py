"""The ``arraygrad`` command: ``arraygrad demo`` trains the seed's f = w·x on arraygrad."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import arraygrad as torch

EXPLANATION = """
Why the seed's NumPy run moves faster
-------------------------------------
Both runs minimise the same loss, MSE = mean((w*x - y)**2) over N = {n} samples, with the same
learning rate {lr}. Its true gradient is dMSE/dw = mean(2*x*(w*x - y)); at w = 0 that is {true:g}
(autograd computes exactly this: w.grad = {autograd:g}).

The seed's hand-written NumPy gradient is np.dot(2*x, y_pred - y).mean(). np.dot already sums
over the samples and returns a scalar, so the .mean() of that scalar changes nothing: it is the
SUM of 2*x*(w*x - y), not the mean, i.e. N = {n} times the true gradient ({manual:g} = {ratio:g} x
{true:g}). Each NumPy step is therefore {ratio:g} times larger, which is why that run reaches
w = 2 in about 10 epochs while the autograd run, taking correct steps, needs about 40. The fix is
np.mean(2*x*(y_pred - y)), or dividing the dot product by N.
"""


def run_seed_autograd(n_iters: int = 100, learning_rate: float = 0.01) -> None:
    """The seed's second cell, on arraygrad, printing the seed's lines."""
    x = torch.tensor([1, 2, 3, 4], dtype=torch.float32)
    y = torch.tensor([2, 4, 6, 8], dtype=torch.float32)
    w = torch.tensor(0.0, dtype=torch.float32, requires_grad=True)

    def forward(inputs: object) -> torch.Tensor:
        return w * inputs

    def loss(target: torch.Tensor, predicted: torch.Tensor) -> torch.Tensor:
        return ((predicted - target) ** 2).mean()

    print(f"Prediction before training: f(5) = {forward(5): .3f}")
    for epoch in range(n_iters):
        y_pred = forward(x)
        loss_l = loss(y, y_pred)
        loss_l.backward()
        assert w.grad is not None  # backward filled it
        with torch.no_grad():
            w -= learning_rate * w.grad
        w.grad.zero_()
        if epoch % 10 == 0:
            print(f"epoch {epoch + 1}: w = {w:.3f}, loss = {loss_l: .3f}")
    print(f"Prediction after training: f(5) = {forward(5): .3f}")


def explain_seed_gradient(learning_rate: float = 0.01) -> str:
    """Compare the seed's manual gradient with autograd's at w = 0 and explain the difference."""
    x = torch.tensor([1, 2, 3, 4], dtype=torch.float64)
    y = torch.tensor([2, 4, 6, 8], dtype=torch.float64)
    w = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    ((w * x - y) ** 2).mean().backward()
    assert w.grad is not None
    autograd_value = w.grad.item()
    with torch.no_grad():
        # The seed's formula, np.dot(2*x, y_pred - y).mean(), in arraygrad's words.
        manual = (2 * x * (w * x - y)).sum().mean().item()
        true = (2 * x * (w * x - y)).mean().item()
    return EXPLANATION.format(
        n=x.numel(),
        lr=learning_rate,
        true=true,
        autograd=autograd_value,
        manual=manual,
        ratio=manual / true,
    )


def check_seed_gradient() -> torch.autograd.GradientReport:
    """Run :func:`arraygrad.autograd.check_gradient` on the seed's hand-written ``gradient``.

    The loss is the seed's ``((w*x - y)**2).mean()``; ``gradient`` is the seed's
    ``np.dot(2*x, y_predicted - y).mean()``, applied to NumPy arrays through their own methods.
    """
    x = torch.tensor([1, 2, 3, 4], dtype=torch.float32)
    y = torch.tensor([2, 4, 6, 8], dtype=torch.float32)
    x_np, y_np = x.numpy(), y.numpy()

    def loss(w: torch.Tensor) -> torch.Tensor:
        return ((w * x - y) ** 2).mean()

    def gradient(w: float) -> object:
        y_predicted = w * x_np
        return (2 * x_np).dot(y_predicted - y_np).mean()

    return torch.autograd.check_gradient(loss, gradient, 0.0, names=["w"])


def demo() -> int:
    """Run the seed's autograd experiment and explain why the NumPy run differs."""
    run_seed_autograd()
    print(explain_seed_gradient(), end="")
    print()
    print("check_gradient on the seed's gradient(x, y, y_predicted), at w = 0 and nearby:")
    print(check_seed_gradient())
    return 0


def seed_first_step() -> tuple[torch.Tensor, torch.Tensor]:
    """The seed's loss at its first training step (w = 0) and the parameter ``w``."""
    x = torch.tensor([1, 2, 3, 4], dtype=torch.float32)
    y = torch.tensor([2, 4, 6, 8], dtype=torch.float32)
    w = torch.tensor(0.0, dtype=torch.float32, requires_grad=True)
    return ((w * x - y) ** 2).mean(), w


def explain_command() -> int:
    """Print the backward pass of the seed's first training step, node by node."""
    loss, w = seed_first_step()
    print("The seed's first training step: loss = ((w*x - y)**2).mean() with w = 0,")
    print("x = [1, 2, 3, 4], y = [2, 4, 6, 8] (float32). loss.backward() runs:")
    print()
    print(torch.autograd.explain(loss, params={"w": w}))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``arraygrad`` console script."""
    parser = argparse.ArgumentParser(
        prog="arraygrad", description="Backpropagation for array code, with PyTorch's API."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="train the seed's f = w*x on arraygrad and explain it")
    commands.add_parser("explain", help="print the backward pass of the seed's first step")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo()
    if args.command == "explain":
        return explain_command()
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
