"""nn.Module.register_backward_hook (PyTorch's deprecated non-full hook), compared with torch."""

import warnings
from typing import Any

import pytest
import torch

import arraygrad as ag


def _register(module: Any, hook: Any = None) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return module.register_backward_hook(hook or (lambda *args: None))


def _warnings(call: Any) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [w.category.__name__ + ": " + str(w.message)[:60] for w in caught]


@pytest.mark.parametrize("case", ["leaf", "computed", "no_grad", "two_ops", "two_outputs"])
def test_deprecation_warning_matches_torch(case: str) -> None:
    seen = []
    for lib in (ag, torch):
        x = lib.tensor([1.0, -2.0, 3.0], dtype=lib.float64, requires_grad=True)

        class TwoOps(lib.nn.Module):  # type: ignore[name-defined,misc]
            def forward(self, a: Any) -> Any:
                return (a * 2).exp()

        class TwoOutputs(lib.nn.Module):  # type: ignore[name-defined,misc]
            def forward(self, a: Any) -> Any:
                return a * 2, a * 3

        module = {"two_ops": TwoOps, "two_outputs": TwoOutputs}.get(case, lib.nn.ReLU)()
        _register(module)
        arg = {"leaf": x, "no_grad": x.detach()}.get(case, x * 1)
        seen.append(_warnings(lambda m=module, a=arg: m(a)))
    assert seen[0] == seen[1]


def test_hook_sees_and_replaces_grad_input() -> None:
    results = []
    for lib in (ag, torch):
        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        log: list[Any] = []

        def hook(module: Any, grad_input: Any, grad_output: Any, log: list[Any] = log) -> Any:
            log.append((grad_input[0].tolist(), grad_output[0].tolist()))
            return (grad_input[0] * 3,)

        module = lib.nn.Tanh()
        _register(module, hook)
        y = module(x * 1)
        (y * y).sum().backward()
        results.append((log, x.grad.tolist()))
    (log_a, grad_a), (log_t, grad_t) = results
    assert log_a[0][0] == pytest.approx(log_t[0][0]) and log_a[0][1] == pytest.approx(log_t[0][1])
    assert grad_a == pytest.approx(grad_t)


def test_two_input_op() -> None:
    results = []
    for lib in (ag, torch):

        class Mul(lib.nn.Module):  # type: ignore[name-defined,misc]
            def forward(self, a: Any, b: Any) -> Any:
                return a * b

        log: list[Any] = []
        module = Mul()
        _register(module, lambda m, gi, go, log=log: log.append([g.tolist() for g in gi]))
        a = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([3.0, 4.0], dtype=lib.float64, requires_grad=True)
        module(a * 1, b * 1).sum().backward()
        results.append(log)
    assert results[0] == results[1]


@pytest.mark.parametrize(
    ("hook", "error", "message"),
    [
        (lambda m, gi, go: (gi[0], gi[0]), RuntimeError, "has returned an incorrect number"),
        (lambda m, gi, go: gi[0], TypeError, "expected tuple, but hook returned 'Tensor'"),
        (lambda m, gi, go: (gi[0][:2],), RuntimeError, "has changed the size of value"),
    ],
)
def test_returned_grad_input_is_checked(hook: Any, error: type, message: str) -> None:
    for lib in (ag, torch):
        module = lib.nn.Tanh()
        _register(module, hook)
        x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        with pytest.raises(error, match=message):
            module(x * 1).sum().backward()


def test_mixing_with_full_hooks_is_refused() -> None:
    message = "Cannot use both regular backward hooks and full backward hooks"
    for lib in (ag, torch):
        first = lib.nn.ReLU()
        _register(first)
        with pytest.raises(RuntimeError, match=message):
            first.register_full_backward_hook(lambda *args: None)
        second = lib.nn.ReLU()
        second.register_full_backward_hook(lambda *args: None)
        with pytest.raises(RuntimeError, match=message):
            _register(second)
        removed = lib.nn.ReLU()
        _register(removed).remove()
        with pytest.raises(RuntimeError, match=message):
            removed.register_full_backward_hook(lambda *args: None)
        pre = lib.nn.ReLU()
        _register(pre)
        pre.register_full_backward_pre_hook(lambda *args: None)  # allowed, as in torch
