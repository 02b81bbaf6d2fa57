"""Compiled training steps and the optimizer's Python state: what a replay cannot repeat makes
the function run eagerly (with a warning), what it bakes in is guarded, and results always equal
eager ones bit for bit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad import optim
from tests.optim._steps import batches, losses_without_fallback, model, training_step


def _both(run_one):
    """``run_one(compiled)`` for eager and compiled; the two results, and the compiled warnings."""
    eager = run_one(False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compiled = run_one(True)
    return eager, compiled, [str(w.message) for w in caught]


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_a_scheduler_stepped_inside_the_function_makes_it_run_eagerly(name):
    def run_one(compiled):
        params = model()
        opt = getattr(optim, name)(params, lr=0.1)
        scheduler = optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.1)
        inner = training_step(params, opt)

        def step(x):
            loss = inner(x)
            scheduler.step()  # Python state only: a replay would freeze the lr
            return loss

        run = ag.compile(step) if compiled else step
        losses = [run(x)._data.tobytes() for x in batches(8)]
        return losses, [p._data.tobytes() for p in params], opt.param_groups[0]["lr"]

    eager, compiled, caught = _both(run_one)
    assert compiled == eager
    assert any("StepLR.step()" in message for message in caught), caught


@pytest.mark.parametrize(
    ("name", "options"), [("SGD", {}), ("SGD", {"momentum": 0.9}), ("Adam", {}), ("Adagrad", {})]
)
def test_a_parameter_that_gets_a_gradient_later_is_updated_on_replay(name, options):
    # The compiled function is the optimizer step alone; the gradients come from outside, and
    # the second parameter has none until the fourth call.
    def run_one(compiled):
        w = ag.tensor([1.0, 2.0], requires_grad=True)
        b = ag.tensor([3.0, 4.0], requires_grad=True)
        opt = getattr(optim, name)([w, b], lr=0.1, **options)
        run = ag.compile(opt.step) if compiled else opt.step
        for call in range(7):
            opt.zero_grad(set_to_none=False)
            loss = (w * w).sum() + ((b * b).sum() if call >= 3 else 0.0)
            loss.backward()
            run()
        return w._data.tobytes(), b._data.tobytes()

    eager, compiled, caught = _both(run_one)
    assert compiled == eager, caught
    assert eager[1] != np.array([3.0, 4.0]).tobytes()


def test_an_array_kept_in_a_parameter_group_is_guarded_by_identity():
    # Comparing arrays elementwise would raise in the guard: any value that is not a plain
    # number or string is compared by identity (a new object: traced again).
    def run_one(compiled):
        params = model()
        opt = optim.SGD(params, lr=0.05)
        opt.param_groups[0]["layer_scale"] = np.array([1.0, 2.0])
        step = training_step(params, opt)
        run = ag.compile(step) if compiled else step
        losses = []
        for index, x in enumerate(batches(6)):
            if index == 3:
                opt.param_groups[0]["layer_scale"] = np.array([1.0, 2.0])  # equal, new
            losses.append(run(x)._data.tobytes())
        return losses, [p._data.tobytes() for p in params]

    eager, compiled, caught = _both(run_one)
    assert compiled == eager
    assert not caught, caught


def test_state_made_on_every_call_falls_back_after_a_bounded_number_of_traces():
    # An optimizer built inside the function makes its state on every call: each trace is
    # unusable, and after a bounded number the function runs eagerly for good, with a warning.
    w = ag.tensor([1.0, 2.0], requires_grad=True)

    def step():
        opt = optim.Adam([w], lr=0.1)
        (w * w).sum().backward()
        opt.step()
        opt.zero_grad()

    compiled = ag.compile(step)
    with pytest.warns(RuntimeWarning, match="first step"):
        for _ in range(20):
            compiled()
    assert compiled.traces <= 8 and compiled.eager


@pytest.mark.parametrize(("name", "options"), [("SGD", {"momentum": 0.9}), ("Adam", {})])
def test_cyclic_lr_stepped_between_calls_gives_the_eager_parameters(name, options):
    # CyclicLR writes a new lr and momentum (or beta1) into the groups after every call: the
    # optimizer's guard sees the options change, and no call replays a stale lr.
    def run_one(compiled):
        params = model()
        opt = getattr(optim, name)(params, lr=0.1, **options)
        scheduler = optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=3)
        step = training_step(params, opt)
        run = ag.compile(step) if compiled else step
        losses = []
        for x in batches(10):
            losses.append(run(x)._data.tobytes())
            scheduler.step()
        return losses, [p._data.tobytes() for p in params], opt.param_groups[0]["lr"]

    eager, compiled, caught = _both(run_one)
    assert compiled == eager, caught


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_a_per_step_schedule_with_the_update_outside_stays_compiled(name):
    # The pattern the fallback warning suggests for an lr that changes on every call: the
    # compiled function is the forward and backward, opt.step() and the schedule run after it.
    def run_one(compiled):
        params = model()
        opt = getattr(optim, name)(params, lr=0.1)
        scheduler = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)

        w1, b1, w2 = params

        def forward_backward(x):
            opt.zero_grad()
            loss = (((x @ w1 + b1).relu() @ w2) ** 2).mean()
            loss.backward()
            return loss

        run = ag.compile(forward_backward) if compiled else forward_backward
        losses = []
        for x in batches(12):
            losses.append(run(x)._data.tobytes())
            opt.step()
            scheduler.step()
        return losses, [p._data.tobytes() for p in params], getattr(run, "traces", None)

    eager, compiled, caught = _both(run_one)
    assert compiled[:2] == eager[:2]
    assert compiled[2] <= 2 and not caught, (compiled[2], caught)


def test_the_fallback_for_a_per_step_option_says_to_step_outside():
    # A weight decay changed on every call: an option a replay does not read anew (OneCycleLR's
    # momentum cycling, which this test used, now replays: see test_compiled_momentum.py).
    params = model()
    opt = optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=0.01)
    run = ag.compile(training_step(params, opt))
    with pytest.warns(RuntimeWarning, match=r"call opt\.step\(\) after the compiled function"):
        for index, x in enumerate(batches(12)):
            run(x)
            opt.param_groups[0]["weight_decay"] = 0.01 / (index + 2)


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("Adadelta", {"weight_decay": 0.01, "maximize": True}),
        ("Rprop", {"etas": (0.3, 1.7), "maximize": True}),
        ("ASGD", {"t0": 3, "lambd": 0.01}),
        ("ASGD", {"t0": 4, "weight_decay": 0.01, "maximize": True}),
    ],
)
def test_adadelta_rprop_and_asgd_steps_replay_bitwise_equal_to_eager(name, options):
    # ASGD's eta and mu follow the step count, and its average is a copy of the parameter while
    # mu is 1 and a running mean from step t0 + 2 on: a replay that baked in the traced call's
    # numbers or its branch would drift from eager (in its parameters, or in its average).
    def run_one(compiled):
        params = model()
        opt = getattr(optim, name)(params, lr=0.01, **options)
        step = training_step(params, opt)
        run = ag.compile(step) if compiled else step
        losses = losses_without_fallback(run, batches(9))
        state = [v._data.tobytes() for p in params for v in opt.state[p].values()]
        versions = [v._version for p in params for v in (p, *opt.state[p].values())]
        if compiled:
            assert not run.eager and run.traces == 2  # the first step makes the state
        return losses, [p._data.tobytes() for p in params], state, versions

    eager, compiled, caught = _both(run_one)
    assert compiled == eager, caught
    assert eager[0][-1] != eager[0][0]  # it trains


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("NAdam", {}),
        ("NAdam", {"betas": (0.3, 0.6), "weight_decay": 0.01, "maximize": True}),
        ("NAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True, "momentum_decay": 0.3}),
        ("RAdam", {}),  # rho_t > 5 from step 6: the replays cross the switch
        ("RAdam", {"weight_decay": 0.01, "maximize": True}),
        ("RAdam", {"weight_decay": 0.1, "decoupled_weight_decay": True}),
        ("Adamax", {}),
        ("Adamax", {"betas": (0.3, 0.6), "weight_decay": 0.01, "maximize": True}),
    ],
    ids=str,
)
def test_nadam_radam_and_adamax_replay_bitwise_equal_to_eager(name, options):
    # The factors that depend on the step count (NAdam's momentum and mu_product, the bias
    # corrections, RAdam's branch on rho_t) must follow the state on every replay.
    inputs = batches(12)
    runs = []
    for compiled in (False, True):
        params = model()
        opt = getattr(optim, name)(params, lr=0.01, **options)
        step = training_step(params, opt)
        if compiled:
            step = ag.compile(step)
        losses = losses_without_fallback(step, inputs)
        state = [v._data.tobytes() for p in params for v in opt.state[p].values()]
        versions = [v._version for p in params for v in (p, *opt.state[p].values())]
        runs.append((losses, [p._data.tobytes() for p in params], state, versions))
        if compiled:
            assert not step.eager
            assert step.traces == 2  # the first step makes the state; then one trace
    assert runs[0] == runs[1]
    assert runs[0][0][-1] != runs[0][0][0]  # it trains


def test_asgd_replay_follows_the_default_dtype_set_between_calls():
    # ASGD rounds its new eta and mu as torch.as_tensor(float) does, to float32 unless the
    # default dtype is float64: read on every replay, not baked in from the traced call.
    def run(lib, compiled):
        lib.set_default_dtype(lib.float64)
        try:
            w = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
            opt = lib.optim.ASGD([w], lr=0.1, lambd=1e-3, alpha=0.7, t0=2)

            def step(x):
                opt.zero_grad()
                (w * x).sum().backward()
                opt.step()

            run_step = ag.compile(step) if compiled else step
            x = lib.tensor([0.3, 0.7, 1.1])
            for i in range(8):
                if i == 4:  # float64 state from now on holds float32-rounded eta and mu
                    lib.set_default_dtype(lib.float32)
                run_step(x)
        finally:
            lib.set_default_dtype(lib.float32)
        state = opt.state[w]
        return [w.detach().numpy().tobytes()] + [
            state[k].detach().numpy().tobytes() for k in ("eta", "mu", "ax")
        ]

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiled = run(ag, True)
    assert compiled == run(ag, False)
    assert compiled[1:3] == run(torch, False)[1:3]  # eta and mu: torch's bits
