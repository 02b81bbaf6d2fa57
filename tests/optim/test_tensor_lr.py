"""A tensor lr is kept as PyTorch keeps it: the param groups hold the very tensor given, the
schedulers write their values into it in place (in its dtype), state dicts save it and load a
copy, and ASGD computes its ``eta`` from it with tensor arithmetic; all compared with PyTorch."""

from __future__ import annotations

import copy
import warnings
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

LIBS = (ag, torch)

OPTIMIZERS = [
    ("SGD", {"momentum": 0.9}),
    ("Adam", {}),
    ("AdamW", {}),
    ("NAdam", {}),
    ("RAdam", {}),
    ("Adamax", {}),
    ("RMSprop", {}),
    ("Adagrad", {}),
    ("Adadelta", {}),
    ("Rprop", {}),
    ("ASGD", {}),
    ("Adafactor", {}),
    ("Muon", {}),
]


def _param(lib: Any, shape: tuple[int, ...] = (2, 2)) -> Any:
    return lib.ones(shape, dtype=lib.float64, requires_grad=True)


def _bits(value: Any) -> Any:
    """A tensor (of either library) as its dtype's name and bytes; a number as itself."""
    if isinstance(value, (ag.Tensor, torch.Tensor)):
        array = np.array(value.detach().numpy())
        return (str(array.dtype), array.tobytes())
    return value


@pytest.mark.parametrize(("name", "options"), OPTIMIZERS, ids=[n for n, _ in OPTIMIZERS])
def test_the_groups_hold_the_very_tensor_given(name, options):
    def facts(lib):
        # A negative tensor lr: PyTorch's message shows its value as a number
        try:
            getattr(lib.optim, name)([_param(lib)], lr=lib.tensor(-0.1), **options)
        except ValueError as error:
            message = str(error).split(". Fix:")[0]
        lr, own = lib.tensor(0.02), lib.tensor(0.5, dtype=lib.float64)
        groups = [{"params": [_param(lib)]}, {"params": [_param(lib)], "lr": own}]
        opt = getattr(lib.optim, name)(groups, lr=lr, **options)
        opt.add_param_group({"params": [_param(lib)]})
        first, second, added = opt.param_groups
        saved = opt.state_dict()["param_groups"]
        return [
            message,
            first["lr"] is lr,
            opt.defaults["lr"] is lr,
            second["lr"] is own,
            added["lr"] is lr,  # a group without an lr shares the default's tensor
            saved[0]["lr"] is lr,  # state_dict() keeps the tensor itself
            saved[1]["lr"] is own,
        ]

    mine = facts(ag)
    assert mine == facts(torch) and all(mine[1:])


SCHEDULERS = {
    "StepLR": lambda lib, o: lib.optim.lr_scheduler.StepLR(o, 2, gamma=0.3),
    "LambdaLR": lambda lib, o: lib.optim.lr_scheduler.LambdaLR(o, lambda e: 0.9**e),
    "MultiplicativeLR": lambda lib, o: lib.optim.lr_scheduler.MultiplicativeLR(o, lambda e: 0.7),
    "MultiStepLR": lambda lib, o: lib.optim.lr_scheduler.MultiStepLR(o, [1, 3]),
    "ConstantLR": lambda lib, o: lib.optim.lr_scheduler.ConstantLR(o, total_iters=2),
    "LinearLR": lambda lib, o: lib.optim.lr_scheduler.LinearLR(o, total_iters=3),
    "ExponentialLR": lambda lib, o: lib.optim.lr_scheduler.ExponentialLR(o, 0.9),
    "PolynomialLR": lambda lib, o: lib.optim.lr_scheduler.PolynomialLR(o, 4, power=1.7),
    "CosineAnnealingLR": lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingLR(o, 3),
    "CosineAnnealingWarmRestarts": lambda lib, o: (
        lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, 3, eta_min=1e-3)
    ),
    "CyclicLR": lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, 0.001, 0.1, step_size_up=2),
    "OneCycleLR": lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, 0.1, total_steps=10),
    "ReduceLROnPlateau": lambda lib, o: lib.optim.lr_scheduler.ReduceLROnPlateau(o, patience=0),
    "SequentialLR": lambda lib, o: lib.optim.lr_scheduler.SequentialLR(
        o,
        [lib.optim.lr_scheduler.ConstantLR(o), lib.optim.lr_scheduler.ExponentialLR(o, 0.9)],
        [2],
    ),
    "ChainedScheduler": lambda lib, o: lib.optim.lr_scheduler.ChainedScheduler(
        [lib.optim.lr_scheduler.ConstantLR(o), lib.optim.lr_scheduler.ExponentialLR(o, 0.9)]
    ),
    "SWALR": lambda lib, o: lib.optim.swa_utils.SWALR(o, 0.05, anneal_epochs=2),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", SCHEDULERS)
def test_schedulers_write_into_the_tensor_in_place(kind, dtype):
    # Two groups share the default's tensor (written once per group, as PyTorch does), a third
    # has its own: after each step, every lr is the tensor given, holding PyTorch's bits (the
    # schedule computed in the tensor's dtype), with PyTorch's version count; what the
    # scheduler keeps (initial_lr, base_lrs, get_last_lr()) are copies, as PyTorch's.
    def run(lib):
        kind_of = getattr(lib, dtype)
        shared, own = lib.tensor(0.01, dtype=kind_of), lib.tensor(0.03, dtype=kind_of)
        groups = [{"params": [_param(lib)]}, {"params": [_param(lib)]}]
        groups.append({"params": [_param(lib)], "lr": own})
        opt = lib.optim.SGD(groups, lr=shared, momentum=0.9)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sched = SCHEDULERS[kind](lib, opt)
            seen = []
            for _ in range(6):
                opt.step()
                sched.step(1.0) if kind == "ReduceLROnPlateau" else sched.step()
                lrs = [group["lr"] for group in opt.param_groups]
                last = sched.get_last_lr()
                seen.append(
                    (
                        [lrs[0] is shared, lrs[1] is shared, lrs[2] is own],
                        [shared._version, own._version],
                        [_bits(lr) for lr in lrs],
                        [(_bits(x), any(x is lr for lr in lrs)) for x in last],
                    )
                )
        kept = [
            (type(group.get("initial_lr")).__name__, _bits(group.get("initial_lr")))
            for group in opt.param_groups
        ]
        bases = getattr(sched, "base_lrs", [])
        return seen, kept, [(_bits(b), b is shared or b is own) for b in bases]

    mine, theirs = run(ag), run(torch)
    assert mine == theirs
    assert all(flags == [True, True, True] for flags, *_ in mine[0])


def test_a_tensor_lr_shared_by_two_optimizers_follows_one_schedule():
    def run(lib):
        lr = lib.tensor(0.1, dtype=lib.float64)
        first = lib.optim.SGD([_param(lib)], lr=lr)
        second = lib.optim.Adam([_param(lib)], lr=lr)
        sched = lib.optim.lr_scheduler.StepLR(first, 1, gamma=0.5)
        values = []
        for _ in range(3):
            first.step()
            sched.step()
            values.append((second.param_groups[0]["lr"] is lr, lr.item(), lr._version))
        lr.fill_(0.25)  # the user's own write reaches both optimizers
        values.append([g["lr"].item() for g in (*first.param_groups, *second.param_groups)])
        return values

    assert run(ag) == run(torch)


@pytest.mark.parametrize(
    ("saved_lr", "current_lr"),
    [("tensor32", "float"), ("float", "tensor64"), ("tensor32", "tensor64")],
)
def test_load_state_dict_takes_a_copy_of_the_saved_lr(saved_lr, current_lr):
    def make(lib, kind, value):
        dtypes = {"tensor32": lib.float32, "tensor64": lib.float64}
        lr = value if kind == "float" else lib.tensor(value, dtype=dtypes[kind])
        return lr, lib.optim.Adam([_param(lib)], lr=lr)

    def run(lib):
        saved, source = make(lib, saved_lr, 0.3)
        sched = lib.optim.lr_scheduler.ExponentialLR(source, 0.5)
        source.step()
        sched.step()
        state = source.state_dict()
        current, target = make(lib, current_lr, 0.1)
        target.load_state_dict(copy.deepcopy(state))
        group = target.param_groups[0]
        facts = [
            _bits(group["lr"]),
            _bits(group["initial_lr"]),
            group["lr"] is current,
            group["lr"] is saved,
            _bits(current),
            _bits(target.defaults["lr"]),
        ]
        # The scheduler's state dict keeps its tensors; another scheduler loads them.
        other = lib.optim.lr_scheduler.ExponentialLR(target, 0.5)
        other.load_state_dict(sched.state_dict())
        facts += [_bits(x) for x in (*other.base_lrs, *other.get_last_lr())]
        target.step()
        other.step()
        facts += [_bits(group["lr"]), group["lr"] is current]
        return facts

    assert run(ag) == run(torch)


def _asgd_run(lib, dtype, foreach, reload, alpha):
    """ASGD's eta and mu (dtype and bytes) and the parameter after each of 12 steps with a
    tensor lr of ``dtype``; with ``reload``, the state is loaded into a new optimizer after 5
    steps (its eta then has the float64 parameter's dtype)."""
    rng = np.random.default_rng(4)
    param = lib.tensor(rng.standard_normal(5), dtype=lib.float64, requires_grad=True)
    lr = lib.tensor(0.0123, dtype=getattr(lib, dtype))
    options = {"lambd": 0.05, "alpha": alpha, "t0": 3.0, "foreach": foreach}
    opt = lib.optim.ASGD([param], lr=lr, **options)
    seen, params = [], []
    for step in range(12):
        if reload and step == 5:
            state = copy.deepcopy(opt.state_dict())
            opt = lib.optim.ASGD([param], lr=lib.tensor(0.5), **options)
            opt.load_state_dict(state)
        param.grad = lib.tensor(rng.standard_normal(5), dtype=lib.float64)
        opt.step()
        state = opt.state[param]
        seen.append((_bits(state["eta"]), _bits(state["mu"])))
        params.append(param.detach().numpy().copy())
    return seen, params


@pytest.mark.parametrize("alpha", [0.75, 2.0, 1.3])
@pytest.mark.parametrize("reload", [False, True], ids=["", "reloaded"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_asgd_eta_follows_a_tensor_lr_bitwise(dtype, reload, alpha):
    # PyTorch computes the next eta from a tensor lr in the lr's dtype and copies it into eta
    # (float32, or the parameter's float64 after load_state_dict): not rounded through a
    # float32 torch.as_tensor as it is for a number lr; foreach=True the same way.
    for foreach in (None, True):
        mine, my_params = _asgd_run(ag, dtype, foreach, reload, alpha)
        theirs, their_params = _asgd_run(torch, dtype, foreach, reload, alpha)
        assert mine == theirs, foreach
        # (the parameter's update itself, the same for a number lr, is PyTorch's to an ulp:
        # its add with alpha may fuse the multiply-add)
        np.testing.assert_allclose(my_params, their_params, rtol=1e-14, atol=0)


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_step_length_is_the_scheduled_tensor_lr(line_search):
    # PyTorch's LBFGS keeps the step length t = lr, the very tensor, in its state: the next
    # step's s = d * t reads the value a scheduler wrote into it since. arraygrad kept the
    # number the step read, so the trajectories parted at the third step.
    def run(lib):
        p = lib.tensor([1.0, -0.5, 2.0], dtype=lib.float64, requires_grad=True)
        lr = lib.tensor(0.3, dtype=lib.float64)
        opt = lib.optim.LBFGS([p], lr=lr, max_iter=3, line_search_fn=line_search)
        scheduler = lib.optim.lr_scheduler.ExponentialLR(opt, 0.7)

        def closure():
            opt.zero_grad()
            loss = (p**4 + p * p).sum()
            loss.backward()
            return loss

        values = []
        for _ in range(4):
            opt.step(closure)
            scheduler.step()
            values.append(p.detach().numpy().copy())
        t = opt.state_dict()["state"][0]["t"]
        return np.array(values), float(t), t is lr

    (mine, mine_t, mine_alias), (theirs, theirs_t, theirs_alias) = map(run, LIBS)
    np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=0)
    assert (mine_t, mine_alias) == (theirs_t, theirs_alias)
