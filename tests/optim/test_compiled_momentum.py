"""A compiled training step reads its optimizer's momentum and betas anew on every replay, as it
reads the lr: OneCycleLR and CyclicLR cycling the momentum (SGD's, RMSprop's) or the first beta
(the Adam family's) keep it compiled, with eager's bits on every call. The updates branch on
these numbers (``momentum != 0``, ``abs(1 - beta1) < 0.5``): the program is specialised on each
comparison's result, guarded by the comparison, not on the value; a use the recorder does not
follow (``float()``) guards the value instead, and is never replayed stale."""

from __future__ import annotations

import pytest

from arraygrad import optim
from tests.optim._steps import eager_and_compiled, step_scheduler

SCHEDULES = {
    "OneCycleLR": lambda opt, **more: optim.lr_scheduler.OneCycleLR(
        opt, max_lr=0.02, total_steps=14, **more
    ),
    "CyclicLR": lambda opt, **more: optim.lr_scheduler.CyclicLR(
        opt, base_lr=0.005, max_lr=0.02, step_size_up=3, **more
    ),
}

OPTIMIZERS = [
    ("SGD", {"momentum": 0.9}),
    ("SGD", {"momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01, "maximize": True}),
    ("SGD", {"momentum": 0.9, "nesterov": True, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"amsgrad": True, "weight_decay": 0.01, "maximize": True}),
    ("AdamW", {}),
    ("AdamW", {"amsgrad": True, "maximize": True}),
    ("NAdam", {}),
    ("NAdam", {"weight_decay": 0.01, "decoupled_weight_decay": True, "maximize": True}),
    ("RAdam", {}),
    ("RAdam", {"weight_decay": 0.01, "maximize": True}),
    ("Adamax", {}),
    ("Adamax", {"weight_decay": 0.01, "maximize": True}),
    ("RMSprop", {"momentum": 0.9}),
    ("RMSprop", {"momentum": 0.9, "centered": True, "weight_decay": 0.01, "maximize": True}),
]


def _scheduled(name, options, schedule, **more):
    def make_opt(params):
        opt = getattr(optim, name)(params, lr=0.05, **options)
        opt.scheduler = SCHEDULES[schedule](opt, **more)
        return opt

    return make_opt


def _compare(make_opt, calls=14, between=step_scheduler):
    """The eager and compiled runs' results, and the compiled one's traces and warnings."""
    return eager_and_compiled(make_opt, between=between, calls=calls)


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize(("name", "options"), OPTIMIZERS, ids=str)
def test_a_momentum_cycle_replays_with_eager_bits(name, options, schedule):
    eager, compiled, traces, caught = _compare(_scheduled(name, options, schedule))
    assert compiled == eager
    assert traces <= 3 and not caught, (traces, caught)
    assert len(set(eager[0])) > 1  # it trains


def _momenta(opt):
    group = opt.param_groups[0]
    return group["betas"][0] if "betas" in group else group["momentum"]


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("Adam", {"maximize": True}),
        ("NAdam", {"maximize": True}),
        ("RAdam", {"maximize": True}),
        ("Adamax", {"maximize": True}),
    ],
    ids=str,
)
def test_a_beta1_that_crosses_a_branch_of_the_update_gives_eager_results(name, options):
    # With maximize, the Adam family negates the gradient as an array when |1 - beta1| >= 0.5
    # (lerp's other form): a cycle of beta1 from 0.3 to 0.7 takes both branches, each a
    # program of its own.
    make_opt = _scheduled(name, options, "CyclicLR", base_momentum=0.3, max_momentum=0.7)
    eager, compiled, traces, caught = _compare(make_opt)
    assert compiled == eager
    assert traces <= 4 and not caught, (traces, caught)


class _ThresholdSGD(optim.Optimizer):
    """Plain SGD whose step size depends on a comparison of its momentum (or its first beta)
    with a threshold that the schedule crosses."""

    def __init__(self, params, lr, option):
        value = (0.9, 0.999) if option == "betas" else 0.9
        super().__init__(params, {"lr": lr, option: value})
        self.option = option

    def _update_group(self, group, params):
        if self.option == "betas":
            scale = 2.0 if group["betas"][0] > 0.91 else 0.5
        else:
            scale = 2.0 if group["momentum"] > 0.9 else 0.5
        for p in params:
            p.sub_(p.grad * (group["lr"] * scale))


@pytest.mark.parametrize("option", ["momentum", "betas"])
def test_an_update_that_branches_on_the_momentum_gives_eager_results(option):
    def make_opt(params):
        opt = _ThresholdSGD(params, lr=0.05, option=option)
        opt.scheduler = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.02, total_steps=14)
        return opt

    momenta = []

    def between(opt, index):
        opt.scheduler.step()
        momenta.append(_momenta(opt))

    eager, compiled, traces, caught = _compare(make_opt, between=between)
    assert compiled == eager
    threshold = 0.91 if option == "betas" else 0.9
    assert min(momenta) < threshold < max(momenta)  # both branches are taken
    assert traces <= 4 and not caught, (traces, caught)


@pytest.mark.parametrize("nesterov", [False, True])
def test_a_momentum_set_to_zero_and_back_takes_the_other_branch(nesterov):
    def make_opt(params):
        return optim.SGD(params, lr=0.05, momentum=0.9, nesterov=nesterov)

    def between(opt, index):
        # No momentum on calls 4 to 7 (SGD skips its buffer), a new one every call otherwise.
        # (Nesterov with no momentum is refused only by the constructor.)
        opt.param_groups[0]["momentum"] = 0 if 3 <= index < 7 else 0.8 + 0.01 * index

    eager, compiled, traces, caught = _compare(make_opt, between=between)
    assert compiled == eager
    assert traces <= 3 and not caught, (traces, caught)


class _ConvertingSGD(optim.SGD):
    """SGD that reads its momentum through ``float()`` too: a constant of the program."""

    def _update_group(self, group, params):
        self.seen = float(group["momentum"])
        super()._update_group(group, params)


class _ConvertingAdam(optim.Adam):
    """Adam that formats its first beta: a constant of the program."""

    def _update_group(self, group, params):
        self.seen = f"{group['betas'][0]:.3f}"
        super()._update_group(group, params)


class _ManyThresholdsSGD(optim.Optimizer):
    """Plain SGD whose step size counts the thresholds its momentum is above: a momentum that
    grows on every call crosses one on every call."""

    def __init__(self, params, lr, momentum):
        super().__init__(params, {"lr": lr, "momentum": momentum})

    def _update_group(self, group, params):
        scale = sum(1.0 for k in range(20) if group["momentum"] > 0.8 + 0.01 * k)
        for p in params:
            p.sub_(p.grad * (group["lr"] * scale))


@pytest.mark.parametrize(
    ("make", "change", "named"),
    [
        (lambda p: _ConvertingSGD(p, lr=0.05, momentum=0.9), None, "option 'momentum' of "),
        (lambda p: _ConvertingAdam(p, lr=0.05), None, "option 'betas' (item 0) of "),
        (lambda p: optim.Adam(p, lr=0.05), "eps", "option 'eps' of Adam param group 0: "),
        (
            lambda p: _ManyThresholdsSGD(p, lr=0.05, momentum=0.8),
            "momentum",
            "option 'momentum' of _ManyThresholdsSGD param group 0: 0.865 -> 0.875 (a "
            "comparison the step branches on: False -> True)",
        ),
    ],
    ids=["float(momentum)", "format(beta1)", "eps", "a branch per call"],
)
def test_a_fallback_names_the_option_that_changes_on_every_call(make, change, named):
    # A momentum read in a way the recorder does not follow is guarded by value, as an eps
    # that a step changes on every call, and a comparison that gives another result on every
    # call needs a program per call: each retraces on every call, with eager's bits, and falls
    # back to eager after 8 traces, naming the option.
    def make_opt(params):
        opt = make(params)
        if change is None:
            opt.scheduler = SCHEDULES["OneCycleLR"](opt)
        return opt

    def between(opt, index):
        if change is None:
            opt.scheduler.step()
        elif change == "eps":
            opt.param_groups[0]["eps"] = 1e-8 * (index + 2)
        else:
            opt.param_groups[0]["momentum"] = round(0.805 + 0.01 * index, 3)

    eager, compiled, traces, caught = _compare(make_opt, between=between)
    assert compiled == eager
    assert traces >= 8
    assert len(caught) == 1 and named in caught[0], caught


def test_a_branch_that_flips_on_every_call_replays_two_programs():
    # The comparison's result alternates: two programs serve it, with no retrace after them
    # (the first trace, before the optimizer was known to the compiled function, guarded the
    # momentum by value).
    def make_opt(params):
        return _ThresholdSGD(params, lr=0.05, option="momentum")

    def between(opt, index):
        opt.param_groups[0]["momentum"] = (0.8, 0.95)[index % 2] + 0.001 * index

    eager, compiled, traces, caught = _compare(make_opt, between=between)
    assert compiled == eager
    assert traces == 3 and not caught, (traces, caught)


def test_the_momentum_of_each_group_is_compared_on_its_own():
    # Two groups make the same comparison (momentum != 0) with other results: each group's is
    # guarded, so a second group that gets a momentum takes its branch (not one guard for both).
    def make_opt(params):
        groups = [{"params": params[:2]}, {"params": params[2:], "momentum": 0.0}]
        return optim.SGD(groups, lr=0.05, momentum=0.9)

    def between(opt, index):
        opt.param_groups[0]["momentum"] = 0.9 - 0.01 * index
        opt.param_groups[1]["momentum"] = 0.5 if index >= 5 else 0.0

    eager, compiled, traces, caught = _compare(make_opt, between=between)
    assert compiled == eager
    assert traces <= 4 and not caught, (traces, caught)
