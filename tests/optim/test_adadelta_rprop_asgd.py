"""Adadelta, Rprop and ASGD against torch.optim and against torch's single-tensor formulas
written out on NumPy.

torch's default on CPU (``foreach=None``) is its single-tensor path, bit for bit (checked here).
Rprop's arithmetic (multiplications by the etas, clamps, signs) is exact enough that it equals
torch itself bit for bit. Adadelta and ASGD use operations whose last bit torch's CPU kernels do
not pin down: its vectorised ``sqrt`` is not always correctly rounded, and on AVX2/AVX-512
``add(alpha=)``/``addcmul`` are fused multiply-adds. Those two are compared bit for bit with
torch's formulas on NumPy (as the Adam family is in test_adam_family_in_place.py), with torch
itself to a few ulps, and with torch bit for bit where the operands make every step exact.
"""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad import _backend, optim
from tests.optim._steps import peak_of
from tests.oracle import strict_backend

KIB = 1024


def _sign(x):
    """torch's sign: 0 at NaN and at -0.0, in ``x``'s dtype."""
    return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)


def _adadelta(p, g, state, lr, rho=0.9, eps=1e-6, weight_decay=0, maximize=False):
    """torch's _single_tensor_adadelta on NumPy arrays (new arrays everywhere)."""
    if not state:
        state.update(step=0.0, square_avg=np.zeros_like(p), acc_delta=np.zeros_like(p))
    state["step"] += 1
    g = -g if maximize else g
    if weight_decay != 0:
        g = g + weight_decay * p
    state["square_avg"] = state["square_avg"] * rho + (1 - rho) * g * g  # addcmul's order
    std = np.sqrt(state["square_avg"] + eps)
    delta = np.sqrt(state["acc_delta"] + eps) / std * g
    state["acc_delta"] = state["acc_delta"] * rho + (1 - rho) * delta * delta
    return p + (-lr) * delta


def _rprop(p, g, state, lr, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False):
    """torch's _single_tensor_rprop on NumPy arrays, with its boolean-mask assignments."""
    etaminus, etaplus = etas
    if not state:
        state.update(step=0.0, prev=np.zeros_like(p), step_size=np.full_like(g, lr))
    state["step"] += 1
    g = -g if maximize else g
    sign = _sign(g * state["prev"])
    sign[sign > 0] = etaplus
    sign[sign < 0] = etaminus
    sign[sign == 0] = 1
    state["step_size"] = np.clip(state["step_size"] * sign, *step_sizes)
    g = g.copy()
    g[sign == sign.dtype.type(etaminus)] = 0
    state["prev"] = g
    return p + (-1 * _sign(g)) * state["step_size"]


def _asgd(p, g, state, lr, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, maximize=False):
    """torch's _single_tensor_asgd on NumPy arrays; eta and mu are float32 0-d values, as
    torch keeps them (the default dtype), read back into Python floats."""
    scalar = np.float32
    if not state:
        state.update(step=0.0, eta=scalar(lr), mu=scalar(1.0), ax=np.zeros_like(p))
    g = -g if maximize else g
    state["step"] += 1
    if weight_decay != 0:
        g = g + weight_decay * p
    eta = float(state["eta"])
    p = p * (1 - lambd * eta)
    p = p + (-eta) * g
    if float(state["mu"]) != 1:
        state["ax"] = state["ax"] + (p - state["ax"]) * p.dtype.type(state["mu"])
    else:
        state["ax"] = p.copy()
    step = state["step"]
    state["eta"] = scalar(lr / ((1 + lambd * lr * step) ** alpha))
    state["mu"] = scalar(1 / max(1, step - t0))
    return p


REFERENCES = {"Adadelta": _adadelta, "Rprop": _rprop, "ASGD": _asgd}


def _named(keys, values):
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]


CASES = (
    [
        ("Adadelta", o)
        for o in _named(
            ["rho", "eps", "weight_decay", "maximize"],
            [[0.9, 0.3], [1e-6, 1e-3], [0, 0.05], [False, True]],
        )
    ]
    + [
        ("Rprop", o)
        for o in _named(
            ["etas", "step_sizes", "maximize"],
            [[(0.5, 1.2), (0.3, 1.7)], [(1e-6, 50), (1e-3, 0.02)], [False, True]],
        )
    ]
    + [
        ("ASGD", o)
        for o in _named(
            ["lambd", "t0", "weight_decay", "maximize"],
            [[1e-4, 0.05], [1e6, 5], [0, 0.05], [False, True]],
        )
    ]
)
SHAPES = [(30, 7), (7,)]  # one parameter in each of two groups
LRS = [0.03, 0.01]  # the groups' learning rates
STEPS = 24


def _gradient(rng, shape, dtype):
    """Normal values with ~20% exact zeros (Rprop's sign logic: no step, no factor) and a few
    -0.0."""
    grad = rng.standard_normal(shape).astype(dtype)
    grad[rng.random(shape) < 0.2] = 0.0
    grad[rng.random(shape) < 0.05] = -0.0
    return grad


def _inputs(dtype, seed=1):
    """Start values of the two parameters and STEPS gradients for each."""
    rng = np.random.default_rng(seed)
    starts = [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]
    grads = [[_gradient(rng, shape, dtype) for shape in SHAPES] for _ in range(STEPS)]
    return starts, grads


def _build(lib, name, options, starts, frozen, **extra):
    """The optimizer over two groups (the first also holding ``frozen``, which never gets a
    gradient) and its parameters."""
    params = [lib.tensor(start.copy(), requires_grad=True) for start in starts]
    groups = [{"params": [params[0], frozen]}, {"params": [params[1]], "lr": LRS[1]}]
    return getattr(lib.optim, name)(groups, lr=LRS[0], **options, **extra), params


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "options"), CASES, ids=str)
def test_every_option_updates_in_place_bitwise_as_torchs_formula(name, options, dtype):
    starts, grads = _inputs(dtype)
    frozen = ag.tensor(np.ones(3, dtype), requires_grad=True)
    opt, params = _build(ag, name, options, starts, frozen)
    references = [{} for _ in params]
    expected = list(starts)
    arrays: dict = {}
    for step, step_grads in enumerate(grads):
        for p, grad in zip(params, step_grads, strict=True):
            p.grad = ag.tensor(grad.copy())
        data = [p._data for p in params]
        versions = [p._version for p in params]
        opt.step()
        reference = REFERENCES[name]
        for i, p in enumerate(params):
            expected[i] = reference(expected[i], step_grads[i], references[i], LRS[i], **options)
            assert p._data is data[i] and p._version == versions[i] + 1  # in place
            assert p._data.tobytes() == expected[i].tobytes(), (step, i)
            assert np.array_equal(p.grad._data, step_grads[i])  # p.grad untouched
            state = opt.state[p]
            assert state.keys() == references[i].keys()
            for key, value in state.items():
                mine = value._data
                assert mine.tobytes() == np.asarray(references[i][key], mine.dtype).tobytes(), key
                if step == 0:
                    arrays[i, key] = mine
                else:
                    assert mine is arrays[i, key], key  # state updated in place
    assert frozen not in opt.state and np.array_equal(frozen._data, np.ones(3, dtype))


def _run(lib, name, options, dtype, steps=STEPS, **extra):
    starts, grads = _inputs(dtype)
    frozen = lib.tensor(np.ones(3, dtype), requires_grad=True)
    opt, params = _build(lib, name, options, starts, frozen, **extra)
    for step_grads in grads[:steps]:
        for p, grad in zip(params, step_grads, strict=True):
            p.grad = lib.tensor(grad)
        opt.step()
    return opt, params


def _arrays(opt, params):
    """Each parameter and its state values as NumPy arrays."""
    return [
        [np.asarray(p.detach().numpy())]
        + [np.asarray(v.detach().numpy()) for v in opt.state[p].values()]
        for p in params
    ]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "options"), CASES[::3], ids=str)
def test_matches_torchs_single_tensor_path_which_is_its_default_on_cpu(name, options, dtype):
    tdtype = {np.float32: "float32", np.float64: "float64"}[dtype]
    default = _arrays(*_run(torch, name, options, dtype))
    single = _arrays(*_run(torch, name, options, dtype, foreach=False))
    mine = _arrays(*_run(ag, name, options, dtype))
    for theirs, same, ours in zip(single, default, mine, strict=True):
        assert [a.tobytes() for a in same] == [a.tobytes() for a in theirs]  # default path
        assert [a.dtype for a in ours] == [a.dtype for a in theirs], tdtype
        if name == "Rprop":
            assert [a.tobytes() for a in ours] == [a.tobytes() for a in theirs]
            continue
        # step (and ASGD's eta and mu, computed on Python floats) are exact
        scalars = [i for i, a in enumerate(theirs) if a.ndim == 0]
        assert all(ours[i].tobytes() == theirs[i].tobytes() for i in scalars)
        rtol = 2e-5 if dtype == np.float32 else 1e-12
        for a, b in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * 1e-3)
    assert not np.allclose(mine[0][0], _inputs(dtype)[0][0])  # it moved


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("maximize", [False, True])
def test_rprop_sign_logic_is_torchs_bit_for_bit_on_zeros_nan_and_inf(dtype, maximize):
    # g·g' > 0 grows the step, < 0 shrinks it and zeroes the stored gradient (so the next step
    # takes no factor), 0 (a zero on either side, -0.0 included) and NaN leave it; sign(NaN) is
    # 0 in torch, so a NaN gradient does not move the parameter. The step sizes hit both clamps.
    steps = [
        [1.0, -2.0, 0.0, 3.0, np.nan, 5.0, -0.0, np.inf],
        [2.0, 2.0, 1.0, -3.0, 1.0, 5.0, 1.0, -np.inf],
        [3.0, -0.0, 1.0, -3.0, np.nan, -5.0, -1.0, 1.0],
        [-1.0, 1.0, 1.0, -3.0, 2.0, -5.0, -1.0, 1.0],
        [-1.0, 1.0, 1.0, 3.0, 2.0, -5.0, -1.0, 1.0],
    ]
    results = []
    for lib in (torch, ag):
        w = lib.tensor(np.linspace(-1, 1, 8), dtype=getattr(lib, dtype), requires_grad=True)
        opt = lib.optim.Rprop(
            [w], lr=0.1, etas=(0.3, 1.5), step_sizes=(0.05, 0.2), maximize=maximize
        )
        history = []
        for grad in steps:
            w.grad = lib.tensor(grad, dtype=getattr(lib, dtype))
            opt.step()
            history.append([a.tobytes() for a in _arrays(opt, [w])[0]])
        results.append(history)
    assert results[1] == results[0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_asgd_averages_as_torch_bit_for_bit_once_mu_leaves_one(dtype):
    # With lambd = 0 the step size stays lr, and with a power-of-two lr and weight decay and
    # gradients in eighths the parameter's update is exact, whichever way a CPU rounds it
    # (fused multiply-adds or not). The average is not: ax + (θ - ax)·μ with μ = 1/(t - t0)
    # rounds, and must round as torch's sub, mul and add do, from step t0 + 2 on.
    rng = np.random.default_rng(4)
    grads = rng.integers(-16, 16, size=(12, 5)) / 8
    results = []
    for lib in (torch, ag):
        w = lib.tensor(np.arange(5) / 4, dtype=getattr(lib, dtype), requires_grad=True)
        opt = lib.optim.ASGD([w], lr=0.25, lambd=0.0, t0=2, weight_decay=0.5)
        for grad in grads:
            w.grad = lib.tensor(grad, dtype=getattr(lib, dtype))
            opt.step()
        results.append([a.tobytes() for a in _arrays(opt, [w])[0]])
    assert results[1] == results[0]
    assert float(opt.state[w]["mu"]) == np.float32(0.1)  # 1 / (12 - 2)


@pytest.mark.parametrize(
    ("name", "options", "match"),
    [
        ("Adadelta", {"lr": -1.0}, "Invalid learning rate"),
        ("Adadelta", {"rho": 1.5}, "Invalid rho value"),
        ("Adadelta", {"rho": -0.1}, "Invalid rho value"),
        ("Adadelta", {"eps": -1e-6}, "Invalid epsilon value"),
        ("Adadelta", {"weight_decay": -0.1}, "Invalid weight_decay value"),
        ("Adadelta", {"lr": "tensor"}, "Tensor lr must be 1-element"),
        ("Rprop", {"lr": -1.0}, "Invalid learning rate"),
        ("Rprop", {"etas": (1.0, 1.2)}, "Invalid eta values: 1.0, 1.2"),
        ("Rprop", {"etas": (0.0, 1.2)}, "Invalid eta values"),
        ("Rprop", {"etas": (0.5, 1.0)}, "Invalid eta values"),
        ("Rprop", {"lr": "tensor"}, "Tensor lr must be 1-element"),
        ("ASGD", {"lr": -0.5}, "Invalid learning rate"),
        ("ASGD", {"weight_decay": -0.1}, "Invalid weight_decay value"),
        ("ASGD", {"lr": "tensor"}, "Tensor lr must be 1-element"),
    ],
)
def test_invalid_options_raise_like_torch(name, options, match):
    for lib in (torch, ag):
        given = {"lr": lib.tensor([0.1, 0.2])} if options.get("lr") == "tensor" else options
        with pytest.raises(ValueError, match=match):
            getattr(lib.optim, name)([lib.zeros(2, requires_grad=True)], **given)


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("Adadelta", {"rho": 0.0}),
        ("Adadelta", {"rho": 1.0, "lr": 0.0, "eps": 0.0}),
        ("Rprop", {"etas": (0.999, 1.001), "step_sizes": (1.0, 0.5)}),
        ("ASGD", {"lambd": -1.0, "alpha": -2.0, "t0": -5.0, "lr": 0.0}),
    ],
)
def test_boundary_options_are_accepted_like_torch(name, options):
    for lib in (torch, ag):
        opt = getattr(lib.optim, name)([lib.zeros(2, requires_grad=True)], **options)
        assert all(opt.param_groups[0][k] == v for k, v in options.items())


@pytest.mark.parametrize(("name", "options"), CASES[5::6], ids=str)
def test_state_dict_has_torchs_structure_and_dtypes(name, options):
    opt_t, _ = _run(torch, name, options, np.float64, steps=5)
    opt_a, _ = _run(ag, name, options, np.float64, steps=5)
    sd_t, sd_a = opt_t.state_dict(), opt_a.state_dict()
    assert sd_a["param_groups"] == sd_t["param_groups"]
    assert sd_a["state"].keys() == sd_t["state"].keys() == {0, 2}  # not the frozen one (1)
    for index, state in sd_t["state"].items():
        assert list(sd_a["state"][index]) == list(state)  # the keys, in torch's order
        for key, value in state.items():
            mine = sd_a["state"][index][key]
            assert mine.dtype.name == str(value.dtype).removeprefix("torch.")
            np.testing.assert_allclose(mine.numpy(), value.numpy(), rtol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "options"), CASES[2::5], ids=str)
def test_resume_from_state_dict_continues_the_same_sequence(name, options, dtype):
    _, straight = _run(ag, name, options, dtype)
    opt, params = _run(ag, name, options, dtype, steps=STEPS // 2)
    saved = opt.state_dict()
    resumed = [ag.tensor(p._data.copy(), requires_grad=True) for p in params]
    frozen = ag.tensor(np.ones(3, dtype), requires_grad=True)
    groups = [{"params": [resumed[0], frozen]}, {"params": [resumed[1]], "lr": 7.0}]
    fresh = getattr(optim, name)(groups, lr=5.0, **options)  # lr restored by the load
    fresh.load_state_dict(saved)
    assert [g["lr"] for g in fresh.param_groups] == LRS
    for step_grads in _inputs(dtype)[1][STEPS // 2 :]:
        for p, grad in zip(resumed, step_grads, strict=True):
            p.grad = ag.tensor(grad)
        fresh.step()
    assert [p._data.tobytes() for p in resumed] == [p._data.tobytes() for p in straight]


@pytest.mark.parametrize(
    ("name", "options"), [("Adadelta", {"weight_decay": 0.05}), ("Rprop", {}), ("ASGD", {"t0": 3})]
)
def test_loads_a_torch_state_dict_and_continues_like_torch(name, options):
    # float64 parameters: a load gives ASGD's float32 eta and mu the parameter's dtype (in
    # torch too), and torch goes on writing float32-rounded values into them.
    opt_t, params_t = _run(torch, name, options, np.float64, steps=10)
    saved = copy.deepcopy(opt_t.state_dict())  # torch's holds the state tensors themselves
    resumed = []
    for lib in (torch, ag):
        params = [lib.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params_t]
        frozen = lib.tensor(np.ones(3), requires_grad=True)
        groups = [{"params": [params[0], frozen]}, {"params": [params[1]]}]
        opt = getattr(lib.optim, name)(groups, lr=LRS[0], **options)
        if lib is torch:
            opt.load_state_dict(copy.deepcopy(saved))
        else:
            state = {
                i: {k: ag.tensor(v.numpy()) for k, v in values.items()}
                for i, values in saved["state"].items()
            }
            opt.load_state_dict({"state": state, "param_groups": saved["param_groups"]})
        for step_grads in _inputs(np.float64, seed=5)[1][:10]:
            for p, grad in zip(params, step_grads, strict=True):
                p.grad = lib.tensor(grad)
            opt.step()
        resumed.append(_arrays(opt, params))
    for theirs, ours in zip(*resumed, strict=True):
        assert [a.dtype for a in ours] == [a.dtype for a in theirs]
        if name == "Rprop":
            assert [a.tobytes() for a in ours] == [a.tobytes() for a in theirs]
            continue
        for a, b in zip(ours, theirs, strict=True):
            if a.ndim == 0:  # step, eta, mu
                assert a.tobytes() == b.tobytes()
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


# Arrays of the parameter's size one step may hold at once beyond p, p.grad and the state:
# Rprop's two boolean masks count a quarter each.
TEMPORARIES = {"Adadelta": 2, "Rprop": 2.5, "ASGD": 1}


@pytest.mark.parametrize(
    ("name", "weight_decay"),
    [("Adadelta", 0), ("Adadelta", 0.01), ("Rprop", 0), ("ASGD", 0), ("ASGD", 0.01)],
)
def test_a_step_allocates_a_few_arrays_of_the_parameters_size(name, weight_decay):
    rng = np.random.default_rng(0)
    w = ag.tensor(rng.standard_normal((784, 256)).astype(np.float32), requires_grad=True)
    w.grad = ag.tensor(rng.standard_normal((784, 256)).astype(np.float32))
    options = {"t0": 1} if name == "ASGD" else {}  # the running average (mu < 1) from step 3
    if name != "Rprop":  # it has no weight decay
        options["weight_decay"] = weight_decay
    opt = getattr(optim, name)([w], lr=0.01, **options)
    for _ in range(3):
        opt.step()  # makes the state, then warms the caches of first calls
    peak = peak_of(opt.step)
    count = TEMPORARIES[name] + (weight_decay != 0)
    assert peak < count * 784 * KIB + _backend.SLAB * 4 + 64 * KIB, peak


@pytest.mark.parametrize(("name", "options"), CASES[1::4], ids=str)
def test_the_same_bits_on_array_api_strict(name, options):
    pytest.importorskip("array_api_strict")

    def run():
        opt, params = _run(ag, name, options, np.float64, steps=8)
        arrays = [[p.tolist()] + [v.tolist() for v in opt.state[p].values()] for p in params]
        kinds = {type(v._data).__module__ for p in params for v in opt.state[p].values()}
        return arrays, kinds

    expected, _ = run()
    with strict_backend():
        got, kinds = run()
    assert got == expected
    assert kinds == {"array_api_strict._array_object"}


def test_asgd_foreach_eta():
    # PyTorch's foreach path computes eta one float32 operation at a time; the single-tensor
    # formula gives another last bit at the third step here (the schedule fuzzer found it)
    gen = np.random.default_rng(0)
    grads = [gen.standard_normal(3) for _ in range(6)]
    etas = []
    for lib in (ag, torch):
        p = lib.tensor(np.ones(3), dtype=lib.float64, requires_grad=True)
        opt = lib.optim.ASGD([p], lr=0.01, alpha=0.5, foreach=True)
        seen = []
        for i, g in enumerate(grads):
            p.grad = lib.tensor(g, dtype=lib.float64)
            opt.step()
            if i == 2:
                opt.param_groups[0]["lr"] = 0.0123456789
            seen.append(opt.state[p]["eta"].item())
        etas.append(seen)
    assert etas[0] == etas[1]
