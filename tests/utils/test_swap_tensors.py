"""``utils.swap_tensors``: two tensors trade everything in place, as torch's."""

from __future__ import annotations

import weakref

import pytest
import torch

import arraygrad as ag


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_swap_trades_values_metadata_class_and_attributes(lib: object) -> None:
    t = lib  # type: ignore[assignment]
    a = t.ones(2, requires_grad=True)
    b = t.zeros(3, dtype=t.float64)
    a.note = "a's"
    t.utils.swap_tensors(a, b)
    assert a.tolist() == [0.0, 0.0, 0.0] and a.dtype == t.float64 and not a.requires_grad
    assert b.tolist() == [1.0, 1.0] and b.requires_grad and b.note == "a's"
    assert not hasattr(a, "note")
    p, q = t.nn.Parameter(t.ones(2)), t.zeros(2)
    t.utils.swap_tensors(p, q)
    assert type(p) is t.Tensor and type(q) is t.nn.Parameter and q.requires_grad


@pytest.mark.parametrize("lib", [ag, torch], ids=["arraygrad", "torch"])
def test_a_weakly_referenced_tensor_cannot_be_swapped(lib: object) -> None:
    t = lib  # type: ignore[assignment]
    first, second = t.ones(2), t.zeros(2)
    ref = weakref.ref(second)
    with pytest.raises(RuntimeError, match="Cannot swap t2 because it has weakref associated"):
        t.utils.swap_tensors(first, second)
    assert ref() is second and first.tolist() == [1.0, 1.0]


def test_the_swapped_graph_follows_the_object() -> None:
    x = ag.ones(2, requires_grad=True)
    y = x * 3
    z = ag.zeros(2)
    ag.utils.swap_tensors(y, z)
    assert y.grad_fn is None and z.grad_fn is not None
    z.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_swapping_a_module_parameter() -> None:
    layer = ag.nn.Linear(2, 2)
    fresh = ag.nn.Parameter(ag.zeros(2, 2))
    old = layer.weight
    ag.utils.swap_tensors(layer.weight, fresh)
    assert layer.weight is old and layer.weight.tolist() == [[0.0, 0.0], [0.0, 0.0]]


class _Slotted:
    __slots__ = ("__weakref__", "a")


class _Plain:
    pass


_KEPT: list[object] = []


def _weakly_referenced() -> object:
    # a non-tensor with a live weak reference (kept alive by the module-level list)
    value = _Plain()
    _KEPT.append((value, weakref.ref(value)))
    return value


@pytest.mark.parametrize(
    "make",
    [
        lambda t: (t.zeros(2), 1),
        lambda t: (1, t.zeros(2)),
        lambda t: (None, "a"),
        lambda t: (t.zeros(2), [1.0]),
        lambda t: (t.zeros(2), _Slotted()),
        lambda t: (_Slotted(), t.zeros(2)),
        lambda t: (1, _weakly_referenced()),
    ],
    ids=["t2 int", "t1 int", "neither", "t2 list", "t2 slotted", "t1 slotted", "t2 weakref"],
)
def test_a_non_tensor_argument_raises_as_torch(make: object) -> None:
    # Regression: a non-tensor raised a TypeError; torch checks weak references and slots
    # first, then fails reading the non-tensor's _use_count (an AttributeError).
    raised = []
    for lib in (torch, ag):
        with pytest.raises(Exception) as info:
            lib.utils.swap_tensors(*make(lib))  # type: ignore[attr-defined,operator]
        raised.append((info.type, str(info.value)))
    assert raised[1][0] is raised[0][0]
    assert raised[1][1].startswith(raised[0][1]) and "Fix:" in raised[1][1]
