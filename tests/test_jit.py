"""``arraygrad.jit`` against ``torch.jit``: scripted and traced functions and modules give
torch's values and gradients; the calls check their arguments as torch does; what needs a
TorchScript compiler or file raises with the fix."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import torch

import arraygrad as ag
from arraygrad import jit


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """torch 2.13 warns that torch.jit is deprecated on each call (arraygrad too)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _branchy(lib: Any) -> Any:
    """The same module in both libraries: a data-dependent branch around a Linear (no
    annotations on forward: TorchScript reads them)."""

    class Branchy(lib.nn.Module):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.lin = lib.nn.Linear(3, 2)

        def forward(self, x):  # type: ignore[no-untyped-def]
            if x.sum() > 0:
                return self.lin(x)
            return -self.lin(x)

    return Branchy()


def _gelu_torch(x):  # type: ignore[no-untyped-def]
    return x * 0.5 * (1.0 + torch.erf(x / 1.41421))


def _gelu_ag(x):  # type: ignore[no-untyped-def]
    return x * 0.5 * (1.0 + ag.erf(x / 1.41421))


def _identity(x):  # type: ignore[no-untyped-def]
    return x


def _pair() -> tuple[Any, Any]:
    t_mod, a_mod = _branchy(torch), _branchy(ag)
    a_mod.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in t_mod.state_dict().items()})
    return t_mod, a_mod


def test_scripted_function_gives_torchs_values_and_gradients() -> None:
    data = np.linspace(-2, 2, 7)
    with _quiet():
        t_fn, a_fn = torch.jit.script(_gelu_torch), jit.script(_gelu_ag)
    tx = torch.tensor(data, requires_grad=True)
    ax = ag.tensor(data, requires_grad=True)
    t_fn(tx).sum().backward()
    a_fn(ax).sum().backward()
    np.testing.assert_allclose(a_fn(ax).detach().numpy(), t_fn(tx).detach().numpy())
    np.testing.assert_allclose(ax.grad.numpy(), tx.grad.numpy())


def test_scripted_module_keeps_both_branches_and_shares_parameters() -> None:
    t_mod, a_mod = _pair()
    with _quiet():
        t_s, a_s = torch.jit.script(t_mod), jit.script(a_mod)
    assert a_s is a_mod
    assert list(a_s.state_dict()) == list(t_s.state_dict())
    for sign in (1.0, -1.0):
        data = sign * np.ones((1, 3), np.float32)
        np.testing.assert_allclose(
            a_s(ag.tensor(data)).detach().numpy(),
            t_s(torch.tensor(data)).detach().numpy(),
            rtol=1e-6,
        )


def test_trace_freezes_torchs_branch_but_not_arraygrads() -> None:
    t_mod, a_mod = _pair()
    pos, neg = np.ones((1, 3), np.float32), -np.ones((1, 3), np.float32)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        t_tr = torch.jit.trace(t_mod, torch.tensor(pos))
    assert any(issubclass(w.category, torch.jit.TracerWarning) for w in seen)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        a_tr = jit.trace(a_mod, ag.tensor(pos))
    assert a_tr is a_mod
    assert not any(issubclass(w.category, jit.TracerWarning) for w in seen)
    # On the example both agree; on the other branch torch replays the example's branch.
    np.testing.assert_allclose(
        a_tr(ag.tensor(pos)).detach().numpy(), t_tr(torch.tensor(pos)).detach().numpy(), rtol=1e-6
    )
    frozen = t_tr(torch.tensor(neg)).detach().numpy()
    eager = t_mod(torch.tensor(neg)).detach().numpy()
    np.testing.assert_allclose(frozen, -eager, rtol=1e-6)
    np.testing.assert_allclose(a_tr(ag.tensor(neg)).detach().numpy(), eager, rtol=1e-6)


def test_trace_runs_the_function_once_and_returns_it() -> None:
    calls: list[int] = []

    def double(x: ag.Tensor) -> ag.Tensor:
        calls.append(1)
        return 2 * x

    with _quiet():
        traced = jit.trace(double, ag.ones(2))
    assert traced is double and calls == [1]
    assert traced(ag.ones(3)).tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize(
    ("fn", "example"),
    [
        (lambda a: a, 1.0),
        (lambda a: a, 3),
        (lambda a, b: a, ("T", 1)),
        (lambda a, b: a, ("T", 1.5)),
        (lambda a, b: a, ("T", None)),
        (lambda a, b: a, ("T", [1, 2])),
        (lambda a, b: a, ("T", ("T", 1))),
        (lambda a, b: a + b, ["T", "T"]),
        (lambda a, b: a, ("T", {"k": "T"})),
        (lambda a: a["k"], {"k": "T"}),
        (lambda a: 1.0, ("T",)),
        (lambda a: None, ("T",)),
        (lambda a: (a, 1), ("T",)),
        (lambda a: [a, a], ("T",)),
        (lambda a: {"x": a}, ("T",)),
    ],
)
def test_trace_checks_inputs_and_outputs_as_torch(fn: object, example: object) -> None:
    def build(lib: object) -> object:
        def fill(value: object) -> object:
            if value == "T":
                return lib.ones(2)  # type: ignore[attr-defined]
            if isinstance(value, tuple | list):
                return type(value)(fill(v) for v in value)
            if isinstance(value, dict):
                return {k: fill(v) for k, v in value.items()}
            return value

        return fill(example)

    outcomes = []
    for lib, trace in ((torch, torch.jit.trace), (ag, jit.trace)):
        try:
            with _quiet():
                trace(fn, build(lib))  # type: ignore[operator]
            outcomes.append("ok")
        except (RuntimeError, TypeError) as error:
            outcomes.append(f"{type(error).__name__}: {error}")
    # torch's words first; arraygrad's message then names the fix
    assert outcomes[1].startswith(outcomes[0])


def test_trace_module_checks_its_inputs_as_torch() -> None:
    for lib, tm in ((torch, torch.jit.trace_module), (ag, jit.trace_module)):
        mod = lib.nn.Linear(2, 2)
        with _quiet():
            assert tm(mod, {"forward": lib.ones(2)}) is not None
            with pytest.raises(AttributeError, match="expected a dictionary of"):
                tm(mod, lib.ones(2))
            with pytest.raises(AttributeError, match="'Linear' object has no attribute 'nope'"):
                tm(mod, {"nope": lib.ones(2)})
            with pytest.raises(AttributeError, match=r"expected torch\.nn\.Module as the first"):
                tm(lambda a: a, {"forward": lib.ones(2)})


def test_guards_decorators_and_annotations_run_as_eager_torch() -> None:
    for lib in (torch.jit, jit):
        assert lib.is_scripting() is False and lib.is_tracing() is False
        assert lib.annotate(list[int], []) == []
        fn = lambda x: x
        assert lib.ignore(fn) is fn and lib.unused(fn) is fn and lib.export(fn) is fn
        assert lib.ignore(drop=False)(fn) is fn
        assert lib.Final[int] == torch.jit.Final[int]
        with pytest.raises(RuntimeError, match="must be a bool or a function but got 3"):
            lib.ignore(3)
        with pytest.warns(FutureWarning, match="ignore\\(True\\) has been deprecated"):
            assert lib.ignore(True)(fn) is fn


def test_script_and_trace_warn_torchs_deprecation() -> None:
    for lib in (torch.jit, jit):
        with pytest.warns(DeprecationWarning, match="`torch.jit.script` is deprecated"):
            lib.script(_identity)
        with (
            pytest.raises(RuntimeError, match="cannot be compiled since it inherits from nn"),
            _quiet(),
        ):
            lib.script(torch.nn.Linear if lib is torch.jit else ag.nn.Linear)


def test_fork_runs_now_and_its_future_has_torchs_methods() -> None:
    for lib, one in ((torch.jit, torch.tensor(1.0)), (jit, ag.tensor(1.0))):
        with _quiet():
            fut = lib.fork(lambda a, b=1: a + b, one, b=2)
            assert fut.done()
            assert fut.wait().item() == 3.0 and fut.value().item() == 3.0
            assert lib.wait(fut).item() == 3.0
            assert fut.then(lambda f: f.value() * 10).wait().item() == 30.0
            seen: list[float] = []
            fut.add_done_callback(lambda f, seen=seen: seen.append(f.value().item()))
            assert seen == [3.0]
            failed = fut.then(lambda f: 1 / 0)
            with pytest.raises(RuntimeError, match="ZeroDivisionError: division by zero"):
                failed.wait()
            with pytest.raises(ValueError, match="boom"):
                lib.fork(lambda: (_ for _ in ()).throw(ValueError("boom")))


def test_future_completes_once_and_raises_a_set_exception() -> None:
    for future_type in (torch.futures.Future, jit.Future):
        fut = future_type()
        chained = fut.then(lambda f: f.wait() + 1)
        assert not fut.done() and not chained.done()
        fut.set_result(1)
        assert chained.wait() == 2
        with pytest.raises(RuntimeError, match="Attempting to mark a completed Future"):
            fut.set_result(2)
        bad = future_type()
        bad.set_exception(ValueError("x"))
        with pytest.raises(ValueError, match="x"):
            bad.wait()


def test_isinstance_checks_say_nothing_is_compiled() -> None:
    model = ag.nn.Linear(2, 2)
    with _quiet():
        scripted = jit.script(model)
    assert not isinstance(scripted, jit.ScriptModule)
    assert not isinstance(jit.script(lambda x: x), jit.ScriptFunction)
    with pytest.raises(TypeError, match=r"subclass arraygrad\.nn\.Module instead"):

        class Legacy(jit.ScriptModule):  # type: ignore[misc]
            pass


@pytest.mark.parametrize("name", ["save", "load", "freeze", "optimize_for_inference"])
def test_torchscript_files_and_freezing_raise_with_the_fix(name: str) -> None:
    with pytest.raises(RuntimeError, match="arraygrad has no TorchScript") as caught:
        if name == "load":
            jit.load("model.pt")
        elif name == "save":
            jit.save(ag.nn.Linear(2, 2), "model.pt")
        else:
            getattr(jit, name)(ag.nn.Linear(2, 2).eval())
    assert "arraygrad.save(model.state_dict()" in str(caught.value) or "arraygrad.load(" in str(
        caught.value
    )
