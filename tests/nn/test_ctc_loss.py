"""ctc_loss and CTCLoss against torch 2.13.0: values, the gradient of the log-probabilities
(PyTorch's, that of the logits behind log_softmax) and of the logits themselves, on padded
and concatenated targets, every reduction, impossible and empty alignments, and misuse."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag


def _case(seed: int, frames: int, batch: int, classes: int, longest: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    target_lengths = rng.integers(0, longest + 1, batch)
    # enough frames for every target, repeats included (they need a blank between)
    input_lengths = rng.integers(2 * longest + 1, frames + 1, batch)
    return {
        "logits": rng.standard_normal((frames, batch, classes)),
        "targets": rng.integers(1, classes, (batch, longest)),
        "input_lengths": [int(n) for n in input_lengths],
        "target_lengths": [int(n) for n in target_lengths],
    }


CASES = [_case(seed, 12, 4, 5, 4) for seed in range(4)] + [_case(9, 20, 3, 3, 6)]


def _run(lib: Any, case: dict[str, Any], dtype: str = "float64", **options: Any) -> Any:
    logits = lib.tensor(case["logits"], dtype=getattr(lib, dtype), requires_grad=True)
    log_probs = lib.nn.functional.log_softmax(logits, 2)
    log_probs.retain_grad()
    targets = lib.tensor(case["targets"])
    if options.pop("concatenated", False):
        targets = lib.cat([row[:n] for row, n in zip(targets, case["target_lengths"], strict=True)])
    lengths = (case["input_lengths"], case["target_lengths"])
    if options.pop("tensor_lengths", False):
        lengths = tuple(lib.tensor(values) for values in lengths)
    loss = lib.nn.functional.ctc_loss(log_probs, targets, *lengths, **options)
    cotangent = lib.tensor(np.linspace(0.5, 1.5, loss.numel()).reshape(tuple(loss.shape)))
    loss.backward(cotangent.to(loss.dtype))
    return loss.detach().numpy(), log_probs.grad.numpy(), logits.grad.numpy()


def _assert_matches(case: dict[str, Any], dtype: str = "float64", **options: Any) -> None:
    tolerance = (
        {"rtol": 1e-10, "atol": 1e-12} if dtype == "float64" else {"rtol": 1e-4, "atol": 1e-5}
    )
    theirs = _run(torch, case, dtype, **dict(options))
    mine = _run(ag, case, dtype, **dict(options))
    for a, b in zip(mine, theirs, strict=True):
        np.testing.assert_allclose(a, b, **tolerance)


@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_matches_torch(case: int, reduction: str) -> None:
    _assert_matches(CASES[case], reduction=reduction)


@pytest.mark.parametrize(
    "options",
    [
        {"concatenated": True},
        {"tensor_lengths": True},
        {"concatenated": True, "tensor_lengths": True, "reduction": "none"},
        {"blank": 2, "reduction": "none"},
        {"zero_infinity": True},
    ],
    ids=repr,
)
def test_target_forms_and_options_match_torch(options: dict[str, Any]) -> None:
    case = dict(CASES[0])
    if "blank" in options:  # targets never hold the blank (PyTorch requires it)
        case["targets"] = np.where(case["targets"] == 2, 0, case["targets"])
    _assert_matches(case, **options)


def test_float32_matches_torch() -> None:
    _assert_matches(CASES[1], "float32")


def test_repeated_labels_need_a_blank_between() -> None:
    # [1, 1] takes at least 3 frames: with 2 it is impossible, with 3 it has one alignment.
    case = {
        "logits": np.random.default_rng(0).standard_normal((3, 2, 3)),
        "targets": np.array([[1, 1], [1, 1]]),
        "input_lengths": [2, 3],
        "target_lengths": [2, 2],
    }
    _assert_matches(case, reduction="none", zero_infinity=True)
    loss, _, _ = _run(ag, case, reduction="none")
    assert loss[0] == np.inf and np.isfinite(loss[1])


def test_empty_targets_and_inputs_match_torch() -> None:
    case = {
        "logits": np.random.default_rng(1).standard_normal((5, 3, 4)),
        "targets": np.array([[1, 2], [3, 1], [2, 2]]),
        "input_lengths": [5, 0, 0],
        "target_lengths": [0, 0, 1],  # all blanks; nothing from nothing; one label from nothing
    }
    _assert_matches(case, reduction="none", zero_infinity=True)
    _assert_matches(case, reduction="mean", zero_infinity=True)
    loss, _, _ = _run(ag, case, reduction="none")
    assert loss[0] > 0 and loss[1] == 0 and loss[2] == np.inf


def test_impossible_alignment_gradient_without_zero_infinity() -> None:
    # torch: an infinite loss and a NaN gradient; arraygrad: the loss is infinite as in torch,
    # and the gradient only PyTorch's softmax term (documented), so the logits' gradient is 0.
    case = {
        "logits": np.random.default_rng(2).standard_normal((2, 1, 4)),
        "targets": np.array([[1, 2, 3]]),
        "input_lengths": [2],
        "target_lengths": [3],
    }
    loss, log_probs_grad, logits_grad = _run(ag, case, reduction="none")
    assert loss[0] == np.inf
    softmax = np.exp(case["logits"]) / np.exp(case["logits"]).sum(2, keepdims=True)
    np.testing.assert_allclose(log_probs_grad, 0.5 * softmax)  # _run's cotangent is 0.5
    np.testing.assert_allclose(logits_grad, 0, atol=1e-15)


def test_unbatched_input_matches_torch() -> None:
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((6, 5))
    for reduction in ("none", "mean"):
        results = []
        for lib in (torch, ag):
            x = lib.tensor(logits, requires_grad=True)
            loss = lib.nn.functional.ctc_loss(
                lib.nn.functional.log_softmax(x, 1),
                lib.tensor([1, 2, 2]),
                (6,),
                (3,),
                reduction=reduction,
            )
            loss.backward()
            results.append((loss.detach().numpy(), x.grad.numpy()))
        assert results[1][0].shape == results[0][0].shape == ()
        for a, b in zip(results[1], results[0], strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-10)


def test_module_holds_torchs_options() -> None:
    mine, theirs = ag.nn.CTCLoss(blank=2, zero_infinity=True), torch.nn.CTCLoss(2, "mean", True)
    assert repr(mine) == repr(theirs) == "CTCLoss()"
    assert (mine.blank, mine.reduction, mine.zero_infinity) == (2, "mean", True)
    assert dict(mine.state_dict()) == {}
    case = dict(CASES[2])
    case["targets"] = np.where(case["targets"] == 2, 1, case["targets"])
    logits = ag.tensor(case["logits"])
    expected = ag.nn.functional.ctc_loss(
        logits.log_softmax(2),
        ag.tensor(case["targets"]),
        case["input_lengths"],
        case["target_lengths"],
        blank=2,
        zero_infinity=True,
    )
    got = mine(
        logits.log_softmax(2),
        ag.tensor(case["targets"]),
        case["input_lengths"],
        case["target_lengths"],
    )
    assert got.item() == expected.item()


LOG_PROBS = np.log(np.full((6, 2, 5), 0.2))
TARGETS = np.array([[1, 2, 2], [3, 1, 0]])


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda L, lp, t: L.nn.functional.ctc_loss(lp, t, (6, 5), (3, 2), blank=5), RuntimeError),
        (lambda L, lp, t: L.nn.functional.ctc_loss(lp, t, (7, 5), (3, 2)), RuntimeError),
        (lambda L, lp, t: L.nn.functional.ctc_loss(lp, t, (6, 5), (4, 2)), RuntimeError),
        (lambda L, lp, t: L.nn.functional.ctc_loss(lp, t, (6, 5), (-1, 2)), RuntimeError),
        (lambda L, lp, t: L.nn.functional.ctc_loss(lp, t, (6,), (3, 2)), RuntimeError),
        (
            lambda L, lp, t: L.nn.functional.ctc_loss(
                lp, t, L.tensor([6.0, 5.0]), L.tensor([3, 2])
            ),
            RuntimeError,
        ),
        (
            lambda L, lp, t: L.nn.functional.ctc_loss(lp.long(), t, (6, 5), (3, 2)),
            NotImplementedError,
        ),
        (
            lambda L, lp, t: L.nn.functional.ctc_loss(lp, t, (6, 5), (3, 2), reduction="x"),
            ValueError,
        ),
    ],
)
def test_misuse_raises_like_torch(call: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        call(torch, torch.tensor(LOG_PROBS), torch.tensor(TARGETS))
    with pytest.raises(error):
        call(ag, ag.tensor(LOG_PROBS), ag.tensor(TARGETS))


def test_compiled_step_with_ctc_runs_eagerly_with_new_labels() -> None:
    # The labels decide what the recursion reads: a replay would keep the traced ones, so the
    # step runs eagerly, with compile's warning, and each call uses its own labels.
    lp = ag.tensor(LOG_PROBS)
    step = ag.compile(lambda t: ag.nn.functional.ctc_loss(lp, t, (6, 5), (3, 2)))
    with pytest.warns(RuntimeWarning, match="runs eagerly"):
        first = step(ag.tensor(TARGETS)).item()
    second = step(ag.tensor([[1, 1, 1], [2, 3, 0]])).item()
    eager = ag.nn.functional.ctc_loss(lp, ag.tensor([[1, 1, 1], [2, 3, 0]]), (6, 5), (3, 2))
    assert second == eager.item() and first != second


@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_every_target_empty_matches_torch(reduction: str) -> None:
    # Every target length 0 leaves one state (blank): the two-back transition must not be
    # wider than it (arraygrad raised a stack error where torch computes).
    case = {
        "logits": np.random.default_rng(8).standard_normal((5, 2, 3)),
        "targets": np.array([[1, 2, 1], [2, 2, 1]]),
        "input_lengths": [5, 4],
        "target_lengths": [0, 0],
    }
    _assert_matches(case, reduction=reduction)
