"""Running a learning-rate scheduler on arraygrad and on PyTorch the same way, and comparing
what they give exactly; shared by the scheduler tests."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

import torch

import arraygrad as ag

LIBS = (ag, torch)


def optimizer(lib: Any, kind: str = "SGD", groups: int = 2) -> Any:
    """An optimizer of ``kind`` with ``groups`` param groups (the second with its own lr)."""
    specs = [{"params": [lib.zeros(2, requires_grad=True)]}]
    if groups == 2:
        specs.append({"params": [lib.zeros(3, requires_grad=True)], "lr": 0.05})
    if kind == "SGD":
        return lib.optim.SGD(specs, lr=0.1, momentum=0.9)
    if kind == "Adam":
        return lib.optim.Adam(specs, lr=0.1, betas=(0.9, 0.99))
    return getattr(lib.optim, kind)(specs, lr=0.1)


def fit(kwargs: dict[str, Any], groups: int) -> dict[str, Any]:
    """``kwargs`` with every per-group list cut to ``groups`` entries."""
    return {k: v[:groups] if isinstance(v, list) else v for k, v in kwargs.items()}


def momenta(opt: Any) -> list[Any]:
    return [group.get("momentum", group.get("betas")) for group in opt.param_groups]


def trace(opt: Any, sched: Any, steps: int, step: Callable[[Any, int], None] | None = None):
    """The lrs (``get_last_lr()``) and momenta after building and after each of ``steps``
    steps; ``step(sched, i)`` replaces ``sched.step()``."""
    lrs, moms = [sched.get_last_lr()], [momenta(opt)]
    for i in range(steps):
        opt.step()
        if step is None:
            sched.step()
        else:
            step(sched, i)
        lrs.append(sched.get_last_lr())
        moms.append(momenta(opt))
    return lrs, moms


def same(a: Any, b: Any) -> None:
    """``a`` and ``b`` are the same floats (``==`` and the same type), element for element:
    both libraries compute a schedule with Python floats, in the same order of operations."""
    if isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), (a, b)
        for x, y in zip(a, b, strict=True):
            same(x, y)
    else:
        assert type(a) is type(b) and a == b, (a, b)


def resumed(build: Callable[[Any, Any], Any], kind: str, before: int, after: int):
    """On each library: the lrs of ``after`` steps following ``before`` steps, run straight
    through, and run by a scheduler and optimizer rebuilt from their state dicts (the
    optimizer's loaded after the scheduler is built, as PyTorch asks)."""
    out = []
    for lib in LIBS:
        opt = optimizer(lib, kind)
        sched = build(lib, opt)
        trace(opt, sched, before)
        saved = copy.deepcopy(sched.state_dict())
        saved_opt = copy.deepcopy(opt.state_dict())
        straight = trace(opt, sched, after)
        opt2 = optimizer(lib, kind)
        sched2 = build(lib, opt2)
        opt2.load_state_dict(saved_opt)
        sched2.load_state_dict(saved)
        again = trace(opt2, sched2, after)
        out.append((straight, again))
    return out


def caught(run: Callable[[Any], None]) -> list[list[tuple[type, str]]]:
    """For each library, the warnings ``run(lib)`` gives: (category, the message's start)."""
    out = []
    for lib in LIBS:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            run(lib)
        out.append([(w.category, str(w.message)[:60]) for w in seen])
    return out
