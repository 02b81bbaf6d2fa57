"""Learning-rate schedulers against torch.optim.lr_scheduler: lr (and momentum) sequences."""

from __future__ import annotations

import warnings

import pytest
import torch

import arraygrad as ag

SCHEDULES = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [2, 5, 5, 9], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 10}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}),
    ("LambdaLR", {"lr_lambda": lambda epoch: 1.0 / (epoch + 1)}),
    ("LambdaLR", {"lr_lambda": [lambda e: 0.9**e, lambda e: 1.0 + e]}),
    ("ConstantLR", {"factor": 0.25, "total_iters": 4}),
    ("LinearLR", {"start_factor": 0.2, "end_factor": 0.9, "total_iters": 6}),
    ("OneCycleLR", {"max_lr": 1.0, "total_steps": 30}),
    ("OneCycleLR", {"max_lr": [1.0, 0.5], "total_steps": 30, "anneal_strategy": "linear"}),
    ("OneCycleLR", {"max_lr": 0.3, "epochs": 3, "steps_per_epoch": 10, "three_phase": True}),
    ("OneCycleLR", {"max_lr": 0.3, "total_steps": 25, "pct_start": 0.4, "div_factor": 10.0,
                    "final_div_factor": 100.0, "base_momentum": 0.7, "max_momentum": 0.9}),
    ("OneCycleLR", {"max_lr": 0.3, "total_steps": 25, "cycle_momentum": False}),
]  # fmt: skip


def _optimizer(lib, name="SGD"):
    a = lib.zeros(2, requires_grad=True)
    b = lib.zeros(3, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05}]
    if name == "SGD":
        return lib.optim.SGD(groups, lr=0.1, momentum=0.9)
    return lib.optim.Adam(groups, lr=0.1, betas=(0.9, 0.99))


def _trace(lib, name, kwargs, steps, optimizer="SGD"):
    opt = _optimizer(lib, optimizer)
    sched = getattr(lib.optim.lr_scheduler, name)(opt, **kwargs)
    lrs = [sched.get_last_lr()]
    momenta = [[g.get("momentum", g.get("betas")) for g in opt.param_groups]]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr())
        momenta.append([g.get("momentum", g.get("betas")) for g in opt.param_groups])
    return lrs, momenta


def _same(a, b):
    # The schedules are Python float arithmetic in both libraries, in the same process: the
    # same formulas in the same order give the same floats, so they are compared exactly.
    if isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    else:
        assert type(a) is type(b) and a == b, (a, b)


def _ids(cases):
    return [f"{name}-{i}" for i, (name, _) in enumerate(cases)]


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES, ids=_ids(SCHEDULES))
@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_lr_and_momentum_sequences_match_torch(name, kwargs, optimizer):
    steps = kwargs.get("total_steps", 30) - 1 if name == "OneCycleLR" else 35
    mine = _trace(ag, name, kwargs, steps, optimizer)
    theirs = _trace(torch, name, kwargs, steps, optimizer)
    _same(mine[0], theirs[0])
    _same(mine[1], theirs[1])


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [SCHEDULES[i] for i in (0, 1, 2, 4, 7, 8)],
    ids=_ids([SCHEDULES[i] for i in (0, 1, 2, 4, 7, 8)]),
)
def test_step_with_epoch_uses_the_closed_form_like_torch(name, kwargs):
    results = []
    for lib in (ag, torch):
        opt = _optimizer(lib)
        sched = getattr(lib.optim.lr_scheduler, name)(opt, **kwargs)
        seq = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for epoch in [3, 1, 8, 12, 5]:
                opt.step()
                sched.step(epoch)
                seq.append(sched.get_last_lr())
        results.append(seq)
    _same(results[0], results[1])


PLATEAU = [
    {},
    {"mode": "max", "factor": 0.5, "patience": 1},
    {"patience": 0, "threshold": 0.1, "threshold_mode": "abs", "cooldown": 2},
    {"mode": "max", "threshold_mode": "abs", "patience": 2, "min_lr": [0.02, 0.001]},
    {"patience": 1, "factor": 0.3, "min_lr": 0.01, "cooldown": 1, "eps": 1e-3},
]
METRICS = [5.0, 4.0, 4.0, 3.99995, 4.1, 3.0, 3.0, 3.0, 3.0, 2.0, 2.5, 2.5, 2.5, 2.5, 2.5] * 3


@pytest.mark.parametrize("kwargs", PLATEAU, ids=str)
def test_reduce_on_plateau_matches_torch(kwargs):
    seqs = []
    for lib in (ag, torch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        seq = []
        for value in METRICS:
            sched.step(value if lib is torch else ag.tensor(value))
            seq.append((sched.get_last_lr(), sched.num_bad_epochs, sched.cooldown_counter))
        seqs.append(seq)
    _same([s[0] for s in seqs[0]], [s[0] for s in seqs[1]])
    assert [s[1:] for s in seqs[0]] == [s[1:] for s in seqs[1]]
    assert seqs[0][-1][0] != [0.1, 0.05]  # the lr did change


def test_state_dict_resumes_the_schedule():
    opt = _optimizer(ag)
    sched = ag.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=20)
    for _ in range(8):
        opt.step()
        sched.step()
    saved, saved_opt = sched.state_dict(), opt.state_dict()
    assert "optimizer" not in saved and saved["last_epoch"] == 8
    expected = []
    for _ in range(8):
        opt.step()
        sched.step()
        expected.append(sched.get_last_lr())

    opt2 = _optimizer(ag)
    opt2.load_state_dict(saved_opt)
    sched2 = ag.optim.lr_scheduler.OneCycleLR(opt2, max_lr=1.0, total_steps=20, last_epoch=7)
    sched2.load_state_dict(saved)
    got = []
    for _ in range(8):
        opt2.step()
        sched2.step()
        got.append(sched2.get_last_lr())
    assert got == expected


def test_lambda_state_dict_keeps_callable_objects_state():
    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, epoch):
            return self.rate**epoch

    opt = _optimizer(ag)
    sched = ag.optim.lr_scheduler.LambdaLR(opt, [Decay(), lambda e: 1.0])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"rate": 0.5}, None]
    state["lr_lambdas"][0]["rate"] = 0.25
    sched.load_state_dict(state)
    assert sched.lr_lambdas[0].rate == 0.25


def test_warns_when_scheduler_steps_before_optimizer():
    opt = _optimizer(ag)
    sched = ag.optim.lr_scheduler.StepLR(opt, step_size=1)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda lib, o: lib.optim.lr_scheduler.StepLR(object(), 2), TypeError, "not an Optimizer"),
        (lambda lib, o: lib.optim.lr_scheduler.StepLR(o, 2, last_epoch=3), KeyError,
         "initial_lr"),
        (lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, 1.0), ValueError, "total_steps"),
        (lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, 1.0, total_steps=5,
                                                          anneal_strategy="x"), ValueError,
         "anneal_strategy"),
        (lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, [1.0], total_steps=5), ValueError,
         "same length"),
        (lambda lib, o: lib.optim.lr_scheduler.ReduceLROnPlateau(o, factor=1.5), ValueError,
         "Factor"),
        (lambda lib, o: lib.optim.lr_scheduler.ReduceLROnPlateau(o, mode="up"), ValueError,
         "unknown"),
        (lambda lib, o: lib.optim.lr_scheduler.LambdaLR(o, [lambda e: 1.0]), ValueError,
         "Expected 2 lr_lambdas"),
    ],
)  # fmt: skip
def test_misuse_raises_like_torch(make, error, match):
    with pytest.raises(error, match=match):
        make(ag, _optimizer(ag))
    with pytest.raises(error):
        make(torch, _optimizer(torch))


def test_one_cycle_refuses_steps_past_total():
    for lib in (ag, torch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
        for _ in range(3):
            opt.step()
            sched.step()
        with pytest.raises(ValueError, match="Tried to step 4 times"):
            sched.step()


def test_the_old_base_class_name_can_be_subclassed_as_in_torch():
    # Older PyTorch code subclasses lr_scheduler._LRScheduler and overrides get_lr.
    def run(lib):
        class Halving(lib.optim.lr_scheduler._LRScheduler):
            def get_lr(self):
                return [group["lr"] * 0.5 for group in self.optimizer.param_groups]

        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=1.0)
        scheduler = Halving(opt)
        lrs = [scheduler.get_last_lr()[0]]
        for _ in range(3):
            opt.step()
            scheduler.step()
            lrs.append(scheduler.get_last_lr()[0])
        assert isinstance(scheduler, lib.optim.lr_scheduler.LRScheduler)
        return lrs, lib.optim.lr_scheduler._LRScheduler.__name__

    assert run(ag) == run(torch) == ([0.5, 0.25, 0.125, 0.0625], "_LRScheduler")
