"""``amp.GradScaler`` against ``torch.amp.GradScaler`` on the CPU: scaling, unscaling, skipped
steps, the scale's growth and backoff, checkpoints, and the disabled pass-through."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag

INF, NAN = float("inf"), float("nan")


def _param(lib: Any, grad: float, dtype: str = "float32") -> tuple[Any, Any]:
    p = lib.nn.Parameter(lib.ones(2, dtype=getattr(lib, dtype)))
    p.grad = lib.full((2,), grad, dtype=getattr(lib, dtype))
    return p, lib.optim.SGD([p], lr=1.0)


def _trace(lib: Any, grads: list[float], **options: Any) -> list[Any]:
    """Scale, step and update once per gradient value; what the scaler and the weights say."""
    scaler = lib.amp.GradScaler("cpu", **options)
    out = []
    for g in grads:
        p, opt = _param(lib, g)
        loss = scaler.scale(lib.tensor(1.0))
        returned = scaler.step(opt)
        scaler.update()
        out.append((loss.item(), returned, p.detach().tolist(), scaler.get_scale()))
        out.append((scaler._get_growth_tracker(), scaler.state_dict()))
    return out


@pytest.mark.parametrize(
    ("grads", "options"),
    [
        ([1, 1, 1, INF, 1, 1, NAN, 1, 1], {"init_scale": 4.0, "growth_interval": 2}),
        ([1, 1, INF, 1, 1, 1], {"init_scale": 4.0, "growth_interval": 2, "growth_factor": 3.0}),
        ([INF, 1, 1, 1], {"init_scale": 12.0, "backoff_factor": 0.3, "growth_interval": 1}),
        ([1, 1, 1], {"init_scale": 3e38, "growth_interval": 1}),  # growth would overflow
        ([1, 1, 1], {"init_scale": 4.0, "growth_interval": 0}),  # never grows
        ([NAN, NAN, 1], {}),
    ],
)
def test_scale_step_update_as_torch(grads: list[float], options: dict[str, Any]) -> None:
    mine, theirs = _trace(ag, grads, **options), _trace(torch, grads, **options)
    np.testing.assert_equal(mine, theirs)


def test_unscale_divides_gradients_and_skips_on_inf_as_torch() -> None:
    for g, scale, dtype in ((8.0, 4.0, "float32"), (1.0, 3.0, "float32"), (1.0, 4.0, "float64")):
        grads = []
        for lib in (ag, torch):
            scaler = lib.amp.GradScaler("cpu", init_scale=scale)
            p, opt = _param(lib, g, dtype)
            scaler.scale(lib.tensor(1.0))
            scaler.unscale_(opt)
            grads.append(p.grad.tolist())
        assert grads[0] == grads[1]
    # A finite gradient that overflows when unscaled (scale < 1) does not skip the step: the
    # check is on the scaled values.
    outcomes = []
    for lib in (ag, torch):
        scaler = lib.amp.GradScaler("cpu", init_scale=0.5)
        p = lib.nn.Parameter(lib.ones(1))
        p.grad = lib.tensor([3e38])
        opt = lib.optim.SGD([p], lr=1.0)
        scaler.scale(lib.tensor(1.0))
        outcomes.append((scaler.step(opt), p.detach().tolist(), p.grad.tolist()))
    assert outcomes[0] == outcomes[1]


def test_one_optimizer_with_inf_skips_only_its_step_and_backs_off() -> None:
    outcomes = []
    for lib in (ag, torch):
        scaler = lib.amp.GradScaler("cpu", init_scale=2.0)
        p, o1 = _param(lib, 1.0)
        q, o2 = _param(lib, INF)
        scaler.scale(lib.tensor(1.0))
        outcomes.append((scaler.step(o1), scaler.step(o2), p.tolist(), q.tolist()))
        scaler.update()
        outcomes.append(scaler.get_scale())
    assert outcomes[:2] == outcomes[2:]


def _error(action: Any) -> tuple[str, str] | None:
    try:
        action()
    except Exception as error:
        return type(error).__name__, str(error)
    return None


def _same(mine: Any, theirs: Any) -> bool:
    """The same outcomes: each error of the same class, torch's words first (arraygrad's
    message may then name the fix)."""
    if isinstance(mine, list) and isinstance(theirs, list):
        return len(mine) == len(theirs) and all(map(_same, mine, theirs))
    if isinstance(mine, tuple) and isinstance(theirs, tuple):
        return mine[0] == theirs[0] and mine[1].startswith(theirs[1])
    return bool(mine == theirs)


def _misuses(lib: Any) -> list[Any]:
    out = []

    def fresh(**options: Any) -> Any:
        return lib.amp.GradScaler("cpu", init_scale=4.0, **options)

    out.append(_error(lambda: fresh().update()))
    out.append(_error(lambda: fresh().unscale_(_param(lib, 1.0)[1])))
    out.append(_error(lambda: fresh().step(_param(lib, 1.0)[1])))
    out.append(_error(lambda: fresh().step(_param(lib, 1.0)[1], closure=lambda: 0)))
    out.append(_error(lambda: fresh(growth_factor=0.5)))
    out.append(_error(lambda: fresh(growth_factor=1.0)))
    out.append(_error(lambda: fresh(backoff_factor=1.5)))
    out.append(_error(lambda: fresh().scale(2.0)))
    out.append(_error(lambda: fresh().scale([lib.tensor(1.0), 2.0])))
    out.append(_error(lambda: fresh().load_state_dict({})))
    out.append(_error(lambda: fresh().load_state_dict({"scale": 2.0})))
    out.append(_error(lambda: fresh(enabled=False, growth_factor=0.5)))
    for sequence in (
        ["unscale_", "unscale_"],
        ["step", "step"],
        ["step", "unscale_"],
        ["no grads", "step"],
        ["no grads", "update"],
        ["fp16", "unscale_"],
        ["update with", lib.tensor([5.0, 6.0])],
        ["update with", lib.tensor(5.0, requires_grad=True)],
    ):
        scaler = fresh()
        p, opt = _param(lib, 1.0, "float16" if sequence[0] == "fp16" else "float32")
        if sequence[0] == "no grads":
            p.grad = None
        scaler.scale(lib.tensor(1.0))
        errors = []
        for step in sequence:
            if not isinstance(step, str):
                errors.append(_error(lambda s=scaler, v=step: s.update(v)))
            elif step == "unscale_":
                errors.append(_error(lambda s=scaler, o=opt: s.unscale_(o)))
            elif step == "step":
                errors.append(_error(lambda s=scaler, o=opt: s.step(o)))
            elif step == "update":
                errors.append(_error(scaler.update))
        out.append(errors)
    return out


def test_misuse_raises_as_torch() -> None:
    mine, theirs = _misuses(ag), _misuses(torch)
    assert _same(mine, theirs), (mine, theirs)
    assert all(outcome is not None for outcome in mine[:11]), (
        "each of these misuses raises in torch"
    )


def test_scale_keeps_structure_and_promotes_as_torch() -> None:
    for lib in (ag, torch):
        scaler = lib.amp.GradScaler("cpu")
        nested = scaler.scale([lib.tensor(2.0), (lib.tensor(1.0),)])
        assert type(nested) is list and type(nested[1]) is tuple
        assert [nested[0].item(), nested[1][0].item()] == [131072.0, 65536.0]
        lazy = scaler.scale(x for x in [lib.tensor(1.0)])
        assert type(lazy) is map and [t.item() for t in lazy] == [65536.0]
    for dtype in ("float16", "float32", "float64", "int64"):
        mine = ag.amp.GradScaler("cpu").scale(ag.ones(2, dtype=getattr(ag, dtype)))
        theirs = torch.amp.GradScaler("cpu").scale(torch.ones(2, dtype=getattr(torch, dtype)))
        assert mine.dtype.name == str(theirs.dtype).removeprefix("torch.")
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    scaled = ag.amp.GradScaler("cpu", init_scale=8.0).scale((w * w).sum())
    scaled.backward()
    assert w.grad.tolist() == [16.0, 32.0]


def test_state_dict_and_settings_as_torch() -> None:
    outcomes = []
    for lib in (ag, torch):
        scaler = lib.amp.GradScaler("cpu", init_scale=8.0, growth_interval=3)
        seen = [scaler.state_dict(), scaler.get_scale(), scaler.is_enabled()]
        for g in (1.0, 1.0, INF, 1.0):
            _, opt = _param(lib, g)
            scaler.scale(lib.tensor(1.0))
            scaler.step(opt)
            scaler.update()
        saved = scaler.state_dict()
        other = lib.amp.GradScaler("cpu")
        other.load_state_dict(saved)
        seen += [saved, other.state_dict(), other.get_scale()]
        started = lib.amp.GradScaler("cpu", init_scale=2.0)
        started.scale(lib.tensor(1.0))
        started.load_state_dict(saved)
        seen += [started.get_scale(), started._get_growth_tracker()]
        started.set_growth_factor(4.0)
        started.set_backoff_factor(0.25)
        started.set_growth_interval(7)
        seen += [
            started.get_growth_factor(),
            started.get_backoff_factor(),
            started.get_growth_interval(),
            started.state_dict(),
        ]
        started.update(7.0)
        seen.append(started.get_scale())
        started.update(lib.tensor(2.5, dtype=lib.float64))
        seen.append(started.get_scale())
        outcomes.append(seen)
    assert outcomes[0] == outcomes[1]


def test_disabled_scaler_passes_through_as_torch() -> None:
    outcomes = []
    for lib in (ag, torch):
        scaler = lib.amp.GradScaler("cpu", enabled=False)
        p, opt = _param(lib, 1.0)
        loss = lib.tensor(3.0)
        seen = [scaler.scale(loss) is loss, scaler.scale(3), scaler.unscale_(None)]
        seen += [scaler.step(opt), p.tolist(), p.grad.tolist(), scaler.update()]
        seen += [scaler.get_scale(), scaler.state_dict(), scaler.is_enabled()]
        seen += [scaler.load_state_dict({}), scaler._get_growth_tracker()]
        outcomes.append(seen)
    assert outcomes[0] == outcomes[1]


def _cuda_scalers(lib: Any) -> list[Any]:
    out = []
    for make in (
        lambda: lib.amp.GradScaler(),
        lambda: lib.amp.GradScaler("cuda", init_scale=4.0),
        lambda: lib.amp.GradScaler("cuda", enabled=False),
        lambda: lib.cuda.amp.GradScaler(),
        lambda: lib.cuda.amp.GradScaler(8.0, enabled=False),
    ):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            scaler = make()
        loss = lib.tensor(3.0)
        out.append(
            (
                [(w.category.__name__, str(w.message)) for w in caught],
                scaler.is_enabled(),
                scaler.get_scale(),
                scaler.scale(loss) is loss,
            )
        )
    return out


def test_cuda_scalers_warn_and_disable_without_cuda_as_torch() -> None:
    if ag.cuda.is_available() or torch.cuda.is_available():
        pytest.skip("compares the behaviour without CUDA")
    mine, theirs = _cuda_scalers(ag), _cuda_scalers(torch)
    assert mine == theirs
    assert mine[3][0][0][0] == "FutureWarning"  # the deprecated torch.cuda.amp spelling


def test_the_top_level_name_is_amps_class_as_in_torch():
    # torch.GradScaler (2.3+) is torch.amp.GradScaler; scripts written since use that name
    assert torch.GradScaler is torch.amp.GradScaler
    assert ag.GradScaler is ag.amp.GradScaler
