"""``Tensor.register_post_accumulate_grad_hook``: hooks called after backward has accumulated a
leaf's gradient into ``.grad``, compared with torch 2.13 call by call."""

from __future__ import annotations

import copy
import pickle
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

Scenario = Callable[[Any, list[Any]], None]


def _accumulates_then_calls(lib: Any, calls: list[Any]) -> None:
    # The gradient hook sees the gradient, the post hook the leaf with .grad complete,
    # and a second backward the accumulated .grad.
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda t: calls.append(("post", t.grad.tolist(), t is w)))
    w.register_hook(lambda g: calls.append(("pre", g.tolist())))
    (w * 3).sum().backward()
    (w * 3).sum().backward()


def _once_on_the_sum_of_parts(lib: Any, calls: list[Any]) -> None:
    w = lib.tensor(2.0, requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda t: calls.append(t.grad.item()))
    (w * w + w).backward()


def _not_for_autograd_grad_or_excluded_inputs(lib: Any, calls: list[Any]) -> None:
    w = lib.tensor(1.0, requires_grad=True)
    v = lib.tensor(3.0, requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda t: calls.append("w"))
    v.register_post_accumulate_grad_hook(lambda t: calls.append("v"))
    lib.autograd.grad(w * v, [w, v])
    (w * v).backward(inputs=[v])
    calls.append((w.grad, v.grad.item()))


def _a_leaf_as_the_output(lib: Any, calls: list[Any]) -> None:
    w = lib.tensor(2.0, requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda t: calls.append(t.grad.item()))
    w.backward()


def _grad_mode_in_the_hook(lib: Any, calls: list[Any]) -> None:
    w = lib.tensor(2.0, requires_grad=True)
    w.register_post_accumulate_grad_hook(
        lambda t: calls.append((lib.is_grad_enabled(), t.grad.requires_grad))
    )
    (w**3).backward()
    w.grad = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about .grad's reference cycle
        (w**3).backward(create_graph=True)


def _optimizer_in_backward(lib: Any, calls: list[Any]) -> None:
    # The use the hook exists for: update the parameter and free its gradient during backward.
    p = lib.tensor([1.0, -1.0], requires_grad=True)

    def step(t: Any) -> None:
        with lib.no_grad():
            t -= 0.1 * t.grad
        t.grad = None

    p.register_post_accumulate_grad_hook(step)
    for _ in range(3):
        (p * p).sum().backward()
    calls.append((p.tolist(), p.grad))


def _order_and_removal(lib: Any, calls: list[Any]) -> None:
    q = lib.tensor(1.0, requires_grad=True)
    handles: list[Any] = []

    def first(t: Any) -> None:
        calls.append("first")
        handles[0].remove()  # removing itself while the hooks run

    handles.append(q.register_post_accumulate_grad_hook(first))
    second = q.register_post_accumulate_grad_hook(lambda t: calls.append("second"))
    (q * 2).backward()
    (q * 2).backward()
    second.remove()
    second.remove()  # a second remove() does nothing
    (q * 2).backward()
    calls.append(q.grad.item())


def _each_leaf_as_soon_as_its_gradient_is_complete(lib: Any, calls: list[Any]) -> None:
    # c is used once at the top of the graph, b twice, a twice with one use deep down: the
    # hooks run in the order the leaves' gradients complete (c, b, a), not at the end of
    # backward, so an update done in one frees its gradient while backward goes on.
    a, b, c = (lib.tensor(value, requires_grad=True) for value in (1.0, 2.0, 3.0))
    for name, leaf in (("a", a), ("b", b), ("c", c)):
        leaf.register_post_accumulate_grad_hook(
            lambda t, name=name: calls.append((name, [x.grad is not None for x in (a, b, c)]))
        )
        leaf.register_hook(lambda g, name=name: calls.append(("hook " + name, round(g.item(), 3))))
    h = (a * 2).exp()
    k = h * b + c * c
    ((k * b).sin() + a).backward()


def _hooks_of_leaves_outside_inputs_do_not_run(lib: Any, calls: list[Any]) -> None:
    w = lib.tensor(1.0, requires_grad=True)
    v = lib.tensor(2.0, requires_grad=True)
    w.register_hook(lambda g: calls.append("w hook"))
    w.register_post_accumulate_grad_hook(lambda t: calls.append("w post"))
    v.register_hook(lambda g: calls.append("v hook"))
    (w * v).backward(inputs=[v])
    lib.autograd.grad(w * v, [v])
    calls.append((w.grad, v.grad.item()))


def _a_leaf_that_is_an_output_and_an_input_once_on_the_sum(lib: Any, calls: list[Any]) -> None:
    # w is an output itself and an input of another output (or given twice): its hooks run
    # once, on the sum of all its parts, in backward, autograd.grad and with inputs=.
    w = lib.tensor(2.0, requires_grad=True)
    w.register_hook(lambda g: calls.append(("hook", g.item())))
    w.register_post_accumulate_grad_hook(lambda t: calls.append(("post", t.grad.item())))
    one, two = lib.tensor(1.0), lib.tensor(2.0)
    lib.autograd.backward([w, w * 3], [one, two])
    lib.autograd.backward([w, w], [one, two])
    lib.autograd.backward([w * 2, w], [one, two], inputs=[w])
    calls.append(lib.autograd.grad([w * 5, w], [w], [one, two])[0].item())
    calls.append(w.grad.item())


SCENARIOS = [
    _a_leaf_that_is_an_output_and_an_input_once_on_the_sum,
    _each_leaf_as_soon_as_its_gradient_is_complete,
    _hooks_of_leaves_outside_inputs_do_not_run,
    _accumulates_then_calls,
    _once_on_the_sum_of_parts,
    _not_for_autograd_grad_or_excluded_inputs,
    _a_leaf_as_the_output,
    _grad_mode_in_the_hook,
    _optimizer_in_backward,
    _order_and_removal,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__.strip("_"))
def test_calls_match_torch(scenario: Scenario) -> None:
    ours: list[Any] = []
    theirs: list[Any] = []
    scenario(ag, ours)
    scenario(torch, theirs)
    assert ours == theirs


def _outcome(fn: Callable[[], Any]) -> tuple[type, str] | None:
    try:
        fn()
    except Exception as error:  # the class and message are compared
        return type(error), str(error)
    return None


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_misuse_raises_what_torch_raises_and_leaves_tensors_usable(lib: Any) -> None:
    plain = lib.tensor(1.0)
    outcome = _outcome(lambda: plain.register_post_accumulate_grad_hook(lambda t: None))
    assert outcome is not None and outcome[0] is RuntimeError
    assert "doesn't require gradient" in outcome[1]

    w = lib.tensor([1.0, 2.0], requires_grad=True)
    computed = w * 2
    outcome = _outcome(lambda: computed.register_post_accumulate_grad_hook(lambda t: None))
    assert outcome is not None and outcome[0] is RuntimeError
    assert "cannot be registered on non-leaf tensors" in outcome[1]
    computed.sum().backward()  # both still usable
    assert w.grad.tolist() == [2.0, 2.0]

    # A hook that returns a value: TypeError after the gradient was accumulated.
    v = lib.tensor(1.0, requires_grad=True)
    v.register_post_accumulate_grad_hook(lambda t: 5)
    outcome = _outcome(lambda: (v * 2).backward())
    assert outcome is not None and outcome[0] is TypeError
    assert v.grad.item() == 2.0

    # One that returns a Tensor: RuntimeError.
    t = lib.tensor(1.0, requires_grad=True)
    t.register_post_accumulate_grad_hook(lambda t: t.grad * 2)
    outcome = _outcome(lambda: (t * 2).backward())
    assert outcome is not None and outcome[0] is RuntimeError
    assert "post accumulate grad hooks should return None" in outcome[1]
    assert t.grad.item() == 2.0

    # An exception raised by a hook reaches the caller, .grad accumulated before it.
    u = lib.tensor(1.0, requires_grad=True)

    def boom(t: Any) -> None:
        raise ValueError("boom")

    u.register_post_accumulate_grad_hook(boom)
    assert _outcome(lambda: (u * 3).backward()) == (ValueError, "boom")
    assert u.grad.item() == 3.0


def test_misuse_messages_say_what_to_do() -> None:
    w = ag.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="Fix: register it on the leaf"):
        (w * 2).register_post_accumulate_grad_hook(lambda t: None)
    w.register_post_accumulate_grad_hook(lambda t: 5)
    with pytest.raises(TypeError, match=r"returned 'int'.*must return None\. Fix"):
        w.sum().backward()


def test_compiled_step_with_an_optimizer_in_backward_equals_eager() -> None:
    # The hook's update is array work the trace records, so replays apply it (with eager's
    # bits); its Python side effects happen only on traced calls, as for any compiled step.
    def train(compiled: bool) -> tuple[list[float], list[np.ndarray]]:
        ag.manual_seed(0)
        model = ag.nn.Linear(3, 2)
        for p in model.parameters():

            def step(t: Any) -> None:
                with ag.no_grad():
                    t.sub_(0.1 * t.grad)
                t.grad = None

            p.register_post_accumulate_grad_hook(step)
        x = ag.randn(4, 3)

        def loss_step(x: Any) -> Any:
            loss = model(x).pow(2).mean()
            loss.backward()
            return loss

        run = ag.compile(loss_step) if compiled else loss_step
        losses = [run(x).item() for _ in range(5)]
        return losses, [p.detach().numpy().copy() for p in model.parameters()]

    eager_losses, eager_params = train(False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback to eager
        compiled_losses, compiled_params = train(True)
    assert compiled_losses == eager_losses
    assert eager_losses[-1] < eager_losses[0]
    for a, b in zip(eager_params, compiled_params, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_copies_and_pickles_leave_the_hooks_behind(lib: Any) -> None:
    calls: list[str] = []
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda t: calls.append("post"))  # a lambda: unpicklable
    restored = pickle.loads(pickle.dumps(w))
    copied = copy.deepcopy(w)
    for leaf in (restored, copied):
        leaf.register_hook(lambda g: None)  # another hook on the copy must not wake the old one
        (leaf * 3).sum().backward()
        assert leaf.grad.tolist() == [3.0, 3.0]
    assert calls == []


@pytest.mark.parametrize("change", ["post hook added", "post hook removed", "hook added"])
def test_compiled_step_follows_hooks_registered_or_removed_after_the_trace(change: str) -> None:
    # The program replays the hooks' array work as traced: a hook registered or removed between
    # calls makes it trace again, so it gives eager's numbers.
    def step_hook(t: Any) -> None:
        with ag.no_grad():
            t.sub_(0.1 * t.grad)
        t.grad = None

    def train(compiled: bool) -> tuple[list[float], Any]:
        w = ag.tensor([1.0, 2.0], requires_grad=True)
        handle = None
        if change == "post hook removed":
            handle = w.register_post_accumulate_grad_hook(step_hook)

        def loss_step(x: Any) -> Any:
            loss = (w * x).pow(2).sum()
            loss.backward()
            return loss

        run = ag.compile(loss_step) if compiled else loss_step
        x = ag.tensor([1.0, 1.0])
        losses = []
        for i in range(4):
            if i == 2:
                if change == "post hook added":
                    w.register_post_accumulate_grad_hook(step_hook)
                elif change == "post hook removed":
                    assert handle is not None
                    handle.remove()
                else:
                    w.register_hook(lambda g: g * 0)
            losses.append(run(x).item())
        return losses + w.tolist(), None if w.grad is None else w.grad.tolist()

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # traced again, not given up on
        assert train(True) == train(False)
