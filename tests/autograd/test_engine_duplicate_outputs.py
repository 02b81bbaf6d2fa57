"""The engine given the same output more than once: each occurrence contributes, as in PyTorch."""

from __future__ import annotations

import numpy as np
import torch

import arraygrad as ag


def _run(lib: object, use_grad: bool) -> list[float]:
    x = lib.tensor([1.0, 2.0], requires_grad=True)  # type: ignore[attr-defined]
    z = (x * 2).sum()
    if use_grad:
        (g,) = lib.autograd.grad([z, z], x)  # type: ignore[attr-defined]
        return g.tolist()
    lib.autograd.backward([z, z])  # type: ignore[attr-defined]
    return x.grad.tolist()


def test_backward_with_a_repeated_output_sums_both_like_torch() -> None:
    np.testing.assert_allclose(_run(ag, False), _run(torch, False))
    np.testing.assert_allclose(_run(ag, False), [4.0, 4.0])


def test_grad_with_a_repeated_output_sums_both_like_torch() -> None:
    np.testing.assert_allclose(_run(ag, True), _run(torch, True))
