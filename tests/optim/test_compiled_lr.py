"""A compiled training step reads its optimizer's lr anew on every replay: an LR schedule stepped
between calls keeps it compiled, with eager's bits on every call; an lr used in a way the
recorder does not follow is guarded by value instead, and never replayed stale."""

from __future__ import annotations

import copy
import json
import warnings

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import optim
from tests.optim._steps import (
    batches,
    eager_and_compiled,
    model,
    run_steps,
    step_scheduler,
    training_step,
)

SCHEDULES = {
    "cosine": lambda opt: optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10),
    "one cycle": lambda opt: optim.lr_scheduler.OneCycleLR(
        opt, max_lr=0.1, total_steps=30, cycle_momentum=False
    ),
    "lambda": lambda opt: optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1 / (epoch + 1)),
}

OPTIMIZERS = [
    ("SGD", {}),
    ("SGD", {"momentum": 0.9}),
    ("SGD", {"momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"momentum": 0.9, "dampening": 0.1, "maximize": True}),
    ("SGD", {"weight_decay": 0.01, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"amsgrad": True, "weight_decay": 0.01, "maximize": True}),
    ("AdamW", {}),
    ("AdamW", {"amsgrad": True, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"momentum": 0.9, "centered": True, "maximize": True}),
    ("RMSprop", {"weight_decay": 0.01}),
    ("Adagrad", {}),
    ("Adagrad", {"lr_decay": 0.01, "weight_decay": 0.01, "maximize": True}),
]


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize(("name", "options"), OPTIMIZERS, ids=str)
def test_a_per_step_schedule_replays_with_eager_bits(name, options, schedule):
    def make_opt(params):
        opt = getattr(optim, name)(params, lr=0.05, **options)
        opt.scheduler = SCHEDULES[schedule](opt)
        return opt

    eager, compiled, traces, caught = eager_and_compiled(make_opt)
    assert compiled == eager
    assert traces <= 2 and not caught, (traces, caught)
    assert len(set(eager[0])) > 1  # it trains


@pytest.mark.parametrize(
    ("name", "options"),
    [("SGD", {"momentum": 0.9}), ("SGD", {}), ("Adam", {}), ("RMSprop", {}), ("Adagrad", {})],
    ids=str,
)
def test_a_large_parameter_replays_with_eager_bits(name, options):
    def make_opt(params):
        opt = getattr(optim, name)(params, lr=0.05, **options)
        opt.scheduler = SCHEDULES["cosine"](opt)
        return opt

    eager, compiled, traces, caught = eager_and_compiled(make_opt, large=True)
    assert compiled == eager
    assert traces <= 2 and not caught, (traces, caught)


def test_the_loop_of_the_issue_stays_compiled():
    def run(compiled):
        ag.manual_seed(0)
        net = ag.nn.Sequential(ag.nn.Linear(20, 32), ag.nn.ReLU(), ag.nn.Linear(32, 1))
        opt = optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
        scheduler = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)
        x, y = ag.randn(64, 20), ag.randn(64, 1)

        def step():
            opt.zero_grad()
            loss = ((net(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
            return loss

        run = ag.compile(step) if compiled else step
        losses = []
        for _ in range(30):
            losses.append(run()._data.tobytes())
            scheduler.step()
        return losses, [p._data.tobytes() for p in net.parameters()], run

    eager = run(False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiled = run(True)
    assert compiled[:2] == eager[:2]
    assert compiled[2].traces == 2 and not compiled[2].eager


class _BranchingSGD(optim.Optimizer):
    """Plain SGD with a step size that depends on a comparison of the lr: the program is
    specialised on the comparison's result, which a guard makes again before each replay."""

    def __init__(self, params, lr):
        super().__init__(params, {"lr": lr})

    def _update_group(self, group, params):
        scale = 2.0 if group["lr"] > 0.05 else 0.5
        for p in params:
            p.sub_(p.grad * (group["lr"] * scale))


def test_an_update_that_branches_on_the_lr_gives_eager_results():
    def make_opt(params):
        opt = _BranchingSGD(params, lr=0.1)
        opt.scheduler = SCHEDULES["cosine"](opt)
        return opt

    eager, compiled, traces, caught = eager_and_compiled(make_opt)
    assert compiled == eager
    # The first trace (before the optimizer was known) guards the lr by value; then a program
    # per branch, as the cosine schedule crosses 0.05 (a trace per value before predicate guards).
    assert traces == 3 and not caught, (traces, caught)


class _ConvertingSGD(optim.Optimizer):
    """Plain SGD that reads the lr through ``float()`` and NumPy: constants of the program."""

    def __init__(self, params, lr):
        super().__init__(params, {"lr": lr})

    def _update_group(self, group, params):
        rate = np.float32(group["lr"]) * np.float32(float(group["lr"]) > 0)
        for p in params:
            p.sub_(p.grad * float(rate))


def test_an_update_that_converts_the_lr_gives_eager_results():
    def make_opt(params):
        opt = _ConvertingSGD(params, lr=0.1)
        opt.scheduler = SCHEDULES["lambda"](opt)
        return opt

    eager, compiled, _, _ = eager_and_compiled(make_opt, calls=6)
    assert compiled == eager


@pytest.mark.parametrize(
    "change",
    [
        "int lr",
        "tensor lr",
        "group replaced",
        "load_state_dict",
        "group added",
        "lr set by hand",
    ],
)
@pytest.mark.parametrize(("name", "options"), [("SGD", {"momentum": 0.9}), ("Adam", {})], ids=str)
def test_the_lr_changed_in_other_ways_between_calls(name, options, change):
    def make_opt(params):
        opt = getattr(optim, name)(params[:2], lr=0.05, **options)
        opt.spare = params[2]
        return opt

    def between(opt, index):
        group = opt.param_groups[0]
        if change == "int lr":  # an int, then a float again: the class is guarded
            group["lr"] = 1 if index in (3, 4) else 0.01 * index
        elif change == "tensor lr":  # a tensor is guarded by identity and version
            group["lr"] = ag.tensor(0.02) if index >= 3 else 0.03
        elif change == "group replaced":
            opt.param_groups[0] = dict(group, lr=0.01 * (index + 1))
        elif change == "load_state_dict":
            saved = copy.deepcopy(opt.state_dict())
            saved["param_groups"][0]["lr"] = 0.01 * (index + 1)
            opt.load_state_dict(saved)
        elif change == "group added" and index == 4:
            opt.add_param_group({"params": [opt.spare], "lr": 0.2})
        elif change == "lr set by hand":
            opt.param_groups[0]["lr"] = 0.01 * (index + 1)

    eager, _, _ = run_steps(make_opt, False, calls=10, between=between)
    compiled, traces, caught = run_steps(make_opt, True, calls=10, between=between)
    assert compiled == eager
    # A new lr of the same class replays; a new dict, a reloaded state or a tensor lr are traced
    # again (and fall back after 8 traces), as any other change of the optimizer.
    bound = {"int lr": 3, "lr set by hand": 2}.get(change)
    if bound is not None:
        assert traces <= bound and not caught, (traces, caught)


def test_lr_read_and_returned_by_the_function_is_the_current_one():
    # The function reads the lr itself before opt.step(), for an update of its own, and
    # returns it: both follow the schedule on every replay.
    def step_of(params, opt):
        w1, b1, w2 = params

        def step(x):
            lr = opt.param_groups[0]["lr"]
            loss = (((x @ w1 + b1).relu() @ w2) ** 2).mean()
            loss.backward()
            with ag.no_grad():
                b1.sub_(b1.grad * (lr * 0.5))  # a hand-written update of one parameter
            b1.grad = None
            opt.step()
            opt.zero_grad()
            return loss, opt.param_groups[0]["lr"]

        return step

    def run(compiled):
        params = model()
        opt = optim.SGD(params[::2], lr=0.1, momentum=0.9)
        scheduler = SCHEDULES["cosine"](opt)
        step = step_of(params, opt)
        run = ag.compile(step) if compiled else step
        out = []
        for x in batches(10):
            loss, lr = run(x)
            out.append((loss._data.tobytes(), lr))
            scheduler.step()
        return out, [p._data.tobytes() for p in params], getattr(run, "traces", None)

    eager = run(False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiled = run(True)
    assert compiled[:2] == eager[:2]
    assert all(type(lr) is float for _, lr in compiled[0])
    assert compiled[2] == 2


def test_a_fixed_lr_replays_with_two_traces():
    made = []

    def make_opt(params):
        made.append(optim.SGD(params, lr=0.05, momentum=0.9))
        return made[-1]

    eager, _, _ = run_steps(make_opt, False)
    compiled, traces, caught = run_steps(make_opt, True)
    assert compiled == eager
    assert traces == 2 and not caught
    # the traces gave the group its plain number back
    assert [type(group["lr"]) for group in made[-1].param_groups] == [float]


def test_a_scheduler_stepped_inside_on_some_calls_leaves_plain_numbers():
    # The trace that meets the scheduler is not kept (that input runs eagerly); what the
    # scheduler stores during it (the group's lr, its last lrs) must be plain numbers, not
    # the trace's.
    def run(compiled):
        params = model()
        opt = optim.SGD(params, lr=0.1, momentum=0.9)
        scheduler = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
        inner = training_step(params, opt)

        def step(x, decay):
            loss = inner(x)
            if decay:
                scheduler.step()
            return loss

        run = ag.compile(step) if compiled else step
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            losses = [run(x, i == 3)._data.tobytes() for i, x in enumerate(batches(6))]
        lrs = [opt.param_groups[0]["lr"], *scheduler.get_last_lr()]
        return losses, [p._data.tobytes() for p in params], lrs, [type(lr) for lr in lrs]

    assert run(True) == run(False)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_an_lr_set_inside_the_function_before_the_first_step_gives_eager_results(momentum):
    # Plain SGD makes no state: its first trace is kept. The lr it set before opt.step() was a
    # constant of that program, which the next call found in the group and replayed, not set.
    def step_of(params, opt):
        inner = training_step(params, opt)

        def step(x):
            opt.param_groups[0]["lr"] = opt.param_groups[0]["lr"] * 0.9
            return inner(x)

        return step

    def make_opt(params):
        return optim.SGD(params, lr=0.1, momentum=momentum)

    eager, _, _ = run_steps(make_opt, False, step_of=step_of)
    compiled, _, _ = run_steps(make_opt, True, step_of=step_of)
    assert compiled == eager


class _ComparableSGD(optim.SGD):
    """An optimizer that defines ``==`` and so is not hashable."""

    def __eq__(self, other):
        return self is other


def test_an_unhashable_optimizer_replays_a_schedule():
    def make_opt(params):
        opt = _ComparableSGD(params, lr=0.05, momentum=0.9)
        opt.scheduler = SCHEDULES["cosine"](opt)
        return opt

    eager, compiled, traces, caught = eager_and_compiled(make_opt)
    assert compiled == eager
    assert traces <= 2 and not caught, (traces, caught)


def test_an_optimizer_made_in_the_function_with_an_lr_set_there_gives_eager_results():
    # The optimizer is made lazily by the first (traced) call, which then decays its lr: that
    # group was not there when the trace started, so the lr set before opt.step() was not
    # noticed, and every replay stepped with the first call's lr.
    def run(compiled):
        params = model()
        made = {}

        def step(x):
            opt = made.setdefault("opt", optim.SGD(params, lr=0.1))
            opt.param_groups[0]["lr"] *= 0.9
            loss = (((x @ params[0] + params[1]).relu() @ params[2]) ** 2).mean()
            loss.backward()
            opt.step()
            opt.zero_grad()
            return loss

        run = ag.compile(step) if compiled else step
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (it runs eagerly, with a warning)
            losses = [run(x)._data.tobytes() for x in batches(5)]
        return losses, [p._data.tobytes() for p in params], made["opt"].param_groups[0]["lr"]

    assert run(True) == run(False)


@pytest.mark.parametrize(
    "schedule",
    [
        lambda opt: optim.lr_scheduler.MultiStepLR(opt, milestones=[5]),
        lambda opt: optim.lr_scheduler.StepLR(opt, step_size=5),
        lambda opt: optim.lr_scheduler.ReduceLROnPlateau(opt),
    ],
    ids=["MultiStepLR", "StepLR", "ReduceLROnPlateau"],
)
def test_a_scheduler_that_keeps_the_lr_stepped_inside_leaves_plain_numbers(schedule):
    # A step that leaves the lr as it is put the trace's number itself into the scheduler's
    # last lrs: get_last_lr() gave a TracedNumber, which json.dumps refused.
    params = model()
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    scheduler = schedule(opt)
    inner = training_step(params, opt)

    plateau = isinstance(scheduler, optim.lr_scheduler.ReduceLROnPlateau)

    def step(x, inside):
        loss = inner(x)
        if inside:  # (on the third call: the first traces made the lr a traced number)
            if plateau:
                scheduler.step(1.0)
            else:
                scheduler.step()
        return loss

    run = ag.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for index, x in enumerate(batches(3)):
            run(x, index == 2)
    last = scheduler.get_last_lr()
    assert [type(lr) for lr in last] == [float]
    assert json.dumps(last) == "[0.1]"


def test_an_lr_kept_from_a_trace_is_a_constant_of_a_later_trace():
    # A number a traced step kept (for logging) read by another compiled function: its slot,
    # that of the earlier program, was written into the new one, which then failed its check
    # and ran eagerly.
    params = model()
    opt = optim.SGD(params, lr=0.05, momentum=0.9)
    inner = training_step(params, opt)
    kept = []

    def step(x):
        kept.append(opt.param_groups[0]["lr"])
        return inner(x)

    def scaled(x):
        h = x
        for _ in range(40):
            h = h * 1.5 + 0.25
        return h.sum() * kept[1], kept[1]

    train, evaluate = ag.compile(step), ag.compile(scaled)
    xs = batches(6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for x in xs[:3]:
            train(x)
        results = [evaluate(x) for x in xs]
    expected = [scaled(x) for x in xs]
    assert [(r._data.tobytes(), lr) for r, lr in results] == [
        (r._data.tobytes(), lr) for r, lr in expected
    ]
    assert all(type(lr) is float for _, lr in results)
    assert evaluate.traces == 1


class _HandWrittenSGD(optim.Optimizer):
    """An optimizer written as PyTorch's tutorials write one: its own step(), reading the
    group's lr and an attribute of its own."""

    def __init__(self, params, lr=0.1, scale=1.0):
        super().__init__(params, {"lr": lr})
        self.scale = scale

    @ag.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.data.add_(p.grad, alpha=-group["lr"] * self.scale)
                    p.sub_(group["lr"] * p.grad * 0.1)
        return None


def test_a_subclass_with_its_own_step_replays_with_eager_bits_under_a_schedule():
    def between(opt, index):
        opt.schedule.step()
        if index == 5:
            opt.scale = 0.5  # read by its step: the next call is traced again

    def make(params):
        opt = _HandWrittenSGD(params)
        opt.schedule = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
        return opt

    eager, _, _ = run_steps(make, False, between=between)
    compiled, traces, caught = run_steps(make, True, between=between)
    assert compiled == eager
    assert traces == 3  # the first call, the second (lr read anew from then on), the new scale
    assert caught == []


def test_a_scheduler_stepped_before_a_hand_written_step_warns_as_in_torch():
    import torch

    for lib in (torch, ag):

        class Plain(lib.optim.Optimizer):
            def __init__(self, params):
                super().__init__(params, {"lr": 0.1})

            def step(self, closure=None):
                return None

        for step_first in (False, True):
            opt = Plain([lib.zeros(2, requires_grad=True)])
            schedule = lib.optim.lr_scheduler.StepLR(opt, 1)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                if step_first:
                    opt.step()
                schedule.step()
            warned = any("before `optimizer.step()`" in str(w.message) for w in caught)
            assert warned is not step_first, (lib.__name__, step_first)


class _ScheduledSGD(optim.Optimizer):
    """A hand-written step that reads Python values kept in a list attribute and in a list in
    its state, which it changes in place."""

    def __init__(self, params):
        super().__init__(params, {"lr": 0.1})
        self.factors = [1.0, 2.0]

    @ag.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    history = self.state[p].setdefault("history", [1.0])
                    p.sub_(group["lr"] * self.factors[0] * history[0] * p.grad)
                    history[0] += 0.25  # changed in place: the list object stays the same
        return None


def test_a_hand_written_step_with_python_values_in_its_state_never_replays_them_stale():
    # The state's values were guarded by id: a list changed in place kept its id (and a new
    # Python float, state["scale"] += 0.25, could take a freed one's), so replays used old
    # values. By value now: a new value on every call retraces until it runs eagerly.
    eager, _, _ = run_steps(_ScheduledSGD, False)
    compiled, traces, caught = run_steps(_ScheduledSGD, True)
    assert compiled == eager
    assert traces == 9
    assert any("state that changes on every call" in message for message in caught)


def test_a_list_attribute_of_a_hand_written_optimizer_changed_in_place_retraces():
    def between(opt, index):
        opt.factors[0] = 1.0 if index < 5 else 0.5  # a schedule kept in a list attribute

    class Plain(_ScheduledSGD):
        @ag.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.sub_(group["lr"] * self.factors[0] * p.grad)

    eager, _, _ = run_steps(Plain, False, between=between)
    compiled, traces, caught = run_steps(Plain, True, between=between)
    assert compiled == eager
    assert traces == 2  # the first call, the new factor
    assert caught == []


def test_betas_given_as_a_list_and_changed_in_place_retrace():
    # PyTorch takes any sequence; a list option was guarded by its id, blind to item writes.
    def make(params):
        opt = optim.Adam(params, lr=0.01)
        opt.param_groups[0]["betas"] = [0.9, 0.999]
        return opt

    def between(opt, index):
        opt.param_groups[0]["betas"][0] = 0.9 if index < 5 else 0.5

    eager, _, _ = run_steps(make, False, between=between)
    compiled, traces, caught = run_steps(make, True, between=between)
    assert compiled == eager
    assert traces == 3  # the first call (state), the second, the new beta
    assert caught == []


def test_a_step_written_as_a_classmethod_or_partialmethod_still_runs():
    import functools

    class Counted(optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": 0.1})

        @classmethod
        def step(cls, closure=None):
            return cls.__name__

    class Partial(Counted):
        def _step(self, closure=None, factor=1):
            return factor

        step = functools.partialmethod(_step, factor=2)

    params = [ag.zeros(2, requires_grad=True)]
    assert Counted(params).step() == "Counted"
    assert Partial(params).step() == 2


# Every optimizer that takes a tensor lr and whose compiled step replays with a float lr.
TENSOR_LR_OPTIMIZERS = [
    ("SGD", {}),
    ("SGD", {"momentum": 0.9}),
    ("SGD", {"momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("Adam", {}),
    ("Adam", {"amsgrad": True, "maximize": True}),
    ("AdamW", {}),
    ("NAdam", {}),
    ("RAdam", {}),
    ("Adamax", {}),
    ("RMSprop", {"momentum": 0.9, "centered": True}),
    ("Adagrad", {"lr_decay": 0.01}),
    ("Adadelta", {}),
    ("Rprop", {}),
    ("ASGD", {"t0": 2.0, "lambd": 0.05}),
    ("Adafactor", {}),
    ("Muon", {}),
]


def _make_with_lr(name, options, lr, schedule="cosine"):
    """``make_opt`` for run_steps: the optimizer ``name`` with ``lr`` (a float, or a function
    making the tensor, called once per run) and a scheduler kept on it."""

    def make_opt(params):
        if name == "Muon":  # (2-d parameters only)
            params = [p for p in params if p.ndim == 2]
        opt = getattr(optim, name)(params, lr=lr() if callable(lr) else lr, **options)
        if schedule is not None:
            opt.scheduler = SCHEDULES[schedule](opt)
        return opt

    return make_opt


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("name", "options"), TENSOR_LR_OPTIMIZERS, ids=str)
def test_a_tensor_lr_changed_by_a_scheduler_gives_eager_bits(name, options, dtype):
    # The group holds the tensor given and the scheduler writes into it between calls; the
    # compiled step computes with each call's value, bit for bit as eager code (ASGD's eta
    # from the tensor in its dtype), and replays: the program reads the tensor's value anew,
    # as it reads a float lr from the group, with as many traces as a float lr takes.
    lrs = []

    def tensor_lr():
        lrs.append(ag.tensor(0.05, dtype=getattr(ag, dtype)))
        return lrs[-1]

    eager, compiled, traces, caught = eager_and_compiled(_make_with_lr(name, options, tensor_lr))
    assert compiled == eager
    assert not caught, caught
    _, float_traces, _ = run_steps(_make_with_lr(name, options, 0.05), True, between=step_scheduler)
    assert traces == float_traces == 2
    for lr in lrs:  # the eager run's and the compiled run's, moved by the schedule
        assert lr.dtype is getattr(ag, dtype) and lr.item() < 0.049
        assert lr._version == 13  # the scheduler's first step, then one per call


def _changed_lr(change):
    """``between`` for run_steps: the user's own schedule, a new lr written into the group's
    tensor after each call; after the fifth, the tensor replaced as ``change`` says (by
    another tensor, which the schedule then writes into, or by floats, one per call)."""

    def between(opt, index):
        group = opt.param_groups[0]
        lr = 0.05 / (index + 2)
        if isinstance(group["lr"], float) or (change == "a float" and index >= 4):
            group["lr"] = lr
        elif change == "another tensor" and index == 4:
            group["lr"] = ag.tensor(lr, dtype=group["lr"].dtype)
        else:
            group["lr"].fill_(lr)

    return between


@pytest.mark.parametrize("change", ["fill_", "another tensor", "a float"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    ("name", "options"),
    [("SGD", {}), ("SGD", {"momentum": 0.9}), ("Adam", {}), ("ASGD", {"t0": 2.0, "lambd": 0.05})],
    ids=str,
)
def test_a_tensor_lr_changed_by_hand_gives_eager_bits(name, options, dtype, change):
    # A value written into the tensor by the user replays, as a new float lr does; another
    # tensor or a float in the group's place is another option, traced once more (and then
    # read anew again). Plain SGD makes no state: its first trace, of an optimizer no trace
    # stepped before, takes the lr as a constant guarded by value, as it takes a float lr.
    def make_opt(params):
        lr = ag.tensor(0.05, dtype=getattr(ag, dtype))
        return _make_with_lr(name, options, lr, schedule=None)(params)

    between = _changed_lr(change)
    eager, _, _ = run_steps(make_opt, False, between=between)
    compiled, traces, caught = run_steps(make_opt, True, between=between)
    assert compiled == eager
    assert not caught, caught
    assert traces == (2 if change == "fill_" else 3)


def test_a_tensor_lr_replaced_on_every_call_names_the_change():
    # A new tensor on each call is a new option each time: it falls back after 8 programs
    # (and the first trace, which made the state), and the warning says what changed.
    def between(opt, index):
        opt.param_groups[0]["lr"] = ag.tensor(0.05 / (index + 1))

    def make_opt(params):
        return optim.SGD(params, lr=ag.tensor(0.05), momentum=0.9)

    eager, _, _ = run_steps(make_opt, False, between=between)
    compiled, traces, caught = run_steps(make_opt, True, between=between)
    assert compiled == eager
    assert traces == 9
    assert len(caught) == 1 and "option 'lr' of SGD param group 0: another tensor" in caught[0]


def test_a_tensor_lr_of_an_update_that_branches_on_it_gives_eager_results():
    # The update reads the tensor's number and compares it: a predicate guard makes the same
    # comparison on the tensor's value before each replay.
    class Branching(_BranchingSGD):
        def _update_group(self, group, params):
            lr = group["lr"].item()
            scale = 2.0 if lr > 0.05 else 0.5
            for p in params:
                p.sub_(p.grad * (lr * scale))

    def make_opt(params):
        opt = Branching(params, lr=ag.tensor(0.1))
        opt.scheduler = SCHEDULES["cosine"](opt)
        return opt

    eager, compiled, traces, caught = eager_and_compiled(make_opt)
    assert compiled == eager
    # as with a float lr (see the test above)
    assert traces == 3 and not caught, (traces, caught)


class _FloatSGD(optim.Optimizer):
    """Plain SGD that reads the lr through ``float()``: a constant of the program."""

    def __init__(self, params, lr):
        super().__init__(params, {"lr": lr})

    def _update_group(self, group, params):
        for p in params:
            p.sub_(p.grad * float(group["lr"]))


def test_a_tensor_lr_converted_by_the_update_is_guarded_by_value():
    # float(lr) makes the tensor's value a constant of the program: each new value traces
    # again (a replay never uses a stale one), one trace per call of the schedule.
    def make_opt(params):
        opt = _FloatSGD(params, lr=ag.tensor(0.1))
        opt.scheduler = SCHEDULES["lambda"](opt)
        return opt

    eager, compiled, traces, caught = eager_and_compiled(make_opt, calls=6)
    assert compiled == eager
    assert traces == 6 and not caught, (traces, caught)


@pytest.mark.parametrize("where", ["before", "after"])
def test_a_tensor_lr_written_inside_the_function_runs_eagerly(where):
    # The step decays the tensor lr itself: a replay would write the traced call's value into
    # it again. As for a float lr set there, the calls are traced again until the function
    # runs eagerly, with eager's results.
    def step_of(params, opt):
        inner = training_step(params, opt)

        def step(x):
            if where == "before":
                opt.param_groups[0]["lr"].mul_(0.9)
            loss = inner(x)
            if where == "after":
                opt.param_groups[0]["lr"].mul_(0.9)
            return loss

        return step

    def make_opt(params):
        return optim.SGD(params, lr=ag.tensor(0.1), momentum=0.9)

    eager, _, _ = run_steps(make_opt, False, step_of=step_of)
    compiled, traces, caught = run_steps(make_opt, True, step_of=step_of)
    assert compiled == eager
    assert traces == 8
    assert len(caught) == 1 and "tensor lr written inside the function" in caught[0]


def test_a_tensor_lr_read_and_returned_by_the_function_is_the_current_one():
    # The function reads the tensor's number itself, for an update of its own, and returns it:
    # both follow the schedule on every replay, and the caller gets a float.
    def run(compiled):
        params = model()
        opt = optim.SGD(params[::2], lr=ag.tensor(0.1), momentum=0.9)
        scheduler = SCHEDULES["cosine"](opt)
        w1, b1, w2 = params

        def step(x):
            lr = opt.param_groups[0]["lr"].item()
            loss = (((x @ w1 + b1).relu() @ w2) ** 2).mean()
            loss.backward()
            with ag.no_grad():
                b1.sub_(b1.grad * (lr * 0.5))
            b1.grad = None
            opt.step()
            opt.zero_grad()
            return loss, opt.param_groups[0]["lr"].item()

        run = ag.compile(step) if compiled else step
        out = []
        for x in batches(10):
            loss, lr = run(x)
            out.append((loss._data.tobytes(), lr, type(lr)))
            scheduler.step()
        return out, [p._data.tobytes() for p in params], getattr(run, "traces", None)

    eager = run(False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiled = run(True)
    assert compiled[:2] == eager[:2]
    assert all(kind is float for _, _, kind in compiled[0])
    assert compiled[2] == 2


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["SGD", "Adagrad"])
def test_a_tensor_lr_a_scheduler_leaves_as_it_is_replays_a_first_program(name, dtype):
    # The first program of each input shape (the first of an optimizer no trace had stepped,
    # kept as its step makes no state) takes the lr as a constant guarded by value: StepLR
    # between its steps leaves a float lr as it is, and that program replays. A tensor lr was
    # guarded by its version, which the scheduler's fill_ bumps with the same value too: each
    # return to the first shape traced again (3 traces where a float lr takes 2).
    def run(lr, compiled):
        params = model()
        opt = getattr(optim, name)(params, lr=lr)
        scheduler = optim.lr_scheduler.StepLR(opt, step_size=100)
        step = training_step(params, opt)
        run = ag.compile(step) if compiled else step
        losses = []
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for index, x in enumerate(batches(8)):
                losses.append(run(x[:5] if index % 2 else x)._data.tobytes())
                scheduler.step()
        return losses, [p._data.tobytes() for p in params], getattr(run, "traces", None)

    def tensor_lr():
        return ag.tensor(0.05, dtype=getattr(ag, dtype))

    eager, compiled = run(tensor_lr(), False), run(tensor_lr(), True)
    assert compiled[:2] == eager[:2]
    assert compiled[2] == run(0.05, True)[2] == 2
