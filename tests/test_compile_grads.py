"""arraygrad.compile and ``.grad``: steps that clear, replace or read their parameters' gradients
(``zero_grad()`` first or mid-step, a bare ``p.grad = None``, a ``.grad`` kept in a variable)
replay as eager code does, bit for bit, or run eagerly where a replay could not."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from tests.oracle import same_state


@pytest.mark.parametrize("when", ["first", "before backward"])
@pytest.mark.parametrize("clear", ["optimizer", "module", "in place", "none"])
def test_a_step_that_clears_grads_before_backward_replays_as_eager(clear: str, when: str) -> None:
    # PyTorch's loops: opt.zero_grad() first, or between the forward and loss.backward().
    # zero_grad drops each .grad (the previous call's, a new one every call) before the step
    # reads it, so a replay need not find the same one; without any clearing, .grad accumulates
    # from call to call, and a replay must add into the one it finds, as eager code does.
    def make() -> tuple[Any, Any, Any]:
        ag.manual_seed(0)
        model = ag.nn.Sequential(ag.nn.Linear(3, 4), ag.nn.ReLU(), ag.nn.Linear(4, 2))
        opt = ag.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        x = ag.randn(5, 3)

        def clear_grads() -> None:
            if clear == "optimizer":
                opt.zero_grad()
            elif clear == "module":
                model.zero_grad()
            elif clear == "in place":
                opt.zero_grad(set_to_none=False)

        def step() -> Any:
            if when == "first":
                clear_grads()
            loss = model(x).pow(2).mean()
            if when == "before backward":
                clear_grads()
            loss.backward()
            opt.step()
            return loss

        return model, step, x

    eager_model, eager_step, _ = make()
    model, step, _ = make()
    compiled = ag.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # replayed, never run eagerly for good
        for _ in range(8):
            assert compiled().item() == eager_step().item()
            for mine, theirs in zip(model.parameters(), eager_model.parameters(), strict=True):
                assert mine.detach().numpy().tobytes() == theirs.detach().numpy().tobytes()
                assert mine.grad.numpy().tobytes() == theirs.grad.numpy().tobytes()
    assert compiled.traces <= 3


def test_a_grad_read_before_zero_grad_is_still_guarded() -> None:
    # The step reads the previous call's .grad, then drops it: the program depends on it, so
    # each call must see its own (a review found replays reading the first call's).
    def make() -> tuple[Any, Any]:
        p = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
        opt = ag.optim.SGD([p], lr=0.1)
        (p * p).sum().backward()
        x = ag.tensor([1.0, 0.5, 2.0])

        def step() -> Any:
            norm = (p.grad**2).sum()
            opt.zero_grad()
            loss = ((p * x) ** 2).sum()
            loss.backward()
            opt.step()
            return ag.stack([loss.detach(), norm.detach()])

        return step, p

    eager, _ = make()
    step, _ = make()
    compiled = ag.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (it may run eagerly: the .grad changes every call)
        for _ in range(5):
            assert compiled().tolist() == eager().tolist()


@pytest.mark.parametrize("kept", ["grad", "its data"])
def test_a_grad_kept_in_a_variable_and_used_after_zero_grad_runs_eagerly(kept: str) -> None:
    # The step holds the previous call's .grad in a Python variable, drops it with
    # zero_grad() and only then computes with it: nothing the trace can see read it before the
    # drop, and a replay would read the traced call's .grad instead of the previous call's.
    def make() -> Any:
        p = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
        opt = ag.optim.SGD([p], lr=0.1)
        x = ag.tensor([1.0, 0.5, 2.0])

        def step() -> Any:
            previous = p.grad if kept == "grad" or p.grad is None else p.grad.data
            opt.zero_grad()
            loss = (p * p * x).sum()
            if previous is not None:
                loss = loss + (previous * previous).sum()
            loss.backward()
            opt.step()
            return loss

        return step

    eager = make()
    compiled = ag.compile(make())
    with pytest.warns(RuntimeWarning, match="used after the function dropped it"):
        for _ in range(4):
            assert compiled().item() == eager().item()


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("clear", ["none", "zeros"])
def test_a_step_that_sets_each_grad_itself_first_replays_as_eager(clear: str, momentum) -> None:
    # `p.grad = None` for each parameter, first: the tracer does not see it, so each call's
    # program was specialised on the .grad it found (the previous call's): a trace per call,
    # then eager code. `p.grad = zeros_like(p)` first was replayed leaving the traced call's
    # .grad in place, every later call's gradient lost.
    def make() -> tuple[Any, Any]:
        ag.manual_seed(0)
        model = ag.nn.Sequential(ag.nn.Linear(3, 4), ag.nn.ReLU(), ag.nn.Linear(4, 2))
        opt = ag.optim.SGD(model.parameters(), lr=0.1, momentum=momentum)
        params = list(model.parameters())

        def step(x: ag.Tensor) -> Any:
            for p in params:
                p.grad = None if clear == "none" else ag.zeros_like(p)
            loss = model(x).pow(2).mean()
            loss.backward()
            opt.step()
            return loss

        return model, step

    eager_model, eager_step = make()
    model, step = make()
    compiled = ag.compile(step)
    rng = np.random.default_rng(9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # replayed, never run eagerly for good
        for _ in range(10):
            x = ag.tensor(rng.standard_normal((5, 3)).astype(np.float32))
            mine = compiled(x).detach().numpy().tobytes()
            assert mine == eager_step(x).detach().numpy().tobytes()
            assert same_state(model, eager_model)
    assert compiled.traces == 2


@pytest.mark.parametrize("replace", ["scale", "clone"])
def test_a_step_that_replaces_each_grad_by_one_made_from_it_replays_as_eager(replace: str) -> None:
    # `p.grad = p.grad * 0.5` first: the program read the traced call's .grad tensor itself but
    # was guarded on the new one, which its replays left in place: each later call used the
    # same stale .grad and lost its own gradient.
    def make() -> tuple[Any, Any]:
        ag.manual_seed(0)
        model = ag.nn.Sequential(ag.nn.Linear(3, 4), ag.nn.Tanh(), ag.nn.Linear(4, 2))
        opt = ag.optim.SGD(model.parameters(), lr=0.1)
        params = list(model.parameters())

        def step(x: ag.Tensor) -> Any:
            for p in params:
                if p.grad is not None:
                    p.grad = p.grad * 0.5 if replace == "scale" else p.grad.clone()
            loss = model(x).pow(2).mean()
            loss.backward()
            opt.step()
            return loss

        return model, step

    eager_model, eager_step = make()
    model, step = make()
    compiled = ag.compile(step)
    rng = np.random.default_rng(12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (a new .grad on every call: it may run eagerly)
        for _ in range(6):
            x = ag.tensor(rng.standard_normal((5, 3)).astype(np.float32))
            mine = compiled(x).detach().numpy().tobytes()
            assert mine == eager_step(x).detach().numpy().tobytes()
            assert same_state(model, eager_model)


def test_a_step_that_tests_for_a_grad_before_dropping_it_is_guarded_on_it() -> None:
    # The program took the branch for a .grad being there, then dropped it: a replay after the
    # .grad was cleared outside the step took that branch too.
    def make() -> tuple[Any, Any]:
        ag.manual_seed(0)
        model = ag.nn.Sequential(ag.nn.Linear(3, 4), ag.nn.ReLU(), ag.nn.Linear(4, 2))
        opt = ag.optim.SGD(model.parameters(), lr=0.1)

        def step(x: ag.Tensor) -> Any:
            scale = 2.0 if model[0].weight.grad is not None else 1.0
            opt.zero_grad()
            loss = model(x).pow(2).mean() * scale
            loss.backward()
            opt.step()
            return loss

        return model, step

    eager_model, eager_step = make()
    model, step = make()
    compiled = ag.compile(step)
    rng = np.random.default_rng(10)
    for call in range(6):
        if call == 4:
            model.zero_grad()
            eager_model.zero_grad()
        x = ag.tensor(rng.standard_normal((5, 3)).astype(np.float32))
        assert compiled(x).detach().numpy().tobytes() == eager_step(x).detach().numpy().tobytes()
        assert same_state(model, eager_model)
