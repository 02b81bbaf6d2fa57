"""The checks and helpers that several functions share, against torch 2.13.0: the non-tensor
argument errors (``_arguments.require_tensor``, ``_unary.require_tensors``), the dropout
probability, per-channel and reduction checks, the container ``update`` pairs, the triangle
mask and the straight-through clamp of ``cosine_similarity`` / ``gaussian_nll_loss`` at their
``eps``."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag


def _raises_like_torch(call: Any) -> str:
    """Run ``call(lib)`` with torch and arraygrad; both must raise one exception class."""
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as mine:
        call(ag)
    assert type(mine.value) is type(theirs.value)
    return str(mine.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.broadcast_tensors(m.ones(2), 1.0),
        lambda m: m.cartesian_prod(m.ones(2), [1.0]),
        lambda m: m.block_diag(m.ones(2, 2), 3),
        lambda m: m.kron(2, m.ones(2)),
        lambda m: m.kron(m.ones(2), 2),
        lambda m: m.numel(1.0),
        lambda m: m.is_nonzero([1.0]),
    ],
)
def test_non_tensor_arguments_raise_like_torch(call: Any) -> None:
    message = _raises_like_torch(call)
    assert "Tensor" in message and "Fix:" in message


def test_non_tensor_messages_name_the_argument() -> None:
    with pytest.raises(TypeError, match=r"element 1 in argument 0, but got float"):
        ag.broadcast_tensors(ag.ones(2), 1.0)
    with pytest.raises(TypeError, match=r"argument 'input' \(position 1\) must be Tensor, not int"):
        ag.kron(2, ag.ones(2))
    with pytest.raises(TypeError, match=r"argument 'other' \(position 2\) must be Tensor"):
        ag.kron(ag.ones(2), 2)


@pytest.mark.parametrize(
    "name", ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout"]
)
@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_probability_checked_like_torch(name: str, p: float) -> None:
    message = _raises_like_torch(
        lambda m: getattr(m.nn.functional, name)(m.ones(2, 3, 4, 5), p, True)
    )
    assert f"between 0 and 1, but got {p}" in message


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.nn.functional.batch_norm(m.ones(2, 3, 4), m.zeros(3), m.ones(2)),
        lambda m: m.nn.functional.batch_norm(m.ones(2, 3), None, None, m.ones(4), training=True),
        lambda m: m.nn.functional.instance_norm(m.ones(2, 3, 4), weight=m.ones(2)),
        lambda m: m.nn.functional.instance_norm(m.ones(2, 3, 4), bias=m.ones(5)),
    ],
)
def test_per_channel_sizes_checked_like_torch(call: Any) -> None:
    assert "elements (one per channel" in _raises_like_torch(call)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (
            lambda m: m.nn.functional.gaussian_nll_loss(
                m.ones(2), m.ones(2), m.ones(2), reduction="avg"
            ),
            "avg is not valid",
        ),
        (
            lambda m: m.nn.functional.multilabel_soft_margin_loss(
                m.ones(1, 2), m.ones(1, 2), reduction="avg"
            ),
            "avg is not valid",
        ),
        (
            lambda m: m.nn.functional.triplet_margin_with_distance_loss(
                m.ones(1, 2), m.ones(1, 2), m.ones(1, 2), reduction="avg"
            ),
            "avg is not a valid value for reduction",
        ),
    ],
)
def test_reductions_checked_like_torch(call: Any, words: str) -> None:
    assert words in _raises_like_torch(call)


@pytest.mark.parametrize("kind", ["ModuleDict", "ParameterDict"])
@pytest.mark.parametrize("pairs", [[5], [("a",)], [("a", "b", "c")], ["abc"]])
def test_container_update_pairs_checked_like_torch(kind: str, pairs: list) -> None:
    message = _raises_like_torch(lambda m: getattr(m.nn, kind)().update(pairs))
    assert "update sequence element #0" in message


def test_parameter_dict_update_takes_two_character_strings_like_torch() -> None:
    # A 2-character string is a (key, value) pair to torch; ModuleDict then refuses the value.
    theirs, mine = torch.nn.ParameterDict(), ag.nn.ParameterDict()
    theirs.update(["ab"])
    mine.update(["ab"])
    assert dict(mine.items()) == dict(theirs.items())
    _raises_like_torch(lambda m: m.nn.ModuleDict().update(["ab"]))


@pytest.mark.parametrize(("rows", "cols"), [(0, 0), (1, 1), (3, 5), (5, 3)])
@pytest.mark.parametrize("offset", [-2, 0, 1])
def test_triangles_from_one_mask_match_torch(rows: int, cols: int, offset: int) -> None:
    data = np.arange(1.0, rows * cols + 1).reshape(rows, cols)
    for name in ("tril", "triu"):
        mine = getattr(ag, name)(ag.tensor(data), offset).numpy()
        np.testing.assert_array_equal(mine, getattr(torch, name)(torch.tensor(data), offset))
    for name in ("tril_indices", "triu_indices"):
        mine = getattr(ag, name)(rows, cols, offset).numpy()
        np.testing.assert_array_equal(mine, getattr(torch, name)(rows, cols, offset))


def test_causal_attention_mask_matches_torch() -> None:
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal(shape) for shape in ((2, 3, 4), (2, 5, 4), (2, 5, 2)))
    theirs = torch.nn.functional.scaled_dot_product_attention(
        *map(torch.tensor, (q, k, v)), is_causal=True
    )
    mine = ag.nn.functional.scaled_dot_product_attention(*map(ag.tensor, (q, k, v)), is_causal=True)
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-12)


def _values_and_grads(lib: Any, loss: Any, *arrays: np.ndarray) -> list[np.ndarray]:
    tensors = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = loss(lib, *tensors)
    out.backward(lib.ones_like(out))
    return [out.detach().numpy()] + [t.grad.numpy() for t in tensors]


@pytest.mark.parametrize(
    "loss",
    [
        # a zero vector and a tiny one: the norm is clamped to eps in value, not in gradient
        lambda m, a, b: m.nn.functional.cosine_similarity(a, b, dim=-1, eps=1e-3),
        lambda m, a, b: m.nn.functional.gaussian_nll_loss(a, b, (a - b) ** 2 * 1e-4, eps=1e-3),
    ],
)
def test_straight_through_clamp_matches_torch(loss: Any) -> None:
    a = np.array([[0.0, 0.0, 0.0], [1e-5, 2e-5, 0.0], [1.0, 2.0, 3.0]])
    b = np.array([[1.0, 0.5, 0.0], [1e-5, -1e-5, 3e-5], [1.0, -1.0, 0.5]])
    for mine, theirs in zip(
        _values_and_grads(ag, loss, a, b), _values_and_grads(torch, loss, a, b), strict=True
    ):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)


def test_cosine_similarity_shapes_broadcast_like_torch() -> None:
    a, b = np.ones((2, 1, 3)), np.arange(12.0).reshape(4, 3)
    mine = ag.nn.functional.cosine_similarity(ag.tensor(a), ag.tensor(b), dim=-1)
    theirs = torch.nn.functional.cosine_similarity(torch.tensor(a), torch.tensor(b), dim=-1)
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-12)
    _raises_like_torch(lambda m: m.nn.functional.cosine_similarity(m.ones(2, 3), m.ones(3, 3)))


@pytest.mark.parametrize(
    "dtypes", [("float64", "float16"), ("float16", "float64"), ("bfloat16", "float32")]
)
def test_cosine_similarity_takes_each_norm_in_its_own_dtype_as_torch(
    dtypes: tuple[str, str],
) -> None:
    # arraygrad converted both inputs to their promoted dtype first; PyTorch converts only an
    # integer input, so a float16 input's norm and quotient round in float16 before the
    # float64 product (nn fuzzer, seeds mod 3332, fn 9361 and 4073).
    rng = np.random.default_rng(3332)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    found = []
    for m in (torch, ag):
        x1 = m.tensor(a).to(getattr(m, dtypes[0])).requires_grad_()
        x2 = m.tensor(b).to(getattr(m, dtypes[1])).requires_grad_()
        out = m.nn.functional.cosine_similarity(x1, x2, dim=1, eps=0.1)
        grads = m.autograd.grad(out.sum(), (x1, x2))
        found.append([t.detach().double().numpy() for t in (out, *grads)])
        assert [str(t.dtype).split(".")[1] for t in (out, *grads)] == [
            str(out.dtype).split(".")[1],
            *dtypes,
        ]
    # (the gradients to within a rounding of their own dtype, of their largest element: the
    # backward rounds in another order, and its sums cancel)
    tols = [1e-6, *({"float16": 1e-3, "bfloat16": 1e-2}.get(d, 1e-6) for d in dtypes)]
    for mine, theirs, tol in zip(found[1], found[0], tols, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=tol, atol=tol * np.abs(theirs).max())


_X = np.array([[0.2, 0.7, 0.4], [0.9, 0.1, 0.6]])
_SIGNS = np.array([1.0, -1.0])
_CLASSES = np.array([2, 0])
_LABELS = np.array([[2, 0, -1], [1, -1, 0]])


def _legacy_loss_args(name: str, m: Any) -> tuple[Any, ...]:
    x, y = m.tensor(_X), m.tensor(1.0 - _X)
    if name in ("margin_ranking_loss", "cosine_embedding_loss"):
        a, b = (x[0], y[0]) if name == "margin_ranking_loss" else (x, y)
        return a, b, m.tensor(_SIGNS if name == "cosine_embedding_loss" else [1.0, -1.0, 1.0])
    if name in ("hinge_embedding_loss", "soft_margin_loss"):
        return x, m.sign(y - 0.5)
    if name == "triplet_margin_loss":
        return x, y, x * 2
    if name in ("nll_loss", "cross_entropy", "multi_margin_loss"):
        return x, m.tensor(_CLASSES)
    if name == "multilabel_margin_loss":
        return x, m.tensor(_LABELS)
    return x, y  # (probabilities for the binary cross entropies, rates for poisson_nll_loss)


# Every functional loss that takes the legacy size_average= / reduce= flags warns as PyTorch's
# do ("size_average and reduce args will be deprecated, please use reduction='sum' instead.");
# arraygrad's functional losses read the flags silently (only the loss modules warned).
_LEGACY_LOSSES = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cosine_embedding_loss",
    "cross_entropy",
    "hinge_embedding_loss",
    "kl_div",
    "l1_loss",
    "margin_ranking_loss",
    "mse_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "nll_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
]
_LEGACY_FLAGS = [
    {"size_average": False},
    {"reduce": False},
    {"size_average": True, "reduce": True},
]


@pytest.mark.parametrize("flags", _LEGACY_FLAGS, ids=str)
@pytest.mark.parametrize("name", _LEGACY_LOSSES)
def test_legacy_reduction_flags_warn_as_torch(name: str, flags: dict[str, bool]) -> None:
    warned, values = [], []
    for m in (torch, ag):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loss = getattr(m.nn.functional, name)(*_legacy_loss_args(name, m), **flags)
        warned.append([(w.category, str(w.message)) for w in caught])
        values.append(np.asarray(loss.detach().numpy()))
    assert warned[1] == warned[0] and len(warned[0]) == 1
    np.testing.assert_allclose(values[1], values[0], rtol=1e-12)


def test_legacy_reduction_flags_of_loss_modules_warn_as_torch() -> None:
    said = []
    for m in (torch, ag):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loss = m.nn.MultiMarginLoss(size_average=False, reduce=True)
            m.nn.L1Loss(reduce=False)
        said.append(([str(w.message) for w in caught], loss.reduction))
    assert said[1] == said[0]
