"""NAdam, RAdam and Adamax against torch.optim and against PyTorch's single-tensor formulas.

PyTorch's CPU kernels on an FMA machine fuse some multiply-adds (``lerp_``, ``addcmul_``,
``add(alpha=)``) and its ``sqrt`` is not always correctly rounded, so arraygrad, which follows
the formulas of PyTorch's source without fusing (NumPy's ops, IEEE ``sqrt``), equals torch itself
bit for bit where those operations are exact: the comparisons with torch use such values (lerp
weights and weight decays that are powers of two, second moments that are perfect squares).
The comparisons with the formulas written out on NumPy arrays use any values.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad import _backend, optim
from tests.optim._steps import peak_of, steps_on_numpy_and_strict

KIB = 1024


def _named(keys, values):
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]


def _lerp(start, end, weight):
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


# --- PyTorch's single-tensor updates on NumPy arrays (new arrays everywhere) -----------------


def _nadam(p, g, state, lr, betas, weight_decay, momentum_decay, decoupled, maximize):
    beta1, beta2 = betas
    if not state:
        state.update(step=0.0, mu_product=np.float32(1.0), m=np.zeros_like(p), v=np.zeros_like(p))
    g = -g if maximize else g
    state["step"] += 1
    step = state["step"]
    if weight_decay != 0:
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
    mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
    state["mu_product"] = state["mu_product"] * np.float32(mu)  # float32: the step's dtype
    state["m"] = _lerp(state["m"], g, 1 - beta1)
    state["v"] = state["v"] * beta2 + (1 - beta2) * g * g
    denom = np.sqrt(state["v"] / (1 - beta2**step)) + 1e-8
    product = float(state["mu_product"])
    p = p + (-lr * (1.0 - mu) / (1.0 - product)) * g / denom
    return p + ((-lr * mu_next) / (1.0 - product * mu_next)) * state["m"] / denom


def _radam(p, g, state, lr, betas, weight_decay, decoupled, maximize):
    beta1, beta2 = betas
    if not state:
        state.update(step=0.0, m=np.zeros_like(p), v=np.zeros_like(p))
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
    bias_correction2 = 1 - beta2**step
    corrected = state["m"] / (1 - beta1**step)
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
    if rho_t <= 5.0:
        return p - corrected * lr
    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
    adaptive = (1 / (np.sqrt(state["v"]) + 1e-8)) * bias_correction2**0.5  # Tensor.__rtruediv__
    return p - corrected * lr * adaptive * rect


def _adamax(p, g, state, lr, betas, weight_decay, maximize):
    beta1, beta2 = betas
    if not state:
        state.update(step=0.0, m=np.zeros_like(p), u=np.zeros_like(p))
    g = -g if maximize else g
    state["step"] += 1
    if weight_decay != 0:
        g = g + weight_decay * p
    state["m"] = _lerp(state["m"], g, 1 - beta1)
    state["u"] = np.maximum(state["u"] * beta2, np.abs(g) + 1e-8)
    return p + (-(lr / (1 - beta1 ** state["step"]))) * state["m"] / state["u"]


REFERENCES = {"NAdam": _nadam, "RAdam": _radam, "Adamax": _adamax}
STATE_NAMES = {"mu_product": "mu_product", "exp_avg": "m", "exp_avg_sq": "v", "exp_inf": "u"}

# Every combination of options, betas on both sides of the lerp kernel's switch (1 - beta1
# below and above 0.5) and, for RAdam, steps on both sides of the rectification (rho_t > 5
# from step 6 with beta2 = 0.999, from step 10 with 0.75; never with 0.6, whose rho_inf is 4).
BETAS = [(0.9, 0.999), (0.3, 0.75), (0.4, 0.6)]
CASES = (
    [
        ("NAdam", o)
        for o in _named(
            ["betas", "weight_decay", "momentum_decay", "decoupled_weight_decay", "maximize"],
            [BETAS[:2], [0, 0.05], [4e-3, 0.3], [False, True], [False, True]],
        )
    ]
    + [
        ("RAdam", o)
        for o in _named(
            ["betas", "weight_decay", "decoupled_weight_decay", "maximize"],
            [BETAS, [0, 0.05], [False, True], [False, True]],
        )
    ]
    + [
        ("Adamax", o)
        for o in _named(
            ["betas", "weight_decay", "maximize"], [BETAS[:2], [0, 0.05], [False, True]]
        )
    ]
)


def _reference(name, options, lr):
    state: dict = {}
    kwargs = dict(options)
    if "decoupled_weight_decay" in kwargs:
        kwargs["decoupled"] = kwargs.pop("decoupled_weight_decay")
    return (lambda p, g: REFERENCES[name](p, g, state, lr, **kwargs)), state


def _temporaries(options):
    """Full-size arrays a step needs beyond p, p.grad and the state: the scratch array, the
    decayed gradient g + λθ, and a negated gradient where the lerp kernel reads -g twice."""
    coupled = options["weight_decay"] != 0 and not options.get("decoupled_weight_decay")
    lerp_twice = options["betas"][0] <= 0.5
    return 1 + coupled + (options["maximize"] and lerp_twice and not coupled)


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
    data, expected = w._data, start
    # RAdam's update takes two slabs, NAdam's and Adamax's addcdiv_ one
    bound = _temporaries(options) * start.nbytes + 2 * _backend.SLAB * start.itemsize + 64 * KIB
    arrays = versions = None
    for step in range(12):
        grad = rng.standard_normal(shape).astype(dtype)
        w.grad = ag.tensor(grad.copy())
        grad_array, version = w.grad._data, w._version
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
                mine = value._data.tobytes()
                assert mine == np.asarray(reference_state[STATE_NAMES[key]]).tobytes(), key
        if step == 0:
            arrays = {key: value._data for key, value in state.items()}
            versions = {key: value._version for key, value in state.items()}
            continue
        assert {key: value._data for key, value in state.items()} == arrays  # updated in place
        assert all(state[key]._version == versions[key] + step for key in state)
        assert peak < bound, (peak, bound)


# --- against torch itself, with values that make every fusable operation exact ---------------

EXACT = {
    # beta1 0.75 or 0.5: lerp's weight (0.25, 0.5) multiplies exactly; weight decay 0.5 too
    "Adamax": _named(
        ["betas", "weight_decay", "maximize"],
        [[(0.75, 0.999), (0.5, 0.9)], [0, 0.5], [False, True]],
    ),
    # beta2 = 0: v = g², a perfect square of a short gradient, and 1 - beta2 ** t = 1
    "NAdam": _named(
        ["betas", "weight_decay", "momentum_decay", "decoupled_weight_decay", "maximize"],
        [[(0.75, 0.0), (0.5, 0.0)], [0, 0.1], [4e-3, 0.3], [True], [False, True]],
    ),
    # beta2 = 0.75 and |g| = 2c then c: v = c² on every step (rectified from step 10)
    "RAdam": _named(
        ["betas", "weight_decay", "decoupled_weight_decay", "maximize"],
        [[(0.75, 0.75), (0.5, 0.75)], [0, 0.1], [True], [False, True]],
    ),
}
EXACT_CASES = [(name, options) for name, grid in EXACT.items() for options in grid]
SHAPES = [(3, 4), (6,), (5,)]


def _exact_grads(name, dtype, steps, seed=0):
    """Per step, per parameter, the gradient (None: the third has none for 3 steps)."""
    rng = np.random.default_rng(seed)
    sizes = [rng.integers(1, 33, size=shape) / 8 for shape in SHAPES]  # RAdam's c
    calls = []
    for step in range(steps):
        grads = []
        for index, shape in enumerate(SHAPES):
            if index == 2 and step < 3:
                grads.append(None)
                continue
            if name == "Adamax":
                grad = rng.standard_normal(shape)
            elif name == "NAdam":
                grad = rng.integers(-64, 65, size=shape) / 8
            else:
                first = step == (3 if index == 2 else 0)
                sign = rng.choice([-1.0, 1.0], size=shape)
                grad = sign * sizes[index] * (2 if first else 1)
            grads.append(grad.astype(dtype))
        calls.append(grads)
    return calls


def _run(lib, name, options, dtype, calls, groups=True, opt=None, params=None):
    tensor = torch.tensor if lib is torch else ag.tensor
    if params is None:
        rng = np.random.default_rng(5)
        params = [tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in SHAPES]
    if opt is None:
        kwargs = {**options, "foreach": False}  # torch's single-tensor path
        layout = [{"params": params[:1]}, {"params": params[1:], "lr": 0.01}] if groups else params
        opt = getattr(lib.optim, name)(layout, lr=0.03, **kwargs)
    for grads in calls:
        for p, grad in zip(params, grads, strict=True):
            p.grad = None if grad is None else tensor(grad.copy())
        opt.step()
    return opt, params


def _bits(lib, opt, params):
    array = (lambda t: t.detach().numpy()) if lib is torch else (lambda t: t._data)
    state = [{k: array(v).tobytes() for k, v in opt.state[p].items()} for p in params]
    return [array(p).tobytes() for p in params], state


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "options"), EXACT_CASES, ids=str)
def test_25_steps_equal_torchs_bit_for_bit(name, options, dtype):
    calls = _exact_grads(name, dtype, 25)
    mine = _bits(ag, *_run(ag, name, options, dtype, calls))
    theirs = _bits(torch, *_run(torch, name, options, dtype, calls))
    assert mine == theirs
    if name == "RAdam":  # the run crossed the switch at rho_t > 5
        beta2 = options["betas"][1]
        rho = [2 / (1 - beta2) - 1 - 2 * t * beta2**t / (1 - beta2**t) for t in (1.0, 25.0)]
        assert rho[0] <= 5 < rho[1]


@pytest.mark.parametrize("name", ["NAdam", "RAdam", "Adamax"])
def test_state_dict_has_torchs_keys_and_values_and_loads_either_way(name):
    dtype = np.float32
    options = EXACT[name][-1]
    calls = _exact_grads(name, dtype, 20, seed=1)
    opt_t, params_t = _run(torch, name, options, dtype, calls[:8])
    opt_a, _ = _run(ag, name, options, dtype, calls[:8])
    saved_t, saved_a = opt_t.state_dict(), opt_a.state_dict()
    assert saved_a["param_groups"] == saved_t["param_groups"]
    assert saved_a["state"].keys() == saved_t["state"].keys()
    for index, state in saved_t["state"].items():
        assert list(saved_a["state"][index]) == list(state)  # same keys, same order
        for key, value in state.items():
            mine = saved_a["state"][index][key]
            assert mine.dtype.name == str(value.dtype).removeprefix("torch.")
            assert mine._data.tobytes() == value.numpy().tobytes()
    # torch's state dict, as arraygrad tensors, continues as torch does
    fresh = [ag.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params_t]
    layout = [{"params": fresh[:1]}, {"params": fresh[1:]}]
    loaded = getattr(optim, name)(layout, lr=1.0)
    converted = {
        "state": {
            i: {k: ag.tensor(v.numpy()) for k, v in s.items()} for i, s in saved_t["state"].items()
        },
        "param_groups": saved_t["param_groups"],
    }
    loaded.load_state_dict(converted)
    _run(ag, name, options, dtype, calls[8:], opt=loaded, params=fresh)
    _run(torch, name, options, dtype, calls[8:], opt=opt_t, params=params_t)
    assert _bits(ag, loaded, fresh) == _bits(torch, opt_t, params_t)
    # and torch takes arraygrad's back
    back = {
        "state": {
            i: {k: torch.from_numpy(np.array(v._data)) for k, v in s.items()}
            for i, s in saved_a["state"].items()
        },
        "param_groups": saved_a["param_groups"],
    }
    opt_t.load_state_dict(back)


@pytest.mark.parametrize(("name", "options"), CASES[::9], ids=str)
def test_resume_from_state_dict_continues_the_same_sequence(name, options):
    # float32 parameters: loading casts every state tensor but step to the parameter's dtype,
    # NAdam's mu_product included (as torch does), which for float64 ones changes its rounding
    rng = np.random.default_rng(4)
    grads = [rng.standard_normal(6).astype(np.float32) for _ in range(20)]
    start = rng.standard_normal(6).astype(np.float32)

    def steps(opt, w, part):
        for grad in part:
            w.grad = ag.tensor(grad)
            opt.step()

    w = ag.tensor(start, requires_grad=True)
    steps(getattr(optim, name)([w], lr=0.02, **options), w, grads)
    w2 = ag.tensor(start, requires_grad=True)
    opt = getattr(optim, name)([w2], lr=0.02, **options)
    steps(opt, w2, grads[:10])
    w3 = ag.tensor(w2._data.copy(), requires_grad=True)
    fresh = getattr(optim, name)([w3], lr=123.0)  # the options come back with the state
    fresh.load_state_dict(opt.state_dict())
    assert fresh.param_groups[0] == {**opt.param_groups[0], "params": [w3]}
    steps(fresh, w3, grads[10:])
    assert w3._data.tobytes() == w._data.tobytes()


def test_loading_casts_nadams_mu_product_to_the_parameters_dtype_like_torch():
    dtypes = []
    for lib in (torch, ag):
        w = lib.zeros(3, dtype=lib.float64, requires_grad=True)
        opt = lib.optim.NAdam([w])
        w.grad = lib.ones(3, dtype=lib.float64)
        opt.step()
        fresh = lib.optim.NAdam([w])
        fresh.load_state_dict(opt.state_dict())
        dtypes.append([str(v.dtype).split(".")[-1] for v in fresh.state[w].values()])
    assert dtypes[0] == dtypes[1] == ["float32", "float64", "float64", "float64"]


def _messages(make):
    """The exception class and message each library raises for ``make(lib, params)``."""
    raised = []
    for lib in (torch, ag):
        with pytest.raises(Exception) as info:
            make(lib, [lib.zeros(2, requires_grad=True)])
        raised.append((info.type, str(info.value)))
    return raised


@pytest.mark.parametrize("name", ["NAdam", "RAdam", "Adamax"])
@pytest.mark.parametrize(
    "options",
    [
        {"lr": -1.0},
        {"eps": -1e-3},
        {"betas": (1.0, 0.9)},
        {"betas": (-0.1, 0.9)},
        {"betas": (0.9, 1.0)},
        {"weight_decay": -0.5},
        {"lr": -1.0, "eps": -1.0},  # the first failing check is reported, as torch's
    ],
    ids=str,
)
def test_constructor_rejects_what_torch_rejects(name, options):
    (torch_type, torch_message), (mine_type, mine_message) = _messages(
        lambda lib, p: getattr(lib.optim, name)(p, **options)
    )
    assert mine_type is torch_type is ValueError
    # torch's message, then the fix
    assert mine_message.startswith(torch_message + ". Fix: pass "), (mine_message, torch_message)


def test_nadam_rejects_a_negative_momentum_decay_like_torch():
    (torch_type, torch_message), (mine_type, mine_message) = _messages(
        lambda lib, p: lib.optim.NAdam(p, momentum_decay=-0.1)
    )
    assert mine_type is torch_type is ValueError
    assert torch_message == "Invalid momentum_decay value: -0.1"
    assert mine_message == torch_message + ". Fix: pass momentum_decay >= 0.0."


@pytest.mark.parametrize("name", ["NAdam", "RAdam", "Adamax"])
def test_defaults_and_signature_are_torchs(name):
    w = ag.zeros(2, requires_grad=True)
    mine = getattr(optim, name)([w]).param_groups[0]
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)]).param_groups[0]
    assert {k: v for k, v in mine.items() if k != "params"} == {
        k: v for k, v in theirs.items() if k != "params"
    }
    with pytest.raises(ValueError, match="differentiable=True"):
        getattr(optim, name)([w], differentiable=True)


@pytest.mark.parametrize(("name", "options"), CASES[::11], ids=str)
def test_every_option_gives_the_same_bits_on_array_api_strict(name, options):
    pytest.importorskip("array_api_strict")
    expected, got = steps_on_numpy_and_strict(
        lambda params: getattr(optim, name)(params, lr=0.05, **options), steps=12
    )
    assert got == expected
