"""Optimizers against torch.optim: 100-step trajectories, state dicts, groups and misuse."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad import optim
from tests.oracle import strict_backend

CASES = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.02, "momentum": 0.9}),
    ("SGD", {"lr": 0.02, "momentum": 0.9, "dampening": 0.5}),
    ("SGD", {"lr": 0.02, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.05, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.02, "momentum": 0.5, "weight_decay": 0.01, "maximize": True}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.95), "eps": 1e-6, "maximize": True}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.05, "maximize": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.5}),
    ("AdamW", {"lr": 0.05, "maximize": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.005, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.005, "centered": True, "momentum": 0.5, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.1, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "eps": 1e-6, "maximize": True}),
]


def _problem(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "x": rng.normal(size=(8, 3)),
        "y": rng.normal(size=(8, 2)),
        "w": rng.normal(size=(3, 2)),
        "b": rng.normal(size=(2,)),
    }


def _loss(lib, x, y, w, b, sign):
    # A fixed quadratic loss (plus a product term so the coordinates interact).
    r = x @ w + b - y
    return sign * ((r * r).sum() + 0.1 * (w * w).sum() * (b * b).sum())


def _run(lib, name, kwargs, data, steps, dtype, groups=False):
    tensor = torch.tensor if lib is torch else ag.tensor
    tdtype = getattr(lib, dtype)
    w = tensor(data["w"], dtype=tdtype, requires_grad=True)
    b = tensor(data["b"], dtype=tdtype, requires_grad=True)
    x, y = tensor(data["x"], dtype=tdtype), tensor(data["y"], dtype=tdtype)
    params = [{"params": [w]}, {"params": [b], "lr": kwargs["lr"] / 2}] if groups else [w, b]
    opt = getattr(lib.optim, name)(params, **kwargs)
    sign = -1.0 if kwargs.get("maximize") else 1.0
    for _ in range(steps):
        opt.zero_grad()
        _loss(lib, x, y, w, b, sign).backward()
        opt.step()
    return opt, w, b


def _np(t):
    return np.asarray(t.detach().numpy())


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=lambda v: str(v))
def test_trajectory_matches_torch_float64(name, kwargs):
    data = _problem()
    _, w1, b1 = _run(ag, name, kwargs, data, 100, "float64")
    _, w2, b2 = _run(torch, name, kwargs, data, 100, "float64")
    np.testing.assert_allclose(_np(w1), _np(w2), rtol=0, atol=1e-6)
    np.testing.assert_allclose(_np(b1), _np(b2), rtol=0, atol=1e-6)
    # The run must actually have moved the parameters.
    assert not np.allclose(_np(w1), data["w"])


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_float32_and_param_groups_match_torch(name):
    kwargs = next(k for n, k in CASES if n == name)
    data = _problem(1)
    opt1, w1, b1 = _run(ag, name, kwargs, data, 30, "float32", groups=True)
    opt2, w2, b2 = _run(torch, name, kwargs, data, 30, "float32", groups=True)
    assert w1.dtype is ag.float32
    np.testing.assert_allclose(_np(w1), _np(w2), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(_np(b1), _np(b2), rtol=1e-5, atol=1e-5)
    assert [g["lr"] for g in opt1.param_groups] == [g["lr"] for g in opt2.param_groups]


def _to_torch(value):
    if isinstance(value, ag.Tensor):
        return torch.from_numpy(_np(value).copy())
    if isinstance(value, dict):
        return {k: _to_torch(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_torch(v) for v in value]
    return value


def _from_torch(value):
    if isinstance(value, torch.Tensor):
        return ag.tensor(value.numpy())
    if isinstance(value, dict):
        return {k: _from_torch(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_torch(v) for v in value]
    return value


@pytest.mark.parametrize(("name", "kwargs"), [CASES[2], CASES[7], CASES[13], CASES[19], CASES[22]])
def test_state_dict_has_torchs_structure_and_values(name, kwargs):
    data = _problem(2)
    opt1, *_ = _run(ag, name, kwargs, data, 5, "float64", groups=True)
    opt2, *_ = _run(torch, name, kwargs, data, 5, "float64", groups=True)
    sd1, sd2 = opt1.state_dict(), opt2.state_dict()
    assert sd1["param_groups"] == sd2["param_groups"]
    assert sd1["state"].keys() == sd2["state"].keys()
    for index, state in sd2["state"].items():
        assert sd1["state"][index].keys() == state.keys()
        for key, value in state.items():
            mine = sd1["state"][index][key]
            assert mine.dtype.name == str(value.dtype).removeprefix("torch.")
            np.testing.assert_allclose(_np(mine), value.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("name", "kwargs"), [CASES[1], CASES[8], CASES[16], CASES[21]])
def test_resume_from_state_dict_continues_the_same_trajectory(name, kwargs):
    data = _problem(3)
    _, w_ref, b_ref = _run(ag, name, kwargs, data, 40, "float64")

    opt, w, b = _run(ag, name, kwargs, data, 20, "float64")
    saved = opt.state_dict()
    w2, b2 = ag.tensor(_np(w), requires_grad=True), ag.tensor(_np(b), requires_grad=True)
    fresh = getattr(optim, name)([w2, b2], **{**kwargs, "lr": 123.0})  # lr restored by load
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0]["lr"] == kwargs["lr"]
    x, y = ag.tensor(data["x"], dtype=ag.float64), ag.tensor(data["y"], dtype=ag.float64)
    sign = -1.0 if kwargs.get("maximize") else 1.0
    for _ in range(20):
        fresh.zero_grad()
        _loss(ag, x, y, w2, b2, sign).backward()
        fresh.step()
    np.testing.assert_array_equal(_np(w2), _np(w_ref))
    np.testing.assert_array_equal(_np(b2), _np(b_ref))


def test_loads_a_torch_state_dict_and_continues_like_torch():
    kwargs = {"lr": 0.05, "amsgrad": True}
    data = _problem(4)
    opt_t, w_t, b_t = _run(torch, "Adam", kwargs, data, 10, "float64")
    w = ag.tensor(_np(w_t), requires_grad=True)
    b = ag.tensor(_np(b_t), requires_grad=True)
    opt = optim.Adam([w, b], **kwargs)
    opt.load_state_dict(_from_torch(opt_t.state_dict()))
    x, y = ag.tensor(data["x"], dtype=ag.float64), ag.tensor(data["y"], dtype=ag.float64)
    xt, yt = torch.tensor(data["x"]), torch.tensor(data["y"])
    for _ in range(10):
        opt.zero_grad()
        _loss(ag, x, y, w, b, 1.0).backward()
        opt.step()
        opt_t.zero_grad()
        _loss(torch, xt, yt, w_t, b_t, 1.0).backward()
        opt_t.step()
    np.testing.assert_allclose(_np(w), _np(w_t), atol=1e-10)
    # and torch accepts ours back
    opt_t.load_state_dict(_to_torch(opt.state_dict()))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("maximize", [False, True])
@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("Adagrad", {"eps": 0.0}), ("RMSprop", {"alpha": 0.75, "eps": 0.0})],
)
def test_adagrad_and_rmsprop_step_is_torchs_addcdiv_bit_for_bit(name, kwargs, dtype, maximize):
    # torch's param.addcdiv_(g, a, value=-lr) divides the scaled gradient, ((-lr) g) / a, which
    # differs from (-lr) (g / a) in the last bit. Even gradients make every other operation
    # exact on any CPU (a = |g| for Adagrad's g², |g| / 2 for RMSprop's 0.25 g²; torch's own
    # sqrt is exact on these squares), so the comparison with torch itself can be bitwise.
    grad = np.array([2.0, 6.0, 10.0, 14.0, -18.0, 22.0, 26.0, -30.0])
    results = []
    for lib in (torch, ag):
        w = lib.zeros(8, dtype=getattr(lib, dtype), requires_grad=True)
        opt = getattr(lib.optim, name)([w], lr=0.03, maximize=maximize, **kwargs)
        w.grad = lib.tensor(grad, dtype=getattr(lib, dtype))
        opt.step()
        results.append(_np(w).tobytes())
    assert results[1] == results[0]


def test_adagrad_sums_start_at_the_constructors_initial_accumulator_value_like_torch():
    # torch fills every sum with the constructor's initial_accumulator_value (its defaults'),
    # also for a group that sets its own value and for a group added later.
    sums = []
    for lib in (torch, ag):
        a, b, c = (lib.zeros(2, dtype=lib.float64, requires_grad=True) for _ in range(3))
        opt = lib.optim.Adagrad(
            [{"params": [a]}, {"params": [b], "initial_accumulator_value": 0.5}],
            lr=0.1,
            initial_accumulator_value=0.25,
        )
        opt.add_param_group({"params": [c], "initial_accumulator_value": 2.0})
        for p in (a, b, c):
            p.grad = lib.tensor([1.0, -2.0], dtype=lib.float64)
        opt.step()
        sums.append([_np(opt.state[p]["sum"]).tolist() for p in (a, b, c)])
    assert sums[1] == sums[0] == [[1.25, 4.25]] * 3


def test_update_is_in_place_and_bumps_the_version():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    view = w.detach()
    data = w._data
    opt = optim.SGD([w], lr=0.5)
    (w * w).sum().backward()
    version = w._version
    opt.step()
    assert w._data is data
    assert w._version == version + 1
    np.testing.assert_array_equal(_np(view), [0.0, 0.0])
    assert w.grad_fn is None and w.requires_grad


def test_parameters_without_grad_are_skipped_and_closure_is_evaluated():
    a = ag.tensor([1.0], requires_grad=True)
    b = ag.tensor([5.0], requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert float(loss) == 1.0
    assert float(b) == 5.0 and float(a) < 1.0
    assert 1 not in opt.state_dict()["state"]


def test_zero_grad_set_to_none_or_zeros():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    grad = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad
    np.testing.assert_array_equal(_np(w.grad), [0.0, 0.0])
    opt.zero_grad()
    assert w.grad is None


def test_add_param_group_uses_defaults_and_named_params():
    a, b = ag.zeros(2, requires_grad=True), ag.zeros(3, requires_grad=True)
    opt = optim.SGD([("a", a)], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": [("b", b)], "lr": 0.01})
    assert opt.param_groups[1]["momentum"] == 0.9
    assert opt.param_groups[1]["lr"] == 0.01
    assert opt.state_dict()["param_groups"][1]["param_names"] == ["b"]
    assert opt.state_dict()["param_groups"][1]["params"] == [1]
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [("a2", a)]})
    with pytest.raises(ValueError, match="with/without names"):
        opt.add_param_group({"params": [ag.zeros(1, requires_grad=True)]})
    with pytest.raises(TypeError, match="ordered collections"):
        opt.add_param_group({"params": {ag.zeros(1, requires_grad=True)}})


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda lib, p: lib.optim.SGD(p, lr=-1.0), ValueError, "Invalid learning rate"),
        (lambda lib, p: lib.optim.SGD(p, lr=0.1, nesterov=True), ValueError, "Nesterov"),
        (lambda lib, p: lib.optim.Adam(p, betas=(1.0, 0.9)), ValueError, "index 0"),
        (lambda lib, p: lib.optim.AdamW(p, eps=-1.0), ValueError, "Invalid epsilon"),
        (lambda lib, p: lib.optim.RMSprop(p, alpha=-0.1), ValueError, "Invalid alpha"),
        (lambda lib, p: lib.optim.Adagrad(p, lr_decay=-1), ValueError, "Invalid lr_decay"),
        (lambda lib, p: lib.optim.SGD([], lr=0.1), ValueError, "empty parameter list"),
        (lambda lib, p: lib.optim.SGD(p[0], lr=0.1), TypeError, "iterable of Tensors"),
        (lambda lib, p: lib.optim.SGD([1.0], lr=0.1), TypeError, "can only optimize Tensors"),
        (lambda lib, p: lib.optim.SGD([p[0] * 2], lr=0.1), ValueError, "non-leaf"),
        (lambda lib, p: lib.optim.SGD(p, lr=0.1).add_param_group(p), TypeError, "must be a dict"),
        *[
            (
                lambda lib, p, name=name: getattr(lib.optim, name)(p, fused=True, foreach=True),
                RuntimeError,
                "`fused` and `foreach` cannot be `True` together",
            )
            for name in ("SGD", "Adam", "AdamW", "Adagrad")
        ],
    ],
)
def test_misuse_raises_like_torch(make, error, match):
    with pytest.raises(error, match=match):
        make(ag, [ag.zeros(2, requires_grad=True)])
    with pytest.raises(error):
        make(torch, [torch.zeros(2, requires_grad=True)])


def test_load_state_dict_rejects_mismatched_layout():
    a, b = ag.zeros(2, requires_grad=True), ag.zeros(3, requires_grad=True)
    saved = optim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.SGD([a], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        optim.SGD([a], lr=0.1).load_state_dict({"params": []})


def test_repr_lists_group_options():
    opt = optim.SGD([ag.zeros(1, requires_grad=True)], lr=0.1)
    text = repr(opt)
    assert text.startswith("SGD (") and "lr: 0.1" in text and "Parameter Group 0" in text


@pytest.mark.parametrize(("name", "kwargs"), [CASES[3], CASES[10], CASES[19], CASES[22]])
def test_updates_run_on_array_api_strict_storage(name, kwargs):
    data = _problem(5)
    _, w_ref, b_ref = _run(ag, name, kwargs, data, 10, "float64")
    with strict_backend():
        opt, w, b = _run(ag, name, kwargs, data, 10, "float64")
        assert "array_api_strict" in type(w._data).__module__
        state = opt.state_dict()["state"][0]
        assert all("array_api_strict" in type(v._data).__module__ for v in state.values())
        got_w, got_b = w.tolist(), b.tolist()
    np.testing.assert_allclose(got_w, _np(w_ref), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got_b, _np(b_ref), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    ("name", "numbers"),
    [
        ("Adam", ("step",)),
        ("Adagrad", ("step",)),
        ("RMSprop", ("step",)),
        ("NAdam", ("step", "mu_product")),
        ("ASGD", ("step", "eta", "mu")),
        ("Rprop", ("step",)),
    ],
)
def test_a_state_dict_with_numbers_for_step_loads_as_in_torch(name, numbers):
    # PyTorch before 1.12 saved step (NAdam's mu_product, ASGD's eta and mu) as Python
    # numbers; torch's optimizers make them 0-d tensors on loading, and the next step works.
    results = []
    for lib in (torch, ag):
        w = lib.tensor([1.0, -2.0], dtype=lib.float64, requires_grad=True)
        opt = getattr(lib.optim, name)([w], lr=0.1)
        (w * w).sum().backward()
        opt.step()
        saved = opt.state_dict()
        for key in numbers:
            saved["state"][0][key] = float(saved["state"][0][key])
        w2 = lib.tensor([1.0, -2.0], dtype=lib.float64, requires_grad=True)
        resumed = getattr(lib.optim, name)([w2], lr=0.1)
        resumed.load_state_dict(saved)
        assert all(isinstance(resumed.state[w2][key], lib.Tensor) for key in numbers)
        (w2 * w2).sum().backward()
        resumed.step()
        results.append(w2.detach().numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-12)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_a_tensor_lr_of_two_elements_raises_torchs_value_error(name):
    def make(lib):
        return getattr(lib.optim, name)([lib.zeros(1, requires_grad=True)], lr=lib.ones(2))

    with pytest.raises(ValueError, match="Tensor lr must be 1-element") as theirs:
        make(torch)
    with pytest.raises(ValueError, match=r"Tensor lr must be 1-element: got 2 elements\. Fix"):
        make(ag)
    assert str(theirs.value) == "Tensor lr must be 1-element"


@pytest.mark.parametrize("name", ["Adafactor", "LBFGS", "Muon"])
def test_load_state_dict_gives_defaults_differentiable(name):
    # PyTorch's loading adds `differentiable` to defaults that lack it, so a group added after
    # a load has it (the loaded groups do not)
    keys = []
    for lib in (ag, torch):
        opt = getattr(lib.optim, name)([lib.zeros(2, 2, requires_grad=True)])
        opt.load_state_dict(opt.state_dict())
        opt.add_param_group({"params": [lib.zeros(2, 2, requires_grad=True)]})
        keys.append([sorted(group) for group in opt.param_groups])
    assert keys[0] == keys[1]


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_tensor_lr_with_foreach_refused(name):
    # A tensor lr with foreach=True: refused when built (before the fused/foreach check), and
    # in step() for a group's own tensor lr, once that group's state is made
    for lib in (ag, torch):
        p = lib.zeros(2, requires_grad=True)
        with pytest.raises(ValueError, match="lr as a Tensor is not supported"):
            getattr(lib.optim, name)([p], lr=lib.tensor(0.1), foreach=True, fused=True)
    states = []
    for lib in (ag, torch):
        p, q = lib.zeros(2, requires_grad=True), lib.zeros(2, requires_grad=True)
        groups = [{"params": [q]}, {"params": [p], "lr": lib.tensor(0.2)}]
        opt = getattr(lib.optim, name)(groups, lr=0.1, foreach=True)
        p.grad, q.grad = lib.ones(2), lib.ones(2)
        with pytest.raises(RuntimeError, match="lr as a Tensor is not supported"):
            opt.step()
        states.append((sorted(opt.state[p]), q.detach().numpy().tolist()))
    assert states[0] == states[1]
