"""Run the same layer in torch and arraygrad with the same weights and compare everything."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

import arraygrad as ag
import arraygrad.nn


def copy_weights(th_module: torch.nn.Module, ag_module: ag.nn.Module) -> None:
    """Load a torch module's state_dict into the arraygrad module (strict)."""
    state = {k: ag.tensor(v.detach().numpy()) for k, v in th_module.state_dict().items()}
    ag_module.load_state_dict(state)


def _flat(value: Any) -> list[Any]:
    if isinstance(value, (tuple, list)):
        return [x for item in value for x in _flat(item)]
    return [value]


def _np(value: Any) -> np.ndarray:
    return np.asarray(value.detach().numpy())


def compare_module(
    build: Callable[[Any], Any],
    inputs: Sequence[np.ndarray],
    *,
    train: bool = True,
    rtol: float = 1e-7,
    atol: float = 1e-9,
    seed: int = 0,
    call: Callable[[Any, list[Any]], Any] | None = None,
) -> tuple[Any, Any]:
    """Assert forward values, input gradients and parameter gradients agree in float64.

    ``build(nn)`` makes the layer from either library's ``nn``; floating inputs get gradients.
    Returns both modules so callers can compare state afterwards.
    """
    torch.manual_seed(seed)
    th_mod = build(torch.nn).double()
    ag_mod = build(ag.nn).double()
    copy_weights(th_mod, ag_mod)
    th_mod.train(train)
    ag_mod.train(train)

    def make(lib: Any, array: np.ndarray) -> Any:
        floating = np.issubdtype(array.dtype, np.floating)
        return lib.tensor(array, requires_grad=floating)

    th_in = [make(torch, a) for a in inputs]
    ag_in = [make(ag, a) for a in inputs]
    call = call or (lambda module, args: module(*args))
    th_out = _flat(call(th_mod, th_in))
    ag_out = _flat(call(ag_mod, ag_in))
    assert len(th_out) == len(ag_out)
    for mine, theirs in zip(ag_out, th_out, strict=True):
        assert tuple(mine.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(_np(mine), _np(theirs), rtol=rtol, atol=atol)

    rng = np.random.default_rng(seed)
    pairs = [(m, t) for m, t in zip(ag_out, th_out, strict=True) if t.requires_grad]
    if not pairs:
        return th_mod, ag_mod
    cotangents = [rng.standard_normal(tuple(t.shape)) for _, t in pairs]
    th_total = sum((t * torch.tensor(c)).sum() for (_, t), c in zip(pairs, cotangents, strict=True))
    ag_total = sum((m * ag.tensor(c)).sum() for (m, _), c in zip(pairs, cotangents, strict=True))
    th_total.backward()
    ag_total.backward()
    for index, (mine, theirs) in enumerate(zip(ag_in, th_in, strict=True)):
        if theirs.grad is None:
            continue
        np.testing.assert_allclose(
            _np(mine.grad), _np(theirs.grad), rtol=rtol, atol=atol, err_msg=f"input {index}"
        )
    th_params = dict(th_mod.named_parameters())
    ag_params = dict(ag_mod.named_parameters())
    assert list(ag_params) == list(th_params)
    for name, theirs in th_params.items():
        mine = ag_params[name]
        if theirs.grad is None:
            assert mine.grad is None or not np.any(_np(mine.grad)), name
            continue
        assert mine.grad is not None, f"no gradient for {name}"
        np.testing.assert_allclose(
            _np(mine.grad), _np(theirs.grad), rtol=rtol, atol=atol, err_msg=name
        )
    return th_mod, ag_mod
