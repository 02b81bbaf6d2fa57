"""A small model, its compiled-or-eager training step and inputs, shared by the in-place
optimizer tests."""

from __future__ import annotations

import numpy as np

import arraygrad as ag


def model(seed: int = 0) -> list[ag.Tensor]:
    """Weights of an 8-40-3 ReLU network."""
    rng = np.random.default_rng(seed)
    return [
        ag.tensor(rng.standard_normal((8, 40)).astype(np.float32) / 3, requires_grad=True),
        ag.tensor(np.zeros(40, np.float32), requires_grad=True),
        ag.tensor(rng.standard_normal((40, 3)).astype(np.float32) / 5, requires_grad=True),
    ]


def training_step(params, opt):
    """One step: forward, backward, ``opt.step()``, ``opt.zero_grad()``; returns the loss."""
    w1, b1, w2 = params

    def step(x):
        loss = (((x @ w1 + b1).relu() @ w2) ** 2).mean()
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss

    return step


def batches(n: int) -> list[ag.Tensor]:
    """``n`` batches of 16 inputs."""
    rng = np.random.default_rng(7)
    return [ag.tensor(rng.standard_normal((16, 8)).astype(np.float32)) for _ in range(n)]
