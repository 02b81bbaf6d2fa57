"""``arraygrad.utils.checkpoint`` against the plain run and against ``torch.utils.checkpoint``."""

from __future__ import annotations

import contextlib
import tracemalloc
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import torch
import torch.utils.checkpoint as tcheckpoint

import arraygrad as ag
from arraygrad.utils import checkpoint as acheckpoint

VARIANTS = [True, False]  # use_reentrant


def _mlp() -> ag.nn.Sequential:
    ag.manual_seed(0)
    return ag.nn.Sequential(
        ag.nn.Linear(8, 16),
        ag.nn.ReLU(),
        ag.nn.Dropout(0.5),
        ag.nn.Linear(16, 16),
        ag.nn.Tanh(),
        ag.nn.Dropout(0.3),
        ag.nn.Linear(16, 1),
    )


def _train_step(run: Callable[[ag.nn.Sequential, ag.Tensor], ag.Tensor]) -> list[np.ndarray]:
    """Loss, input gradient, parameter gradients and the next global draw of one step."""
    model = _mlp()
    ag.manual_seed(1)
    x = ag.randn(4, 8, requires_grad=True)
    ag.manual_seed(2)
    loss = (run(model, x) ** 2).mean()
    loss.backward()
    after = ag.rand(3)  # the global stream goes on as in the plain run
    grads = [p.grad.numpy() for p in model.parameters()]
    return [loss.detach().numpy(), x.grad.numpy(), *grads, after.numpy()]


@pytest.mark.parametrize("reentrant", VARIANTS)
@pytest.mark.parametrize("how", ["checkpoint", "sequential", "method", "per_layer"])
def test_dropout_mlp_gradients_equal_the_plain_run_bit_for_bit(reentrant: bool, how: str) -> None:
    def checkpointed(model: ag.nn.Sequential, x: ag.Tensor) -> ag.Tensor:
        if how == "checkpoint":
            return acheckpoint.checkpoint(model, x, use_reentrant=reentrant)
        if how == "method":
            return acheckpoint.checkpoint(model.forward, x, use_reentrant=reentrant)
        if how == "sequential":
            return acheckpoint.checkpoint_sequential(model, 3, x, use_reentrant=reentrant)
        for layer in model:
            x = acheckpoint.checkpoint(layer, x, use_reentrant=reentrant)
        return x

    plain = _train_step(lambda model, x: model(x))
    for mine, expected in zip(_train_step(checkpointed), plain, strict=True):
        np.testing.assert_array_equal(mine, expected)


def test_dropout_masks_differ_without_preserve_rng_state() -> None:
    # the recomputation draws new masks: the gradients are not the plain run's any more
    plain = _train_step(lambda model, x: model(x))
    fresh = _train_step(
        lambda model, x: acheckpoint.checkpoint(
            model, x, use_reentrant=False, preserve_rng_state=False
        )
    )
    np.testing.assert_array_equal(fresh[0], plain[0])  # the forward is the same
    assert not np.array_equal(fresh[2], plain[2])


def _chain_peak(segments: int | None) -> tuple[int, int, list[np.ndarray]]:
    """Traced bytes after the forward and at the peak of forward plus backward, for a chain of
    50 layers on a 64 x 1024 input (each activation 256 KiB), and the gradients."""
    ag.manual_seed(0)
    weights = [(ag.randn(1024) * 0.1 + 1).requires_grad_() for _ in range(50)]
    biases = [(ag.randn(1024) * 0.1).requires_grad_() for _ in range(50)]
    layers = [lambda t, w=w, b=b: (t * w + b).tanh() for w, b in zip(weights, biases, strict=True)]
    x = ag.randn(64, 1024, requires_grad=True)
    tracemalloc.start()
    try:
        if segments is None:
            y = x
            for layer in layers:
                y = layer(y)
        else:
            y = acheckpoint.checkpoint_sequential(layers, segments, x, use_reentrant=False)
        after_forward = tracemalloc.get_traced_memory()[0]
        y.sum().backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    grads = [x.grad.numpy()] + [t.grad.numpy() for t in weights + biases]
    return after_forward, peak, grads


def test_checkpointed_chain_keeps_far_fewer_intermediates() -> None:
    plain_after, plain_peak, plain_grads = _chain_peak(None)
    after, peak, grads = _chain_peak(7)  # about sqrt(50) segments
    # the plain run keeps one 256 KiB activation per layer (12.5 MiB); the checkpointed one
    # keeps the 7 segment inputs, and recomputes one segment at a time in backward
    assert plain_after > 12 * 2**20
    assert after < plain_after / 3
    assert peak < plain_peak / 2
    for mine, expected in zip(grads, plain_grads, strict=True):
        np.testing.assert_array_equal(mine, expected)


# --- torch's API: warnings, errors, which tensors get gradients -------------------------------


def _outcome(call: Callable[[], Any]) -> tuple[Any, ...]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            call()
            result: tuple[Any, ...] = ("ok",)
        except Exception as error:  # the class is part of the outcome
            result = (type(error).__name__, str(error))
    return (*result, [(w.category.__name__, str(w.message)) for w in caught])


def _both(call: Callable[[Any, Any], Any]) -> tuple[Any, Any]:
    """``call(lib, checkpoint_module)`` on torch, then arraygrad, as outcomes."""
    torch.manual_seed(0)
    ag.manual_seed(0)
    return (
        _outcome(lambda: call(torch, tcheckpoint)),
        _outcome(lambda: call(ag, acheckpoint)),
    )


def _linear(lib: Any) -> Any:
    layer = lib.nn.Linear(3, 2)
    with lib.no_grad():
        layer.weight.fill_(0.5)
        layer.bias.fill_(0.25)
    return layer


CALLS: dict[str, Callable[[Any, Any], Any]] = {
    "use_reentrant_left_out_warns": lambda t, c: c.checkpoint(
        _linear(t), t.ones(2, 3, requires_grad=True)
    ),
    "sequential_use_reentrant_left_out_warns": lambda t, c: c.checkpoint_sequential(
        t.nn.Sequential(_linear(t), t.nn.ReLU()), 2, t.ones(2, 3, requires_grad=True)
    ),
    "reentrant_no_input_requires_grad_warns": lambda t, c: c.checkpoint(
        _linear(t), t.ones(2, 3), use_reentrant=True
    ),
    "reentrant_refuses_keyword_arguments": lambda t, c: c.checkpoint(
        lambda a, b=1: a * b, t.ones(2, requires_grad=True), b=2, use_reentrant=True
    ),
    "sequential_refuses_keyword_arguments": lambda t, c: c.checkpoint_sequential(
        [t.nn.ReLU()], 1, t.ones(2), use_reentrant=False, foo=1
    ),
    "reentrant_refuses_debug": lambda t, c: c.checkpoint(
        _linear(t), t.ones(2, 3), use_reentrant=True, debug=True
    ),
    "reentrant_refuses_context_fn": lambda t, c: c.checkpoint(
        _linear(t),
        t.ones(2, 3),
        use_reentrant=True,
        context_fn=lambda: (contextlib.nullcontext(), contextlib.nullcontext()),
    ),
    "debug_with_context_fn": lambda t, c: c.checkpoint(
        _linear(t),
        t.ones(2, 3),
        use_reentrant=False,
        debug=True,
        context_fn=lambda: (contextlib.nullcontext(), contextlib.nullcontext()),
    ),
    "unknown_determinism_check": lambda t, c: c.checkpoint(
        _linear(t), t.ones(2, 3), use_reentrant=False, determinism_check="x"
    ),
    "reentrant_refuses_autograd_grad": lambda t, c: t.autograd.grad(
        c.checkpoint(_linear(t), x := t.ones(2, 3, requires_grad=True), use_reentrant=True).sum(),
        x,
    ),
    "reentrant_refuses_backward_inputs": lambda t, c: (
        c.checkpoint(_linear(t), x := t.ones(2, 3, requires_grad=True), use_reentrant=True)
        .sum()
        .backward(inputs=[x])
    ),
    "keyword_arguments_reach_the_function": lambda t, c: (
        c.checkpoint(lambda a, b=1: a * b, t.ones(2, requires_grad=True), b=2, use_reentrant=False)
        .sum()
        .backward()
    ),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_outcomes_match_torch(name: str) -> None:
    theirs, mine = _both(CALLS[name])
    if len(theirs) == len(mine) == 3:  # both raised: torch's words, then arraygrad's fix
        assert (mine[0], mine[2]) == (theirs[0], theirs[2])
        assert mine[1].startswith(theirs[1]), (mine[1], theirs[1])
    else:
        assert mine == theirs


@pytest.mark.parametrize("reentrant", VARIANTS)
def test_which_parameters_get_gradients_matches_torch(reentrant: bool) -> None:
    # inputs that need no gradient: the reentrant variant records nothing (params get None),
    # the non-reentrant one still gives the parameters theirs
    def run(lib: Any, module: Any) -> Any:
        layer = _linear(lib)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = module.checkpoint(layer, lib.ones(2, 3), use_reentrant=reentrant)
        if y.requires_grad:
            y.sum().backward()
        grad = layer.weight.grad
        return y.requires_grad, None if grad is None else grad.tolist()

    assert run(ag, acheckpoint) == run(torch, tcheckpoint)


W_GLOBAL = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)


def _uses_a_global(a: ag.Tensor) -> ag.Tensor:
    return (a * W_GLOBAL).sum()


def test_non_reentrant_finds_a_weight_used_through_a_global() -> None:
    W_GLOBAL.grad = None
    y = acheckpoint.checkpoint(_uses_a_global, ag.ones(3), use_reentrant=False)
    y.backward()
    assert W_GLOBAL.grad.tolist() == [1.0, 1.0, 1.0]


def test_non_reentrant_autograd_grad_leaves_dot_grad_alone() -> None:
    def run(lib: Any, module: Any) -> Any:
        layer = _linear(lib)
        x = lib.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
        out = module.checkpoint(layer, x, use_reentrant=False).sum()
        (gw, gx) = lib.autograd.grad(out, [layer.weight, x])
        return gw.tolist(), gx.tolist(), layer.weight.grad, x.grad

    assert run(ag, acheckpoint) == run(torch, tcheckpoint)


@pytest.mark.parametrize("reentrant", VARIANTS)
def test_parameter_hooks_run_once_as_in_torch(reentrant: bool) -> None:
    def run(lib: Any, module: Any) -> Any:
        layer = _linear(lib)
        calls: list[Any] = []
        layer.weight.register_hook(lambda g: calls.append(g.tolist()))
        x = lib.ones(2, 3, requires_grad=True)
        module.checkpoint(layer, x, use_reentrant=reentrant).sum().backward()
        return calls, layer.weight.grad.tolist()

    assert run(ag, acheckpoint) == run(torch, tcheckpoint)


def test_context_fn_wraps_the_forward_and_the_recomputation() -> None:
    log: list[str] = []

    @contextlib.contextmanager
    def context(name: str) -> Iterator[None]:
        log.append(f"{name} in")
        yield
        log.append(f"{name} out")

    x = ag.ones(2, 3, requires_grad=True)
    y = acheckpoint.checkpoint(
        _linear(ag),
        x,
        use_reentrant=False,
        context_fn=lambda: (context("forward"), context("recompute")),
    )
    assert log == ["forward in", "forward out"]
    y.sum().backward()
    assert log[:3] == ["forward in", "forward out", "recompute in"]  # torch: the same three


def test_a_recomputation_of_other_shapes_raises_checkpoint_error_as_torch() -> None:
    def run(lib: Any, module: Any) -> str:
        calls = [0]

        def grows(a: Any) -> Any:
            calls[0] += 1
            return a[: calls[0]] ** 2

        x = lib.ones(4, 3, requires_grad=True)
        with pytest.raises(RuntimeError) as info:
            module.checkpoint(grows, x, use_reentrant=False).sum().backward()
        calls[0] = 0  # determinism_check="none" only skips the comparison
        module.checkpoint(grows, x, use_reentrant=False, determinism_check="none")
        return type(info.value).__name__

    assert run(ag, acheckpoint) == run(torch, tcheckpoint) == "CheckpointError"


def test_double_backward_is_refused_in_words() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = acheckpoint.checkpoint(lambda t: (t**3).sum(), x, use_reentrant=False)
    with pytest.raises(RuntimeError, match="does not support create_graph=True"):
        ag.autograd.grad(y, x, create_graph=True)


def test_modified_input_is_caught_in_backward() -> None:
    x = ag.ones(3, requires_grad=True)
    h = x * 2
    y = acheckpoint.checkpoint(lambda t: (t * t).sum(), h, use_reentrant=False)
    with ag.no_grad():
        h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
