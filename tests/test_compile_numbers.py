"""arraygrad.compile on float16 and bfloat16 steps that take Python numbers: a number PyTorch
rounds to the tensor's dtype first (``alpha`` of ``add`` and ``sub``, a bfloat16 tensor's ``+``
and ``-`` operand) is rounded on the host, a constant of the program, or by a step of the
program where it is an optimizer's lr read anew on every replay (and ``nan_to_num``'s numbers
are constants of ops on the input): the steps replay with eager's bits, never falling back to
eager code."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import arraygrad as ag

REDUCED = [ag.float16, ag.bfloat16]


@contextlib.contextmanager
def _no_fallback() -> Iterator[None]:
    """Compile's warnings (a fallback to eager code, a give-up on retracing) as errors; NumPy's
    float warnings of float16 arithmetic left as they are."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"arraygrad\.compile")
        yield


def _forward_alpha(x: ag.Tensor, w: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
    return (x.add(w, alpha=0.5).sub(y, alpha=0.3) ** 2).sum()


def _forward_numbers(x: ag.Tensor, w: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
    return ((0.3 - x * w) / 3.0 + 0.7 - y + 0.1 * w).abs().sum()


def _forward_rsub(x: ag.Tensor, w: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
    return ag.rsub(x * w, 0.3, alpha=0.7).add(y, alpha=2).sum()


def _update_alpha(w: ag.Tensor) -> None:
    w.add_(w.grad, alpha=-0.1)


def _update_numbers(w: ag.Tensor) -> None:
    w.sub_(w.grad * 0.1 + 0.01)


def _forward_nan_to_num(x: ag.Tensor, w: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
    # (its replacements were raw arrays made from the input's values: a fallback to eager)
    return ag.nan_to_num(x / w.abs().round(), nan=0.5, posinf=2.0).add(y, alpha=0.5).sum()


FORWARDS = {
    "alpha": _forward_alpha,
    "numbers": _forward_numbers,
    "rsub": _forward_rsub,
    "nan_to_num": _forward_nan_to_num,
}
UPDATES = {"alpha": _update_alpha, "numbers": _update_numbers}


def _inputs(dtype: ag.dtype) -> tuple[ag.Tensor, ag.Tensor, ag.Tensor]:
    rng = np.random.default_rng(3)
    w = ag.tensor(rng.standard_normal((4, 3)), dtype=dtype, requires_grad=True)
    x = ag.tensor(rng.standard_normal((4, 3)), dtype=dtype)
    y = ag.tensor(rng.standard_normal((4, 3)), dtype=dtype)
    return w, x, y


def _bytes(*tensors: ag.Tensor) -> list[bytes]:
    return [t._data.tobytes() for t in tensors]


@pytest.mark.parametrize("update", UPDATES)
@pytest.mark.parametrize("forward", FORWARDS)
@pytest.mark.parametrize("dtype", REDUCED, ids=str)
def test_reduced_float_steps_with_numbers_replay_eager_bits(
    dtype: ag.dtype, forward: str, update: str
) -> None:
    # alpha and a bfloat16 tensor's + and - operand were rounded to the dtype through an array
    # and item(): a read of a value, so compile ran the whole step eagerly, with a warning.
    runs = []
    for compiled in (False, True):
        w, x, y = _inputs(dtype)

        def step(x: ag.Tensor, y: ag.Tensor, w: ag.Tensor = w) -> ag.Tensor:
            loss = FORWARDS[forward](x, w, y)
            loss.backward()
            with ag.no_grad():
                UPDATES[update](w)
            w.grad = None
            return loss

        run = ag.compile(step) if compiled else step
        with _no_fallback():
            losses = [_bytes(run(x * k, y)) for k in (1.0, 0.5, -2.0, 0.25)]
        if compiled:
            assert run.traces == 1 and run.programs
        runs.append((losses, _bytes(w)))
    assert runs[0] == runs[1]


@pytest.mark.parametrize("name", ["SGD", "Adam"])
@pytest.mark.parametrize("dtype", REDUCED, ids=str)
def test_reduced_float_optimizer_steps_with_numbers_replay_eager_bits(
    dtype: ag.dtype, name: str
) -> None:
    runs = []
    for compiled in (False, True):
        w, x, _ = _inputs(dtype)
        options: dict[str, Any] = {"momentum": 0.9} if name == "SGD" else {"eps": 1e-3}
        opt = getattr(ag.optim, name)([w], lr=0.05, **options)

        def step(x: ag.Tensor, w: ag.Tensor = w, opt: Any = opt) -> ag.Tensor:
            loss = (x.sub(w, alpha=0.5) - 0.25).pow(2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss

        run = ag.compile(step) if compiled else step
        with _no_fallback():
            losses = [_bytes(run(x * k)) for k in (1.0, 0.5, -2.0, 0.25, 3.0)]
        if compiled:
            assert run.traces <= 2 and run.programs  # (traced for .grad absent, then present)
        runs.append((losses, _bytes(w, *opt.state[w].values())))
    assert runs[0] == runs[1]


HAND_WRITTEN: dict[str, Callable[[ag.Tensor, Any], None]] = {
    "add_ alpha=-lr": lambda w, lr: w.add_(w.grad, alpha=-lr),
    "sub_ alpha=lr": lambda w, lr: w.sub_(w.grad, alpha=lr),
    "sub_ lr": lambda w, lr: w.sub_(lr),
}


@pytest.mark.parametrize("update", HAND_WRITTEN)
@pytest.mark.parametrize("dtype", REDUCED, ids=str)
def test_a_scheduled_lr_rounded_to_a_reduced_float_is_read_anew(dtype: ag.dtype, update: str):
    # The lr a schedule changes on every call, rounded to the parameter's dtype, is a step of
    # the program, as arithmetic on it is: it was turned into a constant (a trace per call,
    # then eager code) or, for a bfloat16 tensor's operand, read into NumPy (eager code).
    runs = []
    for compiled in (False, True):
        w, x, _ = _inputs(dtype)
        opt = ag.optim.SGD([w], lr=0.1)
        schedule = ag.optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1 / (epoch + 1))

        def step(x: ag.Tensor, w: ag.Tensor = w, opt: Any = opt) -> ag.Tensor:
            loss = ((x * w) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            with ag.no_grad():
                HAND_WRITTEN[update](w, opt.param_groups[0]["lr"])
            return loss

        run = ag.compile(step) if compiled else step
        losses = []
        with _no_fallback():
            for _ in range(6):
                losses.append(run(x)._data.tobytes())
                schedule.step()
        if compiled:
            assert run.traces <= 2 and run.programs
        runs.append((losses, _bytes(w)))
    assert runs[0] == runs[1]
    assert len(set(runs[0][0])) > 1  # it trains
