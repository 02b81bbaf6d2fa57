"""LBFGS against torch.optim.LBFGS: trajectories bit for bit where PyTorch's arithmetic can be
followed, state and state dicts, misuse, and calls under arraygrad.compile."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad import _backend, optim


def _np(t):
    return t.detach().numpy().copy()


def _rosenbrock(lib, ls, steps=5, dtype="float64", start=(-1.5, 2.0), **options):
    """Losses and parameters after each step of LBFGS on the 2-D Rosenbrock function, the
    parameter split in two 1-element tensors, plus one that never gets a gradient."""
    dt = getattr(lib, dtype)
    x = lib.tensor([start[0]], dtype=dt, requires_grad=True)
    y = lib.tensor([[start[1]]], dtype=dt, requires_grad=True)
    unused = lib.zeros(2, 3, dtype=dt, requires_grad=True)  # grad None: zeros
    opt = lib.optim.LBFGS([x, unused, y], line_search_fn=ls, **options)

    def closure():
        opt.zero_grad()
        loss = ((1 - x) ** 2 + 100 * (y.reshape(1) - x**2) ** 2).sum()
        loss.backward()
        return loss

    trajectory = []
    for _ in range(steps):
        loss = opt.step(closure)
        trajectory.append((_np(loss).tobytes(), _np(x).tobytes(), _np(y).tobytes()))
    return trajectory, opt


OPTIONS = [
    {},
    {"lr": 0.1, "history_size": 3},
    {"max_iter": 7, "lr": 0.5},
    {"max_iter": 4, "max_eval": 9, "tolerance_change": 1e-6},
]


@pytest.mark.parametrize("ls", [None, "strong_wolfe"])
@pytest.mark.parametrize("options", OPTIONS)
def test_rosenbrock_equals_torch_bit_for_bit(ls, options):
    # The flattened gradient has 2 nonzero elements (the unused parameter adds zeros, exact in
    # any order): every dot product is a sum of two rounded products, as MKL's, and the steps
    # are fused multiply-adds, as PyTorch's add_(alpha=): all of PyTorch's arithmetic is
    # followed, so the bits are equal.
    mine, opt = _rosenbrock(ag, ls, **options)
    theirs, topt = _rosenbrock(torch, ls, **options)
    assert mine == theirs
    state, tstate = next(iter(opt.state.values())), next(iter(topt.state.values()))
    assert set(state) == set(tstate)
    for key in ("func_evals", "n_iter", "prev_loss"):
        assert state[key] == tstate[key]
    for key in ("d", "t", "H_diag", "prev_flat_grad"):
        mine_value, their_value = ag.as_tensor(state[key]), torch.as_tensor(tstate[key])
        assert _np(mine_value).tobytes() == _np(their_value).tobytes()
    for key in ("old_dirs", "old_stps", "ro", "al"):
        assert len(state[key]) == len(tstate[key])
        for a, b in zip(state[key], tstate[key], strict=True):
            assert (a is None) == (b is None)
            if a is not None:
                assert _np(a).tobytes() == _np(b).tobytes()


@pytest.mark.parametrize("options", [{}, {"max_iter": 4, "max_eval": 9}])
def test_float32_line_search_follows_torch(options):
    # From the textbook start in float32. The bits follow PyTorch's only as far as its float32
    # dot products (MKL's) do, whose summation, fused or not, depends on the CPU: equal bits on
    # an Intel Xeon, the parameters one float32 step apart from the second step on an AMD EPYC.
    # So: within two steps, and the losses, near 0 at the end, within 1e-9.
    mine, _ = _rosenbrock(ag, "strong_wolfe", dtype="float32", start=(-1.2, 1.0), **options)
    theirs, _ = _rosenbrock(torch, "strong_wolfe", dtype="float32", start=(-1.2, 1.0), **options)
    for step, their_step in zip(mine, theirs, strict=True):
        loss, *params = (np.frombuffer(b, np.float32) for b in step)
        their_loss, *their_params = (np.frombuffer(b, np.float32) for b in their_step)
        np.testing.assert_allclose(loss, their_loss, rtol=1e-6, atol=1e-9)
        for value, their_value in zip(params, their_params, strict=True):
            assert np.abs(value - their_value) <= 2 * np.abs(np.spacing(their_value))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_number_over_a_0d_array_divides_as_torch(dtype):
    # The cubic interpolation divides a Python float by a 0-d tensor: PyTorch's
    # Tensor.__rtruediv__ takes the reciprocal, then multiplies, which rounds differently from
    # a division in about a quarter of cases (each step correctly rounded: the same bits on
    # every CPU). A plain division lost the float32 trajectory's bits within five steps.
    from arraygrad.optim.lbfgs import _divide

    values = np.random.default_rng(3).uniform(-10, 10, 300).astype(dtype)
    for number in (0.7, -2.3, 1e-3):
        mine = [_divide(number, np.asarray(v)) for v in values]
        theirs = [number / torch.tensor(v) for v in values]
        pairs = zip(mine, theirs, strict=True)
        assert all(np.asarray(m).tobytes() == t.numpy().tobytes() for m, t in pairs)
        assert any(np.asarray(m) != number / v for m, v in zip(mine, values, strict=True))


def _least_squares(lib, dtype, ls, n, features, penalty=0.0, logistic=False, steps=4):
    rng = np.random.default_rng(7)
    x_data = rng.standard_normal((n, features))
    y_data = x_data @ rng.standard_normal(features) + 0.3 + 0.1 * rng.standard_normal(n)
    if logistic:
        y_data = (y_data > 0.3).astype(np.float64)
    dt = getattr(lib, dtype)
    inputs, targets = lib.tensor(x_data, dtype=dt), lib.tensor(y_data, dtype=dt)
    w = lib.full((features, 1), 0.1, dtype=dt, requires_grad=True)
    b = lib.zeros(1, dtype=dt, requires_grad=True)
    opt = lib.optim.LBFGS([w, b], line_search_fn=ls, max_iter=10, history_size=4)

    def closure():
        opt.zero_grad()
        z = (inputs @ w).reshape(-1) + b
        if logistic:
            loss = lib.nn.functional.binary_cross_entropy_with_logits(z, targets)
        else:
            loss = ((z - targets) ** 2).mean()
        loss = loss + penalty * (w**2).sum()
        loss.backward()
        return loss

    losses = [_np(opt.step(closure)) for _ in range(steps)]
    return np.array(losses), np.concatenate([_np(w).ravel(), _np(b)])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("ls", [None, "strong_wolfe"])
def test_small_least_squares_equals_torch_bit_for_bit(dtype, ls):
    # 3 samples, one feature and a bias: arraygrad's loss and gradients equal torch's bits, and
    # the flat gradient has 2 elements, so LBFGS's arithmetic is all followed (the float32 run
    # checks the promotions of Python floats against 0-d float32 values).
    mine = _least_squares(ag, dtype, ls, n=3, features=1)
    theirs = _least_squares(torch, dtype, ls, n=3, features=1)
    assert mine[0].tobytes() == theirs[0].tobytes()
    assert mine[1].tobytes() == theirs[1].tobytes()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("ls", [None, "strong_wolfe"])
@pytest.mark.parametrize("logistic", [False, True])
def test_regressions_match_torch(dtype, ls, logistic):
    # 16 samples, 5 features: tolerances, not bits. The closure's reductions (the mean over 16
    # samples, the 16 x 5 matmul) differ from torch's in the last bits, and PyTorch's dot
    # products of the 6-element flat gradients are MKL's, summed in an order that depends on
    # the CPU's vector width. The small L2 penalty keeps the logistic problem well conditioned,
    # so that last-bit differences stay last-bit.
    mine = _least_squares(ag, dtype, ls, n=16, features=5, penalty=0.01, logistic=logistic)
    theirs = _least_squares(torch, dtype, ls, n=16, features=5, penalty=0.01, logistic=logistic)
    rtol, atol = (1e-4, 1e-5) if dtype == "float32" else (1e-10, 1e-12)
    np.testing.assert_allclose(mine[0], theirs[0], rtol=rtol, atol=atol)
    np.testing.assert_allclose(mine[1], theirs[1], rtol=rtol, atol=atol)


def test_parameters_of_several_shapes_match_torch():
    # A quadratic over parameters of shapes (2, 3), (3,) and (): flattened in order, each
    # updated through its own slice of the direction. Tolerances: dot products of 10 elements.
    target = np.arange(10.0) / 7

    def run(lib):
        shapes = [(2, 3), (3,), ()]
        params = [lib.ones(s, dtype=lib.float64, requires_grad=True) for s in shapes]
        opt = lib.optim.LBFGS(params, line_search_fn="strong_wolfe", history_size=5)
        scale = lib.tensor(np.linspace(1.0, 3.0, 10))
        goal = lib.tensor(target)

        def closure():
            opt.zero_grad()
            flat = lib.cat([p.reshape(-1) for p in params])
            loss = (scale * (flat - goal) ** 2).sum() + (flat[0] * flat[4]) ** 2
            loss.backward()
            return loss

        losses = [float(opt.step(closure)) for _ in range(3)]
        return losses, [_np(p) for p in params]

    mine, theirs = run(ag), run(torch)
    np.testing.assert_allclose(mine[0], theirs[0], rtol=1e-12, atol=1e-15)
    for a, b in zip(mine[1], theirs[1], strict=True):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_add_rounds_once_as_torch_add_with_alpha(dtype):
    rng = np.random.default_rng(3)
    base, update = (rng.standard_normal(1000).astype(dtype) for _ in range(2))
    for alpha in (0.1, -3.7, 1e-5, np.asarray(0.3, dtype=dtype)):
        expected = torch.from_numpy(base.copy()).add_(torch.from_numpy(update), alpha=float(alpha))
        assert _backend.fused_add(base, alpha, update).tobytes() == expected.numpy().tobytes()
    assert _backend.fused_add(base, 0.1, update).tobytes() != (base + dtype(0.1) * update).tobytes()
    # overflowing intermediates fall back to the twice-rounded sum, as inf or nan
    big = np.array([np.finfo(dtype).max, 1.0], dtype=dtype)
    got = _backend.fused_add(big, 2.0, big)
    assert np.isinf(got[0]) and got[1] == 3.0


def test_state_dict_round_trip_continues_bit_for_bit():
    _, opt = _rosenbrock(ag, "strong_wolfe", steps=2, history_size=4)
    saved = opt.state_dict()
    assert set(saved["state"][0]) == {
        "func_evals", "n_iter", "d", "t", "old_dirs", "old_stps", "ro", "H_diag",
        "prev_flat_grad", "prev_loss", "al",
    }  # fmt: skip
    assert saved["param_groups"][0]["max_eval"] == 25  # max_iter * 5 // 4

    def resume(source):
        params = [p.detach().clone().requires_grad_() for p in opt.param_groups[0]["params"]]
        x, _, y = params
        new = optim.LBFGS(params, line_search_fn="strong_wolfe", history_size=4)
        new.load_state_dict(source)

        def closure():
            new.zero_grad()
            loss = ((1 - x) ** 2 + 100 * (y.reshape(1) - x**2) ** 2).sum()
            loss.backward()
            return loss

        for _ in range(2):
            new.step(closure)
        return _np(x).tobytes(), _np(y).tobytes(), new.state[x]["func_evals"]

    straight, straight_opt = _rosenbrock(ag, "strong_wolfe", steps=4, history_size=4)
    x_bits, y_bits, evals = resume(saved)
    assert (x_bits, y_bits) == straight[-1][1:]
    assert evals == next(iter(straight_opt.state.values()))["func_evals"]
    # the loaded state is a copy: stepping the new optimizer left the saved dict as it was
    assert saved["state"][0]["n_iter"] == opt.state[opt.param_groups[0]["params"][0]]["n_iter"]


def test_closure_runs_with_gradients_on_and_step_returns_its_first_loss():
    w = ag.tensor([3.0, -1.0], requires_grad=True)
    opt = optim.LBFGS([w], max_iter=3)
    seen = []

    def closure():
        seen.append(ag.is_grad_enabled())
        opt.zero_grad()
        loss = (w**2).sum()
        loss.backward()
        return loss

    with ag.no_grad():
        loss = opt.step(closure)
    assert seen and all(seen)
    assert loss.item() == 10.0 and loss.requires_grad
    assert len(seen) == opt.state[w]["func_evals"] == 3  # no evaluation after the last iteration


def test_a_stationary_start_returns_at_once():
    w = ag.zeros(2, requires_grad=True)
    opt = optim.LBFGS([w])

    def closure():
        opt.zero_grad()
        loss = (w**2).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 0.0
    assert opt.state[w] == {"func_evals": 1, "n_iter": 0}


def _error(lib, make):
    try:
        make(lib)
    except Exception as error:  # the test compares the two libraries' errors
        return type(error).__name__, str(error)
    return None


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.optim.LBFGS(
            [{"params": [lib.zeros(1, requires_grad=True)]}, {"params": [lib.zeros(1)]}]
        ),
        lambda lib: lib.optim.LBFGS([lib.zeros(1, requires_grad=True)], lr=-1.0),
        lambda lib: lib.optim.LBFGS([lib.zeros(1, requires_grad=True)], lr=lib.ones(2)),
        # torch 2.13's LBFGS has no maximize option
        lambda lib: lib.optim.LBFGS([lib.zeros(1, requires_grad=True)], maximize=True),
    ],
)
def test_misuse_raises_as_torch(make):
    mine, theirs = _error(ag, make), _error(torch, make)
    assert mine is not None and theirs is not None
    assert mine[0] == theirs[0]
    if mine[0] != "TypeError":  # TypeError texts name the class's module
        # torch's text, then what was given and the fix
        assert mine[1].startswith(theirs[1]), (mine, theirs)


def test_unknown_line_search_raises_as_torch():
    def run(lib):
        w = lib.ones(1, requires_grad=True)
        opt = lib.optim.LBFGS([w], line_search_fn="armijo")

        def closure():
            opt.zero_grad()
            loss = (w**2).sum()
            loss.backward()
            return loss

        opt.step(closure)

    expected = ("RuntimeError", "only 'strong_wolfe' is supported")
    assert _error(torch, run) == expected
    mine = _error(ag, run)
    assert mine[0] == expected[0] and mine[1].startswith(expected[1]) and "'armijo'" in mine[1]


def test_compiled_step_runs_eagerly_with_a_warning_and_equal_results():
    def run_one(compiled):
        x = ag.tensor([-1.5], dtype=ag.float64, requires_grad=True)
        y = ag.tensor([2.0], dtype=ag.float64, requires_grad=True)
        opt = optim.LBFGS([x, y], line_search_fn="strong_wolfe", max_iter=5)

        def closure():
            opt.zero_grad()
            loss = ((1 - x) ** 2 + 100 * (y - x**2) ** 2).sum()
            loss.backward()
            return loss

        def step():
            return opt.step(closure)

        run = ag.compile(step) if compiled else step
        losses = [run()._data.tobytes() for _ in range(4)]
        return losses, _np(x).tobytes(), _np(y).tobytes()

    eager = run_one(False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compiled = run_one(True)
    assert compiled == eager
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(messages) == 1 and "runs eagerly" in messages[0] and "LBFGS.step" in messages[0]


def test_a_scheduler_stepped_before_lbfgs_warns_as_in_torch():
    def warned(lib, step_first):
        w = lib.zeros(1, requires_grad=True)
        opt = lib.optim.LBFGS([w], max_iter=1)
        scheduler = lib.optim.lr_scheduler.StepLR(opt, 1)
        if step_first:
            opt.step(lambda: (w**2).sum())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            scheduler.step()
        return [str(c.message)[:40] for c in caught if "lr_scheduler.step()" in str(c.message)]

    for step_first in (False, True):
        assert warned(ag, step_first) == warned(torch, step_first)
    assert warned(ag, False)
