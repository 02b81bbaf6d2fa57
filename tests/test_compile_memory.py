"""Where compiled programs keep their arrays: large temporaries that never leave a call are
computed into buffers the program keeps between calls, never shared by calls running at once,
and everything stays bit-equal to eager code."""

from __future__ import annotations

import gc
import threading
import tracemalloc
import weakref

import numpy as np

import arraygrad as ag
from arraygrad._compile_memory import SCRATCH_BYTES


def _body(compiled) -> str:
    (program,) = next(iter(compiled.programs.values()))
    return program.source.split("return MISS\n")[-1]


def _regression(rows: int):
    rng = np.random.default_rng(3)
    x = ag.tensor(rng.standard_normal((rows, 4)).astype(np.float32))
    y = ag.tensor(rng.standard_normal((rows, 1)).astype(np.float32))
    w = ag.tensor(rng.standard_normal((4, 1)).astype(np.float32), requires_grad=True)
    b = ag.zeros(1, requires_grad=True)

    def step():
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        with ag.no_grad():
            w.sub_(0.01 * w.grad)
            b.sub_(0.01 * b.grad)
        w.grad = None
        b.grad = None
        return loss

    return step, w, b


def test_large_temporaries_are_computed_into_kept_buffers():
    rows = SCRATCH_BYTES // 4 + 1000  # the residual and its square just pass the threshold
    eager_step, eager_w, eager_b = _regression(rows)
    step, w, b = _regression(rows)
    compiled = ag.compile(step)
    for _ in range(3):
        expected = eager_step()._data
        assert compiled()._data.tobytes() == expected.tobytes()
        assert w._data.tobytes() == eager_w._data.tobytes()
        assert b._data.tobytes() == eager_b._data.tobytes()
    body = _body(compiled)
    assert "out=B[0]" in body and "out=B[1]" in body, body  # x @ w, and the square
    tracemalloc.start()
    try:
        compiled()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < SCRATCH_BYTES // 2, peak  # no large array made: eager makes several
    assert compiled.traces == 1


def test_small_and_escaping_temporaries_get_no_kept_buffer():
    small = ag.compile(lambda x: (x * 2.0) * 3.0)
    small(ag.ones(100))
    small(ag.ones(100))
    assert "B[" not in _body(small)

    # A large result leaves the call: each call returns an array of its own.
    doubled = ag.compile(lambda x: x * 2.0)
    first_input = ag.ones(SCRATCH_BYTES // 4 + 1)
    doubled(first_input)
    first = doubled(first_input)
    second = doubled(first_input * 5.0)
    assert "B[" not in _body(doubled)
    assert first._data is not second._data
    assert float(first[0]) == 2.0 and float(second[0]) == 10.0


def test_calls_running_at_once_never_share_kept_buffers():
    def fn(x):
        return ((x * 3.0) ** 2).sum()

    compiled = ag.compile(fn)
    rows = SCRATCH_BYTES // 4 + 10
    inputs = [ag.full((rows,), float(i % 7) / 7.0) for i in range(12)]
    expected = [fn(x)._data.tobytes() for x in inputs]
    compiled(inputs[0])
    compiled(inputs[0])
    assert "out=B[0]" in _body(compiled)
    results: dict[int, bytes] = {}
    start = threading.Barrier(2)

    def worker(indices: range) -> None:
        for index in indices:
            start.wait()  # both threads call at once, every time
            results[index] = compiled(inputs[index])._data.tobytes()

    threads = [threading.Thread(target=worker, args=(range(k, 12, 2),)) for k in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[i] for i in range(12)] == expected
    assert compiled.traces == 1


def test_a_long_replay_frees_its_temporaries_as_eager_code_does() -> None:
    # A straight-line replay kept every temporary until it returned: a 300-step buffer loop
    # (each backward step makes arrays of the buffer's size) held ~70 MB where eager holds
    # well under 1 MB. Each array variable is now deleted after its last use.
    w = ag.tensor(np.linspace(-0.3, 0.6, 64, dtype=np.float32), requires_grad=True)

    def step() -> ag.Tensor:
        h = ag.zeros(301, 64)
        for t in range(1, 301):
            h[t] = (h[t - 1] * 0.5 + w).tanh()
        h.sum().backward()
        grad = w.grad
        w.grad = None
        return grad

    compiled = ag.compile(step)
    expected = step().numpy()
    assert np.array_equal(compiled().numpy(), expected)  # the trace
    peaks = []
    for run in (step, compiled):
        tracemalloc.start()
        try:
            got = run()
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        assert np.array_equal(got.numpy(), expected)
    assert peaks[1] < 2 * peaks[0] + 1_000_000, peaks


def test_a_dropped_model_and_compiled_step_are_freed() -> None:
    # dtype's tables, built during the last trace, kept its recording namespace and through it
    # the tracer, with every module and tensor it met, until the next dtype lookup outside it.
    def train() -> tuple[weakref.ref, weakref.ref, weakref.ref]:
        model = ag.nn.Sequential(ag.nn.Linear(4, 3), ag.nn.ReLU(), ag.nn.Linear(3, 1))
        opt = ag.optim.SGD(model.parameters(), lr=0.1)
        x, y = ag.ones(5, 4), ag.zeros(5, 1)

        def step(x: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            opt.step()
            return loss

        compiled = ag.compile(step)
        for _ in range(3):
            compiled(x, y)
        assert compiled.traces == 2
        return weakref.ref(model), weakref.ref(opt), weakref.ref(compiled)

    refs = train()
    gc.collect()
    assert [ref() for ref in refs] == [None, None, None]
