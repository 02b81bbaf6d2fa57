"""Hooks on every module (``nn.modules.module.register_module_*_hook``), compared with torch.

Global hooks outlive a test, so every test registers them through ``registered``, which removes
them at the end even when the test fails.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.modules.module as torch_module

import arraygrad as ag
import arraygrad.nn.modules.global_hooks as ag_global_hooks
import arraygrad.nn.modules.module as ag_module
from arraygrad.utils.hooks import RemovableHandle

NAMES = [
    "register_module_forward_pre_hook",
    "register_module_forward_hook",
    "register_module_full_backward_pre_hook",
    "register_module_backward_hook",
    "register_module_full_backward_hook",
    "register_module_buffer_registration_hook",
    "register_module_module_registration_hook",
    "register_module_parameter_registration_hook",
]
LIBS = [(ag, ag_module), (torch, torch_module)]


@pytest.fixture
def registered() -> Iterator[list[Any]]:
    # A full backward hook fixes the kind of global backward hooks for the process: that choice
    # is undone for arraygrad (torch's stays; no other test registers its deprecated kind).
    kind = ag_global_hooks._global_backward_hooks_full
    handles: list[Any] = []
    yield handles
    for handle in handles:
        handle.remove()
    ag_global_hooks._global_backward_hooks_full = kind


def _recorder(log: list[Any], tag: str, result: Any = None) -> Callable[..., Any]:
    def hook(module: Any, *args: Any) -> Any:
        log.append((tag, type(module).__name__))
        return result

    return hook


def test_exported_where_torch_exports_them() -> None:
    assert set(ag_module.__all__) == set(torch_module.__all__) == {*NAMES, "Module"}
    for name in NAMES:
        for package in ("nn.modules", "nn"):
            in_torch = hasattr(torch.nn.modules if package == "nn.modules" else torch.nn, name)
            in_ag = hasattr(ag.nn.modules if package == "nn.modules" else ag.nn, name)
            assert in_ag == in_torch, (package, name)


def _hooked_net(lib: ModuleType, mod: ModuleType, log: list[Any], handles: list[Any]) -> Any:
    net = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Tanh(), lib.nn.Linear(3, 1))
    first, _, last = net
    handles += [
        mod.register_module_forward_pre_hook(_recorder(log, "global pre")),
        first.register_forward_pre_hook(_recorder(log, "own pre")),
        mod.register_module_forward_hook(_recorder(log, "global fwd")),
        mod.register_module_forward_hook(_recorder(log, "global fwd kw"), with_kwargs=True),
        first.register_forward_hook(_recorder(log, "own fwd")),
        first.register_forward_hook(_recorder(log, "own fwd prepended"), prepend=True),
        last.register_forward_pre_hook(_recorder(log, "own pre kw"), with_kwargs=True),
        mod.register_module_full_backward_pre_hook(_recorder(log, "global bwd pre")),
        first.register_full_backward_pre_hook(_recorder(log, "own bwd pre")),
        mod.register_module_full_backward_hook(_recorder(log, "global bwd")),
        first.register_full_backward_hook(_recorder(log, "own bwd")),
        last.register_full_backward_hook(_recorder(log, "own bwd last")),
    ]
    return net


def test_order_with_module_hooks_matches_torch(registered: list[Any]) -> None:
    logs = []
    for lib, mod in LIBS:
        log: list[Any] = []
        net = _hooked_net(lib, mod, log, registered)
        x = lib.ones(4, 2, requires_grad=True)
        out = net(x)
        log.append(("backward", ""))
        out.sum().backward()
        logs.append(log)
        for handle in registered:
            handle.remove()
    assert logs[0] == logs[1]
    assert ("global pre", "Sequential") in logs[0]


def test_handles_remove_the_hooks(registered: list[Any]) -> None:
    log: list[Any] = []
    handles = [
        ag_module.register_module_forward_pre_hook(_recorder(log, "pre")),
        ag_module.register_module_forward_hook(_recorder(log, "fwd"), always_call=True),
        ag_module.register_module_full_backward_pre_hook(_recorder(log, "bwd pre")),
        ag_module.register_module_full_backward_hook(_recorder(log, "bwd")),
        ag_module.register_module_buffer_registration_hook(_recorder(log, "buffer")),
        ag_module.register_module_parameter_registration_hook(_recorder(log, "param")),
        ag_module.register_module_module_registration_hook(_recorder(log, "module")),
    ]
    registered += handles
    assert all(type(handle) is RemovableHandle for handle in handles)
    layer = ag.nn.Linear(2, 2)
    layer(ag.ones(1, 2, requires_grad=True)).sum().backward()
    assert {tag for tag, _ in log} == {"pre", "fwd", "bwd pre", "bwd", "param"}
    for handle in handles:
        handle.remove()
    log.clear()
    ag.nn.Sequential(ag.nn.BatchNorm1d(2))(ag.ones(3, 2, requires_grad=True)).sum().backward()
    assert log == []
    # Removing the last call hook empties the one table a call tests (its cheap path).
    assert not ag_global_hooks._global_call_hooks


def test_hooks_change_inputs_outputs_and_gradients_as_torch(registered: list[Any]) -> None:
    results = []
    weight = np.array([[0.5, -1.0], [2.0, 0.25]])
    for lib, mod in LIBS:
        layer = lib.nn.Linear(2, 2, bias=False, dtype=lib.float64)
        with lib.no_grad():
            layer.weight.copy_(lib.tensor(weight))
        registered += [
            mod.register_module_forward_pre_hook(lambda m, args: args[0] * 2),  # not a tuple
            mod.register_module_forward_hook(lambda m, args, out: out + 1),
            layer.register_forward_hook(lambda m, args, out: out * 3),
            mod.register_module_full_backward_pre_hook(lambda m, g: (g[0] * 10,)),
            mod.register_module_full_backward_hook(lambda m, gi, go: (gi[0] - 1,)),
        ]
        x = lib.tensor([[1.0, -2.0]], dtype=lib.float64, requires_grad=True)
        out = layer(x)
        out.backward(lib.tensor([[1.0, 0.5]], dtype=lib.float64))
        results.append((out.detach().numpy(), x.grad.numpy(), layer.weight.grad.numpy()))
        for handle in registered:
            handle.remove()
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(ours, theirs)


def _failing_call_log(lib: ModuleType, mod: ModuleType, handles: list[Any]) -> list[str]:
    log: list[str] = []

    class Failing(lib.nn.Module):  # type: ignore[name-defined,misc]
        def forward(self, x: Any, scale: int = 1) -> Any:
            raise ValueError("boom")

    def record(tag: str) -> Callable[..., None]:
        return lambda module, *rest: log.append(f"{tag} {len(rest)} {rest[-1]}")

    failing = Failing()
    handles += [
        mod.register_module_forward_hook(record("global"), always_call=True),
        mod.register_module_forward_hook(record("global not always")),
        # PyTorch calls it without the kwargs when the call fails: it raises, and is silenced.
        mod.register_module_forward_hook(record("global kw"), always_call=True, with_kwargs=True),
        mod.register_module_forward_hook(lambda *args: 1 / 0, always_call=True),
        failing.register_forward_hook(record("own"), always_call=True),
        failing.register_forward_hook(record("own kw"), with_kwargs=True, always_call=True),
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match="boom"):
            failing(lib.ones(1), scale=2)
    log += [str(w.message) for w in caught]
    # A failing forward hook: the always_call hooks that already ran are not called again.
    identity = lib.nn.Identity()
    handles.append(identity.register_forward_hook(lambda *args: 1 / 0))
    with pytest.raises(ZeroDivisionError):
        identity(lib.tensor(1.0))
    return log


def test_always_call_matches_torch(registered: list[Any]) -> None:
    logs = []
    for lib, mod in LIBS:
        logs.append(_failing_call_log(lib, mod, registered))
        for handle in registered:
            handle.remove()
    assert logs[0] == logs[1]
    assert any(line.startswith("global module forward hook") for line in logs[0])


def _registration_log(lib: ModuleType, mod: ModuleType, handles: list[Any]) -> list[Any]:
    log: list[Any] = []

    def record(kind: str) -> Callable[..., None]:
        return lambda module, name, value: log.append(
            (kind, type(module).__name__, name, type(value).__name__)
        )

    handles += [
        mod.register_module_buffer_registration_hook(record("buffer")),
        mod.register_module_parameter_registration_hook(record("param")),
        mod.register_module_module_registration_hook(record("module")),
    ]
    nn = lib.nn
    module = nn.Module()
    module.child = nn.Tanh()
    module.child = None
    module.register_buffer("b", lib.ones(1))
    module.b = lib.ones(2)
    module.b = None
    module.kept = nn.Buffer(lib.ones(1))
    module.p = nn.Parameter(lib.ones(1))
    module.register_parameter("q", None)  # a None parameter calls no hook
    module.add_module("none", None)
    with pytest.raises(TypeError):
        module.register_buffer("bad", 3)
    modules = nn.ModuleList([nn.Tanh()])
    modules.append(nn.ReLU())
    modules[0] = nn.Sigmoid()
    nn.ModuleDict({"a": nn.Tanh()})
    nn.ParameterList([nn.Parameter(lib.ones(1))])
    nn.ParameterDict({"a": nn.Parameter(lib.ones(1))})
    nn.Sequential(nn.Linear(1, 1), nn.BatchNorm1d(1))
    nn.MultiheadAttention(2, 1)
    return log


def test_registration_hooks_match_torch(registered: list[Any]) -> None:
    logs = []
    for lib, mod in LIBS:
        logs.append(_registration_log(lib, mod, registered))
        for handle in registered:
            handle.remove()
    assert logs[0] == logs[1]


def test_registration_hook_results_are_stored_as_torch(registered: list[Any]) -> None:
    stored = []
    for lib, mod in LIBS:
        buffer, param, child = (
            lib.full((1,), 5.0),
            lib.nn.Parameter(lib.full((1,), 7.0)),
            lib.nn.ReLU(),
        )
        registered += [
            mod.register_module_buffer_registration_hook(lambda m, n, v, new=buffer: new),
            mod.register_module_parameter_registration_hook(lambda m, n, v, new=param: new),
            mod.register_module_module_registration_hook(lambda m, n, v, new=child: new),
        ]
        module = lib.nn.Module()
        module.register_buffer("b", None)
        module.p = lib.nn.Parameter(lib.ones(1))
        module.add_module("c", None)
        stored.append((module.b.tolist(), module.p.tolist(), type(module.c).__name__))
        for handle in registered:
            handle.remove()
    assert stored[0] == stored[1] == ([5.0], [7.0], "ReLU")


_MIXED_SCRIPT = """
import json, warnings
import {lib}
import {lib}.nn as nn
import {lib}.nn.modules.module as mod
warnings.simplefilter("ignore")
log = []
handle = mod.register_module_backward_hook(
    lambda m, gi, go: log.append(["global", type(m).__name__, len(go)])
)
layer = nn.ReLU()
layer.register_full_backward_hook(lambda m, gi, go: log.append(["own full", len(gi)]))
x = {lib}.ones(3, requires_grad=True)
layer(x).sum().backward()
handle.remove()
try:
    mod.register_module_full_backward_hook(lambda *args: None)
except RuntimeError as error:
    log.append(str(error))
print(json.dumps(log))
"""


def test_deprecated_global_backward_hook_as_torch() -> None:
    # Its choice of kind lasts for the process, so each library runs in a fresh one.
    logs = []
    for lib in ("arraygrad", "torch"):
        script = textwrap.dedent(_MIXED_SCRIPT.format(lib=lib))
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        logs.append(json.loads(done.stdout))
    assert logs[0] == logs[1]
    assert logs[0][-1].startswith("Cannot use both regular backward hooks and full")


def test_backward_hooks_without_input_gradients_as_torch(registered: list[Any]) -> None:
    # The first layer's input needs no gradient: its hooks fire at its output, with a warning.
    logs = []
    for lib, mod in LIBS:
        log: list[Any] = []

        def record(module: Any, grad_in: Any, grad_out: Any, log: list[Any] = log) -> None:
            log.append((type(module).__name__, [g is None for g in grad_in], len(grad_out)))

        registered.append(mod.register_module_full_backward_hook(record))
        lib.manual_seed(0)
        net = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Linear(3, 1))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            net(lib.ones(2, 2)).sum().backward()
            with lib.no_grad():
                net(lib.ones(2, 2))
        log.append(sorted({str(w.message)[:60] for w in caught}))
        logs.append(log)
        for handle in registered:
            handle.remove()
    assert logs[0] == logs[1]
    assert logs[0][0] == ("Sequential", [True], 1)
