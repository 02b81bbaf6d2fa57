"""Whole ``nn`` modules, losses, optimizers and lr schedulers on another Array API library.

The op tables run on ``array_api_strict`` in ``tests/test_array_api_strict.py``; a layer can
still call a NumPy-only function, index arrays in a way the standard does not allow, or read
values into Python differently. Each case of ``_backend_cases`` builds its module in float64 on
NumPy from a fixed seed, copies the ``state_dict`` to a second instance built on the other
backend, runs forward and backward (the sum of the outputs times a fixed random cotangent) on
both, and compares the outputs, the buffers after the call, and every gradient. Optimizers take
three steps on a small model on both backends; schedulers set the learning rates of those steps.
The ``cupy`` parameter runs the same catalogue on a GPU where one is present.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import arraygrad as ag
from tests.nn._backend_cases import LOSSES, MODULES, Case
from tests.oracle import on_backend


def _cuda_devices() -> int:
    try:
        cupy = importlib.import_module("cupy")
        return int(cupy.cuda.runtime.getDeviceCount())
    except Exception:  # no CuPy, or CuPy without a driver (its own CUDARuntimeError)
        return 0


BACKENDS = [
    pytest.param(
        "array_api_strict",
        marks=pytest.mark.skipif(
            importlib.util.find_spec("array_api_strict") is None,
            reason="array_api_strict is not installed",
        ),
    ),
    pytest.param(
        "cupy",
        marks=pytest.mark.skipif(_cuda_devices() == 0, reason="no CuPy with a CUDA device"),
    ),
]


def _array_class(backend: str) -> type:
    library = importlib.import_module(backend)
    return type(library.asarray(0.0))


def _flat(value: Any) -> list[Any]:
    if isinstance(value, (tuple, list)):
        return [x for item in value for x in _flat(item)]
    return [value] if isinstance(value, ag.Tensor) else []


def _np(tensor: ag.Tensor) -> np.ndarray:
    return np.array(tensor.detach().numpy())


def _run(
    case: Case, arrays: list[np.ndarray], state: dict[str, np.ndarray] | None
) -> dict[str, Any]:
    """Build ``case``'s module on the active backend (with ``state`` when given), run it forward
    and backward on ``arrays``; every result as NumPy arrays, plus the tensors themselves."""
    ag.manual_seed(0)
    module = case.build(ag.nn).double().train(case.train)
    wanted = range(len(arrays)) if case.grads is None else case.grads
    inputs = [
        ag.tensor(a, requires_grad=i in wanted and np.issubdtype(a.dtype, np.floating))
        for i, a in enumerate(arrays)
    ]
    call = case.call or (lambda m, args: m(*args))
    if any(isinstance(p, ag.nn.parameter.UninitializedParameter) for p in module.parameters()):
        with ag.no_grad():  # lazy modules take their shapes from a first call
            call(module, inputs)
    if state is not None:
        module.load_state_dict({k: ag.tensor(v) for k, v in state.items()})
    initial = {k: _np(v).copy() for k, v in module.state_dict().items()}
    outputs = _flat(call(module, inputs))
    rng = np.random.default_rng(1)
    total = None
    for out in outputs:
        if out.requires_grad:
            term = (out * ag.tensor(rng.standard_normal(tuple(out.shape)))).sum()
            total = term if total is None else total + term
    if total is not None:
        total.backward()
    grads = {f"input {i}": x.grad for i, x in enumerate(inputs) if x.grad is not None}
    grads.update({n: p.grad for n, p in module.named_parameters() if p.grad is not None})
    return {
        "initial": initial,
        "outputs": [_np(o) for o in outputs],
        "state": {k: _np(v) for k, v in module.state_dict().items()},
        "grads": {k: _np(g) for k, g in grads.items()},
        "tensors": [*outputs, *grads.values()],
    }


def _assert_same(mine: np.ndarray, ref: np.ndarray, rtol: float, atol: float, what: str) -> None:
    assert mine.shape == ref.shape and mine.dtype == ref.dtype, (what, mine.dtype, ref.dtype)
    np.testing.assert_allclose(mine, ref, rtol=rtol, atol=atol, err_msg=what)


def check_case(case: Case, backend: str) -> None:
    """Assert ``case`` computes on ``backend`` what it computes on NumPy."""
    arrays = case.inputs(np.random.default_rng(0))
    ref = _run(case, arrays, None)
    assert ref["outputs"], "the case has no tensor output"
    with on_backend(backend):
        got = _run(case, arrays, ref["initial"])
    array_class = _array_class(backend)
    assert all(isinstance(t._data, array_class) for t in got["tensors"])
    assert len(got["outputs"]) == len(ref["outputs"])
    for i, (mine, theirs) in enumerate(zip(got["outputs"], ref["outputs"], strict=True)):
        _assert_same(mine, theirs, case.rtol, case.atol, f"output {i}")
    assert got["state"].keys() == ref["state"].keys()
    for name, value in ref["state"].items():
        _assert_same(got["state"][name], value, case.rtol, case.atol, f"state {name}")
    assert got["grads"].keys() == ref["grads"].keys()
    for name, value in ref["grads"].items():
        _assert_same(got["grads"][name], value, case.rtol, case.atol, f"grad of {name}")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_matches_numpy(backend: str, name: str) -> None:
    check_case(MODULES[name], backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_matches_numpy(backend: str, name: str) -> None:
    check_case(LOSSES[name], backend)


def test_the_other_backend_really_computes() -> None:
    pytest.importorskip("array_api_strict")
    with on_backend("array_api_strict"):
        layer = ag.nn.Linear(3, 2)
        x = ag.tensor(np.ones((4, 3), dtype=np.float32), requires_grad=True)
        layer(x).sum().backward()
    strict = _array_class("array_api_strict")
    assert all(isinstance(t._data, strict) for t in (layer.weight, layer.weight.grad, x.grad))
    assert not isinstance(layer.weight._data, np.ndarray)


OPTIMIZERS: dict[str, Callable[[Any], Any]] = {
    "SGD": lambda p: ag.optim.SGD(p, lr=0.1),
    "SGD-nesterov": lambda p: ag.optim.SGD(
        p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01
    ),
    "SGD-dampening-maximize": lambda p: ag.optim.SGD(
        p, lr=0.1, momentum=0.5, dampening=0.3, maximize=True
    ),
    "Adam": lambda p: ag.optim.Adam(p, lr=0.05, weight_decay=0.01),
    "Adam-amsgrad": lambda p: ag.optim.Adam(p, lr=0.05, amsgrad=True),
    "AdamW": lambda p: ag.optim.AdamW(p, lr=0.05, amsgrad=True),
    "Adamax": lambda p: ag.optim.Adamax(p, lr=0.05, weight_decay=0.1),
    "NAdam": lambda p: ag.optim.NAdam(p, lr=0.05, weight_decay=0.1),
    "NAdam-decoupled": lambda p: ag.optim.NAdam(
        p, lr=0.05, weight_decay=0.1, decoupled_weight_decay=True
    ),
    "RAdam": lambda p: ag.optim.RAdam(p, lr=0.05, weight_decay=0.1),
    "RMSprop": lambda p: ag.optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    "Rprop": lambda p: ag.optim.Rprop(p, lr=0.05),
    "Adagrad": lambda p: ag.optim.Adagrad(p, lr=0.1, lr_decay=0.01, weight_decay=0.1),
    "Adadelta": lambda p: ag.optim.Adadelta(p, lr=1.0, weight_decay=0.1),
    "ASGD": lambda p: ag.optim.ASGD(p, lr=0.05, t0=1),
    # (torch refuses a tensor lr with foreach=True unless capturable: foreach left to default)
    "Adam-tensor-lr": lambda p: ag.optim.Adam(p, lr=ag.tensor(0.05)),
    "SGD-foreach": lambda p: ag.optim.SGD(p, lr=0.1, momentum=0.9, foreach=True),
    "LBFGS": lambda p: ag.optim.LBFGS(p, lr=0.5, max_iter=4, history_size=3),
    "LBFGS-strong-wolfe": lambda p: ag.optim.LBFGS(
        p, max_iter=4, history_size=3, line_search_fn="strong_wolfe"
    ),
}

# Every optimizer but LBFGS once more maximizing, on its foreach path where it has one.
for _name in ("Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "ASGD", "NAdam", "RAdam"):
    OPTIMIZERS[f"{_name}-foreach-maximize"] = lambda p, n=_name: getattr(ag.optim, n)(
        p, lr=0.05, foreach=True, maximize=True
    )
for _name in ("RMSprop", "Rprop"):
    OPTIMIZERS[f"{_name}-foreach-maximize"] = lambda p, n=_name: getattr(ag.optim, n)(
        p, lr=0.01, foreach=True, maximize=True
    )
OPTIMIZERS["RAdam-decoupled"] = lambda p: ag.optim.RAdam(
    p, lr=0.05, weight_decay=0.1, decoupled_weight_decay=True
)
OPTIMIZERS["ASGD-capturable"] = lambda p: ag.optim.ASGD(p, lr=0.05, capturable=True)

S = ag.optim.lr_scheduler
SCHEDULERS: dict[str, Callable[[Any], Any]] = {
    "StepLR": lambda o: S.StepLR(o, step_size=1, gamma=0.5),
    "CosineAnnealingLR": lambda o: S.CosineAnnealingLR(o, T_max=4, eta_min=0.01),
    "CosineAnnealingWarmRestarts": lambda o: S.CosineAnnealingWarmRestarts(o, T_0=2),
    "OneCycleLR": lambda o: S.OneCycleLR(o, max_lr=0.2, total_steps=4),
    "CyclicLR": lambda o: S.CyclicLR(o, 0.01, 0.2, step_size_up=2),
    "ReduceLROnPlateau": lambda o: S.ReduceLROnPlateau(o, patience=0, threshold=0.5),
    "LinearLR": lambda o: S.LinearLR(o, start_factor=0.5, total_iters=2),
    "PolynomialLR": lambda o: S.PolynomialLR(o, total_iters=3, power=2.0),
    "SequentialLR": lambda o: S.SequentialLR(
        o, [S.ConstantLR(o, factor=0.5, total_iters=1), S.ExponentialLR(o, 0.9)], milestones=[1]
    ),
    "ChainedScheduler": lambda o: S.ChainedScheduler(
        [S.MultiStepLR(o, milestones=[1, 2]), S.LambdaLR(o, lambda step: 1 / (step + 1))]
    ),
}


def _train(
    make_optimizer: Callable[[Any], Any],
    make_scheduler: Callable[[Any], Any] | None,
    state: dict[str, np.ndarray] | None,
) -> tuple[dict, list[float], list[ag.Tensor]]:
    """Three steps on a small model (from ``state`` when given, else a fresh one on NumPy): the
    parameters before, the losses and learning rates seen, and the parameters after."""
    ag.manual_seed(0)
    model = ag.nn.Sequential(ag.nn.Linear(3, 4), ag.nn.Tanh(), ag.nn.Linear(4, 2)).double()
    if state is not None:
        model.load_state_dict({k: ag.tensor(v) for k, v in state.items()})
    initial = {k: _np(v).copy() for k, v in model.state_dict().items()}
    rng = np.random.default_rng(0)
    x, y = ag.tensor(rng.standard_normal((5, 3))), ag.tensor(rng.standard_normal((5, 2)))
    optimizer = make_optimizer(model.parameters())
    scheduler = make_scheduler(optimizer) if make_scheduler else None
    seen: list[float] = []

    def closure() -> ag.Tensor:
        optimizer.zero_grad()
        loss = ag.nn.functional.mse_loss(model(x), y)
        loss.backward()
        ag.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        return loss

    for _ in range(3):
        loss = optimizer.step(closure)
        seen += [float(loss), optimizer.param_groups[0]["lr"]]
        if isinstance(scheduler, S.ReduceLROnPlateau):
            scheduler.step(loss)
        elif scheduler is not None:
            scheduler.step()
    return initial, seen, list(model.parameters())


def _check_training(
    backend: str, optimizer: Callable[[Any], Any], scheduler: Callable[[Any], Any] | None
) -> None:
    initial, seen, params = _train(optimizer, scheduler, None)
    with on_backend(backend):
        _, got_seen, got_params = _train(optimizer, scheduler, initial)
    array_class = _array_class(backend)
    assert all(isinstance(p._data, array_class) for p in got_params)
    np.testing.assert_allclose(got_seen, seen, rtol=1e-10, atol=1e-12)
    for index, (mine, ref) in enumerate(zip(got_params, params, strict=True)):
        _assert_same(_np(mine), _np(ref), 1e-10, 1e-12, f"parameter {index}")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_steps_match_numpy(backend: str, name: str) -> None:
    _check_training(backend, OPTIMIZERS[name], None)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_scheduled_steps_match_numpy(backend: str, name: str) -> None:
    momentum = name in ("CyclicLR", "OneCycleLR")  # the cyclic ones cycle the momentum too
    make = OPTIMIZERS["SGD-nesterov" if momentum else "Adam"]
    _check_training(backend, make, SCHEDULERS[name])


CLIPPING: dict[str, Callable[[list[ag.Tensor]], Any]] = {
    "clip_grad_norm_": lambda ps: ag.nn.utils.clip_grad_norm_(ps, 0.5),
    "clip_grad_norm_-inf-foreach": lambda ps: ag.nn.utils.clip_grad_norm_(
        ps, 0.5, norm_type=float("inf"), foreach=True
    ),
    "clip_grad_norm_-1.5": lambda ps: ag.nn.utils.clip_grad_norm_(ps, 0.5, norm_type=1.5),
    "clip_grad_value_": lambda ps: ag.nn.utils.clip_grad_value_(ps, 0.3),
    "get_total_norm": lambda ps: ag.nn.utils.get_total_norm([p.grad for p in ps], 3.0),
    "parameters_to_vector": lambda ps: ag.nn.utils.parameters_to_vector(ps) * 2,
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", sorted(CLIPPING))
def test_gradient_utilities_match_numpy(backend: str, name: str) -> None:
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((3, 4)), rng.standard_normal(4)]

    def run() -> list[np.ndarray]:
        params = [ag.nn.Parameter(ag.tensor(a)) for a in arrays]
        for p in params:
            p.grad = ag.tensor(np.arange(p.numel(), dtype=np.float64).reshape(p.shape) / 7)
        result = CLIPPING[name](params)
        returned = [] if result is None else [_np(result)]
        return [*returned, *(_np(p.grad) for p in params)]

    ref = run()
    with on_backend(backend):
        got = run()
    for index, (mine, theirs) in enumerate(zip(got, ref, strict=True)):
        _assert_same(mine, theirs, 1e-10, 1e-12, f"result {index}")
