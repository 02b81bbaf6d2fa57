"""Optimizer hooks against torch.optim: step pre/post hooks (per optimizer and global), the
four state-dict hooks, their handles, pickling, and compiled steps with hooks.

Each scenario runs once on torch and once on arraygrad (``lib``), recording every hook call
into a list; the lists and the parameters must be equal."""

from __future__ import annotations

import copy
import importlib
import pickle
import re
import warnings

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad import optim
from tests.optim._steps import batches, model, training_step

LIBS = (torch, ag)


def _shown(value, opt):
    """A hook argument as both libraries can compare it."""
    if value is opt:
        return "OPT"
    if isinstance(value, (torch.Tensor, ag.Tensor)):
        return ("tensor", value.detach().numpy().tolist())
    if isinstance(value, tuple):
        return tuple(_shown(v, opt) for v in value)
    if isinstance(value, dict):
        return {k: _shown(v, opt) for k, v in value.items()}
    if callable(value):
        return "callable"
    return value


def _optimizer_module(lib):
    """``torch.optim.optimizer`` or ``arraygrad.optim.optimizer`` (torch does not import it
    as an attribute of ``torch.optim``)."""
    return importlib.import_module(lib.__name__ + ".optim.optimizer")


def _param(lib, values=(1.0, 2.0)):
    w = lib.tensor(list(values), requires_grad=True)
    w.grad = lib.tensor([0.5] * len(values))
    return w


def _both(scenario):
    results = [scenario(lib) for lib in LIBS]
    assert results[1] == results[0]
    return results[0]


def test_step_hooks_run_in_torchs_order_with_the_call_arguments():
    def scenario(lib):
        log = []
        w = _param(lib)
        opt = lib.optim.SGD([w], lr=0.5)  # (exact steps: no multiply-add to differ in)
        module = _optimizer_module(lib)

        def note(name):
            return lambda o, args, kwargs: log.append(
                (name, _shown(o, opt), _shown(args, opt), kwargs)
            )

        handles = [
            opt.register_step_post_hook(note("post1")),
            opt.register_step_pre_hook(note("pre1")),
            module.register_optimizer_step_post_hook(note("global post")),
            module.register_optimizer_step_pre_hook(note("global pre")),
            opt.register_step_pre_hook(note("pre2")),
            opt.register_step_post_hook(note("post2")),
        ]
        try:
            opt.step()
            opt.step(closure=None)
            opt.step(lambda: log.append("closure"))
            handles[1].remove()
            handles[3].remove()
            opt.step()
        finally:
            for handle in handles:
                handle.remove()
        opt.step()  # no hooks left
        return log, [type(h).__name__ for h in handles], w.detach().numpy().tolist()

    log, kinds, _ = _both(scenario)
    assert log[0][:3] == ("global pre", "OPT", ("OPT",)) and kinds == ["RemovableHandle"] * 6


def test_a_pre_hook_may_replace_the_arguments_and_the_post_hooks_see_them():
    def scenario(lib):
        log = []
        w = _param(lib)

        class Own(lib.optim.Optimizer):
            def __init__(self, params):
                super().__init__(params, {})

            def step(self, x=1, *, y=2):
                log.append(("step", _shown(self, opt), x, y))
                return x * 10 + y

        opt = Own([w])
        opt.register_step_pre_hook(lambda o, args, kwargs: (args + (5,), {"y": kwargs["y"] + 1}))
        opt.register_step_pre_hook(lambda o, args, kwargs: log.append(("pre", _shown(args, opt))))
        opt.register_step_post_hook(
            lambda o, args, kwargs: log.append(("post", _shown(args, opt), kwargs))
        )
        return log, opt.step(y=3)

    assert _both(scenario)[1] == 54


def test_an_overriding_step_that_calls_super_runs_the_hooks_once():
    # torch runs them around the outer call; it runs them around the inner one as well only
    # once an instance of the parent class was made (its step is then patched): arraygrad
    # runs them once, as torch does in this scenario (classes made afresh for each run).
    def scenario(lib):
        log = []
        w = _param(lib)

        class Base(lib.optim.Optimizer):
            def __init__(self, params):
                super().__init__(params, {})

            def step(self, closure=None):
                log.append("base step")

        class Child(Base):
            def step(self, closure=None):
                log.append("child step")
                super().step(closure)

        class Inherits(Base):
            pass

        for kind in (Child, Inherits, lib.optim.LBFGS):
            opt = kind([w])
            opt.register_step_pre_hook(lambda o, a, k: log.append(("pre", len(a))))
            opt.register_step_post_hook(lambda o, a, k: log.append(("post", len(a))))
            opt.step(lambda: lib.tensor(0.0)) if kind is lib.optim.LBFGS else opt.step()
        return log

    _both(scenario)


def _error(run):
    try:
        run()
    except Exception as error:  # (the class is compared)
        return type(error).__name__, re.sub(r" at 0x[0-9a-f]+", "", str(error))
    return None


@pytest.mark.parametrize("returned", [5, (1, 2, 3), [(), {}], "ab"])
def test_a_pre_hook_returning_something_else_raises_torchs_error(returned):
    def scenario(lib):
        opt = lib.optim.SGD([_param(lib)], lr=0.1)
        opt.register_step_pre_hook(lambda o, a, k: returned)
        return _error(opt.step)

    theirs, mine = (scenario(lib) for lib in LIBS)
    # torch's words, then the fix arraygrad adds
    assert theirs[0] == mine[0] == "RuntimeError" and mine[1].startswith(theirs[1])


def test_misuse_raises_torchs_exception_classes():
    def scenario(lib):
        opt = lib.optim.SGD([_param(lib)], lr=0.1)
        errors = [_error(lambda: opt.register_step_pre_hook(print, prepend=True))]
        errors[0] = errors[0][0]  # (the message names the function's qualified name)

        def removes_itself(o, args, kwargs):
            handle.remove()

        handle = opt.register_step_pre_hook(removes_itself)
        opt.register_step_pre_hook(lambda o, a, k: None)
        errors.append(_error(opt.step))  # the table changed while it ran
        bad = lib.optim.SGD([_param(lib)], lr=0.1)
        bad.register_step_post_hook(None)
        errors.append(_error(bad.step)[0])
        return errors

    assert _both(scenario)[0] == "TypeError"


def test_handles_remove_once_and_work_as_context_managers():
    def scenario(lib):
        log = []
        opt = lib.optim.SGD([_param(lib)], lr=0.1)
        with opt.register_step_post_hook(lambda o, a, k: log.append("in")) as handle:
            opt.step()
        opt.step()
        handle.remove()  # a second remove does nothing
        with _optimizer_module(lib).register_optimizer_step_pre_hook(
            lambda o, a, k: log.append("global")
        ):
            opt.step()
        opt.step()
        return log

    assert _both(scenario) == ["in", "global"]


def test_state_dict_hooks_with_prepend_and_returned_dicts():
    def scenario(lib):
        log = []
        w = _param(lib)
        opt = lib.optim.SGD([w], lr=0.1, momentum=0.9)
        opt.step()

        def post(name, replace=False):
            def hook(o, state_dict):
                log.append((name, sorted(state_dict)))
                if replace:
                    return {**state_dict, name: 1}
                return None

            return hook

        opt.register_state_dict_pre_hook(lambda o: log.append("pre a") or 7)
        opt.register_state_dict_pre_hook(lambda o: log.append("pre b"), prepend=True)
        opt.register_state_dict_post_hook(post("post a", replace=True))
        opt.register_state_dict_post_hook(post("post b"), prepend=True)
        opt.register_state_dict_post_hook(post("post c", replace=True))
        saved = opt.state_dict()
        other = lib.optim.SGD([w], lr=0.1)
        other.register_state_dict_post_hook(lambda o, state_dict: 7)
        return log, sorted(saved), other.state_dict()

    _, keys, returned = _both(scenario)
    assert keys == ["param_groups", "post a", "post c", "state"] and returned == 7


def test_load_state_dict_hooks_get_a_copy_and_may_return_the_dict_to_load():
    def scenario(lib):
        log = []
        w = _param(lib)
        source = lib.optim.SGD([w], lr=0.1, momentum=0.9)
        source.step()
        saved = source.state_dict()
        saved["renamed_groups"] = saved.pop("param_groups")  # a foreign format
        opt = lib.optim.SGD([w], lr=0.5, momentum=0.9)

        def convert(o, state_dict):
            log.append(("convert", state_dict is saved, sorted(state_dict)))
            state_dict["param_groups"] = state_dict.pop("renamed_groups")
            state_dict["param_groups"][0]["lr"] = 0.25  # (nested dicts are the caller's)

        def replace(o, state_dict):
            log.append(("replace", sorted(state_dict)))
            return {**state_dict, "state": {}}

        opt.register_load_state_dict_pre_hook(replace)
        opt.register_load_state_dict_pre_hook(convert, prepend=True)
        opt.register_load_state_dict_post_hook(lambda o: log.append(("post", len(o.state))) or 5)
        opt.register_load_state_dict_post_hook(lambda o: log.append("first"), prepend=True)
        result = opt.load_state_dict(saved)
        return log, result, sorted(saved), opt.param_groups[0]["lr"], len(opt.state)

    _both(scenario)


@pytest.mark.parametrize("how", ["pickle", "deepcopy", "copy"])
def test_copies_leave_the_hooks_behind(how):
    log = []

    def note(*args):
        log.append(len(args))

    def scenario(lib):
        log.clear()
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        opt = lib.optim.SGD([w], lr=0.1)
        opt.register_step_pre_hook(note)
        opt.register_state_dict_pre_hook(lambda o: note(o))  # (a lambda does not pickle)
        if how == "pickle":
            twin = pickle.loads(pickle.dumps(opt))
        else:
            twin = getattr(copy, how)(opt)
        twin.step()
        twin.state_dict()
        opt.step()
        opt.state_dict()
        return list(log)

    assert _both(scenario) == [3, 1]


def test_an_optimizer_pickled_before_the_hooks_existed_still_works():
    w = _param(ag)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    state = {k: v for k, v in opt.__dict__.items() if "table" not in k}  # an older pickle
    old = optim.SGD.__new__(optim.SGD)
    old.__setstate__(state)
    log = []
    old.register_step_post_hook(lambda o, a, k: log.append("post"))
    old.register_load_state_dict_post_hook(lambda o: log.append("loaded"))
    old.step()
    old.load_state_dict(old.state_dict())
    assert log == ["post", "loaded"]


# --- arraygrad.compile ---------------------------------------------------------------------


def _ema_run(compiled, *, late=False, counting=False, update="lerp"):
    """A compiled (or eager) training step whose optimizer has an EMA post hook; the losses,
    parameters and EMA copies as bytes, the number of traces and the warnings."""
    params = model()
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    ema = [p.detach().clone() * 0 for p in params]
    calls = 0

    def keep_average(o, args, kwargs):
        nonlocal calls
        with ag.no_grad():
            for average, p in zip(ema, params, strict=True):
                if update == "lerp":
                    average.lerp_(p, 0.1)
                else:
                    average.mul_(0.9).add_(p, alpha=0.1)
        if counting:
            calls += 1

    handle = None if late else opt.register_step_post_hook(keep_average)
    inner = training_step(params, opt)
    run = ag.compile(inner) if compiled else inner
    losses = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for index, x in enumerate(batches(10)):
            if late and index == 4:
                handle = opt.register_step_post_hook(keep_average)
            if late and index == 7:
                handle.remove()
            losses.append(run(x)._data.tobytes())
    as_bytes = [[t._data.tobytes() for t in group] for group in (params, ema)]
    return losses, as_bytes, getattr(run, "traces", None), [str(w.message) for w in caught]


def test_a_compiled_step_replays_a_post_hooks_array_work_with_eagers_bits():
    eager = _ema_run(False)
    compiled = _ema_run(True)
    assert compiled[:2] == eager[:2]
    assert compiled[2] == 2 and compiled[3] == []  # the momentum's first step, then replays


def test_a_hook_registered_or_removed_after_the_trace_makes_it_trace_again():
    eager = _ema_run(False, late=True)
    compiled = _ema_run(True, late=True)
    assert compiled[:2] == eager[:2]
    # a trace with the hook; its removal brings back the program without it
    assert compiled[2] == 3 and compiled[3] == []
    assert not np.array_equal(eager[1][1][0], _ema_run(False)[1][1][0])


def test_a_hook_with_python_state_that_changes_makes_the_step_run_eagerly():
    eager = _ema_run(False, counting=True)
    compiled = _ema_run(True, counting=True)
    assert compiled[:2] == eager[:2]
    assert any("runs eagerly" in m and "'calls' read by the step hook" in m for m in compiled[3])


def test_a_hooks_work_the_replay_cannot_see_runs_eagerly_with_a_warning():
    # (mul_ and add_ on a tensor from outside: compile runs such a step eagerly, hook or not)
    eager = _ema_run(False, update="mul")
    compiled = _ema_run(True, update="mul")
    assert compiled[:2] == eager[:2]
    assert all("runs eagerly" in m for m in compiled[3])
