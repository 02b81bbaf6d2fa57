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
