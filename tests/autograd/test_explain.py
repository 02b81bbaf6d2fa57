"""``explain``: the backward pass as text, in the engine's order, without touching the graph."""

# The expected text uses the math minus sign (−) that explain prints.
# ruff: noqa: RUF001

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.autograd import explain
from arraygrad.autograd.explain import RULES


def seed_step() -> tuple[ag.Tensor, ag.Tensor]:
    x = ag.tensor([1, 2, 3, 4], dtype=ag.float32)
    y = ag.tensor([2, 4, 6, 8], dtype=ag.float32)
    w = ag.tensor(0.0, dtype=ag.float32, requires_grad=True)
    return ((w * x - y) ** 2).mean(), w


def test_seed_first_step_reads_like_the_hand_derivation() -> None:
    loss, w = seed_step()
    text = explain(loss, params={"w": w})
    steps = [line for line in text.splitlines() if line.startswith("Step ")]
    assert [s.split()[2] for s in steps] == [
        "MeanBackward0",
        "PowBackward0",
        "SubBackward0",
        "MulBackward0",
    ]
    assert "N = 4" in text
    assert "[0.25, 0.25, 0.25, 0.25]" in text  # mean spreads 1 evenly
    assert "g · b · a^(b−1) = [-1, -2, -3, -4]" in text  # 2 * (w*x - y) * 0.25
    assert "[-1, -4, -9, -16], summed over the broadcast dimensions to shape [] = -30" in text
    assert text.splitlines()[-1] == "w.grad = -30"


def test_explain_does_not_disturb_the_graph() -> None:
    loss, w = seed_step()
    explain(loss, params={"w": w})
    explain(loss)
    assert w.grad is None
    loss.backward()  # the saved values are still there
    assert w.grad.item() == -30.0
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        explain(loss)


def test_order_is_the_engines() -> None:
    """Node hooks fire in the engine's run order; explain lists the steps in that order."""
    a = ag.tensor(np.array([0.5, 1.5]), requires_grad=True)
    b = ag.tensor(np.array([2.0, -1.0]), requires_grad=True)
    h = a * b
    out = (h.exp() + h.sin() * a + (b - h).tanh()).sum()
    seen: list[str] = []
    stack, visited = [out.grad_fn], set()
    while stack:
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        node.register_hook(lambda gi, go, n=node: seen.append(f"{n.name()}@{id(n)}"))
        stack.extend(e for e in node.edges if isinstance(e, type(out.grad_fn)))
    text = explain(out, params={"a": a, "b": b})
    listed = [line.split()[2] for line in text.splitlines() if line.startswith("Step ")]
    out.backward()
    assert listed == [entry.split("@")[0] for entry in seen]
    np.testing.assert_allclose(
        [float(v) for v in text.split("a.grad = ")[1].splitlines()[0].strip("[]").split(",")],
        a.grad.numpy(),
        rtol=1e-5,
    )


def test_large_tensors_are_summarised_and_unknown_ops_fall_back() -> None:
    x = ag.tensor(np.linspace(-1, 1, 100), requires_grad=True)
    text = explain((x * x).sum())
    assert "<100 values, shape [100]" in text and "norm" in text
    assert "mul" in RULES and "mean" in RULES


def test_leaf_and_misuse() -> None:
    w = ag.tensor(1.0, requires_grad=True)
    assert "leaf" in explain(w, params={"w": w})
    with pytest.raises(RuntimeError, match="one-element"):
        explain(ag.tensor([1.0, 2.0], requires_grad=True) * 2)
