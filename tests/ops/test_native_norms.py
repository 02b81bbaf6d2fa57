"""The native normalisation and dropout functions (``_native_norms.py``) against torch 2.13.0:
outputs, statistics and gradients, running statistics updated in place; the synchronised batch
norm kernels (CUDA-only in torch) against ``nn.functional.batch_norm`` and its gradients; and
``native_norm``'s refusal of dense tensors, as torch's."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from tests.ops._helpers import lib
from tests.oracle import check_against_torch, grad_fn_names

R = np.random.default_rng(0)
X, W, B = R.standard_normal((4, 6, 5)), R.standard_normal(6), R.standard_normal(6)


def _batch_norm_training(x: Any, w: Any, b: Any) -> tuple[Any, ...]:
    L = lib(x)
    mean, var = L.zeros(6, dtype=x.dtype), L.ones(6, dtype=x.dtype)
    return (*L.native_batch_norm(x, w, b, mean, var, True, 0.1, 1e-5), mean, var)


def _batch_norm_eval(x: Any, w: Any, b: Any) -> tuple[Any, ...]:
    L = lib(x)
    mean, var = L.linspace(0, 1, 6, dtype=x.dtype), L.linspace(1, 2, 6, dtype=x.dtype)
    return tuple(L.native_batch_norm(x, w, b, mean, var, False, 0.1, 1e-3))


def _update_stats(x: Any) -> tuple[Any, ...]:
    L = lib(x)
    mean, var = L.zeros(6, dtype=x.dtype), L.ones(6, dtype=x.dtype)
    return (*L.batch_norm_update_stats(x, mean, var, 0.2), mean, var)


CASES: dict[str, tuple[Any, list[np.ndarray], bool]] = {
    "layer_norm": (
        lambda x, w, b: lib(x).native_layer_norm(x, [5], w[:5], b[:5], 1e-5),
        [X, W, B],
        True,
    ),
    "layer_norm_two_dims": (
        lambda x: lib(x).native_layer_norm(x, [6, 5], None, None, 1e-3),
        [X],
        True,
    ),
    "batch_norm_training": (_batch_norm_training, [X, W, B], True),
    "batch_norm_eval": (_batch_norm_eval, [X, W, B], True),
    "batch_norm_no_running_stats": (
        lambda x: lib(x).native_batch_norm(x, None, None, None, None, True, 0.1, 1e-5),
        [X],
        True,
    ),
    # torch's statistics of group norm require grad but take none: compared without it
    "group_norm_output": (
        lambda x, w, b: lib(x).native_group_norm(x, w, b, 4, 6, 5, 3, 1e-5)[0],
        [X, W, B],
        True,
    ),
    "group_norm_statistics": (
        lambda x, w, b: tuple(lib(x).native_group_norm(x, w, b, 4, 6, 5, 3, 1e-5)),
        [X, W, B],
        False,
    ),
    "group_norm_own_sizes": (
        lambda x, w: lib(x).native_group_norm(x, w, None, 2, 12, 5, 3, 1e-5)[0],
        [X, R.standard_normal(12)],
        True,
    ),
    "update_stats": (_update_stats, [X], False),
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name: str) -> None:
    fn, inputs, grad = CASES[name]
    check_against_torch(fn, None, inputs, grad=grad)


def test_batch_norm_of_one_value_per_channel_is_zero_with_nan_running_variance() -> None:
    outs = []
    for L in (torch, ag):
        mean, var = L.zeros(6, dtype=L.float64), L.ones(6, dtype=L.float64)
        out, _, invstd = L.native_batch_norm(
            L.tensor(X[:1, :, :1]), None, None, mean, var, True, 0.1, 1e-5
        )
        outs.append([t.detach().numpy() for t in (out, invstd, var)])
    for mine, theirs in zip(outs[1], outs[0], strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-13)


def test_errors_match_torch() -> None:
    for call in (
        lambda L: L.native_layer_norm(L.tensor(X), [4], None, None, 1e-5),
        lambda L: L.native_group_norm(L.tensor(X), None, None, 4, 6, 6, 3, 1e-5),
        lambda L: L.native_dropout(L.tensor(X), 1.5, True),
    ):
        messages = []
        for L in (torch, ag):
            with pytest.raises(RuntimeError) as error:
                call(L)
            messages.append(str(error.value).split(". Fix")[0])
        assert messages[0].startswith(messages[1][:60])
    for L in (torch, ag):
        with pytest.raises(ValueError, match="both be None or neither"):
            L.native_batch_norm(L.tensor(X), None, None, None, L.ones(6), True, 0.1, 1e-5)
    with pytest.raises(TypeError, match="must be tuple of ints, not int"):
        ag.native_layer_norm(ag.tensor(X), 5, None, None, 1e-5)


@pytest.mark.parametrize("train", [True, None, False])
def test_native_dropout_mask_and_scale(train: bool | None) -> None:
    x = ag.tensor(X, requires_grad=True)
    out, mask = ag.native_dropout(x, 0.3, train)
    assert mask.dtype == ag.bool and tuple(mask.shape) == X.shape
    keep = mask.numpy()
    scale = 1 / 0.7 if train is not False else 1.0
    np.testing.assert_allclose(out.detach().numpy(), X * keep * scale)
    (grad,) = ag.autograd.grad(out.sum(), x)
    np.testing.assert_allclose(grad.numpy(), keep * scale)
    if train is False:
        assert keep.all() and out is not x


def test_native_dropout_of_everything_is_zero() -> None:
    out, mask = ag.native_dropout(ag.tensor(X), 1.0, True)
    assert not mask.numpy().any() and not out.numpy().any()


def test_native_norm_refuses_dense_tensors_as_torch() -> None:
    with pytest.raises(NotImplementedError, match="aten::native_norm"):
        torch.native_norm(torch.tensor(X))
    with pytest.raises(NotImplementedError, match=r"linalg\.vector_norm"):
        ag.native_norm(ag.tensor(X), 2)


def test_synchronised_batch_norm_kernels_give_batch_norm_and_its_gradients() -> None:
    x = ag.tensor(R.standard_normal((6, 3, 4)), requires_grad=True)
    w = ag.tensor(R.standard_normal(3), requires_grad=True)
    b = ag.tensor(R.standard_normal(3), requires_grad=True)
    mean, var = ag.zeros(3, dtype=ag.float64), ag.ones(3, dtype=ag.float64)
    reference = ag.nn.functional.batch_norm(x, mean, var, w, b, True, 0.1, 1e-5)
    # three "processes" holding 2, 1 and 3 examples
    parts = [x[:2], x[2:3], x[3:]]
    stats = [ag.batch_norm_stats(part.detach(), 1e-5) for part in parts]
    counts = ag.tensor([part.shape[0] * 4 for part in parts], dtype=ag.float64)
    mean2, var2 = ag.zeros(3, dtype=ag.float64), ag.ones(3, dtype=ag.float64)
    means, invstds = ag.stack([s[0] for s in stats]), ag.stack([s[1] for s in stats])
    m, invstd = ag.batch_norm_gather_stats_with_counts(
        x, means, invstds, mean2, var2, 0.1, 1e-5, counts
    )
    out = ag.batch_norm_elemt(x.detach(), w.detach(), b.detach(), m, invstd, 1e-5)
    np.testing.assert_allclose(out.numpy(), reference.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(mean2.numpy(), mean.numpy(), atol=1e-12)
    np.testing.assert_allclose(var2.numpy(), var.numpy(), atol=1e-12)

    g = ag.tensor(R.standard_normal((6, 3, 4)))
    gx, gw, gb = ag.autograd.grad(reference, [x, w, b], g)
    sum_dy, sum_dy_xmu, gw2, gb2 = ag.batch_norm_backward_reduce(
        g, x.detach(), m, invstd, w.detach(), True, True, True
    )
    gx2 = ag.batch_norm_backward_elemt(
        g, x.detach(), m, invstd, w.detach(), sum_dy, sum_dy_xmu, counts.int()
    )
    for mine, expected in ((gx2, gx), (gw2, gw), (gb2, gb)):
        assert mine is not None
        np.testing.assert_allclose(mine.numpy(), expected.numpy(), atol=1e-12)
    only_weight = ag.batch_norm_backward_reduce(g, x.detach(), m, invstd, None, False, True, False)
    assert only_weight[0] is None and only_weight[1] is None and only_weight[3] is None

    same = ag.batch_norm_gather_stats(
        x, ag.stack([stats[0][0]] * 2), ag.stack([stats[0][1]] * 2), None, None, 0.1, 1e-5, 8
    )
    np.testing.assert_allclose(same[0].numpy(), stats[0][0].numpy(), atol=1e-12)
    np.testing.assert_allclose(same[1].numpy(), stats[0][1].numpy(), atol=1e-12)


@pytest.mark.parametrize(
    "expression",
    ["lib.native_batch_norm(x, None, None, None, None, True, 0.1, 1e-5)[0]",
     "lib.native_batch_norm(x, None, None, lib.zeros(3), lib.ones(3), False, 0.1, 1e-5)[0]",
     "lib.native_group_norm(x[None], None, None, 1, 2, 3, 1, 1e-5)[0]"],
)  # fmt: skip
def test_outputs_are_named_as_torchs_nodes(expression: str) -> None:
    # Regression: AddBackward0 and ViewBackward0, after the last op of their composition.
    mine, theirs = grad_fn_names(expression)
    assert mine == theirs
