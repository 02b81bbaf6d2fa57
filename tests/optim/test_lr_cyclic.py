"""MultiplicativeLR, PolynomialLR, CyclicLR and CosineAnnealingWarmRestarts against
torch.optim.lr_scheduler: the lr (and momentum) sequences bit for bit, step(epoch), state
dicts, warnings and errors."""

from __future__ import annotations

import math

import pytest
import torch

import arraygrad as ag
from tests.optim._schedules import LIBS, caught, fit, optimizer, resumed, same, trace


class Halving:
    """A callable object: its state goes into the scheduler's state dict."""

    def __init__(self) -> None:
        self.rate = 0.5

    def __call__(self, x: float) -> float:
        return self.rate ** (x / 10)


SCHEDULES = [
    ("MultiplicativeLR", {"lr_lambda": lambda e: 0.95}),
    ("MultiplicativeLR", {"lr_lambda": [lambda e: 0.9, lambda e: 1.0 + 0.01 * e]}),
    ("PolynomialLR", {}),
    ("PolynomialLR", {"total_iters": 40, "power": 0.9}),
    ("PolynomialLR", {"total_iters": 30, "power": 2.0}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 5}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4, "step_size_down": 7,
                  "mode": "triangular2"}),
    ("CyclicLR", {"base_lr": 0.001, "max_lr": 0.3, "step_size_up": 3, "mode": "exp_range",
                  "gamma": 0.97}),
    ("CyclicLR", {"base_lr": [0.01, 0.02], "max_lr": [0.1, 0.3], "step_size_up": 6,
                  "base_momentum": [0.8, 0.7], "max_momentum": [0.9, 0.95]}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 5,
                  "scale_fn": lambda x: 0.5 * (1 + math.sin(x * math.pi / 2))}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 5, "scale_fn": Halving(),
                  "scale_mode": "iterations"}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "cycle_momentum": False}),
    ("CosineAnnealingWarmRestarts", {"T_0": 10}),
    ("CosineAnnealingWarmRestarts", {"T_0": 5, "T_mult": 2, "eta_min": 0.001}),
    ("CosineAnnealingWarmRestarts", {"T_0": 1}),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 3, "eta_min": 0.01}),
]  # fmt: skip
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(SCHEDULES)]


def _build(name, kwargs, groups=2):
    return lambda lib, opt: getattr(lib.optim.lr_scheduler, name)(opt, **fit(kwargs, groups))


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULES, ids=IDS)
@pytest.mark.parametrize("kind", ["SGD", "Adam"])
@pytest.mark.parametrize("groups", [1, 2])
def test_lr_and_momentum_sequences_match_torch(name, kwargs, kind, groups):
    runs = []
    for lib in LIBS:
        opt = optimizer(lib, kind, groups)
        runs.append(trace(opt, _build(name, kwargs, groups)(lib, opt), 70))
    same(runs[0], runs[1])


@pytest.mark.parametrize(
    ("name", "kwargs", "epochs"),
    [
        ("PolynomialLR", {"total_iters": 8, "power": 1.5}, [3, 1, 8, 12, 5, 0, 6]),
        ("MultiplicativeLR", {"lr_lambda": lambda e: 0.5 + 0.05 * e}, [3, 1, 8, 12, 5]),
        ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4}, [3, 1, 8, 13, 5]),
        # step(epoch) at float epochs, across restarts, as in a per-batch loop
        ("CosineAnnealingWarmRestarts", {"T_0": 4},
         [e + i / 3 for e in range(12) for i in range(3)]),
        ("CosineAnnealingWarmRestarts", {"T_0": 2, "T_mult": 2, "eta_min": 0.01},
         [e + i / 5 for e in range(20) for i in range(5)] + [7, 0.5, 30.25, 14, 61.75]),
        ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 3}, [0, 2.9, 3, 12, 38.5, 39, 5]),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)  # fmt: skip
def test_step_with_an_epoch_matches_torch(name, kwargs, epochs):
    def step(sched, i):
        sched.step(epochs[i])

    runs = []
    for lib in LIBS:
        opt = optimizer(lib, "SGD")
        runs.append(trace(opt, _build(name, kwargs)(lib, opt), len(epochs), step))
    same(runs[0], runs[1])


def test_warm_restarts_continue_from_a_given_epoch_like_torch():
    # step() after step(26) goes on from epoch 27, for either T_mult
    for kwargs in ({"T_0": 10}, {"T_0": 3, "T_mult": 2}):
        plan = [None] * 20 + [26] + [None] * 15 + [2.5] + [None] * 10

        def step(sched, i, plan=plan):
            sched.step(plan[i])

        runs = []
        for lib in LIBS:
            opt = optimizer(lib, "Adam")
            sched = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, **kwargs)
            runs.append((trace(opt, sched, len(plan), step), sched.T_cur, sched.T_i))
        same(runs[0], runs[1])


@pytest.mark.parametrize(("name", "kwargs"), [SCHEDULES[i] for i in (1, 3, 6, 7, 10, 13)])
@pytest.mark.parametrize("kind", ["SGD", "Adam"])
def test_a_scheduler_rebuilt_from_its_state_dict_continues_the_sequence(name, kwargs, kind):
    results = resumed(_build(name, kwargs), kind, before=23, after=40)
    for straight, again in results:
        same(again, straight)
    same(results[0], results[1])


def test_state_dicts_keep_callable_objects_not_functions():
    scale = Halving()
    for lib in LIBS:
        opt = optimizer(lib, "SGD")
        cyclic = lib.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, scale_fn=scale)
        state = cyclic.state_dict()
        assert state["_scale_fn_custom"] == {"rate": 0.5} and "_scale_fn_ref" not in state
        state["_scale_fn_custom"]["rate"] = 0.25
        cyclic.load_state_dict(state)
        assert scale.rate == 0.25
        scale.rate = 0.5
        plain = lib.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, mode="exp_range", gamma=0.9)
        state = plain.state_dict()
        assert state["_scale_fn_custom"] is None
        plain.load_state_dict(state)  # the built-in scale is rebuilt from mode and gamma
        assert plain.scale_fn(2) == 0.9**2
        decay = lib.optim.lr_scheduler.MultiplicativeLR(opt, [Halving(), lambda e: 1.0])
        assert decay.state_dict()["lr_lambdas"] == [{"rate": 0.5}, None]
        # the same keys as PyTorch's (a checkpoint's layout)
    keys = []
    for lib in LIBS:
        opt = optimizer(lib, "Adam")
        keys.append(sorted(lib.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1).state_dict()))
    assert keys[0] == keys[1]


def test_cyclic_resumes_with_last_epoch_like_torch():
    # Resuming sets no lr or momentum at construction: they come from the loaded optimizer
    runs = []
    for lib in LIBS:
        opt = optimizer(lib, "SGD")
        lib.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=4)
        sched = lib.optim.lr_scheduler.CyclicLR(opt, 0.02, 0.2, step_size_up=3, last_epoch=9)
        runs.append(trace(opt, sched, 20))
    same(runs[0], runs[1])


def _step_first(name, kwargs):
    def run(lib):
        opt = optimizer(lib, "SGD")
        sched = _build(name, kwargs)(lib, opt)
        sched.step()  # before optimizer.step()
        opt.step()
        sched.step()
        sched.get_lr()  # not the way to read the lr

    return run


@pytest.mark.parametrize(("name", "kwargs"), [SCHEDULES[i] for i in (0, 3, 5, 12)])
def test_warnings_match_torch(name, kwargs):
    # CosineAnnealingWarmRestarts has its own step(), which checks no call order
    mine, theirs = caught(_step_first(name, kwargs))
    assert mine == theirs
    assert any(message.startswith("To get the last learning rate") for _, message in mine)
    order = any(message.startswith("Detected call of") for _, message in mine)
    assert order == (name != "CosineAnnealingWarmRestarts")


def test_epoch_argument_warns_like_torch():
    def run(lib):
        opt = optimizer(lib, "SGD")
        polynomial = lib.optim.lr_scheduler.PolynomialLR(opt)
        restarts = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2)
        opt.step()
        polynomial.step(3)
        restarts.step(3.5)  # no warning

    mine, theirs = caught(run)
    assert mine == theirs and len(mine) == 1


def _lr(name, *args, **kwargs):
    return lambda lib, opt: getattr(lib.optim.lr_scheduler, name)(opt, *args, **kwargs)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (_lr("MultiplicativeLR", [lambda e: 1.0]), ValueError, "Expected 2 lr_lambdas"),
        (_lr("MultiplicativeLR", 0.9), TypeError, "lr_lambda should be a function"),
        (_lr("MultiplicativeLR", [0.9, lambda e: 1.0]), TypeError, "got float"),
        (_lr("CyclicLR", 0.01, 0.1, mode="up"), ValueError, "mode is invalid"),
        (_lr("CyclicLR", [0.01], 0.1), ValueError, "base_lr must have the same length"),
        (_lr("CyclicLR", 0.01, [0.1] * 3), ValueError, "max_lr must have the same length"),
        (_lr("CyclicLR", 0.01, 0.1, base_momentum=[0.8]), ValueError, "base_momentum"),
        (lambda lib, opt: lib.optim.lr_scheduler.CyclicLR(object(), 0.01, 0.1), TypeError,
         "not an Optimizer"),
        (lambda lib, opt: lib.optim.lr_scheduler.CyclicLR(optimizer(lib, "Adagrad"), 0.01,
                                                          0.1), ValueError, "cycle_momentum"),
        (_lr("CosineAnnealingWarmRestarts", 0), ValueError, "positive integer T_0"),
        (_lr("CosineAnnealingWarmRestarts", 2.5), ValueError, "positive integer T_0"),
        (_lr("CosineAnnealingWarmRestarts", 2, T_mult=0), ValueError, "T_mult >= 1"),
        (_lr("CosineAnnealingWarmRestarts", 2, T_mult=1.5), ValueError, "T_mult >= 1"),
        (_lr("CosineAnnealingWarmRestarts", 2, eta_min="0"), ValueError, "eta_min"),
        (lambda lib, opt: _lr("CosineAnnealingWarmRestarts", 2)(lib, opt).step(-1), ValueError,
         "non-negative epoch"),
        (_lr("PolynomialLR", last_epoch=3), KeyError, "initial_lr"),
    ],
)  # fmt: skip
def test_misuse_raises_like_torch(make, error, match):
    with pytest.raises(error, match=match):
        make(ag, optimizer(ag))
    with pytest.raises(error):
        make(torch, optimizer(torch))


def test_cyclic_without_momentum_cycling_works_on_any_optimizer():
    runs = []
    for lib in LIBS:
        opt = optimizer(lib, "Adagrad")
        sched = lib.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, 4, cycle_momentum=False)
        runs.append(trace(opt, sched, 20))
    same(runs[0], runs[1])
