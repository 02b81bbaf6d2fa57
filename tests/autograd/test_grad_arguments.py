"""The arguments of ``autograd.grad`` and ``autograd.backward`` (``autograd/__init__.py``)
against torch 2.13.0: ``is_grads_batched``, the deprecated ``only_inputs``, an empty
``inputs=`` and the count of ``grad_outputs``."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.oracle import raised_by

LIBS = [ag, torch]
X = [0.5, -1.25, 2.0]


def _numpy(value: Any) -> Any:
    return None if value is None else value.detach().numpy()


@pytest.mark.parametrize("create_graph", [False, True])
def test_is_grads_batched_stacks_one_vjp_per_row(create_graph: bool) -> None:
    results = {}
    for lib in LIBS:
        x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
        w = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        unused = lib.tensor([1.0], dtype=lib.float64, requires_grad=True)
        y = x.sin() * x  # (3,)
        z = (w * w).sum()  # ()
        rows = lib.tensor(
            [[1.0, 0.0, 0.0], [0.0, 1.0, 2.0], [3.0, 0.0, -1.0], [0.5, 0.5, 0.5]],
            dtype=lib.float64,
        )
        scalars = lib.tensor([1.0, -2.0, 0.0, 4.0], dtype=lib.float64)
        gx, gw, gu = lib.autograd.grad(
            [y, z],
            [x, w, unused],
            grad_outputs=[rows, scalars],
            is_grads_batched=True,
            create_graph=create_graph,
            allow_unused=True,
        )
        assert gu is None and gx.requires_grad == create_graph
        results[lib] = (gx, gw)
    for mine, theirs in zip(results[ag], results[torch], strict=True):
        assert mine.shape == theirs.shape
        np.testing.assert_allclose(_numpy(mine), _numpy(theirs), rtol=1e-12)


def test_is_grads_batched_refuses_cotangents_without_the_batch_dimension() -> None:
    for lib in LIBS:
        x = lib.tensor(X, requires_grad=True)
        y = x * x
        raised = raised_by(
            lambda lib=lib, x=x, y=y: lib.autograd.grad(
                y, x, grad_outputs=lib.ones(3), is_grads_batched=True
            )
        )
        assert raised is not None and raised[0] is RuntimeError
        assert "If `is_grads_batched=True`, we interpret the first dimension" in raised[1]


def test_only_inputs_is_accepted_with_a_deprecation_warning() -> None:
    for lib in LIBS:
        x = lib.tensor(X, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            (g,) = lib.autograd.grad((x * x).sum(), x, only_inputs=False)
        assert np.allclose(_numpy(g), 2 * np.array(X))
        assert [w.category for w in caught] == [FutureWarning]
        assert "only_inputs argument is deprecated" in str(caught[0].message)


def test_backward_with_empty_inputs_raises() -> None:
    for lib in LIBS:
        x = lib.tensor(X, requires_grad=True)
        raised = raised_by(lambda x=x: (x * x).sum().backward(inputs=[]))
        assert raised is not None and raised[0] is RuntimeError
        assert "`inputs` argument to `backward()` cannot be empty." in raised[1]
        assert x.grad is None


def test_a_wrong_count_of_grad_outputs_says_so() -> None:
    for lib in LIBS:
        x = lib.tensor(X, requires_grad=True)
        y = x * 2
        raised = raised_by(lambda lib=lib, x=x, y=y: lib.autograd.grad([y, y], x, [lib.ones(3)]))
        assert raised is not None and raised[0] is RuntimeError
        assert "got 2 tensors and 1 gradients" in raised[1]
