"""Views made under ``no_grad`` (or inside ``inference_mode``) of a tensor that requires grad
(``_view_history.made_view``): as in PyTorch they require grad, are leaves without a
``grad_fn``, and their uses are recorded, but no gradient reaches them or their base. arraygrad
said they required no grad, so ``(v * 2).sum().backward()`` raised where PyTorch runs it.

Each test runs the same code on torch 2.13.0 and on arraygrad and compares the outcomes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch

import arraygrad as ag

VIEWS = {
    "select": lambda x: x[0],
    "slice": lambda x: x[1:],
    "view": lambda x: x.view(-1),
    "reshape": lambda x: x.reshape(-1),
    "t": lambda x: x.t(),
    "expand": lambda x: x.expand(2, 3, 2),
    "unbind": lambda x: x.unbind(0)[1],
    "diagonal": lambda x: x.diagonal(),
    "as_strided": lambda x: x.as_strided((2,), (1,)),
    "unfold": lambda x: x.unfold(0, 2, 1),
}


def _outcome(fn: Callable[[Any], Any], lib: Any) -> Any:
    """``fn(lib)``, or the exception's class name and the message's first words."""
    try:
        return fn(lib)
    except RuntimeError as error:
        return type(error).__name__, " ".join(str(error).split()[:6])


def _same(fn: Callable[[Any], Any]) -> Any:
    mine, theirs = _outcome(fn, ag), _outcome(fn, torch)
    assert mine == theirs
    return mine


def _made(lib: Any, view: str, mode: str = "no_grad", leaf: bool = True) -> tuple[Any, Any]:
    x = lib.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], dtype=lib.float64, requires_grad=True)
    base = x if leaf else x * 1
    with getattr(lib, mode)():
        v = VIEWS[view](base)
    return x, v


def _name(node: Any) -> Any:
    return None if node is None else node.name()


@pytest.mark.parametrize("mode", ["no_grad", "inference_mode"])
@pytest.mark.parametrize("leaf", [True, False], ids=["leaf", "computed"])
@pytest.mark.parametrize("view", list(VIEWS))
def test_it_requires_grad_and_its_uses_are_recorded(view: str, leaf: bool, mode: str) -> None:
    def flags(lib: Any) -> Any:
        _, v = _made(lib, view, mode, leaf)
        used = v * 2
        with lib.no_grad():
            inner = v[:1]  # a view of it under no_grad requires grad too
        return (
            v.requires_grad,
            v.is_leaf,
            _name(v.grad_fn),
            v.requires_grad_(False).requires_grad,  # its base's requires it: still True
            used.requires_grad,
            _name(used.grad_fn),
            _name(v[:1].grad_fn),
            inner.requires_grad,
            v.detach().requires_grad,
        )

    assert _same(flags)[:2] == (True, True)


@pytest.mark.parametrize("view", ["select", "view", "t", "expand"])
def test_backward_through_it_reaches_neither_it_nor_its_base(view: str) -> None:
    def trained(lib: Any) -> Any:
        x, v = _made(lib, view)
        w = lib.full(tuple(v.shape), 3.0, dtype=lib.float64, requires_grad=True)
        seen = []
        v.register_hook(lambda g: seen.append(g))
        v.retain_grad()
        (v * w).sum().backward()
        v.sum().backward()  # it alone: no gradient goes anywhere, and nothing is refused
        return w.grad.tolist(), x.grad, v.grad, seen

    assert _same(trained)[1:] == (None, None, [])


def test_its_gradient_cannot_be_asked_for_and_backward_cannot_start_from_it() -> None:
    def asked(lib: Any) -> Any:
        x, v = _made(lib, "select")
        out = (v * 2).sum()
        unused = lib.autograd.grad(out, v, retain_graph=True, allow_unused=True)
        return (
            _outcome(lambda _: lib.autograd.grad(out, v, retain_graph=True), lib),
            _outcome(lambda _: lib.autograd.grad(out, x, retain_graph=True), lib),
            unused,
            _outcome(lambda _: v.backward(lib.ones(2, dtype=lib.float64)), lib),
        )

    never, base, unused, started = _same(asked)
    assert never[1].startswith("The differentiated Tensor at index 0") and base == never
    assert unused == (None,)
    assert started[1] == "element 0 of tensors does not"


def test_an_in_place_write_to_it_is_refused_in_grad_mode_only() -> None:
    def written(lib: Any) -> Any:
        _, v = _made(lib, "select")
        refused = _outcome(lambda _: v.mul_(2), lib)
        with lib.no_grad():
            v.mul_(2)
        return refused, v.tolist()

    refused, _ = _same(written)
    assert refused[1] == "A view was created in no_grad"


def test_a_model_evaluated_on_a_no_grad_view_of_its_weight_trains_as_in_pytorch() -> None:
    # the pattern: a target taken under no_grad from a parameter (an EMA teacher, a frozen
    # slice) beside the parameter itself, in one loss
    def trained(lib: Any) -> Any:
        lib.manual_seed(0)
        layer = lib.nn.Linear(2, 2).double()
        with lib.no_grad():
            target = layer.weight[0]
        x = lib.arange(4.0, dtype=lib.float64).reshape(2, 2)
        loss = ((layer(x) - target) ** 2).mean()
        loss.backward()
        return loss.requires_grad, target.requires_grad, layer.weight.grad.shape

    assert _same(trained)[:2] == (True, True)


def _written_unrecorded(lib: Any, leaf: bool, target: str, mode: str, use: str) -> Any:
    """A view made in ``mode`` of a tensor that requires grad, its base (or itself) written
    under no_grad, then used in grad mode (or under no_grad)."""
    a = lib.ones(2, 3, requires_grad=True)
    x = a if leaf else a * 1
    context = lib.no_grad() if mode == "no_grad" else lib.inference_mode()
    with context:
        v = x[1:]
    with lib.no_grad():
        (x if target == "base" else v).mul_(2)
    if use == "no_grad":
        with lib.no_grad():
            return (v * 2).sum().item(), v.requires_grad
    w = lib.ones(1, 3, requires_grad=True)
    (v * w).sum().backward()
    return w.grad.tolist()


@pytest.mark.parametrize("leaf", [False, True])
@pytest.mark.parametrize("target", ["base", "view"])
@pytest.mark.parametrize(
    ("mode", "use"), [("no_grad", "grad"), ("inference", "grad"), ("no_grad", "no_grad")]
)
def test_a_write_under_no_grad_makes_it_unusable_in_grad_mode(
    leaf: bool, target: str, mode: str, use: str
) -> None:
    # PyTorch finds the view's version moved when it next reads its grad_fn and refuses; a
    # write under no_grad used to leave arraygrad's view usable.
    def run(lib: Any) -> Any:
        try:
            return _written_unrecorded(lib, leaf, target, mode, use)
        except RuntimeError as error:
            return " ".join(str(error).split()[:20])

    assert run(ag) == run(torch)
