"""SGD updates in place: no full-size temporary where the math needs none, the same bits as
PyTorch's formula written out on NumPy arrays (torch itself fuses ``add_(g, alpha=-lr)`` into
one multiply-add, so it differs in the last bit; tests/optim compare with it to a tolerance),
p.grad untouched, and steps that arraygrad.compile replays bitwise."""

from __future__ import annotations

import itertools
from functools import partial

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import _backend, optim
from tests.optim._steps import (
    batches,
    losses_without_fallback,
    model,
    peak_of,
    steps_on_numpy_and_strict,
    training_step,
)

KIB = 1024
SLAB_BOUND = _backend.SLAB * 4 + 64 * KIB  # one slab of float32 plus small change

# Every valid combination of SGD's options (Nesterov needs momentum and no dampening).
OPTIONS = [
    {
        "momentum": momentum,
        "dampening": dampening,
        "nesterov": nesterov,
        "weight_decay": weight_decay,
        "maximize": maximize,
    }
    for momentum, dampening, nesterov, weight_decay, maximize in itertools.product(
        [0, 0.9], [0, 0.3], [False, True], [0, 0.01], [False, True]
    )
    if not (nesterov and (momentum == 0 or dampening != 0))
]


def _reference_step(p, g, buf, lr, momentum, dampening, nesterov, weight_decay, maximize):
    """PyTorch's single-tensor SGD, written out on NumPy arrays (new arrays everywhere)."""
    g = -g if maximize else g
    if weight_decay != 0:
        g = g + weight_decay * p
    if momentum != 0:
        buf = g.copy() if buf is None else buf * momentum + (1 - dampening) * g
        g = g + momentum * buf if nesterov else buf
    return p - lr * g, buf


def _temporaries(options):
    """Full-size arrays one step needs beyond p, p.grad and the momentum buffer."""
    return int(options["weight_decay"] != 0 or options["nesterov"])


def test_plain_sgd_step_allocates_no_full_size_array():
    rng = np.random.default_rng(0)
    w = ag.tensor(rng.standard_normal((784, 256)).astype(np.float32), requires_grad=True)
    w.grad = ag.tensor(rng.standard_normal((784, 256)).astype(np.float32))
    for options in ({}, {"maximize": True}):
        opt = optim.SGD([w], lr=0.1, **options)
        opt.step()  # warm: caches of first calls
        peak = peak_of(opt.step)
        assert peak < SLAB_BOUND, (options, peak)  # w is 784 KiB


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_every_option_updates_in_place_bitwise_as_torchs_formula(options, dtype):
    rng = np.random.default_rng(1)
    shape = (470, 300)  # 141,000 elements: two whole slabs and a part
    start = rng.standard_normal(shape).astype(dtype)
    w = ag.tensor(start.copy(), requires_grad=True)
    opt = optim.SGD([w], lr=0.07, **options)
    data = w._data
    expected, buf = start, None
    full = start.nbytes  # 551 KiB of float32, 1.1 MiB of float64
    bound = _backend.SLAB * start.itemsize + 64 * KIB  # one slab, plus small change
    for step in range(4):
        grad = rng.standard_normal(shape).astype(dtype)
        w.grad = ag.tensor(grad.copy())
        grad_array = w.grad._data
        version = w._version
        peak = peak_of(opt.step)
        expected, buf = _reference_step(expected, grad, buf, 0.07, **options)
        assert w._data is data  # written into the parameter's memory
        assert w._version == version + 1
        assert w._data.tobytes() == expected.tobytes()
        assert w.grad._data is grad_array and np.array_equal(grad_array, grad)  # untouched
        if options["momentum"]:
            state = opt.state[w]["momentum_buffer"]
            assert state._data.tobytes() == buf.tobytes()
            if step == 0:
                buffer = state._data
                continue  # the first step makes the buffer
            assert state._data is buffer  # updated in place
        assert peak < _temporaries(options) * full + bound, peak


@pytest.mark.parametrize("options", OPTIONS[::3], ids=str)
def test_every_option_gives_the_same_bits_on_array_api_strict(options):
    pytest.importorskip("array_api_strict")
    expected, got = steps_on_numpy_and_strict(
        lambda params: optim.SGD(params, lr=0.05, **options), steps=3
    )
    assert got == expected


def _state_bytes(params, opt):
    arrays = [p._data for p in params]
    arrays += [opt.state[p]["momentum_buffer"]._data for p in params if p in opt.state]
    return [a.tobytes() for a in arrays]


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"maximize": True, "weight_decay": 0.01},
        {"momentum": 0.9},
        {"momentum": 0.9, "dampening": 0.3, "maximize": True},
        {"momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
    ],
    ids=str,
)
def test_compiled_sgd_step_replays_bitwise_equal_to_eager(options):
    inputs = batches(12)
    runs = []
    for compiled in (False, True):
        params = model()
        opt = optim.SGD(params, lr=0.05, **options)
        step = training_step(params, opt)
        if options.get("momentum"):
            step(inputs[0])  # the first step makes the momentum buffers, eagerly
        if compiled:
            step = ag.compile(step)
        losses = losses_without_fallback(step, inputs[1:])
        if compiled:
            assert step.traces == 1  # every later call replayed
            assert all(p.grad is None for p in params)
        runs.append((losses, _state_bytes(params, opt), [p._version for p in params]))
    assert runs[0] == runs[1]
    assert runs[0][0][-1] != runs[0][0][0]  # it trains


def _changes(case, opt, scheduler, index):
    """What happens to the optimizer before call ``index`` of ``case``."""
    if case == "scheduler":
        scheduler.step()  # lr changes every 2 calls
    elif case == "lr by hand" and index == 3:
        opt.param_groups[0]["lr"] = 0.01
    elif case == "momentum by hand" and index == 2:
        opt.param_groups[0]["momentum"] = 0.5
    elif case == "state cleared" and index == 3:
        opt.state.clear()  # the momentum buffers start again
    elif case == "state loaded" and index == 4:
        opt.load_state_dict(opt.state_dict())  # new buffer tensors, same values


@pytest.mark.parametrize(
    "case",
    [
        "first momentum step",
        "scheduler",
        "lr by hand",
        "momentum by hand",
        "state cleared",
        "state loaded",
    ],
)
def test_compiled_sgd_follows_changes_of_options_and_state(case):
    # A compiled step bakes the options and the state buffers into its program: it must replay
    # only while they are the ones it was traced with, and trace again otherwise (never fall
    # back to eager, never replay stale values). The first step with momentum makes the
    # buffers: it runs eagerly and the next call is traced.
    inputs = batches(7)
    runs = []
    for compiled in (False, True):
        params = model()
        opt = optim.SGD(params, lr=0.05, momentum=0.0 if case == "scheduler" else 0.9)
        scheduler = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
        step = training_step(params, opt)
        if compiled:
            step = ag.compile(step)
        losses = losses_without_fallback(step, inputs, partial(_changes, case, opt, scheduler))
        runs.append((losses, _state_bytes(params, opt), opt.param_groups[0]["lr"]))
        if compiled:
            assert step.programs, case  # it did replay
    assert runs[0] == runs[1], case
