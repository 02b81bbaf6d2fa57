"""Random training schedules run on arraygrad and on PyTorch side by side.

Each case is drawn from a seed: an optimizer with random options and param groups (sometimes a
tensor lr), a random scheduler or composition of schedulers, and a random sequence of events
(optimizer and scheduler steps, ``zero_grad``, parameters left without a gradient,
``add_param_group``, state dicts saved and loaded into fresh objects, or into the other
library's scheduler, schedulers built with ``last_epoch != -1``). Both libraries get the same
initial parameters and the same gradients (drawn from a NumPy generator); after every event
the parameters, every param group's options, ``get_last_lr()``, the optimizer's state, the
warnings and the exception raised (its class) must agree.

Where torch 2.13 is wrong, the case stops: ``SGD(momentum=..., fused=True)`` raises TypeError
("expected Tensor as element 1 in argument 2, but got NoneType") at a step where a parameter
gets its first gradient after others already have a momentum buffer (a parameter left without
a gradient at an earlier step); the same step without ``fused`` computes, and so does
arraygrad's fused SGD, the same update (seeds 20699, 20881). ``RMSprop`` raises KeyError
('momentum_buffer') at a step with a momentum where its earlier steps had none (``CyclicLR``'s
``cycle_momentum`` sets one); arraygrad starts the buffer at zero then (seed 22091).

And torch's ``SGD(nesterov=True, foreach=True)`` without weight decay or ``maximize`` writes
``grad + momentum * buf`` into each ``.grad`` (its ``foreach=False`` leaves them, as the
documented algorithm does, and as arraygrad does), so that a later step on kept gradients
differs (seed 22914): torch's gradients are put back after each of its steps.

``python tests/optim/test_schedule_random.py FIRST COUNT`` runs more seeds than the test does.
"""

from __future__ import annotations

import copy
import math
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

import arraygrad as ag

LIBS = (ag, torch)
SEEDS = list(range(60))

# Optimizers and the options drawn for them (each entry: option -> a function of the generator)
Draw = Callable[[np.random.Generator], Any]


def _pick(*values: Any) -> Draw:
    return lambda rng: values[int(rng.integers(len(values)))]


def _uniform(low: float, high: float) -> Draw:
    return lambda rng: float(rng.uniform(low, high))


def _betas(rng: np.random.Generator) -> tuple[float, float]:
    return (float(rng.uniform(0.5, 0.95)), float(rng.uniform(0.9, 0.999)))


_WD = _pick(0.0, 0.0, 0.01, 0.1)
_MAX = _pick(False, False, True)
_FOREACH = _pick(None, None, False, True)
OPTIONS: dict[str, dict[str, Draw]] = {
    "SGD": {
        "momentum": _pick(0.0, 0.5, 0.9),
        "dampening": _pick(0.0, 0.0, 0.3),
        "nesterov": _pick(False, True),
        "weight_decay": _WD,
        "maximize": _MAX,
        "foreach": _FOREACH,
        "fused": _pick(None, None, False, True),
    },
    "Adam": {
        "betas": _betas,
        "eps": _pick(1e-8, 1e-3),
        "weight_decay": _WD,
        "amsgrad": _pick(False, True),
        "maximize": _MAX,
        "foreach": _FOREACH,
        "fused": _pick(None, None, False, True),
        "decoupled_weight_decay": _pick(False, False, True),
    },
    "AdamW": {
        "betas": _betas,
        "weight_decay": _pick(0.0, 0.01, 0.1),
        "amsgrad": _pick(False, True),
        "maximize": _MAX,
        "foreach": _FOREACH,
        "fused": _pick(None, None, False, True),
    },
    "NAdam": {
        "betas": _betas,
        "weight_decay": _WD,
        "momentum_decay": _pick(4e-3, 1e-2),
        "decoupled_weight_decay": _pick(False, True),
        "maximize": _MAX,
        "foreach": _FOREACH,
    },
    "RAdam": {
        "betas": _betas,
        "weight_decay": _WD,
        "decoupled_weight_decay": _pick(False, True),
        "maximize": _MAX,
        "foreach": _FOREACH,
    },
    "Adamax": {"betas": _betas, "weight_decay": _WD, "maximize": _MAX, "foreach": _FOREACH},
    "RMSprop": {
        "alpha": _pick(0.99, 0.9),
        "eps": _pick(1e-8, 1e-2),
        "weight_decay": _WD,
        "momentum": _pick(0.0, 0.0, 0.5),
        "centered": _pick(False, True),
        "maximize": _MAX,
        "foreach": _FOREACH,
    },
    "Adagrad": {
        "lr_decay": _pick(0.0, 0.0, 0.1),
        "weight_decay": _WD,
        "initial_accumulator_value": _pick(0.0, 0.1),
        "eps": _pick(1e-10, 1e-3),
        "maximize": _MAX,
        "foreach": _FOREACH,
        "fused": _pick(None, None, False, True),
    },
    "Adadelta": {
        "rho": _pick(0.9, 0.5),
        "eps": _pick(1e-6, 1e-3),
        "weight_decay": _WD,
        "maximize": _MAX,
        "foreach": _FOREACH,
    },
    "Rprop": {
        "etas": _pick((0.5, 1.2), (0.3, 1.5)),
        "step_sizes": _pick((1e-6, 50.0), (1e-3, 0.5)),
        "maximize": _MAX,
        "foreach": _FOREACH,
    },
    "ASGD": {
        "lambd": _pick(1e-4, 1e-2),
        "alpha": _pick(0.75, 0.5),
        "t0": _pick(1e6, 3.0),
        "weight_decay": _WD,
        "maximize": _MAX,
        # (PyTorch's foreach eta is a float32 chain whose pow is off by an ulp at times:
        # test_asgd_foreach_eta checks it)
        "foreach": _pick(None, False),
    },
    "Adafactor": {
        "beta2_decay": _pick(-0.8, -0.5),
        "d": _pick(1.0, 2.0),
        "weight_decay": _pick(0.0, 0.01),
        "maximize": _MAX,
        "foreach": _pick(None, False),
    },
}
# Options a second group may set differently from the optimizer's defaults
GROUP_OPTIONS = ("lr", "weight_decay", "momentum", "betas", "maximize", "eps", "alpha", "rho")
# Optimizers whose groups have a momentum or a first beta, which the cyclic schedules move
MOMENTUM = {"SGD", "Adam", "AdamW", "NAdam", "RAdam", "Adamax", "RMSprop"}

SIMPLE = (
    "StepLR",
    "MultiStepLR",
    "ConstantLR",
    "LinearLR",
    "ExponentialLR",
    "PolynomialLR",
    "CosineAnnealingLR",
    "LambdaLR",
    "MultiplicativeLR",
)
KINDS = (
    *SIMPLE,
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "OneCycleLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "ChainedScheduler",
    "None",
)


def _lambda(index: int) -> Callable[[int], float]:
    # Plain functions of the epoch (the state dicts keep None for them, in both libraries)
    if index == 0:
        return lambda epoch: 0.95**epoch
    if index == 1:
        return lambda epoch: 1.0 / (epoch + 1)
    return lambda epoch: 0.9 if epoch % 3 == 0 else 1.0


def draw_scheduler(rng: np.random.Generator, groups: int, optimizer: str, depth: int = 0):
    """A scheduler as plain data: (kind, keyword arguments), inner ones for the compositions."""
    kinds = SIMPLE if depth else KINDS
    kind = kinds[int(rng.integers(len(kinds)))]
    r = rng.uniform
    if kind == "StepLR":
        return kind, {"step_size": int(rng.integers(1, 5)), "gamma": float(r(0.1, 0.9))}
    if kind == "MultiStepLR":
        milestones = sorted(int(m) for m in rng.integers(1, 12, size=int(rng.integers(1, 4))))
        return kind, {"milestones": milestones, "gamma": float(r(0.1, 0.9))}
    if kind == "ConstantLR":
        return kind, {"factor": float(r(0.1, 1.0)), "total_iters": int(rng.integers(0, 6))}
    if kind == "LinearLR":
        return kind, {
            "start_factor": float(r(0.1, 1.0)),
            "end_factor": float(r(0.0, 1.0)),
            "total_iters": int(rng.integers(1, 8)),
        }
    if kind == "ExponentialLR":
        return kind, {"gamma": float(r(0.5, 1.0))}
    if kind == "PolynomialLR":
        return kind, {"total_iters": int(rng.integers(1, 10)), "power": float(r(0.5, 3.0))}
    if kind == "CosineAnnealingLR":
        return kind, {"T_max": int(rng.integers(1, 10)), "eta_min": float(_pick(0.0, 1e-3)(rng))}
    if kind in ("LambdaLR", "MultiplicativeLR"):
        if rng.random() < 0.5:
            return kind, {"lr_lambda": int(rng.integers(3))}
        return kind, {"lr_lambda": [int(i) for i in rng.integers(3, size=groups)]}
    if kind == "CosineAnnealingWarmRestarts":
        return kind, {
            "T_0": int(rng.integers(1, 5)),
            "T_mult": int(rng.integers(1, 3)),
            "eta_min": float(_pick(0.0, 1e-3)(rng)),
        }
    if kind == "CyclicLR":
        kwargs: dict[str, Any] = {
            "base_lr": float(r(1e-3, 1e-2)),
            "max_lr": [float(r(0.02, 0.2)) for _ in range(groups)]
            if rng.random() < 0.4
            else float(r(0.02, 0.2)),
            "step_size_up": int(rng.integers(1, 6)),
            "step_size_down": _pick(None, 2, 3)(rng),
            "mode": _pick("triangular", "triangular2", "exp_range")(rng),
            "gamma": float(r(0.8, 1.0)),
            "cycle_momentum": bool(optimizer in MOMENTUM and rng.random() < 0.7),
        }
        if kwargs["cycle_momentum"] and rng.random() < 0.5:
            kwargs["base_momentum"] = 0.7
            kwargs["max_momentum"] = 0.85
        return kind, kwargs
    if kind == "OneCycleLR":
        kwargs = {
            "max_lr": float(r(0.05, 0.5)),
            "pct_start": float(r(0.1, 0.6)),
            "anneal_strategy": _pick("cos", "linear")(rng),
            "cycle_momentum": bool(optimizer in MOMENTUM and rng.random() < 0.7),
            "div_factor": _pick(25.0, 5.0)(rng),
            "final_div_factor": _pick(1e4, 10.0)(rng),
            "three_phase": bool(rng.random() < 0.4),
        }
        if rng.random() < 0.5:
            kwargs["total_steps"] = int(rng.integers(5, 30))
        else:
            kwargs["epochs"] = int(rng.integers(1, 5))
            kwargs["steps_per_epoch"] = int(rng.integers(2, 8))
        return kind, kwargs
    if kind == "ReduceLROnPlateau":
        min_lr: Any = float(_pick(0.0, 1e-3)(rng))
        if rng.random() < 0.3:
            min_lr = [float(_pick(0.0, 1e-3, 5e-3)(rng)) for _ in range(groups)]
        return kind, {
            "mode": _pick("min", "max")(rng),
            "factor": float(r(0.1, 0.9)),
            "patience": int(rng.integers(0, 4)),
            "threshold": float(_pick(1e-4, 0.05, 0.0)(rng)),
            "threshold_mode": _pick("rel", "abs")(rng),
            "cooldown": int(rng.integers(0, 3)),
            "min_lr": min_lr,
            "eps": float(_pick(1e-8, 1e-3)(rng)),
        }
    if kind == "SequentialLR":
        count = int(rng.integers(1, 4))
        inner = [draw_scheduler(rng, groups, optimizer, depth + 1) for _ in range(count)]
        milestones = sorted(int(m) for m in rng.integers(1, 10, size=count - 1))
        return kind, {"schedulers": inner, "milestones": milestones}
    if kind == "ChainedScheduler":
        count = int(rng.integers(1, 4))
        return kind, {
            "schedulers": [draw_scheduler(rng, groups, optimizer, depth + 1) for _ in range(count)]
        }
    return "None", {}


def build_scheduler(lib: Any, opt: Any, spec: tuple[str, dict[str, Any]], last_epoch: int = -1):
    kind, kwargs = spec
    if kind == "None":
        return None
    schedulers = lib.optim.lr_scheduler
    kwargs = dict(kwargs)
    if kind in ("SequentialLR", "ChainedScheduler"):
        kwargs["schedulers"] = [build_scheduler(lib, opt, inner) for inner in kwargs["schedulers"]]
        if kind == "ChainedScheduler":
            return schedulers.ChainedScheduler(kwargs["schedulers"], optimizer=opt)
        return schedulers.SequentialLR(opt, last_epoch=last_epoch, **kwargs)
    if kind in ("LambdaLR", "MultiplicativeLR"):
        fns = kwargs["lr_lambda"]
        kwargs["lr_lambda"] = [_lambda(i) for i in fns] if isinstance(fns, list) else _lambda(fns)
    if kind == "ReduceLROnPlateau":
        return schedulers.ReduceLROnPlateau(opt, **kwargs)
    return getattr(schedulers, kind)(opt, last_epoch=last_epoch, **kwargs)


@dataclass
class Case:
    """One drawn schedule, as plain data: both libraries build their objects from it."""

    optimizer: str
    defaults: dict[str, Any]
    tensor_lr: str | None  # the dtype of a tensor lr, or None for a float lr
    shapes: list[list[tuple[int, ...]]]  # the parameters' shapes, group by group
    group_options: list[dict[str, Any]]
    scheduler: tuple[str, dict[str, Any]]
    events: list[tuple[Any, ...]] = field(default_factory=list)


def draw_case(seed: int) -> Case:
    rng = np.random.default_rng(seed)
    names = list(OPTIONS)
    name = names[int(rng.integers(len(names)))]
    defaults = {"lr": float(_pick(0.1, 0.01, 0.05)(rng))}
    for option, draw in OPTIONS[name].items():
        if rng.random() < 0.6:
            defaults[option] = draw(rng)
    tensor_lr = _pick(None, None, None, "float64")(rng)
    groups = int(rng.integers(1, 4))
    shapes = [
        [_pick((3,), (2, 2), (), (1, 3))(rng) for _ in range(int(rng.integers(1, 3)))]
        for _ in range(groups)
    ]
    group_options = [draw_group_options(rng, name) for _ in range(groups)]
    if tensor_lr is not None:
        # Each group its own lr tensor, each group's schedule its own (groups sharing the
        # default's tensor, which a scheduler writes once per group: test_tensor_lr.py)
        for options in group_options:
            options.setdefault("lr", defaults["lr"])
    scheduler = draw_scheduler(rng, groups, name)
    case = Case(name, defaults, tensor_lr, shapes, group_options, scheduler)
    kind = scheduler[0]
    for _ in range(int(rng.integers(5, 40))):
        u = rng.random()
        if u < 0.4:
            # which parameters get a new gradient, keep theirs, or lose it
            case.events.append(("step", int(rng.integers(1 << 30))))
        elif u < 0.65:
            if kind == "ReduceLROnPlateau":
                metric = float(_pick(1.0, 0.9, 0.9, 0.95, 1.1, 0.5)(rng))
                case.events.append(("sched", metric))
            elif kind == "CosineAnnealingWarmRestarts" and rng.random() < 0.5:
                case.events.append(("sched", float(rng.integers(0, 12)) + float(rng.random())))
            else:
                case.events.append(("sched", None))
        elif u < 0.72:
            case.events.append(("zero_grad", bool(rng.random() < 0.5)))
        elif u < 0.76:
            options = draw_group_options(rng, name)
            if tensor_lr is not None:
                options.setdefault("lr", defaults["lr"])
            case.events.append(("add_group", _pick((3,), (2, 2))(rng), options))
        elif u < 0.86:
            case.events.append(
                ("reload", _pick("fresh", "fresh", "cross")(rng), bool(rng.random() < 0.5))
            )
        elif u < 0.9:
            case.events.append(("resume", int(rng.integers(0, 6))))
        elif u < 0.93 and kind not in ("ReduceLROnPlateau", "CosineAnnealingWarmRestarts", "None"):
            case.events.append(("sched_epoch", int(rng.integers(0, 10))))
        else:
            case.events.append(("last_lr",))
    return case


def draw_group_options(rng: np.random.Generator, name: str) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if rng.random() < 0.5:
        return options
    for option in GROUP_OPTIONS:
        if option in OPTIONS[name] and rng.random() < 0.4:
            options[option] = OPTIONS[name][option](rng)
    if rng.random() < 0.5:
        options["lr"] = float(_pick(0.2, 0.03)(rng))
    return options


class Side:
    """One library's objects for a case."""

    def __init__(self, lib: Any, case: Case) -> None:
        self.lib = lib
        self.case = case
        gen = np.random.default_rng(12345)
        self.groups: list[list[Any]] = []
        for shapes in case.shapes:
            group = []
            for shape in shapes:
                value = gen.standard_normal(shape)
                group.append(lib.tensor(value, dtype=lib.float64, requires_grad=True))
            self.groups.append(group)
        self.added: list[dict[str, Any]] = []  # the add_param_group calls, for rebuilding
        self.opt: Any = None
        self.sched: Any = None

    def lr(self, value: float) -> Any:
        if self.case.tensor_lr is None:
            return value
        return self.lib.tensor(value, dtype=getattr(self.lib, self.case.tensor_lr))

    def specs(self) -> list[dict[str, Any]]:
        specs = []
        for params, options in zip(self.groups, self.case.group_options, strict=True):
            spec = {"params": params, **options}
            if "lr" in spec:
                spec["lr"] = self.lr(spec["lr"])
            specs.append(spec)
        return specs

    def build_optimizer(self) -> Any:
        defaults = dict(self.case.defaults)
        defaults["lr"] = self.lr(defaults["lr"])
        opt = getattr(self.lib.optim, self.case.optimizer)(self.specs(), **defaults)
        for spec in self.added:
            opt.add_param_group(self.added_spec(spec))
        return opt

    def added_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        spec = dict(spec)
        if "lr" in spec:
            spec["lr"] = self.lr(spec["lr"])
        return spec

    def params(self) -> list[Any]:
        if self.opt is None:
            return [p for group in self.groups for p in group]
        return [p for group in self.opt.param_groups for p in group["params"]]


def plain(value: Any) -> Any:
    """A value of either library as comparable plain data (tensors as NumPy arrays)."""
    if isinstance(value, (ag.Tensor, torch.Tensor)):
        return np.array(value.detach().numpy())
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def same(a: Any, b: Any, where: str, exact: bool = True) -> None:
    """``a`` (arraygrad's) and ``b`` (torch's) agree: numbers exactly (both libraries compute a
    schedule in Python floats in the same order), arrays within ``rtol=1e-12`` unless
    ``exact``."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape, (where, a, b)
        if exact:
            np.testing.assert_array_equal(a, b, err_msg=where)
        else:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=where)
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), (where, a, b)
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]", exact)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), (where, sorted(a), sorted(b))
        for key in a:
            same(a[key], b[key], f"{where}[{key!r}]", exact)
    elif isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        assert math.isnan(b), (where, a, b)
    else:
        assert a == b and type(a) is type(b), (where, a, b)


def compare(sides: tuple[Side, Side], where: str) -> None:
    mine, theirs = sides
    for i, (p, q) in enumerate(zip(mine.params(), theirs.params(), strict=True)):
        same(plain(p), plain(q), f"{where}: param {i}", exact=False)
        assert (p.grad is None) == (q.grad is None), f"{where}: grad {i} None"
    if mine.opt is None or theirs.opt is None:
        assert mine.opt is None and theirs.opt is None, where
        return
    groups = [
        [plain({k: v for k, v in g.items() if k != "params"}) for g in side.opt.param_groups]
        for side in sides
    ]
    same(groups[0], groups[1], f"{where}: param_groups", exact=False)
    for i, (p, q) in enumerate(zip(mine.params(), theirs.params(), strict=True)):
        same(plain(dict(mine.opt.state.get(p, {}))), plain(dict(theirs.opt.state.get(q, {}))),
             f"{where}: state of param {i}", exact=False)  # fmt: skip
    if (mine.sched is None) != (theirs.sched is None):
        raise AssertionError(f"{where}: one scheduler missing")
    if mine.sched is not None and hasattr(theirs.sched, "_last_lr"):
        same(plain(mine.sched.get_last_lr()), plain(theirs.sched.get_last_lr()),
             f"{where}: get_last_lr()", exact=False)  # fmt: skip


def has_tensor(value: Any) -> bool:
    if isinstance(value, (ag.Tensor, torch.Tensor)):
        return True
    if isinstance(value, (list, tuple)):
        return any(has_tensor(v) for v in value)
    if isinstance(value, dict):
        return any(has_tensor(v) for v in value.values())
    return False


def apply(side: Side, event: tuple[Any, ...], grads: list[Any], loaded: Any) -> None:
    """Run ``event`` on one library (``grads``: the drawn gradients, None to clear one, or
    "keep"; ``loaded``: the state dicts a reload loads)."""
    lib, kind = side.lib, event[0]
    if kind == "build":
        side.opt = side.build_optimizer()
        side.sched = build_scheduler(lib, side.opt, side.case.scheduler)
    elif kind == "step":
        for p, g in zip(side.params(), grads, strict=True):
            if g is None:
                p.grad = None
            elif not isinstance(g, str):
                p.grad = lib.tensor(g, dtype=lib.float64)
        # (torch's foreach nesterov SGD writes into the gradients: put back, see the docstring)
        kept = [None if p.grad is None else p.grad.clone() for p in side.params()]
        side.opt.step()
        for p, grad in zip(side.params(), kept, strict=True):
            if lib is torch and grad is not None and p.grad is not None:
                p.grad.copy_(grad)
    elif kind == "sched":
        if side.sched is not None:
            if event[1] is None:
                side.sched.step()
            else:
                side.sched.step(event[1])
    elif kind == "sched_epoch":
        if side.sched is not None:
            side.sched.step(event[1])
    elif kind == "zero_grad":
        side.opt.zero_grad(set_to_none=event[1])
    elif kind == "add_group":
        gen = np.random.default_rng(len(side.added))
        param = lib.tensor(gen.standard_normal(event[1]), dtype=lib.float64, requires_grad=True)
        spec = {"params": [param], **event[2]}
        side.added.append(spec)
        side.opt.add_param_group(side.added_spec(spec))
    elif kind == "reload":
        opt_state, sched_state = loaded
        opt = side.build_optimizer()
        if event[2]:
            opt.load_state_dict(opt_state)
        sched = build_scheduler(lib, opt, side.case.scheduler)
        if not event[2]:
            opt.load_state_dict(opt_state)
        if sched is not None:
            sched.load_state_dict(sched_state)
        side.opt, side.sched = opt, sched
    elif kind == "resume":
        # A new scheduler taking over from epoch event[1] (each group's initial_lr is kept)
        if side.case.scheduler[0] != "ReduceLROnPlateau":
            side.sched = build_scheduler(lib, side.opt, side.case.scheduler, event[1])
    elif kind == "last_lr" and side.sched is not None:
        side.sched.get_last_lr()


def _torch_refusal(case: Case, error: Exception | None) -> bool:
    """Whether ``error`` is torch's TypeError of a fused SGD step over momentum buffers of
    which some are not made yet, or its KeyError of a momentum buffer RMSprop did not make
    (see the module's docstring)."""
    fused = (
        case.optimizer == "SGD"
        and bool(case.defaults.get("fused"))
        and isinstance(error, TypeError)
        and "but got NoneType" in str(error)
    )
    return fused or (isinstance(error, KeyError) and error.args == ("momentum_buffer",))


def run_case(seed: int) -> None:
    case = draw_case(seed)
    sides = (Side(ag, case), Side(torch, case))
    gen = np.random.default_rng(seed + 1000)
    for index, event in enumerate([("build",), *case.events]):
        where = f"seed {seed}, event {index} {event}"
        grads: list[Any] = []
        if event[0] == "step":
            for p in sides[1].params():
                u = gen.random()
                grads.append(
                    None if u < 0.15 else "keep" if u < 0.25 else gen.standard_normal(p.shape)
                )
        loaded: list[Any] = [None, None]
        if event[0] == "reload":
            states = [
                (copy.deepcopy(s.opt.state_dict()),
                 None if s.sched is None else copy.deepcopy(s.sched.state_dict()))
                for s in sides
            ]  # fmt: skip
            loaded = [states[0], states[1]]
            if event[1] == "cross" and not any(has_tensor(s[1]) for s in states):
                # each library's scheduler loads the other's state dict (plain data)
                loaded = [(states[0][0], states[1][1]), (states[1][0], states[0][1])]
        outcomes = []
        for side, state in zip(sides, loaded, strict=True):
            with warnings.catch_warnings(record=True) as seen:
                warnings.simplefilter("always")
                try:
                    apply(side, event, grads, state)
                    error = None
                except Exception as exc:  # compared between the libraries
                    error = exc
            outcomes.append((error, [(w.category, str(w.message)[:30]) for w in seen]))
        (mine, mine_warned), (theirs, theirs_warned) = outcomes
        if mine is None and _torch_refusal(case, theirs):
            return  # torch's step fails where it should compute (see the docstring)
        assert type(mine) is type(theirs), f"{where}: {mine!r} vs {theirs!r}"
        assert mine_warned == theirs_warned, f"{where}: {mine_warned} vs {theirs_warned}"
        if mine is not None and event[0] == "build":
            return
        compare(sides, where)


def test_random_schedules() -> None:
    for seed in SEEDS:
        run_case(seed)


if __name__ == "__main__":
    first, count = int(sys.argv[1]), int(sys.argv[2])
    failures = 0
    for seed in range(first, first + count):
        try:
            run_case(seed)
        except Exception as exc:  # report and go on
            failures += 1
            print(f"{type(exc).__name__}: {str(exc)[:600]}")
    print(f"{failures} of {count} failed")
