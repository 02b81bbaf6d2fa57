"""Adam, AdamW, RMSprop and Adagrad update in place: one temporary of the parameter's size (two
with L2 weight decay), the same bits as PyTorch's formulas written out on NumPy arrays with the
step-dependent numbers computed on Python floats, p.grad untouched, and steps that
arraygrad.compile replays bitwise (the step count is read from the step tensor on each replay).
tests/optim/test_optimizers.py compares the trajectories with torch itself."""

from __future__ import annotations

import itertools

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


def _lerp(start, end, weight):
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def _adam(p, g, state, lr, betas, weight_decay, amsgrad, maximize, decoupled, eps=1e-8):
    """PyTorch's single-tensor Adam on NumPy arrays (new arrays everywhere)."""
    beta1, beta2 = betas
    if not state:
        state.update(step=0.0, m=np.zeros_like(p), v=np.zeros_like(p), vmax=np.zeros_like(p))
    g = -g if maximize else g
    state["step"] += 1
    step = state["step"]
    if weight_decay != 0:
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
    state["m"] = _lerp(state["m"], g, 1 - beta1)
    state["v"] = state["v"] * beta2 + (1 - beta2) * g * g
    step_size = lr / (1 - beta1**step)  # Python floats, as PyTorch's eager path
    bias_correction2_sqrt = (1 - beta2**step) ** 0.5
    second = state["v"]
    if amsgrad:
        second = state["vmax"] = np.maximum(state["vmax"], state["v"])
    denom = np.sqrt(second) / bias_correction2_sqrt + eps
    return p + (-step_size) * state["m"] / denom


def _rmsprop(p, g, state, lr, alpha, weight_decay, momentum, centered, maximize, eps=1e-8):
    """PyTorch's single-tensor RMSprop on NumPy arrays."""
    if not state:
        state.update(v=np.zeros_like(p), gavg=np.zeros_like(p), buf=np.zeros_like(p))
    g = -g if maximize else g
    if weight_decay != 0:
        g = g + weight_decay * p
    state["v"] = state["v"] * alpha + (1 - alpha) * g * g
    if centered:
        state["gavg"] = _lerp(state["gavg"], g, 1 - alpha)
        avg = np.sqrt(state["v"] - state["gavg"] * state["gavg"]) + eps
    else:
        avg = np.sqrt(state["v"]) + eps
    if momentum > 0:
        state["buf"] = state["buf"] * momentum + g / avg
        return p - lr * state["buf"]
    return p + (-lr) * g / avg  # addcdiv's order: the scaled gradient is divided


def _adagrad(p, g, state, lr, lr_decay, weight_decay, initial, maximize, eps=1e-10):
    """PyTorch's single-tensor Adagrad on NumPy arrays."""
    if not state:
        state.update(step=0.0, sum=np.full_like(p, initial))
    state["step"] += 1
    g = -g if maximize else g
    if weight_decay != 0:
        g = g + weight_decay * p
    clr = lr / (1 + (state["step"] - 1) * lr_decay)
    state["sum"] = state["sum"] + g * g
    return p + (-clr) * g / (np.sqrt(state["sum"]) + eps)  # addcdiv's order, as Adam's


def _named(keys, values):
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]


# Every combination of each optimizer's options, with betas/alpha on both sides of the lerp
# kernel's switch (weight 1 - beta below and above 0.5).
CASES = (
    [
        ("Adam", o)
        for o in _named(
            ["betas", "weight_decay", "amsgrad", "maximize", "decoupled_weight_decay"],
            [[(0.9, 0.999), (0.3, 0.6)], [0, 0.05], [False, True], [False, True], [False, True]],
        )
    ]
    + [
        ("AdamW", o)
        for o in _named(["weight_decay", "amsgrad", "maximize"], [[0, 0.05], *[[False, True]] * 2])
    ]
    + [
        ("RMSprop", o)
        for o in _named(
            ["alpha", "weight_decay", "momentum", "centered", "maximize"],
            [[0.99, 0.3], [0, 0.05], [0, 0.9], [False, True], [False, True]],
        )
    ]
    + [
        ("Adagrad", o)
        for o in _named(
            ["lr_decay", "weight_decay", "initial_accumulator_value", "maximize"],
            [[0, 0.01], [0, 0.05], [0, 0.1], [False, True]],
        )
    ]
)


def _reference(name, options, lr):
    """A step function ``(p, g) -> new p`` with its own state, and that state."""
    state: dict = {}
    if name in ("Adam", "AdamW"):
        kwargs = {
            "betas": options.get("betas", (0.9, 0.999)),
            "weight_decay": options["weight_decay"],
            "amsgrad": options["amsgrad"],
            "maximize": options["maximize"],
            "decoupled": name == "AdamW" or options.get("decoupled_weight_decay", False),
        }
        return (lambda p, g: _adam(p, g, state, lr, **kwargs)), state
    if name == "RMSprop":
        return (lambda p, g: _rmsprop(p, g, state, lr, **options)), state
    kwargs = {**options, "initial": options["initial_accumulator_value"]}
    del kwargs["initial_accumulator_value"]
    return (lambda p, g: _adagrad(p, g, state, lr, **kwargs)), state


# The reference's state entries by the optimizer's names.
STATE_NAMES = {
    "exp_avg": "m",
    "exp_avg_sq": "v",
    "max_exp_avg_sq": "vmax",
    "square_avg": "v",
    "grad_avg": "gavg",
    "momentum_buffer": "buf",
    "sum": "sum",
}


def _temporaries(name, options):
    """Full-size arrays one step needs beyond p, p.grad and the state: the scratch array, the
    decayed gradient g + λθ, and a negated gradient where the lerp kernel reads -g twice."""
    if name in ("Adam", "AdamW"):
        coupled = options["weight_decay"] != 0 and not (
            name == "AdamW" or options["decoupled_weight_decay"]
        )
        beta1 = options.get("betas", (0.9, 0.999))[0]
        return 1 + coupled + (options["maximize"] and beta1 <= 0.5 and not coupled)
    decayed = options["weight_decay"] != 0
    if name == "RMSprop":
        lerp_twice = options["centered"] and options["alpha"] <= 0.5
        return 1 + decayed + (options["maximize"] and lerp_twice and not decayed)
    return 1 + decayed


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "options"), CASES, ids=str)
def test_every_option_updates_in_place_bitwise_as_torchs_formula(name, options, dtype):
    rng = np.random.default_rng(1)
    shape = (470, 300)  # 141,000 elements: two whole slabs and a part
    start = rng.standard_normal(shape).astype(dtype)
    w = ag.tensor(start.copy(), requires_grad=True)
    lr = 0.03
    opt = getattr(optim, name)([w], lr=lr, **options)
    reference, reference_state = _reference(name, options, lr)
    data = w._data
    expected = start
    full = start.nbytes
    bound = _temporaries(name, options) * full + _backend.SLAB * start.itemsize + 64 * KIB
    arrays = None
    for step in range(4):
        grad = rng.standard_normal(shape).astype(dtype)
        w.grad = ag.tensor(grad.copy())
        grad_array = w.grad._data
        version = w._version
        peak = peak_of(opt.step)
        expected = reference(expected, grad)
        assert w._data is data  # written into the parameter's memory
        assert w._version == version + 1
        assert w._data.tobytes() == expected.tobytes(), step
        assert w.grad._data is grad_array and np.array_equal(grad_array, grad)  # untouched
        state = opt.state[w]
        assert float(state["step"]) == step + 1
        for key, value in state.items():
            if key != "step":
                assert value._data.tobytes() == reference_state[STATE_NAMES[key]].tobytes(), key
        if step == 0:  # the first step makes the state (Adagrad's is made with the optimizer)
            arrays = {key: value._data for key, value in state.items()}
            versions = {key: value._version for key, value in state.items()}
            continue
        assert {key: value._data for key, value in state.items()} == arrays  # updated in place
        assert all(state[key]._version == versions[key] + step for key in state)
        assert peak < bound, (peak, bound)


@pytest.mark.parametrize("name", ["Adam", "AdamW", "RMSprop", "Adagrad"])
@pytest.mark.parametrize("maximize", [False, True])
def test_a_784_by_256_float32_step_allocates_one_parameter_and_one_slab(name, maximize):
    rng = np.random.default_rng(0)
    w = ag.tensor(rng.standard_normal((784, 256)).astype(np.float32), requires_grad=True)
    w.grad = ag.tensor(rng.standard_normal((784, 256)).astype(np.float32))
    extra = {"weight_decay": 0} if name == "AdamW" else {}  # decoupled decay needs no array
    opt = getattr(optim, name)([w], lr=0.01, maximize=maximize, **extra)
    opt.step()  # makes the state
    opt.step()  # warm: caches of first calls
    peak = peak_of(opt.step)
    # w is 784 KiB: the scratch array plus one slab of 256 KiB (the old update made 3-4 of w)
    assert peak < 784 * KIB + _backend.SLAB * 4 + 64 * KIB, peak


def test_long_runs_keep_the_bits_of_pythons_float_power():
    # The bias corrections 1 - beta ** t are computed on Python floats, as PyTorch's eager Adam
    # does: NumPy's float64 power differs from C's pow in the last bit for some t on AVX-512
    # machines, enough to change sqrt(1 - 0.999 ** t) at t = 7, 23, 26, ... (and
    # 1 - 0.99 ** t at t = 3, 22, ...), which 60 steps reach.
    rng = np.random.default_rng(3)
    start = rng.standard_normal(7)
    for name, options in [
        ("Adam", {"betas": (0.9, 0.999), "weight_decay": 0, "amsgrad": False}),
        ("Adam", {"betas": (0.99, 0.99), "weight_decay": 0, "amsgrad": False}),
        ("AdamW", {"weight_decay": 0.01, "amsgrad": False}),
        ("Adagrad", {"lr_decay": 0.3, "weight_decay": 0, "initial_accumulator_value": 0}),
    ]:
        options = {**options, "maximize": False}
        w = ag.tensor(start.copy(), requires_grad=True)
        opt = getattr(optim, name)([w], lr=0.01, **options)
        reference, _ = _reference(name, options, 0.01)
        expected = start
        for _ in range(60):
            grad = rng.standard_normal(7)
            w.grad = ag.tensor(grad)
            opt.step()
            expected = reference(expected, grad)
        assert w._data.tobytes() == expected.tobytes(), name
    value = _backend.scalar_from(lambda t, beta: 1 - beta**t, np.float32, np.asarray(12.0), 0.9)
    assert value.shape == () and value.dtype == np.float32
    assert value.tobytes() == np.float32(1 - 0.9**12.0).tobytes()


@pytest.mark.parametrize(("name", "options"), CASES[::7], ids=str)
def test_every_option_gives_the_same_bits_on_array_api_strict(name, options):
    pytest.importorskip("array_api_strict")
    expected, got = steps_on_numpy_and_strict(
        lambda params: getattr(optim, name)(params, lr=0.05, **options), steps=3
    )
    assert got == expected


COMPILED = [
    ("Adam", {}),
    ("Adam", {"amsgrad": True, "weight_decay": 0.01, "maximize": True}),
    ("Adam", {"betas": (0.3, 0.6), "maximize": True}),
    ("AdamW", {"weight_decay": 0.1}),
    ("AdamW", {"amsgrad": True, "maximize": True}),
    ("RMSprop", {}),
    ("RMSprop", {"centered": True, "momentum": 0.9, "maximize": True}),
    ("RMSprop", {"alpha": 0.3, "weight_decay": 0.01, "momentum": 0.5}),
    ("Adagrad", {}),
    ("Adagrad", {"lr_decay": 0.1, "weight_decay": 0.01, "maximize": True}),
]


@pytest.mark.parametrize("change", ["none", "lr by hand", "scheduler"])
@pytest.mark.parametrize(("name", "options"), COMPILED, ids=str)
def test_compiled_step_replays_bitwise_equal_to_eager(name, options, change):
    # The bias corrections and Adagrad's decayed lr depend on the step count: a replay that
    # baked in the traced step's value would drift from eager from the next call on.
    inputs = batches(9)
    runs = []
    for compiled in (False, True):
        params = model()
        opt = getattr(optim, name)(params, lr=0.01, **options)
        scheduler = optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
        step = training_step(params, opt)
        if compiled:
            step = ag.compile(step)

        def before(index, opt=opt, scheduler=scheduler):
            if change == "lr by hand" and index == 5:
                opt.param_groups[0]["lr"] = 0.003
            elif change == "scheduler":
                scheduler.step()

        losses = losses_without_fallback(step, inputs, before)
        state = [v._data.tobytes() for p in params for v in opt.state[p].values()]
        versions = [v._version for p in params for v in (p, *opt.state[p].values())]
        runs.append((losses, [p._data.tobytes() for p in params], state, versions))
        if compiled:
            assert not step.eager
            assert all(p.grad is None for p in params)
            # The first step makes the state and runs eagerly (Adagrad's exists already); the
            # next trace reads the lr anew on each replay, whatever its value.
            assert step.traces == 1 + (name != "Adagrad" or change != "none")
    assert runs[0] == runs[1]
    assert runs[0][0][-1] != runs[0][0][0]  # it trains
