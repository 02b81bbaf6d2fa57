"""arraygrad.compile: replayed steps equal eager ones bit for bit, retrace on new signatures and
on changed captured state, and fall back to eager (with a warning) on what cannot be replayed."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import arraygrad as ag


def _seed_setup() -> tuple[ag.Tensor, ag.Tensor, ag.Tensor]:
    x = ag.tensor([1.0, 2.0, 3.0, 4.0])
    y = ag.tensor([2.0, 4.0, 6.0, 8.0])
    w = ag.tensor(0.0, requires_grad=True)
    return x, y, w


def _seed_epoch(w: ag.Tensor):
    def epoch(x: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
        loss = ((w * x - y) ** 2).mean()
        loss.backward()
        with ag.no_grad():
            w.sub_(0.01 * w.grad)
        w.grad.zero_()
        return loss

    return epoch


def _run(step, args, n):
    return [step(*args)._data.copy() for _ in range(n)]


def test_seed_loop_compiled_equals_eager_bitwise():
    x, y, w_eager = _seed_setup()
    eager = _run(_seed_epoch(w_eager), (x, y), 100)
    x, y, w_comp = _seed_setup()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback may happen here
        compiled = ag.compile(_seed_epoch(w_comp))
        replayed = _run(compiled, (x, y), 100)
    assert all(np.array_equal(a, b) for a, b in zip(eager, replayed, strict=True))
    assert np.array_equal(w_eager._data, w_comp._data)
    assert np.array_equal(w_eager.grad._data, w_comp.grad._data)
    # Traced for .grad absent, then present; every later epoch is a replay.
    assert compiled.traces == 2
    assert abs(w_comp.item() - 2.0) < 1e-3


def _mlp(seed: int = 0):
    rng = np.random.default_rng(seed)
    x = ag.tensor(rng.standard_normal((16, 8)).astype(np.float32))
    onehot = ag.tensor(np.eye(3, dtype=np.float32)[rng.integers(0, 3, 16)])
    params = [
        ag.tensor(rng.standard_normal((8, 5)).astype(np.float32) / 3, requires_grad=True),
        ag.tensor(np.zeros(5, np.float32), requires_grad=True),
        ag.tensor(rng.standard_normal((5, 3)).astype(np.float32) / 2, requires_grad=True),
        ag.tensor(np.zeros(3, np.float32), requires_grad=True),
    ]
    w1, b1, w2, b2 = params

    def step(inputs: ag.Tensor, targets: ag.Tensor) -> ag.Tensor:
        hidden = (inputs @ w1 + b1).relu()
        logits = hidden @ w2 + b2
        log_probs = logits - ag.log(ag.exp(logits).sum(dim=1, keepdim=True))
        loss = -(log_probs * targets).sum() / inputs.shape[0]
        loss.backward()
        with ag.no_grad():
            for p in params:
                p -= 0.5 * p.grad
                p.grad = None
        return loss

    return step, (x, onehot), params


def test_mlp_compiled_equals_eager_bitwise():
    step, args, params_eager = _mlp()
    eager = _run(step, args, 20)
    step, args, params_comp = _mlp()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiled = ag.compile(step)
        replayed = _run(compiled, args, 20)
    assert compiled.traces == 1
    assert all(np.array_equal(a, b) for a, b in zip(eager, replayed, strict=True))
    for pe, pc in zip(params_eager, params_comp, strict=True):
        assert np.array_equal(pe._data, pc._data)
        assert pc.grad is None
    assert replayed[-1] < replayed[0]  # it trains


def test_cnn_compiled_equals_eager_bitwise():
    functional = pytest.importorskip("arraygrad.nn.functional")
    if not all(hasattr(functional, n) for n in ("conv2d", "max_pool2d", "cross_entropy")):
        pytest.skip("arraygrad.nn.functional has no conv2d / max_pool2d / cross_entropy yet")
    rng = np.random.default_rng(3)

    def make():
        x = ag.tensor(rng.standard_normal((4, 1, 8, 8)).astype(np.float32))
        labels = ag.tensor(np.array([0, 1, 2, 1]))
        k = ag.tensor(rng.standard_normal((3, 1, 3, 3)).astype(np.float32) / 3, requires_grad=True)
        w = ag.tensor(rng.standard_normal((27, 3)).astype(np.float32) / 5, requires_grad=True)
        params = [k, w]

        def step(inputs, targets):
            h = functional.max_pool2d(functional.conv2d(inputs, k).relu(), 2)
            loss = functional.cross_entropy(h.reshape(h.shape[0], -1) @ w, targets)
            loss.backward()
            with ag.no_grad():
                for p in params:
                    p -= 0.1 * p.grad
                    p.grad = None
            return loss

        return step, (x, labels), params

    state = rng.bit_generator.state
    step, args, params_eager = make()
    eager = _run(step, args, 6)
    rng.bit_generator.state = state
    step, args, params_comp = make()
    compiled = ag.compile(step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        replayed = _run(compiled, args, 6)
    # Either replayed, or (where nn computes on raw arrays) refused with a warning: never wrong.
    assert bool(compiled.programs) != bool(caught)
    assert all(np.array_equal(a, b) for a, b in zip(eager, replayed, strict=True))
    for pe, pc in zip(params_eager, params_comp, strict=True):
        assert np.array_equal(pe._data, pc._data)


def test_retraces_when_input_shape_changes():
    w = ag.tensor(1.5, requires_grad=True)

    def step(x):
        loss = (w * x).sum()
        loss.backward()
        with ag.no_grad():
            w.sub_(0.1 * w.grad)
        w.grad = None
        return loss

    compiled = ag.compile(step)
    short, long = ag.tensor([1.0, 2.0]), ag.tensor([1.0, 2.0, 3.0])
    compiled(short)
    compiled(short)
    assert compiled.traces == 1
    out = compiled(long)
    assert compiled.traces == 2
    assert out.shape == ()
    compiled(short)
    compiled(long)
    assert compiled.traces == 2
    # 1.5 - 0.1 * (3 + 3 + 6 + 3 + 6): every replay applied its own update.
    assert w.item() == pytest.approx(1.5 - 0.1 * 21)


def test_retraces_when_a_captured_tensor_changes():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    holder = {"w": w}

    def step(x):
        loss = (holder["w"] * x).sum()
        loss.backward()
        return loss

    compiled = ag.compile(step)
    x = ag.tensor(3.0)
    compiled(x)
    compiled(x)  # .grad now exists: traced again for accumulation
    compiled(x)
    assert compiled.traces == 2
    assert w.grad.tolist() == [9.0, 9.0]
    w.grad = ag.zeros(2)  # a different .grad object: the guard fails
    compiled(x)
    assert compiled.traces == 3
    assert w.grad.tolist() == [3.0, 3.0]


def test_falls_back_to_eager_on_data_dependent_control_flow():
    w = ag.tensor(2.0, requires_grad=True)

    def step(x):
        loss = (w * x).sum()
        if loss.item() > 0:  # data-dependent Python control flow
            loss = loss * 2
        loss.backward()
        return loss

    compiled = ag.compile(step)
    x = ag.tensor([1.0, -3.0])
    with pytest.warns(RuntimeWarning, match=r"runs eagerly.*\.item\(\)"):
        first = compiled(x)
    assert first.item() == -4.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once; later calls are silently eager
        second = compiled(-x)
    assert second.item() == 8.0  # the other branch: eager, not a stale replay
    assert w.grad.item() == pytest.approx(-2.0 + 4.0)
    assert not compiled.programs


@pytest.mark.parametrize(
    "probe",
    [lambda t: bool(t.sum()), lambda t: t.tolist(), lambda t: t.detach().numpy()],
    ids=["bool", "tolist", "numpy"],
)
def test_falls_back_when_values_are_read_into_python(probe):
    def step(x):
        y = x * 2
        probe(y)
        return y

    compiled = ag.compile(step)
    with pytest.warns(RuntimeWarning, match="runs eagerly"):
        out = compiled(ag.tensor([1.0, 2.0]))
    assert out.tolist() == [2.0, 4.0]


def test_tracing_hooks_are_off_outside_compile():
    from arraygrad import _backend

    assert _backend.tracer is None
    compiled = ag.compile(lambda x: x * 2)
    compiled(ag.tensor([1.0]))
    assert _backend.tracer is None
    assert _backend.xp is _backend.get_backend()
