"""SequentialLR and ChainedScheduler against torch.optim.lr_scheduler: the lr (and momentum)
sequences bit for bit, state dicts, warnings and errors."""

from __future__ import annotations

import pytest
import torch

import arraygrad as ag
from tests.optim._schedules import LIBS, caught, optimizer, resumed, same, trace


def _sequential(milestones, *makers):
    def build(lib, opt):
        schedulers = [make(lib.optim.lr_scheduler, opt) for make in makers]
        return lib.optim.lr_scheduler.SequentialLR(opt, schedulers, milestones)

    return build


def _chained(*makers, pass_optimizer=False):
    def build(lib, opt):
        schedulers = [make(lib.optim.lr_scheduler, opt) for make in makers]
        if pass_optimizer:
            return lib.optim.lr_scheduler.ChainedScheduler(schedulers, optimizer=opt)
        return lib.optim.lr_scheduler.ChainedScheduler(schedulers)

    return build


def constant(s, o):
    return s.ConstantLR(o, factor=0.1, total_iters=6)


def exponential(s, o):
    return s.ExponentialLR(o, gamma=0.9)


def warmup(s, o):
    return s.LinearLR(o, start_factor=0.1, total_iters=10)


def cosine(s, o):
    return s.CosineAnnealingLR(o, T_max=25, eta_min=0.001)


def step(s, o):
    return s.StepLR(o, step_size=4, gamma=0.5)


def multiplicative(s, o):
    return s.MultiplicativeLR(o, lambda e: 0.97)


def polynomial(s, o):
    return s.PolynomialLR(o, total_iters=12, power=2.0)


def cyclic(s, o):
    return s.CyclicLR(o, 0.01, 0.1, step_size_up=5)


def restarts(s, o):
    return s.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2)


def inner_sequential(s, o):
    return s.SequentialLR(o, [constant(s, o), exponential(s, o)], [3])


def inner_chained(s, o):
    return s.ChainedScheduler([step(s, o), exponential(s, o)])


BUILDS = {
    "constant-exponential": _sequential([5], constant, exponential),
    "warmup-cosine": _sequential([10], warmup, cosine),
    "three": _sequential([4, 20], step, polynomial, multiplicative),
    "cyclic-then-restarts": _sequential([12], cyclic, restarts),
    "restarts-then-cyclic": _sequential([9], restarts, cyclic),
    "milestone-at-0": _sequential([0], exponential, cosine),
    # (a composite scheduler can only come first: at a milestone PyTorch restarts the next
    # scheduler by its get_lr(), which a composite one does not have)
    "nested": _sequential([6, 15], inner_chained, warmup, polynomial),
    "nested-sequential": _sequential([8], inner_sequential, cyclic),
    "chained-constant-exponential": _chained(constant, exponential),
    "chained-three": _chained(step, multiplicative, polynomial, pass_optimizer=True),
    "chained-warmup-cosine": _chained(warmup, cosine),
    "chained-cyclic-exponential": _chained(cyclic, exponential),
}


@pytest.mark.parametrize("name", BUILDS)
@pytest.mark.parametrize("kind", ["SGD", "Adam"])
@pytest.mark.parametrize("groups", [1, 2])
def test_lr_and_momentum_sequences_match_torch(name, kind, groups):
    runs = []
    for lib in LIBS:
        opt = optimizer(lib, kind, groups)
        runs.append(trace(opt, BUILDS[name](lib, opt), 70))
    same(runs[0], runs[1])


@pytest.mark.parametrize(
    "name", ["three", "cyclic-then-restarts", "nested", "nested-sequential", "chained-three"]
)
@pytest.mark.parametrize("kind", ["SGD", "Adam"])
def test_a_scheduler_rebuilt_from_its_state_dict_continues_the_sequence(name, kind):
    results = resumed(BUILDS[name], kind, before=17, after=40)
    for straight, again in results:
        same(again, straight)
    same(results[0], results[1])


def test_state_dicts_hold_the_inner_schedulers_state_dicts():
    keys = []
    for lib in LIBS:
        opt = optimizer(lib)
        sequential = BUILDS["three"](lib, opt)
        state = sequential.state_dict()
        assert [s["last_epoch"] for s in state["_schedulers"]] == [0, -1, -1]
        sequential.load_state_dict(state)
        assert "_schedulers" in state  # loading leaves the caller's dict whole
        chained = BUILDS["chained-three"](lib, opt)
        keys.append((sorted(state), sorted(chained.state_dict())))
    assert keys[0] == keys[1]


def test_step_order_warning_comes_from_the_inner_scheduler_like_torch():
    def run(lib):
        for build in (BUILDS["three"], BUILDS["chained-three"]):
            opt = optimizer(lib)
            sched = build(lib, opt)
            sched.step()  # before optimizer.step()
            opt.step()
            sched.step()

    mine, theirs = caught(run)
    assert mine == theirs
    assert sum(message.startswith("Detected call of") for _, message in mine) == 4


def _seq(makers, milestones, opt_of=lambda lib, o: o):
    def make(lib, o):
        s = lib.optim.lr_scheduler
        return s.SequentialLR(opt_of(lib, o), [m(s, o) for m in makers], milestones)

    return make


def _chain(makers, opt_of=lambda lib, o: None):
    def make(lib, o):
        s = lib.optim.lr_scheduler
        return s.ChainedScheduler([m(s, o) for m in makers], optimizer=opt_of(lib, o))

    return make


def plateau(s, o):
    return s.ReduceLROnPlateau(o)


def not_a_scheduler(s, o):
    return object()


def other(lib, o):
    return optimizer(lib)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (_seq([], []), ValueError, "at least one scheduler"),
        (_seq([constant, plateau], [3]), ValueError, "ReduceLROnPlateau"),
        (_seq([constant, exponential], [3], other), ValueError, "same optimizer"),
        (_seq([constant, exponential], [3, 5]), ValueError, "number of milestones"),
        (_seq([constant, exponential], []), ValueError, "number of milestones"),
        (_seq([constant, not_a_scheduler], [3]), TypeError, "index 1 should have `optimizer`"),
        (_chain([]), ValueError, "at least one scheduler"),
        (_chain([exponential, plateau]), ValueError, "ReduceLROnPlateau"),
        (_chain([constant, exponential], other), ValueError, "same optimizer"),
        (_chain([constant, not_a_scheduler]), TypeError, "index 1 should have `optimizer`"),
        (_chain([not_a_scheduler]), AttributeError, "index 0"),
        (_chain([not_a_scheduler], lambda lib, o: o), TypeError, "index 0 should have"),
    ],
)
def test_misuse_raises_like_torch(make, error, match):
    with pytest.raises(error, match=match):
        make(ag, optimizer(ag))
    with pytest.raises(error):
        make(torch, optimizer(torch))
