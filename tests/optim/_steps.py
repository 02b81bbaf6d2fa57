"""A small model, its compiled-or-eager training step and inputs, shared by the in-place
optimizer tests."""

from __future__ import annotations

import tracemalloc
import warnings
from collections.abc import Callable

import numpy as np

import arraygrad as ag
from tests.oracle import strict_backend


def model(seed: int = 0) -> list[ag.Tensor]:
    """Weights of an 8-40-3 ReLU network."""
    rng = np.random.default_rng(seed)
    return [
        ag.tensor(rng.standard_normal((8, 40)).astype(np.float32) / 3, requires_grad=True),
        ag.tensor(np.zeros(40, np.float32), requires_grad=True),
        ag.tensor(rng.standard_normal((40, 3)).astype(np.float32) / 5, requires_grad=True),
    ]


def training_step(params, opt):
    """One step: forward, backward, ``opt.step()``, ``opt.zero_grad()``; returns the loss."""
    w1, b1, w2 = params

    def step(x):
        loss = (((x @ w1 + b1).relu() @ w2) ** 2).mean()
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss

    return step


def batches(n: int) -> list[ag.Tensor]:
    """``n`` batches of 16 inputs."""
    rng = np.random.default_rng(7)
    return [ag.tensor(rng.standard_normal((16, 8)).astype(np.float32)) for _ in range(n)]


def losses_without_fallback(step, inputs, before: Callable[[int], None] | None = None):
    """The loss bytes of ``step`` on each of ``inputs``, with every warning (a compiled step's
    fallback to eager) raised as an error; ``before(index)`` runs before each call but the
    first (changing the optimizer between calls)."""
    losses = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback to eager
        for index, x in enumerate(inputs):
            if index and before is not None:
                before(index)
            losses.append(step(x)._data.tobytes())
    return losses


def large_parameter() -> ag.Tensor:
    """A parameter of more than 65,536 elements: the optimizers' in-place helpers work on it in
    slabs, through a cached 0-d array of the lr (``_backend.scalar_operand``)."""
    data = np.random.default_rng(3).standard_normal((300, 300)).astype(np.float32) / 300
    return ag.tensor(data, requires_grad=True)


def run_steps(make_opt, compiled, calls=12, between=None, large=False, step_of=training_step):
    """Losses, parameters and state (bytes) of ``calls`` steps, eager or compiled, with
    ``between(opt, index)`` run after each; the compiled function's traces and warnings."""
    params = model()
    extra = [large_parameter()] if large else []
    opt = make_opt(params + extra)
    inner = step_of(params, opt)

    def step(x):
        if extra:
            (extra[0] * extra[0]).sum().backward()
        return inner(x)

    run = ag.compile(step) if compiled else step
    losses = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for index, x in enumerate(batches(calls)):
            losses.append(run(x)._data.tobytes())
            if between is not None:
                between(opt, index)
    state = [
        value._data.tobytes()
        for p in params + extra
        for value in opt.state[p].values()
        if isinstance(value, ag.Tensor)
    ]
    result = losses, [p._data.tobytes() for p in params + extra], state
    return result, getattr(run, "traces", None), [str(w.message) for w in caught]


def peak_of(fn: Callable[[], object]) -> int:
    """The peak of memory traced while ``fn()`` runs, in bytes."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def steps_on_numpy_and_strict(make_optimizer, steps: int) -> tuple[object, object]:
    """A 4x3 parameter stepped ``steps`` times with seeded gradients by the optimizer
    ``make_optimizer([w])``, on NumPy and then on ``array_api_strict``: the parameter's and
    the state's values after each run, as lists, for the two to be compared."""
    rng = np.random.default_rng(2)
    start = rng.standard_normal((4, 3))
    grads = [rng.standard_normal((4, 3)) for _ in range(steps)]

    def run():
        w = ag.tensor(start, requires_grad=True)
        opt = make_optimizer([w])
        for grad in grads:
            w.grad = ag.tensor(grad)
            opt.step()
        return w.tolist(), [value.tolist() for value in opt.state[w].values()]

    expected = run()
    with strict_backend():
        return expected, run()


def step_scheduler(opt, index):
    """``between`` for :func:`run_steps`: step the LR scheduler kept on the optimizer."""
    opt.scheduler.step()


def eager_and_compiled(make_opt, between=step_scheduler, **options):
    """:func:`run_steps` eager and compiled: both runs' results, the compiled one's traces and
    warnings."""
    eager, _, _ = run_steps(make_opt, False, between=between, **options)
    compiled, traces, caught = run_steps(make_opt, True, between=between, **options)
    return eager, compiled, traces, caught
