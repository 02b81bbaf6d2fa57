"""Inference tensors that PyTorch's ops save for backward where arraygrad's keep no input for
its rules to read (``_inference.check_kept``): an index, a mask, a loss's target, running
statistics. arraygrad holds an index as an op's parameter, and composes a loss of primitives
that read the difference of input and target, so the check of what a recorded op saves did
not see them, and these ops were recorded where PyTorch refuses them.

Each test runs the same code on torch 2.13.0 and on arraygrad and compares the outcomes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.test_inference_mode import _outcome

LIBS = [torch, ag]


def _inside(lib: Any, value: Any, dtype: Any = None) -> Any:
    with lib.inference_mode():
        return lib.tensor(value, dtype=dtype)


def _scope(lib: Any) -> dict[str, Any]:
    """Inference tensors (``i`` an index, ``g`` a gather index, ``m`` a mask, ``f`` floats,
    ``t`` and ``labels`` class labels, ``r`` statistics, ``grid`` points, ``u`` unpooling
    indices), ``w`` and ``vg`` tensors that require grad, and constants ``c``, ``v``."""
    d = lib.float64
    return {
        "lib": lib,
        "F": lib.nn.functional,
        "i": _inside(lib, [0, 2]),
        "g": _inside(lib, [[0, 1], [1, 0]]),
        "m": _inside(lib, [True, False, True]),
        "f": _inside(lib, [[0.5, -1.0], [2.0, 0.0], [1.0, 3.0]], d),
        "t": _inside(lib, [1, 0]),
        "labels": _inside(lib, [[1, -1], [0, -1]]),
        "r": _inside(lib, [1.0, 2.0], d),
        "grid": _inside(lib, [[[[0.1, -0.2], [0.3, 0.4]]]], d),
        "u": _inside(lib, [[[0], [1]]]),
        "w": lib.arange(6.0, dtype=d).reshape(3, 2).requires_grad_(),
        "c": lib.arange(6.0, dtype=d).reshape(3, 2),
        "v": lib.ones(2, 2, dtype=d),
        "vg": lib.ones(2, 2, dtype=d, requires_grad=True),
    }


def _run(expression: str) -> Any:
    def run(lib: Any) -> Any:
        out = eval(expression, _scope(lib))
        return out.requires_grad, out.is_inference()

    mine, theirs = _outcome(run, ag), _outcome(run, torch)
    assert mine == theirs
    return mine


REFUSED = ("RuntimeError", "Inference tensors cannot be saved")


@pytest.mark.parametrize(
    "expression",
    [
        # indexing: the index is saved whenever the op is recorded
        "w[i]",
        "w[i, 0]",
        "w[..., i[:1]]",
        "w[m]",
        "w.index_select(0, i)",
        "w.gather(0, g)",
        "lib.take(w, i)",
        "lib.take_along_dim(w, i, None)",
        "w.masked_select(m[:, None])",
        "F.embedding(i, w)",
        "F.embedding_bag(i, w, lib.tensor([0]))",
        "F.embedding_bag(lib.tensor([0, 2]), w, i[:1])",
        # writes: the index is saved for the written tensor's gradient and the values'
        "w.index_put((i,), v)",
        "c.index_put((i,), vg, accumulate=True)",
        "w.scatter(0, g, 2.0)",
        "c.scatter(0, g, vg)",
        "w.scatter_reduce(0, g, v, 'amax')",
        "w.index_fill(0, i, 1.0)",
        "w.index_copy(0, i, v)",
        "w.index_reduce(0, i, v, 'prod')",
        "w.put(i, v[0])",
        "w.masked_scatter(m[:, None], v)",
        "c.index_add(0, i, vg)",
        "c.scatter_add(0, g, vg)",
        # losses and kernels whose PyTorch form saves a target or statistics
        "F.cross_entropy(w[:2], t)",
        "F.cross_entropy(w[:2], t, label_smoothing=0.1)",
        "F.nll_loss(w[:2], t)",
        "F.nll_loss(w[:2], lib.tensor([1, 0]), weight=f[:2, 0])",
        "F.multi_margin_loss(w[:2], t)",
        "F.multilabel_margin_loss(w[:2], labels)",
        "F.mse_loss(w, f)",
        "F.smooth_l1_loss(w, f)",
        "F.huber_loss(w, f)",
        "F.binary_cross_entropy_with_logits(w, f)",
        "F.binary_cross_entropy_with_logits(w, c, pos_weight=f[0])",
        "lib.dist(w, f)",
        "lib.cdist(w, f)",
        "F.batch_norm(w, r, r)",
        "F.grid_sample(w[None, None], grid, align_corners=False)",
        "F.max_unpool1d(w.t()[None, :, :1], u, 2)",
    ],
)
def test_an_inference_tensor_pytorch_saves_is_refused(expression: str) -> None:
    assert _run(expression) == REFUSED


@pytest.mark.parametrize(
    "expression",
    [
        "w[i[0]]",  # a 0-d index is read as an int (a select), a 0-d mask as None
        "w[m[0]]",
        "w.index_add(0, i, v)",  # the input's gradient reads no index: only the source's
        "w.scatter_add(0, g, v)",
        "lib.take_along_dim(w, g, 0)",  # PyTorch gathers at a new (wrapped) index
        "w.scatter(0, g, v, reduce='add')",  # no gradient, so nothing is saved
        "F.smooth_l1_loss(w, f, beta=0.0)",  # l1_loss, whose rule reads the difference
        "F.l1_loss(w, f)",
        "c[i] + w[:2]",  # nothing that requires grad is indexed
        "lib.no_grad()(lambda: w[i])()",
        "F.mse_loss(c, f)",
    ],
)
def test_an_inference_tensor_pytorch_does_not_save_is_fine(expression: str) -> None:
    assert _run(expression) in ((True, False), (False, False))


def test_the_refused_ops_run_on_a_clone_and_differentiate_as_in_pytorch() -> None:
    # PyTorch's fix: a clone made outside inference mode is a normal tensor
    def trained(lib: Any) -> Any:
        scope = _scope(lib)
        w, i, t, f = scope["w"], scope["i"], scope["t"], scope["f"]
        F = scope["F"]
        loss = (w[i.clone()] ** 2).sum() + F.cross_entropy(w[:2], t.clone())
        loss = loss + F.mse_loss(w, f.clone())
        loss.backward()
        return w.grad.tolist()

    np.testing.assert_allclose(trained(ag), trained(torch), rtol=1e-12)


def test_an_index_whose_version_is_not_kept_is_refused_by_its_version() -> None:
    # an inference index given a normal tensor's values by .data = keeps no version
    def indexed(lib: Any) -> Any:
        index = _inside(lib, [0, 2])
        index.data = lib.tensor([0, 1])
        w = lib.ones(3, dtype=lib.float64, requires_grad=True)
        return index.is_inference(), _outcome(lambda _: w[index], lib)

    versions = ("RuntimeError", "Inference tensors do not track")
    mine, theirs = _outcome(indexed, ag), _outcome(indexed, torch)
    assert mine == theirs == (False, versions)
