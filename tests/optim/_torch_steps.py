"""Helpers shared by the Adafactor and Muon tests: 20 steps on arraygrad and torch from the
same float64 parameters and gradients, a compiled step against the eager one, state dicts."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch

import arraygrad as ag


def run_both(name: str, shape: tuple[int, ...], seed: int = 0, steps: int = 20, **options: Any):
    """The parameter after each of ``steps`` steps, arraygrad's and torch's, in float64."""
    rng = np.random.default_rng(seed)
    start = rng.standard_normal(shape)
    grads = [rng.standard_normal(shape) for _ in range(steps)]
    ours = ag.tensor(start, dtype=ag.float64, requires_grad=True)
    theirs = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    our_opt = getattr(ag.optim, name)([ours], **options)
    their_opt = getattr(torch.optim, name)([theirs], **options)
    pairs = []
    for grad in grads:
        ours.grad = ag.tensor(grad, dtype=ag.float64)
        theirs.grad = torch.tensor(grad, dtype=torch.float64)
        our_opt.step()
        their_opt.step()
        pairs.append((ours.detach().numpy().copy(), theirs.detach().numpy().copy()))
    return pairs, our_opt, their_opt


def assert_steps_match(name: str, shape: tuple[int, ...], **options: Any) -> None:
    pairs, _, _ = run_both(name, shape, **options)
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-14)


def state_dict_round_trip(name: str, shape: tuple[int, ...], **options: Any) -> None:
    """arraygrad's state after 3 steps loads into torch's optimizer and back, and both go on
    to the same parameters; the state's names, shapes and dtypes are torch's."""
    pairs, our_opt, their_opt = run_both(name, shape, steps=3, **options)
    ours = our_opt.state_dict()
    theirs = their_opt.state_dict()
    assert ours["param_groups"] == theirs["param_groups"]
    for index, values in theirs["state"].items():
        mine = ours["state"][index]
        assert list(mine) == list(values)
        for key, value in values.items():
            assert tuple(mine[key].shape) == tuple(value.shape), key
            assert str(mine[key].dtype).split(".")[-1] == str(value.dtype).split(".")[-1], key
            np.testing.assert_allclose(mine[key].numpy(), value.numpy(), rtol=1e-10)
    # arraygrad's state into a fresh torch optimizer, torch's into a fresh arraygrad one
    start = pairs[-1][0]
    p_torch = torch.tensor(start, requires_grad=True)
    p_ours = ag.tensor(start, dtype=ag.float64, requires_grad=True)
    fresh_torch = getattr(torch.optim, name)([p_torch], **options)
    fresh_ours = getattr(ag.optim, name)([p_ours], **options)
    fresh_torch.load_state_dict(
        {
            "state": {
                k: {n: torch.tensor(v.numpy()) for n, v in s.items()}
                for k, s in ours["state"].items()
            },
            "param_groups": ours["param_groups"],
        }
    )
    fresh_ours.load_state_dict(
        {
            "state": {
                k: {n: ag.tensor(v.numpy()) for n, v in s.items()}
                for k, s in theirs["state"].items()
            },
            "param_groups": theirs["param_groups"],
        }
    )
    grad = np.random.default_rng(7).standard_normal(shape)
    p_torch.grad = torch.tensor(grad)
    p_ours.grad = ag.tensor(grad, dtype=ag.float64)
    fresh_torch.step()
    fresh_ours.step()
    np.testing.assert_allclose(p_ours.detach().numpy(), p_torch.detach().numpy(), rtol=1e-10)


def compiled_equals_eager(name: str, shapes: list[tuple[int, ...]], **options: Any) -> None:
    """``arraygrad.compile(opt.step)`` over 6 calls, with the lr changed between calls (read
    anew on each replay), gives eager's bits, and replays: two traces (the first step makes
    the state and runs eagerly), no fallback warning."""

    def run(compiled: bool) -> tuple[list[bytes], list[str], int]:
        rng = np.random.default_rng(3)
        params = [ag.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
        opt = getattr(ag.optim, name)(params, **options)

        def eager_step(*grads: ag.Tensor) -> None:
            for p, grad in zip(params, grads, strict=True):
                p.grad = grad
            opt.step()

        step = ag.compile(eager_step) if compiled else eager_step
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for call in range(6):
                grads = [ag.tensor(rng.standard_normal(p.shape)) for p in params]
                opt.param_groups[0]["lr"] = options.get("lr", 0.01) * (1 + call)
                step(*grads)
        traces = step.traces if compiled else 0  # type: ignore[attr-defined]
        return [p._data.tobytes() for p in params], [str(w.message) for w in caught], traces

    eager, _, _ = run(False)
    compiled, caught, traces = run(True)
    assert compiled == eager
    assert not caught, caught
    assert traces == 2, traces  # the first step makes the state; the second trace replays
